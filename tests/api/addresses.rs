//! Which addresses count: a second address a member sets counts once its link is
//! opened; until then it matches nothing. And one address, one state: a member and a
//! pending JOIN invitation never hold the same address, whatever the interleaving.

use crate::support;

use serde_json::{json, Value};
use support::client::Client;
use support::imports::File;
use support::smtp::MailServer;
use support::{error_code, error_fields, TestApp, COOP, LOGIN};

const PROFILE: &str =
    "mutation($p: ProfileInput!) { updateMyProfile(input: $p) { secondaryEmail secondaryEmailVerified } }";
const CONFIRM: &str =
    "mutation($t: String!) { confirmEmailChange(token: $t) { secondaryEmail secondaryEmailVerified } }";
const INVITE: &str = "mutation($i: InviteInput!) { inviteMembers(input: $i) { invitations { email } addedToGroups { login } skipped { email reason } } }";
const ACCEPT: &str = "mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { member { login email } } }";
const REGISTER: &str = "mutation($i: RegisterInput!) { register(input: $i) { member { login email } } }";

/// The co-op, sending mail to a server of the test's own.
async fn setup() -> (TestApp, MailServer) {
    let mail = MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("coop", COOP)], move |s| s.smtp_url = Some(url)).await;
    (t, mail)
}

async fn run_jobs(t: &TestApp) {
    roster::jobs::run_once(&t.app).await.expect("jobs pass");
}

/// A member the admin creates, with a password of their own, signed in.
async fn member<'a>(admin: &Client<'a>, first: &str, address: &str) -> (String, Client<'a>) {
    let input = json!({ "firstName": first, "lastName": "Member", "email": address });
    let id = admin.create_member(input).await;
    let member = admin.app.member("coop", &id, &format!("{first}-password-1")).await;
    (id, member)
}

fn sign_in_refused(answer: &Value) -> bool {
    error_code(answer) == Some("INVALID_CREDENTIALS")
}

#[tokio::test]
async fn a_second_address_nobody_proved_matches_nothing() {
    let (t, mail) = setup().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let (_, mallory) = member(&admin, "mallory", "mallory@example.org").await;

    // The reported fault: any member claims the new treasurer's address.
    let claimed = mallory
        .gql(PROFILE, json!({ "p": { "secondaryEmail": "treasurer@example.org" } }))
        .await;
    assert_eq!(
        claimed["updateMyProfile"],
        json!({ "secondaryEmail": "treasurer@example.org", "secondaryEmailVerified": false })
    );
    let login = json!({ "i": "treasurer@example.org", "p": "mallory-password-1" });
    assert!(
        sign_in_refused(&t.gql("coop", None, LOGIN, login).await),
        "not a sign-in"
    );

    // Inviting the address invites its real owner, and the invitation is mailed.
    let invited = admin
        .gql(INVITE, json!({ "i": { "emails": ["treasurer@example.org"] } }))
        .await;
    assert_eq!(
        invited["inviteMembers"]["invitations"][0]["email"], "treasurer@example.org",
        "{invited}"
    );
    assert_eq!(invited["inviteMembers"]["addedToGroups"], json!([]));
    run_jobs(&t).await;
    let received = mail.to("treasurer@example.org");
    let claim_link = received
        .iter()
        .find(|m| m.text.contains("/email-change?token="))
        .expect("the claim's confirmation went to the address")
        .token("email-change");
    let invitation = received
        .iter()
        .find(|m| m.text.contains("invitations/accept"))
        .expect("the invitation went out")
        .token("invitations/accept");
    let input = json!({ "token": invitation, "firstName": "Tina", "lastName": "Treasurer", "password": "treasurer-password-1" });
    let accepted = t.ok_anon("coop", ACCEPT, json!({ "i": input })).await;
    assert_eq!(accepted["acceptInvitation"]["member"]["email"], "treasurer@example.org");

    // The claim lost: its link cannot take the address from its owner.
    let late = t.gql("coop", None, CONFIRM, json!({ "t": claim_link })).await;
    assert_eq!(error_fields(&late), ["secondaryEmail"], "{late}");
    t.login("coop", "treasurer@example.org", "treasurer-password-1").await;
}

