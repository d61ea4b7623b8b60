//! The §6.1–§6.2 arithmetic, done by the database: per enrolment and indicator the baseline and
//! latest values (a window function), then per cell the counts and means (GROUP BY). Both
//! statements run unchanged on SQLite (≥ 3.25) and PostgreSQL; no record is loaded into Rust.
//!
//! Group columns are named by [`Dimension`], whose SQL names are constants, never input.

use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement};
use uuid::Uuid;

use super::scope::Scope;
use crate::access::auth::Actor;

/// What cells can be grouped by: the §6.2 dimensions, plus the partnership and indicator that
/// target progress (§6.3) groups by internally, and the submission that a submission's summary
/// groups by (each submission's latest values are then its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Submission,
    Partnership,
    Indicator,
    Intervention,
    Provider,
    Area,
    Category,
    LookedAfter,
    AgeBand,
    Sex,
}

impl Dimension {
    /// The column of the `scoped` records that holds this dimension.
    fn column(self) -> &'static str {
        match self {
            Self::Submission => "submission_id",
            Self::Partnership => "partnership_id",
            Self::Indicator => "indicator_id",
            Self::Intervention => "intervention_id",
            Self::Provider => "provider_id",
            Self::Area => "area_code",
            Self::Category => "category",
            Self::LookedAfter => "looked_after",
            Self::AgeBand => "age_band",
            Self::Sex => "sex",
        }
    }

    fn read(self, row: &QueryResult) -> Result<Key, DbErr> {
        let column = self.column();
        Ok(match self {
            Self::Submission
            | Self::Partnership
            | Self::Indicator
            | Self::Intervention
            | Self::Provider => row
                .try_get::<Option<Uuid>>("", column)?
                .map_or(Key::Missing, Key::Id),
            Self::LookedAfter => row
                .try_get::<Option<bool>>("", column)?
                .map_or(Key::Missing, Key::Flag),
            Self::Area | Self::Category | Self::AgeBand | Self::Sex => row
                .try_get::<Option<String>>("", column)?
                .map_or(Key::Missing, Key::Text),
        })
    }
}

/// One cell's value of one dimension. `Missing` is a real group: young people whose sex was not
/// recorded, or whose birth year puts them outside every age band.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Id(Uuid),
    Text(String),
    Flag(bool),
    Number(i32),
    Missing,
}

/// A cell's numbers before disclosure control. Counts are of enrolments (the unit of analysis,
/// §6.1) unless named `records`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Enrolments with any record in scope.
    pub participants: i64,
    pub records: i64,
    /// Of `participants`, those whose rows the caller may not read (§6.4).
    pub hidden: i64,
    pub with_baseline: i64,
    pub mean_baseline: Option<f64>,
    pub with_latest: i64,
    pub mean_latest: Option<f64>,
    /// Enrolments with both a baseline and a latest value.
    pub with_change: i64,
    pub mean_change: Option<f64>,
    /// Of `with_change`, those whose change went the indicator's good way.
    pub improved: i64,
    /// Of `with_latest`, those whose latest value is 1 (meaningful for BOOLEAN indicators).
    pub achieved: i64,
}

/// One group of the result: its keys, in the order of the dimensions asked for, and numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<N> {
    pub keys: Vec<Key>,
    pub numbers: N,
}

/// A trend cell's numbers (§6.2 with a time bucket): per bucket and phase, the enrolments with a
/// record, their records, and the mean of each enrolment's mean value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrendCounts {
    pub participants: i64,
    pub records: i64,
    pub hidden: i64,
    pub mean_value: Option<f64>,
}

/// The time buckets of a trend, by `observed_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Month,
    Quarter,
    Year,
}

impl Bucket {
    /// The bucket's number within its year (1 for YEAR), from the `scoped` month.
    fn index_sql(self) -> &'static str {
        match self {
            Self::Month => "s.obs_month",
            Self::Quarter => "(s.obs_month + 2) / 3",
            Self::Year => "1",
        }
    }
}

