//! Emails as people receive them, over a real SMTP server: the tenant's own sender,
//! where replies go, dates in the tenant's time zone, and international addresses.

use crate::support;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use support::smtp::{MailServer, Received};
use support::TestApp;

/// A French co-op with its own sender, contact address and time zone.
const EPICERIE: &str = r#"
name = "Amis de l'Épicerie"
default_locale = "fr"
locales = ["fr", "en"]
time_zone = "Europe/Paris"
mail_from = "Amis de l'Épicerie <membres@épicerie.example>"
contact_email = "bureau@amis.example.org"

[roles.admin]
permissions = ["*"]

[roles.member]
default = true
"#;

/// A tenant that sets none of them.
const PLAIN: &str = r#"
name = "Plain Co-op"
default_locale = "en"
locales = ["en", "fr"]

[roles.admin]
permissions = ["*"]

[roles.member]
default = true
"#;

const INVITE: &str = "mutation($i: InviteInput!) { inviteMembers(input: $i) { invitations { id } } }";
const ACCEPT: &str = "mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { token } }";

async fn start(adjust: impl FnOnce(&mut roster::config::Settings)) -> (TestApp, MailServer) {
    let mail = MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("epicerie", EPICERIE), ("plain", PLAIN)], move |s| {
        s.smtp_url = Some(url);
        adjust(s);
    })
    .await;
    (t, mail)
}

async fn run_jobs(t: &TestApp) {
    roster::jobs::run_once(&t.app).await.expect("jobs pass");
}

async fn invite(t: &TestApp, tenant: &str, token: &str, input: serde_json::Value) {
    t.ok(tenant, token, INVITE, json!({ "i": input })).await;
}

/// The one message received at `address`.
fn only(mail: &MailServer, address: &str) -> Received {
    let mut received = mail.to(address);
    assert_eq!(received.len(), 1, "one message to {address}: {received:?}");
    received.remove(0)
}

