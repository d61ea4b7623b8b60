//! The rules of the commissioners' review of submitted evidence (DESIGN §3.15, §5.1):
//! comments, and the decisions that accept a submission or send it back for changes.
//!
//! Every review is stored as a review comment recording its decision, so a submission's
//! comments are the whole history of its review. A decision is taken on the submission's
//! locked row (`submissions::service::lock_visible`), so of two reviewers deciding at the same
//! moment exactly one wins and the other is told the submission is no longer SUBMITTED.
//!
//! Which states a review may act on:
//! - ACCEPT and REQUEST_CHANGES: only SUBMITTED.
//! - COMMENT: SUBMITTED, and CHANGES_REQUESTED too, so a commissioner can add to what they
//!   asked for while the provider revises. Never once ACCEPTED (final) or WITHDRAWN.

use chrono::Utc;
use entity::{
    enums::{ReviewDecision, SubmissionStatus},
    evaluation_submission, review_comment,
};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    analytics::read_model,
    audit::{self, Change},
    evidence::submissions::service as submissions,
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
        events::{self, Event},
        validation,
    },
};

/// One review of a submission by the partnership's commissioners.
pub struct NewReview {
    pub submission_id: Uuid,
    /// COMMENT leaves the status as it is; ACCEPT makes a SUBMITTED submission ACCEPTED (final);
    /// REQUEST_CHANGES sends it back to the provider as CHANGES_REQUESTED.
    pub decision: ReviewDecision,
    /// Required for COMMENT and REQUEST_CHANGES (say what should change); optional for ACCEPT.
    pub comment: Option<String>,
}

const COMMENT_MAX_CHARS: usize = 20_000;

/// The comment to store: required (non-blank) unless the decision is ACCEPT.
fn comment_body(decision: ReviewDecision, comment: Option<&str>) -> ApiResult<String> {
    let field = "input.comment";
    match (decision, comment) {
        (ReviewDecision::Accept, None) => Ok(String::new()),
        (ReviewDecision::Accept, Some(text)) if text.trim().is_empty() => Ok(String::new()),
        (_, Some(text)) => validation::text(text, field, COMMENT_MAX_CHARS),
        (ReviewDecision::RequestChanges, None) => Err(ApiError::bad_input(
            field,
            "a comment is required to request changes: say what should change",
        )),
        (_, None) => Err(ApiError::bad_input(field, "a comment is required")),
    }
}

/// The status a review leaves the submission in, or INVALID_STATE naming the current one.
fn status_after(status: SubmissionStatus, decision: ReviewDecision) -> ApiResult<SubmissionStatus> {
    use ReviewDecision as D;
    use SubmissionStatus as S;
    match (status, decision) {
        (S::Submitted, D::Accept) => Ok(S::Accepted),
        (S::Submitted, D::RequestChanges) => Ok(S::ChangesRequested),
        (S::Submitted | S::ChangesRequested, D::Comment) => Ok(status),
        (_, D::Comment) => Err(ApiError::InvalidState(format!(
            "the submission is {}; comments are taken only while it is SUBMITTED or \
             CHANGES_REQUESTED",
            status.to_value()
        ))),
        _ => Err(ApiError::InvalidState(format!(
            "the submission is {}; only a SUBMITTED submission can be accepted or sent back \
             for changes",
            status.to_value()
        ))),
    }
}

fn action(decision: ReviewDecision) -> &'static str {
    match decision {
        ReviewDecision::Comment => "submission.comment",
        ReviewDecision::Accept => "submission.accept",
        ReviewDecision::RequestChanges => "submission.request_changes",
    }
}

