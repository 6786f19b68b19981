//! Admin operations on one member: read, create, update.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::create::{check_emails_free, choose_login, insert, lock_addresses, NewMember, PasswordChoice};
use super::fields::Checks;
use super::filter::scope_condition;
use super::roles::{check_assignments, RoleAssignment};
use super::write::{self, ProfileField};
use super::{find, list, search, Origin};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::permissions::{forbidden, require_scope, Scope};
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, Result};
use crate::mail::outbox::{enqueue, Mail};
use crate::values::{email, password};
use entity::{groups, members};

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

/// `UpdateMemberInput`: None leaves a field alone; an empty string clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct UpdateMember {
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub login: Option<String>,
    pub locale: Option<String>,
}

/// A member of the caller's tenant that `permission` lets the caller act on:
/// NOT_FOUND when it is not in the tenant, FORBIDDEN when outside the caller's groups.
pub async fn member_in_scope<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    permission: Permission,
    id: Uuid,
) -> Result<members::Model> {
    let scope = require_scope(conn, caller, permission).await?;
    let member = find(conn, &caller.tenant.slug, id)
        .await?
        .ok_or_else(|| Error::NotFound("No member with this id.".into()))?;
    if let Scope::Groups(_) = scope {
        let within = scope_condition(conn, &caller.tenant, &scope).await?;
        let cond = Condition::all().add(within).add(members::Column::Id.eq(id));
        if list::count(conn, cond).await? == 0 {
            return Err(forbidden(permission));
        }
    }
    Ok(member)
}

/// A member by id: oneself always, others with members.read. None when unknown.
pub async fn get_member(app: &App, caller: &Caller, id: Uuid) -> Result<Option<members::Model>> {
    if id == caller.member_id() {
        return Ok(Some(caller.member.clone()));
    }
    require_scope(&app.db, caller, Permission::MembersRead).await?;
    // Outside the caller's groups reads as unknown, like another tenant's member.
    match member_in_scope(&app.db, caller, Permission::MembersRead, id).await {
        Ok(member) => Ok(Some(member)),
        Err(Error::NotFound(_) | Error::Forbidden(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Groups of the tenant by id; VALIDATION on `field` for unknown ones (or smart ones
/// when `manual_only`, since their members come from their rule).
pub async fn existing_groups<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    ids: &[Uuid],
    field: &str,
    manual_only: bool,
) -> Result<Vec<groups::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(tenant))
        .filter(groups::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|g| g.id == **id)) {
        return Err(Error::invalid(field, format!("unknown group {missing}")));
    }
    if manual_only {
        if let Some(smart) = found.iter().find(|g| g.rule.is_some()) {
            return Err(Error::invalid(
                field,
                format!("\"{}\" is a smart group: its rule chooses its members", smart.name),
            ));
        }
    }
    Ok(found)
}

/// Creates a member by hand (members.create). A caller whose permission is limited to
/// some groups must put the new member in one of them.
pub async fn create_member(app: &App, caller: &Caller, input: CreateMember) -> Result<members::Model> {
    let scope = require_scope(&app.db, caller, Permission::MembersCreate).await?;
    let tenant = &caller.tenant;
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
    checks.finish()?;
    if let Scope::Groups(allowed) = &scope {
        if !input.group_ids.iter().any(|g| allowed.contains(g)) {
            return Err(Error::Forbidden(
                "You may create members only in your own groups: add one of them in groupIds.".into(),
            ));
        }
    }
    existing_groups(&app.db, &tenant.slug, &input.group_ids, "groupIds", true).await?;
    if input.send_invitation {
        crate::auth::permissions::require(&app.db, caller, Permission::InvitationsSend).await?;
    }
    check_assignments(&app.db, caller, &input.roles, "roles").await?;

    let (password, must_change) = match input.password {
        Some(given) => (PasswordChoice::Hash(password::hash(given).await?), true),
        None if tenant.accounts.default_password.is_some() => (PasswordChoice::TenantDefault, true),
        None => (PasswordChoice::None, false),
    };
    let new = NewMember {
        login,
        email,
        secondary_email,
        phone,
        first_name,
        last_name,
        locale,
        password,
        must_change_password: must_change,
        email_verified: false,
        origin: Origin::Manual,
        origin_import_id: None,
        roles: input.roles.iter().map(|r| (r.role.clone(), r.group_id)).collect(),
        group_ids: input.group_ids.clone(),
        signed_in: false,
    };
    let tenant = tenant.clone();
    let actor = caller.member_id();
    Ok(app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                lock_addresses(txn, &tenant.slug).await?;
                let member = insert(txn, &tenant, new).await?;
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
                    crate::invitations::activation_in(txn, &tenant, &member, actor).await?;
                }
                Ok(member)
            })
        })
        .await?)
}

