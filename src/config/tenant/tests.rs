// figment::Jail closures return figment::Error, which is large; fine in tests.
#![allow(clippy::result_large_err)]

use super::*;
use crate::config::TenantRegistry;

fn load(toml: &str) -> Result<Tenant, Vec<ConfigError>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.toml");
    std::fs::write(&path, toml).unwrap();
    load_tenant(&path, EnvOverrides::None)
}

fn errors(toml: &str) -> Vec<String> {
    load(toml)
        .unwrap_err()
        .iter()
        .map(|e| format!("{}: {}", e.key, e.message))
        .collect()
}

const MINIMAL: &str = "name = \"Acme\"\ndefault_locale = \"fr\"\n";

#[test]
fn defaults_fill_a_minimal_file() {
    let t = load(MINIMAL).unwrap();
    assert_eq!(t.slug, "acme");
    assert_eq!(t.locales, ["fr"]);
    assert_eq!(t.registration, Registration::InviteOnly);
    assert_eq!(t.accounts.password_min_length, 10);
    assert_eq!(t.accounts.session_idle, Duration::from_secs(12 * 3600));
    assert_eq!(t.invitations.reminders, [Duration::from_secs(3 * 86_400)]);
    assert_eq!(t.rate_limits.login_per_account.count, 10);
    assert_eq!(t.admin_role().unwrap().key, "admin");
    assert!(
        t.role("admin").unwrap().grants.contains(&Permission::AuditRead),
        "* grants all"
    );
    assert_eq!(
        t.default_roles().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["member"]
    );
    assert_eq!(t.import.protected_roles, ["admin"]);
}

#[test]
fn the_shipped_demo_tenant_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tenants/demo.toml");
    let demo = load_tenant(&path, EnvOverrides::None).expect("demo.toml is valid");
    assert!(demo.bootstrap.admin_email.is_some());
    assert!(demo.roles.len() >= 3);
}

#[test]
fn labels_fall_back_sensibly() {
    let t = load(&format!(
        "{MINIMAL}locales = [\"fr\", \"en\", \"nl-BE\"]\n[roles.admin]\npermissions = [\"*\"]\nlabel = {{ fr = \"Administrateur\", nl-BE = \"Beheerder\" }}\n"
    ))
    .unwrap();
    let admin = t.role("admin").unwrap();
    assert_eq!(admin.label("nl-BE", "fr"), "Beheerder");
    assert_eq!(admin.label("nl", "fr"), "Beheerder");
    assert_eq!(admin.label("en", "fr"), "Administrateur");
}

#[test]
fn each_rule_names_its_key() {
    let cases = [
        (
            format!("{MINIMAL}[roles.admin]\npermissions = [\"members.fly\"]\n"),
            "roles.admin.permissions",
        ),
        (
            format!("{MINIMAL}[roles.coordinator]\nassignable = [\"ghost\"]\n"),
            "roles.coordinator.assignable",
        ),
        (
            format!("{MINIMAL}[accounts]\ndefault_password = \"short\"\n"),
            "accounts.default_password",
        ),
        (
            format!("{MINIMAL}[accounts]\ndefault_password = \"$argon2id$garbage\"\n"),
            "accounts.default_password",
        ),
        (
            format!("{MINIMAL}[accounts]\nlogin_pattern = \"{{nickname}}\"\n"),
            "accounts.login_pattern",
        ),
        (
            format!("{MINIMAL}[accounts]\nsession_idle = \"8d\"\n"),
            "accounts.session_idle",
        ),
        (
            format!("{MINIMAL}[invitations]\nlifetime = \"2d\"\nreminders = [\"3d\"]\n"),
            "invitations.reminders",
        ),
        (
            format!("{MINIMAL}[import]\nprotected_roles = [\"ghost\"]\n"),
            "import.protected_roles",
        ),
        (
            format!("{MINIMAL}[import.aliases]\nshoe_size = [\"Pointure\"]\n"),
            "import.aliases",
        ),
        (
            format!("{MINIMAL}[roles.member]\ndefault = true\n[bootstrap]\nadmin_email = \"a@b.org\"\n"),
            "bootstrap.admin_email",
        ),
        (
            "name = \"Acme\"\ndefault_locale = \"fr\"\nlocales = [\"en\"]\n".to_owned(),
            "default_locale",
        ),
        ("name = \"\"\ndefault_locale = \"fr\"\n".to_owned(), "name"),
    ];
    for (toml, key) in cases {
        let found = errors(&toml);
        assert!(
            found.iter().any(|e| e.starts_with(key)),
            "{key} expected in {found:?} for\n{toml}"
        );
    }
}

