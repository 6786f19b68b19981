//! The tenant files the tests start the app with.

/// A minimal tenant file: invite-only, admin and member roles, default limits.
pub const ACME: &str = r#"
name = "Acme Co-op"
default_locale = "fr"
locales = ["fr", "en"]

[roles.admin]
label = { fr = "Administrateur", en = "Administrator" }
permissions = ["*"]

[roles.member]
label = { fr = "Adhérent", en = "Member" }
permissions = []
default = true
"#;

/// A co-op with the roles of DESIGN.md's example, open registration, and a default password.
pub const COOP: &str = r#"
name = "Supercoop"
default_locale = "fr"
locales = ["fr", "en"]
registration = "open"

[accounts]
default_password = "bienvenue-2026"

[roles.admin]
label = { fr = "Administrateur", en = "Administrator" }
permissions = ["*"]

[roles.coordinator]
label = { fr = "Coordinateur", en = "Coordinator" }
permissions = ["members.read", "members.create", "members.update", "members.deactivate", "roles.assign"]
assignable = ["member", "referent"]

[roles.referent]
label = { fr = "Référent producteur", en = "Producer referent" }
permissions = ["members.read"]

[roles.member]
label = { fr = "Adhérent", en = "Member" }
permissions = []
default = true
"#;

/// The demo tenant's shape: the fixtures' roles and languages.
pub const AMAP: &str = r#"
name = "AMAP du coin"
default_locale = "fr"
locales = ["fr", "en", "nl-BE"]

[accounts]
password_min_length = 10

[roles.admin]
label = { fr = "Administrateur", en = "Administrator" }
permissions = ["*"]

[roles.coordinator]
label = { fr = "Coordinateur", en = "Coordinator" }
permissions = ["members.read", "members.create", "members.update", "imports.run", "roles.assign"]
assignable = ["member", "referent"]

[roles.referent]
label = { fr = "Référent producteur", en = "Producer referent" }
permissions = ["members.read"]

[roles.member]
label = { fr = "Adhérent", en = "Member" }
permissions = []
default = true

[import]
max_deactivate_percent = 20
protected_roles = ["admin"]
"#;

/// A company benefit club: no emails needed, logins and passwords in the file.
pub const CLUB: &str = r#"
name = "Club"
default_locale = "fr"
locales = ["fr", "en"]

[accounts]
require_email = false
password_min_length = 10
default_password = "bienvenue-au-club"

[roles.admin]
label = { fr = "Administrateur", en = "Administrator" }
permissions = ["*"]

[roles.member]
label = { fr = "Adhérent", en = "Member" }
permissions = []
default = true
"#;
