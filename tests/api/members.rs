//! Member administration through GraphQL: create, read, filter, page, update, roles,
//! activation, with the rules of DESIGN.md "Members" and "Tenants".

use crate::support;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use support::client::Client;
use support::{error_code, error_fields, logins, TestApp, COOP, LOGIN};

const MEMBER: &str = "id login email secondaryEmail firstName lastName displayName locale status origin \
                      mustChangePassword hasPassword roles { role { key } group { id } } groups { name }";

/// The co-op, started.
async fn coop() -> TestApp {
    TestApp::with_tenants(&[("coop", COOP)]).await
}

async fn member_count(t: &TestApp) -> u64 {
    entity::members::Entity::find().count(&t.app.db).await.unwrap()
}

#[tokio::test]
async fn create_member_builds_logins_and_applies_defaults() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let query = format!("mutation($i: CreateMemberInput!) {{ createMember(input: $i) {{ {MEMBER} }} }}");
    let first = admin
        .gql(
            &query,
            json!({ "i": { "firstName": "Marie", "lastName": "Dupont", "email": "marie@coop.example" } }),
        )
        .await;
    let m = &first["createMember"];
    assert_eq!(m["login"], "marie.dupont");
    assert_eq!(m["displayName"], "Marie Dupont");
    assert_eq!(m["locale"], "fr", "tenant default");
    assert_eq!(m["status"], "ACTIVE");
    assert_eq!(m["origin"], "MANUAL");
    assert_eq!(
        m["roles"],
        json!([{ "role": { "key": "member" }, "group": null }]),
        "default role"
    );
    assert_eq!(m["mustChangePassword"], true, "on the tenant's default password");
    assert_eq!(m["hasPassword"], true);

    let second = admin
        .gql(
            &query,
            json!({ "i": { "firstName": "Marie", "lastName": "Dupont", "email": "marie2@coop.example" } }),
        )
        .await;
    assert_eq!(second["createMember"]["login"], "marie.dupont2");
    let accented = admin
        .gql(
            &query,
            json!({ "i": { "firstName": "Élodie", "lastName": "Lefèvre-D'Œuf", "email": "e@coop.example" } }),
        )
        .await;
    assert_eq!(accented["createMember"]["login"], "elodie.lefevre-doeuf");
    let given = admin.gql(&query, json!({ "i": { "firstName": "Paul", "lastName": "Z", "login": "PaulZ", "email": "p@coop.example", "password": "set-by-admin-1" } }))
        .await;
    assert_eq!(given["createMember"]["login"], "paulz", "stored lower-case");
    assert_eq!(given["createMember"]["mustChangePassword"], true, "admin-set password");

    // The default password signs in to a restricted session.
    let login = t
        .gql(
            "coop",
            None,
            LOGIN,
            json!({ "i": "marie.dupont", "p": "bienvenue-2026" }),
        )
        .await;
    assert_eq!(login["data"]["login"]["mustChangePassword"], true, "{login}");
    let restricted = login["data"]["login"]["token"].as_str().unwrap();
    let refused = t
        .gql("coop", Some(restricted), "{ members { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&refused), Some("PASSWORD_CHANGE_REQUIRED"));

    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("member.created"))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(audit, 5, "admin + four members");
}

#[tokio::test]
async fn emails_are_unique_across_both_columns_case_insensitively() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    admin.create_member(json!({ "firstName": "A", "lastName": "A", "email": "a@coop.example", "secondaryEmail": "Shared@Coop.example" })).await;
    let before = member_count(&t).await;
    for (input, field) in [
        (
            json!({ "firstName": "B", "lastName": "B", "email": "shared@COOP.example" }),
            "email",
        ),
        (
            json!({ "firstName": "B", "lastName": "B", "email": "b@coop.example", "secondaryEmail": "A@coop.example" }),
            "secondaryEmail",
        ),
        (
            json!({ "firstName": "B", "lastName": "B", "email": "b@coop.example", "secondaryEmail": "B@coop.example" }),
            "secondaryEmail",
        ),
    ] {
        let answer = admin
            .gql_answer(
                "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
        assert_eq!(error_fields(&answer), [field], "{answer}");
    }
    assert_eq!(member_count(&t).await, before, "nothing created");
}

