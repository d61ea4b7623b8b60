//! An append-only record of a write (or a sensitive read). `partnership_id` deliberately has no
//! foreign key so that audit rows outlive whatever they describe.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub partnership_id: Option<Uuid>,
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ActorId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    Actor,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::ActorOrganisationId",
        to = "super::organisation::Column::Id",
        on_delete = "Restrict"
    )]
    ActorOrganisation,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActorOrganisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
