//! The wasm-safe types that the services return and the UI renders (no database, no I/O).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A client's portal access status, shown as a badge with exactly these labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessStatus {
    NotInvited,
    Invited,
    Active,
    Expired,
    Cancelled,
    Deactivated,
}

impl AccessStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccessStatus::NotInvited => "Not invited",
            AccessStatus::Invited => "Invited",
            AccessStatus::Active => "Active",
            AccessStatus::Expired => "Expired",
            AccessStatus::Cancelled => "Cancelled",
            AccessStatus::Deactivated => "Deactivated",
        }
    }
    /// The CSS modifier of its badge.
    pub fn tone(self) -> &'static str {
        match self {
            AccessStatus::NotInvited => "neutral",
            AccessStatus::Invited => "info",
            AccessStatus::Active => "success",
            AccessStatus::Expired => "warning",
            AccessStatus::Cancelled | AccessStatus::Deactivated => "muted",
        }
    }
}

/// Who is signed in, for the page chrome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Viewer {
    Staff { name: String, role: String, org_name: String, manages_organization: bool },
    Client { name: String, org_name: String, org_slug: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: i64,
    pub name: String,
    pub customer_name: Option<String>,
    pub client_count: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectDetail {
    pub id: i64,
    pub name: String,
    pub customer_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub invited: u64,
    pub active: u64,
}

/// One contact in a project's Portal access section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalAccessRow {
    pub client_id: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub status: AccessStatus,
    pub invitation_id: Option<i64>,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// The line under the badge: "Invitation sent just now", "Waiting for client to accept
    /// (sent 21 Nov 2026)", "Last sign-in …". Worded on the server so it matches on hydration.
    pub note: String,
}

/// An existing contact, for the "Invite client" picker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecentInvitation {
    pub invitation_id: i64,
    pub client_name: String,
    pub client_email: String,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub status: AccessStatus,
    pub sent_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub portal_url: String,
    pub invited: u64,
    pub joined: u64,
    pub recent: Vec<RecentInvitation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxItem {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub topic: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub from_name: String,
    pub subject: String,
    pub topic: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub message_id: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The two kinds of link that lead a client to the code step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// `/invite/<token>`: an invitation to a project's portal.
    Invitation,
    /// `/sign-in-link/<token>`: a sign-in link from the portal's sign-in page.
    SignIn,
}

/// What an invitation or sign-in link's page shows before "Continue".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkLanding {
    pub org_name: String,
    /// "Ada Lovelace invited you to Kitchen remodel", or a sign-in greeting.
    pub headline: String,
    pub detail: String,
}

/// The code step: where the code went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeStep {
    pub org_name: String,
    pub masked_email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalProject {
    pub id: i64,
    pub name: String,
    pub customer_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalHome {
    pub org_name: String,
    pub client_name: String,
    pub projects: Vec<PortalProject>,
}

/// The line under a status badge, at time `at`.
pub fn status_note(
    status: AccessStatus,
    last_sent_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    last_sign_in_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> String {
    let day = |t: DateTime<Utc>| t.format("%-d %b %Y").to_string();
    match status {
        AccessStatus::NotInvited => "Not invited to the portal yet".into(),
        AccessStatus::Invited => match last_sent_at {
            Some(sent) if at - sent < chrono::Duration::minutes(1) => "Invitation sent just now".into(),
            Some(sent) => format!("Waiting for client to accept (sent {})", day(sent)),
            None => "Waiting for client to accept".into(),
        },
        AccessStatus::Active => match last_sign_in_at {
            Some(t) => format!("Last sign-in {} {}", day(t), t.format("%H:%M UTC")),
            None => "Joined".into(),
        },
        AccessStatus::Expired => match expires_at {
            Some(t) => format!("Invitation expired on {}", day(t)),
            None => "Invitation expired".into(),
        },
        AccessStatus::Cancelled => "Invitation cancelled".into(),
        AccessStatus::Deactivated => "Cannot sign in".into(),
    }
}

/// `a•••@example.com`: enough to recognise one's address, not enough to harvest it.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_labels_are_the_product_words() {
        let labels: Vec<_> = [
            AccessStatus::NotInvited,
            AccessStatus::Invited,
            AccessStatus::Active,
            AccessStatus::Expired,
            AccessStatus::Cancelled,
            AccessStatus::Deactivated,
        ]
        .iter()
        .map(|s| s.label())
        .collect();
        assert_eq!(labels, ["Not invited", "Invited", "Active", "Expired", "Cancelled", "Deactivated"]);
    }

    #[test]
    fn masked_email_keeps_first_letter_and_domain() {
        assert_eq!(mask_email("ada@example.com"), "a•••@example.com");
    }
}
