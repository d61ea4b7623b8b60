//! The permission matrix (DESIGN §4): every query and mutation of the schema, tried by each kind
//! of caller, must be allowed, FORBIDDEN or NOT_FOUND exactly as the table says. The operation
//! list comes from the schema itself, so a new operation without a row fails this test: every
//! operation must state its access rule here.
//!
//! "Allowed" means access control let the call through: no error at all, or only CONFLICT /
//! INVALID_STATE from the business rules (a second actor repeating an allowed write).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, world::World},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
}
use Outcome::{Allowed as A, Forbidden as F, NotFound as N};

/// Which versioned row of the world an update targets, so each call sends its current version.
#[derive(Clone, Copy)]
enum Subject {
    ProviderAOrganisation,
    ViewerUser,
    Confidence,
    P1,
    ProviderAMembership,
    LeavingMembership,
    DraftAgreement,
    ProposedTarget,
    InterventionA,
    DraftSubmission,
    ReadySubmission,
    WithdrawableSubmission,
    DraftStory,
    DraftRecord,
    ParticipantA1,
    EnrolmentA1,
}

impl Subject {
    async fn id_and_version(self, app: &TestApp, world: &World) -> (String, i32) {
        use sea_orm::EntityTrait;
        let db = &app.db;
        macro_rules! version_of {
            ($module:ident, $id:expr) => {{
                let id: String = $id.to_string();
                let uuid = uuid::Uuid::parse_str(&id).unwrap();
                let row = entity::$module::Entity::find_by_id(uuid)
                    .one(db)
                    .await
                    .unwrap()
                    .unwrap();
                (id, row.version)
            }};
        }
        match self {
            Subject::ProviderAOrganisation => {
                version_of!(organisation, world.provider_a.organisation_id)
            }
            Subject::ViewerUser => version_of!(user, world.viewer.id),
            Subject::Confidence => version_of!(indicator, world.confidence),
            Subject::P1 => version_of!(partnership, world.p1),
            Subject::ProviderAMembership => version_of!(partnership_member, world.membership_a),
            Subject::LeavingMembership => version_of!(partnership_member, world.membership_leaving),
            Subject::DraftAgreement => version_of!(agreement, world.draft_agreement),
            Subject::ProposedTarget => version_of!(target, world.proposed_target),
            Subject::InterventionA => version_of!(intervention, world.ia),
            Subject::DraftSubmission => version_of!(evaluation_submission, world.draft_submission),
            Subject::ReadySubmission => version_of!(evaluation_submission, world.ready_submission),
            Subject::WithdrawableSubmission => {
                version_of!(evaluation_submission, world.withdrawable_submission)
            }
            Subject::DraftStory => version_of!(story, world.draft_story),
            Subject::DraftRecord => version_of!(outcome_record, world.draft_record),
            Subject::ParticipantA1 => version_of!(participant, world.a1),
            Subject::EnrolmentA1 => version_of!(enrolment, world.enrolment_a1),
        }
    }
}

