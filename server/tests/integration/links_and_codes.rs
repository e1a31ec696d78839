//! One-time codes and unusable links (SECURITY.md "Links and codes").

use crate::common::{Backend, TestApp, browser, error_of, spawn_app};
use portico_app::{
    client_access::{ContinueLink, VerifyCode},
    error::AppError,
    invitations::CancelInvite,
};
use portico_core::{
    Error,
    entities::{invitation, one_time_code},
    verification,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

async fn invited(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let staff = app.owner("Codes Co", &format!("owner+{email}")).await;
    let project = app.create_project(&staff, "Tax return").await;
    assert!(app.invite(&staff, project, "Cody", email).await.status().is_success());
    let link = app.invitation_link(email).await;
    (staff, link)
}

async fn continue_with(app: &TestApp, client: &reqwest::Client, link: &str) -> reqwest::Response {
    app.call::<ContinueLink>(client, &[("kind", "Invitation"), ("token", link.trim_start_matches("/invite/"))]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_lock_the_code_and_a_new_code_is_needed() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (_, link) = invited(&app, "cody@client.test").await;
    let client = browser();
    assert!(continue_with(&app, &client, &link).await.status().is_success());
    app.wait_for_mail("cody@client.test", 2).await;
    let code = app.latest_code("cody@client.test").await;
    let wrong = if code == "999999" { "888888" } else { "999999" };
    let mut messages = Vec::new();
    for _ in 0..5 {
        let (_, e) = error_of(app.call::<VerifyCode>(&client, &[("code", wrong)]).await).await;
        messages.push(e.to_string());
    }
    assert_eq!(messages[0], "That code is not right. 4 attempts left.");
    assert_eq!(messages[3], "That code is not right. 1 attempt left.");
    assert!(messages[4].contains("no attempts left"));
    // Even the right code no longer works: the code is spent.
    let (status, e) = error_of(app.call::<VerifyCode>(&client, &[("code", &code)]).await).await;
    assert_eq!(status, 422);
    assert!(e.to_string().contains("Send a new code"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_code_is_refused_next_to_the_field() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (_, link) = invited(&app, "mal@client.test").await;
    let client = browser();
    continue_with(&app, &client, &link).await;
    for bad in ["12ab56", "123", ""] {
        let (status, e) = error_of(app.call::<VerifyCode>(&client, &[("code", bad)]).await).await;
        assert_eq!(status, 422);
        assert_eq!(e.for_field("code").as_deref(), Some("Enter the 6-digit code from the email."));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_link_stops_working_at_once() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (staff, link) = invited(&app, "cancel@client.test").await;
    let inv = invitation::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    let res = app.call::<CancelInvite>(&staff, &[("invitation_id", &inv.id.to_string())]).await;
    assert!(res.status().is_success());
    let page = browser().get(app.url(&link)).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("This link can no longer be used"));
    let (status, e) = error_of(continue_with(&app, &browser(), &link).await).await;
    assert_eq!((status, e), (404, AppError::NotFound));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_link_shows_the_same_page_as_an_unknown_one() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (_, link) = invited(&app, "late@client.test").await;
    let inv = invitation::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    app.expire(inv).await;

    let expired = browser().get(app.url(&link)).send().await.unwrap();
    let unknown = browser().get(app.url(&format!("/invite/{}", "A".repeat(43)))).send().await.unwrap();
    assert_eq!((expired.status().as_u16(), unknown.status().as_u16()), (404, 404));
    let (expired, unknown) = (expired.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(expired.contains("This link can no longer be used"));
    assert!(unknown.contains("This link can no longer be used"));
    let (status, _) = error_of(continue_with(&app, &browser(), &link).await).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_sign_in_answers_the_same_for_known_and_unknown_emails_and_leads_to_the_code_step() {
    use portico_app::client_access::RequestSignInLink;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (_, _) = invited(&app, "back@client.test").await;
    let slug = "codes-co";
    let client = browser();
    let known = app.call::<RequestSignInLink>(&client, &[("slug", slug), ("email", "back@client.test")]).await;
    let unknown = app.call::<RequestSignInLink>(&client, &[("slug", slug), ("email", "nobody@client.test")]).await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(app.mail_to("nobody@client.test").await.is_empty());

    let mail = app.wait_for_mail("back@client.test", 2).await;
    let sign_in = mail.iter().find(|m| m.topic == "sign_in_link").expect("a sign-in link email");
    let link = crate::common::link_in(&sign_in.body_text, "/sign-in-link/");
    let page = client.get(app.url(&link)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sign in to Codes Co"));
    let res = app
        .call::<ContinueLink>(&client, &[("kind", "SignIn"), ("token", link.trim_start_matches("/sign-in-link/"))])
        .await;
    assert!(res.status().is_success());
    app.wait_for_mail("back@client.test", 3).await;
    let code = app.latest_code("back@client.test").await;
    assert!(app.call::<VerifyCode>(&client, &[("code", &code)]).await.status().is_success());
    let portal = client.get(app.url("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(portal.contains("Welcome, Cody"));
}

/// Guesses at one code that arrive together are counted one at a time, and only counted
/// guesses are compared: of 12 wrong guesses at once exactly 5 are answered as wrong and 7 told
/// the attempts are used up; of 6 copies of the right code at once exactly one signs in (one
/// attempt) and 5 are told the code is used; of 11 wrong guesses and the right code at once,
/// every guess compared was counted (5 at most), wherever the right code is. A locked invitation's right code is neither
/// compared nor counted.
async fn guesses_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let portico = app.state.portico.clone();
    let wrong_for = |code: &str| if code == "999999" { "888888".to_string() } else { "999999".to_string() };
    // (address, copies of the right code, wrong guesses, where the right code goes among them)
    for (email, rights, wrongs, at) in [
        ("wrong@client.test", 0, 12, 0),
        ("right@client.test", 6, 0, 0),
        ("early@client.test", 1, 11, 2),
        ("late@client.test", 1, 11, 6),
    ] {
        let (_, link) = invited(&app, email).await;
        let started =
            verification::continue_invitation(&portico, link.trim_start_matches("/invite/"), None).await.unwrap();
        app.wait_for_mail(email, 2).await;
        let code = app.latest_code(email).await;
        // Sent in this order; on SQLite they take the writer's turn in it (a fair queue), so
        // the early right code signs in and the late one finds the attempts used up.
        let mut guesses = vec![wrong_for(&code); wrongs];
        guesses.splice(at..at, std::iter::repeat_n(code.clone(), rights));
        let answers = futures::future::join_all(guesses.into_iter().map(|guess| {
            let (portico, verification) = (portico.clone(), started.verification.expose().to_string());
            async move { verification::verify(&portico, &verification, &guess, None).await.map(|_| ()) }
        }))
        .await;
        let said = |text: &str| answers.iter().filter(|a| matches!(a, Err(e) if e.to_string().contains(text))).count();
        let signed_in = answers.iter().filter(|a| a.is_ok()).count();
        let row = one_time_code::Entity::find()
            .filter(one_time_code::Column::VerificationHash.eq(started.verification.hash()))
            .one(&portico.db)
            .await
            .unwrap()
            .unwrap();
        match (rights, wrongs) {
            (0, _) => {
                assert_eq!(said("That code is not right"), 5, "{answers:?}");
                assert_eq!(said("Too many wrong attempts for this code. Send a new code."), 7, "{answers:?}");
                assert_eq!(row.attempts, 5);
                let inv = invitation::Entity::find_by_id(row.invitation_id.unwrap()).one(&portico.db).await;
                assert_eq!(inv.unwrap().unwrap().failed_attempts, 5, "each answered wrong guess counted once");
                // The right code after them is refused as well, and not counted.
                let late = verification::verify(&portico, started.verification.expose(), &code, None).await;
                assert!(
                    matches!(&late, Err(Error::Validation { field: "code", message })
                        if message == "Too many wrong attempts for this code. Send a new code."),
                    "{:?}",
                    late.map(|_| ())
                );
                let row = one_time_code::Entity::find_by_id(row.id).one(&portico.db).await.unwrap().unwrap();
                assert_eq!((row.attempts, row.consumed_at), (5, None));
            }
            (_, 0) => {
                assert_eq!(signed_in, 1, "{answers:?}");
                assert_eq!(said("This code has expired. Send a new code."), 5, "{answers:?}");
                assert_eq!(row.attempts, 1, "the sign-in counts once");
                assert!(row.consumed_at.is_some());
            }
            _ => {
                // Every guess compared was counted, and no more than 5 were.
                let compared = said("That code is not right") + signed_in;
                assert_eq!(compared, row.attempts as usize, "{answers:?}");
                assert!((1..=5).contains(&compared), "{answers:?}");
                assert_eq!(
                    compared + said("Too many wrong attempts") + said("This code has expired"),
                    12,
                    "each guess has one of the four answers: {answers:?}"
                );
                assert_eq!(row.consumed_at.is_some(), signed_in == 1);
            }
        }
    }

    // A locked invitation: its right code gets the lock's notice, and the code is untouched.
    let (_, link) = invited(&app, "locked@client.test").await;
    let started = verification::continue_invitation(&portico, link.trim_start_matches("/invite/"), None).await.unwrap();
    app.wait_for_mail("locked@client.test", 2).await;
    let code = app.latest_code("locked@client.test").await;
    invitation::Entity::update_many()
        .col_expr(invitation::Column::LockedAt, sea_orm::sea_query::Expr::value(chrono::Utc::now()))
        .filter(invitation::Column::Email.eq("locked@client.test"))
        .exec(&portico.db)
        .await
        .unwrap();
    // As `lock_invitation` does: the stored access state follows.
    let inv = invitation::Entity::find()
        .filter(invitation::Column::Email.eq("locked@client.test"))
        .one(&portico.db)
        .await
        .unwrap()
        .unwrap();
    portico_core::access::refresh(&portico.db, inv.client_id, inv.project_id).await.unwrap();
    let answer = verification::verify(&portico, started.verification.expose(), &code, None).await.map(|_| ());
    assert!(
        matches!(&answer, Err(Error::Conflict(notice)) if notice.starts_with("This invitation was locked after too many wrong codes")),
        "{answer:?}"
    );
    let row = one_time_code::Entity::find()
        .filter(one_time_code::Column::VerificationHash.eq(started.verification.hash()))
        .one(&portico.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.attempts, row.consumed_at), (0, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_at_once_are_counted_one_at_a_time_on_sqlite() {
    guesses_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_at_once_are_counted_one_at_a_time_on_postgres() {
    guesses_at_once(Backend::Postgres).await;
}
