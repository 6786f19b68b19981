//! What an import refuses: files it cannot read, uploads over the limits, callers without
//! the permission or the roles.

use serde_json::json;

use super::{age_all, at, errors_at, id_of};
use crate::support::imports::{Confirm, File};
use crate::support::tenants::AMAP;
use crate::support::{error_code, error_fields, TestApp};

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
        .start_import_answer(File::new("names.csv", "email\nx@y.org\n"), json!({ "mode": "CREATE" }))
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
