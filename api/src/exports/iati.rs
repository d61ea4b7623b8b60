//! A partnership as IATI activities (IATI Activity Standard 2.03), the results funders of
//! programmes publish: one parent activity for the partnership, which holds the agreed targets
//! as results, and one child activity per service it delivers.
//!
//! Why the partnership is the activity that carries results: its targets, and their progress,
//! are about all of its young people, whichever service they attend (DESIGN §6.3), so they
//! belong to no single intervention; IATI's hierarchy (`hierarchy`, `related-activity`) keeps
//! the services as the programme's components, each with its implementing provider, status,
//! dates and area.
//!
//! Mapping: commissioners are `participating-org` role 1 (funding), providers role 4
//! (implementing); a council area is a `location` whose `ref` is its GSS code (IATI's geographic
//! vocabularies have no GSS codes, and `ref` is the publisher's own reference), in the
//! recipient country GB. Each agreed target is a `result` of type 2 (outcome) with one
//! `indicator` (the library's code as a reporting-organisation reference), its `baseline`, and
//! one `period` from the baseline date to the target date holding the `target` and the `actual`
//! of target progress as on the day of the file, protected exactly as the dashboards are, with
//! the disclosure rule in the actual's comment. Identifiers are the publisher's organisation
//! identifier, a hyphen and our id, as IATI's rules ask.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{
        IndicatorUnit, InterventionStatus, MemberRole, OrganisationKind, PartnershipStatus, Sector,
        TargetAggregation,
    },
    organisation,
};

use super::{
    service::{PartnershipReport, Service},
    table::{rule_text, status_name},
};
use crate::{
    analytics::progress::service::{TargetWithProgress, higher_is_better},
    platform::config::IatiPublisher,
};

/// The version of the standard the file follows.
const VERSION: &str = "2.03";

/// An XML document being written. Text and attribute values are escaped here, and only here.
#[derive(Default)]
struct Xml(String);

impl Xml {
    fn start(&mut self, tag: &str, attributes: &[(&str, &str)]) {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attributes {
            self.0.push_str(&format!(" {name}=\"{}\"", escape(value)));
        }
        self.0.push('>');
    }

    fn end(&mut self, tag: &str) {
        self.0.push_str(&format!("</{tag}>"));
    }

    fn empty(&mut self, tag: &str, attributes: &[(&str, &str)]) {
        self.start(tag, attributes);
        self.0.pop();
        self.0.push_str("/>");
    }

    fn text(&mut self, tag: &str, text: &str) {
        self.start(tag, &[]);
        self.0.push_str(&escape(text));
        self.end(tag);
    }

    /// `<tag><narrative>text</narrative></tag>`, IATI's way of holding human text.
    fn narrative(&mut self, tag: &str, attributes: &[(&str, &str)], text: &str) {
        self.start(tag, attributes);
        self.text("narrative", text);
        self.end(tag);
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The file, piece by piece: the opening, the partnership's activity, one activity per
/// service, and the closing.
pub fn activities(
    report: PartnershipReport,
    publisher: IatiPublisher,
    generated: DateTime<Utc>,
    as_of: NaiveDate,
) -> impl Iterator<Item = String> + 'static {
    let opening = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"{VERSION}\" \
         generated-datetime=\"{}\">\n",
        instant(generated)
    );
    let parent = partnership_activity(&report, &publisher, as_of);
    let funders: Vec<organisation::Model> = report
        .members
        .iter()
        .filter(|(role, _)| *role == MemberRole::Commissioner)
        .map(|(_, organisation)| organisation.clone())
        .collect();
    let parent_id = identifier(&publisher, &report.partnership.id);
    let services = report
        .services
        .into_iter()
        .map(move |service| service_activity(&service, &publisher, &funders, &parent_id));
    std::iter::once(opening)
        .chain(std::iter::once(parent))
        .chain(services)
        .chain(std::iter::once("</iati-activities>\n".to_owned()))
}

/// An activity's identifier: the publisher's organisation identifier, a hyphen, our id.
fn identifier(publisher: &IatiPublisher, id: &impl ToString) -> String {
    format!("{}-{}", publisher.reference, id.to_string())
}

/// What every activity opens with: the element, its identifier, the reporting organisation,
/// title and description.
fn open_activity(
    xml: &mut Xml,
    publisher: &IatiPublisher,
    (id, hierarchy, updated): (String, &str, DateTime<Utc>),
    title: &str,
    description: &str,
) {
    xml.start(
        "iati-activity",
        &[
            ("last-updated-datetime", &instant(updated)),
            ("xml:lang", "en"),
            ("default-currency", "GBP"),
            ("hierarchy", hierarchy),
        ],
    );
    xml.text("iati-identifier", &id);
    xml.narrative(
        "reporting-org",
        &[("ref", &publisher.reference), ("type", &publisher.kind)],
        &publisher.name,
    );
    xml.narrative("title", &[], title);
    // Type 1: the general description.
    let description = if description.trim().is_empty() {
        title
    } else {
        description
    };
    xml.narrative("description", &[("type", "1")], description);
}

