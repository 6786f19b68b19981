//! A new member: by hand (members.create, every field checked, the caller's group reach
//! respected), and the checks every way a member comes in shares (login generation,
//! email uniqueness across both columns, the address lock) before the member writer.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement, TransactionTrait};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::fields::Checks;
use super::read::existing_groups;
use super::roles::{check_assignments, RoleAssignment};
use super::write::{self, NewMemberRow};
use super::Origin;
use crate::app::App;
use crate::audit;
use crate::auth::permissions::{require_scope, Scope};
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, FieldError, Result};
use crate::values::email::Email;
use crate::values::{email, login, password};
use entity::{member_emails, members, roster_meta};

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
    /// Signs in as they are created (registration, a joining invitation).
    pub signed_in: bool,
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
            signed_in: false,
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
            problems.push(FieldError::worded(
                *field,
                "the two addresses must differ",
                "addresses-differ",
                &[],
            ));
            continue;
        }
        seen.push(key.clone());
        let owner = member_emails::Entity::find_by_id((tenant.to_owned(), key))
            .one(conn)
            .await?;
        if owner.is_some_and(|o| Some(o.member_id) != except) {
            problems.push(FieldError::worded(
                *field,
                "this address is already used by another member",
                "address-taken",
                &[],
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
            return Err(Error::invalid_worded(
                "login",
                "this login is already taken",
                "login-taken",
            ));
        }
        return Ok(given.to_owned());
    }
    let base = login::base_for(&tenant.accounts.login_pattern, first, last, address);
    super::login::next_free(conn, &tenant.slug, &base).await
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
    let (password_hash, uses_default) = match new.password {
        PasswordChoice::Hash(hash) => (Some(hash), false),
        PasswordChoice::TenantDefault => (None, true),
        PasswordChoice::None => (None, false),
    };
    let mut member = write::new_member(&tenant.slug, login, new.first_name, new.last_name);
    member.email = new.email;
    member.secondary_email = new.secondary_email;
    member.email_verified = new.email_verified;
    member.phone = new.phone;
    member.locale = new.locale.unwrap_or_default();
    member.origin = new.origin;
    member.origin_import_id = new.origin_import_id;
    member.password_hash = password_hash;
    member.uses_default_password = uses_default;
    member.must_change_password = new.must_change_password;
    member.last_login_at = new.signed_in.then_some(member.created_at);
    let row = NewMemberRow {
        member: member.clone(),
        roles: new.roles,
        groups: new.group_ids,
    };
    write::insert_members(conn, tenant, vec![row]).await?;
    Ok(member)
}

/// `CreateMemberInput`, ids parsed.
#[derive(Debug, Clone, Default)]
pub struct CreateMember {
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub login: Option<String>,
    pub locale: Option<String>,
    pub roles: Vec<RoleAssignment>,
    pub group_ids: Vec<Uuid>,
    pub password: Option<String>,
    pub send_invitation: bool,
}

/// Creates a member by hand (members.create). A caller whose permission is limited to
/// some groups must put the new member in one of them.
pub async fn create_member(app: &App, caller: &Caller, mut input: CreateMember) -> Result<members::Model> {
    let scope = require_scope(&app.db, caller, Permission::MembersCreate).await?;
    // Every problem of the form at once, the taken address and login included, rather
    // than each only once the one before is fixed.
    let (checked, problems) = match checked_member(&caller.tenant, &input) {
        Ok(new) => (Some(new), Vec::new()),
        Err(Error::Validation(problems)) => (None, problems),
        Err(other) => return Err(other),
    };
    let problems = with_taken_identifiers(app, caller, &input, problems).await?;
    let mut new = match checked {
        Some(new) if problems.is_empty() => new,
        _ => return Err(Error::Validation(problems)),
    };
    require_reach(app, caller, &scope, &input).await?;
    (new.password, new.must_change_password) = password_choice(&caller.tenant, input.password.take()).await?;
    let tenant = caller.tenant.clone();
    let actor = caller.member_id();
    Ok(app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move { write_created(txn, &tenant, actor, new, &input).await })
        })
        .await?)
}

