//! Outcome records (DESIGN §3.13, §4.3, §5.1, §6.1, §6.4): batches are all or nothing and name
//! every failing row; records change only while their submission is editable; the rows reach
//! only those the sharing rules allow (and each read is logged), while the per-indicator summary
//! gives every reader of the submission its counts and means, with small numbers withheld.

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{
        TestApp, error_code,
        fixtures::{Caseload, TestUser},
        world::World,
    },
};

const ADD: &str = "mutation Add($input: AddOutcomeRecordsInput!) {
    addOutcomeRecords(input: $input) {
        records { id submissionId enrolmentId indicator { code } value observedOn phase source
                  recordedById version }
    }
}";
const UPDATE: &str = "mutation($input: UpdateOutcomeRecordInput!) {
    updateOutcomeRecord(input: $input) { record { id value observedOn phase source version } }
}";
const DELETE: &str = "mutation($input: DeleteOutcomeRecordInput!) {
    deleteOutcomeRecord(input: $input) { record { id value } }
}";
const RECORDS: &str = "query Evidence($id: ID!) {
    submission(id: $id) {
        records(first: 100) {
            nodes { id enrolmentId value phase enrolment { id participant { reference } } }
        }
    }
}";
const SUMMARY: &str = "query Summary($id: ID!) {
    submission(id: $id) {
        summary {
            indicatorId indicator { code } records participants meanBaseline meanLatest meanChange
            percentImproved suppressed
        }
    }
}";

fn record(enrolment: &str, indicator: &str, value: f64, observed_on: &str, phase: &str) -> Value {
    json!({
        "enrolmentId": enrolment, "indicatorId": indicator, "value": value,
        "observedOn": observed_on, "phase": phase, "source": "PROVIDER",
    })
}

async fn add(app: &TestApp, user: &TestUser, submission: &str, records: Vec<Value>) -> Value {
    app.gql(
        &user.token,
        ADD,
        json!({ "input": { "submissionId": submission, "records": records } }),
    )
    .await
}

