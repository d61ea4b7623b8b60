//! The §6.1–§6.2 arithmetic, done by the database: per enrolment and indicator the baseline and
//! latest values (a window function), then per cell the additive parts of every statistic
//! (GROUP BY), split by whether the caller's organisation knows the young people, with the keys
//! disclosure control derives its noise from. Both statements run unchanged on SQLite (≥ 3.25)
//! and PostgreSQL; no record is loaded into Rust.
//!
//! Group columns are named by [`Dimension`], whose SQL names are constants, never input.

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, sea_query::SelectStatement,
};
use uuid::Uuid;

use super::{read_model, scope::Scope};
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

/// One statistic's additive parts over a set of enrolments, before disclosure control: how
/// many enrolments have a value, the sum and the largest absolute size of their values, and the
/// set's key (the sum of the young people's record keys, plus their values in thousandths, so
/// that the same young people with the same values always have the same key, §6.4). Counts
/// have no values: their sum and largest are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub units: i64,
    pub sum: f64,
    pub key: i64,
    pub largest: f64,
}

impl Tally {
    /// The tally of both sets together.
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            units: self.units + other.units,
            sum: self.sum + other.sum,
            key: self.key.wrapping_add(other.key),
            largest: self.largest.max(other.largest),
        }
    }
}

/// A cell's numbers over the young people its caller's organisation knows, and over those
/// withheld from it (§6.4): disclosure control decides whether the second part counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split<P> {
    pub known: P,
    pub withheld: P,
}

impl<P> Split<P> {
    /// The part of the young people the caller's organisation knows (`withheld` false) or not.
    fn part_mut(&mut self, withheld: bool) -> &mut P {
        if withheld {
            &mut self.withheld
        } else {
            &mut self.known
        }
    }
}

/// The §6.1–§6.2 numbers of a set of enrolments. Counts are of enrolments (the unit of analysis,
/// §6.1) unless named `records`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Part {
    /// Enrolments with any record in scope.
    pub participants: Tally,
    pub records: i64,
    /// BASELINE values.
    pub baseline: Tally,
    /// Latest values.
    pub latest: Tally,
    /// Latest − baseline, where both exist.
    pub change: Tally,
    /// Over the enrolments with a change: 1 where it went the indicator's good way, else 0.
    pub improved: Tally,
    /// Over the enrolments with a latest value: 1 where it is 1 (BOOLEAN indicators), else 0.
    pub achieved: Tally,
}

/// A cell's numbers before disclosure control.
pub type Counts = Split<Part>;

/// One group of the result: its keys, in the order of the dimensions asked for, and numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<N> {
    pub keys: Vec<Key>,
    pub numbers: N,
}

/// A trend cell's numbers (§6.2 with a time bucket): per bucket and phase, the enrolments with a
/// record, their records, and each enrolment's mean value there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrendPart {
    pub participants: Tally,
    pub records: i64,
    pub value: Tally,
}

pub type TrendCounts = Split<TrendPart>;

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

/// `query` as the first common table expression, `name`, followed by `rest` (more expressions
/// after a comma, or the final statement).
fn with_first(name: &str, query: &SelectStatement, backend: DbBackend, rest: &str) -> Statement {
    let first = backend.build(query);
    let sql = format!("WITH {name} AS ({})\n{rest}", first.sql);
    Statement::from_sql_and_values(backend, sql, first.values.map(|v| v.0).unwrap_or_default())
}

/// The SQL of a statistic's [`Tally`] over the `per_enrolment` rows `e` whose `value` (an
/// expression) is not NULL: `{name}_units`, `_sum`, `_key` and `_largest`. The key adds the
/// value in thousandths to the record key, so that a changed value changes the noise. `SUM`s of
/// integers are cast because PostgreSQL sums a BIGINT into a NUMERIC.
fn tally_columns(name: &str, value: &str) -> String {
    format!(
        "COUNT({value}) AS {name}_units,
       SUM({value}) AS {name}_sum,
       CAST(COALESCE(SUM(CASE WHEN {value} IS NOT NULL
                              THEN e.record_key + CAST(ROUND({value} * 1000) AS BIGINT) END), 0)
            AS BIGINT) AS {name}_key,
       MAX(ABS({value})) AS {name}_largest"
    )
}

