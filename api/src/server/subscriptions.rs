//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in the `graphql-transport-ws` protocol
//! that the `graphql-ws`, Apollo and urql clients speak
//! (<https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>).
//!
//! - The handshake must offer the `graphql-transport-ws` subprotocol (else 400), and a browser's
//!   `Origin` must be this service's own or one of `CORS_ORIGINS` (else 403).
//! - The token comes in `connection_init`'s payload, as `{"token": "…"}` or
//!   `{"Authorization": "Bearer …"}` (browsers cannot set headers on a WebSocket). Without one
//!   the socket closes with 4401; a refused token, or an unknown or inactive user, closes it
//!   with 4403; a `subscribe` before `connection_ack` with 4401. When the token expires the
//!   socket closes with 4401, and the client reconnects with a fresh token.
//! - Only subscriptions run here; queries and mutations go to `POST /graphql`, whose timeout,
//!   metrics and body limits apply to them.
//! - Each event's result is produced under its own [`RequestContext`], and the participant rows
//!   it returned are access-logged before it is sent, as for any query (fail closed).
//! - Limits ([`SocketLimits`]): sockets per user, subscriptions per socket, an idle timeout and
//!   the message size.
//!
//! Why not `async-graphql-actix-web`'s `GraphQLSubscription`: it closes a refused
//! `connection_init` with 1002 rather than 4403, cannot close a socket when its token expires,
//! and bounds neither subscriptions per socket nor message size (continuations). The protocol
//! is five messages, spoken here over `actix-ws`; async-graphql still executes every operation
//! (`Schema::execute_stream`), so its validation and limits apply.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use async_graphql::{Response, ServerError, parser::types::OperationType};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::{sync::mpsc, task::AbortHandle, time::Instant};
use uuid::Uuid;

use crate::{
    access::auth::{self, Actor},
    audit,
    graphql::{RequestContext, add_missing_error_codes, errors::report_internal_errors},
    platform::{config::SocketLimits, error::ApiError, request_id::RequestId},
    server::{
        http::{Operation, client_errors_under},
        state::AppState,
    },
};

/// The one subprotocol spoken here.
const PROTOCOL: &str = "graphql-transport-ws";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql/ws", web::get().to(upgrade));
}

/// Checks the handshake and hands the socket to its own task.
async fn upgrade(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    if !offers_protocol(&req) {
        return HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(
                "open the WebSocket with the graphql-transport-ws subprotocol \
             (Sec-WebSocket-Protocol: graphql-transport-ws)\n",
            );
    }
    if !origin_allowed(&req, &state.cors_origins) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("this page's origin may not open subscriptions: add it to CORS_ORIGINS\n");
    }
    let (response, session, messages) =
        match actix_ws::handle_with_protocols(&req, body, &[PROTOCOL]) {
            Ok(handshake) => handshake,
            Err(err) => return HttpResponse::from_error(err),
        };
    let limit = state.sockets.max_message_bytes;
    let messages = messages
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    let connection = Connection::new(state.into_inner(), session, RequestId::of(&req));
    // On this worker, like the HTTP handlers: the DataLoaders' batch timers run here.
    actix_web::rt::spawn(connection.run(messages));
    response
}

fn offers_protocol(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == PROTOCOL)
}

/// A WebSocket is not covered by CORS: any page may open one. Clients authenticate with a
/// token, not a cookie, so a foreign page gains nothing; checking the origin still keeps pages
/// the operator did not list from using the service through their visitors' browsers.
/// Non-browser clients send no `Origin`.
fn origin_allowed(req: &HttpRequest, allowed: &[String]) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let info = req.connection_info();
    let own = format!("{}://{}", info.scheme(), info.host());
    origin == own || allowed.iter().any(|allowed| allowed == origin)
}

/// The open sockets of each user in this process.
#[derive(Default)]
pub struct SocketCounts(Arc<Mutex<HashMap<Uuid, usize>>>);

impl SocketCounts {
    /// A slot for one more socket of `user`, unless they hold `max` already.
    fn acquire(&self, user: Uuid, max: usize) -> Option<SocketSlot> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(user).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            counts: Arc::clone(&self.0),
            user,
        })
    }
}

/// One counted socket; dropping it frees the slot.
struct SocketSlot {
    counts: Arc<Mutex<HashMap<Uuid, usize>>>,
    user: Uuid,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.user);
            }
        }
    }
}

/// A message from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {},
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