/// `, s.a, s.b` for the dimensions, to follow other columns.
fn key_columns(prefix: &str, dimensions: &[Dimension]) -> String {
    dimensions
        .iter()
        .map(|dimension| format!(", {prefix}.{}", dimension.column()))
        .collect()
}

/// The scope's records as the `scoped` common table expression, followed by `rest`.
fn with_scoped(actor: &Actor, scope: &Scope, backend: sea_orm::DbBackend, rest: &str) -> Statement {
    let scoped = backend.build(&scope.records(actor, backend));
    let sql = format!("WITH scoped AS ({}),\n{rest}", scoped.sql);
    Statement::from_sql_and_values(backend, sql, scoped.values.map(|v| v.0).unwrap_or_default())
}

/// `GROUP BY …` / `ORDER BY …` of the cell keys (nothing for a single total cell).
fn clause(keyword: &str, columns: &str) -> String {
    match columns.strip_prefix(", ") {
        Some(list) => format!("{keyword} {list}"),
        None => String::new(),
    }
}

/// The §6.1–§6.2 numbers of the scope's records, one cell per combination of `dimensions` that
/// has records (exactly one cell, possibly empty, when there are no dimensions).
///
/// Per enrolment and indicator (and submission, when grouped by it): `baseline` is the BASELINE
/// value, `latest` the most recent other record (by `observed_on`, then FOLLOW_UP before EXIT
/// before INTERIM: `recency` 1). `SUM`s are cast because PostgreSQL sums a BIGINT into a
/// NUMERIC.
pub async fn outcome_cells(
    db: &impl ConnectionTrait,
    actor: &Actor,
    scope: &Scope,
    dimensions: &[Dimension],
) -> Result<Vec<Cell<Counts>>, DbErr> {
    // Each enrolment's row already carries its indicator; naming it twice would make the
    // column ambiguous to PostgreSQL.
    let per_enrolment_keys: Vec<Dimension> = dimensions
        .iter()
        .copied()
        .filter(|dimension| *dimension != Dimension::Indicator)
        .collect();
    let inner_keys = key_columns("s", &per_enrolment_keys);
    let outer_keys = key_columns("e", dimensions);
    // A submission's summary describes its own records: its latest value is its own too.
    let (unit, same_unit) = if dimensions.contains(&Dimension::Submission) {
        (
            "enrolment_id, indicator_id, submission_id",
            "\n          AND l.submission_id = s.submission_id",
        )
    } else {
        ("enrolment_id, indicator_id", "")
    };
    let rest = format!(
        "ranked AS (
    SELECT {unit}, value,
           ROW_NUMBER() OVER (
               PARTITION BY {unit}
               ORDER BY observed_on DESC, phase_rank DESC
           ) AS recency
    FROM scoped
    WHERE phase_rank > 0
),
per_enrolment AS (
    SELECT s.enrolment_id, s.indicator_id, s.direction{inner_keys},
           COUNT(*) AS records,
           MAX(s.hidden) AS hidden,
           MAX(CASE WHEN s.phase_rank = 0 THEN s.value END) AS baseline,
           MAX(l.value) AS latest
    FROM scoped s
    LEFT JOIN ranked l
           ON l.enrolment_id = s.enrolment_id
          AND l.indicator_id = s.indicator_id{same_unit}
          AND l.recency = 1
    GROUP BY s.enrolment_id, s.indicator_id, s.direction{inner_keys}
)
SELECT COUNT(*) AS participants{outer_keys},
       CAST(COALESCE(SUM(e.records), 0) AS BIGINT) AS records,
       CAST(COALESCE(SUM(e.hidden), 0) AS BIGINT) AS hidden,
       COUNT(e.baseline) AS with_baseline,
       AVG(e.baseline) AS mean_baseline,
       COUNT(e.latest) AS with_latest,
       AVG(e.latest) AS mean_latest,
       COUNT(e.latest - e.baseline) AS with_change,
       AVG(e.latest - e.baseline) AS mean_change,
       CAST(COALESCE(SUM(CASE WHEN (e.latest - e.baseline) * e.direction > 0 THEN 1 ELSE 0 END), 0)
            AS BIGINT) AS improved,
       CAST(COALESCE(SUM(CASE WHEN e.latest = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS achieved
FROM per_enrolment e
{group_by}
{order_by}",
        group_by = clause("GROUP BY", &outer_keys),
        order_by = clause("ORDER BY", &outer_keys),
    );
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(with_scoped(actor, scope, backend, &rest))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Cell {
                keys: read_keys(row, dimensions)?,
                numbers: Counts {
                    participants: row.try_get("", "participants")?,
                    records: row.try_get("", "records")?,
                    hidden: row.try_get("", "hidden")?,
                    with_baseline: row.try_get("", "with_baseline")?,
                    mean_baseline: row.try_get("", "mean_baseline")?,
                    with_latest: row.try_get("", "with_latest")?,
                    mean_latest: row.try_get("", "mean_latest")?,
                    with_change: row.try_get("", "with_change")?,
                    mean_change: row.try_get("", "mean_change")?,
                    improved: row.try_get("", "improved")?,
                    achieved: row.try_get("", "achieved")?,
                },
            })
        })
        .collect()
}

