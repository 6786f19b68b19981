//! Spreadsheet imports through the real server: upload, preview, errors at their rows,
//! error report, apply, SYNC, undo, conflicts, templates, exports and download links,
//! a module per concern; the helpers below are shared by them.

mod apply;
mod downloads;
mod encodings;
mod limits;
mod preview;
mod races;
mod sync;
mod workbooks;

use std::collections::HashMap;

use crate::support;

use serde_json::{json, Value};
use support::client::Client;
use support::imports::{Confirm, File};
use support::TestApp;

/// A job's id, as the requests about it take it.
fn id_of(job: &Value) -> &str {
    job["id"].as_str().unwrap()
}

/// (row, column, code) of each row error of a job.
fn errors_at(job: &Value) -> Vec<(i64, String, String)> {
    problems_at(&job["rowErrors"])
}

/// (row, column, code) of each row warning of a job.
fn warnings_at(job: &Value) -> Vec<(i64, String, String)> {
    problems_at(&job["rowWarnings"])
}

fn problems_at(page: &Value) -> Vec<(i64, String, String)> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The sorted (row, column, code) of each row error, as the tests spell them.
fn sorted_errors(job: &Value) -> Vec<(i64, String, String)> {
    let mut errors = errors_at(job);
    errors.sort();
    errors
}

/// One expected row error.
fn at(row: i64, column: &str, code: &str) -> (i64, String, String) {
    (row, column.to_owned(), code.to_owned())
}

/// The `name`s of a list of groups.
fn names(groups: &Value) -> Vec<&str> {
    groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect()
}

const SEED: &str = "Identifiant;Prénom;Nom;Email;Téléphone;Groupes;Rôles\r\n\
anne.petit;Anne;Petit;anne@x.org;0601020304;Légumes;Adhérent\r\n\
bob.martin;Bob;Martin;bob@x.org;;Légumes, Pain;\r\n\
carl.roux;Carl;Roux;carl@x.org;;;Référent producteur\r\n\
dora.blanc;Dora;Blanc;dora@x.org;;;\r\n\
eve.noir;Eve;Noir;eve@x.org;;;\r\n";

/// Imports SEED with CREATE and returns member ids by login.
async fn seed(admin: &Client<'_>) -> HashMap<String, String> {
    let job = admin.start_import(File::new("seed.csv", SEED), "CREATE").await;
    assert_eq!(job["summary"]["create"], 5, "{job}");
    assert_eq!(job["newGroups"], json!(["Légumes", "Pain"]));
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let list = admin
        .gql("{ members(first: 100) { nodes { id login } } }", json!({}))
        .await;
    list["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["login"].as_str().unwrap().to_owned(),
                m["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const SYNC_FILE: &str = "Identifiant;Prénom;Nom;Email;Groupes;État\r\n\
anne.petit;Anne;Petit-Durand;anne@x.org;Légumes;Activé\r\n\
bob.martin;Bob;Martin;bob@x.org;Pain;Activé\r\n\
carl.roux;Carl;Roux;carl@x.org;;Désactivé\r\n\
dora.blanc;Dora;Blanc;DORA@x.org;;Activé\r\n\
fred.vert;Fred;Vert;fred@x.org;Fromage;Activé\r\n";

/// SYNC_FILE, as uploaded.
fn sync_file() -> File {
    File::new("sync.csv", SYNC_FILE)
}

/// Sets `column` of every row of `table` to `value`, as time passing would.
async fn age_all(app: &TestApp, table: &str, column: &str, value: chrono::DateTime<chrono::Utc>) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.app.db.get_database_backend();
    app.app
        .db
        .execute(Statement::from_sql_and_values(
            backend,
            format!("UPDATE {table} SET {column} = $1"),
            [value.into()],
        ))
        .await
        .unwrap();
}
