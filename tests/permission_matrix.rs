//! The permission matrix (DESIGN §4): every query and mutation of the schema, tried by each kind
//! of caller, must be allowed, FORBIDDEN or NOT_FOUND exactly as the table says, and every
//! subscription must reach exactly the callers its row names. The operation list comes from the
//! schema itself, so a new operation without a row fails this test: every operation must state
//! its access rule here.
//!
//! The matrix is strict. "Allowed" means the call succeeded: no error at all, and the
//! operation's field is not null. A refusal is one code on every error and no data. An error
//! without a code, or any other code (CONFLICT, INVALID_STATE, BAD_USER_INPUT, …), fails the
//! test: a business rule must never stand in for an access decision. So that a second allowed
//! caller cannot trip over the first one's write, every call that changes its subject's state
//! (adds a member, agrees a target, signs, enrols, …) acts on a subject made for it alone
//! ([`Subject`]'s fresh kinds).

use std::{collections::BTreeSet, time::Duration};

use entity::enums::{OrganisationKind, UserRole};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{
        TestApp,
        fixtures::TestUser,
        live::{ARRIVES_WITHIN, Heard, SILENCE},
        world::World,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
    /// Only for the deactivated caller, who has no column.
    Unauthenticated,
}
use Outcome::{Allowed as A, Forbidden as F, NotFound as N};

/// How many callers each row states an outcome for (see [`Callers`]).
const CALLERS: usize = 11;

/// The callers, in the order of every row's `expected`. Their effective role in P1 (§4.2) is in
/// brackets.
///
/// 0. admin (admin)
/// 1. commissioner: the council, COMMISSIONER member of P1 and P2 (commissioner)
/// 2. provider A: PROVIDER member of P1 (provider)
/// 3. provider B: PROVIDER member of P1 and P2 (provider)
/// 4. viewer: a school, PARTNER of P1 (viewer)
/// 5. outsider: a COMMISSIONER user of a council that is a member of nothing (none)
/// 6. a COMMISSIONER user of provider A's organisation (viewer)
/// 7. a PROVIDER user of the council (viewer)
/// 8. a VIEWER user of provider A's organisation (viewer)
/// 9. a VIEWER user of the council (viewer)
/// 10. a PROVIDER user of an organisation that is a member of nothing (none)
///
/// One more caller is in every row without a column: a deactivated user of provider A, who
/// must get UNAUTHENTICATED for everything (§4.1).
struct Callers {
    all: [(&'static str, TestUser); CALLERS],
    inactive: TestUser,
}

impl Callers {
    async fn build(app: &TestApp, world: &World) -> Self {
        let org_a = world.provider_a.organisation_id;
        let council = world.commissioner.organisation_id;
        let unattached = app
            .organisation("Nithsdale Tutoring", OrganisationKind::Voluntary)
            .await;
        let inactive = app.user(org_a, UserRole::Provider).await;
        app.gql_ok(
            &world.admin.token,
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { active } } }",
            json!({ "input": { "id": inactive.id, "expectedVersion": 1, "active": false } }),
        )
        .await;
        Callers {
            all: [
                ("admin", world.admin.clone()),
                ("commissioner", world.commissioner.clone()),
                ("provider A", world.provider_a.clone()),
                ("provider B", world.provider_b.clone()),
                ("viewer", world.viewer.clone()),
                ("outsider", world.outsider.clone()),
                (
                    "commissioner user of provider A",
                    app.user(org_a, UserRole::Commissioner).await,
                ),
                (
                    "provider user of the council",
                    app.user(council, UserRole::Provider).await,
                ),
                (
                    "viewer user of provider A",
                    app.user(org_a, UserRole::Viewer).await,
                ),
                (
                    "viewer user of the council",
                    app.user(council, UserRole::Viewer).await,
                ),
                (
                    "provider without membership",
                    app.user(unattached, UserRole::Provider).await,
                ),
            ],
            inactive,
        }
    }
}

/// Everyone may.
const EVERYONE: [Outcome; CALLERS] = [A; CALLERS];
/// Admins only (organisations, users, areas, indicators); everyone else sees the thing.
const ADMINS: [Outcome; CALLERS] = [A, F, F, F, F, F, F, F, F, F, F];
/// Whoever sees P1: admins and every member organisation's users.
const P1_MEMBERS: [Outcome; CALLERS] = [A, A, A, A, A, N, A, A, A, A, N];
/// P1's managers (admins, its commissioners); its other members see it but may not.
const P1_MANAGERS: [Outcome; CALLERS] = [A, A, F, F, F, N, F, F, F, F, N];
/// Provider A's own drafts and their evidence: admins see them but may not write; to
/// everyone else they do not exist.
const A_DRAFTS: [Outcome; CALLERS] = [F, N, A, N, N, N, N, N, N, N, N];

