//! The rules of evaluation submissions (DESIGN §3.12, §5.1): the evidence a provider submits for
//! one intervention and period, and the provider's side of its lifecycle (create, update,
//! submit, withdraw).
//!
//! The commissioners' decisions are in `reviews::service`. Outcome records and stories hang off
//! a submission in their own services and use [`editable`] to decide whether evidence may still
//! change. ACCEPTED is final: nothing in an accepted submission changes, by any path, because
//! every path goes through [`editable`]. Every change of state or evidence first locks the
//! submission's row ([`lock_visible`]), so concurrent changes are decided one at a time.
//!
//! Nothing here knows about GraphQL: commands carry parsed ids and dates.

use chrono::{NaiveDate, Utc};
use entity::{enums::SubmissionStatus, evaluation_submission, intervention, outcome_record, story};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait,
    RelationTrait, Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    delivery::interventions::service as interventions,
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult},
        events::{self, Event},
        validation,
    },
};

/// A new DRAFT submission for one of the actor's own interventions.
pub struct NewSubmission {
    pub intervention_id: Uuid,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// What happened, what worked and what did not (Markdown).
    pub narrative: String,
}

/// A change to a DRAFT or CHANGES_REQUESTED submission; `None` fields are unchanged.
pub struct SubmissionChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub narrative: Option<String>,
}

/// DRAFT or CHANGES_REQUESTED → SUBMITTED: the delivering provider hands the evidence to the
/// partnership's commissioners for review.
pub struct SubmissionHandover {
    pub id: Uuid,
    pub expected_version: i32,
}

/// DRAFT or SUBMITTED → WITHDRAWN: the delivering provider takes the evidence back for good.
pub struct SubmissionWithdrawal {
    pub id: Uuid,
    pub expected_version: i32,
}

/// Narrows [`visible`]; `None` fields do not filter.
#[derive(Default)]
pub struct SubmissionListFilter {
    pub partnership_id: Option<Uuid>,
    pub intervention_id: Option<Uuid>,
    pub status: Option<SubmissionStatus>,
}

/// Evidence may change only in these states (§5.1).
pub fn is_editable(status: SubmissionStatus) -> bool {
    matches!(
        status,
        SubmissionStatus::Draft | SubmissionStatus::ChangesRequested
    )
}

/// The submissions the actor may see, narrowed by `filter`, for the caller to order and page.
pub fn visible(
    actor: &Actor,
    filter: &SubmissionListFilter,
) -> Select<evaluation_submission::Entity> {
    let mut select =
        evaluation_submission::Entity::find().filter(policy::visible_submissions(actor));
    if let Some(partnership_id) = filter.partnership_id {
        select = select.filter(
            evaluation_submission::Column::InterventionId.in_subquery(
                intervention::Entity::find()
                    .select_only()
                    .column(intervention::Column::Id)
                    .filter(intervention::Column::PartnershipId.eq(partnership_id))
                    .into_query(),
            ),
        );
    }
    if let Some(intervention_id) = filter.intervention_id {
        select = select.filter(evaluation_submission::Column::InterventionId.eq(intervention_id));
    }
    if let Some(status) = filter.status {
        select = select.filter(evaluation_submission::Column::Status.eq(status));
    }
    select
}

/// The submission, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<evaluation_submission::Model> {
    crate::platform::db::find_visible::<evaluation_submission::Entity>(
        conn,
        id,
        policy::visible_submissions(actor),
    )
    .await
}

/// The submissions with `status` (any when `None`): the children of `Intervention.submissions`.
pub fn with_status(status: &Option<SubmissionStatus>) -> Select<evaluation_submission::Entity> {
    let select = evaluation_submission::Entity::find();
    match status {
        Some(status) => select.filter(evaluation_submission::Column::Status.eq(*status)),
        None => select,
    }
}

/// [`with_status`] joined to each submission's intervention, whose `partnership_id` groups them:
/// the children of `Partnership.submissions`.
pub fn with_status_and_partnership(
    status: &Option<SubmissionStatus>,
) -> Select<evaluation_submission::Entity> {
    with_status(status).join(
        JoinType::InnerJoin,
        evaluation_submission::Relation::Intervention.def(),
    )
}

/// The actor delivers the intervention, as a provider member of its partnership.
async fn may_act_as_provider(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    intervention: &intervention::Model,
) -> ApiResult<()> {
    let role =
        policy::role_for_write(conn, actor, intervention.partnership_id, "intervention").await?;
    policy::may_act_as_provider(actor, role, intervention.provider_id)
}

