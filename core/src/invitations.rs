//! Invitations: offering a client portal access to a project, and the Portal access list.
//! An invitation, its email and its audit row are always written in one transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TryInsertResult,
    sea_query::{Expr, Query},
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit::{self, Actor},
    batch::Batch,
    domain::{ClientId, EmailAddress, InvitationId, Line, PhoneNumber, ProjectId},
    entities::{client, invitation, organization, project, project_client, staff_user},
    mail,
    model::{AccessPage, AccessStatus, Contact, PortalAccessRow, ProjectDetail, status_note},
    now, outbox,
    paging::{Cursor, Order, PageSize, Search, keyset},
    projects,
    secrets::random_hex16,
};

/// Stored invitation states; "Expired" is derived from `expires_at`.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const CANCELLED: &str = "cancelled";
}

const LINK_PURPOSE: &str = "invitation";
/// At most this many resends of one invitation per hour.
pub const RESENDS_PER_HOUR: u64 = 5;

/// The badge for a client's invitation.
pub fn status_of(inv: &invitation::Model, client: &client::Model, at: DateTime<Utc>) -> AccessStatus {
    if client.deactivated_at.is_some() {
        return AccessStatus::Deactivated;
    }
    match inv.status.as_str() {
        state::ACCEPTED => AccessStatus::Active,
        state::PENDING if inv.locked_at.is_some() => AccessStatus::Locked,
        state::CANCELLED => AccessStatus::Cancelled,
        _ if inv.expires_at <= at => AccessStatus::Expired,
        _ => AccessStatus::Invited,
    }
}

/// The link a client receives, derived again from the stored salt whenever it is sent.
pub fn link(portico: &Portico, inv: &invitation::Model) -> String {
    portico.link(&format!(
        "{}{}",
        crate::secrets::INVITATION_PAGE,
        portico.key.derive_token(LINK_PURPOSE, &inv.link_salt).expose()
    ))
}

/// Who to invite: a contact the organization already has, or a new one.
pub enum InviteTarget {
    Existing(ClientId),
    New { name: Line, email: EmailAddress, phone: Option<PhoneNumber> },
}

impl InviteTarget {
    /// From the dialog's fields: an existing contact's id, or name + email (+ phone).
    pub fn parse(existing_client_id: Option<i64>, name: &str, email: &str, phone: &str) -> Result<Self> {
        if let Some(id) = existing_client_id {
            return Ok(InviteTarget::Existing(ClientId(id)));
        }
        let mut errors = crate::error::FormErrors::default();
        let name = errors.check(Line::parse("name", "the client's name", name, 200));
        let email = errors.check(EmailAddress::parse(email));
        let phone = errors.check(PhoneNumber::parse_optional(phone));
        errors.finish()?;
        match (name, email, phone) {
            (Some(name), Some(email), Some(phone)) => Ok(InviteTarget::New { name, email, phone }),
            _ => Err(Error::internal("form check", "a field without a value passed")),
        }
    }
}

/// What a Portal access page asks for: a status, a search, where to start, how many rows.
#[derive(Clone, Debug, Default)]
pub struct AccessQuery {
    pub status: Option<AccessStatus>,
    pub search: Option<Search>,
    pub cursor: Option<Cursor>,
    pub size: PageSize,
}

impl AccessQuery {
    /// From a page's address (`status`, `q`, `cursor`, `per`; empty means the default), every
    /// bad part reported at once, for its field.
    pub fn parse(
        key: &crate::secrets::ServerKey,
        staff: &Staff,
        project_id: ProjectId,
        [status, q, cursor, per]: [&str; 4],
    ) -> Result<Self> {
        let mut errors = crate::error::FormErrors::default();
        let status = errors.check(match status.trim() {
            "" => Ok(None),
            key => AccessStatus::from_key(key)
                .map(Some)
                .ok_or_else(|| Error::validation("status", "Choose a status from the list.")),
        });
        let search = errors.check(Search::parse(q));
        let size = errors.check(PageSize::parse_text(per));
        let cursor = errors.check(Cursor::open(key, staff.org_id.0, &access_list(project_id), cursor));
        errors.finish()?;
        match (status, search, size, cursor) {
            (Some(status), Some(search), Some(size), Some(cursor)) => Ok(Self { status, search, cursor, size }),
            _ => Err(Error::internal("page query", "a part without a value passed")),
        }
    }
}

