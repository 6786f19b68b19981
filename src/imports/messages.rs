//! What is wrong with a row, as a code for programs and a sentence for people, in the
//! admin's language (French or English; other locales fall back to English).

/// A problem found in one row (or one cell) of an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required value is empty.
    Required,
    InvalidEmail,
    InvalidLogin,
    InvalidName,
    InvalidPhone,
    TooLong(usize),
    /// Not one of the tenant's languages (they are listed).
    InvalidLocale(String),
    UnknownRole,
    InvalidBoolean,
    InvalidStatus,
    /// Shorter than the tenant's minimum.
    WeakPassword(usize),
    /// The same login or email as an earlier row (its number).
    DuplicateRow(usize),
    /// CREATE: a member with this login or email exists.
    AlreadyMember,
    /// The address belongs to another member.
    EmailTaken,
    /// The admin may not hand out this role.
    RoleNotAllowed,
    /// A smart group: its members come from its rule.
    SmartGroup,
    /// The admin's own roles or state.
    OwnAccount,
    /// Holds a protected role: an import never deactivates it.
    ProtectedMember,
    /// INVITE: the member is deactivated.
    MemberDeactivated,
}

impl Problem {
    /// `ImportRowError.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "REQUIRED",
            Problem::InvalidEmail => "INVALID_EMAIL",
            Problem::InvalidLogin => "INVALID_LOGIN",
            Problem::InvalidName => "INVALID_NAME",
            Problem::InvalidPhone => "INVALID_PHONE",
            Problem::TooLong(_) => "TOO_LONG",
            Problem::InvalidLocale(_) => "INVALID_LOCALE",
            Problem::UnknownRole => "UNKNOWN_ROLE",
            Problem::InvalidBoolean => "INVALID_BOOLEAN",
            Problem::InvalidStatus => "INVALID_STATUS",
            Problem::WeakPassword(_) => "WEAK_PASSWORD",
            Problem::DuplicateRow(_) => "DUPLICATE_ROW",
            Problem::AlreadyMember => "ALREADY_MEMBER",
            Problem::EmailTaken => "EMAIL_TAKEN",
            Problem::RoleNotAllowed => "ROLE_NOT_ALLOWED",
            Problem::SmartGroup => "SMART_GROUP",
            Problem::OwnAccount => "OWN_ACCOUNT",
            Problem::ProtectedMember => "PROTECTED_MEMBER",
            Problem::MemberDeactivated => "MEMBER_DEACTIVATED",
        }
    }

    /// `ImportRowError.message`, in `locale`.
    pub fn message(&self, locale: &str) -> String {
        if locale.split('-').next() == Some("fr") {
            self.french()
        } else {
            self.english()
        }
    }

    fn french(&self) -> String {
        match self {
            Problem::Required => "Cette valeur est obligatoire.".into(),
            Problem::InvalidEmail => "Ce n'est pas une adresse e-mail valide (exemple : prenom.nom@exemple.fr).".into(),
            Problem::InvalidLogin => {
                "Identifiant invalide : lettres minuscules sans accent, chiffres, « . », « - » et « _ » seulement."
                    .into()
            }
            Problem::InvalidName => "Le nom ne doit contenir ni caractères de contrôle ni < >.".into(),
            Problem::InvalidPhone => "Numéro invalide : chiffres, espaces et + . - ( ) / seulement.".into(),
            Problem::TooLong(max) => format!("Trop long : {max} caractères au plus."),
            Problem::InvalidLocale(list) => format!("Langue inconnue : choisissez parmi {list}."),
            Problem::UnknownRole => "Ce rôle n'existe pas dans l'organisation.".into(),
            Problem::InvalidBoolean => "Attendu : VRAI ou FAUX (oui/non, 1/0).".into(),
            Problem::InvalidStatus => "Attendu : Activé ou Désactivé.".into(),
            Problem::WeakPassword(min) => format!("Mot de passe trop court : {min} caractères au moins."),
            Problem::DuplicateRow(row) => {
                format!("Même identifiant ou même e-mail qu'à la ligne {row} : une seule ligne par personne.")
            }
            Problem::AlreadyMember => {
                "Un membre a déjà cet identifiant ou cet e-mail (utilisez le mode SYNC pour le mettre à jour).".into()
            }
            Problem::EmailTaken => "Cette adresse e-mail appartient déjà à un autre membre.".into(),
            Problem::RoleNotAllowed => "Vous ne pouvez pas attribuer ce rôle.".into(),
            Problem::SmartGroup => "Ce groupe est un groupe automatique : ses membres viennent de sa règle.".into(),
            Problem::OwnAccount => "C'est votre propre compte : un import ne change ni vos rôles ni votre état.".into(),
            Problem::ProtectedMember => "Ce membre a un rôle protégé : un import ne le désactive pas.".into(),
            Problem::MemberDeactivated => "Ce membre est désactivé : réactivez-le d'abord.".into(),
        }
    }

    fn english(&self) -> String {
        match self {
            Problem::Required => "This value is required.".into(),
            Problem::InvalidEmail => "This is not a valid email address (e.g. jane.doe@example.org).".into(),
            Problem::InvalidLogin => {
                "Invalid login: lower-case letters without accents, digits, '.', '-' and '_' only.".into()
            }
            Problem::InvalidName => "Names must not contain control characters or < >.".into(),
            Problem::InvalidPhone => "Invalid phone number: digits, spaces and + . - ( ) / only.".into(),
            Problem::TooLong(max) => format!("Too long: at most {max} characters."),
            Problem::InvalidLocale(list) => format!("Unknown language: use one of {list}."),
            Problem::UnknownRole => "There is no such role in this organization.".into(),
            Problem::InvalidBoolean => "Expected TRUE or FALSE (yes/no, 1/0).".into(),
            Problem::InvalidStatus => "Expected active or inactive.".into(),
            Problem::WeakPassword(min) => format!("Password too short: at least {min} characters."),
            Problem::DuplicateRow(row) => {
                format!("Same login or email as row {row}: one row per person.")
            }
            Problem::AlreadyMember => {
                "A member with this login or email already exists (use SYNC mode to update it).".into()
            }
            Problem::EmailTaken => "This email address already belongs to another member.".into(),
            Problem::RoleNotAllowed => "You may not hand out this role.".into(),
            Problem::SmartGroup => "This is a smart group: its members come from its rule.".into(),
            Problem::OwnAccount => {
                "This is your own account: an import changes neither your roles nor your state.".into()
            }
            Problem::ProtectedMember => {
                "This member holds a protected role: an import does not deactivate them.".into()
            }
            Problem::MemberDeactivated => "This member is deactivated: reactivate them first.".into(),
        }
    }
}

/// `ImportRowError`: a problem at a row and column of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// As the spreadsheet shows it (header = 1).
    pub row: usize,
    /// The header as written; None for the whole row.
    pub column: Option<String>,
    pub value: Option<String>,
    pub problem: Problem,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_speak_the_admins_language() {
        let p = Problem::DuplicateRow(4);
        assert_eq!(p.code(), "DUPLICATE_ROW");
        assert!(p.message("fr").contains("ligne 4"));
        assert!(p.message("fr-BE").contains("ligne 4"));
        assert!(p.message("en").contains("row 4"));
        assert!(
            p.message("nl-BE").contains("row 4"),
            "other languages fall back to English"
        );
    }
}
