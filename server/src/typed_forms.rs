//! A form posted before (or without) the page's script and refused comes back with what was
//! typed in it.
//!
//! server_fn answers a plain form post (`Accept: text/html`) with a redirect to the page it
//! came from, the error in the address (`__path`, `__err`), and the page shows each message
//! under its field. But the page is rendered afresh, so every box would be empty again (or, on
//! an edit form, hold the saved values): the person's change would be lost. This layer keeps
//! the submitted fields in a short-lived cookie on that redirect and, when the page it points
//! to is rendered, writes them back into that one form (`form[action=<the server function>]`).
//!
//! Why here and not in each form's view: every form, and every form still to be written, gets
//! it from one place, and no view has to thread "what was typed" through its props. It stays
//! correct when the page's script arrives later: hydrating keeps the attributes the server
//! wrote (tachys sets attributes only when it renders in the browser).
//!
//! Never kept: passwords, codes, tokens and idempotency keys (by field name), file inputs, the
//! server's own `__` fields; hidden inputs keep what the page renders, except those the form
//! marks `data-keep` (the `version` an edit was made against). The cookie is HttpOnly, lives one minute, holds at
//! most `KEEP_LIMIT` bytes (a field too long for it is left as the page renders it, with a
//! message under it asking to type it again) and ends with the next other page view or the
//! next successful call (reloading the refused page shows it again as it was).

use std::{
    cell::{Cell, RefCell},
    collections::{HashMap, HashSet},
    rc::Rc,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};
use lol_html::{RewriteStrSettings, element, html_content::ContentType, rewrite_str};
use portico_app::components::Done;

/// The cookie's base name (`__Host-` is prefixed on HTTPS).
const COOKIE: &str = "portico_typed";
/// Far above any form of the app that is not a file upload.
const BODY_LIMIT: usize = 64 * 1024;
/// What one cookie can carry with room for its name and attributes (browsers keep 4 KB).
const KEEP_LIMIT: usize = 3_200;
/// Far above any page of the app; a larger one is passed on as it is.
const PAGE_LIMIT: usize = 8 * 1024 * 1024;
/// The redirect is followed at once; a minute covers a slow phone.
const COOKIE_SECONDS: i64 = 60;
/// Fields whose values must never leave the request that carried them.
const NEVER_KEPT: &[&str] = &["password", "confirm", "code", "token", "request_key"];
/// Marks a field whose default the layer wrote: once the page's script is here it makes that
/// the field's current value only (`portico_app::mark_hydrated`), so a form reset after a
/// later success empties the form instead of bringing the refused values back.
const KEPT: &str = "data-kept";
/// Said under a field whose words did not fit in the cookie, instead of an empty box alone.
const TOO_LONG: &str =
    r#"<p class="field-error" role="alert">What you typed here was too long to bring back. Please type it again.</p>"#;
/// Marks a hidden field whose sent value goes back (the version an edit was made against): see
/// `fill`. Forms say it themselves rather than this layer knowing their fields' names.
const KEEP_HIDDEN: &str = "data-keep";
/// The cookie's own entries: the server function's path, and a field left out for its size.
const FORM: &str = "__form";
const LEFT_OUT: &str = "__left_out";

/// Whether cookies are `Secure` (`__Host-`), as the app's own.
#[derive(Clone, Copy)]
pub struct SecureCookies(pub bool);

pub async fn keep_typed(State(SecureCookies(secure)): State<SecureCookies>, req: Request, next: Next) -> Response {
    if is_plain_form_post(&req) {
        return after_post(secure, req, next).await;
    }
    // Nearly every request carries no kept fields: a look at the raw header spares parsing it.
    let mentioned = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .any(|v| v.as_bytes().windows(COOKIE.len()).any(|w| w == COOKIE.as_bytes()));
    if !mentioned || portico_app::server::cookie_in(req.headers(), COOKIE, secure).is_none() {
        return next.run(req).await;
    }
    if req.method() == Method::POST && req.uri().path().starts_with("/api/") {
        // A call from the page's script that succeeds: nothing is left to bring back.
        let mut res = next.run(req).await;
        if res.status().is_success() {
            forget(&mut res, secure);
        }
        return res;
    }
    match kept_for_this_page(&req, secure) {
        Some(kept) => page_with_typed(secure, kept, req, next).await,
        None => next.run(req).await,
    }
}