/// The row a call acts on. Its id goes into `input.<field>` (and its current version into
/// `input.expectedVersion` for the versioned ones). The shared kinds are World rows that every
/// caller may act on in turn; the fresh kinds are made anew for each call, so each allowed
/// caller acts on its own.
#[derive(Clone, Copy)]
enum Subject {
    ProviderAOrganisation,
    ViewerUser,
    Confidence,
    P1,
    ProviderAMembership,
    DraftAgreement,
    ProposedTarget,
    InterventionA,
    DraftSubmission,
    ReadySubmission,
    WithdrawableSubmission,
    DraftStory,
    DraftRecord,
    ParticipantA1,
    /// A new organisation that is a member of nothing, for `organisationId`.
    FreshOrganisation,
    /// A new PARTNER member of P1 with no users.
    FreshLeavingMember,
    /// A new PROPOSED target of P1.
    FreshProposedTarget,
    /// A new DRAFT information-sharing protocol of P1 that nobody has signed, for
    /// `agreementId`. A draft replaces the previous draft of its kind; no other row drafts
    /// this kind.
    FreshDraftAgreement,
    /// A new participant of provider A enrolled in nothing, for `participantId`.
    FreshParticipant,
    /// A new enrolment in IA of a new participant of provider A whose sharing basis lets P1's
    /// commissioners read it.
    FreshEnrolment,
}

impl Subject {
    /// The input field the subject's id goes into.
    fn field(self) -> &'static str {
        match self {
            Subject::FreshOrganisation => "organisationId",
            Subject::FreshDraftAgreement => "agreementId",
            Subject::FreshParticipant => "participantId",
            _ => "id",
        }
    }

    /// The subject's id, and its current version if the input expects one. `n` is unique per
    /// call.
    async fn resolve(self, app: &TestApp, world: &World, n: usize) -> (String, Option<i32>) {
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
                (id, Some(row.version))
            }};
        }
        let commissioner = &world.commissioner;
        match self {
            Subject::ProviderAOrganisation => {
                version_of!(organisation, world.provider_a.organisation_id)
            }
            Subject::ViewerUser => version_of!(user, world.viewer.id),
            Subject::Confidence => version_of!(indicator, world.confidence),
            Subject::P1 => version_of!(partnership, world.p1),
            Subject::ProviderAMembership => version_of!(partnership_member, world.membership_a),
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
            Subject::FreshOrganisation => {
                let name = format!("Matrix organisation {n}");
                let id = app.organisation(&name, OrganisationKind::Voluntary).await;
                (id.to_string(), None)
            }
            Subject::FreshLeavingMember => {
                let name = format!("Matrix partner {n}");
                let organisation = app.organisation(&name, OrganisationKind::Health).await;
                let member = app
                    .add_member(commissioner, &world.p1, organisation, "PARTNER")
                    .await;
                version_of!(partnership_member, member)
            }
            Subject::FreshProposedTarget => {
                let data = app
                    .gql_ok(&commissioner.token,
                        "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
                        json!({ "input": { "partnershipId": world.p1, "indicatorId": world.confidence, "title": format!("Matrix target {n}"),
                            "aggregation": "MEAN_LATEST", "baselineValue": 4, "baselineDate": "2026-09-01", "targetValue": 6, "targetDate": "2027-07-01" } }))
                    .await;
                version_of!(
                    target,
                    data["createTarget"]["target"]["id"].as_str().unwrap()
                )
            }
            Subject::FreshDraftAgreement => {
                let data = app
                    .gql_ok(&commissioner.token,
                        "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
                        json!({ "input": { "partnershipId": world.p1, "kind": "INFORMATION_SHARING_PROTOCOL", "title": format!("Sharing protocol {n}"),
                            "body": "What each partner shares, and on what basis.", "effectiveFrom": "2027-01-01", "reviewDue": "2028-01-01" } }))
                    .await;
                let id = data["createAgreement"]["agreement"]["id"].as_str().unwrap();
                (id.to_owned(), None)
            }
            Subject::FreshParticipant => {
                let reference = format!("MATRIX-{n}");
                let sharing = json!({ "sharingBasis": "NONE" });
                let id = app
                    .participant(&world.provider_a, &reference, sharing)
                    .await;
                (id, None)
            }
            Subject::FreshEnrolment => {
                let reference = format!("MATRIX-{n}");
                let sharing = json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Child's plan review" });
                let participant = app
                    .participant(&world.provider_a, &reference, sharing)
                    .await;
                let enrolment = app.enrol(&world.provider_a, &participant, &world.ia).await;
                version_of!(enrolment, enrolment)
            }
        }
    }
}

