//! Limits (DESIGN §9): a query too deep, too costly or with too many aliases, or several
//! operations in one request, get a clear error before any work is done; an operation that runs
//! too long is cancelled with a TIMEOUT error. Page, body, upload and batch sizes are tested
//! with the features they bound (organisations, http_contract, csv_import, outcome_records).

use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

/// Partnership → intervention → partnership → … : legal GraphQL, ever deeper.
fn nested(levels: usize) -> String {
    let mut query = String::from("id");
    for level in (0..levels).rev() {
        query = if level % 2 == 0 {
            format!("interventions(first: 2) {{ nodes {{ {query} }} }}")
        } else {
            format!("partnership {{ {query} }}")
        };
    }
    format!("{{ partnerships(first: 2) {{ nodes {{ {query} }} }} }}")
}

async fn queries_deeper_than_the_limit_are_refused_before_they_run(app: TestApp) {
    let admin = app.admin().await;
    app.gql_ok(&admin.token, &nested(6), json!({})).await;
    let before = app.statements_executed();
    let (status, body) = app.gql_as(Some(&admin.token), &nested(14), json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body:#}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("nested too deep")
            && message.contains("at most 12 levels are allowed (MAX_QUERY_DEPTH)"),
        "{body:#}"
    );
    // One statement: authenticating the caller. The query itself never ran.
    assert_eq!(app.statements_executed() - before, 1);
}

async fn queries_costlier_than_the_limit_are_refused(app: TestApp) {
    let admin = app.admin().await;
    // 100 participants × 100 access-log entries × their fields: far past 5,000.
    let costly = "{ participants(first: 100) { nodes { accessLog(first: 100) { nodes { at operation actor { id email } } } } } }";
    let (status, body) = app.gql_as(Some(&admin.token), costly, json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body:#}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("too complex") && message.contains("over 5000 (MAX_QUERY_COMPLEXITY)"),
        "{body:#}"
    );
    let modest = "{ participants(first: 10) { nodes { accessLog(first: 10) { nodes { at } } } } }";
    app.gql_ok(&admin.token, modest, json!({})).await;
}

/// `{ a0: me { id } a1: me { id } … }` with `count` aliases.
fn aliased(count: usize) -> String {
    let fields: Vec<String> = (0..count).map(|n| format!("a{n}: me {{ id }}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

async fn queries_with_too_many_aliases_are_refused_before_they_run(app: TestApp) {
    let admin = app.admin().await;
    app.gql_ok(&admin.token, &aliased(30), json!({})).await;
    let before = app.statements_executed();
    let (status, body) = app
        .gql_as(Some(&admin.token), &aliased(31), json!({}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body:#}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("uses 31 aliases; at most 30 are allowed (MAX_ALIASES)"),
        "{body:#}"
    );
    assert_eq!(
        app.statements_executed() - before,
        1,
        "only the caller's lookup"
    );

    // A fragment's aliases count each time it is spread: 16 written, 32 asked for.
    let fields: Vec<String> = (0..16).map(|n| format!("a{n}: me {{ id }}")).collect();
    let spread = format!(
        "{{ ...F ... on Query {{ ...F }} }} fragment F on Query {{ {} }}",
        fields.join(" ")
    );
    let (status, body) = app.gql_as(Some(&admin.token), &spread, json!({})).await;
    assert_eq!((status, error_code(&body)), (400, "BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("uses 32 aliases"),
        "{body:#}"
    );
}

async fn operations_past_the_timeout_are_cancelled(app: TestApp) {
    let admin = app.admin().await;
    let before = app.count("organisations").await;
    // Another writer holds the lock the mutation needs, so no timeout is long enough for it.
    let lock = api::platform::db::begin_write(&app.db).await.unwrap();
    if app.db.get_database_backend() == DbBackend::Postgres {
        lock.execute_unprepared("LOCK TABLE organisations IN EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let create = "mutation { createOrganisation(input: { name: \"Too Slow\", kind: OTHER, sector: PRIVATE, areaCode: \"S12000036\" }) { organisation { id } } }";
    let (status, body) = app.gql_as(Some(&admin.token), create, json!({})).await;
    lock.rollback().await.unwrap();
    assert_eq!((status, error_code(&body)), (503, "TIMEOUT"), "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("longer than 100 ms (REQUEST_TIMEOUT_MS) and was cancelled"),
        "{body:#}"
    );
    assert!(body.get("data").is_none(), "{body:#}");
    assert_eq!(app.count("organisations").await, before, "nothing written");
    app.gql_ok(&admin.token, "{ me { id } }", json!({})).await;
}

/// Run with `MAX_QUERY_DEPTH=4` and `MAX_ALIASES=1`: queries that pass the defaults are refused.
async fn limits_are_configurable(app: TestApp) {
    let admin = app.admin().await;
    for query in [nested(3), aliased(2)] {
        let (status, body) = app.gql_as(Some(&admin.token), &query, json!({})).await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "BAD_USER_INPUT"),
            "{query}: {body:#}"
        );
    }
    app.gql_ok(&admin.token, &aliased(1), json!({})).await;
}

async fn one_request_carries_one_operation(app: TestApp) {
    let admin = app.admin().await;
    let batch = json!([{ "query": "{ me { id } }" }, { "query": "{ areas { code } }" }]);
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.json::<Value>().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("send one operation per request"),
        "{body:#}"
    );
}

const STRICT: &[(&str, &str)] = &[("MAX_QUERY_DEPTH", "4"), ("MAX_ALIASES", "1")];
const QUICK: &[(&str, &str)] = &[("REQUEST_TIMEOUT_MS", "100")];

on_both_databases!(
    queries_deeper_than_the_limit_are_refused_before_they_run,
    queries_costlier_than_the_limit_are_refused,
    queries_with_too_many_aliases_are_refused_before_they_run,
    one_request_carries_one_operation,
);
on_both_databases!(with super::STRICT; limits_are_configurable);
on_both_databases!(with super::QUICK; operations_past_the_timeout_are_cancelled);
