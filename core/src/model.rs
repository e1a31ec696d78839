//! The wasm-safe types that the services return and the UI renders (no database, no I/O).
//!
//! Moments travel as microseconds since the epoch (`ts_microseconds`), not RFC 3339 text:
//! decoding a number needs none of chrono's date parser in the browser bundle.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

mod forms;
pub use forms::*;

/// A client's portal access status, shown as a badge with exactly these labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessStatus {
    NotInvited,
    Invited,
    Active,
    Expired,
    Cancelled,
    Deactivated,
    /// Too many wrong codes: the link stops working until staff unlock it.
    Locked,
}

impl AccessStatus {
    pub const ALL: [AccessStatus; 7] = [
        AccessStatus::NotInvited,
        AccessStatus::Invited,
        AccessStatus::Active,
        AccessStatus::Expired,
        AccessStatus::Cancelled,
        AccessStatus::Deactivated,
        AccessStatus::Locked,
    ];
    /// Its name where it is stored, counted and filtered on (`?status=invited`).
    pub fn key(self) -> &'static str {
        match self {
            AccessStatus::NotInvited => "not_invited",
            AccessStatus::Invited => "invited",
            AccessStatus::Active => "active",
            AccessStatus::Expired => "expired",
            AccessStatus::Cancelled => "cancelled",
            AccessStatus::Deactivated => "deactivated",
            AccessStatus::Locked => "locked",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
    pub fn label(self) -> &'static str {
        match self {
            AccessStatus::NotInvited => "Not invited",
            AccessStatus::Invited => "Invited",
            AccessStatus::Active => "Active",
            AccessStatus::Expired => "Expired",
            AccessStatus::Cancelled => "Cancelled",
            AccessStatus::Deactivated => "Deactivated",
            AccessStatus::Locked => "Locked",
        }
    }
    /// Whether staff may hand a client of this standing (`policy::standing`) a way to sign in:
    /// a magic link or a login email. The services refuse the rest (`policy`).
    pub fn allows_sign_in_links(self) -> bool {
        matches!(self, AccessStatus::Active | AccessStatus::Invited)
    }
    /// The CSS modifier of its badge.
    pub fn tone(self) -> &'static str {
        match self {
            AccessStatus::NotInvited => "neutral",
            AccessStatus::Invited => "info",
            AccessStatus::Active => "success",
            AccessStatus::Expired => "warning",
            AccessStatus::Cancelled | AccessStatus::Deactivated => "muted",
            AccessStatus::Locked => "danger",
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
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectDetail {
    pub id: i64,
    pub name: String,
    pub customer_name: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    pub invited: u64,
    pub active: u64,
    pub billing: Billing,
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
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_sent_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// The line under the badge: "Invitation sent just now", "Waiting for client to accept
    /// (sent 21 Nov 2026)", "Last sign-in …". Worded on the server so it matches on hydration.
    pub note: String,
    /// Set while the re-invite cooldown holds "Resend invite" back: when it becomes available.
    pub resend_available: Option<String>,
    /// The client's standing across all projects allows a magic link or login email.
    pub may_sign_in: bool,
}

/// A page of the Mailbox, newest first, and the sealed cursors of its neighbours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxPage {
    pub rows: Vec<MailboxItem>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// One page of a project's Portal access list, with what the page needs to say where it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessPage {
    pub rows: Vec<PortalAccessRow>,
    /// Sealed cursors of the next and previous pages, if there are such pages.
    pub next: Option<String>,
    pub prev: Option<String>,
    /// The project's contacts by status (maintained counts, every status with at least one).
    pub counts: Vec<(AccessStatus, u64)>,
    /// How many rows the current filter and search match, and whether that is only a lower
    /// bound ("1,000+": a search is counted up to a limit, never across the whole table).
    pub matching: u64,
    pub matching_is_bound: bool,
}

impl AccessPage {
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
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
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub sent_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub portal_url: String,
    /// Clients whose badge is Invited: waiting to accept.
    pub invited: u64,
    /// Clients whose badge is Active.
    pub joined: u64,
    /// Every other badge (Not invited, Expired, Cancelled, Locked, Deactivated).
    pub other: u64,
    pub recent: Vec<RecentInvitation>,
    /// A page of clients, and the sealed cursors of its neighbours.
    pub clients: Vec<ClientRow>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub link_requests: Vec<LinkRequestRow>,
    /// The Customer filter of the client list (shown once there are customers).
    pub has_customers: bool,
    pub customer: NamePick,
}

/// One client on the Clients page and the dashboard's list, with their standing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientRow {
    pub client_id: i64,
    pub name: String,
    pub email: String,
    /// International format (`+44 20 7946 0958`), from the stored E.164 number.
    pub phone: Option<String>,
    pub status: AccessStatus,
    pub note: String,
    pub projects: Vec<String>,
    /// When their latest invitation went out, over all their projects.
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub invited_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub assigned_staff: Option<String>,
    pub customer: Option<String>,
}

/// Which clients the Clients page lists: those who may use the portal, or the switched-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientView {
    Current,
    Deactivated,
}

/// The Clients page's orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientSort {
    Name,
    Newest,
    Oldest,
}

impl ClientSort {
    pub const ALL: [ClientSort; 3] = [ClientSort::Name, ClientSort::Newest, ClientSort::Oldest];
    /// Its name in the page's address (`?sort=newest`); the default, by name, is empty.
    pub fn key(self) -> &'static str {
        match self {
            ClientSort::Name => "",
            ClientSort::Newest => "newest",
            ClientSort::Oldest => "oldest",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
    pub fn label(self) -> &'static str {
        match self {
            ClientSort::Name => "Name A–Z",
            ClientSort::Newest => "Newest first",
            ClientSort::Oldest => "Oldest first",
        }
    }
}

/// A project to pick in a filter or a form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectOption {
    pub id: i64,
    pub name: String,
}

/// Which of the organization's lists a Project or Customer box picks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameList {
    Projects,
    Customers,
}

impl NameList {
    /// As the box asks the server for it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Projects => "projects",
            Self::Customers => "customers",
        }
    }

    /// One of the list, in a message.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Projects => "project",
            Self::Customers => "customer",
        }
    }
}

/// The words in a Project or Customer box as a form sends them: `None` when the request has
/// no such field (a link, or a caller naming only the id), `Some("")` for an emptied box.
/// Written by hand because an `Option<String>` argument of a server function reads an empty
/// field as absent, and an emptied box (a customer removed) must not keep the old id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoxWords(pub Option<String>);

impl BoxWords {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl Serialize for BoxWords {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BoxWords {
    /// Present (even empty) is words; absent is the argument's `default`.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self(Some(s)))
    }
}

/// A project or customer chosen in a filter or a form by (part of) its name
/// (`names::settle`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamePick {
    /// The one chosen, when there is one.
    pub id: Option<i64>,
    /// What its box shows: the chosen one's name, or the words typed.
    pub text: String,
    /// The words matched several: the first few to choose from (`more` when there are others).
    pub several: Vec<ProjectOption>,
    pub more: bool,
    /// The words (or the id) matched none of the organization's.
    pub unknown: bool,
}

impl NamePick {
    pub fn chosen(one: ProjectOption) -> Self {
        Self { id: Some(one.id), text: one.name, ..Self::default() }
    }
}