/// Changes a member's fields (members.update); writes what changed to the audit log.
pub async fn update_member(app: &App, caller: &Caller, id: Uuid, input: UpdateMember) -> Result<members::Model> {
    let member = member_in_scope(&app.db, caller, Permission::MembersUpdate, id).await?;
    let edits = check_edits(&caller.tenant, &input)?;
    apply_edits(app, caller.tenant.clone(), member, edits, caller.member_id()).await
}

/// Profile changes, checked: None leaves a field alone; `Some(None)` clears an optional one.
#[derive(Debug, Default)]
pub struct ProfileEdits {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<Option<String>>,
    secondary_email: Option<Option<String>>,
    phone: Option<Option<String>>,
    locale: Option<Option<String>>,
    login: Option<String>,
    /// The member sets their own second address: it counts once its link is opened.
    /// Otherwise (an admin) it counts at once.
    secondary_needs_proof: bool,
}

impl ProfileEdits {
    /// Edits made by the member on their own profile: a second address they set is a
    /// claim to prove by email before it counts for anything.
    pub fn by_the_member(self) -> Self {
        Self {
            secondary_needs_proof: true,
            ..self
        }
    }
}

/// Checks every given field, reporting all problems at once.
pub fn check_edits(tenant: &Tenant, input: &UpdateMember) -> Result<ProfileEdits> {
    let mut checks = Checks::new();
    let edits = ProfileEdits {
        first_name: input.first_name.as_deref().map(|v| checks.name("firstName", v)),
        last_name: input.last_name.as_deref().map(|v| checks.name("lastName", v)),
        email: input.email.as_deref().map(|v| checks.email("email", Some(v))),
        secondary_email: input
            .secondary_email
            .as_deref()
            .map(|v| checks.email("secondaryEmail", Some(v))),
        phone: input.phone.as_deref().map(|v| checks.phone("phone", Some(v))),
        locale: input
            .locale
            .as_deref()
            .map(|v| checks.locale("locale", tenant, Some(v))),
        secondary_needs_proof: false,
        login: match input.login.as_deref() {
            Some(v) if v.trim().is_empty() => {
                checks.fail("login", "must not be empty");
                None
            }
            Some(v) => checks.login("login", Some(v)),
            None => None,
        },
    };
    if tenant.accounts.require_email && input.email.as_deref().is_some_and(|v| v.trim().is_empty()) {
        checks.fail("email", "this organization requires an email address");
    }
    checks.finish()?;
    Ok(edits)
}

