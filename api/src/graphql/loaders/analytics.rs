//! The analytics loaders: the counts behind target progress and submission summaries, batched
//! across every target and submission of a response. Each captures the actor, because what
//! counts (and what is hidden from the caller) depends on who asks.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{LoadError, load_error};
use crate::{
    access::auth::Actor,
    analytics::{
        aggregate::Counts,
        progress::service::{self as progress, TargetKey},
        summary::service::{self as summary, SummaryCell},
    },
};

/// The counts behind targets, by (partnership, indicator, as-of day).
pub struct TargetCountsLoader {
    pub db: DatabaseConnection,
    pub actor: Arc<Actor>,
}

impl Loader<TargetKey> for TargetCountsLoader {
    type Value = Counts;
    type Error = LoadError;

    async fn load(&self, keys: &[TargetKey]) -> Result<HashMap<TargetKey, Counts>, LoadError> {
        progress::target_counts(&self.db, &self.actor, keys)
            .await
            .map_err(load_error)
    }
}

/// Submission summaries' cells by submission id, before disclosure control (which the resolver
/// applies). Reached only through a submission the caller can see.
pub struct SubmissionSummaryLoader {
    pub db: DatabaseConnection,
    pub actor: Arc<Actor>,
}

impl Loader<Uuid> for SubmissionSummaryLoader {
    type Value = Vec<SummaryCell>;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<SummaryCell>>, LoadError> {
        summary::submission_cells(&self.db, &self.actor, ids)
            .await
            .map_err(load_error)
    }
}
