//! The rules of outcome records (DESIGN §3.13): one measurement of one indicator for one
//! enrolment, carried by an evaluation submission.
//!
//! Every write goes through [`submissions::editable`], so nothing in an ACCEPTED submission ever
//! changes, and every row through [`check`], the one implementation of the §3.13 rules, which
//! `addOutcomeRecords` and the CSV import (`csv_import`) share, each naming rows and fields in
//! its own terms ([`RowNames`]). A batch is all or nothing: every row is checked before anything
//! is written, a bad row rejects the whole batch, and the error names every failing row.
//! Checking costs a fixed number of queries whatever the batch size.
//!
//! The audit trail records that records changed, never their values: the partnership's
//! commissioners read that trail, and a young person's sharing decision may bar them from the
//! rows themselves.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, SubsecRound, Utc};
use entity::{
    enrolment,
    enums::{IndicatorUnit, OutcomePhase, OutcomeSource},
    evaluation_submission, indicator, intervention, intervention_indicator, outcome_record,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    DbErr, EntityTrait, FromQueryResult, Iterable, JoinType, QueryFilter, QueryResult, QuerySelect,
    QueryTrait, RelationTrait, Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    directory::measures,
    evidence::submissions::service as submissions,
    platform::{
        config::Limits,
        db::begin_write,
        error::{ApiError, ApiResult, RowError},
    },
};

/// `addOutcomeRecords`: records to add to one submission, all or nothing.
#[derive(Debug, Clone)]
pub struct NewOutcomeRecords {
    pub submission_id: Uuid,
    /// One entry per record sent, in order: its draft (`row` its index here), or what was
    /// wrong with its ids, which is reported together with the other rows' rule breaches.
    pub records: Vec<Result<Draft, Vec<RowError>>>,
}

/// `updateOutcomeRecord`: fields left `None` are unchanged. The enrolment and indicator cannot
/// change.
#[derive(Debug, Clone)]
pub struct OutcomeRecordChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub value: Option<f64>,
    pub observed_on: Option<NaiveDate>,
    pub phase: Option<OutcomePhase>,
    pub source: Option<OutcomeSource>,
}

/// `deleteOutcomeRecord`: the record goes only if it is still at `expected_version`, when
/// given.
#[derive(Debug, Clone)]
pub struct OutcomeRecordDeletion {
    pub id: Uuid,
    pub expected_version: Option<i32>,
}

/// One record as a client described it, ready for the §3.13 checks.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Where the record came from, as errors report it: its index in the batch, or its line in
    /// a CSV file.
    pub row: usize,
    pub enrolment_id: Uuid,
    pub indicator_id: Uuid,
    pub value: f64,
    pub observed_on: NaiveDate,
    pub phase: OutcomePhase,
    pub source: OutcomeSource,
}

/// The parts of a record a rule can find wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Enrolment,
    Indicator,
    Value,
    ObservedOn,
    Phase,
}

impl Part {
    /// The input field's name in GraphQL.
    fn input_name(self) -> &'static str {
        match self {
            Part::Enrolment => "enrolmentId",
            Part::Indicator => "indicatorId",
            Part::Value => "value",
            Part::ObservedOn => "observedOn",
            Part::Phase => "phase",
        }
    }
}

/// How an input format names rows and fields in its errors: a batch says `records[3].value`, a
/// CSV file line 4, column `value`.
pub trait RowNames {
    /// The field a problem with `part` of `row` is reported under.
    fn field(&self, row: usize, part: Part) -> String;
    /// How a message points at another row (`records[2]`, `line 3`).
    fn row(&self, row: usize) -> String;
}

/// `addOutcomeRecords`: `records[3].value`.
pub struct BatchNames;

impl RowNames for BatchNames {
    fn field(&self, row: usize, part: Part) -> String {
        format!("records[{row}].{}", part.input_name())
    }
    fn row(&self, row: usize) -> String {
        format!("records[{row}]")
    }
}

/// `updateOutcomeRecord`: `input.value`; the enrolment and indicator cannot change, so a problem
/// with them is one with the record the input names.
struct UpdateNames;

