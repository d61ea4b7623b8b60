//! Reference data every signed-in user can read: the 32 council areas and the indicator library,
//! which admins extend (`createArea`, `createIndicator`) and edit (`updateIndicator`).

use entity::enums::UserRole;
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::TestUser, merged},
};

const CREATE_AREA: &str =
    "mutation($input: CreateAreaInput!) { createArea(input: $input) { area { code name } } }";
const CREATE_INDICATOR: &str = "mutation($input: CreateIndicatorInput!) {
    createIndicator(input: $input) { indicator { id code name kind unit scaleMin scaleMax higherIsBetter wellbeing version } }
}";
const UPDATE_INDICATOR: &str = "mutation($input: UpdateIndicatorInput!) {
    updateIndicator(input: $input) { indicator { id code name description unit scaleMin scaleMax higherIsBetter wellbeing version } }
}";
const EVENTS_OF: &str = "query($id: String) { auditEvents(filter: { entityId: $id }) { nodes { action entityType details actor { id } } } }";

/// A 0–5 SCORE indicator, as an admin might add one for a new programme.
fn belonging() -> Value {
    json!({ "input": {
        "code": "sense_of_belonging", "name": "Sense of belonging",
        "description": "How far the young person feels they belong at school, from 0 (not at all) to 5 (completely).",
        "kind": "SOFT", "unit": "SCORE", "scaleMin": 0, "scaleMax": 5, "higherIsBetter": true, "wellbeing": "INCLUDED",
    }})
}

/// The audit events of one entity, oldest last, as an admin reads them.
async fn events_of(app: &TestApp, admin: &TestUser, entity_id: &str) -> Value {
    app.gql_ok(&admin.token, EVENTS_OF, json!({ "id": entity_id }))
        .await["auditEvents"]["nodes"]
        .clone()
}

/// The BAD_USER_INPUT field of a refused call.
fn bad_field(body: &Value) -> &str {
    assert_eq!(error_code(body), "BAD_USER_INPUT", "{body:#}");
    body["errors"][0]["extensions"]["field"].as_str().unwrap()
}

