//! `importOutcomeRecordsCsv` (DESIGN §7): outcome records from a spreadsheet saved as CSV, sent
//! as a GraphQL multipart upload.
//!
//! This face only reads the uploaded file (refusing a request without one, and a file over
//! `MAX_UPLOAD_BYTES`) and hands its bytes to [`service::import`], which reads the lines and
//! applies the same rules as `addOutcomeRecords`. Errors report the line number as `index` (line
//! 1 is the header, line 2 the first data row) and the column name as `field`.

pub mod service;

use std::io::Read;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};

use self::service::{CsvImport, ImportSlots};
use crate::{
    evidence::outcome_records::OutcomeRecord,
    graphql::{db_and_actor, limits, parse_id},
    platform::error::{ApiError, ApiResult},
};

#[derive(InputObject)]
pub struct ImportOutcomeRecordsCsvInput {
    pub submission_id: ID,
    /// The CSV file (at most `MAX_UPLOAD_BYTES` and `MAX_CSV_ROWS` data rows): a header line
    /// naming the columns `participant_reference, indicator_code, phase, observed_on, value,
    /// source`, then one outcome record per line.
    pub file: Upload,
    /// Check every line and report what would be written, without writing anything.
    #[graphql(default = false)]
    pub dry_run: bool,
}

#[derive(SimpleObject)]
pub struct ImportOutcomeRecordsPayload {
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// How many records were written, or would be in a dry run.
    pub record_count: i32,
    /// The records, in file order. In a dry run, what would be written: their ids are not
    /// stored anywhere.
    pub records: Vec<OutcomeRecord>,
}

#[derive(Default)]
pub struct CsvImportMutation;

#[Object]
impl CsvImportMutation {
    /// Imports outcome records from a CSV file into a DRAFT or CHANGES_REQUESTED submission,
    /// all or nothing, under the same rules as `addOutcomeRecords`. Errors list every failing
    /// line in `extensions.rows`: `index` is the line number (the header is line 1), `field`
    /// the column.
    async fn import_outcome_records_csv(
        &self,
        ctx: &Context<'_>,
        input: ImportOutcomeRecordsCsvInput,
    ) -> async_graphql::Result<ImportOutcomeRecordsPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let limits = limits(ctx)?;
        let _slot = ctx
            .data::<ImportSlots>()
            .map_err(|_| ApiError::internal("schema built without its import slots"))?
            .enter()
            .await?;
        let submission_id = parse_id(&input.submission_id, "input.submissionId")?;
        // Read now, reported after the access check: a caller who may not import learns only that.
        let file = read_upload(ctx, &input.file, limits.max_upload_bytes);
        let command = CsvImport {
            submission_id,
            file,
            dry_run: input.dry_run,
        };
        let records = service::import(db, actor, limits, command).await?;
        Ok(ImportOutcomeRecordsPayload {
            dry_run: input.dry_run,
            record_count: i32::try_from(records.len()).unwrap_or(i32::MAX),
            records: records.into_iter().map(OutcomeRecord::written).collect(),
        })
    }
}

/// The uploaded file's bytes, refusing a request that carries no file for it and, behind the
/// HTTP layer's own limit, a file over `max_bytes`.
fn read_upload(ctx: &Context<'_>, upload: &Upload, max_bytes: usize) -> ApiResult<Vec<u8>> {
    let missing = || {
        ApiError::bad_input(
            "input.file",
            "input.file must be a file uploaded with the request (a multipart/form-data request \
             as the GraphQL multipart request spec describes)",
        )
    };
    // `Upload::value` indexes the request's uploads without a bounds check.
    if upload.0 >= ctx.query_env.uploads.len() {
        return Err(missing());
    }
    let value = upload.value(ctx).map_err(|_| missing())?;
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    value
        .into_read()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(ApiError::internal)?;
    if bytes.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    Ok(bytes)
}

fn too_large(max_bytes: usize) -> ApiError {
    ApiError::bad_input(
        "input.file",
        format!("the file exceeds the limit of {max_bytes} bytes (MAX_UPLOAD_BYTES)"),
    )
}
