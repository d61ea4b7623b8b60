//! Configuration, read once at start-up from the environment (and a `.env` file if present).
//!
//! The doc comment on each field is the operator's manual for its variable. A missing or invalid
//! value is a startup error that names the variable and says how to fix it; nothing secret ever
//! falls back silently to a default outside development mode.

use std::{env, ffi::OsStr, fmt, fs, net::SocketAddr, path::Path, str::FromStr, time::Duration};

use actix_web::http::Uri;
use chrono::NaiveDate;

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk},
};

use crate::platform::{clock::Clock, validation};

/// Where the service runs. Development mode exists so a newcomer can try the API in one command;
/// it is chosen explicitly (`--dev` or `APP_ENV=development`), never by omission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Production,
    Development,
}

/// A secret anyone can read in this file: development mode only, with a warning at start-up.
const DEVELOPMENT_JWT_SECRET: &str = "development-only-secret-anyone-can-forge-tokens-with";

#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`: `production` (default) or `development` (also `--dev`).
    pub mode: Mode,
    /// `DATABASE_URL`: `sqlite://FILE?mode=rwc` (default `sqlite://outcomes.db?mode=rwc`) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub database_url: String,
    /// `DATABASE_READ_URL` (optional): a read replica of `DATABASE_URL` (PostgreSQL streaming
    /// replication) for queries and downloads, so dashboards do not load the primary.
    /// Mutations, everything a mutation's payload reads, subscriptions' deliveries and the
    /// access log stay on the primary. A replica lags its primary by a moment, so a dashboard may
    /// show a change a little after the mutation that made it returned. Unset: everything on
    /// `DATABASE_URL`.
    pub database_read_url: Option<String>,
    /// `DATABASE_MAX_CONNECTIONS`: pool size (default 10 for PostgreSQL, 4 for SQLite, which
    /// serialises writers anyway).
    pub database_max_connections: Option<u32>,
    /// `BIND_ADDR`: address and port to listen on (default `127.0.0.1:8080`).
    pub bind_addr: SocketAddr,
    /// Token verification; see [`JwtConfig`].
    pub jwt: JwtConfig,
    /// `GRAPHIQL`: serve the GraphiQL IDE at `GET /graphql` to browsers (default: on in
    /// development, off in production).
    pub graphiql: bool,
    /// `INTROSPECTION`: allow schema introspection (default `true`; tokens are still required).
    pub introspection: bool,
    /// Bounds on what one request may ask for; see [`Limits`].
    pub limits: Limits,
    /// Disclosure control of aggregates; see [`Disclosure`].
    pub disclosure: Disclosure,
    /// `LOG_FORMAT`: `text` (default) or `json` for log shippers. `LOG_LEVEL` filters (default
    /// `info`). Each request is a span with its id, method, path, GraphQL operation name, status
    /// and duration; tokens, query text, variables and participant references are never logged.
    pub log_format: LogFormat,
    /// `CORS_ORIGINS`: the browser origins allowed to call the API from another site, separated
    /// by commas, each exactly as a browser sends it (`https://dashboard.example.org`, no path,
    /// no trailing slash). Unset: no CORS headers, so browsers allow only same-origin pages.
    /// There is no wildcard, and credentials (cookies) are never allowed: clients send a bearer
    /// token, so a page must be on this list and hold a token.
    pub cors_origins: Vec<String>,
    /// Who may read `GET /metrics`; see [`MetricsAccess`].
    pub metrics: MetricsAccess,
    /// `CLOCK_TODAY` (YYYY-MM-DD, 1900-01-01 to 2199-12-31 like every date of the API): run as if
    /// today were this day (from noon UTC at start-up), for demonstrations and tests whose dates
    /// must not depend on the calendar. Unset (the default and the only sensible production
    /// setting): the system clock. Tokens are always checked against the system clock.
    pub clock: Clock,
    /// Who publishes the IATI files (`/exports/partnerships/{id}/iati-activities.xml`); see
    /// [`IatiPublisher`]. Unset: that download answers INVALID_STATE saying what to set.
    pub iati: Option<IatiPublisher>,
    /// Bounds on the subscription sockets of `/graphql/ws`; see [`SocketLimits`].
    pub sockets: SocketLimits,
}

/// Bounds on the WebSocket connections that carry subscriptions (`/graphql/ws`). Each socket
/// holds memory and a task for as long as it is open, so nobody may hold many, and a dead one
/// is noticed. They count per process: behind N replicas a user may hold N times as many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketLimits {
    /// `WS_MAX_SOCKETS_PER_USER` (default 8, at least 1): a user's open sockets (a few browser
    /// tabs); one more is closed with 1008 right after `connection_init`.
    pub max_per_user: usize,
    /// `WS_MAX_SUBSCRIPTIONS_PER_SOCKET` (default 20, at least 1): one more `subscribe` gets an
    /// `error` message with code BUSY; the socket stays open.
    pub max_subscriptions: usize,
    /// `WS_IDLE_TIMEOUT_SECONDS` (default 60, at least 3): a socket from which nothing arrived
    /// for this long is closed. The server pings every third of it, and a live client's pong
    /// counts, so only dead peers and sockets that never send `connection_init` (closed with
    /// 4408) are dropped.
    pub idle_timeout: Duration,
    /// `WS_MAX_MESSAGE_BYTES` (default 65536, at least 1): the largest message a client may
    /// send (a `subscribe` with its query); a larger one closes the socket with 1009.
    pub max_message_bytes: usize,
}

/// The IATI reporting organisation: whoever publishes the partnerships' results to IATI (the
/// council or funder running this service). Its identifier prefixes every activity's
/// `iati-identifier`, so it must be the organisation identifier IATI knows it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IatiPublisher {
    /// `IATI_REPORTING_ORG_REF`: the publisher's IATI organisation identifier, a registration
    /// agency prefix and the organisation's number in that register (`GB-SC-SC012345` for a
    /// Scottish charity, `GB-GOV-…` or `GB-LAS-…` for public bodies). Unset: IATI files are off.
    /// IATI forbids spaces and the characters `/ & | ?` in identifiers.
    pub reference: String,
    /// `IATI_REPORTING_ORG_NAME` (required with the identifier): the publisher's name as IATI
    /// shows it.
    pub name: String,
    /// `IATI_REPORTING_ORG_TYPE` (default `11`, local government): the publisher's code in
    /// IATI's OrganisationType codelist.
    pub kind: String,
}

/// IATI's OrganisationType codelist (version 2.03).
const IATI_ORGANISATION_TYPES: [&str; 16] = [
    "10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80", "90",
];

