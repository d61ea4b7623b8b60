//! `EvaluationSubmission.summary` (DESIGN §6.1, §6.4): per indicator, how many records and young
//! people a submission carries and how their outcomes moved, so a commissioner can review the
//! evidence even where the information-sharing rules (§4.3) withhold the rows themselves.
//!
//! The arithmetic is one SQL statement for any number of submissions ([`SUMMARY_SQL`]: a window
//! function and GROUP BY, the same text on SQLite ≥ 3.25 and PostgreSQL); no record is loaded
//! into Rust. Rust only applies disclosure control ([`disclose`]): cells about fewer young people
//! than `SUPPRESSION_THRESHOLD` show no numbers, for everyone but admins and the delivering
//! provider (`policy::sees_unsuppressed_aggregates`).

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, dataloader::Loader};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::{
    access::policy,
    directory::indicators::Indicator,
    graphql::{
        disclosure,
        loaders::{LoadError, load_error},
        request,
    },
};

/// One indicator's numbers in one submission, as the database computed them, before
/// disclosure control. Counts are of enrolments (the unit of analysis, §6.1) unless named
/// `records`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub indicator_id: Uuid,
    /// The organisation that delivers the submission's intervention (and owns its participants).
    pub provider_id: Uuid,
    pub records: i64,
    /// Enrolments with any record of the indicator in the submission.
    pub participants: i64,
    /// Of `participants`, those whose rows commissioners may not see (sharing basis NONE).
    pub withheld: i64,
    pub with_baseline: i64,
    pub mean_baseline: Option<f64>,
    pub with_latest: i64,
    pub mean_latest: Option<f64>,
    /// Enrolments with both a baseline and a latest value.
    pub with_change: i64,
    pub mean_change: Option<f64>,
    /// Of `with_change`, those whose change went the indicator's good way.
    pub improved: i64,
}