/// How a project is billed. A client on a project billed by staff hours has a rate per hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Billing {
    #[default]
    FixedFee,
    StaffHours,
}

impl Billing {
    pub const ALL: [Billing; 2] = [Billing::FixedFee, Billing::StaffHours];
    /// Its name where it is stored and in forms.
    pub fn key(self) -> &'static str {
        match self {
            Billing::FixedFee => "fixed_fee",
            Billing::StaffHours => "staff_hours",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == key)
    }
    pub fn label(self) -> &'static str {
        match self {
            Billing::FixedFee => "Fixed fee",
            Billing::StaffHours => "Staff hours",
        }
    }
}

/// A project in the Projects part of a client form: ticked when the client is on it, with the
/// client's rate per hour (as typed, empty when none) where the project is billed by the hour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectPick {
    pub id: i64,
    pub name: String,
    pub billing: Billing,
    pub on: bool,
    pub rate: String,
}

/// An amount kept in cents as people read it: `1,250.50`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", thousands(cents / 100), cents % 100)
}

/// A staff member to pick as a client's assigned staff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffOption {
    pub id: i64,
    pub name: String,
}

/// One page of the Clients page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientsPage {
    pub view: ClientView,
    pub rows: Vec<ClientRow>,
    pub next: Option<String>,
    pub prev: Option<String>,
    /// How many clients the filter matches; searches count up to a bound (`matching_is_bound`).
    pub matching: u64,
    pub matching_is_bound: bool,
    /// Clients by standing in the current view (maintained counts), for the status menu.
    pub counts: Vec<(AccessStatus, u64)>,
    /// How many clients are deactivated (the "Deactivated users" tab).
    pub deactivated: u64,
    /// The Project and Customer filters as settled (`names::settle`).
    pub project: NamePick,
    pub customer: NamePick,
}

/// The Edit form of the client page: the client's details as they are, and what to pick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientEditForm {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// As people write it (`+44 20 7946 0958`), empty when none.
    pub phone: String,
    pub assigned_staff: Option<i64>,
    pub customer: NamePick,
    /// The client's version: a save made from an older one is refused.
    pub version: i64,
    /// Every project, ticked where the client is on it already.
    pub projects: Vec<ProjectPick>,
    pub staff: Vec<StaffOption>,
}

/// A customer on the Customers page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    /// "Business" or "Individual".
    pub kind: String,
    pub contact_email: Option<String>,
    pub owners: u64,
    pub projects: u64,
}

/// One page of the Customers page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomersPage {
    pub rows: Vec<CustomerRow>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub matching: u64,
    pub matching_is_bound: bool,
}

/// The customer page: details, projects, and its client users (co-owners).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    /// The postal address, a line per part that is set.
    pub address: Vec<String>,
    pub projects: Vec<ProjectOption>,
    pub owners: Vec<ClientRow>,
}

/// The Add / Edit customer form: the customer as they are (empty for a new one) and the
/// projects to pick.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerForm {
    pub id: Option<i64>,
    pub name: String,
    /// "business" or "individual".
    pub kind: String,
    pub contact_email: String,
    pub website: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub version: i64,
    pub projects: Vec<(ProjectOption, bool)>,
}

/// What "Send invite" / "Invite all owners" did: who was invited, who was skipped and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnersInvited {
    pub invited: Vec<String>,
    pub skipped: Vec<(String, String)>,
}

impl OwnersInvited {
    /// The toast: "Invited 2 owners. Skipped Ada Quinn (already active)."
    pub fn summary(&self) -> String {
        let invited = match self.invited.len() {
            0 => "No one was invited.".to_string(),
            1 => format!("Invited {}.", self.invited[0]),
            n => format!("Invited {n} owners."),
        };
        if self.skipped.is_empty() {
            return invited;
        }
        let skipped: Vec<String> = self.skipped.iter().map(|(who, why)| format!("{who} ({why})")).collect();
        format!("{invited} Skipped {}.", skipped.join(", "))
    }
}

/// What the Add client form offers to pick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewClientChoices {
    pub projects: Vec<ProjectPick>,
    pub staff: Vec<StaffOption>,
}

/// "Request a new link" from an expired invitation, waiting for staff to approve it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkRequestRow {
    pub id: i64,
    pub client_name: String,
    pub client_email: String,
    pub project_name: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub requested_at: DateTime<Utc>,
}

/// A freshly generated magic link, shown once to the staff user who asked for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MagicLink {
    pub client_name: String,
    pub url: String,
    pub minutes: i32,
}

/// What "Send login email" did for a selection of clients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginEmailReport {
    pub sent: u32,
    /// "Ada Lovelace: deactivated", one line per client that was skipped.
    pub skipped: Vec<String>,
}

impl LoginEmailReport {
    pub fn summary(&self) -> String {
        let sent = match self.sent {
            1 => "Login email sent".to_string(),
            n => format!("Login emails sent to {n} clients"),
        };
        if self.skipped.is_empty() { sent } else { format!("{sent}; skipped {}", self.skipped.join(", ")) }
    }
}

/// One line of a timeline: what happened, when, by whom, from where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub at: DateTime<Utc>,
    pub what: String,
    pub detail: String,
    pub actor: String,
    pub ip: Option<String>,
}

/// One invitation of a client, with everything that happened to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationHistory {
    pub id: i64,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub status: AccessStatus,
    pub note: String,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientProject {
    pub id: i64,
    pub name: String,
    /// The client's status on this project (their latest invitation to it).
    pub status: AccessStatus,
    pub billing: Billing,
    /// Their rate per hour in cents, on a project billed by staff hours.
    pub rate_cents: Option<i64>,
}

/// The client page: details, projects, invitations with their timelines, sign-in events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientPage {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub status: AccessStatus,
    pub deactivated: bool,
    pub assigned_staff: Option<String>,
    /// The customer whose client user they are.
    pub customer: Option<ProjectOption>,
    pub projects: Vec<ClientProject>,
    pub invitations: Vec<InvitationHistory>,
    /// Magic links, login emails and sign-ins: what is about the client, not one invitation.
    pub events: Vec<TimelineEntry>,
}

/// A member of the staff team, for the Team page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// "owner", "admin" or "member".
    pub role: String,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub is_you: bool,
}

/// A staff invitation not accepted yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingStaffInvitation {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub members: Vec<TeamMember>,
    pub pending: Vec<PendingStaffInvitation>,
    /// The viewer may invite staff (owners and admins).
    pub can_invite: bool,
    /// The viewer may change roles and remove staff (owners).
    pub can_manage: bool,
}

/// What a staff invitation link's page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffInvitationLanding {
    pub org_name: String,
    pub inviter_name: String,
    pub name: String,
    pub email: String,
    pub role: String,
}

/// "Owner" for "owner": role names as the UI shows them.
pub fn role_label(role: &str) -> &'static str {
    match role {
        "owner" => "Owner",
        "admin" => "Admin",
        _ => "Member",
    }
}

/// One entry under the bell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notifications {
    pub unread: u64,
    /// A page, newest first, and the sealed cursors of its neighbours.
    pub items: Vec<NotificationItem>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// One switch on the Notifications page: email for this kind on or off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationPreference {
    pub kind: String,
    pub label: String,
    pub email: bool,
}

/// How long after sending an invitation may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReinviteCooldown {
    None,
    OneHour,
    OneDay,
}

