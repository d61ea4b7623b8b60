//! The audit trail: every write leaves an event; admins read all of it, commissioners the
//! events of partnerships they commission, nobody else any.

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TODAY, TestApp, error_code, fixtures::TestUser, world::World},
};

const EVENTS: &str = "query($filter: AuditEventFilter) {
    auditEvents(filter: $filter, first: 100) { totalCount nodes { at action entityType partnershipId actor { id } details } }
}";

async fn admins_read_everything_commissioners_their_partnerships_others_nothing(app: TestApp) {
    let world = World::build(&app).await;
    let all = app.gql_ok(&world.admin.token, EVENTS, json!({})).await;
    let total = all["auditEvents"]["totalCount"].as_i64().unwrap();
    assert_eq!(
        total,
        app.count("audit_events").await,
        "admins see every event"
    );
    let nodes = all["auditEvents"]["nodes"].as_array().unwrap();
    let actions: Vec<&str> = nodes
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    let times: Vec<&str> = nodes.iter().map(|n| n["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first: {times:?}"
    );
    for expected in [
        "organisation.create",
        "user.create",
        "partnership.create",
        "partnership_member.add",
        "intervention.create",
        "participant.create",
    ] {
        assert!(actions.contains(&expected), "{expected} is audited");
    }

    let mine = app
        .gql_ok(
            &world.commissioner.token,
            EVENTS,
            json!({ "filter": { "partnershipId": world.p2 } }),
        )
        .await;
    let nodes = mine["auditEvents"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    assert!(
        nodes
            .iter()
            .all(|n| n["partnershipId"] == world.p2.as_str())
    );
    let visible = app
        .gql_ok(&world.commissioner.token, EVENTS, json!({}))
        .await;
    assert!(
        visible["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["partnershipId"] == world.p1.as_str()
                || n["partnershipId"] == world.p2.as_str()),
        "a commissioner sees only its partnerships' events"
    );
    assert!(visible["auditEvents"]["totalCount"].as_i64().unwrap() < total);

    for user in [&world.provider_a, &world.viewer] {
        let body = app.gql(&user.token, EVENTS, json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    let outsider = app.gql_ok(&world.outsider.token, EVENTS, json!({})).await;
    assert_eq!(
        outsider["auditEvents"]["totalCount"], 0,
        "a commissioner of nothing sees nothing"
    );

    let by_action = app
        .gql_ok(
            &world.admin.token,
            EVENTS,
            json!({ "filter": { "action": "participant.create", "actorId": world.provider_a.id } }),
        )
        .await;
    assert_eq!(
        by_action["auditEvents"]["totalCount"], 2,
        "A recorded two participants"
    );
    let details = &by_action["auditEvents"]["nodes"][0]["details"];
    assert!(
        details.get("reference").is_none(),
        "the trail keeps the sharing decision, not the child: {details}"
    );
    let future = app
        .gql_ok(
            &world.admin.token,
            EVENTS,
            json!({ "filter": { "from": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(future["auditEvents"]["totalCount"], 0);
}

/// The trail is no side door: a commissioner reading its partnerships' events learns nothing of
/// children's enrolments or of the provider's drafts, which it could not read directly.
async fn the_trail_shows_commissioners_no_enrolments_and_no_drafts(app: TestApp) {
    let world = World::build(&app).await;
    let trail = app
        .gql_ok(
            &world.commissioner.token,
            "{ auditEvents(first: 100) { totalCount nodes { action entityId details } } }",
            json!({}),
        )
        .await;
    assert!(
        trail["auditEvents"]["totalCount"].as_i64().unwrap() < 100,
        "the page holds the whole trail"
    );
    let text = trail.to_string();
    for hidden in [
        &world.a1,
        &world.a2,
        &world.b1,
        &world.enrolment_a1,
        &world.draft_submission,
        &world.evidence_submission,
        &world.draft_story,
    ] {
        assert!(
            !text.contains(hidden.as_str()),
            "{hidden} reached the commissioner through the trail"
        );
    }
    let actions: Vec<&str> = trail["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert!(
        !actions
            .iter()
            .any(|action| action.starts_with("enrolment.")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"submission.submit"),
        "handed-over evidence is in the trail: {actions:?}"
    );
    let admin = app
        .gql_ok(
            &world.admin.token,
            "{ auditEvents(filter: { entityType: \"enrolment\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(
        admin["auditEvents"]["totalCount"].as_i64().unwrap() >= 3,
        "admins still see every enrolment event"
    );
}

/// The events of one entity as an admin reads them, oldest first, each as [action,
/// partnershipId, actor id, details].
async fn trail_of(app: &TestApp, admin: &TestUser, entity_id: &str) -> Vec<Value> {
    let data = app
        .gql_ok(
            &admin.token,
            "query($id: String) { auditEvents(filter: { entityId: $id }, first: 100) {
                nodes { action partnershipId actor { id } details }
            } }",
            json!({ "id": entity_id }),
        )
        .await;
    let mut events: Vec<Value> = data["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            json!([
                n["action"],
                n["partnershipId"],
                n["actor"]["id"],
                n["details"]
            ])
        })
        .collect();
    events.reverse();
    events
}

/// Runs `mutation` as `by` with `input`, which must succeed.
async fn change(app: &TestApp, by: &TestUser, mutation: &str, input: Value) {
    app.gql_ok(&by.token, mutation, json!({ "input": input }))
        .await;
}

/// Every change of a sharing decision, a target, an intervention, an enrolment and a user
/// leaves one event saying who did what, with exactly what changed (§3.10, §3.16).
async fn each_change_is_audited_with_what_it_changed(app: TestApp) {
    let w = World::build(&app).await;
    let (admin, commissioner, provider) = (&w.admin, &w.commissioner, &w.provider_a);
    let who = |user: &TestUser| json!(user.id.to_string());
    let p1 = json!(w.p1);

    // A1's sharing decision (PUBLIC_TASK at creation), then a detail that is not part of it.
    let participant = "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { id } } }";
    change(&app, provider, participant, json!({ "id": w.a1, "expectedVersion": 1,
        "sharingBasis": "CONSENT", "sharingReason": "The family agreed at the plan review", "consentGivenBy": "PARENT_CARER" }))
        .await;
    change(
        &app,
        provider,
        participant,
        json!({ "id": w.a1, "expectedVersion": 2, "lookedAfter": false }),
    )
    .await;
    assert_eq!(
        trail_of(&app, admin, &w.a1).await[1..],
        [
            json!(["participant.sharing_decision", null, who(provider), {
                "sharingBasis": "CONSENT", "sharingReason": "The family agreed at the plan review",
                "consentGivenBy": "PARENT_CARER", "sharingRecordedOn": TODAY,
            }]),
            json!(["participant.update", null, who(provider), { "changed": ["lookedAfter"] }]),
        ],
        "the decision is audited in full, other changes by field name only"
    );

    // The proposed target: retitled, agreed, retired.
    let target =
        "mutation($input: UpdateTargetInput!) { updateTarget(input: $input) { target { id } } }";
    change(
        &app,
        commissioner,
        target,
        json!({ "id": w.proposed_target, "expectedVersion": 1, "title": "Confidence up by two" }),
    )
    .await;
    change(
        &app,
        commissioner,
        "mutation($input: AgreeTargetInput!) { agreeTarget(input: $input) { target { id } } }",
        json!({ "id": w.proposed_target, "expectedVersion": 2 }),
    )
    .await;
    change(
        &app,
        commissioner,
        "mutation($input: RetireTargetInput!) { retireTarget(input: $input) { target { id } } }",
        json!({ "id": w.proposed_target, "expectedVersion": 3 }),
    )
    .await;
    assert_eq!(
        trail_of(&app, admin, &w.proposed_target).await[1..],
        [
            json!(["target.update", p1, who(commissioner), { "title": "Confidence up by two" }]),
            json!(["target.agree", p1, who(commissioner), { "from": "PROPOSED", "to": "AGREED" }]),
            json!(["target.retire", p1, who(commissioner), { "from": "AGREED", "to": "RETIRED" }]),
        ]
    );

    change(&app, provider, "mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { intervention { id } } }",
        json!({ "id": w.ia, "expectedVersion": 1, "description": "Four mornings a week.", "capacity": 12 }))
        .await;
    assert_eq!(
        trail_of(&app, admin, &w.ia).await[1..],
        [
            json!(["intervention.update", p1, who(provider), { "description": "Four mornings a week.", "capacity": 12 }])
        ]
    );

    let participant_id = app
        .participant(provider, "CR-009", json!({ "sharingBasis": "NONE" }))
        .await;
    let enrolment = app.enrol(provider, &participant_id, &w.ia).await;
    change(&app, provider, "mutation($input: EndEnrolmentInput!) { endEnrolment(input: $input) { enrolment { id } } }",
        json!({ "id": enrolment, "expectedVersion": 1, "endedOn": "2026-11-20", "exitReason": "REINTEGRATED_MAINSTREAM" }))
        .await;
    assert_eq!(
        trail_of(&app, admin, &enrolment).await,
        [
            json!(["enrolment.create", null, who(provider), {
                "participantId": participant_id, "interventionId": w.ia,
                "referredOn": "2026-08-20", "referralSource": "SCHOOL", "startedOn": "2026-09-01",
            }]),
            json!(["enrolment.end", null, who(provider), { "endedOn": "2026-11-20", "exitReason": "REINTEGRATED_MAINSTREAM" }]),
        ],
        "a child's enrolment is not a partnership event"
    );

    change(&app, admin, "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
        json!({ "id": w.viewer.id, "expectedVersion": 1, "displayName": "Head of guidance", "role": "COMMISSIONER", "active": false }))
        .await;
    assert_eq!(
        trail_of(&app, admin, &w.viewer.id.to_string()).await[1..],
        [
            json!(["user.update", null, who(admin), { "displayName": "Head of guidance", "role": "COMMISSIONER", "active": false }])
        ]
    );
}

on_both_databases!(
    admins_read_everything_commissioners_their_partnerships_others_nothing,
    the_trail_shows_commissioners_no_enrolments_and_no_drafts,
    each_change_is_audited_with_what_it_changed,
);
