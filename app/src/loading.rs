//! How pages load server data: a resource whose server-rendered value the browser decodes
//! with the same JSON reader server functions use for their responses.
//!
//! Leptos' default resource codec decodes with `serde_json::from_str`, server functions with
//! `serde_json::from_slice`; the two readers are different types, so every loaded type's
//! deserializer was compiled into the wasm bundle twice. One reader compiles it once
//! (scripts/measure.sh prints the bundle size).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};

/// JSON in the page, decoded from bytes like a server function's response.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// Data a page loads from the server: rendered on the server, handed to the browser in the page.
pub type Loaded<T> = Resource<T, Json>;

/// Loads `fetcher(source())` on the server, and again in the browser whenever `source` changes.
#[track_caller]
pub fn load<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
