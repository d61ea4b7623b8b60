//! `outcomeSummary` and `outcomeTrend` (DESIGN §6.2, §7): the numbers a dashboard draws, for one
//! indicator over a scope of records, optionally grouped and bucketed. The face parses and
//! bounds the input; [`service`] checks it against what the caller can see and computes the
//! numbers under disclosure control.

pub mod service;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::{InterventionCategory, OutcomePhase, Sex};
use sea_orm::ActiveEnum;
use uuid::Uuid;

use self::service::{CheckedScope, Numbers, ScopeRequest};
use super::{
    DisclosureInfo,
    aggregate::{Bucket, Dimension, Key},
    as_of_or_today,
};
use crate::{
    delivery::interventions::Intervention,
    directory::{areas::Area, indicators::Indicator, organisations::Organisation},
    graphql::{
        clock, db_and_actor, disclosure as disclosure_settings, parse_id, request, scalars::Date,
    },
    platform::error::ApiResult,
};

/// The dimensions an outcome summary or trend can be grouped by (§6.2).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeDimension {
    /// The intervention the young person is enrolled in.
    Intervention,
    /// The organisation that delivers it.
    Provider,
    /// The young person's council area.
    Area,
    /// The intervention's category.
    Category,
    /// Whether the young person is care-experienced.
    LookedAfter,
    /// The young person's age at `asOf`, from the birth year.
    AgeBand,
    Sex,
}

impl From<OutcomeDimension> for Dimension {
    fn from(dimension: OutcomeDimension) -> Self {
        match dimension {
            OutcomeDimension::Intervention => Self::Intervention,
            OutcomeDimension::Provider => Self::Provider,
            OutcomeDimension::Area => Self::Area,
            OutcomeDimension::Category => Self::Category,
            OutcomeDimension::LookedAfter => Self::LookedAfter,
            OutcomeDimension::AgeBand => Self::AgeBand,
            OutcomeDimension::Sex => Self::Sex,
        }
    }
}

/// Age bands (§6.2), from the birth year at `asOf`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBand {
    #[graphql(name = "AGE_0_11")]
    Age0To11,
    #[graphql(name = "AGE_12_15")]
    Age12To15,
    #[graphql(name = "AGE_16_18")]
    Age16To18,
    #[graphql(name = "AGE_19_25")]
    Age19To25,
}

impl AgeBand {
    /// From the name the SQL gives the band (`scope::AGE_BANDS`).
    fn from_sql(name: &str) -> Option<Self> {
        match name {
            "AGE_0_11" => Some(Self::Age0To11),
            "AGE_12_15" => Some(Self::Age12To15),
            "AGE_16_18" => Some(Self::Age16To18),
            "AGE_19_25" => Some(Self::Age19To25),
            _ => None,
        }
    }
}

/// Time buckets of a trend, by the day a value was observed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBucket {
    Month,
    Quarter,
    Year,
}

impl From<TimeBucket> for Bucket {
    fn from(bucket: TimeBucket) -> Self {
        match bucket {
            TimeBucket::Month => Self::Month,
            TimeBucket::Quarter => Self::Quarter,
            TimeBucket::Year => Self::Year,
        }
    }
}

/// Which outcome records count (§6.2). Only ACCEPTED evidence counts unless
/// `includeUnreviewed`; only partnerships the caller can see are ever included.
#[derive(InputObject, Debug, Clone)]
pub struct OutcomeScopeInput {
    /// The indicator measured (required: means across indicators mean nothing).
    pub indicator_id: ID,
    pub partnership_id: Option<ID>,
    pub intervention_ids: Option<Vec<ID>>,
    /// Organisations delivering the interventions.
    pub provider_ids: Option<Vec<ID>>,
    /// Council areas the young people live in.
    pub area_codes: Option<Vec<String>>,
    /// Count only values observed on or after this day.
    pub observed_from: Option<Date>,
    /// Count only values observed on or before this day.
    pub observed_to: Option<Date>,
    /// Compute as on this day (default today): later values are ignored, ages taken on it.
    pub as_of: Option<Date>,
    /// Also count evidence submitted but not yet accepted (SUBMITTED, CHANGES_REQUESTED) that
    /// the caller can see. Never drafts.
    #[graphql(default)]
    pub include_unreviewed: bool,
}

