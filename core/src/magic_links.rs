//! Sign-in links: the ones a client asks for on the portal's sign-in page (they lead to the
//! code step) and the ones staff hand out — "Generate magic link" to copy and "Send login
//! email" — which sign the client in with one POST. All are single-use, short-lived and
//! stored as a hash only.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit::{self, Actor},
    clients,
    domain::{ClientId, EmailAddress},
    entities::{client, organization, sign_in_link, sign_in_request},
    mail,
    model::{LoginEmailReport, MagicLink},
    now, outbox,
    secrets::SecretToken,
    verification::{BURST_LIMIT, BURST_WINDOW},
};

/// The stored `kind` of a sign-in link.
pub mod kind {
    /// Asked for on the portal sign-in page: the link leads to the code step.
    pub const PORTAL_REQUEST: &str = "portal_request";
    /// "Generate magic link": copied by staff and sent by them.
    pub const MAGIC_LINK: &str = "magic_link";
    /// "Send login email": a one-click sign-in button in an email.
    pub const LOGIN_EMAIL: &str = "login_email";
    /// "Forgot password": signs in, then asks for a new password.
    pub const PASSWORD_RESET: &str = "password_reset";

    /// Staff-issued links sign in on "Continue" (staff vouched for the address by sending
    /// them); so does a password reset, which then insists on a new password.
    pub fn signs_in_directly(kind: &str) -> bool {
        kind == MAGIC_LINK || kind == LOGIN_EMAIL || kind == PASSWORD_RESET
    }
}

/// At most this many login emails to one client per hour (a mistaken double click or a
/// script must not flood a client's inbox).
pub const LOGIN_EMAILS_PER_HOUR: u64 = 3;
/// How many links of a kind a client was sent in the last `BURST_WINDOW`.
pub async fn recent_count<C: ConnectionTrait>(db: &C, client_id: i64, kind: &str) -> Result<u64> {
    Ok(sign_in_link::Entity::find()
        .filter(sign_in_link::Column::ClientId.eq(client_id))
        .filter(sign_in_link::Column::Kind.eq(kind))
        .filter(sign_in_link::Column::CreatedAt.gt(now() - BURST_WINDOW))
        .count(db)
        .await?)
}

/// At most this many clients in one "Send login email".
pub const MAX_SELECTION: usize = 500;

