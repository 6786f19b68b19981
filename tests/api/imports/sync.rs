//! SYNC against members who already exist: updates, the absent deactivated, undo, and an
//! apply that finds the list changed or breaks half-way.

use serde_json::{json, Value};

use super::{at, id_of, names, seed, sync_file, warnings_at, SEED};
use crate::support::imports::{Confirm, File};
use crate::support::tenants::AMAP;
use crate::support::{error_code, error_fields, plan_of, TestApp};

#[tokio::test]
async fn sync_updates_deactivates_the_absent_and_undo_puts_everything_back() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let ids = seed(&admin).await;
    let eve = app.member("amap", &ids["eve.noir"], "eve-password-1").await;

    // KEEP: only the file's own state changes deactivate.
    let kept = admin
        .start_import_with(sync_file(), json!({ "mode": "SYNC", "absentMembers": "KEEP" }))
        .await;
    assert_eq!(kept["summary"]["deactivate"], 1, "{kept}");
    let cancelled = admin.cancel_import(id_of(&kept)).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    let logged = admin
        .gql(
            "query($id: ID!) { auditLog(filter: {action: \"import.cancelled\", targetId: $id}) { totalCount } }",
            json!({ "id": kept["id"] }),
        )
        .await;
    assert_eq!(logged["auditLog"]["totalCount"], 1, "the cancel is in the audit log");
    let late = admin.apply_import_answer(id_of(&kept), Confirm::NOTHING).await;
    assert_eq!(
        error_code(&late),
        Some("CONFLICT"),
        "a cancelled import cannot be applied"
    );

    let job = admin.start_import(sync_file(), "SYNC").await;
    let summary = &job["summary"];
    assert_eq!(
        (
            summary["create"].as_i64(),
            summary["update"].as_i64(),
            summary["deactivate"].as_i64(),
            summary["unchanged"].as_i64()
        ),
        (Some(1), Some(2), Some(2), Some(1)),
        "carl by his state, eve by her absence; dora's address differs only in case: {job}"
    );
    assert_eq!(job["newGroups"], json!(["Fromage"]));
    let updates = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { changes(kind: UPDATE) { totalCount nodes { row login member { id } changes { field before after } } } \
             absent: changes(kind: DEACTIVATE) { nodes { row login } } } }",
            json!({ "id": job["id"] }),
        )
        .await;
    let nodes = &updates["importJob"]["changes"]["nodes"];
    assert_eq!(nodes[0]["row"], 2);
    assert_eq!(nodes[0]["member"]["id"], ids["anne.petit"]);
    assert_eq!(
        nodes[0]["changes"],
        json!([{ "field": "lastName", "before": "Petit", "after": "Petit-Durand" }])
    );
    assert_eq!(
        nodes[1]["changes"],
        json!([{ "field": "groups", "before": "Légumes, Pain", "after": "Pain" }])
    );
    let absent: Vec<(Value, Value)> = updates["importJob"]["absent"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["row"].clone(), n["login"].clone()))
        .collect();
    assert!(
        absent.contains(&(Value::Null, json!("eve.noir"))),
        "absent members have no row: {absent:?}"
    );

    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let anne = admin.member(&ids["anne.petit"]).await;
    assert_eq!(anne["lastName"], "Petit-Durand");
    assert_eq!(anne["phone"], "0601020304", "a column the file lacks is left alone");
    assert_eq!(
        admin.member(&ids["bob.martin"]).await["groups"],
        json!([{ "name": "Pain" }])
    );
    assert_eq!(admin.member(&ids["carl.roux"]).await["status"], "DEACTIVATED");
    assert_eq!(admin.member(&ids["eve.noir"]).await["status"], "DEACTIVATED");
    assert_eq!(admin.member(&ids["dora.blanc"]).await["email"], "dora@x.org");
    let me = eve.gql_answer("{ me { id } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "a deactivated member's session ends: {me}");
    let fred = admin
        .gql(
            "{ members(filter: {search: \"fred\"}) { nodes { id origin groups { name } } } }",
            json!({}),
        )
        .await;
    let fred = &fred["members"]["nodes"][0];
    assert_eq!(fred["origin"], "IMPORT");
    assert_eq!(fred["groups"], json!([{ "name": "Fromage" }]));

    // Someone edits Anne after the import: undo leaves her as she is now.
    admin
        .update_member(&ids["anne.petit"], json!({ "firstName": "Annie" }))
        .await;
    assert!(job["undoneAt"].is_null(), "{job}");
    let undone = admin.undo_import(id_of(&job)).await;
    assert_eq!(undone["status"], "UNDONE");
    assert!(undone["undoableUntil"].is_null());
    let (applied, undone_at) = (
        undone["appliedAt"].as_str().unwrap(),
        undone["undoneAt"].as_str().unwrap(),
    );
    assert!(undone_at > applied, "undone after it was applied: {undone}");
    assert_eq!(undone["undoLeftAlone"], json!([{ "id": ids["anne.petit"] }]));
    let anne = admin.member(&ids["anne.petit"]).await;
    assert_eq!(
        (anne["firstName"].as_str(), anne["lastName"].as_str()),
        (Some("Annie"), Some("Petit-Durand"))
    );
    let bob = admin.member(&ids["bob.martin"]).await;
    let mut groups = names(&bob["groups"]);
    groups.sort();
    assert_eq!(groups, ["Légumes", "Pain"]);
    assert_eq!(admin.member(&ids["carl.roux"]).await["status"], "ACTIVE");
    assert_eq!(admin.member(&ids["eve.noir"]).await["status"], "ACTIVE");
    assert_eq!(
        admin.member(fred["id"].as_str().unwrap()).await["status"],
        "DEACTIVATED",
        "created members are deactivated"
    );
    let twice = admin.undo_import_answer(id_of(&job)).await;
    assert_eq!(error_code(&twice), Some("CONFLICT"));
}

