//! Written agreements: commissioners draft numbered versions, every active member organisation
//! signs once, and the last signature agrees the text and supersedes the version before it
//! (DESIGN §3.6, §4.3, §5.2).

use entity::{
    audit_event,
    enums::{OrganisationKind, UserRole},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::TestUser},
};

const CREATE: &str = "mutation($input: CreateAgreementInput!) {
    createAgreement(input: $input) {
        agreement { id kind documentVersion title status version awaitingSignatureFrom { name } }
    }
}";
const UPDATE: &str = "mutation($input: UpdateAgreementInput!) {
    updateAgreement(input: $input) { agreement { id title body reviewDue status version } }
}";
const SIGN: &str = "mutation($input: SignAgreementInput!) {
    signAgreement(input: $input) {
        agreement {
            id status version
            signatures { organisation { name } signedBy { displayName } signedAt }
            awaitingSignatureFrom { name }
        }
    }
}";
const AGREEMENTS: &str = "query($id: ID!, $kind: AgreementKind, $status: AgreementStatus) {
    partnership(id: $id) {
        agreements(kind: $kind, status: $status) {
            id kind documentVersion title body status version partnership { id }
            signatures { organisation { name } }
            awaitingSignatureFrom { name }
        }
    }
}";

/// A partnership of a council (commissioner), a voluntary provider and a school (partner),
/// with one user of each member and the school's user a mere viewer.
struct Partners {
    partnership: String,
    council: TestUser,
    provider: TestUser,
    school: TestUser,
}

async fn partners(app: &TestApp) -> Partners {
    let council = app.commissioner("Dundee City Council").await;
    let partnership = app.partnership(&council, "Dundee Returners").await;
    let provider_org = app
        .organisation("Includem Dundee", OrganisationKind::Voluntary)
        .await;
    app.add_member(&council, &partnership, provider_org, "PROVIDER")
        .await;
    let school_org = app
        .organisation("Baldragon Academy", OrganisationKind::School)
        .await;
    app.add_member(&council, &partnership, school_org, "PARTNER")
        .await;
    Partners {
        partnership,
        provider: app.user(provider_org, UserRole::Provider).await,
        school: app.user(school_org, UserRole::Viewer).await,
        council,
    }
}

fn draft_input(partnership: &str, kind: &str, title: &str) -> Value {
    json!({ "input": {
        "partnershipId": partnership, "kind": kind, "title": title,
        "body": "## Aims\nPupils return to mainstream school within two terms.",
        "effectiveFrom": "2026-09-01", "reviewDue": "2027-08-31",
    }})
}

/// Drafts an agreement as `user`; returns the agreement.
async fn draft(app: &TestApp, user: &TestUser, partnership: &str, kind: &str) -> Value {
    let data = app
        .gql_ok(
            &user.token,
            CREATE,
            draft_input(partnership, kind, "Partnership agreement"),
        )
        .await;
    data["createAgreement"]["agreement"].clone()
}

async fn sign(app: &TestApp, user: &TestUser, agreement: &Value) -> Value {
    app.gql(
        &user.token,
        SIGN,
        json!({ "input": { "agreementId": agreement["id"] } }),
    )
    .await
}

async fn agreements(
    app: &TestApp,
    user: &TestUser,
    partnership: &str,
    filter: Value,
) -> Vec<Value> {
    let mut variables = json!({ "id": partnership });
    if let (Some(variables), Some(filter)) = (variables.as_object_mut(), filter.as_object()) {
        variables.extend(filter.clone());
    }
    let data = app.gql_ok(&user.token, AGREEMENTS, variables).await;
    data["partnership"]["agreements"]
        .as_array()
        .unwrap()
        .clone()
}

fn names(organisations: &Value) -> Vec<&str> {
    organisations
        .as_array()
        .unwrap()
        .iter()
        .map(|organisation| organisation["name"].as_str().unwrap())
        .collect()
}