#[derive(InputObject, Debug, Clone)]
pub struct OutcomeSummaryInput {
    #[graphql(flatten)]
    pub scope: OutcomeScopeInput,
    /// Up to two dimensions; none gives one cell for the whole scope.
    #[graphql(default)]
    pub group_by: Vec<OutcomeDimension>,
}

#[derive(InputObject, Debug, Clone)]
pub struct OutcomeTrendInput {
    #[graphql(flatten)]
    pub scope: OutcomeScopeInput,
    pub bucket: TimeBucket,
    /// Up to two dimensions, within each bucket and phase.
    #[graphql(default)]
    pub group_by: Vec<OutcomeDimension>,
}

fn ids(field: &str, values: Option<&Vec<ID>>) -> ApiResult<Vec<Uuid>> {
    let values = values.map(Vec::as_slice).unwrap_or_default();
    values.iter().map(|id| parse_id(id, field)).collect()
}

/// Parses the input and checks it ([`service::check`]: the grouping, the dates, the lists'
/// lengths, and that the indicator exists and a named partnership and interventions are
/// visible to the caller).
async fn check(
    ctx: &Context<'_>,
    input: &OutcomeScopeInput,
    group_by: &[OutcomeDimension],
) -> ApiResult<CheckedScope> {
    let (db, actor) = db_and_actor(ctx)?;
    let indicator_id = parse_id(&input.indicator_id, "indicatorId")?;
    let partnership_id = input
        .partnership_id
        .as_ref()
        .map(|id| parse_id(id, "partnershipId"))
        .transpose()?;
    let intervention_ids = ids("interventionIds", input.intervention_ids.as_ref())?;
    let area_codes = input.area_codes.clone().unwrap_or_default();
    let request = ScopeRequest {
        indicator_id,
        partnership_id,
        intervention_ids,
        provider_ids: ids("providerIds", input.provider_ids.as_ref())?,
        area_codes,
        observed_from: input.observed_from.map(|date| date.0),
        observed_to: input.observed_to.map(|date| date.0),
        as_of: as_of_or_today(input.as_of, clock(ctx)?.today()),
        include_unreviewed: input.include_unreviewed,
        dimensions: group_by.iter().copied().map(Dimension::from).collect(),
    };
    service::check(db, actor, request).await
}

/// The keys of one cell: each is set when the result is grouped by its dimension.
#[derive(Debug, Clone, Default)]
pub struct GroupKeys {
    intervention_id: Option<Uuid>,
    provider_id: Option<Uuid>,
    area_code: Option<String>,
    category: Option<InterventionCategory>,
    looked_after: Option<bool>,
    age_band: Option<AgeBand>,
    sex: Option<Sex>,
}

impl GroupKeys {
    fn of(dimensions: &[Dimension], keys: &[Key]) -> Self {
        let mut group = Self::default();
        for (dimension, key) in dimensions.iter().zip(keys) {
            match (dimension, key) {
                (Dimension::Intervention, Key::Id(id)) => group.intervention_id = Some(*id),
                (Dimension::Provider, Key::Id(id)) => group.provider_id = Some(*id),
                (Dimension::Area, Key::Text(code)) => group.area_code = Some(code.clone()),
                (Dimension::Category, Key::Text(name)) => {
                    group.category = InterventionCategory::try_from_value(name).ok();
                }
                (Dimension::LookedAfter, Key::Flag(flag)) => group.looked_after = Some(*flag),
                (Dimension::AgeBand, Key::Text(name)) => group.age_band = AgeBand::from_sql(name),
                (Dimension::Sex, Key::Text(name)) => group.sex = Sex::try_from_value(name).ok(),
                _ => {}
            }
        }
        group
    }
}