#[tokio::test]
async fn bad_input_names_the_fields_and_changes_nothing() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let before = member_count(&t).await;
    let create = "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }";
    let cases = [
        (
            json!({ "firstName": " ", "lastName": "", "email": "x@coop.example" }),
            vec!["firstName", "lastName"],
        ),
        (
            json!({ "firstName": "x".repeat(101), "lastName": "Ok", "email": "x@coop.example" }),
            vec!["firstName"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "Marie <m@coop.example>" }),
            vec!["email"],
        ),
        (json!({ "firstName": "A", "lastName": "B" }), vec!["email"]),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "login": "jean dupont" }),
            vec!["login"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "phone": "call me" }),
            vec!["phone"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "locale": "de" }),
            vec!["locale"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "password": "short" }),
            vec!["password"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "roles": [{ "role": "king" }] }),
            vec!["roles[0].role"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "groupIds": ["not-a-uuid"] }),
            vec!["groupIds"],
        ),
        (
            json!({ "firstName": "A", "lastName": "B", "email": "x@coop.example", "groupIds": [uuid::Uuid::now_v7().to_string()] }),
            vec!["groupIds"],
        ),
    ];
    for (input, fields) in cases {
        let answer = admin.gql_answer(create, json!({ "i": input })).await;
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{input}: {answer}");
        assert_eq!(error_fields(&answer), fields, "{input}: {answer}");
    }
    // Problems people meet in forms name their sentence, for a frontend to word them.
    let short = json!({ "firstName": "A", "lastName": "", "email": "x@coop.example", "password": "short" });
    let answer = admin.gql_answer(create, json!({ "i": short })).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["fields"],
        json!([
            { "field": "lastName", "message": "must not be empty", "key": "required", "args": {} },
            { "field": "password", "message": "at least 10 characters", "key": "password-short", "args": { "min": "10" } },
        ]),
        "{answer}"
    );
    let bad_id = admin.gql_answer("{ member(id: \"42\") { id } }", json!({})).await;
    assert_eq!(error_fields(&bad_id), ["id"]);
    let both = admin
        .gql_answer(
            "mutation { deactivateMembers(selection: { ids: [], filter: {} }) { matched } }",
            json!({}),
        )
        .await;
    assert_eq!(error_fields(&both), ["selection"], "{both}");
    let neither = admin
        .gql_answer("mutation { deactivateMembers(selection: {}) { matched } }", json!({}))
        .await;
    assert_eq!(error_fields(&neither), ["selection"]);
    assert_eq!(member_count(&t).await, before, "nothing created");
}

#[tokio::test]
async fn a_taken_address_is_said_with_the_other_problems_not_once_they_are_fixed() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin("coop").await;
    admin
        .create_member(json!({ "firstName": "Taken", "lastName": "First", "email": "taken@coop.example" }))
        .await;
    let create = "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }";
    let both = json!({ "firstName": "Second", "lastName": "Try", "email": "TAKEN@coop.example", "phone": "call me" });
    let answer = admin.gql_answer(create, json!({ "i": both })).await;
    let mut fields = error_fields(&answer);
    fields.sort();
    assert_eq!(fields, ["email", "phone"], "{answer}");
    // A malformed address is reported once, as malformed.
    let malformed = json!({ "firstName": "Third", "lastName": "Try", "email": "not-an-address" });
    let answer = admin.gql_answer(create, json!({ "i": malformed })).await;
    assert_eq!(error_fields(&answer), ["email"], "{answer}");
}

async fn seed_people(admin: &Client<'_>) -> Vec<String> {
    let people = [
        ("Hélène", "Dupont", "helene@coop.example"),
        ("Jean", "Dupond", "jean@coop.example"),
        ("Zoé", "Martin", "zoe@coop.example"),
        ("Ahmed", "Benali", "ahmed@coop.example"),
        ("Chloé", "Durand", "chloe@coop.example"),
    ];
    let mut ids = Vec::new();
    for (first, last, email) in people {
        ids.push(
            admin
                .create_member(json!({ "firstName": first, "lastName": last, "email": email }))
                .await,
        );
    }
    ids
}

#[tokio::test]
async fn members_filter_search_and_order() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let ids = seed_people(&admin).await;
    let list = "query($f: MemberFilter, $o: MemberOrder) { members(filter: $f, orderBy: $o, first: 50) { totalCount nodes { login } } }";
    let search = |s: &str| json!({ "f": { "search": s, "status": "ACTIVE" } });

    let found = admin.gql(list, search("dupont")).await;
    assert_eq!(logins(&found), ["helene.dupont"], "a whole word");
    let found = admin.gql(list, search("DUPO")).await;
    assert_eq!(
        logins(&found),
        ["jean.dupond", "helene.dupont"],
        "prefix of a word, ordered by last name"
    );
    let found = admin.gql(list, search("hélène")).await;
    assert_eq!(logins(&found), ["helene.dupont"], "accent-insensitive");
    let found = admin.gql(list, search("zoe@coop")).await;
    assert_eq!(logins(&found), ["zoe.martin"], "email");
    let found = admin.gql(list, search("chloe dur")).await;
    assert_eq!(logins(&found), ["chloe.durand"], "every word must match");
    assert_eq!(found["members"]["totalCount"], 1);

    let by_ids = admin.gql(list, json!({ "f": { "ids": [ids[2], ids[3]] } })).await;
    assert_eq!(logins(&by_ids), ["ahmed.benali", "zoe.martin"]);
    let admins = admin.gql(list, json!({ "f": { "roles": ["admin"] } })).await;
    assert_eq!(logins(&admins), ["admin"]);
    let never = admin.gql(list, json!({ "f": { "neverLoggedIn": false } })).await;
    assert_eq!(logins(&never), ["admin"], "only the admin signed in");
    let must = admin.gql(list, json!({ "f": { "mustChangePassword": true } })).await;
    assert_eq!(must["members"]["totalCount"], 5);
    let origin = admin.gql(list, json!({ "f": { "origin": "MANUAL" } })).await;
    assert_eq!(origin["members"]["totalCount"], 6);

    let by_login = admin
        .gql(list, json!({ "o": { "field": "LOGIN", "direction": "DESC" } }))
        .await;
    assert_eq!(logins(&by_login)[0], "zoe.martin");
    let recent = admin
        .gql(list, json!({ "o": { "field": "CREATED_AT", "direction": "DESC" } }))
        .await;
    assert_eq!(logins(&recent)[0], "chloe.durand");
    let last_login = admin
        .gql(list, json!({ "o": { "field": "LAST_LOGIN_AT", "direction": "DESC" } }))
        .await;
    assert_eq!(
        logins(&last_login)[0],
        "admin",
        "latest sign-in first, never signed in last"
    );

    let unknown_role = admin.gql_answer(list, json!({ "f": { "roles": ["king"] } })).await;
    assert_eq!(error_fields(&unknown_role), ["filter.roles"]);
}

