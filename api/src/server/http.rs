//! HTTP: `/graphql` (POST, and GET for queries only, per GraphQL over HTTP), GraphiQL for
//! browsers when enabled (its page and assets come from [`super::pages`]), the `/healthz` and `/readyz` probes, and `/metrics` for Prometheus.
//!
//! Every GraphQL request is authenticated before its body is even parsed. Bodies are read up to
//! the configured limit and no further, and an operation runs for at most `REQUEST_TIMEOUT_MS`.
//! Errors of `/graphql` are always GraphQL-shaped JSON with a code, so a client has one error
//! format to handle, whatever went wrong.
//!
//! Media types and status codes follow the GraphQL-over-HTTP spec. The response is
//! `application/graphql-response+json` when the client's `Accept` names it and rates it at least
//! as high as `application/json`; otherwise, and for a missing `Accept` or a wildcard (a client
//! that may predate the GraphQL media type), `application/json`. An `Accept` that allows neither
//! gets 406. A request refused before it ran (syntax, validation, limits) has no `data`, and is a
//! 400 in the GraphQL media type but a 200 in plain JSON, as the spec asks for legacy clients.
//! Refusals of the HTTP request itself (media type, size, method, token) have their own 4xx
//! status in both.

use std::{any::Any, panic::AssertUnwindSafe, sync::Arc};

use actix_cors::Cors;
use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderName},
    },
    mime, web,
};
use async_graphql::{
    ParseRequestError, Response, ServerError, http::MultipartOptions, parser::types::OperationType,
};
use futures_util::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    access::auth,
    audit,
    graphql::{RequestContext, add_missing_error_codes, errors::report_internal_errors},
    platform::{
        config::MetricsAccess,
        db,
        error::ApiError,
        metrics,
        request_id::{REQUEST_ID_HEADER, RequestId},
    },
    server::{pages, state::AppState, telemetry::GraphqlOutcome},
};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql_post))
            .route(web::get().to(graphql_get))
            .default_service(web::to(|req: HttpRequest| async move {
                Reply::refuse(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "BAD_USER_INPUT",
                    "use POST for GraphQL requests, or GET for queries",
                )
                .with_header(header::ALLOW, "GET, POST")
                .finish(&req, MediaType::negotiate(&req).unwrap_or(MediaType::Json))
            })),
    )
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .route("/metrics", web::get().to(metrics));
}

/// When a `BUSY` client should try again: long enough for an import or a burst to pass.
const RETRY_AFTER_SECONDS: &str = "2";

/// CORS for the configured origins (`CORS_ORIGINS`, validated at start-up). No credentials:
/// clients authenticate with a bearer token, never a cookie.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            REQUEST_ID_HEADER,
        ])
        .expose_headers([REQUEST_ID_HEADER])
        .max_age(3600)
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database answers; load balancers send traffic only when it does.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed: database unreachable");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "database unreachable" }))
        }
    }
}

/// Prometheus metrics, as `MetricsAccess` allows.
async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let MetricsAccess::Closed = state.metrics_access {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("metrics are off: set METRICS_TOKEN (or METRICS_PUBLIC=true on a private network)\n");
    }
    if let MetricsAccess::Token(token) = &state.metrics_access {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        if !presented.is_some_and(|presented| token.matches(presented)) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .content_type("text/plain; charset=utf-8")
                .body("send the configured METRICS_TOKEN as a bearer token\n");
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(db::pool_usage(&state.db)))
}

async fn graphql_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    negotiated(&req, |media| post(&state, &req, payload, media)).await
}

/// Answers in the media type the client asked for, or 406 when it accepts neither.
///
/// A panic anywhere in handling the request (a bug, ours or a library's) becomes an INTERNAL
/// error with the request id, logged and counted like any other, instead of a dropped
/// connection that leaves no trace. The handler runs on, and is caught on, this worker: moving
/// it to another thread would split the DataLoaders' batches, whose timers run on this one.
async fn negotiated<F>(req: &HttpRequest, handle: impl FnOnce(MediaType) -> F) -> HttpResponse
where
    F: Future<Output = Result<Reply, Reply>>,
{
    match MediaType::negotiate(req) {
        // Unwind safety: nothing the handler shares outlives a panic in a broken state. The
        // request's own values are dropped with it; the shared state holds only the pool, the
        // schema, metrics behind a lock that tolerates poisoning, and configuration.
        Some(media) => AssertUnwindSafe(handle(media))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(Reply::panicked(panic.as_ref(), req)))
            .unwrap_or_else(|refusal| refusal)
            .finish(req, media),
        None => Reply::not_acceptable().finish(req, MediaType::Json),
    }
}

