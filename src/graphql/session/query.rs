//! `me`: the signed-in member.

use async_graphql::{Context, Object};

use crate::auth;
use crate::graphql::members::MemberView;
use crate::graphql::{app, visitor, Result};

/// The session queries.
#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The signed-in member, or null when the request carries no valid session.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        let caller = auth::current_caller(app(ctx), visitor(ctx)).await?;
        Ok(caller.map(|c| MemberView::from(c.member)))
    }
}
