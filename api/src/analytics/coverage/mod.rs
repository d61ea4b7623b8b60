//! `serviceCoverage` (DESIGN §6.6), the postcode lottery: for every council area, the ACTIVE
//! interventions delivered there by category, and how many young people living there are
//! enrolled in any intervention on the day, across all partnerships. Counts only, so every
//! signed-in user may read it (§4.3); the young people's count is under disclosure control
//! ([`service::coverage`] computes both).

pub mod service;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::enums::InterventionCategory;

use self::service::CoverageScope;
use super::{DisclosureInfo, as_of_or_today};
use crate::{
    directory::areas::Area,
    graphql::{clock, db_and_actor, disclosure as disclosure_settings, scalars::Date},
};

#[derive(InputObject, Default)]
pub struct ServiceCoverageFilter {
    /// Only these areas (all by default).
    pub area_codes: Option<Vec<String>>,
    /// Count enrolments current on this day (default today).
    pub as_of: Option<Date>,
}

/// Active interventions of one category in an area.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CategoryCount {
    pub category: InterventionCategory,
    pub count: i32,
}

impl From<service::CategoryCount> for CategoryCount {
    fn from(counted: service::CategoryCount) -> Self {
        Self {
            category: counted.category,
            count: counted.count,
        }
    }
}

/// One area's services and young people.
#[derive(SimpleObject)]
pub struct AreaCoverage {
    pub area: Area,
    pub area_code: String,
    /// ACTIVE interventions delivered in the area, in every partnership.
    pub active_interventions: i32,
    /// The same, by category (categories with none are left out).
    pub by_category: Vec<CategoryCount>,
    /// Young people living in the area enrolled in any intervention on the day. Null when
    /// `suppressed`.
    pub participants_enrolled: Option<i32>,
    /// True when too few young people are enrolled to show the number (§6.4), or when it must
    /// be hidden so that another area's small number cannot be worked out from the total.
    pub suppressed: bool,
    /// True when the count leaves out a few young people (fewer than the threshold) whose
    /// information is not shared with your organisation.
    pub excludes_unshared: bool,
    /// How the count was protected.
    pub disclosure: DisclosureInfo,
}

impl AreaCoverage {
    fn of(coverage: service::AreaCoverage, disclosure: DisclosureInfo) -> Self {
        Self {
            disclosure,
            excludes_unshared: coverage.excludes_unshared,
            area_code: coverage.area.code.clone(),
            active_interventions: coverage.active_interventions,
            by_category: coverage.by_category.into_iter().map(Into::into).collect(),
            participants_enrolled: coverage.participants_enrolled,
            suppressed: coverage.suppressed,
            area: Area::from(coverage.area),
        }
    }
}

#[derive(Default)]
pub struct CoverageQuery;

#[Object]
impl CoverageQuery {
    /// Services and young people per council area, across all partnerships (§6.6), by area name.
    #[graphql(complexity = "crate::graphql::limits::AGGREGATE_COST + child_complexity")]
    async fn service_coverage(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceCoverageFilter>,
    ) -> async_graphql::Result<Vec<AreaCoverage>> {
        let (db, actor) = db_and_actor(ctx)?;
        let filter = filter.unwrap_or_default();
        let scope = CoverageScope {
            as_of: as_of_or_today(filter.as_of, clock(ctx)?.today()),
            area_codes: filter.area_codes,
        };
        let (rule, coverage) =
            service::coverage(db, actor, disclosure_settings(ctx)?, &scope).await?;
        let disclosure = DisclosureInfo::from(&rule);
        Ok(coverage
            .into_iter()
            .map(|area| AreaCoverage::of(area, disclosure))
            .collect())
    }
}
