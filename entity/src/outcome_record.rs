//! One measurement of one indicator for one enrolment, carried by a submission.

use crate::enums::{OutcomePhase, OutcomeSource};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outcome_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub enrolment_id: Uuid,
    pub indicator_id: Uuid,
    pub value: f64,
    pub observed_on: Date,
    pub phase: OutcomePhase,
    pub source: OutcomeSource,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evaluation_submission::Entity",
        from = "Column::SubmissionId",
        to = "super::evaluation_submission::Column::Id",
        on_delete = "Cascade"
    )]
    EvaluationSubmission,
    #[sea_orm(
        belongs_to = "super::enrolment::Entity",
        from = "Column::EnrolmentId",
        to = "super::enrolment::Column::Id",
        on_delete = "Restrict"
    )]
    Enrolment,
    #[sea_orm(
        belongs_to = "super::indicator::Entity",
        from = "Column::IndicatorId",
        to = "super::indicator::Column::Id",
        on_delete = "Restrict"
    )]
    Indicator,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::RecordedBy",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    RecordedBy,
}

impl Related<super::evaluation_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EvaluationSubmission.def()
    }
}

impl Related<super::enrolment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enrolment.def()
    }
}

impl Related<super::indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Indicator.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RecordedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
