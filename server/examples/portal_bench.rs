//! Issue 12's measure: the portal home and a project's task list for a client in 20 projects
//! with 2,000 tasks in one of them (and 50 in each other), and 100 Markdown updates in each, on
//! SQLite or PostgreSQL. Times the
//! services behind the two pages (what the server does per view, HTTP aside): the median and
//! the slowest of 50 views each. Prints the figures.
//!
//!     RUSTFLAGS="--cfg erase_components" cargo run --release -p portico-server --example portal_bench [-- --pg URL]

use std::time::Instant;

use portico_core::{
    Portico,
    accounts::{self, NewOrganization},
    domain::{ClientId, OrgId},
    entities::{client, invitation, project, project_client, project_update, task},
    sessions::PortalClient,
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

const PROJECTS: usize = 20;
const TASKS_IN_FIRST: usize = 2_000;
const TASKS_IN_OTHERS: usize = 50;
const UPDATES_PER_PROJECT: usize = 100;
const VIEWS: usize = 50;
/// An update as staff write them: a heading, a list, emphasis, a link and a small table.
const UPDATE: &str = "## Where we are\n\nWe **filed** the return on Monday. Still to come:\n\n\
- the bank letters (we asked twice)\n- your signature on the engagement letter\n- *receipts* for March\n\n\
See [the checklist](https://example.com/checklist) for details.\n\n| Item | Due |\n|---|---|\n| Letters | 31 Jan |\n| Receipts | 15 Feb |\n";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let pg = match (args.next().as_deref(), args.next()) {
        (Some("--pg"), Some(url)) => Some(url),
        (None, _) => None,
        _ => anyhow::bail!("usage: portal_bench [--pg postgres://user@host:port]"),
    };
    let dir = std::env::temp_dir().join(format!("portico_portal_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let name = format!("portico_portal_bench_{}", std::process::id());
    let (url, admin) = match &pg {
        Some(server) => {
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await?;
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE {name}")).await?;
            (format!("{server}/{name}"), Some(admin))
        }
        None => (format!("sqlite://{}/portico.db", dir.display()), None),
    };
    let result = run(&url, if pg.is_some() { "PostgreSQL" } else { "SQLite" }).await;
    if let Some(admin) = admin {
        let _ =
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(url: &str, backend: &str) -> anyhow::Result<()> {
    let db = portico_core::db::connect(url).await?;
    portico_core::db::migrate(&db).await?;
    let portico = Portico::new(
        db,
        portico_core::secrets::ServerKey::from_hex(&"55".repeat(32)).unwrap(),
        "http://127.0.0.1:3000",
    );
    let owner = accounts::create_organization(
        &portico,
        NewOrganization::parse("Bench & Co", "Olivia Owner", "owner@bench.test", "correct horse battery")?,
    )
    .await?;
    let staff = accounts::load_staff(&portico, owner).await?;
    let org = staff.org_id.0;
    let now = chrono::Utc::now();
    // The client, in 20 projects, each invitation accepted (written straight to the tables:
    // the pages read them, the way they got there does not matter here).
    let c = client::ActiveModel {
        org_id: Set(org),
        name: Set("Cleo Client".into()),
        email: Set("cleo@bench.test".into()),
        created_at: Set(now),
        first_accepted_at: Set(Some(now)),
        version: Set(1),
        ..Default::default()
    }
    .insert(&portico.db)
    .await?;
    let mut projects = Vec::new();
    for i in 0..PROJECTS {
        let p = project::ActiveModel {
            org_id: Set(org),
            name: Set(format!("Project {i:02}")),
            created_by: Set(staff.user_id.0),
            billing: Set("fixed_fee".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&portico.db)
        .await?;
        project_client::ActiveModel {
            org_id: Set(org),
            project_id: Set(p.id),
            client_id: Set(c.id),
            is_primary: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&portico.db)
        .await?;
        invitation::ActiveModel {
            org_id: Set(org),
            client_id: Set(c.id),
            project_id: Set(Some(p.id)),
            invited_by: Set(staff.user_id.0),
            token_hash: Set(format!("bench-{i}")),
            link_salt: Set(format!("salt-{i}")),
            email: Set(c.email.clone()),
            status: Set(portico_core::invitations::state::ACCEPTED.into()),
            expires_at: Set(now + chrono::Duration::days(7)),
            created_at: Set(now),
            last_sent_at: Set(now),
            send_count: Set(1),
            accepted_at: Set(Some(now)),
            failed_attempts: Set(0),
            ..Default::default()
        }
        .insert(&portico.db)
        .await?;
        projects.push(p.id);
    }
    // Tasks: 2,000 in the first project, 50 in each other; a third assigned to the client, a
    // third to nobody, a third to another client (not shown to this one); a quarter completed.
    let other = client::ActiveModel {
        org_id: Set(org),
        name: Set("Otto Other".into()),
        email: Set("otto@bench.test".into()),
        created_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&portico.db)
    .await?;
    for (n, &p) in projects.iter().enumerate() {
        let count = if n == 0 { TASKS_IN_FIRST } else { TASKS_IN_OTHERS };
        let rows: Vec<task::ActiveModel> = (0..count)
            .map(|i| task::ActiveModel {
                org_id: Set(org),
                project_id: Set(p),
                title: Set(format!("Task {i}")),
                description: Set("Please send the documents we discussed.".into()),
                due_on: Set((i % 3 == 0).then(|| (now + chrono::Duration::days(i as i64 % 60)).date_naive())),
                assignee_id: Set(match i % 3 {
                    0 => Some(c.id),
                    1 => None,
                    _ => Some(other.id),
                }),
                created_by: Set(Some(staff.user_id.0)),
                created_at: Set(now),
                completed_at: Set((i % 4 == 0).then_some(now)),
                completed_by: Set((i % 4 == 0).then_some(c.id)),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(500) {
            task::Entity::insert_many(chunk.to_vec()).exec_without_returning(&portico.db).await?;
        }
    }
    for &p in &projects {
        let rows: Vec<project_update::ActiveModel> = (0..UPDATES_PER_PROJECT)
            .map(|_| project_update::ActiveModel {
                org_id: Set(org),
                project_id: Set(p),
                body: Set(UPDATE.into()),
                posted_by: Set(Some(staff.user_id.0)),
                posted_at: Set(now),
                email_job_id: Set(None),
                ..Default::default()
            })
            .collect();
        project_update::Entity::insert_many(rows).exec_without_returning(&portico.db).await?;
    }
    let client = PortalClient {
        org_id: OrgId(org),
        client_id: ClientId(c.id),
        name: c.name.clone(),
        email: c.email.clone(),
        org_name: staff.org_name.clone(),
        org_slug: staff.org_slug.clone(),
        needs_password: false,
    };
    println!(
        "== portal of a client in {PROJECTS} projects, {TASKS_IN_FIRST} tasks in one and {TASKS_IN_OTHERS} in each other, {UPDATES_PER_PROJECT} updates in each, {backend}"
    );
    let home = portico_core::portal::home(&portico, &client).await?;
    anyhow::ensure!(home.projects.len() == PROJECTS, "{} projects on the home", home.projects.len());
    let page = portico_core::portal::project_page(&portico, &client, projects[0]).await?;
    println!(
        "  home: {} projects, {} open tasks in the first, {} latest updates; project page: {} tasks listed, {} open, {} updates",
        home.projects.len(),
        home.projects.iter().find(|p| p.id == projects[0]).map_or(0, |p| p.open_tasks),
        home.latest_updates.len(),
        page.tasks.len(),
        page.open,
        page.updates.len()
    );
    let t = Instant::now();
    for _ in 0..1_000 {
        std::hint::black_box(portico_core::updates::render(UPDATE));
    }
    println!("  rendering one update's Markdown: {:.1} µs", t.elapsed().as_secs_f64() * 1000.0);
    let mut times = Vec::new();
    for _ in 0..VIEWS {
        let t = Instant::now();
        portico_core::portal::home(&portico, &client).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("portal home", times);
    let mut times = Vec::new();
    for _ in 0..VIEWS {
        let t = Instant::now();
        portico_core::portal::project_page(&portico, &client, projects[0]).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("the 2,000-task project's page", times);
    let mut times = Vec::new();
    for _ in 0..VIEWS {
        let t = Instant::now();
        portico_core::tasks::for_staff(&portico, &staff, portico_core::domain::ProjectId(projects[0])).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("staff's Tasks of that project", times);
    let mut times = Vec::new();
    for _ in 0..VIEWS {
        let t = Instant::now();
        portico_core::updates::for_staff(&portico, &staff, portico_core::domain::ProjectId(projects[0])).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("staff's Updates of that project", times);
    Ok(())
}

fn report(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "  {what:<32} median {:>6.2} ms, slowest {:>6.2} ms ({} views)",
        ms[ms.len() / 2],
        ms[ms.len() - 1],
        ms.len()
    );
}
