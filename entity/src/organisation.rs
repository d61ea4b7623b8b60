//! A body that takes part in partnerships: council service, school, charity, funder and so on.

use crate::enums::{OrganisationKind, Sector};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: OrganisationKind,
    pub sector: Sector,
    pub area_code: String,
    pub charity_number: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaCode",
        to = "super::area::Column::Code",
        on_delete = "Restrict"
    )]
    Area,
    #[sea_orm(has_many = "super::user::Entity")]
    User,
    #[sea_orm(has_many = "super::partnership_member::Entity")]
    PartnershipMember,
    #[sea_orm(has_many = "super::agreement_signature::Entity")]
    AgreementSignature,
    #[sea_orm(has_many = "super::intervention::Entity")]
    Intervention,
    #[sea_orm(
        has_many = "super::participant::Entity",
        via_rel = "Relation::Provider"
    )]
    ProvidedParticipant,
    #[sea_orm(has_many = "super::participant::Entity", via_rel = "Relation::School")]
    SchoolParticipant,
    #[sea_orm(has_many = "super::audit_event::Entity")]
    AuditEvent,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::partnership_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PartnershipMember.def()
    }
}

impl Related<super::agreement_signature::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgreementSignature.def()
    }
}

impl Related<super::intervention::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Intervention.def()
    }
}

impl Related<super::audit_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuditEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
