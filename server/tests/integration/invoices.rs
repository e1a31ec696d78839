//! Invoices: staff add them to a project with their PDF, send them and mark them paid; the
//! project's joined clients who may view invoices see the sent and paid ones and download the
//! PDF. Bad forms come back with every problem and what was typed; nothing is kept half.

use portico_app::{
    invoices::{DeleteInvoice, LoadInvoiceForm, LoadProjectInvoices, SetInvoiceStatus},
    portal::{LoadPortalHome, LoadPortalProject},
};
use portico_core::{
    entities::invoice,
    model::{InvoiceFormData, InvoiceStatus, Permission, Permissions, PortalHome, PortalProjectPage, ProjectInvoices},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    common::{Answer, Backend, TestApp, error_of, spawn_app_configured},
    documents::{PDF, give_profile},
};

const LIMIT: u64 = 64 * 1024;

/// "Add invoice" posted as a browser does: the fields, then the PDF (when there is one).
async fn add(
    app: &TestApp,
    who: &reqwest::Client,
    project: i64,
    fields: [(&str, &str); 5],
    pdf: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form = match pdf {
        Some((name, bytes)) => {
            form.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()))
        }
        // A browser sends the file part empty when none was chosen.
        None => form.part("file", reqwest::multipart::Part::bytes(Vec::new()).file_name("")),
    };
    who.post(app.url(&format!("/projects/{project}/invoices")))
        .header("origin", app.url(""))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn fields<'a>(
    number: &'a str,
    amount: &'a str,
    currency: &'a str,
    due: &'a str,
    status: &'a str,
) -> [(&'a str, &'a str); 5] {
    [("number", number), ("amount", amount), ("currency", currency), ("due_on", due), ("status", status)]
}

/// Where the form sent the browser back to.
async fn sent_back(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_string()
}

/// The id of the invoice a form added.
async fn added(res: reqwest::Response) -> i64 {
    let to = sent_back(res).await;
    to.split("?invoice_added=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not added: {to}"))
}

/// The problem keys of a refused form.
async fn problems(res: reqwest::Response) -> String {
    let to = sent_back(res).await;
    let query = to.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or_default()).unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "invoice_problems")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no problems: {to}"))
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

