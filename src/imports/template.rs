//! Import templates: an empty sheet with a mode's columns in the admin's language,
//! required headers bold, optional ones italic, a note on each saying what it takes.

use sea_orm::ActiveEnum;

use super::columns::Field;
use super::file::Format;
use super::Mode;
use crate::app::App;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::downloads::{self, File, Link, Target, CSV, XLSX};
use crate::error::{Error, Result};
use crate::exports::write::{self, Column};

/// A column of a template or an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heading {
    Login,
    Email,
    FirstName,
    LastName,
    SecondaryEmail,
    Phone,
    Locale,
    Groups,
    Roles,
    Admin,
    Password,
    Status,
}

impl From<Field> for Heading {
    fn from(field: Field) -> Heading {
        match field {
            Field::Login => Heading::Login,
            Field::Email => Heading::Email,
            Field::FirstName => Heading::FirstName,
            Field::LastName => Heading::LastName,
            Field::SecondaryEmail => Heading::SecondaryEmail,
            Field::Phone => Heading::Phone,
            Field::Locale => Heading::Locale,
            Field::Groups => Heading::Groups,
            Field::Roles => Heading::Roles,
            Field::Admin => Heading::Admin,
            Field::Password => Heading::Password,
            Field::Status => Heading::Status,
        }
    }
}

impl Heading {
    /// The header, recognised again on import.
    pub fn header(self, french: bool) -> &'static str {
        match (self, french) {
            (Heading::Login, true) => "Identifiant",
            (Heading::Login, false) => "Login",
            (Heading::Email, _) => "Email",
            (Heading::FirstName, true) => "Prénom",
            (Heading::FirstName, false) => "First name",
            (Heading::LastName, true) => "Nom",
            (Heading::LastName, false) => "Last name",
            (Heading::SecondaryEmail, true) => "Email secondaire",
            (Heading::SecondaryEmail, false) => "Secondary email",
            (Heading::Phone, true) => "Téléphone",
            (Heading::Phone, false) => "Phone",
            (Heading::Locale, true) => "Langue",
            (Heading::Locale, false) => "Language",
            (Heading::Groups, true) => "Groupes",
            (Heading::Groups, false) => "Groups",
            (Heading::Roles, true) => "Rôles",
            (Heading::Roles, false) => "Roles",
            (Heading::Admin, _) => "Admin",
            (Heading::Password, true) => "Mot de passe",
            (Heading::Password, false) => "Password",
            (Heading::Status, true) => "État",
            (Heading::Status, false) => "Status",
        }
    }

    fn note(self, french: bool, tenant: &Tenant) -> String {
        let locales = tenant.locales.join(", ");
        let roles = tenant.roles.keys().cloned().collect::<Vec<_>>().join(", ");
        let min = tenant.accounts.password_min_length;
        match (self, french) {
            (Heading::Login, true) => "Lettres minuscules, chiffres, . - _ ; vide : créé à partir du prénom et du nom. Sert à retrouver le membre.".into(),
            (Heading::Login, false) => "Lower-case letters, digits, . - _; empty: made from the names. Used to find the member.".into(),
            (Heading::Email, true) => "Adresse e-mail, unique. Sert à retrouver le membre quand l'identifiant est vide.".into(),
            (Heading::Email, false) => "Email address, unique. Finds the member when the login is empty.".into(),
            (Heading::FirstName, true) => "Prénom (100 caractères au plus).".into(),
            (Heading::FirstName, false) => "First name (at most 100 characters).".into(),
            (Heading::LastName, true) => "Nom de famille (100 caractères au plus).".into(),
            (Heading::LastName, false) => "Last name (at most 100 characters).".into(),
            (Heading::SecondaryEmail, true) => "Deuxième adresse e-mail, facultative.".into(),
            (Heading::SecondaryEmail, false) => "A second email address, optional.".into(),
            (Heading::Phone, true) => "Chiffres, espaces et + . - ( ) /.".into(),
            (Heading::Phone, false) => "Digits, spaces and + . - ( ) /.".into(),
            (Heading::Locale, true) => format!("Une de : {locales}."),
            (Heading::Locale, false) => format!("One of: {locales}."),
            (Heading::Groups, true) => "Noms de groupes séparés par des virgules ; les groupes absents sont créés.".into(),
            (Heading::Groups, false) => "Group names separated by commas; missing groups are created.".into(),
            (Heading::Roles, true) => format!("Rôles (clé ou libellé) séparés par des virgules : {roles}."),
            (Heading::Roles, false) => format!("Roles (key or label) separated by commas: {roles}."),
            (Heading::Admin, true) => "VRAI pour donner le rôle d'administrateur, sinon FAUX.".into(),
            (Heading::Admin, false) => "TRUE to give the admin role, else FALSE.".into(),
            (Heading::Password, true) => format!("Vide : mot de passe par défaut ou inchangé. Sinon {min} caractères au moins."),
            (Heading::Password, false) => format!("Empty: default or unchanged password. Else at least {min} characters."),
            (Heading::Status, true) => "Activé ou Désactivé.".into(),
            (Heading::Status, false) => "Active or Inactive.".into(),
        }
    }
}

