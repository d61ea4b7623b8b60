//! The outcome read model (`entity::enrolment_outcome`): one row per enrolment and indicator of
//! accepted evidence, which dashboards read instead of every record whenever the scope allows
//! ([`super::scope::Scope::reads_read_model`]).
//!
//! Accepted evidence never changes (§5.1), so the only write of its numbers is
//! [`refresh_submission`], in the transaction that accepts a submission. The columns copied from
//! the young person and the intervention, which dashboards group by, follow their changes in the
//! transaction that makes them ([`follow_participant`], [`follow_intervention`]). [`rebuild`] and [`differences`] recompute every row
//! from the records: `api analytics rebuild [--check]`, an operator's assurance after a restore
//! (the seed, which writes records directly, rebuilds too).

use chrono::NaiveDate;
use entity::{
    enrolment_outcome::{self, COLUMNS, ROWS_SQL},
    intervention, participant,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    Statement, Value, sea_query::Expr,
};
use uuid::Uuid;

use crate::platform::db::begin_write;

/// The records of one submission's enrolments (`{n}` is the submission's placeholder).
const ENROLMENTS_OF_SUBMISSION: &str =
    "enrolment_id IN (SELECT enrolment_id FROM outcome_records WHERE submission_id = {n})";

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Recomputes the rows of every enrolment that has a record in `submission_id`, just accepted:
/// two statements, inside the caller's transaction.
pub async fn refresh_submission(
    db: &impl ConnectionTrait,
    submission_id: Uuid,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let of_submission = |n| ENROLMENTS_OF_SUBMISSION.replace("{n}", &placeholder(backend, n));
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("DELETE FROM enrolment_outcomes WHERE {}", of_submission(1)),
        [Value::from(submission_id)],
    ))
    .await?;
    let insert = format!(
        "{} INSERT INTO enrolment_outcomes ({COLUMNS}) SELECT {COLUMNS} FROM computed",
        ROWS_SQL.replace("{records}", &format!("r.{}", of_submission(1)))
    );
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        insert,
        [Value::from(submission_id)],
    ))
    .await?;
    Ok(())
}

/// Copies a young person's changed details (area, sex, birth year, looked-after status) into
/// their rows, inside the caller's transaction: a correction moves them between a dashboard's
/// groups at once.
pub async fn follow_participant(
    db: &impl ConnectionTrait,
    participant: &participant::Model,
) -> Result<(), DbErr> {
    enrolment_outcome::Entity::update_many()
        .col_expr(
            enrolment_outcome::Column::AreaCode,
            Expr::value(participant.area_code.clone()),
        )
        .col_expr(enrolment_outcome::Column::Sex, Expr::value(participant.sex))
        .col_expr(
            enrolment_outcome::Column::BirthYear,
            Expr::value(participant.birth_year),
        )
        .col_expr(
            enrolment_outcome::Column::LookedAfter,
            Expr::value(participant.looked_after),
        )
        .filter(enrolment_outcome::Column::ParticipantId.eq(participant.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Copies an intervention's changed category into its rows, inside the caller's transaction.
pub async fn follow_intervention(
    db: &impl ConnectionTrait,
    intervention: &intervention::Model,
) -> Result<(), DbErr> {
    enrolment_outcome::Entity::update_many()
        .col_expr(
            enrolment_outcome::Column::Category,
            Expr::value(intervention.category),
        )
        .filter(enrolment_outcome::Column::InterventionId.eq(intervention.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces every row with what the records give, in one transaction; returns the rows written.
pub async fn rebuild(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let txn = begin_write(db).await?;
    let written = rebuild_within(&txn).await?;
    // Fresh statistics, or the planner may take the table for what it was before.
    txn.execute_unprepared("ANALYZE enrolment_outcomes").await?;
    txn.commit().await?;
    Ok(written)
}

/// [`rebuild`] inside the caller's transaction (the seed's, which writes records directly).
pub async fn rebuild_within(txn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    txn.execute_unprepared("DELETE FROM enrolment_outcomes")
        .await?;
    Ok(txn
        .execute_unprepared(&format!(
            "{} INSERT INTO enrolment_outcomes ({COLUMNS}) SELECT {COLUMNS} FROM computed",
            ROWS_SQL.replace("{records}", "1 = 1")
        ))
        .await?
        .rows_affected())
}

/// How the stored rows differ from what the records give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Differences {
    /// Rows the records give that are missing or different in the read model.
    pub missing: i64,
    /// Rows in the read model that the records do not give (or give differently).
    pub stale: i64,
}

impl Differences {
    pub fn none(&self) -> bool {
        self.missing == 0 && self.stale == 0
    }
}

/// Compares every stored row with what the records give, writing nothing.
pub async fn differences(db: &impl ConnectionTrait) -> Result<Differences, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "{},
stored AS (SELECT {COLUMNS} FROM enrolment_outcomes)
SELECT
    (SELECT COUNT(*) FROM (SELECT {COLUMNS} FROM computed EXCEPT SELECT {COLUMNS} FROM stored) m)
        AS missing,
    (SELECT COUNT(*) FROM (SELECT {COLUMNS} FROM stored EXCEPT SELECT {COLUMNS} FROM computed) s)
        AS stale",
        ROWS_SQL.replace("{records}", "1 = 1")
    );
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the read model comparison".into()))?;
    Ok(Differences {
        missing: row.try_get("", "missing")?,
        stale: row.try_get("", "stale")?,
    })
}

/// Whether the read model answers for `as_of`: every accepted record was observed on or before
/// it (as for a dashboard of today), so later observations cannot be what it holds as latest.
pub async fn covers(db: &impl ConnectionTrait, as_of: NaiveDate) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT MAX(last_observed_on) AS last FROM enrolment_outcomes",
        ))
        .await?;
    let last: Option<NaiveDate> = match row {
        Some(row) => row.try_get("", "last")?,
        None => None,
    };
    Ok(last.is_none_or(|last| last <= as_of))
}