/// Comments on, accepts or requests changes to a submission (the partnership's commissioners),
/// keeping the review as a comment. Returns the submission as it now stands and the comment.
pub async fn review(
    db: &DatabaseConnection,
    actor: &Actor,
    review: NewReview,
) -> ApiResult<(evaluation_submission::Model, review_comment::Model)> {
    let id = review.submission_id;
    let body = comment_body(review.decision, review.comment.as_deref())?;

    let txn = begin_write(db).await?;
    let (current, intervention) = submissions::lock_visible(&txn, actor, id).await?;
    policy::may_review_submission(
        actor,
        policy::role_for_write(&txn, actor, intervention.partnership_id, "submission").await?,
        review.decision == ReviewDecision::Accept,
        intervention.provider_id,
    )?;
    let next = status_after(current.status, review.decision)?;
    let now = Utc::now();
    let comment = review_comment::Entity::insert(review_comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(id),
        author_id: Set(actor.user_id),
        decision: Set(review.decision),
        body: Set(body),
        created_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    let submission = if next == current.status {
        current.clone()
    } else {
        let changes = evaluation_submission::ActiveModel {
            status: Set(next),
            decided_by: Set(Some(actor.user_id)),
            decided_at: Set(Some(now)),
            ..Default::default()
        };
        // The row is locked, so its version cannot have moved since it was read.
        save_versioned::<evaluation_submission::Entity>(&txn, changes, id, current.version, None)
            .await?
    };
    if next == SubmissionStatus::Accepted && current.status != next {
        // Accepted evidence counts from now: the dashboards' read model moves with it.
        read_model::refresh_submission(&txn, id).await?;
    }
    audit::record(
        &txn,
        Some(actor),
        Change::new(action(review.decision), "submission", id)
            .in_partnership(intervention.partnership_id)
            .details(json!({
                "decision": review.decision, "from": current.status, "to": submission.status,
                "commentId": comment.id, "comment": comment.body,
            })),
    )
    .await?;
    let mut announced = vec![Event::CommentAdded {
        submission_id: id,
        comment_id: comment.id,
    }];
    if next != current.status {
        announced.push(submissions::changed(id, &intervention));
        if next == SubmissionStatus::Accepted {
            announced.push(Event::OutcomesChanged {
                partnership_id: intervention.partnership_id,
            });
        }
    }
    let staged = events::stage(&txn, announced).await?;
    txn.commit().await?;
    staged.committed();
    Ok((submission, comment))
}

/// The review comment, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible_comment(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<review_comment::Model> {
    review_comment::Entity::find_by_id(id)
        .filter(policy::visible_review_comments(actor))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: "comment" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewDecision as D;
    use SubmissionStatus as S;

    #[test]
    fn only_submitted_evidence_is_decided_and_comments_follow_it_back_to_the_provider() {
        let every = [
            S::Draft,
            S::Submitted,
            S::Accepted,
            S::ChangesRequested,
            S::Withdrawn,
        ];
        for status in every {
            let expected = |decision| match (status, decision) {
                (S::Submitted, D::Accept) => Some(S::Accepted),
                (S::Submitted, D::RequestChanges) => Some(S::ChangesRequested),
                (S::Submitted | S::ChangesRequested, D::Comment) => Some(status),
                _ => None,
            };
            for decision in [D::Comment, D::Accept, D::RequestChanges] {
                match status_after(status, decision) {
                    Ok(next) => {
                        assert_eq!(Some(next), expected(decision), "{status:?} {decision:?}")
                    }
                    Err(ApiError::InvalidState(message)) => {
                        assert_eq!(expected(decision), None, "{status:?} {decision:?}");
                        assert!(message.contains(&status.to_value()), "{message}");
                    }
                    Err(other) => panic!("{status:?} {decision:?}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn requesting_changes_or_commenting_needs_a_comment_accepting_does_not() {
        assert_eq!(comment_body(D::Accept, None).unwrap(), "");
        assert_eq!(comment_body(D::Accept, Some("  ")).unwrap(), "");
        assert_eq!(
            comment_body(D::Accept, Some(" Thorough. ")).unwrap(),
            "Thorough."
        );
        for decision in [D::Comment, D::RequestChanges] {
            for comment in [None, Some(""), Some("   ")] {
                let Err(ApiError::BadUserInput { field, .. }) = comment_body(decision, comment)
                else {
                    panic!("{decision:?} with {comment:?} must be refused");
                };
                assert_eq!(field, "input.comment");
            }
        }
    }
}
