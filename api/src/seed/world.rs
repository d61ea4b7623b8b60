//! Builds the dataset in memory, every table but `outcome_records`, which [`super::records`]
//! streams from the [`Delivery`] and [`Journey`] plans made here (a million records would not fit
//! comfortably in memory at once; the other tables are small).
//!
//! Every row satisfies the rules the API enforces when the same data is entered through it
//! (DESIGN §3): each partnership keeps an active COMMISSIONER member, interventions are delivered
//! by active PROVIDER members, a participant is enrolled only by its own provider, sharing
//! decisions are complete, agreements are AGREED only once every member then active has signed,
//! and target values fit their aggregation.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use entity::{
    agreement, agreement_signature, enrolment,
    enums::{
        AgreementKind, AgreementStatus, ConsentGivenBy, ExitReason, IndicatorUnit,
        InterventionCategory, InterventionStatus, MemberRole, OrganisationKind, PartnershipKind,
        PartnershipStatus, ReferralSource, ReviewDecision, Sector, Sex, SharingBasis,
        SubmissionStatus, TargetState, UserRole,
    },
    evaluation_submission, indicator, intervention, intervention_indicator, organisation,
    participant, partnership, partnership_member, review_comment, story, target, user,
};
use serde_json::Value as Json;
use uuid::Uuid;

use super::{
    ADMIN_EMAIL, Scale, SeedError,
    names::{
        self, FIRST_NAMES, FUNDERS, PLACES, PROVIDER_FIRST, PROVIDER_SECOND, SCHOOL_KINDS, STORIES,
        SURNAMES, TARGETS, THEMES, Theme,
    },
    rng::Rng,
};

/// The last day anything is observed: submissions' periods end by then.
pub const DATA_END: NaiveDate = date(2026, 10, 31);
/// The day the dataset describes: every submission, decision and review happened by then.
const SNAPSHOT: NaiveDate = date(2026, 11, 28);
/// The earliest partnership starts on this day.
const PROGRAMME_START: NaiveDate = date(2024, 3, 1);
/// Organisations and users were registered from this day.
const REGISTERED: NaiveDate = date(2024, 1, 8);
/// Each intervention's evidence comes in this many submissions, one per period.
const PERIODS: i64 = 5;
/// The random stream the participants' record keys (disclosure control) are drawn from.
const RECORD_KEYS: u64 = 7;

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("not a calendar date"),
    }
}

/// `date` at `hour`:00 UTC.
pub fn at(date: NaiveDate, hour: i64) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN + TimeDelta::hours(hour))
        .and_utc()
}

pub fn days(date: NaiveDate, days: i64) -> NaiveDate {
    date + TimeDelta::days(days)
}

fn months(date: NaiveDate, months: i64) -> NaiveDate {
    date + Months::new(u32::try_from(months).unwrap_or_default())
}

/// What the generator reads from the migrated database: the areas and the indicator library.
pub struct Reference {
    /// `(code, name)` of every area, by code.
    pub areas: Vec<(String, String)>,
    pub indicators: HashMap<String, indicator::Model>,
}

impl Reference {
    fn indicator(&self, code: &'static str) -> Result<&indicator::Model, SeedError> {
        self.indicators
            .get(code)
            .ok_or(SeedError::MissingIndicator(code))
    }
}

/// What an outcome record of one indicator is drawn as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MeasureKind {
    /// A soft outcome on a bounded scale, which tends to rise.
    Score { min: f64, max: f64 },
    /// Attendance: tends to rise.
    Percent,
    /// Days excluded in a period: mostly 0.
    Days,
    /// Whether the young person is back in mainstream school.
    Reintegration,
    /// Whether the young person moved on to a positive destination.
    Destination,
}

/// One indicator an intervention reports on.
pub struct Measure {
    pub indicator_id: Uuid,
    pub kind: MeasureKind,
    /// Attendance and exclusions come from schools; other measures from the young person or
    /// the provider.
    pub from_school: bool,
}

/// One submission's period.
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub submission_id: Uuid,
}

/// How an intervention's outcome records are generated.
pub struct Delivery {
    pub measures: Vec<Measure>,
    pub category: InterventionCategory,
    pub start: NaiveDate,
    /// The last day of its last period: its end date, or [`DATA_END`] while it runs.
    pub window_end: NaiveDate,
    /// Days between a young person's reviews.
    pub interval_days: i64,
    /// The provider user who enters its data.
    pub recorder: Uuid,
    /// The commissioner user who reviews its evidence.
    reviewer: Uuid,
    closed: bool,
    area: usize,
    name: String,
    pub periods: Vec<Period>,
    /// Indexes of its enrolments in [`World::journeys`].
    journeys: Vec<usize>,
}

impl Delivery {
    /// The submission whose period holds `date`.
    pub fn submission_on(&self, date: NaiveDate) -> Option<Uuid> {
        let index = self.periods.partition_point(|period| period.end < date);
        self.periods
            .get(index)
            .filter(|period| period.start <= date)
            .map(|period| period.submission_id)
    }
}

/// One enrolment, as outcome records are generated from it.
pub struct Journey {
    pub enrolment_id: Uuid,
    /// Index of its intervention in [`World::deliveries`].
    pub delivery: usize,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub exit_reason: Option<ExitReason>,
    /// Age at referral.
    pub age: i32,
}

impl Journey {
    fn active_during(&self, period: &Period) -> bool {
        self.started_on <= period.end && self.ended_on.is_none_or(|ended| ended >= period.start)
    }
}

/// Every row of the dataset except outcome records, in insertion order per table.
#[derive(Default)]
pub struct World {
    pub organisations: Vec<organisation::Model>,
    pub users: Vec<user::Model>,
    pub partnerships: Vec<partnership::Model>,
    pub members: Vec<partnership_member::Model>,
    pub agreements: Vec<agreement::Model>,
    pub signatures: Vec<agreement_signature::Model>,
    pub targets: Vec<target::Model>,
    pub interventions: Vec<intervention::Model>,
    pub intervention_indicators: Vec<intervention_indicator::Model>,
    pub participants: Vec<participant::Model>,
    pub enrolments: Vec<enrolment::Model>,
    pub submissions: Vec<evaluation_submission::Model>,
    pub review_comments: Vec<review_comment::Model>,
    pub stories: Vec<story::Model>,
    /// One per intervention, in the same order.
    pub deliveries: Vec<Delivery>,
    /// One per enrolment, in the same order.
    pub journeys: Vec<Journey>,
}