async fn a_commissioner_drafts_versions_numbered_per_kind(app: TestApp) {
    let p = partners(&app).await;
    let events = app.count("audit_events").await;
    let first = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    assert_eq!(first["documentVersion"], 1);
    assert_eq!(first["status"], "DRAFT");
    assert_eq!(first["version"], 1);
    assert_eq!(
        names(&first["awaitingSignatureFrom"]),
        [
            "Dundee City Council",
            "Includem Dundee",
            "Baldragon Academy"
        ]
    );
    let protocol = draft(
        &app,
        &p.council,
        &p.partnership,
        "INFORMATION_SHARING_PROTOCOL",
    )
    .await;
    assert_eq!(
        protocol["documentVersion"], 1,
        "each kind counts its own versions"
    );
    let second = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    assert_eq!(second["documentVersion"], 2);

    let listed = agreements(
        &app,
        &p.school,
        &p.partnership,
        json!({ "kind": "PARTNERSHIP_AGREEMENT" }),
    )
    .await;
    let versions: Vec<(&Value, &Value)> = listed
        .iter()
        .map(|agreement| (&agreement["documentVersion"], &agreement["status"]))
        .collect();
    assert_eq!(
        versions,
        [
            (&json!(2), &json!("DRAFT")),
            (&json!(1), &json!("SUPERSEDED"))
        ],
        "newest first; a newer draft replaces an unagreed one"
    );
    assert_eq!(listed[0]["partnership"]["id"], p.partnership.as_str());
    assert_eq!(
        app.count("audit_events").await,
        events + 4,
        "three drafts and one superseded draft"
    );
}

async fn every_member_signs_and_the_last_signature_agrees_it_superseding_the_last_version(
    app: TestApp,
) {
    let p = partners(&app).await;
    let first = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    for user in [&p.council, &p.provider, &p.school] {
        let body = sign(&app, user, &first).await;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(listed[0]["status"], "AGREED");
    assert_eq!(
        names(&listed[0]["awaitingSignatureFrom"]),
        Vec::<&str>::new()
    );

    let second = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    let body = sign(&app, &p.school, &second).await;
    let signed = &body["data"]["signAgreement"]["agreement"];
    assert_eq!(signed["status"], "DRAFT");
    assert_eq!(
        names(&signed["awaitingSignatureFrom"]),
        ["Dundee City Council", "Includem Dundee"]
    );
    assert_eq!(
        signed["signatures"][0]["organisation"]["name"],
        "Baldragon Academy"
    );
    assert_eq!(
        signed["signatures"][0]["signedBy"]["displayName"],
        "Test Viewer"
    );
    sign(&app, &p.provider, &second).await;
    let body = sign(&app, &p.council, &second).await;
    let agreed = &body["data"]["signAgreement"]["agreement"];
    assert_eq!(agreed["status"], "AGREED");
    assert_eq!(
        agreed["version"], 2,
        "agreeing is a change of the agreement"
    );
    assert_eq!(agreed["signatures"].as_array().unwrap().len(), 3);

    let statuses: Vec<Value> = agreements(&app, &p.provider, &p.partnership, json!({}))
        .await
        .iter()
        .map(|agreement| json!([agreement["documentVersion"], agreement["status"]]))
        .collect();
    assert_eq!(statuses, [json!([2, "AGREED"]), json!([1, "SUPERSEDED"])]);
    let in_force = agreements(
        &app,
        &p.school,
        &p.partnership,
        json!({ "status": "AGREED" }),
    )
    .await;
    assert_eq!(in_force.len(), 1);
    assert_eq!(in_force[0]["documentVersion"], 2);
}

async fn an_organisation_signs_only_once(app: TestApp) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "SERVICE_LEVEL_AGREEMENT").await;
    sign(&app, &p.provider, &agreement).await;
    let colleague = app.user(p.provider.organisation_id, UserRole::Viewer).await;
    let (signatures, events) = (
        app.count("agreement_signatures").await,
        app.count("audit_events").await,
    );

    for user in [&p.provider, &colleague] {
        let body = sign(&app, user, &agreement).await;
        assert_eq!(error_code(&body), "CONFLICT");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "input.agreementId"
        );
    }
    assert_eq!(app.count("agreement_signatures").await, signatures);
    assert_eq!(app.count("audit_events").await, events);
}

