//! Targets: commissioners propose them for an indicator, change them while proposed, agree and
//! retire them; values must mean something on the indicator's scale (DESIGN §3.8, §4.3).

use entity::enums::{OrganisationKind, UserRole};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::TestUser},
};

const CREATE: &str = "mutation($input: CreateTargetInput!) {
    createTarget(input: $input) {
        target {
            id title aggregation baselineValue baselineDate targetValue targetDate state version
            indicator { code } partnership { id }
        }
    }
}";
const UPDATE: &str = "mutation($input: UpdateTargetInput!) {
    updateTarget(input: $input) { target { id title targetValue targetDate state version } }
}";
const AGREE: &str = "mutation($input: AgreeTargetInput!) {
    agreeTarget(input: $input) { target { id state version } }
}";
const RETIRE: &str = "mutation($input: RetireTargetInput!) {
    retireTarget(input: $input) { target { id state version } }
}";
const TARGETS: &str = "query($id: ID!, $state: TargetState) {
    partnership(id: $id) {
        targets(state: $state) { id title state version targetValue indicator { code unit } }
    }
}";

/// The id of the seeded indicator with `code`.
async fn indicator(app: &TestApp, user: &TestUser, code: &str) -> String {
    let data = app
        .gql_ok(&user.token, "{ indicators { id code } }", json!({}))
        .await;
    data["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|indicator| indicator["code"] == code)
        .and_then(|indicator| indicator["id"].as_str())
        .unwrap_or_else(|| panic!("no seeded indicator {code}"))
        .to_owned()
}

/// A target input for the attendance indicator: from 78 % to 90 % over a school year.
async fn attendance_target(app: &TestApp, user: &TestUser, partnership: &str) -> Value {
    json!({ "input": {
        "partnershipId": partnership,
        "indicatorId": indicator(app, user, "ATTENDANCE_PCT").await,
        "title": "Mean attendance of returners reaches 90%",
        "aggregation": "MEAN_LATEST",
        "baselineValue": 78.0, "baselineDate": "2026-08-15",
        "targetValue": 90.0, "targetDate": "2027-06-30",
    }})
}

async fn propose(app: &TestApp, user: &TestUser, partnership: &str) -> Value {
    let input = attendance_target(app, user, partnership).await;
    app.gql_ok(&user.token, CREATE, input).await["createTarget"]["target"].clone()
}

async fn targets(
    app: &TestApp,
    user: &TestUser,
    partnership: &str,
    state: Option<&str>,
) -> Vec<Value> {
    let data = app
        .gql_ok(
            &user.token,
            TARGETS,
            json!({ "id": partnership, "state": state }),
        )
        .await;
    data["partnership"]["targets"].as_array().unwrap().clone()
}

fn transition(target: &Value, version: i64) -> Value {
    json!({ "input": { "id": target["id"], "expectedVersion": version } })
}

async fn a_commissioner_proposes_agrees_and_retires_a_target(app: TestApp) {
    let commissioner = app.commissioner("West Lothian Council").await;
    let partnership = app
        .partnership(&commissioner, "West Lothian Returners")
        .await;
    let events = app.count("audit_events").await;

    let target = propose(&app, &commissioner, &partnership).await;
    assert_eq!(target["state"], "PROPOSED");
    assert_eq!(target["indicator"]["code"], "ATTENDANCE_PCT");
    assert_eq!(target["partnership"]["id"], partnership.as_str());
    assert_eq!(
        (&target["baselineValue"], &target["targetValue"]),
        (&json!(78.0), &json!(90.0))
    );
    let data = app
        .gql_ok(
            &commissioner.token,
            UPDATE,
            json!({ "input": { "id": target["id"], "expectedVersion": 1, "targetValue": 92.5 } }),
        )
        .await;
    assert_eq!(data["updateTarget"]["target"]["targetValue"], 92.5);
    let data = app
        .gql_ok(&commissioner.token, AGREE, transition(&target, 2))
        .await;
    assert_eq!(data["agreeTarget"]["target"]["state"], "AGREED");
    assert_eq!(data["agreeTarget"]["target"]["version"], 3);
    assert_eq!(
        targets(&app, &commissioner, &partnership, Some("AGREED"))
            .await
            .len(),
        1
    );

    let data = app
        .gql_ok(&commissioner.token, RETIRE, transition(&target, 3))
        .await;
    assert_eq!(data["retireTarget"]["target"]["state"], "RETIRED");
    assert_eq!(
        targets(&app, &commissioner, &partnership, Some("AGREED"))
            .await
            .len(),
        0
    );
    assert_eq!(
        targets(&app, &commissioner, &partnership, None).await.len(),
        1,
        "a retired target stays on record"
    );
    assert_eq!(app.count("audit_events").await, events + 4);
}

async fn targets_only_move_forward(app: TestApp) {
    let commissioner = app.commissioner("Clackmannanshire Council").await;
    let partnership = app.partnership(&commissioner, "Clacks Transitions").await;
    let proposed_then_retired = propose(&app, &commissioner, &partnership).await;
    app.gql_ok(
        &commissioner.token,
        RETIRE,
        transition(&proposed_then_retired, 1),
    )
    .await;
    let agreed = propose(&app, &commissioner, &partnership).await;
    app.gql_ok(&commissioner.token, AGREE, transition(&agreed, 1))
        .await;
    let events = app.count("audit_events").await;

    for (query, target, version) in [
        (AGREE, &agreed, 2),
        (AGREE, &proposed_then_retired, 2),
        (RETIRE, &proposed_then_retired, 2),
    ] {
        let body = app
            .gql(&commissioner.token, query, transition(target, version))
            .await;
        assert_eq!(error_code(&body), "INVALID_STATE", "{body:#}");
    }
    let body = app
        .gql(&commissioner.token, UPDATE, json!({ "input": { "id": agreed["id"], "expectedVersion": 2, "title": "Moved goalposts" } }))
        .await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "an agreed target is not edited"
    );

    let states: Vec<Value> = targets(&app, &commissioner, &partnership, None)
        .await
        .iter()
        .map(|target| json!([target["state"], target["version"]]))
        .collect();
    assert_eq!(states, [json!(["RETIRED", 2]), json!(["AGREED", 2])]);
    assert_eq!(app.count("audit_events").await, events);
}