/// An organisation as the generator uses it.
struct Org {
    id: Uuid,
    name: String,
    kind: OrganisationKind,
    /// An active user who signs agreements for it.
    signer: Uuid,
    /// Its first active COMMISSIONER or PROVIDER user, who reviews or records evidence.
    worker: Uuid,
    /// Prefix of its participants' reference codes.
    initials: String,
}

/// The organisations of one council area.
#[derive(Default)]
struct AreaOrgs {
    council: usize,
    community_learning: usize,
    social_work: usize,
    health: usize,
    schools: Vec<usize>,
    /// Voluntary providers based in the area.
    providers: Vec<usize>,
}

/// A partnership as the later steps need it.
struct PartnershipPlan {
    theme: &'static Theme,
    area: usize,
    /// Active PROVIDER members, the main provider first.
    providers: Vec<usize>,
    /// The commissioner user who reviews evidence.
    reviewer: Uuid,
}

struct Builder<'a> {
    scale: Scale,
    reference: &'a Reference,
    root: Rng,
    world: World,
    orgs: Vec<Org>,
    areas: Vec<AreaOrgs>,
    national_providers: Vec<usize>,
    all_providers: Vec<usize>,
    funders: Vec<usize>,
    plans: Vec<PartnershipPlan>,
}

impl World {
    /// The dataset for `scale`: the same scale always gives the same rows.
    pub fn generate(scale: Scale, reference: &Reference, root: &Rng) -> Result<Self, SeedError> {
        if reference.areas.is_empty() {
            return Err(SeedError::NoAreas);
        }
        let mut builder = Builder {
            scale,
            reference,
            root: root.clone(),
            world: World::default(),
            orgs: Vec::new(),
            areas: Vec::new(),
            national_providers: Vec::new(),
            all_providers: Vec::new(),
            funders: Vec::new(),
            plans: Vec::new(),
        };
        builder.organisations();
        builder.partnerships();
        builder.interventions()?;
        builder.targets()?;
        builder.participants();
        builder.submissions();
        Ok(builder.world)
    }
}

