//! Reading the council areas (DESIGN §3.1): reference data the migration seeds and nobody
//! changes through the API, so there are no access rules and no writes here.

use entity::area;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::platform::error::ApiResult;

/// Every area, by name.
pub async fn all(conn: &impl ConnectionTrait) -> ApiResult<Vec<area::Model>> {
    Ok(area::Entity::find()
        .order_by_asc(area::Column::Name)
        .all(conn)
        .await?)
}
