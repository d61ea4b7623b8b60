//! Outcome records (DESIGN §3.13) as GraphQL sees them: the `OutcomeRecord` type,
//! `addOutcomeRecords`, `updateOutcomeRecord`, `deleteOutcomeRecord` and
//! `EvaluationSubmission.records`. Resolvers parse ids and dates, turn a batch's records into
//! [`Draft`]s (a malformed id becomes that row's error, reported with the rule breaches) and
//! call [`service`], where the §3.13 rules live.
//!
//! Records are participant-level data: who reads them is `policy::visible_outcome_records`, and
//! each read from outside the owning provider lands in the participant's access log.

pub mod service;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{OutcomePhase, OutcomeSource},
    outcome_record,
};
use uuid::Uuid;

use self::service::{
    BatchNames, Draft, NewOutcomeRecords, OutcomeRecordChanges, OutcomeRecordDeletion, Part,
    RowNames, WithParticipant,
};
use crate::{
    audit::ReadBy,
    delivery::enrolments::Enrolment,
    directory::indicators::Indicator,
    graphql::{
        RequestContext, db_and_actor, limits,
        pagination::{Page, PageRequest},
        parse_id, request,
        scalars::Date,
    },
    platform::error::{ApiError, RowError},
};

/// One measurement of one indicator for one young person's enrolment.
pub struct OutcomeRecord(outcome_record::Model);

impl OutcomeRecord {
    /// Wraps a row the caller is about to read, with its participant's id, noting the
    /// participant for the access log.
    pub fn reveal(
        request: &RequestContext,
        (model, participant_id): (outcome_record::Model, Uuid),
        read_by: ReadBy,
    ) -> Self {
        request.note_participant_reads([participant_id], read_by);
        OutcomeRecord(model)
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
        Ok(loaded.map(|model| Enrolment::reveal(request, model, "OutcomeRecord.enrolment")))
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
        let limits = limits(ctx)?;
        let command = NewOutcomeRecords {
            submission_id: parse_id(&input.submission_id, "input.submissionId")?,
            records: input
                .records
                .iter()
                .enumerate()
                .map(|(row, record)| draft(row, record))
                .collect(),
        };
        let models = service::add(db, actor, limits, command).await?;
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
        let command = OutcomeRecordChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            value: input.value,
            observed_on: input.observed_on.map(|date| date.0),
            phase: input.phase,
            source: input.source,
        };
        let model = service::update(db, actor, command).await?;
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
        let command = OutcomeRecordDeletion {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
        };
        let model = service::delete(db, actor, command).await?;
        Ok(OutcomeRecordPayload {
            record: OutcomeRecord::written(model),
        })
    }
}

/// `EvaluationSubmission.records`: a page of the submission's records the caller may read, in
/// the order they were recorded, with the reads noted for the access log.
pub async fn records_of(
    ctx: &Context<'_>,
    submission_id: Uuid,
    page: PageRequest,
) -> async_graphql::Result<Page<OutcomeRecord>> {
    let request = request(ctx)?;
    let loaded = request
        .loaders
        .submission_records
        .load_one((submission_id, page, ()))
        .await?;
    Ok(loaded.unwrap_or_default().into_connection(
        page,
        |WithParticipant(row, _)| row.id,
        |WithParticipant(row, participant_id)| {
            OutcomeRecord::reveal(
                request,
                (row, participant_id),
                "EvaluationSubmission.records",
            )
        },
    ))
}

/// One record of a batch as a [`Draft`] (`row` its index), or what is wrong with its ids.
fn draft(row: usize, record: &OutcomeRecordInput) -> Result<Draft, Vec<RowError>> {
    let enrolment_id = parse_id(
        &record.enrolment_id,
        &BatchNames.field(row, Part::Enrolment),
    );
    let indicator_id = parse_id(
        &record.indicator_id,
        &BatchNames.field(row, Part::Indicator),
    );
    match (enrolment_id, indicator_id) {
        (Ok(enrolment_id), Ok(indicator_id)) => Ok(Draft {
            row,
            enrolment_id,
            indicator_id,
            value: record.value,
            observed_on: record.observed_on.0,
            phase: record.phase,
            source: record.source,
        }),
        (enrolment_id, indicator_id) => Err([enrolment_id.err(), indicator_id.err()]
            .into_iter()
            .flatten()
            .map(|error| row_error(row, error))
            .collect()),
    }
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
