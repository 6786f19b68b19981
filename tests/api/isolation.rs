//! Tenant isolation: another tenant's ids behave as unknown on every operation, and
//! another tenant's token opens nothing.

use crate::support;

use serde_json::{json, Value};
use support::{error_code, error_fields, TestApp, COOP};

/// The co-op and another organization, started; the co-op admin's token and the id of
/// Vic Tim, a member of the co-op.
async fn coop_and_another_with_a_victim() -> (TestApp, String, String) {
    let other = COOP.replace("Supercoop", "Other Org");
    let t = TestApp::with_tenants(&[("coop", COOP), ("other", &other)]).await;
    let coop_admin = t.admin_token("coop", "admin@coop.example").await;
    let victim = t
        .create_member(
            "coop",
            &coop_admin,
            json!({ "firstName": "Vic", "lastName": "Tim", "email": "vic@coop.example" }),
        )
        .await;
    (t, coop_admin, victim)
}

#[tokio::test]
async fn foreign_ids_and_tokens_reach_nothing() {
    let (t, coop_admin, victim) = coop_and_another_with_a_victim().await;
    let intruder = t.admin_token("other", "admin@other.example").await;
    let group = t
        .ok(
            "coop",
            &coop_admin,
            "mutation { createGroup(input: {name: \"Secret\"}) { id } }",
            json!({}),
        )
        .await;
    let group = group["createGroup"]["id"].as_str().unwrap().to_owned();
    let own = t
        .create_member(
            "other",
            &intruder,
            json!({ "firstName": "Own", "lastName": "One", "email": "own@other.example" }),
        )
        .await;
    let own_group = t
        .ok(
            "other",
            &intruder,
            "mutation { createGroup(input: {name: \"Mine\"}) { id } }",
            json!({}),
        )
        .await;
    let own_group = own_group["createGroup"]["id"].as_str().unwrap().to_owned();
    let vars = json!({ "m": victim, "g": group, "own": own, "og": own_group });

    // Queries: null or empty.
    let reads: [(&str, &str); 5] = [
        ("query($m: ID!) { member(id: $m) { id } }", "/member"),
        ("query($g: ID!) { group(id: $g) { id } }", "/group"),
        (
            "query($m: ID!) { members(filter: {ids: [$m]}) { totalCount } }",
            "/members/totalCount",
        ),
        (
            "query($g: ID!) { members(filter: {groupIds: [$g]}) { totalCount } }",
            "/members/totalCount",
        ),
        (
            "query($m: ID) { auditLog(filter: {targetId: $m}) { totalCount } }",
            "/auditLog/totalCount",
        ),
    ];
    for (query, pointer) in reads {
        let data = t.ok("other", &intruder, query, vars.clone()).await;
        let value = data.pointer(pointer).unwrap();
        assert!(value.is_null() || value == &json!(0), "{query}: {data}");
    }
    let groups = t.ok("other", &intruder, "{ groups { name } }", json!({})).await;
    assert_eq!(groups["groups"], json!([{ "name": "Mine" }]));

    // Mutations on a foreign id: NOT_FOUND.
    let not_found = [
        "mutation($m: ID!) { updateMember(id: $m, input: {lastName: \"X\"}) { id } }",
        "mutation($m: ID!) { setMemberRoles(id: $m, roles: []) { id } }",
        "mutation($m: ID!, $own: ID!) { mergeMembers(keepId: $own, removeId: $m) { id } }",
        "mutation($m: ID!, $own: ID!) { mergeMembers(keepId: $m, removeId: $own) { id } }",
        "mutation($g: ID!) { updateGroup(id: $g, input: {name: \"X\"}) { id } }",
        "mutation($g: ID!) { deleteGroup(id: $g) }",
        "mutation($g: ID!) { addMembersToGroup(groupId: $g, selection: {filter: {}}) { changed } }",
        "mutation($g: ID!) { removeMembersFromGroup(groupId: $g, selection: {filter: {}}) { changed } }",
    ];
    for query in not_found {
        let answer = t.gql("other", Some(&intruder), query, vars.clone()).await;
        assert_eq!(error_code(&answer), Some("NOT_FOUND"), "{query}: {answer}");
    }
    // Selections naming foreign members match nothing.
    let selections = [
        ("mutation($m: ID!) { deactivateMembers(selection: {ids: [$m]}) { matched changed } }", "/deactivateMembers"),
        ("mutation($m: ID!) { activateMembers(selection: {ids: [$m]}) { matched changed } }", "/activateMembers"),
        ("mutation($m: ID!, $og: ID!) { addMembersToGroup(groupId: $og, selection: {ids: [$m]}) { matched changed } }", "/addMembersToGroup"),
        ("mutation($g: ID!) { deactivateMembers(selection: {filter: {groupIds: [$g]}}) { matched changed } }", "/deactivateMembers"),
    ];
    for (query, pointer) in selections {
        let data = t.ok("other", &intruder, query, vars.clone()).await;
        assert_eq!(
            data.pointer(pointer).unwrap(),
            &json!({ "matched": 0, "changed": 0 }),
            "{query}"
        );
    }
    // Foreign groups given as references: VALIDATION naming the field.
    let create = t
        .gql("other", Some(&intruder), "mutation($g: ID!) { createMember(input: {firstName: \"A\", lastName: \"B\", email: \"ab@other.example\", groupIds: [$g]}) { id } }", vars.clone())
        .await;
    assert_eq!(error_fields(&create), ["groupIds"], "{create}");
    let scoped = t
        .gql("other", Some(&intruder), "mutation($own: ID!, $g: ID!) { setMemberRoles(id: $own, roles: [{role: \"referent\", groupId: $g}]) { id } }", vars.clone())
        .await;
    assert_eq!(error_fields(&scoped), ["roles[0].groupId"], "{scoped}");

    // The coop's token opens nothing in the other tenant.
    let every_operation: [(&str, Value); 6] = [
        ("{ members { totalCount } }", json!({})),
        ("{ groups { id } }", json!({})),
        (
            "mutation($own: ID!) { updateMember(id: $own, input: {lastName: \"X\"}) { id } }",
            vars.clone(),
        ),
        (
            "mutation { deactivateMembers(selection: {filter: {}}) { changed } }",
            json!({}),
        ),
        ("mutation { createGroup(input: {name: \"X\"}) { id } }", json!({})),
        ("{ auditLog { totalCount } }", json!({})),
    ];
    for (query, v) in every_operation {
        let answer = t.gql("other", Some(&coop_admin), query, v).await;
        assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"), "{query}: {answer}");
    }

    // Nothing of the coop changed.
    let victim_now = t
        .ok(
            "coop",
            &coop_admin,
            "query($m: ID!) { member(id: $m) { lastName status roles { role { key } } } }",
            vars.clone(),
        )
        .await;
    assert_eq!(
        victim_now["member"],
        json!({ "lastName": "Tim", "status": "ACTIVE", "roles": [{ "role": { "key": "member" } }] })
    );
    let group_now = t
        .ok("coop", &coop_admin, "query($g: ID!) { group(id: $g) { name } }", vars)
        .await;
    assert_eq!(group_now["group"]["name"], "Secret");
}

