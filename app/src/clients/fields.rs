//! The Projects part of the Add client and Edit client forms: a checkbox per project and, for
//! a project billed by staff hours, the client's Rate per hour on it.

use leptos::prelude::*;
use portico_core::model::{Billing, ProjectPick};

use crate::{components::FieldMessage, error::AppError};

/// A project the client is on already stays ticked and cannot be unticked here. The Rate per
/// hour field shows only while its project is ticked — by the stylesheet (`:has`), so it works
/// before the wasm arrives.
#[component]
pub fn ProjectPicks(
    picks: Vec<ProjectPick>,
    error: Signal<Option<AppError>>,
    empty: &'static str,
    /// A project to tick at first (Add client opened from that project's Portal access).
    #[prop(default = None)]
    ticked: Option<i64>,
) -> impl IntoView {
    if picks.is_empty() {
        return view! {
            <fieldset class="field choices">
                <legend>"Projects"</legend>
                <p class="hint">{empty}</p>
            </fieldset>
        }
        .into_any();
    }
    view! {
        <fieldset class="field choices" aria-describedby="client-projects-error client-rates-error">
            <legend>"Projects"</legend>
            <div class="choice-list">
                {picks.into_iter().map(|p| {
                    let ticked = p.on || ticked == Some(p.id);
                    view! { <Pick p ticked /> }
                }).collect_view()}
            </div>
            <FieldMessage error field="projects" id="client-projects-error".to_string() />
            <FieldMessage error field="rates" id="client-rates-error".to_string() />
        </fieldset>
    }
    .into_any()
}

#[component]
fn Pick(p: ProjectPick, ticked: bool) -> impl IntoView {
    let (box_id, name_id, rate_id) =
        (format!("client-project-{}", p.id), format!("client-project-{}-name", p.id), format!("client-rate-{}", p.id));
    let (box_for, described_by, rate_for) = (box_id.clone(), name_id.clone(), rate_id.clone());
    let hourly = p.billing == Billing::StaffHours;
    view! {
        <div class="project-pick">
            <label class="choice-row" for=box_for>
                <input type="checkbox" id=box_id name="projects[]" value=p.id.to_string() checked=ticked disabled=p.on />
                <span id=name_id>{p.name}</span>
                {hourly.then(|| view! { <span class="pick-tag">{Billing::StaffHours.label()}</span> })}
            </label>
            {hourly.then(|| view! {
                <div class="rate-field">
                    <label for=rate_for>"Rate per hour"</label>
                    <input id=rate_id name=format!("rates[{}]", p.id) inputmode="decimal" autocomplete="off"
                        aria-describedby=described_by
                        maxlength="14" placeholder="e.g. 120.00" value=p.rate />
                </div>
            })}
        </div>
    }
}