/// "Everyone at this domain" is a common admin search: the domain after an `@` is
/// looked for by its words, which every address at that domain has, a subdomain's
/// included. An address pasted from a mail client is found with its punctuation.
#[tokio::test]
async fn a_search_for_an_email_domain_finds_everyone_at_that_domain() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    seed_people(&admin).await;
    let others = [
        ("Lucie", "Morel", "lucie.morel@velo-asso.fr"),
        ("Paul", "Girard", "p.girard@velo-asso.fr"),
        ("Zoé", "Roux", "zoe@etu.velo-asso.fr"),
        ("Inès", "Velo", "ines@velo.example"),
    ];
    for (first, last, email) in others {
        admin
            .create_member(json!({ "firstName": first, "lastName": last, "email": email }))
            .await;
    }
    let list = "query($f: MemberFilter) { members(filter: $f, first: 50) { totalCount nodes { login } } }";
    let search = |s: &str| json!({ "f": { "search": s } });
    let at_velo_asso = ["paul.girard", "lucie.morel", "zoe.roux"];

    let found = admin.gql(list, search("@velo-asso.fr")).await;
    assert_eq!(logins(&found), at_velo_asso, "by last name, the subdomain's too");
    let found = admin.gql(list, search("@VELO-asso")).await;
    assert_eq!(logins(&found), at_velo_asso, "a domain being typed");
    let found = admin.gql(list, search("Velo-Asso.fr")).await;
    assert_eq!(logins(&found), at_velo_asso, "a domain typed without its @");
    let found = admin.gql(list, search("velo-asso")).await;
    assert_eq!(logins(&found), at_velo_asso, "a domain's name, hyphen and all");
    let found = admin.gql(list, search("Morel-Velo")).await;
    assert_eq!(
        logins(&found),
        ["lucie.morel"],
        "each word of a hyphenated term, when the whole is no word"
    );
    let found = admin.gql(list, search("velo")).await;
    assert_eq!(
        logins(&found),
        ["paul.girard", "lucie.morel", "zoe.roux", "ines.velo"],
        "a word begins a domain as it begins a name"
    );
    let found = admin.gql(list, search("@etu")).await;
    assert_eq!(logins(&found), ["zoe.roux"], "a subdomain");
    let found = admin.gql(list, search("lucie.morel")).await;
    assert_eq!(
        logins(&found),
        ["lucie.morel"],
        "a login found through the address it begins"
    );
    let found = admin.gql(list, search("@velo-asso.fr luc")).await;
    assert_eq!(logins(&found), ["lucie.morel"], "with a name");
    for pasted in [
        "Lucie Morel <lucie.morel@velo-asso.fr>",
        "mailto:lucie.morel@velo-asso.fr;",
        "\"lucie.morel@velo-asso.fr\"",
        "L. Morel.",
    ] {
        let found = admin.gql(list, search(pasted)).await;
        assert_eq!(logins(&found), ["lucie.morel"], "pasted: {pasted}");
    }
    let found = admin.gql(list, search("@coop.example")).await;
    assert_eq!(found["members"]["totalCount"], 6, "the admin and the five seeded");
    let found = admin.gql(list, search("@nowhere.example")).await;
    assert_eq!(found["members"]["totalCount"], 0);
}

