//! Actors and organisations for tests, created through the same service functions the command
//! line's bootstrap uses, so each test starts from the API's own rules.

use api::{
    organisations::{self, CreateOrganisationInput},
    users::{self, CreateUserInput},
};
use entity::enums::{OrganisationKind, Sector, UserRole};
use serde_json::json;
use uuid::Uuid;

use super::TestApp;

/// A signed-in user and their bearer token.
#[derive(Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub token: String,
}

pub const EDINBURGH: &str = "S12000036";

impl TestApp {
    pub async fn organisation(&self, name: &str, kind: OrganisationKind) -> Uuid {
        let input = CreateOrganisationInput {
            name: name.into(),
            kind,
            sector: match kind {
                OrganisationKind::Voluntary => Sector::Voluntary,
                _ => Sector::Statutory,
            },
            area_code: EDINBURGH.into(),
            charity_number: None,
        };
        organisations::create(&self.db, None, input)
            .await
            .expect("create organisation")
            .id
    }

    pub async fn user(&self, organisation_id: Uuid, role: UserRole) -> TestUser {
        let input = CreateUserInput {
            email: format!("{}@example.org", Uuid::now_v7().simple()),
            display_name: format!("Test {role:?}"),
            organisation_id: organisation_id.into(),
            role,
        };
        let user = users::create(&self.db, None, input)
            .await
            .expect("create user");
        TestUser {
            id: user.id,
            organisation_id,
            token: self.token_for(user.id),
        }
    }

    /// An admin in an organisation of their own.
    pub async fn admin(&self) -> TestUser {
        let organisation = self
            .organisation("Scottish Government Analysts", OrganisationKind::Other)
            .await;
        self.user(organisation, UserRole::Admin).await
    }

    /// A commissioner in a new council.
    pub async fn commissioner(&self, council: &str) -> TestUser {
        let organisation = self
            .organisation(council, OrganisationKind::LocalAuthority)
            .await;
        self.user(organisation, UserRole::Commissioner).await
    }

    /// Creates a partnership through the API as `commissioner`; returns its id.
    pub async fn partnership(&self, commissioner: &TestUser, name: &str) -> String {
        let data = self
            .gql_ok(
                &commissioner.token,
                "mutation($input: CreatePartnershipInput!) {
                    createPartnership(input: $input) { partnership { id } }
                }",
                json!({ "input": {
                    "name": name,
                    "purpose": "Pupils in alternative education return to mainstream school.",
                    "kind": "SERVICE_DELIVERY",
                    "areaCode": EDINBURGH,
                    "startDate": "2026-08-15",
                    "responsibilities": "Chairs the partnership and funds the service.",
                }}),
            )
            .await;
        data["createPartnership"]["partnership"]["id"]
            .as_str()
            .expect("partnership id")
            .to_owned()
    }

    /// Adds `organisation_id` to a partnership as `role` through the API; returns the member id.
    pub async fn add_member(
        &self,
        commissioner: &TestUser,
        partnership_id: &str,
        organisation_id: Uuid,
        role: &str,
    ) -> String {
        let data = self
            .gql_ok(
                &commissioner.token,
                "mutation($input: AddPartnershipMemberInput!) {
                addPartnershipMember(input: $input) { member { id } }
            }",
                json!({ "input": {
                    "partnershipId": partnership_id,
                    "organisationId": organisation_id,
                    "role": role,
                    "responsibilities": "Delivers the service and reports outcomes termly.",
                }}),
            )
            .await;
        data["addPartnershipMember"]["member"]["id"]
            .as_str()
            .expect("member id")
            .to_owned()
    }
}
