//! The audit log page and its filters.

use serde_json::json;

use crate::support::console::Browser;
use crate::support::imports::{Confirm, File};
use crate::support::{TestApp, ACME};

#[tokio::test]
async fn the_audit_log_filters_by_action_actor_target_and_days() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let id = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Ines", "lastName": "Inscrite", "email": "ines@example.org" }),
        )
        .await;
    t.ok(
        "acme",
        &admin,
        "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { changed } }",
        json!({ "s": { "ids": [id] } }),
    )
    .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    let all = browser.get("/audit").await;
    assert_eq!(all.status, 200);
    // Unset filters are empty fields, so that filtering again as is keeps every entry.
    assert!(
        all.body.contains("<option value=\"\">Toutes</option>")
            && !all.body.contains("\" selected>")
            && !all.body.contains("value=\"none\"")
            && !all.body.contains("value=\"None\""),
        "{}",
        all.body
    );
    // Actions are chosen by their names.
    assert!(
        all.body
            .contains("<option value=\"member.created\">Membre créé</option>"),
        "{}",
        all.body
    );
    // Actions read in the reader's words, each a link to its entries.
    assert!(
        all.body.contains(">Membre créé</a>") && all.body.contains(">Membre désactivé</a>"),
        "{}",
        all.body
    );
    assert!(!all.body.contains(">member.created<"), "{}", all.body);
    // Details read as labelled lines, not JSON.
    assert!(
        all.body.contains("<li>Identifiant\u{a0}: ines.inscrite</li>") && !all.body.contains("<code>{"),
        "{}",
        all.body
    );
    // What an entry was about reads as the member's name, linked to their entries.
    let decoded = all.body.replace("&#x2f;", "/").replace("&#x3d;", "=");
    assert!(
        decoded.contains(&format!(
            "<a href=\"/t/acme/admin/audit?target={id}\">Ines Inscrite</a>"
        )),
        "{}",
        all.body
    );
    let created = browser.get("/audit?action=member.created").await;
    assert!(
        created.body.contains(">Membre créé</a>") && !created.body.contains(">Membre désactivé</a>"),
        "{}",
        created.body
    );
    let about = browser.get(&format!("/audit?target={id}")).await;
    // The narrowing the form does not show is said, with the way out of it.
    assert!(
        about.body.contains("Seulement les entrées concernant Ines Inscrite.")
            && about.body.contains("Voir toutes les entrées</a>"),
        "{}",
        about.body
    );
    assert!(about.body.contains("2 entrées"), "{}", about.body);
    let admin_id = t.ok("acme", &admin, "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_admin = browser.get(&format!("/audit?actor={admin_id}")).await;
    assert!(
        by_admin.body.contains("Seulement les entrées faites par "),
        "entries made by someone are not said to be about them: {}",
        by_admin.body
    );

    // An import reads by its file and leads to its page; its mode by the form's name.
    let importer = t.signed_in("acme", admin.clone());
    let file = File::new("liste.csv", "Email;Prénom;Nom\nzoe@example.org;Zoé;Zed\n");
    let job = importer.start_import(file, "CREATE").await;
    let job_id = job["id"].as_str().unwrap();
    importer.apply_import(job_id, Confirm::NOTHING).await;
    let imports = browser.get("/audit?action=import.applied").await;
    let decoded = imports.body.replace("&#x2f;", "/").replace("&#x3d;", "=");
    assert!(
        decoded.contains(&format!("<a href=\"/t/acme/admin/imports/{job_id}\">liste.csv</a>")),
        "{}",
        imports.body
    );
    assert!(imports.body.contains("Ajouter de nouveaux membres"), "{}", imports.body);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let later = browser.get(&format!("/audit?since={tomorrow}")).await;
    assert!(later.body.contains("Aucune entrée ne correspond."), "{}", later.body);
    let until_today = browser.get(&format!("/audit?target={id}&until={today}")).await;
    assert!(
        until_today.body.contains("2 entrées"),
        "a day counts until its end: {}",
        until_today.body
    );

    // Without audit.read, the page is refused by the API and not in the menu.
    t.ok(
        "acme",
        &admin,
        "mutation($s: MemberSelection!) { activateMembers(selection: $s) { changed } }",
        json!({ "s": { "ids": [id] } }),
    )
    .await;
    t.member_token("acme", &id, "ines-password-1").await;
    let mut ines = Browser::new(&t, "acme");
    ines.sign_in("ines@example.org", "ines-password-1").await;
    let home = ines.get("").await;
    assert!(!home.body.contains("/admin/audit\""));
    assert_eq!(ines.get("/audit").await.status, 403);
}
