//! The outcome read model (DESIGN §6.1): per enrolment and indicator, what its *accepted* evidence
//! says — baseline, latest value (same-day rank FOLLOW_UP > EXIT > INTERIM), how many records —
//! so that dashboards read one row per young person instead of recomputing every record.
//!
//! Derived data: accepted evidence never changes (§5.1), so rows are written when a submission is
//! accepted, and [`ROWS_SQL`] recomputes them from the records (the migration's first build, the
//! accept, and `api analytics rebuild`), the one definition of a row.

use sea_orm::entity::prelude::*;

use crate::enums::{InterventionCategory, Sex};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolment_outcomes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enrolment_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub indicator_id: Uuid,
    pub partnership_id: Uuid,
    pub intervention_id: Uuid,
    pub provider_id: Uuid,
    pub participant_id: Uuid,
    /// What dashboards group by, copied from the young person and the intervention so that a
    /// dashboard reads this table alone: kept in step by the services that change them
    /// (`api::analytics::read_model::follow_participant`, `follow_intervention`).
    pub area_code: String,
    pub category: InterventionCategory,
    pub looked_after: bool,
    pub sex: Option<Sex>,
    pub birth_year: i32,
    /// The young person's key for disclosure control (§6.4); it never changes.
    pub record_key: i32,
    pub baseline: Option<f64>,
    pub baseline_on: Option<Date>,
    pub latest: Option<f64>,
    pub latest_on: Option<Date>,
    pub latest_phase: Option<String>,
    pub records: i32,
    /// The last day any of its accepted records was observed: the row holds for any `asOf` on
    /// or after it.
    pub last_observed_on: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enrolment::Entity",
        from = "Column::EnrolmentId",
        to = "super::enrolment::Column::Id",
        on_delete = "Cascade"
    )]
    Enrolment,
}

impl ActiveModelBehavior for ActiveModel {}

/// The columns of a row, in the order [`ROWS_SQL`] selects them.
pub const COLUMNS: &str = "enrolment_id, indicator_id, partnership_id, intervention_id, \
    provider_id, participant_id, area_code, category, looked_after, sex, birth_year, record_key, \
    baseline, baseline_on, latest, latest_on, latest_phase, records, \
    last_observed_on";

/// The rows the accepted records give, as common table expressions ending in `computed` (with
/// [`COLUMNS`]), for a statement to follow. `{records}` is replaced by a condition on the records
/// `r` (`1 = 1` for all); the text runs unchanged on SQLite and PostgreSQL.
pub const ROWS_SQL: &str = "
WITH accepted AS (
    SELECT r.enrolment_id, r.indicator_id, r.value, r.observed_on, r.phase,
           CASE r.phase WHEN 'BASELINE' THEN 0 WHEN 'INTERIM' THEN 1 WHEN 'EXIT' THEN 2
                        WHEN 'FOLLOW_UP' THEN 3 END AS phase_rank
    FROM outcome_records r
    JOIN evaluation_submissions s ON s.id = r.submission_id
    WHERE s.status = 'ACCEPTED' AND {records}
),
ranked AS (
    SELECT enrolment_id, indicator_id, value, observed_on, phase,
           ROW_NUMBER() OVER (
               PARTITION BY enrolment_id, indicator_id
               ORDER BY observed_on DESC, phase_rank DESC
           ) AS recency
    FROM accepted
    WHERE phase_rank > 0
),
computed AS (
    SELECT a.enrolment_id, a.indicator_id, i.partnership_id, e.intervention_id, i.provider_id,
           e.participant_id, p.area_code, i.category, p.looked_after, p.sex, p.birth_year,
           p.record_key,
           MAX(CASE WHEN a.phase_rank = 0 THEN a.value END) AS baseline,
           MAX(CASE WHEN a.phase_rank = 0 THEN a.observed_on END) AS baseline_on,
           MAX(l.value) AS latest,
           MAX(l.observed_on) AS latest_on,
           MAX(l.phase) AS latest_phase,
           CAST(COUNT(*) AS INTEGER) AS records,
           MAX(a.observed_on) AS last_observed_on
    FROM accepted a
    JOIN enrolments e ON e.id = a.enrolment_id
    JOIN interventions i ON i.id = e.intervention_id
    JOIN participants p ON p.id = e.participant_id
    LEFT JOIN ranked l
           ON l.enrolment_id = a.enrolment_id
          AND l.indicator_id = a.indicator_id
          AND l.recency = 1
    GROUP BY a.enrolment_id, a.indicator_id, i.partnership_id, e.intervention_id,
             i.provider_id, e.participant_id, p.area_code, i.category, p.looked_after, p.sex,
             p.birth_year, p.record_key
)";
