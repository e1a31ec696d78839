//! Keyset pagination and search, for every list that can grow without bound.
//!
//! A page is "the next `size` rows after this key" (never an offset): stable while rows are
//! inserted between pages and as cheap on the last page as on the first. The key travels to
//! the browser as a cursor sealed with the server key for one organization and one list, so a
//! forged cursor, or one from another organization or list, is refused with a clear message
//! instead of silently starting somewhere.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseExecutor, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, TransactionTrait,
    sea_query::{Alias, BinOper, Condition, Expr, ExprTrait, Func},
};

use crate::{Error, Result, secrets::ServerKey};

/// Rows per page: 50 unless the page asks for 10 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(u64);

impl PageSize {
    pub const DEFAULT: u64 = 50;
    pub const MIN: u64 = 10;
    pub const MAX: u64 = 100;

    pub fn parse(size: Option<u64>) -> Result<Self> {
        match size.unwrap_or(Self::DEFAULT) {
            n @ Self::MIN..=Self::MAX => Ok(Self(n)),
            _ => Err(Error::validation("per", format!("Show between {} and {} rows per page.", Self::MIN, Self::MAX))),
        }
    }

    /// From a page's address: empty is the default.
    pub fn parse_text(text: &str) -> Result<Self> {
        match text.trim() {
            "" => Self::parse(None),
            n => Self::parse(Some(n.parse::<u64>().unwrap_or(u64::MAX))),
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

/// Where a page starts: after a row (the next page) or before one (the previous page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    After(i64),
    Before(i64),
}

const REFUSED: &str = "This page link is no longer valid. Start again from the first page.";

impl Cursor {
    /// The row it starts after or before.
    pub fn id(self) -> i64 {
        match self {
            Cursor::After(id) | Cursor::Before(id) => id,
        }
    }

    /// `a123.<mac>` / `b123.<mac>`: readable, and useless outside its organization and list.
    pub fn seal(self, key: &ServerKey, org: i64, list: &str) -> String {
        let body = match self {
            Cursor::After(id) => format!("a{id}"),
            Cursor::Before(id) => format!("b{id}"),
        };
        format!("{body}.{}", mac(key, org, list, &body))
    }

    /// The cursor a page was asked for: none (the first page), or one this server sealed for
    /// this organization and list.
    pub fn open(key: &ServerKey, org: i64, list: &str, sealed: &str) -> Result<Option<Self>> {
        let sealed = sealed.trim();
        if sealed.is_empty() {
            return Ok(None);
        }
        let refused = || Error::validation("cursor", REFUSED);
        let (body, tag) = sealed.split_once('.').ok_or_else(refused)?;
        if body.len() > 24 || !crate::secrets::digests_match(tag, &mac(key, org, list, body)) {
            return Err(refused());
        }
        let id = body.get(1..).and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 0).ok_or_else(refused)?;
        match body.as_bytes().first() {
            Some(b'a') => Ok(Some(Cursor::After(id))),
            Some(b'b') => Ok(Some(Cursor::Before(id))),
            _ => Err(refused()),
        }
    }
}

fn mac(key: &ServerKey, org: i64, list: &str, body: &str) -> String {
    key.short_mac(&format!("page-cursor:{org}:{list}:{body}"))
}

/// What a person typed in a list's search box: trimmed, at most 100 characters, matched
/// anywhere in a name or email, case-insensitively, with `%`, `_` and `\` taken literally.
///
/// Kept as typed: the database lowers both sides of the comparison with its own `lower()`.
/// Lowering it here would disagree with SQLite, whose `lower()` folds ASCII letters only, so
/// "Élise" lowered by Rust ("élise") would never match `lower('Élise Martin')` ("Élise martin").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search(String);

impl Search {
    pub const MAX: usize = 100;

    pub fn parse(text: &str) -> Result<Option<Self>> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > Self::MAX {
            return Err(Error::validation("q", format!("Search for at most {} characters.", Self::MAX)));
        }
        if text.chars().any(char::is_control) {
            return Err(Error::validation("q", "Search for letters, digits and punctuation only."));
        }
        Ok(Some(Self(text.to_string())))
    }

