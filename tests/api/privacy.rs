//! Personal data: erasure leaves no trace and keeps the records readable, the export
//! holds everything about one member and nothing of others, self-erasure and retention
//! follow the tenant's `[privacy]`.

use crate::support;

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use serde_json::{json, Value};
use support::client::Client;
use support::imports::{Confirm, File};
use support::{error_code, TestApp, ACME};

const ERASE: &str =
    "mutation($s: MemberSelection!, $p: Boolean! = false) { eraseMembers(selection: $s, allowProtected: $p) { matched changed } }";
const INVITE: &str =
    "mutation($e: [String!]!) { inviteMembers(input: {emails: $e}) { invitations { email } addedToGroups { login } } }";

/// What a member is recognised by; each must be gone after erasure.
const ZEB: [&str; 6] = [
    "Zébulon",
    "Xylophage",
    "zeb.x@erase.example",
    "zeb.home@erase.example",
    "99 88 77 66",
    "zebulon.xylo",
];

fn tenant(privacy: &str) -> String {
    format!(
        "{ACME}\n[roles.coordinator]\npermissions = [\"members.read\", \"members.update\", \"members.deactivate\", \"members.export\"]\n\n[privacy]\n{privacy}\n"
    )
}

/// Zébulon Xylophage, created by the admin with every detail of [`ZEB`]: his id.
async fn zebulon(admin: &Client<'_>) -> String {
    let input = json!({
        "firstName": "Zébulon", "lastName": "Xylophage", "login": "zebulon.xylo",
        "email": "zeb.x@erase.example", "secondaryEmail": "zeb.home@erase.example", "phone": "06 99 88 77 66",
    });
    admin.create_member(input).await
}

