//! Inviting from the console: a pasted list, resending, revoking, and everyone who
//! never signed in.

use serde_json::json;

use crate::support::console::Browser;
use crate::support::{self, TestApp, ACME};

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
    let submission = {
        let field = "name=\"submission\" value=\"";
        let at = bad.body.find(field).expect("a submission name") + field.len();
        bad.body[at..].split('"').next().unwrap().to_owned()
    };
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("emails", "ana@example.org, bo@example.org\nEVA@example.org"),
        ("message", "Bienvenue à l'épicerie !"),
    ];
    let sent = browser.post("/invitations/new", &fields).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    // The browser's reload posts the same form again: nothing more is sent.
    let mails = || async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::outbox::Entity::find().count(&t.app.db).await.unwrap()
    };
    let queued = mails().await;
    assert_eq!(queued, 2, "one email a new invitation");
    let again = browser.post("/invitations/new", &fields).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("déjà parties"), "{}", again.body);
    assert_eq!(mails().await, queued, "no invitation sent or renewed twice");
    assert!(sent.body.contains("2 personnes invitées"), "{}", sent.body);
    // No group asked: Eva, already a member, is set aside as such, not "added to groups".
    assert!(
        sent.body.contains("Une adresse écartée") && sent.body.contains("EVA@example.org — déjà membre"),
        "{}",
        sent.body
    );
    assert!(!sent.body.contains("ajouté aux groupes"), "{}", sent.body);

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
