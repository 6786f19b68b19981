//! Password reset, email change, and the outbox's guarantees: mail late, never lost,
//! never twice.

use crate::support;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use support::imports::{Confirm, File};
use support::smtp::{free_port, MailServer};
use support::{error_code, error_fields, TestApp, COOP, LOGIN};

const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { token member { login } } }";

/// The co-op with the given tenant file, sending mail to a server of the test's own.
async fn with_mail(tenant: &str) -> (TestApp, MailServer) {
    let mail = MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("coop", tenant)], move |s| s.smtp_url = Some(url)).await;
    (t, mail)
}

async fn run_jobs(t: &TestApp) {
    roster::jobs::run_once(&t.app).await.expect("jobs pass");
}

#[tokio::test]
async fn password_reset_by_link_is_single_use_and_ends_sessions() {
    let (t, mail) = with_mail(COOP).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let id = admin
        .create_member(json!({ "firstName": "Rita", "lastName": "Reset", "email": "rita@example.org", "locale": "en" }))
        .await;
    let old_session = t.member("coop", &id, "forgotten-pw-1").await;

    for who in ["nobody@example.org", "rita.reset", "admin-does-not-exist"] {
        let answer = t
            .ok_anon(
                "coop",
                "mutation($i: String!) { requestPasswordReset(identifier: $i) }",
                json!({ "i": who }),
            )
            .await;
        assert_eq!(answer["requestPasswordReset"], true, "always true");
    }
    run_jobs(&t).await;
    assert_eq!(mail.messages().len(), 1, "only the known member gets mail");
    let message = &mail.to("rita@example.org")[0];
    assert_eq!(message.subject, "Reset your password for Supercoop", "in her locale");
    let token = message.token("password-reset");

    let weak = t.gql("coop", None, RESET, json!({ "t": token, "p": "weak" })).await;
    assert_eq!(
        error_fields(&weak),
        ["newPassword"],
        "the link survives a refused password"
    );
    let done = t
        .ok_anon("coop", RESET, json!({ "t": token, "p": "remembered-pw-2" }))
        .await;
    assert_eq!(done["resetPassword"]["member"]["login"], "rita.reset");
    let again = t
        .gql("coop", None, RESET, json!({ "t": token, "p": "remembered-pw-3" }))
        .await;
    assert_eq!(error_code(&again), Some("TOKEN_INVALID"));
    assert!(old_session.me().await.is_null(), "other sessions end");
    t.login("coop", "rita.reset", "remembered-pw-2").await;

    // Rate limit: three per hour per account; the rest send nothing, still answering true.
    for _ in 0..5 {
        t.ok_anon(
            "coop",
            "mutation { requestPasswordReset(identifier: \"rita@example.org\") }",
            json!({}),
        )
        .await;
    }
    run_jobs(&t).await;
    assert_eq!(mail.to("rita@example.org").len(), 1 + 3);

    // An admin can send one too.
    let sent = admin
        .gql("mutation($id: ID!) { sendPasswordReset(id: $id) }", json!({ "id": id }))
        .await;
    assert_eq!(sent["sendPasswordReset"], true);
    run_jobs(&t).await;
    assert_eq!(mail.to("rita@example.org").len(), 5);
}