async fn post(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    media: MediaType,
) -> Result<Reply, Reply> {
    let multipart = request_is_multipart(req)?;
    let actor = authenticate(state, req).await?;
    // A file upload gets its own, larger limit; everything else the JSON body limit.
    let (limit, limit_variable) = if multipart {
        (state.limits.max_upload_bytes, "MAX_UPLOAD_BYTES")
    } else {
        (state.limits.max_body_bytes, "MAX_BODY_BYTES")
    };
    let body = read_body(payload, limit, limit_variable).await?;
    let request = if multipart {
        receive_upload(state, req, &body).await?
    } else {
        json_request(&body)?
    };
    let (request, operation) = prepare(req, request)?;
    Ok(execute(state, req, actor, request, &operation, media).await)
}

/// The one operation of a JSON body. Read here rather than by async-graphql, whose errors name
/// its internals ("data did not match any variant of untagged enum BatchRequest") instead of
/// what is wrong with the body.
fn json_request(body: &[u8]) -> Result<async_graphql::Request, Reply> {
    let refuse =
        |message: String| Reply::refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| refuse(format!("the request body is not JSON: {err}")))?;
    match value {
        // async-graphql would take a missing query for an empty document.
        serde_json::Value::Object(ref fields) if !fields.contains_key("query") => Err(refuse(
            "the request body has no `query`: send an object with a `query` string and optional \
             `operationName`, `variables` and `extensions`"
                .into(),
        )),
        serde_json::Value::Object(_) => serde_json::from_value(value).map_err(|err| {
            refuse(format!(
                "the request body is not a GraphQL request: {err}; send an object with a \
                 `query` string and optional `operationName`, `variables` and `extensions`"
            ))
        }),
        serde_json::Value::Array(_) => Err(batch_refused()),
        _ => Err(refuse(
            "the request body must be a JSON object with a `query` string, e.g. \
             {\"query\": \"{ me { id } }\"}"
                .into(),
        )),
    }
}

fn batch_refused() -> Reply {
    Reply::refuse(
        StatusCode::BAD_REQUEST,
        "BAD_USER_INPUT",
        "send one operation per request, not a batch: a JSON object, not an array",
    )
}

/// The operation of a `multipart/form-data` upload (the GraphQL multipart request spec), with
/// its file in place.
async fn receive_upload(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<async_graphql::Request, Reply> {
    // Without these options async-graphql accepts files of any size and number.
    let upload_options = MultipartOptions::default()
        .max_file_size(state.limits.max_upload_bytes)
        .max_num_files(1);
    let content_type = req.headers().get(header::CONTENT_TYPE);
    let content_type = content_type.and_then(|value| value.to_str().ok());
    async_graphql::http::receive_body(content_type, body, upload_options)
        .await
        .map_err(|err| match err {
            ParseRequestError::PayloadTooLarge => Reply::refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_USER_INPUT",
                &format!(
                    "the uploaded file exceeds the limit of {} bytes (MAX_UPLOAD_BYTES)",
                    state.limits.max_upload_bytes
                ),
            ),
            ParseRequestError::UnsupportedBatch => batch_refused(),
            ParseRequestError::InvalidRequest(_) => Reply::refuse(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the `operations` part of the upload is not a GraphQL request: send a JSON \
                 object with a `query` string and `variables`, the file's variable null",
            ),
            err => Reply::refuse(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!("the upload is not a GraphQL multipart request: {err}"),
            ),
        })
}

