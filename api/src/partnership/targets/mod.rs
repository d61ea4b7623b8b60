//! The GraphQL face of a partnership's targets (DESIGN §3.8): for one indicator, where the
//! children start (baseline) and where the partners agree they should be by a date; every member
//! can read them. Resolvers parse their input and hand over to [`service`], which holds the
//! rules. `Target.progress` is derived by analytics (§6.3), never stored.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{TargetAggregation, TargetState},
    target,
};

use crate::{
    directory::indicators::Indicator,
    graphql::{db_and_actor, parse_id, request, scalars::Date},
    partnership::partnerships::Partnership,
    platform::error::ApiError,
};

pub mod service;

/// A partnership's target for one indicator.
pub struct Target(pub target::Model);

#[Object]
impl Target {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn partnership_id(&self) -> ID {
        self.0.partnership_id.into()
    }
    async fn partnership(&self, ctx: &Context<'_>) -> async_graphql::Result<Partnership> {
        let loaded = request(ctx)?
            .loaders
            .partnerships
            .load_one(self.0.partnership_id)
            .await?;
        // The target was only reachable through a partnership the caller can see.
        loaded.map(Partnership).ok_or_else(|| {
            ApiError::NotFound {
                entity: "partnership",
            }
            .into()
        })
    }
    async fn indicator_id(&self) -> ID {
        self.0.indicator_id.into()
    }
    async fn indicator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Indicator>> {
        let loaded = request(ctx)?
            .loaders
            .indicators
            .load_one(self.0.indicator_id)
            .await?;
        Ok(loaded.map(Indicator))
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// How the participants' outcomes are combined into the one number the target is about.
    async fn aggregation(&self) -> TargetAggregation {
        self.0.aggregation
    }
    async fn baseline_value(&self) -> f64 {
        self.0.baseline_value
    }
    async fn baseline_date(&self) -> Date {
        self.0.baseline_date.into()
    }
    async fn target_value(&self) -> f64 {
        self.0.target_value
    }
    async fn target_date(&self) -> Date {
        self.0.target_date.into()
    }
    async fn state(&self) -> TargetState {
        self.0.state
    }
    /// Progress against the target (DESIGN §6.3) as of `asOf` (default today).
    #[graphql(complexity = "crate::graphql::limits::BATCHED_AGGREGATE_COST + child_complexity")]
    async fn progress(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> async_graphql::Result<crate::analytics::progress::TargetProgress> {
        let as_of = crate::analytics::as_of_or_today(as_of, crate::graphql::clock(ctx)?.today());
        let mut progress =
            crate::analytics::progress::progress_of(ctx, vec![self.0.clone()], as_of).await?;
        progress
            .pop()
            .ok_or_else(|| ApiError::internal("no progress for a target").into())
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

#[derive(InputObject)]
pub struct CreateTargetInput {
    pub partnership_id: ID,
    pub indicator_id: ID,
    pub title: String,
    pub aggregation: TargetAggregation,
    /// In the units of the aggregation (see `TargetAggregation`).
    pub baseline_value: f64,
    pub baseline_date: Date,
    pub target_value: f64,
    /// Must be after `baselineDate`.
    pub target_date: Date,
}

/// Fields left out are unchanged. Only a PROPOSED target can change.
#[derive(InputObject)]
pub struct UpdateTargetInput {
    pub id: ID,
    pub expected_version: i32,
    pub indicator_id: Option<ID>,
    pub title: Option<String>,
    pub aggregation: Option<TargetAggregation>,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<Date>,
    pub target_value: Option<f64>,
    pub target_date: Option<Date>,
}

#[derive(InputObject)]
pub struct AgreeTargetInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct RetireTargetInput {
    pub id: ID,
    pub expected_version: i32,
}

#[derive(SimpleObject)]
pub struct TargetPayload {
    pub target: Target,
}

#[derive(Default)]
pub struct TargetMutation;

#[Object]
impl TargetMutation {
    /// Proposes a target (commissioners).
    async fn create_target(
        &self,
        ctx: &Context<'_>,
        input: CreateTargetInput,
    ) -> async_graphql::Result<TargetPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let new = service::NewTarget {
            partnership_id: parse_id(&input.partnership_id, "input.partnershipId")?,
            indicator_id: parse_id(&input.indicator_id, "input.indicatorId")?,
            title: input.title,
            aggregation: input.aggregation,
            baseline_value: input.baseline_value,
            baseline_date: input.baseline_date.0,
            target_value: input.target_value,
            target_date: input.target_date.0,
        };
        let model = service::create(db, actor, new).await?;
        Ok(TargetPayload {
            target: Target(model),
        })
    }

    /// Changes a PROPOSED target (commissioners).
    async fn update_target(
        &self,
        ctx: &Context<'_>,
        input: UpdateTargetInput,
    ) -> async_graphql::Result<TargetPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let edit = service::TargetChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            indicator_id: input
                .indicator_id
                .map(|id| parse_id(&id, "input.indicatorId"))
                .transpose()?,
            title: input.title,
            aggregation: input.aggregation,
            baseline_value: input.baseline_value,
            baseline_date: input.baseline_date.map(|date| date.0),
            target_value: input.target_value,
            target_date: input.target_date.map(|date| date.0),
        };
        let model = service::update(db, actor, edit).await?;
        Ok(TargetPayload {
            target: Target(model),
        })
    }

    /// PROPOSED → AGREED (commissioners).
    async fn agree_target(
        &self,
        ctx: &Context<'_>,
        input: AgreeTargetInput,
    ) -> async_graphql::Result<TargetPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let move_to = service::TargetTransition {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            to: TargetState::Agreed,
        };
        let model = service::transition(db, actor, move_to).await?;
        Ok(TargetPayload {
            target: Target(model),
        })
    }

    /// PROPOSED or AGREED → RETIRED (commissioners). Retired targets stay on record.
    async fn retire_target(
        &self,
        ctx: &Context<'_>,
        input: RetireTargetInput,
    ) -> async_graphql::Result<TargetPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let move_to = service::TargetTransition {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            to: TargetState::Retired,
        };
        let model = service::transition(db, actor, move_to).await?;
        Ok(TargetPayload {
            target: Target(model),
        })
    }
}