/// `IATI_REPORTING_ORG_REF`, `_NAME` and `_TYPE`, checked against IATI's identifier rules.
fn iati_publisher(
    reference: Option<String>,
    name: Option<String>,
    kind: Option<String>,
) -> Result<Option<IatiPublisher>, ConfigError> {
    let Some(reference) = reference.map(|value| value.trim().to_owned()) else {
        return Ok(None);
    };
    if !reference.contains('-')
        || reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "/&|?".contains(c))
    {
        return Err(ConfigError {
            variable: "IATI_REPORTING_ORG_REF",
            message: format!(
                "`{reference}` is not an IATI organisation identifier: a registration agency \
                 prefix, a hyphen and the organisation's number (e.g. GB-SC-SC012345), without \
                 spaces or / & | ?"
            ),
        });
    }
    let name = name
        .map(|value| value.trim().to_owned())
        .ok_or(ConfigError {
            variable: "IATI_REPORTING_ORG_NAME",
            message: "required with IATI_REPORTING_ORG_REF: the publisher's name".into(),
        })?;
    let kind = kind.map_or_else(|| "11".to_owned(), |value| value.trim().to_owned());
    if !IATI_ORGANISATION_TYPES.contains(&kind.as_str()) {
        return Err(ConfigError {
            variable: "IATI_REPORTING_ORG_TYPE",
            message: format!(
                "`{kind}` is not a code of IATI's OrganisationType codelist ({})",
                IATI_ORGANISATION_TYPES.join(", ")
            ),
        });
    }
    Ok(Some(IatiPublisher {
        reference,
        name,
        kind,
    }))
}

/// Who may read `GET /metrics`. The metrics hold no children's data (counts, durations, error
/// codes, pool sizes, the version), but operation names are chosen by clients and may say more
/// than intended, so in production they are closed unless the operator chooses.
#[derive(Debug, Clone)]
pub enum MetricsAccess {
    /// `METRICS_TOKEN` (at least 32 characters): `Authorization: Bearer <token>` required
    /// (Prometheus: `authorization.credentials`).
    Token(Secret),
    /// `METRICS_PUBLIC=true` (for a scrape on a private network), or development mode.
    Public,
    /// Production without either: `/metrics` answers 404 and says how to open it.
    Closed,
}

/// A credential that must never reach a log: its `Debug` is redacted.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Whether `presented` is this secret, in time independent of where they differ, so the
    /// answer's timing does not reveal how much of a guess was right.
    pub fn matches(&self, presented: &str) -> bool {
        let (expected, presented) = (self.0.as_bytes(), presented.as_bytes());
        expected.len() == presented.len()
            && expected
                .iter()
                .zip(presented)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// `JWT_ALGORITHM` and the key or keys that check tokens; see [`TokenKeys`].
    pub keys: TokenKeys,
    /// `JWT_ISSUER`: when set, tokens must carry exactly this `iss`.
    pub issuer: Option<String>,
    /// `JWT_AUDIENCE`: when set, tokens must carry this `aud`.
    pub audience: Option<String>,
    /// `JWT_LEEWAY_SECONDS`: clock skew allowed on `exp`/`nbf`/`iat` (default 30, at most 300).
    pub leeway_seconds: u64,
    /// `JWT_MAX_TTL` (default `24h`; `30m`, `8h`, `7d` or plain seconds): the longest a token may
    /// live. A token is refused when `exp − iat` is longer, when its `exp` is further than this
    /// ahead of now, or when its `iat` lies in the future (beyond the leeway), so a token that
    /// leaks stops working within this time however it was minted. `api token --ttl` and
    /// `admin create --ttl` mint no longer. A working day is the default: identity providers
    /// issue access tokens for minutes to hours and refresh them.
    pub max_ttl: Duration,
}

/// Who signs tokens, and so what checks them. `JWT_ALGORITHM` (`HS256`, the default, `RS256` or
/// `ES256`) chooses; exactly one of `JWT_SECRET` and `JWT_PUBLIC_KEY_FILE` goes with it. Only this
/// algorithm is ever accepted, whatever a token's header says (RFC 8725 §3.1).
#[derive(Clone)]
pub enum TokenKeys {
    /// `JWT_SECRET` (HS256): a key of at least 32 bytes with which this service both mints (`api
    /// token`, `admin create`) and checks tokens. Required in production unless
    /// `JWT_PUBLIC_KEY_FILE` is used.
    Secret(Vec<u8>),
    /// `JWT_PUBLIC_KEY_FILE` (RS256 or ES256): an identity provider signs tokens with its private
    /// key; this service holds only public keys, so it checks tokens but cannot mint them.
    ///
    /// The variable lists one or more PEM public key files (`-----BEGIN PUBLIC KEY-----`; RSA of
    /// at least 2048 bits for RS256, P-256 for ES256), separated by commas. A key's id is its file
    /// name without the extension (`/etc/outcomes/jwt/2026-05.pem` is key `2026-05`) and must be
    /// the `kid` the provider writes in the header of tokens signed with it. A `kid` that names no
    /// configured key is refused; a token without `kid` is accepted only while a single key is
    /// configured. To rotate, list the current and the next key, restart, let the provider switch
    /// to the next key, then remove the old one once its tokens have expired.
    PublicKeys {
        algorithm: Algorithm,
        keys: Vec<PublicKey>,
    },
}

/// One identity provider key and the `kid` that selects it.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub kid: String,
    pub key: DecodingKey,
}

impl TokenKeys {
    /// The one algorithm tokens must be signed with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            TokenKeys::Secret(_) => Algorithm::HS256,
            TokenKeys::PublicKeys { algorithm, .. } => *algorithm,
        }
    }
}

