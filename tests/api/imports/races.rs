//! Imports at the same time as each other, as an undo, or as a process that died.

use std::collections::BTreeMap;

use serde_json::json;

use super::id_of;
use crate::support::client::Client;
use crate::support::imports::{Confirm, File};
use crate::support::tenants::AMAP;
use crate::support::{error_code, TestApp};

/// A file of `count` members `racer{n}` with the given last name.
fn racers(count: usize, last_name: &str) -> File {
    let mut file = String::from("Identifiant;Prénom;Nom;Email\r\n");
    for n in 0..count {
        file.push_str(&format!("racer{n};Rémi;{last_name};racer{n}@amap.example.org\r\n"));
    }
    File::new("racers.csv", file)
}

/// The racers' last names, and how many members have each (read from the database).
async fn racer_names(app: &TestApp) -> BTreeMap<String, usize> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let racers = entity::members::Entity::find()
        .filter(entity::members::Column::Tenant.eq("amap"))
        .filter(entity::members::Column::Login.starts_with("racer"))
        .all(&app.app.db)
        .await
        .unwrap();
    let mut names = BTreeMap::new();
    for member in racers {
        *names.entry(member.last_name).or_default() += 1;
    }
    names
}

/// Previews renaming all 300 racers to `last_name`; the job's id.
async fn preview_racers(admin: &Client<'_>, last_name: &str) -> String {
    let job = admin
        .start_import_with(
            racers(300, last_name),
            json!({ "mode": "SYNC", "absentMembers": "KEEP" }),
        )
        .await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["update"], 300, "{job}");
    id_of(&job).to_owned()
}

/// Gives the tenant 300 members `racer0…racer299` named "Start".
async fn seed_racers(admin: &Client<'_>) {
    let seeded = admin.start_import(racers(300, "Start"), "CREATE").await;
    admin.apply_import(id_of(&seeded), Confirm::NOTHING).await;
}

#[tokio::test]
async fn two_imports_applied_at_once_never_lose_an_update() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    seed_racers(&admin).await;

    for round in 0..4 {
        let (alpha, beta) = (format!("Alpha{round}"), format!("Beta{round}"));
        let first = preview_racers(&admin, &alpha).await;
        let second = preview_racers(&admin, &beta).await;
        let (a, b) = tokio::join!(
            admin.apply_import_answer(&first, Confirm::NOTHING),
            admin.apply_import_answer(&second, Confirm::NOTHING)
        );
        let (winner, loser, loser_id) = match (error_code(&a), error_code(&b)) {
            (None, Some("CONFLICT")) => (&alpha, &b, &second),
            (Some("CONFLICT"), None) => (&beta, &a, &first),
            other => panic!("round {round}: exactly one apply must win, the other CONFLICT: {other:?}\n{a}\n{b}"),
        };
        assert!(loser["errors"][0]["message"].as_str().unwrap().len() > 20, "{loser}");
        assert_eq!(
            racer_names(&app).await,
            [(winner.clone(), 300)].into(),
            "round {round}: the list is the winner's plan"
        );
        // However the loser lost (another apply under way, or members moved), its plan
        // can never apply over the winner's changes.
        let again = admin.apply_import_answer(loser_id, Confirm::NOTHING).await;
        assert_eq!(error_code(&again), Some("CONFLICT"), "round {round}: {again}");
        assert_eq!(racer_names(&app).await, [(winner.clone(), 300)].into());
    }
}

#[tokio::test]
async fn an_undo_racing_an_apply_never_overwrites_it() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    seed_racers(&admin).await;

    for round in 0..3 {
        let before = racer_names(&app).await;
        let applied = preview_racers(&admin, &format!("Gamma{round}")).await;
        admin.apply_import(&applied, Confirm::NOTHING).await;
        let racing = preview_racers(&admin, &format!("Delta{round}")).await;
        let (undone, delta) = tokio::join!(
            admin.undo_import_answer(&applied),
            admin.apply_import_answer(&racing, Confirm::NOTHING)
        );
        let after = racer_names(&app).await;
        let left_alone = undone["data"]["undoImport"]["undoLeftAlone"].as_array().map(Vec::len);
        match (error_code(&undone), error_code(&delta)) {
            // The undo went first: the other plan was made on what it reverted.
            (None, Some("CONFLICT")) => {
                assert_eq!(left_alone, Some(0), "{undone}");
                assert_eq!(after, before, "round {round}");
            }
            // The apply went first: the undo leaves every member it changed alone.
            (None, None) => {
                assert_eq!(left_alone, Some(300), "{undone}");
                assert_eq!(after, [(format!("Delta{round}"), 300)].into(), "round {round}");
            }
            // The undo found the tenant busy: nothing of it happened.
            (Some("CONFLICT"), None) => {
                assert_eq!(after, [(format!("Delta{round}"), 300)].into(), "round {round}");
            }
            other => panic!("round {round}: {other:?}\n{undone}\n{delta}"),
        }
    }
}

