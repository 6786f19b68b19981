//! What is wrong with a row, as a code for programs and a sentence for people, in the
//! admin's language (French or English; other locales fall back to English): for a row,
//! and for a whole file that cannot be read or lacks columns.

use super::columns::Field;
use super::template::{is_french, Heading};
use super::text_file::{ReadError, SheetInfo};

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
    /// CREATE: the row's login or address is a deactivated member's (an undone import
    /// leaves the members it created so); code ALREADY_MEMBER, with the way back.
    AlreadyDeactivatedMember,
    /// A value a new member needs, in a column the file does not have (a SYNC of some
    /// columns only); code REQUIRED.
    ColumnNeeded,
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
    /// A warning: a phone one digit short of the tenant's national numbers, not starting
    /// with 0: a spreadsheet read it as a number and dropped its leading zero. Holds the
    /// number with the zero back.
    PhoneMissingZero(String),
    /// A warning: a password for the admin's own account, left out (they change their
    /// own password themselves, knowing the old one).
    OwnPassword,
    /// A warning: a cell of the row reads as damaged text ("AurÈlie") in the encoding the
    /// admin forced, named here: likely the wrong one.
    DamagedText(String),
    /// A warning: the row matches a deactivated member and the file has no status to
    /// say otherwise, so they stay deactivated (only a status column, or their page,
    /// reactivates them).
    StaysDeactivated,
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
            Problem::AlreadyMember | Problem::AlreadyDeactivatedMember => "ALREADY_MEMBER",
            Problem::ColumnNeeded => "REQUIRED",
            Problem::EmailTaken => "EMAIL_TAKEN",
            Problem::RoleNotAllowed => "ROLE_NOT_ALLOWED",
            Problem::SmartGroup => "SMART_GROUP",
            Problem::OwnAccount => "OWN_ACCOUNT",
            Problem::ProtectedMember => "PROTECTED_MEMBER",
            Problem::MemberDeactivated => "MEMBER_DEACTIVATED",
            Problem::PhoneMissingZero(_) => "PHONE_MISSING_ZERO",
            Problem::OwnPassword => "OWN_PASSWORD",
            Problem::StaysDeactivated => "STAYS_DEACTIVATED",
            Problem::DamagedText(_) => "DAMAGED_TEXT",
        }
    }

    /// A warning: the row is imported all the same, the admin is told.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Problem::PhoneMissingZero(_) | Problem::OwnPassword | Problem::StaysDeactivated | Problem::DamagedText(_)
        )
    }

    /// `ImportRowError.message`, in `locale`.
    pub fn message(&self, locale: &str) -> String {
        if is_french(locale) {
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
            Problem::WeakPassword(min) => {
                format!("Mot de passe trop faible : {min} caractères au moins, pas seulement des espaces.")
            }
            Problem::DuplicateRow(row) => {
                format!("Même identifiant ou même e-mail qu'à la ligne {row} : une seule ligne par personne.")
            }
            Problem::AlreadyMember => {
                "Un membre a déjà cet identifiant ou cet e-mail (pour le mettre à jour, importez le fichier avec « Aligner la liste sur le fichier », SYNC).".into()
            }
            Problem::AlreadyDeactivatedMember => {
                "Un membre désactivé a déjà cet identifiant ou cet e-mail (défaire un import désactive les membres qu'il a créés). \
                 Pour le réactiver, importez le fichier avec « Aligner la liste sur le fichier » (SYNC) et une colonne « État » \
                 à « Activé », ou réactivez-le depuis sa page."
                    .into()
            }
            Problem::ColumnNeeded => {
                "Le fichier n'a pas cette colonne, dont un nouveau membre a besoin : ajoutez-la, ou laissez cette ligne de côté."
                    .into()
            }
            Problem::EmailTaken => "Cette adresse e-mail appartient déjà à un autre membre.".into(),
            Problem::RoleNotAllowed => "Vous ne pouvez pas attribuer ce rôle.".into(),
            Problem::SmartGroup => "Ce groupe est un groupe automatique : ses membres viennent de sa règle.".into(),
            Problem::OwnAccount => "C'est votre propre compte : un import ne change ni vos rôles ni votre état.".into(),
            Problem::ProtectedMember => "Ce membre a un rôle protégé : un import ne le désactive pas.".into(),
            Problem::MemberDeactivated => "Ce membre est désactivé : réactivez-le d'abord.".into(),
            Problem::PhoneMissingZero(fixed) => format!(
                "Ce numéro n'a que 9 chiffres : son 0 initial a sans doute été perdu, le tableur l'ayant lu \
                 comme un nombre ({fixed} ?). Vérifiez-le ; pour garder les 0, mettez la colonne au format Texte."
            ),
            Problem::OwnPassword => "C'est votre propre compte : l'import laisse votre mot de passe tel quel ; \
                                     changez-le depuis « Mon compte »."
                .into(),
            Problem::DamagedText(encoding) => format!(
                "Ce texte semble abîmé une fois lu en {encoding}, l'encodage choisi : annulez et importez de nouveau \
                 en laissant l'encodage être détecté, ou en choisissant un autre."
            ),
            Problem::StaysDeactivated => "Ce membre est désactivé et le reste : pour le réactiver, donnez au fichier \
                                          une colonne « État » à « Activé », ou réactivez-le depuis sa page."
                .into(),
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
            Problem::WeakPassword(min) => format!("Password too weak: at least {min} characters, not only spaces."),
            Problem::DuplicateRow(row) => {
                format!("Same login or email as row {row}: one row per person.")
            }
            Problem::AlreadyMember => {
                "A member with this login or email already exists (to update it, import the file with “Keep the list in step with the file”, SYNC).".into()
            }
            Problem::AlreadyDeactivatedMember => {
                "A deactivated member already has this login or email (undoing an import deactivates the members it created). \
                 To reactivate them, import the file with “Keep the list in step with the file” (SYNC) and a “Status” column \
                 set to “active”, or reactivate them from their page."
                    .into()
            }
            Problem::ColumnNeeded => {
                "The file has no such column, and a new member needs it: add it, or leave this row out.".into()
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
            Problem::PhoneMissingZero(fixed) => format!(
                "This number has only 9 digits: its leading 0 was probably lost when the spreadsheet read it \
                 as a number ({fixed}?). Check it; to keep zeros, format the column as Text."
            ),
            Problem::OwnPassword => {
                "This is your own account: the import leaves your password as it is; change it from \"My account\"."
                    .into()
            }
            Problem::DamagedText(encoding) => format!(
                "This text looks damaged when read as {encoding}, the encoding chosen: cancel and import again, \
                 letting the encoding be detected or choosing another."
            ),
            Problem::StaysDeactivated => "This member is deactivated and stays so: to reactivate them, give the file \
                                          a \"Status\" column set to \"active\", or reactivate them from their page."
                .into(),
        }
    }
}

