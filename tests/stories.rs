//! Stories, the child's voice (DESIGN §3.14, §4.3, §5.1): the delivering provider writes them
//! while the submission is open; who reads which story depends on the young person's consent
//! and information-sharing decision; an accepted submission's stories never change.

use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::TestUser, world::World},
};

const ADD: &str = "mutation($input: AddStoryInput!) {
    addStory(input: $input) {
        story { id submissionId enrolmentId title body wellbeing consentToShare version createdAt updatedAt }
    }
}";
const UPDATE: &str = "mutation($input: UpdateStoryInput!) {
    updateStory(input: $input) { story { id enrolmentId title body wellbeing consentToShare version } }
}";
const DELETE: &str = "mutation($input: DeleteStoryInput!) {
    deleteStory(input: $input) { story { id title } }
}";
const STORIES: &str =
    "query($id: ID!) { submission(id: $id) { stories { nodes { id title enrolmentId } } } }";

const BODY: &str = "I was scared of maths. Now I go with my friends and I put my hand up.";

fn story_input(submission: &str, extra: Value) -> Value {
    let mut input = json!({
        "submissionId": submission, "title": "Back in class", "body": BODY,
        "wellbeing": ["INCLUDED", "ACHIEVING", "INCLUDED"], "consentToShare": false,
    });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({ "input": input })
}

