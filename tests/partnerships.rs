//! Partnerships: created by commissioners, visible only to members (and admins), changed only by
//! their commissioners, with optimistic concurrency (DESIGN §3.4, §3.5, §4.2–§4.4).

use entity::{
    audit_event,
    enums::{OrganisationKind, UserRole},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

const PARTNERSHIP: &str = "query($id: ID!) {
    partnership(id: $id) {
        id name status myRole reviewIntervalMonths nextReviewDue reviewOverdue version
        members { role responsibilities active organisation { name } }
    }
}";
const UPDATE: &str = "mutation($input: UpdatePartnershipInput!) {
    updatePartnership(input: $input) { partnership { id name status endDate version } }
}";

async fn a_commissioner_creates_a_partnership_and_becomes_its_first_commissioner(app: TestApp) {
    let commissioner = app.commissioner("Dumfries and Galloway Council").await;
    let id = app.partnership(&commissioner, "Crannog Plus").await;
    let data = app
        .gql_ok(&commissioner.token, PARTNERSHIP, json!({ "id": id }))
        .await;
    let partnership = &data["partnership"];
    assert_eq!(partnership["status"], "PROPOSED");
    assert_eq!(partnership["myRole"], "COMMISSIONER");
    assert_eq!(
        partnership["nextReviewDue"], "2027-08-15",
        "start date plus the 12-month default"
    );
    let members = partnership["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["role"], "COMMISSIONER");
    assert_eq!(
        members[0]["organisation"]["name"],
        "Dumfries and Galloway Council"
    );
    assert_eq!(
        members[0]["responsibilities"],
        "Chairs the partnership and funds the service."
    );

    let created = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("partnership.create"))
        .filter(audit_event::Column::EntityId.eq(id.as_str()))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 1, "creating the partnership is audited, once");
}

async fn members_see_a_partnership_with_their_role_and_outsiders_get_not_found(app: TestApp) {
    let commissioner = app.commissioner("East Ayrshire Council").await;
    let id = app
        .partnership(&commissioner, "Transition to Secondary")
        .await;
    let provider_org = app
        .organisation("Ayrshire Youth Trust", OrganisationKind::Voluntary)
        .await;
    let provider = app.user(provider_org, UserRole::Provider).await;
    let school_org = app
        .organisation("Kilmarnock Academy", OrganisationKind::School)
        .await;
    let school_commissioner = app.user(school_org, UserRole::Commissioner).await;
    let outsider = app.commissioner("Orkney Islands Council").await;

    for user in [&provider, &school_commissioner, &outsider] {
        let body = app.gql(&user.token, PARTNERSHIP, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "not a member yet");
    }
    app.add_member(&commissioner, &id, provider_org, "PROVIDER")
        .await;
    app.add_member(&commissioner, &id, school_org, "PARTNER")
        .await;

    let role = |body: Value| body["data"]["partnership"]["myRole"].clone();
    assert_eq!(
        role(
            app.gql(&provider.token, PARTNERSHIP, json!({ "id": id }))
                .await
        ),
        "PROVIDER"
    );
    assert_eq!(
        role(
            app.gql(&school_commissioner.token, PARTNERSHIP, json!({ "id": id }))
                .await
        ),
        "VIEWER"
    );
    let body = app
        .gql(&outsider.token, PARTNERSHIP, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "still not a member");

    let list = "{ partnerships { totalCount nodes { id myRole } } }";
    assert_eq!(
        app.gql_ok(&provider.token, list, json!({})).await["partnerships"]["totalCount"],
        1
    );
    assert_eq!(
        app.gql_ok(&outsider.token, list, json!({})).await["partnerships"]["totalCount"],
        0,
        "hidden rows are not counted"
    );
    let admin = app.admin().await;
    let data = app.gql_ok(&admin.token, list, json!({})).await;
    assert_eq!(data["partnerships"]["nodes"][0]["myRole"], "ADMIN");
}

