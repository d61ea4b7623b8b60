//! The §6.3 arithmetic of target progress: the target's aggregation of the counts, the straight
//! line from baseline to target, and the status that compares them; and the counts themselves,
//! batched across targets.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{enums::TargetAggregation, indicator, target};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    analytics::{
        aggregate::{self, Counts, Dimension, Key, Part, Tally},
        disclosure::{self, Rule, Statistic},
        scope::Scope,
    },
    platform::{
        config::Disclosure,
        error::{ApiError, ApiResult},
    },
};

/// Where a target stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStatus {
    /// The actual value meets the target value.
    Achieved,
    /// At or beyond the straight line from baseline to target (within 5 % of the distance).
    OnTrack,
    /// Behind that line, with time left.
    AtRisk,
    /// The target date has passed and the target was not met.
    Missed,
    /// No young person's outcomes count towards it yet, or too few to report (`suppressed`).
    NoData,
}

/// The share of |target − baseline| by which the actual may fall short of the expected value and
/// still be on track (§6.3).
const ON_TRACK_TOLERANCE: f64 = 0.05;

/// A target's actual value as the caller may see it (§6.3, §6.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Actual {
    /// The target's aggregation of the counts; `None` without data or when `suppressed`.
    pub value: Option<f64>,
    /// Enrolments the value is computed from.
    pub participants: Option<i32>,
    /// Too few young people to show.
    pub suppressed: bool,
    /// The value leaves out a few young people withheld from the caller's organisation.
    pub excludes_unshared: bool,
}

/// The number the target's aggregation gives over `counts`, under `rule`: the statistic's own
/// base decides (the young people with a latest value for a mean of latest values, those with
/// both a baseline and a latest value for a change).
pub fn actual(rule: &Rule, aggregation: TargetAggregation, counts: &Counts) -> Actual {
    let (tally, statistic): (fn(&Part) -> &Tally, Statistic) = match aggregation {
        TargetAggregation::MeanLatest => (|part| &part.latest, Statistic::Latest),
        TargetAggregation::MeanChange => (|part| &part.change, Statistic::Change),
        TargetAggregation::PercentImproved => (|part| &part.improved, Statistic::Improved),
        TargetAggregation::PercentAchieved => (|part| &part.achieved, Statistic::Achieved),
    };
    let participants = rule.base(&counts.known.participants, &counts.withheld.participants);
    let base = rule.base(tally(&counts.known), tally(&counts.withheld));
    let suppressed = rule.suppresses(&participants) || rule.suppresses(&base);
    if suppressed {
        return Actual {
            value: None,
            participants: None,
            suppressed,
            excludes_unshared: false,
        };
    }
    let value = match aggregation {
        TargetAggregation::MeanLatest | TargetAggregation::MeanChange => {
            rule.mean(&base.tally, statistic)
        }
        TargetAggregation::PercentImproved | TargetAggregation::PercentAchieved => {
            rule.percent(&base.tally, statistic)
        }
    };
    Actual {
        value,
        participants: Some(rule.count(&base.tally)),
        suppressed,
        excludes_unshared: base.excludes_unshared,
    }
}

/// The value on the straight line from (baseline date, baseline) to (target date, target) on
/// `as_of`, held at the ends outside that period.
pub fn expected(target: &target::Model, as_of: NaiveDate) -> f64 {
    let span = (target.target_date - target.baseline_date).num_days();
    let elapsed = (as_of - target.baseline_date).num_days();
    if span <= 0 || elapsed >= span {
        return target.target_value;
    }
    if elapsed <= 0 {
        return target.baseline_value;
    }
    target.baseline_value
        + (target.target_value - target.baseline_value) * elapsed as f64 / span as f64
}

/// Whether a higher actual is better for this target: percentages of young people always; means
/// as the indicator says.
pub fn higher_is_better(aggregation: TargetAggregation, indicator_higher_is_better: bool) -> bool {
    match aggregation {
        TargetAggregation::PercentImproved | TargetAggregation::PercentAchieved => true,
        TargetAggregation::MeanLatest | TargetAggregation::MeanChange => indicator_higher_is_better,
    }
}

