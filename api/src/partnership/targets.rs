//! Targets of a partnership (DESIGN §3.8): for one indicator, where the children start
//! (baseline) and where the partners agree they should be by a date. Commissioners propose,
//! change, agree and retire them (PROPOSED → AGREED → RETIRED, or PROPOSED → RETIRED); every
//! member can read them. Progress against a target is derived elsewhere (§6.3), never stored.
//!
//! A target's values are in the units of its aggregation: MEAN_LATEST on the indicator's own
//! scale, MEAN_CHANGE as a change on that scale, PERCENT_IMPROVED and PERCENT_ACHIEVED as a
//! percentage of participants (so "70 % reintegrated" is 70, not 0.7 or 1).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{IndicatorUnit, TargetAggregation, TargetState},
    indicator, target,
};
use sea_orm::{ActiveEnum, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    directory::{indicators::Indicator, measures},
    graphql::{db_and_actor, parse_id, request, scalars::Date},
    partnership::partnerships::{Partnership, lock_open_partnership},
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
        validation,
    },
};

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
    async fn progress(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> async_graphql::Result<crate::analytics::progress::TargetProgress> {
        let as_of = crate::analytics::as_of_or_today(as_of);
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
        let model = create(db, actor, input).await?;
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
        let model = update(db, actor, input).await?;
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
        let model = transition(
            db,
            actor,
            &input.id,
            input.expected_version,
            TargetState::Agreed,
        )
        .await?;
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
        let model = transition(
            db,
            actor,
            &input.id,
            input.expected_version,
            TargetState::Retired,
        )
        .await?;
        Ok(TargetPayload {
            target: Target(model),
        })
    }
}

/// The values of a target, as they will be stored, to check together.
struct Values {
    aggregation: TargetAggregation,
    baseline_value: f64,
    baseline_date: NaiveDate,
    target_value: f64,
    target_date: NaiveDate,
}

/// Whether `aggregation` means something for the indicator's unit: a yes/no outcome is counted
/// as the percentage who achieved it; every other unit has means, changes and improvement.
fn aggregation_fits_unit(aggregation: TargetAggregation, unit: IndicatorUnit) -> ApiResult<()> {
    let boolean = unit == IndicatorUnit::Boolean;
    let fits = match aggregation {
        TargetAggregation::PercentAchieved => boolean,
        TargetAggregation::MeanLatest
        | TargetAggregation::MeanChange
        | TargetAggregation::PercentImproved => !boolean,
    };
    if fits {
        Ok(())
    } else if boolean {
        Err(ApiError::bad_input(
            "input.aggregation",
            format!(
                "input.aggregation {} does not fit a BOOLEAN (yes/no) indicator: use \
                 PERCENT_ACHIEVED",
                aggregation.to_value()
            ),
        ))
    } else {
        Err(ApiError::bad_input(
            "input.aggregation",
            format!(
                "input.aggregation PERCENT_ACHIEVED is only for BOOLEAN (yes/no) indicators; \
                 this one is {}: use MEAN_LATEST, MEAN_CHANGE or PERCENT_IMPROVED",
                unit.to_value()
            ),
        ))
    }
}

/// A value of a target, in the units of its aggregation.
fn value_fits(
    indicator: &indicator::Model,
    aggregation: TargetAggregation,
    value: f64,
    field: &str,
) -> ApiResult<f64> {
    match aggregation {
        TargetAggregation::MeanLatest => measures::value_fits_indicator(indicator, value, field),
        TargetAggregation::MeanChange => measures::change_fits_indicator(indicator, value, field),
        TargetAggregation::PercentImproved | TargetAggregation::PercentAchieved => {
            measures::percentage(value, field)
        }
    }
}

/// Every rule a target's values must meet together (§3.8).
fn check(indicator: &indicator::Model, values: &Values) -> ApiResult<()> {
    aggregation_fits_unit(values.aggregation, indicator.unit)?;
    value_fits(
        indicator,
        values.aggregation,
        values.baseline_value,
        "input.baselineValue",
    )?;
    value_fits(
        indicator,
        values.aggregation,
        values.target_value,
        "input.targetValue",
    )?;
    if values.target_date <= values.baseline_date {
        return Err(ApiError::bad_input(
            "input.targetDate",
            "targetDate must be after baselineDate",
        ));
    }
    Ok(())
}

