//! CSV export of client users: by portal (one CSV) or by project (a ZIP of one CSV per
//! project), prepared by a job, downloaded as an attachment by owners and admins of the
//! organization only, for 24 hours; cells a spreadsheet would run as formulas are neutralised.

use std::io::Read;

use portico_app::{exports::StartExport, jobs::LoadJob};
use portico_core::{entities::job, model::JobPage};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::common::{Answer, Backend, TestApp, spawn_app};

async fn export(app: &TestApp, staff: &reqwest::Client, kind: &str) -> JobPage {
    let res = app.call::<StartExport>(staff, &[("kind", kind), ("request_key", "")]).await;
    assert!(res.status().is_success(), "start export: {}", res.status());
    let id: i64 = res.decoded().await;
    for _ in 0..600 {
        let page: JobPage = app.call::<LoadJob>(staff, &[("id", &id.to_string())]).await.decoded().await;
        if page.job.status.is_finished() {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("export {id} did not finish");
}

fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::Reader::from_reader(bytes).records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn header(bytes: &[u8]) -> Vec<String> {
    csv::Reader::from_reader(bytes).headers().unwrap().iter().map(str::to_string).collect()
}

async fn exports_by_portal_and_by_project(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Export Co", "owner@export.test").await;
    let roof = app.create_project(&staff, "Roof").await;
    let porch = app.create_project(&staff, "../Porch").await;
    let hostile = "=HYPERLINK(\"http://evil.test\",\"x\")";
    assert!(app.invite(&staff, roof, hostile, "evil@client.test").await.status().is_success());
    assert!(app.invite(&staff, roof, "Ann Able", "ann@client.test").await.status().is_success());
    assert!(app.invite(&staff, porch, "Ann Able", "ann@client.test").await.status().is_success());
    let link = app.invitation_link("ann@client.test").await;
    app.accept(&link, "ann@client.test").await;

    // By portal: one CSV, a header and a line per client.
    let page = export(&app, &staff, "portal").await;
    assert_eq!(page.job.title, "Export: All clients (one CSV)");
    assert_eq!((page.job.done, page.job.total), (2, 2));
    let download = page.download.expect("a download when the export is done");
    assert!(!download.expired);
    let res = staff.get(app.url(&download.href)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"clients-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = res.bytes().await.unwrap();
    assert_eq!(
        header(&body),
        [
            "Name",
            "Email",
            "Phone",
            "Customer",
            "Projects",
            "Status",
            "Invited at (UTC)",
            "Activated at (UTC)",
            "Last sign-in (UTC)",
            "Assigned staff"
        ]
    );
    let rows = records(&body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let evil = rows.iter().find(|r| r[1] == "evil@client.test").unwrap();
    assert_eq!(evil[0], format!("'{hostile}"), "a formula is exported as text");
    assert_eq!((evil[4].as_str(), evil[5].as_str()), ("Roof", "Invited"));
    let ann = rows.iter().find(|r| r[1] == "ann@client.test").unwrap();
    assert_eq!(ann[5], "Active");
    assert!(ann[4].contains("Roof") && ann[4].contains("../Porch"), "{}", ann[4]);
    assert!(!ann[7].is_empty() && !ann[8].is_empty(), "activated and signed in: {ann:?}");

    // By project: a ZIP with one CSV per project, named safely.
    let page = export(&app, &staff, "projects").await;
    assert_eq!((page.job.done, page.job.total), (3, 3));
    let res = staff.get(app.url(&page.download.unwrap().href)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let body = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, [format!("Roof ({roof}).csv"), format!("___Porch ({porch}).csv")]);
    let mut roof_csv = Vec::new();
    zip.by_name(&format!("Roof ({roof}).csv")).unwrap().read_to_end(&mut roof_csv).unwrap();
    assert!(!header(&roof_csv).contains(&"Projects".to_string()));
    let rows = records(&roof_csv);
    assert_eq!(rows.len(), 2);
    let mut porch_csv = Vec::new();
    zip.by_name(&format!("___Porch ({porch}).csv")).unwrap().read_to_end(&mut porch_csv).unwrap();
    let rows = records(&porch_csv);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][1], "ann@client.test");

    // Another organization cannot download it; nobody signed in cannot either.
    let other = app.owner("Other Co", "owner@other-export.test").await;
    let res = other.get(app.url(&format!("/exports/{}", page.job.id))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = crate::common::browser().get(app.url(&format!("/exports/{}", page.job.id))).send().await.unwrap();
    assert_eq!(res.status(), 401);

    // After 24 hours the link says so, and the sweep deletes the file.
    let row = job::Entity::find_by_id(page.job.id).one(&app.state.portico.db).await.unwrap().unwrap();
    let file = app.state.portico.files.join("exports").join(row.file_name.clone().unwrap());
    assert!(file.exists());
    let mut expired: job::ActiveModel = row.into();
    expired.file_expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(1)));
    expired.update(&app.state.portico.db).await.unwrap();
    let res = staff.get(app.url(&format!("/exports/{}", page.job.id))).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert_eq!(res.text().await.unwrap(), "This download has expired. Export again.");
    assert!(portico_core::jobs::sweep_files(&app.state.portico).await.unwrap() >= 1);
    assert!(!file.exists(), "the expired file is deleted");
    let page: JobPage = app.call::<LoadJob>(&staff, &[("id", &page.job.id.to_string())]).await.decoded().await;
    assert!(page.download.unwrap().expired);

    // Nothing to choose from: said at the field.
    let res = app.call::<StartExport>(&staff, &[("kind", "everything")]).await;
    let (status, e) = crate::common::error_of(res).await;
    assert_eq!((status, e.for_field("kind")), (422, Some("Choose what to export.".to_string())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_by_portal_and_by_project_on_sqlite() {
    exports_by_portal_and_by_project(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_by_portal_and_by_project_on_postgres() {
    exports_by_portal_and_by_project(Backend::Postgres).await;
}
