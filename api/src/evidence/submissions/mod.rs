//! The GraphQL face of evaluation submissions (DESIGN §3.12, §5.1): the `EvaluationSubmission`
//! type with its evidence and review, the review queue (`submissions`), and the delivering
//! provider's mutations (create, update, submit, withdraw).
//!
//! Resolvers only parse input and wrap results; every rule (who may act, which states allow
//! what, the row locks) is in [`service`]. The commissioners' decisions are in `reviews`.

pub mod service;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{enums::SubmissionStatus, evaluation_submission};

use crate::{
    delivery::interventions::Intervention,
    directory::users::User,
    evidence::{reviews::ReviewComment, stories::Story},
    graphql::{
        db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
        scalars::Date,
    },
};

/// The evidence a provider submits for one intervention and period.
#[derive(Clone)]
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
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn stories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Story>> {
        let page = PageRequest::parse(ctx, first, after)?;
        let loaded = request(ctx)?
            .loaders
            .submission_stories
            .load_one((self.0.id, page, ()))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_connection(page, |row| row.id, Story))
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
        service::is_editable(self.0.status)
    }
    /// The outcome records the caller may read: all for the delivering provider and admins;
    /// for the partnership's commissioners only those of young people whose information-sharing
    /// decision allows it; none for anyone else (they read `summary`). Reads are logged.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<crate::evidence::outcome_records::OutcomeRecord>> {
        let page = PageRequest::parse(ctx, first, after)?;
        crate::evidence::outcome_records::records_of(ctx, self.0.id, page).await
    }
    /// Per indicator, the records' counts and means (DESIGN §6.1), with small numbers withheld
    /// for everyone but admins and the delivering provider (§6.4).
    #[graphql(complexity = "crate::graphql::limits::BATCHED_AGGREGATE_COST + child_complexity")]
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
        Ok(EvaluationSubmission(
            service::find_visible(db, actor, id).await?,
        ))
    }

    /// The submissions the caller may see, oldest first, so the longest-waiting comes first in
    /// a commissioner's review queue: `submissions(filter: {status: SUBMITTED})`. The
    /// delivering provider sees all of its own; the partnership's commissioners every one that
    /// is not a DRAFT; anyone else in the partnership only ACCEPTED ones.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        filter: Option<SubmissionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<EvaluationSubmission>> {
        let (db, actor) = db_and_actor(ctx)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = service::SubmissionListFilter {
            partnership_id: filter
                .partnership_id
                .as_ref()
                .map(|id| parse_id(id, "filter.partnershipId"))
                .transpose()?,
            intervention_id: filter
                .intervention_id
                .as_ref()
                .map(|id| parse_id(id, "filter.interventionId"))
                .transpose()?,
            status: filter.status,
        };
        let select = service::visible(actor, &filter);
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
        let new = service::NewSubmission {
            intervention_id: parse_id(&input.intervention_id, "input.interventionId")?,
            period_start: input.period_start.0,
            period_end: input.period_end.0,
            narrative: input.narrative,
        };
        let model = service::create(db, actor, new).await?;
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
        let edit = service::SubmissionChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            period_start: input.period_start.map(|date| date.0),
            period_end: input.period_end.map(|date| date.0),
            narrative: input.narrative,
        };
        let model = service::update(db, actor, edit).await?;
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
        let handover = service::SubmissionHandover {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
        };
        let model = service::submit(db, actor, handover).await?;
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
        let withdrawal = service::SubmissionWithdrawal {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
        };
        let model = service::withdraw(db, actor, withdrawal).await?;
        Ok(SubmissionPayload {
            submission: EvaluationSubmission(model),
        })
    }
}
