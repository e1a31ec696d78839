//! Signed-out visitors and bad input: clear answers, nothing changed. (Tenant isolation and
//! the request protections are in `security_rules`.)

use crate::common::{Backend, browser, error_of, spawn_app};
use portico_app::{error::AppError, projects::LoadProject};
use portico_core::entities::{client, invitation};
use sea_orm::{EntityTrait, PaginatorTrait};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_visitors_are_sent_to_sign_in_and_server_functions_refuse() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.owner("Gamma", "g@gamma.test").await;
    let anon = browser();
    for (path, to) in
        [("/", "/sign-in"), ("/projects", "/sign-in?next=/projects"), ("/mailbox", "/sign-in?next=/mailbox")]
    {
        let res = anon.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers().get("location").unwrap(), to, "{path}");
    }
    let (status, e) = error_of(app.call::<LoadProject>(&anon, &[("id", "1")]).await).await;
    assert_eq!((status, e), (401, AppError::Unauthorized));
}

/// The server sends every staff page whole, its status included, not the frame's "Loading…"
/// placeholder: a browser-only read inside the frame's suspense once made it give up on a
/// fraction of requests (a missing project then answered 200 instead of 404).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_pages_render_whole_on_the_server_every_time() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Zeta", "z@zeta.test").await;
    let project = app.create_project(&staff, "Orchard").await;
    for round in 0..15 {
        for (path, status, text) in [
            ("/".to_string(), 200, "Invited"),
            (format!("/projects/{project}"), 200, "Orchard"),
            ("/projects/999999".to_string(), 404, "We could not find that page"),
        ] {
            let res = staff.get(app.url(&path)).header("accept", "text/html").send().await.unwrap();
            assert_eq!(res.status(), status, "{path}, round {round}");
            let body = res.text().await.unwrap();
            assert!(body.contains("<main") && body.contains(text), "{path}, round {round}: {body}");
        }
    }
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
