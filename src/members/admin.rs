//! Creating a tenant admin: at first start from `[bootstrap] admin_email`, and from
//! `roster create-admin`.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::{email, find_by_identifier, login, search_text, STATUS_ACTIVE};
use crate::audit;
use crate::auth::password;
use crate::config::Tenant;
use crate::error::{Error, Result};
use entity::{member_emails, members, role_assignments};

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
    origin: &str,
) -> Result<CreatedAdmin> {
    let address = email::normalize(address).map_err(|m| Error::invalid("email", m))?;
    let admin_role = tenant
        .admin_role()
        .ok_or_else(|| Error::invalid("tenant", "this tenant has no role with the \"*\" permission"))?
        .key
        .clone();
    if let Some(given) = &given_password {
        check_password_policy(tenant, given)?;
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

    let slug = tenant.slug.clone();
    let origin = origin.to_owned();
    let member = db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                let local = address.split('@').next().unwrap_or("admin");
                let base = Some(login::fold(local))
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| "admin".into());
                let login = login::next_free(txn, &slug, &base).await?;
                let member = insert_member(txn, &slug, &login, &address, &hash, must_change, &origin).await?;
                role_assignments::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant: Set(slug.clone()),
                    member_id: Set(member.id),
                    role: Set(admin_role.clone()),
                    group_id: Set(None),
                    created_at: Set(Utc::now()),
                }
                .insert(txn)
                .await?;
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

async fn insert_member<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    login: &str,
    address: &str,
    hash: &str,
    must_change: bool,
    origin: &str,
) -> Result<members::Model> {
    let now = Utc::now();
    let member = members::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant: Set(tenant.to_owned()),
        login: Set(login.to_owned()),
        login_key: Set(login.to_owned()),
        email: Set(Some(address.to_owned())),
        secondary_email: Set(None),
        email_verified: Set(false),
        phone: Set(None),
        first_name: Set(String::new()),
        last_name: Set(String::new()),
        locale: Set(String::new()),
        status: Set(STATUS_ACTIVE.to_owned()),
        origin: Set(origin.to_owned()),
        origin_import_id: Set(None),
        password_hash: Set(Some(hash.to_owned())),
        uses_default_password: Set(false),
        must_change_password: Set(must_change),
        search_text: Set(search_text(login, "", "", Some(address), None)),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deactivated_at: Set(None),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    member_emails::ActiveModel {
        tenant: Set(tenant.to_owned()),
        address_key: Set(email::key(address)),
        member_id: Set(member.id),
        kind: Set("primary".to_owned()),
    }
    .insert(conn)
    .await?;
    Ok(member)
}

/// A password someone chose must meet the tenant's policy.
pub fn check_password_policy(tenant: &Tenant, password: &str) -> Result<()> {
    let min = tenant.accounts.password_min_length as usize;
    let len = password.chars().count();
    if len < min {
        return Err(Error::invalid("password", format!("at least {min} characters")));
    }
    if len > 256 {
        return Err(Error::invalid("password", "at most 256 characters"));
    }
    Ok(())
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
    let created = create_admin(db, tenant, address, None, "bootstrap").await?;
    if let Some(generated) = &created.generated_password {
        // Printed, not logged through tracing, so it does not land in log shipping.
        println!(
            "Tenant {}: created admin {} (login {}) with password: {generated}\n  It must be changed at first sign-in; it is not shown again.",
            tenant.slug, address, created.member.login
        );
    }
    Ok(Some(created))
}