// By hand, so that printing the configuration can never print the secret.
impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKeys::Secret(_) => f.write_str("Secret([redacted])"),
            TokenKeys::PublicKeys { algorithm, keys } => f
                .debug_struct("PublicKeys")
                .field("algorithm", algorithm)
                .field("kids", &keys.iter().map(|key| &key.kid).collect::<Vec<_>>())
                .finish(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// `MAX_QUERY_DEPTH` (default 12, at least 1): deep enough for partnership → interventions →
    /// submissions → records → indicator with their connection wrappers (10 levels), shallow
    /// enough to stop a query that walks the cycles of the graph (partnership → intervention →
    /// partnership → …).
    pub max_depth: usize,
    /// `MAX_QUERY_COMPLEXITY` (default 5000, at least 1): every field costs 1 and a connection
    /// costs `first` × the cost of what it selects per row, so a page of 100 rows with up to
    /// about 45 fields fits, while 100 rows each with a nested page of 100 (10,000 rows in one
    /// request) costs over 10,000 and is refused.
    pub max_complexity: usize,
    /// `MAX_ALIASES` (default 30): the most aliased fields one operation may hold, counting a
    /// fragment each time it is spread. Aliases let one request repeat a field with other
    /// arguments; screens need a handful, and a flood of them is a way around the other limits.
    pub max_aliases: usize,
    /// `MAX_SELECTIONS` (default 10000, at least 1): the most selections (fields, fragment
    /// spreads and inline fragments) a document may hold once its fragments are expanded, over
    /// all its operations and fragment definitions. The engine checks a document by walking it
    /// with every fragment spread expanded, before the timeout can act, so a kilobyte of
    /// fragments that each spread the next twice would cost millions of steps; this bound is
    /// counted in one pass over the written document and refuses such a document at once. A
    /// real screen selects a few hundred fields, and the complexity budget already refuses an
    /// operation of more than 5000.
    pub max_selections: usize,
    /// `MAX_OPERATION_NAME_CHARS` (default 100, at least 1): the longest operation name, in the
    /// document or in `operationName`. Names are identifiers chosen by the client's programmer;
    /// they go into logs, metrics and every participant access-log row a request writes, so a
    /// long one would be copied many times.
    pub max_operation_name_chars: usize,
    /// `REQUEST_TIMEOUT_MS` (default 10000, at least 1): how long one GraphQL operation may run.
    /// Past it the work is cancelled (an open transaction rolls back) and the client gets a
    /// `TIMEOUT` error. A mutation that timed out may or may not have been committed just before:
    /// re-read before retrying (a stale `expectedVersion` then gives CONFLICT, not a double write).
    pub request_timeout: Duration,
    /// `MAX_BODY_BYTES` (default 1 MiB, at least 1): the largest JSON request body accepted, read
    /// no further. The largest real request, a full `addOutcomeRecords` batch of 1000 rows, is
    /// about 200 KB.
    pub max_body_bytes: usize,
    /// `MAX_RESPONSE_BYTES` (default 8 MiB, at least 1): the largest answer sent. A larger one
    /// is replaced by a `BAD_USER_INPUT` error that says to ask for smaller pages. Connections
    /// and the complexity limit keep honest answers far below it (a page of 100 records is
    /// about 40 KB); the largest, the echo of a full 10,000-row CSV import with every field of
    /// every record, is about 4 MB. It bounds what one request can hold in memory and send.
    pub max_response_bytes: usize,
    /// `MAX_BATCH_ROWS` (default 1000): the most outcome records one `addOutcomeRecords` call may
    /// carry. A longer batch is refused whole; send it in parts or import a CSV file.
    pub max_batch_rows: usize,
    /// `MAX_UPLOAD_BYTES` (default 5 MiB): the largest file upload (a `multipart/form-data`
    /// request, the file and its small GraphQL part together). Only one file per request.
    /// JSON requests stay bounded by `MAX_BODY_BYTES`.
    pub max_upload_bytes: usize,
    /// `MAX_CSV_ROWS` (default 10000): the most data rows (lines after the header) one
    /// `importOutcomeRecordsCsv` file may hold.
    pub max_csv_rows: usize,
    /// `MAX_CONCURRENT_IMPORTS` (default 2, at least 1): how many CSV imports run at once. Each
    /// holds its file's records and a write transaction; more at once only queue for the
    /// database (and on SQLite for its one writer) while holding memory.
    pub max_concurrent_imports: usize,
    /// `IMPORT_WAIT_MS` (default 2000): how long an import waits for a free slot before the
    /// caller gets `BUSY` (HTTP 503 with `Retry-After`), rather than a slow failure.
    pub import_wait: Duration,
}

/// Statistical disclosure control (DESIGN §6.4; README "How the numbers protect children"): how
/// small a group of young people an aggregate may describe, and how much noise the cell-key
/// method adds, so nobody can pick out one child's outcomes, alone or by combining answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// `SUPPRESSION_THRESHOLD` (default 5, at least 1): an aggregate cell about fewer young
    /// people than this shows no numbers (`suppressed: true`), a mean or percentage over fewer
    /// than this is null, and fewer than this withheld from the caller's organisation are left
    /// out of a statistic rather than counted. Admins and the provider looking at its own
    /// participants see every number.
    pub suppression_threshold: u32,
    /// `CELL_KEY_MAX_NOISE` (default 2): the most the cell-key method moves a count, up or down.
    /// 2 is what the ONS used for Census 2021 tables: enough that the difference of two answers
    /// does not pin down one child, small beside the cells of 50 or more a dashboard is read
    /// from. 0 (with `CELL_KEY_MAGNITUDE_PERCENT` 0) switches perturbation off.
    pub cell_key_max_noise: u32,
    /// `CELL_KEY_MAGNITUDE_PERCENT` (default 100, at most 100): the most the cell-key method
    /// moves the sum behind a mean or percentage, as a percentage of the largest single young
    /// person's value in it (ABS magnitude perturbation). At 100, differencing two answers
    /// leaves an error of the order of one child's value, so an estimate of a whole-number
    /// value on a 1–10 scale rounds to the truth about 1 time in 20, while a mean over 50 moves
    /// by at most 2 % of the largest value.
    pub magnitude_noise_percent: u32,
}