#[tokio::test]
async fn email_change_confirms_at_the_new_address_and_can_be_reverted() {
    let (t, mail) = with_mail(COOP).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let id = admin
        .create_member(json!({ "firstName": "Eve", "lastName": "Move", "email": "eve@old.example" }))
        .await;
    let eve = t.member("coop", &id, "eve-password-1").await;
    let wrong = eve
        .gql_answer(
            REQUEST_EMAIL_CHANGE,
            json!({ "e": "eve@new.example", "p": "nope-nope-nope" }),
        )
        .await;
    assert_eq!(error_fields(&wrong), ["currentPassword"]);
    let taken = eve
        .gql_answer(
            REQUEST_EMAIL_CHANGE,
            json!({ "e": "ADMIN@coop.example", "p": "eve-password-1" }),
        )
        .await;
    assert_eq!(error_fields(&taken), ["newEmail"]);
    eve.gql(
        REQUEST_EMAIL_CHANGE,
        json!({ "e": "eve@new.example", "p": "eve-password-1" }),
    )
    .await;
    run_jobs(&t).await;
    assert_eq!(
        eve.me().await["email"],
        "eve@old.example",
        "nothing changes until confirmed"
    );

    let confirm = mail.to("eve@new.example")[0].token("email-change");
    let notice = &mail.to("eve@old.example")[0];
    assert!(notice.text.contains("eve@new.example"), "{}", notice.text);
    let revert = notice.token("email-change/revert");
    let confirmed = t
        .ok_anon(
            "coop",
            "mutation($t: String!) { confirmEmailChange(token: $t) { email emailVerified } }",
            json!({ "t": confirm }),
        )
        .await;
    assert_eq!(
        confirmed["confirmEmailChange"],
        json!({ "email": "eve@new.example", "emailVerified": true })
    );
    t.login("coop", "eve@new.example", "eve-password-1").await;
    let reused = t
        .gql(
            "coop",
            None,
            "mutation($t: String!) { confirmEmailChange(token: $t) { email } }",
            json!({ "t": confirm }),
        )
        .await;
    assert_eq!(error_code(&reused), Some("TOKEN_INVALID"));

    // "This wasn't me": the old address comes back, everyone is signed out, a reset link goes to it.
    let reverted = t
        .ok_anon(
            "coop",
            "mutation($t: String!) { revertEmailChange(token: $t) }",
            json!({ "t": revert }),
        )
        .await;
    assert_eq!(reverted["revertEmailChange"], true);
    assert!(eve.me().await.is_null(), "every session ended");
    assert_eq!(admin.member(&id).await["email"], "eve@old.example");
    run_jobs(&t).await;
    let reset = mail.to("eve@old.example");
    assert_eq!(reset.len(), 2, "notice, then the reset link");
    assert!(reset[1].text.contains("/t/coop/password-reset?token="));
    let login = t
        .gql(
            "coop",
            None,
            LOGIN,
            json!({ "i": "eve@new.example", "p": "eve-password-1" }),
        )
        .await;
    assert_eq!(
        error_code(&login),
        Some("INVALID_CREDENTIALS"),
        "the new address is gone"
    );
}

#[tokio::test]
async fn mail_waits_while_smtp_is_down_and_arrives_once() {
    let port = free_port();
    let t = TestApp::with(&[("coop", COOP)], move |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let addresses: Vec<String> = (0..1000).map(|i| format!("person{i}@example.org")).collect();
    let data = admin
        .gql(
            "mutation($e: [String!]!) { inviteMembers(input: {emails: $e}) { invitations { id } } }",
            json!({ "e": [addresses.join(" ")] }),
        )
        .await;
    assert_eq!(data["inviteMembers"]["invitations"].as_array().unwrap().len(), 1000);

    // SMTP is down: nothing is lost, every message waits with its error.
    run_jobs(&t).await;
    let waiting = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Status.eq("queued"))
        .filter(entity::outbox::Column::LastError.is_not_null())
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(waiting, 1000);

    // It comes back; time passes (the retry is due); the worker delivers.
    let mail = MailServer::start_on(port);
    sea_orm::ConnectionTrait::execute_unprepared(&t.app.db, "UPDATE outbox SET next_attempt_at = created_at")
        .await
        .unwrap();
    run_jobs(&t).await;
    run_jobs(&t).await;
    let received = mail.messages();
    assert_eq!(received.len(), 1000, "every one arrived");
    let mut recipients: Vec<String> = received.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 1000, "none twice");
    let sent = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Status.eq("sent"))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(sent, 1000);
}