/// Whether a POST carries a file upload (`multipart/form-data`) rather than JSON; any other or
/// no media type is refused. Multipart is safe from cross-site forgery here, although browsers
/// send it without a CORS preflight, because only a bearer token authenticates, never a cookie.
fn request_is_multipart(req: &HttpRequest) -> Result<bool, Reply> {
    let unsupported = |got: &str| {
        Reply::refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            &format!(
                "send GraphQL requests as application/json (UTF-8), or a file upload as \
                 multipart/form-data; got {got}"
            ),
        )
    };
    let content_type = req
        .mime_type()
        .map_err(|_| unsupported("an unreadable Content-Type"))?
        .ok_or_else(|| unsupported("no Content-Type"))?;
    let utf8 = content_type
        .get_param(mime::CHARSET)
        .is_none_or(|charset| charset.as_str().eq_ignore_ascii_case("utf-8"));
    match content_type.essence_str() {
        JSON if utf8 => Ok(false),
        "multipart/form-data" => Ok(true),
        _ => Err(unsupported(content_type.as_ref())),
    }
}

/// The parameters of a GraphQL GET request, as the spec names them; `variables` and
/// `extensions` are JSON text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if state.graphiql && req.query_string().is_empty() && lists_html(&req) {
        return pages::graphiql_page(&req);
    }
    negotiated(&req, |media| get(&state, &req, media)).await
}

async fn get(state: &AppState, req: &HttpRequest, media: MediaType) -> Result<Reply, Reply> {
    let actor = authenticate(state, req).await?;
    let refuse =
        |message: String| Reply::refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
    let params = web::Query::<GetParams>::from_query(req.query_string())
        .map_err(|err| refuse(format!("the query string is not a GraphQL request: {err}")))?
        .into_inner();
    let query = params.query.ok_or_else(|| {
        refuse("the `query` parameter is missing: GET /graphql?query={...}".into())
    })?;
    let json = |name: &str, text: Option<String>| {
        text.map_or(Ok(serde_json::Value::Null), |text| {
            serde_json::from_str(&text)
                .map_err(|err| refuse(format!("the `{name}` parameter is not JSON: {err}")))
        })
    };
    let request = json!({
        "query": query,
        "operationName": params.operation_name,
        "variables": json("variables", params.variables)?,
        "extensions": json("extensions", params.extensions)?,
    });
    let request: async_graphql::Request = serde_json::from_value(request)
        .map_err(|err| refuse(format!("the query string is not a GraphQL request: {err}")))?;
    let (request, operation) = prepare(req, request)?;
    if operation.ty == Some(OperationType::Mutation) {
        return Err(Reply::refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_USER_INPUT",
            "mutations must be sent with POST",
        )
        .with_header(header::ALLOW, "POST"));
    }
    Ok(execute(state, req, actor, request, &operation, media).await)
}

async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<auth::Actor, Reply> {
    actor_of(state, req)
        .await
        .map_err(|err| Reply::failure(err, req))
}

/// Who sent the request, by its bearer token: for GraphQL and the downloads alike.
pub(super) async fn actor_of(state: &AppState, req: &HttpRequest) -> Result<auth::Actor, ApiError> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    auth::authenticate(
        &state.db,
        &state.verifier,
        authorization,
        state.clock.today(),
    )
    .await
}

/// The HTTP status (and the header that explains it) of a failure outside a GraphQL
/// operation's execution: no token, a database failure, the timeout, load.
pub(super) fn failure_status(err: &ApiError) -> (StatusCode, Option<(HeaderName, &'static str)>) {
    match err {
        ApiError::Unauthenticated | ApiError::TokenRefused(_) => (
            StatusCode::UNAUTHORIZED,
            Some((header::WWW_AUTHENTICATE, "Bearer")),
        ),
        ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, None),
        ApiError::Busy(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some((header::RETRY_AFTER, RETRY_AFTER_SECONDS)),
        ),
        ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, None),
        _ => (StatusCode::BAD_REQUEST, None),
    }
}

/// An error as the client sees it, in the shape of a GraphQL error (`message`, `extensions.code`
/// and `field` or `rows`), with an INTERNAL cause logged under the request id.
pub(super) fn client_errors(err: ApiError, req: &HttpRequest) -> Vec<ServerError> {
    client_errors_under(err, RequestId::of(req).as_str())
}

/// [`client_errors`] under a request id of its own (a socket's).
pub(super) fn client_errors_under(err: ApiError, request_id: &str) -> Vec<ServerError> {
    let error = async_graphql::Error::from(err);
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error.source = error.source;
    let mut errors = vec![server_error];
    report_internal_errors(&mut errors, request_id);
    errors
}