async fn only_commissioners_of_the_partnership_change_it(app: TestApp) {
    let commissioner = app.commissioner("Falkirk Council").await;
    let id = app.partnership(&commissioner, "Raising Attainment").await;
    let provider_org = app
        .organisation(
            "Falkirk Community Education",
            OrganisationKind::CommunityEducation,
        )
        .await;
    let provider = app.user(provider_org, UserRole::Provider).await;
    app.add_member(&commissioner, &id, provider_org, "PROVIDER")
        .await;
    let outsider = app.commissioner("Shetland Islands Council").await;
    let events = app.count("audit_events").await;

    let rename = json!({ "input": { "id": id, "expectedVersion": 1, "name": "Renamed" } });
    let body = app.gql(&provider.token, UPDATE, rename.clone()).await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "a provider can see but not change it"
    );
    let body = app.gql(&outsider.token, UPDATE, rename.clone()).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "an outsider learns nothing");
    let body = app
        .gql(&provider.token, "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
            json!({ "input": { "partnershipId": id, "organisationId": provider_org, "role": "COMMISSIONER", "responsibilities": "Take over" } }))
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "a provider cannot promote itself"
    );
    assert_eq!(
        app.count("audit_events").await,
        events,
        "refusals write nothing"
    );

    let data = app
        .gql_ok(&commissioner.token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "status": "ACTIVE", "endDate": "2028-07-31" } }))
        .await;
    assert_eq!(data["updatePartnership"]["partnership"]["status"], "ACTIVE");
    assert_eq!(data["updatePartnership"]["partnership"]["version"], 2);
    assert_eq!(app.count("audit_events").await, events + 1);
}

async fn stale_versions_bad_dates_and_duplicate_members_are_refused(app: TestApp) {
    let commissioner = app.commissioner("Inverclyde Council").await;
    let id = app
        .partnership(&commissioner, "Looked-after Learners")
        .await;
    app.gql_ok(&commissioner.token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "name": "Looked-after Learners 2026" } }))
        .await;

    let body = app
        .gql(
            &commissioner.token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Lost update" } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.expectedVersion"
    );

    let body = app
        .gql(
            &commissioner.token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 2, "endDate": "2020-01-01" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.endDate");

    let body = app
        .gql(
            &commissioner.token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 2, "reviewIntervalMonths": 0 } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.reviewIntervalMonths"
    );

    let body = app
        .gql(
            &commissioner.token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 2, "startDate": "2026-13-45" } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "BAD_USER_INPUT",
        "an impossible date is a type error"
    );

    let data = app
        .gql_ok(&commissioner.token, PARTNERSHIP, json!({ "id": id }))
        .await;
    assert_eq!(
        data["partnership"]["name"], "Looked-after Learners 2026",
        "no refused write changed it"
    );
    assert_eq!(data["partnership"]["version"], 2);

    let members = app.count("partnership_members").await;
    let body = app
        .gql(&commissioner.token, "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
            json!({ "input": { "partnershipId": id, "organisationId": commissioner.organisation_id, "role": "PARTNER", "responsibilities": "Again" } }))
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.organisationId"
    );
    assert_eq!(app.count("partnership_members").await, members);
}

