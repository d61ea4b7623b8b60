//! The rules of a partnership's written agreements (DESIGN §3.6, §5.2): each kind is a series
//! of numbered versions.
//!
//! A version is drafted by the partnership's commissioners, signed once by every active member
//! organisation (any active user of a member may sign for it, even a viewer, §4.3), and becomes
//! AGREED when the last one signs; the version it replaces becomes SUPERSEDED in the same
//! transaction. Text that anyone has signed never changes: a change is a new version. Nothing
//! here decides access itself (see `policy`).

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use entity::{
    agreement, agreement_signature,
    enums::{AgreementKind, AgreementStatus},
    partnership_member,
};
use sea_orm::{
    ActiveEnum,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    partnership::partnerships::service::lock_open_partnership,
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// The next version of an agreement of one kind, drafted by the partnership's commissioners.
pub struct NewAgreement {
    pub partnership_id: Uuid,
    pub kind: AgreementKind,
    pub title: String,
    /// The text, in Markdown.
    pub body: String,
    pub effective_from: NaiveDate,
    /// Must be after `effective_from`.
    pub review_due: NaiveDate,
}

/// Changes to a DRAFT nobody has signed; `None` leaves a field unchanged.
pub struct AgreementChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub review_due: Option<NaiveDate>,
}

const BODY_MAX_CHARS: usize = 200_000;

const ALREADY_SIGNED: UniqueField = UniqueField {
    field: "input.agreementId",
    message: "your organisation has already signed this agreement",
};

fn dates_in_order(effective_from: NaiveDate, review_due: NaiveDate) -> ApiResult<()> {
    if review_due > effective_from {
        Ok(())
    } else {
        Err(ApiError::bad_input(
            "input.reviewDue",
            "reviewDue must be after effectiveFrom",
        ))
    }
}

/// The agreement, its row locked until the transaction ends (SELECT … FOR UPDATE on
/// PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers). Signing, editing and
/// completing an agreement all take this lock first, so completion is decided serially.
async fn lock_agreement(conn: &impl ConnectionTrait, id: Uuid) -> ApiResult<agreement::Model> {
    agreement::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "agreement",
        })
}

