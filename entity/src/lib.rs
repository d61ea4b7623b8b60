//! The database model of the outcomes service: one sea-orm entity per table, plus the enums stored
//! in them. Models and enums only: business rules, access rules and GraphQL types live in `api`.

pub mod agreement;
pub mod agreement_signature;
pub mod area;
pub mod audit_event;
pub mod enrolment;
pub mod enrolment_outcome;
pub mod enums;
pub mod evaluation_submission;
pub mod indicator;
pub mod intervention;
pub mod intervention_indicator;
pub mod organisation;
pub mod outcome_record;
pub mod participant;
pub mod partnership;
pub mod partnership_member;
pub mod review_comment;
pub mod story;
pub mod target;
pub mod user;

/// The entities under short names, for `use entity::prelude::*`.
pub mod prelude {
    pub use super::agreement::Entity as Agreement;
    pub use super::agreement_signature::Entity as AgreementSignature;
    pub use super::area::Entity as Area;
    pub use super::audit_event::Entity as AuditEvent;
    pub use super::enrolment::Entity as Enrolment;
    pub use super::enrolment_outcome::Entity as EnrolmentOutcome;
    pub use super::evaluation_submission::Entity as EvaluationSubmission;
    pub use super::indicator::Entity as Indicator;
    pub use super::intervention::Entity as Intervention;
    pub use super::intervention_indicator::Entity as InterventionIndicator;
    pub use super::organisation::Entity as Organisation;
    pub use super::outcome_record::Entity as OutcomeRecord;
    pub use super::participant::Entity as Participant;
    pub use super::partnership::Entity as Partnership;
    pub use super::partnership_member::Entity as PartnershipMember;
    pub use super::review_comment::Entity as ReviewComment;
    pub use super::story::Entity as Story;
    pub use super::target::Entity as Target;
    pub use super::user::Entity as User;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{
        DbBackend, EntityTrait, QuerySelect, QueryTrait, RelationTrait, sea_query::JoinType,
    };

    fn join_sql<E: EntityTrait>(relation: impl RelationTrait) -> String {
        E::find()
            .join(JoinType::InnerJoin, relation.def())
            .build(DbBackend::Postgres)
            .to_string()
    }

    /// Relations to the same table twice must each join on their own column.
    #[test]
    fn relations_join_on_their_own_columns() {
        let cases = [
            (
                join_sql::<prelude::Organisation>(organisation::Relation::SchoolParticipant),
                r#""organisations"."id" = "participants"."school_id""#,
            ),
            (
                join_sql::<prelude::Organisation>(organisation::Relation::ProvidedParticipant),
                r#""organisations"."id" = "participants"."provider_id""#,
            ),
            (
                join_sql::<prelude::User>(user::Relation::DecidedSubmission),
                r#""users"."id" = "evaluation_submissions"."decided_by""#,
            ),
            (
                join_sql::<prelude::User>(user::Relation::SubmittedSubmission),
                r#""users"."id" = "evaluation_submissions"."submitted_by""#,
            ),
        ];
        for (sql, on) in cases {
            assert!(sql.contains(on), "{sql}");
        }
    }

    #[test]
    fn interventions_reach_indicators_through_the_join_table() {
        let sql = prelude::Intervention::find()
            .find_also_related(prelude::Indicator)
            .build(DbBackend::Postgres)
            .to_string();
        assert!(sql.contains(r#"JOIN "intervention_indicators""#), "{sql}");
        assert!(
            sql.contains(r#""intervention_indicators"."indicator_id" = "indicators"."id""#),
            "{sql}"
        );
    }
}
