//! Server functions for staff accounts.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::Viewer;

use crate::error::AppError;

/// Who is signed in (staff or client), or `None`.
#[server(output = Postcard)]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::server::principal;
    use portico_core::sessions::Principal;
    Ok(principal().await?.map(|p| match p {
        Principal::Staff(s) => Viewer::Staff {
            manages_organization: s.role.manages_organization(),
            role: s.role.as_str().into(),
            name: s.name,
            org_name: s.org_name,
        },
        Principal::Client(c) => Viewer::Client { name: c.name, org_name: c.org_name, org_slug: c.org_slug },
    }))
}

/// Whether "Create your organization" is available.
#[server(output = Postcard)]
pub async fn signup_open() -> Result<bool, AppError> {
    let state = crate::server::state()?;
    Ok(portico_core::accounts::signup_open(&state.portico, state.open_signup).await?)
}

#[server(output = Postcard)]
pub async fn create_organization(
    organization_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{SESSION_COOKIE, client_ip, state, write_cookie};
    use portico_core::{accounts, domain::OrgId, sessions};
    let state = state()?;
    if !accounts::signup_open(&state.portico, state.open_signup).await? {
        return Err(portico_core::Error::Forbidden.into());
    }
    let new = accounts::NewOrganization::parse(&organization_name, &name, &email, &password)?;
    let owner = accounts::create_organization(&state.portico, new).await?;
    let staff = accounts::load_staff(&state.portico, owner).await?;
    let session =
        sessions::start(&state.portico.db, OrgId(staff.org_id.0), sessions::Holder::Staff(owner), client_ip()).await?;
    write_cookie(SESSION_COOKIE, Some(session.expose()));
    leptos_axum::redirect("/");
    Ok(())
}

#[server(output = Postcard)]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::{
        rate_limits::Scope,
        server::{SESSION_COOKIE, client_ip, limit, portico, write_cookie},
    };
    use portico_core::{accounts, domain::safe_next, sessions};
    limit(Scope::StaffSignIn, &[&email])?;
    let portico = portico()?;
    let user = accounts::verify_staff_password(&portico, &email, &password).await?;
    let staff = accounts::load_staff(&portico, user).await?;
    // A new session id on every sign-in; any cookie the browser had is replaced.
    let session = sessions::start(&portico.db, staff.org_id, sessions::Holder::Staff(user), client_ip()).await?;
    write_cookie(SESSION_COOKIE, Some(session.expose()));
    // Back to the page that asked for sign-in, but only ever to one of our own pages.
    leptos_axum::redirect(next.as_deref().and_then(safe_next).unwrap_or("/"));
    Ok(())
}

/// Signs out staff or clients: the session is deleted server-side and the cookie cleared.
#[server(output = Postcard)]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{SESSION_COOKIE, portico, read_cookie, write_cookie};
    let destination = match crate::server::principal().await? {
        Some(portico_core::sessions::Principal::Client(c)) => format!("/p/{}", c.org_slug),
        _ => "/sign-in".to_string(),
    };
    if let Some(token) = read_cookie(SESSION_COOKIE) {
        portico_core::sessions::end(&portico()?, &token).await?;
    }
    write_cookie(SESSION_COOKIE, None);
    leptos_axum::redirect(&destination);
    Ok(())
}
