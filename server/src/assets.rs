//! The browser bundle and static files: served pre-compressed (brotli and gzip files that
//! cargo-leptos writes once at build time, `precompress = true`), under content-hashed names
//! (`hash-files = true`) that may be cached for a year, and every other response compressed
//! on the fly when the browser accepts it.

use std::path::{Path, PathBuf};

use axum::{
    Router,
    http::{HeaderValue, header},
};
use tower_http::{compression::CompressionLayer, services::ServeDir, set_header::SetResponseHeaderLayer};

/// What cargo-leptos' `hash.txt` says about the bundle (beside the server binary, where
/// leptos' `HydrationScripts` reads it too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleNames {
    /// `Some` when the files carry content hashes in their names.
    pub css_hash: Option<String>,
    pub hashed: bool,
}

impl BundleNames {
    /// Reads `hash.txt` next to the running binary. Without one (tests, `cargo run`) the
    /// names are plain and nothing may be cached for long.
    pub fn of_this_build(file_name: &str) -> Self {
        let path = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(file_name)));
        match path.and_then(|p| std::fs::read_to_string(p).ok()) {
            Some(text) => Self::parse(&text),
            None => Self::default(),
        }
    }

    fn parse(text: &str) -> Self {
        let css_hash = text
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(kind, _)| kind.trim() == "css")
            .map(|(_, hash)| hash.trim().to_string())
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        Self { hashed: true, css_hash }
    }

    /// The stylesheet's address.
    pub fn stylesheet(&self, output_name: &str) -> String {
        match &self.css_hash {
            Some(hash) => format!("/pkg/{output_name}.{hash}.css"),
            None => format!("/pkg/{output_name}.css"),
        }
    }
}

/// The areas' own bundles (`frontend/portal` for the client's pages, `frontend/front-desk` for
/// the front desk's), built by `scripts/area_bundles.sh` after cargo-leptos.
pub fn area_bundles(options: &leptos::prelude::LeptosOptions) -> portico_app::server::AreaBundles {
    portico_app::server::AreaBundles {
        client: area_bundle(options, "portal"),
        front_desk: area_bundle(options, "front-desk"),
    }
}

/// The options that make leptos' `HydrationScripts` load the bundle `portico-<area>`, when this
/// build has one. Its names are in `hash-<area>.txt` beside the binary, written last, once the
/// files are in place; without it the area's pages load the staff bundle, which holds every page.
fn area_bundle(options: &leptos::prelude::LeptosOptions, area: &str) -> Option<leptos::prelude::LeptosOptions> {
    let hashes = format!("hash-{area}.txt");
    let output_name = format!("portico-{area}");
    let exe = std::env::current_exe().ok()?;
    let text = std::fs::read_to_string(exe.parent()?.join(&hashes)).ok()?;
    let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    // Both files named and present (a later cargo-leptos build may have emptied the folder).
    let in_place = |kind: &str| {
        text.lines().filter_map(|line| line.split_once(':')).any(|(k, hash)| {
            let hash = hash.trim();
            k.trim() == kind
                && !hash.is_empty()
                && hash.chars().all(|c| c.is_ascii_alphanumeric())
                && pkg.join(format!("{output_name}.{hash}.{kind}")).is_file()
        })
    };
    if !options.hash_files || !in_place("js") || !in_place("wasm") {
        return None;
    }
    let mut bundle = options.clone();
    bundle.output_name = output_name.into();
    bundle.hash_file = hashes.into();
    Some(bundle)
}

/// `/pkg/…`: pre-compressed when the `.br`/`.gz` file exists, cached for a year when names
/// carry hashes (a new build has new names), revalidated otherwise.
pub fn bundle_routes<S: Clone + Send + Sync + 'static>(site_root: &Path, hashed: bool) -> Router<S> {
    let pkg: PathBuf = site_root.join("pkg");
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    Router::new().nest_service(
        "/pkg",
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(cache)))
            .service(ServeDir::new(pkg).precompressed_br().precompressed_gzip()),
    )
}

/// Compresses what is not compressed yet (pages, server-function answers); pre-compressed
/// files already carry their `Content-Encoding` and pass through. Downloaded files
/// (attachments: documents, exports) are sent as they are, with their length: most are
/// compressed already (PDF, images, Office, zip), and the browser shows the download's progress.
pub fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, Predicate};
    let not_a_download =
        |_: axum::http::StatusCode,
         _: axum::http::Version,
         headers: &axum::http::HeaderMap,
         _: &axum::http::Extensions| { !headers.contains_key(axum::http::header::CONTENT_DISPOSITION) };
    CompressionLayer::new().br(true).gzip(true).compress_when(DefaultPredicate::new().and(not_a_download))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_takes_its_hash_from_hash_txt() {
        let names = BundleNames::parse("js: abc123\nwasm: def456\ncss: 0f1e2d\n");
        assert!(names.hashed);
        assert_eq!(names.stylesheet("portico"), "/pkg/portico.0f1e2d.css");
        assert_eq!(BundleNames::default().stylesheet("portico"), "/pkg/portico.css");
        assert_eq!(BundleNames::parse("css: ../x\n").stylesheet("portico"), "/pkg/portico.css");
    }

    /// The server picks a page's bundle by `Area::of_page`; each area's bundle holds its routes.
    /// The two must agree, or a page would go to a bundle that cannot hydrate it. (Here, in the
    /// server's unit tests, because listing routes must not run beside pages being served:
    /// `crate::ROUTES`.)
    #[test]
    fn each_area_bundle_holds_exactly_the_pages_of_its_area() {
        use portico_app::Area;
        let fill = |path: &str| {
            path.replace("{token}", "t0k3n").replace("{slug}", "acme").replace("{id}", "7").replace("{client_id}", "8")
        };
        let paths_of = |routes: Vec<leptos_axum::AxumRouteListing>| -> Vec<String> {
            routes.iter().map(|r| r.path().to_string()).collect()
        };
        let client = paths_of(leptos_axum::generate_route_list(portico_app::PortalApp));
        let front_desk = paths_of(leptos_axum::generate_route_list(portico_app::FrontDeskApp));
        assert_eq!(client.len(), 9, "{client:?}");
        assert_eq!(front_desk.len(), 7, "{front_desk:?}");
        for (area, paths) in [(Area::Client, &client), (Area::FrontDesk, &front_desk)] {
            for path in paths {
                assert_eq!(Area::of_page(&fill(path)), area, "{path}");
                if path != "/" {
                    assert_eq!(Area::of_page(&format!("{}/", fill(path))), area, "{path}/");
                }
            }
        }
        let staff: Vec<String> = crate::page_routes()
            .iter()
            .map(|r| r.path().to_string())
            .filter(|p| !client.contains(p) && !front_desk.contains(p))
            .collect();
        assert_eq!(staff.len(), 25, "{staff:?}");
        for path in &staff {
            assert_eq!(Area::of_page(&fill(path)), Area::Staff, "{path}");
        }
    }
}
