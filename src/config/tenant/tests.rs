// figment::Jail closures return figment::Error, which is large; fine in tests.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use chrono_tz::Tz;
use lettre::message::Mailbox;

use super::*;
use crate::config::Permission;
use crate::values::password;

const MINIMAL: &str = "name = \"Acme\"\ndefault_locale = \"fr\"\n";
const DAY: u64 = 86_400;

fn load(toml: &str) -> Result<Tenant, Vec<ConfigError>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.toml");
    std::fs::write(&path, toml).unwrap();
    load_tenant(&path, EnvOverrides::None)
}

/// The problems of a file, as `key: message`; each must name the file.
fn errors(toml: &str) -> Vec<String> {
    let errors = load(toml).unwrap_err();
    assert!(errors.iter().all(|e| e.file.ends_with("acme.toml")), "{errors:?}");
    errors.iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
}

#[track_caller]
fn assert_error(toml: &str, expected_start: &str) {
    let found = errors(toml);
    assert!(
        found.iter().any(|e| e.starts_with(expected_start)),
        "`{expected_start}` expected in {found:?} for\n{toml}"
    );
}

#[test]
fn defaults_fill_a_minimal_file() {
    let t = load(MINIMAL).unwrap();
    assert_eq!((t.slug.as_str(), t.name.as_str()), ("acme", "Acme"));
    assert_eq!(t.locales, ["fr"]);
    assert_eq!(t.registration, Registration::InviteOnly);
    assert!(t.public_url.is_none() && t.templates_dir.is_none());
    let a = &t.accounts;
    assert!(a.default_password.is_none() && a.require_email);
    assert_eq!(
        (a.password_min_length, a.login_pattern.as_str()),
        (10, "{first}.{last}")
    );
    assert_eq!(a.session_idle, Duration::from_secs(12 * 3_600));
    assert_eq!(a.session_absolute, Duration::from_secs(7 * DAY));
    assert_eq!(t.invitations.lifetime, Duration::from_secs(30 * DAY));
    assert_eq!(t.invitations.reminders, [Duration::from_secs(3 * DAY)]);
    assert_eq!(t.rate_limits.login_per_account.to_string(), "10/15min");
    assert_eq!(t.rate_limits.login_per_ip.to_string(), "50/15min");
    assert_eq!(t.rate_limits.password_reset_per_account.to_string(), "3/1h");
    assert_eq!(t.rate_limits.register_per_ip.to_string(), "20/15min");
    assert_eq!(t.admin_role().unwrap().key, "admin");
    assert!(t.role("admin").unwrap().grants.contains(&Permission::AuditRead));
    assert_eq!(
        t.default_roles().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["member"]
    );
    assert_eq!(t.import.max_deactivate_percent, 20);
    assert_eq!(t.import.protected_roles, ["admin"]);
    assert_eq!(t.import.undo_window, Duration::from_secs(7 * DAY));
    assert!(t.import.aliases.is_empty() && t.bootstrap.admin_email.is_none());
}

#[test]
fn the_shipped_demo_tenant_loads_and_shows_every_option() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tenants/demo.toml");
    let demo = load_tenant(&path, EnvOverrides::None).expect("demo.toml is valid");
    assert_eq!((demo.slug.as_str(), demo.name.as_str()), ("demo", "Roster demo"));
    assert_eq!(demo.registration, Registration::Open);
    assert_eq!(demo.locales, ["fr", "en", "nl-BE"]);
    assert_eq!(
        demo.roles.keys().collect::<Vec<_>>(),
        ["admin", "coordinator", "referent", "member"]
    );
    assert_eq!(demo.role("coordinator").unwrap().label("en", "fr"), "Coordinator");
    assert_eq!(demo.admin_role().unwrap().key, "admin");
    assert_eq!(demo.bootstrap.admin_email.as_deref(), Some("admin@demo.example.org"));
    assert!(demo.import.aliases.contains_key("login"));
}

