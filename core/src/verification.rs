//! Getting a client in: opening an invitation or sign-in link (read-only), "Continue" (sends a
//! one-time code), and checking the code (starts a portal session).
//!
//! Rules (SECURITY.md): opening a link changes nothing; codes are 6 digits, valid 10 minutes,
//! stored as an HMAC, compared in constant time, with at most 5 attempts counted atomically
//! before the check (by the statement that reads the code); a new code voids the previous one;
//! 10 failures lock an invitation.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    Error, Portico, Result,
    audit::{self, Actor},
    batch::Batch,
    client_passwords,
    domain::{ClientId, OneTimeCode, OrgId},
    entities::{client, invitation, one_time_code, organization, project, project_client, sign_in_link, staff_user},
    invitations::state,
    magic_links, mail,
    model::{CodeStep, LinkLanding, mask_email},
    notifications, now, outbox,
    secrets::{SecretToken, digests_match},
    sessions::{self, Holder},
};

pub const CODE_LIFETIME: Duration = Duration::minutes(10);
pub const ATTEMPTS_PER_CODE: i32 = 5;
pub const FAILURES_BEFORE_LOCK: i32 = 10;
/// At most this many codes per client in `BURST_WINDOW`, and as many links a client asks for
/// by email of each kind (sign-in, password reset; `magic_links::email_requested_link`).
pub(crate) const BURST_LIMIT: u64 = 5;
pub(crate) const BURST_WINDOW: Duration = Duration::minutes(15);

/// The invitation behind a link, if the link may still be used. Expired, cancelled, used,
/// locked and unknown links are all the same `NotFound`, so they show one page.
async fn usable_invitation<C: ConnectionTrait>(db: &C, token: &str) -> Result<(invitation::Model, client::Model)> {
    let (inv, client) = invitation_by_token(db, token).await?;
    if usable_but_for_lock(&inv, &client) && inv.locked_at.is_none() { Ok((inv, client)) } else { Err(Error::NotFound) }
}

async fn invitation_by_token<C: ConnectionTrait>(db: &C, token: &str) -> Result<(invitation::Model, client::Model)> {
    let token = SecretToken::from_presented(token).ok_or(Error::NotFound)?;
    let inv = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token.hash()))
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let client = client::Entity::find_by_id(inv.client_id).one(db).await?.ok_or(Error::NotFound)?;
    Ok((inv, client))
}

fn usable_but_for_lock(inv: &invitation::Model, client: &client::Model) -> bool {
    inv.status == state::PENDING
        && inv.expires_at > now()
        && client.deactivated_at.is_none()
        // The link is bound to the address it was sent to.
        && client.email == inv.email
}

/// What a client whose invitation is locked is told: that it is locked, and whom to contact.
/// Only the holder of the link (or of its code step) ever sees it.
async fn locked_notice<C: ConnectionTrait>(db: &C, inv: &invitation::Model) -> Result<String> {
    let org = org_of(db, inv.org_id).await?;
    let inviter = staff_user::Entity::find_by_id(inv.invited_by).one(db).await?.map(|s| s.name);
    let contact = match inviter {
        Some(name) => format!("{name} at {}", org.name),
        None => org.name,
    };
    Ok(format!(
        "This invitation was locked after too many wrong codes, to keep your portal safe. Contact {contact} and ask them to unlock it."
    ))
}

async fn usable_sign_in_link<C: ConnectionTrait>(db: &C, token: &str) -> Result<(sign_in_link::Model, client::Model)> {
    let token = SecretToken::from_presented(token).ok_or(Error::NotFound)?;
    let link = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(token.hash()))
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let client = client::Entity::find_by_id(link.client_id).one(db).await?.ok_or(Error::NotFound)?;
    let usable = link.used_at.is_none() && link.expires_at > now() && client.deactivated_at.is_none();
    if usable { Ok((link, client)) } else { Err(Error::NotFound) }
}

