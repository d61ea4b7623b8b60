//! The indicator library (DESIGN §3.7). The migration seeds the default indicators; every
//! signed-in user may read all of them, so no row filter applies. Admins add and change
//! indicators (§0, §4.3).
//!
//! What a value means (unit, scale, direction) is fixed once anything measures against it: a
//! target's numbers and every outcome record were checked against that meaning, and the
//! analytics compare them by it. Such an indicator keeps its meaning; a new meaning is a new
//! indicator. Its name, description, kind, wellbeing tag and code stay editable.

use chrono::Utc;
use entity::{
    enums::{IndicatorKind, IndicatorUnit, Wellbeing},
    indicator, outcome_record, target,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// The most characters of an indicator code: long enough for `ENGAGEMENT_LEARNING` and its
/// kind, short enough to be a CSV column value typed by hand.
pub const CODE_MAX_CHARS: usize = 50;

/// A new indicator, its text as typed (checked here).
pub struct NewIndicator {
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

/// An edit of indicator `id`, expected at `expected_version`. `None` leaves a field unchanged;
/// `Some(None)` clears an optional one.
pub struct IndicatorChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<IndicatorKind>,
    pub unit: Option<IndicatorUnit>,
    pub scale_min: Option<Option<f64>>,
    pub scale_max: Option<Option<f64>>,
    pub higher_is_better: Option<bool>,
    pub wellbeing: Option<Option<Wellbeing>>,
}

/// The whole library, by code.
pub async fn all(conn: &impl ConnectionTrait) -> ApiResult<Vec<indicator::Model>> {
    Ok(indicator::Entity::find()
        .order_by_asc(indicator::Column::Code)
        .all(conn)
        .await?)
}

/// One indicator; NOT_FOUND if there is none with this id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> ApiResult<indicator::Model> {
    indicator::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "indicator",
        })
}

const DUPLICATE_CODE: UniqueField = UniqueField {
    field: "input.code",
    message: "an indicator with this code already exists",
};

/// An indicator code: CSV imports name indicators by it and match it in upper case, so it holds
/// only what a spreadsheet cell keeps intact.
fn code(value: &str) -> ApiResult<String> {
    validation::code(
        value,
        "input.code",
        CODE_MAX_CHARS,
        |at, c| c.is_ascii_uppercase() || (at > 0 && (c.is_ascii_digit() || c == '_')),
        "start with a letter and hold only letters, digits and underscores (e.g. ATTENDANCE_PCT)",
    )
}

/// The scale a unit allows: SCORE needs both ends, lowest below highest; every other unit
/// implies its own range (PERCENT 0–100, BOOLEAN 0/1, COUNT and DAYS from 0), so a scale given
/// with one would be ignored and is refused instead.
fn scale(
    unit: IndicatorUnit,
    scale_min: Option<f64>,
    scale_max: Option<f64>,
) -> ApiResult<(Option<f64>, Option<f64>)> {
    if unit != IndicatorUnit::Score {
        return match (scale_min, scale_max) {
            (None, None) => Ok((None, None)),
            (Some(_), _) => Err(scale_without_score("input.scaleMin")),
            (None, Some(_)) => Err(scale_without_score("input.scaleMax")),
        };
    }
    let (Some(min), Some(max)) = (scale_min, scale_max) else {
        let field = if scale_min.is_none() {
            "input.scaleMin"
        } else {
            "input.scaleMax"
        };
        return Err(ApiError::bad_input(
            field,
            format!("{field} is required for a SCORE indicator: a score is read on its scale"),
        ));
    };
    for (value, field) in [(min, "input.scaleMin"), (max, "input.scaleMax")] {
        if !value.is_finite() {
            return Err(ApiError::bad_input(
                field,
                format!("{field} must be a finite number"),
            ));
        }
    }
    if max <= min {
        return Err(ApiError::bad_input(
            "input.scaleMax",
            format!("input.scaleMax ({max}) must be greater than input.scaleMin ({min})"),
        ));
    }
    Ok((Some(min), Some(max)))
}

fn scale_without_score(field: &str) -> ApiError {
    ApiError::bad_input(
        field,
        format!(
            "{field} is only for SCORE indicators: PERCENT is 0 to 100, BOOLEAN 0 or 1, COUNT \
             and DAYS from 0 up"
        ),
    )
}

