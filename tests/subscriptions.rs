//! Live updates over `/graphql/ws` (issue 16): who hears of a change, that a rolled-back change
//! is never announced, and how the socket authenticates, expires and is bounded.

use std::{collections::BTreeSet, time::Duration};

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    on_both_databases,
    support::{
        TestApp,
        live::{ARRIVES_WITHIN, Heard, LiveClient, SILENCE},
        world::World,
    },
};

const SUBMISSION_CHANGED: &str = "subscription($p: ID) {
    submissionChanged(partnershipId: $p) { id status intervention { id } }
}";

/// The operation id of [`watching_p1`]'s subscription.
const P1: &str = "p1";

/// A socket of `token` subscribed to the changes of the submissions of `world`'s P1.
async fn watching_p1(app: &TestApp, world: &World, token: &str) -> LiveClient {
    let p1 = json!({ "p": world.p1 });
    app.subscribed(token, P1, SUBMISSION_CHANGED, p1).await
}

async fn the_review_queue_hears_a_submit_and_nobody_else_does(app: TestApp) {
    let world = World::build(&app).await;
    let mut commissioner = watching_p1(&app, &world, &world.commissioner.token).await;
    let mut others = Vec::new();
    for (label, user) in [
        ("another provider", &world.provider_b),
        ("a viewer", &world.viewer),
        ("a commissioner of another partnership", &world.outsider),
    ] {
        let mut socket = app.live(&user.token).await;
        // Unfiltered: everything the caller may see.
        socket.subscribe("all", SUBMISSION_CHANGED, json!({})).await;
        others.push((label, socket));
    }

    let submitted_at = tokio::time::Instant::now();
    app.submit(&world.provider_a, &world.ready_submission).await;

    let payload = commissioner.next_payload(P1).await;
    assert!(submitted_at.elapsed() < ARRIVES_WITHIN);
    assert_eq!(
        payload,
        json!({ "data": { "submissionChanged": {
            "id": world.ready_submission, "status": "SUBMITTED",
            "intervention": { "id": world.ia },
        } } })
    );
    for (label, socket) in &mut others {
        assert_eq!(socket.next(SILENCE).await, Heard::Nothing, "{label}");
    }
}

async fn a_draft_never_reaches_a_commissioner(app: TestApp) {
    let world = World::build(&app).await;
    let mut commissioner = watching_p1(&app, &world, &world.commissioner.token).await;
    let mut provider = watching_p1(&app, &world, &world.provider_a.token).await;

    let draft = app.submission(&world.provider_a, &world.ia).await;

    let payload = provider.next_payload(P1).await;
    assert_eq!(payload["data"]["submissionChanged"]["id"], json!(draft));
    assert_eq!(payload["data"]["submissionChanged"]["status"], "DRAFT");
    assert_eq!(commissioner.next(SILENCE).await, Heard::Nothing);
}

async fn a_rolled_back_change_announces_nothing(app: TestApp) {
    let world = World::build(&app).await;
    let mut provider = watching_p1(&app, &world, &world.provider_a.token).await;
    let submit = "mutation($input: SubmitSubmissionInput!) {
        submitSubmission(input: $input) { submission { id } }
    }";
    let version = app
        .submission_version(&world.provider_a, &world.ready_submission)
        .await;

    // The submit gets as far as announcing itself, then fails on the stale version and rolls
    // back.
    let stale =
        json!({ "input": { "id": world.ready_submission, "expectedVersion": version - 1 } });
    let body = app.gql(&world.provider_a.token, submit, stale).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "CONFLICT",
        "{body}"
    );
    assert_eq!(provider.next(SILENCE).await, Heard::Nothing);

    // The same submit, committed, is heard: the subscriber was listening all along.
    let current = json!({ "input": { "id": world.ready_submission, "expectedVersion": version } });
    app.gql_ok(&world.provider_a.token, submit, current).await;
    let payload = provider.next_payload(P1).await;
    assert_eq!(payload["data"]["submissionChanged"]["status"], "SUBMITTED");
    assert_eq!(provider.next(SILENCE).await, Heard::Nothing, "exactly once");
}

/// Subscribers who see the same rows share one read of each changed object: a change costs the
/// same statements whether one of the provider's sockets hears of it or eight do.
async fn one_read_serves_every_subscriber_who_sees_the_same_rows(app: TestApp) {
    let world = World::build(&app).await;
    let mine = "subscription { submissionChanged { id status } }";
    let mut sockets = Vec::new();
    let mut statements = Vec::new();
    for (subscribers, period) in [
        (1, ("2026-01-05", "2026-03-27")),
        (8, ("2026-04-13", "2026-06-26")),
    ] {
        while sockets.len() < subscribers {
            let socket = app
                .subscribed(&world.provider_a.token, "mine", mine, json!({}))
                .await;
            sockets.push(socket);
        }
        let before = app.statements_executed();
        let draft = app
            .submission_over(&world.provider_a, &world.ia, period)
            .await;
        for socket in &mut sockets {
            let payload = socket.next_payload("mine").await;
            assert_eq!(payload["data"]["submissionChanged"]["id"], json!(draft));
        }
        statements.push(app.statements_executed() - before);
    }
    assert_eq!(
        statements[0], statements[1],
        "one subscriber, then eight: {statements:?}"
    );
}

