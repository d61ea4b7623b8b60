//! The audit trail as GraphQL serves it: `auditEvents` for admins and, within their
//! partnerships, commissioners (DESIGN §4.3), without children's details or drafts.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;
use serde_json::Value;

use crate::{
    audit::{self, EventCriteria},
    directory::{organisations::Organisation, users::User},
    graphql::{
        db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
    },
};

/// One entry of the audit trail.
pub struct AuditEvent(audit_event::Model);

#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who did it; empty for the command line's bootstrap.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(actor_id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .users
            .load_one(actor_id)
            .await?
            .map(User))
    }
    async fn actor_organisation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Organisation>> {
        let Some(organisation_id) = self.0.actor_organisation_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(organisation_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// `entity.verb`, e.g. `partnership.update` or `participant.read`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    async fn entity_id(&self) -> &str {
        &self.0.entity_id
    }
    async fn partnership_id(&self) -> Option<ID> {
        self.0.partnership_id.map(ID::from)
    }
    /// What changed, as JSON.
    async fn details(&self) -> Json<&Value> {
        Json(&self.0.details)
    }
}

#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    pub partnership_id: Option<ID>,
    pub actor_id: Option<ID>,
    /// Exact action, e.g. `submission.accept`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events before this instant.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first: admins see every event; commissioners the events of the
    /// partnerships they commission.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<AuditEvent>> {
        let (db, actor) = db_and_actor(ctx)?;
        let visible = audit::visible_events(actor)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let criteria = EventCriteria {
            partnership_id: filter
                .partnership_id
                .map(|id| parse_id(&id, "filter.partnershipId"))
                .transpose()?,
            actor_id: filter
                .actor_id
                .map(|id| parse_id(&id, "filter.actorId"))
                .transpose()?,
            action: filter.action,
            entity_type: filter.entity_type,
            entity_id: filter.entity_id,
            from: filter.from,
            to: filter.to,
        };
        Ok(fetch_page(
            db,
            audit::events_matching(visible, criteria),
            audit_event::Column::Id,
            page,
            Order::NewestFirst,
            |row| row.id,
            AuditEvent,
        )
        .await?)
    }
}
