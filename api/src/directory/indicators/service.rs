//! Reading the indicator library (DESIGN §3.7). The migration seeds the default indicators;
//! every signed-in user may read all of them, so no row filter applies.

use entity::indicator;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::platform::error::{ApiError, ApiResult};

/// The whole library, by code.
pub async fn all(conn: &impl ConnectionTrait) -> ApiResult<Vec<indicator::Model>> {
    Ok(indicator::Entity::find()
        .order_by_asc(indicator::Column::Code)
        .all(conn)
        .await?)
}

/// One indicator; NOT_FOUND if there is none with this id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> ApiResult<indicator::Model> {
    indicator::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "indicator",
        })
}
