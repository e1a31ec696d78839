//! Client-facing pages: link landing with "Continue", the code step, the portal sign-in.

use leptos::prelude::*;

use crate::loading::load;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use portico_core::model::{LinkKind, Viewer};

use super::{
    ContinueLink, RequestNewLink, RequestPasswordReset, RequestSignInLink, SendNewCode, SetClientPassword,
    SignInClient, VerifyCode, client_sign_in_path, load_code_step, load_portal_sign_in, open_link,
};
use crate::components::{Confirmation, FieldError, FormError, GoTo, NewPasswordFields, NotFound, ReturnHere, toasts};
use crate::error::AppError;

fn param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

/// One page for every link that cannot be used: expired, cancelled, used or unknown. It always
/// offers "Request a new link", so it tells nobody which of these it was.
#[component]
pub fn LinkUnusable(kind: LinkKind, token: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let request = ServerAction::<RequestNewLink>::new();
    let answer = move || request.value().get().and_then(Result::ok);
    let result = request.value();
    let token = StoredValue::new(token);
    view! {
        <Title text="Link no longer valid" />
        <section class="auth-card" aria-labelledby="unusable-title">
            <h1 id="unusable-title">"This link can no longer be used"</h1>
            <p>"It may have expired, been cancelled, or already been used."</p>
            <Show
                when=move || answer().is_some()
                fallback=move || view! {
                    <p>"Ask for a new one: we let the person who invited you know."</p>
                    <ActionForm action=request>
                        <input type="hidden" name="kind" value=kind_value(kind) />
                        <input type="hidden" name="token" value=token.get_value() />
                        <FormError result fields=&[] />
                        <button type="submit" class="btn btn-primary btn-block" disabled=move || request.pending().get()>"Request a new link"</button>
                    </ActionForm>
                }
            >
                {move || if answer() == Some(true) {
                    view! {
                        <Confirmation text="Thank you. The person who invited you has been told and can send you a new link." />
                    }
                        .into_any()
                } else {
                    view! {
                        <p role="status" class="notice">
                            "This link cannot be renewed from here. Contact the firm that sent it and ask them for a new invitation."
                        </p>
                    }
                        .into_any()
                }}
            </Show>
            <p class="hint">"Already have access? Sign in from your firm's client portal page."</p>
        </section>
    }
}

fn kind_value(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Invitation => "Invitation",
        LinkKind::SignIn => "SignIn",
    }
}

