//! Database migrations, one file per change; a landed migration is never edited.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_initial;
mod m20261124_000002_member_search;
mod m20261124_000003_mail_tokens;
mod m20261124_000004_role_lookup;
mod m20261124_000005_search_order;
mod m20261124_000006_downloads;
mod m20261124_000007_meta;
mod m20261124_000008_unused_columns;
mod m20261130_000009_job_leases;
mod m20261130_000010_row_warnings;
mod m20261201_000011_token_end_reason;
mod m20261201_000012_secondary_email_proof;
mod m20261201_000013_search_words_in_one_index;
mod m20261201_000014_export_recipes;
mod m20261202_000015_one_member_index_for_roles;
mod m20261202_000016_roles_by_group;
mod m20261203_000017_text_compares_as_bytes;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_initial::Migration),
            Box::new(m20261124_000002_member_search::Migration),
            Box::new(m20261124_000003_mail_tokens::Migration),
            Box::new(m20261124_000004_role_lookup::Migration),
            Box::new(m20261124_000005_search_order::Migration),
            Box::new(m20261124_000006_downloads::Migration),
            Box::new(m20261124_000007_meta::Migration),
            Box::new(m20261124_000008_unused_columns::Migration),
            Box::new(m20261130_000009_job_leases::Migration),
            Box::new(m20261130_000010_row_warnings::Migration),
            Box::new(m20261201_000011_token_end_reason::Migration),
            Box::new(m20261201_000012_secondary_email_proof::Migration),
            Box::new(m20261201_000013_search_words_in_one_index::Migration),
            Box::new(m20261201_000014_export_recipes::Migration),
            Box::new(m20261202_000015_one_member_index_for_roles::Migration),
            Box::new(m20261202_000016_roles_by_group::Migration),
            Box::new(m20261203_000017_text_compares_as_bytes::Migration),
        ]
    }
}
