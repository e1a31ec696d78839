//! The Portal access page: contacts with status badges, the Invite client dialog, row actions.

use leptos::prelude::*;
use leptos_meta::Title;
use portico_core::model::{AccessPage, AccessStatus, PortalAccessRow, thousands};

use super::{
    CancelInvite, InviteClient, PortalAccess, ResendInvite, SendInvite, UnlockInvite, load_portal_access,
    picker::ContactPicker,
};
use crate::{
    components::{
        Done, FieldError, FormError, LoadError, Pager, RowMenu, StaffFrame, StatusBadge, list_summary, toast_outcome,
        toasts,
    },
    dialog::{Confirm, Modal},
    error::AppError,
    loading::load,
    login_links::{BulkBar, LoginTools, MagicLinkDialog, MatchList, Matching, SelectClient},
    projects::id_param,
};

#[component]
pub fn PortalAccessPage() -> impl IntoView {
    let invite = ServerAction::<InviteClient>::new();
    let send = ServerAction::<SendInvite>::new();
    let resend = ServerAction::<ResendInvite>::new();
    let cancel = ServerAction::<CancelInvite>::new();
    let unlock = ServerAction::<UnlockInvite>::new();
    let tools = LoginTools::new();
    let actions = RowActions { send, resend, cancel, unlock, tools };
    toast_outcome(unlock.value(), Done::InvitationUnlocked.message());
    toast_outcome(send.value(), Done::InvitationSent.message());
    toast_outcome(resend.value(), Done::InvitationSentAgain.message());
    toast_outcome(cancel.value(), Done::InvitationCancelled.message());
    // The Invite client dialog is a page state (`?invite`): "Invite client" is a link, so it
    // works before and without the wasm, which then only enhances it. Owned by the page, not
    // the dialog: the list below re-renders after each invite, and an effect inside it would
    // fire again for the same result.
    let query = leptos_router::hooks::use_query_map();
    let dialog_open = Signal::derive(move || query.read().get("invite").is_some());
    // "Send a digital form with the invitation" offers the organization's forms.
    let forms = load(|| (), |_| crate::forms::load_form_choices());
    let navigate = leptos_router::hooks::use_navigate();
    let queue = toasts().source();
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            if let Some(id) = id_param("id") {
                navigate(&format!("/projects/{id}/portal"), Default::default());
            }
            queue.show(Done::InvitationSent.message());
        }
    });
    // Another search or status is another selection: "all N matching" meant the old filter.
    Effect::new(move |before: Option<[String; 2]>| {
        let filter = list_filter(&query.read());
        if before.is_some_and(|b| b != filter) {
            tools.clear();
        }
        filter
    });
    // The list's place and filter live in the address (`?status=&q=&cursor=&per=`): a page
    // can be bookmarked, reloaded and paged without the wasm.
    let list_query = move || {
        let q = query.read();
        let part = |k: &str| q.get(k).unwrap_or_default();
        [part("status"), part("q"), part("cursor"), part("per")]
    };
    let data = load(
        move || {
            (
                id_param("id"),
                list_query(),
                invite.version().get(),
                send.version().get(),
                resend.version().get(),
                cancel.version().get(),
                unlock.version().get(),
                tools.refresh.get(),
            )
        },
        |(id, [status, q, cursor, per], ..)| async move {
            match id {
                Some(id) => load_portal_access(id, status, q, cursor, per).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Portal access" />
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(access) => view! { <PortalAccessBody access dialog_open invite actions forms /> }.into_any(),
                    }
                })}
            </Suspense>
            <MagicLinkDialog tools />
        </StaffFrame>
    }
}

/// What a row of the list can do.
#[derive(Clone, Copy)]
struct RowActions {
    send: ServerAction<SendInvite>,
    resend: ServerAction<ResendInvite>,
    cancel: ServerAction<CancelInvite>,
    unlock: ServerAction<UnlockInvite>,
    tools: LoginTools,
}