/// Reads the body, refusing it as soon as it outgrows the limit (`variable` configures it).
async fn read_body(
    mut payload: web::Payload,
    limit: usize,
    variable: &str,
) -> Result<web::BytesMut, Reply> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            Reply::refuse(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!("the request body could not be read: {err}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(Reply::refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_USER_INPUT",
                &format!("the request body exceeds the limit of {limit} bytes ({variable})"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Checks the uploads, finds the operation and notes it for the logs and metrics.
fn prepare(
    req: &HttpRequest,
    mut request: async_graphql::Request,
) -> Result<(async_graphql::Request, Operation), Reply> {
    check_uploads(&request)
        .map_err(|message| Reply::refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message))?;
    let operation = Operation::of(&mut request);
    let label = operation.label();
    tracing::Span::current().record("operation", label);
    req.extensions_mut().insert(GraphqlOutcome {
        operation: Some(label.to_owned()),
        error_codes: Vec::new(),
    });
    Ok((request, operation))
}

/// Refuses more than one file per request. Where an upload marker may appear, and the text of
/// every input, is [`crate::graphql::input`]'s to check, for every request the schema runs.
fn check_uploads(request: &async_graphql::Request) -> Result<(), &'static str> {
    if request.uploads.len() > 1 {
        return Err("send one file per request");
    }
    Ok(())
}

/// The operation a request will run: its type and its name, as far as the document says.
pub(super) struct Operation {
    /// `None` when the document does not parse or lacks the operation asked for.
    pub(super) ty: Option<OperationType>,
    name: Option<String>,
}

impl Operation {
    /// Parses the document once; the schema reuses the parsed form.
    pub(super) fn of(request: &mut async_graphql::Request) -> Self {
        let wanted = request.operation_name.clone();
        let Ok(document) = request.parsed_query() else {
            // Execution reports the syntax error.
            return Self {
                ty: None,
                name: None,
            };
        };
        let selected = match &wanted {
            Some(wanted) => document
                .operations
                .iter()
                .find(|(name, _)| name.is_some_and(|name| name.as_str() == wanted.as_str())),
            // Without a name, only a document of one operation says which to run.
            None => {
                let mut operations = document.operations.iter();
                operations.next().filter(|_| operations.next().is_none())
            }
        };
        Self {
            ty: selected.map(|(_, operation)| operation.node.ty),
            name: selected.and_then(|(name, _)| name.map(|name| name.to_string())),
        }
    }

    /// How logs and metrics name it.
    fn label(&self) -> &str {
        match (&self.ty, &self.name) {
            (None, _) => metrics::UNKNOWN,
            (Some(_), None) => metrics::ANONYMOUS,
            (Some(_), Some(name)) => metrics::operation_label(name),
        }
    }

    /// How the participant access log names it.
    pub(super) fn audit_label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| "unnamed operation".into())
    }
}

/// Runs the operation within the request timeout, then logs the participant reads it made.
async fn execute(
    state: &AppState,
    req: &HttpRequest,
    actor: auth::Actor,
    request: async_graphql::Request,
    operation: &Operation,
    media: MediaType,
) -> Reply {
    // A query reads from the read replica when there is one (DATABASE_READ_URL): its pool
    // replaces the primary's for every resolver and loader. A mutation, and everything its
    // payload reads, stays on the primary, which the replica may lag behind.
    let db = match operation.ty {
        Some(OperationType::Query) => &state.read_db,
        _ => &state.db,
    };
    let context = RequestContext::new(db, actor.clone());
    let participant_reads = Arc::clone(&context.participant_reads);
    let request = request
        .data(context)
        .data(db.clone())
        .data(RequestId::of(req));
    let run = async {
        let response = state.schema.execute(request).await;
        // Fail closed: rows whose reading cannot be logged are not sent.
        let reads = participant_reads.take();
        audit::record_participant_reads(&state.db, &actor, &reads, &operation.audit_label())
            .await
            .map(|()| response)
    };
    let limit = state.limits.request_timeout;
    // On expiry the future is dropped: its queries are abandoned and an open transaction rolls
    // back, so the work stops instead of running on for a client that has been answered.
    match tokio::time::timeout(limit, run).await {
        Ok(Ok(mut response)) => {
            add_missing_error_codes(&mut response.errors);
            Reply::executed(response, media)
        }
        Ok(Err(err)) => Reply::failure(err.into(), req),
        Err(_) => {
            tracing::warn!(
                timeout_ms = limit.as_millis(),
                "request cancelled: it ran past REQUEST_TIMEOUT_MS"
            );
            Reply::failure(ApiError::Timeout(limit), req)
        }
    }
}

