//! Durable jobs: a bulk action over many clients done in chunks that each commit their work
//! and their progress together, so a process that dies anywhere loses nothing and repeats
//! nothing; the same request twice starts one job; a cancelled job stops between chunks.

use std::collections::HashMap;

use crate::common::{Backend, services_alone};
use portico_core::{
    Portico,
    accounts::{self, NewOrganization, Staff},
    clients::{self, ClientQuery, NewClient},
    entities::{job, job_item, outbox_message, sign_in_link},
    jobs::{self, BulkAction, Selection},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// An organization with its owner and `n` clients invited to one project (a login email goes
/// only to invited clients).
async fn firm(portico: &Portico, name: &str, n: usize) -> Staff {
    use portico_core::projects::{self, NewProject};
    let slug = name.to_lowercase().replace(' ', "-");
    let new =
        NewOrganization::parse(name, "Olivia Owner", &format!("owner@{slug}.test"), "correct horse battery").unwrap();
    let owner = accounts::create_organization(portico, new).await.unwrap();
    let staff = accounts::load_staff(portico, owner).await.unwrap();
    let project = NewProject::parse(["Roof", "", "", "fixed_fee"], None).unwrap();
    let project = projects::create(portico, &staff, project, None).await.unwrap();
    for i in 0..n {
        let email = format!("client{i}@{slug}.test");
        let client =
            NewClient::parse([&format!("Client {i:03}"), &email, "", "", "", ""], None, &[project.0], &HashMap::new())
                .unwrap();
        clients::create(portico, &staff, client, true, None).await.unwrap();
    }
    staff
}

fn everyone(portico: &Portico, staff: &Staff) -> Selection {
    Selection::Matching(ClientQuery::parse(&portico.key, staff.org_id, [""; 8]).unwrap())
}

async fn job_row(portico: &Portico, id: i64) -> job::Model {
    job::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap()
}

async fn login_emails(portico: &Portico) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Topic.eq("login_email"))
        .count(&portico.db)
        .await
        .unwrap()
}

