//! Digital forms: staff build a form (fields of six kinds, required or not, in order), send it
//! with an invitation ("Send a digital form with the invitation") or later to a project's
//! clients; the client answers it in the portal — first thing after accepting, when it came
//! with their invitation — and staff read the answers on the form's page and the client's page,
//! or download them as CSV.
//!
//! A sent form keeps a copy of its questions (`form_requests.fields`), refreshed while it is not
//! answered: answers always read with the words they answered. Every portal step checks the
//! client's place in the project and their *Submit forms* permission (`permissions`).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit::{self, Actor},
    entities::{client, form, form_request, invitation, organization, project, project_client},
    model::{
        AccessStatus, AnswerProblem, AnswerRow, FormChoice, FormDraft, FormEditor, FormField, FormRequestStatus,
        FormResponse, FormSummary, FormsSent, Permission, PortalFormPage, PortalFormRow, ProjectOption, SavedForm,
        answer_text, check_answer,
    },
    now, permissions, portal, projects,
    sessions::PortalClient,
};

/// Responses a form's page shows, newest first (the CSV has them all).
pub const SHOWN: u64 = 100;
/// Forms offered in the invite dialog and listed on the Forms page.
pub const LISTED: u64 = 500;
/// Clients one "Send form" reaches at most, in a fixed number of statements (its emails are one
/// insert: SQLite takes at most 32,766 values in one statement).
pub const SEND_MAX: usize = 1_000;

type Values = Vec<(u32, Vec<String>)>;

fn fields_of(json: &str) -> Vec<FormField> {
    serde_json::from_str(json).unwrap_or_default()
}

fn values_of(json: Option<&str>) -> Values {
    json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal("form json", e))
}

fn status_of(r: &form_request::Model) -> FormRequestStatus {
    if r.answered_at.is_some() {
        FormRequestStatus::Answered
    } else if r.skipped_at.is_some() {
        FormRequestStatus::Skipped
    } else {
        FormRequestStatus::Waiting
    }
}

async fn find<C: ConnectionTrait>(db: &C, org: i64, id: i64) -> Result<form::Model> {
    form::Entity::find_by_id(id).filter(form::Column::OrgId.eq(org)).one(db).await?.ok_or(Error::NotFound)
}

/// The Forms page: every form of the organization by name, with how many were sent and answered.
pub async fn list(portico: &Portico, staff: &Staff) -> Result<Vec<FormSummary>> {
    let org = staff.org_id.0;
    let forms = form::Entity::find()
        .filter(form::Column::OrgId.eq(org))
        .order_by_asc(form::Column::NameKey)
        .limit(LISTED)
        .all(&portico.db)
        .await?;
    let ids: Vec<i64> = forms.iter().map(|f| f.id).collect();
    let counts = request_counts(&portico.db, org, &ids).await?;
    Ok(forms
        .into_iter()
        .map(|f| {
            let fields = fields_of(&f.fields);
            let (sent, answered) = counts.get(&f.id).copied().unwrap_or_default();
            FormSummary {
                id: f.id,
                name: f.name,
                fields: fields.len() as u32,
                required: fields.iter().filter(|f| f.required).count() as u32,
                sent,
                answered,
                updated_at: f.updated_at,
            }
        })
        .collect())
}

/// How many times each form was sent, and answered: one grouped read.
async fn request_counts<C: ConnectionTrait>(db: &C, org: i64, forms: &[i64]) -> Result<HashMap<i64, (u64, u64)>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    if forms.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64, i64)> = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.is_in(forms.iter().copied()))
        .select_only()
        .column(form_request::Column::FormId)
        .column_as(Expr::col(form_request::Column::Id).count(), "sent")
        .column_as(Expr::col(form_request::Column::AnsweredAt).count(), "answered")
        .group_by(form_request::Column::FormId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, s, a)| (id, (u64::try_from(s).unwrap_or(0), u64::try_from(a).unwrap_or(0))))
        .collect())
}

/// The forms "Send a digital form with the invitation" offers, by name.
pub async fn choices(portico: &Portico, staff: &Staff) -> Result<Vec<FormChoice>> {
    Ok(form::Entity::find()
        .filter(form::Column::OrgId.eq(staff.org_id.0))
        .order_by_asc(form::Column::NameKey)
        .limit(LISTED)
        .select_only()
        .column(form::Column::Id)
        .column(form::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|(id, name)| FormChoice { id, name })
        .collect())
}

