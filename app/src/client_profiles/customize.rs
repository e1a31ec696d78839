//! "Customize permissions for this user" (`/projects/:id/clients/:client_id/permissions`, from a
//! row's menu on Portal access): a client's permissions in one project, set apart from their
//! profile; "Copy permissions" (Clone Customization) gives the same to other clients of the
//! project; "Remove Customization" returns to the profile. Owners and admins change them; the
//! server decides (`portico_core::permissions`).

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{ClientCustomization, Permission, Permissions};

use crate::{
    components::{FieldMessage, FormError, LoadError, StaffFrame, successes, toast_outcome, toasts},
    error::AppError,
    loading::load,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_customization(project_id: i64, client_id: i64) -> Result<ClientCustomization, AppError> {
    use portico_core::domain::{ClientId, ProjectId};
    let staff = crate::server::staff().await?;
    Ok(portico_core::permissions::customization(
        &crate::server::portico()?,
        &staff,
        ProjectId(project_id),
        ClientId(client_id),
    )
    .await?)
}

/// "Save customization": the permissions ticked apply to the client in this project.
#[server(output = Postcard)]
pub async fn customize_permissions(
    project_id: i64,
    client_id: i64,
    #[server(default)] permissions: Vec<String>,
) -> Result<(), AppError> {
    use portico_core::{
        domain::{ClientId, ProjectId},
        permissions,
    };
    let staff = crate::server::staff().await?;
    staff.require_manager()?;
    let ticked = permissions::ticked(&permissions)?;
    let portico = crate::server::portico()?;
    let (project, client) = (ProjectId(project_id), ClientId(client_id));
    Ok(permissions::customize(&portico, &staff, project, client, ticked, crate::server::client_ip()).await?)
}

/// "Copy permissions": this client's customisation, to the clients ticked.
#[server(output = Postcard)]
pub async fn clone_customization(
    project_id: i64,
    client_id: i64,
    #[server(default)] to: Vec<i64>,
) -> Result<u64, AppError> {
    use portico_core::domain::{ClientId, ProjectId};
    let staff = crate::server::staff().await?;
    let to: Vec<ClientId> = to.into_iter().map(ClientId).collect();
    Ok(portico_core::permissions::clone_customization(
        &crate::server::portico()?,
        &staff,
        ProjectId(project_id),
        ClientId(client_id),
        &to,
        crate::server::client_ip(),
    )
    .await?)
}

/// "Remove Customization": the client's profile applies in this project again.
#[server(output = Postcard)]
pub async fn remove_customization(project_id: i64, client_id: i64) -> Result<(), AppError> {
    use portico_core::domain::{ClientId, ProjectId};
    let staff = crate::server::staff().await?;
    Ok(portico_core::permissions::remove_customization(
        &crate::server::portico()?,
        &staff,
        ProjectId(project_id),
        ClientId(client_id),
        crate::server::client_ip(),
    )
    .await?)
}

/// The three actions of the page, each answered by its own toast.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<CustomizePermissions>,
    copy: ServerAction<CloneCustomization>,
    remove: ServerAction<RemoveCustomization>,
}

