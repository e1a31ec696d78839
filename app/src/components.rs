//! Building blocks shared by pages: the staff frame, badges, field errors, toasts, copy button.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use portico_core::model::{AccessStatus, Viewer};

use crate::{
    accounts::{SignOut, current_viewer},
    error::{AppError, AppResult},
    loading::load,
    notifications::NotificationBell,
};

/// The frame of every staff page: top bar with navigation, then the page. Redirects to
/// the sign-in page when nobody (or a client) is signed in.
#[component]
pub fn StaffFrame(children: ChildrenFn) -> impl IntoView {
    let viewer = load(|| (), |_| current_viewer());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(Viewer::Staff { name, org_name, manages_organization, .. })) => {
                        // Erased one level down too: the frame's type would otherwise nest
                        // every page inside it and exceed the compiler's depth limit.
                        let bar = view! { <StaffTopBar name org_name manages_organization /> }.into_any();
                        view! {
                            {bar}
                            <main id="main" class="page" tabindex="-1">{children.read_value()()}</main>
                        }
                            .into_any()
                    }
                    _ => view! { <SignInRedirect /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A path as a query value: everything but unreserved characters and `/` is escaped.
const NEXT_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// To the sign-in page, which brings the user back here afterwards.
#[component]
fn SignInRedirect() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
    let path = if here == "/" || here.is_empty() {
        "/sign-in".to_string()
    } else {
        let next = percent_encoding::utf8_percent_encode(&here, NEXT_VALUE);
        format!("/sign-in?next={next}")
    };
    view! { <GoTo path /> }
}

/// What just happened ("Client deleted."), in the success colour and read out by screen
/// readers.
#[component]
pub fn Confirmation(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="success-note" role="status">{text}</p> }
}

/// Sends the browser to another page. On the server it is a real `303 See Other` with a
/// `Location` whatever the request's `Accept` header (leptos_axum's own redirect answers 302
/// only to requests that accept HTML and leaves anything else with the page's status and an
/// empty body); the body still carries a link, so no page is ever blank. In the browser it
/// navigates.
#[component]
pub fn GoTo(#[prop(into)] path: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(location)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&path))
    {
        res.set_status(http::StatusCode::SEE_OTHER);
        res.insert_header(http::header::LOCATION, location);
    }
    // On the server the status above is the redirect; leptos_router's would turn it into a
    // 302 (for HTML requests), so it only runs in the browser.
    #[cfg(feature = "ssr")]
    let navigate = ();
    #[cfg(not(feature = "ssr"))]
    let navigate = view! { <leptos_router::components::Redirect path=path.clone() /> };
    view! {
        <p class="loading"><a href=path>"Continue"</a></p>
        {navigate}
    }
}

#[component]
fn StaffTopBar(name: String, org_name: String, manages_organization: bool) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        // `rel="external"`: the browser, not the router, follows it, so the focus moves to the
        // content as it does without the script (the router would only change the address).
        <a class="skip-link" href="#main" rel="external">"Skip to content"</a>
        <header class="topbar">
            <div class="topbar-inner">
                <span class="brand" aria-label=format!("Portico, {org_name}")>
                    <span class="brand-mark" aria-hidden="true">"P"</span>
                    // The whole name on hover where a long one is cut (the label has it too).
                    <span class="brand-org" title=org_name.clone()>{org_name.clone()}</span>
                </span>
                <nav aria-label="Main" class="mainnav">
                    <A href="/" exact=true>"Dashboard"</A>
                    <A href="/clients">"Clients"</A>
                    <A href="/customers">"Customers"</A>
                    <A href="/projects">"Projects"</A>
                    <A href="/forms">"Forms"</A>
                    <A href="/team">"Team"</A>
                    {manages_organization.then(|| view! {
                        <A href="/mailbox">"Mailbox"</A>
                        <A href="/jobs">"Jobs"</A>
                        <A href="/settings">"Settings"</A>
                    })}
                </nav>
                <div class="whoami">
                    <NotificationBell />
                    <span class="whoami-name">{name}</span>
                    <ActionForm action=sign_out>
                        <button type="submit" class="btn btn-quiet">"Sign out"</button>
                    </ActionForm>
                </div>
            </div>
        </header>
    }
}

