//! Workbooks as people keep them: titles above the header, hidden sheets, numbers shown
//! in formats.

use std::collections::HashMap;

use serde_json::json;

use super::{at, errors_at, id_of, warnings_at};
use crate::support::client::Client;
use crate::support::imports::{Confirm, File};
use crate::support::tenants::AMAP;
use crate::support::{self, TestApp};

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
