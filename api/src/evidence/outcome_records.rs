//! Outcome records (DESIGN §3.13): one measurement of one indicator for one enrolment, carried by
//! an evaluation submission.
//!
//! Every write goes through [`submissions::editable`], so nothing in an ACCEPTED submission ever
//! changes, and every row through [`check`], the one implementation of the §3.13 rules, which
//! `addOutcomeRecords` and the CSV import (`csv_import`) share. A batch is all or nothing: every
//! row is checked before anything is written, a bad row rejects the whole batch, and the error
//! names every failing row. Checking costs a fixed number of queries whatever the batch size.
//!
//! Records are participant-level data: who reads them is `policy::visible_outcome_records`, and
//! each read from outside the owning provider lands in the participant's access log. The audit
//! trail records that records changed, never their values: the partnership's commissioners read
//! that trail, and a young person's sharing decision may bar them from the rows themselves.

use std::collections::{BTreeSet, HashMap, HashSet};

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, dataloader::Loader};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use entity::{
    enrolment,
    enums::{IndicatorUnit, OutcomePhase, OutcomeSource},
    evaluation_submission, indicator, intervention, intervention_indicator, outcome_record,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    DbErr, EntityTrait, Iterable, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    delivery::enrolments::Enrolment,
    directory::{indicators::Indicator, measures},
    evidence::submissions,
    graphql::{
        RequestContext, db_and_actor, limits,
        loaders::{LoadError, load_error},
        parse_id, request,
        scalars::Date,
    },
    platform::{
        config::Limits,
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult, RowError},
    },
};

/// One measurement of one indicator for one young person's enrolment.
pub struct OutcomeRecord(outcome_record::Model);

impl OutcomeRecord {
    /// Wraps rows the caller is about to read (each with its participant's id), noting the
    /// participants for the access log.
    pub fn reveal_all(
        request: &RequestContext,
        rows: Vec<(outcome_record::Model, Uuid)>,
    ) -> Vec<Self> {
        request.note_participant_reads(rows.iter().map(|(_, participant_id)| *participant_id));
        rows.into_iter()
            .map(|(model, _)| OutcomeRecord(model))
            .collect()
    }

    /// A record the delivering provider has just written, or would write in a dry run: its own
    /// young person's, so there is no read to log.
    pub fn written(model: outcome_record::Model) -> Self {
        OutcomeRecord(model)
    }
}

#[Object]
impl OutcomeRecord {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn submission_id(&self) -> ID {
        self.0.submission_id.into()
    }
    async fn enrolment_id(&self) -> ID {
        self.0.enrolment_id.into()
    }
    /// The enrolment measured. Whoever may read a record may read its enrolment (both are
    /// participant-level data under the same rules), and the read is logged the same way.
    async fn enrolment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enrolment>> {
        let request = request(ctx)?;
        let loaded = request
            .loaders
            .enrolments
            .load_one(self.0.enrolment_id)
            .await?;
        Ok(loaded.and_then(|model| Enrolment::reveal_all(request, vec![model]).pop()))
    }
    async fn indicator_id(&self) -> ID {
        self.0.indicator_id.into()
    }
    async fn indicator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Indicator>> {
        let loaded = request(ctx)?
            .loaders
            .indicators
            .load_one(self.0.indicator_id)
            .await?;
        Ok(loaded.map(Indicator))
    }
    /// On the indicator's own scale (PERCENT 0–100, BOOLEAN 0 or 1, SCORE its scale, COUNT and
    /// DAYS whole numbers from 0).
    async fn value(&self) -> f64 {
        self.0.value
    }
    async fn observed_on(&self) -> Date {
        self.0.observed_on.into()
    }
    async fn phase(&self) -> OutcomePhase {
        self.0.phase
    }
    /// Who reported the measurement.
    async fn source(&self) -> OutcomeSource {
        self.0.source
    }
    /// The user who recorded it.
    async fn recorded_by_id(&self) -> ID {
        self.0.recorded_by.into()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One measurement to add.
#[derive(InputObject)]
pub struct OutcomeRecordInput {
    /// An enrolment in the submission's intervention.
    pub enrolment_id: ID,
    /// An indicator the intervention reports on.
    pub indicator_id: ID,
    /// On the indicator's scale: PERCENT 0–100, BOOLEAN 0 or 1, SCORE within its scale, COUNT
    /// and DAYS a whole number from 0.
    pub value: f64,
    /// Within the submission's period.
    pub observed_on: Date,
    /// One BASELINE per enrolment and indicator.
    pub phase: OutcomePhase,
    pub source: OutcomeSource,
}

#[derive(InputObject)]
pub struct AddOutcomeRecordsInput {
    pub submission_id: ID,
    /// At most `MAX_BATCH_ROWS` (default 1000) records. All are written, or none.
    pub records: Vec<OutcomeRecordInput>,
}

/// Fields left out are unchanged. The record as it then stands must obey the same rules as a
/// new one. Only while the submission is DRAFT or CHANGES_REQUESTED.
#[derive(InputObject)]
pub struct UpdateOutcomeRecordInput {
    pub id: ID,
    pub expected_version: i32,
    pub value: Option<f64>,
    pub observed_on: Option<Date>,
    pub phase: Option<OutcomePhase>,
    pub source: Option<OutcomeSource>,
}

#[derive(InputObject)]
pub struct DeleteOutcomeRecordInput {
    pub id: ID,
    /// When given, the record is deleted only if it is still at this version.
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct OutcomeRecordsPayload {
    /// The records written, in the order they were sent.
    pub records: Vec<OutcomeRecord>,
}

#[derive(SimpleObject)]
pub struct OutcomeRecordPayload {
    /// The record as it now stands; for `deleteOutcomeRecord`, as it was before it was deleted.
    pub record: OutcomeRecord,
}

#[derive(Default)]
pub struct OutcomeRecordMutation;

#[Object]
impl OutcomeRecordMutation {
    /// Adds measurements to a DRAFT or CHANGES_REQUESTED submission, all or nothing: if any
    /// record breaks a rule, nothing is written and `extensions.rows` lists every failing record
    /// (`index` in `records`, `field`, `message`).
    async fn add_outcome_records(
        &self,
        ctx: &Context<'_>,
        input: AddOutcomeRecordsInput,
    ) -> async_graphql::Result<OutcomeRecordsPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let models = add(db, actor, limits(ctx)?, input).await?;
        Ok(OutcomeRecordsPayload {
            records: models.into_iter().map(OutcomeRecord::written).collect(),
        })
    }

    async fn update_outcome_record(
        &self,
        ctx: &Context<'_>,
        input: UpdateOutcomeRecordInput,
    ) -> async_graphql::Result<OutcomeRecordPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(OutcomeRecordPayload {
            record: OutcomeRecord::written(model),
        })
    }

    async fn delete_outcome_record(
        &self,
        ctx: &Context<'_>,
        input: DeleteOutcomeRecordInput,
    ) -> async_graphql::Result<OutcomeRecordPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = delete(db, actor, input).await?;
        Ok(OutcomeRecordPayload {
            record: OutcomeRecord::written(model),
        })
    }
}

