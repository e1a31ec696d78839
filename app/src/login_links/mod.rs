//! Other ways in, handed out by staff: "Generate magic link" (a short-lived, single-use link
//! to copy) and "Send login email" (a one-click sign-in email) to one client or to many
//! selected at once, with the selection checkboxes the lists share.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{BulkAction, BulkPreview, JobPage, LoginEmailReport, MagicLink};

use crate::{
    components::{CopyButton, FormError, list_href, list_state, toasts},
    dialog::Modal,
    error::AppError,
    jobs::{JobProgress, PreviewBulkAction, StartBulkAction, follow, load_job, preview_bulk_action},
    loading::load,
};

/// The form the bulk bar and every row's checkbox belong to: before (and without) the wasm,
/// ticking rows and pressing an action submits it, and the list page comes back with the
/// confirmation open (`?bulk=<action>&selected=<id>…`, see `AskedBulk`).
const BULK_FORM: &str = "bulk-form";

#[server(output = Postcard)]
pub async fn generate_magic_link(client_id: i64) -> Result<MagicLink, AppError> {
    use portico_core::{domain::ClientId, magic_links};
    let staff = crate::server::staff().await?;
    Ok(magic_links::generate(&crate::server::portico()?, &staff, ClientId(client_id), crate::server::client_ip())
        .await?)
}

/// "Send login email" on a client's page (one id), or to a few ticked clients; a selection of
/// many, or "all matching", runs as a bulk job (`start_bulk_action`).
#[server(output = Postcard)]
pub async fn send_login_email(#[server(default)] client_ids: Vec<i64>) -> Result<LoginEmailReport, AppError> {
    use portico_core::{domain::ClientId, magic_links};
    let staff = crate::server::staff().await?;
    crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    let portico = crate::server::portico()?;
    let ids: Vec<ClientId> = client_ids.into_iter().map(ClientId).collect();
    Ok(magic_links::send_login_emails(&portico, &staff, &ids, crate::server::client_ip()).await?)
}

/// Which list a "Select all N matching" filter belongs to.
#[derive(Clone, Debug, PartialEq)]
pub enum MatchList {
    /// A project's Portal access.
    Project(i64),
    /// The Clients page, with its `view`, `project` and `customer` filters as the address has them.
    Clients { view: String, project: String, customer: String },
}

/// The filter a list page is showing, for "Select all N matching": the list, the address's
/// `status` and `q`, and how many rows match (`bound`: only "at least").
#[derive(Clone, Debug, PartialEq)]
pub struct Matching {
    pub list: MatchList,
    pub status: String,
    pub q: String,
    pub count: u64,
    pub bound: bool,
}

impl Matching {
    fn label(&self) -> String {
        let plus = if self.bound { "+" } else { "" };
        format!("{}{plus}", portico_core::model::thousands(self.count))
    }
}

/// A bulk action over a selection, as the confirmation previews it and the job starts it (the
/// arguments of `preview_bulk_action` and `start_bulk_action`).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkRequest {
    pub action: BulkAction,
    pub client_ids: Vec<i64>,
    pub matching_clients: bool,
    pub matching_project: Option<i64>,
    pub scope_project: Option<i64>,
    pub view: String,
    pub project: String,
    pub customer: String,
    pub status: String,
    pub q: String,
}

impl BulkRequest {
    fn new(action: BulkAction, scope_project: Option<i64>) -> Self {
        BulkRequest {
            action,
            client_ids: Vec::new(),
            matching_clients: false,
            matching_project: None,
            scope_project,
            view: String::new(),
            project: String::new(),
            customer: String::new(),
            status: String::new(),
            q: String::new(),
        }
    }

