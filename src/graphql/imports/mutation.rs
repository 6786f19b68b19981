//! Import mutations: start (preview), apply, cancel, undo.

use async_graphql::{Context, Object, ID};

use super::inputs::StartImportInput;
use super::job::ImportJobView;
use crate::graphql::ids::parse_id;
use crate::graphql::{app, caller, visitor, Result};
use crate::imports;

/// The import mutations.
#[derive(Default)]
pub struct ImportsMutation;

#[Object]
impl ImportsMutation {
    /// Needs imports.run. Reads and validates the file and computes what would change; nothing changes yet (status READY).
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file, the mode and the options of the import.")] input: StartImportInput,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let app = app(ctx);
        let request = input.into_request(ctx, app.settings.limits.upload_bytes, visitor(ctx).locale())?;
        Ok(ImportJobView(imports::start_import(app, &caller, request).await?))
    }

    /// Applies exactly the previewed plan of a READY import, in one transaction. Refuses with VALIDATION when rows have errors (unless skipInvalidRows),
    /// or when a SYNC would deactivate more than the tenant's threshold (unless allowMassDeactivation); with CONFLICT when a member it touches changed since the preview.
    async fn apply_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The READY import to apply; CONFLICT in any other status.")] id: ID,
        #[graphql(default = false, desc = "Apply the valid rows and leave out the rows with errors.")]
        skip_invalid_rows: bool,
        #[graphql(
            default = false,
            desc = "Let a SYNC deactivate more than the tenant's max_deactivate_percent of the active members (when over 10)."
        )]
        allow_mass_deactivation: bool,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        let job = imports::apply_import(app(ctx), &caller, id, skip_invalid_rows, allow_mass_deactivation).await?;
        Ok(ImportJobView(job))
    }

    /// Needs imports.run. Drops a READY or FAILED import and its plan (status CANCELLED);
    /// CONFLICT in any other status.
    async fn cancel_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import to cancel.")] id: ID,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(ImportJobView(imports::cancel_import(app(ctx), &caller, id).await?))
    }

    /// Reverts a DONE import within the tenant's undo window: created members are deactivated, updated fields restored, deactivated members reactivated,
    /// pending invitations revoked. Members changed since are left as they are (undoLeftAlone); CONFLICT once the window has passed.
    async fn undo_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DONE import to revert.")] id: ID,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(ImportJobView(imports::undo_import(app(ctx), &caller, id).await?))
    }
}
