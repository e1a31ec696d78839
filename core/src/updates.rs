//! Project updates: staff post news to a project in Markdown; the project's clients read the
//! feed in the portal, newest first, and are emailed an update when staff ask for it.
//!
//! The Markdown is kept as written and rendered when shown (`render`), so a safer renderer
//! applies to every update, old ones included. Emailing runs as a job over the project's
//! active clients: a project of 10,000 clients is not emailed inside the request that posts.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use serde::{Deserialize, Serialize};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    domain::{ProjectId, long_text},
    entities::{client, organization, project, project_client, project_update},
    model::{AccessStatus, Permission, Posted, ProjectUpdates, UpdateRow},
    now, outbox,
    permissions::Profiles,
    projects,
    sessions::PortalClient,
};

/// Updates a project's feed shows (the latest).
pub const SHOWN: u64 = 50;
/// Updates the portal home shows, across the client's projects.
pub const HOME_SHOWN: u64 = 5;
const BODY_MAX: usize = 20_000;
/// The kind of the job that emails an update.
pub const KIND: &str = "update_email";

/// Markdown to HTML that is safe to put in a page or an email: raw HTML shows as text and links
/// with protocols other than http(s), mailto and the like lose their address (markdown-rs's
/// defaults); tables, strikethrough and autolinks (GitHub's extensions) are on. Headings start
/// at `<h3>`: an update sits under its page's `<h1>` and its section's `<h2>`.
pub fn render(markdown: &str) -> String {
    let options = markdown::Options {
        parse: markdown::ParseOptions {
            constructs: markdown::Constructs {
                // An image would load from its site when a client opens the email (telling it
                // who read the update, and when); the portal's CSP blocks it anyway.
                label_start_image: false,
                // Footnotes' label ids are the same in every update (two on a page clash), and
                // task-list checkboxes have no label for a screen reader.
                gfm_footnote_definition: false,
                gfm_label_start_footnote: false,
                gfm_task_list_item: false,
                ..markdown::Constructs::gfm()
            },
            ..markdown::ParseOptions::gfm()
        },
        compile: markdown::CompileOptions::gfm(),
    };
    // markdown-rs 1.0 panics on a few odd inputs (e.g. "a\n-\n--\na\n-", wooorm/markdown-rs#22):
    // such an update is shown as plain text rather than breaking every page and job that reads it.
    let html =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| markdown::to_html_with_options(markdown, &options)))
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| format!("<p>{}</p>", escape(markdown).replace('\n', "<br>")));
    demote_headings(&html)
}

/// `<h1>`…`<h4>` become `<h3>`…`<h6>` (`<h5>`, `<h6>` stay `<h6>`). Raw HTML was escaped, so
/// every tag like these is a Markdown heading. From the deepest level up, so none moves twice.
fn demote_headings(html: &str) -> String {
    let mut html = html.to_string();
    for level in (1..=6).rev() {
        let to = (level + 2).min(6);
        html = html
            .replace(&format!("<h{level}>"), &format!("<h{to}>"))
            .replace(&format!("</h{level}>"), &format!("</h{to}>"));
    }
    html
}

/// HTML-escapes text (the fallback above; markdown-rs escapes everything else).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An update as the composer sends it.
pub struct NewUpdate {
    body: String,
    email_clients: bool,
}

impl NewUpdate {
    pub fn parse(body: &str, email_clients: bool) -> Result<Self> {
        let body = long_text("body", "The update", body, BODY_MAX)?;
        if body.is_empty() {
            return Err(Error::validation("body", "Write the update."));
        }
        Ok(Self { body, email_clients })
    }
}

