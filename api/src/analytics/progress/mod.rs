//! Progress against a partnership's targets (DESIGN §6.3): `targetProgress(partnershipId, asOf)`
//! and `Target.progress`, the same object.
//!
//! `actual` is the target's aggregation over the partnership's enrolments for its indicator
//! (ACCEPTED evidence only), computed by [`super::aggregate::outcome_cells`]; `expected` is the straight
//! line from the baseline to the target; the status compares the two.

pub mod service;

use async_graphql::{Context, Enum, ID, Object};
use chrono::NaiveDate;
use entity::target;

use self::service::{TargetWithProgress, expected, target_keys};
use super::{DisclosureInfo, as_of_or_today};
use crate::{
    access::policy,
    graphql::{
        clock, db_and_actor, disclosure as disclosure_settings, parse_id, request, scalars::Date,
    },
    partnership::targets::Target,
};

/// Where a target stands on a day.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::ProgressStatus")]
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

/// A target's progress on a day, as the caller may see it.
pub struct TargetProgress {
    target: target::Model,
    as_of: NaiveDate,
    status: ProgressStatus,
    actual: Option<f64>,
    participants: Option<i32>,
    suppressed: bool,
    excludes_unshared: bool,
    disclosure: DisclosureInfo,
}

#[Object]
impl TargetProgress {
    async fn target(&self) -> Target {
        Target(self.target.clone())
    }
    async fn status(&self) -> ProgressStatus {
        self.status
    }
    /// The target's aggregation over the partnership's young people, as of `asOf`, in the
    /// target's units. Null when there is no data or too little to show.
    async fn actual(&self) -> Option<f64> {
        self.actual
    }
    /// Where the straight line from baseline to target says the value should be on `asOf`.
    async fn expected(&self) -> f64 {
        expected(&self.target, self.as_of)
    }
    /// Enrolments the actual is computed from.
    async fn participants(&self) -> Option<i32> {
        self.participants
    }
    /// True when too few young people count towards the target to show its numbers (§6.4);
    /// `actual` and `participants` are then null and the status NO_DATA.
    async fn suppressed(&self) -> bool {
        self.suppressed
    }
    /// True when the actual leaves out a few young people (fewer than the threshold) whose
    /// information is not shared with your organisation, rather than hiding the number.
    async fn excludes_unshared(&self) -> bool {
        self.excludes_unshared
    }
    /// How the numbers were protected (§6.4).
    async fn disclosure(&self) -> DisclosureInfo {
        self.disclosure
    }
    async fn as_of(&self) -> Date {
        self.as_of.into()
    }
}

/// The progress of `targets` (of partnerships the caller can see) on `as_of`.
pub async fn progress_of(
    ctx: &Context<'_>,
    targets: Vec<target::Model>,
    as_of: NaiveDate,
) -> async_graphql::Result<Vec<TargetProgress>> {
    let request = request(ctx)?;
    let counts = request
        .loaders
        .target_counts
        .load_many(target_keys(&targets, as_of))
        .await?;
    let indicators = request
        .loaders
        .indicators
        .load_many(targets.iter().map(|target| target.indicator_id))
        .await?;
    let progress = service::progress_of(
        disclosure_settings(ctx)?,
        &request.actor,
        targets,
        &indicators,
        &counts,
        as_of,
    )?;
    Ok(progress
        .into_iter()
        .map(
            |TargetWithProgress {
                 target, progress, ..
             }| {
                let actual = progress.actual;
                TargetProgress {
                    status: progress.status.into(),
                    actual: actual.value,
                    participants: actual.participants,
                    suppressed: actual.suppressed,
                    excludes_unshared: actual.excludes_unshared,
                    disclosure: DisclosureInfo::from(&progress.rule),
                    target,
                    as_of,
                }
            },
        )
        .collect())
}

#[derive(Default)]
pub struct ProgressQuery;

#[Object]
impl ProgressQuery {
    /// Progress against every target of a partnership (§6.3), as of `asOf` (default today).
    #[graphql(complexity = "crate::graphql::limits::AGGREGATE_COST + child_complexity")]
    async fn target_progress(
        &self,
        ctx: &Context<'_>,
        partnership_id: ID,
        as_of: Option<Date>,
    ) -> async_graphql::Result<Vec<TargetProgress>> {
        let (db, actor) = db_and_actor(ctx)?;
        let partnership_id = parse_id(&partnership_id, "partnershipId")?;
        policy::role_in_partnership(db, actor, partnership_id).await?;
        let targets = request(ctx)?
            .loaders
            .targets
            .load_one(partnership_id)
            .await?
            .unwrap_or_default();
        progress_of(ctx, targets, as_of_or_today(as_of, clock(ctx)?.today())).await
    }
}