#[test]
fn every_key_of_the_design_example_is_read() {
    let t = load(
        "name = \"Amis\"\ndefault_locale = \"fr\"\nlocales = [\"fr\", \"en\", \"nl-BE\"]\nregistration = \"open\"\n\
         public_url = \"https://amis.example.org\"\n\
         [accounts]\npassword_min_length = 8\nrequire_email = false\nlogin_pattern = \"{first_initial}{last}\"\n\
         session_idle = \"1h\"\nsession_absolute = \"1d\"\n\
         [invitations]\nlifetime = \"8s\"\nreminders = [\"4s\", \"2s\"]\n\
         [rate_limits]\nlogin_per_account = \"5/min\"\nlogin_per_ip = \"20/10min\"\npassword_reset_per_account = \"1/d\"\n\
         [roles.boss]\npermissions = [\"*\"]\n[roles.member]\nlabel = { fr = \"Adhérent\" }\ndefault = true\n\
         [import]\nmax_deactivate_percent = 0\nprotected_roles = []\nundo_window = \"1d\"\n\
         [import.aliases]\nlogin = [\"Code adhérent\"]\n\
         [bootstrap]\nadmin_email = \" boss@amis.example.org \"\n",
    )
    .unwrap();
    assert_eq!(t.registration, Registration::Open);
    assert_eq!(
        t.public_url(&Url::parse("http://x").unwrap()).as_str(),
        "https://amis.example.org/"
    );
    assert!(!t.accounts.require_email);
    assert_eq!(
        t.invitations.reminders,
        [Duration::from_secs(2), Duration::from_secs(4)]
    );
    assert_eq!(t.rate_limits.login_per_account.window, Duration::from_secs(60));
    assert_eq!(t.admin_role().unwrap().key, "boss", "first role with *");
    assert!(t.import.protected_roles.is_empty());
    assert_eq!(t.bootstrap.admin_email.as_deref(), Some("boss@amis.example.org"));
}

// Long on purpose: one table of (file, expected message), one row per rule.
#[test]
fn each_rule_names_its_key() {
    let cases = [
        ("name = \"  \"\ndefault_locale = \"fr\"\n", "name: must not be empty"),
        (
            "name = \"A\"\ndefault_locale = \"French\"\n",
            "default_locale: \"French\" is not a locale",
        ),
        (
            "name = \"A\"\ndefault_locale = \"fr\"\nlocales = [\"fr\", \"en_GB\"]\n",
            "locales: \"en_GB\"",
        ),
        (
            "name = \"A\"\ndefault_locale = \"fr\"\nlocales = [\"en\"]\n",
            "locales: must contain default_locale \"fr\"",
        ),
        (
            "name = \"A\"\ndefault_locale = \"fr\"\npublic_url = \"ftp://x.org\"\n",
            "public_url: must be an http",
        ),
    ];
    for (toml, expected) in cases {
        assert_error(toml, expected);
    }
    let cases = [
        (
            "[accounts]\npassword_min_length = 5",
            "accounts.password_min_length: must be between 6 and 128",
        ),
        (
            "[accounts]\npassword_min_length = 129",
            "accounts.password_min_length: must be between 6 and 128",
        ),
        (
            "[accounts]\ndefault_password = \"short\"",
            "accounts.default_password: is shorter than",
        ),
        (
            "[accounts]\ndefault_password = \"$argon2id$garbage\"",
            "accounts.default_password: starts like an argon2",
        ),
        (
            "[accounts]\ndefault_password = \"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW\"",
            "accounts.default_password: looks like a password hash",
        ),
        (
            "[accounts]\nlogin_pattern = \"{nickname}\"",
            "accounts.login_pattern: unknown placeholder {nickname}",
        ),
        (
            "[accounts]\nlogin_pattern = \"member\"",
            "accounts.login_pattern: must use at least one",
        ),
        (
            "[accounts]\nsession_idle = \"8d\"",
            "accounts.session_idle: 8d is longer than session_absolute (7d)",
        ),
        (
            "[invitations]\nlifetime = \"2d\"\nreminders = [\"3d\"]",
            "invitations.reminders: 3d does not come before",
        ),
        (
            "[invitations]\nreminders = [\"1d\", \"24h\"]",
            "invitations.reminders: lists 1d twice",
        ),
        (
            "[roles.admin]\npermissions = [\"members.fly\"]",
            "roles.admin.permissions: unknown permission \"members.fly\"",
        ),
        ("[roles.Admin]\npermissions = [\"*\"]", "roles.Admin: a role key"),
        (
            "[roles.coordinator]\nassignable = [\"ghost\"]",
            "roles.coordinator.assignable: names an unknown role \"ghost\"",
        ),
        (
            "[roles.member]\nlabel = { de = \"Mitglied\" }",
            "roles.member.label.de: \"de\" is not one of the tenant's locales",
        ),
        (
            "[roles.member]\nlabel = { fr = \" \" }",
            "roles.member.label.fr: must not be empty",
        ),
        ("[roles]", "roles: declares no role"),
        (
            "[import]\nmax_deactivate_percent = 101",
            "import.max_deactivate_percent: must be between 0 and 100",
        ),
        (
            "[import]\nprotected_roles = [\"ghost\"]",
            "import.protected_roles: names an unknown role \"ghost\"",
        ),
        (
            "[import.aliases]\nshoe_size = [\"Pointure\"]",
            "import.aliases.shoe_size: \"shoe_size\" is not an import field",
        ),
        (
            "[import.aliases]\nlogin = [\"\"]",
            "import.aliases.login: an alias must not be empty",
        ),
        (
            "[import.aliases]\nlogin = [\"Code\"]\nemail = [\"code\"]",
            "import.aliases.email: \"code\" is also an alias of login",
        ),
        (
            "[bootstrap]\nadmin_email = \"admin at example.org\"",
            "bootstrap.admin_email: \"admin at example.org\"",
        ),
        (
            "[roles.member]\ndefault = true\n[bootstrap]\nadmin_email = \"a@b.org\"",
            "bootstrap.admin_email: needs an admin role",
        ),
    ];
    for (tail, expected) in cases {
        assert_error(&format!("{MINIMAL}{tail}\n"), expected);
    }
}

