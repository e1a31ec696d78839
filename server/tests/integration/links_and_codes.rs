//! One-time codes and unusable links (SECURITY.md "Links and codes").

use crate::common::{Backend, TestApp, browser, error_of, spawn_app};
use portico_app::{
    client_access::{ContinueLink, VerifyCode},
    error::AppError,
    invitations::CancelInvite,
};
use portico_core::entities::invitation;
use sea_orm::EntityTrait;

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
