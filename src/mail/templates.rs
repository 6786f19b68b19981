//! Email templates: built in for `fr` and `en`, overridable per tenant in
//! `config/tenants/<slug>/templates/<locale>/<name>.{subject,txt,html}`.
//! HTML parts are auto-escaped, so a personal message cannot inject markup.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, Value};

use crate::config::Tenant;
use crate::error::{Error, Result};

/// Every template a tenant can override.
pub const NAMES: [&str; 8] = [
    "invitation",
    "invitation_reminder",
    "activation",
    "password_reset",
    "email_change_confirm",
    "email_change_notice",
    "secondary_email_confirm",
    "new_invitation_request",
];

type BuiltIn = (&'static str, &'static str, &'static str, &'static str, &'static str);

/// (locale, name, subject, text, html)
#[rustfmt::skip]
static BUILT_IN: &[BuiltIn] = &[
    ("en", "invitation", include_str!("templates/en/invitation.subject"), include_str!("templates/en/invitation.txt"), include_str!("templates/en/invitation.html")),
    ("en", "invitation_reminder", include_str!("templates/en/invitation_reminder.subject"), include_str!("templates/en/invitation_reminder.txt"), include_str!("templates/en/invitation_reminder.html")),
    ("en", "activation", include_str!("templates/en/activation.subject"), include_str!("templates/en/activation.txt"), include_str!("templates/en/activation.html")),
    ("en", "password_reset", include_str!("templates/en/password_reset.subject"), include_str!("templates/en/password_reset.txt"), include_str!("templates/en/password_reset.html")),
    ("en", "email_change_confirm", include_str!("templates/en/email_change_confirm.subject"), include_str!("templates/en/email_change_confirm.txt"), include_str!("templates/en/email_change_confirm.html")),
    ("en", "email_change_notice", include_str!("templates/en/email_change_notice.subject"), include_str!("templates/en/email_change_notice.txt"), include_str!("templates/en/email_change_notice.html")),
    ("en", "secondary_email_confirm", include_str!("templates/en/secondary_email_confirm.subject"), include_str!("templates/en/secondary_email_confirm.txt"), include_str!("templates/en/secondary_email_confirm.html")),
    ("en", "new_invitation_request", include_str!("templates/en/new_invitation_request.subject"), include_str!("templates/en/new_invitation_request.txt"), include_str!("templates/en/new_invitation_request.html")),
    ("fr", "invitation", include_str!("templates/fr/invitation.subject"), include_str!("templates/fr/invitation.txt"), include_str!("templates/fr/invitation.html")),
    ("fr", "invitation_reminder", include_str!("templates/fr/invitation_reminder.subject"), include_str!("templates/fr/invitation_reminder.txt"), include_str!("templates/fr/invitation_reminder.html")),
    ("fr", "activation", include_str!("templates/fr/activation.subject"), include_str!("templates/fr/activation.txt"), include_str!("templates/fr/activation.html")),
    ("fr", "password_reset", include_str!("templates/fr/password_reset.subject"), include_str!("templates/fr/password_reset.txt"), include_str!("templates/fr/password_reset.html")),
    ("fr", "email_change_confirm", include_str!("templates/fr/email_change_confirm.subject"), include_str!("templates/fr/email_change_confirm.txt"), include_str!("templates/fr/email_change_confirm.html")),
    ("fr", "email_change_notice", include_str!("templates/fr/email_change_notice.subject"), include_str!("templates/fr/email_change_notice.txt"), include_str!("templates/fr/email_change_notice.html")),
    ("fr", "secondary_email_confirm", include_str!("templates/fr/secondary_email_confirm.subject"), include_str!("templates/fr/secondary_email_confirm.txt"), include_str!("templates/fr/secondary_email_confirm.html")),
    ("fr", "new_invitation_request", include_str!("templates/fr/new_invitation_request.subject"), include_str!("templates/fr/new_invitation_request.txt"), include_str!("templates/fr/new_invitation_request.html")),
];

/// How each built-in language writes a moment, ending with the zone's abbreviation
/// (CET in winter, CEST in summer; UTC; a numeric offset for zones that have none).
static DATE_FORMATS: &[(&str, &str)] = &[("en", "%-d %B %Y at %-I:%M %p %Z"), ("fr", "%d/%m/%Y à %H:%M %Z")];

/// For a language without a format of its own (a tenant's `nl-BE` templates): one that
/// no reader can misread.
const NEUTRAL_DATE_FORMAT: &str = "%Y-%m-%d %H:%M %Z";

/// `at` in `zone` as `locale` writes it ("30/11/2026 à 18:30 CET", "30 November 2026 at
/// 6:30 PM CET"). Pass the locale the email is written in ([`locale_for`]).
pub fn format_date(at: DateTime<Utc>, zone: Tz, locale: &str) -> String {
    let language = locale.split('-').next().unwrap_or(locale);
    let format = [locale, language]
        .into_iter()
        .find_map(|l| DATE_FORMATS.iter().find(|(known, _)| *known == l))
        .map_or(NEUTRAL_DATE_FORMAT, |(_, format)| format);
    at.with_timezone(&zone).format(format).to_string()
}

/// Subject and both parts of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

fn built_in(locale: &str, name: &str) -> Option<&'static BuiltIn> {
    BUILT_IN.iter().find(|(l, n, ..)| *l == locale && *n == name)
}

