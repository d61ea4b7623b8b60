//! A small world for access tests, built through the API: two partnerships, two providers,
//! a school partner, an outsider, and participants with and without a sharing basis.
//!
//! - Council (commissioner) commissions P1 and P2.
//! - Provider A delivers intervention IA in P1; provider B delivers IB in P1 and IB2 in P2.
//! - A school is a PARTNER of P1 (its users are viewers there).
//! - Participants: A1 (A's, PUBLIC_TASK), A2 (A's, sharing NONE), B1 (B's, CONSENT),
//!   each enrolled in their provider's P1 intervention.

use entity::enums::{OrganisationKind, UserRole};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{TestApp, fixtures::TestUser, merged};

pub struct World {
    pub admin: TestUser,
    pub commissioner: TestUser,
    pub provider_a: TestUser,
    pub provider_b: TestUser,
    pub viewer: TestUser,
    pub outsider: TestUser,
    pub p1: String,
    pub p2: String,
    pub ia: String,
    pub ib: String,
    pub a1: String,
    pub a2: String,
    pub b1: String,
    pub enrolment_a1: String,
    /// The CONFIDENCE indicator's id.
    pub confidence: String,
    /// Provider A's membership of P1.
    pub membership_a: String,
    /// A DRAFT practice protocol of P1 that nobody has signed.
    pub draft_agreement: String,
    /// A PROPOSED target of P1.
    pub proposed_target: String,
    /// Provider A's DRAFT evaluation submission for IA, with two unshared stories.
    pub draft_submission: String,
    /// A story in the draft submission, about A1.
    pub draft_story: String,
    /// A story in the draft submission, for tests that delete one.
    pub story_to_delete: String,
    /// A DRAFT submission of provider A with a story, ready to submit.
    pub ready_submission: String,
    /// SUBMITTED submissions of provider A for IA: one to review, one to withdraw.
    pub submitted_submission: String,
    pub withdrawable_submission: String,
    /// An ACCEPTED submission of provider A for IA, with a shared story.
    pub accepted_submission: String,
    /// Provider A's second DRAFT submission for IA (spring 2027), holding two records of A1.
    pub evidence_submission: String,
    /// A1's INTERIM CONFIDENCE records in the evidence submission: one to update, one to delete.
    pub draft_record: String,
    pub spare_record: String,
}

