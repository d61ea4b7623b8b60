//! Request telemetry: every request gets an id, runs inside a tracing span that carries it, ends
//! with one log line, and (for `/graphql`) is counted in the [`Metrics`](crate::metrics).
//!
//! The id is the caller's `X-Request-Id` when that is a short plain token (a proxy or client that
//! already tracks requests keeps its id), otherwise a new UUID v7. It is sent back in the
//! `X-Request-Id` response header and is the `correlationId` of INTERNAL errors, so one value
//! finds a failure in the logs.
//!
//! Spans and log lines hold only the id, method, path, operation name, status and duration.
//! Never add headers, the query string, the query text or variables: they carry tokens and
//! participant references.

use std::{fmt, time::Instant};

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use tracing::{Instrument, field};
use uuid::Uuid;

use crate::{http::AppState, metrics};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming request id kept; longer ones are replaced.
const MAX_REQUEST_ID_CHARS: usize = 64;

/// The id of one request, as logged and as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The caller's id if it is sane (1 to 64 letters, digits, `-`, `_`, `.` or `:`, which keeps
    /// logs and headers free of injected text), otherwise a new one.
    fn from_header(value: Option<&HeaderValue>) -> Self {
        let sane = |id: &&str| {
            (1..=MAX_REQUEST_ID_CHARS).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        };
        match value.and_then(|value| value.to_str().ok()).filter(sane) {
            Some(id) => Self(id.to_owned()),
            None => Self(Uuid::now_v7().to_string()),
        }
    }

    /// The id the middleware gave this request (a new one if it did not run).
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        req.extensions()
            .get::<Self>()
            .cloned()
            .unwrap_or_else(|| Self::from_header(None))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_incoming_ids_are_kept_and_others_replaced() {
        let kept = |id: &str| RequestId::from_header(Some(&HeaderValue::from_str(id).unwrap()));
        assert_eq!(kept("abc-123_x.y:z").as_str(), "abc-123_x.y:z");
        for insane in ["", "has space", "quote\"", &"x".repeat(65), "ümlaut"] {
            let replaced = RequestId::from_header(HeaderValue::from_str(insane).ok().as_ref());
            assert_ne!(replaced.as_str(), insane);
            assert_eq!(
                Uuid::parse_str(replaced.as_str())
                    .unwrap()
                    .get_version_num(),
                7
            );
        }
        assert_ne!(
            RequestId::from_header(None),
            RequestId::from_header(None),
            "each request gets its own id"
        );
    }
}
