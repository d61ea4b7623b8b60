//! The practitioners' four scenarios (shared/seeds), played end to end through the API as the
//! partners would: a partnership with its shared aims, members who write down exactly what
//! they will do, an agreement every member signs, agreed targets, services with the indicators
//! they report on, and young people enrolled.

use entity::enums::{OrganisationKind, UserRole};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, fixtures::TestUser},
};

struct Member {
    name: &'static str,
    kind: OrganisationKind,
    role: &'static str,
    responsibilities: &'static str,
}

struct Scenario {
    partnership: &'static str,
    kind: &'static str,
    purpose: &'static str,
    agreement: &'static str,
    provider: Member,
    others: Vec<Member>,
    category: &'static str,
    indicators: [&'static str; 2],
    /// (indicator, aggregation, baseline, target)
    target: (&'static str, &'static str, f64, f64),
    /// How each young person's information may be shared.
    sharing: Value,
    looked_after: bool,
}

const PARTNERSHIP: &str = "query($id: ID!) { partnership(id: $id) {
    kind status
    members { role responsibilities organisation { name } }
    agreements { status awaitingSignatureFrom { name } signatures { organisation { name } } }
    targets { state aggregation indicator { code } }
    interventions { nodes { status indicators { code } enrolments { nodes { participant { lookedAfter } } } } }
} }";

async fn user_of(app: &TestApp, member: &Member) -> TestUser {
    let organisation = app.organisation(member.name, member.kind).await;
    let role = match member.role {
        "COMMISSIONER" => UserRole::Commissioner,
        "PROVIDER" => UserRole::Provider,
        _ => UserRole::Viewer,
    };
    app.user(organisation, role).await
}

