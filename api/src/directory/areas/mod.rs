//! Areas (DESIGN §3.1) as GraphQL serves them: the `Area` type, the `areas` query and the
//! admins' `createArea`. Reference data every signed-in user may read; the migration seeds
//! Scotland's 32 council areas. The rules live in [`service`].

use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::area;

use self::service::NewArea;
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

/// A new area. The code is the key every other record uses, so it never changes.
#[derive(InputObject)]
pub struct CreateAreaInput {
    /// Letters and digits, e.g. a GSS code such as `S12000006`; stored in upper case.
    pub code: String,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct AreaPayload {
    pub area: Area,
}

#[derive(Default)]
pub struct AreaMutation;

#[Object]
impl AreaMutation {
    /// Adds an area (admins only).
    async fn create_area(
        &self,
        ctx: &Context<'_>,
        input: CreateAreaInput,
    ) -> async_graphql::Result<AreaPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let new = NewArea {
            code: input.code,
            name: input.name,
        };
        let model = service::create(db, actor, new).await?;
        Ok(AreaPayload {
            area: Area::from(model),
        })
    }
}
