//! One version of a written agreement of a partnership. `document_version` counts versions per
//! partnership and kind; `version` is the optimistic-concurrency counter like everywhere else.

use crate::enums::{AgreementKind, AgreementStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub partnership_id: Uuid,
    pub kind: AgreementKind,
    pub document_version: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub effective_from: Date,
    pub review_due: Date,
    pub status: AgreementStatus,
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
    #[sea_orm(has_many = "super::agreement_signature::Entity")]
    AgreementSignature,
}

impl Related<super::partnership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partnership.def()
    }
}

impl Related<super::agreement_signature::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgreementSignature.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
