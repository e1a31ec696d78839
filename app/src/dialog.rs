//! The one modal dialog every dialog of the app is built on (invite, magic link, confirmations).
//!
//! What a keyboard or screen-reader user needs from a modal, in one place: it takes the focus
//! when it opens (its `autofocus` control, else its first control, else the dialog itself), Tab and Shift+Tab stay
//! inside it, Escape and a click beside it close it, and the focus goes back to the control that
//! opened it. Every dialog is also a page state its opener links to, so it shows (without the
//! focus handling) before and without the wasm.

use leptos::{html, prelude::*};

#[component]
pub fn Modal(
    /// Whether the dialog shows.
    #[prop(into)]
    open: Signal<bool>,
    /// The id of the dialog's heading.
    labelled_by: &'static str,
    /// The id of the sentence that says what is asked (confirmations).
    #[prop(optional)]
    described_by: Option<&'static str>,
    /// A confirmation that interrupts (`alertdialog`) rather than a form.
    #[prop(optional)]
    alert: bool,
    /// Escape, or a click on the backdrop.
    #[prop(into)]
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Div>::new();
    track_focus(open, dialog);
    view! {
        <div class="dialog-backdrop" hidden=move || !open.get() on:click=move |_| on_close.run(())>
            <div
                class="dialog"
                node_ref=dialog
                role=if alert { "alertdialog" } else { "dialog" }
                aria-modal="true"
                // Takes the focus itself while it has no control yet (a confirmation still
                // counting what it would do), so keys never reach the page behind it.
                tabindex="-1"
                aria-labelledby=labelled_by
                aria-describedby=described_by
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        on_close.run(());
                    } else if ev.key() == "Tab" {
                        focus::keep_inside(&ev, dialog);
                    }
                }
            >
                {children()}
            </div>
        </div>
    }
}

/// A confirmation that is a page state (`?delete`, `?deactivate`, `?cancel=…`): the question,
/// what it means, then `children` — the form with the one button that does it, and the link
/// back to `back` that keeps things as they are. Escape and a click beside it go back too.
#[component]
pub fn Confirm(title: String, text: &'static str, back: String, children: Children) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let keep = move |()| navigate(&back, Default::default());
    view! {
        <Modal open=true alert=true labelled_by="confirm-title" described_by="confirm-text" on_close=keep>
            <h2 id="confirm-title">{title}</h2>
            <p id="confirm-text">{text}</p>
            {children()}
        </Modal>
    }
}

/// Moves the focus in when the dialog opens and back to its opener when it closes. Not generic
/// on purpose: one copy of this code in the bundle whatever the dialog. Browser only: the
/// opener is a DOM node, which must not be created (or dropped) on a server thread.
#[cfg(not(feature = "hydrate"))]
fn track_focus(_open: Signal<bool>, _dialog: NodeRef<html::Div>) {}

#[cfg(feature = "hydrate")]
fn track_focus(open: Signal<bool>, dialog: NodeRef<html::Div>) {
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let now = open.get();
        match (was_open.unwrap_or(false), now) {
            (false, true) => focus::enter(dialog, opener),
            (true, false) => focus::leave(opener),
            _ => {}
        }
        now
    });
    // A dialog removed while open (its page state answered, the list re-rendered) is a close too.
    on_cleanup(move || {
        if opener.try_with_value(Option::is_some).unwrap_or(false) {
            focus::leave(opener);
        }
    });
}

mod focus {
    use leptos::{html, prelude::*};
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlElement, KeyboardEvent};

    /// What Tab can reach inside a dialog.
    const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
        select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

    fn reachable(dialog: &Element) -> Vec<HtmlElement> {
        let Ok(nodes) = dialog.query_selector_all(FOCUSABLE) else { return Vec::new() };
        (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
            // Rendered only: a hidden fieldset's inputs are not stops.
            .filter(|e| e.offset_width() > 0 || e.offset_height() > 0)
            .collect()
    }

    fn active() -> Option<Element> {
        web_sys::window()?.document()?.active_element()
    }

    #[cfg(feature = "hydrate")]
    pub fn enter(dialog: NodeRef<html::Div>, opener: StoredValue<Option<HtmlElement>, LocalStorage>) {
        let Some(dialog) = dialog.get_untracked() else { return };
        let dialog: Element = dialog.into();
        let before = active().filter(|a| !dialog.contains(Some(a))).and_then(|a| a.dyn_into::<HtmlElement>().ok());
        opener.set_value(before);
        // Its `hidden` is lifted in this same turn (and the picker appears): wait for the
        // frame in which it is laid out, or nothing in it can take the focus yet.
        leptos::leptos_dom::helpers::request_animation_frame(move || {
            let first = dialog
                .query_selector("[autofocus]")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                .or_else(|| reachable(&dialog).into_iter().next())
                .or_else(|| dialog.dyn_ref::<HtmlElement>().cloned());
            if let Some(first) = first {
                let _ = first.focus();
            }
        });
    }

    /// Back to the opener; an opener that is gone (its row re-rendered) or hidden (an item of a
    /// closed menu) gives the focus to the menu's button or, failing that, to the page.
    #[cfg(feature = "hydrate")]
    pub fn leave(opener: StoredValue<Option<HtmlElement>, LocalStorage>) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let target = opener
            .try_get_value()
            .flatten()
            .filter(|o| o.is_connected())
            .and_then(|o| {
                if o.offset_width() > 0 || o.offset_height() > 0 {
                    return Some(o);
                }
                o.closest("details").ok().flatten()?.query_selector("summary").ok().flatten()?.dyn_into().ok()
            })
            .or_else(|| document.get_element_by_id("main").and_then(|m| m.dyn_into().ok()));
        if let Some(target) = target {
            let _ = target.focus();
        }
        opener.try_set_value(None);
    }

    /// Tab from the last control goes to the first, Shift+Tab from the first to the last.
    pub fn keep_inside(ev: &KeyboardEvent, dialog: NodeRef<html::Div>) {
        let Some(dialog) = dialog.get_untracked() else { return };
        let stops = reachable(dialog.as_ref());
        let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
            ev.prevent_default();
            return;
        };
        let now = active();
        let at = |e: &HtmlElement| now.as_ref().is_some_and(|a| a == e.unchecked_ref::<Element>());
        let outside = !now.as_ref().is_some_and(|a| dialog.contains(Some(a)));
        if ev.shift_key() && (at(first) || outside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (at(last) || outside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
}
