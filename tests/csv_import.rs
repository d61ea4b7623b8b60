//! Importing outcome records from a spreadsheet (DESIGN §7 `importOutcomeRecordsCsv`): a CSV
//! file sent as a GraphQL multipart upload, read whatever the spreadsheet's export habits (byte
//! order mark, semicolons, decimal commas, column order), checked by the same rules as
//! `addOutcomeRecords`, all or nothing, with errors by line and column, and bounded in size.

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::Caseload, fixtures::TestUser},
};

const IMPORT: &str = "mutation Import($input: ImportOutcomeRecordsCsvInput!) {
    importOutcomeRecordsCsv(input: $input) {
        dryRun recordCount
        records { enrolmentId indicator { code } value observedOn phase source }
    }
}";

const HEADER: &str = "participant_reference,indicator_code,phase,observed_on,value,source";

/// Imports `file` into `submission` as `user` (a multipart upload); status and body.
pub async fn import(
    app: &TestApp,
    user: &TestUser,
    submission: &str,
    file: &[u8],
    dry_run: bool,
) -> (u16, Value) {
    app.gql_upload(
        &user.token,
        IMPORT,
        json!({ "input": { "submissionId": submission, "file": null, "dryRun": dry_run } }),
        "variables.input.file",
        "outcomes.csv",
        file.to_vec(),
    )
    .await
}

async fn import_ok(
    app: &TestApp,
    user: &TestUser,
    submission: &str,
    file: &str,
    dry_run: bool,
) -> Value {
    let (status, body) = import(app, user, submission, file.as_bytes(), dry_run).await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["importOutcomeRecordsCsv"].clone()
}

