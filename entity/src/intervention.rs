//! A service a provider organisation delivers within a partnership.

use crate::enums::{InterventionCategory, InterventionStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "interventions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub partnership_id: Uuid,
    pub provider_id: Uuid,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub category: InterventionCategory,
    pub area_code: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub capacity: Option<i32>,
    pub status: InterventionStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::partnership::Entity",
        from = "Column::PartnershipId",
        to = "super::partnership::Column::Id",
        on_delete = "Restrict"
    )]
    Partnership,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::ProviderId",
        to = "super::organisation::Column::Id",
        on_delete = "Restrict"
    )]
    Provider,
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaCode",
        to = "super::area::Column::Code",
        on_delete = "Restrict"
    )]
    Area,
    #[sea_orm(has_many = "super::intervention_indicator::Entity")]
    InterventionIndicator,
    #[sea_orm(has_many = "super::enrolment::Entity")]
    Enrolment,
    #[sea_orm(has_many = "super::evaluation_submission::Entity")]
    EvaluationSubmission,
}

impl Related<super::partnership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partnership.def()
    }
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Provider.def()
    }
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl Related<super::intervention_indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::InterventionIndicator.def()
    }
}

impl Related<super::enrolment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enrolment.def()
    }
}

impl Related<super::evaluation_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EvaluationSubmission.def()
    }
}

impl Related<super::indicator::Entity> for Entity {
    fn to() -> RelationDef {
        super::intervention_indicator::Relation::Indicator.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::intervention_indicator::Relation::Intervention
                .def()
                .rev(),
        )
    }
}

impl ActiveModelBehavior for ActiveModel {}