#[tokio::test]
async fn without_smtp_emails_are_written_as_files() {
    let t = TestApp::with(&[("coop", COOP)], |s| s.smtp_url = None).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    admin
        .gql(
            "mutation { inviteMembers(input: {emails: [\"file@example.org\"]}) { invitations { id } } }",
            json!({}),
        )
        .await;
    run_jobs(&t).await;
    let dir = &t.app.settings.outbox_dir;
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).collect();
    assert_eq!(files.len(), 1, "one .eml in {}", dir.display());
    let content = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(
        content.contains("To: file@example.org") && content.contains("invitations/accept?token="),
        "{content}"
    );
}

const GUARDED: &str = r#"
name = "Guarded"
default_locale = "en"
[rate_limits]
login_per_ip = "5/15min"
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn guessing_links_is_rate_limited_per_ip() {
    let t = TestApp::with_tenants(&[("guarded", GUARDED)]).await;
    let accept = "mutation($t: String!) { acceptInvitation(input: {token: $t, firstName: \"A\", lastName: \"B\", password: \"long-enough-1\"}) { token } }";
    for i in 0..5 {
        let guess = format!("{i:0>43}");
        let answer = t.gql("guarded", None, accept, json!({ "t": guess })).await;
        assert_eq!(error_code(&answer), Some("TOKEN_INVALID"));
    }
    let limited = t.gql("guarded", None, accept, json!({ "t": "x".repeat(43) })).await;
    assert_eq!(error_code(&limited), Some("RATE_LIMITED"), "{limited}");
    let reset = t
        .gql(
            "guarded",
            None,
            RESET,
            json!({ "t": "y".repeat(43), "p": "long-enough-2" }),
        )
        .await;
    assert_eq!(
        error_code(&reset),
        Some("RATE_LIMITED"),
        "the same budget covers every kind of link"
    );
    let confirm = t
        .gql(
            "guarded",
            None,
            "mutation { confirmEmailChange(token: \"zzz\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&confirm), Some("RATE_LIMITED"));
}

const REQUEST_RESET: &str = "mutation($i: String!) { requestPasswordReset(identifier: $i) }";
const REQUEST_EMAIL_CHANGE: &str =
    "mutation($e: String!, $p: String!) { requestEmailChange(newEmail: $e, currentPassword: $p) }";
const CONFIRM_EMAIL: &str = "mutation($t: String!) { confirmEmailChange(token: $t) { email } }";

/// Asks for a reset link for `address` and returns the latest one mailed there.
async fn fresh_reset_link(t: &TestApp, mail: &MailServer, address: &str) -> String {
    t.ok_anon("coop", REQUEST_RESET, json!({ "i": address })).await;
    run_jobs(t).await;
    mail.to(address).last().expect("a reset email").token("password-reset")
}

async fn reset_refused(t: &TestApp, token: &str) -> bool {
    let answer = t
        .gql("coop", None, RESET, json!({ "t": token, "p": "taken-back-pw-9" }))
        .await;
    error_code(&answer) == Some("TOKEN_INVALID")
}

#[tokio::test]
async fn every_change_of_password_address_or_standing_ends_the_links_sent_before_it() {
    let (t, mail) = with_mail(COOP).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let id = admin
        .create_member(json!({ "firstName": "Tess", "lastName": "Taken", "email": "tess@example.org" }))
        .await;
    let tess = t.member("coop", &id, "tess-password-1").await;

    // The reported fault: a reset link asked for before a password change.
    let before_change = fresh_reset_link(&t, &mail, "tess@example.org").await;
    let tess = tess.change_password("tess-password-1", "tess-password-2").await;
    assert!(
        reset_refused(&t, &before_change).await,
        "a password change ends reset links"
    );
    let page = t.url(&format!("/t/coop/password-reset?token={before_change}"));
    let response = t.client().get(page).send().await.unwrap();
    assert_eq!(
        response.status().as_u16(),
        410,
        "the page behind it says the link ended"
    );

    // An email change by an admin ends them too.
    let before_admin_edit = fresh_reset_link(&t, &mail, "tess@example.org").await;
    admin.update_member(&id, json!({ "email": "tess@new.example" })).await;
    assert!(
        reset_refused(&t, &before_admin_edit).await,
        "an admin's address change ends them"
    );

    // A confirmed email change ends reset links and the other pending confirmation, but
    // not the "this wasn't me" link of the change itself.
    let before_own_change = fresh_reset_link(&t, &mail, "tess@new.example").await;
    for address in ["tess@first.example", "tess@second.example"] {
        tess.gql(REQUEST_EMAIL_CHANGE, json!({ "e": address, "p": "tess-password-2" }))
            .await;
    }
    run_jobs(&t).await;
    let first = mail.to("tess@first.example")[0].token("email-change");
    let second = mail.to("tess@second.example")[0].token("email-change");
    let revert = mail.to("tess@new.example").last().unwrap().token("email-change/revert");
    t.ok_anon("coop", CONFIRM_EMAIL, json!({ "t": second })).await;
    assert!(
        reset_refused(&t, &before_own_change).await,
        "a confirmed change ends reset links"
    );
    let other = t.gql("coop", None, CONFIRM_EMAIL, json!({ "t": first })).await;
    assert_eq!(
        error_code(&other),
        Some("TOKEN_INVALID"),
        "the other confirmation ended"
    );
    let reverted = t
        .ok_anon(
            "coop",
            "mutation($t: String!) { revertEmailChange(token: $t) }",
            json!({ "t": revert }),
        )
        .await;
    assert_eq!(reverted["revertEmailChange"], true, "the way back survives the change");

    // Deactivation ends every link, and reactivating does not bring them back.
    let before_deactivation = fresh_reset_link(&t, &mail, "tess@new.example").await;
    for action in ["deactivateMembers", "activateMembers"] {
        admin
            .gql(
                &format!("mutation($s: MemberSelection!) {{ {action}(selection: $s) {{ changed }} }}"),
                json!({ "s": { "ids": [id] } }),
            )
            .await;
    }
    assert!(reset_refused(&t, &before_deactivation).await, "deactivation ends them");
    let last = fresh_reset_link(&t, &mail, "tess@new.example").await;
    assert!(!reset_refused(&t, &last).await, "a link asked for afterwards works");
}

#[tokio::test]
async fn a_password_set_by_an_import_ends_the_activation_link_and_reset_links() {
    let (t, mail) = with_mail(COOP).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let created = admin
        .gql(
            "mutation { createMember(input: {firstName: \"Ida\", lastName: \"Import\", email: \"ida@example.org\", login: \"ida.import\", sendInvitation: true}) { id } }",
            json!({}),
        )
        .await;
    let id = created["createMember"]["id"].as_str().unwrap().to_owned();
    run_jobs(&t).await;
    let activation = mail.to("ida@example.org")[0].token("invitations/accept");

    let file = "Identifiant;Nom;Prénom;Adresse e-mail;Mot de passe\nida.import;Import;Ida;ida@example.org;set-by-the-office-1\n";
    let job = admin
        .start_import_with(
            File::new("membres.csv", file),
            json!({ "mode": "SYNC", "absentMembers": "KEEP" }),
        )
        .await;
    assert_eq!(job["summary"]["update"], 1, "{job}");
    admin.apply_import(job["id"].as_str().unwrap(), Confirm::NOTHING).await;
    let state = t
        .ok_anon(
            "coop",
            "query($t: String!) { invitationByToken(token: $t) { status } }",
            json!({ "t": activation }),
        )
        .await;
    assert_eq!(
        state["invitationByToken"]["status"], "REVOKED",
        "the set-your-password link ended with the password the office set"
    );
    let accept = t
        .gql(
            "coop",
            None,
            "mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { token } }",
            json!({ "i": { "token": activation, "firstName": "Ida", "lastName": "Import", "password": "ida-own-password-1" } }),
        )
        .await;
    assert!(error_code(&accept).is_some(), "{accept}");
    t.login("coop", "ida.import", "set-by-the-office-1").await;
    let member = admin
        .gql(
            "query($id: ID!) { member(id: $id) { mustChangePassword } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        member["member"]["mustChangePassword"], true,
        "an office password is to be changed"
    );
}
