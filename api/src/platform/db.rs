//! Database connections and write transactions, the same for SQLite and PostgreSQL.
//!
//! SQLite needs care to behave like a server database under concurrent requests: WAL so readers
//! never wait for the writer, a busy timeout so a second writer queues instead of failing,
//! foreign keys on (SQLite ignores them otherwise), and `BEGIN IMMEDIATE` for write transactions
//! so two writers cannot both read and then deadlock on upgrade.

use std::{collections::HashMap, time::Duration};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectOptions, ConnectionTrait, DatabaseConnection,
    DatabaseConnectionType, DatabaseTransaction, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Select, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use uuid::Uuid;

use crate::platform::{
    error::{ApiError, ApiResult, UniqueField},
    metrics::PoolUsage,
};

/// Opens a pool for `url`; `max_connections` overrides the per-backend default.
pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, |_| {}).await
}

/// Like [`connect`], with a hook that sees the connection before it is shared (sea-orm's metric
/// callback must be installed before the handle is cloned; tests count statements this way).
pub async fn connect_with(
    url: &str,
    max_connections: Option<u32>,
    before_share: impl FnOnce(&mut DatabaseConnection),
) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections.unwrap_or(if is_sqlite { 4 } else { 10 }))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = sea_orm::Database::connect(options).await?;
    before_share(&mut db);
    Ok(db)
}

/// How busy the connection pool is, for `/metrics`; `None` for a connection that is not a pool.
pub fn pool_usage(db: &DatabaseConnection) -> Option<PoolUsage> {
    // Matching first, because the pool getters panic on the other backend.
    let (open, idle, max) = match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => return None,
    };
    Some(PoolUsage {
        open,
        idle: u32::try_from(idle).unwrap_or(u32::MAX),
        max,
    })
}

/// Starts a transaction for a write: `BEGIN IMMEDIATE` on SQLite, the default elsewhere.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let sqlite_transaction_mode = (db.get_database_backend() == DbBackend::Sqlite)
        .then_some(SqliteTransactionMode::Immediate);
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode,
        ..TransactionOptions::default()
    })
    .await
}

/// Entities edited under optimistic concurrency: an `id`, a `version` bumped on every change,
/// and `updated_at`.
pub trait Versioned: EntityTrait {
    /// How the entity is named in error messages.
    const NAME: &'static str;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
}

macro_rules! versioned {
    ($($module:ident => $name:literal),* $(,)?) => {$(
        impl Versioned for entity::$module::Entity {
            const NAME: &'static str = $name;
            fn id_column() -> Self::Column { entity::$module::Column::Id }
            fn version_column() -> Self::Column { entity::$module::Column::Version }
            fn updated_at_column() -> Self::Column { entity::$module::Column::UpdatedAt }
        }
    )*};
}

versioned!(
    organisation => "organisation",
    user => "user",
    indicator => "indicator",
    partnership => "partnership",
    partnership_member => "partnership member",
    agreement => "agreement",
    target => "target",
    intervention => "intervention",
    participant => "participant",
    enrolment => "enrolment",
    evaluation_submission => "submission",
    outcome_record => "outcome record",
    story => "story",
);

/// Row `id` of `E` if the caller's row filter `visible` lets it through, and NOT_FOUND naming
/// the entity otherwise: a row the caller may not see does not exist for them (DESIGN §1.5).
pub async fn find_visible<E: Versioned>(
    conn: &impl ConnectionTrait,
    id: Uuid,
    visible: Condition,
) -> ApiResult<E::Model> {
    E::find()
        .filter(E::id_column().eq(id))
        .filter(visible)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: E::NAME })
}

/// Writes the fields set in `changes` if the row is still at `expected_version`, bumping the
/// version. The version check is part of the UPDATE itself, so of two concurrent writers exactly
/// one wins and the other gets CONFLICT. `unique` names the input field a duplicate value would
/// come from, for entities with a unique column.
pub async fn save_versioned<E: Versioned>(
    conn: &impl ConnectionTrait,
    mut changes: E::ActiveModel,
    id: Uuid,
    expected_version: i32,
    unique: Option<&UniqueField>,
) -> ApiResult<E::Model>
where
    E::Model: Sync,
{
    // No row ever reaches i32::MAX versions, so an overflowing expectation is simply stale.
    let next_version = expected_version
        .checked_add(1)
        .ok_or_else(|| ApiError::stale_version(E::NAME))?;
    changes.set(E::version_column(), next_version.into());
    changes.set(E::updated_at_column(), Utc::now().into());
    let updated = E::update_many()
        .set(changes)
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected_version))
        .exec_with_returning(conn)
        .await
        .map_err(|err| match unique {
            Some(unique) => ApiError::from_unique(err, unique),
            None => err.into(),
        })?
        .pop();
    match updated {
        Some(model) => Ok(model),
        None if E::find().filter(E::id_column().eq(id)).count(conn).await? > 0 => {
            Err(ApiError::stale_version(E::NAME))
        }
        None => Err(ApiError::NotFound { entity: E::NAME }),
    }
}

/// The rows of `query` (the caller's filter and order) whose `key_column` is one of `keys`,
/// grouped by key in query order: the body of every one-to-many loader, in one statement.
pub async fn load_grouped<E, K>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    key_column: E::Column,
    keys: &[K],
    key_of: impl Fn(&E::Model) -> K,
) -> Result<HashMap<K, Vec<E::Model>>, DbErr>
where
    E: EntityTrait,
    K: Into<sea_orm::Value> + Clone + Eq + std::hash::Hash,
{
    let rows = query
        .filter(key_column.is_in(keys.iter().cloned()))
        .all(db)
        .await?;
    let mut grouped: HashMap<K, Vec<E::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(key_of(&row)).or_default().push(row);
    }
    Ok(grouped)
}

/// Rows of `E` by id under `filter`: the body of every many-to-one loader.
pub async fn load_by_id<E>(
    db: &impl ConnectionTrait,
    id_column: E::Column,
    ids: &[Uuid],
    filter: Condition,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> Result<HashMap<Uuid, E::Model>, DbErr>
where
    E: EntityTrait,
{
    let rows = E::find()
        .filter(id_column.is_in(ids.iter().copied()))
        .filter(filter)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (id_of(&row), row)).collect())
}
