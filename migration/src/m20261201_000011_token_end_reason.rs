//! `one_time_tokens.end_reason`: why a link stopped working (`used`, `replaced` by a
//! newer link, `ended` by a later change to the account), so that the page behind a
//! dead link can say what happened. Links that ended before this column read as used.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    EndReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeTokens::Table)
                    .add_column(ColumnDef::new(OneTimeTokens::EndReason).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeTokens::Table)
                    .drop_column(OneTimeTokens::EndReason)
                    .to_owned(),
            )
            .await
    }
}