/// The page of any link of a client whose access is switched off: what happened and whom to
/// ask, with nothing that cannot work.
async fn switched_off<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<LinkLanding> {
    let org = org_of(db, org_id).await?;
    Ok(LinkLanding {
        headline: "Your portal access is switched off".into(),
        detail: String::new(),
        stopped: Some(crate::policy::switched_off_notice(&org.name)),
        org_name: org.name,
    })
}

/// The organization of a sign-in link whose client is deactivated (`None` for every other link).
async fn switched_off_sign_in_link<C: ConnectionTrait>(db: &C, token: &str) -> Result<Option<i64>> {
    let Some(token) = SecretToken::from_presented(token) else { return Ok(None) };
    let Some(link) =
        sign_in_link::Entity::find().filter(sign_in_link::Column::TokenHash.eq(token.hash())).one(db).await?
    else {
        return Ok(None);
    };
    let client = client::Entity::find_by_id(link.client_id).one(db).await?;
    Ok(client.filter(|c| c.deactivated_at.is_some()).map(|c| c.org_id))
}

async fn org_of<C: ConnectionTrait>(db: &C, id: i64) -> Result<organization::Model> {
    organization::Entity::find_by_id(id).one(db).await?.ok_or(Error::NotFound)
}

/// What the invitation page shows. Changes nothing about the invitation (mail scanners open
/// links too); it only notes "Link opened" on the invitation's timeline, at most once in
/// ten minutes.
pub async fn open_invitation(portico: &Portico, token: &str, ip: Option<String>) -> Result<LinkLanding> {
    let (inv, client) = invitation_by_token(&portico.db, token).await?;
    if client.deactivated_at.is_some() {
        return switched_off(&portico.db, client.org_id).await;
    }
    if !usable_but_for_lock(&inv, &client) {
        return Err(Error::NotFound);
    }
    let org = org_of(&portico.db, inv.org_id).await?;
    if inv.locked_at.is_some() {
        return Ok(LinkLanding {
            headline: "This invitation is locked".into(),
            detail: String::new(),
            stopped: Some(locked_notice(&portico.db, &inv).await?),
            org_name: org.name,
        });
    }
    note_link_opened(portico, &inv, ip).await?;
    let inviter = staff_user::Entity::find_by_id(inv.invited_by).one(&portico.db).await?.map(|s| s.name);
    let project_name = match inv.project_id {
        Some(pid) => project::Entity::find_by_id(pid).one(&portico.db).await?.map(|p| p.name),
        None => None,
    };
    let who = inviter.unwrap_or_else(|| org.name.clone());
    let what = project_name.unwrap_or_else(|| format!("the {} client portal", org.name));
    Ok(LinkLanding {
        headline: format!("{} invited you to {}", org.name, what),
        detail: format!(
            "{who} invited you, {}, to the client portal. Continue and we will email a 6-digit code to {}.",
            client.name,
            mask_email(&client.email)
        ),
        stopped: None,
        org_name: org.name,
    })
}

async fn note_link_opened(portico: &Portico, inv: &invitation::Model, ip: Option<String>) -> Result<()> {
    let recently = audit::count_since(
        &portico.db,
        inv.org_id,
        ("invitation", inv.id),
        "link.opened",
        now() - Duration::minutes(10),
    )
    .await?;
    if recently > 0 {
        return Ok(());
    }
    audit::record(
        &portico.db,
        audit::Event {
            org_id: inv.org_id,
            actor: Actor::System,
            subject_kind: "invitation",
            subject_id: inv.id,
            event: "link.opened",
            detail: "The invitation page was shown (by the client or their mail scanner)".into(),
            ip,
        },
    )
    .await
}

