//! "Add customer" and "Edit" on the customer page: one form, checked field by field on the
//! server; an edit made after someone else's is refused, never applied over it.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::CustomerForm;

use crate::{
    components::{FieldError, FormError, LoadError, StaffFrame},
    error::AppError,
    loading::load,
    projects::id_param,
};

/// The form for a new customer (`customer_id` none) or for one to edit.
#[server(output = Postcard)]
pub async fn load_customer_form(#[server(default)] customer_id: Option<i64>) -> Result<CustomerForm, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::customers::form(&crate::server::portico()?, &staff, customer_id).await?)
}

#[server(output = Postcard)]
#[allow(clippy::too_many_arguments)]
pub async fn save_customer(
    #[server(default)] customer_id: Option<i64>,
    #[server(default)] version: i64,
    name: String,
    #[server(default)] kind: String,
    #[server(default)] contact_email: String,
    #[server(default)] website: String,
    #[server(default)] street: String,
    #[server(default)] city: String,
    #[server(default)] region: String,
    #[server(default)] postal_code: String,
    #[server(default)] country: String,
    #[server(default)] projects: Vec<i64>,
) -> Result<i64, AppError> {
    use portico_core::customers::{self, CustomerDetails};
    let staff = crate::server::staff().await?;
    let details = CustomerDetails::parse(
        [&name, &kind, &contact_email, &website, &street, &city, &region, &postal_code, &country],
        &projects,
    )?;
    let id = customers::save(
        &crate::server::portico()?,
        &staff,
        customer_id.map(|id| (id, version)),
        details,
        crate::server::client_ip(),
    )
    .await?;
    leptos_axum::redirect(&format!("/customers/{id}?saved"));
    Ok(id)
}

const FIELDS: &[&str] =
    &["name", "kind", "contact_email", "website", "street", "city", "region", "postal_code", "country", "projects"];

/// `/customers/new` and `/customers/:id/edit`.
#[component]
pub fn CustomerFormPage() -> impl IntoView {
    let form = load(|| id_param("id"), load_customer_form);
    view! {
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(f) => view! { <CustomerFormBody f /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn CustomerFormBody(f: CustomerForm) -> impl IntoView {
    let action = ServerAction::<SaveCustomer>::new();
    let result = action.value();
    let pending = action.pending();
    let (title, back) = match f.id {
        Some(id) => ("Edit customer", format!("/customers/{id}")),
        None => ("Add customer", "/customers".to_string()),
    };
    let individual = f.kind == "individual";
    // One labelled text field with its message: [input id, form name, message id, label].
    let text = move |[id, name, error_id, label]: [&'static str; 4], value: String, max: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=name value=value maxlength=max autocomplete="off" aria-describedby=error_id />
                <FieldError result field=name id=error_id />
            </div>
        }
    };
    view! {
        <Title text=title />
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/customers">"Customers"</a></nav>
        <h1>{title}</h1>
        <section class="card narrow">
            <ActionForm action attr:novalidate=true>
                {f.id.map(|id| view! {
                    <input type="hidden" name="customer_id" value=id.to_string() />
                    <input type="hidden" name="version" value=f.version.to_string() data-keep="" />
                })}
                <FormError result fields=FIELDS />
                {text(["customer-name", "name", "customer-name-error", "Customer name"], f.name.clone(), "200")}
                <fieldset class="field choices" aria-describedby="customer-kind-error">
                    <legend>"Type"</legend>
                    <label class="choice-row"><input type="radio" name="kind" value="business" checked=!individual /><span>"Business"</span></label>
                    <label class="choice-row"><input type="radio" name="kind" value="individual" checked=individual /><span>"Individual"</span></label>
                    <FieldError result field="kind" id="customer-kind-error" />
                </fieldset>
                {text(["customer-email", "contact_email", "customer-email-error", "Contact email"], f.contact_email.clone(), "254")}
                {text(["customer-website", "website", "customer-website-error", "Web address"], f.website.clone(), "300")}
                <fieldset class="field choices">
                    <legend>"Postal address"</legend>
                    {text(["customer-street", "street", "customer-street-error", "Street"], f.street.clone(), "200")}
                    {text(["customer-city", "city", "customer-city-error", "City"], f.city.clone(), "100")}
                    {text(["customer-region", "region", "customer-region-error", "Region"], f.region.clone(), "100")}
                    {text(["customer-postal-code", "postal_code", "customer-postal-code-error", "Postal code"], f.postal_code.clone(), "20")}
                    {text(["customer-country", "country", "customer-country-error", "Country"], f.country.clone(), "100")}
                </fieldset>
                <fieldset class="field choices" aria-describedby="customer-projects-error">
                    <legend>"Projects"</legend>
                    {if f.projects.is_empty() {
                        view! { <p class="hint">"No projects yet."</p> }.into_any()
                    } else {
                        view! {
                            <div class="choice-list">
                                {f.projects.into_iter().map(|(p, on)| view! {
                                    <label class="choice-row">
                                        <input type="checkbox" name="projects[]" value=p.id.to_string() checked=on />
                                        <span>{p.name}</span>
                                    </label>
                                }).collect_view()}
                            </div>
                        }
                            .into_any()
                    }}
                    <FieldError result field="projects" id="customer-projects-error" />
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Save customer"</button>
                    <a class="btn btn-quiet" href=back>"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}
