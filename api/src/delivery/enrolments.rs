//! Enrolments (DESIGN §3.11): a participant taking part in an intervention. Participant-level
//! data: visible and logged under the same rules as the participant (§4.3), changed only by
//! the provider that owns the participant.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enrolment,
    enums::{ExitReason, InterventionStatus, ReferralSource},
    participant,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    delivery::{
        interventions::{Intervention, find_visible_intervention},
        participants::{self, Participant},
    },
    graphql::{RequestContext, db_and_actor, parse_id, request, scalars::Date},
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
    },
};

/// A participant's place on an intervention.
pub struct Enrolment(enrolment::Model);

impl Enrolment {
    /// Wraps rows the caller is about to read, noting the reads for the access log.
    pub fn reveal_all(request: &RequestContext, models: Vec<enrolment::Model>) -> Vec<Self> {
        request.note_participant_reads(models.iter().map(|model| model.participant_id));
        models.into_iter().map(Enrolment).collect()
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
        Ok(loaded.map(|model| Participant::reveal(request, model)))
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
        let model = enrol(db, actor, input).await?;
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
        let model = end(db, actor, input).await?;
        Ok(EnrolmentPayload {
            enrolment: Enrolment(model),
        })
    }
}

async fn enrol(
    db: &DatabaseConnection,
    actor: &Actor,
    input: EnrolParticipantInput,
) -> ApiResult<enrolment::Model> {
    let participant_id = parse_id(&input.participant_id, "input.participantId")?;
    let intervention_id = parse_id(&input.intervention_id, "input.interventionId")?;
    if input.started_on < input.referred_on {
        return Err(ApiError::bad_input(
            "input.startedOn",
            "startedOn must not be before referredOn",
        ));
    }
    let txn = begin_write(db).await?;
    // Locked on PostgreSQL so two enrolments of the same child cannot both pass the overlap
    // check (SQLite's BEGIN IMMEDIATE already serialises writers).
    let participant = participant::Entity::find_by_id(participant_id)
        .filter(policy::visible_participants(actor))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "participant",
        })?;
    policy::may_manage_participant(actor, participant.provider_id)?;
    let intervention = find_visible_intervention(&txn, actor, intervention_id).await?;
    if intervention.provider_id != participant.provider_id {
        return Err(ApiError::bad_input(
            "input.interventionId",
            "a participant can only be enrolled in an intervention its own provider delivers",
        ));
    }
    let role = policy::role_in_partnership(&txn, actor, intervention.partnership_id).await?;
    policy::may_act_as_provider(actor, role, intervention.provider_id)?;
    if intervention.status == InterventionStatus::Closed {
        return Err(ApiError::InvalidState(
            "the intervention is closed to new enrolments".into(),
        ));
    }
    let overlapping = enrolment::Entity::find()
        .filter(enrolment::Column::ParticipantId.eq(participant_id))
        .filter(enrolment::Column::InterventionId.eq(intervention_id))
        .filter(
            Condition::any()
                .add(enrolment::Column::EndedOn.is_null())
                .add(enrolment::Column::EndedOn.gte(input.started_on.0)),
        )
        .one(&txn)
        .await?;
    if overlapping.is_some() {
        return Err(ApiError::Conflict {
            field: Some("input.startedOn".into()),
            message: "the participant already has an enrolment in this intervention that runs on \
                      or after startedOn; end it first"
                .into(),
        });
    }
    let now = Utc::now();
    let model = enrolment::Entity::insert(enrolment::ActiveModel {
        id: Set(Uuid::now_v7()),
        participant_id: Set(participant_id),
        intervention_id: Set(intervention_id),
        referred_on: Set(input.referred_on.0),
        referral_source: Set(input.referral_source),
        started_on: Set(input.started_on.0),
        ended_on: Set(None),
        exit_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("enrolment.create", "enrolment", model.id).details(json!({
            "participantId": participant_id, "interventionId": intervention_id,
            "referredOn": model.referred_on, "referralSource": model.referral_source,
            "startedOn": model.started_on,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn end(
    db: &DatabaseConnection,
    actor: &Actor,
    input: EndEnrolmentInput,
) -> ApiResult<enrolment::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = enrolment::Entity::find_by_id(id)
        .filter(policy::visible_enrolments(actor))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "enrolment",
        })?;
    let participant = participants::find_visible(&txn, actor, current.participant_id).await?;
    policy::may_manage_participant(actor, participant.provider_id)?;
    if current.ended_on.is_some() {
        return Err(ApiError::InvalidState(
            "the enrolment has already ended".into(),
        ));
    }
    if input.ended_on.0 < current.started_on {
        return Err(ApiError::bad_input(
            "input.endedOn",
            "endedOn must not be before the enrolment started",
        ));
    }
    let changes = enrolment::ActiveModel {
        ended_on: Set(Some(input.ended_on.0)),
        exit_reason: Set(Some(input.exit_reason)),
        ..Default::default()
    };
    let model =
        save_versioned::<enrolment::Entity>(&txn, changes, id, input.expected_version, None)
            .await?;
    // Like participant events, enrolment events stay out of the partnership's trail: they are
    // participant-level, and commissioners read that trail whatever a child's sharing basis.
    audit::record(
        &txn,
        Some(actor),
        Change::new("enrolment.end", "enrolment", id)
            .details(json!({ "endedOn": model.ended_on, "exitReason": model.exit_reason })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