/// The §6.3 status of an actual value against a target on `as_of`.
pub fn status(
    target: &target::Model,
    indicator_higher_is_better: bool,
    actual: Option<f64>,
    as_of: NaiveDate,
) -> ProgressStatus {
    let Some(actual) = actual else {
        return ProgressStatus::NoData;
    };
    let higher = higher_is_better(target.aggregation, indicator_higher_is_better);
    let at_least = |value: f64, bar: f64| if higher { value >= bar } else { value <= bar };
    if at_least(actual, target.target_value) {
        return ProgressStatus::Achieved;
    }
    if as_of > target.target_date {
        return ProgressStatus::Missed;
    }
    let tolerance = ON_TRACK_TOLERANCE * (target.target_value - target.baseline_value).abs();
    let allowance = if higher { tolerance } else { -tolerance };
    if at_least(actual + allowance, expected(target, as_of)) {
        ProgressStatus::OnTrack
    } else {
        ProgressStatus::AtRisk
    }
}

/// A target's progress on a day as the caller may see it (§6.3, §6.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// How the actual value was protected.
    pub rule: Rule,
    pub actual: Actual,
    pub status: ProgressStatus,
}

/// One target with its indicator and its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetWithProgress {
    pub target: target::Model,
    pub indicator: indicator::Model,
    pub progress: Progress,
}

/// The keys of [`target_counts`] for these targets on `as_of`.
pub fn target_keys(targets: &[target::Model], as_of: NaiveDate) -> Vec<TargetKey> {
    targets
        .iter()
        .map(|target| (target.partnership_id, target.indicator_id, as_of))
        .collect()
}

/// The progress of `targets` on `as_of`, from their `indicators` and their `counts` (as
/// [`target_counts`] loads them), under the disclosure `settings`: each target's rule, its
/// actual value as the caller may see it, and its status.
pub fn progress_of(
    settings: Disclosure,
    actor: &Actor,
    targets: Vec<target::Model>,
    indicators: &HashMap<Uuid, indicator::Model>,
    counts: &HashMap<TargetKey, Counts>,
    as_of: NaiveDate,
) -> ApiResult<Vec<TargetWithProgress>> {
    targets
        .into_iter()
        .map(|target| {
            let indicator = indicators
                .get(&target.indicator_id)
                .cloned()
                .ok_or_else(|| ApiError::internal("a target whose indicator is missing"))?;
            let counts = counts
                .get(&(target.partnership_id, target.indicator_id, as_of))
                .cloned()
                .unwrap_or_default();
            let rule = disclosure::rule_for(settings, actor, counts.withheld.participants.units);
            let actual = actual(&rule, target.aggregation, &counts);
            let progress = Progress {
                status: status(&target, indicator.higher_is_better, actual.value, as_of),
                actual,
                rule,
            };
            Ok(TargetWithProgress {
                target,
                indicator,
                progress,
            })
        })
        .collect()
}