/// A form's page: its fields for the builder, the projects it can be sent to, its answers.
pub async fn editor(portico: &Portico, staff: &Staff, id: i64) -> Result<FormEditor> {
    let org = staff.org_id.0;
    let f = find(&portico.db, org, id).await?;
    let (sent, answered) = request_counts(&portico.db, org, &[f.id]).await?.remove(&f.id).unwrap_or_default();
    let requests = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.eq(f.id))
        .order_by_desc(form_request::Column::Id)
        .limit(SHOWN)
        .all(&portico.db)
        .await?;
    let responses = responses(&portico.db, org, requests).await?;
    let projects = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .order_by_asc(project::Column::Name)
        .limit(LISTED)
        .select_only()
        .column(project::Column::Id)
        .column(project::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|(id, name)| ProjectOption { id, name })
        .collect();
    Ok(FormEditor {
        id: f.id,
        draft: FormDraft { name: f.name, fields: fields_of(&f.fields) },
        projects,
        sent,
        answered,
        responses,
    })
}

/// Requests as staff read them, with their clients' and projects' names (two reads for up to
/// 10,000 clients and projects).
async fn responses<C: ConnectionTrait>(
    db: &C,
    org: i64,
    requests: Vec<form_request::Model>,
) -> Result<Vec<FormResponse>> {
    // Read by id in slices: a form sent to more clients than a statement takes values
    // (SQLite 32,766, PostgreSQL 65,535) still exports whole.
    const IDS_AT_ONCE: usize = 10_000;
    let client_ids: Vec<i64> = requests.iter().map(|r| r.client_id).collect::<HashSet<_>>().into_iter().collect();
    let mut clients: HashMap<i64, (String, String)> = HashMap::new();
    for ids in client_ids.chunks(IDS_AT_ONCE) {
        let rows = client::Entity::find()
            .filter(client::Column::OrgId.eq(org))
            .filter(client::Column::Id.is_in(ids.iter().copied()))
            .select_only()
            .column(client::Column::Id)
            .column(client::Column::Name)
            .column(client::Column::Email)
            .into_tuple::<(i64, String, String)>()
            .all(db)
            .await?;
        clients.extend(rows.into_iter().map(|(id, name, email)| (id, (name, email))));
    }
    let project_ids: Vec<i64> = requests.iter().map(|r| r.project_id).collect::<HashSet<_>>().into_iter().collect();
    let mut projects: HashMap<i64, String> = HashMap::new();
    for ids in project_ids.chunks(IDS_AT_ONCE) {
        let rows = project::Entity::find()
            .filter(project::Column::OrgId.eq(org))
            .filter(project::Column::Id.is_in(ids.iter().copied()))
            .select_only()
            .column(project::Column::Id)
            .column(project::Column::Name)
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?;
        projects.extend(rows);
    }
    Ok(requests
        .into_iter()
        .map(|r| {
            let (client_name, client_email) = clients.get(&r.client_id).cloned().unwrap_or_default();
            let answers = match r.answers.as_deref() {
                Some(json) => {
                    let values: HashMap<u32, Vec<String>> = values_of(Some(json)).into_iter().collect();
                    fields_of(&r.fields)
                        .iter()
                        .map(|f| AnswerRow {
                            label: f.label.clone(),
                            value: answer_text(f, values.get(&f.id).map_or(&[][..], Vec::as_slice)),
                        })
                        .collect()
                }
                None => Vec::new(),
            };
            FormResponse {
                request_id: r.id,
                form_id: r.form_id,
                status: status_of(&r),
                form_name: r.form_name,
                client_id: r.client_id,
                client_name,
                client_email,
                project_name: projects.get(&r.project_id).cloned().unwrap_or_default(),
                with_invitation: r.invitation_id.is_some(),
                sent_at: r.sent_at,
                answered_at: r.answered_at,
                answers,
            }
        })
        .collect())
}

/// The forms sent to one client of the organization, newest first, for their page.
pub async fn for_client_page(portico: &Portico, staff: &Staff, client_id: i64) -> Result<Vec<FormResponse>> {
    let (db, org) = (&portico.db, staff.org_id.0);
    crate::clients::find(db, staff.org_id, crate::domain::ClientId(client_id)).await?;
    let requests = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::ClientId.eq(client_id))
        .order_by_desc(form_request::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?;
    responses(db, org, requests).await
}

