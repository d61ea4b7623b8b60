//! The numbers behind `EvaluationSubmission.summary` (DESIGN §4.3, §6.1, §6.4): per indicator,
//! the dashboards' numbers ([`aggregate::outcome_cells`] over a [`Scope`] of the submission's own
//! records, grouped by submission and indicator), batched across submissions, and released under
//! the same [`disclosure`] policy, so a summary and a dashboard can never disagree on a rule.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::IndicatorUnit;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

use crate::{
    access::auth::Actor,
    analytics::{
        aggregate::{self, Counts, Dimension, Key},
        disclosure::{self, Rule},
        outcomes::service::Numbers,
        scope::Scope,
    },
    platform::config::Disclosure,
};

/// One indicator's numbers in one submission, before disclosure control.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryCell {
    pub indicator_id: Uuid,
    pub counts: Counts,
}

/// Every indicator a submission's summary lists: those its intervention reports on and any other
/// a record of it uses, in indicator-code order. (`{submission_ids}` becomes one placeholder per
/// id; the text is otherwise constant.)
const SUMMARY_ROWS_SQL: &str = "
SELECT s.id AS submission_id, i.id AS indicator_id
FROM evaluation_submissions s
JOIN indicators i
  ON i.id IN (SELECT ii.indicator_id FROM intervention_indicators ii
              WHERE ii.intervention_id = s.intervention_id)
  OR i.id IN (SELECT r.indicator_id FROM outcome_records r WHERE r.submission_id = s.id)
WHERE s.id IN ({submission_ids})
ORDER BY s.id, i.code
";

/// A day later than any observation: a summary describes all of a submission's records.
const END_OF_TIME: Option<NaiveDate> = NaiveDate::from_ymd_opt(9999, 12, 31);

/// The summary cells of `submission_ids` (which the caller can see), grouped by submission:
/// one statement for the numbers, one for the indicators listed, whatever the number of
/// submissions.
pub async fn submission_cells(
    db: &impl ConnectionTrait,
    actor: &Actor,
    submission_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<SummaryCell>>, DbErr> {
    let mut grouped: HashMap<Uuid, Vec<SummaryCell>> = HashMap::new();
    if submission_ids.is_empty() {
        return Ok(grouped);
    }
    let scope = Scope {
        submission_ids: submission_ids.to_vec(),
        as_of: END_OF_TIME.unwrap_or(NaiveDate::MAX),
        ..Scope::default()
    };
    let cells = aggregate::outcome_cells(
        db,
        actor,
        &scope,
        &[Dimension::Submission, Dimension::Indicator],
    )
    .await?;
    let mut counts: HashMap<(Uuid, Uuid), Counts> = HashMap::new();
    for cell in cells {
        if let [Key::Id(submission_id), Key::Id(indicator_id)] = cell.keys[..] {
            counts.insert((submission_id, indicator_id), cell.numbers);
        }
    }
    let backend = db.get_database_backend();
    let placeholders: Vec<String> = (1..=submission_ids.len())
        .map(|n| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        })
        .collect();
    let sql = SUMMARY_ROWS_SQL.replace("{submission_ids}", &placeholders.join(", "));
    let values = submission_ids.iter().copied().map(Value::from);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    for row in rows {
        let submission_id: Uuid = row.try_get("", "submission_id")?;
        let indicator_id: Uuid = row.try_get("", "indicator_id")?;
        grouped.entry(submission_id).or_default().push(SummaryCell {
            indicator_id,
            counts: counts
                .remove(&(submission_id, indicator_id))
                .unwrap_or_default(),
        });
    }
    Ok(grouped)
}

/// One indicator's numbers in a submission, as the caller may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorNumbers {
    pub indicator_id: Uuid,
    pub numbers: Numbers,
}

/// What the caller may see of a submission's `cells`, in their order, and the rule that
/// protected them. The cells are different indicators, not parts of one total, so no cell needs
/// another's protection: only each cell's own small numbers are suppressed.
pub fn shown(
    settings: Disclosure,
    actor: &Actor,
    cells: &[SummaryCell],
) -> (Rule, Vec<IndicatorNumbers>) {
    let withheld = cells
        .iter()
        .map(|cell| cell.counts.withheld.participants.units)
        .sum();
    let rule = disclosure::rule_for(settings, actor, withheld);
    let numbers = cells
        .iter()
        .map(|cell| {
            let counts = &cell.counts;
            let participants = rule.base(&counts.known.participants, &counts.withheld.participants);
            let suppressed = rule.suppresses(&participants);
            IndicatorNumbers {
                indicator_id: cell.indicator_id,
                // The summary has no percentAchieved, so the unit does not matter here.
                numbers: Numbers::shown(
                    counts,
                    IndicatorUnit::Score,
                    participants,
                    suppressed,
                    &rule,
                ),
            }
        })
        .collect();
    (rule, numbers)
}