/// What a sign-in link's page shows. Reads only.
pub async fn open_sign_in_link(portico: &Portico, token: &str) -> Result<LinkLanding> {
    if let Some(org_id) = switched_off_sign_in_link(&portico.db, token).await? {
        return switched_off(&portico.db, org_id).await;
    }
    let (link, client) = usable_sign_in_link(&portico.db, token).await?;
    let org = org_of(&portico.db, client.org_id).await?;
    let detail = match link.kind.as_str() {
        magic_links::kind::PASSWORD_RESET => {
            format!("Continue to sign in as {}, then choose a new password.", mask_email(&client.email))
        }
        kind if magic_links::kind::signs_in_directly(kind) => {
            format!("Continue to sign in to your client portal as {}.", mask_email(&client.email))
        }
        _ => format!("Continue and we will email a 6-digit code to {}.", mask_email(&client.email)),
    };
    Ok(LinkLanding { headline: format!("Sign in to {}", org.name), detail, stopped: None, org_name: org.name })
}

/// A code is on its way; the returned token identifies this verification (kept in a cookie,
/// so the token from the link never needs to travel again).
pub struct Started {
    pub verification: SecretToken,
}

/// "Continue" on an invitation page (POST only).
pub async fn continue_invitation(portico: &Portico, token: &str, ip: Option<String>) -> Result<Started> {
    let txn = portico.begin().await?;
    let (inv, client) = usable_invitation(&txn, token).await?;
    let started = send_code(&txn, portico, &client, Some(inv.id), None, ip).await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(started)
}

/// What "Continue" on a sign-in link did.
pub enum Continued {
    /// A portal sign-in request: a code is on its way.
    CodeSent(Started),
    /// A staff-issued magic link or login email: the client is signed in.
    SignedIn(Verified),
}

/// "Continue" on a sign-in link's page (POST only).
pub async fn continue_sign_in_link(portico: &Portico, token: &str, ip: Option<String>) -> Result<Continued> {
    let txn = portico.begin().await?;
    let (link, client) = usable_sign_in_link(&txn, token).await?;
    if !magic_links::kind::signs_in_directly(&link.kind) {
        let started = send_code(&txn, portico, &client, None, Some(link.id), ip).await?;
        txn.commit().await?;
        portico.outbox_wakeup.ring();
        return Ok(Continued::CodeSent(started));
    }
    // Single use, even when two tabs post at once: only one update finds it unused.
    let used = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(now()))
        .filter(sign_in_link::Column::Id.eq(link.id))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(Error::NotFound);
    }
    let client = if link.kind == magic_links::kind::PASSWORD_RESET {
        // The old password stops working; the portal asks for a new one before anything else.
        // Whoever signed in with the old password is signed out everywhere, as staff are.
        crate::sessions::end_client(&txn, client.org_id, client.id).await?;
        let mut active: client::ActiveModel = client.into();
        active.password_hash = Set(None);
        active.update(&txn).await?
    } else {
        client
    };
    audit::record(
        &txn,
        audit::Event {
            org_id: client.org_id,
            actor: Actor::Client(client.id),
            subject_kind: "client",
            subject_id: client.id,
            event: "magic_link.used",
            detail: match link.kind.as_str() {
                magic_links::kind::MAGIC_LINK => "Signed in with a magic link".into(),
                magic_links::kind::PASSWORD_RESET => "Signed in with a password reset link".into(),
                _ => "Signed in from a login email".into(),
            },
            ip: ip.clone(),
        },
    )
    .await?;
    let how = match link.kind.as_str() {
        magic_links::kind::MAGIC_LINK => "a magic link",
        magic_links::kind::PASSWORD_RESET => "a password reset link",
        _ => "a login email",
    };
    let org = org_of(&txn, client.org_id).await?;
    let invitations = crate::policy::invitations_of(&txn, &client).await?;
    let mut batch = Batch::new(&txn);
    let verified = sign_in(&txn, &mut batch, portico, client, &org, invitations, ip, how).await?;
    batch.run(&txn).await?;
    txn.commit().await?;
    Ok(Continued::SignedIn(verified))
}

