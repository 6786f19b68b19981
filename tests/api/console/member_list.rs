//! The member list: filters, pages, escaping, mass actions, and a group-scoped reader.

use serde_json::json;

use crate::support::console::Browser;
use crate::support::{TestApp, ACME, COOP};

#[tokio::test]
async fn the_member_list_filters_pages_and_escapes_what_members_typed() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Ann & \"Bob\"", "lastName": "O'Hara", "email": "hostile@example.org" }),
    )
    .await;
    for i in 0..52 {
        t.create_member("acme", &admin, json!({ "firstName": format!("Vol{i:02}"), "lastName": "Unteer", "email": format!("vol{i:02}@example.org") }))
            .await;
    }
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    let all = browser.get("/members").await;
    assert_eq!(all.status, 200);
    // Names refuse < and > at the API; what they may hold is escaped on the page.
    assert!(!all.body.contains("Ann & \"Bob\" O'Hara"), "never raw");
    assert!(
        all.body.contains("Ann &amp; &quot;Bob&quot; O&#x27;Hara"),
        "escaped: {}",
        all.body
    );
    assert!(all.body.contains("Plus de 50 membres."), "{}", all.body);
    assert!(
        all.body.contains("value=\"deactivate\"") && !all.body.contains("value=\"add-to-group\""),
        "no group to add anyone to: {}",
        all.body
    );
    let counted = browser.get("/members?count=1").await;
    assert!(counted.body.contains("54 membres"), "{}", counted.body);
    let next = all.body.split("rel=\"next\"").next().unwrap();
    // As a browser reads the attribute: entities decoded.
    let href = next.rsplit("href=\"").next().unwrap().split('"').next().unwrap();
    let href = href.replace("&#x2f;", "/").replace("&#x3d;", "=").replace("&amp;", "&");
    assert!(href.starts_with("/t/acme/admin/members?after="), "{href}");

    let second = browser.get(href.trim_start_matches("/t/acme/admin")).await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("Première page"));
    assert!(!second.body.contains("rel=\"next\""), "the last page");

    let found = browser.get("/members?search=vol0&status=ACTIVE").await;
    assert!(found.body.contains("10 membres"), "{}", found.body);
    assert!(found.body.contains("value=\"vol0\""), "the filter stays in the form");
    assert!(found.body.contains("<option value=\"ACTIVE\" selected>"));

    // Nobody: said once.
    let nobody = browser.get("/members?search=zzz").await;
    assert_eq!(nobody.body.matches("Aucun membre").count(), 1, "{}", nobody.body);
    assert!(nobody.body.contains("Aucun membre ne correspond."), "{}", nobody.body);

    // An address pasted from a mail client, with its name and brackets.
    let pasted = browser
        .get("/members?search=Vol07%20Unteer%20%3Cvol07%40example.org%3E%3B")
        .await;
    assert!(pasted.body.contains("Un membre"), "{}", pasted.body);
    assert!(pasted.body.contains("vol07@example.org"), "{}", pasted.body);

    // The box holds as much as the API takes; a longer search (pasted into the
    // address) is told as such, not as an old link.
    assert!(all.body.contains("maxlength=\"200\""), "{}", all.body);
    let long = browser.get(&format!("/members?search={}", "a".repeat(201))).await;
    assert_eq!(long.status, 400);
    assert!(
        long.body.contains("Une recherche tient en 200 caractères au plus"),
        "{}",
        long.body
    );
    let just = browser.get(&format!("/members?search={}", "a".repeat(200))).await;
    assert_eq!(just.status, 200, "200 characters are taken");
}

/// The link of `rel` on a page, as a browser reads the attribute (entities decoded),
/// without the console's prefix.
fn link(page: &str, rel: &str) -> Option<String> {
    let before = page
        .split(&format!("rel=\"{rel}\""))
        .next()
        .filter(|b| b.len() < page.len())?;
    let href = before.rsplit("href=\"").next()?.split('"').next()?;
    let href = href.replace("&#x2f;", "/").replace("&#x3d;", "=").replace("&amp;", "&");
    Some(href.trim_start_matches("/t/acme/admin").to_owned())
}