async fn comments_and_accepted_outcomes_reach_those_who_may_read_them(app: TestApp) {
    let world = World::build(&app).await;
    let comments = "subscription($s: ID!) { commentAdded(submissionId: $s) { decision body } }";
    let outcomes = "subscription($p: ID!) { outcomesChanged(partnershipId: $p) { id name } }";
    let submission = json!({ "s": world.submitted_submission });
    let mut provider = app
        .subscribed(
            &world.provider_a.token,
            "comments",
            comments,
            submission.clone(),
        )
        .await;
    let mut viewer = app
        .subscribed(&world.viewer.token, "comments", comments, submission)
        .await;
    viewer
        .subscribe("dashboard", outcomes, json!({ "p": world.p1 }))
        .await;

    let reviewed = app
        .review(
            &world.commissioner,
            &world.submitted_submission,
            "ACCEPT",
            Some("Thorough."),
        )
        .await;
    assert!(reviewed.get("errors").is_none(), "{reviewed}");

    assert_eq!(
        provider.next_payload("comments").await,
        json!({ "data": { "commentAdded": { "decision": "ACCEPT", "body": "Thorough." } } })
    );
    // The viewer may not read the review, but sees the partnership's dashboards move.
    let dashboard = viewer.next_payload("dashboard").await;
    assert_eq!(dashboard["data"]["outcomesChanged"]["id"], json!(world.p1));
    assert_eq!(viewer.next(SILENCE).await, Heard::Nothing);
}

async fn a_childs_rows_read_through_a_subscription_are_access_logged(app: TestApp) {
    let world = World::build(&app).await;
    let queue = "subscription ReviewQueue($p: ID) {
        submissionChanged(partnershipId: $p) { id records(first: 5) { nodes { id } } }
    }";
    let mut commissioner = app
        .subscribed(
            &world.commissioner.token,
            P1,
            queue,
            json!({ "p": world.p1 }),
        )
        .await;

    // Its two records are of A1, whose sharing basis lets P1's commissioners read them.
    app.submit(&world.provider_a, &world.evidence_submission)
        .await;
    let payload = commissioner.next_payload(P1).await;
    let records = &payload["data"]["submissionChanged"]["records"]["nodes"];
    assert_eq!(records.as_array().map(Vec::len), Some(2), "{payload}");

    let log = app
        .gql_ok(
            &world.provider_a.token,
            "query($id: ID!) { participant(id: $id) {
                accessLog(first: 10) { nodes { actor { id } operation read } }
            } }",
            json!({ "id": world.a1 }),
        )
        .await;
    assert_eq!(
        log["participant"]["accessLog"]["nodes"],
        json!([{
            "actor": { "id": world.commissioner.id },
            "operation": "ReviewQueue",
            "read": ["EvaluationSubmission.records"],
        }])
    );
}

async fn the_socket_authenticates_in_connection_init(app: TestApp) {
    let world = World::build(&app).await;
    let without = app.live_socket().await.initialise(json!({})).await;
    assert!(matches!(without, Heard::Closed(4401, _)), "{without:?}");
    let forged = json!({ "token": "not.a.token" });
    let forged = app.live_socket().await.initialise(forged).await;
    assert!(matches!(forged, Heard::Closed(4403, _)), "{forged:?}");

    let mut early = app.live_socket().await;
    early.start("1", SUBMISSION_CHANGED, json!({})).await;
    let early = early.next(ARRIVES_WITHIN).await;
    assert!(matches!(early, Heard::Closed(4401, _)), "{early:?}");

    // A header-style payload, as GraphiQL and Apollo send it, works too.
    let bearer = json!({ "Authorization": format!("Bearer {}", world.viewer.token) });
    assert_eq!(
        app.live_socket().await.initialise(bearer).await,
        Heard::Message(json!({ "type": "connection_ack" }))
    );
}

async fn the_socket_closes_when_its_token_expires(app: TestApp) {
    let world = World::build(&app).await;
    let token = app.token_lasting(world.commissioner.id, Duration::from_secs(2));
    let mut socket = watching_p1(&app, &world, &token).await;
    match socket.next(Duration::from_secs(5)).await {
        Heard::Closed(4401, reason) => assert!(reason.contains("expired"), "{reason}"),
        other => panic!("expected a close with 4401, heard {other:?}"),
    }
}

const TIGHT: &[(&str, &str)] = &[
    ("WS_MAX_SOCKETS_PER_USER", "1"),
    ("WS_MAX_SUBSCRIPTIONS_PER_SOCKET", "1"),
    ("WS_MAX_MESSAGE_BYTES", "2048"),
];

