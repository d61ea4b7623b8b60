//! Schema assembly: the query and mutation roots merged from the domain modules, the limits every
//! request runs under, and the small helpers resolvers share (request context, id parsing).
//! No business rules live here.

pub mod limits;
pub mod loaders;
pub mod pagination;
pub mod scalars;

use std::sync::Arc;

use async_graphql::{Context, EmptySubscription, ID, MergedObject, Schema, ServerError};
use entity::enums::UserRole;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    areas,
    audit::{self, ParticipantReads},
    auth::Actor,
    config::{Disclosure, Limits},
    enrolments,
    error::{ApiError, ApiResult, InternalErrorReport},
    indicators, interventions, organisations, participants, partnerships, submissions, users,
};
use loaders::Loaders;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    users::UserQuery,
    areas::AreaQuery,
    indicators::IndicatorQuery,
    organisations::OrganisationQuery,
    partnerships::PartnershipQuery,
    interventions::InterventionQuery,
    participants::ParticipantQuery,
    audit::AuditQuery,
    submissions::SubmissionQuery,
    crate::analytics::AnalyticsQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    organisations::OrganisationMutation,
    users::UserMutation,
    partnerships::PartnershipMutation,
    crate::agreements::AgreementMutation,
    crate::targets::TargetMutation,
    interventions::InterventionMutation,
    participants::ParticipantMutation,
    enrolments::EnrolmentMutation,
    submissions::SubmissionMutation,
    crate::stories::StoryMutation,
    crate::reviews::ReviewMutation,
    crate::outcome_records::OutcomeRecordMutation,
    crate::csv_import::CsvImportMutation,
);

pub type ApiSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Builds the schema. `db` is `None` only when printing the SDL. Resolvers read the limits and
/// the disclosure settings through [`limits()`] and [`disclosure`]. Every request is bounded in
/// depth, complexity and aliases before it runs (see [`limits::RequestLimits`]), and the causes of
/// its internal errors are logged when it ends ([`InternalErrorReport`]).
pub fn build_schema(
    db: Option<DatabaseConnection>,
    limits: &Limits,
    disclosure: Disclosure,
    introspection: bool,
) -> ApiSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .extension(limits::RequestLimits::new(limits))
    .extension(InternalErrorReport)
    .data(limits.clone())
    .data(disclosure);
    if !introspection {
        builder = builder
            .disable_introspection()
            .extension(limits::IntrospectionOff);
    }
    if let Some(db) = db {
        builder = builder.data(db);
    }
    builder.finish()
}

/// The SDL of the schema, as `api schema` prints it and `schema.graphql` stores it.
pub fn sdl() -> String {
    let limits = Limits {
        max_depth: usize::MAX,
        max_complexity: usize::MAX,
        max_aliases: usize::MAX,
        request_timeout: std::time::Duration::MAX,
        max_body_bytes: 0,
        max_batch_rows: 0,
        max_upload_bytes: 0,
        max_csv_rows: 0,
    };
    build_schema(None, &limits, Disclosure::default(), true).sdl()
}

/// What every resolver of one request shares: who is asking, the request's loaders, and the
/// participant reads to log when it ends.
pub struct RequestContext {
    pub actor: Actor,
    pub loaders: Loaders,
    pub participant_reads: Arc<ParticipantReads>,
}

impl RequestContext {
    pub fn new(db: &DatabaseConnection, actor: Actor) -> Self {
        let loaders = Loaders::new(db, &actor);
        Self {
            actor,
            loaders,
            participant_reads: Arc::default(),
        }
    }

    /// Notes that participant-level rows of these participants are being returned. The row
    /// filters show a provider user only its own organisation's participants, so only other
    /// callers' reads come from outside the owning provider and belong in the access log.
    pub fn note_participant_reads(&self, participant_ids: impl IntoIterator<Item = Uuid>) {
        if self.actor.role != UserRole::Provider {
            self.participant_reads.record(participant_ids);
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

/// Shorthand for the two things almost every resolver needs.
pub fn db_and_actor<'a>(ctx: &Context<'a>) -> ApiResult<(&'a DatabaseConnection, &'a Actor)> {
    Ok((db(ctx)?, &request(ctx)?.actor))
}

/// Parses a GraphQL `ID` argument; `field` names it in the error.
pub fn parse_id(id: &ID, field: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::bad_input(field, format!("{field} is not a valid id")))
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