impl Default for Disclosure {
    fn default() -> Self {
        Self {
            suppression_threshold: 5,
            cell_key_max_noise: 2,
            magnitude_noise_percent: 100,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error in {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl Config {
    /// Reads the process environment (after loading `.env` if one exists).
    pub fn from_env(dev_flag: bool) -> Result<Self, ConfigError> {
        // A missing .env is the normal case in production; a malformed one is an error.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(err) if err.not_found() => {}
            Err(err) => {
                return Err(ConfigError {
                    variable: ".env",
                    message: err.to_string(),
                });
            }
        }
        Self::from_lookup(dev_flag, |name| env::var(name).ok())
    }

    /// Builds the configuration from any variable source, so tests need not touch the process
    /// environment.
    pub fn from_lookup(
        dev_flag: bool,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let mode = match (dev_flag, var("APP_ENV").as_deref()) {
            (true, _) | (false, Some("development")) => Mode::Development,
            (false, None | Some("production")) => Mode::Production,
            (false, Some(other)) => {
                return Err(ConfigError {
                    variable: "APP_ENV",
                    message: format!("`{other}` is not `production` or `development`"),
                });
            }
        };

        let algorithm = match var("JWT_ALGORITHM").as_deref().map(str::trim) {
            None | Some("HS256") => Algorithm::HS256,
            Some("RS256") => Algorithm::RS256,
            Some("ES256") => Algorithm::ES256,
            Some(other) => {
                return Err(ConfigError {
                    variable: "JWT_ALGORITHM",
                    message: format!("`{other}` is not HS256, RS256 or ES256"),
                });
            }
        };
        let keys = token_keys(
            mode,
            algorithm,
            var("JWT_SECRET"),
            var("JWT_PUBLIC_KEY_FILE"),
        )?;

        let leeway_seconds = parse_or("JWT_LEEWAY_SECONDS", var("JWT_LEEWAY_SECONDS"), 30u64)?;
        if leeway_seconds > 300 {
            return Err(ConfigError {
                variable: "JWT_LEEWAY_SECONDS",
                message: "must be at most 300 seconds".into(),
            });
        }

        let max_ttl = var("JWT_MAX_TTL")
            .map(|value| {
                parse_duration(&value).map_err(|message| ConfigError {
                    variable: "JWT_MAX_TTL",
                    message,
                })
            })
            .transpose()?
            .unwrap_or(DEFAULT_MAX_TTL);

        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    variable: "LOG_FORMAT",
                    message: format!("`{other}` is not `text` or `json`"),
                });
            }
        };

        let request_timeout_ms: u64 =
            at_least_one("REQUEST_TIMEOUT_MS", var("REQUEST_TIMEOUT_MS"), 10_000)?;

        Ok(Config {
            mode,
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://outcomes.db?mode=rwc".into()),
            database_read_url: var("DATABASE_READ_URL"),
            database_max_connections: var("DATABASE_MAX_CONNECTIONS")
                .map(|value| parse("DATABASE_MAX_CONNECTIONS", &value))
                .transpose()?,
            bind_addr: parse_or(
                "BIND_ADDR",
                var("BIND_ADDR"),
                SocketAddr::from(([127, 0, 0, 1], 8080)),
            )?,
            jwt: JwtConfig {
                keys,
                issuer: var("JWT_ISSUER"),
                audience: var("JWT_AUDIENCE"),
                leeway_seconds,
                max_ttl,
            },
            graphiql: parse_or("GRAPHIQL", var("GRAPHIQL"), mode == Mode::Development)?,
            introspection: parse_or("INTROSPECTION", var("INTROSPECTION"), true)?,
            limits: Limits {
                max_depth: at_least_one("MAX_QUERY_DEPTH", var("MAX_QUERY_DEPTH"), 12)?,
                max_complexity: at_least_one(
                    "MAX_QUERY_COMPLEXITY",
                    var("MAX_QUERY_COMPLEXITY"),
                    5000,
                )?,
                max_aliases: parse_or("MAX_ALIASES", var("MAX_ALIASES"), 30)?,
                max_selections: at_least_one("MAX_SELECTIONS", var("MAX_SELECTIONS"), 10_000)?,
                max_operation_name_chars: at_least_one(
                    "MAX_OPERATION_NAME_CHARS",
                    var("MAX_OPERATION_NAME_CHARS"),
                    100,
                )?,
                request_timeout: Duration::from_millis(request_timeout_ms),
                max_body_bytes: at_least_one("MAX_BODY_BYTES", var("MAX_BODY_BYTES"), 1 << 20)?,
                max_response_bytes: at_least_one(
                    "MAX_RESPONSE_BYTES",
                    var("MAX_RESPONSE_BYTES"),
                    8 << 20,
                )?,
                max_batch_rows: at_least_one("MAX_BATCH_ROWS", var("MAX_BATCH_ROWS"), 1000)?,
                max_upload_bytes: at_least_one(
                    "MAX_UPLOAD_BYTES",
                    var("MAX_UPLOAD_BYTES"),
                    5 << 20,
                )?,
                max_csv_rows: at_least_one("MAX_CSV_ROWS", var("MAX_CSV_ROWS"), 10_000)?,
                max_concurrent_imports: at_least_one(
                    "MAX_CONCURRENT_IMPORTS",
                    var("MAX_CONCURRENT_IMPORTS"),
                    2,
                )?,
                import_wait: Duration::from_millis(parse_or(
                    "IMPORT_WAIT_MS",
                    var("IMPORT_WAIT_MS"),
                    2000,
                )?),
            },
            disclosure: Disclosure {
                suppression_threshold: at_least_one(
                    "SUPPRESSION_THRESHOLD",
                    var("SUPPRESSION_THRESHOLD"),
                    Disclosure::default().suppression_threshold,
                )?,
                // Beyond 10 the 256 cell keys no longer spread over the noises.
                cell_key_max_noise: at_most(
                    "CELL_KEY_MAX_NOISE",
                    var("CELL_KEY_MAX_NOISE"),
                    Disclosure::default().cell_key_max_noise,
                    10,
                )?,
                magnitude_noise_percent: at_most(
                    "CELL_KEY_MAGNITUDE_PERCENT",
                    var("CELL_KEY_MAGNITUDE_PERCENT"),
                    Disclosure::default().magnitude_noise_percent,
                    100,
                )?,
            },
            log_format,
            cors_origins: var("CORS_ORIGINS")
                .map(|origins| cors_origins(&origins))
                .transpose()?
                .unwrap_or_default(),
            metrics: match var("METRICS_TOKEN").map(metrics_token).transpose()? {
                Some(token) => MetricsAccess::Token(token),
                None if parse_or("METRICS_PUBLIC", var("METRICS_PUBLIC"), false)? => {
                    MetricsAccess::Public
                }
                None if mode == Mode::Development => MetricsAccess::Public,
                None => MetricsAccess::Closed,
            },
            clock: var("CLOCK_TODAY")
                .map(|value| clock_today(&value))
                .transpose()?
                .unwrap_or_default(),
            iati: iati_publisher(
                var("IATI_REPORTING_ORG_REF"),
                var("IATI_REPORTING_ORG_NAME"),
                var("IATI_REPORTING_ORG_TYPE"),
            )?,
            sockets: SocketLimits {
                max_per_user: at_least_one(
                    "WS_MAX_SOCKETS_PER_USER",
                    var("WS_MAX_SOCKETS_PER_USER"),
                    8,
                )?,
                max_subscriptions: at_least_one(
                    "WS_MAX_SUBSCRIPTIONS_PER_SOCKET",
                    var("WS_MAX_SUBSCRIPTIONS_PER_SOCKET"),
                    20,
                )?,
                idle_timeout: Duration::from_secs(at_least(
                    "WS_IDLE_TIMEOUT_SECONDS",
                    var("WS_IDLE_TIMEOUT_SECONDS"),
                    60,
                    3,
                )?),
                max_message_bytes: at_least_one(
                    "WS_MAX_MESSAGE_BYTES",
                    var("WS_MAX_MESSAGE_BYTES"),
                    64 << 10,
                )?,
            },
        })
    }

    /// Whether the well-known development secret is in use (worth a warning at start-up).
    pub fn uses_development_secret(&self) -> bool {
        matches!(&self.jwt.keys, TokenKeys::Secret(secret) if secret == DEVELOPMENT_JWT_SECRET.as_bytes())
    }
}