/// Deletes the cookie with this response.
fn forget(res: &mut Response, secure: bool) {
    if let Some(cookie) = portico_app::server::cookie_header(COOKIE, None, secure, None) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
}

fn header_text(req: &Request, name: header::HeaderName) -> &str {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A browser's own form post to a server function (the script's calls accept no HTML), small
/// enough to read whole. The one test for it: this layer and the link pages' layer
/// (`security::link_page_forms`) both read such a body before server_fn does.
pub(crate) fn is_plain_form_post(req: &Request) -> bool {
    req.method() == Method::POST
        && req.uri().path().starts_with("/api/")
        && header_text(req, header::ACCEPT).contains("text/html")
        && header_text(req, header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
        && header_text(req, header::CONTENT_LENGTH).parse::<usize>().is_ok_and(|n| n <= BODY_LIMIT)
}

async fn after_post(secure: bool, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    let bytes = match read_plain_form(body).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused,
    };
    let had_cookie = portico_app::server::cookie_in(&parts.headers, COOKIE, secure).is_some();
    let mut res = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    let location = res.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()).map(str::to_string);
    let refused = res.status().is_redirection() && location.as_deref().is_some_and(|l| l.contains("__err="));
    if refused {
        // server_fn appends this refusal's `__path` and `__err` to the page's address, which
        // already holds the last refusal's: each try made it longer until the browser gave up
        // on it (a person mending a form twenty times lost it). Only the latest is kept.
        if let Some(latest) =
            location.as_deref().and_then(latest_refusal_only).and_then(|l| HeaderValue::from_str(&l).ok())
        {
            res.headers_mut().insert(header::LOCATION, latest);
        }
        if let Some(cookie) =
            portico_app::server::cookie_header(COOKIE, Some(&keep(&path, &bytes)), secure, Some(COOKIE_SECONDS))
        {
            res.headers_mut().append(header::SET_COOKIE, cookie);
        }
    } else {
        if res.status().is_redirection()
            && let Some(done) =
                location.as_deref().and_then(|l| after_success(&path, l)).and_then(|l| HeaderValue::from_str(&l).ok())
        {
            res.headers_mut().insert(header::LOCATION, done);
        }
        if had_cookie {
            // Saved this time: what an earlier refusal kept is of no use any more.
            forget(&mut res, secure);
        }
    }
    res
}

/// The address server_fn sends a successful plain form post back to (the page it came from),
/// with what was done (`done=`, an earlier one replaced: `Done::after_plain_post`) and without
/// the page states the action ends. server_fn itself already takes an earlier refusal's
/// `__path` and `__err` out of it on success; they are dropped here too so that its error can
/// never show beside the success. `None`: leave it as it is.
fn after_success(path: &str, location: &str) -> Option<String> {
    let done = Done::after_plain_post(path);
    let ends: &[&str] = done.map_or(&[], |(_, ends)| ends);
    let changed = with_query(location, |pairs| {
        let before = pairs.len();
        pairs.retain(|(k, _)| !matches!(k.as_str(), "__path" | "__err" | "done") && !ends.contains(&k.as_str()));
        pairs.extend(done.map(|(d, _)| ("done".to_string(), d.key().to_string())));
        done.is_some() || pairs.len() != before
    })?;
    changed.1.then_some(changed.0)
}