#[tokio::test]
async fn cursors_walk_both_ways_in_every_order() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    seed_people(&admin).await;
    let page = "query($o: MemberOrder, $first: Int, $after: String, $last: Int, $before: String) { \
                members(orderBy: $o, first: $first, after: $after, last: $last, before: $before) { \
                nodes { login } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    for field in ["LAST_NAME", "CREATED_AT", "LAST_LOGIN_AT", "LOGIN"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let all = admin.gql(page, json!({ "o": order, "first": 50 })).await;
            let everyone = logins(&all);
            assert_eq!(everyone.len(), 6);
            // Forward two at a time.
            let mut walked = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let data = admin.gql(page, json!({ "o": order, "first": 2, "after": after })).await;
                walked.extend(logins(&data));
                let info = &data["members"]["pageInfo"];
                if info["hasNextPage"] == false {
                    break;
                }
                after = info["endCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(walked, everyone, "forward {field} {direction}");
            // Backward from the end.
            let mut back = Vec::new();
            let mut before: Option<String> = None;
            loop {
                let data = admin
                    .gql(page, json!({ "o": order, "last": 2, "before": before }))
                    .await;
                let mut chunk = logins(&data);
                chunk.extend(back);
                back = chunk;
                let info = &data["members"]["pageInfo"];
                if info["hasPreviousPage"] == false {
                    break;
                }
                before = info["startCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(back, everyone, "backward {field} {direction}");
        }
    }
    let foreign_cursor = admin.gql(page, json!({ "o": { "field": "LOGIN" }, "first": 1 })).await;
    let cursor = foreign_cursor["members"]["pageInfo"]["endCursor"].as_str().unwrap();
    let mixed = admin
        .gql_answer(
            page,
            json!({ "o": { "field": "CREATED_AT" }, "first": 1, "after": cursor }),
        )
        .await;
    assert_eq!(error_fields(&mixed), ["after"], "a cursor of another order");
    let garbage = admin.gql_answer(page, json!({ "first": 1, "after": "garbage" })).await;
    assert_eq!(error_code(&garbage), Some("VALIDATION"));
    let too_many = admin.gql_answer(page, json!({ "first": 501 })).await;
    assert_eq!(error_fields(&too_many), ["first"]);
}

#[tokio::test]
async fn update_member_checks_fields_and_audits_changes() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let ids = seed_people(&admin).await;
    let update = "mutation($id: ID!, $i: UpdateMemberInput!) { updateMember(id: $id, input: $i) { login email phone lastName } }";
    let data = admin.gql(update, json!({ "id": ids[0], "i": { "lastName": "Dupont-Moreau", "phone": "06 12 34 56 78", "login": "helene.dm" } }))
        .await;
    assert_eq!(
        data["updateMember"],
        json!({ "login": "helene.dm", "email": "helene@coop.example", "phone": "06 12 34 56 78", "lastName": "Dupont-Moreau" })
    );
    let found = admin
        .gql(
            "{ members(filter: {search: \"moreau\"}) { nodes { login } } }",
            json!({}),
        )
        .await;
    assert_eq!(logins(&found), ["helene.dm"], "search words follow the change");

    let taken = admin
        .gql_answer(update, json!({ "id": ids[0], "i": { "email": "JEAN@coop.example" } }))
        .await;
    assert_eq!(error_fields(&taken), ["email"]);
    let taken = admin
        .gql_answer(update, json!({ "id": ids[0], "i": { "login": "jean.dupond" } }))
        .await;
    assert_eq!(error_fields(&taken), ["login"]);
    let cleared = admin
        .gql_answer(update, json!({ "id": ids[0], "i": { "email": "" } }))
        .await;
    assert_eq!(error_fields(&cleared), ["email"], "the tenant requires an email");
    let unknown = admin
        .gql_answer(
            update,
            json!({ "id": uuid::Uuid::now_v7().to_string(), "i": { "lastName": "X" } }),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));

    let audit = admin.gql("query($t: ID) { auditLog(filter: {targetId: $t, action: \"member.updated\"}) { nodes { details actor { login } targetMember { lastName } } } }", json!({ "t": ids[0] }))
        .await;
    let entry = &audit["auditLog"]["nodes"][0];
    assert_eq!(entry["actor"]["login"], "admin");
    assert_eq!(
        entry["targetMember"]["lastName"], "Dupont-Moreau",
        "the member as they are now"
    );
    let details: Value = serde_json::from_str(entry["details"].as_str().unwrap()).unwrap();
    assert!(
        details["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "lastName" && c["before"] == "Dupont" && c["after"] == "Dupont-Moreau"),
        "{details}"
    );
}

