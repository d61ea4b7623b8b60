//! A child or young person as a pseudonymous record owned by one provider, with the recorded
//! information-sharing decision. Holds no names, dates of birth or addresses, by design.

use crate::enums::{ConsentGivenBy, Sex, SharingBasis};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider_id: Uuid,
    pub reference: String,
    pub birth_year: i32,
    pub sex: Option<Sex>,
    pub looked_after: bool,
    pub additional_support_needs: bool,
    pub area_code: String,
    pub school_id: Option<Uuid>,
    pub sharing_basis: SharingBasis,
    #[sea_orm(column_type = "Text")]
    pub sharing_reason: Option<String>,
    pub consent_given_by: Option<ConsentGivenBy>,
    pub sharing_recorded_on: Date,
    pub sharing_recorded_by: Uuid,
    /// A random key for the cell-key method of disclosure control (DESIGN §6.4): never exposed.
    pub record_key: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::ProviderId",
        to = "super::organisation::Column::Id",
        on_delete = "Restrict"
    )]
    Provider,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::SchoolId",
        to = "super::organisation::Column::Id",
        on_delete = "Restrict"
    )]
    School,
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaCode",
        to = "super::area::Column::Code",
        on_delete = "Restrict"
    )]
    Area,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SharingRecordedBy",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    SharingRecordedBy,
    #[sea_orm(has_many = "super::enrolment::Entity")]
    Enrolment,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SharingRecordedBy.def()
    }
}

impl Related<super::enrolment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enrolment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