impl ReinviteCooldown {
    pub const ALL: [ReinviteCooldown; 3] =
        [ReinviteCooldown::None, ReinviteCooldown::OneHour, ReinviteCooldown::OneDay];
    pub fn hours(self) -> Option<i32> {
        match self {
            ReinviteCooldown::None => None,
            ReinviteCooldown::OneHour => Some(1),
            ReinviteCooldown::OneDay => Some(24),
        }
    }
    pub fn from_hours(hours: Option<i32>) -> Self {
        match hours {
            Some(h) if h >= 24 => ReinviteCooldown::OneDay,
            Some(h) if h >= 1 => ReinviteCooldown::OneHour,
            _ => ReinviteCooldown::None,
        }
    }
    /// The form value and its label.
    pub fn key(self) -> &'static str {
        match self {
            ReinviteCooldown::None => "none",
            ReinviteCooldown::OneHour => "1h",
            ReinviteCooldown::OneDay => "24h",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ReinviteCooldown::None => "None",
            ReinviteCooldown::OneHour => "1 hour",
            ReinviteCooldown::OneDay => "24 hours",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// How clients sign in to the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientSignIn {
    /// A one-time code by email on every sign-in (the default).
    Code,
    /// The invitation leads to a set-password step; later sign-ins use the password.
    Password,
}

impl ClientSignIn {
    pub fn key(self) -> &'static str {
        match self {
            ClientSignIn::Code => "code",
            ClientSignIn::Password => "password",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ClientSignIn::Code => "One-time code every time",
            ClientSignIn::Password => "Set a password on activation",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        [ClientSignIn::Code, ClientSignIn::Password].into_iter().find(|m| m.key() == key)
    }
}

/// The organization settings page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganizationSettings {
    pub invitation_expiry_days: i32,
    pub magic_link_minutes: i32,
    pub reinvite_cooldown: ReinviteCooldown,
    pub client_sign_in: ClientSignIn,
}

/// Where a message is in its delivery, as the Mailbox shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Delivery {
    Queued,
    /// The SMTP server refused it for now, or the connection dropped: tried `attempts` times of
    /// at most `of`; the next try is at `next_at`.
    Retrying {
        attempts: i32,
        of: i32,
        #[serde(with = "chrono::serde::ts_microseconds")]
        next_at: DateTime<Utc>,
    },
    Sent,
    /// No SMTP server is configured: readable in the Mailbox only.
    Captured,
    /// Given up: the server refused it for good, or every retry failed.
    Failed,
}

impl Delivery {
    pub fn label(&self) -> &'static str {
        match self {
            Delivery::Queued => "Queued",
            Delivery::Retrying { .. } => "Retrying",
            Delivery::Sent => "Sent",
            Delivery::Captured => "Captured",
            Delivery::Failed => "Failed",
        }
    }
    pub fn tone(&self) -> &'static str {
        match self {
            Delivery::Queued => "neutral",
            Delivery::Retrying { .. } => "warning",
            Delivery::Sent => "success",
            Delivery::Captured => "info",
            Delivery::Failed => "danger",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxItem {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub topic: String,
    pub delivery: Delivery,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
}

/// Whether a message can be sent again from the Mailbox ("Retry").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Retry {
    /// It has not failed.
    NotNeeded,
    Allowed,
    /// It failed, but sending it again would not help; why, in the user's words.
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub from_name: String,
    pub subject: String,
    pub topic: String,
    pub delivery: Delivery,
    pub retry: Retry,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub message_id: String,
    pub body_text: String,
    pub body_html: String,
    /// The body carried a link or code and was blanked after its retention period.
    pub content_removed: bool,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
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
    /// Why this link cannot go on — the invitation was locked after too many wrong codes, or
    /// the client's access is switched off: what to tell them (whom to contact) instead of
    /// offering "Continue".
    pub stopped: Option<String>,
}

/// The staff password reset link's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffReset {
    pub org_name: String,
    pub masked_email: String,
}

/// The code step: where the code went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeStep {
    pub org_name: String,
    pub masked_email: String,
    /// Set once the invitation behind this code is locked, or the client's access switched
    /// off: whom to contact. Nothing on the page can work then, so it shows this instead of
    /// the code form.
    pub stopped: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalProject {
    pub id: i64,
    pub name: String,
    pub customer_name: Option<String>,
    /// Tasks for this client still to do (0 when they may not view tasks).
    pub open_tasks: u64,
    /// Updates, documents and invoices others posted or sent since the client last opened the project.
    pub new_items: u64,
    /// Forms sent to this client here and not answered yet (0 without Submit forms).
    pub forms_to_fill: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalHome {
    pub org_name: String,
    pub client_name: String,
    pub projects: Vec<PortalProject>,
    /// The organization uses passwords and this client has not chosen one yet.
    pub needs_password: bool,
    /// The latest updates of all their projects, newest first (none without View updates).
    pub latest_updates: Vec<UpdateRow>,
    /// A form sent with an invitation and not answered or skipped yet: the client goes there
    /// first.
    pub form_first: Option<i64>,
}

/// The portal's sign-in page: whose portal, and how its clients sign in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalSignIn {
    pub org_name: String,
    pub uses_password: bool,
    /// The caller is a client of this portal signed in already: they go on to it.
    pub signed_in: bool,
}

/// "21 Nov 2026": how a day is shown everywhere.
///
/// Built from the date's fields: chrono's strftime is a general format interpreter that
/// added about 20 KB to the browser bundle for two fixed formats.
pub fn short_date(t: DateTime<Utc>) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {} {}", t.day(), MONTHS[t.month0() as usize], t.year())
}

/// "21 Nov 2026 14:05:09 UTC": a moment in a log or a timeline.
pub fn date_time(t: DateTime<Utc>) -> String {
    clock(t, true)
}

/// "21 Nov 2026 14:05 UTC", with the seconds when asked: built from the fields, like
/// `short_date` (`format("%H:%M")` would bring strftime to the bundle).
fn clock(t: DateTime<Utc>, seconds: bool) -> String {
    let day = short_date(t);
    let (hour, minute) = (t.hour(), t.minute());
    if seconds {
        format!("{day} {hour:02}:{minute:02}:{:02} UTC", t.second())
    } else {
        format!("{day} {hour:02}:{minute:02} UTC")
    }
}

