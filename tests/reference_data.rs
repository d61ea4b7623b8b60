//! Reference data every signed-in user can read: the 32 council areas and the indicator library.

use entity::enums::UserRole;
use serde_json::json;

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

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

on_both_databases!(
    every_signed_in_user_reads_the_32_council_areas,
    the_default_indicator_library_is_readable_one_by_one_and_whole,
);
