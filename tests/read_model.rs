//! The outcome read model (`enrolment_outcomes`): accepting a submission moves the dashboards at
//! once, and `api analytics rebuild --check` (`read_model::differences`) finds a row that no
//! longer matches the records, which `rebuild` puts right.

use api::analytics::read_model;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::analytics::Row;
use crate::on_both_databases;
use crate::support::TestApp;

/// A day after every record below: dashboards as of it read the read model.
const AS_OF: &str = "2026-12-18";

fn rows() -> Vec<Row<'static>> {
    (0..6)
        .flat_map(|who| {
            [
                (who, "CONFIDENCE", "BASELINE", "2026-09-01", 4.0),
                (who, "CONFIDENCE", "EXIT", "2026-11-15", 5.0 + who as f64),
            ]
        })
        .collect()
}

async fn mean_latest(app: &TestApp, token: &str, indicator: &str) -> Value {
    app.gql_ok(
        token,
        "query($input: OutcomeSummaryInput!) { outcomeSummary(input: $input) { cells { participants meanLatest } } }",
        json!({ "input": { "indicatorId": indicator, "asOf": AS_OF } }),
    )
    .await["outcomeSummary"]["cells"][0]
        .clone()
}

async fn accepting_a_submission_moves_the_dashboards_at_once(app: TestApp) {
    let caseload = app.caseload(&["PUBLIC_TASK"; 6]).await;
    app.add_rows(&caseload, &rows()).await;
    let admin = app.admin().await;
    let confidence = caseload.indicator("CONFIDENCE");
    app.submit(&caseload.provider, &caseload.submission).await;
    let before = mean_latest(&app, &admin.token, confidence).await;
    assert_eq!(before["participants"], 0, "submitted is not yet accepted");

    let reviewed = app
        .review(&caseload.commissioner, &caseload.submission, "ACCEPT", None)
        .await;
    assert!(reviewed.get("errors").is_none(), "{reviewed:#}");
    let after = mean_latest(&app, &admin.token, confidence).await;
    assert_eq!(after["participants"], 6);
    // Latest values 5…10: mean 7.5.
    assert_eq!(after["meanLatest"], 7.5);
    let found = read_model::differences(&app.db).await.unwrap();
    assert!(found.none(), "{found:?}");
}

async fn a_planted_difference_is_found_and_rebuilt(app: TestApp) {
    let caseload = app.caseload(&["PUBLIC_TASK"; 6]).await;
    app.add_rows(&caseload, &rows()).await;
    app.accept(&caseload).await;
    let admin = app.admin().await;
    let confidence = caseload.indicator("CONFIDENCE");

    // A restore gone wrong: one young person's latest value changed in the read model only.
    app.db
        .execute_unprepared(
            "UPDATE enrolment_outcomes SET latest = latest + 6
             WHERE latest = (SELECT MAX(latest) FROM enrolment_outcomes)",
        )
        .await
        .unwrap();
    let planted = mean_latest(&app, &admin.token, confidence).await;
    assert_eq!(
        planted["meanLatest"], 8.5,
        "the dashboard reads the read model: (5 + … + 9 + 16) / 6"
    );
    let found = read_model::differences(&app.db).await.unwrap();
    assert_eq!((found.missing, found.stale), (1, 1), "{found:?}");

    assert_eq!(read_model::rebuild(&app.db).await.unwrap(), 6);
    assert!(read_model::differences(&app.db).await.unwrap().none());
    assert_eq!(
        mean_latest(&app, &admin.token, confidence).await["meanLatest"],
        7.5
    );
}

on_both_databases!(
    accepting_a_submission_moves_the_dashboards_at_once,
    a_planted_difference_is_found_and_rebuilt,
);
