//! Sign-in, sessions and their limits, through GraphQL on a real server.

use crate::support;

use std::time::Duration;

use sea_orm::{ActiveEnum, ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};
use support::{error_code, TestApp, ACME, LOGIN};

const ME: &str =
    "{ me { id login email mustChangePassword lastLoginAt roles { role { key label } group { id } } groups { id } } }";

#[tokio::test]
async fn login_me_logout() {
    let t = TestApp::start().await;
    let boss = t.admin_as("acme", "boss@acme.example").await;

    let me = boss.gql(ME, json!({})).await;
    assert_eq!(me["me"]["email"], "boss@acme.example", "{me}");
    assert_eq!(me["me"]["login"], "boss");
    assert_eq!(me["me"]["mustChangePassword"], false);
    assert!(me["me"]["lastLoginAt"].is_string(), "lastLoginAt is kept: {me}");
    assert_eq!(me["me"]["roles"][0]["role"]["key"], "admin");
    assert_eq!(
        me["me"]["roles"][0]["role"]["label"], "Administrateur",
        "default locale fr"
    );

    let logout = boss.gql("mutation { logout }", json!({})).await;
    assert_eq!(logout["logout"], true, "{logout}");
    let me = boss.gql_answer(ME, json!({})).await;
    assert!(me["data"]["me"].is_null(), "session ended: {me}");
    let again = boss.gql_answer("mutation { logout }", json!({})).await;
    assert_eq!(error_code(&again), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn identifier_may_be_login_or_any_case_email() {
    let t = TestApp::start().await;
    t.admin_token("acme", "Boss@Acme.example").await;
    for identifier in ["boss", "BOSS", "boss@acme.example", " BOSS@ACME.EXAMPLE "] {
        t.login("acme", identifier, "correct-horse-battery").await;
    }
}

#[tokio::test]
async fn unknown_identifier_and_wrong_password_look_the_same() {
    let t = TestApp::start().await;
    t.admin_token("acme", "boss@acme.example").await;
    let wrong_password = t
        .gql("acme", None, LOGIN, json!({ "i": "boss", "p": "nope-nope-nope" }))
        .await;
    let unknown = t
        .gql(
            "acme",
            None,
            LOGIN,
            json!({ "i": "nobody@acme.example", "p": "nope-nope-nope" }),
        )
        .await;
    assert_eq!(error_code(&wrong_password), Some("INVALID_CREDENTIALS"));
    assert_eq!(error_code(&unknown), Some("INVALID_CREDENTIALS"));
    assert_eq!(wrong_password["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert!(wrong_password["data"].is_null());
}

#[tokio::test]
async fn deactivated_member_is_told_only_after_a_correct_password() {
    let t = TestApp::start().await;
    let boss = t.admin_as("acme", "boss@acme.example").await;
    let member = roster::members::find_by_identifier(&t.app.db, "acme", "boss")
        .await
        .unwrap()
        .unwrap();
    let mut active: entity::members::ActiveModel = member.into();
    active.status = Set(roster::members::Status::Deactivated);
    active.update(&t.app.db).await.unwrap();

    let wrong = t
        .gql("acme", None, LOGIN, json!({ "i": "boss", "p": "nope-nope-nope" }))
        .await;
    assert_eq!(error_code(&wrong), Some("INVALID_CREDENTIALS"));
    let right = t
        .gql(
            "acme",
            None,
            LOGIN,
            json!({ "i": "boss", "p": "correct-horse-battery" }),
        )
        .await;
    assert_eq!(error_code(&right), Some("ACCOUNT_DEACTIVATED"));
    // The session opened before stops working at its next request.
    let me = boss.gql_answer(ME, json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
}

#[tokio::test]
async fn logout_everywhere_ends_every_session() {
    let t = TestApp::start().await;
    let first = t.admin_as("acme", "boss@acme.example").await;
    let second = t.signed_in("acme", t.login("acme", "boss", "correct-horse-battery").await);
    let third = t.signed_in("acme", t.login("acme", "boss", "correct-horse-battery").await);
    let ended = second.gql("mutation { logoutEverywhere }", json!({})).await;
    assert_eq!(ended["logoutEverywhere"], 3, "{ended}");
    for session in [&first, &second, &third] {
        let me = session.gql_answer(ME, json!({})).await;
        assert!(me["data"]["me"].is_null());
    }
}

#[tokio::test]
async fn a_token_works_only_in_its_own_tenant() {
    let other = ACME.replace("Acme Co-op", "Other Org");
    let t = TestApp::with_tenants(&[("acme", ACME), ("other", &other)]).await;
    let token = t.admin_token("acme", "boss@acme.example").await;
    let me = t.gql("other", Some(&token), ME, json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
    let logout = t.gql("other", Some(&token), "mutation { logout }", json!({})).await;
    assert_eq!(error_code(&logout), Some("UNAUTHENTICATED"));
    // Nor can its credentials sign in there.
    let login = t
        .gql(
            "other",
            None,
            LOGIN,
            json!({ "i": "boss", "p": "correct-horse-battery" }),
        )
        .await;
    assert_eq!(error_code(&login), Some("INVALID_CREDENTIALS"));
    // And the session in its own tenant still works.
    let me = t.gql("acme", Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["login"], "boss");
}

#[tokio::test]
async fn garbage_tokens_are_no_session() {
    let t = TestApp::start().await;
    for token in ["garbage", "", &"A".repeat(43), "'; DROP TABLE members; --"] {
        let me = t.gql("acme", Some(token), ME, json!({})).await;
        assert!(me["data"]["me"].is_null() && me["errors"].is_null(), "{token}: {me}");
        let out = t
            .gql("acme", Some(token), "mutation { logoutEverywhere }", json!({}))
            .await;
        assert_eq!(error_code(&out), Some("UNAUTHENTICATED"));
    }
    let basic = t
        .client()
        .post(t.url("/t/acme/graphql"))
        .header("Authorization", "Basic Ym9zczpwdw==")
        .json(&json!({ "query": "mutation { logout }" }))
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = basic.json().await.unwrap();
    assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"));
}

const SHORT_SESSIONS: &str = r#"
name = "Short"
default_locale = "en"
[accounts]
session_idle = "2s"
session_absolute = "4s"
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_limit() {
    let t = TestApp::with_tenants(&[("short", SHORT_SESSIONS)]).await;
    let idle = t.admin_as("short", "boss@short.example").await;
    let busy = t.signed_in("short", t.login("short", "boss", "correct-horse-battery").await);
    // Keep one session busy; leave the other idle.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        let me = busy.gql_answer(ME, json!({})).await;
        assert_eq!(me["data"]["me"]["login"], "boss", "activity keeps it alive: {me}");
    }
    let me = idle.gql_answer(ME, json!({})).await;
    assert!(me["data"]["me"].is_null(), "idle session expired: {me}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let me = busy.gql_answer(ME, json!({})).await;
    assert!(me["data"]["me"].is_null(), "absolute limit reached: {me}");
}

const STRICT: &str = r#"
name = "Strict"
default_locale = "en"
[rate_limits]
login_per_account = "3/15min"
login_per_ip = "5/15min"
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn login_attempts_are_rate_limited_per_account_and_per_ip() {
    let t = TestApp::with_tenants(&[("strict", STRICT)]).await;
    t.admin_token("strict", "boss@strict.example").await;
    for _ in 0..3 {
        let wrong = t
            .gql("strict", None, LOGIN, json!({ "i": "boss", "p": "wrong-wrong-wrong" }))
            .await;
        assert_eq!(error_code(&wrong), Some("INVALID_CREDENTIALS"));
    }
    let limited = t
        .gql(
            "strict",
            None,
            LOGIN,
            json!({ "i": "boss", "p": "correct-horse-battery" }),
        )
        .await;
    assert_eq!(error_code(&limited), Some("RATE_LIMITED"), "{limited}");
    let retry = limited["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");

    // Two more failures on other accounts from the same IP reach the per-IP limit.
    for who in ["a@strict.example", "b@strict.example"] {
        let wrong = t
            .gql("strict", None, LOGIN, json!({ "i": who, "p": "wrong-wrong-wrong" }))
            .await;
        assert_eq!(error_code(&wrong), Some("INVALID_CREDENTIALS"));
    }
    let limited = t
        .gql("strict", None, LOGIN, json!({ "i": "c@strict.example", "p": "x" }))
        .await;
    assert_eq!(error_code(&limited), Some("RATE_LIMITED"));

    // The burst was written to the audit log.
    use sea_orm::{ColumnTrait, QueryFilter};
    let entries = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("auth.login_rate_limited"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert!(!entries.is_empty());
}

#[tokio::test]
async fn several_login_fields_in_one_request_each_count() {
    let t = TestApp::with_tenants(&[("strict", STRICT)]).await;
    t.admin_token("strict", "boss@strict.example").await;
    let query = "mutation { a: login(identifier: \"boss\", password: \"w1-wrong-wrong\") { token } \
                 b: login(identifier: \"boss\", password: \"w2-wrong-wrong\") { token } \
                 c: login(identifier: \"boss\", password: \"w3-wrong-wrong\") { token } \
                 d: login(identifier: \"boss\", password: \"correct-horse-battery\") { token } }";
    let answer = t.gql("strict", None, query, json!({})).await;
    let codes: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "INVALID_CREDENTIALS",
            "INVALID_CREDENTIALS",
            "INVALID_CREDENTIALS",
            "RATE_LIMITED"
        ]
    );
}

#[tokio::test]
async fn bootstrap_admin_must_change_the_generated_password() {
    let tenant = format!("{ACME}\n[bootstrap]\nadmin_email = \"first@acme.example\"\n");
    let t = TestApp::with_tenants(&[("acme", &tenant)]).await;
    let member = roster::members::find_by_identifier(&t.app.db, "acme", "first@acme.example")
        .await
        .unwrap()
        .expect("bootstrap admin created at start");
    assert_eq!(member.origin.to_value(), "bootstrap");
    assert!(member.must_change_password);
    // Starting again does not create a second one.
    t.app.bootstrap_tenants().await.unwrap();
    let count = entity::members::Entity::find().all(&t.app.db).await.unwrap().len();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_default_or_generated_password_session_is_restricted() {
    let t = TestApp::start().await;
    let tenant = t.app.tenants.get("acme").unwrap();
    let created = roster::members::create_admin(
        &t.app.db,
        &tenant,
        "new@acme.example",
        None,
        roster::members::Origin::Manual,
    )
    .await
    .unwrap();
    let password = created.generated_password.expect("generated");
    let answer = t.gql("acme", None, LOGIN, json!({ "i": "new", "p": password })).await;
    assert_eq!(answer["data"]["login"]["mustChangePassword"], true, "{answer}");
    let restricted = t.signed_in("acme", answer["data"]["login"]["token"].as_str().unwrap().to_owned());

    let me = restricted.gql(ME, json!({})).await;
    assert_eq!(me["me"]["mustChangePassword"], true);
    let everywhere = restricted.gql_answer("mutation { logoutEverywhere }", json!({})).await;
    assert_eq!(error_code(&everywhere), Some("PASSWORD_CHANGE_REQUIRED"));
    let logout = restricted.gql("mutation { logout }", json!({})).await;
    assert_eq!(logout["logout"], true);
}

/// Counts each answer's error codes across many parallel requests.
fn codes_of(answers: &[serde_json::Value]) -> std::collections::HashMap<String, usize> {
    let mut codes = std::collections::HashMap::new();
    for answer in answers {
        for error in answer["errors"].as_array().into_iter().flatten() {
            let code = error["extensions"]["code"].as_str().unwrap_or("?").to_owned();
            *codes.entry(code).or_default() += 1;
        }
    }
    codes
}

const TEN_PER_ACCOUNT: &str = r#"
name = "Ten"
default_locale = "en"
[rate_limits]
login_per_account = "10/15min"
login_per_ip = "500/15min"
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn parallel_wrong_passwords_get_at_most_the_limit_checked() {
    let t = TestApp::with_tenants(&[("ten", TEN_PER_ACCOUNT)]).await;
    t.admin_token("ten", "boss@ten.example").await;
    let attempts = (0..40).map(|n| {
        t.gql(
            "ten",
            None,
            LOGIN,
            json!({ "i": "boss", "p": format!("wrong-guess-{n}") }),
        )
    });
    let answers = futures_util::future::join_all(attempts).await;
    let codes = codes_of(&answers);
    assert_eq!(codes.get("INVALID_CREDENTIALS"), Some(&10), "{codes:?}");
    assert_eq!(codes.get("RATE_LIMITED"), Some(&30), "{codes:?}");

    // Parallel requests of 20 aliases each: still at most the limit checked in all.
    t.admin_token("ten", "other@ten.example").await;
    let aliases: String = (0..20)
        .map(|n| format!("a{n}: login(identifier: \"other@ten.example\", password: \"wrong-{n}-wrong\") {{ token }} "))
        .collect();
    let query = format!("mutation {{ {aliases} }}");
    let batches = (0..5).map(|_| t.gql("ten", None, &query, json!({})));
    let answers = futures_util::future::join_all(batches).await;
    let codes = codes_of(&answers);
    assert_eq!(codes.get("INVALID_CREDENTIALS"), Some(&10), "{codes:?}");
    assert_eq!(codes.get("RATE_LIMITED"), Some(&90), "{codes:?}");
}

const FEW_PER_IP: &str = r#"
name = "Few"
default_locale = "en"
[rate_limits]
login_per_account = "100/15min"
login_per_ip = "20/15min"
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn parallel_sign_ins_share_one_per_ip_limit_and_right_passwords_do_not_use_it_up() {
    let t = TestApp::with_tenants(&[("few", FEW_PER_IP)]).await;
    let admin = t.admin_token("few", "boss@few.example").await;
    let _ = admin;
    // Right passwords give their unit back: many sign-ins from one IP (a general
    // assembly on one Wi-Fi) never reach the limit.
    for _ in 0..25 {
        t.login("few", "boss@few.example", "correct-horse-battery").await;
    }
    let guesses = (0..40).map(|n| {
        t.gql(
            "few",
            None,
            LOGIN,
            json!({ "i": format!("nobody{n}@few.example"), "p": "wrong-wrong-wrong" }),
        )
    });
    let codes = codes_of(&futures_util::future::join_all(guesses).await);
    assert_eq!(codes.get("INVALID_CREDENTIALS"), Some(&20), "{codes:?}");
    assert_eq!(codes.get("RATE_LIMITED"), Some(&20), "{codes:?}");
}

#[tokio::test]
async fn the_account_limit_counts_every_spelling_of_the_same_member() {
    let t = TestApp::with_tenants(&[("strict", STRICT)]).await;
    t.admin_token("strict", "boss@strict.example").await;
    // Login, address and a change of case all name the same member: one allowance.
    for identifier in ["boss", "boss@strict.example", "BOSS@Strict.Example"] {
        let wrong = t
            .gql(
                "strict",
                None,
                LOGIN,
                json!({ "i": identifier, "p": "wrong-wrong-wrong" }),
            )
            .await;
        assert_eq!(error_code(&wrong), Some("INVALID_CREDENTIALS"), "{identifier}");
    }
    for identifier in ["Boss", "boss@STRICT.example"] {
        let limited = t
            .gql(
                "strict",
                None,
                LOGIN,
                json!({ "i": identifier, "p": "correct-horse-battery" }),
            )
            .await;
        assert_eq!(error_code(&limited), Some("RATE_LIMITED"), "{identifier}: {limited}");
    }
}

#[tokio::test]
async fn a_sign_in_is_not_held_up_by_a_long_write_and_is_recorded_after_it() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let t = TestApp::start().await;
    let boss = t.admin_as("acme", "boss@acme.example").await;
    let me = boss.gql(ME, json!({})).await;
    let (before, id) = (me["me"]["lastLoginAt"].clone(), me["me"]["id"].as_str().unwrap());
    // What an import's apply does for seconds: a transaction holding the member's row
    // (on SQLite, the database's one write lock).
    let long_write = t.app.db.begin().await.unwrap();
    long_write
        .execute_unprepared(&format!("UPDATE members SET version = version WHERE id = '{id}'"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let answer = t
        .gql(
            "acme",
            None,
            "mutation($i: String!, $p: String!) { login(identifier: $i, password: $p) { token member { lastLoginAt } } }",
            json!({ "i": "boss", "p": "correct-horse-battery" }),
        )
        .await;
    let token = answer["data"]["login"]["token"].as_str();
    assert!(token.is_some(), "signed in while the write runs: {answer}");
    let signed_in = answer["data"]["login"]["member"]["lastLoginAt"].clone();
    assert!(signed_in.is_string() && signed_in != before, "{answer}");
    long_write.commit().await.unwrap();
    // The record waited for the lock and was written after it.
    let mut recorded = Value::Null;
    for _ in 0..100 {
        recorded = boss.gql(ME, json!({})).await["me"]["lastLoginAt"].clone();
        if recorded != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(recorded, signed_in);
}