/// `CLOCK_TODAY`: a date the API could also accept, since it prints "today" (`asOf`).
fn clock_today(value: &str) -> Result<Clock, ConfigError> {
    let today = parse::<NaiveDate>("CLOCK_TODAY", value)?;
    if !validation::date_in_range(today) {
        return Err(ConfigError {
            variable: "CLOCK_TODAY",
            message: format!(
                "`{value}` is outside the dates the API accepts, {}",
                validation::date_range()
            ),
        });
    }
    Ok(Clock::starting_on(today))
}

/// The default of `JWT_MAX_TTL`: a working day.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses `30m`, `1h`, `7d` or plain seconds (`JWT_MAX_TTL`, the CLI's `--ttl`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let not_a_duration = || format!("`{text}` is not a duration like 30m, 1h or 7d");
    let number: u64 = number.parse().map_err(|_| not_a_duration())?;
    let unit_seconds: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(not_a_duration()),
    };
    let seconds = number
        .checked_mul(unit_seconds)
        .ok_or_else(|| format!("`{text}` is longer than any token could live"))?;
    if seconds == 0 {
        return Err("a token must live longer than zero seconds".into());
    }
    Ok(Duration::from_secs(seconds))
}

/// A duration as an operator writes it: `24h`, `90m`, `7d`, `45s`.
pub fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => "0s".into(),
        s if s % 86_400 == 0 && s > 86_400 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Parses `CORS_ORIGINS`. Each entry must be an origin exactly as browsers send it in the
/// `Origin` header, since matching is by exact comparison: `https://a.example/` would never match.
fn cors_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    let error = |message: String| ConfigError {
        variable: "CORS_ORIGINS",
        message,
    };
    list.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            if origin == "*" {
                return Err(error(
                    "a wildcard is not allowed: list each origin that may call the API, \
                     e.g. https://dashboard.example.org"
                        .into(),
                ));
            }
            let uri: Uri = origin.parse().map_err(|_| {
                error(format!(
                    "`{origin}` is not an origin like https://host:port"
                ))
            })?;
            let exact = match (uri.scheme_str(), uri.authority()) {
                (Some(scheme @ ("http" | "https")), Some(authority))
                    if !authority.as_str().contains('@') =>
                {
                    format!("{scheme}://{authority}")
                }
                _ => String::new(),
            };
            if exact != origin {
                return Err(error(format!(
                    "`{origin}` is not an origin: write the scheme, host and port only, as \
                     browsers send it (https://host or https://host:port, no path, no trailing \
                     slash)"
                )));
            }
            Ok(exact)
        })
        .collect()
}

fn metrics_token(token: String) -> Result<Secret, ConfigError> {
    if token.len() < 32 {
        return Err(ConfigError {
            variable: "METRICS_TOKEN",
            message: "must be at least 32 characters; generate one with `openssl rand -hex 32`"
                .into(),
        });
    }
    Ok(Secret(token))
}

/// Pairs the algorithm with its key source, refusing any combination that would leave an operator
/// guessing which key is in force.
fn token_keys(
    mode: Mode,
    algorithm: Algorithm,
    secret: Option<String>,
    key_files: Option<String>,
) -> Result<TokenKeys, ConfigError> {
    match (algorithm, secret, key_files) {
        (_, Some(_), Some(_)) => Err(ConfigError {
            variable: "JWT_SECRET",
            message: "cannot be combined with JWT_PUBLIC_KEY_FILE: set JWT_SECRET for HS256 \
                      tokens this service mints, or JWT_ALGORITHM (RS256 or ES256) and \
                      JWT_PUBLIC_KEY_FILE for tokens from an identity provider"
                .into(),
        }),
        (Algorithm::HS256, None, Some(_)) => Err(ConfigError {
            variable: "JWT_PUBLIC_KEY_FILE",
            message: "is only used with JWT_ALGORITHM=RS256 or ES256; set JWT_ALGORITHM to the \
                      algorithm your identity provider signs with"
                .into(),
        }),
        (Algorithm::HS256, Some(secret), None) if secret.len() >= 32 => {
            Ok(TokenKeys::Secret(secret.into_bytes()))
        }
        (Algorithm::HS256, Some(_), None) => Err(ConfigError {
            variable: "JWT_SECRET",
            message: "must be at least 32 bytes; generate one with `openssl rand -hex 32`".into(),
        }),
        (Algorithm::HS256, None, None) => match mode {
            Mode::Development => Ok(TokenKeys::Secret(
                DEVELOPMENT_JWT_SECRET.as_bytes().to_vec(),
            )),
            Mode::Production => Err(ConfigError {
                variable: "JWT_SECRET",
                message: "is required in production (at least 32 bytes; generate one with \
                          `openssl rand -hex 32`), or run with --dev to try the service locally"
                    .into(),
            }),
        },
        (algorithm, Some(_), None) => Err(ConfigError {
            variable: "JWT_SECRET",
            message: format!(
                "is only used with JWT_ALGORITHM=HS256; with {algorithm:?}, set \
                 JWT_PUBLIC_KEY_FILE to your identity provider's public key file(s) instead"
            ),
        }),
        (algorithm, None, None) => Err(ConfigError {
            variable: "JWT_PUBLIC_KEY_FILE",
            message: format!(
                "is required when JWT_ALGORITHM is {algorithm:?}: your identity provider's PEM \
                 public key file(s), separated by commas"
            ),
        }),
        (algorithm, None, Some(files)) => load_public_keys(algorithm, &files),
    }
}

