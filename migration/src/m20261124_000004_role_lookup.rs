//! A member's roles are read on most authenticated requests: index them by
//! (tenant, member) so the planner never walks every role row of the tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoleAssignments {
    Table,
    Tenant,
    MemberId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_role_assignments_tenant_member_id")
                    .table(RoleAssignments::Table)
                    .col(RoleAssignments::Tenant)
                    .col(RoleAssignments::MemberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_role_assignments_tenant_member_id")
                    .table(RoleAssignments::Table)
                    .to_owned(),
            )
            .await
    }
}
