//! The HTTP contract: GraphQL over HTTP for POST and GET (media types, status codes, the
//! spec's GET parameters), GraphQL-shaped errors with codes for every kind of malformed request,
//! bounded bodies, CORS, introspection, and the health probes.

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
            .starts_with("application/json"),
        "no Accept: JSON, as for legacy clients"
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

async fn responses_take_the_media_type_the_client_asks_for(app: TestApp) {
    let admin = app.admin().await;
    let graphql = "application/graphql-response+json";
    let json_type = "application/json";
    let cases: &[(Option<&str>, Option<&str>)] = &[
        (None, Some(json_type)),
        (Some(graphql), Some(graphql)),
        (Some(json_type), Some(json_type)),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            Some(graphql),
        ),
        (
            Some("application/json, application/graphql-response+json;q=0.5"),
            Some(json_type),
        ),
        (Some("*/*"), Some(json_type)),
        (Some("application/*;q=0.8, text/html"), Some(json_type)),
        (
            Some("application/graphql-response+json, */*"),
            Some(graphql),
        ),
        (
            Some("application/json;q=0.5, application/graphql-response+json;q=0.6"),
            Some(graphql),
        ),
        (Some("application/json;q=0.5, */*"), Some(graphql)),
        (
            Some("application/graphql-response+json;q=0, */*"),
            Some(json_type),
        ),
        (Some("text/html"), None),
        (Some("application/xml, text/plain;q=0.5"), None),
        (Some("application/json;q=0"), None),
    ];
    for (accept, expected) in cases {
        let mut request = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .json(&json!({ "query": "{ me { id } }" }));
        if let Some(accept) = accept {
            request = request.header("accept", *accept);
        }
        let response = request.send().await.unwrap();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        match expected {
            Some(expected) => {
                assert_eq!(response.status(), 200, "{accept:?}");
                assert_eq!(&content_type, expected, "{accept:?}");
                // Answers hold children's data: nothing may keep a copy.
                assert_eq!(response.headers()["cache-control"], "no-store");
            }
            None => {
                assert_eq!(response.status(), 406, "{accept:?}");
                let body: Value = response.json().await.unwrap();
                assert_eq!(error_code(&body), "BAD_USER_INPUT", "{accept:?}");
            }
        }
    }
}

