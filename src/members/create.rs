//! Writing a new member: login generation, email uniqueness across both columns,
//! search words, default roles, groups. Shared by every way a member comes in.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Set, Statement,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{search, Origin, Status};
use crate::config::Tenant;
use crate::error::{Error, FieldError, Result};
use crate::values::{email, login};
use entity::{group_members, member_emails, members, role_assignments, roster_meta};

/// How a new member signs in.
#[derive(Debug, Clone)]
pub enum PasswordChoice {
    /// An argon2 hash of a password they (or an admin) chose.
    Hash(String),
    /// The tenant's default password: no hash of their own, must change it.
    TenantDefault,
    /// No password until an invitation is accepted.
    None,
}

/// A member about to be written; fields are already checked for syntax.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub login: Option<String>,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub locale: Option<String>,
    pub password: PasswordChoice,
    pub must_change_password: bool,
    pub email_verified: bool,
    pub origin: Origin,
    pub origin_import_id: Option<Uuid>,
    /// Roles beyond the tenant's defaults: (role key, group scope).
    pub roles: Vec<(String, Option<Uuid>)>,
    pub group_ids: Vec<Uuid>,
}

impl NewMember {
    /// A member with names only; the rest filled by the caller.
    pub fn named(first_name: &str, last_name: &str, origin: Origin) -> Self {
        Self {
            login: None,
            email: None,
            secondary_email: None,
            phone: None,
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            locale: None,
            password: PasswordChoice::None,
            must_change_password: false,
            email_verified: false,
            origin,
            origin_import_id: None,
            roles: Vec::new(),
            group_ids: Vec::new(),
        }
    }
}

