//! The append-only audit trail (DESIGN §3.16).
//!
//! Every mutation records what it changed through [`record`], on the same connection (the open
//! transaction) as the change itself, so a change and its audit event commit or vanish together.
//! Nothing here updates or deletes an event.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Actor;

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

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
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
