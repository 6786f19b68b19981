//! Carries out the plan's changes in bulk, chunk by chunk, through the member writer:
//! new members, edits, invitations, group additions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::CHUNK;
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::config::Tenant;
use crate::error::Result;
use crate::imports::jobs::progress;
use crate::imports::plan::{Edit, InviteRow, NewRow, PasswordPlan};
use crate::invitations::invite::{new_invitation, refreshed, store as store_invitations, InvitationTerms};
use crate::invitations::Kind;
use crate::members::write::{self, NewMemberRow, ProfileField};
use crate::members::{Origin, Status};
use crate::values::email;
use entity::{group_members, invitations, members, role_assignments};

/// Writes the plan's changes in bulk.
pub(super) struct Writer<'a, C> {
    pub(super) txn: &'a C,
    pub(super) tenant: &'a Tenant,
    pub(super) job: Uuid,
    pub(super) actor: Uuid,
    pub(super) now: DateTime<Utc>,
    pub(super) group_ids: HashMap<String, Uuid>,
    pub(super) processed: i32,
    /// Members deactivated: their sessions end after commit.
    pub(super) deactivated: Vec<Uuid>,
}

impl<C: ConnectionTrait> Writer<'_, C> {
    pub(super) fn groups_named(&self, names: &[String]) -> Vec<Uuid> {
        names
            .iter()
            .filter_map(|n| self.group_ids.get(&n.to_lowercase()).copied())
            .collect()
    }

    fn advance(&mut self, rows: usize) {
        self.processed += rows as i32;
        progress::set(self.job, self.processed);
    }

    /// New members, a batch at a time: the member writer sorts each batch's search
    /// words, so larger batches write the word index in longer runs, and smaller ones
    /// hold less in memory (20,000 members: some 140,000 words).
    pub(super) async fn create(&mut self, rows: &[(Uuid, &NewRow)]) -> Result<()> {
        const MEMBERS_PER_BATCH: usize = 20_000;
        for batch in rows.chunks(MEMBERS_PER_BATCH) {
            let (new_members, activations): (Vec<NewMemberRow>, Vec<Option<members::Model>>) =
                batch.iter().map(|(id, new)| self.new_member_row(*id, new)).unzip();
            let (job, done) = (self.job, self.processed);
            write::insert_members_reporting(self.txn, self.tenant, new_members, |inserted| {
                progress::set(job, done + inserted as i32)
            })
            .await?;
            let activations: Vec<members::Model> = activations.into_iter().flatten().collect();
            self.send_activations(&activations).await?;
            self.advance(batch.len());
        }
        Ok(())
    }

    /// A planned new member as the writer takes it, and the member again when the row
    /// asks for an activation invitation.
    fn new_member_row(&self, id: Uuid, new: &NewRow) -> (NewMemberRow, Option<members::Model>) {
        let (hash, uses_default, must_change) = match &new.password {
            PasswordPlan::Hash(hash) => (Some(hash.clone()), false, true),
            PasswordPlan::TenantDefault => (None, true, true),
            PasswordPlan::None => (None, false, false),
        };
        let slug = &self.tenant.slug;
        let mut member = write::new_member(slug, new.login.clone(), new.first_name.clone(), new.last_name.clone());
        member.id = id;
        member.email = new.email.clone();
        member.secondary_email = new.secondary_email.clone();
        member.phone = new.phone.clone();
        member.locale = new.locale.clone();
        member.origin = Origin::Import;
        member.origin_import_id = Some(self.job);
        member.password_hash = hash;
        member.uses_default_password = uses_default;
        member.must_change_password = must_change;
        (member.created_at, member.updated_at) = (self.now, self.now);
        if !new.active {
            member.status = Status::Deactivated;
            member.deactivated_at = Some(self.now);
        }
        let activation = (new.invite && new.active && member.email.is_some()).then(|| member.clone());
        let row = NewMemberRow {
            member,
            roles: new.roles.iter().map(|r| (r.clone(), None)).collect(),
            groups: self.groups_named(&new.groups),
        };
        (row, activation)
    }

    /// ACTIVATION invitations to these new members, sent by the job.
    async fn send_activations(&self, members: &[members::Model]) -> Result<()> {
        let slug = &self.tenant.slug;
        for chunk in members.chunks(CHUNK) {
            let invitations: Vec<invitations::Model> = chunk
                .iter()
                .map(|m| {
                    let mut inv = new_invitation(
                        self.tenant,
                        Kind::Activation,
                        m.email.as_deref().unwrap_or_default(),
                        Some(m),
                        InvitationTerms::default(),
                        self.actor,
                    );
                    inv.import_job_id = Some(self.job);
                    inv
                })
                .collect();
            store_invitations(self.txn, slug, Some(self.actor), &invitations, &[]).await?;
        }
        Ok(())
    }

    /// Edits of existing members, each beside the member as it is now, a chunk at a time:
    /// each chunk's edits sorted into kinds of writes, then written set by set.
    pub(super) async fn edit(&mut self, edits: &[(&members::Model, &Edit)]) -> Result<()> {
        for chunk in edits.chunks(CHUNK) {
            let mut writes = EditWrites::default();
            for &(current, edit) in chunk {
                self.sort_edit(&mut writes, current, edit);
            }
            self.write_edits(writes).await?;
            self.advance(chunk.len());
        }
        Ok(())
    }

    /// Adds one member's edit to the chunk's writes, and the member to those deactivated
    /// when the edit deactivates it.
    fn sort_edit<'m>(&mut self, writes: &mut EditWrites<'m>, current: &'m members::Model, edit: &Edit) {
        let row_untouched = edit.fields.is_empty() && !edit.set_password;
        if let (true, Some((_, active))) = (row_untouched, edit.active) {
            writes.status_only.entry(active).or_default().push(current.id);
        } else if row_untouched {
            writes.links_only.push(current.id);
        } else {
            writes.saved.push((current, self.edited_row(current, edit)));
        }
        if edit.active.is_some_and(|(_, active)| !active) {
            self.deactivated.push(current.id);
            writes.closed.push(current.id);
        } else if edit.set_password || edit.fields.iter().any(|f| f.field == ProfileField::Email) {
            writes.credentials_changed.push(current.id);
        }
        let slug = &self.tenant.slug;
        if let Some((before, after)) = &edit.roles {
            for role in before.iter().filter(|r| !after.contains(r)) {
                writes.role_removals.entry(role.clone()).or_default().push(current.id);
            }
            for role in after.iter().filter(|r| !before.contains(r)) {
                let assignment = write::role_assignment(slug, current.id, role, None, self.now);
                writes.role_additions.push(assignment);
            }
        }
        if let Some((before, after)) = &edit.groups {
            let after = self.groups_named(after);
            for group in before.iter().filter(|g| !after.contains(g)) {
                writes.group_removals.entry(*group).or_default().push(current.id);
            }
            for group in after.iter().filter(|g| !before.contains(g)) {
                let membership = write::membership_of(slug, current.id, *group, self.now);
                writes.memberships.push(membership);
            }
        }
    }

    /// The member row as the edit leaves it: the file's fields, the password, the status.
    fn edited_row(&self, current: &members::Model, edit: &Edit) -> members::Model {
        let mut member = current.clone();
        for change in &edit.fields {
            set_from_file(&mut member, change.field, change.after.clone());
        }
        if let (true, Some(hash)) = (edit.set_password, &edit.password_hash) {
            member.password_hash = Some(hash.clone());
            member.uses_default_password = false;
            member.must_change_password = true;
        }
        if let Some((_, active)) = edit.active {
            set_active(&mut member, active, self.now);
        }
        member
    }

    /// Carries out a chunk's edits: member rows, statuses, versions, roles, groups, and
    /// the links the changes void.
    async fn write_edits(&self, writes: EditWrites<'_>) -> Result<()> {
        let EditWrites {
            saved,
            status_only,
            links_only,
            closed,
            credentials_changed,
            role_removals,
            role_additions,
            group_removals,
            memberships,
        } = writes;
        let slug = &self.tenant.slug;
        write::save_members(self.txn, saved).await?;
        for (active, ids) in status_only {
            write::set_status(self.txn, slug, &ids, Status::of(active), self.now).await?;
        }
        // Roles and groups alone do not go through the member row: bump the version
        // of those members so that undo and later previews see the change.
        write::bump_versions(self.txn, slug, &links_only, self.now).await?;
        for (role, ids) in role_removals {
            write::remove_roles(self.txn, slug, &ids, &[role]).await?;
        }
        write::insert_all(self.txn, role_additions).await?;
        for (group, ids) in group_removals {
            write::remove_from_groups(self.txn, &ids, &[group]).await?;
        }
        write::add_to_groups(self.txn, memberships).await?;
        links_voided_by(self.txn, slug, &closed, AccountChange::Closed).await?;
        links_voided_by(self.txn, slug, &credentials_changed, AccountChange::PasswordOrEmail).await
    }

    pub(super) async fn invite(&mut self, rows: &[&InviteRow], message: Option<&str>) -> Result<()> {
        let slug = self.tenant.slug.clone();
        for chunk in rows.chunks(CHUNK) {
            let keys: Vec<String> = chunk.iter().map(|r| email::key(&r.email)).collect();
            let pending: HashMap<String, invitations::Model> = invitations::Entity::find()
                .filter(invitations::Column::Tenant.eq(&slug))
                .filter(invitations::Column::Status.eq(invitations::Status::Pending))
                .filter(invitations::Column::EmailKey.is_in(keys))
                .all(self.txn)
                .await?
                .into_iter()
                .map(|inv| (inv.email_key.clone(), inv))
                .collect();
            let (mut created, mut renewed) = (Vec::new(), Vec::new());
            for row in chunk {
                let groups = self.groups_named(&row.groups);
                let terms = InvitationTerms {
                    roles: &row.roles,
                    group_ids: &groups,
                    locale: Some(&row.locale),
                    message,
                };
                let mut inv = match pending.get(&email::key(&row.email)) {
                    Some(inv) => {
                        renewed.push(refreshed(self.tenant, inv.clone(), terms, self.actor)?);
                        continue;
                    }
                    None => new_invitation(self.tenant, Kind::Join, &row.email, None, terms, self.actor),
                };
                inv.first_name = row.first_name.clone();
                inv.last_name = row.last_name.clone();
                inv.import_job_id = Some(self.job);
                created.push(inv);
            }
            store_invitations(self.txn, &slug, Some(self.actor), &created, &renewed).await?;
            self.advance(chunk.len());
        }
        Ok(())
    }

    pub(super) async fn join_groups(&mut self, additions: &[(Uuid, Vec<Uuid>)]) -> Result<()> {
        let rows: Vec<group_members::ActiveModel> = additions
            .iter()
            .flat_map(|(member, groups)| {
                groups
                    .iter()
                    .map(|g| write::membership_of(&self.tenant.slug, *member, *g, self.now))
            })
            .collect();
        write::add_to_groups(self.txn, rows).await?;
        self.advance(additions.len());
        Ok(())
    }
}