fn read_tally(row: &QueryResult, name: &str) -> Result<Tally, DbErr> {
    Ok(Tally {
        units: row.try_get("", &format!("{name}_units"))?,
        sum: row
            .try_get::<Option<f64>>("", &format!("{name}_sum"))?
            .unwrap_or_default(),
        key: row.try_get("", &format!("{name}_key"))?,
        largest: row
            .try_get::<Option<f64>>("", &format!("{name}_largest"))?
            .unwrap_or_default(),
    })
}

/// A count's tally: `participants` enrolments whose record keys sum to `participants_key`.
fn read_count(row: &QueryResult) -> Result<Tally, DbErr> {
    Ok(Tally {
        units: row.try_get("", "participants")?,
        key: row.try_get("", "participants_key")?,
        ..Tally::default()
    })
}

/// A 0/1 statistic over the enrolments of `base`: `ones` of them are 1.
fn ones_of(base: &Tally, ones: i64) -> Tally {
    Tally {
        units: base.units,
        sum: ones as f64,
        key: base.key,
        largest: if base.units > 0 { 1.0 } else { 0.0 },
    }
}

/// Rows come grouped by the cell keys and then by `withheld`, in key order: each cell gets its
/// known and its withheld part. Without dimensions there is exactly one cell, possibly empty.
fn split_cells<P: Default>(
    rows: &[QueryResult],
    keys_of: impl Fn(&QueryResult) -> Result<Vec<Key>, DbErr>,
    part_of: impl Fn(&QueryResult) -> Result<P, DbErr>,
    single: bool,
) -> Result<Vec<Cell<Split<P>>>, DbErr> {
    let mut cells: Vec<Cell<Split<P>>> = Vec::new();
    for row in rows {
        let keys = keys_of(row)?;
        let withheld = row.try_get::<i32>("", "withheld")? != 0;
        let part = part_of(row)?;
        match cells.last_mut() {
            Some(cell) if cell.keys == keys => *cell.numbers.part_mut(withheld) = part,
            _ => {
                let mut numbers = Split::default();
                *numbers.part_mut(withheld) = part;
                cells.push(Cell { keys, numbers });
            }
        }
    }
    if single && cells.is_empty() {
        cells.push(Cell {
            keys: Vec::new(),
            numbers: Split::default(),
        });
    }
    Ok(cells)
}