/// "Save form": a new form (`id` None) or a form's new content. Fields keep their ids; new ones
/// get the next. Forms sent and not answered yet ask the new questions.
pub async fn save(
    portico: &Portico,
    staff: &Staff,
    id: Option<i64>,
    draft: &FormDraft,
    ip: Option<String>,
) -> Result<SavedForm> {
    if let Some(problem) = draft.problems().into_iter().next() {
        let field = match problem.part {
            crate::model::DraftPart::Name => "name",
            _ => "fields",
        };
        let at = match problem.part {
            crate::model::DraftPart::Label(i)
            | crate::model::DraftPart::Help(i)
            | crate::model::DraftPart::Choices(i) => {
                format!("Field {}: ", i + 1)
            }
            _ => String::new(),
        };
        return Err(Error::validation(field, format!("{at}{}", problem.message)));
    }
    let draft = draft.tidy();
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let existing = match id {
        Some(id) => Some(find(&txn, org, id).await?),
        None => None,
    };
    let mut next = existing.as_ref().map_or(1, |f| f.next_field_id.max(1) as u32);
    let known: HashSet<u32> =
        existing.as_ref().map(|f| fields_of(&f.fields).iter().map(|f| f.id).collect()).unwrap_or_default();
    let mut used = HashSet::new();
    let fields: Vec<FormField> = draft
        .fields
        .into_iter()
        .map(|mut f| {
            // A field keeps its id only if the form had it (and only once): anything else is new.
            if !(known.contains(&f.id) && used.insert(f.id)) {
                f.id = next;
                next += 1;
            }
            f
        })
        .collect();
    let json = to_json(&fields)?;
    let t = now();
    let key = draft.name.to_lowercase();
    let saved = match existing {
        Some(f) => {
            let mut row: form::ActiveModel = f.into();
            row.name = Set(draft.name.clone());
            row.name_key = Set(key);
            row.fields = Set(json.clone());
            row.next_field_id = Set(next as i32);
            row.updated_at = Set(t);
            row.update(&txn).await
        }
        None => {
            form::ActiveModel {
                org_id: Set(org),
                name: Set(draft.name.clone()),
                name_key: Set(key),
                fields: Set(json.clone()),
                next_field_id: Set(next as i32),
                created_by: Set(Some(staff.user_id.0)),
                created_at: Set(t),
                updated_at: Set(t),
                ..Default::default()
            }
            .insert(&txn)
            .await
        }
    };
    let saved = match saved {
        Ok(f) => f,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(Error::validation("name", "Another form already has this name."));
        }
        Err(e) => return Err(e.into()),
    };
    if id.is_some() {
        form_request::Entity::update_many()
            .col_expr(form_request::Column::Fields, sea_orm::sea_query::Expr::value(json))
            .col_expr(form_request::Column::FormName, sea_orm::sea_query::Expr::value(saved.name.clone()))
            .filter(form_request::Column::OrgId.eq(org))
            .filter(form_request::Column::FormId.eq(saved.id))
            .filter(form_request::Column::AnsweredAt.is_null())
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "form",
            subject_id: saved.id,
            event: if id.is_some() { "form.changed" } else { "form.created" },
            detail: format!(
                "{} the form \"{}\" ({} fields)",
                if id.is_some() { "Changed" } else { "Created" },
                saved.name,
                fields.len()
            ),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SavedForm { id: saved.id, fields })
}

/// "Delete form": the form and everything it was sent with, answers included (the page says
/// so before). The audit trail keeps that it existed.
pub async fn delete(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let f = find(&txn, org, id).await?;
    let answered = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.eq(f.id))
        .filter(form_request::Column::AnsweredAt.is_not_null())
        .count(&txn)
        .await?;
    form_request::Entity::delete_many()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.eq(f.id))
        .exec(&txn)
        .await?;
    form::Entity::delete_by_id(f.id).exec(&txn).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "form",
            subject_id: f.id,
            event: "form.deleted",
            detail: format!("Deleted the form \"{}\" and its {answered} answers", f.name),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The form chosen in the invite dialog, found in the organization before the invitation is
/// written (its email names it). Whether the client may submit forms on the project is
/// `attach_to_invitation`'s check.
pub(crate) async fn chosen_for_invitation(txn: &DatabaseTransaction, org: i64, form_id: i64) -> Result<form::Model> {
    form::Entity::find_by_id(form_id)
        .filter(form::Column::OrgId.eq(org))
        .one(txn)
        .await?
        .ok_or_else(|| Error::validation("form_id", "Choose a form from the list."))
}

