//! Project updates: staff post Markdown to a project; its joined clients who may see updates
//! read it in the portal (raw HTML shown as text) and, when staff ask, get it by email through
//! a job; other clients, projects and organizations get nothing.

use portico_app::{
    portal::{LoadPortalHome, LoadPortalProject},
    updates::{LoadProjectUpdates, PostUpdate},
};
use portico_core::{
    entities::{client, client_profile, job, project_update},
    model::{Permission, Permissions, PortalHome, PortalProjectPage, Posted, ProjectUpdates},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::common::{Answer, Backend, error_of, spawn_app};

const HOSTILE: &str =
    "**Filed** <script>alert(1)</script> [pay here](javascript:alert(1)) <img src=x onerror=alert(2)>";

async fn updates_end_to_end(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("News & Co", "owner@news.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let other_project = app.create_project(&staff, "Payroll").await;
    let p = project.to_string();
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test"), ("Dora", "dora@client.test")] {
        assert!(app.invite(&staff, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;
    // Dora is invited, not joined: she is not emailed updates.

    // Cleo's profile shows tasks only.
    let cleo_row =
        client::Entity::find().filter(client::Column::Email.eq("cleo@client.test")).one(db).await.unwrap().unwrap();
    let tasks_only = client_profile::ActiveModel {
        org_id: Set(cleo_row.org_id),
        name: Set("Tasks only".into()),
        permissions: Set(Permissions::default().with(Permission::ViewTasks).keys()),
        is_default: Set(false),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut cleo_update: client::ActiveModel = cleo_row.into();
    cleo_update.profile_id = Set(Some(tasks_only.id));
    cleo_update.update(db).await.unwrap();

    // Bad input: a clear message, nothing posted.
    for (body, message) in [
        ("   ", "Write the update."),
        ("Bell \u{7} here", "The update cannot contain control characters."),
        (&"x".repeat(20_001), "The update can be at most 20000 characters."),
    ] {
        let res = app.call::<PostUpdate>(&staff, &[("project_id", &p), ("body", body)]).await;
        let (status, error) = error_of(res).await;
        assert_eq!(status, 422, "{message}");
        assert_eq!(error.for_field("body").as_deref(), Some(message));
    }
    assert_eq!(project_update::Entity::find().count(db).await.unwrap(), 0);

    // Posted and emailed: a job for the joined clients who may see updates (Carl; not Cleo,
    // whose profile does not show them, nor Dora, who has not joined).
    let res = app.call::<PostUpdate>(&staff, &[("project_id", &p), ("body", HOSTILE), ("email_clients", "on")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let posted: Posted = res.decoded().await;
    assert_eq!((posted.email_requested, posted.recipients), (true, 1));
    let job = app.wait_for_job(&staff, posted.email_job_id.expect("an email job")).await;
    assert_eq!((job.job.total, job.job.done, job.job.skipped, job.job.failed), (1, 1, 0, 0));
    assert_eq!(job.job.title, "Email the update in Year end: 1 client");
    // Carl had his invitation and his code; the update is the third.
    let mail = app.wait_for_mail("carl@client.test", 3).await;
    let update_mail: Vec<_> = mail.iter().filter(|m| m.topic == "update").collect();
    assert_eq!(update_mail.len(), 1);
    assert_eq!(update_mail[0].subject, "New update in Year end");
    assert!(update_mail[0].body_html.contains("<strong>Filed</strong>"), "{}", update_mail[0].body_html);
    assert!(update_mail[0].body_html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for absent in ["<script>", "javascript:", "<img"] {
        assert!(!update_mail[0].body_html.contains(absent), "{absent} in {}", update_mail[0].body_html);
    }
    assert!(update_mail[0].body_text.contains(&format!("/portal/projects/{project}")));
    for other in ["cleo@client.test", "dora@client.test"] {
        assert!(app.mail_to(other).await.iter().all(|m| m.topic != "update"), "{other} got the update");
    }
    // Asked to email a project nobody has joined: posted, no job, and the answer says so.
    let jobs_before = job::Entity::find().count(db).await.unwrap();
    let res = app
        .call::<PostUpdate>(
            &staff,
            &[("project_id", &other_project.to_string()), ("body", "Payroll news"), ("email_clients", "on")],
        )
        .await;
    let posted: Posted = res.decoded().await;
    assert_eq!((posted.email_requested, posted.email_job_id, posted.recipients), (true, None, 0));
    assert_eq!(job::Entity::find().count(db).await.unwrap(), jobs_before);

    // Posted without email: no job, nothing more sent.
    let res = app.call::<PostUpdate>(&staff, &[("project_id", &p), ("body", "Second: *all* filed")]).await;
    let posted: Posted = res.decoded().await;
    assert_eq!((posted.email_job_id, posted.recipients), (None, 0));

    // Staff see the project's feed, newest first, and which one was emailed.
    let list: ProjectUpdates = app.call::<LoadProjectUpdates>(&staff, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(list.total, 2);
    assert_eq!(list.updates[0].html, "<p>Second: <em>all</em> filed</p>");
    assert_eq!(list.updates[0].email_job_id, None);
    assert_eq!((list.updates[1].emailed, list.updates[1].email_job_id), (true, Some(job.job.id)));
    assert_eq!(list.updates[1].author_name.as_deref(), Some("Olivia Owner"));

    // Carl reads both, newest first, on the project page and on his home; Cleo reads none.
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.updates.len(), 2);
    assert_eq!(page.updates[0].html, "<p>Second: <em>all</em> filed</p>");
    assert!(page.updates.iter().all(|u| u.email_job_id.is_none() && u.posted_by.is_none()), "nor the team's ids");
    let home: PortalHome = app.call::<LoadPortalHome>(&carl, &[]).await.decoded().await;
    assert_eq!(
        home.latest_updates.iter().map(|u| (u.project_name.as_str(), u.id)).collect::<Vec<_>>(),
        page.updates.iter().map(|u| ("Year end", u.id)).collect::<Vec<_>>(),
        "only his project's"
    );
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&cleo, &[("project_id", &p)]).await.decoded().await;
    assert!(page.updates.is_empty());
    let home: PortalHome = app.call::<LoadPortalHome>(&cleo, &[]).await.decoded().await;
    assert!(home.latest_updates.is_empty());
    // A project Carl is not in: not found.
    let res = app.call::<LoadPortalProject>(&carl, &[("project_id", &other_project.to_string())]).await;
    assert_eq!(error_of(res).await.0, 404);

    // The page's HTML carries the update rendered, its raw HTML as text only.
    let html = carl.get(app.url(&format!("/portal/projects/{project}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<strong>Filed</strong>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert(1)") && !html.contains("javascript:alert") && !html.contains("<img src=x"));

    // Another organization's staff and clients, and clients calling staff's functions: refused.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let res = app.call::<LoadProjectUpdates>(&bob, &[("project_id", &p)]).await;
    assert_eq!(error_of(res).await.0, 404);
    let res = app.call::<PostUpdate>(&bob, &[("project_id", &p), ("body", "Smuggled")]).await;
    assert_eq!(error_of(res).await.0, 404);
    let res = app.call::<PostUpdate>(&carl, &[("project_id", &p), ("body", "From a client")]).await;
    assert_eq!(error_of(res).await.0, 401);
    assert_eq!(project_update::Entity::find().count(db).await.unwrap(), 3);
    assert_eq!(app.audit_events("update.posted").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_end_to_end_on_sqlite() {
    updates_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_end_to_end_on_postgres() {
    updates_end_to_end(Backend::Postgres).await;
}