/// Reads every file `JWT_PUBLIC_KEY_FILE` lists; each key's id is its file name without the
/// extension.
fn load_public_keys(algorithm: Algorithm, files: &str) -> Result<TokenKeys, ConfigError> {
    let error = |message: String| ConfigError {
        variable: "JWT_PUBLIC_KEY_FILE",
        message,
    };
    let mut keys: Vec<PublicKey> = Vec::new();
    for path in files
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
    {
        let kid = Path::new(path)
            .file_stem()
            .and_then(OsStr::to_str)
            .filter(|kid| !kid.is_empty())
            .ok_or_else(|| error(format!("`{path}` has no file name to use as the key id")))?;
        if keys.iter().any(|key| key.kid == kid) {
            return Err(error(format!(
                "two files have the key id `{kid}` (a key's id is its file name without the \
                 extension); give each key its own name"
            )));
        }
        let pem = fs::read_to_string(path)
            .map_err(|err| error(format!("cannot read `{path}`: {err}")))?;
        let key =
            parse_public_key(algorithm, &pem).map_err(|why| error(format!("`{path}` {why}")))?;
        keys.push(PublicKey {
            kid: kid.to_owned(),
            key,
        });
    }
    if keys.is_empty() {
        return Err(error("lists no file".into()));
    }
    Ok(TokenKeys::PublicKeys { algorithm, keys })
}

/// Parses one PEM public key for `algorithm`, or says what is wrong with it. Everything is checked
/// here so that a wrong file stops start-up instead of refusing every token later.
fn parse_public_key(algorithm: Algorithm, pem: &str) -> Result<DecodingKey, String> {
    if pem.contains("PRIVATE KEY-----") {
        return Err(
            "holds a private key: configure the public key (`openssl pkey -in FILE \
                    -pubout`), and keep private keys off this server"
                .into(),
        );
    }
    if pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(
            "is a certificate: configure its public key (`openssl x509 -in FILE -pubkey \
                    -noout`)"
                .into(),
        );
    }
    // The PEM parser reads the first block only; a second key would be silently ignored.
    if pem.matches("-----BEGIN ").count() != 1 {
        return Err("must hold exactly one PEM block; put each key in its own file".into());
    }
    match algorithm {
        Algorithm::RS256 => {
            let not_rsa = || "is not an RSA public key in PEM format, as RS256 needs".to_owned();
            let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| not_rsa())?;
            let Ok(Jwk {
                algorithm: AlgorithmParameters::RSA(rsa),
                ..
            }) = Jwk::from_decoding_key(&key, Some(algorithm))
            else {
                return Err(not_rsa());
            };
            // `n` is base64url without padding: three bytes for every four characters.
            if rsa.n.len() * 3 / 4 < 256 {
                return Err("is an RSA key shorter than 2048 bits, too weak for RS256".into());
            }
            Ok(key)
        }
        Algorithm::ES256 => {
            let not_p256 =
                || "is not a P-256 EC public key in PEM format, as ES256 needs".to_owned();
            let key = DecodingKey::from_ec_pem(pem.as_bytes()).map_err(|_| not_p256())?;
            let Ok(Jwk {
                algorithm: AlgorithmParameters::EllipticCurve(ec),
                ..
            }) = Jwk::from_decoding_key(&key, Some(algorithm))
            else {
                return Err(not_p256());
            };
            if ec.curve != EllipticCurve::P256 {
                return Err(format!(
                    "is a {:?} key, but ES256 needs a P-256 key",
                    ec.curve
                ));
            }
            // Building a verifier checks that the point lies on the curve; the empty signature
            // then simply fails to verify.
            if jsonwebtoken::crypto::verify("", b"", &key, algorithm).is_err() {
                return Err(not_p256());
            }
            Ok(key)
        }
        other => Err(format!("cannot be used with {other:?}")),
    }
}

fn parse<T: FromStr>(variable: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|err: T::Err| ConfigError {
        variable,
        message: format!("`{value}` is not valid: {err}"),
    })
}

fn parse_or<T: FromStr>(
    variable: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.map_or(Ok(default), |value| parse(variable, &value))
}

/// A setting with an upper bound.
fn at_most(
    variable: &'static str,
    value: Option<String>,
    default: u32,
    most: u32,
) -> Result<u32, ConfigError> {
    let parsed = parse_or(variable, value, default)?;
    if parsed > most {
        return Err(ConfigError {
            variable,
            message: format!("must be at most {most}"),
        });
    }
    Ok(parsed)
}