/// The form sent with an invitation: the client is taken to it once they accept.
pub(crate) async fn attach_to_invitation(
    txn: &DatabaseTransaction,
    staff: &Staff,
    f: &form::Model,
    client: &client::Model,
    project: &project::Model,
    invitation_id: i64,
    ip: Option<String>,
) -> Result<()> {
    // Checked once the client is on the project: a contact the invitation made is put there by
    // the invitation's batch. Refused, the caller's transaction rolls the invitation back.
    let may = permissions::clients_in_project(txn, f.org_id, project.id, [client.id]).await?;
    if !may.get(&client.id).is_some_and(|m| m.allows(Permission::SubmitForms)) {
        return Err(Error::validation(
            "form_id",
            format!("{}'s permissions in this project do not include Submit forms.", client.name),
        ));
    }
    // Invited again with the same form (the first invitation expired or was cancelled): the
    // form waiting for them goes with the new invitation, rather than a second copy to fill.
    let move_waiting = form_request::Entity::update_many()
        .col_expr(form_request::Column::InvitationId, sea_orm::sea_query::Expr::value(Some(invitation_id)))
        .filter(form_request::Column::OrgId.eq(f.org_id))
        .filter(form_request::Column::FormId.eq(f.id))
        .filter(form_request::Column::ProjectId.eq(project.id))
        .filter(form_request::Column::ClientId.eq(client.id))
        .filter(form_request::Column::AnsweredAt.is_null());
    let moved = move_waiting.clone().exec(txn).await?.rows_affected;
    if moved > 0 {
        return Ok(());
    }
    let made = insert_requests(txn, staff, f, project, &[(client, Some(invitation_id))], ip, true).await?;
    if made.is_empty() {
        // Another send made the waiting copy in between: it goes with this invitation too.
        move_waiting.exec(txn).await?;
    }
    Ok(())
}

async fn insert_requests(
    txn: &DatabaseTransaction,
    staff: &Staff,
    f: &form::Model,
    project: &project::Model,
    to: &[(&client::Model, Option<i64>)],
    ip: Option<String>,
    with_invitation: bool,
) -> Result<HashSet<i64>> {
    if to.is_empty() {
        return Ok(HashSet::new());
    }
    let t = now();
    let rows = to.iter().map(|(c, invitation)| form_request::ActiveModel {
        org_id: Set(f.org_id),
        form_id: Set(f.id),
        project_id: Set(project.id),
        client_id: Set(c.id),
        invitation_id: Set(*invitation),
        sent_by: Set(Some(staff.user_id.0)),
        form_name: Set(f.name.clone()),
        fields: Set(f.fields.clone()),
        answers: Set(None),
        draft: Set(None),
        sent_at: Set(t),
        answered_at: Set(None),
        skipped_at: Set(None),
        ..Default::default()
    });
    // A copy made at the same moment by another send (PostgreSQL: `ux_form_requests_waiting`)
    // is skipped rather than refused: the client has the form to fill either way, and only the
    // copies made here are recorded, counted and emailed.
    let made: HashSet<i64> = match form_request::Entity::insert_many(rows)
        .on_conflict(sea_orm::sea_query::OnConflict::new().do_nothing().to_owned())
        .exec_with_returning(txn)
        .await
    {
        Ok(rows) => rows.into_iter().map(|r| r.client_id).collect(),
        Err(sea_orm::DbErr::RecordNotInserted) => HashSet::new(),
        Err(e) => return Err(e.into()),
    };
    let how = if with_invitation { " with their invitation" } else { "" };
    audit::record_many(
        txn,
        to.iter()
            .filter(|(c, _)| made.contains(&c.id))
            .map(|(c, _)| audit::Event {
                org_id: f.org_id,
                actor: Actor::Staff(staff.user_id.0),
                subject_kind: "client",
                subject_id: c.id,
                event: "form.sent",
                detail: format!("Sent the form \"{}\" in {} to {} ({}){how}", f.name, project.name, c.name, c.email),
                ip: ip.clone(),
            })
            .collect(),
    )
    .await?;
    Ok(made)
}

