//! The core loop over HTTP: staff invite a client; the client opens the link, continues,
//! enters the emailed code and lands in the portal. Run on SQLite and on PostgreSQL.

use crate::common::{Answer, Backend, TestApp, browser, error_of, spawn_app};
use portico_app::{
    client_access::{ContinueLink, VerifyCode},
    dashboard::LoadDashboard,
    error::AppError,
    projects::ListProjects,
};
use portico_core::entities::{client, invitation, one_time_code, project_client};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

async fn whole_flow(app: TestApp) {
    let staff = app.owner("Bright Builders", "owner@bright.test").await;
    let project = app.create_project(&staff, "Kitchen remodel").await;

    let dashboard: portico_core::model::Dashboard = app.call::<LoadDashboard>(&staff, &[]).await.decoded().await;
    assert_eq!((dashboard.invited, dashboard.joined), (0, 0));

    let res = app.invite(&staff, project, "Ada Client", "Ada@Client.test").await;
    assert!(res.status().is_success(), "invite: {}", res.status());
    let link = app.invitation_link("ada@client.test").await;
    let mail = app.mail_to("ada@client.test").await;
    assert_eq!(mail[0].from_name, "Bright Builders");
    assert_eq!(mail[0].subject, "Olivia Owner invited you to Kitchen remodel");
    assert!(mail[0].body_html.contains("Kitchen remodel"));

    let dashboard: portico_core::model::Dashboard = app.call::<LoadDashboard>(&staff, &[]).await.decoded().await;
    assert_eq!((dashboard.invited, dashboard.joined), (1, 0));
    app.create_project(&staff, "Empty shed").await;
    let projects: Vec<portico_core::model::ProjectSummary> =
        app.call::<ListProjects>(&staff, &[]).await.decoded().await;
    let counts: Vec<_> = projects.iter().map(|p| (p.name.as_str(), p.client_count)).collect();
    assert_eq!(counts, [("Empty shed", 0), ("Kitchen remodel", 1)], "newest first, clients counted per project");

    // The client, in their own browser.
    let client = browser();
    let page = client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers().get("referrer-policy").unwrap(), "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("Bright Builders invited you to Kitchen remodel"), "{html}");
    assert!(html.contains("Continue"));

    let token = link.trim_start_matches("/invite/");
    let res = app.call::<ContinueLink>(&client, &[("kind", "Invitation"), ("token", token)]).await;
    assert!(res.status().is_success(), "continue: {}", res.status());
    assert_eq!(res.headers().get("serverfnredirect").is_some() || res.headers().get("location").is_some(), true);
    app.wait_for_mail("ada@client.test", 2).await;
    let code = app.latest_code("ada@client.test").await;

    let verify_page = client.get(app.url("/portal/verify")).send().await.unwrap().text().await.unwrap();
    assert!(verify_page.contains("autocomplete=\"one-time-code\"") && verify_page.contains("inputmode=\"numeric\""));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, error) = error_of(app.call::<VerifyCode>(&client, &[("code", wrong)]).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        error,
        AppError::Validation { field: "code".into(), message: "That code is not right. 4 attempts left.".into() }
    );

    let res = app.call::<VerifyCode>(&client, &[("code", &code)]).await;
    assert!(res.status().is_success(), "verify: {}", res.status());

    let portal = client.get(app.url("/portal")).send().await.unwrap();
    assert_eq!(portal.status(), 200);
    let html = portal.text().await.unwrap();
    assert!(html.contains("Welcome, Ada Client") && html.contains("Kitchen remodel"), "{html}");

    let dashboard: portico_core::model::Dashboard = app.call::<LoadDashboard>(&staff, &[]).await.decoded().await;
    // The counts are the badges: Invited means waiting to accept, so Cora moved to Joined.
    assert_eq!((dashboard.invited, dashboard.joined, dashboard.other), (0, 1, 0));
    assert_eq!(dashboard.recent[0].status, portico_core::model::AccessStatus::Active);

    // The used link is dead now, and shows the one page for unusable links.
    let again = client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(again.status(), 404);
    assert!(again.text().await.unwrap().contains("This link can no longer be used"));

    // The project's first contact is its client; the next one is not (the invite works that
    // out as it writes the row).
    assert!(app.invite(&staff, project, "Bo Second", "bo@client.test").await.status().is_success());
    let mut primary: Vec<(String, bool)> = project_client::Entity::find()
        .find_also_related(client::Entity)
        .filter(project_client::Column::ProjectId.eq(project))
        .all(&app.state.portico.db)
        .await
        .unwrap()
        .into_iter()
        .map(|(row, c)| (c.unwrap().email, row.is_primary))
        .collect();
    primary.sort();
    assert_eq!(primary, [("ada@client.test".to_string(), true), ("bo@client.test".to_string(), false)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_gets_in_with_link_and_code_on_sqlite() {
    whole_flow(spawn_app(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_gets_in_with_link_and_code_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    whole_flow(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_link_three_times_with_get_and_head_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Scanners Inc", "owner@scan.test").await;
    let project = app.create_project(&staff, "Audit").await;
    app.invite(&staff, project, "Sam", "sam@client.test").await;
    let link = app.invitation_link("sam@client.test").await;
    let before = invitation::Entity::find().all(&app.state.portico.db).await.unwrap();
    let scanner = browser();
    for _ in 0..3 {
        let get = scanner.get(app.url(&link)).send().await.unwrap();
        assert_eq!(get.status(), 200);
        assert!(get.headers().get("set-cookie").is_none(), "GET must not set a cookie");
        let head = scanner.head(app.url(&link)).send().await.unwrap();
        assert!(head.headers().get("set-cookie").is_none(), "HEAD must not set a cookie");
    }
    let after = invitation::Entity::find().all(&app.state.portico.db).await.unwrap();
    assert_eq!(before, after, "the invitation is unchanged");
    assert_eq!(one_time_code::Entity::find().count(&app.state.portico.db).await.unwrap(), 0, "no code was created");
    assert_eq!(app.mail_to("sam@client.test").await.len(), 1, "nothing but the invitation was sent");
}
