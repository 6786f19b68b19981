//! What members do for themselves: change their password, edit their profile, register.

use crate::support;

use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use support::{error_code, error_fields, TestApp, ACME, COOP, LOGIN};

const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token mustChangePassword member { mustChangePassword } } }";

#[tokio::test]
async fn changing_the_default_password_lifts_the_restriction_and_ends_other_sessions() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    admin
        .create_member(json!({ "firstName": "Léa", "lastName": "Roy", "email": "lea@coop.example" }))
        .await;
    let first = t.signed_in("coop", t.login("coop", "lea.roy", "bienvenue-2026").await);
    let second = t.signed_in("coop", t.login("coop", "lea@coop.example", "bienvenue-2026").await);
    let refused = first
        .gql_answer(
            "mutation { updateMyProfile(input: {phone: \"0102030405\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("PASSWORD_CHANGE_REQUIRED"));

    let wrong = first
        .gql_answer(CHANGE, json!({ "c": "not-it-at-all", "n": "my-own-secret-1" }))
        .await;
    assert_eq!(error_fields(&wrong), ["currentPassword"]);
    let short = first
        .gql_answer(CHANGE, json!({ "c": "bienvenue-2026", "n": "short" }))
        .await;
    assert_eq!(error_fields(&short), ["newPassword"]);

    let changed = first
        .gql(CHANGE, json!({ "c": "bienvenue-2026", "n": "my-own-secret-1" }))
        .await;
    assert_eq!(changed["changePassword"]["mustChangePassword"], false);
    assert_eq!(changed["changePassword"]["member"]["mustChangePassword"], false);
    let fresh = t.signed_in("coop", changed["changePassword"]["token"].as_str().unwrap().to_owned());
    for old in [&first, &second] {
        let me = old.me().await;
        assert!(me.is_null(), "old sessions end: {me}");
    }
    let profile = fresh
        .gql(
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
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let id = admin
        .create_member(json!({ "firstName": "Léa", "lastName": "Roy", "email": "lea@coop.example" }))
        .await;
    admin
        .create_member(json!({ "firstName": "Max", "lastName": "Roy", "email": "max@coop.example" }))
        .await;
    let lea = t.member("coop", &id, "lea-password-1").await;
    let update =
        "mutation($i: ProfileInput!) { updateMyProfile(input: $i) { firstName lastName secondaryEmail phone locale } }";
    let data = lea
        .gql(
            update,
            json!({ "i": { "firstName": "Léa-Marie", "secondaryEmail": "lea.perso@example.org", "locale": "en" } }),
        )
        .await;
    assert_eq!(
        data["updateMyProfile"],
        json!({ "firstName": "Léa-Marie", "lastName": "Roy", "secondaryEmail": "lea.perso@example.org", "phone": null, "locale": "en" })
    );
    // Someone else's address is taken as a claim to prove, without telling whose it is.
    let claim = lea
        .gql(
            "mutation($i: ProfileInput!) { updateMyProfile(input: $i) { secondaryEmail secondaryEmailVerified } }",
            json!({ "i": { "secondaryEmail": "MAX@coop.example" } }),
        )
        .await;
    assert_eq!(claim["updateMyProfile"]["secondaryEmailVerified"], false);
    let own = lea
        .gql_answer(update, json!({ "i": { "secondaryEmail": "LEA@coop.example" } }))
        .await;
    assert_eq!(error_fields(&own), ["secondaryEmail"], "her own main address");
    let bad = lea
        .gql_answer(update, json!({ "i": { "firstName": "", "locale": "xx" } }))
        .await;
    assert_eq!(error_fields(&bad), ["firstName", "locale"]);
    // Signing in with a second address works once it counts (here, set by an admin).
    let login = json!({ "i": "lea.perso@example.org", "p": "lea-password-1" });
    assert_eq!(
        error_code(&t.gql("coop", None, LOGIN, login).await),
        Some("INVALID_CREDENTIALS")
    );
    admin
        .update_member(&id, json!({ "secondaryEmail": "lea.perso@example.org" }))
        .await;
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
    let nina = t.signed_in("coop", payload["token"].as_str().unwrap().to_owned());
    assert_eq!(nina.me().await["email"], "new@coop.example");

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
        kind: Set(roster::invitations::Kind::Join),
        email: Set("Invited@coop.example".into()),
        email_key: Set("invited@coop.example".into()),
        first_name: Set(None),
        last_name: Set(None),
        locale: Set("fr".into()),
        roles: Set("[]".into()),
        group_ids: Set("[]".into()),
        message: Set(None),
        status: Set(roster::invitations::Status::Pending),
        delivery_status: Set(roster::invitations::DeliveryStatus::Sent),
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
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let members = admin.member_count(json!({ "search": "p2" })).await;
    assert_eq!(members, 0, "nothing was created");
}

#[tokio::test]
async fn accented_passwords_open_whatever_form_the_keyboard_sends() {
    use unicode_normalization::UnicodeNormalization;
    let app = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = app.admin_as("coop", "admin@coop.example.org").await;
    let id = admin
        .create_member(json!({ "firstName": "Zoé", "lastName": "Ñandú", "email": "zoe@coop.example.org" }))
        .await;
    let zoe = app.member("coop", &id, "start-password-1").await;

    // Set composed (NFC), typed decomposed (NFD, as some Mac input methods send it).
    let composed = "Crème brûlée à l'Ñandú";
    let decomposed: String = composed.nfd().collect();
    assert_ne!(composed, decomposed.as_str());
    let zoe = zoe.change_password("start-password-1", composed).await;
    app.login("coop", "zoe@coop.example.org", &decomposed).await;
    app.login("coop", "zoe@coop.example.org", composed).await;

    // The other way round, with other letters: set decomposed, typed composed; and the
    // current password asked for by changePassword is matched the same way.
    let other = "Ångström über señor";
    let other_decomposed: String = other.nfd().collect();
    zoe.change_password(&decomposed, &other_decomposed).await;
    app.login("coop", "zoe@coop.example.org", other).await;

    // A hash made of the decomposed form before normalisation still opens, and is
    // replaced by a hash of the composed form at sign-in.
    use sea_orm::EntityTrait;
    let member_id = uuid::Uuid::parse_str(&id).unwrap();
    let legacy = {
        use argon2::password_hash::{PasswordHasher, SaltString};
        roster::values::password::hasher()
            .hash_password(
                other_decomposed.as_bytes(),
                &SaltString::generate(&mut rand::rngs::OsRng),
            )
            .unwrap()
            .to_string()
    };
    let member = entity::members::Entity::find_by_id(member_id)
        .one(&app.app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: entity::members::ActiveModel = member.into();
    active.password_hash = Set(Some(legacy.clone()));
    active.update(&app.app.db).await.unwrap();
    app.login("coop", "zoe@coop.example.org", other).await;
    let rehashed = entity::members::Entity::find_by_id(member_id)
        .one(&app.app.db)
        .await
        .unwrap()
        .unwrap();
    let rehashed = rehashed.password_hash.unwrap();
    assert_ne!(rehashed, legacy, "stored again");
    assert!(roster::values::password::verify_blocking(other, &rehashed));
    assert_eq!(
        roster::values::password::check_blocking(other, &rehashed),
        roster::values::password::Checked::Right
    );
}

#[tokio::test]
async fn a_password_of_only_spaces_is_refused_everywhere() {
    let app = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = app.admin_as("coop", "admin@coop.example.org").await;
    let id = admin
        .create_member(json!({ "firstName": "Sam", "lastName": "Pace", "email": "sam@coop.example.org" }))
        .await;
    let sam = app.member("coop", &id, "start-password-1").await;
    for blank in [
        "            ",
        "\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}",
        "\t\t\t\t\t\t\t\t\t\t\t\t",
    ] {
        let answer = sam
            .gql_answer(CHANGE, json!({ "c": "start-password-1", "n": blank }))
            .await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
        assert_eq!(error_fields(&answer), ["newPassword"]);
        // Registration and admin creation share the one policy.
        let answer = app
            .gql(
                "coop",
                None,
                REGISTER,
                json!({ "i": { "email": "blank@coop.example.org", "firstName": "B", "lastName": "L", "password": blank } }),
            )
            .await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
        assert_eq!(error_fields(&answer), ["password"]);
        let answer = admin
            .gql_answer(
                "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }",
                json!({ "i": { "firstName": "B", "lastName": "L", "email": "blank2@coop.example.org", "password": blank } }),
            )
            .await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
        assert_eq!(error_fields(&answer), ["password"]);
    }
    // Spaces around a real password are kept as typed: it opens only with them.
    sam.change_password("start-password-1", "  spaced password  ").await;
    app.login("coop", "sam@coop.example.org", "  spaced password  ").await;
    let trimmed = app
        .gql(
            "coop",
            None,
            LOGIN,
            json!({ "i": "sam@coop.example.org", "p": "spaced password" }),
        )
        .await;
    assert_eq!(error_code(&trimmed), Some("INVALID_CREDENTIALS"), "{trimmed}");
}
