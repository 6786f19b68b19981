//! Search words kept in one index: the rows of `member_search_tokens` are ordered by
//! their primary key (tenant, word, sort key, member) — on SQLite the table is that
//! index (`WITHOUT ROWID`) — instead of a table plus three indexes, and without a
//! foreign key: the member writer deletes a member's words with the member. An import
//! of 100,000 members wrote each of their ~7 words into four structures and checked the
//! foreign key for each; now one. The words are rebuilt at the next start (the version
//! of the words goes up with this change). The index on last names goes too: lists by
//! name use the sort key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE member_search_tokens").await?;
        let (member_id, without_rowid) = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => ("uuid_text", " WITHOUT ROWID"),
            _ => ("uuid", ""),
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE member_search_tokens (\
             tenant varchar NOT NULL, token varchar NOT NULL, sort_key varchar NOT NULL, \
             member_id {member_id} NOT NULL, \
             PRIMARY KEY (tenant, token, sort_key, member_id)){without_rowid}"
        ))
        .await?;
        db.execute_unprepared("DROP INDEX idx_members_tenant_last_name").await?;
        // Rebuilt at start, as after a change of the way words are cut.
        db.execute_unprepared("UPDATE roster_meta SET value = '0' WHERE key = 'search_words_version'")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE member_search_tokens").await?;
        let member_id = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => "uuid_text",
            _ => "uuid",
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE member_search_tokens (\
             tenant varchar NOT NULL, token varchar NOT NULL, member_id {member_id} NOT NULL, \
             sort_key varchar NOT NULL DEFAULT '', PRIMARY KEY (tenant, token, member_id), \
             FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE)"
        ))
        .await?;
        db.execute_unprepared("CREATE INDEX idx_member_search_tokens_member_id ON member_search_tokens (member_id)")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_member_search_tokens_ordered ON member_search_tokens (tenant, token, sort_key, member_id)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX idx_members_tenant_last_name ON members (tenant, last_name)")
            .await?;
        db.execute_unprepared("UPDATE roster_meta SET value = '0' WHERE key = 'search_words_version'")
            .await?;
        Ok(())
    }
}
