//! Every enum stored in the database. Each is a short string (its `string_value`), kept identical to
//! its serde and GraphQL spelling so that database, JSON and API values never drift apart.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of body an organisation is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrganisationKind {
    #[sea_orm(string_value = "LOCAL_AUTHORITY")]
    LocalAuthority,
    #[sea_orm(string_value = "SCHOOL")]
    School,
    #[sea_orm(string_value = "SOCIAL_WORK")]
    SocialWork,
    #[sea_orm(string_value = "HEALTH")]
    Health,
    #[sea_orm(string_value = "POLICE")]
    Police,
    #[sea_orm(string_value = "VOLUNTARY")]
    Voluntary,
    #[sea_orm(string_value = "COMMUNITY_EDUCATION")]
    CommunityEducation,
    #[sea_orm(string_value = "FUNDER")]
    Funder,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// The sector an organisation belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sector {
    #[sea_orm(string_value = "STATUTORY")]
    Statutory,
    #[sea_orm(string_value = "VOLUNTARY")]
    Voluntary,
    #[sea_orm(string_value = "PRIVATE")]
    Private,
}

/// What a user may do across the service.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserRole {
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "COMMISSIONER")]
    Commissioner,
    #[sea_orm(string_value = "PROVIDER")]
    Provider,
    #[sea_orm(string_value = "VIEWER")]
    Viewer,
}

/// What a partnership exists to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartnershipKind {
    #[sea_orm(string_value = "FUNDING")]
    Funding,
    #[sea_orm(string_value = "STRATEGIC_PLANNING")]
    StrategicPlanning,
    #[sea_orm(string_value = "SERVICE_DELIVERY")]
    ServiceDelivery,
}

/// Where a partnership is in its life cycle.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartnershipStatus {
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "UNDER_REVIEW")]
    UnderReview,
    #[sea_orm(string_value = "ENDED")]
    Ended,
}

/// The part a member organisation plays in a partnership.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MemberRole {
    #[sea_orm(string_value = "COMMISSIONER")]
    Commissioner,
    #[sea_orm(string_value = "PROVIDER")]
    Provider,
    #[sea_orm(string_value = "PARTNER")]
    Partner,
}

/// The kind of written agreement between partners.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgreementKind {
    #[sea_orm(string_value = "PARTNERSHIP_AGREEMENT")]
    PartnershipAgreement,
    #[sea_orm(string_value = "SERVICE_LEVEL_AGREEMENT")]
    ServiceLevelAgreement,
    #[sea_orm(string_value = "PRACTICE_PROTOCOL")]
    PracticeProtocol,
    #[sea_orm(string_value = "INFORMATION_SHARING_PROTOCOL")]
    InformationSharingProtocol,
}

/// Whether an agreement version is a draft, agreed by all members or replaced.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgreementStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "AGREED")]
    Agreed,
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
}

/// Hard outcomes are recorded facts; soft outcomes measure distance travelled.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IndicatorKind {
    #[sea_orm(string_value = "HARD")]
    Hard,
    #[sea_orm(string_value = "SOFT")]
    Soft,
}

/// The unit an indicator's values are measured in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IndicatorUnit {
    #[sea_orm(string_value = "PERCENT")]
    Percent,
    #[sea_orm(string_value = "COUNT")]
    Count,
    #[sea_orm(string_value = "SCORE")]
    Score,
    #[sea_orm(string_value = "DAYS")]
    Days,
    #[sea_orm(string_value = "BOOLEAN")]
    Boolean,
}

/// The GIRFEC SHANARRI wellbeing indicators.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Wellbeing {
    #[sea_orm(string_value = "SAFE")]
    Safe,
    #[sea_orm(string_value = "HEALTHY")]
    Healthy,
    #[sea_orm(string_value = "ACHIEVING")]
    Achieving,
    #[sea_orm(string_value = "NURTURED")]
    Nurtured,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "RESPECTED")]
    Respected,
    #[sea_orm(string_value = "RESPONSIBLE")]
    Responsible,
    #[sea_orm(string_value = "INCLUDED")]
    Included,
}

/// How outcome records are combined to measure progress towards a target.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetAggregation {
    #[sea_orm(string_value = "MEAN_LATEST")]
    MeanLatest,
    #[sea_orm(string_value = "MEAN_CHANGE")]
    MeanChange,
    #[sea_orm(string_value = "PERCENT_IMPROVED")]
    PercentImproved,
    #[sea_orm(string_value = "PERCENT_ACHIEVED")]
    PercentAchieved,
}

/// Whether a target is proposed, agreed by the partnership or retired.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetState {
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "AGREED")]
    Agreed,
    #[sea_orm(string_value = "RETIRED")]
    Retired,
}