#[tokio::test]
async fn roles_follow_permissions_and_assignable_lists() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let ids = seed_people(&admin).await;
    let set = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { roles { role { key } } } }";
    let data = admin
        .gql(
            set,
            json!({ "id": ids[0], "r": [{ "role": "coordinator" }, { "role": "member" }] }),
        )
        .await;
    assert_eq!(data["setMemberRoles"]["roles"].as_array().unwrap().len(), 2);
    let coordinator = t.member("coop", &ids[0], "coordinator-pw-1").await;

    let ok = coordinator
        .gql(
            set,
            json!({ "id": ids[1], "r": [{ "role": "referent" }, { "role": "member" }] }),
        )
        .await;
    assert_eq!(
        ok["setMemberRoles"]["roles"][0]["role"]["key"], "referent",
        "in the tenant file's order"
    );
    for (role, why) in [
        ("admin", "carries permissions the coordinator lacks"),
        ("coordinator", "not in the assignable list"),
    ] {
        let refused = coordinator
            .gql_answer(set, json!({ "id": ids[1], "r": [{ "role": role }] }))
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{why}: {refused}");
    }
    // Nor may they take away a role they could not give.
    let admin_member = roster::members::find_by_identifier(&t.app.db, "coop", "admin")
        .await
        .unwrap()
        .unwrap();
    let strip = coordinator
        .gql_answer(set, json!({ "id": admin_member.id.to_string(), "r": [] }))
        .await;
    assert_eq!(error_code(&strip), Some("FORBIDDEN"));
    let own = coordinator
        .gql_answer(set, json!({ "id": ids[0], "r": [{ "role": "member" }] }))
        .await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "own roles: {own}");
    let unknown = admin
        .gql_answer(set, json!({ "id": ids[1], "r": [{ "role": "king" }] }))
        .await;
    assert_eq!(error_fields(&unknown), ["roles[0].role"]);

    // A plain member may do none of it.
    let plain = t.member("coop", &ids[2], "plain-member-pw").await;
    let refused = plain.gql_answer(set, json!({ "id": ids[3], "r": [] })).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let refused = plain.gql_answer("{ members { totalCount } }", json!({})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let created = plain
        .gql_answer(
            "mutation { createMember(input: {firstName: \"X\", lastName: \"Y\", email: \"xy@coop.example\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&created), Some("FORBIDDEN"));
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("member.roles_changed"))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn a_group_scoped_role_applies_to_that_group_only() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let ids = seed_people(&admin).await;
    let group = admin
        .gql("mutation { createGroup(input: {name: \"Légumes\"}) { id } }", json!({}))
        .await;
    let group_id = group["createGroup"]["id"].as_str().unwrap().to_owned();
    admin
        .gql(
            "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { changed } }",
            json!({ "g": group_id, "s": { "ids": [ids[0], ids[1]] } }),
        )
        .await;
    let set = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }";
    admin
        .gql(
            set,
            json!({ "id": ids[2], "r": [{ "role": "member" }, { "role": "coordinator", "groupId": group_id }] }),
        )
        .await;
    let local = t.member("coop", &ids[2], "local-coordinator").await;

    let seen = local.gql("{ members { totalCount nodes { login } } }", json!({})).await;
    assert_eq!(
        logins(&seen),
        ["jean.dupond", "helene.dupont"],
        "only the group's members"
    );
    let outside = local
        .gql("query($id: ID!) { member(id: $id) { id } }", json!({ "id": ids[3] }))
        .await;
    assert!(outside["member"].is_null(), "outside the group reads as unknown");
    let update = "mutation($id: ID!) { updateMember(id: $id, input: {phone: \"0102030405\"}) { phone } }";
    local.gql(update, json!({ "id": ids[0] })).await;
    let refused = local.gql_answer(update, json!({ "id": ids[3] })).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let deactivated = local
        .gql(
            "mutation { deactivateMembers(selection: {filter: {}}) { matched changed } }",
            json!({}),
        )
        .await;
    assert_eq!(
        deactivated["deactivateMembers"],
        json!({ "matched": 2, "changed": 2 }),
        "only within the group"
    );
    let created = local
        .gql_answer(
            "mutation { createMember(input: {firstName: \"N\", lastName: \"N\", email: \"n@coop.example\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&created),
        Some("FORBIDDEN"),
        "must put new members in their group"
    );
    let inside = local.gql("mutation($g: ID!) { createMember(input: {firstName: \"N\", lastName: \"N\", email: \"n@coop.example\", groupIds: [$g]}) { login } }", json!({ "g": group_id }))
        .await;
    assert_eq!(inside["createMember"]["login"], "n.n");
}

#[tokio::test]
async fn deactivation_in_bulk_ends_sessions_and_spares_the_caller() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let ids = seed_people(&admin).await;
    let victim = t.member("coop", &ids[0], "victim-password").await;
    let me = victim.gql("{ me { login } }", json!({})).await;
    assert_eq!(me["me"]["login"], "helene.dupont");

    let all = admin
        .gql(
            "mutation { deactivateMembers(selection: {filter: {}}) { matched changed } }",
            json!({}),
        )
        .await;
    assert_eq!(
        all["deactivateMembers"],
        json!({ "matched": 6, "changed": 5 }),
        "everyone but the caller"
    );
    let me = victim.gql_answer("{ me { login } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "session ended: {me}");
    let login = t
        .gql(
            "coop",
            None,
            LOGIN,
            json!({ "i": "helene.dupont", "p": "victim-password" }),
        )
        .await;
    assert_eq!(error_code(&login), Some("ACCOUNT_DEACTIVATED"));
    let again = admin
        .gql(
            "mutation { deactivateMembers(selection: {filter: {}}) { matched changed } }",
            json!({}),
        )
        .await;
    assert_eq!(again["deactivateMembers"], json!({ "matched": 6, "changed": 0 }));
    let listed = admin
        .gql(
            "{ members(filter: {status: DEACTIVATED}) { totalCount nodes { status deactivatedAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["members"]["totalCount"], 5);
    let at = listed["members"]["nodes"][0]["deactivatedAt"].as_str().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    assert_eq!(
        at.timestamp_subsec_nanos() % 1_000,
        0,
        "stored to the microsecond on every database: {at}"
    );

    let back = admin
        .gql(
            "mutation($ids: [ID!]) { activateMembers(selection: {ids: $ids}) { matched changed } }",
            json!({ "ids": [ids[0], ids[1]] }),
        )
        .await;
    assert_eq!(back["activateMembers"], json!({ "matched": 2, "changed": 2 }));
    t.login("coop", "helene.dupont", "victim-password").await;
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("member.deactivated"))
        .count(&t.app.db)
        .await
        .unwrap();
    assert_eq!(audit, 5);
}

