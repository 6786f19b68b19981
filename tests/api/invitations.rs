//! Invitations end to end over a real SMTP server: invite, email, preview, accept,
//! refresh, links, revocation, reminders, expiry, activation.

use crate::support;

use std::time::Duration;

use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use support::client::Client;
use support::smtp::MailServer;
use support::{error_code, error_fields, TestApp, COOP};

const INVITE: &str = "mutation($i: InviteInput!) { inviteMembers(input: $i) { invitations { id email status kind roles groups { name } deliveryStatus expiresAt invitedBy { login } } addedToGroups { login } skipped { email reason } } }";
const ACCEPT: &str = "mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { token mustChangePassword member { login email emailVerified origin locale roles { role { key } } groups { name } } } }";

/// The co-op with the given tenant file, sending mail to a server of the test's own.
async fn setup(tenant_toml: &str) -> (TestApp, MailServer) {
    let mail = MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("coop", tenant_toml)], move |s| s.smtp_url = Some(url)).await;
    (t, mail)
}

/// The co-op's admin, Alice Admin (the name invitations are signed with), signed in.
async fn alice(t: &TestApp) -> Client<'_> {
    let admin = t.admin_as("coop", "admin@coop.example").await;
    admin
        .gql(
            "mutation { updateMyProfile(input: {firstName: \"Alice\", lastName: \"Admin\"}) { id } }",
            json!({}),
        )
        .await;
    admin
}

/// `acceptInvitation` sent by someone not signed in: the whole answer.
async fn accept_answer(t: &TestApp, input: Value) -> Value {
    t.gql("coop", None, ACCEPT, json!({ "i": input })).await
}

/// `acceptInvitation` sent by someone not signed in; panics if it has errors.
async fn accept(t: &TestApp, input: Value) -> Value {
    t.ok_anon("coop", ACCEPT, json!({ "i": input })).await
}

async fn outbox_count(t: &TestApp) -> u64 {
    entity::outbox::Entity::find().count(&t.app.db).await.unwrap()
}

async fn run_jobs(t: &TestApp) -> roster::jobs::Pass {
    roster::jobs::run_once(&t.app).await.expect("jobs pass")
}

