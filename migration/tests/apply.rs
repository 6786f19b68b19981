//! The migrations apply, roll back and apply again, on SQLite always and on PostgreSQL
//! when `ROSTER_TEST_DATABASE_URL` names a server (a fresh database is made and dropped).

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, Statement,
};
use migration::{Migrator, MigratorTrait, SchemaManager};
use uuid::Uuid;

/// Every table the migrations create.
const TABLES: &[&str] = &[
    "members",
    "member_emails",
    "groups",
    "role_assignments",
    "group_members",
    "invitations",
    "invitation_tokens",
    "one_time_tokens",
    "outbox",
    "import_jobs",
    "import_changes",
    "import_row_errors",
    "audit_log",
    "member_search_tokens",
];

#[tokio::test]
async fn sqlite_up_down_up() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    up_down_up(&db).await;
}

#[tokio::test]
async fn postgres_up_down_up() {
    let Ok(server) = std::env::var("ROSTER_TEST_DATABASE_URL") else {
        eprintln!("ROSTER_TEST_DATABASE_URL not set; skipping the PostgreSQL run");
        return;
    };
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let name = format!("roster_mig_{}_{nanos}", std::process::id());
    let admin = Database::connect(server.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();

    // In a task of its own, so a failed assertion still lets the database be dropped.
    let url = with_database(&server, &name);
    let outcome = tokio::spawn(async move {
        let db = Database::connect(url.as_str()).await.unwrap();
        up_down_up(&db).await;
        db.close().await.unwrap();
    })
    .await;

    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

async fn up_down_up(db: &DatabaseConnection) {
    Migrator::up(db, None).await.unwrap();
    assert_tables(db, true).await;
    check_raw_rows(db).await;
    check_entities(db).await.unwrap();

    Migrator::down(db, None).await.unwrap();
    assert_tables(db, false).await;

    Migrator::up(db, None).await.unwrap();
    assert_tables(db, true).await;
    check_raw_rows(db).await;
}

async fn assert_tables(db: &DatabaseConnection, exist: bool) {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        assert_eq!(manager.has_table(*table).await.unwrap(), exist, "table {table}");
    }
}

/// Rows go in and come out through plain SQL, and deleting a member cascades.
/// Literals only (no placeholders), so the same text runs on both backends.
async fn check_raw_rows(db: &DatabaseConnection) {
    let member = Uuid::new_v4();
    let group = Uuid::new_v4();
    let at = "2026-11-24T10:00:00Z";
    for sql in [
        format!(
            "INSERT INTO members (id, tenant, login, login_key, first_name, last_name, locale, status, origin, \
             search_text, created_at, updated_at) VALUES ('{member}', 'demo', 'Ada', 'ada', 'Ada', 'Lovelace', \
             'en', 'active', 'manual', 'ada lovelace', '{at}', '{at}')"
        ),
        format!("INSERT INTO member_emails (tenant, address_key, member_id, kind) VALUES ('demo', 'ada@x.org', '{member}', 'primary')"),
        format!("INSERT INTO groups (id, tenant, name, name_key, created_at, updated_at) VALUES ('{group}', 'demo', 'Board', 'board', '{at}', '{at}')"),
        format!("INSERT INTO group_members (group_id, member_id, tenant, added_at) VALUES ('{group}', '{member}', 'demo', '{at}')"),
        format!(
            "INSERT INTO role_assignments (id, tenant, member_id, role, group_id, created_at) \
             VALUES ('{}', 'demo', '{member}', 'manager', '{group}', '{at}')",
            Uuid::new_v4()
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_string(
            backend,
            format!("SELECT login, version, email_verified FROM members WHERE id = '{member}'"),
        ))
        .await
        .unwrap()
        .expect("the member just inserted");
    assert_eq!(row.try_get::<String>("", "login").unwrap(), "Ada");
    assert_eq!(row.try_get::<i64>("", "version").unwrap(), 1, "version defaults to 1");
    assert!(!row.try_get::<bool>("", "email_verified").unwrap());

    let duplicate = format!(
        "INSERT INTO members (id, tenant, login, login_key, first_name, last_name, locale, status, origin, \
         search_text, created_at, updated_at) VALUES ('{}', 'demo', 'ADA', 'ada', 'A', 'L', 'en', 'active', \
         'manual', '', '{at}', '{at}')",
        Uuid::new_v4()
    );
    assert!(
        db.execute_unprepared(&duplicate).await.is_err(),
        "login_key is unique per tenant"
    );

    db.execute_unprepared(&format!("DELETE FROM members WHERE id = '{member}'"))
        .await
        .unwrap();
    for table in ["member_emails", "group_members", "role_assignments"] {
        let count = db
            .query_one(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(count, 0, "{table} rows go with their member");
    }
    db.execute_unprepared("DELETE FROM groups").await.unwrap();
}

/// Every entity reads its table (so its columns exist), and the widest ones
/// round-trip a full row (so their types match the schema).
async fn check_entities(db: &DatabaseConnection) -> Result<(), DbErr> {
    use entity::prelude::*;
    AuditLog::find().all(db).await?;
    GroupMembers::find().all(db).await?;
    Groups::find().all(db).await?;
    ImportChanges::find().all(db).await?;
    ImportJobs::find().all(db).await?;
    ImportRowErrors::find().all(db).await?;
    InvitationTokens::find().all(db).await?;
    Invitations::find().all(db).await?;
    MemberEmails::find().all(db).await?;
    MemberSearchTokens::find().all(db).await?;
    Members::find().all(db).await?;
    OneTimeTokens::find().all(db).await?;
    Outbox::find().all(db).await?;
    RoleAssignments::find().all(db).await?;

    // Whole seconds: PostgreSQL keeps microseconds only.
    let at: DateTime<Utc> = DateTime::from_timestamp(1_795_600_000, 0).unwrap();
    let member = entity::members::Model {
        id: Uuid::new_v4(),
        tenant: "demo".into(),
        login: "grace".into(),
        login_key: "grace".into(),
        email: Some("grace@x.org".into()),
        secondary_email: None,
        email_verified: true,
        phone: None,
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        locale: "en".into(),
        status: "active".into(),
        origin: "import".into(),
        origin_import_id: Some(Uuid::new_v4()),
        password_hash: Some("$argon2id$…".into()),
        uses_default_password: false,
        must_change_password: true,
        search_text: "grace hopper".into(),
        last_login_at: Some(at),
        created_at: at,
        updated_at: at,
        deactivated_at: None,
        version: 7,
        sort_key: "hopper grace".into(),
    };
    Members::insert(member.clone().into_active_model())
        .exec_without_returning(db)
        .await?;
    assert_eq!(Members::find_by_id(member.id).one(db).await?, Some(member.clone()));

    let job = entity::import_jobs::Model {
        id: Uuid::new_v4(),
        tenant: "demo".into(),
        mode: "sync".into(),
        status: "previewed".into(),
        file_name: "members.xlsx".into(),
        format: "xlsx".into(),
        total_rows: 3,
        processed_rows: 2,
        columns: "[]".into(),
        summary: "{}".into(),
        options: "{}".into(),
        error: None,
        error_report: Some(vec![0, 1, 2, 255]),
        created_by: Some(member.id),
        created_at: at,
        updated_at: at,
        applied_at: None,
        undoable_until: Some(at),
    };
    ImportJobs::insert(job.clone().into_active_model())
        .exec_without_returning(db)
        .await?;
    assert_eq!(ImportJobs::find_by_id(job.id).one(db).await?, Some(job.clone()));

    ImportJobs::delete_by_id(job.id).exec(db).await?;
    Members::delete_by_id(member.id).exec(db).await?;
    Ok(())
}

/// `server` with its database (path) replaced by `name`, keeping any query string.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}
