//! CSV import: a 1,000-row file with planted errors gives exactly the expected dry run and
//! error report; "Import" refuses while rows are invalid, "Import the valid rows only" imports
//! the rest as a job and invites the projects chosen; the same file again creates and sends
//! nothing; wrong files are refused at the upload with the reason; another organization sees
//! none of it.

use portico_app::{
    imports::{LoadImport, MapImportColumns, StartImport},
    jobs::LoadJob,
};
use portico_core::{
    entities::{client, customer, invitation, project, project_client},
    model::{ImportField, ImportPreview, JobPage, RowVerdict},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{Answer, Backend, TestApp, error_of, spawn_app};

/// Uploads `bytes` as the form does; the address the browser is sent to.
async fn upload(app: &TestApp, staff: &reqwest::Client, name: &str, bytes: Vec<u8>) -> String {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str("text/csv").unwrap();
    let res = staff
        .post(app.url("/imports"))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "upload {name}");
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn uploaded(app: &TestApp, staff: &reqwest::Client, name: &str, bytes: Vec<u8>) -> i64 {
    let to = upload(app, staff, name, bytes).await;
    to.strip_prefix("/imports/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("not an import page: {to}"))
}

async fn preview(app: &TestApp, staff: &reqwest::Client, id: i64) -> ImportPreview {
    let res = app.call::<LoadImport>(staff, &[("id", &id.to_string())]).await;
    assert_eq!(res.status(), 200);
    res.decoded().await
}

async fn finished(app: &TestApp, staff: &reqwest::Client, job: i64) -> JobPage {
    for _ in 0..1200 {
        let page: JobPage = app.call::<LoadJob>(staff, &[("id", &job.to_string())]).await.decoded().await;
        if page.job.status.is_finished() {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {job} did not finish");
}

/// The file: 100 projects of 10 clients, semicolon-separated with a byte-order mark, and these
/// rows (0-based `i`, spreadsheet row `i + 2`) planted.
fn planted_file() -> Vec<u8> {
    let mut out = String::from("\u{feff}Project;Name;Email;Phone;Customer\r\n");
    let row = |i: usize| {
        [
            format!("P{:03}", i / 10),
            format!("Client {i}"),
            format!("c{i}@import.test"),
            String::new(),
            format!("Cust {}", i / 100),
        ]
    };
    for i in 0..1000 {
        let mut r = row(i);
        match i {
            // Invalid emails, one with a formula for a name.
            10 | 20 | 30 | 40 | 50 => {
                r[2] = format!("not-an-email-{i}");
                if i == 10 {
                    r[1] = "=HYPERLINK(\"http://evil.test\")".into();
                }
            }
            // No name; a name with a line break in it; a phone number that is none.
            60 | 70 | 80 => r[1] = String::new(),
            90 => r[1] = "Two\nLines".into(),
            100 => r[3] = "12".into(),
            // The row before, again.
            110 | 120 | 130 | 140 => r = row(i - 1),
            // The email of the row before with another name (the second one in a project and
            // for a customer of its own, which a valid-rows-only import must not create).
            150 | 160 => {
                r[2] = format!("c{}@import.test", i - 1);
                r[1] = "Other Name".into();
                if i == 160 {
                    (r[0], r[4]) = ("Stray".into(), "Stray Co".into());
                }
            }
            // A client of another project: added to this one.
            170 => r = ["P017".into(), "Pat Prior".into(), "pat@client.test".into(), String::new(), String::new()],
            // Clients of "Existing" already, as they are.
            180 => r = ["Existing".into(), "Sam Same".into(), "sam@client.test".into(), String::new(), String::new()],
            190 => r = ["Existing".into(), "Pat Prior".into(), "pat@client.test".into(), String::new(), String::new()],
            _ => {}
        }
        let quoted: Vec<String> = r.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        out.push_str(&quoted.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

async fn org_clients(app: &TestApp, org_of: &str) -> u64 {
    let anyone = client::Entity::find()
        .filter(client::Column::Email.eq(org_of))
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .unwrap();
    client::Entity::find().filter(client::Column::OrgId.eq(anyone.org_id)).count(&app.state.portico.db).await.unwrap()
}

async fn invitations(app: &TestApp) -> u64 {
    invitation::Entity::find().count(&app.state.portico.db).await.unwrap()
}

async fn a_planted_file_is_dry_run_imported_and_imported_again_as_a_no_op(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Import Co", "owner@import.test").await;
    let existing = app.create_project(&staff, "Existing").await;
    assert!(app.invite(&staff, existing, "Sam Same", "sam@client.test").await.status().is_success());
    assert!(app.invite(&staff, existing, "Pat Prior", "pat@client.test").await.status().is_success());
    let file = planted_file();

    // The dry run: exactly the planted verdicts, and nothing written.
    let id = uploaded(&app, &staff, "clients.csv", file.clone()).await;
    let dry = preview(&app, &staff, id).await;
    assert_eq!(dry.rows, 1000);
    assert_eq!(dry.mapping.iter().map(|m| m.1).collect::<Vec<_>>(), [Some(0), Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(
        (dry.create, dry.update, dry.skip, dry.duplicates, dry.invalid),
        (981, 1, 2, 4, 12),
        "new, updated, unchanged, duplicates, invalid"
    );
    assert_eq!(dry.projects.len(), 101);
    let p017 = dry.projects.iter().find(|p| p.name == "P017").unwrap();
    assert_eq!((p017.new, p017.create, p017.update, p017.to_invite), (true, 9, 1, 10));
    let old = dry.projects.iter().find(|p| p.name == "Existing").unwrap();
    assert_eq!((old.new, old.skip, old.to_invite), (false, 2, 0));
    let problems: Vec<(u64, RowVerdict, Option<&str>)> =
        dry.problems.iter().map(|p| (p.line, p.verdict, p.column.as_deref())).collect();
    assert_eq!(
        problems,
        [
            (12, RowVerdict::Invalid, Some("Email")),
            (22, RowVerdict::Invalid, Some("Email")),
            (32, RowVerdict::Invalid, Some("Email")),
            (42, RowVerdict::Invalid, Some("Email")),
            (52, RowVerdict::Invalid, Some("Email")),
            (62, RowVerdict::Invalid, Some("Name")),
            (72, RowVerdict::Invalid, Some("Name")),
            (82, RowVerdict::Invalid, Some("Name")),
            (92, RowVerdict::Invalid, Some("Name")),
            (102, RowVerdict::Invalid, Some("Phone")),
            (112, RowVerdict::Duplicate, Some("Email")),
            (122, RowVerdict::Duplicate, Some("Email")),
            (132, RowVerdict::Duplicate, Some("Email")),
            (142, RowVerdict::Duplicate, Some("Email")),
            (152, RowVerdict::Invalid, Some("Name")),
            (162, RowVerdict::Invalid, Some("Name")),
            (182, RowVerdict::Skip, None),
            (192, RowVerdict::Skip, None),
        ]
    );
    assert_eq!(dry.problems[0].reason, "Enter an email address like name@example.com.");
    assert_eq!(dry.problems[10].reason, "The same client and project as row 111.");
    assert_eq!(dry.problems[14].reason, "Row 151 gives this email the name Client 149.");
    assert_eq!(dry.problems[16].reason, "Already a client of Existing with these details.");
    assert_eq!(org_clients(&app, "sam@client.test").await, 2, "a dry run writes nothing");
    assert_eq!(project::Entity::find().count(&app.state.portico.db).await.unwrap(), 1);

    // The error report: those rows as in the file, with the reason, formulas neutralised.
    let res = staff.get(app.url(&format!("/imports/{id}/problems.csv"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"clients-problems.csv\"");
    let body = res.bytes().await.unwrap();
    let mut report = csv::Reader::from_reader(body.strip_prefix(b"\xEF\xBB\xBF").unwrap());
    assert_eq!(
        report.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Row", "Result", "Problem", "Project", "Name", "Email", "Phone", "Customer"]
    );
    let lines: Vec<Vec<String>> = report.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    assert_eq!(lines.len(), 18);
    assert_eq!(
        lines[0],
        [
            "12",
            "Invalid",
            "Email: Enter an email address like name@example.com.",
            "P001",
            "'=HYPERLINK(\"http://evil.test\")",
            "not-an-email-10",
            "",
            "Cust 0"
        ]
    );

    // "Import" refuses while rows are invalid, and says what to do.
    let (status, e) = error_of(app.call::<StartImport>(&staff, &[("id", &id.to_string())]).await).await;
    assert_eq!(
        (status, e.for_field("valid_only")),
        (422, Some("12 rows have problems. Fix the file and upload it again, or import the valid rows only.".into()))
    );
    assert_eq!(org_clients(&app, "sam@client.test").await, 2);

    // "Import the valid rows only", inviting every project's clients but P099's.
    let mut form: Vec<(String, String)> = vec![("id".into(), id.to_string()), ("valid_only".into(), "true".into())];
    for (i, p) in dry.projects.iter().filter(|p| p.name != "P099").enumerate() {
        form.push((format!("send[{i}]"), p.name.clone()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let before = invitations(&app).await;
    let res = app.call::<StartImport>(&staff, &form).await;
    assert_eq!(res.status(), 200);
    let job: i64 = res.decoded().await;
    assert_eq!(job, id, "the upload's draft is the job");
    let again: i64 = app.call::<StartImport>(&staff, &form).await.decoded().await;
    assert_eq!(again, job, "the same request twice starts one import");
    let page = finished(&app, &staff, job).await;
    assert_eq!(page.job.title, "Import: clients.csv: 984 rows");
    assert_eq!((page.job.total, page.job.done, page.job.skipped, page.job.failed), (984, 982, 2, 0));
    assert_eq!(page.problems.iter().map(|p| p.subject.as_str()).collect::<Vec<_>>(), ["Row 182", "Row 192"]);
    assert_eq!(org_clients(&app, "sam@client.test").await, 2 + 981);
    assert_eq!(project::Entity::find().count(&app.state.portico.db).await.unwrap(), 101);
    assert_eq!(invitations(&app).await - before, 972, "everyone imported but P099's 10 and those already invited");
    let pat = app.wait_for_mail("pat@client.test", 2).await;
    assert!(pat[1].subject.contains("P017"), "{}", pat[1].subject);
    assert!(app.mail_to("c990@import.test").await.is_empty(), "P099 was not chosen");
    let ann = client::Entity::find()
        .filter(client::Column::Email.eq("c1@import.test"))
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.name, "Client 1");
    assert!(ann.customer_id.is_some(), "the customer is created and set");
    // Row 162's project and customer are its own, and the row was not imported: neither exists.
    let stray = project::Entity::find().filter(project::Column::Name.eq("Stray"));
    assert_eq!(stray.count(&app.state.portico.db).await.unwrap(), 0);
    let stray_co = customer::Entity::find().filter(customer::Column::Name.eq("Stray Co"));
    assert_eq!(stray_co.count(&app.state.portico.db).await.unwrap(), 0);
    // The first contact of each new project is its client (P017's is Pat, already a client of
    // Existing), and Existing keeps the one it had: one primary contact per project.
    let db = &app.state.portico.db;
    let primaries =
        project_client::Entity::find().filter(project_client::Column::IsPrimary.eq(true)).all(db).await.unwrap();
    let mut with_primary: Vec<i64> = primaries.iter().map(|pc| pc.project_id).collect();
    with_primary.sort_unstable();
    with_primary.dedup();
    assert_eq!((primaries.len(), with_primary.len()), (101, 101), "one primary contact in each of the 101 projects");
    let p017 = project::Entity::find().filter(project::Column::Name.eq("P017")).one(db).await.unwrap().unwrap();
    let pat =
        client::Entity::find().filter(client::Column::Email.eq("pat@client.test")).one(db).await.unwrap().unwrap();
    assert!(primaries.iter().any(|pc| (pc.project_id, pc.client_id) == (p017.id, pat.id)), "Pat is P017's client");

    // The same file again: every row unchanged, nothing created, nothing sent.
    let second = uploaded(&app, &staff, "clients.csv", file).await;
    let dry = preview(&app, &staff, second).await;
    assert_eq!((dry.create, dry.update, dry.skip, dry.duplicates, dry.invalid), (0, 0, 984, 4, 12));
    let mut form = form.clone();
    let second_id = second.to_string();
    form[0] = ("id", &second_id);
    let job: i64 = app.call::<StartImport>(&staff, &form).await.decoded().await;
    let page = finished(&app, &staff, job).await;
    assert_eq!((page.job.done, page.job.skipped), (0, 984));
    assert_eq!(org_clients(&app, "sam@client.test").await, 2 + 981);
    assert_eq!(invitations(&app).await - before, 972, "nothing sent the second time");

    // Another organization can see none of it.
    let other = app.owner("Other Co", "owner@other-import.test").await;
    let res = app.call::<LoadImport>(&other, &[("id", &second_id)]).await;
    assert_eq!(res.status(), 404);
    let res = other.get(app.url(&format!("/imports/{id}/problems.csv"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) =
        error_of(app.call::<StartImport>(&other, &[("id", &second_id), ("valid_only", "true")]).await).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_file_is_dry_run_imported_and_imported_again_as_a_no_op_on_sqlite() {
    a_planted_file_is_dry_run_imported_and_imported_again_as_a_no_op(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_file_is_dry_run_imported_and_imported_again_as_a_no_op_on_postgres() {
    a_planted_file_is_dry_run_imported_and_imported_again_as_a_no_op(Backend::Postgres).await;
}

/// Wrong files are refused at the upload, with the reason as a key the form shows; other
/// headers are mapped by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_files_are_refused_and_other_headers_are_mapped() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Map Co", "owner@map.test").await;
    let latin1 = b"Project,Name,Email\nRoof,Ann,a@x.test\nRoof,Ren\xe9,r@x.test\n".to_vec();
    assert_eq!(upload(&app, &staff, "latin1.csv", latin1).await, "/imports/new?problem=not_utf8&line=3");
    assert_eq!(upload(&app, &staff, "empty.csv", b" \r\n".to_vec()).await, "/imports/new?problem=empty");
    let big = vec![b'a'; portico_core::imports::DEFAULT_MAX_BYTES + 1];
    assert_eq!(upload(&app, &staff, "big.csv", big).await, "/imports/new?problem=too_large");
    let res = crate::common::browser()
        .post(app.url("/imports"))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().text("file", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/sign-in?next=/imports/new", "signed out");

    // Headers the import doesn't know: the required one missing is asked for.
    let file = "Client e-mail,Full name,Job,Notes\nann@x.test,Ann,Roof,likes tea\n".as_bytes().to_vec();
    let id = uploaded(&app, &staff, "other.csv", file).await;
    let dry = preview(&app, &staff, id).await;
    assert_eq!(dry.missing(), [ImportField::Project]);
    assert_eq!(dry.ignored, ["Job", "Notes"]);
    let ids = id.to_string();
    let (status, e) =
        error_of(app.call::<MapImportColumns>(&staff, &[("id", &ids), ("name", "1"), ("email", "0")]).await).await;
    assert_eq!((status, e.for_field("project")), (422, Some("Choose the column this comes from.".into())));
    let res = app
        .call::<MapImportColumns>(
            &staff,
            &[("id", &ids), ("project", "2"), ("name", "1"), ("email", "0"), ("phone", "9")],
        )
        .await;
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.for_field("phone")), (422, Some("Choose one of the file's columns.".into())));
    let res =
        app.call::<MapImportColumns>(&staff, &[("id", &ids), ("project", "2"), ("name", "1"), ("email", "0")]).await;
    assert_eq!(res.status(), 200);
    let dry = preview(&app, &staff, id).await;
    assert!(dry.missing().is_empty());
    assert_eq!((dry.create, dry.invalid), (1, 0));
    assert_eq!(dry.ignored, ["Notes"]);
    assert_eq!(dry.projects[0].name, "Roof");
}

/// An import whose worker stops half-way (the process shutting down between chunks) is taken
/// up by the next worker where it stopped: every row imported once, one invitation each.
async fn a_stopped_import_resumes_where_it_stopped(backend: Backend) {
    use portico_core::{
        accounts::{self, NewOrganization},
        entities::job,
        imports,
    };
    let Some((portico, _db)) = crate::common::services_alone(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let new =
        NewOrganization::parse("Resume Co", "Olivia Owner", "owner@resume.test", "correct horse battery").unwrap();
    let staff =
        accounts::load_staff(&portico, accounts::create_organization(&portico, new).await.unwrap()).await.unwrap();
    let mut file = String::from("Project,Name,Email\n");
    // Six chunks' worth of rows, in six projects.
    let chunk = portico_core::jobs::IMPORT_CHUNK as i64;
    let rows = 6 * chunk;
    for i in 0..rows {
        file.push_str(&format!("Site {},Person {i},p{i}@resume.test\n", i * 6 / rows));
    }
    let Ok(id) = imports::upload(&portico, &staff, "resume.csv", file.as_bytes()).await else { panic!("refused") };
    let projects: Vec<String> = (0..6).map(|p| format!("Site {p}")).collect();
    imports::start(&portico, &staff, id, false, projects).await.unwrap();
    let row = |portico: &portico_core::Portico| {
        let db = portico.db.clone();
        async move { job::Entity::find_by_id(id).one(&db).await.unwrap().unwrap() }
    };

    // The first worker stops once some chunks are done.
    let stop = tokio_util::sync::CancellationToken::new();
    let first = tokio::spawn(portico_core::jobs::run_worker(portico.clone(), "ifirst00000.1".into(), stop.clone()));
    for _ in 0..2000 {
        if row(&portico).await.done >= 2 * chunk {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.cancel();
    first.await.unwrap();
    let halfway = row(&portico).await;
    assert!(halfway.done >= 2 * chunk && halfway.done < rows, "stopped half-way: {} done", halfway.done);
    assert_eq!(halfway.done % chunk, 0, "whole chunks only: {}", halfway.done);
    assert_eq!(invitation::Entity::find().count(&portico.db).await.unwrap() as i64, halfway.done);

    // The next worker finishes it: each row once.
    let stop = tokio_util::sync::CancellationToken::new();
    let second = tokio::spawn(portico_core::jobs::run_worker(portico.clone(), "isecond0000.2".into(), stop.clone()));
    for _ in 0..4000 {
        if row(&portico).await.status == portico_core::jobs::status::DONE {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.cancel();
    second.await.unwrap();
    let done = row(&portico).await;
    assert_eq!((done.status.as_str(), done.done, done.skipped, done.failed), ("done", rows, 0, 0));
    assert_eq!(client::Entity::find().count(&portico.db).await.unwrap() as i64, rows);
    assert_eq!(invitation::Entity::find().count(&portico.db).await.unwrap() as i64, rows, "one invitation per row");
    assert_eq!(project::Entity::find().count(&portico.db).await.unwrap(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_import_resumes_where_it_stopped_on_sqlite() {
    a_stopped_import_resumes_where_it_stopped(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_import_resumes_where_it_stopped_on_postgres() {
    a_stopped_import_resumes_where_it_stopped(Backend::Postgres).await;
}

/// A client an import creates is written with the state its chunk's invitations give, not
/// written and then brought up to date: Invited on the projects sent for, with that invitation,
/// Not invited on the one that was not, their standing Invited until the later expiry; a new
/// client only on a project not sent for is Not invited. A client who was there before goes the
/// usual way. The counters say the same, and the full check finds no drift. On PostgreSQL, where
/// an import's chunks run two at a time, the second (Dana again) waits for the first: beside it,
/// it would fail on her email and the job would stop until its lease ran out.
async fn new_clients_are_written_with_their_access_state(backend: Backend) {
    use portico_core::{
        access,
        accounts::{self, NewOrganization},
        entities::job,
        imports,
        model::AccessStatus,
    };
    let Some((portico, _db)) = crate::common::services_alone(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let new = NewOrganization::parse("State Co", "Olivia Owner", "owner@state.test", "correct horse battery").unwrap();
    let staff =
        accounts::load_staff(&portico, accounts::create_organization(&portico, new).await.unwrap()).await.unwrap();
    let import = |file: String, send: &[&str]| {
        let (portico, staff) = (portico.clone(), staff.clone());
        let send: Vec<String> = send.iter().map(|p| p.to_string()).collect();
        async move {
            let Ok(id) = imports::upload(&portico, &staff, "state.csv", file.as_bytes()).await else {
                panic!("refused")
            };
            imports::start(&portico, &staff, id, false, send).await.unwrap();
            let stop = tokio_util::sync::CancellationToken::new();
            let worker =
                tokio::spawn(portico_core::jobs::run_worker(portico.clone(), "istate00000.1".into(), stop.clone()));
            for _ in 0..2000 {
                let row = job::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap();
                if row.status == portico_core::jobs::status::DONE {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            stop.cancel();
            worker.await.unwrap();
            let row = job::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap();
            assert_eq!((row.status.as_str(), row.failed), ("done", 0));
        }
    };
    // Cy is a client already (not invited) when the second file arrives. In it, Dana is new in
    // its first chunk (invited to Alpha) and a client already in its second (invited to Beta).
    import("Project,Name,Email\nDelta,Cy Known,cy@state.test\n".into(), &[]).await;
    let fillers = portico_core::jobs::IMPORT_CHUNK as usize - 1;
    let mut file = String::from("Project,Name,Email\nAlpha,Dana New,dana@state.test\n");
    for i in 0..fillers {
        file.push_str(&format!("Filler,Filler {i},f{i}@state.test\n"));
    }
    file.push_str(
        "Beta,Dana New,dana@state.test\nAlpha,Ann New,ann@state.test\nBeta,Ann New,ann@state.test\n\
         Gamma,Ann New,ann@state.test\nGamma,Bob New,bob@state.test\nBeta,Cy Known,cy@state.test\n",
    );
    import(file, &["Alpha", "Beta"]).await;

    let db = &portico.db;
    let org = staff.org_id.0;
    let client_of = |email: &'static str| async move {
        client::Entity::find().filter(client::Column::Email.eq(email)).one(db).await.unwrap().unwrap()
    };
    let project_of = |name: &'static str| async move {
        project::Entity::find().filter(project::Column::Name.eq(name)).one(db).await.unwrap().unwrap().id
    };
    let (ann, bob, cy) =
        (client_of("ann@state.test").await, client_of("bob@state.test").await, client_of("cy@state.test").await);
    let (alpha, beta, gamma, delta) =
        (project_of("Alpha").await, project_of("Beta").await, project_of("Gamma").await, project_of("Delta").await);
    let anns: Vec<invitation::Model> =
        invitation::Entity::find().filter(invitation::Column::ClientId.eq(ann.id)).all(db).await.unwrap();
    assert_eq!(anns.len(), 2, "Ann is invited to Alpha and Beta");
    assert_eq!(
        (ann.standing.as_deref(), ann.standing_until),
        (Some("invited"), anns.iter().map(|i| i.expires_at).max())
    );
    assert_eq!((bob.standing.as_deref(), bob.standing_until), (Some("not_invited"), None));
    assert_eq!(cy.standing.as_deref(), Some("invited"), "Cy, there before, is brought up to date");
    let row = |client_id: i64, project_id: i64| async move {
        project_client::Entity::find()
            .filter(project_client::Column::ClientId.eq(client_id))
            .filter(project_client::Column::ProjectId.eq(project_id))
            .one(db)
            .await
            .unwrap()
            .unwrap()
    };
    for project_id in [alpha, beta] {
        let r = row(ann.id, project_id).await;
        let inv = anns.iter().find(|i| i.project_id == Some(project_id)).unwrap();
        assert_eq!(
            (r.access.as_deref(), r.invitation_id, r.last_sent_at, r.expires_at),
            (Some("invited"), Some(inv.id), Some(inv.last_sent_at), Some(inv.expires_at))
        );
    }
    for client_id in [ann.id, bob.id] {
        let r = row(client_id, gamma).await;
        assert_eq!((r.access.as_deref(), r.invitation_id, r.expires_at), (Some("not_invited"), None, None));
    }
    assert_eq!(row(cy.id, beta).await.access.as_deref(), Some("invited"));
    let dana = client_of("dana@state.test").await;
    let danas: Vec<invitation::Model> =
        invitation::Entity::find().filter(invitation::Column::ClientId.eq(dana.id)).all(db).await.unwrap();
    assert_eq!(danas.len(), 2, "Dana is invited to Alpha, then to Beta");
    assert_eq!(
        (dana.standing.as_deref(), dana.standing_until),
        (Some("invited"), danas.iter().map(|i| i.expires_at).max())
    );
    for project_id in [alpha, beta] {
        assert_eq!(row(dana.id, project_id).await.access.as_deref(), Some("invited"));
    }

    let count = |project_id: i64, status: AccessStatus| async move {
        access::counts(db, org, project_id).await.unwrap().get(&status).copied().unwrap_or(0)
    };
    assert_eq!(count(access::ORGANIZATION, AccessStatus::Invited).await, 3, "Ann, Cy and Dana");
    assert_eq!(count(access::ORGANIZATION, AccessStatus::NotInvited).await, 1 + fillers as u64, "Bob and the fillers");
    assert_eq!((count(alpha, AccessStatus::Invited).await, count(beta, AccessStatus::Invited).await), (2, 3));
    assert_eq!((count(gamma, AccessStatus::NotInvited).await, count(gamma, AccessStatus::Invited).await), (2, 0));
    assert_eq!(count(delta, AccessStatus::NotInvited).await, 1);
    assert_eq!(access::check(&portico, false).await.unwrap(), [], "no drift");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_clients_are_written_with_their_access_state_on_sqlite() {
    new_clients_are_written_with_their_access_state(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_clients_are_written_with_their_access_state_on_postgres() {
    new_clients_are_written_with_their_access_state(Backend::Postgres).await;
}

/// An import whose file is gone by the time a worker takes it (swept, or the data folder lost)
/// fails at once with the reason on its page, instead of being tried again forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_whose_file_is_gone_fails_with_the_reason() {
    use portico_core::{
        accounts::{self, NewOrganization},
        entities::job,
        imports,
    };
    let Some((portico, _db)) = crate::common::services_alone(Backend::Sqlite).await else { return };
    let new = NewOrganization::parse("Gone Co", "Olivia Owner", "owner@gone.test", "correct horse battery").unwrap();
    let staff =
        accounts::load_staff(&portico, accounts::create_organization(&portico, new).await.unwrap()).await.unwrap();
    let file = "Project,Name,Email\nSite,Ada,ada@gone.test\n";
    let Ok(id) = imports::upload(&portico, &staff, "gone.csv", file.as_bytes()).await else { panic!("refused") };
    imports::start(&portico, &staff, id, false, vec!["Site".into()]).await.unwrap();
    let row = job::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap();
    std::fs::remove_file(portico.files.join("imports").join(row.file_name.unwrap())).unwrap();

    let stop = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(portico_core::jobs::run_worker(portico.clone(), "igone000000.1".into(), stop.clone()));
    let mut ended = None;
    for _ in 0..500 {
        let j = job::Entity::find_by_id(id).one(&portico.db).await.unwrap().unwrap();
        if j.status != portico_core::jobs::status::QUEUED && j.status != portico_core::jobs::status::RUNNING {
            ended = Some(j);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.cancel();
    worker.await.unwrap();
    let ended = ended.expect("the job ended");
    assert_eq!(
        (ended.status.as_str(), ended.error.as_deref(), ended.done),
        ("failed", Some("Its file could not be read (This upload has expired. Upload the file again.)."), 0)
    );
    assert_eq!(client::Entity::find().count(&portico.db).await.unwrap(), 0, "nothing imported");
}
