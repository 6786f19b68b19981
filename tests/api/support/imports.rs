//! The import requests a frontend sends, on a signed-in [`Client`]: upload a file for a
//! preview, apply, cancel and undo it.

use serde_json::{json, Value};

use super::client::Client;
use super::fixture;

/// Every field of an import job the tests look at.
pub const JOB: &str = "id mode status fileName format encoding sheets { name hidden read } totalRows processedRows failure newGroups headerRow \
    columns { header field } \
    summary { create update deactivate reactivate invite addToGroups unchanged errorRows } \
    rowErrors(first: 100) { totalCount nodes { row column value code message } } \
    rowWarnings(first: 100) { totalCount nodes { row column value code message } } \
    errorReport { url fileName contentType expiresAt } undoableUntil appliedAt undoneAt";

/// A file to upload: its name (which the server reads the format from) and its bytes.
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl File {
    /// A file made by the test.
    pub fn new(name: &str, bytes: impl Into<Vec<u8>>) -> Self {
        File {
            name: name.to_owned(),
            bytes: bytes.into(),
        }
    }

    /// A file of `tests/fixtures`, uploaded under its own name.
    pub fn fixture(name: &str) -> Self {
        File::new(name, fixture(name))
    }
}

/// The confirmations `applyImport` takes besides the job: skip the rows in error,
/// deactivate more members than the tenant's limit.
#[derive(Clone, Copy, Default)]
pub struct Confirm {
    pub skip_invalid_rows: bool,
    pub allow_mass_deactivation: bool,
}

impl Confirm {
    /// No confirmation: an apply that needs one is refused.
    pub const NOTHING: Confirm = Confirm {
        skip_invalid_rows: false,
        allow_mass_deactivation: false,
    };
    /// Apply the valid rows and leave the rows in error out.
    pub const SKIP_INVALID_ROWS: Confirm = Confirm {
        skip_invalid_rows: true,
        allow_mass_deactivation: false,
    };
    /// Deactivate the absent members even past the tenant's limit.
    pub const MASS_DEACTIVATION: Confirm = Confirm {
        skip_invalid_rows: false,
        allow_mass_deactivation: true,
    };
}

impl Client<'_> {
    /// `startImport` with only a mode (`CREATE`, `SYNC`, `INVITE`): the previewed job.
    pub async fn start_import(&self, file: File, mode: &str) -> Value {
        self.start_import_with(file, json!({ "mode": mode })).await
    }

    /// `startImport` with a whole input (mode, defaults, sheet, encoding…): the previewed job.
    pub async fn start_import_with(&self, file: File, input: Value) -> Value {
        let answer = self.start_import_answer(file, input).await;
        assert!(answer["errors"].is_null(), "startImport failed: {answer}");
        answer["data"]["startImport"].clone()
    }

    /// `startImport`'s whole answer, for a test that expects a refusal.
    pub async fn start_import_answer(&self, file: File, mut input: Value) -> Value {
        input["file"] = Value::Null;
        let query = format!("mutation($input: StartImportInput!) {{ startImport(input: $input) {{ {JOB} }} }}");
        self.app
            .upload(
                &self.tenant,
                &self.token,
                &query,
                json!({ "input": input }),
                (&file.name, file.bytes),
            )
            .await
    }

    /// `applyImport`: the applied job; panics with the answer if it has errors.
    pub async fn apply_import(&self, id: &str, confirm: Confirm) -> Value {
        let answer = self.apply_import_answer(id, confirm).await;
        assert!(answer["errors"].is_null(), "applyImport failed: {answer}");
        answer["data"]["applyImport"].clone()
    }

    /// `applyImport`'s whole answer, for a test that expects a refusal.
    pub async fn apply_import_answer(&self, id: &str, confirm: Confirm) -> Value {
        self.gql_answer(
            &format!("mutation($id: ID!, $s: Boolean!, $m: Boolean!) {{ applyImport(id: $id, skipInvalidRows: $s, allowMassDeactivation: $m) {{ {JOB} }} }}"),
            json!({ "id": id, "s": confirm.skip_invalid_rows, "m": confirm.allow_mass_deactivation }),
        )
        .await
    }

    /// `cancelImport`: the cancelled job's status.
    pub async fn cancel_import(&self, id: &str) -> Value {
        let answer = self.cancel_import_answer(id).await;
        assert!(answer["errors"].is_null(), "cancelImport failed: {answer}");
        answer["data"]["cancelImport"].clone()
    }

    /// `cancelImport`'s whole answer.
    pub async fn cancel_import_answer(&self, id: &str) -> Value {
        self.gql_answer(
            "mutation($id: ID!) { cancelImport(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await
    }

    /// `undoImport`: the job's status and window, and the members it left alone.
    pub async fn undo_import(&self, id: &str) -> Value {
        let answer = self.undo_import_answer(id).await;
        assert!(answer["errors"].is_null(), "undoImport failed: {answer}");
        answer["data"]["undoImport"].clone()
    }

    /// `undoImport`'s whole answer: the job's status and window, and the members it left alone.
    pub async fn undo_import_answer(&self, id: &str) -> Value {
        self.gql_answer(
            "mutation($id: ID!) { undoImport(id: $id) { status undoableUntil appliedAt undoneAt undoLeftAlone { id } } }",
            json!({ "id": id }),
        )
        .await
    }

    /// `importJob(id)`'s status.
    pub async fn import_status(&self, id: &str) -> String {
        let data = self
            .gql("query($id: ID!) { importJob(id: $id) { status } }", json!({ "id": id }))
            .await;
        data["importJob"]["status"].as_str().unwrap().to_owned()
    }
}