/// The §6.1–§6.2 numbers of the scope's records, one cell per combination of `dimensions` that
/// has records (exactly one cell, possibly empty, when there are no dimensions), each split by
/// whether the caller's organisation knows the young people.
///
/// Per enrolment and indicator (and submission, when grouped by it): `baseline` is the BASELINE
/// value, `latest` the most recent other record (by `observed_on`, then FOLLOW_UP before EXIT
/// before INTERIM: `recency` 1).
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
    let live_per_enrolment = format!(
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
           MAX(s.withheld) AS withheld,
           MAX(s.record_key) AS record_key,
           MAX(CASE WHEN s.phase_rank = 0 THEN s.value END) AS baseline,
           MAX(l.value) AS latest
    FROM scoped s
    LEFT JOIN ranked l
           ON l.enrolment_id = s.enrolment_id
          AND l.indicator_id = s.indicator_id{same_unit}
          AND l.recency = 1
    GROUP BY s.enrolment_id, s.indicator_id, s.direction{inner_keys}
)"
    );
    let cells = format!(
        "SELECT e.withheld{outer_keys},
       COUNT(*) AS participants,
       CAST(SUM(e.record_key) AS BIGINT) AS participants_key,
       CAST(SUM(e.records) AS BIGINT) AS records,
       {baseline},
       {latest},
       {change},
       CAST(COALESCE(SUM(CASE WHEN (e.latest - e.baseline) * e.direction > 0 THEN 1 ELSE 0 END), 0)
            AS BIGINT) AS improved,
       CAST(COALESCE(SUM(CASE WHEN e.latest = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS achieved
FROM per_enrolment e
GROUP BY e.withheld{outer_keys}
ORDER BY {order_keys}e.withheld",
        baseline = tally_columns("baseline", "e.baseline"),
        latest = tally_columns("latest", "e.latest"),
        change = tally_columns("change", "(e.latest - e.baseline)"),
        order_keys = order_prefix(&outer_keys),
    );
    let backend = db.get_database_backend();
    // The read model already holds each enrolment's numbers; the live path computes them from
    // the records. Both give the same cells (the property test compares them).
    let statement = if scope.reads_read_model() && read_model::covers(db, scope.as_of).await? {
        with_first(
            "per_enrolment",
            &scope.read_model_rows(actor),
            backend,
            &cells,
        )
    } else {
        with_first(
            "scoped",
            &scope.records(actor, backend),
            backend,
            &format!(",\n{live_per_enrolment}\n{cells}"),
        )
    };
    let rows = db.query_all_raw(statement).await?;
    split_cells(
        &rows,
        |row| read_keys(row, dimensions),
        |row| {
            let change = read_tally(row, "change")?;
            let latest = read_tally(row, "latest")?;
            Ok(Part {
                participants: read_count(row)?,
                records: row.try_get("", "records")?,
                baseline: read_tally(row, "baseline")?,
                improved: ones_of(&change, row.try_get("", "improved")?),
                achieved: ones_of(&latest, row.try_get("", "achieved")?),
                latest,
                change,
            })
        },
        dimensions.is_empty(),
    )
}

/// `a, b, ` for the key columns `, a, b`: the cell keys before `withheld` in `ORDER BY`.
fn order_prefix(columns: &str) -> String {
    columns
        .strip_prefix(", ")
        .map_or_else(String::new, |list| format!("{list}, "))
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
           MAX(s.withheld) AS withheld,
           MAX(s.record_key) AS record_key,
           AVG(s.value) AS value
    FROM scoped s
    GROUP BY s.enrolment_id, s.phase, s.obs_year, {index}{inner_keys}
)
SELECT e.bucket_year, e.bucket_index, e.phase, e.withheld{outer_keys},
       COUNT(*) AS participants,
       CAST(SUM(e.record_key) AS BIGINT) AS participants_key,
       CAST(SUM(e.records) AS BIGINT) AS records,
       {value}
FROM per_enrolment e
GROUP BY e.bucket_year, e.bucket_index, e.phase, e.withheld{outer_keys}
ORDER BY e.bucket_year, e.bucket_index, e.phase{outer_keys}, e.withheld",
        value = tally_columns("value", "e.value"),
    );
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(with_first(
            "scoped",
            &scope.records(actor, backend),
            backend,
            &format!(",\n{rest}"),
        ))
        .await?;
    split_cells(
        &rows,
        |row| {
            let mut keys = vec![
                Key::Number(row.try_get("", "bucket_year")?),
                Key::Number(row.try_get("", "bucket_index")?),
                Key::Text(row.try_get("", "phase")?),
            ];
            keys.extend(read_keys(row, dimensions)?);
            Ok(keys)
        },
        |row| {
            Ok(TrendPart {
                participants: read_count(row)?,
                records: row.try_get("", "records")?,
                value: read_tally(row, "value")?,
            })
        },
        false,
    )
}

fn read_keys(row: &QueryResult, dimensions: &[Dimension]) -> Result<Vec<Key>, DbErr> {
    dimensions
        .iter()
        .map(|dimension| dimension.read(row))
        .collect()
}