/// Adds records that must be accepted; returns their ids.
async fn add_ok(
    app: &TestApp,
    user: &TestUser,
    submission: &str,
    records: Vec<Value>,
) -> Vec<String> {
    let body = add(app, user, submission, records).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["addOutcomeRecords"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `(index, field)` of every failing row a BAD_USER_INPUT reports.
fn failing_rows(body: &Value) -> Vec<(u64, String)> {
    assert_eq!(error_code(body), "BAD_USER_INPUT", "{body:#}");
    assert!(
        body["data"].is_null()
            || body["data"]
                .as_object()
                .is_some_and(|data| data.values().all(Value::is_null))
    );
    body["errors"][0]["extensions"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {body:#}"))
        .iter()
        .map(|row| {
            (
                row["index"].as_u64().unwrap(),
                row["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row_message(body: &Value, field: &str) -> String {
    body["errors"][0]["extensions"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["field"] == field)
        .unwrap_or_else(|| panic!("no row error on {field} in {body:#}"))["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn rows(expected: &[(u64, &str)]) -> Vec<(u64, String)> {
    expected
        .iter()
        .map(|(index, field)| (*index, (*field).to_owned()))
        .collect()
}

async fn version_of(app: &TestApp, record_id: &str) -> i32 {
    use sea_orm::EntityTrait;
    entity::outcome_record::Entity::find_by_id(uuid::Uuid::parse_str(record_id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .version
}

async fn update(app: &TestApp, user: &TestUser, record_id: &str, changes: Value) -> Value {
    let mut input = json!({ "id": record_id, "expectedVersion": version_of(app, record_id).await });
    input
        .as_object_mut()
        .unwrap()
        .extend(changes.as_object().unwrap().clone());
    app.gql(&user.token, UPDATE, json!({ "input": input }))
        .await
}

async fn a_batch_is_written_whole_and_audited_without_its_values(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    let confidence = c.indicator("CONFIDENCE");
    let body = add(
        &app,
        &c.provider,
        &c.submission,
        vec![
            record(&c.enrolments[0], confidence, 4.0, "2026-09-01", "BASELINE"),
            record(&c.enrolments[1], confidence, 5.5, "2026-09-01", "BASELINE"),
            record(
                &c.enrolments[0],
                c.indicator("EXCLUSION_DAYS"),
                3.0,
                "2026-10-30",
                "INTERIM",
            ),
        ],
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let written = body["data"]["addOutcomeRecords"]["records"]
        .as_array()
        .unwrap();
    assert_eq!(written.len(), 3);
    assert_eq!(
        written[1],
        json!({
            "id": written[1]["id"], "submissionId": c.submission, "enrolmentId": c.enrolments[1],
            "indicator": { "code": "CONFIDENCE" }, "value": 5.5, "observedOn": "2026-09-01",
            "phase": "BASELINE", "source": "PROVIDER", "recordedById": c.provider.id.to_string(),
            "version": 1,
        })
    );
    assert_eq!(app.count("outcome_records").await, 3);

    let data = app
        .gql_ok(&c.provider.token, RECORDS, json!({ "id": c.submission }))
        .await;
    let read: Vec<&Value> = data["submission"]["records"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| &record["id"])
        .collect();
    let sent: Vec<&Value> = written.iter().map(|record| &record["id"]).collect();
    assert_eq!(read, sent, "read back in the order they were sent");

    let trail = app
        .gql_ok(
            &app.admin().await.token,
            "{ auditEvents(filter: { action: \"outcome_records.add\" }) {
                nodes { entityType entityId partnershipId details actor { id } }
            } }",
            json!({}),
        )
        .await;
    assert_eq!(
        trail["auditEvents"]["nodes"],
        json!([{
            "entityType": "submission", "entityId": c.submission, "partnershipId": null,
            "details": { "count": 3 }, "actor": { "id": c.provider.id.to_string() },
        }]),
        "one event for the batch, with the count and not the values"
    );
}

async fn every_rule_names_the_failing_row_and_nothing_is_written(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    // The same young person on another of the provider's services.
    let holiday_club = app
        .intervention(
            &c.commissioner,
            &c.partnership,
            c.provider.organisation_id,
            "Holiday club",
        )
        .await;
    let elsewhere = app
        .enrol(&c.provider, &c.participants[0], &holiday_club)
        .await;
    let (e0, e1) = (c.enrolments[0].as_str(), c.enrolments[1].as_str());
    let confidence = c.indicator("CONFIDENCE");
    let body = add(
        &app,
        &c.provider,
        &c.submission,
        vec![
            record(e0, confidence, 4.0, "2026-09-01", "BASELINE"),
            record(&elsewhere, confidence, 4.0, "2026-09-01", "BASELINE"),
            record(
                e0,
                c.indicator("RELATIONSHIPS"),
                4.0,
                "2026-09-01",
                "BASELINE",
            ),
            record(e1, confidence, 11.0, "2026-09-01", "BASELINE"),
            record(
                e1,
                c.indicator("EXCLUSION_DAYS"),
                1.5,
                "2026-09-01",
                "BASELINE",
            ),
            record(
                e1,
                c.indicator("REINTEGRATED_MAINSTREAM"),
                0.5,
                "2026-12-01",
                "EXIT",
            ),
            record(
                e1,
                c.indicator("ATTENDANCE_PCT"),
                101.0,
                "2026-08-01",
                "BASELINE",
            ),
            record(e0, confidence, 5.0, "2026-09-02", "BASELINE"),
            record(e1, confidence, 6.0, "2026-10-01", "INTERIM"),
            record(e1, confidence, 7.0, "2026-10-01", "INTERIM"),
            record("not-an-id", confidence, 4.0, "2026-09-01", "BASELINE"),
            record(e0, confidence, 6.0, "2026-12-19", "EXIT"),
        ],
    )
    .await;
    assert_eq!(
        failing_rows(&body),
        rows(&[
            (1, "records[1].enrolmentId"),
            (2, "records[2].indicatorId"),
            (3, "records[3].value"),
            (4, "records[4].value"),
            (5, "records[5].value"),
            (6, "records[6].value"),
            (6, "records[6].observedOn"),
            (7, "records[7].phase"),
            (9, "records[9].observedOn"),
            (10, "records[10].enrolmentId"),
            (11, "records[11].observedOn"),
        ])
    );
    let message = |field| row_message(&body, field);
    assert!(message("records[1].enrolmentId").contains("Fife day programme"));
    assert!(message("records[2].indicatorId").contains("ATTENDANCE_PCT, CONFIDENCE"));
    assert!(message("records[3].value").contains("between 1 and 10"));
    assert!(message("records[4].value").contains("whole number"));
    assert!(message("records[5].value").contains("0 (no) or 1 (yes)"));
    assert!(message("records[6].observedOn").contains("2026-08-17 to 2026-12-18"));
    assert!(message("records[7].phase").contains("records[0]"));
    assert!(message("records[9].observedOn").contains("records[8]"));
    assert!(message("records[10].enrolmentId").contains("not a valid id"));
    assert_eq!(
        body["errors"][0]["message"],
        "11 row(s) of the batch are invalid; nothing was written"
    );
    assert_eq!(app.count("outcome_records").await, 0, "nothing written");
}

async fn records_already_stored_count_for_the_baseline_and_duplicate_rules(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    let (e0, e1) = (c.enrolments[0].as_str(), c.enrolments[1].as_str());
    let confidence = c.indicator("CONFIDENCE");
    add_ok(
        &app,
        &c.provider,
        &c.submission,
        vec![
            record(e0, confidence, 4.0, "2026-09-01", "BASELINE"),
            record(e1, confidence, 6.0, "2026-10-01", "INTERIM"),
        ],
    )
    .await;
    let body = add(
        &app,
        &c.provider,
        &c.submission,
        vec![
            record(e0, confidence, 5.0, "2026-09-05", "BASELINE"),
            record(e1, confidence, 7.0, "2026-10-01", "INTERIM"),
            record(e0, confidence, 6.0, "2026-10-02", "INTERIM"),
        ],
    )
    .await;
    assert_eq!(
        failing_rows(&body),
        rows(&[(0, "records[0].phase"), (1, "records[1].observedOn")])
    );
    assert!(
        row_message(&body, "records[0].phase")
            .contains("recorded for 2026-09-01 in this submission")
    );
    assert_eq!(
        app.count("outcome_records").await,
        2,
        "the good row was not written either"
    );

    // One baseline per young person and indicator, and one record per phase and day, whichever
    // submission holds it: the same BAD_USER_INPUT on the row as within one submission.
    let spring = app.submission(&c.provider, &c.intervention).await;
    let body = add(
        &app,
        &c.provider,
        &spring,
        vec![
            record(e0, confidence, 5.0, "2026-09-03", "BASELINE"),
            record(e1, confidence, 7.0, "2026-10-01", "INTERIM"),
        ],
    )
    .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(
        failing_rows(&body),
        rows(&[(0, "records[0].phase"), (1, "records[1].observedOn")])
    );
    assert!(row_message(&body, "records[0].phase").contains("in another submission"));
    assert!(row_message(&body, "records[1].observedOn").contains("in another submission"));
}

async fn a_thousand_rows_with_one_bad_row_write_nothing(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"; 10]).await;
    let indicators: Vec<&str> = [
        "CONFIDENCE",
        "ATTENDANCE_PCT",
        "EXCLUSION_DAYS",
        "REINTEGRATED_MAINSTREAM",
    ]
    .iter()
    .map(|code| c.indicator(code))
    .collect();
    let values = [5.0, 90.0, 1.0, 0.0];
    let batch = |bad: Option<usize>| -> Vec<Value> {
        (0..1000)
            .map(|i| {
                let indicator = (i / 25) % 4;
                let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
                    + chrono::Days::new((i % 25) as u64);
                let value = if Some(i) == bad {
                    150.0
                } else {
                    values[indicator]
                };
                record(
                    &c.enrolments[i / 100],
                    indicators[indicator],
                    value,
                    &day.to_string(),
                    "INTERIM",
                )
            })
            .collect()
    };

    let body = add(&app, &c.provider, &c.submission, batch(Some(637))).await;
    assert_eq!(failing_rows(&body), rows(&[(637, "records[637].value")]));
    assert!(row_message(&body, "records[637].value").contains("ATTENDANCE_PCT"));
    assert_eq!(
        app.count("outcome_records").await,
        0,
        "999 good rows, none written"
    );

    let written = add_ok(&app, &c.provider, &c.submission, batch(None)).await;
    assert_eq!(written.len(), 1000);
    assert_eq!(app.count("outcome_records").await, 1000);
}

const SMALL_BATCHES: &[(&str, &str)] = &[("MAX_BATCH_ROWS", "3")];

async fn a_batch_over_the_limit_is_refused_whole(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let confidence = c.indicator("CONFIDENCE");
    let batch: Vec<Value> = (1..=4)
        .map(|day| {
            record(
                &c.enrolments[0],
                confidence,
                5.0,
                &format!("2026-10-0{day}"),
                "INTERIM",
            )
        })
        .collect();
    let body = add(&app, &c.provider, &c.submission, batch.clone()).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.records");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("limit of 3") && message.contains("MAX_BATCH_ROWS"),
        "{message}"
    );
    assert_eq!(app.count("outcome_records").await, 0);

    let body = add(&app, &c.provider, &c.submission, vec![]).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.records");

    add_ok(&app, &c.provider, &c.submission, batch[..3].to_vec()).await;
    assert_eq!(app.count("outcome_records").await, 3);
}

async fn records_change_only_while_the_submission_is_editable(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let confidence = c.indicator("CONFIDENCE");
    let ids = add_ok(
        &app,
        &c.provider,
        &c.submission,
        vec![
            record(&c.enrolments[0], confidence, 4.0, "2026-09-01", "BASELINE"),
            record(&c.enrolments[0], confidence, 6.0, "2026-11-01", "INTERIM"),
        ],
    )
    .await;
    let (baseline, interim) = (&ids[0], &ids[1]);
    let body = update(&app, &c.provider, baseline, json!({ "value": 5 })).await;
    assert_eq!(
        body["data"]["updateOutcomeRecord"]["record"]["version"], 2,
        "{body:#}"
    );

    app.submit(&c.provider, &c.submission).await;
    let refused = [
        add(
            &app,
            &c.provider,
            &c.submission,
            vec![record(
                &c.enrolments[0],
                confidence,
                7.0,
                "2026-12-01",
                "EXIT",
            )],
        )
        .await,
        update(&app, &c.provider, baseline, json!({ "value": 3 })).await,
        app.gql(
            &c.provider.token,
            DELETE,
            json!({ "input": { "id": interim } }),
        )
        .await,
    ];
    for body in &refused {
        assert_eq!(error_code(body), "INVALID_STATE", "{body:#}");
    }
    let body = update(&app, &c.commissioner, baseline, json!({ "value": 3 })).await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "a reviewer sees the record but may not change it"
    );

    let reviewed = app
        .review(
            &c.commissioner,
            &c.submission,
            "REQUEST_CHANGES",
            Some("Please add exit scores."),
        )
        .await;
    assert!(reviewed.get("errors").is_none(), "{reviewed:#}");
    add_ok(
        &app,
        &c.provider,
        &c.submission,
        vec![record(
            &c.enrolments[0],
            confidence,
            7.0,
            "2026-12-01",
            "EXIT",
        )],
    )
    .await;
    let body = update(&app, &c.provider, baseline, json!({ "value": 3 })).await;
    assert_eq!(
        body["data"]["updateOutcomeRecord"]["record"]["value"], 3.0,
        "{body:#}"
    );
    let body = app
        .gql(
            &c.provider.token,
            DELETE,
            json!({ "input": { "id": interim } }),
        )
        .await;
    assert_eq!(
        body["data"]["deleteOutcomeRecord"]["record"]["id"],
        interim.as_str(),
        "{body:#}"
    );

    app.submit(&c.provider, &c.submission).await;
    let accepted = app
        .review(
            &c.commissioner,
            &c.submission,
            "ACCEPT",
            Some("Clear evidence, thank you."),
        )
        .await;
    assert!(accepted.get("errors").is_none(), "{accepted:#}");
    for body in [
        update(&app, &c.provider, baseline, json!({ "value": 9 })).await,
        app.gql(
            &c.provider.token,
            DELETE,
            json!({ "input": { "id": baseline } }),
        )
        .await,
    ] {
        assert_eq!(
            error_code(&body),
            "INVALID_STATE",
            "accepted is final: {body:#}"
        );
    }
    assert_eq!(app.count("outcome_records").await, 2);
    assert_eq!(version_of(&app, baseline).await, 3);
}

async fn updates_obey_the_same_rules_and_optimistic_concurrency(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let confidence = c.indicator("CONFIDENCE");
    let ids = add_ok(
        &app,
        &c.provider,
        &c.submission,
        vec![
            record(&c.enrolments[0], confidence, 4.0, "2026-09-01", "BASELINE"),
            record(&c.enrolments[0], confidence, 6.0, "2026-10-01", "INTERIM"),
        ],
    )
    .await;
    let (baseline, interim) = (&ids[0], &ids[1]);
    for (changes, field) in [
        (json!({ "phase": "BASELINE" }), "input.phase"),
        (json!({ "observedOn": "2026-12-25" }), "input.observedOn"),
        (json!({ "value": 0 }), "input.value"),
    ] {
        let body = update(&app, &c.provider, interim, changes.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{changes}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body:#}");
    }
    let body = app
        .gql(
            &c.provider.token,
            UPDATE,
            json!({ "input": { "id": interim, "expectedVersion": 7, "value": 7 } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");

    // A record does not clash with itself, and phases differ on the same day.
    let body = update(
        &app,
        &c.provider,
        baseline,
        json!({ "phase": "BASELINE", "value": 6 }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let body = update(
        &app,
        &c.provider,
        interim,
        json!({ "observedOn": "2026-09-01", "source": "SELF_REPORT" }),
    )
    .await;
    assert_eq!(
        body["data"]["updateOutcomeRecord"]["record"],
        json!({ "id": interim, "value": 6.0, "observedOn": "2026-09-01", "phase": "INTERIM",
                "source": "SELF_REPORT", "version": 2 })
    );

    let body = app
        .gql(
            &c.provider.token,
            DELETE,
            json!({ "input": { "id": interim, "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    let stranger_org = app
        .organisation(
            "Another Project",
            entity::enums::OrganisationKind::Voluntary,
        )
        .await;
    let stranger = app
        .user(stranger_org, entity::enums::UserRole::Provider)
        .await;
    for body in [
        update(&app, &stranger, interim, json!({ "value": 2 })).await,
        app.gql(
            &stranger.token,
            DELETE,
            json!({ "input": { "id": interim } }),
        )
        .await,
    ] {
        assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
    }
    let body = app
        .gql(
            &c.provider.token,
            DELETE,
            json!({ "input": { "id": interim, "expectedVersion": 2 } }),
        )
        .await;
    assert_eq!(
        body["data"]["deleteOutcomeRecord"]["record"]["value"], 6.0,
        "{body:#}"
    );
    assert_eq!(app.count("outcome_records").await, 1);

    let trail = app
        .gql_ok(
            &app.admin().await.token,
            "{ auditEvents(filter: { entityType: \"outcome_record\" }) { nodes { action entityId details } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        trail["auditEvents"]["nodes"],
        json!([
            { "action": "outcome_record.delete", "entityId": interim,
              "details": { "submissionId": c.submission } },
            { "action": "outcome_record.update", "entityId": interim,
              "details": { "submissionId": c.submission, "changed": ["observedOn", "source"] } },
            { "action": "outcome_record.update", "entityId": baseline,
              "details": { "submissionId": c.submission, "changed": ["value", "phase"] } },
        ]),
        "newest first; field names, never values"
    );
}

/// The enrolment of World's A2 (provider A's young person whose sharing basis is NONE).
async fn enrolment_a2(app: &TestApp, world: &World) -> String {
    let data = app
        .gql_ok(
            &world.provider_a.token,
            "query($id: ID!) { intervention(id: $id) { enrolments { nodes { id participant { reference } } } } }",
            json!({ "id": world.ia }),
        )
        .await;
    data["intervention"]["enrolments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|enrolment| enrolment["participant"]["reference"] == "CR-002")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn references_in(data: &Value) -> Vec<String> {
    data["submission"]["records"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            record["enrolment"]["participant"]["reference"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn access_log_operations(app: &TestApp, world: &World, participant: &str) -> Vec<Value> {
    let data = app
        .gql_ok(
            &world.provider_a.token,
            "query($id: ID!) { participant(id: $id) { accessLog { nodes { operation actor { id } } } } }",
            json!({ "id": participant }),
        )
        .await;
    data["participant"]["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn rows_reach_only_those_the_sharing_rules_allow_and_reads_are_logged(app: TestApp) {
    let world = World::build(&app).await;
    let a2 = enrolment_a2(&app, &world).await;
    add_ok(
        &app,
        &world.provider_a,
        &world.draft_submission,
        vec![
            record(
                &world.enrolment_a1,
                &world.confidence,
                4.0,
                "2026-09-01",
                "BASELINE",
            ),
            record(&a2, &world.confidence, 5.0, "2026-09-01", "BASELINE"),
        ],
    )
    .await;
    let id = json!({ "id": world.draft_submission });
    let own = app
        .gql_ok(&world.provider_a.token, RECORDS, id.clone())
        .await;
    assert_eq!(references_in(&own), ["CR-001", "CR-002"]);

    app.submit(&world.provider_a, &world.draft_submission).await;
    let reviewed = app
        .gql_ok(&world.commissioner.token, RECORDS, id.clone())
        .await;
    assert_eq!(
        references_in(&reviewed),
        ["CR-001"],
        "A2's sharing basis is NONE: the commissioner reads only the summary"
    );
    let a1_log = access_log_operations(&app, &world, &world.a1).await;
    assert_eq!(
        a1_log,
        [json!({ "operation": "Evidence", "actor": { "id": world.commissioner.id.to_string() } })]
    );
    assert_eq!(
        access_log_operations(&app, &world, &world.a2).await,
        Vec::<Value>::new()
    );

    for user in [&world.provider_b, &world.viewer, &world.outsider] {
        let body = app.gql(&user.token, RECORDS, id.clone()).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "awaiting review: {body:#}");
    }
    let accepted = app
        .review(
            &world.commissioner,
            &world.draft_submission,
            "ACCEPT",
            Some("Accepted."),
        )
        .await;
    assert!(accepted.get("errors").is_none(), "{accepted:#}");
    for user in [&world.provider_b, &world.viewer] {
        let data = app.gql_ok(&user.token, RECORDS, id.clone()).await;
        assert_eq!(
            data["submission"]["records"],
            json!({ "nodes": [] }),
            "accepted evidence is readable, its children's rows are not"
        );
    }
    let body = app.gql(&world.outsider.token, RECORDS, id.clone()).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let admin = app.gql_ok(&world.admin.token, RECORDS, id.clone()).await;
    assert_eq!(references_in(&admin), ["CR-001", "CR-002"]);
    assert_eq!(
        access_log_operations(&app, &world, &world.a2).await.len(),
        1,
        "the admin's read of A2 is logged"
    );

    // The summary still counts both young people, and hides numbers this small.
    let suppressed = json!([{
        "indicatorId": world.confidence, "indicator": { "code": "CONFIDENCE" },
        "records": null, "participants": null, "meanBaseline": null, "meanLatest": null,
        "meanChange": null, "percentImproved": null, "suppressed": true,
    }]);
    for user in [&world.commissioner, &world.provider_b, &world.viewer] {
        let data = app.gql_ok(&user.token, SUMMARY, id.clone()).await;
        assert_eq!(data["submission"]["summary"], suppressed);
    }
    let shown = json!([{
        "indicatorId": world.confidence, "indicator": { "code": "CONFIDENCE" },
        "records": 2, "participants": 2, "meanBaseline": 4.5, "meanLatest": null,
        "meanChange": null, "percentImproved": null, "suppressed": false,
    }]);
    for user in [&world.provider_a, &world.admin] {
        let data = app.gql_ok(&user.token, SUMMARY, id.clone()).await;
        assert_eq!(data["submission"]["summary"], shown);
    }
}

/// Six young people, two of whom may not be shared, measured as DESIGN §6.1 describes.
/// Young people YP-002 and YP-004 may not be shared with the partnership.
const TWO_WITHHELD: [&str; 6] = [
    "PUBLIC_TASK",
    "NONE",
    "PUBLIC_TASK",
    "NONE",
    "CONSENT",
    "PUBLIC_TASK",
];

async fn six_young_people(app: &TestApp, sharing: [&str; 6]) -> Caseload {
    let c = app.caseload(&sharing).await;
    let e = &c.enrolments;
    let (confidence, attendance, exclusions) = (
        c.indicator("CONFIDENCE"),
        c.indicator("ATTENDANCE_PCT"),
        c.indicator("EXCLUSION_DAYS"),
    );
    let mut batch = Vec::new();
    // CONFIDENCE: latest is the newest record, FOLLOW_UP beating EXIT on the same day.
    for (n, baseline) in [3.0, 4.0, 5.0, 4.0, 3.0, 5.0].into_iter().enumerate() {
        batch.push(record(
            &e[n],
            confidence,
            baseline,
            "2026-09-01",
            "BASELINE",
        ));
    }
    batch.extend([
        record(&e[0], confidence, 5.0, "2026-10-01", "INTERIM"),
        record(&e[0], confidence, 8.0, "2026-12-01", "FOLLOW_UP"),
        record(&e[0], confidence, 7.0, "2026-12-01", "EXIT"),
        record(&e[1], confidence, 4.0, "2026-11-01", "INTERIM"),
        record(&e[2], confidence, 9.0, "2026-11-01", "INTERIM"),
        record(&e[2], confidence, 6.0, "2026-12-10", "EXIT"),
        record(&e[3], confidence, 3.0, "2026-10-15", "INTERIM"),
        record(&e[4], confidence, 6.0, "2026-10-15", "INTERIM"),
    ]);
    // ATTENDANCE_PCT: three young people only.
    for (n, (baseline, latest)) in [(60.0, 90.0), (70.0, 85.0), (80.0, 70.0)]
        .into_iter()
        .enumerate()
    {
        batch.push(record(
            &e[n],
            attendance,
            baseline,
            "2026-09-01",
            "BASELINE",
        ));
        batch.push(record(&e[n], attendance, latest, "2026-12-01", "INTERIM"));
    }
    // EXCLUSION_DAYS (fewer is better): five with a latest value, four with a baseline.
    for enrolment in &e[..4] {
        batch.push(record(
            enrolment,
            exclusions,
            10.0,
            "2026-09-01",
            "BASELINE",
        ));
    }
    for (n, latest) in [2.0, 10.0, 12.0, 0.0, 5.0].into_iter().enumerate() {
        batch.push(record(&e[n], exclusions, latest, "2026-11-30", "INTERIM"));
    }
    add_ok(app, &c.provider, &c.submission, batch).await;
    c
}

fn approx(actual: &Value, expected: Option<f64>, what: &str) {
    match expected {
        None => assert!(actual.is_null(), "{what}: expected null, got {actual}"),
        Some(expected) => {
            let actual = actual
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: got {actual}"));
            assert!(
                (actual - expected).abs() < 1e-9,
                "{what}: expected {expected}, got {actual}"
            );
        }
    }
}

/// `(code, records, participants, meanBaseline, meanLatest, meanChange, percentImproved,
/// suppressed)`.
type Expected = (
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    bool,
);

fn assert_summary(data: &Value, expected: &[Expected]) {
    let cells = data["submission"]["summary"].as_array().unwrap();
    let codes: Vec<&str> = cells
        .iter()
        .map(|cell| cell["indicator"]["code"].as_str().unwrap())
        .collect();
    let expected_codes: Vec<&str> = expected.iter().map(|row| row.0).collect();
    assert_eq!(
        codes, expected_codes,
        "one cell per indicator, in code order"
    );
    for (cell, (code, records, participants, baseline, latest, change, improved, suppressed)) in
        cells.iter().zip(expected)
    {
        assert_eq!(cell["records"].as_i64(), *records, "{code} records");
        assert_eq!(
            cell["participants"].as_i64(),
            *participants,
            "{code} participants"
        );
        approx(
            &cell["meanBaseline"],
            *baseline,
            &format!("{code} meanBaseline"),
        );
        approx(&cell["meanLatest"], *latest, &format!("{code} meanLatest"));
        approx(&cell["meanChange"], *change, &format!("{code} meanChange"));
        approx(
            &cell["percentImproved"],
            *improved,
            &format!("{code} percentImproved"),
        );
        assert_eq!(cell["suppressed"], *suppressed, "{code} suppressed");
    }
}

async fn the_summary_gives_a_commissioner_counts_and_means_it_may_see(app: TestApp) {
    let c = six_young_people(&app, TWO_WITHHELD).await;
    let id = json!({ "id": c.submission });
    let provider_view: [Expected; 4] = [
        (
            "ATTENDANCE_PCT",
            Some(6),
            Some(3),
            Some(70.0),
            Some(245.0 / 3.0),
            Some(35.0 / 3.0),
            Some(200.0 / 3.0),
            false,
        ),
        (
            "CONFIDENCE",
            Some(14),
            Some(6),
            Some(4.0),
            Some(5.4),
            Some(1.6),
            Some(60.0),
            false,
        ),
        (
            "EXCLUSION_DAYS",
            Some(9),
            Some(5),
            Some(10.0),
            Some(5.8),
            Some(-4.0),
            Some(50.0),
            false,
        ),
        (
            "REINTEGRATED_MAINSTREAM",
            Some(0),
            Some(0),
            None,
            None,
            None,
            None,
            false,
        ),
    ];
    let data = app.gql_ok(&c.provider.token, SUMMARY, id.clone()).await;
    assert_summary(&data, &provider_view);

    app.submit(&c.provider, &c.submission).await;
    let data = app.gql_ok(&c.commissioner.token, SUMMARY, id.clone()).await;
    // YP-002 and YP-004 are in every cell with records: with their rows withheld and the others'
    // visible, any total would give theirs away, so the commissioner sees counts of nothing. An
    // indicator nobody was measured on identifies nobody: its zero shows, as on a dashboard.
    let suppressed = |code| (code, None, None, None, None, None, None, true);
    assert_summary(
        &data,
        &[
            suppressed("ATTENDANCE_PCT"),
            suppressed("CONFIDENCE"),
            suppressed("EXCLUSION_DAYS"),
            (
                "REINTEGRATED_MAINSTREAM",
                Some(0),
                Some(0),
                None,
                None,
                None,
                None,
                false,
            ),
        ],
    );
    let rows = app.gql_ok(&c.commissioner.token, RECORDS, id.clone()).await;
    let mut shared: Vec<String> = references_in(&rows);
    shared.sort();
    shared.dedup();
    assert_eq!(
        shared,
        ["YP-001", "YP-003", "YP-005", "YP-006"],
        "the rows of the two who may not be shared stay with the provider"
    );
}

async fn a_lower_threshold_shows_smaller_cells(app: TestApp) {
    let c = six_young_people(&app, ["PUBLIC_TASK"; 6]).await;
    app.submit(&c.provider, &c.submission).await;
    let data = app
        .gql_ok(
            &c.commissioner.token,
            SUMMARY,
            json!({ "id": c.submission }),
        )
        .await;
    assert_summary(
        &data,
        &[
            (
                "ATTENDANCE_PCT",
                Some(6),
                Some(3),
                Some(70.0),
                Some(245.0 / 3.0),
                Some(35.0 / 3.0),
                Some(200.0 / 3.0),
                false,
            ),
            (
                "CONFIDENCE",
                Some(14),
                Some(6),
                Some(4.0),
                Some(5.4),
                Some(1.6),
                Some(60.0),
                false,
            ),
            (
                "EXCLUSION_DAYS",
                Some(9),
                Some(5),
                Some(10.0),
                Some(5.8),
                Some(-4.0),
                Some(50.0),
                false,
            ),
            // Nobody measured identifies nobody: the zero shows, as on a dashboard.
            (
                "REINTEGRATED_MAINSTREAM",
                Some(0),
                Some(0),
                None,
                None,
                None,
                None,
                false,
            ),
        ],
    );
}

/// A lower threshold with perturbation off, so the commissioner's numbers are exact.
const THRESHOLD_3: &[(&str, &str)] = &[
    ("SUPPRESSION_THRESHOLD", "3"),
    ("CELL_KEY_MAX_NOISE", "0"),
    ("CELL_KEY_MAGNITUDE_PERCENT", "0"),
];

/// Records and summaries of every submission cost the same statements for 2 submissions as
/// for 6 (one per relation, never one per row).
async fn records_and_summaries_cost_the_same_for_more_submissions(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    let admin = app.admin().await;
    let confidence = c.indicator("CONFIDENCE");
    let query = "{ submissions(first: 10) { nodes {
        records(first: 20) { nodes { id indicator { code } enrolment { participant { reference } } } }
        summary { indicatorId records suppressed }
    } } }";
    let mut submissions = vec![c.submission.clone()];
    let mut next_day = 1;
    let mut grow = async |submissions: &mut Vec<String>, until: usize| {
        while submissions.len() < until {
            submissions.push(app.submission(&c.provider, &c.intervention).await);
        }
        for submission in submissions.iter() {
            let day = format!("2026-10-{next_day:02}");
            next_day += 1;
            add_ok(
                &app,
                &c.provider,
                submission,
                c.enrolments
                    .iter()
                    .map(|enrolment| record(enrolment, confidence, 5.0, &day, "INTERIM"))
                    .collect(),
            )
            .await;
        }
    };
    let statements = async |user: &TestUser| {
        let before = app.statements_executed();
        let data = app.gql_ok(&user.token, query, json!({})).await;
        assert!(!data["submissions"]["nodes"].as_array().unwrap().is_empty());
        app.statements_executed() - before
    };
    grow(&mut submissions, 2).await;
    let small = [statements(&c.provider).await, statements(&admin).await];
    grow(&mut submissions, 6).await;
    let large = [statements(&c.provider).await, statements(&admin).await];
    assert_eq!(
        small, large,
        "statements for [provider, admin] grew with the data"
    );
}

on_both_databases!(
    a_batch_is_written_whole_and_audited_without_its_values,
    every_rule_names_the_failing_row_and_nothing_is_written,
    records_already_stored_count_for_the_baseline_and_duplicate_rules,
    a_thousand_rows_with_one_bad_row_write_nothing,
    records_change_only_while_the_submission_is_editable,
    updates_obey_the_same_rules_and_optimistic_concurrency,
    rows_reach_only_those_the_sharing_rules_allow_and_reads_are_logged,
    the_summary_gives_a_commissioner_counts_and_means_it_may_see,
    records_and_summaries_cost_the_same_for_more_submissions,
);
on_both_databases!(with super::SMALL_BATCHES; a_batch_over_the_limit_is_refused_whole);
on_both_databases!(with super::THRESHOLD_3; a_lower_threshold_shows_smaller_cells);
