//! `members.secondary_email_verified`: false while a second address set by the member
//! awaits confirmation by its link (such an address matches nothing). Addresses stored
//! before count as proven: nothing tells who set them, and members may sign in with them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    SecondaryEmailVerified,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .add_column(
                        ColumnDef::new(Members::SecondaryEmailVerified)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .drop_column(Members::SecondaryEmailVerified)
                    .to_owned(),
            )
            .await
    }
}
