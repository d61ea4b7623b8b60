//! Dashboards (DESIGN §6): outcomes across young people, computed by the database and released
//! under disclosure control.
//!
//! - [`scope`] decides which records count (the caller's filters and the policy's, in SQL);
//! - [`aggregate`] computes the §6.1–§6.2 numbers in SQL;
//! - [`disclosure`] decides which cells may show them (§6.4);
//! - [`outcomes`] (`outcomeSummary`, `outcomeTrend`), [`progress`] (`targetProgress`,
//!   `Target.progress`), [`coverage`] (`serviceCoverage`) and [`journey`] (`Enrolment.journey`)
//!   are the GraphQL surface.

pub mod aggregate;
pub mod coverage;
pub mod disclosure;
pub mod journey;
pub mod outcomes;
pub mod progress;
pub mod scope;
pub mod summary;

use async_graphql::{Context, MergedObject};
use chrono::{NaiveDate, Utc};

use crate::graphql::scalars::Date;

/// The analytics queries, merged into `Query`.
#[derive(MergedObject, Default)]
pub struct AnalyticsQuery(
    outcomes::OutcomeQuery,
    progress::ProgressQuery,
    coverage::CoverageQuery,
);

/// The day a query is "as of": the one asked for, or today (UTC).
pub fn as_of_or_today(as_of: Option<Date>) -> NaiveDate {
    as_of.map_or_else(|| Utc::now().date_naive(), |date| date.0)
}

/// Whether the caller sees aggregates of these young people without disclosure control.
fn exempt(ctx: &Context<'_>, hidden: i64) -> async_graphql::Result<bool> {
    let actor = &crate::graphql::request(ctx)?.actor;
    Ok(crate::access::policy::sees_every_aggregate(
        actor,
        hidden == 0,
    ))
}
