//! Evaluation submissions (DESIGN §3.12, §5.1): the evidence a provider submits for one
//! intervention and period, and the commissioners' review of it.
//!
//! This module owns the submission itself, the provider's side of its lifecycle (submit,
//! withdraw) and the review queue; the commissioners' decisions are in `reviews`. Outcome
//! records, stories and the per-indicator summary hang off it in their own modules and use
//! [`editable`] to decide whether evidence may still change. ACCEPTED is final: nothing in an
//! accepted submission changes, by any path, because every path goes through [`editable`].
//! Every change of state or evidence first locks the submission's row (`lock_visible`), so
//! concurrent changes are decided one at a time.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, dataloader::Loader};
use chrono::{DateTime, Utc};
use entity::{enums::SubmissionStatus, evaluation_submission, intervention, outcome_record, story};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    delivery::interventions::{Intervention, find_visible_intervention},
    directory::users::User,
    evidence::{outcome_records, reviews::ReviewComment, stories::Story},
    graphql::{
        db_and_actor,
        loaders::{LoadError, load_error},
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
        scalars::Date,
    },
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
        validation,
    },
};

/// The evidence a provider submits for one intervention and period.
pub struct EvaluationSubmission(pub evaluation_submission::Model);

#[Object]
impl EvaluationSubmission {
    async fn id(&self) -> ID {
        self.0.id.into()
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
    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }
    /// What happened, what worked and what did not (Markdown).
    async fn narrative(&self) -> &str {
        &self.0.narrative
    }
    /// The young people's stories the caller may read, oldest first: the delivering provider
    /// reads all; the partnership's commissioners all but those about a young person whose
    /// information-sharing decision is NONE and who did not agree to share the story; everyone
    /// else only the stories the young person agreed to share, once the submission is ACCEPTED.
    async fn stories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Story>> {
        let loaded = request(ctx)?
            .loaders
            .submission_stories
            .load_one(self.0.id)
            .await?;
        Ok(loaded.unwrap_or_default().into_iter().map(Story).collect())
    }
    /// The review so far, oldest first: every comment and decision of the partnership's
    /// commissioners. Read by them and the delivering provider; empty for anyone else.
    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReviewComment>> {
        let loaded = request(ctx)?
            .loaders
            .submission_comments
            .load_one(self.0.id)
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .map(ReviewComment)
            .collect())
    }
    /// Who submitted it last.
    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(user_id) = self.0.submitted_by else {
            return Ok(None);
        };
        let loaded = request(ctx)?.loaders.users.load_one(user_id).await?;
        Ok(loaded.map(User))
    }
    /// Who made the decision behind the current status (ACCEPTED or CHANGES_REQUESTED); empty
    /// in any other status.
    async fn decided_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(user_id) = self.0.decided_by else {
            return Ok(None);
        };
        let loaded = request(ctx)?.loaders.users.load_one(user_id).await?;
        Ok(loaded.map(User))
    }
    async fn status(&self) -> SubmissionStatus {
        self.0.status
    }
    async fn submitted_by_id(&self) -> Option<ID> {
        self.0.submitted_by.map(ID::from)
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    async fn decided_by_id(&self) -> Option<ID> {
        self.0.decided_by.map(ID::from)
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Whether records and stories may still be added, changed or removed (DRAFT or
    /// CHANGES_REQUESTED).
    async fn editable(&self) -> bool {
        is_editable(self.0.status)
    }
    /// The outcome records the caller may read: all for the delivering provider and admins;
    /// for the partnership's commissioners only those of young people whose information-sharing
    /// decision allows it; none for anyone else (they read `summary`). Reads are logged.
    async fn records(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::evidence::outcome_records::OutcomeRecord>> {
        crate::evidence::outcome_records::records_of(ctx, self.0.id).await
    }
    /// Per indicator, the records' counts and means (DESIGN §6.1), with small numbers withheld
    /// for everyone but admins and the delivering provider (§6.4).
    async fn summary(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::analytics::summary::IndicatorSummary>> {
        crate::analytics::summary::summary_of(ctx, self.0.id).await
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
pub struct CreateSubmissionInput {
    pub intervention_id: ID,
    pub period_start: Date,
    pub period_end: Date,
    /// What happened, what worked and what did not (Markdown).
    pub narrative: String,
}

/// Fields left out are unchanged. Only while the submission is DRAFT or CHANGES_REQUESTED.
#[derive(InputObject)]
pub struct UpdateSubmissionInput {
    pub id: ID,
    pub expected_version: i32,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
    pub narrative: Option<String>,
}

/// DRAFT or CHANGES_REQUESTED → SUBMITTED: the delivering provider hands the evidence to the
/// partnership's commissioners for review.
#[derive(InputObject)]
pub struct SubmitSubmissionInput {
    pub id: ID,
    pub expected_version: i32,
}

/// DRAFT or SUBMITTED → WITHDRAWN: the delivering provider takes the evidence back for good.
#[derive(InputObject)]
pub struct WithdrawSubmissionInput {
    pub id: ID,
    pub expected_version: i32,
}

/// Narrows `submissions`; fields left out do not filter.
#[derive(InputObject, Default)]
pub struct SubmissionFilter {
    pub partnership_id: Option<ID>,
    pub intervention_id: Option<ID>,
    pub status: Option<SubmissionStatus>,
}

#[derive(SimpleObject)]
pub struct SubmissionPayload {
    pub submission: EvaluationSubmission,
}

#[derive(Default)]
pub struct SubmissionQuery;

#[Object]
impl SubmissionQuery {
    async fn submission(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<EvaluationSubmission> {
        let (db, actor) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(EvaluationSubmission(find_visible(db, actor, id).await?))
    }

    /// The submissions the caller may see, oldest first, so the longest-waiting comes first in
    /// a commissioner's review queue: `submissions(filter: {status: SUBMITTED})`. The
    /// delivering provider sees all of its own; the partnership's commissioners every one that
    /// is not a DRAFT; anyone else in the partnership only ACCEPTED ones.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        filter: Option<SubmissionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<EvaluationSubmission>> {
        let (db, actor) = db_and_actor(ctx)?;
        let page = PageRequest::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        let mut select =
            evaluation_submission::Entity::find().filter(policy::visible_submissions(actor));
        if let Some(id) = &filter.partnership_id {
            let partnership_id = parse_id(id, "filter.partnershipId")?;
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
        if let Some(id) = &filter.intervention_id {
            let intervention_id = parse_id(id, "filter.interventionId")?;
            select =
                select.filter(evaluation_submission::Column::InterventionId.eq(intervention_id));
        }
        if let Some(status) = filter.status {
            select = select.filter(evaluation_submission::Column::Status.eq(status));
        }
        Ok(fetch_page(
            db,
            select,
            evaluation_submission::Column::Id,
            page,
            Order::OldestFirst,
            |row| row.id,
            EvaluationSubmission,
        )
        .await?)
    }
}

#[derive(Default)]
pub struct SubmissionMutation;

#[Object]
impl SubmissionMutation {
    /// Starts a DRAFT submission for one of the caller's own interventions.
    async fn create_submission(
        &self,
        ctx: &Context<'_>,
        input: CreateSubmissionInput,
    ) -> async_graphql::Result<SubmissionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = create(db, actor, input).await?;
        Ok(SubmissionPayload {
            submission: EvaluationSubmission(model),
        })
    }

    async fn update_submission(
        &self,
        ctx: &Context<'_>,
        input: UpdateSubmissionInput,
    ) -> async_graphql::Result<SubmissionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(SubmissionPayload {
            submission: EvaluationSubmission(model),
        })
    }

    /// Hands a DRAFT or CHANGES_REQUESTED submission to the partnership's commissioners for
    /// review (the delivering provider). It needs at least one outcome record or story.
    async fn submit_submission(
        &self,
        ctx: &Context<'_>,
        input: SubmitSubmissionInput,
    ) -> async_graphql::Result<SubmissionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = submit(db, actor, input).await?;
        Ok(SubmissionPayload {
            submission: EvaluationSubmission(model),
        })
    }

    /// Withdraws a DRAFT or SUBMITTED submission for good (the delivering provider). A
    /// withdrawn submission never counts and never changes again.
    async fn withdraw_submission(
        &self,
        ctx: &Context<'_>,
        input: WithdrawSubmissionInput,
    ) -> async_graphql::Result<SubmissionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = withdraw(db, actor, input).await?;
        Ok(SubmissionPayload {
            submission: EvaluationSubmission(model),
        })
    }
}

/// Evidence may change only in these states (§5.1).
pub fn is_editable(status: SubmissionStatus) -> bool {
    matches!(
        status,
        SubmissionStatus::Draft | SubmissionStatus::ChangesRequested
    )
}

/// The submission, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<evaluation_submission::Model> {
    evaluation_submission::Entity::find_by_id(id)
        .filter(policy::visible_submissions(actor))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "submission",
        })
}

