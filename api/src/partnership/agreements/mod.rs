//! The GraphQL face of a partnership's written agreements and their sign-off (DESIGN §3.6,
//! §5.2): the partnership agreement, service-level agreements and protocols, each a series of
//! numbered versions. Resolvers parse their input and hand over to [`service`], which holds the
//! rules. Agreements are visible wherever their partnership is.

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    agreement, agreement_signature,
    enums::{AgreementKind, AgreementStatus},
};
use uuid::Uuid;

use crate::{
    directory::{organisations::Organisation, users::User},
    graphql::{db_and_actor, parse_id, request, scalars::Date},
    partnership::partnerships::Partnership,
    platform::error::ApiError,
};

pub mod service;

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
        let new = service::NewAgreement {
            partnership_id: parse_id(&input.partnership_id, "input.partnershipId")?,
            kind: input.kind,
            title: input.title,
            body: input.body,
            effective_from: input.effective_from.0,
            review_due: input.review_due.0,
        };
        let model = service::create(db, actor, new).await?;
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
        let edit = service::AgreementChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            title: input.title,
            body: input.body,
            effective_from: input.effective_from.map(|date| date.0),
            review_due: input.review_due.map(|date| date.0),
        };
        let model = service::update(db, actor, edit).await?;
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
        let agreement_id = parse_id(&input.agreement_id, "input.agreementId")?;
        let model = service::sign(db, actor, agreement_id).await?;
        Ok(AgreementPayload {
            agreement: Agreement(model),
        })
    }
}