/// A new link for a client; returns its URL. The token exists only in that URL.
pub(crate) async fn create<C: ConnectionTrait>(
    db: &C,
    portico: &Portico,
    org: &organization::Model,
    client_id: i64,
    kind: &str,
    created_by: Option<i64>,
) -> Result<String> {
    let token = SecretToken::generate();
    sign_in_link::ActiveModel {
        org_id: Set(org.id),
        client_id: Set(client_id),
        token_hash: Set(token.hash()),
        kind: Set(kind.into()),
        created_by: Set(created_by),
        expires_at: Set(now() + Duration::minutes(lifetime_minutes(org).into())),
        created_at: Set(now()),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(portico.link(&format!("{}{}", crate::secrets::SIGN_IN_LINK_PAGE, token.expose())))
}

pub fn lifetime_minutes(org: &organization::Model) -> i32 {
    org.magic_link_minutes.clamp(5, 60)
}

async fn org_of<C: ConnectionTrait>(db: &C, staff: &Staff) -> Result<organization::Model> {
    organization::Entity::find_by_id(staff.org_id.0).one(db).await?.ok_or(Error::NotFound)
}

/// "Generate magic link": a link for staff to copy and send themselves. Logged.
pub async fn generate(portico: &Portico, staff: &Staff, client_id: ClientId, ip: Option<String>) -> Result<MagicLink> {
    let txn = portico.begin().await?;
    let client = clients::find(&txn, staff.org_id, client_id).await?;
    crate::policy::may_send_sign_in_link(&txn, &client).await?;
    let org = org_of(&txn, staff).await?;
    let url = create(&txn, portico, &org, client.id, kind::MAGIC_LINK, Some(staff.user_id.0)).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: org.id,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: client.id,
            event: "magic_link.generated",
            detail: format!("Generated a magic link for {} ({} minutes)", client.email, lifetime_minutes(&org)),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(MagicLink { client_name: client.name, url, minutes: lifetime_minutes(&org) })
}

/// "Send login email" to one or many selected clients, in one transaction. Clients who cannot
/// receive one now (deactivated, or sent too many lately) are reported, not failed; when the
/// only selected client is held back the whole call is the error.
pub async fn send_login_emails(
    portico: &Portico,
    staff: &Staff,
    ids: &[ClientId],
    ip: Option<String>,
) -> Result<LoginEmailReport> {
    if ids.is_empty() {
        return Err(Error::validation("client_ids", "Select at least one client."));
    }
    if ids.len() > MAX_SELECTION {
        return Err(Error::validation("client_ids", format!("Select at most {MAX_SELECTION} clients at once.")));
    }
    let txn = portico.begin().await?;
    let org = org_of(&txn, staff).await?;
    let mut report = LoginEmailReport { sent: 0, skipped: Vec::new() };
    let mut held_back = None;
    for id in dedup(ids) {
        // Another organization's id is "not found" for the whole request: nothing is sent.
        let client = clients::find(&txn, staff.org_id, id).await?;
        match send_one(&txn, portico, staff, &org, &client, ip.clone()).await {
            Ok(()) => report.sent += 1,
            Err(e @ (Error::Conflict(_) | Error::RateLimited(_))) => {
                let (Error::Conflict(reason) | Error::RateLimited(reason)) = &e else { unreachable!() };
                report.skipped.push(format!("{}: {reason}", client.name));
                held_back = Some(e);
            }
            Err(other) => return Err(other),
        }
    }
    if let (0, Some(e)) = (report.sent, held_back.filter(|_| ids.len() == 1)) {
        // The only client selected was held back: that is the answer (409 or 429).
        return Err(e);
    }
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(report)
}

fn dedup(ids: &[ClientId]) -> Vec<ClientId> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

pub(crate) async fn send_one(
    txn: &DatabaseTransaction,
    portico: &Portico,
    staff: &Staff,
    org: &organization::Model,
    client: &client::Model,
    ip: Option<String>,
) -> Result<()> {
    crate::policy::may_send_sign_in_link(txn, client).await?;
    let recent = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::ClientId.eq(client.id))
        .filter(sign_in_link::Column::Kind.eq(kind::LOGIN_EMAIL))
        .filter(sign_in_link::Column::CreatedAt.gt(now() - Duration::hours(1)))
        .count(txn)
        .await?;
    if recent >= LOGIN_EMAILS_PER_HOUR {
        return Err(Error::RateLimited(format!(
            "{} already received {LOGIN_EMAILS_PER_HOUR} login emails in the last hour. Try again later.",
            client.email
        )));
    }
    let link = create(txn, portico, org, client.id, kind::LOGIN_EMAIL, Some(staff.user_id.0)).await?;
    let rendered = mail::login(&mail::Login {
        org_name: &org.name,
        sender_name: &staff.name,
        client_name: &client.name,
        link: &link,
        minutes: lifetime_minutes(org),
    })?;
    outbox::enqueue(
        txn,
        portico,
        outbox::Outgoing {
            org_id: org.id,
            topic: crate::outbox::Topic::LoginEmail,
            to: &client.email,
            from_name: &org.name,
            mail: rendered,
            invitation_id: None,
        },
    )
    .await?;
    audit::record(
        txn,
        audit::Event {
            org_id: org.id,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: client.id,
            event: "login_email.sent",
            detail: format!("Sent a login email to {}", client.email),
            ip,
        },
    )
    .await
}

/// A link a client asks for by email: a sign-in link (leads to the code step) or a password
/// reset link. What each sends and records.
pub struct Requested {
    pub kind: &'static str,
    pub topic: crate::outbox::Topic,
    pub event: &'static str,
    pub detail: &'static str,
    pub render: fn(&mail::SignInLink<'_>) -> Result<mail::Rendered>,
}

impl Requested {
    pub const SIGN_IN: Requested = Requested {
        kind: kind::PORTAL_REQUEST,
        topic: crate::outbox::Topic::SignInLink,
        event: "sign_in_link.sent",
        detail: "Requested a sign-in link from the portal sign-in page",
        render: mail::sign_in_link,
    };
    pub const PASSWORD_RESET: Requested = Requested {
        kind: kind::PASSWORD_RESET,
        topic: crate::outbox::Topic::PasswordReset,
        event: "password.reset_requested",
        detail: "Asked for a password reset link",
        render: mail::password_reset,
    };

    fn of_kind(kind: &str) -> Option<&'static Requested> {
        [&Self::SIGN_IN, &Self::PASSWORD_RESET].into_iter().find(|r| r.kind == kind)
    }
}

