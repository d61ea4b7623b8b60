//! Areas (DESIGN §3.1) as GraphQL serves them: the `Area` type and the `areas` query. Reference
//! data every signed-in user may read; the migration seeds Scotland's 32 council areas.

use async_graphql::{Context, Object, SimpleObject};
use entity::area;

use crate::graphql::db_and_actor;

pub mod service;

/// A council area, e.g. `S12000006` Dumfries and Galloway.
#[derive(SimpleObject)]
pub struct Area {
    /// The GSS code.
    pub code: String,
    pub name: String,
}

impl From<area::Model> for Area {
    fn from(model: area::Model) -> Self {
        Area {
            code: model.code,
            name: model.name,
        }
    }
}

#[derive(Default)]
pub struct AreaQuery;

#[Object]
impl AreaQuery {
    /// Every area, by name (a small fixed list, so not paginated).
    async fn areas(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Area>> {
        let (db, _) = db_and_actor(ctx)?;
        let rows = service::all(db).await?;
        Ok(rows.into_iter().map(Area::from).collect())
    }
}
