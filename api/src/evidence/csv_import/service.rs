//! Importing outcome records from a CSV file (DESIGN §7): reading the file, mapping each line to
//! a record, and writing them.
//!
//! This module only reads the file and maps each line to a record: the participant's reference
//! to its enrolment in the submission's intervention, the indicator's code to the indicator.
//! The rules are `outcome_records::service::check`, the same code `addOutcomeRecords` runs, and
//! the import is all or nothing in the same way. Errors report the line number as `index` (line
//! 1 is the header, line 2 the first data row) and the column name as `field`.
//!
//! The format, as the README documents it: a header line naming the columns
//! `participant_reference, indicator_code, phase, observed_on, value, source` in any order and
//! any letter case; UTF-8 with or without a byte-order mark; comma- or semicolon-separated (read
//! from the header line; with semicolons a decimal comma is accepted in `value`); dates as
//! `YYYY-MM-DD`.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use chrono::NaiveDate;
use csv::{ReaderBuilder, Trim};
use entity::{
    enrolment,
    enums::{OutcomePhase, OutcomeSource},
    indicator, intervention, outcome_record, participant,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::{
    access::auth::Actor,
    audit::{self, Change},
    evidence::{
        outcome_records::service::{
            self as outcome_records, Claimed, Draft, Part, RowNames, in_lists,
        },
        submissions::service as submissions,
    },
    platform::{
        config::Limits,
        db::begin_write,
        error::{ApiError, ApiResult, RowError},
        validation::{self, TextKind},
    },
};

/// The columns a file must have, in the order [`Line::cells`] holds them.
pub const COLUMNS: [&str; 6] = [
    "participant_reference",
    "indicator_code",
    "phase",
    "observed_on",
    "value",
    "source",
];
const REFERENCE: usize = 0;
const INDICATOR_CODE: usize = 1;
const PHASE: usize = 2;
const OBSERVED_ON: usize = 3;
const VALUE: usize = 4;
const SOURCE: usize = 5;

/// The bound on imports running at once (`MAX_CONCURRENT_IMPORTS`): a caller over it waits up to
/// `IMPORT_WAIT_MS` for a slot, then gets `BUSY` with nothing done.
pub struct ImportSlots {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl ImportSlots {
    pub fn new(limits: &Limits) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limits.max_concurrent_imports)),
            wait: limits.import_wait,
        }
    }

    /// A slot for one import, held until the returned permit is dropped.
    pub async fn enter(&self) -> ApiResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(ApiError::internal(closed)),
            Err(_) => Err(ApiError::Busy("other imports")),
        }
    }
}

/// `importOutcomeRecordsCsv`: a file's records for one submission.
#[derive(Debug)]
pub struct CsvImport {
    pub submission_id: Uuid,
    /// The file's bytes, or why they could not be read (no file sent, too large): reported only
    /// after the access check, so a caller who may not import learns only that.
    pub file: ApiResult<Vec<u8>>,
    /// Check every line and return what would be written, without writing anything.
    pub dry_run: bool,
}

/// Lines mapped, checked and written at a time: the look-ups, the stored records a part can
/// clash with, and the rows in flight stay this size whatever the file's.
const LINES_PER_PART: usize = 1_000;

