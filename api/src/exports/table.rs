//! CSV tables for reports: `outcomeSummary`, `outcomeTrend`, `targetProgress` and
//! `serviceCoverage`, one row per cell exactly as GraphQL answers it (the same numbers, the same
//! suppressed cells), and a footer line stating the disclosure rule applied.
//!
//! Written for spreadsheets (RFC 4180): UTF-8, optionally with a byte-order mark so Excel reads
//! it as such, CRLF line ends, ISO dates, quoting where needed, and no formula injection: text
//! that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
//! spreadsheet shows it instead of running it (OWASP, "CSV Injection"). Numbers are ours, never
//! text a user typed, so a negative change stays a number. Column names are the GraphQL fields'.

use chrono::NaiveDate;
use entity::{enums::InterventionCategory, indicator};
use sea_orm::{ActiveEnum, Iterable};

use super::service::Names;
use crate::analytics::{
    aggregate::{Dimension, Key},
    coverage::service::AreaCoverage,
    disclosure::{Method, Rule},
    outcomes::service::{CheckedScope, SummaryCell, TrendCell},
    progress::service::{ProgressStatus, TargetWithProgress, expected},
};

/// The byte-order mark that tells Excel a CSV file is UTF-8.
const BOM: &str = "\u{feff}";

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text a user may have typed (a name, a code): escaped against formula injection.
    Text(String),
    /// A value the service writes itself (an id, an enum's name): never escaped.
    Word(String),
    /// A number; empty when there is none (suppressed, or no data).
    Number(Option<f64>),
    Flag(bool),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn count(value: Option<i32>) -> Self {
        Self::Number(value.map(f64::from))
    }

    fn word(value: impl ToString) -> Self {
        Self::Word(value.to_string())
    }

    /// The field as it goes into the file, before CSV quoting.
    fn field(&self) -> String {
        match self {
            Self::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
                format!("'{text}")
            }
            Self::Text(text) | Self::Word(text) => text.clone(),
            Self::Number(value) => value.map(|value| value.to_string()).unwrap_or_default(),
            Self::Flag(flag) => flag.to_string(),
            Self::Date(date) => date.format("%Y-%m-%d").to_string(),
            Self::Empty => String::new(),
        }
    }
}

/// One CSV line (with its CRLF) of these fields, quoted where RFC 4180 requires.
fn line<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = String::new();
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line.push_str("\r\n");
    line
}

/// A table ready to be written: its header, its rows, and the footer line.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    footer: String,
}

impl Table {
    /// The file, line by line, so that it is written out as it is encoded.
    pub fn lines(self, bom: bool) -> impl Iterator<Item = String> + 'static {
        let Self {
            header,
            rows,
            footer,
        } = self;
        let header = format!(
            "{}{}",
            if bom { BOM } else { "" },
            line(header.iter().map(String::as_str))
        );
        let rows = rows.into_iter().map(|row| {
            let fields: Vec<String> = row.iter().map(Cell::field).collect();
            line(fields.iter().map(String::as_str))
        });
        std::iter::once(header)
            .chain(rows)
            .chain(std::iter::once(line([footer.as_str()])))
    }
}

/// The name GraphQL's `disclosure.method` gives a method.
fn method_name(method: Method) -> &'static str {
    match method {
        Method::Exact => "EXACT",
        Method::SuppressedOnly => "SUPPRESSED_ONLY",
        Method::CellKey => "CELL_KEY",
    }
}

/// A disclosure rule as GraphQL's `disclosure` field states it.
pub fn rule_text(rule: &Rule) -> String {
    format!(
        "method {}, threshold {}, maxNoise {}, maxMagnitudeNoise {}",
        method_name(rule.method()),
        rule.threshold(),
        rule.max_noise(),
        rule.max_magnitude_noise()
    )
}

/// The footer: each distinct rule the rows were protected by, then what the numbers count.
fn footer<'a>(rules: impl IntoIterator<Item = &'a Rule>, counted: &str) -> String {
    let mut stated: Vec<String> = Vec::new();
    for rule in rules {
        let text = rule_text(rule);
        if !stated.contains(&text) {
            stated.push(text);
        }
    }
    if stated.is_empty() {
        stated.push("no rows".into());
    }
    format!("Disclosure: {}. {counted}", stated.join("; "))
}

/// What an outcome table counts, for its footer.
fn counted(indicator: &indicator::Model, checked: &CheckedScope) -> String {
    let evidence = if checked.scope.include_unreviewed {
        "accepted and unreviewed evidence (includesUnreviewed)"
    } else {
        "accepted evidence only"
    };
    format!(
        "Indicator {}, as of {}, {evidence}.",
        indicator.code, checked.scope.as_of
    )
}

