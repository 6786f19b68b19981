//! The admin console over HTTP as a browser speaks it (cookies, forms, redirects), and
//! one journey in headless Chromium by visible labels.

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::console::Browser;
use support::{TestApp, ACME, COOP};

#[tokio::test]
async fn signing_in_sets_a_tenant_bound_cookie_and_every_form_needs_its_csrf_token() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    t.admin_token("acme", "admin@acme.example").await;
    let mut browser = Browser::new(&t, "acme");

    let home = browser.get("").await;
    assert_eq!((home.status, home.location.as_str()), (303, "/t/acme/admin/sign-in"));
    let form = browser.get("/sign-in").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("<label for=\"identifier\">"), "labelled fields");
    let csp = form.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(form.headers["x-frame-options"], "DENY");
    assert_eq!(form.headers["x-content-type-options"], "nosniff");

    // No token, or a forged one: refused, nothing signed in.
    for csrf in ["", "forged"] {
        let refused = browser
            .post(
                "/sign-in",
                &[
                    ("csrf", csrf),
                    ("identifier", "admin@acme.example"),
                    ("password", "correct-horse-battery"),
                ],
            )
            .await;
        assert_eq!(refused.status, 403);
        assert!(!browser.cookies.contains_key("roster_console"));
    }
    // The right token from another site's page (its Origin): refused too.
    browser.origin = Some("https://evil.example".into());
    let csrf = Browser::csrf(&form);
    let foreign = browser
        .post(
            "/sign-in",
            &[
                ("csrf", &csrf),
                ("identifier", "admin@acme.example"),
                ("password", "correct-horse-battery"),
            ],
        )
        .await;
    assert_eq!(foreign.status, 403);
    browser.origin = Some(format!("http://{}", t.addr));

    let wrong = browser.sign_in("admin@acme.example", "not-the-password").await;
    assert_eq!(wrong.status, 200);
    assert!(
        wrong
            .body
            .contains("L&#x27;identifiant ou le mot de passe est incorrect"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains("value=\"admin@acme.example\""),
        "the identifier stays typed"
    );

    let signed_in = browser.sign_in("admin@acme.example", "correct-horse-battery").await;
    assert_eq!((signed_in.status, signed_in.location.as_str()), (303, "/t/acme/admin"));
    let home = browser.get("").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<h1>Accueil</h1>"), "{}", home.body);
    assert!(home.body.contains("Membres actifs"));
}

#[tokio::test]
async fn the_cookie_set_at_sign_in_is_httponly_lax_and_scoped_to_its_tenant() {
    let t = TestApp::with_tenants(&[("acme", ACME), ("other", ACME)]).await;
    t.admin_token("acme", "admin@acme.example").await;
    t.admin_token("other", "admin@acme.example").await;
    let mut browser = Browser::new(&t, "acme");
    let form = browser.get("/sign-in").await;
    let csrf = Browser::csrf(&form);
    let url = t.url("/t/acme/admin/sign-in");
    let response = browser
        .client
        .post(url)
        .header("Cookie", browser.cookie_header())
        .form(&[
            ("csrf", csrf.as_str()),
            ("identifier", "admin@acme.example"),
            ("password", "correct-horse-battery"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("roster_console="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/t/acme/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP here; Secure when the public URL is https"
    );
    let token = cookie
        .trim_start_matches("roster_console=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // Sent to another tenant's console, the same session opens nothing.
    let mut stranger = Browser::new(&t, "other");
    stranger.cookies.insert("roster_console".into(), token);
    let page = stranger.get("").await;
    assert_eq!((page.status, page.location.as_str()), (303, "/t/other/admin/sign-in"));
}

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
}

#[tokio::test]
async fn a_member_sees_only_what_their_permissions_allow_and_must_change_a_given_password() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    // Created without a password: the tenant's default, to be changed at first sign-in.
    t.create_member(
        "coop",
        &admin,
        json!({ "firstName": "Mia", "lastName": "Member", "login": "mia", "email": "mia@example.org" }),
    )
    .await;
    let mut browser = Browser::new(&t, "coop");
    let signed_in = browser.sign_in("mia", "bienvenue-2026").await;
    assert_eq!(signed_in.status, 303);
    let home = browser.get("").await;
    assert_eq!((home.status, home.location.as_str()), (303, "/t/coop/admin/password"));
    let form = browser.get("/password").await;
    assert!(form.body.contains("choisissez le vôtre"), "{}", form.body);
    let csrf = Browser::csrf(&form);
    let weak = browser
        .post(
            "/password",
            &[("csrf", &csrf), ("current", "bienvenue-2026"), ("new", "short")],
        )
        .await;
    assert_eq!(weak.status, 200);
    assert!(
        weak.body.contains("id=\"new-problem\""),
        "the API's words next to the field: {}",
        weak.body
    );
    let changed = browser
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "bienvenue-2026"),
                ("new", "mia-own-password-1"),
            ],
        )
        .await;
    assert_eq!((changed.status, changed.location.as_str()), (303, "/t/coop/admin"));

    let home = browser.get("").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("votre propre profil"),
        "no counts for a plain member"
    );
    assert!(
        !home.body.contains("/admin/members\""),
        "no link to a page they may not see"
    );
    let list = browser.get("/members").await;
    assert_eq!(list.status, 403, "a forged visit is refused by the API");

    // Signing out ends the session itself, not only the cookie.
    let token = browser.cookies["roster_console"].clone();
    let csrf = Browser::csrf(&home);
    let out = browser.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location.as_str()), (303, "/t/coop/admin/sign-in"));
    assert!(!browser.cookies.contains_key("roster_console"));
    let me = t.gql("coop", Some(&token), "{ me { id } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
}

