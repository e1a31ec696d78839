//! The emails Portico sends, rendered from templates (HTML with autoescaping, and plain text).

use minijinja::{Environment, context};
use serde::Serialize;

use crate::{Error, Result};

/// A rendered email, ready for the outbox.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const LAYOUT_HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ subject }}</title></head>
<body style="margin:0;background:#f4f5f7;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2430">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 12px">
<table role="presentation" width="100%" style="max-width:560px;background:#ffffff;border-radius:12px;padding:32px">
<tr><td>
<p style="margin:0 0 24px;font-weight:700;font-size:18px;color:#3346d3">{{ org_name }}</p>
{% block content %}{% endblock %}
<p style="margin:32px 0 0;font-size:12px;color:#6b7280">Powered by Portico</p>
</td></tr></table></td></tr></table></body></html>"#;

const INVITATION_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">{{ inviter_name }} invited you to {{ project_name }}</h1>
<p>Hello {{ client_name }},</p>
<p>{{ inviter_name }} at {{ org_name }} invited you to the client portal for <strong>{{ project_name }}</strong>.
There you can see the projects {{ org_name }} shares with you. You do not need a password:
we send you a one-time code when you sign in.</p>
{% if tasks %}<div style="padding:12px 16px;background:#f3f4f8;border-radius:8px">{{ inviter_name }} asked you to:<ul style="margin:8px 0;padding-left:20px">{% for task in tasks %}<li><strong>{{ task.title }}</strong>{% if task.due %} (due {{ task.due }}){% endif %}</li>{% endfor %}</ul>You will find {% if tasks|length > 1 %}them{% else %}it{% endif %} in the portal.</div>
{% endif %}{% if form %}<p style="padding:12px 16px;background:#f3f4f8;border-radius:8px">When you open the portal, {{ inviter_name }} asks you to fill in a short form first: <strong>{{ form }}</strong>.</p>
{% endif %}<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Open the portal</a></p>
<p style="font-size:14px;color:#4b5563">Or paste this link into your browser:<br><a href="{{ link }}">{{ link }}</a></p>
<p style="font-size:14px;color:#4b5563">This invitation expires on {{ expires_on }}.</p>
{% endblock %}"#;

const INVITATION_TEXT: &str = "Hello {{ client_name }},

{{ inviter_name }} at {{ org_name }} invited you to the client portal for {{ project_name }}.
You do not need a password: we send you a one-time code when you sign in.
{% if tasks %}
{{ inviter_name }} asked you to:
{% for task in tasks %}- {{ task.title }}{% if task.due %} (due {{ task.due }}){% endif %}
{% endfor %}You will find {% if tasks|length > 1 %}them{% else %}it{% endif %} in the portal.
{% endif %}{% if form %}
When you open the portal, {{ inviter_name }} asks you to fill in a short form first: {{ form }}.
{% endif %}
Open the portal: {{ link }}

This invitation expires on {{ expires_on }}.

-- 
{{ org_name }} · Powered by Portico
";

const CODE_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Your sign-in code</h1>
<p>Enter this code to continue to the {{ org_name }} portal:</p>
<p style="font-size:32px;letter-spacing:8px;font-weight:700;margin:24px 0">{{ code }}</p>
<p style="font-size:14px;color:#4b5563">The code is valid for 10 minutes. If you did not try to sign in, you can ignore this email.</p>
{% endblock %}"#;

const CODE_TEXT: &str = "Your sign-in code for the {{ org_name }} portal: {{ code }}

The code is valid for 10 minutes. If you did not try to sign in, you can ignore this email.
";

const SIGN_IN_LINK_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Sign in to {{ org_name }}</h1>
<p>Hello {{ client_name }}, use the button below to sign in to your client portal.</p>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Sign in</a></p>
<p style="font-size:14px;color:#4b5563">Or paste this link into your browser:<br><a href="{{ link }}">{{ link }}</a></p>
<p style="font-size:14px;color:#4b5563">The link works for {{ minutes }} minutes. If you did not ask for it, you can ignore this email.</p>
{% endblock %}"#;

const SIGN_IN_LINK_TEXT: &str = "Hello {{ client_name }},

Sign in to the {{ org_name }} client portal: {{ link }}

The link works for {{ minutes }} minutes. If you did not ask for it, you can ignore this email.
";

const PASSWORD_RESET_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Reset your password</h1>
<p>Hello {{ client_name }}, use the button below to choose a new password for your {{ org_name }} client portal.</p>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Choose a new password</a></p>
<p style="font-size:14px;color:#4b5563">Or paste this link into your browser:<br><a href="{{ link }}">{{ link }}</a></p>
<p style="font-size:14px;color:#4b5563">The link works once, for {{ minutes }} minutes. If you did not ask for it, you can ignore this email: your password stays as it is.</p>
{% endblock %}"#;

