//! The `Tenant` and `Role` types.

use std::sync::Arc;

use async_graphql::{Enum, Object};

use crate::config::{Registration, Role, Tenant};

/// Who may register.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RegistrationPolicy {
    /// Anyone may create an account with register (except an address with a pending invitation).
    Open,
    /// Members come from invitations, imports and admins; register answers FORBIDDEN.
    InviteOnly,
}

/// A tenant seen in the request's locale.
pub struct TenantView {
    pub tenant: Arc<Tenant>,
    pub locale: String,
}

/// The organization this endpoint serves, as its tenant file describes it.
#[Object(name = "Tenant")]
impl TenantView {
    /// The tenant's identifier in URLs: `/t/{slug}/graphql`.
    async fn slug(&self) -> &str {
        &self.tenant.slug
    }
    /// The organization's name, for titles and emails.
    async fn name(&self) -> &str {
        &self.tenant.name
    }
    /// The locale used when a member or a request names none; one of locales.
    async fn default_locale(&self) -> &str {
        &self.tenant.default_locale
    }
    /// The languages the tenant speaks (e.g. "fr", "en", "nl-BE"): the values every
    /// `locale` argument and field accepts.
    async fn locales(&self) -> &[String] {
        &self.tenant.locales
    }
    /// Whether register is open to anyone.
    async fn registration(&self) -> RegistrationPolicy {
        match self.tenant.registration {
            Registration::Open => RegistrationPolicy::Open,
            Registration::InviteOnly => RegistrationPolicy::InviteOnly,
        }
    }
    /// Every role of the tenant, in the tenant file's order, labelled in the request's language.
    async fn roles(&self) -> Vec<RoleView> {
        self.tenant
            .roles
            .values()
            .map(|role| RoleView::new(role, &self.tenant, &self.locale))
            .collect()
    }
    /// Fewest characters a new password may have (counted after Unicode NFC normalisation);
    /// the most is 256.
    async fn password_min_length(&self) -> i32 {
        self.tenant.accounts.password_min_length as i32
    }
    /// How long an invitation link works after it is sent, in seconds.
    async fn invitation_lifetime_seconds(&self) -> i32 {
        seconds(self.tenant.invitations.lifetime)
    }
    /// Delays after sending at which a pending invitation is reminded, in seconds.
    async fn invitation_reminder_seconds(&self) -> Vec<i32> {
        self.tenant.invitations.reminders.iter().map(|d| seconds(*d)).collect()
    }
}

fn seconds(d: std::time::Duration) -> i32 {
    i32::try_from(d.as_secs()).unwrap_or(i32::MAX)
}

/// A role with its label in the request's language.
#[derive(Clone)]
pub struct RoleView {
    key: String,
    label: String,
    permissions: Vec<String>,
}

impl RoleView {
    /// `role` labelled in `locale`, or else in the tenant's default locale.
    pub fn new(role: &Role, tenant: &Tenant, locale: &str) -> Self {
        Self {
            key: role.key.clone(),
            label: role.label(locale, &tenant.default_locale).to_owned(),
            permissions: role.permissions.clone(),
        }
    }
}

/// A role of the tenant file: permissions under a name.
#[Object(name = "Role")]
impl RoleView {
    /// The role's identifier in the tenant file (e.g. "admin"), as role arguments and filters take it.
    async fn key(&self) -> &str {
        &self.key
    }
    /// In the request's language (Accept-Language) when the tenant has it, else in the tenant's default locale.
    async fn label(&self) -> &str {
        &self.label
    }
    /// The permissions it grants, as the tenant file lists them (e.g. "members.read"; "*" for all).
    async fn permissions(&self) -> &[String] {
        &self.permissions
    }
}