async fn viewers_and_providers_cannot_create_partnerships(app: TestApp) {
    let school = app
        .organisation("St Ninian's High", OrganisationKind::School)
        .await;
    let viewer = app.user(school, UserRole::Viewer).await;
    let provider = app.user(school, UserRole::Provider).await;
    for user in [&viewer, &provider] {
        let body = app
            .gql(&user.token, "mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) { partnership { id } } }",
                json!({ "input": { "name": "Mine", "purpose": "P", "kind": "FUNDING", "areaCode": "S12000030", "startDate": "2026-01-01", "responsibilities": "R" } }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    assert_eq!(app.count("partnerships").await, 0);
}

async fn overdue_reviews_are_a_filter(app: TestApp) {
    let commissioner = app.commissioner("Midlothian Council").await;
    let overdue = app.partnership(&commissioner, "Overdue").await;
    app.gql_ok(
        &commissioner.token,
        UPDATE,
        json!({ "input": { "id": overdue, "expectedVersion": 1, "nextReviewDue": "2025-01-31" } }),
    )
    .await;
    app.partnership(&commissioner, "Up to date").await;
    let data = app
        .gql_ok(
            &commissioner.token,
            "{ partnerships(filter: { reviewOverdue: true }) { nodes { name reviewOverdue } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["partnerships"]["nodes"],
        json!([{ "name": "Overdue", "reviewOverdue": true }])
    );
}

on_both_databases!(
    a_commissioner_creates_a_partnership_and_becomes_its_first_commissioner,
    members_see_a_partnership_with_their_role_and_outsiders_get_not_found,
    only_commissioners_of_the_partnership_change_it,
    stale_versions_bad_dates_and_duplicate_members_are_refused,
    viewers_and_providers_cannot_create_partnerships,
    overdue_reviews_are_a_filter,
    an_ended_partnership_takes_no_new_work,
);

async fn an_ended_partnership_takes_no_new_work(app: TestApp) {
    let caseload = app.one_record_submitted().await;
    let commissioner = &caseload.commissioner;
    let version = app
        .gql_ok(
            &commissioner.token,
            PARTNERSHIP,
            json!({ "id": caseload.partnership }),
        )
        .await["partnership"]["version"]
        .clone();
    app.gql_ok(
        &commissioner.token,
        UPDATE,
        json!({ "input": { "id": caseload.partnership, "expectedVersion": version, "status": "ENDED", "endDate": "2026-11-30" } }),
    )
    .await;
    let before = (
        app.count("agreements").await,
        app.count("targets").await,
        app.count("interventions").await,
    );
    let attempts = [
        (
            "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
            json!({ "partnershipId": caseload.partnership, "kind": "PARTNERSHIP_AGREEMENT", "title": "Aims",
                "body": "Who does what.", "effectiveFrom": "2026-12-01", "reviewDue": "2027-12-01" }),
        ),
        (
            "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
            json!({ "partnershipId": caseload.partnership, "indicatorId": caseload.indicator("CONFIDENCE"),
                "title": "Confidence", "aggregation": "MEAN_CHANGE", "baselineValue": 0,
                "baselineDate": "2026-12-01", "targetValue": 2, "targetDate": "2027-07-01" }),
        ),
        (
            "mutation($input: CreateInterventionInput!) { createIntervention(input: $input) { intervention { id } } }",
            json!({ "partnershipId": caseload.partnership, "providerId": caseload.provider.organisation_id,
                "name": "Another programme", "description": "More of the same.", "category": "MENTORING",
                "areaCode": "S12000047", "startDate": "2026-12-01", "indicatorIds": [] }),
        ),
    ];
    for (mutation, input) in attempts {
        let body = app
            .gql(&commissioner.token, mutation, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "INVALID_STATE", "{mutation}: {body:#}");
    }
    let after = (
        app.count("agreements").await,
        app.count("targets").await,
        app.count("interventions").await,
    );
    assert_eq!(before, after, "nothing was written");

    // Nor does anything already in it change, and nobody joins it: accepting its evidence (which
    // would move target progress), a new member (whose users would read its children's rows),
    // an enrolment, new evidence, a change to its service or a review of the partnership.
    let newcomer = app
        .organisation("Late Arrivals Trust", OrganisationKind::Voluntary)
        .await;
    let participant = app
        .participant(
            &caseload.provider,
            "YP-LATE",
            json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Plan review" }),
        )
        .await;
    let intervention_version = app
        .gql_ok(
            &commissioner.token,
            "query($id: ID!) { intervention(id: $id) { version } }",
            json!({ "id": caseload.intervention }),
        )
        .await["intervention"]["version"]
        .clone();
    let tables = [
        "review_comments",
        "partnership_members",
        "enrolments",
        "evaluation_submissions",
    ];
    let mut counted = Vec::new();
    for table in tables {
        counted.push(app.count(table).await);
    }
    let closed = [
        (
            commissioner,
            "mutation($input: ReviewSubmissionInput!) { reviewSubmission(input: $input) { submission { status } } }",
            json!({ "submissionId": caseload.submission, "decision": "ACCEPT" }),
        ),
        (
            commissioner,
            "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
            json!({ "partnershipId": caseload.partnership, "organisationId": newcomer,
                "role": "COMMISSIONER", "responsibilities": "Fund the next phase." }),
        ),
        (
            commissioner,
            "mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { intervention { id } } }",
            json!({ "id": caseload.intervention, "expectedVersion": intervention_version, "status": "ACTIVE" }),
        ),
        (
            commissioner,
            "mutation($input: RecordPartnershipReviewInput!) { recordPartnershipReview(input: $input) { partnership { id } } }",
            json!({ "id": caseload.partnership, "expectedVersion": version.as_i64().unwrap() + 1,
                "notes": "Closed." }),
        ),
        (
            &caseload.provider,
            "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            json!({ "participantId": participant, "interventionId": caseload.intervention,
                "referredOn": "2026-11-01", "referralSource": "SCHOOL", "startedOn": "2026-11-02" }),
        ),
        (
            &caseload.provider,
            "mutation($input: CreateSubmissionInput!) { createSubmission(input: $input) { submission { id } } }",
            json!({ "interventionId": caseload.intervention, "periodStart": "2026-11-01",
                "periodEnd": "2026-11-30", "narrative": "After the end." }),
        ),
    ];
    for (user, mutation, input) in closed {
        let body = app
            .gql(&user.token, mutation, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "INVALID_STATE", "{mutation}: {body:#}");
    }
    let mut recounted = Vec::new();
    for table in tables {
        recounted.push(app.count(table).await);
    }
    assert_eq!(counted, recounted, "nothing was written");

    // Its members still read what they could.
    let read = app
        .gql_ok(
            &commissioner.token,
            "query($id: ID!) { submission(id: $id) { status } }",
            json!({ "id": caseload.submission }),
        )
        .await;
    assert_eq!(read["submission"]["status"], "SUBMITTED");
}
