//! Portico's user interface: server-rendered Leptos pages, hydrated in the browser, and the
//! server functions behind them (thin: authenticate, parse, call one core service, map).

// The whole site's view types, unerased in the server's test builds, nest deeper than rustc's
// default query depth.
#![recursion_limit = "256"]

pub mod accounts;
pub mod client_access;
pub mod client_profiles;
pub mod clients;
pub mod combobox;
pub mod components;
pub mod customers;
pub mod dashboard;
pub mod dialog;
pub mod documents;
pub mod error;
pub mod exports;
pub mod forms;
pub mod imports;
pub mod invitations;
pub mod invoices;
pub mod jobs;
pub mod loading;
pub mod login_links;
pub mod mailbox;
pub mod notifications;
pub mod portal;
pub mod projects;
#[cfg(feature = "ssr")]
pub mod rate_limits;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings;
pub mod tasks;
pub mod team;
pub mod updates;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    any_nested_route::IntoAnyNestedRoute,
    components::{Route, Router, Routes},
    path,
};

use portico_core::model::LinkKind;

use crate::{
    client_access::LinkPage,
    components::{NotFound, Toasts, provide_toasts},
};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=stylesheet() />
                <AutoReload options=options.clone() />
                <HydrationScripts options=bundle_for_this_page(options) />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Which bundle hydrates this page: the smaller bundle of its area when the build made one,
/// else the staff bundle (which holds every page).
fn bundle_for_this_page(options: LeptosOptions) -> LeptosOptions {
    #[cfg(feature = "ssr")]
    if let (Some(state), Some(parts)) = (use_context::<server::AppState>(), use_context::<http::request::Parts>())
        && let Some(area) = state.area_bundles.for_page(Area::of_page(parts.uri.path()))
    {
        return area.clone();
    }
    options
}

/// The stylesheet's address: in the document head, rendered on the server only (so a hashed
/// name never has to reach the browser bundle).
fn stylesheet() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<server::AppState>() {
        return state.stylesheet;
    }
    "/pkg/portico.css".to_string()
}

/// A strict CSP for every page: scripts only with this response's nonce (Leptos puts it on
/// its hydration and data scripts), which may load the wasm bundle; everything else from
/// this origin only. Set here because only the page knows its nonce.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Every page's `<title>`, the one place titles are made. On the server it is also escaped:
/// leptos_meta 0.8.7 writes the title's text into the HTML head as it is
/// (`ServerMetaContextOutput::inject_meta_context` pushes `TitleContext::as_string()` between
/// `<title>` tags unescaped), so a project named `</title><meta http-equiv=refresh …>` would
/// reach the head as markup. In the browser the text goes to `document.title`, which is text.
fn page_title(text: String) -> String {
    let title = if text.is_empty() { "Portico".to_string() } else { format!("{text} · Portico") };
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

/// Every page: what staff use and what clients use. The server renders from this, and the
/// staff bundle hydrates with it.
#[component]
pub fn App() -> impl IntoView {
    area_app(Area::Staff, StaffRoutes(), || view! { <NotFound /> }.into_any())
}

/// Every page of every area: the staff bundle holds them all.
#[component(transparent)]
fn StaffRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <FrontDeskRoutes />
        <Route path=path!("/projects") view=projects::ProjectsPage ssr=SsrMode::Async />
        <Route path=path!("/projects/new") view=projects::NewProjectPage ssr=SsrMode::Async />
        <Route path=path!("/projects/:id") view=projects::ProjectPage ssr=SsrMode::Async />
        <Route path=path!("/projects/:id/clients/:client_id/permissions") view=client_profiles::CustomizePermissionsPage ssr=SsrMode::Async />
        <Route path=path!("/mailbox") view=mailbox::MailboxPage ssr=SsrMode::Async />
        <Route path=path!("/clients") view=clients::ClientsPage ssr=SsrMode::Async />
        <Route path=path!("/clients/new") view=clients::AddClientPage ssr=SsrMode::Async />
        <Route path=path!("/clients/:id") view=clients::ClientPage ssr=SsrMode::Async />
        <Route path=path!("/clients/:id/edit") view=clients::EditClientPage ssr=SsrMode::Async />
        <Route path=path!("/customers") view=customers::CustomersListPage ssr=SsrMode::Async />
        <Route path=path!("/customers/new") view=customers::CustomerFormPage ssr=SsrMode::Async />
        <Route path=path!("/customers/:id") view=customers::CustomerDetailPage ssr=SsrMode::Async />
        <Route path=path!("/customers/:id/edit") view=customers::CustomerFormPage ssr=SsrMode::Async />
        <Route path=path!("/forms") view=forms::FormsPage ssr=SsrMode::Async />
        <Route path=path!("/forms/new") view=forms::NewFormPage ssr=SsrMode::Async />
        <Route path=path!("/forms/:id") view=forms::FormPage ssr=SsrMode::Async />
        <Route path=path!("/settings") view=settings::SettingsPage ssr=SsrMode::Async />
        <Route path=path!("/settings/client-profiles") view=client_profiles::ClientProfilesPage ssr=SsrMode::Async />
        <Route path=path!("/notifications") view=notifications::NotificationsPage ssr=SsrMode::Async />
        <Route path=path!("/mailbox/:id") view=mailbox::MessagePage ssr=SsrMode::Async />
        <Route path=path!("/jobs") view=jobs::JobsPage ssr=SsrMode::Async />
        <Route path=path!("/jobs/:id") view=jobs::JobPageView ssr=SsrMode::Async />
        <Route path=path!("/imports/new") view=imports::NewImportPage ssr=SsrMode::Async />
        <Route path=path!("/imports/:id") view=imports::ImportPage ssr=SsrMode::Async />
        <ClientRoutes />
        <Route path=path!("/team") view=team::TeamPage ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// The pages a client sees: the links they open, signing in, and the portal. Kept apart so the
/// client's bundle (`PortalApp`) holds these pages and not the staff pages' code: a client on a
/// phone downloads about a third of what staff do. `Area::of_page` names the same paths.
#[component(transparent)]
fn ClientRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/invite/:token") view=|| view! { <LinkPage kind=LinkKind::Invitation /> } ssr=SsrMode::Async />
        <Route path=path!("/sign-in-link/:token") view=|| view! { <LinkPage kind=LinkKind::SignIn /> } ssr=SsrMode::Async />
        <Route path=path!("/portal/verify") view=client_access::VerifyPage ssr=SsrMode::Async />
        <Route path=path!("/p/:slug") view=client_access::PortalSignInPage ssr=SsrMode::Async />
        <Route path=path!("/portal") view=portal::PortalHomePage ssr=SsrMode::Async />
        <Route path=path!("/portal/projects/:id") view=portal::PortalProjectView ssr=SsrMode::Async />
        <Route path=path!("/portal/forms/:id") view=forms::PortalFormView ssr=SsrMode::Async />
        <Route path=path!("/portal/password") view=client_access::SetPasswordPage ssr=SsrMode::Async />
        <Route path=path!("/portal/sign-in") view=client_access::PortalFinderPage ssr=SsrMode::Async />
    }
    .into_inner()
    // Several routes as one child of `<Routes>` (the build erases component types, where a
    // route fragment must be a single `AnyNestedRoute`).
    .into_any_nested_route()
}

