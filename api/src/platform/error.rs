//! The errors a client can see, and the policy for the ones it must not.
//!
//! Every failure the API reports is an [`ApiError`]; each variant is one of the stable
//! `extensions.code` values of the contract (DESIGN §7), plus TIMEOUT for a request cut off by
//! `REQUEST_TIMEOUT_MS`. Anything unexpected (a database error, a bug) becomes
//! [`ApiError::Internal`]: the client sees only "internal error" and a correlation id, and the
//! cause is logged under that id. SQL text, constraint names and stack traces never reach a
//! client. async-graphql's `custom-error-conversion` feature is on, so `?` cannot turn a
//! [`DbErr`] into a client message by accident: it must pass through [`ApiError`] first.
//!
//! The correlation id is the request id (the `X-Request-Id` response header). The cause rides
//! along inside the GraphQL error, out of the client's sight, until the response is complete;
//! only then is it logged and the id set
//! ([`crate::graphql::errors::report_internal_errors`]). Logging at the point of failure could
//! not know the id: DataLoaders fail in tasks of their own, outside the request.

use std::{fmt, time::Duration};

use sea_orm::{ConnAcquireErr, DbErr, SqlErr};
use serde::Serialize;

/// One failing row of a batch, reported in `extensions.rows`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// The outcomes a client can see. Each maps to one `extensions.code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid token, or the token's user is unknown or inactive.
    #[error("authentication required: send a valid bearer token")]
    Unauthenticated,
    /// A token whose signature verified but whose lifetime breaks the rules (`JWT_MAX_TTL`, an
    /// `iat` in the future). Said precisely: only the holder of the signing key can make one.
    #[error("the bearer token was refused: {0}")]
    TokenRefused(String),
    /// The caller can see the thing but may not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or does not exist for this caller.
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// One input field is wrong; `field` is its path in the input, e.g. `input.name`.
    #[error("{message}")]
    BadUserInput { field: String, message: String },
    /// Rows of a batch are wrong; nothing was written.
    #[error("{} row(s) of the batch are invalid; nothing was written", .0.len())]
    BadUserInputRows(Vec<RowError>),
    /// A stale `expectedVersion` or a duplicate of a unique value.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// The operation is not allowed in the entity's current state.
    #[error("{0}")]
    InvalidState(String),
    /// The request ran past `REQUEST_TIMEOUT_MS` and was cancelled.
    #[error(
        "the request took longer than {} ms (REQUEST_TIMEOUT_MS) and was cancelled: ask for less \
         (smaller pages, fewer fields) or try again later",
        .0.as_millis()
    )]
    Timeout(Duration),
    /// The service is at its bound for this kind of work; nothing was done. HTTP 503 with
    /// `Retry-After`.
    #[error("the service is busy with {0}; nothing was done: try again in a few seconds")]
    Busy(&'static str),
    /// Anything unexpected. The cause is logged, never shown.
    #[error("internal error")]
    Internal(InternalCause),
}

/// The hidden cause of an internal error. Its `Debug` is for the log only.
pub struct InternalCause(Box<dyn std::error::Error + Send + Sync>);

impl fmt::Debug for InternalCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The whole chain, so the log says why and not just what.
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The input field behind a unique column, and what to tell a client who duplicated it.
pub struct UniqueField {
    pub field: &'static str,
    pub message: &'static str,
}

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(InternalCause(cause.into()))
    }

    /// The stale-version conflict every versioned update reports.
    pub fn stale_version(entity: &'static str) -> Self {
        Self::Conflict {
            field: Some("input.expectedVersion".into()),
            message: format!(
                "the {entity} was changed by someone else since you loaded it; \
                 reload it and apply your change again"
            ),
        }
    }

    /// Maps a failed write, naming `field` when it broke a unique constraint. Services call this
    /// where a duplicate is a user mistake, so the client learns which value to change.
    pub fn from_unique(err: DbErr, unique: &UniqueField) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict {
                field: Some(unique.field.to_owned()),
                message: unique.message.to_owned(),
            },
            _ => err.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::TokenRefused(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::BadUserInput { .. } | Self::BadUserInputRows(_) => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidState(_) => "INVALID_STATE",
            Self::Timeout(_) => "TIMEOUT",
            Self::Busy(_) => "BUSY",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            // Reached only where a service did not expect the duplicate (a race the service's
            // own check lost): still the client's conflict, but we cannot name the field.
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict {
                field: None,
                message: "a record with these values already exists".into(),
            },
            // Every pooled connection stayed in use past the pool's timeout: load, not a fault.
            _ if matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) => {
                Self::Busy("other requests' database work")
            }
            _ => Self::internal(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhausted_pool_is_busy_not_internal() {
        let err = ApiError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert_eq!(err.code(), "BUSY");
        let closed = ApiError::from(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
        assert_eq!(closed.code(), "INTERNAL");
    }
}
