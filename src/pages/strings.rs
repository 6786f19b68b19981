//! The pages' sentences, as typed keys into the console's Fluent catalogs
//! (`console/i18n/<lang>.ftl`, the `link-` entries): one catalog for the console and the
//! pages behind emailed links. A sentence naming someone takes the `inviter` argument.

/// Each sentence of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    AcceptTitle,
    AcceptIntro,
    AcceptSubmit,
    FirstName,
    LastName,
    NewPassword,
    LinkInvalid,
    InvitationExpired,
    AskNew,
    NewRequested,
    ResetTitle,
    ResetSubmit,
    PasswordChanged,
    EmailTitle,
    EmailSubmit,
    EmailChanged,
    SecondEmailConfirmed,
    RevertTitle,
    RevertSubmit,
    Reverted,
    TryLater,
    SignIn,
    ForgotPassword,
    FormRefused,
    AlreadyAccepted,
    InvitationRevoked,
    InvitationReplaced,
    ExpiredAskInviter,
    ExpiredAskAdmins,
    AskInviter,
    AskAdmins,
    LinkReplaced,
    ResetUsed,
    ResetEnded,
    ResetExpired,
    ResetAskNew,
    ResetRequestTitle,
    ResetRequestIntro,
    Identifier,
    SendResetLink,
    ResetRequested,
    EmailUsed,
    EmailEnded,
    EmailExpired,
    RevertUsed,
    RevertEnded,
    RevertExpired,
}

impl Key {
    /// The entry of the catalog that holds this sentence.
    pub fn id(self) -> &'static str {
        match self {
            Key::AcceptTitle => "link-accept-title",
            Key::AcceptIntro => "link-accept-intro",
            Key::AcceptSubmit => "link-accept-submit",
            Key::FirstName => "link-first-name",
            Key::LastName => "link-last-name",
            Key::NewPassword => "link-new-password",
            Key::LinkInvalid => "link-link-invalid",
            Key::InvitationExpired => "link-invitation-expired",
            Key::AskNew => "link-ask-new",
            Key::NewRequested => "link-new-requested",
            Key::ResetTitle => "link-reset-title",
            Key::ResetSubmit => "link-reset-submit",
            Key::PasswordChanged => "link-password-changed",
            Key::EmailTitle => "link-email-title",
            Key::EmailSubmit => "link-email-submit",
            Key::EmailChanged => "link-email-changed",
            Key::SecondEmailConfirmed => "link-second-email-confirmed",
            Key::RevertTitle => "link-revert-title",
            Key::RevertSubmit => "link-revert-submit",
            Key::Reverted => "link-reverted",
            Key::TryLater => "link-try-later",
            Key::SignIn => "link-sign-in",
            Key::ForgotPassword => "link-forgot-password",
            Key::FormRefused => "link-form-refused",
            Key::AlreadyAccepted => "link-already-accepted",
            Key::InvitationRevoked => "link-invitation-revoked",
            Key::InvitationReplaced => "link-invitation-replaced",
            Key::ExpiredAskInviter => "link-expired-ask-inviter",
            Key::ExpiredAskAdmins => "link-expired-ask-admins",
            Key::AskInviter => "link-ask-inviter",
            Key::AskAdmins => "link-ask-admins",
            Key::LinkReplaced => "link-link-replaced",
            Key::ResetUsed => "link-reset-used",
            Key::ResetEnded => "link-reset-ended",
            Key::ResetExpired => "link-reset-expired",
            Key::ResetAskNew => "link-reset-ask-new",
            Key::ResetRequestTitle => "link-reset-request-title",
            Key::ResetRequestIntro => "link-reset-request-intro",
            Key::Identifier => "link-identifier",
            Key::SendResetLink => "link-send-reset-link",
            Key::ResetRequested => "link-reset-requested",
            Key::EmailUsed => "link-email-used",
            Key::EmailEnded => "link-email-ended",
            Key::EmailExpired => "link-email-expired",
            Key::RevertUsed => "link-revert-used",
            Key::RevertEnded => "link-revert-ended",
            Key::RevertExpired => "link-revert-expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::catalog_has;

    /// Every key, to check the catalogs hold them all.
    const ALL: [Key; 47] = [
        Key::AcceptTitle,
        Key::AcceptIntro,
        Key::AcceptSubmit,
        Key::FirstName,
        Key::LastName,
        Key::NewPassword,
        Key::LinkInvalid,
        Key::InvitationExpired,
        Key::AskNew,
        Key::NewRequested,
        Key::ResetTitle,
        Key::ResetSubmit,
        Key::PasswordChanged,
        Key::EmailTitle,
        Key::EmailSubmit,
        Key::EmailChanged,
        Key::SecondEmailConfirmed,
        Key::RevertTitle,
        Key::RevertSubmit,
        Key::Reverted,
        Key::TryLater,
        Key::SignIn,
        Key::ForgotPassword,
        Key::FormRefused,
        Key::AlreadyAccepted,
        Key::InvitationRevoked,
        Key::InvitationReplaced,
        Key::ExpiredAskInviter,
        Key::ExpiredAskAdmins,
        Key::AskInviter,
        Key::AskAdmins,
        Key::LinkReplaced,
        Key::ResetUsed,
        Key::ResetEnded,
        Key::ResetExpired,
        Key::ResetAskNew,
        Key::ResetRequestTitle,
        Key::ResetRequestIntro,
        Key::Identifier,
        Key::SendResetLink,
        Key::ResetRequested,
        Key::EmailUsed,
        Key::EmailEnded,
        Key::EmailExpired,
        Key::RevertUsed,
        Key::RevertEnded,
        Key::RevertExpired,
    ];

    #[test]
    fn every_sentence_is_in_each_catalog() {
        for key in ALL {
            for lang in ["en", "fr"] {
                assert!(catalog_has(lang, key.id()), "{} missing in {lang}", key.id());
            }
        }
    }
}