/// One chunk's edits, sorted by the statements that write them.
#[derive(Default)]
struct EditWrites<'m> {
    /// Member rows that change, as they are and as they will be.
    saved: Vec<(&'m members::Model, members::Model)>,
    /// Members whose row changes only in status, by the status they take (true: active).
    status_only: HashMap<bool, Vec<Uuid>>,
    /// Members whose row does not change, only their roles or groups.
    links_only: Vec<Uuid>,
    /// Members deactivated: their outstanding links end.
    closed: Vec<Uuid>,
    /// Members whose password or email changes: the links those void end.
    credentials_changed: Vec<Uuid>,
    role_removals: HashMap<String, Vec<Uuid>>,
    role_additions: Vec<role_assignments::ActiveModel>,
    group_removals: HashMap<Uuid, Vec<Uuid>>,
    memberships: Vec<group_members::ActiveModel>,
}

/// Sets a profile field to a value of the organization's file: a second address given
/// there counts at once.
pub(in crate::imports) fn set_from_file(member: &mut members::Model, field: ProfileField, value: Option<String>) {
    field.set(member, value);
    if field == ProfileField::SecondaryEmail {
        member.secondary_email_verified = true;
    }
}

/// Sets a member row's status, and when it was deactivated.
pub(in crate::imports) fn set_active(member: &mut members::Model, active: bool, now: DateTime<Utc>) {
    member.status = Status::of(active);
    member.deactivated_at = (!active).then_some(now);
}
