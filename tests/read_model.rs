//! The outcome read model (`enrolment_outcomes`): accepting a submission moves the dashboards at
//! once, so does correcting a young person's details or an intervention's category (the read
//! model copies what dashboards group by), and `api analytics rebuild --check` (`read_model::differences`) finds a row that no
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

/// The admin's cells by two of the dimensions a correction can change: from the read model, or,
/// with `observedFrom`, from the records (the live path), as `(key, key, participants)`.
async fn groups(
    app: &TestApp,
    token: &str,
    indicator: &str,
    group_by: [&str; 2],
    observed_from: Option<&str>,
) -> Vec<(Value, Value, Value)> {
    let cells = app
        .gql_ok(
            token,
            "query($input: OutcomeSummaryInput!) { outcomeSummary(input: $input) { cells {
               areaCode category lookedAfter sex participants } } }",
            json!({ "input": { "indicatorId": indicator, "asOf": AS_OF,
                               "observedFrom": observed_from, "groupBy": group_by } }),
        )
        .await["outcomeSummary"]["cells"]
        .clone();
    let key = |cell: &Value, dimension: &str| {
        let field = match dimension {
            "AREA" => "areaCode",
            "CATEGORY" => "category",
            "LOOKED_AFTER" => "lookedAfter",
            _ => "sex",
        };
        cell[field].clone()
    };
    cells
        .as_array()
        .expect("cells")
        .iter()
        .map(|cell| {
            (
                key(cell, group_by[0]),
                key(cell, group_by[1]),
                cell["participants"].clone(),
            )
        })
        .collect()
}

async fn correcting_a_young_person_or_an_intervention_regroups_the_dashboards_at_once(
    app: TestApp,
) {
    let caseload = app.caseload(&["PUBLIC_TASK"; 6]).await;
    app.add_rows(&caseload, &rows()).await;
    app.accept(&caseload).await;
    let admin = app.admin().await;
    let confidence = caseload.indicator("CONFIDENCE");
    let person = ["AREA", "SEX"];
    let service = ["CATEGORY", "LOOKED_AFTER"];
    let before = groups(&app, &admin.token, confidence, person, None).await;
    let [(area, sex, everyone)] = before.as_slice() else {
        panic!("one group before: {before:?}")
    };
    assert_eq!(everyone, 6);
    assert_ne!(area, "S12000005");
    assert_ne!(sex, "FEMALE");
    let before = groups(&app, &admin.token, confidence, service, None).await;
    let [(category, looked_after, _)] = before.as_slice() else {
        panic!("one group before: {before:?}")
    };
    assert_ne!(category, "MENTORING");
    let left_care = !looked_after.as_bool().expect("lookedAfter");

    // The first young person moved to Clackmannanshire, changed care status and is recorded as
    // female; the intervention is recategorised as mentoring.
    app.gql_ok(
        &caseload.provider.token,
        "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { id } } }",
        json!({ "input": { "id": caseload.participants[0], "expectedVersion": 1,
                           "areaCode": "S12000005", "lookedAfter": left_care, "sex": "FEMALE" } }),
    )
    .await;
    app.gql_ok(
        &caseload.commissioner.token,
        "mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { intervention { id } } }",
        json!({ "input": { "id": caseload.intervention, "expectedVersion": 1, "category": "MENTORING" } }),
    )
    .await;

    let after = groups(&app, &admin.token, confidence, person, None).await;
    assert_eq!(
        after,
        [
            (json!("S12000005"), json!("FEMALE"), json!(1)),
            (area.clone(), sex.clone(), json!(5)),
        ]
    );
    let mentoring = json!("MENTORING");
    let mut expected = vec![
        (mentoring.clone(), looked_after.clone(), json!(5)),
        (mentoring, json!(left_care), json!(1)),
    ];
    expected.sort_by_key(|(_, looked_after, _)| looked_after.as_bool());
    assert_eq!(
        groups(&app, &admin.token, confidence, service, None).await,
        expected
    );
    for group_by in [person, service] {
        assert_eq!(
            groups(&app, &admin.token, confidence, group_by, None).await,
            groups(&app, &admin.token, confidence, group_by, Some("2026-01-01")).await,
            "the records give the same cells"
        );
    }
    let found = read_model::differences(&app.db).await.unwrap();
    assert!(found.none(), "{found:?}");
}

on_both_databases!(
    accepting_a_submission_moves_the_dashboards_at_once,
    correcting_a_young_person_or_an_intervention_regroups_the_dashboards_at_once,
    a_planted_difference_is_found_and_rebuilt,
);
