//! The pages' words in French and English (other locales read English). A sentence
//! naming someone holds `{inviter}`, replaced (and then escaped with the rest) on render.

/// Each sentence of the pages.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    AcceptTitle,
    AcceptIntro,
    AcceptSubmit,
    FirstName,
    LastName,
    NewPassword,
    Welcome,
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

/// The sentence in `locale` (French for fr*, else English).
pub fn text(locale: &str, key: Key) -> &'static str {
    if locale.starts_with("fr") {
        french(key)
    } else {
        english(key)
    }
}

fn french(key: Key) -> &'static str {
    match key {
        Key::AcceptTitle => "Rejoindre l'organisation",
        Key::AcceptIntro => "Choisissez votre mot de passe pour accepter l'invitation.",
        Key::AcceptSubmit => "Accepter l'invitation",
        Key::FirstName => "Prénom",
        Key::LastName => "Nom",
        Key::NewPassword => "Mot de passe",
        Key::Welcome => "Bienvenue ! Vous pouvez maintenant vous connecter avec votre identifiant",
        Key::LinkInvalid => "Ce lien n'est pas valable : il est incomplet ou inconnu. Vérifiez que vous avez ouvert le lien entier de l'email.",
        Key::InvitationExpired => "Cette invitation a expiré. Vous pouvez en demander une nouvelle.",
        Key::AskNew => "Demander une nouvelle invitation",
        Key::NewRequested => "C'est transmis : vous recevrez une nouvelle invitation par email.",
        Key::ResetTitle => "Choisir un nouveau mot de passe",
        Key::ResetSubmit => "Enregistrer",
        Key::PasswordChanged => "Votre mot de passe est changé. Vous pouvez vous connecter.",
        Key::EmailTitle => "Confirmer votre nouvelle adresse",
        Key::EmailSubmit => "Confirmer",
        Key::EmailChanged => "C'est fait. Votre adresse est maintenant",
        Key::SecondEmailConfirmed => "C'est fait. Votre deuxième adresse confirmée :",
        Key::RevertTitle => "Annuler le changement d'adresse",
        Key::RevertSubmit => "Ce n'était pas moi : remettre mon adresse",
        Key::Reverted => "Votre adresse est rétablie, toutes les sessions sont fermées et un lien pour choisir un nouveau mot de passe vous a été envoyé.",
        Key::TryLater => "Le service est momentanément indisponible. Réessayez dans un instant.",
        Key::SignIn => "Se connecter",
        Key::ForgotPassword => "Mot de passe oublié ?",
        Key::FormRefused => "Ce formulaire n'a pas pu être vérifié : il est ancien, ou votre navigateur a refusé son cookie. Rouvrez la page, puis envoyez à nouveau le formulaire.",
        Key::AlreadyAccepted => "Cette invitation a déjà été acceptée : vous avez un compte. Connectez-vous avec votre adresse email ou votre identifiant et votre mot de passe.",
        Key::InvitationRevoked => "Cette invitation a été retirée : son lien ne fonctionne plus.",
        Key::InvitationReplaced => "Un lien plus récent vous a été envoyé pour cette invitation : seul celui du dernier email fonctionne.",
        Key::ExpiredAskInviter => "Le bouton ci-dessous demande une nouvelle invitation à {inviter}, qui vous avait invité·e.",
        Key::ExpiredAskAdmins => "Le bouton ci-dessous demande une nouvelle invitation aux administrateurs de l'organisation.",
        Key::AskInviter => "Pour en savoir plus ou recevoir une nouvelle invitation, adressez-vous à {inviter}, qui vous avait invité·e, ou aux administrateurs de l'organisation.",
        Key::AskAdmins => "Pour en savoir plus ou recevoir une nouvelle invitation, adressez-vous à la personne qui vous a invité·e ou aux administrateurs de l'organisation.",
        Key::LinkReplaced => "Un lien plus récent a été envoyé depuis celui-ci : seul le dernier fonctionne.",
        Key::ResetUsed => "Ce lien a déjà servi à choisir un nouveau mot de passe.",
        Key::ResetEnded => "Ce lien ne fonctionne plus : le compte a changé depuis son envoi (son mot de passe a par exemple été choisi avec un autre lien).",
        Key::ResetExpired => "Ce lien a expiré : un lien pour choisir un mot de passe vaut une heure.",
        Key::ResetAskNew => "Demandez un nouveau lien ici : indiquez votre adresse email ou votre identifiant.",
        Key::ResetRequestTitle => "Mot de passe oublié",
        Key::ResetRequestIntro => "Indiquez votre adresse email ou votre identifiant : nous vous enverrons un lien pour choisir un nouveau mot de passe.",
        Key::Identifier => "Adresse email ou identifiant",
        Key::SendResetLink => "M'envoyer un lien",
        Key::ResetRequested => "Si un compte actif correspond à ce que vous avez indiqué, un email avec un lien pour choisir un nouveau mot de passe est en route. Le lien vaut une heure.",
        Key::EmailUsed => "Ce changement d'adresse a déjà été confirmé.",
        Key::EmailEnded => "Ce changement d'adresse a été annulé depuis l'ancienne adresse, ou le compte a changé depuis.",
        Key::EmailExpired => "Ce lien a expiré : un lien de confirmation vaut un jour. Connectez-vous et demandez à nouveau le changement.",
        Key::RevertUsed => "Votre ancienne adresse a déjà été rétablie, et un lien pour choisir un nouveau mot de passe y a été envoyé.",
        Key::RevertEnded => "Ce lien ne fonctionne plus : le compte a changé depuis son envoi. Si vous n'avez pas demandé ce changement, prévenez les administrateurs de l'organisation.",
        Key::RevertExpired => "Ce lien a expiré : il valait sept jours. Si vous n'avez pas demandé ce changement, prévenez les administrateurs de l'organisation.",
    }
}