/// `(line, column)` of every failing line.
fn failing_lines(body: &Value) -> Vec<(u64, String)> {
    assert_eq!(error_code(body), "BAD_USER_INPUT", "{body:#}");
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

fn message_on(body: &Value, line: u64, column: &str) -> String {
    body["errors"][0]["extensions"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["index"] == line && row["field"] == column)
        .unwrap_or_else(|| panic!("no error on line {line}, {column}: {body:#}"))["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn audit_actions(app: &TestApp, c: &Caseload) -> Vec<Value> {
    // Read as an admin: evidence written to a draft is not in the commissioners' trail.
    let data = app
        .gql_ok(
            &app.admin().await.token,
            "query($id: String) { auditEvents(filter: { action: \"outcome_records.import\", entityId: $id }) { nodes { entityId details } } }",
            json!({ "id": c.submission }),
        )
        .await;
    data["auditEvents"]["nodes"].as_array().unwrap().clone()
}

async fn a_thirty_row_spreadsheet_is_imported(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"; 10]).await;
    let mut file = format!("{HEADER}\n");
    for reference in &c.references {
        file.push_str(&format!(
            "{reference},CONFIDENCE,BASELINE,2026-09-01,4,SELF_REPORT\n"
        ));
        file.push_str(&format!(
            "{reference},CONFIDENCE,INTERIM,2026-10-15,6,SELF_REPORT\n"
        ));
        file.push_str(&format!(
            "{reference},EXCLUSION_DAYS,INTERIM,2026-10-31,0,SCHOOL\n"
        ));
    }
    let result = import_ok(&app, &c.provider, &c.submission, &file, false).await;
    assert_eq!(result["dryRun"], false);
    assert_eq!(result["recordCount"], 30);
    let records = result["records"].as_array().unwrap();
    assert_eq!(records.len(), 30);
    assert_eq!(
        records[2],
        json!({ "enrolmentId": c.enrolments[0], "indicator": { "code": "EXCLUSION_DAYS" },
                "value": 0.0, "observedOn": "2026-10-31", "phase": "INTERIM", "source": "SCHOOL" })
    );
    assert_eq!(app.count("outcome_records").await, 30);
    assert_eq!(
        audit_actions(&app, &c).await,
        [json!({ "entityId": c.submission, "details": { "count": 30 } })]
    );
}

/// More rows than SQLite takes in one INSERT (32766 parameters, 12 per record), so the
/// records are written in several statements, still all or nothing.
/// 3,000 lines: an INTERIM record of each of the caseload's ten young people, on each of its
/// four indicators, on each of 75 days.
fn three_thousand_lines(c: &Caseload) -> String {
    let mut lines = String::new();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    for reference in &c.references {
        for code in [
            "CONFIDENCE",
            "ATTENDANCE_PCT",
            "EXCLUSION_DAYS",
            "REINTEGRATED_MAINSTREAM",
        ] {
            for day in 0..75 {
                let date = first + chrono::Days::new(day);
                lines.push_str(&format!("{reference},{code},INTERIM,{date},1,PROVIDER\n"));
            }
        }
    }
    lines
}

async fn a_large_file_is_imported_in_several_statements(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"; 10]).await;
    let file = format!("{HEADER}\n{}", three_thousand_lines(&c));
    let (_, body) = import(&app, &c.provider, &c.submission, file.as_bytes(), false).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["importOutcomeRecordsCsv"]["recordCount"], 3000);
    assert_eq!(app.count("outcome_records").await, 3000);
}

/// A file is checked and written a thousand lines at a time in one transaction: a line that
/// repeats one of an earlier part is named with that line, and a failure in the last part
/// leaves nothing of the parts before it.
async fn a_file_is_checked_in_parts_and_written_all_or_nothing(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"; 10]).await;
    let baseline = "YP-001,CONFIDENCE,BASELINE,2026-09-01,3,PROVIDER\n";
    let file = format!("{HEADER}\n{baseline}{}", three_thousand_lines(&c));
    let second_baseline = format!("{file}{}", baseline.replace(",3,", ",4,"));
    let (_, body) = import(
        &app,
        &c.provider,
        &c.submission,
        second_baseline.as_bytes(),
        false,
    )
    .await;
    assert_eq!(failing_lines(&body), [(3003, "phase".to_owned())]);
    let message = message_on(&body, 3003, "phase");
    assert!(message.contains("line 2"), "{message}");
    assert_eq!(app.count("outcome_records").await, 0);

    let imported = import_ok(&app, &c.provider, &c.submission, &file, false).await;
    assert_eq!(imported["recordCount"], 3001);
    assert_eq!(app.count("outcome_records").await, 3001);
}

async fn the_sample_file_in_examples_imports(app: TestApp) {
    let c = app
        .caseload(&["PUBLIC_TASK", "PUBLIC_TASK", "PUBLIC_TASK"])
        .await;
    let sample = include_str!("../examples/outcome-records.csv");
    let result = import_ok(&app, &c.provider, &c.submission, sample, false).await;
    assert_eq!(result["recordCount"], sample.lines().count() - 1);
}

async fn byte_order_marks_semicolons_any_column_order_and_decimal_commas_are_read(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    // As a spreadsheet set to a decimal comma saves "CSV UTF-8": BOM, semicolons, CRLF.
    let file = "\u{feff}Value;Source;Observed_On;PHASE;Indicator_Code;Participant_Reference\r\n\
                62,5;school;2026-09-01;baseline;attendance_pct;YP-001\r\n\
                \r\n\
                \"7\";Self Report;2026-12-01;follow-up;CONFIDENCE;YP-002\r\n";
    let result = import_ok(&app, &c.provider, &c.submission, file, false).await;
    assert_eq!(
        result["records"],
        json!([
            { "enrolmentId": c.enrolments[0], "indicator": { "code": "ATTENDANCE_PCT" },
              "value": 62.5, "observedOn": "2026-09-01", "phase": "BASELINE", "source": "SCHOOL" },
            { "enrolmentId": c.enrolments[1], "indicator": { "code": "CONFIDENCE" },
              "value": 7.0, "observedOn": "2026-12-01", "phase": "FOLLOW_UP", "source": "SELF_REPORT" },
        ])
    );
    assert_eq!(app.count("outcome_records").await, 2);
}

async fn a_dry_run_writes_nothing_and_reports_what_it_would(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK"]).await;
    let file = format!(
        "{HEADER}\nYP-001,CONFIDENCE,BASELINE,2026-09-01,3,PROVIDER\n\
         YP-002,CONFIDENCE,BASELINE,2026-09-01,5,PROVIDER\n"
    );
    let result = import_ok(&app, &c.provider, &c.submission, &file, true).await;
    assert_eq!(result["dryRun"], true);
    assert_eq!(result["recordCount"], 2);
    assert_eq!(
        result["records"][1]["enrolmentId"],
        c.enrolments[1].as_str()
    );
    assert_eq!(
        app.count("outcome_records").await,
        0,
        "a dry run writes nothing"
    );
    assert!(
        audit_actions(&app, &c).await.is_empty(),
        "nor audits anything"
    );

    // A dry run finds every error a real import would.
    let bad = format!("{HEADER}\nYP-001,CONFIDENCE,BASELINE,2026-09-01,30,PROVIDER\n");
    let (_, body) = import(&app, &c.provider, &c.submission, bad.as_bytes(), true).await;
    assert_eq!(failing_lines(&body), [(2, "value".to_owned())]);

    let result = import_ok(&app, &c.provider, &c.submission, &file, false).await;
    assert_eq!(result["recordCount"], 2);
    assert_eq!(app.count("outcome_records").await, 2);
}

async fn errors_name_the_line_and_the_column_and_nothing_is_written(app: TestApp) {
    let c = app
        .caseload(&["PUBLIC_TASK", "PUBLIC_TASK", "PUBLIC_TASK"])
        .await;
    // A young person of this provider who is not on this service.
    app.participant(
        &c.provider,
        "YP-900",
        json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Child's plan review" }),
    )
    .await;
    let file = format!(
        "{HEADER}\n\
         YP-001,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n\
         YP-404,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n\
         YP-002,SELF_ESTEEM,BASELINE,2026-09-01,4,PROVIDER\n\
         YP-002,CONFIDENCE,BASELINE,2026-09-01,12,PROVIDER\n\
         YP-003,CONFIDENCE,BASELINE,2027-01-10,4,PROVIDER\n\
         YP-001,CONFIDENCE,BASELINE,2026-09-08,5,PROVIDER\n\
         YP-003,EXCLUSION_DAYS,INTERIM,01/10/2026,2,PROVIDER\n\
         YP-900,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n\
         YP-003,CONFIDENCE,SOMETIMES,2026-10-01,4,TEACHER\n\
         YP-003,ATTENDANCE_PCT,INTERIM,2026-10-01,lots,SCHOOL\n\
         YP-003,ATTENDANCE_PCT,INTERIM,2026-10-02\n"
    );
    for dry_run in [true, false] {
        let (_, body) = import(&app, &c.provider, &c.submission, file.as_bytes(), dry_run).await;
        let expected: Vec<(u64, String)> = [
            (3, "participant_reference"),
            (4, "indicator_code"),
            (5, "value"),
            (6, "observed_on"),
            (7, "phase"),
            (8, "observed_on"),
            (9, "participant_reference"),
            (10, "phase"),
            (10, "source"),
            (11, "value"),
            (12, "value"),
        ]
        .into_iter()
        .map(|(line, column)| (line, column.to_owned()))
        .collect();
        let mut found = failing_lines(&body);
        found.sort();
        assert_eq!(found, expected, "dry run: {dry_run}");
        assert!(message_on(&body, 3, "participant_reference").contains("`YP-404`"));
        assert!(message_on(&body, 4, "indicator_code").contains("`SELF_ESTEEM`"));
        assert!(message_on(&body, 5, "value").contains("between 1 and 10"));
        assert!(message_on(&body, 6, "observed_on").contains("2026-08-17 to 2026-12-18"));
        assert!(message_on(&body, 7, "phase").contains("line 2"));
        assert!(message_on(&body, 8, "observed_on").contains("YYYY-MM-DD"));
        assert!(message_on(&body, 9, "participant_reference").contains("not enrolled"));
        assert!(message_on(&body, 12, "value").contains("has 4 cells but the header has 6"));
    }
    assert_eq!(app.count("outcome_records").await, 0, "all or nothing");

    let (_, body) = import(
        &app,
        &c.provider,
        &c.submission,
        b"participant_reference;indicator_code;phase;observed_on;value;notes\n",
        false,
    )
    .await;
    assert_eq!(
        failing_lines(&body),
        [(1, "notes".to_owned()), (1, "source".to_owned())],
        "the header is line 1"
    );
}

async fn a_line_is_matched_to_the_enrolment_running_on_its_date(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    app.gql_ok(
        &c.provider.token,
        "mutation($input: EndEnrolmentInput!) { endEnrolment(input: $input) { enrolment { id } } }",
        json!({ "input": { "id": c.enrolments[0], "expectedVersion": 1, "endedOn": "2026-10-31", "exitReason": "MOVED_AWAY" } }),
    )
    .await;
    let again = app
        .gql_ok(
            &c.provider.token,
            "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            json!({ "input": { "participantId": c.participants[0], "interventionId": c.intervention,
                "referredOn": "2026-11-10", "referralSource": "SELF_OR_FAMILY", "startedOn": "2026-11-16" } }),
        )
        .await["enrolParticipant"]["enrolment"]["id"]
        .clone();
    let file = format!(
        "{HEADER}\nYP-001,CONFIDENCE,INTERIM,2026-10-01,4,PROVIDER\n\
         YP-001,CONFIDENCE,INTERIM,2026-11-20,6,PROVIDER\n"
    );
    let result = import_ok(&app, &c.provider, &c.submission, &file, true).await;
    assert_eq!(
        result["records"][0]["enrolmentId"],
        c.enrolments[0].as_str()
    );
    assert_eq!(result["records"][1]["enrolmentId"], again);

    let between = format!("{HEADER}\nYP-001,CONFIDENCE,INTERIM,2026-11-05,5,PROVIDER\n");
    let (_, body) = import(&app, &c.provider, &c.submission, between.as_bytes(), true).await;
    assert_eq!(
        failing_lines(&body),
        [(2, "participant_reference".to_owned())]
    );
    let message = message_on(&body, 2, "participant_reference");
    assert!(
        message.contains("no enrolment") && message.contains("2026-08-20 to 2026-10-31"),
        "{message}"
    );
}

