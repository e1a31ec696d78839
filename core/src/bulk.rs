//! Bulk actions over many clients (PRODUCT.md "Bulk, import, export"): what each action does to
//! one client (`plan`), the confirmation that says exactly what will happen to a selection
//! (`preview`), and the doing of it inside a job's chunk (`act`). `plan` is the one rule both
//! read, so the counts a confirmation shows are the outcomes the job reports.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::SelectStatement,
};
use serde::{Deserialize, Serialize};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    clients::{self, ClientQuery},
    domain::{ClientId, InvitationId, ProjectId},
    entities::{client, organization, project_client},
    invitations::{self, contact_status},
    model::{AccessStatus, BulkAction, BulkPreview, thousands},
    now, projects,
};

/// A bulk action as a job stores it: the action, and the project its invitation actions are
/// limited to (the project of Portal access, or the Clients page's project filter); without
/// one they act on every project of each client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bulk {
    pub action: BulkAction,
    #[serde(default)]
    pub project: Option<i64>,
}

impl From<BulkAction> for Bulk {
    fn from(action: BulkAction) -> Self {
        Bulk { action, project: None }
    }
}

impl Bulk {
    pub fn parse(action: &str, project: Option<i64>) -> Result<Bulk> {
        let action = BulkAction::from_key(action)
            .ok_or_else(|| Error::validation("action", "Choose what to do with the selected clients."))?;
        Ok(Bulk { action, project })
    }
}

/// Which clients a bulk action is for.
pub enum Selection {
    /// The clients ticked.
    Clients(Vec<ClientId>),
    /// All that a Clients page filter selects.
    Matching(ClientQuery),
    /// All that a project's Portal access filter (`status`, `q` as in its address) selects.
    OnProject { project: ProjectId, status: String, q: String },
}

impl Selection {
    /// The ids of the selected clients of the staff member's organization, as a subquery. A
    /// ticked id of another organization is not in it: callers compare the counts.
    pub(crate) async fn ids(&self, portico: &Portico, staff: &Staff) -> Result<SelectStatement> {
        let org = staff.org_id.0;
        Ok(match self {
            Selection::Clients(ids) => client::Entity::find()
                .select_only()
                .column(client::Column::Id)
                .filter(client::Column::OrgId.eq(org))
                .filter(client::Column::Id.is_in(ids.iter().map(|c| c.0)))
                .into_query(),
            Selection::Matching(query) => {
                clients::filter_clients(client::Entity::find(), portico.db.get_database_backend(), org, query, now())
                    .select_only()
                    .column(client::Column::Id)
                    .into_query()
            }
            Selection::OnProject { project, status, q } => {
                invitations::matching_select(portico, staff, *project, [status, q]).await?
            }
        })
    }

    /// How many distinct clients were ticked (`None` for a filter).
    pub(crate) fn ticked(&self) -> Option<u64> {
        match self {
            Selection::Clients(ids) => Some(ids.iter().collect::<std::collections::HashSet<_>>().len() as u64),
            _ => None,
        }
    }
}

/// Why a client is left out of a bulk action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skip {
    Deactivated,
    AlreadyActive,
    AlreadyInvited,
    NotOnProject,
    NothingToResend,
    NothingToCancel,
    CannotSignIn,
    AlreadyDeactivated,
    NotDeactivated,
}

impl Skip {
    /// In the confirmation's sentence: "12 already active will be skipped".
    pub fn phrase(self) -> &'static str {
        match self {
            Skip::Deactivated => "deactivated",
            Skip::AlreadyActive => "already active",
            Skip::AlreadyInvited => "already invited",
            Skip::NotOnProject => "not on a project",
            Skip::NothingToResend => "with no invitation to resend",
            Skip::NothingToCancel => "with no open invitation",
            Skip::CannotSignIn => "without an invitation they can use",
            Skip::AlreadyDeactivated => "already deactivated",
            Skip::NotDeactivated => "not deactivated",
        }
    }

    /// On the job's page, per client.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::Deactivated => "Deactivated. Activate them first.",
            Skip::AlreadyActive => "Already active.",
            Skip::AlreadyInvited => "Already invited. Use Resend invite to send it again.",
            Skip::NotOnProject => "Not on a project. Add them to one first.",
            Skip::NothingToResend => "No invitation to resend. Use Send invite first.",
            Skip::NothingToCancel => "No open invitation to cancel.",
            Skip::CannotSignIn => "No invitation they can use: send or resend one first.",
            Skip::AlreadyDeactivated => "Already deactivated.",
            Skip::NotDeactivated => "Already active (not deactivated).",
        }
    }
}

