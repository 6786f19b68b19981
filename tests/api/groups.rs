//! Groups: manual and smart, membership in bulk, unique names.

use crate::support;

use serde_json::{json, Value};
use support::{error_code, error_fields, TestApp, COOP};

async fn coop() -> (TestApp, String, Vec<String>) {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    let mut ids = Vec::new();
    for (first, last) in [
        ("Anne", "Arnaud"),
        ("Bruno", "Bernard"),
        ("Célia", "Colin"),
        ("David", "Dumas"),
    ] {
        let email = format!("{}@coop.example", first.to_lowercase());
        ids.push(
            t.create_member(
                "coop",
                &admin,
                json!({ "firstName": first, "lastName": last, "email": email }),
            )
            .await,
        );
    }
    (t, admin, ids)
}

async fn create_group(t: &TestApp, admin: &str, input: Value) -> String {
    let data = t
        .ok(
            "coop",
            admin,
            "mutation($i: GroupInput!) { createGroup(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    data["createGroup"]["id"].as_str().unwrap().to_owned()
}

const GROUP: &str = "query($id: ID!) { group(id: $id) { name description smart memberCount members(first: 10) { totalCount nodes { login } } } }";

fn member_logins(data: &Value) -> Vec<&str> {
    data["group"]["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["login"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn manual_groups_gain_and_lose_members_in_bulk() {
    let (t, admin, ids) = coop().await;
    let group = create_group(
        &t,
        &admin,
        json!({ "name": "Épicerie", "description": "Les bénévoles" }),
    )
    .await;
    let add =
        "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { matched changed } }";
    let added = t
        .ok(
            "coop",
            &admin,
            add,
            json!({ "g": group, "s": { "ids": [ids[0], ids[1]] } }),
        )
        .await;
    assert_eq!(added["addMembersToGroup"], json!({ "matched": 2, "changed": 2 }));
    let again = t
        .ok(
            "coop",
            &admin,
            add,
            json!({ "g": group, "s": { "filter": { "search": "anne" } } }),
        )
        .await;
    assert_eq!(
        again["addMembersToGroup"],
        json!({ "matched": 1, "changed": 0 }),
        "already in"
    );

    let data = t.ok("coop", &admin, GROUP, json!({ "id": group })).await;
    assert_eq!(data["group"]["memberCount"], 2);
    assert_eq!(data["group"]["smart"], false);
    assert_eq!(member_logins(&data), ["anne.arnaud", "bruno.bernard"]);
    let by_name = t
        .ok(
            "coop",
            &admin,
            "{ members(filter: {groupName: \"ÉPICERIE\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(by_name["members"]["totalCount"], 2, "exact name, any case");
    let by_name = t
        .ok(
            "coop",
            &admin,
            "{ members(filter: {groupName: \"epicerie\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(by_name["members"]["totalCount"], 0, "exact name: accents count");
    let mine = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { member(id: $id) { groups { name } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(mine["member"]["groups"], json!([{ "name": "Épicerie" }]));

    let remove = "mutation($g: ID!, $s: MemberSelection!) { removeMembersFromGroup(groupId: $g, selection: $s) { matched changed } }";
    let removed = t
        .ok("coop", &admin, remove, json!({ "g": group, "s": { "filter": {} } }))
        .await;
    assert_eq!(removed["removeMembersFromGroup"], json!({ "matched": 5, "changed": 2 }));
    let data = t.ok("coop", &admin, GROUP, json!({ "id": group })).await;
    assert_eq!(data["group"]["memberCount"], 0);
}

#[tokio::test]
async fn smart_groups_follow_their_rule() {
    let (t, admin, ids) = coop().await;
    let set = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }";
    t.ok(
        "coop",
        &admin,
        set,
        json!({ "id": ids[2], "r": [{ "role": "referent" }] }),
    )
    .await;
    let smart = create_group(
        &t,
        &admin,
        json!({ "name": "Référents", "rule": { "roles": ["referent"], "status": "ACTIVE" } }),
    )
    .await;
    let data = t.ok("coop", &admin, GROUP, json!({ "id": smart })).await;
    assert_eq!(data["group"]["smart"], true);
    assert_eq!(member_logins(&data), ["celia.colin"]);

    // The rule is evaluated at query time.
    t.ok(
        "coop",
        &admin,
        set,
        json!({ "id": ids[3], "r": [{ "role": "referent" }] }),
    )
    .await;
    let data = t.ok("coop", &admin, GROUP, json!({ "id": smart })).await;
    assert_eq!(data["group"]["memberCount"], 2);
    let groups = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { member(id: $id) { groups { name smart } } }",
            json!({ "id": ids[3] }),
        )
        .await;
    assert_eq!(
        groups["member"]["groups"],
        json!([{ "name": "Référents", "smart": true }])
    );
    t.ok(
        "coop",
        &admin,
        "mutation($s: MemberSelection!) { deactivateMembers(selection: $s) { changed } }",
        json!({ "s": { "ids": [ids[3]] } }),
    )
    .await;
    let data = t.ok("coop", &admin, GROUP, json!({ "id": smart })).await;
    assert_eq!(
        member_logins(&data),
        ["celia.colin"],
        "the rule asks for active members"
    );

    // Smart groups usable as filters and selections.
    let filtered = t
        .ok(
            "coop",
            &admin,
            "query($g: ID!) { members(filter: {groupIds: [$g]}) { totalCount } }",
            json!({ "g": smart }),
        )
        .await;
    assert_eq!(filtered["members"]["totalCount"], 1);
    // Their members are not added by hand.
    let refused = t
        .gql(
            "coop",
            Some(&admin),
            "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { changed } }",
            json!({ "g": smart, "s": { "ids": [ids[0]] } }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    // Changing the rule changes the members.
    let update = "mutation($id: ID!, $i: GroupInput!) { updateGroup(id: $id, input: $i) { name smart } }";
    t.ok(
        "coop",
        &admin,
        update,
        json!({ "id": smart, "i": { "name": "Référents", "rule": { "search": "anne" } } }),
    )
    .await;
    let data = t.ok("coop", &admin, GROUP, json!({ "id": smart })).await;
    assert_eq!(member_logins(&data), ["anne.arnaud"]);
}

#[tokio::test]
async fn names_are_unique_case_insensitively_and_bad_input_is_refused() {
    let (t, admin, _) = coop().await;
    let first = create_group(&t, &admin, json!({ "name": "Caisse" })).await;
    let create = "mutation($i: GroupInput!) { createGroup(input: $i) { id } }";
    for (input, field) in [
        (json!({ "name": "  CAISSE " }), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": "Ok", "rule": { "roles": ["king"] } }), "rule.roles"),
        (json!({ "name": "Ok", "rule": { "ids": ["nope"] } }), "rule.ids"),
    ] {
        let answer = t.gql("coop", Some(&admin), create, json!({ "i": input })).await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{input}: {answer}");
        assert_eq!(error_fields(&answer), [field], "{input}: {answer}");
    }
    let rename = t
        .ok(
            "coop",
            &admin,
            "mutation($id: ID!) { updateGroup(id: $id, input: {name: \"caisse\"}) { name } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        rename["updateGroup"]["name"], "caisse",
        "its own name in another case is fine"
    );
    let list = t.ok("coop", &admin, "{ groups { name } }", json!({})).await;
    assert_eq!(list["groups"], json!([{ "name": "caisse" }]));

    let deleted = t
        .ok(
            "coop",
            &admin,
            "mutation($id: ID!) { deleteGroup(id: $id) }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(deleted["deleteGroup"], true);
    let gone = t
        .gql(
            "coop",
            Some(&admin),
            "mutation($id: ID!) { deleteGroup(id: $id) }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(error_code(&gone), Some("NOT_FOUND"));
    let none = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": first }),
        )
        .await;
    assert!(none["group"].is_null());
}

#[tokio::test]
async fn only_groups_managers_change_groups() {
    let (t, admin, ids) = coop().await;
    let group = create_group(&t, &admin, json!({ "name": "Caisse" })).await;
    let set = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }";
    t.ok(
        "coop",
        &admin,
        set,
        json!({ "id": ids[0], "r": [{ "role": "coordinator" }] }),
    )
    .await;
    let coordinator = t.member_token("coop", &ids[0], "coordinator-pw-1").await;
    let seen = t.ok("coop", &coordinator, "{ groups { name } }", json!({})).await;
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
        let refused = t.gql("coop", Some(&coordinator), query, vars).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{query}: {refused}");
    }
}

#[tokio::test]
async fn a_list_shows_each_member_their_own_roles_groups_and_invitation() {
    let (t, admin, ids) = coop().await;
    let epicerie = create_group(&t, &admin, json!({ "name": "Épicerie" })).await;
    let caisse = create_group(&t, &admin, json!({ "name": "Caisse" })).await;
    create_group(
        &t,
        &admin,
        json!({ "name": "Référents", "rule": { "roles": ["referent"] } }),
    )
    .await;
    let add = "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { changed } }";
    t.ok(
        "coop",
        &admin,
        add,
        json!({ "g": epicerie, "s": { "ids": [ids[0], ids[1]] } }),
    )
    .await;
    t.ok("coop", &admin, add, json!({ "g": caisse, "s": { "ids": [ids[1]] } }))
        .await;
    let set = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }";
    t.ok(
        "coop",
        &admin,
        set,
        json!({ "id": ids[1], "r": [{ "role": "referent" }, { "role": "coordinator", "groupId": caisse }, { "role": "member" }] }),
    )
    .await;
    t.ok("coop", &admin, set, json!({ "id": ids[3], "r": [] })).await;
    t.ok(
        "coop",
        &admin,
        "mutation { createMember(input: {firstName: \"Eva\", lastName: \"Essai\", email: \"eva@coop.example\", sendInvitation: true}) { id } }",
        json!({}),
    )
    .await;

    let list = t
        .ok(
            "coop",
            &admin,
            "{ members(orderBy: {field: LOGIN}) { nodes { login roles { role { key } group { name } } groups { name } pendingInvitation { kind } } } }",
            json!({}),
        )
        .await;
    let shown: Vec<Value> = list["members"]["nodes"]
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
        .collect();
    // Roles in the tenant file's order of roles, groups by name key.
    assert_eq!(
        shown,
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
}
