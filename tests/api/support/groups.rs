//! The group requests a frontend sends, on a signed-in [`Client`].

use serde_json::{json, Value};

use super::client::Client;

impl Client<'_> {
    /// `createGroup`: the new group's id.
    pub async fn create_group(&self, input: Value) -> String {
        let data = self
            .gql(
                "mutation($i: GroupInput!) { createGroup(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        data["createGroup"]["id"].as_str().unwrap().to_owned()
    }

    /// `group(id)`: its name, description, kind, and first ten members.
    pub async fn group(&self, id: &str) -> Value {
        const GROUP: &str = "query($id: ID!) { group(id: $id) { name description smart memberCount \
                             members(first: 10) { totalCount nodes { login } } } }";
        self.gql(GROUP, json!({ "id": id })).await["group"].clone()
    }

    /// `addMembersToGroup`: how many members the selection matched and how many it changed.
    pub async fn add_members_to_group(&self, group: &str, selection: Value) -> Value {
        self.gql(
            "mutation($g: ID!, $s: MemberSelection!) { addMembersToGroup(groupId: $g, selection: $s) { matched changed } }",
            json!({ "g": group, "s": selection }),
        )
        .await["addMembersToGroup"]
            .clone()
    }

    /// `removeMembersFromGroup`: how many members the selection matched and how many it changed.
    pub async fn remove_members_from_group(&self, group: &str, selection: Value) -> Value {
        self.gql(
            "mutation($g: ID!, $s: MemberSelection!) { removeMembersFromGroup(groupId: $g, selection: $s) { matched changed } }",
            json!({ "g": group, "s": selection }),
        )
        .await["removeMembersFromGroup"]
            .clone()
    }
}
