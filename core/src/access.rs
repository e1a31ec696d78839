//! Maintained access state: each project contact's status (from their latest invitation to that
//! project), each client's standing across projects, and the counts of both, written in the
//! transaction of the change that moves them — so lists page and filter on stored columns and
//! the dashboard reads a handful of counter rows, whatever the size of the organization.
//!
//! One writer: every change to an invitation calls `refresh` for its client and project.
//! Expiry is the one change nobody makes: `expire_due` (the background task) moves rows whose
//! invitation ran out, so counts lag by at most one tick while lists, which compare
//! `expires_at` with the clock, are exact. `check` recomputes everything from the invitations
//! and reports any drift (the `portico-server check` command and the tests).
//!
//! Rows a transaction creates (an invite's or an import's new contacts and their places) are
//! written once, with their state, instead of inserted and then brought up to date: on
//! PostgreSQL every index entry of an updated row (a client's trigram ones too) is made again.
//! A new client's standing is set with `born_standing` and checked with `stands_as_born`; a new
//! place is written with `Derived::place_values` of `derive` of the invitations made; the caller
//! counts both as born (`refresh_counting_born`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, IntoIden, OnConflict},
};

use crate::{
    Result,
    batch::Batch,
    entities::{access_count, client, invitation, project_client},
    invitations::status_of,
    model::AccessStatus,
    now, policy,
};

/// The counters of the whole organization (clients by standing) use this project id; a
/// project's counters (its contacts by status) use the project's.
pub const ORGANIZATION: i64 = 0;

/// What `refresh` computes for one client and one project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub access: AccessStatus,
    pub invitation_id: Option<i64>,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub standing: AccessStatus,
    /// While the standing is Invited: when the last invitation they could accept runs out.
    pub standing_until: Option<DateTime<Utc>>,
}

impl Derived {
    /// The columns of a contact's place on a project that hold its state.
    pub(crate) const PLACE_COLUMNS: [project_client::Column; 4] = [
        project_client::Column::Access,
        project_client::Column::InvitationId,
        project_client::Column::LastSentAt,
        project_client::Column::ExpiresAt,
    ];

    /// This state's values of `PLACE_COLUMNS`, in their order.
    pub(crate) fn place_values(&self) -> [sea_orm::Value; 4] {
        [self.access.key().into(), self.invitation_id.into(), self.last_sent_at.into(), self.expires_at.into()]
    }
}

/// Status of the client on one project, and their standing, from their invitations (newest first).
pub fn derive(
    invitations: &[invitation::Model],
    client: &client::Model,
    project_id: i64,
    at: DateTime<Utc>,
) -> Derived {
    let latest = invitations.iter().filter(|i| i.project_id == Some(project_id)).max_by_key(|i| i.id);
    let access = match latest {
        Some(inv) => status_of(inv, client, at),
        None if client.deactivated_at.is_some() => AccessStatus::Deactivated,
        None => AccessStatus::NotInvited,
    };
    let standing = policy::standing(invitations, client, at);
    let standing_until = (standing == AccessStatus::Invited)
        .then(|| {
            invitations.iter().filter(|i| status_of(i, client, at) == AccessStatus::Invited).map(|i| i.expires_at).max()
        })
        .flatten();
    Derived {
        access,
        invitation_id: latest.map(|i| i.id),
        last_sent_at: latest.map(|i| i.last_sent_at),
        expires_at: latest.map(|i| i.expires_at),
        standing,
        standing_until,
    }
}

/// A client's standing as of `at` from the stored state: an Invited standing whose last
/// acceptable invitation ran out since the last sweep reads as Expired.
pub fn standing_now(client: &client::Model, at: DateTime<Utc>) -> AccessStatus {
    match client.standing.as_deref().and_then(AccessStatus::from_key).unwrap_or(AccessStatus::NotInvited) {
        AccessStatus::Invited if client.standing_until.is_none_or(|u| u <= at) => AccessStatus::Expired,
        other => other,
    }
}

/// `refresh` for each of the client's projects and their standing, in one `refresh_many`: after
/// a change to the client itself (deactivated, activated) that every one of their projects shows.
pub async fn refresh_everywhere<C: ConnectionTrait>(db: &C, org: i64, client_id: i64) -> Result<()> {
    let projects: Vec<i64> = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ClientId.eq(client_id))
        .select_only()
        .column(project_client::Column::ProjectId)
        .into_tuple()
        .all(db)
        .await?;
    let places: Vec<(i64, Option<i64>)> =
        projects.into_iter().map(|p| (client_id, Some(p))).chain([(client_id, None)]).collect();
    refresh_many(db, &places).await
}

