//! Indicators (DESIGN §3.7) as GraphQL serves them: the `Indicator` type and the `indicators`
//! and `indicator` queries over the library of outcome measures, hard (attendance, exclusions,
//! destinations) and soft (distance travelled on confidence, relationships, …). Every signed-in
//! user may read them.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{
    enums::{IndicatorKind, IndicatorUnit, Wellbeing},
    indicator,
};

use crate::graphql::{db_and_actor, parse_id};

pub mod service;

/// An outcome measure definition.
pub struct Indicator(pub indicator::Model);

#[Object]
impl Indicator {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    /// Stable code, e.g. `ATTENDANCE_PCT`; CSV imports name indicators by it.
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn kind(&self) -> IndicatorKind {
        self.0.kind
    }
    async fn unit(&self) -> IndicatorUnit {
        self.0.unit
    }
    /// Lowest value of a SCORE scale.
    async fn scale_min(&self) -> Option<f64> {
        self.0.scale_min
    }
    /// Highest value of a SCORE scale.
    async fn scale_max(&self) -> Option<f64> {
        self.0.scale_max
    }
    /// Whether a rise is an improvement (false for, say, exclusion days).
    async fn higher_is_better(&self) -> bool {
        self.0.higher_is_better
    }
    /// The GIRFEC SHANARRI wellbeing indicator it evidences.
    async fn wellbeing(&self) -> Option<Wellbeing> {
        self.0.wellbeing
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Default)]
pub struct IndicatorQuery;

#[Object]
impl IndicatorQuery {
    /// The whole indicator library, by code (small, so not paginated).
    async fn indicators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Indicator>> {
        let (db, _) = db_and_actor(ctx)?;
        let rows = service::all(db).await?;
        Ok(rows.into_iter().map(Indicator).collect())
    }

    async fn indicator(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Indicator> {
        let (db, _) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Indicator(service::find(db, id).await?))
    }
}
