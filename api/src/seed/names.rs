//! The vocabulary of the generated dataset: invented names of organisations, places, people and
//! services, and the plain-language texts partners would write. Nothing here names a real person;
//! councils are named after the council areas the migration seeds.

use entity::enums::{InterventionCategory, PartnershipKind, TargetAggregation};

use InterventionCategory as C;

/// Invented place names for schools (40 of them, a number coprime with the strides used to pick
/// them, so the schools of one area never share a name).
pub const PLACES: [&str; 40] = [
    "Ashgrove",
    "Braeside",
    "Burnbank",
    "Castlebrae",
    "Craigmount",
    "Dalmore",
    "Eastfield",
    "Glenburn",
    "Hillpark",
    "Kirkbrae",
    "Lochview",
    "Millbrae",
    "Newlands",
    "Oakbank",
    "Rowanlea",
    "Southmuir",
    "Thornlie",
    "Westerton",
    "Whinhill",
    "Birchwood",
    "Cairnhill",
    "Denholm",
    "Fernbrae",
    "Gowanlea",
    "Hawthorn",
    "Inchbrae",
    "Juniper Green",
    "Kelvinside",
    "Larchfield",
    "Muirhead",
    "Northfield",
    "Orchardton",
    "Pinewood",
    "Quarrybrae",
    "Riverside",
    "Stonelaw",
    "Tullochbank",
    "Underwood",
    "Viewfield",
    "Woodlea",
];

pub const SCHOOL_KINDS: [&str; 3] = ["Primary School", "High School", "Academy"];

/// First and second halves of voluntary providers' names.
pub const PROVIDER_FIRST: [&str; 16] = [
    "Harbour",
    "Lighthouse",
    "Bridges",
    "Kestrel",
    "Thistle",
    "Rowan",
    "Heron",
    "Compass",
    "Anchor",
    "Beacon",
    "Stepping Stones",
    "Open Door",
    "North Star",
    "Firthside",
    "Heather",
    "Skylark",
];
pub const PROVIDER_SECOND: [&str; 10] = [
    "Youth Project",
    "Mentoring Trust",
    "Family Support",
    "Learning Centre",
    "Youth Trust",
    "Outdoor Learning",
    "Children's Charity",
    "Advocacy Service",
    "Youth Work",
    "Community Trust",
];

pub const FUNDERS: [&str; 6] = [
    "Lantern Children's Fund",
    "Firth Foundation",
    "Heather Trust for Young People",
    "Saltire Youth Fund",
    "Gannet Community Foundation",
    "Northlight Trust",
];

pub const FIRST_NAMES: [&str; 24] = [
    "Morag", "Iain", "Fiona", "Callum", "Eilidh", "Euan", "Kirsty", "Fraser", "Ailsa", "Ruaridh",
    "Catriona", "Hamish", "Isla", "Lachlan", "Mhairi", "Niall", "Shona", "Struan", "Rhona",
    "Alasdair", "Joanne", "Gordon", "Lorna", "Duncan",
];
pub const SURNAMES: [&str; 24] = [
    "Aitken",
    "Baird",
    "Cairns",
    "Dunbar",
    "Erskine",
    "Forsyth",
    "Gillespie",
    "Hendry",
    "Imrie",
    "Jardine",
    "Kerr",
    "Lennox",
    "Moffat",
    "Nairn",
    "Ogilvie",
    "Petrie",
    "Rennie",
    "Sinclair",
    "Tulloch",
    "Urquhart",
    "Veitch",
    "Wishart",
    "Yule",
    "Christie",
];

/// What a partnership is for: the shape of its name, aims and the services it commissions.
pub struct Theme {
    pub name: &'static str,
    pub kind: PartnershipKind,
    pub purpose: &'static str,
    /// The categories of its interventions, the first most common.
    pub categories: &'static [InterventionCategory],
    /// How often the theme occurs.
    pub weight: f64,
}

