//! Drops two columns nothing reads or writes any more: `members.search_text` (search
//! uses the `member_search_tokens` words) and `invitations.token_hash` (invitation links
//! live in `invitation_tokens`, one row per link sent).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    SearchText,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    TokenHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_invitations_token_hash")
                    .table(Invitations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::TokenHash)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .drop_column(Members::SearchText)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .add_column(ColumnDef::new(Members::SearchText).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(ColumnDef::new(Invitations::TokenHash).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_token_hash")
                    .table(Invitations::Table)
                    .col(Invitations::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
