//! The submission lifecycle and its review (DESIGN §3.12, §3.15, §5.1): the delivering provider
//! submits and withdraws, the partnership's commissioners comment, accept or request changes,
//! every other transition is INVALID_STATE and changes nothing, and of two reviewers deciding
//! at once exactly one wins.

use entity::{
    audit_event,
    enums::{OrganisationKind, UserRole},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::TestUser, world::World},
};

const SUBMISSION: &str = "query($id: ID!) {
    submission(id: $id) {
        id status version editable submittedAt decidedAt
        submittedBy { id } decidedBy { id }
        comments { id decision body createdAt author { id displayName } }
    }
}";
const SUBMIT: &str = "mutation($input: SubmitSubmissionInput!) {
    submitSubmission(input: $input) {
        submission { id status version submittedAt submittedBy { id } decidedBy { id } }
    }
}";
const WITHDRAW: &str = "mutation($input: WithdrawSubmissionInput!) {
    withdrawSubmission(input: $input) { submission { id status version editable } }
}";
const UPDATE: &str = "mutation($input: UpdateSubmissionInput!) {
    updateSubmission(input: $input) { submission { id version } }
}";
const QUEUE: &str = "query($filter: SubmissionFilter, $first: Int, $after: String) {
    submissions(filter: $filter, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id status }
    }
}";

async fn submission(app: &TestApp, user: &TestUser, id: &str) -> Value {
    app.gql_ok(&user.token, SUBMISSION, json!({ "id": id }))
        .await["submission"]
        .clone()
}

async fn submit(app: &TestApp, user: &TestUser, id: &str, version: i64) -> Value {
    app.gql(
        &user.token,
        SUBMIT,
        json!({ "input": { "id": id, "expectedVersion": version } }),
    )
    .await
}

async fn withdraw(app: &TestApp, user: &TestUser, id: &str, version: i64) -> Value {
    app.gql(
        &user.token,
        WITHDRAW,
        json!({ "input": { "id": id, "expectedVersion": version } }),
    )
    .await
}

/// Audit actions recorded for one submission, oldest first.
async fn actions(app: &TestApp, submission_id: &str) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::EntityType.eq("submission"))
        .filter(audit_event::Column::EntityId.eq(submission_id))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.action)
        .collect()
}

fn ids(page: &Value) -> Vec<&str> {
    listed(&page["nodes"])
}

fn listed(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect()
}