async fn sockets_subscriptions_and_messages_are_bounded(app: TestApp) {
    let world = World::build(&app).await;
    let mut first = app
        .subscribed(&world.viewer.token, "one", SUBMISSION_CHANGED, json!({}))
        .await;
    first.start("two", SUBMISSION_CHANGED, json!({})).await;
    assert_eq!(first.refusal("two").await["extensions"]["code"], "BUSY");

    let token = json!({ "token": world.viewer.token });
    let second = app.live_socket().await.initialise(token).await;
    assert!(matches!(second, Heard::Closed(1008, _)), "{second:?}");

    let padding = "x".repeat(4096);
    first
        .send(json!({ "type": "ping", "payload": { "padding": padding } }))
        .await;
    let oversized = first.next(ARRIVES_WITHIN).await;
    assert!(matches!(oversized, Heard::Closed(1009, _)), "{oversized:?}");

    // Queries and mutations belong on POST /graphql.
    let mut third = app.live(&world.commissioner.token).await;
    third.start("query", "{ me { id } }", json!({})).await;
    let refusal = third.refusal("query").await;
    assert_eq!(refusal["extensions"]["code"], "BAD_USER_INPUT", "{refusal}");
    // An operation the schema refuses ends with `error`, as it is refused over HTTP.
    third
        .start("bad", "subscription { nothingHere }", json!({}))
        .await;
    let refusal = third.refusal("bad").await;
    assert_eq!(refusal["extensions"]["code"], "BAD_USER_INPUT", "{refusal}");
}

/// Two services on one PostgreSQL database, as two replicas behind a load balancer: a change
/// made through either reaches the subscribers of both, each exactly once.
#[tokio::test]
async fn two_replicas_share_one_stream_of_events() {
    let Some(first) = TestApp::postgres().await else {
        return;
    };
    let second = first.another_replica().await;
    let world = World::build(&first).await;
    let mut on_first = watching_p1(&first, &world, &world.provider_a.token).await;
    let mut on_second = watching_p1(&second, &world, &world.provider_a.token).await;

    // Subscribed on one, changed through the other.
    second
        .submit(&world.provider_a, &world.ready_submission)
        .await;
    for socket in [&mut on_first, &mut on_second] {
        let payload = socket.next_payload(P1).await;
        assert_eq!(
            payload["data"]["submissionChanged"]["id"],
            json!(world.ready_submission)
        );
    }

    // Concurrent writes through both: every one stored and announced once to everyone.
    const WRITES: usize = 20;
    let before = first.count("evaluation_submissions").await;
    let writes = (0..WRITES).map(|n| {
        let replica = if n % 2 == 0 { &first } else { &second };
        replica.submission(&world.provider_a, &world.ia)
    });
    let created: BTreeSet<String> = futures_util::future::join_all(writes)
        .await
        .into_iter()
        .collect();
    assert_eq!(created.len(), WRITES);
    assert_eq!(
        first.count("evaluation_submissions").await,
        before + i64::try_from(WRITES).unwrap()
    );
    for socket in [&mut on_first, &mut on_second] {
        let mut heard = BTreeSet::new();
        for _ in 0..WRITES {
            let payload = socket.next_payload(P1).await;
            let id = payload["data"]["submissionChanged"]["id"].as_str().unwrap();
            assert!(heard.insert(id.to_owned()), "{id} announced twice");
        }
        assert_eq!(heard, created);
        assert_eq!(socket.next(SILENCE).await, Heard::Nothing);
    }
}

/// A replica whose listening connection dies tells its subscribers they may have missed
/// events, reconnects, and delivers again.
#[tokio::test]
async fn a_lost_listener_is_reported_and_replaced() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let world = World::build(&app).await;
    let mut provider = watching_p1(&app, &world, &world.provider_a.token).await;

    let terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
        WHERE datname = current_database() AND query LIKE 'LISTEN %'";
    app.db.execute_unprepared(terminate).await.unwrap();

    match provider.next(Duration::from_secs(5)).await {
        Heard::Message(message) => {
            assert_eq!(message["type"], "next", "{message}");
            let error = &message["payload"]["errors"][0];
            assert_eq!(error["extensions"]["code"], "BUSY", "{message}");
            assert!(
                error["message"].as_str().unwrap().contains("missed"),
                "{message}"
            );
        }
        other => panic!("expected word of the lost events, heard {other:?}"),
    }
    // Once reconnected, changes arrive again (after any further word of the outage).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        app.submission(&world.provider_a, &world.ia).await;
        let heard = provider.next(ARRIVES_WITHIN).await;
        if let Heard::Message(message) = &heard
            && message["payload"]["data"]["submissionChanged"]["status"] == "DRAFT"
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no event after the reconnect: {heard:?}"
        );
    }
}

on_both_databases!(
    the_review_queue_hears_a_submit_and_nobody_else_does,
    a_draft_never_reaches_a_commissioner,
    a_rolled_back_change_announces_nothing,
    comments_and_accepted_outcomes_reach_those_who_may_read_them,
    one_read_serves_every_subscriber_who_sees_the_same_rows,
    a_childs_rows_read_through_a_subscription_are_access_logged,
    the_socket_authenticates_in_connection_init,
    the_socket_closes_when_its_token_expires,
);
on_both_databases!(with super::TIGHT; sockets_subscriptions_and_messages_are_bounded);
