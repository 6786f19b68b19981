//! Addresses that lead nowhere — mistyped, outdated, edited by hand, or an old download
//! link — get a page in the reader's language with the right status, never a bare
//! error, the API's words or an enum's name.

use serde_json::json;

use crate::support::console::Browser;
use crate::support::{TestApp, ACME};

const ADMIN: &str = "admin@acme.example";
const PASSWORD: &str = "correct-horse-battery";

#[tokio::test]
async fn console_addresses_that_lead_nowhere_get_a_page_in_the_readers_words() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    t.admin_token("acme", ADMIN).await;
    let mut browser = Browser::new(&t, "acme");
    let signed_in = browser.sign_in(ADMIN, PASSWORD).await;
    assert_eq!(signed_in.status, 303);

    for path in [
        "/nope",
        "/members/ghost/elsewhere",
        "/imports/not-an-id",
        "/imports/6f1c2a9e-3b7d-4c55-9a51-2a4f0e8b9c10",
        "/members/not-an-id",
        // Addresses that only take forms, opened as pages.
        "/sign-out",
        "/members/bulk",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        assert!(
            page.headers["content-type"].to_str().unwrap().starts_with("text/html"),
            "{path}"
        );
        assert!(page.body.contains("<h1>Introuvable</h1>"), "{path}: {}", page.body);
        assert!(!page.body.contains("not valid"), "{path}: {}", page.body);
    }

    // `/admin/` as a hand or a bookmark writes it is home.
    let slash = browser.get("/").await;
    assert_eq!((slash.status, slash.location.as_str()), (303, "/t/acme/admin"));
    let nowhere = browser.get("/nope").await;
    assert!(
        nowhere.body.contains(">Accueil</a>"),
        "the way back home: {}",
        nowhere.body
    );
    let stranger = Browser::new(&t, "acme").get("/nope").await;
    assert_eq!(stranger.status, 404);
    assert!(
        stranger.body.contains(">Se connecter</a>"),
        "no menu: the way in: {}",
        stranger.body
    );

    // A value the page cannot read gets the page's words, not the API's English.
    let bad_cursor = browser.get("/members?after=garbage").await;
    assert_eq!(bad_cursor.status, 400, "{}", bad_cursor.body);
    assert!(
        bad_cursor
            .body
            .contains("Cette adresse contient une valeur que la page ne comprend pas : elle vient sans doute d&#x27;un lien ancien"),
        "{}",
        bad_cursor.body
    );
    assert!(
        !bad_cursor.body.contains("Some fields are not valid"),
        "{}",
        bad_cursor.body
    );

    for query in ["mode=EVERYTHING&format=CSV", "mode=CREATE&format=PDF"] {
        let template = browser.get(&format!("/imports/template?{query}")).await;
        assert_eq!(template.status, 400, "{query}: {}", template.body);
        assert!(template.body.contains("ne comprend pas"), "{query}: {}", template.body);
        assert!(
            !template.body.contains("ImportMode") && !template.body.contains("FileFormat"),
            "{query}: {}",
            template.body
        );
    }
    // Lower case, as a hand-typed address may be, still works.
    let template = browser.get("/imports/template?mode=sync&format=csv").await;
    assert_eq!(template.status, 303, "{}", template.body);
}

#[tokio::test]
async fn an_old_download_link_opened_in_a_browser_explains_itself_and_programs_still_get_json() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let url = t.url("/t/acme/downloads/expired-or-forged-token");
    let client = reqwest::Client::new();

    for (language, words) in [
        (
            "fr-FR,fr;q=0.9",
            "Ce lien de téléchargement n&#x27;est pas valable, ou il a expiré",
        ),
        ("en-GB,en;q=0.9", "This download link is not valid, or it has expired"),
    ] {
        let page = client
            .get(&url)
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .header("Accept-Language", language)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 404);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let body = page.text().await.unwrap();
        assert!(body.contains(words), "{language}: {body}");
        assert!(
            body.contains("href=\"&#x2f;t&#x2f;acme&#x2f;admin\""),
            "the way back: {body}"
        );
    }

    let program = client.get(&url).send().await.unwrap();
    assert_eq!(program.status(), 404);
    let answer: serde_json::Value = program.json().await.unwrap();
    assert_eq!(answer["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn home_counts_read_as_sentences_in_the_singular_and_the_plural() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let mut ids = Vec::new();
    for name in ["Ana", "Bob"] {
        let id = t
            .create_member(
                "acme",
                &admin,
                json!({ "firstName": name, "lastName": "Home", "email": format!("{name}@example.org") }),
            )
            .await;
        ids.push(id);
    }
    t.ok(
        "acme",
        &admin,
        "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { changed } }",
        json!({ "s": { "ids": [ids[0]] } }),
    )
    .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in(ADMIN, PASSWORD).await;
    let home = browser.get("").await;
    assert!(home.body.contains("<strong>2</strong> membres actifs"), "{}", home.body);
    assert!(
        home.body.contains("<strong>1</strong> membre désactivé<"),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn pages_follow_the_browser_until_the_member_chooses_a_language_and_role_names_follow_the_page() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let mut browser = Browser::speaking(&t, "acme", "en-GB,en;q=0.9");
    browser.sign_in(ADMIN, PASSWORD).await;
    let new_member = browser.get("/members/new").await;
    assert!(
        new_member.body.contains("<html lang=\"en\">"),
        "no language chosen: the browser's"
    );
    assert!(
        new_member.body.contains("Administrator") && !new_member.body.contains("Administrateur"),
        "role names in the page's language: {}",
        new_member.body
    );

    // The admin chooses French: every page, role names included, follows them.
    t.ok(
        "acme",
        &admin,
        "mutation { updateMyProfile(input: {locale: \"fr\"}) { chosenLocale } }",
        json!({}),
    )
    .await;
    let new_member = browser.get("/members/new").await;
    assert!(new_member.body.contains("<html lang=\"fr\">"), "{}", new_member.body);
    assert!(
        new_member.body.contains("Administrateur") && !new_member.body.contains("Administrator"),
        "{}",
        new_member.body
    );
}