    /// The selection is the filter a list shows ("Select all N matching"), not ticked rows.
    fn select_matching(&mut self, m: &Matching) {
        self.client_ids.clear();
        self.status = m.status.clone();
        self.q = m.q.clone();
        match &m.list {
            MatchList::Project(id) => self.matching_project = Some(*id),
            MatchList::Clients { view, project, customer } => {
                self.matching_clients = true;
                self.view = view.clone();
                self.project = project.clone();
                self.customer = customer.clone();
            }
        }
    }

    fn preview(&self) -> PreviewBulkAction {
        let r = self.clone();
        PreviewBulkAction {
            action: r.action.key().into(),
            client_ids: r.client_ids,
            matching_clients: r.matching_clients,
            matching_project: r.matching_project,
            scope_project: r.scope_project,
            view: r.view,
            project: r.project,
            customer: r.customer,
            status: r.status,
            q: r.q,
        }
    }

    fn start(&self, request_key: String) -> StartBulkAction {
        let r = self.clone();
        StartBulkAction {
            action: r.action.key().into(),
            request_key,
            client_ids: r.client_ids,
            matching_clients: r.matching_clients,
            matching_project: r.matching_project,
            scope_project: r.scope_project,
            view: r.view,
            project: r.project,
            customer: r.customer,
            status: r.status,
            q: r.q,
        }
    }
}

/// The actions and the selection of a page that lists clients.
#[derive(Clone, Copy)]
pub struct LoginTools {
    pub magic: ServerAction<GenerateMagicLink>,
    pub login: ServerAction<SendLoginEmail>,
    /// What a bulk action would do, for its confirmation.
    pub preview: ServerAction<PreviewBulkAction>,
    /// A confirmed bulk action: a job, followed in the confirmation dialog.
    pub bulk: ServerAction<StartBulkAction>,
    /// Made once per submission that starts a job: a double click or a retry sends the same
    /// key and the server answers the job the first one started.
    pub request_key: RwSignal<String>,
    /// The bulk action being confirmed or followed (the dialog is open while it is set).
    pub asking: RwSignal<Option<BulkRequest>>,
    /// Bumped when a bulk job ends, so the list shows what it changed.
    pub refresh: RwSignal<u32>,
    pub selected: RwSignal<Vec<i64>>,
    /// "Select all N matching" is on: the selection is the page's filter, not the ticked rows.
    pub all_matching: RwSignal<bool>,
}

impl LoginTools {
    /// Creates the actions; results show as toasts, a generated link in its dialog.
    pub fn new() -> Self {
        let tools = Self {
            magic: ServerAction::new(),
            login: ServerAction::new(),
            preview: ServerAction::new(),
            bulk: ServerAction::new(),
            request_key: RwSignal::new(request_key()),
            asking: RwSignal::new(None),
            refresh: RwSignal::new(0),
            selected: RwSignal::new(Vec::new()),
            all_matching: RwSignal::new(false),
        };
        // Read before hydration sets the boxes from the (empty) selection, counted once it is
        // done: the page must hydrate as the server rendered it.
        let (ticked, everyone) = ticked_before_hydration();
        if !ticked.is_empty() || everyone {
            Effect::new(move |_| {
                tools.selected.set(ticked.clone());
                tools.all_matching.set(everyone);
            });
        }
        Effect::new(move |_| {
            if tools.bulk.value().with(|v| matches!(v, Some(Ok(_)))) {
                // The next confirmed submission is another request.
                tools.request_key.set(request_key());
            }
        });
        let said = toasts().source();
        Effect::new(move |_| match tools.login.value().get() {
            Some(Ok(report)) => {
                tools.clear();
                said.show(report.summary());
            }
            Some(Err(e)) => said.error(&e),
            None => {}
        });
        let said = toasts().source();
        Effect::new(move |_| {
            if let Some(Err(e)) = tools.magic.value().get() {
                said.error(&e);
            }
        });
        tools
    }

    pub fn generate(self, client_id: i64) {
        self.magic.dispatch(GenerateMagicLink { client_id });
    }

    pub fn send(self, client_ids: Vec<i64>) {
        self.login.dispatch(SendLoginEmail { client_ids });
    }

