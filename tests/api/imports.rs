//! Spreadsheet imports through the real server: upload, preview, errors at their rows,
//! error report, apply, SYNC, undo, conflicts, templates, exports and download links.

use std::collections::{BTreeMap, HashMap};

use crate::support;

use serde_json::{json, Value};
use support::client::Client;
use support::imports::{Confirm, File};
use support::tenants::{AMAP, CLUB};
use support::{error_code, error_fields, TestApp};

/// A job's id, as the requests about it take it.
fn id_of(job: &Value) -> &str {
    job["id"].as_str().unwrap()
}

/// (row, column, code) of each row error of a job.
pub fn errors_at(job: &Value) -> Vec<(i64, String, String)> {
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
            "{ auditLog(filter: {action: \"import.applied\"}) { nodes { targetId details } } }",
            json!({}),
        )
        .await;
    let entry = &audit["auditLog"]["nodes"][0];
    assert_eq!(entry["targetId"], id);
    let details: Value = serde_json::from_str(entry["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["created"], 27);
    assert_eq!(details["errorRows"], 3);

    // A job is applied once.
    let again = admin.apply_import_answer(id, Confirm::SKIP_INVALID_ROWS).await;
    assert_eq!(error_code(&again), Some("CONFLICT"));
}

#[tokio::test]
async fn sync_with_passwords_states_and_generated_logins_then_reimport_changes_nothing() {
    let app = TestApp::with_tenants(&[("club", CLUB)]).await;
    let admin = app.admin("club").await;

    let job = admin.start_import(File::fixture("club-membres.csv"), "SYNC").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["errorRows"], 0, "{job}");
    assert_eq!(
        job["summary"]["deactivate"], 0,
        "the admin running the import is never deactivated"
    );
    let created = job["summary"]["create"].as_i64().unwrap();
    assert_eq!(created, job["totalRows"].as_i64().unwrap());
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;

    // Désactivé rows come in deactivated; a file password works at once (to be changed).
    let inactive = admin.member_count(json!({ "status": "DEACTIVATED" })).await;
    assert_eq!(inactive, 4);
    let signed_in = app
        .gql(
            "club",
            None,
            support::LOGIN,
            json!({ "i": "benoit.durand", "p": "S3cret-longer-pass" }),
        )
        .await;
    assert_eq!(signed_in["data"]["login"]["mustChangePassword"], true, "{signed_in}");
    let defaulted = app
        .gql(
            "club",
            None,
            support::LOGIN,
            json!({ "i": "clement.moreau", "p": "bienvenue-au-club" }),
        )
        .await;
    assert!(
        defaulted["data"]["login"]["token"].is_string(),
        "empty password: the tenant's default: {defaulted}"
    );
    let generated = admin
        .gql(
            "{ members(filter: {search: \"maelle martin\"}) { nodes { login email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        generated["members"]["nodes"][0]["login"], "maelle.martin",
        "an empty login is generated"
    );

    // The same file again: rows with a password set it again, the rest is unchanged.
    let again = admin.start_import(File::fixture("club-membres.csv"), "SYNC").await;
    // Row 19 has neither login nor email: nothing can find that person again, so each
    // SYNC adds them anew (DESIGN.md: a row that matches nobody is new).
    assert_eq!(again["summary"]["create"], 1, "{again}");
    assert_eq!(again["summary"]["deactivate"], 0);
    assert_eq!(
        again["summary"]["update"], 5,
        "the five rows that carry a password: {again}"
    );

    // An export imported back changes nothing at all.
    let export = admin
        .gql("{ exportMembers(format: CSV) { url fileName contentType } }", json!({}))
        .await;
    let (status, content_type, _, body) = app.fetch(export["exportMembers"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"));
    assert_eq!(&body[..3], [0xEF, 0xBB, 0xBF], "UTF-8 with BOM");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("Identifiant;Email;Prénom;Nom;"),
        "French headers, semicolons: {text}"
    );
    assert!(text.contains("Mot de passe crypté"), "the placeholder, never a hash");
    assert!(!text.contains("$argon2"));
    let round = admin.start_import(File::new("export.csv", body), "SYNC").await;
    let summary = &round["summary"];
    assert_eq!(summary["unchanged"], round["totalRows"], "{round}");
    assert_eq!(summary["update"], 0);
    assert_eq!(summary["errorRows"], 0);
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
    let undone = admin.undo_import(id_of(&job)).await;
    assert_eq!(undone["status"], "UNDONE");
    assert!(undone["undoableUntil"].is_null());
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
    assert!(failed["importJob"]["failure"]
        .as_str()
        .unwrap()
        .contains("changed since the preview"));
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

#[tokio::test]
async fn invite_mode_invites_new_people_and_adds_existing_members_to_groups() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let ids = seed(&admin).await;
    let file = "email,first_name,last_name,language,groups,admin\n\
        oceane@quartier.be,Océane,Laurent,nl-BE,Quartier A,VRAI\n\
        anne@x.org,,,,Quartier B,\n\
        mailto:chloe@quartier.be,Chloé,Müller,fr,,\n\
        jean@quartier.be,Jean,Durand,de,,FAUX\n\
        OCEANE@quartier.be,Océane,Bis,fr,,\n";

    let job = admin
        .start_import_with(
            File::new("citizenlab.csv", file),
            json!({ "mode": "INVITE", "defaults": { "message": "Bienvenue !" } }),
        )
        .await;
    assert_eq!(job["summary"]["invite"], 1, "{job}");
    assert_eq!(job["summary"]["addToGroups"], 1);
    assert_eq!(
        sorted_errors(&job),
        [
            at(4, "email", "INVALID_EMAIL"),
            at(5, "language", "INVALID_LOCALE"),
            at(6, "email", "DUPLICATE_ROW")
        ]
    );
    admin.apply_import(id_of(&job), Confirm::SKIP_INVALID_ROWS).await;

    let invitations = admin
        .gql(
            "{ invitations { nodes { email firstName lastName locale roles message groups { name } } } }",
            json!({}),
        )
        .await;
    let nodes = invitations["invitations"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{invitations}");
    let invitation = &nodes[0];
    assert_eq!(invitation["email"], "oceane@quartier.be");
    assert_eq!(invitation["firstName"], "Océane");
    assert_eq!(invitation["locale"], "nl-BE");
    assert_eq!(
        invitation["roles"],
        json!(["admin"]),
        "the admin column adds the admin role"
    );
    assert_eq!(invitation["message"], "Bienvenue !");
    assert_eq!(invitation["groups"], json!([{ "name": "Quartier A" }]));
    let anne = admin.member(&ids["anne.petit"]).await;
    let groups = names(&anne["groups"]);
    assert!(
        groups.contains(&"Quartier B") && groups.contains(&"Légumes"),
        "{groups:?}"
    );
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(name).expect("entry"), &mut text).unwrap();
    text
}

#[tokio::test]
async fn templates_and_exports_download_with_their_names_and_links_expire_or_break_cleanly() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    seed(&admin).await;

    let xlsx = admin
        .gql(
            "{ importTemplate(mode: SYNC, locale: \"fr\") { url fileName contentType expiresAt } }",
            json!({}),
        )
        .await;
    let template = &xlsx["importTemplate"];
    assert_eq!(template["fileName"], "amap-import-sync.xlsx");
    let (status, content_type, disposition, body) = app.fetch(template["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        disposition,
        "attachment; filename=\"amap-import-sync.xlsx\"; filename*=UTF-8''amap-import-sync.xlsx"
    );
    let strings = zip_entry(&body, "xl/sharedStrings.xml");
    for header in ["Identifiant", "Prénom", "Nom", "Groupes", "Mot de passe", "État"] {
        assert!(strings.contains(header), "{header} in {strings}");
    }
    let comments = zip_entry(&body, "xl/comments1.xml");
    assert!(
        comments.contains("Activé ou Désactivé"),
        "a note on each header: {comments}"
    );
    let styles = zip_entry(&body, "xl/styles.xml");
    assert!(
        styles.contains("<b/>") && styles.contains("<i/>"),
        "bold required, italic optional"
    );

    let csv = admin
        .gql(
            "{ importTemplate(mode: INVITE, format: CSV, locale: \"en\") { url fileName } }",
            json!({}),
        )
        .await;
    let (_, content_type, _, body) = app.fetch(csv["importTemplate"]["url"].as_str().unwrap()).await;
    assert!(content_type.starts_with("text/csv"));
    assert_eq!(
        String::from_utf8(body[3..].to_vec()).unwrap(),
        "Email,First name,Last name,Language,Groups,Roles,Admin\r\n"
    );
    let bad_locale = admin
        .gql_answer("{ importTemplate(mode: SYNC, locale: \"de\") { url } }", json!({}))
        .await;
    assert_eq!(error_fields(&bad_locale), ["locale"]);

    // A formula-looking name is neutralised in the export; XLSX cells are quote-prefixed text.
    admin
        .create_member(json!({ "firstName": "=HYPERLINK(\"http://x\")", "lastName": "Zed", "email": "zed@x.org", "phone": "+33 6 12 34 56 78" }))
        .await;
    let export = admin
        .gql(
            "{ exportMembers(filter: {search: \"zed\"}, format: CSV) { url fileName } }",
            json!({}),
        )
        .await;
    let (_, _, _, body) = app.fetch(export["exportMembers"]["url"].as_str().unwrap()).await;
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(text.contains("'+33 6 12 34 56 78"), "{text}");
    let export = admin
        .gql(
            "{ exportMembers(filter: {search: \"zed\"}, format: XLSX) { url fileName contentType } }",
            json!({}),
        )
        .await;
    assert!(export["exportMembers"]["fileName"].as_str().unwrap().ends_with(".xlsx"));
    let (_, _, _, body) = app.fetch(export["exportMembers"]["url"].as_str().unwrap()).await;
    assert!(zip_entry(&body, "xl/styles.xml").contains("quotePrefix=\"1\""));

    // Tampered, foreign or unknown tokens: 404 with a JSON error, never a file.
    let url = export["exportMembers"]["url"].as_str().unwrap();
    let mut tampered = url.to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [
        tampered.as_str(),
        "http://x/t/amap/downloads/nothing",
        "http://x/t/amap/downloads/a.b",
    ] {
        let (status, content_type, disposition, _) = app.fetch(bad).await;
        assert_eq!(status, 404, "{bad}");
        assert!(content_type.starts_with("application/json") && disposition.is_empty());
    }
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

#[tokio::test]
async fn an_expired_download_link_is_refused() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let export = admin.gql("{ exportMembers { url } }", json!({})).await;
    let url = export["exportMembers"]["url"].as_str().unwrap();

    // Age the stored file past its link's life (the token's own expiry is covered by unit tests).
    age_all(
        &app,
        "downloads",
        "expires_at",
        chrono::Utc::now() - chrono::Duration::minutes(1),
    )
    .await;
    let (status, ..) = app.fetch(url).await;

    assert_eq!(status, 404);
    assert_eq!(
        roster::downloads::purge_expired(&app.app).await.unwrap(),
        1,
        "expired files are purged"
    );
}

#[tokio::test]
async fn files_that_cannot_be_imported_fail_with_a_reason_and_nothing_else() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut fake_zip = b"PK\x03\x04".to_vec();
    fake_zip.extend_from_slice(&noise);
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("empty.csv", Vec::new(), "le fichier est vide"),
        (
            "header.csv",
            b"Email;Nom;Prenom\r\n".to_vec(),
            "aucune ligne de membres",
        ),
        (
            "unknown.csv",
            b"Shoe size;Colour\n42;red\n".to_vec(),
            "Aucune colonne n'a été reconnue",
        ),
        ("noise.xlsx", noise, "n'a pas pu être lu"),
        ("fake.xlsx", fake_zip, "n'a pas pu être lu"),
    ];
    for (name, bytes, reason) in cases {
        let answer = admin
            .start_import_answer(File::new(name, bytes), json!({ "mode": "SYNC" }))
            .await;
        let job = &answer["data"]["startImport"];
        assert_eq!(job["status"], "FAILED", "{name}: {answer}");
        let failure = job["failure"].as_str().unwrap_or_default();
        assert!(
            failure.to_lowercase().contains(&reason.to_lowercase()),
            "{name}: {failure}"
        );
    }
    let missing = admin
        .start_import_answer(File::new("names.csv", "email\nx@y.org\n"), json!({ "mode": "SYNC" }))
        .await;
    assert!(
        missing["data"]["startImport"]["failure"]
            .as_str()
            .unwrap()
            .contains("absentes : Prénom, Nom."),
        "the columns named as the admin's template heads them: {missing}"
    );
    let refused = admin
        .start_import_answer(
            File::new("x.csv", "email\nx@y.org\n"),
            json!({ "mode": "INVITE", "defaults": { "roles": ["ghost"], "locale": "de" } }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"));
    assert_eq!(
        error_fields(&refused),
        ["input.defaults.roles", "input.defaults.locale"]
    );
    assert_eq!(admin.member_count(json!({})).await, 1, "only the admin");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_cleanly() {
    let app = TestApp::with(&[("amap", AMAP)], |s| s.limits.upload_bytes = 10_000).await;
    let admin = app.admin("amap").await;
    let big = format!("email\n{}", "someone@example.org\n".repeat(2_000));

    let answer = admin
        .start_import_answer(File::new("big.csv", big), json!({ "mode": "INVITE" }))
        .await;

    let code = error_code(&answer);
    assert!(
        matches!(code, Some("VALIDATION") | Some("PAYLOAD_TOO_LARGE")),
        "{answer}"
    );
    let jobs = admin.gql("{ importJobs { totalCount } }", json!({})).await;
    assert_eq!(jobs["importJobs"]["totalCount"], 0, "no job for a refused upload");
}

#[tokio::test]
async fn imports_need_the_permission_and_roles_the_admin_may_hand_out() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let plain = admin
        .create_member(json!({ "firstName": "Pat", "lastName": "Plain", "email": "pat@x.org" }))
        .await;
    let plain = app.member("amap", &plain, "pat-password-1").await;
    let file = || {
        File::new(
            "a.csv",
            "email;prenom;nom;roles\nnew@x.org;New;One;Administrateur\nok@x.org;Ok;Two;Référent producteur\n",
        )
    };
    let forbidden = plain.start_import_answer(file(), json!({ "mode": "CREATE" })).await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"));
    for query in [
        "{ importJobs { totalCount } }",
        "{ importTemplate(mode: CREATE) { url } }",
        "{ exportMembers { url } }",
    ] {
        let answer = plain.gql_answer(query, json!({})).await;
        assert_eq!(error_code(&answer), Some("FORBIDDEN"), "{query}");
    }

    let coordinator = admin
        .create_member(
            json!({ "firstName": "Co", "lastName": "Ord", "email": "co@x.org", "roles": [{ "role": "coordinator" }] }),
        )
        .await;
    let coordinator = app.member("amap", &coordinator, "coordinator-pw-1").await;
    let job = coordinator.start_import(file(), "CREATE").await;
    assert_eq!(
        errors_at(&job),
        [at(2, "roles", "ROLE_NOT_ALLOWED")],
        "no escalation through a file"
    );
    assert_eq!(job["summary"]["create"], 1, "Référent producteur is theirs to hand out");
}

#[tokio::test]
async fn import_progress_follows_an_apply_over_websocket_to_the_end() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let mut file = String::from("email;first name;last name\n");
    for n in 0..3_000 {
        file.push_str(&format!("p{n}@x.org;First{n};Last{n}\n"));
    }
    let job = admin.start_import(File::new("many.csv", file), "CREATE").await;
    let id = id_of(&job).to_owned();

    let mut request = format!("ws://{}/t/amap/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(
            json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", admin.token) } }),
        ))
        .await
        .unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    socket
        .send(send(json!({
            "id": "1",
            "type": "subscribe",
            "payload": {
                "query": "subscription($id: ID!) { importProgress(id: $id) { status processedRows totalRows } }",
                "variables": { "id": id }
            }
        })))
        .await
        .unwrap();
    let first = socket.next().await.unwrap().unwrap();
    let first: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(first["payload"]["data"]["importProgress"]["status"], "READY", "{first}");

    let applying = {
        let (app_url, token, id) = (app.url("/t/amap/graphql"), admin.token.clone(), id.clone());
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(app_url)
                .bearer_auth(token)
                .json(&json!({ "query": "mutation($id: ID!) { applyImport(id: $id) { status } }", "variables": { "id": id } }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    let mut seen = Vec::new();
    while let Some(message) = socket.next().await {
        let message: Value = serde_json::from_str(message.unwrap().to_text().unwrap()).unwrap();
        match message["type"].as_str() {
            Some("next") => seen.push(message["payload"]["data"]["importProgress"].clone()),
            Some("complete") => break,
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
    assert_eq!(applying.await.unwrap()["data"]["applyImport"]["status"], "DONE");
    let last = seen.last().expect("at least the final state");
    assert_eq!(last["status"], "DONE", "{seen:?}");
    assert_eq!(last["processedRows"], 3_000);
    let counts: Vec<i64> = seen.iter().map(|s| s["processedRows"].as_i64().unwrap()).collect();
    assert!(
        seen.iter()
            .all(|s| s["status"] != "APPLYING" || s["processedRows"].as_i64() <= Some(3_000)),
        "{seen:?}"
    );
    assert!(counts.iter().all(|c| (0..=3_000).contains(c)), "{counts:?}");
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
async fn create_can_send_activation_invitations_and_undo_revokes_them() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let file = File::new("new.csv", "Prénom;Nom;Email\nLou;Vidal;lou@x.org\nMax;Roy;max@x.org\n");
    let job = admin
        .start_import_with(
            file,
            json!({ "mode": "CREATE", "defaults": { "sendInvitations": true, "roles": ["referent"], "locale": "en" } }),
        )
        .await;
    let id = id_of(&job);
    admin.apply_import(id, Confirm::NOTHING).await;
    let lou = admin
        .gql(
            "{ members(filter: {search: \"lou\"}) { nodes { id locale originImport { id } roles { role { key } } pendingInvitation { kind status } } } }",
            json!({}),
        )
        .await;
    let lou = &lou["members"]["nodes"][0];
    assert_eq!(lou["originImport"]["id"], id, "imported members keep their job");
    assert_eq!(lou["locale"], "en", "defaults fill empty cells");
    assert_eq!(
        lou["pendingInvitation"],
        json!({ "kind": "ACTIVATION", "status": "PENDING" })
    );
    let mut roles: Vec<&str> = lou["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"]["key"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, ["member", "referent"]);

    admin.undo_import(id).await;
    let after = admin
        .gql("query($id: ID!) { member(id: $id) { status pendingInvitation { id } } invitations(filter: {status: REVOKED}) { totalCount } }", json!({ "id": lou["id"] }))
        .await;
    assert_eq!(
        after["member"],
        json!({ "status": "DEACTIVATED", "pendingInvitation": null })
    );
    assert_eq!(
        after["invitations"]["totalCount"], 2,
        "both activation invitations revoked"
    );
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

/// A workbook whose one sheet unpacks to 12 MB of spaces.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    writer.start_file("xl/workbook.xml", options).unwrap();
    writer.write_all(b"<workbook/>").unwrap();
    writer.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    writer.write_all(&vec![b' '; 12_000_000]).unwrap();
    writer.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_zip_bomb_fails_fast_and_an_old_import_cannot_be_undone() {
    let app = TestApp::with(&[("amap", AMAP)], |s| s.limits.unpacked_bytes = 5_000_000).await;
    let admin = app.admin("amap").await;
    let started = std::time::Instant::now();
    let answer = admin
        .start_import_answer(File::new("bomb.xlsx", zip_bomb()), json!({ "mode": "SYNC" }))
        .await;
    let job = &answer["data"]["startImport"];
    assert_eq!(job["status"], "FAILED", "{answer}");
    assert!(job["failure"].as_str().unwrap().contains("5000000"), "{job}");
    println!("zip bomb refused in {:?}", started.elapsed());

    let job = admin
        .start_import(
            File::new("one.csv", "Prénom;Nom;Email\nLou;Vidal;lou@x.org\n"),
            "CREATE",
        )
        .await;
    let id = id_of(&job);
    admin.apply_import(id, Confirm::NOTHING).await;
    // The undo window has passed.
    age_all(
        &app,
        "import_jobs",
        "undoable_until",
        chrono::Utc::now() - chrono::Duration::seconds(1),
    )
    .await;
    let late = admin.undo_import_answer(id).await;
    assert_eq!(error_code(&late), Some("CONFLICT"), "{late}");
    let job = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { status undoableUntil } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(job["importJob"], json!({ "status": "DONE", "undoableUntil": null }));
}

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

    let done = admin.apply_import_answer(id, Confirm::SKIP_INVALID_ROWS).await;
    assert_eq!(done["data"]["applyImport"]["status"], "DONE", "{done}");
    assert_eq!(admin.member_count(json!({ "search": "bulk" })).await, 2_599);
    // A password from the file, hashed after planning, signs in.
    app.login("amap", "bulk2103", "secret-pass-2103").await;
}

const CREATED: &str = "query { members(first: 20, filter: {search: \"sep\"}) { nodes { firstName lastName email } } }";

#[tokio::test]
async fn excel_sep_line_is_honoured_and_skipped() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // The field sample: Windows-1252, `sep=;` above the header.
    let job = admin.start_import(File::fixture("sep-line.csv"), "CREATE").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["headerRow"], 1, "Excel hides the hint: the header is row 1");
    assert_eq!(job["summary"]["create"], 2);
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let names: Vec<String> = admin.gql(CREATED, json!({})).await["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m["firstName"].as_str().unwrap(),
                m["lastName"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(names, ["Ana Sep", "Bo Sep"]);

    // Another hint: a tab file announced as such, whose header has commas and semicolons
    // that must not be taken for delimiters.
    let tabbed = "SEP=\t\r\nPrénom\tNom\tEmail\tNote\r\nCy\tSep\tcy.sep@example.org\tvoir a, b; c\r\n";
    let job = admin.start_import(File::new("tab.csv", tabbed), "CREATE").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["create"], 1, "{job}");
    assert_eq!(job["columns"][3]["header"], "Note");
}

#[tokio::test]
async fn the_header_is_found_below_titles_notes_and_blank_lines() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // A title without any delimiter, a blank line and an export date above a `,` header;
    // the failing row keeps the number the spreadsheet shows.
    let csv = "Liste des adhérents\r\n\r\nExporté le 12/03/2025,,\r\nPrénom,Nom,Email\r\n\
               Dee,Top,dee.top@example.org\r\nEve,Top,not-an-address\r\nFay,Top,fay.top@example.org\r\n";
    let job = admin.start_import(File::new("titled.csv", csv), "CREATE").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["headerRow"], 4);
    assert_eq!(job["summary"]["create"], 2);
    assert_eq!(errors_at(&job), [at(6, "Email", "INVALID_EMAIL")]);

    // The same in a workbook: a title row and an empty row above the header.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "AMAP du coin — adhérents 2025").unwrap();
    for (c, header) in ["Prénom", "Nom", "Email"].iter().enumerate() {
        sheet.write_string(2, c as u16, *header).unwrap();
    }
    for (c, cell) in ["Gus", "Top", "gus.top@example.org"].iter().enumerate() {
        sheet.write_string(3, c as u16, *cell).unwrap();
    }
    let xlsx = workbook.save_to_buffer().unwrap();
    let job = admin.start_import(File::new("titled.xlsx", xlsx), "CREATE").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["headerRow"], 3);
    assert_eq!(job["summary"]["create"], 1);

    // Nothing recognisable in the top rows: the header stays row 1 and the admin is told.
    let unknown = "Colonne A;Colonne B\r\nx;y\r\n";
    let job = admin.start_import(File::new("unknown.csv", unknown), "CREATE").await;
    assert_eq!(job["status"], "FAILED");
    assert_eq!(job["headerRow"], 1);
}