#[tokio::test]
async fn registration_and_imports_ignore_a_claim_and_a_confirmed_one_counts() {
    let (t, mail) = setup().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let (mallory_id, mallory) = member(&admin, "mallory", "mallory@example.org").await;
    for address in ["newcomer@example.org", "imported@example.org"] {
        mallory
            .gql(PROFILE, json!({ "p": { "secondaryEmail": address } }))
            .await;
    }
    run_jobs(&t).await;
    assert!(
        mail.to("newcomer@example.org").is_empty(),
        "a claim replaced before delivery sends nothing"
    );
    let stale = mail.to("imported@example.org")[0].token("email-change");

    // Someone registers with the first address: the claim does not stand in the way.
    let input = json!({ "email": "newcomer@example.org", "firstName": "Nora", "lastName": "New", "password": "newcomer-password-1" });
    let registered = t.ok_anon("coop", REGISTER, json!({ "i": input })).await;
    assert_eq!(registered["register"]["member"]["email"], "newcomer@example.org");

    // An import row with the second claimed address is a new member, not Mallory.
    let file = "Prénom;Nom;Adresse e-mail\nIrma;Imported;imported@example.org\n";
    let job = admin
        .start_import_with(
            File::new("membres.csv", file),
            json!({ "mode": "SYNC", "absentMembers": "KEEP" }),
        )
        .await;
    let summary = &job["summary"];
    assert_eq!(
        (summary["create"].as_i64(), summary["update"].as_i64()),
        (Some(1), Some(0)),
        "{job}"
    );

    // Mallory's own address, confirmed by its link, counts from then on.
    mallory
        .gql(
            PROFILE,
            json!({ "p": { "secondaryEmail": "mallory.home@example.org" } }),
        )
        .await;
    run_jobs(&t).await;
    let link = mail.to("mallory.home@example.org")[0].token("email-change");
    let confirmed = t.ok_anon("coop", CONFIRM, json!({ "t": link })).await;
    assert_eq!(confirmed["confirmEmailChange"]["secondaryEmailVerified"], true);
    t.login("coop", "mallory.home@example.org", "mallory-password-1").await;
    let again = t.gql("coop", None, CONFIRM, json!({ "t": link })).await;
    assert_eq!(error_code(&again), Some("TOKEN_INVALID"), "single use");

    // An older claim's link no longer proves anything: the claim it was for is gone.
    assert_eq!(
        error_code(&t.gql("coop", None, CONFIRM, json!({ "t": stale })).await),
        Some("TOKEN_INVALID")
    );

    // An admin's word counts at once.
    let set = "mutation($id: ID!) { updateMember(id: $id, input: {secondaryEmail: \"mallory.work@example.org\"}) { secondaryEmailVerified } }";
    let by_admin = admin.gql(set, json!({ "id": mallory_id })).await;
    assert_eq!(by_admin["updateMember"]["secondaryEmailVerified"], true);
    t.login("coop", "mallory.work@example.org", "mallory-password-1").await;
}

/// Whether a member holds `address` and whether a pending invitation does, as an admin
/// reads them.
async fn holders_of(admin: &Client<'_>, address: &str) -> (bool, bool) {
    let query = "query($s: String!) { members(filter: {search: $s}) { nodes { email } } invitations(filter: {status: PENDING, search: $s}) { nodes { email } } }";
    let data = admin.gql(query, json!({ "s": address })).await;
    let has = |list: &Value| list["nodes"].as_array().unwrap().iter().any(|n| n["email"] == address);
    (has(&data["members"]), has(&data["invitations"]))
}

const ROUNDS: usize = 12;

fn open_coop() -> String {
    format!("{COOP}\n[rate_limits]\nregister_per_ip = \"1000/h\"\n")
}

#[tokio::test]
async fn a_registration_racing_an_invitation_leaves_one_state_per_address() {
    let mail = MailServer::start();
    let url = mail.url();
    let tenant = open_coop();
    let t = TestApp::with(&[("coop", tenant.as_str())], move |s| s.smtp_url = Some(url)).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    for round in 0..ROUNDS {
        let address = format!("racer{round}@example.org");
        let register = t.gql(
            "coop",
            None,
            REGISTER,
            json!({ "i": { "email": address, "firstName": "Rae", "lastName": "Racer", "password": "racer-password-1" } }),
        );
        let invite = admin.gql_answer(INVITE, json!({ "i": { "emails": [address] } }));
        let (registered, invited) = tokio::join!(register, invite);
        assert!(invited["errors"].is_null(), "{invited}");
        let (member, pending) = holders_of(&admin, &address).await;
        assert!(
            !(member && pending),
            "round {round}: a member and a live invitation share {address}"
        );
        match error_code(&registered) {
            // The invitation came first: its link is the way in, and it works.
            Some("INVITATION_REQUIRED") => assert!(pending && !member, "round {round}"),
            None => assert!(member && !pending, "round {round}: {invited}"),
            other => panic!("round {round}: {other:?} {registered}"),
        }
    }
    // Every invitation mailed can be accepted: none leads to "already a member".
    run_jobs(&t).await;
    for message in mail.messages().iter().filter(|m| m.text.contains("invitations/accept")) {
        let token = message.token("invitations/accept");
        let input = json!({ "token": token, "firstName": "Rae", "lastName": "Racer", "password": "racer-password-1" });
        let accepted = t.gql("coop", None, ACCEPT, json!({ "i": input })).await;
        assert!(accepted["errors"].is_null(), "{accepted}");
    }
}