/// Every target of a partnership, in the order they were created, with its progress on
/// `as_of`: what `targetProgress` answers, for callers outside GraphQL. NOT_FOUND unless the
/// caller sees the partnership.
pub async fn partnership_progress(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: Disclosure,
    partnership_id: Uuid,
    as_of: NaiveDate,
) -> ApiResult<Vec<TargetWithProgress>> {
    policy::role_in_partnership(db, actor, partnership_id).await?;
    let targets = target::Entity::find()
        .filter(target::Column::PartnershipId.eq(partnership_id))
        .order_by_asc(target::Column::Id)
        .all(db)
        .await?;
    let indicators: HashMap<Uuid, indicator::Model> = indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(targets.iter().map(|target| target.indicator_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|indicator| (indicator.id, indicator))
        .collect();
    let counts = target_counts(db, actor, &target_keys(&targets, as_of)).await?;
    progress_of(settings, actor, targets, &indicators, &counts, as_of)
}

/// Which targets' counts to load: (partnership, indicator, as-of day).
pub type TargetKey = (Uuid, Uuid, NaiveDate);

/// The counts behind targets: one statement per as-of day asked for, whatever the number of
/// targets.
pub async fn target_counts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    keys: &[TargetKey],
) -> Result<HashMap<TargetKey, Counts>, DbErr> {
    let mut by_day: HashMap<NaiveDate, Vec<&TargetKey>> = HashMap::new();
    for key in keys {
        by_day.entry(key.2).or_default().push(key);
    }
    let mut loaded = HashMap::new();
    for (as_of, keys) in by_day {
        let scope = Scope {
            partnership_ids: keys.iter().map(|key| key.0).collect(),
            indicator_ids: keys.iter().map(|key| key.1).collect(),
            as_of,
            ..Scope::default()
        };
        let cells = aggregate::outcome_cells(
            db,
            actor,
            &scope,
            &[Dimension::Partnership, Dimension::Indicator],
        )
        .await?;
        for cell in cells {
            if let [Key::Id(partnership_id), Key::Id(indicator_id)] = cell.keys[..] {
                loaded.insert((partnership_id, indicator_id, as_of), cell.numbers);
            }
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use entity::enums::TargetState;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// Attendance from 70 % on 1 Jan 2026 to 90 % on 1 Jan 2027.
    fn attendance() -> target::Model {
        target::Model {
            id: Uuid::nil(),
            partnership_id: Uuid::nil(),
            indicator_id: Uuid::nil(),
            title: "Attendance".into(),
            aggregation: TargetAggregation::MeanLatest,
            baseline_value: 70.0,
            baseline_date: day("2026-01-01"),
            target_value: 90.0,
            target_date: day("2027-01-01"),
            state: TargetState::Agreed,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn expected_follows_the_straight_line_and_holds_at_the_ends() {
        let target = attendance();
        assert_eq!(expected(&target, day("2025-06-01")), 70.0);
        assert_eq!(expected(&target, day("2026-01-01")), 70.0);
        // 1 Jul 2026 is 181 of 365 days in.
        let mid = expected(&target, day("2026-07-01"));
        assert!((mid - (70.0 + 20.0 * 181.0 / 365.0)).abs() < 1e-9);
        assert_eq!(expected(&target, day("2027-06-01")), 90.0);
    }

    #[test]
    fn status_follows_section_6_3() {
        let target = attendance();
        let mid = day("2026-07-01"); // expected ≈ 79.92, tolerance 1.0
        assert_eq!(status(&target, true, None, mid), ProgressStatus::NoData);
        assert_eq!(
            status(&target, true, Some(90.0), mid),
            ProgressStatus::Achieved
        );
        assert_eq!(
            status(&target, true, Some(79.0), mid),
            ProgressStatus::OnTrack
        );
        assert_eq!(
            status(&target, true, Some(78.5), mid),
            ProgressStatus::AtRisk
        );
        assert_eq!(
            status(&target, true, Some(85.0), day("2027-02-01")),
            ProgressStatus::Missed
        );
        assert_eq!(
            status(&target, true, Some(91.0), day("2027-02-01")),
            ProgressStatus::Achieved
        );
    }

    #[test]
    fn a_lower_is_better_mean_is_judged_downwards() {
        // Exclusion days from 10 to 4.
        let target = target::Model {
            baseline_value: 10.0,
            target_value: 4.0,
            ..attendance()
        };
        let mid = day("2026-07-01"); // expected ≈ 7.02, tolerance 0.3
        assert_eq!(
            status(&target, false, Some(4.0), mid),
            ProgressStatus::Achieved
        );
        assert_eq!(
            status(&target, false, Some(7.2), mid),
            ProgressStatus::OnTrack
        );
        assert_eq!(
            status(&target, false, Some(8.0), mid),
            ProgressStatus::AtRisk
        );
    }

    #[test]
    fn percentages_of_young_people_are_always_better_higher() {
        let target = target::Model {
            aggregation: TargetAggregation::PercentImproved,
            baseline_value: 0.0,
            target_value: 60.0,
            ..attendance()
        };
        assert_eq!(
            status(&target, false, Some(65.0), day("2026-07-01")),
            ProgressStatus::Achieved
        );
    }
}
