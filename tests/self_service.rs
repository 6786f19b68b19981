//! What members do for themselves: change their password, edit their profile, register.

mod common;

use common::{error_code, error_fields, TestApp, ACME, COOP, LOGIN};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token mustChangePassword member { mustChangePassword } } }";

#[tokio::test]
async fn changing_the_default_password_lifts_the_restriction_and_ends_other_sessions() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    t.create_member(
        "coop",
        &admin,
        json!({ "firstName": "Léa", "lastName": "Roy", "email": "lea@coop.example" }),
    )
    .await;
    let first = t.login("coop", "lea.roy", "bienvenue-2026").await;
    let second = t.login("coop", "lea@coop.example", "bienvenue-2026").await;
    let refused = t
        .gql(
            "coop",
            Some(&first),
            "mutation { updateMyProfile(input: {phone: \"0102030405\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("PASSWORD_CHANGE_REQUIRED"));

    let wrong = t
        .gql(
            "coop",
            Some(&first),
            CHANGE,
            json!({ "c": "not-it-at-all", "n": "my-own-secret-1" }),
        )
        .await;
    assert_eq!(error_fields(&wrong), ["currentPassword"]);
    let short = t
        .gql(
            "coop",
            Some(&first),
            CHANGE,
            json!({ "c": "bienvenue-2026", "n": "short" }),
        )
        .await;
    assert_eq!(error_fields(&short), ["newPassword"]);

    let changed = t
        .ok(
            "coop",
            &first,
            CHANGE,
            json!({ "c": "bienvenue-2026", "n": "my-own-secret-1" }),
        )
        .await;
    assert_eq!(changed["changePassword"]["mustChangePassword"], false);
    assert_eq!(changed["changePassword"]["member"]["mustChangePassword"], false);
    let fresh = changed["changePassword"]["token"].as_str().unwrap();
    for old in [&first, &second] {
        let me = t.gql("coop", Some(old), "{ me { id } }", json!({})).await;
        assert!(me["data"]["me"].is_null(), "old sessions end: {me}");
    }
    let profile = t
        .ok(
            "coop",
            fresh,
            "mutation { updateMyProfile(input: {phone: \"0102030405\"}) { phone } }",
            json!({}),
        )
        .await;
    assert_eq!(
        profile["updateMyProfile"]["phone"], "0102030405",
        "no longer restricted"
    );
    let old = t
        .gql("coop", None, LOGIN, json!({ "i": "lea.roy", "p": "bienvenue-2026" }))
        .await;
    assert_eq!(
        error_code(&old),
        Some("INVALID_CREDENTIALS"),
        "the default no longer works for her"
    );
    t.login("coop", "lea.roy", "my-own-secret-1").await;
}

#[tokio::test]
async fn members_edit_their_own_profile_only() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    let id = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Léa", "lastName": "Roy", "email": "lea@coop.example" }),
        )
        .await;
    t.create_member(
        "coop",
        &admin,
        json!({ "firstName": "Max", "lastName": "Roy", "email": "max@coop.example" }),
    )
    .await;
    let lea = t.member_token("coop", &id, "lea-password-1").await;
    let update =
        "mutation($i: ProfileInput!) { updateMyProfile(input: $i) { firstName lastName secondaryEmail phone locale } }";
    let data = t
        .ok(
            "coop",
            &lea,
            update,
            json!({ "i": { "firstName": "Léa-Marie", "secondaryEmail": "lea.perso@example.org", "locale": "en" } }),
        )
        .await;
    assert_eq!(
        data["updateMyProfile"],
        json!({ "firstName": "Léa-Marie", "lastName": "Roy", "secondaryEmail": "lea.perso@example.org", "phone": null, "locale": "en" })
    );
    let taken = t
        .gql(
            "coop",
            Some(&lea),
            update,
            json!({ "i": { "secondaryEmail": "MAX@coop.example" } }),
        )
        .await;
    assert_eq!(error_fields(&taken), ["secondaryEmail"]);
    let bad = t
        .gql(
            "coop",
            Some(&lea),
            update,
            json!({ "i": { "firstName": "", "locale": "xx" } }),
        )
        .await;
    assert_eq!(error_fields(&bad), ["firstName", "locale"]);
    // Signing in with the secondary address works too.
    t.login("coop", "lea.perso@example.org", "lea-password-1").await;
    let anonymous = t.gql("coop", None, update, json!({ "i": { "firstName": "X" } })).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
}