async fn a_submission_goes_from_draft_through_changes_to_accepted(app: TestApp) {
    let w = World::build(&app).await;
    let (provider, council) = (&w.provider_a, &w.commissioner);
    let id = &app.submission(&w.provider_a, &w.ia).await;
    let id = id.as_str();

    let events = app.count("audit_events").await;
    let body = submit(&app, provider, id, 1).await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "no evidence yet: {body:#}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no evidence"),
        "{body:#}"
    );
    assert_eq!(submission(&app, provider, id).await["version"], 1);
    assert_eq!(
        app.count("audit_events").await,
        events,
        "a refusal writes nothing"
    );

    app.story(provider, id, Some(&w.enrolment_a1), true).await;
    let body = submit(&app, provider, id, 1).await;
    let submitted = &body["data"]["submitSubmission"]["submission"];
    assert_eq!(submitted["status"], "SUBMITTED", "{body:#}");
    assert_eq!(submitted["version"], 2);
    assert_eq!(submitted["submittedBy"]["id"], provider.id.to_string());
    assert!(submitted["submittedAt"].is_string());

    let body = app.review(council, id, "REQUEST_CHANGES", None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.comment");
    let body = app
        .review(
            council,
            id,
            "REQUEST_CHANGES",
            Some("Please add the exit scores."),
        )
        .await;
    let reviewed = &body["data"]["reviewSubmission"];
    assert_eq!(
        reviewed["submission"]["status"], "CHANGES_REQUESTED",
        "{body:#}"
    );
    assert_eq!(reviewed["submission"]["version"], 3);
    assert_eq!(
        reviewed["submission"]["decidedBy"]["id"],
        council.id.to_string()
    );
    assert_eq!(reviewed["comment"]["decision"], "REQUEST_CHANGES");
    assert_eq!(reviewed["comment"]["body"], "Please add the exit scores.");
    assert_eq!(reviewed["comment"]["author"]["id"], council.id.to_string());

    // While the provider revises, the commissioner may add to what they asked for.
    let body = app
        .review(
            council,
            id,
            "COMMENT",
            Some("And a word from the school, if you can."),
        )
        .await;
    assert_eq!(
        body["data"]["reviewSubmission"]["submission"]["status"], "CHANGES_REQUESTED",
        "{body:#}"
    );
    assert_eq!(
        body["data"]["reviewSubmission"]["submission"]["version"], 3,
        "a comment does not change the submission"
    );

    let seen = submission(&app, provider, id).await;
    assert_eq!(seen["editable"], true);
    app.gql_ok(
        &provider.token,
        UPDATE,
        json!({ "input": { "id": id, "expectedVersion": 3, "narrative": "Now with exit scores." } }),
    )
    .await;
    let body = submit(&app, provider, id, 4).await;
    let resubmitted = &body["data"]["submitSubmission"]["submission"];
    assert_eq!(resubmitted["status"], "SUBMITTED", "{body:#}");
    assert!(
        resubmitted["decidedBy"].is_null(),
        "a resubmission awaits a new decision"
    );

    let body = app.review(council, id, "ACCEPT", None).await;
    let accepted = &body["data"]["reviewSubmission"];
    assert_eq!(accepted["submission"]["status"], "ACCEPTED", "{body:#}");
    assert_eq!(
        accepted["comment"]["body"], "",
        "an ACCEPT is kept even without a comment"
    );

    let seen = submission(&app, provider, id).await;
    assert_eq!(seen["editable"], false);
    assert!(seen["decidedAt"].is_string());
    let decisions: Vec<&Value> = seen["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|comment| &comment["decision"])
        .collect();
    assert_eq!(
        decisions,
        [
            &json!("REQUEST_CHANGES"),
            &json!("COMMENT"),
            &json!("ACCEPT")
        ],
        "the provider reads the whole review, oldest first"
    );
    assert_eq!(
        seen["comments"][0]["author"]["displayName"],
        "Test Commissioner"
    );

    assert_eq!(
        actions(&app, id).await,
        [
            "submission.create",
            "submission.submit",
            "submission.request_changes",
            "submission.comment",
            "submission.update",
            "submission.submit",
            "submission.accept",
        ]
    );
    let accept = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("submission.accept"))
        .filter(audit_event::Column::EntityId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        accept.partnership_id.map(|p| p.to_string()),
        Some(w.p1.clone())
    );
    assert_eq!(accept.details["from"], "SUBMITTED");
    assert_eq!(accept.details["to"], "ACCEPTED");
}

/// A submission of provider A for IA, with one story, brought into `status`.
async fn submission_in(app: &TestApp, w: &World, status: &str) -> String {
    let id = app.submission(&w.provider_a, &w.ia).await;
    app.story(&w.provider_a, &id, None, true).await;
    match status {
        "DRAFT" => {}
        "WITHDRAWN" => {
            app.gql_ok(
                &w.provider_a.token,
                WITHDRAW,
                json!({ "input": { "id": id, "expectedVersion": 1 } }),
            )
            .await;
        }
        _ => {
            app.submit(&w.provider_a, &id).await;
            let decision = match status {
                "ACCEPTED" => Some("ACCEPT"),
                "CHANGES_REQUESTED" => Some("REQUEST_CHANGES"),
                _ => None,
            };
            if let Some(decision) = decision {
                let body = app
                    .review(&w.commissioner, &id, decision, Some("Reviewed."))
                    .await;
                assert!(body.get("errors").is_none(), "{body:#}");
            }
        }
    }
    assert_eq!(submission(app, &w.provider_a, &id).await["status"], status);
    id
}

