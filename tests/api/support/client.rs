//! A signed-in client of one tenant: the tenant and the session token travel with it,
//! so a test names the request it sends (`admin.create_member(input)`) and nothing else.

use serde_json::{json, Value};

use super::TestApp;

/// Someone signed in to one tenant, sending GraphQL as a frontend would.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub tenant: String,
    pub token: String,
}

impl TestApp {
    /// The tenant's admin, `admin@{tenant}.example.org`, created with a known password and signed in.
    pub async fn admin(&self, tenant: &str) -> Client<'_> {
        self.admin_as(tenant, &format!("admin@{tenant}.example.org")).await
    }

    /// An admin with the given address, created with a known password and signed in.
    pub async fn admin_as(&self, tenant: &str, email: &str) -> Client<'_> {
        let token = self.admin_token(tenant, email).await;
        self.signed_in(tenant, token)
    }

    /// An existing member, given a known password and signed in with it.
    pub async fn member(&self, tenant: &str, member_id: &str, password: &str) -> Client<'_> {
        let token = self.member_token(tenant, member_id, password).await;
        self.signed_in(tenant, token)
    }

    /// The client of a session the test already holds the token of (from `login`,
    /// `register` or `changePassword`).
    pub fn signed_in(&self, tenant: &str, token: String) -> Client<'_> {
        Client {
            app: self,
            tenant: tenant.to_owned(),
            token,
        }
    }
}

impl<'a> Client<'a> {
    /// Sends GraphQL and returns its `data`; panics with the answer if it has errors.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.app.ok(&self.tenant, &self.token, query, variables).await
    }

    /// Sends GraphQL and returns the whole answer, for a test that expects a refusal.
    pub async fn gql_answer(&self, query: &str, variables: Value) -> Value {
        self.app.gql(&self.tenant, Some(&self.token), query, variables).await
    }

    /// `me`: the signed-in member's id, login, email and mustChangePassword; null once
    /// the session has ended.
    pub async fn me(&self) -> Value {
        self.gql("{ me { id login email mustChangePassword } }", json!({}))
            .await["me"]
            .clone()
    }

    /// `changePassword`: the client of the session it opens (it ends every other session
    /// of the member, this one included).
    pub async fn change_password(&self, current: &str, new: &str) -> Client<'a> {
        let data = self
            .gql(
                "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }",
                json!({ "c": current, "n": new }),
            )
            .await;
        let token = data["changePassword"]["token"].as_str().unwrap().to_owned();
        self.app.signed_in(&self.tenant, token)
    }

    /// `createMember`: the new member's id.
    pub async fn create_member(&self, input: Value) -> String {
        self.app.create_member(&self.tenant, &self.token, input).await
    }

    /// `member(id)`: who the member is, their state, roles and groups.
    pub async fn member(&self, id: &str) -> Value {
        const MEMBER: &str = "query($id: ID!) { member(id: $id) { login email firstName lastName phone status origin \
                              roles { role { key } } groups { name } } }";
        self.gql(MEMBER, json!({ "id": id })).await["member"].clone()
    }

    /// `members(filter)`: how many members match.
    pub async fn member_count(&self, filter: Value) -> i64 {
        let data = self
            .gql(
                "query($f: MemberFilter) { members(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await;
        data["members"]["totalCount"].as_i64().unwrap()
    }

    /// `setMemberRoles(id, roles)`: replaces the member's roles.
    pub async fn set_member_roles(&self, id: &str, roles: Value) {
        self.gql(
            "mutation($id: ID!, $r: [RoleAssignmentInput!]!) { setMemberRoles(id: $id, roles: $r) { id } }",
            json!({ "id": id, "r": roles }),
        )
        .await;
    }

    /// `updateMember(id, input)`.
    pub async fn update_member(&self, id: &str, input: Value) {
        self.gql(
            "mutation($id: ID!, $i: UpdateMemberInput!) { updateMember(id: $id, input: $i) { id } }",
            json!({ "id": id, "i": input }),
        )
        .await;
    }
}
