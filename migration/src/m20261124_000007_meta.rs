//! `roster_meta`: small facts about the data itself, such as which version of the
//! search words the `member_search_tokens` rows were built with (the server rebuilds
//! them at start when the way words are cut changes).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RosterMeta {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RosterMeta::Table)
                    .col(ColumnDef::new(RosterMeta::Key).string().not_null().primary_key())
                    .col(ColumnDef::new(RosterMeta::Value).string().not_null())
                    .to_owned(),
            )
            .await?;
        // The words stored so far are version 1.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(RosterMeta::Table)
                    .columns([RosterMeta::Key, RosterMeta::Value])
                    .values_panic(["search_words_version".into(), "1".into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RosterMeta::Table).to_owned())
            .await
    }
}