/// The two media types a GraphQL response can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponse,
    Json,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
            Self::Json => JSON,
        }
    }

    /// The status of an answer without `data`: the GraphQL media type says a request error is
    /// 4xx, while legacy `application/json` clients expect 200 whatever happened.
    fn status_without_data(self) -> StatusCode {
        match self {
            Self::GraphqlResponse => StatusCode::BAD_REQUEST,
            Self::Json => StatusCode::OK,
        }
    }

    /// The type the client's `Accept` rates highest: the GraphQL one only when the client names
    /// it and rates it at least as high as JSON, JSON when the header is missing or only a
    /// wildcard matches (as the GraphQL-over-HTTP audits ask, for clients that predate the
    /// GraphQL type); `None` when it accepts neither.
    fn negotiate(req: &HttpRequest) -> Option<Self> {
        /// How specific a range naming the media type exactly is.
        const NAMED: u8 = 2;
        let ranges = accepted_ranges(req);
        if ranges.is_empty() {
            return Some(Self::Json);
        }
        // The most specific range that matches a type gives its weight (RFC 9110 §12.5.1).
        let weight = |media: &str| {
            ranges
                .iter()
                .filter_map(|(range, q)| {
                    let specificity = match range.as_str() {
                        exact if exact == media => NAMED,
                        "application/*" => 1,
                        "*/*" => 0,
                        _ => return None,
                    };
                    Some((specificity, *q))
                })
                .max_by_key(|(specificity, _)| *specificity)
                .unwrap_or((0, 0.0))
        };
        let ((graphql_named, graphql), (_, json)) = (weight(GRAPHQL_RESPONSE), weight(JSON));
        if graphql > json || (graphql > 0.0 && graphql_named == NAMED && graphql >= json) {
            Some(Self::GraphqlResponse)
        } else if json > 0.0 {
            Some(Self::Json)
        } else {
            None
        }
    }
}

/// The media ranges of the `Accept` headers, lower-cased, with their weights (`q`, default 1).
fn accepted_ranges(req: &HttpRequest) -> Vec<(String, f32)> {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().filter(|media| !media.is_empty())?;
            let q = parts
                .find_map(|param| param.strip_prefix("q="))
                .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
            Some((media.to_ascii_lowercase(), q))
        })
        .collect()
}

/// Whether a browser asks for a page: it lists `text/html` itself.
fn lists_html(req: &HttpRequest) -> bool {
    accepted_ranges(req)
        .iter()
        .any(|(range, q)| range == "text/html" && *q > 0.0)
}

/// A GraphQL answer on its way out: status, body, and the headers that explain a refusal.
struct Reply {
    status: StatusCode,
    /// Boxed, since a `Reply` is also the error of every early return.
    response: Box<Response>,
    /// Whether the operation ran; a response to one that did not has no `data` entry.
    executed: bool,
    headers: Vec<(HeaderName, &'static str)>,
}

/// The body as the spec shapes it: `data` only when the operation ran.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
}

impl Reply {
    /// A refusal of the HTTP request itself, before anything ran: one error with `code`.
    fn refuse(status: StatusCode, code: &str, message: &str) -> Self {
        let mut error = ServerError::new(message, None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
        Self {
            status,
            response: Box::new(Response::from_errors(vec![error])),
            executed: false,
            headers: Vec::new(),
        }
    }

    fn not_acceptable() -> Self {
        Self::refuse(
            StatusCode::NOT_ACCEPTABLE,
            "BAD_USER_INPUT",
            "accept application/graphql-response+json or application/json",
        )
    }

    /// A panic while handling the request: INTERNAL, with what the panic said in the log only,
    /// and counted (`outcomes_panics_total`) so that an alert can say a bug was hit.
    fn panicked(panic: &(dyn Any + Send), req: &HttpRequest) -> Self {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            state.metrics.observe_panic();
        }
        let said = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic without a message");
        Self::failure(ApiError::internal(format!("panic: {said}")), req)
    }

