//! Property: an export imported back with SYNC changes nothing, whatever the members
//! look like (accents, apostrophes, formula-like names, phones with +, groups, roles,
//! deactivated members), in CSV and in XLSX; and the seed file, saved in any encoding a
//! spreadsheet writes and with lines above its header, is read letter for letter.

use crate::support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use support::TestApp;

const TENANT: &str = r#"
name = "Round trip"
default_locale = "fr"
locales = ["fr", "en", "nl-BE"]

[roles.admin]
label = { fr = "Administrateur", en = "Administrator" }
permissions = ["*"]

[roles.referent]
label = { fr = "Référent producteur", en = "Producer referent" }
permissions = ["members.read"]

[roles.member]
label = { fr = "Adhérent", en = "Member" }
permissions = []
default = true
"#;

#[derive(Debug, Clone)]
struct Person {
    first: String,
    last: String,
    phone: Option<String>,
    secondary: bool,
    locale: &'static str,
    groups: Vec<&'static str>,
    referent: bool,
    active: bool,
}

fn name() -> impl Strategy<Value = String> {
    "[=+\\-@]?[A-Za-zÀÉÈÊËÎÏÔŒÙÛÜÇàéèêëîïôœùûüçß][A-Za-zàéèêëîïôœùûüçß' -]{0,18}[a-zé]"
}

fn person() -> impl Strategy<Value = Person> {
    (
        name(),
        name(),
        proptest::option::of("\\+?[0-9]{2}( [0-9]{2}){1,4}"),
        any::<bool>(),
        prop::sample::select(vec!["fr", "en", "nl-BE"]),
        prop::sample::subsequence(vec!["Légumes", "Pain d'épices", "Quartier Nord"], 0..=3),
        any::<bool>(),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(first, last, phone, secondary, locale, groups, referent, active)| Person {
                first,
                last,
                phone,
                secondary,
                locale,
                groups,
                referent,
                active,
            },
        )
}

/// How the seed file is saved: its encoding (a WHATWG label; "utf-8-bom" and
/// "utf-16le" carry a byte order mark) and what stands above its header.
#[derive(Debug, Clone)]
struct Saved {
    encoding: &'static str,
    above: &'static str,
}

fn saved() -> impl Strategy<Value = Saved> {
    (
        prop::sample::select(vec!["utf-8", "utf-8-bom", "utf-16le", "windows-1252", "macintosh"]),
        prop::sample::select(vec![
            "",
            "sep=;\r\n",
            "Liste des adhérents\r\n\r\n",
            "Exporté le 01/03/2025;;\r\n",
        ]),
    )
        .prop_map(|(encoding, above)| Saved { encoding, above })
}

/// The seed's text in the saved encoding, as Excel or LibreOffice would write it.
fn encode(text: &str, saved: &Saved) -> Vec<u8> {
    match saved.encoding {
        "utf-8" => text.as_bytes().to_vec(),
        "utf-8-bom" => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        "utf-16le" => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        label => {
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
            let (bytes, _, unmappable) = encoding.encode(text);
            assert!(!unmappable, "{label} holds every letter the names use");
            bytes.into_owned()
        }
    }
}

/// The seed file, written with the csv crate so that quotes and separators are right.
fn seed_csv(people: &[Person]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer
        .write_record([
            "Prénom",
            "Nom",
            "Email",
            "Email 2",
            "Téléphone",
            "Langue",
            "Groupes",
            "Rôles",
            "État",
        ])
        .unwrap();
    for (i, p) in people.iter().enumerate() {
        // Formula-looking cells get the apostrophe an export would give them.
        let cell = |v: &str| roster::exports::write::neutralise(v);
        writer
            .write_record([
                cell(&p.first),
                cell(&p.last),
                format!("p{i}@x.org"),
                if p.secondary {
                    format!("s{i}@y.org")
                } else {
                    String::new()
                },
                p.phone.as_deref().map(cell).unwrap_or_default(),
                p.locale.to_owned(),
                p.groups.join(", "),
                if p.referent { "referent".into() } else { String::new() },
                if p.active { "Activé" } else { "Désactivé" }.to_owned(),
            ])
            .unwrap();
    }
    writer.into_inner().unwrap()
}

const START: &str = "mutation($input: StartImportInput!) { startImport(input: $input) { id status failure \
    summary { create update deactivate reactivate unchanged errorRows } rowErrors { nodes { row column code value } } \
    changes(first: 5, kind: UPDATE) { nodes { row changes { field before after } } } } }";

async fn preview(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>, mode: &str) -> Value {
    let answer = app
        .upload(
            "rt",
            token,
            START,
            json!({ "input": { "mode": mode, "file": null } }),
            (name, bytes),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["startImport"].clone()
}

async fn round_trip(people: Vec<Person>, saved: Saved, xlsx: bool) -> Result<(), TestCaseError> {
    let app = TestApp::with_tenants(&[("rt", TENANT)]).await;
    let admin = app.admin_token("rt", "admin@rt.example.org").await;
    let text = format!("{}{}", saved.above, String::from_utf8(seed_csv(&people)).unwrap());
    let seeded = preview(&app, &admin, "seed.csv", encode(&text, &saved), "CREATE").await;
    prop_assert_eq!(&seeded["summary"]["errorRows"], &json!(0), "seed: {}", seeded);
    prop_assert_eq!(&seeded["summary"]["create"], &json!(people.len()), "seed: {}", seeded);
    let applied = app
        .gql(
            "rt",
            Some(&admin),
            "mutation($id: ID!) { applyImport(id: $id) { status } }",
            json!({ "id": seeded["id"] }),
        )
        .await;
    prop_assert_eq!(&applied["data"]["applyImport"]["status"], &json!("DONE"), "{}", applied);
    // Letter for letter, whatever the encoding: never a mojibake name.
    let stored = app
        .ok(
            "rt",
            &admin,
            "{ members(first: 100) { nodes { email firstName lastName } } }",
            json!({}),
        )
        .await;
    for (i, p) in people.iter().enumerate() {
        let address = format!("p{i}@x.org");
        let member = stored["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == address.as_str());
        let names = member.map(|m| (m["firstName"].as_str().unwrap(), m["lastName"].as_str().unwrap()));
        prop_assert_eq!(names, Some((p.first.trim(), p.last.trim())), "{:?}", saved);
    }

    let format = if xlsx { "XLSX" } else { "CSV" };
    let export = app
        .ok(
            "rt",
            &admin,
            &format!("{{ exportMembers(format: {format}) {{ url fileName }} }}"),
            json!({}),
        )
        .await;
    let (status, _, _, body) = app.fetch(export["exportMembers"]["url"].as_str().unwrap()).await;
    prop_assert_eq!(status, 200);
    let again = preview(
        &app,
        &admin,
        export["exportMembers"]["fileName"].as_str().unwrap(),
        body,
        "SYNC",
    )
    .await;
    let total = people.len() as i64 + 1;
    prop_assert_eq!(
        &again["summary"],
        &json!({ "create": 0, "update": 0, "deactivate": 0, "reactivate": 0, "unchanged": total, "errorRows": 0 }),
        "{}",
        again
    );
    app.stop().await;
    Ok(())
}

fn run(xlsx: bool) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 6,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(prop::collection::vec(person(), 1..25), saved()), |(people, saved)| {
            runtime.block_on(round_trip(people, saved, xlsx))
        })
        .unwrap();
}

#[test]
fn a_csv_export_imported_back_changes_nothing() {
    run(false);
}

#[test]
fn an_xlsx_export_imported_back_changes_nothing() {
    run(true);
}