#[test]
fn unknown_keys_wrong_types_and_bad_toml_are_reported() {
    let found = errors(&format!("{MINIMAL}registraton = \"open\"\n"));
    assert!(
        found.iter().any(|e| e.starts_with("registraton: unknown key")),
        "{found:?}"
    );
    let found = errors(&format!("{MINIMAL}[accounts]\npassword_min_length = \"long\"\n"));
    assert!(
        found.iter().any(|e| e.starts_with("accounts.password_min_length")),
        "{found:?}"
    );
    let found = errors(&format!("{MINIMAL}[accounts]\nsession_idle = \"forever\"\n"));
    assert!(
        found
            .iter()
            .any(|e| e.starts_with("accounts.session_idle") && e.contains("duration")),
        "{found:?}"
    );
    let found = errors(&format!("{MINIMAL}[rate_limits]\nlogin_per_ip = \"lots\"\n"));
    assert!(
        found.iter().any(|e| e.starts_with("rate_limits.login_per_ip")),
        "{found:?}"
    );
    let found = errors("name = \"Acme\n");
    assert!(!found.is_empty());
    let found = errors(&format!("{MINIMAL}registration = \"sometimes\"\n"));
    assert!(found.iter().any(|e| e.starts_with("registration")), "{found:?}");
}

#[test]
fn a_plain_default_password_is_hashed_once_and_a_phc_string_kept() {
    let t = load(&format!("{MINIMAL}[accounts]\ndefault_password = \"tempeos-2024\"\n")).unwrap();
    let phc = t.accounts.default_password.unwrap().phc;
    assert!(password::verify_blocking("tempeos-2024", &phc));
    let t = load(&format!("{MINIMAL}[accounts]\ndefault_password = \"{phc}\"\n")).unwrap();
    assert_eq!(t.accounts.default_password.unwrap().phc, phc);
}

#[test]
fn environment_overrides_a_tenant_key() {
    figment::Jail::expect_with(|jail| {
        jail.create_dir("tenants")?;
        jail.create_file("tenants/my-org.toml", MINIMAL)?;
        jail.set_env("ROSTER_TENANTS__MY_ORG__NAME", "From the environment");
        jail.set_env("ROSTER_TENANTS__MY_ORG__ACCOUNTS__PASSWORD_MIN_LENGTH", "12");
        let (tenants, errors) = load_tenants(jail.directory(), EnvOverrides::Process);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(tenants[0].name, "From the environment");
        assert_eq!(tenants[0].accounts.password_min_length, 12);
        Ok(())
    });
}

#[test]
fn registry_reload_keeps_the_previous_configuration_of_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("tenants/acme.toml"), MINIMAL).unwrap();
    std::fs::write(dir.path().join("tenants/gone.toml"), MINIMAL).unwrap();
    let registry = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();

    std::fs::write(dir.path().join("tenants/acme.toml"), "name = \"Broken\"\nnope = 1\n").unwrap();
    std::fs::write(dir.path().join("tenants/beta.toml"), MINIMAL.replace("Acme", "Beta")).unwrap();
    std::fs::write(dir.path().join("tenants/bad-new.toml"), "name = 3\n").unwrap();
    std::fs::remove_file(dir.path().join("tenants/gone.toml")).unwrap();
    let report = registry.reload();

    assert_eq!(
        registry.get("acme").unwrap().name,
        "Acme",
        "previous configuration stays"
    );
    assert_eq!(registry.get("beta").unwrap().name, "Beta");
    assert!(registry.get("bad-new").is_none() && registry.get("gone").is_none());
    assert_eq!(report.loaded, ["beta"]);
    assert_eq!(report.removed, ["gone"]);
    let rejected: Vec<String> = report.rejected.iter().map(|e| e.to_string()).collect();
    assert!(
        rejected.iter().any(|e| e.contains("acme.toml") && e.contains("nope")),
        "{rejected:?}"
    );
    assert!(rejected.iter().any(|e| e.contains("bad-new.toml")), "{rejected:?}");
}
