//! A person who signs in, acting for one organisation with one role.

use crate::enums::UserRole;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub organisation_id: Uuid,
    pub role: UserRole,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id",
        on_delete = "Restrict"
    )]
    Organisation,
    #[sea_orm(has_many = "super::agreement_signature::Entity")]
    AgreementSignature,
    #[sea_orm(has_many = "super::participant::Entity")]
    Participant,
    #[sea_orm(
        has_many = "super::evaluation_submission::Entity",
        via_rel = "Relation::SubmittedBy"
    )]
    SubmittedSubmission,
    #[sea_orm(
        has_many = "super::evaluation_submission::Entity",
        via_rel = "Relation::DecidedBy"
    )]
    DecidedSubmission,
    #[sea_orm(has_many = "super::outcome_record::Entity")]
    OutcomeRecord,
    #[sea_orm(has_many = "super::review_comment::Entity")]
    ReviewComment,
    #[sea_orm(has_many = "super::audit_event::Entity")]
    AuditEvent,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl Related<super::agreement_signature::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgreementSignature.def()
    }
}

impl Related<super::participant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Participant.def()
    }
}

impl Related<super::outcome_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OutcomeRecord.def()
    }
}

impl Related<super::review_comment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReviewComment.def()
    }
}

impl Related<super::audit_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuditEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
