//! `serviceCoverage` (DESIGN §6.6), the postcode lottery: for every council area, the ACTIVE
//! interventions delivered there by category, and how many young people living there are
//! enrolled in any intervention on the day, across all partnerships. Counts only, so every
//! signed-in user may read it (§4.3); the young people's count is under disclosure control.

use std::collections::HashMap;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::{
    area, enrolment,
    enums::{InterventionCategory, InterventionStatus},
    intervention, participant,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, Func},
};

use super::{
    aggregate::Key,
    as_of_or_today,
    disclosure::{self, Facts, Rule},
    exempt,
};
use crate::{
    access::policy,
    directory::areas::Area,
    graphql::{db_and_actor, disclosure as disclosure_settings, scalars::Date},
    platform::error::ApiError,
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
}

#[derive(Default)]
pub struct CoverageQuery;

#[Object]
impl CoverageQuery {
    /// Services and young people per council area, across all partnerships (§6.6), by area name.
    async fn service_coverage(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceCoverageFilter>,
    ) -> async_graphql::Result<Vec<AreaCoverage>> {
        let (db, actor) = db_and_actor(ctx)?;
        let filter = filter.unwrap_or_default();
        let as_of = as_of_or_today(filter.as_of);

        let areas = area::Entity::find()
            .order_by_asc(area::Column::Name)
            .all(db)
            .await
            .map_err(ApiError::from)?;
        let services: Vec<(String, InterventionCategory, i64)> = intervention::Entity::find()
            .select_only()
            .column(intervention::Column::AreaCode)
            .column(intervention::Column::Category)
            .expr_as(Func::count(Expr::col(intervention::Column::Id)), "count")
            .filter(intervention::Column::Status.eq(InterventionStatus::Active))
            .group_by(intervention::Column::AreaCode)
            .group_by(intervention::Column::Category)
            .order_by_asc(intervention::Column::Category)
            .into_tuple()
            .all(db)
            .await
            .map_err(ApiError::from)?;

        let current_enrolments = enrolment::Entity::find()
            .select_only()
            .column(enrolment::Column::ParticipantId)
            .filter(enrolment::Column::StartedOn.lte(as_of))
            .filter(
                Condition::any()
                    .add(enrolment::Column::EndedOn.is_null())
                    .add(enrolment::Column::EndedOn.gt(as_of)),
            )
            .into_query();
        // Admins read every row; for everyone else the policy's participant filter says whose.
        let hidden = if actor.is_admin() {
            Expr::val(0)
        } else {
            Expr::case(policy::visible_participants(actor), 0)
                .finally(1)
                .into()
        };
        let enrolled: Vec<(String, i64, i64)> = participant::Entity::find()
            .select_only()
            .column(participant::Column::AreaCode)
            .expr_as(
                Func::count(Expr::col(participant::Column::Id)),
                "participants",
            )
            // PostgreSQL sums integers into a BIGINT, SQLite into an INTEGER: both read as i64.
            .expr_as(Func::sum(hidden), "hidden")
            .filter(participant::Column::Id.in_subquery(current_enrolments))
            .group_by(participant::Column::AreaCode)
            .into_tuple()
            .all(db)
            .await
            .map_err(ApiError::from)?;

        let enrolled: HashMap<String, (i64, i64)> = enrolled
            .into_iter()
            .map(|(code, participants, hidden)| (code, (participants, hidden)))
            .collect();
        let counts_of = |code: &str| enrolled.get(code).copied().unwrap_or_default();
        let keys: Vec<[Key; 1]> = areas
            .iter()
            .map(|area| [Key::Text(area.code.clone())])
            .collect();
        let facts: Vec<Facts<'_>> = areas
            .iter()
            .zip(&keys)
            .map(|(area, keys)| {
                let (participants, hidden) = counts_of(&area.code);
                Facts {
                    keys,
                    participants,
                    hidden,
                }
            })
            .collect();
        let hidden_total: i64 = facts.iter().map(|cell| cell.hidden).sum();
        let rule = Rule::new(disclosure_settings(ctx)?, exempt(ctx, hidden_total)?);
        // Suppression looks at every area, so a filtered answer hides exactly what the whole
        // table would.
        let suppressed = disclosure::suppressed(&rule, &facts, 0);

        let wanted = filter.area_codes;
        Ok(areas
            .into_iter()
            .zip(suppressed)
            .filter(|(area, _)| {
                wanted
                    .as_ref()
                    .is_none_or(|codes| codes.contains(&area.code))
            })
            .map(|(area, suppressed)| {
                let by_category: Vec<CategoryCount> = services
                    .iter()
                    .filter(|(code, _, _)| *code == area.code)
                    .map(|(_, category, count)| CategoryCount {
                        category: *category,
                        count: i32::try_from(*count).unwrap_or(i32::MAX),
                    })
                    .collect();
                AreaCoverage {
                    area_code: area.code.clone(),
                    active_interventions: by_category.iter().map(|entry| entry.count).sum(),
                    by_category,
                    participants_enrolled: (!suppressed)
                        .then(|| rule.count(counts_of(&area.code).0)),
                    suppressed,
                    area: Area::from(area),
                }
            })
            .collect())
    }
}