struct Row {
    operation: &'static str,
    document: &'static str,
    /// Variables for the call numbered `n` (unique per call, so creates do not collide).
    variables: fn(&World, usize) -> Value,
    subject: Option<Subject>,
    /// A CSV file sent with the request (GraphQL multipart) as `variables.input.file`.
    upload: Option<&'static str>,
    /// Per caller, in the order of [`Callers`].
    expected: [Outcome; CALLERS],
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            operation: "me",
            document: "{ me { id } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "users",
            document: "{ users { totalCount } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "areas",
            document: "{ areas { code } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "indicators",
            document: "{ indicators { id } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "indicator",
            document: "query($id: ID!) { indicator(id: $id) { code } }",
            variables: |w, _| json!({ "id": w.confidence }),
            subject: None,
            upload: None,
            // The indicator library is reference data: every signed-in user reads it.
            expected: EVERYONE,
        },
        Row {
            operation: "organisations",
            document: "{ organisations { totalCount } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "organisation",
            document: "query($id: ID!) { organisation(id: $id) { name } }",
            variables: |w, _| json!({ "id": w.provider_a.organisation_id }),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "partnerships",
            document: "{ partnerships { totalCount } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "partnership",
            document: "query($id: ID!) { partnership(id: $id) { myRole } }",
            variables: |w, _| json!({ "id": w.p1 }),
            subject: None,
            upload: None,
            expected: P1_MEMBERS,
        },
        Row {
            operation: "intervention",
            document: "query($id: ID!) { intervention(id: $id) { name } }",
            variables: |w, _| json!({ "id": w.ia }),
            subject: None,
            upload: None,
            expected: P1_MEMBERS,
        },
        Row {
            operation: "participant",
            document: "query($id: ID!) { participant(id: $id) { reference } }",
            variables: |w, _| json!({ "id": w.a1 }),
            subject: None,
            upload: None,
            // Participant-level rows follow the user's role, not the organisation's: only the
            // owning provider's PROVIDER users and the commissioning organisation's
            // COMMISSIONER users read A1.
            expected: [A, A, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "participant",
            document: "query($id: ID!) { participant(id: $id) { reference } }",
            // A2's sharing basis is NONE: its commissioner gets aggregates, never the row.
            variables: |w, _| json!({ "id": w.a2 }),
            subject: None,
            upload: None,
            expected: [A, N, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "participants",
            document: "{ participants { totalCount } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "auditEvents",
            document: "{ auditEvents { totalCount } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            // Admins and COMMISSIONER users (each reads its own partnerships' events).
            expected: [A, A, F, F, F, A, A, F, F, F, F],
        },
        Row {
            operation: "outcomeSummary",
            document: "query($input: OutcomeSummaryInput!) { outcomeSummary(input: $input) { cells { participants suppressed } } }",
            variables: |w, _| json!({ "input": { "indicatorId": w.confidence, "partnershipId": w.p1, "groupBy": ["INTERVENTION"] } }),
            subject: None,
            upload: None,
            // Aggregates of a partnership: every member, under disclosure control (§4.3).
            expected: P1_MEMBERS,
        },
        Row {
            operation: "outcomeTrend",
            document: "query($input: OutcomeTrendInput!) { outcomeTrend(input: $input) { cells { bucket suppressed } } }",
            variables: |w, _| json!({ "input": { "indicatorId": w.confidence, "partnershipId": w.p1, "bucket": "QUARTER" } }),
            subject: None,
            upload: None,
            expected: P1_MEMBERS,
        },
        Row {
            operation: "targetProgress",
            document: "query($id: ID!) { targetProgress(partnershipId: $id) { status suppressed } }",
            variables: |w, _| json!({ "id": w.p1 }),
            subject: None,
            upload: None,
            expected: P1_MEMBERS,
        },
        Row {
            operation: "serviceCoverage",
            document: "{ serviceCoverage { areaCode participantsEnrolled suppressed } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            // Counts only: any signed-in user (§4.3).
            expected: EVERYONE,
        },
        Row {
            operation: "createOrganisation",
            document: "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
            variables: |_, n| json!({ "input": { "name": format!("New organisation {n}"), "kind": "OTHER", "sector": "PRIVATE", "areaCode": "S12000030" } }),
            subject: None,
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "updateOrganisation",
            document: "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { id } } }",
            variables: |_, n| json!({ "input": { "charityNumber": format!("SC{n:06}") } }),
            subject: Some(Subject::ProviderAOrganisation),
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "createUser",
            document: "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            variables: |w, n| json!({ "input": { "email": format!("new{n}@example.org"), "displayName": "New", "organisationId": w.provider_a.organisation_id, "role": "VIEWER" } }),
            subject: None,
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "updateUser",
            document: "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }",
            variables: |_, n| json!({ "input": { "displayName": format!("Viewer {n}") } }),
            subject: Some(Subject::ViewerUser),
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "createArea",
            document: "mutation($input: CreateAreaInput!) { createArea(input: $input) { area { code } } }",
            variables: |_, n| json!({ "input": { "code": format!("T{n:08}"), "name": format!("Test area {n}") } }),
            subject: None,
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "createIndicator",
            document: "mutation($input: CreateIndicatorInput!) { createIndicator(input: $input) { indicator { id } } }",
            variables: |_, n| {
                json!({ "input": { "code": format!("MATRIX_{n}"), "name": "Hope", "description": "How hopeful the young person feels.",
                "kind": "SOFT", "unit": "SCORE", "scaleMin": 1, "scaleMax": 10, "higherIsBetter": true } })
            },
            subject: None,
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "updateIndicator",
            document: "mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { indicator { id } } }",
            variables: |_, n| json!({ "input": { "description": format!("How confident the young person feels (revision {n}).") } }),
            subject: Some(Subject::Confidence),
            upload: None,
            expected: ADMINS,
        },
        Row {
            operation: "createPartnership",
            document: "mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) { partnership { id } } }",
            variables: |_, n| json!({ "input": { "name": format!("Partnership {n}"), "purpose": "Shared aims.", "kind": "STRATEGIC_PLANNING", "areaCode": "S12000006", "startDate": "2027-01-01", "responsibilities": "Leads." } }),
            subject: None,
            upload: None,
            // Any COMMISSIONER user (and admins), whatever its organisation's memberships.
            expected: [A, A, F, F, F, A, A, F, F, F, F],
        },
        Row {
            operation: "updatePartnership",
            document: "mutation($input: UpdatePartnershipInput!) { updatePartnership(input: $input) { partnership { id } } }",
            variables: |_, n| json!({ "input": { "purpose": format!("Shared aims, revision {n}.") } }),
            subject: Some(Subject::P1),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "addPartnershipMember",
            document: "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
            variables: |w, _| json!({ "input": { "partnershipId": w.p1, "role": "PARTNER", "responsibilities": "Shares practice." } }),
            subject: Some(Subject::FreshOrganisation),
            upload: None,
            expected: P1_MANAGERS,
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
            subject: None,
            upload: None,
            // Its commissioners for any provider member, the provider itself for its own.
            expected: [A, A, A, F, F, N, F, F, F, F, N],
        },
        Row {
            operation: "updateIntervention",
            document: "mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { intervention { id } } }",
            variables: |_, n| json!({ "input": { "description": format!("Weekly, revision {n}.") } }),
            subject: Some(Subject::InterventionA),
            upload: None,
            expected: [A, A, A, F, F, N, F, F, F, F, N],
        },
        Row {
            operation: "createParticipant",
            document: "mutation($input: CreateParticipantInput!) { createParticipant(input: $input) { participant { id } } }",
            variables: |_, n| json!({ "input": { "reference": format!("NEW-{n}"), "birthYear": 2014, "areaCode": "S12000006", "sharingBasis": "NONE" } }),
            subject: None,
            upload: None,
            // A participant belongs to the organisation of the PROVIDER user who records it,
            // whatever that organisation's memberships; nobody else records them.
            expected: [F, F, A, A, F, F, F, A, F, F, A],
        },
        Row {
            operation: "updateParticipant",
            document: "mutation($input: UpdateParticipantInput!) { updateParticipant(input: $input) { participant { id } } }",
            variables: |_, n| json!({ "input": { "lookedAfter": n % 2 == 0 } }),
            subject: Some(Subject::ParticipantA1),
            upload: None,
            // Those who may see A1 but do not own it are refused; the rest do not see it.
            expected: [F, F, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "enrolParticipant",
            document: "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            variables: |w, _| json!({ "input": { "interventionId": w.ia, "referredOn": "2027-01-04", "referralSource": "SCHOOL", "startedOn": "2027-01-11" } }),
            subject: Some(Subject::FreshParticipant),
            upload: None,
            // A participant enrolled nowhere yet is its provider's alone.
            expected: [F, N, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "endEnrolment",
            document: "mutation($input: EndEnrolmentInput!) { endEnrolment(input: $input) { enrolment { id } } }",
            variables: |_, _| json!({ "input": { "endedOn": "2027-06-30", "exitReason": "COMPLETED" } }),
            subject: Some(Subject::FreshEnrolment),
            upload: None,
            // P1's commissioner reads the enrolment (its sharing basis allows) but may not end it.
            expected: [F, F, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "submission",
            document: "query($id: ID!) { submission(id: $id) { status } }",
            variables: |w, _| json!({ "id": w.draft_submission }),
            subject: None,
            upload: None,
            // A draft is its provider's alone; commissioners see it once submitted.
            expected: [A, N, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "createSubmission",
            document: "mutation($input: CreateSubmissionInput!) { createSubmission(input: $input) { submission { id } } }",
            variables: |w, _| json!({ "input": { "interventionId": w.ia, "periodStart": "2027-01-05", "periodEnd": "2027-03-31", "narrative": "Spring term." } }),
            subject: None,
            upload: None,
            // Evidence is written by the PROVIDER users of the organisation that delivers the
            // service; other users of that organisation are viewers in the partnership.
            expected: [F, F, A, F, F, N, F, F, F, F, N],
        },
        Row {
            operation: "updateSubmission",
            document: "mutation($input: UpdateSubmissionInput!) { updateSubmission(input: $input) { submission { id } } }",
            variables: |_, n| json!({ "input": { "narrative": format!("Autumn term, revision {n}.") } }),
            subject: Some(Subject::DraftSubmission),
            upload: None,
            expected: A_DRAFTS,
        },
        Row {
            operation: "submissions",
            document: "{ submissions { totalCount } }",
            variables: |_, _| json!({}),
            subject: None,
            upload: None,
            expected: EVERYONE,
        },
        Row {
            operation: "submission",
            document: "query($id: ID!) { submission(id: $id) { status stories { nodes { id } } comments { id } } }",
            variables: |w, _| json!({ "id": w.accepted_submission }),
            subject: None,
            upload: None,
            // Accepted evidence is for the whole partnership.
            expected: P1_MEMBERS,
        },
        Row {
            operation: "submitSubmission",
            document: "mutation($input: SubmitSubmissionInput!) { submitSubmission(input: $input) { submission { id } } }",
            variables: |_, _| json!({ "input": {} }),
            subject: Some(Subject::ReadySubmission),
            upload: None,
            expected: A_DRAFTS,
        },
        Row {
            operation: "withdrawSubmission",
            document: "mutation($input: WithdrawSubmissionInput!) { withdrawSubmission(input: $input) { submission { id } } }",
            variables: |_, _| json!({ "input": {} }),
            subject: Some(Subject::WithdrawableSubmission),
            upload: None,
            // Submitted, so its commissioner sees it (and may not withdraw it).
            expected: [F, F, A, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "reviewSubmission",
            document: "mutation($input: ReviewSubmissionInput!) { reviewSubmission(input: $input) { comment { id } } }",
            variables: |w, n| json!({ "input": { "submissionId": w.submitted_submission, "decision": "COMMENT", "comment": format!("Please add the exit scores ({n}).") } }),
            subject: None,
            upload: None,
            // A comment leaves the submission as it was, so every allowed caller comments on
            // the same one.
            expected: [A, A, F, N, N, N, N, N, N, N, N],
        },
        Row {
            operation: "addStory",
            document: "mutation($input: AddStoryInput!) { addStory(input: $input) { story { id } } }",
            variables: |w, n| json!({ "input": { "submissionId": w.draft_submission, "title": format!("A good week {n}"), "body": "I went every day.", "consentToShare": false } }),
            subject: None,
            upload: None,
            expected: A_DRAFTS,
        },
        Row {
            operation: "updateStory",
            document: "mutation($input: UpdateStoryInput!) { updateStory(input: $input) { story { id } } }",
            variables: |_, n| json!({ "input": { "title": format!("A good week, revision {n}") } }),
            subject: Some(Subject::DraftStory),
            upload: None,
            expected: A_DRAFTS,
        },
        Row {
            operation: "deleteStory",
            document: "mutation($input: DeleteStoryInput!) { deleteStory(input: $input) { story { id } } }",
            variables: |w, _| json!({ "input": { "id": w.story_to_delete } }),
            subject: None,
            upload: None,
            expected: A_DRAFTS,
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
            subject: None,
            upload: None,
            // Evidence is written by the provider that delivers the service, and drafts are its own.
            expected: A_DRAFTS,
        },
        Row {
            operation: "updateOutcomeRecord",
            document: "mutation($input: UpdateOutcomeRecordInput!) { updateOutcomeRecord(input: $input) { record { id } } }",
            variables: |_, n| json!({ "input": { "value": 1 + n % 9 } }),
            subject: Some(Subject::DraftRecord),
            upload: None,
            expected: A_DRAFTS,
        },
        Row {
            operation: "deleteOutcomeRecord",
            document: "mutation($input: DeleteOutcomeRecordInput!) { deleteOutcomeRecord(input: $input) { record { id } } }",
            variables: |w, _| json!({ "input": { "id": w.spare_record } }),
            subject: None,
            upload: None,
            expected: A_DRAFTS,
        },
        Row {
            operation: "importOutcomeRecordsCsv",
            document: "mutation($input: ImportOutcomeRecordsCsvInput!) { importOutcomeRecordsCsv(input: $input) { recordCount } }",
            variables: |w, _| json!({ "input": { "submissionId": w.evidence_submission, "file": null, "dryRun": true } }),
            subject: None,
            upload: Some(
                "participant_reference,indicator_code,phase,observed_on,value,source\nCR-001,CONFIDENCE,INTERIM,2027-03-30,5,PROVIDER\n",
            ),
            expected: A_DRAFTS,
        },
        Row {
            operation: "updatePartnershipMember",
            document: "mutation($input: UpdatePartnershipMemberInput!) { updatePartnershipMember(input: $input) { member { id } } }",
            variables: |_, n| json!({ "input": { "responsibilities": format!("Delivers the day programme (revision {n}).") } }),
            subject: Some(Subject::ProviderAMembership),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "removePartnershipMember",
            document: "mutation($input: RemovePartnershipMemberInput!) { removePartnershipMember(input: $input) { member { id } } }",
            variables: |_, _| json!({ "input": {} }),
            subject: Some(Subject::FreshLeavingMember),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "recordPartnershipReview",
            document: "mutation($input: RecordPartnershipReviewInput!) { recordPartnershipReview(input: $input) { partnership { id } } }",
            variables: |_, _| json!({ "input": { "notes": "Reviewed aims and roles; no changes." } }),
            subject: Some(Subject::P1),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "createAgreement",
            document: "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
            variables: |w, _| json!({ "input": { "partnershipId": w.p1, "kind": "PRACTICE_PROTOCOL", "title": "Practice protocol", "body": "Who does what.", "effectiveFrom": "2027-01-01", "reviewDue": "2028-01-01" } }),
            subject: None,
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "updateAgreement",
            document: "mutation($input: UpdateAgreementInput!) { updateAgreement(input: $input) { agreement { id } } }",
            variables: |_, n| json!({ "input": { "body": format!("Who does what, revision {n}.") } }),
            subject: Some(Subject::DraftAgreement),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "signAgreement",
            document: "mutation($input: SignAgreementInput!) { signAgreement(input: $input) { agreement { id } } }",
            variables: |_, _| json!({ "input": {} }),
            subject: Some(Subject::FreshDraftAgreement),
            upload: None,
            // Any active user of a member organisation signs for it, whatever the user's role;
            // an admin's organisation is not a member, so an admin has nothing to sign for.
            expected: [F, A, A, A, A, N, A, A, A, A, N],
        },
        Row {
            operation: "createTarget",
            document: "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
            variables: |w, n| json!({ "input": { "partnershipId": w.p1, "indicatorId": w.confidence, "title": format!("Confidence {n}"), "aggregation": "MEAN_CHANGE", "baselineValue": 0, "baselineDate": "2026-09-01", "targetValue": 2, "targetDate": "2027-07-01" } }),
            subject: None,
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "updateTarget",
            document: "mutation($input: UpdateTargetInput!) { updateTarget(input: $input) { target { id } } }",
            variables: |_, n| json!({ "input": { "title": format!("Confidence grows, revision {n}") } }),
            subject: Some(Subject::ProposedTarget),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "agreeTarget",
            document: "mutation($input: AgreeTargetInput!) { agreeTarget(input: $input) { target { id } } }",
            variables: |_, _| json!({ "input": {} }),
            subject: Some(Subject::FreshProposedTarget),
            upload: None,
            expected: P1_MANAGERS,
        },
        Row {
            operation: "retireTarget",
            document: "mutation($input: RetireTargetInput!) { retireTarget(input: $input) { target { id } } }",
            variables: |_, _| json!({ "input": {} }),
            subject: Some(Subject::FreshProposedTarget),
            upload: None,
            expected: P1_MANAGERS,
        },
    ]
}

/// Whether a subscriber hears of a change. A subscription refuses nothing: an event about what
/// the caller may not see never arrives.
const HEARS: bool = true;
const H: bool = HEARS;
const S: bool = !HEARS;

/// The change a subscription row listens for, made once every caller listens.
#[derive(Clone, Copy)]
enum Trigger {
    /// Provider A submits its ready submission.
    Submit,
    /// The commissioner comments on the submitted submission.
    Comment,
    /// The commissioner accepts the submitted submission.
    Accept,
}

impl Trigger {
    async fn fire(self, app: &TestApp, world: &World) {
        let review = |decision| {
            app.review(
                &world.commissioner,
                &world.submitted_submission,
                decision,
                Some("Seen by the matrix."),
            )
        };
        match self {
            Trigger::Submit => app.submit(&world.provider_a, &world.ready_submission).await,
            Trigger::Comment => assert!(review("COMMENT").await.get("errors").is_none()),
            Trigger::Accept => assert!(review("ACCEPT").await.get("errors").is_none()),
        }
    }
}

struct SubscriptionRow {
    operation: &'static str,
    document: &'static str,
    variables: fn(&World) -> Value,
    trigger: Trigger,
    /// Per caller, in the order of [`Callers`]: whether the event reaches them.
    expected: [bool; CALLERS],
}

fn subscription_rows() -> Vec<SubscriptionRow> {
    vec![
        SubscriptionRow {
            operation: "submissionChanged",
            document: "subscription($p: ID) { submissionChanged(partnershipId: $p) { id } }",
            variables: |world| json!({ "p": world.p1 }),
            trigger: Trigger::Submit,
            // Its provider and P1's commissioners; the others see only ACCEPTED evidence.
            expected: [H, H, H, S, S, S, S, S, S, S, S],
        },
        SubscriptionRow {
            operation: "commentAdded",
            document: "subscription($s: ID!) { commentAdded(submissionId: $s) { id } }",
            variables: |world| json!({ "s": world.submitted_submission }),
            trigger: Trigger::Comment,
            // The review is between its provider and P1's commissioners.
            expected: [H, H, H, S, S, S, S, S, S, S, S],
        },
        SubscriptionRow {
            operation: "outcomesChanged",
            document: "subscription($p: ID!) { outcomesChanged(partnershipId: $p) { id } }",
            variables: |world| json!({ "p": world.p1 }),
            trigger: Trigger::Accept,
            // Whoever sees P1's dashboards.
            expected: [H, H, H, H, H, S, H, H, H, H, S],
        },
    ]
}

/// The root fields of `type Query`, `type Mutation` and `type Subscription` in the SDL.
fn schema_operations() -> BTreeSet<String> {
    let sdl = api::server::schema::sdl();
    let mut operations = BTreeSet::new();
    for root in ["type Query {", "type Mutation {", "type Subscription {"] {
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
    let in_matrix: BTreeSet<String> = rows()
        .iter()
        .map(|row| row.operation)
        .chain(subscription_rows().iter().map(|row| row.operation))
        .map(str::to_owned)
        .collect();
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
    let never_allowed: Vec<_> = rows()
        .iter()
        .filter(|row| !row.expected.contains(&A))
        .map(|row| row.operation)
        .collect();
    let never_heard: Vec<_> = subscription_rows()
        .iter()
        .filter(|row| !row.expected.contains(&HEARS))
        .map(|row| row.operation)
        .collect();
    assert!(
        never_allowed.is_empty() && never_heard.is_empty(),
        "rows that prove only refusals: {never_allowed:?} {never_heard:?}"
    );
}

/// What one response says about access. Allowed: no error, and the operation's field holds
/// data. Refused: every error carries the same code (FORBIDDEN, NOT_FOUND or UNAUTHENTICATED)
/// and the field is null. Anything else (an error without a code, another code, data beside an
/// error, no data without an error) is a failure, described.
fn outcome_of(body: &Value, operation: &str) -> Result<Outcome, String> {
    let data = &body["data"][operation];
    let Some(errors) = body.get("errors") else {
        return match data {
            Value::Null => Err(format!("no error, but no data either: {body}")),
            _ => Ok(A),
        };
    };
    let codes: Vec<Option<&str>> = errors
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| error["extensions"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let refusal = match codes.first() {
        Some(Some("FORBIDDEN")) => F,
        Some(Some("NOT_FOUND")) => N,
        Some(Some("UNAUTHENTICATED")) => Outcome::Unauthenticated,
        _ => return Err(format!("not an access decision: {body}")),
    };
    if codes.iter().any(|code| *code != codes[0]) || !data.is_null() {
        return Err(format!("a refusal mixed with something else: {body}"));
    }
    Ok(refusal)
}

async fn the_matrix_holds(app: TestApp) {
    let world = World::build(&app).await;
    let callers = Callers::build(&app, &world).await;
    let mut failures = Vec::new();
    for (row_number, row) in rows().iter().enumerate() {
        let mut calls: Vec<(&str, &TestUser, Outcome)> = callers
            .all
            .iter()
            .zip(row.expected)
            .map(|((label, user), expected)| (*label, user, expected))
            .collect();
        calls.push(("inactive user", &callers.inactive, Outcome::Unauthenticated));
        // Refused callers first, so an allowed write cannot change what a refusal would see.
        calls.sort_by_key(|(_, _, expected)| *expected == A);
        for (call, (label, user, expected)) in calls.into_iter().enumerate() {
            let n = row_number * 100 + call;
            let mut variables = (row.variables)(&world, n);
            if let Some(subject) = row.subject {
                let (id, version) = subject.resolve(&app, &world, n).await;
                variables["input"][subject.field()] = json!(id);
                if let Some(version) = version {
                    variables["input"]["expectedVersion"] = json!(version);
                }
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
            match outcome_of(&body, row.operation) {
                Ok(outcome) if outcome == expected => {}
                Ok(outcome) => failures.push(format!(
                    "{} as {label}: expected {expected:?}, got {outcome:?} {body}",
                    row.operation
                )),
                Err(message) => failures.push(format!(
                    "{} as {label} (expected {expected:?}): {message}",
                    row.operation
                )),
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

/// Each subscription's event reaches exactly the callers its row names, each of whom gets the
/// object without an error; a deactivated user's socket is refused outright.
async fn every_subscription_reaches_exactly_its_audience(app: TestApp) {
    let world = World::build(&app).await;
    let callers = Callers::build(&app, &world).await;
    let inactive = json!({ "token": callers.inactive.token });
    let inactive = app.live_socket().await.initialise(inactive).await;
    assert!(matches!(inactive, Heard::Closed(4403, _)), "{inactive:?}");
    let mut failures = Vec::new();
    for row in subscription_rows() {
        let mut listening = Vec::new();
        for ((label, user), hears) in callers.all.iter().zip(row.expected) {
            let socket = app
                .subscribed(&user.token, "matrix", row.document, (row.variables)(&world))
                .await;
            listening.push((*label, socket, hears));
        }
        row.trigger.fire(&app, &world).await;
        // Those who hear first: once they have, the event has reached everyone it will.
        listening.sort_by_key(|(_, _, hears)| !*hears);
        let mut silence_waited = false;
        for (label, socket, hears) in &mut listening {
            let heard = if *hears {
                socket.next(ARRIVES_WITHIN).await
            } else {
                if !std::mem::replace(&mut silence_waited, true) {
                    tokio::time::sleep(SILENCE).await;
                }
                socket.next(Duration::ZERO).await
            };
            let delivered = |message: &Value| {
                message["type"] == "next"
                    && message["payload"].get("errors").is_none()
                    && message["payload"]["data"][row.operation]["id"].is_string()
            };
            match (&heard, *hears) {
                (Heard::Message(message), HEARS) if delivered(message) => {}
                (Heard::Nothing, S) => {}
                _ => failures.push(format!(
                    "{} as {label}: expected {}, heard {heard:?}",
                    row.operation,
                    if *hears { "the event" } else { "nothing" }
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells of the subscription matrix failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_databases!(
    the_matrix_holds,
    every_subscription_reaches_exactly_its_audience
);
