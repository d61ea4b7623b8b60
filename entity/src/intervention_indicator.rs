//! Which indicators an intervention reports on (a join table).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "intervention_indicators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub intervention_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub indicator_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::intervention::Entity",
        from = "Column::InterventionId",
        to = "super::intervention::Column::Id",
        on_delete = "Cascade"
    )]
    Intervention,
    #[sea_orm(
        belongs_to = "super::indicator::Entity",
        from = "Column::IndicatorId",
        to = "super::indicator::Column::Id",
        on_delete = "Cascade"
    )]
    Indicator,
}

impl Related<super::intervention::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Intervention.def()
    }
}

impl Related<super::indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Indicator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
