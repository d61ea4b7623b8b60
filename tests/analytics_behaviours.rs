//! Behaviours of the analytics worked out by hand (DESIGN §6.2, §6.3), read as an admin so that
//! every number is exact: each target status and the 5 % tolerance, a lower-is-better target
//! met, the numbers of `outcomeTrend` in MONTH, QUARTER and YEAR buckets, and what each filter
//! of a summary keeps.

use serde_json::{Value, json};

use crate::analytics::Row;
use crate::on_both_databases;
use crate::support::{
    TestApp,
    fixtures::{Caseload, TestUser},
    merged,
};

/// Each target's (status, actual, expected) as an admin reads them on `as_of`.
async fn progress_on(app: &TestApp, caseload: &Caseload, as_of: &str) -> Vec<(String, Value)> {
    let admin = app.admin().await;
    let data = app
        .gql_ok(
            &admin.token,
            "query($id: ID!, $asOf: Date!) { targetProgress(partnershipId: $id, asOf: $asOf) {
                target { title } status actual expected
            } }",
            json!({ "id": caseload.partnership, "asOf": as_of }),
        )
        .await;
    data["targetProgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let title = row["target"]["title"].as_str().unwrap().to_owned();
            (
                title,
                json!([row["status"], row["actual"], row["expected"]]),
            )
        })
        .collect()
}

/// One young person: attendance 30 % at baseline (1 September), 45 % on 15 September;
/// exclusion days 12 at baseline, 3 at exit (1 November).
const ONE_YOUNG_PERSON: [Row<'static>; 4] = [
    (0, "ATTENDANCE_PCT", "BASELINE", "2026-09-01", 30.0),
    (0, "ATTENDANCE_PCT", "INTERIM", "2026-09-15", 45.0),
    (0, "EXCLUSION_DAYS", "BASELINE", "2026-09-01", 12.0),
    (0, "EXCLUSION_DAYS", "EXIT", "2026-11-01", 3.0),
];

async fn target_status_follows_the_line_with_a_five_percent_tolerance(app: TestApp) {
    let caseload = app.caseload(&["PUBLIC_TASK"]).await;
    app.add_rows(&caseload, &ONE_YOUNG_PERSON).await;
    app.accept(&caseload).await;
    // 0 % to 100 % over 128 days (to 7 January 2027): the line is at 50 % on day 64 and
    // 51.5625 % on day 66; the tolerance is 5 % of the 100-point distance, 5 points.
    app.target_until(
        &caseload,
        ("Full attendance", "ATTENDANCE_PCT", "MEAN_LATEST"),
        (0.0, 100.0, "2027-01-07"),
    )
    .await;
    // Lower is better: 12 days down to 4, met by the 3 of the exit.
    app.target_until(
        &caseload,
        ("Exclusions down to 4 days", "EXCLUSION_DAYS", "MEAN_LATEST"),
        (10.0, 4.0, "2027-07-01"),
    )
    .await;
    app.target_until(
        &caseload,
        ("Five fewer days excluded", "EXCLUSION_DAYS", "MEAN_CHANGE"),
        (0.0, -5.0, "2027-07-01"),
    )
    .await;
    // Lower is better, not met (3 is more than 2) by a target day already past on 30 November.
    app.target_until(
        &caseload,
        ("Exclusions down to 2 days", "EXCLUSION_DAYS", "MEAN_LATEST"),
        (10.0, 2.0, "2026-11-15"),
    )
    .await;

    let on = |day: &'static str| progress_on(&app, &caseload, day);
    let attendance = |rows: Vec<(String, Value)>| {
        rows.into_iter()
            .find(|(title, _)| title == "Full attendance")
            .unwrap()
            .1
    };
    assert_eq!(
        attendance(on("2026-11-04").await),
        json!(["ON_TRACK", 45.0, 50.0]),
        "45 is 5 behind the line: exactly within the tolerance"
    );
    assert_eq!(
        attendance(on("2026-11-06").await),
        json!(["AT_RISK", 45.0, 51.5625]),
        "6.5625 behind the line is beyond it, with time left"
    );
    assert_eq!(
        attendance(on("2026-09-10").await),
        json!(["NO_DATA", null, 7.03125]),
        "no value after the baseline yet, so no latest"
    );
    assert_eq!(
        attendance(on("2027-01-08").await),
        json!(["MISSED", 45.0, 100.0]),
        "the target day has passed unmet"
    );

    let today = on("2026-11-30").await;
    let status_and_actual = |title: &str| {
        let row = &today
            .iter()
            .find(|(row, _)| row == title)
            .unwrap_or_else(|| panic!("{title} in {today:?}"))
            .1;
        json!([row[0], row[1]])
    };
    assert_eq!(
        status_and_actual("Exclusions down to 4 days"),
        json!(["ACHIEVED", 3.0]),
        "3 days is at or below 4: met, though the number is smaller"
    );
    assert_eq!(
        status_and_actual("Five fewer days excluded"),
        json!(["ACHIEVED", -9.0]),
        "a fall of 9 days goes beyond the fall of 5 aimed for"
    );
    assert_eq!(
        status_and_actual("Exclusions down to 2 days"),
        json!(["MISSED", 3.0]),
        "3 days is more than 2, and the target day has passed"
    );
}