/// Whether an invitation action applies to a project contact in this status.
fn applies(action: BulkAction, status: AccessStatus) -> bool {
    use AccessStatus as S;
    match action {
        BulkAction::SendInvite => status == S::NotInvited,
        // Expired and cancelled invitations are sent again with a new link.
        BulkAction::ResendInvite => matches!(status, S::Invited | S::Expired | S::Cancelled),
        // Not yet accepted: still open, whether or not it ran out or was locked.
        BulkAction::CancelInvite => matches!(status, S::Invited | S::Expired | S::Locked),
        _ => false,
    }
}

/// What `action` does to one client: how many things (invitations, or the client itself), or
/// why it is skipped. `standing` is the client's standing now; `contacts` the statuses of
/// their projects in scope.
pub fn plan(
    action: BulkAction,
    deactivated: bool,
    standing: AccessStatus,
    contacts: &[AccessStatus],
) -> std::result::Result<u64, Skip> {
    match action {
        BulkAction::Deactivate if deactivated => Err(Skip::AlreadyDeactivated),
        BulkAction::Deactivate => Ok(1),
        BulkAction::Activate if deactivated => Ok(1),
        BulkAction::Activate => Err(Skip::NotDeactivated),
        _ if deactivated => Err(Skip::Deactivated),
        BulkAction::SendLoginEmail if standing.allows_sign_in_links() => Ok(1),
        BulkAction::SendLoginEmail => Err(Skip::CannotSignIn),
        _ if contacts.is_empty() => Err(Skip::NotOnProject),
        _ => match contacts.iter().filter(|s| applies(action, **s)).count() as u64 {
            0 if contacts.iter().all(|s| *s == AccessStatus::Active) => Err(Skip::AlreadyActive),
            0 => Err(match action {
                BulkAction::SendInvite => Skip::AlreadyInvited,
                BulkAction::ResendInvite => Skip::NothingToResend,
                _ => Skip::NothingToCancel,
            }),
            n => Ok(n),
        },
    }
}

/// The project contacts (project, status, latest invitation) of the clients `ids` selects,
/// in `scope` when there is one.
async fn contacts<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: SelectStatement,
    scope: Option<i64>,
) -> Result<Vec<(i64, i64, AccessStatus, Option<i64>)>> {
    let mut select = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ClientId.in_subquery(ids));
    if let Some(project) = scope {
        select = select.filter(project_client::Column::ProjectId.eq(project));
    }
    let at = now();
    Ok(select
        .all(db)
        .await?
        .into_iter()
        .map(|pc| (pc.client_id, pc.project_id, contact_status(&pc, at), pc.invitation_id))
        .collect())
}