const PASSWORD_RESET_TEXT: &str = "Hello {{ client_name }},

Choose a new password for your {{ org_name }} client portal: {{ link }}

The link works once, for {{ minutes }} minutes. If you did not ask for it, you can ignore this email: your password stays as it is.
";

const STAFF_PASSWORD_RESET_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Choose a new password</h1>
<p>Hello {{ name }}, use the button below to choose a new password for your Portico staff account at {{ org_name }}.</p>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Choose a new password</a></p>
<p style="font-size:14px;color:#4b5563">Or paste this link into your browser:<br><a href="{{ link }}">{{ link }}</a></p>
<p style="font-size:14px;color:#4b5563">The link works once, for {{ minutes }} minutes. If you did not ask for it, you can ignore this email: your password stays as it is.</p>
{% endblock %}"#;

const STAFF_PASSWORD_RESET_TEXT: &str = "Hello {{ name }},

Choose a new password for your Portico staff account at {{ org_name }}: {{ link }}

The link works once, for {{ minutes }} minutes. If you did not ask for it, you can ignore this email: your password stays as it is.
";

const LOGIN_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Sign in to your {{ org_name }} portal</h1>
<p>Hello {{ client_name }},</p>
<p>{{ sender_name }} at {{ org_name }} sent you a link to sign in to your client portal with one click.</p>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Sign in to the portal</a></p>
<p style="font-size:14px;color:#4b5563">Or paste this link into your browser:<br><a href="{{ link }}">{{ link }}</a></p>
<p style="font-size:14px;color:#4b5563">The link works once, for {{ minutes }} minutes. Do not forward this email: anyone with the link can sign in as you.</p>
{% endblock %}"#;

const LOGIN_TEXT: &str = "Hello {{ client_name }},

{{ sender_name }} at {{ org_name }} sent you a link to sign in to your client portal with one click:

{{ link }}

The link works once, for {{ minutes }} minutes. Do not forward this email: anyone with the link can sign in as you.

-- 
{{ org_name }} · Powered by Portico
";

const NOTIFICATION_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">{{ title }}</h1>
<p>{{ body }}</p>
{% if link %}<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Open in Portico</a></p>{% endif %}
<p style="font-size:13px;color:#6b7280">You receive this because you are on the {{ org_name }} team. Turn these emails off under Notifications in Portico.</p>
{% endblock %}"#;

const NOTIFICATION_TEXT: &str = "{{ title }}

{{ body }}
{% if link %}
Open in Portico: {{ link }}
{% endif %}
-- 
You receive this because you are on the {{ org_name }} team. Turn these emails off under Notifications in Portico.
";

const STAFF_INVITATION_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Join {{ org_name }} on Portico</h1>
<p>Hello {{ name }},</p>
<p>{{ inviter_name }} invited you to the {{ org_name }} team as {{ role }}. Portico is where the team invites clients to their portal and sees who joined.</p>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Join the team</a></p>
<p style="font-size:14px;color:#4b5563">Or paste this link into your browser:<br><a href="{{ link }}">{{ link }}</a></p>
<p style="font-size:14px;color:#4b5563">This invitation expires on {{ expires_on }}.</p>
{% endblock %}"#;

const STAFF_INVITATION_TEXT: &str = "Hello {{ name }},

{{ inviter_name }} invited you to the {{ org_name }} team on Portico as {{ role }}.

Join the team: {{ link }}

This invitation expires on {{ expires_on }}.
";

const DETAILS_CHANGED_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">Your details were updated</h1>
<p>Hello {{ client_name }},</p>
<p>{{ editor_name }} at {{ org_name }} updated your details in the {{ org_name }} client portal:</p>
<ul>{% for c in changes %}<li><strong>{{ c.field }}</strong>: {{ c.now }}</li>{% endfor %}</ul>
<p style="font-size:14px;color:#4b5563">If something is not right, reply to {{ org_name }}.</p>
{% endblock %}"#;

const DETAILS_CHANGED_TEXT: &str = "Hello {{ client_name }},

{{ editor_name }} at {{ org_name }} updated your details in the {{ org_name }} client portal:
{% for c in changes %}
- {{ c.field }}: {{ c.now }}{% endfor %}

If something is not right, reply to {{ org_name }}.

-- 
{{ org_name }} · Powered by Portico
";

