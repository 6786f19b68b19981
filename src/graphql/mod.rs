//! Schema assembly and thin resolvers, one file per capability. Resolvers turn
//! GraphQL input into a domain call and the result back; they decide nothing.

mod account_api;
mod audit;
mod connection;
mod group;
mod imports_api;
mod inputs;
mod invitation;
mod invitations_api;
mod loaders;
mod member;
mod members_api;
mod session;
mod tenant;

use async_graphql::{Context, MergedObject, Schema};

use crate::app::App;
use crate::auth::{self, Caller, Visitor};
use crate::config::Limits;
use crate::error::GraphqlError;

pub use self::loaders::member_relations;
pub use self::member::MemberView;

/// What resolvers return: domain errors keep their code on the way out.
pub type Result<T, E = GraphqlError> = std::result::Result<T, E>;

/// The schema every tenant shares; the tenant comes with each request.
pub type RosterSchema = Schema<Query, Mutation, imports_api::Subscription>;

/// All queries.
#[derive(MergedObject, Default)]
pub struct Query(
    tenant::TenantQuery,
    session::SessionQuery,
    members_api::MembersQuery,
    group::GroupsQuery,
    audit::AuditQuery,
    invitations_api::InvitationsQuery,
    imports_api::ImportsQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutation,
    members_api::MembersMutation,
    group::GroupsMutation,
    invitations_api::InvitationsMutation,
    account_api::AccountMutation,
    imports_api::ImportsMutation,
);

/// Builds the schema with the server's depth, complexity and directive limits.
pub fn build_schema(limits: &Limits) -> RosterSchema {
    Schema::build(Query::default(), Mutation::default(), imports_api::Subscription)
        .limit_depth(limits.graphql_depth)
        .limit_complexity(limits.graphql_complexity)
        .limit_directives(limits.graphql_directives)
        .limit_recursive_depth(64)
        .finish()
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

/// The signed-in caller, or UNAUTHENTICATED.
pub(crate) async fn caller(ctx: &Context<'_>) -> crate::error::Result<Caller> {
    auth::require_caller(app(ctx), visitor(ctx)).await
}