/// Takes a client out of every count (before the client is deleted): their standing from the
/// organization's, their status on each project from the project's.
pub async fn forget<C: ConnectionTrait>(db: &C, client: &client::Model) -> Result<()> {
    let places = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(client.org_id))
        .filter(project_client::Column::ClientId.eq(client.id))
        .all(db)
        .await?;
    let standing = client.standing.as_deref().and_then(AccessStatus::from_key).map(|s| (ORGANIZATION, s));
    let mut moves: Vec<(i64, AccessStatus, i64)> = places
        .iter()
        .filter_map(|place| place.access.as_deref().and_then(AccessStatus::from_key).map(|s| (place.project_id, s)))
        .chain(standing)
        .map(|(scope, status)| (scope, status, -1))
        .collect();
    // The same order as `refresh_many`'s, so PostgreSQL cannot deadlock on the counter rows.
    moves.sort_by_key(|(scope, status, _)| (*scope, status.key()));
    let mut batch = Batch::new(db);
    bump_later(&mut batch, client.org_id, &moves);
    batch.run(db).await
}

/// Brings the stored state of `client` up to date after a change to their invitations (or to
/// the client), for `project_id` when one changed, and moves the counters by the difference.
/// Runs in the caller's transaction.
pub async fn refresh<C: ConnectionTrait>(db: &C, client_id: i64, project_id: Option<i64>) -> Result<()> {
    refresh_many(db, &[(client_id, project_id)]).await
}

/// `refresh` for many clients (and a project of each) in a fixed number of statements, whatever
/// their number: three reads, then an update of the rows that changed per table and one upsert
/// of the counters moved, sent together.
pub async fn refresh_many<C: ConnectionTrait>(db: &C, places: &[(i64, Option<i64>)]) -> Result<()> {
    let mut batch = Batch::new(db);
    refresh_later(db, &mut batch, places).await?;
    batch.run(db).await
}

/// `refresh_many`, its reads now and its writes in the caller's `batch`.
pub(crate) async fn refresh_later<C: ConnectionTrait>(
    db: &C,
    batch: &mut Batch,
    places: &[(i64, Option<i64>)],
) -> Result<()> {
    refresh_counting_born(db, batch, None, places, &[]).await
}

