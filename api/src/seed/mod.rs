//! `api seed --scale N`: fills an empty database with a generated dataset for benchmarks and
//! trials. Scale 1 is national scale for Scotland: the 32 council areas, about 100 partnerships,
//! 1,000 interventions, 50,000 young people, 60,000 enrolments, 5,000 submissions in every state
//! of the review workflow and 1,000,000 outcome records. Fractions (0.01, 0.1) give smaller
//! datasets of the same shape.
//!
//! The data is invented but realistic (see [`records`] for how outcomes move), and it obeys every
//! rule the API enforces on the same data (DESIGN §3), so the service can read, aggregate and
//! extend it as if it had been entered through the API. It is deterministic: the same scale
//! always gives the same rows, ids included (the migration's own reference rows aside).
//!
//! Rows are written with multi-row INSERTs, as many rows per statement as the backend's limit on
//! bind parameters allows, in one transaction: a failed run leaves the database empty. Seeded
//! rows have no audit events: they stand for history from before the service kept its trail, and
//! a million events would double the time seeding takes.
//!
//! It never touches a database that already holds organisations, users or partnerships.
//!
//! Users have predictable e-mail addresses, so `api token --user EMAIL` can mint a token for any
//! of them: [`ADMIN_EMAIL`]; `commissioner1@`, `provider1@` or `viewer1@` followed by the
//! organisation's name in lower case with hyphens, then `.example.org` (e.g.
//! `commissioner1@fife-council.example.org`, `provider1@harbour-youth-project.example.org`).

mod names;
mod records;
pub(crate) mod rng;
mod world;

use std::{fmt, str::FromStr, time::Instant};

use entity::{
    agreement, agreement_signature, area, enrolment, evaluation_submission, indicator,
    intervention, intervention_indicator, organisation, outcome_record, participant, partnership,
    partnership_member, review_comment, story, target, user,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, Iterable, PaginatorTrait, QueryOrder,
};

use crate::{analytics::read_model, platform::db::begin_write};
use rng::Rng;
use world::{Reference, World};

/// The admin user of a seeded database.
pub const ADMIN_EMAIL: &str = "admin@outcomes-data.example.org";

/// The generator's seed: fixed, so the same scale always gives the same data.
const SEED: u64 = 0x0C70_BE12_2006_5C07;

/// How big a dataset to generate, relative to national scale for Scotland.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale(f64);

impl Scale {
    /// Ten times Scotland (ten million outcome records) is as far as anyone needs to go.
    pub const MAX: f64 = 10.0;

    pub fn new(value: f64) -> Result<Self, String> {
        if value.is_finite() && value > 0.0 && value <= Self::MAX {
            Ok(Self(value))
        } else {
            Err(format!(
                "the scale must be a number above 0 and at most {} (1 is national scale)",
                Self::MAX
            ))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// `at_scale_one` scaled and rounded, and at least `minimum`.
    fn count(self, at_scale_one: f64, minimum: usize) -> usize {
        ((at_scale_one * self.0).round() as usize).max(minimum)
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let number = value
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("`{value}` is not a number"))?;
        Self::new(number)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database is not empty: it holds {organisations} organisations, {users} users and \
         {partnerships} partnerships. `seed` only fills a new, empty database: point \
         DATABASE_URL at one"
    )]
    NotEmpty {
        organisations: u64,
        users: u64,
        partnerships: u64,
    },
    #[error("the indicator library has no {0} indicator: seed a newly migrated database")]
    MissingIndicator(&'static str),
    #[error("the database has no areas: seed a newly migrated database")]
    NoAreas,
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// How many rows a run wrote to each table, in the order it wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub tables: Vec<(&'static str, u64)>,
}

impl Summary {
    /// Rows written to `table` (0 for a table the seed does not fill).
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(0, |(_, rows)| *rows)
    }
}