/// What a subscription's task hands back to the socket. Small, because the socket's channel
/// holds a block of them from the start: a `Response` inline would cost every idle socket 8 KiB.
enum Outgoing {
    Next(String, Box<Response>),
    /// The operation failed before it ran (validation, limits): `error`, and no `complete`.
    Refused(String, Vec<ServerError>),
    Complete(String),
}

/// Why the socket closes, as the protocol and RFC 6455 number it.
struct Close(u16, String);

impl Close {
    /// A close frame's reason holds at most 123 bytes (RFC 6455 §5.5); a longer one is cut at a
    /// character boundary.
    fn new(code: u16, description: impl Into<String>) -> Self {
        let mut description = description.into();
        if description.len() > 123 {
            let cut = (0..=123)
                .rev()
                .find(|&at| description.is_char_boundary(at))
                .unwrap_or(0);
            description.truncate(cut);
        }
        Self(code, description)
    }
}

/// Who the socket speaks for, once `connection_init` was accepted.
struct Authenticated {
    actor: Actor,
    expires_at: Instant,
    _slot: SocketSlot,
}

struct Connection {
    state: Arc<AppState>,
    session: Session,
    request_id: RequestId,
    authenticated: Option<Authenticated>,
    subscriptions: HashMap<String, AbortHandle>,
    outgoing: mpsc::Sender<Outgoing>,
    finished: mpsc::Receiver<Outgoing>,
}

/// How many results may wait for a slow client before its subscriptions stop reading events;
/// past the bus's own backlog they are told they missed some.
const OUTGOING_BACKLOG: usize = 64;

impl Connection {
    fn new(state: Arc<AppState>, session: Session, request_id: RequestId) -> Self {
        let (outgoing, finished) = mpsc::channel(OUTGOING_BACKLOG);
        Self {
            state,
            session,
            request_id,
            authenticated: None,
            subscriptions: HashMap::new(),
            outgoing,
            finished,
        }
    }

    fn limits(&self) -> SocketLimits {
        self.state.sockets
    }

    /// Serves the socket until either side ends it, then stops its subscriptions.
    async fn run(mut self, mut messages: AggregatedMessageStream) {
        let idle = self.limits().idle_timeout;
        let mut pings = tokio::time::interval(idle / 3);
        let mut last_heard = Instant::now();
        let close = loop {
            let expiry = self
                .authenticated
                .as_ref()
                .map(|session| session.expires_at);
            tokio::select! {
                message = messages.recv() => {
                    last_heard = Instant::now();
                    match self.receive(message).await {
                        Ok(true) => {}
                        Ok(false) => break None,
                        Err(close) => break Some(close),
                    }
                }
                Some(outgoing) = self.finished.recv() => {
                    if self.send(outgoing).await.is_err() {
                        break None;
                    }
                }
                _ = pings.tick() => {
                    if last_heard.elapsed() >= idle {
                        break Some(match self.authenticated {
                            None => Close::new(4408, "Connection initialisation timeout"),
                            Some(_) => Close::new(1000, format!(
                                "nothing heard for {} s (WS_IDLE_TIMEOUT_SECONDS)",
                                idle.as_secs()
                            )),
                        });
                    }
                    if self.session.ping(b"").await.is_err() {
                        break None;
                    }
                }
                () = sleep_until(expiry) => {
                    break Some(Close::new(4401, "Unauthorized: the token expired; reconnect with a new token"));
                }
            }
        };
        for task in self.subscriptions.values() {
            task.abort();
        }
        if let Some(Close(code, description)) = close {
            let reason = CloseReason {
                code: CloseCode::from(code),
                description: Some(description),
            };
            let _ = self.session.close(Some(reason)).await;
        }
    }

