//! Applying a preview in each mode: SYNC with passwords and states, INVITE, CREATE with
//! activation invitations, and the progress an admin watches.

use serde_json::{json, Value};

use super::{at, id_of, names, seed, sorted_errors};
use crate::support::imports::{Confirm, File};
use crate::support::tenants::{AMAP, CLUB};
use crate::support::{logins, TestApp};

#[tokio::test]
async fn sync_with_passwords_states_and_generated_logins_then_reimport_changes_nothing() {
    let app = TestApp::with_tenants(&[("club", CLUB)]).await;
    let admin = app.admin("club").await;

    let job = admin.start_import(File::fixture("club-membres.csv"), "SYNC").await;
    assert_eq!(job["status"], "READY", "{job}");
    assert_eq!(job["summary"]["errorRows"], 0, "{job}");
    assert_eq!(
        job["summary"]["deactivate"], 0,
        "the admin running the import is never deactivated"
    );
    let created = job["summary"]["create"].as_i64().unwrap();
    assert_eq!(created, job["totalRows"].as_i64().unwrap());
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;

    // Désactivé rows come in deactivated; a file password works at once (to be changed).
    let inactive = admin.member_count(json!({ "status": "DEACTIVATED" })).await;
    assert_eq!(inactive, 4);
    let signed_in = app.login_answer("club", "benoit.durand", "S3cret-longer-pass").await;
    assert_eq!(signed_in["data"]["login"]["mustChangePassword"], true, "{signed_in}");
    let defaulted = app.login_answer("club", "clement.moreau", "bienvenue-au-club").await;
    assert!(
        defaulted["data"]["login"]["token"].is_string(),
        "empty password: the tenant's default: {defaulted}"
    );
    let generated = admin
        .gql(
            "{ members(filter: {search: \"maelle martin\"}) { nodes { login email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        generated["members"]["nodes"][0]["login"], "maelle.martin",
        "an empty login is generated"
    );

    // The same file again: rows with a password set it again, the rest is unchanged.
    let again = admin.start_import(File::fixture("club-membres.csv"), "SYNC").await;
    // Row 19 has neither login nor email: nothing can find that person again, so each
    // SYNC adds them anew (DESIGN.md: a row that matches nobody is new).
    assert_eq!(again["summary"]["create"], 1, "{again}");
    assert_eq!(again["summary"]["deactivate"], 0);
    assert_eq!(
        again["summary"]["update"], 5,
        "the five rows that carry a password: {again}"
    );

    // An export imported back changes nothing at all.
    let export = admin
        .gql("{ exportMembers(format: CSV) { url fileName contentType } }", json!({}))
        .await;
    let (status, content_type, _, body) = app.fetch(export["exportMembers"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"));
    assert_eq!(&body[..3], [0xEF, 0xBB, 0xBF], "UTF-8 with BOM");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("Identifiant;Email;Prénom;Nom;"),
        "French headers, semicolons: {text}"
    );
    assert!(text.contains("Mot de passe crypté"), "the placeholder, never a hash");
    assert!(!text.contains("$argon2"));
    let round = admin.start_import(File::new("export.csv", body), "SYNC").await;
    let summary = &round["summary"];
    assert_eq!(summary["unchanged"], round["totalRows"], "{round}");
    assert_eq!(summary["update"], 0);
    assert_eq!(summary["errorRows"], 0);
}

#[tokio::test]
async fn invite_mode_invites_new_people_and_adds_existing_members_to_groups() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let ids = seed(&admin).await;
    let file = "email,first_name,last_name,language,groups,admin\n\
        oceane@quartier.be,Océane,Laurent,nl-BE,Quartier A,VRAI\n\
        anne@x.org,,,,Quartier B,\n\
        mailto:chloe@quartier.be,Chloé,Müller,fr,,\n\
        jean@quartier.be,Jean,Durand,de,,FAUX\n\
        OCEANE@quartier.be,Océane,Bis,fr,,\n";

    let job = admin
        .start_import_with(
            File::new("citizenlab.csv", file),
            json!({ "mode": "INVITE", "defaults": { "message": "Bienvenue !" } }),
        )
        .await;
    assert_eq!(job["summary"]["invite"], 1, "{job}");
    assert_eq!(job["summary"]["addToGroups"], 1);
    assert_eq!(
        sorted_errors(&job),
        [
            at(4, "email", "INVALID_EMAIL"),
            at(5, "language", "INVALID_LOCALE"),
            at(6, "email", "DUPLICATE_ROW")
        ]
    );
    admin.apply_import(id_of(&job), Confirm::SKIP_INVALID_ROWS).await;

    let invitations = admin
        .gql(
            "{ invitations { nodes { email firstName lastName locale roles message groups { name } } } }",
            json!({}),
        )
        .await;
    let nodes = invitations["invitations"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{invitations}");
    let invitation = &nodes[0];
    assert_eq!(invitation["email"], "oceane@quartier.be");
    assert_eq!(invitation["firstName"], "Océane");
    assert_eq!(invitation["locale"], "nl-BE");
    assert_eq!(
        invitation["roles"],
        json!(["admin"]),
        "the admin column adds the admin role"
    );
    assert_eq!(invitation["message"], "Bienvenue !");
    assert_eq!(invitation["groups"], json!([{ "name": "Quartier A" }]));
    let anne = admin.member(&ids["anne.petit"]).await;
    let groups = names(&anne["groups"]);
    assert!(
        groups.contains(&"Quartier B") && groups.contains(&"Légumes"),
        "{groups:?}"
    );
}

#[tokio::test]
async fn import_progress_follows_an_apply_over_websocket_to_the_end() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let mut file = String::from("email;first name;last name\n");
    for n in 0..3_000 {
        file.push_str(&format!("p{n}@x.org;First{n};Last{n}\n"));
    }
    let job = admin.start_import(File::new("many.csv", file), "CREATE").await;
    let id = id_of(&job).to_owned();

    let mut request = format!("ws://{}/t/amap/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(
            json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", admin.token) } }),
        ))
        .await
        .unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    socket
        .send(send(json!({
            "id": "1",
            "type": "subscribe",
            "payload": {
                "query": "subscription($id: ID!) { importProgress(id: $id) { status processedRows totalRows } }",
                "variables": { "id": id }
            }
        })))
        .await
        .unwrap();
    let first = socket.next().await.unwrap().unwrap();
    let first: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(first["payload"]["data"]["importProgress"]["status"], "READY", "{first}");

    let applying = {
        let (app_url, token, id) = (app.url("/t/amap/graphql"), admin.token.clone(), id.clone());
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(app_url)
                .bearer_auth(token)
                .json(&json!({ "query": "mutation($id: ID!) { applyImport(id: $id) { status } }", "variables": { "id": id } }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    let mut seen = Vec::new();
    while let Some(message) = socket.next().await {
        let message: Value = serde_json::from_str(message.unwrap().to_text().unwrap()).unwrap();
        match message["type"].as_str() {
            Some("next") => seen.push(message["payload"]["data"]["importProgress"].clone()),
            Some("complete") => break,
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
    assert_eq!(applying.await.unwrap()["data"]["applyImport"]["status"], "DONE");
    let last = seen.last().expect("at least the final state");
    assert_eq!(last["status"], "DONE", "{seen:?}");
    assert_eq!(last["processedRows"], 3_000);
    let counts: Vec<i64> = seen.iter().map(|s| s["processedRows"].as_i64().unwrap()).collect();
    assert!(
        seen.iter()
            .all(|s| s["status"] != "APPLYING" || s["processedRows"].as_i64() <= Some(3_000)),
        "{seen:?}"
    );
    assert!(counts.iter().all(|c| (0..=3_000).contains(c)), "{counts:?}");
}

#[tokio::test]
async fn create_can_send_activation_invitations_and_undo_revokes_them() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let file = File::new("new.csv", "Prénom;Nom;Email\nLou;Vidal;lou@x.org\nMax;Roy;max@x.org\n");
    let job = admin
        .start_import_with(
            file,
            json!({ "mode": "CREATE", "defaults": { "sendInvitations": true, "roles": ["referent"], "locale": "en" } }),
        )
        .await;
    let id = id_of(&job);
    admin.apply_import(id, Confirm::NOTHING).await;
    let lou = admin
        .gql(
            "{ members(filter: {search: \"lou\"}) { nodes { id locale originImport { id } roles { role { key } } pendingInvitation { kind status } } } }",
            json!({}),
        )
        .await;
    let lou = &lou["members"]["nodes"][0];
    assert_eq!(lou["originImport"]["id"], id, "imported members keep their job");
    assert_eq!(lou["locale"], "en", "defaults fill empty cells");
    assert_eq!(
        lou["pendingInvitation"],
        json!({ "kind": "ACTIVATION", "status": "PENDING" })
    );
    let mut roles: Vec<&str> = lou["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"]["key"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, ["member", "referent"]);

    admin.undo_import(id).await;
    let after = admin
        .gql("query($id: ID!) { member(id: $id) { status pendingInvitation { id } } invitations(filter: {status: REVOKED}) { totalCount } }", json!({ "id": lou["id"] }))
        .await;
    assert_eq!(
        after["member"],
        json!({ "status": "DEACTIVATED", "pendingInvitation": null })
    );
    assert_eq!(
        after["invitations"]["totalCount"], 2,
        "both activation invitations revoked"
    );
}

#[tokio::test]
async fn undo_deletes_the_groups_the_import_made_unless_something_else_uses_them() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    admin
        .gql(
            "mutation { createGroup(input: {name: \"Existant\"}) { id } }",
            json!({}),
        )
        .await;
    let file = File::new(
        "groups.csv",
        "Prénom;Nom;Email;Groupes\nLou;Vidal;lou@x.org;Existant, Nouveau A\nMax;Roy;max@x.org;Nouveau B\n",
    );
    let job = admin.start_import(file, "CREATE").await;
    assert_eq!(job["newGroups"], json!(["Nouveau A", "Nouveau B"]));
    let id = id_of(&job);
    admin.apply_import(id, Confirm::NOTHING).await;

    // After the import, someone the import did not create joins "Nouveau B".
    let groups = admin.gql("{ groups { id name } }", json!({})).await;
    let group_b = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Nouveau B")
        .unwrap()["id"]
        .clone();
    let ada = admin
        .gql(
            "mutation { createMember(input: {firstName: \"Ada\", lastName: \"Later\", email: \"ada@x.org\"}) { id } }",
            json!({}),
        )
        .await["createMember"]["id"]
        .clone();
    admin
        .gql(
            "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { changed } }",
            json!({ "g": group_b, "s": { "ids": [ada] } }),
        )
        .await;

    admin.undo_import(id).await;
    let after = admin.gql("{ groups { name } }", json!({})).await;
    let mut left = names(&after["groups"]);
    left.sort();
    assert_eq!(
        left,
        ["Existant", "Nouveau B"],
        "the import's unused group goes; the one someone joined since, and the older one, stay"
    );
    let audit = admin
        .gql(
            "{ auditLog(filter: {action: \"group.deleted\"}) { nodes { details } } }",
            json!({}),
        )
        .await;
    let details = audit["auditLog"]["nodes"][0]["details"].to_string();
    assert!(
        details.contains("Nouveau A") && details.contains("import_undone"),
        "{audit}"
    );
}

/// A member created by an import has chosen a language only when the file (or the
/// import's defaults) gave one; otherwise none, as one created by hand, and their
/// emails and pages follow the tenant's default.
#[tokio::test]
async fn imported_members_choose_a_language_only_when_the_file_gives_one() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let file = File::new(
        "new.csv",
        "Prénom;Nom;Email;Langue\nLou;Vidal;lou@x.org;\nMax;Roy;max@x.org;en\n",
    );
    let job = admin.start_import_with(file, json!({ "mode": "CREATE" })).await;
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;
    let found = admin
        .gql(
            "{ members(first: 50) { nodes { firstName locale chosenLocale } } }",
            json!({}),
        )
        .await;
    let mut nodes: Vec<Value> = found["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| ["Lou", "Max"].contains(&n["firstName"].as_str().unwrap()))
        .cloned()
        .collect();
    nodes.sort_by_key(|n| n["firstName"].as_str().unwrap().to_owned());
    assert_eq!(
        nodes,
        [
            json!({ "firstName": "Lou", "locale": "fr", "chosenLocale": null }),
            json!({ "firstName": "Max", "locale": "en", "chosenLocale": "en" }),
        ]
    );
}

/// A pending JOIN invitation to an address an import brings in is settled by the apply —
/// the new member joins the invitation's groups and the invitation is no longer pending —
/// wherever the address falls in the file: the member writer looks for pending
/// invitations once, then settles them step by step (1,200 new members a step).
#[tokio::test]
async fn an_import_settles_the_pending_invitations_of_the_addresses_it_brings_in() {
    let app = TestApp::with_tenants(&[("amap", AMAP)]).await;
    let admin = app.admin("amap").await;
    let group = admin.create_group(json!({ "name": "Invités" })).await;
    let invite = "mutation($i: InviteInput!) { inviteMembers(input: $i) { invitations { email } } }";
    let invited = admin
        .gql(
            invite,
            json!({ "i": { "emails": ["early@x.org", "late@x.org"], "groupIds": [group] } }),
        )
        .await;
    assert_eq!(invited["inviteMembers"]["invitations"].as_array().unwrap().len(), 2);
    let mut csv = String::from("Prénom;Nom;Email\n");
    for n in 0..1_500 {
        let email = match n {
            3 => "early@x.org".to_owned(),
            1_400 => "late@x.org".to_owned(),
            _ => format!("m{n}@x.org"),
        };
        csv.push_str(&format!("Anne;Nom{n};{email}\n"));
    }
    let job = admin.start_import(File::new("invited.csv", csv), "CREATE").await;
    assert_eq!(job["summary"]["create"], 1_500, "{job}");
    admin.apply_import(id_of(&job), Confirm::NOTHING).await;

    let after = admin
        .gql(
            "query($g: [ID!]) { members(filter: {groupIds: $g}) { nodes { email } } \
             invitations(filter: {status: PENDING}) { nodes { email } } }",
            json!({ "g": [group] }),
        )
        .await;
    let mut joined: Vec<&str> = after["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["email"].as_str().unwrap())
        .collect();
    joined.sort_unstable();
    assert_eq!(joined, ["early@x.org", "late@x.org"], "{after}");
    assert_eq!(after["invitations"]["nodes"], json!([]), "settled: {after}");
}

/// After an import, the admin acts on the people it brought in: the list takes the
/// import's id, alone or with other filters, and so does every selection.
#[tokio::test]
async fn the_members_an_import_created_are_selected_by_its_id() {
    let app = TestApp::with_tenants(&[("club", CLUB), ("amap", AMAP)]).await;
    let admin = app.admin("club").await;
    let file = |rows: &str| File::new("nouveaux.csv", format!("Prénom;Nom;Email\n{rows}"));
    let spring = admin
        .start_import(
            file("Ana;Printemps;ana@spring.example\nBo;Printemps;bo@spring.example\n"),
            "CREATE",
        )
        .await;
    admin.apply_import(id_of(&spring), Confirm::NOTHING).await;
    let autumn = admin
        .start_import(
            file("Cy;Automne;cy@autumn.example\nDi;Automne;di@autumn.example\nEd;Automne;ed@autumn.example\n"),
            "CREATE",
        )
        .await;
    admin.apply_import(id_of(&autumn), Confirm::NOTHING).await;
    admin
        .create_member(json!({ "firstName": "Fa", "lastName": "Printemps", "email": "fa@spring.example" }))
        .await;

    let list = "query($f: MemberFilter) { members(filter: $f, first: 50) { totalCount nodes { login } } }";
    let of_spring = admin
        .gql(list, json!({ "f": { "originImportId": id_of(&spring) } }))
        .await;
    assert_eq!(
        logins(&of_spring),
        ["ana.printemps", "bo.printemps"],
        "not Fa, created by hand: {of_spring}"
    );
    let searched = admin
        .gql(
            list,
            json!({ "f": { "originImportId": id_of(&autumn), "search": "di" } }),
        )
        .await;
    assert_eq!(logins(&searched), ["di.automne"]);

    let deactivate = "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { matched changed } }";
    let done = admin
        .gql(
            deactivate,
            json!({ "s": { "filter": { "originImportId": id_of(&autumn) } } }),
        )
        .await;
    assert_eq!(done["deactivateMembers"]["matched"], 3, "{done}");
    assert_eq!(admin.member_count(json!({ "status": "DEACTIVATED" })).await, 3);

    // Another tenant's import selects nobody here; a malformed id is the filter's error.
    let other = app.admin("amap").await;
    let elsewhere = other
        .gql(list, json!({ "f": { "originImportId": id_of(&spring) } }))
        .await;
    assert_eq!(elsewhere["members"]["totalCount"], 0, "{elsewhere}");
    let malformed = admin
        .gql_answer(list, json!({ "f": { "originImportId": "spring" } }))
        .await;
    assert_eq!(crate::support::error_fields(&malformed), ["filter.originImportId"]);
}
