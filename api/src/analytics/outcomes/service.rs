//! The rules behind `outcomeSummary` and `outcomeTrend` (DESIGN §6.2, §6.4): a parsed scope
//! checked against what the caller can see, the numbers computed by [`aggregate`] and released
//! under [`disclosure`], and the §6.2 numbers of a cell as the caller may see them
//! ([`Numbers::shown`], shared with submission summaries).

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::{
    enums::{IndicatorUnit, OutcomePhase},
    indicator, intervention,
};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    analytics::{
        aggregate::{self, Bucket, Cell, Counts, Dimension, Key, Part, Split, Tally, TrendPart},
        disclosure::{self, Base, Protected, Rule, Statistic},
        scope::Scope,
    },
    platform::{
        config::Disclosure,
        error::{ApiError, ApiResult},
    },
};

/// Which outcome records to count, parsed: ids are ids, days are days. Only ACCEPTED evidence
/// counts unless `include_unreviewed`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeRequest {
    /// The indicator measured.
    pub indicator_id: Uuid,
    pub partnership_id: Option<Uuid>,
    pub intervention_ids: Vec<Uuid>,
    /// Organisations delivering the interventions.
    pub provider_ids: Vec<Uuid>,
    /// Council areas the young people live in.
    pub area_codes: Vec<String>,
    pub observed_from: Option<NaiveDate>,
    pub observed_to: Option<NaiveDate>,
    /// Compute as on this day: later values are ignored, ages taken on it.
    pub as_of: NaiveDate,
    /// Also count evidence submitted but not yet accepted that the caller can see.
    pub include_unreviewed: bool,
    /// The dimensions to group by.
    pub dimensions: Vec<Dimension>,
}

/// A scope checked against what the caller can see.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedScope {
    pub scope: Scope,
    pub indicator: indicator::Model,
    pub dimensions: Vec<Dimension>,
}

/// At most this many ids or codes in one filter list: a dashboard names a handful, and the list
/// becomes an `IN (…)` of bound parameters.
pub const MAX_FILTER_VALUES: usize = 100;

/// Checks a request: the grouping names at most two distinct dimensions, the observation dates
/// are in order and each filter list is bounded (BAD_USER_INPUT naming the input, as GraphQL
/// and the downloads both name it), then against the database: the indicator exists, and a
/// named partnership and interventions are visible to the caller (NOT_FOUND otherwise, as
/// everywhere).
pub async fn check(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request: ScopeRequest,
) -> ApiResult<CheckedScope> {
    check_shape(&request)?;
    let indicator = indicator::Entity::find_by_id(request.indicator_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "indicator",
        })?;
    if let Some(id) = request.partnership_id {
        policy::role_in_partnership(db, actor, id).await?;
    }
    let distinct: HashSet<Uuid> = request.intervention_ids.iter().copied().collect();
    if !distinct.is_empty() {
        let visible = intervention::Entity::find()
            .filter(intervention::Column::Id.is_in(distinct.iter().copied()))
            .filter(policy::visible_interventions(actor))
            .count(db)
            .await?;
        if visible != distinct.len() as u64 {
            return Err(ApiError::NotFound {
                entity: "intervention",
            });
        }
    }
    Ok(CheckedScope {
        scope: Scope {
            indicator_ids: vec![request.indicator_id],
            partnership_ids: request.partnership_id.into_iter().collect(),
            intervention_ids: request.intervention_ids,
            provider_ids: request.provider_ids,
            area_codes: request.area_codes,
            observed_from: request.observed_from,
            observed_to: request.observed_to,
            as_of: request.as_of,
            include_unreviewed: request.include_unreviewed,
            submission_ids: Vec::new(),
        },
        indicator,
        dimensions: request.dimensions,
    })
}

