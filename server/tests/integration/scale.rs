//! Data at scale (issue 9): Portal access pages on the server (keyset cursors sealed to the
//! organization, search, status filter, bounded counts), reads the maintained access state in
//! a fixed number of statements whatever the project's size, and the consistency check finds
//! the stored state and counters equal to a recount from the invitations.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use chrono::{Duration, Utc};
use portico_app::invitations::{LoadPortalAccess, PortalAccess};
use portico_core::{
    Portico, access,
    accounts::{self, Staff},
    domain::{ProjectId, StaffUserId},
    entities::{client, invitation, project_client, staff_user},
    invitations::{self, AccessQuery},
    model::AccessStatus,
    paging::{Cursor, PageSize, Search},
    verification,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

use crate::common::{Answer, Backend, TestApp, error_of, spawn_app};

/// The signed-in owner of `email`, as the services see them.
async fn staff(app: &TestApp, email: &str) -> Staff {
    let user = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email))
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .expect("the owner");
    accounts::load_staff(&app.state.portico, StaffUserId(user.id)).await.unwrap()
}

/// `n` contacts on a project, each with a pending invitation, written straight to the tables
/// (the invite path takes ~10 ms each), then counted by the consistency check's repair — the
/// same path that fills in rows stored before the state was kept.
async fn seed(app: &TestApp, staff: &Staff, project: i64, n: usize, prefix: &str) {
    let db = &app.state.portico.db;
    let org = staff.org_id.0;
    let now = Utc::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        client::Entity::insert_many(chunk.iter().map(|i| client::ActiveModel {
            org_id: Set(org),
            customer_id: Set(None),
            name: Set(format!("{prefix} Client {i:05}")),
            email: Set(format!("{prefix}-{i:05}@seed.test").to_lowercase()),
            phone: Set(None),
            created_at: Set(now),
            first_accepted_at: Set(None),
            last_sign_in_at: Set(None),
            deactivated_at: Set(None),
            password_hash: Set(None),
            standing: Set(None),
            standing_until: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await
        .unwrap();
    }
    let clients = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Email.like(format!("{}-%", prefix.to_lowercase())))
        .order_by_asc(client::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert_eq!(clients.len(), n);
    for chunk in clients.chunks(500) {
        project_client::Entity::insert_many(chunk.iter().map(|c| project_client::ActiveModel {
            org_id: Set(org),
            project_id: Set(project),
            client_id: Set(c.id),
            is_primary: Set(false),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await
        .unwrap();
        invitation::Entity::insert_many(chunk.iter().map(|c| invitation::ActiveModel {
            org_id: Set(org),
            client_id: Set(c.id),
            project_id: Set(Some(project)),
            invited_by: Set(staff.user_id.0),
            token_hash: Set(portico_core::secrets::random_hex16() + &portico_core::secrets::random_hex16()),
            link_salt: Set(portico_core::secrets::random_hex16()),
            email: Set(c.email.clone()),
            status: Set("pending".into()),
            expires_at: Set(now + Duration::days(7)),
            created_at: Set(now),
            last_sent_at: Set(now),
            send_count: Set(1),
            accepted_at: Set(None),
            cancelled_at: Set(None),
            failed_attempts: Set(0),
            locked_at: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await
        .unwrap();
    }
    access::check(&app.state.portico, true).await.unwrap();
}

/// A second connection to the app's database that keeps the statements it runs.
async fn counting(app: &TestApp) -> (Portico, Statements) {
    let mut conn = portico_core::db::connect(&app.database_url).await.unwrap();
    let statements = Statements::default();
    let seen = statements.clone();
    conn.set_metric_callback(move |info| seen.0.lock().unwrap().push(info.statement.to_string()));
    let key = portico_core::secrets::ServerKey::from_hex(&"11".repeat(32)).unwrap();
    (Portico::new(conn, key, "http://portal.test"), statements)
}

/// What a `counting` connection ran since its last `reset`.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl Statements {
    fn reset(&self) {
        self.0.lock().unwrap().clear();
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The count so far, and a fresh start.
    fn take(&self) -> usize {
        std::mem::take(&mut *self.0.lock().unwrap()).len()
    }

    fn listed(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

fn first_page(size: u64) -> AccessQuery {
    AccessQuery { size: PageSize::parse(Some(size)).unwrap(), ..Default::default() }
}

async fn assert_consistent(app: &TestApp) {
    let drift = access::check(&app.state.portico, false).await.unwrap();
    assert!(drift.is_empty(), "stored access state drifted from the invitations: {drift:#?}");
}

async fn statements_per_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Scale Co", "owner@scale.test").await;
    let small = app.create_project(&owner, "Small").await;
    let large = app.create_project(&owner, "Large").await;
    let staff = staff(&app, "owner@scale.test").await;
    seed(&app, &staff, small, 10, "Small").await;
    seed(&app, &staff, large, 10_000, "Large").await;
    let (portico, statements) = counting(&app).await;
    let mut per_page = Vec::new();
    for (project, query) in [
        (small, first_page(100)),
        (large, first_page(100)),
        (large, AccessQuery { status: Some(AccessStatus::Invited), ..first_page(100) }),
        (small, AccessQuery { status: Some(AccessStatus::Invited), ..first_page(100) }),
        (large, AccessQuery { search: Search::parse("client 0999").unwrap(), ..first_page(100) }),
        (small, AccessQuery { search: Search::parse("client 00007").unwrap(), ..first_page(100) }),
    ] {
        statements.reset();
        let (_, page) = invitations::portal_access(&portico, &staff, ProjectId(project), &query).await.unwrap();
        per_page.push((statements.count(), page.rows.len(), page.matching));
    }
    let [small_all, large_all, large_invited, small_invited, large_search, small_search] = per_page[..] else {
        unreachable!()
    };
    assert_eq!((small_all.1, small_all.2), (10, 10));
    assert_eq!((large_all.1, large_all.2), (100, 10_000));
    assert_eq!((large_invited.1, large_invited.2), (100, 10_000));
    assert_eq!((large_search.1, large_search.2), (10, 10), "Client 09990 … 09999");
    assert_eq!((small_search.1, small_search.2), (1, 1));
    assert_eq!(small_all.0, 3, "the project with its customer and organization, the counters, the page");
    assert_eq!(large_all.0, small_all.0, "a page of 10,000 rows costs what a page of 10 does");
    assert_eq!((large_invited.0, small_invited.0), (3, 3));
    assert_eq!((large_search.0, small_search.0), (4, 4), "plus the bounded count of the search");
    assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_costs_the_same_statements_at_10_and_at_10000_contacts_on_sqlite() {
    statements_per_page(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_costs_the_same_statements_at_10_and_at_10000_contacts_on_postgres() {
    statements_per_page(Backend::Postgres).await;
}

async fn paging_under_inserts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Pages Co", "owner@pages.test").await;
    let project = app.create_project(&owner, "Paged").await;
    let staff = staff(&app, "owner@pages.test").await;
    seed(&app, &staff, project, 95, "Paged").await;
    let load = |status: &str, q: &str, cursor: &str, per: &str| {
        let (p, status, q, cursor, per) =
            (project.to_string(), status.to_string(), q.to_string(), cursor.to_string(), per.to_string());
        let (app, owner) = (&app, &owner);
        async move {
            app.call::<LoadPortalAccess>(
                owner,
                &[("project_id", p.as_str()), ("status", &status), ("q", &q), ("cursor", &cursor), ("per", &per)],
            )
            .await
        }
    };
    // Walk forward 10 at a time while new contacts arrive through the invite dialog: each
    // contact exactly once, the new ones at the end.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let res = load("", "", &cursor, "10").await;
        assert_eq!(res.status(), 200);
        let page: PortalAccess = res.decoded().await;
        assert!(page.page.rows.len() <= 10);
        seen.extend(page.page.rows.iter().map(|r| r.email.clone()));
        pages += 1;
        if pages <= 3 {
            let res = app.invite(&owner, project, &format!("Late {pages}"), &format!("late-{pages}@pages.test")).await;
            assert!(res.status().is_success(), "{}", res.status());
        }
        match page.page.next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no contact twice");
    assert_eq!(seen.len(), 98, "95 seeded and 3 invited while paging, none skipped");
    assert_eq!(&seen[95..], ["late-1@pages.test", "late-2@pages.test", "late-3@pages.test"]);

    // And back: "Previous page" from the last page returns the page before it.
    let last: PortalAccess = load("", "", &cursor, "10").await.decoded().await;
    let prev = last.page.prev.clone().expect("a previous page");
    let before: PortalAccess = load("", "", &prev, "10").await.decoded().await;
    assert_eq!(before.page.rows.len(), 10);
    assert_eq!(before.page.rows.last().unwrap().email, seen[seen.len() - last.page.rows.len() - 1]);

    // Filters and search, counted from the maintained state.
    let invited: PortalAccess = load("invited", "", "", "100").await.decoded().await;
    assert_eq!((invited.page.rows.len(), invited.page.matching), (98, 98));
    let active: PortalAccess = load("active", "", "", "").await.decoded().await;
    assert_eq!((active.page.rows.len(), active.page.matching), (0, 0));
    let found: PortalAccess = load("", "PAGED client 0004", "", "").await.decoded().await;
    assert_eq!(
        found.page.rows.iter().map(|r| r.email.as_str()).collect::<Vec<_>>(),
        [
            "paged-00040@seed.test",
            "paged-00041@seed.test",
            "paged-00042@seed.test",
            "paged-00043@seed.test",
            "paged-00044@seed.test",
            "paged-00045@seed.test",
            "paged-00046@seed.test",
            "paged-00047@seed.test",
            "paged-00048@seed.test",
            "paged-00049@seed.test"
        ]
    );
    // `%` and `_` are letters in a search, not wildcards.
    for literal in ["%", "_", "client_0", "100%"] {
        let none: PortalAccess = load("", literal, "", "").await.decoded().await;
        assert_eq!(none.page.matching, 0, "{literal}");
    }
    assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_stay_whole_while_contacts_arrive_on_sqlite() {
    paging_under_inserts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_stay_whole_while_contacts_arrive_on_postgres() {
    paging_under_inserts(Backend::Postgres).await;
}

/// Forged, foreign and malformed page requests get a clear 422 naming what is wrong, never
/// another organization's rows or a scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_page_requests_are_refused_clearly() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let alice = app.owner("Alpha Pages", "owner@alpha-pages.test").await;
    let bob = app.owner("Beta Pages", "owner@beta-pages.test").await;
    let a = app.create_project(&alice, "Alpha").await;
    let b = app.create_project(&bob, "Beta").await;
    for i in 0..12 {
        assert!(app.invite(&bob, b, &format!("Beta {i}"), &format!("b{i}@beta.test")).await.status().is_success());
        assert!(app.invite(&alice, a, &format!("Alpha {i}"), &format!("a{i}@alpha.test")).await.status().is_success());
    }
    let page_of = |who: &reqwest::Client, project: i64, fields: [(&'static str, String); 4]| {
        let p = project.to_string();
        let who = who.clone();
        let app = &app;
        async move {
            let mut args: Vec<(&str, &str)> = vec![("project_id", p.as_str())];
            args.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.call::<LoadPortalAccess>(&who, &args).await
        }
    };
    let q = |status: &str, q: &str, cursor: &str, per: &str| {
        [("status", status.to_string()), ("q", q.to_string()), ("cursor", cursor.to_string()), ("per", per.to_string())]
    };
    let bob_first: PortalAccess = page_of(&bob, b, q("", "", "", "10")).await.decoded().await;
    let bob_next = bob_first.page.next.clone().expect("a second page");
    let alice_first: PortalAccess = page_of(&alice, a, q("", "", "", "10")).await.decoded().await;
    let alice_next = alice_first.page.next.clone().unwrap();

    let cases = [
        ("Bob's cursor on Alice's project", q("", "", &bob_next, ""), "cursor"),
        ("a cursor with its id changed", q("", "", &alice_next.replacen('a', "a9", 1), ""), "cursor"),
        ("a cursor without its seal", q("", "", alice_next.split('.').next().unwrap(), ""), "cursor"),
        (
            "a cursor of another list",
            q("", "", &Cursor::After(1).seal(&app.state.portico.key, 1, "portal-access:999"), ""),
            "cursor",
        ),
        ("a page size of 5", q("", "", "", "5"), "per"),
        ("a page size of a million", q("", "", "", "1000000"), "per"),
        ("a page size that is not a number", q("", "", "", "ten"), "per"),
        ("10 kB of search", q("", &"x".repeat(10_000), "", ""), "q"),
        ("an unknown status", q("everyone", "", "", ""), "status"),
    ];
    for (what, fields, field) in cases {
        let (status, e) = error_of(page_of(&alice, a, fields).await).await;
        assert_eq!(status, 422, "{what}");
        assert!(e.for_field(field).is_some(), "{what}: {e:?}");
    }
    // Bob's project through Alice's session is not found, with or without a cursor.
    let (status, _) = error_of(page_of(&alice, b, q("", "", "", "")).await).await;
    assert_eq!(status, 404);
    let (status, _) = error_of(page_of(&alice, b, q("", "", &bob_next, "")).await).await;
    assert!(status == 404 || status == 422, "{status}");
    // Quotes and SQL in a search are text.
    let none: PortalAccess = page_of(&alice, a, q("", "'; DROP TABLE clients; --", "", "")).await.decoded().await;
    assert_eq!(none.page.matching, 0);
    let all: PortalAccess = page_of(&alice, a, q("", "", "", "")).await.decoded().await;
    assert_eq!(all.page.matching, 12);
    assert!(all.page.rows.iter().all(|r| r.email.ends_with("@alpha.test")));
    assert_consistent(&app).await;
}

/// Every change the lifecycle makes moves the stored state and the counters with it; an
/// invitation that runs out moves to Expired with the sweep; the check finds no drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lifecycle_keeps_the_counts_and_the_check_finds_no_drift() {
    use portico_app::invitations::{CancelInvite, ResendInvite, UnlockInvite};
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Counted Co", "owner@counted.test").await;
    let project = app.create_project(&owner, "Counted").await;
    let second = app.create_project(&owner, "Second").await;
    let staff = staff(&app, "owner@counted.test").await;
    for who in ["ada", "bo", "cy", "di"] {
        assert!(app.invite(&owner, project, who, &format!("{who}@counted.test")).await.status().is_success());
    }
    let link = app.invitation_link("ada@counted.test").await;
    app.accept(&link, "ada@counted.test").await;
    // Invited to a second project after joining: Active on the first, Invited on the second.
    assert!(app.invite(&owner, second, "ada", "ada@counted.test").await.status().is_success());
    let on_second = access::counts(&app.state.portico.db, staff.org_id.0, second).await.unwrap();
    assert_eq!(on_second.get(&AccessStatus::Invited), Some(&1));
    let bo = app.invitation_of("bo@counted.test").await.id.to_string();
    assert!(app.call::<CancelInvite>(&owner, &[("invitation_id", &bo)]).await.status().is_success());
    assert!(app.call::<ResendInvite>(&owner, &[("invitation_id", &bo)]).await.status().is_success());
    assert!(app.call::<CancelInvite>(&owner, &[("invitation_id", &bo)]).await.status().is_success());
    // Cy runs out of codes: locked, then unlocked.
    let cy = app.invitation_of("cy@counted.test").await;
    let mut locked: invitation::ActiveModel = cy.clone().into();
    locked.locked_at = Set(Some(Utc::now()));
    locked.update(&app.state.portico.db).await.unwrap();
    access::refresh(&app.state.portico.db, cy.client_id, cy.project_id).await.unwrap();
    let counts = access::counts(&app.state.portico.db, staff.org_id.0, project).await.unwrap();
    assert_eq!(counts.get(&AccessStatus::Locked), Some(&1));
    assert!(app.call::<UnlockInvite>(&owner, &[("invitation_id", &cy.id.to_string())]).await.status().is_success());
    assert_consistent(&app).await;

    // Di's invitation runs out (the clock moved on: the stored times are moved back).
    let di = app.invitation_of("di@counted.test").await;
    let past = Utc::now() - Duration::hours(1);
    let mut expired: invitation::ActiveModel = di.clone().into();
    expired.expires_at = Set(past);
    expired.update(&app.state.portico.db).await.unwrap();
    project_client::Entity::update_many()
        .col_expr(project_client::Column::ExpiresAt, sea_orm::sea_query::Expr::value(past))
        .filter(project_client::Column::ClientId.eq(di.client_id))
        .exec(&app.state.portico.db)
        .await
        .unwrap();
    client::Entity::update_many()
        .col_expr(client::Column::StandingUntil, sea_orm::sea_query::Expr::value(past))
        .filter(client::Column::Id.eq(di.client_id))
        .exec(&app.state.portico.db)
        .await
        .unwrap();
    assert_eq!(access::expire_due(&app.state.portico, 100).await.unwrap(), 2, "her row and her standing");
    let counts = access::counts(&app.state.portico.db, staff.org_id.0, project).await.unwrap();
    let of = |s| counts.get(&s).copied().unwrap_or(0);
    assert_eq!(
        [of(AccessStatus::Active), of(AccessStatus::Cancelled), of(AccessStatus::Invited), of(AccessStatus::Expired)],
        [1, 1, 1, 1],
        "ada, bo, cy, di: {counts:?}"
    );
    let org = access::counts(&app.state.portico.db, staff.org_id.0, access::ORGANIZATION).await.unwrap();
    assert_eq!(org.values().sum::<u64>(), 4, "four clients, each counted once: {org:?}");
    assert_eq!(org.get(&AccessStatus::Active), Some(&1));
    assert_consistent(&app).await;

    // A row someone changed behind the services' back is found, and repaired.
    project_client::Entity::update_many()
        .col_expr(project_client::Column::Access, sea_orm::sea_query::Expr::value("active"))
        .filter(project_client::Column::ClientId.eq(di.client_id))
        .exec(&app.state.portico.db)
        .await
        .unwrap();
    let drift = access::check(&app.state.portico, false).await.unwrap();
    assert_eq!(drift.len(), 1, "{drift:#?}");
    access::check(&app.state.portico, true).await.unwrap();
    assert_consistent(&app).await;
}

/// A batch runs its statements in order with each one's own values, whatever the values hold
/// (`;`, `?`, quotes: they are bound, never part of the SQL), and a statement that fails fails
/// the batch, which the transaction then rolls back whole.
async fn a_batch_writes_in_order_or_not_at_all(backend: Backend) {
    use portico_core::{audit, batch::Batch, entities::audit_event};
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Batch Co", "owner@batch.test").await;
    let _ = app.create_project(&owner, "Batch").await;
    let staff = staff(&app, "owner@batch.test").await;
    let portico = &app.state.portico;
    let event = |detail: &str| audit::Event {
        org_id: staff.org_id.0,
        actor: audit::Actor::System,
        subject_kind: "batch",
        subject_id: 7,
        event: "batch.test",
        detail: detail.into(),
        ip: None,
    };
    let details = ["first; DROP TABLE audit_events; --", "second ? ?1 $1", "third 'quoted' \"too\""];
    let txn = portico.begin().await.unwrap();
    let mut batch = Batch::new(&txn);
    for detail in details {
        audit::record_later(&mut batch, vec![event(detail)]);
    }
    batch.run(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let written = || async {
        audit_event::Entity::find()
            .filter(audit_event::Column::SubjectKind.eq("batch"))
            .order_by_asc(audit_event::Column::Id)
            .all(&portico.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.detail)
            .collect::<Vec<_>>()
    };
    assert_eq!(written().await, details);

    // The same address twice breaks the clients' unique key: the second insert fails.
    let contact = || client::ActiveModel {
        org_id: Set(staff.org_id.0),
        name: Set("Twice".into()),
        email: Set("twice@batch.test".into()),
        created_at: Set(Utc::now()),
        version: Set(1),
        ..Default::default()
    };
    let txn = portico.begin().await.unwrap();
    let mut batch = Batch::new(&txn);
    audit::record_later(&mut batch, vec![event("fourth")]);
    batch.add(&client::Entity::insert(contact()));
    batch.add(&client::Entity::insert(contact()));
    audit::record_later(&mut batch, vec![event("fifth")]);
    assert!(batch.run(&txn).await.is_err(), "the duplicate address fails the batch");
    txn.rollback().await.unwrap();
    assert_eq!(written().await, details, "nothing of the failed batch stays");
    let twice = || client::Entity::find().filter(client::Column::Email.eq("twice@batch.test")).all(&portico.db);
    assert!(twice().await.unwrap().is_empty());
    // Once, the same insert is fine: it was the second copy that failed.
    let txn = portico.begin().await.unwrap();
    let mut batch = Batch::new(&txn);
    batch.add(&client::Entity::insert(contact()));
    audit::record_later(&mut batch, vec![event("sixth")]);
    batch.run(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let made = twice().await.unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(written().await.last().map(String::as_str), Some("sixth"));
    // Written behind the services' back: counted now, as the end-of-test check expects.
    access::refresh(&portico.db, made[0].id, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_writes_in_order_or_not_at_all_on_sqlite() {
    a_batch_writes_in_order_or_not_at_all(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_writes_in_order_or_not_at_all_on_postgres() {
    a_batch_writes_in_order_or_not_at_all(Backend::Postgres).await;
}

/// A code and a magic link that accept the same invitation at the same moment (two tabs):
/// each invitation is accepted once and counted once. On PostgreSQL the acceptance takes the
/// invitation's row while it is still pending, so the later one waits and then finds it
/// accepted; were it to read the client's place first, both would move the counters.
async fn one_invitation_accepted_twice_at_once_is_counted_once(backend: Backend) {
    use portico_core::{domain::ClientId, magic_links};
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Twice Co", "owner@twice.test").await;
    let project = app.create_project(&owner, "Twice").await;
    let staff = staff(&app, "owner@twice.test").await;
    let portico = &app.state.portico;
    let clients = 6;
    for i in 0..clients {
        let email = format!("c{i}@twice.test");
        assert!(app.invite(&owner, project, &format!("Client {i}"), &email).await.status().is_success());
        let link = app.invitation_link(&email).await;
        let started =
            verification::continue_invitation(portico, link.trim_start_matches("/invite/"), None).await.unwrap();
        app.wait_for_mail(&email, 2).await;
        let code = app.latest_code(&email).await;
        let client = client::Entity::find().filter(client::Column::Email.eq(&email)).one(&portico.db).await;
        let client = client.unwrap().unwrap();
        let magic = magic_links::generate(portico, &staff, ClientId(client.id), None).await.unwrap();
        let token = magic.url.rsplit('/').next().unwrap().to_string();
        let (by_code, by_link) = tokio::join!(
            verification::verify(portico, started.verification.expose(), &code, None),
            verification::continue_sign_in_link(portico, &token, None),
        );
        // At least one gets in; the other either signs in to what is now accepted or is told
        // the invitation changed a moment ago.
        assert!(by_code.is_ok() || by_link.is_ok(), "{email}: {:?} / {:?}", by_code.err(), by_link.err());
        let accepted = invitation::Entity::find()
            .filter(invitation::Column::Email.eq(&email))
            .filter(invitation::Column::Status.eq("accepted"))
            .count(&portico.db)
            .await
            .unwrap();
        assert_eq!(accepted, 1, "{email}");
    }
    let counts = access::counts(&portico.db, staff.org_id.0, project).await.unwrap();
    assert_eq!(counts.get(&AccessStatus::Active).copied(), Some(clients as u64), "{counts:?}");
    assert_eq!(counts.get(&AccessStatus::Invited).copied().unwrap_or(0), 0, "{counts:?}");
    assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_invitation_accepted_twice_at_once_is_counted_once_on_sqlite() {
    one_invitation_accepted_twice_at_once_is_counted_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_invitation_accepted_twice_at_once_is_counted_once_on_postgres() {
    one_invitation_accepted_twice_at_once_is_counted_once(Backend::Postgres).await;
}

/// The writer's share of the scale bench's S1 and S3: an invite of a new contact, and the code
/// that accepts it, cost a fixed number of round trips to the database. Each runs inside the
/// one write turn SQLite allows, so its round trips bound how many of them a second the server
/// can do. What they write without reading it back goes in one batch (`portico_core::batch`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_and_its_acceptance_cost_a_fixed_number_of_statements() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Writer Co", "owner@writer.test").await;
    let project = app.create_project(&owner, "Writer").await;
    // Not the first contact of the project: the bench's invites are not either.
    assert!(app.invite(&owner, project, "Bea", "bea@writer.test").await.status().is_success());
    let staff = staff(&app, "owner@writer.test").await;
    let (portico, statements) = counting(&app).await;
    let target = invitations::InviteTarget::parse(None, "Ada", "ada@writer.test", "").unwrap();
    statements.reset();
    invitations::invite(&portico, &staff, ProjectId(project), target, None).await.unwrap();
    let invite = (statements.count(), statements.listed());
    let invite_batch = statements.0.lock().unwrap().last().cloned().unwrap_or_default();

    let link = app.invitation_link("ada@writer.test").await;
    let started = verification::continue_invitation(&portico, link.trim_start_matches("/invite/"), None).await.unwrap();
    app.wait_for_mail("ada@writer.test", 2).await;
    let code = app.latest_code("ada@writer.test").await;
    statements.reset();
    verification::verify(&portico, started.verification.expose(), &code, None).await.unwrap();
    let accept = statements.count();
    let accepted = statements.listed();
    let batch = statements.0.lock().unwrap().last().cloned().unwrap_or_default();
    // Invite: the project, the contact (written with its standing), the invitation, and the
    // batch (email, audit row, their place on the project with its state, counters): nothing
    // written and then brought up to date. Accept: the code counted, the client,
    // their invitations, the invitation accepted (while still pending), their place on the
    // project with the project, the team, its opt-outs, and the
    // batch (the code, access state, counters, notice, email, audit row, the client's sign-in,
    // the session).
    assert_eq!((invite.0, accept), (4, 8), "invite:\n{}\naccept:\n{accepted}", invite.1);
    for table in ["clients", "project_clients"] {
        let update = format!(r#"UPDATE "{table}""#);
        assert!(!invite.1.contains(&update), "an invite of a new contact writes {table} once: {}", invite.1);
    }
    assert!(invite_batch.contains(r#""project_clients""#), "the batch writes their place: {invite_batch}");
    for table in ["one_time_codes", "access_counts", "notifications", "outbox_messages", "sessions"] {
        assert!(batch.contains(&format!(r#""{table}""#)), "the accept's batch writes {table}: {batch}");
    }
    assert_consistent(&app).await;
}

/// A staff page resolves its session once, however many of its parts ask who is signed in
/// (the frame, the page, the bell), and a server function call once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_looks_up_its_session_once() {
    let (app, statements) = crate::common::spawn_app_recording(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Once Co", "owner@once.test").await;
    let project = app.create_project(&owner, "Once").await;
    assert!(app.invite(&owner, project, "Ada", "ada@once.test").await.status().is_success());
    let lookups = |statements: &std::sync::Mutex<Vec<String>>| {
        statements.lock().unwrap().iter().filter(|sql| sql.contains(r#"FROM "sessions""#)).count()
    };
    for path in ["/".to_string(), format!("/projects/{project}/portal"), "/projects".into(), "/notifications".into()] {
        statements.lock().unwrap().clear();
        let res = owner.get(app.url(&path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(lookups(&statements), 1, "{path}: the session is read once");
    }
    statements.lock().unwrap().clear();
    let res = app.call::<LoadPortalAccess>(&owner, &[("project_id", &project.to_string())]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(lookups(&statements), 1);
}

/// Many people inviting at once: on SQLite (one writer at a time) and PostgreSQL, no invite
/// answers an error because the database is busy, and every one is counted. `streams` × `each`
/// is 8 × 25 here; `PORTICO_SCALE_FULL=1` runs the issue's 8 × 1,000.
async fn concurrent_invites(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let each = if std::env::var("PORTICO_SCALE_FULL").is_ok_and(|v| v == "1") { 1_000 } else { 25 };
    let streams = 8;
    let owner = app.owner("Busy Co", "owner@busy.test").await;
    let project = app.create_project(&owner, "Busy").await;
    let staff = staff(&app, "owner@busy.test").await;
    let url = app.url(<portico_app::invitations::InviteClient as leptos::server_fn::ServerFn>::PATH);
    let mut tasks = tokio::task::JoinSet::new();
    for stream in 0..streams {
        let (owner, url) = (owner.clone(), url.clone());
        tasks.spawn(async move {
            let mut failures = Vec::new();
            for i in 0..each {
                let email = format!("s{stream}-{i}@busy.test");
                let p = project.to_string();
                let res = owner
                    .post(&url)
                    .form(&[
                        ("project_id", p.as_str()),
                        ("existing", ""),
                        ("name", "Busy Client"),
                        ("email", &email),
                        ("phone", ""),
                    ])
                    .send()
                    .await
                    .unwrap();
                if !res.status().is_success() {
                    failures.push(format!("{email}: {} {}", res.status(), res.text().await.unwrap_or_default()));
                }
            }
            failures
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        failures.extend(done.unwrap());
    }
    assert!(failures.is_empty(), "{} of {} invites failed: {failures:?}", failures.len(), streams * each);
    let counts = access::counts(&app.state.portico.db, staff.org_id.0, project).await.unwrap();
    assert_eq!(counts.get(&AccessStatus::Invited).copied(), Some((streams * each) as u64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invites_never_fail_on_a_busy_sqlite() {
    concurrent_invites(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invites_never_fail_on_postgres() {
    concurrent_invites(Backend::Postgres).await;
}

/// Every statement the busiest pages issue, explained on a seeded database (two organizations
/// of 2,000 contacts each, statistics gathered): none reads a large tenant table (1,000 rows
/// or more: contacts, clients, invitations, mail, the audit) from end to end.
/// SQLite: `EXPLAIN QUERY PLAN` must not say `SCAN <table>` without an index; PostgreSQL:
/// with sequential scans priced out (`enable_seqscan = off`), `EXPLAIN` must find an index for
/// each, so a missing index shows as a `Seq Scan`.
async fn plans_use_indexes(backend: Backend) {
    use portico_core::entities::audit_event;
    use sea_orm::{ConnectionTrait, QueryTrait, Statement};
    let Some((app, statements)) = crate::common::spawn_app_recording(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Planned Co", "owner@planned.test").await;
    let other = app.owner("Other Co", "owner@other-planned.test").await;
    let project = app.create_project(&owner, "Planned").await;
    let elsewhere = app.create_project(&other, "Elsewhere").await;
    seed(&app, &staff(&app, "owner@planned.test").await, project, 2_000, "Planned").await;
    seed(&app, &staff(&app, "owner@other-planned.test").await, elsewhere, 2_000, "Elsewhere").await;
    assert!(app.invite(&owner, project, "Ada", "ada@planned.test").await.status().is_success());
    let db = &app.state.portico.db;
    // A firm's worth of projects, so the planner weighs them as it would in use.
    let planned = staff(&app, "owner@planned.test").await;
    portico_core::entities::project::Entity::insert_many((0..300).map(|i| {
        portico_core::entities::project::ActiveModel {
            org_id: Set(planned.org_id.0),
            customer_id: Set(None),
            name: Set(format!("Project {i}")),
            created_by: Set(planned.user_id.0),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
    }))
    .exec_without_returning(db)
    .await
    .unwrap();
    // Each of them with a contact, so the planner knows projects are many: with two, SQLite
    // skip-scans the (project, client) index and hides a missing (org, client) one.
    let spread = portico_core::entities::project::Entity::find()
        .filter(portico_core::entities::project::Column::OrgId.eq(planned.org_id.0))
        .filter(portico_core::entities::project::Column::Name.starts_with("Project "))
        .all(db)
        .await
        .unwrap();
    let contacts = client::Entity::find()
        .filter(client::Column::OrgId.eq(planned.org_id.0))
        .order_by_asc(client::Column::Id)
        .all(db)
        .await
        .unwrap();
    project_client::Entity::insert_many(spread.iter().zip(&contacts).map(|(p, c)| project_client::ActiveModel {
        org_id: Set(planned.org_id.0),
        project_id: Set(p.id),
        client_id: Set(c.id),
        is_primary: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await
    .unwrap();
    access::check(&app.state.portico, true).await.unwrap();
    // Another organization's long audit trail: what opening Ada's link reads must be hers.
    let elsewhere_org = staff(&app, "owner@other-planned.test").await.org_id.0;
    let ada = app.invitation_of("ada@planned.test").await;
    // Their subjects' ids run over Ada's invitation's: an event of theirs on that id must not
    // stand for hers.
    audit_event::Entity::insert_many((ada.id - 750..ada.id + 750).map(|i| audit_event::ActiveModel {
        org_id: Set(elsewhere_org),
        actor_kind: Set("system".into()),
        subject_kind: Set("invitation".into()),
        subject_id: Set(i),
        event: Set("link.opened".into()),
        detail: Set(String::new()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await
    .unwrap();
    let ada_link = app.invitation_link("ada@planned.test").await;
    // PostgreSQL's autovacuum keeps statistics; SQLite has none unless someone runs ANALYZE,
    // and Portico does not: its plans are checked as they are in use.
    if backend == Backend::Postgres {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }

    statements.lock().unwrap().clear();
    let first: PortalAccess = app
        .call::<LoadPortalAccess>(&owner, &[("project_id", &project.to_string()), ("per", "100")])
        .await
        .decoded()
        .await;
    let next = first.page.next.clone().unwrap();
    for args in [
        vec![("cursor", next.as_str())],
        vec![("status", "invited")],
        vec![("status", "expired")],
        vec![("q", "client 0042")],
    ] {
        let mut all = vec![("project_id", project.to_string())];
        all.extend(args.iter().map(|(k, v)| (*k, v.to_string())));
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(app.call::<LoadPortalAccess>(&owner, &all).await.status(), 200);
    }
    // The Clients page: each order, each filter, a page further on.
    let clients: portico_core::model::ClientsPage =
        app.call::<portico_app::clients::LoadClients>(&owner, &[]).await.decoded().await;
    let by_name = clients.next.clone().unwrap();
    let project_s = project.to_string();
    for args in [
        vec![("cursor", by_name.as_str())],
        vec![("sort", "newest")],
        vec![("sort", "oldest")],
        vec![("status", "invited")],
        vec![("status", "expired")],
        vec![("project", project_s.as_str())],
        vec![("q", "client 0042")],
        vec![("view", "deactivated")],
    ] {
        assert_eq!(app.call::<portico_app::clients::LoadClients>(&owner, &args).await.status(), 200, "{args:?}");
    }
    for path in ["/".to_string(), format!("/projects/{project}"), "/projects".into()] {
        assert_eq!(owner.get(app.url(&path)).header("accept", "text/html").send().await.unwrap().status(), 200);
    }
    // A client opening their link: "link opened" is noted once in ten minutes, looked up first.
    let token = [("kind", "Invitation"), ("token", ada_link.trim_start_matches("/invite/"))];
    let opened = app.call::<portico_app::client_access::OpenLink>(&crate::common::browser(), &token).await;
    assert_eq!(opened.status(), 200);
    let tenant_tables = [
        "clients",
        "project_clients",
        "invitations",
        "access_counts",
        "audit_events",
        "link_requests",
        "projects",
        "notifications",
        "sessions",
    ];
    let selects: Vec<String> = statements
        .lock()
        .unwrap()
        .iter()
        .filter(|sql| sql.trim_start().starts_with("SELECT"))
        .filter(|sql| {
            tenant_tables
                .iter()
                .any(|t| sql.contains(&format!(r#"FROM "{t}""#)) || sql.contains(&format!(r#"JOIN "{t}""#)))
        })
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(selects.len() >= 10, "the pages were read: {selects:#?}");
    // A table of a few hundred rows is read whole by any sensible planner; the tables that
    // grow with the firm (thousands of rows here) must be reached through an index.
    let mut large = Vec::new();
    for t in tenant_tables {
        let n = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!(r#"SELECT COUNT(*) AS n FROM "{t}""#),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by::<i64, _>("n")
            .unwrap();
        if n >= 1_000 {
            large.push(t);
        }
    }
    assert_eq!(large, ["clients", "project_clients", "invitations", "audit_events"], "the seeded tables");
    let tenant_tables = large;
    let mut full_scans = Vec::new();
    for sql in &selects {
        let plan = explain(db, backend, sql).await;
        if !walks_other_tenants(backend, &tenant_tables, sql, &plan).is_empty() {
            full_scans.push(format!("{sql}\n  {}", plan.join("\n  ")));
        }
    }
    assert!(full_scans.is_empty(), "full scans of tenant tables:\n{}", full_scans.join("\n\n"));
    // The rules can fail: "link opened" as it was, without the organization, is caught.
    let untenanted = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectKind.eq("invitation"))
        .filter(audit_event::Column::SubjectId.eq(ada.id))
        .filter(audit_event::Column::Event.eq("link.opened"))
        .build(db.get_database_backend())
        .to_string();
    let plan = explain(db, backend, &untenanted).await;
    assert!(!walks_other_tenants(backend, &tenant_tables, &untenanted, &plan).is_empty(), "{plan:#?}");
    // And the seeded trail of the other organization, with an event on Ada's invitation's id,
    // did not stand for hers: her link's opening is on her timeline.
    let noted = audit_event::Entity::find()
        .filter(audit_event::Column::OrgId.eq(ada.org_id))
        .filter(audit_event::Column::SubjectId.eq(ada.id))
        .filter(audit_event::Column::Event.eq("link.opened"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(noted, 1, "Ada's link opened, noted on her invitation");
}

/// The plan of `sql`: SQLite's `EXPLAIN QUERY PLAN` details, or PostgreSQL's `EXPLAIN` lines
/// with sequential scans priced out (`enable_seqscan = off`), so a missing index shows as one.
async fn explain(db: &sea_orm::DatabaseConnection, backend: Backend, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    match backend {
        Backend::Sqlite => db
            .query_all_raw(Statement::from_string(db.get_database_backend(), format!("EXPLAIN QUERY PLAN {sql}")))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by::<String, _>("detail").unwrap())
            .collect(),
        Backend::Postgres => {
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
            let rows = txn
                .query_all_raw(Statement::from_string(db.get_database_backend(), format!("EXPLAIN {sql}")))
                .await
                .unwrap();
            txn.rollback().await.unwrap();
            rows.iter().map(|row| row.try_get_by::<String, _>("QUERY PLAN").unwrap()).collect()
        }
    }
}

/// The lines of `plan` that read one of the large `tables` beyond the rows of one
/// organization: the table or a whole index walked, or an index searched without its tenant.
fn walks_other_tenants<'p>(backend: Backend, tables: &[&str], sql: &str, plan: &'p [String]) -> Vec<&'p String> {
    // The background expiry sweep reads every organization's due rows by design, through
    // partial indexes of what is due; it may run while the pages are read.
    let sweep = |line: &str| line.contains("ix_project_clients_expiry") || line.contains("ix_clients_invited_until");
    plan.iter()
        .enumerate()
        .filter(|&(at, line)| {
            tables.iter().any(|t| match backend {
                Backend::Sqlite => {
                    line.trim() == format!("SCAN {t}")
                        || line.starts_with(&format!("SCAN {t} ")) && !line.contains("USING")
                        // A whole index walked, every organization's entries, with no LIMIT
                        // to stop early or while looking for one organization's rows ("link
                        // opened" counted a subject's events so before it named the tenant).
                        || line.starts_with(&format!("SCAN {t} USING"))
                            && (!sql.contains("LIMIT") || sql.contains(r#""org_id" = "#))
                        // Only the tenant narrowed by the index, and no LIMIT to stop
                        // early: every row of the organization is read (a page of clients
                        // looking up their projects did this before its index).
                        || line.contains(&format!("SEARCH {t} USING"))
                            && line.trim_end().ends_with("(org_id=?)")
                            && !sql.contains("LIMIT")
                        // An organization's rows found through an index of every
                        // organization's (a status filter drawn to the expiry sweep's
                        // index did this before that index was made partial).
                        || line.contains(&format!("SEARCH {t} USING INDEX"))
                            && !line.contains("org_id=")
                            && sql.contains(r#""org_id" = "#)
                }
                Backend::Postgres => {
                    let unique = line.contains("_pkey on ") || line.contains("_key on ") || line.contains(" using ux_");
                    // An index scan (forward or backward) of the table through an index that
                    // is not unique (`…_pkey`, `…_key`, `ux_…`: an id, a link's token, a
                    // project's contact): its condition, printed on the next line, must name
                    // the tenant; with none the whole index is walked, unless a LIMIT stops it.
                    let walks_index = (line.contains("Index Scan") || line.contains("Index Only Scan"))
                        && line.contains(" using ")
                        && line.contains(&format!(" on {t} "))
                        && !unique
                        && !sweep(line)
                        && match plan.get(at + 1).filter(|next| next.contains("Index Cond:")) {
                            Some(cond) => !cond.contains("org_id"),
                            None => !sql.contains("LIMIT"),
                        };
                    line.contains(&format!("Seq Scan on {t}")) || walks_index
                }
            })
        })
        .map(|(_, line)| line)
        .collect()
}

/// PostgreSQL: a search that matches a handful of many clients finds them first (by the
/// trigram index at scale) and sorts only those, even when the planner cannot see the pattern (a prepared
/// statement's generic plan, which PostgreSQL switches to after five runs). Before
/// `paging::matched_first` it walked the organization's names testing each (90 ms at 100,000
/// clients for 95 matches), which is what a generic plan of the page statement chose here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_narrow_search_is_found_before_it_is_sorted_on_postgres() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let Some((app, statements)) = crate::common::spawn_app_recording(Backend::Postgres).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let owner = app.owner("Wide Co", "owner@wide.test").await;
    let org = staff(&app, "owner@wide.test").await.org_id.0;
    let db = &app.state.portico.db;
    // Clients alone (the page needs no invitations): seeding 20,000 with theirs takes minutes.
    for chunk in (0..20_000).collect::<Vec<_>>().chunks(1_000) {
        client::Entity::insert_many(chunk.iter().map(|i| client::ActiveModel {
            org_id: Set(org),
            name: Set(format!("Wide Client {i:05}")),
            email: Set(format!("wide-{i:05}@seed.test")),
            standing: Set(Some(AccessStatus::NotInvited.key().into())),
            created_at: Set(Utc::now()),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await
        .unwrap();
    }
    access::check(&app.state.portico, true).await.unwrap(); // the counters
    db.execute_unprepared("ANALYZE").await.unwrap();
    statements.lock().unwrap().clear();
    let page: portico_core::model::ClientsPage =
        app.call::<portico_app::clients::LoadClients>(&owner, &[("q", "client 0123")]).await.decoded().await;
    let names: Vec<&str> = page.rows.iter().map(|r| r.name.as_str()).collect();
    let expected: Vec<String> = (0..10).map(|i| format!("Wide Client 0123{i}")).collect();
    assert_eq!(names, expected, "the ten matches, in name order");
    assert_eq!((page.matching, page.matching_is_bound), (10, false));
    let pattern = "'%client 0123%'";
    let issued = statements.lock().unwrap().clone();
    // One trigram scan a request: the matching ids (at most 1,001), which give the count and
    // the page. (Before, the bounded count and the page each searched.)
    let searches: Vec<&String> =
        issued.iter().filter(|sql| sql.contains(r#"FROM "clients""#) && sql.contains(pattern)).collect();
    assert_eq!(searches.len(), 1, "one search a request: {searches:#?}");
    assert!(!searches[0].contains("ORDER BY"), "the ids, in no order: {}", searches[0]);
    let explain = |sql: String, generic: bool| async move {
        let txn = db.begin().await.unwrap();
        let plan: Vec<String> = if generic {
            txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan").await.unwrap();
            txn.execute_unprepared(&format!("PREPARE narrow_search(text) AS {}", sql.replace(pattern, "$1")))
                .await
                .unwrap();
            let rows = txn
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    "EXPLAIN EXECUTE narrow_search('%client 0123%')".to_string(),
                ))
                .await
                .unwrap();
            txn.execute_unprepared("DEALLOCATE narrow_search").await.unwrap();
            rows.iter().map(|row| row.try_get_by::<String, _>("QUERY PLAN").unwrap()).collect()
        } else {
            let rows = txn
                .query_all_raw(Statement::from_string(db.get_database_backend(), format!("EXPLAIN {sql}")))
                .await
                .unwrap();
            rows.iter().map(|row| row.try_get_by::<String, _>("QUERY PLAN").unwrap()).collect()
        };
        txn.rollback().await.unwrap();
        plan.join("\n")
    };
    let plan = explain(searches[0].clone(), true).await;
    assert!(!plan.contains("Index Scan using ix_clients_by_name"), "walks the names:\n{plan}");
    // The page: those clients by id, then sorted.
    let pages: Vec<&String> = issued
        .iter()
        .filter(|sql| sql.contains(r#"FROM "clients""#) && sql.contains(r#"ORDER BY "clients"."name""#))
        .collect();
    assert_eq!(pages.len(), 1, "{pages:#?}");
    assert!(pages[0].contains(r#""clients"."id" IN ("#), "read by id: {}", pages[0]);
    let plan = explain(pages[0].clone(), false).await;
    assert!(!plan.contains("Index Scan using ix_clients_by_name"), "walks the names:\n{plan}");
    assert!(
        plan.contains("Index Scan using clients_pkey") && plan.contains("Sort Key: name, id"),
        "by id, then sorted:\n{plan}"
    );
}

/// A client search's reads are planned for its pattern on PostgreSQL (`paging::SearchReads`,
/// used by the Clients page, Portal access and the contact picker): a prepared statement's
/// generic plan knows no `LIKE` pattern and read every client from the sixth search on. Only
/// inside those reads: without a search, and on SQLite, they go to the pool as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_is_planned_for_its_pattern_on_postgres() {
    use portico_core::paging::SearchReads;
    use sea_orm::{ConnectionTrait, DatabaseExecutor, Statement};
    let Some((portico, _guard)) = crate::common::services_alone(Backend::Postgres).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &portico.db;
    async fn mode(conn: DatabaseExecutor<'_>) -> String {
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), "SHOW plan_cache_mode".to_string()))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by::<String, _>("plan_cache_mode").unwrap()
    }
    let search = Search::parse("client 0123").unwrap();
    let reads = SearchReads::begin(db, search.as_ref()).await.unwrap();
    assert_eq!(mode(reads.db()).await, "force_custom_plan", "a search is planned for its pattern");
    reads.end().await.unwrap();
    let reads = SearchReads::begin(db, None).await.unwrap();
    assert_eq!(mode(reads.db()).await, "auto", "no search: the pool as it is");
    reads.end().await.unwrap();
    for _ in 0..4 {
        assert_eq!(mode(db.into()).await, "auto", "the setting ended with the search's transaction");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_reads_the_pool_itself_on_sqlite() {
    use portico_core::paging::SearchReads;
    let (portico, _guard) = crate::common::services_alone(Backend::Sqlite).await.unwrap();
    let search = Search::parse("client 0123").unwrap();
    let reads = SearchReads::begin(&portico.db, search.as_ref()).await.unwrap();
    assert!(!reads.db().is_transaction(), "SQLite plans each statement with its values");
    reads.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_query_has_an_index_on_sqlite() {
    plans_use_indexes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_query_has_an_index_on_postgres() {
    plans_use_indexes(Backend::Postgres).await;
}

/// Ended codes, links, sessions and the bodies of delivered mail are removed once the
/// retention period has passed, in batches; what is still live stays, and so does the audit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_what_ended_long_ago_and_keeps_the_audit() {
    use portico_core::{
        entities::{audit_event, one_time_code, outbox_message, session, sign_in_link},
        retention::{self, Retention},
    };
    use sea_orm::{PaginatorTrait, sea_query::Expr};
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let owner = app.owner("Kept Co", "owner@kept.test").await;
    let project = app.create_project(&owner, "Kept").await;
    for who in ["old", "new"] {
        assert!(app.invite(&owner, project, who, &format!("{who}@kept.test")).await.status().is_success());
    }
    let old_link = app.invitation_link("old@kept.test").await;
    let old_client = app.accept(&old_link, "old@kept.test").await;
    let new_link = app.invitation_link("new@kept.test").await;
    let new_client = app.accept(&new_link, "new@kept.test").await;
    let old_id = app.invitation_of("old@kept.test").await.client_id;
    let audit_before = audit_event::Entity::find().count(db).await.unwrap();
    let long_ago = Utc::now() - Duration::days(31);
    // Everything of "old" ended 31 days ago: its code, its session, its mail.
    one_time_code::Entity::update_many()
        .col_expr(one_time_code::Column::ExpiresAt, Expr::value(long_ago))
        .filter(one_time_code::Column::ClientId.eq(old_id))
        .exec(db)
        .await
        .unwrap();
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(long_ago))
        .filter(session::Column::ClientId.eq(old_id))
        .exec(db)
        .await
        .unwrap();
    let old_mail = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::CreatedAt, Expr::value(long_ago))
        .filter(outbox_message::Column::Recipient.eq("old@kept.test"))
        .exec(db)
        .await
        .unwrap()
        .rows_affected;
    assert_eq!(old_mail, 2, "the invitation and the code");
    let codes_before = one_time_code::Entity::find().count(db).await.unwrap();
    let links_before = sign_in_link::Entity::find().count(db).await.unwrap();

    let purged = retention::purge(&app.state.portico, Retention::default(), 1).await.unwrap();
    assert_eq!((purged.codes, purged.sessions, purged.bodies), (1, 1, 1), "a batch of one of each: {purged:?}");
    let purged = retention::purge(&app.state.portico, Retention::default(), 100).await.unwrap();
    assert_eq!((purged.codes, purged.sessions, purged.bodies), (0, 0, 1), "the rest: {purged:?}");
    assert_eq!(retention::purge(&app.state.portico, Retention::default(), 100).await.unwrap().total(), 0);

    assert_eq!(one_time_code::Entity::find().count(db).await.unwrap(), codes_before - 1, "new's code stays");
    assert_eq!(sign_in_link::Entity::find().count(db).await.unwrap(), links_before);
    assert_eq!(audit_event::Entity::find().count(db).await.unwrap(), audit_before, "the audit trail stays");
    let old_bodies = outbox_message::Entity::find()
        .filter(outbox_message::Column::Recipient.eq("old@kept.test"))
        .all(db)
        .await
        .unwrap();
    assert!(old_bodies.iter().all(|m| m.body_text.is_empty() && m.purged_at.is_some()), "rows kept, bodies gone");
    assert!(app.mail_to("new@kept.test").await.iter().all(|m| !m.body_text.is_empty()));
    // The ended session no longer signs anyone in; the live one does.
    let portal = |c: &reqwest::Client| c.get(app.url("/portal")).header("accept", "text/html").send();
    assert_eq!(portal(&old_client).await.unwrap().status(), 303);
    assert_eq!(portal(&new_client).await.unwrap().status(), 200);
    assert!(Retention::days(0).is_err() && Retention::days(3651).is_err() && Retention::days(7).is_ok());
}

/// The Mailbox and the notifications page too: newest first, a page at a time, searchable
/// (the Mailbox), cursors good for their own list only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailbox_and_notifications_page_newest_first() {
    use portico_app::{mailbox::ListMailbox, notifications::LoadNotifications};
    use portico_core::{
        entities::notification,
        model::{MailboxPage, Notifications},
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Mail Co", "owner@mail.test").await;
    let project = app.create_project(&owner, "Mail").await;
    for i in 0..55 {
        assert!(
            app.invite(&owner, project, &format!("Reader {i}"), &format!("reader-{i:02}@mail.test"))
                .await
                .status()
                .is_success()
        );
    }
    let first: MailboxPage = app.call::<ListMailbox>(&owner, &[]).await.decoded().await;
    assert_eq!(first.rows.len(), 50);
    assert_eq!(first.rows[0].recipient, "reader-54@mail.test", "newest first");
    assert!(first.prev.is_none());
    let second: MailboxPage =
        app.call::<ListMailbox>(&owner, &[("cursor", first.next.as_deref().unwrap())]).await.decoded().await;
    assert_eq!(second.rows.len(), 5);
    assert_eq!(second.rows.last().unwrap().recipient, "reader-00@mail.test");
    assert!(second.next.is_none() && second.prev.is_some());
    let found: MailboxPage = app.call::<ListMailbox>(&owner, &[("q", "READER-1")]).await.decoded().await;
    assert_eq!(found.rows.len(), 10, "reader-10 … reader-19");
    let (status, e) = error_of(app.call::<ListMailbox>(&owner, &[("q", &"%".repeat(101))]).await).await;
    assert_eq!((status, e.for_field("q").is_some()), (422, true));

    let staff = staff(&app, "owner@mail.test").await;
    notification::Entity::insert_many((0..25).map(|i| notification::ActiveModel {
        org_id: Set(staff.org_id.0),
        staff_user_id: Set(staff.user_id.0),
        kind: Set("invitation.accepted".into()),
        title: Set(format!("Note {i:02}")),
        body: Set("…".into()),
        link: Set(None),
        created_at: Set(Utc::now()),
        read_at: Set(None),
        ..Default::default()
    }))
    .exec_without_returning(&app.state.portico.db)
    .await
    .unwrap();
    let bell: Notifications = app.call::<LoadNotifications>(&owner, &[]).await.decoded().await;
    assert_eq!((bell.unread, bell.items.len(), bell.items[0].title.as_str()), (25, 20, "Note 24"));
    let older: Notifications =
        app.call::<LoadNotifications>(&owner, &[("cursor", bell.next.as_deref().unwrap())]).await.decoded().await;
    assert_eq!((older.items.len(), older.items[4].title.as_str()), (5, "Note 00"));
    // A Mailbox cursor means nothing to the notifications, and the other way round.
    let (status, _) =
        error_of(app.call::<LoadNotifications>(&owner, &[("cursor", first.next.as_deref().unwrap())]).await).await;
    assert_eq!(status, 422);
    let (status, _) =
        error_of(app.call::<ListMailbox>(&owner, &[("cursor", bell.next.as_deref().unwrap())]).await).await;
    assert_eq!(status, 422);
}

/// "Select all N matching" carries the filter, and the job sends to exactly what it matches:
/// not the page, not another project's or organization's contacts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_all_matching_sends_to_what_the_filter_matches() {
    use portico_app::jobs::StartBulkAction;
    use portico_core::entities::outbox_message;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Match Co", "owner@match.test").await;
    let boss = staff(&app, "owner@match.test").await;
    let project = app.create_project(&owner, "Wide").await;
    seed(&app, &boss, project, 120, "Alpha").await;
    seed(&app, &boss, project, 30, "Beta").await;
    let other_project = app.create_project(&owner, "Other").await;
    seed(&app, &boss, other_project, 20, "Gamma").await;
    let login_emails = || async {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::Topic.eq("login_email"))
            .all(&app.state.portico.db)
            .await
            .unwrap()
    };
    let p = project.to_string();
    let action = ("action", "login_email");

    // A search beyond the first page: the 30 Betas, and only them.
    let page = app.bulk_job_with(&owner, &[action, ("matching_project", &p), ("q", "beta")]).await;
    assert_eq!((page.job.total, page.job.done), (30, 30), "{page:?}");
    let sent = login_emails().await;
    assert_eq!(sent.len(), 30);
    assert!(sent.iter().all(|m| m.recipient.starts_with("beta-")), "only Betas were mailed");

    // A status filter: everyone invited on the project (120 + 30), not the other project.
    let page = app.bulk_job_with(&owner, &[action, ("matching_project", &p), ("status", "invited")]).await;
    assert_eq!(page.job.done, 150, "{page:?}");
    assert!(login_emails().await.iter().all(|m| !m.recipient.starts_with("gamma-")));

    // Ids and a filter at once; a bad status: refused.
    for bad in [("client_ids[0]", "1"), ("status", "everyone")] {
        let key = format!("k-{}", portico_core::secrets::random_hex16());
        let res =
            app.call::<StartBulkAction>(&owner, &[action, ("matching_project", &p), bad, ("request_key", &key)]).await;
        assert_eq!(error_of(res).await.0, 422, "{bad:?}");
    }
    // Another organization's project: not found, nothing sent.
    let stranger = app.owner("Stranger Co", "owner@stranger.test").await;
    let key = format!("k-{}", portico_core::secrets::random_hex16());
    let res = app.call::<StartBulkAction>(&stranger, &[action, ("matching_project", &p), ("request_key", &key)]).await;
    assert_eq!(error_of(res).await.0, 404);
    assert_eq!(login_emails().await.len(), 180);
}

/// `n` more customers of the organization, and its clients spread over all of them (client `i`
/// belongs to its `i mod count`-th customer), written straight to the tables.
async fn seed_customers(app: &TestApp, staff: &Staff, n: usize, prefix: &str) -> Vec<i64> {
    use portico_core::entities::customer;
    use sea_orm::sea_query::Expr;
    let db = &app.state.portico.db;
    let org = staff.org_id.0;
    customer::Entity::insert_many((0..n).map(|i| customer::ActiveModel {
        org_id: Set(org),
        name: Set(format!("{prefix} Customer {i:04}")),
        kind: Set("business".into()),
        created_at: Set(Utc::now()),
        version: Set(1),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await
    .unwrap();
    let ids: Vec<i64> = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let clients: Vec<i64> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .order_by_asc(client::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    for (k, customer) in ids.iter().enumerate() {
        let theirs: Vec<i64> = clients.iter().copied().skip(k).step_by(ids.len()).collect();
        for chunk in theirs.chunks(500) {
            client::Entity::update_many()
                .col_expr(client::Column::CustomerId, Expr::value(*customer))
                .filter(client::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await
                .unwrap();
        }
    }
    // Every tenth client deactivated, as Deactivate leaves them.
    let tenth: Vec<i64> = clients.iter().copied().step_by(10).collect();
    for chunk in tenth.chunks(500) {
        client::Entity::update_many()
            .col_expr(client::Column::DeactivatedAt, Expr::value(Utc::now()))
            .filter(client::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await
            .unwrap();
    }
    access::check(&app.state.portico, true).await.unwrap();
    ids
}

async fn clients_and_customers_pages_cost_the_same_statements(backend: Backend) {
    use portico_core::{clients::ClientQuery, customers, dashboard, domain::OrgId};
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let mut per_org = Vec::new();
    for (org, n, customers_n) in [("Small", 10, 3), ("Large", 10_000, 500)] {
        let email = format!("owner@{}.test", org.to_lowercase());
        let owner = app.owner(&format!("{org} Co"), &email).await;
        let project = app.create_project(&owner, org).await;
        let staff = staff(&app, &email).await;
        seed(&app, &staff, project, n, org).await;
        let customer_ids = seed_customers(&app, &staff, customers_n, org).await;
        let (portico, statements) = counting(&app).await;
        let query = |parts: [&str; 8]| ClientQuery::parse(&portico.key, OrgId(staff.org_id.0), parts).unwrap();
        let first_customer = customer_ids[0].to_string();
        let project = project.to_string();
        let mut costs = Vec::new();
        for (what, parts) in [
            ("first page", ["", "", "", "", "", "", "", ""]),
            ("search", ["", "", "", "", "client 0000", "", "", ""]),
            ("customer", ["", "", "", first_customer.as_str(), "", "", "", ""]),
            ("project and status", ["", "invited", project.as_str(), "", "", "", "", ""]),
            ("deactivated users", ["deactivated", "", "", "", "", "", "", ""]),
            ("newest first", ["", "", "", "", "", "newest", "", ""]),
        ] {
            let q = query(parts);
            statements.reset();
            let page = portico_core::clients::list(&portico, &staff, &q, [None, None]).await.unwrap();
            costs.push((what, statements.count(), page.rows.len().min(1)));
        }
        statements.reset();
        let page = customers::list(&portico, &staff, ["", "", ""]).await.unwrap();
        costs.push(("customers", statements.count(), page.rows.len().min(1)));
        statements.reset();
        let page = customers::list(&portico, &staff, [&format!("{org} Customer 000"), "", ""]).await.unwrap();
        costs.push(("customers searched", statements.count(), page.rows.len().min(1)));
        statements.reset();
        dashboard::dashboard(&portico, &staff, ["", &first_customer], None).await.unwrap();
        costs.push(("dashboard by customer", statements.count(), 1));
        per_org.push(costs);
    }
    eprintln!("statements per page (small, large): {per_org:?}");
    assert!(per_org[0].iter().all(|(_, _, rows)| *rows == 1), "every page shows rows: {:?}", per_org[0]);
    assert_eq!(per_org[0], per_org[1], "a page at 10,000 clients costs what it does at 10");
    let first_page = per_org[0][0].1;
    assert_eq!(first_page, FIRST_CLIENTS_PAGE_STATEMENTS, "{:?}", per_org[0]);
    assert_consistent(&app).await;
}

/// The first page: the page, its rows' projects (places, then names), staff and customers, the
/// counters (no menus: the Project and Customer boxes ask as one types).
const FIRST_CLIENTS_PAGE_STATEMENTS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_and_customers_pages_cost_the_same_statements_at_10_and_10000_on_sqlite() {
    clients_and_customers_pages_cost_the_same_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_and_customers_pages_cost_the_same_statements_at_10_and_10000_on_postgres() {
    clients_and_customers_pages_cost_the_same_statements(Backend::Postgres).await;
}

/// A job's page reads a fixed number of statements whatever the job's size and however many
/// clients it skipped: the job, its starter's name, the first skipped or failed, their names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jobs_page_costs_the_same_statements_at_10_and_at_1000_clients() {
    use portico_core::{
        domain::ProjectId,
        jobs::{self, BulkAction, Selection},
        model::JobPage,
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Jobs Scale Co", "owner@jobs-scale.test").await;
    let small = app.create_project(&owner, "Small").await;
    let large = app.create_project(&owner, "Large").await;
    let staff = staff(&app, "owner@jobs-scale.test").await;
    seed(&app, &staff, small, 10, "Small").await;
    seed(&app, &staff, large, 1_000, "Large").await;
    let portico = &app.state.portico;
    let on =
        |project: i64| Selection::OnProject { project: ProjectId(project), status: String::new(), q: String::new() };
    let finished = |id: i64| {
        let staff = staff.clone();
        async move {
            for _ in 0..1200 {
                let page: JobPage = jobs::page(portico, &staff, id).await.unwrap();
                if page.job.status.is_finished() {
                    return page;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("job {id} did not finish");
        }
    };
    // Ten clients deactivated (nothing skipped); then a thousand that are all skipped.
    let few = jobs::start_bulk(portico, &staff, BulkAction::Deactivate, on(small), "scale-few-0001").await.unwrap();
    let few = finished(few).await;
    assert_eq!((few.job.done, few.job.skipped, few.problems.len()), (10, 0, 0));
    let many = jobs::start_bulk(portico, &staff, BulkAction::Activate, on(large), "scale-many-001").await.unwrap();
    let many = finished(many).await;
    assert_eq!((many.job.skipped, many.problems.len()), (1_000, JobPage::PROBLEMS_SHOWN as usize));

    let (counting, statements) = counting(&app).await;
    let mut cost = Vec::new();
    for id in [few.job.id, many.job.id] {
        statements.reset();
        jobs::page(&counting, &staff, id).await.unwrap();
        cost.push(statements.count());
    }
    assert_eq!(cost, [4, 4], "the job, its starter, its problems, their names");
}

/// A project's documents and invoices, and the portal page behind them: the same statements
/// whether the project holds 10 documents, updates and invoices or 10,000 of each (the lists show
/// the latest ones; the counts of what is new are one grouped query each).
async fn documents_invoices_and_portal_page_cost_the_same_statements(backend: Backend) {
    use portico_core::{
        documents,
        domain::{ClientId, OrgId},
        entities::{document, form, form_request, invoice, project_update},
        forms, invoices, portal,
        sessions::PortalClient,
    };
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let owner = app.owner("Files Co", "owner@files.test").await;
    let small = app.create_project(&owner, "Small").await;
    let large = app.create_project(&owner, "Large").await;
    for project in [small, large] {
        assert!(app.invite(&owner, project, "Carl", "carl@client.test").await.status().is_success());
        app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    }
    let staff = staff(&app, "owner@files.test").await;
    let carl =
        client::Entity::find().filter(client::Column::Email.eq("carl@client.test")).one(db).await.unwrap().unwrap();
    // A form per project, sent to Carl as many times as the project has of everything else
    // (all answered but the first: a client holds one waiting copy of a form at a time): the
    // form's page and the project's Forms read a page of them.
    let mut questions = crate::forms::intake().fields;
    for (i, q) in questions.iter_mut().enumerate() {
        q.id = i as u32 + 1;
    }
    let fields = serde_json::to_string(&questions).unwrap();
    let mut form_of = std::collections::HashMap::new();
    for project in [small, large] {
        let f = form::ActiveModel {
            org_id: Set(staff.org_id.0),
            name: Set(format!("Form {project}")),
            name_key: Set(format!("form {project}")),
            fields: Set(fields.clone()),
            next_field_id: Set(7),
            created_by: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        form_of.insert(project, f.id);
    }
    for (project, n) in [(small, 10), (large, 10_000)] {
        for chunk in (0..n).collect::<Vec<i64>>().chunks(1_000) {
            let at = Utc::now();
            form_request::Entity::insert_many(chunk.iter().map(|i| form_request::ActiveModel {
                org_id: Set(staff.org_id.0),
                form_id: Set(form_of[&project]),
                project_id: Set(project),
                client_id: Set(carl.id),
                invitation_id: Set(None),
                sent_by: Set(None),
                form_name: Set(format!("Form {project}")),
                fields: Set(fields.clone()),
                answers: Set((*i != 0).then(|| r#"[[1,["Carl"]],[5,["yes"]]]"#.to_string())),
                draft: Set(None),
                sent_at: Set(at),
                answered_at: Set((*i != 0).then_some(at)),
                skipped_at: Set(None),
                ..Default::default()
            }))
            .exec_without_returning(db)
            .await
            .unwrap();
            document::Entity::insert_many(chunk.iter().map(|i| document::ActiveModel {
                org_id: Set(staff.org_id.0),
                project_id: Set(project),
                name: Set(format!("File {i:05}.pdf")),
                content_type: Set("application/pdf".into()),
                size_bytes: Set(1_000),
                // Every third one is the client's.
                uploaded_by_staff: Set((i % 3 != 0).then_some(staff.user_id.0)),
                uploaded_by_client: Set((i % 3 == 0).then_some(carl.id)),
                uploaded_at: Set(at),
                ..Default::default()
            }))
            .exec_without_returning(db)
            .await
            .unwrap();
            project_update::Entity::insert_many(chunk.iter().map(|i| project_update::ActiveModel {
                org_id: Set(staff.org_id.0),
                project_id: Set(project),
                body: Set(format!("Update **{i}**")),
                posted_by: Set(Some(staff.user_id.0)),
                posted_at: Set(at),
                email_job_id: Set(None),
                ..Default::default()
            }))
            .exec_without_returning(db)
            .await
            .unwrap();
            // Every other one sent, the rest drafts.
            invoice::Entity::insert_many(chunk.iter().map(|i| invoice::ActiveModel {
                org_id: Set(staff.org_id.0),
                project_id: Set(project),
                number: Set(format!("P{project}-{i:05}")),
                number_key: Set(format!("p{project}-{i:05}")),
                amount_minor: Set(10_000 + i),
                currency: Set("EUR".into()),
                due_on: Set(chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap()),
                status: Set(if i % 2 == 0 { "sent" } else { "draft" }.into()),
                pdf_name: Set(format!("Invoice {i}.pdf")),
                pdf_size: Set(1_000),
                created_by: Set(Some(staff.user_id.0)),
                created_at: Set(at),
                sent_at: Set((i % 2 == 0).then_some(at)),
                paid_at: Set(None),
                ..Default::default()
            }))
            .exec_without_returning(db)
            .await
            .unwrap();
        }
    }
    let client = PortalClient {
        org_id: OrgId(staff.org_id.0),
        client_id: ClientId(carl.id),
        name: carl.name.clone(),
        email: carl.email.clone(),
        org_name: staff.org_name.clone(),
        org_slug: staff.org_slug.clone(),
        needs_password: false,
    };
    let (portico, statements) = counting(&app).await;
    let mut costs = Vec::new();
    for project in [small, large] {
        statements.reset();
        let list = documents::for_staff(&portico, &staff, ProjectId(project)).await.unwrap();
        let bills = invoices::for_staff(&portico, &staff, ProjectId(project)).await.unwrap();
        let editor = forms::editor(&portico, &staff, form_of[&project]).await.unwrap();
        let staff_cost = statements.take();
        let page = portal::project_page(&portico, &client, project).await.unwrap();
        let first_visit = statements.take();
        let again = portal::project_page(&portico, &client, project).await.unwrap();
        let next_visit = statements.count();
        costs.push((staff_cost, first_visit, next_visit));
        let expected = if project == small { 10 } else { documents::SHOWN as usize };
        assert_eq!((list.documents.len(), page.documents.len()), (expected, expected));
        let others = if project == small { 6 } else { 6_666 };
        assert_eq!((page.new_updates, page.new_documents), (if project == small { 10 } else { 10_000 }, others));
        assert_eq!((again.new_updates, again.new_documents, again.new_invoices), (0, 0, 0));
        let switcher: Vec<_> = page.projects.iter().map(|p| (p.id, p.name.as_str())).collect();
        assert_eq!(switcher, [(large, "Large"), (small, "Small")], "the project switcher, by name");
        let (shown, sent) = if project == small { (10, 5) } else { (invoices::SHOWN as usize, 5_000) };
        assert_eq!((bills.invoices.len(), bills.total), (shown, if project == small { 10 } else { 10_000 }));
        assert_eq!((page.invoices.len(), page.new_invoices), (sent.min(invoices::SHOWN as usize), sent as u64));
        // The section links and "Showing the latest … of …" count them all, not the list shown.
        let all = if project == small { 10 } else { 10_000 };
        assert_eq!((page.documents_total, page.updates_total, page.invoices_total), (all, all, sent as u64));
        let (n, shown) = if project == small { (10, 10) } else { (10_000, forms::SHOWN as usize) };
        assert_eq!((editor.sent, editor.answered, editor.responses.len()), (n, n - 1, shown));
        // Newest first: the last one sent (answered), its six questions with their answers.
        let answered: Vec<&str> = editor.responses[0].answers.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(answered, ["Carl", "", "", "", "Yes", ""]);
        assert_eq!(page.forms.len(), shown);
    }
    assert_eq!(
        costs[0], costs[1],
        "10,000 documents, updates, invoices and forms cost what 10 do (staff's lists, two visits)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_invoices_and_portal_page_cost_the_same_statements_at_10_and_10000_on_sqlite() {
    documents_invoices_and_portal_page_cost_the_same_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_invoices_and_portal_page_cost_the_same_statements_at_10_and_10000_on_postgres() {
    documents_invoices_and_portal_page_cost_the_same_statements(Backend::Postgres).await;
}
