//! Server functions for inviting clients to a project's portal.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{AccessPage, Contact, ProjectDetail};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalAccess {
    pub project: ProjectDetail,
    pub page: AccessPage,
}

/// How many contacts the "Existing contact" search offers at once.
pub const PICKER_LIMIT: u64 = 10;

/// The "Existing contact" search of the Invite client dialog: the organization's contacts not
/// on this project yet whose name or email contains `q` (the first ones by name when empty).
#[server(output = Postcard)]
pub async fn search_contacts(project_id: i64, #[server(default)] q: String) -> Result<Vec<Contact>, AppError> {
    use portico_core::{domain::ProjectId, invitations, paging::Search};
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    let search = Search::parse(&q)?;
    Ok(invitations::contacts_outside(&portico, &staff, ProjectId(project_id), search.as_ref(), PICKER_LIMIT).await?)
}

/// A page of Portal access: `status` (an `AccessStatus` key) and `q` filter it, `cursor` is a
/// sealed page cursor, `per` the page size (empty: the defaults).
#[server(output = Postcard)]
pub async fn load_portal_access(
    project_id: i64,
    #[server(default)] status: String,
    #[server(default)] q: String,
    #[server(default)] cursor: String,
    #[server(default)] per: String,
) -> Result<PortalAccess, AppError> {
    use portico_core::{
        domain::ProjectId,
        invitations::{self, AccessQuery},
    };
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    let id = ProjectId(project_id);
    let query = AccessQuery::parse(&portico.key, &staff, id, [&status, &q, &cursor, &per])?;
    let (project, page) = invitations::portal_access(&portico, &staff, id, &query).await?;
    Ok(PortalAccess { project, page })
}

/// "Send invite" in the Invite client dialog: an existing contact (its id in `existing`) or a
/// new one (name, email, optional phone), maybe with a digital form (`form_id`).
#[server(output = Postcard)]
pub async fn invite_client(
    project_id: i64,
    existing: String,
    name: String,
    email: String,
    phone: String,
    #[server(default)] form_id: String,
) -> Result<(), AppError> {
    use portico_core::{domain::ProjectId, invitations};
    let staff = crate::server::staff().await?;
    let form = match form_id.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| portico_core::Error::validation("form_id", "Choose a form from the list."))?,
        ),
    };
    let existing = match existing.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| portico_core::Error::validation("existing", "Choose a contact from the list."))?,
        ),
    };
    let target = invitations::InviteTarget::parse(existing, &name, &email, &phone)?;
    invitations::invite_with(
        &crate::server::portico()?,
        &staff,
        ProjectId(project_id),
        target,
        form,
        crate::server::client_ip(),
    )
    .await?;
    Ok(())
}

/// "Send invite" on a Not invited row.
#[server(output = Postcard)]
pub async fn send_invite(project_id: i64, client_id: i64) -> Result<(), AppError> {
    use portico_core::{
        domain::{ClientId, ProjectId},
        invitations,
    };
    let staff = crate::server::staff().await?;
    let target = invitations::InviteTarget::Existing(ClientId(client_id));
    invitations::invite(&crate::server::portico()?, &staff, ProjectId(project_id), target, crate::server::client_ip())
        .await?;
    Ok(())
}

#[server(output = Postcard)]
pub async fn resend_invite(invitation_id: i64) -> Result<(), AppError> {
    use portico_core::{domain::InvitationId, invitations};
    let staff = crate::server::staff().await?;
    crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    invitations::resend(&crate::server::portico()?, &staff, InvitationId(invitation_id), crate::server::client_ip())
        .await?;
    Ok(())
}

#[server(output = Postcard)]
pub async fn cancel_invite(invitation_id: i64) -> Result<(), AppError> {
    use portico_core::{domain::InvitationId, invitations};
    let staff = crate::server::staff().await?;
    invitations::cancel(&crate::server::portico()?, &staff, InvitationId(invitation_id), crate::server::client_ip())
        .await?;
    Ok(())
}

/// "Unlock" on a Locked row: the link works again, with a clean count of wrong codes.
#[server(output = Postcard)]
pub async fn unlock_invite(invitation_id: i64) -> Result<(), AppError> {
    use portico_core::{domain::InvitationId, invitations};
    let staff = crate::server::staff().await?;
    invitations::unlock(&crate::server::portico()?, &staff, InvitationId(invitation_id), crate::server::client_ip())
        .await?;
    Ok(())
}