/// A count or size that must be positive: zero would refuse every request of its kind.
fn at_least_one<T>(
    variable: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + From<u8> + std::fmt::Display,
    T::Err: std::fmt::Display,
{
    at_least(variable, value, default, T::from(1))
}

/// A number that must be at least `least`.
fn at_least<T>(
    variable: &'static str,
    value: Option<String>,
    default: T,
    least: T,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + std::fmt::Display,
    T::Err: std::fmt::Display,
{
    let parsed = parse_or(variable, value, default)?;
    if parsed < least {
        return Err(ConfigError {
            variable,
            message: format!("must be at least {least}"),
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dev: bool, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(dev, |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn production_without_a_secret_is_a_startup_error_naming_the_variable() {
        let err = config(false, &[]).unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
    }

    #[test]
    fn a_short_secret_is_refused_even_in_development() {
        let err = config(true, &[("JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
    }

    #[test]
    fn development_mode_falls_back_to_the_public_secret_and_says_so() {
        let config = config(true, &[]).unwrap();
        assert!(config.uses_development_secret());
        assert!(config.graphiql);
    }

    /// A committed test-only key under `tests/keys/`.
    fn key(name: &str) -> String {
        format!("{}/../tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn key_error(algorithm: &str, files: &str) -> ConfigError {
        config(
            false,
            &[("JWT_ALGORITHM", algorithm), ("JWT_PUBLIC_KEY_FILE", files)],
        )
        .unwrap_err()
    }

    #[test]
    fn provider_keys_are_named_by_their_file_stem() {
        let files = format!("{}, {}", key("rsa-current.pem"), key("rsa-next.pem"));
        let config = config(
            false,
            &[("JWT_ALGORITHM", "RS256"), ("JWT_PUBLIC_KEY_FILE", &files)],
        )
        .unwrap();
        let TokenKeys::PublicKeys { algorithm, keys } = &config.jwt.keys else {
            panic!("expected public keys, got {:?}", config.jwt.keys);
        };
        assert_eq!(*algorithm, Algorithm::RS256);
        let kids: Vec<&str> = keys.iter().map(|key| key.kid.as_str()).collect();
        assert_eq!(kids, ["rsa-current", "rsa-next"]);
        assert!(!config.uses_development_secret());
    }

    #[test]
    fn es256_reads_p256_keys() {
        let config = config(
            false,
            &[
                ("JWT_ALGORITHM", "ES256"),
                ("JWT_PUBLIC_KEY_FILE", &key("ec-current.pem")),
            ],
        )
        .unwrap();
        assert_eq!(config.jwt.keys.algorithm(), Algorithm::ES256);
    }

    #[test]
    fn an_unknown_algorithm_names_its_variable() {
        for algorithm in ["none", "HS512", "rs256", "PS256"] {
            let err = config(true, &[("JWT_ALGORITHM", algorithm)]).unwrap_err();
            assert_eq!(err.variable, "JWT_ALGORITHM", "{algorithm}");
        }
    }

    #[test]
    fn secret_and_key_file_together_are_refused() {
        for algorithm in ["HS256", "RS256"] {
            let err = config(
                true,
                &[
                    ("JWT_ALGORITHM", algorithm),
                    ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                    ("JWT_PUBLIC_KEY_FILE", &key("rsa-current.pem")),
                ],
            )
            .unwrap_err();
            assert_eq!(err.variable, "JWT_SECRET");
            assert!(err.message.contains("JWT_PUBLIC_KEY_FILE"), "{err}");
        }
    }

    #[test]
    fn each_algorithm_needs_its_own_kind_of_key() {
        // Not even development mode falls back to a secret for an identity provider's tokens.
        let err = config(true, &[("JWT_ALGORITHM", "RS256")]).unwrap_err();
        assert_eq!(err.variable, "JWT_PUBLIC_KEY_FILE");
        let err = config(
            false,
            &[
                ("JWT_ALGORITHM", "ES256"),
                ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ],
        )
        .unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
        let err = config(false, &[("JWT_PUBLIC_KEY_FILE", &key("rsa-current.pem"))]).unwrap_err();
        assert_eq!(err.variable, "JWT_PUBLIC_KEY_FILE");
        assert!(err.message.contains("JWT_ALGORITHM"), "{err}");
    }

    #[test]
    fn a_key_file_that_is_not_the_algorithms_public_key_is_refused() {
        let cases = [
            ("RS256", key("ec-current.pem"), "not an RSA public key"),
            ("ES256", key("rsa-current.pem"), "not a P-256 EC public key"),
            ("ES256", key("ec-p384.pem"), "needs a P-256 key"),
            ("RS256", key("rsa-1024.pem"), "shorter than 2048 bits"),
            ("RS256", key("rsa-current.key"), "private key"),
            ("ES256", key("ec-current.key"), "private key"),
            ("RS256", key("README.md"), "exactly one PEM block"),
            ("RS256", key("missing.pem"), "cannot read"),
            ("RS256", format!("{},", key("rsa-current.pem")), ""),
        ];
        for (algorithm, files, why) in cases {
            if why.is_empty() {
                // A trailing comma is harmless.
                assert!(
                    config(
                        false,
                        &[
                            ("JWT_ALGORITHM", algorithm),
                            ("JWT_PUBLIC_KEY_FILE", &files)
                        ]
                    )
                    .is_ok()
                );
                continue;
            }
            let err = key_error(algorithm, &files);
            assert_eq!(err.variable, "JWT_PUBLIC_KEY_FILE", "{files}");
            assert!(err.message.contains(why), "{files}: {err}");
        }
    }

    #[test]
    fn two_keys_with_the_same_id_are_refused() {
        let same = format!(
            "{},{}/../keys/rsa-current.pem",
            key("rsa-current.pem"),
            key("")
        );
        let err = key_error("RS256", &same);
        assert!(err.message.contains("key id `rsa-current`"), "{err}");
        assert_eq!(key_error("RS256", " , ").variable, "JWT_PUBLIC_KEY_FILE");
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let config = config(true, &[]).unwrap();
        assert!(!format!("{config:?}").contains(DEVELOPMENT_JWT_SECRET));
    }

    #[test]
    fn evidence_limits_and_the_suppression_threshold_have_defaults_and_must_be_positive() {
        let defaults = config(true, &[]).unwrap();
        assert_eq!(defaults.limits.max_batch_rows, 1000);
        assert_eq!(defaults.limits.max_upload_bytes, 5 << 20);
        assert_eq!(defaults.limits.max_csv_rows, 10_000);
        assert_eq!(defaults.disclosure.suppression_threshold, 5);
        for variable in [
            "MAX_BATCH_ROWS",
            "MAX_UPLOAD_BYTES",
            "MAX_CSV_ROWS",
            "SUPPRESSION_THRESHOLD",
        ] {
            for value in ["0", "-3", "many"] {
                let err = config(true, &[(variable, value)]).unwrap_err();
                assert_eq!(err.variable, variable, "{variable}={value}");
            }
        }
        let stricter = config(true, &[("SUPPRESSION_THRESHOLD", "10")]).unwrap();
        assert_eq!(stricter.disclosure.suppression_threshold, 10);
    }

    #[test]
    fn cell_key_noise_has_defaults_and_bounds() {
        let defaults = config(true, &[]).unwrap().disclosure;
        assert_eq!(
            (
                defaults.cell_key_max_noise,
                defaults.magnitude_noise_percent
            ),
            (2, 100)
        );
        for (variable, value) in [
            ("CELL_KEY_MAX_NOISE", "11"),
            ("CELL_KEY_MAX_NOISE", "-1"),
            ("CELL_KEY_MAGNITUDE_PERCENT", "101"),
            ("CELL_KEY_MAGNITUDE_PERCENT", "half"),
        ] {
            let err = config(true, &[(variable, value)]).unwrap_err();
            assert_eq!(err.variable, variable, "{variable}={value}");
        }
        let off = config(
            true,
            &[
                ("CELL_KEY_MAX_NOISE", "0"),
                ("CELL_KEY_MAGNITUDE_PERCENT", "0"),
            ],
        )
        .unwrap()
        .disclosure;
        assert_eq!(
            (off.cell_key_max_noise, off.magnitude_noise_percent),
            (0, 0)
        );
    }

    #[test]
    fn request_limits_have_defaults_and_most_must_be_positive() {
        let defaults = config(true, &[]).unwrap();
        assert_eq!(defaults.limits.max_aliases, 30);
        assert_eq!(defaults.limits.max_selections, 10_000);
        assert_eq!(defaults.limits.max_operation_name_chars, 100);
        assert_eq!(defaults.limits.max_response_bytes, 8 << 20);
        assert_eq!(defaults.limits.request_timeout, Duration::from_secs(10));
        let custom = config(true, &[("MAX_ALIASES", "0"), ("REQUEST_TIMEOUT_MS", "250")]).unwrap();
        assert_eq!(custom.limits.max_aliases, 0, "0 forbids aliases altogether");
        assert_eq!(custom.limits.request_timeout, Duration::from_millis(250));
        for variable in [
            "REQUEST_TIMEOUT_MS",
            "MAX_QUERY_DEPTH",
            "MAX_QUERY_COMPLEXITY",
            "MAX_BODY_BYTES",
            "MAX_RESPONSE_BYTES",
            "MAX_SELECTIONS",
            "MAX_OPERATION_NAME_CHARS",
        ] {
            for value in ["0", "-1", "10s"] {
                let err = config(true, &[(variable, value)]).unwrap_err();
                assert_eq!(err.variable, variable, "{variable}={value}");
            }
        }
    }

    #[test]
    fn socket_limits_have_defaults_and_bounds() {
        let defaults = config(true, &[]).unwrap().sockets;
        assert_eq!(
            defaults,
            SocketLimits {
                max_per_user: 8,
                max_subscriptions: 20,
                idle_timeout: Duration::from_secs(60),
                max_message_bytes: 64 << 10,
            }
        );
        let custom = config(true, &[("WS_IDLE_TIMEOUT_SECONDS", "3")]).unwrap();
        assert_eq!(custom.sockets.idle_timeout, Duration::from_secs(3));
        let err = config(true, &[("WS_IDLE_TIMEOUT_SECONDS", "2")]).unwrap_err();
        assert_eq!(err.message, "must be at least 3");
        for variable in [
            "WS_MAX_SOCKETS_PER_USER",
            "WS_MAX_SUBSCRIPTIONS_PER_SOCKET",
            "WS_MAX_MESSAGE_BYTES",
        ] {
            let err = config(true, &[(variable, "0")]).unwrap_err();
            assert_eq!(err.variable, variable);
        }
    }

    #[test]
    fn cors_origins_are_exact_origins() {
        assert!(config(true, &[]).unwrap().cors_origins.is_empty());
        let listed = config(
            true,
            &[(
                "CORS_ORIGINS",
                "https://dashboard.example.org, http://localhost:5173,",
            )],
        )
        .unwrap();
        assert_eq!(
            listed.cors_origins,
            ["https://dashboard.example.org", "http://localhost:5173"]
        );
        for (value, why) in [
            ("*", "wildcard"),
            ("https://dashboard.example.org/", "no trailing slash"),
            ("https://example.org/app", "no path"),
            ("dashboard.example.org", "scheme"),
            ("ftp://example.org", "scheme"),
            ("https://user@example.org", "scheme, host and port only"),
        ] {
            let err = config(true, &[("CORS_ORIGINS", value)]).unwrap_err();
            assert_eq!(err.variable, "CORS_ORIGINS", "{value}");
            assert!(err.message.contains(why), "{value}: {err}");
        }
    }

    #[test]
    fn the_iati_publisher_follows_iatis_identifier_rules() {
        assert_eq!(config(true, &[]).unwrap().iati, None);
        let named = [
            ("IATI_REPORTING_ORG_REF", "GB-SC-SC012345"),
            ("IATI_REPORTING_ORG_NAME", "Glenmuir Council"),
        ];
        assert_eq!(
            config(true, &named).unwrap().iati,
            Some(IatiPublisher {
                reference: "GB-SC-SC012345".into(),
                name: "Glenmuir Council".into(),
                kind: "11".into(),
            })
        );
        for (vars, variable) in [
            (
                &[("IATI_REPORTING_ORG_REF", "GB-SC-SC012345")][..],
                "IATI_REPORTING_ORG_NAME",
            ),
            (
                &[named[1], ("IATI_REPORTING_ORG_REF", "GB SC 1")][..],
                "IATI_REPORTING_ORG_REF",
            ),
            (
                &[named[1], ("IATI_REPORTING_ORG_REF", "GB-SC/1")][..],
                "IATI_REPORTING_ORG_REF",
            ),
            (
                &[named[0], named[1], ("IATI_REPORTING_ORG_TYPE", "12")][..],
                "IATI_REPORTING_ORG_TYPE",
            ),
        ] {
            assert_eq!(config(true, vars).unwrap_err().variable, variable);
        }
    }

    #[test]
    fn the_metrics_token_is_long_and_never_printed() {
        let token = "0123456789abcdef0123456789abcdef";
        let config_with_token = config(true, &[("METRICS_TOKEN", token)]).unwrap();
        let MetricsAccess::Token(secret) = &config_with_token.metrics else {
            panic!("a token was configured");
        };
        assert!(secret.matches(token));
        assert!(!secret.matches("0123456789abcdef0123456789abcdeX"));
        assert!(!secret.matches("0123"));
        assert!(!format!("{config_with_token:?}").contains(token));
        let err = config(true, &[("METRICS_TOKEN", "short")]).unwrap_err();
        assert_eq!(err.variable, "METRICS_TOKEN");
    }

    #[test]
    fn the_longest_token_life_has_a_default_and_a_duration_syntax() {
        assert_eq!(config(true, &[]).unwrap().jwt.max_ttl, DEFAULT_MAX_TTL);
        let hour = config(true, &[("JWT_MAX_TTL", "1h")]).unwrap();
        assert_eq!(hour.jwt.max_ttl, Duration::from_secs(3600));
        for value in [
            "0",
            "forever",
            "5y",
            "99999999999999999999d",
            "213503982334602d",
        ] {
            let err = config(true, &[("JWT_MAX_TTL", value)]).unwrap_err();
            assert_eq!(err.variable, "JWT_MAX_TTL", "{value}");
        }
        assert_eq!(describe_duration(DEFAULT_MAX_TTL), "24h");
        assert_eq!(describe_duration(Duration::from_secs(90)), "90s");
        assert_eq!(
            describe_duration(Duration::from_secs(36500 * 86_400)),
            "36500d"
        );
    }

    #[test]
    fn the_clocks_today_is_a_date_the_api_accepts() {
        assert!(config(true, &[("CLOCK_TODAY", "2026-11-30")]).is_ok());
        for value in ["1899-12-31", "2200-01-01", "someday"] {
            let err = config(true, &[("CLOCK_TODAY", value)]).unwrap_err();
            assert_eq!(err.variable, "CLOCK_TODAY", "{value}");
        }
    }

    #[test]
    fn malformed_numbers_name_their_variable() {
        let err = config(true, &[("MAX_QUERY_DEPTH", "deep")]).unwrap_err();
        assert_eq!(err.variable, "MAX_QUERY_DEPTH");
    }
}
