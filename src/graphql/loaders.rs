//! What related fields need, loaded for a whole page at once: a list of 50 members asking
//! for their roles, groups and pending invitation, or 50 import changes asking for their
//! member, costs a few queries, not 150. One loader per request, as it is bound to the
//! request's tenant. A member list goes further: what its query asks of the page's
//! members is loaded by the list's own resolver ([`preload_page`]), with no batch to wait for.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use uuid::Uuid;

use crate::app::App;
use crate::config::Tenant;
use crate::error::Error;
use entity::{groups, invitations, members, role_assignments};

/// The roles a member holds (see [`crate::members::roles_held`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RolesOf(pub Uuid);

/// The groups a member belongs to, manual and smart.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupsOf(pub Uuid);

/// A member's latest pending invitation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PendingInvitationOf(pub Uuid);

/// The roles one member holds, each with the group it is limited to.
pub type RolesHeld = Vec<(role_assignments::Model, Option<groups::Model>)>;

/// What a listed member's related fields show, loaded with its page; None where the query
/// did not ask for it (the field then goes through the loader).
#[derive(Clone, Default)]
pub struct Preloaded {
    /// `roles`.
    pub roles: Option<RolesHeld>,
    /// `groups`.
    pub groups: Option<Vec<groups::Model>>,
    /// `pendingInvitation` (Some(None): the member has none, or none the caller may see).
    pub pending_invitation: Option<Option<invitations::Model>>,
}

/// The related rows that the current connection field's selection (`edges { node { … } }`
/// or `nodes { … }`) asks of the members `ids`, one query per relation for the whole page,
/// run side by side. A page asking for none of them costs nothing.
pub async fn preload_page(ctx: &Context<'_>, ids: &[Uuid]) -> Result<HashMap<Uuid, Preloaded>, Error> {
    let selection = ctx.look_ahead();
    let member = [selection.field("edges").field("node"), selection.field("nodes")];
    let asks = |field: &str| member.iter().any(|node| node.field(field).exists());
    let (wants_roles, wants_groups, wants_pending) = (asks("roles"), asks("groups"), asks("pendingInvitation"));
    if !(wants_roles || wants_groups || wants_pending) {
        return Ok(HashMap::new());
    }
    let relations = relations(ctx).loader();
    let (db, tenant) = (&relations.app.db, &relations.tenant);
    // Whose invitations the caller may see is decided once for the page; the others'
    // show as none.
    let visible = match wants_pending {
        true => {
            let caller = crate::graphql::caller_even_restricted(ctx).await?;
            crate::invitations::pending_visible_among(db, &caller, ids).await?
        }
        false => Vec::new(),
    };
    let (mut roles, mut groups, mut pending) = tokio::try_join!(
        when(wants_roles, crate::members::roles_held(db, tenant, ids)),
        when(wants_groups, crate::groups::groups_of_members(db, tenant, ids)),
        when(
            wants_pending,
            crate::invitations::pending_of(db, &tenant.slug, &visible)
        ),
    )?;
    Ok(ids
        .iter()
        .map(|id| {
            let preloaded = Preloaded {
                roles: roles.as_mut().map(|held| held.remove(id).unwrap_or_default()),
                groups: groups.as_mut().map(|found| found.remove(id).unwrap_or_default()),
                pending_invitation: pending.as_mut().map(|found| found.remove(id)),
            };
            (*id, preloaded)
        })
        .collect())
}

/// The related rows `key` names: those the member's list loaded with its page when it
/// did (`preloaded`, Some(None) meaning none), else through the request's loader.
pub async fn preloaded_or_loaded<K>(
    ctx: &Context<'_>,
    preloaded: Option<Option<<MemberRelations as Loader<K>>::Value>>,
    key: K,
) -> Result<Option<<MemberRelations as Loader<K>>::Value>, Error>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    MemberRelations: Loader<K, Error = Error>,
{
    match preloaded {
        Some(found) => Ok(found),
        None => relations(ctx).load_one(key).await,
    }
}

/// `load`'s result when `asked`, else None without running it.
async fn when<T>(asked: bool, load: impl std::future::Future<Output = Result<T, Error>>) -> Result<Option<T>, Error> {
    if asked {
        load.await.map(Some)
    } else {
        Ok(None)
    }
}

/// A member by id: `createdBy`, `invitedBy`, `actor` and the like.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemberById(pub Uuid);

/// Loads members, and members' related rows, within one tenant.
pub struct MemberRelations {
    app: App,
    tenant: Arc<Tenant>,
}

/// The loader of one request (GraphQL over HTTP, or one WebSocket connection).
pub fn member_relations(app: &App, tenant: &Arc<Tenant>) -> DataLoader<MemberRelations> {
    let relations = MemberRelations {
        app: app.clone(),
        tenant: tenant.clone(),
    };
    // Long enough for the sibling nodes of a list, resolved in one pass, to join the batch.
    DataLoader::new(relations, tokio::spawn).delay(Duration::from_micros(200))
}

/// The request's loader.
pub fn relations<'a>(ctx: &Context<'a>) -> &'a DataLoader<MemberRelations> {
    ctx.data_unchecked::<DataLoader<MemberRelations>>()
}

/// The member `id` names, loaded with those of the sibling rows; None without an id, or
/// for a member since removed.
pub async fn member(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<members::Model>, Error> {
    match id {
        Some(id) => relations(ctx).load_one(MemberById(id)).await,
        None => Ok(None),
    }
}

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| id(*k)).collect()
}

impl Loader<RolesOf> for MemberRelations {
    type Value = RolesHeld;
    type Error = Error;

    async fn load(&self, keys: &[RolesOf]) -> Result<HashMap<RolesOf, Self::Value>, Error> {
        let held = crate::members::roles_held(&self.app.db, &self.tenant, &ids(keys, |k| k.0)).await?;
        Ok(held.into_iter().map(|(id, roles)| (RolesOf(id), roles)).collect())
    }
}

impl Loader<GroupsOf> for MemberRelations {
    type Value = Vec<groups::Model>;
    type Error = Error;

    async fn load(&self, keys: &[GroupsOf]) -> Result<HashMap<GroupsOf, Self::Value>, Error> {
        let found = crate::groups::groups_of_members(&self.app.db, &self.tenant, &ids(keys, |k| k.0)).await?;
        Ok(found.into_iter().map(|(id, groups)| (GroupsOf(id), groups)).collect())
    }
}

impl Loader<PendingInvitationOf> for MemberRelations {
    type Value = invitations::Model;
    type Error = Error;

    async fn load(&self, keys: &[PendingInvitationOf]) -> Result<HashMap<PendingInvitationOf, Self::Value>, Error> {
        let found = crate::invitations::pending_of(&self.app.db, &self.tenant.slug, &ids(keys, |k| k.0)).await?;
        Ok(found
            .into_iter()
            .map(|(id, invitation)| (PendingInvitationOf(id), invitation))
            .collect())
    }
}

impl Loader<MemberById> for MemberRelations {
    type Value = members::Model;
    type Error = Error;

    async fn load(&self, keys: &[MemberById]) -> Result<HashMap<MemberById, Self::Value>, Error> {
        let found = crate::members::find_many(&self.app.db, &self.tenant.slug, &ids(keys, |k| k.0)).await?;
        Ok(found.into_iter().map(|m| (MemberById(m.id), m)).collect())
    }
}