/// A cell's group: the values of the dimensions it was grouped by (null for the others, and
/// for young people whose sex was not recorded or whose age falls outside every band).
#[Object]
impl GroupKeys {
    async fn intervention(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Intervention>> {
        let Some(id) = self.intervention_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?.loaders.interventions.load_one(id).await?;
        Ok(loaded.map(Intervention))
    }
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(id) = self.provider_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?.loaders.organisations.load_one(id).await?;
        Ok(loaded.map(Organisation))
    }
    async fn area(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Area>> {
        let Some(code) = self.area_code.clone() else {
            return Ok(None);
        };
        let loaded = request(ctx)?.loaders.areas.load_one(code).await?;
        Ok(loaded.map(Area::from))
    }
    async fn area_code(&self) -> Option<&str> {
        self.area_code.as_deref()
    }
    async fn category(&self) -> Option<InterventionCategory> {
        self.category
    }
    async fn looked_after(&self) -> Option<bool> {
        self.looked_after
    }
    async fn age_band(&self) -> Option<AgeBand> {
        self.age_band
    }
    async fn sex(&self) -> Option<Sex> {
        self.sex
    }
}

/// The §6.2 numbers of one cell as the caller may see them (§6.4). Counts are of enrolments
/// (a young person on an intervention) unless named `records`.
#[derive(SimpleObject, Debug, Clone, Default, PartialEq)]
pub struct OutcomeNumbers {
    /// Enrolments with any value in scope.
    pub participants: Option<i32>,
    /// Outcome records in scope.
    pub records: Option<i32>,
    /// Mean BASELINE value, over enrolments with a baseline.
    pub mean_baseline: Option<f64>,
    /// Mean latest value (most recent after the baseline, up to `asOf`), over those with one.
    pub mean_latest: Option<f64>,
    /// Mean of latest − baseline ("distance travelled"), over enrolments with both.
    pub mean_change: Option<f64>,
    /// Of enrolments with both, the percentage whose change went the indicator's good way.
    pub percent_improved: Option<f64>,
    /// BOOLEAN indicators: of enrolments with a latest value, the percentage whose latest is 1.
    pub percent_achieved: Option<f64>,
    /// True when the cell describes too few young people to show (`SUPPRESSION_THRESHOLD`), or
    /// must be hidden so that another small cell cannot be worked out from the totals; every
    /// number is then null.
    pub suppressed: bool,
    /// True when some numbers leave out a few young people (fewer than the threshold) whose
    /// information is not shared with your organisation, rather than hiding the cell.
    pub excludes_unshared: bool,
}

impl From<Numbers> for OutcomeNumbers {
    fn from(numbers: Numbers) -> Self {
        Self {
            participants: numbers.participants,
            records: numbers.records,
            mean_baseline: numbers.mean_baseline,
            mean_latest: numbers.mean_latest,
            mean_change: numbers.mean_change,
            percent_improved: numbers.percent_improved,
            percent_achieved: numbers.percent_achieved,
            suppressed: numbers.suppressed,
            excludes_unshared: numbers.excludes_unshared,
        }
    }
}

/// One cell of an outcome summary: its group and its numbers.
#[derive(SimpleObject, Debug, Clone)]
pub struct OutcomeCell {
    #[graphql(flatten)]
    group: GroupKeys,
    #[graphql(flatten)]
    numbers: OutcomeNumbers,
}

/// `outcomeSummary`: one cell per group that has records (one cell when not grouped).
#[derive(SimpleObject)]
pub struct OutcomeSummary {
    indicator: Indicator,
    as_of: Date,
    /// Whether unreviewed evidence was counted (`includeUnreviewed`).
    includes_unreviewed: bool,
    /// How the numbers were protected.
    disclosure: DisclosureInfo,
    cells: Vec<OutcomeCell>,
}

/// One cell of a trend: a time bucket, a phase and (when grouped) a group.
#[derive(SimpleObject, Debug, Clone)]
pub struct TrendCell {
    /// The bucket's label: `2026-03` (MONTH), `2026-Q1` (QUARTER) or `2026` (YEAR).
    bucket: String,
    /// The first day of the bucket.
    bucket_start: Date,
    phase: OutcomePhase,
    #[graphql(flatten)]
    group: GroupKeys,
    /// Enrolments with a value observed in this bucket and phase.
    participants: Option<i32>,
    records: Option<i32>,
    /// Mean over those enrolments of each one's mean value in the bucket and phase.
    mean_value: Option<f64>,
    suppressed: bool,
    /// True when some numbers leave out a few young people (fewer than the threshold) whose
    /// information is not shared with your organisation.
    excludes_unshared: bool,
}

/// `outcomeTrend`: cells in bucket, phase and group order.
#[derive(SimpleObject)]
pub struct OutcomeTrend {
    indicator: Indicator,
    as_of: Date,
    includes_unreviewed: bool,
    bucket: TimeBucket,
    /// How the numbers were protected.
    disclosure: DisclosureInfo,
    cells: Vec<TrendCell>,
}

#[derive(Default)]
pub struct OutcomeQuery;

#[Object]
impl OutcomeQuery {
    /// Outcomes for one indicator over a scope of young people (DESIGN §6.2), grouped by up to
    /// two dimensions, computed by the database. Small groups are suppressed (§6.4) except for
    /// admins and a provider looking only at its own young people.
    #[graphql(complexity = "crate::graphql::limits::AGGREGATE_COST + child_complexity")]
    async fn outcome_summary(
        &self,
        ctx: &Context<'_>,
        input: OutcomeSummaryInput,
    ) -> async_graphql::Result<OutcomeSummary> {
        let checked = check(ctx, &input.scope, &input.group_by).await?;
        let (db, actor) = db_and_actor(ctx)?;
        let (rule, cells) =
            service::summary(db, actor, disclosure_settings(ctx)?, &checked).await?;
        Ok(OutcomeSummary {
            disclosure: DisclosureInfo::from(&rule),
            cells: cells
                .into_iter()
                .map(|cell| OutcomeCell {
                    group: GroupKeys::of(&checked.dimensions, &cell.keys),
                    numbers: cell.numbers.into(),
                })
                .collect(),
            as_of: checked.scope.as_of.into(),
            includes_unreviewed: checked.scope.include_unreviewed,
            indicator: Indicator(checked.indicator),
        })
    }