/// The line under a status badge, at time `at`.
pub fn status_note(
    status: AccessStatus,
    last_sent_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    last_sign_in_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> String {
    let day = short_date;
    match status {
        AccessStatus::NotInvited => "Not invited to the portal yet".into(),
        AccessStatus::Invited => match last_sent_at {
            Some(sent) if at - sent < chrono::Duration::minutes(1) => "Invitation sent just now".into(),
            Some(sent) => format!("Waiting for client to accept (sent {})", day(sent)),
            None => "Waiting for client to accept".into(),
        },
        AccessStatus::Active => match last_sign_in_at {
            Some(t) => format!("Last sign-in {}", clock(t, false)),
            None => "Joined".into(),
        },
        AccessStatus::Expired => match expires_at {
            Some(t) => format!("Invitation expired on {}", day(t)),
            None => "Invitation expired".into(),
        },
        AccessStatus::Cancelled => "Invitation cancelled".into(),
        AccessStatus::Deactivated => "Cannot sign in".into(),
        AccessStatus::Locked => "Locked after too many wrong codes".into(),
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
    fn money_reads_with_separators_and_two_decimals() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(9_505), "95.05");
        assert_eq!(money(120_000), "1,200.00");
        assert_eq!(money(-150), "-1.50");
    }

    #[test]
    fn masked_email_keeps_first_letter_and_domain() {
        assert_eq!(mask_email("ada@example.com"), "a•••@example.com");
    }

    #[test]
    fn dates_read_the_way_people_write_them() {
        use chrono::TimeZone;
        let t = Utc.with_ymd_and_hms(2026, 11, 5, 9, 3, 7).unwrap();
        assert_eq!(short_date(t), "5 Nov 2026");
        assert_eq!(date_time(t), "5 Nov 2026 09:03:07 UTC");
        let t = Utc.with_ymd_and_hms(2027, 1, 31, 23, 59, 59).unwrap();
        assert_eq!(short_date(t), "31 Jan 2027");
        let later = t + chrono::Duration::days(1);
        assert_eq!(status_note(AccessStatus::Active, None, None, Some(t), later), "Last sign-in 31 Jan 2027 23:59 UTC");
        let t = Utc.with_ymd_and_hms(2026, 11, 5, 9, 3, 7).unwrap();
        assert_eq!(status_note(AccessStatus::Active, None, None, Some(t), later), "Last sign-in 5 Nov 2026 09:03 UTC");
    }

    #[test]
    fn moments_travel_as_microseconds_and_come_back_unchanged() {
        let at = DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap();
        let row = PortalAccessRow {
            client_id: 1,
            name: "Ada".into(),
            email: "ada@example.com".into(),
            phone: None,
            status: AccessStatus::Invited,
            invitation_id: Some(2),
            last_sent_at: Some(at),
            expires_at: None,
            last_sign_in_at: None,
            note: String::new(),
            resend_available: None,
            may_sign_in: true,
        };
        let json = serde_json::to_string(&row).unwrap();
        assert!(json.contains(r#""last_sent_at":1795000000123456"#), "{json}");
        assert!(json.contains(r#""expires_at":null"#), "{json}");
        assert_eq!(serde_json::from_str::<PortalAccessRow>(&json).unwrap(), row);
    }
}

/// The hidden field a form on a link page names its page with. Link pages send no Referer, so a
/// form posted without JavaScript could not be sent back to its page with its error; the server
/// takes the page from this field instead (only a link page's path).
pub const FORM_PAGE_FIELD: &str = "__page";

/// 10000 → "10,000": counts as people read them.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A job as the Jobs page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: i64,
    /// "Send login email to 243 clients".
    pub title: String,
    pub status: JobStatus,
    pub total: i64,
    pub done: i64,
    pub skipped: i64,
    pub failed: i64,
    pub started_by: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub finished_at: Option<DateTime<Utc>>,
    /// What its items are: "clients", or "rows" of an import.
    pub unit: String,
}

impl JobSummary {
    /// Clients handled so far, whatever their outcome.
    pub fn processed(&self) -> i64 {
        self.done + self.skipped + self.failed
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Cancelled,
    Failed,
}

impl JobStatus {
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Queued => "Waiting",
            JobStatus::Running => "Running",
            JobStatus::Done => "Done",
            JobStatus::Cancelled => "Cancelled",
            JobStatus::Failed => "Failed",
        }
    }
    pub fn tone(self) -> &'static str {
        match self {
            JobStatus::Queued => "neutral",
            JobStatus::Running => "info",
            JobStatus::Done => "success",
            JobStatus::Cancelled => "warning",
            JobStatus::Failed => "danger",
        }
    }
    pub fn is_finished(self) -> bool {
        !matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

/// A client a job skipped or could not act on, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobProblem {
    /// The client's name, or "Line 12" of an import.
    pub subject: String,
    /// The client's page.
    pub href: Option<String>,
    pub skipped: bool,
    pub reason: String,
}

/// A job's page: its progress, and the clients it skipped or failed on (the first
/// `JobPage::PROBLEMS_SHOWN`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobPage {
    pub job: JobSummary,
    pub error: Option<String>,
    pub problems: Vec<JobProblem>,
    pub can_cancel: bool,
    /// An export's file, once it is ready.
    pub download: Option<JobDownload>,
}

/// The file an export prepared: where to download it, and until when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobDownload {
    pub href: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub until: DateTime<Utc>,
    pub expired: bool,
}

impl JobPage {
    pub const PROBLEMS_SHOWN: u64 = 100;
}

/// What a bulk action does to each selected client (the buttons of the lists' bulk bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BulkAction {
    SendInvite,
    ResendInvite,
    CancelInvite,
    SendLoginEmail,
    Deactivate,
    Activate,
}

impl BulkAction {
    /// In the order the bulk bar offers them.
    pub const ALL: [BulkAction; 6] = [
        BulkAction::SendInvite,
        BulkAction::ResendInvite,
        BulkAction::CancelInvite,
        BulkAction::SendLoginEmail,
        BulkAction::Deactivate,
        BulkAction::Activate,
    ];

    /// Its name in requests and in a job's stored parameters.
    pub fn key(self) -> &'static str {
        match self {
            BulkAction::SendInvite => "send_invite",
            BulkAction::ResendInvite => "resend_invite",
            BulkAction::CancelInvite => "cancel_invite",
            BulkAction::SendLoginEmail => "login_email",
            BulkAction::Deactivate => "deactivate",
            BulkAction::Activate => "activate",
        }
    }

    pub fn from_key(key: &str) -> Option<BulkAction> {
        BulkAction::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The button's words, which the confirmation and the job's title repeat.
    pub fn label(self) -> &'static str {
        match self {
            BulkAction::SendInvite => "Send invite",
            BulkAction::ResendInvite => "Resend invite",
            BulkAction::CancelInvite => "Cancel invite",
            BulkAction::SendLoginEmail => "Send login email",
            BulkAction::Deactivate => "Deactivate",
            BulkAction::Activate => "Activate",
        }
    }

    /// Whether it sends mail (and so counts against the staff mail rate limit).
    pub fn sends_mail(self) -> bool {
        matches!(self, BulkAction::SendInvite | BulkAction::ResendInvite | BulkAction::SendLoginEmail)
    }

    /// Whether it acts on invitations (one per project of the client, or of the project the
    /// list is about) rather than on the client.
    pub fn on_invitations(self) -> bool {
        matches!(self, BulkAction::SendInvite | BulkAction::ResendInvite | BulkAction::CancelInvite)
    }
}

/// What a bulk action would do to a selection, for its confirmation: exactly what will happen
/// ("Send 243 invitations. 12 already active will be skipped.").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub action: BulkAction,
    /// Clients it acts on.
    pub acting: u64,
    /// Things it does to them: invitations for the invitation actions, else one per client.
    pub items: u64,
    /// Clients left out, by reason ("already active"), most first.
    pub skipped: Vec<(u64, String)>,
    /// The sentence the confirmation shows.
    pub sentence: String,
}

/// "Export CSV" on the Clients page: every client in one CSV, or a ZIP of one CSV per project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportKind {
    Portal,
    ByProject,
}

impl ExportKind {
    pub const ALL: [ExportKind; 2] = [ExportKind::Portal, ExportKind::ByProject];