/// `problems` of a form, with its well-formed addresses and login that are already
/// taken. (The insert checks again under the address lock.)
async fn with_taken_identifiers(
    app: &App,
    caller: &Caller,
    input: &CreateMember,
    mut problems: Vec<FieldError>,
) -> Result<Vec<FieldError>> {
    let addresses = [("email", &input.email), ("secondaryEmail", &input.secondary_email)].map(|(field, value)| {
        let unreported = !problems.iter().any(|p| p.field == field);
        let value = value.as_deref().filter(|v| unreported && Email::parse(v).is_ok());
        (field, value)
    });
    match check_emails_free(&app.db, &caller.tenant.slug, &addresses, None).await {
        Ok(()) => {}
        Err(Error::Validation(taken)) => problems.extend(taken),
        Err(other) => return Err(other),
    }
    // The login as the form check keeps it; a malformed one is reported already.
    if let Some(login) = Checks::default().login("login", input.login.as_deref()) {
        let (first, last) = (&input.first_name, &input.last_name);
        match choose_login(&app.db, &caller.tenant, Some(&login), first, last, None, None).await {
            Ok(_) => {}
            Err(Error::Validation(taken)) => problems.extend(taken),
            Err(other) => return Err(other),
        }
    }
    Ok(problems)
}

/// The member `input` describes, every field checked. Its password is chosen later, once
/// the caller is known to be allowed (hashing is slow).
fn checked_member(tenant: &Tenant, input: &CreateMember) -> Result<NewMember> {
    let mut checks = Checks::new();
    let first_name = checks.name("firstName", &input.first_name);
    let last_name = checks.name("lastName", &input.last_name);
    let email = checks.email("email", input.email.as_deref());
    if email.is_none() && tenant.accounts.require_email && input.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        checks.fail("email", "this organization requires an email address");
    }
    let secondary_email = checks.email("secondaryEmail", input.secondary_email.as_deref());
    let phone = checks.phone("phone", input.phone.as_deref());
    let locale = checks.locale("locale", tenant, input.locale.as_deref());
    let login = checks.login("login", input.login.as_deref());
    if let Some(given) = &input.password {
        checks.password("password", tenant, given);
    }
    if input.send_invitation && email.is_none() {
        checks.fail("sendInvitation", "the member needs an email address to be invited");
    }
    for (i, assignment) in input.roles.iter().enumerate() {
        if tenant.role(&assignment.role).is_none() {
            checks.add(super::roles::unknown_role(
                tenant,
                format!("roles[{i}].role"),
                &assignment.role,
            ));
        }
    }
    checks.finish()?;
    Ok(NewMember {
        login,
        email,
        secondary_email,
        phone,
        first_name,
        last_name,
        locale,
        password: PasswordChoice::None,
        must_change_password: false,
        email_verified: false,
        origin: Origin::Manual,
        origin_import_id: None,
        roles: input.roles.iter().map(|r| (r.role.clone(), r.group_id)).collect(),
        group_ids: input.group_ids.clone(),
        signed_in: false,
    })
}

/// Refuses what the caller may not do here: create outside their own groups, name
/// groups that do not exist, send the invitation, hand out the roles.
async fn require_reach(app: &App, caller: &Caller, scope: &Scope, input: &CreateMember) -> Result<()> {
    if let Scope::Groups(allowed) = scope {
        if !input.group_ids.iter().any(|g| allowed.contains(g)) {
            return Err(Error::Forbidden(
                "You may create members only in your own groups: add one of them in groupIds.".into(),
            ));
        }
    }
    existing_groups(&app.db, &caller.tenant.slug, &input.group_ids, "groupIds", true).await?;
    if input.send_invitation {
        crate::auth::permissions::require(&app.db, caller, Permission::InvitationsSend).await?;
    }
    check_assignments(&app.db, caller, &input.roles, "roles").await
}

/// How a member created by hand signs in, and whether they must change that password
/// first: the one `given`, else the tenant's default, else none until invited.
async fn password_choice(tenant: &Tenant, given: Option<String>) -> Result<(PasswordChoice, bool)> {
    Ok(match given {
        Some(given) => (PasswordChoice::Hash(password::hash(given).await?), true),
        None if tenant.accounts.default_password.is_some() => (PasswordChoice::TenantDefault, true),
        None => (PasswordChoice::None, false),
    })
}

/// Writes a member created by hand, its audit entry, and its invitation when asked for.
async fn write_created<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    actor: Uuid,
    new: NewMember,
    input: &CreateMember,
) -> Result<members::Model> {
    lock_addresses(txn, &tenant.slug).await?;
    let member = insert(txn, tenant, new).await?;
    let details = json!({
        "login": member.login,
        "origin": "manual",
        "roles": input.roles.iter().map(|r| &r.role).collect::<Vec<_>>(),
        "groupIds": input.group_ids,
    });
    audit::record(
        txn,
        &tenant.slug,
        Some(actor),
        "member.created",
        Some(member.id),
        details,
    )
    .await?;
    if input.send_invitation {
        crate::invitations::activation_in(txn, tenant, &member, actor).await?;
    }
    Ok(member)
}
