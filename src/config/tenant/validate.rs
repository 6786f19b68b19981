//! The rules of a tenant file, checked all at once so that one round of editing
//! fixes every problem: each finding names its dotted key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use argon2::password_hash::PasswordHash;
use indexmap::IndexMap;
use lettre::message::Mailbox;
use lettre::Address;

use super::raw::{
    AccountsFile, ApiFile, BootstrapFile, ImportFile, InvitationsFile, PrivacyFile, RoleFile, TenantFile,
};
use super::{
    admin_role_of, web_origin, Accounts, Api, Bootstrap, DefaultPassword, ImportSettings, InvitationSettings, Privacy,
    RateLimits, Tenant, IMPORT_FIELDS,
};
use crate::config::duration::format_duration;
use crate::config::role::{builtin_roles, grants_of, valid_role_key, Role};
use crate::config::ConfigError;
use crate::values::email::Email;
use crate::values::{locale, password};

const PLACEHOLDERS: [&str; 4] = ["{first}", "{last}", "{first_initial}", "{last_initial}"];

/// The findings so far.
struct Problems<'a> {
    file: &'a Path,
    list: Vec<ConfigError>,
}

impl Problems<'_> {
    fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.list.push(ConfigError::new(self.file, key, message));
    }
}

/// The default password as written: kept as a hash, or to be hashed once the file is valid.
enum PasswordInput {
    Phc(String),
    Plain(String),
}

/// Turns the file as written into a [`Tenant`], or every problem found in it.
/// Long on purpose: one check after another over the file, each a few lines, collecting
/// every problem; split up, the order of the answer would be spread over several places.
pub(super) fn validate(
    file: &Path,
    slug: &str,
    raw: TenantFile,
    templates_dir: Option<PathBuf>,
) -> Result<Tenant, Vec<ConfigError>> {
    let mut problems = Problems { file, list: Vec::new() };
    let p = &mut problems;
    let name = raw.name.trim().to_owned();
    if name.is_empty() {
        p.add("name", "must not be empty");
    }
    let locales = check_locales(p, &raw.default_locale, raw.locales);
    if raw
        .public_url
        .as_ref()
        .is_some_and(|u| !matches!(u.scheme(), "http" | "https"))
    {
        p.add("public_url", "must be an http or https URL");
    }
    let mail_from = raw
        .mail_from
        .as_deref()
        .and_then(|text| check_mail_from(p, text, &name));
    let contact_email = raw
        .contact_email
        .as_deref()
        .and_then(|text| check_contact_email(p, text));
    let api = check_api(p, &raw.api);
    let privacy = check_privacy(p, &raw.privacy);
    let default_password = check_accounts(p, &raw.accounts);
    let reminders = check_invitations(p, &raw.invitations);
    let roles = check_roles(p, raw.roles, &locales);
    let protected_roles = check_import(p, &raw.import, &roles);
    let admin_email = check_bootstrap(p, raw.bootstrap, &roles);
    if !problems.list.is_empty() {
        return Err(problems.list);
    }

    // Hashing is the one slow step (tens of ms): only for a file that is otherwise valid.
    let default_password = default_password.map(|input| DefaultPassword {
        phc: match input {
            PasswordInput::Phc(phc) => phc,
            PasswordInput::Plain(text) => password::hash_blocking(&text),
        },
    });
    let AccountsFile {
        password_min_length,
        require_email,
        login_pattern,
        session_idle,
        session_absolute,
        ..
    } = raw.accounts;
    Ok(Tenant {
        slug: slug.to_owned(),
        file: file.to_owned(),
        name,
        default_locale: raw.default_locale,
        locales,
        registration: raw.registration,
        public_url: raw.public_url,
        time_zone: raw.time_zone,
        mail_from,
        contact_email,
        api,
        privacy,
        accounts: Accounts {
            default_password,
            password_min_length,
            require_email,
            login_pattern,
            session_idle,
            session_absolute,
        },
        invitations: InvitationSettings {
            lifetime: raw.invitations.lifetime,
            reminders,
        },
        rate_limits: RateLimits {
            login_per_account: raw.rate_limits.login_per_account,
            login_per_ip: raw.rate_limits.login_per_ip,
            password_reset_per_account: raw.rate_limits.password_reset_per_account,
            register_per_ip: raw.rate_limits.register_per_ip,
        },
        roles,
        import: ImportSettings {
            max_deactivate_percent: raw.import.max_deactivate_percent,
            protected_roles,
            undo_window: raw.import.undo_window,
            aliases: raw.import.aliases,
        },
        bootstrap: Bootstrap { admin_email },
        templates_dir,
    })
}

