//! Invitations: queries, admin mutations, and the invited person's mutations.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::connection::{id_cursor, page_size, parse_id_cursor, PageInfo};
use super::inputs::{parse_id, parse_ids, MemberSelectionInput};
use super::invitation::{InvitationKind, InvitationStatus, InvitationView};
use super::member::MemberView;
use super::session::AuthPayload;
use super::{app, caller, visitor, Result};
use crate::invitations::{self, Acceptance, InvitationFilter, InviteOutcome, InviteRequest, SkipReason};

/// Which invitations to list: every field given must hold.
#[derive(InputObject)]
#[graphql(name = "InvitationFilter")]
pub struct InvitationFilterInput {
    /// Only invitations in this state; a PENDING one past its expiry counts as EXPIRED.
    pub status: Option<InvitationStatus>,
    /// Only JOIN or only ACTIVATION invitations.
    pub kind: Option<InvitationKind>,
    /// Text found in the address (case-insensitively) or in the first or last name.
    pub search: Option<String>,
}

/// Addresses to invite, and what the people get on accepting (inviteMembers).
#[derive(InputObject)]
pub struct InviteInput {
    /// Each entry may hold several addresses separated by commas, semicolons or white space. Duplicates are merged. Any invalid address rejects the whole call (VALIDATION, listing each).
    pub emails: Vec<String>,
    /// Role keys the new members get on top of the default roles; each non-default one must
    /// be one the caller may hand out (FORBIDDEN otherwise).
    pub roles: Option<Vec<String>>,
    /// Manual groups the invited join on accepting, and existing members join at once; a
    /// smart or unknown group is VALIDATION.
    pub group_ids: Option<Vec<ID>>,
    /// Language of the email and of the new member (one of Tenant.locales); absent: the
    /// tenant's default locale (a refreshed invitation keeps its own).
    pub locale: Option<String>,
    /// Personal message, plain text, at most 2000 characters.
    pub message: Option<String>,
}

/// What the invited person sends to accept an invitation.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The token of the invitation link (its `token` parameter).
    pub token: String,
    /// JOIN: the new member's given name; absent: the one the invitation carries, and one
    /// of the two is required. Ignored for ACTIVATION.
    pub first_name: Option<String>,
    /// JOIN: the new member's family name, as firstName. Ignored for ACTIVATION.
    pub last_name: Option<String>,
    /// The password to sign in with: at least Tenant.passwordMinLength characters, at most 256.
    pub password: String,
    /// JOIN: the new member's language (one of Tenant.locales); absent: the invitation's.
    /// Not stored for ACTIVATION.
    pub locale: Option<String>,
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
            added_to_groups: outcome.added_to_groups.into_iter().map(MemberView).collect(),
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

/// An invitation and its cursor.
#[derive(SimpleObject)]
pub struct InvitationEdge {
    /// Opaque position of this invitation in the list, for `after`.
    pub cursor: String,
    /// The invitation.
    pub node: InvitationView,
}

/// A page of invitations, newest first (Relay).
#[derive(SimpleObject)]
pub struct InvitationConnection {
    /// The page's invitations with their cursors.
    pub edges: Vec<InvitationEdge>,
    /// The page's invitations, without cursors.
    pub nodes: Vec<InvitationView>,
    /// Whether older invitations follow this page, and its end cursors.
    pub page_info: PageInfo,
    /// How many invitations match the filter, all pages together.
    pub total_count: i32,
}

fn status_name(status: InvitationStatus) -> &'static str {
    match status {
        InvitationStatus::Pending => invitations::PENDING,
        InvitationStatus::Accepted => invitations::ACCEPTED,
        InvitationStatus::Expired => invitations::EXPIRED,
        InvitationStatus::Revoked => invitations::REVOKED,
    }
}

fn status_of(stored: &str) -> InvitationStatus {
    match stored {
        invitations::ACCEPTED => InvitationStatus::Accepted,
        invitations::EXPIRED => InvitationStatus::Expired,
        invitations::REVOKED => InvitationStatus::Revoked,
        _ => InvitationStatus::Pending,
    }
}

#[derive(Default)]
pub struct InvitationsQuery;

