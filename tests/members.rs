//! Partnership members: commissioners change their roles and responsibilities and record when
//! they leave; a partnership always keeps an active commissioner; a leaver can rejoin
//! (DESIGN §3.5, §4.3).

use entity::enums::{OrganisationKind, UserRole};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TODAY, TestApp, error_code, fixtures::TestUser},
};

const MEMBERS: &str = "query($id: ID!) {
    partnership(id: $id) {
        members(includeFormer: true) {
            id role responsibilities active joinedOn leftOn version organisation { name }
        }
    }
}";
const UPDATE: &str = "mutation($input: UpdatePartnershipMemberInput!) {
    updatePartnershipMember(input: $input) { member { id role responsibilities active version } }
}";
const REMOVE: &str = "mutation($input: RemovePartnershipMemberInput!) {
    removePartnershipMember(input: $input) { member { id active leftOn version } }
}";
const ADD: &str = "mutation($input: AddPartnershipMemberInput!) {
    addPartnershipMember(input: $input) { member { id role active } }
}";
const PARTNERSHIP: &str = "query($id: ID!) { partnership(id: $id) { id myRole } }";

/// Every member row (current and former) of the partnership, as its commissioner sees them.
async fn members(app: &TestApp, commissioner: &TestUser, partnership: &str) -> Vec<Value> {
    let data = app
        .gql_ok(&commissioner.token, MEMBERS, json!({ "id": partnership }))
        .await;
    data["partnership"]["members"].as_array().unwrap().clone()
}

/// The member row of the organisation called `name`.
async fn member(app: &TestApp, commissioner: &TestUser, partnership: &str, name: &str) -> Value {
    members(app, commissioner, partnership)
        .await
        .into_iter()
        .rfind(|member| member["organisation"]["name"] == name)
        .unwrap_or_else(|| panic!("no member called {name}"))
}

/// A partnership with a commissioner council and a voluntary provider member, plus a provider
/// user of that member.
async fn partnership_with_provider(app: &TestApp) -> (TestUser, String, TestUser) {
    let commissioner = app.commissioner("Fife Council").await;
    let partnership = app.partnership(&commissioner, "Fife Transitions").await;
    let provider_org = app
        .organisation("Fife Young Carers", OrganisationKind::Voluntary)
        .await;
    app.add_member(&commissioner, &partnership, provider_org, "PROVIDER")
        .await;
    let provider = app.user(provider_org, UserRole::Provider).await;
    (commissioner, partnership, provider)
}

async fn a_commissioner_changes_a_members_role_and_responsibilities(app: TestApp) {
    let (commissioner, partnership, _) = partnership_with_provider(&app).await;
    let provider = member(&app, &commissioner, &partnership, "Fife Young Carers").await;
    let events = app.count("audit_events").await;

    let data = app
        .gql_ok(
            &commissioner.token,
            UPDATE,
            json!({ "input": {
                "id": provider["id"], "expectedVersion": 1, "role": "PARTNER",
                "responsibilities": "  Hosts the monthly forum and shares attendance data.  ",
            }}),
        )
        .await;
    let updated = &data["updatePartnershipMember"]["member"];
    assert_eq!(updated["role"], "PARTNER");
    assert_eq!(
        updated["responsibilities"], "Hosts the monthly forum and shares attendance data.",
        "trimmed"
    );
    assert_eq!(updated["version"], 2);
    assert_eq!(app.count("audit_events").await, events + 1);
}

async fn a_member_that_leaves_loses_access_and_can_rejoin(app: TestApp) {
    let (commissioner, partnership, provider) = partnership_with_provider(&app).await;
    let row = member(&app, &commissioner, &partnership, "Fife Young Carers").await;

    let data = app
        .gql_ok(
            &commissioner.token,
            REMOVE,
            json!({ "input": { "id": row["id"], "expectedVersion": 1 } }),
        )
        .await;
    let removed = &data["removePartnershipMember"]["member"];
    assert_eq!(removed["active"], false);
    assert_eq!(removed["leftOn"], TODAY, "today by default");
    let body = app
        .gql(&provider.token, PARTNERSHIP, json!({ "id": partnership }))
        .await;
    assert_eq!(
        error_code(&body),
        "NOT_FOUND",
        "a former member no longer sees the partnership"
    );

    let data = app
        .gql_ok(
            &commissioner.token,
            ADD,
            json!({ "input": {
                "partnershipId": partnership, "organisationId": provider.organisation_id,
                "role": "PROVIDER", "responsibilities": "Runs the summer transition programme.",
            }}),
        )
        .await;
    assert_eq!(data["addPartnershipMember"]["member"]["active"], true);
    let rows: Vec<Value> = members(&app, &commissioner, &partnership)
        .await
        .into_iter()
        .filter(|member| member["organisation"]["name"] == "Fife Young Carers")
        .collect();
    assert_eq!(rows.len(), 2, "the earlier membership stays on record");
    let data = app
        .gql_ok(&provider.token, PARTNERSHIP, json!({ "id": partnership }))
        .await;
    assert_eq!(data["partnership"]["myRole"], "PROVIDER");
}

