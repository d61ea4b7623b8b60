//! A participant's time in one intervention, from referral to exit.

use crate::enums::{ExitReason, ReferralSource};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    pub intervention_id: Uuid,
    pub referred_on: Date,
    pub referral_source: ReferralSource,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub exit_reason: Option<ExitReason>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::participant::Entity",
        from = "Column::ParticipantId",
        to = "super::participant::Column::Id",
        on_delete = "Restrict"
    )]
    Participant,
    #[sea_orm(
        belongs_to = "super::intervention::Entity",
        from = "Column::InterventionId",
        to = "super::intervention::Column::Id",
        on_delete = "Restrict"
    )]
    Intervention,
    #[sea_orm(has_many = "super::outcome_record::Entity")]
    OutcomeRecord,
    #[sea_orm(has_many = "super::story::Entity")]
    Story,
}

impl Related<super::participant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Participant.def()
    }
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

impl ActiveModelBehavior for ActiveModel {}