/// A status badge with the product's exact label.
#[component]
pub fn StatusBadge(status: AccessStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.tone())>{status.label()}</span> }
}

/// The message under a field when the last submission failed because of it.
#[component]
pub fn FieldError<T: Clone + Send + Sync + 'static>(
    #[prop(into)] result: Signal<Option<AppResult<T>>>,
    field: &'static str,
    id: &'static str,
) -> impl IntoView {
    // Only this conversion depends on the form's answer type; the view is one non-generic
    // component, so the bundle holds it once rather than once per form.
    let error = Signal::derive(move || result.get().and_then(|r| r.err()));
    view! { <FieldMessage error field id=id.to_string() /> }
}

/// The field itself is marked invalid by its form's `FormError` (`mark_invalid_fields`).
#[component]
pub fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str, id: String) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(field));
    view! {
        <p class="field-error" id=id role="alert" hidden=move || message().is_none()>
            {message}
        </p>
    }
}

/// A form-level error (anything not tied to one of `fields`).
#[component]
pub fn FormError<T: Clone + Send + Sync + 'static>(
    #[prop(into)] result: Signal<Option<AppResult<T>>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let error = Signal::derive(move || result.get().map(|r| r.err()));
    view! { <FormMessage error fields /> }
}

/// `Some(None)`: the last submission succeeded; `Some(Some(e))`: it was refused.
#[component]
fn FormMessage(error: Signal<Option<Option<AppError>>>, fields: &'static [&'static str]) -> impl IntoView {
    let message = move || error.get().flatten().and_then(|e| e.general(fields));
    let node = NodeRef::<leptos::html::Div>::new();
    // After each submission the fields are marked, and after a refusal the focus goes to the
    // first invalid one.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let refused = matches!(error.get(), Some(Some(_)));
        if let Some(div) = node.get() {
            mark_invalid_fields(div.into(), refused);
        }
    });
    view! {
        <div class="form-error" role="alert" node_ref=node hidden=move || message().is_none()>
            {message}
        </div>
    }
}

/// After each submission of the form around `inside`: every field whose message shows gets
/// `aria-invalid` (by the convention every form follows, a field's id is its message's id
/// without "-error"), the others lose it, and after a refusal the focus goes to the first
/// invalid field. One function for every form, run once the messages have rendered: generic
/// per-field effects cost a copy per form answer type in the bundle.
#[cfg(feature = "hydrate")]
fn mark_invalid_fields(inside: web_sys::Element, refused: bool) {
    gloo_timers::callback::Timeout::new(0, move || {
        use wasm_bindgen::JsCast;
        let Some(form) = inside.closest("form").ok().flatten() else { return };
        let Ok(messages) = form.query_selector_all(".field-error") else { return };
        let document = web_sys::window().and_then(|w| w.document());
        let mut first: Option<web_sys::HtmlElement> = None;
        for i in 0..messages.length() {
            let Some(message) = messages.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
            let id = message.id();
            let field = document.as_ref().and_then(|d| d.get_element_by_id(id.trim_end_matches("-error")));
            let Some(field) = field else { continue };
            if message.has_attribute("hidden") {
                let _ = field.remove_attribute("aria-invalid");
            } else {
                let _ = field.set_attribute("aria-invalid", "true");
                if first.is_none() {
                    first = field.dyn_into::<web_sys::HtmlElement>().ok();
                }
            }
        }
        if let (true, Some(field)) = (refused, first) {
            let _ = field.focus();
        }
    })
    .forget();
}