impl World {
    pub async fn build(app: &TestApp) -> Self {
        let admin = app.admin().await;
        let commissioner = app.commissioner("Dumfries and Galloway Council").await;
        let org_a = app
            .organisation("Crannog Alternative Education", OrganisationKind::Voluntary)
            .await;
        let org_b = app
            .organisation("Solway Youth Work", OrganisationKind::Voluntary)
            .await;
        let school = app
            .organisation("Lochside Primary", OrganisationKind::School)
            .await;
        let provider_a = app.user(org_a, UserRole::Provider).await;
        let provider_b = app.user(org_b, UserRole::Provider).await;
        let viewer = app.user(school, UserRole::Viewer).await;
        let outsider = app.commissioner("Orkney Islands Council").await;

        let p1 = app.partnership(&commissioner, "Crannog Plus").await;
        let p2 = app
            .partnership(&commissioner, "Transition to Secondary")
            .await;
        let membership_a = app.add_member(&commissioner, &p1, org_a, "PROVIDER").await;
        app.add_member(&commissioner, &p1, org_b, "PROVIDER").await;
        app.add_member(&commissioner, &p1, school, "PARTNER").await;
        app.add_member(&commissioner, &p2, org_b, "PROVIDER").await;

        let ia = app
            .intervention(&commissioner, &p1, org_a, "Crannog day programme")
            .await;
        let ib = app
            .intervention(&commissioner, &p1, org_b, "Detached youth work")
            .await;
        app.intervention(&commissioner, &p2, org_b, "Summer transition club")
            .await;

        let a1 = app
            .participant(
                &provider_a,
                "CR-001",
                json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Child's plan review" }),
            )
            .await;
        let a2 = app
            .participant(&provider_a, "CR-002", json!({ "sharingBasis": "NONE" }))
            .await;
        let b1 = app
            .participant(&provider_b, "SY-001", json!({ "sharingBasis": "CONSENT", "sharingReason": "Agreed with family", "consentGivenBy": "PARENT_CARER" }))
            .await;
        let enrolment_a1 = app.enrol(&provider_a, &a1, &ia).await;
        app.enrol(&provider_a, &a2, &ia).await;
        app.enrol(&provider_b, &b1, &ib).await;

        let confidence = app.indicator_id(&admin, "CONFIDENCE").await;
        let draft = app
            .gql_ok(&commissioner.token,
                "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
                json!({ "input": { "partnershipId": p1, "kind": "SERVICE_LEVEL_AGREEMENT", "title": "Service levels",
                    "body": "Crannog takes referrals within ten school days.", "effectiveFrom": "2026-09-01", "reviewDue": "2027-09-01" } }))
            .await;
        let draft_agreement = id_at(&draft, &["createAgreement", "agreement", "id"]);
        let target = app
            .gql_ok(&commissioner.token,
                "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
                json!({ "input": { "partnershipId": p1, "indicatorId": confidence, "title": "Confidence grows",
                    "aggregation": "MEAN_CHANGE", "baselineValue": 0, "baselineDate": "2026-09-01", "targetValue": 2, "targetDate": "2027-07-01" } }))
            .await;
        let proposed_target = id_at(&target, &["createTarget", "target", "id"]);
        let submission = app
            .gql_ok(&provider_a.token,
                "mutation($input: CreateSubmissionInput!) { createSubmission(input: $input) { submission { id } } }",
                json!({ "input": { "interventionId": ia, "periodStart": "2026-08-17", "periodEnd": "2026-12-18",
                    "narrative": "Autumn term: attendance rose for most young people." } }))
            .await;
        let draft_submission = id_at(&submission, &["createSubmission", "submission", "id"]);
        let draft_story = app
            .story(&provider_a, &draft_submission, Some(&enrolment_a1), false)
            .await;
        let story_to_delete = app.story(&provider_a, &draft_submission, None, false).await;
        let ready_submission = app.submission(&provider_a, &ia).await;
        app.story(&provider_a, &ready_submission, None, true).await;
        let mut submitted = Vec::new();
        for _ in 0..3 {
            let id = app.submission(&provider_a, &ia).await;
            app.story(&provider_a, &id, None, true).await;
            app.submit(&provider_a, &id).await;
            submitted.push(id);
        }
        let [
            submitted_submission,
            withdrawable_submission,
            accepted_submission,
        ] = <[String; 3]>::try_from(submitted).unwrap();
        let accepted = app
            .review(&commissioner, &accepted_submission, "ACCEPT", None)
            .await;
        assert!(accepted.get("errors").is_none(), "{accepted:#}");
        let evidence = app
            .gql_ok(&provider_a.token,
                "mutation($input: CreateSubmissionInput!) { createSubmission(input: $input) { submission { id } } }",
                json!({ "input": { "interventionId": ia, "periodStart": "2027-01-04", "periodEnd": "2027-03-31", "narrative": "Spring term." } }))
            .await;
        let evidence_submission = id_at(&evidence, &["createSubmission", "submission", "id"]);
        // No BASELINE here: one baseline per enrolment and indicator is allowed across all
        // submissions, and tests add their own.
        let records = app
            .gql_ok(&provider_a.token,
                "mutation($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: $input) { records { id } } }",
                json!({ "input": { "submissionId": evidence_submission, "records": [
                    { "enrolmentId": enrolment_a1, "indicatorId": confidence, "value": 5, "observedOn": "2027-01-15", "phase": "INTERIM", "source": "PROVIDER" },
                    { "enrolmentId": enrolment_a1, "indicatorId": confidence, "value": 6, "observedOn": "2027-02-15", "phase": "INTERIM", "source": "PROVIDER" },
                ] } }))
            .await;
        let draft_record = id_at(&records, &["addOutcomeRecords", "records", "0", "id"]);
        let spare_record = id_at(&records, &["addOutcomeRecords", "records", "1", "id"]);
        World {
            evidence_submission,
            draft_record,
            spare_record,
            draft_submission,
            draft_story,
            story_to_delete,
            ready_submission,
            submitted_submission,
            withdrawable_submission,
            accepted_submission,
            membership_a,
            draft_agreement,
            proposed_target,
            admin,
            commissioner,
            provider_a,
            provider_b,
            viewer,
            outsider,
            p1,
            p2,
            ia,
            ib,
            a1,
            a2,
            b1,
            enrolment_a1,
            confidence,
        }
    }
}