/// Checks the file and, unless `dry_run`, writes its records, [`LINES_PER_PART`] lines at a
/// time inside one transaction: all or nothing. Returns the records written, or that would be.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    limits: &Limits,
    command: CsvImport,
) -> ApiResult<Vec<outcome_record::Model>> {
    let txn = begin_write(db).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, command.submission_id).await?;
    let sheet = parse(&command.file?, limits.max_csv_rows)?;
    let mut errors = sheet.errors;
    let mut claimed = Claimed::default();
    let mut records = Vec::with_capacity(sheet.lines.len());
    for lines in sheet.lines.chunks(LINES_PER_PART) {
        let drafts =
            map_lines(&txn, &intervention, lines, sheet.decimal_comma, &mut errors).await?;
        let problems = outcome_records::check(
            &txn,
            &submission,
            &intervention,
            &drafts,
            None,
            &CsvNames,
            &mut claimed,
        )
        .await?;
        errors.extend(problems);
        // Once a line has failed, nothing will be written: the rest is only checked, so that
        // the answer lists every failing line.
        if errors.is_empty() {
            let part = outcome_records::records_of(actor, &submission, drafts);
            if !command.dry_run {
                outcome_records::insert(&txn, &part).await?;
            }
            records.extend(part);
        }
    }
    outcome_records::refuse_rows(errors)?;
    if command.dry_run {
        // Dropping the transaction rolls it back: a dry run writes nothing, not even an audit
        // event.
        return Ok(records);
    }
    audit::record(
        &txn,
        Some(actor),
        Change::new("outcome_records.import", "submission", submission.id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({ "count": records.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(records)
}

/// CSV errors: line number and column name.
struct CsvNames;

impl RowNames for CsvNames {
    fn field(&self, _line: usize, part: Part) -> String {
        let column = match part {
            Part::Enrolment => REFERENCE,
            Part::Indicator => INDICATOR_CODE,
            Part::Value => VALUE,
            Part::ObservedOn => OBSERVED_ON,
            Part::Phase => PHASE,
        };
        COLUMNS[column].to_owned()
    }
    fn row(&self, line: usize) -> String {
        format!("line {line}")
    }
}

/// One data line of the file: its number and its cells in [`COLUMNS`] order, trimmed.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    number: usize,
    cells: [String; 6],
}

/// The data lines of a file, and what was wrong with lines that could not be split into cells.
#[derive(Debug, Default)]
struct Sheet {
    /// Semicolon-separated files come from spreadsheets set to a decimal comma.
    decimal_comma: bool,
    lines: Vec<Line>,
    errors: Vec<RowError>,
}

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Splits the file into lines of cells. File-level problems (not UTF-8, no header, too many
/// rows) are BAD_USER_INPUT on `input.file`; header problems are row errors on line 1.
fn parse(bytes: &[u8], max_rows: usize) -> ApiResult<Sheet> {
    let bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let line = 1 + bytes[..err.valid_up_to()]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count();
        ApiError::bad_input(
            "input.file",
            format!(
                "the file is not UTF-8 text (line {line}): save it from your spreadsheet as \
                 \"CSV UTF-8\""
            ),
        )
    })?;
    // The text policy of every other input (see `validation::TextKind`): a NUL would otherwise
    // reach PostgreSQL in a look-up and fail there as an internal error.
    if let Some((at, _)) = validation::disallowed_char_at(text, TextKind::LongText) {
        let line = 1 + text[..at].matches('\n').count();
        let message = validation::disallowed_char(&text[at..], TextKind::LongText, "the file")
            .unwrap_or_default();
        return Err(ApiError::bad_input(
            "input.file",
            format!("{message} (line {line}): remove it and export the file again"),
        ));
    }
    let header_line = text.lines().next().unwrap_or_default();
    if header_line.trim().is_empty() {
        return Err(ApiError::bad_input(
            "input.file",
            format!(
                "the file must start with a header line naming the columns {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let line_numbers = LineNumbers::of(text);
    let unreadable = |err: csv::Error| {
        let line = err
            .position()
            .map_or(1, |position| line_numbers.at(position.byte()));
        ApiError::bad_input(
            "input.file",
            format!("the file cannot be read as CSV at line {line}: {err}"),
        )
    };
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => return Err(unreadable(err)),
        None => return Err(ApiError::bad_input("input.file", "the file is empty")),
    };
    let positions = header_positions(&header)?;

    let mut sheet = Sheet {
        decimal_comma: delimiter == b';',
        ..Sheet::default()
    };
    let mut rows = 0;
    for record in records {
        let record = record.map_err(unreadable)?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows += 1;
        if rows > max_rows {
            return Err(ApiError::bad_input(
                "input.file",
                format!(
                    "the file has more than {max_rows} data rows (MAX_CSV_ROWS); split it into \
                     files of at most {max_rows} rows"
                ),
            ));
        }
        let number = record
            .position()
            .map_or(rows + 1, |position| line_numbers.at(position.byte()));
        if record.len() != header.len() {
            let column = if record.len() < header.len() {
                // The first column the line has no cell for.
                positions
                    .iter()
                    .enumerate()
                    .filter(|(_, position)| **position >= record.len())
                    .min_by_key(|(_, position)| **position)
                    .map_or(REFERENCE, |(column, _)| column)
            } else {
                REFERENCE
            };
            sheet.errors.push(RowError {
                index: number,
                field: COLUMNS[column].to_owned(),
                message: format!(
                    "line {number} has {} cells but the header has {}; a value that contains \
                     the separator `{}` must be in double quotes",
                    record.len(),
                    header.len(),
                    char::from(delimiter)
                ),
            });
            continue;
        }
        let cells = positions.map(|position| record.get(position).unwrap_or_default().to_owned());
        sheet.lines.push(Line { number, cells });
    }
    Ok(sheet)
}

/// Line numbers as a spreadsheet user counts them (blank lines included, a quoted value's line
/// breaks included), from byte offsets. The csv crate's own line count skips blank lines and
/// counts a CRLF file's lines wrongly, so it is not used.
struct LineNumbers<'a> {
    text: &'a [u8],
    /// Offsets of every `\n`.
    breaks: Vec<usize>,
}

impl<'a> LineNumbers<'a> {
    fn of(text: &'a str) -> Self {
        let text = text.as_bytes();
        let breaks = text
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .map(|(offset, _)| offset)
            .collect();
        Self { text, breaks }
    }

    /// The line of the record the reader reports at `offset`: the reader's offset can point at
    /// the line breaks before the record, so those are skipped first.
    fn at(&self, offset: u64) -> usize {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while self
            .text
            .get(start)
            .is_some_and(|byte| matches!(byte, b'\r' | b'\n'))
        {
            start += 1;
        }
        1 + self.breaks.partition_point(|&offset| offset < start)
    }
}

/// Where each of [`COLUMNS`] is in the header, which may name them in any order and case.
fn header_positions(header: &csv::StringRecord) -> ApiResult<[usize; 6]> {
    let mut positions: [Option<usize>; 6] = [None; 6];
    let mut errors = Vec::new();
    for (position, name) in header.iter().enumerate() {
        let normalised = name.to_ascii_lowercase().replace([' ', '-'], "_");
        match COLUMNS.iter().position(|column| *column == normalised) {
            Some(column) if positions[column].is_some() => errors.push(RowError {
                index: 1,
                field: COLUMNS[column].to_owned(),
                message: format!("the header names the column {} twice", COLUMNS[column]),
            }),
            Some(column) => positions[column] = Some(position),
            None => errors.push(RowError {
                index: 1,
                field: name.to_owned(),
                message: format!(
                    "the header names an unknown column `{name}`: the columns are {} (remove \
                     any other column; nothing else is stored)",
                    COLUMNS.join(", ")
                ),
            }),
        }
    }
    for (column, position) in positions.iter().enumerate() {
        if position.is_none() {
            errors.push(RowError {
                index: 1,
                field: COLUMNS[column].to_owned(),
                message: format!("the header has no {} column", COLUMNS[column]),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::BadUserInputRows(errors));
    }
    Ok(positions.map(|position| position.unwrap_or_default()))
}

/// A cell as an enum value: case-insensitive, spaces and hyphens read as underscores.
fn enum_cell<T: Copy>(cell: &str, values: &[(&str, T)]) -> Option<T> {
    let normalised = cell.to_ascii_uppercase().replace([' ', '-'], "_");
    values
        .iter()
        .find(|(name, _)| *name == normalised)
        .map(|(_, value)| *value)
}

const PHASES: [(&str, OutcomePhase); 4] = [
    ("BASELINE", OutcomePhase::Baseline),
    ("INTERIM", OutcomePhase::Interim),
    ("EXIT", OutcomePhase::Exit),
    ("FOLLOW_UP", OutcomePhase::FollowUp),
];
const SOURCES: [(&str, OutcomeSource); 4] = [
    ("PROVIDER", OutcomeSource::Provider),
    ("SCHOOL", OutcomeSource::School),
    ("SELF_REPORT", OutcomeSource::SelfReport),
    ("PARENT_CARER", OutcomeSource::ParentCarer),
];

/// The spellings an enum cell accepts, for a message.
fn names<T>(values: &[(&str, T)]) -> String {
    values
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell quoted back in a message, cut short so a message stays readable.
fn quoted(cell: &str) -> String {
    let shown: String = cell.chars().take(40).collect();
    if shown.len() < cell.len() {
        format!("`{shown}…`")
    } else {
        format!("`{shown}`")
    }
}

/// The typed cells of one line, or what is wrong with them.
struct Typed {
    phase: Option<OutcomePhase>,
    observed_on: Option<NaiveDate>,
    value: Option<f64>,
    source: Option<OutcomeSource>,
}

fn type_cells(line: &Line, decimal_comma: bool, errors: &mut Vec<RowError>) -> Typed {
    let mut problem = |column: usize, message: String| {
        errors.push(RowError {
            index: line.number,
            field: COLUMNS[column].to_owned(),
            message,
        });
    };
    for column in [REFERENCE, INDICATOR_CODE] {
        if line.cells[column].is_empty() {
            problem(column, format!("{} is empty", COLUMNS[column]));
        }
    }
    let phase = enum_cell(&line.cells[PHASE], &PHASES);
    if phase.is_none() {
        problem(
            PHASE,
            format!(
                "phase must be one of {} (found {})",
                names(&PHASES),
                quoted(&line.cells[PHASE])
            ),
        );
    }
    let source = enum_cell(&line.cells[SOURCE], &SOURCES);
    if source.is_none() {
        problem(
            SOURCE,
            format!(
                "source must be one of {} (found {})",
                names(&SOURCES),
                quoted(&line.cells[SOURCE])
            ),
        );
    }
    let observed_on = NaiveDate::parse_from_str(&line.cells[OBSERVED_ON], "%Y-%m-%d")
        .ok()
        .filter(|date| validation::date_in_range(*date));
    if observed_on.is_none() {
        problem(
            OBSERVED_ON,
            format!(
                "observed_on must be a date in YYYY-MM-DD form from {}, e.g. 2026-09-01 (found \
                 {}); format the spreadsheet column as yyyy-mm-dd before saving",
                validation::date_range(),
                quoted(&line.cells[OBSERVED_ON])
            ),
        );
    }
    let raw = &line.cells[VALUE];
    let number = if decimal_comma && !raw.contains('.') {
        raw.replace(',', ".")
    } else {
        raw.clone()
    };
    let value = number.parse::<f64>().ok().filter(|value| value.is_finite());
    if value.is_none() {
        problem(
            VALUE,
            format!("value must be a number (found {})", quoted(raw)),
        );
    }
    Typed {
        phase,
        observed_on,
        value,
        source,
    }
}

/// Maps each line to a [`Draft`]: the reference to the provider's participant and its enrolment
/// in the intervention that runs on `observed_on` (from referral to exit), the code to the
/// indicator. Three lookups whatever the number of lines. Lines that cannot be mapped add to
/// `errors`; the rest are drafts for the shared rules.
async fn map_lines(
    conn: &impl ConnectionTrait,
    intervention: &intervention::Model,
    lines: &[Line],
    decimal_comma: bool,
    errors: &mut Vec<RowError>,
) -> Result<Vec<Draft>, DbErr> {
    let references: Vec<&str> = lines
        .iter()
        .map(|line| line.cells[REFERENCE].as_str())
        .filter(|reference| !reference.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut participants: HashMap<String, Uuid> = HashMap::new();
    for chunk in in_lists(&references) {
        let found: Vec<(Uuid, String)> = participant::Entity::find()
            .select_only()
            .columns([participant::Column::Id, participant::Column::Reference])
            .filter(participant::Column::ProviderId.eq(intervention.provider_id))
            .filter(participant::Column::Reference.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        participants.extend(found.into_iter().map(|(id, reference)| (reference, id)));
    }
    let participant_ids: Vec<Uuid> = participants.values().copied().collect();
    let mut enrolments: HashMap<Uuid, Vec<enrolment::Model>> = HashMap::new();
    for chunk in in_lists(&participant_ids) {
        let found = enrolment::Entity::find()
            .filter(enrolment::Column::InterventionId.eq(intervention.id))
            .filter(enrolment::Column::ParticipantId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for enrolment in found {
            enrolments
                .entry(enrolment.participant_id)
                .or_default()
                .push(enrolment);
        }
    }
    let codes: Vec<String> = lines
        .iter()
        .map(|line| line.cells[INDICATOR_CODE].to_ascii_uppercase())
        .filter(|code| !code.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let indicators: HashMap<String, Uuid> = indicator::Entity::find()
        .select_only()
        .columns([indicator::Column::Code, indicator::Column::Id])
        .filter(indicator::Column::Code.is_in(codes))
        .into_tuple::<(String, Uuid)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();

    let mut drafts = Vec::with_capacity(lines.len());
    for line in lines {
        let typed = type_cells(line, decimal_comma, errors);
        let mut problem = |column: usize, message: String| {
            errors.push(RowError {
                index: line.number,
                field: COLUMNS[column].to_owned(),
                message,
            });
        };
        let reference = &line.cells[REFERENCE];
        let enrolment_id = match participants.get(reference.as_str()) {
            _ if reference.is_empty() => None,
            None => {
                problem(
                    REFERENCE,
                    format!(
                        "none of your participants has the reference {}",
                        quoted(reference)
                    ),
                );
                None
            }
            Some(participant_id) => {
                let candidates = enrolments
                    .get(participant_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                match (candidates, typed.observed_on) {
                    ([], _) => {
                        problem(
                            REFERENCE,
                            format!(
                                "{} is not enrolled in {}",
                                quoted(reference),
                                intervention.name
                            ),
                        );
                        None
                    }
                    // The date is wrong; that error says so.
                    (_, None) => None,
                    (candidates, Some(date)) => {
                        enrolment_on(candidates, date, reference, intervention, &mut problem)
                    }
                }
            }
        };
        let code = line.cells[INDICATOR_CODE].to_ascii_uppercase();
        let indicator_id = indicators.get(&code).copied();
        if indicator_id.is_none() && !code.is_empty() {
            problem(
                INDICATOR_CODE,
                format!(
                    "no indicator has the code {}",
                    quoted(&line.cells[INDICATOR_CODE])
                ),
            );
        }
        if let (
            Some(enrolment_id),
            Some(indicator_id),
            Some(phase),
            Some(observed_on),
            Some(value),
            Some(source),
        ) = (
            enrolment_id,
            indicator_id,
            typed.phase,
            typed.observed_on,
            typed.value,
            typed.source,
        ) {
            drafts.push(Draft {
                row: line.number,
                enrolment_id,
                indicator_id,
                value,
                observed_on,
                phase,
                source,
            });
        }
    }
    Ok(drafts)
}

/// The one enrolment among `candidates` that runs on `date` (from referral to exit), or a
/// problem on the reference column saying why there is none.
fn enrolment_on(
    candidates: &[enrolment::Model],
    date: NaiveDate,
    reference: &str,
    intervention: &intervention::Model,
    problem: &mut impl FnMut(usize, String),
) -> Option<Uuid> {
    let running: Vec<&enrolment::Model> = candidates
        .iter()
        .filter(|enrolment| {
            enrolment.referred_on <= date && enrolment.ended_on.is_none_or(|ended| date <= ended)
        })
        .collect();
    match running.as_slice() {
        [enrolment] => Some(enrolment.id),
        [] => {
            let spans: Vec<String> = candidates
                .iter()
                .map(|enrolment| match enrolment.ended_on {
                    Some(ended) => format!("{} to {ended}", enrolment.referred_on),
                    None => format!("from {}", enrolment.referred_on),
                })
                .collect();
            problem(
                REFERENCE,
                format!(
                    "{} has no enrolment in {} on {date} (enrolled {})",
                    quoted(reference),
                    intervention.name,
                    spans.join(", ")
                ),
            );
            None
        }
        several => {
            problem(
                REFERENCE,
                format!(
                    "{} has {} enrolments in {} on {date}, so the line is ambiguous; record it \
                     with addOutcomeRecords and the enrolment's id",
                    quoted(reference),
                    several.len(),
                    intervention.name
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(err: ApiError) -> Vec<RowError> {
        match err {
            ApiError::BadUserInputRows(rows) => rows,
            other => panic!("expected row errors, got {other:?}"),
        }
    }

    fn field_of(err: ApiError) -> (String, String) {
        match err {
            ApiError::BadUserInput { field, message } => (field, message),
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn columns_come_in_any_order_and_case_with_a_byte_order_mark_and_semicolons() {
        let file = "\u{feff}Value;SOURCE;observed_on;Phase;indicator_code;participant_reference\r\n\
                    4,5;self report;2026-09-01;baseline;confidence;CR-001\r\n\
                    \r\n\
                    6;PROVIDER;2026-10-01;follow-up;CONFIDENCE;CR-001\r\n";
        let sheet = parse(file.as_bytes(), 10).unwrap();
        assert!(sheet.decimal_comma);
        assert!(sheet.errors.is_empty(), "{:?}", sheet.errors);
        assert_eq!(sheet.lines.len(), 2);
        assert_eq!(sheet.lines[0].number, 2);
        assert_eq!(sheet.lines[1].number, 4, "blank lines keep their numbers");
        assert_eq!(
            sheet.lines[0].cells,
            [
                "CR-001",
                "confidence",
                "baseline",
                "2026-09-01",
                "4,5",
                "self report"
            ]
            .map(String::from)
        );
        let mut errors = Vec::new();
        let typed = type_cells(&sheet.lines[0], sheet.decimal_comma, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(typed.value, Some(4.5));
        assert_eq!(typed.phase, Some(OutcomePhase::Baseline));
        assert_eq!(typed.source, Some(OutcomeSource::SelfReport));
        let typed = type_cells(&sheet.lines[1], sheet.decimal_comma, &mut errors);
        assert_eq!(typed.phase, Some(OutcomePhase::FollowUp));
    }

    #[test]
    fn line_numbers_count_blank_lines_and_line_breaks_inside_quotes() {
        for newline in ["\n", "\r\n"] {
            let file = [
                COLUMNS.join(","),
                "CR-001,CONFIDENCE,INTERIM,2026-10-01,4,PROVIDER".into(),
                String::new(),
                "\"CR-\n002\",CONFIDENCE,INTERIM,2026-10-01,4,PROVIDER".into(),
                "CR-003,CONFIDENCE,INTERIM,2026-10-01,4,PROVIDER".into(),
            ]
            .join(newline);
            let sheet = parse(file.as_bytes(), 10).unwrap();
            let numbers: Vec<usize> = sheet.lines.iter().map(|line| line.number).collect();
            assert_eq!(numbers, [2, 4, 6], "{newline:?}");
        }
    }

    #[test]
    fn a_header_without_a_column_or_with_an_unknown_one_is_refused_on_line_1() {
        let file = "participant_reference,indicator_code,phase,observed_on,value,child_name\n";
        let rows = rows_of(parse(file.as_bytes(), 10).unwrap_err());
        let fields: Vec<(usize, &str)> = rows
            .iter()
            .map(|row| (row.index, row.field.as_str()))
            .collect();
        assert_eq!(fields, [(1, "child_name"), (1, "source")]);
    }

    #[test]
    fn cells_that_do_not_parse_are_named_by_line_and_column() {
        let file = "participant_reference,indicator_code,phase,observed_on,value,source\n\
                    CR-001,CONFIDENCE,SOMETIMES,01/09/2026,high,PROVIDER\n\
                    CR-002,CONFIDENCE,BASELINE,2026-09-01\n";
        let sheet = parse(file.as_bytes(), 10).unwrap();
        assert_eq!(sheet.errors.len(), 1);
        assert_eq!(
            (sheet.errors[0].index, sheet.errors[0].field.as_str()),
            (3, "value")
        );
        let mut errors = Vec::new();
        type_cells(&sheet.lines[0], sheet.decimal_comma, &mut errors);
        let fields: Vec<(usize, &str)> = errors
            .iter()
            .map(|row| (row.index, row.field.as_str()))
            .collect();
        assert_eq!(fields, [(2, "phase"), (2, "observed_on"), (2, "value")]);
    }

    #[test]
    fn files_that_are_not_utf8_empty_or_too_long_are_refused_as_a_whole() {
        let (field, message) = field_of(parse(b"participant_reference\n\xff\xfe", 10).unwrap_err());
        assert_eq!(field, "input.file");
        assert!(message.contains("line 2"), "{message}");
        let (field, _) = field_of(parse(b"", 10).unwrap_err());
        assert_eq!(field, "input.file");
        let mut file = COLUMNS.join(",");
        for n in 0..3 {
            file.push_str(&format!(
                "\nCR-{n},CONFIDENCE,INTERIM,2026-10-01,5,PROVIDER"
            ));
        }
        let (_, message) = field_of(parse(file.as_bytes(), 2).unwrap_err());
        assert!(message.contains("more than 2 data rows"), "{message}");
        assert!(parse(file.as_bytes(), 3).is_ok());
    }
}