impl Builder<'_> {
    fn area_name(&self, area: usize) -> &str {
        self.reference
            .areas
            .get(area)
            .map_or("", |(_, name)| name.as_str())
    }

    fn area_code(&self, area: usize) -> String {
        self.reference
            .areas
            .get(area)
            .map_or_else(String::new, |(code, _)| code.clone())
    }

    /// Adds an organisation and its staff: `staff` users of each role, the first of each
    /// active; `dormant` adds a deactivated former member of staff.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call per kind of organisation"
    )]
    fn add_org(
        &mut self,
        rng: &mut Rng,
        name: String,
        kind: OrganisationKind,
        sector: Sector,
        area: usize,
        charity_number: Option<String>,
        staff: &[(UserRole, usize)],
        dormant: bool,
    ) -> usize {
        let index = self.orgs.len();
        let created = at(REGISTERED, 9) + TimeDelta::minutes(i64::try_from(index).unwrap_or(0));
        let id = rng.id_at(created);
        let slug = names::slug(&name);
        let mut signer = None;
        let mut worker = None;
        let mut staff: Vec<(UserRole, usize, bool)> = staff
            .iter()
            .flat_map(|&(role, count)| (1..=count).map(move |n| (role, n, true)))
            .collect();
        if dormant {
            let number = staff.len() + 1;
            staff.push((UserRole::Provider, number, false));
        }
        for (offset, (role, number, active)) in staff.into_iter().enumerate() {
            let user_created = created + TimeDelta::seconds(1 + offset as i64);
            let email = if role == UserRole::Admin {
                ADMIN_EMAIL.to_owned()
            } else {
                let local = match role {
                    UserRole::Admin | UserRole::Commissioner => "commissioner",
                    UserRole::Provider => "provider",
                    UserRole::Viewer => "viewer",
                };
                format!("{local}{number}@{slug}.example.org")
            };
            let user_id = rng.id_at(user_created);
            if active {
                signer.get_or_insert(user_id);
                if matches!(role, UserRole::Commissioner | UserRole::Provider) {
                    worker.get_or_insert(user_id);
                }
            }
            self.world.users.push(user::Model {
                id: user_id,
                email,
                display_name: format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&SURNAMES)),
                organisation_id: id,
                role,
                active,
                created_at: user_created,
                updated_at: user_created,
                version: if active { 1 } else { 2 },
            });
        }
        let signer = signer.unwrap_or(id);
        self.orgs.push(Org {
            id,
            name: name.clone(),
            kind,
            signer,
            worker: worker.unwrap_or(signer),
            initials: names::initials(&name),
        });
        self.world.organisations.push(organisation::Model {
            id,
            name,
            kind,
            sector,
            area_code: self.area_code(area),
            charity_number,
            created_at: created,
            updated_at: created,
            version: 1,
        });
        index
    }

    /// Each council area's council, community learning service, social work and school health
    /// teams and schools; voluntary providers, some working nationally; national funders; and
    /// the data service whose admin runs the installation.
    fn organisations(&mut self) {
        use OrganisationKind as K;
        use UserRole as R;
        let mut rng = self.root.fork(1);
        let area_count = self.reference.areas.len();
        for area in 0..area_count {
            let name = self.area_name(area).to_owned();
            let council = self.add_org(
                &mut rng,
                format!("{name} Council"),
                K::LocalAuthority,
                Sector::Statutory,
                area,
                None,
                &[(R::Commissioner, 2), (R::Viewer, 1)],
                false,
            );
            let community_learning = self.add_org(
                &mut rng,
                format!("{name} Community Learning and Development"),
                K::CommunityEducation,
                Sector::Statutory,
                area,
                None,
                &[(R::Provider, 2)],
                false,
            );
            let social_work = self.add_org(
                &mut rng,
                format!("{name} Children and Families Social Work"),
                K::SocialWork,
                Sector::Statutory,
                area,
                None,
                &[(R::Viewer, 1)],
                false,
            );
            let health = self.add_org(
                &mut rng,
                format!("{name} School Health Team"),
                K::Health,
                Sector::Statutory,
                area,
                None,
                &[(R::Viewer, 1)],
                false,
            );
            self.areas.push(AreaOrgs {
                council,
                community_learning,
                social_work,
                health,
                ..AreaOrgs::default()
            });
        }

        for school in 0..self.scale.count(384.0, area_count) {
            let (area, nth) = (school % area_count, school / area_count);
            let place = PLACES[(nth * 11 + area * 7) % PLACES.len()];
            let kind = SCHOOL_KINDS[(nth + area) % SCHOOL_KINDS.len()];
            // 11 is coprime with the number of places: an area's first 40 schools differ.
            let round = nth / PLACES.len();
            let suffix = if round > 0 {
                format!(" {}", round + 1)
            } else {
                String::new()
            };
            let name = format!("{place} {kind}{suffix}, {}", self.area_name(area));
            let index = self.add_org(
                &mut rng,
                name,
                K::School,
                Sector::Statutory,
                area,
                None,
                &[(R::Viewer, 1)],
                false,
            );
            self.areas[area].schools.push(index);
        }

        let pairs = PROVIDER_FIRST.len() * PROVIDER_SECOND.len();
        for provider in 0..self.scale.count(150.0, 1) {
            let first = PROVIDER_FIRST[provider % PROVIDER_FIRST.len()];
            let second = PROVIDER_SECOND[(provider / PROVIDER_FIRST.len()) % PROVIDER_SECOND.len()];
            let name = match provider / pairs {
                0 => format!("{first} {second}"),
                round => format!("{first} {second} {}", round + 1),
            };
            let area = rng.below(area_count);
            let social_enterprise = rng.chance(0.12);
            let (kind, sector, charity) = if social_enterprise {
                (K::Other, Sector::Private, None)
            } else {
                (
                    K::Voluntary,
                    Sector::Voluntary,
                    Some(format!("SC9{provider:05}")),
                )
            };
            let dormant = rng.chance(0.1);
            let index = self.add_org(
                &mut rng,
                name,
                kind,
                sector,
                area,
                charity,
                &[(R::Provider, 2)],
                dormant,
            );
            if rng.chance(0.15) {
                self.national_providers.push(index);
            } else {
                self.areas[area].providers.push(index);
            }
            self.all_providers.push(index);
        }

        for funder in 0..self.scale.count(6.0, 1) {
            let name = match funder / FUNDERS.len() {
                0 => FUNDERS[funder].to_owned(),
                round => format!("{} {}", FUNDERS[funder % FUNDERS.len()], round + 1),
            };
            let area = rng.below(area_count);
            let index = self.add_org(
                &mut rng,
                name,
                K::Funder,
                Sector::Voluntary,
                area,
                Some(format!("SC8{funder:05}")),
                &[(R::Commissioner, 1)],
                false,
            );
            self.funders.push(index);
        }

        let edinburgh = self
            .reference
            .areas
            .iter()
            .position(|(code, _)| code == "S12000036")
            .unwrap_or(0);
        self.add_org(
            &mut rng,
            "Outcomes Data Service".to_owned(),
            K::Other,
            Sector::Statutory,
            edinburgh,
            None,
            &[(R::Admin, 1)],
            false,
        );
    }

    /// Partnerships with their members and written agreements. Every area gets one before any
    /// gets a second; the rest go unevenly, as services do (the "postcode lottery").
    fn partnerships(&mut self) {
        let mut rng = self.root.fork(2);
        let area_count = self.reference.areas.len();
        let mut order: Vec<usize> = (0..area_count).collect();
        rng.shuffle(&mut order);
        let area_weights: Vec<f64> = (0..area_count).map(|_| 0.3 + 2.0 * rng.unit()).collect();
        let theme_weights: Vec<f64> = THEMES.iter().map(|theme| theme.weight).collect();
        let mut seen: HashMap<String, usize> = HashMap::new();

        for index in 0..self.scale.count(100.0, 1) {
            let area = order
                .get(index)
                .copied()
                .unwrap_or_else(|| rng.weighted(&area_weights));
            let theme = &THEMES[rng.weighted(&theme_weights)];
            let base = format!("{} {}", self.area_name(area), theme.name);
            let repeat = seen.entry(base.clone()).or_default();
            *repeat += 1;
            let name = match *repeat {
                1 => base,
                n => format!("{base} {n}"),
            };

            let start = days(PROGRAMME_START, rng.between(0, 150));
            let status = [
                PartnershipStatus::Active,
                PartnershipStatus::UnderReview,
                PartnershipStatus::Ended,
            ][rng.weighted(&[0.85, 0.10, 0.05])];
            let end_date =
                (status == PartnershipStatus::Ended).then(|| months(start, rng.between(18, 24)));
            let interval = *rng.pick(&[6, 12, 12, 12]);
            let last_day = end_date.unwrap_or(SNAPSHOT);
            let mut due = 0;
            while months(start, interval * (due + 1)) <= last_day {
                due += 1;
            }
            // One in seven partnerships let its last review slip, and is overdue.
            let held = if due > 0 && rng.chance(0.15) {
                due - 1
            } else {
                due
            };
            let last_reviewed_on =
                (held > 0).then(|| days(months(start, interval * held), -rng.between(0, 10)));
            let next_review_due = months(last_reviewed_on.unwrap_or(start), interval);
            let created = at(days(start, -30), 10);
            let updated = last_reviewed_on.map_or(created, |day| at(day, 16));
            let id = rng.id_at(created);
            self.world.partnerships.push(partnership::Model {
                id,
                name: name.clone(),
                purpose: theme.purpose.to_owned(),
                kind: theme.kind,
                status,
                area_code: self.area_code(area),
                start_date: start,
                end_date,
                review_interval_months: i32::try_from(interval).unwrap_or(12),
                next_review_due,
                last_reviewed_on,
                last_review_notes: last_reviewed_on.map(|_| {
                    "Reviewed progress against targets and the latest evidence. Partners agreed \
                     to keep the current services and to look again at referral routes."
                        .to_owned()
                }),
                created_at: created,
                updated_at: updated,
                version: 1 + i32::try_from(held).unwrap_or(0),
            });
            self.members_and_agreements(&mut rng, id, &name, theme, area, start, interval);
        }
    }

    /// The members of a new partnership and its agreements, signed by those members.
    #[expect(
        clippy::too_many_arguments,
        reason = "the partnership's defining fields"
    )]
    fn members_and_agreements(
        &mut self,
        rng: &mut Rng,
        partnership_id: Uuid,
        name: &str,
        theme: &'static Theme,
        area: usize,
        start: NaiveDate,
        interval: i64,
    ) {
        let local = &self.areas[area];
        let mut members: Vec<(usize, MemberRole)> = vec![(local.council, MemberRole::Commissioner)];
        let mut reviewer = self.orgs[local.council].worker;
        if theme.kind == PartnershipKind::Funding && !self.funders.is_empty() {
            let funder = *rng.pick(&self.funders);
            members.push((funder, MemberRole::Commissioner));
            reviewer = self.orgs[funder].worker;
        }

        let wanted = *rng.pick(&[1, 2, 2, 3, 3, 4]);
        let mut providers = Vec::new();
        if rng.chance(0.45) {
            providers.push(local.community_learning);
        }
        let mut pool: Vec<usize> = local
            .providers
            .iter()
            .chain(&self.national_providers)
            .copied()
            .collect();
        rng.shuffle(&mut pool);
        for _ in 0..wanted * 4 {
            if providers.len() >= wanted {
                break;
            }
            let candidate = pool.pop().unwrap_or_else(|| *rng.pick(&self.all_providers));
            if !providers.contains(&candidate) {
                providers.push(candidate);
            }
        }
        if providers.is_empty() {
            providers.push(local.community_learning);
        }
        members.extend(providers.iter().map(|&org| (org, MemberRole::Provider)));

        let mut schools = local.schools.clone();
        rng.shuffle(&mut schools);
        let partner_schools = usize::try_from(rng.between(1, 3))
            .unwrap_or(1)
            .min(schools.len());
        members.extend(
            schools
                .drain(..partner_schools)
                .map(|org| (org, MemberRole::Partner)),
        );
        if rng.chance(0.5) {
            members.push((local.social_work, MemberRole::Partner));
        }
        if rng.chance(0.3) {
            members.push((local.health, MemberRole::Partner));
        }
        // One in eight partnerships has a school that has since left.
        let former = schools.pop().filter(|_| rng.chance(0.12)).map(|org| {
            let left = days(start, rng.between(240, 420)).min(days(SNAPSHOT, -1));
            (org, left)
        });

        let mut roster: Vec<(usize, MemberRole, Option<NaiveDate>)> = members
            .iter()
            .map(|&(org, role)| (org, role, None))
            .collect();
        roster.extend(former.map(|(org, left)| (org, MemberRole::Partner, Some(left))));
        for &(org, role, left_on) in &roster {
            let created = at(start, 10);
            self.world.members.push(partnership_member::Model {
                id: rng.id_at(created),
                partnership_id,
                organisation_id: self.orgs[org].id,
                role,
                responsibilities: self.responsibilities(org, role, interval),
                joined_on: start,
                left_on,
                created_at: created,
                updated_at: left_on.map_or(created, |day| at(day, 12)),
                version: if left_on.is_some() { 2 } else { 1 },
            });
        }

        let member_names: Vec<String> = members
            .iter()
            .map(|&(org, role)| {
                format!(
                    "- **{}** ({}): {}",
                    self.orgs[org].name,
                    role_name(role),
                    self.responsibilities(org, role, interval)
                )
            })
            .collect();
        let members_text = member_names.join("\n");
        let superseded = rng.chance(0.3) && months(start, interval) < SNAPSHOT;
        let mut agreements = vec![(
            AgreementKind::PartnershipAgreement,
            1,
            start,
            if superseded {
                AgreementStatus::Superseded
            } else {
                AgreementStatus::Agreed
            },
        )];
        if superseded {
            agreements.push((
                AgreementKind::PartnershipAgreement,
                2,
                months(start, interval),
                AgreementStatus::Agreed,
            ));
        }
        agreements.push((
            AgreementKind::InformationSharingProtocol,
            1,
            days(start, rng.between(0, 30)),
            AgreementStatus::Agreed,
        ));
        if rng.chance(0.15) {
            agreements.push((
                AgreementKind::ServiceLevelAgreement,
                1,
                days(SNAPSHOT, 30),
                AgreementStatus::Draft,
            ));
        }
        for (kind, document_version, effective_from, status) in agreements {
            let created = at(days(effective_from.min(SNAPSHOT), -30), 9);
            let agreement_id = rng.id_at(created);
            // Who was a member on the day it took effect; a draft has only its author's signature.
            let signers: Vec<usize> = if status == AgreementStatus::Draft {
                vec![members[0].0]
            } else {
                roster
                    .iter()
                    .filter(|(_, _, left)| left.is_none_or(|left| left > effective_from))
                    .map(|&(org, _, _)| org)
                    .collect()
            };
            let mut last_signed = created;
            for org in signers {
                let signed_day = days(effective_from.min(SNAPSHOT), -rng.between(1, 14));
                let signed_at = at(signed_day, 12).max(created);
                last_signed = last_signed.max(signed_at);
                self.world.signatures.push(agreement_signature::Model {
                    id: rng.id_at(signed_at),
                    agreement_id,
                    organisation_id: self.orgs[org].id,
                    signed_by: self.orgs[org].signer,
                    signed_at,
                    created_at: signed_at,
                });
            }
            let (title, body) = agreement_text(kind, name, theme.purpose, &members_text, interval);
            self.world.agreements.push(agreement::Model {
                id: agreement_id,
                partnership_id,
                kind,
                document_version,
                title,
                body,
                effective_from,
                review_due: months(effective_from, 12),
                status,
                created_at: created,
                updated_at: last_signed,
                version: match status {
                    AgreementStatus::Draft => 1,
                    AgreementStatus::Agreed => 2,
                    AgreementStatus::Superseded => 3,
                },
            });
        }

        self.plans.push(PartnershipPlan {
            theme,
            area,
            providers,
            reviewer,
        });
    }

    /// What a member undertakes, in plain language.
    fn responsibilities(&self, org: usize, role: MemberRole, interval: i64) -> String {
        match (role, self.orgs[org].kind) {
            (MemberRole::Commissioner, OrganisationKind::Funder) => {
                "Fund the programme, agree targets with the partners and review the evidence \
                 each period."
                    .to_owned()
            }
            (MemberRole::Commissioner, _) => format!(
                "Commission the services, chair the partnership review every {interval} months \
                 and review evaluation evidence within 20 working days."
            ),
            (MemberRole::Provider, _) => {
                "Deliver the agreed services, record attendance and outcomes for each young \
                 person, and submit evaluation evidence within four weeks of each period's end."
                    .to_owned()
            }
            (MemberRole::Partner, OrganisationKind::School) => {
                "Refer pupils, share attendance and exclusion data each term and host sessions \
                 in school."
                    .to_owned()
            }
            (MemberRole::Partner, OrganisationKind::SocialWork) => {
                "Refer looked-after children, attend their reviews and share the goals of their \
                 care plans that the services can help with."
                    .to_owned()
            }
            (MemberRole::Partner, _) => {
                "Advise on health and wellbeing concerns and offer health assessments on \
                 referral."
                    .to_owned()
            }
        }
    }

    /// About ten interventions per partnership, delivered by its providers, each with the
    /// indicators its kind of service reports on.
    fn interventions(&mut self) -> Result<(), SeedError> {
        let mut rng = self.root.fork(3);
        let count = self.scale.count(1000.0, self.plans.len());
        let weights: Vec<f64> = self.plans.iter().map(|_| 0.5 + rng.unit()).collect();
        let per_partnership = allocate(count, &weights, 1);
        for (p, &count) in per_partnership.iter().enumerate() {
            let (partnership_id, partnership_start, partnership_end) = {
                let model = &self.world.partnerships[p];
                (model.id, model.start_date, model.end_date)
            };
            let plan = &self.plans[p];
            let (theme, area, reviewer) = (plan.theme, plan.area, plan.reviewer);
            let providers = plan.providers.clone();
            let provider_weights: Vec<f64> = (0..providers.len())
                .map(|rank| if rank == 0 { 2.0 } else { 1.0 })
                .collect();
            let category_weights: Vec<f64> = (1..=theme.categories.len())
                .map(|rank| 1.0 / rank as f64)
                .collect();
            for _ in 0..count {
                let provider = providers[rng.weighted(&provider_weights)];
                let category = theme.categories[rng.weighted(&category_weights)];
                let (service_names, codes) = names::category_profile(category);
                let name = format!("{} ({})", rng.pick(service_names), self.area_name(area));
                let start = days(partnership_start, rng.between(14, 120));
                let end_date = match partnership_end {
                    Some(end) => Some(end),
                    None if rng.chance(0.08) => {
                        Some(months(start, rng.between(12, 18)).min(DATA_END))
                    }
                    None => None,
                };
                let created = at(days(start, -14), 10);
                let id = rng.id_at(created);
                self.world.interventions.push(intervention::Model {
                    id,
                    partnership_id,
                    provider_id: self.orgs[provider].id,
                    name: name.clone(),
                    description: names::category_description(category).to_owned(),
                    category,
                    area_code: self.area_code(area),
                    start_date: start,
                    end_date,
                    capacity: rng
                        .chance(0.85)
                        .then(|| i32::try_from(rng.between(12, 60)).unwrap_or(20)),
                    status: if end_date.is_some() {
                        InterventionStatus::Closed
                    } else {
                        InterventionStatus::Active
                    },
                    created_at: created,
                    updated_at: end_date.map_or(created, |end| at(end, 17)),
                    version: if end_date.is_some() { 3 } else { 2 },
                });
                let mut measures = Vec::with_capacity(codes.len());
                for &code in codes {
                    let indicator = self.reference.indicator(code)?;
                    self.world
                        .intervention_indicators
                        .push(intervention_indicator::Model {
                            intervention_id: id,
                            indicator_id: indicator.id,
                            created_at: created,
                        });
                    measures.push(Measure {
                        indicator_id: indicator.id,
                        kind: measure_kind(indicator),
                        from_school: matches!(
                            indicator.unit,
                            IndicatorUnit::Percent | IndicatorUnit::Days
                        ),
                    });
                }
                self.world.deliveries.push(Delivery {
                    measures,
                    category,
                    start,
                    window_end: end_date.unwrap_or(DATA_END),
                    interval_days: rng.between(63, 98),
                    recorder: self.orgs[provider].worker,
                    reviewer,
                    closed: end_date.is_some(),
                    area,
                    name,
                    periods: Vec::new(),
                    journeys: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// Two to four targets per partnership, on indicators its interventions report on.
    fn targets(&mut self) -> Result<(), SeedError> {
        let mut rng = self.root.fork(4);
        let mut codes_by_partnership: Vec<Vec<&'static str>> = vec![Vec::new(); self.plans.len()];
        let partnership_index: HashMap<Uuid, usize> = self
            .world
            .partnerships
            .iter()
            .enumerate()
            .map(|(index, model)| (model.id, index))
            .collect();
        for (model, delivery) in self.world.interventions.iter().zip(&self.world.deliveries) {
            if let Some(&p) = partnership_index.get(&model.partnership_id) {
                let (_, codes) = names::category_profile(delivery.category);
                codes_by_partnership[p].extend(codes);
            }
        }
        for (p, codes) in codes_by_partnership.iter().enumerate() {
            let (partnership_id, start) = {
                let model = &self.world.partnerships[p];
                (model.id, model.start_date)
            };
            let mut templates: Vec<&names::TargetTemplate> = TARGETS
                .iter()
                .filter(|template| codes.contains(&template.code))
                .collect();
            rng.shuffle(&mut templates);
            let wanted = usize::try_from(rng.between(2, 4)).unwrap_or(2);
            for template in templates.into_iter().take(wanted) {
                let state = [
                    TargetState::Agreed,
                    TargetState::Proposed,
                    TargetState::Retired,
                ][rng.weighted(&[0.75, 0.15, 0.10])];
                let created = at(days(start, 14), 11);
                self.world.targets.push(target::Model {
                    id: rng.id_at(created),
                    partnership_id,
                    indicator_id: self.reference.indicator(template.code)?.id,
                    title: template.title.to_owned(),
                    aggregation: template.aggregation,
                    baseline_value: template.baseline,
                    baseline_date: start,
                    target_value: template.target,
                    target_date: months(start, *rng.pick(&[24, 36])),
                    state,
                    created_at: created,
                    updated_at: created,
                    version: if state == TargetState::Proposed { 1 } else { 2 },
                });
            }
        }
        Ok(())
    }

    /// Enrolments spread unevenly over interventions, and the young people behind them: each
    /// belongs to the provider that enrolls it, and about one in six is enrolled twice, in two
    /// of its provider's interventions.
    fn participants(&mut self) {
        let mut rng = self.root.fork(5);
        let interventions = self.world.interventions.len();
        let enrolments = self.scale.count(60_000.0, interventions);
        let wanted_people = self.scale.count(50_000.0, 1);
        let repeat_share = (1.0 - wanted_people as f64 / enrolments as f64).clamp(0.0, 0.5);
        let weights: Vec<f64> = (0..interventions)
            .map(|_| rng.normal(0.0, 0.45).exp())
            .collect();
        let per_intervention = allocate(enrolments, &weights, 1);

        let mut by_provider: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let org_index: HashMap<Uuid, usize> = self
            .orgs
            .iter()
            .enumerate()
            .map(|(index, org)| (org.id, index))
            .collect();
        for (index, model) in self.world.interventions.iter().enumerate() {
            if let Some(&org) = org_index.get(&model.provider_id) {
                by_provider.entry(org).or_default().push(index);
            }
        }

        for (org, delivered) in by_provider {
            let slots: Vec<usize> = delivered
                .iter()
                .flat_map(|&iv| std::iter::repeat_n(iv, per_intervention[iv]))
                .collect();
            let largest = delivered
                .iter()
                .map(|&iv| per_intervention[iv])
                .max()
                .unwrap_or(0);
            let repeats = (slots.len() as f64 * repeat_share).round() as usize;
            let people = slots.len().saturating_sub(repeats).max(largest);
            // Each person's participant row index and the intervention of their first
            // enrolment; a second enrolment goes to someone first enrolled elsewhere.
            let mut first: Vec<(usize, usize)> = Vec::with_capacity(people);
            let mut cursor = 0;
            for (slot, &iv) in slots.iter().enumerate() {
                let (referred, journey) = self.plan_enrolment(&mut rng, iv);
                let existing = if slot < people {
                    None
                } else {
                    while first
                        .get(cursor)
                        .is_some_and(|&(_, first_iv)| first_iv == iv)
                    {
                        cursor += 1;
                    }
                    cursor += 1;
                    first.get(cursor - 1).map(|&(row, _)| row)
                };
                let participant_row = match existing {
                    Some(row) => row,
                    None => {
                        let row = self.add_participant(&mut rng, org, iv, referred, journey.age);
                        first.push((row, iv));
                        row
                    }
                };
                self.add_enrolment(&mut rng, participant_row, iv, referred, journey);
            }
        }
    }

    /// Dates and outcome of one enrolment in intervention `iv`, and when it was referred.
    fn plan_enrolment(&self, rng: &mut Rng, iv: usize) -> (NaiveDate, Journey) {
        let delivery = &self.world.deliveries[iv];
        let (start, window_end) = (delivery.start, delivery.window_end);
        let latest = (window_end - start).num_days() - 45;
        let referred = days(start, rng.between(-21, latest.max(-21)));
        let started = days(referred, rng.between(7, 35))
            .max(start)
            .min(days(window_end, -10));
        let planned = rng.between(150, 420);
        let roll = rng.unit();
        let (length, early) = if roll < 0.10 {
            (
                planned * rng.between(30, 60) / 100,
                Some(ExitReason::Disengaged),
            )
        } else if roll < 0.16 {
            (
                planned * rng.between(20, 70) / 100,
                Some(ExitReason::MovedAway),
            )
        } else {
            (planned, None)
        };
        let end = days(started, length.max(30));
        let (ended_on, exit_reason) = if end <= window_end {
            let reason = early.unwrap_or_else(|| {
                if delivery.category == InterventionCategory::AlternativeEducation
                    && rng.chance(0.45)
                {
                    ExitReason::ReintegratedMainstream
                } else if rng.chance(0.06) {
                    ExitReason::Other
                } else {
                    ExitReason::Completed
                }
            });
            (Some(end), Some(reason))
        } else if delivery.closed {
            (Some(window_end), Some(ExitReason::Completed))
        } else {
            (None, None)
        };
        let (youngest, oldest) = names::category_ages(delivery.category);
        let journey = Journey {
            enrolment_id: Uuid::nil(),
            delivery: iv,
            started_on: started,
            ended_on,
            exit_reason,
            age: i32::try_from(rng.between(youngest.into(), oldest.into())).unwrap_or(youngest),
        };
        (referred, journey)
    }

    /// A young person of provider `org`, first referred to intervention `iv` on `referred`,
    /// with a complete information-sharing decision (§3.10).
    fn add_participant(
        &mut self,
        rng: &mut Rng,
        org: usize,
        iv: usize,
        referred: NaiveDate,
        age: i32,
    ) -> usize {
        let delivery = &self.world.deliveries[iv];
        let area = if rng.chance(0.88) {
            delivery.area
        } else {
            rng.below(self.areas.len())
        };
        let school = self.areas[area]
            .schools
            .get(rng.below(self.areas[area].schools.len()))
            .filter(|_| rng.chance(0.88))
            .map(|&school| self.orgs[school].id);
        let sex = [
            Some(Sex::Male),
            Some(Sex::Female),
            Some(Sex::Other),
            Some(Sex::NotRecorded),
            None,
        ][rng.weighted(&[0.50, 0.45, 0.01, 0.03, 0.01])];
        let looked_after_rate = match delivery.category {
            InterventionCategory::FamilySupport | InterventionCategory::ParticipationAdvocacy => {
                0.35
            }
            _ => 0.2,
        };
        let basis = [
            SharingBasis::Consent,
            SharingBasis::PublicTask,
            SharingBasis::LegalObligation,
            SharingBasis::VitalInterests,
            SharingBasis::None,
        ][rng.weighted(&[0.45, 0.34, 0.05, 0.01, 0.15])];
        let (reason, consent_given_by) = match basis {
            SharingBasis::Consent => (
                Some(
                    "Agreed that partners may see their progress so that school and services \
                     can plan support together.",
                ),
                Some(if age >= 12 && rng.chance(0.8) {
                    ConsentGivenBy::Child
                } else {
                    ConsentGivenBy::ParentCarer
                }),
            ),
            SharingBasis::PublicTask => (
                Some(
                    "Needed for the council's duty to support the child's education and \
                     wellbeing; proportionate as only pseudonymous progress data is shared.",
                ),
                None,
            ),
            SharingBasis::LegalObligation => (
                Some("Required for reports to the children's hearing under a supervision order."),
                None,
            ),
            SharingBasis::VitalInterests => (
                Some("Shared to protect the young person from serious harm."),
                None,
            ),
            SharingBasis::None => (
                rng.chance(0.3).then_some(
                    "The family asked that records stay with the provider; the service does \
                     not need them shared.",
                ),
                None,
            ),
        };
        let row = self.world.participants.len();
        let provider = &self.orgs[org];
        let created = at(referred, 11);
        self.world.participants.push(participant::Model {
            id: rng.id_at(created),
            provider_id: provider.id,
            reference: format!(
                "{}-{:02}-{:05}",
                provider.initials,
                referred.year() % 100,
                row + 1
            ),
            birth_year: referred.year() - age,
            sex,
            looked_after: rng.chance(looked_after_rate),
            additional_support_needs: rng.chance(0.4),
            area_code: self.area_code(area),
            school_id: school,
            sharing_basis: basis,
            sharing_reason: reason.map(str::to_owned),
            consent_given_by,
            sharing_recorded_on: referred,
            sharing_recorded_by: provider.worker,
            // From a stream of their own, so that the keys leave the rest of the world unchanged.
            record_key: (self.root.fork(RECORD_KEYS).fork(row as u64).next_u64() >> 33) as i32,
            created_at: created,
            updated_at: created,
            version: 1,
        });
        row
    }

    fn add_enrolment(
        &mut self,
        rng: &mut Rng,
        participant_row: usize,
        iv: usize,
        referred: NaiveDate,
        mut journey: Journey,
    ) {
        let created = at(referred, 12);
        let id = rng.id_at(created);
        let referral_source = [
            ReferralSource::School,
            ReferralSource::SocialWork,
            ReferralSource::Health,
            ReferralSource::SelfOrFamily,
            ReferralSource::Other,
        ][rng.weighted(&[0.45, 0.25, 0.08, 0.12, 0.10])];
        self.world.enrolments.push(enrolment::Model {
            id,
            participant_id: self.world.participants[participant_row].id,
            intervention_id: self.world.interventions[iv].id,
            referred_on: referred,
            referral_source,
            started_on: journey.started_on,
            ended_on: journey.ended_on,
            exit_reason: journey.exit_reason,
            created_at: created,
            updated_at: journey.ended_on.map_or(created, |day| at(day, 15)),
            version: if journey.ended_on.is_some() { 2 } else { 1 },
        });
        journey.enrolment_id = id;
        self.world.deliveries[iv]
            .journeys
            .push(self.world.journeys.len());
        self.world.journeys.push(journey);
    }

    /// Five submissions per intervention, one per period: older ones accepted, the latest in
    /// every state of the review workflow; with the review comments and stories that go with
    /// each state.
    fn submissions(&mut self) {
        let mut rng = self.root.fork(6);
        let latest_day = at(SNAPSHOT, 17);
        for iv in 0..self.world.deliveries.len() {
            let (start, window_end, closed) = {
                let delivery = &self.world.deliveries[iv];
                (delivery.start, delivery.window_end, delivery.closed)
            };
            let span = (window_end - start).num_days() + 1;
            for k in 0..PERIODS {
                let period_start = days(start, span * k / PERIODS);
                let period_end = days(start, span * (k + 1) / PERIODS - 1);
                use SubmissionStatus as S;
                let status = if closed {
                    if k == PERIODS - 1 && rng.chance(0.2) {
                        S::Submitted
                    } else {
                        S::Accepted
                    }
                } else if k < PERIODS - 2 {
                    if rng.chance(0.04) {
                        S::ChangesRequested
                    } else {
                        S::Accepted
                    }
                } else if k == PERIODS - 2 {
                    [S::Accepted, S::Submitted, S::ChangesRequested]
                        [rng.weighted(&[0.75, 0.10, 0.15])]
                } else {
                    [
                        S::Submitted,
                        S::Draft,
                        S::ChangesRequested,
                        S::Accepted,
                        S::Withdrawn,
                    ][rng.weighted(&[0.40, 0.30, 0.12, 0.13, 0.05])]
                };
                let created = at(days(period_start, 7).min(period_end), 9);
                let handed_in = match status {
                    S::Draft => false,
                    S::Withdrawn => rng.chance(0.5),
                    _ => true,
                };
                let submitted_at =
                    handed_in.then(|| at(days(period_end, rng.between(7, 28)), 15).min(latest_day));
                let decided = matches!(status, S::Accepted | S::ChangesRequested);
                let decided_at = submitted_at
                    .filter(|_| decided)
                    .map(|at| (at + TimeDelta::days(rng.between(3, 21))).min(latest_day));
                let withdrawn_at = (status == S::Withdrawn).then(|| {
                    submitted_at
                        .unwrap_or(at(period_end, 12))
                        .max(created)
                        .min(latest_day)
                });
                let updated = decided_at
                    .or(withdrawn_at)
                    .or(submitted_at)
                    .unwrap_or(created);
                let id = rng.id_at(created);
                let delivery = &self.world.deliveries[iv];
                let period = Period {
                    start: period_start,
                    end: period_end,
                    submission_id: id,
                };
                let active: Vec<usize> = delivery
                    .journeys
                    .iter()
                    .copied()
                    .filter(|&journey| self.world.journeys[journey].active_during(&period))
                    .collect();
                self.world.submissions.push(evaluation_submission::Model {
                    id,
                    intervention_id: self.world.interventions[iv].id,
                    period_start,
                    period_end,
                    narrative: narrative(&mut rng, &delivery.name, &period, active.len()),
                    status,
                    submitted_by: submitted_at.map(|_| delivery.recorder),
                    submitted_at,
                    decided_by: decided_at.map(|_| delivery.reviewer),
                    decided_at,
                    created_at: created,
                    updated_at: updated,
                    version: 1
                        + i32::from(handed_in)
                        + i32::from(decided)
                        + i32::from(withdrawn_at.is_some()),
                });
                let reviewer = delivery.reviewer;
                self.review_comments(&mut rng, id, reviewer, status, submitted_at, decided_at);
                self.stories(&mut rng, &period, &active, created, handed_in);
                self.world.deliveries[iv].periods.push(period);
            }
        }
    }

    fn review_comments(
        &mut self,
        rng: &mut Rng,
        submission_id: Uuid,
        author_id: Uuid,
        status: SubmissionStatus,
        submitted_at: Option<DateTime<Utc>>,
        decided_at: Option<DateTime<Utc>>,
    ) {
        let mut comments = Vec::new();
        if let Some(submitted_at) = submitted_at
            && rng.chance(0.15)
        {
            comments.push((
                submitted_at + TimeDelta::days(1),
                ReviewDecision::Comment,
                "Thanks for this. Could the next report say a little more about how young people \
                 were referred?",
            ));
        }
        if let Some(decided_at) = decided_at {
            comments.push(match status {
                SubmissionStatus::ChangesRequested => (
                    decided_at,
                    ReviewDecision::RequestChanges,
                    "Some exit records are missing for young people who finished in this \
                     period, and the fall in attendance needs explaining. Please add both and \
                     resubmit.",
                ),
                _ => (
                    decided_at,
                    ReviewDecision::Accept,
                    "Accepted: clear evidence, consistent with what partners see in school.",
                ),
            });
        }
        for (created, decision, body) in comments {
            self.world.review_comments.push(review_comment::Model {
                id: rng.id_at(created),
                submission_id,
                author_id,
                decision,
                body: body.to_owned(),
                created_at: created,
            });
        }
    }

    /// Usually one story per submission, sometimes two, from young people active in the
    /// period; only drafts may have none. A submission handed in always has one, which is
    /// enough evidence for it to have been submitted (§5.1) whatever its records.
    fn stories(
        &mut self,
        rng: &mut Rng,
        period: &Period,
        active: &[usize],
        created: DateTime<Utc>,
        handed_in: bool,
    ) {
        let none = if handed_in { 0.0 } else { 0.15 };
        let count = [0, 1, 2][rng.weighted(&[none, 0.70, 0.15])];
        for _ in 0..count {
            let (title, body, tags) = rng.pick(&STORIES);
            let enrolment_id = active
                .get(rng.below(active.len()))
                .filter(|_| rng.chance(0.9))
                .map(|&journey| self.world.journeys[journey].enrolment_id);
            let written =
                at(days(period.end, -rng.between(0, 30)).max(period.start), 13).max(created);
            self.world.stories.push(story::Model {
                id: rng.id_at(written),
                submission_id: period.submission_id,
                enrolment_id,
                title: (*title).to_owned(),
                body: (*body).to_owned(),
                wellbeing: Json::Array(tags.iter().map(|tag| Json::from(*tag)).collect()),
                consent_to_share: rng.chance(0.75),
                created_at: written,
                updated_at: written,
                version: 1,
            });
        }
    }
}

fn measure_kind(indicator: &indicator::Model) -> MeasureKind {
    match indicator.unit {
        IndicatorUnit::Score => MeasureKind::Score {
            min: indicator.scale_min.unwrap_or(1.0),
            max: indicator.scale_max.unwrap_or(10.0),
        },
        IndicatorUnit::Percent => MeasureKind::Percent,
        IndicatorUnit::Days | IndicatorUnit::Count => MeasureKind::Days,
        IndicatorUnit::Boolean if indicator.code == "REINTEGRATED_MAINSTREAM" => {
            MeasureKind::Reintegration
        }
        IndicatorUnit::Boolean => MeasureKind::Destination,
    }
}

/// Splits `total` into whole parts, at least `minimum` each, in proportion to `weights`; the
/// largest remainders take the odd units, so the parts add up to `total` exactly (when `total`
/// allows every part its minimum).
fn allocate(total: usize, weights: &[f64], minimum: usize) -> Vec<usize> {
    let rest = total.saturating_sub(minimum * weights.len()) as f64;
    let sum: f64 = weights.iter().sum();
    let shares: Vec<f64> = weights.iter().map(|weight| rest * weight / sum).collect();
    let mut parts: Vec<usize> = shares
        .iter()
        .map(|share| minimum + share.floor() as usize)
        .collect();
    let left = total.saturating_sub(parts.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        shares[b]
            .fract()
            .total_cmp(&shares[a].fract())
            .then(a.cmp(&b))
    });
    for index in order.into_iter().take(left) {
        parts[index] += 1;
    }
    parts
}

fn role_name(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Commissioner => "commissioner",
        MemberRole::Provider => "provider",
        MemberRole::Partner => "partner",
    }
}

/// Title and Markdown body of an agreement.
fn agreement_text(
    kind: AgreementKind,
    partnership: &str,
    purpose: &str,
    members: &str,
    interval: i64,
) -> (String, String) {
    match kind {
        AgreementKind::InformationSharingProtocol => (
            format!("{partnership}: information-sharing protocol"),
            format!(
                "# Information-sharing protocol\n\n## Why we share\n\n{purpose}\n\n## What we \
                 share\n\nEach provider shares a pseudonymous reference, birth year, area, a few \
                 flags and outcome measurements for the young people it works with, and only \
                 where the recorded sharing decision allows it. Names, dates of birth, \
                 addresses and case notes are never shared.\n\n## Who may see it\n\n\
                 Commissioners see individual records where the basis allows; everyone else \
                 sees totals, with small numbers withheld.\n\n## Members\n\n{members}\n"
            ),
        ),
        AgreementKind::ServiceLevelAgreement => (
            format!("{partnership}: service-level agreement"),
            format!(
                "# Service-level agreement\n\n## Service\n\n{purpose}\n\n## Standards\n\n- \
                 First contact within ten working days of referral.\n- Outcome measurements at \
                 the start, at least every three months, and at the end.\n- Evidence submitted \
                 within four weeks of each period's end.\n\n## Members\n\n{members}\n"
            ),
        ),
        AgreementKind::PartnershipAgreement | AgreementKind::PracticeProtocol => (
            format!("{partnership}: partnership agreement"),
            format!(
                "# Partnership agreement\n\n## Shared aims\n\n{purpose}\n\n## Who does \
                 what\n\n{members}\n\n## Review\n\nThe partners review this agreement, the \
                 targets and the evidence every {interval} months.\n"
            ),
        ),
    }
}

/// A provider's account of one period, in Markdown.
fn narrative(rng: &mut Rng, service: &str, period: &Period, young_people: usize) -> String {
    const WORKED: [&str; 4] = [
        "Meeting young people at the same time and place each week built trust quickly.",
        "Joint planning with guidance staff meant pupils had one plan rather than three.",
        "Parents and carers came to the family evenings, and several asked for more.",
        "Young people chose the activities, and attendance at sessions rose.",
    ];
    const DID_NOT: [&str; 4] = [
        "Referrals arrived in bursts, so some young people waited six weeks to start.",
        "Staff turnover meant two groups changed worker mid-period.",
        "Getting attendance data from schools took longer than planned.",
        "Transport to the rural sessions was unreliable over the winter.",
    ];
    format!(
        "## What happened\n\n{service} worked with {young_people} young people between {} and \
         {}.\n\n## What worked\n\n{}\n\n## What did not\n\n{}\n",
        period.start,
        period.end,
        rng.pick(&WORKED),
        rng.pick(&DID_NOT)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_respects_the_minimum() {
        let parts = allocate(1000, &[0.5, 1.0, 1.5, 0.01], 1);
        assert_eq!(parts.iter().sum::<usize>(), 1000);
        assert!(parts.iter().all(|&part| part >= 1));
        assert!(parts[2] > parts[1] && parts[1] > parts[0]);
    }

    #[test]
    fn dates_are_on_the_calendar() {
        assert_eq!(months(date(2024, 1, 31), 1), date(2024, 2, 29));
        assert_eq!(days(DATA_END, 1), date(2026, 11, 1));
    }
}
