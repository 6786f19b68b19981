//! `import_jobs.lease_until`: until when the instance running a preview or an apply
//! answers for it. The running instance pushes it forward while it works; a job left
//! VALIDATING or APPLYING past its lease belongs to a dead process and is recovered.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    LeaseUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ImportJobs::Table)
                    .add_column(ColumnDef::new(ImportJobs::LeaseUntil).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ImportJobs::Table)
                    .drop_column(ImportJobs::LeaseUntil)
                    .to_owned(),
            )
            .await
    }
}