/// Sets `status`, bumping the version of every row changed, and returns those rows.
async fn set_status(
    conn: &impl ConnectionTrait,
    condition: sea_orm::Condition,
    status: AgreementStatus,
) -> ApiResult<Vec<agreement::Model>> {
    Ok(agreement::Entity::update_many()
        .col_expr(agreement::Column::Status, Expr::value(status))
        .col_expr(
            agreement::Column::Version,
            Expr::col(agreement::Column::Version).add(1),
        )
        .col_expr(agreement::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(condition)
        .exec_with_returning(conn)
        .await?)
}

/// Drafts the next version of an agreement of this kind (commissioners). An earlier DRAFT of
/// the same kind that was never agreed is SUPERSEDED by it: only the newest draft is signed.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewAgreement,
) -> ApiResult<agreement::Model> {
    let partnership_id = input.partnership_id;
    let title = validation::name(&input.title, "input.title")?;
    let body = validation::text(&input.body, "input.body", BODY_MAX_CHARS)?;
    dates_in_order(input.effective_from, input.review_due)?;

    let txn = begin_write(db).await?;
    policy::may_draft_agreement(policy::role_in_partnership(&txn, actor, partnership_id).await?)?;
    lock_open_partnership(&txn, partnership_id).await?;
    let latest: Option<i32> = agreement::Entity::find()
        .select_only()
        .column_as(agreement::Column::DocumentVersion.max(), "latest")
        .filter(agreement::Column::PartnershipId.eq(partnership_id))
        .filter(agreement::Column::Kind.eq(input.kind))
        .into_tuple()
        .one(&txn)
        .await?
        .flatten();
    let document_version = latest.unwrap_or(0) + 1;

    let replaced_drafts = set_status(
        &txn,
        sea_orm::Condition::all()
            .add(agreement::Column::PartnershipId.eq(partnership_id))
            .add(agreement::Column::Kind.eq(input.kind))
            .add(agreement::Column::Status.eq(AgreementStatus::Draft)),
        AgreementStatus::Superseded,
    )
    .await?;
    for draft in &replaced_drafts {
        audit::record(
            &txn,
            Some(actor),
            Change::new("agreement.supersede", "agreement", draft.id)
                .in_partnership(partnership_id)
                .details(json!({
                    "reason": "a newer draft replaced it before it was agreed",
                    "documentVersion": draft.document_version,
                    "supersededByVersion": document_version,
                })),
        )
        .await?;
    }

    let now = Utc::now();
    let model = agreement::Entity::insert(agreement::ActiveModel {
        id: Set(Uuid::now_v7()),
        partnership_id: Set(partnership_id),
        kind: Set(input.kind),
        document_version: Set(document_version),
        title: Set(title),
        body: Set(body),
        effective_from: Set(input.effective_from),
        review_due: Set(input.review_due),
        status: Set(AgreementStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("agreement.create", "agreement", model.id)
            .in_partnership(partnership_id)
            .details(json!({
                "kind": model.kind, "documentVersion": model.document_version,
                "title": model.title, "body": model.body,
                "effectiveFrom": model.effective_from, "reviewDue": model.review_due,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a DRAFT that nobody has signed yet (commissioners).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AgreementChanges,
) -> ApiResult<agreement::Model> {
    let id = input.id;
    let txn = begin_write(db).await?;
    let current = lock_agreement(&txn, id).await?;
    policy::may_draft_agreement(
        policy::role_for_write(&txn, actor, current.partnership_id, "agreement").await?,
    )?;
    if current.status != AgreementStatus::Draft {
        return Err(ApiError::InvalidState(format!(
            "this agreement is {}, and only a DRAFT can change: draft a new version with \
             createAgreement",
            current.status.to_value()
        )));
    }
    let signed = agreement_signature::Entity::find()
        .filter(agreement_signature::Column::AgreementId.eq(id))
        .one(&txn)
        .await?;
    if signed.is_some() {
        return Err(ApiError::InvalidState(
            "this draft has been signed, so its text can no longer change: draft a new version \
             with createAgreement"
                .into(),
        ));
    }

    let mut changes = agreement::ActiveModel::default();
    if let Some(title) = &input.title {
        let title = validation::name(title, "input.title")?;
        changes.title = Set(title);
    }
    if let Some(body) = &input.body {
        let body = validation::text(body, "input.body", BODY_MAX_CHARS)?;
        changes.body = Set(body);
    }
    let effective_from = input.effective_from.unwrap_or(current.effective_from);
    if input.effective_from.is_some() {
        changes.effective_from = Set(effective_from);
    }
    let review_due = input.review_due.unwrap_or(current.review_due);
    if input.review_due.is_some() {
        changes.review_due = Set(review_due);
    }
    dates_in_order(effective_from, review_due)?;

    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, input.expected_version, changes),
        |model, changes| {
            Change::new("agreement.update", "agreement", id)
                .in_partnership(model.partnership_id)
                .changed_fields(changes)
        },
    )
    .await
}

/// Signs a DRAFT on behalf of the actor's organisation, which must be an active member. When
/// the last active member signs, the agreement becomes AGREED and the version it replaces
/// SUPERSEDED.
pub async fn sign(
    db: &DatabaseConnection,
    actor: &Actor,
    agreement_id: Uuid,
) -> ApiResult<agreement::Model> {
    let txn = begin_write(db).await?;
    let current = lock_agreement(&txn, agreement_id).await?;
    policy::role_for_write(&txn, actor, current.partnership_id, "agreement").await?;
    let membership = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(current.partnership_id))
        .filter(partnership_member::Column::OrganisationId.eq(actor.organisation_id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .one(&txn)
        .await?;
    policy::may_sign_agreement(membership.map(|member| member.role))?;
    if current.status != AgreementStatus::Draft {
        return Err(ApiError::InvalidState(format!(
            "only a DRAFT agreement can be signed; this version is {}",
            current.status.to_value()
        )));
    }
    let already = agreement_signature::Entity::find()
        .filter(agreement_signature::Column::AgreementId.eq(agreement_id))
        .filter(agreement_signature::Column::OrganisationId.eq(actor.organisation_id))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(ApiError::Conflict {
            field: Some(ALREADY_SIGNED.field.into()),
            message: ALREADY_SIGNED.message.into(),
        });
    }
    let now = Utc::now();
    let signature = agreement_signature::Entity::insert(agreement_signature::ActiveModel {
        id: Set(Uuid::now_v7()),
        agreement_id: Set(agreement_id),
        organisation_id: Set(actor.organisation_id),
        signed_by: Set(actor.user_id),
        signed_at: Set(now),
        created_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await
    // Another user of the same organisation signed at the same moment.
    .map_err(|err| ApiError::from_unique(err, &ALREADY_SIGNED))?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("agreement.sign", "agreement", agreement_id)
            .in_partnership(current.partnership_id)
            .details(json!({
                "signatureId": signature.id,
                "organisationId": signature.organisation_id,
                "documentVersion": current.document_version,
            })),
    )
    .await?;
    let model = agree_if_fully_signed(&txn, actor, current).await?;
    txn.commit().await?;
    Ok(model)
}

/// After a member leaves, a DRAFT that every remaining active member has signed is agreed: the
/// rule is "every active member has signed", whichever change made it true.
pub async fn agree_fully_signed_drafts(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    partnership_id: Uuid,
) -> ApiResult<()> {
    let drafts = agreement::Entity::find()
        .filter(agreement::Column::PartnershipId.eq(partnership_id))
        .filter(agreement::Column::Status.eq(AgreementStatus::Draft))
        .all(conn)
        .await?;
    for draft in drafts {
        let locked = lock_agreement(conn, draft.id).await?;
        if locked.status == AgreementStatus::Draft {
            agree_if_fully_signed(conn, actor, locked).await?;
        }
    }
    Ok(())
}

/// Agrees `current` (a locked DRAFT) if every active member organisation has signed it, and
/// supersedes the version of the same kind that was AGREED until now. Returns the agreement as
/// it now stands.
async fn agree_if_fully_signed(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    current: agreement::Model,
) -> ApiResult<agreement::Model> {
    let members: Vec<Uuid> = partnership_member::Entity::find()
        .select_only()
        .column(partnership_member::Column::OrganisationId)
        .filter(partnership_member::Column::PartnershipId.eq(current.partnership_id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let signed: HashSet<Uuid> = agreement_signature::Entity::find()
        .select_only()
        .column(agreement_signature::Column::OrganisationId)
        .filter(agreement_signature::Column::AgreementId.eq(current.id))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    // A partnership always keeps a commissioner member, so `members` is never empty; checked
    // anyway so an agreement can never be agreed by nobody.
    if members.is_empty() || !members.iter().all(|id| signed.contains(id)) {
        return Ok(current);
    }

    let superseded = set_status(
        conn,
        sea_orm::Condition::all()
            .add(agreement::Column::PartnershipId.eq(current.partnership_id))
            .add(agreement::Column::Kind.eq(current.kind))
            .add(agreement::Column::Status.eq(AgreementStatus::Agreed)),
        AgreementStatus::Superseded,
    )
    .await?;
    for old in &superseded {
        audit::record(
            conn,
            Some(actor),
            Change::new("agreement.supersede", "agreement", old.id)
                .in_partnership(current.partnership_id)
                .details(json!({
                    "reason": "a newer version was agreed",
                    "documentVersion": old.document_version,
                    "supersededByVersion": current.document_version,
                })),
        )
        .await?;
    }
    let agreed = save_versioned::<agreement::Entity>(
        conn,
        agreement::ActiveModel {
            status: Set(AgreementStatus::Agreed),
            ..Default::default()
        },
        current.id,
        current.version,
        None,
    )
    .await?;
    audit::record(
        conn,
        Some(actor),
        Change::new("agreement.agree", "agreement", agreed.id)
            .in_partnership(agreed.partnership_id)
            .details(json!({
                "kind": agreed.kind,
                "documentVersion": agreed.document_version,
                "memberOrganisationIds": members,
                "supersededAgreementIds": superseded.iter().map(|old| old.id).collect::<Vec<_>>(),
            })),
    )
    .await?;
    Ok(agreed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_must_come_after_the_agreement_takes_effect() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 9, d).unwrap();
        assert!(dates_in_order(day(1), day(2)).is_ok());
        assert!(dates_in_order(day(2), day(2)).is_err());
        assert!(dates_in_order(day(3), day(2)).is_err());
    }
}
