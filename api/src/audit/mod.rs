//! The append-only audit trail (DESIGN §3.16).
//!
//! Every mutation records what it changed through [`record`], on the same connection (the open
//! transaction) as the change itself, so a change and its audit event commit or vanish together.
//! Nothing here updates or deletes an event.
//!
//! Reads of participant-level rows by anyone outside the owning provider are events too
//! (`participant.read`): [`ParticipantReads`] collects them during a request and
//! [`record_participant_reads`] writes them in one batch before the response leaves.
//!
//! Reading the trail: [`visible_events`] (the policy's row filter) narrowed by
//! [`events_matching`]; the GraphQL face in [`schema`] pages the result.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Mutex, PoisonError},
};

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseTransaction, DbErr, EntityTrait, IdenStatic, Iterable, QueryFilter, Select,
    sea_query::sea_value_to_json_value,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    platform::{
        db::{Versioned, save_versioned},
        error::{ApiError, ApiResult, UniqueField},
    },
};

pub mod schema;

/// One change to record: what was done, to which entity, and what the new values are.
pub struct Change {
    action: &'static str,
    entity_type: &'static str,
    entity_id: String,
    partnership_id: Option<Uuid>,
    details: Value,
}

impl Change {
    /// `action` is `entity.verb`, e.g. `partnership.update`.
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            partnership_id: None,
            details: Value::Object(Default::default()),
        }
    }

    /// Ties the event to a partnership, so that partnership's commissioners can read it.
    pub fn in_partnership(mut self, partnership_id: Uuid) -> Self {
        self.partnership_id = Some(partnership_id);
        self
    }

    /// Ties an event about evaluation evidence to the partnership only once its submission has
    /// been handed over (`submitted_at` is set): a draft is the provider's alone, and its
    /// commissioners must not learn of it even from the audit trail.
    pub fn in_partnership_once_submitted(
        self,
        partnership_id: Uuid,
        submitted_at: Option<DateTime<Utc>>,
    ) -> Self {
        match submitted_at {
            Some(_) => self.in_partnership(partnership_id),
            None => self,
        }
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Details listing every column `changes` sets, with its new value, named as the API names
    /// the field (`areaCode`), so an update's event always says exactly what it changed.
    pub fn changed_fields<A: ActiveModelTrait>(mut self, changes: &A) -> Self {
        let mut details = serde_json::Map::new();
        for column in <A::Entity as EntityTrait>::Column::iter() {
            if let ActiveValue::Set(value) = changes.get(column) {
                details.insert(camel_case(column.as_str()), sea_value_to_json_value(&value));
            }
        }
        self.details = Value::Object(details);
        self
    }

    /// Adds one entry to the details (for changes outside the entity's own columns).
    pub fn with_detail(mut self, key: &str, value: Value) -> Self {
        if let Value::Object(details) = &mut self.details {
            details.insert(key.to_owned(), value);
        }
        self
    }
}

fn camel_case(snake: &str) -> String {
    let mut words = snake.split('_');
    let mut camel = words.next().unwrap_or_default().to_owned();
    for word in words {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            camel.extend(first.to_uppercase());
            camel.push_str(chars.as_str());
        }
    }
    camel
}

/// Appends the event. `actor` is `None` only for the command line's bootstrap.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: Option<&Actor>,
    change: Change,
) -> Result<(), DbErr> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor_id: Set(actor.map(|actor| actor.user_id)),
        actor_organisation_id: Set(actor.map(|actor| actor.organisation_id)),
        action: Set(change.action.to_owned()),
        entity_type: Set(change.entity_type.to_owned()),
        entity_id: Set(change.entity_id),
        partnership_id: Set(change.partnership_id),
        details: Set(change.details),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The tail every versioned update shares: write `edit.changes` to its row if it is still at
/// `expected_version` (CONFLICT otherwise; `unique` names the input a duplicate value came
/// from), record the event `describe` makes of the saved row and the fields set, and commit
/// both together.
pub async fn commit_update<A>(
    txn: DatabaseTransaction,
    actor: &Actor,
    edit: VersionedEdit<'_, A>,
    describe: impl FnOnce(&<A::Entity as EntityTrait>::Model, &A) -> Change,
) -> ApiResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait,
    A::Entity: Versioned<ActiveModel = A>,
    <A::Entity as EntityTrait>::Model: Sync,
{
    let changes = edit.changes.clone();
    let model = save_versioned::<A::Entity>(
        &txn,
        edit.changes,
        edit.id,
        edit.expected_version,
        edit.unique,
    )
    .await?;
    record(&txn, Some(actor), describe(&model, &changes)).await?;
    txn.commit().await?;
    Ok(model)
}

/// The tail every delete shares: refuse a stale `expected_version` (none given: delete what is
/// there), delete the row, record `change` and commit both together.
pub async fn commit_delete<E: Versioned>(
    txn: DatabaseTransaction,
    actor: &Actor,
    current: (Uuid, i32),
    expected_version: Option<i32>,
    change: Change,
) -> ApiResult<()> {
    let (id, version) = current;
    if expected_version.is_some_and(|expected| expected != version) {
        return Err(ApiError::stale_version(E::NAME));
    }
    E::delete_many()
        .filter(E::id_column().eq(id))
        .exec(&txn)
        .await?;
    record(&txn, Some(actor), change).await?;
    txn.commit().await?;
    Ok(())
}

