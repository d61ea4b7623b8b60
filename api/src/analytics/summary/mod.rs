//! `EvaluationSubmission.summary` (DESIGN §4.3, §6.1, §6.4): per indicator, how many records and
//! young people a submission carries and how their outcomes moved, so a commissioner can review
//! the evidence even where the information-sharing rules withhold the rows themselves.
//!
//! The numbers are the dashboards' numbers, released under the same disclosure policy, so a
//! summary and a dashboard can never disagree on a rule ([`service`] computes and releases them).

pub mod service;

use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use self::service::IndicatorNumbers;
use crate::{
    directory::indicators::Indicator,
    graphql::{disclosure as disclosure_settings, request},
};

/// One indicator's numbers in a submission, as the caller may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSummary(IndicatorNumbers);

/// `EvaluationSubmission.summary`: one cell per indicator, in indicator-code order. The cells are
/// different indicators, not parts of one total, so no cell needs another's protection: only
/// each cell's own small numbers are suppressed.
pub async fn summary_of(
    ctx: &Context<'_>,
    submission_id: Uuid,
) -> async_graphql::Result<Vec<IndicatorSummary>> {
    let request = request(ctx)?;
    let cells = request
        .loaders
        .submission_summaries
        .load_one(submission_id)
        .await?
        .unwrap_or_default();
    Ok(
        service::shown(disclosure_settings(ctx)?, &request.actor, &cells)
            .into_iter()
            .map(IndicatorSummary)
            .collect(),
    )
}

/// One indicator's outcomes in a submission (§6.1), under disclosure control (§6.4). Counts are
/// of enrolments (one young person on the intervention), means are on the indicator's scale.
#[Object]
impl IndicatorSummary {
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
    /// Outcome records of this indicator in the submission.
    async fn records(&self) -> Option<i32> {
        self.0.numbers.records
    }
    /// Young people (enrolments) with any record of this indicator in the submission.
    async fn participants(&self) -> Option<i32> {
        self.0.numbers.participants
    }
    /// Mean BASELINE value, over those with a baseline.
    async fn mean_baseline(&self) -> Option<f64> {
        self.0.numbers.mean_baseline
    }
    /// Mean latest value (the most recent record after the baseline), over those with one.
    async fn mean_latest(&self) -> Option<f64> {
        self.0.numbers.mean_latest
    }
    /// Mean of latest − baseline, over those with both.
    async fn mean_change(&self) -> Option<f64> {
        self.0.numbers.mean_change
    }
    /// Of those with both a baseline and a latest value, the percentage whose change went the
    /// indicator's good way.
    async fn percent_improved(&self) -> Option<f64> {
        self.0.numbers.percent_improved
    }
    /// True when the cell describes too few young people to show its numbers
    /// (`SUPPRESSION_THRESHOLD`); every number is then null.
    async fn suppressed(&self) -> bool {
        self.0.numbers.suppressed
    }
}
