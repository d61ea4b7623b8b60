//! Black-box tests of the API: each drives a freshly started service over HTTP, as a client
//! would, on SQLite and (when `TEST_POSTGRES_URL` is set) PostgreSQL. One binary, so the
//! stack links once.

mod support;

mod http_contract;
mod identity;
mod organisations;
mod partnerships;
mod reference_data;
mod schema;
mod users;
