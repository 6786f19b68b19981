//! Schema assembly and thin resolvers. Each capability has a folder of the same shape:
//! `types.rs` (what it shows), `inputs.rs` (what it takes, turned into domain values
//! there), `query.rs`, `mutation.rs`, and `subscription.rs` where there is one. Resolvers
//! turn GraphQL input into a domain call and the result back; they decide nothing.

mod account;
mod audit;
mod connection;
mod download;
mod groups;
mod ids;
mod imports;
mod invitations;
mod loaders;
mod members;
pub mod response_order;
mod session;
mod tenant;

use async_graphql::{Context, MergedObject, Schema};

use crate::app::App;
use crate::auth::{self, Caller, Visitor};
use crate::config::Limits;
use crate::error::GraphqlError;

pub use self::loaders::member_relations;
pub use self::members::MemberView;

/// What resolvers return: domain errors keep their code on the way out.
pub type Result<T, E = GraphqlError> = std::result::Result<T, E>;

/// The schema every tenant shares; the tenant comes with each request.
pub type RosterSchema = Schema<Query, Mutation, imports::Subscription>;

/// What a client can read: the tenant, the signed-in member, members, groups, the
/// audit log, invitations and imports. Each field names the permission it needs.
#[derive(MergedObject, Default)]
pub struct Query(
    tenant::TenantQuery,
    session::SessionQuery,
    members::MembersQuery,
    groups::GroupsQuery,
    audit::AuditQuery,
    invitations::InvitationsQuery,
    imports::ImportsQuery,
);

/// What a client can change: its session and account, members, groups, invitations
/// and imports. Each field names the permission it needs.
#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutation,
    members::MembersMutation,
    groups::GroupsMutation,
    invitations::InvitationsMutation,
    account::AccountMutation,
    imports::ImportsMutation,
);

/// Depth allowed to a request that only introspects: graphql-js's standard query nests
/// `ofType` seven levels under `__schema { types { fields { args { type` (depth 13),
/// newer clients up to nine or ten; this leaves room for those and no more.
pub const INTROSPECTION_DEPTH: usize = 24;

/// Complexity (fields selected, fragments counted where used) allowed to a request that
/// only introspects: graphql-js's query with every option on costs about 200. A query
/// padded with aliases to make the server walk the schema many times is refused.
pub const INTROSPECTION_COMPLEXITY: usize = 600;

/// The two schemas a request may run against, the same types with different limits.
#[derive(Clone)]
pub struct Schemas {
    /// Every ordinary request: the server's depth, complexity and directive limits.
    pub api: RosterSchema,
    /// Requests that only introspect ([`only_introspects`]): deeper, but bounded in cost.
    pub introspection: RosterSchema,
}

impl Schemas {
    /// Both schemas for the server's limits.
    pub fn new(limits: &Limits) -> Self {
        Self {
            api: build_schema(limits),
            introspection: build(limits, INTROSPECTION_DEPTH, INTROSPECTION_COMPLEXITY),
        }
    }

    /// The schema `request` runs against.
    pub fn for_request(&self, request: &async_graphql::Request) -> &RosterSchema {
        if only_introspects(request) {
            &self.introspection
        } else {
            &self.api
        }
    }
}

/// Builds the schema with the server's depth, complexity and directive limits.
pub fn build_schema(limits: &Limits) -> RosterSchema {
    build(limits, limits.graphql_depth, limits.graphql_complexity)
}

fn build(limits: &Limits, depth: usize, complexity: usize) -> RosterSchema {
    const DATE_TIME: &str = "A moment in time, in UTC: an RFC 3339 string such as \"2026-11-30T17:30:00Z\".";
    Schema::build(Query::default(), Mutation::default(), imports::Subscription)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(DATE_TIME)
        .override_input_type_description::<chrono::DateTime<chrono::Utc>>(DATE_TIME)
        .limit_depth(depth)
        .limit_complexity(complexity)
        .limit_directives(limits.graphql_directives)
        .limit_recursive_depth(64)
        .finish()
}

/// Whether the operation `request` runs selects nothing but `__schema`, `__type` and
/// `__typename` at its root (through fragments too): what GraphiQL, code generators and
/// IDE plugins send to read the schema. Such a request reads only the static schema.
pub fn only_introspects(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};

    fn root_is_introspection(doc: &ExecutableDocument, set: &SelectionSet, fragments_seen: usize) -> bool {
        // A fragment spread inside itself is invalid anyway; stop walking long before.
        if fragments_seen > doc.fragments.len() {
            return false;
        }
        set.items.iter().all(|item| match &item.node {
            Selection::Field(field) => field.node.name.node.starts_with("__"),
            Selection::InlineFragment(inline) => {
                root_is_introspection(doc, &inline.node.selection_set.node, fragments_seen + 1)
            }
            Selection::FragmentSpread(spread) => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .is_some_and(|f| root_is_introspection(doc, &f.node.selection_set.node, fragments_seen + 1)),
        })
    }

    // Ordinary requests never name these: they pay for no second parse.
    if !(request.query.contains("__schema") || request.query.contains("__type")) {
        return false;
    }
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operation = match (&doc.operations, &request.operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    };
    operation.is_some_and(|op| {
        op.node.ty == async_graphql::parser::types::OperationType::Query
            && root_is_introspection(&doc, &op.node.selection_set.node, 0)
    })
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn schema_sdl() -> String {
    build_schema(&Limits::default()).sdl()
}

pub(crate) fn app<'a>(ctx: &Context<'a>) -> &'a App {
    ctx.data_unchecked::<App>()
}

pub(crate) fn visitor<'a>(ctx: &Context<'a>) -> &'a Visitor {
    ctx.data_unchecked::<Visitor>()
}

/// The signed-in caller: UNAUTHENTICATED without a session, PASSWORD_CHANGE_REQUIRED for a
/// restricted one (see [`auth::require_caller`]).
pub(crate) async fn caller(ctx: &Context<'_>) -> crate::error::Result<Caller> {
    auth::require_caller(app(ctx), visitor(ctx)).await
}

/// The signed-in caller, even in a restricted session: only for the few things such a
/// session may do (see [`auth::require_caller_even_restricted`]).
pub(crate) async fn caller_even_restricted(ctx: &Context<'_>) -> crate::error::Result<Caller> {
    auth::require_caller_even_restricted(app(ctx), visitor(ctx)).await
}