/// Leaves a job as a killed process would: in `status`, its lease ending at `lease_until`.
async fn leave_job(app: &TestApp, id: &str, status: &str, lease_until: chrono::DateTime<chrono::Utc>) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::import_jobs::Entity::update_many()
        .col_expr(entity::import_jobs::Column::Status, Expr::value(status))
        .col_expr(entity::import_jobs::Column::LeaseUntil, Expr::value(Some(lease_until)))
        .filter(entity::import_jobs::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_job_whose_process_died_is_recovered_once_its_lease_lapses() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let now = chrono::Utc::now();
    let second = chrono::Duration::seconds(1);
    let mut previewed = Vec::new();
    for name in ["a.csv", "b.csv", "c.csv"] {
        let file = File::new(name, racers(3, "Dead").bytes);
        previewed.push(id_of(&admin.start_import(file, "CREATE").await).to_owned());
    }
    let [dead_apply, dead_preview, live_apply] = &previewed[..] else {
        unreachable!()
    };
    leave_job(&app, dead_apply, "APPLYING", now - second).await;
    leave_job(&app, dead_preview, "VALIDATING", now - second).await;
    // Another instance still working on this one: its lease runs.
    leave_job(&app, live_apply, "APPLYING", now + chrono::Duration::seconds(30)).await;

    let refused = admin.cancel_import_answer(live_apply).await;
    assert_eq!(
        error_code(&refused),
        Some("CONFLICT"),
        "a running job cannot be cancelled: {refused}"
    );

    roster::jobs::run_once(&app.app).await.unwrap();
    assert_eq!(
        admin.import_status(dead_apply).await,
        "READY",
        "an apply rolled back with its process"
    );
    assert_eq!(admin.import_status(dead_preview).await, "FAILED");
    assert_eq!(
        admin.import_status(live_apply).await,
        "APPLYING",
        "its lease still runs"
    );
    let applied = admin.apply_import_answer(dead_apply, Confirm::NOTHING).await;
    assert_eq!(applied["data"]["applyImport"]["status"], "DONE", "{applied}");

    // Once its lease lapses the admin can drop it at once, before the worker passes.
    leave_job(&app, live_apply, "APPLYING", chrono::Utc::now() - second).await;
    let cancelled = admin.cancel_import(live_apply).await;
    assert_eq!(cancelled["status"], "CANCELLED");
}

#[tokio::test]
async fn an_apply_still_holding_its_job_is_left_running_and_nobody_waits_for_it() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, TransactionTrait};
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    if app.app.db.get_database_backend() != DatabaseBackend::Postgres {
        // SQLite has one instance and no row locks: its writers exclude each other.
        return;
    }
    let admin = app.admin("amap").await;
    let job = admin
        .start_import(File::new("held.csv", racers(3, "Held").bytes), "CREATE")
        .await;
    let id = id_of(&job).to_owned();
    // An apply on another instance: its transaction holds the job's row, and its lease
    // lapsed while it ran (a million rows take minutes).
    leave_job(&app, &id, "APPLYING", chrono::Utc::now() - chrono::Duration::seconds(1)).await;
    let apply = app.app.db.begin().await.unwrap();
    entity::import_jobs::Entity::update_many()
        .col_expr(entity::import_jobs::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(entity::import_jobs::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&apply)
        .await
        .unwrap();

    let swept = tokio::time::timeout(std::time::Duration::from_secs(5), roster::jobs::run_once(&app.app)).await;
    assert!(swept.is_ok(), "the worker did not wait for the apply's transaction");
    assert_eq!(admin.import_status(&id).await, "APPLYING", "a held job is alive");

    // The apply's process dies: its transaction ends, and the job is recovered.
    apply.rollback().await.unwrap();
    roster::jobs::run_once(&app.app).await.unwrap();
    assert_eq!(admin.import_status(&id).await, "READY");
}
