//! Server functions for projects.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{ProjectDetail, ProjectSummary};

use crate::error::AppError;

#[server(output = Postcard)]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::projects::list(&crate::server::portico()?, &staff).await?)
}

/// "Create project": its name, its customer (one of the list or a new one named here) and
/// how it is billed.
#[server(output = Postcard)]
pub async fn create_project(
    name: String,
    #[server(default)] customer: String,
    #[server(default)] new_customer: String,
    #[server(default)] customer_name: portico_core::model::BoxWords,
    #[server(default)] billing: String,
) -> Result<i64, AppError> {
    use portico_core::projects;
    let staff = crate::server::staff().await?;
    let new = projects::NewProject::parse([&name, &customer, &new_customer, &billing], customer_name.as_deref())?;
    let id = projects::create(&crate::server::portico()?, &staff, new, crate::server::client_ip()).await?;
    leptos_axum::redirect(&format!("/projects/{id}"));
    Ok(id.0)
}

/// "Save" on a project's Billing.
#[server(output = Postcard)]
pub async fn set_project_billing(project_id: i64, billing: String) -> Result<(), AppError> {
    use portico_core::{domain::ProjectId, projects};
    let staff = crate::server::staff().await?;
    let billing = projects::parse_billing(&billing)?;
    projects::set_billing(&crate::server::portico()?, &staff, ProjectId(project_id), billing).await?;
    Ok(())
}

#[server(output = Postcard)]
pub async fn load_project(id: i64) -> Result<ProjectDetail, AppError> {
    use portico_core::{domain::ProjectId, projects};
    let staff = crate::server::staff().await?;
    Ok(projects::detail(&crate::server::portico()?, &staff, ProjectId(id)).await?)
}