#[tokio::test]
async fn a_member_changed_since_the_preview_makes_apply_fail_with_nothing_changed() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let ids = seed(&admin).await;
    let job = admin
        .start_import_with(sync_file(), json!({ "mode": "SYNC", "absentMembers": "KEEP" }))
        .await;

    admin
        .update_member(&ids["bob.martin"], json!({ "phone": "0700000000" }))
        .await;
    let refused = admin.apply_import_answer(id_of(&job), Confirm::NOTHING).await;

    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("bob.martin"));
    let extensions = &refused["errors"][0]["extensions"];
    assert_eq!(extensions["key"], "changed-since-preview", "{refused}");
    assert_eq!(extensions["args"], json!({ "count": "1", "names": "bob.martin" }));
    assert_eq!(
        admin.member(&ids["anne.petit"]).await["lastName"],
        "Petit",
        "nothing applied"
    );
    assert_eq!(admin.member(&ids["carl.roux"]).await["status"], "ACTIVE");
    assert_eq!(admin.member_count(json!({ "search": "fred" })).await, 0);
    let failed = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { status failure } }",
            json!({ "id": job["id"] }),
        )
        .await;
    assert_eq!(failed["importJob"]["status"], "FAILED");
    // The job was previewed in French: its failure stays in French.
    assert_eq!(
        failed["importJob"]["failure"],
        "Un membre a changé depuis l'aperçu (bob.martin) : rien n'a été changé. \
         Recommencez l'import pour voir la liste telle qu'elle est maintenant."
    );
}

#[tokio::test]
async fn mass_deactivation_needs_confirmation_and_spares_protected_members() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let mut file = String::from("login;first name;last name;email\n");
    for n in 0..20 {
        file.push_str(&format!("m{n};First{n};Last{n};m{n}@x.org\n"));
    }
    let job = admin
        .start_import(File::new("people.csv", file.clone()), "CREATE")
        .await;
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let other_admin = admin
        .create_member(
            json!({ "firstName": "Ada", "lastName": "Admin", "email": "ada@x.org", "roles": [{ "role": "admin" }] }),
        )
        .await;

    let kept: String = file.lines().take(6).map(|l| format!("{l}\n")).collect();
    let job = admin.start_import(File::new("five.csv", kept), "SYNC").await;
    assert_eq!(job["summary"]["deactivate"], 15, "not the two admins: {job}");
    let refused = admin.apply_import_answer(id_of(&job), Confirm::NOTHING).await;
    assert_eq!(error_code(&refused), Some("VALIDATION"));
    assert_eq!(error_fields(&refused), ["allowMassDeactivation"]);
    admin.apply_import(id_of(&job), Confirm::MASS_DEACTIVATION).await;

    assert_eq!(admin.member(&other_admin).await["status"], "ACTIVE");
    assert_eq!(admin.member_count(json!({ "status": "ACTIVE" })).await, 7);
}