/// Searches are counted up to this many matches ("1,000+"), never across a whole project.
pub const MATCH_COUNT_LIMIT: u64 = 1_000;

/// The cursor scope of a project's Portal access list.
pub fn access_list(project_id: ProjectId) -> String {
    format!("portal-access:{}", project_id.0)
}

/// A project's card and one page of its Portal access list, read from the maintained state:
/// three statements whatever the project's size (the project with its customer and its
/// organization's cooldown, the counters, the page with its clients in one join), four with a
/// search (its bounded count).
pub async fn portal_access(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    query: &AccessQuery,
) -> Result<(ProjectDetail, AccessPage)> {
    use sea_orm::QuerySelect;
    let org = staff.org_id.0;
    let db = &portico.db;
    let (project, customer, organization) = projects::with_customer_and_organization(db, org, project_id.0).await?;
    let cooldown = organization.reinvite_cooldown_hours;
    let at = now();
    let select = project_client::Entity::find().find_also_related(client::Entity);
    let select = filter_access(select, org, project_id, query.status, query.search.as_ref(), at);
    let matching_select = select.clone();
    let size = query.size;
    let counts = crate::access::counts(db, org, project_id.0).await?;
    // Only the two statements that search run in the search's planned transaction.
    let reads = crate::paging::SearchReads::begin(db, query.search.as_ref()).await?;
    let fetched =
        keyset(select, project_client::Column::Id, query.cursor, Order::Ascending, size).all(&reads.db()).await?;
    let (matching, matching_is_bound) = match (&query.search, query.status) {
        (None, None) => (counts.values().sum(), false),
        (None, Some(status)) => (counts.get(&status).copied().unwrap_or(0), false),
        (Some(_), _) => {
            let n = matching_select.limit(MATCH_COUNT_LIMIT + 1).count(&reads.db()).await?;
            (n.min(MATCH_COUNT_LIMIT), n > MATCH_COUNT_LIMIT)
        }
    };
    reads.end().await?;
    let list = access_list(project_id);
    let page = crate::paging::window(
        fetched,
        size,
        query.cursor,
        |(pc, _)| pc.id,
        |cursor| cursor.seal(&portico.key, org, &list),
    );
    let rows = page.rows.into_iter().filter_map(|(pc, c)| Some(access_row(pc, c?, cooldown, at))).collect();
    let detail = projects::detail_of(project, customer, &counts);
    let mut counts: Vec<(AccessStatus, u64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
    counts.sort_by_key(|(s, _)| AccessStatus::ALL.iter().position(|a| a == s));
    Ok((detail, AccessPage { rows, next: page.next, prev: page.prev, counts, matching, matching_is_bound }))
}

/// The contacts of a project's Portal access list that a status and a search select: one
/// definition for the page and for "Select all N matching", so both mean the same rows.
fn filter_access<S: QueryFilter>(
    select: S,
    org: i64,
    project_id: ProjectId,
    status: Option<AccessStatus>,
    search: Option<&Search>,
    at: DateTime<Utc>,
) -> S {
    let mut select =
        select.filter(project_client::Column::OrgId.eq(org)).filter(project_client::Column::ProjectId.eq(project_id.0));
    if let Some(status) = status {
        select = select.filter(crate::access::has_status(
            project_client::Column::Access,
            project_client::Column::ExpiresAt,
            status,
            at,
        ));
    }
    if let Some(search) = search {
        select = select.filter(search.in_any([client::Column::Name, client::Column::Email]));
    }
    select
}

/// The ids of the clients a Portal access filter (`status`, `q` as in the page's address)
/// selects, as a subquery (a bulk job's selection).
pub(crate) async fn matching_select(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    [status, q]: [&str; 2],
) -> Result<sea_orm::sea_query::SelectStatement> {
    use sea_orm::{JoinType, QuerySelect, QueryTrait, Related};
    let query = AccessQuery::parse(&portico.key, staff, project_id, [status, q, "", ""])?;
    let org = staff.org_id.0;
    projects::find(&portico.db, org, project_id.0).await?;
    let select = project_client::Entity::find()
        .join(JoinType::InnerJoin, <project_client::Entity as Related<client::Entity>>::to());
    Ok(filter_access(select, org, project_id, query.status, query.search.as_ref(), now())
        .select_only()
        .column(project_client::Column::ClientId)
        .into_query())
}

/// A Portal access row from the maintained state of the contact and the client.
fn access_row(
    pc: project_client::Model,
    c: client::Model,
    cooldown: Option<i32>,
    at: DateTime<Utc>,
) -> PortalAccessRow {
    let status = contact_status(&pc, at);
    let may_sign_in = crate::access::standing_now(&c, at).allows_sign_in_links();
    PortalAccessRow {
        note: status_note(status, pc.last_sent_at, pc.expires_at, c.last_sign_in_at, at),
        client_id: c.id,
        name: c.name,
        email: c.email,
        phone: c.phone.as_deref().map(PhoneNumber::display),
        status,
        invitation_id: pc.invitation_id,
        last_sent_at: pc.last_sent_at,
        expires_at: pc.expires_at,
        last_sign_in_at: c.last_sign_in_at,
        resend_available: pc
            .last_sent_at
            .filter(|_| status == AccessStatus::Invited)
            .and_then(|sent| resend_ready_at(sent, cooldown))
            .filter(|ready| *ready > at)
            .map(|ready| format!("Resend available {}", ready.format("%-d %b %Y %H:%M UTC"))),
        may_sign_in,
    }
}

/// A project contact's status as of `at` from the maintained state: a stored Invited whose
/// invitation ran out since the last sweep reads as Expired.
pub fn contact_status(pc: &project_client::Model, at: DateTime<Utc>) -> AccessStatus {
    match pc.access.as_deref().and_then(AccessStatus::from_key).unwrap_or(AccessStatus::NotInvited) {
        AccessStatus::Invited if pc.expires_at.is_some_and(|e| e <= at) => AccessStatus::Expired,
        other => other,
    }
}

/// When the re-invite cooldown lets an invitation be sent again (`None`: no cooldown).
fn resend_ready_at(last_sent_at: DateTime<Utc>, cooldown_hours: Option<i32>) -> Option<DateTime<Utc>> {
    cooldown_hours.filter(|h| *h > 0).map(|h| last_sent_at + Duration::hours(h.into()))
}

pub(crate) async fn latest_invitation<C: ConnectionTrait>(
    db: &C,
    org: i64,
    client_id: i64,
    project_id: i64,
) -> Result<Option<invitation::Model>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .filter(invitation::Column::ClientId.eq(client_id))
        .filter(invitation::Column::ProjectId.eq(project_id))
        .order_by_desc(invitation::Column::Id)
        .one(db)
        .await?)
}

