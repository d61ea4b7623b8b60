//! `Enrolment.journey` (DESIGN §6.5): one young person's outcomes on one intervention, indicator
//! by indicator, so hard and soft outcomes can be read side by side. It is participant-level
//! data: only the records the caller may read (the policy's row filter) appear, and reads are
//! logged like every other read of the young person's rows.

use async_graphql::{Context, Object};
use entity::{
    enrolment,
    enums::{IndicatorUnit, OutcomePhase},
    indicator, outcome_record,
};
use uuid::Uuid;

use super::scope::PHASE_RANKS;
use crate::{
    directory::indicators::Indicator,
    evidence::outcome_records::OutcomeRecord,
    graphql::{request, scalars::Date},
};

/// One indicator's measurements of one enrolment: the baseline, every later value in date
/// order, and how far the young person has come (§6.1).
pub struct IndicatorJourney {
    /// The young person, for the access log.
    participant_id: Uuid,
    indicator: indicator::Model,
    baseline: Option<outcome_record::Model>,
    /// Values after the baseline, oldest first (on the same day INTERIM, EXIT, FOLLOW_UP).
    later: Vec<outcome_record::Model>,
}

fn phase_rank(phase: OutcomePhase) -> i32 {
    PHASE_RANKS
        .iter()
        .find(|(candidate, _)| *candidate == phase)
        .map_or(0, |(_, rank)| *rank)
}

impl IndicatorJourney {
    fn latest_record(&self) -> Option<&outcome_record::Model> {
        self.later.last()
    }

    fn distance(&self) -> Option<f64> {
        Some(self.latest_record()?.value - self.baseline.as_ref()?.value)
    }
}

#[Object]
impl IndicatorJourney {
    async fn indicator(&self) -> Indicator {
        Indicator(self.indicator.clone())
    }
    /// The BASELINE value.
    async fn baseline(&self) -> Option<f64> {
        self.baseline.as_ref().map(|record| record.value)
    }
    async fn baseline_on(&self) -> Option<Date> {
        self.baseline
            .as_ref()
            .map(|record| record.observed_on.into())
    }
    /// Every value after the baseline, in date order.
    async fn values(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OutcomeRecord>> {
        let request = request(ctx)?;
        Ok(OutcomeRecord::reveal_all(
            request,
            self.later
                .iter()
                .map(|record| (record.clone(), self.participant_id))
                .collect(),
        ))
    }
    /// The most recent value after the baseline.
    async fn latest(&self) -> Option<f64> {
        self.latest_record().map(|record| record.value)
    }
    async fn latest_on(&self) -> Option<Date> {
        self.latest_record().map(|record| record.observed_on.into())
    }
    /// Latest − baseline ("distance travelled"), when both exist.
    async fn change(&self) -> Option<f64> {
        self.distance()
    }
    /// Whether the change went the indicator's good way.
    async fn improved(&self) -> Option<bool> {
        let change = self.distance()?;
        Some(if self.indicator.higher_is_better {
            change > 0.0
        } else {
            change < 0.0
        })
    }
    /// BOOLEAN indicators: whether the latest value is 1 (e.g. back in mainstream school).
    async fn achieved(&self) -> Option<bool> {
        (self.indicator.unit == IndicatorUnit::Boolean)
            .then(|| self.latest_record().map(|record| record.value == 1.0))
            .flatten()
    }
}

/// The journey of an enrolment the caller can see: every indicator the intervention reports on
/// (and any other its records use), in indicator-code order.
pub async fn journey_of(
    ctx: &Context<'_>,
    enrolment: &enrolment::Model,
) -> async_graphql::Result<Vec<IndicatorJourney>> {
    let loaders = &request(ctx)?.loaders;
    let mut records = loaders
        .enrolment_records
        .load_one(enrolment.id)
        .await?
        .unwrap_or_default();
    records.sort_by_key(|record| (record.observed_on, phase_rank(record.phase)));
    let mut indicators = loaders
        .intervention_indicators
        .load_one(enrolment.intervention_id)
        .await?
        .unwrap_or_default();
    let missing: Vec<_> = records
        .iter()
        .map(|record| record.indicator_id)
        .filter(|id| !indicators.iter().any(|indicator| indicator.id == *id))
        .collect();
    indicators.extend(loaders.indicators.load_many(missing).await?.into_values());
    indicators.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(indicators
        .into_iter()
        .map(|indicator| {
            let (baseline, later): (Vec<_>, Vec<_>) = records
                .iter()
                .filter(|record| record.indicator_id == indicator.id)
                .cloned()
                .partition(|record| record.phase == OutcomePhase::Baseline);
            IndicatorJourney {
                participant_id: enrolment.participant_id,
                indicator,
                baseline: baseline.into_iter().next(),
                later,
            }
        })
        .collect())
}