async fn only_commissioners_manage_targets_and_every_member_reads_them(app: TestApp) {
    let commissioner = app.commissioner("Moray Council").await;
    let partnership = app.partnership(&commissioner, "Moray Inclusion").await;
    let provider_org = app
        .organisation("Moray Youth Trust", OrganisationKind::Voluntary)
        .await;
    app.add_member(&commissioner, &partnership, provider_org, "PROVIDER")
        .await;
    let provider = app.user(provider_org, UserRole::Provider).await;
    let school = app
        .organisation("Elgin Academy", OrganisationKind::School)
        .await;
    app.add_member(&commissioner, &partnership, school, "PARTNER")
        .await;
    let viewer = app.user(school, UserRole::Viewer).await;
    let outsider = app.commissioner("Highland Council").await;
    let target = propose(&app, &commissioner, &partnership).await;
    let (count, events) = (app.count("targets").await, app.count("audit_events").await);

    for (user, expected) in [
        (&provider, "FORBIDDEN"),
        (&viewer, "FORBIDDEN"),
        (&outsider, "NOT_FOUND"),
    ] {
        let input = attendance_target(&app, user, &partnership).await;
        assert_eq!(
            error_code(&app.gql(&user.token, CREATE, input).await),
            expected,
            "create"
        );
        let change =
            json!({ "input": { "id": target["id"], "expectedVersion": 1, "title": "Mine" } });
        assert_eq!(
            error_code(&app.gql(&user.token, UPDATE, change).await),
            expected,
            "update"
        );
        assert_eq!(
            error_code(&app.gql(&user.token, AGREE, transition(&target, 1)).await),
            expected,
            "agree"
        );
        assert_eq!(
            error_code(&app.gql(&user.token, RETIRE, transition(&target, 1)).await),
            expected,
            "retire"
        );
    }
    assert_eq!(app.count("targets").await, count);
    assert_eq!(app.count("audit_events").await, events);

    for user in [&provider, &viewer] {
        let listed = targets(&app, user, &partnership, None).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (&listed[0]["state"], &listed[0]["version"]),
            (&json!("PROPOSED"), &json!(1))
        );
        assert_eq!(listed[0]["indicator"]["unit"], "PERCENT");
    }
    let admin = app.admin().await;
    let data = app
        .gql_ok(&admin.token, AGREE, transition(&target, 1))
        .await;
    assert_eq!(data["agreeTarget"]["target"]["state"], "AGREED");
}