/// Contacts of the organization not on this project yet, for the picker: at most `limit`,
/// those matching `search` when there is one, by name.
pub async fn contacts_outside(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    search: Option<&Search>,
    limit: u64,
) -> Result<Vec<Contact>> {
    use sea_orm::sea_query::ExprTrait as _;
    let org = staff.org_id.0;
    projects::find(&portico.db, org, project_id.0).await?;
    let on_project = Query::select()
        .column(project_client::Column::ClientId)
        .from(project_client::Entity)
        .and_where(Expr::col(project_client::Column::OrgId).eq(org))
        .and_where(Expr::col(project_client::Column::ProjectId).eq(project_id.0))
        .to_owned();
    let mut select = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::DeactivatedAt.is_null())
        .filter(client::Column::Id.not_in_subquery(on_project));
    if let Some(search) = search {
        select = select.filter(search.in_any([client::Column::Name, client::Column::Email]));
    }
    let reads = crate::paging::SearchReads::begin(&portico.db, search).await?;
    let found = select
        .order_by_asc(client::Column::Name)
        .order_by_asc(client::Column::Id)
        .limit(limit)
        .all(&reads.db())
        .await?;
    reads.end().await?;
    Ok(found.into_iter().map(|c| Contact { id: c.id, name: c.name, email: c.email }).collect())
}

/// "Send invite": links the contact to the project (creating the contact if new) and sends
/// an invitation. A contact with a live invitation is not invited twice (double submits).
pub async fn invite(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    target: InviteTarget,
    ip: Option<String>,
) -> Result<InvitationId> {
    invite_with(portico, staff, project_id, target, None, ip).await
}

