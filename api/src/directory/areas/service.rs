//! Council areas (DESIGN §3.1): reference data every signed-in user may read. The migration
//! seeds Scotland's 32 council areas; admins add others (§0, §4.3). An area is never changed or
//! removed through the API: partnerships, services and young people are placed by its code.

use chrono::Utc;
use entity::area;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::json;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// The most characters of an area code: a GSS code has nine (`S12000006`); twenty leaves room
/// for other schemes without letting a code become a name.
pub const CODE_MAX_CHARS: usize = 20;

/// A new area, its text as typed (checked here).
pub struct NewArea {
    pub code: String,
    pub name: String,
}

/// Every area, by name.
pub async fn all(conn: &impl ConnectionTrait) -> ApiResult<Vec<area::Model>> {
    Ok(area::Entity::find()
        .order_by_asc(area::Column::Name)
        .all(conn)
        .await?)
}

const DUPLICATE_CODE: UniqueField = UniqueField {
    field: "input.code",
    message: "an area with this code already exists",
};

/// An area code: letters and digits, as GSS codes are written.
fn code(value: &str) -> ApiResult<String> {
    validation::code(
        value,
        "input.code",
        CODE_MAX_CHARS,
        |_, c| c.is_ascii_uppercase() || c.is_ascii_digit(),
        "hold only letters and digits (e.g. S12000006)",
    )
}

/// Adds an area (admins only).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewArea,
) -> ApiResult<area::Model> {
    policy::require_admin(actor, "add areas")?;
    let code = code(&new.code)?;
    let name = validation::name(&new.name, "input.name")?;
    let txn = begin_write(db).await?;
    let model = area::Entity::insert(area::ActiveModel {
        code: Set(code),
        name: Set(name),
        created_at: Set(Utc::now()),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|err| ApiError::from_unique(err, &DUPLICATE_CODE))?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("area.create", "area", &model.code)
            .details(json!({ "code": model.code, "name": model.name })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
