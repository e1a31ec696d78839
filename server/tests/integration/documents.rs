//! Documents: staff upload files to a project; its joined clients download them, and upload
//! their own, as their permissions allow. Files are judged by their content, kept in the data
//! folder under numbers, served as attachments, and refused to everyone else with the same
//! "not found" as a file that does not exist.

use std::path::{Path, PathBuf};

use portico_app::{
    documents::{DeleteDocument, LoadProjectDocuments},
    portal::LoadPortalProject,
};
use portico_core::{
    entities::{client, client_profile, document},
    model::{Permission, Permissions, PortalProjectPage, ProjectDocuments},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::common::{Answer, Backend, TestApp, error_of, spawn_app_configured};

const LIMIT: u64 = 64 * 1024;
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Posts the upload form as a browser does; the address it is sent back to.
pub(crate) async fn upload(
    app: &TestApp,
    who: &reqwest::Client,
    action: &str,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
    who.post(app.url(action))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn sent_back(app: &TestApp, who: &reqwest::Client, action: &str, name: &str, bytes: &[u8]) -> String {
    let res = upload(app, who, action, name, bytes).await;
    assert_eq!(res.status(), 303, "upload {name}");
    res.headers()["location"].to_str().unwrap().to_string()
}

/// The id of the document an upload kept, from the address it was sent back to.
pub(crate) async fn kept(app: &TestApp, who: &reqwest::Client, action: &str, name: &str, bytes: &[u8]) -> i64 {
    let to = sent_back(app, who, action, name, bytes).await;
    to.split("?uploaded=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{name} was not kept: {to}"))
}

/// Every file under a folder, as paths relative to it.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

pub(crate) async fn give_profile(app: &TestApp, email: &str, name: &str, permissions: Permissions) {
    let db = &app.state.portico.db;
    let row = client::Entity::find().filter(client::Column::Email.eq(email)).one(db).await.unwrap().unwrap();
    let profile = client_profile::ActiveModel {
        org_id: Set(row.org_id),
        name: Set(name.into()),
        permissions: Set(permissions.keys()),
        is_default: Set(false),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut update: client::ActiveModel = row.into();
    update.profile_id = Set(Some(profile.id));
    update.update(db).await.unwrap();
}

async fn documents_end_to_end(backend: Backend) {
    let Some(app) = spawn_app_configured(backend, |c| c.document_max_bytes = LIMIT).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let files = app.state.portico.files.join("documents");
    let staff = app.owner("Ledger & Co", "owner@ledger.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let other_project = app.create_project(&staff, "Payroll").await;
    let p = project.to_string();
    let staff_form = format!("/projects/{project}/documents");
    let portal_form = format!("/portal/projects/{project}/documents");
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test"), ("Uma", "uma@client.test")] {
        assert!(app.invite(&staff, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;
    let uma = app.accept(&app.invitation_link("uma@client.test").await, "uma@client.test").await;
    give_profile(&app, "cleo@client.test", "Tasks only", Permissions::default().with(Permission::ViewTasks)).await;
    give_profile(&app, "uma@client.test", "Drop box", Permissions::default().with(Permission::UploadDocuments)).await;

    // Staff upload a PDF: kept under numbers, the bytes as sent.
    let letter = kept(&app, &staff, &staff_form, "Engagement letter.pdf", PDF).await;
    let org = document::Entity::find_by_id(letter).one(db).await.unwrap().unwrap().org_id;
    assert_eq!(std::fs::read(files.join(format!("{org}/{letter}"))).unwrap(), PDF);

    // Bad files: sent back to the form with the reason; nothing kept, nothing left behind.
    for (name, bytes, problem) in [
        ("fake.pdf", b"just some words".as_slice(), "not_pdf"),
        ("photo.png", PDF, "not_png"),
        ("tool.exe", b"MZ\x90\0\x03\0\0\0".as_slice(), "not_accepted"),
        ("no extension", PDF, "not_accepted"),
        ("page.html", b"<script>alert(1)</script>".as_slice(), "not_accepted"),
        ("notes.txt", b"a\0b".as_slice(), "not_txt"),
        ("empty.txt", b"".as_slice(), "empty"),
        ("", PDF, "no_file"),
    ] {
        let to = sent_back(&app, &staff, &staff_form, name, bytes).await;
        assert_eq!(to, format!("/projects/{project}?upload={problem}#documents-title"), "{name}");
    }
    let mut big = PDF.to_vec();
    big.resize(LIMIT as usize + 1, b' ');
    let to = sent_back(&app, &staff, &staff_form, "big.pdf", &big).await;
    assert_eq!(to, format!("/projects/{project}?upload=too_large#documents-title"));
    // Exactly at the limit is fine.
    big.truncate(LIMIT as usize);
    let at_limit = kept(&app, &staff, &staff_form, "big.pdf", &big).await;
    // A form without a file part at all.
    let res = staff
        .post(app.url(&staff_form))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().text("note", "no file"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], format!("/projects/{project}?upload=no_file#documents-title"));

    // Names with tricks are cleaned; the files are still stored by number only.
    let traversal = kept(&app, &staff, &staff_form, "../../../../etc/cron.d/evil.txt", b"plain text\n").await;
    let rtl = kept(&app, &staff, &staff_form, "report\u{202E}txt.pdf", PDF).await;
    let long = kept(&app, &staff, &staff_form, &format!("{}.png", "n".repeat(400)), PNG).await;
    // A CSV as a Windows spreadsheet saves it (Windows-1252, "é" one byte) is text too.
    let windows_csv = kept(&app, &staff, &staff_form, "Prices.csv", b"item;prix\r\ncaf\xE9;2\r\n").await;
    let name_of = |id: i64| async move { document::Entity::find_by_id(id).one(db).await.unwrap().unwrap().name };
    assert_eq!(name_of(traversal).await, "evil.txt");
    assert_eq!(name_of(rtl).await, "reporttxt.pdf");
    assert_eq!(name_of(long).await, format!("{}.png", "n".repeat(116)));
    let mut expected: Vec<PathBuf> = [letter, at_limit, traversal, rtl, long, windows_csv]
        .iter()
        .map(|id| PathBuf::from(format!("{org}/{id}")))
        .collect();
    expected.sort();
    assert_eq!(files_under(&files), expected, "only the kept files, by number; nothing in incoming/");
    assert_eq!(document::Entity::find().count(db).await.unwrap(), 6);

    // Staff see the list, newest first, with who uploaded each; the file downloads as an
    // attachment of the type found in its content.
    let list: ProjectDocuments = app.call::<LoadProjectDocuments>(&staff, &[("project_id", &p)]).await.decoded().await;
    assert_eq!((list.total, list.documents.len(), list.max_bytes), (6, 6, LIMIT));
    assert_eq!((list.documents[0].id, list.documents[0].content_type.as_str()), (windows_csv, "text/csv"));
    assert_eq!(list.documents[5].name, "Engagement letter.pdf");
    assert_eq!(list.documents[5].uploaded_by.as_deref(), Some("Olivia Owner"));
    assert!(!list.documents[5].by_client);
    // Sent as it is (not compressed on the way), with its length.
    let res = staff
        .get(app.url(&format!("/documents/{letter}/download")))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.headers()["content-length"], PDF.len().to_string());
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"Engagement letter.pdf\"; filename*=UTF-8''Engagement%20letter.pdf"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Carl (the default profile: everything) sees and downloads them, and uploads his own.
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.documents.len(), 6);
    assert_eq!(page.max_upload_bytes, LIMIT);
    let res = carl.get(app.url(&format!("/portal/documents/{letter}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let to = sent_back(&app, &carl, &portal_form, "fake.pdf", b"words").await;
    assert_eq!(to, format!("/portal/projects/{project}?upload=not_pdf#documents-title"));
    let signed = kept(&app, &carl, &portal_form, "Signed letter.pdf", PDF).await;
    let list: ProjectDocuments = app.call::<LoadProjectDocuments>(&staff, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(list.documents[0].id, signed);
    assert_eq!((list.documents[0].uploaded_by.as_deref(), list.documents[0].by_client), (Some("Carl"), true));

    // Cleo may see no documents: none listed, none downloaded, none uploaded.
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&cleo, &[("project_id", &p)]).await.decoded().await;
    assert!(page.documents.is_empty());
    let res = cleo.get(app.url(&format!("/portal/documents/{letter}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(upload(&app, &cleo, &portal_form, "mine.pdf", PDF).await.status(), 403);

    // Uma may upload only: she sees and downloads her own uploads, not the others'.
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&uma, &[("project_id", &p)]).await.decoded().await;
    assert!(page.documents.is_empty());
    let hers = kept(&app, &uma, &portal_form, "Receipts.zip", b"PK\x03\x04\x14\0\0\0\0\0").await;
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&uma, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.documents.iter().map(|d| d.id).collect::<Vec<_>>(), [hers]);
    let res = uma.get(app.url(&format!("/portal/documents/{hers}/download"))).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "application/zip"));
    let res = uma.get(app.url(&format!("/portal/documents/{signed}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // Another project's document, and uploading to a project Carl has not joined: not found.
    let payroll = kept(&app, &staff, &format!("/projects/{other_project}/documents"), "Payslips.pdf", PDF).await;
    let res = carl.get(app.url(&format!("/portal/documents/{payroll}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = upload(&app, &carl, &format!("/portal/projects/{other_project}/documents"), "x.pdf", PDF).await;
    assert_eq!(res.status(), 404);

    // Another organization, clients at staff's routes and functions, nobody signed in.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let res = bob.get(app.url(&format!("/documents/{letter}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(upload(&app, &bob, &staff_form, "x.pdf", PDF).await.status(), 404);
    assert_eq!(error_of(app.call::<LoadProjectDocuments>(&bob, &[("project_id", &p)]).await).await.0, 404);
    assert_eq!(error_of(app.call::<DeleteDocument>(&bob, &[("document_id", &letter.to_string())]).await).await.0, 404);
    let res = carl.get(app.url(&format!("/documents/{letter}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(error_of(app.call::<LoadProjectDocuments>(&carl, &[("project_id", &p)]).await).await.0, 401);
    assert_eq!(error_of(app.call::<DeleteDocument>(&carl, &[("document_id", &signed.to_string())]).await).await.0, 401);
    let nobody = crate::common::browser();
    let res = nobody.get(app.url(&format!("/portal/documents/{letter}/download"))).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/portal"));
    let res = upload(&app, &nobody, &staff_form, "x.pdf", PDF).await;
    assert_eq!(res.headers()["location"], format!("/sign-in?next=/projects/{project}"));
    // A cross-site form post is refused before it is read.
    let part = reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("x.pdf");
    let res = staff
        .post(app.url(&staff_form))
        .header("origin", "https://evil.test")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(document::Entity::find().count(db).await.unwrap(), 9);

    // Deleted: the row and the file go; the client's link answers "not found".
    let res = app.call::<DeleteDocument>(&staff, &[("document_id", &letter.to_string())]).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert!(!files.join(format!("{org}/{letter}")).exists());
    let res = carl.get(app.url(&format!("/portal/documents/{letter}/download"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        error_of(app.call::<DeleteDocument>(&staff, &[("document_id", &letter.to_string())]).await).await.0,
        404
    );
    assert_eq!(app.audit_events("document.uploaded").await.len(), 9);
    assert_eq!(app.audit_events("document.deleted").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_end_to_end_on_sqlite() {
    documents_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_end_to_end_on_postgres() {
    documents_end_to_end(Backend::Postgres).await;
}

/// What is new since the client's last visit: counted on their home and on the project's page
/// (updates and documents others posted), then the visit is the last one.
async fn new_since_the_last_visit(backend: Backend) {
    use portico_app::{portal::LoadPortalHome, updates::PostUpdate};
    use portico_core::model::PortalHome;
    let Some(app) = spawn_app_configured(backend, |_| {}).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("News Co", "owner@news.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let p = project.to_string();
    assert!(app.invite(&staff, project, "Carl", "carl@client.test").await.status().is_success());
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let staff_form = format!("/projects/{project}/documents");
    let post = |body: &'static str| {
        let (app, staff, p) = (&app, &staff, p.clone());
        async move { app.call::<PostUpdate>(staff, &[("project_id", p.as_str()), ("body", body)]).await }
    };
    assert!(post("First").await.status().is_success());
    kept(&app, &staff, &staff_form, "Letter.pdf", PDF).await;
    let home =
        || async { app.call::<LoadPortalHome>(&carl, &[]).await.decoded::<PortalHome>().await.projects[0].new_items };
    let visit = || async {
        let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
        (page.seen_at.is_some(), page.new_updates, page.new_documents)
    };
    assert_eq!(home().await, 2);
    assert_eq!(visit().await, (false, 1, 1), "the first visit: all of it is new");
    assert_eq!(visit().await, (true, 0, 0), "nothing since");
    assert_eq!(home().await, 0);
    // His own upload is not news to him; the team's next update is.
    kept(&app, &carl, &format!("/portal/projects/{project}/documents"), "Mine.pdf", PDF).await;
    assert!(post("Second").await.status().is_success());
    assert_eq!(home().await, 1);
    assert_eq!(visit().await, (true, 1, 0));
    assert_eq!(home().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_since_the_last_visit_on_sqlite() {
    new_since_the_last_visit(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_since_the_last_visit_on_postgres() {
    new_since_the_last_visit(Backend::Postgres).await;
}