/// SQL that makes the audit entry of an apply fail (its very last write), and the SQL
/// that takes that trouble away again.
fn broken_audit_log(sqlite: bool) -> (Vec<&'static str>, Vec<&'static str>) {
    if sqlite {
        (
            vec!["CREATE TRIGGER break_apply BEFORE INSERT ON audit_log WHEN NEW.action = 'import.applied' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"],
            vec!["DROP TRIGGER break_apply"],
        )
    } else {
        (
            vec![
                "CREATE FUNCTION break_apply() RETURNS trigger AS $$ BEGIN IF NEW.action = 'import.applied' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER break_apply BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION break_apply()",
            ],
            vec!["DROP TRIGGER break_apply ON audit_log", "DROP FUNCTION break_apply()"],
        )
    }
}

#[tokio::test]
async fn an_apply_that_breaks_half_way_leaves_the_list_as_it_was() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let ids = seed(&admin).await;
    let job = admin.start_import(sync_file(), "SYNC").await;

    // The very last write of an apply (its audit entry) fails: every earlier write must go.
    let db = &app.app.db;
    let (create, drop) = broken_audit_log(db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite);
    for sql in create {
        db.execute_unprepared(sql).await.unwrap();
    }
    let broken = admin.apply_import_answer(id_of(&job), Confirm::NOTHING).await;
    assert_eq!(error_code(&broken), Some("INTERNAL"), "{broken}");
    assert!(
        !broken["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("disk on fire"),
        "no internals"
    );
    assert_eq!(admin.member(&ids["anne.petit"]).await["lastName"], "Petit");
    assert_eq!(admin.member(&ids["eve.noir"]).await["status"], "ACTIVE");
    assert_eq!(admin.member_count(json!({ "search": "fred" })).await, 0);
    let groups = admin.gql("{ groups { name } }", json!({})).await;
    assert_eq!(
        groups["groups"].as_array().unwrap().len(),
        2,
        "no group created: {groups}"
    );

    // The job is READY again, and applies once the trouble is gone.
    for sql in drop {
        db.execute_unprepared(sql).await.unwrap();
    }
    let done = admin.apply_import_answer(id_of(&job), Confirm::NOTHING).await;
    assert_eq!(done["data"]["applyImport"]["status"], "DONE", "{done}");
    assert_eq!(admin.member(&ids["anne.petit"]).await["lastName"], "Petit-Durand");
}

#[tokio::test]
async fn a_login_or_address_taken_since_the_preview_makes_apply_fail_with_nothing_created() {
    let csv = "Identifiant;Email;Prénom;Nom\n\
               lea.blanc;lea.blanc@amap.example;Léa;Blanc\n\
               hugo.vert;hugo@amap.example;Hugo;Vert\n\
               ines.gris;ines@amap.example;Inès;Gris\n";
    // Taken meanwhile: a login in the first round, an address (other case) in the second.
    let takers = [
        (
            json!({ "login": "hugo.vert", "firstName": "Hugo", "lastName": "Autre", "email": "autre@amap.example" }),
            "hugo.vert",
        ),
        (
            json!({ "firstName": "Inès", "lastName": "Autre", "email": "INES@amap.example" }),
            "ines@amap.example",
        ),
    ];
    apply_fails_on_taken(csv, 3, "blanc", takers).await;
}

#[tokio::test]
async fn a_login_or_address_taken_deep_in_a_large_file_still_leaves_nothing_created() {
    // 1,500 new members are three chunks of statements: the writer's builder is ahead of
    // the database when the third chunk is refused, and the first two must not stay.
    let mut csv = String::from("Identifiant;Email;Prénom;Nom\n");
    for n in 0..1_500 {
        csv.push_str(&format!("grand.{n};grand.{n}@amap.example;Louise;Grandfichier\n"));
    }
    let takers = [
        (
            json!({ "login": "grand.1400", "firstName": "Autre", "lastName": "Personne", "email": "autre@amap.example" }),
            "grand.1400",
        ),
        (
            json!({ "firstName": "Autre", "lastName": "Personne", "email": "GRAND.1450@amap.example" }),
            "grand.1450@amap.example",
        ),
    ];
    apply_fails_on_taken(&csv, 1_500, "grandfichier", takers).await;
}