struct Row {
    operation: &'static str,
    document: &'static str,
    /// Variables for the `n`th call (names differ per call so creates do not collide).
    variables: fn(&World, usize) -> Value,
    versioned: Option<Subject>,
    /// A CSV file sent with the request (GraphQL multipart) as `variables.input.file`.
    upload: Option<&'static str>,
    /// For `World::everyone()`: admin, commissioner of P1 and P2, provider A (member of P1),
    /// provider B (member of P1 and P2), viewer (school partner of P1), outsider (a
    /// commissioner of another council, member of nothing).
    expected: [Outcome; 6],
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            operation: "me",
            document: "{ me { id } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A, A, A, A, A, A],
        },
        Row {
            operation: "users",
            document: "{ users { totalCount } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "areas",
            document: "{ areas { code } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "indicators",
            document: "{ indicators { id } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "indicator",
            document: "query($id: ID!) { indicator(id: $id) { code } }",
            variables: |w, _| json!({ "id": w.confidence }),
            versioned: None,
            upload: None,
            // The indicator library is reference data: every signed-in user reads it.
            expected: [A; 6],
        },
        Row {
            operation: "organisations",
            document: "{ organisations { totalCount } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "organisation",
            document: "query($id: ID!) { organisation(id: $id) { name } }",
            variables: |w, _| json!({ "id": w.provider_a.organisation_id }),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "partnerships",
            document: "{ partnerships { totalCount } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "partnership",
            document: "query($id: ID!) { partnership(id: $id) { myRole } }",
            variables: |w, _| json!({ "id": w.p1 }),
            versioned: None,
            upload: None,
            expected: [A, A, A, A, A, N],
        },
        Row {
            operation: "intervention",
            document: "query($id: ID!) { intervention(id: $id) { name } }",
            variables: |w, _| json!({ "id": w.ia }),
            versioned: None,
            upload: None,
            expected: [A, A, A, A, A, N],
        },
        Row {
            operation: "participant",
            document: "query($id: ID!) { participant(id: $id) { reference } }",
            variables: |w, _| json!({ "id": w.a1 }),
            versioned: None,
            upload: None,
            expected: [A, A, A, N, N, N],
        },
        Row {
            operation: "participant",
            document: "query($id: ID!) { participant(id: $id) { reference } }",
            // A2's sharing basis is NONE: its commissioner gets aggregates, never the row.
            variables: |w, _| json!({ "id": w.a2 }),
            versioned: None,
            upload: None,
            expected: [A, N, A, N, N, N],
        },
        Row {
            operation: "participants",
            document: "{ participants { totalCount } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "auditEvents",
            document: "{ auditEvents { totalCount } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A, A, F, F, F, A],
        },
        Row {
            operation: "outcomeSummary",
            document: "query($input: OutcomeSummaryInput!) { outcomeSummary(input: $input) { cells { participants suppressed } } }",
            variables: |w, _| json!({ "input": { "indicatorId": w.confidence, "partnershipId": w.p1, "groupBy": ["INTERVENTION"] } }),
            versioned: None,
            upload: None,
            // Aggregates of a partnership: every member, under disclosure control (§4.3).
            expected: [A, A, A, A, A, N],
        },
        Row {
            operation: "outcomeTrend",
            document: "query($input: OutcomeTrendInput!) { outcomeTrend(input: $input) { cells { bucket suppressed } } }",
            variables: |w, _| json!({ "input": { "indicatorId": w.confidence, "partnershipId": w.p1, "bucket": "QUARTER" } }),
            versioned: None,
            upload: None,
            expected: [A, A, A, A, A, N],
        },
        Row {
            operation: "targetProgress",
            document: "query($id: ID!) { targetProgress(partnershipId: $id) { status suppressed } }",
            variables: |w, _| json!({ "id": w.p1 }),
            versioned: None,
            upload: None,
            expected: [A, A, A, A, A, N],
        },
        Row {
            operation: "serviceCoverage",
            document: "{ serviceCoverage { areaCode participantsEnrolled suppressed } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            // Counts only: any signed-in user (§4.3).
            expected: [A; 6],
        },
        Row {
            operation: "createOrganisation",
            document: "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
            variables: |_, n| json!({ "input": { "name": format!("New organisation {n}"), "kind": "OTHER", "sector": "PRIVATE", "areaCode": "S12000030" } }),
            versioned: None,
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "updateOrganisation",
            document: "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { id } } }",
            variables: |w, n| json!({ "input": { "id": w.provider_a.organisation_id, "charityNumber": format!("SC{n:06}") } }),
            versioned: Some(Subject::ProviderAOrganisation),
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "createUser",
            document: "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            variables: |w, n| json!({ "input": { "email": format!("new{n}@example.org"), "displayName": "New", "organisationId": w.provider_a.organisation_id, "role": "VIEWER" } }),
            versioned: None,
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "updateUser",
            document: "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
            variables: |w, n| json!({ "input": { "id": w.viewer.id, "displayName": format!("Viewer {n}") } }),
            versioned: Some(Subject::ViewerUser),
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "createArea",
            document: "mutation($input: CreateAreaInput!) { createArea(input: $input) { area { code } } }",
            variables: |_, n| json!({ "input": { "code": format!("T{n:08}"), "name": format!("Test area {n}") } }),
            versioned: None,
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "createIndicator",
            document: "mutation($input: CreateIndicatorInput!) { createIndicator(input: $input) { indicator { id } } }",
            variables: |_, n| {
                json!({ "input": { "code": format!("MATRIX_{n}"), "name": "Hope", "description": "How hopeful the young person feels.",
                "kind": "SOFT", "unit": "SCORE", "scaleMin": 1, "scaleMax": 10, "higherIsBetter": true } })
            },
            versioned: None,
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "updateIndicator",
            document: "mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { indicator { id } } }",
            variables: |_, n| json!({ "input": { "description": format!("How confident the young person feels (revision {n}).") } }),
            versioned: Some(Subject::Confidence),
            upload: None,
            expected: [A, F, F, F, F, F],
        },
        Row {
            operation: "createPartnership",
            document: "mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) { partnership { id } } }",
            variables: |_, n| json!({ "input": { "name": format!("Partnership {n}"), "purpose": "Shared aims.", "kind": "STRATEGIC_PLANNING", "areaCode": "S12000006", "startDate": "2027-01-01", "responsibilities": "Leads." } }),
            versioned: None,
            upload: None,
            expected: [A, A, F, F, F, A],
        },
        Row {
            operation: "updatePartnership",
            document: "mutation($input: UpdatePartnershipInput!) { updatePartnership(input: $input) { partnership { id } } }",
            variables: |w, n| json!({ "input": { "id": w.p1, "purpose": format!("Shared aims, revision {n}.") } }),
            versioned: Some(Subject::P1),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "addPartnershipMember",
            document: "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
            variables: |w, _| json!({ "input": { "partnershipId": w.p1, "organisationId": w.spare_organisation, "role": "PARTNER", "responsibilities": "Shares practice." } }),
            versioned: None,
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "createIntervention",
            document: "mutation($input: CreateInterventionInput!) { createIntervention(input: $input) { intervention { id } } }",
            variables: |w, n| {
                json!({ "input": {
                    "partnershipId": w.p1, "providerId": w.provider_a.organisation_id, "name": format!("Service {n}"), "description": "Weekly.",
                    "category": "MENTORING", "areaCode": "S12000006", "startDate": "2027-01-01", "indicatorIds": [w.confidence],
                }})
            },
            versioned: None,
            upload: None,
            expected: [A, A, A, F, F, N],
        },
        Row {
            operation: "updateIntervention",
            document: "mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { intervention { id } } }",
            variables: |w, n| json!({ "input": { "id": w.ia, "description": format!("Weekly, revision {n}.") } }),
            versioned: Some(Subject::InterventionA),
            upload: None,
            expected: [A, A, A, F, F, N],
        },
        Row {
            operation: "createParticipant",
            document: "mutation($input: CreateParticipantInput!) { createParticipant(input: $input) { participant { id } } }",
            variables: |_, n| json!({ "input": { "reference": format!("NEW-{n}"), "birthYear": 2014, "areaCode": "S12000006", "sharingBasis": "NONE" } }),
            versioned: None,
            upload: None,
            // A participant belongs to the provider that records it; only providers record them.
            expected: [F, F, A, A, F, F],
        },
        Row {
            operation: "updateParticipant",
            document: "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { id } } }",
            variables: |_, n| json!({ "input": { "lookedAfter": n % 2 == 0 } }),
            versioned: Some(Subject::ParticipantA1),
            upload: None,
            // Those who may see A1 but do not own it are refused; the rest do not see it.
            expected: [F, F, A, N, N, N],
        },
        Row {
            operation: "enrolParticipant",
            document: "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            variables: |w, _| json!({ "input": { "participantId": w.a1, "interventionId": w.ia, "referredOn": "2030-01-01", "referralSource": "SCHOOL", "startedOn": "2030-01-10" } }),
            versioned: None,
            upload: None,
            expected: [F, F, A, N, N, N],
        },
        Row {
            operation: "endEnrolment",
            document: "mutation($input: EndEnrolmentInput!) { endEnrolment(input: $input) { enrolment { id } } }",
            variables: |_, _| json!({ "input": { "endedOn": "2027-06-30", "exitReason": "COMPLETED" } }),
            versioned: Some(Subject::EnrolmentA1),
            upload: None,
            expected: [F, F, A, N, N, N],
        },
        Row {
            operation: "submission",
            document: "query($id: ID!) { submission(id: $id) { status } }",
            variables: |w, _| json!({ "id": w.draft_submission }),
            versioned: None,
            upload: None,
            // A draft is its provider's alone; commissioners see it once submitted.
            expected: [A, N, A, N, N, N],
        },
        Row {
            operation: "createSubmission",
            document: "mutation($input: CreateSubmissionInput!) { createSubmission(input: $input) { submission { id } } }",
            variables: |w, _| json!({ "input": { "interventionId": w.ia, "periodStart": "2027-01-05", "periodEnd": "2027-03-31", "narrative": "Spring term." } }),
            versioned: None,
            upload: None,
            // Evidence is written by the provider that delivers the service.
            expected: [F, F, A, F, F, N],
        },
        Row {
            operation: "updateSubmission",
            document: "mutation($input: UpdateSubmissionInput!) { updateSubmission(input: $input) { submission { id } } }",
            variables: |_, n| json!({ "input": { "narrative": format!("Autumn term, revision {n}.") } }),
            versioned: Some(Subject::DraftSubmission),
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "submissions",
            document: "{ submissions { totalCount } }",
            variables: |_, _| json!({}),
            versioned: None,
            upload: None,
            expected: [A; 6],
        },
        Row {
            operation: "submission",
            document: "query($id: ID!) { submission(id: $id) { status stories { id } comments { id } } }",
            variables: |w, _| json!({ "id": w.accepted_submission }),
            versioned: None,
            upload: None,
            // Accepted evidence is for the whole partnership.
            expected: [A, A, A, A, A, N],
        },
        Row {
            operation: "submitSubmission",
            document: "mutation($input: SubmitSubmissionInput!) { submitSubmission(input: $input) { submission { id } } }",
            variables: |_, _| json!({ "input": {} }),
            versioned: Some(Subject::ReadySubmission),
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "withdrawSubmission",
            document: "mutation($input: WithdrawSubmissionInput!) { withdrawSubmission(input: $input) { submission { id } } }",
            variables: |_, _| json!({ "input": {} }),
            versioned: Some(Subject::WithdrawableSubmission),
            upload: None,
            expected: [F, F, A, N, N, N],
        },
        Row {
            operation: "reviewSubmission",
            document: "mutation($input: ReviewSubmissionInput!) { reviewSubmission(input: $input) { comment { id } } }",
            variables: |w, n| json!({ "input": { "submissionId": w.submitted_submission, "decision": "COMMENT", "comment": format!("Please add the exit scores ({n}).") } }),
            versioned: None,
            upload: None,
            expected: [A, A, F, N, N, N],
        },
        Row {
            operation: "addStory",
            document: "mutation($input: AddStoryInput!) { addStory(input: $input) { story { id } } }",
            variables: |w, n| json!({ "input": { "submissionId": w.draft_submission, "title": format!("A good week {n}"), "body": "I went every day.", "consentToShare": false } }),
            versioned: None,
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "updateStory",
            document: "mutation($input: UpdateStoryInput!) { updateStory(input: $input) { story { id } } }",
            variables: |_, n| json!({ "input": { "title": format!("A good week, revision {n}") } }),
            versioned: Some(Subject::DraftStory),
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "deleteStory",
            document: "mutation($input: DeleteStoryInput!) { deleteStory(input: $input) { story { id } } }",
            variables: |w, _| json!({ "input": { "id": w.story_to_delete } }),
            versioned: None,
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "addOutcomeRecords",
            document: "mutation($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: $input) { records { id } } }",
            variables: |w, n| {
                json!({ "input": { "submissionId": w.evidence_submission, "records": [{
                "enrolmentId": w.enrolment_a1, "indicatorId": w.confidence, "value": 5,
                "observedOn": format!("2027-03-{:02}", 1 + n % 28), "phase": "INTERIM", "source": "PROVIDER",
            }] } })
            },
            versioned: None,
            upload: None,
            // Evidence is written by the provider that delivers the service, and drafts are its own.
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "updateOutcomeRecord",
            document: "mutation($input: UpdateOutcomeRecordInput!) { updateOutcomeRecord(input: $input) { record { id } } }",
            variables: |_, n| json!({ "input": { "value": 1 + n % 9 } }),
            versioned: Some(Subject::DraftRecord),
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "deleteOutcomeRecord",
            document: "mutation($input: DeleteOutcomeRecordInput!) { deleteOutcomeRecord(input: $input) { record { id } } }",
            variables: |w, _| json!({ "input": { "id": w.spare_record } }),
            versioned: None,
            upload: None,
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "importOutcomeRecordsCsv",
            document: "mutation($input: ImportOutcomeRecordsCsvInput!) { importOutcomeRecordsCsv(input: $input) { recordCount } }",
            variables: |w, _| json!({ "input": { "submissionId": w.evidence_submission, "file": null, "dryRun": true } }),
            versioned: None,
            upload: Some(
                "participant_reference,indicator_code,phase,observed_on,value,source\nCR-001,CONFIDENCE,INTERIM,2027-03-30,5,PROVIDER\n",
            ),
            expected: [F, N, A, N, N, N],
        },
        Row {
            operation: "updatePartnershipMember",
            document: "mutation($input: UpdatePartnershipMemberInput!) { updatePartnershipMember(input: $input) { member { id } } }",
            variables: |_, n| json!({ "input": { "responsibilities": format!("Delivers the day programme (revision {n}).") } }),
            versioned: Some(Subject::ProviderAMembership),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "removePartnershipMember",
            document: "mutation($input: RemovePartnershipMemberInput!) { removePartnershipMember(input: $input) { member { id } } }",
            variables: |_, _| json!({ "input": {} }),
            versioned: Some(Subject::LeavingMembership),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "recordPartnershipReview",
            document: "mutation($input: RecordPartnershipReviewInput!) { recordPartnershipReview(input: $input) { partnership { id } } }",
            variables: |_, _| json!({ "input": { "notes": "Reviewed aims and roles; no changes." } }),
            versioned: Some(Subject::P1),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "createAgreement",
            document: "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
            variables: |w, _| json!({ "input": { "partnershipId": w.p1, "kind": "PRACTICE_PROTOCOL", "title": "Practice protocol", "body": "Who does what.", "effectiveFrom": "2027-01-01", "reviewDue": "2028-01-01" } }),
            versioned: None,
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "updateAgreement",
            document: "mutation($input: UpdateAgreementInput!) { updateAgreement(input: $input) { agreement { id } } }",
            variables: |_, n| json!({ "input": { "body": format!("Who does what, revision {n}.") } }),
            versioned: Some(Subject::DraftAgreement),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "signAgreement",
            document: "mutation($input: SignAgreementInput!) { signAgreement(input: $input) { agreement { id } } }",
            variables: |w, _| json!({ "input": { "agreementId": w.draft_agreement } }),
            versioned: None,
            upload: None,
            // Any active user of a member organisation signs for it; an admin's organisation
            // is not a member, so an admin has nothing to sign for.
            expected: [F, A, A, A, A, N],
        },
        Row {
            operation: "createTarget",
            document: "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
            variables: |w, n| json!({ "input": { "partnershipId": w.p1, "indicatorId": w.confidence, "title": format!("Confidence {n}"), "aggregation": "MEAN_CHANGE", "baselineValue": 0, "baselineDate": "2026-09-01", "targetValue": 2, "targetDate": "2027-07-01" } }),
            versioned: None,
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "updateTarget",
            document: "mutation($input: UpdateTargetInput!) { updateTarget(input: $input) { target { id } } }",
            variables: |_, n| json!({ "input": { "title": format!("Confidence grows, revision {n}") } }),
            versioned: Some(Subject::ProposedTarget),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "agreeTarget",
            document: "mutation($input: AgreeTargetInput!) { agreeTarget(input: $input) { target { id } } }",
            variables: |_, _| json!({ "input": {} }),
            versioned: Some(Subject::ProposedTarget),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
        Row {
            operation: "retireTarget",
            document: "mutation($input: RetireTargetInput!) { retireTarget(input: $input) { target { id } } }",
            variables: |_, _| json!({ "input": {} }),
            versioned: Some(Subject::ProposedTarget),
            upload: None,
            expected: [A, A, F, F, F, N],
        },
    ]
}