#[tokio::test]
async fn a_coordinator_signs_in_and_finds_a_member_in_a_real_browser() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Zébulon", "lastName": "Xylophage", "email": "zeb@example.org" }),
    )
    .await;
    // A person's steps, by what the page shows: labels, buttons, links.
    let journey = r#"(() => {
        const by = (selector, text) => [...document.querySelectorAll(selector)].find(e => e.textContent.includes(text));
        const field = (label) => by('label', label).control;
        const path = location.pathname;
        if (path.endsWith('/admin/sign-in')) {
            if (document.body.dataset.sent) return '';
            document.body.dataset.sent = '1';
            field('Identifiant').value = 'admin@acme.example';
            field('Mot de passe').value = 'correct-horse-battery';
            by('button', 'Se connecter').click();
            return '';
        }
        if (path.endsWith('/admin')) { by('a', 'Membres').click(); return ''; }
        if (path.endsWith('/admin/members')) {
            if (!location.search.includes('search=')) {
                field('Rechercher').value = 'xylo';
                by('button', 'Filtrer').click();
                return '';
            }
            return document.querySelector('tbody') && by('td', 'Zébulon Xylophage') ? 'done' : 'failed';
        }
        return '';
    })()"#;
    let dom = support::browser::run_until(
        chromium,
        &t.url("/t/acme/admin"),
        &["--accept-lang=fr"],
        journey,
        Duration::from_secs(30),
    )
    .await;
    assert!(dom.contains("Zébulon Xylophage") && dom.contains("Un membre"), "{dom}");
}

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
    assert!(history.body.contains("member.deactivated"), "the history shows it");

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
async fn a_pasted_list_is_invited_and_the_invitations_are_resent_revoked_and_linked() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Eva", "lastName": "Existing", "email": "eva@example.org" }),
    )
    .await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    // Job 3: addresses pasted as they come, one bad one refuses the list with its name.
    let form = browser.get("/invitations/new").await;
    assert!(form.body.contains("<label for=\"emails\">"), "{}", form.body);
    let csrf = Browser::csrf(&form);
    let bad = browser
        .post(
            "/invitations/new",
            &[("csrf", &csrf), ("emails", "ana@example.org; not-an-address")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("not-an-address"), "{}", bad.body);
    assert!(
        bad.body.contains("ana@example.org; not-an-address"),
        "the list stays typed"
    );
    let sent = browser
        .post(
            "/invitations/new",
            &[
                ("csrf", &csrf),
                ("emails", "ana@example.org, bo@example.org\nEVA@example.org"),
                ("message", "Bienvenue à l'épicerie !"),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("2 personnes invitées"), "{}", sent.body);
    assert!(sent.body.contains("Un membre déjà là, ajouté aux groupes") && sent.body.contains("Eva Existing"));

    let list = browser.get("/invitations").await;
    assert!(
        list.body.contains("2 invitations") && list.body.contains("ana@example.org"),
        "{}",
        list.body
    );
    let ids: Vec<String> = list
        .body
        .match_indices("name=\"id\" value=\"")
        .map(|(at, _)| list.body[at + 17..].split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    let csrf = Browser::csrf(&list);

    let none = browser
        .post(
            "/invitations",
            &[("csrf", &csrf), ("status", "PENDING"), ("action", "revoke")],
        )
        .await;
    assert!(
        none.body.contains("Choisissez d&#x27;abord au moins une invitation"),
        "{}",
        none.body
    );
    let resent = browser
        .post(
            "/invitations",
            &[
                ("csrf", &csrf),
                ("status", "PENDING"),
                ("action", "resend"),
                ("id", &ids[0]),
            ],
        )
        .await;
    assert_eq!(resent.status, 303);
    assert!(browser
        .get(resent.location.trim_start_matches("/t/acme/admin"))
        .await
        .body
        .contains("Une invitation renvoyée."));

    let link = browser
        .post(
            "/invitations",
            &[("csrf", &csrf), ("status", "PENDING"), ("link", &ids[1])],
        )
        .await;
    assert_eq!(
        link.headers["referrer-policy"], "no-referrer",
        "the page holds a live token"
    );
    let token = link
        .body
        .split("token=")
        .nth(1)
        .expect("a link")
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let preview = t
        .ok_anon(
            "acme",
            "query($t: String!) { invitationByToken(token: $t) { status } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(
        preview["invitationByToken"]["status"], "PENDING",
        "the handed-on link works"
    );

    let revoked = browser
        .post(
            "/invitations",
            &[
                ("csrf", &csrf),
                ("status", "PENDING"),
                ("action", "revoke"),
                ("id", &ids[0]),
                ("id", &ids[1]),
            ],
        )
        .await;
    assert!(revoked.location.ends_with("revoked=2"), "{}", revoked.location);
    let revoked_list = browser.get("/invitations?status=REVOKED").await;
    assert!(revoked_list.body.contains("2 invitations"), "{}", revoked_list.body);
}

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
    assert!(
        all.body.contains("member.created") && all.body.contains("member.deactivated"),
        "{}",
        all.body
    );
    let created = browser.get("/audit?action=member.created").await;
    assert!(
        created.body.contains("member.created") && !created.body.contains(">member.deactivated<"),
        "{}",
        created.body
    );
    let about = browser.get(&format!("/audit?target={id}")).await;
    assert!(about.body.contains("2 entrées"), "{}", about.body);
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

#[tokio::test]
async fn everyone_who_never_signed_in_is_invited_with_one_button() {
    let mail = support::smtp::MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("acme", ACME)], move |s| s.smtp_url = Some(url)).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    for name in ["Nadia", "Nils"] {
        t.create_member(
            "acme",
            &admin,
            json!({ "firstName": name, "lastName": "Never", "email": format!("{}@example.org", name.to_lowercase()) }),
        )
        .await;
    }
    let signed = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Sam", "lastName": "Signed", "email": "sam@example.org" }),
        )
        .await;
    t.member_token("acme", &signed, "sam-password-1").await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("admin@acme.example", "correct-horse-battery").await;

    // Job 2: the "never signed in" list says how many before anything is sent.
    let list = browser.get("/members?never=1").await;
    assert!(list.body.contains("Envoyer les 2 invitations"), "{}", list.body);
    let csrf = Browser::csrf(&list);
    let sent = browser
        .post(
            "/members/activation",
            &[("csrf", &csrf), ("message", "À bientôt à l'épicerie")],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let back = browser.get(sent.location.trim_start_matches("/t/acme/admin")).await;
    assert!(
        back.body
            .contains("2 invitations à choisir un mot de passe sont parties."),
        "{}",
        back.body
    );
    roster::jobs::run_once(&t.app).await.unwrap();
    assert_eq!(mail.to("nadia@example.org").len(), 1);
    assert_eq!(mail.to("nils@example.org").len(), 1);
    assert!(mail.to("sam@example.org").is_empty(), "he signed in already");
    assert!(mail.to("nadia@example.org")[0].text.contains("À bientôt à l'épicerie"));
}

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

