//! Server functions of the client sign-in flow. Opening a link only reads; "Continue" swaps
//! the link's token for a verification cookie and redirects to the clean `/portal/verify`.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{CodeStep, LinkKind, LinkLanding, PortalSignIn};

use crate::error::AppError;

/// What a link's page shows. Opening a link changes no status, sends nothing and sets no
/// cookie; an invitation only notes "Link opened" on its timeline.
#[server(output = Postcard)]
pub async fn open_link(kind: LinkKind, token: String) -> Result<LinkLanding, AppError> {
    use portico_core::verification;
    let portico = crate::server::portico()?;
    Ok(match kind {
        LinkKind::Invitation => verification::open_invitation(&portico, &token, crate::server::client_ip()).await?,
        LinkKind::SignIn => verification::open_sign_in_link(&portico, &token).await?,
    })
}

/// "Continue": sends a code (or, for a staff-issued magic link, signs in at once), keeps the verification in a cookie, redirects to the code step.
#[server(output = Postcard)]
pub async fn continue_link(kind: LinkKind, token: String) -> Result<(), AppError> {
    use crate::server::{VERIFICATION_COOKIE, client_ip, portico, write_cookie};
    use crate::{rate_limits::Scope, server::limit};
    use portico_core::verification;
    limit(Scope::ClientSignIn, &[])?;
    let portico = portico()?;
    let continued = match kind {
        LinkKind::Invitation => {
            verification::Continued::CodeSent(verification::continue_invitation(&portico, &token, client_ip()).await?)
        }
        LinkKind::SignIn => verification::continue_sign_in_link(&portico, &token, client_ip()).await?,
    };
    match continued {
        verification::Continued::CodeSent(started) => {
            write_cookie(VERIFICATION_COOKIE, Some(started.verification.expose()));
            leptos_axum::redirect("/portal/verify");
        }
        verification::Continued::SignedIn(verified) => {
            write_cookie(VERIFICATION_COOKIE, None);
            crate::server::start_client_session(verified.session.expose(), &verified.org_slug);
            leptos_axum::redirect(portal_entry(verified.needs_password));
        }
    }
    Ok(())
}

/// The code step of the verification under way in this browser.
#[server(output = Postcard)]
pub async fn load_code_step() -> Result<CodeStep, AppError> {
    use crate::server::{VERIFICATION_COOKIE, read_cookie};
    let verification = read_cookie(VERIFICATION_COOKIE).ok_or(AppError::Unauthorized)?;
    Ok(portico_core::verification::code_step(&crate::server::portico()?, &verification).await?)
}

#[server(output = Postcard)]
pub async fn verify_code(code: String) -> Result<(), AppError> {
    use crate::server::{VERIFICATION_COOKIE, client_ip, portico, read_cookie, write_cookie};
    crate::server::limit(crate::rate_limits::Scope::ClientSignIn, &[])?;
    let verification = read_cookie(VERIFICATION_COOKIE)
        .ok_or_else(|| portico_core::Error::validation("code", "This sign-in has timed out. Open your link again."))?;
    let verified = portico_core::verification::verify(&portico()?, &verification, &code, client_ip()).await?;
    write_cookie(VERIFICATION_COOKIE, None);
    crate::server::start_client_session(verified.session.expose(), &verified.org_slug);
    leptos_axum::redirect(portal_entry(verified.needs_password));
    Ok(())
}

#[server(output = Postcard)]
pub async fn send_new_code() -> Result<(), AppError> {
    use crate::server::{VERIFICATION_COOKIE, client_ip, portico, read_cookie, write_cookie};
    crate::server::limit(crate::rate_limits::Scope::CodeRequest, &[])?;
    let verification = read_cookie(VERIFICATION_COOKIE).ok_or(AppError::Unauthorized)?;
    let started = portico_core::verification::resend_code(&portico()?, &verification, client_ip()).await?;
    write_cookie(VERIFICATION_COOKIE, Some(started.verification.expose()));
    Ok(())
}