/// A member who accepted an invitation, and so proved their address: (token, address).
async fn verified_admin(t: &TestApp, mail: &MailServer, tenant: &str, admin: &str) -> String {
    let address = format!("coord@{tenant}.example.org");
    invite(t, tenant, admin, json!({ "emails": [address], "roles": ["admin"] })).await;
    run_jobs(t).await;
    let token = only(mail, &address).token("invitations/accept");
    let accepted = t
        .ok_anon(
            tenant,
            ACCEPT,
            json!({ "i": { "token": token, "firstName": "Coralie", "lastName": "Ordon", "password": "coralie-password-1" } }),
        )
        .await;
    accepted["acceptInvitation"]["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn invitations_come_from_the_tenant_and_reply_to_whoever_can_answer() {
    let (t, mail) = start(|_| {}).await;
    let admin = t.admin_token("epicerie", "admin@epicerie.example.org").await;
    let coralie = verified_admin(&t, &mail, "epicerie", &admin).await;

    invite(
        &t,
        "epicerie",
        &coralie,
        json!({ "emails": ["avec@example.org"], "message": "Viens !" }),
    )
    .await;
    invite(&t, "epicerie", &coralie, json!({ "emails": ["sans@example.org"] })).await;
    // The bootstrap-style admin never proved their address: replies go to the contact.
    invite(
        &t,
        "epicerie",
        &admin,
        json!({ "emails": ["pas-verifie@example.org"], "message": "Coucou" }),
    )
    .await;
    run_jobs(&t).await;

    let with_message = only(&mail, "avec@example.org");
    assert_eq!(
        with_message.header("From").unwrap(),
        "Amis de l'Épicerie <membres@xn--picerie-9xa.example>"
    );
    let raw_from = with_message.raw_header("From").unwrap();
    assert!(
        raw_from.is_ascii() && raw_from.contains("=?utf-8?"),
        "RFC 2047: {raw_from}"
    );
    assert_eq!(
        with_message.from, "membres@xn--picerie-9xa.example",
        "the envelope's sender"
    );
    assert_eq!(
        with_message.header("Reply-To").unwrap(),
        "\"Coralie Ordon\" <coord@epicerie.example.org>"
    );
    let contact = "Amis de l'Épicerie <bureau@amis.example.org>";
    let without_message = only(&mail, "sans@example.org");
    assert_eq!(without_message.header("Reply-To").unwrap(), contact);
    let unverified = only(&mail, "pas-verifie@example.org");
    assert_eq!(unverified.header("Reply-To").unwrap(), contact);
    assert!(unverified.text.contains("Coucou"), "the message is still there");

    // Nothing configured: the tenant's name with the server's address, and no Reply-To.
    let plain_admin = t.admin_token("plain", "admin@plain.example.org").await;
    let plain_coralie = verified_admin(&t, &mail, "plain", &plain_admin).await;
    invite(&t, "plain", &plain_admin, json!({ "emails": ["p1@example.org"] })).await;
    invite(
        &t,
        "plain",
        &plain_coralie,
        json!({ "emails": ["p2@example.org"], "message": "Hi!" }),
    )
    .await;
    run_jobs(&t).await;
    let plain = only(&mail, "p1@example.org");
    assert_eq!(plain.header("From").unwrap(), "\"Plain Co-op\" <no-reply@localhost>");
    assert_eq!(plain.header("Reply-To"), None);
    assert_eq!(
        only(&mail, "p2@example.org").header("Reply-To").unwrap(),
        "\"Coralie Ordon\" <coord@plain.example.org>"
    );
}

#[tokio::test]
async fn other_emails_reply_to_the_contact_address() {
    let (t, mail) = start(|_| {}).await;
    for (tenant, address) in [("epicerie", "rita@example.org"), ("plain", "paul@example.org")] {
        let admin = t.admin_token(tenant, &format!("admin@{tenant}.example.org")).await;
        let id = t
            .create_member(
                tenant,
                &admin,
                json!({ "firstName": "R", "lastName": "Reset", "email": address }),
            )
            .await;
        t.ok(
            tenant,
            &admin,
            "mutation($id: ID!) { sendPasswordReset(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    }
    let asked = Utc::now();
    run_jobs(&t).await;
    let reset = only(&mail, "rita@example.org");
    assert_eq!(
        reset.header("Reply-To").unwrap(),
        "Amis de l'Épicerie <bureau@amis.example.org>"
    );
    // A one-hour link, written in Paris time.
    let expires = (asked + chrono::Duration::hours(1)).with_timezone(&Tz::Europe__Paris);
    let expected = expires.format("jusqu'au %d/%m/%Y à %H:").to_string();
    assert!(
        reset.text.contains(&expected) && reset.text.contains(&expires.format(" %Z.").to_string()),
        "{expected} in {}",
        reset.text
    );
    assert_eq!(only(&mail, "paul@example.org").header("Reply-To"), None);
}

/// Sets the expiry of the invitation to `address` (the link must still work when sent).
async fn expire_at(t: &TestApp, address: &str, at: DateTime<Utc>) {
    entity::invitations::Entity::update_many()
        .col_expr(entity::invitations::Column::ExpiresAt, Expr::value(at))
        .filter(entity::invitations::Column::Email.eq(address))
        .exec(&t.app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn dates_are_in_the_tenant_time_zone_summer_and_winter_in_each_language() {
    // The server's zone serves tenants without their own.
    let (t, mail) = start(|s| s.time_zone = Tz::America__Montreal).await;
    let admin = t.admin_token("epicerie", "admin@epicerie.example.org").await;
    let year = Utc::now().year() + 1;
    let winter = Utc.with_ymd_and_hms(year, 1, 15, 17, 30, 0).unwrap();
    let summer = Utc.with_ymd_and_hms(year, 7, 15, 16, 30, 0).unwrap();
    let cases = [
        (
            "hiver@example.org",
            "fr",
            winter,
            format!("valable jusqu'au 15/01/{year} à 18:30 CET."),
        ),
        (
            "ete@example.org",
            "fr",
            summer,
            format!("valable jusqu'au 15/07/{year} à 18:30 CEST."),
        ),
        (
            "winter@example.org",
            "en",
            winter,
            format!("works until 15 January {year} at 6:30 PM CET."),
        ),
        (
            "summer@example.org",
            "en",
            summer,
            format!("works until 15 July {year} at 6:30 PM CEST."),
        ),
    ];
    for (address, locale, at, _) in &cases {
        invite(&t, "epicerie", &admin, json!({ "emails": [address], "locale": locale })).await;
        expire_at(&t, address, *at).await;
    }
    let plain_admin = t.admin_token("plain", "admin@plain.example.org").await;
    invite(&t, "plain", &plain_admin, json!({ "emails": ["montreal@example.org"] })).await;
    expire_at(&t, "montreal@example.org", winter).await;
    run_jobs(&t).await;

    for (address, _, _, expected) in &cases {
        let received = only(&mail, address);
        assert!(
            received.text.contains(expected.as_str()),
            "{expected} in {}",
            received.text
        );
        assert!(
            received.html.contains(expected.as_str()),
            "{expected} in {}",
            received.html
        );
    }
    let montreal = only(&mail, "montreal@example.org");
    let expected = format!("works until 15 January {year} at 12:30 PM EST.");
    assert!(montreal.text.contains(&expected), "{expected} in {}", montreal.text);
}

#[tokio::test]
async fn a_non_ascii_domain_is_delivered_in_its_ascii_form() {
    let (t, mail) = start(|_| {}).await;
    let admin = t.admin_token("epicerie", "admin@epicerie.example.org").await;
    invite(&t, "epicerie", &admin, json!({ "emails": ["lena@müller.example"] })).await;
    run_jobs(&t).await;

    let received = only(&mail, "lena@xn--mller-kva.example");
    assert_eq!(received.to, ["lena@xn--mller-kva.example"], "RCPT TO");
    assert_eq!(received.raw_header("To").unwrap(), "lena@xn--mller-kva.example");
    let row = entity::outbox::Entity::find().one(&t.app.db).await.unwrap().unwrap();
    assert_eq!(row.recipient, "lena@müller.example", "kept as typed");
    assert_eq!((row.status.to_value().as_str(), row.last_error), ("sent", None));
    let listed = t
        .ok(
            "epicerie",
            &admin,
            "{ invitations { nodes { email deliveryStatus } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["invitations"]["nodes"],
        json!([{ "email": "lena@müller.example", "deliveryStatus": "SENT" }])
    );
}

#[tokio::test]
async fn a_non_ascii_local_part_fails_at_once_when_the_server_lacks_smtputf8() {
    let (t, mail) = start(|_| {}).await;
    let admin = t.admin_token("epicerie", "admin@epicerie.example.org").await;
    invite(&t, "epicerie", &admin, json!({ "emails": ["léna@example.org"] })).await;
    run_jobs(&t).await;

    assert!(mail.messages().is_empty());
    let row = entity::outbox::Entity::find().one(&t.app.db).await.unwrap().unwrap();
    assert_eq!(
        (row.status.to_value().as_str(), row.attempts),
        ("failed", 1),
        "not retried: {row:?}"
    );
    let error = row.last_error.unwrap_or_default();
    assert!(
        error.contains("non-ASCII characters before the @") && error.contains("SMTPUTF8"),
        "{error}"
    );
    let listed = t
        .ok(
            "epicerie",
            &admin,
            "{ invitations { nodes { deliveryStatus } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["invitations"]["nodes"][0]["deliveryStatus"], "FAILED");
}
