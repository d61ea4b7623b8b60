//! Interventions (DESIGN §3.9): the services providers deliver in a partnership, and the
//! indicators each reports on. Visible wherever their partnership is; managed by the
//! partnership's commissioners and by the delivering provider for its own (§4.3).
//!
//! This is the GraphQL face: types, inputs and thin resolvers; the rules are in [`service`].

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{InterventionCategory, InterventionStatus},
    intervention,
};
use uuid::Uuid;

use crate::{
    delivery::enrolments::{Enrolment, EnrolmentsOf},
    directory::{areas::Area, indicators::Indicator, organisations::Organisation},
    evidence::submissions::EvaluationSubmission,
    graphql::{
        db_and_actor,
        pagination::{Page, PageRequest},
        parse_id, request,
        scalars::Date,
    },
    partnership::partnerships::Partnership,
    platform::error::{ApiError, ApiResult},
};

pub mod service;

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
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn enrolments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Enrolment>> {
        let page = PageRequest::parse(ctx, first, after)?;
        let of: EnrolmentsOf = |loaders| &loaders.intervention_enrolments;
        Enrolment::page_of(ctx, of, self.0.id, page, "Intervention.enrolments").await
    }
    /// Its evaluation submissions the caller may see, oldest first; filter by status.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        status: Option<entity::enums::SubmissionStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<EvaluationSubmission>> {
        let page = PageRequest::parse(ctx, first, after)?;
        let loaded = request(ctx)?
            .loaders
            .intervention_submissions
            .load_one((self.0.id, page, status))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_connection(page, |row| row.id, EvaluationSubmission))
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
        Ok(Intervention(service::find_visible(db, actor, id).await?))
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
        let model = service::create(db, actor, input.into_command()?).await?;
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
        let model = service::update(db, actor, input.into_command()?).await?;
        Ok(InterventionPayload {
            intervention: Intervention(model),
        })
    }
}

impl CreateInterventionInput {
    fn into_command(self) -> ApiResult<service::NewIntervention> {
        Ok(service::NewIntervention {
            partnership_id: parse_id(&self.partnership_id, "input.partnershipId")?,
            provider_id: parse_id(&self.provider_id, "input.providerId")?,
            indicator_ids: indicator_ids(&self.indicator_ids)?,
            name: self.name,
            description: self.description,
            category: self.category,
            area_code: self.area_code,
            start_date: self.start_date.0,
            end_date: self.end_date.map(|date| date.0),
            capacity: self.capacity,
        })
    }
}

impl UpdateInterventionInput {
    fn into_command(self) -> ApiResult<service::InterventionChanges> {
        Ok(service::InterventionChanges {
            id: parse_id(&self.id, "input.id")?,
            indicator_ids: self
                .indicator_ids
                .as_deref()
                .map(indicator_ids)
                .transpose()?,
            expected_version: self.expected_version,
            name: self.name,
            description: self.description,
            category: self.category,
            area_code: self.area_code,
            start_date: self.start_date.map(|date| date.0),
            end_date: self.end_date.map_value(|date| date.0).into(),
            capacity: self.capacity.into(),
            status: self.status,
        })
    }
}

fn indicator_ids(ids: &[ID]) -> ApiResult<Vec<Uuid>> {
    ids.iter()
        .map(|id| parse_id(id, "input.indicatorIds"))
        .collect()
}