#[test]
fn sender_contact_and_time_zone_are_typed_at_load() {
    let t = load(MINIMAL).unwrap();
    assert!(t.mail_from.is_none() && t.contact_email.is_none() && t.time_zone.is_none());
    let server: Mailbox = "Roster <no-reply@roster.example>".parse().unwrap();
    assert_eq!(t.mail_from(&server).to_string(), "Acme <no-reply@roster.example>");
    assert_eq!(t.time_zone(Tz::America__Montreal), Tz::America__Montreal);
    assert!(t.contact().is_none());

    let t = load(&format!(
        "{MINIMAL}time_zone = \"Europe/Paris\"\nmail_from = \"Amis de l'Épicerie <membres@épicerie.example>\"\n\
         contact_email = \" bureau@amis.example.org \"\n"
    ))
    .unwrap();
    assert_eq!(t.time_zone(Tz::UTC), Tz::Europe__Paris);
    let from = t.mail_from(&server);
    assert_eq!(from.name.as_deref(), Some("Amis de l'Épicerie"));
    assert_eq!(from.email.to_string(), "membres@épicerie.example");
    assert_eq!(t.contact().unwrap().to_string(), "Acme <bureau@amis.example.org>");

    let bare = load(&format!("{MINIMAL}mail_from = \"membres@acme.example\"\n")).unwrap();
    assert_eq!(
        bare.mail_from(&server).to_string(),
        "Acme <membres@acme.example>",
        "a bare address goes under the tenant's name"
    );
}

