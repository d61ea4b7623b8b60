//! Organisations working together towards shared aims in one area, reviewed at a set interval.

use crate::enums::{PartnershipKind, PartnershipStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "partnerships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    pub kind: PartnershipKind,
    pub status: PartnershipStatus,
    pub area_code: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub review_interval_months: i32,
    pub next_review_due: Date,
    pub last_reviewed_on: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub last_review_notes: Option<String>,
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
    #[sea_orm(has_many = "super::partnership_member::Entity")]
    PartnershipMember,
    #[sea_orm(has_many = "super::agreement::Entity")]
    Agreement,
    #[sea_orm(has_many = "super::target::Entity")]
    Target,
    #[sea_orm(has_many = "super::intervention::Entity")]
    Intervention,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl Related<super::partnership_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PartnershipMember.def()
    }
}

impl Related<super::agreement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agreement.def()
    }
}

impl Related<super::target::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Target.def()
    }
}

impl Related<super::intervention::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Intervention.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