impl RowNames for UpdateNames {
    fn field(&self, _row: usize, part: Part) -> String {
        match part {
            Part::Enrolment | Part::Indicator => "input.id".to_owned(),
            other => format!("input.{}", other.input_name()),
        }
    }
    fn row(&self, _row: usize) -> String {
        "this record".to_owned()
    }
}

/// Ids per `IN (…)` list: far below every backend's bind-parameter limit, large enough that a
/// batch of `MAX_BATCH_ROWS` needs one statement per lookup, and small enough that the statements
/// the driver prepares and caches on each connection stay small (see [`ROWS_PER_INSERT`]).
const IN_LIST_CHUNK: usize = 1_000;

/// `ids` as `IN (…)` lists of at most [`IN_LIST_CHUNK`], each padded to a power of two by
/// repeating its last id, which changes no answer. The driver prepares and caches every
/// distinct statement on every connection: lists of every length from 1 to 1,000 would each
/// become one, and a file imported in parts asks with many lengths.
pub(crate) fn in_lists<T: Clone>(ids: &[T]) -> impl Iterator<Item = Vec<T>> + '_ {
    ids.chunks(IN_LIST_CHUNK).map(|chunk| {
        let mut list = chunk.to_vec();
        if let Some(last) = chunk.last() {
            list.resize(chunk.len().next_power_of_two(), last.clone());
        }
        list
    })
}

/// What the rows of a batch checked so far claim, for a batch checked in parts (a CSV file, a
/// chunk of lines at a time): a later part that repeats them is told which row it repeats.
#[derive(Debug, Default)]
pub struct Claimed {
    baselines: HashMap<(Uuid, Uuid), usize>,
    observations: HashMap<(Uuid, Uuid, OutcomePhase, NaiveDate), usize>,
}

/// Where a key a new record would repeat was seen first.
enum Seen {
    Stored {
        observed_on: NaiveDate,
        submission_id: Uuid,
    },
    Row(usize),
}

impl Seen {
    fn describe(&self, names: &impl RowNames, submission_id: Uuid) -> String {
        match self {
            Seen::Stored {
                observed_on,
                submission_id: stored_in,
            } if *stored_in == submission_id => {
                format!("recorded for {observed_on} in this submission")
            }
            Seen::Stored { observed_on, .. } => {
                format!("recorded for {observed_on} in another submission")
            }
            Seen::Row(row) => format!("in {}", names.row(*row)),
        }
    }
}

