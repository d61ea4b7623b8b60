//! Per-request DataLoaders: every relation field resolves through one of these, so a nested
//! query costs one statement per relation, not one per row (DESIGN §1.3).
//!
//! Loaders are built for each request and capture its [`Actor`], so a loader that returns rows
//! an actor may not see applies the policy's row filter in the same statement.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{area, organisation, partnership_member};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    auth::Actor,
    error::ApiError,
    policy::{self, PartnershipRole},
};

/// Loader errors must be `Clone`; the GraphQL error is, and it has already been logged.
type LoadError = async_graphql::Error;

fn load_error(err: sea_orm::DbErr) -> LoadError {
    ApiError::from(err).into()
}

/// All loaders of one request.
pub struct Loaders {
    pub areas: DataLoader<AreaLoader>,
    pub organisations: DataLoader<OrganisationLoader>,
    pub members: DataLoader<MembersLoader>,
    pub my_roles: DataLoader<MyRoleLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, actor: &Actor) -> Self {
        let actor = Arc::new(actor.clone());
        Self {
            areas: DataLoader::new(AreaLoader(db.clone()), tokio::spawn),
            organisations: DataLoader::new(OrganisationLoader(db.clone()), tokio::spawn),
            members: DataLoader::new(MembersLoader(db.clone()), tokio::spawn),
            my_roles: DataLoader::new(
                MyRoleLoader {
                    db: db.clone(),
                    actor,
                },
                tokio::spawn,
            ),
        }
    }
}

/// Areas by code (public reference data).
pub struct AreaLoader(DatabaseConnection);

impl Loader<String> for AreaLoader {
    type Value = area::Model;
    type Error = LoadError;

    async fn load(&self, codes: &[String]) -> Result<HashMap<String, area::Model>, LoadError> {
        let rows = area::Entity::find()
            .filter(area::Column::Code.is_in(codes.iter().cloned()))
            .all(&self.0)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.code.clone(), row))
            .collect())
    }
}

/// Organisations by id (every authenticated user may read them, §4.3).
pub struct OrganisationLoader(DatabaseConnection);

impl Loader<Uuid> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, organisation::Model>, LoadError> {
        let rows = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(ids.iter().copied()))
            .all(&self.0)
            .await
            .map_err(load_error)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Members of partnerships, keyed by partnership id. Only reached from a partnership the actor
/// can already see, and every role that sees a partnership sees its members (§4.3).
pub struct MembersLoader(DatabaseConnection);

impl Loader<Uuid> for MembersLoader {
    type Value = Vec<partnership_member::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        partnership_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<partnership_member::Model>>, LoadError> {
        let rows = partnership_member::Entity::find()
            .filter(
                partnership_member::Column::PartnershipId.is_in(partnership_ids.iter().copied()),
            )
            .order_by_asc(partnership_member::Column::JoinedOn)
            .order_by_asc(partnership_member::Column::Id)
            .all(&self.0)
            .await
            .map_err(load_error)?;
        let mut by_partnership: HashMap<Uuid, Vec<_>> = HashMap::new();
        for row in rows {
            by_partnership
                .entry(row.partnership_id)
                .or_default()
                .push(row);
        }
        Ok(by_partnership)
    }
}

/// The actor's effective role per partnership, from one look-up of their organisation's active
/// memberships (cached for the rest of the request).
pub struct MyRoleLoader {
    db: DatabaseConnection,
    actor: Arc<Actor>,
}

impl Loader<Uuid> for MyRoleLoader {
    type Value = PartnershipRole;
    type Error = LoadError;

    async fn load(
        &self,
        partnership_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, PartnershipRole>, LoadError> {
        let memberships = partnership_member::Entity::find()
            .filter(
                partnership_member::Column::PartnershipId.is_in(partnership_ids.iter().copied()),
            )
            .filter(partnership_member::Column::OrganisationId.eq(self.actor.organisation_id))
            .filter(partnership_member::Column::LeftOn.is_null())
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let membership_of: HashMap<Uuid, _> = memberships
            .into_iter()
            .map(|member| (member.partnership_id, member.role))
            .collect();
        Ok(partnership_ids
            .iter()
            .filter_map(|id| {
                policy::effective_role(self.actor.role, membership_of.get(id).copied())
                    .map(|role| (*id, role))
            })
            .collect())
    }
}
