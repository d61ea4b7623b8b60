//! The evidence issue's story, end to end: a provider takes a spreadsheet of baseline and exit
//! scores for 30 young people, dry-runs it, fixes the reported lines, imports it, adds two
//! stories and submits; a commissioner finds it in the review queue and requests changes; the
//! provider fixes them and resubmits; the commissioner accepts, and nothing can change it after.

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::TestUser},
};

const IMPORT: &str = "mutation($input: ImportOutcomeRecordsCsvInput!) {
    importOutcomeRecordsCsv(input: $input) { dryRun recordCount }
}";

async fn import(
    app: &TestApp,
    provider: &TestUser,
    submission: &str,
    file: &str,
    dry_run: bool,
) -> Value {
    app.gql_upload(
        &provider.token,
        IMPORT,
        json!({ "input": { "submissionId": submission, "file": null, "dryRun": dry_run } }),
        "variables.input.file",
        "autumn-scores.csv",
        file.as_bytes().to_vec(),
    )
    .await
    .1
}

async fn version_of(app: &TestApp, user: &TestUser, submission: &str) -> Value {
    app.gql_ok(
        &user.token,
        "query($id: ID!) { submission(id: $id) { version } }",
        json!({ "id": submission }),
    )
    .await["submission"]["version"]
        .clone()
}