/// An invitation, maybe with a digital form ("Send a digital form with the invitation"): the
/// email says so and the client is taken to the form once they accept.
pub async fn invite_with(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    target: InviteTarget,
    form: Option<i64>,
    ip: Option<String>,
) -> Result<InvitationId> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let (project, org_row) = projects::with_organization(&txn, org, project_id.0).await?;
    // One `Sending`, so one moment, for the invitation and a contact made with it, whose standing
    // is derived from the invitation before either is written (`access::born_standing`).
    let mut sending = Sending { ip: ip.clone(), ..Sending::plain(staff, &org_row) };
    let at = sending.at;
    let (client, born) = match target {
        InviteTarget::Existing(id) => (
            client::Entity::find_by_id(id.0)
                .filter(client::Column::OrgId.eq(org))
                .one(&txn)
                .await?
                .ok_or_else(|| Error::validation("client_id", "Choose a contact from the list."))?,
            None,
        ),
        InviteTarget::New { name, email, phone } => {
            let mut new = client::Model::new(org, None, &name, &email, phone.as_ref(), at);
            let planned = [sending.planned(&new.email, project.id)];
            let standing = crate::access::born_standing(&mut new, &planned, at);
            let (client, made) = find_or_create_client(&txn, new).await?;
            (client, made.then_some(standing))
        }
    };
    if client.deactivated_at.is_some() {
        return Err(Error::validation(
            "client_id",
            format!("{} is deactivated. Activate them before inviting.", client.name),
        ));
    }
    // A client made by this transaction is on no project and has no invitation yet.
    let live = match born {
        Some(_) => None,
        None => {
            link_to_project(&txn, org, project.id, client.id).await?;
            latest_invitation(&txn, org, client.id, project.id).await?
        }
    };
    if let Some(live) = live {
        match status_of(&live, &client, now()) {
            AccessStatus::Invited => {
                return Err(Error::Conflict(format!(
                    "{} has already been invited. Use Resend invite to send it again.",
                    client.email
                )));
            }
            AccessStatus::Active => {
                return Err(Error::Conflict(format!("{} already has access to this project.", client.email)));
            }
            AccessStatus::Locked => {
                return Err(Error::Conflict(format!(
                    "The invitation for {} is locked. Unlock it first.",
                    client.email
                )));
            }
            _ => {}
        }
    }
    let form = match form {
        Some(id) => Some(crate::forms::chosen_for_invitation(&txn, org, id).await?),
        None => None,
    };
    sending.form = form.as_ref().map(|f| f.name.as_str());
    let invites = [(&client, &project)];
    let mut batch = Batch::new(&txn);
    let made = write_and_send_many(&txn, &mut batch, portico, &sending, &invites).await?;
    let id = InvitationId(made.first().ok_or_else(|| Error::Internal("an invitation was not written".into()))?.id);
    match born {
        // A contact made here: their place on the project is written once, with the state the
        // invitation gives it, and counted as born with their standing. Nothing to read back.
        Some(standing) => {
            let place = crate::access::derive(&made, &client, project.id, at);
            batch.add_statement(&place_insert(org, project.id, client.id, Some(&place), at)?);
            let stale = (!crate::access::stands_as_born(&client, &made, at)).then_some((client.id, None));
            let counted = [standing, (project.id, place.access)];
            crate::access::refresh_counting_born(&txn, &mut batch, Some(org), stale.as_slice(), &counted).await?;
        }
        None => crate::access::refresh_later(&txn, &mut batch, &[(client.id, Some(project.id))]).await?,
    }
    batch.run(&txn).await?;
    if let Some(form) = &form {
        crate::forms::attach_to_invitation(&txn, staff, form, &client, &project, id.0, ip).await?;
    }
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(id)
}

/// Tasks assigned to a client of the project who cannot get in yet (never invited to it, or
/// their invitation expired) invite them, in one email that names the tasks. Returns `None`
/// when it did, else where the client stands: invited already, active or locked out, or
/// cancelled by staff (a deliberate decision a task assignment does not overturn).
pub(crate) async fn invite_for_tasks(
    txn: &DatabaseTransaction,
    portico: &Portico,
    staff: &Staff,
    org: &organization::Model,
    client: &client::Model,
    project: &project::Model,
    tasks: &[mail::TaskNote],
    ip: Option<String>,
) -> Result<Option<AccessStatus>> {
    if let Some(live) = latest_invitation(txn, staff.org_id.0, client.id, project.id).await? {
        let status = status_of(&live, client, now());
        if matches!(
            status,
            AccessStatus::Invited | AccessStatus::Active | AccessStatus::Locked | AccessStatus::Cancelled
        ) {
            return Ok(Some(status));
        }
    }
    let sending = Sending { tasks, ip, ..Sending::plain(staff, org) };
    create_and_send_many(txn, portico, &sending, &[(client, project)]).await?;
    Ok(None)
}

