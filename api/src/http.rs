//! HTTP: `/graphql` (POST, and GET for queries only, per GraphQL over HTTP), GraphiQL for
//! browsers when enabled, and the `/healthz` and `/readyz` probes.
//!
//! Every GraphQL request is authenticated before its body is even parsed. Bodies are read up to
//! the configured limit and no further. Errors are always GraphQL-shaped JSON with a code, so a
//! client has one error format to handle, whatever went wrong.

use std::sync::Arc;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use async_graphql::{
    ParseRequestError, Response, ServerError,
    http::{GraphiQLSource, MultipartOptions},
    parser::types::OperationType,
};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::{
    audit,
    auth::{self, TokenVerifier},
    error::ApiError,
    graphql::{ApiSchema, RequestContext, add_missing_error_codes},
};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
const MULTIPART: &str = "multipart/form-data";

/// What every handler needs, shared across workers.
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: ApiSchema,
    pub verifier: TokenVerifier,
    pub graphiql: bool,
    pub max_body_bytes: usize,
    /// The limit for `multipart/form-data` requests (file uploads), which carry one file.
    pub max_upload_bytes: usize,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql_post))
            .route(web::get().to(graphql_get))
            .default_service(web::to(|| async {
                error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "BAD_USER_INPUT",
                    "use POST for GraphQL requests, or GET for queries",
                )
                .insert_header((header::ALLOW, "GET, POST"))
                .finish_json()
            })),
    )
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz));
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

async fn graphql_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let multipart = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with(MULTIPART));
    let supported = multipart
        || content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with(JSON));
    if !supported {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            "send GraphQL requests as application/json",
        )
        .finish_json();
    }
    let actor = match authenticate(&state, &req).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    // A file upload gets its own, larger limit; everything else the JSON body limit.
    let (limit, limit_variable) = if multipart {
        (state.max_upload_bytes, "MAX_UPLOAD_BYTES")
    } else {
        (state.max_body_bytes, "MAX_BODY_BYTES")
    };
    let body = match read_body(payload, limit, limit_variable).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    // Without these options async-graphql accepts files of any size and number.
    let upload_options = MultipartOptions::default()
        .max_file_size(state.max_upload_bytes)
        .max_num_files(1);
    let request = match async_graphql::http::receive_body(
        content_type,
        body.as_ref(),
        upload_options,
    )
    .await
    {
        Ok(request) => request,
        Err(ParseRequestError::PayloadTooLarge) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_USER_INPUT",
                &format!(
                    "the uploaded file exceeds the limit of {} bytes (MAX_UPLOAD_BYTES)",
                    state.max_upload_bytes
                ),
            )
            .finish_json();
        }
        Err(err) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!("the request body is not a GraphQL request: {err}"),
            )
            .finish_json();
        }
    };
    if let Err(message) = check_uploads(&request) {
        return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message).finish_json();
    }
    let operation = Operation::of(&request);
    execute(&state, &req, actor, request, operation).await
}

/// How async-graphql marks a variable that stands for an uploaded file.
const UPLOAD_MARKER: &str = "#__graphql_file__:";

/// Refuses requests whose uploads async-graphql would mishandle: more than one file, or a
/// variable that claims to be an upload without one behind it. async-graphql takes such a marker
/// from any JSON variable and panics on it (`Upload` parses its index with `unwrap` and indexes
/// the uploads without a bounds check), so no request carrying one may reach the schema.
fn check_uploads(request: &async_graphql::Request) -> Result<(), &'static str> {
    fn forged(value: &async_graphql::Value, uploads: usize) -> bool {
        match value {
            async_graphql::Value::String(text) => text
                .strip_prefix(UPLOAD_MARKER)
                .is_some_and(|index| index.parse::<usize>().map_or(true, |i| i >= uploads)),
            async_graphql::Value::List(items) => items.iter().any(|item| forged(item, uploads)),
            async_graphql::Value::Object(fields) => {
                fields.values().any(|field| forged(field, uploads))
            }
            _ => false,
        }
    }
    if request.uploads.len() > 1 {
        return Err("send one file per request");
    }
    if request
        .variables
        .values()
        .any(|value| forged(value, request.uploads.len()))
    {
        return Err(
            "a file must be sent as a multipart upload (the GraphQL multipart request \
                    spec), not inside a variable",
        );
    }
    Ok(())
}

