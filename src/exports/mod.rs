//! `exportMembers`: the members a filter selects, in the columns a SYNC import reads
//! back (so an export imported again changes nothing), as CSV or XLSX behind a download
//! link. The password column holds the placeholder, never anything derived from a hash.

pub mod write;

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::app::App;
use crate::auth::permissions::require_scope;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::downloads::{self, File, Link, CSV, XLSX};
use crate::error::{Error, Result};
use crate::imports::file::Format;
use crate::imports::row::PASSWORD_PLACEHOLDERS;
use crate::imports::template::{columns, headings, is_french, Heading};
use crate::imports::Mode;
use crate::members::filter::scope_condition;
use crate::members::{MemberFilter, Status};
use entity::{group_members, groups, members, role_assignments};

/// `FileFormat` of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// `exportMembers` (members.export, within the caller's scope of it).
pub async fn export_members(
    app: &App,
    caller: &Caller,
    filter: &MemberFilter,
    format: ExportFormat,
    locale: &str,
) -> Result<Link> {
    let scope = require_scope(&app.db, caller, Permission::MembersExport).await?;
    filter.validate(&caller.tenant, "filter")?;
    let tenant = &caller.tenant;
    let condition = Condition::all()
        .add(filter.condition(&app.db, tenant).await?)
        .add(scope_condition(&app.db, tenant, &scope).await?);
    let selected = members::Entity::find()
        .filter(condition)
        .order_by_asc(members::Column::SortKey)
        .order_by_asc(members::Column::Id)
        .all(&app.db)
        .await?;
    let file = sheet(app, tenant, &selected, format, locale).await?;
    downloads::store(app, tenant, file).await
}

/// The export file of these members.
async fn sheet(
    app: &App,
    tenant: &Tenant,
    selected: &[members::Model],
    format: ExportFormat,
    locale: &str,
) -> Result<File> {
    let (roles, groups) = links(app, tenant, selected).await?;
    let french = is_french(locale);
    let cells = Cells {
        roles,
        groups,
        french,
        placeholder: if french {
            PASSWORD_PLACEHOLDERS[0]
        } else {
            PASSWORD_PLACEHOLDERS[1]
        },
    };
    let layout = headings(Mode::Sync, tenant);
    let rows: Vec<Vec<String>> = selected
        .iter()
        .map(|m| layout.iter().map(|(heading, _)| cells.of(m, heading)).collect())
        .collect();
    let columns = columns(&layout, tenant, locale);
    let stem = format!("{}-members-{}", tenant.slug, chrono::Utc::now().format("%Y-%m-%d"));
    Ok(match format {
        ExportFormat::Xlsx => File {
            name: format!("{stem}.xlsx"),
            content_type: XLSX.to_owned(),
            bytes: write::xlsx("Members", &columns, &rows)?,
        },
        ExportFormat::Csv => {
            let headers: Vec<String> = columns.into_iter().map(|c| c.header).collect();
            File {
                name: format!("{stem}.csv"),
                content_type: CSV.to_owned(),
                bytes: write::csv(&headers, &rows, if french { b';' } else { b',' })?,
            }
        }
    })
}

/// What a member's cells are written from besides their row: their roles and groups, and
/// the reader's language.
struct Cells {
    /// Tenant-wide role keys per member, in file order.
    roles: HashMap<Uuid, Vec<String>>,
    /// Manual group names per member, by name.
    groups: HashMap<Uuid, Vec<String>>,
    french: bool,
    /// What the password column says of a member who has one.
    placeholder: &'static str,
}

impl Cells {
    /// The cell of the member `m` under `heading`.
    fn of(&self, m: &members::Model, heading: &Heading) -> String {
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
            Heading::Groups => self.groups.get(&m.id).map(|g| g.join(", ")).unwrap_or_default(),
            Heading::Roles => self.roles.get(&m.id).map(|r| r.join(", ")).unwrap_or_default(),
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

/// Tenant-wide role keys (file order) and manual group names (by name) per member.
async fn links(
    app: &App,
    tenant: &Tenant,
    selected: &[members::Model],
) -> Result<(HashMap<Uuid, Vec<String>>, HashMap<Uuid, Vec<String>>)> {
    let order: HashMap<&str, usize> = tenant.roles.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let names: HashMap<Uuid, String> = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&tenant.slug))
        .filter(groups::Column::Rule.is_null())
        .all(&app.db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let mut roles: HashMap<Uuid, Vec<String>> = HashMap::new();
    let mut groups: HashMap<Uuid, Vec<String>> = HashMap::new();
    let ids: Vec<Uuid> = selected.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(1_000) {
        let held: Vec<(Uuid, String)> = role_assignments::Entity::find()
            .select_only()
            .columns([role_assignments::Column::MemberId, role_assignments::Column::Role])
            .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
            .filter(role_assignments::Column::GroupId.is_null())
            .filter(role_assignments::Column::MemberId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&app.db)
            .await?;
        for (member, role) in held {
            roles.entry(member).or_default().push(role);
        }
        let joined: Vec<(Uuid, Uuid)> = group_members::Entity::find()
            .select_only()
            .columns([group_members::Column::MemberId, group_members::Column::GroupId])
            .filter(group_members::Column::MemberId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&app.db)
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
    Ok((roles, groups))
}
