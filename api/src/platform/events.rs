//! The event bus behind live updates (GraphQL subscriptions): which submission, comment or
//! partnership changed, announced by the transaction that changed it and delivered to every
//! replica of the service.
//!
//! An event carries ids only. It says *that* something changed, never what: whoever receives
//! it reads the object again under their own access policy, so the bus cannot leak a row.
//!
//! - PostgreSQL: [`stage`] sends `pg_notify` inside the write transaction, so the database
//!   delivers the event at commit and a rolled-back change announces nothing. Each process
//!   keeps one dedicated listening connection ([`EventBus::start`]) and fans the events out to
//!   its own subscribers; every replica does the same, so all of them hear every change.
//! - SQLite (one process): the same interface over an in-process channel; the staged event is
//!   sent once the caller reports the commit ([`Staged::committed`]).
//!
//! Delivery is at most once: a subscriber that falls behind, or a listener that loses its
//! connection, is told so ([`Delivery::Missed`]) and must refetch. Nothing here knows about
//! GraphQL or the domain's rules.
//!
//! Every subscriber of a process receives the same [`Received`] event, so work that many of
//! them would repeat alike (reading the changed object for one kind of reader) is done once
//! ([`Received::once`]) and forgotten with the event.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    hash::Hash,
    sync::{Arc, LazyLock, Mutex, PoisonError},
    time::Duration,
};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
    sqlx::postgres::PgListener,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL notification channel every replica listens on.
pub const CHANNEL: &str = "outcomes_events";

/// How many events a subscriber may fall behind before it is told it missed some.
const BACKLOG: usize = 1024;

/// How long the listener waits before reconnecting after a failure.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Something changed. Ids only (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Event {
    /// A submission was created, submitted, returned, accepted or withdrawn. The intervention
    /// and partnership never change for a submission, so subscribers filter on them without
    /// reading anything.
    #[serde(rename_all = "camelCase")]
    SubmissionChanged {
        submission_id: Uuid,
        intervention_id: Uuid,
        partnership_id: Uuid,
    },
    /// Accepted evidence changed what the partnership's dashboards show.
    #[serde(rename_all = "camelCase")]
    OutcomesChanged { partnership_id: Uuid },
    /// A review comment was added to a submission.
    #[serde(rename_all = "camelCase")]
    CommentAdded {
        submission_id: Uuid,
        comment_id: Uuid,
    },
}

/// What a subscriber receives.
#[derive(Debug, Clone)]
pub enum Delivery {
    Event(Received),
    /// Events may have been lost (the listener reconnected, or this subscriber fell behind):
    /// whatever the subscriber shows may be stale.
    Missed(MissedBecause),
}

/// One event as this process received it: the same for all its subscribers, with what they
/// work out from it alike.
#[derive(Clone)]
pub struct Received(Arc<Occurrence>);

struct Occurrence {
    event: Event,
    /// For each type of key and value, the values made so far (a `HashMap<K, V>`).
    memo: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

impl Received {
    fn new(event: Event) -> Self {
        Self(Arc::new(Occurrence {
            event,
            memo: Mutex::default(),
        }))
    }

    pub fn event(&self) -> &Event {
        &self.0.event
    }

    /// The value for `key`: made by `make` for the first subscriber that asks, a clone of it
    /// for the others. Kept as long as some subscriber still holds the event.
    pub fn once<K, V>(&self, key: K, make: impl FnOnce() -> V) -> V
    where
        K: Hash + Eq + Send + 'static,
        V: Clone + Send + 'static,
    {
        let mut memo = self.0.memo.lock().unwrap_or_else(PoisonError::into_inner);
        let made = memo
            .entry(TypeId::of::<HashMap<K, V>>())
            .or_insert_with(|| Box::new(HashMap::<K, V>::new()));
        match made.downcast_mut::<HashMap<K, V>>() {
            Some(made) => made.entry(key).or_insert_with(make).clone(),
            // Not reached: each entry holds the map its type id names.
            None => make(),
        }
    }
}

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.event().fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissedBecause {
    /// The listening connection to the database was lost and has been re-established.
    Reconnected,
    /// The subscriber did not keep up; `n` events were dropped for it.
    FellBehind(u64),
}

/// The in-process channel of a SQLite deployment (one process owns the file). Tests running
/// several SQLite services in one process share it harmlessly: a subscriber reads each event's
/// ids in its own database, where another database's ids find nothing, and work shared through
/// [`Received::once`] is keyed by what only one database holds (an organisation's random id).
static LOCAL: LazyLock<broadcast::Sender<Delivery>> =
    LazyLock::new(|| broadcast::channel(BACKLOG).0);

/// Events announced inside a write transaction. Report the commit with
/// [`Staged::committed`]; dropped without it (the transaction failed), nothing is delivered.
#[must_use = "report the commit with `committed()`, or the event is lost on SQLite"]
pub struct Staged {
    /// Events still to send after the commit (SQLite); empty on PostgreSQL, whose commit sends
    /// them.
    after_commit: Vec<Event>,
}

impl Staged {
    /// The transaction committed: deliver what PostgreSQL does not deliver itself.
    pub fn committed(self) {
        for event in self.after_commit {
            // No receiver is not an error: nobody is subscribed.
            let _ = LOCAL.send(Delivery::Event(Received::new(event)));
        }
    }
}

/// Announces `events` as part of `txn` (see the module doc for how each database delivers).
pub async fn stage(
    txn: &DatabaseTransaction,
    events: impl IntoIterator<Item = Event>,
) -> Result<Staged, DbErr> {
    let events: Vec<Event> = events.into_iter().collect();
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(Staged {
            after_commit: events,
        });
    }
    for event in events {
        let payload = serde_json::to_string(&event)
            .map_err(|err| DbErr::Custom(format!("event not serialisable: {err}")))?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    }
    Ok(Staged {
        after_commit: Vec::new(),
    })
}

