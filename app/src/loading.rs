//! How data travels between server and browser: postcard, for server-function responses,
//! their errors, and the values resources hand from the server-rendered page to hydration.
//!
//! Why not JSON (Leptos' default): a self-describing format compiles, for every type the
//! browser decodes, a decoder that matches field names and accepts maps and arrays alike, and
//! Leptos decoded resources (`from_str`) and responses (`from_slice`) with different readers,
//! so each of those decoders was in the wasm bundle twice. Postcard reads fields in order,
//! one decoder per type; scripts/measure.sh prints the bundle size this keeps under budget.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};

/// Postcard bytes, carried in the page as base64 (Leptos encodes `Vec<u8>` that way).
pub struct PostcardCodec;

impl<T: Serialize> Encoder<T> for PostcardCodec {
    type Error = postcard::Error;
    type Encoded = Vec<u8>;

    fn encode(val: &T) -> Result<Vec<u8>, Self::Error> {
        postcard::to_allocvec(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for PostcardCodec {
    type Error = postcard::Error;
    type Encoded = [u8];

    fn decode(val: &[u8]) -> Result<T, Self::Error> {
        postcard::from_bytes(val)
    }
}

/// Data a page loads from the server: rendered on the server, handed to the browser in the page.
pub type Loaded<T> = Resource<T, PostcardCodec>;

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

#[cfg(test)]
mod tests {
    use leptos::server::{FromEncodedStr, IntoEncodedString};
    use portico_core::model::PortalSignIn;

    use super::*;
    use crate::error::AppError;

    /// Server → page text → browser: what a resource does with its value on hydration.
    fn through_the_page<T: Serialize + DeserializeOwned>(value: &T) -> T {
        let text = <PostcardCodec as Encoder<T>>::encode(value).unwrap().into_encoded_string();
        let bytes = <[u8]>::from_encoded_str(&text).unwrap();
        <PostcardCodec as Decoder<T>>::decode(&bytes).unwrap()
    }

    #[test]
    fn loaded_values_and_errors_survive_the_trip_through_the_page() {
        let loaded: Result<PortalSignIn, AppError> =
            Ok(PortalSignIn { org_name: "Acme & Sons".into(), uses_password: true, signed_in: false });
        assert_eq!(through_the_page(&loaded), loaded);
        let refused: Result<PortalSignIn, AppError> =
            Err(AppError::Validation { field: "email".into(), message: "Enter an email address.".into() });
        assert_eq!(through_the_page(&refused), refused);
    }

    #[test]
    fn a_damaged_page_value_is_an_error_not_a_panic() {
        let decoded: Result<Result<PortalSignIn, AppError>, _> = PostcardCodec::decode(&[0xff, 0xff, 0xff][..]);
        assert!(decoded.is_err());
    }
}
