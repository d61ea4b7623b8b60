//! Users (DESIGN §3.3) as GraphQL serves them: the `User` type, `me`, the admin-only `users`
//! list and the admin mutations. The rules live in [`service`].

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{enums::UserRole, user};

use self::service::{NewUser, UserChanges, UserCriteria};
use crate::{
    directory::organisations::Organisation,
    graphql::{
        db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
    },
};

pub mod service;

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
        Ok(service::email_visible_to(actor, &self.0).then_some(self.0.email.as_str()))
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
        Ok(User(service::me(db, actor).await?))
    }

    /// Every user (admins only), in the order they were added.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<User>> {
        let (db, actor) = db_and_actor(ctx)?;
        // Refused before the paging and filter arguments are read, so a non-admin always hears
        // FORBIDDEN.
        let listable = service::visible(actor)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let criteria = UserCriteria {
            organisation_id: filter
                .organisation_id
                .map(|id| parse_id(&id, "filter.organisationId"))
                .transpose()?,
            role: filter.role,
            active: filter.active,
        };
        Ok(fetch_page(
            db,
            service::matching(listable, criteria),
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
        let new = NewUser {
            email: input.email,
            display_name: input.display_name,
            organisation_id: parse_id(&input.organisation_id, "input.organisationId")?,
            role: input.role,
        };
        let model = service::create(db, Some(actor), new).await?;
        Ok(UserPayload { user: User(model) })
    }

    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let changes = UserChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            email: input.email,
            display_name: input.display_name,
            organisation_id: input
                .organisation_id
                .map(|id| parse_id(&id, "input.organisationId"))
                .transpose()?,
            role: input.role,
            active: input.active,
        };
        let model = service::update(db, actor, changes).await?;
        Ok(UserPayload { user: User(model) })
    }
}
