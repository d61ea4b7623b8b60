//! Organisations (DESIGN §3.2): councils, schools, providers and funders that form partnerships.
//! Any signed-in user may read them; only admins create or change them (§4.3).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{OrganisationKind, Sector},
    organisation,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    directory::areas::Area,
    graphql::{
        db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
    },
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

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
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganisationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Organisation>> {
        let (db, _) = db_and_actor(ctx)?;
        let page = PageRequest::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        let mut select = organisation::Entity::find();
        if let Some(kind) = filter.kind {
            select = select.filter(organisation::Column::Kind.eq(kind));
        }
        if let Some(area_code) = filter.area_code {
            select = select.filter(organisation::Column::AreaCode.eq(area_code));
        }
        Ok(fetch_page(
            db,
            select,
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
        Ok(Organisation(find(db, id).await?))
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
        let model = create(db, Some(actor), input).await?;
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
        let model = update(db, actor, input).await?;
        Ok(OrganisationPayload {
            organisation: Organisation(model),
        })
    }
}

async fn find(db: &DatabaseConnection, id: Uuid) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(db)
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
    input: CreateOrganisationInput,
) -> ApiResult<organisation::Model> {
    if let Some(actor) = actor {
        policy::require_admin(actor, "create organisations")?;
    }
    let name = validation::name(&input.name, "input.name")?;
    let charity_number = input
        .charity_number
        .as_deref()
        .map(charity_number)
        .transpose()?;
    let txn = begin_write(db).await?;
    let area_code = validation::known_area(&txn, &input.area_code, "input.areaCode").await?;
    let now = Utc::now();
    let model = organisation::Entity::insert(organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(input.kind),
        sector: Set(input.sector),
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

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateOrganisationInput,
) -> ApiResult<organisation::Model> {
    policy::require_admin(actor, "change organisations")?;
    let id = parse_id(&input.id, "input.id")?;
    let mut changes = organisation::ActiveModel::default();
    if let Some(name) = &input.name {
        let name = validation::name(name, "input.name")?;
        changes.name = Set(name);
    }
    if let Some(kind) = input.kind {
        changes.kind = Set(kind);
    }
    if let Some(sector) = input.sector {
        changes.sector = Set(sector);
    }
    match &input.charity_number {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            changes.charity_number = Set(None);
        }
        MaybeUndefined::Value(number) => {
            let number = charity_number(number)?;
            changes.charity_number = Set(Some(number));
        }
    }
    let txn = begin_write(db).await?;
    if let Some(area_code) = &input.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        changes.area_code = Set(area_code);
    }
    let model = save_versioned::<organisation::Entity>(
        &txn,
        changes.clone(),
        id,
        input.expected_version,
        Some(&DUPLICATE_NAME),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("organisation.update", "organisation", id).changed_fields(&changes),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