/// The address with only its last `__path` and `__err` (server_fn adds one pair a refusal), and
/// without an earlier success's `done` (its toast is not news beside this refusal).
fn latest_refusal_only(location: &str) -> Option<String> {
    let (url, ()) = with_query(location, |pairs| {
        let last = |name: &str| pairs.iter().rposition(|(k, _)| k == name);
        let (last_path, last_err) = (last("__path"), last("__err"));
        let mut i = 0;
        pairs.retain(|(k, _)| {
            i += 1;
            match k.as_str() {
                "__path" => Some(i - 1) == last_path,
                "__err" => Some(i - 1) == last_err,
                "done" => false,
                _ => true,
            }
        });
    })?;
    Some(url)
}

/// An absolute address with its query's pairs changed by `change` (what it answers comes back
/// beside the new address); an empty query leaves no `?`. `None` for an address that does not
/// parse as absolute.
fn with_query<T>(location: &str, change: impl FnOnce(&mut Vec<(String, String)>) -> T) -> Option<(String, T)> {
    let mut url = url::Url::parse(location).ok()?;
    let mut pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let answer = change(&mut pairs);
    url.query_pairs_mut().clear().extend_pairs(pairs);
    if url.query() == Some("") {
        url.set_query(None);
    }
    Some((url.to_string(), answer))
}

/// The body of a plain form post (`is_plain_form_post` checked its length), or a 400.
pub(crate) async fn read_plain_form(body: Body) -> Result<axum::body::Bytes, Response> {
    use axum::response::IntoResponse;
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| (StatusCode::BAD_REQUEST, "The form could not be read.").into_response())
}

/// The cookie's value: the server function's path, then the fields that may be kept, in the
/// order sent, as long as they fit (url-encoded, which a cookie value may hold as it is).
fn keep(path: &str, body: &[u8]) -> String {
    let pair = |name: &str, value: &str| {
        url::form_urlencoded::Serializer::new(String::new()).append_pair(name, value).finish()
    };
    let mut out = pair(FORM, path);
    let mut add = |entry: String| {
        let fits = out.len() + 1 + entry.len() <= KEEP_LIMIT;
        if fits {
            out.push('&');
            out.push_str(&entry);
        }
        fits
    };
    for (name, value) in url::form_urlencoded::parse(body) {
        if name.starts_with("__") || NEVER_KEPT.contains(&name.as_ref()) || name.contains("password") {
            continue;
        }
        if !add(pair(&name, &value)) {
            add(pair(LEFT_OUT, &name));
        }
    }
    out
}

/// What was typed into a refused form, for the page the refusal was sent back to.
#[derive(Debug, Default, PartialEq)]
struct Kept {
    /// The server function's path: the `action` of the form to fill.
    form: String,
    values: HashMap<String, Vec<String>>,
    left_out: Vec<String>,
}

impl Kept {
    fn parse(cookie: &str) -> Option<Kept> {
        let mut kept = Kept::default();
        for (name, value) in url::form_urlencoded::parse(cookie.as_bytes()) {
            match name.as_ref() {
                FORM => kept.form = value.into_owned(),
                LEFT_OUT => kept.left_out.push(value.into_owned()),
                _ => kept.values.entry(name.into_owned()).or_default().push(value.into_owned()),
            }
        }
        // It becomes part of a CSS selector: a server function's path, nothing else.
        let path_like = kept.form.strip_prefix("/api/").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/'))
        });
        path_like.then_some(kept)
    }

    /// Whether this field's boxes should show what was sent (it was in the form and kept).
    fn knows(&self, name: &str) -> bool {
        !self.left_out.iter().any(|n| n == name)
    }

    fn sent(&self, name: &str) -> &[String] {
        self.values.get(name).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The kept fields, when this request is the page view a refusal sent the browser to: a GET
/// for HTML whose address carries the error of the same server function.
fn kept_for_this_page(req: &Request, secure: bool) -> Option<(Kept, bool)> {
    if req.method() != Method::GET || !header_text(req, header::ACCEPT).contains("text/html") {
        return None;
    }
    let cookie = portico_app::server::cookie_in(req.headers(), COOKIE, secure)?;
    let kept = Kept::parse(&cookie).unwrap_or_default();
    let query = req.uri().query().unwrap_or("");
    let this_page = url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "__path" && v == kept.form)
        && query.contains("__err=");
    Some((kept, this_page))
}

