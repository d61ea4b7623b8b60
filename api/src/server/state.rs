//! The application state every handler shares: one struct because each request needs all of
//! it together (the pool, the schema, the token verifier, the limits and the metrics, for
//! downloads the disclosure settings and the IATI publisher, for subscriptions the event bus
//! and the open sockets), and actix hands handlers one `web::Data`.

use sea_orm::DatabaseConnection;

use crate::{
    access::auth::TokenVerifier,
    platform::{
        clock::Clock,
        config::{Disclosure, IatiPublisher, Limits, MetricsAccess, SocketLimits},
        events::EventBus,
        metrics::Metrics,
    },
    server::{pages::DemoSignIn, schema::ApiSchema, subscriptions::SocketCounts},
};

/// What every handler needs, shared across workers.
pub struct AppState {
    /// The primary: every write, and every read of a write's payload.
    pub db: DatabaseConnection,
    /// Where queries and downloads read: the replica of `DATABASE_READ_URL`, or the primary.
    pub read_db: DatabaseConnection,
    pub schema: ApiSchema,
    pub verifier: TokenVerifier,
    pub graphiql: bool,
    /// Body and upload sizes and the timeout (the schema applies the others).
    pub limits: Limits,
    /// "Today" for the requests' actors (memberships count from `joinedOn`).
    pub clock: Clock,
    pub metrics: Metrics,
    /// Who may read `/metrics` (a token, anyone, or nobody).
    pub metrics_access: MetricsAccess,
    /// Disclosure control, for the downloads (the schema holds its own copy for GraphQL).
    pub disclosure: Disclosure,
    /// Who publishes the IATI files; `None` turns them off.
    pub iati: Option<IatiPublisher>,
    /// The demo's users for the dashboard's sign-in screen; `None` unless `serve --demo`.
    pub demo_sign_in: Option<DemoSignIn>,
    /// The origins besides its own whose pages may use the service (`CORS_ORIGINS`); the
    /// subscription socket checks them itself, since CORS does not cover WebSockets.
    pub cors_origins: Vec<String>,
    /// Where subscriptions hear of changes.
    pub events: EventBus,
    /// Bounds on subscription sockets, and the sockets each user holds open now.
    pub sockets: SocketLimits,
    pub sockets_open: SocketCounts,
}
