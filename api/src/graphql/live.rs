//! What every subscription field shares: this request's events as a stream, and the rule that
//! an event's object is read again under the subscriber's own policy at delivery, so that what
//! the subscriber may not see is skipped without a trace.

use async_graphql::{Context, ErrorExtensions};
use futures_util::{FutureExt, Stream, StreamExt, stream};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::error::RecvError;

use crate::{
    access::{auth::Actor, policy},
    graphql::{db, request},
    platform::{
        error::{ApiError, ApiResult},
        events::{Delivery, Event, MissedBecause, Received, Subscribed},
    },
};

/// The stream of a subscription field. For each event, `read` says whether the subscriber asked
/// for it by returning the read of its object under the subscriber's policy (given the pool and
/// the subscriber); the subscriber gets that object if they may see it, and nothing otherwise.
///
/// Subscribers of one access class (`policy::access_class`) see the same rows, so the read is
/// made once per event, field and class in this process and its result given to each of them;
/// a thousand commissioners of one council cost one query. Hence `read` may use the
/// subscriber's arguments only to decline an event: what it reads is the event's object.
pub fn deliver<T, R, F>(
    ctx: &Context<'_>,
    read: R,
) -> ApiResult<impl Stream<Item = async_graphql::Result<T>> + Send + 'static>
where
    R: Fn(DatabaseConnection, Actor, Event) -> Option<F> + Send + 'static,
    F: Future<Output = ApiResult<T>> + Send + 'static,
    T: Clone + Send + Sync + 'static,
{
    let (db, actor) = (db(ctx)?.clone(), request(ctx)?.actor.clone());
    let shared_by = (ctx.field().name().to_owned(), policy::access_class(&actor));
    Ok(events(ctx)?.filter_map(move |received| {
        let reading = match received {
            Ok(received) => read(db.clone(), actor.clone(), received.event().clone()).map(|read| {
                Ok(received.once(shared_by.clone(), || read.map(delivered).boxed().shared()))
            }),
            Err(missed) => Some(Err(missed)),
        };
        async move {
            match reading? {
                Ok(reading) => reading.await,
                Err(missed) => Some(Err(missed)),
            }
        }
    }))
}

/// The events from the moment of subscribing. A gap (the listener reconnected, or this
/// subscriber fell behind) arrives as an error on the stream, which goes on afterwards.
fn events(
    ctx: &Context<'_>,
) -> ApiResult<impl Stream<Item = async_graphql::Result<Received>> + Send + 'static> {
    let receiver = ctx
        .data::<Subscribed>()
        .ok()
        .and_then(Subscribed::take)
        .ok_or_else(|| ApiError::internal("a subscription ran without its events"))?;
    Ok(stream::unfold(receiver, |mut receiver| async move {
        let item = match receiver.recv().await {
            Ok(Delivery::Event(event)) => Ok(event),
            Ok(Delivery::Missed(because)) => Err(missed(because)),
            Err(RecvError::Lagged(count)) => Err(missed(MissedBecause::FellBehind(count))),
            Err(RecvError::Closed) => return None,
        };
        Some((item, receiver))
    }))
}

fn missed(because: MissedBecause) -> async_graphql::Error {
    let why = match because {
        MissedBecause::Reconnected => {
            "the server lost its connection to the database's event channel and reconnected"
                .to_owned()
        }
        MissedBecause::FellBehind(count) => {
            format!("this subscription fell {count} event(s) behind")
        }
    };
    async_graphql::Error::new(format!(
        "events may have been missed ({why}): refetch what you show; the subscription goes on"
    ))
    .extend_with(|_, extensions| extensions.set("code", "BUSY"))
}

/// What an event's object, read under the subscriber's policy, delivers: nothing when the
/// subscriber may not see it (NOT_FOUND is not news to them), the object, or a failure.
fn delivered<T>(read: ApiResult<T>) -> Option<async_graphql::Result<T>> {
    match read {
        Ok(object) => Some(Ok(object)),
        Err(ApiError::NotFound { .. }) => None,
        Err(err) => Some(Err(err.into())),
    }
}