async fn page_with_typed(secure: bool, (kept, this_page): (Kept, bool), req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let (mut parts, body) = res.into_parts();
    let body = if this_page && parts.status == StatusCode::OK && is_html {
        match axum::body::to_bytes(body, PAGE_LIMIT).await {
            Ok(bytes) => {
                parts.headers.remove(header::CONTENT_LENGTH);
                let page = String::from_utf8_lossy(&bytes);
                Body::from(fill(&page, &kept).unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "could not write a refused form's fields back");
                    page.into_owned()
                }))
            }
            Err(_) => {
                use axum::response::IntoResponse;
                return (StatusCode::BAD_REQUEST, "The page could not be read.").into_response();
            }
        }
    } else {
        body
    };
    let mut res = Response::from_parts(parts, body);
    // Reloading the refused page shows it again as it was (its error is in its address); any
    // other page view ends it, and a later visit to the form starts from what is saved.
    if !this_page {
        forget(&mut res, secure);
    }
    res
}

/// The page with the kept values in the boxes of the one form they were sent from, and the
/// folded sections (`<details>`) around that form and around what comes back opened: what was
/// typed and the error are in sight. Three passes over a refused page only: which form was
/// sent, its boxes filled, the sections opened.
fn fill(page: &str, kept: &Kept) -> Result<String, lol_html::errors::RewritingError> {
    let form = format!("form[action=\"{}\"]", kept.form);
    let sent = sent_form(page, &form, kept)?;
    let Filled { page: filled, open } = write_back(page, &form, sent, kept)?;
    if open.is_empty() {
        return Ok(filled);
    }
    // The `<details>` by number in page order, as `write_back` counted them.
    let seen = Cell::new(0usize);
    rewrite_str(
        &filled,
        RewriteStrSettings {
            element_content_handlers: vec![element!("details", |el| {
                if open.contains(&seen.replace(seen.get() + 1)) {
                    el.set_attribute("open", "")?;
                }
                Ok(())
            })],
            ..RewriteStrSettings::new()
        },
    )
}

/// A page with a refused form's boxes filled, and the `<details>` to open (their numbers among
/// the page's `<details>`, in page order): those around the form, and those around a field of
/// it that now shows something different from what the page rendered, or that says its words
/// were too long to bring back.
struct Filled {
    page: String,
    open: HashSet<usize>,
}

