//! Search pages in order from the index: each search word carries its member's sort key,
//! so "words starting with dupo, by name" is one range of one covering index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MemberSearchTokens {
    Table,
    Tenant,
    Token,
    SortKey,
    MemberId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MemberSearchTokens::Table)
                    .add_column(
                        ColumnDef::new(MemberSearchTokens::SortKey)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE member_search_tokens SET sort_key = \
                 (SELECT sort_key FROM members WHERE members.id = member_search_tokens.member_id)",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_member_search_tokens_ordered")
                    .table(MemberSearchTokens::Table)
                    .col(MemberSearchTokens::Tenant)
                    .col(MemberSearchTokens::Token)
                    .col(MemberSearchTokens::SortKey)
                    .col(MemberSearchTokens::MemberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_member_search_tokens_ordered")
                    .table(MemberSearchTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MemberSearchTokens::Table)
                    .drop_column(MemberSearchTokens::SortKey)
                    .to_owned(),
            )
            .await
    }
}