    /// Asks to confirm `action` over what is selected (the ticked rows, or the filter when
    /// "Select all N matching" is on), on a list whose invitation actions are limited to
    /// `project` when it has one.
    fn ask(self, action: BulkAction, matching: Option<&Matching>, project: Option<i64>) {
        let mut request = BulkRequest::new(action, project);
        match matching.filter(|_| self.all_matching.get_untracked()) {
            Some(m) => request.select_matching(m),
            None => request.client_ids = self.selected.get_untracked(),
        }
        self.bulk.clear();
        self.preview.dispatch(request.preview());
        self.asking.set(Some(request));
    }

    /// Closes the bulk dialog; after a job, forgets the selection and reloads the list.
    fn close_bulk(self) {
        if self.bulk.value().with_untracked(|v| matches!(v, Some(Ok(_)))) {
            self.clear();
            self.refresh.update(|n| *n += 1);
        }
        self.asking.set(None);
        self.bulk.clear();
        self.preview.clear();
    }

    /// Forgets the selection (after a send, or when the list shows another filter).
    pub fn clear(self) {
        self.selected.set(Vec::new());
        self.all_matching.set(false);
    }
}

impl Default for LoginTools {
    fn default() -> Self {
        Self::new()
    }
}

/// The rows ticked on the server-rendered page before the wasm took over, and whether
/// "Select all N matching" was, so they stay ticked and counted instead of being reset to the
/// (empty) selection. Only the first page the browser loads has such boxes: later pages are
/// rendered in the browser.
fn ticked_before_hydration() -> (Vec<i64>, bool) {
    #[cfg(feature = "hydrate")]
    {
        use std::sync::atomic::{AtomicBool, Ordering};
        use wasm_bindgen::JsCast;
        static TAKEN: AtomicBool = AtomicBool::new(false);
        if TAKEN.swap(true, Ordering::Relaxed) {
            return (Vec::new(), false);
        }
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return (Vec::new(), false);
        };
        let boxes = |selector: &str| -> Vec<web_sys::HtmlInputElement> {
            let Ok(list) = document.query_selector_all(selector) else {
                return Vec::new();
            };
            (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
        };
        // "Select all" ticked: every row of the page.
        let page = boxes(&format!("#{BULK_FORM} input[name=page]")).iter().any(|b| b.checked());
        let everyone = boxes(&format!("#{BULK_FORM} input[name={ALL_MATCHING}]")).iter().any(|b| b.checked());
        let rows = boxes(&format!("input[form={BULK_FORM}][name=selected]"))
            .into_iter()
            .filter(|b| page || everyone || b.checked())
            .filter_map(|b| b.value().parse().ok())
            .collect();
        return (rows, everyone);
    }
    #[allow(unreachable_code)]
    (Vec::new(), false)
}

/// The bar's field for "Select all N matching" as a plain form sends it.
const ALL_MATCHING: &str = "all_matching";

/// A fresh idempotency key for a bulk submission: 128 random bits from the browser's
/// `crypto.getRandomValues` (it works on plain HTTP too, unlike `randomUUID`). The server
/// renders none: the browser makes the key when it submits.
pub(crate) fn request_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let mut bytes = [0u8; 16];
        let filled = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
            .is_some();
        if filled {
            return bytes.iter().map(|b| format!("{b:02x}")).collect();
        }
    }
    String::new()
}

/// The checkbox in a client's row.
#[component]
pub fn SelectClient(tools: LoginTools, client_id: i64, name: String) -> impl IntoView {
    let selected = tools.selected;
    view! {
        <input
            type="checkbox"
            class="select-box"
            form=BULK_FORM
            name="selected"
            value=client_id.to_string()
            aria-label=format!("Select {name}")
            prop:checked=move || selected.with(|s| s.contains(&client_id))
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                // Unticking a row narrows the selection back to the ticked rows.
                if !on {
                    tools.all_matching.set(false);
                }
                selected.update(|s| {
                    s.retain(|id| *id != client_id);
                    if on {
                        s.push(client_id);
                    }
                });
            }
        />
    }
}