/// Opens a submission for a change to its evidence, inside the caller's write transaction: the
/// actor must see it (else NOT_FOUND), deliver its intervention (else FORBIDDEN), and it must be
/// DRAFT or CHANGES_REQUESTED (else INVALID_STATE). The row is locked on PostgreSQL, so a
/// commissioner's decision and a provider's edit cannot interleave.
pub async fn editable(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<(evaluation_submission::Model, intervention::Model)> {
    let (submission, intervention) = lock_visible(txn, actor, id).await?;
    may_act_as_provider(txn, actor, &intervention).await?;
    if !is_editable(submission.status) {
        return Err(ApiError::InvalidState(format!(
            "the submission is {}; evidence can only change while it is DRAFT or CHANGES_REQUESTED",
            submission.status.to_value()
        )));
    }
    Ok((submission, intervention))
}

/// The submission (if the actor can see it; NOT_FOUND otherwise) and its intervention, the
/// submission's row locked until the transaction ends (SELECT … FOR UPDATE on PostgreSQL;
/// SQLite's BEGIN IMMEDIATE already serialises writers). Every change of a submission's state
/// or evidence takes this lock first, so they are decided one at a time on the row as it is.
pub async fn lock_visible(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<(evaluation_submission::Model, intervention::Model)> {
    let submission = evaluation_submission::Entity::find_by_id(id)
        .filter(policy::visible_submissions(actor))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "submission",
        })?;
    let intervention = intervention::Entity::find_by_id(submission.intervention_id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "intervention",
        })?;
    Ok((submission, intervention))
}

fn period_in_order(start: NaiveDate, end: NaiveDate) -> ApiResult<()> {
    if end < start {
        Err(ApiError::bad_input(
            "input.periodEnd",
            "periodEnd must not be before periodStart",
        ))
    } else {
        Ok(())
    }
}

/// How many of the submission's records lie outside `start..=end`. A submission's period must
/// keep covering its records (§3.13), so a change of period that this counts any for is refused.
async fn count_records_outside_period(
    conn: &impl ConnectionTrait,
    submission_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<u64, DbErr> {
    outcome_record::Entity::find()
        .filter(outcome_record::Column::SubmissionId.eq(submission_id))
        .filter(
            Condition::any()
                .add(outcome_record::Column::ObservedOn.lt(start))
                .add(outcome_record::Column::ObservedOn.gt(end)),
        )
        .count(conn)
        .await
}

const NARRATIVE_MAX_CHARS: usize = 50_000;

/// Starts a DRAFT submission for one of the actor's own interventions.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewSubmission,
) -> ApiResult<evaluation_submission::Model> {
    period_in_order(new.period_start, new.period_end)?;
    let narrative = validation::text(&new.narrative, "input.narrative", NARRATIVE_MAX_CHARS)?;
    let txn = begin_write(db).await?;
    let intervention = interventions::find_visible(&txn, actor, new.intervention_id).await?;
    may_act_as_provider(&txn, actor, &intervention).await?;
    let now = Utc::now();
    let model = evaluation_submission::Entity::insert(evaluation_submission::ActiveModel {
        id: Set(Uuid::now_v7()),
        intervention_id: Set(new.intervention_id),
        period_start: Set(new.period_start),
        period_end: Set(new.period_end),
        narrative: Set(narrative),
        status: Set(SubmissionStatus::Draft),
        submitted_by: Set(None),
        submitted_at: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("submission.create", "submission", model.id)
            .in_partnership_once_submitted(intervention.partnership_id, model.submitted_at)
            .details(json!({
                "interventionId": new.intervention_id,
                "periodStart": model.period_start, "periodEnd": model.period_end,
            })),
    )
    .await?;
    let staged = events::stage(&txn, [changed(model.id, &intervention)]).await?;
    txn.commit().await?;
    staged.committed();
    Ok(model)
}

/// The event announcing a change of state of a submission of `intervention` (DESIGN §5.1).
pub fn changed(submission_id: Uuid, intervention: &intervention::Model) -> Event {
    Event::SubmissionChanged {
        submission_id,
        intervention_id: intervention.id,
        partnership_id: intervention.partnership_id,
    }
}

/// Changes the period or narrative of a submission whose evidence may still change. A new
/// period must still cover every outcome record of the submission.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: SubmissionChanges,
) -> ApiResult<evaluation_submission::Model> {
    let id = edit.id;
    let txn = begin_write(db).await?;
    let (current, intervention) = editable(&txn, actor, id).await?;
    let mut changes = evaluation_submission::ActiveModel::default();
    if let Some(narrative) = &edit.narrative {
        changes.narrative = Set(validation::text(
            narrative,
            "input.narrative",
            NARRATIVE_MAX_CHARS,
        )?);
    }
    let start = edit.period_start.unwrap_or(current.period_start);
    let end = edit.period_end.unwrap_or(current.period_end);
    period_in_order(start, end)?;
    let stranded = count_records_outside_period(&txn, id, start, end).await?;
    if stranded > 0 {
        return Err(ApiError::bad_input(
            if edit.period_start.is_some() {
                "input.periodStart"
            } else {
                "input.periodEnd"
            },
            format!(
                "{stranded} outcome record(s) were observed outside the new period; move or \
                 remove them first"
            ),
        ));
    }
    if edit.period_start.is_some() {
        changes.period_start = Set(start);
    }
    if edit.period_end.is_some() {
        changes.period_end = Set(end);
    }
    let narrative_changed = edit.narrative.is_some();
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes),
        |_, changes| {
            let change = Change::new("submission.update", "submission", id)
                .in_partnership_once_submitted(intervention.partnership_id, current.submitted_at)
                .changed_fields(changes);
            if narrative_changed {
                // Commissioners read the trail; a draft's text must not reach them through it.
                change.with_detail("narrative", json!("changed"))
            } else {
                change
            }
        },
    )
    .await
}