fn check_locales(p: &mut Problems, default_locale: &str, locales: Option<Vec<String>>) -> Vec<String> {
    if !locale::is_valid(default_locale) {
        p.add(
            "default_locale",
            format!("\"{default_locale}\" is not a locale such as \"fr\", \"en\" or \"nl-BE\""),
        );
    }
    let Some(written) = locales else {
        return vec![default_locale.to_owned()];
    };
    let mut locales = Vec::with_capacity(written.len());
    for locale in written {
        if !locale::is_valid(&locale) {
            p.add(
                "locales",
                format!("\"{locale}\" is not a locale such as \"fr\", \"en\" or \"nl-BE\""),
            );
        }
        if !locales.contains(&locale) {
            locales.push(locale);
        }
    }
    if !locales.iter().any(|l| l == default_locale) {
        p.add("locales", format!("must contain default_locale \"{default_locale}\""));
    }
    locales
}

/// `mail_from`: a mailbox or a bare address, which then goes under the tenant's name.
fn check_mail_from(p: &mut Problems, text: &str, tenant_name: &str) -> Option<Mailbox> {
    let Ok(mailbox) = text.trim().parse::<Mailbox>() else {
        p.add(
            "mail_from",
            format!(
                "\"{text}\" is not a sender such as \"Amis de Supercoop <membres@amis.example.org>\" \
                 or \"membres@amis.example.org\" (a name with a comma in it goes in double quotes)"
            ),
        );
        return None;
    };
    if let Err(message) = deliverable_everywhere(&mailbox.email) {
        p.add("mail_from", format!("\"{text}\": {message}"));
        return None;
    }
    let name = mailbox.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let name = name.unwrap_or(tenant_name).to_owned();
    Some(Mailbox::new(Some(name), mailbox.email))
}

/// `contact_email`: a bare address, by the rules of members' addresses.
fn check_contact_email(p: &mut Problems, text: &str) -> Option<Address> {
    let parsed = Email::parse(text)
        .map_err(|problem| problem.message())
        .and_then(|address| {
            address
                .as_str()
                .parse::<Address>()
                .map_err(|_| "this is not a valid address")
        });
    match parsed.and_then(|address| deliverable_everywhere(&address).map(|()| address)) {
        Ok(address) => Some(address),
        Err(message) => {
            p.add("contact_email", format!("\"{text}\": {message}"));
            None
        }
    }
}

/// An address of the tenant's own goes into every email (the sender's is the SMTP envelope's
/// too): before the @ it must be ASCII, which every mail server carries; a non-ASCII
/// domain is fine (it is sent in its ASCII form).
fn deliverable_everywhere(address: &Address) -> Result<(), &'static str> {
    if address.user().is_ascii() {
        Ok(())
    } else {
        Err("the part before the @ must be plain ASCII: mail servers without SMTPUTF8 refuse other characters there")
    }
}

/// `[privacy]`: each delay at least a day (a shorter one is a typo that erases people).
fn check_privacy(p: &mut Problems, privacy: &PrivacyFile) -> Privacy {
    for (key, delay) in [
        ("privacy.erase_deactivated_after", privacy.erase_deactivated_after),
        ("privacy.audit_retention", privacy.audit_retention),
        ("privacy.import_history_retention", privacy.import_history_retention),
    ] {
        if delay.is_some_and(|d| d < Duration::from_secs(86_400)) {
            p.add(key, "must be at least 1d (or left out: kept forever)");
        }
    }
    Privacy {
        self_erasure: privacy.self_erasure,
        erase_deactivated_after: privacy.erase_deactivated_after,
        audit_retention: privacy.audit_retention,
        import_history_retention: privacy.import_history_retention,
    }
}

