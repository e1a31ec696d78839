//! Client profiles: what clients may see and do in the portal. Owners and admins manage them on
//! Settings → Client profiles and choose one per client on the client's page; the server
//! (`portico_core::permissions`) decides and enforces.

mod customize;

pub use customize::*;

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{ClientPermissions, ClientProfileRow, Permission};

use crate::{
    components::{FieldMessage, FormError, LoadError, StaffFrame, successes, toast_outcome},
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_client_profiles() -> Result<Vec<ClientProfileRow>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::permissions::list(&crate::server::portico()?, &staff).await?)
}

/// "Add profile" (no `profile_id`) or "Save profile": a name and the permissions ticked.
#[server(output = Postcard)]
pub async fn save_client_profile(
    #[server(default)] profile_id: Option<i64>,
    name: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<i64, AppError> {
    use portico_core::permissions;
    let staff = crate::server::staff().await?;
    // A member is refused before their input is judged.
    staff.require_manager()?;
    let input = permissions::ProfileInput::parse(&name, &permissions)?;
    Ok(permissions::save(&crate::server::portico()?, &staff, profile_id, input, crate::server::client_ip()).await?)
}

#[server(output = Postcard)]
pub async fn delete_client_profile(profile_id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::permissions::delete(&crate::server::portico()?, &staff, profile_id, crate::server::client_ip())
        .await?)
}

#[server(output = Postcard)]
pub async fn load_client_permissions(client_id: i64) -> Result<ClientPermissions, AppError> {
    use portico_core::domain::ClientId;
    let staff = crate::server::staff().await?;
    Ok(portico_core::permissions::for_client(&crate::server::portico()?, &staff, ClientId(client_id)).await?)
}

/// "Save profile" on a client's page.
#[server(output = Postcard)]
pub async fn set_client_profile(client_id: i64, profile_id: i64) -> Result<(), AppError> {
    use portico_core::domain::ClientId;
    let staff = crate::server::staff().await?;
    Ok(portico_core::permissions::set_client_profile(
        &crate::server::portico()?,
        &staff,
        ClientId(client_id),
        profile_id,
        crate::server::client_ip(),
    )
    .await?)
}