/// `EvaluationSubmission.records`: the submission's records the caller may read, in the order
/// they were recorded, with the reads noted for the access log.
pub async fn records_of(
    ctx: &Context<'_>,
    submission_id: Uuid,
) -> async_graphql::Result<Vec<OutcomeRecord>> {
    let request = request(ctx)?;
    let loaded = request
        .loaders
        .submission_records
        .load_one(submission_id)
        .await?;
    Ok(OutcomeRecord::reveal_all(
        request,
        loaded.unwrap_or_default(),
    ))
}

/// Outcome records of submissions, keyed by submission id, in the order they were recorded,
/// under the actor's row filter, each with its participant's id for the access log.
pub struct SubmissionRecordsLoader {
    pub db: DatabaseConnection,
    pub filter: Condition,
}

impl Loader<Uuid> for SubmissionRecordsLoader {
    type Value = Vec<(outcome_record::Model, Uuid)>;
    type Error = LoadError;

    async fn load(&self, submission_ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        let rows = outcome_record::Entity::find()
            .filter(self.filter.clone())
            .filter(outcome_record::Column::SubmissionId.is_in(submission_ids.iter().copied()))
            .find_also_related(enrolment::Entity)
            .order_by_asc(outcome_record::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let mut grouped: HashMap<Uuid, Self::Value> = HashMap::new();
        for (record, enrolment) in rows {
            // The foreign key guarantees the enrolment; a record without one is not returned.
            if let Some(enrolment) = enrolment {
                grouped
                    .entry(record.submission_id)
                    .or_default()
                    .push((record, enrolment.participant_id));
            }
        }
        Ok(grouped)
    }
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
struct BatchNames;

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

/// Ids per `IN (…)` list: far below every backend's bind-parameter limit, and large enough that
/// a batch or CSV file at the default limits needs one statement per lookup.
pub(crate) const IN_LIST_CHUNK: usize = 10_000;

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
/// and the earlier rows of the batch. Returns every problem, in row order.
pub async fn check(
    conn: &impl ConnectionTrait,
    submission: &evaluation_submission::Model,
    intervention: &intervention::Model,
    drafts: &[Draft],
    replacing: Option<Uuid>,
    names: &impl RowNames,
) -> Result<Vec<RowError>, DbErr> {
    let requested: Vec<Uuid> = drafts
        .iter()
        .map(|draft| draft.enrolment_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut enrolments: HashSet<Uuid> = HashSet::new();
    for chunk in requested.chunks(IN_LIST_CHUNK) {
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
    // indexes are global too), for the enrolments this batch names.
    let mut baselines: HashMap<(Uuid, Uuid), Seen> = HashMap::new();
    let mut observations: HashMap<(Uuid, Uuid, OutcomePhase, NaiveDate), Seen> = HashMap::new();
    let known: Vec<Uuid> = requested
        .into_iter()
        .filter(|id| enrolments.contains(id))
        .collect();
    for chunk in known.chunks(IN_LIST_CHUNK) {
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
    errors.extend(check(conn, submission, intervention, &drafts, None, names).await?);
    if !errors.is_empty() {
        // Stable: a row's problems stay in the order the rules found them.
        errors.sort_by_key(|error| error.index);
        return Err(ApiError::BadUserInputRows(errors));
    }
    // PostgreSQL keeps microseconds: the payload shows what later reads will.
    let now = Utc::now().trunc_subsecs(6);
    Ok(drafts
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
        .collect())
}

/// Writes prepared records with as few INSERT statements as the backend's limit on bind
/// parameters allows (SQLite 32766, PostgreSQL 65535).
pub async fn insert(
    conn: &impl ConnectionTrait,
    records: &[outcome_record::Model],
) -> Result<(), DbErr> {
    let max_parameters = match conn.get_database_backend() {
        DbBackend::Postgres => 65_535,
        _ => 32_766,
    };
    let rows_per_statement = (max_parameters / outcome_record::Column::iter().count()).max(1);
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

/// How many of the submission's records lie outside `start..=end`. A submission's period must
/// keep covering its records (§3.13), so a change of period that this counts any for is refused.
pub async fn count_outside_period(
    conn: &impl ConnectionTrait,
    submission_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<u64, DbErr> {
    outcome_record::Entity::find()
        .filter(outcome_record::Column::SubmissionId.eq(submission_id))
        .filter(
            Condition::any()
                .add(outcome_record::Column::ObservedOn.lt(start))
                .add(outcome_record::Column::ObservedOn.gt(end)),
        )
        .count(conn)
        .await
}

/// A rejected id of one row, as that row's error.
fn row_error(row: usize, error: ApiError) -> RowError {
    match error {
        ApiError::BadUserInput { field, message } => RowError {
            index: row,
            field,
            message,
        },
        other => RowError {
            index: row,
            field: String::new(),
            message: other.to_string(),
        },
    }
}

async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    limits: &Limits,
    input: AddOutcomeRecordsInput,
) -> ApiResult<Vec<outcome_record::Model>> {
    let submission_id = parse_id(&input.submission_id, "input.submissionId")?;
    let count = input.records.len();
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
    let (submission, intervention) = submissions::editable(&txn, actor, submission_id).await?;
    let mut errors = Vec::new();
    let mut drafts = Vec::with_capacity(count);
    for (row, record) in input.records.iter().enumerate() {
        let enrolment_id = parse_id(
            &record.enrolment_id,
            &BatchNames.field(row, Part::Enrolment),
        );
        let indicator_id = parse_id(
            &record.indicator_id,
            &BatchNames.field(row, Part::Indicator),
        );
        match (enrolment_id, indicator_id) {
            (Ok(enrolment_id), Ok(indicator_id)) => drafts.push(Draft {
                row,
                enrolment_id,
                indicator_id,
                value: record.value,
                observed_on: record.observed_on.0,
                phase: record.phase,
                source: record.source,
            }),
            (enrolment_id, indicator_id) => errors.extend(
                [enrolment_id.err(), indicator_id.err()]
                    .into_iter()
                    .flatten()
                    .map(|error| row_error(row, error)),
            ),
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
async fn find_visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<outcome_record::Model> {
    outcome_record::Entity::find_by_id(id)
        .filter(policy::visible_outcome_records(actor))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "outcome record",
        })
}

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateOutcomeRecordInput,
) -> ApiResult<outcome_record::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    let draft = Draft {
        row: 0,
        enrolment_id: current.enrolment_id,
        indicator_id: current.indicator_id,
        value: input.value.unwrap_or(current.value),
        observed_on: input.observed_on.map_or(current.observed_on, |date| date.0),
        phase: input.phase.unwrap_or(current.phase),
        source: input.source.unwrap_or(current.source),
    };
    let problems = check(
        &txn,
        &submission,
        &intervention,
        &[draft],
        Some(id),
        &UpdateNames,
    )
    .await?;
    if let Some(problem) = problems.into_iter().next() {
        return Err(ApiError::bad_input(problem.field, problem.message));
    }

    let mut changes = outcome_record::ActiveModel::default();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(value) = input.value {
        changes.value = Set(value);
        changed.push("value");
    }
    if let Some(observed_on) = input.observed_on {
        changes.observed_on = Set(observed_on.0);
        changed.push("observedOn");
    }
    if let Some(phase) = input.phase {
        changes.phase = Set(phase);
        changed.push("phase");
    }
    if let Some(source) = input.source {
        changes.source = Set(source);
        changed.push("source");
    }
    let model =
        save_versioned::<outcome_record::Entity>(&txn, changes, id, input.expected_version, None)
            .await?;
    // Field names only: the values are a young person's outcomes (see the module comment).
    audit::record(
        &txn,
        Some(actor),
        Change::new("outcome_record.update", "outcome_record", id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({ "submissionId": submission.id, "changed": changed })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DeleteOutcomeRecordInput,
) -> ApiResult<outcome_record::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    if input
        .expected_version
        .is_some_and(|expected| expected != current.version)
    {
        return Err(ApiError::stale_version("outcome record"));
    }
    outcome_record::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("outcome_record.delete", "outcome_record", id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({ "submissionId": current.submission_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::IndicatorKind;

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