/// Applies checked edits in one transaction: login and addresses still free, then saved
/// with their side tables and the audit entry.
pub async fn apply_edits(
    app: &App,
    tenant: Arc<Tenant>,
    before: members::Model,
    edits: ProfileEdits,
    actor: Uuid,
) -> Result<members::Model> {
    Ok(app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                lock_addresses(txn, &tenant.slug).await?;
                let mut next = before.clone();
                next.first_name = edits.first_name.unwrap_or(next.first_name);
                next.last_name = edits.last_name.unwrap_or(next.last_name);
                next.email = edits.email.unwrap_or(next.email);
                if let Some(secondary) = edits.secondary_email {
                    if secondary != before.secondary_email {
                        next.secondary_email_verified = secondary.is_none() || !edits.secondary_needs_proof;
                    } else if !edits.secondary_needs_proof {
                        // An admin giving the same address vouches for it.
                        next.secondary_email_verified = true;
                    }
                    next.secondary_email = secondary;
                }
                next.phone = edits.phone.unwrap_or(next.phone);
                if let Some(locale) = edits.locale {
                    next.locale = locale.unwrap_or_default();
                }
                if let Some(login) = edits.login {
                    next.login = choose_login(txn, &tenant, Some(&login), "", "", None, Some(next.id)).await?;
                    next.login_key = next.login.clone();
                }
                // A claim waiting for its proof is checked against the member's own address
                // only: it must not tell whose another address is, nor block its owner.
                let claim = next.secondary_email.clone().filter(|_| !next.secondary_email_verified);
                let addresses = match &claim {
                    None => vec![
                        ("email", next.email.as_deref()),
                        ("secondaryEmail", next.secondary_email.as_deref()),
                    ],
                    Some(_) => vec![("email", next.email.as_deref())],
                };
                check_emails_free(txn, &tenant.slug, &addresses, Some(next.id)).await?;
                if let (Some(claim), Some(own)) = (&claim, &next.email) {
                    if email::key(claim) == email::key(own) {
                        return Err(Error::invalid("secondaryEmail", "the two addresses must differ"));
                    }
                }
                if next.email != before.email {
                    links_voided_by(txn, &tenant.slug, &[next.id], AccountChange::PasswordOrEmail).await?;
                }
                let claim_is_new = claim.is_some() && next.secondary_email != before.secondary_email;
                let saved = save_profile(txn, &before, next, Some(actor)).await?;
                if let (Some(address), true) = (claim, claim_is_new) {
                    let locale = if saved.locale.is_empty() {
                        tenant.default_locale.clone()
                    } else {
                        saved.locale.clone()
                    };
                    let mail = Mail::SecondaryEmailConfirm {
                        member_id: saved.id,
                        address: address.clone(),
                    };
                    enqueue(txn, &tenant.slug, &address, &locale, &mail).await?;
                }
                Ok(saved)
            })
        })
        .await?)
}

/// Saves the member `next` over `before` through the member writer and audits
/// `member.updated` with the profile fields that changed; a changed main address is
/// unproven. Unchanged: nothing written.
pub async fn save_profile<C: ConnectionTrait>(
    conn: &C,
    before: &members::Model,
    mut next: members::Model,
    actor: Option<Uuid>,
) -> Result<members::Model> {
    if before.email != next.email {
        next.email_verified = false;
    }
    let changes = changed_fields(before, &next);
    let saved = write::save_member(conn, before, next).await?;
    if !changes.is_empty() {
        let details = json!({ "changes": changes });
        audit::record(conn, &saved.tenant, actor, "member.updated", Some(saved.id), details).await?;
    }
    Ok(saved)
}

/// Field-by-field differences of the profile, for the audit log: the profile fields in
/// their order, and whether the second address counts.
fn changed_fields(before: &members::Model, after: &members::Model) -> Vec<serde_json::Value> {
    let proven = |m: &members::Model| Some(if m.secondary_email_verified { "true" } else { "false" });
    let mut pairs: Vec<(&str, Option<&str>, Option<&str>)> = ProfileField::ALL
        .iter()
        .map(|f| (f.api_name(), f.get(before), f.get(after)))
        .collect();
    let after_secondary = 1 + pairs
        .iter()
        .position(|(name, ..)| *name == "secondaryEmail")
        .unwrap_or(0);
    pairs.insert(
        after_secondary,
        ("secondaryEmailVerified", proven(before), proven(after)),
    );
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, b, a)| json!({ "field": field, "before": b, "after": a }))
        .collect()
}

