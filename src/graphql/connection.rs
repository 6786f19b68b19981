//! Relay connections: the one generic page type every list of the contract returns
//! (`MemberConnection`, `ImportJobConnection`, …), its page info, and the opaque cursors.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{
    Context, ContextSelectionSet, Object, OutputType, Positioned, ServerResult, SimpleObject, TypeName, Value,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_orm::{Condition, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::app;
use crate::error::{Error, Result};

/// Where a page stands in its list (Relay): whether items follow or come before it,
/// and the cursors of its first and last items.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct PageInfo {
    /// True when more items follow this page: ask again with `after: endCursor`.
    pub has_next_page: bool,
    /// True when items come before this page (going forward: when `after` was given).
    pub has_previous_page: bool,
    /// Cursor of the page's first item; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the page's last item, to pass as `after` for the next page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// A type listed page by page: its connection and edge types are named after it
/// (`Member` gives `MemberConnection` and `MemberEdge`) and described by its [`Words`].
pub trait Node: OutputType + Clone + 'static {
    /// The table whose rows a [`Total::Deferred`] count counts.
    type Entity: EntityTrait<Model: Sync>;
    /// How the contract describes this list's connection and edge.
    const WORDS: Words;
}

/// The descriptions of one list's connection and edge types and of their fields, as
/// `schema.graphql` shows them (each list says "members", "imports", "newest first"…).
pub struct Words {
    /// The connection type.
    pub connection: &'static str,
    /// Its `edges` field.
    pub edges: &'static str,
    /// Its `nodes` field.
    pub nodes: &'static str,
    /// Its `pageInfo` field.
    pub page_info: &'static str,
    /// Its `totalCount` field.
    pub total_count: &'static str,
    /// The edge type.
    pub edge: &'static str,
    /// The edge's `cursor` field.
    pub cursor: &'static str,
    /// The edge's `node` field.
    pub node: &'static str,
}

/// How a connection's totalCount is found.
pub enum Total {
    /// Counted along with the page.
    Known(u64),
    /// Counted only when a client asks for totalCount: the rows of the node's table this
    /// condition selects (a count over a large tenant costs more than the page).
    Deferred(Condition),
}

/// An item of a page and its cursor.
#[derive(Clone)]
pub struct Edge<N> {
    /// Opaque position of the item in the list's order.
    pub cursor: String,
    /// The item.
    pub node: N,
}

/// A page of a list with cursors to move on (Relay).
pub struct Connection<N>(Fields<N>);

struct Fields<N> {
    edges: Vec<Edge<N>>,
    has_previous_page: bool,
    has_next_page: bool,
    total: Total,
}

impl<N: Node> Connection<N> {
    /// The page `edges`, with whether items follow and come before it, and its total.
    pub fn new(edges: Vec<Edge<N>>, has_previous_page: bool, has_next_page: bool, total: Total) -> Self {
        Self(Fields {
            edges,
            has_previous_page,
            has_next_page,
            total,
        })
    }

    /// A page of `items` in list order, each with the cursor `cursor` gives it.
    pub fn of<T>(
        items: Vec<T>,
        cursor: impl Fn(&T) -> String,
        node: impl Fn(T) -> N,
        has_previous_page: bool,
        has_next_page: bool,
        total: Total,
    ) -> Self {
        let edges = items
            .into_iter()
            .map(|item| Edge {
                cursor: cursor(&item),
                node: node(item),
            })
            .collect();
        Self::new(edges, has_previous_page, has_next_page, total)
    }
}

// Field descriptions come from the node's Words: see `describe`.
#[Object(name_type)]
impl<N: Node> Fields<N> {
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
    async fn total_count(&self, ctx: &Context<'_>) -> super::Result<i32> {
        let total = match &self.total {
            Total::Known(total) => *total,
            Total::Deferred(condition) => N::Entity::find()
                .filter(condition.clone())
                .count(&app(ctx).db)
                .await
                .map_err(Error::from)?,
        };
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

impl<N: Node> TypeName for Fields<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

#[Object(name_type)]
impl<N: Node> Edge<N> {
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    async fn node(&self) -> &N {
        &self.node
    }
}

impl<N: Node> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

impl<N: Node> OutputType for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        <Fields<N> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let name = Fields::<N>::create_type_info(registry);
        let words = &N::WORDS;
        describe(
            registry,
            &<Fields<N> as OutputType>::type_name(),
            words.connection,
            &[
                ("edges", words.edges),
                ("nodes", words.nodes),
                ("pageInfo", words.page_info),
                ("totalCount", words.total_count),
            ],
        );
        describe(
            registry,
            &<Edge<N> as OutputType>::type_name(),
            words.edge,
            &[("cursor", words.cursor), ("node", words.node)],
        );
        name
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        self.0.resolve(ctx, field).await
    }
}

/// Puts one list's descriptions on a generic type the schema has just registered: a
/// derived object takes its descriptions from doc comments, the same for every list.
fn describe(registry: &mut Registry, type_name: &str, description: &str, fields: &[(&str, &str)]) {
    if let Some(MetaType::Object {
        description: type_description,
        fields: type_fields,
        ..
    }) = registry.types.get_mut(type_name)
    {
        *type_description = Some(description.to_owned());
        for (name, text) in fields {
            if let Some(field) = type_fields.get_mut(*name) {
                field.description = Some((*text).to_owned());
            }
        }
    }
}

/// Most items a page may ask for.
pub const MAX_PAGE: i32 = 500;
/// Items in a page when `first` is absent.
pub const DEFAULT_PAGE: i32 = 50;

/// Checks `first` and turns it into a row count.
pub fn page_size(first: Option<i32>) -> Result<u64> {
    match first.unwrap_or(DEFAULT_PAGE) {
        n if (0..=MAX_PAGE).contains(&n) => Ok(n as u64),
        _ => Err(Error::invalid("first", format!("between 0 and {MAX_PAGE}"))),
    }
}

/// An opaque cursor for an id-ordered list.
pub fn id_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// Reads an id cursor back; anything else is a VALIDATION error on `field`.
pub fn parse_id_cursor(field: &str, cursor: &str) -> Result<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| Error::invalid(field, "not a cursor of this list"))
}

/// An opaque cursor for a list ordered by a sequence number.
pub fn seq_cursor(seq: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("seq:{seq}"))
}

/// Reads a sequence cursor back; anything else is a VALIDATION error on `field`.
pub fn parse_seq_cursor(field: &str, cursor: &str) -> Result<i32> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("seq:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| Error::invalid(field, "not a cursor of this list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(parse_id_cursor("after", &id_cursor(id)).unwrap(), id);
        assert!(parse_id_cursor("after", "garbage!").is_err());
        assert!(page_size(Some(-1)).is_err() && page_size(Some(MAX_PAGE + 1)).is_err());
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE as u64);
        assert_eq!(parse_seq_cursor("after", &seq_cursor(41)).unwrap(), 41);
        assert!(parse_seq_cursor("after", &id_cursor(id)).is_err());
    }
}