/// The checks of [`check`] that need no database.
fn check_shape(request: &ScopeRequest) -> ApiResult<()> {
    let dimensions = &request.dimensions;
    if dimensions.len() > 2 {
        return Err(ApiError::bad_input(
            "groupBy",
            "group by at most two dimensions",
        ));
    }
    if dimensions.len() == 2 && dimensions[0] == dimensions[1] {
        return Err(ApiError::bad_input(
            "groupBy",
            "groupBy names the same dimension twice",
        ));
    }
    if let (Some(from), Some(to)) = (request.observed_from, request.observed_to)
        && from > to
    {
        return Err(ApiError::bad_input(
            "observedTo",
            "observedTo is before observedFrom",
        ));
    }
    for (field, len, what) in [
        ("interventionIds", request.intervention_ids.len(), "ids"),
        ("providerIds", request.provider_ids.len(), "ids"),
        ("areaCodes", request.area_codes.len(), "codes"),
    ] {
        if len > MAX_FILTER_VALUES {
            return Err(ApiError::bad_input(
                field,
                format!("{field} lists at most {MAX_FILTER_VALUES} {what}"),
            ));
        }
    }
    Ok(())
}

/// The §6.2 numbers of one cell as the caller may see them (§6.4). Counts are of enrolments
/// unless named `records`; every number is `None` when the cell is `suppressed`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Numbers {
    /// Enrolments with any value in scope.
    pub participants: Option<i32>,
    /// Outcome records in scope.
    pub records: Option<i32>,
    /// Mean BASELINE value, over enrolments with a baseline.
    pub mean_baseline: Option<f64>,
    /// Mean latest value, over those with one.
    pub mean_latest: Option<f64>,
    /// Mean of latest − baseline, over enrolments with both.
    pub mean_change: Option<f64>,
    /// Of enrolments with both, the percentage whose change went the indicator's good way.
    pub percent_improved: Option<f64>,
    /// BOOLEAN indicators: of enrolments with a latest value, the percentage whose latest is 1.
    pub percent_achieved: Option<f64>,
    pub suppressed: bool,
    /// Some numbers leave out a few young people withheld from the caller's organisation.
    pub excludes_unshared: bool,
}

impl Numbers {
    /// What the caller may see of `counts`, whose participants are the published `participants`
    /// (`suppressed` decided by [`disclosure::suppressed`]).
    pub fn shown(
        counts: &Counts,
        unit: IndicatorUnit,
        participants: Base,
        suppressed: bool,
        rule: &Rule,
    ) -> Self {
        if suppressed {
            return Self {
                suppressed: true,
                ..Self::default()
            };
        }
        let base =
            |part: fn(&Part) -> &Tally| rule.base(part(&counts.known), part(&counts.withheld));
        let baseline = base(|part| &part.baseline);
        let latest = base(|part| &part.latest);
        let change = base(|part| &part.change);
        let improved = base(|part| &part.improved);
        let achieved = base(|part| &part.achieved);
        Self {
            participants: Some(rule.count(&participants.tally)),
            records: Some(rule.records(
                &participants,
                counts.known.records,
                counts.withheld.records,
            )),
            mean_baseline: rule.mean(&baseline.tally, Statistic::Baseline),
            mean_latest: rule.mean(&latest.tally, Statistic::Latest),
            mean_change: rule.mean(&change.tally, Statistic::Change),
            percent_improved: rule.percent(&improved.tally, Statistic::Improved),
            percent_achieved: (unit == IndicatorUnit::Boolean)
                .then(|| rule.percent(&achieved.tally, Statistic::Achieved))
                .flatten(),
            suppressed: false,
            excludes_unshared: [participants, baseline, latest, change, improved, achieved]
                .iter()
                .any(|base| base.excludes_unshared),
        }
    }
}

/// The protection of a response's cells, by their participants.
fn protect<N>(
    settings: Disclosure,
    actor: &Actor,
    cells: &[Cell<Split<N>>],
    participants_of: impl Fn(&N) -> &Tally,
    dimensions_from: usize,
) -> Protected {
    let table: Vec<(&[Key], Tally, Tally)> = cells
        .iter()
        .map(|cell| {
            (
                cell.keys.as_slice(),
                *participants_of(&cell.numbers.known),
                *participants_of(&cell.numbers.withheld),
            )
        })
        .collect();
    disclosure::protect(settings, actor, &table, dimensions_from)
}

/// One cell of an outcome summary: the keys of its group (one per dimension) and its numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryCell {
    pub keys: Vec<Key>,
    pub numbers: Numbers,
}