    /// The `LIKE` pattern (with `\` as the escape character).
    pub fn pattern(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + 2);
        out.push('%');
        for c in self.0.chars() {
            if matches!(c, '%' | '_' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('%');
        out
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The search as an FTS5 phrase for a trigram index (quoted, so every character is taken
    /// literally and matches as a substring), when it is long enough for trigrams to narrow
    /// anything: three characters or more.
    pub fn trigram_phrase(&self) -> Option<String> {
        // The trigram tokenizer folds case itself (Unicode letters included).
        (self.0.chars().count() >= 3).then(|| format!("\"{}\"", self.0.to_lowercase().replace('"', "\"\"")))
    }

    /// Matches rows where any of these text columns contains the search, ignoring case:
    /// `lower(column) LIKE lower(pattern)`, both sides lowered by the same database.
    pub fn in_any<C: ColumnTrait>(&self, columns: impl IntoIterator<Item = C>) -> Condition {
        columns.into_iter().fold(Condition::any(), |any, column| {
            // `LikeExpr` takes its pattern as a plain string; this is the same expression with
            // the pattern inside `lower()`.
            let pattern = Expr::Binary(
                Box::new(Func::lower(Expr::val(self.pattern())).into()),
                BinOper::Escape,
                Box::new(Expr::Constant('\\'.into())),
            );
            any.add(Expr::expr(Func::lower(Expr::col((column.entity_name(), column)))).binary(BinOper::Like, pattern))
        })
    }
}

/// Where the reads of a list filtered by a client search run.
///
/// On PostgreSQL a prepared statement switches to a generic plan after five runs, and a
/// generic plan knows no `LIKE` pattern: from the sixth search on, the Clients page read every
/// client of the organization (68 ms idle, ~300 ms at 8 searches at a time, 100,000 clients)
/// instead of the trigram indexes on `clients` (6–12 ms). So these reads run in one short
/// transaction planned for their values (`SET LOCAL`, which ends with it); the whole pool
/// planning that way cost more than it saved (`db.rs`). On SQLite, and without a search, they
/// read the pool directly.
pub struct SearchReads<'c> {
    pool: &'c DatabaseConnection,
    planned: Option<DatabaseTransaction>,
}

impl<'c> SearchReads<'c> {
    pub async fn begin(pool: &'c DatabaseConnection, search: Option<&Search>) -> Result<Self> {
        let planned = match search {
            Some(_) if pool.get_database_backend() == DbBackend::Postgres => {
                let txn = pool.begin().await?;
                txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
                Some(txn)
            }
            _ => None,
        };
        Ok(Self { pool, planned })
    }

    /// The connection to read through.
    pub fn db(&self) -> DatabaseExecutor<'_> {
        match &self.planned {
            Some(txn) => txn.into(),
            None => self.pool.into(),
        }
    }

    /// Ends the read-only transaction, if there is one.
    pub async fn end(self) -> Result<()> {
        if let Some(txn) = self.planned {
            txn.commit().await?;
        }
        Ok(())
    }
}

/// The order a list shows its rows in, by row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Oldest first (the order they were added).
    Ascending,
    /// Newest first.
    Descending,
}

/// Restricts a query to the window a cursor names, in the list's order: the rows after it
/// (the next page) or, read backwards, the rows before it (the previous page), one more than
/// a page to know whether there is more. `window` turns what it reads into the page.
pub fn keyset<S, C>(select: S, id: C, cursor: Option<Cursor>, order: Order, size: PageSize) -> S
where
    S: QueryFilter + QueryOrder + QuerySelect,
    C: ColumnTrait,
{
    let forward = match order {
        Order::Ascending => sea_orm::Order::Asc,
        Order::Descending => sea_orm::Order::Desc,
    };
    let backward = match order {
        Order::Ascending => sea_orm::Order::Desc,
        Order::Descending => sea_orm::Order::Asc,
    };
    let beyond = |id_value: i64, ahead: bool| match (order, ahead) {
        (Order::Ascending, true) | (Order::Descending, false) => id.gt(id_value),
        (Order::Ascending, false) | (Order::Descending, true) => id.lt(id_value),
    };
    match cursor {
        None => select.order_by(id, forward),
        Some(Cursor::After(at)) => select.filter(beyond(at, true)).order_by(id, forward),
        Some(Cursor::Before(at)) => select.filter(beyond(at, false)).order_by(id, backward),
    }
    .limit(size.get() + 1)
}