pub const THEMES: [Theme; 6] = [
    Theme {
        name: "Back to School Partnership",
        kind: PartnershipKind::ServiceDelivery,
        purpose: "Pupils in alternative education return to mainstream school, and stay there, \
                  with the support they need.",
        categories: &[C::AlternativeEducation, C::Mentoring, C::FamilySupport],
        weight: 3.0,
    },
    Theme {
        name: "Transitions Partnership",
        kind: PartnershipKind::ServiceDelivery,
        purpose: "Vulnerable pupils move from primary to secondary school with confidence, keep \
                  attending and feel they belong.",
        categories: &[C::TransitionSupport, C::Mentoring, C::YouthWork],
        weight: 2.5,
    },
    Theme {
        name: "Care-Experienced Young People's Partnership",
        kind: PartnershipKind::StrategicPlanning,
        purpose: "Looked-after children and care leavers are heard in decisions about them, stay \
                  in learning and move on to positive destinations.",
        categories: &[
            C::Mentoring,
            C::ParticipationAdvocacy,
            C::FamilySupport,
            C::YouthWork,
        ],
        weight: 1.5,
    },
    Theme {
        name: "Youth Work Fund",
        kind: PartnershipKind::Funding,
        purpose: "Community youth work builds young people's confidence and relationships and \
                  opens routes into learning, training and work.",
        categories: &[C::YouthWork, C::Mentoring, C::Other],
        weight: 1.5,
    },
    Theme {
        name: "Family Support Network",
        kind: PartnershipKind::ServiceDelivery,
        purpose: "Families under pressure get early help, so that children feel safe at home and \
                  attend school.",
        categories: &[C::FamilySupport, C::ParticipationAdvocacy, C::Mentoring],
        weight: 1.5,
    },
    Theme {
        name: "Attendance and Inclusion Partnership",
        kind: PartnershipKind::StrategicPlanning,
        purpose: "Fewer pupils lose school days to absence and exclusion, and those who do are \
                  helped back quickly.",
        categories: &[
            C::AlternativeEducation,
            C::FamilySupport,
            C::TransitionSupport,
        ],
        weight: 1.0,
    },
];

/// Service names by category, and what each reports on (indicator codes, most important first).
pub fn category_profile(
    category: InterventionCategory,
) -> (&'static [&'static str], &'static [&'static str]) {
    match category {
        C::AlternativeEducation => (
            &[
                "Stepping Stones",
                "Second Chance Classroom",
                "Fresh Start Base",
                "The Bothy",
            ],
            &[
                "ATTENDANCE_PCT",
                "EXCLUSION_DAYS",
                "REINTEGRATED_MAINSTREAM",
                "ENGAGEMENT_LEARNING",
                "CONFIDENCE",
            ],
        ),
        C::TransitionSupport => (
            &[
                "Moving On Up",
                "Bridge to S1",
                "Summer Transition Club",
                "Big School Buddies",
            ],
            &[
                "ATTENDANCE_PCT",
                "CONFIDENCE",
                "RELATIONSHIPS",
                "FEELING_SAFE",
            ],
        ),
        C::Mentoring => (
            &[
                "One Good Adult",
                "Walk Alongside",
                "Mentor Match",
                "Listening Ear",
            ],
            &[
                "CONFIDENCE",
                "RELATIONSHIPS",
                "ENGAGEMENT_LEARNING",
                "ATTENDANCE_PCT",
            ],
        ),
        C::FamilySupport => (
            &[
                "Family First",
                "Kitchen Table",
                "Home Link",
                "Early Help Team",
            ],
            &[
                "RELATIONSHIPS",
                "FEELING_SAFE",
                "FEELING_LISTENED_TO",
                "ATTENDANCE_PCT",
            ],
        ),
        C::YouthWork => (
            &[
                "Friday Night Project",
                "Street Team",
                "Duke of Glen Awards",
                "Outdoor Challenge",
            ],
            &[
                "CONFIDENCE",
                "RELATIONSHIPS",
                "FEELING_LISTENED_TO",
                "POSITIVE_DESTINATION",
            ],
        ),
        C::ParticipationAdvocacy => (
            &[
                "Voice of the Child",
                "Champions Board",
                "Have Your Say",
                "Independent Advocacy",
            ],
            &["FEELING_LISTENED_TO", "CONFIDENCE", "FEELING_SAFE"],
        ),
        C::Other => (
            &[
                "Creative Futures",
                "Sports for Change",
                "Digital Skills Lab",
                "Green Routes",
            ],
            &["CONFIDENCE", "ATTENDANCE_PCT", "POSITIVE_DESTINATION"],
        ),
    }
}

/// The ages (at referral) a category works with.
pub fn category_ages(category: InterventionCategory) -> (i32, i32) {
    match category {
        C::AlternativeEducation => (12, 16),
        C::TransitionSupport => (11, 12),
        C::Mentoring => (10, 17),
        C::FamilySupport => (5, 15),
        C::YouthWork => (11, 18),
        C::ParticipationAdvocacy => (8, 18),
        C::Other => (8, 17),
    }
}

/// One sentence on what a category of service does, for interventions' descriptions.
pub fn category_description(category: InterventionCategory) -> &'static str {
    match category {
        C::AlternativeEducation => {
            "Small-group learning four days a week for pupils out of mainstream classes, with a \
             planned, phased return to school."
        }
        C::TransitionSupport => {
            "Extra visits, a summer club and a named adult for P7 pupils who find change hard, \
             continuing through the first term of S1."
        }
        C::Mentoring => {
            "Weekly one-to-one time with a trained volunteer mentor for at least six months."
        }
        C::FamilySupport => {
            "A family support worker visits at home each week and helps the family with routines, \
             school and services."
        }
        C::YouthWork => {
            "Open youth work sessions, residentials and awards that young people help to plan."
        }
        C::ParticipationAdvocacy => {
            "Independent advocacy and a champions board, so young people's views shape the \
             decisions and services about them."
        }
        C::Other => "Creative and outdoor activities that build skills, routine and friendships.",
    }
}