    pub fn key(self) -> &'static str {
        match self {
            ExportKind::Portal => "portal",
            ExportKind::ByProject => "projects",
        }
    }

    pub fn from_key(key: &str) -> Option<ExportKind> {
        ExportKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The choice in the export dialog, which the job's title repeats.
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::Portal => "All clients (one CSV)",
            ExportKind::ByProject => "By project (a ZIP of one CSV per project)",
        }
    }
}

/// A column of the CSV import, in the template's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImportField {
    Project,
    Name,
    Email,
    Phone,
    Customer,
}

impl ImportField {
    pub const ALL: [ImportField; 5] =
        [ImportField::Project, ImportField::Name, ImportField::Email, ImportField::Phone, ImportField::Customer];

    /// The template's header, and the label of its mapping menu.
    pub fn label(self) -> &'static str {
        match self {
            ImportField::Project => "Project",
            ImportField::Name => "Name",
            ImportField::Email => "Email",
            ImportField::Phone => "Phone",
            ImportField::Customer => "Customer",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ImportField::Project => "project",
            ImportField::Name => "name",
            ImportField::Email => "email",
            ImportField::Phone => "phone",
            ImportField::Customer => "customer",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, ImportField::Project | ImportField::Name | ImportField::Email)
    }
}

/// What the import will do with one row of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowVerdict {
    /// A new client.
    Create,
    /// A client who exists (or an earlier row creates) and gets a project or new details.
    Update,
    /// Nothing to change: already a client of the project with these details.
    Skip,
    /// The same email and project as an earlier row.
    Duplicate,
    Invalid,
}

impl RowVerdict {
    pub fn label(self) -> &'static str {
        match self {
            RowVerdict::Create => "New",
            RowVerdict::Update => "Update",
            RowVerdict::Skip => "Skip",
            RowVerdict::Duplicate => "Duplicate",
            RowVerdict::Invalid => "Invalid",
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            RowVerdict::Create => "success",
            RowVerdict::Update => "info",
            RowVerdict::Skip | RowVerdict::Duplicate => "neutral",
            RowVerdict::Invalid => "danger",
        }
    }
}

/// A row of the dry run that will not be imported as it is, and why (per column when a cell is
/// the reason).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub line: u64,
    pub verdict: RowVerdict,
    /// The file's header of the cell at fault, if one is.
    pub column: Option<String>,
    pub reason: String,
}

/// One project of the dry run: whether it is new, what happens to its clients, and how many of
/// them an invitation would go to if "Send invitations now" stays ticked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportProject {
    pub name: String,
    pub new: bool,
    pub create: u64,
    pub update: u64,
    pub skip: u64,
    pub to_invite: u64,
}

/// An uploaded CSV and its dry run: nothing has been written or sent yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub id: i64,
    /// The name of the uploaded file.
    pub file_name: String,
    /// The file's headers, for the column mapping.
    pub columns: Vec<String>,
    /// The column (an index into `columns`) each field is read from.
    pub mapping: Vec<(ImportField, Option<usize>)>,
    /// Columns the import does not read.
    pub ignored: Vec<String>,
    /// Data rows in the file (blank lines not counted).
    pub rows: u64,
    pub create: u64,
    pub update: u64,
    pub skip: u64,
    pub duplicates: u64,
    pub invalid: u64,
    pub projects: Vec<ImportProject>,
    /// The first `ImportPreview::PROBLEMS_SHOWN` rows that will not be imported as they are.
    pub problems: Vec<ImportProblem>,
    pub problems_total: u64,
    /// The import has been started: its job's page shows it.
    pub started: bool,
}

impl ImportPreview {
    pub const PROBLEMS_SHOWN: usize = 200;

    /// Required fields no column is mapped to: the dry run needs them first.
    pub fn missing(&self) -> Vec<ImportField> {
        self.mapping.iter().filter(|(f, c)| f.required() && c.is_none()).map(|(f, _)| *f).collect()
    }
}

/// Why an uploaded file was refused before its dry run. The upload form is a plain form post,
/// so the refusal travels in the address (`?problem=<key>&line=<n>`) as a key, never as text
/// a link could make the page say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadProblem {
    NoFile,
    Empty,
    TooLarge,
    NotUtf8 { line: u64 },
    NoHeader,
    NotCsv { line: u64 },
}

impl UploadProblem {
    pub fn message(self, max_bytes: u64) -> String {
        match self {
            UploadProblem::NoFile => "Choose a CSV file to upload.".into(),
            UploadProblem::Empty => "This file is empty. Download the template to see what goes in it.".into(),
            UploadProblem::TooLarge => format!(
                "This file is larger than {} MB. Split it into smaller files and import each.",
                max_bytes / (1024 * 1024)
            ),
            UploadProblem::NotUtf8 { line } => format!(
                "This file is not UTF-8 text (line {line} of the file). In your spreadsheet, save it as \u{201c}CSV UTF-8\u{201d} and upload it again."
            ),
            UploadProblem::NoHeader => "The first line must name the columns, as in the template.".into(),
            UploadProblem::NotCsv { line } => format!("This file could not be read as CSV (row {line})."),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            UploadProblem::NoFile => "no_file",
            UploadProblem::Empty => "empty",
            UploadProblem::TooLarge => "too_large",
            UploadProblem::NotUtf8 { .. } => "not_utf8",
            UploadProblem::NoHeader => "no_header",
            UploadProblem::NotCsv { .. } => "not_csv",
        }
    }

    pub fn line(self) -> Option<u64> {
        match self {
            UploadProblem::NotUtf8 { line } | UploadProblem::NotCsv { line } => Some(line),
            _ => None,
        }
    }

    pub fn from_key(key: &str, line: u64) -> Option<UploadProblem> {
        Some(match key {
            "no_file" => UploadProblem::NoFile,
            "empty" => UploadProblem::Empty,
            "too_large" => UploadProblem::TooLarge,
            "not_utf8" => UploadProblem::NotUtf8 { line },
            "no_header" => UploadProblem::NoHeader,
            "not_csv" => UploadProblem::NotCsv { line },
            _ => return None,
        })
    }
}

/// The largest CSV an import accepts unless the server is configured otherwise.
pub const IMPORT_MAX_BYTES_DEFAULT: u64 = 10 * 1024 * 1024;

/// What a client may see and do in the portal: one per item of a client profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewTasks,
    CompleteTasks,
    ViewDocuments,
    UploadDocuments,
    ViewUpdates,
    ViewInvoices,
    SubmitForms,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::ViewTasks,
        Permission::CompleteTasks,
        Permission::ViewDocuments,
        Permission::UploadDocuments,
        Permission::ViewUpdates,
        Permission::ViewInvoices,
        Permission::SubmitForms,
    ];
    /// Its name where a profile stores it.
    pub fn key(self) -> &'static str {
        match self {
            Permission::ViewTasks => "view_tasks",
            Permission::CompleteTasks => "complete_tasks",
            Permission::ViewDocuments => "view_documents",
            Permission::UploadDocuments => "upload_documents",
            Permission::ViewUpdates => "view_updates",
            Permission::ViewInvoices => "view_invoices",
            Permission::SubmitForms => "submit_forms",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Permission::ViewTasks => "View tasks",
            Permission::CompleteTasks => "Complete tasks",
            Permission::ViewDocuments => "View documents",
            Permission::UploadDocuments => "Upload documents",
            Permission::ViewUpdates => "View updates",
            Permission::ViewInvoices => "View invoices",
            Permission::SubmitForms => "Submit forms",
        }
    }
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of permissions; stored as their keys, comma-separated (readable in the database,
/// and a permission added later is simply absent from older rows).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions(u8);

impl Permissions {
    /// What the default profile of a new organization allows: everything.
    pub const DEFAULT_PROFILE: Permissions = Permissions(0b111_1111);

    pub fn allows(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }
    pub fn with(self, p: Permission) -> Self {
        Self(self.0 | p.bit())
    }
    /// Unknown keys are ignored (a permission removed from the product).
    pub fn parse(keys: &str) -> Self {
        keys.split(',')
            .filter_map(|k| Permission::ALL.into_iter().find(|p| p.key() == k.trim()))
            .fold(Self::default(), Self::with)
    }
    /// The labels of what it allows, in the order of `Permission::ALL`.
    pub fn labels(self) -> Vec<&'static str> {
        Permission::ALL.into_iter().filter(|p| self.allows(*p)).map(Permission::label).collect()
    }
    pub fn keys(self) -> String {
        Permission::ALL.into_iter().filter(|p| self.allows(*p)).map(Permission::key).collect::<Vec<_>>().join(",")
    }
}