/// Why an apply failed, as its job keeps it for the admin: the conflicts about some
/// members in French when the admin reads it, else the error's own sentence.
pub fn apply_failure(err: &crate::error::Error, locale: &str) -> String {
    // (the subject for one, for several, and what happened to them)
    let worded = match err.counted_sentence() {
        Some((key, count, names)) if is_french(locale) => match key {
            "changed-since-preview" => Some(("Un membre a", "membres ont", "changé depuis l'aperçu", count, names)),
            "taken-meanwhile" => Some((
                "Un identifiant ou une adresse a",
                "identifiants ou adresses ont",
                "été pris entre-temps par d'autres membres",
                count,
                names,
            )),
            _ => None,
        },
        _ => None,
    };
    let Some((one, several, what, count, names)) = worded else {
        return err.to_string();
    };
    let subject = if count == 1 {
        one.to_owned()
    } else {
        format!("{count} {several}")
    };
    format!(
        "{subject} {what} ({names}) : rien n'a été changé. \
         Recommencez l'import pour voir la liste telle qu'elle est maintenant."
    )
}

/// Why the file could not be read, for the admin.
pub fn read_failure(err: &ReadError, locale: &str) -> String {
    if !is_french(locale) {
        let advice = match err {
            ReadError::Garbled(_) => {
                " Save it from your spreadsheet as \"CSV UTF-8\", or choose its encoding when importing."
            }
            _ => "",
        };
        return format!("The file could not be read: {err}.{advice}");
    }
    let why = match err {
        ReadError::Empty => "le fichier est vide".to_owned(),
        ReadError::NoRows => "le fichier n'a qu'une ligne d'en-têtes, aucune ligne de membres".to_owned(),
        ReadError::TooManyRows(max) => format!("le fichier a plus de {max} lignes"),
        ReadError::NotText => "ce n'est ni un fichier texte ou CSV, ni un tableur reconnu".to_owned(),
        ReadError::TooLarge(max) => format!("une fois décompressé, le tableur dépasse {max} octets"),
        ReadError::Corrupt(detail) => format!("le tableur est illisible ({detail})"),
        ReadError::Malformed(detail) => format!("le CSV est mal formé ({detail})"),
        ReadError::NoSuchSheet(name, sheets) => {
            format!(
                "le classeur n'a pas de feuille « {name} » (ses feuilles : {})",
                sheets.join(", ")
            )
        }
        ReadError::Garbled(closest) => format!(
            "le texte ne se lit correctement dans aucun encodage courant (le plus proche : {closest}). \
             Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur, ou choisissez son encodage"
        ),
        ReadError::NotInForcedEncoding(chosen) => format!(
            "il n'est pas en {chosen}, l'encodage choisi : laissez l'encodage être détecté, ou choisissez-en un autre"
        ),
    };
    format!("Le fichier n'a pas pu être lu : {why}.")
}

