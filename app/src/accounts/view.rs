//! The "Create your organization" and staff "Sign in" pages.

use leptos::prelude::*;

use crate::loading::load;
use leptos_meta::Title;

use super::api::{CreateOrganization, SignIn, Signup, signup_open};
use crate::components::{FieldError, FormError, GoTo};

#[component]
pub fn SetupPage() -> impl IntoView {
    let open = load(|| (), |_| signup_open(String::new()));
    let action = ServerAction::<CreateOrganization>::new();
    let result = action.value();
    let pending = action.pending();
    view! {
        <Title text="Create your organization" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    if !open.await.is_ok_and(|s| s.open) {
                        return view! { <GoTo path="/sign-in" /> }.into_any();
                    }
                    view! {
                        <section class="auth-card" aria-labelledby="setup-title">
                            <h1 id="setup-title">"Create your organization"</h1>
                            <p class="lead">"Set up your firm's client portal. You will be its owner."</p>
                            <ActionForm action attr:novalidate=true>
                                <FormError result fields=&["organization_name", "name", "email", "password"] />
                                <div class="field">
                                    <label for="organization_name">"Organization name"</label>
                                    <input id="organization_name" name="organization_name" required autocomplete="organization" maxlength="200" aria-describedby="organization_name-error" />
                                    <FieldError result field="organization_name" id="organization_name-error" />
                                </div>
                                <div class="field">
                                    <label for="name">"Your name"</label>
                                    <input id="name" name="name" required autocomplete="name" maxlength="200" aria-describedby="name-error" />
                                    <FieldError result field="name" id="name-error" />
                                </div>
                                <div class="field">
                                    <label for="email">"Email"</label>
                                    <input id="email" name="email" type="email" required autocomplete="email" aria-describedby="email-error" />
                                    <FieldError result field="email" id="email-error" />
                                </div>
                                <div class="field">
                                    <label for="password">"Password"</label>
                                    <input id="password" name="password" type="password" required minlength="10" autocomplete="new-password" aria-describedby="password-hint password-error" />
                                    <p class="hint" id="password-hint">"At least 10 characters."</p>
                                    <FieldError result field="password" id="password-error" />
                                </div>
                                <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                                    {move || if pending.get() { "Creating…" } else { "Create organization" }}
                                </button>
                            </ActionForm>
                            <p class="auth-switch">"Already have an account? " <a href="/sign-in">"Sign in"</a></p>
                        </section>
                    }
                        .into_any()
                })}
            </Suspense>
        </main>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    // Where the sign-in was asked for; the server follows it only to our own pages.
    let query = leptos_router::hooks::use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let open = load(next, signup_open);
    let action = ServerAction::<SignIn>::new();
    let result = action.value();
    let pending = action.pending();
    view! {
        <Title text="Sign in" />
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="signin-title">
                <h1 id="signin-title">"Sign in"</h1>
                <p class="lead">"Sign in to manage your client portal."</p>
                <ActionForm action attr:novalidate=true>
                    <FormError result fields=&["email", "password"] />
                    {move || (!next().is_empty()).then(|| view! { <input type="hidden" name="next" value=next() /> })}
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" required autocomplete="username" aria-describedby="email-error" />
                        <FieldError result field="email" id="email-error" />
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" required autocomplete="current-password" aria-describedby="password-error" />
                        <FieldError result field="password" id="password-error" />
                    </div>
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                        "Sign in"
                    </button>
                </ActionForm>
                <p class="auth-switch"><a href="/forgot-password">"Forgot password?"</a></p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match open.await {
                            // Nobody can sign in before the first organization exists.
                            Ok(s) if s.fresh_install => view! { <GoTo path="/setup" /> }.into_any(),
                            // Signed in already: on to where they were going.
                            Ok(Signup { signed_in_to: Some(to), .. }) => view! { <GoTo path=to /> }.into_any(),
                            Ok(s) if s.open => view! {
                                <p class="auth-switch">"New to Portico? " <a href="/setup">"Create your organization"</a></p>
                            }
                                .into_any(),
                            _ => ().into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}