/// Column names.
fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The column names of a grouping's keys.
fn group_header(dimensions: &[Dimension]) -> Vec<String> {
    dimensions
        .iter()
        .flat_map(|dimension| match dimension {
            Dimension::Intervention => vec!["interventionId", "intervention"],
            Dimension::Provider => vec!["providerId", "provider"],
            Dimension::Area => vec!["areaCode", "area"],
            Dimension::Category => vec!["category"],
            Dimension::LookedAfter => vec!["lookedAfter"],
            Dimension::AgeBand => vec!["ageBand"],
            Dimension::Sex => vec!["sex"],
            Dimension::Submission | Dimension::Partnership | Dimension::Indicator => vec![],
        })
        .map(str::to_owned)
        .collect()
}

/// A cell's group keys in the columns of [`group_header`]: each key, and after an
/// intervention's, a provider's or an area's key its name.
fn group_cells(dimensions: &[Dimension], keys: &[Key], names: &Names) -> Vec<Cell> {
    let mut row = Vec::new();
    for (dimension, key) in dimensions.iter().zip(keys) {
        let name = match (dimension, key) {
            (Dimension::Submission | Dimension::Partnership | Dimension::Indicator, _) => continue,
            (Dimension::Intervention, Key::Id(id)) => Some(names.interventions.get(id)),
            (Dimension::Provider, Key::Id(id)) => Some(names.organisations.get(id)),
            (Dimension::Area, Key::Text(code)) => Some(names.areas.get(code)),
            (Dimension::Intervention | Dimension::Provider | Dimension::Area, _) => Some(None),
            _ => None,
        };
        row.push(match key {
            Key::Id(id) => Cell::word(id),
            Key::Text(text) => Cell::Text(text.clone()),
            Key::Flag(flag) => Cell::Flag(*flag),
            Key::Number(number) => Cell::word(number),
            Key::Missing => Cell::Empty,
        });
        if let Some(name) = name {
            row.push(name.map_or(Cell::Empty, |name| Cell::Text(name.clone())));
        }
    }
    row
}

/// A table of outcome cells: the `leading` columns, the group's keys, then the `numbers`
/// columns; `row` splits a cell into its leading cells, its keys and its numbers.
fn outcome_table<C>(
    checked: &CheckedScope,
    rule: &Rule,
    names: &Names,
    (leading, numbers): (&[&str], &[&str]),
    cells: Vec<C>,
    row: impl Fn(C) -> (Vec<Cell>, Vec<Key>, Vec<Cell>),
) -> Table {
    let mut header = columns(leading);
    header.extend(group_header(&checked.dimensions));
    header.extend(columns(numbers));
    let rows = cells
        .into_iter()
        .map(|cell| {
            let (mut cells, keys, numbers) = row(cell);
            cells.extend(group_cells(&checked.dimensions, &keys, names));
            cells.extend(numbers);
            cells
        })
        .collect();
    Table {
        header,
        rows,
        footer: footer([rule], &counted(&checked.indicator, checked)),
    }
}

/// `outcomeSummary` as a table: the group's keys, then the §6.2 numbers.
pub fn outcome_summary(
    checked: &CheckedScope,
    rule: &Rule,
    cells: Vec<SummaryCell>,
    names: &Names,
) -> Table {
    let numbers = [
        "participants",
        "records",
        "meanBaseline",
        "meanLatest",
        "meanChange",
        "percentImproved",
        "percentAchieved",
        "suppressed",
        "excludesUnshared",
    ];
    outcome_table(checked, rule, names, (&[], &numbers), cells, |cell| {
        let numbers = cell.numbers;
        let row = vec![
            Cell::count(numbers.participants),
            Cell::count(numbers.records),
            Cell::Number(numbers.mean_baseline),
            Cell::Number(numbers.mean_latest),
            Cell::Number(numbers.mean_change),
            Cell::Number(numbers.percent_improved),
            Cell::Number(numbers.percent_achieved),
            Cell::Flag(numbers.suppressed),
            Cell::Flag(numbers.excludes_unshared),
        ];
        (Vec::new(), cell.keys, row)
    })
}

