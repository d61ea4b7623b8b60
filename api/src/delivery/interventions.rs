//! Interventions (DESIGN §3.9): the services providers deliver in a partnership, and the
//! indicators each reports on. Visible wherever their partnership is; managed by the
//! partnership's commissioners and by the delivering provider for its own (§4.3).

use std::collections::{HashMap, HashSet};

use async_graphql::{
    Context, ID, InputObject, MaybeUndefined, Object, SimpleObject, dataloader::Loader,
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{InterventionCategory, InterventionStatus, MemberRole},
    indicator, intervention, intervention_indicator, partnership_member,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    delivery::enrolments::Enrolment,
    directory::{areas::Area, indicators::Indicator, organisations::Organisation},
    graphql::{
        db_and_actor,
        loaders::{LoadError, load_error},
        parse_id, request,
        scalars::Date,
    },
    partnership::partnerships::{Partnership, lock_open_partnership},
    platform::{
        db::{begin_write, save_versioned},
        db::{load_by_id, load_grouped},
        error::{ApiError, ApiResult},
        validation,
    },
};

/// A service a provider delivers in a partnership.
pub struct Intervention(pub intervention::Model);

#[Object]
impl Intervention {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn partnership_id(&self) -> ID {
        self.0.partnership_id.into()
    }
    async fn partnership(&self, ctx: &Context<'_>) -> async_graphql::Result<Partnership> {
        let loaded = request(ctx)?
            .loaders
            .partnerships
            .load_one(self.0.partnership_id)
            .await?;
        // A visible intervention's partnership is always visible to the same caller.
        let partnership = loaded.ok_or(ApiError::NotFound {
            entity: "partnership",
        })?;
        Ok(Partnership(partnership))
    }
    async fn provider_id(&self) -> ID {
        self.0.provider_id.into()
    }
    /// The organisation that delivers it.
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(self.0.provider_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn category(&self) -> InterventionCategory {
        self.0.category
    }
    async fn area_code(&self) -> &str {
        &self.0.area_code
    }
    async fn area(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Area>> {
        let loaded = request(ctx)?
            .loaders
            .areas
            .load_one(self.0.area_code.clone())
            .await?;
        Ok(loaded.map(Area::from))
    }
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// How many young people it can take at once.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    async fn status(&self) -> InterventionStatus {
        self.0.status
    }
    /// The outcome measures it reports on, by code.
    async fn indicators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Indicator>> {
        let loaded = request(ctx)?
            .loaders
            .intervention_indicators
            .load_one(self.0.id)
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .map(Indicator)
            .collect())
    }
    /// Enrolments the caller may see: all for the delivering provider; for commissioners only
    /// those of young people whose information-sharing decision allows it.
    async fn enrolments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Enrolment>> {
        let request = request(ctx)?;
        let loaded = request
            .loaders
            .intervention_enrolments
            .load_one(self.0.id)
            .await?;
        Ok(Enrolment::reveal_all(request, loaded.unwrap_or_default()))
    }
    /// Its evaluation submissions the caller may see, oldest first; filter by status.
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        status: Option<entity::enums::SubmissionStatus>,
    ) -> async_graphql::Result<Vec<crate::evidence::submissions::EvaluationSubmission>> {
        let loaded = request(ctx)?
            .loaders
            .intervention_submissions
            .load_one(self.0.id)
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .filter(|row| status.is_none_or(|status| row.status == status))
            .map(crate::evidence::submissions::EvaluationSubmission)
            .collect())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject)]
pub struct CreateInterventionInput {
    pub partnership_id: ID,
    /// An active PROVIDER member of the partnership; providers may only name themselves.
    pub provider_id: ID,
    pub name: String,
    pub description: String,
    pub category: InterventionCategory,
    pub area_code: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub capacity: Option<i32>,
    /// The indicators it reports on (at least one).
    pub indicator_ids: Vec<ID>,
}

/// Fields left out are unchanged; `endDate: null` and `capacity: null` clear them;
/// `indicatorIds` replaces the whole set. Status moves PLANNED → ACTIVE → CLOSED.
#[derive(InputObject)]
pub struct UpdateInterventionInput {
    pub id: ID,
    pub expected_version: i32,
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<InterventionCategory>,
    pub area_code: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: MaybeUndefined<Date>,
    pub capacity: MaybeUndefined<i32>,
    pub status: Option<InterventionStatus>,
    pub indicator_ids: Option<Vec<ID>>,
}

#[derive(SimpleObject)]
pub struct InterventionPayload {
    pub intervention: Intervention,
}

#[derive(Default)]
pub struct InterventionQuery;

#[Object]
impl InterventionQuery {
    async fn intervention(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Intervention> {
        let (db, actor) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Intervention(
            find_visible_intervention(db, actor, id).await?,
        ))
    }
}

#[derive(Default)]
pub struct InterventionMutation;

#[Object]
impl InterventionMutation {
    async fn create_intervention(
        &self,
        ctx: &Context<'_>,
        input: CreateInterventionInput,
    ) -> async_graphql::Result<InterventionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = create(db, actor, input).await?;
        Ok(InterventionPayload {
            intervention: Intervention(model),
        })
    }

    async fn update_intervention(
        &self,
        ctx: &Context<'_>,
        input: UpdateInterventionInput,
    ) -> async_graphql::Result<InterventionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(InterventionPayload {
            intervention: Intervention(model),
        })
    }
}

