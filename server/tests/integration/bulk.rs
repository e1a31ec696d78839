//! Bulk actions as the bulk bar drives them: the confirmation says exactly what will happen to
//! the selection ("Send 2 invitations. 1 already active … will be skipped."), and the job then
//! does exactly that — the same counts, the same clients left out for the same reasons.

use portico_app::{
    client_access::ContinueLink,
    clients::{AddClient, SetClientAccess},
    jobs::PreviewBulkAction,
};
use portico_core::{
    entities::invitation,
    invitations::state,
    model::{BulkAction, BulkPreview, JobPage},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{Answer, Backend, TestApp, browser, client_ids, error_of, spawn_app};

/// Adds a client to `projects` without inviting them (the Add client form's "Save").
async fn add(app: &TestApp, staff: &reqwest::Client, name: &str, email: &str, projects: &[i64]) -> i64 {
    let projects: Vec<(String, String)> =
        projects.iter().enumerate().map(|(i, p)| (format!("projects[{i}]"), p.to_string())).collect();
    let mut form = vec![("name", name), ("email", email), ("intent", "save")];
    form.extend(projects.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let res = app.call::<AddClient>(staff, &form).await;
    assert!(res.status().is_success(), "add client: {}", res.status());
    res.decoded().await
}

/// The form of a bulk request: the action, the ticked clients and any other field.
fn form<'a>(action: BulkAction, ids: &'a [(String, String)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("action", action.key())];
    form.extend(ids.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    form.extend_from_slice(extra);
    form
}

async fn preview(app: &TestApp, staff: &reqwest::Client, form: &[(&str, &str)]) -> BulkPreview {
    let res = app.call::<PreviewBulkAction>(staff, form).await;
    assert!(res.status().is_success(), "preview {form:?}: {}", res.status());
    res.decoded().await
}

fn outcome(page: &JobPage) -> (i64, i64, i64) {
    (page.job.done, page.job.skipped, page.job.failed)
}

async fn invitations_in(app: &TestApp, status: &str) -> u64 {
    invitation::Entity::find().filter(invitation::Column::Status.eq(status)).count(&app.state.portico.db).await.unwrap()
}

async fn bulk_actions_do_what_their_confirmation_says(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let staff = app.owner("Bulk Co", "owner@bulk.test").await;
    let roof = app.create_project(&staff, "Roof").await;
    let porch = app.create_project(&staff, "Porch").await;
    // Ann and Bob are on Roof, not invited (Ann on Porch too); Cat is invited, Dan joined,
    // Eve is deactivated; Fay is on Porch only.
    let ann = add(&app, &staff, "Ann", "ann@client.test", &[roof, porch]).await;
    let bob = add(&app, &staff, "Bob", "bob@client.test", &[roof]).await;
    assert!(app.invite(&staff, roof, "Cat", "cat@client.test").await.status().is_success());
    let cat = app.invitation_of("cat@client.test").await.client_id;
    assert!(app.invite(&staff, roof, "Dan", "dan@client.test").await.status().is_success());
    let dan = app.invitation_of("dan@client.test").await.client_id;
    let link = app.invitation_link("dan@client.test").await;
    app.accept(&link, "dan@client.test").await;
    let eve = add(&app, &staff, "Eve", "eve@client.test", &[roof]).await;
    let off = app.call::<SetClientAccess>(&staff, &[("client_id", &eve.to_string()), ("deactivate", "true")]).await;
    assert!(off.status().is_success());
    let fay = add(&app, &staff, "Fay", "fay@client.test", &[porch]).await;
    let everyone = client_ids(&[ann, bob, cat, dan, eve, fay]);
    let roof_id = roof.to_string();
    let on_roof = [("scope_project", roof_id.as_str())];

    // Send invite from Roof's Portal access: only Roof, only those not invited yet.
    let send = form(BulkAction::SendInvite, &everyone, &on_roof);
    let said = preview(&app, &staff, &send).await;
    assert_eq!(
        said.sentence,
        "Send 2 invitations. 1 already active, 1 already invited, 1 deactivated and 1 not on a project will be skipped."
    );
    assert_eq!((said.acting, said.items), (2, 2));
    let invitations_before = app.mail_to("ann@client.test").await.len();
    let page = app.bulk_job_with(&staff, &send).await;
    assert_eq!(outcome(&page), (2, 4, 0), "{:?}", page.problems);
    assert_eq!(page.job.title, "Send invite: 6 clients");
    let why: Vec<(&str, &str)> = page.problems.iter().map(|p| (p.subject.as_str(), p.reason.as_str())).collect();
    assert_eq!(
        why,
        [
            ("Cat", "Already invited. Use Resend invite to send it again."),
            ("Dan", "Already active."),
            ("Eve", "Deactivated. Activate them first."),
            ("Fay", "Not on a project. Add them to one first."),
        ]
    );
    for who in ["ann@client.test", "bob@client.test"] {
        let mail = app.wait_for_mail(who, 1).await;
        let invites: Vec<_> = mail.iter().filter(|m| m.topic == "invitation").collect();
        assert_eq!(invites.len(), 1, "one invitation to {who}");
        assert!(invites[0].subject.contains("Roof"), "{}", invites[0].subject);
    }
    assert_eq!(app.mail_to("ann@client.test").await.len(), invitations_before + 1, "Porch was not part of it");

    // The same again: nothing left to do, and the job sends nothing.
    let said = preview(&app, &staff, &send).await;
    assert_eq!(
        said.sentence,
        "Nothing to do: 3 already invited, 1 already active, 1 deactivated and 1 not on a project."
    );
    assert_eq!(said.acting, 0);
    let mail_before = app.mail_to("ann@client.test").await.len() + app.mail_to("bob@client.test").await.len();
    let page = app.bulk_job_with(&staff, &send).await;
    assert_eq!(outcome(&page), (0, 6, 0));
    let mail_after = app.mail_to("ann@client.test").await.len() + app.mail_to("bob@client.test").await.len();
    assert_eq!(mail_after, mail_before);

    // Without a project, every project of each client: Ann is still to be invited to Porch.
    let two = client_ids(&[ann, fay]);
    let said = preview(&app, &staff, &form(BulkAction::SendInvite, &two, &[])).await;
    assert_eq!(said.sentence, "Send 2 invitations.");
    let three = client_ids(&[ann, bob, fay]);
    let said = preview(&app, &staff, &form(BulkAction::ResendInvite, &three, &[])).await;
    assert_eq!(said.sentence, "Resend 2 invitations. 1 with no invitation to resend will be skipped.");

    // Cancel invite over all a Clients page filter matches (deactivated clients are not in the
    // current view): the open invitations to Roof.
    let matching = [("matching_clients", "true")];
    let cancel = form(BulkAction::CancelInvite, &[], &matching);
    let said = preview(&app, &staff, &cancel).await;
    assert_eq!(
        said.sentence,
        "Cancel 3 invitations. Their links stop working at once. 1 already active and 1 with no open invitation will be skipped."
    );
    let cat_link = app.invitation_link("cat@client.test").await;
    let page = app.bulk_job_with(&staff, &cancel).await;
    assert_eq!(outcome(&page), (3, 2, 0));
    assert_eq!(invitations_in(&app, state::CANCELLED).await, 3);
    let token = cat_link.trim_start_matches("/invite/");
    let refused = app.call::<ContinueLink>(&browser(), &[("kind", "Invitation"), ("token", token)]).await;
    assert!(!refused.status().is_success(), "a cancelled link no longer works: {}", refused.status());

    // Resend invite over Roof's Portal access filter "Cancelled": new links for the three.
    let resend = form(BulkAction::ResendInvite, &[], &[("matching_project", &roof_id), ("status", "cancelled")]);
    let said = preview(&app, &staff, &resend).await;
    assert_eq!(said.sentence, "Resend 3 invitations.");
    let page = app.bulk_job_with(&staff, &resend).await;
    assert_eq!(outcome(&page), (3, 0, 0));
    assert_eq!(invitations_in(&app, state::PENDING).await, 3);
    assert_eq!(invitations_in(&app, state::CANCELLED).await, 0);

    // Deactivate and Activate say who they leave alone.
    let said = preview(&app, &staff, &form(BulkAction::Deactivate, &everyone, &[])).await;
    assert_eq!(
        said.sentence,
        "Deactivate 5 clients. They are signed out at once. 1 already deactivated will be skipped."
    );
    let said = preview(&app, &staff, &form(BulkAction::Activate, &everyone, &[])).await;
    assert_eq!(said.sentence, "Activate 1 client. 5 not deactivated will be skipped.");
    let said = preview(&app, &staff, &form(BulkAction::SendLoginEmail, &everyone, &[])).await;
    assert_eq!(
        said.sentence,
        "Send 4 login emails. 1 deactivated and 1 without an invitation they can use will be skipped."
    );

    // Another organization: our clients and our project are not found, nothing is counted.
    let other = app.owner("Other Co", "owner@other.test").await;
    let (status, _) = error_of(app.call::<PreviewBulkAction>(&other, &send).await).await;
    assert_eq!(status, 404);
    let theirs = add(&app, &other, "Zed", "zed@other.test", &[]).await;
    let zed = client_ids(&[theirs]);
    let (status, _) =
        error_of(app.call::<PreviewBulkAction>(&other, &form(BulkAction::SendInvite, &zed, &on_roof)).await).await;
    assert_eq!(status, 404, "a project of another organization as the scope");
    // Nothing selected, or an action that does not exist: said at the right place.
    let (status, e) =
        error_of(app.call::<PreviewBulkAction>(&staff, &form(BulkAction::Activate, &[], &[])).await).await;
    assert_eq!((status, e.to_string()), (422, "Select at least one client.".to_string()));
    let (status, _) =
        error_of(app.call::<PreviewBulkAction>(&staff, &[("action", "explode"), ("client_ids[0]", "1")]).await).await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_do_what_their_confirmation_says_on_sqlite() {
    bulk_actions_do_what_their_confirmation_says(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_do_what_their_confirmation_says_on_postgres() {
    bulk_actions_do_what_their_confirmation_says(Backend::Postgres).await;
}