#[tokio::test]
async fn a_member_edits_their_profile_asks_for_a_new_address_and_signs_out_everywhere() {
    let mail = support::smtp::MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("acme", ACME)], move |s| s.smtp_url = Some(url)).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let id = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Maya", "lastName": "Moi", "email": "maya@example.org" }),
        )
        .await;
    let other_session = t.member_token("acme", &id, "maya-password-1").await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in("maya@example.org", "maya-password-1").await;

    // Job 9: profile, in the member's own words, problems next to their fields.
    let page = browser.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("value=\"Maya\"") && page.body.contains("maya@example.org"),
        "{}",
        page.body
    );
    let csrf = Browser::csrf(&page);
    let bad = browser
        .post(
            "/account",
            &[
                ("csrf", &csrf),
                ("firstName", "Maya"),
                ("lastName", "Moi"),
                ("secondaryEmail", "nope"),
                ("phone", ""),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"secondaryEmail-problem\""), "{}", bad.body);
    let saved = browser
        .post(
            "/account",
            &[
                ("csrf", &csrf),
                ("firstName", "Maya"),
                ("lastName", "Moi-Même"),
                ("secondaryEmail", "maya.home@example.org"),
                ("phone", ""),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(saved.location, "/t/acme/admin/account?done=saved");
    let after = browser.get("/account?done=saved").await;
    assert!(
        after.body.contains("Your profile is saved."),
        "her language is now English: {}",
        after.body
    );
    assert!(
        after.body.contains("Not counted until you open the link"),
        "the second address waits for its proof"
    );

    // A new main address: a link goes to it, nothing changes until it is opened.
    let csrf = Browser::csrf(&after);
    let asked = browser
        .post(
            "/account/email",
            &[
                ("csrf", &csrf),
                ("email", "maya.new@example.org"),
                ("password", "maya-password-1"),
            ],
        )
        .await;
    assert_eq!(asked.location, "/t/acme/admin/account?done=email");
    roster::jobs::run_once(&t.app).await.unwrap();
    assert!(mail
        .to("maya.new@example.org")
        .iter()
        .any(|m| m.text.contains("/email-change?token=")));

    // Sign out everywhere: this browser and the other session both end.
    let out = browser.post("/account/sign-out-everywhere", &[("csrf", &csrf)]).await;
    assert_eq!(out.location, "/t/acme/admin/sign-in");
    let me = t.gql("acme", Some(&other_session), "{ me { id } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
    assert_eq!(browser.get("").await.status, 303);
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
        .contains("C&#x27;est fait : 2 membres modifiés."));
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
    assert!(ask.body.contains("cela touche 5 membres"), "{}", ask.body);
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