    /// Outcomes for one indicator over time (§6.2): per MONTH, QUARTER or YEAR of the day values
    /// were observed, and per phase, the young people measured and their mean value.
    #[graphql(complexity = "crate::graphql::limits::AGGREGATE_COST + child_complexity")]
    async fn outcome_trend(
        &self,
        ctx: &Context<'_>,
        input: OutcomeTrendInput,
    ) -> async_graphql::Result<OutcomeTrend> {
        let checked = check(ctx, &input.scope, &input.group_by).await?;
        let (db, actor) = db_and_actor(ctx)?;
        let (rule, cells) = service::trend(
            db,
            actor,
            disclosure_settings(ctx)?,
            &checked,
            input.bucket.into(),
        )
        .await?;
        let shown = cells
            .into_iter()
            .map(|cell| TrendCell {
                group: GroupKeys::of(&checked.dimensions, &cell.keys),
                bucket: cell.bucket,
                bucket_start: cell.bucket_start.into(),
                phase: cell.phase,
                participants: cell.participants,
                records: cell.records,
                mean_value: cell.mean_value,
                suppressed: cell.suppressed,
                excludes_unshared: cell.excludes_unshared,
            })
            .collect();
        Ok(OutcomeTrend {
            indicator: Indicator(checked.indicator),
            as_of: checked.scope.as_of.into(),
            includes_unreviewed: checked.scope.include_unreviewed,
            bucket: input.bucket,
            disclosure: DisclosureInfo::from(&rule),
            cells: shown,
        })
    }
}
