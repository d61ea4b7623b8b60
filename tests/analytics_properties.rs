//! Property test of the analytics (DESIGN §6.1–§6.3): random young people and records go in
//! through the API, and every number `outcomeSummary` and `targetProgress` give an admin (who
//! sees them unsuppressed) must equal a plain Rust computation of the design's definitions, on
//! the live path (from the records) and from the outcome read model alike.
//! Cases are generated deterministically; `PROPTEST_CASES` sets how many (default 8 per
//! database).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use proptest::{collection::vec, option, prelude::*, strategy::ValueTree, test_runner::TestRunner};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{TestApp, fixtures::Caseload};

const INDICATORS: [(&str, f64, f64, bool); 2] = [
    // (code, min, max, higher is better)
    ("CONFIDENCE", 1.0, 10.0, true),
    ("EXCLUSION_DAYS", 0.0, 20.0, false),
];
const AREAS: [&str; 3] = ["S12000005", "S12000006", "S12000047"];
const SEXES: [Option<&str>; 4] = [None, Some("FEMALE"), Some("MALE"), Some("OTHER")];
/// Same-day ranks of §6.1: FOLLOW_UP beats EXIT beats INTERIM.
const LATER_PHASES: [(&str, u8); 3] = [("INTERIM", 1), ("EXIT", 2), ("FOLLOW_UP", 3)];
const GROUPINGS: [&[&str]; 7] = [
    &[],
    &["SEX"],
    &["AREA"],
    &["AGE_BAND"],
    &["LOOKED_AFTER"],
    &["SEX", "AREA"],
    &["AGE_BAND", "LOOKED_AFTER"],
];

/// Weekly observation days from 1 September 2026, inside the fixture's submission period.
fn day(index: u8) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 1).unwrap() + Days::new(7 * u64::from(index))
}

#[derive(Debug, Clone)]
struct Measure {
    baseline: Option<(u8, f64)>,
    /// (phase index into LATER_PHASES, day, value); (phase, day) pairs are distinct.
    later: Vec<(usize, u8, f64)>,
}

#[derive(Debug, Clone)]
struct Person {
    sex: Option<&'static str>,
    birth_year: i32,
    looked_after: bool,
    area: &'static str,
    shares: bool,
    /// One per entry of INDICATORS.
    measures: Vec<Measure>,
}

#[derive(Debug, Clone)]
struct Case {
    people: Vec<Person>,
    indicator: usize,
    as_of: u8,
    grouping: usize,
}

fn measure(min: f64, max: f64) -> impl Strategy<Value = Measure> {
    let value = (min as i32..=max as i32).prop_map(f64::from);
    (
        option::of((0u8..8, value.clone())),
        vec((0usize..3, 0u8..12, value), 0..4),
    )
        .prop_map(|(baseline, mut later)| {
            let mut seen = std::collections::HashSet::new();
            later.retain(|(phase, day, _)| seen.insert((*phase, *day)));
            Measure { baseline, later }
        })
}

fn person() -> impl Strategy<Value = Person> {
    (
        0usize..SEXES.len(),
        2003i32..=2018,
        any::<bool>(),
        0usize..AREAS.len(),
        any::<bool>(),
        measure(INDICATORS[0].1, INDICATORS[0].2),
        measure(INDICATORS[1].1, INDICATORS[1].2),
    )
        .prop_map(
            |(sex, birth_year, looked_after, area, shares, first, second)| Person {
                sex: SEXES[sex],
                birth_year,
                looked_after,
                area: AREAS[area],
                shares,
                measures: vec![first, second],
            },
        )
}

fn case() -> impl Strategy<Value = Case> {
    (
        vec(person(), 1..9),
        0usize..INDICATORS.len(),
        0u8..14,
        0usize..GROUPINGS.len(),
    )
        .prop_map(|(people, indicator, as_of, grouping)| Case {
            people,
            indicator,
            as_of,
            grouping,
        })
}

/// §6.1 for one young person and indicator, as of a day: (records, baseline, latest).
fn per_enrolment(measure: &Measure, as_of: u8) -> (usize, Option<f64>, Option<f64>) {
    let baseline = measure
        .baseline
        .filter(|(day, _)| *day <= as_of)
        .map(|(_, value)| value);
    let later: Vec<&(usize, u8, f64)> = measure
        .later
        .iter()
        .filter(|(_, day, _)| *day <= as_of)
        .collect();
    let latest = later
        .iter()
        .max_by_key(|(phase, day, _)| (*day, LATER_PHASES[*phase].1))
        .map(|(_, _, value)| *value);
    (
        later.len() + usize::from(baseline.is_some()),
        baseline,
        latest,
    )
}

fn age_band(birth_year: i32) -> Value {
    match 2026 - birth_year {
        0..=11 => json!("AGE_0_11"),
        12..=15 => json!("AGE_12_15"),
        16..=18 => json!("AGE_16_18"),
        19..=25 => json!("AGE_19_25"),
        _ => Value::Null,
    }
}