/// The per-indicator aggregates of the submissions whose ids are bound to the `IN (…)` list
/// (`{submission_ids}` is replaced by one placeholder per id).
///
/// Per enrolment and indicator (§6.1), counting only the submission's own records: `baseline`
/// is the BASELINE value; `latest` the value of the most recent other record, by `observed_on`
/// and, on the same day, FOLLOW_UP before EXIT before INTERIM (the `recency` window); `change`
/// is latest − baseline where both exist; improved is a change in the indicator's good
/// direction (`higher_is_better`). Per indicator, the enrolments' numbers are counted and
/// averaged. Every indicator the intervention reports on gets a row, with zeros if no record
/// uses it, and so does any other indicator a record uses.
///
/// Phases are compared with their stored spellings (`OutcomePhase` in `entity`), which are
/// constants, never input. `SUM` is cast because PostgreSQL sums a BIGINT into a NUMERIC.
const SUMMARY_SQL: &str = "
WITH in_scope AS (
    SELECT s.id AS submission_id, s.intervention_id, iv.provider_id
    FROM evaluation_submissions s
    JOIN interventions iv ON iv.id = s.intervention_id
    WHERE s.id IN ({submission_ids})
),
ranked AS (
    SELECT r.submission_id, r.enrolment_id, r.indicator_id, r.value,
           ROW_NUMBER() OVER (
               PARTITION BY r.submission_id, r.enrolment_id, r.indicator_id
               ORDER BY r.observed_on DESC,
                        CASE r.phase WHEN 'FOLLOW_UP' THEN 3 WHEN 'EXIT' THEN 2 ELSE 1 END DESC
           ) AS recency
    FROM outcome_records r
    JOIN in_scope sc ON sc.submission_id = r.submission_id
    WHERE r.phase <> 'BASELINE'
),
per_enrolment AS (
    SELECT r.submission_id, r.enrolment_id, r.indicator_id,
           COUNT(*) AS records,
           MAX(CASE WHEN pt.sharing_basis = 'NONE' THEN 1 ELSE 0 END) AS withheld,
           MAX(CASE WHEN r.phase = 'BASELINE' THEN r.value END) AS baseline,
           MAX(l.value) AS latest
    FROM outcome_records r
    JOIN in_scope sc ON sc.submission_id = r.submission_id
    JOIN enrolments en ON en.id = r.enrolment_id
    JOIN participants pt ON pt.id = en.participant_id
    LEFT JOIN ranked l
           ON l.submission_id = r.submission_id
          AND l.enrolment_id = r.enrolment_id
          AND l.indicator_id = r.indicator_id
          AND l.recency = 1
    GROUP BY r.submission_id, r.enrolment_id, r.indicator_id
),
per_indicator AS (
    SELECT e.submission_id, e.indicator_id,
           CAST(SUM(e.records) AS BIGINT) AS records,
           COUNT(*) AS participants,
           CAST(SUM(e.withheld) AS BIGINT) AS withheld,
           COUNT(e.baseline) AS with_baseline,
           AVG(e.baseline) AS mean_baseline,
           COUNT(e.latest) AS with_latest,
           AVG(e.latest) AS mean_latest,
           COUNT(e.latest - e.baseline) AS with_change,
           AVG(e.latest - e.baseline) AS mean_change,
           CAST(SUM(CASE
               WHEN i.higher_is_better AND e.latest > e.baseline THEN 1
               WHEN NOT i.higher_is_better AND e.latest < e.baseline THEN 1
               ELSE 0
           END) AS BIGINT) AS improved
    FROM per_enrolment e
    JOIN indicators i ON i.id = e.indicator_id
    GROUP BY e.submission_id, e.indicator_id
),
cells AS (
    SELECT submission_id, indicator_id FROM per_indicator
    UNION
    SELECT sc.submission_id, ii.indicator_id
    FROM in_scope sc
    JOIN intervention_indicators ii ON ii.intervention_id = sc.intervention_id
)
SELECT c.submission_id, c.indicator_id, sc.provider_id,
       COALESCE(p.records, 0) AS records,
       COALESCE(p.participants, 0) AS participants,
       COALESCE(p.withheld, 0) AS withheld,
       COALESCE(p.with_baseline, 0) AS with_baseline,
       p.mean_baseline,
       COALESCE(p.with_latest, 0) AS with_latest,
       p.mean_latest,
       COALESCE(p.with_change, 0) AS with_change,
       p.mean_change,
       COALESCE(p.improved, 0) AS improved
FROM cells c
JOIN in_scope sc ON sc.submission_id = c.submission_id
JOIN indicators i ON i.id = c.indicator_id
LEFT JOIN per_indicator p
       ON p.submission_id = c.submission_id AND p.indicator_id = c.indicator_id
ORDER BY c.submission_id, i.code
";

/// The aggregates of `submission_ids`, grouped by submission, in indicator-code order.
pub async fn aggregates(
    db: &impl ConnectionTrait,
    submission_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Aggregate>>, sea_orm::DbErr> {
    let mut grouped: HashMap<Uuid, Vec<Aggregate>> = HashMap::new();
    if submission_ids.is_empty() {
        return Ok(grouped);
    }
    let backend = db.get_database_backend();
    let placeholders: Vec<String> = (1..=submission_ids.len())
        .map(|n| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        })
        .collect();
    let sql = SUMMARY_SQL.replace("{submission_ids}", &placeholders.join(", "));
    let values = submission_ids.iter().copied().map(Value::from);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    for row in rows {
        let submission_id: Uuid = row.try_get("", "submission_id")?;
        grouped.entry(submission_id).or_default().push(Aggregate {
            indicator_id: row.try_get("", "indicator_id")?,
            provider_id: row.try_get("", "provider_id")?,
            records: row.try_get("", "records")?,
            participants: row.try_get("", "participants")?,
            withheld: row.try_get("", "withheld")?,
            with_baseline: row.try_get("", "with_baseline")?,
            mean_baseline: row.try_get("", "mean_baseline")?,
            with_latest: row.try_get("", "with_latest")?,
            mean_latest: row.try_get("", "mean_latest")?,
            with_change: row.try_get("", "with_change")?,
            mean_change: row.try_get("", "mean_change")?,
            improved: row.try_get("", "improved")?,
        });
    }
    Ok(grouped)
}