/// `[api] allowed_origins`: web origins, never a wildcard.
fn check_api(p: &mut Problems, api: &ApiFile) -> Api {
    let mut allowed_origins = Vec::new();
    for (i, text) in api.allowed_origins.iter().enumerate() {
        let key = format!("api.allowed_origins[{i}]");
        if text.contains('*') {
            p.add(
                key,
                "\"*\" is refused: any website could then call the API with the session of a member who \
                 visits it; list the origins of your apps, such as \"https://app.example.org\"",
            );
            continue;
        }
        match web_origin(text) {
            Some(origin) if !allowed_origins.contains(&origin) => allowed_origins.push(origin),
            Some(_) => {}
            None => p.add(
                key,
                format!(
                    "\"{text}\" is not an origin: write the scheme, host and port only, as a browser \
                     shows them, such as \"https://app.example.org\" or \"http://localhost:5173\""
                ),
            ),
        }
    }
    Api { allowed_origins }
}

fn check_accounts(p: &mut Problems, accounts: &AccountsFile) -> Option<PasswordInput> {
    let min = accounts.password_min_length;
    if !(6..=128).contains(&min) {
        p.add(
            "accounts.password_min_length",
            format!("must be between 6 and 128 (found {min})"),
        );
    }
    if let Err(message) = check_login_pattern(&accounts.login_pattern) {
        p.add("accounts.login_pattern", message);
    }
    if accounts.session_idle > accounts.session_absolute {
        p.add(
            "accounts.session_idle",
            format!(
                "{} is longer than session_absolute ({})",
                format_duration(accounts.session_idle),
                format_duration(accounts.session_absolute)
            ),
        );
    }
    let text = accounts.default_password.as_ref()?;
    let key = "accounts.default_password";
    if text.starts_with("$argon2") {
        if password::is_phc(text) {
            return Some(PasswordInput::Phc(text.clone()));
        }
        p.add(key, "starts like an argon2 hash but is not a valid PHC string");
    } else if looks_like_another_hash(text) {
        p.add(
            key,
            "looks like a password hash: only argon2 PHC strings ($argon2id$…) are supported",
        );
    } else if (text.chars().count() as u64) < u64::from(min) {
        p.add(key, format!("is shorter than password_min_length ({min} characters)"));
    } else {
        return Some(PasswordInput::Plain(text.clone()));
    }
    None
}

/// A bcrypt, scrypt or PBKDF2 hash pasted here would otherwise become a literal password.
fn looks_like_another_hash(text: &str) -> bool {
    ["$2a$", "$2b$", "$2x$", "$2y$"].iter().any(|p| text.starts_with(p))
        || (text.starts_with('$') && PasswordHash::new(text).is_ok())
}