/// The members `filter` selects that the caller may read (members.read, within their
/// groups when it is group-scoped), as a condition for listing and counting.
pub async fn readable<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    filter: &super::MemberFilter,
) -> Result<Condition> {
    let scope = require_scope(conn, caller, Permission::MembersRead).await?;
    filter.validate(&caller.tenant, "filter")?;
    Ok(Condition::all()
        .add(filter.condition(conn, &caller.tenant).await?)
        .add(scope_condition(conn, &caller.tenant, &scope).await?))
}

/// A page of the members the caller may read, and the condition behind it (for totalCount).
pub async fn list_members(
    app: &App,
    caller: &Caller,
    filter: &super::MemberFilter,
    order: list::MemberOrder,
    page: &list::PageRequest,
) -> Result<(list::Page<members::Model>, Condition)> {
    let condition = readable(&app.db, caller, filter).await?;
    if let Some(found) = search_page(app, caller, filter, order, page).await? {
        // totalCount, if asked, still counts the whole filter.
        return Ok((found, condition));
    }
    let page = list::list(&app.db, condition.clone(), order, page).await?;
    Ok((page, condition))
}

/// Search-as-you-type's common case — one search word, no other filter but the status,
/// every member readable, by name, forward — answered from the ordered word index: the
/// ids of the next page (and one more, to know if there is a next). None when the case
/// does not apply.
async fn search_page(
    app: &App,
    caller: &Caller,
    filter: &super::MemberFilter,
    order: list::MemberOrder,
    page: &list::PageRequest,
) -> Result<Option<list::Page<members::Model>>> {
    use entity::member_search_tokens as words;
    use sea_orm::sea_query::Expr;
    use sea_orm::{QueryOrder, QuerySelect};

    let only_search = super::MemberFilter {
        search: filter.search.clone(),
        ..super::MemberFilter::default()
    };
    // The console's list filters by status as a rule; the status is a column of the
    // members the one-word read joins to anyway.
    let with_status = super::MemberFilter {
        status: filter.status,
        ..only_search.clone()
    };
    let terms = filter.search.as_deref().map(search::query_terms).unwrap_or_default();
    let applies = (*filter == only_search || *filter == with_status)
        && terms.len() == 1
        && order == list::MemberOrder::default()
        && page.last.is_none()
        && page.before.is_none()
        && caller.grants(&app.db).await?.scope(Permission::MembersRead) == Some(Scope::All);
    if !applies {
        return Ok(None);
    }
    let term = &terms[0];
    let wanted = page
        .first
        .unwrap_or(list::DEFAULT_PAGE as i32)
        .clamp(0, list::MAX_PAGE as i32) as u64
        + 1;
    let after = page
        .after
        .as_deref()
        .map(|cursor| list::cursor_position("after", list::OrderField::LastName, cursor))
        .transpose()?
        .map(|(sort_key, id)| (sort_key.unwrap_or_default(), id));
    let slug = caller.tenant.slug.as_str();
    let range = || {
        Condition::all()
            .add(words::Column::Tenant.eq(slug))
            .add(words::Column::Token.gte(term.as_str()))
            .add(words::Column::Token.lt(search::prefix_end(term)))
    };
    // The words the prefix covers, found by index seeks. For a few of them, each word's
    // entries are already in name order in the index, so the page is a merge of short
    // ordered reads; for many, one query sorts the whole range.
    let words_in_range = distinct_words(&app.db, slug, term, MERGE_WORDS).await?;
    let keyset = |after: &Option<(String, Uuid)>| {
        after.as_ref().map(|(sort_key, id)| {
            Expr::tuple([
                Expr::col((words::Entity, words::Column::SortKey)).into(),
                Expr::col((words::Entity, words::Column::MemberId)).into(),
            ])
            .gt(Expr::tuple([sort_key.clone().into(), (*id).into()]))
        })
    };
    if let Some([word]) = words_in_range.as_deref() {
        // One word (the usual case): its index entries are in name order already, so the
        // page is one ordered read joined to the members.
        let mut query = members::Entity::find()
            .inner_join(words::Entity)
            .filter(words::Column::Tenant.eq(slug))
            .filter(words::Column::Token.eq(word.as_str()));
        if let Some(status) = filter.status {
            query = query.filter(members::Column::Status.eq(status));
        }
        if let Some(past) = keyset(&after) {
            query = query.filter(past);
        }
        let rows = query
            .order_by_asc(words::Column::SortKey)
            .order_by_asc(words::Column::MemberId)
            .limit(wanted)
            .all(&app.db)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        return Ok(Some(list::page_from(rows, &ids, order, page)?));
    }
    if filter.status.is_some() {
        // The merged reads below see the words only, not the members' status.
        return Ok(None);
    }
    // A few words: a merge of short ordered reads; many: one query sorting the range.
    let groups: Vec<Condition> = match words_in_range {
        Some(words_found) => words_found
            .into_iter()
            .map(|w| {
                Condition::all()
                    .add(words::Column::Tenant.eq(slug))
                    .add(words::Column::Token.eq(w))
            })
            .collect(),
        None => vec![range()],
    };
    let mut rows: Vec<(String, Uuid)> = Vec::new();
    for condition in groups {
        // Distinct: over a range of words a member has several entries (racer,
        // racer12, racer12@…), and the limit must count members, not entries.
        let mut query = words::Entity::find()
            .select_only()
            .column(words::Column::SortKey)
            .column(words::Column::MemberId)
            .distinct()
            .filter(condition);
        if let Some(past) = keyset(&after) {
            query = query.filter(past);
        }
        let found: Vec<(String, Uuid)> = query
            .order_by_asc(words::Column::SortKey)
            .order_by_asc(words::Column::MemberId)
            .limit(wanted)
            .into_tuple()
            .all(&app.db)
            .await?;
        rows.extend(found);
    }
    // A member found through two words (Dupont, dupont@…) counts once.
    rows.sort();
    rows.dedup_by(|a, b| a.1 == b.1);
    rows.truncate(wanted as usize);
    let ids: Vec<Uuid> = rows.into_iter().map(|(_, id)| id).collect();
    Ok(Some(list::page_of(&app.db, slug, &ids, order, page).await?))
}