async fn known_indicator(
    conn: &impl ConnectionTrait,
    id: &ID,
    field: &str,
) -> ApiResult<indicator::Model> {
    let id = parse_id(id, field)?;
    indicator::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input(
                field,
                format!("{field} is not a known indicator (see the `indicators` query)"),
            )
        })
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CreateTargetInput,
) -> ApiResult<target::Model> {
    let partnership_id = parse_id(&input.partnership_id, "input.partnershipId")?;
    let title = validation::name(&input.title, "input.title")?;
    let txn = begin_write(db).await?;
    policy::may_manage_targets(policy::role_in_partnership(&txn, actor, partnership_id).await?)?;
    lock_open_partnership(&txn, partnership_id).await?;
    let indicator = known_indicator(&txn, &input.indicator_id, "input.indicatorId").await?;
    let values = Values {
        aggregation: input.aggregation,
        baseline_value: input.baseline_value,
        baseline_date: input.baseline_date.0,
        target_value: input.target_value,
        target_date: input.target_date.0,
    };
    check(&indicator, &values)?;

    let now = Utc::now();
    let model = target::Entity::insert(target::ActiveModel {
        id: Set(Uuid::now_v7()),
        partnership_id: Set(partnership_id),
        indicator_id: Set(indicator.id),
        title: Set(title),
        aggregation: Set(values.aggregation),
        baseline_value: Set(values.baseline_value),
        baseline_date: Set(values.baseline_date),
        target_value: Set(values.target_value),
        target_date: Set(values.target_date),
        state: Set(TargetState::Proposed),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("target.create", "target", model.id)
            .in_partnership(partnership_id)
            .details(json!({
                "indicatorId": model.indicator_id, "indicatorCode": indicator.code,
                "title": model.title, "aggregation": model.aggregation,
                "baselineValue": model.baseline_value, "baselineDate": model.baseline_date,
                "targetValue": model.target_value, "targetDate": model.target_date,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The target and the actor's role in its partnership; NOT_FOUND if they cannot see it.
async fn find_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<target::Model> {
    let current = target::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: "target" })?;
    policy::may_manage_targets(
        policy::role_for(conn, actor, current.partnership_id, "target").await?,
    )?;
    Ok(current)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateTargetInput,
) -> ApiResult<target::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_for(&txn, actor, id).await?;
    if current.state != TargetState::Proposed {
        return Err(ApiError::InvalidState(format!(
            "this target is {}, and only a PROPOSED target can change: retire it and propose a \
             new one",
            current.state.to_value()
        )));
    }

    let mut changes = target::ActiveModel::default();
    if let Some(title) = &input.title {
        let title = validation::name(title, "input.title")?;
        changes.title = Set(title);
    }
    let indicator = match &input.indicator_id {
        Some(id) => {
            let indicator = known_indicator(&txn, id, "input.indicatorId").await?;
            changes.indicator_id = Set(indicator.id);
            indicator
        }
        None => indicator::Entity::find_by_id(current.indicator_id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::internal("a target refers to a missing indicator"))?,
    };
    let values = Values {
        aggregation: input.aggregation.unwrap_or(current.aggregation),
        baseline_value: input.baseline_value.unwrap_or(current.baseline_value),
        baseline_date: input
            .baseline_date
            .map_or(current.baseline_date, |date| date.0),
        target_value: input.target_value.unwrap_or(current.target_value),
        target_date: input.target_date.map_or(current.target_date, |date| date.0),
    };
    check(&indicator, &values)?;
    if input.aggregation.is_some() {
        changes.aggregation = Set(values.aggregation);
    }
    if input.baseline_value.is_some() {
        changes.baseline_value = Set(values.baseline_value);
    }
    if input.baseline_date.is_some() {
        changes.baseline_date = Set(values.baseline_date);
    }
    if input.target_value.is_some() {
        changes.target_value = Set(values.target_value);
    }
    if input.target_date.is_some() {
        changes.target_date = Set(values.target_date);
    }

    let model =
        save_versioned::<target::Entity>(&txn, changes.clone(), id, input.expected_version, None)
            .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("target.update", "target", id)
            .in_partnership(model.partnership_id)
            .changed_fields(&changes),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The states a target may move to `to` from.
fn may_move(from: TargetState, to: TargetState) -> bool {
    matches!(
        (from, to),
        (TargetState::Proposed, TargetState::Agreed)
            | (
                TargetState::Proposed | TargetState::Agreed,
                TargetState::Retired
            )
    )
}

/// Moves a target to `to` (agreeing or retiring it) if its current state allows.
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &ID,
    expected_version: i32,
    to: TargetState,
) -> ApiResult<target::Model> {
    let id = parse_id(id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_for(&txn, actor, id).await?;
    if !may_move(current.state, to) {
        return Err(ApiError::InvalidState(format!(
            "a {} target cannot become {}",
            current.state.to_value(),
            to.to_value()
        )));
    }
    let model = save_versioned::<target::Entity>(
        &txn,
        target::ActiveModel {
            state: Set(to),
            ..Default::default()
        },
        id,
        expected_version,
        None,
    )
    .await?;
    let action = match to {
        TargetState::Agreed => "target.agree",
        TargetState::Retired => "target.retire",
        TargetState::Proposed => "target.propose",
    };
    audit::record(
        &txn,
        Some(actor),
        Change::new(action, "target", id)
            .in_partnership(model.partnership_id)
            .details(json!({ "from": current.state, "to": to })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TargetAggregation as A;
    use TargetState as S;

    #[test]
    fn yes_no_indicators_are_counted_as_percent_achieved_and_only_they() {
        for unit in [
            IndicatorUnit::Percent,
            IndicatorUnit::Count,
            IndicatorUnit::Score,
            IndicatorUnit::Days,
        ] {
            assert!(aggregation_fits_unit(A::PercentAchieved, unit).is_err());
            for aggregation in [A::MeanLatest, A::MeanChange, A::PercentImproved] {
                assert!(aggregation_fits_unit(aggregation, unit).is_ok());
            }
        }
        assert!(aggregation_fits_unit(A::PercentAchieved, IndicatorUnit::Boolean).is_ok());
        for aggregation in [A::MeanLatest, A::MeanChange, A::PercentImproved] {
            assert!(aggregation_fits_unit(aggregation, IndicatorUnit::Boolean).is_err());
        }
    }

    #[test]
    fn targets_move_forward_only() {
        assert!(may_move(S::Proposed, S::Agreed));
        assert!(may_move(S::Proposed, S::Retired));
        assert!(may_move(S::Agreed, S::Retired));
        assert!(!may_move(S::Agreed, S::Agreed));
        assert!(!may_move(S::Retired, S::Agreed));
        assert!(!may_move(S::Retired, S::Retired));
        assert!(!may_move(S::Agreed, S::Proposed));
    }
}
