//! Users (DESIGN §3.3): the people who sign in. The user record, not the token, is the authority
//! for a caller's role and organisation (§4.1). Only admins list, create or change users; an
//! admin cannot demote or deactivate themselves. E-mail addresses are unique, compared in lower
//! case.

use chrono::Utc;
use entity::{enums::UserRole, user};
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

/// What a list of users may be narrowed to; `None` leaves a criterion out.
#[derive(Default)]
pub struct UserCriteria {
    pub organisation_id: Option<Uuid>,
    pub role: Option<UserRole>,
    pub active: Option<bool>,
}

/// A new user, its text as typed (checked here).
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub organisation_id: Uuid,
    pub role: UserRole,
}

/// An edit of user `id`, expected at `expected_version`. `None` leaves a field unchanged.
pub struct UserChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub role: Option<UserRole>,
    pub active: Option<bool>,
}

/// Whether `actor` may see `user`'s e-mail address: admins and colleagues in the same
/// organisation may; other partners see who someone is, not how to reach them outside the
/// partnership.
pub fn email_visible_to(actor: &Actor, user: &user::Model) -> bool {
    actor.is_admin() || actor.organisation_id == user.organisation_id
}

/// The signed-in user's own record; UNAUTHENTICATED if it has gone.
pub async fn me(conn: &impl ConnectionTrait, actor: &Actor) -> ApiResult<user::Model> {
    user::Entity::find_by_id(actor.user_id)
        .one(conn)
        .await?
        .ok_or(ApiError::Unauthenticated)
}

/// Every user, for an admin; FORBIDDEN for anyone else. Narrow it with [`matching`].
pub fn visible(actor: &Actor) -> ApiResult<Select<user::Entity>> {
    policy::require_admin(actor, "list users")?;
    Ok(user::Entity::find())
}

/// `select` narrowed to the users matching `criteria`.
pub fn matching(mut select: Select<user::Entity>, criteria: UserCriteria) -> Select<user::Entity> {
    if let Some(organisation_id) = criteria.organisation_id {
        select = select.filter(user::Column::OrganisationId.eq(organisation_id));
    }
    if let Some(role) = criteria.role {
        select = select.filter(user::Column::Role.eq(role));
    }
    if let Some(active) = criteria.active {
        select = select.filter(user::Column::Active.eq(active));
    }
    select
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
    new: NewUser,
) -> ApiResult<user::Model> {
    if let Some(actor) = actor {
        policy::require_admin(actor, "create users")?;
    }
    let email = validation::email(&new.email, "input.email")?;
    let display_name = validation::name(&new.display_name, "input.displayName")?;
    let organisation_id = new.organisation_id;
    let txn = begin_write(db).await?;
    validation::known_organisation(&txn, organisation_id, "input.organisationId").await?;
    let now = Utc::now();
    let model = user::Entity::insert(user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        display_name: Set(display_name),
        organisation_id: Set(organisation_id),
        role: Set(new.role),
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

/// Changes a user (admins only).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: UserChanges,
) -> ApiResult<user::Model> {
    policy::require_admin(actor, "change users")?;
    let id = edit.id;
    // An admin who demoted or deactivated themselves could leave nobody able to undo it.
    if id == actor.user_id
        && (edit.active == Some(false) || edit.role.is_some_and(|role| role != UserRole::Admin))
    {
        return Err(ApiError::InvalidState(
            "you cannot deactivate or demote your own account; ask another admin".into(),
        ));
    }
    let mut changes = user::ActiveModel::default();
    if let Some(email) = &edit.email {
        let email = validation::email(email, "input.email")?;
        changes.email = Set(email);
    }
    if let Some(display_name) = &edit.display_name {
        let display_name = validation::name(display_name, "input.displayName")?;
        changes.display_name = Set(display_name);
    }
    if let Some(role) = edit.role {
        changes.role = Set(role);
    }
    if let Some(active) = edit.active {
        changes.active = Set(active);
    }
    let txn = begin_write(db).await?;
    if let Some(organisation_id) = edit.organisation_id {
        validation::known_organisation(&txn, organisation_id, "input.organisationId").await?;
        changes.organisation_id = Set(organisation_id);
    }
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes).unique(&DUPLICATE_EMAIL),
        |_, changes| Change::new("user.update", "user", id).changed_fields(changes),
    )
    .await
}