/// Settings → Client profiles (`/settings/client-profiles`).
#[component]
pub fn ClientProfilesPage() -> impl IntoView {
    let save = ServerAction::<SaveClientProfile>::new();
    let delete = ServerAction::<DeleteClientProfile>::new();
    toast_outcome(save.value(), "Profile saved");
    toast_outcome(delete.value(), "Profile deleted. Its clients use the default profile.");
    let saved = successes(save.value(), save.version());
    let deleted = successes(delete.value(), delete.version());
    let profiles = load(move || (saved.get(), deleted.get()), |_| load_client_profiles());
    // Which form was sent last (its profile's id; `Some(None)`: Add profile). The forms share
    // one action, whose input is gone once it answers: this says whose answer it is.
    let sent = RwSignal::new(None::<Option<i64>>);
    view! {
        <Title text="Client profiles" />
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/settings">"Settings"</a></nav>
            <div class="page-head">
                <div>
                    <h1>"Client profiles"</h1>
                    <p class="lead">"What your clients may see and do in the portal. Clients without a profile of their own use the default one; choose another on a client's page."</p>
                </div>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match profiles.await {
                        Ok(list) => view! {
                            {list.into_iter().map(|p| view! { <ProfileCard p save delete sent /> }).collect_view()}
                            <section class="card" aria-labelledby="profile-new-title">
                                <h2 id="profile-new-title" class="card-title">"Add profile"</h2>
                                <ProfileForm p=None save sent />
                            </section>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn ProfileCard(
    p: ClientProfileRow,
    save: ServerAction<SaveClientProfile>,
    delete: ServerAction<DeleteClientProfile>,
    sent: RwSignal<Option<Option<i64>>>,
) -> impl IntoView {
    let title = format!("profile-{}-title", p.id);
    let labelled_by = title.clone();
    let id = p.id;
    let is_default = p.is_default;
    let name = p.name.clone();
    let deleting = delete.pending();
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <div class="card-head">
                <h2 id=title class="card-title">{p.name.clone()}</h2>
                {is_default.then(|| view! { <span class="badge badge-info">"Default"</span> })}
            </div>
            <ProfileForm p=Some(p) save sent />
            {(!is_default).then(|| view! {
                <details class="danger-zone">
                    <summary>"Delete…"</summary>
                    <ActionForm action=delete>
                        <input type="hidden" name="profile_id" value=id.to_string() />
                        <p>"Its clients will use the default profile."</p>
                        <button type="submit" class="btn btn-danger" disabled=move || deleting.get() aria-label=format!("Delete profile {name}")>"Delete profile"</button>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

/// A profile's name and permissions, ticked as they are (`p` none: "Add profile").
#[component]
fn ProfileForm(
    p: Option<ClientProfileRow>,
    save: ServerAction<SaveClientProfile>,
    sent: RwSignal<Option<Option<i64>>>,
) -> impl IntoView {
    let id = p.as_ref().map(|p| p.id);
    let prefix = id.map_or_else(|| "profile-new".to_string(), |id| format!("profile-{id}"));
    let pending = save.pending();
    // Only the form that was sent shows its answer. Without JavaScript the page cannot know
    // which one was: Add profile shows it.
    let mine = Signal::derive(move || {
        let ours = match sent.get() {
            Some(which) => which == id,
            None => id.is_none(),
        };
        ours.then(|| save.value().get()).flatten()
    });
    let error = Signal::derive(move || mine.get().and_then(|r| r.err()));
    let name_id = format!("{prefix}-name");
    let name_error = format!("{prefix}-name-error");
    let permissions = p.as_ref().map(|p| p.permissions).unwrap_or_default();
    // After a profile is added, "Add profile" starts empty again.
    let form =
        crate::components::emptied_after(Signal::derive(move || id.is_none() && matches!(mine.get(), Some(Ok(_)))));
    view! {
        <ActionForm action=save node_ref=form attr:novalidate=true>
            {id.map(|id| view! { <input type="hidden" name="profile_id" value=id.to_string() /> })}
            <FormError result=mine fields=&["name", "permissions"] />
            <div class="field">
                <label for=name_id.clone()>"Profile name"</label>
                <input id=name_id name="name" maxlength="100" value=p.as_ref().map(|p| p.name.clone()) aria-describedby=name_error.clone() />
                <FieldMessage error field="name" id=name_error />
            </div>
            <fieldset class="choices">
                <legend>"Clients with this profile may"</legend>
                {Permission::ALL.into_iter().map(|perm| {
                    let box_id = format!("{prefix}-{}", perm.key());
                    let label_for = box_id.clone();
                    view! {
                        <label class="choice-row" for=label_for>
                            <input type="checkbox" id=box_id name="permissions[]" value=perm.key() checked=permissions.allows(perm) />
                            <span>{perm.label()}</span>
                        </label>
                    }
                }).collect_view()}
                <FieldMessage error field="permissions" id=format!("{prefix}-permissions-error") />
            </fieldset>
            <button type="submit" class="btn btn-primary" disabled=move || pending.get() on:click=move |_| sent.set(Some(id))>
                {if id.is_some() { "Save profile" } else { "Add profile" }}
            </button>
        </ActionForm>
    }
}

/// A client page's Portal permissions and the action that changes their profile; made with the
/// page (see `tasks::ProjectTasksData`).
#[derive(Clone, Copy)]
pub struct ClientPermissionsData {
    permissions: crate::loading::Loaded<Result<ClientPermissions, AppError>>,
    set: ServerAction<SetClientProfile>,
}

impl ClientPermissionsData {
    /// For the client named by the page's `:id`.
    pub fn for_page() -> Self {
        let set = ServerAction::<SetClientProfile>::new();
        toast_outcome(set.value(), "Client profile saved");
        let changed = successes(set.value(), set.version());
        let permissions = load(
            move || (crate::projects::id_param("id"), changed.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => load_client_permissions(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self { permissions, set }
    }
}

/// "Portal permissions" on a client's page: their profile, what it allows, and (owners and
/// admins) the choice of another.
#[component]
pub fn ClientPermissionsCard(data: ClientPermissionsData) -> impl IntoView {
    let ClientPermissionsData { permissions, set } = data;
    view! {
        <section class="card" aria-labelledby="portal-permissions-title">
            <h2 id="portal-permissions-title" class="card-title">"Portal permissions"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match permissions.await {
                        Ok(p) => view! { <PermissionsBody p set /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PermissionsBody(p: ClientPermissions, set: ServerAction<SetClientProfile>) -> impl IntoView {
    let allowed = p.effective.labels();
    let result = set.value();
    let pending = set.pending();
    let error = Signal::derive(move || result.get().and_then(|r| r.err()));
    let current = p.profile_id.or_else(|| p.profiles.iter().find(|x| x.is_default).map(|x| x.id));
    view! {
        <p>{format!("Client profile: {}", p.profile_name)}</p>
        <p class="muted">
            {if allowed.is_empty() { "In the portal they may see nothing.".to_string() } else { format!("In the portal they may: {}.", allowed.join(", ")) }}
        </p>
        {(!p.profiles.is_empty()).then(|| view! {
            <ActionForm action=set attr:class="inline-form" attr:novalidate=true>
                <input type="hidden" name="client_id" value=p.client_id.to_string() />
                <div class="field">
                    <label for="client-profile">"Client profile"</label>
                    <select id="client-profile" name="profile_id" aria-describedby="client-profile-error">
                        {p.profiles.iter().map(|x| view! {
                            <option value=x.id.to_string() selected=Some(x.id) == current>
                                {if x.is_default { format!("{} (default)", x.name) } else { x.name.clone() }}
                            </option>
                        }).collect_view()}
                    </select>
                    <FieldMessage error field="profile_id" id="client-profile-error".to_string() />
                </div>
                <button type="submit" class="btn btn-secondary" disabled=move || pending.get()>"Save profile"</button>
            </ActionForm>
        })}
    }
}