/// The cursor of the next-page link of a list page.
fn second_link_cursor(page: &str) -> String {
    let next = link(page, "next").unwrap();
    let encoded = next
        .split("after=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    url::form_urlencoded::parse(format!("c={encoded}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned()
}

/// The members' names on a list page, in its order.
fn names(page: &str) -> Vec<String> {
    page.split("/admin/members/")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("\">")?
                .1
                .split_once("</a>")
                .map(|(name, _)| name.to_owned())
        })
        .filter(|name| name.starts_with("Vol"))
        .collect()
}

#[tokio::test]
async fn the_list_sorts_as_chosen_and_pages_back_and_forth_in_that_order() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    // Created in this order; last names in another, so that each order differs.
    let people: Vec<(String, String)> = (0..120)
        .map(|i| (format!("Vol{i:03}"), format!("Name{:03}", i * 7 % 120)))
        .collect();
    for (first, last) in &people {
        let email = format!("{}@example.org", first.to_lowercase());
        t.create_member(
            "acme",
            &admin,
            json!({ "firstName": first, "lastName": last, "email": email }),
        )
        .await;
    }
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;
    let in_order = |key: &dyn Fn(&(String, String)) -> String| -> Vec<String> {
        let mut sorted = people.clone();
        sorted.sort_by_key(|p| key(p));
        sorted
            .into_iter()
            .map(|(first, last)| format!("{first} {last}"))
            .collect()
    };
    let by_last_name = in_order(&|(_, last)| last.clone());
    let by_first_name = in_order(&|(first, _)| first.clone());
    let newest_first: Vec<String> = by_first_name.iter().rev().cloned().collect();
    assert_ne!(by_last_name, by_first_name);

    let by_name = browser.get("/members?search=vol").await;
    assert_eq!(names(&by_name.body), by_last_name[..50], "by last name, the default");
    assert!(link(&by_name.body, "prev").is_none(), "no page before the first");
    assert!(
        by_name.body.contains("<option value=\"name\" selected>"),
        "{}",
        by_name.body
    );

    let newest = browser.get("/members?search=vol&sort=newest").await;
    assert_eq!(names(&newest.body), newest_first[..50], "the newest first");
    assert!(newest.body.contains("<option value=\"newest\" selected>"));
    let by_login = browser.get("/members?search=vol&sort=login").await;
    assert_eq!(names(&by_login.body), by_first_name[..50], "logins (vol000…) from A");

    // Forward twice, then back: each page in the chosen order, the order kept in links.
    let second = browser.get(&link(&by_login.body, "next").unwrap()).await;
    assert_eq!(names(&second.body), by_first_name[50..100]);
    let third_link = link(&second.body, "next").unwrap();
    assert!(third_link.contains("sort=login"), "{third_link}");
    let third = browser.get(&third_link).await;
    assert_eq!(names(&third.body), by_first_name[100..]);
    assert!(link(&third.body, "next").is_none(), "the last page");
    let back = browser.get(&link(&third.body, "prev").unwrap()).await;
    assert_eq!(names(&back.body), by_first_name[50..100], "back to the second page");
    let first = browser.get(&link(&back.body, "prev").unwrap()).await;
    assert_eq!(names(&first.body), by_first_name[..50], "back to the first page");
    assert!(link(&first.body, "prev").is_none(), "nothing before the first page");
    assert!(link(&first.body, "next").is_some());

    // A mass action from the second page comes back to that page, in that order.
    let cursor = second_link_cursor(&by_login.body);
    let decoded = second
        .body
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
        .replace("&#x2b;", "+");
    assert!(decoded.contains(&format!("<input type=\"hidden\" name=\"after\" value=\"{cursor}\">")));
    let csrf = crate::support::console::Browser::csrf(&second);
    let someone = second
        .body
        .split("name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = [
        ("csrf", csrf.as_str()),
        ("search", "vol"),
        ("sort", "login"),
        ("after", cursor.as_str()),
        ("id", someone.as_str()),
        ("action", "deactivate"),
        ("confirmed", "1"),
    ];
    let done = browser.post("/members/bulk", &form).await;
    assert_eq!(done.status, 303);
    let back = done.location.replace("%3D", "=");
    assert!(
        back.contains("sort=login") && back.contains(&format!("after={cursor}")) && back.contains("done=deactivate"),
        "{back}"
    );
    let landed = browser.get(done.location.trim_start_matches("/t/acme/admin")).await;
    assert!(
        landed.body.contains("C&#x27;est fait : un membre désactivé."),
        "{}",
        landed.body
    );
    assert_eq!(names(&landed.body)[0], by_first_name[50], "the same page");

    // The order travels with a mass action's form, and an unknown one is the default.
    assert!(by_login
        .body
        .contains("<input type=\"hidden\" name=\"sort\" value=\"login\">"));
    let unknown = browser.get("/members?search=vol&sort=password_hash").await;
    assert_eq!(unknown.status, 200);
    assert_eq!(names(&unknown.body), names(&by_name.body));
}

