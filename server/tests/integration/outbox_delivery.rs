//! The outbox: each message sent once even with two server processes on one PostgreSQL, and
//! real SMTP delivery (MailDev) when the test command provides one.

use std::time::Duration;

use crate::common::{Backend, services_alone, spawn_app, spawn_app_with, test_config};
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
        portico_server::spawn_outbox_worker(&second.state, outbox::Transport::Captured, outbox::SENDERS);
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

/// An organization and `n` queued messages, straight through `outbox::enqueue`.
async fn queued(portico: &portico_core::Portico, n: usize) -> Vec<i64> {
    use portico_core::entities::organization;
    use sea_orm::{ActiveModelTrait, Set};
    let org = organization::ActiveModel {
        name: Set("Lease Co".into()),
        slug: Set(format!("lease-{}", portico_core::secrets::random_hex16())),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&portico.db)
    .await
    .unwrap();
    let txn = portico.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let mail = portico_core::mail::Rendered {
            subject: format!("Message {i}"),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
        };
        let m = outbox::Outgoing {
            org_id: org.id,
            topic: "notification",
            to: &format!("m{i}@lease.test"),
            from_name: "Lease Co",
            mail,
            invitation_id: None,
        };
        ids.push(outbox::enqueue(&*txn, portico, m).await.unwrap());
    }
    txn.commit().await.unwrap();
    ids
}

/// A send that outlives its lease: another worker claims the message again, and the first
/// worker's late result is dropped instead of overwriting the second's (the write is fenced
/// on the lease token).
async fn a_late_result_does_not_overwrite_a_later_claim(backend: Backend) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let Some((portico, _db)) = services_alone(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let [id] = queued(&portico, 1).await[..] else { unreachable!() };
    // A worker id as long as a server's (process id and a random part) and then some.
    let (first, mut first_claim) = outbox::claim(&portico, &format!("{}-first", "9".repeat(40)), 10).await.unwrap();
    assert_eq!(first_claim.len(), 1);
    // Nothing more is due while the lease holds.
    assert!(outbox::claim(&portico, "second", 10).await.unwrap().1.is_empty());
    // The first send is still going when its lease runs out; a second worker claims it.
    let mut row = first_claim[0].clone().into_active_model();
    row.lease_until = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    row.update(&portico.db).await.unwrap();
    let (second, mut second_claim) = outbox::claim(&portico, "second", 10).await.unwrap();
    assert_eq!(second_claim.len(), 1);
    assert_eq!(second_claim[0].attempts, 2);
    outbox::deliver(&portico, &outbox::Transport::Captured, &first, first_claim.pop().unwrap()).await.unwrap();
    let after_first = outbox_message::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap();
    assert_eq!(
        (after_first.status.as_str(), after_first.lease_owner.as_deref()),
        ("queued", Some(second.as_str())),
        "the first worker's late result is not recorded"
    );
    outbox::deliver(&portico, &outbox::Transport::Captured, &second, second_claim.pop().unwrap()).await.unwrap();
    let done = outbox_message::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap();
    assert_eq!((done.status.as_str(), done.lease_owner, done.attempts), ("captured", None, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_result_does_not_overwrite_a_later_claim_on_sqlite() {
    a_late_result_does_not_overwrite_a_later_claim(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_result_does_not_overwrite_a_later_claim_on_postgres() {
    a_late_result_does_not_overwrite_a_later_claim(Backend::Postgres).await;
}

/// Four workers claiming batches at once take every message exactly once between them.
async fn racing_claims_never_overlap(backend: Backend) {
    let Some((portico, _db)) = services_alone(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let ids = queued(&portico, 200).await;
    let workers = (0..4).map(|w| {
        let portico = portico.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let (_, batch) = outbox::claim(&portico, &format!("w{w}"), 15).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|m| m.id));
            }
        })
    });
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    assert_eq!(all, ids, "each message claimed once");
    let rows = outbox_message::Entity::find().all(&portico.db).await.unwrap();
    assert!(rows.iter().all(|m| m.attempts == 1), "no message claimed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_claims_never_overlap_on_sqlite() {
    racing_claims_never_overlap(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_claims_never_overlap_on_postgres() {
    racing_claims_never_overlap(Backend::Postgres).await;
}