/// Writes `new` (a `client::Model::new`), or finds the contact already at its address in its
/// organization. Returns the contact and whether it was made here.
pub(crate) async fn find_or_create_client(
    txn: &DatabaseTransaction,
    new: client::Model,
) -> Result<(client::Model, bool)> {
    let (org, email) = (new.org_id, new.email.clone());
    // Made first, read only if the address is taken: a new contact (the common case, and all
    // of an import's) costs one statement, and two people adding the same address at once both
    // end up with the one contact instead of an error.
    let made = client::Entity::insert(new.into_insert())
        .on_conflict_do_nothing_on([client::Column::OrgId, client::Column::Email])
        .exec_with_returning(txn)
        .await;
    match made {
        Ok(TryInsertResult::Inserted(made)) => return Ok((made, true)),
        // sea-orm 2.0 answers a `DO NOTHING` that returned no row with "not found", not with
        // `Conflicted`: either way the address is taken.
        Ok(_) | Err(sea_orm::DbErr::RecordNotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let existing = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Email.eq(email))
        .one(txn)
        .await?
        .ok_or_else(|| Error::Internal("a contact's address was taken and then not found".into()))?;
    Ok((existing, false))
}

/// Adds the contact to the project; the first one becomes the project's client. Two point
/// reads, whatever the number of contacts the project has.
pub(crate) async fn link_to_project(
    txn: &DatabaseTransaction,
    org: i64,
    project_id: i64,
    client_id: i64,
) -> Result<()> {
    let of_project = || {
        project_client::Entity::find()
            .filter(project_client::Column::OrgId.eq(org))
            .filter(project_client::Column::ProjectId.eq(project_id))
    };
    // Locked until the caller commits (`FOR UPDATE` on PostgreSQL; SQLite's write transaction
    // holds the whole database): two invitations of one client to one project made at the same
    // moment take turns, and the second sees the first's invitation and is refused.
    if of_project().filter(project_client::Column::ClientId.eq(client_id)).lock_exclusive().one(txn).await?.is_some() {
        return Ok(());
    }
    txn.execute(&place_insert(org, project_id, client_id, None, now())?).await?;
    Ok(())
}

/// The insert of a contact's place on a project at `at` (with its access `state`, when the caller
/// has derived it). The row finds out whether it is the project's first contact, and so its
/// client, by probing the project's contacts as it is written (`NOT EXISTS`), not by a read
/// before it.
fn place_insert(
    org: i64,
    project_id: i64,
    client_id: i64,
    state: Option<&crate::access::Derived>,
    at: DateTime<Utc>,
) -> Result<sea_orm::sea_query::InsertStatement> {
    use project_client::Column as C;
    use sea_orm::sea_query::{ExprTrait as _, SimpleExpr};
    let others = Query::select()
        .expr(Expr::val(1))
        .from(project_client::Entity)
        .and_where(Expr::col((project_client::Entity, C::OrgId)).eq(org))
        .and_where(Expr::col((project_client::Entity, C::ProjectId)).eq(project_id))
        .to_owned();
    let mut columns = vec![C::OrgId, C::ProjectId, C::ClientId, C::IsPrimary, C::CreatedAt];
    let mut values: Vec<SimpleExpr> =
        vec![org.into(), project_id.into(), client_id.into(), Expr::exists(others).not(), at.into()];
    if let Some(state) = state {
        columns.extend(crate::access::Derived::PLACE_COLUMNS);
        values.extend(state.place_values().into_iter().map(SimpleExpr::from));
    }
    Ok(Query::insert()
        .into_table(project_client::Entity)
        .columns(columns)
        .values(values)
        .map_err(|e| Error::internal("a project contact", e))?
        .to_owned())
}

pub(crate) async fn create_and_send(
    txn: &DatabaseTransaction,
    portico: &Portico,
    staff: &Staff,
    org: &organization::Model,
    client: &client::Model,
    project: &project::Model,
    ip: Option<String>,
) -> Result<InvitationId> {
    let sending = Sending { ip, ..Sending::plain(staff, org) };
    let made = create_and_send_many(txn, portico, &sending, &[(client, project)]).await?;
    made.into_iter().next().ok_or_else(|| Error::Internal("an invitation was not written".into()))
}

/// Invitations of these clients to these projects, their emails, their audit rows and the
/// access state they move, in a fixed number of statements whatever their number (an import
/// chunk's). Returns the invitations in the order given.
pub(crate) async fn create_and_send_many(
    txn: &DatabaseTransaction,
    portico: &Portico,
    sending: &Sending<'_>,
    invites: &[(&client::Model, &project::Model)],
) -> Result<Vec<InvitationId>> {
    let mut batch = Batch::new(txn);
    let made = write_and_send_many(txn, &mut batch, portico, sending, invites).await?;
    let places: Vec<(i64, Option<i64>)> = invites.iter().map(|(c, p)| (c.id, Some(p.id))).collect();
    crate::access::refresh_later(txn, &mut batch, &places).await?;
    batch.run(txn).await?;
    Ok(made.iter().map(|inv| InvitationId(inv.id)).collect())
}

/// Who sends a batch of invitations and what their emails carry besides the link.
pub(crate) struct Sending<'a> {
    pub staff: &'a Staff,
    /// The staff member's organization, as the caller holds it.
    pub org: &'a organization::Model,
    /// Tasks assigned with the invitation: the email names them.
    pub tasks: &'a [mail::TaskNote],
    /// The name of a digital form sent with the invitation.
    pub form: Option<&'a str>,
    pub ip: Option<String>,
    /// When they are sent (their `created_at`, and what their expiry counts from).
    pub at: DateTime<Utc>,
}

