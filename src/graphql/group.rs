//! The `Group` type.

use async_graphql::{Context, Object, ID};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::connection::{connection_types, id_cursor, page_size, parse_id_cursor, PageInfo};
use super::member::MemberView;
use super::Result;
use super::{app, caller};
use entity::{group_members, members};

connection_types!(MemberConnection, MemberEdge, MemberView);

/// A group of members.
#[derive(Clone)]
pub struct GroupView(pub entity::groups::Model);

#[Object(name = "Group")]
impl GroupView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// True for a smart group (membership computed from its rule).
    async fn smart(&self) -> bool {
        self.0.rule.is_some()
    }
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = group_members::Entity::find()
            .filter(group_members::Column::Tenant.eq(&self.0.tenant))
            .filter(group_members::Column::GroupId.eq(self.0.id))
            .count(&app(ctx).db)
            .await?;
        Ok(count as i32)
    }
    /// The group's members in the order they joined the list. Needs members.read.
    async fn members(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<MemberConnection> {
        let caller = caller(ctx).await?;
        caller.require_unrestricted()?;
        crate::auth::permissions::require(&app(ctx).db, &caller, crate::config::Permission::MembersRead).await?;
        let limit = page_size(first)?;
        let after = after.map(|c| parse_id_cursor("after", &c)).transpose()?;
        let db = &app(ctx).db;
        let scope = || {
            members::Entity::find()
                .filter(members::Column::Tenant.eq(&self.0.tenant))
                .inner_join(group_members::Entity)
                .filter(group_members::Column::GroupId.eq(self.0.id))
        };
        let total = scope().count(db).await?;
        let mut query = scope().order_by_asc(members::Column::Id).limit(limit + 1);
        if let Some(after) = after {
            query = query.filter(members::Column::Id.gt(after));
        }
        let mut rows = query.all(db).await?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let edges: Vec<MemberEdge> = rows
            .into_iter()
            .map(|m| MemberEdge {
                cursor: id_cursor(m.id),
                node: MemberView(m),
            })
            .collect();
        Ok(MemberConnection {
            page_info: PageInfo {
                has_next_page,
                has_previous_page: after.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count: total as i32,
        })
    }
}