const SMALL_FILES: &[(&str, &str)] = &[("MAX_UPLOAD_BYTES", "4096"), ("MAX_CSV_ROWS", "5")];

async fn files_too_large_or_too_long_are_refused_clearly(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let row = "YP-001,CONFIDENCE,INTERIM,2026-10-01,4,PROVIDER\n";
    let large = format!("{HEADER}\n{}", row.repeat(100));
    let (status, body) = import(&app, &c.provider, &c.submission, large.as_bytes(), false).await;
    assert_eq!(status, 413, "{body:#}");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("4096") && message.contains("MAX_UPLOAD_BYTES"),
        "{message}"
    );

    let mut long = format!("{HEADER}\n");
    for day in 1..=6 {
        long.push_str(&format!(
            "YP-001,CONFIDENCE,INTERIM,2026-10-0{day},4,PROVIDER\n"
        ));
    }
    let (_, body) = import(&app, &c.provider, &c.submission, long.as_bytes(), false).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.file");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("more than 5 data rows") && message.contains("MAX_CSV_ROWS"),
        "{message}"
    );

    let (_, body) = import(&app, &c.provider, &c.submission, b"\xff\xfeY\0P\0", false).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.file");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
    assert_eq!(app.count("outcome_records").await, 0);

    let five = long.lines().take(6).collect::<Vec<_>>().join("\n");
    let result = import_ok(&app, &c.provider, &c.submission, &five, false).await;
    assert_eq!(result["recordCount"], 5, "the limit itself is allowed");
}

