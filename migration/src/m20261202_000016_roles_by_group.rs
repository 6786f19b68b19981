//! A role held within a group had no index by group: deleting a group (its roles go by
//! cascade) and undoing an import that created groups read every role assignment of
//! every tenant to find those in the group — a million rows at a million members, on
//! both databases. The index holds only the assignments within a group (partial,
//! `group_id IS NOT NULL`), so the roles every member holds tenant-wide, which an
//! import writes by the hundred thousand, cost nothing more to write.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Written out: the schema builder has no partial index. Both databases take
        // this text as it is, and both use the index for `group_id = ?`, which implies
        // the index's condition.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_role_assignments_group_id ON role_assignments (group_id) \
                 WHERE group_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_role_assignments_group_id")
            .await?;
        Ok(())
    }
}