async fn play(app: &TestApp, scenario: Scenario) -> Value {
    let council = app.commissioner("Dumfries and Galloway Council").await;
    let created = app
        .gql_ok(&council.token, "mutation($input: CreatePartnershipInput!) { createPartnership(input: $input) { partnership { id version } } }",
            json!({ "input": { "name": scenario.partnership, "purpose": scenario.purpose, "kind": scenario.kind,
                "areaCode": "S12000006", "startDate": "2026-08-15",
                "responsibilities": "Chairs the partnership, funds the service and reviews the evidence each term." } }))
        .await;
    let partnership = created["createPartnership"]["partnership"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(&council.token, "mutation($input: UpdatePartnershipInput!) { updatePartnership(input: $input) { partnership { status } } }",
        json!({ "input": { "id": partnership, "expectedVersion": 1, "status": "ACTIVE" } }))
        .await;

    let provider = user_of(app, &scenario.provider).await;
    join(app, &council, &partnership, &scenario.provider, &provider).await;
    let mut signers = vec![council.clone(), provider.clone()];
    for member in &scenario.others {
        let user = user_of(app, member).await;
        join(app, &council, &partnership, member, &user).await;
        signers.push(user);
    }

    let agreement = app
        .gql_ok(&council.token, "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { agreement { id } } }",
            json!({ "input": { "partnershipId": partnership, "kind": scenario.agreement, "title": format!("{} agreement", scenario.partnership),
                "body": "## Shared aims\nWritten down in plain language.\n\n## Who does what\nAs each member's responsibilities say.",
                "effectiveFrom": "2026-09-01", "reviewDue": "2027-09-01" } }))
        .await["createAgreement"]["agreement"]["id"].clone();
    for signer in &signers {
        app.gql_ok(&signer.token, "mutation($input: SignAgreementInput!) { signAgreement(input: $input) { agreement { status } } }",
            json!({ "input": { "agreementId": agreement } }))
            .await;
    }

    let (code, aggregation, baseline, target_value) = scenario.target;
    let indicator = app.indicator_id(&council, code).await;
    let target = app
        .gql_ok(&council.token, "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id version } } }",
            json!({ "input": { "partnershipId": partnership, "indicatorId": indicator, "title": format!("{code} target"), "aggregation": aggregation,
                "baselineValue": baseline, "baselineDate": "2026-09-01", "targetValue": target_value, "targetDate": "2027-07-01" } }))
        .await["createTarget"]["target"].clone();
    app.gql_ok(
        &council.token,
        "mutation($input: AgreeTargetInput!) { agreeTarget(input: $input) { target { state } } }",
        json!({ "input": { "id": target["id"], "expectedVersion": target["version"] } }),
    )
    .await;

    let mut indicator_ids = Vec::new();
    for code in scenario.indicators {
        indicator_ids.push(app.indicator_id(&council, code).await);
    }
    let intervention = app
        .gql_ok(&provider.token, "mutation($input: CreateInterventionInput!) { createIntervention(input: $input) { intervention { id } } }",
            json!({ "input": { "partnershipId": partnership, "providerId": provider.organisation_id, "name": format!("{} service", scenario.partnership),
                "description": "Small groups, three days a week, with a key worker for each young person.", "category": scenario.category,
                "areaCode": "S12000006", "startDate": "2026-09-01", "capacity": 12, "indicatorIds": indicator_ids } }))
        .await["createIntervention"]["intervention"]["id"].clone();
    app.gql_ok(&provider.token, "mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { intervention { status } } }",
        json!({ "input": { "id": intervention, "expectedVersion": 1, "status": "ACTIVE" } }))
        .await;
    for n in 1..=3 {
        let mut input = json!({ "reference": format!("YP-{n:03}"), "birthYear": 2012, "lookedAfter": scenario.looked_after, "areaCode": "S12000006" });
        input
            .as_object_mut()
            .unwrap()
            .extend(scenario.sharing.as_object().unwrap().clone());
        let participant = app
            .gql_ok(&provider.token, "mutation($input: CreateParticipantInput!) { createParticipant(input: $input) { participant { id } } }", json!({ "input": input }))
            .await["createParticipant"]["participant"]["id"].clone();
        app.gql_ok(&provider.token, "mutation($input: EnrolParticipantInput!) { enrolParticipant(input: $input) { enrolment { id } } }",
            json!({ "input": { "participantId": participant, "interventionId": intervention, "referredOn": "2026-09-01", "referralSource": "SCHOOL", "startedOn": "2026-09-08" } }))
            .await;
    }

    app.gql_ok(&council.token, PARTNERSHIP, json!({ "id": partnership }))
        .await["partnership"]
        .clone()
}

/// The council adds `user`'s organisation with the member's written responsibilities.
async fn join(
    app: &TestApp,
    council: &TestUser,
    partnership: &str,
    member: &Member,
    user: &TestUser,
) {
    app.gql_ok(&council.token, "mutation($input: AddPartnershipMemberInput!) { addPartnershipMember(input: $input) { member { id } } }",
        json!({ "input": { "partnershipId": partnership, "organisationId": user.organisation_id, "role": member.role, "responsibilities": member.responsibilities } }))
        .await;
}

/// What every scenario must end with: written roles, an agreement all members signed, an agreed
/// target, an active service reporting on its indicators, and young people enrolled in it.
fn assert_partnership_works(
    partnership: &Value,
    members: usize,
    (target_code, aggregation): (&str, &str),
) {
    assert_eq!(partnership["status"], "ACTIVE");
    let listed = partnership["members"].as_array().unwrap();
    assert_eq!(listed.len(), members);
    assert!(
        listed
            .iter()
            .all(|m| m["responsibilities"].as_str().is_some_and(|r| r.len() > 20)),
        "every member's role is written down"
    );
    let agreement = &partnership["agreements"][0];
    assert_eq!(agreement["status"], "AGREED");
    assert_eq!(agreement["awaitingSignatureFrom"], json!([]));
    assert_eq!(
        agreement["signatures"].as_array().unwrap().len(),
        members,
        "every member signed"
    );
    assert_eq!(
        partnership["targets"],
        json!([{ "state": "AGREED", "aggregation": aggregation, "indicator": { "code": target_code } }])
    );
    let intervention = &partnership["interventions"]["nodes"][0];
    assert_eq!(intervention["status"], "ACTIVE");
    assert_eq!(intervention["indicators"].as_array().unwrap().len(), 2);
    assert_eq!(
        intervention["enrolments"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "the commissioner sees the shared records"
    );
}

async fn a_one_way_ticket_becomes_a_return_to_school(app: TestApp) {
    let partnership = play(&app, Scenario {
        partnership: "Crannog Plus", kind: "SERVICE_DELIVERY", agreement: "SERVICE_LEVEL_AGREEMENT",
        purpose: "Pupils in alternative education return to their mainstream school, which keeps ownership of them.",
        provider: Member { name: "Aberlour Crannog", kind: OrganisationKind::Voluntary, role: "PROVIDER", responsibilities: "Runs the Crannog day programme and plans each pupil's return with the school." },
        others: vec![Member { name: "Dumfries Academy", kind: OrganisationKind::School, role: "PARTNER", responsibilities: "Keeps each pupil on its roll and agrees a phased return date." }],
        category: "ALTERNATIVE_EDUCATION", indicators: ["REINTEGRATED_MAINSTREAM", "ATTENDANCE_PCT"],
        target: ("REINTEGRATED_MAINSTREAM", "PERCENT_ACHIEVED", 20.0, 60.0),
        sharing: json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Education authority's duty to plan the pupil's return." }),
        looked_after: false,
    }).await;
    assert_partnership_works(
        &partnership,
        3,
        ("REINTEGRATED_MAINSTREAM", "PERCENT_ACHIEVED"),
    );
}

async fn the_whole_school_community_supports_transition(app: TestApp) {
    let partnership = play(&app, Scenario {
        partnership: "Moving Up", kind: "SERVICE_DELIVERY", agreement: "PARTNERSHIP_AGREEMENT",
        purpose: "Vulnerable pupils move from primary to secondary school feeling safe, with their parents involved from the start.",
        provider: Member { name: "Solway Youth Work", kind: OrganisationKind::Voluntary, role: "PROVIDER", responsibilities: "Visits each family at home first and runs weekly transition groups." },
        others: vec![
            Member { name: "Lochside Primary", kind: OrganisationKind::School, role: "PARTNER", responsibilities: "Refers pupils and shares the evaluation with class teachers." },
            Member { name: "Dumfries High", kind: OrganisationKind::School, role: "PARTNER", responsibilities: "Names a guidance teacher and meets the provider weekly about each pupil." },
        ],
        category: "TRANSITION_SUPPORT", indicators: ["FEELING_SAFE", "FEELING_LISTENED_TO"],
        target: ("FEELING_SAFE", "MEAN_CHANGE", 0.0, 2.0),
        sharing: json!({ "sharingBasis": "CONSENT", "sharingReason": "Family agreed at the home visit.", "consentGivenBy": "PARENT_CARER" }),
        looked_after: false,
    }).await;
    assert_partnership_works(&partnership, 4, ("FEELING_SAFE", "MEAN_CHANGE"));
}

async fn shared_aims_overcome_inertia(app: TestApp) {
    let partnership = play(&app, Scenario {
        partnership: "Raising Attainment Together", kind: "STRATEGIC_PLANNING", agreement: "PARTNERSHIP_AGREEMENT",
        purpose: "Raise attainment by agreeing aims from our shared values before we plan any activity.",
        provider: Member { name: "Nithsdale Community Education", kind: OrganisationKind::CommunityEducation, role: "PROVIDER", responsibilities: "Runs after-school study clubs in the three secondary schools." },
        others: vec![
            Member { name: "Dumfries Social Work", kind: OrganisationKind::SocialWork, role: "PARTNER", responsibilities: "Identifies young people at risk of falling behind and joins termly reviews." },
            Member { name: "Galloway Mentors", kind: OrganisationKind::Voluntary, role: "PARTNER", responsibilities: "Offers a mentor to every club member who wants one." },
        ],
        category: "YOUTH_WORK", indicators: ["ATTENDANCE_PCT", "ENGAGEMENT_LEARNING"],
        target: ("ATTENDANCE_PCT", "MEAN_LATEST", 82.0, 90.0),
        sharing: json!({ "sharingBasis": "PUBLIC_TASK", "sharingReason": "Council's duty to improve attainment." }),
        looked_after: false,
    }).await;
    assert_partnership_works(&partnership, 4, ("ATTENDANCE_PCT", "MEAN_LATEST"));
}

async fn looked_after_young_people_reach_positive_destinations(app: TestApp) {
    let partnership = play(&app, Scenario {
        partnership: "Care Experienced Futures", kind: "FUNDING", agreement: "INFORMATION_SHARING_PROTOCOL",
        purpose: "Improve educational outcomes for looked-after young people through multi-agency action, not only planning.",
        provider: Member { name: "Who Cares Dumfries", kind: OrganisationKind::Voluntary, role: "PROVIDER", responsibilities: "Mentors each young person from S4 until a positive destination is secure." },
        others: vec![Member { name: "Health and Wellbeing Team", kind: OrganisationKind::Health, role: "PARTNER", responsibilities: "Provides a named nurse and shares health assessments under the protocol." }],
        category: "MENTORING", indicators: ["POSITIVE_DESTINATION", "CONFIDENCE"],
        target: ("POSITIVE_DESTINATION", "PERCENT_ACHIEVED", 55.0, 80.0),
        sharing: json!({ "sharingBasis": "CONSENT", "sharingReason": "Young person agreed at their review.", "consentGivenBy": "CHILD" }),
        looked_after: true,
    }).await;
    assert_partnership_works(
        &partnership,
        3,
        ("POSITIVE_DESTINATION", "PERCENT_ACHIEVED"),
    );
    assert!(
        partnership["interventions"]["nodes"][0]["enrolments"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["participant"]["lookedAfter"] == true)
    );
}

on_both_databases!(
    a_one_way_ticket_becomes_a_return_to_school,
    the_whole_school_community_supports_transition,
    shared_aims_overcome_inertia,
    looked_after_young_people_reach_positive_destinations,
);