/// Adds an indicator to the library (admins only).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewIndicator,
) -> ApiResult<indicator::Model> {
    policy::require_admin(actor, "add indicators")?;
    let code = code(&new.code)?;
    let name = validation::name(&new.name, "input.name")?;
    let description = validation::long_text(&new.description, "input.description")?;
    let (scale_min, scale_max) = scale(new.unit, new.scale_min, new.scale_max)?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let model = indicator::Entity::insert(indicator::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        name: Set(name),
        description: Set(description),
        kind: Set(new.kind),
        unit: Set(new.unit),
        scale_min: Set(scale_min),
        scale_max: Set(scale_max),
        higher_is_better: Set(new.higher_is_better),
        wellbeing: Set(new.wellbeing),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|err| ApiError::from_unique(err, &DUPLICATE_CODE))?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("indicator.create", "indicator", model.id).details(json!({
            "code": model.code, "name": model.name, "kind": model.kind, "unit": model.unit,
            "scaleMin": model.scale_min, "scaleMax": model.scale_max,
            "higherIsBetter": model.higher_is_better, "wellbeing": model.wellbeing,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes an indicator (admins only). Its unit, scale and direction change only while no
/// target and no outcome record uses it (INVALID_STATE otherwise, saying what uses it).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: IndicatorChanges,
) -> ApiResult<indicator::Model> {
    policy::require_admin(actor, "change indicators")?;
    let id = edit.id;
    let mut changes = indicator::ActiveModel::default();
    if let Some(value) = &edit.code {
        changes.code = Set(code(value)?);
    }
    if let Some(name) = &edit.name {
        changes.name = Set(validation::name(name, "input.name")?);
    }
    if let Some(description) = &edit.description {
        changes.description = Set(validation::long_text(description, "input.description")?);
    }
    if let Some(kind) = edit.kind {
        changes.kind = Set(kind);
    }
    if let Some(wellbeing) = edit.wellbeing {
        changes.wellbeing = Set(wellbeing);
    }
    let txn = begin_write(db).await?;
    let current = find(&txn, id).await?;
    // The unchanged fields are merged from this row, so it must be the one the caller saw.
    if current.version != edit.expected_version {
        return Err(ApiError::stale_version("indicator"));
    }
    let unit = edit.unit.unwrap_or(current.unit);
    let (scale_min, scale_max) = scale(
        unit,
        edit.scale_min.unwrap_or(current.scale_min),
        edit.scale_max.unwrap_or(current.scale_max),
    )?;
    let higher_is_better = edit.higher_is_better.unwrap_or(current.higher_is_better);
    let meaning_changes = unit != current.unit
        || scale_min != current.scale_min
        || scale_max != current.scale_max
        || higher_is_better != current.higher_is_better;
    if meaning_changes {
        meaning_is_free(&txn, &current).await?;
    }
    // Only what differs is set, so the audit event lists exactly what changed.
    if unit != current.unit {
        changes.unit = Set(unit);
    }
    if scale_min != current.scale_min {
        changes.scale_min = Set(scale_min);
    }
    if scale_max != current.scale_max {
        changes.scale_max = Set(scale_max);
    }
    if higher_is_better != current.higher_is_better {
        changes.higher_is_better = Set(higher_is_better);
    }
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes).unique(&DUPLICATE_CODE),
        |_, changes| Change::new("indicator.update", "indicator", id).changed_fields(changes),
    )
    .await
}

/// INVALID_STATE unless nothing measures against `indicator` yet.
async fn meaning_is_free(
    conn: &impl ConnectionTrait,
    indicator: &indicator::Model,
) -> ApiResult<()> {
    let targets = target::Entity::find()
        .filter(target::Column::IndicatorId.eq(indicator.id))
        .count(conn)
        .await?;
    let records = outcome_record::Entity::find()
        .filter(outcome_record::Column::IndicatorId.eq(indicator.id))
        .count(conn)
        .await?;
    if targets == 0 && records == 0 {
        return Ok(());
    }
    Err(ApiError::InvalidState(format!(
        "the unit, scale and direction of {} cannot change: {targets} target(s) and {records} \
         outcome record(s) were measured against them; add a new indicator for the new measure",
        indicator.code
    )))
}
