//! Children's records (DESIGN §4.3): a provider reads only its own participants, by every path;
//! commissioners read those enrolled in their partnerships only where the sharing decision
//! allows it; viewers read none; every read from outside the owning provider is logged and
//! the owning provider can see who read what.

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, world::World},
};

const PARTICIPANT: &str =
    "query Lookup($id: ID!) { participant(id: $id) { id reference enrolments { nodes { id } } } }";
const PARTICIPANTS: &str =
    "query Caseload { participants { totalCount nodes { reference } edges { node { id } } } }";
const INTERVENTION_ENROLMENTS: &str = "query($id: ID!) {
    intervention(id: $id) { enrolments { nodes { id participant { reference } } } }
}";

fn references(data: &Value) -> Vec<String> {
    let mut references: Vec<String> = data["participants"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["reference"].as_str().unwrap().to_owned())
        .collect();
    references.sort();
    references
}

async fn a_provider_never_reads_another_providers_children_by_any_path(app: TestApp) {
    let world = World::build(&app).await;
    let a = &world.provider_a.token;

    let data = app.gql_ok(a, PARTICIPANTS, json!({})).await;
    assert_eq!(references(&data), ["CR-001", "CR-002"]);
    assert_eq!(
        data["participants"]["totalCount"], 2,
        "totalCount never counts hidden rows"
    );

    let body = app.gql(a, PARTICIPANT, json!({ "id": world.b1 })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "direct");
    assert!(body["data"].is_null());

    let data = app
        .gql_ok(a, INTERVENTION_ENROLMENTS, json!({ "id": world.ib }))
        .await;
    assert_eq!(
        data["intervention"]["enrolments"]["nodes"],
        json!([]),
        "nested through another provider's intervention"
    );

    let filtered = app
        .gql_ok(
            a,
            "{ participants(filter: { reference: \"SY-001\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        filtered["participants"]["totalCount"], 0,
        "not by guessing a reference either"
    );

    let body = app
        .gql(a, "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { id } } }",
            json!({ "input": { "id": world.b1, "expectedVersion": 1, "lookedAfter": false } }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "nor change them");

    let data = app
        .gql_ok(a, INTERVENTION_ENROLMENTS, json!({ "id": world.ia }))
        .await;
    assert_eq!(
        data["intervention"]["enrolments"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "its own, nested"
    );
}

async fn commissioners_read_only_records_whose_sharing_decision_allows_it(app: TestApp) {
    let world = World::build(&app).await;
    let c = &world.commissioner.token;

    let data = app.gql_ok(c, PARTICIPANTS, json!({})).await;
    assert_eq!(
        references(&data),
        ["CR-001", "SY-001"],
        "A2's basis is NONE"
    );
    let body = app.gql(c, PARTICIPANT, json!({ "id": world.a2 })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let data = app
        .gql_ok(c, INTERVENTION_ENROLMENTS, json!({ "id": world.ia }))
        .await;
    assert_eq!(
        data["intervention"]["enrolments"]["nodes"],
        json!([{ "id": world.enrolment_a1, "participant": { "reference": "CR-001" } }])
    );

    let body = app
        .gql(c, "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { id } } }",
            json!({ "input": { "id": world.a1, "expectedVersion": 1, "lookedAfter": false } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "sees it, may not change it");

    // Withdrawing the sharing basis takes the record out of the commissioner's view at once.
    app.gql_ok(&world.provider_a.token,
        "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { sharingBasis sharingReason } } }",
        json!({ "input": { "id": world.a1, "expectedVersion": 1, "sharingBasis": "NONE", "sharingReason": null } }))
        .await;
    let body = app.gql(c, PARTICIPANT, json!({ "id": world.a1 })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

async fn viewers_and_outsiders_read_no_participant_rows(app: TestApp) {
    let world = World::build(&app).await;
    for user in [&world.viewer, &world.outsider] {
        let data = app.gql_ok(&user.token, PARTICIPANTS, json!({})).await;
        assert_eq!(data["participants"]["totalCount"], 0);
        let body = app
            .gql(&user.token, PARTICIPANT, json!({ "id": world.a1 }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND");
    }
    let data = app
        .gql_ok(
            &world.viewer.token,
            INTERVENTION_ENROLMENTS,
            json!({ "id": world.ia }),
        )
        .await;
    assert_eq!(
        data["intervention"]["enrolments"]["nodes"],
        json!([]),
        "a viewer sees the service, not the children"
    );
    let body = app
        .gql(
            &world.outsider.token,
            INTERVENTION_ENROLMENTS,
            json!({ "id": world.ia }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "NOT_FOUND",
        "an outsider does not see the service at all"
    );
}

async fn the_owning_provider_sees_who_read_its_records(app: TestApp) {
    let world = World::build(&app).await;
    let log = "query($id: ID!) { participant(id: $id) { accessLog { totalCount nodes { at operation actor { id } organisation { name } } } } }";

    // The provider's own reads are not "access from outside".
    app.gql_ok(
        &world.provider_a.token,
        PARTICIPANT,
        json!({ "id": world.a1 }),
    )
    .await;
    let data = app
        .gql_ok(&world.provider_a.token, log, json!({ "id": world.a1 }))
        .await;
    assert_eq!(data["participant"]["accessLog"]["totalCount"], 0);

    app.gql_ok(
        &world.commissioner.token,
        PARTICIPANT,
        json!({ "id": world.a1 }),
    )
    .await;
    app.gql_ok(&world.commissioner.token, PARTICIPANTS, json!({}))
        .await;
    let data = app
        .gql_ok(&world.provider_a.token, log, json!({ "id": world.a1 }))
        .await;
    let entries = &data["participant"]["accessLog"];
    assert_eq!(
        entries["totalCount"], 2,
        "one event per participant per request"
    );
    assert_eq!(entries["nodes"][0]["operation"], "Caseload", "newest first");
    assert_eq!(entries["nodes"][1]["operation"], "Lookup");
    assert_eq!(
        entries["nodes"][1]["actor"]["id"],
        world.commissioner.id.to_string()
    );
    assert_eq!(
        entries["nodes"][1]["organisation"]["name"],
        "Dumfries and Galloway Council"
    );

    let body = app
        .gql(&world.commissioner.token, log, json!({ "id": world.a1 }))
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "the log is the owning provider's"
    );
    let b_log = app
        .gql_ok(&world.provider_b.token, log, json!({ "id": world.b1 }))
        .await;
    assert_eq!(
        b_log["participant"]["accessLog"]["totalCount"], 1,
        "B1 was read once, in the list"
    );
}

async fn only_providers_record_participants_and_the_record_is_minimal_and_complete(app: TestApp) {
    let world = World::build(&app).await;
    let create = "mutation($input: CreateParticipantInput!) { createParticipant(input: $input) { participant { id provider { name } sharingRecordedOn } } }";
    let valid = json!({ "reference": "CR-100", "birthYear": 2012, "areaCode": "S12000006", "sharingBasis": "NONE" });
    let before = app.count("participants").await;

    for user in [&world.commissioner, &world.viewer, &world.admin] {
        let body = app
            .gql(&user.token, create, json!({ "input": valid }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    let cases = [
        (json!({ "reference": "Jamie Smith" }), "input.reference"),
        (json!({ "birthYear": 1970 }), "input.birthYear"),
        (json!({ "areaCode": "X1" }), "input.areaCode"),
        (
            json!({ "sharingBasis": "PUBLIC_TASK" }),
            "input.sharingReason",
        ),
        (
            json!({ "sharingBasis": "CONSENT", "sharingReason": "Family agreed" }),
            "input.consentGivenBy",
        ),
        (json!({ "consentGivenBy": "CHILD" }), "input.consentGivenBy"),
        (
            json!({ "schoolId": world.provider_b.organisation_id }),
            "input.schoolId",
        ),
    ];
    for (change, field) in cases {
        let mut input = valid.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let body = app
            .gql(&world.provider_a.token, create, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{change}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{change}");
    }
    let body = app.gql(&world.provider_a.token, create, json!({ "input": { "reference": "CR-001", "birthYear": 2012, "areaCode": "S12000006", "sharingBasis": "NONE" } })).await;
    assert_eq!(
        error_code(&body),
        "CONFLICT",
        "references are unique per provider"
    );
    assert_eq!(
        app.count("participants").await,
        before,
        "nothing was written"
    );

    let data = app.gql_ok(&world.provider_b.token, create, json!({ "input": { "reference": "CR-001", "birthYear": 2012, "areaCode": "S12000006", "sharingBasis": "NONE" } })).await;
    assert_eq!(
        data["createParticipant"]["participant"]["provider"]["name"], "Solway Youth Work",
        "another provider may reuse a code"
    );
}

async fn enrolments_follow_the_rules_of_the_service(app: TestApp) {
    let world = World::build(&app).await;
    let enrol = "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }";
    let end = "mutation($input: EndEnrolmentInput!) { endEnrolment(input: $input) { enrolment { endedOn exitReason active version } } }";
    let input = |participant: &str, intervention: &str, started: &str| json!({ "input": { "participantId": participant, "interventionId": intervention, "referredOn": "2026-08-20", "referralSource": "SCHOOL", "startedOn": started } });
    let before = app.count("enrolments").await;

    let body = app
        .gql(
            &world.provider_a.token,
            enrol,
            input(&world.a1, &world.ib, "2026-09-01"),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "BAD_USER_INPUT",
        "another provider's intervention"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.interventionId"
    );
    let body = app
        .gql(
            &world.provider_a.token,
            enrol,
            input(&world.a1, &world.ia, "2026-10-01"),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT", "already enrolled");
    let body = app
        .gql(
            &world.provider_a.token,
            enrol,
            input(&world.a1, &world.ia, "2026-08-01"),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.startedOn",
        "started before referral"
    );
    let body = app
        .gql(
            &world.commissioner.token,
            enrol,
            input(&world.a1, &world.ia, "2026-10-01"),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "commissioners do not enrol the provider's children"
    );
    assert_eq!(app.count("enrolments").await, before);

    let body = app.gql(&world.provider_a.token, end, json!({ "input": { "id": world.enrolment_a1, "expectedVersion": 1, "endedOn": "2026-08-01", "exitReason": "COMPLETED" } })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.endedOn");
    let data = app
        .gql_ok(&world.provider_a.token, end, json!({ "input": { "id": world.enrolment_a1, "expectedVersion": 1, "endedOn": "2027-06-30", "exitReason": "REINTEGRATED_MAINSTREAM" } }))
        .await;
    assert_eq!(
        data["endEnrolment"]["enrolment"],
        json!({ "endedOn": "2027-06-30", "exitReason": "REINTEGRATED_MAINSTREAM", "active": false, "version": 2 })
    );
    let body = app.gql(&world.provider_a.token, end, json!({ "input": { "id": world.enrolment_a1, "expectedVersion": 2, "endedOn": "2027-07-30", "exitReason": "COMPLETED" } })).await;
    assert_eq!(error_code(&body), "INVALID_STATE");

    // After it ended, the child can start again.
    app.gql_ok(
        &world.provider_a.token,
        enrol,
        input(&world.a1, &world.ia, "2027-09-01"),
    )
    .await;
}

/// A provider moved to PARTNER is a viewer of the partnership (§4.2): it keeps reading what a
/// viewer reads but may no longer enrol young people or write evidence there.
async fn a_provider_moved_to_partner_no_longer_writes(app: TestApp) {
    let world = World::build(&app).await;
    let membership = &world.membership_a;
    let version = app
        .gql_ok(
            &world.commissioner.token,
            "query($id: ID!) { partnership(id: $id) { members { id version } } }",
            json!({ "id": world.p1 }),
        )
        .await["partnership"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == membership.as_str())
        .unwrap()["version"]
        .clone();
    app.gql_ok(&world.commissioner.token,
        "mutation($input: UpdatePartnershipMemberInput!) { updatePartnershipMember(input: $input) { member { role } } }",
        json!({ "input": { "id": membership, "expectedVersion": version, "role": "PARTNER" } }))
        .await;
    let a = &world.provider_a.token;
    let body = app
        .gql(a, "mutation($input: CreateSubmissionInput!) { createSubmission(input: $input) { submission { id } } }",
            json!({ "input": { "interventionId": world.ia, "periodStart": "2027-04-01", "periodEnd": "2027-06-30", "narrative": "Summer." } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    let body = app
        .gql(a, "mutation($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: $input) { records { id } } }",
            json!({ "input": { "submissionId": world.evidence_submission, "records": [{ "enrolmentId": world.enrolment_a1,
                "indicatorId": world.confidence, "value": 7, "observedOn": "2027-03-03", "phase": "INTERIM", "source": "PROVIDER" }] } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    let body = app
        .gql(a, "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            json!({ "input": { "participantId": world.a2, "interventionId": world.ia, "referredOn": "2030-01-01", "referralSource": "SCHOOL", "startedOn": "2030-01-02" } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    // Its own children's records stay its own to read.
    app.gql_ok(
        a,
        "query($id: ID!) { participant(id: $id) { reference } }",
        json!({ "id": world.a1 }),
    )
    .await;
}

on_both_databases!(
    a_provider_moved_to_partner_no_longer_writes,
    a_provider_never_reads_another_providers_children_by_any_path,
    commissioners_read_only_records_whose_sharing_decision_allows_it,
    viewers_and_outsiders_read_no_participant_rows,
    the_owning_provider_sees_who_read_its_records,
    only_providers_record_participants_and_the_record_is_minimal_and_complete,
    enrolments_follow_the_rules_of_the_service,
);
