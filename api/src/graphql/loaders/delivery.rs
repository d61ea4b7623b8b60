//! The delivery context's DataLoaders: batching only. The SQL is in the delivery services; the
//! access log's paging stays here because pages are a GraphQL concern.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{audit_event, indicator};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    delivery::{interventions::service as interventions, participants::service as participants},
    graphql::{
        loaders::{LoadError, load_error},
        pagination::{ChildPage, PageRequest, fetch_pages_by_parent},
    },
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

/// Participants' access logs (newest first), one page per participant, in two statements for any
/// number of participants. Reached only after `policy::may_read_access_log`.
pub struct AccessLogLoader(pub DatabaseConnection);

impl Loader<(String, PageRequest)> for AccessLogLoader {
    type Value = ChildPage<audit_event::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(String, PageRequest)],
    ) -> Result<HashMap<(String, PageRequest), ChildPage<audit_event::Model>>, LoadError> {
        let mut by_page: HashMap<PageRequest, Vec<String>> = HashMap::new();
        for (participant_id, page) in keys {
            by_page
                .entry(*page)
                .or_default()
                .push(participant_id.clone());
        }
        let mut loaded = HashMap::new();
        for (page, participant_ids) in by_page {
            let pages = fetch_pages_by_parent(
                &self.0,
                participants::access_log(),
                (audit_event::Column::EntityId, audit_event::Column::Id),
                &participant_ids,
                page,
                |row| row.entity_id.clone(),
            )
            .await
            .map_err(load_error)?;
            loaded.extend(
                pages
                    .into_iter()
                    .map(|(participant_id, rows)| ((participant_id, page), rows)),
            );
        }
        Ok(loaded)
    }
}
