//! Who may see and do what (DESIGN §4): the one place access decisions are made.
//!
//! For each entity there is a row filter (what the actor may see, as SQL, so hidden rows never
//! leave the database and never count in `totalCount`), and for each action a yes/no on rows the
//! actor can already see. Services and loaders call these; resolvers never decide access
//! themselves. What an actor cannot see is NOT_FOUND, never FORBIDDEN, so existence is not
//! leaked; FORBIDDEN is only for things the actor can see but may not change (§4.4).

use entity::{
    enums::{MemberRole, UserRole},
    partnership, partnership_member,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::SelectStatement,
};
use uuid::Uuid;

use crate::{
    auth::Actor,
    error::{ApiError, ApiResult},
};

/// What a caller may do in one partnership (DESIGN §4.2), exposed as `Partnership.myRole`.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnershipRole {
    Admin,
    Commissioner,
    Provider,
    Viewer,
}

/// The §4.2 table: the user's own role combined with their organisation's active membership.
/// `None` means the partnership does not exist for this caller.
pub fn effective_role(
    user_role: UserRole,
    membership: Option<MemberRole>,
) -> Option<PartnershipRole> {
    use MemberRole as M;
    use PartnershipRole as P;
    match (user_role, membership) {
        (UserRole::Admin, _) => Some(P::Admin),
        (_, None) => None,
        (UserRole::Commissioner, Some(M::Commissioner)) => Some(P::Commissioner),
        (UserRole::Provider, Some(M::Provider)) => Some(P::Provider),
        (UserRole::Commissioner | UserRole::Provider | UserRole::Viewer, Some(_)) => {
            Some(P::Viewer)
        }
    }
}

impl PartnershipRole {
    fn manages_partnership(self) -> bool {
        matches!(self, Self::Admin | Self::Commissioner)
    }
}

/// Ids of the partnerships in which `organisation_id` is an active member, as a subquery.
fn active_memberships_of(organisation_id: Uuid) -> SelectStatement {
    partnership_member::Entity::find()
        .select_only()
        .column(partnership_member::Column::PartnershipId)
        .filter(partnership_member::Column::OrganisationId.eq(organisation_id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .into_query()
}

/// Row filter: the partnerships the actor can see (admins all; others those their organisation
/// is an active member of, whatever the membership role).
pub fn visible_partnerships(actor: &Actor) -> Condition {
    if actor.is_admin() {
        return Condition::all();
    }
    Condition::all()
        .add(partnership::Column::Id.in_subquery(active_memberships_of(actor.organisation_id)))
}

/// The actor's effective role in a partnership, or NOT_FOUND if it does not exist for them.
pub async fn role_in_partnership(
    db: &impl ConnectionTrait,
    actor: &Actor,
    partnership_id: Uuid,
) -> ApiResult<PartnershipRole> {
    let not_found = ApiError::NotFound {
        entity: "partnership",
    };
    if actor.is_admin() {
        return match partnership::Entity::find_by_id(partnership_id)
            .one(db)
            .await?
        {
            Some(_) => Ok(PartnershipRole::Admin),
            None => Err(not_found),
        };
    }
    let membership = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(partnership_id))
        .filter(partnership_member::Column::OrganisationId.eq(actor.organisation_id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .one(db)
        .await?;
    effective_role(actor.role, membership.map(|member| member.role)).ok_or(not_found)
}

/// Admin-only actions: organisations, users, areas, indicators, the audit log.
pub fn require_admin(actor: &Actor, action: &str) -> ApiResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("only an admin may {action}")))
    }
}

/// Outside any partnership, commissioners (and admins) may start one (§4.3).
pub fn may_create_partnership(actor: &Actor) -> ApiResult<()> {
    if matches!(actor.role, UserRole::Admin | UserRole::Commissioner) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a commissioner may create a partnership",
        ))
    }
}

/// Updating the partnership itself and managing its members: its commissioners (and admins).
pub fn may_manage_partnership(role: PartnershipRole) -> ApiResult<()> {
    if role.manages_partnership() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a commissioner of this partnership may change it or its members",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberRole as M;
    use PartnershipRole as P;
    use UserRole as U;

    /// Every cell of the DESIGN §4.2 table, row by row.
    #[test]
    fn effective_role_matches_the_design_table() {
        let memberships = [
            Some(M::Commissioner),
            Some(M::Provider),
            Some(M::Partner),
            None,
        ];
        let table = [
            (
                U::Admin,
                [
                    Some(P::Admin),
                    Some(P::Admin),
                    Some(P::Admin),
                    Some(P::Admin),
                ],
            ),
            (
                U::Commissioner,
                [
                    Some(P::Commissioner),
                    Some(P::Viewer),
                    Some(P::Viewer),
                    None,
                ],
            ),
            (
                U::Provider,
                [Some(P::Viewer), Some(P::Provider), Some(P::Viewer), None],
            ),
            (
                U::Viewer,
                [Some(P::Viewer), Some(P::Viewer), Some(P::Viewer), None],
            ),
        ];
        for (user_role, expected_row) in table {
            for (membership, expected) in memberships.iter().zip(expected_row) {
                assert_eq!(
                    effective_role(user_role, *membership),
                    expected,
                    "{user_role:?} in an organisation with membership {membership:?}"
                );
            }
        }
    }

    #[test]
    fn only_commissioners_and_admins_manage_a_partnership() {
        assert!(may_manage_partnership(P::Admin).is_ok());
        assert!(may_manage_partnership(P::Commissioner).is_ok());
        assert!(may_manage_partnership(P::Provider).is_err());
        assert!(may_manage_partnership(P::Viewer).is_err());
    }
}