/// For each (member, what they take): in a new tenant, a CREATE preview of `csv` (`rows`
/// new members), then that member created, then the apply: CONFLICT naming what was
/// taken, the job FAILED, and no member found by `search` (none of the file's).
async fn apply_fails_on_taken(csv: &str, rows: usize, search: &str, takers: [(Value, &str); 2]) {
    for (taker, taken) in takers {
        let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
        let admin = app.admin("amap").await;
        let job = admin.start_import(File::new("new.csv", csv), "CREATE").await;
        assert_eq!(job["summary"]["create"], rows, "{job}");
        admin.create_member(taker).await;
        let refused = admin.apply_import_answer(id_of(&job), Confirm::NOTHING).await;

        assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(taken), "{message}");
        // The sentence's key and values, for a frontend that words it in its language.
        let extensions = &refused["errors"][0]["extensions"];
        assert_eq!(extensions["key"], "taken-meanwhile", "{refused}");
        assert_eq!(extensions["args"]["count"], "1", "{refused}");
        assert_eq!(extensions["args"]["names"], taken, "{refused}");
        assert_eq!(
            admin.member_count(json!({ "search": search })).await,
            0,
            "nothing created"
        );
        assert_eq!(admin.import_status(id_of(&job)).await, "FAILED");
    }
}

#[tokio::test]
async fn a_sync_leaves_the_admins_own_password_alone_and_warns_about_it() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let file = File::new(
        "with-passwords.csv",
        "Email;Prénom;Nom;Mot de passe\n\
         admin@amap.example.org;Ada;Admin;File-password-123\n\
         lou@x.org;Lou;Vidal;Lou-password-123\n",
    );
    let job = admin.start_import(file, "SYNC").await;
    assert_eq!(job["summary"]["errorRows"], 0, "{job}");
    assert_eq!(
        warnings_at(&job),
        [at(2, "Mot de passe", "OWN_PASSWORD")],
        "the admin's row is imported, their password left out: {job}"
    );
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;

    let old = app
        .login_answer("amap", "admin@amap.example.org", "correct-horse-battery")
        .await;
    assert_eq!(old["data"]["login"]["mustChangePassword"], false, "{old}");
    let from_file = app
        .login_answer("amap", "admin@amap.example.org", "File-password-123")
        .await;
    assert!(
        from_file["data"].is_null() || from_file["data"]["login"].is_null(),
        "{from_file}"
    );
    let lou = app.login_answer("amap", "lou@x.org", "Lou-password-123").await;
    assert_eq!(
        lou["data"]["login"]["mustChangePassword"], true,
        "others' passwords are set: {lou}"
    );
}

/// Members an undo deactivated are matched by the same file again: being in a file does
/// not reactivate them, and each such row says so and how to; a status column does.
#[tokio::test]
async fn rows_of_deactivated_members_warn_that_they_stay_so_unless_a_status_says_otherwise() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let file = || File::new("new.csv", "Email;Prénom;Nom\nana@x.org;Ana;Neuve\nbo@x.org;Bo;Neuf\n");
    let keep = json!({ "mode": "SYNC", "absentMembers": "KEEP" });

    let first = admin.start_import_with(file(), keep.clone()).await;
    assert_eq!(first["summary"]["create"], 2, "{first}");
    assert_eq!(warnings_at(&first), [], "new members: nothing to warn about");
    admin.apply_import(id_of(&first), Confirm::NOTHING).await;
    admin.undo_import(id_of(&first)).await;

    // The same file again as a CREATE: its rows are errors that say the members are
    // deactivated, and how to bring them back.
    let created_again = admin.start_import(file(), "CREATE").await;
    assert_eq!(
        super::errors_at(&created_again),
        [at(2, "Email", "ALREADY_MEMBER"), at(3, "Email", "ALREADY_MEMBER")],
        "{created_again}"
    );
    let message = created_again["rowErrors"]["nodes"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Un membre désactivé a déjà") && message.contains("« État »"),
        "{message}"
    );
    admin.cancel_import(id_of(&created_again)).await;

    let again = admin.start_import_with(file(), keep.clone()).await;
    assert_eq!(again["summary"]["unchanged"], 2, "{again}");
    assert_eq!(again["summary"]["reactivate"], 0, "{again}");
    assert_eq!(
        warnings_at(&again),
        [at(2, "", "STAYS_DEACTIVATED"), at(3, "", "STAYS_DEACTIVATED")],
        "{again}"
    );
    let message = again["rowWarnings"]["nodes"][0]["message"].as_str().unwrap();
    assert!(message.contains("« État »"), "how to reactivate them: {message}");
    admin.cancel_import(id_of(&again)).await;

    // An empty status cell says nothing either; "Activé" reactivates, without a warning.
    let with_status = File::new(
        "status.csv",
        "Email;Prénom;Nom;État\nana@x.org;Ana;Neuve;Activé\nbo@x.org;Bo;Neuf;\n",
    );
    let reactivating = admin.start_import_with(with_status, keep).await;
    assert_eq!(reactivating["summary"]["reactivate"], 1, "{reactivating}");
    assert_eq!(
        warnings_at(&reactivating),
        [at(3, "État", "STAYS_DEACTIVATED")],
        "{reactivating}"
    );
}

