//! The multi-agency outcomes API: an actix-web service exposing a GraphQL schema over the
//! partnership, evidence and outcome data of children's services (see DESIGN.md).
//!
//! `main.rs` only parses the command line; everything it runs lives here so tests can start the
//! same service in-process. The modules are floors, and imports only go down (README, Layout):
//! `server` → GraphQL faces → services → `access`, `audit` → `platform` → `entity`.

pub mod access;
pub mod analytics;
pub mod audit;
pub mod cli;
pub mod delivery;
pub mod demo;
pub mod directory;
pub mod evidence;
pub mod exports;
pub mod graphql;
pub mod partnership;
pub mod platform;
pub mod seed;
pub mod server;

pub use server::{Application, StartupError};