/// "Post update" on a project's Updates. With "Email the project's clients", a job emails it to
/// each client who has joined the project (and may see updates); it is made in the same
/// transaction, so an update asked to be emailed always is.
pub async fn post(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    new: NewUpdate,
    ip: Option<String>,
) -> Result<Posted> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let project = projects::find(&*txn, org, project_id.0).await?;
    let row = project_update::ActiveModel {
        org_id: Set(org),
        project_id: Set(project.id),
        body: Set(new.body),
        posted_by: Set(Some(staff.user_id.0)),
        posted_at: Set(now()),
        email_job_id: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let emailing = if new.email_clients {
        let params = serde_json::to_string(&Params { update_id: row.id, project: project.name.clone() })
            .map_err(|e| Error::internal("update email parameters", e))?;
        crate::jobs::start_in(&txn, staff, KIND, params, recipients(&*txn, org, project.id).await?).await?
    } else {
        None
    };
    if let Some((job, _)) = emailing {
        project_update::Entity::update_many()
            .col_expr(project_update::Column::EmailJobId, sea_orm::sea_query::Expr::value(Some(job)))
            .filter(project_update::Column::Id.eq(row.id))
            .exec(&*txn)
            .await?;
    }
    let emailed = match (new.email_clients, emailing) {
        (false, _) => String::new(),
        (true, None) => ", not emailed: no client who may see updates has joined the project yet".into(),
        (true, Some((_, 1))) => ", emailed to the project's 1 client".into(),
        (true, Some((_, n))) => format!(", emailed to the project's {n} clients"),
    };
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "project",
            subject_id: project.id,
            event: "update.posted",
            detail: format!("Posted an update in {}{emailed}", project.name),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    if emailing.is_some() {
        portico.jobs_wakeup.notify_one();
    }
    Ok(Posted {
        id: row.id,
        email_requested: new.email_clients,
        email_job_id: emailing.map(|(job, _)| job),
        recipients: emailing.map_or(0, |(_, n)| n),
    })
}

/// Whom an update is emailed to: the project's clients who have joined it (their latest
/// invitation to it accepted), are not deactivated and may see updates.
async fn recipients<C: ConnectionTrait>(db: &C, org: i64, project: i64) -> Result<sea_orm::sea_query::SelectStatement> {
    let active = client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::DeactivatedAt.is_null())
        .into_query();
    Ok(project_client::Entity::find()
        .select_only()
        .column(project_client::Column::ClientId)
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project))
        .filter(project_client::Column::Access.eq(AccessStatus::Active.key()))
        .filter(project_client::Column::ClientId.in_subquery(active))
        .filter(crate::permissions::clients_allowed_in(db, org, Permission::ViewUpdates).await?)
        .into_query())
}

/// What an update-email job stores.
#[derive(Serialize, Deserialize)]
struct Params {
    update_id: i64,
    /// For the job's title (the project may be renamed later; the title says what was done).
    #[serde(default)]
    project: String,
}

/// The title of an update-email job: "Email the update in Audit 2026".
pub(crate) fn title(params: &str) -> String {
    match serde_json::from_str::<Params>(params) {
        Ok(p) if !p.project.is_empty() => format!("Email the update in {}", p.project),
        _ => "Email an update".into(),
    }
}

/// An update being emailed, read once per job.
pub(crate) struct Loaded {
    update: project_update::Model,
    project: project::Model,
    author: String,
    html: String,
}

/// Reads the update a job emails; `NotFound` when it is gone (its project was deleted).
pub(crate) async fn load_for_job(portico: &Portico, org: i64, params: &str) -> Result<Loaded> {
    let Params { update_id, .. } =
        serde_json::from_str(params).map_err(|e| Error::validation("params", format!("unreadable ({e})")))?;
    let update = project_update::Entity::find_by_id(update_id)
        .filter(project_update::Column::OrgId.eq(org))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    let project = projects::find(&portico.db, update.org_id, update.project_id).await?;
    let author = crate::names::staff_names(&portico.db, update.org_id, update.posted_by)
        .await?
        .into_values()
        .next()
        .unwrap_or_else(|| "The team".into());
    let html = render(&update.body);
    Ok(Loaded { update, project, author, html })
}