/// Every text or binary column of every table of the test's database that contains
/// `needle`, as `table.column`.
async fn traces_of(t: &TestApp, needle: &str) -> Vec<String> {
    let db = &t.app.db;
    let backend = db.get_database_backend();
    let columns: Vec<(String, String, bool)> = match backend {
        DatabaseBackend::Postgres => db
            .query_all(Statement::from_string(
                backend,
                "SELECT table_name, column_name, data_type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let kind: String = r.try_get("", "data_type").unwrap();
                (r.try_get("", "table_name").unwrap(), r.try_get("", "column_name").unwrap(), kind == "bytea")
            })
            .collect(),
        _ => {
            let tables = db
                .query_all(Statement::from_string(
                    backend,
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                ))
                .await
                .unwrap();
            let mut columns = Vec::new();
            for table in tables {
                let table: String = table.try_get("", "name").unwrap();
                let info = db
                    .query_all(Statement::from_string(backend, format!("PRAGMA table_info(\"{table}\")")))
                    .await
                    .unwrap();
                for column in info {
                    let kind: String = column.try_get("", "type").unwrap();
                    let kind = kind.to_ascii_lowercase();
                    if kind.contains("char") || kind.contains("text") || kind.contains("blob") || kind.contains("json") {
                        columns.push((table.clone(), column.try_get("", "name").unwrap(), false));
                    }
                }
            }
            columns
        }
    };
    assert!(columns.len() > 20, "the scan sees the schema: {columns:?}");
    let mut found = Vec::new();
    for (table, column, binary) in columns {
        let test = match (backend, binary) {
            (DatabaseBackend::Postgres, true) => format!("position(convert_to($1, 'UTF8') in \"{column}\") > 0"),
            (DatabaseBackend::Postgres, false) => format!("strpos(lower(\"{column}\"::text), lower($1)) > 0"),
            _ => format!("instr(lower(CAST(\"{column}\" AS TEXT)), lower(?)) > 0"),
        };
        let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE {test}");
        let row = db
            .query_one(Statement::from_sql_and_values(backend, sql, [needle.into()]))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

#[tokio::test]
async fn an_erased_member_leaves_no_trace_and_the_records_still_read() {
    let t = TestApp::with_tenants(&[("acme", tenant("").as_str())]).await;
    let admin = t.admin_as("acme", "admin@acme.example").await;
    let id = zebulon(&admin).await;
    let session = t.member("acme", &id, "zebulon-password-1").await;
    // Leave traces everywhere Roster keeps some: groups, invitations, mail, the audit log,
    // the import history (an error row naming him) and an export.
    let group = admin.create_group(json!({ "name": "Tuesday" })).await;
    admin.add_members_to_group(&group, json!({ "ids": [id] })).await;
    admin
        .gql("mutation($id: ID!) { sendPasswordReset(id: $id) }", json!({ "id": id }))
        .await;
    admin.update_member(&id, json!({ "phone": "06 99 88 77 66 " })).await;
    let file = "Prénom;Nom;Adresse e-mail\nZébulon;Xylophage;ZEB.X@erase.example\nNina;Newcomer;nina@erase.example\n";
    let job = admin.start_import(File::new("membres.csv", file), "CREATE").await;
    assert_eq!(job["summary"]["errorRows"], 1, "{job}");
    let job_id = job["id"].as_str().unwrap();
    admin.apply_import(job_id, Confirm::SKIP_INVALID_ROWS).await;
    admin.gql("{ exportMembers { url } }", json!({})).await;
    for needle in ZEB {
        assert!(
            !traces_of(&t, needle).await.is_empty(),
            "{needle} is stored before erasure"
        );
    }

    let erased = admin.gql(ERASE, json!({ "s": { "ids": [id] } })).await;
    assert_eq!(erased["eraseMembers"], json!({ "matched": 1, "changed": 1 }));
    for needle in ZEB {
        assert_eq!(
            traces_of(&t, needle).await,
            Vec::<String>::new(),
            "{needle} left behind"
        );
    }
    let me = session.me().await;
    assert!(me.is_null(), "no session of his works: {me}");

    // The records still read: the audit log by his id, the import with its counts.
    let audit = admin
        .gql(
            "query($id: ID!) { auditLog(filter: {targetId: $id}) { totalCount nodes { action } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(audit["auditLog"]["totalCount"].as_i64().unwrap() >= 2, "{audit}");
    let erasures = admin
        .gql(
            "{ auditLog(filter: {action: \"members.erased\"}) { nodes { details } } }",
            json!({}),
        )
        .await;
    let details = erasures["auditLog"]["nodes"][0]["details"].to_string();
    assert!(
        details.contains("\\\"count\\\":1") || details.contains("\"count\":1"),
        "{details}"
    );
    let import = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { status summary { create errorRows } } }",
            json!({ "id": job_id }),
        )
        .await;
    assert_eq!(import["importJob"]["status"], "DONE", "{import}");
    assert_eq!(import["importJob"]["summary"]["create"], 1);

    // His address is free: inviting it invites someone new.
    let invited = admin.gql(INVITE, json!({ "e": ["zeb.x@erase.example"] })).await;
    assert_eq!(
        invited["inviteMembers"]["invitations"][0]["email"],
        "zeb.x@erase.example"
    );
}

#[tokio::test]
async fn erasure_needs_its_permission_spares_the_caller_and_protected_roles_and_stays_in_its_tenant() {
    let toml = tenant("");
    let t = TestApp::with_tenants(&[("acme", toml.as_str()), ("other", ACME)]).await;
    let admin = t.admin_as("acme", "admin@acme.example").await;
    let other_admin = t.admin_as("other", "admin@other.example").await;
    let id = zebulon(&admin).await;
    let coordinator = admin
        .create_member(json!({ "firstName": "Cora", "lastName": "Coord", "email": "cora@acme.example" }))
        .await;
    admin
        .set_member_roles(&coordinator, json!([{ "role": "coordinator" }]))
        .await;
    let cora = t.member("acme", &coordinator, "cora-password-1").await;
    let refused = cora.gql_answer(ERASE, json!({ "s": { "ids": [id] } })).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let foreign = other_admin.gql(ERASE, json!({ "s": { "ids": [id] } })).await;
    assert_eq!(
        foreign["eraseMembers"]["changed"], 0,
        "another tenant's member is out of reach"
    );

    let admin_id = admin.me().await["id"].clone();
    let second_id = t.admin_as("acme", "second@acme.example").await.me().await["id"].clone();
    let selection = json!({ "ids": [admin_id, second_id] });
    let guarded = admin.gql_answer(ERASE, json!({ "s": selection })).await;
    assert_eq!(
        error_code(&guarded),
        Some("VALIDATION"),
        "an admin needs the confirmation: {guarded}"
    );
    let confirmed = admin.gql(ERASE, json!({ "s": selection, "p": true })).await;
    assert_eq!(
        confirmed["eraseMembers"],
        json!({ "matched": 2, "changed": 1 }),
        "the caller is never erased by it"
    );
    assert_eq!(admin.me().await["id"], admin_id, "the caller is still signed in");
    let member = admin
        .gql("query($id: ID!) { member(id: $id) { id } }", json!({ "id": id }))
        .await;
    assert_eq!(member["member"]["id"], json!(id), "nothing else was erased");
}

#[tokio::test]
async fn undoing_an_import_leaves_its_erased_members_erased() {
    let t = TestApp::with_tenants(&[("acme", tenant("").as_str())]).await;
    let admin = t.admin_as("acme", "admin@acme.example").await;
    let file = "Prénom;Nom;Adresse e-mail\nZébulon;Xylophage;zeb.x@erase.example\nNina;Newcomer;nina@erase.example\n";
    let job = admin.start_import(File::new("membres.csv", file), "CREATE").await;
    let job_id = job["id"].as_str().unwrap();
    admin.apply_import(job_id, Confirm::SKIP_INVALID_ROWS).await;
    let found = admin
        .gql(
            "{ members(filter: {search: \"zeb.x@erase.example\"}) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = found["members"]["nodes"][0]["id"].clone();
    admin.gql(ERASE, json!({ "s": { "ids": [id] } })).await;
    let undone = admin.undo_import(job_id).await;
    assert_eq!(undone["status"], "UNDONE");
    for needle in ["Zébulon", "zeb.x@erase.example"] {
        assert_eq!(traces_of(&t, needle).await, Vec::<String>::new(), "{needle} came back");
    }
    let nina = admin
        .gql(
            "{ members(filter: {search: \"nina\"}) { nodes { status } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        nina["members"]["nodes"][0]["status"], "DEACTIVATED",
        "the rest of the undo happened"
    );
}

/// The JSON behind a download link.
async fn download_json(t: &TestApp, link: &Value) -> Value {
    let url = url::Url::parse(link["url"].as_str().unwrap()).unwrap();
    let (status, content_type, _, body) = t.fetch(url.as_str()).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"), "{content_type}");
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn the_export_holds_everything_about_the_member_and_nothing_of_others() {
    let t = TestApp::with_tenants(&[("acme", tenant("").as_str())]).await;
    let admin = t.admin_as("acme", "admin@acme.example").await;
    let id = zebulon(&admin).await;
    let group = admin.create_group(json!({ "name": "Tuesday" })).await;
    admin.add_members_to_group(&group, json!({ "ids": [id] })).await;
    admin.gql(INVITE, json!({ "e": ["someone.else@erase.example"] })).await;
    let zeb = t.member("acme", &id, "zebulon-password-1").await;

    let mine = zeb.gql("{ myData { url fileName contentType } }", json!({})).await;
    let data = download_json(&t, &mine["myData"]).await;
    assert_eq!(data["member"]["email"], "zeb.x@erase.example");
    assert_eq!(data["member"]["phone"], "06 99 88 77 66");
    assert_eq!(data["groups"][0]["name"], "Tuesday");
    let roles: Vec<&str> = data["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["member"]);
    let actions: Vec<&str> = data["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"member.created"), "{actions:?}");
    let text = data.to_string();
    for other in [
        "admin@acme.example",
        "someone.else@erase.example",
        "password_hash",
        "argon2",
    ] {
        assert!(!text.contains(other), "{other} does not belong in his data");
    }

    let by_admin = admin
        .gql("query($id: ID!) { memberData(id: $id) { url } }", json!({ "id": id }))
        .await;
    assert_eq!(
        download_json(&t, &by_admin["memberData"]).await["member"]["login"],
        "zebulon.xylo"
    );
    let unknown = admin
        .gql(
            "query($id: ID!) { memberData(id: $id) { url } }",
            json!({ "id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert!(unknown["memberData"].is_null());
    let refused = zeb
        .gql_answer("query($id: ID!) { memberData(id: $id) { url } }", json!({ "id": id }))
        .await;
    assert_eq!(
        error_code(&refused),
        Some("FORBIDDEN"),
        "members.export is needed even for oneself"
    );
}

#[tokio::test]
async fn self_erasure_follows_the_tenant_and_spares_the_last_admin() {
    let erase_me = "mutation($p: String!) { eraseMyAccount(currentPassword: $p) }";
    let closed = TestApp::with_tenants(&[("acme", tenant("").as_str())]).await;
    let admin = closed.admin_as("acme", "admin@acme.example").await;
    let id = zebulon(&admin).await;
    let zeb = closed.member("acme", &id, "zebulon-password-1").await;
    let refused = zeb.gql_answer(erase_me, json!({ "p": "zebulon-password-1" })).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "not allowed by this tenant");

    let t = TestApp::with_tenants(&[("acme", tenant("self_erasure = true").as_str())]).await;
    let admin = t.admin_as("acme", "admin@acme.example").await;
    let id = zebulon(&admin).await;
    let zeb = t.member("acme", &id, "zebulon-password-1").await;
    let wrong = zeb.gql_answer(erase_me, json!({ "p": "not-my-password" })).await;
    assert_eq!(error_code(&wrong), Some("VALIDATION"));
    let done = zeb.gql(erase_me, json!({ "p": "zebulon-password-1" })).await;
    assert_eq!(done["eraseMyAccount"], true);
    assert_eq!(traces_of(&t, "zeb.x@erase.example").await, Vec::<String>::new());
    let last = admin
        .gql_answer(erase_me, json!({ "p": "correct-horse-battery" }))
        .await;
    assert_eq!(error_code(&last), Some("CONFLICT"), "the last admin stays: {last}");
}

#[tokio::test]
async fn retention_erases_exactly_the_members_past_the_delay_and_old_records() {
    let privacy = "erase_deactivated_after = \"30d\"\naudit_retention = \"365d\"\nimport_history_retention = \"90d\"";
    let t = TestApp::with_tenants(&[("acme", tenant(privacy).as_str()), ("other", ACME)]).await;
    let admin = t.admin_as("acme", "admin@acme.example").await;
    let other_admin = t.admin_as("other", "admin@other.example").await;
    let early = zebulon(&admin).await;
    let late = admin
        .create_member(json!({ "firstName": "Lola", "lastName": "Late", "email": "lola@erase.example" }))
        .await;
    let active = admin
        .create_member(json!({ "firstName": "Ada", "lastName": "Active", "email": "ada@erase.example" }))
        .await;
    // The same in a tenant without retention: never erased.
    let elsewhere = other_admin
        .create_member(json!({ "firstName": "Otto", "lastName": "Other", "email": "otto@erase.example" }))
        .await;
    let deactivate = "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { changed } }";
    admin.gql(deactivate, json!({ "s": { "ids": [early, late] } })).await;
    other_admin
        .gql(deactivate, json!({ "s": { "ids": [elsewhere] } }))
        .await;
    let now = Utc::now();
    let uuid = |v: &String| uuid::Uuid::parse_str(v).unwrap();
    entity::members::Entity::update_many()
        .col_expr(
            entity::members::Column::DeactivatedAt,
            Expr::value(Some(now - Duration::days(40))),
        )
        .filter(entity::members::Column::Id.is_in([uuid(&early), uuid(&elsewhere)]))
        .exec(&t.app.db)
        .await
        .unwrap();
    entity::audit_log::Entity::update_many()
        .col_expr(entity::audit_log::Column::At, Expr::value(now - Duration::days(400)))
        .filter(entity::audit_log::Column::Action.eq("member.created"))
        .filter(entity::audit_log::Column::TargetId.eq(uuid(&active)))
        .exec(&t.app.db)
        .await
        .unwrap();

    let swept = roster::members::retention::sweep(&t.app, now).await.unwrap();
    assert_eq!(swept.erased, 1, "only the member deactivated 40 days ago");
    assert!(traces_of(&t, "zeb.x@erase.example").await.is_empty());
    assert!(
        !traces_of(&t, "lola@erase.example").await.is_empty(),
        "deactivated today: kept"
    );
    assert!(
        !traces_of(&t, "otto@erase.example").await.is_empty(),
        "no retention in that tenant"
    );
    assert_eq!(swept.audit_entries, 1, "the one entry older than a year");
    let run = admin
        .gql(
            "{ auditLog(filter: {action: \"privacy.retention_run\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(run["auditLog"]["totalCount"], 1);

    // A month later, the other one's turn; the active member is never touched.
    let swept = roster::members::retention::sweep(&t.app, now + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(swept.erased, 1);
    assert!(traces_of(&t, "lola@erase.example").await.is_empty());
    assert_eq!(admin.member(&active).await["status"], "ACTIVE");
}