async fn only_the_delivering_provider_imports_and_only_while_editable(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let file = format!("{HEADER}\nYP-001,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n");
    let stranger_org = app
        .organisation(
            "Another Project",
            entity::enums::OrganisationKind::Voluntary,
        )
        .await;
    let stranger = app
        .user(stranger_org, entity::enums::UserRole::Provider)
        .await;
    let (_, body) = import(&app, &stranger, &c.submission, file.as_bytes(), true).await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    import_ok(&app, &c.provider, &c.submission, &file, false).await;
    app.submit(&c.provider, &c.submission).await;
    let (_, body) = import(&app, &c.commissioner, &c.submission, file.as_bytes(), true).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let more = format!("{HEADER}\nYP-001,CONFIDENCE,INTERIM,2026-10-01,6,PROVIDER\n");
    for dry_run in [true, false] {
        let (_, body) = import(&app, &c.provider, &c.submission, more.as_bytes(), dry_run).await;
        assert_eq!(error_code(&body), "INVALID_STATE", "{body:#}");
    }
    assert_eq!(app.count("outcome_records").await, 1);
}

async fn a_file_cannot_be_smuggled_into_a_json_request(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    for forged in [
        "#__graphql_file__:0",
        "#__graphql_file__:9",
        "#__graphql_file__:x",
    ] {
        let (status, body) = app
            .gql_as(
                Some(&c.provider.token),
                IMPORT,
                json!({ "input": { "submissionId": c.submission, "file": forged } }),
            )
            .await;
        assert_eq!(status, 400, "{forged}: {body:#}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
    // The service is still up.
    app.gql_ok(&c.provider.token, "{ me { id } }", json!({}))
        .await;
}

const CODES: [&str; 4] = [
    "CONFIDENCE",
    "ATTENDANCE_PCT",
    "EXCLUSION_DAYS",
    "REINTEGRATED_MAINSTREAM",
];

/// One import slot and no wait: imports sent together find it taken, and the callers who do
/// are told BUSY (503, `Retry-After`) with nothing written, while the others import in full.
async fn imports_beyond_the_bound_are_busy_and_write_nothing(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"; 10]).await;
    // The enrolments (from 2026-09-01) and the submission's period (to 2026-12-18) have room
    // for 15 files of 7 days each: 280 rows on days of their own, so no two files collide.
    let first = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let file = |offset: u64| {
        let mut file = format!("{HEADER}\n");
        for reference in &c.references {
            for code in CODES {
                for day in 0..7 {
                    let date = first + chrono::Days::new(offset * 7 + day);
                    file.push_str(&format!("{reference},{code},INTERIM,{date},1,PROVIDER\n"));
                }
            }
        }
        file
    };
    let send = |offset: u64| {
        let form = reqwest::multipart::Form::new()
            .text(
                "operations",
                json!({ "query": IMPORT, "variables": {
                    "input": { "submissionId": c.submission, "file": null, "dryRun": false },
                }})
                .to_string(),
            )
            .text("map", json!({ "0": ["variables.input.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(file(offset).into_bytes()).file_name("o.csv"),
            );
        app.client()
            .post(app.url("/graphql"))
            .bearer_auth(&c.provider.token)
            .multipart(form)
            .send()
    };
    let (mut imported, mut busy) = (0, 0);
    // Three at once until one of them finds the slot taken (the first round almost always).
    for round in 0..5u64 {
        let (a, b, c) = tokio::join!(send(round * 3), send(round * 3 + 1), send(round * 3 + 2));
        for response in [a, b, c] {
            let response = response.expect("request sent");
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().to_owned());
            let body: Value = response.json().await.expect("JSON body");
            if status == 503 {
                assert_eq!(error_code(&body), "BUSY", "{body:#}");
                assert_eq!(retry_after.as_deref(), Some("2"));
                busy += 1;
            } else {
                assert_eq!(status, 200, "{body:#}");
                assert_eq!(
                    body["data"]["importOutcomeRecordsCsv"]["recordCount"], 280,
                    "{body:#}"
                );
                imported += 1;
            }
        }
        if busy > 0 {
            break;
        }
    }
    assert!(busy > 0, "no import ever found the slot taken");
    assert_eq!(
        app.count("outcome_records").await,
        280 * imported,
        "the busy callers wrote nothing"
    );
}

const ONE_IMPORT_AT_A_TIME: &[(&str, &str)] =
    &[("MAX_CONCURRENT_IMPORTS", "1"), ("IMPORT_WAIT_MS", "0")];

on_both_databases!(with super::ONE_IMPORT_AT_A_TIME; imports_beyond_the_bound_are_busy_and_write_nothing);

on_both_databases!(
    a_thirty_row_spreadsheet_is_imported,
    a_large_file_is_imported_in_several_statements,
    a_file_is_checked_in_parts_and_written_all_or_nothing,
    the_sample_file_in_examples_imports,
    byte_order_marks_semicolons_any_column_order_and_decimal_commas_are_read,
    a_dry_run_writes_nothing_and_reports_what_it_would,
    errors_name_the_line_and_the_column_and_nothing_is_written,
    a_line_is_matched_to_the_enrolment_running_on_its_date,
    only_the_delivering_provider_imports_and_only_while_editable,
    a_file_cannot_be_smuggled_into_a_json_request,
);
on_both_databases!(with super::SMALL_FILES; files_too_large_or_too_long_are_refused_clearly);
