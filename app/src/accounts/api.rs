//! Server functions for staff accounts.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::Viewer;

use crate::error::AppError;

/// Who is signed in (staff or client), or `None`.
#[server(output = Postcard)]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::server::principal;
    use portico_core::sessions::Principal;
    Ok(principal().await?.and_then(|p| match p {
        Principal::Staff(s) => Some(Viewer::Staff {
            manages_organization: s.role.manages_organization(),
            role: s.role.as_str().into(),
            name: s.name,
            org_name: s.org_name,
        }),
        Principal::Client(c) => Some(Viewer::Client { name: c.name, org_name: c.org_name, org_slug: c.org_slug }),
        Principal::SwitchedOff(_) => None,
    }))
}

/// Whether "Create your organization" is available, whether this is a fresh install (no
/// organization yet), where every way in leads to it, and where staff who are signed in already
/// go instead of the sign-in form (Back after signing in, a bookmarked sign-in page).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Signup {
    pub open: bool,
    pub fresh_install: bool,
    pub signed_in_to: Option<String>,
}

/// `next`: where the sign-in was asked for (followed only to our own pages, as `sign_in` does).
#[server(output = Postcard)]
pub async fn signup_open(#[server(default)] next: String) -> Result<Signup, AppError> {
    use portico_core::{domain::safe_next, sessions::Principal};
    let state = crate::server::state()?;
    let fresh_install = portico_core::accounts::is_fresh_install(&state.portico).await?;
    let signed_in = matches!(crate::server::principal().await, Ok(Some(Principal::Staff(_))));
    let signed_in_to = signed_in.then(|| safe_next(&next).unwrap_or("/").to_string());
    Ok(Signup { open: fresh_install || state.open_signup, fresh_install, signed_in_to })
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
    if !(state.open_signup || accounts::is_fresh_install(&state.portico).await?) {
        return Err(portico_core::Error::Forbidden.into());
    }
    let new = accounts::NewOrganization::parse(&organization_name, &name, &email, &password)?;
    let owner = accounts::create_organization(&state.portico, new).await?;
    let staff = accounts::load_staff(&state.portico, owner).await?;
    let session =
        sessions::start(&state.portico.db, OrgId(staff.org_id.0), sessions::Holder::Staff(owner), client_ip()).await?;
    write_cookie(SESSION_COOKIE, Some(session.expose()));
    crate::server::remember_device(&email);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(output = Postcard)]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::{
        rate_limits::Scope,
        server::{SESSION_COOKIE, client_ip, known_device, limit, portico, remember_device, write_cookie},
    };
    use portico_core::{accounts, domain::safe_next, sessions};
    // Per IP, and per address from this IP; per address from anywhere only for browsers that
    // have not signed in to it before, so a stranger's guesses never lock the owner out.
    let address_here = format!("{}|{}", email.trim().to_lowercase(), client_ip().unwrap_or_default());
    limit(Scope::StaffSignIn, &[&address_here])?;
    if !known_device(&email) {
        limit(Scope::StaffSignInNewDevice, &[&email])?;
    }
    let portico = portico()?;
    let user = accounts::verify_staff_password(&portico, &email, &password).await?;
    remember_device(&email);
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
