//! The stored plan: each planned change, what the preview shows of it (field by field,
//! before and after) and what applying it does (its payload, kept as JSON in
//! `import_changes` so that apply and undo carry out exactly what was previewed).

use std::collections::BTreeSet;

use sea_orm::ActiveEnum;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::messages::RowError;
use super::super::{ChangeKind, Summary};
use crate::members::write::ProfileField;
use crate::members::Status;

/// Shown instead of a password in before/after values.
pub const HIDDEN: &str = "********";

/// Shown for a member's status in before/after values: the API's name of it (`ACTIVE`,
/// `DEACTIVATED`), the stored word in capitals.
pub fn status_word(active: bool) -> String {
    Status::of(active).to_value().to_uppercase()
}

/// `FieldChange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// How a new member will sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordPlan {
    /// Argon2 hash of the file's password (filled after hashing; plaintext is never stored).
    Hash(String),
    TenantDefault,
    None,
}

/// A member to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRow {
    pub login: String,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub locale: String,
    pub password: PasswordPlan,
    /// Tenant-wide roles beyond the tenant's defaults.
    pub roles: Vec<String>,
    /// Group names (created when missing).
    pub groups: Vec<String>,
    pub active: bool,
    /// Send an ACTIVATION invitation.
    pub invite: bool,
}

crate::profile_of_columns!(NewRow);

/// A profile field of a member and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalarChange {
    pub field: ProfileField,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Changes to an existing member; `before` values let undo restore them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub fields: Vec<ScalarChange>,
    /// New argon2 hash (filled after hashing).
    pub password_hash: Option<String>,
    pub set_password: bool,
    /// The password state it replaces (hash, default, must change), for undo.
    pub previous_password: Option<(Option<String>, bool, bool)>,
    /// Tenant-wide roles, before and after.
    pub roles: Option<(Vec<String>, Vec<String>)>,
    /// Manual groups before (ids) and after (names).
    pub groups: Option<(Vec<Uuid>, Vec<String>)>,
    /// Active before and after.
    pub active: Option<(bool, bool)>,
}

impl Edit {
    pub(super) fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && !self.set_password
            && self.roles.is_none()
            && self.groups.is_none()
            && self.active.is_none()
    }
}

/// An invitation to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRow {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub locale: String,
    pub roles: Vec<String>,
    pub groups: Vec<String>,
}

/// What applying a change does, stored with it (`import_changes.payload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Payload {
    Create(NewRow),
    Edit(Edit),
    Invite(InviteRow),
    AddToGroups { groups: Vec<String> },
    Nothing,
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub row: Option<usize>,
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    /// The member's version at the preview; applying refuses if it moved.
    pub member_version: Option<i64>,
    pub login: Option<String>,
    pub email: Option<String>,
    pub changes: Vec<FieldChange>,
    pub payload: Payload,
}

impl Planned {
    /// A change of an existing member: identified by their id, login and address, and
    /// checked at apply against the version the preview saw. `row` is None for a change
    /// no row asked for (the deactivation of a member absent from a SYNC file).
    pub(super) fn of_member(
        row: Option<usize>,
        kind: ChangeKind,
        member: &super::SnapshotMember,
        changes: Vec<FieldChange>,
        payload: Payload,
    ) -> Self {
        Planned {
            row,
            kind,
            member_id: Some(member.id),
            member_version: Some(member.version),
            login: Some(member.login.clone()),
            email: member.email.clone(),
            changes,
            payload,
        }
    }
}

/// A planned change held as it will be stored: the columns apart, the field changes and
/// the payload as the JSON `import_changes` keeps. A row of a large file costs a few
/// hundred bytes so, where the structured [`Planned`] held dozens of small allocations
/// (a 136,000-row preview peaked at 370 MB with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    /// Position in the plan (`import_changes.seq`).
    pub seq: usize,
    /// Carries a password still to hash: kept in memory until it is.
    pub awaits_hash: bool,
    pub row: Option<usize>,
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    /// The member's version at the preview; applying refuses if it moved.
    pub member_version: Option<i64>,
    pub login: Option<String>,
    pub email: Option<String>,
    /// `Vec<FieldChange>` as JSON.
    pub changes_json: Box<str>,
    /// [`Payload`] as JSON.
    pub payload_json: Box<str>,
}

impl PlannedRow {
    pub(super) fn new(seq: usize, awaits_hash: bool, planned: Planned) -> Self {
        Self {
            seq,
            awaits_hash,
            row: planned.row,
            kind: planned.kind,
            member_id: planned.member_id,
            member_version: planned.member_version,
            login: planned.login,
            email: planned.email,
            changes_json: serde_json::to_string(&planned.changes)
                .expect("field changes serialise")
                .into(),
            payload_json: serde_json::to_string(&planned.payload)
                .expect("payload serialises")
                .into(),
        }
    }

    /// The field-by-field changes, read back.
    pub fn field_changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.changes_json).expect("written by PlannedRow::new")
    }

    /// The payload, read back.
    pub fn payload(&self) -> Payload {
        serde_json::from_str(&self.payload_json).expect("written by PlannedRow::new")
    }

    /// Replaces the payload (password hashes are filled in after planning).
    pub fn set_payload(&mut self, payload: &Payload) {
        self.payload_json = serde_json::to_string(payload).expect("payload serialises").into();
    }
}

/// Everything a preview found.
#[derive(Debug, Default)]
pub struct Plan {
    /// The changes not handed to [`Context::flush`] yet, in plan order: all of them
    /// without a flush; with one, the rows still awaiting their password hash and the
    /// last few.
    pub changes: Vec<PlannedRow>,
    /// Changes planned so far, by kind (flushed or not).
    pub counts: Summary,
    /// How many changes were planned (the next `seq`).
    pub planned: usize,
    pub errors: Vec<RowError>,
    /// Problems that do not fail their row ([`Problem::is_warning`]), shown in the preview.
    pub warnings: Vec<RowError>,
    /// Numbers of the rows with errors.
    pub error_rows: BTreeSet<usize>,
    /// Group names the file uses that do not exist yet.
    pub new_groups: Vec<String>,
    /// Passwords to hash: (`seq` of the change, plaintext); consumed by the caller.
    pub passwords: Vec<(usize, String)>,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = self.counts;
        summary.error_rows = self.error_rows.len() as i32;
        summary
    }

    /// Appends a planned change (with the plaintext password it sets, if any).
    pub(super) fn push(&mut self, planned: Planned, password: Option<String>) {
        let seq = self.planned;
        self.planned += 1;
        self.counts.count(planned.kind);
        if let Some(password) = password {
            self.passwords.push((seq, password));
        }
        let awaits_hash = self.passwords.last().is_some_and(|(at, _)| *at == seq);
        self.changes.push(PlannedRow::new(seq, awaits_hash, planned));
    }

    /// Hands the finished changes to `flush` once enough are buffered.
    pub(super) fn flush_if_due(&mut self, flush: Option<&dyn Fn(Vec<PlannedRow>)>) {
        const ROWS_PER_FLUSH: usize = 1_000;
        let Some(flush) = flush else { return };
        if self.changes.len() < ROWS_PER_FLUSH + self.passwords.len() {
            return;
        }
        let (held, done): (Vec<_>, Vec<_>) = std::mem::take(&mut self.changes)
            .into_iter()
            .partition(|c| c.awaits_hash);
        self.changes = held;
        flush(done);
    }
}
