//! A member's page: create, edit, deactivate, roles, merging two records, the pending
//! invitation link.

use serde_json::json;

use crate::support::console::Browser;
use crate::support::{TestApp, ACME, COOP};

#[tokio::test]
async fn a_coordinator_creates_edits_and_deactivates_a_member_and_a_member_cannot() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    // Job 1: a new member by hand; required fields are marked and checked by the API.
    let form = browser.get("/members/new").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<label for=\"lastName\">Nom <span class=\"req\">(obligatoire)</span></label>"),
        "{}",
        form.body
    );
    let csrf = Browser::csrf(&form);
    let missing = browser
        .post(
            "/members/new",
            &[
                ("csrf", &csrf),
                ("firstName", "Noé"),
                ("lastName", ""),
                ("email", "noe@example.org"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(
        missing.body.contains("id=\"lastName-problem\""),
        "the problem sits next to its field: {}",
        missing.body
    );
    assert!(missing.body.contains("value=\"Noé\""), "what was typed stays");
    let created = browser
        .post(
            "/members/new",
            &[
                ("csrf", &csrf),
                ("firstName", "Noé"),
                ("lastName", "Dupré"),
                ("email", "noe@example.org"),
                ("phone", "06 12 34 56 78"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page_path = created.location.trim_start_matches("/t/acme/admin").to_owned();
    assert!(
        page_path.starts_with("/members/") && page_path.ends_with("?done=created"),
        "{page_path}"
    );
    let id = page_path
        .trim_start_matches("/members/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = browser.get(&page_path).await;
    assert!(
        page.body.contains("Le membre est créé.") && page.body.contains("<h1>Noé Dupré</h1>"),
        "{}",
        page.body
    );

    // Edit, then deactivate: each a form, a mutation, a redirect with a notice.
    let csrf = Browser::csrf(&page);
    let saved = browser
        .post(
            &format!("/members/{id}"),
            &[
                ("csrf", &csrf),
                ("firstName", "Noé"),
                ("lastName", "Dupré-Martin"),
                ("email", "noe@example.org"),
                ("secondaryEmail", ""),
                ("phone", "06 12 34 56 78"),
                ("login", "noe.dupre"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let deactivated = browser
        .post(
            &format!("/members/{id}/status"),
            &[("csrf", &csrf), ("status", "DEACTIVATED")],
        )
        .await;
    assert!(deactivated.location.ends_with("?done=deactivated"));
    let seen = t
        .ok(
            "acme",
            &admin,
            "query($id: ID!) { member(id: $id) { lastName status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        seen["member"],
        json!({ "lastName": "Dupré-Martin", "status": "DEACTIVATED" })
    );
    let history = browser.get(&format!("/members/{id}")).await;
    assert!(
        history.body.contains("<td>Membre désactivé</td>") && !history.body.contains("member.deactivated"),
        "the history shows it in the reader's words: {}",
        history.body
    );

    // A plain member forging the same form is refused by the API; nothing changes.
    let plain = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Paul", "lastName": "Plain", "email": "paul@example.org" }),
        )
        .await;
    t.member_token("acme", &plain, "paul-password-1").await;
    let mut paul = Browser::new(&t, "acme");
    paul.sign_in("paul@example.org", "paul-password-1").await;
    let home = paul.get("").await;
    let csrf = Browser::csrf(&home);
    let forged = paul
        .post(
            &format!("/members/{id}/status"),
            &[("csrf", &csrf), ("status", "ACTIVE")],
        )
        .await;
    assert_ne!(forged.status, 303);
    let seen = t
        .ok(
            "acme",
            &admin,
            "query($id: ID!) { member(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["member"]["status"], "DEACTIVATED");
}

#[tokio::test]
async fn roles_are_handed_out_everywhere_or_within_a_group_from_the_member_page() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    let id = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Rosa", "lastName": "Roles", "email": "rosa@example.org" }),
        )
        .await;
    let group = t
        .ok(
            "coop",
            &admin,
            "mutation { createGroup(input: {name: \"Légumes\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let roles = t.ok("coop", &admin, "{ tenant { roles { key } } }", json!({})).await;
    let keys: Vec<String> = roles["tenant"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_owned())
        .collect();
    let scoped_role = keys
        .iter()
        .find(|k| k.as_str() != "admin" && k.as_str() != "member")
        .expect("a role besides admin and member")
        .clone();
    let mut browser = Browser::new(&t, "coop");
    browser.sign_in("admin@coop.example", "correct-horse-battery").await;
    let page = browser.get(&format!("/members/{id}")).await;
    assert!(
        page.body.contains("Rôles sur toute l&#x27;organisation"),
        "{}",
        page.body
    );
    let csrf = Browser::csrf(&page);
    let saved = browser
        .post(
            &format!("/members/{id}/roles"),
            &[
                ("csrf", &csrf),
                ("role", "member"),
                ("add_role", &scoped_role),
                ("add_group", &group),
            ],
        )
        .await;
    assert_eq!(
        saved.location,
        format!("/t/coop/admin/members/{id}?done=roles"),
        "{}",
        saved.body
    );
    let held = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { member(id: $id) { roles { role { key } group { name } } } }",
            json!({ "id": id }),
        )
        .await;
    let mut held: Vec<String> = held["member"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}{}",
                r["role"]["key"].as_str().unwrap(),
                r["group"]["name"].as_str().map(|g| format!("@{g}")).unwrap_or_default()
            )
        })
        .collect();
    held.sort();
    let mut expected = vec!["member".to_owned(), format!("{scoped_role}@Légumes")];
    expected.sort();
    assert_eq!(held, expected);

    // Nobody changes their own roles: the API's refusal is shown, nothing changes.
    let me = t.ok("coop", &admin, "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = browser
        .post(&format!("/members/{me}/roles"), &[("csrf", &csrf), ("role", "member")])
        .await;
    assert_ne!(own.status, 303, "{}", own.body);
    let still = t
        .ok("coop", &admin, "{ me { roles { role { key } } } }", json!({}))
        .await;
    assert!(still.to_string().contains("admin"));
}

#[tokio::test]
async fn two_records_of_one_person_are_merged_after_seeing_them_side_by_side() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let group = t
        .ok(
            "acme",
            &admin,
            "mutation { createGroup(input: {name: \"Bénévoles\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let keep = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Jeanne", "lastName": "Dupont", "email": "jeanne@example.org" }),
        )
        .await;
    let twin = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Jeanne", "lastName": "Dupont & \"Bis\"", "email": "j.dupont@example.org", "phone": "06 12 34 56 78", "groupIds": [group] }),
        )
        .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    let page = browser.get(&format!("/members/{keep}")).await;
    assert!(page.body.contains(&format!("/members/{keep}/merge")), "{}", page.body);
    let found = browser.get(&format!("/members/{keep}/merge?search=dupont")).await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains(&format!("?other={twin}")), "{}", found.body);
    assert!(
        !found.body.contains(&format!("?other={keep}")),
        "a member is not merged with itself"
    );
    assert!(found.body.contains("Dupont &amp; &quot;Bis&quot;"), "{}", found.body);

    let compare = browser.get(&format!("/members/{keep}/merge?other={twin}")).await;
    assert!(compare.body.contains("jeanne@example.org") && compare.body.contains("j.dupont@example.org"));
    assert!(compare.body.contains("06 12 34 56 78") && compare.body.contains("Bénévoles"));
    let csrf = Browser::csrf(&compare);

    // Without its CSRF token, nothing happens.
    let forged = browser
        .post(&format!("/members/{keep}/merge"), &[("other", &twin), ("keep", &keep)])
        .await;
    assert_eq!(forged.status, 403);
    assert!(
        forged.body.contains("<h1>Accès refusé</h1>") && forged.body.contains(">Accueil</a>"),
        "a page in the console's frame with the way on: {}",
        forged.body
    );

    let merged = browser
        .post(
            &format!("/members/{keep}/merge"),
            &[("csrf", &csrf), ("other", &twin), ("keep", &keep)],
        )
        .await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    assert_eq!(merged.location, format!("/t/acme/admin/members/{keep}?done=merged"));
    let query = "query($id: ID!) { member(id: $id) { phone groups { name } } }";
    let kept = t.ok("acme", &admin, query, json!({ "id": keep })).await;
    assert_eq!(kept["member"]["phone"], "06 12 34 56 78");
    assert_eq!(kept["member"]["groups"][0]["name"], "Bénévoles");
    assert!(t.ok("acme", &admin, query, json!({ "id": twin })).await["member"].is_null());

    // Merging with oneself is the API's VALIDATION, said on the page.
    let csrf = Browser::csrf(&browser.get(&format!("/members/{keep}/merge")).await);
    let own = browser
        .post(
            &format!("/members/{keep}/merge"),
            &[("csrf", &csrf), ("other", &keep), ("keep", &keep)],
        )
        .await;
    assert_eq!(own.status, 422, "{}", own.body);
    assert!(own.body.contains("role=\"alert\""), "{}", own.body);
}

#[tokio::test]
async fn the_member_page_hands_out_the_pending_invitation_link_without_a_referrer() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let id = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Noa", "lastName": "Nomail", "email": "noa@example.org" }),
        )
        .await;
    t.ok(
        "acme",
        &admin,
        "mutation($ids: [ID!]!) { sendActivationInvitations(selection: {ids: $ids}) { invitations { id } } }",
        json!({ "ids": [id] }),
    )
    .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;
    let page = browser.get(&format!("/members/{id}")).await;
    let at = page
        .body
        .find("name=\"link\" value=\"")
        .expect("a hand-out link button")
        + 19;
    let invitation = page.body[at..].split('"').next().unwrap().to_owned();
    let csrf = Browser::csrf(&page);
    let link = browser
        .post("/invitations", &[("csrf", &csrf), ("link", &invitation)])
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    assert!(link.body.contains("token="), "{}", link.body);
    assert_eq!(link.headers["referrer-policy"], "no-referrer");
}
