//! Dashboards (DESIGN §6): outcomes across young people, computed by the database and released
//! under disclosure control.
//!
//! - [`scope`] decides which records count (the caller's filters and the policy's, in SQL);
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
pub mod scope;
pub mod summary;

use async_graphql::MergedObject;
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
