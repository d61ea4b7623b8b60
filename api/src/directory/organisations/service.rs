//! Organisations (DESIGN §3.2): councils, schools, providers and funders that form partnerships.
//! Any signed-in user may read them; only admins create or change them (§4.3). Names are unique
//! and every organisation sits in a known area.

use chrono::Utc;
use entity::{
    enums::{OrganisationKind, Sector},
    organisation,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// What a list of organisations may be narrowed to; `None` leaves a criterion out.
#[derive(Default)]
pub struct OrganisationCriteria {
    pub kind: Option<OrganisationKind>,
    pub area_code: Option<String>,
}

/// A new organisation, its text as typed (checked here).
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub sector: Sector,
    pub area_code: String,
    pub charity_number: Option<String>,
}

/// An edit of organisation `id`, expected at `expected_version`. `None` leaves a field
/// unchanged; `charity_number: Some(None)` clears it.
pub struct OrganisationChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub sector: Option<Sector>,
    pub area_code: Option<String>,
    pub charity_number: Option<Option<String>>,
}

/// The organisations matching `criteria`. Every signed-in user may read every organisation, so
/// no row filter applies.
pub fn visible(criteria: OrganisationCriteria) -> Select<organisation::Entity> {
    let mut select = organisation::Entity::find();
    if let Some(kind) = criteria.kind {
        select = select.filter(organisation::Column::Kind.eq(kind));
    }
    if let Some(area_code) = criteria.area_code {
        select = select.filter(organisation::Column::AreaCode.eq(area_code));
    }
    select
}

/// One organisation; NOT_FOUND if there is none with this id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "organisation",
        })
}

const DUPLICATE_NAME: UniqueField = UniqueField {
    field: "input.name",
    message: "an organisation with this name already exists",
};

fn charity_number(value: &str) -> ApiResult<String> {
    validation::text(value, "input.charityNumber", 20)
}

/// Creates an organisation. `actor` is `None` only when the command line bootstraps the first
/// organisation of an empty database.
pub async fn create(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    new: NewOrganisation,
) -> ApiResult<organisation::Model> {
    if let Some(actor) = actor {
        policy::require_admin(actor, "create organisations")?;
    }
    let name = validation::name(&new.name, "input.name")?;
    let charity_number = new
        .charity_number
        .as_deref()
        .map(charity_number)
        .transpose()?;
    let txn = begin_write(db).await?;
    let area_code = validation::known_area(&txn, &new.area_code, "input.areaCode").await?;
    let now = Utc::now();
    let model = organisation::Entity::insert(organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(new.kind),
        sector: Set(new.sector),
        area_code: Set(area_code),
        charity_number: Set(charity_number),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|err| ApiError::from_unique(err, &DUPLICATE_NAME))?;
    audit::record(
        &txn,
        actor,
        Change::new("organisation.create", "organisation", model.id).details(json!({
            "name": model.name, "kind": model.kind, "sector": model.sector,
            "areaCode": model.area_code, "charityNumber": model.charity_number,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes an organisation (admins only).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: OrganisationChanges,
) -> ApiResult<organisation::Model> {
    policy::require_admin(actor, "change organisations")?;
    let id = edit.id;
    let mut changes = organisation::ActiveModel::default();
    if let Some(name) = &edit.name {
        let name = validation::name(name, "input.name")?;
        changes.name = Set(name);
    }
    if let Some(kind) = edit.kind {
        changes.kind = Set(kind);
    }
    if let Some(sector) = edit.sector {
        changes.sector = Set(sector);
    }
    match &edit.charity_number {
        None => {}
        Some(None) => {
            changes.charity_number = Set(None);
        }
        Some(Some(number)) => {
            let number = charity_number(number)?;
            changes.charity_number = Set(Some(number));
        }
    }
    let txn = begin_write(db).await?;
    if let Some(area_code) = &edit.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        changes.area_code = Set(area_code);
    }
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes).unique(&DUPLICATE_NAME),
        |_, changes| Change::new("organisation.update", "organisation", id).changed_fields(changes),
    )
    .await
}
