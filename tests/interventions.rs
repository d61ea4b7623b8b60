//! Interventions (DESIGN §3.9): commissioners create them for any provider member, providers
//! for themselves; status moves PLANNED → ACTIVE → CLOSED.

use serde_json::json;

use crate::{
    on_both_databases,
    support::{TestApp, error_code, world::World},
};

const CREATE: &str = "mutation($input: CreateInterventionInput!) {
    createIntervention(input: $input) { intervention { id status provider { name } indicators { code } } }
}";
const UPDATE: &str = "mutation($input: UpdateInterventionInput!) {
    updateIntervention(input: $input) { intervention { status capacity endDate version indicators { code } } }
}";

async fn who_may_create_an_intervention_and_for_whom(app: TestApp) {
    let world = World::build(&app).await;
    let attendance = app.indicator_id(&world.admin, "ATTENDANCE_PCT").await;
    let input = |provider: uuid::Uuid| {
        json!({ "input": {
            "partnershipId": world.p1, "providerId": provider, "name": "Holiday club", "description": "Five days in July.",
            "category": "YOUTH_WORK", "areaCode": "S12000006", "startDate": "2027-07-01", "endDate": "2027-07-31",
            "capacity": 20, "indicatorIds": [attendance],
        }})
    };
    let before = app.count("interventions").await;
    let body = app
        .gql(
            &world.provider_a.token,
            CREATE,
            input(world.provider_b.organisation_id),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "a provider may not create another provider's service"
    );
    let body = app
        .gql(
            &world.viewer.token,
            CREATE,
            input(world.provider_a.organisation_id),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(
            &world.outsider.token,
            CREATE,
            input(world.provider_a.organisation_id),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .gql(
            &world.commissioner.token,
            CREATE,
            input(world.viewer.organisation_id),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.providerId",
        "the school is not a provider member"
    );
    assert_eq!(app.count("interventions").await, before);

    let data = app
        .gql_ok(
            &world.provider_a.token,
            CREATE,
            input(world.provider_a.organisation_id),
        )
        .await;
    let created = &data["createIntervention"]["intervention"];
    assert_eq!(created["status"], "PLANNED");
    assert_eq!(created["provider"]["name"], "Crannog Alternative Education");
    assert_eq!(created["indicators"], json!([{ "code": "ATTENDANCE_PCT" }]));
    app.gql_ok(
        &world.commissioner.token,
        CREATE,
        input(world.provider_b.organisation_id),
    )
    .await;
}

async fn bad_input_is_named_and_status_moves_only_forward(app: TestApp) {
    let world = World::build(&app).await;
    let confidence = app.indicator_id(&world.admin, "CONFIDENCE").await;
    let safe = app.indicator_id(&world.admin, "FEELING_SAFE").await;
    let base = json!({
        "partnershipId": world.p1, "providerId": world.provider_a.organisation_id, "name": "Mentoring",
        "description": "Weekly mentor.", "category": "MENTORING", "areaCode": "S12000006", "startDate": "2027-01-10",
        "indicatorIds": [confidence],
    });
    let cases = [
        (json!({ "endDate": "2026-01-01" }), "input.endDate"),
        (json!({ "capacity": 0 }), "input.capacity"),
        (json!({ "indicatorIds": [] }), "input.indicatorIds"),
        (
            json!({ "indicatorIds": [uuid::Uuid::now_v7()] }),
            "input.indicatorIds",
        ),
        (json!({ "areaCode": "S99" }), "input.areaCode"),
        (json!({ "name": " " }), "input.name"),
    ];
    for (change, field) in cases {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let body = app
            .gql(&world.commissioner.token, CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{change}: {body:#}"
        );
    }

    let update = |version: i32, change: serde_json::Value| {
        let mut input = json!({ "id": world.ia, "expectedVersion": version });
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        json!({ "input": input })
    };
    let body = app
        .gql(
            &world.provider_a.token,
            UPDATE,
            update(1, json!({ "status": "CLOSED" })),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "PLANNED cannot jump to CLOSED"
    );
    let data = app
        .gql_ok(
            &world.provider_a.token,
            UPDATE,
            update(
                1,
                json!({ "status": "ACTIVE", "capacity": 12, "indicatorIds": [safe, confidence] }),
            ),
        )
        .await;
    let intervention = &data["updateIntervention"]["intervention"];
    assert_eq!(intervention["status"], "ACTIVE");
    assert_eq!(
        intervention["indicators"],
        json!([{ "code": "CONFIDENCE" }, { "code": "FEELING_SAFE" }])
    );
    let body = app
        .gql(
            &world.provider_a.token,
            UPDATE,
            update(1, json!({ "name": "Stale" })),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    let body = app
        .gql(
            &world.provider_b.token,
            UPDATE,
            update(2, json!({ "name": "Not mine" })),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "provider B can see A's service but not change it"
    );
    let data = app
        .gql_ok(
            &world.commissioner.token,
            UPDATE,
            update(2, json!({ "status": "CLOSED", "capacity": null })),
        )
        .await;
    assert_eq!(
        data["updateIntervention"]["intervention"]["capacity"],
        serde_json::Value::Null
    );
    let body = app
        .gql(
            &world.commissioner.token,
            UPDATE,
            update(3, json!({ "status": "ACTIVE" })),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE", "CLOSED is final");

    let body = app
        .gql(&world.provider_a.token, "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            json!({ "input": { "participantId": world.a2, "interventionId": world.ia, "referredOn": "2027-01-01", "referralSource": "HEALTH", "startedOn": "2027-08-01" } }))
        .await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "a closed service takes no one new"
    );
}

on_both_databases!(
    who_may_create_an_intervention_and_for_whom,
    bad_input_is_named_and_status_moves_only_forward,
);
