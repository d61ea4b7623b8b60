//! The counts behind `serviceCoverage` (DESIGN §6.6): per council area, the ACTIVE interventions
//! delivered there by category, and the young people living there enrolled in any intervention
//! on the day, across all partnerships. Counts only, so every signed-in user may read them
//! (§4.3); the young people's count passes through [`disclosure`].

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    area, enrolment,
    enums::{InterventionCategory, InterventionStatus},
    intervention, participant,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Alias, Expr, Func},
};

use crate::{
    access::{auth::Actor, policy},
    analytics::{
        aggregate::{Key, Split, Tally},
        disclosure::{self, Protected, Rule},
    },
    platform::{config::Disclosure, error::ApiResult},
};

/// Which areas to report, and on which day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageScope {
    /// Only these areas (all when `None`).
    pub area_codes: Option<Vec<String>>,
    /// Count enrolments current on this day.
    pub as_of: NaiveDate,
}

/// Active interventions of one category in an area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: InterventionCategory,
    pub count: i32,
}

/// One area's services and young people, as the caller may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaCoverage {
    pub area: area::Model,
    /// ACTIVE interventions delivered in the area, in every partnership.
    pub active_interventions: i32,
    /// The same, by category (categories with none are left out).
    pub by_category: Vec<CategoryCount>,
    /// Young people living in the area enrolled in any intervention on the day; `None` when
    /// `suppressed`.
    pub participants_enrolled: Option<i32>,
    /// Too few young people to show (§6.4), or hidden so that another area's small number
    /// cannot be worked out from the total.
    pub suppressed: bool,
    /// The count leaves out a few young people withheld from the caller's organisation.
    pub excludes_unshared: bool,
}

/// Every area's coverage by area name (only `scope.area_codes`, when given), under the
/// disclosure `settings`, and the rule that protected it: three statements whatever the number
/// of areas.
pub async fn coverage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: Disclosure,
    scope: &CoverageScope,
) -> ApiResult<(Rule, Vec<AreaCoverage>)> {
    let as_of = scope.as_of;
    let areas = area::Entity::find()
        .order_by_asc(area::Column::Name)
        .all(db)
        .await?;
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
        .await?;

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
    // Disclosure control counts what the caller's organisation knows (§6.4).
    let withheld = if actor.is_admin() {
        Expr::val(0)
    } else {
        Expr::case(policy::participants_known_to_organisation(actor), 0)
            .finally(1)
            .into()
    };
    let enrolled: Vec<(String, i32, i64, i64)> = participant::Entity::find()
        .select_only()
        .column(participant::Column::AreaCode)
        .expr_as(withheld, "withheld")
        .expr_as(
            Func::count(Expr::col(participant::Column::Id)),
            "participants",
        )
        // PostgreSQL sums integers into a BIGINT, SQLite into an INTEGER: both read as i64.
        .expr_as(
            Func::sum(Expr::col(participant::Column::RecordKey)),
            "record_keys",
        )
        .filter(participant::Column::Id.in_subquery(current_enrolments))
        .group_by(participant::Column::AreaCode)
        // By the output column's name: both databases allow it, and the subquery is not repeated.
        .group_by(Expr::col(Alias::new("withheld")))
        .into_tuple()
        .all(db)
        .await?;

    let mut counted: HashMap<String, Split<Tally>> = HashMap::new();
    for (code, withheld, participants, record_keys) in enrolled {
        let part = counted.entry(code).or_default();
        let tally = if withheld == 0 {
            &mut part.known
        } else {
            &mut part.withheld
        };
        *tally = Tally {
            units: participants,
            key: record_keys,
            ..Tally::default()
        };
    }
    let counts_of = |code: &str| counted.get(code).cloned().unwrap_or_default();
    let keys: Vec<[Key; 1]> = areas
        .iter()
        .map(|area| [Key::Text(area.code.clone())])
        .collect();
    let table: Vec<(&[Key], Tally, Tally)> = areas
        .iter()
        .zip(&keys)
        .map(|(area, keys)| {
            let split = counts_of(&area.code);
            (keys.as_slice(), split.known, split.withheld)
        })
        .collect();
    // Suppression looks at every area, so a filtered answer hides exactly what the whole
    // table would.
    let Protected {
        rule,
        bases,
        suppressed,
    } = disclosure::protect(settings, actor, &table, 0);

    let wanted = scope.area_codes.as_ref();
    let areas = areas
        .into_iter()
        .zip(suppressed)
        .zip(bases)
        .filter(|((area, _), _)| wanted.is_none_or(|codes| codes.contains(&area.code)))
        .map(|((area, suppressed), base)| {
            let by_category: Vec<CategoryCount> = services
                .iter()
                .filter(|(code, _, _)| *code == area.code)
                .map(|(_, category, count)| CategoryCount {
                    category: *category,
                    count: i32::try_from(*count).unwrap_or(i32::MAX),
                })
                .collect();
            AreaCoverage {
                active_interventions: by_category.iter().map(|entry| entry.count).sum(),
                by_category,
                participants_enrolled: (!suppressed).then(|| rule.count(&base.tally)),
                suppressed,
                excludes_unshared: !suppressed && base.excludes_unshared,
                area,
            }
        })
        .collect();
    Ok((rule, areas))
}
