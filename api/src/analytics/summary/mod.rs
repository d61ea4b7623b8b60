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
use super::DisclosureInfo;
use crate::{
    directory::indicators::Indicator,
    graphql::{disclosure as disclosure_settings, request},
};

/// One indicator's numbers in a submission, as the caller may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSummary {
    shown: IndicatorNumbers,
    disclosure: DisclosureInfo,
}

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
    let (rule, shown) = service::shown(disclosure_settings(ctx)?, &request.actor, &cells);
    let disclosure = DisclosureInfo::from(&rule);
    Ok(shown
        .into_iter()
        .map(|shown| IndicatorSummary { shown, disclosure })
        .collect())
}

/// One indicator's outcomes in a submission (§6.1), under disclosure control (§6.4). Counts are
/// of enrolments (one young person on the intervention), means are on the indicator's scale.
#[Object]
impl IndicatorSummary {
    async fn indicator_id(&self) -> ID {
        self.shown.indicator_id.into()
    }
    async fn indicator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Indicator>> {
        let loaded = request(ctx)?
            .loaders
            .indicators
            .load_one(self.shown.indicator_id)
            .await?;
        Ok(loaded.map(Indicator))
    }
    /// Outcome records of this indicator in the submission.
    async fn records(&self) -> Option<i32> {
        self.shown.numbers.records
    }
    /// Young people (enrolments) with any record of this indicator in the submission.
    async fn participants(&self) -> Option<i32> {
        self.shown.numbers.participants
    }
    /// Mean BASELINE value, over those with a baseline.
    async fn mean_baseline(&self) -> Option<f64> {
        self.shown.numbers.mean_baseline
    }
    /// Mean latest value (the most recent record after the baseline), over those with one.
    async fn mean_latest(&self) -> Option<f64> {
        self.shown.numbers.mean_latest
    }
    /// Mean of latest − baseline, over those with both.
    async fn mean_change(&self) -> Option<f64> {
        self.shown.numbers.mean_change
    }
    /// Of those with both a baseline and a latest value, the percentage whose change went the
    /// indicator's good way.
    async fn percent_improved(&self) -> Option<f64> {
        self.shown.numbers.percent_improved
    }
    /// True when the cell describes too few young people to show its numbers
    /// (`SUPPRESSION_THRESHOLD`); every number is then null.
    async fn suppressed(&self) -> bool {
        self.shown.numbers.suppressed
    }
    /// True when some numbers leave out a few young people (fewer than the threshold) whose
    /// information is not shared with your organisation, rather than hiding them.
    async fn excludes_unshared(&self) -> bool {
        self.shown.numbers.excludes_unshared
    }
    /// How the numbers were protected.
    async fn disclosure(&self) -> DisclosureInfo {
        self.disclosure
    }
}