/// Takes the tenant's address lock for the rest of the transaction `txn`: every
/// transaction that gives an address to a member (creation, acceptance, registration,
/// a confirmed change) or to a pending invitation takes it before reading who holds the
/// address, so that a member and a pending JOIN invitation never hold one address at
/// once. PostgreSQL: an advisory lock, waited for (held until commit or rollback).
/// SQLite: the database's write lock, taken now rather than at the first write, so that
/// what is read next stays true until the commit.
pub async fn lock_addresses<C: ConnectionTrait>(txn: &C, tenant: &str) -> Result<()> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        let digest = Sha256::digest(format!("roster.addresses:{tenant}").as_bytes());
        let key = i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        txn.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?;
    } else {
        // An UPDATE starts SQLite's write transaction even when no row matches.
        roster_meta::Entity::update_many()
            .col_expr(roster_meta::Column::Value, Expr::col(roster_meta::Column::Value).into())
            .filter(roster_meta::Column::Key.eq("address-lock"))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// VALIDATION when an address is already some member's (other than `except`).
pub async fn check_emails_free<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    addresses: &[(&str, Option<&str>)],
    except: Option<Uuid>,
) -> Result<()> {
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for (field, address) in addresses {
        let Some(address) = address else { continue };
        let key = email::key(address);
        if seen.contains(&key) {
            problems.push(FieldError::new(*field, "the two addresses must differ"));
            continue;
        }
        seen.push(key.clone());
        let owner = member_emails::Entity::find_by_id((tenant.to_owned(), key))
            .one(conn)
            .await?;
        if owner.is_some_and(|o| Some(o.member_id) != except) {
            problems.push(FieldError::new(
                *field,
                "this address is already used by another member",
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// The login to use: the given one if free (else VALIDATION), or one built from the
/// tenant's pattern, the email, or "member", with the next free number.
pub async fn choose_login<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    given: Option<&str>,
    first: &str,
    last: &str,
    address: Option<&str>,
    except: Option<Uuid>,
) -> Result<String> {
    if let Some(given) = given {
        let taken = members::Entity::find()
            .filter(members::Column::Tenant.eq(&tenant.slug))
            .filter(members::Column::LoginKey.eq(given))
            .one(conn)
            .await?;
        if taken.is_some_and(|m| Some(m.id) != except) {
            return Err(Error::invalid("login", "this login is already taken"));
        }
        return Ok(given.to_owned());
    }
    let base = login::from_pattern(&tenant.accounts.login_pattern, first, last)
        .or_else(|| {
            address
                .map(|a| login::fold(a.split('@').next().unwrap_or_default()))
                .filter(|l| !l.is_empty())
        })
        .unwrap_or_else(|| "member".to_owned());
    super::login::next_free(conn, &tenant.slug, &base).await
}

/// Folded "last first", the order of lists by name.
pub fn sort_key(first: &str, last: &str) -> String {
    search::fold(&format!("{} {}", last.trim(), first.trim()))
        .trim()
        .to_owned()
}

/// Writes the member with its addresses, search words, default roles and groups.
pub async fn insert<C: ConnectionTrait>(conn: &C, tenant: &Tenant, new: NewMember) -> Result<members::Model> {
    let addresses = [
        ("email", new.email.as_deref()),
        ("secondaryEmail", new.secondary_email.as_deref()),
    ];
    check_emails_free(conn, &tenant.slug, &addresses, None).await?;
    let login = choose_login(
        conn,
        tenant,
        new.login.as_deref(),
        &new.first_name,
        &new.last_name,
        new.email.as_deref(),
        None,
    )
    .await?;
    let now = Utc::now();
    let (password_hash, uses_default) = match new.password {
        PasswordChoice::Hash(hash) => (Some(hash), false),
        PasswordChoice::TenantDefault => (None, true),
        PasswordChoice::None => (None, false),
    };
    let member = members::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant: Set(tenant.slug.clone()),
        login: Set(login.clone()),
        login_key: Set(login.clone()),
        email: Set(new.email.clone()),
        secondary_email: Set(new.secondary_email.clone()),
        email_verified: Set(new.email_verified),
        // Set at creation by an admin, an import or the CLI: the organization's word.
        secondary_email_verified: Set(true),
        phone: Set(new.phone),
        first_name: Set(new.first_name.clone()),
        last_name: Set(new.last_name.clone()),
        locale: Set(new.locale.unwrap_or_default()),
        status: Set(Status::Active.as_str().to_owned()),
        origin: Set(new.origin.as_str().to_owned()),
        origin_import_id: Set(new.origin_import_id),
        password_hash: Set(password_hash),
        uses_default_password: Set(uses_default),
        must_change_password: Set(new.must_change_password),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deactivated_at: Set(None),
        version: Set(1),
        sort_key: Set(sort_key(&new.first_name, &new.last_name)),
    }
    .insert(conn)
    .await?;
    store_addresses(conn, &member).await?;
    let words = search::tokens(
        &login,
        &new.first_name,
        &new.last_name,
        new.email.as_deref(),
        new.secondary_email.as_deref(),
    );
    search::store(conn, &tenant.slug, member.id, &member.sort_key, words).await?;

    let mut roles: Vec<(String, Option<Uuid>)> = tenant.default_roles().map(|r| (r.key.clone(), None)).collect();
    for role in new.roles {
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    for (role, group) in roles {
        role_assignments::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant: Set(tenant.slug.clone()),
            member_id: Set(member.id),
            role: Set(role),
            group_id: Set(group),
            created_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    for group in new.group_ids {
        group_members::ActiveModel {
            group_id: Set(group),
            member_id: Set(member.id),
            tenant: Set(tenant.slug.clone()),
            added_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    Ok(member)
}

/// The addresses a member holds, with their kind (`primary`, `secondary`): the ones
/// that sign in, receive invitations, match imports and count for uniqueness. A second
/// address the member set and has not yet confirmed is not one of them.
pub fn held_addresses(member: &members::Model) -> impl Iterator<Item = (&'static str, &str)> {
    let primary = member.email.as_deref().map(|a| ("primary", a));
    let secondary = member
        .secondary_email
        .as_deref()
        .filter(|_| member.secondary_email_verified)
        .map(|a| ("secondary", a));
    primary.into_iter().chain(secondary)
}

/// Rewrites the member's rows in `member_emails` from [`held_addresses`].
pub async fn store_addresses<C: ConnectionTrait>(conn: &C, member: &members::Model) -> Result<()> {
    member_emails::Entity::delete_many()
        .filter(member_emails::Column::MemberId.eq(member.id))
        .exec(conn)
        .await?;
    for (kind, address) in held_addresses(member) {
        member_emails::ActiveModel {
            tenant: Set(member.tenant.clone()),
            address_key: Set(email::key(address)),
            member_id: Set(member.id),
            kind: Set(kind.to_owned()),
        }
        .insert(conn)
        .await?;
    }
    crate::invitations::settle_for_members(conn, &member.tenant, std::slice::from_ref(member)).await
}