fn key_of(person: &Person, grouping: &[&str]) -> Vec<Value> {
    grouping
        .iter()
        .map(|dimension| match *dimension {
            "SEX" => json!(person.sex),
            "AREA" => json!(person.area),
            "AGE_BAND" => age_band(person.birth_year),
            "LOOKED_AFTER" => json!(person.looked_after),
            other => panic!("no model for {other}"),
        })
        .collect()
}

/// The §6.2 numbers of a group, computed plainly.
#[derive(Debug, Default)]
struct Expected {
    participants: i64,
    records: i64,
    baselines: Vec<f64>,
    latests: Vec<f64>,
    changes: Vec<f64>,
    improved: i64,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn model(case: &Case) -> BTreeMap<String, Expected> {
    let grouping = GROUPINGS[case.grouping];
    let higher_is_better = INDICATORS[case.indicator].3;
    let mut groups: BTreeMap<String, Expected> = BTreeMap::new();
    for person in &case.people {
        let (records, baseline, latest) =
            per_enrolment(&person.measures[case.indicator], case.as_of);
        if records == 0 {
            continue;
        }
        let group = groups
            .entry(json!(key_of(person, grouping)).to_string())
            .or_default();
        group.participants += 1;
        group.records += records as i64;
        group.baselines.extend(baseline);
        group.latests.extend(latest);
        if let (Some(baseline), Some(latest)) = (baseline, latest) {
            let change = latest - baseline;
            group.changes.push(change);
            if (higher_is_better && change > 0.0) || (!higher_is_better && change < 0.0) {
                group.improved += 1;
            }
        }
    }
    groups
}

fn assert_close(what: &str, actual: &Value, expected: Option<f64>) {
    match expected {
        None => assert_eq!(actual, &Value::Null, "{what}"),
        Some(expected) => {
            let actual = actual
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: expected {expected}, got {actual}"));
            assert!(
                (actual - expected).abs() < 1e-9,
                "{what}: expected {expected}, got {actual}"
            );
        }
    }
}

const DIMENSION_FIELDS: [(&str, &str); 4] = [
    ("SEX", "sex"),
    ("AREA", "areaCode"),
    ("AGE_BAND", "ageBand"),
    ("LOOKED_AFTER", "lookedAfter"),
];

/// Puts the case's young people and records through the API and checks every number.
async fn check(app: &TestApp, case: &Case) {
    let caseload = app.caseload(&[]).await;
    let mut enrolments = Vec::new();
    for (n, person) in case.people.iter().enumerate() {
        let sharing = if person.shares {
            json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Plan review" })
        } else {
            json!({ "sharingBasis": "NONE" })
        };
        let mut details = json!({
            "birthYear": person.birth_year, "lookedAfter": person.looked_after,
            "areaCode": person.area, "sex": person.sex,
        });
        details
            .as_object_mut()
            .unwrap()
            .extend(sharing.as_object().unwrap().clone());
        let participant = app
            .participant(&caseload.provider, &format!("P-{n}"), details)
            .await;
        enrolments.push(
            app.enrol(&caseload.provider, &participant, &caseload.intervention)
                .await,
        );
    }
    let mut records = Vec::new();
    for (person, enrolment) in case.people.iter().zip(&enrolments) {
        for ((code, ..), measure) in INDICATORS.iter().zip(&person.measures) {
            let mut add = |phase: &str, at: u8, value: f64| {
                records.push(json!({
                    "enrolmentId": enrolment, "indicatorId": caseload.indicator(code),
                    "value": value, "observedOn": day(at).to_string(), "phase": phase,
                    "source": "PROVIDER",
                }));
            };
            if let Some((at, value)) = measure.baseline {
                add("BASELINE", at, value);
            }
            for (phase, at, value) in &measure.later {
                add(LATER_PHASES[*phase].0, *at, *value);
            }
        }
    }
    if !records.is_empty() {
        app.gql_ok(
            &caseload.provider.token,
            "mutation($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: $input) { records { id } } }",
            json!({ "input": { "submissionId": caseload.submission, "records": records } }),
        )
        .await;
        app.accept(&caseload).await;
    }
    let (code, ..) = INDICATORS[case.indicator];
    let targets = [
        ("MEAN_LATEST", 5.0, 6.0),
        ("MEAN_CHANGE", 0.0, 1.0),
        ("PERCENT_IMPROVED", 0.0, 60.0),
    ];
    for (aggregation, baseline, target) in targets {
        app.target(
            &caseload,
            (aggregation, code, aggregation),
            (baseline, target),
        )
        .await;
    }

    let admin = app.admin().await;
    // The case's own day, which may fall before some records (the live path); then a day after
    // every record, answered by the read model, and the same day with an observation range that
    // keeps every record but forces the live path: all three must match the plain computation.
    compare(app, &admin.token, &caseload, case, None).await;
    let after_everything = Case {
        as_of: AFTER_EVERY_RECORD,
        ..case.clone()
    };
    compare(app, &admin.token, &caseload, &after_everything, None).await;
    compare(
        app,
        &admin.token,
        &caseload,
        &after_everything,
        Some("2000-01-01"),
    )
    .await;
}

/// A day index after every generated observation (the latest is day 13).
const AFTER_EVERY_RECORD: u8 = 17;

/// Asks the case's summary and target progress as the admin (as of the case's day, from
/// `observed_from` when given) and checks every number against the plain computation.
async fn compare(
    app: &TestApp,
    admin: &str,
    caseload: &Caseload,
    case: &Case,
    observed_from: Option<&str>,
) {
    let (code, ..) = INDICATORS[case.indicator];
    let grouping = GROUPINGS[case.grouping];
    let as_of = day(case.as_of).to_string();
    let mut input = json!({
        "indicatorId": caseload.indicator(code), "partnershipId": caseload.partnership,
        "asOf": as_of, "groupBy": grouping,
    });
    if let Some(from) = observed_from {
        input["observedFrom"] = json!(from);
    }
    let data = app
        .gql_ok(
            admin,
            "query($input: OutcomeSummaryInput!, $partnership: ID!, $asOf: Date!) {
                outcomeSummary(input: $input) { cells {
                    sex areaCode ageBand lookedAfter
                    participants records meanBaseline meanLatest meanChange percentImproved
                    suppressed
                } }
                targetProgress(partnershipId: $partnership, asOf: $asOf) {
                    target { aggregation } actual participants status
                }
            }",
            json!({ "input": input, "partnership": caseload.partnership, "asOf": as_of }),
        )
        .await;