/// Submission summaries by submission id. Reached only through a submission the caller can
/// see; disclosure control is applied by the resolver, which knows the caller.
pub struct SubmissionSummaryLoader(pub DatabaseConnection);

impl Loader<Uuid> for SubmissionSummaryLoader {
    type Value = Vec<Aggregate>;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Aggregate>>, LoadError> {
        aggregates(&self.0, ids).await.map_err(load_error)
    }
}

/// One indicator's numbers in a submission, as the caller may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSummary {
    indicator_id: Uuid,
    records: Option<i64>,
    participants: Option<i64>,
    mean_baseline: Option<f64>,
    mean_latest: Option<f64>,
    mean_change: Option<f64>,
    percent_improved: Option<f64>,
    suppressed: bool,
}

/// Disclosure control (§6.4). Unless `exempt`, a cell about fewer than `threshold` young people
/// shows no numbers and says it is suppressed, and so does one in which fewer than `threshold`
/// (but some) young people's rows are withheld by the sharing rules; each mean or percentage
/// computed from fewer than `threshold` enrolments is left out. (Secondary suppression does not arise here: the
/// cells are different indicators, not parts of a published total.)
pub fn disclose(aggregate: &Aggregate, threshold: u32, exempt: bool) -> IndicatorSummary {
    let threshold = i64::from(threshold);
    let enough = |n: i64| exempt || n >= threshold;
    let percent_improved = (aggregate.with_change > 0)
        .then(|| 100.0 * aggregate.improved as f64 / aggregate.with_change as f64);
    // With a few rows withheld and the rest visible, the total minus the visible rows would be
    // the withheld young people's own values, so the cell must not show them either.
    let few_withheld = aggregate.withheld > 0 && !enough(aggregate.withheld);
    if !enough(aggregate.participants) || few_withheld {
        return IndicatorSummary {
            indicator_id: aggregate.indicator_id,
            records: None,
            participants: None,
            mean_baseline: None,
            mean_latest: None,
            mean_change: None,
            percent_improved: None,
            suppressed: true,
        };
    }
    IndicatorSummary {
        indicator_id: aggregate.indicator_id,
        records: Some(aggregate.records),
        participants: Some(aggregate.participants),
        mean_baseline: aggregate
            .mean_baseline
            .filter(|_| enough(aggregate.with_baseline)),
        mean_latest: aggregate
            .mean_latest
            .filter(|_| enough(aggregate.with_latest)),
        mean_change: aggregate
            .mean_change
            .filter(|_| enough(aggregate.with_change)),
        percent_improved: percent_improved.filter(|_| enough(aggregate.with_change)),
        suppressed: false,
    }
}

/// `EvaluationSubmission.summary`: one cell per indicator, in indicator-code order.
pub async fn summary_of(
    ctx: &Context<'_>,
    submission_id: Uuid,
) -> async_graphql::Result<Vec<IndicatorSummary>> {
    let request = request(ctx)?;
    let threshold = disclosure(ctx)?.suppression_threshold;
    let aggregates = request
        .loaders
        .submission_summaries
        .load_one(submission_id)
        .await?
        .unwrap_or_default();
    Ok(aggregates
        .iter()
        .map(|aggregate| {
            let exempt =
                policy::sees_unsuppressed_aggregates(&request.actor, aggregate.provider_id);
            disclose(aggregate, threshold, exempt)
        })
        .collect())
}