const REMOVED_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">You have been removed from the {{ org_name }} portal</h1>
<p>Hello {{ client_name }},</p>
<p>{{ org_name }} removed you from their client portal. Your links and codes no longer work.</p>
<p style="font-size:14px;color:#4b5563">If you think this is a mistake, contact {{ org_name }}.</p>
{% endblock %}"#;

const REMOVED_TEXT: &str = "Hello {{ client_name }},

{{ org_name }} removed you from their client portal. Your links and codes no longer work.

If you think this is a mistake, contact {{ org_name }}.

-- 
{{ org_name }} · Powered by Portico
";

// `body_html` is the update's Markdown rendered by `updates::render`, which shows raw HTML as
// text and drops unsafe link protocols: it is inserted as it is.
const UPDATE_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">{{ subject }}</h1>
<p>Hello {{ client_name }},</p>
<p>{{ author_name }} posted an update in <strong>{{ project_name }}</strong>:</p>
<div style="padding:12px 16px;background:#f3f4f8;border-radius:8px">{{ body_html|safe }}</div>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Open the project</a></p>
<p style="font-size:14px;color:#4b5563">You receive this email because you are a client of {{ org_name }} on {{ project_name }}.</p>
{% endblock %}"#;

const UPDATE_TEXT: &str = "Hello {{ client_name }},

{{ author_name }} posted an update in {{ project_name }}:

{{ body }}

Open the project: {{ link }}

-- 
{{ org_name }} · Powered by Portico
";

const TASKS_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">{{ subject }}</h1>
<p>Hello {{ client_name }},</p>
<p>{{ sender_name }} at {{ org_name }} asked you to do {% if tasks|length > 1 %}these tasks{% else %}this task{% endif %} in <strong>{{ project_name }}</strong>:</p>
<ul style="padding:12px 16px 12px 36px;background:#f3f4f8;border-radius:8px">{% for task in tasks %}<li><strong>{{ task.title }}</strong>{% if task.due %} (due {{ task.due }}){% endif %}</li>{% endfor %}</ul>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Open your tasks</a></p>
<p style="font-size:14px;color:#4b5563">You receive this email because you are a client of {{ org_name }} on {{ project_name }}.</p>
{% endblock %}"#;

const TASKS_TEXT: &str = "Hello {{ client_name }},

{{ sender_name }} at {{ org_name }} asked you to do {% if tasks|length > 1 %}these tasks{% else %}this task{% endif %} in {{ project_name }}:
{% for task in tasks %}- {{ task.title }}{% if task.due %} (due {{ task.due }}){% endif %}
{% endfor %}
Open your tasks: {{ link }}

-- 
{{ org_name }} · Powered by Portico
";

const FORM_HTML: &str = r#"{% extends "layout.html" %}{% block content %}
<h1 style="font-size:22px;margin:0 0 16px">{{ subject }}</h1>
<p>Hello {{ client_name }},</p>
<p>{{ sender_name }} at {{ org_name }} asked you to fill in <strong>{{ form_name }}</strong> for {{ project_name }}.</p>
<p style="margin:28px 0"><a href="{{ link }}" style="background:#3346d3;color:#ffffff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Fill in the form</a></p>
<p style="font-size:14px;color:#4b5563">You receive this email because you are a client of {{ org_name }} on {{ project_name }}.</p>
{% endblock %}"#;

const FORM_TEXT: &str = "Hello {{ client_name }},

{{ sender_name }} at {{ org_name }} asked you to fill in {{ form_name }} for {{ project_name }}.

Fill in the form: {{ link }}

-- 
{{ org_name }} · Powered by Portico
";