/// A target a partnership may agree on one indicator, in the units of its aggregation.
pub struct TargetTemplate {
    pub code: &'static str,
    pub title: &'static str,
    pub aggregation: TargetAggregation,
    pub baseline: f64,
    pub target: f64,
}

pub const TARGETS: [TargetTemplate; 9] = [
    TargetTemplate {
        code: "ATTENDANCE_PCT",
        title: "Participants' average attendance reaches 85%",
        aggregation: TargetAggregation::MeanLatest,
        baseline: 72.0,
        target: 85.0,
    },
    TargetTemplate {
        code: "EXCLUSION_DAYS",
        title: "Days lost to exclusion fall by two per young person",
        aggregation: TargetAggregation::MeanChange,
        baseline: 0.0,
        target: -2.0,
    },
    TargetTemplate {
        code: "REINTEGRATED_MAINSTREAM",
        title: "Two in five pupils return to mainstream school",
        aggregation: TargetAggregation::PercentAchieved,
        baseline: 0.0,
        target: 40.0,
    },
    TargetTemplate {
        code: "POSITIVE_DESTINATION",
        title: "Three in four leavers move on to a positive destination",
        aggregation: TargetAggregation::PercentAchieved,
        baseline: 0.0,
        target: 75.0,
    },
    TargetTemplate {
        code: "CONFIDENCE",
        title: "Seven in ten young people grow in confidence",
        aggregation: TargetAggregation::PercentImproved,
        baseline: 0.0,
        target: 70.0,
    },
    TargetTemplate {
        code: "RELATIONSHIPS",
        title: "Relationships improve by a point and a half on average",
        aggregation: TargetAggregation::MeanChange,
        baseline: 0.0,
        target: 1.5,
    },
    TargetTemplate {
        code: "ENGAGEMENT_LEARNING",
        title: "Engagement with learning averages 6.5 out of 10",
        aggregation: TargetAggregation::MeanLatest,
        baseline: 4.5,
        target: 6.5,
    },
    TargetTemplate {
        code: "FEELING_SAFE",
        title: "Six in ten young people feel safer",
        aggregation: TargetAggregation::PercentImproved,
        baseline: 0.0,
        target: 60.0,
    },
    TargetTemplate {
        code: "FEELING_LISTENED_TO",
        title: "Young people rate feeling listened to at 7 out of 10",
        aggregation: TargetAggregation::MeanLatest,
        baseline: 5.0,
        target: 7.0,
    },
];

/// Stories in a young person's own words: title, body and SHANARRI tags.
pub const STORIES: [(&str, &str, &[&str]); 6] = [
    (
        "Back in maths",
        "I didn't go to school for most of last year. Now I go to maths and English every day \
         and my mentor checks in on Fridays. I want to do my Nat 5s.",
        &["ACHIEVING", "INCLUDED"],
    ),
    (
        "Someone listened",
        "At my review they actually asked what I wanted and wrote it down. I got to keep seeing \
         my gran at weekends.",
        &["RESPECTED", "NURTURED"],
    ),
    (
        "The residential",
        "I had never been away from home. We did canoeing and I cooked for everyone. I made two \
         new pals who go to my school.",
        &["ACTIVE", "INCLUDED", "HEALTHY"],
    ),
    (
        "Mornings are easier",
        "Mum and me made a chart for mornings. I get to school on time now most days and I am \
         not in trouble for being late.",
        &["NURTURED", "ACHIEVING"],
    ),
    (
        "Not scared of the big school",
        "I was scared of getting lost and of the older ones. I went on the visits and now I know \
         where everything is and I have a buddy.",
        &["SAFE", "INCLUDED"],
    ),
    (
        "College place",
        "I got a place on the construction course at college. My worker helped me with the form \
         and came to the interview.",
        &["ACHIEVING", "RESPONSIBLE"],
    ),
];

/// A URL-safe, lower-case form of a name, for e-mail domains.
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() && c != '\'' {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The initials of a name in capitals, as a provider's prefix for its participants' codes.
pub fn initials(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|word| word.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_initials() {
        assert_eq!(
            slug("Heather Trust for Young People"),
            "heather-trust-for-young-people"
        );
        assert_eq!(slug("Children's Charity (Fife)"), "childrens-charity-fife");
        assert_eq!(initials("Stepping Stones Youth Project"), "SSYP");
    }
}