/// "Send form": the form to a project's clients (all of them, or the one given). Active clients
/// are emailed a link to it; invited ones find it first thing when they accept. Skipped, with
/// the reason: deactivated, not invited (or their invitation expired, was cancelled, is locked),
/// not allowed to submit forms there, or holding this form already (to fill, or answered).
pub async fn send(
    portico: &Portico,
    staff: &Staff,
    form_id: i64,
    project_id: i64,
    only: Option<i64>,
    ip: Option<String>,
) -> Result<FormsSent> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let f = find(&txn, org, form_id).await?;
    let project = projects::find(&txn, org, project_id).await?;
    let mut places = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project.id));
    if let Some(client) = only {
        places = places.filter(project_client::Column::ClientId.eq(client));
    }
    let places: Vec<(i64, Option<String>)> = places
        .select_only()
        .column(project_client::Column::ClientId)
        .column(project_client::Column::Access)
        .limit(SEND_MAX as u64 + 1)
        .into_tuple()
        .all(&txn)
        .await?;
    if places.len() > SEND_MAX {
        return Err(Error::validation(
            "project_id",
            format!("This project has more than {SEND_MAX} clients: send the form with their invitations instead."),
        ));
    }
    if only.is_some() && places.is_empty() {
        return Err(Error::validation("project_id", "This client is not on that project."));
    }
    let ids: Vec<i64> = places.iter().map(|(c, _)| *c).collect();
    let clients: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.is_in(ids.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let may = permissions::clients_in_project(&txn, org, project.id, ids.iter().copied()).await?;
    // Who holds this form in the project already, and whether they answered it.
    let mut holding: HashMap<i64, bool> = HashMap::new();
    for (client, answered) in form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.eq(f.id))
        .filter(form_request::Column::ProjectId.eq(project.id))
        .filter(form_request::Column::ClientId.is_in(ids.iter().copied()))
        .select_only()
        .column(form_request::Column::ClientId)
        .column(form_request::Column::AnsweredAt)
        .into_tuple::<(i64, Option<chrono::DateTime<chrono::Utc>>)>()
        .all(&txn)
        .await?
    {
        let unanswered = answered.is_none();
        *holding.entry(client).or_default() |= unanswered;
    }
    // Invited clients' pending invitations: the form goes with them.
    let pending: HashMap<i64, i64> = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .filter(invitation::Column::ProjectId.eq(project.id))
        .filter(invitation::Column::ClientId.is_in(ids.iter().copied()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::CancelledAt.is_null())
        .filter(invitation::Column::LockedAt.is_null())
        // The stored access status can lag an expiry by a sweep: the invitation itself decides.
        .filter(invitation::Column::ExpiresAt.gt(now()))
        .order_by_asc(invitation::Column::Id)
        .select_only()
        .column(invitation::Column::ClientId)
        .column(invitation::Column::Id)
        .into_tuple::<(i64, i64)>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let mut sent = FormsSent::default();
    let mut to_send: Vec<(&client::Model, Option<i64>)> = Vec::new();
    let mut sorted: Vec<&(i64, Option<String>)> = places.iter().collect();
    sorted.sort_by_key(|(c, _)| clients.get(c).map(|c| c.name.to_lowercase()));
    for (client_id, access) in sorted {
        let Some(c) = clients.get(client_id) else { continue };
        let status = access.as_deref().and_then(AccessStatus::from_key).unwrap_or(AccessStatus::NotInvited);
        let why = if c.deactivated_at.is_some() {
            Some("deactivated".to_string())
        } else if !may.get(&c.id).is_some_and(|m| m.allows(Permission::SubmitForms)) {
            Some("their permissions do not include Submit forms".to_string())
        } else if let Some(unanswered) = holding.get(&c.id) {
            Some(if *unanswered { "already has this form to fill" } else { "already answered it" }.to_string())
        } else {
            match status {
                AccessStatus::Active => None,
                AccessStatus::Invited if pending.contains_key(&c.id) => None,
                AccessStatus::Invited => Some("invitation expired".to_string()),
                AccessStatus::NotInvited => Some("not invited yet: send the form with their invitation".to_string()),
                other => Some(format!("invitation {}", other.label().to_lowercase())),
            }
        };
        match why {
            Some(why) => sent.skipped.push((c.name.clone(), why)),
            None => {
                let invitation = (status != AccessStatus::Active).then(|| pending.get(&c.id).copied()).flatten();
                to_send.push((c, invitation));
            }
        }
    }
    let made_here = insert_requests(&txn, staff, &f, &project, &to_send, ip, false).await?;
    // Another send made some at the same moment: those clients have it, from that send.
    let (to_send, raced): (Vec<_>, Vec<_>) = to_send.into_iter().partition(|(c, _)| made_here.contains(&c.id));
    sent.skipped.extend(raced.into_iter().map(|(c, _)| (c.name.clone(), "already has this form to fill".to_string())));
    // The new requests' ids, for the emailed links: the latest of this form per client.
    let made: HashMap<i64, i64> = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.eq(f.id))
        .filter(form_request::Column::ProjectId.eq(project.id))
        .filter(form_request::Column::ClientId.is_in(to_send.iter().map(|(c, _)| c.id)))
        .filter(form_request::Column::AnsweredAt.is_null())
        .order_by_asc(form_request::Column::Id)
        .select_only()
        .column(form_request::Column::ClientId)
        .column(form_request::Column::Id)
        .into_tuple::<(i64, i64)>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let org_row = organization::Entity::find_by_id(org).one(&txn).await?.ok_or(Error::NotFound)?;
    let mut mails = Vec::new();
    let links: Vec<(usize, String)> = to_send
        .iter()
        .enumerate()
        .filter(|(_, (_, invitation))| invitation.is_none())
        .filter_map(|(i, (c, _))| made.get(&c.id).map(|id| (i, format!("{}/portal/forms/{id}", portico.public_url))))
        .collect();
    for (i, link) in &links {
        let c = to_send[*i].0;
        let rendered = crate::mail::form(&crate::mail::FormMail {
            org_name: &org_row.name,
            sender_name: &staff.name,
            client_name: &c.name,
            project_name: &project.name,
            form_name: &f.name,
            link,
        })?;
        mails.push(crate::outbox::Outgoing {
            org_id: org,
            topic: crate::outbox::Topic::Form,
            to: &c.email,
            from_name: &org_row.name,
            mail: rendered,
            invitation_id: None,
        });
    }
    crate::outbox::enqueue_many(&txn, portico, mails).await?;
    txn.commit().await?;
    sent.sent = to_send.len() as u32;
    sent.emailed = links.len() as u32;
    if sent.emailed > 0 {
        portico.outbox_wakeup.ring();
    }
    Ok(sent)
}

