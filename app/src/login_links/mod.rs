//! Other ways in, handed out by staff: "Generate magic link" (a short-lived, single-use link
//! to copy) and "Send login email" (a one-click sign-in email) to one client or to many
//! selected at once, with the selection checkboxes the lists share.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{LoginEmailReport, MagicLink};

use crate::{
    components::{CopyButton, toasts},
    dialog::Modal,
    error::AppError,
};

#[server(output = Postcard)]
pub async fn generate_magic_link(client_id: i64) -> Result<MagicLink, AppError> {
    use portico_core::{domain::ClientId, magic_links};
    let staff = crate::server::staff().await?;
    Ok(magic_links::generate(&crate::server::portico()?, &staff, ClientId(client_id), crate::server::client_ip())
        .await?)
}

#[server(output = Postcard)]
pub async fn send_login_email(client_ids: Vec<i64>) -> Result<LoginEmailReport, AppError> {
    use portico_core::{domain::ClientId, magic_links};
    let staff = crate::server::staff().await?;
    crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    let ids: Vec<ClientId> = client_ids.into_iter().map(ClientId).collect();
    Ok(magic_links::send_login_emails(&crate::server::portico()?, &staff, &ids, crate::server::client_ip()).await?)
}

/// The actions and the selection of a page that lists clients.
#[derive(Clone, Copy)]
pub struct LoginTools {
    pub magic: ServerAction<GenerateMagicLink>,
    pub login: ServerAction<SendLoginEmail>,
    pub selected: RwSignal<Vec<i64>>,
}

impl LoginTools {
    /// Creates the actions; results show as toasts, a generated link in its dialog.
    pub fn new() -> Self {
        let tools =
            Self { magic: ServerAction::new(), login: ServerAction::new(), selected: RwSignal::new(Vec::new()) };
        let queue = toasts();
        Effect::new(move |_| match tools.login.value().get() {
            Some(Ok(report)) => {
                tools.selected.set(Vec::new());
                queue.show(report.summary());
            }
            Some(Err(e)) => queue.show(e.to_string()),
            None => {}
        });
        Effect::new(move |_| {
            if let Some(Err(e)) = tools.magic.value().get() {
                queue.show(e.to_string());
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
}

impl Default for LoginTools {
    fn default() -> Self {
        Self::new()
    }
}

/// The checkbox in a client's row.
#[component]
pub fn SelectClient(tools: LoginTools, client_id: i64, name: String) -> impl IntoView {
    let selected = tools.selected;
    view! {
        <input
            type="checkbox"
            class="select-box"
            aria-label=format!("Select {name}")
            prop:checked=move || selected.with(|s| s.contains(&client_id))
            on:change=move |ev| {
                let on = event_target_checked(&ev);
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

/// "Select all" above a list, and the bulk actions for what is selected.
#[component]
pub fn BulkBar(tools: LoginTools, all: Vec<i64>) -> impl IntoView {
    let selected = tools.selected;
    let total = all.len();
    let all = StoredValue::new(all);
    let count = move || selected.with(Vec::len);
    let pending = tools.login.pending();
    view! {
        <div class="bulk-bar" role="group" aria-label="Bulk actions">
            <label class="choice-row">
                <input
                    type="checkbox"
                    class="select-box"
                    prop:checked=move || { total != 0 && count() == total }
                    prop:indeterminate=move || { count() != 0 && count() != total }
                    on:change=move |ev| {
                        let everyone = if event_target_checked(&ev) { all.get_value() } else { Vec::new() };
                        selected.set(everyone);
                    }
                />
                <span>"Select all"</span>
            </label>
            <span class="muted" aria-live="polite">{move || match count() {
                0 => String::new(),
                1 => "1 selected".to_string(),
                n => format!("{n} selected"),
            }}</span>
            <button
                type="button"
                class="btn btn-secondary"
                disabled=move || count() == 0 || pending.get()
                on:click=move |_| tools.send(selected.get())
            >
                {move || if pending.get() { "Sending…" } else { "Send login email" }}
            </button>
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
