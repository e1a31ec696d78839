//! "Edit" on the client page: every detail, more projects, "Notify edited user"; a save made
//! after someone else's is refused with what is different now, never applied over it.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::ClientEditForm;

use crate::{
    clients::fields::ProjectPicks,
    components::{FieldError, FormError, LoadError, StaffFrame},
    customers::CustomerPick,
    error::AppError,
    loading::load,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_client_edit(client_id: i64) -> Result<ClientEditForm, AppError> {
    use portico_core::{clients, domain::ClientId};
    let staff = crate::server::staff().await?;
    Ok(clients::edit_form(&crate::server::portico()?, &staff, ClientId(client_id)).await?)
}

#[server(output = Postcard)]
#[allow(clippy::too_many_arguments)]
pub async fn save_client(
    client_id: i64,
    name: String,
    email: String,
    #[server(default)] phone: String,
    #[server(default)] projects: Vec<i64>,
    #[server(default)] rates: std::collections::HashMap<String, String>,
    #[server(default)] assigned_staff: String,
    #[server(default)] customer: String,
    #[server(default)] new_customer: String,
    #[server(default)] customer_name: portico_core::model::BoxWords,
    #[server(default)] version: String,
    #[server(default)] notify: bool,
) -> Result<(), AppError> {
    use portico_core::{
        clients::{self, ClientEdit},
        domain::ClientId,
    };
    let staff = crate::server::staff().await?;
    let edit = ClientEdit::parse(
        [&name, &email, &phone, &assigned_staff, &customer, &new_customer, &version],
        customer_name.as_deref(),
        &projects,
        &rates,
        notify,
    )?;
    clients::edit(&crate::server::portico()?, &staff, ClientId(client_id), edit, crate::server::client_ip()).await?;
    leptos_axum::redirect(&format!("/clients/{client_id}?saved"));
    Ok(())
}

const FIELDS: &[&str] = &["name", "email", "phone", "customer", "new_customer", "projects", "rates", "assigned_staff"];

#[component]
pub fn EditClientPage() -> impl IntoView {
    let form = load(
        || id_param("id"),
        |id| async move {
            match id {
                Some(id) => load_client_edit(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Edit client" />
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(f) => view! { <EditClientForm f /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn EditClientForm(f: ClientEditForm) -> impl IntoView {
    let action = ServerAction::<SaveClient>::new();
    let result = action.value();
    let pending = action.pending();
    let id = f.id;
    let back = format!("/clients/{id}");
    // Someone saved first: say so, and offer the current details.
    let conflict = move || result.with(|r| matches!(r, Some(Err(AppError::Conflict(_)))));
    let error = Signal::derive(move || result.get().and_then(|r| r.err()));
    view! {
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/clients">"Clients"</a> " › " <a href=back.clone()>{f.name.clone()}</a></nav>
        <h1>"Edit client"</h1>
        <section class="card narrow">
            <ActionForm action attr:novalidate=true>
                <input type="hidden" name="client_id" value=id.to_string() />
                <input type="hidden" name="version" value=f.version.to_string() data-keep="" />
                <FormError result fields=FIELDS />
                <Show when=conflict>
                    <p><a class="btn btn-secondary" href=format!("/clients/{id}/edit") rel="external">"Reload"</a></p>
                </Show>
                <div class="field">
                    <label for="client-name">"Name"</label>
                    <input id="client-name" name="name" required maxlength="200" autocomplete="off" value=f.name.clone() aria-describedby="client-name-error" />
                    <FieldError result field="name" id="client-name-error" />
                </div>
                <div class="field">
                    <label for="client-email">"Email"</label>
                    <input id="client-email" name="email" type="email" required autocomplete="off" value=f.email.clone() aria-describedby="client-email-hint client-email-error" />
                    <p class="hint" id="client-email-hint">"A new email stops the links and codes sent to the old one."</p>
                    <FieldError result field="email" id="client-email-error" />
                </div>
                <div class="field">
                    <label for="client-phone">"Phone (optional)"</label>
                    <input id="client-phone" name="phone" type="tel" autocomplete="off" value=f.phone.clone() aria-describedby="client-phone-error" />
                    <FieldError result field="phone" id="client-phone-error" />
                </div>
                <CustomerPick pick=f.customer error prefix="client" />
                <ProjectPicks picks=f.projects error empty="No projects yet." />
                <div class="field">
                    <label for="client-staff">"Assigned staff"</label>
                    <select id="client-staff" name="assigned_staff" aria-describedby="client-staff-error">
                        <option value="" selected=f.assigned_staff.is_none()>"Nobody yet"</option>
                        {f.staff.into_iter().map(|s| {
                            let selected = f.assigned_staff == Some(s.id);
                            view! { <option value=s.id.to_string() selected=selected>{s.name}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError result field="assigned_staff" id="client-staff-error" />
                </div>
                <label class="choice-row" for="client-notify">
                    <input type="checkbox" id="client-notify" name="notify" value="true" />
                    <span>"Notify edited user"</span>
                </label>
                <p class="hint">"Emails them what changed."</p>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Save changes"</button>
                    <a class="btn btn-quiet" href=back>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}
