//! The test harness: each test gets its own service, started in-process on port 0 over a fresh
//! database (a temporary SQLite file, or a PostgreSQL database created for it and dropped after),
//! and talks to it over HTTP as a client would.
//!
//! PostgreSQL runs when `TEST_POSTGRES_URL` names a server (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`); `REQUIRE_POSTGRES=1` turns a missing URL into
//! a failure instead of a skip, so CI cannot pass on SQLite alone.

pub mod browser;
pub mod fixtures;
pub mod live;
pub mod world;

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use api::{
    Application,
    access::auth::TokenIssuer,
    demo::{self, Demo, DemoError},
    platform::config::Config,
    server::pages::DemoSignIn,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// What a current GraphQL client sends (GraphQL over HTTP, "Accept"): the GraphQL media type,
/// with JSON as the fallback. A request refused before it ran is then a 400.
pub const ACCEPT: &str = "application/graphql-response+json, application/json;q=0.9";

/// Runs each named scenario `async fn name(app: TestApp)` once per database, as the tests
/// `name::sqlite` and `name::postgres`. `with CONFIG;` first starts those apps with extra
/// configuration variables (`&[(&str, &str)]`, evaluated inside the generated module, so a
/// constant is named `super::NAME`).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        $crate::on_both_databases!(@scenario $name, sqlite(), postgres());
    )*};
    (with $config:expr; $($name:ident),* $(,)?) => {$(
        $crate::on_both_databases!(
            @scenario $name, sqlite_with($config), postgres_with($config)
        );
    )*};
    (@scenario $name:ident, $sqlite:ident($($sqlite_config:expr)?),
        $postgres:ident($($postgres_config:expr)?)) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::support::TestApp::$sqlite($($sqlite_config)?).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::$postgres($($postgres_config)?).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

/// The PostgreSQL server URL, or `None` to skip (unless `REQUIRE_POSTGRES` is set).
pub fn postgres_url() -> Option<String> {
    let url = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() && std::env::var("REQUIRE_POSTGRES").is_ok_and(|value| value == "1") {
        panic!("REQUIRE_POSTGRES=1 but {POSTGRES_URL_VAR} is not set");
    }
    url
}