async fn invoices_end_to_end(backend: Backend) {
    let Some(app) = spawn_app_configured(backend, |c| c.document_max_bytes = LIMIT).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Ledger & Co", "owner@ledger.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let p = project.to_string();
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test")] {
        assert!(app.invite(&staff, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;
    give_profile(&app, "cleo@client.test", "No invoices", Permissions::default().with(Permission::ViewDocuments)).await;

    // A sent invoice and a draft; amounts as people type them, kept in cents.
    let sent = added(
        add(
            &app,
            &staff,
            project,
            fields("INV-001", "1,250.50", "EUR", "2027-01-31", "sent"),
            Some(("Invoice 001.pdf", PDF)),
        )
        .await,
    )
    .await;
    let draft = added(
        add(&app, &staff, project, fields("INV-002", "98000", "JPY", "2020-01-31", "draft"), Some(("inv2.pdf", PDF)))
            .await,
    )
    .await;
    let row = invoice::Entity::find_by_id(sent).one(db).await.unwrap().unwrap();
    assert_eq!((row.amount_minor, row.currency.as_str(), row.status.as_str()), (125_050, "EUR", "sent"));
    assert!(row.sent_at.is_some() && row.paid_at.is_none());
    let pdfs = app.state.portico.files.join("invoices").join(row.org_id.to_string());
    assert_eq!(std::fs::read(pdfs.join(sent.to_string())).unwrap(), PDF);

    // Every problem of a form at once, with what was typed sent back; nothing kept.
    let res = add(
        &app,
        &staff,
        project,
        fields(" ", "12.5.0x", "XAU", "31/01/2027", "unpaid"),
        Some(("x.pdf", b"not a pdf")),
    )
    .await;
    assert_eq!(
        problems(res).await,
        "number_missing,currency_unknown,amount_not_a_number,due_not_a_date,status_unknown,pdf_not_pdf"
    );
    let res = add(&app, &staff, project, fields("INV-9", "-5", "EUR", "", "sent"), None).await;
    let to = sent_back(res).await;
    assert!(to.contains("invoice_problems=amount_not_positive%2Cdue_missing%2Cpdf_no_file"), "{to}");
    assert!(to.contains("number=INV-9") && to.contains("amount=-5") && to.ends_with("#invoices-title"), "{to}");
    for (pdf, key) in [
        (("letter.docx", b"PK\x03\x04\x14\0\0\0".as_slice()), "pdf_not_accepted"),
        (("empty.pdf", b"".as_slice()), "pdf_empty"),
    ] {
        let res = add(&app, &staff, project, fields("INV-10", "10", "EUR", "2027-01-31", "draft"), Some(pdf)).await;
        assert_eq!(problems(res).await, key);
    }
    let res =
        add(&app, &staff, project, fields("INV-10", "10.0051", "EUR", "2027-01-31", "draft"), Some(("a.pdf", PDF)))
            .await;
    assert_eq!(problems(res).await, "amount_decimals_2");
    let mut big = PDF.to_vec();
    big.resize(LIMIT as usize + 1, b' ');
    // Refused as it arrives: the fields sent before it are checked too and come back.
    let res =
        add(&app, &staff, project, fields("INV-10", "1.2.3", "EUR", "2027-01-31", "draft"), Some(("big.pdf", &big)))
            .await;
    let to = sent_back(res).await;
    assert!(to.contains("invoice_problems=amount_not_a_number%2Cpdf_too_large&number=INV-10&amount=1.2.3"), "{to}");
    // Invisible characters in a number; what comes back is cut to 100 characters.
    let long = format!("INV\u{200B}{}", "9".repeat(5_000));
    let res = add(&app, &staff, project, fields(&long, "10", "EUR", "2027-01-31", "draft"), Some(("a.pdf", PDF))).await;
    let to = sent_back(res).await;
    assert!(to.contains("invoice_problems=number_characters&"), "{to}");
    assert!(to.len() < 400, "{} characters", to.len());
    // The same number in another case is taken.
    let res =
        add(&app, &staff, project, fields("inv-001", "10", "EUR", "2027-01-31", "draft"), Some(("a.pdf", PDF))).await;
    assert_eq!(problems(res).await, "number_taken");
    assert_eq!(invoice::Entity::find().count(db).await.unwrap(), 2);
    assert_eq!(files_in(&pdfs), 2, "only the kept PDFs");
    assert_eq!(files_in(&app.state.portico.files.join("documents").join("incoming")), 0, "nothing left half-received");

    // Two staff adding the same number at the same moment: exactly one invoice.
    let (a, b) = tokio::join!(
        add(&app, &staff, project, fields("INV-777", "10", "EUR", "2027-01-31", "draft"), Some(("a.pdf", PDF))),
        add(&app, &staff, project, fields("inv-777", "20", "EUR", "2027-01-31", "draft"), Some(("b.pdf", PDF))),
    );
    let (a, b) = (sent_back(a).await, sent_back(b).await);
    let kept = [&a, &b].iter().filter(|to| to.contains("invoice_added=")).count();
    let taken = [&a, &b].iter().filter(|to| to.contains("number_taken")).count();
    assert_eq!((kept, taken), (1, 1), "{a} / {b}");
    let race = invoice::Entity::find().filter(invoice::Column::NumberKey.eq("inv-777")).one(db).await.unwrap().unwrap();

    // Staff see every invoice, drafts included, newest first, and download any PDF.
    let list: ProjectInvoices = app.call::<LoadProjectInvoices>(&staff, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(list.total, 3);
    assert_eq!(list.invoices.iter().map(|i| i.id).collect::<Vec<_>>(), [race.id, draft, sent]);
    assert_eq!((list.invoices[2].amount.as_str(), list.invoices[2].due.as_str()), ("1,250.50 EUR", "31 Jan 2027"));
    assert_eq!(list.invoices[1].amount, "98,000 JPY");
    let form: InvoiceFormData = app.call::<LoadInvoiceForm>(&staff, &[("project_id", &p)]).await.decoded().await;
    assert_eq!((form.default_currency.as_str(), form.max_bytes), ("EUR", LIMIT), "the latest invoice's currency");
    assert!(form.currencies.iter().any(|c| c.code == "JPY"));
    let res = staff.get(app.url(&format!("/invoices/{draft}/pdf"))).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"inv2.pdf\"; filename*=UTF-8''inv2.pdf");

    // Carl sees the sent one only, new since his last visit, and downloads its PDF; not the draft's.
    let home: PortalHome = app.call::<LoadPortalHome>(&carl, &[]).await.decoded().await;
    assert_eq!(home.projects[0].new_items, 1);
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.invoices.iter().map(|i| (i.id, i.status)).collect::<Vec<_>>(), [(sent, InvoiceStatus::Sent)]);
    assert_eq!(page.new_invoices, 1);
    let res = carl.get(app.url(&format!("/portal/invoices/{sent}/pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    assert_eq!(carl.get(app.url(&format!("/portal/invoices/{draft}/pdf"))).send().await.unwrap().status(), 404);

    // The draft is sent (overdue: its due date is past), then paid; the other back to draft.
    let set = |id: i64, status: &'static str| {
        let (app, staff) = (&app, &staff);
        async move { app.call::<SetInvoiceStatus>(staff, &[("invoice_id", &id.to_string()), ("status", status)]).await }
    };
    assert!(set(draft, "sent").await.status().is_success());
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.invoices.iter().map(|i| (i.id, i.overdue)).collect::<Vec<_>>(), [(draft, true), (sent, false)]);
    assert_eq!(page.new_invoices, 1, "sent since his last visit");
    assert!(set(draft, "paid").await.status().is_success());
    assert!(set(sent, "draft").await.status().is_success());
    let (code, error) = error_of(set(draft, "paid").await).await;
    assert_eq!((code, error.to_string()), (409, "Invoice INV-002 is already paid.".to_string()));
    assert_eq!(error_of(set(draft, "void").await).await.0, 422);
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(
        page.invoices.iter().map(|i| (i.id, i.status, i.overdue)).collect::<Vec<_>>(),
        [(draft, InvoiceStatus::Paid, false)]
    );
    assert_eq!(page.new_invoices, 0, "paying is not news");
    assert_eq!(carl.get(app.url(&format!("/portal/invoices/{sent}/pdf"))).send().await.unwrap().status(), 404);

    // Cleo may not view invoices: none listed, none downloaded.
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&cleo, &[("project_id", &p)]).await.decoded().await;
    assert!(page.invoices.is_empty());
    assert_eq!(page.new_invoices, 0);
    assert_eq!(cleo.get(app.url(&format!("/portal/invoices/{draft}/pdf"))).send().await.unwrap().status(), 404);

    // Another organization, a client at staff's routes and functions, nobody signed in.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let d = draft.to_string();
    assert_eq!(bob.get(app.url(&format!("/invoices/{draft}/pdf"))).send().await.unwrap().status(), 404);
    let res = add(&app, &bob, project, fields("B-1", "10", "EUR", "2027-01-31", "draft"), Some(("a.pdf", PDF))).await;
    assert_eq!(res.status(), 404);
    assert_eq!(error_of(app.call::<LoadProjectInvoices>(&bob, &[("project_id", &p)]).await).await.0, 404);
    assert_eq!(error_of(app.call::<LoadInvoiceForm>(&bob, &[("project_id", &p)]).await).await.0, 404);
    assert_eq!(
        error_of(app.call::<SetInvoiceStatus>(&bob, &[("invoice_id", &d), ("status", "sent")]).await).await.0,
        404
    );
    assert_eq!(error_of(app.call::<DeleteInvoice>(&bob, &[("invoice_id", &d)]).await).await.0, 404);
    assert_eq!(carl.get(app.url(&format!("/invoices/{draft}/pdf"))).send().await.unwrap().status(), 401);
    assert_eq!(error_of(app.call::<DeleteInvoice>(&carl, &[("invoice_id", &d)]).await).await.0, 401);
    let res = add(&app, &carl, project, fields("C-1", "10", "EUR", "2027-01-31", "sent"), Some(("a.pdf", PDF))).await;
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/sign-in"));
    let nobody = crate::common::browser();
    let res = nobody.get(app.url(&format!("/portal/invoices/{draft}/pdf"))).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/portal"));
    assert_eq!(invoice::Entity::find().count(db).await.unwrap(), 3);

    // Deleted: the row and the PDF go; the client's link answers "not found".
    assert!(app.call::<DeleteInvoice>(&staff, &[("invoice_id", &d)]).await.status().is_success());
    assert!(!pdfs.join(draft.to_string()).exists());
    assert_eq!(carl.get(app.url(&format!("/portal/invoices/{draft}/pdf"))).send().await.unwrap().status(), 404);
    assert_eq!(error_of(app.call::<DeleteInvoice>(&staff, &[("invoice_id", &d)]).await).await.0, 404);
    assert_eq!(app.audit_events("invoice.added").await.len(), 3);
    assert_eq!(app.audit_events("invoice.status_changed").await.len(), 3);
    assert_eq!(app.audit_events("invoice.deleted").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_end_to_end_on_sqlite() {
    invoices_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_end_to_end_on_postgres() {
    invoices_end_to_end(Backend::Postgres).await;
}