    /// Handles one message from the client: `Ok(false)` when the client has gone.
    async fn receive(
        &mut self,
        message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
    ) -> Result<bool, Close> {
        let message = match message {
            None => return Ok(false),
            // Answered with a close frame of our own, as RFC 6455 asks.
            Some(Ok(AggregatedMessage::Close(_))) => return Err(Close::new(1000, "")),
            Some(Err(actix_ws::ProtocolError::Overflow)) => {
                return Err(Close::new(
                    1009,
                    format!(
                        "a message exceeds {} bytes (WS_MAX_MESSAGE_BYTES)",
                        self.limits().max_message_bytes
                    ),
                ));
            }
            Some(Err(err)) => return Err(Close::new(1002, err.to_string())),
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                return Ok(self.session.pong(&bytes).await.is_ok());
            }
            Some(Ok(AggregatedMessage::Pong(_))) => return Ok(true),
            Some(Ok(AggregatedMessage::Binary(_))) => {
                return Err(Close::new(4400, "send protocol messages as text"));
            }
            Some(Ok(AggregatedMessage::Text(text))) => text,
        };
        let message: ClientMessage = serde_json::from_str(&message)
            .map_err(|err| Close::new(4400, format!("Invalid message received: {err}")))?;
        match message {
            ClientMessage::ConnectionInit { payload } => self.initialise(payload).await?,
            ClientMessage::Ping { payload } => {
                let pong = json!({ "type": "pong", "payload": payload });
                return Ok(self.session.text(pong.to_string()).await.is_ok());
            }
            ClientMessage::Pong {} => {}
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, *payload).await?,
            ClientMessage::Complete { id } => {
                if let Some(task) = self.subscriptions.remove(&id) {
                    task.abort();
                }
            }
        }
        Ok(true)
    }

    /// Authenticates the socket with the token in `connection_init`'s payload.
    async fn initialise(&mut self, payload: Option<Value>) -> Result<(), Close> {
        if self.authenticated.is_some() {
            return Err(Close::new(4429, "Too many initialisation requests"));
        }
        let token = payload.as_ref().and_then(token_of).ok_or_else(|| {
            Close::new(
                4401,
                "Unauthorized: send the token in connection_init's payload as {\"token\": \"…\"}",
            )
        })?;
        let state = &self.state;
        let (actor, verified) =
            auth::authenticate_token(&state.db, &state.verifier, &token, state.clock.today())
                .await
                .map_err(|err| match err {
                    ApiError::Unauthenticated => {
                        Close::new(4403, "Forbidden: the token was refused")
                    }
                    ApiError::TokenRefused(reason) => {
                        Close::new(4403, format!("Forbidden: the token was refused: {reason}"))
                    }
                    err => {
                        client_errors_under(err, self.request_id.as_str());
                        Close::new(1011, "internal error")
                    }
                })?;
        let max = self.limits().max_per_user;
        let slot = state
            .sockets_open
            .acquire(actor.user_id, max)
            .ok_or_else(|| {
                Close::new(
                    1008,
                    format!("this user has {max} sockets open already (WS_MAX_SOCKETS_PER_USER)"),
                )
            })?;
        let remaining = verified
            .expires_at
            .saturating_sub(jsonwebtoken::get_current_timestamp());
        self.authenticated = Some(Authenticated {
            actor,
            expires_at: Instant::now() + Duration::from_secs(remaining),
            _slot: slot,
        });
        let ack = json!({ "type": "connection_ack" });
        self.session
            .text(ack.to_string())
            .await
            .map_err(|_| Close::new(1000, "closed"))
    }

    /// Starts operation `id` as a task whose results come back through `outgoing`.
    async fn subscribe(
        &mut self,
        id: String,
        mut request: async_graphql::Request,
    ) -> Result<(), Close> {
        let Some(session) = &self.authenticated else {
            return Err(Close::new(4401, "Unauthorized"));
        };
        if self.subscriptions.contains_key(&id) {
            return Err(Close::new(
                4409,
                format!("Subscriber for {id} already exists"),
            ));
        }
        let refuse = |message: String, code: &str| {
            let mut error = ServerError::new(message, None);
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
            Outgoing::Refused(id.clone(), vec![error])
        };
        let max = self.limits().max_subscriptions;
        if self.subscriptions.len() >= max {
            let refusal = refuse(
                format!(
                    "this socket has {max} subscriptions already (WS_MAX_SUBSCRIPTIONS_PER_SOCKET): complete one, or open another socket"
                ),
                "BUSY",
            );
            return self
                .send(refusal)
                .await
                .map_err(|()| Close::new(1000, "closed"));
        }
        let operation = Operation::of(&mut request);
        if operation
            .ty
            .is_some_and(|ty| ty != OperationType::Subscription)
        {
            let refusal = refuse(
                "only subscriptions run over /graphql/ws: send queries and mutations to POST /graphql".into(),
                "BAD_USER_INPUT",
            );
            return self
                .send(refusal)
                .await
                .map_err(|()| Close::new(1000, "closed"));
        }
        // Subscribed now, not when the task first runs: a change made after the client's
        // `subscribe` was read reaches it.
        let request = request.data(self.state.events.subscribe());
        let task = actix_web::rt::spawn(run_operation(
            Arc::clone(&self.state),
            session.actor.clone(),
            id.clone(),
            request,
            operation.audit_label(),
            self.request_id.clone(),
            self.outgoing.clone(),
        ));
        self.subscriptions.insert(id, task.abort_handle());
        Ok(())
    }

    /// Writes a result to the socket; `Err` when the client has gone.
    async fn send(&mut self, outgoing: Outgoing) -> Result<(), ()> {
        let message = match outgoing {
            Outgoing::Next(id, response) => {
                json!({ "type": "next", "id": id, "payload": response })
            }
            Outgoing::Refused(id, errors) => {
                self.subscriptions.remove(&id);
                json!({ "type": "error", "id": id, "payload": errors })
            }
            Outgoing::Complete(id) => {
                // A task completing after the client's own `complete` was already removed.
                if self.subscriptions.remove(&id).is_none() {
                    return Ok(());
                }
                json!({ "type": "complete", "id": id })
            }
        };
        self.session.text(message.to_string()).await.map_err(|_| ())
    }
}