/// "New password" and "Confirm password", with their messages: choosing a client's password
/// and resetting a staff password ask the same way.
#[component]
pub fn NewPasswordFields<T: Clone + Send + Sync + 'static>(
    #[prop(into)] result: Signal<Option<AppResult<T>>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for="new-password">"New password"</label>
            <input id="new-password" name="password" type="password" autocomplete="new-password" aria-describedby="new-password-hint new-password-error" />
            <p class="hint" id="new-password-hint">"At least 10 characters."</p>
            <FieldError result field="password" id="new-password-error" />
        </div>
        <div class="field">
            <label for="confirm-password">"Confirm password"</label>
            <input id="confirm-password" name="confirm" type="password" autocomplete="new-password" aria-describedby="confirm-password-error" />
            <FieldError result field="confirm" id="confirm-password-error" />
        </div>
    }
}

/// Page-level loading failures of a staff page, inside its `StaffFrame`.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => view! { <NotFoundInFrame /> }.into_any(),
        AppError::Unauthorized => view! { <SignInRedirect /> }.into_any(),
        other => view! { <div class="form-error" role="alert">{other.to_string()}</div> }.into_any(),
    }
}

/// "Not found" inside the staff frame (a client, project or customer that is gone or is
/// another organization's): the frame already holds the page's one `<main>` and knows a staff
/// member is looking. `NotFound`'s own `<main>` and its own look-up of the viewer, nested in the
/// frame, made two `<main id="main">` and failed to hydrate.
#[component]
fn NotFoundInFrame() -> impl IntoView {
    view! {
        <section class="empty" aria-labelledby="not-found-title">
            <NotFoundText />
            <a class="btn btn-primary" href="/">"Go to the dashboard"</a>
        </section>
    }
}

/// A 404 answer's status, title and words, wherever it is shown.
#[component]
fn NotFoundText() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <p class="eyebrow">"404"</p>
        <h1 id="not-found-title">"We could not find that page"</h1>
        <p>"It may have been moved or removed, or it belongs to another organization."</p>
    }
}

