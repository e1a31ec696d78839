//! "Add client": a client with their details before any invitation — Save, or Save and send
//! invite to the projects chosen.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::NewClientChoices;

use crate::{
    clients::fields::ProjectPicks,
    components::{FieldError, FormError, LoadError, StaffFrame},
    customers::CustomerPick,
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_new_client_choices() -> Result<NewClientChoices, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::clients::choices(&crate::server::portico()?, &staff).await?)
}

/// The form's two buttons: `intent` is "invite" for "Save and send invite", else "Save".
#[server(output = Postcard)]
#[allow(clippy::too_many_arguments)]
pub async fn add_client(
    name: String,
    email: String,
    #[server(default)] phone: String,
    #[server(default)] projects: Vec<i64>,
    #[server(default)] rates: std::collections::HashMap<String, String>,
    #[server(default)] assigned_staff: String,
    #[server(default)] customer: String,
    #[server(default)] new_customer: String,
    #[server(default)] customer_name: portico_core::model::BoxWords,
    #[server(default)] intent: String,
) -> Result<i64, AppError> {
    use portico_core::clients::{self, NewClient};
    let staff = crate::server::staff().await?;
    let new = NewClient::parse(
        [&name, &email, &phone, &assigned_staff, &customer, &new_customer],
        customer_name.as_deref(),
        &projects,
        &rates,
    )?;
    let invite = intent == "invite";
    let id = clients::create(&crate::server::portico()?, &staff, new, invite, crate::server::client_ip()).await?;
    leptos_axum::redirect(&format!("/clients/{id}?added={}", if invite { "invited" } else { "saved" }));
    Ok(id.0)
}

const FIELDS: &[&str] = &["name", "email", "phone", "customer", "new_customer", "projects", "rates", "assigned_staff"];

#[component]
pub fn AddClientPage() -> impl IntoView {
    let choices = load(|| (), |()| load_new_client_choices());
    view! {
        <Title text="Add client" />
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/clients">"Clients"</a></nav>
            <h1>"Add client"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(choices) => view! { <AddClientForm choices /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn AddClientForm(choices: NewClientChoices) -> impl IntoView {
    let action = ServerAction::<AddClient>::new();
    let result = action.value();
    let pending = action.pending();
    // An email that is already a client's: offer that client instead of a second one.
    let email = RwSignal::new(String::new());
    let error = Signal::derive(move || result.get().and_then(|r| r.err()));
    // Opened from a project's Portal access: that project comes ticked.
    let from_project = crate::projects::query_id("project");
    let picks = choices.projects;
    let taken = move || {
        result
            .with(|r| matches!(r, Some(Err(e)) if e.for_field("email").is_some_and(|m| m.contains("already a client"))))
    };
    view! {
        <section class="card narrow">
            <ActionForm action attr:novalidate=true>
                <FormError result fields=FIELDS />
                <div class="field">
                    <label for="client-name">"Name"</label>
                    <input id="client-name" name="name" required maxlength="200" autocomplete="off" aria-describedby="client-name-error" />
                    <FieldError result field="name" id="client-name-error" />
                </div>
                <div class="field">
                    <label for="client-email">"Email"</label>
                    <input id="client-email" name="email" type="email" required autocomplete="off" aria-describedby="client-email-error"
                        on:input=move |ev| email.set(event_target_value(&ev)) />
                    <FieldError result field="email" id="client-email-error" />
                    <Show when=taken>
                        <p class="hint">
                            <a href=move || format!("/clients?q={}", percent_encoding::utf8_percent_encode(&email.get(), percent_encoding::NON_ALPHANUMERIC))>
                                "Open the existing client"
                            </a>
                        </p>
                    </Show>
                </div>
                <div class="field">
                    <label for="client-phone">"Phone (optional)"</label>
                    <input id="client-phone" name="phone" type="tel" autocomplete="off" aria-describedby="client-phone-hint client-phone-error" />
                    <p class="hint" id="client-phone-hint">"With country code, for example +44 20 7946 0958."</p>
                    <FieldError result field="phone" id="client-phone-error" />
                </div>
                <CustomerPick error prefix="client" />
                <ProjectPicks picks error ticked=from_project empty="No projects yet. You can add the client now and to a project later." />
                <div class="field">
                    <label for="client-staff">"Assigned staff"</label>
                    <select id="client-staff" name="assigned_staff" aria-describedby="client-staff-error">
                        <option value="">"Nobody yet"</option>
                        {choices.staff.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                    </select>
                    <FieldError result field="assigned_staff" id="client-staff-error" />
                </div>
                <div class="actions">
                    <button type="submit" name="intent" value="save" class="btn btn-secondary" disabled=move || pending.get()>"Save"</button>
                    <button type="submit" name="intent" value="invite" class="btn btn-primary" disabled=move || pending.get()>
                        "Save and send invite"
                    </button>
                    <a class="btn btn-quiet" href="/clients">"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}