/// Two young people's confidence, accepted, across two calendar years (asOf 30 June 2027):
///
/// | YP | BASELINE        | INTERIM                                      |
/// |----|-----------------|----------------------------------------------|
/// | 1  | 3 (1 Sep 2026)  | 5 (20 Sep), 6 (25 Sep 2026), 7 (10 Feb 2027) |
/// | 2  | 4 (10 Sep 2026) | 7 (5 Oct 2026), 8 (15 Jan 2027)              |
///
/// A young person's values in one bucket and phase count once, as their mean (YP 1's September
/// INTERIM is 5.5, over two records).
const TWO_YEARS: [Row<'static>; 7] = [
    (0, "CONFIDENCE", "BASELINE", "2026-09-01", 3.0),
    (0, "CONFIDENCE", "INTERIM", "2026-09-20", 5.0),
    (0, "CONFIDENCE", "INTERIM", "2026-09-25", 6.0),
    (0, "CONFIDENCE", "INTERIM", "2027-02-10", 7.0),
    (1, "CONFIDENCE", "BASELINE", "2026-09-10", 4.0),
    (1, "CONFIDENCE", "INTERIM", "2026-10-05", 7.0),
    (1, "CONFIDENCE", "INTERIM", "2027-01-15", 8.0),
];

/// A caseload of two shared young people with [`TWO_YEARS`] accepted, in a submission covering
/// both years.
async fn two_years_of_confidence(app: &TestApp) -> Caseload {
    let caseload = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    let submission = app
        .submission_over(
            &caseload.provider,
            &caseload.intervention,
            ("2026-08-17", "2027-07-31"),
        )
        .await;
    app.add_rows_to(&caseload, &submission, &TWO_YEARS).await;
    app.accept_submission(&caseload, &submission).await;
    caseload
}

/// The cells of an analytics query (`(field, input type)`, e.g. `("outcomeTrend",
/// "OutcomeTrendInput")`) as the admin reads them, each as the list of its `columns`. Every
/// number is exact and no cell is suppressed.
async fn admin_cells(
    app: &TestApp,
    admin: &TestUser,
    (field, input_type): (&str, &str),
    input: Value,
    columns: &[&str],
) -> Vec<Value> {
    let query = format!(
        "query($input: {input_type}!) {{ {field}(input: $input) {{
            disclosure {{ method }} cells {{ suppressed {} }}
        }} }}",
        columns.join(" ")
    );
    let data = app
        .gql_ok(&admin.token, &query, json!({ "input": input }))
        .await;
    assert_eq!(data[field]["disclosure"]["method"], "EXACT");
    data[field]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            assert_eq!(cell["suppressed"], false, "{cell}");
            Value::Array(columns.iter().map(|column| cell[*column].clone()).collect())
        })
        .collect()
}

async fn trends_count_and_average_per_bucket_and_phase(app: TestApp) {
    let caseload = two_years_of_confidence(&app).await;
    let admin = app.admin().await;
    let trend = |bucket: &'static str, filter: Value| {
        let input = merged(
            json!({
                "indicatorId": caseload.indicator("CONFIDENCE"), "partnershipId": caseload.partnership,
                "asOf": "2027-06-30", "bucket": bucket,
            }),
            filter,
        );
        admin_cells(
            &app,
            &admin,
            ("outcomeTrend", "OutcomeTrendInput"),
            input,
            &[
                "bucket",
                "bucketStart",
                "phase",
                "participants",
                "records",
                "meanValue",
            ],
        )
    };
    assert_eq!(
        trend("MONTH", json!({})).await,
        [
            json!(["2026-09", "2026-09-01", "BASELINE", 2, 2, 3.5]),
            json!(["2026-09", "2026-09-01", "INTERIM", 1, 2, 5.5]),
            json!(["2026-10", "2026-10-01", "INTERIM", 1, 1, 7.0]),
            json!(["2027-01", "2027-01-01", "INTERIM", 1, 1, 8.0]),
            json!(["2027-02", "2027-02-01", "INTERIM", 1, 1, 7.0]),
        ]
    );
    assert_eq!(
        trend("QUARTER", json!({})).await,
        [
            json!(["2026-Q3", "2026-07-01", "BASELINE", 2, 2, 3.5]),
            json!(["2026-Q3", "2026-07-01", "INTERIM", 1, 2, 5.5]),
            json!(["2026-Q4", "2026-10-01", "INTERIM", 1, 1, 7.0]),
            json!(["2027-Q1", "2027-01-01", "INTERIM", 2, 2, 7.5]),
        ]
    );
    assert_eq!(
        trend("YEAR", json!({})).await,
        [
            json!(["2026", "2026-01-01", "BASELINE", 2, 2, 3.5]),
            json!(["2026", "2026-01-01", "INTERIM", 2, 3, 6.25]),
            json!(["2027", "2027-01-01", "INTERIM", 2, 2, 7.5]),
        ]
    );
    assert_eq!(
        trend(
            "YEAR",
            json!({ "observedFrom": "2026-10-01", "observedTo": "2027-01-31" })
        )
        .await,
        [
            json!(["2026", "2026-01-01", "INTERIM", 1, 1, 7.0]),
            json!(["2027", "2027-01-01", "INTERIM", 1, 1, 8.0]),
        ],
        "the observation range keeps only the values observed within it"
    );
    assert_eq!(
        trend("YEAR", json!({ "asOf": "2026-12-31" })).await,
        [
            json!(["2026", "2026-01-01", "BASELINE", 2, 2, 3.5]),
            json!(["2026", "2026-01-01", "INTERIM", 2, 3, 6.25]),
        ],
        "nothing observed after asOf"
    );
}

