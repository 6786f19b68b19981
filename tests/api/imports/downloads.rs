//! Import templates and member exports, and the download links they are fetched through.

use serde_json::json;

use super::{age_all, id_of, seed};
use crate::support::imports::{Confirm, File};
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
    let strings = zip_entry(&body, "xl/worksheets/sheet1.xml");
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

/// Members an export reads per page is 2,000: this many crosses two page boundaries.
const MANY: usize = 4_500;

#[tokio::test]
async fn an_export_is_built_when_fetched_page_by_page_and_only_while_its_requester_may_export() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    // Last names that sort in another order than the file's, some with a group.
    let mut file = String::from("Identifiant;Prénom;Nom;Email;Groupes\r\n");
    for i in 0..MANY {
        let group = if i % 1_000 == 0 { "Pain" } else { "" };
        file.push_str(&format!(
            "m{i};Prénom{i};Nom{:05};m{i}@x.org;{group}\r\n",
            (i * 7_919) % MANY
        ));
    }
    let job = admin.start_import(File::new("many.csv", file), "CREATE").await;
    assert_eq!(job["summary"]["create"], MANY, "{job}");
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;

    let export = admin.gql("{ exportMembers(format: CSV) { url } }", json!({})).await;
    let url = export["exportMembers"]["url"].as_str().unwrap().to_owned();
    // Built when fetched: a member created after the link was made is in the file.
    admin
        .create_member(json!({ "firstName": "Late", "lastName": "Comer", "email": "late@x.org" }))
        .await;
    let (status, content_type, _, body) = app.fetch(&url).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(
        lines.len(),
        1 + MANY + 2,
        "header, the imported, the admin, the late comer"
    );
    let last_names: Vec<&str> = lines[1..].iter().map(|l| l.split(';').nth(3).unwrap()).collect();
    let mut sorted = last_names.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(last_names, sorted, "in name order across pages, each member once");
    assert!(lines.iter().any(|l| l.contains(";Late;Comer;")), "the late comer");
    let in_pain = lines.iter().filter(|l| l.contains(";Pain;")).count();
    assert_eq!(in_pain, MANY.div_ceil(1_000), "groups are read for every page");

    let xlsx = admin.gql("{ exportMembers(format: XLSX) { url } }", json!({})).await;
    let (status, _, _, body) = app.fetch(xlsx["exportMembers"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let sheet = zip_entry(&body, "xl/worksheets/sheet1.xml");
    assert_eq!(
        sheet.matches("<row ").count(),
        1 + MANY + 2,
        "every member in the workbook"
    );
    assert!(sheet.contains("<t>Nom00000</t>"));

    // A link outlives nothing of its requester's right: once they may no longer export,
    // it serves nothing.
    let second_id = admin
        .create_member(
            json!({ "firstName": "Sec", "lastName": "Ond", "email": "second@x.org", "roles": [{ "role": "admin" }] }),
        )
        .await;
    let second = app.member("amap", &second_id, "second-password-1").await;
    let theirs = second.gql("{ exportMembers { url } }", json!({})).await;
    let theirs = theirs["exportMembers"]["url"].as_str().unwrap().to_owned();
    let (status, ..) = app.fetch(&theirs).await;
    assert_eq!(status, 200, "works while they may export");
    admin
        .gql(
            "mutation($id: ID!) { setMemberRoles(id: $id, roles: [{ role: \"member\" }]) { id } }",
            json!({ "id": second_id }),
        )
        .await;
    let (status, ..) = app.fetch(&theirs).await;
    assert_eq!(status, 404, "not once their role is gone");
}

#[tokio::test]
async fn more_exports_than_the_server_builds_at_once_all_arrive_whole() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    seed(&admin).await;
    // The embedded default builds two at once (a quarter of its 8 connections).
    let mut links = Vec::new();
    for format in ["CSV", "XLSX", "CSV", "XLSX", "CSV", "XLSX"] {
        let link = admin
            .gql(&format!("{{ exportMembers(format: {format}) {{ url }} }}"), json!({}))
            .await;
        links.push(link["exportMembers"]["url"].as_str().unwrap().to_owned());
    }
    let fetched = futures_util::future::join_all(links.iter().map(|url| app.fetch(url))).await;
    let csv = &fetched[0].3;
    assert!(String::from_utf8_lossy(csv).contains("Petit"), "the seeded members");
    for (status, ..) in &fetched {
        assert_eq!(*status, 200);
    }
    for (_, _, _, body) in fetched.iter().step_by(2).skip(1) {
        assert_eq!(body, csv, "every turn builds the same file");
    }
    for (_, _, _, body) in fetched.iter().skip(1).step_by(2) {
        assert!(
            zip_entry(body, "xl/worksheets/sheet1.xml").contains("<t>Petit</t>"),
            "a whole workbook"
        );
    }
    let me = admin.me().await;
    assert!(!me.is_null(), "the API still answers");
}

/// An export is named after the day it is made in the organization's time zone, not
/// UTC's: at any moment the day at UTC+14 (Kiritimati) and at UTC−12 differ, so two
/// organizations there name the same moment's exports after different days, each its
/// own.
#[tokio::test]
async fn an_export_is_named_after_the_organizations_day() {
    use chrono::Utc;

    let east = format!("time_zone = \"Pacific/Kiritimati\"\n{AMAP}");
    let west = format!("time_zone = \"Etc/GMT+12\"\n{AMAP}");
    let app = TestApp::with_tenants(&[("east", &east), ("west", &west)]).await;
    let mut names = Vec::new();
    for (slug, zone) in [
        ("east", chrono_tz::Pacific::Kiritimati),
        ("west", chrono_tz::Etc::GMTPlus12),
    ] {
        let admin = app.admin(slug).await;
        let export = admin
            .gql("{ exportMembers(format: CSV) { fileName } }", json!({}))
            .await;
        let name = export["exportMembers"]["fileName"].as_str().unwrap().to_owned();
        let today = Utc::now().with_timezone(&zone).format("%Y-%m-%d").to_string();
        assert_eq!(name, format!("{slug}-members-{today}.csv"));
        names.push(name.trim_start_matches(slug).to_owned());
    }
    assert_ne!(names[0], names[1], "26 hours apart, never the same day");
}
