//! Partnership reviews: commissioners record what the partners concluded, and the next review
//! falls due one review interval after this one (DESIGN §3.4, §5.3).

use chrono::{Months, NaiveDate};
use entity::{
    audit_event,
    enums::{OrganisationKind, UserRole},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TODAY, TestApp, error_code},
};

const REVIEW: &str = "mutation($input: RecordPartnershipReviewInput!) {
    recordPartnershipReview(input: $input) {
        partnership { id lastReviewedOn lastReviewNotes nextReviewDue reviewOverdue version }
    }
}";
const PARTNERSHIP: &str = "query($id: ID!) {
    partnership(id: $id) { lastReviewedOn lastReviewNotes nextReviewDue reviewOverdue version }
}";
const NOTES: &str = "Attendance is up; the school asked for termly, not monthly, data.";

async fn a_commissioner_records_a_review_and_the_next_falls_due_one_interval_later(app: TestApp) {
    let commissioner = app.commissioner("Aberdeenshire Council").await;
    let id = app
        .partnership(&commissioner, "Aberdeenshire Returners")
        .await;
    // Overdue: the review was due last year.
    app.gql_ok(
        &commissioner.token,
        "mutation($input: UpdatePartnershipInput!) { updatePartnership(input: $input) { partnership { id } } }",
        json!({ "input": { "id": id, "expectedVersion": 1, "nextReviewDue": "2025-03-31" } }),
    )
    .await;

    let data = app
        .gql_ok(
            &commissioner.token,
            REVIEW,
            json!({ "input": {
                "id": id, "expectedVersion": 2, "notes": NOTES, "reviewedOn": "2025-05-20",
            }}),
        )
        .await;
    let reviewed = &data["recordPartnershipReview"]["partnership"];
    assert_eq!(reviewed["lastReviewedOn"], "2025-05-20");
    assert_eq!(reviewed["lastReviewNotes"], NOTES);
    assert_eq!(
        reviewed["nextReviewDue"], "2026-05-20",
        "12 months after the review itself"
    );
    assert_eq!(reviewed["version"], 3);

    let data = app
        .gql_ok(
            &commissioner.token,
            REVIEW,
            json!({ "input": { "id": id, "expectedVersion": 3, "notes": "Second review." } }),
        )
        .await;
    let today: NaiveDate = TODAY.parse().unwrap();
    let reviewed = &data["recordPartnershipReview"]["partnership"];
    assert_eq!(
        reviewed["lastReviewedOn"],
        today.to_string(),
        "today by default"
    );
    assert_eq!(
        reviewed["nextReviewDue"],
        (today + Months::new(12)).to_string()
    );
    assert_eq!(reviewed["reviewOverdue"], false);

    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("partnership.review"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let first = events
        .iter()
        .find(|event| event.details["reviewedOn"] == "2025-05-20")
        .unwrap();
    assert_eq!(
        first.details["notes"], NOTES,
        "the notes are in the audit trail"
    );
    assert_eq!(first.details["previousNextReviewDue"], "2025-03-31");
    assert_eq!(
        first.partnership_id.map(|id| id.to_string()),
        Some(id.clone())
    );
}

async fn only_commissioners_of_the_partnership_record_its_review(app: TestApp) {
    let commissioner = app.commissioner("Argyll and Bute Council").await;
    let id = app.partnership(&commissioner, "Island Transitions").await;
    let provider_org = app
        .organisation("Argyll Youth Work", OrganisationKind::Voluntary)
        .await;
    app.add_member(&commissioner, &id, provider_org, "PROVIDER")
        .await;
    let provider = app.user(provider_org, UserRole::Provider).await;
    let outsider = app.commissioner("Orkney Islands Council").await;
    let events = app.count("audit_events").await;
    let input = json!({ "input": { "id": id, "expectedVersion": 1, "notes": NOTES } });

    assert_eq!(
        error_code(&app.gql(&provider.token, REVIEW, input.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.gql(&outsider.token, REVIEW, input.clone()).await),
        "NOT_FOUND"
    );
    let unchanged = app
        .gql_ok(&commissioner.token, PARTNERSHIP, json!({ "id": id }))
        .await;
    assert_eq!(unchanged["partnership"]["lastReviewedOn"], Value::Null);
    assert_eq!(unchanged["partnership"]["version"], 1);
    assert_eq!(app.count("audit_events").await, events);

    let admin = app.admin().await;
    let data = app.gql_ok(&admin.token, REVIEW, input).await;
    assert_eq!(data["recordPartnershipReview"]["partnership"]["version"], 2);
}

async fn bad_review_input_is_refused_naming_the_field(app: TestApp) {
    let commissioner = app.commissioner("Scottish Borders Council").await;
    let id = app.partnership(&commissioner, "Borders Returners").await;
    app.gql_ok(
        &commissioner.token,
        REVIEW,
        json!({ "input": {
            "id": id, "expectedVersion": 1, "notes": NOTES, "reviewedOn": "2025-06-01",
        }}),
    )
    .await;
    let events = app.count("audit_events").await;
    let review = |fields: Value| {
        let mut input = json!({ "id": id, "expectedVersion": 2, "notes": "Later notes" });
        input
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        app.gql(&commissioner.token, REVIEW, json!({ "input": input }))
    };
    let field = |body: &Value| body["errors"][0]["extensions"]["field"].clone();

    let body = review(json!({ "notes": "   " })).await;
    assert_eq!(field(&body), "input.notes");
    let body = review(json!({ "reviewedOn": "2199-01-01" })).await;
    assert_eq!(field(&body), "input.reviewedOn", "not in the future");
    let body = review(json!({ "reviewedOn": "2025-05-31" })).await;
    assert_eq!(
        field(&body),
        "input.reviewedOn",
        "not before the last review"
    );
    let body = review(json!({ "expectedVersion": 1 })).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(field(&body), "input.expectedVersion");

    assert_eq!(app.count("audit_events").await, events);
    let data = app
        .gql_ok(&commissioner.token, PARTNERSHIP, json!({ "id": id }))
        .await;
    assert_eq!(
        (
            &data["partnership"]["lastReviewNotes"],
            &data["partnership"]["nextReviewDue"],
            &data["partnership"]["version"]
        ),
        (&json!(NOTES), &json!("2026-06-01"), &json!(2))
    );
}

on_both_databases!(
    a_commissioner_records_a_review_and_the_next_falls_due_one_interval_later,
    only_commissioners_of_the_partnership_record_its_review,
    bad_review_input_is_refused_naming_the_field,
);
