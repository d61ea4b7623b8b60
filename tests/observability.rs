//! Observability: a request id on every response that is also the correlation id of INTERNAL
//! errors, Prometheus metrics by operation and error code, and logs that never hold a token or a
//! participant reference.

use std::{
    io,
    sync::{Arc, Mutex, OnceLock},
};

use entity::enums::{OrganisationKind, UserRole};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn every_response_carries_a_request_id(app: TestApp) {
    let admin = app.admin().await;
    let health = |id: Option<&'static str>| {
        let mut request = app.client().get(app.url("/healthz"));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    let first = request_id(&health(None).await.unwrap());
    let second = request_id(&health(None).await.unwrap());
    assert_ne!(first, second, "each request gets its own id");
    assert_eq!(Uuid::parse_str(&first).unwrap().get_version_num(), 7);

    // A proxy's id is kept, so one id follows the request through every hop.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .header("x-request-id", "edge-42.a:b_c")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&response), "edge-42.a:b_c");

    // Anything that could smuggle text into logs or headers is replaced.
    let long = "x".repeat(65);
    for insane in ["<script>", "a b", long.as_str()] {
        let response = app
            .client()
            .get(app.url("/healthz"))
            .header("x-request-id", insane)
            .send()
            .await
            .unwrap();
        let id = request_id(&response);
        assert!(Uuid::parse_str(&id).is_ok(), "{insane} became {id}");
    }

    let probe = health(Some("probe-1")).await.unwrap();
    assert_eq!(request_id(&probe), "probe-1");
}

async fn internal_errors_are_correlated_by_the_request_id(app: TestApp) {
    let logs = Captured::logs();
    let admin = app.admin().await;
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "ALTER TABLE areas RENAME TO areas_gone")
        .await
        .unwrap();
    for incoming in [None, Some("incident-7")] {
        let mut request = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .json(&json!({ "query": "{ areas { code } }" }));
        if let Some(id) = incoming {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.unwrap();
        let id = request_id(&response);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "INTERNAL");
        assert_eq!(
            body["errors"][0]["extensions"]["correlationId"],
            id.as_str()
        );
        if let Some(incoming) = incoming {
            assert_eq!(id, incoming);
        }
        // The cause is in the log, under the id the client was given.
        let logged = logs.text().lines().any(|line| {
            line.contains("\"internal error\"")
                && line.contains(&format!("\"correlation_id\":\"{id}\""))
                && line.contains("areas")
        });
        assert!(logged, "no log line for {id}:\n{}", logs.text());
    }
}

/// The value of one series in a Prometheus exposition, if present.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(name_and_labels)?
            .strip_prefix(' ')?
            .parse()
            .ok()
    })
}

