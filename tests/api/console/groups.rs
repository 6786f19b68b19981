//! Groups in the console: listed, created manual or smart, renamed, opened, deleted.

use serde_json::json;

use crate::support::console::Browser;
use crate::support::{TestApp, ACME};

#[tokio::test]
async fn groups_are_listed_created_manual_or_smart_renamed_opened_and_deleted() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Gus", "lastName": "Grouped", "email": "gus@example.org" }),
    )
    .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    let page = browser.get("/groups").await;
    assert!(page.body.contains("Aucun groupe pour l&#x27;instant."), "{}", page.body);
    let csrf = Browser::csrf(&page);
    let empty = browser.post("/groups", &[("csrf", &csrf), ("name", " ")]).await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    let manual = browser
        .post(
            "/groups",
            &[
                ("csrf", &csrf),
                ("name", "Mardi"),
                ("description", "Permanence du mardi"),
            ],
        )
        .await;
    assert_eq!(
        (manual.status, manual.location.as_str()),
        (303, "/t/acme/admin/groups?done=created")
    );
    let smart = browser
        .post(
            "/groups",
            &[
                ("csrf", &csrf),
                ("name", "Jamais venus"),
                ("rule_never", "1"),
                ("rule_status", "ACTIVE"),
            ],
        )
        .await;
    assert_eq!(smart.status, 303);
    let page = browser.get("/groups?done=created").await;
    assert!(page.body.contains("Le groupe est créé."));
    assert!(
        page.body.contains("automatique (par règle)") && page.body.contains("Permanence du mardi"),
        "{}",
        page.body
    );

    // The smart group's members: the list filtered by the group, linked from its name.
    let groups = t
        .ok("acme", &admin, "{ groups { id name memberCount } }", json!({}))
        .await;
    let smart = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Jamais venus")
        .unwrap()
        .clone();
    assert_eq!(smart["memberCount"], 1, "Gus never signed in");
    let members = browser
        .get(&format!("/members?group={}", smart["id"].as_str().unwrap()))
        .await;
    assert!(
        members.body.contains("Gus Grouped") && members.body.contains("Un membre"),
        "{}",
        members.body
    );

    let manual = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Mardi")
        .unwrap()
        .clone();
    let id = manual["id"].as_str().unwrap();
    let renamed = browser
        .post(&format!("/groups/{id}"), &[("csrf", &csrf), ("name", "Mardi soir")])
        .await;
    assert_eq!(renamed.status, 303);
    let after = t
        .ok(
            "acme",
            &admin,
            "query($id: ID!) { group(id: $id) { name description } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        after["group"],
        json!({ "name": "Mardi soir", "description": "Permanence du mardi" }),
        "the description is kept"
    );
    let deleted = browser.post(&format!("/groups/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(deleted.location, "/t/acme/admin/groups?done=deleted");
    let gone = t
        .ok(
            "acme",
            &admin,
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(gone["group"].is_null());
}
