//! Intervention rules (DESIGN §3.9, §4.3): who may create and change an intervention (the
//! partnership's commissioners, and the delivering provider for its own), what a valid one is
//! (an active PROVIDER member delivering it, dates in order, a positive capacity, at least one
//! existing indicator), and that its status only moves PLANNED → ACTIVE → CLOSED. Plain domain
//! commands in, models out; no GraphQL here.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{
    enums::{InterventionCategory, InterventionStatus, MemberRole},
    indicator, intervention, intervention_indicator, partnership_member,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    analytics::read_model,
    audit::{self, Change},
    partnership::partnerships::service::lock_open_partnership,
    platform::{
        db::{begin_write, load_by_id, load_grouped, save_versioned},
        error::{ApiError, ApiResult},
        validation,
    },
};

/// A new intervention, delivered by `provider_id` in `partnership_id`; it starts PLANNED.
pub struct NewIntervention {
    pub partnership_id: Uuid,
    /// An active PROVIDER member of the partnership; providers may only name themselves.
    pub provider_id: Uuid,
    pub name: String,
    pub description: String,
    pub category: InterventionCategory,
    pub area_code: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub capacity: Option<i32>,
    /// The indicators it reports on (at least one; repeats are ignored).
    pub indicator_ids: Vec<Uuid>,
}

/// Changes to intervention `id`, expected at `expected_version`. `None` leaves a field as it
/// is; `Some(None)` clears `end_date` or `capacity`; `indicator_ids` replaces the whole set.
pub struct InterventionChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<InterventionCategory>,
    pub area_code: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub capacity: Option<Option<i32>>,
    pub status: Option<InterventionStatus>,
    pub indicator_ids: Option<Vec<Uuid>>,
}

/// What `Partnership.interventions` may be narrowed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct InterventionFilter {
    pub status: Option<InterventionStatus>,
    pub provider_id: Option<Uuid>,
}

/// The interventions `filter` selects: the children of `Partnership.interventions`.
pub fn filtered(filter: &InterventionFilter) -> Select<intervention::Entity> {
    let mut select = intervention::Entity::find();
    if let Some(status) = filter.status {
        select = select.filter(intervention::Column::Status.eq(status));
    }
    if let Some(provider_id) = filter.provider_id {
        select = select.filter(intervention::Column::ProviderId.eq(provider_id));
    }
    select
}

/// The intervention, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<intervention::Model> {
    crate::platform::db::find_visible::<intervention::Entity>(
        db,
        id,
        policy::visible_interventions(actor),
    )
    .await
}

/// The indicators each intervention reports on, ordered by code (public reference data, so no
/// row filter), in two statements for any number of interventions.
pub async fn indicators_by_intervention(
    db: &impl ConnectionTrait,
    intervention_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<indicator::Model>>, DbErr> {
    let links = load_grouped(
        db,
        intervention_indicator::Entity::find(),
        intervention_indicator::Column::InterventionId,
        intervention_ids,
        |link| link.intervention_id,
    )
    .await?;
    let indicator_ids: Vec<Uuid> = links
        .values()
        .flatten()
        .map(|link| link.indicator_id)
        .collect();
    let indicators = load_by_id::<indicator::Entity>(
        db,
        indicator::Column::Id,
        &indicator_ids,
        Condition::all(),
        |row| row.id,
    )
    .await?;
    Ok(links
        .into_iter()
        .map(|(intervention_id, links)| {
            let mut rows: Vec<_> = links
                .iter()
                .filter_map(|link| indicators.get(&link.indicator_id).cloned())
                .collect();
            rows.sort_by(|a, b| a.code.cmp(&b.code));
            (intervention_id, rows)
        })
        .collect())
}

fn capacity(value: i32) -> ApiResult<i32> {
    if value > 0 {
        Ok(value)
    } else {
        Err(ApiError::bad_input(
            "input.capacity",
            "capacity must be at least 1",
        ))
    }
}

fn dates_in_order(start: NaiveDate, end: Option<NaiveDate>) -> ApiResult<()> {
    match end {
        Some(end) if end < start => Err(ApiError::bad_input(
            "input.endDate",
            "endDate must not be before startDate",
        )),
        _ => Ok(()),
    }
}

/// The status may only move forward one step at a time: PLANNED → ACTIVE → CLOSED.
fn status_change(
    from: InterventionStatus,
    to: InterventionStatus,
) -> ApiResult<InterventionStatus> {
    use InterventionStatus::{Active, Closed, Planned};
    match (from, to) {
        (Planned, Active) | (Active, Closed) => Ok(to),
        _ if from == to => Ok(to),
        _ => Err(ApiError::InvalidState(format!(
            "an intervention moves PLANNED → ACTIVE → CLOSED; it cannot go from {from:?} to {to:?}"
        ))),
    }
}

/// The indicator ids, each existing, without repeats; at least one.
async fn indicator_set(conn: &impl ConnectionTrait, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    let field = "input.indicatorIds";
    let mut distinct = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for &id in ids {
        if seen.insert(id) {
            distinct.push(id);
        }
    }
    if distinct.is_empty() {
        return Err(ApiError::bad_input(
            field,
            "name at least one indicator the intervention reports on",
        ));
    }
    let found = indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(distinct.iter().copied()))
        .all(conn)
        .await?;
    if found.len() != distinct.len() {
        return Err(ApiError::bad_input(
            field,
            "indicatorIds names an indicator that does not exist",
        ));
    }
    Ok(distinct)
}