/// The §3.13 rules for a batch of any size, in a fixed number of queries: the enrolment is one
/// of the submission's intervention; the intervention reports on the indicator; the value fits
/// the indicator's unit and scale; `observed_on` lies in the submission's period; one BASELINE
/// per enrolment and indicator; no two records share enrolment, indicator, phase and day. The
/// last two count the records already stored (except `replacing`, the record being updated)
/// and the earlier rows of the batch: those of `drafts` and those `claimed` holds, which this
/// adds the rows of `drafts` to. Returns every problem, in row order.
pub async fn check(
    conn: &impl ConnectionTrait,
    submission: &evaluation_submission::Model,
    intervention: &intervention::Model,
    drafts: &[Draft],
    replacing: Option<Uuid>,
    names: &impl RowNames,
    claimed: &mut Claimed,
) -> Result<Vec<RowError>, DbErr> {
    let requested: Vec<Uuid> = drafts
        .iter()
        .map(|draft| draft.enrolment_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut enrolments: HashSet<Uuid> = HashSet::new();
    for chunk in in_lists(&requested) {
        let found: Vec<Uuid> = enrolment::Entity::find()
            .select_only()
            .column(enrolment::Column::Id)
            .filter(enrolment::Column::InterventionId.eq(intervention.id))
            .filter(enrolment::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        enrolments.extend(found);
    }

    let indicators: HashMap<Uuid, indicator::Model> = indicator::Entity::find()
        .filter(
            indicator::Column::Id.in_subquery(
                intervention_indicator::Entity::find()
                    .select_only()
                    .column(intervention_indicator::Column::IndicatorId)
                    .filter(intervention_indicator::Column::InterventionId.eq(intervention.id))
                    .into_query(),
            ),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|indicator| (indicator.id, indicator))
        .collect();
    let reported: BTreeSet<&str> = indicators
        .values()
        .map(|indicator| indicator.code.as_str())
        .collect();
    let reported = if reported.is_empty() {
        "none yet".to_owned()
    } else {
        reported.into_iter().collect::<Vec<_>>().join(", ")
    };

    // The keys stored records already hold, across all submissions (the database's unique
    // indexes are global too), for the enrolments this batch names: their baselines, and
    // whatever was observed on the batch's days. Nothing else can clash, and a young person's
    // whole history is most of the rows otherwise read.
    let mut baselines: HashMap<(Uuid, Uuid), Seen> = HashMap::new();
    let mut observations: HashMap<(Uuid, Uuid, OutcomePhase, NaiveDate), Seen> = HashMap::new();
    let known: Vec<Uuid> = requested
        .into_iter()
        .filter(|id| enrolments.contains(id))
        .collect();
    let days = drafts.iter().map(|draft| draft.observed_on);
    let (Some(first_day), Some(last_day)) = (days.clone().min(), days.max()) else {
        return Ok(Vec::new());
    };
    let may_clash = Condition::any()
        .add(outcome_record::Column::Phase.eq(OutcomePhase::Baseline))
        .add(outcome_record::Column::ObservedOn.between(first_day, last_day));
    for chunk in in_lists(&known) {
        let stored: Vec<(Uuid, Uuid, Uuid, OutcomePhase, NaiveDate, Uuid)> =
            outcome_record::Entity::find()
                .select_only()
                .columns([
                    outcome_record::Column::Id,
                    outcome_record::Column::EnrolmentId,
                    outcome_record::Column::IndicatorId,
                    outcome_record::Column::Phase,
                    outcome_record::Column::ObservedOn,
                    outcome_record::Column::SubmissionId,
                ])
                .filter(outcome_record::Column::EnrolmentId.is_in(chunk.iter().copied()))
                .filter(may_clash.clone())
                .into_tuple()
                .all(conn)
                .await?;
        for (id, enrolment_id, indicator_id, phase, observed_on, submission_id) in stored {
            if Some(id) == replacing {
                continue;
            }
            let seen = || Seen::Stored {
                observed_on,
                submission_id,
            };
            if phase == OutcomePhase::Baseline {
                baselines.insert((enrolment_id, indicator_id), seen());
            }
            observations.insert((enrolment_id, indicator_id, phase, observed_on), seen());
        }
    }
    // Earlier parts of the batch may be stored already: their rows name them better.
    baselines.extend(
        claimed
            .baselines
            .iter()
            .map(|(pair, row)| (*pair, Seen::Row(*row))),
    );
    observations.extend(
        claimed
            .observations
            .iter()
            .map(|(key, row)| (*key, Seen::Row(*row))),
    );

    let (start, end) = (submission.period_start, submission.period_end);
    let mut problems = Vec::new();
    for draft in drafts {
        let row = draft.row;
        let mut problem = |part: Part, message: String| {
            problems.push(RowError {
                index: row,
                field: names.field(row, part),
                message,
            });
        };
        let enrolment_known = enrolments.contains(&draft.enrolment_id);
        if !enrolment_known {
            problem(
                Part::Enrolment,
                format!(
                    "{} is not an enrolment in this submission's intervention ({})",
                    names.field(row, Part::Enrolment),
                    intervention.name
                ),
            );
        }
        let indicator = indicators.get(&draft.indicator_id);
        match indicator {
            None => problem(
                Part::Indicator,
                format!(
                    "{} is not an indicator this intervention reports on (it reports on {reported})",
                    names.field(row, Part::Indicator)
                ),
            ),
            Some(indicator) => {
                if let Err(message) =
                    observation_fits(indicator, draft.value, &names.field(row, Part::Value))
                {
                    problem(Part::Value, message);
                }
            }
        }
        if draft.observed_on < start || draft.observed_on > end {
            problem(
                Part::ObservedOn,
                format!(
                    "{} must lie within the submission's period, {start} to {end}",
                    names.field(row, Part::ObservedOn)
                ),
            );
        }
        let (true, Some(indicator)) = (enrolment_known, indicator) else {
            continue;
        };
        let pair = (draft.enrolment_id, indicator.id);
        if draft.phase == OutcomePhase::Baseline {
            if let Some(seen) = baselines.get(&pair) {
                problem(
                    Part::Phase,
                    format!(
                        "{} is BASELINE, but this enrolment already has a BASELINE for {} ({}): \
                         there is one baseline per young person and indicator",
                        names.field(row, Part::Phase),
                        indicator.code,
                        seen.describe(names, submission.id)
                    ),
                );
                // The observation below would only repeat the same complaint.
                continue;
            }
            baselines.insert(pair, Seen::Row(row));
            claimed.baselines.insert(pair, row);
        }
        let key = (pair.0, pair.1, draft.phase, draft.observed_on);
        if let Some(seen) = observations.get(&key) {
            problem(
                Part::ObservedOn,
                format!(
                    "{} repeats an observation: this enrolment already has a {} record of {} on \
                     {} ({})",
                    names.field(row, Part::ObservedOn),
                    phase_name(draft.phase),
                    indicator.code,
                    draft.observed_on,
                    seen.describe(names, submission.id)
                ),
            );
        } else {
            observations.insert(key, Seen::Row(row));
            claimed.observations.insert(key, row);
        }
    }
    Ok(problems)
}

fn phase_name(phase: OutcomePhase) -> &'static str {
    match phase {
        OutcomePhase::Baseline => "BASELINE",
        OutcomePhase::Interim => "INTERIM",
        OutcomePhase::Exit => "EXIT",
        OutcomePhase::FollowUp => "FOLLOW_UP",
    }
}

/// One observation on the indicator's scale (`measures`), and a whole number for COUNT and DAYS
/// (a mean of counts need not be whole, which is why `measures` allows fractions; one count
/// must be). The message names `field`.
fn observation_fits(indicator: &indicator::Model, value: f64, field: &str) -> Result<(), String> {
    match measures::value_fits_indicator(indicator, value, field) {
        Ok(_) => {}
        Err(ApiError::BadUserInput { message, .. }) => return Err(message),
        Err(other) => return Err(other.to_string()),
    }
    let unit = match indicator.unit {
        IndicatorUnit::Count => "a COUNT",
        IndicatorUnit::Days => "a DAYS",
        IndicatorUnit::Percent | IndicatorUnit::Score | IndicatorUnit::Boolean => return Ok(()),
    };
    if value.fract() == 0.0 {
        Ok(())
    } else {
        Err(format!(
            "{field} must be a whole number for {} ({unit} indicator)",
            indicator.code
        ))
    }
}

/// Checks `drafts` and, if every row passes, returns the records they become (not yet written).
/// `errors` found earlier (malformed ids, unreadable CSV cells) are reported together with the
/// rule breaches, so a client sees every failing row at once.
pub async fn prepare(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    submission: &evaluation_submission::Model,
    intervention: &intervention::Model,
    drafts: Vec<Draft>,
    mut errors: Vec<RowError>,
    names: &impl RowNames,
) -> ApiResult<Vec<outcome_record::Model>> {
    let claimed = &mut Claimed::default();
    errors.extend(
        check(
            conn,
            submission,
            intervention,
            &drafts,
            None,
            names,
            claimed,
        )
        .await?,
    );
    refuse_rows(errors)?;
    Ok(records_of(actor, submission, drafts))
}

/// `BAD_USER_INPUT` listing every failing row, unless there are none.
pub fn refuse_rows(mut errors: Vec<RowError>) -> ApiResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    // Stable: a row's problems stay in the order the rules found them.
    errors.sort_by_key(|error| error.index);
    Err(ApiError::BadUserInputRows(errors))
}