#[component]
fn PortalAccessBody(
    access: PortalAccess,
    dialog_open: Signal<bool>,
    invite: ServerAction<InviteClient>,
    actions: RowActions,
    forms: crate::loading::Loaded<Result<Vec<portico_core::model::FormChoice>, AppError>>,
) -> impl IntoView {
    let page = access.page;
    // Every row can be selected: the confirmation says who an action leaves out, and why.
    let selectable: Vec<i64> = page.rows.iter().map(|r| r.client_id).collect();
    // "Cancel invite" asks first: the row menu links to `?cancel=<invitation>`, which shows
    // this confirmation (a page state, so it works before and without the wasm).
    let query = leptos_router::hooks::use_query_map();
    let cancellable = StoredValue::new(
        page.rows
            .iter()
            .filter(|r| r.status == AccessStatus::Invited)
            .filter_map(|r| r.invitation_id.map(|id| (id, r.name.clone())))
            .collect::<Vec<_>>(),
    );
    let confirming = move || {
        let id = query.read().get("cancel").and_then(|id| id.parse::<i64>().ok())?;
        cancellable.read_value().iter().find(|(inv, _)| *inv == id).cloned()
    };
    let project_id = access.project.id;
    let project_name = access.project.name.clone();
    view! {
        <nav aria-label="Breadcrumb" class="crumbs">
            <a href="/projects">"Projects"</a>
            " › "
            <a href=format!("/projects/{project_id}")>{project_name.clone()}</a>
        </nav>
        <div class="page-head">
            <div>
                <h1>"Portal access"</h1>
                <p class="lead">{project_name}</p>
            </div>
            <div class="row-actions">
                <a class="btn btn-secondary" href=format!("/clients/new?project={project_id}")>"Add client"</a>
                <a class="btn btn-primary invite-button" href=format!("/projects/{project_id}/portal?invite")>
                    "Invite client"
                </a>
            </div>
        </div>
        {move || confirming().map(|(invitation_id, name)| view! { <ConfirmCancel invitation_id name project_id cancel=actions.cancel /> })}
        <section class="card" aria-label="Contacts with portal access">
            {if page.total() == 0 {
                view! {
                    <div class="empty">
                        <p class="strong">"No one has access yet."</p>
                        <p>"Invite your client: they get an email with a link and sign in with a one-time code, no account needed."</p>
                    </div>
                }
                    .into_any()
            } else {
                let (rows, prev, next) = (page.rows.clone(), page.prev.clone(), page.next.clone());
                view! {
                    <ListFilter page=page.clone() project_id />
                    {if rows.is_empty() {
                        view! {
                            <div class="empty">
                                <p class="strong">"No clients match."</p>
                                <p><a href=format!("/projects/{project_id}/portal")>"Show everyone"</a></p>
                            </div>
                        }
                            .into_any()
                    } else {
                        let [status, q] = list_filter(&query.read_untracked());
                        let matching =
                            Matching { list: MatchList::Project(project_id), status, q, count: page.matching, bound: page.matching_is_bound };
                        view! {
                            <BulkBar tools=actions.tools all=selectable matching project=Some(project_id) />
                            <ul class="list access-list">
                                {rows.into_iter().map(|row| view! { <AccessRow row project_id actions /> }).collect_view()}
                            </ul>
                            <Pager path=format!("/projects/{project_id}/portal") prev next />
                        }
                            .into_any()
                    }}
                }
                    .into_any()
            }}
        </section>
        <InviteDialog open=dialog_open project_id invite forms />
    }
}

/// The list's filter as the address has it: `status` and `q` (empty when absent).
fn list_filter(query: &leptos_router::params::ParamsMap) -> [String; 2] {
    [query.get("status").unwrap_or_default(), query.get("q").unwrap_or_default()]
}