/// A page of its own for an address nothing answers (outside any frame).
#[component]
pub fn NotFound() -> impl IntoView {
    // Where to go from here depends on who is looking: staff to their dashboard, a client to
    // their portal, anyone else to a sign-in page.
    let viewer = load(|| (), |_| current_viewer());
    view! {
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="not-found-title">
                <NotFoundText />
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match viewer.await {
                            Ok(Some(Viewer::Staff { .. })) => view! {
                                <a class="btn btn-primary btn-block" href="/">"Go to the dashboard"</a>
                            }
                                .into_any(),
                            Ok(Some(Viewer::Client { org_name, .. })) => view! {
                                <a class="btn btn-primary btn-block" href="/portal">{format!("Go to your {org_name} portal")}</a>
                            }
                                .into_any(),
                            _ => view! {
                                <a class="btn btn-primary btn-block" href="/portal">"Client portal sign-in"</a>
                                <p class="auth-switch"><a href="/sign-in">"Staff sign-in"</a></p>
                            }
                                .into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}

/// Short confirmations ("Invitation sent") and refusals that dismiss themselves.
#[derive(Clone, Copy)]
pub struct ToastQueue(RwSignal<Vec<Toast>>);

#[derive(Clone)]
struct Toast {
    id: u32,
    text: String,
    /// Which `ToastSource` said it (0: a toast on its own, such as "Copied to the clipboard").
    from: u32,
    error: bool,
}

pub fn provide_toasts() {
    provide_context(ToastQueue(RwSignal::new(Vec::new())));
}

impl ToastQueue {
    pub fn show(self, text: impl Into<String>) {
        self.push(0, text.into(), false);
    }

    /// What one action says from now on: each of its toasts replaces the one it showed before,
    /// so a refusal ("Enter a title.") does not stay beside the next try's success.
    pub fn source(self) -> ToastSource {
        // Only a name for the toasts of one form; unique within the page is all it needs.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        ToastSource { queue: self, from: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) }
    }

    fn push(self, from: u32, text: String, error: bool) {
        let id = self.0.with_untracked(|t| t.iter().map(|t| t.id).max().unwrap_or(0) + 1);
        self.0.update(|t| {
            if from != 0 {
                t.retain(|t| t.from != from);
            }
            t.push(Toast { id, text, from, error });
        });
        #[cfg(feature = "hydrate")]
        gloo_timers::callback::Timeout::new(5_000, move || self.0.update(|t| t.retain(|t| t.id != id))).forget();
    }
}

/// The toasts of one action (`ToastQueue::source`).
#[derive(Clone, Copy)]
pub struct ToastSource {
    queue: ToastQueue,
    from: u32,
}

impl ToastSource {
    /// A success, in place of what this source showed before.
    pub fn show(self, text: impl Into<String>) {
        self.queue.push(self.from, text.into(), false);
    }

    /// A refusal or failure, in place of what this source showed before.
    pub fn error(self, error: &impl std::fmt::Display) {
        self.queue.push(self.from, error.to_string(), true);
    }
}

pub fn toasts() -> ToastQueue {
    expect_context::<ToastQueue>()
}

/// What a plain form post (before or without the wasm) did, said on the page it comes back
/// to. The server adds `done=<key>` to that address (`typed_forms` in the server, by the
/// server function's path) and `Toasts` shows the message read from the address: the same in
/// the server's render and after hydration. With the wasm the action's own toast says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    InvitationSent,
    InvitationSentAgain,
    InvitationCancelled,
    InvitationUnlocked,
    TaskCreated,
    SettingsSaved,
}

impl Done {
    pub const ALL: [Done; 6] = [
        Done::InvitationSent,
        Done::InvitationSentAgain,
        Done::InvitationCancelled,
        Done::InvitationUnlocked,
        Done::TaskCreated,
        Done::SettingsSaved,
    ];

    /// Its key in the address, and its words (the same as the action's toast with the wasm).
    fn parts(self) -> (&'static str, &'static str) {
        match self {
            Done::InvitationSent => ("invitation-sent", "Invitation sent"),
            Done::InvitationSentAgain => ("invitation-sent-again", "Invitation sent again"),
            Done::InvitationCancelled => ("invitation-cancelled", "Invitation cancelled"),
            Done::InvitationUnlocked => ("invitation-unlocked", "Invitation unlocked"),
            Done::TaskCreated => ("task-created", "Task created"),
            Done::SettingsSaved => ("settings-saved", "Settings saved"),
        }
    }

    pub fn key(self) -> &'static str {
        self.parts().0
    }

    pub fn message(self) -> &'static str {
        self.parts().1
    }

    /// Only a known key: the address is anyone's to write, the words are not.
    pub fn from_key(key: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|d| d.key() == key)
    }

    /// What a successful plain form post to the server function at `path` did, and the page
    /// states it ends (`?invite`, `?cancel=`: its dialog closes as it does with the wasm). Kept
    /// beside the pages that own those states; the server's form layer asks it.
    #[cfg(feature = "ssr")]
    pub fn after_plain_post(path: &str) -> Option<(Done, &'static [&'static str])> {
        use leptos::server_fn::ServerFn;

        use crate::{invitations as i, settings::SaveSettings, tasks::CreateTask};
        [
            (i::InviteClient::PATH, Done::InvitationSent, &["invite"][..]),
            (i::SendInvite::PATH, Done::InvitationSent, &[]),
            (i::ResendInvite::PATH, Done::InvitationSentAgain, &[]),
            (i::CancelInvite::PATH, Done::InvitationCancelled, &["cancel"]),
            (i::UnlockInvite::PATH, Done::InvitationUnlocked, &[]),
            (CreateTask::PATH, Done::TaskCreated, &[]),
            (SaveSettings::PATH, Done::SettingsSaved, &[]),
        ]
        .into_iter()
        .find(|(p, ..)| *p == path)
        .map(|(_, done, ends)| (done, ends))
    }
}

