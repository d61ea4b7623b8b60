//! The evidence a provider submits for one intervention and period, and its review state.

use crate::enums::SubmissionStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub intervention_id: Uuid,
    pub period_start: Date,
    pub period_end: Date,
    #[sea_orm(column_type = "Text")]
    pub narrative: String,
    pub status: SubmissionStatus,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::intervention::Entity",
        from = "Column::InterventionId",
        to = "super::intervention::Column::Id",
        on_delete = "Restrict"
    )]
    Intervention,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SubmittedBy",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    SubmittedBy,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::DecidedBy",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    DecidedBy,
    #[sea_orm(has_many = "super::outcome_record::Entity")]
    OutcomeRecord,
    #[sea_orm(has_many = "super::story::Entity")]
    Story,
    #[sea_orm(has_many = "super::review_comment::Entity")]
    ReviewComment,
}

impl Related<super::intervention::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Intervention.def()
    }
}

impl Related<super::outcome_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OutcomeRecord.def()
    }
}

impl Related<super::story::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Story.def()
    }
}

impl Related<super::review_comment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReviewComment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