static TEMPLATES: std::sync::LazyLock<Environment<'static>> = std::sync::LazyLock::new(|| {
    let mut env = Environment::new();
    // Templates named *.html are autoescaped; *.txt are not (plain text has nothing to escape).
    for (name, source) in [
        ("layout.html", LAYOUT_HTML),
        ("invitation.html", INVITATION_HTML),
        ("invitation.txt", INVITATION_TEXT),
        ("code.html", CODE_HTML),
        ("code.txt", CODE_TEXT),
        ("sign_in_link.html", SIGN_IN_LINK_HTML),
        ("sign_in_link.txt", SIGN_IN_LINK_TEXT),
        ("password_reset.html", PASSWORD_RESET_HTML),
        ("password_reset.txt", PASSWORD_RESET_TEXT),
        ("login.html", LOGIN_HTML),
        ("login.txt", LOGIN_TEXT),
        ("notification.html", NOTIFICATION_HTML),
        ("notification.txt", NOTIFICATION_TEXT),
        ("staff_invitation.html", STAFF_INVITATION_HTML),
        ("staff_invitation.txt", STAFF_INVITATION_TEXT),
        ("staff_password_reset.html", STAFF_PASSWORD_RESET_HTML),
        ("staff_password_reset.txt", STAFF_PASSWORD_RESET_TEXT),
        ("details_changed.html", DETAILS_CHANGED_HTML),
        ("details_changed.txt", DETAILS_CHANGED_TEXT),
        ("removed.html", REMOVED_HTML),
        ("removed.txt", REMOVED_TEXT),
        ("update.html", UPDATE_HTML),
        ("update.txt", UPDATE_TEXT),
        ("tasks.html", TASKS_HTML),
        ("tasks.txt", TASKS_TEXT),
        ("form.html", FORM_HTML),
        ("form.txt", FORM_TEXT),
    ] {
        env.add_template(name, source).expect("built-in templates parse");
    }
    env
});

fn render(kind: &str, subject: String, ctx: impl Serialize) -> Result<Rendered> {
    let ctx = minijinja::Value::from_serialize(&ctx);
    let html_ctx = context! { subject => &subject, ..ctx.clone() };
    let html = TEMPLATES
        .get_template(&format!("{kind}.html"))
        .and_then(|t| t.render(html_ctx))
        .map_err(|e| Error::internal("email template failed", e))?;
    let text = TEMPLATES
        .get_template(&format!("{kind}.txt"))
        .and_then(|t| t.render(ctx))
        .map_err(|e| Error::internal("email template failed", e))?;
    Ok(Rendered { subject, text, html })
}

/// One changed field in "Your details were updated": its name and its new value.
#[derive(Serialize)]
pub struct Change {
    pub field: &'static str,
    pub now: String,
}

#[derive(Serialize)]
pub struct DetailsChanged<'a> {
    pub org_name: &'a str,
    pub editor_name: &'a str,
    pub client_name: &'a str,
    pub changes: &'a [Change],
}

/// "Notify edited user": what staff changed in the client's details.
pub fn details_changed(v: &DetailsChanged<'_>) -> Result<Rendered> {
    render("details_changed", format!("Your details at {} were updated", v.org_name), v)
}

#[derive(Serialize)]
pub struct Removed<'a> {
    pub org_name: &'a str,
    pub client_name: &'a str,
}

/// "Let the user know they've been removed".
pub fn removed(v: &Removed<'_>) -> Result<Rendered> {
    render("removed", format!("You have been removed from the {} portal", v.org_name), v)
}

#[derive(Serialize)]
pub struct Invitation<'a> {
    pub org_name: &'a str,
    pub inviter_name: &'a str,
    pub client_name: &'a str,
    pub project_name: &'a str,
    pub link: &'a str,
    pub expires_on: String,
    /// The tasks whose assignment sent this invitation: the one email names them.
    pub tasks: &'a [TaskNote],
    /// The digital form sent with the invitation, filled first thing in the portal.
    pub form: Option<&'a str>,
}

/// A task named in an invitation: its title and due date ("31 January 2027").
#[derive(Clone, Debug, Serialize)]
pub struct TaskNote {
    pub title: String,
    pub due: Option<String>,
}

pub fn invitation(v: &Invitation<'_>) -> Result<Rendered> {
    let subject = match v.tasks {
        [] => format!("{} invited you to {}", v.inviter_name, v.project_name),
        [task] => format!("{} invited you to {}: {}", v.inviter_name, v.project_name, task.title),
        many => format!("{} invited you to {}: {} tasks", v.inviter_name, v.project_name, many.len()),
    };
    render("invitation", subject, v)
}

/// "Assign and send": the tasks staff sent a client who can already get in, in one email.
#[derive(Serialize)]
pub struct Tasks<'a> {
    pub org_name: &'a str,
    pub sender_name: &'a str,
    pub client_name: &'a str,
    pub project_name: &'a str,
    pub tasks: &'a [TaskNote],
    /// The project's page in the portal.
    pub link: &'a str,
}

pub fn tasks(v: &Tasks<'_>) -> Result<Rendered> {
    let subject = match v.tasks {
        [task] => format!("{} asked you to: {}", v.sender_name, task.title),
        many => format!("{} sent you {} tasks in {}", v.sender_name, many.len(), v.project_name),
    };
    render("tasks", subject, v)
}