#[component]
pub fn Toasts() -> impl IntoView {
    let queue = toasts();
    let query = leptos_router::hooks::use_query_map();
    let done = move || query.read().get("done").and_then(|key| Done::from_key(&key));
    view! {
        <div class="toasts" role="status" aria-live="polite">
            // Leaves by itself after 5 s as the others do, by CSS: it may be shown without the wasm.
            {move || done().map(|d| view! { <div class="toast toast-done">{d.message()}</div> })}
            <For each=move || queue.0.get() key=|t| t.id let(Toast { text, error, .. })>
                <div class="toast" class:toast-error=error>{text}</div>
            </For>
        </div>
    }
}

/// Shows a toast for each finished action: its success text, or what went wrong.
pub fn toast_outcome<T: Clone + Send + Sync + 'static>(
    value: impl Into<Signal<Option<AppResult<T>>>>,
    success: &'static str,
) {
    toast_answer(value, move |_| success.to_string());
}

/// Like `toast_outcome`, the success said from the answer ("Sent 3 tasks to 2 clients.").
pub fn toast_answer<T: Clone + Send + Sync + 'static>(
    value: impl Into<Signal<Option<AppResult<T>>>>,
    say: impl Fn(&T) -> String + Send + Sync + 'static,
) {
    let value = value.into();
    let queue = toasts().source();
    Effect::new(move |_| match value.get() {
        Some(Ok(answer)) => queue.show(say(&answer)),
        Some(Err(e)) => queue.error(&e),
        None => {}
    });
}

/// How many times an action succeeded: what reloads on it (a list under its form) stays as it
/// is when the form is refused, so the person's input and the errors next to it stay too.
pub fn successes<T: Clone + Send + Sync + 'static>(
    value: impl Into<Signal<Option<AppResult<T>>>>,
    version: RwSignal<usize>,
) -> Memo<usize> {
    let value = value.into();
    Memo::new(move |before: Option<&usize>| match value.get() {
        Some(Ok(_)) => version.get(),
        _ => before.copied().unwrap_or(0),
    })
}

/// Copies a text to the clipboard (web-sys), confirming with a toast.
#[component]
pub fn CopyButton(text: String, label: &'static str) -> impl IntoView {
    let queue = toasts();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&text);
            }
            queue.show("Copied to the clipboard");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, queue);
    };
    view! {
        <button type="button" class="btn btn-secondary" on:click=copy>
            {label}
        </button>
    }
}

/// In a link page's form: the page it is on, for a post made without JavaScript to come back to
/// it with its error (link pages send no Referer; see `model::FORM_PAGE_FIELD`).
#[component]
pub fn ReturnHere() -> impl IntoView {
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    view! { <input type="hidden" name=portico_core::model::FORM_PAGE_FIELD value=path /> }
}

/// "Previous page" and "Next page" under a list that pages on the server: links (they work
/// before and without the wasm) that keep the list's search, filter and page size.
#[component]
pub fn Pager(path: String, prev: Option<String>, next: Option<String>) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let href = |cursor: String| list_href(&path, &query.read_untracked(), &[], &[("cursor", cursor)]);
    let (prev, next) = (prev.map(href), next.map(href));
    (prev.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {prev.map(|h| view! { <a class="btn btn-secondary" href=h rel="prev">"Previous page"</a> })}
                {next.map(|h| view! { <a class="btn btn-secondary" href=h rel="next">"Next page"</a> })}
            </nav>
        }
    })
}

/// The parts of a list's address that choose what it shows (all but the page).
const LIST_KEYS: [&str; 9] =
    ["view", "q", "status", "project", "project_name", "customer", "customer_name", "sort", "per"];

