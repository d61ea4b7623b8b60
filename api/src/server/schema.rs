//! Schema assembly: the query, mutation and subscription roots merged from every context's
//! GraphQL face, and the limits and extensions every request runs under. No business rules live here.

use async_graphql::{MergedObject, MergedSubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::{
    analytics, audit,
    delivery::{enrolments, interventions, participants},
    directory::{areas, indicators, organisations, users},
    evidence::{csv_import, live, outcome_records, reviews, stories, submissions},
    graphql::{errors::InternalErrorReport, input::InputPolicy, limits as request_limits},
    partnership::{agreements, partnerships, targets},
    platform::{
        clock::Clock,
        config::{Disclosure, Limits},
    },
};

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
    audit::schema::AuditQuery,
    submissions::SubmissionQuery,
    analytics::AnalyticsQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    organisations::OrganisationMutation,
    users::UserMutation,
    areas::AreaMutation,
    indicators::IndicatorMutation,
    partnerships::PartnershipMutation,
    agreements::AgreementMutation,
    targets::TargetMutation,
    interventions::InterventionMutation,
    participants::ParticipantMutation,
    enrolments::EnrolmentMutation,
    submissions::SubmissionMutation,
    stories::StoryMutation,
    reviews::ReviewMutation,
    outcome_records::OutcomeRecordMutation,
    csv_import::CsvImportMutation,
);

#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(live::LiveSubscription);

pub type ApiSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema. `db` is `None` only when printing the SDL. Resolvers read the limits and
/// the disclosure settings through [`crate::graphql::limits()`] and [`crate::graphql::disclosure`]. Every request is bounded in
/// operation name, selections, depth, complexity and aliases before it runs (see
/// [`request_limits::RequestLimits`]), its text is checked ([`InputPolicy`]), and the causes of
/// its internal errors are logged when it ends ([`InternalErrorReport`]).
pub fn build_schema(
    db: Option<DatabaseConnection>,
    limits: &Limits,
    disclosure: Disclosure,
    introspection: bool,
    clock: Clock,
) -> ApiSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_complexity(limits.max_complexity)
    .extension(request_limits::RequestLimits::new(limits))
    .extension(InputPolicy)
    .extension(InternalErrorReport)
    .data(limits.clone())
    .data(csv_import::service::ImportSlots::new(limits))
    .data(disclosure)
    .data(clock);
    if !introspection {
        builder = builder
            .disable_introspection()
            .extension(request_limits::IntrospectionOff);
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
        max_selections: usize::MAX,
        max_operation_name_chars: usize::MAX,
        request_timeout: std::time::Duration::MAX,
        max_body_bytes: 0,
        max_response_bytes: 0,
        max_batch_rows: 0,
        max_upload_bytes: 0,
        max_csv_rows: 0,
        max_concurrent_imports: 1,
        import_wait: std::time::Duration::ZERO,
    };
    build_schema(None, &limits, Disclosure::default(), true, Clock::system()).sdl()
}