/// "Send form": a form to fill, for a client who can already get in.
#[derive(Serialize)]
pub struct FormMail<'a> {
    pub org_name: &'a str,
    pub sender_name: &'a str,
    pub client_name: &'a str,
    pub project_name: &'a str,
    pub form_name: &'a str,
    /// The form's page in the portal.
    pub link: &'a str,
}

pub fn form(v: &FormMail<'_>) -> Result<Rendered> {
    render("form", format!("{} asked you to fill in {}", v.sender_name, v.form_name), v)
}

#[derive(Serialize)]
pub struct Code<'a> {
    pub org_name: &'a str,
    pub code: &'a str,
}

pub fn code(v: &Code<'_>) -> Result<Rendered> {
    // The code stays out of the subject: subjects are kept readable (the Mailbox lists them),
    // bodies are sealed at rest.
    render("code", format!("Your {} sign-in code", v.org_name), v)
}

#[derive(Serialize)]
pub struct SignInLink<'a> {
    pub org_name: &'a str,
    pub client_name: &'a str,
    pub link: &'a str,
    pub minutes: i32,
}

/// "Forgot password": the reset link, which signs the client in and asks for a new password.
pub fn password_reset(v: &SignInLink<'_>) -> Result<Rendered> {
    render("password_reset", format!("Reset your {} portal password", v.org_name), v)
}

pub fn sign_in_link(v: &SignInLink<'_>) -> Result<Rendered> {
    render("sign_in_link", format!("Sign in to {}", v.org_name), v)
}

#[derive(Serialize)]
pub struct Login<'a> {
    pub org_name: &'a str,
    pub sender_name: &'a str,
    pub client_name: &'a str,
    pub link: &'a str,
    pub minutes: i32,
}

/// "Send login email": a one-click sign-in button.
pub fn login(v: &Login<'_>) -> Result<Rendered> {
    render("login", format!("Sign in to your {} portal", v.org_name), v)
}

#[derive(Serialize)]
pub struct Notification<'a> {
    pub org_name: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
}

pub fn notification(v: &Notification<'_>) -> Result<Rendered> {
    render("notification", v.title.to_string(), v)
}

#[derive(Serialize)]
pub struct StaffInvitation<'a> {
    pub org_name: &'a str,
    pub inviter_name: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires_on: String,
}

pub fn staff_invitation(v: &StaffInvitation<'_>) -> Result<Rendered> {
    render("staff_invitation", format!("{} invited you to join {} on Portico", v.inviter_name, v.org_name), v)
}

#[derive(Serialize)]
pub struct StaffPasswordReset<'a> {
    pub org_name: &'a str,
    pub name: &'a str,
    pub link: &'a str,
    pub minutes: i64,
}

pub fn staff_password_reset(v: &StaffPasswordReset<'_>) -> Result<Rendered> {
    render("staff_password_reset", "Choose a new Portico password".to_string(), v)
}

#[derive(Serialize)]
pub struct Update<'a> {
    pub org_name: &'a str,
    pub author_name: &'a str,
    pub client_name: &'a str,
    pub project_name: &'a str,
    /// The Markdown as written (the plain-text part) and rendered safely (the HTML part).
    pub body: &'a str,
    pub body_html: &'a str,
    pub link: &'a str,
}

/// A project update, emailed to the project's clients when staff ask for it.
pub fn update(v: &Update<'_>) -> Result<Rendered> {
    render("update", format!("New update in {}", v.project_name), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_names_org_inviter_project_link_and_expiry_and_escapes_html() {
        let m = invitation(&Invitation {
            org_name: "Acme <Builders>",
            inviter_name: "Ada",
            client_name: "Bob",
            project_name: "Kitchen",
            link: "https://portal.example/invite/abc",
            expires_on: "28 November 2026".into(),
            tasks: &[],
            form: None,
        })
        .unwrap();
        assert_eq!(m.subject, "Ada invited you to Kitchen");
        assert!(!m.text.contains("asked you to"));
        for part in ["Ada", "Kitchen", "https://portal.example/invite/abc", "28 November 2026"] {
            // The HTML escaper writes `/` as `&#x2f;`, which browsers read back as `/`.
            let html = m.html.replace("&#x2f;", "/");
            assert!(m.text.contains(part) && html.contains(part), "{part} missing");
        }
        assert!(m.html.contains("Acme &lt;Builders&gt;"));
        assert!(m.text.contains("Acme <Builders>"));
    }

    #[test]
    fn code_email_carries_the_code() {
        let m = code(&Code { org_name: "Acme", code: "123456" }).unwrap();
        assert_eq!(m.subject, "Your Acme sign-in code");
        assert!(m.html.contains("123456") && m.text.contains("123456"));
    }
}
