//! The contract stays what `schema.graphql` says, and the suite says which databases it ran on.

use crate::support::{POSTGRES_URL_VAR, postgres_url};

/// `schema.graphql` is the published contract: it must be exactly what the code serves.
/// Regenerate it with `cargo run -p api -- schema > schema.graphql`.
#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed =
        std::fs::read_to_string(path).expect("schema.graphql exists at the repository root");
    let current = api::server::schema::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -p api -- schema > schema.graphql` and review the diff"
    );
}

/// Its output is shown even on success (see .config/nextest.toml), so a run on SQLite alone
/// says so.
#[test]
fn postgres_status() {
    match postgres_url() {
        Some(_) => println!("PostgreSQL: tests ran against {POSTGRES_URL_VAR}"),
        None => println!(
            "PostgreSQL: SKIPPED (set {POSTGRES_URL_VAR} to run every test on PostgreSQL too)"
        ),
    }
}

/// `api token` (and the other commands that read users) on a database without the schema says
/// to migrate, not "internal error".
#[tokio::test]
async fn commands_on_an_unmigrated_database_say_to_migrate() {
    use migration::{Migrator, MigratorTrait};
    let db = sea_orm::Database::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    let refused = api::cli::require_migrated(&db)
        .await
        .expect_err("a database without the schema is refused");
    assert!(
        refused.to_string().contains("run `api migrate`"),
        "{refused}"
    );
    Migrator::up(&db, None).await.expect("migrations apply");
    assert!(api::cli::require_migrated(&db).await.is_ok());
}