/// Queues a link a client asked for by email, for one organization's portal (`org_slug`) or,
/// without one, for every organization that knows the address (the neutral "Sign in to your
/// portal" page). The request itself does the same work whoever the address belongs to — one
/// insert — so neither its answer nor its timing tells who is a client; the background task
/// (`send_requested_links`) finds the client and sends the link.
pub async fn request_link_by_email(
    portico: &Portico,
    org_slug: Option<&str>,
    email: &str,
    what: &Requested,
    ip: Option<String>,
) -> Result<()> {
    queue_request(portico, org_slug, email, what.kind, ip).await
}

/// Queues a request of any kind (clients' links above; staff password resets).
pub(crate) async fn queue_request(
    portico: &Portico,
    org_slug: Option<&str>,
    email: &str,
    kind: &str,
    ip: Option<String>,
) -> Result<()> {
    let email = EmailAddress::parse(email)?;
    let org_id = match org_slug {
        Some(slug) => Some(crate::portal::organization(&portico.db, slug).await?.id),
        None => None,
    };
    let turn = portico.write_turn().await;
    sign_in_request::ActiveModel {
        org_id: Set(org_id),
        email: Set(email.to_string()),
        kind: Set(kind.into()),
        ip: Set(ip),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&portico.db)
    .await?;
    drop(turn);
    // The worker is not woken: it picks requests up on its next tick (within a second). Woken
    // at once, its work for a known address (a link, a message, an audit row, on SQLite's one
    // connection) would slow the very next request, which an observer could time.
    Ok(())
}

/// Sends the queued requests (oldest first, up to `batch`); returns how many it handled. Each
/// request is claimed by deleting it in the transaction that sends its links, so two
/// processes never both send one, and a crash before commit leaves it queued.
pub async fn send_requested_links(portico: &Portico, batch: u64) -> Result<usize> {
    let queued =
        sign_in_request::Entity::find().order_by_asc(sign_in_request::Column::Id).limit(batch).all(&portico.db).await?;
    let mut handled = 0;
    for request in queued {
        let txn = portico.begin().await?;
        let claimed = sign_in_request::Entity::delete_by_id(request.id).exec(&txn).await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        if let Ok(email) = EmailAddress::parse(&request.email) {
            if request.kind == crate::staff_passwords::REQUEST_KIND {
                crate::staff_passwords::send_reset(&txn, portico, &email, request.ip.clone()).await?;
            } else if let Some(what) = Requested::of_kind(&request.kind) {
                for client in clients::active_everywhere(&txn, request.org_id, &email).await? {
                    send_requested_link(&txn, portico, &client, what, request.ip.clone()).await?;
                }
            }
        }
        txn.commit().await?;
        handled += 1;
    }
    if handled > 0 {
        portico.outbox_wakeup.ring();
    }
    Ok(handled)
}

async fn send_requested_link(
    txn: &DatabaseTransaction,
    portico: &Portico,
    client: &client::Model,
    what: &Requested,
    ip: Option<String>,
) -> Result<()> {
    // Only clients who may sign in at all, and not too often: quietly, as the page promised.
    let invitations = crate::policy::invitations_of(txn, client).await?;
    if !crate::policy::admissible(&invitations, client, now()) {
        return Ok(());
    }
    if recent_count(txn, client.id, what.kind).await? >= BURST_LIMIT {
        tracing::warn!(client = client.id, kind = what.kind, "link requests throttled");
        return Ok(());
    }
    let org = organization::Entity::find_by_id(client.org_id).one(txn).await?.ok_or(Error::NotFound)?;
    let link = create(txn, portico, &org, client.id, what.kind, None).await?;
    let rendered = (what.render)(&mail::SignInLink {
        org_name: &org.name,
        client_name: &client.name,
        link: &link,
        minutes: lifetime_minutes(&org),
    })?;
    outbox::enqueue(
        txn,
        portico,
        outbox::Outgoing {
            org_id: org.id,
            topic: what.topic,
            to: &client.email,
            from_name: &org.name,
            mail: rendered,
            invitation_id: None,
        },
    )
    .await?;
    audit::record(
        txn,
        audit::Event {
            org_id: org.id,
            actor: Actor::Client(client.id),
            subject_kind: "client",
            subject_id: client.id,
            event: what.event,
            detail: what.detail.into(),
            ip,
        },
    )
    .await
}
