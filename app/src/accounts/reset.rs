//! Staff "Forgot password": ask for a reset link by email, then choose a new password on the
//! link's page. Both are plain forms (they work before and without the wasm).

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use portico_core::model::StaffReset;

use crate::{
    components::{FieldError, FormError, NewPasswordFields, ReturnHere},
    error::AppError,
    loading::load,
};

/// "Email me a reset link". The same answer whatever the address.
#[server(output = Postcard)]
pub async fn request_staff_password_reset(email: String) -> Result<(), AppError> {
    crate::server::limit(crate::rate_limits::Scope::CodeRequest, &[&email])?;
    portico_core::staff_passwords::request_reset(&crate::server::portico()?, &email, crate::server::client_ip())
        .await?;
    Ok(())
}

/// What the reset link's page shows. Reads only.
#[server(output = Postcard)]
pub async fn open_staff_reset(token: String) -> Result<StaffReset, AppError> {
    Ok(portico_core::staff_passwords::open(&crate::server::portico()?, &token).await?)
}

/// "Save password" on the reset link's page: the new password, every other session ended,
/// signed in here.
#[server(output = Postcard)]
pub async fn reset_staff_password(token: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::server::{SESSION_COOKIE, client_ip, limit, portico, remember_device, write_cookie};
    limit(crate::rate_limits::Scope::StaffSignIn, &[])?;
    let (session, email) =
        portico_core::staff_passwords::reset(&portico()?, &token, &password, &confirm, client_ip()).await?;
    write_cookie(SESSION_COOKIE, Some(session.expose()));
    remember_device(&email);
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestStaffPasswordReset>::new();
    let result = action.value();
    let sent = move || matches!(result.get(), Some(Ok(())));
    view! {
        <Title text="Forgot password" />
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="forgot-title">
                <h1 id="forgot-title">"Forgot password"</h1>
                <div hidden=move || !sent() role="status">
                    <p class="success-note">"If this address has a Portico staff account, we sent it a link to choose a new password. It works once, for 30 minutes."</p>
                </div>
                <ActionForm action attr:novalidate=true attr:hidden=move || sent()>
                    <p class="lead">"Enter the email you sign in with. We will email you a link to choose a new password."</p>
                    <FormError result fields=&["email"] />
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" required autocomplete="username" aria-describedby="email-error" />
                        <FieldError result field="email" id="email-error" />
                    </div>
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || action.pending().get()>"Email me a reset link"</button>
                </ActionForm>
                <p class="auth-switch"><a href="/sign-in">"Back to sign in"</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let landing = load(token, open_staff_reset);
    let action = ServerAction::<ResetStaffPassword>::new();
    let result = action.value();
    view! {
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match landing.await {
                        Err(_) => view! {
                            <Title text="Link no longer valid" />
                            <section class="auth-card" aria-labelledby="reset-title">
                                <h1 id="reset-title">"This link can no longer be used"</h1>
                                <p>"It may have expired or already been used."</p>
                                <p><a class="btn btn-primary btn-block" href="/forgot-password">"Ask for a new link"</a></p>
                            </section>
                        }
                            .into_any(),
                        Ok(r) => view! {
                            <Title text="Choose a new password" />
                            <section class="auth-card" aria-labelledby="reset-title">
                                <p class="eyebrow">{r.org_name.clone()}</p>
                                <h1 id="reset-title">"Choose a new password"</h1>
                                <p>{format!("For {}. Saving it signs you out everywhere else.", r.masked_email)}</p>
                                <ActionForm action attr:novalidate=true>
                                    <input type="hidden" name="token" value=token() />
                                    <ReturnHere />
                                    <FormError result fields=&["password", "confirm"] />
                                    <NewPasswordFields result />
                                    <button type="submit" class="btn btn-primary btn-block" disabled=move || action.pending().get()>"Save password"</button>
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
