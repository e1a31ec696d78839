//! Organization settings (owners and admins): invitation expiry, magic-link lifetime,
//! re-invite cooldown and how clients sign in.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{ClientSignIn, OrganizationSettings, ReinviteCooldown};

use crate::{
    components::{Done, FieldError, FormError, LoadError, StaffFrame, toasts},
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_settings() -> Result<OrganizationSettings, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::settings::load(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn save_settings(
    invitation_expiry_days: String,
    magic_link_minutes: String,
    reinvite_cooldown: String,
    client_sign_in: String,
) -> Result<(), AppError> {
    use portico_core::settings;
    let staff = crate::server::staff().await?;
    let parsed = settings::parse(&invitation_expiry_days, &magic_link_minutes, &reinvite_cooldown, &client_sign_in)?;
    settings::save(&crate::server::portico()?, &staff, parsed, crate::server::client_ip()).await?;
    Ok(())
}

const FIELDS: &[&str] = &["invitation_expiry_days", "magic_link_minutes", "reinvite_cooldown", "client_sign_in"];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveSettings>::new();
    let data = load(|| (), |_| load_settings());
    let queue = toasts().source();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            queue.show(Done::SettingsSaved.message());
        }
    });
    view! {
        <Title text="Settings" />
        <StaffFrame>
            <div class="page-head">
                <div>
                    <h1>"Settings"</h1>
                    <p class="lead">"How invitations and sign-in work for your clients."</p>
                </div>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(s) => view! {
                            <SettingsForm s save />
                            <section class="card" aria-labelledby="profiles-card-title">
                                <h2 id="profiles-card-title" class="card-title">"Client profiles"</h2>
                                <p>"What your clients may see and do in the portal: tasks, documents, updates, invoices and forms."</p>
                                <a class="btn btn-secondary" href="/settings/client-profiles">"Manage client profiles"</a>
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
fn SettingsForm(s: OrganizationSettings, save: ServerAction<SaveSettings>) -> impl IntoView {
    let result = save.value();
    let pending = save.pending();
    view! {
        <ActionForm action=save attr:class="card form-card" attr:novalidate=true>
            <FormError result fields=FIELDS />
            <h2 class="card-title">"Invitations"</h2>
            <div class="field">
                <label for="invitation_expiry_days">"Invitation expiry (days)"</label>
                <input id="invitation_expiry_days" name="invitation_expiry_days" type="number" min="1" max="30" inputmode="numeric"
                    value=s.invitation_expiry_days.to_string() aria-describedby="expiry-hint invitation_expiry_days-error" />
                <p class="hint" id="expiry-hint">"1 to 30 days. Invitations already sent keep the expiry they were sent with."</p>
                <FieldError result field="invitation_expiry_days" id="invitation_expiry_days-error" />
            </div>
            <div class="field">
                <label for="reinvite_cooldown">"Re-invite cooldown"</label>
                <select id="reinvite_cooldown" name="reinvite_cooldown" aria-describedby="cooldown-hint reinvite_cooldown-error">
                    {ReinviteCooldown::ALL
                        .into_iter()
                        .map(|c| view! { <option value=c.key() selected=c == s.reinvite_cooldown>{c.label()}</option> })
                        .collect_view()}
                </select>
                <p class="hint" id="cooldown-hint">"How long after sending an invitation it can be resent."</p>
                <FieldError result field="reinvite_cooldown" id="reinvite_cooldown-error" />
            </div>
            <h2 class="card-title">"Sign-in"</h2>
            <div class="field">
                <label for="magic_link_minutes">"Magic link lifetime (minutes)"</label>
                <input id="magic_link_minutes" name="magic_link_minutes" type="number" min="5" max="60" inputmode="numeric"
                    value=s.magic_link_minutes.to_string() aria-describedby="magic-hint magic_link_minutes-error" />
                <p class="hint" id="magic-hint">"5 to 60 minutes. Applies to magic links, login emails and sign-in links."</p>
                <FieldError result field="magic_link_minutes" id="magic_link_minutes-error" />
            </div>
            <fieldset class="field choice" aria-describedby="sign-in-error">
                <legend>"How clients sign in"</legend>
                {[ClientSignIn::Code, ClientSignIn::Password]
                    .into_iter()
                    .map(|m| {
                        let id = format!("client_sign_in_{}", m.key());
                        let label_for = id.clone();
                        view! {
                            <label class="choice-row" for=label_for>
                                <input type="radio" id=id name="client_sign_in" value=m.key() checked=m == s.client_sign_in />
                                {m.label()}
                            </label>
                        }
                    })
                    .collect_view()}
                <FieldError result field="client_sign_in" id="sign-in-error" />
            </fieldset>
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save settings" }}
                </button>
            </div>
        </ActionForm>
    }
}
