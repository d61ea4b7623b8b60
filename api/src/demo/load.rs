//! Loading: every step a GraphQL mutation, executed in-process as the user it belongs to, so it
//! passes the same resolvers, service functions, rules and audit as a client's request.

use std::collections::HashMap;

use async_graphql::{Request, Variables};
use chrono::NaiveDate;
use entity::enums::{ConsentGivenBy, OrganisationKind, ReviewDecision, Sector, SharingBasis};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Counts, DemoError,
    outcomes::{YoungPerson, source},
    story::{
        ADMIN, Cohort, DEMO_TEAM, EAST_AYRSHIRE, Endings, GALLOWAY, ORGANISATIONS, PARTNERSHIPS,
        PEOPLE, PartnershipPlan, ReturnPlan, Review, ServicePlan, ServiceStatus, Sharing, Signed,
        StoryPlan, TARGET_BASELINE_DATE, TARGET_DATE, TargetState,
    },
};
use crate::{
    access::auth::Actor,
    directory::{
        organisations::service::{self as organisations, NewOrganisation},
        users::service::{self as users, NewUser},
    },
    graphql::RequestContext,
    platform::{
        clock::Clock,
        config::{Disclosure, Limits},
    },
    server::schema::{self, ApiSchema},
};

/// An entity a mutation created or changed.
struct Written {
    id: String,
    version: i64,
}

/// One young person as enrolled: who they are and their enrolment.
struct Enrolled {
    person: YoungPerson,
    enrolment: Written,
}

/// Writes the demo step by step, keeping each user's actor and the ids later steps need.
struct Loader<'a> {
    db: &'a DatabaseConnection,
    schema: ApiSchema,
    max_batch_rows: usize,
    actors: HashMap<&'static str, Actor>,
    /// The demo clock's day, which its users act on.
    today: NaiveDate,
    organisations: HashMap<&'static str, Uuid>,
    indicators: HashMap<String, String>,
    counts: Counts,
}

/// Writes the whole demo into an empty, migrated database.
pub(super) async fn load(
    db: &DatabaseConnection,
    limits: &Limits,
    clock: Clock,
) -> Result<Counts, DemoError> {
    tracing::info!("loading the demo dataset");
    let mut loader = Loader::bootstrap(db, limits, clock).await?;
    loader.cast().await?;
    for (number, plan) in PARTNERSHIPS.iter().enumerate() {
        loader.partnership(number, plan).await?;
    }
    Ok(loader.counts)
}

impl<'a> Loader<'a> {
    /// Creates the demo team and its admin, as `api admin create` bootstraps an empty database.
    async fn bootstrap(
        db: &'a DatabaseConnection,
        limits: &Limits,
        clock: Clock,
    ) -> Result<Self, DemoError> {
        let team = organisations::create(
            db,
            None,
            NewOrganisation {
                name: DEMO_TEAM.into(),
                kind: OrganisationKind::Other,
                sector: Sector::Statutory,
                area_code: GALLOWAY.into(),
                charity_number: None,
            },
        )
        .await?;
        let admin = users::create(
            db,
            None,
            NewUser {
                email: ADMIN.email.into(),
                display_name: ADMIN.display_name.into(),
                organisation_id: team.id,
                role: ADMIN.role,
            },
        )
        .await?;
        let actors = HashMap::from([(
            ADMIN.email,
            Actor {
                user_id: admin.id,
                organisation_id: team.id,
                role: admin.role,
                today: clock.today(),
            },
        )]);
        Ok(Self {
            db,
            schema: schema::build_schema(
                Some(db.clone()),
                limits,
                Disclosure::default(),
                false,
                clock,
            ),
            max_batch_rows: limits.max_batch_rows,
            actors,
            today: clock.today(),
            organisations: HashMap::from([(DEMO_TEAM, team.id)]),
            indicators: HashMap::new(),
            counts: Counts::default(),
        })
    }