async fn stories_of(app: &TestApp, user: &TestUser, submission: &str) -> Vec<String> {
    let data = app
        .gql_ok(&user.token, STORIES, json!({ "id": submission }))
        .await;
    data["submission"]["stories"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|story| story["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Provider A's enrolment of A2, whose information-sharing decision is NONE.
async fn enrolment_of_a2(app: &TestApp, w: &World) -> String {
    let data = app
        .gql_ok(
            &w.provider_a.token,
            "query($id: ID!) { intervention(id: $id) { enrolments { nodes { id participantId } } } }",
            json!({ "id": w.ia }),
        )
        .await;
    data["intervention"]["enrolments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|enrolment| enrolment["participantId"] == w.a2.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_provider_adds_changes_and_deletes_stories_while_the_submission_is_open(app: TestApp) {
    let w = World::build(&app).await;
    let provider = &w.provider_a;
    // A submission of its own, so fixtures the world may gain elsewhere do not show up here.
    let submission = &app.submission(&w.provider_a, &w.ia).await;
    let submission = submission.as_str();

    let data = app
        .gql_ok(
            &provider.token,
            ADD,
            story_input(submission, json!({ "enrolmentId": w.enrolment_a1 })),
        )
        .await;
    let story = &data["addStory"]["story"];
    assert_eq!(story["submissionId"], submission);
    assert_eq!(story["enrolmentId"], w.enrolment_a1.as_str());
    assert_eq!(story["body"], BODY);
    assert_eq!(
        story["wellbeing"],
        json!(["ACHIEVING", "INCLUDED"]),
        "each tag once, in SHANARRI order"
    );
    assert_eq!(story["consentToShare"], false);
    assert_eq!(story["version"], 1);
    let id = story["id"].as_str().unwrap().to_owned();

    let data = app
        .gql_ok(
            &provider.token,
            UPDATE,
            json!({ "input": {
                "id": id, "expectedVersion": 1, "enrolmentId": null,
                "title": "Hands up in maths", "wellbeing": ["RESPECTED"], "consentToShare": true,
            }}),
        )
        .await;
    let updated = &data["updateStory"]["story"];
    assert_eq!(updated["title"], "Hands up in maths");
    assert!(
        updated["enrolmentId"].is_null(),
        "now a story about the group"
    );
    assert_eq!(updated["wellbeing"], json!(["RESPECTED"]));
    assert_eq!(updated["body"], BODY, "left out, unchanged");
    assert_eq!(updated["consentToShare"], true);
    assert_eq!(updated["version"], 2);
    assert_eq!(stories_of(&app, provider, submission).await, [id.as_str()]);

    let data = app
        .gql_ok(
            &provider.token,
            DELETE,
            json!({ "input": { "id": id, "expectedVersion": 2 } }),
        )
        .await;
    assert_eq!(data["deleteStory"]["story"]["id"], id.as_str());
    assert_eq!(data["deleteStory"]["story"]["title"], "Hands up in maths");
    assert!(stories_of(&app, provider, submission).await.is_empty());

    let events = audit_event::Entity::find()
        .filter(audit_event::Column::EntityType.eq("story"))
        .filter(audit_event::Column::EntityId.eq(id.as_str()))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(actions, ["story.add", "story.update", "story.delete"]);
    for event in &events {
        // Written while the submission was a draft: not in the partnership's trail at all.
        assert_eq!(event.partnership_id, None);
        assert_eq!(event.details["submissionId"], submission);
        let details = event.details.to_string();
        assert!(
            !details.contains("maths"),
            "commissioners read the audit trail, so it never holds a story's text: {details}"
        );
    }
    assert_eq!(events[1].details["title"], "changed");
    assert_eq!(events[1].details["consentToShare"], true);
}

async fn bad_story_input_names_the_field_and_writes_nothing(app: TestApp) {
    let w = World::build(&app).await;
    let provider = &w.provider_a;
    // A submission of its own, so fixtures the world may gain elsewhere do not show up here.
    let submission = &app.submission(&w.provider_a, &w.ia).await;
    let submission = submission.as_str();
    let b_enrolment = app
        .gql_ok(
            &w.provider_b.token,
            "query($id: ID!) { intervention(id: $id) { enrolments { nodes { id } } } }",
            json!({ "id": w.ib }),
        )
        .await["intervention"]["enrolments"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stories = app.count("stories").await;
    for (extra, field) in [
        (json!({ "enrolmentId": b_enrolment }), "input.enrolmentId"),
        (json!({ "enrolmentId": "CR-001" }), "input.enrolmentId"),
        (json!({ "title": "   " }), "input.title"),
        (json!({ "body": "" }), "input.body"),
        (json!({ "body": "x".repeat(20_001) }), "input.body"),
        (json!({ "submissionId": "nope" }), "input.submissionId"),
    ] {
        let body = app
            .gql(&provider.token, ADD, story_input(submission, extra.clone()))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{extra}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{extra}");
    }
    let body = app
        .gql(
            &provider.token,
            ADD,
            story_input(&w.a1, json!({})), // a participant's id is no submission's
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(app.count("stories").await, stories);

    let id = app.story(provider, submission, None, false).await;
    for (input, code) in [
        (
            json!({ "id": id, "expectedVersion": 9, "title": "Late" }),
            "CONFLICT",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "enrolmentId": b_enrolment }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "id": id, "expectedVersion": 1, "title": "" }),
            "BAD_USER_INPUT",
        ),
    ] {
        let body = app
            .gql(&provider.token, UPDATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), code, "{input}: {body:#}");
    }
    let body = app
        .gql(
            &provider.token,
            DELETE,
            json!({ "input": { "id": id, "expectedVersion": 9 } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    let data = app
        .gql_ok(
            &provider.token,
            "query($id: ID!) { submission(id: $id) { stories { nodes { title version } } } }",
            json!({ "id": submission }),
        )
        .await;
    assert_eq!(
        data["submission"]["stories"]["nodes"],
        json!([{ "title": "Back in class", "version": 1 }]),
        "nothing changed"
    );
}

async fn accepted_evidence_never_changes(app: TestApp) {
    let w = World::build(&app).await;
    let provider = &w.provider_a;
    // A submission of its own, so fixtures the world may gain elsewhere do not show up here.
    let submission = &app.submission(&w.provider_a, &w.ia).await;
    let submission = submission.as_str();
    let story = app.story(provider, submission, None, true).await;
    app.submit(provider, submission).await;

    // Submitted: frozen until the commissioners decide.
    let body = app
        .gql(&provider.token, ADD, story_input(submission, json!({})))
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE", "{body:#}");

    let body = app
        .review(
            &w.commissioner,
            submission,
            "ACCEPT",
            Some("Clear and well evidenced."),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let (stories, events) = (app.count("stories").await, app.count("audit_events").await);
    let version = app.submission_version(provider, submission).await;
    for (what, document, variables) in [
        ("addStory", ADD, story_input(submission, json!({}))),
        (
            "updateStory",
            UPDATE,
            json!({ "input": { "id": story, "expectedVersion": 1, "title": "Edited" } }),
        ),
        ("deleteStory", DELETE, json!({ "input": { "id": story } })),
        (
            "updateSubmission",
            "mutation($input: UpdateSubmissionInput!) { updateSubmission(input: $input) { submission { id } } }",
            json!({ "input": { "id": submission, "expectedVersion": version, "narrative": "Edited." } }),
        ),
        (
            "withdrawSubmission",
            "mutation($input: WithdrawSubmissionInput!) { withdrawSubmission(input: $input) { submission { id } } }",
            json!({ "input": { "id": submission, "expectedVersion": version } }),
        ),
        (
            "submitSubmission",
            "mutation($input: SubmitSubmissionInput!) { submitSubmission(input: $input) { submission { id } } }",
            json!({ "input": { "id": submission, "expectedVersion": version } }),
        ),
    ] {
        let body = app.gql(&provider.token, document, variables).await;
        assert_eq!(error_code(&body), "INVALID_STATE", "{what}: {body:#}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("ACCEPTED"),
            "{what}: {body:#}"
        );
    }
    assert_eq!(app.count("stories").await, stories);
    assert_eq!(app.count("audit_events").await, events);
    assert_eq!(app.submission_version(provider, submission).await, version);
    let data = app
        .gql_ok(
            &provider.token,
            "query($id: ID!) { submission(id: $id) { status stories { nodes { title version } } } }",
            json!({ "id": submission }),
        )
        .await;
    assert_eq!(
        data["submission"],
        json!({ "status": "ACCEPTED", "stories": { "nodes": [{ "title": "Back in class", "version": 1 }] } })
    );
}

async fn who_reads_which_story(app: TestApp) {
    let w = World::build(&app).await;
    let provider = &w.provider_a;
    // A submission of its own, so fixtures the world may gain elsewhere do not show up here.
    let submission = &app.submission(&w.provider_a, &w.ia).await;
    let submission = submission.as_str();
    let a2 = enrolment_of_a2(&app, &w).await;
    // A1's sharing basis is PUBLIC_TASK; A2's is NONE.
    let a1_private = app
        .story(provider, submission, Some(&w.enrolment_a1), false)
        .await;
    let a2_private = app.story(provider, submission, Some(&a2), false).await;
    let a2_shared = app.story(provider, submission, Some(&a2), true).await;
    let group_private = app.story(provider, submission, None, false).await;
    let all = [
        a1_private.as_str(),
        a2_private.as_str(),
        a2_shared.as_str(),
        group_private.as_str(),
    ];

    assert_eq!(
        stories_of(&app, provider, submission).await,
        all,
        "the provider reads all"
    );
    assert_eq!(stories_of(&app, &w.admin, submission).await, all);
    for user in [&w.commissioner, &w.provider_b, &w.viewer, &w.outsider] {
        let body = app
            .gql(&user.token, STORIES, json!({ "id": submission }))
            .await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "nobody else reads a draft's stories"
        );
    }

    app.submit(provider, submission).await;
    let reads = app.count("audit_events").await;
    assert_eq!(
        stories_of(&app, &w.commissioner, submission).await,
        [
            a1_private.as_str(),
            a2_shared.as_str(),
            group_private.as_str()
        ],
        "commissioners: all but a story about a child whose sharing basis is NONE, unless shared"
    );
    assert_eq!(
        app.count("audit_events").await,
        reads,
        "a story names its enrolment only by id, so reading it reads no participant's record"
    );
    for user in [&w.provider_b, &w.viewer] {
        let body = app
            .gql(&user.token, STORIES, json!({ "id": submission }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "not before it is accepted");
    }

    // The commissioner sees these stories but may not change them; the hidden one is not there.
    let body = app
        .gql(
            &w.commissioner.token,
            UPDATE,
            json!({ "input": { "id": a1_private, "expectedVersion": 1, "title": "Edited" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(
            &w.commissioner.token,
            DELETE,
            json!({ "input": { "id": a2_private } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    let body = app
        .review(&w.commissioner, submission, "ACCEPT", None)
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    for user in [&w.viewer, &w.provider_b] {
        assert_eq!(
            stories_of(&app, user, submission).await,
            [a2_shared.as_str()],
            "partners read accepted stories the young person agreed to share, and no others"
        );
    }
    let body = app
        .gql(
            &w.viewer.token,
            UPDATE,
            json!({ "input": { "id": a2_shared, "expectedVersion": 1, "title": "Edited" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "seen, not changed");
    assert_eq!(
        stories_of(&app, &w.commissioner, submission).await,
        [
            a1_private.as_str(),
            a2_shared.as_str(),
            group_private.as_str()
        ]
    );
    assert_eq!(stories_of(&app, provider, submission).await, all);
    let body = app
        .gql(&w.outsider.token, STORIES, json!({ "id": submission }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

on_both_databases!(
    a_provider_adds_changes_and_deletes_stories_while_the_submission_is_open,
    bad_story_input_names_the_field_and_writes_nothing,
    accepted_evidence_never_changes,
    who_reads_which_story,
);