async fn requests_refused_before_they_run_have_no_data(app: TestApp) {
    let admin = app.admin().await;
    for (accept, status) in [
        ("application/graphql-response+json", 400),
        ("application/json", 200),
    ] {
        let response = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .header("accept", accept)
            .json(&json!({ "query": "{ noSuchField }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{accept}");
        let body: Value = response.json().await.unwrap();
        assert!(body.get("data").is_none(), "{accept}: {body:#}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
    // An operation that ran has `data`, even when a field failed.
    let (status, body) = app
        .gql_as(
            Some(&admin.token),
            "{ partnership(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("data").is_some(), "{body:#}");
}

async fn posts_must_be_json_or_a_multipart_upload(app: TestApp) {
    let admin = app.admin().await;
    let body = json!({ "query": "{ me { id } }" }).to_string();
    for (content_type, status) in [
        (Some("application/json; charset=UTF-8"), 200),
        (Some("application/json;charset=utf-8"), 200),
        (Some("Application/JSON"), 200),
        (None, 415),
        (Some("application/json; charset=latin1"), 415),
        (Some("application/jsonp"), 415),
        (Some("application/x-www-form-urlencoded"), 415),
        (Some("application/graphql"), 415),
    ] {
        let mut request = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{content_type:?}");
        if status == 415 {
            let body: Value = response.json().await.unwrap();
            assert!(
                body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("send GraphQL requests as application/json"),
                "{body:#}"
            );
        }
    }
}

async fn get_takes_the_spec_parameters(app: TestApp) {
    let admin = app.admin().await;
    let get = |params: Vec<(&'static str, String)>| {
        app.client()
            .get(app.url("/graphql"))
            .query(&params)
            .bearer_auth(&admin.token)
            .send()
    };
    let document = "query Me { me { id } } \
                    query Page($first: Int) { organisations(first: $first) { nodes { id } } } \
                    mutation Make { createOrganisation(input: { name: \"Via GET\", kind: OTHER, \
                    sector: PRIVATE, areaCode: \"S12000036\" }) { organisation { id } } }";
    let response = get(vec![
        ("query", document.into()),
        ("operationName", "Me".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["me"]["id"], admin.id.to_string(), "{body:#}");

    let response = get(vec![
        ("query", document.into()),
        ("operationName", "Page".into()),
        ("variables", json!({ "first": 1 }).to_string()),
        ("extensions", json!({}).to_string()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let nodes = body["data"]["organisations"]["nodes"].as_array();
    assert_eq!(nodes.map(Vec::len), Some(1), "{body:#}");

    let before = app.count("organisations").await;
    let response = get(vec![
        ("query", document.into()),
        ("operationName", "Make".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 405, "a mutation chosen by operationName");
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(app.count("organisations").await, before);

    for (params, why) in [
        (
            vec![("operationName", "Me".to_owned())],
            "the `query` parameter is missing",
        ),
        (
            vec![
                ("query", "{ me { id } }".into()),
                ("variables", "{not json".into()),
            ],
            "the `variables` parameter is not JSON",
        ),
        (
            vec![
                ("query", "{ me { id } }".into()),
                ("variables", "[1]".into()),
            ],
            "not a GraphQL request",
        ),
    ] {
        let response = get(params).await.unwrap();
        assert_eq!(response.status(), 400, "{why}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert!(
            body["errors"][0]["message"].as_str().unwrap().contains(why),
            "{body:#}"
        );
    }
}

async fn other_methods_are_not_allowed(app: TestApp) {
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::OPTIONS,
    ] {
        let response = app
            .client()
            .request(method.clone(), app.url("/graphql"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET, POST");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "no CORS without CORS_ORIGINS"
        );
    }
}

const DASHBOARD: &str = "https://dashboard.example.org";
const WITH_CORS: &[(&str, &str)] = &[(
    "CORS_ORIGINS",
    "https://dashboard.example.org,http://localhost:5173",
)];

async fn cors_admits_only_the_configured_origins(app: TestApp) {
    let admin = app.admin().await;
    let preflight = |origin: &'static str| {
        app.client()
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let response = preflight(DASHBOARD).await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], DASHBOARD);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(
        headers.get("access-control-allow-credentials").is_none(),
        "bearer tokens, never cookies"
    );

    let response = preflight("https://evil.example").await.unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let post = |origin: &'static str| {
        app.client()
            .post(app.url("/graphql"))
            .header("origin", origin)
            .bearer_auth(&admin.token)
            .json(&json!({ "query": "{ me { id } }" }))
            .send()
    };
    let response = post(DASHBOARD).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], DASHBOARD);
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    let response = post("https://evil.example").await.unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

const WITHOUT_INTROSPECTION: &[(&str, &str)] = &[("INTROSPECTION", "false")];
const INTROSPECT: &str = "{ __schema { queryType { name } } }";

async fn introspection_is_on_by_default(app: TestApp) {
    let admin = app.admin().await;
    let data = app.gql_ok(&admin.token, INTROSPECT, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

async fn introspection_can_be_turned_off(app: TestApp) {
    let admin = app.admin().await;
    let (status, body) = app.gql_as(Some(&admin.token), INTROSPECT, json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body:#}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("introspection is turned off on this server (INTROSPECTION=false)"),
        "{body:#}"
    );
    // Asking an object its type is not introspection of the schema.
    let data = app
        .gql_ok(&admin.token, "{ __typename me { __typename } }", json!({}))
        .await;
    assert_eq!(data["me"]["__typename"], "User");
}

on_both_databases!(
    responses_take_the_media_type_the_client_asks_for,
    requests_refused_before_they_run_have_no_data,
    posts_must_be_json_or_a_multipart_upload,
    get_takes_the_spec_parameters,
    other_methods_are_not_allowed,
    introspection_is_on_by_default,
);
on_both_databases!(with super::WITH_CORS; cors_admits_only_the_configured_origins);
on_both_databases!(with super::WITHOUT_INTROSPECTION; introspection_can_be_turned_off);

on_both_databases!(
    malformed_requests_get_clear_coded_errors,
    bodies_over_the_limit_are_refused_before_parsing,
    get_runs_queries_but_never_mutations,
    plain_json_clients_get_json_and_status_200,
    health_and_readiness_probes_answer_without_a_token,
    internal_errors_say_nothing_but_a_correlation_id,
);
