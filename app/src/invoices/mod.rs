//! Invoices: staff add them on a project's page (number, amount and currency, due date, status
//! and the PDF), send them and mark them paid; clients who may view invoices see the sent and
//! paid ones in the portal and download the PDF. "Add invoice" is a plain form post to a route of
//! the server (`server/src/invoices.rs`): it carries the PDF and works before and without the
//! page's script; the browser comes back to the page with what happened in the address.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{InvoiceFormData, InvoiceProblem, InvoiceRow, InvoiceStatus, ProjectInvoices, file_size};

use crate::{
    components::{LoadError, successes, toast_outcome},
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_project_invoices(project_id: i64) -> Result<ProjectInvoices, AppError> {
    use portico_core::{domain::ProjectId, invoices};
    let staff = crate::server::staff().await?;
    Ok(invoices::for_staff(&crate::server::portico()?, &staff, ProjectId(project_id)).await?)
}

/// What the New invoice form offers: the currencies, and where it starts.
#[server(output = Postcard)]
pub async fn load_invoice_form(project_id: i64) -> Result<InvoiceFormData, AppError> {
    use portico_core::{domain::ProjectId, invoices};
    let staff = crate::server::staff().await?;
    Ok(invoices::form_for(&crate::server::portico()?, &staff, ProjectId(project_id)).await?)
}

/// "Mark as sent", "Mark as paid", "Back to draft", "Mark as unpaid".
#[server]
pub async fn set_invoice_status(invoice_id: i64, status: String) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    let status = InvoiceStatus::from_key(&status)
        .ok_or_else(|| portico_core::Error::validation("status", "Choose Draft, Sent or Paid."))?;
    Ok(portico_core::invoices::set_status(
        &crate::server::portico()?,
        &staff,
        invoice_id,
        status,
        crate::server::client_ip(),
    )
    .await?)
}

/// "Delete invoice".
#[server]
pub async fn delete_invoice(invoice_id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::invoices::delete(&crate::server::portico()?, &staff, invoice_id, crate::server::client_ip())
        .await?)
}

/// A project page's invoices and the actions on them; made with the page (see
/// `tasks::ProjectTasksData`).
#[derive(Clone, Copy)]
pub struct ProjectInvoicesData {
    invoices: crate::loading::Loaded<Result<ProjectInvoices, AppError>>,
    /// Apart from the list: the form is not made again (losing what is typed) when it changes.
    form: crate::loading::Loaded<Result<InvoiceFormData, AppError>>,
    status: ServerAction<SetInvoiceStatus>,
    delete: ServerAction<DeleteInvoice>,
}