/// The answers of a form as CSV: one line per client it was sent to, a column per question of
/// the form as it is now, then one per question since removed that someone answered ("… (removed)"),
/// so no answer is left out. Each answer reads with the question as its request asked it (a
/// choice renamed since still shows what the client chose). Cells a spreadsheet would run as
/// formulas are neutralised.
pub async fn answers_csv(portico: &Portico, staff: &Staff, id: i64) -> Result<(String, Vec<u8>)> {
    let org = staff.org_id.0;
    let f = find(&portico.db, org, id).await?;
    let fields = fields_of(&f.fields);
    let requests = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(org))
        .filter(form_request::Column::FormId.eq(f.id))
        .order_by_asc(form_request::Column::Id)
        .all(&portico.db)
        .await?;
    let answers: Vec<(Vec<FormField>, Values)> =
        requests.iter().map(|r| (fields_of(&r.fields), values_of(r.answers.as_deref()))).collect();
    // The columns: the form's questions now, then removed ones that hold an answer.
    let mut columns: Vec<(FormField, bool)> = fields.iter().map(|f| (f.clone(), false)).collect();
    for (asked, values) in &answers {
        for f in asked {
            let answered = values.iter().any(|(id, v)| *id == f.id && !v.is_empty());
            if answered && !columns.iter().any(|(c, _)| c.id == f.id) {
                columns.push((f.clone(), true));
            }
        }
    }
    let rows = responses(&portico.db, org, requests).await?;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut header: Vec<String> =
        ["Client", "Email", "Project", "Status", "Sent", "Answered"].map(String::from).to_vec();
    header.extend(
        columns.iter().map(|(f, removed)| if *removed { format!("{} (removed)", f.label) } else { f.label.clone() }),
    );
    let write = |out: &mut csv::Writer<Vec<u8>>, cells: Vec<String>| {
        out.write_record(cells.into_iter().map(crate::exports::neutralise)).map_err(|e| Error::internal("form csv", e))
    };
    write(&mut out, header)?;
    for (row, (asked, values)) in rows.into_iter().zip(answers) {
        let values: HashMap<u32, Vec<String>> = values.into_iter().collect();
        let mut cells = vec![
            row.client_name,
            row.client_email,
            row.project_name,
            row.status.label().to_string(),
            crate::exports::moment(Some(row.sent_at)),
            crate::exports::moment(row.answered_at),
        ];
        cells.extend(columns.iter().map(|(f, _)| {
            let question = asked.iter().find(|a| a.id == f.id).unwrap_or(f);
            answer_text(question, values.get(&f.id).map_or(&[][..], Vec::as_slice))
        }));
        write(&mut out, cells)?;
    }
    let bytes = out.into_inner().map_err(|e| Error::internal("form csv", e))?;
    let name: String =
        f.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let name = name.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    Ok((format!("{}-answers.csv", if name.is_empty() { "form" } else { &name }), bytes))
}

// ------------------------------------------------------------------------------------------
// The portal

/// A request of this client that they may open: theirs, in a project they joined, where they
/// may submit forms. Anything else is not found (another's, another organization's).
async fn request_for<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    id: i64,
) -> Result<(form_request::Model, project::Model)> {
    let r = form_request::Entity::find_by_id(id)
        .filter(form_request::Column::OrgId.eq(client.org_id.0))
        .filter(form_request::Column::ClientId.eq(client.client_id.0))
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let project = portal::joined_project(db, client, r.project_id).await?;
    let may = permissions::in_project(db, client.org_id.0, client.client_id.0, project.id).await?;
    if !may.allows(Permission::SubmitForms) {
        return Err(Error::Forbidden);
    }
    Ok((r, project))
}

