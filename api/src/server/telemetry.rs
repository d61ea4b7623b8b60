//! Request telemetry: every request gets an id, runs inside a tracing span that carries it, ends
//! with one log line, and (for `/graphql`) is counted in the [`Metrics`](crate::platform::metrics).
//!
//! The id is the caller's `X-Request-Id` when that is a short plain token (a proxy or client that
//! already tracks requests keeps its id), otherwise a new UUID v7. It is sent back in the
//! `X-Request-Id` response header and is the `correlationId` of INTERNAL errors, so one value
//! finds a failure in the logs.
//!
//! Spans and log lines hold only the id, method, path, operation name, status and duration.
//! Never add headers, the query string, the query text or variables: they carry tokens and
//! participant references.

use std::time::Instant;

use crate::{
    platform::{
        metrics,
        request_id::{REQUEST_ID_HEADER, RequestId},
    },
    server::state::AppState,
};
use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::HeaderValue,
    middleware::Next,
    web,
};
use tracing::{Instrument, field};

/// What the GraphQL handler learnt about a request, for the metrics: left in the request's
/// extensions, read when the response is complete.
#[derive(Debug, Clone, Default)]
pub struct GraphqlOutcome {
    /// The operation label: its name, [`metrics::ANONYMOUS`] or [`metrics::UNKNOWN`].
    pub operation: Option<String>,
    /// The `extensions.code` of every error in the response.
    pub error_codes: Vec<String>,
}

/// The middleware: request id, span, final log line, and the `/graphql` metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = RequestId::from_header(req.headers().get(REQUEST_ID_HEADER));
    let graphql = req.path() == "/graphql";
    // Probes and scrapes arrive every few seconds; their lines would drown the rest.
    let routine = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
        operation = field::Empty,
    );
    let state = req.app_data::<web::Data<AppState>>().cloned();
    req.extensions_mut().insert(request_id.clone());
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();

    // The id is plain ASCII by construction, so it is always a valid header value.
    if let Ok(value) = HeaderValue::from_str(request_id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if routine {
            tracing::debug!(status, duration_ms, "request finished");
        } else {
            tracing::info!(status, duration_ms, "request finished");
        }
    });
    if graphql && let Some(state) = state {
        let outcome = response
            .request()
            .extensions()
            .get::<GraphqlOutcome>()
            .cloned()
            .unwrap_or_default();
        let operation = outcome.operation.as_deref().unwrap_or(metrics::UNKNOWN);
        state
            .metrics
            .observe_graphql(operation, elapsed, &outcome.error_codes);
    }
    Ok(response)
}