    /// Runs `query` as the user with e-mail `by`; its errors stop the load. No step reads
    /// participant-level rows as anyone but their provider, so there are no reads to log.
    async fn run(&self, by: &str, query: &str, variables: Value) -> Result<Value, DemoError> {
        let actor = self.actor(by)?;
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(RequestContext::new(self.db, actor.clone()));
        let response = self.schema.execute(request).await;
        if !response.errors.is_empty() {
            let messages: Vec<String> = response
                .errors
                .iter()
                .map(|error| error.message.clone())
                .collect();
            return Err(DemoError::Step {
                step: format!("{query} as {by}"),
                message: messages.join("; "),
            });
        }
        response.data.into_json().map_err(|err| DemoError::Step {
            step: query.into(),
            message: err.to_string(),
        })
    }

    /// Calls the mutation `field` (whose input type is its name capitalised, plus `Input`) as
    /// `by`, and returns the id and version of the payload's `entity`.
    async fn mutate(
        &self,
        by: &str,
        field: &str,
        entity: &str,
        input: Value,
    ) -> Result<Written, DemoError> {
        let mut input_type = field.to_owned();
        input_type[..1].make_ascii_uppercase();
        let query = format!(
            "mutation Demo($input: {input_type}Input!) {{ {field}(input: $input) {{ {entity} {{ id \
             version }} }} }}"
        );
        let data = self.run(by, &query, json!({ "input": input })).await?;
        let written = &data[field][entity];
        match (written["id"].as_str(), written["version"].as_i64()) {
            (Some(id), Some(version)) => Ok(Written {
                id: id.to_owned(),
                version,
            }),
            _ => Err(DemoError::Step {
                step: query,
                message: format!("unexpected answer {data}"),
            }),
        }
    }

    /// The admin creates every organisation and user.
    async fn cast(&mut self) -> Result<(), DemoError> {
        for organisation in &ORGANISATIONS {
            let written = self
                .mutate(
                    ADMIN.email,
                    "createOrganisation",
                    "organisation",
                    json!({
                        "name": organisation.name, "kind": organisation.kind,
                        "sector": organisation.sector, "areaCode": organisation.area,
                    }),
                )
                .await?;
            self.organisations
                .insert(organisation.name, parse_uuid(&written.id)?);
        }
        for person in &PEOPLE {
            let organisation_id = self.organisation(person.organisation)?;
            let written = self
                .mutate(
                    ADMIN.email,
                    "createUser",
                    "user",
                    json!({
                        "email": person.email, "displayName": person.display_name,
                        "organisationId": organisation_id, "role": person.role,
                    }),
                )
                .await?;
            self.actors.insert(
                person.email,
                Actor {
                    user_id: parse_uuid(&written.id)?,
                    organisation_id,
                    role: person.role,
                    today: self.today,
                },
            );
        }
        let listed = self
            .run(
                ADMIN.email,
                "query Demo { indicators { id code } }",
                json!({}),
            )
            .await?;
        for indicator in listed["indicators"].as_array().into_iter().flatten() {
            if let (Some(id), Some(code)) = (indicator["id"].as_str(), indicator["code"].as_str()) {
                self.indicators.insert(code.to_owned(), id.to_owned());
            }
        }
        Ok(())
    }

    fn organisation(&self, name: &str) -> Result<Uuid, DemoError> {
        self.organisations
            .get(name)
            .copied()
            .ok_or_else(|| DemoError::Step {
                step: "looking up an organisation".into(),
                message: format!("{name} is not a demo organisation"),
            })
    }

    fn indicator(&self, code: &str) -> Result<&str, DemoError> {
        self.indicators
            .get(code)
            .map(String::as_str)
            .ok_or_else(|| DemoError::Step {
                step: "looking up an indicator".into(),
                message: format!("{code} is not in the indicator library"),
            })
    }