async fn values_must_fit_the_indicator_and_its_aggregation(app: TestApp) {
    let commissioner = app.commissioner("Stirling Council").await;
    let partnership = app.partnership(&commissioner, "Stirling Returners").await;
    let [attendance, exclusions, reintegrated, confidence] = [
        "ATTENDANCE_PCT",
        "EXCLUSION_DAYS",
        "REINTEGRATED_MAINSTREAM",
        "CONFIDENCE",
    ];
    let mut ids = std::collections::HashMap::new();
    for code in [attendance, exclusions, reintegrated, confidence] {
        ids.insert(code, indicator(&app, &commissioner, code).await);
    }
    let input = |code: &str, aggregation: &str, baseline: f64, target: f64| {
        json!({ "input": {
            "partnershipId": partnership, "indicatorId": ids[code], "title": "A target",
            "aggregation": aggregation, "baselineValue": baseline, "baselineDate": "2026-08-15",
            "targetValue": target, "targetDate": "2027-06-30",
        }})
    };
    let refused = [
        (
            input(attendance, "MEAN_LATEST", 78.0, 101.0),
            "input.targetValue",
            "a percentage above 100",
        ),
        (
            input(confidence, "MEAN_LATEST", 0.0, 7.0),
            "input.baselineValue",
            "below the 1–10 scale",
        ),
        (
            input(confidence, "MEAN_CHANGE", 0.0, 12.0),
            "input.targetValue",
            "a change wider than the scale",
        ),
        (
            input(exclusions, "MEAN_LATEST", -1.0, 0.0),
            "input.baselineValue",
            "negative days",
        ),
        (
            input(reintegrated, "MEAN_LATEST", 0.0, 1.0),
            "input.aggregation",
            "a mean of yes/no",
        ),
        (
            input(reintegrated, "PERCENT_IMPROVED", 0.0, 50.0),
            "input.aggregation",
            "improvement of yes/no",
        ),
        (
            input(attendance, "PERCENT_ACHIEVED", 0.0, 50.0),
            "input.aggregation",
            "achieved is for yes/no",
        ),
        (
            input(reintegrated, "PERCENT_ACHIEVED", 0.0, 140.0),
            "input.targetValue",
            "more than everyone",
        ),
        (
            input(confidence, "PERCENT_IMPROVED", -5.0, 60.0),
            "input.baselineValue",
            "a negative percentage",
        ),
    ];
    let (count, events) = (app.count("targets").await, app.count("audit_events").await);
    for (input, field, why) in refused {
        let body = app.gql(&commissioner.token, CREATE, input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{why}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{why}");
    }
    let mut wrong_dates = input(attendance, "MEAN_LATEST", 78.0, 90.0);
    wrong_dates["input"]["targetDate"] = json!("2026-08-15");
    let body = app.gql(&commissioner.token, CREATE, wrong_dates).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.targetDate");
    let mut unknown = input(attendance, "MEAN_LATEST", 78.0, 90.0);
    unknown["input"]["indicatorId"] = json!(uuid::Uuid::now_v7());
    let body = app.gql(&commissioner.token, CREATE, unknown.clone()).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.indicatorId"
    );
    unknown["input"]["indicatorId"] = json!("attendance");
    let body = app.gql(&commissioner.token, CREATE, unknown).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.indicatorId"
    );
    assert_eq!(app.count("targets").await, count);
    assert_eq!(app.count("audit_events").await, events);

    for accepted in [
        input(reintegrated, "PERCENT_ACHIEVED", 20.0, 70.0),
        input(exclusions, "MEAN_CHANGE", 0.0, -4.5),
        input(confidence, "MEAN_CHANGE", 0.0, 2.0),
        input(confidence, "PERCENT_IMPROVED", 0.0, 75.0),
    ] {
        app.gql_ok(&commissioner.token, CREATE, accepted).await;
    }
    assert_eq!(app.count("targets").await, count + 4);
}

async fn changes_are_checked_with_the_stored_values_and_stale_versions_conflict(app: TestApp) {
    let commissioner = app.commissioner("East Lothian Council").await;
    let partnership = app
        .partnership(&commissioner, "East Lothian Returners")
        .await;
    let target = propose(&app, &commissioner, &partnership).await;
    let events = app.count("audit_events").await;
    let update = |fields: Value| {
        let mut input = json!({ "id": target["id"], "expectedVersion": 1 });
        input
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        app.gql(&commissioner.token, UPDATE, json!({ "input": input }))
    };

    let body = update(json!({ "targetDate": "2026-01-01" })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.targetDate",
        "before the stored baseline date"
    );
    let body = update(json!({ "aggregation": "PERCENT_ACHIEVED" })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.aggregation",
        "against the stored indicator"
    );
    let confidence = indicator(&app, &commissioner, "CONFIDENCE").await;
    let body = update(json!({ "indicatorId": confidence })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.baselineValue",
        "78 is off a 1–10 scale"
    );
    let body = update(json!({ "title": "" })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.title");
    let body = update(json!({ "expectedVersion": 4, "title": "Lost update" })).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.expectedVersion"
    );
    let body = app
        .gql(&commissioner.token, AGREE, transition(&target, 9))
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(app.count("audit_events").await, events);
    let listed = targets(&app, &commissioner, &partnership, None).await;
    assert_eq!(
        (&listed[0]["state"], &listed[0]["version"]),
        (&json!("PROPOSED"), &json!(1))
    );

    let data = app
        .gql_ok(
            &commissioner.token,
            UPDATE,
            json!({ "input": {
                "id": target["id"], "expectedVersion": 1, "indicatorId": confidence,
                "baselineValue": 4.2, "targetValue": 6.5,
            }}),
        )
        .await;
    assert_eq!(data["updateTarget"]["target"]["version"], 2);
}

on_both_databases!(
    a_commissioner_proposes_agrees_and_retires_a_target,
    targets_only_move_forward,
    only_commissioners_manage_targets_and_every_member_reads_them,
    values_must_fit_the_indicator_and_its_aggregation,
    changes_are_checked_with_the_stored_values_and_stale_versions_conflict,
);