/// A SYNC may carry some columns only (here addresses and phones): members it matches
/// get those, and a row for someone new, who needs names, is a row error naming the
/// columns to add, not the whole file's failure.
#[tokio::test]
async fn a_sync_of_some_columns_updates_them_and_new_rows_without_names_are_row_errors() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let ids = seed(&admin).await;
    let phones = File::new(
        "phones.csv",
        "Email;Téléphone\neve@x.org;06 11 22 33 44\nnew.person@x.org;06 55 66 77 88\n",
    );
    let job = admin
        .start_import_with(phones, json!({ "mode": "SYNC", "absentMembers": "KEEP" }))
        .await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["update"], 1, "{job}");
    assert_eq!(job["summary"]["create"], 0, "{job}");
    assert_eq!(
        super::errors_at(&job),
        [at(3, "Prénom", "REQUIRED"), at(3, "Nom", "REQUIRED")],
        "the columns to add, as the French template heads them: {job}"
    );
    let message = job["rowErrors"]["nodes"][0]["message"].as_str().unwrap();
    assert!(message.contains("Le fichier n'a pas cette colonne"), "{message}");
    admin.apply_import(id_of(&job), Confirm::SKIP_INVALID_ROWS).await;
    let eve = admin
        .gql(
            "query($id: ID!) { member(id: $id) { phone firstName } }",
            json!({ "id": ids["eve.noir"] }),
        )
        .await;
    assert_eq!(eve["member"]["phone"], "06 11 22 33 44", "{eve}");
    assert_eq!(
        eve["member"]["firstName"], "Eve",
        "a column the file lacks is left as it is"
    );
}

/// 300 members of the AMAP, written as an import writes them, with their rows.
async fn three_hundred_duponts(app: &TestApp) -> Vec<roster::members::write::NewMemberRow> {
    let rows: Vec<roster::members::write::NewMemberRow> = (0..300)
        .map(|n| roster::members::write::NewMemberRow {
            member: roster::members::write::new_member("amap", format!("m{n}"), format!("Ana{n}"), "Dupont".into()),
            roles: Vec::new(),
            groups: Vec::new(),
        })
        .collect();
    let tenant = app.app.tenants.get("amap").expect("the tenant");
    roster::members::write::insert_members(&app.app.db, &tenant, rows.clone())
        .await
        .unwrap();
    rows
}

/// A SYNC that renames members deletes their old search words; each statement must look
/// every key up in the word index, not read the whole table. With joins by nested loop
/// ruled out, a statement the planner may flatten into a join (as the earlier one was,
/// into a hash join over a full scan: 200 ms a statement at 100,000 members) shows a
/// join here; a statement whose lookups cannot be flattened keeps them.
#[tokio::test]
async fn old_search_words_are_deleted_by_key_lookups_whatever_the_planner_prefers() {
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let rows = three_hundred_duponts(&app).await;
    let members: Vec<&entity::members::Model> = rows.iter().map(|r| &r.member).collect();
    let backend = app.app.db.get_database_backend();
    let statements = roster::members::search::delete_statements(backend, &members);
    assert!(!statements.is_empty());

    let txn = app.app.db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_nestloop = off").await.unwrap();
    }
    for statement in statements {
        let plan = plan_of(&txn, statement).await;
        // The keys are found by lookups in the primary key, not by a join reading the
        // whole table (PostgreSQL then deletes what they found by row address, or, in a
        // table this small, in one pass over it).
        let (lookup, join) = match backend {
            DbBackend::Postgres => ("Index Scan using member_search_tokens_pkey", "Join"),
            _ => (
                "SEARCH member_search_tokens USING PRIMARY KEY",
                "SCAN member_search_tokens",
            ),
        };
        assert!(plan.contains(lookup) && !plan.contains(join), "{plan}");
    }
    txn.rollback().await.unwrap();

    // And the statements do their work: the members are no longer found by their words.
    let admin = app.admin("amap").await;
    let found = || async {
        let found = admin
            .gql("{ members(filter: {search: \"dupont\"}) { totalCount } }", json!({}))
            .await;
        found["members"]["totalCount"].as_i64().unwrap_or(-1)
    };
    assert_eq!(found().await, 300);
    for statement in roster::members::search::delete_statements(backend, &members) {
        app.app.db.execute(statement).await.unwrap();
    }
    assert_eq!(found().await, 0);
}

