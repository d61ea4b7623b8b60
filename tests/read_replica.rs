//! `DATABASE_READ_URL` (issue 16): queries read from the replica, while mutations, and what their
//! payloads read, go to the primary. The "replica" is a second URL to the test database whose
//! connections carry a marker (`application_name`) and allow only read-only transactions, so
//! PostgreSQL itself names the connections each statement ran on and refuses any write there.

use serde_json::json;

use crate::support::{TestApp, world::World};

const MARKER: &str = "outcomes_read_replica";

/// What each of the replica's connections last ran, and when.
async fn replica_activity(app: &TestApp) -> Vec<(i32, String, String)> {
    use sea_orm::ConnectionTrait;
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT pid, query, query_start::text AS started FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = '{MARKER}' \
                 ORDER BY pid"
            ),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            (
                row.try_get("", "pid").unwrap(),
                row.try_get("", "query").unwrap(),
                row.try_get::<Option<String>>("", "started")
                    .unwrap()
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn queries_read_from_the_replica_and_mutations_stay_on_the_primary() {
    let Some(primary_only) = TestApp::postgres().await else {
        return;
    };
    let world = World::build(&primary_only).await;
    let url = primary_only.database_url();
    let separator = if url.contains('?') { '&' } else { '?' };
    let read_url = format!(
        "{url}{separator}application_name={MARKER}\
         &options=-c%20default_transaction_read_only%3Don"
    );
    let app = primary_only
        .another_replica_with(&[("DATABASE_READ_URL", &read_url)])
        .await;

    let data = app
        .gql_ok(
            &world.commissioner.token,
            "query Dashboard($p: ID!) { partnership(id: $p) { name targets { id } } }",
            json!({ "p": world.p1 }),
        )
        .await;
    assert_eq!(data["partnership"]["name"], "Crannog Plus");
    let ran_on_replica = replica_activity(&app).await;
    assert!(
        ran_on_replica
            .iter()
            .any(|(_, query, _)| query.contains("FROM \"targets\"")),
        "the query's last read (the targets' loader) ran on the replica: {ran_on_replica:?}"
    );

    // The replica refuses writes, so a mutation that succeeds wrote to the primary; and its
    // payload's reads leave the replica's connections untouched.
    let before = replica_activity(&app).await;
    let data = app
        .gql_ok(
            &world.provider_a.token,
            "mutation($input: CreateSubmissionInput!) {
                createSubmission(input: $input) {
                    submission { id status intervention { id name partnership { name } } }
                }
            }",
            json!({ "input": { "interventionId": world.ia, "periodStart": "2027-01-04",
                "periodEnd": "2027-03-31", "narrative": "Spring term." } }),
        )
        .await;
    let submission = &data["createSubmission"]["submission"];
    assert_eq!(submission["status"], "DRAFT");
    assert_eq!(
        submission["intervention"]["partnership"]["name"],
        "Crannog Plus"
    );
    assert_eq!(replica_activity(&app).await, before);
}