/// Where a freshly signed-in client goes: the portal, or first the choose-a-password step.
#[cfg(feature = "ssr")]
fn portal_entry(needs_password: bool) -> &'static str {
    if needs_password { "/portal/password" } else { "/portal" }
}

#[server(output = Postcard)]
pub async fn load_portal_sign_in(slug: String) -> Result<PortalSignIn, AppError> {
    use portico_core::sessions::Principal;
    // Only to send a signed-in client on: a failed session lookup still shows the form.
    let signed_in_to = match crate::server::principal().await.ok().flatten() {
        Some(Principal::Client(client)) => Some(client.org_id),
        _ => None,
    };
    Ok(portico_core::portal::sign_in_page(&crate::server::portico()?, &slug, signed_in_to).await?)
}

/// Email and password, for portals whose clients set a password on activation.
#[server(output = Postcard)]
pub async fn sign_in_client(slug: String, email: String, password: String) -> Result<(), AppError> {
    use crate::server::{client_ip, limit, portico, start_client_session};
    limit(crate::rate_limits::Scope::ClientSignIn, &[&email])?;
    let session = portico_core::client_passwords::sign_in(&portico()?, &slug, &email, &password, client_ip()).await?;
    start_client_session(session.expose(), &slug);
    leptos_axum::redirect("/portal");
    Ok(())
}

/// "Forgot password": answers the same for every address.
#[server(output = Postcard)]
pub async fn request_password_reset(slug: String, email: String) -> Result<(), AppError> {
    crate::server::limit(crate::rate_limits::Scope::CodeRequest, &[&email])?;
    portico_core::client_passwords::request_reset(
        &crate::server::portico()?,
        &slug,
        &email,
        crate::server::client_ip(),
    )
    .await?;
    Ok(())
}

/// "Save password" on the choose-a-password step.
#[server(output = Postcard)]
pub async fn set_client_password(password: String, confirm: String) -> Result<(), AppError> {
    let client = crate::server::portal_client().await?;
    portico_core::client_passwords::set(
        &crate::server::portico()?,
        client.org_id,
        client.client_id,
        &password,
        &confirm,
        crate::server::client_ip(),
    )
    .await?;
    leptos_axum::redirect("/portal");
    Ok(())
}

/// The portal's sign-in form, and (with an empty slug) the neutral "Sign in to your portal"
/// page, which asks every organization that knows the address. Answers the same for known and
/// unknown addresses.
#[server(output = Postcard)]
pub async fn request_sign_in_link(slug: String, email: String) -> Result<(), AppError> {
    use portico_core::verification;
    crate::server::limit(crate::rate_limits::Scope::CodeRequest, &[&email])?;
    let slug = Some(slug.trim()).filter(|s| !s.is_empty());
    verification::request_sign_in_link(&crate::server::portico()?, slug, &email, crate::server::client_ip()).await?;
    Ok(())
}

/// Where a signed-out client signs in: their portal's page when this browser knows it, else
/// the neutral "Sign in to your portal" page.
#[server(output = Postcard)]
pub async fn client_sign_in_path() -> Result<String, AppError> {
    Ok(crate::server::remembered_portal().map_or_else(|| "/portal/sign-in".to_string(), |slug| format!("/p/{slug}")))
}

/// "Request a new link" on the page of a link that can no longer be used. `true` only when the
/// team was told (an expired invitation's link); everything else answers the same `false`.
#[server(output = Postcard)]
pub async fn request_new_link(kind: LinkKind, token: String) -> Result<bool, AppError> {
    crate::server::limit(crate::rate_limits::Scope::CodeRequest, &[])?;
    if kind != LinkKind::Invitation {
        return Ok(false);
    }
    Ok(portico_core::link_requests::request(&crate::server::portico()?, &token, crate::server::client_ip()).await?)
}
