//! Written agreements of a partnership and their sign-off (DESIGN §3.6, §5.2): the partnership
//! agreement, service-level agreements and protocols, each a series of numbered versions.
//!
//! A version is drafted by the partnership's commissioners, signed once by every active member
//! organisation (any active user of a member may sign for it, even a viewer, §4.3), and becomes
//! AGREED when the last one signs; the version it replaces becomes SUPERSEDED in the same
//! transaction. Text that anyone has signed never changes: a change is a new version. Agreements
//! are visible wherever their partnership is; nothing here decides access itself (see `policy`).

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
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
    audit::{self, Change},
    directory::{organisations::Organisation, users::User},
    graphql::{db_and_actor, parse_id, request, scalars::Date},
    partnership::partnerships::{Partnership, lock_open_partnership},
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// One version of a written agreement of a partnership.
pub struct Agreement(pub agreement::Model);

#[Object]
impl Agreement {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn partnership_id(&self) -> ID {
        self.0.partnership_id.into()
    }
    async fn partnership(&self, ctx: &Context<'_>) -> async_graphql::Result<Partnership> {
        let loaded = request(ctx)?
            .loaders
            .partnerships
            .load_one(self.0.partnership_id)
            .await?;
        // The agreement was only reachable through a partnership the caller can see.
        loaded.map(Partnership).ok_or_else(|| {
            ApiError::NotFound {
                entity: "partnership",
            }
            .into()
        })
    }
    async fn kind(&self) -> AgreementKind {
        self.0.kind
    }
    /// 1, 2, … per partnership and kind: each change of text is a new version.
    async fn document_version(&self) -> i32 {
        self.0.document_version
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The text, in Markdown.
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn effective_from(&self) -> Date {
        self.0.effective_from.into()
    }
    async fn review_due(&self) -> Date {
        self.0.review_due.into()
    }
    async fn status(&self) -> AgreementStatus {
        self.0.status
    }
    /// Who has signed this version, in the order they signed. Signatures of organisations that
    /// have since left the partnership stay on record.
    async fn signatures(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AgreementSignature>> {
        let signatures = request(ctx)?
            .loaders
            .agreement_signatures
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(signatures.into_iter().map(AgreementSignature).collect())
    }
    /// The active member organisations that have not signed yet; empty unless DRAFT.
    async fn awaiting_signature_from(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Organisation>> {
        if self.0.status != AgreementStatus::Draft {
            return Ok(Vec::new());
        }
        let loaders = &request(ctx)?.loaders;
        let members = loaders
            .members
            .load_one(self.0.partnership_id)
            .await?
            .unwrap_or_default();
        let signed: HashSet<Uuid> = loaders
            .agreement_signatures
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|signature| signature.organisation_id)
            .collect();
        let awaited: Vec<Uuid> = members
            .into_iter()
            .filter(|member| member.left_on.is_none() && !signed.contains(&member.organisation_id))
            .map(|member| member.organisation_id)
            .collect();
        let mut organisations = loaders.organisations.load_many(awaited.clone()).await?;
        // In the order the members joined, like `Partnership.members`.
        Ok(awaited
            .iter()
            .filter_map(|id| organisations.remove(id))
            .map(Organisation)
            .collect())
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

/// A member organisation's signature of one agreement version.
pub struct AgreementSignature(pub agreement_signature::Model);

#[Object]
impl AgreementSignature {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn organisation_id(&self) -> ID {
        self.0.organisation_id.into()
    }
    /// The organisation that signed.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The person who signed on the organisation's behalf.
    async fn signed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let loaded = request(ctx)?
            .loaders
            .users
            .load_one(self.0.signed_by)
            .await?;
        Ok(loaded.map(User))
    }
    async fn signed_at(&self) -> DateTime<Utc> {
        self.0.signed_at
    }
}

#[derive(InputObject)]
pub struct CreateAgreementInput {
    pub partnership_id: ID,
    pub kind: AgreementKind,
    pub title: String,
    /// The text, in Markdown.
    pub body: String,
    pub effective_from: Date,
    /// Must be after `effectiveFrom`.
    pub review_due: Date,
}

/// Fields left out are unchanged. Only a DRAFT nobody has signed can change.
#[derive(InputObject)]
pub struct UpdateAgreementInput {
    pub id: ID,
    pub expected_version: i32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub effective_from: Option<Date>,
    pub review_due: Option<Date>,
}

#[derive(InputObject)]
pub struct SignAgreementInput {
    pub agreement_id: ID,
}

#[derive(SimpleObject)]
pub struct AgreementPayload {
    pub agreement: Agreement,
}

#[derive(Default)]
pub struct AgreementMutation;

#[Object]
impl AgreementMutation {
    /// Drafts the next version of an agreement of this kind (commissioners). An earlier DRAFT of
    /// the same kind that was never agreed is SUPERSEDED by it: only the newest draft is signed.
    async fn create_agreement(
        &self,
        ctx: &Context<'_>,
        input: CreateAgreementInput,
    ) -> async_graphql::Result<AgreementPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = create(db, actor, input).await?;
        Ok(AgreementPayload {
            agreement: Agreement(model),
        })
    }

    /// Changes a DRAFT that nobody has signed yet (commissioners).
    async fn update_agreement(
        &self,
        ctx: &Context<'_>,
        input: UpdateAgreementInput,
    ) -> async_graphql::Result<AgreementPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(AgreementPayload {
            agreement: Agreement(model),
        })
    }

    /// Signs a DRAFT on behalf of the caller's organisation, which must be an active member.
    /// When the last active member signs, the agreement becomes AGREED and the version it
    /// replaces SUPERSEDED.
    async fn sign_agreement(
        &self,
        ctx: &Context<'_>,
        input: SignAgreementInput,
    ) -> async_graphql::Result<AgreementPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = sign(db, actor, input).await?;
        Ok(AgreementPayload {
            agreement: Agreement(model),
        })
    }
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

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CreateAgreementInput,
) -> ApiResult<agreement::Model> {
    let partnership_id = parse_id(&input.partnership_id, "input.partnershipId")?;
    let title = validation::name(&input.title, "input.title")?;
    let body = validation::text(&input.body, "input.body", BODY_MAX_CHARS)?;
    dates_in_order(input.effective_from.0, input.review_due.0)?;

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
        effective_from: Set(input.effective_from.0),
        review_due: Set(input.review_due.0),
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

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateAgreementInput,
) -> ApiResult<agreement::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = lock_agreement(&txn, id).await?;
    policy::may_draft_agreement(
        policy::role_for(&txn, actor, current.partnership_id, "agreement").await?,
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
    let effective_from = input
        .effective_from
        .map_or(current.effective_from, |date| date.0);
    if input.effective_from.is_some() {
        changes.effective_from = Set(effective_from);
    }
    let review_due = input.review_due.map_or(current.review_due, |date| date.0);
    if input.review_due.is_some() {
        changes.review_due = Set(review_due);
    }
    dates_in_order(effective_from, review_due)?;

    let model = save_versioned::<agreement::Entity>(
        &txn,
        changes.clone(),
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("agreement.update", "agreement", id)
            .in_partnership(model.partnership_id)
            .changed_fields(&changes),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn sign(
    db: &DatabaseConnection,
    actor: &Actor,
    input: SignAgreementInput,
) -> ApiResult<agreement::Model> {
    let agreement_id = parse_id(&input.agreement_id, "input.agreementId")?;
    let txn = begin_write(db).await?;
    let current = lock_agreement(&txn, agreement_id).await?;
    policy::role_for(&txn, actor, current.partnership_id, "agreement").await?;
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
pub(crate) async fn agree_fully_signed_drafts(
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