/// One optimistic-concurrency edit: the fields to set on row `id`, expected at
/// `expected_version`. Generic over the active model, so its entity is inferred from `changes`.
pub struct VersionedEdit<'a, A> {
    pub id: Uuid,
    pub expected_version: i32,
    pub changes: A,
    pub unique: Option<&'a UniqueField>,
}

impl<'a, A> VersionedEdit<'a, A> {
    pub fn new(id: Uuid, expected_version: i32, changes: A) -> Self {
        Self {
            id,
            expected_version,
            changes,
            unique: None,
        }
    }

    /// For entities with a unique column: the input a duplicate value came from.
    pub fn unique(self, unique: &'a UniqueField) -> Self {
        Self {
            unique: Some(unique),
            ..self
        }
    }
}

/// What returned a participant's rows: the schema coordinate (`Type.field`, e.g.
/// `Participant.enrolments`) of the field, named by the code that serves it. Unlike the
/// operation's name, which the client chooses, it says what was read, and its size is bounded
/// by the schema.
pub type ReadBy = &'static str;

/// The participants whose rows one request has revealed to someone outside the owning
/// provider, each with the fields that revealed them. Shared by the request's resolvers and
/// loaders.
#[derive(Default)]
pub struct ParticipantReads(Mutex<BTreeMap<Uuid, BTreeSet<ReadBy>>>);

impl ParticipantReads {
    pub fn record(&self, participant_ids: impl IntoIterator<Item = Uuid>, read_by: ReadBy) {
        // A panic elsewhere cannot leave a half-inserted map, so a poisoned lock is usable.
        let mut reads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for participant_id in participant_ids {
            reads.entry(participant_id).or_default().insert(read_by);
        }
    }

    pub fn take(&self) -> BTreeMap<Uuid, BTreeSet<ReadBy>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Writes one `participant.read` event per participant, all in one statement. `operation` is
/// the name the client gave its operation (bounded by `MAX_OPERATION_NAME_CHARS` before the
/// request ran); `read` in each event's details lists the fields that returned the
/// participant's rows, which the owning provider sees as what was read.
pub async fn record_participant_reads(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    reads: &BTreeMap<Uuid, BTreeSet<ReadBy>>,
    operation: &str,
) -> Result<(), DbErr> {
    if reads.is_empty() {
        return Ok(());
    }
    let at = Utc::now();
    audit_event::Entity::insert_many(reads.iter().map(|(participant_id, read_by)| {
        audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(at),
            actor_id: Set(Some(actor.user_id)),
            actor_organisation_id: Set(Some(actor.organisation_id)),
            action: Set(PARTICIPANT_READ.to_owned()),
            entity_type: Set("participant".to_owned()),
            entity_id: Set(participant_id.to_string()),
            partnership_id: Set(None),
            details: Set(serde_json::json!({ "operation": operation, "read": read_by })),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The action of an access-log event.
pub const PARTICIPANT_READ: &str = "participant.read";

/// What a read of the trail may be narrowed to; `None` leaves a criterion out.
#[derive(Default)]
pub struct EventCriteria {
    pub partnership_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// Exact action, e.g. `submission.accept`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// The events `actor` may read (the policy's row filter; FORBIDDEN for a role that reads
/// none). Narrow it with [`events_matching`].
pub fn visible_events(actor: &Actor) -> ApiResult<Select<audit_event::Entity>> {
    Ok(audit_event::Entity::find().filter(policy::visible_audit_events(actor)?))
}

/// `select` narrowed to the events matching `criteria`.
pub fn events_matching(
    mut select: Select<audit_event::Entity>,
    criteria: EventCriteria,
) -> Select<audit_event::Entity> {
    if let Some(id) = criteria.partnership_id {
        select = select.filter(audit_event::Column::PartnershipId.eq(id));
    }
    if let Some(id) = criteria.actor_id {
        select = select.filter(audit_event::Column::ActorId.eq(id));
    }
    if let Some(action) = criteria.action {
        select = select.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(entity_type) = criteria.entity_type {
        select = select.filter(audit_event::Column::EntityType.eq(entity_type));
    }
    if let Some(entity_id) = criteria.entity_id {
        select = select.filter(audit_event::Column::EntityId.eq(entity_id));
    }
    if let Some(from) = criteria.from {
        select = select.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = criteria.to {
        select = select.filter(audit_event::Column::At.lt(to));
    }
    select
}

#[cfg(test)]
mod tests {
    use entity::{enums::PartnershipStatus, partnership};

    use super::*;

    #[test]
    fn an_update_event_lists_exactly_the_fields_it_set_as_the_api_names_them() {
        let changes = partnership::ActiveModel {
            status: Set(PartnershipStatus::Active),
            review_interval_months: Set(6),
            end_date: Set(None),
            ..Default::default()
        };
        let change = Change::new("partnership.update", "partnership", Uuid::nil())
            .changed_fields(&changes)
            .with_detail("note", Value::from("kept"));
        assert_eq!(
            change.details,
            serde_json::json!({
                "status": "ACTIVE",
                "reviewIntervalMonths": 6,
                "endDate": null,
                "note": "kept",
            })
        );
    }
}