/// `refresh_later` in `org`, which also counts rows the caller has just written with their
/// state already derived (`born`: each row's scope, `ORGANIZATION` for a client's standing, and
/// its status), in the same counters upsert as the moves, so the counter rows are still taken
/// in one order. An import and an invite write the clients and contacts they create this way
/// (`born_standing`): inserted and then updated, each of their rows was written twice, with
/// every index entry (a client's trigram ones too) made twice on PostgreSQL.
pub(crate) async fn refresh_counting_born<C: ConnectionTrait>(
    db: &C,
    batch: &mut Batch,
    org: Option<i64>,
    places: &[(i64, Option<i64>)],
    born: &[(i64, AccessStatus)],
) -> Result<()> {
    let client_ids: BTreeSet<i64> = places.iter().map(|(c, _)| *c).collect();
    let project_ids: BTreeSet<i64> = places.iter().filter_map(|(_, p)| *p).collect();
    let clients = if client_ids.is_empty() {
        Vec::new()
    } else {
        client::Entity::find().filter(client::Column::Id.is_in(client_ids.clone())).all(db).await?
    };
    // `refresh_later` names no organization: its clients' is the one (none found, nothing to do).
    let Some(org) = org.or_else(|| clients.first().map(|c| c.org_id)) else { return Ok(()) };
    // Every caller works within one organization; the filter keeps it that way.
    let clients: HashMap<i64, client::Model> =
        clients.into_iter().filter(|c| c.org_id == org).map(|c| (c.id, c)).collect();
    let mut invitations: HashMap<i64, Vec<invitation::Model>> = HashMap::new();
    if !clients.is_empty() {
        for inv in invitation::Entity::find()
            .filter(invitation::Column::OrgId.eq(org))
            .filter(invitation::Column::ClientId.is_in(client_ids.clone()))
            .order_by_desc(invitation::Column::Id)
            .all(db)
            .await?
        {
            invitations.entry(inv.client_id).or_default().push(inv);
        }
    }
    let rows: HashMap<(i64, i64), project_client::Model> = if project_ids.is_empty() || clients.is_empty() {
        HashMap::new()
    } else {
        project_client::Entity::find()
            .filter(project_client::Column::OrgId.eq(org))
            .filter(project_client::Column::ClientId.is_in(client_ids))
            .filter(project_client::Column::ProjectId.is_in(project_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|r| ((r.client_id, r.project_id), r))
            .collect()
    };
    settle(batch, org, places, &clients, &invitations, &rows, born);
    Ok(())
}

/// A new client's standing, from the invitations they are about to be sent (`planned`, see
/// `invitations::Sending::planned`), set on `client` before its insert.
pub(crate) fn born_standing(
    client: &mut client::Model,
    planned: &[invitation::Model],
    at: DateTime<Utc>,
) -> (i64, AccessStatus) {
    let d = derive(planned, client, ORGANIZATION, at);
    (client.standing, client.standing_until) = (Some(d.standing.key().to_string()), d.standing_until);
    (ORGANIZATION, d.standing)
}

/// Whether a client written with `born_standing` stands as written once their invitations are
/// `made` (none, should the caller not send them after all). When not, the caller brings them
/// up to date like any other client.
pub(crate) fn stands_as_born(client: &client::Model, made: &[invitation::Model], at: DateTime<Utc>) -> bool {
    let d = derive(made, client, ORGANIZATION, at);
    (Some(d.standing.key()), d.standing_until) == (client.standing.as_deref(), client.standing_until)
}

/// Which of a held client's project rows `refresh_held` brings up to date.
pub(crate) enum Row<'a> {
    /// None: only the client's standing moved (an invitation to no project).
    Standing,
    /// Their row on this project, read here (one point read).
    Project(i64),
    /// Their row as stored, which the caller holds (read with the project of an invitation
    /// accepted).
    Held(&'a project_client::Model),
}

/// `refresh` from the client and their invitations (newest first) the caller already holds,
/// which saves `refresh_many`'s reads; the writes go into the caller's `batch`. `client` is
/// brought up to date with what is written, so the caller's next refresh (a sign-in accepting
/// several invitations) starts from the new standing and moves the counters once.
pub(crate) async fn refresh_held<C: ConnectionTrait>(
    db: &C,
    batch: &mut Batch,
    client: &mut client::Model,
    invitations: &[invitation::Model],
    row: Row<'_>,
) -> Result<()> {
    let row = match row {
        Row::Standing => None,
        Row::Held(row) => Some(row.clone()),
        Row::Project(project_id) => {
            project_client::Entity::find()
                .filter(project_client::Column::OrgId.eq(client.org_id))
                .filter(project_client::Column::ClientId.eq(client.id))
                .filter(project_client::Column::ProjectId.eq(project_id))
                .one(db)
                .await?
        }
    };
    let place = (client.id, row.as_ref().map(|r| r.project_id));
    let rows: HashMap<(i64, i64), project_client::Model> =
        row.into_iter().map(|r| ((r.client_id, r.project_id), r)).collect();
    let clients = HashMap::from([(client.id, client.clone())]);
    let invitations = HashMap::from([(client.id, invitations.to_vec())]);
    let written = settle(batch, client.org_id, &[place], &clients, &invitations, &rows, &[]);
    if let Some((_, d)) = written.into_iter().find(|(id, _)| *id == client.id) {
        client.standing = Some(d.standing.key().to_string());
        client.standing_until = d.standing_until;
    }
    Ok(())
}

/// Derives the state of each place from the rows given (`invitations` newest first), adds the
/// writes of what changed and the counters' moves to `batch` (with a count for each row
/// `born` with its state). Returns the clients whose standing it writes.
fn settle(
    batch: &mut Batch,
    org: i64,
    places: &[(i64, Option<i64>)],
    clients: &HashMap<i64, client::Model>,
    invitations: &HashMap<i64, Vec<invitation::Model>>,
    rows: &HashMap<(i64, i64), project_client::Model>,
    born: &[(i64, AccessStatus)],
) -> Vec<(i64, Derived)> {
    let at = now();
    let none = Vec::new();
    let mut moves: BTreeMap<(i64, &'static str), (AccessStatus, i64)> = BTreeMap::new();
    let mut count_move = |project_id: i64, from: Option<AccessStatus>, to: AccessStatus| {
        if from != Some(to) {
            for (status, by) in from.map(|f| (f, -1)).into_iter().chain([(to, 1)]) {
                moves.entry((project_id, status.key())).or_insert((status, 0)).1 += by;
            }
        }
    };
    for (scope, status) in born {
        count_move(*scope, None, *status);
    }
    let mut row_updates = Vec::new();
    let mut seen = HashSet::new();
    for (client_id, project_id) in places {
        let (Some(project_id), Some(client)) = (project_id, clients.get(client_id)) else { continue };
        let Some(row) = rows.get(&(*client_id, *project_id)) else { continue };
        if !seen.insert(row.id) {
            continue;
        }
        let d = derive(invitations.get(client_id).unwrap_or(&none), client, *project_id, at);
        let before = row.access.as_deref().and_then(AccessStatus::from_key);
        if before != Some(d.access)
            || (row.invitation_id, row.last_sent_at, row.expires_at) != (d.invitation_id, d.last_sent_at, d.expires_at)
        {
            count_move(*project_id, before, d.access);
            row_updates.push((row.id, d));
        }
    }
    let mut client_updates = Vec::new();
    for client in clients.values() {
        let d = derive(invitations.get(&client.id).unwrap_or(&none), client, 0, at);
        let before = client.standing.as_deref().and_then(AccessStatus::from_key);
        if before != Some(d.standing) || client.standing_until != d.standing_until {
            count_move(ORGANIZATION, before, d.standing);
            client_updates.push((client.id, d));
        }
    }
    if !row_updates.is_empty() {
        use project_client::Column as C;
        batch.add_statement(&update_by_id(
            project_client::Entity,
            C::Id,
            &Derived::PLACE_COLUMNS,
            row_updates.iter().map(|(id, d)| (*id, d.place_values().to_vec())),
        ));
    }
    if !client_updates.is_empty() {
        use client::Column as C;
        batch.add_statement(&update_by_id(
            client::Entity,
            C::Id,
            &[C::Standing, C::StandingUntil],
            client_updates.iter().map(|(id, d)| (*id, vec![d.standing.key().into(), d.standing_until.into()])),
        ));
    }
    // Counter rows are bumped in one order (by scope, then status name) whichever way rows
    // move, so two transactions moving rows in opposite directions cannot deadlock on
    // PostgreSQL.
    let moves: Vec<(i64, AccessStatus, i64)> = moves
        .into_iter()
        .filter(|(_, (_, by))| *by != 0)
        .map(|((project_id, _), (status, by))| (project_id, status, by))
        .collect();
    bump_later(batch, org, &moves);
    client_updates
}

/// `UPDATE table SET a = v.column2, b = v.column3 … FROM (VALUES (id, a, b …), …) AS v WHERE
/// table.id = v.column1`: each row given gets its own values in one statement, by a join on the
/// primary key (`column1`… are the names PostgreSQL and SQLite both give a `VALUES` list's
/// columns). A `CASE WHEN id = … THEN …` per column, the form before, had every row run through
/// a branch per row: 200 rows × 4 columns cost PostgreSQL 6–8 ms of each import chunk.
fn update_by_id<E: EntityTrait>(
    table: E,
    id: E::Column,
    columns: &[E::Column],
    rows: impl Iterator<Item = (i64, Vec<sea_orm::Value>)>,
) -> sea_orm::sea_query::UpdateStatement {
    use sea_orm::sea_query::{Alias, Query, TableRef, ValueTuple};
    let v = Alias::new("v");
    let tuples = rows.map(|(id, values)| ValueTuple::Many([vec![id.into()], values].concat())).collect();
    let mut update = Query::update();
    update.table(table).from(TableRef::ValuesList(tuples, v.clone().into_iden()));
    for (i, column) in columns.iter().enumerate() {
        update.value(*column, Expr::col((v.clone(), Alias::new(format!("column{}", i + 2)))));
    }
    update.and_where(Expr::col((table, id)).equals((v, Alias::new("column1"))));
    update
}

/// Moves counters by the given amounts in one statement (each row adds its own amount: the
/// inserted row's `n`, `excluded.n`). Rows are written in the order given.
fn bump_later(batch: &mut Batch, org: i64, moves: &[(i64, AccessStatus, i64)]) {
    use sea_orm::sea_query::Alias;
    if moves.is_empty() {
        return;
    }
    let upsert =
        access_count::Entity::insert_many(moves.iter().map(|(project_id, access, by)| access_count::ActiveModel {
            org_id: Set(org),
            project_id: Set(*project_id),
            access: Set(access.key().to_string()),
            n: Set(*by),
        }))
        .on_conflict(
            OnConflict::columns([
                access_count::Column::OrgId,
                access_count::Column::ProjectId,
                access_count::Column::Access,
            ])
            .value(
                access_count::Column::N,
                Expr::col((access_count::Entity, access_count::Column::N))
                    .add(Expr::col((Alias::new("excluded"), access_count::Column::N))),
            )
            .to_owned(),
        );
    batch.add(&upsert);
}

/// The counters of one scope (`ORGANIZATION` or a project): one small read.
pub async fn counts<C: ConnectionTrait>(db: &C, org: i64, project_id: i64) -> Result<HashMap<AccessStatus, u64>> {
    Ok(access_count::Entity::find()
        .filter(access_count::Column::OrgId.eq(org))
        .filter(access_count::Column::ProjectId.eq(project_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| Some((AccessStatus::from_key(&c.access)?, u64::try_from(c.n).unwrap_or(0))))
        .collect())
}

/// Moves rows whose invitation has run out since their last change (Invited → Expired), a
/// batch at a time; returns how many it moved. Each row in a transaction of its own.
pub async fn expire_due(portico: &crate::Portico, batch: u64) -> Result<usize> {
    let at = now();
    // The access and standing tests are written out, not bound: only a literal matches the
    // partial indexes' `WHERE access = 'invited'` and `WHERE standing = 'invited'` (a bound
    // parameter does not, on SQLite or PostgreSQL).
    let invited =
        sea_orm::sea_query::Expr::cust(format!(r#""project_clients"."access" = '{}'"#, AccessStatus::Invited.key()));
    let standing_invited =
        sea_orm::sea_query::Expr::cust(format!(r#""clients"."standing" = '{}'"#, AccessStatus::Invited.key()));
    let rows: Vec<(i64, Option<i64>)> = project_client::Entity::find()
        .filter(invited)
        .filter(project_client::Column::ExpiresAt.lte(at))
        .order_by_asc(project_client::Column::ExpiresAt)
        .limit(batch)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|r| (r.client_id, Some(r.project_id)))
        .chain(
            client::Entity::find()
                .filter(standing_invited)
                .filter(client::Column::StandingUntil.lte(at))
                .order_by_asc(client::Column::StandingUntil)
                .limit(batch)
                .all(&portico.db)
                .await?
                .into_iter()
                .map(|c| (c.id, None)),
        )
        .collect();
    for (client_id, project_id) in &rows {
        let txn = portico.begin().await?;
        refresh(&txn, *client_id, *project_id).await?;
        txn.commit().await?;
    }
    Ok(rows.len())
}

/// On start: rows written before the state was kept (or by anything that forgot `refresh`)
/// are counted by a full check with repair. Two point reads when there are none.
pub async fn fill_in_unset(portico: &crate::Portico) -> Result<usize> {
    let unset_rows = project_client::Entity::find()
        .filter(project_client::Column::Access.is_null())
        .one(&portico.db)
        .await?
        .is_some();
    let unset_clients =
        client::Entity::find().filter(client::Column::Standing.is_null()).one(&portico.db).await?.is_some();
    if !unset_rows && !unset_clients {
        return Ok(0);
    }
    Ok(check(portico, true).await?.len())
}

/// Stored state that differs from what the invitations say.
#[derive(Debug, PartialEq, Eq)]
pub struct Drift {
    pub org_id: i64,
    pub what: String,
}

/// Recomputes every organization's stored state and counters from the invitations, in pages
/// of clients, after the expiry sweep has caught up; with `repair`, writes the recomputed
/// values (which also fills in rows written before the state was kept).
pub async fn check(portico: &crate::Portico, repair: bool) -> Result<Vec<Drift>> {
    while expire_due(portico, 500).await? == 500 {}
    let db = &portico.db;
    let at = now();
    let mut drift = Vec::new();
    let mut expected: HashMap<(i64, i64, AccessStatus), i64> = HashMap::new();
    let mut after = 0;
    loop {
        let clients = client::Entity::find()
            .filter(client::Column::Id.gt(after))
            .order_by_asc(client::Column::Id)
            .limit(500)
            .all(db)
            .await?;
        let Some(last) = clients.last() else { break };
        after = last.id;
        let ids: Vec<i64> = clients.iter().map(|c| c.id).collect();
        let mut invitations: HashMap<i64, Vec<invitation::Model>> = HashMap::new();
        for inv in invitation::Entity::find()
            .filter(invitation::Column::ClientId.is_in(ids.clone()))
            .order_by_desc(invitation::Column::Id)
            .all(db)
            .await?
        {
            invitations.entry(inv.client_id).or_default().push(inv);
        }
        let mut rows: HashMap<i64, Vec<project_client::Model>> = HashMap::new();
        for pc in project_client::Entity::find().filter(project_client::Column::ClientId.is_in(ids)).all(db).await? {
            rows.entry(pc.client_id).or_default().push(pc);
        }
        for c in clients {
            let invs = invitations.remove(&c.id).unwrap_or_default();
            for pc in rows.remove(&c.id).unwrap_or_default() {
                let d = derive(&invs, &c, pc.project_id, at);
                *expected.entry((c.org_id, pc.project_id, d.access)).or_default() += 1;
                let stored = pc.access.as_deref().and_then(AccessStatus::from_key);
                if stored != Some(d.access)
                    || (pc.invitation_id, pc.last_sent_at, pc.expires_at)
                        != (d.invitation_id, d.last_sent_at, d.expires_at)
                {
                    drift.push(Drift {
                        org_id: c.org_id,
                        what: format!(
                            "client {} on project {}: stored {stored:?}, computed {:?}",
                            c.id, pc.project_id, d.access
                        ),
                    });
                    if repair {
                        let mut active: project_client::ActiveModel = pc.into();
                        active.access = Set(Some(d.access.key().to_string()));
                        active.invitation_id = Set(d.invitation_id);
                        active.last_sent_at = Set(d.last_sent_at);
                        active.expires_at = Set(d.expires_at);
                        active.update(db).await?;
                    }
                }
            }
            let d = derive(&invs, &c, 0, at);
            *expected.entry((c.org_id, ORGANIZATION, d.standing)).or_default() += 1;
            let stored = c.standing.as_deref().and_then(AccessStatus::from_key);
            if stored != Some(d.standing) || c.standing_until != d.standing_until {
                drift.push(Drift {
                    org_id: c.org_id,
                    what: format!("client {}: stored standing {stored:?}, computed {:?}", c.id, d.standing),
                });
                if repair {
                    let mut active: client::ActiveModel = c.into();
                    active.standing = Set(Some(d.standing.key().to_string()));
                    active.standing_until = Set(d.standing_until);
                    active.update(db).await?;
                }
            }
        }
    }
    // Every counter against the recount; a missing counter is a count of 0.
    let mut stored: HashMap<(i64, i64, AccessStatus), i64> = HashMap::new();
    for c in access_count::Entity::find().all(db).await? {
        if let Some(access) = AccessStatus::from_key(&c.access) {
            stored.insert((c.org_id, c.project_id, access), c.n);
        }
    }
    let mut keys: Vec<_> = stored.keys().chain(expected.keys()).copied().collect();
    keys.sort_by_key(|(o, p, a)| (*o, *p, a.key()));
    keys.dedup();
    for key in keys {
        let (have, want) = (stored.get(&key).copied().unwrap_or(0), expected.get(&key).copied().unwrap_or(0));
        if have != want {
            drift.push(Drift { org_id: key.0, what: format!("counter {key:?}: stored {have}, counted {want}") });
        }
    }
    if repair {
        access_count::Entity::delete_many().exec(db).await?;
        // One statement at a time: a batch of thousands would be prepared, and kept in each
        // connection's statement cache, as one.
        for ((org, project, access), n) in expected {
            Batch::write(db, |batch| bump_later(batch, org, &[(project, access, n)])).await?;
        }
    }
    Ok(drift)
}

/// The rows whose maintained status (`status_column`, an `AccessStatus` key, with the expiry of
/// its invitation in `until_column`) is `status` at `at`: a stored Invited whose invitation has
/// run out is Expired already (the sweep catches up within 30 s; lists are exact now). One
/// definition for a project's contacts and the organization's clients.
pub fn has_status<C: sea_orm::ColumnTrait>(
    status_column: C,
    until_column: C,
    status: AccessStatus,
    at: chrono::DateTime<chrono::Utc>,
) -> sea_orm::sea_query::Condition {
    use sea_orm::sea_query::Condition;
    let invited = status_column.eq(AccessStatus::Invited.key());
    match status {
        AccessStatus::Invited => Condition::all().add(invited).add(until_column.gt(at)),
        AccessStatus::Expired => Condition::any()
            .add(status_column.eq(AccessStatus::Expired.key()))
            .add(Condition::all().add(invited).add(until_column.lte(at))),
        other => Condition::all().add(status_column.eq(other.key())),
    }
}