/// Where this process's subscribers get their events.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Delivery>,
}

impl EventBus {
    /// The bus for `db`: on PostgreSQL a dedicated listening connection to `url` (outside the
    /// pool, so it never takes a request's connection), fanned out in-process; on SQLite the
    /// in-process channel. Fails when the first listening connection cannot be made.
    pub async fn start(db: &DatabaseConnection, url: &str) -> Result<Self, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self {
                sender: LOCAL.clone(),
            });
        }
        let mut listener = PgListener::connect(url).await.map_err(listen_error)?;
        listener.listen(CHANNEL).await.map_err(listen_error)?;
        let (sender, _) = broadcast::channel(BACKLOG);
        tokio::spawn(listen(listener, sender.downgrade()));
        Ok(Self { sender })
    }

    /// A receiver of every delivery from now on.
    pub fn subscribe(&self) -> Subscribed {
        Subscribed(Mutex::new(Some(self.sender.subscribe())))
    }
}

/// The receiving end of one subscription, taken when the subscriber asked (so that nothing
/// after that moment is missed, however late its stream starts) and handed to the stream once.
pub struct Subscribed(Mutex<Option<broadcast::Receiver<Delivery>>>);

impl Subscribed {
    /// The receiver; `None` once taken.
    pub fn take(&self) -> Option<broadcast::Receiver<Delivery>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

fn listen_error(err: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err.into()))
}

/// Forwards notifications to the process's subscribers until the bus is dropped. A lost
/// connection is re-established (the listener re-issues LISTEN) and reported to subscribers,
/// since notifications sent meanwhile are gone.
async fn listen(mut listener: PgListener, sender: broadcast::WeakSender<Delivery>) {
    loop {
        let delivery = match listener.try_recv().await {
            Ok(Some(notification)) => match serde_json::from_str(notification.payload()) {
                Ok(event) => Delivery::Event(Received::new(event)),
                Err(err) => {
                    tracing::error!(error = %err, "an event on the bus did not parse; ignored");
                    continue;
                }
            },
            Ok(None) => {
                tracing::warn!("the event listener lost its database connection and reconnected");
                Delivery::Missed(MissedBecause::Reconnected)
            }
            Err(err) => {
                tracing::warn!(error = %err, "the event listener failed; retrying");
                tokio::time::sleep(RECONNECT_DELAY).await;
                Delivery::Missed(MissedBecause::Reconnected)
            }
        };
        let Some(sender) = sender.upgrade() else {
            return;
        };
        let _ = sender.send(delivery);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_travels_as_ids_only() {
        let event = Event::SubmissionChanged {
            submission_id: Uuid::nil(),
            intervention_id: Uuid::nil(),
            partnership_id: Uuid::max(),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "submissionChanged",
                "submissionId": Uuid::nil(), "interventionId": Uuid::nil(),
                "partnershipId": Uuid::max(),
            })
        );
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    }

    #[test]
    fn what_subscribers_work_out_alike_is_worked_out_once_per_key() {
        let received = Received::new(Event::OutcomesChanged {
            partnership_id: Uuid::nil(),
        });
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = |value: &'static str| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            value
        };
        assert_eq!(received.once(1_u8, || make("first")), "first");
        assert_eq!(received.clone().once(1_u8, || make("second")), "first");
        assert_eq!(received.once(2_u8, || make("other key")), "other key");
        assert_eq!(
            received.once(1_u16, || make("other key type")),
            "other key type"
        );
        assert_eq!(made.into_inner(), 3);
        let again = Received::new(received.event().clone());
        assert_eq!(again.once(1_u8, || "a new event"), "a new event");
    }
}