/// A workbook whose "very hidden" first sheet looks like a member list, and whose
/// visible one starts below an empty first row.
fn very_hidden_sheet_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let lists = workbook.add_worksheet().set_name("Données").unwrap();
    lists.write_string(0, 0, "Email").unwrap();
    lists.write_string(1, 0, "wrong@example.org").unwrap();
    lists.set_very_hidden(true);
    let members = workbook.add_worksheet().set_name("Membres").unwrap();
    for (c, header) in ["Prénom", "Nom", "Email"].iter().enumerate() {
        members.write_string(1, c as u16, *header).unwrap();
    }
    for (c, cell) in ["Ivo", "Voilé", "ivo.voile@example.org"].iter().enumerate() {
        members.write_string(2, c as u16, *cell).unwrap();
    }
    members.set_active(true);
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_first_visible_sheet_is_read() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // The field sample: a hidden sheet of drop-down lists before the members' sheet.
    let hidden_first = || File::new("adherents.xlsx", support::fixture("hidden-first-sheet.xlsx"));
    let job = admin.start_import(hidden_first(), "CREATE").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["create"], 2);
    assert_eq!(
        job["sheets"],
        json!([{ "name": "Listes", "hidden": true, "read": false }, { "name": "Adhérents", "hidden": false, "read": true }])
    );
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    assert_eq!(admin.member_count(json!({ "search": "cachée" })).await, 2);

    // The admin may name a sheet, hidden or not, in any case; a name that matches none
    // fails with the workbook's sheets listed.
    let named = admin
        .start_import_with(hidden_first(), json!({ "mode": "CREATE", "sheet": "LISTES" }))
        .await;
    assert_eq!(named["sheets"][0]["read"], true, "{named}");
    let missing = admin
        .start_import_with(hidden_first(), json!({ "mode": "CREATE", "sheet": "Membres" }))
        .await;
    assert_eq!(missing["status"], "FAILED");
    let failure = missing["failure"].as_str().unwrap();
    assert!(
        failure.contains("Membres") && failure.contains("Listes, Adhérents"),
        "{failure}"
    );

    // Another way of hiding: a "very hidden" sheet that itself looks like a member list,
    // and the visible one starting below an empty first row.
    let job = admin
        .start_import(File::new("voile.xlsx", very_hidden_sheet_workbook()), "CREATE")
        .await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["headerRow"], 2);
    assert_eq!(job["summary"]["create"], 1);
    let changes = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { changes(first: 5) { nodes { email } } } }",
            json!({ "id": job["id"] }),
        )
        .await;
    assert_eq!(
        changes["importJob"]["changes"]["nodes"][0]["email"],
        "ivo.voile@example.org"
    );
}