/// A trend's cells: per time bucket and phase (and `dimensions`), the enrolments with a record
/// observed in the bucket, and the mean over those enrolments of their mean value there. Keys
/// are the bucket's year, its index in the year, the phase, then the dimensions.
pub async fn trend_cells(
    db: &impl ConnectionTrait,
    actor: &Actor,
    scope: &Scope,
    bucket: Bucket,
    dimensions: &[Dimension],
) -> Result<Vec<Cell<TrendCounts>>, DbErr> {
    let inner_keys = key_columns("s", dimensions);
    let outer_keys = key_columns("e", dimensions);
    let index = bucket.index_sql();
    let rest = format!(
        "per_enrolment AS (
    SELECT s.enrolment_id, s.phase, s.obs_year AS bucket_year, {index} AS bucket_index{inner_keys},
           COUNT(*) AS records,
           MAX(s.hidden) AS hidden,
           AVG(s.value) AS value
    FROM scoped s
    GROUP BY s.enrolment_id, s.phase, s.obs_year, {index}{inner_keys}
)
SELECT e.bucket_year, e.bucket_index, e.phase{outer_keys},
       COUNT(*) AS participants,
       CAST(SUM(e.records) AS BIGINT) AS records,
       CAST(SUM(e.hidden) AS BIGINT) AS hidden,
       AVG(e.value) AS mean_value
FROM per_enrolment e
GROUP BY e.bucket_year, e.bucket_index, e.phase{outer_keys}
ORDER BY e.bucket_year, e.bucket_index, e.phase{outer_keys}"
    );
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(with_scoped(actor, scope, backend, &rest))
        .await?;
    rows.iter()
        .map(|row| {
            let mut keys = vec![
                Key::Number(row.try_get("", "bucket_year")?),
                Key::Number(row.try_get("", "bucket_index")?),
                Key::Text(row.try_get("", "phase")?),
            ];
            keys.extend(read_keys(row, dimensions)?);
            Ok(Cell {
                keys,
                numbers: TrendCounts {
                    participants: row.try_get("", "participants")?,
                    records: row.try_get("", "records")?,
                    hidden: row.try_get("", "hidden")?,
                    mean_value: row.try_get("", "mean_value")?,
                },
            })
        })
        .collect()
}

fn read_keys(row: &QueryResult, dimensions: &[Dimension]) -> Result<Vec<Key>, DbErr> {
    dimensions
        .iter()
        .map(|dimension| dimension.read(row))
        .collect()
}