fn write_back(page: &str, form: &str, sent: usize, kept: &Kept) -> Result<Filled, lol_html::errors::RewritingError> {
    // The `<details>` around the current element, by number.
    let details_seen = Cell::new(0usize);
    let around: Rc<RefCell<Vec<usize>>> = Rc::default();
    let open: RefCell<HashSet<usize>> = RefCell::default();
    let open_around = || open.borrow_mut().extend(around.borrow().iter().copied());
    // The number of this form among those with the action, while its fields are read (forms
    // do not nest: a field belongs to the last form opened).
    let current: RefCell<Option<usize>> = RefCell::default();
    let in_sent = || *current.borrow() == Some(sent);
    let used: RefCell<HashMap<String, usize>> = RefCell::default();
    // The `<select>` whose options come next, if its choice was kept.
    let select: RefCell<Option<String>> = RefCell::default();
    // Each box of a name takes the next value sent under it (a name may repeat). Whether the
    // box now shows something else than the page gave it.
    let set_value = |el: &mut lol_html::html_content::Element, name: &str| {
        let mut used = used.borrow_mut();
        let n = used.entry(name.to_string()).or_default();
        let mut changed = false;
        if let Some(value) = kept.sent(name).get(*n) {
            changed = *value != el.get_attribute("value").unwrap_or_default();
            // lol_html escapes the quote only; a typed `&amp;` must not come back as `&`.
            el.set_attribute("value", &value.replace('&', "&amp;"))?;
            el.set_attribute(KEPT, "")?;
        }
        *n += 1;
        Ok::<_, lol_html::errors::AttributeNameError>(changed)
    };
    let inputs = format!("{form} input");
    let selects = format!("{form} select");
    let options = format!("{form} option");
    let textareas = format!("{form} textarea");
    let page = rewrite_str(
        page,
        RewriteStrSettings {
            element_content_handlers: vec![
                element!("details", |el| {
                    around.borrow_mut().push(details_seen.replace(details_seen.get() + 1));
                    let around = Rc::clone(&around);
                    let closed: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                        around.borrow_mut().pop();
                        Ok(())
                    });
                    el.on_end_tag(closed)
                }),
                element!(form, |_| {
                    let mut current = current.borrow_mut();
                    *current = Some(current.map_or(0, |n| n + 1));
                    if *current == Some(sent) {
                        open_around();
                    }
                    Ok(())
                }),
                element!(inputs, |el| {
                    let Some(name) = el.get_attribute("name").filter(|_| in_sent()) else { return Ok(()) };
                    if !kept.knows(&name) {
                        el.after(TOO_LONG, ContentType::Html);
                        open_around();
                        return Ok(());
                    }
                    if el.has_attribute("disabled") {
                        return Ok(());
                    }
                    let kind = el.get_attribute("type").unwrap_or_default().to_ascii_lowercase();
                    let changed = match kind.as_str() {
                        // The version an edit was made against goes back with the edit: after
                        // "Someone else saved…" a second Save is refused again until Reload, as
                        // it is with the script, instead of going over the other change.
                        "hidden" if el.has_attribute(KEEP_HIDDEN) => {
                            set_value(el, &name)?;
                            el.remove_attribute(KEPT);
                            false
                        }
                        "hidden" | "password" | "file" | "submit" | "button" | "reset" | "image" => false,
                        // A box not ticked is not sent: absent means not ticked.
                        "checkbox" | "radio" => {
                            let value = el.get_attribute("value").unwrap_or_else(|| "on".to_string());
                            let ticked = kept.sent(&name).contains(&value);
                            let changed = ticked != el.has_attribute("checked");
                            if ticked {
                                el.set_attribute("checked", "")?;
                                el.set_attribute(KEPT, "")?;
                            } else {
                                el.remove_attribute("checked");
                            }
                            changed
                        }
                        _ => set_value(el, &name)?,
                    };
                    if changed {
                        open_around();
                    }
                    Ok(())
                }),
                element!(selects, |el| {
                    let name =
                        el.get_attribute("name").filter(|n| in_sent() && kept.knows(n) && !kept.sent(n).is_empty());
                    *select.borrow_mut() = if el.has_attribute("disabled") { None } else { name };
                    Ok(())
                }),
                element!(options, |el| {
                    let (Some(name), Some(value)) = (select.borrow().clone(), el.get_attribute("value")) else {
                        return Ok(());
                    };
                    let chosen = kept.sent(&name).contains(&value);
                    if chosen != el.has_attribute("selected") {
                        open_around();
                    }
                    if chosen {
                        el.set_attribute("selected", "")?;
                        el.set_attribute(KEPT, "")?;
                    } else {
                        el.remove_attribute("selected");
                    }
                    Ok(())
                }),
                element!(textareas, |el| {
                    let Some(name) = el.get_attribute("name").filter(|_| in_sent()) else { return Ok(()) };
                    if !kept.knows(&name) {
                        el.after(TOO_LONG, ContentType::Html);
                        open_around();
                        return Ok(());
                    }
                    if let Some(value) = kept.sent(&name).first() {
                        // The HTML parser drops a newline that starts a textarea's text: one
                        // goes first so that a typed leading blank line survives.
                        el.set_inner_content(&format!("\n{value}"), ContentType::Text);
                        el.set_attribute(KEPT, "")?;
                        // What the page had there is not known here: anything typed shows.
                        if !value.is_empty() {
                            open_around();
                        }
                    }
                    Ok(())
                }),
            ],
            ..RewriteStrSettings::new()
        },
    )?;
    Ok(Filled { page, open: open.into_inner() })
}