/// One chunk of an update-email job: the email to each of `subjects` who is still a joined
/// client of the project and may see updates, queued in one statement. Answers each subject's
/// outcome as a job records it (a `Conflict` is skipped with its reason).
pub(crate) async fn email_chunk(
    txn: &DatabaseTransaction,
    portico: &Portico,
    org: &organization::Model,
    loaded: &Loaded,
    subjects: &[i64],
) -> Result<Vec<(i64, Result<bool>)>> {
    let clients: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org.id))
        .filter(client::Column::Id.is_in(subjects.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // Joined clients, with their customisation of the project's permissions, if any.
    let joined: HashMap<i64, Option<String>> = project_client::Entity::find()
        .select_only()
        .column(project_client::Column::ClientId)
        .column(project_client::Column::Permissions)
        .filter(project_client::Column::OrgId.eq(org.id))
        .filter(project_client::Column::ProjectId.eq(loaded.project.id))
        .filter(project_client::Column::ClientId.is_in(subjects.iter().copied()))
        .filter(project_client::Column::Access.eq(AccessStatus::Active.key()))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let profiles = Profiles::load(txn, org.id).await?;
    let link = format!("{}/portal/projects/{}", portico.public_url, loaded.project.id);
    let mut outcomes = Vec::with_capacity(subjects.len());
    let mut mail = Vec::new();
    for &id in subjects {
        let outcome = match clients.get(&id) {
            None => Err(Error::NotFound),
            Some(c) if c.deactivated_at.is_some() => Err(Error::Conflict("Deactivated.".into())),
            Some(_) if !joined.contains_key(&id) => {
                Err(Error::Conflict("No longer a joined client of the project.".into()))
            }
            Some(c) if !allowed(joined.get(&id), profiles.of(c.profile_id)?) => {
                Err(Error::Conflict("Their permissions in this project do not show updates.".into()))
            }
            Some(c) => {
                let rendered = crate::mail::update(&crate::mail::Update {
                    org_name: &org.name,
                    author_name: &loaded.author,
                    client_name: &c.name,
                    project_name: &loaded.project.name,
                    body: &loaded.update.body,
                    body_html: &loaded.html,
                    link: &link,
                })?;
                mail.push((c.email.clone(), rendered));
                Ok(true)
            }
        };
        outcomes.push((id, outcome));
    }
    outbox::enqueue_many(
        txn,
        portico,
        mail.iter()
            .map(|(to, rendered)| outbox::Outgoing {
                org_id: org.id,
                topic: outbox::Topic::Update,
                to,
                from_name: &org.name,
                mail: rendered.clone(),
                invitation_id: None,
            })
            .collect(),
    )
    .await?;
    Ok(outcomes)
}

/// Whether a joined client may see updates: their customisation of the project, else `profile`.
fn allowed(custom: Option<&Option<String>>, profile: crate::model::Permissions) -> bool {
    custom
        .cloned()
        .flatten()
        .map_or(profile, |keys| crate::model::Permissions::parse(&keys))
        .allows(Permission::ViewUpdates)
}

/// A project's Updates as staff see them: the latest first.
pub async fn for_staff(portico: &Portico, staff: &Staff, project_id: ProjectId) -> Result<ProjectUpdates> {
    let org = staff.org_id.0;
    let project = projects::find(&portico.db, org, project_id.0).await?;
    let select = project_update::Entity::find()
        .filter(project_update::Column::OrgId.eq(org))
        .filter(project_update::Column::ProjectId.eq(project.id));
    let total = select.clone().count(&portico.db).await?;
    let updates = latest(&portico.db, select, SHOWN).await?;
    let mut rows = rows_of(&portico.db, org, updates, &HashMap::from([(project.id, project.name)])).await?;
    // The job's page opens for whoever started it (the poster) and owners and admins.
    for row in rows.iter_mut().filter(|r| !(staff.role.manages_organization() || r.posted_by == Some(staff.user_id.0)))
    {
        row.email_job_id = None;
    }
    Ok(ProjectUpdates { project_id: project.id, updates: rows, total })
}

/// The latest updates of these projects of a client, newest first (none without View updates).
pub(crate) async fn for_client<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    projects: &HashMap<i64, String>,
    limit: u64,
) -> Result<Vec<UpdateRow>> {
    let org = client.org_id.0;
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let select = project_update::Entity::find()
        .filter(project_update::Column::OrgId.eq(org))
        .filter(project_update::Column::ProjectId.is_in(projects.keys().copied()));
    let mut rows = rows_of(db, org, latest(db, select, limit).await?, projects).await?;
    // Clients are not told about the team's jobs and ids.
    rows.iter_mut().for_each(|r| {
        r.email_job_id = None;
        r.emailed = false;
        r.posted_by = None;
    });
    Ok(rows)
}