fn override_part(tenant: &Tenant, locale: &str, name: &str, part: &str) -> Option<String> {
    let dir = tenant.templates_dir.as_ref()?;
    std::fs::read_to_string(dir.join(locale).join(format!("{name}.{part}"))).ok()
}

/// The locale template `name` is written in for a reader of `asked`: the asked one, its
/// language, the tenant's default, English (the first that has the template).
pub fn locale_for(tenant: &Tenant, asked: &str, name: &str) -> String {
    let language = asked.split('-').next().unwrap_or(asked);
    [asked, language, tenant.default_locale.as_str(), "en"]
        .into_iter()
        .find(|l| built_in(l, name).is_some() || override_part(tenant, l, name, "txt").is_some())
        .unwrap_or("en")
        .to_owned()
}

/// Renders template `name` for `tenant` in `locale` (with fallbacks) with `context`.
pub fn render(tenant: &Tenant, locale: &str, name: &str, context: Value) -> Result<Rendered> {
    if !NAMES.contains(&name) {
        return Err(Error::Internal(format!("unknown email template {name}")));
    }
    let locale = locale_for(tenant, locale, name);
    let builtin = built_in(&locale, name);
    let source = |part: &str, fallback: Option<&'static str>| {
        override_part(tenant, &locale, name, part).or(fallback.map(str::to_owned))
    };
    let env = Environment::new();
    let render_part = |part: &str, source: Option<String>| -> Result<Option<String>> {
        let Some(source) = source else { return Ok(None) };
        let file = format!("{locale}/{name}.{part}");
        let rendered = env
            .template_from_named_str(&file, &source)
            .and_then(|t| t.render(&context))
            .map_err(|e| Error::Internal(format!("email template {file} of {}: {e}", tenant.slug)))?;
        Ok(Some(rendered))
    };
    let subject = render_part("subject", source("subject", builtin.map(|b| b.2)))?.unwrap_or_default();
    let text = render_part("txt", source("txt", builtin.map(|b| b.3)))?.unwrap_or_default();
    let html = render_part("html", source("html", builtin.map(|b| b.4)))?;
    Ok(Rendered {
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load_tenant, EnvOverrides};

    fn tenant(dir: &std::path::Path) -> Tenant {
        std::fs::create_dir_all(dir.join("tenants")).unwrap();
        let path = dir.join("tenants/coop.toml");
        std::fs::write(
            &path,
            "name = \"Coop <Bio>\"\ndefault_locale = \"fr\"\nlocales = [\"fr\", \"en\", \"nl-BE\"]\n",
        )
        .unwrap();
        load_tenant(&path, EnvOverrides::None).unwrap()
    }

    fn context() -> Value {
        Value::from_serialize(serde_json::json!({
            "tenant_name": "Coop <Bio>",
            "recipient_name": "Zoé",
            "inviter_name": "Marc",
            "message": "Bienvenue <script>alert(1)</script>",
            "link": "https://x.example/t/coop/invitations/accept?token=abc",
            "expires_at": "24/12/2026",
        }))
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let tenant = tenant(dir.path());
        for locale in ["fr", "en"] {
            for name in NAMES {
                let mail = render(&tenant, locale, name, context()).unwrap();
                assert!(!mail.subject.is_empty() && !mail.text.is_empty(), "{locale}/{name}");
                assert!(mail.html.is_some(), "{locale}/{name}");
            }
        }
        let fr = render(&tenant, "fr", "invitation", context()).unwrap();
        assert!(fr.subject.contains("rejoindre Coop <Bio>"), "{}", fr.subject);
        assert!(
            fr.text.contains("Marc vous invite") && fr.text.contains("token=abc") && fr.text.contains("24/12/2026")
        );
        let html = fr.html.unwrap();
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "message escaped: {html}"
        );
        assert!(html.contains("Coop &lt;Bio&gt;"));
        // nl-BE has no built-in: the tenant's default locale is used.
        let nl = render(&tenant, "nl-BE", "invitation", context()).unwrap();
        assert_eq!(nl.subject, fr.subject);
    }

    #[test]
    fn dates_are_written_in_the_zone_with_its_daylight_saving_time() {
        let winter = DateTime::parse_from_rfc3339("2026-11-30T17:30:00Z").unwrap().to_utc();
        let summer = DateTime::parse_from_rfc3339("2026-07-14T16:30:00Z").unwrap().to_utc();
        let paris = Tz::Europe__Paris;
        assert_eq!(format_date(winter, paris, "fr"), "30/11/2026 à 18:30 CET");
        assert_eq!(format_date(summer, paris, "fr"), "14/07/2026 à 18:30 CEST");
        assert_eq!(format_date(winter, paris, "en"), "30 November 2026 at 6:30 PM CET");
        assert_eq!(format_date(summer, paris, "en-GB"), "14 July 2026 at 6:30 PM CEST");
        assert_eq!(format_date(winter, Tz::UTC, "fr-BE"), "30/11/2026 à 17:30 UTC");
        assert_eq!(
            format_date(winter, Tz::America__New_York, "en"),
            "30 November 2026 at 12:30 PM EST"
        );
        assert_eq!(format_date(summer, paris, "nl-BE"), "2026-07-14 18:30 CEST");
        // Clocks go forward at 01:00 UTC on the last Sunday of March.
        let before = DateTime::parse_from_rfc3339("2026-03-29T00:59:00Z").unwrap().to_utc();
        let after = DateTime::parse_from_rfc3339("2026-03-29T01:00:00Z").unwrap().to_utc();
        assert_eq!(format_date(before, paris, "fr"), "29/03/2026 à 01:59 CET");
        assert_eq!(format_date(after, paris, "fr"), "29/03/2026 à 03:00 CEST");
    }

    #[test]
    fn the_writing_locale_falls_back_like_the_templates() {
        let dir = tempfile::tempdir().unwrap();
        let tenant = tenant(dir.path());
        assert_eq!(locale_for(&tenant, "en-GB", "invitation"), "en");
        assert_eq!(locale_for(&tenant, "nl-BE", "invitation"), "fr", "the tenant's default");
    }

    #[test]
    fn a_tenant_overrides_a_template() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = dir.path().join("tenants/coop/templates/en");
        std::fs::create_dir_all(&overrides).unwrap();
        std::fs::write(overrides.join("invitation.subject"), "Join us at {{ tenant_name }}!").unwrap();
        std::fs::write(overrides.join("invitation.txt"), "Come: {{ link }}").unwrap();
        let tenant = tenant(dir.path());
        let mail = render(&tenant, "en", "invitation", context()).unwrap();
        assert_eq!(mail.subject, "Join us at Coop <Bio>!");
        assert_eq!(mail.text, "Come: https://x.example/t/coop/invitations/accept?token=abc");
        assert!(
            mail.html.unwrap().contains("Accept the invitation"),
            "parts not overridden stay built in"
        );
    }
}
