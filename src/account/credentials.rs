//! The one rule for links that outlive a change to an account: whoever holds an email
//! sent before a password or address change must not be able to use it afterwards.
//! Every path that changes a member's password, main address or standing calls
//! [`links_voided_by`] inside its own transaction.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::tokens::{self, Purpose};
use crate::error::Result;

/// What happened to the accounts, which decides the links that end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// A new password (changed, reset, set by an admin or an import) or a new main
    /// address (confirmed, reverted, set by an admin or an import).
    PasswordOrEmail,
    /// Deactivated, merged into another member, or erased.
    Closed,
}

impl AccountChange {
    /// The one-time links this change voids. A "this wasn't me" link survives a password
    /// or address change: it is the old address's way back after a takeover, which is
    /// exactly when such changes happen.
    fn purposes(self) -> &'static [Purpose] {
        match self {
            AccountChange::PasswordOrEmail => &[Purpose::PasswordReset, Purpose::EmailChangeConfirm],
            AccountChange::Closed => &[
                Purpose::PasswordReset,
                Purpose::EmailChangeConfirm,
                Purpose::EmailChangeRevert,
            ],
        }
    }

    fn audit_reason(self) -> &'static str {
        match self {
            AccountChange::PasswordOrEmail => "password_or_email_changed",
            AccountChange::Closed => "account_closed",
        }
    }
}

/// Ends, in the caller's transaction, every outstanding link of these members that
/// `change` voids: password-reset and email-change links (see [`AccountChange`]) and
/// pending ACTIVATION invitations (revoked, with the reason in the audit log).
pub async fn links_voided_by<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    member_ids: &[Uuid],
    change: AccountChange,
) -> Result<()> {
    if member_ids.is_empty() {
        return Ok(());
    }
    tokens::end_for_members(conn, tenant, member_ids, change.purposes()).await?;
    crate::invitations::revoke_activations_of(conn, tenant, member_ids, change.audit_reason()).await
}