/// Most distinct words a prefix may cover for the merged read.
const MERGE_WORDS: usize = 16;

/// The distinct words starting with `prefix`, by one index seek each (a recursive query:
/// one round trip); None when more than `most`.
async fn distinct_words(
    db: &sea_orm::DatabaseConnection,
    tenant: &str,
    prefix: &str,
    most: usize,
) -> Result<Option<Vec<String>>> {
    use sea_orm::{ConnectionTrait, Statement};

    const WORDS: &str = "WITH RECURSIVE found(token, n) AS ( \
        SELECT (SELECT min(token) FROM member_search_tokens WHERE tenant = $1 AND token >= $2 AND token < $3), 1 \
        UNION ALL \
        SELECT (SELECT min(token) FROM member_search_tokens WHERE tenant = $1 AND token > found.token AND token < $3), n + 1 \
        FROM found WHERE found.token IS NOT NULL AND n <= $4) \
        SELECT token FROM found WHERE token IS NOT NULL ORDER BY n";
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        WORDS,
        [
            tenant.into(),
            prefix.into(),
            search::prefix_end(prefix).into(),
            (most as i64).into(),
        ],
    );
    let mut words = Vec::new();
    for row in db.query_all(statement).await? {
        words.push(row.try_get::<String>("", "token")?);
    }
    Ok((words.len() <= most).then_some(words))
}