/// The actor delivers the intervention, as a provider member of its partnership.
async fn may_act_as_provider(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    intervention: &intervention::Model,
) -> ApiResult<()> {
    let role = policy::role_in_partnership(conn, actor, intervention.partnership_id).await?;
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
pub(crate) async fn lock_visible(
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

fn period_in_order(start: Date, end: Date) -> ApiResult<()> {
    if end < start {
        Err(ApiError::bad_input(
            "input.periodEnd",
            "periodEnd must not be before periodStart",
        ))
    } else {
        Ok(())
    }
}

const NARRATIVE_MAX_CHARS: usize = 50_000;

async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CreateSubmissionInput,
) -> ApiResult<evaluation_submission::Model> {
    let intervention_id = parse_id(&input.intervention_id, "input.interventionId")?;
    period_in_order(input.period_start, input.period_end)?;
    let narrative = validation::text(&input.narrative, "input.narrative", NARRATIVE_MAX_CHARS)?;
    let txn = begin_write(db).await?;
    let intervention = find_visible_intervention(&txn, actor, intervention_id).await?;
    may_act_as_provider(&txn, actor, &intervention).await?;
    let now = Utc::now();
    let model = evaluation_submission::Entity::insert(evaluation_submission::ActiveModel {
        id: Set(Uuid::now_v7()),
        intervention_id: Set(intervention_id),
        period_start: Set(input.period_start.0),
        period_end: Set(input.period_end.0),
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
            .details(serde_json::json!({
                "interventionId": intervention_id,
                "periodStart": model.period_start, "periodEnd": model.period_end,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateSubmissionInput,
) -> ApiResult<evaluation_submission::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let (current, intervention) = editable(&txn, actor, id).await?;
    let mut changes = evaluation_submission::ActiveModel::default();
    if let Some(narrative) = &input.narrative {
        changes.narrative = Set(validation::text(
            narrative,
            "input.narrative",
            NARRATIVE_MAX_CHARS,
        )?);
    }
    let start = input.period_start.unwrap_or(Date(current.period_start));
    let end = input.period_end.unwrap_or(Date(current.period_end));
    period_in_order(start, end)?;
    let stranded = outcome_records::count_outside_period(&txn, id, start.0, end.0).await?;
    if stranded > 0 {
        return Err(ApiError::bad_input(
            if input.period_start.is_some() {
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
    if input.period_start.is_some() {
        changes.period_start = Set(start.0);
    }
    if input.period_end.is_some() {
        changes.period_end = Set(end.0);
    }
    let mut change = Change::new("submission.update", "submission", id)
        .in_partnership_once_submitted(intervention.partnership_id, current.submitted_at)
        .changed_fields(&changes);
    if input.narrative.is_some() {
        // Commissioners read the trail; a draft's text must not reach them through it.
        change = change.with_detail("narrative", serde_json::json!("changed"));
    }
    let model = save_versioned::<evaluation_submission::Entity>(
        &txn,
        changes,
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(&txn, Some(actor), change).await?;
    txn.commit().await?;
    Ok(model)
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

async fn submit(
    db: &DatabaseConnection,
    actor: &Actor,
    input: SubmitSubmissionInput,
) -> ApiResult<evaluation_submission::Model> {
    let id = parse_id(&input.id, "input.id")?;
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
    let model = save_versioned::<evaluation_submission::Entity>(
        &txn,
        changes,
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("submission.submit", "submission", id)
            .in_partnership(intervention.partnership_id)
            .details(json!({
                "from": current.status, "to": model.status,
                "outcomeRecords": records, "stories": stories,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    input: WithdrawSubmissionInput,
) -> ApiResult<evaluation_submission::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let (current, intervention) = lock_visible(&txn, actor, id).await?;
    may_act_as_provider(&txn, actor, &intervention).await?;
    may_withdraw(current.status)?;
    let changes = evaluation_submission::ActiveModel {
        status: Set(SubmissionStatus::Withdrawn),
        ..Default::default()
    };
    let model = save_versioned::<evaluation_submission::Entity>(
        &txn,
        changes,
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("submission.withdraw", "submission", id)
            .in_partnership_once_submitted(intervention.partnership_id, current.submitted_at)
            .details(json!({ "from": current.status, "to": model.status })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Submissions of every intervention of partnerships, keyed by partnership id, oldest first,
/// under the actor's row filter: one statement joining each submission to its intervention.
pub struct PartnershipSubmissionsLoader {
    pub db: DatabaseConnection,
    pub filter: Condition,
}

impl Loader<Uuid> for PartnershipSubmissionsLoader {
    type Value = Vec<evaluation_submission::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        partnership_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<evaluation_submission::Model>>, LoadError> {
        let rows = evaluation_submission::Entity::find()
            .find_also_related(intervention::Entity)
            .filter(self.filter.clone())
            .filter(intervention::Column::PartnershipId.is_in(partnership_ids.iter().copied()))
            .order_by_asc(evaluation_submission::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut grouped: HashMap<Uuid, Vec<evaluation_submission::Model>> = HashMap::new();
        for (submission, intervention) in rows {
            if let Some(intervention) = intervention {
                grouped
                    .entry(intervention.partnership_id)
                    .or_default()
                    .push(submission);
            }
        }
        Ok(grouped)
    }
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
