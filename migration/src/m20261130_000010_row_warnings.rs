//! `import_row_errors.warning`: the row is imported, but something in it looks wrong
//! (a phone that lost its leading zero); warnings are listed apart from the errors that
//! make a row fail.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRowErrors {
    Table,
    Warning,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ImportRowErrors::Table)
                    .add_column(
                        ColumnDef::new(ImportRowErrors::Warning)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ImportRowErrors::Table)
                    .drop_column(ImportRowErrors::Warning)
                    .to_owned(),
            )
            .await
    }
}
