//! A `graphql-transport-ws` client for the subscription tests: connects to `/graphql/ws`,
//! authenticates in `connection_init`, subscribes, and reads what the server sends or how it
//! closed the socket.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};
use uuid::Uuid;

use super::TestApp;

/// How long a test waits for something it expects to arrive.
pub const ARRIVES_WITHIN: Duration = Duration::from_secs(1);

/// How long a test listens for what must not arrive, once what must arrive has.
pub const SILENCE: Duration = Duration::from_millis(300);

/// What the server did next.
#[derive(Debug, PartialEq)]
pub enum Heard {
    /// A protocol message (`next`, `error`, `complete`, `pong`, …).
    Message(Value),
    /// The server closed the socket with this code and reason.
    Closed(u16, String),
    /// Nothing within the time asked for.
    Nothing,
}

pub struct LiveClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl TestApp {
    /// A token for the user that lives `ttl` (a socket must close when it expires).
    pub fn token_lasting(&self, user_id: Uuid, ttl: Duration) -> String {
        self.issuer
            .as_ref()
            .expect("the app mints tokens")
            .mint(user_id, ttl)
            .expect("mint token")
    }

    /// Opens `/graphql/ws` with the `graphql-transport-ws` subprotocol, without initialising.
    pub async fn live_socket(&self) -> LiveClient {
        let url = format!("{}/graphql/ws", self.base_url.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("WebSocket URL");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket handshake");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        LiveClient { socket }
    }

    /// A socket of `token` subscribed to `query` as operation `id` (see
    /// [`LiveClient::subscribe`]).
    pub async fn subscribed(
        &self,
        token: &str,
        id: &str,
        query: &str,
        variables: Value,
    ) -> LiveClient {
        let mut client = self.live(token).await;
        client.subscribe(id, query, variables).await;
        client
    }

    /// A socket initialised with `token` and acknowledged.
    pub async fn live(&self, token: &str) -> LiveClient {
        let mut client = self.live_socket().await;
        assert_eq!(
            client.initialise(json!({ "token": token })).await,
            Heard::Message(json!({ "type": "connection_ack" }))
        );
        client
    }
}

impl LiveClient {
    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("message sent");
    }

    /// Sends `connection_init` with `payload`; returns the answer.
    pub async fn initialise(&mut self, payload: Value) -> Heard {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.next(ARRIVES_WITHIN).await
    }

    /// Sends `subscribe` for operation `id`, without waiting for anything.
    pub async fn start(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "type": "subscribe", "id": id,
            "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// Subscribes as operation `id`, and returns once the server has read the subscription
    /// (it answers a ping sent after it), so any change made from now on reaches it.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.start(id, query, variables).await;
        self.send(json!({ "type": "ping" })).await;
        assert_eq!(
            self.next(ARRIVES_WITHIN).await,
            Heard::Message(json!({ "type": "pong", "payload": null }))
        );
    }

    /// The next protocol message or close, skipping WebSocket pings, or `Nothing` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Heard {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Heard::Nothing,
                Ok(frame) => frame,
            };
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Heard::Message(serde_json::from_str(&text).expect("JSON message"));
                }
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Heard::Closed(frame.code.into(), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => {
                    return Heard::Closed(1005, String::new());
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// The first GraphQL error of the next message, which must be an `error` of operation `id`:
    /// the operation was refused.
    pub async fn refusal(&mut self, id: &str) -> Value {
        match self.next(ARRIVES_WITHIN).await {
            Heard::Message(message) if message["type"] == "error" && message["id"] == id => {
                message["payload"][0].clone()
            }
            other => panic!("expected `error` of {id}, heard {other:?}"),
        }
    }

    /// The `payload` of the next message, which must be a `next` of operation `id`.
    pub async fn next_payload(&mut self, id: &str) -> Value {
        match self.next(ARRIVES_WITHIN).await {
            Heard::Message(message) if message["type"] == "next" && message["id"] == id => {
                message["payload"].clone()
            }
            other => panic!("expected `next` of {id}, heard {other:?}"),
        }
    }
}
