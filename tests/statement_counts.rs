//! No N+1 (DESIGN §1.3, §9): a nested query costs a number of SQL statements that depends on
//! its shape, never on how many rows it returns. Each test grows the data between two runs of
//! the same query and requires the same statement count, for each kind of caller.

use entity::enums::{OrganisationKind, UserRole};
use serde_json::json;

use crate::{
    on_both_databases,
    support::{TestApp, fixtures::TestUser},
};

/// Requests that walk every relation a dashboard would, between them. Within one request each
/// loader serves one path per depth: a loader shared by two paths at the same depth (say the
/// organisations of members and of providers) merges their keys into one batch only when both
/// arrive within its batching delay, so the count would then vary by a statement with timing
/// (never with rows). Splitting the paths keeps each count exact.
const NESTED: [&str; 3] = [
    "{ partnerships(first: 100) { totalCount nodes {
        id myRole reviewOverdue
        members { role organisation { name area { name } } }
        agreements { status signatures { signedBy { displayName } } }
        targets { state indicator { code } }
        interventions { name indicators { code } enrolments { id participant { reference } } }
    } } }",
    "{ partnerships(first: 100) { totalCount nodes {
        area { name }
        interventions { provider { name } partnership { id } enrolments { intervention { id } } }
    } } }",
    "{ partnerships(first: 100) { totalCount nodes {
        agreements { awaitingSignatureFrom { name } }
        targets { partnership { id } }
    } } }",
];

struct Cast {
    commissioner: TestUser,
    provider: TestUser,
    admin: TestUser,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.admin().await;
    let commissioner = app.commissioner("Scottish Borders Council").await;
    let provider_org = app
        .organisation("Borders Youth Project", OrganisationKind::Voluntary)
        .await;
    let provider = app.user(provider_org, UserRole::Provider).await;
    Cast {
        commissioner,
        provider,
        admin,
    }
}

/// Adds `count` partnerships, each with a provider member, a signed agreement, a target, and an
/// intervention with two enrolled young people who may be shared with the commissioner.
async fn grow(app: &TestApp, cast: &Cast, count: usize, tag: &str) {
    let confidence = app.indicator_id(&cast.commissioner, "CONFIDENCE").await;
    for n in 0..count {
        let partnership = app
            .partnership(&cast.commissioner, &format!("Partnership {tag}{n}"))
            .await;
        app.add_member(
            &cast.commissioner,
            &partnership,
            cast.provider.organisation_id,
            "PROVIDER",
        )
        .await;
        let agreement = app
            .gql_ok(&cast.commissioner.token, "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
                json!({ "input": { "partnershipId": partnership, "kind": "PARTNERSHIP_AGREEMENT", "title": "Aims", "body": "Who does what.", "effectiveFrom": "2026-09-01", "reviewDue": "2027-09-01" } }))
            .await["createAgreement"]["agreement"]["id"].clone();
        app.gql_ok(&cast.commissioner.token, "mutation($input: SignAgreementInput!) { signAgreement(input: $input) { agreement { id } } }",
            json!({ "input": { "agreementId": agreement } }))
            .await;
        app.gql_ok(&cast.commissioner.token, "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
            json!({ "input": { "partnershipId": partnership, "indicatorId": confidence, "title": "Confidence", "aggregation": "MEAN_CHANGE",
                "baselineValue": 0, "baselineDate": "2026-09-01", "targetValue": 2, "targetDate": "2027-07-01" } }))
            .await;
        let intervention = app
            .intervention(
                &cast.commissioner,
                &partnership,
                cast.provider.organisation_id,
                "Mentoring",
            )
            .await;
        for child in 0..2 {
            let participant = app
                .participant(
                    &cast.provider,
                    &format!("BY-{tag}{n}-{child}"),
                    json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Child's plan" }),
                )
                .await;
            app.enrol(&cast.provider, &participant, &intervention).await;
        }
    }
}

/// The statements each of the [`NESTED`] requests costs.
async fn statements_for(app: &TestApp, user: &TestUser) -> Vec<usize> {
    let mut counts = Vec::new();
    for query in NESTED {
        let before = app.statements_executed();
        let data = app.gql_ok(&user.token, query, json!({})).await;
        assert!(data["partnerships"]["totalCount"].as_u64().unwrap() > 0);
        counts.push(app.statements_executed() - before);
    }
    counts
}

async fn nested_reads_cost_the_same_for_2_and_8_partnerships(app: TestApp) {
    let cast = cast(&app).await;
    grow(&app, &cast, 2, "a").await;
    let small = [
        statements_for(&app, &cast.admin).await,
        statements_for(&app, &cast.commissioner).await,
        statements_for(&app, &cast.provider).await,
    ];
    grow(&app, &cast, 6, "b").await;
    let large = [
        statements_for(&app, &cast.admin).await,
        statements_for(&app, &cast.commissioner).await,
        statements_for(&app, &cast.provider).await,
    ];
    println!("statements per request [admin, commissioner, provider] × queries: {large:?}");
    assert_eq!(
        small, large,
        "statements for [admin, commissioner, provider] grew with the data"
    );
    assert!(
        large.iter().flatten().all(|&count| count < 20),
        "one statement per relation, not per row: {large:?}"
    );
}

on_both_databases!(nested_reads_cost_the_same_for_2_and_8_partnerships);