async fn every_signed_in_user_reads_the_32_council_areas(app: TestApp) {
    let school = app
        .organisation("Lochside Primary", entity::enums::OrganisationKind::School)
        .await;
    let viewer = app.user(school, UserRole::Viewer).await;
    let data = app
        .gql_ok(&viewer.token, "{ areas { code name } }", json!({}))
        .await;
    let areas = data["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 32);
    assert!(
        areas
            .iter()
            .any(|area| area["code"] == "S12000006" && area["name"] == "Dumfries and Galloway")
    );
    let names: Vec<&str> = areas
        .iter()
        .map(|area| area["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "areas come by name");
}

async fn the_default_indicator_library_is_readable_one_by_one_and_whole(app: TestApp) {
    let viewer = app.commissioner("Fife Council").await;
    let data = app
        .gql_ok(
            &viewer.token,
            "{ indicators { id code kind unit scaleMin scaleMax higherIsBetter wellbeing } }",
            json!({}),
        )
        .await;
    let indicators = data["indicators"].as_array().unwrap();
    let confidence = indicators
        .iter()
        .find(|i| i["code"] == "CONFIDENCE")
        .expect("CONFIDENCE seeded");
    assert_eq!(confidence["kind"], "SOFT");
    assert_eq!(confidence["unit"], "SCORE");
    assert_eq!(
        (
            confidence["scaleMin"].as_f64(),
            confidence["scaleMax"].as_f64()
        ),
        (Some(1.0), Some(10.0))
    );
    let exclusions = indicators
        .iter()
        .find(|i| i["code"] == "EXCLUSION_DAYS")
        .expect("EXCLUSION_DAYS seeded");
    assert_eq!(exclusions["higherIsBetter"], false);
    for code in [
        "ATTENDANCE_PCT",
        "REINTEGRATED_MAINSTREAM",
        "POSITIVE_DESTINATION",
        "FEELING_SAFE",
    ] {
        assert!(
            indicators.iter().any(|i| i["code"] == code),
            "{code} seeded"
        );
    }

    let one = app
        .gql_ok(
            &viewer.token,
            "query($id: ID!) { indicator(id: $id) { code } }",
            json!({ "id": confidence["id"] }),
        )
        .await;
    assert_eq!(one["indicator"]["code"], "CONFIDENCE");

    let missing = app
        .gql(
            &viewer.token,
            "query($id: ID!) { indicator(id: $id) { code } }",
            json!({ "id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
}

async fn admins_add_areas_that_organisations_then_sit_in(app: TestApp) {
    let admin = app.admin().await;
    let data = app
        .gql_ok(
            &admin.token,
            CREATE_AREA,
            json!({ "input": { "code": " e06000001 ", "name": "Hartlepool" } }),
        )
        .await;
    assert_eq!(
        data["createArea"]["area"],
        json!({ "code": "E06000001", "name": "Hartlepool" }),
        "the code is trimmed and stored in upper case"
    );
    let areas = app
        .gql_ok(&admin.token, "{ areas { code } }", json!({}))
        .await;
    assert_eq!(areas["areas"].as_array().unwrap().len(), 33);
    app.gql_ok(&admin.token,
        "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { area { name } } } }",
        json!({ "input": { "name": "Hartlepool Youth", "kind": "VOLUNTARY", "sector": "VOLUNTARY", "areaCode": "E06000001" } }))
        .await;
    assert_eq!(
        events_of(&app, &admin, "E06000001").await,
        json!([{ "action": "area.create", "entityType": "area",
                 "details": { "code": "E06000001", "name": "Hartlepool" },
                 "actor": { "id": admin.id.to_string() } }])
    );

    let commissioner = app.commissioner("Fife Council").await;
    let areas_before = app.count("areas").await;
    let events_before = app.count("audit_events").await;
    let duplicate = app
        .gql(
            &admin.token,
            CREATE_AREA,
            json!({ "input": { "code": "S12000006", "name": "Dumfries" } }),
        )
        .await;
    assert_eq!(error_code(&duplicate), "CONFLICT");
    assert_eq!(duplicate["errors"][0]["extensions"]["field"], "input.code");
    for (input, field) in [
        (json!({ "code": "S12 000", "name": "Spaced" }), "input.code"),
        (json!({ "code": "", "name": "Empty" }), "input.code"),
        (
            json!({ "code": "X".repeat(21), "name": "Long" }),
            "input.code",
        ),
        (
            json!({ "code": "S99000001", "name": "Two\nlines" }),
            "input.name",
        ),
    ] {
        let body = app
            .gql(&admin.token, CREATE_AREA, json!({ "input": input }))
            .await;
        assert_eq!(bad_field(&body), field, "{input}");
    }
    let refused = app
        .gql(
            &commissioner.token,
            CREATE_AREA,
            json!({ "input": { "code": "S99000001", "name": "Nowhere" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    assert_eq!(app.count("areas").await, areas_before, "nothing was added");
    assert_eq!(app.count("audit_events").await, events_before);
}

async fn admins_add_indicators_and_change_them_under_optimistic_concurrency(app: TestApp) {
    let admin = app.admin().await;
    let data = app
        .gql_ok(&admin.token, CREATE_INDICATOR, belonging())
        .await;
    let indicator = data["createIndicator"]["indicator"].clone();
    let id = indicator["id"].as_str().unwrap().to_owned();
    assert_eq!(
        indicator["code"], "SENSE_OF_BELONGING",
        "codes are stored in upper case, as CSV imports match them"
    );
    assert_eq!(
        (
            indicator["unit"].clone(),
            indicator["scaleMin"].as_f64(),
            indicator["scaleMax"].as_f64(),
            indicator["version"].clone()
        ),
        (json!("SCORE"), Some(0.0), Some(5.0), json!(1))
    );
    let library = app
        .gql_ok(&admin.token, "{ indicators { code } }", json!({}))
        .await;
    assert!(
        library["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "SENSE_OF_BELONGING")
    );

    let data = app
        .gql_ok(&admin.token, UPDATE_INDICATOR,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Belonging at school", "wellbeing": null } }))
        .await;
    let updated = &data["updateIndicator"]["indicator"];
    assert_eq!(updated["name"], "Belonging at school");
    assert_eq!(
        updated["wellbeing"],
        Value::Null,
        "null clears the wellbeing tag"
    );
    assert_eq!(
        updated["code"], "SENSE_OF_BELONGING",
        "fields left out are unchanged"
    );
    assert_eq!(updated["version"], 2);

    let stale = app
        .gql(
            &admin.token,
            UPDATE_INDICATOR,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Lost update" } }),
        )
        .await;
    assert_eq!(error_code(&stale), "CONFLICT");
    assert_eq!(
        stale["errors"][0]["extensions"]["field"],
        "input.expectedVersion"
    );

    // Nothing measures against it yet, so its unit may still change (the scale goes with SCORE).
    let data = app
        .gql_ok(&admin.token, UPDATE_INDICATOR,
            json!({ "input": { "id": id, "expectedVersion": 2, "unit": "PERCENT", "scaleMin": null, "scaleMax": null } }))
        .await;
    let percent = &data["updateIndicator"]["indicator"];
    assert_eq!(
        (
            percent["unit"].clone(),
            percent["scaleMin"].clone(),
            percent["version"].clone()
        ),
        (json!("PERCENT"), Value::Null, json!(3))
    );

    let events = events_of(&app, &admin, &id).await;
    let actions: Vec<(&str, &Value)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| (event["action"].as_str().unwrap(), &event["details"]))
        .collect();
    assert_eq!(
        actions,
        [
            (
                "indicator.update",
                &json!({ "unit": "PERCENT", "scaleMin": null, "scaleMax": null })
            ),
            (
                "indicator.update",
                &json!({ "name": "Belonging at school", "wellbeing": null })
            ),
            (
                "indicator.create",
                &json!({
                    "code": "SENSE_OF_BELONGING", "name": "Sense of belonging", "kind": "SOFT", "unit": "SCORE",
                    "scaleMin": 0.0, "scaleMax": 5.0, "higherIsBetter": true, "wellbeing": "INCLUDED",
                })
            ),
        ],
        "each write is audited with exactly what it set, newest first"
    );
}

async fn an_indicator_must_make_sense_before_it_is_added(app: TestApp) {
    let admin = app.admin().await;
    let before = app.count("indicators").await;
    let with = |changes: Value| json!({ "input": merged(belonging()["input"].clone(), changes) });
    for (changes, field, says) in [
        (
            json!({ "code": "CONFIDENCE" }),
            "input.code",
            "already exists",
        ),
        (
            json!({ "code": "1ST_TERM" }),
            "input.code",
            "start with a letter",
        ),
        (
            json!({ "code": "BELONGING-SCORE" }),
            "input.code",
            "underscores",
        ),
        (json!({ "name": " " }), "input.name", "must not be empty"),
        (
            json!({ "description": "" }),
            "input.description",
            "must not be empty",
        ),
        (
            json!({ "scaleMin": null }),
            "input.scaleMin",
            "required for a SCORE",
        ),
        (
            json!({ "scaleMax": null }),
            "input.scaleMax",
            "required for a SCORE",
        ),
        (
            json!({ "scaleMin": 5, "scaleMax": 5 }),
            "input.scaleMax",
            "greater than input.scaleMin",
        ),
        (
            json!({ "unit": "PERCENT" }),
            "input.scaleMin",
            "only for SCORE",
        ),
        (
            json!({ "unit": "BOOLEAN", "scaleMin": null }),
            "input.scaleMax",
            "only for SCORE",
        ),
    ] {
        let body = app
            .gql(&admin.token, CREATE_INDICATOR, with(changes.clone()))
            .await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["field"], field, "{changes}: {body:#}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{changes}: {body:#}"
        );
    }
    assert_eq!(app.count("indicators").await, before, "nothing was added");
}

async fn an_indicator_in_use_keeps_its_meaning_and_stays_renamable(app: TestApp) {
    let admin = app.admin().await;
    let data = app
        .gql_ok(&admin.token, CREATE_INDICATOR, belonging())
        .await;
    let id = data["createIndicator"]["indicator"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let commissioner = app.commissioner("Fife Council").await;
    let partnership = app.partnership(&commissioner, "Belonging in Fife").await;
    app.gql_ok(&commissioner.token,
        "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
        json!({ "input": { "partnershipId": partnership, "indicatorId": id, "title": "Most feel they belong",
            "aggregation": "MEAN_LATEST", "baselineValue": 2, "baselineDate": "2026-09-01", "targetValue": 4, "targetDate": "2027-07-01" } }))
        .await;

    let events = app.count("audit_events").await;
    for change in [
        json!({ "unit": "PERCENT", "scaleMin": null, "scaleMax": null }),
        json!({ "scaleMax": 10 }),
        json!({ "higherIsBetter": false }),
    ] {
        let mut input = change.clone();
        input["id"] = json!(id);
        input["expectedVersion"] = json!(1);
        let body = app
            .gql(&admin.token, UPDATE_INDICATOR, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "INVALID_STATE", "{change}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("1 target(s) and 0 outcome record(s)")
                && message.contains("add a new indicator"),
            "{message}"
        );
    }
    assert_eq!(
        app.count("audit_events").await,
        events,
        "nothing was written"
    );

    let same = app
        .gql_ok(&admin.token, UPDATE_INDICATOR,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Belonging", "unit": "SCORE", "scaleMax": 5, "higherIsBetter": true } }))
        .await;
    let renamed = &same["updateIndicator"]["indicator"];
    assert_eq!(
        (renamed["name"].clone(), renamed["scaleMax"].as_f64()),
        (json!("Belonging"), Some(5.0)),
        "restating the meaning is not changing it"
    );
}

async fn only_admins_add_or_change_indicators(app: TestApp) {
    let admin = app.admin().await;
    let confidence = app.indicator_id(&admin, "CONFIDENCE").await;
    let commissioner = app.commissioner("Fife Council").await;
    let school = app
        .organisation("Lochside Primary", entity::enums::OrganisationKind::School)
        .await;
    let viewer = app.user(school, UserRole::Viewer).await;
    let before = app.count("indicators").await;
    for caller in [&commissioner, &viewer] {
        let body = app.gql(&caller.token, CREATE_INDICATOR, belonging()).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let body = app
            .gql(&caller.token, UPDATE_INDICATOR, json!({ "input": { "id": confidence, "expectedVersion": 1, "name": "Self-belief" } }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    assert_eq!(app.count("indicators").await, before);
    let unchanged = app
        .gql_ok(
            &viewer.token,
            "query($id: ID!) { indicator(id: $id) { name version } }",
            json!({ "id": confidence }),
        )
        .await;
    assert_eq!(
        unchanged["indicator"],
        json!({ "name": "Confidence", "version": 1 })
    );
    let missing = app
        .gql(&admin.token, UPDATE_INDICATOR, json!({ "input": { "id": uuid::Uuid::now_v7(), "expectedVersion": 1, "name": "Ghost" } }))
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
}

on_both_databases!(
    every_signed_in_user_reads_the_32_council_areas,
    the_default_indicator_library_is_readable_one_by_one_and_whole,
    admins_add_areas_that_organisations_then_sit_in,
    admins_add_indicators_and_change_them_under_optimistic_concurrency,
    an_indicator_must_make_sense_before_it_is_added,
    an_indicator_in_use_keeps_its_meaning_and_stays_renamable,
    only_admins_add_or_change_indicators,
);