/// The root fields of `type Query` and `type Mutation` in the SDL.
fn schema_operations() -> BTreeSet<String> {
    let sdl = api::server::schema::sdl();
    let mut operations = BTreeSet::new();
    for root in ["type Query {", "type Mutation {"] {
        let block = sdl
            .split(root)
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .unwrap_or_default();
        let mut in_description = false;
        for line in block.lines().map(str::trim).filter(|line| !line.is_empty()) {
            if line.starts_with("\"\"\"") {
                let one_line = line.len() > 3 && line.ends_with("\"\"\"");
                if !one_line {
                    in_description = !in_description;
                }
                continue;
            }
            if !in_description {
                let name = line.split(['(', ':']).next().unwrap_or_default();
                operations.insert(name.to_owned());
            }
        }
    }
    operations
}

#[test]
fn every_operation_in_the_schema_has_a_row() {
    let in_schema = schema_operations();
    let in_matrix: BTreeSet<String> = rows().iter().map(|row| row.operation.to_owned()).collect();
    let missing: Vec<_> = in_schema.difference(&in_matrix).collect();
    let unknown: Vec<_> = in_matrix.difference(&in_schema).collect();
    assert!(
        missing.is_empty(),
        "operations without an access rule in the matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "rows for operations the schema does not have: {unknown:?}"
    );
    assert!(
        in_schema.len() > 20,
        "the SDL parser found the operations: {in_schema:?}"
    );
}

