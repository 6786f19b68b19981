//! The `Invitation` type, and what invitation queries and mutations return.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::connection::{Node, Words};
use crate::graphql::groups::GroupView;
use crate::graphql::loaders;
use crate::graphql::members::MemberView;
use crate::graphql::{app, visitor, Result};
use crate::groups;
use crate::invitations::{self, InviteOutcome, SkipReason};

/// Where an invitation stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "invitations::Status")]
pub enum InvitationStatus {
    /// Waiting for the person: its link works until expiresAt.
    Pending,
    /// Accepted, or settled because its address became a member's; the link no longer works.
    Accepted,
    /// Past its lifetime without being accepted; resendInvitations renews it.
    Expired,
    /// Withdrawn (revokeInvitations, or a change to the account it was for); the link no longer works.
    Revoked,
}

/// JOIN brings a new person in; ACTIVATION sets a pre-created member's password.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "invitations::Kind")]
pub enum InvitationKind {
    /// Brings a new person in: accepting creates the member.
    Join,
    /// For a member created beforehand: accepting sets the password.
    Activation,
}

/// Where the invitation email stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "invitations::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Waiting in the outbox, or being retried after a failed attempt.
    Queued,
    /// Handed to the mail server (or written to the outbox folder, without SMTP).
    Sent,
    /// Given up on: refused for good, or still failing after 12 attempts. Resending tries again.
    Failed,
}

/// An invitation as admins see it.
#[derive(Clone)]
pub struct InvitationView(pub entity::invitations::Model);

/// An invitation sent by email, as admins with invitations.manage see it.
#[Object(name = "Invitation")]
impl InvitationView {
    /// Stable identifier of the invitation, as resendInvitations and revokeInvitations take it.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// JOIN (a new person) or ACTIVATION (a member created beforehand).
    async fn kind(&self) -> InvitationKind {
        self.0.kind.into()
    }
    /// The address invited, as typed.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Given name the invitation carries (an ACTIVATION's member, an import row); null when unknown.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    /// Family name the invitation carries; null when unknown.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// Language of its emails, and of the member a JOIN creates unless they choose another.
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    /// Role keys a JOIN gives on top of the default roles, as far as the inviter may still
    /// hand them out when it is accepted.
    async fn roles(&self) -> Result<Vec<String>> {
        Ok(crate::invitations::roles_of(&self.0)?)
    }
    /// Manual groups a JOIN puts the new member in (groups deleted since are left out).
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<GroupView>> {
        let ids = crate::invitations::group_ids_of(&self.0)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = groups::find_many(&app(ctx).db, &visitor(ctx).tenant.slug, &ids).await?;
        Ok(rows.into_iter().map(GroupView).collect())
    }
    /// The inviter's personal message, plain text; null when none.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// Where it stands; a PENDING one past expiresAt already reads EXPIRED.
    async fn status(&self) -> InvitationStatus {
        invitations::status_now(&self.0).into()
    }
    /// Where its latest email (invitation, resend or reminder) stands.
    async fn delivery_status(&self) -> DeliveryStatus {
        self.0.delivery_status.into()
    }
    /// ACTIVATION: the member to activate. JOIN: the member it brought in, once accepted; null before.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        Ok(loaders::member(ctx, self.0.member_id).await?.map(MemberView::from))
    }
    /// The member who sent it (or last invited the address again); null for the command
    /// line or a member since removed.
    async fn invited_by(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        Ok(loaders::member(ctx, self.0.invited_by).await?.map(MemberView::from))
    }
    /// When it was first created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its email last went out (first send or resend, not reminders); null until then.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// When its link stops working; a resend or a new invitation to the address moves it on.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Reminders sent since it was last sent (the delays are Tenant.invitationReminderSeconds).
    async fn reminders_sent(&self) -> i32 {
        self.0.reminders_sent
    }
    /// When the latest reminder was queued; null when none since it was last sent.
    async fn last_reminded_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_reminded_at
    }
    /// When it was accepted (or settled because its address became a member's); null otherwise.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }
}

/// Why an address got no invitation.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum InviteSkipReason {
    /// sendActivationInvitations: the member already signs in with a password of their own.
    AlreadyMember,
    /// The address belongs to a deactivated member.
    DeactivatedMember,
}

/// An address that got no invitation.
#[derive(SimpleObject)]
pub struct InviteSkip {
    /// The address, as given (or the member's).
    pub email: String,
    /// Why it was left out.
    pub reason: InviteSkipReason,
}

/// What inviteMembers or sendActivationInvitations did.
#[derive(SimpleObject)]
pub struct InviteResult {
    /// Created or refreshed invitations, one per address invited.
    pub invitations: Vec<InvitationView>,
    /// Existing members who were added to the requested groups instead of being invited.
    pub added_to_groups: Vec<MemberView>,
    /// Addresses that got no invitation, and why.
    pub skipped: Vec<InviteSkip>,
}

impl From<InviteOutcome> for InviteResult {
    fn from(outcome: InviteOutcome) -> Self {
        Self {
            invitations: outcome.invitations.into_iter().map(InvitationView).collect(),
            added_to_groups: outcome.added_to_groups.into_iter().map(MemberView::from).collect(),
            skipped: outcome
                .skipped
                .into_iter()
                .map(|(email, reason)| InviteSkip {
                    email,
                    reason: match reason {
                        SkipReason::AlreadyMember => InviteSkipReason::AlreadyMember,
                        SkipReason::DeactivatedMember => InviteSkipReason::DeactivatedMember,
                    },
                })
                .collect(),
        }
    }
}

/// What the holder of an invitation link may see of it, and nothing more.
#[derive(SimpleObject)]
pub struct InvitationPreview {
    /// The name of the organization that invites.
    pub tenant_name: String,
    /// The address invited.
    pub email: String,
    /// Given name the invitation carries, to prefill a form; null when unknown.
    pub first_name: Option<String>,
    /// Family name the invitation carries; null when unknown.
    pub last_name: Option<String>,
    /// Where the invitation stands: only PENDING can be accepted.
    pub status: InvitationStatus,
    /// When the link stops (or stopped) working.
    pub expires_at: DateTime<Utc>,
}

impl Node for InvitationView {
    type Entity = entity::invitations::Entity;
    const WORDS: Words = Words {
        connection: "A page of invitations, newest first (Relay).",
        edges: "The page's invitations with their cursors.",
        nodes: "The page's invitations, without cursors.",
        page_info: "Whether older invitations follow this page, and its end cursors.",
        total_count: "How many invitations match the filter, all pages together.",
        edge: "An invitation and its cursor.",
        cursor: "Opaque position of this invitation in the list, for `after`.",
        node: "The invitation.",
    };
}