impl<'a> Sending<'a> {
    /// A plain invitation, sent now: no tasks, no form, no address recorded.
    pub(crate) fn plain(staff: &'a Staff, org: &'a organization::Model) -> Self {
        Sending { staff, org, tasks: &[], form: None, ip: None, at: now() }
    }

    /// The invitation to `project_id` that `write_and_send_many` will write for `email`, before
    /// it is written: no id, client id or link yet (zero and empty). Good only for what
    /// `access::derive` makes of it: the standing of a client an invite or an import creates,
    /// derived before the client's row exists, so that row is written once with its state.
    pub(crate) fn planned(&self, email: &str, project_id: i64) -> invitation::Model {
        // Each invitation keeps the expiry it was sent with, whatever the setting becomes.
        let expires_at = self.at + Duration::days(self.org.invitation_expiry_days.clamp(1, 30).into());
        invitation::Model {
            id: 0,
            org_id: self.org.id,
            client_id: 0,
            project_id: Some(project_id),
            invited_by: self.staff.user_id.0,
            token_hash: String::new(),
            link_salt: String::new(),
            email: email.to_string(),
            status: state::PENDING.into(),
            expires_at,
            created_at: self.at,
            last_sent_at: self.at,
            send_count: 1,
            accepted_at: None,
            cancelled_at: None,
            failed_attempts: 0,
            locked_at: None,
        }
    }
}

/// `create_and_send_many` without the access refresh, for a caller that holds the rows it needs.
/// The invitations are written now (their ids are needed); their emails and audit rows go into
/// `batch`.
pub(crate) async fn write_and_send_many(
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    portico: &Portico,
    sending: &Sending<'_>,
    invites: &[(&client::Model, &project::Model)],
) -> Result<Vec<invitation::Model>> {
    let Sending { staff, org, tasks, form, ref ip, .. } = *sending;
    if invites.is_empty() {
        return Ok(Vec::new());
    }
    let mut hashes = Vec::with_capacity(invites.len());
    let rows: Vec<invitation::ActiveModel> = invites
        .iter()
        .map(|(client, project)| {
            let salt = random_hex16();
            let token_hash = portico.key.derive_token(LINK_PURPOSE, &salt).hash();
            hashes.push(token_hash.clone());
            let row = invitation::Model {
                client_id: client.id,
                token_hash,
                link_salt: salt,
                ..sending.planned(&client.email, project.id)
            };
            invitation::ActiveModel { id: sea_orm::ActiveValue::NotSet, ..row.into_active_model().reset_all() }
        })
        .collect();
    // Written and read back in one statement (`RETURNING`); matched by token hash (unique), as
    // the order of returned rows is not promised.
    let mut by_hash: std::collections::HashMap<String, invitation::Model> = invitation::Entity::insert_many(rows)
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .map(|inv| (inv.token_hash.clone(), inv))
        .collect();
    let made: Vec<invitation::Model> = hashes
        .iter()
        .map(|h| by_hash.remove(h).ok_or_else(|| Error::Internal("an invitation was not written".into())))
        .collect::<Result<_>>()?;
    let mut mails = Vec::with_capacity(made.len());
    let mut events = Vec::with_capacity(made.len());
    for ((client, project), inv) in invites.iter().zip(&made) {
        mails.push(invitation_mail(portico, org, &staff.name, client, project, inv, tasks, form)?);
        events.push(audit::Event {
            org_id: org.id,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "invitation",
            subject_id: inv.id,
            event: "invitation.created",
            detail: format!("Invited {} to {} by email", client.email, project.name),
            ip: ip.clone(),
        });
    }
    outbox::enqueue_later(batch, portico, mails);
    audit::record_later(batch, events);
    Ok(made)
}

