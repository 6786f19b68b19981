//! Groups: manual and smart, membership in bulk, unique names.

use crate::support;

use serde_json::{json, Value};
use support::client::Client;
use support::{error_code, error_fields, TestApp, COOP};

/// The co-op, started.
async fn coop() -> TestApp {
    TestApp::with_tenants(&[("coop", COOP)]).await
}

/// The co-op's admin, and the ids of Anne, Bruno, Célia and David, whom it adds.
async fn admin_and_four_members(t: &TestApp) -> (Client<'_>, Vec<String>) {
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let mut ids = Vec::new();
    for (first, last) in [
        ("Anne", "Arnaud"),
        ("Bruno", "Bernard"),
        ("Célia", "Colin"),
        ("David", "Dumas"),
    ] {
        let email = format!("{}@coop.example", first.to_lowercase());
        ids.push(
            admin
                .create_member(json!({ "firstName": first, "lastName": last, "email": email }))
                .await,
        );
    }
    (admin, ids)
}

fn member_logins(group: &Value) -> Vec<&str> {
    group["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["login"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn manual_groups_gain_and_lose_members_in_bulk() {
    let t = coop().await;
    let (admin, ids) = admin_and_four_members(&t).await;
    let group = admin
        .create_group(json!({ "name": "Épicerie", "description": "Les bénévoles" }))
        .await;

    let added = admin
        .add_members_to_group(&group, json!({ "ids": [ids[0], ids[1]] }))
        .await;
    assert_eq!(added, json!({ "matched": 2, "changed": 2 }));
    let again = admin
        .add_members_to_group(&group, json!({ "filter": { "search": "anne" } }))
        .await;
    assert_eq!(again, json!({ "matched": 1, "changed": 0 }), "already in");

    let data = admin.group(&group).await;
    assert_eq!(data["memberCount"], 2);
    assert_eq!(data["smart"], false);
    assert_eq!(member_logins(&data), ["anne.arnaud", "bruno.bernard"]);
    assert_eq!(
        admin.member_count(json!({ "groupName": "ÉPICERIE" })).await,
        2,
        "exact name, any case"
    );
    assert_eq!(
        admin.member_count(json!({ "groupName": "epicerie" })).await,
        0,
        "exact name: accents count"
    );
    assert_eq!(admin.member(&ids[0]).await["groups"], json!([{ "name": "Épicerie" }]));

    let removed = admin.remove_members_from_group(&group, json!({ "filter": {} })).await;
    assert_eq!(removed, json!({ "matched": 5, "changed": 2 }));
    assert_eq!(admin.group(&group).await["memberCount"], 0);
}

#[tokio::test]
async fn smart_groups_follow_their_rule() {
    let t = coop().await;
    let (admin, ids) = admin_and_four_members(&t).await;
    admin.set_member_roles(&ids[2], json!([{ "role": "referent" }])).await;
    let smart = admin
        .create_group(json!({ "name": "Référents", "rule": { "roles": ["referent"], "status": "ACTIVE" } }))
        .await;
    let data = admin.group(&smart).await;
    assert_eq!(data["smart"], true);
    assert_eq!(member_logins(&data), ["celia.colin"]);

    // The rule is evaluated at query time.
    admin.set_member_roles(&ids[3], json!([{ "role": "referent" }])).await;
    assert_eq!(admin.group(&smart).await["memberCount"], 2);
    let groups = admin
        .gql(
            "query($id: ID!) { member(id: $id) { groups { name smart } } }",
            json!({ "id": ids[3] }),
        )
        .await;
    assert_eq!(
        groups["member"]["groups"],
        json!([{ "name": "Référents", "smart": true }])
    );
    admin
        .gql(
            "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { changed } }",
            json!({ "s": { "ids": [ids[3]] } }),
        )
        .await;
    assert_eq!(
        member_logins(&admin.group(&smart).await),
        ["celia.colin"],
        "the rule asks for active members"
    );

    // Smart groups usable as filters and selections.
    assert_eq!(admin.member_count(json!({ "groupIds": [smart] })).await, 1);
    // Their members are not added by hand.
    let refused = admin
        .gql_answer(
            "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { changed } }",
            json!({ "g": smart, "s": { "ids": [ids[0]] } }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    // Changing the rule changes the members.
    admin
        .gql(
            "mutation($id: ID!, $i: GroupInput!) { updateGroup(id: $id, input: $i) { name smart } }",
            json!({ "id": smart, "i": { "name": "Référents", "rule": { "search": "anne" } } }),
        )
        .await;
    assert_eq!(member_logins(&admin.group(&smart).await), ["anne.arnaud"]);
}

#[tokio::test]
async fn names_are_unique_case_insensitively_and_bad_input_is_refused() {
    let t = coop().await;
    let (admin, _) = admin_and_four_members(&t).await;
    let first = admin.create_group(json!({ "name": "Caisse" })).await;
    let create = "mutation($i: GroupInput!) { createGroup(input: $i) { id } }";
    for (input, field) in [
        (json!({ "name": "  CAISSE " }), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": "Cuisine; Salle" }), "name"),
        (json!({ "name": "Salle, \"VIP\"" }), "name"),
        (json!({ "name": "Ok", "rule": { "roles": ["king"] } }), "rule.roles"),
        (json!({ "name": "Ok", "rule": { "ids": ["nope"] } }), "rule.ids"),
    ] {
        let answer = admin.gql_answer(create, json!({ "i": input })).await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{input}: {answer}");
        assert_eq!(error_fields(&answer), [field], "{input}: {answer}");
    }
    let rename = admin
        .gql(
            "mutation($id: ID!) { updateGroup(id: $id, input: {name: \"caisse\"}) { name } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        rename["updateGroup"]["name"], "caisse",
        "its own name in another case is fine"
    );
    let list = admin.gql("{ groups { name } }", json!({})).await;
    assert_eq!(list["groups"], json!([{ "name": "caisse" }]));

    let delete = "mutation($id: ID!) { deleteGroup(id: $id) }";
    let deleted = admin.gql(delete, json!({ "id": first })).await;
    assert_eq!(deleted["deleteGroup"], true);
    let gone = admin.gql_answer(delete, json!({ "id": first })).await;
    assert_eq!(error_code(&gone), Some("NOT_FOUND"));
    let none = admin
        .gql("query($id: ID!) { group(id: $id) { id } }", json!({ "id": first }))
        .await;
    assert!(none["group"].is_null());
}

#[tokio::test]
async fn only_groups_managers_change_groups() {
    let t = coop().await;
    let (admin, ids) = admin_and_four_members(&t).await;
    let group = admin.create_group(json!({ "name": "Caisse" })).await;
    admin
        .set_member_roles(&ids[0], json!([{ "role": "coordinator" }]))
        .await;
    let coordinator = t.member("coop", &ids[0], "coordinator-pw-1").await;

    let seen = coordinator.gql("{ groups { name } }", json!({})).await;
    assert_eq!(
        seen["groups"],
        json!([{ "name": "Caisse" }]),
        "members.read sees groups"
    );
    for (query, vars) in [
        ("mutation { createGroup(input: {name: \"X\"}) { id } }", json!({})),
        (
            "mutation($id: ID!) { updateGroup(id: $id, input: {name: \"X\"}) { id } }",
            json!({ "id": group }),
        ),
        ("mutation($id: ID!) { deleteGroup(id: $id) }", json!({ "id": group })),
        (
            "mutation($id: ID!) { addMembersToGroup(groupId: $id, selection: {filter: {}}) { changed } }",
            json!({ "id": group }),
        ),
    ] {
        let refused = coordinator.gql_answer(query, vars).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{query}: {refused}");
    }
}

/// Each member of a list as `[login, ["role" or "role@group"…], groups, pendingInvitation]`.
fn shown(list: &Value) -> Vec<Value> {
    list["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let roles: Vec<String> = n["roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| match r["group"]["name"].as_str() {
                    Some(group) => format!("{}@{group}", r["role"]["key"].as_str().unwrap()),
                    None => r["role"]["key"].as_str().unwrap().to_owned(),
                })
                .collect();
            json!([n["login"], roles, n["groups"], n["pendingInvitation"]])
        })
        .collect()
}

#[tokio::test]
async fn a_list_shows_each_member_their_own_roles_groups_and_invitation() {
    let t = coop().await;
    let (admin, ids) = admin_and_four_members(&t).await;
    let epicerie = admin.create_group(json!({ "name": "Épicerie" })).await;
    let caisse = admin.create_group(json!({ "name": "Caisse" })).await;
    admin
        .create_group(json!({ "name": "Référents", "rule": { "roles": ["referent"] } }))
        .await;
    admin
        .add_members_to_group(&epicerie, json!({ "ids": [ids[0], ids[1]] }))
        .await;
    admin.add_members_to_group(&caisse, json!({ "ids": [ids[1]] })).await;
    admin
        .set_member_roles(
            &ids[1],
            json!([{ "role": "referent" }, { "role": "coordinator", "groupId": caisse }, { "role": "member" }]),
        )
        .await;
    admin.set_member_roles(&ids[3], json!([])).await;
    admin
        .gql(
            "mutation { createMember(input: {firstName: \"Eva\", lastName: \"Essai\", email: \"eva@coop.example\", sendInvitation: true}) { id } }",
            json!({}),
        )
        .await;

    let list = admin
        .gql(
            "{ members(orderBy: {field: LOGIN}) { nodes { id login roles { role { key } group { name } } groups { name } pendingInvitation { kind } } } }",
            json!({}),
        )
        .await;

    // Roles in the tenant file's order of roles, groups by name key.
    assert_eq!(
        shown(&list),
        [
            json!(["admin", ["admin", "member"], [], null]),
            json!(["anne.arnaud", ["member"], [{ "name": "Épicerie" }], null]),
            json!([
                "bruno.bernard",
                ["coordinator@Caisse", "referent", "member"],
                [{ "name": "Caisse" }, { "name": "Référents" }, { "name": "Épicerie" }],
                null
            ]),
            json!(["celia.colin", ["member"], [], null]),
            json!(["david.dumas", [], [], null]),
            json!(["eva.essai", ["member"], [], { "kind": "ACTIVATION" }]),
        ]
    );

    // The list loads what its query asks of the page with the page, however it is asked
    // (edges or nodes, a named fragment, an inline one, an alias); a member on its own
    // loads the same through the request's loaders.
    let through_edges = admin
        .gql(
            "query { members(orderBy: {field: LOGIN}) { edges { node { ...Shown } } } }
             fragment Shown on Member { login ... on Member { held: roles { role { key } group { name } } } groups { name } pendingInvitation { kind } }",
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = through_edges["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            let mut node = edge["node"].clone();
            node["roles"] = node["held"].take();
            node
        })
        .collect();
    assert_eq!(shown(&json!({ "members": { "nodes": nodes } })), shown(&list));
    for node in list["members"]["nodes"].as_array().unwrap() {
        let member = admin
            .gql(
                "query($id: ID!) { member(id: $id) { login roles { role { key } group { name } } groups { name } pendingInvitation { kind } } }",
                json!({ "id": node["id"] }),
            )
            .await;
        assert_eq!(
            shown(&json!({ "members": { "nodes": [member["member"]] } })),
            shown(&json!({ "members": { "nodes": [node] } }))
        );
    }
}

/// A member's pending invitation is shown to whoever may read invitations (tenant-wide
/// invitations.manage) and to the member themselves; reading the member list does not
/// open it, whether the list loads it with the page or a member is asked alone.
#[tokio::test]
async fn pending_invitations_show_only_to_invitation_managers_and_their_member() {
    let t = coop().await;
    let (admin, ids) = admin_and_four_members(&t).await;
    admin.set_member_roles(&ids[0], json!([{ "role": "referent" }])).await;
    admin
        .gql(
            "mutation($ids: [ID!]!) { sendActivationInvitations(selection: {ids: $ids}) { invitations { id } } }",
            json!({ "ids": [ids[0], ids[1]] }),
        )
        .await;
    let list = "{ members(orderBy: {field: LOGIN}) { nodes { login pendingInvitation { kind email } } } }";
    let one = "query($id: ID!) { member(id: $id) { login pendingInvitation { kind } } }";
    let pending_in = |answer: &Value| -> Vec<String> {
        answer["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| !n["pendingInvitation"].is_null())
            .map(|n| n["login"].as_str().unwrap().to_owned())
            .collect()
    };

    let seen_by_admin = admin.gql(list, json!({})).await;
    assert_eq!(
        pending_in(&seen_by_admin),
        ["anne.arnaud", "bruno.bernard"],
        "{seen_by_admin}"
    );
    let bruno_for_admin = admin.gql(one, json!({ "id": ids[1] })).await;
    assert_eq!(bruno_for_admin["member"]["pendingInvitation"]["kind"], "ACTIVATION");

    // Anne, a referent (members.read only), still holds her own pending invitation.
    let referent = t.member("coop", &ids[0], "referent-pw-1").await;
    let seen_by_referent = referent.gql(list, json!({})).await;
    assert_eq!(seen_by_referent["members"]["nodes"].as_array().unwrap().len(), 5);
    assert_eq!(pending_in(&seen_by_referent), ["anne.arnaud"], "{seen_by_referent}");
    let bruno_for_referent = referent.gql(one, json!({ "id": ids[1] })).await;
    assert_eq!(bruno_for_referent["member"]["login"], "bruno.bernard");
    assert!(
        bruno_for_referent["member"]["pendingInvitation"].is_null(),
        "{bruno_for_referent}"
    );
    let own = referent.gql(one, json!({ "id": ids[0] })).await;
    assert_eq!(own["member"]["pendingInvitation"]["kind"], "ACTIVATION", "{own}");
}

/// A role held within a group goes with the group. The assignments within a group are
/// found through their own (partial) index, not by reading every role of every tenant:
/// deleting a group, or undoing an import that made groups, looks them up by group.
#[tokio::test]
async fn roles_within_a_deleted_group_go_with_it_found_by_group() {
    use entity::role_assignments;
    use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, TransactionTrait};

    let t = coop().await;
    let (admin, ids) = admin_and_four_members(&t).await;
    let group = admin.create_group(json!({ "name": "Légumes" })).await;
    let set_roles = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { roles { role { key } group { name } } } }";
    let held = admin
        .gql(
            set_roles,
            json!({ "id": ids[0], "r": [{ "role": "member" }, { "role": "referent", "groupId": group }] }),
        )
        .await;
    let roles = held["setMemberRoles"]["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!(
        roles.contains(&json!({ "role": { "key": "referent" }, "group": { "name": "Légumes" } })),
        "{roles:?}"
    );

    let group_id = uuid::Uuid::parse_str(&group).unwrap();
    let backend = t.app.db.get_database_backend();
    let txn = t.app.db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
    }
    for condition in [
        role_assignments::Column::GroupId.eq(group_id),
        role_assignments::Column::GroupId.is_in([group_id, uuid::Uuid::new_v4()]),
    ] {
        let statement = role_assignments::Entity::find().filter(condition).build(backend);
        let plan = support::plan_of(&txn, statement).await;
        assert!(plan.contains("idx_role_assignments_group_id"), "{plan}");
    }
    txn.rollback().await.unwrap();

    admin
        .gql("mutation($id: ID!) { deleteGroup(id: $id) }", json!({ "id": group }))
        .await;
    let after = admin
        .gql(
            "query($id: ID!) { member(id: $id) { roles { role { key } group { name } } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        after["member"]["roles"],
        json!([{ "role": { "key": "member" }, "group": null }])
    );
    // The role taken away is in the member's history like any change of roles.
    let history = admin
        .gql(
            "query($m: ID) { auditLog(filter: {targetId: $m, action: \"member.roles_changed\"}) { nodes { details } } }",
            json!({ "m": ids[0] }),
        )
        .await;
    let last: Value = serde_json::from_str(history["auditLog"]["nodes"][0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(
        last["after"],
        json!([{ "role": "member", "groupId": null }]),
        "newest first: the deletion's entry"
    );
    assert_eq!(last["before"].as_array().map(Vec::len), Some(2), "{last}");
}
