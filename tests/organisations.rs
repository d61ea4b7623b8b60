//! Organisations: readable by all, created and changed by admins only (DESIGN §3.2, §4.3).

use entity::enums::UserRole;
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code, fixtures::EDINBURGH},
};

const CREATE: &str = "mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { organisation { id name kind sector areaCode area { name } charityNumber version } }
}";
const UPDATE: &str = "mutation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) { organisation { id name charityNumber version } }
}";

fn aberlour() -> Value {
    json!({ "input": {
        "name": "Aberlour Child Care Trust", "kind": "VOLUNTARY", "sector": "VOLUNTARY",
        "areaCode": "S12000006", "charityNumber": "SC007991",
    }})
}

async fn admins_create_and_update_organisations_with_an_audit_trail(app: TestApp) {
    let admin = app.admin().await;
    let events_before = app.count("audit_events").await;
    let data = app.gql_ok(&admin.token, CREATE, aberlour()).await;
    let organisation = &data["createOrganisation"]["organisation"];
    assert_eq!(organisation["area"]["name"], "Dumfries and Galloway");
    assert_eq!(organisation["version"], 1);

    let data = app
        .gql_ok(&admin.token, UPDATE, json!({ "input": { "id": organisation["id"], "expectedVersion": 1, "charityNumber": null } }))
        .await;
    let updated = &data["updateOrganisation"]["organisation"];
    assert_eq!(updated["charityNumber"], Value::Null);
    assert_eq!(
        updated["name"], "Aberlour Child Care Trust",
        "fields left out are unchanged"
    );
    assert_eq!(updated["version"], 2);
    assert_eq!(
        app.count("audit_events").await,
        events_before + 2,
        "one audit event per mutation"
    );
}

async fn only_admins_may_create_or_change_organisations(app: TestApp) {
    let commissioner = app.commissioner("Highland Council").await;
    let before = app.count("organisations").await;
    let body = app.gql(&commissioner.token, CREATE, aberlour()).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(&commissioner.token, UPDATE, json!({ "input": { "id": commissioner.organisation_id, "expectedVersion": 1, "name": "Renamed" } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert_eq!(
        app.count("organisations").await,
        before,
        "nothing was written"
    );
}

async fn duplicate_names_unknown_areas_and_stale_versions_are_refused_precisely(app: TestApp) {
    let admin = app.admin().await;
    app.gql_ok(&admin.token, CREATE, aberlour()).await;
    let before = app.count("organisations").await;
    let events = app.count("audit_events").await;

    let body = app.gql(&admin.token, CREATE, aberlour()).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.name");

    let mut unknown_area = aberlour();
    unknown_area["input"]["name"] = json!("Another Trust");
    unknown_area["input"]["areaCode"] = json!("X99");
    let body = app.gql(&admin.token, CREATE, unknown_area).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.areaCode");

    let mut blank = aberlour();
    blank["input"]["name"] = json!("   ");
    let body = app.gql(&admin.token, CREATE, blank).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.name");

    let body = app
        .gql(&admin.token, UPDATE, json!({ "input": { "id": admin.organisation_id, "expectedVersion": 7, "name": "Stale" } }))
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.expectedVersion"
    );

    let body = app
        .gql(&admin.token, UPDATE, json!({ "input": { "id": admin.organisation_id, "expectedVersion": 1, "name": "Aberlour Child Care Trust" } }))
        .await;
    assert_eq!(
        error_code(&body),
        "CONFLICT",
        "renaming onto an existing name"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.name");

    assert_eq!(app.count("organisations").await, before);
    assert_eq!(
        app.count("audit_events").await,
        events,
        "refused writes leave no audit event"
    );
    let check = app
        .gql_ok(
            &admin.token,
            "query($id: ID!) { organisation(id: $id) { name version } }",
            json!({ "id": admin.organisation_id }),
        )
        .await;
    assert_eq!(
        check["organisation"]["version"], 1,
        "the stale update changed nothing"
    );
}

async fn everyone_reads_organisations_page_by_page(app: TestApp) {
    let admin = app.admin().await;
    for n in 0..4 {
        app.organisation(
            &format!("School {n}"),
            entity::enums::OrganisationKind::School,
        )
        .await;
    }
    let school = app
        .organisation("Viewer's School", entity::enums::OrganisationKind::School)
        .await;
    let viewer = app.user(school, UserRole::Viewer).await;
    let query = "query($after: String, $filter: OrganisationFilter) {
        organisations(first: 2, after: $after, filter: $filter) {
            totalCount pageInfo { hasNextPage endCursor } nodes { name } edges { cursor node { id } }
        }
    }";
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .gql_ok(
                &viewer.token,
                query,
                json!({ "after": after, "filter": { "kind": "SCHOOL", "areaCode": EDINBURGH } }),
            )
            .await;
        let page = &data["organisations"];
        assert_eq!(page["totalCount"], 5);
        names.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["name"].as_str().unwrap().to_owned()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        [
            "School 0",
            "School 1",
            "School 2",
            "School 3",
            "Viewer's School"
        ]
    );

    let body = app
        .gql(
            &viewer.token,
            "{ organisations(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "page size is bounded");
    let body = app
        .gql(
            &admin.token,
            "{ organisations(after: \"nonsense\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "cursors are checked");
}

on_both_databases!(
    admins_create_and_update_organisations_with_an_audit_trail,
    only_admins_may_create_or_change_organisations,
    duplicate_names_unknown_areas_and_stale_versions_are_refused_precisely,
    everyone_reads_organisations_page_by_page,
);
