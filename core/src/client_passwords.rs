//! "Set a password on activation": organizations may let clients sign in with a password
//! instead of a code every time. The invitation still proves the address (link + code), then
//! the client chooses a password; "Forgot password" emails a reset link that signs them in
//! and asks for a new one.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::{
    Error, Portico, Result,
    accounts::{hash_password, password_matches},
    audit::{self, Actor},
    clients,
    domain::{ClientId, EmailAddress, OrgId, Password},
    entities::{client, organization},
    magic_links,
    model::ClientSignIn,
    now,
    secrets::SecretToken,
    sessions, settings,
};

/// Whether this client must choose a password before using the portal.
pub async fn needs_password<C: sea_orm::ConnectionTrait>(db: &C, org_id: i64, client: &client::Model) -> Result<bool> {
    let org = organization::Entity::find_by_id(org_id).one(db).await?.ok_or(Error::NotFound)?;
    Ok(must_choose_password(&org, client))
}

/// The same answer from rows already loaded (the session lookup has both).
pub fn must_choose_password(org: &organization::Model, client: &client::Model) -> bool {
    settings::client_sign_in(org) == ClientSignIn::Password && client.password_hash.is_none()
}

/// "Save password" on the choose-a-password page of a signed-in client.
pub async fn set(
    portico: &Portico,
    org: OrgId,
    client_id: ClientId,
    password: &str,
    confirm: &str,
    ip: Option<String>,
) -> Result<()> {
    let password = Password::parse(password)?;
    if password.expose() != confirm {
        return Err(Error::validation("confirm", "The two passwords do not match."));
    }
    // Only the "Choose a password" step may set one: the organization must use passwords and
    // the client must have none (new, or just signed in with a reset link, which cleared it).
    // So a session alone never sets or changes a password; changing one takes a fresh proof.
    let c = clients::find(&portico.db, org, client_id).await?;
    if !needs_password(&portico.db, org.0, &c).await? {
        return Err(Error::Forbidden);
    }
    let hash = hash_password(password).await?;
    let txn = portico.begin().await?;
    let c = clients::find(&txn, org, client_id).await?;
    if c.password_hash.is_some() {
        return Err(Error::Forbidden);
    }
    let mut active: client::ActiveModel = c.into();
    active.password_hash = Set(Some(hash));
    active.update(&txn).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: org.0,
            actor: Actor::Client(client_id.0),
            subject_kind: "client",
            subject_id: client_id.0,
            event: "password.set",
            detail: "Chose a portal password".into(),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Signs a client in with email and password on the portal's sign-in page. Unknown
/// addresses cost the same work and get the same answer as a wrong password.
pub async fn sign_in(
    portico: &Portico,
    org_slug: &str,
    email: &str,
    password: &str,
    ip: Option<String>,
) -> Result<SecretToken> {
    let wrong = || Error::validation("password", "That email and password do not match.");
    let org = crate::portal::organization(&portico.db, org_slug).await?;
    // A password chosen while the organization used passwords stops opening the portal when it
    // switches to one-time codes (the same answer for every address: it depends on the setting).
    if crate::settings::client_sign_in(&org) != crate::model::ClientSignIn::Password {
        return Err(Error::validation(
            "password",
            format!("{} signs clients in with a one-time code by email, not a password.", org.name),
        ));
    }
    let found = match EmailAddress::parse(email) {
        Ok(email) => clients::active_by_email(&portico.db, org.id, &email).await?,
        Err(_) => None,
    };
    let stored = found.as_ref().and_then(|c| c.password_hash.clone());
    let matches = password_matches(stored.clone(), password).await?;
    let Some(c) = found.filter(|_| matches && stored.is_some()) else {
        return Err(wrong());
    };
    let txn = portico.begin().await?;
    let mut active: client::ActiveModel = c.clone().into();
    active.last_sign_in_at = Set(Some(now()));
    active.update(&txn).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: org.id,
            actor: Actor::Client(c.id),
            subject_kind: "client",
            subject_id: c.id,
            event: "password.sign_in",
            detail: "Signed in with a password".into(),
            ip: ip.clone(),
        },
    )
    .await?;
    let session = sessions::start(&txn, OrgId(org.id), sessions::Holder::Client(ClientId(c.id)), ip).await?;
    txn.commit().await?;
    Ok(session)
}

/// "Forgot password": emails a reset link. Answers the same for every address.
pub async fn request_reset(portico: &Portico, org_slug: &str, email: &str, ip: Option<String>) -> Result<()> {
    magic_links::request_link_by_email(portico, Some(org_slug), email, &magic_links::Requested::PASSWORD_RESET, ip)
        .await
}