async fn an_admin_whose_organisation_is_not_a_member_cannot_sign_and_outsiders_see_nothing(
    app: TestApp,
) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "PRACTICE_PROTOCOL").await;
    let admin = app.admin().await;
    let outsider = app.commissioner("Angus Council").await;
    let events = app.count("audit_events").await;

    let body = sign(&app, &admin, &agreement).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("not an active member"), "{message}");
    let body = sign(&app, &outsider, &agreement).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .gql(
            &p.council.token,
            SIGN,
            json!({ "input": { "agreementId": Uuid::now_v7() } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .gql(
            &p.council.token,
            SIGN,
            json!({ "input": { "agreementId": "nonsense" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.agreementId"
    );
    assert_eq!(app.count("agreement_signatures").await, 0);
    assert_eq!(app.count("audit_events").await, events);
}

async fn only_commissioners_draft_and_change_agreements(app: TestApp) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    let outsider = app.commissioner("Angus Council").await;
    let (count, events) = (
        app.count("agreements").await,
        app.count("audit_events").await,
    );
    let change =
        json!({ "input": { "id": agreement["id"], "expectedVersion": 1, "title": "Ours now" } });

    for (user, expected) in [
        (&p.provider, "FORBIDDEN"),
        (&p.school, "FORBIDDEN"),
        (&outsider, "NOT_FOUND"),
    ] {
        let body = app
            .gql(
                &user.token,
                CREATE,
                draft_input(&p.partnership, "PARTNERSHIP_AGREEMENT", "Ours"),
            )
            .await;
        assert_eq!(error_code(&body), expected, "create");
        let body = app.gql(&user.token, UPDATE, change.clone()).await;
        assert_eq!(error_code(&body), expected, "update");
    }
    assert_eq!(app.count("agreements").await, count);
    assert_eq!(app.count("audit_events").await, events);
    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(
        (&listed[0]["title"], &listed[0]["version"]),
        (&json!("Partnership agreement"), &json!(1))
    );

    let admin = app.admin().await;
    let data = app.gql_ok(&admin.token, UPDATE, change).await;
    assert_eq!(data["updateAgreement"]["agreement"]["title"], "Ours now");
}

async fn a_draft_changes_until_someone_signs_it_and_agreed_text_never_changes(app: TestApp) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    let data = app
        .gql_ok(&p.council.token, UPDATE, json!({ "input": {
            "id": agreement["id"], "expectedVersion": 1, "body": "Revised aims.", "reviewDue": "2027-06-30",
        }}))
        .await;
    let updated = &data["updateAgreement"]["agreement"];
    assert_eq!(
        (&updated["body"], &updated["reviewDue"], &updated["version"]),
        (&json!("Revised aims."), &json!("2027-06-30"), &json!(2))
    );

    sign(&app, &p.school, &agreement).await;
    let events = app.count("audit_events").await;
    let body = app
        .gql(&p.council.token, UPDATE, json!({ "input": { "id": agreement["id"], "expectedVersion": 2, "body": "Sneaky edit" } }))
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE", "signed text is fixed");

    sign(&app, &p.provider, &agreement).await;
    sign(&app, &p.council, &agreement).await;
    let events_after_signing = app.count("audit_events").await;
    let body = app
        .gql(
            &p.council.token,
            UPDATE,
            json!({ "input": { "id": agreement["id"], "expectedVersion": 3, "title": "Renamed" } }),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_STATE", "agreed text is fixed");
    let body = sign(&app, &p.council, &agreement).await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "an AGREED version is not signed again"
    );

    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(
        (
            &listed[0]["body"],
            &listed[0]["status"],
            &listed[0]["version"]
        ),
        (&json!("Revised aims."), &json!("AGREED"), &json!(3))
    );
    assert_eq!(app.count("audit_events").await, events_after_signing);
    assert_eq!(
        events_after_signing,
        events + 3,
        "two signatures, then the agreement"
    );
}

async fn bad_agreement_input_is_refused_naming_the_field(app: TestApp) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    let (count, events) = (
        app.count("agreements").await,
        app.count("audit_events").await,
    );
    let field = |body: &Value| body["errors"][0]["extensions"]["field"].clone();

    let mut input = draft_input(&p.partnership, "PARTNERSHIP_AGREEMENT", "  ");
    let body = app.gql(&p.council.token, CREATE, input.clone()).await;
    assert_eq!(field(&body), "input.title");
    input["input"]["title"] = json!("Agreement");
    input["input"]["body"] = json!("");
    let body = app.gql(&p.council.token, CREATE, input.clone()).await;
    assert_eq!(field(&body), "input.body");
    input["input"]["body"] = json!("Text");
    input["input"]["reviewDue"] = json!("2026-09-01");
    let body = app.gql(&p.council.token, CREATE, input.clone()).await;
    assert_eq!(
        field(&body),
        "input.reviewDue",
        "review is due after the agreement takes effect"
    );
    input["input"]["reviewDue"] = json!("2027-09-01");
    input["input"]["partnershipId"] = json!("x");
    let body = app.gql(&p.council.token, CREATE, input).await;
    assert_eq!(field(&body), "input.partnershipId");

    let body = app
        .gql(&p.council.token, UPDATE, json!({ "input": { "id": agreement["id"], "expectedVersion": 1, "effectiveFrom": "2028-01-01" } }))
        .await;
    assert_eq!(
        field(&body),
        "input.reviewDue",
        "checked against the stored review date"
    );
    let body = app
        .gql(&p.council.token, UPDATE, json!({ "input": { "id": agreement["id"], "expectedVersion": 5, "title": "Lost update" } }))
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(field(&body), "input.expectedVersion");

    assert_eq!(app.count("agreements").await, count);
    assert_eq!(app.count("audit_events").await, events);
    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(listed[0]["version"], 1);
}

async fn a_new_member_does_not_unagree_the_current_version_but_must_sign_the_next(app: TestApp) {
    let p = partners(&app).await;
    let first = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    for user in [&p.council, &p.provider, &p.school] {
        sign(&app, user, &first).await;
    }
    let health = app
        .organisation("NHS Tayside", OrganisationKind::Health)
        .await;
    app.add_member(&p.council, &p.partnership, health, "PARTNER")
        .await;

    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(listed[0]["status"], "AGREED");
    let second = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    for user in [&p.council, &p.provider, &p.school] {
        sign(&app, user, &second).await;
    }
    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(listed[0]["status"], "DRAFT");
    assert_eq!(names(&listed[0]["awaitingSignatureFrom"]), ["NHS Tayside"]);
    assert_eq!(
        listed[1]["status"], "AGREED",
        "the agreed version stays in force meanwhile"
    );

    let nurse = app.user(health, UserRole::Viewer).await;
    let body = sign(&app, &nurse, &second).await;
    assert_eq!(
        body["data"]["signAgreement"]["agreement"]["status"],
        "AGREED"
    );
}

async fn a_member_leaving_agrees_a_draft_that_only_it_had_not_signed(app: TestApp) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    sign(&app, &p.council, &agreement).await;
    sign(&app, &p.school, &agreement).await;
    let data = app
        .gql_ok(
            &p.council.token,
            "query($id: ID!) { partnership(id: $id) { members { id organisation { name } } } }",
            json!({ "id": p.partnership }),
        )
        .await;
    let provider = data["partnership"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["organisation"]["name"] == "Includem Dundee")
        .unwrap()
        .clone();

    app.gql_ok(
        &p.council.token,
        "mutation($input: RemovePartnershipMemberInput!) { removePartnershipMember(input: $input) { member { id } } }",
        json!({ "input": { "id": provider["id"], "expectedVersion": 1 } }),
    )
    .await;
    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(
        listed[0]["status"], "AGREED",
        "every remaining member had signed"
    );
}

async fn two_last_signatures_at_the_same_moment_agree_it_exactly_once(app: TestApp) {
    let p = partners(&app).await;
    let agreement = draft(&app, &p.council, &p.partnership, "PARTNERSHIP_AGREEMENT").await;
    sign(&app, &p.council, &agreement).await;

    // Both signatures wait on the agreement's lock until both are in flight.
    let lock = app
        .hold_lock("agreements", agreement["id"].as_str().unwrap())
        .await;
    let (provider, school, ()) = tokio::join!(
        sign(&app, &p.provider, &agreement),
        sign(&app, &p.school, &agreement),
        app.release_when_waiting(lock, 2),
    );
    assert!(provider.get("errors").is_none(), "{provider:#}");
    assert!(school.get("errors").is_none(), "{school:#}");
    let listed = agreements(&app, &p.council, &p.partnership, json!({})).await;
    assert_eq!(
        listed[0]["status"], "AGREED",
        "neither signature may miss the other"
    );
    assert_eq!(listed[0]["version"], 2, "agreed once");
    let agreed_events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("agreement.agree"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(agreed_events, 1);
}

on_both_databases!(
    a_commissioner_drafts_versions_numbered_per_kind,
    every_member_signs_and_the_last_signature_agrees_it_superseding_the_last_version,
    an_organisation_signs_only_once,
    an_admin_whose_organisation_is_not_a_member_cannot_sign_and_outsiders_see_nothing,
    only_commissioners_draft_and_change_agreements,
    a_draft_changes_until_someone_signs_it_and_agreed_text_never_changes,
    bad_agreement_input_is_refused_naming_the_field,
    a_new_member_does_not_unagree_the_current_version_but_must_sign_the_next,
    a_member_leaving_agrees_a_draft_that_only_it_had_not_signed,
    two_last_signatures_at_the_same_moment_agree_it_exactly_once,
);
