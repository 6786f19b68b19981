//! Files prepared for download (exports): kept briefly so that a signed link, fetched
//! from any instance, serves exactly what the query produced.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Downloads {
    Table,
    Id,
    Tenant,
    FileName,
    ContentType,
    Content,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Downloads::Table)
                    .col(ColumnDef::new(Downloads::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Downloads::Tenant).string().not_null())
                    .col(ColumnDef::new(Downloads::FileName).string().not_null())
                    .col(ColumnDef::new(Downloads::ContentType).string().not_null())
                    .col(ColumnDef::new(Downloads::Content).binary().not_null())
                    .col(
                        ColumnDef::new(Downloads::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_downloads_expires_at")
                    .table(Downloads::Table)
                    .col(Downloads::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Downloads::Table).to_owned())
            .await
    }
}
