//! Tenant isolation, request protections and bad input: clear answers, nothing changed.

mod common;

use common::{Backend, browser, error_of, spawn_app};
use portico_app::{
    error::AppError,
    invitations::{CancelInvite, LoadPortalAccess, ResendInvite, SendInvite},
    mailbox::LoadMessage,
    projects::LoadProject,
};
use portico_core::entities::{client, invitation, outbox_message};
use sea_orm::{EntityTrait, PaginatorTrait};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_of_another_organization_get_404_and_change_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let alice = app.owner("Alpha", "alice@alpha.test").await;
    let project = app.create_project(&alice, "Alpha secret").await;
    assert!(app.invite(&alice, project, "Carl", "carl@client.test").await.status().is_success());
    app.wait_for_mail("carl@client.test", 1).await;
    let inv = invitation::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    let carl = client::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    let message = outbox_message::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    let before = (
        invitation::Entity::find().all(&app.state.portico.db).await.unwrap(),
        outbox_message::Entity::find().count(&app.state.portico.db).await.unwrap(),
    );

    let bob = app.owner("Beta", "bob@beta.test").await;
    let (p, i, c, m) = (project.to_string(), inv.id.to_string(), carl.id.to_string(), message.id.to_string());
    let attempts = [
        app.call::<LoadProject>(&bob, &[("id", &p)]).await,
        app.call::<LoadPortalAccess>(&bob, &[("project_id", &p)]).await,
        app.invite(&bob, project, "Mallory", "mallory@evil.test").await,
        app.call::<SendInvite>(&bob, &[("project_id", &p), ("client_id", &c)]).await,
        app.call::<ResendInvite>(&bob, &[("invitation_id", &i)]).await,
        app.call::<CancelInvite>(&bob, &[("invitation_id", &i)]).await,
        app.call::<LoadMessage>(&bob, &[("id", &m)]).await,
    ];
    for res in attempts {
        let (status, error) = error_of(res).await;
        assert_eq!((status, error), (404, AppError::NotFound));
    }
    // Bob inviting Alpha's contact id into his own project must not find it either.
    let bobs = app.create_project(&bob, "Beta work").await.to_string();
    let (status, _) = error_of(app.call::<SendInvite>(&bob, &[("project_id", &bobs), ("client_id", &c)]).await).await;
    assert_eq!(status, 422);

    let html_version = format!("/mailbox/{m}/html");
    assert_eq!(bob.get(app.url(&html_version)).send().await.unwrap().status(), 404);
    assert_eq!(browser().get(app.url(&html_version)).send().await.unwrap().status(), 401);
    let own = alice.get(app.url(&html_version)).send().await.unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.headers().get("content-security-policy").unwrap().to_str().unwrap().starts_with("sandbox"));
    assert!(own.text().await.unwrap().contains("Alpha secret"));

    let page = bob.get(app.url(&format!("/projects/{project}/portal"))).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let after = (
        invitation::Entity::find().all(&app.state.portico.db).await.unwrap(),
        outbox_message::Entity::find().count(&app.state.portico.db).await.unwrap(),
    );
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_visitors_are_sent_to_sign_in_and_server_functions_refuse() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.owner("Gamma", "g@gamma.test").await;
    let anon = browser();
    for path in ["/", "/projects", "/mailbox"] {
        let res = anon.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 302, "{path}");
        assert_eq!(res.headers().get("location").unwrap(), "/sign-in", "{path}");
    }
    let (status, e) = error_of(app.call::<LoadProject>(&anon, &[("id", "1")]).await).await;
    assert_eq!((status, e), (401, AppError::Unauthorized));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_posts_are_refused() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Delta", "d@delta.test").await;
    let res = staff
        .post(app.url(<portico_app::projects::CreateProject as leptos::server_fn::ServerFn>::PATH))
        .header("origin", "https://evil.example")
        .form(&[("name", "Evil"), ("customer_name", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = staff
        .post(app.url(<portico_app::projects::CreateProject as leptos::server_fn::ServerFn>::PATH))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Evil"), ("customer_name", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_invite_input_gets_a_message_next_to_the_field_and_saves_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Epsilon", "e@eps.test").await;
    let project = app.create_project(&staff, "Garden").await;
    let cases = [
        ("Ann", "", "email", "Enter an email address."),
        ("Ann", "not-an-email", "email", "Enter an email address like name@example.com."),
        ("", "ann@client.test", "name", "Enter the client's name."),
        (&"x".repeat(201), "ann@client.test", "name", "Client's name can be at most 200 characters."),
    ];
    for (name, email, field, message) in cases {
        let (status, e) = error_of(app.invite(&staff, project, name, email).await).await;
        assert_eq!(status, 422);
        assert_eq!(e.for_field(field).as_deref(), Some(message), "{name:?} {email:?}");
    }
    let p = project.to_string();
    let (status, e) = error_of(
        app.call::<portico_app::invitations::InviteClient>(
            &staff,
            &[("project_id", &p), ("existing", ""), ("name", "Ann"), ("email", "ann@client.test"), ("phone", "12")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(e.for_field("phone").is_some());
    assert_eq!(client::Entity::find().count(&app.state.portico.db).await.unwrap(), 0, "nothing half-saved");

    // A double-submitted invite sends one invitation.
    assert!(app.invite(&staff, project, "Ann", "ann@client.test").await.status().is_success());
    let (status, e) = error_of(app.invite(&staff, project, "Ann", "ann@client.test").await).await;
    assert_eq!(status, 409);
    assert!(e.to_string().contains("already been invited"));
    assert_eq!(invitation::Entity::find().count(&app.state.portico.db).await.unwrap(), 1);

    // Unknown project.
    let (status, _) = error_of(app.invite(&staff, 999_999, "Ann", "x@client.test").await).await;
    assert_eq!(status, 404);
    let page = staff.get(app.url("/projects/999999")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let page = staff.get(app.url("/projects/not-a-number/portal")).send().await.unwrap();
    assert_eq!(page.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_when_the_database_does() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let res = browser().get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("x-content-type-options").unwrap(), "nosniff");
}
