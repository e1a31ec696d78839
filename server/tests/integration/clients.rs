//! Clients managed apart from invitations: Add client (Save, Save and send invite), the
//! Clients page (search, filters, orders, pages), Deactivate and Activate.

use portico_app::{
    client_access::{ContinueLink, LoadCodeStep, OpenLink, RequestSignInLink, VerifyCode},
    clients::{AddClient, LoadClient, LoadClients, SetClientAccess},
    error::AppError,
    invitations::{LoadPortalAccess, PortalAccess},
    login_links::GenerateMagicLink,
    portal::LoadPortalHome,
};
use portico_core::{
    access,
    entities::{audit_event, client},
    model::{AccessStatus, ClientPage, ClientsPage, CodeStep, LinkLanding, MagicLink},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{Answer, Backend, TestApp, browser, error_of, spawn_app};

async fn add(app: &TestApp, staff: &reqwest::Client, form: &[(&str, &str)]) -> reqwest::Response {
    app.call::<AddClient>(staff, form).await
}

async fn clients(app: &TestApp, staff: &reqwest::Client, args: &[(&str, &str)]) -> ClientsPage {
    let res = app.call::<LoadClients>(staff, args).await;
    assert_eq!(res.status(), 200, "{args:?}");
    res.decoded().await
}

fn names(page: &ClientsPage) -> Vec<&str> {
    page.rows.iter().map(|r| r.name.as_str()).collect()
}

async fn client_count(app: &TestApp) -> u64 {
    client::Entity::find().count(&app.state.portico.db).await.unwrap()
}

async fn added_clients_are_listed_searched_filtered_and_ordered(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Clients Co", "owner@clients.test").await;
    let (p1, p2) = (app.create_project(&staff, "Audit").await, app.create_project(&staff, "Payroll").await);
    let (p1s, p2s) = (p1.to_string(), p2.to_string());

    // Save: the client exists, on the project, not invited, and no mail goes out.
    let res = add(&app, &staff, &[("name", "Ada Quinn"), ("email", "ada@client.test"), ("projects[0]", &p1s)]).await;
    assert_eq!(res.status(), 200);
    let ada: i64 = res.decoded().await;
    let page: ClientPage = app.call::<LoadClient>(&staff, &[("client_id", &ada.to_string())]).await.decoded().await;
    assert_eq!(
        (page.status, page.projects.len(), page.projects[0].status),
        (AccessStatus::NotInvited, 1, AccessStatus::NotInvited)
    );
    assert!(app.mail_to("ada@client.test").await.is_empty(), "Save sends nothing");
    let access: PortalAccess = app.call::<LoadPortalAccess>(&staff, &[("project_id", &p1s)]).await.decoded().await;
    assert_eq!(
        access.page.rows.iter().map(|r| (r.name.as_str(), r.status)).collect::<Vec<_>>(),
        [("Ada Quinn", AccessStatus::NotInvited)]
    );

    // Save and send invite: one invitation per project chosen.
    let res = add(
        &app,
        &staff,
        &[
            ("name", "Bea Ross"),
            ("email", "bea@client.test"),
            ("phone", "+44 20 7946 0958"),
            ("projects[0]", &p1s),
            ("projects[1]", &p2s),
            ("intent", "invite"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let mail = app.wait_for_mail("bea@client.test", 2).await;
    assert_eq!(mail.iter().filter(|m| m.topic == "invitation").count(), 2);
    let bea = client::Entity::find()
        .filter(client::Column::Email.eq("bea@client.test"))
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bea.phone.as_deref(), Some("+442079460958"), "stored E.164");
    let res = add(&app, &staff, &[("name", "Cy Park"), ("email", "cy@client.test")]).await;
    assert_eq!(res.status(), 200);

    // Bad input: every field at once, nothing saved; an address that is already a client's.
    let before = client_count(&app).await;
    let (status, e) =
        error_of(add(&app, &staff, &[("name", " "), ("email", "not-an-email"), ("phone", "12")]).await).await;
    assert_eq!(status, 422);
    for field in ["name", "email", "phone"] {
        assert!(e.for_field(field).is_some(), "{field}: {e:?}");
    }
    let (status, e) = error_of(add(&app, &staff, &[("name", "Ada Again"), ("email", "ADA@client.test")]).await).await;
    assert_eq!(status, 422);
    assert!(e.for_field("email").is_some_and(|m| m.contains("Ada Quinn") && m.contains("already a client")), "{e:?}");
    let (status, e) =
        error_of(add(&app, &staff, &[("name", "Dot"), ("email", "dot@client.test"), ("intent", "invite")]).await).await;
    assert_eq!((status, e.for_field("projects").is_some()), (422, true), "{e:?}");
    let (status, e) = error_of(
        add(&app, &staff, &[("name", "Dot"), ("email", "dot@client.test"), ("assigned_staff", "999999")]).await,
    )
    .await;
    assert_eq!((status, e.for_field("assigned_staff").is_some()), (422, true), "{e:?}");
    assert_eq!(client_count(&app).await, before, "nothing half-saved");

    // The list: by name, phone formatted; each filter; the other orders.
    let all = clients(&app, &staff, &[]).await;
    assert_eq!(names(&all), ["Ada Quinn", "Bea Ross", "Cy Park"]);
    assert_eq!((all.matching, all.matching_is_bound, all.deactivated), (3, false, 0));
    assert_eq!(all.rows[1].phone.as_deref(), Some("+44 20 7946 0958"));
    let access: PortalAccess = app.call::<LoadPortalAccess>(&staff, &[("project_id", &p2s)]).await.decoded().await;
    assert_eq!(access.page.rows[0].phone.as_deref(), Some("+44 20 7946 0958"), "Portal access shows it the same way");
    assert_eq!(all.rows[1].projects, ["Audit", "Payroll"]);
    assert!(all.rows[1].invited_at.is_some() && all.rows[0].invited_at.is_none());
    let invited = clients(&app, &staff, &[("status", "invited")]).await;
    assert_eq!((names(&invited), invited.matching), (vec!["Bea Ross"], 1));
    let not_invited = clients(&app, &staff, &[("status", "not_invited")]).await;
    assert_eq!(names(&not_invited), ["Ada Quinn", "Cy Park"]);
    assert_eq!(names(&clients(&app, &staff, &[("project", &p2s)]).await), ["Bea Ross"]);
    assert_eq!(names(&clients(&app, &staff, &[("project", &p1s), ("status", "not_invited")]).await), ["Ada Quinn"]);
    let searched = clients(&app, &staff, &[("q", "ADA")]).await;
    assert_eq!((names(&searched), searched.matching), (vec!["Ada Quinn"], 1));
    assert_eq!(names(&clients(&app, &staff, &[("q", "%")]).await), Vec::<&str>::new(), "wildcards are literal");
    // Search goes through the trigram index from three characters on (SQLite's FTS5 table,
    // PostgreSQL's pg_trgm), and compares names and emails directly below that.
    assert_eq!(names(&clients(&app, &staff, &[("q", "@CLIENT.test")]).await), ["Ada Quinn", "Bea Ross", "Cy Park"]);
    assert_eq!(names(&clients(&app, &staff, &[("q", "bea@")]).await), ["Bea Ross"]);
    assert_eq!(names(&clients(&app, &staff, &[("q", "a q")]).await), ["Ada Quinn"]);
    assert_eq!(names(&clients(&app, &staff, &[("q", "cy")]).await), ["Cy Park"]);
    assert_eq!(names(&clients(&app, &staff, &[("q", "ss")]).await), ["Bea Ross"]);
    for hostile in [r#"ada" OR "bea"#, "ada*", "NEAR(ada bea)", r#"""#, r"a\"] {
        assert_eq!(names(&clients(&app, &staff, &[("q", hostile)]).await), Vec::<&str>::new(), "{hostile}");
    }
    // Names beyond ASCII are found as typed and in capitals, through the trigram index and
    // below it (the search is lowered by the database that lowers the names).
    assert_eq!(add(&app, &staff, &[("name", "Élise Ørsted"), ("email", "elise@client.test")]).await.status(), 200);
    for typed in ["Élise", "ÉLISE", "Él", "Ørs", "ørsted"] {
        assert_eq!(names(&clients(&app, &staff, &[("q", typed)]).await), ["Élise Ørsted"], "{typed}");
    }
    let elsewhere = app.owner("Other Clients Co", "owner@other-clients.test").await;
    assert_eq!(
        add(&app, &elsewhere, &[("name", "Ada Elsewhere"), ("email", "ada@elsewhere.test")]).await.status(),
        200
    );
    assert_eq!(names(&clients(&app, &staff, &[("q", "ada")]).await), ["Ada Quinn"], "only this organization's");
    assert_eq!(
        names(&clients(&app, &staff, &[("sort", "newest")]).await),
        ["Élise Ørsted", "Cy Park", "Bea Ross", "Ada Quinn"]
    );
    assert_eq!(
        names(&clients(&app, &staff, &[("sort", "oldest")]).await),
        ["Ada Quinn", "Bea Ross", "Cy Park", "Élise Ørsted"]
    );
    for (field, args) in [
        ("status", vec![("status", "asleep")]),
        ("project", vec![("project", "x")]),
        ("sort", vec![("sort", "shoe size")]),
        ("view", vec![("view", "everyone")]),
        ("per", vec![("per", "5000")]),
        ("cursor", vec![("cursor", "a1.forged")]),
    ] {
        let (status, e) = error_of(app.call::<LoadClients>(&staff, &args).await).await;
        assert_eq!((status, e.for_field(field).is_some()), (422, true), "{field}: {e:?}");
    }
    let long = "x".repeat(10_000);
    let (status, _) = error_of(app.call::<LoadClients>(&staff, &[("q", &long)]).await).await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_clients_are_listed_searched_filtered_and_ordered_on_sqlite() {
    added_clients_are_listed_searched_filtered_and_ordered(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_clients_are_listed_searched_filtered_and_ordered_on_postgres() {
    added_clients_are_listed_searched_filtered_and_ordered(Backend::Postgres).await;
}

/// Every page of a list in one order, following `next`; the cursor of one order is refused by
/// another.
async fn walk(app: &TestApp, staff: &reqwest::Client, sort: &str) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = clients(app, staff, &[("sort", sort), ("per", "10"), ("cursor", &cursor)]).await;
        seen.extend(page.rows.iter().map(|r| r.client_id));
        match page.next {
            Some(next) => cursor = next,
            None => return seen,
        }
    }
}

async fn pages_cover_every_client_once_in_each_order(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Paged Clients", "owner@paged.test").await;
    // Names that repeat, so that the order by name leans on the id to break ties.
    for i in 0..27 {
        let (name, email) = (format!("Client {}", i % 4), format!("c{i:02}@paged.test"));
        assert_eq!(add(&app, &staff, &[("name", &name), ("email", &email)]).await.status(), 200);
    }
    let rows = client::Entity::find().all(&app.state.portico.db).await.unwrap();
    let mut by_name: Vec<(String, i64)> = rows.iter().map(|c| (c.name.clone(), c.id)).collect();
    by_name.sort();
    let by_name: Vec<i64> = by_name.into_iter().map(|(_, id)| id).collect();
    assert_eq!(walk(&app, &staff, "").await, by_name);
    let mut oldest: Vec<i64> = rows.iter().map(|c| c.id).collect();
    oldest.sort();
    assert_eq!(walk(&app, &staff, "oldest").await, oldest);
    let newest: Vec<i64> = oldest.iter().rev().copied().collect();
    assert_eq!(walk(&app, &staff, "newest").await, newest);

    // Back from the second page is the first; a cursor of one order means nothing in another.
    let first = clients(&app, &staff, &[("per", "10")]).await;
    let second = clients(&app, &staff, &[("per", "10"), ("cursor", first.next.as_deref().unwrap())]).await;
    let back = clients(&app, &staff, &[("per", "10"), ("cursor", second.prev.as_deref().unwrap())]).await;
    assert_eq!(back.rows, first.rows);
    let (status, e) = error_of(
        app.call::<LoadClients>(&staff, &[("sort", "newest"), ("cursor", first.next.as_deref().unwrap())]).await,
    )
    .await;
    assert_eq!((status, e.for_field("cursor").is_some()), (422, true));

    // A client added between pages by name is not skipped and nobody shows twice.
    let mut seen: Vec<i64> = first.rows.iter().map(|r| r.client_id).collect();
    assert_eq!(add(&app, &staff, &[("name", "Client 9"), ("email", "late@paged.test")]).await.status(), 200);
    let mut cursor = first.next.clone();
    while let Some(c) = cursor {
        let page = clients(&app, &staff, &[("per", "10"), ("cursor", &c)]).await;
        seen.extend(page.rows.iter().map(|r| r.client_id));
        cursor = page.next;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (28, 28));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cover_every_client_once_in_each_order_on_sqlite() {
    pages_cover_every_client_once_in_each_order(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cover_every_client_once_in_each_order_on_postgres() {
    pages_cover_every_client_once_in_each_order(Backend::Postgres).await;
}

/// Sends the sign-in links clients asked for now (the background task does it within a tick).
async fn drain_requested_links(app: &TestApp) {
    while portico_core::magic_links::send_requested_links(&app.state.portico, 100).await.unwrap() > 0 {}
}

async fn landing(app: &TestApp, kind: &str, token: &str) -> LinkLanding {
    let res = app.call::<OpenLink>(&browser(), &[("kind", kind), ("token", token)]).await;
    assert_eq!(res.status(), 200);
    res.decoded().await
}

async fn deactivation_stops_every_way_in_and_activation_restores_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Switch Co", "owner@switch.test").await;
    let project = app.create_project(&staff, "Books").await;
    assert!(app.invite(&staff, project, "Dee", "dee@client.test").await.status().is_success());
    let invite_link = app.invitation_link("dee@client.test").await;
    let dee = app.accept(&invite_link, "dee@client.test").await;
    let id = app.invitation_of("dee@client.test").await.client_id.to_string();
    assert_eq!(app.call::<LoadPortalHome>(&dee, &[]).await.status(), 200);
    let magic: MagicLink = app.call::<GenerateMagicLink>(&staff, &[("client_id", &id)]).await.decoded().await;
    let magic_token = magic.url.rsplit('/').next().unwrap().to_string();
    // A sign-in under way: the code is sent, not yet typed.
    let typing = browser();
    let res = app.call::<RequestSignInLink>(&typing, &[("slug", "switch-co"), ("email", "dee@client.test")]).await;
    assert!(res.status().is_success());
    let sent = app.mail_to("dee@client.test").await.len();
    drain_requested_links(&app).await;
    let mail = app.wait_for_mail("dee@client.test", sent + 1).await;
    let link = crate::common::link_in(&mail.last().unwrap().body_text, "/sign-in-link/");
    let res = app
        .call::<ContinueLink>(&typing, &[("kind", "SignIn"), ("token", link.trim_start_matches("/sign-in-link/"))])
        .await;
    assert!(res.status().is_success());
    let mail = app.wait_for_mail("dee@client.test", sent + 2).await;
    assert_eq!(mail.last().unwrap().topic, "code");
    let code_in_flight = app.latest_code("dee@client.test").await;
    let before = mail.len();

    let res = app.call::<SetClientAccess>(&staff, &[("client_id", &id), ("deactivate", "true")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let notice = "Your access to Switch Co's portal is switched off. Contact Switch Co.";
    // The open portal tab is told why, once; then it is simply signed out.
    let (status, e) = error_of(app.call::<LoadPortalHome>(&dee, &[]).await).await;
    assert_eq!((status, e), (409, AppError::Conflict(notice.into())));
    let (status, e) = error_of(app.call::<LoadPortalHome>(&dee, &[]).await).await;
    assert_eq!((status, e), (401, AppError::Unauthorized));
    // Old links say so, with nothing to continue; staff cannot hand out a new one.
    for (kind, token) in [("Invitation", invite_link.trim_start_matches("/invite/")), ("SignIn", magic_token.as_str())]
    {
        let page = landing(&app, kind, token).await;
        assert_eq!(page.stopped.as_deref(), Some(notice), "{kind}");
        let res = app.call::<ContinueLink>(&browser(), &[("kind", kind), ("token", token)]).await;
        assert!(!res.status().is_success(), "{kind}: continue refused");
    }
    let (status, _) = error_of(app.call::<GenerateMagicLink>(&staff, &[("client_id", &id)]).await).await;
    assert_eq!(status, 409);
    // A fresh sign-in from the portal page sends nothing (and answers as for anyone).
    let res = app.call::<RequestSignInLink>(&browser(), &[("slug", "switch-co"), ("email", "dee@client.test")]).await;
    assert!(res.status().is_success());
    drain_requested_links(&app).await;
    assert_eq!(app.mail_to("dee@client.test").await.len(), before, "nothing sent to a deactivated client");
    // The code typed now is refused, and its page says why.
    let (status, _) = error_of(app.call::<VerifyCode>(&typing, &[("code", &code_in_flight)]).await).await;
    assert_eq!(status, 422);
    let step: CodeStep = app.call::<LoadCodeStep>(&typing, &[]).await.decoded().await;
    assert_eq!(step.stopped.as_deref(), Some(notice));

    // Staff see them under Deactivated users only, and the project shows it too.
    let current = clients(&app, &staff, &[]).await;
    assert_eq!((current.rows.len(), current.deactivated), (0, 1));
    let switched_off = clients(&app, &staff, &[("view", "deactivated")]).await;
    assert_eq!(
        switched_off.rows.iter().map(|r| (r.name.as_str(), r.status)).collect::<Vec<_>>(),
        [("Dee", AccessStatus::Deactivated)]
    );
    let access: PortalAccess =
        app.call::<LoadPortalAccess>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    assert_eq!(access.page.rows[0].status, AccessStatus::Deactivated);
    assert!(access::check(&app.state.portico, false).await.unwrap().is_empty(), "counters follow");

    // Activate: access is back without a new invitation, and old sessions stay ended.
    let res = app.call::<SetClientAccess>(&staff, &[("client_id", &id), ("deactivate", "false")]).await;
    assert!(res.status().is_success());
    let page: ClientPage = app.call::<LoadClient>(&staff, &[("client_id", &id)]).await.decoded().await;
    assert_eq!((page.status, page.deactivated), (AccessStatus::Active, false));
    assert_eq!(app.call::<LoadPortalHome>(&dee, &[]).await.status(), 401);
    let again = browser();
    let res = app.call::<RequestSignInLink>(&again, &[("slug", "switch-co"), ("email", "dee@client.test")]).await;
    assert!(res.status().is_success());
    drain_requested_links(&app).await;
    let mail = app.wait_for_mail("dee@client.test", before + 1).await;
    let link = crate::common::link_in(&mail.last().unwrap().body_text, "/sign-in-link/");
    let res = app
        .call::<ContinueLink>(&again, &[("kind", "SignIn"), ("token", link.trim_start_matches("/sign-in-link/"))])
        .await;
    assert!(res.status().is_success());
    app.wait_for_mail("dee@client.test", before + 2).await;
    let code = app.latest_code("dee@client.test").await;
    assert!(app.call::<VerifyCode>(&again, &[("code", &code)]).await.status().is_success());
    assert_eq!(app.call::<LoadPortalHome>(&again, &[]).await.status(), 200);
    // The code sent before deactivation stays void.
    let (status, _) = error_of(app.call::<VerifyCode>(&typing, &[("code", &code_in_flight)]).await).await;
    assert_eq!(status, 422);
    let events: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectKind.eq("client"))
        .all(&app.state.portico.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| e.starts_with("client."))
        .collect();
    assert_eq!(events, ["client.deactivated", "client.activated"]);
    assert!(access::check(&app.state.portico, false).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_stops_every_way_in_and_activation_restores_it_on_sqlite() {
    deactivation_stops_every_way_in_and_activation_restores_it(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_stops_every_way_in_and_activation_restores_it_on_postgres() {
    deactivation_stops_every_way_in_and_activation_restores_it(Backend::Postgres).await;
}

async fn edits_notify_void_old_links_and_never_overwrite_a_later_save(backend: Backend) {
    use portico_app::clients::{LoadClientEdit, SaveClient};
    use portico_core::model::ClientEditForm;
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Edit Co", "owner@edit.test").await;
    let project = app.create_project(&staff, "Tax").await;
    let other = app.create_project(&staff, "Audit").await;
    assert!(app.invite(&staff, project, "Eve", "eve@client.test").await.status().is_success());
    let old_link = app.invitation_link("eve@client.test").await;
    let id = app.invitation_of("eve@client.test").await.client_id.to_string();
    let form: ClientEditForm = app.call::<LoadClientEdit>(&staff, &[("client_id", &id)]).await.decoded().await;
    assert_eq!((form.name.as_str(), form.version, form.projects.iter().filter(|p| p.on).count()), ("Eve", 1, 1));
    let version = form.version.to_string();
    let other_s = other.to_string();
    let save = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let staff = &staff;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call::<SaveClient>(staff, &pairs).await
        }
    };
    let base = |name: &str, email: &str, version: &str| {
        vec![
            ("client_id", id.clone()),
            ("name", name.to_string()),
            ("email", email.to_string()),
            ("version", version.to_string()),
        ]
    };

    // Another address that is already a client's: refused for the field, nothing saved.
    assert!(app.invite(&staff, project, "Fay", "fay@client.test").await.status().is_success());
    let (status, e) = error_of(save(base("Eve", "fay@client.test", &version)).await).await;
    assert_eq!((status, e.for_field("email").is_some()), (422, true), "{e:?}");

    // A new email, a phone, another project, and the client told.
    let mut fields = base("Eve Stone", "eve.stone@client.test", &version);
    fields.extend([
        ("phone", "+1 415 555 0123".to_string()),
        ("projects[0]", other_s.clone()),
        ("notify", "true".to_string()),
    ]);
    let res = save(fields).await;
    assert!(res.status().is_success(), "{}", res.status());
    let page: ClientPage = app.call::<LoadClient>(&staff, &[("client_id", &id)]).await.decoded().await;
    assert_eq!((page.name.as_str(), page.email.as_str()), ("Eve Stone", "eve.stone@client.test"));
    // The search index follows the edit: the new name and address are found, the old one not.
    assert_eq!(names(&clients(&app, &staff, &[("q", "stone@")]).await), ["Eve Stone"]);
    assert_eq!(names(&clients(&app, &staff, &[("q", "eve@client")]).await), Vec::<&str>::new());
    assert_eq!(page.phone.as_deref(), Some("+1 415-555-0123"), "shown formatted");
    assert_eq!(page.projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Tax", "Audit"]);
    let notice = app.wait_for_mail("eve.stone@client.test", 1).await;
    assert_eq!(notice[0].subject, "Your details at Edit Co were updated");
    for line in
        ["Name: Eve Stone", "Email: eve.stone@client.test", "Phone: +1 415-555-0123", "Projects: added to Audit"]
    {
        assert!(notice[0].body_text.contains(line), "{line} in {}", notice[0].body_text);
    }
    // The old address's link no longer opens; the timeline says why.
    let res = app
        .call::<OpenLink>(&browser(), &[("kind", "Invitation"), ("token", old_link.trim_start_matches("/invite/"))])
        .await;
    assert_eq!(res.status(), 404);
    assert!(
        page.events.iter().any(|e| e.what == "Email changed" && e.detail.contains("eve@client.test")),
        "{:?}",
        page.events
    );
    assert!(page.events.iter().any(|e| e.what == "Details edited"));
    // The invitation sent to the old address is expired, not "Invited": Resend makes a new link
    // for the new address, which opens.
    let inv = app.invitation_of("eve@client.test").await;
    assert!(inv.expires_at <= chrono::Utc::now(), "expired with the address change");
    let res =
        app.call::<portico_app::invitations::ResendInvite>(&staff, &[("invitation_id", &inv.id.to_string())]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let new_link = app.invitation_link("eve.stone@client.test").await;
    assert_ne!(new_link, old_link);
    assert_eq!(app.mail_to("eve@client.test").await.iter().filter(|m| m.topic == "invitation").count(), 1);
    let res = app
        .call::<OpenLink>(&browser(), &[("kind", "Invitation"), ("token", new_link.trim_start_matches("/invite/"))])
        .await;
    assert_eq!(res.status(), 200, "the new address's link opens");

    // A second editor's form from before that save: refused, with what is different now.
    let (status, e) = error_of(save(base("Eve S.", "eve.stone@client.test", &version)).await).await;
    assert_eq!(status, 409);
    let AppError::Conflict(message) = e else { panic!("{e:?}") };
    assert!(message.contains("Someone else saved changes") && message.contains("Name is Eve Stone"), "{message}");
    let page: ClientPage = app.call::<LoadClient>(&staff, &[("client_id", &id)]).await.decoded().await;
    assert_eq!(page.name, "Eve Stone", "the later save did not overwrite");
    // The same stale save posted before (or without) the script: the page comes back with what
    // was typed and the version it was typed against, so saving again is refused again, as it
    // is with the script, until Reload.
    let edit_page = format!("/clients/{id}/edit");
    let plain_save = || {
        staff
            .post(app.url(<SaveClient as leptos::server_fn::ServerFn>::PATH))
            .header("accept", "text/html")
            .header("referer", app.url(&edit_page))
            .form(&base("Eve S.", "eve.stone@client.test", &version))
            .send()
    };
    for _ in 0..2 {
        let res = plain_save().await.unwrap();
        let back = res.headers()["location"].to_str().unwrap().trim_start_matches(&app.base).to_string();
        assert!(back.starts_with(&edit_page) && back.contains("__err"), "{back}");
        let html = staff.get(app.url(&back)).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
        assert!(html.contains(r#"value="Eve S.""#), "what was typed is back");
        assert!(
            html.contains(&format!(r#"name="version" value="{version}""#)),
            "with the version it was typed against"
        );
    }
    let page: ClientPage = app.call::<LoadClient>(&staff, &[("client_id", &id)]).await.decoded().await;
    assert_eq!(page.name, "Eve Stone", "a second plain save did not overwrite either");

    // Whoever got in through an address (a typo reaches a stranger) is signed out when staff
    // correct it.
    let fay_link = app.invitation_link("fay@client.test").await;
    let fay = app.accept(&fay_link, "fay@client.test").await;
    assert_eq!(app.call::<LoadPortalHome>(&fay, &[]).await.status(), 200);
    let fay_id = app.invitation_of("fay@client.test").await.client_id.to_string();
    let res = save(vec![
        ("client_id", fay_id),
        ("name", "Fay".to_string()),
        ("email", "fay.right@client.test".to_string()),
        ("version", "1".to_string()),
    ])
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(app.call::<LoadPortalHome>(&fay, &[]).await.status(), 401, "the session through the old address ended");
    assert!(access::check(&app.state.portico, false).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_notify_void_old_links_and_never_overwrite_a_later_save_on_sqlite() {
    edits_notify_void_old_links_and_never_overwrite_a_later_save(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_notify_void_old_links_and_never_overwrite_a_later_save_on_postgres() {
    edits_notify_void_old_links_and_never_overwrite_a_later_save(Backend::Postgres).await;
}

async fn a_deleted_client_loses_every_way_in_and_the_history_stays(backend: Backend) {
    use portico_app::clients::DeleteClient;
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Delete Co", "owner@delete.test").await;
    let project = app.create_project(&staff, "Wills").await;
    assert!(app.invite(&staff, project, "Gus", "gus@client.test").await.status().is_success());
    let link = app.invitation_link("gus@client.test").await;
    let gus = app.accept(&link, "gus@client.test").await;
    assert!(app.invite(&staff, project, "Hal", "hal@client.test").await.status().is_success());
    let id = app.invitation_of("gus@client.test").await.client_id;
    let res = app.call::<DeleteClient>(&staff, &[("client_id", &id.to_string()), ("notify", "true")]).await;
    assert!(res.status().is_success(), "{}", res.status());

    assert_eq!(app.call::<LoadPortalHome>(&gus, &[]).await.status(), 401, "the session ended");
    let res = app
        .call::<OpenLink>(&browser(), &[("kind", "Invitation"), ("token", link.trim_start_matches("/invite/"))])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(app.call::<LoadClient>(&staff, &[("client_id", &id.to_string())]).await.status(), 404);
    let mail = app.wait_for_mail("gus@client.test", 3).await;
    assert_eq!(mail.last().unwrap().subject, "You have been removed from the Delete Co portal");
    let list = clients(&app, &staff, &[]).await;
    assert_eq!((names(&list), list.matching), (vec!["Hal"], 1));
    assert_eq!(names(&clients(&app, &staff, &[("q", "gus@")]).await), Vec::<&str>::new(), "gone from search");
    let history = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectKind.eq("client"))
        .filter(audit_event::Column::SubjectId.eq(id))
        .all(&app.state.portico.db)
        .await
        .unwrap();
    assert!(history.iter().any(|e| e.event == "client.deleted" && e.detail.contains("gus@client.test")));
    assert!(access::check(&app.state.portico, false).await.unwrap().is_empty(), "the counters lost them too");
    // Deleted without a notice: nothing more is sent.
    let hal = app.invitation_of("hal@client.test").await.client_id.to_string();
    let before = app.mail_to("hal@client.test").await.len();
    assert!(app.call::<DeleteClient>(&staff, &[("client_id", &hal)]).await.status().is_success());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.mail_to("hal@client.test").await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_client_loses_every_way_in_and_the_history_stays_on_sqlite() {
    a_deleted_client_loses_every_way_in_and_the_history_stays(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_client_loses_every_way_in_and_the_history_stays_on_postgres() {
    a_deleted_client_loses_every_way_in_and_the_history_stays(Backend::Postgres).await;
}

/// "Send invite" clicked twice at once (two tabs, a double click before the wasm) for a client
/// already on the project: one invitation, one email; the other click is told why. On
/// PostgreSQL both once passed the "already invited?" check together and sent two links.
async fn two_invites_at_once_send_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Twice Co", "owner@twice.test").await;
    let project = app.create_project(&staff, "Books").await;
    let p = project.to_string();
    for round in 0..8 {
        let email = format!("twice{round}@client.test");
        assert_eq!(add(&app, &staff, &[("name", "Twice"), ("email", &email), ("projects[0]", &p)]).await.status(), 200);
        let (a, b) =
            tokio::join!(app.invite(&staff, project, "Twice", &email), app.invite(&staff, project, "Twice", &email));
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
        let sent = app.wait_for_mail(&email, 1).await;
        assert_eq!(sent.iter().filter(|m| m.topic == "invitation").count(), 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_invites_at_once_send_one_on_sqlite() {
    two_invites_at_once_send_one(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_invites_at_once_send_one_on_postgres() {
    two_invites_at_once_send_one(Backend::Postgres).await;
}
