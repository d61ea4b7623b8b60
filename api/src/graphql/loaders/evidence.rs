//! Loaders of the evidence context: batching only; the SQL is in the evidence services.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::outcome_record;
use sea_orm::{Condition, DatabaseConnection};
use uuid::Uuid;

use super::{LoadError, load_error};
use crate::{access::auth::Actor, evidence::outcome_records::service as outcome_records};

/// Outcome records of submissions, keyed by submission id, in the order they were recorded,
/// under the actor's row filter, each with its participant's id for the access log.
pub struct SubmissionRecordsLoader {
    pub db: DatabaseConnection,
    pub actor: Arc<Actor>,
}

impl Loader<Uuid> for SubmissionRecordsLoader {
    type Value = Vec<(outcome_record::Model, Uuid)>;
    type Error = LoadError;

    async fn load(&self, submission_ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        outcome_records::records_by_submission(&self.db, &self.actor, submission_ids)
            .await
            .map_err(load_error)
    }
}

/// Submissions of every intervention of partnerships, keyed by partnership id, oldest first,
/// under the actor's row filter.
pub struct PartnershipSubmissionsLoader {
    pub db: DatabaseConnection,
    pub filter: Condition,
}

impl Loader<Uuid> for PartnershipSubmissionsLoader {
    type Value = Vec<entity::evaluation_submission::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        partnership_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        crate::evidence::submissions::service::by_partnership(
            &self.db,
            self.filter.clone(),
            partnership_ids,
        )
        .await
        .map_err(load_error)
    }
}
