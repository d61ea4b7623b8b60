//! Limits (DESIGN §9): a query too deep or too costly, or several operations in one request, get
//! a clear error before any work is done.

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
            format!("interventions {{ {query} }}")
        } else {
            format!("partnership {{ {query} }}")
        };
    }
    format!("{{ partnerships {{ nodes {{ {query} }} }} }}")
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
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
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
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{body:#}"
    );
    let modest = "{ participants(first: 10) { nodes { accessLog(first: 10) { nodes { at } } } } }";
    app.gql_ok(&admin.token, modest, json!({})).await;
}

/// Run with `MAX_QUERY_DEPTH=4`: a query that passes the default is refused.
async fn limits_are_configurable(app: TestApp) {
    let admin = app.admin().await;
    let (status, body) = app.gql_as(Some(&admin.token), &nested(3), json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body:#}"
    );
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
    assert_eq!(
        error_code(&response.json::<Value>().await.unwrap()),
        "BAD_USER_INPUT"
    );
}

const STRICT: &[(&str, &str)] = &[("MAX_QUERY_DEPTH", "4")];

on_both_databases!(
    queries_deeper_than_the_limit_are_refused_before_they_run,
    queries_costlier_than_the_limit_are_refused,
    one_request_carries_one_operation,
);
on_both_databases!(with super::STRICT; limits_are_configurable);
