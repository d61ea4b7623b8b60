//! What every resolver of one request shares, and the small helpers resolvers use to reach it
//! (the database, the actor, the configured limits) and to parse ids.

use std::{
    ops::Deref,
    sync::{Arc, OnceLock},
};

use async_graphql::{Context, ID, ServerError};
use entity::enums::UserRole;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    access::auth::Actor,
    audit::{ParticipantReads, ReadBy},
    graphql::loaders::Loaders,
    platform::{
        clock::Clock,
        config::{Disclosure, Limits},
        error::{ApiError, ApiResult},
        validation,
    },
};

/// What every resolver of one request shares: who is asking, the request's loaders, and the
/// participant reads to log when it ends.
pub struct RequestContext {
    pub actor: Actor,
    pub loaders: LazyLoaders,
    pub participant_reads: Arc<ParticipantReads>,
}

/// The request's [`Loaders`], built when a resolver first needs one. Their row filters are
/// the bulk of a request's memory (about 200 KB), which an idle subscription, waiting for
/// events, should not hold.
pub struct LazyLoaders {
    db: DatabaseConnection,
    actor: Actor,
    built: OnceLock<Loaders>,
}

impl Deref for LazyLoaders {
    type Target = Loaders;

    fn deref(&self) -> &Loaders {
        self.built
            .get_or_init(|| Loaders::new(&self.db, &self.actor))
    }
}

impl RequestContext {
    pub fn new(db: &DatabaseConnection, actor: Actor) -> Self {
        let loaders = LazyLoaders {
            db: db.clone(),
            actor: actor.clone(),
            built: OnceLock::new(),
        };
        Self {
            actor,
            loaders,
            participant_reads: Arc::default(),
        }
    }

    /// Notes that participant-level rows of these participants are being returned. The row
    /// filters show a provider user only its own organisation's participants, so only other
    /// callers' reads come from outside the owning provider and belong in the access log.
    /// `read_by` is the schema coordinate of the field returning them (`Participant.enrolments`).
    pub fn note_participant_reads(
        &self,
        participant_ids: impl IntoIterator<Item = Uuid>,
        read_by: ReadBy,
    ) {
        if self.actor.role != UserRole::Provider {
            self.participant_reads.record(participant_ids, read_by);
        }
    }
}

pub fn db<'a>(ctx: &Context<'a>) -> ApiResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|_| ApiError::internal("schema built without a database"))
}

pub fn request<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| ApiError::internal("request executed without a request context"))
}

/// The configured request limits (batch rows, upload size, CSV rows, …).
pub fn limits<'a>(ctx: &Context<'a>) -> ApiResult<&'a Limits> {
    ctx.data::<Limits>()
        .map_err(|_| ApiError::internal("schema built without its limits"))
}

/// The configured disclosure control (DESIGN §6.4).
pub fn disclosure(ctx: &Context<'_>) -> ApiResult<Disclosure> {
    ctx.data::<Disclosure>()
        .copied()
        .map_err(|_| ApiError::internal("schema built without its disclosure settings"))
}

/// The application clock: "today" for every rule that depends on it.
pub fn clock(ctx: &Context<'_>) -> ApiResult<Clock> {
    ctx.data::<Clock>()
        .copied()
        .map_err(|_| ApiError::internal("schema built without its clock"))
}

/// Shorthand for the two things almost every resolver needs.
pub fn db_and_actor<'a>(ctx: &Context<'a>) -> ApiResult<(&'a DatabaseConnection, &'a Actor)> {
    Ok((db(ctx)?, &request(ctx)?.actor))
}

/// Parses a GraphQL `ID` argument; `field` names it in the error.
pub fn parse_id(id: &ID, field: &str) -> ApiResult<Uuid> {
    validation::parse_id(id.as_str(), field)
}

/// Errors raised by the GraphQL engine itself (syntax, validation, wrong argument types) carry
/// no code; they are all the client's input, so they get BAD_USER_INPUT like ours do.
pub fn add_missing_error_codes(errors: &mut [ServerError]) {
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
}
