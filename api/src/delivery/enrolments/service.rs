//! Enrolment rules (DESIGN §3.11, §4.3): only the provider that owns a participant enrols it,
//! and only in an intervention that provider delivers and that is not closed; a participant has
//! at most one enrolment running in an intervention at a time; an enrolment ends once, not
//! before it started. Plain domain commands in, models out; no GraphQL here.

use chrono::{NaiveDate, Utc};
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
    audit::{self, Change, VersionedEdit},
    delivery::{interventions::service as interventions, participants::service as participants},
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult},
    },
};

/// Enrols participant `participant_id` in intervention `intervention_id`.
pub struct NewEnrolment {
    pub participant_id: Uuid,
    pub intervention_id: Uuid,
    pub referred_on: NaiveDate,
    pub referral_source: ReferralSource,
    /// On or after `referred_on`.
    pub started_on: NaiveDate,
}

/// Ends enrolment `id`, expected at `expected_version`.
pub struct EnrolmentEnd {
    pub id: Uuid,
    pub expected_version: i32,
    /// On or after the start date.
    pub ended_on: NaiveDate,
    pub exit_reason: ExitReason,
}

/// Enrols a participant the actor's provider owns in an open intervention it delivers.
pub async fn enrol(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewEnrolment,
) -> ApiResult<enrolment::Model> {
    let (participant_id, intervention_id) = (new.participant_id, new.intervention_id);
    if new.started_on < new.referred_on {
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
    let intervention = interventions::find_visible(&txn, actor, intervention_id).await?;
    if intervention.provider_id != participant.provider_id {
        return Err(ApiError::bad_input(
            "input.interventionId",
            "a participant can only be enrolled in an intervention its own provider delivers",
        ));
    }
    let role =
        policy::role_for_write(&txn, actor, intervention.partnership_id, "intervention").await?;
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
                .add(enrolment::Column::EndedOn.gte(new.started_on)),
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
        referred_on: Set(new.referred_on),
        referral_source: Set(new.referral_source),
        started_on: Set(new.started_on),
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

/// Ends a running enrolment of a participant the actor's provider owns.
pub async fn end(
    db: &DatabaseConnection,
    actor: &Actor,
    ending: EnrolmentEnd,
) -> ApiResult<enrolment::Model> {
    let id = ending.id;
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
    if ending.ended_on < current.started_on {
        return Err(ApiError::bad_input(
            "input.endedOn",
            "endedOn must not be before the enrolment started",
        ));
    }
    let changes = enrolment::ActiveModel {
        ended_on: Set(Some(ending.ended_on)),
        exit_reason: Set(Some(ending.exit_reason)),
        ..Default::default()
    };
    // Like participant events, enrolment events stay out of the partnership's trail: they are
    // participant-level, and commissioners read that trail whatever a child's sharing basis.
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, ending.expected_version, changes),
        |model, _| {
            Change::new("enrolment.end", "enrolment", id)
                .details(json!({ "endedOn": model.ended_on, "exitReason": model.exit_reason }))
        },
    )
    .await
}