/// One task in a list (staff's or a client's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// `YYYY-MM-DD`, for a date field.
    pub due_on: Option<String>,
    /// "31 Jan 2027", to read.
    pub due_label: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
    /// Whom it is for; none: every client of the project.
    pub assignee_name: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by_name: Option<String>,
    pub completion_comment: Option<String>,
    /// The file it was completed with, and its size: staff see every one; a client only the
    /// file they completed it with.
    pub completion_file: Option<(String, u64)>,
}

/// What "Assign and send" did: how many tasks went to how many clients (invited or emailed), and
/// the tasks it left, each with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TasksSent {
    pub tasks: u64,
    pub clients: u64,
    /// Of `clients`, those invited by it (they could not get in yet): their invitation names
    /// the tasks.
    pub invited: u64,
    /// A task's title and why it was not sent.
    pub skipped: Vec<(String, String)>,
}

impl TasksSent {
    /// The toast: "Sent 3 tasks to 2 clients (1 invited). 1 skipped: …"
    pub fn summary(&self) -> String {
        let tasks = if self.tasks == 1 { "1 task".to_string() } else { format!("{} tasks", self.tasks) };
        let clients = if self.clients == 1 { "1 client".to_string() } else { format!("{} clients", self.clients) };
        let mut said = match (self.tasks, self.invited) {
            (0, _) => "Nothing was sent.".to_string(),
            (_, 0) => format!("Sent {tasks} to {clients}."),
            (_, n) => format!("Sent {tasks} to {clients} ({n} invited)."),
        };
        for (title, why) in &self.skipped {
            said.push_str(&format!(" Not sent: “{title}”: {why}"));
        }
        said
    }
}

/// The longest comment a task is completed with (characters).
pub const TASK_COMMENT_MAX: usize = 2000;

/// Why "Complete" did not complete a task, carried back to the project's page as a key in the
/// address (the form is a plain post: it may carry a file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionProblem {
    /// Longer than 2,000 characters, or with control characters.
    Comment,
    AlreadyComplete,
    File(DocumentProblem),
}

impl CompletionProblem {
    pub fn key(self) -> String {
        match self {
            CompletionProblem::Comment => "comment".into(),
            CompletionProblem::AlreadyComplete => "already_complete".into(),
            CompletionProblem::File(p) => format!("file_{}", p.key()),
        }
    }

    pub fn from_key(key: &str) -> Option<CompletionProblem> {
        match key {
            "comment" => Some(CompletionProblem::Comment),
            "already_complete" => Some(CompletionProblem::AlreadyComplete),
            other => DocumentProblem::from_key(other.strip_prefix("file_")?).map(CompletionProblem::File),
        }
    }

    pub fn message(self, max_bytes: u64) -> String {
        match self {
            CompletionProblem::Comment => "Keep the comment under 2,000 characters, without control characters.".into(),
            CompletionProblem::AlreadyComplete => "This task is already complete.".into(),
            // No file chosen is fine: the file is optional.
            CompletionProblem::File(p) => p.message(max_bytes),
        }
    }
}

/// A project's Tasks, as staff see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectTasks {
    pub project_id: i64,
    pub project_name: String,
    /// At most `tasks::SHOWN`: open first, then the latest completed.
    pub tasks: Vec<TaskRow>,
    pub total: u64,
    pub open: u64,
}

/// A project in the client portal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalProjectPage {
    pub org_name: String,
    pub client_name: String,
    pub project_id: i64,
    pub project_name: String,
    /// Every project the client is in, by name (this one included): the project switcher.
    pub projects: Vec<ProjectOption>,
    pub permissions: Permissions,
    /// The client's tasks (theirs and the project's unassigned ones); empty without View tasks.
    pub tasks: Vec<TaskRow>,
    pub open: u64,
    /// The project's updates, newest first; empty without View updates.
    pub updates: Vec<UpdateRow>,
    /// The project's documents, newest first: all of them with View documents, only their own
    /// uploads with Upload documents alone, none without either.
    pub documents: Vec<DocumentRow>,
    /// The largest file the Upload form takes.
    pub max_upload_bytes: u64,
    /// The project's sent and paid invoices, newest first; empty without View invoices.
    pub invoices: Vec<InvoiceRow>,
    /// The forms sent to this client in the project, newest first; empty without Submit forms.
    pub forms: Vec<PortalFormRow>,
    /// When the client opened the project before this visit (None: this is the first), and
    /// what others posted since: updates, documents, invoices (as far as they may see them).
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub seen_at: Option<DateTime<Utc>>,
    pub new_updates: u64,
    pub new_documents: u64,
    pub new_invoices: u64,
    /// How many there are of each (the lists hold the latest `SHOWN` of each).
    pub updates_total: u64,
    pub documents_total: u64,
    pub invoices_total: u64,
    /// The organization uses passwords and this client has not chosen one yet: nothing else
    /// is filled in.
    pub needs_password: bool,
}

/// A client profile on the Client profiles page and in a client's Client profile choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientProfileRow {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub permissions: Permissions,
}

/// A client's portal permissions on their page: their profile and what it allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientPermissions {
    pub client_id: i64,
    /// The profile chosen for them; none: the default profile.
    pub profile_id: Option<i64>,
    /// The profile that applies (the default one when none was chosen).
    pub profile_name: String,
    pub effective: Permissions,
    /// The organization's profiles, default first, to choose from (owners and admins only).
    pub profiles: Vec<ClientProfileRow>,
}

/// "Customize permissions for this user": a client's permissions in one project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientCustomization {
    pub project_id: i64,
    pub project_name: String,
    pub client_id: i64,
    pub client_name: String,
    /// The client profile that applies where nothing is customised, and what it allows.
    pub profile_name: String,
    pub profile: Permissions,
    /// Staff's customisation for this project, if there is one: it applies instead.
    pub customized: Option<Permissions>,
    /// The project's other clients (by name, the first `permissions::PEERS_SHOWN`), to copy a
    /// customisation to.
    pub peers: Vec<CustomizationPeer>,
    /// How many other clients the project has.
    pub other_clients: u64,
    /// Owners and admins may change it; members see it.
    pub may_change: bool,
}

