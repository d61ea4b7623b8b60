//! Dashboards (DESIGN §6): outcomes across young people, computed by the database and released
//! under disclosure control.
//!
//! - [`scope`] decides which records count (the caller's filters and the policy's, in SQL);
//! - [`read_model`] keeps each enrolment's numbers of accepted evidence, which dashboards read
//!   instead of every record when the scope allows;
//! - [`aggregate`] computes the §6.1–§6.2 numbers in SQL;
//! - [`disclosure`] decides which cells may show them (§6.4);
//! - [`outcomes`] (`outcomeSummary`, `outcomeTrend`), [`progress`] (`targetProgress`,
//!   `Target.progress`), [`coverage`] (`serviceCoverage`), [`journey`] (`Enrolment.journey`)
//!   and [`summary`] (`EvaluationSubmission.summary`) are the GraphQL surface, each a face over
//!   its `service`.

pub mod aggregate;
pub mod coverage;
pub mod disclosure;
pub mod journey;
pub mod outcomes;
pub mod progress;
pub mod read_model;
pub mod scope;
pub mod summary;

use async_graphql::{Enum, MergedObject, SimpleObject};
use chrono::NaiveDate;

use crate::graphql::scalars::Date;

/// The analytics queries, merged into `Query`.
#[derive(MergedObject, Default)]
pub struct AnalyticsQuery(
    outcomes::OutcomeQuery,
    progress::ProgressQuery,
    coverage::CoverageQuery,
);

/// The day a query is "as of": the one asked for, or `today` (the application clock's,
/// `graphql::clock(ctx)?.today()`).
pub fn as_of_or_today(as_of: Option<Date>, today: NaiveDate) -> NaiveDate {
    as_of.map_or(today, |date| date.0)
}

/// How an aggregate's numbers were protected (§6.4; README "How the numbers protect children"),
/// so that a dashboard can footnote them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "disclosure::Method")]
pub enum DisclosureMethod {
    /// Every number exact: admins, and a provider looking only at its own young people.
    Exact,
    /// Small cells suppressed, numbers otherwise exact.
    SuppressedOnly,
    /// Small cells suppressed and every number slightly perturbed (the cell-key method): the same
    /// young people always give the same numbers, and no two answers can be subtracted to
    /// reveal one child.
    CellKey,
}

/// How an aggregate was protected.
#[derive(SimpleObject, Debug, Clone, Copy, PartialEq)]
#[graphql(name = "Disclosure")]
pub struct DisclosureInfo {
    pub method: DisclosureMethod,
    /// Cells about fewer young people than this are suppressed, and means or percentages over
    /// fewer are null.
    pub threshold: i32,
    /// The most a published count differs from the true count, up or down (0 unless CELL_KEY).
    pub max_noise: i32,
    /// The most the sum behind a published mean or percentage differs from the true sum, as a
    /// share of the largest single young person's value in it (0 unless CELL_KEY).
    pub max_magnitude_noise: f64,
}

impl From<&disclosure::Rule> for DisclosureInfo {
    fn from(rule: &disclosure::Rule) -> Self {
        Self {
            method: rule.method().into(),
            threshold: i32::try_from(rule.threshold()).unwrap_or(i32::MAX),
            max_noise: i32::try_from(rule.max_noise()).unwrap_or(i32::MAX),
            max_magnitude_noise: rule.max_magnitude_noise(),
        }
    }
}
