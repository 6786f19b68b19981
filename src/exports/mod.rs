//! `exportMembers`: the members a filter selects, in the columns a SYNC import reads
//! back (so an export imported again changes nothing), as CSV or XLSX behind a download
//! link. The password column holds the placeholder, never anything derived from a hash.
//! The file is built when the link is fetched and streamed as it is written, a page of
//! members at a time, so an export of a million members holds one page in memory.

pub mod write;

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, IsolationLevel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use self::write::SheetWriter;
use crate::app::App;
use crate::auth::permissions::{require_scope, Grants};
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::downloads::{self, BodyWriter, ByteStream, Link, CSV, XLSX};
use crate::error::{Error, Result};
use crate::imports::file::Format;
use crate::imports::row::PASSWORD_PLACEHOLDERS;
use crate::imports::template::{columns, headings, is_french, Heading};
use crate::imports::Mode;
use crate::members::filter::scope_condition;
use crate::members::{MemberFilter, Status};
use entity::{group_members, groups, members, role_assignments};

/// `FileFormat` of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl TryFrom<Format> for ExportFormat {
    type Error = Error;

    /// Exports come as CSV or XLSX: VALIDATION on `format` for ODS and XLS.
    fn try_from(format: Format) -> Result<Self> {
        match format {
            Format::Csv => Ok(ExportFormat::Csv),
            Format::Xlsx => Ok(ExportFormat::Xlsx),
            Format::Ods | Format::Xls => Err(Error::invalid("format", "exports come as CSV or XLSX")),
        }
    }
}

/// What an export link builds when it is fetched (stored with the link): who asked,
/// whose right to export is checked again then, which members, in which format and
/// language.
#[derive(Debug, Serialize, Deserialize)]
struct Recipe {
    by: Uuid,
    filter: MemberFilter,
    format: ExportFormat,
    locale: String,
}

/// Members read, with their roles and groups, per database round trip of an export.
const PAGE: u64 = 2_000;

/// `exportMembers` (members.export, within the caller's scope of it): a link to the
/// file, which is built and streamed when the link is fetched, from the members the
/// filter selects then.
pub async fn export_members(
    app: &App,
    caller: &Caller,
    filter: &MemberFilter,
    format: ExportFormat,
    locale: &str,
) -> Result<Link> {
    require_scope(&app.db, caller, Permission::MembersExport).await?;
    filter.validate(&caller.tenant, "filter")?;
    let tenant = &caller.tenant;
    // The organization's date, not UTC's: an export just after midnight in Paris is
    // named after the day it was made there.
    let today = crate::stored::now().with_timezone(&tenant.time_zone(app.settings.time_zone));
    let stem = format!("{}-members-{}", tenant.slug, today.format("%Y-%m-%d"));
    let (name, content_type) = match format {
        ExportFormat::Csv => (format!("{stem}.csv"), CSV),
        ExportFormat::Xlsx => (format!("{stem}.xlsx"), XLSX),
    };
    let recipe = Recipe {
        by: caller.member_id(),
        filter: filter.clone(),
        format,
        locale: locale.to_owned(),
    };
    let recipe = serde_json::to_value(&recipe).map_err(|e| Error::Internal(e.to_string()))?;
    downloads::store_recipe(app, tenant, &name, content_type, recipe).await
}

/// The export file of a stored recipe, streamed as it is written; None when the member
/// who asked for it is gone, deactivated, or no longer holds `members.export`.
///
/// The members are read page by page in one read-only transaction (a snapshot on
/// PostgreSQL; SQLite's reads in a transaction see one state), so a member changed
/// during the download appears once, as they were when it started.
pub async fn build(app: &App, tenant: &Arc<Tenant>, recipe: serde_json::Value) -> Result<Option<ByteStream>> {
    let recipe: Recipe = serde_json::from_value(recipe).map_err(|e| Error::Internal(format!("export recipe: {e}")))?;
    let Some(by) = crate::members::find(&app.db, &tenant.slug, recipe.by)
        .await?
        .filter(|m| m.status == Status::Active)
    else {
        return Ok(None);
    };
    let Some(scope) = Grants::cached(&app.db, tenant, &by)
        .await?
        .scope(Permission::MembersExport)
    else {
        return Ok(None);
    };
    let db = app.db.clone();
    let turns = app.exports.clone();
    let tenant = tenant.clone();
    let runtime = tokio::runtime::Handle::current();
    Ok(Some(downloads::streamed(move |out| {
        let _turn = runtime
            .block_on(turns.acquire_owned())
            .map_err(|_| Error::ServiceUnavailable("the server is stopping".into()))?;
        let txn = runtime.block_on(snapshot(&db))?;
        let condition = runtime.block_on(async {
            Ok::<_, Error>(
                Condition::all()
                    .add(recipe.filter.condition(&txn, &tenant).await?)
                    .add(scope_condition(&txn, &tenant, &scope).await?),
            )
        })?;
        let cells = runtime.block_on(Cells::load(&txn, &tenant, &recipe.locale))?;
        let layout = headings(Mode::Sync, &tenant);
        let mut sheet = sheet(out, &tenant, &layout, recipe.format, &recipe.locale)?;
        let mut after: Option<(String, Uuid)> = None;
        loop {
            let page = runtime.block_on(page(&txn, &condition, after.as_ref()))?;
            let Some(last) = page.last() else { break };
            after = Some((last.sort_key.clone(), last.id));
            let links = runtime.block_on(links(&txn, &tenant, &page, &cells.group_names))?;
            for member in &page {
                let row: Vec<String> = layout
                    .iter()
                    .map(|(heading, _)| cells.of(member, heading, &links))
                    .collect();
                sheet.row(&row)?;
            }
        }
        sheet.finish()
    })))
}