/// `keyset` for a list ordered by a text column (a name), then by id: the cursor still names a
/// row by id, and `anchor` is that row's text, read by the caller (`None` when the row is gone,
/// which refuses the cursor like a forged one).
pub fn keyset_by_text<S, K, C>(
    select: S,
    key: K,
    id: C,
    cursor: Option<(Cursor, Option<String>)>,
    size: PageSize,
) -> Result<S>
where
    S: QueryFilter + QueryOrder + QuerySelect,
    K: ColumnTrait,
    C: ColumnTrait,
{
    use sea_orm::Order::{Asc, Desc};
    // The `>=` / `<=` bound says the same as the OR beside it, but as a range the (org, name, id)
    // index can start from: with the OR alone SQLite read the organization's names from the
    // first one to the anchor (157 ms for the last page of 100,000 clients).
    let select = match cursor {
        None => select.order_by(key, Asc).order_by(id, Asc),
        Some((_, None)) => return Err(crate::Error::validation("cursor", REFUSED)),
        Some((Cursor::After(at), Some(text))) => select
            .filter(key.gte(text.clone()))
            .filter(Condition::any().add(key.gt(text.clone())).add(Condition::all().add(key.eq(text)).add(id.gt(at))))
            .order_by(key, Asc)
            .order_by(id, Asc),
        Some((Cursor::Before(at), Some(text))) => select
            .filter(key.lte(text.clone()))
            .filter(Condition::any().add(key.lt(text.clone())).add(Condition::all().add(key.eq(text)).add(id.lt(at))))
            .order_by(key, Desc)
            .order_by(id, Desc),
    };
    Ok(select.limit(size.get() + 1))
}

/// The rows a narrow filter selects, to be ordered and paged apart from how they are found.
///
/// For `ORDER BY name LIMIT 51` under a filter, PostgreSQL may walk the order's index and test
/// each row, which is right when the matches are many and ruinous when they are few: its
/// estimate for a `LIKE` pattern is a guess (and a prepared statement's generic plan knows no
/// pattern), so at 100,000 clients a search matching 95 of them read the whole organization
/// (90 ms on an idle machine) where the trigram index finds them in 5–10. When the
/// caller knows the matches are few (a bounded count said so), this wraps the filter in a
/// subquery with `OFFSET 0`, which PostgreSQL does not merge into the outer query: it finds
/// the matching rows by the filter's best index, then sorts only those. (SQL has no portable
/// planner hint; `OFFSET 0` is PostgreSQL's documented optimization fence.) Filters and order
/// added afterwards apply to the subquery's rows, under the table's own name.
pub fn matched_first<E: EntityTrait>(select: Select<E>) -> Select<E> {
    let mut inner = select.into_query();
    inner.offset(0);
    let mut outer = E::find();
    QueryTrait::query(&mut outer).from_clear().from_subquery(inner, Alias::new(E::default().table_name()));
    outer
}

/// One page of rows and the sealed cursors of its neighbours (`None`: there is none).
#[derive(Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

impl<T> Page<T> {
    /// No rows (a filter that names nothing).
    pub fn empty() -> Self {
        Self { rows: Vec::new(), next: None, prev: None }
    }
}

