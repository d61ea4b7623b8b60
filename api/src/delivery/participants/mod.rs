//! Participants (DESIGN §3.10): the children and young people a provider works with, as
//! pseudonymous records (the provider's own code, birth year, area and a few flags; never a
//! name, date of birth or address), each with its information-sharing decision.
//!
//! A participant belongs to the provider organisation of the user who records it. Who else may
//! read it is the policy's `visible_participants`; every read from outside the owning provider
//! lands in the participant's access log (`Participant.accessLog`).
//!
//! This is the GraphQL face: types, inputs and thin resolvers; the rules are in [`service`].

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    audit_event,
    enums::{ConsentGivenBy, Sex, SharingBasis},
    participant,
};

use crate::{
    access::policy,
    audit::ReadBy,
    delivery::enrolments::{Enrolment, EnrolmentsOf},
    directory::{areas::Area, organisations::Organisation, users::User},
    graphql::{
        RequestContext, clock, db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
        scalars::Date,
    },
    platform::error::ApiResult,
};

pub mod service;

/// A child or young person, as the provider's pseudonymous record.
pub struct Participant(participant::Model);

impl Participant {
    /// Wraps a row the caller is about to read from field `read_by`, noting the read for the
    /// access log.
    pub fn reveal(request: &RequestContext, model: participant::Model, read_by: ReadBy) -> Self {
        request.note_participant_reads([model.id], read_by);
        Participant(model)
    }

    /// The record as its owning provider just wrote it (no read to log).
    fn written(model: participant::Model) -> Self {
        Participant(model)
    }
}