async fn replace_indicators(
    conn: &impl ConnectionTrait,
    intervention_id: Uuid,
    indicator_ids: &[Uuid],
) -> ApiResult<()> {
    intervention_indicator::Entity::delete_many()
        .filter(intervention_indicator::Column::InterventionId.eq(intervention_id))
        .exec(conn)
        .await?;
    let now = Utc::now();
    intervention_indicator::Entity::insert_many(indicator_ids.iter().map(|indicator_id| {
        intervention_indicator::ActiveModel {
            intervention_id: Set(intervention_id),
            indicator_id: Set(*indicator_id),
            created_at: Set(now),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The provider must be an active PROVIDER member of the partnership.
async fn active_provider_member(
    conn: &impl ConnectionTrait,
    partnership_id: Uuid,
    provider_id: Uuid,
) -> ApiResult<()> {
    let member = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(partnership_id))
        .filter(partnership_member::Column::OrganisationId.eq(provider_id))
        .filter(partnership_member::Column::Role.eq(MemberRole::Provider))
        .filter(partnership_member::Column::LeftOn.is_null())
        .one(conn)
        .await?;
    member.map(|_| ()).ok_or_else(|| {
        ApiError::bad_input(
            "input.providerId",
            "providerId must be an active PROVIDER member of the partnership",
        )
    })
}

/// Creates a PLANNED intervention in an open partnership, with the indicators it reports on.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewIntervention,
) -> ApiResult<intervention::Model> {
    let (partnership_id, provider_id) = (new.partnership_id, new.provider_id);
    let name = validation::name(&new.name, "input.name")?;
    let description = validation::long_text(&new.description, "input.description")?;
    dates_in_order(new.start_date, new.end_date)?;
    let capacity = new.capacity.map(capacity).transpose()?;

    let txn = begin_write(db).await?;
    let role = policy::role_in_partnership(&txn, actor, partnership_id).await?;
    policy::may_manage_intervention(actor, role, provider_id)?;
    lock_open_partnership(&txn, partnership_id).await?;
    active_provider_member(&txn, partnership_id, provider_id).await?;
    let area_code = validation::known_area(&txn, &new.area_code, "input.areaCode").await?;
    let indicator_ids = indicator_set(&txn, &new.indicator_ids).await?;
    let now = Utc::now();
    let model = intervention::Entity::insert(intervention::ActiveModel {
        id: Set(Uuid::now_v7()),
        partnership_id: Set(partnership_id),
        provider_id: Set(provider_id),
        name: Set(name),
        description: Set(description),
        category: Set(new.category),
        area_code: Set(area_code),
        start_date: Set(new.start_date),
        end_date: Set(new.end_date),
        capacity: Set(capacity),
        status: Set(InterventionStatus::Planned),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    replace_indicators(&txn, model.id, &indicator_ids).await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("intervention.create", "intervention", model.id)
            .in_partnership(partnership_id)
            .details(json!({
                "name": model.name, "providerId": model.provider_id, "category": model.category,
                "areaCode": model.area_code, "startDate": model.start_date, "endDate": model.end_date,
                "capacity": model.capacity, "indicatorIds": indicator_ids,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Applies `changes` to an intervention the actor may manage. The indicator set is replaced
/// between saving the row and recording the event, so this tail stays explicit.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    requested: InterventionChanges,
) -> ApiResult<intervention::Model> {
    let id = requested.id;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let role = policy::role_for_write(&txn, actor, current.partnership_id, "intervention").await?;
    policy::may_manage_intervention(actor, role, current.provider_id)?;

    let mut changes = intervention::ActiveModel::default();
    if let Some(name) = &requested.name {
        let name = validation::name(name, "input.name")?;
        changes.name = Set(name);
    }
    if let Some(description) = &requested.description {
        let description = validation::long_text(description, "input.description")?;
        changes.description = Set(description);
    }
    if let Some(category) = requested.category {
        changes.category = Set(category);
    }
    if let Some(area_code) = &requested.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        changes.area_code = Set(area_code);
    }
    if let Some(status) = requested.status {
        let status = status_change(current.status, status)?;
        changes.status = Set(status);
    }
    let start_date = requested.start_date.unwrap_or(current.start_date);
    if requested.start_date.is_some() {
        changes.start_date = Set(start_date);
    }
    let end_date = requested.end_date.unwrap_or(current.end_date);
    if requested.end_date.is_some() {
        changes.end_date = Set(end_date);
    }
    dates_in_order(start_date, end_date)?;
    match requested.capacity {
        None => {}
        Some(None) => {
            changes.capacity = Set(None);
        }
        Some(Some(value)) => {
            let value = capacity(value)?;
            changes.capacity = Set(Some(value));
        }
    }
    let mut change = Change::new("intervention.update", "intervention", id)
        .in_partnership(current.partnership_id)
        .changed_fields(&changes);
    let model =
        save_versioned::<intervention::Entity>(&txn, changes, id, requested.expected_version, None)
            .await?;
    if requested.category.is_some() {
        read_model::follow_intervention(&txn, &model).await?;
    }
    if let Some(ids) = &requested.indicator_ids {
        let indicator_ids = indicator_set(&txn, ids).await?;
        replace_indicators(&txn, id, &indicator_ids).await?;
        change = change.with_detail("indicatorIds", json!(indicator_ids));
    }
    audit::record(&txn, Some(actor), change).await?;
    txn.commit().await?;
    Ok(model)
}
