//! Tokens, codes and session ids: generated from the OS RNG, stored only as hashes or HMACs.

use std::fmt;

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret sent to someone once (invitation link, sign-in link, session cookie): 256 bits.
/// `Debug` is redacted so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
    /// Accepts what came back from a URL or cookie; anything malformed simply matches nothing.
    pub fn from_presented(s: &str) -> Option<Self> {
        let ok = s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(s.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// What the database keeps: SHA-256, hex. Lookups go by this hash.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// The server's secret key: HMACs one-time codes so a stolen database does not reveal them.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl ServerKey {
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = hex::decode(s.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// HMAC-SHA256 over the code, bound to the verification it belongs to.
    pub fn code_mac(&self, verification_hash: &str, code: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(verification_hash.as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Text sealed at rest begins with this; anything else is legacy plain text.
const SEALED: &str = "sealed:v1:";

impl ServerKey {
    /// A key for one purpose, so that no two uses of the server key share one.
    fn subkey(&self, purpose: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"subkey:");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Seals text that must not be readable at rest (mail carrying a live link or code):
    /// XChaCha20-Poly1305 under a subkey of the server key, a random 192-bit nonce per value.
    pub fn seal(&self, plain: &str) -> String {
        use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce, aead::Aead};
        let cipher = XChaCha20Poly1305::new(&self.subkey("sealed-text").into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher.encrypt(XNonce::from_slice(&nonce), plain.as_bytes()).expect("sealing text cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED}{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes))
    }

    /// The text `seal` sealed; `None` if it was altered or sealed under another key. Text that
    /// was never sealed (written before sealing existed) comes back as it is.
    pub fn unseal(&self, stored: &str) -> Option<String> {
        use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce, aead::Aead};
        let Some(encoded) = stored.strip_prefix(SEALED) else {
            return Some(stored.to_string());
        };
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.subkey("sealed-text").into());
        String::from_utf8(cipher.decrypt(XNonce::from_slice(nonce), sealed).ok()?).ok()
    }

    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED)
    }
}

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKey(<redacted>)")
    }
}

/// Constant-time comparison of two hex digests.
pub fn digests_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_are_redacted() {
        let t = SecretToken::generate();
        assert_eq!(t.expose().len(), 43);
        assert_ne!(t, SecretToken::generate());
        assert_eq!(format!("{t:?}"), "SecretToken(<redacted>)");
        assert_eq!(t.hash().len(), 64);
        assert!(SecretToken::from_presented(t.expose()).is_some());
        assert!(SecretToken::from_presented("short").is_none());
        assert!(SecretToken::from_presented(&"/".repeat(43)).is_none());
    }

    #[test]
    fn sealed_text_opens_only_with_its_key_and_unaltered() {
        let (k1, k2) = (ServerKey::generate(), ServerKey::generate());
        let plain = "Open the portal: https://portal.test/invite/abc";
        let sealed = k1.seal(plain);
        assert!(ServerKey::is_sealed(&sealed) && !sealed.contains("invite"));
        assert_ne!(sealed, k1.seal(plain), "a new nonce each time");
        assert_eq!(k1.unseal(&sealed).as_deref(), Some(plain));
        assert_eq!(k2.unseal(&sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(k1.unseal(&altered), None);
        assert_eq!(k1.unseal("legacy text").as_deref(), Some("legacy text"));
    }

    #[test]
    fn code_mac_depends_on_key_verification_and_code() {
        let k1 = ServerKey::generate();
        let k2 = ServerKey::generate();
        let a = k1.code_mac("v1", "123456");
        assert!(digests_match(&a, &k1.code_mac("v1", "123456")));
        assert!(!digests_match(&a, &k1.code_mac("v1", "123457")));
        assert!(!digests_match(&a, &k1.code_mac("v2", "123456")));
        assert!(!digests_match(&a, &k2.code_mac("v1", "123456")));
        assert_eq!(ServerKey::from_hex(&k1.to_hex()).unwrap().code_mac("v1", "1"), k1.code_mac("v1", "1"));
    }
}

impl ServerKey {
    /// A 96-bit tag for a value the server hands out and must recognise again unchanged (page
    /// cursors): HMAC-SHA256(key, message), truncated, hex.
    pub fn short_mac(&self, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..12])
    }

    /// A link token re-derivable from a stored random salt: HMAC-SHA256(key, purpose:salt),
    /// 256 bits. Without the key the salt reveals nothing.
    pub fn derive_token(&self, purpose: &str, salt: &str) -> SecretToken {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(salt.as_bytes());
        SecretToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

/// 128 random bits, hex: salts and Message-ID local parts.
/// Pages whose path ends in a secret token: an invitation, a sign-in link, a staff join link,
/// a staff password reset link.
/// Links are built with these prefixes (`Portico::link`) and logs redact them (`redact_path`).
pub const INVITATION_PAGE: &str = "/invite/";
pub const SIGN_IN_LINK_PAGE: &str = "/sign-in-link/";
pub const JOIN_PAGE: &str = "/join/";
pub const STAFF_RESET_PAGE: &str = "/reset-password/";
const TOKEN_PAGES: [&str; 4] = [INVITATION_PAGE, SIGN_IN_LINK_PAGE, JOIN_PAGE, STAFF_RESET_PAGE];

/// Whether this path is a link page carrying a token (its responses send no referrer).
pub fn is_token_page(path: &str) -> bool {
    TOKEN_PAGES.iter().any(|page| path.starts_with(page))
}

/// A request path as every log line shows it: the token of a link page becomes `<token>`
/// (tokens are live credentials; SECURITY.md: never log them). The one function for this.
pub fn redact_path(path: &str) -> String {
    for page in TOKEN_PAGES {
        if path.starts_with(page) {
            return format!("{page}<token>");
        }
    }
    path.to_string()
}

pub fn random_hex16() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod redaction_tests {
    #[test]
    fn link_tokens_never_reach_the_log() {
        assert_eq!(super::redact_path("/invite/abcdef"), "/invite/<token>");
        assert_eq!(super::redact_path("/sign-in-link/abc"), "/sign-in-link/<token>");
        assert_eq!(super::redact_path("/join/abc/extra"), "/join/<token>");
        assert_eq!(super::redact_path("/reset-password/abc"), "/reset-password/<token>");
        assert_eq!(super::redact_path("/projects/4"), "/projects/4");
    }
}