async fn queue_email(
    txn: &DatabaseTransaction,
    portico: &Portico,
    org: &organization::Model,
    inviter_name: &str,
    client: &client::Model,
    project: &project::Model,
    inv: &invitation::Model,
) -> Result<()> {
    outbox::enqueue(txn, portico, invitation_mail(portico, org, inviter_name, client, project, inv, &[], None)?)
        .await?;
    Ok(())
}

/// The invitation email of `inv`, with its link.
fn invitation_mail<'a>(
    portico: &Portico,
    org: &'a organization::Model,
    inviter_name: &str,
    client: &client::Model,
    project: &project::Model,
    inv: &'a invitation::Model,
    tasks: &[mail::TaskNote],
    form: Option<&str>,
) -> Result<outbox::Outgoing<'a>> {
    let rendered = mail::invitation(&mail::Invitation {
        org_name: &org.name,
        inviter_name,
        client_name: &client.name,
        project_name: &project.name,
        link: &link(portico, inv),
        expires_on: inv.expires_at.format("%-d %B %Y").to_string(),
        tasks,
        form,
    })?;
    Ok(outbox::Outgoing {
        org_id: org.id,
        topic: crate::outbox::Topic::Invitation,
        to: &inv.email,
        from_name: &org.name,
        mail: rendered,
        invitation_id: Some(inv.id),
    })
}

async fn find_invitation<C: ConnectionTrait>(db: &C, org: i64, id: InvitationId) -> Result<invitation::Model> {
    invitation::Entity::find_by_id(id.0).filter(invitation::Column::OrgId.eq(org)).one(db).await?.ok_or(Error::NotFound)
}

/// "Resend invite": the same link while it is valid; after expiry or cancellation a new link
/// (the old one stays dead) with a fresh expiry.
pub async fn resend(portico: &Portico, staff: &Staff, id: InvitationId, ip: Option<String>) -> Result<()> {
    let txn = portico.begin().await?;
    resend_in(&txn, portico, staff, id, ip).await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(())
}