#[tokio::test]
async fn invite_email_accept_over_smtp() {
    let (t, mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let group = admin
        .gql("mutation { createGroup(input: {name: \"Légumes\"}) { id } }", json!({}))
        .await;
    let group = group["createGroup"]["id"].as_str().unwrap().to_owned();
    let input = json!({
        // As typed, and as a mail program copies an address with its name.
        "emails": ["zoe@example.org, \"Dupont, Max\" <Max@Example.org>;\n zoe@EXAMPLE.org"],
        "roles": ["referent"],
        "groupIds": [group],
        "message": "Bienvenue <b>chez nous</b> !",
    });
    let data = admin.gql(INVITE, json!({ "i": input })).await;
    let invitations = data["inviteMembers"]["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 2, "duplicates merged: {data}");
    assert_eq!(invitations[0]["email"], "zoe@example.org");
    assert_eq!(invitations[1]["email"], "Max@Example.org", "stored as typed");
    // The pasted name fills the invitation's names ("Last, First" as directories write it).
    let named = admin
        .gql("{ invitations { nodes { email firstName lastName } } }", json!({}))
        .await;
    let mut names: Vec<Value> = named["invitations"]["nodes"].as_array().unwrap().clone();
    names.sort_by_key(|n| n["email"].as_str().unwrap().to_lowercase());
    assert_eq!(
        names,
        [
            json!({ "email": "Max@Example.org", "firstName": "Max", "lastName": "Dupont" }),
            json!({ "email": "zoe@example.org", "firstName": null, "lastName": null }),
        ]
    );
    assert_eq!(invitations[0]["status"], "PENDING");
    assert_eq!(invitations[0]["kind"], "JOIN");
    assert_eq!(invitations[0]["deliveryStatus"], "QUEUED");
    assert_eq!(invitations[0]["invitedBy"]["login"], "admin");
    assert!(mail.messages().is_empty(), "queued, not sent inline");

    assert_eq!(run_jobs(&t).await.delivered, 2);
    let received = mail.to("zoe@example.org");
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.subject, "Vous êtes invité·e à rejoindre Supercoop");
    assert!(
        message.text.contains("Alice Admin vous invite") && message.text.contains("Bienvenue <b>chez nous</b> !"),
        "{}",
        message.text
    );
    assert!(
        message.html.contains("Bienvenue &lt;b&gt;chez nous") && !message.html.contains("<b>chez"),
        "escaped in HTML: {}",
        message.html
    );
    assert!(
        message
            .html
            .contains("href=\"http://127.0.0.1:8080/t/coop/invitations/accept?token="),
        "{}",
        message.html
    );
    let link = message.link("/t/coop/invitations/accept?token=");
    assert!(
        link.starts_with("http://127.0.0.1:8080/t/coop/invitations/accept?token="),
        "{link}"
    );
    let token = message.token("invitations/accept");
    let invitation = admin
        .gql(
            "query($id: ID!) { invitation(id: $id) { deliveryStatus sentAt } }",
            json!({ "id": invitations[0]["id"] }),
        )
        .await;
    assert_eq!(invitation["invitation"]["deliveryStatus"], "SENT");

    let preview = t
        .gql(
            "coop",
            None,
            "query($t: String!) { invitationByToken(token: $t) { tenantName email status } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(
        preview["data"]["invitationByToken"],
        json!({ "tenantName": "Supercoop", "email": "zoe@example.org", "status": "PENDING" })
    );
    let unknown = t
        .gql(
            "coop",
            None,
            "query($t: String!) { invitationByToken(token: $t) { email } }",
            json!({ "t": "x".repeat(43) }),
        )
        .await;
    assert!(unknown["data"]["invitationByToken"].is_null());

    let short = accept_answer(
        &t,
        json!({ "token": token, "firstName": "Zoé", "lastName": "Zen", "password": "short" }),
    )
    .await;
    assert_eq!(error_fields(&short), ["password"]);
    let accepted = accept_answer(
        &t,
        json!({ "token": token, "firstName": "Zoé", "lastName": "Zen", "password": "zoe-password-1", "locale": "en" }),
    )
    .await;
    let payload = &accepted["data"]["acceptInvitation"];
    assert_eq!(payload["member"]["login"], "zoe.zen", "{accepted}");
    assert_eq!(payload["member"]["emailVerified"], true);
    assert_eq!(payload["member"]["origin"], "INVITATION");
    assert_eq!(payload["member"]["locale"], "en");
    assert_eq!(
        payload["member"]["roles"],
        json!([{ "role": { "key": "referent" } }, { "role": { "key": "member" } }])
    );
    assert_eq!(payload["member"]["groups"], json!([{ "name": "Légumes" }]));
    assert_eq!(payload["mustChangePassword"], false);
    let me = t
        .ok(
            "coop",
            payload["token"].as_str().unwrap(),
            "{ me { login } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["login"], "zoe.zen");

    let twice = accept_answer(
        &t,
        json!({ "token": token, "firstName": "Z", "lastName": "Z", "password": "zoe-password-2" }),
    )
    .await;
    assert_eq!(error_code(&twice), Some("TOKEN_INVALID"));
    for garbage in ["", "abc", "'; DROP TABLE invitations; --", &format!("{token}x")] {
        let answer = accept_answer(&t, json!({ "token": garbage, "password": "whatever-long" })).await;
        assert_eq!(error_code(&answer), Some("TOKEN_INVALID"), "{garbage}");
    }
    let listed = admin
        .gql(
            "{ invitations(filter: {status: ACCEPTED}) { totalCount nodes { email acceptedAt member { login } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["invitations"]["totalCount"], 1);
    assert_eq!(listed["invitations"]["nodes"][0]["member"]["login"], "zoe.zen");
}

#[tokio::test]
async fn members_are_added_to_groups_pending_ones_refreshed() {
    let (t, mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let group = admin
        .gql("mutation { createGroup(input: {name: \"Caisse\"}) { id } }", json!({}))
        .await;
    let group = group["createGroup"]["id"].as_str().unwrap().to_owned();
    let gone = admin
        .create_member(json!({ "firstName": "Old", "lastName": "Timer", "email": "old@example.org" }))
        .await;
    admin
        .create_member(json!({ "firstName": "Here", "lastName": "Already", "email": "here@example.org" }))
        .await;
    admin
        .gql(
            "mutation($ids: [ID!]) { deactivateMembers(selection: {ids: $ids}) { changed } }",
            json!({ "ids": [gone] }),
        )
        .await;

    let first = admin
        .gql(INVITE, json!({ "i": { "emails": ["new@example.org"] } }))
        .await;
    let first_id = first["inviteMembers"]["invitations"][0]["id"].clone();
    run_jobs(&t).await;
    let old_token = mail.to("new@example.org")[0].token("invitations/accept");

    let data = admin.gql(INVITE, json!({ "i": { "emails": ["HERE@example.org old@example.org new@example.org"], "groupIds": [group], "roles": ["referent"] } }))
        .await;
    let result = &data["inviteMembers"];
    assert_eq!(result["addedToGroups"], json!([{ "login": "here.already" }]));
    assert_eq!(
        result["skipped"],
        json!([{ "email": "old@example.org", "reason": "DEACTIVATED_MEMBER" }])
    );
    assert_eq!(result["invitations"].as_array().unwrap().len(), 1);
    assert_eq!(
        result["invitations"][0]["id"], first_id,
        "the same invitation, refreshed"
    );

    // With no group asked, a member's address is nothing to do: skipped, not "added".
    let again = admin
        .gql(INVITE, json!({ "i": { "emails": ["Here@Example.org"] } }))
        .await;
    let again = &again["inviteMembers"];
    assert_eq!(again["addedToGroups"], json!([]));
    assert_eq!(
        again["skipped"],
        json!([{ "email": "Here@Example.org", "reason": "ALREADY_MEMBER" }])
    );
    assert_eq!(again["invitations"], json!([]));
    assert_eq!(result["invitations"][0]["roles"], json!(["referent"]), "options merged");
    assert_eq!(result["invitations"][0]["groups"], json!([{ "name": "Caisse" }]));
    let members = admin
        .gql(
            "{ members(filter: {groupName: \"Caisse\"}) { nodes { login } } }",
            json!({}),
        )
        .await;
    assert_eq!(members["members"]["nodes"], json!([{ "login": "here.already" }]));

    run_jobs(&t).await;
    assert!(mail.to("here@example.org").is_empty(), "members get no email");
    let fresh = mail.to("new@example.org");
    assert_eq!(fresh.len(), 2);
    let stale = accept_answer(
        &t,
        json!({ "token": old_token, "firstName": "N", "lastName": "N", "password": "new-password-1" }),
    )
    .await;
    assert_eq!(
        error_code(&stale),
        Some("TOKEN_INVALID"),
        "refreshing issues a new token"
    );
    let new_token = fresh[1].token("invitations/accept");
    accept(
        &t,
        json!({ "token": new_token, "firstName": "N", "lastName": "N", "password": "new-password-1" }),
    )
    .await;
    let total = entity::invitations::Entity::find().count(&t.app.db).await.unwrap();
    assert_eq!(total, 1, "never duplicated");
}

#[tokio::test]
async fn bad_invitations_are_refused_whole_and_send_nothing() {
    let (t, mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let before = outbox_count(&t).await;
    let bad_list = admin
        .gql_answer(
            INVITE,
            json!({ "i": { "emails": ["ok@example.org, not-an-address; mailto:x@example.org"] } }),
        )
        .await;
    assert_eq!(error_code(&bad_list), Some("VALIDATION"));
    let messages: Vec<&str> = bad_list["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "each bad address listed: {messages:?}");
    assert!(messages[0].starts_with("not-an-address") && messages[1].starts_with("mailto:x@example.org"));
    for (input, field) in [
        (
            json!({ "emails": ["a@example.org"], "message": "x".repeat(2001) }),
            "message",
        ),
        (json!({ "emails": ["a@example.org"], "roles": ["king"] }), "roles[0]"),
        (
            json!({ "emails": ["a@example.org"], "groupIds": [uuid::Uuid::now_v7().to_string()] }),
            "groupIds",
        ),
        (json!({ "emails": ["a@example.org"], "locale": "de" }), "locale"),
        (json!({ "emails": [" , "] }), "emails"),
    ] {
        let answer = admin.gql_answer(INVITE, json!({ "i": input })).await;
        assert_eq!(error_fields(&answer), [field], "{answer}");
    }
    let escalate = admin
        .create_member(json!({ "firstName": "Co", "lastName": "Ord", "email": "co@example.org" }))
        .await;
    admin
        .gql(
            "mutation($id: ID!) { setMemberRoles(id: $id, roles: [{role: \"coordinator\"}]) { id } }",
            json!({ "id": escalate }),
        )
        .await;
    let coordinator = t.member("coop", &escalate, "coordinator-pw-1").await;
    let refused = coordinator
        .gql_answer(INVITE, json!({ "i": { "emails": ["a@example.org"] } }))
        .await;
    assert_eq!(
        error_code(&refused),
        Some("FORBIDDEN"),
        "coordinators of COOP lack invitations.send"
    );
    assert_eq!(outbox_count(&t).await, before, "nothing queued");
    run_jobs(&t).await;
    assert!(mail.messages().is_empty());
    assert_eq!(entity::invitations::Entity::find().count(&t.app.db).await.unwrap(), 0);
}

const SHORT_LIVED: &str = r#"
name = "Quick"
default_locale = "en"
[invitations]
lifetime = "4s"
reminders = ["1s", "2s"]
[roles.admin]
permissions = ["*"]
[roles.member]
default = true
"#;

#[tokio::test]
async fn reminders_go_once_then_the_invitation_expires_and_can_be_revived() {
    let (t, mail) = setup(SHORT_LIVED).await;
    let admin = alice(&t).await;
    admin
        .gql(INVITE, json!({ "i": { "emails": ["late@example.org"] } }))
        .await;
    run_jobs(&t).await;
    assert_eq!(mail.to("late@example.org").len(), 1);
    let first_token = mail.to("late@example.org")[0].token("invitations/accept");

    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(run_jobs(&t).await.reminded, 1);
    assert_eq!(run_jobs(&t).await.reminded, 0, "each reminder once");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(run_jobs(&t).await.reminded, 1, "the second reminder");
    let received = mail.to("late@example.org");
    assert_eq!(received.len(), 3);
    assert!(received[1].subject.starts_with("Reminder"), "{}", received[1].subject);
    let status = admin
        .gql("{ invitations { nodes { remindersSent lastRemindedAt } } }", json!({}))
        .await;
    assert_eq!(status["invitations"]["nodes"][0]["remindersSent"], 2);

    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(run_jobs(&t).await.expired, 1);
    let expired = accept_answer(
        &t,
        json!({ "token": first_token, "firstName": "L", "lastName": "L", "password": "late-password-1" }),
    )
    .await;
    assert_eq!(error_code(&expired), Some("INVITATION_EXPIRED"));
    let preview = t
        .ok_anon(
            "coop",
            "query($t: String!) { invitationByToken(token: $t) { status } }",
            json!({ "t": first_token }),
        )
        .await;
    assert_eq!(preview["invitationByToken"]["status"], "EXPIRED");

    // Asking for a new one tells the inviter, once a day at most.
    for _ in 0..2 {
        let asked = t
            .ok_anon(
                "coop",
                "mutation($t: String!) { requestNewInvitation(token: $t) }",
                json!({ "t": first_token }),
            )
            .await;
        assert_eq!(asked["requestNewInvitation"], true);
    }
    run_jobs(&t).await;
    let notices = mail.to("admin@coop.example");
    assert_eq!(notices.len(), 1, "once");
    assert!(
        notices[0].subject.contains("late@example.org"),
        "{}",
        notices[0].subject
    );

    let id = admin
        .gql("{ invitations(filter: {status: EXPIRED}) { nodes { id } } }", json!({}))
        .await;
    let id = id["invitations"]["nodes"][0]["id"].clone();
    let revived = admin
        .gql(
            "mutation($ids: [ID!]!) { resendInvitations(ids: $ids) { status remindersSent } }",
            json!({ "ids": [id] }),
        )
        .await;
    assert_eq!(
        revived["resendInvitations"],
        json!([{ "status": "PENDING", "remindersSent": 0 }])
    );
    run_jobs(&t).await;
    let newest = mail.to("late@example.org").last().unwrap().token("invitations/accept");
    accept(
        &t,
        json!({ "token": newest, "firstName": "L", "lastName": "L", "password": "late-password-1" }),
    )
    .await;
}

#[tokio::test]
async fn admins_hand_out_links_and_revoke() {
    let (t, mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let data = admin
        .gql(INVITE, json!({ "i": { "emails": ["a@example.org", "b@example.org"] } }))
        .await;
    let ids: Vec<serde_json::Value> = data["inviteMembers"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    run_jobs(&t).await;
    let emailed = mail.to("a@example.org")[0].token("invitations/accept");

    let link = admin
        .gql(
            "mutation($id: ID!) { invitationLink(id: $id) }",
            json!({ "id": ids[0] }),
        )
        .await;
    let link = link["invitationLink"].as_str().unwrap().to_owned();
    let by_hand = link.split("token=").nth(1).unwrap();
    let old = accept_answer(
        &t,
        json!({ "token": emailed, "firstName": "A", "lastName": "A", "password": "a-password-1" }),
    )
    .await;
    assert_eq!(
        error_code(&old),
        Some("TOKEN_INVALID"),
        "the previous link stops working"
    );
    accept(
        &t,
        json!({ "token": by_hand, "firstName": "A", "lastName": "A", "password": "a-password-1" }),
    )
    .await;

    let revoked = admin
        .gql(
            "mutation($ids: [ID!]!) { revokeInvitations(ids: $ids) }",
            json!({ "ids": [ids[1]] }),
        )
        .await;
    assert_eq!(revoked["revokeInvitations"], 1);
    let b_token = mail.to("b@example.org")[0].token("invitations/accept");
    let dead = accept_answer(
        &t,
        json!({ "token": b_token, "firstName": "B", "lastName": "B", "password": "b-password-1" }),
    )
    .await;
    assert_eq!(error_code(&dead), Some("TOKEN_INVALID"));
    let listed = admin
        .gql("{ invitations(filter: {status: REVOKED}) { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["invitations"]["totalCount"], 1);
}

#[tokio::test]
async fn activation_invitations_set_the_password_of_existing_members() {
    let (t, mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let created = admin.gql("mutation { createMember(input: {firstName: \"Ana\", lastName: \"Lyse\", email: \"ana@example.org\", sendInvitation: true}) { id pendingInvitation { kind status } } }", json!({}))
        .await;
    assert_eq!(
        created["createMember"]["pendingInvitation"],
        json!({ "kind": "ACTIVATION", "status": "PENDING" })
    );
    let other = admin
        .create_member(json!({ "firstName": "Bob", "lastName": "Lyse", "email": "bob@example.org" }))
        .await;
    let signed_in = admin
        .create_member(json!({ "firstName": "Cat", "lastName": "Lyse", "email": "cat@example.org" }))
        .await;
    t.member("coop", &signed_in, "cat-password-1").await;

    let sent = admin.gql("mutation { sendActivationInvitations(selection: {filter: {search: \"lyse\"}}, message: \"Bonjour\") { invitations { email kind } skipped { email reason } } }", json!({}))
        .await;
    let result = &sent["sendActivationInvitations"];
    let emails: Vec<&str> = result["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2, "{result}");
    assert!(emails.contains(&"ana@example.org") && emails.contains(&"bob@example.org"));
    assert_eq!(
        result["skipped"],
        json!([{ "email": "cat@example.org", "reason": "ALREADY_MEMBER" }])
    );
    run_jobs(&t).await;
    let ana = mail.to("ana@example.org");
    assert_eq!(ana.len(), 2, "createMember's and the refreshed one");
    assert!(ana[0].subject.contains("Votre compte Supercoop"), "{}", ana[0].subject);
    assert!(ana[0].text.contains("ana.lyse"), "the login is given");
    let token = mail.to("bob@example.org")[0].token("invitations/accept");
    let accepted = accept(&t, json!({ "token": token, "password": "bob-password-1" })).await;
    assert_eq!(accepted["acceptInvitation"]["member"]["login"], "bob.lyse");
    assert_eq!(accepted["acceptInvitation"]["member"]["emailVerified"], true);
    t.login("coop", "bob.lyse", "bob-password-1").await;
    let id = uuid::Uuid::parse_str(&other).unwrap();
    let bob = entity::members::Entity::find_by_id(id)
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!bob.uses_default_password && !bob.must_change_password);
    let pending = entity::invitations::Entity::find()
        .filter(entity::invitations::Column::Status.eq("pending"))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(pending, 1, "Ana's is still pending");
}

const GUARDED: &str = r#"
name = "Guarded"
default_locale = "en"
[rate_limits]
login_per_ip = "20/15min"
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn parallel_token_guesses_get_at_most_the_per_ip_limit_looked_up() {
    let t = TestApp::with_tenants(&[("guarded", GUARDED)]).await;
    let guesses = (0..40).map(|n| {
        t.gql(
            "guarded",
            None,
            ACCEPT,
            json!({ "i": { "token": format!("guess-{n}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "firstName": "G", "lastName": "G", "password": "guess-password-1" } }),
        )
    });
    let answers = futures_util::future::join_all(guesses).await;
    let mut invalid = 0;
    let mut limited = 0;
    for answer in &answers {
        match error_code(answer) {
            Some("TOKEN_INVALID") => invalid += 1,
            Some("RATE_LIMITED") => limited += 1,
            other => panic!("unexpected answer {other:?}: {answer}"),
        }
    }
    assert_eq!((invalid, limited), (20, 20));
    // Other token flows share the same count: a reset guess is refused too.
    let reset = t
        .gql(
            "guarded",
            None,
            "mutation { resetPassword(token: \"guess\", newPassword: \"another-password-1\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&reset), Some("RATE_LIMITED"), "{reset}");
}

#[tokio::test]
async fn a_mail_server_that_never_speaks_delays_only_mail_and_each_message_goes_once() {
    // Accepts TCP connections (the kernel completes them) and never sends a greeting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("smtp://{}", silent.local_addr().unwrap());
    let t = TestApp::with(&[("coop", SHORT_LIVED)], move |s| {
        s.smtp_url = Some(silent_url);
        s.jobs.send_timeout = Duration::from_secs(1);
        s.jobs.poll_interval = Duration::from_millis(200);
    })
    .await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    admin
        .gql(INVITE, json!({ "i": { "emails": ["zoe@example.org"] } }))
        .await;
    admin
        .gql(
            "mutation { requestPasswordReset(identifier: \"admin@coop.example\") }",
            json!({}),
        )
        .await;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(roster::jobs::run(t.app.clone(), stopped));
    // Upkeep goes on while every send hangs: the 4-second invitation expires on time.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let statuses: Vec<String> = entity::invitations::Entity::find()
            .all(&t.app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.status.to_value())
            .collect();
        if statuses == ["expired"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expiry held up by mail: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let outbox = entity::outbox::Entity::find().all(&t.app.db).await.unwrap();
    assert!(!outbox.is_empty());
    for message in &outbox {
        assert!(message.attempts >= 1, "{message:?}");
        let error = message.last_error.as_deref().unwrap_or_default();
        assert!(error.contains("timed out"), "the timeout is recorded: {message:?}");
        assert_eq!(message.status.to_value(), "queued", "retried later, not lost");
    }
    // Stopping does not wait for the silent server.
    let asked = std::time::Instant::now();
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("the worker stops in time")
        .unwrap();
    assert!(asked.elapsed() < Duration::from_secs(5));

    // Once due again, another instance with a working server sends each message once.
    let mail = MailServer::start();
    let working = mail.url();
    let other = t.second_instance_with(move |s| s.smtp_url = Some(working)).await;
    use sea_orm::sea_query::Expr;
    entity::outbox::Entity::update_many()
        .col_expr(entity::outbox::Column::NextAttemptAt, Expr::value(chrono::Utc::now()))
        .exec(&t.app.db)
        .await
        .unwrap();
    roster::mail::outbox::deliver_due(&other.app).await.unwrap();
    roster::mail::outbox::deliver_due(&other.app).await.unwrap();
    assert_eq!(mail.to("admin@coop.example").len(), 1, "the reset link, once");
    assert!(
        mail.to("zoe@example.org").is_empty(),
        "an expired invitation is not sent"
    );
}

const INVITING_COORDINATOR: &str = r#"
name = "Supercoop"
default_locale = "fr"
locales = ["fr", "en"]

[roles.admin]
permissions = ["*"]

[roles.coordinator]
permissions = ["members.read", "invitations.send", "roles.assign"]
assignable = ["member", "referent"]

[roles.referent]
permissions = ["members.read"]

[roles.member]
permissions = []
default = true
"#;

#[tokio::test]
async fn an_invitation_grants_only_what_its_inviter_may_still_grant_at_acceptance() {
    let (t, mail) = setup(INVITING_COORDINATOR).await;
    let admin = alice(&t).await;
    let coordinator = admin
        .create_member(json!({ "firstName": "Cora", "lastName": "Coord", "email": "cora@coop.example" }))
        .await;
    let set_roles = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }";
    let coordinator_role = json!([{ "role": "coordinator" }]);
    admin
        .gql(set_roles, json!({ "id": coordinator, "r": coordinator_role }))
        .await;
    let cora = t.member("coop", &coordinator, "cora-password-1").await;
    let input = json!({ "emails": ["kept@example.org", "demoted@example.org", "deactivated@example.org"], "roles": ["referent"] });
    cora.gql(INVITE, json!({ "i": input })).await;
    run_jobs(&t).await;
    let accept = |address: &'static str| {
        let token = mail.to(address)[0].token("invitations/accept");
        let t = &t;
        async move {
            let input =
                json!({ "token": token, "firstName": "New", "lastName": "Comer", "password": "new-comer-password" });
            let data = accept(t, input).await;
            let mut roles: Vec<String> = data["acceptInvitation"]["member"]["roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["role"]["key"].as_str().unwrap().to_owned())
                .collect();
            roles.sort();
            roles
        }
    };
    // While the inviter holds the right, the role is granted.
    assert_eq!(accept("kept@example.org").await, ["member", "referent"]);

    // Demoted: the role is dropped at acceptance, and the admins can read why.
    admin
        .gql(set_roles, json!({ "id": coordinator, "r": [{ "role": "member" }] }))
        .await;
    assert_eq!(accept("demoted@example.org").await, ["member"]);

    // Given the right back, then deactivated: dropped again.
    admin
        .gql(set_roles, json!({ "id": coordinator, "r": coordinator_role }))
        .await;
    admin
        .gql(
            "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { changed } }",
            json!({ "s": { "ids": [coordinator] } }),
        )
        .await;
    assert_eq!(accept("deactivated@example.org").await, ["member"]);

    let audit = admin
        .gql(
            "{ auditLog(filter: {action: \"invitation.roles_dropped\"}) { nodes { details } } }",
            json!({}),
        )
        .await;
    let mut dropped: Vec<(String, String)> = audit["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let details = &n["details"];
            let details: serde_json::Value = match details.as_str() {
                Some(text) => serde_json::from_str(text).unwrap(),
                None => details.clone(),
            };
            assert_eq!(details["dropped"], json!(["referent"]));
            (
                details["email"].as_str().unwrap().to_owned(),
                details["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    dropped.sort();
    assert_eq!(
        dropped,
        [
            ("deactivated@example.org".to_owned(), "inviter_deactivated".to_owned()),
            ("demoted@example.org".to_owned(), "inviter_lost_right".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_link_holder_learns_what_became_of_the_invitation() {
    use sea_orm::sea_query::Expr;
    let (t, mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let data = admin
        .gql(
            INVITE,
            json!({ "i": { "emails": ["kept@example.org", "gone@example.org", "late@example.org"] } }),
        )
        .await;
    let ids: Vec<serde_json::Value> = data["inviteMembers"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    run_jobs(&t).await;
    let token = |address: &str| mail.to(address)[0].token("invitations/accept");
    let status = |token: String| {
        let t = &t;
        async move {
            let answer = t
                .ok_anon(
                    "coop",
                    "query($t: String!) { invitationByToken(token: $t) { email status } }",
                    json!({ "t": token }),
                )
                .await;
            answer["invitationByToken"].clone()
        }
    };
    let emailed = token("kept@example.org");
    assert_eq!(
        status(emailed.clone()).await,
        json!({ "email": "kept@example.org", "status": "PENDING" })
    );

    // A link handed out by hand replaces the emailed one, which then reads as unknown.
    let link = admin
        .gql(
            "mutation($id: ID!) { invitationLink(id: $id) }",
            json!({ "id": ids[0] }),
        )
        .await;
    let by_hand = link["invitationLink"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(status(emailed.clone()).await.is_null(), "replaced");
    accept(
        &t,
        json!({ "token": by_hand, "firstName": "K", "lastName": "K", "password": "kept-password-1" }),
    )
    .await;
    assert_eq!(status(by_hand).await["status"], "ACCEPTED");
    assert_eq!(status(emailed).await["status"], "ACCEPTED", "every link of it says so");

    admin
        .gql(
            "mutation($ids: [ID!]!) { revokeInvitations(ids: $ids) }",
            json!({ "ids": [ids[1]] }),
        )
        .await;
    assert_eq!(
        status(token("gone@example.org")).await,
        json!({ "email": "gone@example.org", "status": "REVOKED" })
    );

    // Past its lifetime, before the worker marks it: already EXPIRED for the holder.
    let late = uuid::Uuid::parse_str(ids[2].as_str().unwrap()).unwrap();
    entity::invitations::Entity::update_many()
        .col_expr(
            entity::invitations::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(entity::invitations::Column::Id.eq(late))
        .exec(&t.app.db)
        .await
        .unwrap();
    assert_eq!(status(token("late@example.org")).await["status"], "EXPIRED");
    assert!(status("x".repeat(43)).await.is_null(), "unknown");
}

/// A page of members asks for their pending invitations by member id. Each must be found
/// through the member's own invitations, not by reading every pending invitation of the
/// tenant (`(tenant, status)`) or of every tenant (`(status, expires_at)`): SQLite keeps
/// no statistics and, asked for `tenant = ? AND status = ? AND member_id IN (…)`, took
/// the first. Indexes other than the member's are ruled out here on PostgreSQL too.
#[tokio::test]
async fn pending_invitations_of_members_are_found_through_each_member() {
    use entity::invitations;
    use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, TransactionTrait};

    let (t, _mail) = setup(COOP).await;
    let admin = alice(&t).await;
    let mut ids = Vec::new();
    for name in ["Ana", "Bea", "Cal"] {
        let created = admin
            .gql(
                "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }",
                json!({ "i": { "firstName": name, "lastName": "Lyse", "email": format!("{name}@example.org"), "sendInvitation": true } }),
            )
            .await;
        ids.push(uuid::Uuid::parse_str(created["createMember"]["id"].as_str().unwrap()).unwrap());
    }
    // Pending invitations of nobody yet, which the tenant's index would have read too.
    admin
        .gql(INVITE, json!({ "i": { "emails": ["x@example.org", "y@example.org"] } }))
        .await;

    let backend = t.app.db.get_database_backend();
    let txn = t.app.db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
    }
    let pending = invitations::Entity::find()
        .filter(roster::invitations::pending_of_members("coop", ids.iter().copied()))
        .build(backend);
    let by_id = invitations::Entity::find()
        .filter(roster::sql::of_tenant_among(
            invitations::Column::Tenant,
            invitations::Column::Id,
            "coop",
            ids.iter().copied(),
        ))
        .build(backend);
    let pending_plan = support::plan_of(&txn, pending).await;
    let by_id_plan = support::plan_of(&txn, by_id).await;
    txn.rollback().await.unwrap();
    for (plan, index) in [
        (&pending_plan, "idx_invitations_member_id"),
        (&by_id_plan, "invitations_pkey"),
    ] {
        let index = match backend {
            DbBackend::Postgres => index,
            _ if index == "invitations_pkey" => "sqlite_autoindex_invitations_1 (id=?)",
            _ => index,
        };
        assert!(plan.contains(index), "{plan}");
        assert!(
            !plan.contains("tenant_status") && !plan.contains("status_expires_at"),
            "{plan}"
        );
    }

    let found = roster::invitations::pending_of(&t.app.db, "coop", &ids).await.unwrap();
    assert_eq!(found.len(), 3);
    assert!(found.values().all(|i| i.kind == invitations::Kind::Activation));
    let elsewhere = roster::invitations::pending_of(&t.app.db, "acme", &ids).await.unwrap();
    assert!(elsewhere.is_empty(), "another tenant's invitations are not found");
}