async fn metrics_count_requests_by_operation_and_errors_by_code(app: TestApp) {
    let admin = app.admin().await;
    for _ in 0..2 {
        app.gql_ok(&admin.token, "query Areas { areas { code } }", json!({}))
            .await;
    }
    app.gql_ok(&admin.token, "{ me { id } }", json!({})).await;
    let (_, body) = app
        .gql_as(
            Some(&admin.token),
            "query Broken { noSuchField }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let (_, body) = app.gql_as(None, "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let value = |series_name: &str| {
        series(&text, series_name).unwrap_or_else(|| panic!("no {series_name} in\n{text}"))
    };
    assert_eq!(
        value("outcomes_graphql_requests_total{operation=\"Areas\"}"),
        2.0
    );
    assert_eq!(
        value("outcomes_graphql_requests_total{operation=\"anonymous\"}"),
        1.0
    );
    assert_eq!(
        value("outcomes_graphql_requests_total{operation=\"Broken\"}"),
        1.0
    );
    // Refused before its document was read.
    assert_eq!(
        value("outcomes_graphql_requests_total{operation=\"unknown\"}"),
        1.0
    );
    assert_eq!(
        value("outcomes_graphql_request_duration_seconds_bucket{operation=\"Areas\",le=\"+Inf\"}"),
        2.0
    );
    assert_eq!(
        value("outcomes_graphql_request_duration_seconds_count{operation=\"Areas\"}"),
        2.0
    );
    assert_eq!(
        value("outcomes_graphql_errors_total{code=\"BAD_USER_INPUT\"}"),
        1.0
    );
    assert_eq!(
        value("outcomes_graphql_errors_total{code=\"UNAUTHENTICATED\"}"),
        1.0
    );
    let in_use = value("outcomes_db_connections{state=\"in_use\"}");
    let idle = value("outcomes_db_connections{state=\"idle\"}");
    assert!(in_use + idle >= 1.0, "the pool has connections open");
    assert_eq!(value("outcomes_db_connections_max"), 4.0);
    assert!(text.contains("outcomes_build_info{version=\""), "{text}");
}

async fn a_metrics_token_guards_the_metrics(app: TestApp) {
    let scrape = |token: Option<&str>| {
        let mut request = app.client().get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(scrape(None).await.unwrap().status(), 401);
    let wrong = "not-the-metrics-token-not-the-metrics-token";
    assert_eq!(scrape(Some(wrong)).await.unwrap().status(), 401);
    let response = scrape(Some(METRICS_TOKEN)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("outcomes_build_info")
    );
}

const METRICS_TOKEN: &str = "metrics-token-for-tests-0123456789abcdef";
const WITH_METRICS_TOKEN: &[(&str, &str)] = &[("METRICS_TOKEN", METRICS_TOKEN)];

/// A log sink shared by every test of this process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Installs, once per process, a JSON subscriber at the most verbose level for the service's
    /// side (the test's own HTTP client is left out), and returns what it captures.
    fn logs() -> Self {
        static LOGS: OnceLock<Captured> = OnceLock::new();
        LOGS.get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .json()
                .with_env_filter("trace,reqwest=off,hyper=off,hyper_util=off,h2=off")
                .with_writer(move || writer.clone())
                .try_init()
                .expect("no other subscriber in the test binary");
            captured
        })
        .clone()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn logs_never_hold_tokens_or_participant_references(app: TestApp) {
    let logs = Captured::logs();
    let admin = app.admin().await;
    let organisation = app
        .organisation("Leith Youth Project", OrganisationKind::Voluntary)
        .await;
    let provider = app.user(organisation, UserRole::Provider).await;
    let reference = "CASE-7731-SECRET";
    app.participant(&provider, reference, json!({ "sharingBasis": "NONE" }))
        .await;
    let found = app
        .gql_ok(
            &provider.token,
            &format!("query Find {{ participants(filter: {{ reference: \"{reference}\" }}) {{ totalCount }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(found["participants"]["totalCount"], 1);
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query($r: String) { participants(filter: { reference: $r }) { totalCount } }",
            ),
            ("variables", &json!({ "r": reference }).to_string()),
        ])
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let traced_id = request_id(&response);
    let forged = format!("{}x", admin.token);
    let (status, _) = app.gql_as(Some(&forged), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401);

    let text = logs.text();
    assert!(
        text.contains(&traced_id) && text.contains("request finished"),
        "the capture works: {text}"
    );
    for (secret, what) in [
        (admin.token.as_str(), "a token"),
        (provider.token.as_str(), "a token"),
        (forged.as_str(), "a refused token"),
        (reference, "a participant reference"),
    ] {
        assert!(!text.contains(secret), "the logs hold {what}");
    }
    // Nor the signature alone, in case a token were logged in pieces.
    let signature = admin.token.rsplit('.').next().unwrap();
    assert!(
        !text.contains(signature),
        "the logs hold a token's signature"
    );
}

/// In production without a token or `METRICS_PUBLIC`, nobody reads the metrics, and the answer
/// says how to open them.
async fn metrics_are_closed_in_production_unless_the_operator_opens_them(app: TestApp) {
    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let text = response.text().await.unwrap();
    assert!(text.contains("METRICS_TOKEN"), "{text}");
    assert!(!text.contains("outcomes_"), "no series: {text}");
}

const PUBLIC_METRICS: &[(&str, &str)] = &[("METRICS_PUBLIC", "true")];

on_both_databases!(
    every_response_carries_a_request_id,
    internal_errors_are_correlated_by_the_request_id,
    logs_never_hold_tokens_or_participant_references,
    metrics_are_closed_in_production_unless_the_operator_opens_them,
);
on_both_databases!(with super::PUBLIC_METRICS; metrics_count_requests_by_operation_and_errors_by_code);
on_both_databases!(with super::WITH_METRICS_TOKEN; a_metrics_token_guards_the_metrics);
