//! The preview of an upload: its columns, the errors at their rows, the error report,
//! and what applying the rest does.

use serde_json::{json, Value};

use super::{at, errors_at, id_of, sorted_errors};
use crate::support::imports::{Confirm, File};
use crate::support::tenants::AMAP;
use crate::support::{error_code, error_fields, TestApp};

#[tokio::test]
async fn french_csv_preview_reports_each_error_at_its_row_and_applies_the_rest() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let before = admin.member_count(json!({})).await;

    let job = admin
        .start_import(File::fixture("cagette-adherents.csv"), "CREATE")
        .await;

    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["format"], "CSV");
    assert_eq!(job["totalRows"], 30, "the last line is blank and skipped");
    let columns: Vec<(&str, Option<&str>)> = job["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["header"].as_str().unwrap(), c["field"].as_str()))
        .collect();
    assert_eq!(
        columns,
        [
            ("Prénom", Some("first_name")),
            ("Nom", Some("last_name")),
            ("Email", Some("email")),
            ("Email 2", Some("secondary_email")),
            ("Téléphone", Some("phone"))
        ]
    );
    assert_eq!(
        sorted_errors(&job),
        [
            at(6, "Email", "DUPLICATE_ROW"),
            at(9, "Email", "INVALID_EMAIL"),
            at(12, "Prénom", "REQUIRED")
        ],
        "{job}"
    );
    let duplicate = job["rowErrors"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["row"] == 6)
        .unwrap();
    assert!(
        duplicate["message"].as_str().unwrap().contains("ligne 4"),
        "French admin, French message: {duplicate}"
    );
    assert_eq!(duplicate["value"], "BENOIT.GARCON2@EXEMPLE.FR", "as the file writes it");
    assert_eq!(job["summary"]["create"], 27);
    assert_eq!(job["summary"]["errorRows"], 3);
    assert_eq!(admin.member_count(json!({})).await, before, "a preview changes nothing");

    // The error report: the three rows as they were, with an error column.
    let report = &job["errorReport"];
    assert_eq!(report["fileName"], "cagette-adherents-errors.csv");
    let (status, content_type, disposition, body) = app.fetch(report["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(disposition.contains("attachment") && disposition.contains("cagette-adherents-errors.csv"));
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Prénom;Nom;Email;Email 2;Téléphone;Erreurs");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[2].starts_with("Yannick;Chevalier;jean dupont@exemple.fr;"),
        "{text}"
    );
    assert!(
        lines[2].contains("Email\u{a0}: Ce n'est pas une adresse e-mail valide"),
        "each problem after its column, as French writes it: {text}"
    );

    // Errors block the apply unless the admin skips those rows.
    let id = id_of(&job);
    let refused = admin.apply_import_answer(id, Confirm::NOTHING).await;
    assert_eq!(error_code(&refused), Some("VALIDATION"));
    assert_eq!(error_fields(&refused), ["skipInvalidRows"]);
    let done = admin.apply_import(id, Confirm::SKIP_INVALID_ROWS).await;
    assert_eq!(done["status"], "DONE");
    assert!(done["undoableUntil"].is_string());
    assert_eq!(admin.member_count(json!({})).await, before + 27);
    assert_eq!(admin.member_count(json!({ "origin": "IMPORT" })).await, 27);

    let found = admin
        .gql("{ members(filter: {search: \"oeuvray\"}) { nodes { id login phone secondaryEmail roles { role { key } } } } }", json!({}))
        .await;
    let marie = &found["members"]["nodes"][0];
    assert_eq!(marie["login"], "marie-therese.oeuvray", "accents folded, œ → oe");
    assert_eq!(marie["phone"], "0665622478", "phones keep their leading zero");
    assert_eq!(marie["roles"][0]["role"]["key"], "member", "default roles");

    let audit = admin
        .gql(
            "{ auditLog(filter: {action: \"import.applied\"}) { nodes { targetId targetMember { id } details } } }",
            json!({}),
        )
        .await;
    let entry = &audit["auditLog"]["nodes"][0];
    assert_eq!(entry["targetId"], id);
    assert!(entry["targetMember"].is_null(), "an import is no member: {entry}");
    let details: Value = serde_json::from_str(entry["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["created"], 27);
    assert_eq!(details["errorRows"], 3);

    // A job is applied once.
    let again = admin.apply_import_answer(id, Confirm::SKIP_INVALID_ROWS).await;
    assert_eq!(error_code(&again), Some("CONFLICT"));
}

#[tokio::test]
async fn spreadsheet_fixtures_report_each_error_at_its_row() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;

    // An Amapress export (XLSX): roles by French label, an unknown role, a bad login,
    // a repeated login, a row without email.
    let job = admin
        .start_import(File::fixture("amapress-utilisateurs.xlsx"), "CREATE")
        .await;
    assert_eq!(job["format"], "XLSX");
    assert_eq!(
        sorted_errors(&job),
        [
            at(5, "Identifiant", "INVALID_LOGIN"),
            at(9, "Adresse de messagerie", "REQUIRED"),
            at(10, "Identifiant", "DUPLICATE_ROW"),
            at(15, "Rôle", "UNKNOWN_ROLE"),
        ],
        "{job}"
    );
    assert_eq!(job["summary"]["create"], 11);
    admin.apply_import(id_of(&job), Confirm::SKIP_INVALID_ROWS).await;
    let referents = admin.member_count(json!({ "roles": ["referent"] })).await;
    assert_eq!(
        referents, 4,
        "\"Référent producteur\" is the referent role's French label"
    );

    // A CitizenLab invitation sheet (XLSX): mailto: address, repeated address.
    let job = admin
        .start_import(File::fixture("citizenlab-invitations.xlsx"), "INVITE")
        .await;
    assert_eq!(
        sorted_errors(&job),
        [at(6, "email", "INVALID_EMAIL"), at(8, "email", "DUPLICATE_ROW")],
        "{job}"
    );
    assert_eq!(job["summary"]["invite"], 18);
    assert_eq!(job["newGroups"], json!(["Quartier A", "Quartier B"]));

    // A LibreOffice sheet (ODS) with the French headers of a small association.
    let job = admin.start_import(File::fixture("adherents.ods"), "CREATE").await;
    assert_eq!(job["format"], "ODS");
    assert_eq!(job["summary"]["create"], 10, "{job}");
    assert_eq!(job["summary"]["errorRows"], 0);
}

#[tokio::test]
async fn an_old_excel_file_reads_as_its_xlsx_twin() {
    // amapress-utilisateurs.xls is the XLSX fixture saved by LibreOffice as Excel 97-2003.
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let created = "query($id: ID!) { importJob(id: $id) { changes(kind: CREATE, first: 100) { totalCount nodes { row login changes { field after } } } } }";
    let mut previews = Vec::new();
    for name in ["amapress-utilisateurs.xlsx", "amapress-utilisateurs.xls"] {
        let job = admin.start_import(File::fixture(name), "CREATE").await;
        let rows = admin.gql(created, json!({ "id": job["id"] })).await;
        previews.push((job, rows["importJob"]["changes"].clone()));
    }
    let ((xlsx, xlsx_rows), (xls, xls_rows)) = (&previews[0], &previews[1]);
    assert_eq!(xls["format"], "XLS");
    assert_eq!(xls["columns"], xlsx["columns"]);
    assert_eq!(xls["summary"], xlsx["summary"]);
    assert_eq!(errors_at(xls), errors_at(xlsx));
    assert_eq!(xls["rowErrors"], xlsx["rowErrors"], "same values and messages");
    assert_eq!(xls_rows["totalCount"], 11);
    // Every cell of every new member, as read.
    assert_eq!(
        xls_rows["nodes"][0]["changes"][3],
        json!({ "field": "lastName", "after": "Brûlé" })
    );
    assert_eq!(xls_rows, xlsx_rows);
}

#[tokio::test]
async fn a_large_preview_is_written_as_it_is_planned_and_applies_in_file_order() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // More rows than the planner keeps in memory at once, with passwords (held until
    // hashed) spread through the file and one failing row.
    let mut file = String::from("Identifiant;Prénom;Nom;Email;Mot de passe\r\n");
    for n in 0..2_600 {
        let password = if n % 700 == 3 {
            format!("secret-pass-{n}")
        } else {
            String::new()
        };
        let email = if n == 1_500 {
            "not an address".to_owned()
        } else {
            format!("bulk{n}@amap.example.org")
        };
        file.push_str(&format!("bulk{n};Ana;Bulk{n};{email};{password}\r\n"));
    }
    let job = admin.start_import(File::new("bulk.csv", file), "CREATE").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["create"], 2_599);
    assert_eq!(job["summary"]["errorRows"], 1);
    assert_eq!(errors_at(&job), [at(1_502, "Email", "INVALID_EMAIL")]);
    let id = id_of(&job);
    let page = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { changes(kind: CREATE, first: 100) { totalCount nodes { row login } } } }",
            json!({ "id": id }),
        )
        .await;
    let changes = &page["importJob"]["changes"];
    assert_eq!(changes["totalCount"], 2_599);
    let rows: Vec<i64> = changes["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["row"].as_i64().unwrap())
        .collect();
    assert_eq!(
        rows,
        (2..102).collect::<Vec<i64>>(),
        "file order, password rows in their place"
    );
    assert_eq!(changes["nodes"][3]["login"], "bulk3");
    // Batches written side by side (PostgreSQL) commit in any order: the plan still
    // reads back whole and in file order, page after page.
    let mut all_rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = admin
            .gql(
                "query($id: ID!, $after: String) { importJob(id: $id) { changes(kind: CREATE, first: 100, after: $after) \
                 { nodes { row } pageInfo { hasNextPage endCursor } } } }",
                json!({ "id": id, "after": after }),
            )
            .await;
        let changes = &page["importJob"]["changes"];
        all_rows.extend(
            changes["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["row"].as_i64().unwrap()),
        );
        if changes["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = changes["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<i64> = (2..2_602).filter(|row| *row != 1_502).collect();
    assert_eq!(all_rows, expected);

    let done = admin.apply_import_answer(id, Confirm::SKIP_INVALID_ROWS).await;
    assert_eq!(done["data"]["applyImport"]["status"], "DONE", "{done}");
    assert_eq!(admin.member_count(json!({ "search": "bulk" })).await, 2_599);
    // A password from the file, hashed after planning, signs in.
    app.login("amap", "bulk2103", "secret-pass-2103").await;
}