#[Object]
impl InvitationsQuery {
    /// Needs invitations.manage. The tenant's invitations, newest first.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which invitations; absent: all of them.")] filter: Option<InvitationFilterInput>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<InvitationConnection> {
        let caller = caller(ctx).await?;
        caller.require_unrestricted()?;
        let filter = filter
            .map(|f| InvitationFilter {
                status: f.status.map(|s| status_name(s).to_owned()),
                kind: f.kind.map(|k| match k {
                    InvitationKind::Join => invitations::JOIN.to_owned(),
                    InvitationKind::Activation => invitations::ACTIVATION.to_owned(),
                }),
                search: f.search,
            })
            .unwrap_or_default();
        let limit = page_size(first)?;
        let after = after.map(|c| parse_id_cursor("after", &c)).transpose()?;
        let (rows, more, total) = invitations::list_invitations(app(ctx), &caller, &filter, limit, after).await?;
        let edges: Vec<InvitationEdge> = rows
            .into_iter()
            .map(|r| InvitationEdge {
                cursor: id_cursor(r.id),
                node: InvitationView(r),
            })
            .collect();
        Ok(InvitationConnection {
            page_info: PageInfo {
                has_next_page: more,
                has_previous_page: after.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }

    /// Needs invitations.manage. One invitation; null when unknown in this tenant.
    async fn invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation's id (Invitation.id).")] id: ID,
    ) -> Result<Option<InvitationView>> {
        let caller = caller(ctx).await?;
        caller.require_unrestricted()?;
        let id = parse_id("id", &id)?;
        Ok(invitations::get_invitation(app(ctx), &caller, id)
            .await?
            .map(InvitationView))
    }

    /// What the holder of an invitation link sees: before accepting, and also once it was accepted, revoked or expired (status says which), so a page can show the way on. No authentication needed. Null for an unknown token.
    async fn invitation_by_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the invitation link (its `token` parameter).")] token: String,
    ) -> Result<Option<InvitationPreview>> {
        let found = invitations::preview(app(ctx), visitor(ctx), &token).await?;
        // A link replaced by a newer one reads as unknown (see LinkState::invitation_status).
        Ok(found.and_then(|p| {
            let status = p.state.invitation_status()?;
            Some(InvitationPreview {
                tenant_name: p.tenant_name,
                email: p.email,
                first_name: p.first_name,
                last_name: p.last_name,
                status: status_of(status),
                expires_at: p.expires_at,
            })
        }))
    }
}

#[derive(Default)]
pub struct InvitationsMutation;

#[Object]
impl InvitationsMutation {
    /// Needs invitations.send. Existing members are added to the groups instead of invited. A pending invitation for the same email is refreshed, not duplicated.
    async fn invite_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The addresses, and the roles, groups, locale and message they come with.")]
        input: InviteInput,
    ) -> Result<InviteResult> {
        let caller = caller(ctx).await?;
        let request = InviteRequest {
            emails: input.emails,
            roles: input.roles.unwrap_or_default(),
            group_ids: parse_ids("groupIds", &input.group_ids.unwrap_or_default())?,
            locale: input.locale,
            message: input.message,
        };
        Ok(invitations::invite_members(app(ctx), &caller, request).await?.into())
    }

    /// Needs invitations.send. Sends set-your-password invitations to existing members who have never signed in (e.g. selection: {filter: {neverLoggedIn: true}}).
    async fn send_activation_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The members to invite; those without an email are left out.")]
        selection: MemberSelectionInput,
        #[graphql(desc = "Personal message, plain text, at most 2000 characters.")] message: Option<String>,
    ) -> Result<InviteResult> {
        let caller = caller(ctx).await?;
        let outcome =
            invitations::send_activation_invitations(app(ctx), &caller, selection.into_domain()?, message).await?;
        Ok(outcome.into())
    }

    /// Needs invitations.manage. New token, new expiry, email sent again; works on expired invitations too.
    async fn resend_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The invitations to resend, at most 10000: NOT_FOUND for an unknown one, VALIDATION for an accepted or revoked one."
        )]
        ids: Vec<ID>,
    ) -> Result<Vec<InvitationView>> {
        let caller = caller(ctx).await?;
        let ids = parse_ids("ids", &ids)?;
        let rows = invitations::resend_invitations(app(ctx), &caller, &ids).await?;
        Ok(rows.into_iter().map(InvitationView).collect())
    }

    /// Needs invitations.manage. Revoked invitations' links stop working. Returns how many were revoked.
    async fn revoke_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The invitations to revoke, at most 10000 (NOT_FOUND for an unknown one); accepted or revoked ones are left as they are."
        )]
        ids: Vec<ID>,
    ) -> Result<i32> {
        let caller = caller(ctx).await?;
        let ids = parse_ids("ids", &ids)?;
        let revoked = invitations::revoke_invitations(app(ctx), &caller, &ids).await?;
        Ok(i32::try_from(revoked).unwrap_or(i32::MAX))
    }

    /// Needs invitations.manage. Issues a new link for the admin to pass on by hand; the previous link stops working.
    async fn invitation_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A PENDING invitation not past its expiry (VALIDATION otherwise: resend an expired one).")]
        id: ID,
    ) -> Result<String> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(invitations::invitation_link(app(ctx), &caller, id).await?)
    }

    /// No authentication needed. Creates or completes the account, marks the email verified, and signs the member in.
    /// TOKEN_INVALID for an unknown, used or revoked link; INVITATION_EXPIRED for an expired one.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's token, the password to set and, for a JOIN, the names and locale.")]
        input: AcceptInvitationInput,
    ) -> Result<AuthPayload> {
        let acceptance = Acceptance {
            token: input.token,
            first_name: input.first_name,
            last_name: input.last_name,
            password: input.password,
            locale: input.locale,
        };
        let (session, member) = invitations::accept_invitation(app(ctx), visitor(ctx), acceptance).await?;
        Ok(AuthPayload::opened(session, member))
    }

    /// No authentication needed. From an expired invitation's link: tells the inviter (or the tenant's admins) that this person asks for a new invitation. Always true.
    async fn request_new_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the expired invitation's link.")] token: String,
    ) -> Result<bool> {
        Ok(invitations::request_new_invitation(app(ctx), visitor(ctx), &token).await?)
    }
}