/// Fills the empty, migrated database `db` with the dataset for `scale`, calling `progress` with
/// a line of text after each step. Refuses a database that holds data ([`SeedError::NotEmpty`]).
pub async fn run(
    db: &DatabaseConnection,
    scale: Scale,
    progress: &mut dyn FnMut(&str),
) -> Result<Summary, SeedError> {
    let clock = Instant::now();
    let txn = begin_write(db).await?;
    // Inside the write transaction, so two runs at once cannot both find the database empty.
    let (organisations, users, partnerships) = (
        organisation::Entity::find().count(&txn).await?,
        user::Entity::find().count(&txn).await?,
        partnership::Entity::find().count(&txn).await?,
    );
    if organisations + users + partnerships > 0 {
        return Err(SeedError::NotEmpty {
            organisations,
            users,
            partnerships,
        });
    }

    let reference = Reference {
        areas: area::Entity::find()
            .order_by_asc(area::Column::Code)
            .all(&txn)
            .await?
            .into_iter()
            .map(|area| (area.code, area.name))
            .collect(),
        indicators: indicator::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|indicator| (indicator.code.clone(), indicator))
            .collect(),
    };
    let root = Rng::new(SEED);
    let world = World::generate(scale, &reference, &root)?;
    progress(&format!(
        "seed: scale {scale}: planned {} partnerships, {} interventions, {} participants, {} \
         enrolments, {} submissions ({:.1} s)",
        world.partnerships.len(),
        world.interventions.len(),
        world.participants.len(),
        world.enrolments.len(),
        world.submissions.len(),
        clock.elapsed().as_secs_f64()
    ));

    let World {
        organisations,
        users,
        partnerships,
        members,
        agreements,
        signatures,
        targets,
        interventions,
        intervention_indicators,
        participants,
        enrolments,
        submissions,
        review_comments,
        stories,
        deliveries,
        journeys,
    } = world;
    let mut writer = Writer {
        txn,
        clock,
        progress,
        summary: Summary::default(),
    };
    // Parents before children, as the foreign keys require.
    writer.table::<organisation::Entity>(organisations).await?;
    writer.table::<user::Entity>(users).await?;
    writer.table::<partnership::Entity>(partnerships).await?;
    writer.table::<partnership_member::Entity>(members).await?;
    writer.table::<agreement::Entity>(agreements).await?;
    writer
        .table::<agreement_signature::Entity>(signatures)
        .await?;
    writer.table::<target::Entity>(targets).await?;
    writer.table::<intervention::Entity>(interventions).await?;
    writer
        .table::<intervention_indicator::Entity>(intervention_indicators)
        .await?;
    writer.table::<participant::Entity>(participants).await?;
    writer.table::<enrolment::Entity>(enrolments).await?;
    writer
        .table::<evaluation_submission::Entity>(submissions)
        .await?;
    writer
        .table::<review_comment::Entity>(review_comments)
        .await?;
    writer.table::<story::Entity>(stories).await?;

    // Outcome records stream: generated per enrolment, written a few statements at a time,
    // whole statements only until the end, so every statement has the same shape.
    let batch = rows_per_statement::<outcome_record::Entity>(writer.txn.get_database_backend());
    let records_rng = root.fork(u64::MAX);
    let mut pending: Vec<outcome_record::Model> = Vec::with_capacity(batch * 5);
    let mut written = 0;
    let mut reported = 0;
    for (index, journey) in journeys.iter().enumerate() {
        let Some(delivery) = deliveries.get(journey.delivery) else {
            continue;
        };
        records::for_journey(
            &mut records_rng.fork(index as u64),
            journey,
            delivery,
            &mut pending,
        );
        let last = index + 1 == journeys.len();
        if pending.len() >= batch * 4 || last {
            let take = if last {
                pending.len()
            } else {
                pending.len() - pending.len() % batch
            };
            written += insert::<outcome_record::Entity>(&writer.txn, pending.drain(..take)).await?;
            if written - reported >= 100_000 || last {
                reported = written;
                writer.report(&format!(
                    "outcome_records {written:>9} rows, {}/{} enrolments",
                    index + 1,
                    journeys.len()
                ));
            }
        }
    }
    writer.summary.tables.push(("outcome_records", written));
    // The records went in directly, not through acceptance: the dashboards' read model is
    // built from them here.
    let outcomes = read_model::rebuild_within(&writer.txn).await?;
    writer.summary.tables.push(("enrolment_outcomes", outcomes));

    let Writer {
        txn,
        clock,
        progress,
        summary,
    } = writer;
    txn.commit().await?;
    // Fresh statistics, so the query planner knows the tables are no longer empty. On
    // PostgreSQL also what autovacuum would do next: set hint bits and the visibility map now,
    // so the first readers do not rewrite every page and index-only scans work.
    let maintenance = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(maintenance).await?;
    progress(&format!(
        "seed: done: {} rows, committed and {maintenance} in {:.1} s",
        summary.tables.iter().map(|(_, rows)| rows).sum::<u64>(),
        clock.elapsed().as_secs_f64()
    ));
    Ok(summary)
}

/// Writes tables in the seed's transaction, counting rows and reporting progress.
struct Writer<'a> {
    txn: DatabaseTransaction,
    clock: Instant,
    progress: &'a mut dyn FnMut(&str),
    summary: Summary,
}

impl Writer<'_> {
    async fn table<E>(&mut self, models: Vec<E::Model>) -> Result<(), DbErr>
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel>,
    {
        let rows = insert::<E>(&self.txn, models).await?;
        let table = E::default().table_name();
        self.summary.tables.push((table, rows));
        self.report(&format!("{table:<24} {rows:>9} rows"));
        Ok(())
    }

    fn report(&mut self, what: &str) {
        let seconds = self.clock.elapsed().as_secs_f64();
        (self.progress)(&format!("seed: {what} ({seconds:.1} s)"));
    }
}

/// How many rows of `E` fit in one statement under the backend's limit on bind parameters
/// (PostgreSQL 65,535; SQLite 32,766 since 3.32).
fn rows_per_statement<E: EntityTrait>(backend: DbBackend) -> usize {
    let parameters = match backend {
        DbBackend::Postgres => 65_535,
        _ => 32_766,
    };
    (parameters / E::Column::iter().count()).max(1)
}

/// Writes `models` with as few multi-row INSERTs as the bind-parameter limit allows; returns
/// how many rows it wrote.
async fn insert<E>(
    conn: &impl ConnectionTrait,
    models: impl IntoIterator<Item = E::Model>,
) -> Result<u64, DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let batch = rows_per_statement::<E>(conn.get_database_backend());
    let mut models = models.into_iter().peekable();
    let mut rows = 0;
    while models.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = models
            .by_ref()
            .take(batch)
            .map(IntoActiveModel::into_active_model)
            .collect();
        rows += chunk.len() as u64;
        E::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(rows)
}