/// Search and status filter above the list: a GET form, so it works before and without the
/// wasm; the status menu names how many contacts have each status (maintained counts).
#[component]
fn ListFilter(page: AccessPage, project_id: i64) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let current = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let (q, status) = (current("q"), current("status"));
    let total = page.total();
    let shown = list_summary(page.rows.len(), page.matching, page.matching_is_bound, ("client", "clients"));
    view! {
        <leptos_router::components::Form method="GET" on_form_data=crate::components::without_unnamed_field() action=format!("/projects/{project_id}/portal") attr:class="list-filter" attr:role="search" attr:aria-label="Find clients">
            <div class="field">
                <label for="access-search">"Search clients"</label>
                // The address is the truth: after "Show everyone" or Back the fields follow it.
                <input id="access-search" name="q" type="search" value=q maxlength="100" placeholder="Name or email"
                    prop:value=move || query.read().get("q").unwrap_or_default() />
            </div>
            <div class="field">
                <label for="access-status">"Status"</label>
                <select id="access-status" name="status" prop:value=move || query.read().get("status").unwrap_or_default()>
                    <option value="" selected=status.is_empty()>{format!("All statuses ({})", thousands(total))}</option>
                    {page.counts.iter().map(|(s, n)| {
                        view! { <option value=s.key() selected=status == s.key()>{format!("{} ({})", s.label(), thousands(*n))}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-secondary">"Search"</button>
        </leptos_router::components::Form>
        <p class="muted list-summary" aria-live="polite">{shown}</p>
    }
}

/// "Cancel the invitation for …?": the one step between the row menu and a dead link.
#[component]
fn ConfirmCancel(
    invitation_id: i64,
    name: String,
    project_id: i64,
    cancel: ServerAction<CancelInvite>,
) -> impl IntoView {
    let back = format!("/projects/{project_id}/portal");
    view! {
        <Confirm
            title=format!("Cancel the invitation for {name}?")
            text="Their link stops working at once. You can send a new invitation later."
            back=back.clone()
        >
            <div class="actions">
                <ActionForm action=cancel>
                    <input type="hidden" name="invitation_id" value=invitation_id.to_string() />
                    <button type="submit" class="btn btn-danger" autofocus>"Cancel invite"</button>
                </ActionForm>
                <a class="btn btn-secondary" href=back>"Keep invitation"</a>
            </div>
        </Confirm>
    }
}

#[component]
fn AccessRow(row: PortalAccessRow, project_id: i64, actions: RowActions) -> impl IntoView {
    let RowActions { send, resend, unlock, tools, .. } = actions;
    let invitation_id = row.invitation_id.unwrap_or_default();
    let client_id = row.client_id;
    let name = row.name.clone();
    let status = row.status;
    let primary = match status {
        // A cancelled invitation is over: what staff do next is a new one.
        AccessStatus::NotInvited | AccessStatus::Cancelled => view! {
            <ActionForm action=send>
                <input type="hidden" name="project_id" value=project_id.to_string() />
                <input type="hidden" name="client_id" value=client_id.to_string() />
                <button type="submit" class="btn btn-secondary" aria-label=format!("Send invite to {name}")>"Send invite"</button>
            </ActionForm>
        }
            .into_any(),
        AccessStatus::Invited | AccessStatus::Expired => {
            let waiting = row.resend_available.clone();
            let hint_id = format!("resend-hint-{client_id}");
            view! {
                <ActionForm action=resend>
                    <input type="hidden" name="invitation_id" value=invitation_id.to_string() />
                    <button type="submit" class="btn btn-secondary" aria-label=format!("Resend invite to {name}")
                        disabled=waiting.is_some() aria-describedby=waiting.as_ref().map(|_| hint_id.clone())>
                        "Resend invite"
                    </button>
                    {waiting.map(|w| view! { <span class="note" id=hint_id>{w}</span> })}
                </ActionForm>
            }
                .into_any()
        }
        AccessStatus::Locked => view! {
            <ActionForm action=unlock>
                <input type="hidden" name="invitation_id" value=invitation_id.to_string() />
                <button type="submit" class="btn btn-secondary" aria-label=format!("Unlock invitation of {name}")>"Unlock"</button>
            </ActionForm>
        }
            .into_any(),
        AccessStatus::Active | AccessStatus::Deactivated => ().into_any(),
    };
    let can_sign_in = row.may_sign_in;
    let menu = {
        view! {
            <RowMenu label=format!("More actions for {}", row.name)>
                <a class="menu-item" href=format!("/projects/{project_id}/clients/{client_id}/permissions")>"Customize permissions for this user"</a>
                {can_sign_in.then(|| view! {
                    <button type="button" class="menu-item" on:click=move |_| tools.generate(client_id)>"Generate magic link"</button>
                    <button type="button" class="menu-item" on:click=move |_| tools.send(vec![client_id])>"Send login email"</button>
                })}
                {(status == AccessStatus::Invited).then(|| view! {
                    <a class="menu-item danger" href=format!("/projects/{project_id}/portal?cancel={invitation_id}")>"Cancel invite"</a>
                })}
            </RowMenu>
        }
    };
    view! {
        <li class="list-row access-row">
            <SelectClient tools client_id name=row.name.clone() />
            <div class="list-main">
                <a class="strong" href=format!("/clients/{client_id}")>{row.name.clone()}</a>
                <span class="muted">{row.email}</span>
                {row.phone.map(|p| view! { <span class="muted">{p}</span> })}
            </div>
            <div class="status-cell">
                <StatusBadge status=row.status />
                <span class="note">{row.note}</span>
            </div>
            <div class="row-actions">{primary} {menu}</div>
        </li>
    }
}

#[component]
fn InviteDialog(
    open: Signal<bool>,
    project_id: i64,
    invite: ServerAction<InviteClient>,
    forms: crate::loading::Loaded<Result<Vec<portico_core::model::FormChoice>, AppError>>,
) -> impl IntoView {
    let result = invite.value();
    let pending = invite.pending();
    let existing = RwSignal::new(String::new());
    // The contact search needs the wasm; before it, the new-contact fields find a known
    // address's contact too.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // After a sent invite the dialog starts empty the next time it opens.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = result.get()
            && let Some(form) = form.get_untracked()
        {
            form.reset();
            existing.set(String::new());
        }
    });
    let close_href = format!("/projects/{project_id}/portal");
    let navigate = leptos_router::hooks::use_navigate();
    let close = {
        let close_href = close_href.clone();
        move || {
            result.set(None);
            navigate(&close_href, Default::default());
        }
    };
    let new_contact = move || existing.get().is_empty();
    view! {
        <Modal open labelled_by="invite-title" on_close=move |()| close()>
            <h2 id="invite-title">"Invite client"</h2>
            <p class="hint">"They receive an email with a link to the portal and sign in with a one-time code."</p>
            <ActionForm action=invite node_ref=form attr:novalidate=true>
                <input type="hidden" name="project_id" value=project_id.to_string() />
                <FormError result fields=&["existing", "client_id", "name", "email", "phone", "form_id"] />
                <input type="hidden" name="existing" prop:value=move || existing.get() />
                {move || hydrated.get().then(|| view! { <ContactPicker project_id existing /> })}
                <FieldError result field="existing" id="existing-error" />
                <fieldset class="new-contact" hidden=move || !new_contact() disabled=move || !new_contact()>
                    <legend>"New contact"</legend>
                    <div class="field">
                        <label for="invite-name">"Name"</label>
                        <input id="invite-name" name="name" autocomplete="off" maxlength="200" aria-describedby="invite-name-error" />
                        <FieldError result field="name" id="invite-name-error" />
                    </div>
                    <div class="field">
                        <label for="invite-email">"Email"</label>
                        <input id="invite-email" name="email" type="email" autocomplete="off" aria-describedby="invite-email-error" />
                        <FieldError result field="email" id="invite-email-error" />
                    </div>
                    <div class="field">
                        <label for="invite-phone">"Phone (optional)"</label>
                        <input id="invite-phone" name="phone" type="tel" autocomplete="off" aria-describedby="invite-phone-hint invite-phone-error" />
                        <p class="hint" id="invite-phone-hint">"With country code, for example +44 20 7946 0000. Kept on the client's record."</p>
                        <FieldError result field="phone" id="invite-phone-error" />
                    </div>
                </fieldset>
                {move || (!new_contact()).then(|| view! {
                    <input type="hidden" name="name" value="" />
                    <input type="hidden" name="email" value="" />
                    <input type="hidden" name="phone" value="" />
                })}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        forms.await.ok().filter(|f| !f.is_empty()).map(|forms| view! {
                            <div class="field">
                                <label for="invite-form">"Send a digital form with the invitation"</label>
                                <select id="invite-form" name="form_id" aria-describedby="invite-form-hint invite-form-error">
                                    <option value="">"No form: send the invite alone"</option>
                                    {forms.into_iter().map(|f| view! { <option value=f.id.to_string()>{f.name}</option> }).collect_view()}
                                </select>
                                <p class="hint" id="invite-form-hint">"They fill it in first when they open the portal."</p>
                                <FieldError result field="form_id" id="invite-form-error" />
                            </div>
                        })
                    })}
                </Suspense>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Sending…" } else { "Send invite" }}
                    </button>
                    <a class="btn btn-quiet" href=close_href.clone()>"Cancel"</a>
                </div>
            </ActionForm>
        </Modal>
    }
}