/// `outcomeTrend` as a table: bucket, phase and group, then the numbers.
pub fn outcome_trend(
    checked: &CheckedScope,
    rule: &Rule,
    cells: Vec<TrendCell>,
    names: &Names,
) -> Table {
    let columns = (
        &["bucket", "bucketStart", "phase"][..],
        &[
            "participants",
            "records",
            "meanValue",
            "suppressed",
            "excludesUnshared",
        ][..],
    );
    outcome_table(checked, rule, names, columns, cells, |cell| {
        let leading = vec![
            Cell::Word(cell.bucket),
            Cell::Date(cell.bucket_start),
            Cell::Word(cell.phase.to_value()),
        ];
        let numbers = vec![
            Cell::count(cell.participants),
            Cell::count(cell.records),
            Cell::Number(cell.mean_value),
            Cell::Flag(cell.suppressed),
            Cell::Flag(cell.excludes_unshared),
        ];
        (leading, cell.keys, numbers)
    })
}

/// The name GraphQL gives a progress status.
pub fn status_name(status: ProgressStatus) -> &'static str {
    match status {
        ProgressStatus::Achieved => "ACHIEVED",
        ProgressStatus::OnTrack => "ON_TRACK",
        ProgressStatus::AtRisk => "AT_RISK",
        ProgressStatus::Missed => "MISSED",
        ProgressStatus::NoData => "NO_DATA",
    }
}

/// `targetProgress` as a table: one row per target, as on `as_of`.
pub fn target_progress(targets: &[TargetWithProgress], as_of: NaiveDate) -> Table {
    let header = columns(&[
        "targetId",
        "target",
        "indicator",
        "aggregation",
        "state",
        "baselineValue",
        "baselineDate",
        "targetValue",
        "targetDate",
        "status",
        "actual",
        "expected",
        "participants",
        "suppressed",
        "excludesUnshared",
        "asOf",
    ]);
    let rows = targets
        .iter()
        .map(|row| {
            let (target, actual) = (&row.target, &row.progress.actual);
            vec![
                Cell::word(target.id),
                Cell::Text(target.title.clone()),
                Cell::Text(row.indicator.code.clone()),
                Cell::Word(target.aggregation.to_value()),
                Cell::Word(target.state.to_value()),
                Cell::Number(Some(target.baseline_value)),
                Cell::Date(target.baseline_date),
                Cell::Number(Some(target.target_value)),
                Cell::Date(target.target_date),
                Cell::word(status_name(row.progress.status)),
                Cell::Number(actual.value),
                Cell::Number(Some(expected(target, as_of))),
                Cell::count(actual.participants),
                Cell::Flag(actual.suppressed),
                Cell::Flag(actual.excludes_unshared),
                Cell::Date(as_of),
            ]
        })
        .collect();
    Table {
        header,
        rows,
        footer: footer(
            targets.iter().map(|row| &row.progress.rule),
            &format!("As of {as_of}, accepted evidence only."),
        ),
    }
}

/// `serviceCoverage` as a table: one row per area, with a column per intervention category.
pub fn service_coverage(rule: &Rule, areas: Vec<AreaCoverage>, as_of: NaiveDate) -> Table {
    let categories: Vec<InterventionCategory> = InterventionCategory::iter().collect();
    let mut header = columns(&["areaCode", "area", "activeInterventions"]);
    header.extend(categories.iter().map(|category| category.to_value()));
    header.extend(columns(&[
        "participantsEnrolled",
        "suppressed",
        "excludesUnshared",
    ]));
    let rows = areas
        .into_iter()
        .map(|area| {
            let mut row = vec![
                Cell::Text(area.area.code.clone()),
                Cell::Text(area.area.name.clone()),
                Cell::count(Some(area.active_interventions)),
            ];
            row.extend(categories.iter().map(|category| {
                let count = area
                    .by_category
                    .iter()
                    .find(|counted| counted.category == *category)
                    .map_or(0, |counted| counted.count);
                Cell::count(Some(count))
            }));
            row.extend([
                Cell::count(area.participants_enrolled),
                Cell::Flag(area.suppressed),
                Cell::Flag(area.excludes_unshared),
            ]);
            row
        })
        .collect();
    Table {
        header,
        rows,
        footer: footer(
            [rule],
            &format!("Young people enrolled on {as_of}; services ACTIVE now."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_escaped_and_numbers_are_not() {
        let fields: Vec<String> = [
            Cell::Text("=HYPERLINK(\"http://x\")".into()),
            Cell::Text("+1".into()),
            Cell::Text("-1".into()),
            Cell::Text("@SUM(A1)".into()),
            Cell::Text("\tx".into()),
            Cell::Text("\rx".into()),
            Cell::Text("Plain, with comma".into()),
            Cell::Number(Some(-0.5)),
            Cell::Number(None),
        ]
        .iter()
        .map(Cell::field)
        .collect();
        assert_eq!(
            line(fields.iter().map(String::as_str)),
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-1,'@SUM(A1),'\tx,\"'\rx\",\
             \"Plain, with comma\",-0.5,\r\n"
        );
    }
}
