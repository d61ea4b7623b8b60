//! Organisations (DESIGN §3.2) as GraphQL serves them: the `Organisation` type, the
//! `organisations` and `organisation` queries and the admin mutations. The rules live in
//! [`service`].

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{OrganisationKind, Sector},
    organisation,
};

use self::service::{NewOrganisation, OrganisationChanges, OrganisationCriteria};
use crate::{
    directory::areas::Area,
    graphql::{
        db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
    },
};

pub mod service;

/// An organisation taking part in partnerships.
pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> OrganisationKind {
        self.0.kind
    }
    async fn sector(&self) -> Sector {
        self.0.sector
    }
    async fn area_code(&self) -> &str {
        &self.0.area_code
    }
    async fn area(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Area>> {
        let loaded = request(ctx)?
            .loaders
            .areas
            .load_one(self.0.area_code.clone())
            .await?;
        Ok(loaded.map(Area::from))
    }
    /// The Scottish Charity Regulator number, for voluntary organisations.
    async fn charity_number(&self) -> Option<&str> {
        self.0.charity_number.as_deref()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub area_code: Option<String>,
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    pub sector: Sector,
    pub area_code: String,
    pub charity_number: Option<String>,
}

/// Fields left out are unchanged; `charityNumber: null` clears it.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub id: ID,
    pub expected_version: i32,
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub sector: Option<Sector>,
    pub area_code: Option<String>,
    pub charity_number: MaybeUndefined<String>,
}

#[derive(SimpleObject)]
pub struct OrganisationPayload {
    pub organisation: Organisation,
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// Organisations, in the order they were added.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganisationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Organisation>> {
        let (db, _) = db_and_actor(ctx)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let criteria = OrganisationCriteria {
            kind: filter.kind,
            area_code: filter.area_code,
        };
        Ok(fetch_page(
            db,
            service::visible(criteria),
            organisation::Column::Id,
            page,
            Order::OldestFirst,
            |row| row.id,
            Organisation,
        )
        .await?)
    }

    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Organisation> {
        let (db, _) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Organisation(service::find(db, id).await?))
    }
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let new = NewOrganisation {
            name: input.name,
            kind: input.kind,
            sector: input.sector,
            area_code: input.area_code,
            charity_number: input.charity_number,
        };
        let model = service::create(db, Some(actor), new).await?;
        Ok(OrganisationPayload {
            organisation: Organisation(model),
        })
    }

    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let changes = OrganisationChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            name: input.name,
            kind: input.kind,
            sector: input.sector,
            area_code: input.area_code,
            charity_number: input.charity_number.into(),
        };
        let model = service::update(db, actor, changes).await?;
        Ok(OrganisationPayload {
            organisation: Organisation(model),
        })
    }
}
