//! Black-box tests of the API: each drives a freshly started service over HTTP, as a client
//! would, on SQLite and (when `TEST_POSTGRES_URL` is set) PostgreSQL. One binary, so the
//! stack links once.

mod support;

mod agreements;
mod analytics;
mod analytics_behaviours;
mod analytics_properties;
mod architecture;
mod audit_events;
mod closed_doors;
mod csv_import;
mod dashboard;
mod disclosure;
mod evidence_story;
mod examples;
mod exports;
mod http_contract;
mod identity;
mod interventions;
mod limits;
mod members;
mod observability;
mod organisations;
mod outcome_records;
mod participant_access;
mod partnerships;
mod permission_matrix;
mod read_model;
mod read_replica;
mod reference_data;
mod reviews;
mod scenarios;
mod schema;
mod seed;
mod statement_counts;
mod stories;
mod submissions;
mod subscriptions;
mod targets;
mod users;