impl ProjectInvoicesData {
    /// For the project named by the page's `:id`.
    pub fn for_page() -> Self {
        let status = ServerAction::<SetInvoiceStatus>::new();
        let delete = ServerAction::<DeleteInvoice>::new();
        toast_outcome(status.value(), "Invoice status saved");
        toast_outcome(delete.value(), "Invoice deleted");
        let changed = successes(status.value(), status.version());
        let deleted = successes(delete.value(), delete.version());
        let invoices = load(
            move || (crate::projects::id_param("id"), changed.get(), deleted.get()),
            |(id, _, _)| async move {
                match id {
                    Some(id) => load_project_invoices(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        let form = load(
            || crate::projects::id_param("id"),
            |id| async move {
                match id {
                    Some(id) => load_invoice_form(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self { invoices, form, status, delete }
    }
}

/// What the last "Add invoice" did, from the address the server sent the browser back to: the
/// new invoice, or the problems and the fields as they were typed.
#[derive(Clone, Debug, Default, PartialEq)]
struct AddOutcome {
    added: Option<i64>,
    problems: Vec<InvoiceProblem>,
    typed: Vec<(&'static str, String)>,
}

impl AddOutcome {
    fn of_page() -> Memo<AddOutcome> {
        let query = leptos_router::hooks::use_query_map();
        Memo::new(move |_| {
            query.with(|q| AddOutcome {
                added: q.get("invoice_added").and_then(|id| id.parse().ok()),
                problems: q
                    .get("invoice_problems")
                    .map(|keys| keys.split(',').filter_map(InvoiceProblem::from_key).collect())
                    .unwrap_or_default(),
                typed: ["number", "amount", "currency", "due_on", "status"]
                    .into_iter()
                    .filter_map(|f| q.get(f).map(|v| (f, v)))
                    .collect(),
            })
        })
    }

    fn typed(&self, field: &str) -> Option<String> {
        self.typed.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    }
}

/// A project's Invoices on its page (staff): the list with its actions, and New invoice.
#[component]
pub fn ProjectInvoicesSection(data: ProjectInvoicesData) -> impl IntoView {
    let ProjectInvoicesData { invoices, form, status, delete } = data;
    let outcome = AddOutcome::of_page();
    // "Invoice X added." is said once: not again when the list is loaded after another change.
    let untouched = move || status.version().get() + delete.version().get() == 0;
    view! {
        <section class="card" aria-labelledby="invoices-title">
            <h2 id="invoices-title" class="card-title">"Invoices"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match invoices.await {
                        Ok(i) => {
                            let added = outcome.with(|o| o.added).and_then(|id| i.invoices.iter().find(|r| r.id == id).map(|r| r.number.clone()));
                            view! {
                                {move || untouched().then(|| added.clone().map(|number| view! {
                                    <p class="field-success" role="status">{format!("Invoice {number} added.")}</p>
                                }))}
                                {(i.total > i.invoices.len() as u64).then(|| view! {
                                    <p class="note">{format!("Showing the latest {} of {} invoices.", i.invoices.len(), i.total)}</p>
                                })}
                                <InvoiceList
                                    invoices=i.invoices.clone()
                                    pdf="/invoices"
                                    empty="No invoices yet. Add one with its PDF: once it is sent, the project's clients who may view invoices see it in their portal."
                                    actions=Some((status, delete))
                                />
                            }.into_any()
                        }
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    form.await.ok().map(|data| view! { <InvoiceComposer data outcome /> })
                })}
            </Suspense>
        </section>
    }
}

/// "New invoice": Invoice number, Amount, Currency, Due date, Status and Invoice PDF.
#[component]
fn InvoiceComposer(data: InvoiceFormData, outcome: Memo<AddOutcome>) -> impl IntoView {
    let InvoiceFormData { project_id, currencies, default_currency, default_due, max_bytes } = data;
    let o = outcome.get_untracked();
    let problem = |field: &str| o.problems.iter().find(|p| p.field() == field).map(|p| p.message(max_bytes));
    let currency = o.typed("currency").unwrap_or(default_currency);
    let status = o.typed("status").and_then(|s| InvoiceStatus::from_key(&s)).unwrap_or_default();
    let first_problem = o.problems.first().map(|p| p.field());
    // Sent back with problems: the focus goes to the first field to fix.
    let focus_first = move || {
        use wasm_bindgen::JsCast;
        if let Some(field) = first_problem
            && let Some(el) = document().get_element_by_id(&format!("invoice-{field}"))
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    };
    Effect::new(move |_| focus_first());
    let field = |id: &'static str, label: &'static str, input: AnyView, hint: Option<String>| {
        let error = problem(id);
        let error_id = format!("invoice-{id}-error");
        let hint_id = format!("invoice-{id}-hint");
        view! {
            <div class="field">
                <label for=format!("invoice-{id}")>{label}</label>
                {input}
                {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
                {error.map(|e| view! { <p class="field-error" id=error_id role="alert">{e}</p> })}
            </div>
        }
    };
    let described = |id: &str, hint: bool| {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("invoice-{id}-hint"));
        }
        if problem(id).is_some() {
            ids.push(format!("invoice-{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let invalid = |id: &str| problem(id).map(|_| "true");
    view! {
        <details class="composer" open=!o.problems.is_empty()>
            <summary class="btn btn-secondary">"New invoice"</summary>
            <form class="invoice-form" method="post" action=format!("/projects/{project_id}/invoices") enctype="multipart/form-data" novalidate>
                {(!o.problems.is_empty()).then(|| view! {
                    <p class="form-error" role="alert">"The invoice was not added. Fix what is marked below; choose the PDF again."</p>
                })}
                {field("number", "Invoice number", view! {
                    <input id="invoice-number" name="number" maxlength="40" autocomplete="off" required
                        value=o.typed("number").unwrap_or_default()
                        aria-describedby=described("number", false) aria-invalid=invalid("number") />
                }.into_any(), None)}
                <div class="field-row">
                    {field("amount", "Amount", view! {
                        <input id="invoice-amount" name="amount" inputmode="decimal" autocomplete="off" required maxlength="30"
                            value=o.typed("amount").unwrap_or_default()
                            aria-describedby=described("amount", false) aria-invalid=invalid("amount") />
                    }.into_any(), None)}
                    {field("currency", "Currency", view! {
                        <select id="invoice-currency" name="currency" aria-describedby=described("currency", false) aria-invalid=invalid("currency")>
                            {currencies.into_iter().map(|c| {
                                let selected = c.code == currency;
                                view! { <option value=c.code.clone() selected=selected>{format!("{} — {}", c.code, c.name)}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any(), None)}
                </div>
                {field("due_on", "Due date", view! {
                    <input id="invoice-due_on" name="due_on" type="date" required
                        value=o.typed("due_on").unwrap_or(default_due)
                        aria-describedby=described("due_on", false) aria-invalid=invalid("due_on") />
                }.into_any(), None)}
                {field("status", "Status", view! {
                    <select id="invoice-status" name="status" aria-describedby=described("status", true) aria-invalid=invalid("status")>
                        {InvoiceStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.key() selected=s == status>{s.label()}</option>
                        }).collect_view()}
                    </select>
                }.into_any(), Some("Clients see an invoice once it is Sent (or Paid); a Draft only the team sees.".to_string()))}
                {field("pdf", "Invoice PDF", view! {
                    <input id="invoice-pdf" name="file" type="file" accept=".pdf,application/pdf" required
                        aria-describedby=described("pdf", true) aria-invalid=invalid("pdf") />
                }.into_any(), Some(format!("A PDF, up to {}.", file_size(max_bytes))))}
                <button type="submit" class="btn btn-primary">"Add invoice"</button>
            </form>
        </details>
    }
}

/// The status badge of an invoice: Draft, Sent (Overdue when past its due date), Paid.
fn badge(i: &InvoiceRow) -> (&'static str, &'static str) {
    match (i.status, i.overdue) {
        (InvoiceStatus::Paid, _) => ("badge badge-success", "Paid"),
        (InvoiceStatus::Sent, true) => ("badge badge-danger", "Overdue"),
        (InvoiceStatus::Sent, false) => ("badge badge-info", "Sent"),
        (InvoiceStatus::Draft, _) => ("badge badge-muted", "Draft"),
    }
}

/// A list of invoices, newest first: number, amount, due date, status and the PDF; staff change
/// the status and delete.
#[component]
pub(crate) fn InvoiceList(
    invoices: Vec<InvoiceRow>,
    /// Where PDFs are: `<pdf>/<id>/pdf`.
    pdf: &'static str,
    empty: &'static str,
    actions: Option<(ServerAction<SetInvoiceStatus>, ServerAction<DeleteInvoice>)>,
) -> impl IntoView {
    if invoices.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="list invoice-list" aria-label="Invoices">
            {invoices.into_iter().map(|i| {
                let (class, label) = badge(&i);
                view! {
                    <li class="invoice">
                        <div class="invoice-main">
                            <p class="strong">{format!("Invoice {}", i.number)}</p>
                            <p class="invoice-amount">{i.amount.clone()}</p>
                            <p class="muted">{format!("Due {}", i.due)}</p>
                            // A file of the server, not a page of the app: the router leaves it
                            // to the browser.
                            <a href=format!("{pdf}/{}/pdf", i.id) rel="external" download>
                                "Download PDF"
                                <span class="visually-hidden">{format!(" of invoice {}", i.number)}</span>
                                {format!(" ({})", file_size(i.pdf_size))}
                            </a>
                        </div>
                        <span class=class>{label}</span>
                        {actions.map(|(status, delete)| view! { <InvoiceActions i=i.clone() status delete /> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The status changes an invoice offers, and Delete.
#[component]
fn InvoiceActions(
    i: InvoiceRow,
    status: ServerAction<SetInvoiceStatus>,
    delete: ServerAction<DeleteInvoice>,
) -> impl IntoView {
    let moves: &[(InvoiceStatus, &str)] = match i.status {
        InvoiceStatus::Draft => &[(InvoiceStatus::Sent, "Mark as sent")],
        InvoiceStatus::Sent => &[(InvoiceStatus::Paid, "Mark as paid"), (InvoiceStatus::Draft, "Back to draft")],
        InvoiceStatus::Paid => &[(InvoiceStatus::Sent, "Mark as unpaid")],
    };
    let changing = status.pending();
    let deleting = delete.pending();
    let number = i.number.clone();
    view! {
        <div class="invoice-actions">
            {moves.iter().map(|(to, label)| {
                let label = *label;
                let aria = format!("{label}: invoice {}", i.number);
                view! {
                    <ActionForm action=status>
                        <input type="hidden" name="invoice_id" value=i.id.to_string() />
                        <input type="hidden" name="status" value=to.key() />
                        <button type="submit" class="btn btn-secondary" disabled=move || changing.get()
                            aria-label=aria>{label}</button>
                    </ActionForm>
                }
            }).collect_view()}
            <details class="danger-zone">
                <summary>"Delete…"<span class="visually-hidden">{format!(" invoice {}", i.number)}</span></summary>
                <ActionForm action=delete>
                    <input type="hidden" name="invoice_id" value=i.id.to_string() />
                    <p>"Clients no longer see it; its PDF is removed."</p>
                    <button type="submit" class="btn btn-danger" disabled=move || deleting.get()
                        aria-label=format!("Delete invoice {number}")>"Delete invoice"</button>
                </ActionForm>
            </details>
        </div>
    }
}