/// Only the four placeholders, in balanced braces, and at least one of them.
fn check_login_pattern(pattern: &str) -> Result<(), String> {
    let mut rest = pattern;
    let mut found = false;
    while let Some(start) = rest.find(['{', '}']) {
        if rest[start..].starts_with('}') {
            return Err("has a \"}\" without its \"{\"".into());
        }
        let end = start + rest[start..].find('}').ok_or("has a \"{\" without its \"}\"")?;
        let placeholder = &rest[start..=end];
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(format!(
                "unknown placeholder {placeholder} (expected {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        found = true;
        rest = &rest[end + 1..];
    }
    if found {
        Ok(())
    } else {
        Err(format!("must use at least one of {}", PLACEHOLDERS.join(", ")))
    }
}

fn check_invitations(p: &mut Problems, invitations: &InvitationsFile) -> Vec<Duration> {
    let mut reminders = invitations.reminders.clone();
    reminders.sort();
    for pair in reminders.windows(2).filter(|pair| pair[0] == pair[1]) {
        p.add(
            "invitations.reminders",
            format!("lists {} twice", format_duration(pair[0])),
        );
    }
    reminders.dedup();
    for reminder in reminders.iter().filter(|r| **r >= invitations.lifetime) {
        p.add(
            "invitations.reminders",
            format!(
                "{} does not come before the invitation expires (lifetime {})",
                format_duration(*reminder),
                format_duration(invitations.lifetime)
            ),
        );
    }
    reminders
}

fn check_roles(
    p: &mut Problems,
    roles: Option<IndexMap<String, RoleFile>>,
    locales: &[String],
) -> IndexMap<String, Role> {
    let Some(roles) = roles else {
        return builtin_roles();
    };
    if roles.is_empty() {
        p.add(
            "roles",
            "declares no role (leave [roles] out to get the built-in admin and member)",
        );
    }
    let speaks = |locale: &str| {
        locales
            .iter()
            .any(|l| l == locale || l.split('-').next() == Some(locale))
    };
    let mut built = IndexMap::with_capacity(roles.len());
    for (key, role) in &roles {
        if !valid_role_key(key) {
            p.add(
                format!("roles.{key}"),
                "a role key is lower-case letters, digits, '_' and '-', starting with a letter",
            );
        }
        let (grants, unknown) = grants_of(&role.permissions);
        for message in unknown {
            p.add(format!("roles.{key}.permissions"), message);
        }
        for other in role.assignable.iter().flatten().filter(|r| !roles.contains_key(*r)) {
            p.add(
                format!("roles.{key}.assignable"),
                format!("names an unknown role \"{other}\""),
            );
        }
        for (locale, text) in &role.label {
            if !speaks(locale) {
                let message = format!(
                    "\"{locale}\" is not one of the tenant's locales ({})",
                    locales.join(", ")
                );
                p.add(format!("roles.{key}.label.{locale}"), message);
            } else if text.trim().is_empty() {
                p.add(format!("roles.{key}.label.{locale}"), "must not be empty");
            }
        }
        let role = Role {
            key: key.clone(),
            labels: role.label.clone(),
            permissions: role.permissions.clone(),
            grants,
            assignable: role.assignable.clone(),
            default: role.default,
        };
        built.insert(key.clone(), role);
    }
    built
}

/// Checks `[import]`; returns the protected roles.
fn check_import(p: &mut Problems, import: &ImportFile, roles: &IndexMap<String, Role>) -> Vec<String> {
    if import.max_deactivate_percent > 100 {
        p.add("import.max_deactivate_percent", "must be between 0 and 100");
    }
    // Headers are matched without regard to case: one name cannot stand for two fields.
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (field, names) in &import.aliases {
        let key = format!("import.aliases.{field}");
        if !IMPORT_FIELDS.contains(&field.as_str()) {
            let expected = IMPORT_FIELDS.join(", ");
            p.add(
                &key,
                format!("\"{field}\" is not an import field (expected one of: {expected})"),
            );
        }
        for name in names {
            let folded = name.trim().to_lowercase();
            if folded.is_empty() {
                p.add(&key, "an alias must not be empty");
            } else if let Some(other) = seen.insert(folded, field).filter(|other| *other != field.as_str()) {
                p.add(&key, format!("\"{name}\" is also an alias of {other}"));
            }
        }
    }
    match &import.protected_roles {
        Some(list) => {
            for role in list.iter().filter(|r| !roles.contains_key(*r)) {
                p.add("import.protected_roles", format!("names an unknown role \"{role}\""));
            }
            list.clone()
        }
        // The documented default is ["admin"], which only applies when there is one.
        None if roles.contains_key("admin") => vec!["admin".to_owned()],
        None => Vec::new(),
    }
}

/// Checks `[bootstrap]`; returns the admin's address, normalized.
fn check_bootstrap(p: &mut Problems, bootstrap: BootstrapFile, roles: &IndexMap<String, Role>) -> Option<String> {
    let written = bootstrap.admin_email?;
    // The same rules as every member's address, so that bootstrap cannot fail on it later.
    let address = match Email::parse(&written) {
        Ok(address) => address.into(),
        Err(message) => {
            p.add("bootstrap.admin_email", format!("\"{written}\": {message}"));
            written
        }
    };
    if admin_role_of(roles).is_none() {
        p.add(
            "bootstrap.admin_email",
            "needs an admin role: one keyed \"admin\", or one with the \"*\" permission",
        );
    }
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_patterns() {
        for good in ["{first}.{last}", "{first_initial}{last}", "m-{last}", "{first}"] {
            assert_eq!(check_login_pattern(good), Ok(()), "{good}");
        }
        for (bad, says) in [
            ("{nickname}", "unknown placeholder {nickname}"),
            ("{first}.{last", "without its \"}\""),
            ("first}", "without its \"{\""),
            ("member", "at least one"),
            ("", "at least one"),
        ] {
            let message = check_login_pattern(bad).unwrap_err();
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn other_hash_formats_are_recognised() {
        assert!(looks_like_another_hash(
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
        ));
        assert!(looks_like_another_hash(
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"
        ));
        assert!(!looks_like_another_hash("tempeos-2024"));
        assert!(!looks_like_another_hash("$ecret passphrase"));
    }
}
