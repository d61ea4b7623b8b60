//! Actors and organisations for tests, created through the same service functions the command
//! line's bootstrap uses, so each test starts from the API's own rules.

use api::directory::{
    organisations::service::{self as organisations, NewOrganisation},
    users::service::{self as users, NewUser},
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
        let new = NewOrganisation {
            name: name.into(),
            kind,
            sector: match kind {
                OrganisationKind::Voluntary => Sector::Voluntary,
                _ => Sector::Statutory,
            },
            area_code: EDINBURGH.into(),
            charity_number: None,
        };
        organisations::create(&self.db, None, new)
            .await
            .expect("create organisation")
            .id
    }

    pub async fn user(&self, organisation_id: Uuid, role: UserRole) -> TestUser {
        let new = NewUser {
            email: format!("{}@example.org", Uuid::now_v7().simple()),
            display_name: format!("Test {role:?}"),
            organisation_id,
            role,
        };
        let user = users::create(&self.db, None, new)
            .await
            .expect("create user");
        TestUser {
            id: user.id,
            organisation_id,
            token: self.token_for(user.id),
        }
    }

    /// An admin in an organisation of their own (a new one each call, so tests may ask twice).
    pub async fn admin(&self) -> TestUser {
        let name = format!("Scottish Government Analysts {}", Uuid::now_v7().simple());
        let organisation = self.organisation(&name, OrganisationKind::Other).await;
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

/// Evaluation evidence, built through the API as a provider and a commissioner would.
impl TestApp {
    /// Starts a DRAFT submission for the intervention as `provider`, for the autumn term of
    /// 2026; returns its id.
    pub async fn submission(&self, provider: &TestUser, intervention_id: &str) -> String {
        self.submission_over(provider, intervention_id, ("2026-08-17", "2026-12-18"))
            .await
    }

    /// Starts a DRAFT submission for the intervention as `provider`, for the period from
    /// `start` to `end`; returns its id.
    pub async fn submission_over(
        &self,
        provider: &TestUser,
        intervention_id: &str,
        (start, end): (&str, &str),
    ) -> String {
        let data = self
            .gql_ok(
                &provider.token,
                "mutation($input: CreateSubmissionInput!) {
                    createSubmission(input: $input) { submission { id } }
                }",
                json!({ "input": {
                    "interventionId": intervention_id,
                    "periodStart": start, "periodEnd": end,
                    "narrative": "Autumn term: attendance rose for most young people.",
                }}),
            )
            .await;
        data["createSubmission"]["submission"]["id"]
            .as_str()
            .expect("submission id")
            .to_owned()
    }

    /// Adds a story to a submission as `provider`, about `enrolment_id` if given; returns its
    /// id.
    pub async fn story(
        &self,
        provider: &TestUser,
        submission_id: &str,
        enrolment_id: Option<&str>,
        consent_to_share: bool,
    ) -> String {
        let data = self
            .gql_ok(
                &provider.token,
                "mutation($input: AddStoryInput!) { addStory(input: $input) { story { id } } }",
                json!({ "input": {
                    "submissionId": submission_id, "enrolmentId": enrolment_id,
                    "title": "Back in class",
                    "body": "I go to maths with my friends now and I am not scared of it.",
                    "wellbeing": ["ACHIEVING", "INCLUDED"],
                    "consentToShare": consent_to_share,
                }}),
            )
            .await;
        data["addStory"]["story"]["id"]
            .as_str()
            .expect("story id")
            .to_owned()
    }

    /// The submission's current version, as `user` reads it.
    pub async fn submission_version(&self, user: &TestUser, submission_id: &str) -> i64 {
        let data = self
            .gql_ok(
                &user.token,
                "query($id: ID!) { submission(id: $id) { version } }",
                json!({ "id": submission_id }),
            )
            .await;
        data["submission"]["version"]
            .as_i64()
            .expect("submission version")
    }

    /// Submits the submission for review as `provider` (it needs evidence first).
    pub async fn submit(&self, provider: &TestUser, submission_id: &str) {
        let version = self.submission_version(provider, submission_id).await;
        self.gql_ok(
            &provider.token,
            "mutation($input: SubmitSubmissionInput!) {
                submitSubmission(input: $input) { submission { id } }
            }",
            json!({ "input": { "id": submission_id, "expectedVersion": version } }),
        )
        .await;
    }

    /// Reviews the submission as `reviewer`; returns the whole response body.
    pub async fn review(
        &self,
        reviewer: &TestUser,
        submission_id: &str,
        decision: &str,
        comment: Option<&str>,
    ) -> serde_json::Value {
        self.gql(
            &reviewer.token,
            "mutation($input: ReviewSubmissionInput!) {
                reviewSubmission(input: $input) {
                    submission { id status version decidedBy { id } }
                    comment { id decision body author { id } }
                }
            }",
            json!({ "input": {
                "submissionId": submission_id, "decision": decision, "comment": comment,
            }}),
        )
        .await
    }
}