    /// The demo user of a member organisation, who signs for it.
    fn user_of(organisation: &str) -> Result<&'static str, DemoError> {
        PEOPLE
            .iter()
            .find(|person| person.organisation == organisation)
            .map(|person| person.email)
            .ok_or_else(|| DemoError::Step {
                step: "looking up a signatory".into(),
                message: format!("{organisation} has no demo user"),
            })
    }

    /// One scenario: the partnership, its members, agreements and targets, its status and review,
    /// then its services.
    async fn partnership(
        &mut self,
        number: usize,
        plan: &PartnershipPlan,
    ) -> Result<(), DemoError> {
        let mut partnership = self
            .mutate(
                plan.by,
                "createPartnership",
                "partnership",
                json!({
                    "name": plan.name, "purpose": plan.purpose, "kind": plan.kind,
                    "areaCode": plan.area, "startDate": plan.start,
                    "nextReviewDue": plan.next_review_due,
                    "responsibilities": plan.responsibilities,
                }),
            )
            .await?;
        self.counts.partnerships += 1;
        for (organisation, role, responsibilities) in plan.members {
            self.mutate(
                plan.by,
                "addPartnershipMember",
                "member",
                json!({
                    "partnershipId": partnership.id, "organisationId": self.organisation(organisation)?,
                    "role": role, "responsibilities": responsibilities, "joinedOn": plan.start,
                }),
            )
            .await?;
        }
        self.agreements(plan, &partnership.id).await?;
        self.targets(plan, &partnership.id).await?;
        partnership = self
            .mutate(
                plan.by,
                "updatePartnership",
                "partnership",
                json!({
                    "id": partnership.id, "expectedVersion": partnership.version,
                    "status": plan.status,
                }),
            )
            .await?;
        if let Some((on, notes)) = plan.review {
            self.mutate(
                plan.by,
                "recordPartnershipReview",
                "partnership",
                json!({ "id": partnership.id, "expectedVersion": partnership.version,
                        "reviewedOn": on, "notes": notes }),
            )
            .await?;
        }
        for (index, service) in plan.services.iter().enumerate() {
            // Each service's young people get their own stretch of the sequence.
            let service_seed = (number * 10 + index) as u64;
            self.service(plan, &partnership.id, service_seed, service)
                .await?;
        }
        Ok(())
    }

    /// The commissioner drafts each agreement; the member organisations it names sign it.
    async fn agreements(
        &self,
        plan: &PartnershipPlan,
        partnership_id: &str,
    ) -> Result<(), DemoError> {
        let starter = PEOPLE
            .iter()
            .find(|person| person.email == plan.by)
            .map(|person| person.organisation);
        for agreement in plan.agreements {
            let written = self
                .mutate(
                    plan.by,
                    "createAgreement",
                    "agreement",
                    json!({
                        "partnershipId": partnership_id, "kind": agreement.kind,
                        "title": agreement.title, "body": agreement.body,
                        "effectiveFrom": agreement.effective_from, "reviewDue": agreement.review_due,
                    }),
                )
                .await?;
            let signatories: Vec<&str> = match agreement.signed_by {
                Signed::Everyone => starter
                    .into_iter()
                    .chain(plan.members.iter().map(|(organisation, ..)| *organisation))
                    .collect(),
                Signed::Only(organisations) => organisations.to_vec(),
            };
            for organisation in signatories {
                self.mutate(
                    Self::user_of(organisation)?,
                    "signAgreement",
                    "agreement",
                    json!({ "agreementId": written.id }),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The commissioner proposes each target, then agrees (and retires) it as planned.
    async fn targets(&self, plan: &PartnershipPlan, partnership_id: &str) -> Result<(), DemoError> {
        for target in plan.targets {
            let written = self
                .mutate(
                    plan.by,
                    "createTarget",
                    "target",
                    json!({
                        "partnershipId": partnership_id, "indicatorId": self.indicator(target.indicator)?,
                        "title": target.title, "aggregation": target.aggregation,
                        "baselineValue": target.baseline, "baselineDate": TARGET_BASELINE_DATE,
                        "targetValue": target.target, "targetDate": TARGET_DATE,
                    }),
                )
                .await?;
            if target.state == TargetState::Proposed {
                continue;
            }
            let agreed = self
                .mutate(
                    plan.by,
                    "agreeTarget",
                    "target",
                    json!({ "id": written.id, "expectedVersion": written.version }),
                )
                .await?;
            if target.state == TargetState::Retired {
                self.mutate(
                    plan.by,
                    "retireTarget",
                    "target",
                    json!({ "id": agreed.id, "expectedVersion": agreed.version }),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// One service: set up and opened by its provider (or a commissioner), its young people
    /// enrolled, its evidence written and reviewed, its enrolments ended as planned.
    async fn service(
        &mut self,
        plan: &PartnershipPlan,
        partnership_id: &str,
        service_seed: u64,
        service: &ServicePlan,
    ) -> Result<(), DemoError> {
        let indicator_ids = service
            .indicators
            .iter()
            .map(|code| self.indicator(code).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        let provider_id = self.actor(service.provider)?.organisation_id;
        let mut intervention = self
            .mutate(
                service.created_by,
                "createIntervention",
                "intervention",
                json!({
                    "partnershipId": partnership_id, "providerId": provider_id,
                    "name": service.name, "description": service.description,
                    "category": service.category, "areaCode": service.area,
                    "startDate": service.start, "capacity": service.capacity,
                    "indicatorIds": indicator_ids,
                }),
            )
            .await?;
        self.counts.interventions += 1;
        if service.finally == ServiceStatus::Planned {
            return Ok(());
        }
        intervention = self
            .set_service_status(service.provider, &intervention, "ACTIVE")
            .await?;
        let enrolled = match &service.cohort {
            Some(cohort) => {
                self.enrol_cohort(service, &intervention.id, service_seed, cohort)
                    .await?
            }
            None => Vec::new(),
        };
        for plan_return in service.returns {
            self.submission(plan, service, &intervention.id, &enrolled, plan_return)
                .await?;
        }
        self.end_enrolments(service, &enrolled).await?;
        if service.finally == ServiceStatus::Closed {
            self.set_service_status(service.provider, &intervention, "CLOSED")
                .await?;
        }
        Ok(())
    }

    fn actor(&self, email: &str) -> Result<&Actor, DemoError> {
        self.actors.get(email).ok_or_else(|| DemoError::Step {
            step: "looking up a user".into(),
            message: format!("{email} is not a demo user"),
        })
    }

    async fn set_service_status(
        &self,
        by: &str,
        intervention: &Written,
        status: &str,
    ) -> Result<Written, DemoError> {
        self.mutate(
            by,
            "updateIntervention",
            "intervention",
            json!({ "id": intervention.id, "expectedVersion": intervention.version, "status": status }),
        )
        .await
    }

    /// The provider records each young person, with their sharing decision, and enrols them.
    async fn enrol_cohort(
        &mut self,
        service: &ServicePlan,
        intervention_id: &str,
        service_seed: u64,
        cohort: &Cohort,
    ) -> Result<Vec<Enrolled>, DemoError> {
        let school = cohort
            .school
            .map(|name| self.organisation(name))
            .transpose()?;
        let mut enrolled = Vec::with_capacity(cohort.size);
        for index in 0..cohort.size {
            let person = YoungPerson::new(service_seed, index, cohort.lift);
            let (low, high) = cohort.birth_years;
            let span = f64::from(high - low + 1);
            let birth_year = low + (person.draw("birth year", 0) * span) as i32;
            // Most live where the service runs; some travel in from the next council area.
            let area = if index % 7 == 6 {
                EAST_AYRSHIRE
            } else {
                service.area
            };
            let mut input = json!({
                "reference": format!("{}{:04}", cohort.prefix, cohort.first_number + index),
                "birthYear": birth_year,
                "sex": person.sex(),
                "lookedAfter": cohort.all_looked_after || person.draw("looked after", 0) < 0.15,
                "additionalSupportNeeds": person.draw("support needs", 0) < 0.3,
                "areaCode": area,
                "schoolId": school,
            });
            let sharing = match (cohort.none_every, cohort.sharing) {
                (Some(every), _) if index % every == 0 => {
                    json!({ "sharingBasis": SharingBasis::None })
                }
                // Mentoring mixes in the statutory bases a corporate parent relies on.
                (_, Sharing::Consent(ConsentGivenBy::Child, _)) if index % 10 == 4 => json!({
                    "sharingBasis": SharingBasis::LegalObligation,
                    "sharingReason": "The council's corporate parenting duties for this young person",
                }),
                (_, Sharing::Consent(ConsentGivenBy::Child, _)) if index == 9 => json!({
                    "sharingBasis": SharingBasis::VitalInterests,
                    "sharingReason": "Shared during a period of serious risk to the young person's safety",
                }),
                (_, Sharing::PublicTask(reason)) => {
                    json!({ "sharingBasis": SharingBasis::PublicTask, "sharingReason": reason })
                }
                (_, Sharing::Consent(by, reason)) => json!({
                    "sharingBasis": SharingBasis::Consent, "sharingReason": reason,
                    "consentGivenBy": by,
                }),
            };
            if let (Some(input), Value::Object(sharing)) = (input.as_object_mut(), sharing) {
                input.extend(sharing);
            }
            let participant = self
                .mutate(service.provider, "createParticipant", "participant", input)
                .await?;
            let enrolment = self
                .mutate(
                    service.provider,
                    "enrolParticipant",
                    "enrolment",
                    json!({
                        "participantId": participant.id, "interventionId": intervention_id,
                        "referredOn": cohort.referred_on, "referralSource": cohort.referral,
                        "startedOn": cohort.started_on,
                    }),
                )
                .await?;
            enrolled.push(Enrolled { person, enrolment });
        }
        self.counts.participants += cohort.size;
        Ok(enrolled)
    }

    /// One evaluation submission: the provider writes it, then it goes the way its plan says.
    async fn submission(
        &mut self,
        plan: &PartnershipPlan,
        service: &ServicePlan,
        intervention_id: &str,
        enrolled: &[Enrolled],
        plan_return: &ReturnPlan,
    ) -> Result<(), DemoError> {
        let provider = service.provider;
        let (start, end) = plan_return.period;
        let submission = self
            .mutate(
                provider,
                "createSubmission",
                "submission",
                json!({
                    "interventionId": intervention_id, "periodStart": start, "periodEnd": end,
                    "narrative": plan_return.narrative,
                }),
            )
            .await?;
        self.counts.submissions += 1;
        self.add_records(provider, &submission.id, service, enrolled, plan_return)
            .await?;
        for story in plan_return.stories {
            self.add_story(provider, &submission.id, enrolled, story)
                .await?;
        }
        let reviewer = plan.by;
        match &plan_return.review {
            Review::Draft => {}
            Review::Waiting => {
                self.submit(provider, &submission.id).await?;
            }
            Review::Commented(comment) => {
                self.submit(provider, &submission.id).await?;
                self.review(reviewer, &submission.id, ReviewDecision::Comment, comment)
                    .await?;
            }
            Review::Accepted(comment) => {
                self.submit(provider, &submission.id).await?;
                self.review(reviewer, &submission.id, ReviewDecision::Accept, comment)
                    .await?;
            }
            Review::ChangesRequested(comment) => {
                self.submit(provider, &submission.id).await?;
                self.review(
                    reviewer,
                    &submission.id,
                    ReviewDecision::RequestChanges,
                    comment,
                )
                .await?;
            }
            Review::AcceptedAfterChanges(request, story, accept) => {
                self.submit(provider, &submission.id).await?;
                self.review(
                    reviewer,
                    &submission.id,
                    ReviewDecision::RequestChanges,
                    request,
                )
                .await?;
                self.add_story(provider, &submission.id, enrolled, story)
                    .await?;
                self.submit(provider, &submission.id).await?;
                self.review(reviewer, &submission.id, ReviewDecision::Accept, accept)
                    .await?;
            }
            Review::Withdrawn => {
                let submitted = self.submit(provider, &submission.id).await?;
                self.mutate(
                    provider,
                    "withdrawSubmission",
                    "submission",
                    json!({ "id": submitted.id, "expectedVersion": submitted.version }),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Every young person's measurements for the submission, in batches the limits allow.
    async fn add_records(
        &mut self,
        provider: &str,
        submission_id: &str,
        service: &ServicePlan,
        enrolled: &[Enrolled],
        plan_return: &ReturnPlan,
    ) -> Result<(), DemoError> {
        let mut records = Vec::new();
        for young in enrolled {
            for measure in plan_return.measures {
                for code in service.indicators {
                    records.push(json!({
                        "enrolmentId": young.enrolment.id, "indicatorId": self.indicator(code)?,
                        "value": young.person.value(code, measure.progress),
                        "observedOn": measure.on, "phase": measure.phase, "source": source(code),
                    }));
                }
            }
        }
        for batch in records.chunks(self.max_batch_rows.max(1)) {
            self.run(
                provider,
                "mutation Demo($input: AddOutcomeRecordsInput!) { addOutcomeRecords(input: $input) { records { id } } }",
                json!({ "input": { "submissionId": submission_id, "records": batch } }),
            )
            .await?;
        }
        self.counts.records += records.len();
        Ok(())
    }

    async fn add_story(
        &mut self,
        provider: &str,
        submission_id: &str,
        enrolled: &[Enrolled],
        story: &StoryPlan,
    ) -> Result<(), DemoError> {
        let enrolment_id = story
            .about
            .and_then(|index| enrolled.get(index))
            .map(|young| young.enrolment.id.as_str());
        self.mutate(
            provider,
            "addStory",
            "story",
            json!({
                "submissionId": submission_id, "enrolmentId": enrolment_id,
                "title": story.title, "body": story.body, "wellbeing": story.wellbeing,
                "consentToShare": story.consent_to_share,
            }),
        )
        .await?;
        self.counts.stories += 1;
        Ok(())
    }

    /// Submits the submission at its current version (adding evidence changes it).
    async fn submit(&self, provider: &str, submission_id: &str) -> Result<Written, DemoError> {
        let current = self
            .run(
                provider,
                "query Demo($id: ID!) { submission(id: $id) { version } }",
                json!({ "id": submission_id }),
            )
            .await?;
        self.mutate(
            provider,
            "submitSubmission",
            "submission",
            json!({ "id": submission_id, "expectedVersion": current["submission"]["version"] }),
        )
        .await
    }

    async fn review(
        &self,
        reviewer: &str,
        submission_id: &str,
        decision: ReviewDecision,
        comment: &str,
    ) -> Result<(), DemoError> {
        self.mutate(
            reviewer,
            "reviewSubmission",
            "submission",
            json!({ "submissionId": submission_id, "decision": decision, "comment": comment }),
        )
        .await
        .map(drop)
    }

    /// After the summer term, enrolments end as the service's plan says.
    async fn end_enrolments(
        &self,
        service: &ServicePlan,
        enrolled: &[Enrolled],
    ) -> Result<(), DemoError> {
        for young in enrolled {
            let ending = match service.endings {
                Endings::None => None,
                Endings::Everyone { on, reason } => Some((on, reason)),
                Endings::WhenAchieved {
                    indicator,
                    on,
                    reason,
                } => (young.person.value(indicator, 1.0) == 1.0).then_some((on, reason)),
            };
            if let Some((on, reason)) = ending {
                self.mutate(
                    service.provider,
                    "endEnrolment",
                    "enrolment",
                    json!({
                        "id": young.enrolment.id, "expectedVersion": young.enrolment.version,
                        "endedOn": on, "exitReason": reason,
                    }),
                )
                .await?;
            }
        }
        Ok(())
    }
}

fn parse_uuid(id: &str) -> Result<Uuid, DemoError> {
    Uuid::parse_str(id).map_err(|err| DemoError::Step {
        step: "reading an id".into(),
        message: err.to_string(),
    })
}