async fn graphql_get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if state.graphiql && req.query_string().is_empty() && accepts(&req, "text/html") {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(GraphiQLSource::build().endpoint("/graphql").finish());
    }
    let actor = match authenticate(&state, &req).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let request = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(request) => request,
        Err(err) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!("the query string is not a GraphQL request: {err}"),
            )
            .finish_json();
        }
    };
    if let Err(message) = check_uploads(&request) {
        return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message).finish_json();
    }
    let operation = Operation::of(&request);
    if operation.ty == Some(OperationType::Mutation) {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_USER_INPUT",
            "mutations must be sent with POST",
        )
        .insert_header((header::ALLOW, "POST"))
        .finish_json();
    }
    execute(&state, &req, actor, request, operation).await
}

async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<auth::Actor, HttpResponse> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    match auth::authenticate(&state.db, &state.verifier, authorization).await {
        Ok(actor) => Ok(actor),
        Err(ApiError::Unauthenticated) => Err(error_response(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            &ApiError::Unauthenticated.to_string(),
        )
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .finish_json()),
        Err(other) => {
            let error: async_graphql::Error = other.into();
            Err(
                HttpResponse::InternalServerError().json(Response::from_errors(vec![
                    error.into_server_error(Default::default()),
                ])),
            )
        }
    }
}

/// Reads the body, refusing it as soon as it outgrows the limit (`variable` configures it).
async fn read_body(
    mut payload: web::Payload,
    limit: usize,
    variable: &str,
) -> Result<web::BytesMut, HttpResponse> {
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!("the request body exceeds the limit of {limit} bytes ({variable})"),
        )
        .finish_json()
    };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            error_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!("the request body could not be read: {err}"),
            )
            .finish_json()
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The operation a request will run: its type and its name, as far as the document says.
struct Operation {
    ty: Option<OperationType>,
    name: Option<String>,
}

impl Operation {
    fn of(request: &async_graphql::Request) -> Self {
        let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
            // Not parseable: execution reports the syntax error.
            return Self {
                ty: None,
                name: request.operation_name.clone(),
            };
        };
        let selected = match &request.operation_name {
            Some(wanted) => document
                .operations
                .iter()
                .find(|(name, _)| name.is_some_and(|name| name.as_str() == wanted.as_str())),
            None => document.operations.iter().next(),
        };
        Self {
            ty: selected.map(|(_, operation)| operation.node.ty),
            name: selected.and_then(|(name, _)| name.map(|name| name.to_string())),
        }
    }

    /// How the access log names it.
    fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| "unnamed operation".into())
    }
}

async fn execute(
    state: &AppState,
    req: &HttpRequest,
    actor: auth::Actor,
    request: async_graphql::Request,
    operation: Operation,
) -> HttpResponse {
    let context = RequestContext::new(&state.db, actor.clone());
    let participant_reads = Arc::clone(&context.participant_reads);
    let mut response = state.schema.execute(request.data(context)).await;
    // Fail closed: rows whose reading cannot be logged are not sent.
    let read_ids = participant_reads.take();
    if let Err(err) =
        audit::record_participant_reads(&state.db, &actor, &read_ids, &operation.label()).await
    {
        let error: async_graphql::Error = ApiError::from(err).into();
        response = Response::from_errors(vec![error.into_server_error(Default::default())]);
    }
    add_missing_error_codes(&mut response.errors);
    // GraphQL over HTTP: with its own media type, a request that never reached execution
    // (syntax, validation) is a 400; a plain-JSON client always gets 200.
    let wants_graphql_response = !accepts_only_plain_json(req);
    let status = if wants_graphql_response && is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    HttpResponse::build(status)
        .content_type(if wants_graphql_response {
            GRAPHQL_RESPONSE
        } else {
            JSON
        })
        .json(response)
}

fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn accepts(req: &HttpRequest, media_type: &str) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains(media_type))
}

fn accepts_only_plain_json(req: &HttpRequest) -> bool {
    accepts(req, JSON) && !accepts(req, GRAPHQL_RESPONSE)
}

/// A GraphQL-shaped error response for failures outside execution.
struct ErrorResponse {
    status: StatusCode,
    body: Response,
    headers: Vec<(header::HeaderName, &'static str)>,
}

fn error_response(status: StatusCode, code: &str, message: &str) -> ErrorResponse {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    ErrorResponse {
        status,
        body: Response::from_errors(vec![error]),
        headers: Vec::new(),
    }
}

impl ErrorResponse {
    fn insert_header(mut self, header: (header::HeaderName, &'static str)) -> Self {
        self.headers.push(header);
        self
    }

    fn finish_json(self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        for header in self.headers {
            builder.insert_header(header);
        }
        builder.content_type(GRAPHQL_RESPONSE).json(self.body)
    }
}
