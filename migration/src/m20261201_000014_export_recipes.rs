//! `downloads.recipe`: an export is no longer stored as a file but as what to build
//! (who asked, the filter, the format, the language), built and streamed when its link
//! is fetched, so that an export of a million members never sits whole in memory or in
//! a row. Files kept whole (personal data) leave it null.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Downloads {
    Table,
    Recipe,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Downloads::Table)
                    .add_column(ColumnDef::new(Downloads::Recipe).json().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Downloads::Table)
                    .drop_column(Downloads::Recipe)
                    .to_owned(),
            )
            .await
    }
}
