//! The outbox: each message sent once even with two server processes on one PostgreSQL, and
//! real SMTP delivery (MailDev) when the test command provides one.

use std::time::Duration;

use crate::common::{Backend, spawn_app, spawn_app_with, test_config};
use portico_core::{entities::outbox_message, outbox};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_postgres_send_each_message_once() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Twin Senders", "owner@twins.test").await;
    let project = app.create_project(&staff, "Bulk").await;
    // A second "process": its own pool and its own workers on the same database.
    let url = app.state.portico.db.get_postgres_connection_pool().connect_options().get_database().map(str::to_string);
    let server = crate::common::postgres_server().unwrap();
    let second = portico_server::prepare(&test_config(&format!("{server}/{}", url.unwrap()), None)).await.unwrap();
    for _ in 0..3 {
        portico_server::spawn_outbox_worker(&second.state, outbox::Transport::Captured);
    }
    for i in 0..40 {
        let res = app.invite(&staff, project, &format!("Client {i}"), &format!("c{i}@twins.test")).await;
        assert!(res.status().is_success());
    }
    for i in 0..40 {
        app.wait_for_mail(&format!("c{i}@twins.test"), 1).await;
    }
    let all = outbox_message::Entity::find().all(&app.state.portico.db).await.unwrap();
    assert_eq!(all.len(), 40);
    // Each claim counts an attempt: a message claimed twice would show 2.
    assert!(
        all.iter().all(|m| m.attempts == 1 && m.status == "captured"),
        "{:?}",
        all.iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_is_delivered_over_smtp_with_html_and_text() {
    let (Some(smtp), Some(api)) =
        (crate::common::required_in_ci("PORTICO_TEST_SMTP"), crate::common::required_in_ci("PORTICO_TEST_MAILDEV_API"))
    else {
        eprintln!("PORTICO_TEST_SMTP / PORTICO_TEST_MAILDEV_API not set: skipped");
        return;
    };
    let app = spawn_app_with(Backend::Sqlite, Some(format!("smtp://{smtp}"))).await.unwrap();
    let staff = app.owner("Mail Masters", "owner@mail.test").await;
    let project = app.create_project(&staff, "Roof").await;
    let to = format!("smtp-{}@client.test", portico_core::secrets::random_hex16());
    assert!(app.invite(&staff, project, "Sid", &to).await.status().is_success());
    let sent = app.wait_for_mail(&to, 1).await;
    assert_eq!(sent[0].status, "sent", "last error: {:?}", sent[0].last_error);

    let http = reqwest::Client::new();
    let mut found = None;
    for _ in 0..100 {
        let mails: Vec<serde_json::Value> =
            http.get(format!("{api}/email")).send().await.unwrap().json().await.unwrap();
        found = mails.into_iter().find(|m| m["to"][0]["address"].as_str() == Some(to.as_str()));
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mail = found.expect("MailDev received the invitation");
    assert_eq!(mail["from"][0]["name"], "Mail Masters");
    assert_eq!(mail["subject"], "Olivia Owner invited you to Roof");
    assert!(mail["text"].as_str().unwrap().contains("http://portal.test/invite/"));
    assert!(mail["html"].as_str().unwrap().contains("Roof"));
    let stored = outbox_message::Entity::find()
        .filter(outbox_message::Column::Recipient.eq(&to))
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        mail["messageId"].as_str().map(|s| format!("<{}>", s.trim_matches(['<', '>']))),
        Some(stored.message_id)
    );
}
