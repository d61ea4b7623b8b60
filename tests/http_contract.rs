//! The HTTP contract: GraphQL over HTTP for POST and GET, GraphQL-shaped errors with codes for
//! every kind of malformed request, bounded bodies, and the health probes.

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

async fn malformed_requests_get_clear_coded_errors(app: TestApp) {
    let admin = app.admin().await;
    let post = |body: &'static str, content_type: &'static str| {
        app.client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let response = post("{\"query\": ", "application/json").await.unwrap();
    assert_eq!(response.status(), 400, "malformed JSON");
    assert_eq!(
        error_code(&response.json::<Value>().await.unwrap()),
        "BAD_USER_INPUT"
    );

    let response = post("{ areas { code } }", "text/plain").await.unwrap();
    assert_eq!(response.status(), 415, "unsupported media type");

    let (status, body) = app
        .gql_as(Some(&admin.token), "{ areas { code ", json!({}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "GraphQL syntax error: {body:#}"
    );

    let (status, body) = app
        .gql_as(Some(&admin.token), "{ noSuchField }", json!({}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "validation error"
    );

    let (status, body) = app
        .gql_as(
            Some(&admin.token),
            "{ organisations(first: \"ten\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "wrong argument type"
    );

    let (_, body) = app
        .gql_as(
            Some(&admin.token),
            "query($id: ID!) { partnership(id: $id) { id } }",
            json!({ "id": 42.5 }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "wrong variable type");
}

async fn bodies_over_the_limit_are_refused_before_parsing(app: TestApp) {
    let admin = app.admin().await;
    let huge = format!(
        "{{\"query\": \"{{ areas {{ code }} }}\", \"padding\": \"{}\"}}",
        "x".repeat(2 << 20)
    );
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        error_code(&response.json::<Value>().await.unwrap()),
        "BAD_USER_INPUT"
    );
}

async fn get_runs_queries_but_never_mutations(app: TestApp) {
    let admin = app.admin().await;
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", "{ areas { code } }")])
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["areas"].as_array().unwrap().len(), 32);

    let before = app.count("organisations").await;
    let mutation = "mutation { createOrganisation(input: { name: \"Via GET\", kind: OTHER, sector: PRIVATE, areaCode: \"S12000036\" }) { organisation { id } } }";
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", mutation)])
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(app.count("organisations").await, before);

    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", "{ areas { code } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "GET needs a token too");
}

async fn plain_json_clients_get_json_and_status_200(app: TestApp) {
    let admin = app.admin().await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .header("accept", "application/json")
        .json(&json!({ "query": "{ noSuchField }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

async fn health_and_readiness_probes_answer_without_a_token(app: TestApp) {
    let health = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
}

async fn internal_errors_say_nothing_but_a_correlation_id(app: TestApp) {
    let admin = app.admin().await;
    // Moving a table away under the service is the surest way to make the database fail.
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "ALTER TABLE areas RENAME TO areas_gone")
        .await
        .unwrap();
    let body = app.gql(&admin.token, "{ areas { code } }", json!({})).await;
    assert_eq!(error_code(&body), "INTERNAL");
    let error = &body["errors"][0];
    assert_eq!(error["message"], "internal error");
    assert!(
        error["extensions"]["correlationId"]
            .as_str()
            .is_some_and(|id| id.len() == 36)
    );
    let text = body.to_string().to_lowercase();
    for leak in [
        "select",
        "areas_gone",
        "no such table",
        "does not exist",
        "sqlx",
    ] {
        assert!(!text.contains(leak), "`{leak}` leaked: {body:#}");
    }
}

on_both_databases!(
    malformed_requests_get_clear_coded_errors,
    bodies_over_the_limit_are_refused_before_parsing,
    get_runs_queries_but_never_mutations,
    plain_json_clients_get_json_and_status_200,
    health_and_readiness_probes_answer_without_a_token,
    internal_errors_say_nothing_but_a_correlation_id,
);