fn id_at(data: &Value, path: &[&str]) -> String {
    let mut value = data;
    for key in path {
        value = match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[*key],
        };
    }
    value
        .as_str()
        .unwrap_or_else(|| panic!("no id at {path:?} in {data:#}"))
        .to_owned()
}

impl TestApp {
    pub async fn indicator_id(&self, by: &TestUser, code: &str) -> String {
        self.indicator_id_as(&by.token, code).await
    }

    /// The id of the seeded indicator with `code`, looked up with `token`.
    pub async fn indicator_id_as(&self, token: &str, code: &str) -> String {
        let indicators = self
            .gql_ok(token, "{ indicators { id code } }", json!({}))
            .await;
        indicators["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|indicator| indicator["code"] == code)
            .unwrap_or_else(|| panic!("indicator {code} is seeded"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates an intervention of `provider_id` in the partnership as `by`, reporting on
    /// CONFIDENCE; returns its id.
    pub async fn intervention(
        &self,
        by: &TestUser,
        partnership_id: &str,
        provider_id: Uuid,
        name: &str,
    ) -> String {
        let confidence = self.indicator_id(by, "CONFIDENCE").await;
        self.intervention_with(
            by,
            partnership_id,
            provider_id,
            json!({ "name": name, "indicatorIds": [confidence] }),
        )
        .await
    }

    /// Creates an intervention of `provider_id` in the partnership as `by`; `details` holds its
    /// name and `indicatorIds`, and may replace the defaults (an alternative-education service
    /// in Dumfries and Galloway from 17 August 2026). Returns its id.
    pub async fn intervention_with(
        &self,
        by: &TestUser,
        partnership_id: &str,
        provider_id: Uuid,
        details: Value,
    ) -> String {
        let input = merged(
            json!({
                "partnershipId": partnership_id, "providerId": provider_id,
                "description": "Small-group support, three days a week.", "category": "ALTERNATIVE_EDUCATION",
                "areaCode": "S12000006", "startDate": "2026-08-17",
            }),
            details,
        );
        let data = self
            .gql_ok(
                &by.token,
                "mutation($input: CreateInterventionInput!) { createIntervention(input: $input) { intervention { id } } }",
                json!({ "input": input }),
            )
            .await;
        id_at(&data, &["createIntervention", "intervention", "id"])
    }

    /// Records a participant as `provider`; `sharing` holds the sharing-decision fields.
    pub async fn participant(
        &self,
        provider: &TestUser,
        reference: &str,
        sharing: Value,
    ) -> String {
        let input = merged(
            json!({ "reference": reference, "birthYear": 2013, "lookedAfter": true, "areaCode": "S12000006" }),
            sharing,
        );
        let data = self
            .gql_ok(
                &provider.token,
                "mutation($input: CreateParticipantInput!) { createParticipant(input: $input) { participant { id } } }",
                json!({ "input": input }),
            )
            .await;
        id_at(&data, &["createParticipant", "participant", "id"])
    }

    pub async fn enrol(
        &self,
        provider: &TestUser,
        participant_id: &str,
        intervention_id: &str,
    ) -> String {
        let data = self
            .gql_ok(
                &provider.token,
                "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
                json!({ "input": {
                    "participantId": participant_id, "interventionId": intervention_id,
                    "referredOn": "2026-08-20", "referralSource": "SCHOOL", "startedOn": "2026-09-01",
                }}),
            )
            .await;
        id_at(&data, &["enrolParticipant", "enrolment", "id"])
    }
}