async fn summary_filters_keep_only_what_they_name(app: TestApp) {
    let caseload = two_years_of_confidence(&app).await;
    // A second service of the same provider, in another category, with one young person of
    // another area, measured once in 2027.
    let second = app
        .intervention_with(
            &caseload.commissioner,
            &caseload.partnership,
            caseload.provider.organisation_id,
            json!({ "name": "Fife mentoring", "category": "MENTORING", "indicatorIds": [caseload.indicator("CONFIDENCE")] }),
        )
        .await;
    let participant = app
        .participant(
            &caseload.provider,
            "YP-003",
            json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Plan review", "areaCode": "S12000047" }),
        )
        .await;
    let enrolment = app.enrol(&caseload.provider, &participant, &second).await;
    let submission = app
        .submission_over(&caseload.provider, &second, ("2027-01-01", "2027-06-30"))
        .await;
    app.gql_ok(
        &caseload.provider.token,
        "mutation($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: $input) { records { id } } }",
        json!({ "input": { "submissionId": submission, "records": [{
            "enrolmentId": enrolment, "indicatorId": caseload.indicator("CONFIDENCE"), "value": 9,
            "observedOn": "2027-03-01", "phase": "BASELINE", "source": "PROVIDER",
        }] } }),
    )
    .await;
    app.accept_submission(&caseload, &submission).await;

    let admin = app.admin().await;
    let summary = |filter: Value| {
        let input = merged(
            json!({ "indicatorId": caseload.indicator("CONFIDENCE"), "asOf": "2027-06-30" }),
            filter,
        );
        admin_cells(
            &app,
            &admin,
            ("outcomeSummary", "OutcomeSummaryInput"),
            input,
            &["category", "participants", "records", "meanBaseline"],
        )
    };
    let p = &caseload.partnership;
    assert_eq!(
        summary(json!({ "partnershipId": p })).await,
        [json!([null, 3, 8, 16.0 / 3.0])]
    );
    assert_eq!(
        summary(json!({ "partnershipId": p, "groupBy": ["CATEGORY"] })).await,
        [
            json!(["ALTERNATIVE_EDUCATION", 2, 7, 3.5]),
            json!(["MENTORING", 1, 1, 9.0]),
        ],
        "grouped by the services' categories"
    );
    assert_eq!(
        summary(json!({ "interventionIds": [second] })).await,
        [json!([null, 1, 1, 9.0])]
    );
    assert_eq!(
        summary(json!({ "interventionIds": [caseload.intervention] })).await,
        [json!([null, 2, 7, 3.5])]
    );
    assert_eq!(
        summary(json!({ "providerIds": [caseload.provider.organisation_id] })).await,
        [json!([null, 3, 8, 16.0 / 3.0])]
    );
    assert_eq!(
        summary(json!({ "providerIds": [caseload.commissioner.organisation_id] })).await,
        [json!([null, 0, 0, null])],
        "the council delivers nothing"
    );
    assert_eq!(
        summary(json!({ "partnershipId": p, "areaCodes": ["S12000047"] })).await,
        [json!([null, 1, 1, 9.0])],
        "only YP-003 lives in Fife"
    );
    assert_eq!(
        summary(json!({ "partnershipId": p, "observedFrom": "2027-01-01" })).await,
        [json!([null, 3, 3, 9.0])],
        "from 2027: two interim values and YP-003's baseline"
    );
    assert_eq!(
        summary(json!({ "partnershipId": p, "observedTo": "2026-09-30" })).await,
        [json!([null, 2, 4, 3.5])],
        "to September 2026: both baselines and YP 1's two September values"
    );
}

on_both_databases!(
    target_status_follows_the_line_with_a_five_percent_tolerance,
    trends_count_and_average_per_bucket_and_phase,
    summary_filters_keep_only_what_they_name,
);