/// The forms of one project on its portal page (none without Submit forms), newest first.
pub async fn for_portal_project<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    project_id: i64,
) -> Result<Vec<PortalFormRow>> {
    Ok(form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(client.org_id.0))
        .filter(form_request::Column::ClientId.eq(client.client_id.0))
        .filter(form_request::Column::ProjectId.eq(project_id))
        .order_by_desc(form_request::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|r| PortalFormRow {
            request_id: r.id,
            status: status_of(&r),
            name: r.form_name,
            sent_at: r.sent_at,
            answered_at: r.answered_at,
        })
        .collect())
}

/// How many forms each of these projects has for the client to fill (sent, not answered): one
/// grouped count.
pub async fn to_fill_by_project<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    projects: &[i64],
) -> Result<HashMap<i64, u64>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    if projects.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(client.org_id.0))
        .filter(form_request::Column::ClientId.eq(client.client_id.0))
        .filter(form_request::Column::ProjectId.is_in(projects.iter().copied()))
        .filter(form_request::Column::AnsweredAt.is_null())
        .select_only()
        .column(form_request::Column::ProjectId)
        .column_as(Expr::col(form_request::Column::Id).count(), "n")
        .group_by(form_request::Column::ProjectId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))).collect())
}

/// The form a client is taken to before the portal: the oldest one sent with an invitation of a
/// project they joined, neither answered nor skipped, where they may submit forms.
pub async fn first_to_fill<C: ConnectionTrait>(db: &C, client: &PortalClient, joined: &[i64]) -> Result<Option<i64>> {
    let waiting: Vec<(i64, i64)> = form_request::Entity::find()
        .filter(form_request::Column::OrgId.eq(client.org_id.0))
        .filter(form_request::Column::ClientId.eq(client.client_id.0))
        .filter(form_request::Column::ProjectId.is_in(joined.iter().copied()))
        .filter(form_request::Column::InvitationId.is_not_null())
        .filter(form_request::Column::AnsweredAt.is_null())
        .filter(form_request::Column::SkippedAt.is_null())
        .order_by_asc(form_request::Column::Id)
        .select_only()
        .column(form_request::Column::Id)
        .column(form_request::Column::ProjectId)
        .limit(20)
        .into_tuple()
        .all(db)
        .await?;
    if waiting.is_empty() {
        return Ok(None);
    }
    let projects: Vec<i64> = waiting.iter().map(|(_, p)| *p).collect();
    let may = permissions::in_projects(db, client.org_id.0, client.client_id.0, &projects).await?;
    Ok(waiting
        .into_iter()
        .find(|(_, p)| may.get(p).is_some_and(|m| m.allows(Permission::SubmitForms)))
        .map(|(id, _)| id))
}

/// A form to fill, or filled, in the portal.
pub async fn open_for_client(portico: &Portico, client: &PortalClient, id: i64) -> Result<PortalFormPage> {
    if client.needs_password {
        // Sent to "Choose a password" first; nothing of the form is read.
        return Ok(PortalFormPage {
            org_name: client.org_name.clone(),
            client_name: client.name.clone(),
            request_id: id,
            project_id: 0,
            project_name: String::new(),
            name: String::new(),
            fields: Vec::new(),
            values: Vec::new(),
            status: FormRequestStatus::Waiting,
            answered_at: None,
            needs_password: true,
            comes_first: false,
        });
    }
    let (r, project) = request_for(&portico.db, client, id).await?;
    let status = status_of(&r);
    let values = if r.answers.is_some() { values_of(r.answers.as_deref()) } else { values_of(r.draft.as_deref()) };
    Ok(PortalFormPage {
        org_name: client.org_name.clone(),
        client_name: client.name.clone(),
        request_id: r.id,
        project_id: project.id,
        project_name: project.name,
        name: r.form_name,
        fields: fields_of(&r.fields),
        values,
        comes_first: r.invitation_id.is_some() && status == FormRequestStatus::Waiting,
        status,
        answered_at: r.answered_at,
        needs_password: false,
    })
}

/// What sending a form did.
#[derive(Debug, PartialEq)]
pub enum Answered {
    Sent {
        project_id: i64,
    },
    Skipped {
        project_id: i64,
    },
    /// Nothing kept but what was typed: each problem by field id.
    Refused(Vec<(u32, AnswerProblem)>),
    /// Skipping is only for forms without a required field.
    CannotSkip,
    AlreadyAnswered,
}