/// Where a test's database lives; dropping it removes the database.
enum Scratch {
    Sqlite(
        #[expect(dead_code, reason = "held so the directory outlives the test")] tempfile::TempDir,
    ),
    Postgres {
        server_url: String,
        name: String,
    },
    /// Another app's database, which that app drops.
    Borrowed,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Postgres { server_url, name } = self {
            let (server_url, name) = (server_url.clone(), name.clone());
            // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime
                    .block_on(async {
                        let admin = sea_orm::Database::connect(&server_url).await?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await?;
                        Ok::<_, sea_orm::DbErr>(())
                    })
                    .map_err(std::io::Error::other)
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub base_url: String,
    pub db: DatabaseConnection,
    database_url: String,
    /// SQL statements the service has run so far (sea-orm's metric callback).
    statements: Arc<AtomicUsize>,
    client: reqwest::Client,
    /// `None` when the app checks an identity provider's tokens, which it cannot mint.
    issuer: Option<TokenIssuer>,
    _scratch: Scratch,
}

/// The day every test app runs on (`CLOCK_TODAY`): the fixtures' dates sit around it, so no
/// test depends on the calendar (a review falling due, a run crossing midnight).
pub const TODAY: &str = "2026-11-30";

pub fn test_config(database_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars = vec![
        ("APP_ENV", "production"),
        ("JWT_SECRET", "test-secret-that-is-at-least-32-bytes-long"),
        ("DATABASE_URL", database_url),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("CLOCK_TODAY", TODAY),
    ];
    vars.extend_from_slice(extra);
    Config::from_lookup(false, |name| {
        vars.iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("test configuration is valid")
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::sqlite_with(&[]).await
    }

    /// A SQLite-backed app with extra configuration variables.
    pub async fn sqlite_with(extra: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        Self::start(&url, extra, Scratch::Sqlite(dir)).await
    }

    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(&[]).await
    }

    /// A PostgreSQL-backed app with extra configuration variables.
    pub async fn postgres_with(extra: &[(&str, &str)]) -> Option<Self> {
        let server_url = postgres_url()?;
        let name = format!("outcomes_test_{}", Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(&server_url)
            .await
            .expect("PostgreSQL server reachable at TEST_POSTGRES_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        let url = database_url_for(&server_url, &name);
        let scratch = Scratch::Postgres { server_url, name };
        Some(Self::start(&url, extra, scratch).await)
    }

    /// A SQLite-backed app serving the demo dataset as `serve --demo` does: loaded before the
    /// listener opens, its users offered on the dashboard's sign-in screen.
    pub async fn sqlite_demo(extra: &[(&str, &str)]) -> (Self, Demo) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let config = test_config(&url, extra);
        let db = api::platform::db::connect(&url, Some(4))
            .await
            .expect("connect to test database");
        <migration::Migrator as migration::MigratorTrait>::up(&db, None)
            .await
            .expect("migrations");
        let demo = demo::prepare(&db, &config.limits, config.clock)
            .await
            .expect("the demo loads");
        let sign_in = demo.sign_in(TokenIssuer::new(&config.jwt).expect("issuer"));
        let app = Self::start_with(&url, extra, Scratch::Sqlite(dir), Some(sign_in)).await;
        (app, demo)
    }

    /// A second service on this app's database, as another replica behind a load balancer.
    pub async fn another_replica(&self) -> Self {
        self.another_replica_with(&[]).await
    }

    /// [`TestApp::another_replica`] with extra configuration variables.
    pub async fn another_replica_with(&self, extra: &[(&str, &str)]) -> Self {
        Self::start(&self.database_url, extra, Scratch::Borrowed).await
    }

    /// The URL the app's service connects to.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    async fn start(url: &str, extra: &[(&str, &str)], scratch: Scratch) -> Self {
        Self::start_with(url, extra, scratch, None).await
    }

    async fn start_with(
        url: &str,
        extra: &[(&str, &str)],
        scratch: Scratch,
        demo_sign_in: Option<DemoSignIn>,
    ) -> Self {
        let config = test_config(url, extra);
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&statements);
        let db = api::platform::db::connect_with(url, Some(4), move |db| {
            db.set_metric_callback(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            });
        })
        .await
        .expect("connect to test database");
        let app = Application::build_with_demo(config.clone(), db.clone(), demo_sign_in)
            .await
            .expect("application starts");
        let base_url = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Self {
            base_url,
            db,
            database_url: url.to_owned(),
            statements,
            issuer: TokenIssuer::new(&config.jwt).ok(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("HTTP client"),
            _scratch: scratch,
        }
    }

    /// A token for the user, minted with the app's HS256 secret; empty when the app checks an
    /// identity provider's tokens (those tests sign their own).
    pub fn token_for(&self, user_id: Uuid) -> String {
        self.issuer.as_ref().map_or_else(String::new, |issuer| {
            issuer
                .mint(user_id, Duration::from_secs(600))
                .expect("mint token")
        })
    }

    /// How many SQL statements the service has run since it started.
    pub fn statements_executed(&self) -> usize {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs a GraphQL request with an optional bearer token, accepting the GraphQL media type
    /// as the spec recommends ([`ACCEPT`]); returns status and JSON body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("accept", ACCEPT)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON response"))
    }

    /// POSTs a GraphQL request as `token` and returns the body.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_as(Some(token), query, variables).await.1
    }

    /// Like [`TestApp::gql`], asserting the request succeeded, and returning `data`.
    pub async fn gql_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs a GraphQL multipart request (the GraphQL multipart request spec) as `token`, with
    /// one file for the variable at `file_path` (e.g. `variables.input.file`, set to `null` in
    /// `variables`); returns status and JSON body.
    pub async fn gql_upload(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        file_path: &str,
        file_name: &str,
        content: Vec<u8>,
    ) -> (u16, Value) {
        let file = reqwest::multipart::Part::bytes(content)
            .file_name(file_name.to_owned())
            .mime_str("text/csv")
            .expect("CSV media type");
        let form = reqwest::multipart::Form::new()
            .text(
                "operations",
                json!({ "query": query, "variables": variables }).to_string(),
            )
            .text("map", json!({ "0": [file_path] }).to_string())
            .part("0", file);
        let response = self
            .client
            .post(self.url("/graphql"))
            .header("accept", ACCEPT)
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON response"))
    }

    /// Rows in a table, to prove a refused write changed nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count")
    }
}

