//! One young person's outcomes on one intervention, indicator by indicator (DESIGN §6.5): the
//! baseline, every later value in date order, and how far the young person has come (§6.1).
//! Built from records and indicators the caller has already loaded (through the row filter), so
//! this module holds the arithmetic only.

use entity::{
    enums::{IndicatorUnit, OutcomePhase},
    indicator, outcome_record,
};
use uuid::Uuid;

use crate::analytics::scope::PHASE_RANKS;

/// One indicator's measurements of one enrolment.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    /// The young person, for the access log.
    pub participant_id: Uuid,
    pub indicator: indicator::Model,
    pub baseline: Option<outcome_record::Model>,
    /// Values after the baseline, oldest first (on the same day INTERIM, EXIT, FOLLOW_UP).
    pub later: Vec<outcome_record::Model>,
}

fn phase_rank(phase: OutcomePhase) -> i32 {
    PHASE_RANKS
        .iter()
        .find(|(candidate, _)| *candidate == phase)
        .map_or(0, |(_, rank)| *rank)
}

impl Journey {
    /// The most recent value after the baseline.
    pub fn latest(&self) -> Option<&outcome_record::Model> {
        self.later.last()
    }

    /// Latest − baseline ("distance travelled"), when both exist.
    pub fn change(&self) -> Option<f64> {
        Some(self.latest()?.value - self.baseline.as_ref()?.value)
    }

    /// Whether the change went the indicator's good way.
    pub fn improved(&self) -> Option<bool> {
        let change = self.change()?;
        Some(if self.indicator.higher_is_better {
            change > 0.0
        } else {
            change < 0.0
        })
    }

    /// BOOLEAN indicators: whether the latest value is 1.
    pub fn achieved(&self) -> Option<bool> {
        (self.indicator.unit == IndicatorUnit::Boolean)
            .then(|| self.latest().map(|record| record.value == 1.0))
            .flatten()
    }
}

/// The indicators `records` use that are not among `indicators` (those the intervention reports
/// on), to be loaded as well.
pub fn missing_indicators(
    records: &[outcome_record::Model],
    indicators: &[indicator::Model],
) -> Vec<Uuid> {
    records
        .iter()
        .map(|record| record.indicator_id)
        .filter(|id| !indicators.iter().any(|indicator| indicator.id == *id))
        .collect()
}

/// The journeys of an enrolment of `participant_id` with these records: one per indicator (the
/// intervention's and any other the records use), in indicator-code order.
pub fn journeys(
    participant_id: Uuid,
    mut records: Vec<outcome_record::Model>,
    mut indicators: Vec<indicator::Model>,
) -> Vec<Journey> {
    records.sort_by_key(|record| (record.observed_on, phase_rank(record.phase)));
    indicators.sort_by(|a, b| a.code.cmp(&b.code));
    indicators
        .into_iter()
        .map(|indicator| {
            let (baseline, later): (Vec<_>, Vec<_>) = records
                .iter()
                .filter(|record| record.indicator_id == indicator.id)
                .cloned()
                .partition(|record| record.phase == OutcomePhase::Baseline);
            Journey {
                participant_id,
                indicator,
                baseline: baseline.into_iter().next(),
                later,
            }
        })
        .collect()
}