/// "Send a new code" on the code page: the same verification target, a new code.
pub async fn resend_code(portico: &Portico, verification: &str, ip: Option<String>) -> Result<Started> {
    let txn = portico.begin().await?;
    let current = find_code(&txn, verification).await?;
    let client = client::Entity::find_by_id(current.client_id).one(&txn).await?.ok_or(Error::NotFound)?;
    if let Some(inv_id) = current.invitation_id {
        let inv = invitation::Entity::find_by_id(inv_id).one(&txn).await?.ok_or(Error::NotFound)?;
        if inv.status != state::PENDING || inv.locked_at.is_some() || inv.expires_at <= now() {
            return Err(Error::NotFound);
        }
    }
    let started = send_code(&txn, portico, &client, current.invitation_id, current.sign_in_link_id, ip).await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(started)
}

async fn send_code(
    txn: &DatabaseTransaction,
    portico: &Portico,
    client: &client::Model,
    invitation_id: Option<i64>,
    sign_in_link_id: Option<i64>,
    ip: Option<String>,
) -> Result<Started> {
    let recent = one_time_code::Entity::find()
        .filter(one_time_code::Column::ClientId.eq(client.id))
        .filter(one_time_code::Column::CreatedAt.gt(now() - BURST_WINDOW))
        .count(txn)
        .await?;
    if recent >= BURST_LIMIT {
        return Err(Error::RateLimited("Too many codes were requested. Wait a few minutes, then try again.".into()));
    }
    // A new code voids every earlier code of this client.
    void_codes(txn, client.id).await?;
    let verification = SecretToken::generate();
    let code = OneTimeCode::generate();
    let verification_hash = verification.hash();
    one_time_code::ActiveModel {
        org_id: Set(client.org_id),
        client_id: Set(client.id),
        invitation_id: Set(invitation_id),
        sign_in_link_id: Set(sign_in_link_id),
        code_mac: Set(portico.key.code_mac(&verification_hash, code.expose())),
        verification_hash: Set(verification_hash),
        attempts: Set(0),
        expires_at: Set(now() + CODE_LIFETIME),
        created_at: Set(now()),
        consumed_at: Set(None),
        voided_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let org = org_of(txn, client.org_id).await?;
    outbox::enqueue(
        txn,
        portico,
        outbox::Outgoing {
            org_id: org.id,
            topic: crate::outbox::Topic::Code,
            to: &client.email,
            from_name: &org.name,
            mail: mail::code(&mail::Code { org_name: &org.name, code: code.expose() })?,
            invitation_id,
        },
    )
    .await?;
    audit::record(
        txn,
        audit::Event {
            org_id: org.id,
            actor: Actor::Client(client.id),
            subject_kind: if invitation_id.is_some() { "invitation" } else { "client" },
            subject_id: invitation_id.unwrap_or(client.id),
            event: "code.sent",
            detail: format!("Sent a sign-in code to {}", client.email),
            ip,
        },
    )
    .await?;
    Ok(Started { verification })
}

async fn find_code<C: ConnectionTrait>(db: &C, verification: &str) -> Result<one_time_code::Model> {
    let token = SecretToken::from_presented(verification).ok_or(Error::Unauthorized)?;
    one_time_code::Entity::find()
        .filter(one_time_code::Column::VerificationHash.eq(token.hash()))
        .one(db)
        .await?
        .ok_or(Error::Unauthorized)
}

/// The code page: where the code went. `Unauthorized` when there is no verification under way.
pub async fn code_step(portico: &Portico, verification: &str) -> Result<CodeStep> {
    let code = find_code(&portico.db, verification).await?;
    if code.consumed_at.is_some() {
        return Err(Error::Unauthorized);
    }
    let client = client::Entity::find_by_id(code.client_id).one(&portico.db).await?.ok_or(Error::Unauthorized)?;
    let org = org_of(&portico.db, client.org_id).await?;
    let stopped = match code.invitation_id {
        _ if client.deactivated_at.is_some() => Some(crate::policy::switched_off_notice(&org.name)),
        Some(id) => match invitation::Entity::find_by_id(id).one(&portico.db).await? {
            Some(inv) if inv.locked_at.is_some() => Some(locked_notice(&portico.db, &inv).await?),
            _ => None,
        },
        None => None,
    };
    Ok(CodeStep { org_name: org.name, masked_email: mask_email(&client.email), stopped })
}

/// A right code: the session to set, and where the client belongs.
pub struct Verified {
    pub session: SecretToken,
    pub org_id: OrgId,
    /// Where this client's portal lives (`/p/<slug>`).
    pub org_slug: String,
    pub client_id: ClientId,
    /// The organization wants a password and this client has none yet: ask for one first.
    pub needs_password: bool,
}

fn expired_code() -> Error {
    Error::validation("code", "This code has expired. Send a new code.")
}

/// Checks a code, in one transaction. The attempt is counted by the statement that reads the
/// code, before anything is compared: guesses at one code take turns on its row (PostgreSQL
/// holds the row until the transaction ends; SQLite has one writer), so however many arrive at
/// once, at most 5 are ever compared. A wrong guess commits its count; a right one consumes the
/// code in the same transaction as the sign-in.
pub async fn verify(portico: &Portico, verification: &str, code: &str, ip: Option<String>) -> Result<Verified> {
    let code = OneTimeCode::parse(code)?;
    let token = SecretToken::from_presented(verification).ok_or(Error::Unauthorized)?;
    let txn = portico.begin().await?;
    let counted = one_time_code::Entity::update_many()
        .col_expr(one_time_code::Column::Attempts, Expr::col(one_time_code::Column::Attempts).add(1))
        .filter(one_time_code::Column::VerificationHash.eq(token.hash()))
        .filter(one_time_code::Column::Attempts.lt(ATTEMPTS_PER_CODE))
        .filter(one_time_code::Column::ConsumedAt.is_null())
        .filter(one_time_code::Column::VoidedAt.is_null())
        .filter(one_time_code::Column::ExpiresAt.gt(now()))
        .exec_with_returning(&txn)
        .await?
        .pop();
    let Some(row) = counted else {
        txn.rollback().await?;
        return Err(refused(portico, &find_code(&portico.db, verification).await?).await?);
    };
    let (mut client, org) = client::Entity::find_by_id(row.client_id)
        .find_also_related(organization::Entity)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let org = org.ok_or(Error::NotFound)?;
    // Read once: the code's invitation is among them, and the sign-in and the access state
    // below work from the same rows.
    let mut invitations = crate::policy::invitations_of(&txn, &client).await?;
    let of_code = match row.invitation_id {
        Some(id) => Some(invitations.iter().find(|i| i.id == id).ok_or(Error::NotFound)?.clone()),
        None => None,
    };
    if let Some(inv) = of_code.as_ref().filter(|i| i.locked_at.is_some()) {
        // Nothing is compared while the invitation is locked, and nothing counted.
        let notice = locked_notice(&txn, inv).await?;
        txn.rollback().await?;
        return Err(Error::Conflict(notice));
    }
    let expected = portico.key.code_mac(&row.verification_hash, code.expose());
    if !digests_match(&expected, &row.code_mac) {
        let answer = wrong_code(&txn, portico, &row, of_code.as_ref(), ip).await?;
        txn.commit().await?;
        return Err(answer);
    }
    if client.deactivated_at.is_some() {
        txn.rollback().await?;
        return Err(Error::Conflict(crate::policy::switched_off_notice(&org.name)));
    }
    if let Some(inv) = of_code.as_ref()
        && (inv.status != state::PENDING || inv.expires_at <= now() || inv.email != client.email)
    {
        txn.rollback().await?;
        return Err(Error::validation("code", "This invitation is no longer valid. Ask for a new one."));
    }
    // From here on nothing is read back from what is written: the writes go together at the
    // end (`Batch`). No one else can have consumed the code: this transaction has held its row
    // since it counted it.
    let mut batch = Batch::new(&txn);
    batch.add(
        &one_time_code::Entity::update_many()
            .col_expr(one_time_code::Column::ConsumedAt, Expr::value(now()))
            .filter(one_time_code::Column::Id.eq(row.id)),
    );
    if let Some(inv) = &of_code {
        let detail = format!("{} accepted the invitation", client.email);
        accept_invitation(&txn, &mut batch, portico, &org, &mut invitations, inv.id, &mut client, ip.clone(), detail)
            .await?;
    }
    if let Some(link_id) = row.sign_in_link_id {
        batch.add(
            &sign_in_link::Entity::update_many()
                .col_expr(sign_in_link::Column::UsedAt, Expr::value(now()))
                .filter(sign_in_link::Column::Id.eq(link_id)),
        );
    }
    let verified = sign_in(&txn, &mut batch, portico, client, &org, invitations, ip, "a sign-in code").await?;
    batch.run(&txn).await?;
    txn.commit().await?;
    Ok(verified)
}

/// Starts a portal session for a client who just proved who they are (`how`: "a magic link").
/// A client who has not joined yet but holds invitations they could accept has just proved
/// their address, so those invitations are accepted here (and say how on the timeline); a
/// client with nothing to accept (cancelled, expired, locked, deactivated) gets no session.
/// `invitations` are the client's, newest first, as the caller's transaction holds them.
#[allow(clippy::too_many_arguments)] // the transaction, its batch and the sign-in's own facts
async fn sign_in(
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    portico: &Portico,
    mut client: client::Model,
    org: &organization::Model,
    mut invitations: Vec<invitation::Model>,
    ip: Option<String>,
    how: &str,
) -> Result<Verified> {
    if !crate::policy::admissible(&invitations, &client, now()) {
        return Err(Error::NotFound);
    }
    // "Joined" means accepted an invitation at least once; a magic link alone does not count.
    let mut joined = invitations.iter().any(|inv| inv.status == state::ACCEPTED);
    let acceptable: Vec<i64> =
        crate::policy::acceptable_now(&invitations, &client, now()).into_iter().map(|inv| inv.id).collect();
    for id in acceptable {
        // Each acceptance reads its project row: the one before it must be written by then.
        batch.flush(txn).await?;
        let detail = format!("{} accepted the invitation by signing in with {how}", client.email);
        accept_invitation(txn, batch, portico, org, &mut invitations, id, &mut client, ip.clone(), detail).await?;
        joined = true;
    }
    let mut signed_in = client::Entity::update_many()
        .col_expr(client::Column::LastSignInAt, Expr::value(now()))
        .filter(client::Column::Id.eq(client.id));
    if client.first_accepted_at.is_none() && joined {
        signed_in = signed_in.col_expr(client::Column::FirstAcceptedAt, Expr::value(now()));
    }
    batch.add(&signed_in);
    let session = sessions::start_later(batch, OrgId(client.org_id), Holder::Client(ClientId(client.id)), ip);
    let needs_password = client_passwords::must_choose_password(org, &client);
    Ok(Verified {
        session,
        org_id: OrgId(org.id),
        org_slug: org.slug.clone(),
        client_id: ClientId(client.id),
        needs_password,
    })
}

/// Accepts the invitation `id` of `invitations` (the client's, newest first) and keeps the
/// list and the client as they now stand, for the caller's next step; the writes go into
/// `batch`.
#[allow(clippy::too_many_arguments)] // the transaction, its batch and the acceptance's own facts
async fn accept_invitation(
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    portico: &Portico,
    org: &organization::Model,
    invitations: &mut [invitation::Model],
    id: i64,
    client: &mut client::Model,
    ip: Option<String>,
    detail: String,
) -> Result<()> {
    let held = invitations.iter_mut().find(|inv| inv.id == id).ok_or(Error::NotFound)?;
    // Written now, not in the batch, and only while still pending: on PostgreSQL the update
    // holds the invitation's row from here, so a second acceptance of it at the same moment (a
    // code and a login email in two tabs) waits, then finds it no longer pending, instead of
    // both reading the client's place as Invited and moving the counters twice. The row comes
    // back as stored, with whatever a resend committed meanwhile.
    *held = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(state::ACCEPTED))
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now()))
        .filter(invitation::Column::Id.eq(held.id))
        .filter(invitation::Column::Status.eq(state::PENDING))
        .exec_with_returning(txn)
        .await?
        .pop()
        .ok_or_else(|| Error::Conflict("This invitation changed a moment ago. Please try again.".into()))?;
    // The client's place on the project, read with the project (the notice names it).
    let (place, project) = match held.project_id {
        Some(pid) => match project_client::Entity::find()
            .filter(project_client::Column::OrgId.eq(org.id))
            .filter(project_client::Column::ClientId.eq(client.id))
            .filter(project_client::Column::ProjectId.eq(pid))
            .find_also_related(project::Entity)
            .one(txn)
            .await?
        {
            Some((place, project)) => (Some(place), project),
            None => (None, project::Entity::find_by_id(pid).filter(project::Column::OrgId.eq(org.id)).one(txn).await?),
        },
        None => (None, None),
    };
    let inv = held.clone();
    let row = match (inv.project_id, &place) {
        (Some(_), Some(place)) => crate::access::Row::Held(place),
        (Some(pid), None) => crate::access::Row::Project(pid),
        (None, _) => crate::access::Row::Standing,
    };
    crate::access::refresh_held(txn, batch, client, invitations, row).await?;
    notifications::notify_team(
        txn,
        batch,
        portico,
        notifications::About {
            kind: notifications::kind::INVITATION_ACCEPTED,
            title: format!("{} accepted your invitation", client.name),
            body: match &project {
                Some(p) => format!("{} ({}) now has access to {}.", client.name, client.email, p.name),
                None => format!("{} ({}) now has access to the portal.", client.name, client.email),
            },
            invitation: &inv,
            project: project
                .as_ref()
                .map_or_else(|| notifications::Concerning::of(&inv), |p| notifications::Concerning::Held((p, org))),
        },
    )
    .await?;
    audit::record_later(
        batch,
        vec![audit::Event {
            org_id: inv.org_id,
            actor: Actor::Client(client.id),
            subject_kind: "invitation",
            subject_id: inv.id,
            event: "invitation.accepted",
            detail,
            ip,
        }],
    );
    Ok(())
}