    let expected = model(case);
    let cells = data["outcomeSummary"]["cells"].as_array().unwrap();
    let mut seen = BTreeMap::new();
    for cell in cells {
        let key: Vec<Value> = grouping
            .iter()
            .map(|dimension| {
                let field = DIMENSION_FIELDS
                    .iter()
                    .find(|(name, _)| name == dimension)
                    .unwrap()
                    .1;
                cell[field].clone()
            })
            .collect();
        seen.insert(json!(key).to_string(), cell);
    }
    if grouping.is_empty() {
        // Not grouped: always one cell, possibly of nobody.
        let total = &seen[&json!([]).to_string()];
        if expected.is_empty() {
            assert_eq!(total["participants"], 0, "{case:#?}");
            seen.clear();
        }
    }
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "groups of {case:#?}"
    );
    for (key, group) in &expected {
        let cell = seen[key];
        let what = |field: &str| format!("{field} of {key} in {case:#?}");
        assert_eq!(cell["suppressed"], false, "an admin sees every number");
        assert_eq!(
            cell["participants"],
            group.participants,
            "{}",
            what("participants")
        );
        assert_eq!(cell["records"], group.records, "{}", what("records"));
        assert_close(
            &what("meanBaseline"),
            &cell["meanBaseline"],
            mean(&group.baselines),
        );
        assert_close(
            &what("meanLatest"),
            &cell["meanLatest"],
            mean(&group.latests),
        );
        assert_close(
            &what("meanChange"),
            &cell["meanChange"],
            mean(&group.changes),
        );
        let improved = (!group.changes.is_empty())
            .then(|| 100.0 * group.improved as f64 / group.changes.len() as f64);
        assert_close(&what("percentImproved"), &cell["percentImproved"], improved);
    }

    // Target progress is the same arithmetic over the whole partnership (§6.3).
    let whole = model(&Case {
        grouping: 0,
        ..case.clone()
    });
    let whole = whole.values().next();
    for progress in data["targetProgress"].as_array().unwrap() {
        let aggregation = progress["target"]["aggregation"].as_str().unwrap();
        let (actual, n) = match (aggregation, whole) {
            (_, None) => (None, 0),
            ("MEAN_LATEST", Some(all)) => (mean(&all.latests), all.latests.len()),
            ("MEAN_CHANGE", Some(all)) => (mean(&all.changes), all.changes.len()),
            (_, Some(all)) => (
                (!all.changes.is_empty())
                    .then(|| 100.0 * all.improved as f64 / all.changes.len() as f64),
                all.changes.len(),
            ),
        };
        assert_close(
            &format!("{aggregation} progress of {case:#?}"),
            &progress["actual"],
            actual,
        );
        assert_eq!(progress["participants"], n, "{aggregation}");
        if n == 0 {
            assert_eq!(progress["status"], "NO_DATA");
        }
    }
}

async fn every_aggregate_matches_a_plain_computation(app: TestApp) {
    let cases: usize = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(8);
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    // Each case gets a fresh partnership in the same database: the caseload fixture makes new
    // organisations with fixed names, so each case uses its own app instead.
    check(&app, &strategy.new_tree(&mut runner).unwrap().current()).await;
    for _ in 1..cases {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let fresh = match app.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => TestApp::postgres().await.unwrap(),
            _ => TestApp::sqlite().await,
        };
        check(&fresh, &case).await;
    }
}

on_both_databases!(every_aggregate_matches_a_plain_computation);