#[component]
pub fn CustomizePermissionsPage() -> impl IntoView {
    let actions = Actions { save: ServerAction::new(), copy: ServerAction::new(), remove: ServerAction::new() };
    let (save, copy, remove) = (actions.save.value(), actions.copy.value(), actions.remove.value());
    let said = toasts().source();
    Effect::new(move |_| match save.get() {
        Some(Ok(())) => said.show("Permissions customized"),
        Some(Err(e)) if e.for_field("permissions").is_none() => said.error(&e),
        _ => {}
    });
    let said = toasts().source();
    Effect::new(move |_| match copy.get() {
        Some(Ok(1)) => said.show("Permissions copied to 1 client"),
        Some(Ok(n)) => said.show(format!("Permissions copied to {n} clients")),
        Some(Err(e)) if e.for_field("to").is_none() => said.error(&e),
        _ => {}
    });
    toast_outcome(remove, "Customization removed. Their client profile applies.");
    let saved = successes(actions.save.value(), actions.save.version());
    let copied = successes(actions.copy.value(), actions.copy.version());
    let removed = successes(actions.remove.value(), actions.remove.version());
    let page = load(
        move || (id_param("id"), id_param("client_id"), saved.get(), copied.get(), removed.get()),
        |(project, client, ..)| async move {
            match (project, client) {
                (Some(project), Some(client)) => load_customization(project, client).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(c) => view! { <CustomizationBody c actions /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// "View tasks, View updates", or that they may see nothing.
fn allowed(permissions: Permissions) -> String {
    let labels = permissions.labels();
    if labels.is_empty() {
        "In this project they may see nothing.".into()
    } else {
        format!("In this project they may: {}.", labels.join(", "))
    }
}

#[component]
fn CustomizationBody(c: ClientCustomization, actions: Actions) -> impl IntoView {
    let Actions { save, copy, remove } = actions;
    let effective = c.effective();
    let ids = [("project_id", c.project_id), ("client_id", c.client_id)];
    let hidden = move || {
        ids.map(|(name, value)| view! { <input type="hidden" name=name value=value.to_string() /> }).collect_view()
    };
    let save_result = save.value();
    let save_error = Signal::derive(move || save_result.get().and_then(|r| r.err()));
    let copy_result = copy.value();
    let copy_error = Signal::derive(move || copy_result.get().and_then(|r| r.err()));
    let (saving, copying, removing) = (save.pending(), copy.pending(), remove.pending());
    let source = match c.customized {
        Some(_) => "Customized for this project.".to_string(),
        None => format!("From their client profile, {}.", c.profile_name),
    };
    view! {
        <Title text=format!("Permissions of {} in {}", c.client_name, c.project_name) />
        <nav aria-label="Breadcrumb" class="crumbs">
            <a href=format!("/projects/{}", c.project_id)>{c.project_name.clone()}</a>
            " › "
            <a href=format!("/projects/{}/portal", c.project_id)>"Portal access"</a>
        </nav>
        <h1>{format!("Permissions of {} in {}", c.client_name, c.project_name)}</h1>
        <section class="card" aria-labelledby="in-project-title">
            <div class="card-head">
                <h2 id="in-project-title" class="card-title">"In this project"</h2>
                {c.customized.is_some().then(|| view! { <span class="badge badge-info">"Customized"</span> })}
            </div>
            <p>{source}</p>
            <p class="muted">{allowed(effective)}</p>
            {(!c.may_change).then(|| view! { <p class="note">"Only owners and admins can change permissions."</p> })}
        </section>
        {c.may_change.then(|| view! {
            <section class="card" aria-labelledby="customize-title">
                <h2 id="customize-title" class="card-title">"Customize permissions for this user"</h2>
                <p class="muted">{format!("Only this project changes: in their other projects {} follows the client profile {}.", c.client_name, c.profile_name)}</p>
                <ActionForm action=save attr:novalidate=true>
                    {hidden()}
                    <FormError result=save_result fields=&["permissions"] />
                    <fieldset class="choices">
                        <legend>"In this project they may"</legend>
                        {Permission::ALL.into_iter().map(|perm| {
                            let box_id = format!("custom-{}", perm.key());
                            let label_for = box_id.clone();
                            view! {
                                <label class="choice-row" for=label_for>
                                    <input type="checkbox" id=box_id name="permissions[]" value=perm.key() checked=effective.allows(perm) />
                                    <span>{perm.label()}</span>
                                </label>
                            }
                        }).collect_view()}
                        <FieldMessage error=save_error field="permissions" id="custom-permissions-error".to_string() />
                    </fieldset>
                    <button type="submit" class="btn btn-primary" disabled=move || saving.get()>"Save customization"</button>
                </ActionForm>
            </section>
        })}
        {(c.may_change && c.customized.is_some()).then(|| view! {
            <section class="card" aria-labelledby="clone-title">
                <h2 id="clone-title" class="card-title">"Clone Customization"</h2>
                {if c.peers.is_empty() {
                    view! { <p class="empty">"This project has no other clients to copy these permissions to."</p> }.into_any()
                } else {
                    view! {
                        <ActionForm action=copy attr:novalidate=true>
                            {hidden()}
                            <FormError result=copy_result fields=&["to"] />
                            <fieldset class="choices" aria-describedby="clone-to-error">
                                <legend>{format!("Give {}'s permissions in this project to", c.client_name)}</legend>
                                {c.peers.iter().map(|peer| {
                                    let box_id = format!("clone-to-{}", peer.client_id);
                                    let label_for = box_id.clone();
                                    view! {
                                        <label class="choice-row" for=label_for>
                                            <input type="checkbox" id=box_id name="to[]" value=peer.client_id.to_string() />
                                            <span>
                                                {peer.name.clone()} " "
                                                <span class="muted">{peer.email.clone()}</span>
                                                {peer.customized.then(|| view! { " " <span class="badge badge-info">"Customized"</span> })}
                                            </span>
                                        </label>
                                    }
                                }).collect_view()}
                                <FieldMessage error=copy_error field="to" id="clone-to-error".to_string() />
                            </fieldset>
                            {(c.other_clients > c.peers.len() as u64).then(|| view! {
                                <p class="note">{format!("Showing the first {} of the project's {} other clients, by name.", c.peers.len(), c.other_clients)}</p>
                            })}
                            <button type="submit" class="btn btn-secondary" disabled=move || copying.get()>"Copy permissions"</button>
                        </ActionForm>
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="remove-title">
                <h2 id="remove-title" class="card-title">"Remove Customization"</h2>
                <p>{format!("Their client profile, {}, applies in this project again.", c.profile_name)}</p>
                <ActionForm action=remove>
                    {hidden()}
                    <button type="submit" class="btn btn-danger" disabled=move || removing.get()>"Remove Customization"</button>
                </ActionForm>
            </section>
        })}
    }
}
