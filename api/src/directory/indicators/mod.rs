//! Indicators (DESIGN §3.7) as GraphQL serves them: the `Indicator` type and the `indicators`
//! and `indicator` queries over the library of outcome measures, hard (attendance, exclusions,
//! destinations) and soft (distance travelled on confidence, relationships, …). Every signed-in
//! user may read them; admins add and change them (`createIndicator`, `updateIndicator`). The
//! rules live in [`service`].

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{IndicatorKind, IndicatorUnit, Wellbeing},
    indicator,
};

use self::service::{IndicatorChanges, NewIndicator};
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

/// A new indicator. `scaleMin` and `scaleMax` are for SCORE only (and required there): the other
/// units imply their range.
#[derive(InputObject)]
pub struct CreateIndicatorInput {
    /// Letters, digits and underscores, e.g. `ATTENDANCE_PCT`; stored in upper case.
    pub code: String,
    pub name: String,
    pub description: String,
    pub kind: IndicatorKind,
    pub unit: IndicatorUnit,
    pub scale_min: Option<f64>,
    pub scale_max: Option<f64>,
    pub higher_is_better: bool,
    pub wellbeing: Option<Wellbeing>,
}

/// Fields left out are unchanged; `wellbeing`, `scaleMin` and `scaleMax` set to null are
/// cleared. The unit, scale and direction change only while no target and no outcome record
/// uses the indicator.
#[derive(InputObject)]
pub struct UpdateIndicatorInput {
    pub id: ID,
    pub expected_version: i32,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<IndicatorKind>,
    pub unit: Option<IndicatorUnit>,
    pub scale_min: MaybeUndefined<f64>,
    pub scale_max: MaybeUndefined<f64>,
    pub higher_is_better: Option<bool>,
    pub wellbeing: MaybeUndefined<Wellbeing>,
}

#[derive(SimpleObject)]
pub struct IndicatorPayload {
    pub indicator: Indicator,
}

#[derive(Default)]
pub struct IndicatorMutation;

#[Object]
impl IndicatorMutation {
    /// Adds an indicator to the library (admins only).
    async fn create_indicator(
        &self,
        ctx: &Context<'_>,
        input: CreateIndicatorInput,
    ) -> async_graphql::Result<IndicatorPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let new = NewIndicator {
            code: input.code,
            name: input.name,
            description: input.description,
            kind: input.kind,
            unit: input.unit,
            scale_min: input.scale_min,
            scale_max: input.scale_max,
            higher_is_better: input.higher_is_better,
            wellbeing: input.wellbeing,
        };
        let model = service::create(db, actor, new).await?;
        Ok(IndicatorPayload {
            indicator: Indicator(model),
        })
    }

    /// Changes an indicator (admins only).
    async fn update_indicator(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorInput,
    ) -> async_graphql::Result<IndicatorPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let changes = IndicatorChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            code: input.code,
            name: input.name,
            description: input.description,
            kind: input.kind,
            unit: input.unit,
            scale_min: input.scale_min.into(),
            scale_max: input.scale_max.into(),
            higher_is_better: input.higher_is_better,
            wellbeing: input.wellbeing.into(),
        };
        let model = service::update(db, actor, changes).await?;
        Ok(IndicatorPayload {
            indicator: Indicator(model),
        })
    }
}