/// The answer to a code that takes no more guesses, in this order: its invitation is locked
/// (whom to ask), it expired or was used (or a newer one voided it), or its attempts are used
/// up. Nothing is counted or compared.
async fn refused(portico: &Portico, row: &one_time_code::Model) -> Result<Error> {
    if let Some(inv_id) = row.invitation_id {
        if let Some(inv) = invitation::Entity::find_by_id(inv_id).one(&portico.db).await? {
            if inv.locked_at.is_some() {
                return Ok(Error::Conflict(locked_notice(&portico.db, &inv).await?));
            }
        }
    }
    if row.consumed_at.is_some() || row.voided_at.is_some() || row.expires_at <= now() {
        return Ok(expired_code());
    }
    Ok(Error::validation("code", "Too many wrong attempts for this code. Send a new code."))
}

/// Records a wrong code (`row` as counted: its attempts include this one) in the caller's
/// transaction, and words the answer: how many attempts remain for this code.
async fn wrong_code(
    txn: &DatabaseTransaction,
    portico: &Portico,
    row: &one_time_code::Model,
    of_code: Option<&invitation::Model>,
    ip: Option<String>,
) -> Result<Error> {
    let used = row.attempts;
    let mut locked = None;
    if let Some(inv) = of_code {
        let failed = invitation::Entity::update_many()
            .col_expr(invitation::Column::FailedAttempts, Expr::col(invitation::Column::FailedAttempts).add(1))
            .filter(invitation::Column::Id.eq(inv.id))
            .exec_with_returning(txn)
            .await?
            .pop();
        if let Some(inv) = failed.filter(|i| i.failed_attempts >= FAILURES_BEFORE_LOCK) {
            lock_invitation(txn, portico, inv.id, row.client_id).await?;
            locked = Some(locked_notice(txn, &inv).await?);
        }
    }
    audit::record(
        txn,
        audit::Event {
            org_id: row.org_id,
            actor: Actor::Client(row.client_id),
            subject_kind: if row.invitation_id.is_some() { "invitation" } else { "client" },
            subject_id: row.invitation_id.unwrap_or(row.client_id),
            event: "code.failed",
            detail: format!("Wrong code, attempt {used} of {ATTEMPTS_PER_CODE}"),
            ip,
        },
    )
    .await?;
    if let Some(notice) = locked {
        // Nothing the client can do on this page works any more: say so, and whom to ask. A
        // conflict, not a field error: the page reloads its state and drops the code form.
        return Ok(Error::Conflict(notice));
    }
    let left = ATTEMPTS_PER_CODE - used;
    Ok(Error::validation(
        "code",
        match left {
            0 => "That code is not right, and it has no attempts left. Send a new code.".to_string(),
            1 => "That code is not right. 1 attempt left.".to_string(),
            n => format!("That code is not right. {n} attempts left."),
        },
    ))
}