/// The staff's front desk: the pages where staff come in (setting up, signing in, joining a
/// team, a forgotten password), the dashboard they land on and Portal access, where they invite
/// clients. Kept apart like `ClientRoutes`, so the first pages staff load, and those they use
/// most, carry none of the other staff pages' code (`FrontDeskApp`). `Area::of_page` names the
/// same paths.
#[component(transparent)]
fn FrontDeskRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/") view=dashboard::DashboardPage ssr=SsrMode::Async />
        <Route path=path!("/setup") view=accounts::SetupPage ssr=SsrMode::Async />
        <Route path=path!("/sign-in") view=accounts::SignInPage ssr=SsrMode::Async />
        <Route path=path!("/join/:token") view=team::JoinPage ssr=SsrMode::Async />
        <Route path=path!("/forgot-password") view=accounts::ForgotPasswordPage ssr=SsrMode::Async />
        <Route path=path!("/reset-password/:token") view=accounts::ResetPasswordPage ssr=SsrMode::Async />
        <Route path=path!("/projects/:id/portal") view=invitations::PortalAccessPage ssr=SsrMode::Async />
    }
    .into_inner()
    .into_any_nested_route()
}

/// The areas of the site, each with the bundle that hydrates its pages: a page's area decides
/// which wasm the browser downloads for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// `ClientRoutes`: the client's bundle (`PortalApp`).
    Client,
    /// `FrontDeskRoutes`: the front desk's bundle (`FrontDeskApp`).
    FrontDesk,
    /// Every other page: the staff bundle (`App`), which holds every page.
    Staff,
}

impl Area {
    /// The area of a path as the router reads it (one leading slash, at most one trailing, no
    /// empty segment: anything else matches no route, and gets the staff bundle).
    pub fn of_page(path: &str) -> Area {
        if path.is_empty() || path == "/" {
            return Area::FrontDesk;
        }
        let path = path.strip_prefix('/').unwrap_or(path);
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Area::Staff;
        }
        match segments.as_slice() {
            ["portal"]
            | ["portal", "verify" | "password" | "sign-in"]
            | ["portal", "projects" | "forms", _]
            | ["invite" | "sign-in-link" | "p", _] => Area::Client,
            ["setup" | "sign-in" | "forgot-password"] | ["join" | "reset-password", _] | ["projects", _, "portal"] => {
                Area::FrontDesk
            }
            _ => Area::Staff,
        }
    }
}

