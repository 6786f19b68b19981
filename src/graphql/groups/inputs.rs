//! What group mutations take.

use async_graphql::InputObject;

use crate::error::Result;
use crate::graphql::members::MemberFilterInput;
use crate::groups::GroupInput;

/// A group's name, description and rule; updateGroup replaces all three.
#[derive(InputObject)]
#[graphql(name = "GroupInput")]
pub struct GroupInputObject {
    /// Unique in the tenant, case-insensitively; 1 to 100 characters after trimming.
    pub name: String,
    /// Free text, at most 2000 characters; absent or empty: none.
    pub description: Option<String>,
    /// Makes it a smart group: its members are whoever this filter selects when asked.
    /// Absent: a manual group (a smart group updated without a rule becomes manual, empty).
    pub rule: Option<MemberFilterInput>,
}

impl GroupInputObject {
    /// The domain input; a bad id in the rule is VALIDATION under `rule`.
    pub fn into_domain(self) -> Result<GroupInput> {
        Ok(GroupInput {
            name: self.name,
            description: self.description,
            rule: self.rule.map(|r| r.into_domain("rule")).transpose()?,
        })
    }
}
