//! The error report: the file's failed rows as they were, with an added column saying
//! what is wrong, as CSV the admin fixes and imports again. Passwords are not kept.

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::columns::Field;
use super::messages::RowError;
use super::row::Layout;
use super::text_file::Sheet;
use crate::config::Tenant;
use crate::downloads::{File, CSV};
use crate::error::Result;
use crate::exports::write;
use entity::import_jobs;

/// The report's CSV bytes, or None when no row failed.
pub fn build(layout: &Layout, sheet: &Sheet, errors: &[RowError], locale: &str) -> Result<Option<Vec<u8>>> {
    if errors.is_empty() {
        return Ok(None);
    }
    let french = locale.split('-').next() == Some("fr");
    let mut headers = layout.headers.clone();
    headers.push(if french { "Erreurs" } else { "Errors" }.to_owned());
    let password = layout.index(Field::Password);
    // Grouped once: a large file with many failed rows must not compare every row
    // with every error.
    let mut problems_of: std::collections::HashMap<usize, Vec<String>> = std::collections::HashMap::new();
    for e in errors {
        problems_of.entry(e.row).or_default().push(match &e.column {
            Some(column) => format!(
                "{column}{}{}",
                super::template::colon(locale),
                e.problem.message(locale)
            ),
            None => e.problem.message(locale),
        });
    }
    let mut rows = Vec::new();
    for row in &sheet.rows {
        let Some(problems) = problems_of.get(&row.number) else {
            continue;
        };
        let mut cells = row.cells.to_vec();
        cells.resize(layout.headers.len(), String::new());
        if let Some(index) = password {
            cells[index].clear();
        }
        cells.push(problems.join(" | "));
        rows.push(cells);
    }
    let delimiter = if french { b';' } else { b',' };
    write::csv(&headers, &rows, delimiter).map(Some)
}

/// The stored report of a job of this tenant, as a file.
pub async fn stored<C: ConnectionTrait>(conn: &C, tenant: &Tenant, job_id: Uuid) -> Result<Option<File>> {
    let Some(job) = import_jobs::Entity::find_by_id(job_id).one(conn).await? else {
        return Ok(None);
    };
    if job.tenant != tenant.slug {
        return Ok(None);
    }
    Ok(job.error_report.map(|bytes| File {
        name: file_name(&job.file_name),
        content_type: CSV.to_owned(),
        bytes,
    }))
}

/// `adherents.xlsx` → `adherents-errors.csv`.
pub fn file_name(original: &str) -> String {
    let stem = original.rsplit_once('.').map_or(original, |(stem, _)| stem);
    format!("{stem}-errors.csv")
}