/// The client's bundle: the same frame as `App` around the client pages only. Hydration only
/// walks the page the server rendered, which both apps render alike.
#[component]
pub fn PortalApp() -> impl IntoView {
    area_app(Area::Client, ClientRoutes(), || view! { <LoadFromServer /> }.into_any())
}

/// The front desk's bundle: the same frame as `App` around the front desk's pages only.
#[component]
pub fn FrontDeskApp() -> impl IntoView {
    area_app(Area::FrontDesk, FrontDeskRoutes(), || view! { <LoadFromServer /> }.into_any())
}

/// The frame of every app (hydration needs them alike) around an area's routes. In the client's
/// and the front desk's bundles a page of another area is loaded from the server; the staff
/// bundle holds every page, and its fallback is the page that says so.
fn area_app(
    area: Area,
    routes: impl leptos_router::MatchNestedRoutes + Clone + Send + 'static,
    fallback: fn() -> AnyView,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if area != Area::Staff {
        leave_other_areas_to_the_browser(area);
        redirect_to_other_areas_by_page_load(area);
    }
    let _ = area;
    provide_meta_context();
    provide_toasts();
    view! {
        <Title formatter=page_title />
        <Router>
            {
                // `<Routes>` takes its routes as children only; these come as a value.
                use leptos::children::ToChildren;
                use leptos_router::components::{RouteChildren, RoutesProps};
                Routes(
                    RoutesProps::builder()
                        .fallback(fallback)
                        .children(RouteChildren::to_children(move || routes))
                        .build(),
                )
            }
            // Inside the router: a plain form post's confirmation is read from the address.
            <Toasts />
        </Router>
    }
}

/// In an area's bundle, a click on a link to another area's page is left to the browser, which
/// keeps the current page on screen until the next one arrives with its bundle. (The router
/// would take the click, show its fallback, an empty page, and only then load the address.) The
/// router leaves `rel="external"` links to the browser, so the link gets that mark just before
/// the router sees the click (this listener captures it first).
#[cfg(feature = "hydrate")]
fn leave_other_areas_to_the_browser(area: Area) {
    use wasm_bindgen::{JsCast, closure::Closure};
    let Some(window) = web_sys::window() else { return };
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(link) = link
            && web_sys::Url::new(&link.href()).is_ok_and(|url| elsewhere(&url, area))
        {
            let rel = link.get_attribute("rel").unwrap_or_default();
            if !rel.split_whitespace().any(|part| part == "external") {
                let _ = link.set_attribute("rel", format!("{rel} external").trim());
            }
        }
    });
    let _ = window.add_event_listener_with_callback_and_bool("click", on_click.as_ref().unchecked_ref(), true);
    // One listener for the page's life.
    on_click.forget();
}

/// A server function that sends the browser on (signing in to `?next=/clients`, say) to a page
/// of another area loads that page from the server, keeping the current one on screen until it
/// arrives; within the area the router moves as it does everywhere. Set before `<Router>`, which
/// would set its own hook (a hook is set once).
#[cfg(feature = "hydrate")]
fn redirect_to_other_areas_by_page_load(area: Area) {
    use leptos_router::location::{BrowserUrl, LocationProvider};
    let owner = Owner::current();
    let _ = leptos::server_fn::redirect::set_redirect_hook(move |target: &str| {
        let Some(window) = web_sys::window() else { return };
        let here = window.location().href().unwrap_or_default();
        if web_sys::Url::new_with_base(target, &here).is_ok_and(|url| elsewhere(&url, area)) {
            let _ = window.location().assign(target);
        } else if let Some(owner) = &owner {
            // What the router's own hook does.
            owner.with(|| BrowserUrl::redirect(target));
        }
    });
}

/// Whether `url` is a page this area's bundle does not hold: another area's, or another site's.
#[cfg(feature = "hydrate")]
fn elsewhere(url: &web_sys::Url, area: Area) -> bool {
    let here = web_sys::window().and_then(|w| w.location().origin().ok());
    here.as_deref() != Some(url.origin().as_str()) || Area::of_page(&url.pathname()) != area
}

/// In an area's bundle, a page it does not hold that the router is asked for (a redirect after a
/// server function, a link the listener above did not see) is loaded from the server as a whole
/// page, which brings the bundle that holds it.
#[component]
fn LoadFromServer() -> impl IntoView {
    Effect::new(|| {
        if let Some(location) = web_sys::window().map(|w| w.location()) {
            let _ = location.reload();
        }
    });
}

