//! Enrolments (DESIGN §3.11): a participant taking part in an intervention. Participant-level
//! data: visible and logged under the same rules as the participant (§4.3), changed only by
//! the provider that owns the participant.
//!
//! This is the GraphQL face: types, inputs and thin resolvers; the rules are in [`service`].

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use entity::{
    enrolment,
    enums::{ExitReason, ReferralSource},
};

use crate::{
    audit::ReadBy,
    delivery::{interventions::Intervention, participants::Participant},
    graphql::{
        RequestContext, db_and_actor,
        loaders::{ChildPagesLoader, Loaders},
        pagination::{Page, PageRequest},
        parse_id, request,
        scalars::Date,
    },
};
use uuid::Uuid;

pub mod service;

/// Which of the request's loaders holds a parent's enrolments.
pub type EnrolmentsOf = fn(&Loaders) -> &DataLoader<ChildPagesLoader<enrolment::Entity>>;

/// A participant's place on an intervention.
pub struct Enrolment(enrolment::Model);

impl Enrolment {
    /// Wraps a row the caller is about to read from field `read_by`, noting the read for the
    /// access log.
    pub fn reveal(request: &RequestContext, model: enrolment::Model, read_by: ReadBy) -> Self {
        request.note_participant_reads([model.participant_id], read_by);
        Enrolment(model)
    }

    /// A page of `parent`'s enrolments through the loader `of` picks, read from field `read_by`
    /// (`Intervention.enrolments`, `Participant.enrolments`).
    pub async fn page_of(
        ctx: &Context<'_>,
        of: EnrolmentsOf,
        parent: Uuid,
        page: PageRequest,
        read_by: ReadBy,
    ) -> async_graphql::Result<Page<Self>> {
        let request = request(ctx)?;
        let loaded = of(&request.loaders).load_one((parent, page, ())).await?;
        Ok(loaded.unwrap_or_default().into_connection(
            page,
            |row| row.id,
            |row| Self::reveal(request, row, read_by),
        ))
    }
}

#[Object]
impl Enrolment {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn participant_id(&self) -> ID {
        self.0.participant_id.into()
    }
    async fn participant(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Participant>> {
        let request = request(ctx)?;
        let loaded = request
            .loaders
            .participants
            .load_one(self.0.participant_id)
            .await?;
        Ok(loaded.map(|model| Participant::reveal(request, model, "Enrolment.participant")))
    }
    async fn intervention_id(&self) -> ID {
        self.0.intervention_id.into()
    }
    async fn intervention(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Intervention>> {
        let loaded = request(ctx)?
            .loaders
            .interventions
            .load_one(self.0.intervention_id)
            .await?;
        Ok(loaded.map(Intervention))
    }
    async fn referred_on(&self) -> Date {
        self.0.referred_on.into()
    }
    async fn referral_source(&self) -> ReferralSource {
        self.0.referral_source
    }
    async fn started_on(&self) -> Date {
        self.0.started_on.into()
    }
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }
    async fn exit_reason(&self) -> Option<ExitReason> {
        self.0.exit_reason
    }
    /// The young person's outcomes on this intervention, indicator by indicator (DESIGN §6.5):
    /// the records the caller may read.
    #[graphql(complexity = "crate::graphql::limits::BATCHED_AGGREGATE_COST + child_complexity")]
    async fn journey(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::analytics::journey::IndicatorJourney>> {
        crate::analytics::journey::journey_of(ctx, &self.0).await
    }
    /// Still taking part (not ended).
    async fn active(&self) -> bool {
        self.0.ended_on.is_none()
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
pub struct EnrolParticipantInput {
    pub participant_id: ID,
    pub intervention_id: ID,
    pub referred_on: Date,
    pub referral_source: ReferralSource,
    /// On or after the referral date.
    pub started_on: Date,
}

#[derive(InputObject)]
pub struct EndEnrolmentInput {
    pub id: ID,
    pub expected_version: i32,
    /// On or after the start date.
    pub ended_on: Date,
    pub exit_reason: ExitReason,
}

#[derive(SimpleObject)]
pub struct EnrolmentPayload {
    pub enrolment: Enrolment,
}

#[derive(Default)]
pub struct EnrolmentMutation;

#[Object]
impl EnrolmentMutation {
    async fn enrol_participant(
        &self,
        ctx: &Context<'_>,
        input: EnrolParticipantInput,
    ) -> async_graphql::Result<EnrolmentPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let new = service::NewEnrolment {
            participant_id: parse_id(&input.participant_id, "input.participantId")?,
            intervention_id: parse_id(&input.intervention_id, "input.interventionId")?,
            referred_on: input.referred_on.0,
            referral_source: input.referral_source,
            started_on: input.started_on.0,
        };
        let model = service::enrol(db, actor, new).await?;
        Ok(EnrolmentPayload {
            enrolment: Enrolment(model),
        })
    }

    async fn end_enrolment(
        &self,
        ctx: &Context<'_>,
        input: EndEnrolmentInput,
    ) -> async_graphql::Result<EnrolmentPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let ending = service::EnrolmentEnd {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            ended_on: input.ended_on.0,
            exit_reason: input.exit_reason,
        };
        let model = service::end(db, actor, ending).await?;
        Ok(EnrolmentPayload {
            enrolment: Enrolment(model),
        })
    }
}
