//! Understanding a file's columns: headers matched case-, accent- and
//! punctuation-insensitively against built-in French and English names and the tenant's
//! `[import.aliases]`; and reading the values those columns hold.

use indexmap::IndexMap;

use crate::values::comparable;

/// A member field an import column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Login,
    Email,
    SecondaryEmail,
    Phone,
    FirstName,
    LastName,
    Locale,
    Groups,
    Roles,
    Admin,
    Password,
    Status,
}

impl Field {
    /// The name used in `[import.aliases]` and `ImportJob.columns`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Login => "login",
            Field::Email => "email",
            Field::SecondaryEmail => "secondary_email",
            Field::Phone => "phone",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Locale => "locale",
            Field::Groups => "groups",
            Field::Roles => "roles",
            Field::Admin => "admin",
            Field::Password => "password",
            Field::Status => "status",
        }
    }

    fn from_name(name: &str) -> Option<Field> {
        BUILT_IN.iter().map(|(f, _)| *f).find(|f| f.as_str() == name)
    }
}

/// Header names recognised without any configuration (DESIGN.md "Imports and exports").
const BUILT_IN: &[(Field, &[&str])] = &[
    (
        Field::Login,
        &["identifiant", "login", "username", "user name", "nom d'utilisateur"],
    ),
    (
        Field::Email,
        &[
            "email",
            "e-mail",
            "mail",
            "adresse e-mail",
            "adresse email",
            "courriel",
            "email address",
            "adresse de messagerie",
            "adresse mail",
            "adresse électronique",
        ],
    ),
    (
        Field::SecondaryEmail,
        &[
            "email 2",
            "e-mail 2",
            "second email",
            "email secondaire",
            "secondary email",
        ],
    ),
    (
        Field::Phone,
        &["téléphone", "telephone", "tél", "tel", "phone", "mobile", "portable"],
    ),
    (
        Field::FirstName,
        &["prénom", "first_name", "first name", "firstname", "given name"],
    ),
    (
        Field::LastName,
        &[
            "nom",
            "last_name",
            "last name",
            "lastname",
            "surname",
            "nom de famille",
            "family name",
        ],
    ),
    (Field::Locale, &["langue", "language", "locale"]),
    (Field::Groups, &["groupes", "groupe", "groups", "group"]),
    (Field::Roles, &["rôles", "rôle", "roles", "role", "rôle(s)", "role(s)"]),
    (Field::Admin, &["admin", "administrateur", "administrator"]),
    (Field::Password, &["mot de passe", "password"]),
    (Field::Status, &["état", "etat", "status", "state", "statut"]),
];

/// The field of each header (None: ignored). The tenant's aliases come first; a field
/// claimed by an earlier column is not claimed again.
pub fn match_headers(headers: &[String], aliases: &IndexMap<String, Vec<String>>) -> Vec<Option<Field>> {
    let mut known: Vec<(String, Field)> = Vec::new();
    for (name, names) in aliases {
        if let Some(field) = Field::from_name(name) {
            known.extend(names.iter().map(|n| (comparable(n), field)));
        }
    }
    for (field, names) in BUILT_IN {
        known.extend(names.iter().map(|n| (comparable(n), *field)));
    }
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|header| {
            let key = comparable(header);
            let field = known
                .iter()
                .find(|(k, _)| !key.is_empty() && *k == key)
                .map(|(_, f)| *f)?;
            if taken.contains(&field) {
                return None;
            }
            taken.push(field);
            Some(field)
        })
        .collect()
}

/// TRUE/FALSE, VRAI/FAUX, oui/non, yes/no, 1/0 (any case); None for anything else.
pub fn parse_bool(value: &str) -> Option<bool> {
    match comparable(value).as_str() {
        "true" | "vrai" | "oui" | "yes" | "1" | "x" => Some(true),
        "false" | "faux" | "non" | "no" | "0" | "" => Some(false),
        _ => None,
    }
}

/// activé/désactivé, active/inactive, enabled/disabled: Some(true) for active.
pub fn parse_status(value: &str) -> Option<bool> {
    match comparable(value).as_str() {
        "active" | "activee" | "actif" | "enabled" => Some(true),
        "inactive" | "inactif" | "desactive" | "desactivee" | "disabled" | "deactivated" => Some(false),
        _ => None,
    }
}

/// A list cell: items separated by `,` or `;`, trimmed, empty ones dropped.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fixture_headers_are_recognised() {
        let none = IndexMap::new();
        let cagette = match_headers(&strings(&["Prénom", "Nom", "Email", "Email 2", "Téléphone"]), &none);
        assert_eq!(
            cagette,
            [
                Some(Field::FirstName),
                Some(Field::LastName),
                Some(Field::Email),
                Some(Field::SecondaryEmail),
                Some(Field::Phone)
            ]
        );
        let club = match_headers(
            &strings(&["Identifiant", "Nom", "Prénom", "Adresse e-mail", "Mot de passe", "Etat"]),
            &none,
        );
        assert_eq!(
            club,
            [
                Some(Field::Login),
                Some(Field::LastName),
                Some(Field::FirstName),
                Some(Field::Email),
                Some(Field::Password),
                Some(Field::Status)
            ]
        );
        let odd = match_headers(
            &strings(&["E-MAIL", "Rôle(s)", "TÉL.", "Shoe size", "", "email"]),
            &none,
        );
        assert_eq!(
            odd,
            [
                Some(Field::Email),
                Some(Field::Roles),
                Some(Field::Phone),
                None,
                None,
                None
            ],
            "the second email column is ignored"
        );
    }

    #[test]
    fn tenant_aliases_add_names() {
        let aliases = IndexMap::from([("login".to_owned(), vec!["Code adhérent".to_owned()])]);
        assert_eq!(
            match_headers(&strings(&["CODE ADHERENT"]), &aliases),
            [Some(Field::Login)]
        );
    }

    #[test]
    fn values_are_read_as_people_write_them() {
        for yes in ["TRUE", "vrai", "Oui", "yes", "1"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["FALSE", "Faux", "non", "No", "0", ""] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        assert_eq!(parse_bool("peut-être"), None);
        for active in ["Activé", "active", "Enabled", "ACTIF"] {
            assert_eq!(parse_status(active), Some(true), "{active}");
        }
        for inactive in ["Désactivé", "inactive", "disabled", "Inactif"] {
            assert_eq!(parse_status(inactive), Some(false), "{inactive}");
        }
        assert_eq!(parse_status("on holiday"), None);
        assert_eq!(split_list(" Légumes, Fruits ;; Pain "), ["Légumes", "Fruits", "Pain"]);
    }
}