fn english(key: Key) -> &'static str {
    match key {
        Key::AcceptTitle => "Join the organization",
        Key::AcceptIntro => "Choose your password to accept the invitation.",
        Key::AcceptSubmit => "Accept the invitation",
        Key::FirstName => "First name",
        Key::LastName => "Last name",
        Key::NewPassword => "Password",
        Key::Welcome => "Welcome! You can now sign in with your login",
        Key::LinkInvalid => "This link is not valid: it is incomplete or unknown. Check that you opened the whole link from the email.",
        Key::InvitationExpired => "This invitation has expired. You can ask for a new one.",
        Key::AskNew => "Ask for a new invitation",
        Key::NewRequested => "Done: you will receive a new invitation by email.",
        Key::ResetTitle => "Choose a new password",
        Key::ResetSubmit => "Save",
        Key::PasswordChanged => "Your password is changed. You can sign in.",
        Key::EmailTitle => "Confirm your new address",
        Key::EmailSubmit => "Confirm",
        Key::EmailChanged => "Done. Your address is now",
        Key::SecondEmailConfirmed => "Done. Your second address is confirmed:",
        Key::RevertTitle => "Undo the address change",
        Key::RevertSubmit => "This wasn't me: put my address back",
        Key::Reverted => "Your address is back, every session is signed out, and a link to choose a new password is on its way.",
        Key::TryLater => "The service is temporarily unavailable. Try again in a moment.",
        Key::SignIn => "Sign in",
        Key::ForgotPassword => "Forgot your password?",
        Key::FormRefused => "This form could not be checked: it is old, or your browser refused its cookie. Open the page again, then send the form once more.",
        Key::AlreadyAccepted => "This invitation was already accepted: you have an account. Sign in with your email address or login and your password.",
        Key::InvitationRevoked => "This invitation was withdrawn: its link no longer works.",
        Key::InvitationReplaced => "A newer link was sent to you for this invitation: only the one in the latest email works.",
        Key::ExpiredAskInviter => "The button below asks {inviter}, who invited you, for a new invitation.",
        Key::ExpiredAskAdmins => "The button below asks the organization's administrators for a new invitation.",
        Key::AskInviter => "To find out more or to get a new invitation, ask {inviter}, who invited you, or the organization's administrators.",
        Key::AskAdmins => "To find out more or to get a new invitation, ask the person who invited you or the organization's administrators.",
        Key::LinkReplaced => "A newer link was sent since this one: only the latest works.",
        Key::ResetUsed => "This link was already used to choose a new password.",
        Key::ResetEnded => "This link no longer works: the account changed since it was sent (its password was chosen with another link, for example).",
        Key::ResetExpired => "This link has expired: a link to choose a password works for one hour.",
        Key::ResetAskNew => "Ask for a new link here: enter your email address or login.",
        Key::ResetRequestTitle => "Forgot your password",
        Key::ResetRequestIntro => "Enter your email address or login: we will send you a link to choose a new password.",
        Key::Identifier => "Email address or login",
        Key::SendResetLink => "Send me a link",
        Key::ResetRequested => "If an active account matches what you entered, an email with a link to choose a new password is on its way. The link works for one hour.",
        Key::EmailUsed => "This address change was already confirmed.",
        Key::EmailEnded => "This address change was cancelled from the previous address, or the account changed since.",
        Key::EmailExpired => "This link has expired: a confirmation link works for one day. Sign in and ask for the change again.",
        Key::RevertUsed => "Your previous address was already put back, and a link to choose a new password was sent to it.",
        Key::RevertEnded => "This link no longer works: the account changed since it was sent. If you did not ask for this change, tell the organization's administrators.",
        Key::RevertExpired => "This link has expired: it worked for seven days. If you did not ask for this change, tell the organization's administrators.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_for_fr_locales_english_otherwise() {
        assert_eq!(text("fr-BE", Key::SignIn), "Se connecter");
        assert_eq!(text("nl-BE", Key::SignIn), "Sign in");
    }
}
