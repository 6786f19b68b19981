//! Which members a filter or a selection means, as one SQL condition.
//! Smart groups are filters too: their rule is a stored `MemberFilter`.

use std::future::Future;
use std::pin::Pin;

use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{search, Origin, Status};
use crate::auth::permissions::Scope;
use crate::config::Tenant;
use crate::error::{Error, Result};
use entity::import_changes::{self, ChangeKind};
use entity::{group_members, groups, member_search_tokens, members, role_assignments};

/// Most ids a filter or selection may name.
pub const MAX_IDS: usize = 10_000;
/// Smart groups may refer to smart groups this deep; deeper (or a cycle) matches nothing.
const MAX_RULE_DEPTH: u8 = 3;

/// `MemberFilter` of the contract; also the stored rule of a smart group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemberFilter {
    pub search: Option<String>,
    pub status: Option<Status>,
    pub roles: Option<Vec<String>>,
    pub group_ids: Option<Vec<Uuid>>,
    pub group_name: Option<String>,
    pub never_logged_in: Option<bool>,
    pub must_change_password: Option<bool>,
    pub origin: Option<Origin>,
    /// Members this import created (its `CREATE` changes), while its history is kept.
    pub origin_import_id: Option<Uuid>,
    pub ids: Option<Vec<Uuid>>,
}

/// `MemberSelection`: exactly one of ids and filter.
#[derive(Debug, Clone)]
pub enum Selection {
    Ids(Vec<Uuid>),
    Filter(MemberFilter),
}

impl Selection {
    /// Builds a selection from the contract's two optional fields.
    pub fn from_parts(ids: Option<Vec<Uuid>>, filter: Option<MemberFilter>) -> Result<Selection> {
        match (ids, filter) {
            (Some(ids), None) => {
                if ids.len() > MAX_IDS {
                    return Err(Error::invalid("selection.ids", format!("at most {MAX_IDS} ids")));
                }
                Ok(Selection::Ids(ids))
            }
            (None, Some(filter)) => Ok(Selection::Filter(filter)),
            _ => Err(Error::invalid("selection", "give exactly one of ids and filter")),
        }
    }

    /// The same selection as a filter.
    pub fn into_filter(self) -> MemberFilter {
        match self {
            Selection::Ids(ids) => MemberFilter {
                ids: Some(ids),
                ..MemberFilter::default()
            },
            Selection::Filter(filter) => filter,
        }
    }
}

type BoxedCondition<'a> = Pin<Box<dyn Future<Output = Result<Condition>> + Send + 'a>>;

/// Longest search a filter takes, in characters (a search box says so with `maxlength`).
pub const MAX_SEARCH_CHARS: usize = 200;

/// A condition that no row meets.
pub fn nothing() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

impl MemberFilter {
    /// Checks what can be checked without the database: lengths and role keys.
    pub fn validate(&self, tenant: &Tenant, field: &str) -> Result<()> {
        if self
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(Error::invalid(
                format!("{field}.search"),
                format!("at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        if self.ids.as_ref().is_some_and(|ids| ids.len() > MAX_IDS) {
            return Err(Error::invalid(format!("{field}.ids"), format!("at most {MAX_IDS} ids")));
        }
        for role in self.roles.iter().flatten() {
            if tenant.role(role).is_none() {
                return Err(Error::Validation(vec![super::roles::unknown_role(
                    tenant,
                    format!("{field}.roles"),
                    role,
                )]));
            }
        }
        Ok(())
    }

    /// The tenant's members this filter selects.
    pub async fn condition<C: ConnectionTrait>(&self, conn: &C, tenant: &Tenant) -> Result<Condition> {
        self.condition_at(conn, tenant, 0).await
    }

    fn condition_at<'a, C: ConnectionTrait>(
        &'a self,
        conn: &'a C,
        tenant: &'a Tenant,
        depth: u8,
    ) -> BoxedCondition<'a> {
        Box::pin(async move {
            let slug = tenant.slug.as_str();
            let mut cond = Condition::all().add(members::Column::Tenant.eq(slug));
            for term in self.search.as_deref().map(search::query_terms).unwrap_or_default() {
                cond = cond.add(term_condition(slug, &term));
            }
            if let Some(status) = self.status {
                cond = cond.add(members::Column::Status.eq(status));
            }
            if let Some(roles) = &self.roles {
                cond = cond.add(members::Column::Id.in_subquery(role_holders(slug, roles)));
            }
            if let Some(ids) = &self.group_ids {
                cond = cond.add(groups_condition(conn, tenant, ids, depth).await?);
            }
            if let Some(name) = &self.group_name {
                cond = cond.add(group_named(conn, tenant, name, depth).await?);
            }
            if let Some(never) = self.never_logged_in {
                cond = cond.add(if never {
                    members::Column::LastLoginAt.is_null()
                } else {
                    members::Column::LastLoginAt.is_not_null()
                });
            }
            if let Some(must) = self.must_change_password {
                cond = cond.add(must_change_password(must));
            }
            if let Some(origin) = self.origin {
                cond = cond.add(members::Column::Origin.eq(origin));
            }
            if let Some(job) = self.origin_import_id {
                cond = cond.add(members::Column::Id.in_subquery(created_by_import(slug, job)));
            }
            if let Some(ids) = &self.ids {
                cond = cond.add(members::Column::Id.is_in(ids.clone()));
            }
            Ok(cond)
        })
    }
}