async fn the_last_commissioner_can_neither_leave_nor_stop_being_a_commissioner(app: TestApp) {
    let (commissioner, partnership, _) = partnership_with_provider(&app).await;
    let council = member(&app, &commissioner, &partnership, "Fife Council").await;
    let events = app.count("audit_events").await;

    let body = app
        .gql(
            &commissioner.token,
            REMOVE,
            json!({ "input": { "id": council["id"], "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE");
    let body = app
        .gql(
            &commissioner.token,
            UPDATE,
            json!({ "input": { "id": council["id"], "expectedVersion": 1, "role": "PARTNER" } }),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE");
    let unchanged = member(&app, &commissioner, &partnership, "Fife Council").await;
    assert_eq!(
        (
            &unchanged["role"],
            &unchanged["active"],
            &unchanged["version"]
        ),
        (&json!("COMMISSIONER"), &json!(true), &json!(1))
    );
    assert_eq!(app.count("audit_events").await, events);

    let funder = app
        .organisation("Fife Children's Fund", OrganisationKind::Funder)
        .await;
    app.add_member(&commissioner, &partnership, funder, "COMMISSIONER")
        .await;
    let data = app
        .gql_ok(
            &commissioner.token,
            REMOVE,
            json!({ "input": { "id": council["id"], "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(
        data["removePartnershipMember"]["member"]["active"], false,
        "with another commissioner in place the council may leave"
    );
}

async fn only_commissioners_of_the_partnership_manage_members(app: TestApp) {
    let (commissioner, partnership, provider) = partnership_with_provider(&app).await;
    let school = app
        .organisation("Auchmuty High School", OrganisationKind::School)
        .await;
    app.add_member(&commissioner, &partnership, school, "PARTNER")
        .await;
    let school_commissioner = app.user(school, UserRole::Commissioner).await;
    let outsider = app.commissioner("Angus Council").await;
    let row = member(&app, &commissioner, &partnership, "Fife Young Carers").await;
    let events = app.count("audit_events").await;

    let change = json!({ "input": { "id": row["id"], "expectedVersion": 1, "responsibilities": "Nothing" } });
    let leave = json!({ "input": { "id": row["id"], "expectedVersion": 1 } });
    for (user, expected) in [
        (&provider, "FORBIDDEN"),
        (&school_commissioner, "FORBIDDEN"),
        (&outsider, "NOT_FOUND"),
    ] {
        let body = app.gql(&user.token, UPDATE, change.clone()).await;
        assert_eq!(error_code(&body), expected, "update");
        let body = app.gql(&user.token, REMOVE, leave.clone()).await;
        assert_eq!(error_code(&body), expected, "remove");
    }
    let unchanged = member(&app, &commissioner, &partnership, "Fife Young Carers").await;
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["active"], true);
    assert_eq!(app.count("audit_events").await, events);

    let admin = app.admin().await;
    let data = app.gql_ok(&admin.token, UPDATE, change).await;
    assert_eq!(data["updatePartnershipMember"]["member"]["version"], 2);
}

async fn stale_versions_bad_dates_and_former_members_are_refused(app: TestApp) {
    let (commissioner, partnership, _) = partnership_with_provider(&app).await;
    let row = member(&app, &commissioner, &partnership, "Fife Young Carers").await;
    let id = row["id"].clone();
    let events = app.count("audit_events").await;
    let send = |query: &'static str, input: Value| {
        app.gql(&commissioner.token, query, json!({ "input": input }))
    };
    let field = |body: &Value| body["errors"][0]["extensions"]["field"].clone();

    let body = send(
        UPDATE,
        json!({ "id": id, "expectedVersion": 7, "role": "PARTNER" }),
    )
    .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(field(&body), "input.expectedVersion");
    let body = send(
        UPDATE,
        json!({ "id": id, "expectedVersion": 1, "responsibilities": " " }),
    )
    .await;
    assert_eq!(field(&body), "input.responsibilities");
    let body = send(
        UPDATE,
        json!({ "id": "not-an-id", "expectedVersion": 1, "role": "PARTNER" }),
    )
    .await;
    assert_eq!(field(&body), "input.id");
    let body = send(
        REMOVE,
        json!({ "id": id, "expectedVersion": 1, "leftOn": "2199-01-01" }),
    )
    .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(field(&body), "input.leftOn", "not in the future");
    let body = send(
        REMOVE,
        json!({ "id": id, "expectedVersion": 1, "leftOn": "2001-01-01" }),
    )
    .await;
    assert_eq!(field(&body), "input.leftOn", "not before the member joined");
    let body = send(REMOVE, json!({ "id": id, "expectedVersion": 3 })).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(app.count("audit_events").await, events);
    let unchanged = member(&app, &commissioner, &partnership, "Fife Young Carers").await;
    assert_eq!(
        (&unchanged["version"], &unchanged["active"]),
        (&json!(1), &json!(true))
    );

    app.gql_ok(
        &commissioner.token,
        REMOVE,
        json!({ "input": { "id": id, "expectedVersion": 1 } }),
    )
    .await;
    let body = send(
        UPDATE,
        json!({ "id": id, "expectedVersion": 2, "role": "PARTNER" }),
    )
    .await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "a former member is not changed"
    );
    let body = send(REMOVE, json!({ "id": id, "expectedVersion": 2 })).await;
    assert_eq!(error_code(&body), "INVALID_STATE", "nor removed twice");
    assert_eq!(app.count("audit_events").await, events + 1);
}

async fn two_commissioners_leaving_at_once_leave_one_behind(app: TestApp) {
    let commissioner = app.commissioner("Perth and Kinross Council").await;
    let partnership = app.partnership(&commissioner, "Perth Virtual School").await;
    let funder = app
        .organisation("Tayside Children's Trust", OrganisationKind::Funder)
        .await;
    app.add_member(&commissioner, &partnership, funder, "COMMISSIONER")
        .await;
    let rows = members(&app, &commissioner, &partnership).await;
    let leave = |row: &Value| json!({ "input": { "id": row["id"], "expectedVersion": 1 } });
    // An admin, so that neither request loses sight of the partnership when the other wins.
    let admin = app.admin().await;

    // Both departures wait on the partnership's lock until both are in flight.
    let lock = app.hold_lock("partnerships", &partnership).await;
    let (first, second, ()) = tokio::join!(
        app.gql(&admin.token, REMOVE, leave(&rows[0])),
        app.gql(&admin.token, REMOVE, leave(&rows[1])),
        app.release_when_waiting(lock, 2),
    );
    let refused: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|body| body.get("errors").is_some())
        .collect();
    assert_eq!(
        refused.len(),
        1,
        "exactly one may leave: {first:#} {second:#}"
    );
    assert_eq!(error_code(refused[0]), "INVALID_STATE");
    let active = members(&app, &admin, &partnership)
        .await
        .into_iter()
        .filter(|member| member["active"] == true)
        .count();
    assert_eq!(active, 1);
}

/// A membership recorded in advance grants nothing before its `joinedOn`: the new
/// commissioner's users find no partnership, nor its young people, until that day.
async fn a_membership_counts_from_the_day_it_is_joined(app: TestApp) {
    let caseload = app.caseload(&["PUBLIC_TASK"]).await;
    let funder = app
        .organisation("Northern Lights Fund", OrganisationKind::Funder)
        .await;
    app.gql_ok(
        &caseload.commissioner.token,
        "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
        json!({ "input": {
            "partnershipId": caseload.partnership, "organisationId": funder, "role": "COMMISSIONER",
            "responsibilities": "Funds the second year.", "joinedOn": "2027-01-04",
        }}),
    )
    .await;
    let early = app.user(funder, UserRole::Commissioner).await;
    let body = app
        .gql(
            &early.token,
            "query($id: ID!) { partnership(id: $id) { name } }",
            json!({ "id": caseload.partnership }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
    let body = app
        .gql(
            &early.token,
            "query($id: ID!) { participant(id: $id) { reference } }",
            json!({ "id": caseload.participants[0] }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
}

/// An organisation that delivers an intervention and is (now) a commissioner of its
/// partnership may not accept its own evidence; another commissioner may.
async fn nobody_accepts_evidence_their_own_organisation_provided(app: TestApp) {
    let caseload = app.one_record_submitted().await;
    let members = app
        .gql_ok(
            &caseload.commissioner.token,
            MEMBERS,
            json!({ "id": caseload.partnership }),
        )
        .await;
    let provider_member = members["partnership"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["role"] == "PROVIDER")
        .unwrap()
        .clone();
    app.gql_ok(
        &caseload.commissioner.token,
        UPDATE,
        json!({ "input": {
            "id": provider_member["id"], "expectedVersion": provider_member["version"],
            "role": "COMMISSIONER",
        }}),
    )
    .await;
    let own_commissioner = app
        .user(caseload.provider.organisation_id, UserRole::Commissioner)
        .await;
    let refused = app
        .review(&own_commissioner, &caseload.submission, "ACCEPT", None)
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused:#}");
    assert_eq!(app.count("review_comments").await, 0, "nothing was written");
    let accepted = app
        .review(&caseload.commissioner, &caseload.submission, "ACCEPT", None)
        .await;
    assert!(accepted.get("errors").is_none(), "{accepted:#}");
}

on_both_databases!(
    nobody_accepts_evidence_their_own_organisation_provided,
    a_membership_counts_from_the_day_it_is_joined,
    a_commissioner_changes_a_members_role_and_responsibilities,
    a_member_that_leaves_loses_access_and_can_rejoin,
    the_last_commissioner_can_neither_leave_nor_stop_being_a_commissioner,
    only_commissioners_of_the_partnership_manage_members,
    stale_versions_bad_dates_and_former_members_are_refused,
    two_commissioners_leaving_at_once_leave_one_behind,
);
