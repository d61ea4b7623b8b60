//! Configuration, read once at start-up from the environment (and a `.env` file if present).
//!
//! The doc comment on each field is the operator's manual for its variable. A missing or invalid
//! value is a startup error that names the variable and says how to fix it; nothing secret ever
//! falls back silently to a default outside development mode.

use std::{env, net::SocketAddr, str::FromStr};

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
    /// `LOG_FORMAT`: `text` (default) or `json` for log shippers.
    pub log_format: LogFormat,
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// `JWT_SECRET`: the HS256 key, at least 32 bytes. Required in production.
    pub secret: Vec<u8>,
    /// `JWT_ISSUER`: when set, tokens must carry exactly this `iss`.
    pub issuer: Option<String>,
    /// `JWT_AUDIENCE`: when set, tokens must carry this `aud`.
    pub audience: Option<String>,
    /// `JWT_LEEWAY_SECONDS`: clock skew allowed on `exp`/`nbf` (default 30, at most 300).
    pub leeway_seconds: u64,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// `MAX_QUERY_DEPTH` (default 12): deep enough for partnership → intervention → submission →
    /// records with connection wrappers, shallow enough to stop cyclic abuse.
    pub max_depth: usize,
    /// `MAX_QUERY_COMPLEXITY` (default 5000): connections cost `first × child`.
    pub max_complexity: usize,
    /// `MAX_BODY_BYTES` (default 1 MiB): the largest request body accepted.
    pub max_body_bytes: usize,
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

        let secret = match (var("JWT_SECRET"), mode) {
            (Some(secret), _) if secret.len() >= 32 => secret.into_bytes(),
            (Some(_), _) => {
                return Err(ConfigError {
                    variable: "JWT_SECRET",
                    message: "must be at least 32 bytes; generate one with `openssl rand -hex 32`"
                        .into(),
                });
            }
            (None, Mode::Development) => DEVELOPMENT_JWT_SECRET.as_bytes().to_vec(),
            (None, Mode::Production) => {
                return Err(ConfigError {
                    variable: "JWT_SECRET",
                    message: "is required in production (at least 32 bytes; generate one with \
                              `openssl rand -hex 32`), or run with --dev to try the service locally"
                        .into(),
                });
            }
        };

        let leeway_seconds = parse_or("JWT_LEEWAY_SECONDS", var("JWT_LEEWAY_SECONDS"), 30u64)?;
        if leeway_seconds > 300 {
            return Err(ConfigError {
                variable: "JWT_LEEWAY_SECONDS",
                message: "must be at most 300 seconds".into(),
            });
        }

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

        Ok(Config {
            mode,
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://outcomes.db?mode=rwc".into()),
            database_max_connections: var("DATABASE_MAX_CONNECTIONS")
                .map(|value| parse("DATABASE_MAX_CONNECTIONS", &value))
                .transpose()?,
            bind_addr: parse_or(
                "BIND_ADDR",
                var("BIND_ADDR"),
                SocketAddr::from(([127, 0, 0, 1], 8080)),
            )?,
            jwt: JwtConfig {
                secret,
                issuer: var("JWT_ISSUER"),
                audience: var("JWT_AUDIENCE"),
                leeway_seconds,
            },
            graphiql: parse_or("GRAPHIQL", var("GRAPHIQL"), mode == Mode::Development)?,
            introspection: parse_or("INTROSPECTION", var("INTROSPECTION"), true)?,
            limits: Limits {
                max_depth: parse_or("MAX_QUERY_DEPTH", var("MAX_QUERY_DEPTH"), 12)?,
                max_complexity: parse_or(
                    "MAX_QUERY_COMPLEXITY",
                    var("MAX_QUERY_COMPLEXITY"),
                    5000,
                )?,
                max_body_bytes: parse_or("MAX_BODY_BYTES", var("MAX_BODY_BYTES"), 1 << 20)?,
            },
            log_format,
        })
    }

    /// Whether the well-known development secret is in use (worth a warning at start-up).
    pub fn uses_development_secret(&self) -> bool {
        self.jwt.secret == DEVELOPMENT_JWT_SECRET.as_bytes()
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

    #[test]
    fn malformed_numbers_name_their_variable() {
        let err = config(true, &[("MAX_QUERY_DEPTH", "deep")]).unwrap_err();
        assert_eq!(err.variable, "MAX_QUERY_DEPTH");
    }
}
