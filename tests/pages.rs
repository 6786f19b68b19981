//! The HTML pages behind emailed links, through real HTTP requests (and once in
//! headless Chromium when it is installed).

mod common;

use common::smtp::MailServer;
use common::{TestApp, COOP};
use serde_json::json;

async fn invited(t: &TestApp, mail: &MailServer, admin: &str, address: &str) -> String {
    t.ok(
        "coop",
        admin,
        "mutation($e: String!) { inviteMembers(input: {emails: [$e]}) { invitations { id } } }",
        json!({ "e": address }),
    )
    .await;
    roster::jobs::run_once(&t.app).await.unwrap();
    mail.to(address)
        .last()
        .expect("invitation email")
        .link("invitations/accept")
}

async fn setup(tenant: &str) -> (TestApp, MailServer, String) {
    let mail = MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("coop", tenant)], move |s| s.smtp_url = Some(url)).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    (t, mail, admin)
}

/// The app's page for a link from an email (which names the public URL, not the test port).
fn local(t: &TestApp, link: &str) -> String {
    let path = link.split_once("/t/").map(|(_, rest)| format!("/t/{rest}")).unwrap();
    t.url(&path)
}

fn token(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn accepting_an_invitation_with_the_form() {
    let (t, mail, admin) = setup(COOP).await;
    let link = invited(&t, &mail, &admin, "web@example.org").await;
    let page = t
        .client()
        .get(local(&t, &link))
        .header("Accept-Language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\"") && html.contains("name=\"password\"") && html.contains("Prénom"),
        "{html}"
    );
    assert!(html.contains("Supercoop"));

    let weak = t
        .client()
        .post(local(&t, &link))
        .form(&[
            ("token", token(&link).as_str()),
            ("first_name", "Web"),
            ("last_name", "User"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status().as_u16(), 422);
    let html = weak.text().await.unwrap();
    assert!(
        html.contains("class=\"error\"") && html.contains("value=\"Web\""),
        "kept what was typed: {html}"
    );

    let accepted = t
        .client()
        .post(local(&t, &link))
        .header("Accept-Language", "en")
        .form(&[
            ("token", token(&link).as_str()),
            ("first_name", "Web"),
            ("last_name", "User"),
            ("password", "web-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    let html = accepted.text().await.unwrap();
    assert!(html.contains("Welcome") && html.contains("web.user"), "{html}");
    t.login("coop", "web.user", "web-password-1").await;

    let used = t
        .client()
        .get(local(&t, &link))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(used.status().as_u16(), 404);
    assert!(used.text().await.unwrap().contains("not valid"));
}

const QUICK: &str = r#"
name = "Quick"
default_locale = "en"
[invitations]
lifetime = "1s"
reminders = []
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn an_expired_link_offers_to_ask_for_a_new_invitation() {
    let (t, mail, admin) = setup(QUICK).await;
    let link = invited(&t, &mail, &admin, "slow@example.org").await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let page = t.client().get(local(&t, &link)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 410);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("expired") && html.contains("action=\"request-new\""),
        "{html}"
    );
    let asked = t
        .client()
        .post(t.url("/t/coop/invitations/request-new"))
        .form(&[("token", token(&link).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 200);
    roster::jobs::run_once(&t.app).await.unwrap();
    assert_eq!(mail.to("admin@coop.example").len(), 1, "the inviter is told");
}

#[tokio::test]
async fn reset_and_email_change_pages_act_only_on_post() {
    let (t, mail, admin) = setup(COOP).await;
    let id = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Pat", "lastName": "Page", "email": "pat@example.org" }),
        )
        .await;
    let pat = t.member_token("coop", &id, "pat-password-1").await;
    t.ok_anon(
        "coop",
        "mutation { requestPasswordReset(identifier: \"pat@example.org\") }",
        json!({}),
    )
    .await;
    t.ok(
        "coop",
        &pat,
        "mutation { requestEmailChange(newEmail: \"pat@new.example\", currentPassword: \"pat-password-1\") }",
        json!({}),
    )
    .await;
    roster::jobs::run_once(&t.app).await.unwrap();

    let reset = mail
        .to("pat@example.org")
        .into_iter()
        .find(|m| m.text.contains("password-reset"))
        .unwrap()
        .link("password-reset");
    let form = t.client().get(local(&t, &reset)).send().await.unwrap();
    assert_eq!(form.status().as_u16(), 200);
    let done = t
        .client()
        .post(local(&t, &reset))
        .form(&[("token", token(&reset).as_str()), ("password", "pat-password-2")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 200);
    t.login("coop", "pat.page", "pat-password-2").await;

    let confirm = mail.to("pat@new.example")[0].link("email-change");
    // Opening the link (as a mail scanner would) changes nothing.
    let shown = t.client().get(local(&t, &confirm)).send().await.unwrap();
    assert_eq!(shown.status().as_u16(), 200);
    let me = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { member(id: $id) { email } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(me["member"]["email"], "pat@example.org");
    let posted = t
        .client()
        .post(local(&t, &confirm))
        .form(&[("token", token(&confirm).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 200);
    let me = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { member(id: $id) { email } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(me["member"]["email"], "pat@new.example");

    let garbage = t
        .client()
        .get(t.url("/t/coop/password-reset?token=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 404);
    let unknown_tenant = t
        .client()
        .get(t.url("/t/nope/password-reset?token=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_tenant.status().as_u16(), 404);
}

#[tokio::test]
async fn the_invitation_page_renders_in_headless_chromium() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: Chromium is not installed (apt-get install chromium)");
        return;
    };
    let (t, mail, admin) = setup(COOP).await;
    let link = invited(&t, &mail, &admin, "browser@example.org").await;
    let profile = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(local(&t, &link))
        .output()
        .await
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains("name=\"password\"") && dom.contains("Supercoop"), "{dom}");
}
