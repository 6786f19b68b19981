//! What invitation queries and mutations take, each turned into its domain value here.

use async_graphql::{InputObject, ID};

use super::types::{InvitationKind, InvitationStatus};
use crate::error::Result;
use crate::graphql::ids::parse_ids;
use crate::invitations::{Acceptance, InvitationFilter, InviteRequest};

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

impl InvitationFilterInput {
    /// The domain filter.
    pub fn into_domain(self) -> InvitationFilter {
        InvitationFilter {
            status: self.status.map(Into::into),
            kind: self.kind.map(Into::into),
            search: self.search,
        }
    }
}

impl InviteInput {
    /// The domain request; a bad group id is VALIDATION on `groupIds`.
    pub fn into_domain(self) -> Result<InviteRequest> {
        Ok(InviteRequest {
            emails: self.emails,
            roles: self.roles.unwrap_or_default(),
            group_ids: parse_ids("groupIds", &self.group_ids.unwrap_or_default())?,
            locale: self.locale,
            message: self.message,
        })
    }
}

impl From<AcceptInvitationInput> for Acceptance {
    fn from(input: AcceptInvitationInput) -> Self {
        Acceptance {
            token: input.token,
            first_name: input.first_name,
            last_name: input.last_name,
            password: input.password,
            locale: input.locale,
        }
    }
}