/// The members a search term finds.
fn term_condition(slug: &str, term: &search::QueryTerm) -> Condition {
    let begins = |prefix: &str| members::Column::Id.in_subquery(search_hits(slug, prefix));
    match term {
        search::QueryTerm::Word(word) => Condition::all().add(begins(word)),
        search::QueryTerm::WholeOrWords { whole, words } => Condition::any()
            .add(begins(whole))
            .add(words.iter().fold(Condition::all(), |all, word| all.add(begins(word)))),
    }
}

/// The ids of the members with a search word starting with `term`.
fn search_hits(slug: &str, term: &str) -> SelectStatement {
    Query::select()
        .column(member_search_tokens::Column::MemberId)
        .from(member_search_tokens::Entity)
        .and_where(member_search_tokens::Column::Tenant.eq(slug))
        .and_where(member_search_tokens::Column::Token.gte(term))
        .and_where(member_search_tokens::Column::Token.lt(search::prefix_end(term)))
        .to_owned()
}

/// The ids of the members an import created, from its own changes (found by job and
/// kind), as a group's members are from its memberships: `members.origin_import_id`
/// has no index, which every new member would pay for.
fn created_by_import(slug: &str, job: Uuid) -> SelectStatement {
    Query::select()
        .column(import_changes::Column::MemberId)
        .from(import_changes::Entity)
        .and_where(import_changes::Column::JobId.eq(job))
        .and_where(import_changes::Column::Kind.eq(ChangeKind::Create))
        .and_where(import_changes::Column::Tenant.eq(slug))
        .and_where(import_changes::Column::MemberId.is_not_null())
        .to_owned()
}

/// The ids of the members holding any of `roles`.
fn role_holders(slug: &str, roles: &[String]) -> SelectStatement {
    Query::select()
        .column(role_assignments::Column::MemberId)
        .from(role_assignments::Entity)
        .and_where(role_assignments::Column::Tenant.eq(slug))
        .and_where(role_assignments::Column::Role.is_in(roles.to_vec()))
        .to_owned()
}

/// Members of the group called `name` (case-insensitively); nobody when there is none.
async fn group_named<C: ConnectionTrait>(conn: &C, tenant: &Tenant, name: &str, depth: u8) -> Result<Condition> {
    let group = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(tenant.slug.as_str()))
        .filter(groups::Column::NameKey.eq(name.trim().to_lowercase()))
        .one(conn)
        .await?;
    Ok(match group {
        Some(group) => groups_condition(conn, tenant, &[group.id], depth).await?,
        None => nothing(),
    })
}

/// Members who must change their password (a set one, or the tenant's default) when
/// `must`; the others otherwise.
fn must_change_password(must: bool) -> Condition {
    let either = Condition::any()
        .add(members::Column::MustChangePassword.eq(true))
        .add(members::Column::UsesDefaultPassword.eq(true));
    if must {
        either
    } else {
        either.not()
    }
}

/// Members of any of these groups: manual groups by membership, smart ones by rule.
pub async fn groups_condition<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    ids: &[Uuid],
    depth: u8,
) -> Result<Condition> {
    let found = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&tenant.slug))
        .filter(groups::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let mut any = Condition::any().add(nothing());
    let manual: Vec<Uuid> = found.iter().filter(|g| g.rule.is_none()).map(|g| g.id).collect();
    if !manual.is_empty() {
        let members_of = Query::select()
            .column(group_members::Column::MemberId)
            .from(group_members::Entity)
            .and_where(group_members::Column::GroupId.is_in(manual))
            .to_owned();
        any = any.add(members::Column::Id.in_subquery(members_of));
    }
    for group in found.iter().filter(|_| depth < MAX_RULE_DEPTH) {
        if let Some(text) = group.rule.as_deref() {
            let rule: MemberFilter = crate::stored::decode("groups", "rule", group.id, text)?;
            any = any.add(rule.condition_at(conn, tenant, depth + 1).await?);
        }
    }
    Ok(any)
}

/// The members a permission scope covers.
pub async fn scope_condition<C: ConnectionTrait>(conn: &C, tenant: &Tenant, scope: &Scope) -> Result<Condition> {
    match scope {
        Scope::All => Ok(Condition::all()),
        Scope::Groups(ids) => groups_condition(conn, tenant, ids, 0).await,
    }
}
