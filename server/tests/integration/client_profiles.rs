//! Client profiles: owners and admins add, change and delete them and choose one per client;
//! what a client may see in the portal follows at once; members and other organizations change
//! nothing.

use portico_app::{
    client_profiles::{
        DeleteClientProfile, LoadClientPermissions, LoadClientProfiles, SaveClientProfile, SetClientProfile,
    },
    portal::LoadPortalProject,
    tasks::CreateTask,
};
use portico_core::{
    entities::client_profile,
    model::{ClientPermissions, ClientProfileRow, Permission, Permissions, PortalProjectPage},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{Answer, Backend, error_of, spawn_app};

async fn client_profiles(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let owner = app.owner("Profiles Co", "owner@profiles.test").await;
    let project = app.create_project(&owner, "Year end").await;
    let p = project.to_string();
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test")] {
        assert!(app.invite(&owner, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;
    let res = app.call::<CreateTask>(&owner, &[("project_id", &p), ("title", "Send the receipts")]).await;
    assert!(res.status().is_success());
    let carl_id = app.invitation_of("carl@client.test").await.client_id.to_string();

    // Every organization starts with its default profile, allowing everything.
    let list: Vec<ClientProfileRow> = app.call::<LoadClientProfiles>(&owner, &[]).await.decoded().await;
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].name.as_str(), list[0].is_default), ("Default", true));
    assert_eq!(list[0].permissions, Permissions::DEFAULT_PROFILE);
    let default_id = list[0].id.to_string();

    // Bad input: a clear message each, nothing added.
    let res = app.call::<SaveClientProfile>(&owner, &[("name", "  ")]).await;
    let (status, error) = error_of(res).await;
    assert_eq!((status, error.for_field("name").as_deref()), (422, Some("Enter a profile name.")));
    let res = app.call::<SaveClientProfile>(&owner, &[("name", "Root"), ("permissions[]", "administer")]).await;
    let (status, error) = error_of(res).await;
    assert_eq!((status, error.for_field("permissions").as_deref()), (422, Some("Choose permissions from the list.")));
    let res = app.call::<SaveClientProfile>(&owner, &[("name", "default")]).await;
    let (status, error) = error_of(res).await;
    assert_eq!((status, error.for_field("name").as_deref()), (422, Some("A profile with this name already exists.")));
    assert_eq!(client_profile::Entity::find().count(db).await.unwrap(), 1);
    // A name beyond ASCII, twice: the same field message (SQLite's `lower()` folds ASCII only;
    // the check once compared it with Rust's lowercase, missed, and the unique index answered 500).
    assert!(app.call::<SaveClientProfile>(&owner, &[("name", "Übersicht")]).await.status().is_success());
    let (status, error) = error_of(app.call::<SaveClientProfile>(&owner, &[("name", "Übersicht")]).await).await;
    assert_eq!((status, error.for_field("name").as_deref()), (422, Some("A profile with this name already exists.")));
    let (status, error) = error_of(app.call::<SaveClientProfile>(&owner, &[("name", "ÜBERSICHT")]).await).await;
    assert_eq!((status, error.for_field("name").as_deref()), (422, Some("A profile with this name already exists.")));
    client_profile::Entity::delete_many().filter(client_profile::Column::Name.eq("Übersicht")).exec(db).await.unwrap();

    // "Updates only", chosen for Carl: his tasks disappear, Cleo's stay.
    let res =
        app.call::<SaveClientProfile>(&owner, &[("name", "Updates only"), ("permissions[]", "view_updates")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let updates_only: i64 = res.decoded().await;
    let res = app
        .call::<SetClientProfile>(&owner, &[("client_id", &carl_id), ("profile_id", &updates_only.to_string())])
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let seen: ClientPermissions =
        app.call::<LoadClientPermissions>(&owner, &[("client_id", &carl_id)]).await.decoded().await;
    assert_eq!((seen.profile_id, seen.profile_name.as_str()), (Some(updates_only), "Updates only"));
    assert_eq!(seen.effective, Permissions::default().with(Permission::ViewUpdates));
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert!(page.tasks.is_empty() && !page.permissions.allows(Permission::ViewTasks));
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&cleo, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.tasks.len(), 1);

    // Renamed and given View tasks: Carl sees the task again.
    let res = app
        .call::<SaveClientProfile>(
            &owner,
            &[
                ("profile_id", &updates_only.to_string()),
                ("name", "Updates and tasks"),
                ("permissions[]", "view_updates"),
                ("permissions[]", "view_tasks"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(page.tasks.len(), 1);
    assert!(!page.permissions.allows(Permission::CompleteTasks));

    // A member sees the client's profile but changes nothing; members cannot manage profiles.
    let max = app.member(&owner, "Max Member", "max@profiles.test").await;
    let seen: ClientPermissions =
        app.call::<LoadClientPermissions>(&max, &[("client_id", &carl_id)]).await.decoded().await;
    assert_eq!(seen.profile_name, "Updates and tasks");
    assert!(seen.profiles.is_empty(), "no choice offered to a member");
    for res in [
        app.call::<LoadClientProfiles>(&max, &[]).await,
        app.call::<SaveClientProfile>(&max, &[("name", "Mine")]).await,
        app.call::<SetClientProfile>(&max, &[("client_id", &carl_id), ("profile_id", &default_id)]).await,
        app.call::<DeleteClientProfile>(&max, &[("profile_id", &updates_only.to_string())]).await,
    ] {
        assert_eq!(error_of(res).await.0, 403);
    }

    // Another organization: every id is not found, nothing changes.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let res = app.call::<SetClientProfile>(&bob, &[("client_id", &carl_id), ("profile_id", &default_id)]).await;
    assert_eq!(error_of(res).await.0, 404);
    let res = app.call::<DeleteClientProfile>(&bob, &[("profile_id", &updates_only.to_string())]).await;
    assert_eq!(error_of(res).await.0, 404);
    let res = app.call::<LoadClientPermissions>(&bob, &[("client_id", &carl_id)]).await;
    assert_eq!(error_of(res).await.0, 404);
    let bobs: Vec<ClientProfileRow> = app.call::<LoadClientProfiles>(&bob, &[]).await.decoded().await;
    let res =
        app.call::<SetClientProfile>(&owner, &[("client_id", &carl_id), ("profile_id", &bobs[0].id.to_string())]).await;
    let (status, error) = error_of(res).await;
    assert_eq!((status, error.for_field("profile_id").as_deref()), (422, Some("Choose one of your client profiles.")));

    // The default profile cannot be deleted; deleting another puts its clients on the default.
    let res = app.call::<DeleteClientProfile>(&owner, &[("profile_id", &default_id)]).await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, 409);
    assert_eq!(
        error.general(&[]).as_deref(),
        Some("The default profile cannot be deleted: clients without a profile use it.")
    );
    let res = app.call::<DeleteClientProfile>(&owner, &[("profile_id", &updates_only.to_string())]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let seen: ClientPermissions =
        app.call::<LoadClientPermissions>(&owner, &[("client_id", &carl_id)]).await.decoded().await;
    assert_eq!((seen.profile_id, seen.profile_name.as_str()), (None, "Default"));
    let page: PortalProjectPage = app.call::<LoadPortalProject>(&carl, &[("project_id", &p)]).await.decoded().await;
    assert!(page.permissions.allows(Permission::CompleteTasks));
    // Two made ("Übersicht" above, removed again behind the app's back, and "Updates only").
    for (event, n) in
        [("profile.created", 2), ("profile.updated", 1), ("profile.deleted", 1), ("client.profile_changed", 1)]
    {
        assert_eq!(app.audit_events(event).await.len(), n, "{event}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_profiles_on_sqlite() {
    client_profiles(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_profiles_on_postgres() {
    client_profiles(Backend::Postgres).await;
}
