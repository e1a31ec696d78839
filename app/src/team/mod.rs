//! The staff team: who is on it, inviting staff (owners and admins), roles and removal
//! (owners), and the page an invited staff member joins from.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use portico_core::model::{StaffInvitationLanding, Team, TeamMember, role_label, short_date};

use crate::{
    components::{FieldError, FormError, LoadError, ReturnHere, StaffFrame, toast_outcome},
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_team() -> Result<Team, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::team::team(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn invite_staff(name: String, email: String, role: String) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    crate::server::limit(crate::rate_limits::Scope::StaffMail, &[&email])?;
    Ok(portico_core::team::invite(&crate::server::portico()?, &staff, &name, &email, &role, crate::server::client_ip())
        .await?)
}

#[server(output = Postcard)]
pub async fn cancel_staff_invite(id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::team::cancel_invitation(&crate::server::portico()?, &staff, id, crate::server::client_ip())
        .await?)
}

#[server(output = Postcard)]
pub async fn change_staff_role(staff_user_id: i64, role: String) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::team::change_role(
        &crate::server::portico()?,
        &staff,
        staff_user_id,
        &role,
        crate::server::client_ip(),
    )
    .await?)
}

#[server(output = Postcard)]
pub async fn remove_staff(staff_user_id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::team::remove(&crate::server::portico()?, &staff, staff_user_id, crate::server::client_ip())
        .await?)
}

#[server(output = Postcard)]
pub async fn open_staff_invitation(token: String) -> Result<StaffInvitationLanding, AppError> {
    Ok(portico_core::team::open_invitation(&crate::server::portico()?, &token).await?)
}