/// Where a file's header was read, to point a missing-columns failure at what to check:
/// the header row, the encoding (text files) or the sheet (workbooks).
pub struct HeaderSource<'a> {
    /// The header cells as read.
    pub headers: &'a [String],
    /// The header's row number, as the spreadsheet shows it.
    pub row: usize,
    /// A text file's encoding (WHATWG label); None for workbooks.
    pub encoding: Option<&'a str>,
    /// A workbook's sheets; empty for text files.
    pub sheets: &'a [SheetInfo],
}

/// The failure of a file that lacks required columns. Each entry of `missing` is one
/// requirement, met by any of its fields; the columns are named by their template header
/// in the admin's language ("Prénom"), never by internal names.
pub fn missing_columns(missing: &[&[Field]], source: &HeaderSource, locale: &str) -> String {
    let french = is_french(locale);
    let names: Vec<String> = missing
        .iter()
        .map(|either| {
            let headers: Vec<&str> = either.iter().map(|f| Heading::from(*f).header(french)).collect();
            headers.join(if french { " ou " } else { " or " })
        })
        .collect();
    let what = if french {
        format!("Colonnes obligatoires absentes : {}.", names.join(", "))
    } else {
        format!("Required columns are missing: {}.", names.join(", "))
    };
    format!("{what} {}", where_read(source, french))
}

/// The failure of a file in which no header is recognised, in any of the top rows.
pub fn no_column_recognised(source: &HeaderSource, locale: &str) -> String {
    let french = is_french(locale);
    let what = if french {
        "Aucune colonne n'a été reconnue (identifiant, e-mail, prénom, nom…) dans les 20 premières lignes."
    } else {
        "No column was recognised (login, email, first name, last name…) in the top 20 rows."
    };
    let template = if french {
        "Le modèle à télécharger montre les en-têtes attendus."
    } else {
        "The downloadable template shows the expected headers."
    };
    format!("{what} {} {template}", where_read(source, french))
}

/// What was read as the header, and which of header row, encoding or sheet to check.
fn where_read(source: &HeaderSource, french: bool) -> String {
    let mut out = headers_read(source, french);
    if let Some(encoding) = source.encoding {
        let garbled = source.headers.iter().any(|h| super::encoding::looks_garbled(h));
        out.push(' ');
        out.push_str(&encoding_advice(encoding, garbled, french));
    } else if let Some(read) = source.sheets.iter().find(|s| s.read) {
        out.push(' ');
        out.push_str(&sheet_advice(source, &read.name, french));
    }
    out
}

