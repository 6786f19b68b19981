//! Import queries: `importJob`, `importJobs`, `importTemplate`, `exportMembers`.

use async_graphql::{Context, Object, ID};

use super::job::ImportJobView;
use super::types::{FileFormat, ImportMode};
use crate::exports::{self, ExportFormat};
use crate::graphql::connection::{id_cursor, page_size, parse_id_cursor, Connection, Total};
use crate::graphql::download::Download;
use crate::graphql::ids::parse_id;
use crate::graphql::members::MemberFilterInput;
use crate::graphql::{app, caller, visitor, Result};
use crate::imports;
use crate::imports::file::Format;
use crate::imports::template::template_link;

/// The import queries.
#[derive(Default)]
pub struct ImportsQuery;

#[Object]
impl ImportsQuery {
    /// Needs imports.run. Null when unknown in this tenant.
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import's id (ImportJob.id).")] id: ID,
    ) -> Result<Option<ImportJobView>> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(imports::get_job(app(ctx), &caller, id).await?.map(ImportJobView))
    }

    /// Needs imports.run. The tenant's imports, newest first.
    async fn import_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<Connection<ImportJobView>> {
        let caller = caller(ctx).await?;
        let limit = page_size(first)?;
        let after_id = after.as_deref().map(|c| parse_id_cursor("after", c)).transpose()?;
        let (rows, more, total) = imports::list_jobs(app(ctx), &caller, after_id, limit).await?;
        Ok(Connection::of(
            rows,
            |j| id_cursor(j.id),
            ImportJobView,
            after_id.is_some(),
            more,
            Total::Known(total),
        ))
    }

    /// An empty spreadsheet with the columns of that mode, required ones marked. Needs imports.run.
    async fn import_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import mode whose columns the template lists.")] mode: ImportMode,
        #[graphql(
            default_with = "FileFormat::Xlsx",
            desc = "XLSX (required headers in bold, optional ones in italic) or CSV; ODS and XLS are VALIDATION."
        )]
        format: FileFormat,
        #[graphql(desc = "Language of the headers (one of Tenant.locales); absent: the request's language.")]
        locale: Option<String>,
    ) -> Result<Download> {
        let caller = caller(ctx).await?;
        let link = template_link(
            app(ctx),
            &caller,
            mode.into(),
            format.into(),
            locale.as_deref(),
            visitor(ctx).locale(),
        )
        .await?;
        Ok(link.into())
    }

    /// The members that the filter selects, in the same columns that a SYNC import reads back. Needs members.export.
    async fn export_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which members; absent: all the caller may export.")] filter: Option<MemberFilterInput>,
        #[graphql(
            default_with = "FileFormat::Csv",
            desc = "CSV (UTF-8 with BOM, `;`-separated in French) or XLSX; ODS and XLS are VALIDATION."
        )]
        format: FileFormat,
    ) -> Result<Download> {
        let caller = caller(ctx).await?;
        let filter = filter.map(|f| f.into_domain("filter")).transpose()?.unwrap_or_default();
        let format = ExportFormat::try_from(Format::from(format))?;
        let locale = visitor(ctx).locale().to_owned();
        Ok(exports::export_members(app(ctx), &caller, &filter, format, &locale)
            .await?
            .into())
    }
}