/// The records checked `drafts` become, not yet written.
pub fn records_of(
    actor: &Actor,
    submission: &evaluation_submission::Model,
    drafts: Vec<Draft>,
) -> Vec<outcome_record::Model> {
    // PostgreSQL keeps microseconds: the payload shows what later reads will.
    let now = Utc::now().trunc_subsecs(6);
    drafts
        .into_iter()
        .map(|draft| outcome_record::Model {
            id: Uuid::now_v7(),
            submission_id: submission.id,
            enrolment_id: draft.enrolment_id,
            indicator_id: draft.indicator_id,
            value: draft.value,
            observed_on: draft.observed_on,
            phase: draft.phase,
            source: draft.source,
            recorded_by: actor.user_id,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect()
}

/// Rows per INSERT statement. More rows per statement saves little past a few hundred, and the
/// driver prepares and caches each distinct statement on every connection: statements of
/// thousands of rows held megabytes of parameter metadata per connection.
const ROWS_PER_INSERT: usize = 500;

/// Writes prepared records in INSERT statements of [`ROWS_PER_INSERT`] rows, within the
/// backend's limit on bind parameters (SQLite 32766, PostgreSQL 65535).
pub async fn insert(
    conn: &impl ConnectionTrait,
    records: &[outcome_record::Model],
) -> Result<(), DbErr> {
    let max_parameters = match conn.get_database_backend() {
        DbBackend::Postgres => 65_535,
        _ => 32_766,
    };
    let rows_per_statement =
        (max_parameters / outcome_record::Column::iter().count()).clamp(1, ROWS_PER_INSERT);
    for chunk in records.chunks(rows_per_statement) {
        outcome_record::Entity::insert_many(chunk.iter().map(|record| {
            outcome_record::ActiveModel {
                id: Set(record.id),
                submission_id: Set(record.submission_id),
                enrolment_id: Set(record.enrolment_id),
                indicator_id: Set(record.indicator_id),
                value: Set(record.value),
                observed_on: Set(record.observed_on),
                phase: Set(record.phase),
                source: Set(record.source),
                recorded_by: Set(record.recorded_by),
                created_at: Set(record.created_at),
                updated_at: Set(record.updated_at),
                version: Set(record.version),
            }
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Outcome records with their enrolment's participant id (for the access log), decoded as
/// [`WithParticipant`]: the children of `EvaluationSubmission.records`. The participant's id
/// alone, not the whole enrolment: the nested read returns hundreds of records, and decoding an
/// enrolment beside each was the server's largest cost.
pub fn with_participants() -> Select<outcome_record::Entity> {
    outcome_record::Entity::find()
        .join(
            JoinType::InnerJoin,
            outcome_record::Relation::Enrolment.def(),
        )
        .column_as(enrolment::Column::ParticipantId, "participant_id")
}

/// A record and its enrolment's participant.
#[derive(Debug, Clone)]
pub struct WithParticipant(pub outcome_record::Model, pub Uuid);

impl FromQueryResult for WithParticipant {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self(
            outcome_record::Model::from_query_result(row, prefix)?,
            row.try_get(prefix, "participant_id")?,
        ))
    }
}

/// Adds the records to a DRAFT or CHANGES_REQUESTED submission, all or nothing, and returns
/// them in the order they were sent.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    limits: &Limits,
    command: NewOutcomeRecords,
) -> ApiResult<Vec<outcome_record::Model>> {
    let count = command.records.len();
    if count == 0 {
        return Err(ApiError::bad_input(
            "input.records",
            "input.records must hold at least one record",
        ));
    }
    if count > limits.max_batch_rows {
        return Err(ApiError::bad_input(
            "input.records",
            format!(
                "input.records holds {count} records, more than the limit of {} per batch \
                 (MAX_BATCH_ROWS); send them in smaller batches or import a CSV file",
                limits.max_batch_rows
            ),
        ));
    }
    let txn = begin_write(db).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, command.submission_id).await?;
    let mut errors = Vec::new();
    let mut drafts = Vec::with_capacity(count);
    for record in command.records {
        match record {
            Ok(draft) => drafts.push(draft),
            Err(problems) => errors.extend(problems),
        }
    }
    let records = prepare(
        &txn,
        actor,
        &submission,
        &intervention,
        drafts,
        errors,
        &BatchNames,
    )
    .await?;
    insert(&txn, &records).await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("outcome_records.add", "submission", submission.id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({ "count": records.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(records)
}

/// The record, if the actor may read it; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<outcome_record::Model> {
    crate::platform::db::find_visible::<outcome_record::Entity>(
        conn,
        id,
        policy::visible_outcome_records(actor),
    )
    .await
}

/// Changes a record of a DRAFT or CHANGES_REQUESTED submission; the record as it then stands
/// must obey the same rules as a new one.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    command: OutcomeRecordChanges,
) -> ApiResult<outcome_record::Model> {
    let id = command.id;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    let draft = Draft {
        row: 0,
        enrolment_id: current.enrolment_id,
        indicator_id: current.indicator_id,
        value: command.value.unwrap_or(current.value),
        observed_on: command.observed_on.unwrap_or(current.observed_on),
        phase: command.phase.unwrap_or(current.phase),
        source: command.source.unwrap_or(current.source),
    };
    let problems = check(
        &txn,
        &submission,
        &intervention,
        &[draft],
        Some(id),
        &UpdateNames,
        &mut Claimed::default(),
    )
    .await?;
    if let Some(problem) = problems.into_iter().next() {
        return Err(ApiError::bad_input(problem.field, problem.message));
    }

    let mut changes = outcome_record::ActiveModel::default();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(value) = command.value {
        changes.value = Set(value);
        changed.push("value");
    }
    if let Some(observed_on) = command.observed_on {
        changes.observed_on = Set(observed_on);
        changed.push("observedOn");
    }
    if let Some(phase) = command.phase {
        changes.phase = Set(phase);
        changed.push("phase");
    }
    if let Some(source) = command.source {
        changes.source = Set(source);
        changed.push("source");
    }
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, command.expected_version, changes),
        // Field names only: the values are a young person's outcomes (see the module comment).
        |_, _| {
            Change::new("outcome_record.update", "outcome_record", id)
                .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
                .details(json!({ "submissionId": submission.id, "changed": changed }))
        },
    )
    .await
}

/// Deletes a record of a DRAFT or CHANGES_REQUESTED submission and returns it as it was.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    command: OutcomeRecordDeletion,
) -> ApiResult<outcome_record::Model> {
    let id = command.id;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    audit::commit_delete::<outcome_record::Entity>(
        txn,
        actor,
        (current.id, current.version),
        command.expected_version,
        Change::new("outcome_record.delete", "outcome_record", id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({ "submissionId": current.submission_id })),
    )
    .await?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::IndicatorKind;

    #[test]
    fn in_lists_come_in_few_lengths_and_ask_for_exactly_the_ids() {
        let ids: Vec<u32> = (0..2_300).collect();
        let lists: Vec<Vec<u32>> = in_lists(&ids).collect();
        let lengths: Vec<usize> = lists.iter().map(Vec::len).collect();
        assert_eq!(lengths, [1_024, 1_024, 512]);
        let asked: BTreeSet<u32> = lists.into_iter().flatten().collect();
        assert_eq!(asked, ids.iter().copied().collect());
        assert_eq!(in_lists(&[7, 8, 9]).collect::<Vec<_>>(), [vec![7, 8, 9, 9]]);
        assert_eq!(in_lists::<u32>(&[]).count(), 0);
    }

    fn indicator(unit: IndicatorUnit) -> indicator::Model {
        indicator::Model {
            id: Uuid::now_v7(),
            code: "EXCLUSION_DAYS".into(),
            name: "Days excluded".into(),
            description: String::new(),
            kind: IndicatorKind::Hard,
            unit,
            scale_min: None,
            scale_max: None,
            higher_is_better: false,
            wellbeing: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn counts_and_days_are_whole_numbers_but_percentages_need_not_be() {
        for unit in [IndicatorUnit::Count, IndicatorUnit::Days] {
            let measure = indicator(unit);
            assert!(observation_fits(&measure, 3.0, "value").is_ok());
            let message = observation_fits(&measure, 2.5, "records[4].value").unwrap_err();
            assert!(
                message.starts_with("records[4].value must be a whole number"),
                "{message}"
            );
            assert!(observation_fits(&measure, -1.0, "value").is_err());
        }
        assert!(observation_fits(&indicator(IndicatorUnit::Percent), 92.5, "value").is_ok());
    }

    #[test]
    fn batch_and_update_errors_name_fields_as_the_client_sent_them() {
        assert_eq!(BatchNames.field(3, Part::Value), "records[3].value");
        assert_eq!(
            BatchNames.field(0, Part::Enrolment),
            "records[0].enrolmentId"
        );
        assert_eq!(UpdateNames.field(0, Part::ObservedOn), "input.observedOn");
        assert_eq!(UpdateNames.field(0, Part::Indicator), "input.id");
    }
}