async fn every_other_transition_is_invalid_state_and_changes_nothing(app: TestApp) {
    let w = World::build(&app).await;
    // What each status allows (§5.1); everything else must be refused.
    let table: [(&str, &[&str]); 5] = [
        ("DRAFT", &["submit", "withdraw", "update"]),
        (
            "SUBMITTED",
            &["withdraw", "COMMENT", "ACCEPT", "REQUEST_CHANGES"],
        ),
        ("CHANGES_REQUESTED", &["submit", "update", "COMMENT"]),
        ("ACCEPTED", &[]),
        ("WITHDRAWN", &[]),
    ];
    for (status, allowed) in table {
        let id = submission_in(&app, &w, status).await;
        let before = submission(&app, &w.provider_a, &id).await;
        let version = before["version"].as_i64().unwrap();
        let (comments, events) = (
            app.count("review_comments").await,
            app.count("audit_events").await,
        );
        for attempt in [
            "submit",
            "withdraw",
            "update",
            "COMMENT",
            "ACCEPT",
            "REQUEST_CHANGES",
        ] {
            if allowed.contains(&attempt) {
                continue;
            }
            let body = match attempt {
                "submit" => submit(&app, &w.provider_a, &id, version).await,
                "withdraw" => withdraw(&app, &w.provider_a, &id, version).await,
                "update" => {
                    app.gql(
                        &w.provider_a.token,
                        UPDATE,
                        json!({ "input": { "id": id, "expectedVersion": version, "narrative": "Late edit." } }),
                    )
                    .await
                }
                // The admin sees drafts too; the rules of the state are the same for any
                // reviewer.
                decision => app.review(&w.admin, &id, decision, Some("A review.")).await,
            };
            assert_eq!(
                error_code(&body),
                "INVALID_STATE",
                "{attempt} on {status}: {body:#}"
            );
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("is {status};")),
                "{attempt} on {status}: the message names the status: {message}"
            );
        }
        assert_eq!(
            submission(&app, &w.provider_a, &id).await,
            before,
            "{status}: nothing changed"
        );
        assert_eq!(app.count("review_comments").await, comments, "{status}");
        assert_eq!(app.count("audit_events").await, events, "{status}");
    }
}

async fn a_provider_withdraws_a_draft_or_a_submission_awaiting_review(app: TestApp) {
    let w = World::build(&app).await;
    for status in ["DRAFT", "SUBMITTED"] {
        let id = submission_in(&app, &w, status).await;
        let version = submission(&app, &w.provider_a, &id).await["version"]
            .as_i64()
            .unwrap();
        let body = withdraw(&app, &w.commissioner, &id, version).await;
        let expected = if status == "DRAFT" {
            "NOT_FOUND"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(error_code(&body), expected, "commissioner on {status}");
        let body = withdraw(&app, &w.provider_b, &id, version).await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "another provider on {status}"
        );

        let body = withdraw(&app, &w.provider_a, &id, version).await;
        let withdrawn = &body["data"]["withdrawSubmission"]["submission"];
        assert_eq!(withdrawn["status"], "WITHDRAWN", "{body:#}");
        assert_eq!(withdrawn["editable"], false);
        assert_eq!(withdrawn["version"], version + 1);
        assert_eq!(
            actions(&app, &id).await.last().unwrap(),
            "submission.withdraw"
        );
    }
}

async fn a_stale_version_is_a_conflict_and_changes_nothing(app: TestApp) {
    let w = World::build(&app).await;
    let id = &app.submission(&w.provider_a, &w.ia).await;
    let id = id.as_str();
    app.story(&w.provider_a, id, None, false).await;
    let events = app.count("audit_events").await;
    for body in [
        submit(&app, &w.provider_a, id, 7).await,
        withdraw(&app, &w.provider_a, id, 7).await,
    ] {
        assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "input.expectedVersion"
        );
    }
    let seen = submission(&app, &w.provider_a, id).await;
    assert_eq!(
        (&seen["status"], &seen["version"]),
        (&json!("DRAFT"), &json!(1))
    );
    assert_eq!(app.count("audit_events").await, events);
}

