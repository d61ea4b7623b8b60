//! The top floor: the HTTP server, its routes and middleware, the application state and the
//! assembled GraphQL schema. Only `cli` and tests stand above it.

pub mod exports;
pub mod http;
pub mod pages;
pub mod schema;
pub mod state;
pub mod subscriptions;
pub mod telemetry;

use std::net::TcpListener;

use actix_web::{
    App, HttpServer,
    dev::Server,
    middleware::{Condition, from_fn},
    web,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    access::auth::TokenVerifier,
    platform::{
        config::{Config, ConfigError},
        db, events, metrics,
    },
    server::{pages::DemoSignIn, state::AppState},
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("could not listen on the configured address: {0}")]
    Bind(#[from] std::io::Error),
}

/// A built, bound, not yet running service.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, applies pending migrations and binds the listener.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let db = db::connect(&config.database_url, config.database_max_connections).await?;
        Self::build_with_db(config, db).await
    }

    /// Like [`Application::build`] with a connection the caller made (tests instrument theirs);
    /// the read replica's, if any, it makes itself.
    pub async fn build_with_db(
        config: Config,
        db: DatabaseConnection,
    ) -> Result<Self, StartupError> {
        Self::build_with_demo(config, db, None).await
    }

    /// Like [`Application::build_with_db`], offering the demo's users on the dashboard's
    /// sign-in screen when `demo_sign_in` is given (`serve --demo` only).
    pub async fn build_with_demo(
        config: Config,
        db: DatabaseConnection,
        demo_sign_in: Option<DemoSignIn>,
    ) -> Result<Self, StartupError> {
        Migrator::up(&db, None).await?;
        let events = events::EventBus::start(&db, &config.database_url).await?;
        let read_db = match &config.database_read_url {
            Some(url) => db::connect(url, config.database_max_connections).await?,
            None => db.clone(),
        };
        let listener = TcpListener::bind(config.bind_addr)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            schema: schema::build_schema(
                Some(db.clone()),
                &config.limits,
                config.disclosure,
                config.introspection,
                config.clock,
            ),
            verifier: TokenVerifier::new(&config.jwt)?,
            graphiql: config.graphiql,
            limits: config.limits,
            clock: config.clock,
            metrics: metrics::Metrics::default(),
            metrics_access: config.metrics,
            disclosure: config.disclosure,
            iati: config.iati,
            demo_sign_in,
            cors_origins: config.cors_origins.clone(),
            events,
            sockets: config.sockets,
            sockets_open: subscriptions::SocketCounts::default(),
            read_db,
            db,
        });
        let cors_origins = config.cors_origins;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(http::routes)
                .configure(subscriptions::routes)
                .configure(exports::routes)
                .configure(pages::routes)
                // Without CORS_ORIGINS no CORS headers at all: browsers keep pages of other
                // origins out.
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    http::cors(&cors_origins),
                ))
                // Outermost, so every response (CORS preflights too) gets its request id.
                .wrap(from_fn(telemetry::observe))
        })
        .listen(listener)?
        // In-flight requests get this long to finish after SIGTERM/SIGINT.
        .shutdown_timeout(10)
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound (tests bind port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