/// A service with young people to measure, for outcome-record tests: `commissioner`'s
/// partnership, in which `provider` delivers `intervention`, reporting on [`CASELOAD_INDICATORS`],
/// with one participant per entry of the sharing bases given (references `YP-001`, `YP-002`, …,
/// enrolled from referral on 2026-08-20), and a DRAFT `submission` for 2026-08-17 to 2026-12-18.
pub struct Caseload {
    pub commissioner: TestUser,
    pub provider: TestUser,
    pub partnership: String,
    pub intervention: String,
    pub submission: String,
    pub references: Vec<String>,
    pub participants: Vec<String>,
    pub enrolments: Vec<String>,
    /// Indicator ids by code, for every seeded indicator.
    pub indicators: std::collections::HashMap<String, String>,
}

/// What a [`Caseload`]'s intervention reports on: a SCORE, a PERCENT, a DAYS (lower is better)
/// and a BOOLEAN indicator.
pub const CASELOAD_INDICATORS: [&str; 4] = [
    "CONFIDENCE",
    "ATTENDANCE_PCT",
    "EXCLUSION_DAYS",
    "REINTEGRATED_MAINSTREAM",
];

impl Caseload {
    /// The id of the indicator with this code.
    pub fn indicator(&self, code: &str) -> &str {
        self.indicators
            .get(code)
            .unwrap_or_else(|| panic!("indicator {code} is seeded"))
    }
}

impl TestApp {
    /// Builds a [`Caseload`] through the API; `sharing` holds each participant's sharing basis
    /// (`PUBLIC_TASK`, `NONE`, …).
    pub async fn caseload(&self, sharing: &[&str]) -> Caseload {
        let commissioner = self.commissioner("Fife Council").await;
        let provider_org = self
            .organisation(
                "Kingdom Young People's Project",
                OrganisationKind::Voluntary,
            )
            .await;
        let provider = self.user(provider_org, UserRole::Provider).await;
        let partnership = self.partnership(&commissioner, "Fife Pathways").await;
        self.add_member(&commissioner, &partnership, provider_org, "PROVIDER")
            .await;
        let listed = self
            .gql_ok(&provider.token, "{ indicators { id code } }", json!({}))
            .await;
        let indicators: std::collections::HashMap<String, String> = listed["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .map(|indicator| {
                (
                    indicator["code"].as_str().expect("code").to_owned(),
                    indicator["id"].as_str().expect("id").to_owned(),
                )
            })
            .collect();
        let indicator_ids: Vec<&String> = CASELOAD_INDICATORS
            .iter()
            .map(|code| &indicators[*code])
            .collect();
        let intervention = self
            .intervention_with(
                &commissioner,
                &partnership,
                provider_org,
                json!({
                    "name": "Fife day programme",
                    "description": "Small-group education three days a week.",
                    "areaCode": "S12000047", "indicatorIds": indicator_ids,
                }),
            )
            .await;
        let mut references = Vec::new();
        let mut participants = Vec::new();
        let mut enrolments = Vec::new();
        for (n, basis) in sharing.iter().enumerate() {
            let reference = format!("YP-{:03}", n + 1);
            let decision = match *basis {
                "NONE" => json!({ "sharingBasis": "NONE" }),
                "CONSENT" => json!({
                    "sharingBasis": "CONSENT", "sharingReason": "Agreed at the child's plan review",
                    "consentGivenBy": "CHILD",
                }),
                other => json!({ "sharingBasis": other, "sharingReason": "Child's plan review" }),
            };
            let participant = self.participant(&provider, &reference, decision).await;
            enrolments.push(self.enrol(&provider, &participant, &intervention).await);
            participants.push(participant);
            references.push(reference);
        }
        let submission = self.submission(&provider, &intervention).await;
        Caseload {
            commissioner,
            provider,
            partnership,
            intervention,
            submission,
            references,
            participants,
            enrolments,
            indicators,
        }
    }
}