impl ClientCustomization {
    /// What applies in the project.
    pub fn effective(&self) -> Permissions {
        self.customized.unwrap_or(self.profile)
    }
}

/// Another client of the project, on a customisation's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomizationPeer {
    pub client_id: i64,
    pub name: String,
    pub email: String,
    pub customized: bool,
}

/// One project update in a feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateRow {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    /// The Markdown rendered to HTML on the server, raw HTML in it shown as text and links
    /// with unsafe protocols removed (`updates::render`): safe to insert as it is.
    pub html: String,
    pub author_name: Option<String>,
    /// The staff member who posted it (staff's lists only).
    pub posted_by: Option<i64>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub posted_at: DateTime<Utc>,
    /// It was emailed to the project's clients.
    pub emailed: bool,
    /// The job emailing it, for staff who may open that job's page.
    pub email_job_id: Option<i64>,
}

/// A project's Updates, as staff see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectUpdates {
    pub project_id: i64,
    /// The latest `updates::SHOWN`, newest first.
    pub updates: Vec<UpdateRow>,
    pub total: u64,
}

/// "Post update": the update made, and the job emailing it when that was asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Posted {
    pub id: i64,
    /// "Email the project's clients" was ticked.
    pub email_requested: bool,
    pub email_job_id: Option<i64>,
    /// The clients the job emails it to.
    pub recipients: u64,
}

/// A kind of file Portico keeps as a document: by the name's extension, and what its content
/// must be (`documents::sniff` checks the content; this is the part pages need too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentKind {
    pub extensions: &'static [&'static str],
    /// The type it is served as, whatever the uploading browser claimed.
    pub content_type: &'static str,
    /// What a list calls it.
    pub label: &'static str,
}

impl DocumentKind {
    /// A file box's `accept`: every extension Portico keeps (".pdf,.png,…").
    pub fn accept() -> String {
        DocumentKind::ALL.iter().flat_map(|k| k.extensions).map(|e| format!(".{e}")).collect::<Vec<_>>().join(",")
    }

    pub const ALL: [DocumentKind; 18] = [
        DocumentKind { extensions: &["pdf"], content_type: "application/pdf", label: "PDF" },
        DocumentKind { extensions: &["png"], content_type: "image/png", label: "PNG image" },
        DocumentKind { extensions: &["jpg", "jpeg"], content_type: "image/jpeg", label: "JPEG image" },
        DocumentKind { extensions: &["gif"], content_type: "image/gif", label: "GIF image" },
        DocumentKind { extensions: &["webp"], content_type: "image/webp", label: "WebP image" },
        DocumentKind {
            extensions: &["docx"],
            content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            label: "Word document",
        },
        DocumentKind {
            extensions: &["xlsx"],
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            label: "Excel spreadsheet",
        },
        DocumentKind {
            extensions: &["pptx"],
            content_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            label: "PowerPoint presentation",
        },
        DocumentKind { extensions: &["doc"], content_type: "application/msword", label: "Word document" },
        DocumentKind { extensions: &["xls"], content_type: "application/vnd.ms-excel", label: "Excel spreadsheet" },
        DocumentKind {
            extensions: &["ppt"],
            content_type: "application/vnd.ms-powerpoint",
            label: "PowerPoint presentation",
        },
        DocumentKind {
            extensions: &["odt"],
            content_type: "application/vnd.oasis.opendocument.text",
            label: "OpenDocument text",
        },
        DocumentKind {
            extensions: &["ods"],
            content_type: "application/vnd.oasis.opendocument.spreadsheet",
            label: "OpenDocument spreadsheet",
        },
        DocumentKind {
            extensions: &["odp"],
            content_type: "application/vnd.oasis.opendocument.presentation",
            label: "OpenDocument presentation",
        },
        DocumentKind { extensions: &["zip"], content_type: "application/zip", label: "Zip archive" },
        DocumentKind { extensions: &["txt"], content_type: "text/plain", label: "Text file" },
        DocumentKind { extensions: &["csv"], content_type: "text/csv", label: "CSV file" },
        DocumentKind { extensions: &["md"], content_type: "text/markdown", label: "Text file" },
    ];

    /// The kind a file's extension (any case, without the dot) names, if Portico accepts it.
    pub fn of_extension(ext: &str) -> Option<DocumentKind> {
        let ext = ext.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.extensions.contains(&ext.as_str()))
    }

    /// What a list calls a stored content type.
    pub fn label_of(content_type: &str) -> &'static str {
        Self::ALL.into_iter().find(|k| content_type.starts_with(k.content_type)).map_or("File", |k| k.label)
    }
}

/// What the Upload form tells people about what it takes.
pub const DOCUMENT_KINDS_HINT: &str = "PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint and OpenDocument files, text and CSV files, and zip archives.";

/// Why an upload was refused; carried back to the form as a key in the address (the upload is a
/// plain form post, so it works before and without the page's script).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentProblem {
    NoFile,
    Empty,
    TooLarge,
    /// The name's extension is not one Portico keeps (`DocumentKind::ALL`).
    NotAccepted,
    /// The content is not what the name says, e.g. a `.pdf` that is not a PDF.
    NotWhatItsNameSays(DocumentKind),
}

impl DocumentProblem {
    pub fn message(self, max_bytes: u64) -> String {
        match self {
            DocumentProblem::NoFile => "Choose a file to upload.".into(),
            DocumentProblem::Empty => "This file is empty.".into(),
            DocumentProblem::TooLarge => {
                format!("This file is larger than {}. Upload a smaller file.", file_size(max_bytes))
            }
            DocumentProblem::NotAccepted => format!("This kind of file is not accepted. Upload {DOCUMENT_KINDS_HINT}"),
            DocumentProblem::NotWhatItsNameSays(kind) => format!(
                "This file is not really a {label}: its name says {label} but its content is something else. Save it again as a {label} and upload that.",
                label = kind.label
            ),
        }
    }

    /// Its key in the address the form is sent back to (`?upload=<key>`).
    pub fn key(self) -> String {
        match self {
            DocumentProblem::NoFile => "no_file".into(),
            DocumentProblem::Empty => "empty".into(),
            DocumentProblem::TooLarge => "too_large".into(),
            DocumentProblem::NotAccepted => "not_accepted".into(),
            DocumentProblem::NotWhatItsNameSays(kind) => format!("not_{}", kind.extensions[0]),
        }
    }

    pub fn from_key(key: &str) -> Option<DocumentProblem> {
        Some(match key {
            "no_file" => DocumentProblem::NoFile,
            "empty" => DocumentProblem::Empty,
            "too_large" => DocumentProblem::TooLarge,
            "not_accepted" => DocumentProblem::NotAccepted,
            other => DocumentProblem::NotWhatItsNameSays(DocumentKind::of_extension(other.strip_prefix("not_")?)?),
        })
    }
}

/// "2.4 MB": a file's size as a list shows it.
pub fn file_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    match bytes {
        b if b < KB => format!("{b} bytes"),
        b if b < MB => format!("{} KB", b.div_ceil(KB)),
        b if b % MB == 0 => format!("{} MB", b / MB),
        b => format!("{:.1} MB", b as f64 / MB as f64),
    }
}

/// One document in a project's list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Who uploaded it: a staff member's or a client's name (None once they are deleted).
    pub uploaded_by: Option<String>,
    /// A client uploaded it.
    pub by_client: bool,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub uploaded_at: DateTime<Utc>,
}