#[tokio::test]
async fn mass_actions_say_how_many_they_touch_then_act_on_the_checked_or_all_matching() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = t
            .create_member("acme", &admin, json!({ "firstName": format!("Club{i}"), "lastName": "Benefit", "email": format!("club{i}@example.org") }))
            .await;
        ids.push(id);
    }
    let group = t
        .ok(
            "acme",
            &admin,
            "mutation { createGroup(input: {name: \"Gym\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;
    let list = browser.get("/members?search=club").await;
    let csrf = Browser::csrf(&list);

    // Job 5: two checked members, deactivated after a confirmation that counts them.
    let ask = browser
        .post(
            "/members/bulk",
            &[
                ("csrf", &csrf),
                ("search", "club"),
                ("id", &ids[0]),
                ("id", &ids[1]),
                ("action", "deactivate"),
            ],
        )
        .await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.body.contains("Désactiver : cela touche 2 membres. Continuer ?"),
        "{}",
        ask.body
    );
    async fn status(t: &TestApp, admin: &str, id: &str) -> serde_json::Value {
        let query = "query($id: ID!) { member(id: $id) { status } }";
        t.ok("acme", admin, query, json!({ "id": id })).await["member"]["status"].clone()
    }
    assert_eq!(
        status(&t, &admin, &ids[0]).await,
        "ACTIVE",
        "nothing before the confirmation"
    );
    let done = browser
        .post(
            "/members/bulk",
            &[
                ("csrf", &csrf),
                ("search", "club"),
                ("id", &ids[0]),
                ("id", &ids[1]),
                ("action", "deactivate"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert!(browser
        .get(done.location.trim_start_matches("/t/acme/admin"))
        .await
        .body
        .contains("C&#x27;est fait : 2 membres désactivés."));
    assert_eq!(status(&t, &admin, &ids[1]).await, "DEACTIVATED");
    assert_eq!(status(&t, &admin, &ids[2]).await, "ACTIVE");

    // Everyone the filter matches, not only the checked: into a group.
    let everyone = [
        ("csrf", csrf.as_str()),
        ("search", "club"),
        ("everyone", "1"),
        ("action", "add-to-group"),
        ("group_id", group.as_str()),
    ];
    let ask = browser.post("/members/bulk", &everyone).await;
    assert!(
        ask.body.contains("Ajouter au groupe « Gym » : cela touche 5 membres"),
        "the group named: {}",
        ask.body
    );
    let mut confirmed = everyone.to_vec();
    confirmed.push(("confirmed", "1"));
    browser.post("/members/bulk", &confirmed).await;
    let count = t
        .ok(
            "acme",
            &admin,
            "query($g: ID!) { group(id: $g) { memberCount } }",
            json!({ "g": group }),
        )
        .await;
    assert_eq!(count["group"]["memberCount"], 5);

    // An export of the checked members: the download itself.
    let export = browser
        .post(
            "/members/bulk",
            &[
                ("csrf", &csrf),
                ("search", "club"),
                ("id", &ids[3]),
                ("action", "export-csv"),
            ],
        )
        .await;
    assert_eq!(export.status, 303);
    let (status_code, _, _, bytes) = t.fetch(&export.location).await;
    assert_eq!(status_code, 200);
    let csv = String::from_utf8_lossy(&bytes);
    assert!(
        csv.contains("club3@example.org") && !csv.contains("club4@example.org"),
        "{csv}"
    );

    let nothing = browser
        .post("/members/bulk", &[("csrf", &csrf), ("action", "deactivate")])
        .await;
    assert!(
        nothing.body.contains("Cochez d&#x27;abord des membres"),
        "{}",
        nothing.body
    );
}

#[tokio::test]
async fn the_list_filters_by_role_group_and_given_password_and_invites_the_checked() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let group = t
        .ok(
            "acme",
            &admin,
            "mutation { createGroup(input: {name: \"Épicerie\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_group = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Gus", "lastName": "Grocer", "email": "gus@example.org", "groupIds": [group] }),
        )
        .await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Pia", "lastName": "Given", "email": "pia@example.org", "password": "given-password-1" }),
    )
    .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    let by_group = browser.get(&format!("/members?group={group}")).await;
    assert!(
        by_group.body.contains("Gus Grocer") && !by_group.body.contains("Pia Given"),
        "{}",
        by_group.body
    );
    assert!(
        by_group.body.contains(&format!("<option value=\"{group}\" selected>")),
        "{}",
        by_group.body
    );
    let must_change = browser.get("/members?must_change=1").await;
    assert!(must_change.body.contains("Pia Given") && !must_change.body.contains("Gus Grocer"));
    let admins = browser.get("/members?role=admin").await;
    assert!(
        admins.body.contains("Un membre") && !admins.body.contains("Gus Grocer"),
        "{}",
        admins.body
    );

    // Invitations for the checked member, after a count; the list keeps its filters.
    let csrf = Browser::csrf(&by_group);
    let ask = browser
        .post(
            "/members/bulk",
            &[
                ("csrf", &csrf),
                ("group", &group),
                ("id", &in_group),
                ("action", "send-activation"),
            ],
        )
        .await;
    assert!(ask.body.contains("cela touche un membre"), "{}", ask.body);
    let sent = browser
        .post(
            "/members/bulk",
            &[
                ("csrf", &csrf),
                ("group", &group),
                ("id", &in_group),
                ("action", "send-activation"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location,
        format!("/t/acme/admin/members?group={group}&activations=1")
    );
    let query = "query($id: ID!) { member(id: $id) { pendingInvitation { kind } } }";
    let seen = t.ok("acme", &admin, query, json!({ "id": in_group })).await;
    assert_eq!(seen["member"]["pendingInvitation"]["kind"], "ACTIVATION");
}

#[tokio::test]
async fn a_coordinator_of_one_group_sees_and_acts_on_that_group_only() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
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
    let inside = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Ines", "lastName": "Inside", "email": "ines@example.org", "groupIds": [group] }),
        )
        .await;
    let outside = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Otto", "lastName": "Outside", "email": "otto@example.org" }),
        )
        .await;
    let coordinator = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Cora", "lastName": "Coord", "email": "cora@example.org",
                    "roles": [{ "role": "coordinator", "groupId": group }] }),
        )
        .await;
    t.member_token("coop", &coordinator, "cora-password-1").await;
    let mut cora = Browser::new(&t, "coop");
    cora.sign_in("cora@example.org", "cora-password-1").await;

    let list = cora.get("/members").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains("Ines Inside") && !list.body.contains("Otto Outside"),
        "{}",
        list.body
    );
    for absent in ["/admin/imports", "/admin/audit", "/admin/invitations"] {
        assert!(
            !list.body.contains(&format!("href=\"/t/coop{absent}\"")),
            "{absent} not offered"
        );
    }
    assert_eq!(cora.get(&format!("/members/{outside}")).await.status, 404);
    assert_eq!(cora.get("/imports").await.status, 403);

    let csrf = Browser::csrf(&list);
    let forged = cora
        .post(
            &format!("/members/{outside}/status"),
            &[("csrf", &csrf), ("status", "DEACTIVATED")],
        )
        .await;
    assert_eq!(forged.status, 404, "{}", forged.body);
    let everyone = cora
        .post(
            "/members/bulk",
            &[
                ("csrf", &csrf),
                ("everyone", "1"),
                ("action", "deactivate"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(everyone.status, 303, "{}", everyone.body);
    let status = |id: String| {
        let t = &t;
        let admin = admin.clone();
        async move {
            t.ok(
                "coop",
                &admin,
                "query($id: ID!) { member(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await["member"]["status"]
                .clone()
        }
    };
    assert_eq!(status(outside).await, "ACTIVE", "outside the group: untouched");
    assert_eq!(status(inside).await, "DEACTIVATED", "inside the group: acted on");
}

/// A done import's page leads to the list of the members it created, which keeps that
/// filter through its search, its pages and the actions on them, until unticked.
#[tokio::test]
async fn an_imports_page_leads_to_the_members_it_created_and_the_list_keeps_them() {
    use crate::support::imports::{Confirm, File};

    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin("coop").await;
    let file = File::new(
        "nouveaux.csv",
        "Prénom;Nom;Email\nAna;Printemps;ana@spring.example\nBo;Printemps;bo@spring.example\n",
    );
    let job = admin.start_import(file, "CREATE").await;
    let id = job["id"].as_str().unwrap().to_owned();
    admin.apply_import(&id, Confirm::NOTHING).await;
    admin
        .create_member(json!({ "firstName": "Fa", "lastName": "Printemps", "email": "fa@spring.example" }))
        .await;

    let mut browser = Browser::new(&t, "coop");
    browser.sign_in("admin@coop.example.org", "correct-horse-battery").await;
    let page = browser.get(&format!("/imports/{id}")).await;
    let href = format!("/t/coop/admin/members?import={id}");
    assert!(page.body.contains(&href), "{}", page.body);
    assert!(
        page.body.contains("Voir les 2 membres créés dans la liste"),
        "{}",
        page.body
    );

    let created = browser.get(&format!("/members?import={id}")).await;
    assert_eq!(created.status, 200);
    assert!(created.body.contains("2 membres"), "{}", created.body);
    assert!(!created.body.contains("Fa Printemps"), "{}", created.body);
    assert!(
        created
            .body
            .contains(&format!("name=\"import\" value=\"{id}\" checked")),
        "the filter shows, to be unticked: {}",
        created.body
    );
    assert!(
        created
            .body
            .contains(&format!("<input type=\"hidden\" name=\"import\" value=\"{id}\">")),
        "the actions on the list carry it: {}",
        created.body
    );
    let searched = browser.get(&format!("/members?import={id}&search=printemps")).await;
    assert!(searched.body.contains("2 membres"), "{}", searched.body);
    let everyone = browser.get("/members?search=printemps").await;
    assert!(everyone.body.contains("3 membres"), "{}", everyone.body);

    // A narrowing filter the page cannot read is refused, never left out: left out, the
    // list and an action on everyone it matches would reach the whole organization.
    let cut_short = &id[..id.len() - 4];
    for bad in [
        format!("import={cut_short}"),
        "group=1234".to_owned(),
        "status=DELETED".to_owned(),
        "never=yes".to_owned(),
    ] {
        let page = browser.get(&format!("/members?{bad}")).await;
        assert_eq!(page.status, 400, "{bad}: {}", page.body);
        assert!(page.body.contains("ne comprend pas"), "{bad}: {}", page.body);
    }
    let csrf = Browser::csrf(&created);
    let everyone_of = [
        ("csrf", csrf.as_str()),
        ("import", cut_short),
        ("everyone", "1"),
        ("action", "deactivate"),
        ("confirmed", "1"),
    ];
    let refused = browser.post("/members/bulk", &everyone_of).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let inactive = admin.member_count(json!({ "status": "DEACTIVATED" })).await;
    assert_eq!(inactive, 0, "nobody deactivated");

    // Undone, the import still leads to them, and says what became of them.
    admin.undo_import(&id).await;
    let undone = browser.get(&format!("/imports/{id}")).await;
    assert!(
        undone
            .body
            .contains("Voir les 2 membres que l&#x27;import avait créés, désactivés par l&#x27;annulation"),
        "{}",
        undone.body
    );
}