/// The kind of service an intervention delivers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterventionCategory {
    #[sea_orm(string_value = "ALTERNATIVE_EDUCATION")]
    AlternativeEducation,
    #[sea_orm(string_value = "TRANSITION_SUPPORT")]
    TransitionSupport,
    #[sea_orm(string_value = "MENTORING")]
    Mentoring,
    #[sea_orm(string_value = "FAMILY_SUPPORT")]
    FamilySupport,
    #[sea_orm(string_value = "YOUTH_WORK")]
    YouthWork,
    #[sea_orm(string_value = "PARTICIPATION_ADVOCACY")]
    ParticipationAdvocacy,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Whether an intervention is planned, running or closed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterventionStatus {
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// A participant's recorded sex.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sex {
    #[sea_orm(string_value = "FEMALE")]
    Female,
    #[sea_orm(string_value = "MALE")]
    Male,
    #[sea_orm(string_value = "OTHER")]
    Other,
    #[sea_orm(string_value = "NOT_RECORDED")]
    NotRecorded,
}

/// The lawful basis for sharing a participant's data with the partnership.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SharingBasis {
    #[sea_orm(string_value = "NONE")]
    None,
    #[sea_orm(string_value = "CONSENT")]
    Consent,
    #[sea_orm(string_value = "PUBLIC_TASK")]
    PublicTask,
    #[sea_orm(string_value = "LEGAL_OBLIGATION")]
    LegalObligation,
    #[sea_orm(string_value = "VITAL_INTERESTS")]
    VitalInterests,
}

/// Who gave consent to share a participant's data.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsentGivenBy {
    #[sea_orm(string_value = "CHILD")]
    Child,
    #[sea_orm(string_value = "PARENT_CARER")]
    ParentCarer,
}

/// Who referred a participant to an intervention.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralSource {
    #[sea_orm(string_value = "SCHOOL")]
    School,
    #[sea_orm(string_value = "SOCIAL_WORK")]
    SocialWork,
    #[sea_orm(string_value = "HEALTH")]
    Health,
    #[sea_orm(string_value = "SELF_OR_FAMILY")]
    SelfOrFamily,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Why a participant left an intervention.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExitReason {
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "REINTEGRATED_MAINSTREAM")]
    ReintegratedMainstream,
    #[sea_orm(string_value = "MOVED_AWAY")]
    MovedAway,
    #[sea_orm(string_value = "DISENGAGED")]
    Disengaged,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where an evaluation submission is in its review.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmissionStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "CHANGES_REQUESTED")]
    ChangesRequested,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// When in an enrolment an outcome was observed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutcomePhase {
    #[sea_orm(string_value = "BASELINE")]
    Baseline,
    #[sea_orm(string_value = "INTERIM")]
    Interim,
    #[sea_orm(string_value = "EXIT")]
    Exit,
    #[sea_orm(string_value = "FOLLOW_UP")]
    FollowUp,
}

/// Who reported an outcome measurement.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutcomeSource {
    #[sea_orm(string_value = "PROVIDER")]
    Provider,
    #[sea_orm(string_value = "SCHOOL")]
    School,
    #[sea_orm(string_value = "SELF_REPORT")]
    SelfReport,
    #[sea_orm(string_value = "PARENT_CARER")]
    ParentCarer,
}

/// What a reviewer decided in a review comment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewDecision {
    #[sea_orm(string_value = "COMMENT")]
    Comment,
    #[sea_orm(string_value = "ACCEPT")]
    Accept,
    #[sea_orm(string_value = "REQUEST_CHANGES")]
    RequestChanges,
}
#[cfg(test)]
mod tests {
    use super::*;

    fn assert_json_matches_stored<E>() -> Result<(), serde_json::Error>
    where
        E: ActiveEnum<Value = String> + Serialize + std::fmt::Debug,
    {
        for variant in E::iter() {
            let stored = variant.to_value();
            assert!(stored.len() <= 32, "{variant:?} does not fit its column");
            assert_eq!(serde_json::to_value(&variant)?, Json::String(stored));
        }
        Ok(())
    }

    #[cfg(feature = "graphql")]
    fn assert_graphql_matches_stored<E>()
    where
        E: ActiveEnum<Value = String> + async_graphql::EnumType + std::fmt::Debug,
    {
        for variant in E::iter() {
            let graphql = E::items()
                .iter()
                .find(|item| item.value == variant)
                .map(|item| item.name.to_owned());
            assert_eq!(graphql, Some(variant.to_value()), "{variant:?}");
        }
    }

    macro_rules! assert_one_spelling {
        ($($enum:ty),+ $(,)?) => {
            $(
                assert_json_matches_stored::<$enum>()?;
                #[cfg(feature = "graphql")]
                assert_graphql_matches_stored::<$enum>();
            )+
        };
    }

    /// Database, JSON and GraphQL must spell every value the same way.
    #[test]
    fn every_enum_has_one_spelling() -> Result<(), serde_json::Error> {
        assert_one_spelling!(
            OrganisationKind,
            Sector,
            UserRole,
            PartnershipKind,
            PartnershipStatus,
            MemberRole,
            AgreementKind,
            AgreementStatus,
            IndicatorKind,
            IndicatorUnit,
            Wellbeing,
            TargetAggregation,
            TargetState,
            InterventionCategory,
            InterventionStatus,
            Sex,
            SharingBasis,
            ConsentGivenBy,
            ReferralSource,
            ExitReason,
            SubmissionStatus,
            OutcomePhase,
            OutcomeSource,
            ReviewDecision,
        );
        Ok(())
    }
}