/// A participating organisation in `role` (IATI OrganisationRole: 1 funding, 4 implementing).
fn participating_org(xml: &mut Xml, role: &str, organisation: &organisation::Model) {
    let kind = organisation_type(organisation);
    let reference = organisation_ref(organisation);
    let mut attributes = vec![("role", role), ("type", kind)];
    if let Some(reference) = &reference {
        attributes.push(("ref", reference));
    }
    xml.narrative("participating-org", &attributes, &organisation.name);
}

/// The organisation's IATI identifier where its charity number gives one (the Scottish and the
/// England and Wales charity registers); none otherwise.
fn organisation_ref(organisation: &organisation::Model) -> Option<String> {
    let number = organisation.charity_number.as_deref()?.trim();
    let digits = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    if number.strip_prefix("SC").is_some_and(digits) {
        Some(format!("GB-SC-{number}"))
    } else if digits(number) {
        Some(format!("GB-CHC-{number}"))
    } else {
        None
    }
}

/// IATI's OrganisationType code for an organisation.
fn organisation_type(organisation: &organisation::Model) -> &'static str {
    match (organisation.kind, organisation.sector) {
        (OrganisationKind::LocalAuthority, _) => "11",
        (_, Sector::Private) => "70",
        (OrganisationKind::Funder, _) => "60",
        (OrganisationKind::Voluntary | OrganisationKind::CommunityEducation, _) => "22",
        (_, Sector::Voluntary) => "22",
        (
            OrganisationKind::School
            | OrganisationKind::SocialWork
            | OrganisationKind::Health
            | OrganisationKind::Police,
            _,
        ) => "15",
        (OrganisationKind::Other, _) => "90",
    }
}

/// Status, dates and place, shared by the partnership and its services: IATI ActivityStatus
/// (1 pipeline, 2 implementation, 3 finalisation), ActivityDateType (1 planned start, 2 actual
/// start, 3 planned end, 4 actual end), ActivityScope 7 (one second-level administrative area:
/// a council area of Scotland, of the United Kingdom) and the area as a location.
fn status_dates_place(
    xml: &mut Xml,
    (status, started, ended): (&str, bool, bool),
    (start, end): (NaiveDate, Option<NaiveDate>),
    (area_code, area_name): (&str, &str),
) {
    xml.empty("activity-status", &[("code", status)]);
    xml.empty(
        "activity-date",
        &[
            ("type", if started { "2" } else { "1" }),
            ("iso-date", &date(start)),
        ],
    );
    if let Some(end) = end {
        xml.empty(
            "activity-date",
            &[
                ("type", if ended { "4" } else { "3" }),
                ("iso-date", &date(end)),
            ],
        );
    }
    xml.empty("activity-scope", &[("code", "7")]);
    xml.empty(
        "recipient-country",
        &[("code", "GB"), ("percentage", "100")],
    );
    xml.start("location", &[("ref", area_code)]);
    xml.narrative("name", &[], area_name);
    xml.narrative(
        "description",
        &[],
        &format!("Council area, GSS code {area_code}"),
    );
    xml.end("location");
}

fn partnership_activity(
    report: &PartnershipReport,
    publisher: &IatiPublisher,
    as_of: NaiveDate,
) -> String {
    let partnership = &report.partnership;
    let mut xml = Xml::default();
    open_activity(
        &mut xml,
        publisher,
        (
            identifier(publisher, &partnership.id),
            "1",
            partnership.updated_at,
        ),
        &partnership.name,
        &partnership.purpose,
    );
    for (role, organisation) in &report.members {
        let role = if *role == MemberRole::Commissioner {
            "1"
        } else {
            "4"
        };
        participating_org(&mut xml, role, organisation);
    }
    let status = match partnership.status {
        PartnershipStatus::Proposed => "1",
        PartnershipStatus::Active | PartnershipStatus::UnderReview => "2",
        PartnershipStatus::Ended => "3",
    };
    let started = partnership.status != PartnershipStatus::Proposed;
    let ended = partnership.status == PartnershipStatus::Ended;
    status_dates_place(
        &mut xml,
        (status, started, ended),
        (partnership.start_date, partnership.end_date),
        (&report.area.code, &report.area.name),
    );
    for service in &report.services {
        // RelatedActivityType 2: a child.
        xml.empty(
            "related-activity",
            &[
                ("ref", &identifier(publisher, &service.intervention.id)),
                ("type", "2"),
            ],
        );
    }
    for target in &report.targets {
        result(&mut xml, target, as_of);
    }
    xml.end("iati-activity");
    xml.0.push('\n');
    xml.0
}