/// Which of the page's forms with this action was sent (rows can each have a form to the same
/// server function, told apart by a hidden id): the first whose hidden fields hold what was
/// sent under their names. Hidden fields marked `data-keep` are left out of the comparison (after
/// a conflict the page holds a newer version), and so are fields that are never kept.
fn sent_form(page: &str, form: &str, kept: &Kept) -> Result<usize, lol_html::errors::RewritingError> {
    let hidden_of_each: RefCell<Vec<Vec<(String, String)>>> = RefCell::default();
    let hidden = format!("{form} input[type=\"hidden\"]");
    rewrite_str(
        page,
        RewriteStrSettings {
            element_content_handlers: vec![
                element!(form, |_| {
                    hidden_of_each.borrow_mut().push(Vec::new());
                    Ok(())
                }),
                element!(hidden, |el| {
                    if el.has_attribute(KEEP_HIDDEN) {
                        return Ok(());
                    }
                    if let (Some(name), Some(fields)) =
                        (el.get_attribute("name"), hidden_of_each.borrow_mut().last_mut())
                    {
                        fields.push((name, el.get_attribute("value").unwrap_or_default()));
                    }
                    Ok(())
                }),
            ],
            ..RewriteStrSettings::new()
        },
    )?;
    let matches = |fields: &Vec<(String, String)>| {
        fields.iter().all(|(name, value)| !kept.values.contains_key(name) || kept.sent(name).contains(value))
    };
    Ok(hidden_of_each.borrow().iter().position(matches).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept_from(path: &str, body: &str) -> Kept {
        Kept::parse(&keep(path, body.as_bytes())).expect("a server function's path")
    }

    #[test]
    fn secrets_and_the_servers_own_fields_are_never_kept() {
        let kept = kept_from(
            "/api/add_client",
            "name=Ada&password=hunter22&confirm=hunter22&code=123456&token=abc&request_key=k1&__page=%2Fi%2Fx&new_password=p&postal_code=EC1",
        );
        let mut names: Vec<&str> = kept.values.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["name", "postal_code"]);
        assert_eq!(kept.form, "/api/add_client");
    }

    #[test]
    fn a_field_too_long_for_the_cookie_is_named_not_kept() {
        let long = "x".repeat(KEEP_LIMIT);
        let kept = kept_from("/api/post_update", &format!("title=Hi&body={long}&notify=on"));
        assert_eq!(kept.sent("title"), ["Hi"]);
        assert_eq!(kept.sent("notify"), ["on"]);
        assert!(kept.sent("body").is_empty());
        assert!(!kept.knows("body"));
        assert!(keep("/api/post_update", format!("title=Hi&body={long}").as_bytes()).len() <= KEEP_LIMIT);
    }

    #[test]
    fn of_several_forms_to_one_server_function_the_one_sent_gets_the_words() {
        let row = |id: u32| {
            format!(
                r#"<form action="/api/complete_task"><input type="hidden" name="task_id" value="{id}"><textarea name="comment"></textarea></form>"#
            )
        };
        let page = format!("{}{}{}", row(1), row(2), row(3));
        let kept = kept_from("/api/complete_task", "task_id=2&comment=Done+it");
        let expected = format!(
            "{}{}{}",
            row(1),
            r#"<form action="/api/complete_task"><input type="hidden" name="task_id" value="2"><textarea name="comment" data-kept="">
Done it</textarea></form>"#,
            row(3)
        );
        assert_eq!(fill(&page, &kept).unwrap(), expected);
    }

    #[test]
    fn a_field_left_out_for_its_size_says_so_under_it() {
        let long = "x".repeat(KEEP_LIMIT);
        let kept = kept_from("/api/create_task", &format!("title=&description={long}"));
        let page = r#"<form action="/api/create_task"><input name="title" value="old"><textarea name="description"></textarea></form>"#;
        let expected = format!(
            r#"<form action="/api/create_task"><input name="title" value="" data-kept=""><textarea name="description"></textarea>{TOO_LONG}</form>"#
        );
        assert_eq!(fill(page, &kept).unwrap(), expected);
    }

    #[test]
    fn only_the_latest_refusal_stays_in_the_address() {
        let twice = "http://h.test/clients/new?project=3&done=task-created&__path=%2Fapi%2Fa&__err=AAA&__path=%2Fapi%2Fa&__err=BBB";
        assert_eq!(
            latest_refusal_only(twice).as_deref(),
            Some("http://h.test/clients/new?project=3&__path=%2Fapi%2Fa&__err=BBB")
        );
    }

    #[test]
    fn a_success_says_what_was_done_ends_its_dialog_and_drops_an_old_refusal() {
        use leptos::server_fn::ServerFn;
        let invite = portico_app::invitations::InviteClient::PATH;
        assert_eq!(
            after_success(invite, "http://127.0.0.1:3000/projects/7/portal?invite&status=invited&__path=%2Fapi%2Fx&__err=e&done=task-created").as_deref(),
            Some("http://127.0.0.1:3000/projects/7/portal?status=invited&done=invitation-sent")
        );
        assert_eq!(
            after_success(invite, "http://127.0.0.1:3000/projects/7/portal?invite").as_deref(),
            Some("http://127.0.0.1:3000/projects/7/portal?done=invitation-sent")
        );
        // Another server function: only the old refusal goes; nothing to change, nothing changed.
        assert_eq!(
            after_success("/api/other", "http://127.0.0.1:3000/x?invite&__path=%2Fapi%2Fother&__err=e").as_deref(),
            Some("http://127.0.0.1:3000/x?invite=")
        );
        assert_eq!(after_success("/api/other", "http://127.0.0.1:3000/x?a=1"), None);
        assert_eq!(after_success("/api/other", "/relative"), None);
    }

    #[test]
    fn a_cookie_that_names_no_server_function_is_ignored() {
        assert_eq!(Kept::parse("__form=%2Fapi%2Fx%22%5D%20*&name=a"), None);
        assert_eq!(Kept::parse("__form=%2Fclients&name=a"), None);
        assert_eq!(Kept::parse("name=a"), None);
    }

    #[test]
    fn a_collapsed_section_holding_what_was_typed_opens() {
        let page = r#"<form action="/api/save_customer" method="post"><input name="name">
<details><summary>Address</summary><input name="street"></details>
<details class="new"><summary>Add a new customer</summary><input name="new_customer"></details>
<details><summary>Notes</summary><details><summary>More</summary><input type="checkbox" name="vip"></details></details>
</form>"#;
        let kept = kept_from("/api/save_customer", "name=Northwind&street=&new_customer=Acme&vip=on");
        let out = fill(page, &kept).unwrap();
        // An empty box stays folded; a typed one and a ticked one open, with what holds them.
        // (No `<details>` surrounds the form here.)
        assert!(out.contains("<details><summary>Address</summary>"), "{out}");
        assert!(out.contains(r#"<details class="new" open=""><summary>Add a new customer"#), "{out}");
        assert!(out.contains(r#"<details open=""><summary>Notes</summary><details open=""><summary>More"#), "{out}");
        // Of two rows' forms to one server function, only the sent one's section opens.
        let row = |id| {
            format!(
                r#"<form action="/api/save_customer"><input type="hidden" name="id" value="{id}"><details><input name="new_customer"></details></form>"#
            )
        };
        let out =
            fill(&format!("{}{}", row(1), row(2)), &kept_from("/api/save_customer", "id=2&new_customer=Acme")).unwrap();
        assert_eq!(out.matches("<details open").count(), 1, "{out}");
        assert!(out.contains(r#"value="2"><details open="">"#), "{out}");
        // What the page already shows is not something typed: a box with its saved value, a
        // box ticked by default, a disabled field. A refused form inside a folded section ("Send
        // form") opens it: its error is in it.
        let page = r#"<details><summary>Send form</summary><form action="/api/send_form">
<details><summary>A</summary><input name="note" value="Saved"></details>
<details><summary>B</summary><input type="checkbox" name="all" checked></details>
<details><summary>C</summary><input name="off" disabled></details>
<details><summary>D</summary><select name="who"><option value="1" selected>Ann</option><option value="2">Bo</option></select></details>
<details><summary>E</summary><select name="whom"><option value="1" selected>Ann</option><option value="2">Bo</option></select></details>
</form></details>"#;
        let out = fill(page, &kept_from("/api/send_form", "note=Saved&all=on&off=x&who=1&whom=2")).unwrap();
        assert!(out.starts_with(r#"<details open=""><summary>Send form"#), "{out}");
        assert_eq!(out.matches("<details open").count(), 2, "the form's section and E's only: {out}");
        assert!(out.contains(r#"<details open=""><summary>E</summary>"#), "{out}");
    }

    #[test]
    fn the_one_form_gets_back_what_was_typed() {
        let page = r#"<form action="/api/other"><input name="name"></form>
<form action="/api/add_client" method="post">
<input id="n" name="name" maxlength="200"><input name="email" type="email" value="old@example.com">
<input type="hidden" name="version" value="7" data-keep><input type="password" name="password">
<input type="checkbox" name="projects[]" value="1" checked><input type="checkbox" name="projects[]" value="2">
<input type="checkbox" name="projects[]" value="3" disabled checked>
<input type="radio" name="kind" value="business" checked><input type="radio" name="kind" value="individual">
<select name="assigned_staff"><option value="">Nobody yet</option><option value="4">Bo</option></select>
<textarea name="description"></textarea></form>"#;
        let kept = kept_from(
            "/api/add_client",
            "name=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&email=ada%40example.com%26amp%3Bco&version=3&password=secret1234\
             &projects%5B%5D=2&kind=individual&assigned_staff=4&description=%3C%2Ftextarea%3E%3Cb%3Ehi",
        );
        let out = fill(page, &kept).unwrap();
        // In a quoted attribute only the quote and `&` are markup: a typed quote cannot end it.
        let expected = r#"<form action="/api/other"><input name="name"></form>
<form action="/api/add_client" method="post">
<input id="n" name="name" maxlength="200" value="&quot;><img src=x onerror=alert(1)>" data-kept=""><input name="email" type="email" value="ada@example.com&amp;amp;co" data-kept="">
<input type="hidden" name="version" value="3" data-keep><input type="password" name="password">
<input type="checkbox" name="projects[]" value="1"><input type="checkbox" name="projects[]" value="2" checked="" data-kept="">
<input type="checkbox" name="projects[]" value="3" disabled checked>
<input type="radio" name="kind" value="business"><input type="radio" name="kind" value="individual" checked="" data-kept="">
<select name="assigned_staff"><option value="">Nobody yet</option><option value="4" selected="" data-kept="">Bo</option></select>
<textarea name="description" data-kept="">
&lt;/textarea&gt;&lt;b&gt;hi</textarea></form>"#;
        assert_eq!(out, expected);
    }
}
