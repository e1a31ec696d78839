//! Per-project customisation of a client's permissions: "Customize permissions for this user"
//! overrides the profile in one project only, "Copy permissions" gives it to other clients of
//! the project, "Remove Customization" returns to the profile; the portal, downloads and update
//! emails follow at once; members and other organizations change nothing.

use portico_app::{
    client_profiles::{CloneCustomization, CustomizePermissions, LoadCustomization, RemoveCustomization},
    portal::{LoadPortalHome, LoadPortalProject},
    tasks::CreateTask,
    updates::PostUpdate,
};
use portico_core::model::{ClientCustomization, Permission, PortalHome, PortalProjectPage, Posted};

use crate::{
    common::{Answer, Backend, TestApp, error_of, spawn_app},
    documents::{PDF, kept},
};

async fn page(app: &TestApp, who: &reqwest::Client, project: &str) -> PortalProjectPage {
    app.call::<LoadPortalProject>(who, &[("project_id", project)]).await.decoded().await
}

async fn customizations(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Custom Co", "owner@custom.test").await;
    let project = app.create_project(&owner, "Year end").await;
    let second = app.create_project(&owner, "Payroll").await;
    let (p, s) = (project.to_string(), second.to_string());
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test"), ("Dora", "dora@client.test")] {
        assert!(app.invite(&owner, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;
    assert!(app.invite(&owner, second, "Carl", "carl@client.test").await.status().is_success());
    // Carl accepts Payroll too.
    let link = app.invitation_link("carl@client.test").await;
    let carl_again = app.accept(&link, "carl@client.test").await;
    let id_of = |email: &'static str| {
        let app = &app;
        async move { app.invitation_of(email).await.client_id.to_string() }
    };
    let (carl_id, cleo_id, dora_id) =
        (id_of("carl@client.test").await, id_of("cleo@client.test").await, id_of("dora@client.test").await);
    let letter = kept(&app, &owner, &format!("/projects/{project}/documents"), "Letter.pdf", PDF).await;
    let payslip = kept(&app, &owner, &format!("/projects/{second}/documents"), "Payslip.pdf", PDF).await;
    let res = app.call::<CreateTask>(&owner, &[("project_id", &p), ("title", "Sign the letter")]).await;
    assert!(res.status().is_success());
    let download = |who: &reqwest::Client, id: i64| {
        let url = app.url(&format!("/portal/documents/{id}/download"));
        let who = who.clone();
        async move { who.get(url).send().await.unwrap().status().as_u16() }
    };

    // Before: the profile (the default, everything) applies everywhere.
    let c: ClientCustomization =
        app.call::<LoadCustomization>(&owner, &[("project_id", &p), ("client_id", &carl_id)]).await.decoded().await;
    assert_eq!((c.customized, c.profile_name.as_str(), c.may_change), (None, "Default", true));
    assert_eq!(c.peers.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["Cleo", "Dora"]);
    assert_eq!(c.other_clients, 2);
    assert_eq!(download(&carl, letter).await, 200);

    // Bad input: an unknown permission; nothing changes.
    let res = app
        .call::<CustomizePermissions>(
            &owner,
            &[("project_id", &p), ("client_id", &carl_id), ("permissions[]", "admin")],
        )
        .await;
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.for_field("permissions").as_deref()), (422, Some("Choose permissions from the list.")));
    // Copying before there is anything to copy.
    let res = app
        .call::<CloneCustomization>(&owner, &[("project_id", &p), ("client_id", &carl_id), ("to[]", &cleo_id)])
        .await;
    assert_eq!(error_of(res).await.0, 409);

    // Carl's permissions in Year end: tasks only. Documents and updates go there, not in Payroll.
    let res = app
        .call::<CustomizePermissions>(
            &owner,
            &[
                ("project_id", &p),
                ("client_id", &carl_id),
                ("permissions[]", "view_tasks"),
                ("permissions[]", "complete_tasks"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let mine = page(&app, &carl, &p).await;
    assert!(mine.permissions.allows(Permission::ViewTasks) && !mine.permissions.allows(Permission::ViewDocuments));
    assert!(mine.documents.is_empty() && mine.updates.is_empty());
    assert_eq!(mine.tasks.len(), 1);
    assert_eq!(download(&carl, letter).await, 404);
    let res =
        crate::documents::upload(&app, &carl, &format!("/portal/projects/{project}/documents"), "x.pdf", PDF).await;
    assert_eq!(res.status(), 403);
    let payroll = page(&app, &carl_again, &s).await;
    assert!(payroll.permissions.allows(Permission::ViewDocuments));
    assert_eq!(payroll.documents.len(), 1);
    assert_eq!(download(&carl, payslip).await, 200);
    // Cleo, in the same project, still sees the documents.
    assert_eq!(page(&app, &cleo, &p).await.documents.len(), 1);
    assert_eq!(download(&cleo, letter).await, 200);
    // An update emailed to Year end goes to Cleo, not to Carl (no View updates there); his
    // home shows Payroll's updates, not Year end's.
    let res = app.call::<PostUpdate>(&owner, &[("project_id", &p), ("body", "Filed"), ("email_clients", "on")]).await;
    let posted: Posted = res.decoded().await;
    assert_eq!(posted.recipients, 1);
    app.wait_for_job(&owner, posted.email_job_id.unwrap()).await;
    assert!(app.mail_to("carl@client.test").await.iter().all(|m| m.topic != "update"));
    assert!(app.mail_to("cleo@client.test").await.iter().any(|m| m.topic == "update"));
    assert!(
        app.call::<PostUpdate>(&owner, &[("project_id", &s), ("body", "Payroll news")]).await.status().is_success()
    );
    let home: PortalHome = app.call::<LoadPortalHome>(&carl, &[]).await.decoded().await;
    assert_eq!(home.latest_updates.iter().map(|u| u.project_name.as_str()).collect::<Vec<_>>(), ["Payroll"]);
    let c: ClientCustomization =
        app.call::<LoadCustomization>(&owner, &[("project_id", &p), ("client_id", &carl_id)]).await.decoded().await;
    assert_eq!(c.customized.map(|x| x.keys()).as_deref(), Some("view_tasks,complete_tasks"));

    // Copy permissions: to nobody, to a client of another project, then to Cleo.
    let res = app.call::<CloneCustomization>(&owner, &[("project_id", &p), ("client_id", &carl_id)]).await;
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.for_field("to").as_deref()), (422, Some("Choose the clients to copy these permissions to.")));
    let bob_owner = app.owner("Beta", "bob@beta.test").await;
    let beta_project = app.create_project(&bob_owner, "Theirs").await;
    assert!(app.invite(&bob_owner, beta_project, "Bea", "bea@beta.test").await.status().is_success());
    let bea_id = app.invitation_of("bea@beta.test").await.client_id.to_string();
    let res =
        app.call::<CloneCustomization>(&owner, &[("project_id", &p), ("client_id", &carl_id), ("to[]", &bea_id)]).await;
    assert_eq!(error_of(res).await.0, 422);
    let res = app
        .call::<CloneCustomization>(&owner, &[("project_id", &p), ("client_id", &carl_id), ("to[]", &cleo_id)])
        .await;
    let copied: u64 = res.decoded().await;
    assert_eq!(copied, 1);
    assert!(page(&app, &cleo, &p).await.documents.is_empty());
    assert_eq!(download(&cleo, letter).await, 404);
    let c: ClientCustomization =
        app.call::<LoadCustomization>(&owner, &[("project_id", &p), ("client_id", &dora_id)]).await.decoded().await;
    assert_eq!(c.customized, None, "Dora was not chosen");
    assert_eq!(
        c.peers.iter().map(|x| (x.name.as_str(), x.customized)).collect::<Vec<_>>(),
        [("Carl", true), ("Cleo", true)]
    );

    // A member sees, changes nothing.
    let member = app.member(&owner, "Mia", "mia@custom.test").await;
    let c: ClientCustomization =
        app.call::<LoadCustomization>(&member, &[("project_id", &p), ("client_id", &carl_id)]).await.decoded().await;
    assert!(!c.may_change);
    let args = [("project_id", p.as_str()), ("client_id", carl_id.as_str())];
    assert_eq!(error_of(app.call::<CustomizePermissions>(&member, &args).await).await.0, 403);
    let with_to = [("project_id", p.as_str()), ("client_id", carl_id.as_str()), ("to[]", dora_id.as_str())];
    assert_eq!(error_of(app.call::<CloneCustomization>(&member, &with_to).await).await.0, 403);
    assert_eq!(error_of(app.call::<RemoveCustomization>(&member, &args).await).await.0, 403);
    // Another organization: not found.
    assert_eq!(error_of(app.call::<LoadCustomization>(&bob_owner, &args).await).await.0, 404);
    assert_eq!(error_of(app.call::<CustomizePermissions>(&bob_owner, &args).await).await.0, 404);
    assert_eq!(error_of(app.call::<RemoveCustomization>(&bob_owner, &args).await).await.0, 404);
    // A client of the organization who is not on the project: not found.
    let outside = [("project_id", s.as_str()), ("client_id", cleo_id.as_str())];
    assert_eq!(error_of(app.call::<LoadCustomization>(&owner, &outside).await).await.0, 404);

    // Remove Customization: Carl's profile applies in Year end again; twice is a conflict.
    assert!(app.call::<RemoveCustomization>(&owner, &args).await.status().is_success());
    assert_eq!(page(&app, &carl, &p).await.documents.len(), 1);
    assert_eq!(download(&carl, letter).await, 200);
    assert_eq!(error_of(app.call::<RemoveCustomization>(&owner, &args).await).await.0, 409);
    assert!(page(&app, &cleo, &p).await.documents.is_empty(), "Cleo keeps her copy");
    assert_eq!(app.audit_events("client.permissions_customized").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customizations_on_sqlite() {
    customizations(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customizations_on_postgres() {
    customizations(Backend::Postgres).await;
}