fn service_activity(
    service: &Service,
    publisher: &IatiPublisher,
    funders: &[organisation::Model],
    parent_id: &str,
) -> String {
    let intervention = &service.intervention;
    let mut xml = Xml::default();
    open_activity(
        &mut xml,
        publisher,
        (
            identifier(publisher, &intervention.id),
            "2",
            intervention.updated_at,
        ),
        &intervention.name,
        &intervention.description,
    );
    for funder in funders {
        participating_org(&mut xml, "1", funder);
    }
    participating_org(&mut xml, "4", &service.provider);
    let status = match intervention.status {
        InterventionStatus::Planned => "1",
        InterventionStatus::Active => "2",
        InterventionStatus::Closed => "3",
    };
    status_dates_place(
        &mut xml,
        (
            status,
            intervention.status != InterventionStatus::Planned,
            intervention.status == InterventionStatus::Closed,
        ),
        (intervention.start_date, intervention.end_date),
        (&service.area.code, &service.area.name),
    );
    // RelatedActivityType 1: the parent.
    xml.empty("related-activity", &[("ref", parent_id), ("type", "1")]);
    xml.end("iati-activity");
    xml.0.push('\n');
    xml.0
}

/// A target as an IATI result of type 2 (outcome).
fn result(xml: &mut Xml, row: &TargetWithProgress, as_of: NaiveDate) {
    let (target, indicator, progress) = (&row.target, &row.indicator, &row.progress);
    // IndicatorMeasure 1: unit, 2: percentage.
    let measure = match (target.aggregation, indicator.unit) {
        (TargetAggregation::PercentImproved | TargetAggregation::PercentAchieved, _)
        | (_, IndicatorUnit::Percent) => "2",
        _ => "1",
    };
    let ascending = higher_is_better(target.aggregation, indicator.higher_is_better).to_string();
    let aggregation = match target.aggregation {
        TargetAggregation::MeanLatest => "the mean of each young person's latest value",
        TargetAggregation::MeanChange => {
            "the mean change from each young person's baseline to their latest value"
        }
        TargetAggregation::PercentImproved => "the percentage of young people who improved",
        TargetAggregation::PercentAchieved => "the percentage of young people who achieved it",
    };
    xml.start("result", &[("type", "2")]);
    xml.narrative("title", &[], &target.title);
    xml.start(
        "indicator",
        &[("measure", measure), ("ascending", &ascending)],
    );
    xml.narrative("title", &[], &indicator.name);
    xml.narrative(
        "description",
        &[],
        &format!(
            "{} Measured as {aggregation}, over the partnership's accepted evidence.",
            indicator.description
        ),
    );
    // IndicatorVocabulary 99: the reporting organisation's own.
    xml.empty(
        "reference",
        &[("vocabulary", "99"), ("code", &indicator.code)],
    );
    xml.empty(
        "baseline",
        &[
            ("year", &target.baseline_date.format("%Y").to_string()),
            ("iso-date", &date(target.baseline_date)),
            ("value", &target.baseline_value.to_string()),
        ],
    );
    xml.start("period", &[]);
    xml.empty("period-start", &[("iso-date", &date(target.baseline_date))]);
    xml.empty("period-end", &[("iso-date", &date(target.target_date))]);
    xml.empty("target", &[("value", &target.target_value.to_string())]);
    let actual = &progress.actual;
    let value = actual.value.map(|value| value.to_string());
    let said = match (&value, actual.participants) {
        (Some(_), Some(participants)) => format!(
            "As of {as_of}: {}, over {participants} young people{}.",
            status_name(progress.status),
            if actual.excludes_unshared {
                ", leaving out a few whose information is not shared with the publisher"
            } else {
                ""
            }
        ),
        _ if actual.suppressed => {
            format!("As of {as_of}: too few young people to show (suppressed).")
        }
        _ => format!("As of {as_of}: no accepted evidence yet."),
    };
    let comment = format!("{said} Disclosure: {}.", rule_text(&progress.rule));
    match &value {
        Some(value) => xml.start("actual", &[("value", value)]),
        None => xml.start("actual", &[]),
    }
    xml.narrative("comment", &[], &comment);
    xml.end("actual");
    xml.end("period");
    xml.end("indicator");
    xml.end("result");
}