#[tokio::test]
async fn imports_exports_and_download_links_stay_in_their_tenant() {
    let other = COOP.replace("Supercoop", "Other Org");
    let t = TestApp::with_tenants(&[("coop", COOP), ("other", &other)]).await;
    let coop_admin = t.admin_token("coop", "admin@coop.example").await;
    let intruder = t.admin_token("other", "admin@other.example").await;
    t.create_member(
        "coop",
        &coop_admin,
        json!({ "firstName": "Vic", "lastName": "Tim", "email": "vic@coop.example" }),
    )
    .await;
    let start = "mutation($input: StartImportInput!) { startImport(input: $input) { id status summary { create deactivate } errorReport { url } } }";
    let file = "email;prénom;nom\nvic@coop.example;Vic;Tim\nnot an address;A;B\n";
    let coop_job = t
        .upload(
            "coop",
            &coop_admin,
            start,
            json!({ "input": { "mode": "CREATE", "file": null } }),
            ("a.csv", file.into()),
        )
        .await;
    let coop_job = &coop_job["data"]["startImport"];
    let vars = json!({ "id": coop_job["id"] });

    let read = t
        .ok(
            "other",
            &intruder,
            "query($id: ID!) { importJob(id: $id) { id } importJobs { totalCount } }",
            vars.clone(),
        )
        .await;
    assert_eq!(read, json!({ "importJob": null, "importJobs": { "totalCount": 0 } }));
    for mutation in [
        "mutation($id: ID!) { applyImport(id: $id, skipInvalidRows: true) { id } }",
        "mutation($id: ID!) { cancelImport(id: $id) { id } }",
        "mutation($id: ID!) { undoImport(id: $id) { id } }",
    ] {
        let answer = t.gql("other", Some(&intruder), mutation, vars.clone()).await;
        assert_eq!(error_code(&answer), Some("NOT_FOUND"), "{mutation}: {answer}");
    }
    // A link signed for the coop is refused under another tenant's path.
    let url = coop_job["errorReport"]["url"].as_str().unwrap();
    let (status, ..) = t.fetch(&url.replace("/t/coop/", "/t/other/")).await;
    assert_eq!(status, 404);
    let (status, ..) = t.fetch(url).await;
    assert_eq!(status, 200);

    // The other tenant's SYNC sees only its own members: nothing of the coop moves.
    let sync = t
        .upload(
            "other",
            &intruder,
            start,
            json!({ "input": { "mode": "SYNC", "file": null } }),
            ("b.csv", file.into()),
        )
        .await;
    assert_eq!(
        sync["data"]["startImport"]["summary"],
        json!({ "create": 1, "deactivate": 0 }),
        "{sync}"
    );
    let export = t.ok("other", &intruder, "{ exportMembers { url } }", json!({})).await;
    let (_, _, _, body) = t.fetch(export["exportMembers"]["url"].as_str().unwrap()).await;
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains("vic@coop.example"), "{text}");
    // The coop's token opens nothing there.
    let answer = t
        .gql("other", Some(&coop_admin), "{ importJobs { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&answer), Some("UNAUTHENTICATED"));
}

/// The domain's writes by member id carry the tenant they act for: an id of another
/// tenant, however it reached them, changes nothing there.
#[tokio::test]
async fn member_writes_by_id_stay_in_their_tenant() {
    use roster::members::{write, Status};
    use sea_orm::EntityTrait;

    let (t, _, victim) = coop_and_another_with_a_victim().await;
    let id = uuid::Uuid::parse_str(&victim).unwrap();
    let before = entity::members::Entity::find_by_id(id)
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();

    let now = chrono::Utc::now();
    let expected = [
        ("other", (before.status, before.version)),
        ("coop", (Status::Deactivated, before.version + 2)),
    ];
    for (tenant, (status, version)) in expected {
        write::set_status(&t.app.db, tenant, &[id], Status::Deactivated, now)
            .await
            .unwrap();
        write::bump_versions(&t.app.db, tenant, &[id], now).await.unwrap();
        let after = entity::members::Entity::find_by_id(id)
            .one(&t.app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((after.status, after.version), (status, version), "acting for {tenant}");
    }
}