/// The confirmation of `bulk` over `selection`: what it would do now, counted with the rule
/// the job applies. Two reads whatever the selection's size (the clients' maintained
/// standing, and for the invitation actions their project contacts).
pub async fn preview(portico: &Portico, staff: &Staff, bulk: Bulk, selection: &Selection) -> Result<BulkPreview> {
    let org = staff.org_id.0;
    if let Some(project) = bulk.project {
        projects::find(&portico.db, org, project).await?;
    }
    let ids = selection.ids(portico, staff).await?;
    let selected: Vec<client::Model> =
        client::Entity::find().filter(client::Column::Id.in_subquery(ids.clone())).all(&portico.db).await?;
    if selection.ticked().is_some_and(|n| n != selected.len() as u64) {
        return Err(Error::NotFound);
    }
    if selected.is_empty() {
        return Err(Error::validation("client_ids", "Select at least one client."));
    }
    let mut of_client: HashMap<i64, Vec<AccessStatus>> = HashMap::new();
    if bulk.action.on_invitations() {
        for (client_id, _, status, _) in contacts(&portico.db, org, ids, bulk.project).await? {
            of_client.entry(client_id).or_default().push(status);
        }
    }
    let at = now();
    let (mut acting, mut items) = (0u64, 0u64);
    let mut skipped: HashMap<Skip, u64> = HashMap::new();
    for c in &selected {
        let standing = crate::access::standing_now(c, at);
        let contacts = of_client.get(&c.id).map(Vec::as_slice).unwrap_or_default();
        match plan(bulk.action, c.deactivated_at.is_some(), standing, contacts) {
            Ok(n) => {
                acting += 1;
                items += n;
            }
            Err(skip) => *skipped.entry(skip).or_default() += 1,
        }
    }
    let mut skipped: Vec<(u64, String)> = skipped.into_iter().map(|(s, n)| (n, s.phrase().to_string())).collect();
    skipped.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let sentence = sentence(bulk.action, acting, items, &skipped);
    Ok(BulkPreview { action: bulk.action, acting, items, skipped, sentence })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// "Send 243 invitations. 12 already active will be skipped."
fn sentence(action: BulkAction, acting: u64, items: u64, skipped: &[(u64, String)]) -> String {
    let left_out = skipped.iter().map(|(n, why)| format!("{} {why}", thousands(*n))).collect::<Vec<_>>();
    let left_out = match left_out.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    if acting == 0 {
        return format!("Nothing to do: {left_out}.");
    }
    let invitations = |verb: &str| {
        let mut s = format!("{verb} {}", plural(items, "invitation", "invitations"));
        if items != acting {
            s += &format!(" to {}", plural(acting, "client", "clients"));
        }
        s
    };
    let mut s = match action {
        BulkAction::SendInvite => invitations("Send"),
        BulkAction::ResendInvite => invitations("Resend"),
        BulkAction::CancelInvite => invitations("Cancel") + ". Their links stop working at once",
        BulkAction::SendLoginEmail => format!("Send {}", plural(acting, "login email", "login emails")),
        BulkAction::Deactivate => {
            format!("Deactivate {}. They are signed out at once", plural(acting, "client", "clients"))
        }
        BulkAction::Activate => format!("Activate {}", plural(acting, "client", "clients")),
    };
    s.push('.');
    if !left_out.is_empty() {
        s += &format!(" {left_out} will be skipped.");
    }
    s
}

/// The action on one client, inside the chunk's transaction. A client it does not apply to is
/// a `Conflict` with the reason (reported as skipped). An invitation action on a client with
/// several projects in scope acts on each that it applies to; it counts as done when at least
/// one was, and as skipped with the first reason otherwise.
pub(crate) async fn act(
    txn: &DatabaseTransaction,
    portico: &Portico,
    staff: &Staff,
    org: &organization::Model,
    bulk: Bulk,
    id: ClientId,
) -> Result<()> {
    let client = clients::find(txn, staff.org_id, id).await?;
    let deactivated = client.deactivated_at.is_some();
    let skip = |s: Skip| Error::Conflict(s.reason().into());
    match bulk.action {
        BulkAction::SendLoginEmail => {
            if deactivated {
                return Err(skip(Skip::Deactivated));
            }
            crate::magic_links::send_one(txn, portico, staff, org, &client, None).await
        }
        BulkAction::Deactivate | BulkAction::Activate => {
            let deactivate = bulk.action == BulkAction::Deactivate;
            if clients::set_deactivated_in(txn, staff, id, deactivate, None).await? {
                Ok(())
            } else if deactivate {
                Err(skip(Skip::AlreadyDeactivated))
            } else {
                Err(skip(Skip::NotDeactivated))
            }
        }
        action => {
            let only = client::Entity::find()
                .select_only()
                .column(client::Column::Id)
                .filter(client::Column::Id.eq(client.id))
                .into_query();
            let contacts = contacts(txn, org.id, only, bulk.project).await?;
            let statuses: Vec<AccessStatus> = contacts.iter().map(|c| c.2).collect();
            let standing = crate::access::standing_now(&client, now());
            plan(action, deactivated, standing, &statuses).map_err(skip)?;
            let mut first_refusal = None;
            let mut acted = false;
            for (_, project_id, status, invitation) in contacts.into_iter().filter(|c| applies(action, c.2)) {
                let done = match (action, invitation) {
                    (BulkAction::SendInvite, _) => {
                        let project = projects::find(txn, org.id, project_id).await?;
                        // The organization this chunk already holds: not read again per client.
                        let sending = invitations::Sending::plain(staff, org);
                        invitations::create_and_send_many(txn, portico, &sending, &[(&client, &project)])
                            .await
                            .map(drop)
                    }
                    (BulkAction::ResendInvite, Some(inv)) => {
                        invitations::resend_in(txn, portico, staff, InvitationId(inv), None).await
                    }
                    (_, Some(inv)) => invitations::cancel_in(txn, staff, InvitationId(inv), None).await,
                    // The maintained state names the latest invitation of every invited contact.
                    (_, None) => Err(Error::Conflict(format!("No invitation to act on ({}).", status.label()))),
                };
                match done {
                    Ok(()) => acted = true,
                    Err(e @ (Error::Conflict(_) | Error::RateLimited(_))) => {
                        first_refusal.get_or_insert(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            match (acted, first_refusal) {
                (false, Some(refusal)) => Err(refusal),
                _ => Ok(()),
            }
        }
    }
}
