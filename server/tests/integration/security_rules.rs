//! SECURITY.md, rule by rule: tenant isolation over every server function and route,
//! cross-origin refusal on every state-changing endpoint, concurrent code guessing,
//! redirects after sign-in, CSP nonces, rate limits, session timeouts.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use leptos::server_fn::ServerFn;
use portico_app::{
    accounts, client_access, client_profiles, clients, combobox, customers, dashboard, documents, exports, forms,
    imports, invitations, invoices, jobs, login_links, mailbox, notifications, portal, projects, settings, tasks, team,
    updates,
};
use portico_core::entities::{
    client, client_profile, customer, document, form, form_request, invitation, invoice, job, link_request,
    notification, notification_opt_out, one_time_code, organization, outbox_message, project_client, project_update,
    session, sign_in_link, staff_invitation, staff_user, task,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::common::{Answer, Backend, TestApp, browser, error_of, spawn_app};

/// What another organization's staff get from a server function.
enum Expect {
    /// Called with the first organization's ids: 404, nothing changed.
    NotFound(Vec<(&'static str, String)>),
    /// Acts on the caller's own organization only: succeeds, shows none of the other's data.
    OwnOrganization(Vec<(&'static str, String)>),
    /// A portal function: another organization's signed-in client calling it with the first
    /// organization's ids gets 404, nothing changed.
    ClientNotFound(Vec<(&'static str, String)>),
    /// Like `NotFound`, for a function whose arguments travel as Postcard (the form builder's).
    PostcardNotFound(Vec<u8>),
    /// Takes no organization's ids at all; the credential is a link token, a cookie or a
    /// public slug (covered by the link and code tests).
    NoOrganizationIds(&'static str),
}

fn path<F: ServerFn>() -> &'static str {
    F::PATH
}

/// Every table the first organization's data lives in, as text, to compare before and after.
async fn snapshot(app: &TestApp, org: i64) -> String {
    let db = &app.state.portico.db;
    format!(
        "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
        organization::Entity::find_by_id(org).one(db).await.unwrap(),
        staff_user::Entity::find().filter(staff_user::Column::OrgId.eq(org)).all(db).await.unwrap(),
        staff_invitation::Entity::find().filter(staff_invitation::Column::OrgId.eq(org)).all(db).await.unwrap(),
        client::Entity::find().filter(client::Column::OrgId.eq(org)).all(db).await.unwrap(),
        project_client::Entity::find().filter(project_client::Column::OrgId.eq(org)).all(db).await.unwrap(),
        invitation::Entity::find().filter(invitation::Column::OrgId.eq(org)).all(db).await.unwrap(),
        sign_in_link::Entity::find().filter(sign_in_link::Column::OrgId.eq(org)).all(db).await.unwrap(),
        link_request::Entity::find().filter(link_request::Column::OrgId.eq(org)).all(db).await.unwrap(),
        notification::Entity::find().filter(notification::Column::OrgId.eq(org)).all(db).await.unwrap(),
        notification_opt_out::Entity::find().filter(notification_opt_out::Column::OrgId.eq(org)).all(db).await.unwrap(),
        outbox_message::Entity::find().filter(outbox_message::Column::OrgId.eq(org)).count(db).await.unwrap(),
        one_time_code::Entity::find().filter(one_time_code::Column::OrgId.eq(org)).count(db).await.unwrap(),
        job::Entity::find().filter(job::Column::OrgId.eq(org)).all(db).await.unwrap(),
        task::Entity::find().filter(task::Column::OrgId.eq(org)).all(db).await.unwrap(),
        project_update::Entity::find().filter(project_update::Column::OrgId.eq(org)).all(db).await.unwrap(),
        client_profile::Entity::find().filter(client_profile::Column::OrgId.eq(org)).all(db).await.unwrap(),
        document::Entity::find().filter(document::Column::OrgId.eq(org)).all(db).await.unwrap(),
        invoice::Entity::find().filter(invoice::Column::OrgId.eq(org)).all(db).await.unwrap(),
        form::Entity::find().filter(form::Column::OrgId.eq(org)).all(db).await.unwrap(),
        form_request::Entity::find().filter(form_request::Column::OrgId.eq(org)).all(db).await.unwrap(),
    )
}

/// The routes the server adds beside the app's pages and server functions, read from its
/// source: a route added without a case in this test fails it.
fn server_routes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let source = std::fs::read_to_string(entry.path()).unwrap();
        for (at, _) in source.match_indices(".route(") {
            let rest = source[at..].split_once('"').map(|(_, r)| r).unwrap_or_default();
            routes.push(rest.split('"').next().unwrap_or_default().to_string());
        }
    }
    routes.sort();
    routes
}

/// A document upload as the form sends it; with an invoice's fields, "Add invoice" takes it too.
fn pdf_form() -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("mal.pdf");
    [("number", "MAL-1"), ("amount", "10"), ("currency", "EUR"), ("due_on", "2027-01-31"), ("status", "sent")]
        .into_iter()
        .fold(reqwest::multipart::Form::new(), |form, (k, v)| form.text(k, v))
        .part("file", part)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_and_route_refuses_another_organizations_ids() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    // Organization A, with one of everything.
    let alice = app.owner("Alpha", "alice@alpha.test").await;
    let project = app.create_project(&alice, "Alpha secret").await;
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test")] {
        let res = app.invite(&alice, project, name, email).await;
        assert!(res.status().is_success(), "{name}: {} {}", res.status(), res.text().await.unwrap());
    }
    let cleo_link = app.invitation_link("cleo@client.test").await;
    app.accept(&cleo_link, "cleo@client.test").await;
    let carl_link = app.invitation_link("carl@client.test").await;
    let carl_inv = app.invitation_of("carl@client.test").await;
    app.expire(carl_inv.clone()).await;
    app.call::<client_access::RequestNewLink>(
        &browser(),
        &[("kind", "Invitation"), ("token", carl_link.trim_start_matches("/invite/"))],
    )
    .await;
    let org_a = carl_inv.org_id;
    let carl = carl_inv.client_id.to_string();
    let inv = carl_inv.id.to_string();
    let p = project.to_string();
    let message = outbox_message::Entity::find().one(db).await.unwrap().unwrap().id.to_string();
    let note = notification::Entity::find().one(db).await.unwrap().expect("Cleo's acceptance").id.to_string();
    let request = link_request::Entity::find().one(db).await.unwrap().expect("Carl's request").id.to_string();
    let res =
        app.call::<team::InviteStaff>(&alice, &[("name", "Sam"), ("email", "sam@alpha.test"), ("role", "admin")]).await;
    assert!(res.status().is_success());
    let staff_invite = staff_invitation::Entity::find().one(db).await.unwrap().unwrap().id.to_string();
    let alice_id = staff_user::Entity::find().one(db).await.unwrap().unwrap().id.to_string();
    // The project's customer ("Acme Ltd").
    let acme = customer::Entity::find().one(db).await.unwrap().expect("Alpha's customer").id.to_string();
    // A bulk job (a login email to Cleo).
    let cleo = app.invitation_of("cleo@client.test").await.client_id;
    let job = app.bulk_job(&alice, "login_email", &[cleo]).await.job.id.to_string();
    // An uploaded import, not yet imported.
    let csv = reqwest::multipart::Part::bytes(b"Project,Name,Email\nAlpha secret,Carl,carl@client.test\n".to_vec())
        .file_name("alpha.csv");
    let res = alice
        .post(app.url("/imports"))
        .header("origin", app.url(""))
        .multipart(reqwest::multipart::Form::new().part("file", csv))
        .send()
        .await
        .unwrap();
    let import = res.headers()["location"].to_str().unwrap().trim_start_matches("/imports/").to_string();
    assert!(import.parse::<i64>().is_ok(), "{import}");
    // A task for every client of the project.
    let res = app.call::<tasks::CreateTask>(&alice, &[("project_id", &p), ("title", "Alpha task")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let task = task::Entity::find().one(db).await.unwrap().unwrap().id.to_string();
    // An update, emailed to the project's clients.
    let res = app
        .call::<updates::PostUpdate>(&alice, &[("project_id", &p), ("body", "Alpha news"), ("email_clients", "on")])
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let posted: portico_core::model::Posted = res.decoded().await;
    app.wait_for_job(&alice, posted.email_job_id.expect("Cleo has joined")).await;
    // The default client profile.
    let profile = client_profile::Entity::find()
        .filter(client_profile::Column::OrgId.eq(org_a))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let cleo_id = cleo.to_string();
    // A document of the project.
    let res = alice
        .post(app.url(&format!("/projects/{p}/documents")))
        .header("origin", app.url(""))
        .multipart(pdf_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let doc = document::Entity::find().one(db).await.unwrap().expect("Alpha's document").id.to_string();
    // An invoice of the project, sent.
    let res = alice
        .post(app.url(&format!("/projects/{p}/invoices")))
        .header("origin", app.url(""))
        .multipart(pdf_form())
        .send()
        .await
        .unwrap();
    assert!(res.headers()["location"].to_str().unwrap().contains("invoice_added="));
    let bill = invoice::Entity::find().one(db).await.unwrap().expect("Alpha's invoice").id.to_string();
    // A form, sent to the project's clients (Cleo has joined).
    let alpha_form: portico_core::model::SavedForm =
        crate::forms::call_postcard(&app, &alice, &forms::SaveForm { form_id: None, draft: crate::forms::intake() })
            .await
            .decoded()
            .await;
    let alpha_form = alpha_form.id.to_string();
    let sent: portico_core::model::FormsSent = app
        .call::<forms::SendForm>(&alice, &[("form_id", &alpha_form), ("project_id", &p), ("client_id", "")])
        .await
        .decoded()
        .await;
    assert_eq!(sent.sent, 1, "{sent:?}");
    let form_sent = form_request::Entity::find().one(db).await.unwrap().expect("Cleo's form").id.to_string();
    let before = snapshot(&app, org_a).await;

    // Organization B's owner tries everything with A's ids.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let bobs_project = app.create_project(&bob, "Beta work").await.to_string();
    // And one of B's clients, signed in to B's portal.
    let res = app.invite(&bob, bobs_project.parse().unwrap(), "Bea", "bea@client.test").await;
    assert!(res.status().is_success());
    let bea = app.accept(&app.invitation_link("bea@client.test").await, "bea@client.test").await;
    let args = |pairs: &[(&'static str, &str)]| pairs.iter().map(|(k, v)| (*k, v.to_string())).collect::<Vec<_>>();
    use Expect::*;
    let cases: HashMap<&'static str, Expect> = HashMap::from([
        (path::<projects::ListProjects>(), OwnOrganization(vec![])),
        (path::<projects::CreateProject>(), OwnOrganization(args(&[("name", "Mine"), ("customer", "")]))),
        (path::<projects::SetProjectBilling>(), NotFound(args(&[("project_id", &p), ("billing", "staff_hours")]))),
        (path::<combobox::FindNames>(), OwnOrganization(args(&[("list", "customers"), ("q", "")]))),
        (path::<projects::LoadProject>(), NotFound(args(&[("id", &p)]))),
        (path::<invitations::LoadPortalAccess>(), NotFound(args(&[("project_id", &p)]))),
        (path::<invitations::SearchContacts>(), NotFound(args(&[("project_id", &p), ("q", "carl")]))),
        (
            path::<invitations::InviteClient>(),
            NotFound(args(&[
                ("project_id", &p),
                ("existing", ""),
                ("name", "Mal"),
                ("email", "mal@evil.test"),
                ("phone", ""),
            ])),
        ),
        (path::<invitations::SendInvite>(), NotFound(args(&[("project_id", &p), ("client_id", &carl)]))),
        (path::<invitations::ResendInvite>(), NotFound(args(&[("invitation_id", &inv)]))),
        (path::<invitations::CancelInvite>(), NotFound(args(&[("invitation_id", &inv)]))),
        (path::<invitations::UnlockInvite>(), NotFound(args(&[("invitation_id", &inv)]))),
        (path::<login_links::GenerateMagicLink>(), NotFound(args(&[("client_id", &carl)]))),
        (path::<login_links::SendLoginEmail>(), NotFound(args(&[("client_ids[0]", &carl)]))),
        (path::<clients::LoadClient>(), NotFound(args(&[("client_id", &carl)]))),
        (path::<imports::ImportLimit>(), NoOrganizationIds("a server setting")),
        (path::<imports::LoadImport>(), NotFound(args(&[("id", &import)]))),
        (
            path::<imports::MapImportColumns>(),
            NotFound(args(&[("id", &import), ("project", "0"), ("name", "1"), ("email", "2")])),
        ),
        (path::<imports::StartImport>(), NotFound(args(&[("id", &import), ("valid_only", "true")]))),
        (path::<clients::SetClientAccess>(), NotFound(args(&[("client_id", &carl), ("deactivate", "true")]))),
        (path::<clients::LoadClients>(), OwnOrganization(vec![])),
        (path::<customers::LoadCustomers>(), OwnOrganization(vec![])),
        (path::<customers::LoadCustomer>(), NotFound(args(&[("customer_id", &acme)]))),
        (path::<customers::LoadCustomerForm>(), NotFound(args(&[("customer_id", &acme)]))),
        (
            path::<customers::SaveCustomer>(),
            NotFound(args(&[("customer_id", &acme), ("version", "1"), ("name", "Mine now")])),
        ),
        (path::<customers::InviteOwners>(), NotFound(args(&[("customer_id", &acme)]))),
        (
            path::<customers::AddGuest>(),
            NotFound(args(&[("customer_id", &acme), ("name", "Mal"), ("email", "mal@evil.test")])),
        ),
        (path::<customers::DeleteCustomer>(), NotFound(args(&[("customer_id", &acme), ("clients", "delete")]))),
        (path::<clients::LoadClientEdit>(), NotFound(args(&[("client_id", &carl)]))),
        (
            path::<clients::SaveClient>(),
            NotFound(args(&[("client_id", &carl), ("name", "Mal"), ("email", "mal@evil.test"), ("version", "1")])),
        ),
        (path::<clients::DeleteClient>(), NotFound(args(&[("client_id", &carl), ("notify", "true")]))),
        (path::<clients::LoadNewClientChoices>(), OwnOrganization(vec![])),
        (path::<clients::AddClient>(), OwnOrganization(args(&[("name", "Mia"), ("email", "mia@beta-client.test")]))),
        (path::<mailbox::ListMailbox>(), OwnOrganization(vec![])),
        (path::<mailbox::LoadMessage>(), NotFound(args(&[("id", &message)]))),
        (path::<mailbox::RetryMessage>(), NotFound(args(&[("id", &message)]))),
        (path::<jobs::LoadJobs>(), OwnOrganization(vec![])),
        (path::<jobs::LoadJob>(), NotFound(args(&[("id", &job)]))),
        (path::<jobs::CancelJob>(), NotFound(args(&[("id", &job)]))),
        (path::<jobs::PreviewBulkAction>(), NotFound(args(&[("action", "send_invite"), ("client_ids[0]", &carl)]))),
        (
            path::<jobs::StartBulkAction>(),
            NotFound(args(&[("action", "deactivate"), ("request_key", "tenancy-test-key"), ("client_ids[0]", &carl)])),
        ),
        (path::<exports::StartExport>(), OwnOrganization(args(&[("kind", "portal")]))),
        (path::<notifications::LoadNotifications>(), OwnOrganization(vec![])),
        (path::<notifications::MarkNotificationRead>(), NotFound(args(&[("id", &note)]))),
        (path::<notifications::MarkAllNotificationsRead>(), OwnOrganization(vec![])),
        (path::<notifications::LoadNotificationPreferences>(), OwnOrganization(vec![])),
        (
            path::<notifications::SetNotificationEmail>(),
            OwnOrganization(args(&[("kind", "invitation.accepted"), ("email", "false")])),
        ),
        (path::<settings::LoadSettings>(), OwnOrganization(vec![])),
        (
            path::<settings::SaveSettings>(),
            OwnOrganization(args(&[
                ("invitation_expiry_days", "2"),
                ("magic_link_minutes", "5"),
                ("reinvite_cooldown", "24h"),
                ("client_sign_in", "code"),
            ])),
        ),
        (path::<dashboard::LoadDashboard>(), OwnOrganization(args(&[("customer", &acme)]))),
        (path::<dashboard::ApproveLinkRequest>(), NotFound(args(&[("id", &request)]))),
        (path::<accounts::CurrentViewer>(), NoOrganizationIds("who is signed in: the session cookie")),
        (path::<accounts::SignupOpen>(), NoOrganizationIds("whether sign-up is open: no data")),
        (path::<accounts::CreateOrganization>(), NoOrganizationIds("creates a new organization")),
        (path::<accounts::SignIn>(), NoOrganizationIds("email and password")),
        (path::<accounts::SignOut>(), NoOrganizationIds("ends the caller's own session")),
        (path::<client_access::OpenLink>(), NoOrganizationIds("the link token")),
        (path::<client_access::ContinueLink>(), NoOrganizationIds("the link token")),
        (path::<client_access::LoadCodeStep>(), NoOrganizationIds("the verification cookie")),
        (path::<client_access::VerifyCode>(), NoOrganizationIds("the verification cookie")),
        (path::<client_access::SendNewCode>(), NoOrganizationIds("the verification cookie")),
        (path::<client_access::LoadPortalSignIn>(), NoOrganizationIds("the portal's public slug")),
        (path::<client_access::SignInClient>(), NoOrganizationIds("public slug, email and password")),
        (path::<client_access::RequestPasswordReset>(), NoOrganizationIds("public slug; same answer for every email")),
        (path::<client_access::SetClientPassword>(), NoOrganizationIds("the client's own session")),
        (path::<team::LoadTeam>(), OwnOrganization(vec![])),
        (
            path::<team::InviteStaff>(),
            OwnOrganization(args(&[("name", "Bea"), ("email", "bea@beta.test"), ("role", "member")])),
        ),
        (path::<team::CancelStaffInvite>(), NotFound(args(&[("id", &staff_invite)]))),
        (path::<team::ChangeStaffRole>(), NotFound(args(&[("staff_user_id", &alice_id), ("role", "member")]))),
        (path::<team::RemoveStaff>(), NotFound(args(&[("staff_user_id", &alice_id)]))),
        (path::<team::OpenStaffInvitation>(), NoOrganizationIds("the invitation token")),
        (path::<team::JoinTeam>(), NoOrganizationIds("the invitation token")),
        (path::<client_access::RequestSignInLink>(), NoOrganizationIds("public slug; same answer for every email")),
        (path::<client_access::RequestNewLink>(), NoOrganizationIds("the link token; same answer for every token")),
        (path::<portal::LoadPortalHome>(), NoOrganizationIds("the client's own session")),
        (path::<tasks::LoadProjectTasks>(), NotFound(args(&[("project_id", &p)]))),
        (path::<tasks::CreateTask>(), NotFound(args(&[("project_id", &p), ("title", "Mal")]))),
        (path::<tasks::AssignAndSend>(), NotFound(args(&[("project_id", &p), ("task_ids[]", &task)]))),
        (path::<tasks::LoadTaskAssignees>(), NotFound(args(&[("project_id", &p)]))),
        (path::<portal::LoadPortalProject>(), ClientNotFound(args(&[("project_id", &p)]))),
        (path::<tasks::CompleteTask>(), ClientNotFound(args(&[("task_id", &task)]))),
        (path::<updates::LoadProjectUpdates>(), NotFound(args(&[("project_id", &p)]))),
        (path::<client_profiles::LoadClientProfiles>(), OwnOrganization(vec![])),
        (
            path::<client_profiles::SaveClientProfile>(),
            NotFound(args(&[("profile_id", &profile), ("name", "Taken over")])),
        ),
        (path::<client_profiles::DeleteClientProfile>(), NotFound(args(&[("profile_id", &profile)]))),
        (path::<client_profiles::LoadClientPermissions>(), NotFound(args(&[("client_id", &cleo_id)]))),
        (
            path::<client_profiles::SetClientProfile>(),
            NotFound(args(&[("client_id", &cleo_id), ("profile_id", &profile)])),
        ),
        (path::<updates::PostUpdate>(), NotFound(args(&[("project_id", &p), ("body", "Mal")]))),
        (path::<documents::LoadProjectDocuments>(), NotFound(args(&[("project_id", &p)]))),
        (path::<client_profiles::LoadCustomization>(), NotFound(args(&[("project_id", &p), ("client_id", &cleo_id)]))),
        (
            path::<client_profiles::CustomizePermissions>(),
            NotFound(args(&[("project_id", &p), ("client_id", &cleo_id), ("permissions[]", "view_tasks")])),
        ),
        (
            path::<client_profiles::CloneCustomization>(),
            NotFound(args(&[("project_id", &p), ("client_id", &cleo_id), ("to[]", &carl)])),
        ),
        (
            path::<client_profiles::RemoveCustomization>(),
            NotFound(args(&[("project_id", &p), ("client_id", &cleo_id)])),
        ),
        (path::<documents::DeleteDocument>(), NotFound(args(&[("document_id", &doc)]))),
        (path::<invoices::LoadProjectInvoices>(), NotFound(args(&[("project_id", &p)]))),
        (path::<invoices::LoadInvoiceForm>(), NotFound(args(&[("project_id", &p)]))),
        (path::<invoices::SetInvoiceStatus>(), NotFound(args(&[("invoice_id", &bill), ("status", "paid")]))),
        (path::<invoices::DeleteInvoice>(), NotFound(args(&[("invoice_id", &bill)]))),
        (path::<forms::LoadForms>(), OwnOrganization(vec![])),
        (path::<forms::LoadFormChoices>(), OwnOrganization(vec![])),
        (path::<forms::LoadFormEditor>(), NotFound(args(&[("form_id", &alpha_form)]))),
        (
            path::<forms::SaveForm>(),
            PostcardNotFound(
                postcard::to_allocvec(&forms::SaveForm {
                    form_id: alpha_form.parse().ok(),
                    draft: crate::forms::intake(),
                })
                .unwrap(),
            ),
        ),
        (path::<forms::DeleteForm>(), NotFound(args(&[("form_id", &alpha_form)]))),
        (
            path::<forms::SendForm>(),
            NotFound(args(&[("form_id", &alpha_form), ("project_id", &bobs_project), ("client_id", "")])),
        ),
        (path::<forms::LoadClientForms>(), NotFound(args(&[("client_id", &cleo_id)]))),
        (path::<forms::LoadPortalForm>(), ClientNotFound(args(&[("request_id", &form_sent)]))),
        (path::<client_access::ClientSignInPath>(), NoOrganizationIds("the browser's remembered portal slug")),
        (path::<accounts::RequestStaffPasswordReset>(), NoOrganizationIds("an email; same answer for every one")),
        (path::<accounts::OpenStaffReset>(), NoOrganizationIds("the reset link token")),
        (path::<accounts::ResetStaffPassword>(), NoOrganizationIds("the reset link token")),
    ]);

    // Adding a server function without deciding its case here fails this test.
    let registered: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    for path in &registered {
        assert!(cases.contains_key(path), "server function {path} has no tenant-isolation case in this test");
    }
    for (path, expect) in &cases {
        assert!(registered.contains(path), "{path} is not registered");
        match expect {
            NotFound(args) => {
                let res = bob.post(app.url(path)).form(args).send().await.unwrap();
                assert_eq!(res.status(), 404, "{path}: {}", res.text().await.unwrap());
            }
            OwnOrganization(args) => {
                let res = bob.post(app.url(path)).form(args).send().await.unwrap();
                assert!(res.status().is_success(), "{path}: {}", res.status());
                let body = res.text().await.unwrap();
                for secret in ["Alpha secret", "carl@client.test", "cleo@client.test", "Cleo accepted"] {
                    assert!(!body.contains(secret), "{path} leaked {secret}");
                }
            }
            ClientNotFound(args) => {
                let res = bea.post(app.url(path)).form(args).send().await.unwrap();
                assert_eq!(res.status(), 404, "{path}: {}", res.text().await.unwrap());
            }
            PostcardNotFound(body) => {
                let res = bob
                    .post(app.url(path))
                    .header("content-type", "application/x-postcard")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 404, "{path}: {}", res.text().await.unwrap());
            }
            NoOrganizationIds(why) => assert!(!why.is_empty(), "{path}: say why it takes no ids"),
        }
    }
    // Inviting A's contact into B's own project does not find the contact either.
    let (status, _) = error_of(
        app.call::<invitations::SendInvite>(&bob, &[("project_id", &bobs_project), ("client_id", &carl)]).await,
    )
    .await;
    assert_eq!(status, 422);

    // A's project as a filter of B's Clients page: unknown to B (said under the Project box),
    // matching none of B's clients and naming nothing of A's. Among the projects of a client
    // B adds: refused as not B's, for that field, and nothing added.
    let page: portico_core::model::ClientsPage =
        app.call::<clients::LoadClients>(&bob, &[("project", &p)]).await.decoded().await;
    assert_eq!(
        (page.project.unknown, page.project.id, page.project.text.as_str(), page.rows.len(), page.matching),
        (true, None, "", 0, 0),
        "{:?}",
        page.project
    );
    let (status, e) = error_of(
        app.call::<clients::AddClient>(&bob, &[("name", "Max"), ("email", "max@beta.test"), ("projects[0]", &p)]).await,
    )
    .await;
    assert_eq!((status, e.for_field("projects").is_some()), (422, true), "{e:?}");
    // A's customer as the customer of a client B adds, or of a project B creates: the same.
    let (status, e) = error_of(
        app.call::<clients::AddClient>(&bob, &[("name", "Max"), ("email", "max@beta.test"), ("customer", &acme)]).await,
    )
    .await;
    assert_eq!((status, e.for_field("customer").is_some()), (422, true), "{e:?}");
    let (status, e) =
        error_of(app.call::<projects::CreateProject>(&bob, &[("name", "Theirs"), ("customer", &acme)]).await).await;
    assert_eq!((status, e.for_field("customer").is_some()), (422, true), "{e:?}");
    // B's customer menu does not offer A's customer, searched for or not.
    for q in ["", "a"] {
        let offered: Vec<portico_core::model::ProjectOption> =
            app.call::<combobox::FindNames>(&bob, &[("list", "customers"), ("q", q)]).await.decoded().await;
        assert_eq!(offered.len(), 1, "{q:?}: {offered:?}");
        assert_ne!(offered[0].id.to_string(), acme, "B's customer menu offers A's customer");
    }

    // Every page route with an id, and the mail preview route.
    let ids: HashMap<&str, String> = HashMap::from([
        ("/projects/{id}", p.clone()),
        ("/projects/{id}/portal", p.clone()),
        ("/mailbox/{id}", message.clone()),
        ("/jobs/{id}", job.clone()),
        ("/imports/{id}", import.clone()),
        ("/clients/{id}", carl.clone()),
        ("/clients/{id}/edit", carl.clone()),
        ("/customers/{id}", acme.clone()),
        ("/customers/{id}/edit", acme.clone()),
        ("/portal/projects/{id}", p.clone()),
        ("/projects/{id}/clients/{client_id}/permissions", p.clone()),
        ("/forms/{id}", alpha_form.clone()),
        ("/portal/forms/{id}", form_sent.clone()),
    ]);
    let public = ["/invite/{token}", "/sign-in-link/{token}", "/p/{slug}", "/join/{token}", "/reset-password/{token}"];
    for route in portico_server::page_routes() {
        let route = route.path().to_string();
        if !route.contains('{') || public.contains(&route.as_str()) {
            continue;
        }
        let id = ids
            .get(route.as_str())
            .unwrap_or_else(|| panic!("route {route} has no tenant-isolation case in this test"));
        let url = route.replace("{id}", id).replace("{client_id}", &carl);
        // Portal pages are opened by B's client, the others by B's owner.
        let who = if route.starts_with("/portal/") { &bea } else { &bob };
        let res = who.get(app.url(&url)).header("accept", "text/html").send().await.unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        let main = body.find("<body").map_or(body.as_str(), |at| &body[at..]);
        assert_eq!(status, 404, "{url}: {}", &main[..main.len().min(1500)]);
        assert!(!body.contains("Alpha secret"), "{url}");
    }
    // Every route of the server beside the pages: B's owner (or, in the portal, B's client)
    // with A's ids gets 404; the rest take no organization's ids.
    let no_ids = ["/health", "/imports/template.csv", "/imports"];
    let gets = HashMap::from([
        ("/mailbox/{id}/html", message.clone()),
        ("/exports/{id}", job.clone()),
        ("/imports/{id}/problems.csv", import.clone()),
        ("/documents/{id}/download", doc.clone()),
        ("/portal/documents/{id}/download", doc.clone()),
        ("/invoices/{id}/pdf", bill.clone()),
        ("/portal/invoices/{id}/pdf", bill.clone()),
        ("/tasks/{id}/file", task.clone()),
        ("/portal/tasks/{id}/file", task.clone()),
        ("/forms/{id}/answers.csv", alpha_form.clone()),
    ]);
    // Plain form posts without a file, with the id they take.
    let posts = HashMap::from([("/portal/forms/{id}", form_sent.clone())]);
    // Form posts that may carry a file, with the id they take.
    let uploads = HashMap::from([
        ("/projects/{id}/documents", p.clone()),
        ("/portal/projects/{id}/documents", p.clone()),
        ("/projects/{id}/invoices", p.clone()),
        ("/portal/tasks/{id}/complete", task.clone()),
    ]);
    for route in server_routes() {
        let who = if route.starts_with("/portal/") { &bea } else { &bob };
        let res = if let Some(id) = gets.get(route.as_str()) {
            who.get(app.url(&route.replace("{id}", id))).send().await.unwrap()
        } else if let Some(id) = posts.get(route.as_str()) {
            let url = app.url(&route.replace("{id}", id));
            who.post(url).header("origin", app.url("")).form(&[("action", "send"), ("f1", "Mal")]).send().await.unwrap()
        } else if let Some(id) = uploads.get(route.as_str()) {
            let url = app.url(&route.replace("{id}", id));
            who.post(url).header("origin", app.url("")).multipart(pdf_form()).send().await.unwrap()
        } else {
            assert!(no_ids.contains(&route.as_str()), "route {route} has no tenant-isolation case in this test");
            continue;
        };
        assert_eq!(res.status(), 404, "{route}");
        assert!(!res.text().await.unwrap().contains("Alpha secret"), "{route}");
    }
    let preview = format!("/mailbox/{message}/html");
    assert_eq!(bob.get(app.url(&preview)).send().await.unwrap().status(), 404);
    assert_eq!(browser().get(app.url(&preview)).send().await.unwrap().status(), 401);
    assert_eq!(alice.get(app.url(&preview)).send().await.unwrap().status(), 200);

    assert_eq!(before, snapshot(&app, org_a).await, "organization A is unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_changing_endpoint_refuses_cross_origin_requests() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Delta", "d@delta.test").await;
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string()).collect();
    paths.extend(
        [
            "/",
            "/invite/abc",
            "/sign-in-link/abc",
            "/mailbox/1/html",
            "/imports",
            "/projects/1/documents",
            "/portal/projects/1/documents",
            "/projects/1/invoices",
            "/portal/tasks/1/complete",
            "/portal/forms/1",
        ]
        .map(String::from),
    );
    let before = snapshot(&app, 1).await;
    for path in &paths {
        for (header, value) in
            [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("sec-fetch-site", "same-site")]
        {
            let res = staff.post(app.url(path)).header(header, value).form(&[("name", "Evil")]).send().await.unwrap();
            assert_eq!(res.status(), 403, "{path} with {header}: {value}");
        }
    }
    assert_eq!(before, snapshot(&app, 1).await);
    // The same request from the app's own pages goes through.
    let res = staff
        .post(app.url(path::<projects::CreateProject>()))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Fine"), ("customer", "")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_wrong_codes_check_at_most_five() {
    // Most telling on PostgreSQL (real concurrent transactions); SQLite where none is configured.
    let app = match spawn_app(Backend::Postgres).await {
        Some(app) => app,
        None => spawn_app(Backend::Sqlite).await.unwrap(),
    };
    let staff = app.owner("Race Co", "owner@race.test").await;
    let project = app.create_project(&staff, "Race").await;
    app.invite(&staff, project, "Rex", "rex@client.test").await;
    let link = app.invitation_link("rex@client.test").await;
    let client = browser();
    app.call::<client_access::ContinueLink>(
        &client,
        &[("kind", "Invitation"), ("token", link.trim_start_matches("/invite/"))],
    )
    .await;
    app.wait_for_mail("rex@client.test", 2).await;
    let code = app.latest_code("rex@client.test").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let form = [("code", wrong)];
    let calls = (0..50).map(|_| app.call::<client_access::VerifyCode>(&client, &form));
    let results = futures::future::join_all(calls).await;
    let mut checked = 0;
    for res in results {
        let (status, e) = error_of(res).await;
        assert!(matches!(status, 422 | 429), "{status} {e:?}");
        if e.to_string().starts_with("That code is not right") {
            checked += 1;
        }
    }
    assert!(checked <= 5, "{checked} guesses were checked");
    let row = one_time_code::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    assert!(row.attempts <= 5, "attempts counted: {}", row.attempts);
    assert!(app.audit_events("code.failed").await.len() <= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sign_in_only_in_app_paths_are_followed() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.owner("Nav Co", "owner@nav.test").await;
    let attacks = [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "/\t/evil.example",
    ];
    // Staff sign-in allows 10 attempts a minute per IP; more cases are in the unit test of
    // `domain::safe_next`.
    for (next, expected) in attacks
        .iter()
        .map(|a| (*a, "/"))
        .chain([("/projects/7/portal", "/projects/7/portal"), ("/settings", "/settings")])
    {
        let client = browser();
        let res = app
            .call::<accounts::SignIn>(
                &client,
                &[("email", "owner@nav.test"), ("password", "correct horse battery"), ("next", next)],
            )
            .await;
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        assert_eq!(location.as_deref(), Some(expected), "next={next:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_a_nonce_based_csp_that_their_scripts_match() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let res = browser().get(app.url("/sign-in")).send().await.unwrap();
    let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce in the CSP").to_string();
    assert!(nonce.len() >= 16);
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    // Ordinary pages send their address to this origin only (forms posted without JavaScript
    // come back to it); link pages send none (token_pages_leak_nothing…).
    assert_eq!(res.headers().get("referrer-policy").unwrap(), "same-origin");
    let html = res.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every script carries this response's nonce"
    );
    let again = browser().get(app.url("/sign-in")).send().await.unwrap();
    assert!(
        !again.headers().get("content-security-policy").unwrap().to_str().unwrap().contains(&nonce),
        "a new nonce per response"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_are_limited_per_ip_and_per_address() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.owner("Limit Co", "owner@limit.test").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = app
            .call::<accounts::SignIn>(&browser(), &[("email", "owner@limit.test"), ("password", "wrong password!")])
            .await;
        statuses.push(res.status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 422), "{statuses:?}");
    let (status, e) =
        error_of(app.call::<accounts::SignIn>(&browser(), &[("email", "owner@limit.test"), ("password", "x")]).await)
            .await;
    assert_eq!(status, 429);
    assert_eq!(e.to_string(), "Too many attempts. Wait a minute, then try again.");

    // Code requests on the portal sign-in page: limited too, and still no hint about the address.
    let mut limited = false;
    for i in 0..12 {
        let email = format!("someone{i}@client.test");
        let res =
            app.call::<client_access::RequestSignInLink>(&browser(), &[("slug", "limit-co"), ("email", &email)]).await;
        limited |= res.status() == 429;
    }
    assert!(limited, "per-IP limit on sign-in link requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_after_idle_and_absolute_timeouts_and_on_sign_out() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let staff = app.owner("Session Co", "owner@session.test").await;
    assert_eq!(staff.get(app.url("/projects")).send().await.unwrap().status(), 200);

    // Idle: unused for longer than the idle timeout.
    let row = session::Entity::find().one(db).await.unwrap().unwrap();
    let mut idle: session::ActiveModel = row.clone().into();
    idle.last_seen_at = Set(Utc::now() - Duration::hours(13));
    idle.update(db).await.unwrap();
    assert_eq!(staff.get(app.url("/projects")).header("accept", "text/html").send().await.unwrap().status(), 303);

    // Absolute: past its lifetime, however recently used.
    let staff = browser();
    app.call::<accounts::SignIn>(&staff, &[("email", "owner@session.test"), ("password", "correct horse battery")])
        .await;
    let newest = session::Entity::find().all(db).await.unwrap().into_iter().max_by_key(|s| s.id).unwrap();
    assert_ne!(newest.token_hash, row.token_hash, "a new id on every sign-in");
    let mut old: session::ActiveModel = newest.clone().into();
    old.expires_at = Set(Utc::now() - Duration::seconds(1));
    old.update(db).await.unwrap();
    assert_eq!(staff.get(app.url("/projects")).header("accept", "text/html").send().await.unwrap().status(), 303);

    // Sign-out deletes the session server-side.
    let staff = browser();
    app.call::<accounts::SignIn>(&staff, &[("email", "owner@session.test"), ("password", "correct horse battery")])
        .await;
    let count = session::Entity::find().count(db).await.unwrap();
    app.call::<accounts::SignOut>(&staff, &[]).await;
    assert_eq!(session::Entity::find().count(db).await.unwrap(), count - 1);
    assert_eq!(staff.get(app.url("/projects")).header("accept", "text/html").send().await.unwrap().status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_pages_leak_nothing_and_links_are_bound_to_the_address_and_the_public_url() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let staff = app.owner("Token Co", "owner@token.test").await;
    let project = app.create_project(&staff, "Shed").await;
    // A forged Host header must not reach the link in the email.
    let res = staff
        .post(app.url(path::<invitations::InviteClient>()))
        .header("host", "evil.example")
        .form(&[
            ("project_id", project.to_string().as_str()),
            ("existing", ""),
            ("name", "Tia"),
            ("email", "tia@client.test"),
            ("phone", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let mail = app.wait_for_mail("tia@client.test", 1).await;
    assert!(mail[0].body_text.contains("http://portal.test/invite/") && !mail[0].body_text.contains("evil.example"));
    let link = app.invitation_link("tia@client.test").await;

    // The token page: no referrer, nothing from another origin, the CSP keeps it that way.
    let page = browser().get(app.url(&link)).send().await.unwrap();
    assert_eq!(page.headers().get("referrer-policy").unwrap(), "no-referrer");
    let csp = page.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!html.contains(attr), "third-party resource ({attr}) on a token page");
    }

    // Continue swaps the token for server-side state and lands on a clean URL.
    let client = browser();
    let token = link.trim_start_matches("/invite/");
    let res = app.call::<client_access::ContinueLink>(&client, &[("kind", "Invitation"), ("token", token)]).await;
    assert_eq!(res.headers().get("location").unwrap(), "/portal/verify");
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().all(|c| !c.contains(token)), "the link token never becomes a cookie");

    // Changing the client's address voids the link.
    let inv = app.invitation_of("tia@client.test").await;
    let c = client::Entity::find_by_id(inv.client_id).one(db).await.unwrap().unwrap();
    let mut changed: client::ActiveModel = c.into();
    changed.email = Set("tia.new@client.test".into());
    changed.update(db).await.unwrap();
    assert_eq!(browser().get(app.url(&link)).send().await.unwrap().status(), 404);
    let (status, _) = error_of(
        app.call::<client_access::ContinueLink>(&browser(), &[("kind", "Invitation"), ("token", token)]).await,
    )
    .await;
    assert_eq!(status, 404);

    // Session cookies: HttpOnly, SameSite=Lax, and the database keeps only a hash of the id.
    let staff = browser();
    let res = app
        .call::<accounts::SignIn>(&staff, &[("email", "owner@token.test"), ("password", "correct horse battery")])
        .await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    assert!(value.len() >= 43, "at least 256 bits, base64");
    let stored = session::Entity::find().all(db).await.unwrap();
    assert!(stored.iter().all(|s| s.token_hash != value), "session ids are stored hashed");
}