/// The first header cells as read, quoted, and the row they were read on.
fn headers_read(source: &HeaderSource, french: bool) -> String {
    const SHOWN: usize = 8;
    let quoted: Vec<String> = source
        .headers
        .iter()
        .filter(|h| !h.trim().is_empty())
        .take(SHOWN)
        .map(|h| {
            let short: String = h.chars().take(40).collect();
            if french {
                format!("« {short} »")
            } else {
                format!("\"{short}\"")
            }
        })
        .collect();
    let more = if source.headers.len() > SHOWN { "…" } else { "" };
    let row = source.row;
    if french {
        format!("En-têtes lus à la ligne {row} : {}{more}.", quoted.join(", "))
    } else {
        format!("Headers read on row {row}: {}{more}.", quoted.join(", "))
    }
}

/// For a text file read as `encoding`: the encoding to choose when its letters look
/// `garbled`, else the header row and the encoding to check.
fn encoding_advice(encoding: &str, garbled: bool, french: bool) -> String {
    match (french, garbled) {
        (true, true) => format!(
            "Des lettres sont abîmées : le fichier n'est sans doute pas en {encoding}. Choisissez son encodage \
             à l'import, ou enregistrez-le en « CSV UTF-8 »."
        ),
        (true, false) => format!(
            "Vérifiez que c'est bien la ligne d'en-têtes, et l'encodage (lu en {encoding}) si des lettres \
             accentuées y sont abîmées."
        ),
        (false, true) => format!(
            "Some letters are garbled: the file is probably not in {encoding}. Choose its encoding when \
             importing, or save it as \"CSV UTF-8\"."
        ),
        (false, false) => format!(
            "Check that this is the header row, and the encoding (read as {encoding}) if accented letters \
             look wrong there."
        ),
    }
}

/// For a workbook whose sheet `name` was read: the sheet and the header row to check,
/// with the workbook's sheets when there are several.
fn sheet_advice(source: &HeaderSource, name: &str, french: bool) -> String {
    let row = source.row;
    if source.sheets.len() > 1 {
        let list: Vec<String> = source
            .sheets
            .iter()
            .map(|s| match (s.hidden, french) {
                (true, true) => format!("{} (masquée)", s.name),
                (true, false) => format!("{} (hidden)", s.name),
                (false, _) => s.name.clone(),
            })
            .collect();
        if french {
            format!(
                "Feuille lue : « {name} ». Vérifiez que c'est la bonne feuille (celles du classeur : {}) — \
                 choisissez-la à l'import sinon — et que la ligne {row} est celle des en-têtes.",
                list.join(", ")
            )
        } else {
            format!(
                "Sheet read: \"{name}\". Check that it is the right sheet (the workbook's: {}) — choose it \
                 when importing otherwise — and that row {row} holds the headers.",
                list.join(", ")
            )
        }
    } else if french {
        format!("Feuille lue : « {name} » (la seule). Vérifiez que la ligne {row} est celle des en-têtes.")
    } else {
        format!("Sheet read: \"{name}\" (the only one). Check that row {row} holds the headers.")
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
    fn a_failed_apply_is_kept_in_the_admins_language() {
        use crate::error::Error;
        let one = Error::ChangedSincePreview {
            count: 1,
            shown: "bob".into(),
        };
        assert!(apply_failure(&one, "fr").starts_with("Un membre a changé depuis l'aperçu (bob) : rien"));
        assert!(apply_failure(&one, "en").starts_with("1 member(s) changed since the preview (bob)"));
        let several = Error::TakenMeanwhile {
            count: 3,
            shown: "a, b, c".into(),
        };
        assert!(apply_failure(&several, "fr-CA")
            .starts_with("3 identifiants ou adresses ont été pris entre-temps par d'autres membres (a, b, c)"));
        let other = Error::Conflict("Someone else changed it.".into());
        assert_eq!(apply_failure(&other, "fr"), "Someone else changed it.");
    }

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