    /// A failure outside execution: no token, a database failure, the timeout.
    fn failure(err: ApiError, req: &HttpRequest) -> Self {
        let (status, header) = failure_status(&err);
        Self {
            status,
            response: Box::new(Response::from_errors(client_errors(err, req))),
            executed: false,
            headers: header.into_iter().collect(),
        }
    }

    /// What the schema answered. Errors without a path come from before execution (syntax,
    /// validation, limits): the request was refused. A `BUSY` error means nothing was done and
    /// the client should come back: 503 with `Retry-After`, as for any overloaded service.
    fn executed(response: Response, media: MediaType) -> Self {
        let refused = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|error| error.path.is_empty());
        let busy = response.errors.iter().any(|error| {
            matches!(
                error.extensions.as_ref().and_then(|extensions| extensions.get("code")),
                Some(async_graphql::Value::String(code)) if code == "BUSY"
            )
        });
        let (status, headers) = if busy {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                vec![(header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
            )
        } else if refused {
            (media.status_without_data(), Vec::new())
        } else {
            (StatusCode::OK, Vec::new())
        };
        Self {
            status,
            response: Box::new(response),
            executed: !refused,
            headers,
        }
    }

    fn with_header(mut self, name: HeaderName, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Writes the reply in `media`, leaving its error codes for the metrics.
    fn finish(self, req: &HttpRequest, media: MediaType) -> HttpResponse {
        let error_codes = self
            .response
            .errors
            .iter()
            .filter_map(|error| match error.extensions.as_ref()?.get("code")? {
                async_graphql::Value::String(code) => Some(code.clone()),
                _ => None,
            })
            .collect();
        {
            let mut extensions = req.extensions_mut();
            match extensions.get_mut::<GraphqlOutcome>() {
                Some(outcome) => outcome.error_codes = error_codes,
                None => {
                    extensions.insert(GraphqlOutcome {
                        operation: None,
                        error_codes,
                    });
                }
            }
        }
        let body = serde_json::to_vec(&Body {
            data: self.executed.then_some(&self.response.data),
            errors: &self.response.errors,
        });
        let body = match body {
            Ok(body) => body,
            Err(err) => {
                let err = ApiError::internal(format!("a response did not serialise: {err}"));
                return Self::failure(err, req).finish(req, media);
            }
        };
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(usize::MAX, |state| state.limits.max_response_bytes);
        if body.len() > limit {
            return Self::too_large(body.len(), limit, media).finish(req, media);
        }
        let mut response = HttpResponse::build(self.status);
        for header in self.headers {
            response.insert_header(header);
        }
        response
            .content_type(media.as_str())
            // Answers hold children's data: no browser or proxy may keep a copy.
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body)
    }

    /// An answer over `MAX_RESPONSE_BYTES`, replaced by a refusal that says how to ask for less.
    /// It comes after execution, so a mutation has taken effect; its result must be read back.
    fn too_large(bytes: usize, limit: usize, media: MediaType) -> Self {
        Self::refuse(
            media.status_without_data(),
            "BAD_USER_INPUT",
            &format!(
                "the response would be {bytes} bytes, over the {limit}-byte limit \
                 (MAX_RESPONSE_BYTES), so none of it was sent: ask for smaller pages (`first`) \
                 or fewer fields. A mutation in the request did take effect: read its result \
                 back with a smaller query"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{body::to_bytes, test::TestRequest};

    use super::*;

    async fn a_handler_with_a_bug(_: MediaType) -> Result<Reply, Reply> {
        let index: usize = "x".parse().unwrap();
        Ok(Reply::refuse(StatusCode::OK, "NONE", &index.to_string()))
    }

    #[actix_web::test]
    async fn a_panic_is_an_internal_error_with_the_request_id() {
        let req = TestRequest::post().uri("/graphql").to_http_request();
        let id = RequestId::from_header(None);
        req.extensions_mut().insert(id.clone());
        let response = negotiated(&req, a_handler_with_a_bug).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let outcome = req.extensions().get::<GraphqlOutcome>().cloned();
        assert_eq!(outcome.unwrap().error_codes, ["INTERNAL"], "counted");
        let body = to_bytes(response.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({ "errors": [{
                "message": "internal error",
                "extensions": { "code": "INTERNAL", "correlationId": id.as_str() },
            }]})
        );
    }
}
