//! Creating a tenant admin: at first start from `[bootstrap] admin_email`, and from
//! `roster create-admin`.

use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

use super::create::{insert, NewMember, PasswordChoice};
use super::fields::Checks;
use super::{find_by_identifier, Origin};
use crate::audit;
use crate::config::Tenant;
use crate::error::{Error, Result};
use crate::values::email::Email;
use crate::values::password;
use entity::members;

/// An admin just created; `generated_password` is shown once and never stored in clear.
#[derive(Debug)]
pub struct CreatedAdmin {
    pub member: members::Model,
    pub generated_password: Option<String>,
}

/// Creates a member holding the tenant's admin role. With no password given, a random
/// one is generated and the member must change it at first sign-in.
pub async fn create_admin(
    db: &DatabaseConnection,
    tenant: &Tenant,
    address: &str,
    given_password: Option<String>,
    origin: Origin,
) -> Result<CreatedAdmin> {
    let address: String = Email::parse(address)
        .map_err(|problem| Error::invalid("email", problem.message()))?
        .into();
    let admin_role = tenant
        .admin_role()
        .ok_or_else(|| Error::invalid("tenant", "this tenant has no role with the \"*\" permission"))?
        .key
        .clone();
    if let Some(given) = &given_password {
        let mut checks = Checks::new();
        checks.password("password", tenant, given);
        checks.finish()?;
    }
    if find_by_identifier(db, &tenant.slug, &address).await?.is_some() {
        return Err(Error::Conflict(format!(
            "{address} is already a member of {}",
            tenant.slug
        )));
    }
    let generated = given_password
        .is_none()
        .then(|| crate::auth::token::OpaqueToken::generate().plain[..20].to_owned());
    let must_change = generated.is_some();
    let hash = password::hash(given_password.or(generated.clone()).expect("one of them is set")).await?;

    let mut new = NewMember::named("", "", origin);
    new.email = Some(address.clone());
    new.password = PasswordChoice::Hash(hash);
    new.must_change_password = must_change;
    new.roles = vec![(admin_role.clone(), None)];
    let slug = tenant.slug.clone();
    let tenant = tenant.clone();
    let member = db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                let member = insert(txn, &tenant, new).await?;
                let details = json!({ "origin": origin, "login": member.login, "roles": [admin_role] });
                audit::record(txn, &slug, None, "member.created", Some(member.id), details).await?;
                Ok(member)
            })
        })
        .await?;
    Ok(CreatedAdmin {
        member,
        generated_password: generated,
    })
}

/// Creates the `[bootstrap] admin_email` admin when no member has that address yet,
/// and prints the generated password once.
pub async fn bootstrap_tenant(db: &DatabaseConnection, tenant: &Tenant) -> Result<Option<CreatedAdmin>> {
    let Some(address) = &tenant.bootstrap.admin_email else {
        return Ok(None);
    };
    if find_by_identifier(db, &tenant.slug, address).await?.is_some() {
        return Ok(None);
    }
    let created = create_admin(db, tenant, address, None, Origin::Bootstrap).await?;
    if let Some(generated) = &created.generated_password {
        // Printed, not logged through tracing, so it does not land in log shipping.
        println!(
            "Tenant {}: created admin {} (login {}) with password: {generated}\n  It must be changed at first sign-in; it is not shown again.",
            tenant.slug, address, created.member.login
        );
    }
    Ok(Some(created))
}
