//! CSV text as spreadsheets write it: `sep=` lines, single-byte encodings, and a failure
//! that says what was read.

use serde_json::{json, Value};

use super::id_of;
use crate::support::client::Client;
use crate::support::imports::{Confirm, File};
use crate::support::tenants::AMAP;
use crate::support::{self, error_code, error_fields, TestApp};

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
    // A Windows file forced as Mac reads "AurÈlie": told too; forced right, nothing is.
    let windows = encoding_rs::WINDOWS_1252
        .encode("Email;First name;Last name\r\nbob@example.org;Bob;Martin\r\naurelie@example.org;Aurélie;Bœuf\r\n")
        .0
        .into_owned();
    let as_mac = admin
        .start_import_with(
            File::new("w.csv", windows.clone()),
            json!({ "mode": "CREATE", "encoding": "macintosh" }),
        )
        .await;
    assert_eq!(as_mac["status"], "READY", "{as_mac}");
    assert_eq!(
        super::warnings_at(&as_mac),
        [super::at(3, "First name", "DAMAGED_TEXT")],
        "{as_mac}"
    );
    assert_eq!(as_mac["rowWarnings"]["nodes"][0]["value"], "AurÈlie");
    let message = as_mac["rowWarnings"]["nodes"][0]["message"].as_str().unwrap();
    assert!(message.contains("lu en macintosh, l'encodage choisi"), "{message}");
    let as_windows = admin
        .start_import_with(
            File::new("w.csv", windows.clone()),
            json!({ "mode": "CREATE", "encoding": "windows-1252" }),
        )
        .await;
    assert_eq!(super::warnings_at(&as_windows), [], "{as_windows}");
    let as_utf16 = admin
        .start_import_with(
            File::new("w.csv", windows),
            json!({ "mode": "CREATE", "encoding": "utf-16le" }),
        )
        .await;
    assert_eq!(as_utf16["status"], "FAILED", "{as_utf16}");
    assert!(
        as_utf16["failure"]
            .as_str()
            .unwrap()
            .contains("il n'est pas en utf-16le, l'encodage choisi"),
        "not \"only a header line\": {as_utf16}"
    );
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
