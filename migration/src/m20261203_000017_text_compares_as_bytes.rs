//! On PostgreSQL every text column compares as bytes (`COLLATE "C"`), as SQLite's
//! columns do. Every column Roster sorts or matches on holds a folded key — login and
//! address keys, search words, sort keys, codes — so the order people see is the same;
//! what changes is the cost and the meaning of a comparison:
//! - cost: with the database's locale (`fr_FR.UTF-8`, an ICU locale, even `C.UTF-8`
//!   on PostgreSQL 15) each comparison in an index goes through the locale's collation.
//!   A first import of 100,000 members makes some 30 million of them inserting into
//!   the indexes that lead with the tenant; as bytes they take 10 to 20% less of the
//!   server's time (700,000 search words into the words index: 3.5–3.7 s with the
//!   default collation against 3.1–3.3 s as bytes; 3.8–4.0 s against 3.0–3.4 s on a
//!   database created with the `fr` ICU locale);
//! - meaning: a prefix search reads the words between `dupo` and `dupp`, which holds
//!   only in byte order; a linguistic collation may order punctuation (`marie.dup`)
//!   elsewhere.
//!
//! Every column, not only those in an index: two columns of different collations
//! cannot be compared in a query, so one collation for all of them leaves nothing to
//! get wrong. A column added later takes `COLLATE "C"` too (a test checks).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_text_collation(manager, "\"C\"").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_text_collation(manager, "\"default\"").await
    }
}

/// Gives every `varchar` and `text` column of Roster's tables in the current schema
/// `collation`, one `ALTER TABLE` a table (its indexes are rebuilt once; its rows are
/// not rewritten). Not the migrator's own table: the migrator's statements, prepared
/// before, would find their result type changed. Nothing on SQLite, whose text
/// compares as bytes already.
async fn set_text_collation(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    let columns = db
        .query_all(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT c.relname::text AS table_name, a.attname::text AS column_name, \
             format_type(a.atttypid, a.atttypmod) AS data_type \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'seaql_migrations' \
             AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN ('varchar'::regtype, 'text'::regtype) \
             ORDER BY c.relname, a.attnum",
        ))
        .await?;
    let mut by_table: Vec<(String, Vec<String>)> = Vec::new();
    for row in columns {
        let table: String = row.try_get("", "table_name")?;
        let column: String = row.try_get("", "column_name")?;
        let data_type: String = row.try_get("", "data_type")?;
        let alteration = format!("ALTER COLUMN \"{column}\" TYPE {data_type} COLLATE {collation}");
        match by_table.last_mut() {
            Some((last, alterations)) if *last == table => alterations.push(alteration),
            _ => by_table.push((table, vec![alteration])),
        }
    }
    for (table, alterations) in by_table {
        db.execute_unprepared(&format!("ALTER TABLE \"{table}\" {}", alterations.join(", ")))
            .await?;
    }
    Ok(())
}
