//! Holes found when Portico was attacked from outside and tried as a new user would (issue 8),
//! one test per finding: hostile names on every page, passwords only where the organization
//! uses them, no staff emails of other organizations, no tokens in the logs, connection
//! timeouts, locked and cancelled links that say only what is true, the fresh install, and
//! redirects that every client follows.

use std::{collections::HashMap, time::Duration};

use chrono::Utc;
use portico_app::{client_access, error::AppError, login_links, team};
use portico_core::entities::{client, staff_invitation};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{Answer, Backend, TestApp, browser, error_of, link_in, sets_cookie, spawn_app};

/// A name that, unescaped, would redirect whoever opens the page and post a form.
const HOSTILE: &str =
    r#"R</title><meta http-equiv="refresh" content="0;url=https://evil.example/"><form action="/api/x">"#;

/// A document's name that, unescaped, would run a script where it is listed.
const DOCUMENT: &str = r#"Q3"><img src=x onerror=alert(1)>.pdf"#;

/// An invoice number that, unescaped, would run a script where it is listed.
const INVOICE: &str = r#"7"><svg onload=alert(1)>"#;

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

async fn page(app: &TestApp, who: &reqwest::Client, path: &str) -> (u16, String) {
    let res = who.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_reach_every_page_only_escaped() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let owner = app.owner(HOSTILE, "owner@hostile.test").await;
    let project = app.create_project(&owner, HOSTILE).await;
    for email in ["client@hostile.test", "second@hostile.test"] {
        let res = app.invite(&owner, project, HOSTILE, email).await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    let invite_link = app.invitation_link("client@hostile.test").await;
    // Opened by nobody else: the magic link below signs the first client in, which accepts theirs.
    let second_link = app.invitation_link("second@hostile.test").await;
    let client_row = client::Entity::find().one(db).await.unwrap().unwrap();
    let magic: portico_core::model::MagicLink = app
        .call::<login_links::GenerateMagicLink>(&owner, &[("client_id", &client_row.id.to_string())])
        .await
        .decoded()
        .await;
    let sign_in_link = magic.url.trim_start_matches("http://portal.test").to_string();
    let res = app
        .call::<team::InviteStaff>(&owner, &[("name", HOSTILE), ("email", "staff@hostile.test"), ("role", "member")])
        .await;
    assert!(res.status().is_success());
    let join_link = link_in(&app.wait_for_mail("staff@hostile.test", 1).await[0].body_text, "/join/");
    let slug = portico_core::entities::organization::Entity::find().one(db).await.unwrap().unwrap().slug;
    app.call::<portico_app::accounts::RequestStaffPasswordReset>(&browser(), &[("email", "owner@hostile.test")]).await;
    let reset_mail = app.wait_for_mail("owner@hostile.test", 1).await;
    let reset_link =
        link_in(&reset_mail.iter().find(|m| m.topic == "staff_password_reset").unwrap().body_text, "/reset-password/");
    let message = app.mail_to("client@hostile.test").await[0].id;
    // The client mid-verification (code page) and signed in (portal).
    let verifying = browser();
    let res = app
        .call::<client_access::ContinueLink>(
            &verifying,
            &[("kind", "Invitation"), ("token", invite_link.trim_start_matches("/invite/"))],
        )
        .await;
    assert!(res.status().is_success());
    let signed_in = browser();
    let res = app
        .call::<client_access::ContinueLink>(
            &signed_in,
            &[("kind", "SignIn"), ("token", sign_in_link.trim_start_matches("/sign-in-link/"))],
        )
        .await;
    assert!(res.status().is_success());
    // The invitation page is read before anything else uses the link.
    let anon = browser();
    let (p, c, m) = (project.to_string(), client_row.id.to_string(), message.to_string());
    // A customer with a hostile name, the project's and the client's.
    let res = app
        .call::<portico_app::customers::SaveCustomer>(
            &owner,
            &[("name", HOSTILE), ("contact_email", "c@hostile.test"), ("street", HOSTILE), ("projects[0]", &p)],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let cu: i64 = res.decoded().await;
    let cu = cu.to_string();
    let mut hostile_client: client::ActiveModel = client_row.clone().into();
    hostile_client.customer_id = sea_orm::Set(Some(cu.parse().unwrap()));
    sea_orm::ActiveModelTrait::update(hostile_client, db).await.unwrap();
    // A bulk job that skips the hostile client ("Already active."): its page names them.
    let job = app.bulk_job(&owner, "activate", &[client_row.id]).await;
    assert_eq!(job.problems.len(), 1);
    let j = job.job.id.to_string();
    // An upload named by the attacker, with a hostile project and client (and a bad row, so
    // its dry run lists a row): its page shows them.
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["Project", "Name", "Email"]).unwrap();
    csv.write_record([HOSTILE, HOSTILE, "h@hostile.test"]).unwrap();
    csv.write_record([HOSTILE, HOSTILE, HOSTILE]).unwrap();
    let part = reqwest::multipart::Part::bytes(csv.into_inner().unwrap()).file_name(format!("{HOSTILE}.csv"));
    let res = owner
        .post(app.url("/imports"))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let import = res.headers()["location"].to_str().unwrap().to_string();
    assert!(import.starts_with("/imports/"), "{import}");
    // A task with a hostile title and description, for every client of the project.
    let res = app
        .call::<portico_app::tasks::CreateTask>(
            &owner,
            &[("project_id", &p), ("title", HOSTILE), ("description", HOSTILE)],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    // An update whose Markdown is hostile too (shown as text, not as HTML).
    let res = app.call::<portico_app::updates::PostUpdate>(&owner, &[("project_id", &p), ("body", HOSTILE)]).await;
    assert!(res.status().is_success(), "{}", res.status());
    // A client profile with a hostile name.
    let res = app.call::<portico_app::client_profiles::SaveClientProfile>(&owner, &[("name", HOSTILE)]).await;
    assert!(res.status().is_success(), "{}", res.status());
    // A document whose name is hostile (a name keeps no folders, so this one has no slash).
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name(DOCUMENT);
    let res = owner
        .post(app.url(&format!("/projects/{p}/documents")))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert!(res.headers()["location"].to_str().unwrap().contains("?uploaded="), "{:?}", res.headers());
    // A sent invoice with a hostile number, and its PDF with a hostile name.
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name(DOCUMENT);
    let fields =
        [("number", INVOICE), ("amount", "10"), ("currency", "EUR"), ("due_on", "2027-01-31"), ("status", "sent")];
    let form = fields.into_iter().fold(reqwest::multipart::Form::new(), |f, (k, v)| f.text(k, v)).part("file", part);
    let res = owner
        .post(app.url(&format!("/projects/{p}/invoices")))
        .header("origin", app.url(""))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(res.headers()["location"].to_str().unwrap().contains("?invoice_added="), "{:?}", res.headers());
    // A form whose name, question, hint and choices are hostile, sent to the project's clients.
    use portico_core::model::{FieldKind, FormDraft, FormField};
    let draft = FormDraft {
        name: HOSTILE.into(),
        fields: vec![FormField {
            id: 0,
            kind: FieldKind::SingleChoice,
            label: HOSTILE.into(),
            help: HOSTILE.into(),
            required: true,
            choices: vec![HOSTILE.into(), "Other".into()],
        }],
    };
    let form: portico_core::model::SavedForm =
        crate::forms::call_postcard(&app, &owner, &portico_app::forms::SaveForm { form_id: None, draft })
            .await
            .decoded()
            .await;
    let f = form.id.to_string();
    let sent: portico_core::model::FormsSent = app
        .call::<portico_app::forms::SendForm>(&owner, &[("form_id", &f), ("project_id", &p), ("client_id", "")])
        .await
        .decoded()
        .await;
    assert_eq!(sent.sent, 2, "{sent:?}");
    let fr = portico_core::entities::form_request::Entity::find()
        .filter(portico_core::entities::form_request::Column::ClientId.eq(client_row.id))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    // Every route, who opens it, with which parameters, and whether it shows a hostile name.
    let cases: HashMap<&str, (&reqwest::Client, String, bool)> = HashMap::from([
        ("/setup", (&anon, "/setup".to_string(), false)),
        ("/sign-in", (&anon, "/sign-in".to_string(), false)),
        ("/", (&owner, "/".to_string(), true)),
        ("/projects", (&owner, "/projects".to_string(), true)),
        ("/projects/new", (&owner, "/projects/new".to_string(), true)),
        ("/projects/{id}", (&owner, format!("/projects/{p}"), true)),
        ("/projects/{id}/portal", (&owner, format!("/projects/{p}/portal"), true)),
        (
            "/projects/{id}/clients/{client_id}/permissions",
            (&owner, format!("/projects/{p}/clients/{c}/permissions"), true),
        ),
        ("/mailbox", (&owner, "/mailbox".to_string(), true)),
        ("/mailbox/{id}", (&owner, format!("/mailbox/{m}"), true)),
        ("/jobs", (&owner, "/jobs".to_string(), true)),
        ("/settings/client-profiles", (&owner, "/settings/client-profiles".to_string(), true)),
        ("/jobs/{id}", (&owner, format!("/jobs/{j}"), true)),
        ("/imports/new", (&owner, "/imports/new".to_string(), true)),
        ("/imports/{id}", (&owner, import.clone(), true)),
        ("/clients/{id}", (&owner, format!("/clients/{c}"), true)),
        ("/clients", (&owner, "/clients".to_string(), true)),
        ("/clients/new", (&owner, "/clients/new".to_string(), true)),
        ("/clients/{id}/edit", (&owner, format!("/clients/{c}/edit"), true)),
        ("/customers", (&owner, "/customers".to_string(), true)),
        ("/customers/new", (&owner, "/customers/new".to_string(), true)),
        ("/customers/{id}", (&owner, format!("/customers/{cu}"), true)),
        ("/customers/{id}/edit", (&owner, format!("/customers/{cu}/edit"), true)),
        ("/settings", (&owner, "/settings".to_string(), true)),
        ("/notifications", (&owner, "/notifications".to_string(), true)),
        ("/team", (&owner, "/team".to_string(), true)),
        ("/invite/{token}", (&anon, second_link.clone(), true)),
        ("/portal/sign-in", (&anon, "/portal/sign-in".to_string(), false)),
        ("/forgot-password", (&anon, "/forgot-password".to_string(), false)),
        ("/reset-password/{token}", (&anon, reset_link.clone(), true)),
        ("/sign-in-link/{token}", (&anon, "/sign-in-link/unknown-token".to_string(), false)),
        ("/join/{token}", (&anon, join_link.clone(), true)),
        ("/portal/verify", (&verifying, "/portal/verify".to_string(), true)),
        ("/p/{slug}", (&anon, format!("/p/{slug}"), true)),
        ("/portal", (&signed_in, "/portal".to_string(), true)),
        ("/portal/projects/{id}", (&signed_in, format!("/portal/projects/{p}"), true)),
        ("/portal/password", (&signed_in, "/portal/password".to_string(), false)),
        ("/forms", (&owner, "/forms".to_string(), true)),
        ("/forms/new", (&owner, "/forms/new".to_string(), true)),
        ("/forms/{id}", (&owner, format!("/forms/{f}"), true)),
        ("/portal/forms/{id}", (&signed_in, format!("/portal/forms/{fr}"), true)),
    ]);
    let mut checked = 0;
    for route in portico_server::page_routes() {
        let route = route.path().to_string();
        let (who, url, shows) =
            cases.get(route.as_str()).unwrap_or_else(|| panic!("route {route} has no hostile-name case"));
        let (status, body) = page(&app, who, url).await;
        assert!(status < 500, "{url}: {status}");
        assert!(!body.contains(HOSTILE), "{url} contains the name unescaped");
        assert!(!body.contains(r#"<meta http-equiv="refresh""#), "{url} carries a meta refresh");
        assert!(!body.contains(r#"<form action="/api/x">"#), "{url} carries the hostile form");
        if *shows {
            assert!(body.contains(&escaped(HOSTILE)), "{url} ({status}) should show the name, escaped");
        }
        checked += 1;
    }
    assert_eq!(checked, cases.len(), "every case is a route");
    // The document's name and the invoice's number, on staff's and the client's project page:
    // escaped.
    for (who, url) in [(&owner, format!("/projects/{p}")), (&signed_in, format!("/portal/projects/{p}"))] {
        let (_, body) = page(&app, who, &url).await;
        assert!(!body.contains(DOCUMENT), "{url} shows the document's name unescaped");
        assert!(body.contains(&escaped(DOCUMENT)), "{url} should show the document's name, escaped");
        assert!(!body.contains(INVOICE), "{url} shows the invoice's number unescaped");
        assert!(body.contains(&escaped(INVOICE)), "{url} should show the invoice's number, escaped");
    }
    // What "Add invoice" sends back to fill the form again is in the address, where anyone can
    // put anything: it fills the fields escaped, and problems are keys (text there is ignored).
    let crafted = format!(
        "/projects/{p}?invoice_problems=number_taken,{}&number={}&amount={}",
        urlencoding("<b>Call 555</b>"),
        urlencoding(HOSTILE),
        urlencoding(INVOICE)
    );
    let (status, body) = page(&app, &owner, &crafted).await;
    assert_eq!(status, 200);
    assert!(!body.contains(HOSTILE) && !body.contains(INVOICE) && !body.contains("Call 555"), "{crafted}");
    assert!(body.contains("Another invoice already has this number."), "{crafted}");
    // The message subject names the organization: its own page's title is escaped too.
    let (_, body) = page(&app, &owner, &format!("/mailbox/{m}")).await;
    let title = &body[body.find("<title>").unwrap()..body.find("</title>").unwrap()];
    assert!(title.contains("&lt;/title&gt;"), "{title}");
    // The words typed in a Project or Customer box come back in the note under it: several
    // hostile names matching them, and words that match nothing, are shown escaped.
    let res = app
        .call::<portico_app::customers::SaveCustomer>(
            &owner,
            &[("name", &format!("{HOSTILE} Two")), ("contact_email", "c2@hostile.test")],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    for (filter, typed, said) in [
        ("customer_name", "R</title><meta", "Several customers match"),
        ("project_name", "<script>alert(1)</script>", "No project is named like"),
    ] {
        let url = format!("/clients?{filter}={}", urlencoding(typed));
        let (status, body) = page(&app, &owner, &url).await;
        assert_eq!(status, 200, "{url}");
        let note = &body[body.find(said).unwrap_or_else(|| panic!("{url}: no note {said:?}"))..];
        let note = &note[..note.find("</p>").unwrap()];
        assert!(!note.contains(typed) && !note.contains("<meta"), "{url}: the note carries markup: {note}");
        assert!(note.contains(&escaped(typed)), "{url}: {note}");
        if filter == "customer_name" {
            assert_eq!(note.matches(&escaped(HOSTILE)).count(), 2, "{url}: both customers, escaped: {note}");
        }
    }
}

/// Query-string encoding of a value (what a browser sends for a GET form field).
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_is_set_only_on_the_choose_a_password_step_of_an_organization_that_uses_them() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Codes Only", "owner@codes.test").await;
    let project = app.create_project(&owner, "Work").await;
    app.invite(&owner, project, "Cora", "cora@client.test").await;
    let link = app.invitation_link("cora@client.test").await;
    let cora = app.accept(&link, "cora@client.test").await;
    let form = [("password", "a long enough password"), ("confirm", "a long enough password")];
    let (status, e) = error_of(app.call::<client_access::SetClientPassword>(&cora, &form).await).await;
    assert_eq!((status, e), (403, AppError::Forbidden), "codes only: no password may be set");
    let (status, _) = error_of(
        app.call::<client_access::SignInClient>(
            &browser(),
            &[("slug", "codes-only"), ("email", "cora@client.test"), ("password", "a long enough password")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "and none signs in");

    // With passwords: the step sets one once; changing it needs a fresh proof (a reset link).
    let settings = [
        ("invitation_expiry_days", "7"),
        ("magic_link_minutes", "15"),
        ("reinvite_cooldown", "none"),
        ("client_sign_in", "password"),
    ];
    assert!(app.call::<portico_app::settings::SaveSettings>(&owner, &settings).await.status().is_success());
    let res = app.call::<client_access::SetClientPassword>(&cora, &form).await;
    assert!(res.status().is_success(), "{}", res.status());
    let other = [("password", "another long password"), ("confirm", "another long password")];
    let (status, _) = error_of(app.call::<client_access::SetClientPassword>(&cora, &other).await).await;
    assert_eq!(status, 403, "a session alone does not change a password");
    let res = app
        .call::<client_access::SignInClient>(
            &browser(),
            &[("slug", "codes-only"), ("email", "cora@client.test"), ("password", "a long enough password")],
        )
        .await;
    assert!(res.status().is_success(), "the first password still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inviting_staff_answers_the_same_whatever_other_organizations_hold() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.owner("Other Firm", "ann@other.test").await;
    let owner = app.owner("Our Firm", "oscar@ours.test").await;
    let invite = |email: &'static str| {
        let owner = owner.clone();
        let app = &app;
        async move {
            app.call::<team::InviteStaff>(&owner, &[("name", "Someone"), ("email", email), ("role", "member")]).await
        }
    };
    let known_elsewhere = invite("ann@other.test").await;
    let unknown = invite("nobody@nowhere.test").await;
    assert_eq!(known_elsewhere.status(), unknown.status());
    assert!(unknown.status().is_success());
    assert_eq!(known_elsewhere.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    // Only our own team is consulted.
    let (status, e) = error_of(invite("oscar@ours.test").await).await;
    assert_eq!(status, 422);
    assert_eq!(e.to_string(), "oscar@ours.test is already on your team.");
    // The person with an account elsewhere learns it on the join page, in their own mailbox.
    let join = link_in(&app.wait_for_mail("ann@other.test", 1).await[0].body_text, "/join/");
    let token = join.trim_start_matches("/join/");
    let (status, e) = error_of(
        app.call::<team::JoinTeam>(&browser(), &[("token", token), ("name", "Ann"), ("password", "a long password!")])
            .await,
    )
    .await;
    assert_eq!(status, 422, "{e:?}");
    let pending = staff_invitation::Entity::find()
        .filter(staff_invitation::Column::Email.eq("ann@other.test"))
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.status, "pending", "a refused join changes nothing");
}

/// Logs of a flow that opens and posts to every kind of link, including refused cross-origin
/// posts, hold no token and no code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_link_token_or_code_reaches_the_logs() {
    let logs = crate::common::capture_logs();
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Logged", "owner@logged.test").await;
    let project = app.create_project(&owner, "Work").await;
    app.invite(&owner, project, "Lou", "lou@client.test").await;
    let invite = app.invitation_link("lou@client.test").await;
    let client_id = client::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap().id.to_string();
    let magic: portico_core::model::MagicLink =
        app.call::<login_links::GenerateMagicLink>(&owner, &[("client_id", &client_id)]).await.decoded().await;
    let magic = magic.url.trim_start_matches("http://portal.test").to_string();
    app.call::<team::InviteStaff>(&owner, &[("name", "Sam"), ("email", "sam@logged.test"), ("role", "member")]).await;
    let join = link_in(&app.wait_for_mail("sam@logged.test", 1).await[0].body_text, "/join/");
    let anon = browser();
    for link in [&invite, &magic, &join] {
        assert!(anon.get(app.url(link)).send().await.unwrap().status().is_success(), "{link}");
        // A cross-site form post to the link itself is refused, and logged.
        let res = anon.post(app.url(link)).header("sec-fetch-site", "cross-site").send().await.unwrap();
        assert_eq!(res.status(), 403);
    }
    app.accept(&invite, "lou@client.test").await;
    let code = app.latest_code("lou@client.test").await;
    let logged = logs.text();
    for secret in [&invite, &magic, &join] {
        let token = secret.rsplit('/').next().unwrap();
        assert!(token.len() >= 40, "{secret}");
        assert!(!logged.contains(token), "a token reached the logs:\n{logged}");
    }
    assert!(!logged.contains(&format!("{code}")), "the code reached the logs");
    assert!(logged.contains("cross-origin request refused"), "the refusals were logged:\n{logged}");
    assert!(logged.contains("/join/<token>"), "paths are logged, redacted");
}

/// Reads from a raw connection until the server closes it (or `limit` passes): what it sent.
async fn until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.ok()?;
    Some(String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    let limit = portico_server::HEADER_READ_TIMEOUT + Duration::from_secs(5);
    let trickle_headers = async {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        until_closed(&mut s, limit).await
    };
    let idle = async {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        until_closed(&mut s, limit).await
    };
    let trickle_body = async {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let path = <portico_app::accounts::SignIn as leptos::server_fn::ServerFn>::PATH;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail="
        );
        s.write_all(head.as_bytes()).await.unwrap();
        until_closed(&mut s, limit + portico_server::BODY_TIMEOUT).await
    };
    let (headers, idle, body) = tokio::join!(trickle_headers, idle, trickle_body);
    assert!(headers.is_some(), "a connection trickling its headers is closed");
    let idle = idle.expect("an idle kept-alive connection is closed");
    assert!(idle.starts_with("HTTP/1.1 200"), "it was answered first: {idle}");
    let body = body.expect("a connection trickling its body is closed");
    assert!(body.is_empty() || body.starts_with("HTTP/1.1 408") || body.starts_with("HTTP/1.1 4"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_invitation_says_so_and_whom_to_contact_and_offers_nothing_that_cannot_work() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Lockers", "olga@lockers.test").await;
    let project = app.create_project(&owner, "Vault").await;
    app.invite(&owner, project, "Lena", "lena@client.test").await;
    let link = app.invitation_link("lena@client.test").await;
    let lena = browser();
    let token = link.trim_start_matches("/invite/");
    let mut last = None;
    for round in 0..2 {
        let res = app.call::<client_access::ContinueLink>(&lena, &[("kind", "Invitation"), ("token", token)]).await;
        assert!(res.status().is_success(), "round {round}: {}", res.status());
        for _ in 0..5 {
            last = Some(error_of(app.call::<client_access::VerifyCode>(&lena, &[("code", "000000")]).await).await);
        }
    }
    let (status, e) = last.unwrap();
    let notice = "This invitation was locked after too many wrong codes, to keep your portal safe. Contact Olivia Owner at Lockers and ask them to unlock it.";
    assert_eq!((status, e.to_string()), (409, notice.to_string()), "the tenth wrong code says it locked");
    let step: portico_core::model::CodeStep = app.call::<client_access::LoadCodeStep>(&lena, &[]).await.decoded().await;
    assert_eq!(step.stopped.as_deref(), Some(notice));
    let (_, body) = page(&app, &lena, "/portal/verify").await;
    assert!(body.contains("This invitation is locked") && body.contains("Contact Olivia Owner at Lockers"), "{body}");
    assert!(!body.contains("Send a new code") && !body.contains(">Verify<"), "nothing that cannot work");
    let (status, body) = page(&app, &browser(), &link).await;
    assert_eq!(status, 200);
    assert!(body.contains("This invitation is locked") && !body.contains(">Continue<"), "{body}");
    // Even the right code does not get in, and says the same.
    let (status, e) = error_of(app.call::<client_access::VerifyCode>(&lena, &[("code", "123456")]).await).await;
    assert_eq!((status, e.to_string()), (409, notice.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_a_new_link_says_the_inviter_was_told_only_when_they_were() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Renewers", "rita@renew.test").await;
    let project = app.create_project(&owner, "Work").await;
    for (name, email) in [("Exp", "expired@client.test"), ("Can", "cancelled@client.test")] {
        app.invite(&owner, project, name, email).await;
    }
    let expired = app.invitation_link("expired@client.test").await;
    let cancelled = app.invitation_link("cancelled@client.test").await;
    app.expire(app.invitation_of("expired@client.test").await).await;
    let cancel_id = app.invitation_of("cancelled@client.test").await.id.to_string();
    let res = app.call::<portico_app::invitations::CancelInvite>(&owner, &[("invitation_id", &cancel_id)]).await;
    assert!(res.status().is_success());
    let ask = |link: String| {
        let app = &app;
        async move {
            let token = link.trim_start_matches("/invite/").to_string();
            let told: bool = app
                .call::<client_access::RequestNewLink>(&browser(), &[("kind", "Invitation"), ("token", &token)])
                .await
                .decoded()
                .await;
            told
        }
    };
    assert!(ask(expired).await, "an expired invitation: the inviter is told");
    assert!(!ask(cancelled).await, "a cancelled one: nobody is told, and the page does not say so");
    assert!(!ask("/invite/unknown-token-of-no-invitation".into()).await);
    assert_eq!(app.audit_events("link.requested").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_install_leads_to_setup_and_signed_out_pages_redirect_with_303() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let anon = browser();
    // Like curl: no Accept header. Then like a browser.
    for accept in [None, Some("text/html,application/xhtml+xml")] {
        let mut req = anon.get(app.url("/"));
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 303, "{accept:?}");
        assert_eq!(res.headers()["location"], "/sign-in");
        assert!(!res.text().await.unwrap().is_empty(), "no page answers with an empty body");
    }
    let res = anon.get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/setup"));
    let (status, body) = page(&app, &anon, "/setup").await;
    assert_eq!(status, 200);
    assert!(body.contains("Create your organization"));
    // Once an organization exists, sign-in is sign-in.
    app.owner("First", "first@first.test").await;
    let (status, body) = page(&app, &anon, "/sign-in").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign in to manage your client portal."));
}

/// Staff and clients who are signed in already (Back after signing in, a bookmark) are sent
/// on to where they were going, never shown the sign-in form again; `next` is followed only to
/// our own pages, as signing in does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_pages_send_people_signed_in_already_on() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Onward", "owner@onward.test").await;
    for (asked, to) in [
        ("/sign-in", "/"),
        ("/sign-in?next=/clients", "/clients"),
        ("/sign-in?next=//evil.example/x", "/"),
        ("/sign-in?next=https://evil.example/", "/"),
    ] {
        let res = staff.get(app.url(asked)).header("accept", "text/html").send().await.unwrap();
        assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, to), "{asked}");
    }
    // Signed out: the form.
    let (status, body) = page(&app, &browser(), "/sign-in?next=/clients").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign in to manage your client portal."));

    // A client signed in already goes on to the portal from its sign-in pages; another
    // organization's sign-in page still offers its form.
    let project = app.create_project(&staff, "Deck").await;
    app.invite(&staff, project, "Cleo", "cleo@onward.test").await;
    let link = app.invitation_link("cleo@onward.test").await;
    let client = app.accept(&link, "cleo@onward.test").await;
    app.owner("Elsewhere", "owner@elsewhere.test").await;
    for (asked, to) in [("/p/onward", Some("/portal")), ("/portal/sign-in", Some("/portal")), ("/p/elsewhere", None)] {
        let res = client.get(app.url(asked)).header("accept", "text/html").send().await.unwrap();
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        assert_eq!(location.as_deref(), to, "{asked}");
    }
    // A signed-in client is not signed-in staff.
    let (status, _) = page(&app, &client, "/sign-in").await;
    assert_eq!(status, 200);
}

/// A browser calling from its own loopback address (127.0.0.x), as if from another machine.
fn browser_at(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_guessing_a_staff_password_cannot_lock_its_owner_out() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.owner("Guarded", "owner@guarded.test").await;
    // The owner signs in once from their own browser, which is then a known device.
    let own = browser_at(20);
    let right = [("email", "owner@guarded.test"), ("password", "correct horse battery")];
    assert!(app.call::<portico_app::accounts::SignIn>(&own, &right).await.status().is_success());
    // Strangers spray wrong passwords from ten addresses. Attempts from browsers new to the
    // address share 10 a minute: the owner's first sign-in took one, nine guesses the rest.
    let wrong = [("email", "owner@guarded.test"), ("password", "wrong password!")];
    let mut statuses = Vec::new();
    for octet in 2..=11 {
        statuses.push(app.call::<portico_app::accounts::SignIn>(&browser_at(octet), &wrong).await.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 422, 422, 422, 422, 429], "spraying is slowed");
    // A fresh browser on a fresh address is slowed too, even with the right password...
    let (status, _) = error_of(app.call::<portico_app::accounts::SignIn>(&browser_at(30), &right).await).await;
    assert_eq!(status, 429);
    // ...but the owner's own browser gets in.
    let res = app.call::<portico_app::accounts::SignIn>(&own, &right).await;
    assert!(res.status().is_success(), "the owner is not locked out: {}", res.status());
    // A forged device cookie is no device at all.
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from([127, 0, 0, 31]))
        .build()
        .unwrap();
    let res = forged
        .post(app.url(<portico_app::accounts::SignIn as leptos::server_fn::ServerFn>::PATH))
        .header("cookie", "portico_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .form(&right)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magic_links_and_login_emails_accept_a_pending_invitation_and_never_reach_cancelled_clients() {
    use portico_app::{dashboard::LoadDashboard, invitations::CancelInvite};
    use portico_core::model::{AccessStatus, Dashboard, LoginEmailReport, MagicLink};
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Rules", "owner@rules.test").await;
    let project = app.create_project(&owner, "Extension").await;
    for (name, email) in [("Ivy Invited", "ivy@client.test"), ("Cal Cancelled", "cal@client.test")] {
        assert!(app.invite(&owner, project, name, email).await.status().is_success());
    }
    let id_of = |email: &'static str| {
        let app = &app;
        async move {
            client::Entity::find()
                .filter(client::Column::Email.eq(email))
                .one(&app.state.portico.db)
                .await
                .unwrap()
                .unwrap()
                .id
                .to_string()
        }
    };
    let (ivy, cal) = (id_of("ivy@client.test").await, id_of("cal@client.test").await);
    let cal_inv = app.invitation_of("cal@client.test").await.id.to_string();
    assert!(app.call::<CancelInvite>(&owner, &[("invitation_id", &cal_inv)]).await.status().is_success());

    // Cancelled: no magic link, no login email — alone or in a selection, with the reason.
    let (status, e) = error_of(app.call::<login_links::GenerateMagicLink>(&owner, &[("client_id", &cal)]).await).await;
    assert_eq!(
        (status, e.to_string()),
        (409, "Cal Cancelled's invitation was cancelled. Send a new invite first.".into())
    );
    let (status, _) = error_of(app.call::<login_links::SendLoginEmail>(&owner, &[("client_ids[0]", &cal)]).await).await;
    assert_eq!(status, 409);
    let before = app.mail_to("cal@client.test").await.len();
    let report: LoginEmailReport = app
        .call::<login_links::SendLoginEmail>(&owner, &[("client_ids[0]", &ivy), ("client_ids[1]", &cal)])
        .await
        .decoded()
        .await;
    assert_eq!(report.sent, 1);
    assert_eq!(
        report.skipped,
        vec!["Cal Cancelled: Cal Cancelled's invitation was cancelled. Send a new invite first."]
    );
    assert_eq!(app.mail_to("cal@client.test").await.len(), before, "nothing reached the cancelled client");
    let dash: Dashboard = app.call::<LoadDashboard>(&owner, &[]).await.decoded().await;
    let cal_row = dash.clients.iter().find(|c| c.email == "cal@client.test").unwrap();
    assert_eq!(cal_row.status, AccessStatus::Cancelled);

    // Invited: the magic link proves the address, accepts the invitation and shows the project.
    let link: MagicLink =
        app.call::<login_links::GenerateMagicLink>(&owner, &[("client_id", &ivy)]).await.decoded().await;
    let token = link.url.rsplit('/').next().unwrap().to_string();
    let ivy_browser = browser();
    let res = app.call::<client_access::ContinueLink>(&ivy_browser, &[("kind", "SignIn"), ("token", &token)]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let (status, portal) = page(&app, &ivy_browser, "/portal").await;
    assert_eq!(status, 200);
    assert!(portal.contains("Extension") && !portal.contains("No projects are shared with you yet"), "{portal}");
    let inv = app.invitation_of("ivy@client.test").await;
    assert_eq!(inv.status, "accepted");
    let accepted = app.audit_events("invitation.accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].detail, "ivy@client.test accepted the invitation by signing in with a magic link");
    let dash: Dashboard = app.call::<LoadDashboard>(&owner, &[]).await.decoded().await;
    assert_eq!(dash.clients.iter().find(|c| c.email == "ivy@client.test").unwrap().status, AccessStatus::Active);

    // A login email sent while invited stops working once the invitation is cancelled.
    let project2 = app.create_project(&owner, "Garage").await;
    app.invite(&owner, project2, "Lea Late", "lea@client.test").await;
    let lea = id_of("lea@client.test").await;
    let report: LoginEmailReport =
        app.call::<login_links::SendLoginEmail>(&owner, &[("client_ids[0]", &lea)]).await.decoded().await;
    assert_eq!(report.sent, 1);
    let mail = app.wait_for_mail("lea@client.test", 2).await;
    let login = mail.iter().find(|m| m.topic == "login_email").unwrap();
    let path = link_in(&login.body_text, "/sign-in-link/");
    let lea_inv = app.invitation_of("lea@client.test").await.id.to_string();
    assert!(app.call::<CancelInvite>(&owner, &[("invitation_id", &lea_inv)]).await.status().is_success());
    let token = path.rsplit('/').next().unwrap().to_string();
    let lea_browser = browser();
    let res = app.call::<client_access::ContinueLink>(&lea_browser, &[("kind", "SignIn"), ("token", &token)]).await;
    assert_eq!(res.status(), 404, "the cancelled client does not get in");
    assert_eq!(lea_browser.get(app.url("/portal")).header("accept", "text/html").send().await.unwrap().status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_clients_go_to_their_portals_sign_in_or_find_it_by_email() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    // One client of two organizations.
    let mut slugs = Vec::new();
    for (org, owner) in [("North Firm", "n@north.test"), ("South Firm", "s@south.test")] {
        let staff = app.owner(org, owner).await;
        let project = app.create_project(&staff, "Work").await;
        app.invite(&staff, project, "Dual Client", "dual@client.test").await;
        slugs.push(org.to_lowercase().replace(' ', "-"));
    }
    // A bookmarked /portal in a browser that never signed in: the neutral page, not staff sign-in.
    let anon = browser();
    let res = anon.get(app.url("/portal")).header("accept", "text/html").send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/portal/sign-in"));
    let (status, body) = page(&app, &anon, "/portal/sign-in").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign in to your portal") && body.contains("Email me a sign-in link"));

    // The neutral page: every organization that knows the address sends a link; the same answer
    // for an unknown address, which gets nothing.
    let ask = |email: &'static str| {
        let app = &app;
        async move { app.call::<client_access::RequestSignInLink>(&browser(), &[("slug", ""), ("email", email)]).await }
    };
    let known = ask("dual@client.test").await;
    let unknown = ask("stranger@nowhere.test").await;
    assert_eq!((known.status(), unknown.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    assert_eq!(known.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    let mail = app.wait_for_mail("dual@client.test", 4).await;
    let links: Vec<_> = mail.iter().filter(|m| m.topic == "sign_in_link").collect();
    assert_eq!(links.len(), 2, "one link from each organization");
    assert!(links.iter().any(|m| m.from_name == "North Firm") && links.iter().any(|m| m.from_name == "South Firm"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mail_to("stranger@nowhere.test").await.is_empty());

    // Signed in once, the browser remembers its portal: signed out, /portal leads to its page.
    let link = app.invitation_link("dual@client.test").await;
    let client = app.accept(&link, "dual@client.test").await;
    let res = app.call::<portico_app::accounts::SignOut>(&client, &[]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let res = client.get(app.url("/portal")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(slugs.iter().any(|s| to == format!("/p/{s}")), "{to}");
}

/// After a flow that sends every kind of mail carrying a secret, no outbox column holds a
/// working token or code: bodies are sealed, subjects carry none. Old ones are blanked later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_usable_link_or_code_is_stored_readable_in_the_outbox() {
    use portico_core::entities::outbox_message;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let owner = app.owner("Sealed", "owner@sealed.test").await;
    let project = app.create_project(&owner, "Work").await;
    app.invite(&owner, project, "Sue", "sue@client.test").await;
    let invite = app.invitation_link("sue@client.test").await;
    app.accept(&invite, "sue@client.test").await;
    let code = app.latest_code("sue@client.test").await;
    let sue = client::Entity::find().one(db).await.unwrap().unwrap().id.to_string();
    app.call::<login_links::SendLoginEmail>(&owner, &[("client_ids[0]", &sue)]).await;
    app.call::<client_access::RequestSignInLink>(&browser(), &[("slug", "sealed"), ("email", "sue@client.test")]).await;
    app.call::<team::InviteStaff>(&owner, &[("name", "Sam"), ("email", "sam@sealed.test"), ("role", "member")]).await;
    let mail = app.wait_for_mail("sue@client.test", 4).await;
    let staff_mail = app.wait_for_mail("sam@sealed.test", 1).await;
    let mut secrets = vec![invite.rsplit('/').next().unwrap().to_string(), code.clone()];
    for m in mail.iter().chain(&staff_mail) {
        for marker in ["/sign-in-link/", "/join/"] {
            if m.body_text.contains(marker) {
                secrets.push(link_in(&m.body_text, marker).rsplit('/').next().unwrap().to_string());
            }
        }
    }
    assert_eq!(secrets.len(), 5, "invitation, code, login email, sign-in link, join: {secrets:?}");
    let rows = outbox_message::Entity::find().all(db).await.unwrap();
    let mut topics: Vec<&str> = rows.iter().map(|r| r.topic.as_str()).collect();
    topics.sort();
    assert_eq!(topics, ["code", "invitation", "login_email", "notification", "sign_in_link", "staff_invitation"]);
    let stored = format!("{rows:?}");
    for secret in &secrets {
        assert!(!stored.contains(secret.as_str()), "{secret} is stored readable");
    }
    assert!(rows.iter().all(|r| r.body_text.starts_with("sealed:v1:") && r.body_html.starts_with("sealed:v1:")));

    // Past its retention period, a delivered code's body is blanked; the Mailbox says so.
    let code_row = rows.iter().find(|r| r.topic == "code").unwrap().clone();
    let mut old: outbox_message::ActiveModel = code_row.clone().into();
    old.created_at = Set(Utc::now() - chrono::Duration::days(2));
    old.update(db).await.unwrap();
    assert_eq!(portico_core::outbox::purge_secret_bodies(&app.state.portico, 500).await.unwrap(), 1);
    let purged = outbox_message::Entity::find_by_id(code_row.id).one(db).await.unwrap().unwrap();
    assert_eq!((purged.body_text.as_str(), purged.body_html.as_str()), ("", ""));
    assert!(purged.purged_at.is_some());
    let (status, body) = page(&app, &owner, &format!("/mailbox/{}", code_row.id)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Its content was removed after its retention period"), "{body}");
    assert_eq!(portico_core::outbox::purge_secret_bodies(&app.state.portico, 500).await.unwrap(), 0, "once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_forgot_password_emails_a_single_use_link_and_answers_the_same_for_anyone() {
    use portico_app::accounts::{RequestStaffPasswordReset, ResetStaffPassword, SignIn};
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let old_session = app.owner("Forgetful", "fay@forgetful.test").await;
    let ask = |email: &'static str| {
        let app = &app;
        async move { app.call::<RequestStaffPasswordReset>(&browser(), &[("email", email)]).await }
    };
    let known = ask("fay@forgetful.test").await;
    let unknown = ask("nobody@forgetful.test").await;
    assert_eq!((known.status().as_u16(), unknown.status().as_u16()), (200, 200));
    assert_eq!(known.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    let mail = app.wait_for_mail("fay@forgetful.test", 1).await;
    let reset = mail.iter().find(|m| m.topic == "staff_password_reset").expect("a reset email");
    assert_eq!(reset.subject, "Choose a new Portico password");
    let link = link_in(&reset.body_text, "/reset-password/");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mail_to("nobody@forgetful.test").await.is_empty());
    // The link's page only reads; a mismatched confirmation is a field error and spends nothing.
    let (status, body) = page(&app, &browser(), &link).await;
    assert_eq!(status, 200);
    assert!(body.contains("Choose a new password") && body.contains("Forgetful"), "{body}");
    let token = link.trim_start_matches("/reset-password/");
    let fresh = browser();
    let (status, e) = error_of(
        app.call::<ResetStaffPassword>(
            &fresh,
            &[("token", token), ("password", "brand new password"), ("confirm", "typo")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{e:?}");
    let res = app
        .call::<ResetStaffPassword>(
            &fresh,
            &[("token", token), ("password", "brand new password"), ("confirm", "brand new password")],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    // Signed in here; the old session is over; the old password no longer works; the link is spent.
    assert_eq!(fresh.get(app.url("/projects")).header("accept", "text/html").send().await.unwrap().status(), 200);
    assert_eq!(old_session.get(app.url("/projects")).header("accept", "text/html").send().await.unwrap().status(), 303);
    let (status, _) = error_of(
        app.call::<SignIn>(&browser(), &[("email", "fay@forgetful.test"), ("password", "correct horse battery")]).await,
    )
    .await;
    assert_eq!(status, 422);
    let res =
        app.call::<SignIn>(&browser(), &[("email", "fay@forgetful.test"), ("password", "brand new password")]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let (status, _) = error_of(
        app.call::<ResetStaffPassword>(
            &browser(),
            &[("token", token), ("password", "third password!!"), ("confirm", "third password!!")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404, "the link works once");
    assert_eq!(app.audit_events("staff.password_reset").await.len(), 1);
}

/// The bundle goes over the wire compressed: the pre-compressed file when the browser takes
/// it; pages and server-function answers compressed on the fly and never stored by a cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_is_served_precompressed_and_pages_are_compressed_and_not_stored() {
    let site = std::env::temp_dir().join(format!("portico_site_{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    let wasm = vec![0u8; 50_000];
    std::fs::write(site.join("pkg/portico.wasm"), &wasm).unwrap();
    std::fs::write(site.join("pkg/portico.wasm.br"), b"brotli bytes stand-in").unwrap();
    std::fs::write(site.join("pkg/portico.wasm.gz"), b"gzip bytes stand-in").unwrap();
    let app = crate::common::spawn_app_serving(&site).await;
    // reqwest here decompresses nothing: the raw bytes and headers are what a browser receives.
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = raw.get(app.url("/pkg/portico.wasm")).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(res.headers()["cache-control"], "no-cache", "plain names (no hash.txt here) are revalidated");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"brotli bytes stand-in");
    let res = raw.get(app.url("/pkg/portico.wasm")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let res = raw.get(app.url("/pkg/portico.wasm")).send().await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.bytes().await.unwrap().len(), wasm.len());

    let res = raw.get(app.url("/setup")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip", "pages are compressed");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = raw
        .post(app.url(<portico_app::accounts::SignupOpen as leptos::server_fn::ServerFn>::PATH))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store", "server-function answers are not stored");
    let _ = std::fs::remove_dir_all(&site);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_not_found_page_sends_staff_to_the_dashboard_and_clients_to_their_portal() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Lost Co", "owner@lost.test").await;
    let project = app.create_project(&owner, "Work").await;
    app.invite(&owner, project, "Lia", "lia@client.test").await;
    let link = app.invitation_link("lia@client.test").await;
    let client = app.accept(&link, "lia@client.test").await;
    for (who, expect) in
        [(&owner, "Go to the dashboard"), (&client, "Go to your Lost Co portal"), (&browser(), "Client portal sign-in")]
    {
        let (status, body) = page(&app, who, "/no/such/page").await;
        assert_eq!(status, 404);
        assert!(body.contains("We could not find that page") && body.contains(expect), "{expect}: {body}");
    }
}

/// Without JavaScript a form posts straight to its server function; an error must come back to
/// the form's page (in the URL, where the page shows it under its field), never as a bare
/// error body. Ordinary pages therefore send their address to this origin (`same-origin`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_without_javascript_comes_back_to_its_page_with_the_error_under_the_field() {
    use portico_app::projects::CreateProject;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Plain Forms", "owner@plain.test").await;
    let (status, expected) = error_of(app.call::<CreateProject>(&owner, &[("name", ""), ("customer", "")]).await).await;
    assert_eq!(status, 422, "the hydrated page's call gets the error as it always did");
    let res = owner
        .post(app.url(<CreateProject as leptos::server_fn::ServerFn>::PATH))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url("/projects/new"))
        .form(&[("name", ""), ("customer", "")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "a redirect back to the form, not an error body: {}", res.status());
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("/projects/new") && back.contains("__err"), "{back}");
    let back = back.trim_start_matches(&app.base).to_string();
    let (status, body) = page(&app, &owner, &back).await;
    assert_eq!(status, 200);
    assert!(body.contains(&escaped(&expected.to_string())), "the message shows on the page: {expected}");
    // And a good post goes where the function says.
    let res = owner
        .post(app.url(<CreateProject as leptos::server_fn::ServerFn>::PATH))
        .header("accept", "text/html")
        .header("referer", app.url("/projects/new"))
        .form(&[("name", "Made without JavaScript"), ("customer", "")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/projects/"));
}

/// A refused plain form post comes back to a page that is rendered afresh: what was typed is
/// written back into that one form (kept for one page view, in an HttpOnly cookie), so the
/// person mends the one field instead of typing everything again. A password never is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_plain_form_comes_back_with_what_was_typed_and_never_a_password() {
    use portico_app::{accounts::SignIn, clients::AddClient};
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Kept Forms", "owner@kept.test").await;
    let plain_post = |who: &reqwest::Client, path: &str, from: &str, fields: Vec<(&'static str, &'static str)>| {
        who.post(app.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", app.url(from))
            .form(&fields)
            .send()
    };
    let add_client = <AddClient as leptos::server_fn::ServerFn>::PATH;
    let typed = vec![
        ("name", "Ada \"Quote\" <b>Lovelace</b>"),
        ("email", "ada@kept.test"),
        ("phone", "12"),
        ("customer_name", "Nobody Ltd"),
        ("intent", "save"),
    ];
    let res = plain_post(&owner, add_client, "/clients/new", typed.clone()).await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(sets_cookie(&res), "the typed fields are kept for the page view");
    let back = res.headers()["location"].to_str().unwrap().trim_start_matches(&app.base).to_string();
    assert!(back.contains("__err"), "{back}");
    let (status, body) = page(&app, &owner, &back).await;
    assert_eq!(status, 200);
    for kept in [
        r#"value="Ada &quot;Quote&quot; <b>Lovelace</b>""#,
        r#"value="ada@kept.test""#,
        r#"value="12""#,
        r#"value="Nobody Ltd""#,
    ] {
        assert!(body.contains(kept), "{kept} is back in its box");
    }
    // Reloading the refused page shows it as it was; any other page view ends it.
    let (_, again) = page(&app, &owner, &back).await;
    assert!(again.contains(r#"value="ada@kept.test""#), "a reload shows the refused form again");
    let (_, other) = page(&app, &owner, "/clients").await;
    assert!(!other.contains("ada@kept.test"), "never on another page");
    let (_, later) = page(&app, &owner, &back).await;
    assert!(!later.contains(r#"value="ada@kept.test""#), "gone after another page view");
    // Refused again from the refused page: its address holds this refusal only.
    let res = plain_post(&owner, add_client, &back, typed.clone()).await.unwrap();
    let again = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(again.matches("__err=").count(), 1, "{again}");
    assert_eq!(again.matches("__path=").count(), 1, "{again}");
    let again = again.trim_start_matches(&app.base).to_string();
    let (_, body) = page(&app, &owner, &again).await;
    assert!(body.contains(r#"value="ada@kept.test""#));
    // Nothing is kept when the post succeeds.
    let good = vec![("name", "Ada Lovelace"), ("email", "ada@kept.test"), ("intent", "save")];
    let res = plain_post(&owner, add_client, "/clients/new", good).await.unwrap();
    assert!(res.status().is_redirection());
    assert!(!res.headers()["location"].to_str().unwrap().contains("__err"));
    let cookies: Vec<&str> = res.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap()).collect();
    assert!(
        cookies.len() == 1 && cookies[0].starts_with("portico_typed=;") && cookies[0].contains("Max-Age=0"),
        "a saved form ends what the refusal kept: {cookies:?}"
    );

    // A wrong password: the email comes back, the password never (not in the cookie either).
    let stranger = browser();
    let sign_in = <SignIn as leptos::server_fn::ServerFn>::PATH;
    let res = plain_post(
        &stranger,
        sign_in,
        "/sign-in",
        vec![("email", "owner@kept.test"), ("password", "not-the-password-9")],
    )
    .await
    .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().any(|c| c.contains("owner%40kept.test") && c.contains("HttpOnly")), "{cookies:?}");
    assert!(!cookies.iter().any(|c| c.contains("not-the-password")), "{cookies:?}");
    let back = res.headers()["location"].to_str().unwrap().trim_start_matches(&app.base).to_string();
    let (_, body) = page(&app, &stranger, &back).await;
    assert!(body.contains(r#"value="owner@kept.test""#), "the email is back");
    assert!(!body.contains("not-the-password"), "the password is not");
}

/// Link pages send no Referer (their URLs hold tokens), so their forms name their page in a
/// hidden field: a join posted without JavaScript with a short password comes back to the join
/// page with the message under the field, and nothing but a link page's path is ever taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_page_form_posted_without_javascript_comes_back_to_its_page() {
    use portico_app::team::{InviteStaff, JoinTeam};
    use portico_core::model::FORM_PAGE_FIELD;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Plain Links", "owner@plainlinks.test").await;
    let res =
        app.call::<InviteStaff>(&owner, &[("name", "Sam"), ("email", "sam@plainlinks.test"), ("role", "member")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let join = link_in(&app.wait_for_mail("sam@plainlinks.test", 1).await[0].body_text, "/join/");
    let token = join.trim_start_matches("/join/").to_string();
    let (_, form) = page(&app, &browser(), &join).await;
    assert!(
        form.contains(&format!(r#"name="{FORM_PAGE_FIELD}" value="{join}""#)),
        "the join form names its page: {form}"
    );
    let plain_post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            // As a browser without JavaScript posts it from a no-referrer page: no Referer.
            browser()
                .post(app.url(<JoinTeam as leptos::server_fn::ServerFn>::PATH))
                .header("accept", "text/html,application/xhtml+xml")
                .header("origin", app.base.clone())
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let short = |page: &str| {
        vec![
            ("token", token.clone()),
            ("name", "Sam Staff".to_string()),
            ("password", "short".to_string()),
            (FORM_PAGE_FIELD, page.to_string()),
        ]
    };
    let res = plain_post(short(&join)).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = res.headers()["location"].to_str().unwrap().to_string();
    // Back to the page at the public address (links and redirects never use the Host header).
    assert!(back.starts_with(&format!("http://portal.test{join}?")) && back.contains("__err"), "{back}");
    let (status, body) = page(&app, &browser(), back.trim_start_matches("http://portal.test")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Use at least 10 characters."), "the message shows on the join page: {body}");

    // Anything but a link page of this origin is ignored: the error goes to `/`, as before.
    for elsewhere in ["https://evil.example/join/x", "//evil.example/join/x", "/projects/new", "/join/x?next=//evil"] {
        let res = plain_post(short(elsewhere)).await;
        let location = res.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with("/?") || location == "/", "{elsewhere} -> {location}");
    }

    // With the wasm the field rides along unread, and the good post joins.
    let res = app
        .call::<JoinTeam>(
            &browser(),
            &[
                ("token", token.as_str()),
                ("name", "Sam Staff"),
                ("password", "a long enough password"),
                (FORM_PAGE_FIELD, join.as_str()),
            ],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
}

/// A form with several mistakes gets every one back at once, each for its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_field_is_reported_at_once() {
    use portico_app::accounts::CreateOrganization;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (status, e) = error_of(
        app.call::<CreateOrganization>(
            &browser(),
            &[("organization_name", " "), ("name", ""), ("email", "not-an-email"), ("password", "short")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let AppError::Invalid(fields) = &e else { panic!("all fields at once: {e:?}") };
    let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names, ["organization_name", "name", "email", "password"]);
    for (field, _) in fields {
        assert!(e.for_field(field).is_some(), "{field} has its message");
    }
    assert_eq!(e.general(&["organization_name", "name", "email", "password"]), None, "nothing left for the form");
    let owner = app.owner("Fields", "owner@fields.test").await;
    let project = app.create_project(&owner, "Work").await.to_string();
    let (status, e) = error_of(
        app.call::<portico_app::invitations::InviteClient>(
            &owner,
            &[("project_id", &project), ("existing", ""), ("name", ""), ("email", "bad"), ("phone", "12")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let AppError::Invalid(fields) = e else { panic!("three invalid fields") };
    assert_eq!(fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["name", "email", "phone"]);
}

/// Behind a trusted proxy (`PORTICO_TRUSTED_PROXIES`) the audit trail sees the person: the
/// address the proxy appended, not the proxy and not what the sender wrote to its left. With
/// no proxy configured the same header is the sender's word and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_person_is_seen_not_the_proxy() {
    use leptos::server_fn::ServerFn;
    use portico_app::invitations::InviteClient;
    async fn invited_from(app: &TestApp, forwarded_for: &str) -> Option<String> {
        let staff = app.owner("Proxy Co", "owner@proxy.test").await;
        let project = app.create_project(&staff, "Gate").await.to_string();
        let res = staff
            .post(app.url(InviteClient::PATH))
            .header("x-forwarded-for", forwarded_for)
            .form(&[
                ("project_id", project.as_str()),
                ("existing", ""),
                ("name", "Pia"),
                ("email", "pia@client.test"),
                ("phone", ""),
            ])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        app.audit_events("invitation.created").await.pop().and_then(|e| e.ip)
    }
    let proxied = crate::common::spawn_app_configured(Backend::Sqlite, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await
    .unwrap();
    assert_eq!(invited_from(&proxied, "198.51.100.1, 203.0.113.5").await.as_deref(), Some("203.0.113.5"));
    let direct = spawn_app(Backend::Sqlite).await.unwrap();
    assert_eq!(invited_from(&direct, "198.51.100.1, 203.0.113.5").await.as_deref(), Some("127.0.0.1"));
}
