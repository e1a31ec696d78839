//! Domain values that are valid by construction: parse once at the edge, trust afterwards.

use std::fmt;

use crate::error::{Error, Result};

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
    )*};
}
id_type!(OrgId, StaffUserId, ClientId, ProjectId, InvitationId, CustomerId, MessageId);

/// A lower-cased, syntactically valid email address of at most 254 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Error::validation("email", "Enter an email address."));
        }
        if trimmed.len() > 254 {
            return Err(Error::validation("email", "An email address can be at most 254 characters."));
        }
        // The crate checks RFC 5322 syntax; we additionally require a dot in the domain,
        // since a bare host name is never a reachable client address.
        let valid = email_address::EmailAddress::is_valid(trimmed)
            && trimmed.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
        if !valid {
            return Err(Error::validation("email", "Enter an email address like name@example.com."));
        }
        Ok(Self(trimmed.to_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number in E.164 form (`+14155550123`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses an international number; an empty input means "no phone".
    pub fn parse_optional(input: &str) -> Result<Option<Self>> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let invalid =
            || Error::validation("phone", "Enter the phone number with its country code, like +44 20 7946 0958.");
        let parsed = phonenumber::parse(None, trimmed).map_err(|_| invalid())?;
        if !phonenumber::is_valid(&parsed) {
            return Err(invalid());
        }
        Ok(Some(Self(parsed.format().mode(phonenumber::Mode::E164).to_string())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A stored E.164 number as people read it (`+44 20 7946 0958`); as stored if it no
    /// longer parses.
    pub fn display(stored: &str) -> String {
        phonenumber::parse(None, stored)
            .map(|p| p.format().mode(phonenumber::Mode::International).to_string())
            .unwrap_or_else(|_| stored.to_string())
    }
}

/// A web address people can open: http or https with a host name, at most 300 characters.
/// Typed without a scheme (`acme.example`), it is taken as https.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebAddress(String);

impl WebAddress {
    pub fn parse_optional(field: &'static str, input: &str) -> Result<Option<Self>> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let invalid = || Error::validation(field, "Enter a web address like https://acme.example.");
        if trimmed.len() > 300 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let with_scheme = if trimmed.contains("://") { trimmed.to_string() } else { format!("https://{trimmed}") };
        let url = url::Url::parse(&with_scheme).map_err(|_| invalid())?;
        let host_ok = url.host_str().is_some_and(|h| h.contains('.') && !h.ends_with('.'));
        if !matches!(url.scheme(), "http" | "https") || !host_ok {
            return Err(invalid());
        }
        Ok(Some(Self(url.to_string())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client's rate per hour on a project billed by staff hours, in cents: an amount of at most
/// 100,000.00 with at most two decimals, as people type it (`120`, `95.50`, `1,200`). Read by
/// hand rather than with a decimal crate: two digits after a point are all there is to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourlyRate(i64);

impl HourlyRate {
    const MAX_CENTS: i64 = 10_000_000;

    /// An empty input means "no rate yet".
    pub fn parse_optional(input: &str) -> Result<Option<Self>> {
        let typed: String = input.trim().chars().filter(|c| *c != ',').collect();
        if typed.is_empty() {
            return Ok(None);
        }
        let invalid = || Error::validation("rates", "Enter each rate per hour as an amount, like 120 or 95.50.");
        let (whole, fraction) = typed.split_once('.').unwrap_or((&typed, ""));
        let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || whole.len() > 9 || fraction.len() > 2 || !digits(whole) || !digits(fraction) {
            return Err(invalid());
        }
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        let cents = whole * 100 + fraction;
        if cents > Self::MAX_CENTS {
            return Err(Error::validation("rates", "A rate per hour can be at most 100,000.00."));
        }
        Ok(Some(Self(cents)))
    }
    pub fn cents(self) -> i64 {
        self.0
    }
}

/// Text of several lines, trimmed, at most `max` characters; empty is allowed. Control
/// characters other than line breaks and tabs are refused (they reach pages and mail).
pub fn long_text(field: &'static str, label: &str, input: &str, max: usize) -> Result<String> {
    let text = input.trim().replace("\r\n", "\n");
    if text.chars().count() > max {
        return Err(Error::validation(field, format!("{label} can be at most {max} characters.")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::validation(field, format!("{label} cannot contain control characters.")));
    }
    Ok(text)
}

/// A trimmed, non-empty single line of text with a maximum length, e.g. a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    pub fn parse(field: &'static str, label: &str, input: &str, max: usize) -> Result<Self> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Error::validation(field, format!("Enter {label}.")));
        }
        if trimmed.chars().count() > max {
            return Err(Error::validation(field, format!("{} can be at most {max} characters.", capitalise(label))));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Error::validation(field, format!("{} cannot contain control characters.", capitalise(label))));
        }
        Ok(Self(trimmed.to_string()))
    }
    /// Like `parse`, but an empty input means "none".
    pub fn parse_optional(field: &'static str, label: &str, input: &str, max: usize) -> Result<Option<Self>> {
        if input.trim().is_empty() { Ok(None) } else { Self::parse(field, label, input, max).map(Some) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

fn capitalise(label: &str) -> String {
    let label = label.trim_start_matches("a ").trim_start_matches("an ").trim_start_matches("the ");
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A staff password: 10 to 128 characters. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(input: &str) -> Result<Self> {
        let n = input.chars().count();
        if n < 10 {
            return Err(Error::validation("password", "Use at least 10 characters."));
        }
        if n > 128 {
            return Err(Error::validation("password", "Use at most 128 characters."));
        }
        Ok(Self(input.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The six digits a client types to prove they hold the mailbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    pub fn parse(input: &str) -> Result<Self> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::validation("code", "Enter the 6-digit code from the email."));
        }
        Ok(Self(digits))
    }
    /// A fresh code from the OS random number generator.
    pub fn generate() -> Self {
        use rand::Rng;
        Self(format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32)))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(<redacted>)")
    }
}

/// The role of a staff user inside their organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
    /// Owners and admins run the organization (settings, mailbox, team).
    pub fn manages_organization(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// A slug for URLs: lower-case ASCII letters, digits and dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(40).collect::<String>();
    if slug.is_empty() { "portal".into() } else { slug }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_as_people_type_them() {
        let cents = |s: &str| HourlyRate::parse_optional(s).unwrap().map(HourlyRate::cents);
        assert_eq!(cents(""), None);
        assert_eq!(cents(" 120 "), Some(12_000));
        assert_eq!(cents("95.5"), Some(9_550));
        assert_eq!(cents("95.05"), Some(9_505));
        assert_eq!(cents("1,200.00"), Some(120_000));
        assert_eq!(cents("0"), Some(0));
        assert_eq!(cents("100000"), Some(10_000_000));
        for bad in ["-5", "12.345", "abc", ".5", "1e3", "£120", "100000.01", "99999999999", "1.2.3", "12 0"] {
            assert!(HourlyRate::parse_optional(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn email_rejects_empty_missing_at_and_bare_hosts() {
        for bad in ["", "   ", "ada", "ada@", "@example.com", "ada@localhost", "a b@example.com"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let too_long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&too_long).is_err());
    }

    #[test]
    fn phone_is_normalised_to_e164_and_optional() {
        assert_eq!(PhoneNumber::parse_optional("+44 20 7946 0958").unwrap().unwrap().as_str(), "+442079460958");
        assert!(PhoneNumber::parse_optional("").unwrap().is_none());
        assert!(PhoneNumber::parse_optional("12").is_err());
        assert!(PhoneNumber::parse_optional("not a phone").is_err());
    }

    #[test]
    fn line_rejects_empty_overlong_and_control_characters() {
        assert_eq!(Line::parse("name", "a name", "  Ada  ", 10).unwrap().as_str(), "Ada");
        let Err(Error::Validation { field, message }) = Line::parse("name", "a name", " ", 10) else { panic!() };
        assert_eq!((field, message.as_str()), ("name", "Enter a name."));
        let Err(Error::Validation { message, .. }) = Line::parse("name", "a name", &"x".repeat(11), 10) else {
            panic!()
        };
        assert_eq!(message, "Name can be at most 10 characters.");
        assert!(Line::parse("name", "a name", "a\u{7}b", 10).is_err());
    }

    #[test]
    fn one_time_code_accepts_six_digits_only() {
        assert_eq!(OneTimeCode::parse(" 123 456 ").unwrap().expose(), "123456");
        for bad in ["12345", "1234567", "abcdef", ""] {
            assert!(OneTimeCode::parse(bad).is_err());
        }
        let generated = OneTimeCode::generate();
        assert_eq!(generated.expose().len(), 6);
        assert_eq!(format!("{generated:?}"), "OneTimeCode(<redacted>)");
    }

    #[test]
    fn password_needs_ten_characters_and_hides_itself() {
        assert!(Password::parse("short").is_err());
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("Acme & Sons, Ltd."), "acme-sons-ltd");
        assert_eq!(slugify("!!!"), "portal");
    }
}

/// Where to go after signing in: `next` itself if it is one of our own pages, else `None`.
/// Only a path under a known staff section passes; anything that a browser could read as
/// another host (`//evil`, `/\evil`, a scheme, or the same hidden behind percent-encoding)
/// does not.
pub fn safe_next(next: &str) -> Option<&str> {
    const SECTIONS: [&str; 6] = ["", "projects", "clients", "mailbox", "settings", "notifications"];
    fn plain_path(p: &str) -> bool {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && !p.contains("://")
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
    }
    if next.len() > 512 || !plain_path(next) {
        return None;
    }
    // Check the decoded form too: `/%2F%2Fevil.example` or `/%5Cevil.example` must not pass.
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8().ok()?;
    if !plain_path(&decoded) {
        return None;
    }
    let first = decoded.trim_start_matches('/').split(['/', '?', '#']).next().unwrap_or("");
    SECTIONS.contains(&first).then_some(next)
}

#[cfg(test)]
mod next_tests {
    use super::safe_next;

    #[test]
    fn only_in_app_paths_are_followed_after_sign_in() {
        for good in ["/", "/projects/4/portal", "/clients/9", "/settings", "/notifications?x=1"] {
            assert_eq!(safe_next(good), Some(good), "{good}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "http:evil.example",
            "evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%252F%252Fevil.example",
            "%2F%2Fevil.example",
            "/\t/evil.example",
            "/ /evil.example",
            "javascript:alert(1)",
            "/unknown-section",
            "/portal",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