#[tokio::test]
async fn search_pages_match_the_general_path() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    for (first, last) in [
        ("Ana", "Dupont"),
        ("Bea", "Dupond"),
        ("Cid", "Dupont"),
        ("Dan", "Martin"),
        ("Eve", "Dupuis"),
        ("Fay", "Dupont"),
    ] {
        let email = format!("{}@coop.example", first.to_lowercase());
        admin
            .create_member(json!({ "firstName": first, "lastName": last, "email": email }))
            .await;
    }
    // With a status filter the general path answers; without, the ordered word index does.
    let general = admin
        .gql(
            "{ members(filter: {search: \"dup\", status: ACTIVE}, first: 50) { nodes { login } } }",
            json!({}),
        )
        .await;
    let expected = logins(&general);
    assert_eq!(
        expected,
        ["bea.dupond", "ana.dupont", "cid.dupont", "fay.dupont", "eve.dupuis"]
    );
    let page = "query($after: String) { members(filter: {search: \"DUP\"}, first: 2, after: $after) { totalCount nodes { login } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = admin.gql(page, json!({ "after": after })).await;
        assert_eq!(data["members"]["totalCount"], 5);
        assert_eq!(data["members"]["pageInfo"]["hasPreviousPage"], after.is_some());
        walked.extend(logins(&data));
        if data["members"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = data["members"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(walked, expected);
    // A rename moves the member in the index too.
    let ana = admin
        .gql("{ members(filter: {search: \"ana\"}) { nodes { id } } }", json!({}))
        .await;
    let id = ana["members"]["nodes"][0]["id"].clone();
    admin
        .gql(
            "mutation($id: ID!) { updateMember(id: $id, input: {lastName: \"Dupuy\"}) { id } }",
            json!({ "id": id }),
        )
        .await;
    let moved = admin
        .gql(
            "{ members(filter: {search: \"dup\"}, first: 50) { nodes { login } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        logins(&moved),
        ["bea.dupond", "cid.dupont", "fay.dupont", "eve.dupuis", "ana.dupont"]
    );
}

/// A name with an apostrophe is found typed with it, without it, or by its second part;
/// once renamed, by none of those.
#[tokio::test]
async fn names_with_an_apostrophe_are_found_with_or_without_it() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let lea = admin
        .create_member(
            json!({ "firstName": "Léa", "lastName": "D'Aubigné", "login": "lea", "email": "lea@coop.example" }),
        )
        .await;
    admin
        .create_member(
            json!({ "firstName": "Seán", "lastName": "O\u{2019}Neill", "login": "sean", "email": "sean@coop.example" }),
        )
        .await;
    admin
        .create_member(
            json!({ "firstName": "Denis", "lastName": "Aubry", "login": "denis", "email": "denis@coop.example" }),
        )
        .await;
    let search = |text: &'static str| {
        let admin = &admin;
        async move {
            let found = admin
                .gql(
                    "query($s: String) { members(filter: {search: $s}) { nodes { login } } }",
                    json!({ "s": text }),
                )
                .await;
            logins(&found)
        }
    };
    for typed in ["daubigne", "DAubig", "d'aubigné", "D’Aubigné", "aubig", "lea daub"] {
        assert_eq!(search(typed).await, ["lea"], "{typed}");
    }
    for typed in ["oneill", "o'neill", "neil", "O’N"] {
        assert_eq!(search(typed).await, ["sean"], "{typed}");
    }
    assert_eq!(
        search("aub").await,
        ["denis", "lea"],
        "Aubry and Aubigné, in name order"
    );

    admin
        .gql(
            "mutation($id: ID!) { updateMember(id: $id, input: {lastName: \"Dubois\"}) { id } }",
            json!({ "id": lea }),
        )
        .await;
    assert!(
        search("daubigne").await.is_empty(),
        "the joined word went with the name"
    );
    assert_eq!(search("dubois").await, ["lea"]);
}

