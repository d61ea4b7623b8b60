//! `Enrolment.journey` (DESIGN §6.5): one young person's outcomes on one intervention, indicator
//! by indicator, so hard and soft outcomes can be read side by side. It is participant-level
//! data: only the records the caller may read (the policy's row filter) appear, and reads are
//! logged like every other read of the young person's rows.

pub mod service;

use async_graphql::{Context, Object};
use entity::enrolment;

use self::service::Journey;
use crate::{
    directory::indicators::Indicator,
    evidence::outcome_records::OutcomeRecord,
    graphql::{request, scalars::Date},
};

/// One indicator's measurements of one enrolment: the baseline, every later value in date
/// order, and how far the young person has come (§6.1).
pub struct IndicatorJourney(Journey);

#[Object]
impl IndicatorJourney {
    async fn indicator(&self) -> Indicator {
        Indicator(self.0.indicator.clone())
    }
    /// The BASELINE value.
    async fn baseline(&self) -> Option<f64> {
        self.0.baseline.as_ref().map(|record| record.value)
    }
    async fn baseline_on(&self) -> Option<Date> {
        self.0
            .baseline
            .as_ref()
            .map(|record| record.observed_on.into())
    }
    /// Every value after the baseline, in date order.
    async fn values(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OutcomeRecord>> {
        let request = request(ctx)?;
        Ok(self
            .0
            .later
            .iter()
            .map(|record| {
                let row = (record.clone(), self.0.participant_id);
                OutcomeRecord::reveal(request, row, "IndicatorJourney.values")
            })
            .collect())
    }
    /// The most recent value after the baseline.
    async fn latest(&self) -> Option<f64> {
        self.0.latest().map(|record| record.value)
    }
    async fn latest_on(&self) -> Option<Date> {
        self.0.latest().map(|record| record.observed_on.into())
    }
    /// Latest − baseline ("distance travelled"), when both exist.
    async fn change(&self) -> Option<f64> {
        self.0.change()
    }
    /// Whether the change went the indicator's good way.
    async fn improved(&self) -> Option<bool> {
        self.0.improved()
    }
    /// BOOLEAN indicators: whether the latest value is 1 (e.g. back in mainstream school).
    async fn achieved(&self) -> Option<bool> {
        self.0.achieved()
    }
}

/// The journey of an enrolment the caller can see: every indicator the intervention reports on
/// (and any other its records use), in indicator-code order.
pub async fn journey_of(
    ctx: &Context<'_>,
    enrolment: &enrolment::Model,
) -> async_graphql::Result<Vec<IndicatorJourney>> {
    let loaders = &request(ctx)?.loaders;
    let records = loaders
        .enrolment_records
        .load_one(enrolment.id)
        .await?
        .unwrap_or_default();
    let mut indicators = loaders
        .intervention_indicators
        .load_one(enrolment.intervention_id)
        .await?
        .unwrap_or_default();
    let missing = service::missing_indicators(&records, &indicators);
    indicators.extend(loaders.indicators.load_many(missing).await?.into_values());
    Ok(
        service::journeys(enrolment.participant_id, records, indicators)
            .into_iter()
            .map(IndicatorJourney)
            .collect(),
    )
}