/// "Resend invite" inside the caller's transaction (approving a link request uses it too).
pub(crate) async fn resend_in(
    txn: &DatabaseTransaction,
    portico: &Portico,
    staff: &Staff,
    id: InvitationId,
    ip: Option<String>,
) -> Result<()> {
    let org_id = staff.org_id.0;
    let inv = find_invitation(txn, org_id, id).await?;
    let client = client::Entity::find_by_id(inv.client_id)
        .filter(client::Column::OrgId.eq(org_id))
        .one(txn)
        .await?
        .ok_or(Error::NotFound)?;
    let project_id = inv.project_id.ok_or(Error::NotFound)?;
    let project = projects::find(txn, org_id, project_id).await?;
    let org = organization::Entity::find_by_id(org_id).one(txn).await?.ok_or(Error::NotFound)?;
    let t = now();
    let status = status_of(&inv, &client, t);
    if status == AccessStatus::Active {
        return Err(Error::Conflict(format!("{} has already accepted this invitation.", client.email)));
    }
    if status == AccessStatus::Deactivated {
        return Err(Error::Conflict(format!("{} is deactivated.", client.email)));
    }
    if status == AccessStatus::Locked {
        return Err(Error::Conflict(format!("The invitation for {} is locked. Unlock it first.", client.email)));
    }
    // Whatever the cooldown, one address gets at most a few resends an hour.
    let recent_resends =
        audit::count_since(txn, org_id, ("invitation", inv.id), "invitation.resent", t - Duration::hours(1)).await?;
    if recent_resends >= RESENDS_PER_HOUR {
        return Err(Error::RateLimited(format!(
            "{} was sent this invitation {RESENDS_PER_HOUR} times in the last hour. Try again later.",
            client.email
        )));
    }
    if let Some(ready) = resend_ready_at(inv.last_sent_at, org.reinvite_cooldown_hours)
        .filter(|ready| status == AccessStatus::Invited && *ready > t)
    {
        return Err(Error::RateLimited(format!(
            "You can resend this invitation after {}.",
            ready.format("%-d %B %Y %H:%M UTC")
        )));
    }
    let inviter = staff_user::Entity::find_by_id(inv.invited_by)
        .one(txn)
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| staff.name.clone());
    let mut active: invitation::ActiveModel = inv.clone().into();
    active.last_sent_at = Set(t);
    active.send_count = Set(inv.send_count + 1);
    let renewed = status != AccessStatus::Invited;
    if renewed {
        // A new link: a new salt gives a new token; the old token's hash no longer matches.
        let salt = random_hex16();
        active.token_hash = Set(portico.key.derive_token(LINK_PURPOSE, &salt).hash());
        active.link_salt = Set(salt);
        active.status = Set(state::PENDING.into());
        active.cancelled_at = Set(None);
        active.email = Set(client.email.clone());
        active.expires_at = Set(t + Duration::days(org.invitation_expiry_days.clamp(1, 30).into()));
    }
    let inv = active.update(txn).await?;
    crate::access::refresh(txn, client.id, Some(project.id)).await?;
    queue_email(txn, portico, &org, &inviter, &client, &project, &inv).await?;
    audit::record(
        txn,
        audit::Event {
            org_id,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "invitation",
            subject_id: inv.id,
            event: "invitation.resent",
            detail: if renewed { "Resent with a new link".into() } else { "Resent with the same link".into() },
            ip,
        },
    )
    .await
}

/// "Cancel invite": the link stops working at once.
pub async fn cancel(portico: &Portico, staff: &Staff, id: InvitationId, ip: Option<String>) -> Result<()> {
    let txn = portico.begin().await?;
    cancel_in(&txn, staff, id, ip).await?;
    txn.commit().await?;
    Ok(())
}

/// "Cancel invite" inside the caller's transaction (a bulk job's chunk).
pub(crate) async fn cancel_in(
    txn: &DatabaseTransaction,
    staff: &Staff,
    id: InvitationId,
    ip: Option<String>,
) -> Result<()> {
    let inv = find_invitation(txn, staff.org_id.0, id).await?;
    if inv.status != state::PENDING {
        return Err(Error::Conflict("Only an invitation that has not been accepted can be cancelled.".into()));
    }
    let mut active: invitation::ActiveModel = inv.clone().into();
    active.status = Set(state::CANCELLED.into());
    active.cancelled_at = Set(Some(now()));
    active.update(txn).await?;
    crate::access::refresh(txn, inv.client_id, inv.project_id).await?;
    audit::by_staff(
        txn,
        staff,
        ("invitation", inv.id),
        "invitation.cancelled",
        format!("Cancelled the invitation to {}", inv.email),
        ip,
    )
    .await
}

/// "Unlock": a locked invitation (too many wrong codes) works again, with a clean count.
pub async fn unlock(portico: &Portico, staff: &Staff, id: InvitationId, ip: Option<String>) -> Result<()> {
    let txn = portico.begin().await?;
    let inv = find_invitation(&txn, staff.org_id.0, id).await?;
    if inv.locked_at.is_none() {
        return Err(Error::Conflict("This invitation is not locked.".into()));
    }
    let mut active: invitation::ActiveModel = inv.clone().into();
    active.locked_at = Set(None);
    active.failed_attempts = Set(0);
    active.update(&txn).await?;
    crate::access::refresh(&txn, inv.client_id, inv.project_id).await?;
    audit::by_staff(
        &txn,
        staff,
        ("invitation", inv.id),
        "invitation.unlocked",
        format!("Unlocked the invitation to {}", inv.email),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