/// "Select all" above a list, and the bulk actions for what is selected. "Select all" ticks
/// the page; when the list's filter matches more than the page shows (`matching`), "Select
/// all N matching" then selects the filter itself, which the server resolves.
///
/// The bar is a GET form (`BULK_FORM`) the rows' checkboxes belong to: before and without the
/// wasm an action button submits the ticked rows to this page, which opens the confirmation
/// (`AskedBulk`); with the wasm the buttons open the same confirmation in place.
#[component]
pub fn BulkBar(
    tools: LoginTools,
    all: Vec<i64>,
    #[prop(optional)] matching: Option<Matching>,
    /// The project the list is about (Portal access) or filtered on: invitation actions act
    /// on that project only; without one, on every project of each selected client.
    #[prop(optional_no_strip)]
    project: Option<i64>,
    /// The actions offered (all of them when not given).
    #[prop(optional)]
    actions: Option<&'static [BulkAction]>,
) -> impl IntoView {
    let (selected, all_matching) = (tools.selected, tools.all_matching);
    let total = all.len();
    let all = StoredValue::new(all);
    let count = move || selected.with(Vec::len);
    let page_selected = move || total != 0 && count() == total;
    // Only worth offering when the filter reaches beyond this page.
    let matching = StoredValue::new(matching.filter(|m| m.bound || m.count > total as u64));
    let everyone = matching.with_value(|m| m.as_ref().map(Matching::label)).unwrap_or_default();
    let offer = move || page_selected() && !all_matching.get() && matching.with_value(Option::is_some);
    let nothing = move || count() == 0 && !all_matching.get();
    // Until the wasm runs the buttons submit the form, so they cannot wait for a selection.
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    let query = leptos_router::hooks::use_query_map();
    let path = leptos_router::hooks::use_location().pathname;
    // The list's filter and page, carried through the form's submission and "Go back".
    let kept = Memo::new(move |_| query.with(list_state));
    let asked = Memo::new(move |_| query.with(asked_bulk));
    // "Select all" before the wasm: the rows as this page shows them, not as they are later.
    let shown = all.with_value(|ids| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    view! {
        <form
            id=BULK_FORM
            class="bulk-bar"
            method="get"
            action=move || path.get()
            role="group"
            aria-label="Bulk actions"
            // Enter on a row's box would submit the form with its first action (implicit
            // submission): the actions are buttons, chosen by clicking them.
            on:keydown=|ev| {
                if ev.key() == "Enter" && event_target::<web_sys::Element>(&ev).tag_name() == "INPUT" {
                    ev.prevent_default();
                }
            }
        >
            {move || kept.with(|q| q.iter().map(|(k, v)| view! { <input type="hidden" name=*k value=v.clone() /> }).collect_view())}
            <label class="choice-row">
                <input
                    type="checkbox"
                    class="select-box"
                    name="page"
                    value=shown
                    prop:checked=page_selected
                    prop:indeterminate=move || { count() != 0 && count() != total }
                    on:change=move |ev| {
                        let everyone = if event_target_checked(&ev) { all.get_value() } else { Vec::new() };
                        all_matching.set(false);
                        selected.set(everyone);
                    }
                />
                <span>"Select all"</span>
            </label>
            <span class="muted" aria-live="polite">{
                let everyone = everyone.clone();
                move || match count() {
                    _ if all_matching.get() => format!("All {everyone} matching selected"),
                    0 => String::new(),
                    1 => "1 selected".to_string(),
                    n => format!("{n} selected"),
                }
            }</span>
            // Before (and without) the wasm nothing can offer it after "Select all" is ticked:
            // a box the form sends, which selects the filter. Once the wasm runs, the button.
            {matching.with_value(Option::is_some).then(|| view! {
                <label class="choice-row" hidden=move || running.get()>
                    <input type="checkbox" class="select-box" name=ALL_MATCHING value="1" />
                    <span>{format!("Select all {everyone} matching")}</span>
                </label>
            })}
            <Show when=move || running.get() && offer()>
                <button type="button" class="btn btn-quiet" on:click=move |_| all_matching.set(true)>
                    {format!("Select all {everyone} matching")}
                </button>
            </Show>
            <Show when=move || all_matching.get()>
                <button type="button" class="btn btn-quiet" on:click=move |_| tools.clear()>"Clear selection"</button>
            </Show>
            <div class="bulk-actions">
                {actions.unwrap_or(&BulkAction::ALL).iter().map(|&action| view! {
                    <button
                        type="submit"
                        name="bulk"
                        value=action.key()
                        class="btn btn-secondary"
                        disabled=move || running.get() && nothing()
                        on:click=move |ev| {
                            ev.prevent_default();
                            matching.with_value(|m| tools.ask(action, m.as_ref(), project));
                        }
                    >
                        {action.label()}
                    </button>
                }).collect_view()}
            </div>
        </form>
        <BulkDialog tools />
        {move || asked.get().map(|(action, client_ids, everyone)| {
            let mut request = BulkRequest::new(action, project);
            request.client_ids = client_ids;
            if everyone {
                matching.with_value(|m| m.as_ref().map(|m| request.select_matching(m)));
            }
            let cursor = query.with_untracked(|q| q.get("cursor")).map(|c| ("cursor", c));
            let back = query.with_untracked(|q| list_href(&path.get_untracked(), q, &[], &Vec::from_iter(cursor)));
            view! { <AskedBulk request back /> }
        })}
    }
}

/// The bulk action the address asks to confirm (`bulk`, submitted by the bar's form) and the
/// clients it is for: the rows ticked (`selected`) and, with "Select all" (`page`), the rows
/// the page showed; or, with "Select all N matching" (`all_matching`), the list's filter.
fn asked_bulk(query: &leptos_router::params::ParamsMap) -> Option<(BulkAction, Vec<i64>, bool)> {
    let action = BulkAction::from_key(&query.get("bulk")?)?;
    let page = query.get("page").unwrap_or_default();
    let mut ids: Vec<i64> = query
        .get_all("selected")
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .chain(page.split(','))
        .filter_map(|id| id.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some((action, ids, query.get(ALL_MATCHING).is_some()))
}

/// The confirmation of a bulk action as a page state (the bar's form submitted before or
/// without the wasm): what it would do, and a plain form that starts the job and opens its
/// page. The idempotency key is made with the confirmation, so submitting it twice starts one
/// job.
#[component]
fn AskedBulk(request: BulkRequest, back: String) -> impl IntoView {
    let start = ServerAction::<StartBulkAction>::new();
    let navigate = leptos_router::hooks::use_navigate();
    let to_job = navigate.clone();
    Effect::new(move |_| {
        if let Some(Ok(job)) = start.value().get() {
            to_job(&format!("/jobs/{job}"), Default::default());
        }
    });
    let action = request.action;
    let (client_ids, scope_project) = (request.client_ids.clone(), request.scope_project);
    // "Select all N matching": the filter goes with the confirmation, never the ids.
    let filter: Vec<(&'static str, String)> = {
        let r = &request;
        let mut f = Vec::new();
        if r.matching_clients {
            f.push(("matching_clients", "true".to_string()));
        }
        if let Some(p) = r.matching_project {
            f.push(("matching_project", p.to_string()));
        }
        for (name, value) in
            [("view", &r.view), ("project", &r.project), ("customer", &r.customer), ("status", &r.status), ("q", &r.q)]
        {
            if !value.is_empty() {
                f.push((name, value.clone()));
            }
        }
        f
    };
    let data = load(
        move || request.clone(),
        |r| async move {
            let p = r.preview();
            let preview = preview_bulk_action(
                p.action,
                p.client_ids,
                p.matching_clients,
                p.matching_project,
                p.scope_project,
                p.view,
                p.project,
                p.customer,
                p.status,
                p.q,
            )
            .await?;
            Ok::<_, AppError>((preview, fresh_request_key()))
        },
    );
    let go_back = back.clone();
    let keep = move |()| navigate(&go_back, Default::default());
    view! {
        <Modal open=true alert=true labelled_by="asked-bulk-title" described_by="asked-bulk-text" on_close=keep>
            <h2 id="asked-bulk-title">{action.label()}</h2>
            <Suspense fallback=|| view! { <p id="asked-bulk-text" class="loading">"Counting what this would do…"</p> }>
                {move || {
                    let (back, client_ids, filter) = (back.clone(), client_ids.clone(), filter.clone());
                    Suspend::new(async move {
                        match data.await {
                            Err(e) => view! {
                                <p id="asked-bulk-text" class="error" role="alert">{e.to_string()}</p>
                                <div class="actions">
                                    <a class="btn btn-secondary" href=back autofocus>"Go back"</a>
                                </div>
                            }
                                .into_any(),
                            Ok((p, key)) => view! {
                                <p id="asked-bulk-text">{p.sentence}</p>
                                <ActionForm action=start>
                                    <input type="hidden" name="action" value=action.key() />
                                    <input type="hidden" name="request_key" value=key />
                                    {client_ids.iter().map(|id| view! { <input type="hidden" name="client_ids[]" value=id.to_string() /> }).collect_view()}
                                    {scope_project.map(|id| view! { <input type="hidden" name="scope_project" value=id.to_string() /> })}
                                    {filter.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()}
                                    <FormError result=start.value() fields=&[] />
                                    <div class="actions">
                                        {(p.acting > 0).then(|| view! {
                                            <button type="submit" class=action_class(action) disabled=move || start.pending().get()>{action.label()}</button>
                                        })}
                                        <a class="btn btn-secondary" href=back autofocus=p.acting == 0>"Go back"</a>
                                    </div>
                                </ActionForm>
                            }
                                .into_any(),
                        }
                    })
                }}
            </Suspense>
        </Modal>
    }
}

/// The confirming button of an action: red for what takes access away.
fn action_class(action: BulkAction) -> &'static str {
    if action == BulkAction::Deactivate || action == BulkAction::CancelInvite {
        "btn btn-danger"
    } else {
        "btn btn-primary"
    }
}

/// An idempotency key made where the confirmation is rendered: on the server for a page the
/// server renders, else in the browser.
fn fresh_request_key() -> String {
    #[cfg(feature = "ssr")]
    return portico_core::secrets::random_hex16();
    #[cfg(not(feature = "ssr"))]
    request_key()
}

/// The confirmation of a bulk action, then its job's progress and result: it says exactly
/// what will happen ("Send 243 invitations. 12 already active will be skipped."), starts the
/// job on the action's button, follows it to the end, and links to the job's page.
#[component]
fn BulkDialog(tools: LoginTools) -> impl IntoView {
    let asking = tools.asking;
    let open = Signal::derive(move || asking.with(Option::is_some));
    let title = move || asking.with(|a| a.as_ref().map(|r| r.action.label()).unwrap_or_default());
    let started = move || tools.bulk.value().with(|v| v.as_ref().and_then(|r| r.as_ref().ok().copied()));
    view! {
        <Modal open labelled_by="bulk-title" described_by="bulk-text" alert=true on_close=move |()| tools.close_bulk()>
            <h2 id="bulk-title">{title}</h2>
            {move || match started() {
                Some(job) => view! { <BulkJob tools job /> }.into_any(),
                None => view! { <BulkConfirm tools /> }.into_any(),
            }}
        </Modal>
    }
}

#[component]
fn BulkConfirm(tools: LoginTools) -> impl IntoView {
    let preview = tools.preview.value();
    let starting = tools.bulk.pending();
    let start = move || {
        if let Some(request) = tools.asking.get_untracked() {
            tools.bulk.dispatch(request.start(tools.request_key.get_untracked()));
        }
    };
    let failed = move || tools.bulk.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(|e| e.to_string())));
    view! {
        {move || match preview.get() {
            None => view! { <p id="bulk-text" class="loading">"Counting what this would do…"</p> }.into_any(),
            Some(Err(e)) => view! {
                <p id="bulk-text" class="error" role="alert">{e.to_string()}</p>
                <div class="actions">
                    <button type="button" class="btn btn-secondary" autofocus on:click=move |_| tools.close_bulk()>"Go back"</button>
                </div>
            }
                .into_any(),
            Some(Ok(p)) => {
                let BulkPreview { action, acting, sentence, .. } = p;
                view! {
                    <p id="bulk-text">{sentence}</p>
                    {move || failed().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <div class="actions">
                        {(acting > 0).then(|| view! {
                            <button
                                type="button"
                                class=action_class(action)
                                disabled=move || starting.get()
                                on:click=move |_| start()
                            >
                                {move || if starting.get() { "Starting…" } else { action.label() }}
                            </button>
                        })}
                        <button type="button" class="btn btn-secondary" autofocus=acting == 0 on:click=move |_| tools.close_bulk()>"Go back"</button>
                    </div>
                }
                    .into_any()
            }
        }}
    }
}

