//! A reviewer's comment on a submission, with the decision it records; never edited.

use crate::enums::ReviewDecision;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "review_comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub author_id: Uuid,
    pub decision: ReviewDecision,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    Author,
}

impl Related<super::evaluation_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EvaluationSubmission.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