/// Cuts a fetched window (`keyset`) into a page. `fetched` holds up to `size + 1` rows in the
/// order the query read them (the list's order after a cursor, the reverse before one); the
/// extra row only says that there is more in that direction.
pub fn window<T>(
    mut fetched: Vec<T>,
    size: PageSize,
    cursor: Option<Cursor>,
    id_of: impl Fn(&T) -> i64,
    seal: impl Fn(Cursor) -> String,
) -> Page<T> {
    let size = usize::try_from(size.get()).unwrap_or(usize::MAX);
    let more = fetched.len() > size;
    fetched.truncate(size);
    if matches!(cursor, Some(Cursor::Before(_))) {
        fetched.reverse();
    }
    let (first, last) = (fetched.first().map(&id_of), fetched.last().map(&id_of));
    let (has_next, has_prev) = match cursor {
        None => (more, false),
        Some(Cursor::After(_)) => (more, true),
        Some(Cursor::Before(_)) => (true, more),
    };
    Page {
        next: last.filter(|_| has_next).map(|id| seal(Cursor::After(id))),
        prev: first.filter(|_| has_prev).map(|id| seal(Cursor::Before(id))),
        rows: fetched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_open_only_for_their_organization_and_list() {
        let key = ServerKey::generate();
        let sealed = Cursor::After(42).seal(&key, 7, "portal-access:3");
        assert_eq!(Cursor::open(&key, 7, "portal-access:3", &sealed).unwrap(), Some(Cursor::After(42)));
        assert_eq!(Cursor::open(&key, 7, "portal-access:3", "").unwrap(), None);
        for (org, list, text) in [
            (8, "portal-access:3", sealed.clone()),
            (7, "portal-access:4", sealed.clone()),
            (7, "portal-access:3", sealed.replace("a42", "a43")),
            (7, "portal-access:3", "a42".to_string()),
            (7, "portal-access:3", "a42.zz".to_string()),
            (7, "portal-access:3", format!("{}x", sealed)),
        ] {
            let e = Cursor::open(&key, org, list, &text).unwrap_err();
            assert!(matches!(e, Error::Validation { field: "cursor", .. }), "{text}: {e:?}");
        }
        assert!(Cursor::open(&ServerKey::generate(), 7, "portal-access:3", &sealed).is_err());
    }

    #[test]
    fn search_takes_wildcards_literally_and_refuses_what_is_not_a_search() {
        assert_eq!(Search::parse("  ").unwrap(), None);
        assert_eq!(Search::parse(" Ada ").unwrap().unwrap().pattern(), "%Ada%");
        assert_eq!(Search::parse(r"50%_o\ff").unwrap().unwrap().pattern(), r"%50\%\_o\\ff%");
        assert!(Search::parse(&"x".repeat(101)).is_err());
        assert!(Search::parse(&"x".repeat(100)).is_ok());
        assert!(Search::parse("a\u{0}b").is_err());
        assert!(Search::parse("'; drop table clients; --").unwrap().is_some());
        assert_eq!(Search::parse("ad").unwrap().unwrap().trigram_phrase(), None);
        assert_eq!(Search::parse(r#"Ada "x" OR *"#).unwrap().unwrap().trigram_phrase().unwrap(), r#""ada ""x"" or *""#);
    }

    /// Both sides of the comparison are lowered by the database: SQLite's `lower()` folds
    /// ASCII only, so a pattern lowered in Rust ("élise") would never match `lower('Élise')`.
    #[test]
    fn a_search_is_lowered_by_the_database_on_both_sides() {
        use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};
        let search = Search::parse(" Élise_ ").unwrap().unwrap();
        assert_eq!(search.pattern(), r"%Élise\_%");
        let query =
            crate::entities::client::Entity::find().filter(search.in_any([crate::entities::client::Column::Name]));
        let sqlite = query.clone().build(DbBackend::Sqlite);
        assert!(sqlite.sql.ends_with(r#"WHERE LOWER("clients"."name") LIKE LOWER(?) ESCAPE '\'"#), "{}", sqlite.sql);
        assert_eq!(sqlite.values.unwrap().0, [sea_orm::Value::from(r"%Élise\_%")]);
        let postgres = query.build(DbBackend::Postgres).sql;
        assert!(postgres.ends_with(r#"WHERE LOWER("clients"."name") LIKE LOWER($1) ESCAPE E'\\'"#), "{postgres}");
    }

    #[test]
    fn page_sizes_out_of_range_are_refused() {
        assert_eq!(PageSize::parse(None).unwrap().get(), 50);
        assert_eq!(PageSize::parse(Some(100)).unwrap().get(), 100);
        for n in [0, 9, 101, u64::MAX] {
            assert!(PageSize::parse(Some(n)).is_err(), "{n}");
        }
    }

    #[test]
    fn windows_say_which_neighbours_exist() {
        let size = PageSize::parse(Some(10)).unwrap();
        let seal = |c: Cursor| format!("{c:?}");
        let page = window((1..=11).collect(), size, None, |r: &i64| *r, seal);
        assert_eq!((page.rows.len(), page.next.as_deref(), page.prev.as_deref()), (10, Some("After(10)"), None));
        let page = window((11..=15).collect(), size, Some(Cursor::After(10)), |r: &i64| *r, seal);
        assert_eq!((page.rows, page.next, page.prev.as_deref()), (vec![11, 12, 13, 14, 15], None, Some("Before(11)")));
        // Backwards: read descending from 11, shown ascending.
        let page = window((1..=10).rev().collect(), size, Some(Cursor::Before(11)), |r: &i64| *r, seal);
        assert_eq!((page.rows[0], page.next.as_deref(), page.prev.as_deref()), (1, Some("After(10)"), None));
    }
}