#[tokio::test]
async fn an_acceptance_racing_a_registration_or_an_admin_leaves_one_member_per_address() {
    let mail = MailServer::start();
    let url = mail.url();
    let tenant = open_coop();
    let t = TestApp::with(&[("coop", tenant.as_str())], move |s| s.smtp_url = Some(url)).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let group = admin.create_group(json!({ "name": "Racers" })).await;
    let addresses: Vec<String> = (0..ROUNDS).map(|i| format!("joiner{i}@example.org")).collect();
    admin
        .gql(INVITE, json!({ "i": { "emails": addresses, "groupIds": [group] } }))
        .await;
    run_jobs(&t).await;
    for (round, address) in addresses.iter().enumerate() {
        let token = mail.to(address)[0].token("invitations/accept");
        let input = json!({ "token": token, "firstName": "Jo", "lastName": "Joiner", "password": "joiner-password-1" });
        let accept = t.gql("coop", None, ACCEPT, json!({ "i": input }));
        let person =
            json!({ "email": address, "firstName": "Jo", "lastName": "Joiner", "password": "joiner-password-2" });
        // Odd rounds: the admin creates the member by hand at the same moment.
        let other = async {
            if round % 2 == 0 {
                t.gql("coop", None, REGISTER, json!({ "i": person })).await
            } else {
                let input = json!({ "email": address, "firstName": "Jo", "lastName": "Joiner" });
                admin
                    .gql_answer(
                        "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }",
                        json!({ "i": input }),
                    )
                    .await
            }
        };
        let (accepted, other) = tokio::join!(accept, other);
        let (member, pending) = holders_of(&admin, address).await;
        assert!(member && !pending, "round {round}: {accepted} {other}");
        let winners = [&accepted, &other].iter().filter(|a| a["errors"].is_null()).count();
        if round % 2 == 0 {
            assert_eq!(winners, 1, "round {round}: one way in wins: {accepted} {other}");
        } else if accepted["errors"].is_null() {
            assert!(other["errors"].is_array(), "the address is taken by then: {other}");
        } else {
            // The admin's member came first and settled the invitation: it joined its group.
            let query = "query($s: String!) { members(filter: {search: $s}) { nodes { groups { name } } } }";
            let data = admin.gql(query, json!({ "s": address })).await;
            assert_eq!(
                data["members"]["nodes"][0]["groups"][0]["name"], "Racers",
                "round {round}"
            );
        }
    }
}

#[tokio::test]
async fn an_email_change_onto_an_invited_address_settles_the_invitation() {
    let (t, mail) = setup().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let (_, eve) = member(&admin, "eve", "eve@example.org").await;
    admin
        .gql(INVITE, json!({ "i": { "emails": ["eve.new@example.org"] } }))
        .await;
    let change = "mutation($e: String!, $p: String!) { requestEmailChange(newEmail: $e, currentPassword: $p) }";
    eve.gql(change, json!({ "e": "eve.new@example.org", "p": "eve-password-1" }))
        .await;
    run_jobs(&t).await;
    let received = mail.to("eve.new@example.org");
    let confirm = received
        .iter()
        .find(|m| m.text.contains("/email-change?token="))
        .unwrap()
        .token("email-change");
    let invitation = received
        .iter()
        .find(|m| m.text.contains("invitations/accept"))
        .unwrap()
        .token("invitations/accept");
    t.ok_anon(
        "coop",
        "mutation($t: String!) { confirmEmailChange(token: $t) { email } }",
        json!({ "t": confirm }),
    )
    .await;
    assert_eq!(holders_of(&admin, "eve.new@example.org").await, (true, false));
    let state = t
        .ok_anon(
            "coop",
            "query($t: String!) { invitationByToken(token: $t) { status } }",
            json!({ "t": invitation }),
        )
        .await;
    assert_eq!(
        state["invitationByToken"]["status"], "ACCEPTED",
        "its link now says: you already have an account"
    );
}