/// A worker dies after some chunks; after its lease runs out a second worker finishes the job,
/// and the dead worker's lease writes nothing more. Every client gets exactly one login email.
async fn a_killed_job_resumes_without_repeating_anything(backend: Backend) {
    const CLIENTS: i64 = 250;
    let Some((portico, _db)) = services_alone(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = firm(&portico, "Resume Co", CLIENTS as usize).await;
    let id = jobs::start_bulk(&portico, &staff, BulkAction::SendLoginEmail, everyone(&portico, &staff), "resume-key-1")
        .await
        .unwrap();
    assert_eq!(job_row(&portico, id).await.total, CLIENTS);

    let (lease, claimed) = jobs::claim(&portico, "doomed").await.unwrap().unwrap();
    assert_eq!(claimed.id, id);
    // Nobody else takes a job under a live lease.
    assert!(jobs::claim(&portico, "other").await.unwrap().is_none());
    // Two chunks commit, then the process dies. (A real kill closes its connections and the
    // database rolls back the chunk under way: scripts/chaos.sh does that to processes. Dropping
    // a chunk's future inside a live process instead, after a timeout, once left a PostgreSQL
    // transaction holding its locks and the next worker waiting on them.)
    assert!(jobs::chunk(&portico, &lease, id, &staff, BulkAction::SendLoginEmail).await.unwrap());
    assert!(jobs::chunk(&portico, &lease, id, &staff, BulkAction::SendLoginEmail).await.unwrap());
    let halfway = job_row(&portico, id).await;
    let handled: u64 = job_item::Entity::find()
        .filter(job_item::Column::JobId.eq(id))
        .filter(job_item::Column::Outcome.is_not_null())
        .count(&portico.db)
        .await
        .unwrap();
    // Progress and work are written together: the count is what has an outcome, and each of
    // those has its email.
    assert_eq!((halfway.done as u64, login_emails(&portico).await), (handled, handled));
    assert_eq!(handled, 2 * jobs::CHUNK, "two chunks handled before the end");

    // The lease runs out; another worker takes the job and finishes it.
    {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let mut row = halfway.into_active_model();
        row.lease_until = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
        row.update(&portico.db).await.unwrap();
    }
    let (second, _) = jobs::claim(&portico, "survivor").await.unwrap().unwrap();
    // The dead worker's lease no longer writes anything.
    assert!(!jobs::chunk(&portico, &lease, id, &staff, BulkAction::SendLoginEmail).await.unwrap());
    while jobs::chunk(&portico, &second, id, &staff, BulkAction::SendLoginEmail).await.unwrap() {}
    let finished = job_row(&portico, id).await;
    assert_eq!((finished.status.as_str(), finished.done, finished.skipped, finished.failed), ("done", CLIENTS, 0, 0));
    assert_eq!(login_emails(&portico).await, CLIENTS as u64, "one login email per client");
    let links = sign_in_link::Entity::find().count(&portico.db).await.unwrap();
    assert_eq!(links, CLIENTS as u64, "one sign-in link per client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_job_resumes_without_repeating_anything_on_sqlite() {
    a_killed_job_resumes_without_repeating_anything(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_job_resumes_without_repeating_anything_on_postgres() {
    a_killed_job_resumes_without_repeating_anything(Backend::Postgres).await;
}

/// The same request twice (double click, retry, two tabs) starts one job; clients the action
/// does not apply to are reported as skipped with the reason; another organization's client in
/// the selection refuses the whole request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_jobs_are_idempotent_report_skips_and_stay_in_their_organization() {
    use portico_core::{Error, domain::ClientId, entities::client};
    let (portico, _db) = services_alone(Backend::Sqlite).await.unwrap();
    let staff = firm(&portico, "Twice Co", 12).await;
    let other = firm(&portico, "Other Co", 1).await;
    let ids: Vec<ClientId> = client::Entity::find()
        .filter(client::Column::OrgId.eq(staff.org_id.0))
        .all(&portico.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| ClientId(c.id))
        .collect();
    // Two are deactivated already.
    clients::set_deactivated(&portico, &staff, ids[0], true, None).await.unwrap();
    clients::set_deactivated(&portico, &staff, ids[1], true, None).await.unwrap();
    let start = |key: &'static str| {
        let (portico, staff, ids) = (&portico, &staff, ids.clone());
        async move { jobs::start_bulk(portico, staff, BulkAction::Deactivate, Selection::Clients(ids), key).await }
    };
    let (a, b) = tokio::join!(start("same-key-twice"), start("same-key-twice"));
    assert_eq!(a.unwrap(), b.as_ref().copied().unwrap());
    let id = b.unwrap();
    assert_eq!(job::Entity::find().count(&portico.db).await.unwrap(), 1, "one job for one request");

    let (lease, _) = jobs::claim(&portico, "w").await.unwrap().unwrap();
    while jobs::chunk(&portico, &lease, id, &staff, BulkAction::Deactivate).await.unwrap() {}
    let page = jobs::page(&portico, &staff, id).await.unwrap();
    assert_eq!((page.job.done, page.job.skipped, page.job.failed), (10, 2, 0));
    assert_eq!(page.job.title, "Deactivate: 12 clients");
    assert_eq!(page.problems.len(), 2);
    assert!(page.problems.iter().all(|p| p.skipped && p.reason == "Already deactivated."), "{:?}", page.problems);
    let deactivated = client::Entity::find()
        .filter(client::Column::OrgId.eq(staff.org_id.0))
        .filter(client::Column::DeactivatedAt.is_not_null())
        .count(&portico.db)
        .await
        .unwrap();
    assert_eq!(deactivated, 12);

    // Another organization's client smuggled into a selection: not found, nothing started.
    let theirs = client::Entity::find()
        .filter(client::Column::OrgId.eq(other.org_id.0))
        .one(&portico.db)
        .await
        .unwrap()
        .unwrap();
    let mixed = Selection::Clients(vec![ids[2], ClientId(theirs.id)]);
    let refused = jobs::start_bulk(&portico, &staff, BulkAction::Activate, mixed, "mixed-selection").await;
    assert!(matches!(refused, Err(Error::NotFound)), "{refused:?}");
    assert_eq!(job::Entity::find().count(&portico.db).await.unwrap(), 1);
    // Nor can they see or cancel this organization's job.
    assert!(matches!(jobs::page(&portico, &other, id).await, Err(Error::NotFound)));
    assert!(matches!(jobs::cancel(&portico, &other, id).await, Err(Error::NotFound)));
    // A key that is not one the browser makes.
    let bad = jobs::start_bulk(&portico, &staff, BulkAction::Activate, Selection::Clients(vec![ids[2]]), "x").await;
    assert!(matches!(bad, Err(Error::Validation { field: "request_key", .. })), "{bad:?}");
}

/// "Cancel": the job stops between chunks; what was done stays done, the rest is never touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_job_stops_between_chunks() {
    let (portico, _db) = services_alone(Backend::Sqlite).await.unwrap();
    let staff = firm(&portico, "Cancel Co", 120).await;
    let id = jobs::start_bulk(&portico, &staff, BulkAction::SendLoginEmail, everyone(&portico, &staff), "cancel-key-1")
        .await
        .unwrap();
    let (lease, _) = jobs::claim(&portico, "w").await.unwrap().unwrap();
    assert!(jobs::chunk(&portico, &lease, id, &staff, BulkAction::SendLoginEmail).await.unwrap());
    jobs::cancel(&portico, &staff, id).await.unwrap();
    assert!(!jobs::chunk(&portico, &lease, id, &staff, BulkAction::SendLoginEmail).await.unwrap());
    let row = job_row(&portico, id).await;
    assert_eq!((row.status.as_str(), row.done), ("cancelled", jobs::CHUNK as i64));
    assert_eq!(login_emails(&portico).await, jobs::CHUNK);
    let again = jobs::cancel(&portico, &staff, id).await;
    assert!(matches!(again, Err(portico_core::Error::Conflict(_))), "{again:?}");
    assert!(jobs::claim(&portico, "w2").await.unwrap().is_none(), "a cancelled job is never claimed");
}

/// Two processes starting at once on a new database (two replicas, a rolling deploy): both
/// open it and bring the schema up to date, neither fails on the other's migrations.
async fn two_processes_migrate_at_once(backend: Backend) {
    let Some((url, _guard)) = crate::common::fresh_database(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let (a, b) = tokio::join!(portico_core::db::connect(&url), portico_core::db::connect(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (first, second) = tokio::join!(portico_core::db::migrate(&a), portico_core::db::migrate(&b));
    first.unwrap();
    second.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_migrate_at_once_on_sqlite() {
    two_processes_migrate_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_migrate_at_once_on_postgres() {
    two_processes_migrate_at_once(Backend::Postgres).await;
}

/// A restarted process of the same instance takes back at once what its killed predecessor
/// had claimed (mail and a job), instead of waiting for the leases to run out; another
/// instance's claims stay where they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_takes_back_its_predecessors_claims_at_once() {
    use portico_core::outbox::{self, Lane};
    let (portico, _db) = services_alone(Backend::Sqlite).await.unwrap();
    // Six invitation emails queued, and a login-email job.
    let staff = firm(&portico, "Restart Co", 6).await;
    let id =
        jobs::start_bulk(&portico, &staff, BulkAction::SendLoginEmail, everyone(&portico, &staff), "restart-key-1")
            .await
            .unwrap();
    // The dead process (instance ia) had claimed four messages and the job; another
    // instance (ib) two messages.
    // Each lane's sender claims under the lane's own worker id, as `run_worker` does.
    let bulk = |worker: &str| outbox::lane_worker(Lane::Bulk, worker);
    let (_, dead) = outbox::claim(&portico, Lane::Bulk, &bulk("ia0000000001.41"), 4).await.unwrap();
    let (_, alive) = outbox::claim(&portico, Lane::Bulk, &bulk("ib0000000002.42"), 4).await.unwrap();
    assert_eq!((dead.len(), alive.len()), (4, 2));
    let (_, claimed) = jobs::claim(&portico, "ia0000000001.41").await.unwrap().unwrap();
    assert_eq!(claimed.id, id);
    // Nothing is due for anyone until the leases run out...
    assert!(outbox::claim(&portico, Lane::Bulk, &bulk("ic0000000003.43"), 10).await.unwrap().1.is_empty());
    assert!(jobs::claim(&portico, "ic0000000003.43").await.unwrap().is_none());
    // ...unless instance ia restarts: its four messages and its job are due again at once.
    assert_eq!(jobs::recover(&portico, "ia0000000001.").await.unwrap(), (4, 1));
    let (_, again) = outbox::claim(&portico, Lane::Bulk, &bulk("ia0000000001.99"), 10).await.unwrap();
    let mut ids: Vec<i64> = again.iter().map(|m| m.id).collect();
    ids.sort();
    let mut before: Vec<i64> = dead.iter().map(|m| m.id).collect();
    before.sort();
    assert_eq!(ids, before, "exactly the dead process's messages, not the other instance's");
    assert_eq!(jobs::claim(&portico, "ia0000000001.99").await.unwrap().map(|(_, j)| j.id), Some(id));
    assert_eq!(jobs::recover(&portico, "iz").await.unwrap(), (0, 0));
}
