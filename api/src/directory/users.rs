//! Users (DESIGN §3.3) and `me`. The user record, not the token, is the authority for a caller's
//! role and organisation (§4.1). Only admins list, create or change users.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{enums::UserRole, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    directory::organisations::Organisation,
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

/// A person who signs in.
pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    /// Shown to admins and to colleagues in the same organisation; other partners see who
    /// someone is (name, organisation), not how to reach them outside the partnership.
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let actor = &request(ctx)?.actor;
        let colleague = actor.is_admin() || actor.organisation_id == self.0.organisation_id;
        Ok(colleague.then_some(self.0.email.as_str()))
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn organisation_id(&self) -> ID {
        self.0.organisation_id.into()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    async fn role(&self) -> UserRole {
        self.0.role
    }
    /// Inactive users cannot sign in; their tokens stop working at once.
    async fn active(&self) -> bool {
        self.0.active
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
pub struct UserFilter {
    pub organisation_id: Option<ID>,
    pub role: Option<UserRole>,
    pub active: Option<bool>,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: String,
    pub organisation_id: ID,
    pub role: UserRole,
}

/// Fields left out are unchanged.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub expected_version: i32,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub organisation_id: Option<ID>,
    pub role: Option<UserRole>,
    pub active: Option<bool>,
}

#[derive(SimpleObject)]
pub struct UserPayload {
    pub user: User,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let (db, actor) = db_and_actor(ctx)?;
        let me = user::Entity::find_by_id(actor.user_id)
            .one(db)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(User(me))
    }

    /// Every user (admins only), in the order they were added.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<User>> {
        let (db, actor) = db_and_actor(ctx)?;
        policy::require_admin(actor, "list users")?;
        let page = PageRequest::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        let mut select = user::Entity::find();
        if let Some(organisation_id) = &filter.organisation_id {
            let organisation_id = parse_id(organisation_id, "filter.organisationId")?;
            select = select.filter(user::Column::OrganisationId.eq(organisation_id));
        }
        if let Some(role) = filter.role {
            select = select.filter(user::Column::Role.eq(role));
        }
        if let Some(active) = filter.active {
            select = select.filter(user::Column::Active.eq(active));
        }
        Ok(fetch_page(
            db,
            select,
            user::Column::Id,
            page,
            Order::OldestFirst,
            |row| row.id,
            User,
        )
        .await?)
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = create(db, Some(actor), input).await?;
        Ok(UserPayload { user: User(model) })
    }

    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(UserPayload { user: User(model) })
    }
}

const DUPLICATE_EMAIL: UniqueField = UniqueField {
    field: "input.email",
    message: "a user with this e-mail address already exists",
};

/// Finds a user by e-mail address (as typed; matching ignores case).
pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> ApiResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(conn)
        .await?)
}

/// Creates a user. `actor` is `None` only when the command line bootstraps the first admin.
pub async fn create(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    input: CreateUserInput,
) -> ApiResult<user::Model> {
    if let Some(actor) = actor {
        policy::require_admin(actor, "create users")?;
    }
    let email = validation::email(&input.email, "input.email")?;
    let display_name = validation::name(&input.display_name, "input.displayName")?;
    let organisation_id = parse_id(&input.organisation_id, "input.organisationId")?;
    let txn = begin_write(db).await?;
    validation::known_organisation(&txn, organisation_id, "input.organisationId").await?;
    let now = Utc::now();
    let model = user::Entity::insert(user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        display_name: Set(display_name),
        organisation_id: Set(organisation_id),
        role: Set(input.role),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|err| ApiError::from_unique(err, &DUPLICATE_EMAIL))?;
    audit::record(
        &txn,
        actor,
        Change::new("user.create", "user", model.id).details(json!({
            "email": model.email, "displayName": model.display_name,
            "organisationId": model.organisation_id, "role": model.role,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateUserInput,
) -> ApiResult<user::Model> {
    policy::require_admin(actor, "change users")?;
    let id = parse_id(&input.id, "input.id")?;
    // An admin who demoted or deactivated themselves could leave nobody able to undo it.
    if id == actor.user_id
        && (input.active == Some(false) || input.role.is_some_and(|role| role != UserRole::Admin))
    {
        return Err(ApiError::InvalidState(
            "you cannot deactivate or demote your own account; ask another admin".into(),
        ));
    }
    let mut changes = user::ActiveModel::default();
    if let Some(email) = &input.email {
        let email = validation::email(email, "input.email")?;
        changes.email = Set(email);
    }
    if let Some(display_name) = &input.display_name {
        let display_name = validation::name(display_name, "input.displayName")?;
        changes.display_name = Set(display_name);
    }
    if let Some(role) = input.role {
        changes.role = Set(role);
    }
    if let Some(active) = input.active {
        changes.active = Set(active);
    }
    let txn = begin_write(db).await?;
    if let Some(organisation_id) = &input.organisation_id {
        let organisation_id = parse_id(organisation_id, "input.organisationId")?;
        validation::known_organisation(&txn, organisation_id, "input.organisationId").await?;
        changes.organisation_id = Set(organisation_id);
    }
    let model = save_versioned::<user::Entity>(
        &txn,
        changes.clone(),
        id,
        input.expected_version,
        Some(&DUPLICATE_EMAIL),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("user.update", "user", id).changed_fields(&changes),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
