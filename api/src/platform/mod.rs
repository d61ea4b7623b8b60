//! The bottom floor: configuration, database connections, the error type every layer returns,
//! metrics, input checks and the clock. Nothing here knows about GraphQL, HTTP or the domain.

pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod metrics;
pub mod request_id;
pub mod validation;
