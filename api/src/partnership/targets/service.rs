//! The rules of a partnership's targets (DESIGN §3.8). Commissioners propose, change, agree and
//! retire them (PROPOSED → AGREED → RETIRED, or PROPOSED → RETIRED). Progress against a target
//! is derived elsewhere (§6.3), never stored.
//!
//! A target's values are in the units of its aggregation: MEAN_LATEST on the indicator's own
//! scale, MEAN_CHANGE as a change on that scale, PERCENT_IMPROVED and PERCENT_ACHIEVED as a
//! percentage of participants (so "70 % reintegrated" is 70, not 0.7 or 1).

use chrono::{NaiveDate, Utc};
use entity::{
    enums::{IndicatorUnit, TargetAggregation, TargetState},
    indicator, target,
};
use sea_orm::{ActiveEnum, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    directory::measures,
    partnership::partnerships::service::lock_open_partnership,
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult},
        validation,
    },
};

/// A target to propose for one indicator.
pub struct NewTarget {
    pub partnership_id: Uuid,
    pub indicator_id: Uuid,
    pub title: String,
    pub aggregation: TargetAggregation,
    /// In the units of the aggregation.
    pub baseline_value: f64,
    pub baseline_date: NaiveDate,
    pub target_value: f64,
    /// Must be after `baseline_date`.
    pub target_date: NaiveDate,
}

/// Changes to a PROPOSED target; `None` leaves a field unchanged.
pub struct TargetChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub indicator_id: Option<Uuid>,
    pub title: Option<String>,
    pub aggregation: Option<TargetAggregation>,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub target_date: Option<NaiveDate>,
}

/// Agreeing or retiring a target.
pub struct TargetTransition {
    pub id: Uuid,
    pub expected_version: i32,
    pub to: TargetState,
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
    id: Uuid,
    field: &str,
) -> ApiResult<indicator::Model> {
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

/// Proposes a target (commissioners).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewTarget,
) -> ApiResult<target::Model> {
    let partnership_id = input.partnership_id;
    let title = validation::name(&input.title, "input.title")?;
    let txn = begin_write(db).await?;
    policy::may_manage_targets(policy::role_in_partnership(&txn, actor, partnership_id).await?)?;
    lock_open_partnership(&txn, partnership_id).await?;
    let indicator = known_indicator(&txn, input.indicator_id, "input.indicatorId").await?;
    let values = Values {
        aggregation: input.aggregation,
        baseline_value: input.baseline_value,
        baseline_date: input.baseline_date,
        target_value: input.target_value,
        target_date: input.target_date,
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
        policy::role_for_write(conn, actor, current.partnership_id, "target").await?,
    )?;
    Ok(current)
}

/// Changes a PROPOSED target (commissioners).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: TargetChanges,
) -> ApiResult<target::Model> {
    let id = input.id;
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
    let indicator = match input.indicator_id {
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
        baseline_date: input.baseline_date.unwrap_or(current.baseline_date),
        target_value: input.target_value.unwrap_or(current.target_value),
        target_date: input.target_date.unwrap_or(current.target_date),
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

    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, input.expected_version, changes),
        |model, changes| {
            Change::new("target.update", "target", id)
                .in_partnership(model.partnership_id)
                .changed_fields(changes)
        },
    )
    .await
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
    transition: TargetTransition,
) -> ApiResult<target::Model> {
    let TargetTransition {
        id,
        expected_version,
        to,
    } = transition;
    let txn = begin_write(db).await?;
    let current = find_for(&txn, actor, id).await?;
    if !may_move(current.state, to) {
        return Err(ApiError::InvalidState(format!(
            "a {} target cannot become {}",
            current.state.to_value(),
            to.to_value()
        )));
    }
    let action = match to {
        TargetState::Agreed => "target.agree",
        TargetState::Retired => "target.retire",
        TargetState::Proposed => "target.propose",
    };
    let changes = target::ActiveModel {
        state: Set(to),
        ..Default::default()
    };
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, expected_version, changes),
        |model, _| {
            Change::new(action, "target", id)
                .in_partnership(model.partnership_id)
                .details(json!({ "from": current.state, "to": to }))
        },
    )
    .await
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