#[test]
fn a_bad_sender_contact_or_time_zone_names_its_key() {
    let cases = [
        (
            "mail_from = \"Amis <membres>\"",
            "mail_from: \"Amis <membres>\" is not a sender",
        ),
        (
            "mail_from = \"Amis, Supercoop <m@amis.example.org>\"",
            "mail_from: \"Amis, Supercoop",
        ),
        (
            "mail_from = \"léna@amis.example.org\"",
            "mail_from: \"léna@amis.example.org\": the part before the @",
        ),
        (
            "contact_email = \"bureau\"",
            "contact_email: \"bureau\": an address needs an @",
        ),
        (
            "contact_email = \"Bureau <bureau@amis.example.org>\"",
            "contact_email: \"Bureau <bureau@amis.example.org>\": an address holds no",
        ),
        (
            "time_zone = \"Europe/Pariss\"",
            "time_zone: unknown time zone \"Europe/Pariss\"",
        ),
        (
            "time_zone = \"europe/paris\"",
            "time_zone: unknown time zone \"europe/paris\" (did you mean \"Europe/Paris\"?)",
        ),
        ("time_zone = 1", "time_zone: invalid type"),
    ];
    for (line, expected) in cases {
        assert_error(&format!("{MINIMAL}{line}\n"), expected);
    }
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let found = errors(&format!(
        "{MINIMAL}[accounts]\npassword_min_length = 5\nlogin_pattern = \"x\"\n[roles.admin]\npermissions = [\"nope\", \"nah\"]\n[import]\nmax_deactivate_percent = 200\n"
    ));
    assert_eq!(found.len(), 5, "{found:?}");
}

#[test]
fn unknown_keys_wrong_types_and_bad_toml_name_the_key() {
    assert_error(
        &format!("{MINIMAL}registraton = \"open\"\n"),
        "registraton: unknown key (expected one of: name,",
    );
    assert_error(
        &format!("{MINIMAL}[accounts]\npasword_min_length = 12\n"),
        "accounts.pasword_min_length: unknown key",
    );
    assert_error(
        &format!("{MINIMAL}[roles.admin]\npermision = []\n"),
        "roles.admin.permision: unknown key",
    );
    assert_error(
        &format!("{MINIMAL}[accounts]\npassword_min_length = \"abc\"\n"),
        "accounts.password_min_length: invalid type: found string \"abc\", expected u32",
    );
    assert_error(
        &format!("{MINIMAL}[accounts]\nsession_idle = \"forever\"\n"),
        "accounts.session_idle: \"forever\": expected a duration",
    );
    assert_error(
        &format!("{MINIMAL}[invitations]\nreminders = [\"1d\", 3]\n"),
        "invitations.reminders.1: invalid type",
    );
    assert_error(
        &format!("{MINIMAL}[rate_limits]\nlogin_per_ip = \"lots\"\n"),
        "rate_limits.login_per_ip: \"lots\": expected a rate limit",
    );
    assert_error(
        &format!("{MINIMAL}registration = \"sometimes\"\n"),
        "registration: unknown value \"sometimes\" (expected one of: \"invite_only\", \"open\")",
    );
    assert_error("default_locale = \"fr\"\n", "name: is required");
    assert_error(
        "name = \"Acme\n",
        "(file): TOML parse error at line 1, column 13: invalid basic string",
    );
}

#[test]
fn a_plain_default_password_is_hashed_once_and_a_phc_string_kept() {
    let t = load(&format!("{MINIMAL}[accounts]\ndefault_password = \"tempeos-2024\"\n")).unwrap();
    let phc = t.accounts.default_password.unwrap().phc;
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(password::verify_blocking("tempeos-2024", &phc));
    let t = load(&format!("{MINIMAL}[accounts]\ndefault_password = \"{phc}\"\n")).unwrap();
    assert_eq!(t.accounts.default_password.as_ref().unwrap().phc, phc);
    assert!(!format!("{t:?}").contains(&phc), "the hash stays out of Debug output");
}

#[test]
fn slugs_come_from_file_names() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "Acme.toml",
        "-acme.toml",
        "ac_me.toml",
        &format!("{}.toml", "a".repeat(64)),
    ] {
        let path = dir.path().join(bad);
        std::fs::write(&path, MINIMAL).unwrap();
        let errors = load_tenant(&path, EnvOverrides::None).unwrap_err();
        assert_eq!(errors[0].key, "(file name)", "{bad}");
    }
    let path = dir.path().join(format!("{}.toml", "a".repeat(63)));
    std::fs::write(&path, MINIMAL).unwrap();
    assert!(load_tenant(&path, EnvOverrides::None).is_ok());
    let missing = load_tenant(&dir.path().join("nobody.toml"), EnvOverrides::None).unwrap_err();
    assert!(
        missing[0].to_string().contains("nobody.toml: (file): cannot be read"),
        "{missing:?}"
    );
}