/// Marks the page as live once a bundle has hydrated it: `<html data-hydrated="true">`.
/// Controls that need the wasm are live from here on (the measurement script and the tests
/// wait for it instead of guessing from network silence).
pub fn mark_hydrated() {
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(root) = document.as_ref().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-hydrated", "true");
    }
    if let Some(document) = document {
        settle_kept_fields(&document);
        forget_refusals_on_submit(&document);
    }
}

/// A refused plain form leaves server_fn's `__path`/`__err` in the address (the redirect that
/// brought the page back with its error). Once the wasm submits forms, that error is about an
/// earlier try of the same form: it leaves the address when that form (its `action` is the
/// `__path`) is sent again, so a reload after the mended try succeeded does not show it again.
/// Another form's submission leaves the address as it is: the refused form is still as it was.
fn forget_refusals_on_submit(document: &web_sys::Document) {
    use wasm_bindgen::{JsCast, closure::Closure};
    let forget = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(window) = web_sys::window() else { return };
        let Ok(href) = window.location().href() else { return };
        let Ok(url) = web_sys::Url::new(&href) else { return };
        let params = url.search_params();
        let Some(refused) = params.get("__path") else { return };
        let sent =
            event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|f| f.get_attribute("action"));
        if sent.as_deref() != Some(refused.as_str()) {
            return;
        }
        params.delete("__path");
        params.delete("__err");
        if let Ok(history) = window.history() {
            // The entry keeps whatever state the router gave it.
            let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
            let _ = history.replace_state_with_url(&state, "", Some(&url.href()));
        }
    });
    // Capture: before the form's own handler sends it.
    let _ = document.add_event_listener_with_callback_and_bool("submit", forget.as_ref().unchecked_ref(), true);
    // Lives as long as the page.
    forget.forget();
}

/// A refused plain form's fields come back written as their defaults (`value`, `checked`,
/// `selected` attributes and a textarea's text, marked `data-kept`: `server/src/typed_forms.rs`),
/// the only way without a script. Once the script is here they become the fields' current
/// values only, so that a form reset after a later success empties the form instead of
/// bringing the refused values back.
fn settle_kept_fields(document: &web_sys::Document) {
    use wasm_bindgen::{JsCast, JsValue};
    let Ok(kept) = document.query_selector_all("[data-kept]") else { return };
    for i in 0..kept.length() {
        let Some(el) = kept.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
        let _ = el.remove_attribute("data-kept");
        let tag = el.tag_name().to_ascii_lowercase();
        let kind = el.get_attribute("type").unwrap_or_default().to_ascii_lowercase();
        // Which property holds what was typed, and which attribute is its default.
        let (property, default) = match (tag.as_str(), kind.as_str()) {
            ("input", "checkbox" | "radio") => ("checked", Some("checked")),
            ("input", _) => ("value", Some("value")),
            ("option", _) => ("selected", Some("selected")),
            ("textarea", _) => ("value", None),
            _ => continue,
        };
        let Ok(current) = js_sys::Reflect::get(&el, &JsValue::from_str(property)) else { continue };
        match default {
            Some(attribute) => {
                let _ = el.remove_attribute(attribute);
            }
            // A textarea's default is its text.
            None => el.set_text_content(None),
        }
        let _ = js_sys::Reflect::set(&el, &JsValue::from_str(property), &current);
    }
}

#[cfg(test)]
mod tests {
    use super::Area;

    #[test]
    fn each_page_belongs_to_one_area() {
        for path in [
            "/invite/abc",
            "/sign-in-link/abc",
            "/p/acme",
            "/portal",
            "/portal/",
            "/portal/verify",
            "/portal/password",
            "/portal/sign-in",
            "/portal/projects/7",
            "/portal/forms/3",
        ] {
            assert_eq!(Area::of_page(path), Area::Client, "{path}");
        }
        for path in [
            "/",
            "",
            "/setup",
            "/sign-in",
            "/sign-in/",
            "/forgot-password",
            "/join/abc",
            "/reset-password/abc",
            "/projects/7/portal",
        ] {
            assert_eq!(Area::of_page(path), Area::FrontDesk, "{path}");
        }
        for path in [
            "/projects/7",
            "/projects/7/portal/x",
            "/projects/portal",
            "/invite/",
            "/p",
            "/portal/projects",
            "/portal/other",
            "/join",
            "/join/abc/x",
            "/clients/1",
            "/team",
            // The router matches none of these: the server must not send an area's bundle.
            "//",
            "//portal",
            "/portal//",
            "/portal/verify//",
            "/portal//verify",
            "//sign-in",
        ] {
            assert_eq!(Area::of_page(path), Area::Staff, "{path}");
        }
    }
}
