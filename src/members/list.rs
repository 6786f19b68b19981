//! Listing members: filter, order and Relay cursors in both directions, by keyset
//! (the cursor holds the sort value and the id), so page 2,000 costs what page 1 does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, NullOrdering, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use entity::members;

/// Most items a page may hold.
pub const MAX_PAGE: u64 = 500;
/// Items in a page when neither first nor last is given.
pub const DEFAULT_PAGE: u64 = 50;

/// What a member list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderField {
    LastName,
    CreatedAt,
    LastLoginAt,
    Login,
}

/// `MemberOrder`; the id breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberOrder {
    pub field: OrderField,
    pub descending: bool,
}

impl Default for MemberOrder {
    fn default() -> Self {
        Self {
            field: OrderField::LastName,
            descending: false,
        }
    }
}

/// Relay arguments.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// One page of results with their cursors.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// What a cursor holds: the order it belongs to, the sort value and the id.
#[derive(Serialize, Deserialize)]
struct Cursor {
    f: OrderField,
    v: Option<String>,
    id: Uuid,
}

fn sort_value(field: OrderField, m: &members::Model) -> Option<String> {
    match field {
        OrderField::LastName => Some(m.sort_key.clone()),
        OrderField::Login => Some(m.login_key.clone()),
        OrderField::CreatedAt => Some(m.created_at.to_rfc3339()),
        OrderField::LastLoginAt => m.last_login_at.map(|t| t.to_rfc3339()),
    }
}

fn encode(field: OrderField, m: &members::Model) -> String {
    let cursor = Cursor {
        f: field,
        v: sort_value(field, m),
        id: m.id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("cursor serialises"))
}

fn decode(arg: &str, field: OrderField, text: &str) -> Result<Cursor> {
    let bad = || Error::invalid(arg, "not a cursor of this list (or of another order)");
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if cursor.f != field {
        return Err(bad());
    }
    Ok(cursor)
}

/// The sort value and id a cursor of `field`'s order points at.
pub fn cursor_position(arg: &str, field: OrderField, text: &str) -> Result<(Option<String>, Uuid)> {
    let cursor = decode(arg, field, text)?;
    Ok((cursor.v, cursor.id))
}

fn column(field: OrderField) -> members::Column {
    match field {
        OrderField::LastName => members::Column::SortKey,
        OrderField::Login => members::Column::LoginKey,
        OrderField::CreatedAt => members::Column::CreatedAt,
        OrderField::LastLoginAt => members::Column::LastLoginAt,
    }
}

/// Rows strictly past the cursor when walking `ascending` (NULL sorts lowest).
fn past(field: OrderField, cursor: &Cursor, ascending: bool) -> Result<Condition> {
    let col = column(field);
    let id_past = if ascending {
        members::Column::Id.gt(cursor.id)
    } else {
        members::Column::Id.lt(cursor.id)
    };
    let Some(value) = &cursor.v else {
        // Cursor on a NULL: other NULLs by id, then (ascending) every non-NULL.
        let nulls = Condition::all().add(col.is_null()).add(id_past);
        return Ok(if ascending {
            Condition::any().add(nulls).add(col.is_not_null())
        } else {
            nulls
        });
    };
    let value: SimpleExpr = match field {
        OrderField::CreatedAt | OrderField::LastLoginAt => {
            let at: DateTime<Utc> = DateTime::parse_from_rfc3339(value)
                .map_err(|_| Error::invalid("after", "not a cursor of this list"))?
                .with_timezone(&Utc);
            at.into()
        }
        OrderField::LastName | OrderField::Login => value.as_str().into(),
    };
    // A row-value comparison, which both databases turn into one index range.
    let left = Expr::tuple([Expr::col(col).into(), Expr::col(members::Column::Id).into()]);
    let right = Expr::tuple([value, cursor.id.into()]);
    let cond = Condition::all().add(if ascending { left.gt(right) } else { left.lt(right) });
    // Walking down, the NULLs (lowest) come last.
    Ok(if !ascending && field == OrderField::LastLoginAt {
        Condition::any().add(cond).add(col.is_null())
    } else {
        cond
    })
}