/// The page a link opens: who invited the client to what (or a sign-in greeting), and
/// "Continue". The token stays in the form; only the POST acts on it.
#[component]
pub fn LinkPage(kind: LinkKind) -> impl IntoView {
    let token = param("token");
    let landing = load(token, move |token| open_link(kind, token));
    let action = ServerAction::<ContinueLink>::new();
    let result = action.value();
    let pending = action.pending();
    view! {
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match landing.await {
                        Err(_) => view! { <LinkUnusable kind token=token() /> }.into_any(),
                        Ok(l) if l.stopped.is_some() => view! {
                            <Title text=l.headline.clone() />
                            <section class="auth-card" aria-labelledby="landing-title">
                                <p class="eyebrow">{l.org_name.clone()}</p>
                                <h1 id="landing-title">{l.headline.clone()}</h1>
                                <p role="status" class="notice">{l.stopped.clone()}</p>
                            </section>
                        }
                            .into_any(),
                        Ok(l) => view! {
                            <Title text=l.headline.clone() />
                            <section class="auth-card" aria-labelledby="landing-title">
                                <p class="eyebrow">{l.org_name.clone()}</p>
                                <h1 id="landing-title">{l.headline.clone()}</h1>
                                <p>{l.detail.clone()}</p>
                                <ActionForm action>
                                    <input type="hidden" name="kind" value=kind_value(kind) />
                                    <input type="hidden" name="token" value=token() />
                                    <ReturnHere />
                                    <FormError result fields=&[] />
                                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>"Continue"</button>
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

#[component]
pub fn VerifyPage() -> impl IntoView {
    let resend = ServerAction::<SendNewCode>::new();
    let verify = ServerAction::<VerifyCode>::new();
    // A conflict means the invitation changed under the page (it was just locked): reload what
    // the page shows, so that only what can still work is offered.
    let conflicted = move || matches!(verify.value().get(), Some(Err(AppError::Conflict(_))));
    let step = load(move || (resend.version().get(), conflicted()), |_| load_code_step());
    let result = verify.value();
    let pending = verify.pending();
    let queue = toasts().source();
    // The code box takes the focus when the page arrives (from Continue, the page changes
    // without a load, where `autofocus` would not act), unless the person is already elsewhere.
    let code_box = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        let nothing_focused = document().active_element().is_none_or(|e| e.tag_name() == "BODY");
        if let Some(input) = code_box.get()
            && nothing_focused
        {
            let _ = input.focus();
        }
    });
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(())) => queue.show("A new code is on its way"),
        Some(Err(e)) => queue.error(&e),
        None => {}
    });
    view! {
        <Title text="Enter your code" />
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match step.await {
                        Err(_) => view! {
                            <section class="auth-card" aria-labelledby="verify-title">
                                <h1 id="verify-title">"Your sign-in has timed out"</h1>
                                <p>"Open the link from your email again to get a new code."</p>
                            </section>
                        }
                            .into_any(),
                        Ok(s) if s.stopped.is_some() => view! {
                            <section class="auth-card" aria-labelledby="verify-title">
                                <p class="eyebrow">{s.org_name}</p>
                                <h1 id="verify-title">"This invitation is locked"</h1>
                                <p role="status" class="notice">{s.stopped}</p>
                            </section>
                        }
                            .into_any(),
                        Ok(s) => view! {
                            <section class="auth-card" aria-labelledby="verify-title">
                                <p class="eyebrow">{s.org_name}</p>
                                <h1 id="verify-title">"Enter your code"</h1>
                                <p>"We emailed a 6-digit code to " <strong>{s.masked_email}</strong> ". It is valid for 10 minutes."</p>
                                <ActionForm action=verify attr:novalidate=true>
                                    <FormError result fields=&["code"] />
                                    <div class="field">
                                        <label for="code">"6-digit code"</label>
                                        <input id="code" node_ref=code_box name="code" class="code-input" autofocus autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" maxlength="7" required aria-describedby="code-error" />
                                        <FieldError result field="code" id="code-error" />
                                    </div>
                                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>"Verify"</button>
                                </ActionForm>
                                <ActionForm action=resend>
                                    <button type="submit" class="btn btn-quiet btn-block">"Send a new code"</button>
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

#[component]
pub fn PortalSignInPage() -> impl IntoView {
    let slug = param("slug");
    let page = load(slug, load_portal_sign_in);
    view! {
        <main id="main" class="auth-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(_) => view! { <NotFound /> }.into_any(),
                        // Back after signing in, a bookmark: on to the portal.
                        Ok(p) if p.signed_in => view! { <GoTo path="/portal" /> }.into_any(),
                        Ok(p) => view! {
                            <Title text=format!("Sign in to {}", p.org_name) />
                            <section class="auth-card" aria-labelledby="portal-signin-title">
                                <p class="eyebrow">"Client portal"</p>
                                <h1 id="portal-signin-title">{format!("Sign in to {}", p.org_name)}</h1>
                                {if p.uses_password {
                                    view! { <PasswordSignIn slug=slug() /> }.into_any()
                                } else {
                                    view! { <EmailLinkSignIn slug=slug() /> }.into_any()
                                }}
                            </section>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// "Sign in to your portal": for a client whose browser does not know their firm's portal.
/// Every organization that knows the address emails a sign-in link; the answer is the same
/// for unknown addresses.
#[component]
pub fn PortalFinderPage() -> impl IntoView {
    view! {
        <OnToPortalWhenSignedIn />
        <Title text="Sign in to your portal" />
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="portal-finder-title">
                <p class="eyebrow">"Client portal"</p>
                <h1 id="portal-finder-title">"Sign in to your portal"</h1>
                <p class="lead">"Enter the email address your firm invited. We will email you a sign-in link for each portal you have access to."</p>
                <EmailLinkSignIn slug=String::new() />
            </section>
            <p class="auth-switch">"Staff of a firm? " <a href="/sign-in">"Sign in here"</a></p>
        </main>
    }
}

/// A client signed in already (Back after signing in, a bookmarked sign-in page) goes on to
/// their portal instead of the finder's form. (An organization's own sign-in page learns it from
/// its `load_portal_sign_in`.)
#[component]
fn OnToPortalWhenSignedIn() -> impl IntoView {
    let viewer = load(|| (), |_| crate::accounts::current_viewer());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(Viewer::Client { .. })) => view! { <GoTo path="/portal" /> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

/// To where this signed-out client signs in (`client_sign_in_path`).
#[component]
pub fn ClientSignInRedirect() -> impl IntoView {
    let path = load(|| (), |_| client_sign_in_path());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let path = path.await.unwrap_or_else(|_| "/portal/sign-in".to_string());
                view! { <GoTo path /> }
            })}
        </Suspense>
    }
}

/// "Email me a sign-in link": the same answer whether or not the address is known.
#[component]
fn EmailLinkSignIn(slug: String) -> impl IntoView {
    let action = ServerAction::<RequestSignInLink>::new();
    let result = action.value();
    let pending = action.pending();
    let sent = move || matches!(result.get(), Some(Ok(())));
    view! {
        <div hidden=move || !sent() role="status">
            <h2>"Check your email"</h2>
            <p>"If this address has access to the portal, we sent it a sign-in link. It works for a short while."</p>
        </div>
        <ActionForm action attr:novalidate=true attr:hidden=move || sent()>
            <input type="hidden" name="slug" value=slug />
            <FormError result fields=&["email"] />
            <div class="field">
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="email" aria-describedby="email-error" />
                <FieldError result field="email" id="email-error" />
            </div>
            <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>"Email me a sign-in link"</button>
        </ActionForm>
    }
}

/// Email and password, with "Forgot password" for a reset link by email. Which of the two
/// shows is in the address (`?forgot=1`), so the links between them work before the wasm and
/// without it, as plain links.
#[component]
fn PasswordSignIn(slug: String) -> impl IntoView {
    let sign_in = ServerAction::<SignInClient>::new();
    let reset = ServerAction::<RequestPasswordReset>::new();
    let query = leptos_router::hooks::use_query_map();
    let forgot = move || query.read().get("forgot").is_some();
    let result = sign_in.value();
    let reset_result = reset.value();
    let reset_sent = move || matches!(reset_result.get(), Some(Ok(())));
    let reset_slug = slug.clone();
    let forgot_href = format!("/p/{slug}?forgot=1");
    let back_href = format!("/p/{slug}");
    view! {
        <div hidden=move || forgot()>
            <ActionForm action=sign_in attr:novalidate=true>
                <input type="hidden" name="slug" value=slug />
                <FormError result fields=&["email", "password"] />
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
                <button type="submit" class="btn btn-primary btn-block" disabled=move || sign_in.pending().get()>"Sign in"</button>
            </ActionForm>
            <a class="btn btn-quiet btn-block" href=forgot_href>"Forgot password"</a>
        </div>
        <div hidden=move || !forgot()>
            <div hidden=move || !reset_sent() role="status">
                <h2>"Check your email"</h2>
                <p>"If this address has access to the portal, we sent it a link to choose a new password."</p>
            </div>
            <ActionForm action=reset attr:novalidate=true attr:hidden=move || reset_sent()>
                <input type="hidden" name="slug" value=reset_slug />
                <FormError result=reset_result fields=&["email"] />
                <div class="field">
                    <label for="reset-email">"Email"</label>
                    <input id="reset-email" name="email" type="email" required autocomplete="email" aria-describedby="reset-email-error" />
                    <FieldError result=reset_result field="email" id="reset-email-error" />
                </div>
                <button type="submit" class="btn btn-primary btn-block" disabled=move || reset.pending().get()>"Email me a reset link"</button>
            </ActionForm>
            <a class="btn btn-quiet btn-block" href=back_href>"Back to sign in"</a>
        </div>
    }
}

/// The choose-a-password step (organizations that use passwords), and after a reset.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let action = ServerAction::<SetClientPassword>::new();
    let result = action.value();
    view! {
        <Title text="Choose a password" />
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="password-title">
                <h1 id="password-title">"Choose a password"</h1>
                <p>"You will sign in to the portal with your email and this password from now on."</p>
                <ActionForm action attr:novalidate=true>
                    <FormError result fields=&["password", "confirm"] />
                    <NewPasswordFields result />
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || action.pending().get()>"Save password"</button>
                </ActionForm>
            </section>
        </main>
    }
}
