//! Import templates and member exports, and the download links they are fetched through.

use serde_json::json;

use super::{age_all, seed};
use crate::support::tenants::AMAP;
use crate::support::{error_fields, TestApp};

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