fn count(value: Option<i64>) -> Option<i32> {
    value.map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

/// One indicator's outcomes in a submission (§6.1), under disclosure control (§6.4). Counts are
/// of enrolments (one young person on the intervention), means are on the indicator's scale.
#[Object]
impl IndicatorSummary {
    async fn indicator_id(&self) -> ID {
        self.indicator_id.into()
    }
    async fn indicator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Indicator>> {
        let loaded = request(ctx)?
            .loaders
            .indicators
            .load_one(self.indicator_id)
            .await?;
        Ok(loaded.map(Indicator))
    }
    /// Outcome records of this indicator in the submission.
    async fn records(&self) -> Option<i32> {
        count(self.records)
    }
    /// Young people (enrolments) with any record of this indicator in the submission.
    async fn participants(&self) -> Option<i32> {
        count(self.participants)
    }
    /// Mean BASELINE value, over those with a baseline.
    async fn mean_baseline(&self) -> Option<f64> {
        self.mean_baseline
    }
    /// Mean latest value (the most recent record after the baseline), over those with one.
    async fn mean_latest(&self) -> Option<f64> {
        self.mean_latest
    }
    /// Mean of latest − baseline, over those with both.
    async fn mean_change(&self) -> Option<f64> {
        self.mean_change
    }
    /// Of those with both a baseline and a latest value, the percentage whose change went the
    /// indicator's good way.
    async fn percent_improved(&self) -> Option<f64> {
        self.percent_improved
    }
    /// True when the cell describes too few young people to show its numbers
    /// (`SUPPRESSION_THRESHOLD`); every number is then null.
    async fn suppressed(&self) -> bool {
        self.suppressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aggregate(participants: i64, with_baseline: i64, with_change: i64) -> Aggregate {
        Aggregate {
            indicator_id: Uuid::nil(),
            provider_id: Uuid::nil(),
            records: participants * 2,
            participants,
            withheld: 0,
            with_baseline,
            mean_baseline: Some(4.0),
            with_latest: participants,
            mean_latest: Some(6.0),
            with_change,
            mean_change: Some(2.0),
            improved: with_change,
        }
    }

    #[test]
    fn a_few_withheld_rows_suppress_the_cell_so_totals_cannot_reveal_them() {
        let few = Aggregate {
            withheld: 2,
            ..aggregate(30, 30, 30)
        };
        assert!(
            disclose(&few, 5, false).suppressed,
            "the total minus the visible rows is theirs"
        );
        assert!(
            !disclose(&few, 5, true).suppressed,
            "the provider and admins see their numbers"
        );
        let many = Aggregate {
            withheld: 5,
            ..aggregate(30, 30, 30)
        };
        assert!(
            !disclose(&many, 5, false).suppressed,
            "five or more withheld are an aggregate"
        );
    }

    #[test]
    fn a_small_cell_shows_no_numbers_unless_the_caller_is_exempt() {
        let small = aggregate(4, 4, 4);
        let hidden = disclose(&small, 5, false);
        assert!(hidden.suppressed);
        assert_eq!(
            (hidden.records, hidden.participants, hidden.mean_latest),
            (None, None, None)
        );
        let shown = disclose(&small, 5, true);
        assert!(!shown.suppressed);
        assert_eq!(shown.participants, Some(4));
        assert_eq!(shown.percent_improved, Some(100.0));
    }

    #[test]
    fn a_mean_from_too_few_enrolments_is_left_out_of_a_large_enough_cell() {
        let cell = disclose(&aggregate(6, 3, 2), 5, false);
        assert!(!cell.suppressed);
        assert_eq!(cell.participants, Some(6));
        assert_eq!(cell.records, Some(12));
        assert_eq!(cell.mean_latest, Some(6.0));
        assert_eq!(cell.mean_baseline, None, "3 baselines");
        assert_eq!((cell.mean_change, cell.percent_improved), (None, None));
    }

    #[test]
    fn an_empty_cell_of_an_exempt_caller_has_zero_counts_and_no_means() {
        let mut empty = aggregate(0, 0, 0);
        empty.records = 0;
        empty.mean_baseline = None;
        empty.mean_latest = None;
        empty.mean_change = None;
        let cell = disclose(&empty, 5, true);
        assert_eq!((cell.records, cell.participants), (Some(0), Some(0)));
        assert_eq!(cell.percent_improved, None);
    }
}
