//! Two server instances on the same PostgreSQL and Redis, as behind a load balancer.
//! Runs when ROSTER_TEST_DATABASE_URL and ROSTER_TEST_REDIS_URL are set (CI's second pass).

use crate::support;

use serde_json::json;
use support::smtp::MailServer;
use support::{TestApp, COOP};

fn shared_backends() -> bool {
    let set = std::env::var("ROSTER_TEST_DATABASE_URL").is_ok() && std::env::var("ROSTER_TEST_REDIS_URL").is_ok();
    if !set {
        eprintln!("skipped: needs ROSTER_TEST_DATABASE_URL and ROSTER_TEST_REDIS_URL (shared PostgreSQL + Redis)");
    }
    set
}

const REMINDING: &str = r#"
name = "Twin"
default_locale = "en"
[invitations]
lifetime = "1h"
reminders = ["1s"]
[roles.admin]
permissions = ["*"]
[roles.member]
default = true
"#;

#[tokio::test]
async fn sessions_deactivation_and_reminders_across_instances() {
    if !shared_backends() {
        return;
    }
    let mail = MailServer::start();
    let url = mail.url();
    let a = TestApp::with(&[("coop", COOP), ("twin", REMINDING)], move |s| s.smtp_url = Some(url)).await;
    let b = a.second_instance().await;

    // A session opened on one instance works on the other.
    let admin = a.admin_token("coop", "admin@coop.example").await;
    let me = b.ok("coop", &admin, "{ me { login } }", json!({})).await;
    assert_eq!(me["me"]["login"], "admin");
    let id = a
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Sam", "lastName": "Twin", "email": "sam@example.org" }),
        )
        .await;
    let sam = b.member_token("coop", &id, "sam-password-1").await;
    assert_eq!(
        a.ok("coop", &sam, "{ me { login } }", json!({})).await["me"]["login"],
        "sam.twin"
    );

    // A deactivation on one ends the session on the other.
    a.ok(
        "coop",
        &admin,
        "mutation($ids: [ID!]) { deactivateMembers(selection: {ids: $ids}) { changed } }",
        json!({ "ids": [id] }),
    )
    .await;
    let me = b.gql("coop", Some(&sam), "{ me { login } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
    // So does logout.
    let other = b.login("coop", "admin", "correct-horse-battery").await;
    a.ok("coop", &other, "mutation { logout }", json!({})).await;
    assert!(b.gql("coop", Some(&other), "{ me { id } }", json!({})).await["data"]["me"].is_null());

    // Each reminder goes out once, whichever instance's worker gets there.
    let twin_admin = a.admin_token("twin", "admin@twin.example").await;
    let emails: Vec<String> = (0..20).map(|i| format!("guest{i}@example.org")).collect();
    a.ok(
        "twin",
        &twin_admin,
        "mutation($e: [String!]!) { inviteMembers(input: {emails: $e}) { invitations { id } } }",
        json!({ "e": emails }),
    )
    .await;
    let (first_a, first_b) = tokio::join!(roster::jobs::run_once(&a.app), roster::jobs::run_once(&b.app));
    assert_eq!(
        first_a.unwrap().delivered + first_b.unwrap().delivered,
        20,
        "each invitation sent once"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    for _ in 0..3 {
        let (x, y) = tokio::join!(roster::jobs::run_once(&a.app), roster::jobs::run_once(&b.app));
        x.unwrap();
        y.unwrap();
    }
    for address in &emails {
        let received = mail.to(address);
        assert_eq!(
            received.len(),
            2,
            "{address}: the invitation and one reminder, never twice"
        );
    }
    b.stop().await;
}