fn size(arg: &str, n: Option<i32>) -> Result<Option<u64>> {
    match n {
        None => Ok(None),
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(Some(n as u64)),
        Some(_) => Err(Error::invalid(arg, format!("between 0 and {MAX_PAGE}"))),
    }
}

/// One page of the members matching `condition`, in `order`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    condition: Condition,
    order: MemberOrder,
    page: &PageRequest,
) -> Result<Page<members::Model>> {
    let first = size("first", page.first)?;
    let last = size("last", page.last)?;
    if first.is_some() && last.is_some() {
        return Err(Error::invalid("last", "give first or last, not both"));
    }
    let backward = last.is_some() || (page.before.is_some() && page.after.is_none() && first.is_none());
    let limit = first.or(last).unwrap_or(DEFAULT_PAGE);
    let ascending = order.descending == backward;

    let mut query = members::Entity::find().filter(condition);
    if let Some(after) = &page.after {
        let cursor = decode("after", order.field, after)?;
        query = query.filter(past(order.field, &cursor, !order.descending)?);
    }
    if let Some(before) = &page.before {
        let cursor = decode("before", order.field, before)?;
        query = query.filter(past(order.field, &cursor, order.descending)?);
    }
    let dir = if ascending { Order::Asc } else { Order::Desc };
    // Only the nullable field needs a NULLS clause (NULL sorts lowest); on the others it
    // would stop PostgreSQL from walking the index.
    query = if order.field == OrderField::LastLoginAt {
        let nulls = if ascending {
            NullOrdering::First
        } else {
            NullOrdering::Last
        };
        query.order_by_with_nulls(column(order.field), dir.clone(), nulls)
    } else {
        query.order_by(column(order.field), dir.clone())
    };
    let mut rows = query
        .order_by(members::Column::Id, dir)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if backward {
        rows.reverse();
    }
    let items = rows.into_iter().map(|m| (encode(order.field, &m), m)).collect();
    Ok(Page {
        items,
        has_next_page: if backward { page.before.is_some() } else { more },
        has_previous_page: if backward { more } else { page.after.is_some() },
    })
}

/// A forward page whose members are known already, in order (`ids`, one more than the
/// page when there is a next): read by primary key, so no ordered scan is needed.
pub async fn page_of<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    ids: &[Uuid],
    order: MemberOrder,
    page: &PageRequest,
) -> Result<Page<members::Model>> {
    let limit = size("first", page.first)?.unwrap_or(DEFAULT_PAGE) as usize;
    let wanted = &ids[..ids.len().min(limit)];
    let mut found: std::collections::HashMap<Uuid, members::Model> = members::Entity::find()
        .filter(super::of_tenant_among(tenant, wanted.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let rows: Vec<members::Model> = wanted.iter().filter_map(|id| found.remove(id)).collect();
    page_from(rows, ids, order, page)
}

/// The page of `rows` (already in order, at most one more than the page), `ids` being
/// what was asked for.
pub fn page_from(
    mut rows: Vec<members::Model>,
    ids: &[Uuid],
    order: MemberOrder,
    page: &PageRequest,
) -> Result<Page<members::Model>> {
    let limit = size("first", page.first)?.unwrap_or(DEFAULT_PAGE) as usize;
    rows.truncate(limit);
    Ok(Page {
        items: rows.into_iter().map(|m| (encode(order.field, &m), m)).collect(),
        has_next_page: ids.len() > limit,
        has_previous_page: page.after.is_some(),
    })
}

/// How many members match `condition`.
pub async fn count<C: ConnectionTrait>(conn: &C, condition: Condition) -> Result<u64> {
    Ok(members::Entity::find().filter(condition).count(conn).await?)
}