/// A read-only transaction that sees one state of the database throughout.
async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await?
        }
        _ => db.begin().await?,
    })
}

/// The selected members after `after` (sort key, id) in list order, [`PAGE`] at most.
async fn page(
    txn: &DatabaseTransaction,
    condition: &Condition,
    after: Option<&(String, Uuid)>,
) -> Result<Vec<members::Model>> {
    let mut query = members::Entity::find().filter(condition.clone());
    if let Some((sort_key, id)) = after {
        let position = Expr::tuple([
            Expr::col(members::Column::SortKey).into(),
            Expr::col(members::Column::Id).into(),
        ]);
        query = query.filter(position.gt(Expr::tuple([sort_key.as_str().into(), (*id).into()])));
    }
    Ok(query
        .order_by_asc(members::Column::SortKey)
        .order_by_asc(members::Column::Id)
        .limit(PAGE)
        .all(txn)
        .await?)
}

/// The sheet the members are written to, its header written.
fn sheet<'a>(
    out: &'a mut BodyWriter,
    tenant: &Tenant,
    layout: &[(Heading, bool)],
    format: ExportFormat,
    locale: &str,
) -> Result<SheetWriter<&'a mut BodyWriter>> {
    let columns = columns(layout, tenant, locale);
    match format {
        ExportFormat::Xlsx => SheetWriter::xlsx(out, "Members", &columns),
        ExportFormat::Csv => {
            let headers: Vec<String> = columns.into_iter().map(|c| c.header).collect();
            SheetWriter::csv(out, &headers, if is_french(locale) { b';' } else { b',' })
        }
    }
}

/// The roles and groups of a page of members.
struct Links {
    /// Tenant-wide role keys per member, in file order.
    roles: HashMap<Uuid, Vec<String>>,
    /// Manual group names per member, by name.
    groups: HashMap<Uuid, Vec<String>>,
}

/// What a member's cells are written from besides their row and links: the tenant's
/// manual groups and the reader's language.
struct Cells {
    /// Names of the tenant's manual groups by id.
    group_names: HashMap<Uuid, String>,
    french: bool,
    /// What the password column says of a member who has one.
    placeholder: &'static str,
}

impl Cells {
    async fn load(txn: &DatabaseTransaction, tenant: &Tenant, locale: &str) -> Result<Cells> {
        let group_names = groups::Entity::find()
            .filter(groups::Column::Tenant.eq(&tenant.slug))
            .filter(groups::Column::Rule.is_null())
            .all(txn)
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        let french = is_french(locale);
        Ok(Cells {
            group_names,
            french,
            placeholder: if french {
                PASSWORD_PLACEHOLDERS[0]
            } else {
                PASSWORD_PLACEHOLDERS[1]
            },
        })
    }

    /// The cell of the member `m` under `heading`.
    fn of(&self, m: &members::Model, heading: &Heading, links: &Links) -> String {
        match heading {
            Heading::Login => m.login.clone(),
            Heading::Email => m.email.clone().unwrap_or_default(),
            Heading::FirstName => m.first_name.clone(),
            Heading::LastName => m.last_name.clone(),
            // An unconfirmed address is not the member's yet: re-imported, it would become so.
            Heading::SecondaryEmail => m
                .secondary_email
                .clone()
                .filter(|_| m.secondary_email_verified)
                .unwrap_or_default(),
            Heading::Phone => m.phone.clone().unwrap_or_default(),
            Heading::Locale => m.locale.clone(),
            Heading::Groups => links.groups.get(&m.id).map(|g| g.join(", ")).unwrap_or_default(),
            Heading::Roles => links.roles.get(&m.id).map(|r| r.join(", ")).unwrap_or_default(),
            Heading::Admin => String::new(),
            Heading::Password => {
                if m.password_hash.is_some() || m.uses_default_password {
                    self.placeholder.to_owned()
                } else {
                    String::new()
                }
            }
            Heading::Status => match (m.status == Status::Active, self.french) {
                (true, true) => "Activé",
                (false, true) => "Désactivé",
                (true, false) => "Active",
                (false, false) => "Inactive",
            }
            .to_owned(),
        }
    }
}

/// The tenant-wide role keys (file order) and manual group names (by name) of `page`.
async fn links(
    txn: &DatabaseTransaction,
    tenant: &Tenant,
    page: &[members::Model],
    names: &HashMap<Uuid, String>,
) -> Result<Links> {
    let order: HashMap<&str, usize> = tenant.roles.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let mut roles: HashMap<Uuid, Vec<String>> = HashMap::new();
    let mut groups: HashMap<Uuid, Vec<String>> = HashMap::new();
    let ids: Vec<Uuid> = page.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(1_000) {
        let held: Vec<(Uuid, String)> = role_assignments::Entity::find()
            .select_only()
            .columns([role_assignments::Column::MemberId, role_assignments::Column::Role])
            .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
            .filter(role_assignments::Column::GroupId.is_null())
            .filter(role_assignments::Column::MemberId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(txn)
            .await?;
        for (member, role) in held {
            roles.entry(member).or_default().push(role);
        }
        let joined: Vec<(Uuid, Uuid)> = group_members::Entity::find()
            .select_only()
            .columns([group_members::Column::MemberId, group_members::Column::GroupId])
            .filter(group_members::Column::MemberId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(txn)
            .await?;
        for (member, group) in joined {
            if let Some(name) = names.get(&group) {
                groups.entry(member).or_default().push(name.clone());
            }
        }
    }
    for list in roles.values_mut() {
        list.sort_by_key(|k| order.get(k.as_str()).copied().unwrap_or(usize::MAX));
    }
    for list in groups.values_mut() {
        list.sort_by_key(|g| g.to_lowercase());
    }
    Ok(Links { roles, groups })
}
