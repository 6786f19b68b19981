//! What startImport takes, turned into the domain's request here.

use std::io::Read;

use async_graphql::{Context, InputObject, Upload, ID};

use super::types::{AbsentPolicy, ImportMode};
use crate::error::{Error, Result};
use crate::graphql::ids::parse_ids;
use crate::imports::{Defaults, StartRequest};

/// Values for the cells a row leaves empty, for the members and invitations the import
/// creates (and, in INVITE, the groups existing members join); a value in the file wins.
#[derive(InputObject)]
pub struct ImportDefaults {
    /// Role keys for rows without roles; each non-default one must be one the caller may hand out.
    pub roles: Option<Vec<String>>,
    /// Manual groups for rows without groups (a smart or unknown group is VALIDATION).
    pub group_ids: Option<Vec<ID>>,
    /// Language for rows without one (one of Tenant.locales); absent: the tenant's default locale.
    pub locale: Option<String>,
    /// CREATE and SYNC: send activation invitations to the members created.
    pub send_invitations: Option<bool>,
    /// Personal message for the invitation emails the import sends, plain text, at most 2000 characters.
    pub message: Option<String>,
}

/// A file to preview as an import (startImport).
#[derive(InputObject)]
pub struct StartImportInput {
    /// The file, as a GraphQL multipart upload: CSV/text, XLSX, XLS or ODS, told apart by
    /// content; at most the server's upload limit (20,000,000 bytes by default).
    pub file: Upload,
    /// What to do with the rows.
    pub mode: ImportMode,
    /// Applied where a row leaves the column empty; a value in the file wins.
    pub defaults: Option<ImportDefaults>,
    /// SYNC only. Default DEACTIVATE.
    pub absent_members: Option<AbsentPolicy>,
    /// Forces the text encoding of a CSV/text file (WHATWG label, e.g. "macintosh", "windows-1252", "utf-16le"); absent: detected.
    pub encoding: Option<String>,
    /// Spreadsheet files: the sheet to read, by name; absent: the first visible sheet.
    pub sheet: Option<String>,
}

impl ImportDefaults {
    /// The domain defaults; a bad group id is VALIDATION on `input.defaults.groupIds`.
    fn into_domain(self) -> Result<Defaults> {
        Ok(Defaults {
            roles: self.roles.unwrap_or_default(),
            group_ids: self
                .group_ids
                .map(|ids| parse_ids("input.defaults.groupIds", &ids))
                .transpose()?
                .unwrap_or_default(),
            locale: self.locale,
            send_invitations: self.send_invitations.unwrap_or(false),
            message: self.message,
        })
    }
}

impl StartImportInput {
    /// The domain request, with the uploaded file read into memory: at most `limit` bytes
    /// and one more, so that the domain can tell a file over the limit. `locale` is the
    /// request's, for the messages of the row problems.
    pub fn into_request(self, ctx: &Context<'_>, limit: u64, locale: &str) -> Result<StartRequest> {
        let upload = self
            .file
            .value(ctx)
            .map_err(|_| Error::invalid("input.file", "the file did not arrive; send it as a multipart upload"))?;
        let file_name = upload.filename.clone();
        let mut bytes = Vec::new();
        upload
            .into_read()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Internal(format!("reading an upload: {e}")))?;
        Ok(StartRequest {
            file_name,
            bytes,
            mode: self.mode.into(),
            defaults: self
                .defaults
                .map(ImportDefaults::into_domain)
                .transpose()?
                .unwrap_or_default(),
            keep_absent: self.absent_members == Some(AbsentPolicy::Keep),
            locale: locale.to_owned(),
            encoding: self.encoding,
            sheet: self.sheet,
        })
    }
}