/// The provider may submit only evidence it is still working on (§5.1).
fn may_submit(status: SubmissionStatus) -> ApiResult<()> {
    match status {
        SubmissionStatus::Draft | SubmissionStatus::ChangesRequested => Ok(()),
        other => Err(ApiError::InvalidState(format!(
            "the submission is {}; only a DRAFT or CHANGES_REQUESTED submission can be submitted",
            other.to_value()
        ))),
    }
}

/// The provider may withdraw a draft or evidence awaiting review, never a decided one (§5.1).
fn may_withdraw(status: SubmissionStatus) -> ApiResult<()> {
    match status {
        SubmissionStatus::Draft | SubmissionStatus::Submitted => Ok(()),
        other => Err(ApiError::InvalidState(format!(
            "the submission is {}; only a DRAFT or SUBMITTED submission can be withdrawn",
            other.to_value()
        ))),
    }
}

/// Hands a DRAFT or CHANGES_REQUESTED submission to the partnership's commissioners for review
/// (the delivering provider). It needs at least one outcome record or story.
pub async fn submit(
    db: &DatabaseConnection,
    actor: &Actor,
    handover: SubmissionHandover,
) -> ApiResult<evaluation_submission::Model> {
    let id = handover.id;
    let txn = begin_write(db).await?;
    let (current, intervention) = lock_visible(&txn, actor, id).await?;
    may_act_as_provider(&txn, actor, &intervention).await?;
    may_submit(current.status)?;
    // Counted under the submission's lock, which every change of its evidence takes too.
    let records = outcome_record::Entity::find()
        .filter(outcome_record::Column::SubmissionId.eq(id))
        .count(&txn)
        .await?;
    let stories = story::Entity::find()
        .filter(story::Column::SubmissionId.eq(id))
        .count(&txn)
        .await?;
    if records == 0 && stories == 0 {
        return Err(ApiError::InvalidState(
            "the submission has no evidence yet: add at least one outcome record or story \
             before submitting it"
                .into(),
        ));
    }
    let staged = events::stage(&txn, [changed(id, &intervention)]).await?;
    let changes = evaluation_submission::ActiveModel {
        status: Set(SubmissionStatus::Submitted),
        submitted_by: Set(Some(actor.user_id)),
        submitted_at: Set(Some(Utc::now())),
        // A resubmission after CHANGES_REQUESTED awaits a new decision; the old one stays in
        // the comments.
        decided_by: Set(None),
        decided_at: Set(None),
        ..Default::default()
    };
    let submitted = audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, handover.expected_version, changes),
        |model, _| {
            Change::new("submission.submit", "submission", id)
                .in_partnership(intervention.partnership_id)
                .details(json!({
                    "from": current.status, "to": model.status,
                    "outcomeRecords": records, "stories": stories,
                }))
        },
    )
    .await?;
    staged.committed();
    Ok(submitted)
}

/// Withdraws a DRAFT or SUBMITTED submission for good (the delivering provider). A withdrawn
/// submission never counts and never changes again.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    withdrawal: SubmissionWithdrawal,
) -> ApiResult<evaluation_submission::Model> {
    let id = withdrawal.id;
    let txn = begin_write(db).await?;
    let (current, intervention) = lock_visible(&txn, actor, id).await?;
    may_act_as_provider(&txn, actor, &intervention).await?;
    may_withdraw(current.status)?;
    let staged = events::stage(&txn, [changed(id, &intervention)]).await?;
    let changes = evaluation_submission::ActiveModel {
        status: Set(SubmissionStatus::Withdrawn),
        ..Default::default()
    };
    let withdrawn = audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, withdrawal.expected_version, changes),
        |model, _| {
            Change::new("submission.withdraw", "submission", id)
                .in_partnership_once_submitted(intervention.partnership_id, current.submitted_at)
                .details(json!({ "from": current.status, "to": model.status }))
        },
    )
    .await?;
    staged.committed();
    Ok(withdrawn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubmissionStatus::{Accepted, ChangesRequested, Draft, Submitted, Withdrawn};

    #[test]
    fn the_provider_submits_work_in_progress_and_withdraws_only_undecided_evidence() {
        for status in [Draft, Submitted, Accepted, ChangesRequested, Withdrawn] {
            assert_eq!(
                may_submit(status).is_ok(),
                matches!(status, Draft | ChangesRequested),
                "submit from {status:?}"
            );
            assert_eq!(
                may_withdraw(status).is_ok(),
                matches!(status, Draft | Submitted),
                "withdraw from {status:?}"
            );
        }
        let Err(ApiError::InvalidState(message)) = may_withdraw(Accepted) else {
            panic!("withdrawing accepted evidence is an illegal transition");
        };
        assert!(message.contains("ACCEPTED"), "{message}");
    }
}
