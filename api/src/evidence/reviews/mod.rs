//! The GraphQL face of the commissioners' review (DESIGN §3.15, §5.1): the `ReviewComment`
//! type and the `reviewSubmission` mutation that comments on, accepts or sends back a submission.
//!
//! Resolvers only parse input and wrap results; which states a review may act on, and who may
//! review, are in [`service`].

pub mod service;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{enums::ReviewDecision, review_comment};

use crate::{
    directory::users::User,
    evidence::submissions::EvaluationSubmission,
    graphql::{db_and_actor, parse_id, request},
};

/// One comment of a review, with the decision it recorded.
#[derive(Clone)]
pub struct ReviewComment(pub review_comment::Model);

#[Object]
impl ReviewComment {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn submission_id(&self) -> ID {
        self.0.submission_id.into()
    }
    async fn author_id(&self) -> ID {
        self.0.author_id.into()
    }
    /// The commissioner (or admin) who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let loaded = request(ctx)?
            .loaders
            .users
            .load_one(self.0.author_id)
            .await?;
        Ok(loaded.map(User))
    }
    async fn decision(&self) -> ReviewDecision {
        self.0.decision
    }
    /// The comment; empty for an ACCEPT given without one.
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(InputObject)]
pub struct ReviewSubmissionInput {
    pub submission_id: ID,
    /// COMMENT leaves the status as it is; ACCEPT makes a SUBMITTED submission ACCEPTED (final);
    /// REQUEST_CHANGES sends it back to the provider as CHANGES_REQUESTED.
    pub decision: ReviewDecision,
    /// Required for COMMENT and REQUEST_CHANGES (say what should change); optional for ACCEPT.
    pub comment: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReviewSubmissionPayload {
    pub submission: EvaluationSubmission,
    /// The comment that records this review.
    pub comment: ReviewComment,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Comments on, accepts or requests changes to a submission (the partnership's
    /// commissioners). Every review is kept as a comment.
    async fn review_submission(
        &self,
        ctx: &Context<'_>,
        input: ReviewSubmissionInput,
    ) -> async_graphql::Result<ReviewSubmissionPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let review = service::NewReview {
            submission_id: parse_id(&input.submission_id, "input.submissionId")?,
            decision: input.decision,
            comment: input.comment,
        };
        let (submission, comment) = service::review(db, actor, review).await?;
        Ok(ReviewSubmissionPayload {
            submission: EvaluationSubmission(submission),
            comment: ReviewComment(comment),
        })
    }
}