async fn only_the_delivering_provider_submits_and_only_commissioners_review(app: TestApp) {
    let w = World::build(&app).await;
    let id = &app.submission(&w.provider_a, &w.ia).await;
    let id = id.as_str();
    app.story(&w.provider_a, id, None, true).await;
    for (who, user, expected) in [
        ("admin", &w.admin, "FORBIDDEN"),
        ("commissioner", &w.commissioner, "NOT_FOUND"),
        ("provider B", &w.provider_b, "NOT_FOUND"),
        ("viewer", &w.viewer, "NOT_FOUND"),
        ("outsider", &w.outsider, "NOT_FOUND"),
    ] {
        let body = submit(&app, user, id, 1).await;
        assert_eq!(error_code(&body), expected, "{who} submits");
    }
    app.submit(&w.provider_a, id).await;

    let comments = app.count("review_comments").await;
    for (who, user, expected) in [
        ("provider A", &w.provider_a, "FORBIDDEN"),
        ("provider B", &w.provider_b, "NOT_FOUND"),
        ("viewer", &w.viewer, "NOT_FOUND"),
        ("outsider", &w.outsider, "NOT_FOUND"),
    ] {
        let body = app.review(user, id, "ACCEPT", Some("Fine.")).await;
        assert_eq!(error_code(&body), expected, "{who} reviews");
    }
    assert_eq!(
        app.count("review_comments").await,
        comments,
        "refused reviews store nothing"
    );

    let body = app
        .review(&w.admin, id, "COMMENT", Some("Admin note."))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let body = app.review(&w.commissioner, id, "ACCEPT", None).await;
    assert!(body.get("errors").is_none(), "{body:#}");

    // Once accepted, partners see it but may not review it, nor read the review.
    let body = app.review(&w.viewer, id, "COMMENT", Some("Lovely.")).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "viewer on ACCEPTED");
    let body = app
        .review(&w.provider_b, id, "COMMENT", Some("Lovely."))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "provider B on ACCEPTED");
    for user in [&w.viewer, &w.provider_b] {
        let seen = submission(&app, user, id).await;
        assert_eq!(seen["status"], "ACCEPTED");
        assert_eq!(
            seen["comments"],
            json!([]),
            "the review is between reviewers and provider"
        );
    }
    assert_eq!(
        submission(&app, &w.provider_a, id).await["comments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// A submission of `provider` for the intervention, with one story, submitted for review.
async fn submitted(app: &TestApp, provider: &TestUser, intervention: &str) -> String {
    let id = app.submission(provider, intervention).await;
    app.story(provider, &id, None, true).await;
    app.submit(provider, &id).await;
    id
}

async fn the_review_queue_lists_what_awaits_review_oldest_first(app: TestApp) {
    // Its own partnerships, so that whatever submissions the shared world holds stay out of
    // these lists: a council commissioning P1 (providers A and B, a school) and P2 (B only).
    let council = app.commissioner("Moray Council").await;
    let org_a = app
        .organisation("Moray Youth Matters", OrganisationKind::Voluntary)
        .await;
    let org_b = app
        .organisation("Speyside Trust", OrganisationKind::Voluntary)
        .await;
    let school = app
        .organisation("Elgin Academy", OrganisationKind::School)
        .await;
    let (provider_a, provider_b) = (
        app.user(org_a, UserRole::Provider).await,
        app.user(org_b, UserRole::Provider).await,
    );
    let viewer = app.user(school, UserRole::Viewer).await;
    let outsider = app.commissioner("Shetland Islands Council").await;
    let p1 = app.partnership(&council, "Moray Returners").await;
    let p2 = app.partnership(&council, "Moray Transitions").await;
    for (partnership, organisation, role) in [
        (&p1, org_a, "PROVIDER"),
        (&p1, org_b, "PROVIDER"),
        (&p1, school, "PARTNER"),
        (&p2, org_b, "PROVIDER"),
    ] {
        app.add_member(&council, partnership, organisation, role)
            .await;
    }
    let ia = app
        .intervention(&council, &p1, org_a, "Day programme")
        .await;
    let ib = app
        .intervention(&council, &p1, org_b, "Detached youth work")
        .await;
    let ib2 = app.intervention(&council, &p2, org_b, "Summer club").await;

    let a_first = submitted(&app, &provider_a, &ia).await;
    let b_p1 = submitted(&app, &provider_b, &ib).await;
    let b_p2 = submitted(&app, &provider_b, &ib2).await;
    let a_accepted = submitted(&app, &provider_a, &ia).await;
    let body = app.review(&council, &a_accepted, "ACCEPT", None).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let a_draft = app.submission(&provider_a, &ia).await;

    let list = |user: &TestUser, filter: Value| {
        let (app, token) = (&app, user.token.clone());
        async move {
            app.gql_ok(&token, QUEUE, json!({ "filter": filter })).await["submissions"].clone()
        }
    };
    let waiting = list(&council, json!({ "status": "SUBMITTED" })).await;
    assert_eq!(ids(&waiting), [&a_first, &b_p1, &b_p2], "oldest first");
    assert_eq!(waiting["totalCount"], 3);
    let in_p1 = list(
        &council,
        json!({ "status": "SUBMITTED", "partnershipId": p1 }),
    )
    .await;
    assert_eq!(ids(&in_p1), [&a_first, &b_p1]);
    let for_ib = list(&council, json!({ "interventionId": ib })).await;
    assert_eq!(ids(&for_ib), [&b_p1]);
    let everything = list(&council, json!({})).await;
    assert_eq!(
        ids(&everything),
        [&a_first, &b_p1, &b_p2, &a_accepted],
        "commissioners never see drafts"
    );

    let first_page = app
        .gql_ok(
            &council.token,
            QUEUE,
            json!({ "filter": { "status": "SUBMITTED" }, "first": 2 }),
        )
        .await["submissions"]
        .clone();
    assert_eq!(ids(&first_page), [&a_first, &b_p1]);
    assert_eq!(first_page["pageInfo"]["hasNextPage"], true);
    let second_page = app
        .gql_ok(
            &council.token,
            QUEUE,
            json!({ "filter": { "status": "SUBMITTED" }, "first": 2,
                    "after": first_page["pageInfo"]["endCursor"] }),
        )
        .await["submissions"]
        .clone();
    assert_eq!(ids(&second_page), [&b_p2]);
    assert_eq!(second_page["pageInfo"]["hasNextPage"], false);

    let mine = list(&provider_a, json!({})).await;
    assert_eq!(
        ids(&mine),
        [&a_first, &a_accepted, &a_draft],
        "a provider sees its own, drafts included, and not another provider's undecided ones"
    );
    let seen_by_b = list(&provider_b, json!({})).await;
    assert_eq!(ids(&seen_by_b), [&b_p1, &b_p2, &a_accepted]);
    let seen_by_viewer = list(&viewer, json!({})).await;
    assert_eq!(
        ids(&seen_by_viewer),
        [&a_accepted],
        "partners see accepted evidence only"
    );
    assert_eq!(seen_by_viewer["totalCount"], 1);
    assert_eq!(list(&outsider, json!({})).await["totalCount"], 0);

    // The same rows hang off the partnership and the intervention.
    let nested = "query($p: ID!, $i: ID!) {
        partnership(id: $p) {
            submissions(status: SUBMITTED) { nodes { id } }
            all: submissions { nodes { id } }
        }
        intervention(id: $i) { submissions { nodes { id status } } }
    }";
    let vars = json!({ "p": p1, "i": ia });
    let data = app.gql_ok(&council.token, nested, vars.clone()).await;
    assert_eq!(
        listed(&data["partnership"]["submissions"]["nodes"]),
        [&a_first, &b_p1]
    );
    assert_eq!(
        listed(&data["partnership"]["all"]["nodes"]),
        [&a_first, &b_p1, &a_accepted]
    );
    assert_eq!(
        listed(&data["intervention"]["submissions"]["nodes"]),
        [&a_first, &a_accepted]
    );
    let data = app.gql_ok(&viewer.token, nested, vars.clone()).await;
    assert_eq!(listed(&data["partnership"]["all"]["nodes"]), [&a_accepted]);
    assert_eq!(
        listed(&data["intervention"]["submissions"]["nodes"]),
        [&a_accepted]
    );
    let data = app.gql_ok(&provider_b.token, nested, vars).await;
    assert_eq!(
        listed(&data["partnership"]["all"]["nodes"]),
        [&b_p1, &a_accepted],
        "provider B: its own and A's accepted one"
    );

    let body = app
        .gql(
            &council.token,
            QUEUE,
            json!({ "filter": { "partnershipId": "not-an-id" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "filter.partnershipId"
    );
}

async fn two_reviewers_deciding_at_the_same_moment_exactly_one_wins(app: TestApp) {
    let w = World::build(&app).await;
    let colleague = app
        .user(w.commissioner.organisation_id, UserRole::Commissioner)
        .await;
    let comments = app.count("review_comments").await;
    for round in 0..3 {
        let id = submission_in(&app, &w, "SUBMITTED").await;
        // Both decisions wait on the submission's lock until both are in flight.
        let lock = app.hold_lock("evaluation_submissions", &id).await;
        let (first, second, ()) = tokio::join!(
            app.review(&w.commissioner, &id, "ACCEPT", Some("Strong evidence.")),
            app.review(
                &colleague,
                &id,
                "REQUEST_CHANGES",
                Some("Add the exit scores.")
            ),
            app.release_when_waiting(lock, 2),
        );
        let won: Vec<&Value> = [&first, &second]
            .into_iter()
            .filter(|body| body.get("errors").is_none())
            .collect();
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one decision wins: {first:#} {second:#}"
        );
        let lost = if first.get("errors").is_none() {
            &second
        } else {
            &first
        };
        assert!(
            matches!(error_code(lost), "INVALID_STATE" | "CONFLICT"),
            "round {round}: {lost:#}"
        );
        let winner = &won[0]["data"]["reviewSubmission"]["submission"];
        let seen = submission(&app, &w.provider_a, &id).await;
        assert_eq!(seen["status"], winner["status"], "round {round}");
        assert_eq!(seen["version"], 3, "round {round}: decided once");
        assert_eq!(
            seen["comments"].as_array().unwrap().len(),
            1,
            "round {round}"
        );
        let decisions = audit_event::Entity::find()
            .filter(audit_event::Column::EntityId.eq(id.as_str()))
            .filter(
                audit_event::Column::Action
                    .is_in(["submission.accept", "submission.request_changes"]),
            )
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(decisions, 1, "round {round}");
    }
    assert_eq!(
        app.count("review_comments").await,
        comments + 3,
        "one decision per round"
    );
}

/// A draft the provider withdrew was never handed over: its commissioners never see it, nor its
/// stories, and nothing of its text reaches them through the audit trail.
async fn a_withdrawn_draft_never_reaches_the_commissioners(app: TestApp) {
    let world = World::build(&app).await;
    let secret = "Draft thoughts the provider chose not to send.";
    app.gql_ok(&world.provider_a.token,
        "mutation($input: UpdateSubmissionInput!) { updateSubmission(input: $input) { submission { id } } }",
        json!({ "input": { "id": world.draft_submission, "expectedVersion": 1, "narrative": secret } }))
        .await;
    app.gql_ok(&world.provider_a.token,
        "mutation($input: WithdrawSubmissionInput!) { withdrawSubmission(input: $input) { submission { status } } }",
        json!({ "input": { "id": world.draft_submission, "expectedVersion": 2 } }))
        .await;
    let body = app
        .gql(
            &world.commissioner.token,
            "query($id: ID!) { submission(id: $id) { narrative } }",
            json!({ "id": world.draft_submission }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let queue = app
        .gql_ok(
            &world.commissioner.token,
            "{ submissions(filter: { status: WITHDRAWN }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["submissions"]["totalCount"], 0);
    let trail = app
        .gql_ok(
            &world.commissioner.token,
            "{ auditEvents(first: 100) { nodes { details } } }",
            json!({}),
        )
        .await;
    assert!(
        !trail.to_string().contains(secret),
        "the draft's text leaked into the audit trail"
    );
}

on_both_databases!(
    a_withdrawn_draft_never_reaches_the_commissioners,
    a_submission_goes_from_draft_through_changes_to_accepted,
    every_other_transition_is_invalid_state_and_changes_nothing,
    a_provider_withdraws_a_draft_or_a_submission_awaiting_review,
    a_stale_version_is_a_conflict_and_changes_nothing,
    only_the_delivering_provider_submits_and_only_commissioners_review,
    the_review_queue_lists_what_awaits_review_oldest_first,
    two_reviewers_deciding_at_the_same_moment_exactly_one_wins,
);
