//! Users: admins list, create and change them; nobody else may (DESIGN §3.3, §4.3).

use entity::enums::UserRole;
use serde_json::json;

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

const CREATE: &str = "mutation($input: CreateUserInput!) {
    createUser(input: $input) { user { id email displayName role active organisation { id } version } }
}";

async fn admins_create_list_and_change_users(app: TestApp) {
    let admin = app.admin().await;
    let council = app
        .organisation(
            "Stirling Council",
            entity::enums::OrganisationKind::LocalAuthority,
        )
        .await;
    let data = app
        .gql_ok(
            &admin.token,
            CREATE,
            json!({ "input": {
                "email": " Morag.Reid@Stirling.GOV.uk ", "displayName": "Morag Reid",
                "organisationId": council, "role": "COMMISSIONER",
            }}),
        )
        .await;
    let user = &data["createUser"]["user"];
    assert_eq!(
        user["email"], "morag.reid@stirling.gov.uk",
        "e-mail addresses are normalised"
    );
    assert_eq!(user["active"], true);
    assert_eq!(user["organisation"]["id"], council.to_string());

    let data = app
        .gql_ok(&admin.token, "query($org: ID) { users(filter: { organisationId: $org }) { totalCount nodes { email role } } }", json!({ "org": council }))
        .await;
    assert_eq!(data["users"]["totalCount"], 1);
    assert_eq!(data["users"]["nodes"][0]["role"], "COMMISSIONER");

    let data = app
        .gql_ok(&admin.token, "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { displayName version } } }",
            json!({ "input": { "id": user["id"], "expectedVersion": 1, "displayName": "Morag Reid-Campbell" } }))
        .await;
    assert_eq!(data["updateUser"]["user"]["version"], 2);
}

async fn non_admins_may_not_list_create_or_change_users(app: TestApp) {
    let commissioner = app.commissioner("Moray Council").await;
    let before = app.count("users").await;
    let body = app
        .gql(&commissioner.token, "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(&commissioner.token, CREATE, json!({ "input": {
            "email": "new@moray.gov.uk", "displayName": "New", "organisationId": commissioner.organisation_id, "role": "ADMIN",
        }}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(
            &commissioner.token,
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
            json!({ "input": { "id": commissioner.id, "expectedVersion": 1, "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "nobody promotes themselves");
    assert_eq!(app.count("users").await, before);
}

async fn bad_user_input_is_named_and_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let existing = app.user(admin.organisation_id, UserRole::Viewer).await;
    let before = app.count("users").await;
    let me = app
        .gql_ok(&admin.token, "{ me { email } }", json!({}))
        .await;

    let cases = [
        (
            json!({ "email": "not-an-address", "displayName": "X", "organisationId": admin.organisation_id, "role": "VIEWER" }),
            "BAD_USER_INPUT",
            "input.email",
        ),
        (
            json!({ "email": "x@example.org", "displayName": "X", "organisationId": uuid::Uuid::now_v7(), "role": "VIEWER" }),
            "BAD_USER_INPUT",
            "input.organisationId",
        ),
        (
            json!({ "email": "x@example.org", "displayName": "X", "organisationId": "123", "role": "VIEWER" }),
            "BAD_USER_INPUT",
            "input.organisationId",
        ),
        (
            json!({ "email": me["me"]["email"].as_str().unwrap().to_uppercase(), "displayName": "X", "organisationId": admin.organisation_id, "role": "VIEWER" }),
            "CONFLICT",
            "input.email",
        ),
    ];
    for (input, code, field) in cases {
        let body = app
            .gql(&admin.token, CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), code, "{body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let body = app
        .gql(
            &admin.token,
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
            json!({ "input": { "id": admin.id, "expectedVersion": 1, "active": false } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "INVALID_STATE",
        "an admin cannot lock themselves out"
    );
    let body = app
        .gql(
            &admin.token,
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
            json!({ "input": { "id": existing.id, "expectedVersion": 5, "displayName": "Stale" } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(app.count("users").await, before);
}

on_both_databases!(
    admins_create_list_and_change_users,
    non_admins_may_not_list_create_or_change_users,
    bad_user_input_is_named_and_changes_nothing,
);

/// Partners see who signed or reviewed something, but not other organisations' e-mail addresses.
async fn e_mail_addresses_stay_within_the_organisation(app: TestApp) {
    let world = crate::support::world::World::build(&app).await;
    let signers = "query($id: ID!) { partnership(id: $id) { submissions(status: ACCEPTED) { nodes { submittedBy { displayName email organisation { name } } } } } }";
    let id = json!({ "id": world.p1 });
    let viewer = app.gql_ok(&world.viewer.token, signers, id.clone()).await;
    let submitter = &viewer["partnership"]["submissions"]["nodes"][0]["submittedBy"];
    assert!(submitter["displayName"].is_string());
    assert_eq!(
        submitter["email"],
        serde_json::Value::Null,
        "another organisation's address"
    );
    let colleague = app.gql_ok(&world.provider_a.token, signers, id).await;
    let own = &colleague["partnership"]["submissions"]["nodes"][0]["submittedBy"];
    assert!(
        own["email"]
            .as_str()
            .is_some_and(|email| email.contains('@')),
        "a colleague's address"
    );
}

on_both_databases!(e_mail_addresses_stay_within_the_organisation);
