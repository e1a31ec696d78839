//! Customers: Add / Edit with every field checked, the list, the customer page with its
//! co-owners, "Send invite", "Invite all owners", "Add as guest", Delete (its clients kept or
//! deleted, as chosen).

use portico_app::{
    clients::{AddClient, LoadClients},
    combobox::FindNames,
    customers::{AddGuest, DeleteCustomer, InviteOwners, LoadCustomer, LoadCustomers, SaveCustomer},
};
use portico_core::{
    access,
    entities::{client, project},
    model::{AccessStatus, ClientsPage, CustomerPage, CustomersPage, OwnersInvited, ProjectOption},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{Answer, Backend, TestApp, error_of, spawn_app};

async fn save(app: &TestApp, staff: &reqwest::Client, form: &[(&str, &str)]) -> reqwest::Response {
    app.call::<SaveCustomer>(staff, form).await
}

async fn customers_group_their_people_and_invite_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Customer Co", "owner@customer.test").await;
    let books = app.create_project(&staff, "Books").await;
    let books_s = books.to_string();

    // Every bad field at once; nothing saved.
    let before = portico_core::entities::customer::Entity::find().count(db).await.unwrap();
    let long_code = "9".repeat(21);
    let (status, e) = error_of(
        save(
            &app,
            &staff,
            &[
                ("name", ""),
                ("kind", "robot"),
                ("contact_email", "nope"),
                ("website", "javascript:alert(1)"),
                ("postal_code", &long_code),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    for field in ["name", "kind", "contact_email", "website", "postal_code"] {
        assert!(e.for_field(field).is_some(), "{field}: {e:?}");
    }
    assert_eq!(portico_core::entities::customer::Entity::find().count(db).await.unwrap(), before);
    // A line break (a header injected into a mail or a log) or 10 kB in any one field: refused
    // for that field, nothing saved.
    let valid = [
        ("name", "Valid Ltd"),
        ("kind", "business"),
        ("contact_email", "office@valid.test"),
        ("website", "valid.test"),
        ("street", "1 Main St"),
        ("city", "Leith"),
        ("region", "Lothian"),
        ("postal_code", "EH6 6JJ"),
        ("country", "United Kingdom"),
    ];
    let huge = "x".repeat(10_000);
    for field in ["name", "contact_email", "website", "street", "city", "region", "postal_code", "country"] {
        for hostile in ["Evil\r\nBcc: all@evil.test", huge.as_str()] {
            let form: Vec<(&str, &str)> =
                valid.iter().map(|&(k, v)| if k == field { (k, hostile) } else { (k, v) }).collect();
            let (status, e) = error_of(save(&app, &staff, &form).await).await;
            assert_eq!((status, e.for_field(field).is_some()), (422, true), "{field} {:.20}: {e:?}", hostile);
        }
    }
    assert_eq!(portico_core::entities::customer::Entity::find().count(db).await.unwrap(), before);

    let res = save(
        &app,
        &staff,
        &[
            ("name", "Northwind Ltd"),
            ("kind", "business"),
            ("contact_email", "Office@Northwind.test"),
            ("website", "northwind.test"),
            ("street", "1 Harbour Row"),
            ("city", "Leith"),
            ("postal_code", "EH6 6JJ"),
            ("country", "United Kingdom"),
            ("projects[0]", &books_s),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let id: i64 = res.decoded().await;
    let id_s = id.to_string();
    let p = project::Entity::find_by_id(books).one(db).await.unwrap().unwrap();
    assert_eq!(p.customer_id, Some(id), "the project picked is the customer's");
    // Two co-owners; one of them already in the portal.
    for (name, email) in [("Ola", "ola@northwind.test"), ("Pia", "pia@northwind.test")] {
        let res = app.call::<AddClient>(&staff, &[("name", name), ("email", email), ("customer", &id_s)]).await;
        assert_eq!(res.status(), 200, "{name}");
    }
    assert!(app.invite(&staff, books, "Pia", "pia@northwind.test").await.status().is_success());
    let link = app.invitation_link("pia@northwind.test").await;
    app.accept(&link, "pia@northwind.test").await;

    let page: CustomerPage = app.call::<LoadCustomer>(&staff, &[("customer_id", &id_s)]).await.decoded().await;
    assert_eq!((page.kind.as_str(), page.contact_email.as_deref()), ("Business", Some("office@northwind.test")));
    assert_eq!(page.website.as_deref(), Some("https://northwind.test/"));
    assert_eq!(page.address, ["1 Harbour Row", "Leith", "EH6 6JJ", "United Kingdom"]);
    assert_eq!(
        page.owners.iter().map(|o| (o.name.as_str(), o.status)).collect::<Vec<_>>(),
        [("Ola", AccessStatus::NotInvited), ("Pia", AccessStatus::Active)]
    );

    // Invite all owners: Ola is invited, Pia skipped and why; a second click sends nothing.
    let report: OwnersInvited = app.call::<InviteOwners>(&staff, &[("customer_id", &id_s)]).await.decoded().await;
    assert_eq!(report.invited, ["Ola"]);
    assert_eq!(report.skipped, [("Pia".to_string(), "already active".to_string())]);
    assert_eq!(report.summary(), "Invited Ola. Skipped Pia (already active).");
    assert_eq!(app.wait_for_mail("ola@northwind.test", 1).await.len(), 1);
    let again: OwnersInvited = app.call::<InviteOwners>(&staff, &[("customer_id", &id_s)]).await.decoded().await;
    assert!(again.invited.is_empty());
    assert_eq!(app.mail_to("ola@northwind.test").await.len(), 1, "no second invitation");

    // Add as guest: invited without another step.
    let res = app
        .call::<AddGuest>(&staff, &[("customer_id", &id_s), ("name", "Quin"), ("email", "quin@northwind.test")])
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let mail = app.wait_for_mail("quin@northwind.test", 1).await;
    assert_eq!(mail[0].subject, "Olivia Owner invited you to Books");
    let quin =
        client::Entity::find().filter(client::Column::Email.eq("quin@northwind.test")).one(db).await.unwrap().unwrap();
    assert_eq!(quin.customer_id, Some(id));

    // The list, and the Clients page filtered by the customer.
    let list: CustomersPage = app.call::<LoadCustomers>(&staff, &[("q", "north")]).await.decoded().await;
    assert_eq!(
        list.rows.iter().map(|r| (r.name.as_str(), r.owners, r.projects)).collect::<Vec<_>>(),
        [("Northwind Ltd", 3, 1)]
    );
    let of_customer: ClientsPage = app.call::<LoadClients>(&staff, &[("customer", &id_s)]).await.decoded().await;
    assert_eq!(of_customer.rows.len(), 3);
    assert!(of_customer.rows.iter().all(|r| r.customer.as_deref() == Some("Northwind Ltd")));

    // An edit from an old form is refused; a current one saves.
    let (status, _) =
        error_of(save(&app, &staff, &[("customer_id", &id_s), ("version", "0"), ("name", "Southwind")]).await).await;
    assert_eq!(status, 409);
    // Edit: a project unticked is no longer the customer's; ticked again, it is.
    let edit = |version: &str, project: Option<&str>| {
        let mut form = vec![("customer_id", id_s.as_str()), ("version", version)];
        form.extend([("name", "Northwind Group"), ("kind", "business")]);
        form.extend(project.map(|p| ("projects[0]", p)));
        let (app, staff) = (&app, &staff);
        let form: Vec<(String, String)> = form.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            save(app, staff, &pairs).await.status()
        }
    };
    let books_now = || async { project::Entity::find_by_id(books).one(db).await.unwrap().unwrap().customer_id };
    assert_eq!(edit("1", None).await, 200);
    assert_eq!(books_now().await, None, "unticked on Edit");
    assert_eq!(edit("2", Some(&books_s)).await, 200);
    assert_eq!(books_now().await, Some(id), "ticked again");

    // Delete, keeping the clients (without a customer) and the project.
    let res = app.call::<DeleteCustomer>(&staff, &[("customer_id", &id_s), ("clients", "keep")]).await;
    assert!(res.status().is_success());
    assert_eq!(client::Entity::find().filter(client::Column::CustomerId.eq(id)).count(db).await.unwrap(), 0);
    assert_eq!(client::Entity::find().count(db).await.unwrap(), 3, "the clients stay");
    assert_eq!(project::Entity::find_by_id(books).one(db).await.unwrap().unwrap().customer_id, None);
    assert!(access::check(&app.state.portico, false).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_group_their_people_and_invite_them_on_sqlite() {
    customers_group_their_people_and_invite_them(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_group_their_people_and_invite_them_on_postgres() {
    customers_group_their_people_and_invite_them(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_customer_with_its_clients_ends_their_access() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let staff = app.owner("Gone Co", "owner@gone.test").await;
    let project = app.create_project(&staff, "Estate").await;
    let res =
        save(&app, &staff, &[("name", "Estate of R"), ("kind", "individual"), ("projects[0]", &project.to_string())])
            .await;
    let id: i64 = res.decoded().await;
    let id_s = id.to_string();
    let res =
        app.call::<AddGuest>(&staff, &[("customer_id", &id_s), ("name", "Rae"), ("email", "rae@client.test")]).await;
    assert!(res.status().is_success());
    let link = app.invitation_link("rae@client.test").await;
    let rae = app.accept(&link, "rae@client.test").await;
    let (status, e) =
        error_of(app.call::<DeleteCustomer>(&staff, &[("customer_id", &id_s), ("clients", "")]).await).await;
    assert_eq!((status, e.for_field("clients").is_some()), (422, true), "asked, never assumed");
    let res = app.call::<DeleteCustomer>(&staff, &[("customer_id", &id_s), ("clients", "delete")]).await;
    assert!(res.status().is_success());
    assert_eq!(client::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(app.call::<portico_app::portal::LoadPortalHome>(&rae, &[]).await.status(), 401);
    assert!(access::check(&app.state.portico, false).await.unwrap().is_empty());
}

/// The Customer and Project boxes search as one types and never send a whole list; words sent
/// without picking a suggestion (typed and Enter, or a form sent before the wasm) are settled
/// on the server: the equal name, else the only one containing them, else a choice is asked.
async fn customer_and_project_boxes_settle_the_words_typed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Names Co", "owner@names.test").await;
    let books = app.create_project(&staff, "Bookkeeping 2026").await;
    app.create_project(&staff, "Payroll").await;
    let mut ids = std::collections::HashMap::new();
    for name in ["Apex Ltd", "Apex Holdings", "Bolt Co"] {
        let res = save(&app, &staff, &[("name", name), ("kind", "business")]).await;
        assert_eq!(res.status(), 200, "{name}");
        ids.insert(name, res.decoded::<i64>().await);
    }
    let find = |list: &'static str, q: &'static str| {
        let (app, staff) = (&app, &staff);
        async move {
            let found: Vec<ProjectOption> =
                app.call::<FindNames>(staff, &[("list", list), ("q", q)]).await.decoded().await;
            found.into_iter().map(|o| o.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(find("customers", "APEX").await, ["Apex Holdings", "Apex Ltd"]);
    // (`create_project` adds its project's customer, Acme Ltd.)
    assert_eq!(find("customers", "").await, ["Acme Ltd", "Apex Holdings", "Apex Ltd", "Bolt Co"]);
    assert_eq!(find("projects", "book").await, ["Bookkeeping 2026"]);
    let (status, e) = error_of(app.call::<FindNames>(&staff, &[("list", "clients"), ("q", "")]).await).await;
    assert_eq!((status, e.for_field("list").is_some()), (422, true), "{e:?}");
    // However many there are, a menu shows 20.
    for n in 0..22 {
        let name = format!("Zephyr {n:02}");
        assert!(save(&app, &staff, &[("name", &name), ("kind", "business")]).await.status().is_success());
    }
    assert_eq!(find("customers", "").await.len(), 20);
    assert_eq!(find("customers", "zephyr").await.len(), 20);

    // Add client with the words in the Customer box.
    let add = |email: &'static str, customer: String, typed: &'static str| {
        let (app, staff) = (&app, &staff);
        async move {
            app.call::<AddClient>(
                staff,
                &[("name", "Named"), ("email", email), ("customer", &customer), ("customer_name", typed)],
            )
            .await
        }
    };
    let customer_of =
        |id: i64| async move { client::Entity::find_by_id(id).one(db).await.unwrap().unwrap().customer_id };
    let id: i64 = add("one@names.test", String::new(), "bolt").await.decoded().await;
    assert_eq!(customer_of(id).await, Some(ids["Bolt Co"]), "the only customer containing the words");
    let id: i64 = add("two@names.test", String::new(), "apex ltd").await.decoded().await;
    assert_eq!(customer_of(id).await, Some(ids["Apex Ltd"]), "the equal name, though others contain it");
    // Picked, then the words changed: the words decide.
    let id: i64 = add("three@names.test", ids["Apex Ltd"].to_string(), "Bolt Co").await.decoded().await;
    assert_eq!(customer_of(id).await, Some(ids["Bolt Co"]));
    let id: i64 = add("four@names.test", ids["Apex Ltd"].to_string(), "").await.decoded().await;
    assert_eq!(customer_of(id).await, None, "an emptied box is no customer");
    let before = client::Entity::find().count(db).await.unwrap();
    let (status, e) = error_of(add("five@names.test", String::new(), "apex").await).await;
    assert_eq!(status, 422);
    assert_eq!(
        e.for_field("customer").as_deref(),
        Some(
            "Several customers match \u{201c}apex\u{201d} (Apex Holdings, Apex Ltd). Type the whole name or pick one from the list."
        )
    );
    let (status, e) = error_of(add("five@names.test", String::new(), "Umbrella").await).await;
    assert_eq!(status, 422);
    assert_eq!(
        e.for_field("customer").as_deref(),
        Some("No customer is named like \u{201c}Umbrella\u{201d}. Pick one from the list.")
    );
    assert_eq!(client::Entity::find().count(db).await.unwrap(), before, "nothing added");

    // The Clients page filtered by words in its boxes.
    let clients = |pairs: &'static [(&'static str, &'static str)]| {
        let (app, staff) = (&app, &staff);
        async move {
            let page: ClientsPage = app.call::<LoadClients>(staff, pairs).await.decoded().await;
            page
        }
    };
    let page = clients(&[("customer_name", "bolt")]).await;
    assert_eq!((page.customer.id, page.customer.text.as_str()), (Some(ids["Bolt Co"]), "Bolt Co"));
    assert_eq!((page.rows.len(), page.matching), (2, 2));
    let page = clients(&[("customer_name", "apex")]).await;
    assert_eq!(
        (page.customer.id, page.customer.several.iter().map(|o| o.name.as_str()).collect::<Vec<_>>()),
        (None, vec!["Apex Holdings", "Apex Ltd"]),
        "several: offered, and the filter waits for a choice"
    );
    assert_eq!(page.matching, 4);
    let page = clients(&[("customer_name", "Umbrella")]).await;
    assert_eq!((page.customer.unknown, page.rows.len(), page.matching), (true, 0, 0));
    let page = clients(&[("project_name", "bookkeeping")]).await;
    assert_eq!(page.project.id, Some(books));
    assert_eq!(page.matching, 0, "no client is on Bookkeeping yet");

    // Another organization sees none of these names and cannot name them.
    let other = app.owner("Other Co", "owner@other.test").await;
    let found: Vec<ProjectOption> =
        app.call::<FindNames>(&other, &[("list", "customers"), ("q", "apex")]).await.decoded().await;
    assert!(found.is_empty(), "{found:?}");
    let (status, e) = error_of(
        app.call::<AddClient>(&other, &[("name", "X"), ("email", "x@other.test"), ("customer_name", "Apex Ltd")]).await,
    )
    .await;
    assert_eq!((status, e.for_field("customer").is_some()), (422, true), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_project_boxes_settle_the_words_typed_on_sqlite() {
    customer_and_project_boxes_settle_the_words_typed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_project_boxes_settle_the_words_typed_on_postgres() {
    customer_and_project_boxes_settle_the_words_typed(Backend::Postgres).await;
}
