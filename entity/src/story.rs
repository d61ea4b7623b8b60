//! The child's voice: a qualitative account in a submission, tagged with SHANARRI indicators.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub enrolment_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub wellbeing: Json,
    pub consent_to_share: bool,
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

impl ActiveModelBehavior for ActiveModel {}