fn outcome_of(body: &Value) -> Result<Outcome, String> {
    let Some(errors) = body.get("errors").and_then(Value::as_array) else {
        return Ok(A);
    };
    let codes: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["extensions"]["code"].as_str())
        .collect();
    match codes.as_slice() {
        ["FORBIDDEN", ..] => Ok(F),
        ["NOT_FOUND", ..] => Ok(N),
        codes
            if codes
                .iter()
                .all(|code| matches!(*code, "CONFLICT" | "INVALID_STATE")) =>
        {
            Ok(A)
        }
        _ => Err(format!("unexpected errors: {body:#}")),
    }
}

async fn the_matrix_holds(app: TestApp) {
    let world = World::build(&app).await;
    let mut failures = Vec::new();
    for (row_number, row) in rows().iter().enumerate() {
        let actors = world.everyone();
        // Refused callers first, so an allowed write cannot change what a refusal would see.
        let mut order: Vec<usize> = (0..actors.len()).collect();
        order.sort_by_key(|&i| row.expected[i] == A);
        for (call, i) in order.into_iter().enumerate() {
            let (label, user) = actors[i];
            let mut variables = (row.variables)(&world, row_number * 10 + call);
            if let Some(target) = row.versioned {
                let (id, version) = target.id_and_version(&app, &world).await;
                variables["input"]["id"] = json!(id);
                variables["input"]["expectedVersion"] = json!(version);
            }
            let body = match row.upload {
                Some(csv) => {
                    let path = "variables.input.file";
                    app.gql_upload(
                        &user.token,
                        row.document,
                        variables,
                        path,
                        "matrix.csv",
                        csv.as_bytes().to_vec(),
                    )
                    .await
                    .1
                }
                None => app.gql(&user.token, row.document, variables).await,
            };
            match outcome_of(&body) {
                Ok(outcome) if outcome == row.expected[i] => {}
                Ok(outcome) => failures.push(format!(
                    "{} as {label}: expected {:?}, got {outcome:?} {body}",
                    row.operation, row.expected[i]
                )),
                Err(message) => failures.push(format!("{} as {label}: {message}", row.operation)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells of the matrix failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_databases!(the_matrix_holds);
