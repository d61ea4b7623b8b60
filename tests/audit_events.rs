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

on_both_databases!(admins_read_everything_commissioners_their_partnerships_others_nothing);