/// The first and last names a previewed job would give its members, in plan order.
async fn planned_names(admin: &Client<'_>, job: Value) -> Vec<String> {
    let page = admin
        .gql(
            "query($id: ID!) { importJob(id: $id) { changes(first: 10) { nodes { changes { field after } } } } }",
            json!({ "id": job["id"] }),
        )
        .await;
    page["importJob"]["changes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["changes"].as_array().unwrap().clone())
        .filter(|c| c["field"] == "firstName" || c["field"] == "lastName")
        .map(|c| c["after"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn single_byte_encodings_are_detected_shown_and_can_be_forced() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // The field sample: Excel for Mac's "CSV (Macintosh)", English headers.
    let job = admin
        .start_import(
            File::new("mac.csv", support::fixture("mac-roman-english-headers.csv")),
            "CREATE",
        )
        .await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["encoding"], "macintosh");
    assert_eq!(planned_names(&admin, job).await, ["Noé", "Dupré"]);

    // The same kind with French headers (they were not recognised when misread).
    let french = encoding_rs::MACINTOSH
        .encode("Prénom;Nom;Courriel\r\nJérôme;Lefèvre;jerome@example.org\r\n")
        .0
        .into_owned();
    let job = admin
        .start_import(File::new("mac-fr.csv", french.clone()), "CREATE")
        .await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["encoding"], "macintosh");
    assert_eq!(planned_names(&admin, job).await, ["Jérôme", "Lefèvre"]);

    // Windows-1252 and UTF-8 files read as such; a spreadsheet has no encoding.
    let windows = encoding_rs::WINDOWS_1252
        .encode("Prénom;Nom;Email\r\nZoë;Müller;zoe.m@example.org\r\n")
        .0
        .into_owned();
    let job = admin.start_import(File::new("win.csv", windows), "CREATE").await;
    assert_eq!(job["encoding"], "windows-1252");
    assert_eq!(planned_names(&admin, job).await, ["Zoë", "Müller"]);
    let utf8 = "Prénom;Nom;Email\r\nÅsa;Øberg;asa@example.org\r\n";
    let job = admin.start_import(File::new("utf8.csv", utf8), "CREATE").await;
    assert_eq!(job["encoding"], "utf-8");
    let xlsx = admin
        .start_import(
            File::new("h.xlsx", support::fixture("hidden-first-sheet.xlsx")),
            "CREATE",
        )
        .await;
    assert!(xlsx["encoding"].is_null());

    // The admin may force one: the file is read that way, as asked.
    let job = admin
        .start_import_with(
            File::new("mac-fr.csv", french),
            json!({ "mode": "CREATE", "encoding": "windows-1252" }),
        )
        .await;
    assert_eq!(job["encoding"], "windows-1252");
    let unknown = admin
        .start_import_answer(
            File::new("x.csv", "Email\r\na@b.org\r\n"),
            json!({ "mode": "CREATE", "encoding": "klingon" }),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("VALIDATION"), "{unknown}");
    assert_eq!(error_fields(&unknown), ["input.encoding"]);

    // Text that reads wrong every way is refused with advice, never stored garbled.
    let garbled = [
        b"Nom;Email\r\nA".as_slice(),
        &[0x86, 0xA0, 0xD7, 0x86, 0x8F, 0xD7],
        b";x@example.org\r\n",
    ]
    .concat();
    let job = admin.start_import(File::new("bad.csv", garbled), "CREATE").await;
    assert_eq!(job["status"], "FAILED", "{job}");
    let failure = job["failure"].as_str().unwrap();
    assert!(
        failure.contains("encodage") && failure.contains("CSV UTF-8"),
        "{failure}"
    );
}

/// Each member's phone, by address.
async fn phones_by_address(admin: &Client<'_>) -> HashMap<String, String> {
    let data = admin
        .gql("query { members(first: 100) { nodes { email phone } } }", json!({}))
        .await;
    data["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !m["phone"].is_null())
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_owned(),
                m["phone"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A workbook of four members whose phones and logins are numbers under formats that
/// pad, group or prefix, and the text format `@` on a number (Excel shows it as typed).
fn number_formats_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, header) in ["Email", "Prénom", "Nom", "Téléphone", "Identifiant"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *header).unwrap();
    }
    let rows: [(&str, f64, &str, f64, &str); 4] = [
        ("fmt.paires@example.org", 612345678.0, "00 00 00 00 00", 7.0, "\"m\"000"),
        ("fmt.prefixe@example.org", 612345678.0, "\"+33 \"0", 42.0, "0000"),
        ("fmt.texte@example.org", 612345678.0, "@", 8.0, "General"),
        (
            "fmt.tirets@example.org",
            612345678.0,
            "00-00-00-00-00",
            9.0,
            "[Blue]000;[Red]-000",
        ),
    ];
    for (r, (address, phone, format, login, login_format)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *address).unwrap();
        sheet.write_string(r, 1, "Fab").unwrap();
        sheet.write_string(r, 2, "Format").unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format(*format);
        sheet.write_number_with_format(r, 3, *phone, &format).unwrap();
        let login_format = rust_xlsxwriter::Format::new().set_num_format(*login_format);
        sheet.write_number_with_format(r, 4, *login, &login_format).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn numbers_keep_the_text_their_spreadsheet_shows() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // The field sample (XLSX: typed as text, General, custom format `0000000000`), then
    // the same kind saved by Excel 97-2003 (XLS, its members' sheet after a hidden one)
    // and by LibreOffice (ODS, below a blank row and column).
    for (file, created) in [
        ("phones-number-format.xlsx", 3),
        ("phones-number-format.xls", 4),
        ("phones-number-format.ods", 2),
    ] {
        let job = admin.start_import(File::fixture(file), "CREATE").await;
        assert_eq!(job["status"], "READY", "{file}: {job}");
        assert_eq!(job["summary"]["create"], created, "{file}: {job}");
        admin.apply_import(id_of(&job), Confirm::NOTHING).await;
        if file.ends_with(".xls") {
            // Excel's General shows the number as typed: a French phone one digit short.
            assert_eq!(warnings_at(&job), [at(5, "Téléphone", "PHONE_MISSING_ZERO")]);
            let message = job["rowWarnings"]["nodes"][0]["message"].as_str().unwrap();
            assert!(
                message.contains("0612345678 ?") && message.contains("Texte"),
                "{message}"
            );
        } else {
            assert_eq!(job["rowWarnings"]["totalCount"], 0, "{file}: {job}");
        }
    }
    let phones = phones_by_address(&admin).await;
    let expected = [
        ("tel.texte@example.org", "0612345678"),
        ("tel.inter@example.org", "33612345678"),
        ("tel.format@example.org", "0612345678"),
        ("xls.groupes@example.org", "06 12 34 56 78"),
        ("xls.plus@example.org", "+33612345678"),
        ("xls.zero@example.org", "0612345678"),
        ("xls.general@example.org", "612345678"),
        ("ods.zero@example.org", "0612345678"),
        ("ods.espaces@example.org", "06 12 34 56 78"),
    ];
    for (address, phone) in expected {
        assert_eq!(phones.get(address).map(String::as_str), Some(phone), "{address}");
    }

    // Other formats that pad, group or prefix, and the text format `@` on a number
    // (Excel shows it as typed), in a workbook of our own.
    let job = admin
        .start_import(File::new("formats.xlsx", number_formats_workbook()), "CREATE")
        .await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["create"], 4, "{job}");
    // `@` over a number shows it as typed: the lost zero is pointed out, not guessed.
    assert_eq!(warnings_at(&job), [at(4, "Téléphone", "PHONE_MISSING_ZERO")]);
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let phones = phones_by_address(&admin).await;
    assert_eq!(phones["fmt.paires@example.org"], "06 12 34 56 78");
    assert_eq!(phones["fmt.prefixe@example.org"], "+33 612345678");
    assert_eq!(phones["fmt.texte@example.org"], "612345678");
    assert_eq!(phones["fmt.tirets@example.org"], "06-12-34-56-78");
    let logins = admin
        .gql(
            "query { members(first: 10, filter: {search: \"format\"}) { nodes { email login } } }",
            json!({}),
        )
        .await;
    let mut logins: Vec<String> = logins["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["email"].as_str().unwrap().starts_with("fmt."))
        .map(|m| m["login"].as_str().unwrap().to_owned())
        .collect();
    logins.sort();
    // `"m"000`, `0000`, General, `[Blue]000;[Red]-000`.
    assert_eq!(logins, ["0042", "009", "8", "m007"]);
}

/// A workbook whose first sheet, the one read, has nothing recognisable.
fn minutes_first_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let notes = workbook.add_worksheet().set_name("Notes").unwrap();
    notes.write_string(0, 0, "Assemblée générale").unwrap();
    notes.write_string(1, 0, "ordre du jour").unwrap();
    let list = workbook.add_worksheet().set_name("Liste").unwrap();
    list.write_string(0, 0, "Email").unwrap();
    list.write_string(1, 0, "liste@example.org").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_missing_column_failure_says_what_was_read_and_what_to_check() {
    const CLUB: &str = "name = \"Club\"\ndefault_locale = \"en\"\n[roles.admin]\npermissions = [\"*\"]\n";
    let app = TestApp::with_tenants(&[("amap", AMAP), ("club", CLUB)]).await;
    let admin = app.admin("amap").await;
    // Mac Roman French headers forced through Windows-1252: "Prénom" reads "PrŽnom".
    let mac = File::new(
        "mac.csv",
        b"Pr\x8Enom;Nom;Email\r\nNo\x8E;Dupr\x8E;noe@example.org\r\n".to_vec(),
    );
    let job = admin
        .start_import_with(mac, json!({ "mode": "CREATE", "encoding": "windows-1252" }))
        .await;
    assert_eq!(job["status"], "FAILED", "{job}");
    let failure = job["failure"].as_str().unwrap();
    for part in [
        "Colonnes obligatoires absentes : Prénom.",
        "ligne 1",
        "« PrŽnom »",
        "windows-1252",
        "abîmées",
    ] {
        assert!(failure.contains(part), "{part}: {failure}");
    }
    assert!(!failure.contains("first_name"), "{failure}");

    // In English, with the identification missing: either column named.
    let club_admin = app.admin("club").await;
    let job = club_admin
        .start_import(File::new("names.csv", "First name,Last name\r\nAl,Bo\r\n"), "SYNC")
        .await;
    let failure = job["failure"].as_str().unwrap();
    assert!(
        failure.starts_with("Required columns are missing: Login or Email."),
        "{failure}"
    );
    assert!(
        failure.contains("Headers read on row 1: \"First name\", \"Last name\""),
        "{failure}"
    );

    // A workbook in which the sheet read has nothing recognisable: its sheets are listed.
    let job = admin
        .start_import(File::new("ag.xlsx", minutes_first_workbook()), "INVITE")
        .await;
    assert_eq!(job["status"], "FAILED", "{job}");
    let failure = job["failure"].as_str().unwrap();
    for part in [
        "Aucune colonne n'a été reconnue",
        "Feuille lue : « Notes »",
        "Notes, Liste",
        "modèle",
    ] {
        assert!(failure.contains(part), "{part}: {failure}");
    }
}