/// A project's Documents, as staff see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectDocuments {
    pub project_id: i64,
    /// The latest `documents::SHOWN`, newest first.
    pub documents: Vec<DocumentRow>,
    pub total: u64,
    /// The largest file the Upload form takes.
    pub max_bytes: u64,
}

/// Where an invoice is: staff prepare it (Draft), send it (Sent: the project's clients who may
/// view invoices see it from then on) and mark it paid (Paid). No payment runs through Portico.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum InvoiceStatus {
    #[default]
    Draft,
    Sent,
    Paid,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 3] = [InvoiceStatus::Draft, InvoiceStatus::Sent, InvoiceStatus::Paid];

    pub fn key(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Sent => "sent",
            InvoiceStatus::Paid => "paid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "Draft",
            InvoiceStatus::Sent => "Sent",
            InvoiceStatus::Paid => "Paid",
        }
    }

    pub fn from_key(key: &str) -> Option<InvoiceStatus> {
        InvoiceStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Clients see an invoice once it is sent.
    pub fn shown_to_clients(self) -> bool {
        self != InvoiceStatus::Draft
    }
}

/// Why "Add invoice" was refused, field by field. The form is a plain post (it carries the PDF),
/// so the page learns what went wrong from keys in the address it is sent back to: keys, never
/// text, so nobody can make the page say what a crafted link wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceProblem {
    NumberMissing,
    NumberTooLong,
    /// Control or invisible characters (bidirectional overrides, zero-width spaces).
    NumberCharacters,
    NumberTaken,
    AmountMissing,
    AmountNotANumber,
    AmountNotPositive,
    /// More decimals than the currency has (its exponent: 0 for JPY, 2 for EUR, 3 for KWD).
    AmountDecimals(u8),
    AmountTooLarge,
    CurrencyUnknown,
    DueMissing,
    DueNotADate,
    StatusUnknown,
    Pdf(DocumentProblem),
}

/// The longest invoice number kept.
pub const INVOICE_NUMBER_MAX: usize = 40;

impl InvoiceProblem {
    /// The form field the message shows under.
    pub fn field(self) -> &'static str {
        use InvoiceProblem::*;
        match self {
            NumberMissing | NumberTooLong | NumberCharacters | NumberTaken => "number",
            AmountMissing | AmountNotANumber | AmountNotPositive | AmountDecimals(_) | AmountTooLarge => "amount",
            CurrencyUnknown => "currency",
            DueMissing | DueNotADate => "due_on",
            StatusUnknown => "status",
            Pdf(_) => "pdf",
        }
    }

    pub fn message(self, max_bytes: u64) -> String {
        use InvoiceProblem::*;
        match self {
            NumberMissing => "Enter the invoice number.".into(),
            NumberTooLong => format!("Use at most {INVOICE_NUMBER_MAX} characters."),
            NumberCharacters => "Type the number again: it holds invisible or control characters.".into(),
            NumberTaken => "Another invoice already has this number.".into(),
            AmountMissing => "Enter the amount.".into(),
            AmountNotANumber => "Enter the amount as a number, e.g. 1250.00.".into(),
            AmountNotPositive => "Enter an amount greater than zero.".into(),
            AmountDecimals(0) => "This currency has no decimals: enter a whole amount.".into(),
            AmountDecimals(1) => "This currency has 1 decimal: enter at most 1 digit after the point.".into(),
            AmountDecimals(n) => format!("This currency has {n} decimals: enter at most {n} digits after the point."),
            AmountTooLarge => "This amount is too large.".into(),
            CurrencyUnknown => "Choose a currency from the list.".into(),
            DueMissing => "Enter the due date.".into(),
            DueNotADate => "Enter the due date as a date, e.g. 2027-01-31.".into(),
            StatusUnknown => "Choose Draft, Sent or Paid.".into(),
            Pdf(DocumentProblem::NoFile) => "Choose the invoice's PDF.".into(),
            Pdf(DocumentProblem::NotAccepted) => "Upload the invoice as a PDF.".into(),
            Pdf(p) => p.message(max_bytes),
        }
    }

    /// Its key in the address (`?invoice_problems=number_taken,pdf_not_pdf`).
    pub fn key(self) -> String {
        use InvoiceProblem::*;
        match self {
            NumberMissing => "number_missing".into(),
            NumberTooLong => "number_too_long".into(),
            NumberCharacters => "number_characters".into(),
            NumberTaken => "number_taken".into(),
            AmountMissing => "amount_missing".into(),
            AmountNotANumber => "amount_not_a_number".into(),
            AmountNotPositive => "amount_not_positive".into(),
            AmountDecimals(n) => format!("amount_decimals_{n}"),
            AmountTooLarge => "amount_too_large".into(),
            CurrencyUnknown => "currency_unknown".into(),
            DueMissing => "due_missing".into(),
            DueNotADate => "due_not_a_date".into(),
            StatusUnknown => "status_unknown".into(),
            Pdf(p) => format!("pdf_{}", p.key()),
        }
    }

    pub fn from_key(key: &str) -> Option<InvoiceProblem> {
        use InvoiceProblem::*;
        if let Some(pdf) = key.strip_prefix("pdf_") {
            return DocumentProblem::from_key(pdf).map(Pdf);
        }
        if let Some(n) = key.strip_prefix("amount_decimals_") {
            return n.parse().ok().filter(|n| *n <= 4).map(AmountDecimals);
        }
        Some(match key {
            "number_missing" => NumberMissing,
            "number_too_long" => NumberTooLong,
            "number_characters" => NumberCharacters,
            "number_taken" => NumberTaken,
            "amount_missing" => AmountMissing,
            "amount_not_a_number" => AmountNotANumber,
            "amount_not_positive" => AmountNotPositive,
            "amount_too_large" => AmountTooLarge,
            "currency_unknown" => CurrencyUnknown,
            "due_missing" => DueMissing,
            "due_not_a_date" => DueNotADate,
            "status_unknown" => StatusUnknown,
            _ => return None,
        })
    }
}

/// One invoice in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    /// "1,250.00 EUR": formatted by the server for the currency's decimals.
    pub amount: String,
    /// "31 Jan 2027".
    pub due: String,
    pub status: InvoiceStatus,
    /// Sent, not paid, and past its due date.
    pub overdue: bool,
    pub pdf_name: String,
    pub pdf_size: u64,
    /// When it was first sent (None while a draft); what "new since your last visit" counts.
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub sent_at: Option<DateTime<Utc>>,
}

/// A currency the Add invoice form offers: "EUR", "Euro".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrencyChoice {
    pub code: String,
    pub name: String,
}

/// A project's Invoices, as staff see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectInvoices {
    pub project_id: i64,
    /// The latest `invoices::SHOWN`, newest first.
    pub invoices: Vec<InvoiceRow>,
    pub total: u64,
}

/// What the New invoice form offers. Loaded apart from the list, so the form is not made again
/// (losing what is typed in it) when the list changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceFormData {
    pub project_id: i64,
    pub currencies: Vec<CurrencyChoice>,
    /// The currency the form starts on: the organization's latest invoice's, else USD.
    pub default_currency: String,
    /// The due date the form starts on (`YYYY-MM-DD`): 30 days from today.
    pub default_due: String,
    /// The largest PDF the form takes.
    pub max_bytes: u64,
}