/// Members read by id within a tenant (an apply's check of what it touches, a page of a
/// list, an erasure) are looked up by primary key, not found by reading every member of
/// the tenant through one of its indexes — which SQLite, keeping no statistics, chose
/// for `tenant = ? AND id IN (…)`: 220 ms for 500 ids among a million members. Another
/// tenant's ids are still not found.
#[tokio::test]
async fn members_of_a_tenant_read_by_id_are_looked_up_by_primary_key() {
    use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, TransactionTrait};

    let app = TestApp::with_tenants(&[("amap", AMAP), ("coop", crate::support::COOP)]).await;
    let rows = three_hundred_duponts(&app).await;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.member.id).collect();
    let backend = app.app.db.get_database_backend();
    let query = entity::members::Entity::find()
        .filter(roster::members::of_tenant_among("amap", ids.iter().copied()))
        .build(backend);

    let txn = app.app.db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
    }
    let plan = plan_of(&txn, query).await;
    txn.rollback().await.unwrap();
    let by_id = match backend {
        DbBackend::Postgres => "members_pkey",
        _ => "sqlite_autoindex_members_1 (id=?)",
    };
    assert!(plan.contains(by_id) && !plan.contains("idx_members_tenant"), "{plan}");

    let found = roster::members::find_many(&app.app.db, "amap", &ids).await.unwrap();
    assert_eq!(found.len(), 300);
    let elsewhere = roster::members::find_many(&app.app.db, "coop", &ids).await.unwrap();
    assert!(elsewhere.is_empty(), "another tenant's members are not found by id");
}

/// The roles a tenant gives every new member (`member` here) are not the file's to take
/// away: a file naming only the other roles shows them among what a new member will
/// hold, and the same file imported again as SYNC plans nothing.
#[tokio::test]
async fn a_file_naming_only_other_roles_keeps_the_default_role_and_settles() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let created = admin.start_import(File::new("seed.csv", SEED), "CREATE").await;
    let shown = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { changes(kind: CREATE, first: 10) { nodes { login changes { field after } } } } }",
            json!({ "id": created["id"] }),
        )
        .await;
    let carl = shown["importJob"]["changes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["login"] == "carl.roux")
        .unwrap()
        .clone();
    let roles = carl["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "roles")
        .unwrap();
    assert_eq!(roles["after"], "referent, member", "what carl will hold: {carl}");
    admin.apply_import(id_of(&created), Confirm::NOTHING).await;

    let again = admin
        .start_import_with(File::new("seed.csv", SEED), json!({ "mode": "SYNC" }))
        .await;
    assert_eq!(again["summary"]["update"], 0, "{again}");
    assert_eq!(again["summary"]["unchanged"], 5, "{again}");

    // A roles cell naming another role takes away the one the file gave before; an
    // empty cell leaves the roles as they are. (And a member without groups joining
    // one shows no "before".)
    let changed = SEED
        .replace("carl@x.org;;;Référent producteur", "carl@x.org;;;Adhérent")
        .replace(
            "anne@x.org;0601020304;Légumes;Adhérent",
            "anne@x.org;0601020304;Légumes;",
        )
        .replace("eve@x.org;;;", "eve@x.org;;Pain;");
    let job = admin
        .start_import_with(File::new("seed.csv", changed.as_str()), json!({ "mode": "SYNC" }))
        .await;
    assert_eq!(job["summary"]["update"], 2, "{job}");
    let shown = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { changes(kind: UPDATE) { nodes { login changes { field before after } } } } }",
            json!({ "id": job["id"] }),
        )
        .await;
    assert_eq!(
        shown["importJob"]["changes"]["nodes"],
        json!([
            { "login": "carl.roux", "changes": [{ "field": "roles", "before": "referent, member", "after": "member" }] },
            { "login": "eve.noir", "changes": [{ "field": "groups", "before": null, "after": "Pain" }] },
        ])
    );
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let held = admin
        .gql(
            "{ members(filter: {search: \"carl.roux\"}) { nodes { roles { role { key } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        held["members"]["nodes"][0]["roles"],
        json!([{ "role": { "key": "member" } }]),
        "{held}"
    );
}