/// A started bulk job, followed every second until it ends.
#[component]
fn BulkJob(tools: LoginTools, job: i64) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let progress = LocalResource::new(move || {
        tick.track();
        load_job(job)
    });
    view! {
        <Transition fallback=|| view! { <p id="bulk-text" class="loading">"Starting…"</p> }>
            {move || Suspend::new(async move {
                match progress.await {
                    Err(e) => view! { <p id="bulk-text" class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(JobPage { job: summary, .. }) => {
                        let finished = summary.status.is_finished();
                        if !finished {
                            follow(tick);
                        }
                        view! {
                            <div id="bulk-text">
                                <JobProgress job=summary labelled_by="bulk-title" />
                            </div>
                            {(!finished).then(|| view! {
                                <p class="hint">"It keeps going if you close this or leave the page."</p>
                            })}
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <div class="actions">
            <a class="btn btn-secondary" href=format!("/jobs/{job}")>"See details"</a>
            <button type="button" class="btn btn-primary" on:click=move |_| tools.close_bulk()>"Close"</button>
        </div>
    }
}

/// The dialog that shows a generated magic link with a copy button.
#[component]
pub fn MagicLinkDialog(tools: LoginTools) -> impl IntoView {
    let value = tools.magic.value();
    let link = move || value.get().and_then(Result::ok);
    let close = move || value.set(None);
    view! {
        <Modal open=Signal::derive(move || link().is_some()) labelled_by="magic-title" on_close=move |()| close()>
                {move || link().map(|l: MagicLink| view! {
                    <h2 id="magic-title">{format!("Magic link for {}", l.client_name)}</h2>
                    <p class="hint">{format!(
                        "Send it to {} yourself. It signs them in once, and stops working after {} minutes.",
                        l.client_name, l.minutes
                    )}</p>
                    <div class="field">
                        <label for="magic-link-url">"Magic link"</label>
                        <input id="magic-link-url" class="mono" readonly value=l.url.clone() on:focus=|ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                use wasm_bindgen::JsCast;
                                if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                    input.select();
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        } />
                    </div>
                    <div class="actions">
                        <CopyButton text=l.url label="Copy link" />
                        <button type="button" class="btn btn-quiet" on:click=move |_| close()>"Close"</button>
                    </div>
                })}
        </Modal>
    }
}
