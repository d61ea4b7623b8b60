//! What the demo holds: the invented cast, and the seed's four scenarios as partnerships over
//! the school year 2025–26 and the autumn term of 2026. Data only; `load` writes it.

use entity::enums::{
    AgreementKind, ConsentGivenBy, ExitReason, InterventionCategory, MemberRole, OrganisationKind,
    OutcomePhase, PartnershipKind, PartnershipStatus, ReferralSource, Sector, TargetAggregation,
    UserRole, Wellbeing,
};

pub(super) struct Organisation {
    pub(super) name: &'static str,
    pub(super) kind: OrganisationKind,
    pub(super) sector: Sector,
    pub(super) area: &'static str,
}

/// Dumfries and Galloway, South Ayrshire and East Ayrshire: real council areas (reference data),
/// invented organisations.
pub(super) const GALLOWAY: &str = "S12000006";
pub(super) const SOUTH_AYRSHIRE: &str = "S12000028";
pub(super) const EAST_AYRSHIRE: &str = "S12000008";

pub(super) const DEMO_TEAM: &str = "Outcomes Demo Team";
pub(super) const COUNCIL: &str = "Glenmuir Council";
pub(super) const FUND: &str = "Westshore Children's Fund";
pub(super) const FERRYKNOWE: &str = "Ferryknowe Learning Trust";
pub(super) const CAIRNBROOK: &str = "Cairnbrook Youth Project";
pub(super) const COMMUNITY_LEARNING: &str = "Glenmuir Community Learning";
pub(super) const LANTERNHILL: &str = "Lanternhill Mentoring";
pub(super) const KIRKBRAE: &str = "Kirkbrae Academy";
pub(super) const THORNLEA: &str = "Thornlea Primary School";
pub(super) const GLENMUIR_HIGH: &str = "Glenmuir High School";
pub(super) const SOCIAL_WORK: &str = "Glenmuir Social Work Services";
pub(super) const HEALTH: &str = "Westshore Health and Wellbeing Team";

pub(super) const fn org(
    name: &'static str,
    kind: OrganisationKind,
    sector: Sector,
    area: &'static str,
) -> Organisation {
    Organisation {
        name,
        kind,
        sector,
        area,
    }
}

pub(super) const ORGANISATIONS: [Organisation; 11] = [
    org(
        COUNCIL,
        OrganisationKind::LocalAuthority,
        Sector::Statutory,
        GALLOWAY,
    ),
    org(
        FUND,
        OrganisationKind::Funder,
        Sector::Voluntary,
        SOUTH_AYRSHIRE,
    ),
    org(
        FERRYKNOWE,
        OrganisationKind::Voluntary,
        Sector::Voluntary,
        GALLOWAY,
    ),
    org(
        CAIRNBROOK,
        OrganisationKind::Voluntary,
        Sector::Voluntary,
        GALLOWAY,
    ),
    org(
        COMMUNITY_LEARNING,
        OrganisationKind::CommunityEducation,
        Sector::Statutory,
        GALLOWAY,
    ),
    org(
        LANTERNHILL,
        OrganisationKind::Voluntary,
        Sector::Voluntary,
        SOUTH_AYRSHIRE,
    ),
    org(
        KIRKBRAE,
        OrganisationKind::School,
        Sector::Statutory,
        GALLOWAY,
    ),
    org(
        THORNLEA,
        OrganisationKind::School,
        Sector::Statutory,
        GALLOWAY,
    ),
    org(
        GLENMUIR_HIGH,
        OrganisationKind::School,
        Sector::Statutory,
        GALLOWAY,
    ),
    org(
        SOCIAL_WORK,
        OrganisationKind::SocialWork,
        Sector::Statutory,
        GALLOWAY,
    ),
    org(
        HEALTH,
        OrganisationKind::Health,
        Sector::Statutory,
        SOUTH_AYRSHIRE,
    ),
];

/// A demo user. Every organisation but the demo team has exactly one, who signs for it.
pub(super) struct Person {
    pub(super) email: &'static str,
    pub(super) display_name: &'static str,
    pub(super) organisation: &'static str,
    pub(super) role: UserRole,
}

pub(super) const fn person(
    email: &'static str,
    display_name: &'static str,
    organisation: &'static str,
    role: UserRole,
) -> Person {
    Person {
        email,
        display_name,
        organisation,
        role,
    }
}

/// The first user; its presence marks a database as holding the demo.
pub(super) const ADMIN: Person = person(
    "admin@demo.example.org",
    "Demo administrator",
    DEMO_TEAM,
    UserRole::Admin,
);
pub(super) const COMMISSIONER: Person = person(
    "commissioner@glenmuir-council.example.org",
    "Children's services commissioner",
    COUNCIL,
    UserRole::Commissioner,
);
pub(super) const FERRYKNOWE_WORKER: Person = person(
    "keyworker@ferryknowe.example.org",
    "Ferryknowe key worker",
    FERRYKNOWE,
    UserRole::Provider,
);
pub(super) const CAIRNBROOK_WORKER: Person = person(
    "youthworker@cairnbrook.example.org",
    "Cairnbrook youth worker",
    CAIRNBROOK,
    UserRole::Provider,
);
pub(super) const KIRKBRAE_TEACHER: Person = person(
    "guidance@kirkbrae.example.org",
    "Kirkbrae guidance teacher",
    KIRKBRAE,
    UserRole::Viewer,
);

