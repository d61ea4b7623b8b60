//! The delivery context's DataLoaders: batching only. The SQL is in the delivery services.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::indicator;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    delivery::interventions::service as interventions,
    graphql::loaders::{LoadError, load_error},
};

/// Indicators each intervention reports on (public reference data, so no row filter).
pub struct InterventionIndicatorsLoader(pub DatabaseConnection);

impl Loader<Uuid> for InterventionIndicatorsLoader {
    type Value = Vec<indicator::Model>;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<indicator::Model>>, LoadError> {
        interventions::indicators_by_intervention(&self.0, ids)
            .await
            .map_err(load_error)
    }
}