/// The columns of a mode, with whether each is required.
pub fn headings(mode: Mode, tenant: &Tenant) -> Vec<(Heading, bool)> {
    let email_required = tenant.accounts.require_email;
    match mode {
        Mode::Invite => vec![
            (Heading::Email, true),
            (Heading::FirstName, false),
            (Heading::LastName, false),
            (Heading::Locale, false),
            (Heading::Groups, false),
            (Heading::Roles, false),
            (Heading::Admin, false),
        ],
        Mode::Create => vec![
            (Heading::Login, false),
            (Heading::Email, email_required),
            (Heading::FirstName, true),
            (Heading::LastName, true),
            (Heading::SecondaryEmail, false),
            (Heading::Phone, false),
            (Heading::Locale, false),
            (Heading::Groups, false),
            (Heading::Roles, false),
            (Heading::Password, false),
        ],
        Mode::Sync => vec![
            (Heading::Login, false),
            (Heading::Email, email_required),
            (Heading::FirstName, true),
            (Heading::LastName, true),
            (Heading::SecondaryEmail, false),
            (Heading::Phone, false),
            (Heading::Locale, false),
            (Heading::Groups, false),
            (Heading::Roles, false),
            (Heading::Password, false),
            (Heading::Status, false),
        ],
    }
}

/// Sheet columns (header, bold or italic, note) in a locale.
pub fn columns(headings: &[(Heading, bool)], tenant: &Tenant, locale: &str) -> Vec<Column> {
    let french = is_french(locale);
    headings
        .iter()
        .map(|(heading, required)| Column {
            header: heading.header(french).to_owned(),
            required: *required,
            note: heading.note(french, tenant),
        })
        .collect()
}

/// Whether a reader of `locale` (`fr`, `fr-BE`) gets the French words.
pub fn is_french(locale: &str) -> bool {
    locale.split('-').next() == Some("fr")
}

/// What goes between a label and its value for a reader of `locale`: French puts a
/// no-break space before the colon, English none.
pub fn colon(locale: &str) -> &'static str {
    if is_french(locale) {
        "\u{a0}: "
    } else {
        ": "
    }
}

/// The template of a mode, as XLSX or CSV.
pub fn build(tenant: &Tenant, mode: Mode, xlsx: bool, locale: &str) -> Result<File> {
    let columns = columns(&headings(mode, tenant), tenant, locale);
    let stem = format!("{}-import-{}", tenant.slug, mode.to_value().to_lowercase());
    if xlsx {
        Ok(File {
            name: format!("{stem}.xlsx"),
            content_type: XLSX.to_owned(),
            bytes: write::xlsx(&mode.to_value(), &columns, &[])?,
        })
    } else {
        let headers: Vec<String> = columns.into_iter().map(|c| c.header).collect();
        let delimiter = if is_french(locale) { b';' } else { b',' };
        Ok(File {
            name: format!("{stem}.csv"),
            content_type: CSV.to_owned(),
            bytes: write::csv(&headers, &[], delimiter)?,
        })
    }
}

/// For download links: the template named by a link's stored words.
pub fn by_name(tenant: &Tenant, mode: &str, format: &str, locale: &str) -> Option<File> {
    let mode = Mode::try_from_value(&mode.to_owned()).ok()?;
    build(tenant, mode, format == "XLSX", locale).ok()
}

/// `importTemplate`: a download link to the empty template of `mode` (imports.run).
/// `locale` must be one of the tenant's, in any case (VALIDATION on `locale` otherwise);
/// absent, the headers follow `request_locale`. Templates come as XLSX or CSV only
/// (VALIDATION on `format` for ODS and XLS).
pub async fn template_link(
    app: &App,
    caller: &Caller,
    mode: Mode,
    format: Format,
    locale: Option<&str>,
    request_locale: &str,
) -> Result<Link> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    let tenant = &caller.tenant;
    let locale = match locale {
        Some(asked) => tenant
            .locales
            .iter()
            .find(|known| known.eq_ignore_ascii_case(asked))
            .cloned()
            .ok_or_else(|| Error::invalid("locale", format!("one of {}", tenant.locales.join(", "))))?,
        None => request_locale.to_owned(),
    };
    let xlsx = match format {
        Format::Xlsx => true,
        Format::Csv => false,
        Format::Ods | Format::Xls => return Err(Error::invalid("format", "templates come as XLSX or CSV")),
    };
    // Built now to know its name; served by building it again from the link's words.
    let file = build(tenant, mode, xlsx, &locale)?;
    let target = Target::Template {
        mode: mode.to_value(),
        format: format.as_str().to_owned(),
        locale,
    };
    Ok(downloads::link(app, tenant, target, &file.name, &file.content_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::columns::{match_headers, Field};
    use indexmap::IndexMap;

    #[test]
    fn template_headers_are_recognised_on_import_in_both_languages() {
        let all = [
            Heading::Login,
            Heading::Email,
            Heading::FirstName,
            Heading::LastName,
            Heading::SecondaryEmail,
            Heading::Phone,
            Heading::Locale,
            Heading::Groups,
            Heading::Roles,
            Heading::Admin,
            Heading::Password,
            Heading::Status,
        ];
        let expected = [
            Field::Login,
            Field::Email,
            Field::FirstName,
            Field::LastName,
            Field::SecondaryEmail,
            Field::Phone,
            Field::Locale,
            Field::Groups,
            Field::Roles,
            Field::Admin,
            Field::Password,
            Field::Status,
        ];
        for french in [true, false] {
            let headers: Vec<String> = all.iter().map(|h| h.header(french).to_owned()).collect();
            let fields = match_headers(&headers, &IndexMap::new());
            let fields: Vec<Field> = fields.into_iter().map(|f| f.expect("recognised")).collect();
            assert_eq!(fields, expected, "french: {french}");
        }
    }
}
