//! The rules of partnership membership (DESIGN §3.5): commissioners add members, change what
//! they will do and record when they leave. One active row per (partnership, organisation), and
//! a partnership always keeps at least one active COMMISSIONER member.
//!
//! A service of its own, above both [`super::service`] and the agreements service: a departure
//! can complete an agreement that was waiting only for the leaver's signature, while agreements
//! lock their partnership through [`super::service`], so keeping membership there would make the
//! two services call each other.

use chrono::NaiveDate;
use entity::{enums::MemberRole, partnership_member};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    partnership::{
        agreements::service as agreements,
        partnerships::service::{insert_member, lock_partnership},
    },
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
        validation,
    },
};

/// An organisation joining a partnership.
pub struct NewMember {
    pub partnership_id: Uuid,
    pub organisation_id: Uuid,
    pub role: MemberRole,
    /// Exactly what this member will do, in plain language.
    pub responsibilities: String,
    /// Defaults to `today`.
    pub joined_on: Option<NaiveDate>,
    /// The application clock's today.
    pub today: NaiveDate,
}

/// Changes to a current member; `None` leaves a field unchanged.
pub struct MemberChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub role: Option<MemberRole>,
    pub responsibilities: Option<String>,
}

/// A member leaving its partnership.
pub struct MemberRemoval {
    pub id: Uuid,
    pub expected_version: i32,
    /// The day the organisation left; defaults to `today`, never after it.
    pub left_on: Option<NaiveDate>,
    /// The application clock's today.
    pub today: NaiveDate,
}

/// Adds an organisation to a partnership (its commissioners).
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewMember,
) -> ApiResult<partnership_member::Model> {
    let partnership_id = new.partnership_id;
    let organisation_id = new.organisation_id;
    let responsibilities = validation::long_text(&new.responsibilities, "input.responsibilities")?;
    let txn = begin_write(db).await?;
    policy::may_manage_partnership(
        policy::role_for_write(&txn, actor, partnership_id, "partnership").await?,
    )?;
    validation::known_organisation(&txn, organisation_id, "input.organisationId").await?;
    let already_member = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(partnership_id))
        .filter(partnership_member::Column::OrganisationId.eq(organisation_id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .one(&txn)
        .await?;
    if already_member.is_some() {
        return Err(ApiError::Conflict {
            field: Some("input.organisationId".into()),
            message: "this organisation is already an active member of the partnership".into(),
        });
    }
    let member = insert_member(
        &txn,
        partnership_id,
        organisation_id,
        new.role,
        responsibilities,
        new.joined_on.unwrap_or(new.today),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership_member.add", "partnership_member", member.id)
            .in_partnership(partnership_id)
            .details(json!({
                "organisationId": member.organisation_id, "role": member.role,
                "responsibilities": member.responsibilities, "joinedOn": member.joined_on,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

/// The member, its partnership locked, if the actor may manage that partnership: NOT_FOUND if
/// they cannot see it, FORBIDDEN if they can but are not its commissioner.
async fn find_member_to_manage(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<partnership_member::Model> {
    const ENTITY: &str = "partnership member";
    let member = partnership_member::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY })?;
    policy::may_manage_partnership(
        policy::role_for_write(conn, actor, member.partnership_id, ENTITY).await?,
    )?;
    lock_partnership(conn, member.partnership_id).await?;
    // Re-read under the lock: the row may have changed while we waited for it.
    partnership_member::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY })
}

fn still_active(member: &partnership_member::Model) -> ApiResult<()> {
    match member.left_on {
        None => Ok(()),
        Some(left_on) => Err(ApiError::InvalidState(format!(
            "this organisation left the partnership on {left_on}; add it again with \
             addPartnershipMember"
        ))),
    }
}

/// Refuses a change that would leave the partnership without an active commissioner member
/// (§3.5): someone must always be able to manage it. Call with the partnership locked.
async fn keeps_a_commissioner(
    conn: &impl ConnectionTrait,
    member: &partnership_member::Model,
    what: &str,
) -> ApiResult<()> {
    if member.role != MemberRole::Commissioner {
        return Ok(());
    }
    let others = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(member.partnership_id))
        .filter(partnership_member::Column::Role.eq(MemberRole::Commissioner))
        .filter(partnership_member::Column::LeftOn.is_null())
        .filter(partnership_member::Column::Id.ne(member.id))
        .count(conn)
        .await?;
    if others > 0 {
        Ok(())
    } else {
        Err(ApiError::InvalidState(format!(
            "this is the partnership's last active commissioner member, so it cannot {what}: \
             add or promote another commissioner first"
        )))
    }
}

/// Changes a current member's role or responsibilities. The last active commissioner cannot
/// stop being one.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: MemberChanges,
) -> ApiResult<partnership_member::Model> {
    let id = edit.id;
    let txn = begin_write(db).await?;
    let current = find_member_to_manage(&txn, actor, id).await?;
    still_active(&current)?;
    let mut changes = partnership_member::ActiveModel::default();
    if let Some(role) = edit.role {
        if role != MemberRole::Commissioner {
            keeps_a_commissioner(&txn, &current, "change its role").await?;
        }
        changes.role = Set(role);
    }
    if let Some(responsibilities) = &edit.responsibilities {
        let responsibilities = validation::long_text(responsibilities, "input.responsibilities")?;
        changes.responsibilities = Set(responsibilities);
    }
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes),
        |model, changes| {
            Change::new("partnership_member.update", "partnership_member", id)
                .in_partnership(model.partnership_id)
                .changed_fields(changes)
                .with_detail("organisationId", json!(model.organisation_id))
        },
    )
    .await
}

/// Records that a member has left (its history stays; it can rejoin with [`add`]). The last
/// active commissioner cannot leave. A draft agreement that only the leaver had not signed is
/// agreed.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    removal: MemberRemoval,
) -> ApiResult<partnership_member::Model> {
    let id = removal.id;
    let left_on = removal.left_on.unwrap_or(removal.today);
    if left_on > removal.today {
        return Err(ApiError::bad_input(
            "input.leftOn",
            "leftOn must not be in the future: record the departure on the day it happens",
        ));
    }
    let txn = begin_write(db).await?;
    let current = find_member_to_manage(&txn, actor, id).await?;
    still_active(&current)?;
    if left_on < current.joined_on {
        return Err(ApiError::bad_input(
            "input.leftOn",
            format!(
                "leftOn must not be before the day the organisation joined ({})",
                current.joined_on
            ),
        ));
    }
    keeps_a_commissioner(&txn, &current, "leave").await?;
    let model = save_versioned::<partnership_member::Entity>(
        &txn,
        partnership_member::ActiveModel {
            left_on: Set(Some(left_on)),
            ..Default::default()
        },
        id,
        removal.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership_member.remove", "partnership_member", id)
            .in_partnership(model.partnership_id)
            .details(json!({ "organisationId": model.organisation_id, "leftOn": left_on })),
    )
    .await?;
    // The leaver may have been the only signature a draft was waiting for.
    agreements::agree_fully_signed_drafts(&txn, actor, model.partnership_id).await?;
    txn.commit().await?;
    Ok(model)
}
