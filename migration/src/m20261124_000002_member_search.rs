//! Search without scanning: each member's folded words (names, login, emails) in an
//! indexed table matched by prefix, and a folded sort key for ordering by name.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    Tenant,
    SortKey,
}

#[derive(DeriveIden)]
enum MemberSearchTokens {
    Table,
    Tenant,
    Token,
    MemberId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .add_column(ColumnDef::new(Members::SortKey).string().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_members_tenant_sort_key_id")
                    .table(Members::Table)
                    .col(Members::Tenant)
                    .col(Members::SortKey)
                    .col(Members::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MemberSearchTokens::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(MemberSearchTokens::Tenant).string().not_null())
                    .col(ColumnDef::new(MemberSearchTokens::Token).string().not_null())
                    .col(ColumnDef::new(MemberSearchTokens::MemberId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(MemberSearchTokens::Tenant)
                            .col(MemberSearchTokens::Token)
                            .col(MemberSearchTokens::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberSearchTokens::Table, MemberSearchTokens::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_member_search_tokens_member_id")
                    .table(MemberSearchTokens::Table)
                    .col(MemberSearchTokens::MemberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MemberSearchTokens::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_members_tenant_sort_key_id")
                    .table(Members::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .drop_column(Members::SortKey)
                    .to_owned(),
            )
            .await
    }
}
