//! GraphQL `ID`s read as our UUIDs.

use async_graphql::ID;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Reads a GraphQL ID as one of our UUIDs; anything else is VALIDATION on `field`.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| Error::invalid(field, "not a valid id"))
}

/// Reads a list of ids; the first bad one is VALIDATION on `field`.
pub fn parse_ids(field: &str, ids: &[ID]) -> Result<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}