#[tokio::test]
async fn search_words_cut_by_an_older_version_are_rebuilt_at_start() {
    use entity::{member_search_tokens, roster_meta};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let id = admin.create_member(json!({ "firstName": "Élodie", "lastName": "Dupont", "login": "elodie.dupont12", "email": "e12@coop.example" }))
        .await;
    let db = &t.app.db;
    // As a version-1 database would hold it: one word for "dupont12".
    roster_meta::Entity::update_many()
        .col_expr(roster_meta::Column::Value, Expr::value("1"))
        .exec(db)
        .await
        .unwrap();
    let member = uuid::Uuid::parse_str(&id).unwrap();
    member_search_tokens::Entity::delete_many()
        .filter(member_search_tokens::Column::MemberId.eq(member))
        .exec(db)
        .await
        .unwrap();
    roster::members::search::insert(
        db,
        [(
            "coop".to_owned(),
            "dupont12".to_owned(),
            member,
            "dupont elodie".to_owned(),
        )],
    )
    .await
    .unwrap();

    let rebuilt = roster::members::search::bring_up_to_date(db).await.unwrap();
    assert!(rebuilt >= 2, "every member of every tenant: {rebuilt}");
    let words: Vec<String> = member_search_tokens::Entity::find()
        .select_only()
        .column(member_search_tokens::Column::Token)
        .filter(member_search_tokens::Column::MemberId.eq(member))
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert!(
        words.contains(&"dupont".to_owned()) && words.contains(&"12".to_owned()),
        "{words:?}"
    );
    assert!(!words.contains(&"dupont12".to_owned()));
    assert_eq!(
        roster::members::search::bring_up_to_date(db).await.unwrap(),
        0,
        "done once"
    );
    let found = admin.gql("{ a: members(filter: {search: \"dupo\"}) { totalCount } b: members(filter: {search: \"dupont1\"}) { totalCount } }", json!({}))
        .await;
    assert_eq!(found, json!({ "a": { "totalCount": 1 }, "b": { "totalCount": 1 } }));
}