/// How many updates a project has (its feed shows the latest `SHOWN`).
pub(crate) async fn count_in<C: ConnectionTrait>(db: &C, org: i64, project_id: i64) -> Result<u64> {
    Ok(project_update::Entity::find()
        .filter(project_update::Column::OrgId.eq(org))
        .filter(project_update::Column::ProjectId.eq(project_id))
        .count(db)
        .await?)
}

async fn latest<C: ConnectionTrait>(
    db: &C,
    select: sea_orm::Select<project_update::Entity>,
    limit: u64,
) -> Result<Vec<project_update::Model>> {
    Ok(select.order_by_desc(project_update::Column::Id).limit(limit).all(db).await?)
}

/// Rows as a feed shows them: rendered, with their author's and project's names.
async fn rows_of<C: ConnectionTrait>(
    db: &C,
    org: i64,
    updates: Vec<project_update::Model>,
    project_names: &HashMap<i64, String>,
) -> Result<Vec<UpdateRow>> {
    let authors = crate::names::staff_names(db, org, updates.iter().filter_map(|u| u.posted_by)).await?;
    Ok(updates
        .into_iter()
        .map(|u| UpdateRow {
            id: u.id,
            project_id: u.project_id,
            project_name: project_names.get(&u.project_id).cloned().unwrap_or_default(),
            html: render(&u.body),
            author_name: u.posted_by.and_then(|id| authors.get(&id).cloned()),
            posted_by: u.posted_by,
            posted_at: u.posted_at,
            emailed: u.email_job_id.is_some(),
            email_job_id: u.email_job_id,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn raw_html_shows_as_text_and_unsafe_links_lose_their_address() {
        let html = render(
            "Hello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n\
             [click](javascript:alert(1)) [ok](https://example.com) ![i](https://tracker.example/p.png)",
        );
        assert!(!html.contains("<script") && !html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"<a href="https://example.com">ok</a>"#), "{html}");
        // Images are not made: the address stays text, nothing loads.
        assert!(html.contains("!"), "{html}");
    }

    #[test]
    fn markdown_renders_with_headings_under_the_page_s() {
        let html = render("# Status\n\n## Next\n\n**Due** soon\n\n- ~~old~~\n\n| a |\n|---|\n| 1 |\n\n- [x] done");
        for part in
            ["<h3>Status</h3>", "<h4>Next</h4>", "<strong>Due</strong>", "<del>old</del>", "<table>", "[x] done"]
        {
            assert!(html.contains(part), "{part} missing from {html}");
        }
        assert!(!html.contains("<h1>") && !html.contains("checkbox"), "{html}");
    }

    #[test]
    fn input_that_crashes_the_renderer_shows_as_plain_text() {
        for input in ["a\n-\n--\na\n-", "x\n=\n=\nx\n=\n"] {
            let html = render(input);
            assert_eq!(html, format!("<p>{}</p>", input.replace('\n', "<br>")));
        }
    }
}