#[test]
fn a_templates_folder_is_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants/acme/templates/fr")).unwrap();
    std::fs::write(dir.path().join("tenants/acme.toml"), MINIMAL).unwrap();
    let (tenants, errors) = load_tenants(dir.path(), EnvOverrides::None);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        tenants[0].templates_dir,
        Some(dir.path().join("tenants/acme/templates"))
    );
}

#[test]
fn load_tenants_reports_every_bad_file_and_keeps_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("tenants/b.toml"), MINIMAL).unwrap();
    std::fs::write(dir.path().join("tenants/a.toml"), MINIMAL).unwrap();
    std::fs::write(dir.path().join("tenants/c.toml"), "name = 1\n").unwrap();
    std::fs::write(dir.path().join("tenants/d.toml"), "nope = 1\n").unwrap();
    let (tenants, errors) = load_tenants(dir.path(), EnvOverrides::None);
    assert_eq!(tenants.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(load_tenants(&dir.path().join("nowhere"), EnvOverrides::None)
        .0
        .is_empty());
}

#[test]
fn environment_overrides_a_tenant_key() {
    figment::Jail::expect_with(|jail| {
        jail.create_dir("tenants")?;
        jail.create_file("tenants/my-org.toml", MINIMAL)?;
        jail.set_env("ROSTER_TENANTS__MY_ORG__NAME", "From the environment");
        jail.set_env("ROSTER_TENANTS__MY_ORG__ACCOUNTS__PASSWORD_MIN_LENGTH", "12");
        jail.set_env("ROSTER_TENANTS__OTHER__NAME", "not for us");
        let (tenants, errors) = load_tenants(jail.directory(), EnvOverrides::Process);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(tenants[0].name, "From the environment");
        assert_eq!(tenants[0].accounts.password_min_length, 12);
        let (plain, _) = load_tenants(jail.directory(), EnvOverrides::None);
        assert_eq!(plain[0].name, "Acme");

        jail.set_env("ROSTER_TENANTS__MY_ORG__ACCOUNTS__PASSWORD_MIN_LENGTH", "3");
        jail.set_env("ROSTER_TENANTS__MY_ORG__REGISTRATON", "open");
        let (_, errors) = load_tenants(jail.directory(), EnvOverrides::Process);
        let text = errors[0].to_string();
        assert!(text.contains("my-org.toml: registraton: unknown key"), "{text}");
        assert!(text.ends_with("(set by ROSTER_TENANTS__MY_ORG__REGISTRATON)"), "{text}");
        Ok(())
    });
}

#[test]
fn a_rule_broken_by_an_environment_value_names_the_variable() {
    figment::Jail::expect_with(|jail| {
        jail.create_dir("tenants")?;
        jail.create_file("tenants/demo.toml", MINIMAL)?;
        jail.set_env("ROSTER_TENANTS__DEMO__ACCOUNTS__PASSWORD_MIN_LENGTH", "3");
        let (_, errors) = load_tenants(jail.directory(), EnvOverrides::Process);
        assert_eq!(errors[0].key, "accounts.password_min_length");
        assert!(
            errors[0]
                .message
                .ends_with("(set by ROSTER_TENANTS__DEMO__ACCOUNTS__PASSWORD_MIN_LENGTH)"),
            "{errors:?}"
        );
        Ok(())
    });
}

