//! `role_assignments` had two indexes leading with the member — (member) for the
//! foreign key and (tenant, member) for reading a member's roles — and every new
//! member's roles were written into both. One index (member, tenant) serves both: the
//! foreign key's lookups by member, and the reads by tenant and member with both
//! columns bound, so that no planner prefers the (tenant, role) index for them.

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
                    .name("idx_role_assignments_member_id_tenant")
                    .table(RoleAssignments::Table)
                    .col(RoleAssignments::MemberId)
                    .col(RoleAssignments::Tenant)
                    .to_owned(),
            )
            .await?;
        for name in [
            "idx_role_assignments_member_id",
            "idx_role_assignments_tenant_member_id",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(RoleAssignments::Table).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_role_assignments_member_id")
                    .table(RoleAssignments::Table)
                    .col(RoleAssignments::MemberId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_role_assignments_tenant_member_id")
                    .table(RoleAssignments::Table)
                    .col(RoleAssignments::Tenant)
                    .col(RoleAssignments::MemberId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_role_assignments_member_id_tenant")
                    .table(RoleAssignments::Table)
                    .to_owned(),
            )
            .await
    }
}