/// Loads the demo dataset (`serve --demo`) into the app's database, under the test
/// configuration's limits and clock.
pub async fn load_demo(app: &TestApp) -> Result<Demo, DemoError> {
    // Only the limits and the clock matter here; the URL is never connected to.
    let config = test_config("sqlite::memory:", &[]);
    demo::prepare(&app.db, &config.limits, config.clock).await
}

/// The demo's printed users' tokens, by the label an example's "Run as:" line uses
/// (`commissioner` for `COMMISSIONER_TOKEN`, `other provider` for `OTHER_PROVIDER_TOKEN`).
pub fn demo_tokens(app: &TestApp, demo: &Demo) -> HashMap<String, String> {
    demo.logins
        .iter()
        .map(|login| {
            let label = login
                .variable
                .trim_end_matches("_TOKEN")
                .replace('_', " ")
                .to_lowercase();
            (label, app.token_for(login.user_id))
        })
        .collect()
}

/// A lock the test holds on the app's database, so that requests sent meanwhile must wait for
/// it (see [`TestApp::hold_lock`]).
pub struct HeldLock(sea_orm::DatabaseTransaction);

impl TestApp {
    /// Takes the lock that the writes of a race contend for, before they are sent: on SQLite
    /// the database's one write lock (`BEGIN IMMEDIATE`, as every write of the service
    /// begins); on PostgreSQL the row lock (`SELECT … FOR UPDATE`) of row `id` of `table`,
    /// which the service takes before it decides.
    pub async fn hold_lock(&self, table: &str, id: &str) -> HeldLock {
        let txn = api::platform::db::begin_write(&self.db)
            .await
            .expect("begin the test's transaction");
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            txn.execute_unprepared(&format!(
                "SELECT 1 FROM {table} WHERE id = '{id}' FOR UPDATE"
            ))
            .await
            .expect("lock the contended row");
        }
        HeldLock(txn)
    }

    /// Releases `lock` once `requests` requests are waiting for it, so that they provably run
    /// at the same time: each is inside its own transaction when the lock goes. PostgreSQL
    /// names the sessions waiting for a lock. SQLite does not, so there it is the pool: the
    /// test's connection plus one per request stay checked out (a write holds its connection
    /// while it waits for the write lock; reads outside a transaction take well under the
    /// 100 ms this must last).
    pub async fn release_when_waiting(&self, lock: HeldLock, requests: usize) {
        let postgres = self.db.get_database_backend() == sea_orm::DbBackend::Postgres;
        let observations_needed = if postgres { 1 } else { 10 };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut observed = 0;
        while observed < observations_needed {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the {requests} requests never all waited on the lock: they did not overlap"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
            let waiting = if postgres {
                let row = self
                    .db
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        "SELECT COUNT(*) AS n FROM pg_stat_activity \
                         WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    ))
                    .await
                    .expect("read pg_stat_activity")
                    .expect("one row");
                usize::try_from(row.try_get::<i64>("", "n").expect("count")).unwrap_or(0)
            } else {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size() as usize).saturating_sub(pool.num_idle() + 1)
            };
            observed = if waiting >= requests { observed + 1 } else { 0 };
        }
        lock.0.rollback().await.expect("release the lock");
    }
}

fn database_url_for(server_url: &str, database: &str) -> String {
    // Replace the path (the database name) of the server URL, keeping any query string.
    let (base, query) = server_url
        .split_once('?')
        .map_or((server_url, None), |(b, q)| (b, Some(q)));
    let without_db = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{without_db}/{database}?{query}"),
        None => format!("{without_db}/{database}"),
    }
}

/// `base` with the fields of `extra` added or replaced (both JSON objects).
pub fn merged(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// The `extensions.code` of the first error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {body:#}"))
}