/// Locks an invitation after too many failures; only the first caller notifies the inviter.
async fn lock_invitation(txn: &DatabaseTransaction, portico: &Portico, inv_id: i64, client_id: i64) -> Result<()> {
    // The row comes back with the lock, so it is not read again.
    let Some(inv) = invitation::Entity::update_many()
        .col_expr(invitation::Column::LockedAt, Expr::value(now()))
        .filter(invitation::Column::Id.eq(inv_id))
        .filter(invitation::Column::LockedAt.is_null())
        .exec_with_returning(txn)
        .await?
        .pop()
    else {
        return Ok(());
    };
    let mut batch = Batch::new(txn);
    crate::access::refresh_later(txn, &mut batch, &[(client_id, inv.project_id)]).await?;
    let client = client::Entity::find_by_id(client_id).one(txn).await?.ok_or(Error::NotFound)?;
    notifications::notify_team(
        txn,
        &mut batch,
        portico,
        notifications::About {
            kind: notifications::kind::VERIFICATION_LOCKED,
            title: format!("{} failed verification repeatedly", client.name),
            body: format!(
                "The invitation for {} was locked after {FAILURES_BEFORE_LOCK} wrong codes. Unlock it on the Portal access page if this was them.",
                client.email
            ),
            invitation: &inv,
            project: notifications::Concerning::of(&inv),
        },
    )
    .await?;
    audit::record_later(
        &mut batch,
        vec![audit::Event {
            org_id: inv.org_id,
            actor: Actor::System,
            subject_kind: "invitation",
            subject_id: inv.id,
            event: "invitation.locked",
            detail: format!("Locked after {FAILURES_BEFORE_LOCK} wrong codes"),
            ip: None,
        }],
    );
    batch.run(txn).await
}

/// The portal's own sign-in page: email in, sign-in link out. Answers the same whether or not
/// the address belongs to a client, so it cannot be used to find out who is one. Without a
/// slug (the neutral "Sign in to your portal" page) every organization that knows the address
/// sends one.
pub async fn request_sign_in_link(
    portico: &Portico,
    org_slug: Option<&str>,
    email: &str,
    ip: Option<String>,
) -> Result<()> {
    magic_links::request_link_by_email(portico, org_slug, email, &magic_links::Requested::SIGN_IN, ip).await
}

/// Voids every code of this client not used yet: a code typed after this cannot start a
/// session (a new code sent, the client deactivated, their email changed).
pub(crate) async fn void_codes<C: sea_orm::ConnectionTrait>(db: &C, client_id: i64) -> Result<()> {
    one_time_code::Entity::update_many()
        .col_expr(one_time_code::Column::VoidedAt, Expr::value(now()))
        .filter(one_time_code::Column::ClientId.eq(client_id))
        .filter(one_time_code::Column::ConsumedAt.is_null())
        .filter(one_time_code::Column::VoidedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
