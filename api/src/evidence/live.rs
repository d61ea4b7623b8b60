//! The GraphQL face of live updates (DESIGN §7, Subscription): the commissioner's review queue
//! and the provider's inbox (`submissionChanged`), dashboards that should refetch
//! (`outcomesChanged`), and a submission's review conversation (`commentAdded`).
//!
//! An event names what changed; each subscriber's object is read at delivery through the same
//! services and row filters its queries use, so a subscriber who may not see it gets nothing
//! and a draft never reaches a commissioner. The socket and its authentication are the
//! server's; the events come from `platform::events`.

use async_graphql::{Context, ID, Subscription};
use futures_util::Stream;

use crate::{
    evidence::{
        reviews::{ReviewComment, service as reviews},
        submissions::{EvaluationSubmission, service as submissions},
    },
    graphql::{live::deliver, parse_id},
    partnership::partnerships::{Partnership, service as partnerships},
    platform::events::Event,
};

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// A submission the caller may see was created, submitted, sent back, resubmitted, accepted
    /// or withdrawn: the submission as it now stands. Narrowed to one partnership or
    /// intervention when given. A commissioner hears of a submission once it is submitted.
    async fn submission_changed(
        &self,
        ctx: &Context<'_>,
        partnership_id: Option<ID>,
        intervention_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<EvaluationSubmission>>>
    {
        let parse = |id: Option<ID>, field| id.map(|id| parse_id(&id, field)).transpose();
        let wanted_partnership = parse(partnership_id, "partnershipId")?;
        let wanted_intervention = parse(intervention_id, "interventionId")?;
        Ok(deliver(ctx, move |db, actor, event| match event {
            Event::SubmissionChanged {
                submission_id,
                intervention_id,
                partnership_id,
            } if wanted_partnership.is_none_or(|id| id == partnership_id)
                && wanted_intervention.is_none_or(|id| id == intervention_id) =>
            {
                Some(async move {
                    submissions::find_visible(&db, &actor, submission_id)
                        .await
                        .map(EvaluationSubmission)
                })
            }
            _ => None,
        })?)
    }

    /// Accepted evidence changed what the partnership's dashboards show (target progress,
    /// summaries): the partnership, for the client to refetch what it displays.
    async fn outcomes_changed(
        &self,
        ctx: &Context<'_>,
        partnership_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Partnership>>> {
        let wanted = parse_id(&partnership_id, "partnershipId")?;
        Ok(deliver(ctx, move |db, actor, event| match event {
            Event::OutcomesChanged { partnership_id } if partnership_id == wanted => {
                Some(async move {
                    partnerships::find_visible(&db, &actor, wanted)
                        .await
                        .map(Partnership)
                })
            }
            _ => None,
        })?)
    }

    /// A review comment was added to the submission: the comment, for those who may read the
    /// submission's review (its provider and its commissioners).
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        submission_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ReviewComment>>> {
        let wanted = parse_id(&submission_id, "submissionId")?;
        Ok(deliver(ctx, move |db, actor, event| match event {
            Event::CommentAdded {
                submission_id,
                comment_id,
            } if submission_id == wanted => Some(async move {
                reviews::find_visible_comment(&db, &actor, comment_id)
                    .await
                    .map(ReviewComment)
            }),
            _ => None,
        })?)
    }
}
