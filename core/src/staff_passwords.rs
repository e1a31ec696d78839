//! "Forgot password" for staff: an emailed, single-use reset link. The request is queued like a
//! client's requested link (`magic_links::request_link_by_email`), so an unknown address costs
//! the same and gets the same answer; the link's page asks for a new password, which ends the
//! account's other sessions and signs this browser in.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::{
    Error, Portico, Result,
    accounts::hash_password,
    audit::{self, Actor},
    domain::{EmailAddress, OrgId, Password, StaffUserId},
    entities::{organization, session, staff_password_reset, staff_user},
    mail,
    model::{StaffReset, mask_email},
    now, outbox,
    secrets::{STAFF_RESET_PAGE, SecretToken},
    sessions,
    verification::{BURST_LIMIT, BURST_WINDOW},
};

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 30;
/// The queued request's kind (`sign_in_requests.kind`).
pub const REQUEST_KIND: &str = "staff_reset";

/// "Email me a reset link" on the staff "Forgot password" page.
pub async fn request_reset(portico: &Portico, email: &str, ip: Option<String>) -> Result<()> {
    crate::magic_links::queue_request(portico, None, email, REQUEST_KIND, ip).await
}

/// Sends the reset link for a queued request, if the address belongs to a staff user (and
/// they have not been sent too many lately). Runs in the background task's transaction.
pub(crate) async fn send_reset(
    txn: &DatabaseTransaction,
    portico: &Portico,
    email: &EmailAddress,
    ip: Option<String>,
) -> Result<()> {
    let Some(user) = staff_user::Entity::find().filter(staff_user::Column::Email.eq(email.as_str())).one(txn).await?
    else {
        return Ok(());
    };
    let recent = staff_password_reset::Entity::find()
        .filter(staff_password_reset::Column::StaffUserId.eq(user.id))
        .filter(staff_password_reset::Column::CreatedAt.gt(now() - BURST_WINDOW))
        .count(txn)
        .await?;
    if recent >= BURST_LIMIT {
        tracing::warn!(staff_user = user.id, "staff password resets throttled");
        return Ok(());
    }
    let org = organization::Entity::find_by_id(user.org_id).one(txn).await?.ok_or(Error::NotFound)?;
    let token = SecretToken::generate();
    staff_password_reset::ActiveModel {
        org_id: Set(org.id),
        staff_user_id: Set(user.id),
        token_hash: Set(token.hash()),
        expires_at: Set(now() + Duration::minutes(RESET_MINUTES)),
        used_at: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let link = portico.link(&format!("{STAFF_RESET_PAGE}{}", token.expose()));
    let rendered = mail::staff_password_reset(&mail::StaffPasswordReset {
        org_name: &org.name,
        name: &user.name,
        link: &link,
        minutes: RESET_MINUTES,
    })?;
    outbox::enqueue(
        txn,
        portico,
        outbox::Outgoing {
            org_id: org.id,
            topic: crate::outbox::Topic::StaffPasswordReset,
            to: &user.email,
            from_name: "Portico",
            mail: rendered,
            invitation_id: None,
        },
    )
    .await?;
    audit::record(
        txn,
        audit::Event {
            org_id: org.id,
            actor: Actor::System,
            subject_kind: "staff",
            subject_id: user.id,
            event: "staff.reset_requested",
            detail: format!("Sent a password reset link to {}", user.email),
            ip,
        },
    )
    .await
}

async fn usable<C: sea_orm::ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<(staff_password_reset::Model, staff_user::Model)> {
    let token = SecretToken::from_presented(token).ok_or(Error::NotFound)?;
    let reset = staff_password_reset::Entity::find()
        .filter(staff_password_reset::Column::TokenHash.eq(token.hash()))
        .one(db)
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at > now())
        .ok_or(Error::NotFound)?;
    let user = staff_user::Entity::find_by_id(reset.staff_user_id).one(db).await?.ok_or(Error::NotFound)?;
    Ok((reset, user))
}

/// What the reset link's page shows. Reads only.
pub async fn open(portico: &Portico, token: &str) -> Result<StaffReset> {
    let (_, user) = usable(&portico.db, token).await?;
    let org = organization::Entity::find_by_id(user.org_id).one(&portico.db).await?.ok_or(Error::NotFound)?;
    Ok(StaffReset { org_name: org.name, masked_email: mask_email(&user.email) })
}

/// "Save password" on the reset link's page: sets the new password, ends every other session
/// of the account, and signs this browser in. The link works once.
pub async fn reset(
    portico: &Portico,
    token: &str,
    password: &str,
    confirm: &str,
    ip: Option<String>,
) -> Result<(SecretToken, String)> {
    let password = Password::parse(password)?;
    if password.expose() != confirm {
        return Err(Error::validation("confirm", "The two passwords do not match."));
    }
    let (reset, user) = usable(&portico.db, token).await?;
    let hash = hash_password(password).await?;
    let txn = portico.begin().await?;
    let claimed = staff_password_reset::Entity::update_many()
        .col_expr(staff_password_reset::Column::UsedAt, Expr::value(now()))
        .filter(staff_password_reset::Column::Id.eq(reset.id))
        .filter(staff_password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::NotFound);
    }
    let email = user.email.clone();
    let mut active: staff_user::ActiveModel = user.clone().into();
    active.password_hash = Set(hash);
    active.update(&txn).await?;
    session::Entity::delete_many().filter(session::Column::StaffUserId.eq(user.id)).exec(&txn).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: user.org_id,
            actor: Actor::Staff(user.id),
            subject_kind: "staff",
            subject_id: user.id,
            event: "staff.password_reset",
            detail: "Chose a new password with a reset link; other sessions ended".into(),
            ip: ip.clone(),
        },
    )
    .await?;
    let session = sessions::start(&txn, OrgId(user.org_id), sessions::Holder::Staff(StaffUserId(user.id)), ip).await?;
    txn.commit().await?;
    Ok((session, email))
}