/// Everyone but the admin, created by the admin.
pub(super) const PEOPLE: [Person; 11] = [
    COMMISSIONER,
    person(
        "grants@westshore-fund.example.org",
        "Westshore grants officer",
        FUND,
        UserRole::Commissioner,
    ),
    FERRYKNOWE_WORKER,
    CAIRNBROOK_WORKER,
    person(
        "tutor@glenmuir-learning.example.org",
        "Community learning tutor",
        COMMUNITY_LEARNING,
        UserRole::Provider,
    ),
    person(
        "mentor@lanternhill.example.org",
        "Lanternhill mentor",
        LANTERNHILL,
        UserRole::Provider,
    ),
    KIRKBRAE_TEACHER,
    person(
        "headteacher@thornlea.example.org",
        "Thornlea head teacher",
        THORNLEA,
        UserRole::Viewer,
    ),
    person(
        "guidance@glenmuir-high.example.org",
        "Glenmuir High guidance teacher",
        GLENMUIR_HIGH,
        UserRole::Viewer,
    ),
    person(
        "teamleader@glenmuir-social-work.example.org",
        "Social work team leader",
        SOCIAL_WORK,
        UserRole::Viewer,
    ),
    person(
        "nurse@westshore-health.example.org",
        "Westshore school nurse",
        HEALTH,
        UserRole::Viewer,
    ),
];

/// The users whose tokens are printed, with the shell variable each one's `export` line sets.
pub(super) const PRINTED: [(&str, Person); 5] = [
    ("ADMIN_TOKEN", ADMIN),
    ("COMMISSIONER_TOKEN", COMMISSIONER),
    ("PROVIDER_TOKEN", FERRYKNOWE_WORKER),
    ("OTHER_PROVIDER_TOKEN", CAIRNBROOK_WORKER),
    ("VIEWER_TOKEN", KIRKBRAE_TEACHER),
];

// autumn term of 2026.

/// School terms: the evaluation periods.
pub(super) const AUTUMN_2025: (&str, &str) = ("2025-08-18", "2025-12-19");
pub(super) const SPRING_2026: (&str, &str) = ("2026-01-05", "2026-03-31");
pub(super) const SUMMER_2026: (&str, &str) = ("2026-04-13", "2026-06-30");
pub(super) const AUTUMN_2026: (&str, &str) = ("2026-08-17", "2026-11-27");

pub(super) struct PartnershipPlan {
    pub(super) name: &'static str,
    pub(super) purpose: &'static str,
    pub(super) kind: PartnershipKind,
    pub(super) area: &'static str,
    pub(super) start: &'static str,
    /// Whose organisation starts it (and so becomes its first commissioner member).
    pub(super) by: &'static str,
    pub(super) responsibilities: &'static str,
    pub(super) members: &'static [(&'static str, MemberRole, &'static str)],
    pub(super) agreements: &'static [AgreementPlan],
    pub(super) targets: &'static [TargetPlan],
    pub(super) status: PartnershipStatus,
    /// A review held, if any: (date, notes).
    pub(super) review: Option<(&'static str, &'static str)>,
    /// When the first review is due, if not one review interval after the start.
    pub(super) next_review_due: Option<&'static str>,
    pub(super) services: &'static [ServicePlan],
}

pub(super) struct AgreementPlan {
    pub(super) kind: AgreementKind,
    pub(super) title: &'static str,
    pub(super) body: &'static str,
    pub(super) effective_from: &'static str,
    pub(super) review_due: &'static str,
    /// The member organisations that have signed; all of them makes it AGREED.
    pub(super) signed_by: Signed,
}

pub(super) enum Signed {
    Everyone,
    Only(&'static [&'static str]),
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum TargetState {
    Proposed,
    Agreed,
    Retired,
}

pub(super) struct TargetPlan {
    pub(super) indicator: &'static str,
    pub(super) title: &'static str,
    pub(super) aggregation: TargetAggregation,
    pub(super) baseline: f64,
    pub(super) target: f64,
    pub(super) state: TargetState,
}

/// Targets are set against the start of the school year and due at the end of the next one.
pub(super) const TARGET_BASELINE_DATE: &str = "2025-09-01";
pub(super) const TARGET_DATE: &str = "2027-06-30";

pub(super) struct ServicePlan {
    pub(super) name: &'static str,
    pub(super) description: &'static str,
    pub(super) category: InterventionCategory,
    pub(super) area: &'static str,
    pub(super) start: &'static str,
    pub(super) capacity: i32,
    /// The provider user who delivers it; `created_by` sets it up (itself or a commissioner).
    pub(super) provider: &'static str,
    pub(super) created_by: &'static str,
    pub(super) indicators: &'static [&'static str],
    pub(super) cohort: Option<Cohort>,
    pub(super) returns: &'static [ReturnPlan],
    pub(super) endings: Endings,
    /// Where the service ends up: ACTIVE unless it is still PLANNED or has CLOSED.
    pub(super) finally: ServiceStatus,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum ServiceStatus {
    Planned,
    Active,
    Closed,
}