const REGISTER: &str = "mutation($i: RegisterInput!) { register(input: $i) { token mustChangePassword member { login origin roles { role { key } } } } }";

#[tokio::test]
async fn open_tenants_let_people_register() {
    let t = TestApp::with_tenants(&[("coop", COOP), ("acme", ACME)]).await;
    let input =
        json!({ "email": "new@coop.example", "firstName": "Nina", "lastName": "Neuve", "password": "nina-secret-1" });
    let answer = t.gql("coop", None, REGISTER, json!({ "i": input })).await;
    let payload = &answer["data"]["register"];
    assert_eq!(payload["member"]["login"], "nina.neuve", "{answer}");
    assert_eq!(payload["member"]["origin"], "REGISTRATION");
    assert_eq!(payload["member"]["roles"], json!([{ "role": { "key": "member" } }]));
    assert_eq!(payload["mustChangePassword"], false);
    let me = t
        .ok(
            "coop",
            payload["token"].as_str().unwrap(),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["email"], "new@coop.example");

    let again = t.gql("coop", None, REGISTER, json!({ "i": input })).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    let weak = t
        .gql(
            "coop",
            None,
            REGISTER,
            json!({ "i": { "email": "w@coop.example", "firstName": "W", "lastName": "W", "password": "weak" } }),
        )
        .await;
    assert_eq!(error_fields(&weak), ["password"]);
    let invite_only = t.gql("acme", None, REGISTER, json!({ "i": input })).await;
    assert_eq!(error_code(&invite_only), Some("FORBIDDEN"));

    // A pending invitation means: use the link.
    let now = chrono::Utc::now();
    entity::invitations::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant: Set("coop".into()),
        kind: Set("join".into()),
        email: Set("Invited@coop.example".into()),
        email_key: Set("invited@coop.example".into()),
        first_name: Set(None),
        last_name: Set(None),
        locale: Set("fr".into()),
        roles: Set("[]".into()),
        group_ids: Set("[]".into()),
        message: Set(None),
        status: Set("pending".into()),
        delivery_status: Set("sent".into()),
        member_id: Set(None),
        invited_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(Some(now)),
        expires_at: Set(now + chrono::Duration::days(30)),
        reminders_sent: Set(0),
        last_reminded_at: Set(None),
        accepted_at: Set(None),
        revoked_at: Set(None),
        new_invitation_requested_at: Set(None),
        import_job_id: Set(None),
    }
    .insert(&t.app.db)
    .await
    .unwrap();
    let invited = t
        .gql("coop", None, REGISTER, json!({ "i": { "email": "invited@COOP.example", "firstName": "I", "lastName": "I", "password": "invited-pw-1" } }))
        .await;
    assert_eq!(error_code(&invited), Some("INVITATION_REQUIRED"), "{invited}");
}

#[tokio::test]
async fn registrations_are_limited_per_client() {
    // Each answer tells whether an address is known: bounded like sign-in failures.
    let tenant = format!("{COOP}\n[rate_limits]\nregister_per_ip = \"2/h\"\n");
    let t = TestApp::with_tenants(&[("coop", tenant.as_str())]).await;
    let register = |n: u32| json!({ "i": { "email": format!("p{n}@coop.example"), "firstName": "P", "lastName": format!("N{n}"), "password": "a-good-secret-1" } });
    let first = t.gql("coop", None, REGISTER, register(1)).await;
    assert!(first["errors"].is_null(), "{first}");
    let taken = t.gql("coop", None, REGISTER, register(1)).await;
    assert_eq!(error_code(&taken), Some("CONFLICT"), "{taken}");
    // Invalid input costs nothing (it tells nothing and hashes nothing).
    let invalid = t
        .gql(
            "coop",
            None,
            REGISTER,
            json!({ "i": { "email": "x@coop.example", "firstName": "", "lastName": "X", "password": "weak" } }),
        )
        .await;
    assert_eq!(error_code(&invalid), Some("VALIDATION"));
    let limited = t.gql("coop", None, REGISTER, register(2)).await;
    assert_eq!(error_code(&limited), Some("RATE_LIMITED"), "{limited}");
    let wait = limited["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!((3_000..=3_600).contains(&wait), "{limited}");
    let members = t
        .ok(
            "coop",
            &t.admin_token("coop", "admin@coop.example").await,
            "{ members(filter: {search: \"p2\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(members["members"]["totalCount"], 0, "nothing was created");
}
