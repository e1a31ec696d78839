//! Server functions for projects.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{ProjectDetail, ProjectSummary};

use crate::error::AppError;

#[server(output = Postcard)]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::projects::list(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn create_project(name: String, customer_name: String) -> Result<i64, AppError> {
    use portico_core::projects;
    let staff = crate::server::staff().await?;
    let new = projects::NewProject::parse(&name, &customer_name)?;
    let id = projects::create(&crate::server::portico()?, &staff, new).await?;
    leptos_axum::redirect(&format!("/projects/{id}"));
    Ok(id.0)
}

#[server(output = Postcard)]
pub async fn load_project(id: i64) -> Result<ProjectDetail, AppError> {
    use portico_core::{domain::ProjectId, projects};
    let staff = crate::server::staff().await?;
    Ok(projects::detail(&crate::server::portico()?, &staff, ProjectId(id)).await?)
}
