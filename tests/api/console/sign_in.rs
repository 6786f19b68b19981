//! Signing in to the console: the session cookie, CSRF tokens on every form, what a
//! member may see, their own profile, and one journey in headless Chromium.

use std::time::Duration;

use serde_json::json;

use crate::support::console::Browser;
use crate::support::{self, TestApp, ACME, COOP};

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
    assert!(
        foreign.body.contains("<h1>Connexion</h1>") && foreign.body.contains("Ce formulaire a expiré"),
        "a page in the console's frame, not bare text: {}",
        foreign.body
    );
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
    assert!(home.body.contains("<strong>1</strong> membre actif<"), "{}", home.body);
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
    assert_eq!(weak.status, 422);
    assert!(
        weak.body
            .contains("<p id=\"new-problem\" class=\"problem\">Trop court : 10 caractères au moins.</p>"),
        "the problem next to its field, in the reader's words: {}",
        weak.body
    );
    let wrong = browser
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "not-the-one"),
                ("new", "mia-own-password-1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .body
            .contains("<p id=\"current-problem\" class=\"problem\">Ce n&#x27;est pas votre mot de passe actuel.</p>"),
        "under the current password, not the new one: {}",
        wrong.body
    );
    assert!(!wrong.body.contains("id=\"new-problem\""), "{}", wrong.body);
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
    assert_eq!(
        (changed.status, changed.location.as_str()),
        (303, "/t/coop/admin?password=changed")
    );

    let home = browser.get("?password=changed").await;
    assert!(home.body.contains("Votre mot de passe est changé."), "{}", home.body);
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("votre propre profil"),
        "no counts for a plain member"
    );
    assert!(
        !home.body.contains("/admin/members\""),
        "no link to a page they may not see"
    );
    assert!(
        !home.body.contains("href=\"/t/coop/graphql\""),
        "no developers' playground in a member's menu"
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