/// The intervention, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible_intervention(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<intervention::Model> {
    intervention::Entity::find_by_id(id)
        .filter(policy::visible_interventions(actor))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "intervention",
        })
}

/// Indicators each intervention reports on (public reference data, so no row filter).
pub struct InterventionIndicatorsLoader(pub DatabaseConnection);

impl Loader<Uuid> for InterventionIndicatorsLoader {
    type Value = Vec<indicator::Model>;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<indicator::Model>>, LoadError> {
        let links = load_grouped(
            &self.0,
            intervention_indicator::Entity::find(),
            intervention_indicator::Column::InterventionId,
            ids,
            |link| link.intervention_id,
        )
        .await
        .map_err(load_error)?;
        let indicator_ids: Vec<Uuid> = links
            .values()
            .flatten()
            .map(|link| link.indicator_id)
            .collect();
        let indicators = load_by_id::<indicator::Entity>(
            &self.0,
            indicator::Column::Id,
            &indicator_ids,
            Condition::all(),
            |row| row.id,
        )
        .await
        .map_err(load_error)?;
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
async fn indicator_set(conn: &impl ConnectionTrait, ids: &[ID]) -> ApiResult<Vec<Uuid>> {
    let field = "input.indicatorIds";
    let mut parsed = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for id in ids {
        let id = parse_id(id, field)?;
        if seen.insert(id) {
            parsed.push(id);
        }
    }
    if parsed.is_empty() {
        return Err(ApiError::bad_input(
            field,
            "name at least one indicator the intervention reports on",
        ));
    }
    let found = indicator::Entity::find()
        .filter(indicator::Column::Id.is_in(parsed.iter().copied()))
        .all(conn)
        .await?;
    if found.len() != parsed.len() {
        return Err(ApiError::bad_input(
            field,
            "indicatorIds names an indicator that does not exist",
        ));
    }
    Ok(parsed)
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

async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CreateInterventionInput,
) -> ApiResult<intervention::Model> {
    let partnership_id = parse_id(&input.partnership_id, "input.partnershipId")?;
    let provider_id = parse_id(&input.provider_id, "input.providerId")?;
    let name = validation::name(&input.name, "input.name")?;
    let description = validation::long_text(&input.description, "input.description")?;
    dates_in_order(input.start_date.0, input.end_date.map(|date| date.0))?;
    let capacity = input.capacity.map(capacity).transpose()?;

    let txn = begin_write(db).await?;
    let role = policy::role_in_partnership(&txn, actor, partnership_id).await?;
    policy::may_manage_intervention(actor, role, provider_id)?;
    lock_open_partnership(&txn, partnership_id).await?;
    active_provider_member(&txn, partnership_id, provider_id).await?;
    let area_code = validation::known_area(&txn, &input.area_code, "input.areaCode").await?;
    let indicator_ids = indicator_set(&txn, &input.indicator_ids).await?;
    let now = Utc::now();
    let model = intervention::Entity::insert(intervention::ActiveModel {
        id: Set(Uuid::now_v7()),
        partnership_id: Set(partnership_id),
        provider_id: Set(provider_id),
        name: Set(name),
        description: Set(description),
        category: Set(input.category),
        area_code: Set(area_code),
        start_date: Set(input.start_date.0),
        end_date: Set(input.end_date.map(|date| date.0)),
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

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateInterventionInput,
) -> ApiResult<intervention::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_visible_intervention(&txn, actor, id).await?;
    let role = policy::role_in_partnership(&txn, actor, current.partnership_id).await?;
    policy::may_manage_intervention(actor, role, current.provider_id)?;

    let mut changes = intervention::ActiveModel::default();
    if let Some(name) = &input.name {
        let name = validation::name(name, "input.name")?;
        changes.name = Set(name);
    }
    if let Some(description) = &input.description {
        let description = validation::long_text(description, "input.description")?;
        changes.description = Set(description);
    }
    if let Some(category) = input.category {
        changes.category = Set(category);
    }
    if let Some(area_code) = &input.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        changes.area_code = Set(area_code);
    }
    if let Some(status) = input.status {
        let status = status_change(current.status, status)?;
        changes.status = Set(status);
    }
    let start_date = input.start_date.map_or(current.start_date, |date| date.0);
    if input.start_date.is_some() {
        changes.start_date = Set(start_date);
    }
    let end_date = match input.end_date {
        MaybeUndefined::Undefined => current.end_date,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(date) => Some(date.0),
    };
    if !input.end_date.is_undefined() {
        changes.end_date = Set(end_date);
    }
    dates_in_order(start_date, end_date)?;
    match input.capacity {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            changes.capacity = Set(None);
        }
        MaybeUndefined::Value(value) => {
            let value = capacity(value)?;
            changes.capacity = Set(Some(value));
        }
    }
    let mut change = Change::new("intervention.update", "intervention", id)
        .in_partnership(current.partnership_id)
        .changed_fields(&changes);
    let model =
        save_versioned::<intervention::Entity>(&txn, changes, id, input.expected_version, None)
            .await?;
    if let Some(ids) = &input.indicator_ids {
        let indicator_ids = indicator_set(&txn, ids).await?;
        replace_indicators(&txn, id, &indicator_ids).await?;
        change = change.with_detail("indicatorIds", json!(indicator_ids));
    }
    audit::record(&txn, Some(actor), change).await?;
    txn.commit().await?;
    Ok(model)
}