#[tokio::test]
async fn search_pages_merge_several_words_in_name_order_without_repeats() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    // "ma" covers the words martin, marie, mallet and marchand (names and addresses).
    for (first, last, email) in [
        ("Marie", "Zola", "marie.zola@coop.example"),
        ("Paul", "Martin", "pmartin@coop.example"),
        ("Anne", "Mallet", "anne@coop.example"),
        ("Marie", "Martin", "marie.martin@coop.example"),
        ("Luc", "Dupont", "marchand@coop.example"),
        ("Eve", "Blanc", "eve@coop.example"),
    ] {
        admin
            .create_member(json!({ "firstName": first, "lastName": last, "email": email }))
            .await;
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = admin.gql("query($after: String) { members(first: 2, after: $after, filter: {search: \"ma\"}) { nodes { lastName firstName } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        for node in page["members"]["nodes"].as_array().unwrap() {
            seen.push(format!(
                "{} {}",
                node["lastName"].as_str().unwrap(),
                node["firstName"].as_str().unwrap()
            ));
        }
        if page["members"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["members"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        ["Dupont Luc", "Mallet Anne", "Martin Marie", "Martin Paul", "Zola Marie"]
    );
}

#[tokio::test]
async fn a_search_prefix_covering_many_words_pages_through_every_member_once() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    // "vol" covers more than the merged read's 16 words (volN logins and addresses),
    // and each member has several of them: pages must count members, not words.
    for n in 0..30 {
        admin.create_member(json!({ "firstName": "Val", "lastName": format!("Vol{n:02}"), "login": format!("vol{n}"), "email": format!("vol{n}@coop.example") }),
        )
        .await;
    }
    let everyone = admin
        .gql(
            "{ members(first: 100, filter: {search: \"vol\"}) { totalCount nodes { lastName } } }",
            json!({}),
        )
        .await;
    assert_eq!(everyone["members"]["totalCount"], 30);
    assert_eq!(everyone["members"]["nodes"].as_array().unwrap().len(), 30);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = admin.gql("query($after: String) { members(first: 7, after: $after, filter: {search: \"vol\"}) { nodes { lastName } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let nodes = page["members"]["nodes"].as_array().unwrap();
        seen.extend(nodes.iter().map(|n| n["lastName"].as_str().unwrap().to_owned()));
        if page["members"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        assert_eq!(nodes.len(), 7, "a full page while more follow");
        after = page["members"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let expected: Vec<String> = (0..30).map(|n| format!("Vol{n:02}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_one_word_search_with_a_status_pages_through_that_status_only() {
    let t = TestApp::with_tenants(&[("coop", COOP)]).await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let mut deactivated = Vec::new();
    for i in 0..6 {
        let id = admin
            .create_member(
                json!({ "firstName": format!("Zed{i}"), "lastName": "Zorglub", "email": format!("z{i}@example.org") }),
            )
            .await;
        if i % 2 == 1 {
            deactivated.push(id);
        }
    }
    admin
        .gql(
            "mutation($ids: [ID!]!) { deactivateMembers(selection: {ids: $ids}) { changed } }",
            json!({ "ids": deactivated }),
        )
        .await;
    let query = "query($status: MemberStatus, $after: String) { members(first: 2, after: $after, filter: {search: \"zorglub\", status: $status}) { nodes { firstName status } pageInfo { hasNextPage endCursor } } }";
    for (status, expected) in [
        ("ACTIVE", ["Zed0", "Zed2", "Zed4"]),
        ("DEACTIVATED", ["Zed1", "Zed3", "Zed5"]),
    ] {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = admin.gql(query, json!({ "status": status, "after": after })).await;
            for node in page["members"]["nodes"].as_array().unwrap() {
                assert_eq!(node["status"], status);
                seen.push(node["firstName"].as_str().unwrap().to_owned());
            }
            if page["members"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["members"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, expected, "{status}");
    }
}

/// A form with several problems hears of all of them at once — an unknown role, a taken
/// address and a taken login (in any case) — and an unknown role says what would do:
/// the key of the role whose label was given, or the tenant's roles.
#[tokio::test]
async fn a_refused_form_lists_every_problem_and_unknown_roles_say_what_would_do() {
    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    let ids = seed_people(&admin).await;
    let logins = admin
        .gql("{ members(first: 50) { nodes { login email } } }", json!({}))
        .await;
    let helene_login = logins["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "helene@coop.example")
        .map(|m| m["login"].as_str().unwrap().to_uppercase())
        .unwrap();
    let create = "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }";
    let refused = admin
        .gql_answer(
            create,
            json!({ "i": { "firstName": "Jean", "lastName": "Test", "email": "jean@coop.example", "login": helene_login,
                           "roles": [{ "role": "tresorier" }, { "role": "Référent producteur" }] } }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"));
    let mut fields = error_fields(&refused);
    fields.sort();
    assert_eq!(
        fields,
        ["email", "login", "roles[0].role", "roles[1].role"],
        "{refused}"
    );
    let problems = refused["errors"][0]["extensions"]["fields"].as_array().unwrap();
    let problem = |field: &str| problems.iter().find(|p| p["field"] == field).unwrap().clone();
    assert_eq!(problem("roles[0].role")["key"], "role-unknown");
    assert!(
        problem("roles[0].role")["message"]
            .as_str()
            .unwrap()
            .contains("admin, coordinator, referent, member"),
        "{refused}"
    );
    assert_eq!(problem("roles[1].role")["key"], "role-label-given");
    assert_eq!(problem("roles[1].role")["args"]["key"], "referent", "{refused}");
    assert_eq!(problem("login")["key"], "login-taken");

    // A form otherwise right still hears of both taken identifiers at once.
    let taken = admin
        .gql_answer(
            create,
            json!({ "i": { "firstName": "Jean", "lastName": "Test", "email": "jean@coop.example", "login": helene_login } }),
        )
        .await;
    let mut fields = error_fields(&taken);
    fields.sort();
    assert_eq!(fields, ["email", "login"], "{taken}");

    let set_roles = "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }";
    let unknown = admin
        .gql_answer(
            set_roles,
            json!({ "id": ids[0], "r": [{ "role": "x" }, { "role": "member" }, { "role": "y" }] }),
        )
        .await;
    assert_eq!(error_fields(&unknown), ["roles[0].role", "roles[2].role"], "{unknown}");
}

/// Keys sort and match as bytes on both databases, whatever PostgreSQL's locale: logins
/// that differ only by punctuation list in byte order, and a search for a login being
/// typed ("anne.m") finds the login with that dot, not the ones without. On PostgreSQL
/// no text column of Roster's tables has another collation than "C" (two columns of different collations
/// cannot be compared in a query), on SQLite none declares one.
#[tokio::test]
async fn keys_sort_and_match_as_bytes_and_every_text_column_compares_so() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let t = coop().await;
    let admin = t.admin_as("coop", "admin@coop.example").await;
    for (n, login) in ["annemarie", "anne_marie", "anne.marie", "anne-marie"]
        .iter()
        .enumerate()
    {
        let email = format!("anne{n}@coop.example");
        admin
            .create_member(json!({ "login": login, "email": email, "firstName": "Anne", "lastName": "Marie" }))
            .await;
    }
    let list =
        "query($f: MemberFilter, $o: MemberOrder) { members(filter: $f, orderBy: $o, first: 50) { nodes { login } } }";
    let by_login = admin
        .gql(
            list,
            json!({ "f": { "search": "anne" }, "o": { "field": "LOGIN", "direction": "ASC" } }),
        )
        .await;
    assert_eq!(
        logins(&by_login),
        ["anne-marie", "anne.marie", "anne_marie", "annemarie"],
        "byte order: '-' (2D) before '.' (2E) before '_' (5F) before letters"
    );
    let typed = admin.gql(list, json!({ "f": { "search": "anne.m" } })).await;
    assert_eq!(logins(&typed), ["anne.marie"]);

    let db = &t.app.db;
    let backend = db.get_database_backend();
    let other_collations = match backend {
        DbBackend::Postgres => {
            "SELECT c.relname || '.' || a.attname AS name FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'seaql_migrations' \
             AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN ('varchar'::regtype, 'text'::regtype) \
             AND a.attcollation <> (SELECT oid FROM pg_collation WHERE collname = 'C')"
        }
        _ => "SELECT name FROM sqlite_master WHERE sql LIKE '%COLLATE%'",
    };
    let rows = db
        .query_all(Statement::from_string(backend, other_collations))
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.try_get("", "name").unwrap()).collect();
    assert!(names.is_empty(), "text columns with another collation: {names:?}");
}