/// An outcome summary: one cell per group that has records (one cell when not grouped), under
/// the disclosure `settings`, and the rule that protected it.
pub async fn summary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: Disclosure,
    checked: &CheckedScope,
) -> ApiResult<(Rule, Vec<SummaryCell>)> {
    let cells = aggregate::outcome_cells(db, actor, &checked.scope, &checked.dimensions).await?;
    let Protected {
        rule,
        bases,
        suppressed,
    } = protect(settings, actor, &cells, |part: &Part| &part.participants, 0);
    let unit = checked.indicator.unit;
    let cells = cells
        .into_iter()
        .zip(suppressed)
        .zip(bases)
        .map(|((cell, suppressed), base)| SummaryCell {
            numbers: Numbers::shown(&cell.numbers, unit, base, suppressed, &rule),
            keys: cell.keys,
        })
        .collect();
    Ok((rule, cells))
}

/// One cell of a trend: a time bucket, a phase and (when grouped) the group's keys.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendCell {
    /// The bucket's label: `2026-03` (MONTH), `2026-Q1` (QUARTER) or `2026` (YEAR).
    pub bucket: String,
    /// The first day of the bucket.
    pub bucket_start: NaiveDate,
    pub phase: OutcomePhase,
    /// One key per dimension grouped by.
    pub keys: Vec<Key>,
    /// Enrolments with a value observed in this bucket and phase.
    pub participants: Option<i32>,
    pub records: Option<i32>,
    /// Mean over those enrolments of each one's mean value in the bucket and phase.
    pub mean_value: Option<f64>,
    pub suppressed: bool,
    /// Some numbers leave out a few young people withheld from the caller's organisation.
    pub excludes_unshared: bool,
}

/// A trend bucket's label and first day, from its year and index within the year.
fn bucket_label(bucket: Bucket, keys: &[Key]) -> Option<(String, NaiveDate)> {
    let (Some(Key::Number(year)), Some(Key::Number(index))) = (keys.first(), keys.get(1)) else {
        return None;
    };
    let index = u32::try_from(*index).ok()?;
    let (label, month) = match bucket {
        Bucket::Month => (format!("{year}-{index:02}"), index),
        Bucket::Quarter => (format!("{year}-Q{index}"), index * 3 - 2),
        Bucket::Year => (format!("{year}"), 1),
    };
    Some((label, NaiveDate::from_ymd_opt(*year, month, 1)?))
}

/// An outcome trend: per `bucket` of the day values were observed, and per phase, the young
/// people measured and their mean value, in bucket, phase and group order, under the
/// disclosure `settings`.
pub async fn trend(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: Disclosure,
    checked: &CheckedScope,
    bucket: Bucket,
) -> ApiResult<(Rule, Vec<TrendCell>)> {
    let cells =
        aggregate::trend_cells(db, actor, &checked.scope, bucket, &checked.dimensions).await?;
    // Year, index and phase make independent tables; only the dimensions add up.
    let Protected {
        rule,
        bases,
        suppressed,
    } = protect(
        settings,
        actor,
        &cells,
        |part: &TrendPart| &part.participants,
        3,
    );
    let mut shown = Vec::with_capacity(cells.len());
    for ((cell, suppressed), participants) in cells.iter().zip(suppressed).zip(bases) {
        let (label, bucket_start) = bucket_label(bucket, &cell.keys)
            .ok_or_else(|| ApiError::internal("a trend bucket outside the calendar"))?;
        let phase = match cell.keys.get(2) {
            Some(Key::Text(phase)) => OutcomePhase::try_from_value(phase).ok(),
            _ => None,
        }
        .ok_or_else(|| ApiError::internal("a trend cell without a phase"))?;
        let Split { known, withheld } = &cell.numbers;
        let value = rule.base(&known.value, &withheld.value);
        shown.push(TrendCell {
            bucket: label,
            bucket_start,
            phase,
            keys: cell.keys[3..].to_vec(),
            participants: (!suppressed).then(|| rule.count(&participants.tally)),
            records: (!suppressed)
                .then(|| rule.records(&participants, known.records, withheld.records)),
            mean_value: (!suppressed)
                .then(|| rule.mean(&value.tally, Statistic::TrendValue))
                .flatten(),
            suppressed,
            excludes_unshared: !suppressed
                && (participants.excludes_unshared || value.excludes_unshared),
        });
    }
    Ok((rule, shown))
}
