//! The `tenant` query.

use async_graphql::{Context, Object};

use super::types::TenantView;
use crate::graphql::visitor;

/// The tenant query.
#[derive(Default)]
pub struct TenantQuery;

#[Object]
impl TenantQuery {
    /// Public facts about this tenant. No authentication needed.
    async fn tenant(&self, ctx: &Context<'_>) -> TenantView {
        let visitor = visitor(ctx);
        TenantView {
            tenant: visitor.tenant.clone(),
            locale: visitor.locale().to_owned(),
        }
    }
}
