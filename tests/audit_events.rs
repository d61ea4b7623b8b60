//! The audit trail: every write leaves an event; admins read all of it, commissioners the
//! events of partnerships they commission, nobody else any.

use serde_json::json;

use crate::{
    on_both_databases,
    support::{TestApp, error_code, world::World},
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

on_both_databases!(
    admins_read_everything_commissioners_their_partnerships_others_nothing,
    the_trail_shows_commissioners_no_enrolments_and_no_drafts,
);