/// The young people a service works with.
pub(super) struct Cohort {
    pub(super) size: usize,
    /// The provider's reference codes: `{prefix}{number:04}` from `first_number`.
    pub(super) prefix: &'static str,
    pub(super) first_number: usize,
    pub(super) birth_years: (i32, i32),
    pub(super) all_looked_after: bool,
    pub(super) school: Option<&'static str>,
    /// The usual information-sharing decision.
    pub(super) sharing: Sharing,
    /// Every n-th young person's family chose not to share (basis NONE). At least five per
    /// service or none, so commissioners' summaries stay disclosable.
    pub(super) none_every: Option<usize>,
    pub(super) referral: ReferralSource,
    pub(super) referred_on: &'static str,
    pub(super) started_on: &'static str,
    /// How much this service moves its young people (1 = typical).
    pub(super) lift: f64,
}

#[derive(Clone, Copy)]
pub(super) enum Sharing {
    PublicTask(&'static str),
    Consent(ConsentGivenBy, &'static str),
}

/// One evaluation submission of a service: its period, narrative, measurements, stories and
/// what happens to it in review.
pub(super) struct ReturnPlan {
    pub(super) period: (&'static str, &'static str),
    pub(super) narrative: &'static str,
    pub(super) measures: &'static [Measure],
    pub(super) stories: &'static [StoryPlan],
    pub(super) review: Review,
}

/// One round of measurement of every young person on every indicator of the service.
/// `progress` is how far along their eventual change they are (0 at baseline, 1 at exit).
pub(super) struct Measure {
    pub(super) phase: OutcomePhase,
    pub(super) on: &'static str,
    pub(super) progress: f64,
}

pub(super) const fn measure(phase: OutcomePhase, on: &'static str, progress: f64) -> Measure {
    Measure {
        phase,
        on,
        progress,
    }
}

pub(super) struct StoryPlan {
    /// The young person (index in the cohort) the story is about; `None` for the group.
    pub(super) about: Option<usize>,
    pub(super) title: &'static str,
    pub(super) body: &'static str,
    pub(super) wellbeing: &'static [Wellbeing],
    pub(super) consent_to_share: bool,
}

/// What becomes of a submission.
pub(super) enum Review {
    /// Left as the provider's DRAFT.
    Draft,
    /// Submitted and waiting in the commissioners' queue.
    Waiting,
    /// Submitted, and a commissioner commented without deciding.
    Commented(&'static str),
    Accepted(&'static str),
    /// Sent back with the comment; the provider has not resubmitted yet.
    ChangesRequested(&'static str),
    /// Sent back with the first comment; the provider adds the story asked for and resubmits;
    /// accepted with the second comment.
    AcceptedAfterChanges(&'static str, StoryPlan, &'static str),
    /// Submitted by mistake and withdrawn by the provider.
    Withdrawn,
}

/// Which enrolments end, after the summer term.
pub(super) enum Endings {
    None,
    /// Those who achieved the (BOOLEAN) indicator by exit leave on the day, for the reason.
    WhenAchieved {
        indicator: &'static str,
        on: &'static str,
        reason: ExitReason,
    },
    Everyone {
        on: &'static str,
        reason: ExitReason,
    },
}

pub(super) const RETURN_TICKET: PartnershipPlan = PartnershipPlan {
    name: "Return Ticket",
    purpose: "Pupils placed in alternative education return to their mainstream school, which \
              keeps ownership of them from the first day: a return ticket, not a one-way one.",
    kind: PartnershipKind::ServiceDelivery,
    area: GALLOWAY,
    start: "2025-08-01",
    by: COMMISSIONER.email,
    responsibilities: "Chairs the partnership, funds the day programme and reviews the evidence \
                       each term.",
    members: &[
        (
            FERRYKNOWE,
            MemberRole::Provider,
            "Runs the day programme and plans each pupil's return with the school from the \
             first week; sits on the school's pupil support forum.",
        ),
        (
            KIRKBRAE,
            MemberRole::Partner,
            "Keeps every pupil on its roll, names a link teacher for each and agrees a phased \
             return date within two terms.",
        ),
    ],
    agreements: &[
        AgreementPlan {
            kind: AgreementKind::ServiceLevelAgreement,
            title: "Return Ticket service-level agreement",
            body: "## Shared aim\nEvery pupil placed at Ferryknowe plans their return to \
                   mainstream school from the first week.\n\n## Who does what\n- Ferryknowe: \
                   three days a week of small-group learning; a return plan for every pupil.\n- \
                   Kirkbrae Academy: keeps pupils on its roll; a link teacher visits monthly.\n- \
                   Glenmuir Council: funds 24 places and reviews outcomes each term.",
            effective_from: "2025-08-18",
            review_due: "2026-08-17",
            signed_by: Signed::Everyone,
        },
        AgreementPlan {
            kind: AgreementKind::PracticeProtocol,
            title: "Phased return protocol",
            body: "## Phased return\n1. A review meeting with the pupil and family at six \
                   weeks.\n2. Two mornings a week back at school with the key worker.\n3. Full \
                   return once the pupil, family and school agree.\n\nThe school signs to show \
                   it agrees to the joint aims and keeps ownership of the pupil.",
            effective_from: "2026-08-17",
            review_due: "2027-08-16",
            signed_by: Signed::Only(&[COUNCIL, FERRYKNOWE]),
        },
    ],
    targets: &[
        TargetPlan {
            indicator: "REINTEGRATED_MAINSTREAM",
            title: "Six in ten pupils back in mainstream school",
            aggregation: TargetAggregation::PercentAchieved,
            baseline: 20.0,
            target: 60.0,
            state: TargetState::Agreed,
        },
        TargetPlan {
            indicator: "ATTENDANCE_PCT",
            title: "Average attendance of 85%",
            aggregation: TargetAggregation::MeanLatest,
            baseline: 68.0,
            target: 85.0,
            state: TargetState::Agreed,
        },
        TargetPlan {
            indicator: "EXCLUSION_DAYS",
            title: "Three fewer days lost to exclusion per term",
            aggregation: TargetAggregation::MeanChange,
            baseline: 0.0,
            target: -3.0,
            state: TargetState::Proposed,
        },
    ],
    status: PartnershipStatus::Active,
    review: Some((
        "2026-06-30",
        "The school now attends the pupil support forum. Next year's practice protocol needs \
         Kirkbrae's signature before the autumn term.",
    )),
    next_review_due: None,
    services: &[ServicePlan {
        name: "Ferryknowe day programme",
        description: "Small-group learning three days a week, with a key worker for each pupil \
                      and a plan to return to school from the first week.",
        category: InterventionCategory::AlternativeEducation,
        area: GALLOWAY,
        start: "2025-08-18",
        capacity: 24,
        provider: FERRYKNOWE_WORKER.email,
        created_by: FERRYKNOWE_WORKER.email,
        indicators: &[
            "REINTEGRATED_MAINSTREAM",
            "ATTENDANCE_PCT",
            "EXCLUSION_DAYS",
            "CONFIDENCE",
        ],
        cohort: Some(Cohort {
            size: 48,
            prefix: "FK-",
            first_number: 1,
            birth_years: (2010, 2013),
            all_looked_after: false,
            school: Some(KIRKBRAE),
            sharing: Sharing::PublicTask(
                "The council's duty to plan each pupil's education and return to school",
            ),
            none_every: Some(8),
            referral: ReferralSource::School,
            referred_on: "2025-08-25",
            started_on: "2025-09-01",
            lift: 1.0,
        }),
        returns: &[
            ReturnPlan {
                period: AUTUMN_2025,
                narrative: "## Autumn term\nAll 48 pupils started and have a return plan. \
                            Attendance picked up from October; two pupils had exclusions at \
                            their old school carried over.",
                measures: &[
                    measure(OutcomePhase::Baseline, "2025-09-05", 0.0),
                    measure(OutcomePhase::Interim, "2025-12-05", 0.35),
                ],
                stories: &[StoryPlan {
                    about: Some(3),
                    title: "I like coming in now",
                    body: "At first I only came on Mondays. Now I come every day because my key \
                           worker helps me with maths and nobody shouts.",
                    wellbeing: &[Wellbeing::Achieving, Wellbeing::Included],
                    consent_to_share: true,
                }],
                review: Review::Accepted("Clear baselines for every pupil. Thank you."),
            },
            ReturnPlan {
                period: SPRING_2026,
                narrative: "## Spring term\nFirst phased returns to Kirkbrae: two mornings a \
                            week with the key worker.",
                measures: &[measure(OutcomePhase::Interim, "2026-03-20", 0.7)],
                stories: &[],
                review: Review::AcceptedAfterChanges(
                    "Please add how the first returns went, in the pupils' own words.",
                    StoryPlan {
                        about: None,
                        title: "Back for two mornings",
                        body: "We go back to Kirkbrae on Tuesdays and Thursdays. It was scary \
                               the first time but the link teacher met us at the gate.",
                        wellbeing: &[Wellbeing::Safe, Wellbeing::Included],
                        consent_to_share: true,
                    },
                    "Thank you: the group's story shows what the numbers cannot.",
                ),
            },
            ReturnPlan {
                period: SUMMER_2026,
                narrative: "## Summer term\nExit measures for the year. Pupils who have \
                            returned full time leave the programme at the end of term.",
                measures: &[measure(OutcomePhase::Exit, "2026-06-19", 1.0)],
                stories: &[StoryPlan {
                    about: Some(10),
                    title: "Full time at school",
                    body: "I am back at school full time after the summer. I still see my key \
                           worker on Fridays.",
                    wellbeing: &[Wellbeing::Achieving],
                    consent_to_share: false,
                }],
                review: Review::Waiting,
            },
            ReturnPlan {
                period: AUTUMN_2026,
                narrative: "## Autumn term (draft)\nFollow-up of last year's group, including \
                            those now back at school.",
                measures: &[measure(OutcomePhase::FollowUp, "2026-10-30", 1.05)],
                stories: &[],
                review: Review::Draft,
            },
        ],
        endings: Endings::WhenAchieved {
            indicator: "REINTEGRATED_MAINSTREAM",
            on: "2026-06-26",
            reason: ExitReason::ReintegratedMainstream,
        },
        finally: ServiceStatus::Active,
    }],
};

pub(super) const MOVING_UP: PartnershipPlan = PartnershipPlan {
    name: "Moving Up Together",
    purpose: "Vulnerable pupils move from primary to secondary school feeling safe and listened \
              to, with their parents involved from the start, and schools sharing the \
              evaluation.",
    kind: PartnershipKind::ServiceDelivery,
    area: GALLOWAY,
    start: "2025-08-01",
    by: COMMISSIONER.email,
    responsibilities: "Funds the transition service and chairs a termly review with both \
                       schools and the families' representatives.",
    members: &[
        (
            CAIRNBROOK,
            MemberRole::Provider,
            "Visits every family at home before the groups start, runs weekly transition \
             groups and meets both schools every week about each pupil.",
        ),
        (
            FERRYKNOWE,
            MemberRole::Provider,
            "Runs six family learning evenings for parents and pupils on what secondary school \
             expects.",
        ),
        (
            THORNLEA,
            MemberRole::Partner,
            "Refers pupils, involves class teachers and completes the attendance part of the \
             evaluation.",
        ),
        (
            GLENMUIR_HIGH,
            MemberRole::Partner,
            "Names a guidance teacher for the group and shares first-term attendance in \
             secondary.",
        ),
    ],
    agreements: &[AgreementPlan {
        kind: AgreementKind::PartnershipAgreement,
        title: "Moving Up Together partnership agreement",
        body: "## Aims\nPupils feel safe and listened to as they move up; parents are part of \
               the work from the first visit.\n\n## Roles\nWritten down in plain language in \
               each member's responsibilities, and reviewed each term.",
        effective_from: "2025-08-18",
        review_due: "2026-08-17",
        signed_by: Signed::Everyone,
    }],
    targets: &[
        TargetPlan {
            indicator: "FEELING_SAFE",
            title: "Feeling safe rises by two points",
            aggregation: TargetAggregation::MeanChange,
            baseline: 0.0,
            target: 2.0,
            state: TargetState::Agreed,
        },
        TargetPlan {
            indicator: "FEELING_LISTENED_TO",
            title: "Seven in ten feel more listened to",
            aggregation: TargetAggregation::PercentImproved,
            baseline: 0.0,
            target: 70.0,
            state: TargetState::Agreed,
        },
    ],
    status: PartnershipStatus::Active,
    review: Some((
        "2026-07-02",
        "Parents want a say in the groups' topics; Cairnbrook will ask them at the home visits.",
    )),
    next_review_due: None,
    services: &[
        ServicePlan {
            name: "Cairnbrook transition groups",
            description: "A home visit to every family, then weekly groups in P7 and the first \
                          term of S1, with the guidance teacher joining once a month.",
            category: InterventionCategory::TransitionSupport,
            area: GALLOWAY,
            start: "2025-08-18",
            capacity: 60,
            provider: CAIRNBROOK_WORKER.email,
            created_by: CAIRNBROOK_WORKER.email,
            indicators: &[
                "FEELING_SAFE",
                "FEELING_LISTENED_TO",
                "RELATIONSHIPS",
                "ATTENDANCE_PCT",
            ],
            cohort: Some(Cohort {
                size: 56,
                prefix: "CB-",
                first_number: 1,
                birth_years: (2014, 2014),
                all_looked_after: false,
                school: Some(THORNLEA),
                sharing: Sharing::Consent(
                    ConsentGivenBy::ParentCarer,
                    "Parent agreed at the home visit, after the worker explained who would see \
                     what",
                ),
                none_every: Some(8),
                referral: ReferralSource::School,
                referred_on: "2025-08-25",
                started_on: "2025-09-08",
                lift: 1.15,
            }),
            returns: &[
                ReturnPlan {
                    period: AUTUMN_2025,
                    narrative: "## Autumn term\nHome visits to all 56 families; groups \
                                started in October.",
                    measures: &[
                        measure(OutcomePhase::Baseline, "2025-09-12", 0.0),
                        measure(OutcomePhase::Interim, "2025-12-12", 0.3),
                    ],
                    stories: &[StoryPlan {
                        about: None,
                        title: "What we worry about",
                        body: "We made a list of worries about the big school: getting lost, \
                               the older ones, and lunch. By December we had ticked off \
                               getting lost.",
                        wellbeing: &[Wellbeing::Safe, Wellbeing::Respected],
                        consent_to_share: true,
                    }],
                    review: Review::Accepted("Good to see the home visits done first."),
                },
                ReturnPlan {
                    period: SPRING_2026,
                    narrative: "## Spring term\nVisits to Glenmuir High; parents' evening \
                                with the guidance teacher.",
                    measures: &[measure(OutcomePhase::Interim, "2026-03-13", 0.6)],
                    stories: &[StoryPlan {
                        about: Some(5),
                        title: "Someone listens",
                        body: "My mum came to the parents' night. The guidance teacher knows \
                               my name already and asked what I want to do.",
                        wellbeing: &[Wellbeing::Respected, Wellbeing::Nurtured],
                        consent_to_share: true,
                    }],
                    review: Review::Accepted("Accepted. Parents' involvement is clear."),
                },
                ReturnPlan {
                    period: SUMMER_2026,
                    narrative: "## Summer term\nExit measures at the end of P7.",
                    measures: &[measure(OutcomePhase::Exit, "2026-06-26", 1.0)],
                    stories: &[],
                    review: Review::ChangesRequested(
                        "Please add Thornlea's June attendance figures and say how parents \
                         were involved this term.",
                    ),
                },
                ReturnPlan {
                    period: AUTUMN_2026,
                    narrative: "## First term in S1 (draft)\nFollow-up after the move.",
                    measures: &[measure(OutcomePhase::FollowUp, "2026-10-23", 1.05)],
                    stories: &[],
                    review: Review::Draft,
                },
            ],
            endings: Endings::None,
            finally: ServiceStatus::Active,
        },
        ServicePlan {
            name: "Family learning evenings",
            description: "Six evenings for parents and pupils together on what secondary school \
                          expects, run by Ferryknowe for the partnership.",
            category: InterventionCategory::FamilySupport,
            area: GALLOWAY,
            start: "2025-10-01",
            capacity: 20,
            provider: FERRYKNOWE_WORKER.email,
            created_by: COMMISSIONER.email,
            indicators: &["RELATIONSHIPS", "ENGAGEMENT_LEARNING"],
            cohort: Some(Cohort {
                size: 16,
                prefix: "FK-",
                first_number: 1001,
                birth_years: (2014, 2014),
                all_looked_after: false,
                school: Some(THORNLEA),
                sharing: Sharing::Consent(
                    ConsentGivenBy::ParentCarer,
                    "Parent agreed when signing up for the evenings",
                ),
                none_every: None,
                referral: ReferralSource::SelfOrFamily,
                referred_on: "2025-10-01",
                started_on: "2025-10-13",
                lift: 0.8,
            }),
            returns: &[
                ReturnPlan {
                    period: AUTUMN_2025,
                    narrative: "## Autumn term\nSix evenings; every family came to at least \
                                four.",
                    measures: &[
                        measure(OutcomePhase::Baseline, "2025-10-17", 0.0),
                        measure(OutcomePhase::Interim, "2025-12-12", 0.5),
                    ],
                    stories: &[],
                    review: Review::Accepted("Accepted."),
                },
                ReturnPlan {
                    period: SPRING_2026,
                    narrative: "## Spring term (draft)\nExit measures.",
                    measures: &[measure(OutcomePhase::Exit, "2026-03-20", 1.0)],
                    stories: &[],
                    review: Review::Draft,
                },
            ],
            endings: Endings::Everyone {
                on: "2026-03-27",
                reason: ExitReason::Completed,
            },
            finally: ServiceStatus::Closed,
        },
    ],
};

pub(super) const RAISING_ATTAINMENT: PartnershipPlan = PartnershipPlan {
    name: "Raising Attainment Together",
    purpose: "Raise attainment for young people at risk of falling behind, by first agreeing \
              aims from our shared values rather than each agency's own agenda.",
    kind: PartnershipKind::StrategicPlanning,
    area: GALLOWAY,
    start: "2025-06-01",
    by: COMMISSIONER.email,
    responsibilities: "Convenes the partners, holds the shared plan and reports progress to the \
                       children's services board.",
    members: &[
        (
            COMMUNITY_LEARNING,
            MemberRole::Provider,
            "Runs after-school study clubs in the secondary schools, three evenings a week.",
        ),
        (
            SOCIAL_WORK,
            MemberRole::Partner,
            "Identifies young people at risk of falling behind and joins the termly reviews.",
        ),
        (
            GLENMUIR_HIGH,
            MemberRole::Partner,
            "Hosts the clubs and shares attendance data each term.",
        ),
        (
            KIRKBRAE,
            MemberRole::Partner,
            "Hosts a club and releases a teacher one evening a week.",
        ),
    ],
    agreements: &[
        AgreementPlan {
            kind: AgreementKind::PartnershipAgreement,
            title: "Raising Attainment Together: shared aims",
            body: "## Our values\nEvery young person can achieve; no agency owns the \
                   problem.\n\n## Aims\nBetter attendance and engagement with learning, \
                   measured the same way by everyone.",
            effective_from: "2025-08-18",
            review_due: "2026-08-17",
            signed_by: Signed::Everyone,
        },
        AgreementPlan {
            kind: AgreementKind::PartnershipAgreement,
            title: "Raising Attainment Together: shared aims (second version)",
            body: "## Our values\nEvery young person can achieve; no agency owns the \
                   problem.\n\n## Aims\nAs before, with social work leading on referrals and \
                   the schools on data.",
            effective_from: "2026-08-17",
            review_due: "2027-08-16",
            signed_by: Signed::Only(&[]),
        },
    ],
    targets: &[
        TargetPlan {
            indicator: "ATTENDANCE_PCT",
            title: "Average attendance of 80%",
            aggregation: TargetAggregation::MeanLatest,
            baseline: 66.0,
            target: 80.0,
            state: TargetState::Agreed,
        },
        TargetPlan {
            indicator: "ENGAGEMENT_LEARNING",
            title: "Two in three more engaged with learning",
            aggregation: TargetAggregation::PercentImproved,
            baseline: 0.0,
            target: 65.0,
            state: TargetState::Agreed,
        },
        TargetPlan {
            indicator: "ENGAGEMENT_LEARNING",
            title: "Engagement score of 7",
            aggregation: TargetAggregation::MeanLatest,
            baseline: 5.0,
            target: 7.0,
            state: TargetState::Retired,
        },
    ],
    status: PartnershipStatus::UnderReview,
    review: None,
    next_review_due: Some("2026-09-30"),
    services: &[ServicePlan {
        name: "After-school study clubs",
        description: "Three evenings a week in the secondary schools: homework help, a meal and \
                      a mentor for anyone who wants one.",
        category: InterventionCategory::YouthWork,
        area: GALLOWAY,
        start: "2025-08-25",
        capacity: 45,
        provider: "tutor@glenmuir-learning.example.org",
        created_by: "tutor@glenmuir-learning.example.org",
        indicators: &["ATTENDANCE_PCT", "ENGAGEMENT_LEARNING"],
        cohort: Some(Cohort {
            size: 40,
            prefix: "GCL-",
            first_number: 1,
            birth_years: (2010, 2012),
            all_looked_after: false,
            school: Some(GLENMUIR_HIGH),
            sharing: Sharing::PublicTask(
                "The council's duty to improve attainment, under the partnership's protocol",
            ),
            none_every: Some(8),
            referral: ReferralSource::SocialWork,
            referred_on: "2025-09-01",
            started_on: "2025-09-08",
            lift: 0.7,
        }),
        returns: &[
            ReturnPlan {
                period: AUTUMN_2025,
                narrative: "## Autumn term\nClubs running in both schools.",
                measures: &[
                    measure(OutcomePhase::Baseline, "2025-09-19", 0.0),
                    measure(OutcomePhase::Interim, "2025-12-12", 0.3),
                ],
                stories: &[],
                review: Review::Accepted("Accepted."),
            },
            ReturnPlan {
                period: SPRING_2026,
                narrative: "## Spring term\nAttendance at the clubs dipped in February.",
                measures: &[measure(OutcomePhase::Interim, "2026-03-27", 0.6)],
                stories: &[],
                review: Review::Accepted("Accepted; let's discuss the February dip."),
            },
            ReturnPlan {
                period: SUMMER_2026,
                narrative: "## Summer term\nSent with last term's figures by mistake.",
                measures: &[],
                stories: &[StoryPlan {
                    about: None,
                    title: "Exam leave",
                    body: "Fewer of us came in May because of exams, but the quiet room helped.",
                    wellbeing: &[Wellbeing::Achieving],
                    consent_to_share: false,
                }],
                review: Review::Withdrawn,
            },
            ReturnPlan {
                period: SUMMER_2026,
                narrative: "## Summer term\nExit measures for the year.",
                measures: &[measure(OutcomePhase::Exit, "2026-06-26", 1.0)],
                stories: &[StoryPlan {
                    about: Some(2),
                    title: "Homework done",
                    body: "I do my homework at the club now because it is quiet and there is \
                           food. My guidance teacher noticed.",
                    wellbeing: &[Wellbeing::Achieving, Wellbeing::Healthy],
                    consent_to_share: true,
                }],
                review: Review::Accepted("Accepted. A solid year."),
            },
        ],
        endings: Endings::None,
        finally: ServiceStatus::Active,
    }],
};

pub(super) const CARE_EXPERIENCED_FUTURES: PartnershipPlan = PartnershipPlan {
    name: "Care Experienced Futures",
    purpose: "Improve educational outcomes for looked-after young people through joint action, \
              not only joint planning: common targets, agreed evaluation and shared training.",
    kind: PartnershipKind::Funding,
    area: SOUTH_AYRSHIRE,
    start: "2025-07-01",
    by: "grants@westshore-fund.example.org",
    responsibilities: "Funds the mentoring service for three years and commissions its \
                       independent evaluation.",
    members: &[
        (
            COUNCIL,
            MemberRole::Commissioner,
            "Acts as corporate parent: refers young people, attends every review and shares \
             the targets with the children's services board.",
        ),
        (
            LANTERNHILL,
            MemberRole::Provider,
            "Mentors each young person from S4 until a positive destination is secure.",
        ),
        (
            SOCIAL_WORK,
            MemberRole::Partner,
            "Names a lead worker for each young person and shares plans under the protocol.",
        ),
        (
            HEALTH,
            MemberRole::Partner,
            "Offers a named nurse and a health assessment to every young person.",
        ),
    ],
    agreements: &[
        AgreementPlan {
            kind: AgreementKind::InformationSharingProtocol,
            title: "Care Experienced Futures information-sharing protocol",
            body: "## What we share\nOnly what each young person's plan needs, with their \
                   agreement wherever they have a real choice.\n\n## What we never share\n\
                   Names, addresses, case notes.",
            effective_from: "2025-08-01",
            review_due: "2026-08-01",
            signed_by: Signed::Everyone,
        },
        AgreementPlan {
            kind: AgreementKind::PartnershipAgreement,
            title: "Care Experienced Futures partnership agreement",
            body: "## Common targets\nPositive destinations and confidence, measured by every \
                   partner the same way.\n\n## Leadership\nEach partner leads one strand of the \
                   plan.",
            effective_from: "2025-08-01",
            review_due: "2026-08-01",
            signed_by: Signed::Everyone,
        },
    ],
    targets: &[
        TargetPlan {
            indicator: "POSITIVE_DESTINATION",
            title: "Eight in ten reach a positive destination",
            aggregation: TargetAggregation::PercentAchieved,
            baseline: 55.0,
            target: 80.0,
            state: TargetState::Agreed,
        },
        TargetPlan {
            indicator: "CONFIDENCE",
            title: "Confidence rises by one and a half points",
            aggregation: TargetAggregation::MeanChange,
            baseline: 0.0,
            target: 1.5,
            state: TargetState::Agreed,
        },
    ],
    status: PartnershipStatus::Active,
    review: Some((
        "2026-08-20",
        "Move from planning to action: each partner now leads one strand, and the young \
         people's voice group starts in January.",
    )),
    next_review_due: None,
    services: &[
        ServicePlan {
            name: "Lanternhill mentoring",
            description: "A trained volunteer mentor for each care-experienced young person \
                          from S4, meeting weekly until a positive destination is secure.",
            category: InterventionCategory::Mentoring,
            area: SOUTH_AYRSHIRE,
            start: "2025-08-18",
            capacity: 40,
            provider: "mentor@lanternhill.example.org",
            created_by: "grants@westshore-fund.example.org",
            indicators: &[
                "POSITIVE_DESTINATION",
                "CONFIDENCE",
                "ENGAGEMENT_LEARNING",
                "FEELING_LISTENED_TO",
            ],
            cohort: Some(Cohort {
                size: 40,
                prefix: "LM-",
                first_number: 1,
                birth_years: (2008, 2010),
                all_looked_after: true,
                school: None,
                sharing: Sharing::Consent(
                    ConsentGivenBy::Child,
                    "The young person agreed at their looked-after review",
                ),
                none_every: None,
                referral: ReferralSource::SocialWork,
                referred_on: "2025-08-20",
                started_on: "2025-09-01",
                lift: 1.0,
            }),
            returns: &[
                ReturnPlan {
                    period: AUTUMN_2025,
                    narrative: "## Autumn term\nEvery young person matched with a mentor.",
                    measures: &[
                        measure(OutcomePhase::Baseline, "2025-09-12", 0.0),
                        measure(OutcomePhase::Interim, "2025-12-05", 0.35),
                    ],
                    stories: &[StoryPlan {
                        about: Some(7),
                        title: "My mentor turns up",
                        body: "My mentor turns up every week, even when I said I would not \
                               come. We talked about college.",
                        wellbeing: &[Wellbeing::Nurtured, Wellbeing::Respected],
                        consent_to_share: true,
                    }],
                    review: Review::Accepted("Accepted. Good matching."),
                },
                ReturnPlan {
                    period: SPRING_2026,
                    narrative: "## Spring term\nCollege taster days for S5 and S6.",
                    measures: &[measure(OutcomePhase::Interim, "2026-03-20", 0.7)],
                    stories: &[],
                    review: Review::Accepted("Accepted."),
                },
                ReturnPlan {
                    period: SUMMER_2026,
                    narrative: "## Summer term\nDestinations of this year's leavers.",
                    measures: &[measure(OutcomePhase::Exit, "2026-06-26", 1.0)],
                    stories: &[StoryPlan {
                        about: Some(12),
                        title: "College in August",
                        body: "I got a place at college to do construction. My mentor came to \
                               the interview with me.",
                        wellbeing: &[Wellbeing::Achieving, Wellbeing::Responsible],
                        consent_to_share: true,
                    }],
                    review: Review::Commented(
                        "Thank you. Before we decide: what happened for the young people whose \
                         destination is not yet known?",
                    ),
                },
                ReturnPlan {
                    period: AUTUMN_2026,
                    narrative: "## Autumn term (draft)\nFollow-up at three months.",
                    measures: &[measure(OutcomePhase::FollowUp, "2026-10-30", 1.05)],
                    stories: &[],
                    review: Review::Draft,
                },
            ],
            endings: Endings::WhenAchieved {
                indicator: "POSITIVE_DESTINATION",
                on: "2026-06-26",
                reason: ExitReason::Completed,
            },
            finally: ServiceStatus::Active,
        },
        ServicePlan {
            name: "Young people's voice group",
            description: "Care-experienced young people advise the partnership on its plan and \
                          its evaluation.",
            category: InterventionCategory::ParticipationAdvocacy,
            area: GALLOWAY,
            start: "2027-01-11",
            capacity: 12,
            provider: "mentor@lanternhill.example.org",
            created_by: "mentor@lanternhill.example.org",
            indicators: &["FEELING_LISTENED_TO"],
            cohort: None,
            returns: &[],
            endings: Endings::None,
            finally: ServiceStatus::Planned,
        },
    ],
};

pub(super) const PARTNERSHIPS: [PartnershipPlan; 4] = [
    RETURN_TICKET,
    MOVING_UP,
    RAISING_ATTAINMENT,
    CARE_EXPERIENCED_FUTURES,
];
