//! Merging two accounts of one person, and reading the audit log.

use crate::support;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use support::{error_code, error_fields, TestApp, COOP};

const MERGE: &str = "mutation($k: ID!, $r: ID!) { mergeMembers(keepId: $k, removeId: $r) { login email secondaryEmail phone roles { role { key } } groups { name } } }";

#[tokio::test]
async fn merge_moves_everything_onto_the_kept_member() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    let keep = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Jo", "lastName": "Lin", "email": "jo@coop.example" }),
        )
        .await;
    let remove = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "Jo", "lastName": "Lin", "email": "jo.lin@perso.example", "phone": "0611223344" }),
        )
        .await;
    let group = t
        .ok(
            "coop",
            &admin,
            "mutation { createGroup(input: {name: \"Caisse\"}) { id } }",
            json!({}),
        )
        .await;
    let group = group["createGroup"]["id"].as_str().unwrap().to_owned();
    t.ok(
        "coop",
        &admin,
        "mutation($g: ID!, $ids: [ID!]) { addMembersToGroup(groupId: $g, selection: {ids: $ids}) { changed } }",
        json!({ "g": group, "ids": [remove] }),
    )
    .await;
    t.ok(
        "coop",
        &admin,
        "mutation($id: ID!) { setMemberRoles(id: $id, roles: [{role: \"member\"}, {role: \"referent\"}]) { id } }",
        json!({ "id": remove }),
    )
    .await;
    let removed_session = t.member_token("coop", &remove, "removed-pw-1").await;

    let merged = t.ok("coop", &admin, MERGE, json!({ "k": keep, "r": remove })).await;
    let m = &merged["mergeMembers"];
    assert_eq!(m["login"], "jo.lin");
    assert_eq!(m["email"], "jo@coop.example", "the kept member's own values win");
    assert_eq!(m["phone"], "0611223344", "empty fields filled from the removed one");
    let roles: Vec<&str> = m["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["referent", "member"],
        "union of roles, in the tenant file's order"
    );
    assert_eq!(m["groups"], json!([{ "name": "Caisse" }]));

    let gone = t
        .ok(
            "coop",
            &admin,
            "query($id: ID!) { member(id: $id) { id } }",
            json!({ "id": remove }),
        )
        .await;
    assert!(gone["member"].is_null());
    // Its search words went with it: none is left under its id.
    let words = entity::member_search_tokens::Entity::find()
        .filter(entity::member_search_tokens::Column::MemberId.eq(remove.parse::<uuid::Uuid>().unwrap()))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(words, 0);
    let me = t.gql("coop", Some(&removed_session), "{ me { id } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "the removed member's sessions end");
    // Its history now points at the kept member.
    let history = t
        .ok(
            "coop",
            &admin,
            "query($id: ID) { auditLog(filter: {targetId: $id}) { nodes { action } } }",
            json!({ "id": keep }),
        )
        .await;
    let actions: Vec<&str> = history["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"member.merged") && actions.contains(&"member.roles_changed"),
        "{actions:?}"
    );
    // The freed address can be found on nobody else now; the removed address is free again.
    let id = t
        .create_member(
            "coop",
            &admin,
            json!({ "firstName": "X", "lastName": "Y", "email": "jo.lin@perso.example" }),
        )
        .await;
    assert!(!id.is_empty());

    let same = t
        .gql("coop", Some(&admin), MERGE, json!({ "k": keep, "r": keep }))
        .await;
    assert_eq!(error_fields(&same), ["removeId"]);
    let unknown = t
        .gql(
            "coop",
            Some(&admin),
            MERGE,
            json!({ "k": keep, "r": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
}

#[tokio::test]
async fn the_audit_log_filters_and_pages_and_needs_its_permission() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            t.create_member(
                "coop",
                &admin,
                json!({ "firstName": "P", "lastName": format!("N{i}"), "email": format!("p{i}@coop.example") }),
            )
            .await,
        );
    }
    t.ok(
        "coop",
        &admin,
        "mutation($ids: [ID!]) { deactivateMembers(selection: {ids: $ids}) { changed } }",
        json!({ "ids": [ids[0]] }),
    )
    .await;
    let page = "query($f: AuditFilter, $after: String) { auditLog(filter: $f, first: 2, after: $after) { totalCount nodes { action targetId actor { login } } pageInfo { hasNextPage endCursor } } }";
    let created = t
        .ok("coop", &admin, page, json!({ "f": { "action": "member.created" } }))
        .await;
    assert_eq!(created["auditLog"]["totalCount"], 5, "admin + four");
    assert_eq!(created["auditLog"]["nodes"][0]["targetId"], ids[3], "newest first");
    let next = created["auditLog"]["pageInfo"]["endCursor"].as_str().unwrap();
    let more = t
        .ok(
            "coop",
            &admin,
            page,
            json!({ "f": { "action": "member.created" }, "after": next }),
        )
        .await;
    assert_eq!(more["auditLog"]["nodes"][0]["targetId"], ids[1]);
    let prefixed = t
        .ok(
            "coop",
            &admin,
            page,
            json!({ "f": { "action": "member.*", "targetId": ids[0] } }),
        )
        .await;
    let actions: Vec<&str> = prefixed["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["member.deactivated", "member.created"]);
    assert_eq!(prefixed["auditLog"]["nodes"][0]["actor"]["login"], "admin");
    let later = t
        .ok(
            "coop",
            &admin,
            page,
            json!({ "f": { "since": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(later["auditLog"]["totalCount"], 0);

    let plain = t.member_token("coop", &ids[1], "plain-member-1").await;
    let refused = t.gql("coop", Some(&plain), page, json!({})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    // Passwords never reach the log.
    let all = t
        .ok(
            "coop",
            &admin,
            "{ auditLog(first: 500) { nodes { details } } }",
            json!({}),
        )
        .await;
    assert!(!all.to_string().contains("correct-horse-battery") && !all.to_string().contains("plain-member-1"));
}