#[test]
fn roles_and_aliases_keep_the_order_of_the_file() {
    figment::Jail::expect_with(|jail| {
        jail.create_dir("tenants")?;
        let toml = format!(
            "{MINIMAL}[roles.zeta]\npermissions = [\"*\"]\n[roles.alpha]\ndefault = true\n\
             [import.aliases]\nphone = [\"Portable\"]\nemail = [\"Mél\"]\n"
        );
        jail.create_file("tenants/acme.toml", &toml)?;
        jail.set_env("ROSTER_TENANTS__ACME__ROLES__BETA__DEFAULT", "true");
        let (tenants, errors) = load_tenants(jail.directory(), EnvOverrides::Process);
        assert!(errors.is_empty(), "{errors:?}");
        let t = &tenants[0];
        assert_eq!(t.roles.keys().collect::<Vec<_>>(), ["zeta", "alpha", "beta"]);
        assert_eq!(t.import.aliases.keys().collect::<Vec<_>>(), ["phone", "email"]);
        Ok(())
    });
}

#[test]
fn allowed_origins_are_origins_written_as_browsers_send_them() {
    assert_eq!(
        load(MINIMAL).unwrap().api.allowed_origins,
        Vec::<String>::new(),
        "none by default"
    );
    let toml = format!(
        "{MINIMAL}[api]\nallowed_origins = [\"https://App.Example.org/\", \"http://localhost:5173\", \"https://app.example.org:443\", \"https://bücher.example\"]\n"
    );
    let api = load(&toml).unwrap().api;
    assert_eq!(
        api.allowed_origins,
        [
            "https://app.example.org",
            "http://localhost:5173",
            "https://xn--bcher-kva.example"
        ],
        "lower-cased, default port left out, duplicates merged, IDNA hosts in ASCII"
    );
    assert!(api.allows("https://app.example.org"));
    assert!(!api.allows("https://app.example.org.evil.example"));
    assert!(!api.allows("http://app.example.org"), "the scheme counts");
    assert!(!api.allows("null"));
    assert_error(
        &format!("{MINIMAL}[api]\nallowed_origins = [\"*\"]\n"),
        "api.allowed_origins[0]: \"*\" is refused",
    );
    assert_error(
        &format!("{MINIMAL}[api]\nallowed_origins = [\"https://ok.example\", \"https://*.example.org\"]\n"),
        "api.allowed_origins[1]: \"*\" is refused",
    );
    for bad in [
        "app.example.org",
        "https://app.example.org/members",
        "ftp://app.example.org",
        "https://app.example.org/?a=1",
    ] {
        assert_error(
            &format!("{MINIMAL}[api]\nallowed_origins = [\"{bad}\"]\n"),
            &format!("api.allowed_origins[0]: \"{bad}\" is not an origin"),
        );
    }
    assert_error(&format!("{MINIMAL}[api]\norigins = []\n"), "api.origins");
}

#[test]
fn privacy_keys_are_delays_of_at_least_a_day() {
    let defaults = load(MINIMAL).unwrap().privacy;
    assert_eq!(
        defaults,
        Privacy::default(),
        "nothing erased, everything kept, no self-erasure"
    );
    let toml = format!(
        "{MINIMAL}[privacy]\nself_erasure = true\nerase_deactivated_after = \"2y\"\naudit_retention = \"400d\"\nimport_history_retention = \"12w\"\n"
    );
    let privacy = load(&toml).unwrap().privacy;
    assert!(privacy.self_erasure);
    // A year counts 365.25 days.
    assert_eq!(
        privacy.erase_deactivated_after,
        Some(Duration::from_secs(2 * 31_557_600))
    );
    assert_eq!(privacy.audit_retention, Some(Duration::from_secs(400 * DAY)));
    assert_eq!(privacy.import_history_retention, Some(Duration::from_secs(84 * DAY)));
    assert_error(
        &format!("{MINIMAL}[privacy]\nerase_deactivated_after = \"12h\"\n"),
        "privacy.erase_deactivated_after: must be at least 1d",
    );
    assert_error(
        &format!("{MINIMAL}[privacy]\naudit_retention = \"soon\"\n"),
        "privacy.audit_retention",
    );
    assert_error(
        &format!("{MINIMAL}[privacy]\nerase_after = \"2y\"\n"),
        "privacy.erase_after",
    );
}