/// "Join the team": sets the new staff member's password and signs them in.
#[server(output = Postcard)]
pub async fn join_team(token: String, name: String, password: String) -> Result<(), AppError> {
    use crate::server::{SESSION_COOKIE, client_ip, limit, portico, write_cookie};
    limit(crate::rate_limits::Scope::StaffSignIn, &[])?;
    let session = portico_core::team::join(&portico()?, &token, &name, &password, client_ip()).await?;
    write_cookie(SESSION_COOKIE, Some(session.expose()));
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let invite = ServerAction::<InviteStaff>::new();
    let cancel = ServerAction::<CancelStaffInvite>::new();
    let change = ServerAction::<ChangeStaffRole>::new();
    let remove = ServerAction::<RemoveStaff>::new();
    toast_outcome(invite.value(), "Invitation sent");
    toast_outcome(cancel.value(), "Invitation cancelled");
    toast_outcome(change.value(), "Role changed");
    toast_outcome(remove.value(), "Removed from the team");
    let data = load(
        move || (invite.version().get(), cancel.version().get(), change.version().get(), remove.version().get()),
        |_| load_team(),
    );
    view! {
        <Title text="Team" />
        <StaffFrame>
            <div class="page-head">
                <div>
                    <h1>"Team"</h1>
                    <p class="lead">"Owners and admins run settings and the team; members invite and follow clients."</p>
                </div>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(team) => view! { <TeamBody team invite cancel change remove /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn TeamBody(
    team: Team,
    invite: ServerAction<InviteStaff>,
    cancel: ServerAction<CancelStaffInvite>,
    change: ServerAction<ChangeStaffRole>,
    remove: ServerAction<RemoveStaff>,
) -> impl IntoView {
    let can_manage = team.can_manage;
    view! {
        <section class="card" aria-labelledby="members-title">
            <h2 id="members-title" class="card-title">"Members"</h2>
            <ul class="list">
                {team.members.into_iter().map(|m| view! { <MemberRow m can_manage change remove /> }).collect_view()}
            </ul>
        </section>
        {(!team.pending.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="pending-title">
                <h2 id="pending-title" class="card-title">"Invited"</h2>
                <ul class="list">
                    {team.pending.into_iter().map(|p| view! {
                        <li class="list-row">
                            <div class="list-main">
                                <span class="strong">{p.name.clone()}</span>
                                <span class="muted">{p.email.clone()}</span>
                            </div>
                            <span class="badge badge-info">{role_label(&p.role)}</span>
                            <span class="note">{format!("Expires {}", short_date(p.expires_at))}</span>
                            {team.can_invite.then(|| view! {
                                <ActionForm action=cancel>
                                    <input type="hidden" name="id" value=p.id.to_string() />
                                    <button type="submit" class="btn btn-quiet" aria-label=format!("Cancel invite to {}", p.name)>"Cancel invite"</button>
                                </ActionForm>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {team.can_invite.then(|| view! { <InviteStaffForm invite /> })}
    }
}

#[component]
fn MemberRow(
    m: TeamMember,
    can_manage: bool,
    change: ServerAction<ChangeStaffRole>,
    remove: ServerAction<RemoveStaff>,
) -> impl IntoView {
    let id = m.id;
    let select_id = format!("role-{id}");
    let label_for = select_id.clone();
    let name = m.name.clone();
    view! {
        <li class="list-row">
            <div class="list-main">
                <span class="strong">{m.name.clone()} {m.is_you.then_some(" (you)")}</span>
                <span class="muted">{m.email.clone()}</span>
            </div>
            <span class="note">{m.last_sign_in_at.map_or_else(|| "Never signed in".to_string(), |t| format!("Last sign-in {}", short_date(t)))}</span>
            {if can_manage {
                view! {
                    <div class="row-actions">
                        <label class="visually-hidden" for=label_for>{format!("Role of {name}")}</label>
                        <select id=select_id on:change=move |ev| { change.dispatch(ChangeStaffRole { staff_user_id: id, role: event_target_value(&ev) }); }>
                            {["owner", "admin", "member"].into_iter().map(|r| view! { <option value=r selected=r == m.role>{role_label(r)}</option> }).collect_view()}
                        </select>
                        <ActionForm action=remove>
                            <input type="hidden" name="staff_user_id" value=id.to_string() />
                            <button type="submit" class="btn btn-quiet danger-text" aria-label=format!("Remove {name} from the team")>"Remove"</button>
                        </ActionForm>
                    </div>
                }
                    .into_any()
            } else {
                view! { <span class="badge badge-neutral">{role_label(&m.role)}</span> }.into_any()
            }}
        </li>
    }
}

#[component]
fn InviteStaffForm(invite: ServerAction<InviteStaff>) -> impl IntoView {
    let result = invite.value();
    let pending = invite.pending();
    // Emptied after each invitation sent, ready for the next person.
    let form = crate::components::emptied_after(Signal::derive(move || matches!(result.get(), Some(Ok(_)))));
    view! {
        <section class="card form-card" aria-labelledby="invite-staff-title">
            <h2 id="invite-staff-title" class="card-title">"Invite staff"</h2>
            <ActionForm action=invite node_ref=form attr:novalidate=true>
                <FormError result fields=&["name", "email", "role"] />
                <div class="field">
                    <label for="staff-name">"Name"</label>
                    <input id="staff-name" name="name" autocomplete="off" maxlength="200" aria-describedby="staff-name-error" />
                    <FieldError result field="name" id="staff-name-error" />
                </div>
                <div class="field">
                    <label for="staff-email">"Email"</label>
                    <input id="staff-email" name="email" type="email" autocomplete="off" aria-describedby="staff-email-error" />
                    <FieldError result field="email" id="staff-email-error" />
                </div>
                <div class="field">
                    <label for="staff-role">"Role"</label>
                    <select id="staff-role" name="role" aria-describedby="staff-role-error">
                        <option value="member">"Member"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                    <FieldError result field="role" id="staff-role-error" />
                </div>
                <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Send invite"</button>
            </ActionForm>
        </section>
    }
}

/// The page a staff invitation link opens: choose a password and join.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let landing = load(token, |t| open_staff_invitation(t));
    let join = ServerAction::<JoinTeam>::new();
    let result = join.value();
    view! {
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match landing.await {
                        Err(_) => view! { <crate::client_access::LinkUnusable kind=portico_core::model::LinkKind::SignIn token=String::new() /> }.into_any(),
                        Ok(l) => view! {
                            <Title text=format!("Join {}", l.org_name) />
                            <section class="auth-card" aria-labelledby="join-title">
                                <p class="eyebrow">{l.org_name.clone()}</p>
                                <h1 id="join-title">{format!("Join {} on Portico", l.org_name)}</h1>
                                // ASCII labels: to_ascii_lowercase keeps the Unicode case tables out of the wasm.
                                <p>{format!("{} invited you ({}) as {}.", l.inviter_name, l.email, role_label(&l.role).to_ascii_lowercase())}</p>
                                <ActionForm action=join attr:novalidate=true>
                                    <input type="hidden" name="token" value=token() />
                                    <ReturnHere />
                                    <FormError result fields=&["name", "password"] />
                                    <div class="field">
                                        <label for="join-name">"Your name"</label>
                                        <input id="join-name" name="name" value=l.name.clone() autocomplete="name" aria-describedby="join-name-error" />
                                        <FieldError result field="name" id="join-name-error" />
                                    </div>
                                    <div class="field">
                                        <label for="join-password">"Password"</label>
                                        <input id="join-password" name="password" type="password" autocomplete="new-password" aria-describedby="join-password-hint join-password-error" />
                                        <p class="hint" id="join-password-hint">"At least 10 characters."</p>
                                        <FieldError result field="password" id="join-password-error" />
                                    </div>
                                    <button type="submit" class="btn btn-primary btn-block">"Join the team"</button>
                                </ActionForm>
                            </section>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