/// The token of a `connection_init` payload: `token`, or a bearer `Authorization`.
fn token_of(payload: &Value) -> Option<String> {
    if let Some(token) = payload.get("token").and_then(Value::as_str) {
        return Some(token.trim().to_owned());
    }
    let authorization = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(key).and_then(Value::as_str))?;
    authorization
        .strip_prefix("Bearer ")
        .or_else(|| authorization.strip_prefix("bearer "))
        .map(|token| token.trim().to_owned())
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Runs one operation: each result under a fresh request context, its participant reads logged
/// before it is sent (and replaced by an INTERNAL error when they cannot be).
async fn run_operation(
    state: Arc<AppState>,
    actor: Actor,
    id: String,
    request: async_graphql::Request,
    audit_label: String,
    request_id: RequestId,
    outgoing: mpsc::Sender<Outgoing>,
) {
    let context = RequestContext::new(&state.db, actor.clone());
    let participant_reads = Arc::clone(&context.participant_reads);
    let request = request.data(context).data(request_id.clone());
    let mut results = state.schema.execute_stream(request);
    while let Some(mut response) = results.next().await {
        let reads = participant_reads.take();
        // Fail closed: rows whose reading cannot be logged are not sent.
        if let Err(err) =
            audit::record_participant_reads(&state.db, &actor, &reads, &audit_label).await
        {
            response = Response::from_errors(client_errors_under(err.into(), request_id.as_str()));
        }
        add_missing_error_codes(&mut response.errors);
        report_internal_errors(&mut response.errors, request_id.as_str());
        // Errors without a path come from before execution (syntax, validation, limits); an
        // error of one event (missed events, a failed read) has its field's path.
        let refused = response.data == async_graphql::Value::Null
            && response.is_err()
            && response.errors.iter().all(|error| error.path.is_empty());
        let message = if refused {
            Outgoing::Refused(id.clone(), response.errors)
        } else {
            Outgoing::Next(id.clone(), Box::new(response))
        };
        if outgoing.send(message).await.is_err() || refused {
            return;
        }
    }
    let _ = outgoing.send(Outgoing::Complete(id)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outgoing_messages_stay_small_for_idle_sockets() {
        assert!(
            size_of::<Outgoing>() <= 64,
            "{} bytes",
            size_of::<Outgoing>()
        );
    }

    #[test]
    fn a_close_reason_fits_a_frame_whole_characters_only() {
        let Close(code, reason) = Close::new(4403, "é".repeat(100));
        assert_eq!(code, 4403);
        assert_eq!(
            reason,
            "é".repeat(61),
            "122 bytes: a 124th would split a character"
        );
        assert_eq!(Close::new(1000, "short").1, "short");
    }

    #[test]
    fn the_token_comes_as_token_or_as_a_bearer_authorization() {
        let token = |payload: Value| token_of(&payload);
        assert_eq!(token(json!({ "token": " abc " })).as_deref(), Some("abc"));
        assert_eq!(
            token(json!({ "Authorization": "Bearer abc" })).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(json!({ "authorization": "bearer abc" })).as_deref(),
            Some("abc")
        );
        assert_eq!(token(json!({ "Authorization": "Basic abc" })), None);
        assert_eq!(token(json!({})), None);
    }
}