/// The current address's list parts and its page (`cursor`): what a form on the list carries
/// along, and nothing else (no notice, no error of an earlier form).
pub fn list_state(query: &leptos_router::params::ParamsMap) -> Vec<(&'static str, String)> {
    LIST_KEYS
        .iter()
        .chain(&["cursor"])
        .filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect()
}

/// The line above a list, read out when it changes: "Showing 50 of 10,000 clients", "Showing
/// 1 of 1 client", "Showing 50 of 1,000+ clients" (a bounded count), or "No clients found".
pub fn list_summary(shown: usize, matching: u64, bounded: bool, noun: (&str, &str)) -> String {
    let (one, many) = noun;
    if matching == 0 {
        return format!("No {many} found");
    }
    let plus = if bounded { "+" } else { "" };
    let noun = if matching == 1 && !bounded { one } else { many };
    format!("Showing {shown} of {}{plus} {noun}", portico_core::model::thousands(matching))
}

/// A link to `path` with the current address's list parts, less those in `drop`, and `set`
/// first: the next page, or one filter changed and the others kept.
pub fn list_href(
    path: &str,
    query: &leptos_router::params::ParamsMap,
    drop: &[&str],
    set: &[(&str, String)],
) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let kept = LIST_KEYS
        .iter()
        .filter(|k| !drop.contains(k) && !set.iter().any(|(s, _)| s == *k))
        .filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| (*k, v)));
    let parts: Vec<String> = set
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .chain(kept)
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(&v, NON_ALPHANUMERIC)))
        .collect();
    if parts.is_empty() { path.to_string() } else { format!("{path}?{}", parts.join("&")) }
}

/// The "⋯" menu at the end of a row: a disclosure that works without JavaScript, and closes
/// once an item is chosen or on Escape, so it does not stay open behind the dialog an item
/// opens. The focus goes back to its button either way: that is where a dialog opened from an
/// item returns it.
#[component]
pub fn RowMenu(label: String, children: Children) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move |refocus: bool| {
        use wasm_bindgen::JsCast;
        let Some(details) = menu.get() else { return };
        let _ = details.remove_attribute("open");
        if refocus
            && let Some(summary) = details.first_element_child().and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = summary.focus();
        }
    };
    view! {
        <details class="menu" node_ref=menu on:keydown=move |ev| if ev.key() == "Escape" { close(true) }>
            <summary class="btn btn-icon" aria-label=label>
                <span aria-hidden="true">"⋯"</span>
            </summary>
            <div class="menu-items" on:click=move |_| close(true)>{children()}</div>
        </details>
    }
}

/// The text a `<textarea>` starts with, as its child. tachys 0.2.19 writes a textarea's
/// children into the server's HTML without escaping them (its element table marks textarea's
/// children "not escaped"), so text holding `</textarea>` would close the box and the rest
/// would be markup: a comment brought back in the address could put a `<meta http-equiv>` or a
/// form on the page. On the server it is escaped here (the browser decodes character references
/// inside a textarea, so the box shows the text exactly as typed; a newline goes first because
/// the HTML parser drops one that starts a textarea, which would eat a typed leading blank
/// line); in the browser it becomes a text node, which is never markup.
pub fn textarea_text(text: String) -> String {
    #[cfg(feature = "ssr")]
    let text = format!("\n{}", html_escape::encode_text(&text));
    text
}

/// Every GET filter form's `on_form_data`: leptos adds the submit button's name and value to
/// the query even when the button has no name, which ended every filter address in `&=`.
pub fn without_unnamed_field() -> std::sync::Arc<dyn Fn(&web_sys::FormData)> {
    std::sync::Arc::new(|data: &web_sys::FormData| data.delete(""))
}

/// The `node_ref` of a form that starts empty again after each success (adding one more of
/// something: a guest, a task, a staff invitation). It reads only whether the last answer was
/// a success, so the bundle holds this once whatever the forms' answer types.
pub fn emptied_after(succeeded: Signal<bool>) -> NodeRef<leptos::html::Form> {
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if succeeded.get()
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
    });
    form
}