async fn a_spreadsheet_becomes_accepted_evidence(app: TestApp) {
    // Most young people agreed to share with the partnership; five did not (with fewer, the
    // summary would leave them out for the commissioner: see analytics::disclosure).
    let mut sharing = vec!["PUBLIC_TASK"; 25];
    sharing.extend(["NONE"; 5]);
    let c = app.caseload(&sharing).await;
    let (provider, commissioner) = (&c.provider, &c.commissioner);

    // The spreadsheet as it came from the practitioners, with two mistakes on lines 6 and 41.
    let mut lines =
        vec!["Participant_Reference;Indicator_Code;Phase;Observed_On;Value;Source".to_owned()];
    for (n, reference) in c.references.iter().enumerate() {
        lines.push(format!(
            "{reference};CONFIDENCE;BASELINE;2026-09-01;{};SELF_REPORT",
            3 + n % 3
        ));
        lines.push(format!(
            "{reference};CONFIDENCE;EXIT;2026-12-11;{};SELF_REPORT",
            5 + n % 4
        ));
    }
    lines[5] = format!(
        "{};CONFIDENCE;BASELINE;2026-09-01;11;SELF_REPORT",
        c.references[2]
    );
    lines[40] = "YP-999;CONFIDENCE;EXIT;2026-12-11;6;SELF_REPORT".to_owned();
    let spreadsheet = format!("\u{feff}{}\r\n", lines.join("\r\n"));

    let body = import(&app, provider, &c.submission, &spreadsheet, true).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let reported: Vec<(u64, &str)> = body["errors"][0]["extensions"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["index"].as_u64().unwrap(),
                row["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [(6, "value"), (41, "participant_reference")],
        "{body:#}"
    );
    assert_eq!(
        app.count("outcome_records").await,
        0,
        "a dry run with mistakes writes nothing"
    );

    lines[5] = format!(
        "{};CONFIDENCE;BASELINE;2026-09-01;4;SELF_REPORT",
        c.references[2]
    );
    lines[40] = format!(
        "{};CONFIDENCE;EXIT;2026-12-11;6;SELF_REPORT",
        c.references[19]
    );
    let fixed = format!("\u{feff}{}\r\n", lines.join("\r\n"));
    let dry = import(&app, provider, &c.submission, &fixed, true).await;
    assert_eq!(
        dry["data"]["importOutcomeRecordsCsv"],
        json!({ "dryRun": true, "recordCount": 60 }),
        "{dry:#}"
    );
    assert_eq!(
        app.count("outcome_records").await,
        0,
        "a clean dry run still writes nothing"
    );
    let imported = import(&app, provider, &c.submission, &fixed, false).await;
    assert_eq!(
        imported["data"]["importOutcomeRecordsCsv"]["recordCount"], 60,
        "{imported:#}"
    );
    assert_eq!(app.count("outcome_records").await, 60);

    for (title, enrolment) in [
        ("Back in class", Some(&c.enrolments[0])),
        ("Our group", None),
    ] {
        app.gql_ok(&provider.token, "mutation($input: AddStoryInput!) { addStory(input: $input) { story { id } } }",
            json!({ "input": { "submissionId": c.submission, "enrolmentId": enrolment, "title": title,
                "body": "I feel listened to now.", "wellbeing": ["RESPECTED", "ACHIEVING"], "consentToShare": true } }))
            .await;
    }
    let submit = "mutation($input: SubmitSubmissionInput!) { submitSubmission(input: $input) { submission { status } } }";
    let version = version_of(&app, provider, &c.submission).await;
    app.gql_ok(
        &provider.token,
        submit,
        json!({ "input": { "id": c.submission, "expectedVersion": version } }),
    )
    .await;

    let queue = app
        .gql_ok(&commissioner.token, "{ submissions(filter: { status: SUBMITTED }) { totalCount nodes { id summary { indicator { code } participants meanChange percentImproved suppressed } } } }", json!({}))
        .await;
    assert_eq!(queue["submissions"]["totalCount"], 1);
    let summary = &queue["submissions"]["nodes"][0]["summary"];
    let confidence = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|cell| cell["indicator"]["code"] == "CONFIDENCE")
        .unwrap();
    // Five withheld are enough to count: the summary counts every young person, shared or
    // not, perturbed by at most 2 (the cell-key method).
    let participants = confidence["participants"].as_i64().unwrap();
    assert!((28..=32).contains(&participants), "{participants}");
    assert_eq!(confidence["suppressed"], false);
    assert!(
        confidence["meanChange"].as_f64().unwrap() > 0.0,
        "distance travelled on confidence"
    );

    let review = "mutation($input: ReviewSubmissionInput!) { reviewSubmission(input: $input) { submission { status } } }";
    let requested = app
        .gql_ok(
            &commissioner.token,
            review,
            json!({ "input": { "submissionId": c.submission, "decision": "REQUEST_CHANGES",
            "comment": "Please say in the narrative how the school was involved." } }),
        )
        .await;
    assert_eq!(
        requested["reviewSubmission"]["submission"]["status"],
        "CHANGES_REQUESTED"
    );

    let version = version_of(&app, provider, &c.submission).await;
    app.gql_ok(&provider.token, "mutation($input: UpdateSubmissionInput!) { updateSubmission(input: $input) { submission { id } } }",
        json!({ "input": { "id": c.submission, "expectedVersion": version,
            "narrative": "Autumn term. Class teachers joined each weekly review with the school." } }))
        .await;
    let version = version_of(&app, provider, &c.submission).await;
    app.gql_ok(
        &provider.token,
        submit,
        json!({ "input": { "id": c.submission, "expectedVersion": version } }),
    )
    .await;
    let accepted = app
        .gql_ok(&commissioner.token, review, json!({ "input": { "submissionId": c.submission, "decision": "ACCEPT", "comment": "Thank you." } }))
        .await;
    assert_eq!(
        accepted["reviewSubmission"]["submission"]["status"],
        "ACCEPTED"
    );

    let seen = app
        .gql_ok(&commissioner.token, "query($id: ID!) { submission(id: $id) { comments { decision } records(first: 100) { totalCount nodes { id } } stories { nodes { title } } } }", json!({ "id": c.submission }))
        .await;
    let comments: Vec<&str> = seen["submission"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["decision"].as_str().unwrap())
        .collect();
    assert_eq!(comments, ["REQUEST_CHANGES", "ACCEPT"]);
    assert_eq!(
        seen["submission"]["records"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        50,
        "rows only of the 25 who share"
    );
    assert_eq!(seen["submission"]["records"]["totalCount"], 50);
    assert_eq!(
        seen["submission"]["stories"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Accepted is final: no path changes it.
    let body = import(&app, provider, &c.submission, &fixed, false).await;
    assert_eq!(error_code(&body), "INVALID_STATE");
    let version = version_of(&app, provider, &c.submission).await;
    let body = app
        .gql(&provider.token, "mutation($input: WithdrawSubmissionInput!) { withdrawSubmission(input: $input) { submission { id } } }",
            json!({ "input": { "id": c.submission, "expectedVersion": version } }))
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE");
    assert_eq!(app.count("outcome_records").await, 60);
}

on_both_databases!(a_spreadsheet_becomes_accepted_evidence);