#[Object]
impl Participant {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    /// The provider organisation that recorded and owns this participant.
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(self.0.provider_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The provider's own pseudonymous code for the young person.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn birth_year(&self) -> i32 {
        self.0.birth_year
    }
    async fn sex(&self) -> Option<Sex> {
        self.0.sex
    }
    /// Care-experienced (looked after now or before).
    async fn looked_after(&self) -> bool {
        self.0.looked_after
    }
    async fn additional_support_needs(&self) -> bool {
        self.0.additional_support_needs
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
    async fn school(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(school_id) = self.0.school_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(school_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The lawful basis for sharing this young person's data with the partnership; NONE means
    /// commissioners see only aggregates, never this record.
    async fn sharing_basis(&self) -> SharingBasis {
        self.0.sharing_basis
    }
    /// Why sharing is needed and proportionate.
    async fn sharing_reason(&self) -> Option<&str> {
        self.0.sharing_reason.as_deref()
    }
    /// Who consented, when the basis is CONSENT.
    async fn consent_given_by(&self) -> Option<ConsentGivenBy> {
        self.0.consent_given_by
    }
    async fn sharing_recorded_on(&self) -> Date {
        self.0.sharing_recorded_on.into()
    }
    async fn sharing_recorded_by_id(&self) -> ID {
        self.0.sharing_recorded_by.into()
    }
    /// The young person's enrolments the caller may see, oldest first.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn enrolments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Enrolment>> {
        let page = PageRequest::parse(ctx, first, after)?;
        let of: EnrolmentsOf = |loaders| &loaders.participant_enrolments;
        Enrolment::page_of(ctx, of, self.0.id, page, "Participant.enrolments").await
    }
    /// Who outside the provider has read this record, newest first, so the provider can
    /// answer the young person or family. Only the owning provider (and admins) may read it.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<AccessEvent>> {
        let request = request(ctx)?;
        policy::may_read_access_log(&request.actor, self.0.provider_id)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let loaded = request
            .loaders
            .access_logs
            .load_one((self.0.id.to_string(), page, ()))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_connection(page, |row| row.id, AccessEvent))
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

/// One read of a participant's record by someone outside its provider.
pub struct AccessEvent(audit_event::Model);

#[Object]
impl AccessEvent {
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The person who read it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(actor_id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .users
            .load_one(actor_id)
            .await?
            .map(User))
    }
    /// Their organisation at the time.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(organisation_id) = self.0.actor_organisation_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(organisation_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The name the reader's application gave the GraphQL operation that read it.
    async fn operation(&self) -> &str {
        self.0.details["operation"].as_str().unwrap_or("unknown")
    }
    /// What was read: the fields that returned this young person's rows, as schema coordinates
    /// (`Query.participant`, `Participant.enrolments`, `EvaluationSubmission.records`), in
    /// alphabetical order. The server names these, so they say what the reader received
    /// whatever the operation was called. Empty for reads logged before it was recorded.
    async fn read(&self) -> Vec<&str> {
        self.0.details["read"]
            .as_array()
            .map(|read| read.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default()
    }
}

#[derive(InputObject, Default)]
pub struct ParticipantFilter {
    /// The provider's exact reference code.
    pub reference: Option<String>,
    pub area_code: Option<String>,
    pub looked_after: Option<bool>,
    pub sharing_basis: Option<SharingBasis>,
}

#[derive(InputObject)]
pub struct CreateParticipantInput {
    /// Your own pseudonymous code: letters, digits and `- _ . /`; never a name.
    pub reference: String,
    pub birth_year: i32,
    pub sex: Option<Sex>,
    #[graphql(default = false)]
    pub looked_after: bool,
    #[graphql(default = false)]
    pub additional_support_needs: bool,
    pub area_code: String,
    /// The young person's school (an organisation of kind SCHOOL).
    pub school_id: Option<ID>,
    pub sharing_basis: SharingBasis,
    /// Required unless the basis is NONE: why sharing is needed and proportionate.
    pub sharing_reason: Option<String>,
    /// Required when the basis is CONSENT.
    pub consent_given_by: Option<ConsentGivenBy>,
}

/// Fields left out are unchanged; `null` clears an optional field. Changing any part of the
/// information-sharing decision records it afresh (today, by you) and is audited as such.
#[derive(InputObject)]
pub struct UpdateParticipantInput {
    pub id: ID,
    pub expected_version: i32,
    pub reference: Option<String>,
    pub birth_year: Option<i32>,
    pub sex: MaybeUndefined<Sex>,
    pub looked_after: Option<bool>,
    pub additional_support_needs: Option<bool>,
    pub area_code: Option<String>,
    pub school_id: MaybeUndefined<ID>,
    pub sharing_basis: Option<SharingBasis>,
    pub sharing_reason: MaybeUndefined<String>,
    pub consent_given_by: MaybeUndefined<ConsentGivenBy>,
}

#[derive(SimpleObject)]
pub struct ParticipantPayload {
    pub participant: Participant,
}

#[derive(Default)]
pub struct ParticipantQuery;

#[Object]
impl ParticipantQuery {
    async fn participant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Participant> {
        let (db, actor) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        let model = service::find_visible(db, actor, id).await?;
        Ok(Participant::reveal(
            request(ctx)?,
            model,
            "Query.participant",
        ))
    }

    /// The participants the caller may see, oldest first: a provider its own; a commissioner
    /// those enrolled in its partnerships whose sharing decision allows it.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn participants(
        &self,
        ctx: &Context<'_>,
        filter: Option<ParticipantFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Participant>> {
        let (db, actor) = db_and_actor(ctx)?;
        let request = request(ctx)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let criteria = filter.map(ParticipantFilter::into_criteria);
        let select = service::visible(actor, &criteria.unwrap_or_default());
        let reveal = |model| Participant::reveal(request, model, "Query.participants");
        Ok(fetch_page(
            db,
            select,
            participant::Column::Id,
            page,
            Order::OldestFirst,
            |row| row.id,
            reveal,
        )
        .await?)
    }
}

#[derive(Default)]
pub struct ParticipantMutation;

#[Object]
impl ParticipantMutation {
    /// Records a participant for the caller's own provider organisation.
    async fn create_participant(
        &self,
        ctx: &Context<'_>,
        input: CreateParticipantInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let today = clock(ctx)?.today();
        let model = service::create(db, actor, input.into_command(today)?).await?;
        Ok(ParticipantPayload {
            participant: Participant::written(model),
        })
    }

    async fn update_participant(
        &self,
        ctx: &Context<'_>,
        input: UpdateParticipantInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let today = clock(ctx)?.today();
        let model = service::update(db, actor, input.into_command(today)?).await?;
        Ok(ParticipantPayload {
            participant: Participant::written(model),
        })
    }
}

impl ParticipantFilter {
    fn into_criteria(self) -> service::ParticipantCriteria {
        service::ParticipantCriteria {
            reference: self.reference,
            area_code: self.area_code,
            looked_after: self.looked_after,
            sharing_basis: self.sharing_basis,
        }
    }
}

impl CreateParticipantInput {
    fn into_command(self, today: NaiveDate) -> ApiResult<service::NewParticipant> {
        Ok(service::NewParticipant {
            school_id: self
                .school_id
                .map(|id| parse_id(&id, "input.schoolId"))
                .transpose()?,
            reference: self.reference,
            birth_year: self.birth_year,
            sex: self.sex,
            looked_after: self.looked_after,
            additional_support_needs: self.additional_support_needs,
            area_code: self.area_code,
            sharing_basis: self.sharing_basis,
            sharing_reason: self.sharing_reason,
            consent_given_by: self.consent_given_by,
            today,
        })
    }
}

impl UpdateParticipantInput {
    fn into_command(self, today: NaiveDate) -> ApiResult<service::ParticipantChanges> {
        Ok(service::ParticipantChanges {
            id: parse_id(&self.id, "input.id")?,
            school_id: self
                .school_id
                .map_value(|id| parse_id(&id, "input.schoolId"))
                .transpose()?
                .into(),
            expected_version: self.expected_version,
            reference: self.reference,
            birth_year: self.birth_year,
            sex: self.sex.into(),
            looked_after: self.looked_after,
            additional_support_needs: self.additional_support_needs,
            area_code: self.area_code,
            sharing_basis: self.sharing_basis,
            sharing_reason: self.sharing_reason.into(),
            consent_given_by: self.consent_given_by.into(),
            today,
        })
    }
}
