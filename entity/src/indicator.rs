//! An outcome measure definition from the shared indicator library.

use crate::enums::{IndicatorKind, IndicatorUnit, Wellbeing};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "indicators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub kind: IndicatorKind,
    pub unit: IndicatorUnit,
    pub scale_min: Option<f64>,
    pub scale_max: Option<f64>,
    pub higher_is_better: bool,
    pub wellbeing: Option<Wellbeing>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::target::Entity")]
    Target,
    #[sea_orm(has_many = "super::intervention_indicator::Entity")]
    InterventionIndicator,
    #[sea_orm(has_many = "super::outcome_record::Entity")]
    OutcomeRecord,
}

impl Related<super::target::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Target.def()
    }
}

impl Related<super::intervention_indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::InterventionIndicator.def()
    }
}

impl Related<super::outcome_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OutcomeRecord.def()
    }
}

impl Related<super::intervention::Entity> for Entity {
    fn to() -> RelationDef {
        super::intervention_indicator::Relation::Intervention.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::intervention_indicator::Relation::Indicator
                .def()
                .rev(),
        )
    }
}

impl ActiveModelBehavior for ActiveModel {}
