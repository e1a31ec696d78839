//! Preliminary data beyond name and email: a project's Billing, a client's Rate per hour on
//! projects billed by staff hours, a customer added from inside the client and project forms,
//! and the dashboard's Customer filter.

use portico_app::{
    clients::{AddClient, LoadClient, LoadClientEdit, LoadNewClientChoices, SaveClient},
    dashboard::LoadDashboard,
    projects::{CreateProject, LoadProject, SetProjectBilling},
};
use portico_core::{
    entities::{audit_event, client, customer},
    model::{Billing, ClientEditForm, ClientPage, Dashboard, NewClientChoices, ProjectDetail},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::common::{Answer, Backend, TestApp, error_of, spawn_app};

async fn project(app: &TestApp, staff: &reqwest::Client, name: &str, billing: &str) -> String {
    let res = app.call::<CreateProject>(staff, &[("name", name), ("billing", billing)]).await;
    assert!(res.status().is_success(), "{name}: {}", res.status());
    res.decoded::<i64>().await.to_string()
}

async fn client_page(app: &TestApp, staff: &reqwest::Client, id: i64) -> ClientPage {
    app.call::<LoadClient>(staff, &[("client_id", &id.to_string())]).await.decoded().await
}

async fn counts(app: &TestApp) -> (u64, u64) {
    let db = &app.state.portico.db;
    (client::Entity::find().count(db).await.unwrap(), customer::Entity::find().count(db).await.unwrap())
}

async fn rates_follow_billing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Rates Co", "owner@rates.test").await;
    let hourly = project(&app, &staff, "Advisory", "staff_hours").await;
    let fixed = project(&app, &staff, "Year end", "").await;
    let detail: ProjectDetail = app.call::<LoadProject>(&staff, &[("id", &hourly)]).await.decoded().await;
    assert_eq!(detail.billing, Billing::StaffHours);
    let detail: ProjectDetail = app.call::<LoadProject>(&staff, &[("id", &fixed)]).await.decoded().await;
    assert_eq!(detail.billing, Billing::FixedFee, "Fixed fee unless chosen");
    let choices: NewClientChoices = app.call::<LoadNewClientChoices>(&staff, &[]).await.decoded().await;
    assert_eq!(
        choices.projects.iter().map(|p| (p.name.as_str(), p.billing)).collect::<Vec<_>>(),
        [("Advisory", Billing::StaffHours), ("Year end", Billing::FixedFee)]
    );

    // A rate on each project: kept where the project is billed by the hour only.
    let (rate_hourly, rate_fixed) = (format!("rates[{hourly}]"), format!("rates[{fixed}]"));
    let res = app
        .call::<AddClient>(
            &staff,
            &[
                ("name", "Rae Hart"),
                ("email", "rae@client.test"),
                ("projects[0]", &hourly),
                ("projects[1]", &fixed),
                (&rate_hourly, "1,250.5"),
                (&rate_fixed, "80"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let rae: i64 = res.decoded().await;
    let page = client_page(&app, &staff, rae).await;
    let rates: Vec<_> = page.projects.iter().map(|p| (p.name.as_str(), p.billing, p.rate_cents)).collect();
    assert_eq!(rates, [("Advisory", Billing::StaffHours, Some(125_050)), ("Year end", Billing::FixedFee, None)]);

    // A rate that is not an amount: said for the rates, nothing added.
    let before = counts(&app).await;
    for bad in ["12.345", "-40", "ten", "100000.01"] {
        let (status, e) = error_of(
            app.call::<AddClient>(
                &staff,
                &[("name", "Sol"), ("email", "sol@client.test"), ("projects[0]", &hourly), (&rate_hourly, bad)],
            )
            .await,
        )
        .await;
        assert_eq!((status, e.for_field("rates").is_some()), (422, true), "{bad}: {e:?}");
    }
    assert_eq!(counts(&app).await, before, "nothing half-saved");

    // Edit: the form shows the rate as typed back; a new one is kept and in the audit trail
    // (not in the client's notice: rates are the firm's business).
    let form: ClientEditForm =
        app.call::<LoadClientEdit>(&staff, &[("client_id", &rae.to_string())]).await.decoded().await;
    let advisory = form.projects.iter().find(|p| p.name == "Advisory").unwrap();
    assert_eq!((advisory.on, advisory.rate.as_str()), (true, "1250.50"));
    let res = app
        .call::<SaveClient>(
            &staff,
            &[
                ("client_id", &rae.to_string()),
                ("name", "Rae Hart"),
                ("email", "rae@client.test"),
                ("version", &form.version.to_string()),
                (&rate_hourly, "95"),
                ("notify", "true"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let page = client_page(&app, &staff, rae).await;
    assert_eq!(page.projects[0].rate_cents, Some(9_500));
    let edited = audit_event::Entity::find()
        .filter(audit_event::Column::Event.eq("client.edited"))
        .order_by_desc(audit_event::Column::Id)
        .one(&app.state.portico.db)
        .await
        .unwrap()
        .expect("the edit is in the audit trail");
    assert_eq!(edited.detail, "Rate per hour on Advisory: 95.00");
    assert!(app.mail_to("rae@client.test").await.is_empty(), "a rate alone is not the client's notice");

    // A project's billing changes in place; a bad value is refused for its field.
    let res = app.call::<SetProjectBilling>(&staff, &[("project_id", &fixed), ("billing", "staff_hours")]).await;
    assert!(res.status().is_success());
    let detail: ProjectDetail = app.call::<LoadProject>(&staff, &[("id", &fixed)]).await.decoded().await;
    assert_eq!(detail.billing, Billing::StaffHours);
    let (status, e) =
        error_of(app.call::<SetProjectBilling>(&staff, &[("project_id", &fixed), ("billing", "barter")]).await).await;
    assert_eq!((status, e.for_field("billing").is_some()), (422, true), "{e:?}");
    let (status, e) =
        error_of(app.call::<CreateProject>(&staff, &[("name", "Odd"), ("billing", "barter")]).await).await;
    assert_eq!((status, e.for_field("billing").is_some()), (422, true), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rates_follow_billing_on_sqlite() {
    rates_follow_billing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rates_follow_billing_on_postgres() {
    rates_follow_billing(Backend::Postgres).await;
}

async fn customers_are_added_from_inside_the_forms(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Inline Co", "owner@inline.test").await;

    // New project with a new customer, then a client of that customer by the same name:
    // one customer, not two.
    let res = app
        .call::<CreateProject>(&staff, &[("name", "Books"), ("customer", "new"), ("new_customer", "Northwind")])
        .await;
    assert!(res.status().is_success());
    let detail: ProjectDetail =
        app.call::<LoadProject>(&staff, &[("id", &res.decoded::<i64>().await.to_string())]).await.decoded().await;
    assert_eq!(detail.customer_name.as_deref(), Some("Northwind"));
    let res = app
        .call::<AddClient>(
            &staff,
            &[("name", "Nia"), ("email", "nia@client.test"), ("customer", "new"), ("new_customer", " Northwind ")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let nia: i64 = res.decoded().await;
    let db = &app.state.portico.db;
    let northwind = customer::Entity::find().filter(customer::Column::Name.eq("Northwind")).all(db).await.unwrap();
    assert_eq!(northwind.len(), 1);
    let nia_row = client::Entity::find_by_id(nia).one(db).await.unwrap().unwrap();
    assert_eq!(nia_row.customer_id, Some(northwind[0].id));

    // A new customer with no name, or beside another invalid field: nothing is created.
    let before = counts(&app).await;
    let (status, e) = error_of(
        app.call::<AddClient>(
            &staff,
            &[("name", "Oz"), ("email", "oz@client.test"), ("customer", "new"), ("new_customer", "  ")],
        )
        .await,
    )
    .await;
    assert_eq!((status, e.for_field("new_customer").is_some()), (422, true), "{e:?}");
    for hostile in ["Evil\r\nBcc: all@evil.test".to_string(), "x".repeat(10_000)] {
        let (status, e) = error_of(
            app.call::<AddClient>(
                &staff,
                &[("name", "Oz"), ("email", "oz@client.test"), ("customer", "new"), ("new_customer", &hostile)],
            )
            .await,
        )
        .await;
        assert_eq!((status, e.for_field("new_customer").is_some()), (422, true), "{e:?}");
    }
    let (status, e) = error_of(
        app.call::<AddClient>(
            &staff,
            &[("name", "Oz"), ("email", "nia@client.test"), ("customer", "new"), ("new_customer", "Fabrikam")],
        )
        .await,
    )
    .await;
    assert_eq!((status, e.for_field("email").is_some()), (422, true), "{e:?}");
    assert_eq!(counts(&app).await, before, "neither the client nor Fabrikam was added");

    // Edit: a client moves to a customer named on the form.
    let form: ClientEditForm =
        app.call::<LoadClientEdit>(&staff, &[("client_id", &nia.to_string())]).await.decoded().await;
    let res = app
        .call::<SaveClient>(
            &staff,
            &[
                ("client_id", &nia.to_string()),
                ("name", "Nia"),
                ("email", "nia@client.test"),
                ("version", &form.version.to_string()),
                ("customer", "new"),
                ("new_customer", "Fabrikam"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let fabrikam = customer::Entity::find().filter(customer::Column::Name.eq("Fabrikam")).one(db).await.unwrap();
    let nia_row = client::Entity::find_by_id(nia).one(db).await.unwrap().unwrap();
    assert_eq!(nia_row.customer_id, fabrikam.map(|c| c.id));

    // The dashboard's Customer filter: the clients of that customer only.
    let res = app.call::<AddClient>(&staff, &[("name", "Ola"), ("email", "ola@client.test")]).await;
    assert_eq!(res.status(), 200);
    let all: Dashboard = app.call::<LoadDashboard>(&staff, &[]).await.decoded().await;
    assert_eq!(all.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Nia", "Ola"]);
    assert!(all.has_customers, "the Customer filter shows");
    let of_fabrikam: Dashboard = app
        .call::<LoadDashboard>(&staff, &[("customer", &nia_row.customer_id.unwrap().to_string())])
        .await
        .decoded()
        .await;
    assert_eq!(of_fabrikam.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Nia"]);
    assert_eq!((of_fabrikam.customer.id, of_fabrikam.customer.text.as_str()), (nia_row.customer_id, "Fabrikam"));
    // The words in the Customer box, typed without picking: settled to the one they name.
    let typed: Dashboard = app.call::<LoadDashboard>(&staff, &[("customer_name", "fabri")]).await.decoded().await;
    assert_eq!(typed.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Nia"]);
    assert_eq!(typed.customer.id, nia_row.customer_id);
    let nobody: Dashboard = app.call::<LoadDashboard>(&staff, &[("customer_name", "Umbrella")]).await.decoded().await;
    assert!(nobody.customer.unknown && nobody.clients.is_empty(), "{:?}", nobody.customer);
    let of_northwind: Dashboard =
        app.call::<LoadDashboard>(&staff, &[("customer", &northwind[0].id.to_string())]).await.decoded().await;
    assert!(of_northwind.clients.is_empty());
    let (status, e) = error_of(app.call::<LoadDashboard>(&staff, &[("customer", "x")]).await).await;
    assert_eq!((status, e.for_field("customer").is_some()), (422, true), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_added_from_inside_the_forms_on_sqlite() {
    customers_are_added_from_inside_the_forms(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_added_from_inside_the_forms_on_postgres() {
    customers_are_added_from_inside_the_forms(Backend::Postgres).await;
}
