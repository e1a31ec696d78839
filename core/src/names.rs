//! Finding a project or a customer by part of its name.
//!
//! An organization may have thousands of customers and projects, so no filter or form sends
//! them all as a menu. The menus search as the person types (`find`, at most
//! [`SUGGESTIONS`] names), and what a filter or a form sends as text — typed without picking
//! a suggestion, or sent with no JavaScript at all — is settled on the server (`settle`):
//! the name that equals it, else the only one containing it, else the few to choose from.
//!
//! Lists that name who did something (a task's assignee, an update's author, a document's
//! uploader) look the names up here by id: one query for a whole page of rows.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};

use crate::{
    Error, Result,
    entities::{client, customer, project, staff_user},
    model::{NameList, NamePick, ProjectOption},
    paging::Search,
};

/// How many names a search-as-you-type menu shows.
pub const SUGGESTIONS: u64 = 20;
/// How many names a settled text offers to choose from when it matches several.
const CHOICES: u64 = 5;

impl NameList {
    /// As a menu asks for it (`projects`, `customers`).
    pub fn parse(key: &str) -> Result<Self> {
        [Self::Projects, Self::Customers]
            .into_iter()
            .find(|l| l.key() == key)
            .ok_or_else(|| Error::validation("list", "Choose projects or customers."))
    }
}

/// The names containing `text` (any case), by name; the first names when `text` is empty.
pub async fn find<C: ConnectionTrait>(db: &C, org: i64, list: NameList, text: &str) -> Result<Vec<ProjectOption>> {
    let search = Search::parse(text)?;
    let want = search.as_ref().map_or(Match::Any, Match::NameHas);
    rows(db, org, list, want, SUGGESTIONS).await
}

/// Whether the organization has any of the list at all (a filter for none is no help).
pub async fn any<C: ConnectionTrait>(db: &C, org: i64, list: NameList) -> Result<bool> {
    Ok(!rows(db, org, list, Match::Any, 1).await?.is_empty())
}

/// What a filter or a form chose: `id` is the menu's value and `text` the words in its box.
/// Without `text` (a link, or a caller that names only the id) the id decides. With it, the
/// text decides — empty is none; the id's own name keeps the id; otherwise the name equal to
/// it (any case), else the only name containing it. Another organization's id is unknown.
pub async fn settle<C: ConnectionTrait>(
    db: &C,
    org: i64,
    list: NameList,
    id: Option<i64>,
    text: Option<&str>,
) -> Result<NamePick> {
    let by_id = |id: i64| async move { Ok::<_, Error>(rows(db, org, list, Match::Id(id), 1).await?.pop()) };
    let Some(text) = text.map(str::trim) else {
        return Ok(match id {
            None => NamePick::default(),
            Some(id) => match by_id(id).await? {
                Some(one) => NamePick::chosen(one),
                None => NamePick { unknown: true, ..NamePick::default() },
            },
        });
    };
    if text.is_empty() {
        return Ok(NamePick::default());
    }
    if let Some(id) = id
        && let Some(one) = by_id(id).await?
        && one.name.trim().to_lowercase() == text.to_lowercase()
    {
        return Ok(NamePick::chosen(one));
    }
    if let Some(one) = rows(db, org, list, Match::NameIs(text.to_string()), 1).await?.pop() {
        return Ok(NamePick::chosen(one));
    }
    let Some(search) = Search::parse(text).map_err(|_| Error::validation(list.noun(), too_long(list)))? else {
        return Ok(NamePick::default());
    };
    let mut found = rows(db, org, list, Match::NameHas(&search), CHOICES + 1).await?;
    Ok(match found.len() {
        0 => NamePick { text: text.to_string(), unknown: true, ..NamePick::default() },
        1 => NamePick::chosen(found.remove(0)),
        n => {
            found.truncate(CHOICES as usize);
            NamePick { text: text.to_string(), more: n as u64 > CHOICES, several: found, ..NamePick::default() }
        }
    })
}

/// A pick of a form that must name one: `None` for an empty field, the id when settled, else
/// the reason for the field.
pub fn one_of(pick: &NamePick, list: NameList, field: &'static str) -> Result<Option<i64>> {
    if let Some(id) = pick.id {
        return Ok(Some(id));
    }
    if pick.unknown {
        return Err(Error::validation(
            field,
            format!("No {} is named like \u{201c}{}\u{201d}. Pick one from the list.", list.noun(), pick.text),
        ));
    }
    if !pick.several.is_empty() {
        let names: Vec<&str> = pick.several.iter().map(|o| o.name.as_str()).collect();
        let more = if pick.more { ", …" } else { "" };
        return Err(Error::validation(
            field,
            format!(
                "Several {}s match \u{201c}{}\u{201d} ({}{more}). Type the whole name or pick one from the list.",
                list.noun(),
                pick.text,
                names.join(", ")
            ),
        ));
    }
    Ok(None)
}

fn too_long(list: NameList) -> String {
    format!("Type at most {} characters of the {}'s name.", Search::MAX, list.noun())
}

/// Which rows of a list to read.
enum Match<'a> {
    Any,
    Id(i64),
    /// The name equals this, ignoring case (both lowered by the database: `Search`).
    NameIs(String),
    NameHas(&'a Search),
}

async fn rows<C: ConnectionTrait>(
    db: &C,
    org: i64,
    list: NameList,
    want: Match<'_>,
    limit: u64,
) -> Result<Vec<ProjectOption>> {
    use customer::Column as C;
    use project::Column as P;
    match list {
        NameList::Projects => read::<_, project::Entity>(db, [P::OrgId, P::Id, P::Name], org, want, limit).await,
        NameList::Customers => read::<_, customer::Entity>(db, [C::OrgId, C::Id, C::Name], org, want, limit).await,
    }
}

/// Both tables name the columns alike; `[org_id, id, name]` are this table's.
async fn read<C: ConnectionTrait, E: EntityTrait>(
    db: &C,
    [org_column, id, name]: [E::Column; 3],
    org: i64,
    want: Match<'_>,
    limit: u64,
) -> Result<Vec<ProjectOption>> {
    let cond = match want {
        Match::Any => Condition::all(),
        Match::Id(wanted) => Condition::all().add(id.eq(wanted)),
        Match::NameIs(text) => {
            Condition::all().add(Func::lower(Expr::col((E::default(), name))).eq(Func::lower(Expr::val(text))))
        }
        Match::NameHas(search) => search.in_any([name]),
    };
    let rows: Vec<(i64, String)> = E::find()
        .filter(org_column.eq(org))
        .filter(cond)
        .select_only()
        .column(id)
        .column(name)
        .order_by_asc(name)
        .order_by_asc(id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, name)| ProjectOption { id, name }).collect())
}

/// The names of these staff members of the organization, by id (none asked: no query).
pub(crate) async fn staff_names<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>> {
    use staff_user::Column as S;
    names_by_id::<staff_user::Entity, C>(db, (S::OrgId, org), S::Id, S::Name, ids).await
}

/// The names of these clients of the organization, by id (none asked: no query).
pub(crate) async fn client_names<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>> {
    use client::Column as K;
    names_by_id::<client::Entity, C>(db, (K::OrgId, org), K::Id, K::Name, ids).await
}

async fn names_by_id<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    (org_column, org): (E::Column, i64),
    id: E::Column,
    name: E::Column,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(E::find()
        .filter(org_column.eq(org))
        .filter(id.is_in(ids))
        .select_only()
        .column(id)
        .column(name)
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