/// "Send answers" or "Skip for now", as the form posted them (`f<field id>` per value).
pub async fn answer(
    portico: &Portico,
    client: &PortalClient,
    id: i64,
    posted: &[(String, String)],
    skip: bool,
    ip: Option<String>,
) -> Result<Answered> {
    let txn = portico.begin().await?;
    let (r, project) = request_for(&txn, client, id).await?;
    if r.answered_at.is_some() {
        return Ok(Answered::AlreadyAnswered);
    }
    let fields = fields_of(&r.fields);
    let asked = r.fields.clone();
    let event = |event: &'static str, detail: String| audit::Event {
        org_id: client.org_id.0,
        actor: Actor::Client(client.client_id.0),
        subject_kind: "client",
        subject_id: client.client_id.0,
        event,
        detail,
        ip: ip.clone(),
    };
    if skip {
        if fields.iter().any(|f| f.required) {
            return Ok(Answered::CannotSkip);
        }
        // Only while neither answered nor skipped: a send at the same moment keeps its answers.
        let skipped = form_request::Entity::update_many()
            .col_expr(form_request::Column::SkippedAt, sea_orm::sea_query::Expr::value(Some(now())))
            .filter(form_request::Column::Id.eq(r.id))
            .filter(form_request::Column::AnsweredAt.is_null())
            .filter(form_request::Column::SkippedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if skipped > 0 {
            let detail = format!("Skipped the form \"{}\" in {}", r.form_name, project.name);
            audit::record(&txn, event("form.skipped", detail)).await?;
        }
        txn.commit().await?;
        return Ok(Answered::Skipped { project_id: project.id });
    }
    // The posted values by field, read once (a multiple choice posts its name once per box).
    let mut by_name: HashMap<&str, Vec<String>> = HashMap::new();
    for (name, value) in posted {
        by_name.entry(name.as_str()).or_default().push(value.clone());
    }
    let given = |field: u32| -> Vec<String> { by_name.get(format!("f{field}").as_str()).cloned().unwrap_or_default() };
    let mut kept: Values = Vec::with_capacity(fields.len());
    let mut typed: Values = Vec::with_capacity(fields.len());
    let mut problems = Vec::new();
    for f in &fields {
        let values = given(f.id);
        match check_answer(f, &values) {
            Ok(answer) => kept.push((f.id, answer)),
            Err(p) => problems.push((f.id, p)),
        }
        // What was typed comes back as it was, cut to what a field can hold.
        typed.push((
            f.id,
            values
                .into_iter()
                .take(crate::model::CHOICES_MAX)
                .map(|v| v.chars().take(crate::model::LONG_ANSWER_MAX).collect())
                .collect(),
        ));
    }
    let (name, form_id, sent_by) = (r.form_name.clone(), r.form_id, r.sent_by);
    let mut row: form_request::ActiveModel = r.into();
    if !problems.is_empty() {
        row.draft = Set(Some(to_json(&typed)?));
        row.update(&txn).await?;
        txn.commit().await?;
        return Ok(Answered::Refused(problems));
    }
    row.answers = Set(Some(to_json(&kept)?));
    row.draft = Set(None);
    row.answered_at = Set(Some(now()));
    // Only while unanswered (two sends at once keep the first), and only if the questions
    // checked are still the ones it asks (staff may have changed the form meanwhile: then the
    // client answers the new ones).
    let updated = form_request::Entity::update_many()
        .set(row)
        .filter(form_request::Column::Id.eq(id))
        .filter(form_request::Column::AnsweredAt.is_null())
        .filter(form_request::Column::Fields.eq(asked))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(Answered::AlreadyAnswered);
    }
    audit::record(&txn, event("form.answered", format!("Answered the form \"{name}\" in {}", project.name))).await?;
    // Whoever sent it (and the project's creator) hears, with a way to the answers.
    crate::notifications::notify(
        &txn,
        portico,
        crate::notifications::Recipients {
            org_id: client.org_id.0,
            staff: sent_by.into_iter().collect(),
            project: crate::notifications::Concerning::Project(project.id),
            link: Some(format!("/forms/{form_id}")),
        },
        crate::notifications::kind::FORM_ANSWERED,
        &format!("{} answered {name}", client.name),
        &format!("{} ({}) answered the form \"{name}\" in {}.", client.name, client.email, project.name),
    )
    .await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(Answered::Sent { project_id: project.id })
}
