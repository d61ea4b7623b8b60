//! Participants (DESIGN §3.10): the children and young people a provider works with, as
//! pseudonymous records (the provider's own code, birth year, area and a few flags; never a
//! name, date of birth or address), each with its information-sharing decision.
//!
//! A participant belongs to the provider organisation of the user who records it. Who else may
//! read it is the policy's `visible_participants`; every read from outside the owning provider
//! lands in the participant's access log (`Participant.accessLog`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Datelike, Utc};
use entity::{
    audit_event,
    enums::{ConsentGivenBy, OrganisationKind, Sex, SharingBasis},
    participant,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, PARTICIPANT_READ},
    delivery::enrolments::Enrolment,
    directory::{areas::Area, organisations::Organisation, users::User},
    graphql::{
        RequestContext, db_and_actor,
        loaders::{LoadError, load_error},
        pagination::{ChildPage, Order, Page, PageRequest, fetch_page, fetch_pages_by_parent},
        parse_id, request,
        scalars::Date,
    },
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// A child or young person, as the provider's pseudonymous record.
pub struct Participant(participant::Model);

impl Participant {
    /// Wraps rows the caller is about to read, noting the read for the access log.
    pub fn reveal(request: &RequestContext, model: participant::Model) -> Self {
        request.note_participant_reads([model.id]);
        Participant(model)
    }

    /// The record as its owning provider just wrote it (no read to log).
    fn written(model: participant::Model) -> Self {
        Participant(model)
    }
}

#[Object]
impl Participant {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    /// The provider organisation that recorded and owns this participant.
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(self.0.provider_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The provider's own pseudonymous code for the young person.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn birth_year(&self) -> i32 {
        self.0.birth_year
    }
    async fn sex(&self) -> Option<Sex> {
        self.0.sex
    }
    /// Care-experienced (looked after now or before).
    async fn looked_after(&self) -> bool {
        self.0.looked_after
    }
    async fn additional_support_needs(&self) -> bool {
        self.0.additional_support_needs
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
    async fn school(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(school_id) = self.0.school_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(school_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The lawful basis for sharing this young person's data with the partnership; NONE means
    /// commissioners see only aggregates, never this record.
    async fn sharing_basis(&self) -> SharingBasis {
        self.0.sharing_basis
    }
    /// Why sharing is needed and proportionate.
    async fn sharing_reason(&self) -> Option<&str> {
        self.0.sharing_reason.as_deref()
    }
    /// Who consented, when the basis is CONSENT.
    async fn consent_given_by(&self) -> Option<ConsentGivenBy> {
        self.0.consent_given_by
    }
    async fn sharing_recorded_on(&self) -> Date {
        self.0.sharing_recorded_on.into()
    }
    async fn sharing_recorded_by_id(&self) -> ID {
        self.0.sharing_recorded_by.into()
    }
    /// Enrolments the caller may see.
    async fn enrolments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Enrolment>> {
        let request = request(ctx)?;
        let loaded = request
            .loaders
            .participant_enrolments
            .load_one(self.0.id)
            .await?;
        Ok(Enrolment::reveal_all(request, loaded.unwrap_or_default()))
    }
    /// Who outside the provider has read this record, newest first, so the provider can
    /// answer the young person or family. Only the owning provider (and admins) may read it.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<AccessEvent>> {
        let request = request(ctx)?;
        policy::may_read_access_log(&request.actor, self.0.provider_id)?;
        let page = PageRequest::parse(first, after)?;
        let loaded = request
            .loaders
            .access_logs
            .load_one((self.0.id.to_string(), page))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_connection(page, |row| row.id, AccessEvent))
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

/// Participants' access logs (newest first), one page per participant, in two statements for any
/// number of participants. Reached only after `policy::may_read_access_log`.
pub struct AccessLogLoader(pub DatabaseConnection);

impl Loader<(String, PageRequest)> for AccessLogLoader {
    type Value = ChildPage<audit_event::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(String, PageRequest)],
    ) -> Result<HashMap<(String, PageRequest), ChildPage<audit_event::Model>>, LoadError> {
        let mut by_page: HashMap<PageRequest, Vec<String>> = HashMap::new();
        for (participant_id, page) in keys {
            by_page
                .entry(*page)
                .or_default()
                .push(participant_id.clone());
        }
        let mut loaded = HashMap::new();
        for (page, participant_ids) in by_page {
            let reads = audit_event::Entity::find()
                .filter(audit_event::Column::Action.eq(PARTICIPANT_READ))
                .filter(audit_event::Column::EntityType.eq("participant"));
            let pages = fetch_pages_by_parent(
                &self.0,
                reads,
                (audit_event::Column::EntityId, audit_event::Column::Id),
                &participant_ids,
                page,
                |row| row.entity_id.clone(),
            )
            .await
            .map_err(load_error)?;
            loaded.extend(
                pages
                    .into_iter()
                    .map(|(participant_id, rows)| ((participant_id, page), rows)),
            );
        }
        Ok(loaded)
    }
}

/// One read of a participant's record by someone outside its provider.
pub struct AccessEvent(audit_event::Model);

#[Object]
impl AccessEvent {
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The person who read it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(actor_id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .users
            .load_one(actor_id)
            .await?
            .map(User))
    }
    /// Their organisation at the time.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(organisation_id) = self.0.actor_organisation_id else {
            return Ok(None);
        };
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(organisation_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    /// The GraphQL operation that read it.
    async fn operation(&self) -> &str {
        self.0.details["operation"].as_str().unwrap_or("unknown")
    }
}

#[derive(InputObject, Default)]
pub struct ParticipantFilter {
    /// The provider's exact reference code.
    pub reference: Option<String>,
    pub area_code: Option<String>,
    pub looked_after: Option<bool>,
    pub sharing_basis: Option<SharingBasis>,
}

#[derive(InputObject)]
pub struct CreateParticipantInput {
    /// Your own pseudonymous code: letters, digits and `- _ . /`; never a name.
    pub reference: String,
    pub birth_year: i32,
    pub sex: Option<Sex>,
    #[graphql(default = false)]
    pub looked_after: bool,
    #[graphql(default = false)]
    pub additional_support_needs: bool,
    pub area_code: String,
    /// The young person's school (an organisation of kind SCHOOL).
    pub school_id: Option<ID>,
    pub sharing_basis: SharingBasis,
    /// Required unless the basis is NONE: why sharing is needed and proportionate.
    pub sharing_reason: Option<String>,
    /// Required when the basis is CONSENT.
    pub consent_given_by: Option<ConsentGivenBy>,
}

/// Fields left out are unchanged; `null` clears an optional field. Changing any part of the
/// information-sharing decision records it afresh (today, by you) and is audited as such.
#[derive(InputObject)]
pub struct UpdateParticipantInput {
    pub id: ID,
    pub expected_version: i32,
    pub reference: Option<String>,
    pub birth_year: Option<i32>,
    pub sex: MaybeUndefined<Sex>,
    pub looked_after: Option<bool>,
    pub additional_support_needs: Option<bool>,
    pub area_code: Option<String>,
    pub school_id: MaybeUndefined<ID>,
    pub sharing_basis: Option<SharingBasis>,
    pub sharing_reason: MaybeUndefined<String>,
    pub consent_given_by: MaybeUndefined<ConsentGivenBy>,
}

#[derive(SimpleObject)]
pub struct ParticipantPayload {
    pub participant: Participant,
}

#[derive(Default)]
pub struct ParticipantQuery;

#[Object]
impl ParticipantQuery {
    async fn participant(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Participant> {
        let (db, actor) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        let model = find_visible(db, actor, id).await?;
        Ok(Participant::reveal(request(ctx)?, model))
    }

    /// The participants the caller may see, oldest first: a provider its own; a commissioner
    /// those enrolled in its partnerships whose sharing decision allows it.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn participants(
        &self,
        ctx: &Context<'_>,
        filter: Option<ParticipantFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Participant>> {
        let (db, actor) = db_and_actor(ctx)?;
        let request = request(ctx)?;
        let page = PageRequest::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        let mut select = participant::Entity::find().filter(policy::visible_participants(actor));
        if let Some(reference) = filter.reference {
            select = select.filter(participant::Column::Reference.eq(reference.trim()));
        }
        if let Some(area_code) = filter.area_code {
            select = select.filter(participant::Column::AreaCode.eq(area_code));
        }
        if let Some(looked_after) = filter.looked_after {
            select = select.filter(participant::Column::LookedAfter.eq(looked_after));
        }
        if let Some(basis) = filter.sharing_basis {
            select = select.filter(participant::Column::SharingBasis.eq(basis));
        }
        let reveal = |model| Participant::reveal(request, model);
        Ok(fetch_page(
            db,
            select,
            participant::Column::Id,
            page,
            Order::OldestFirst,
            |row| row.id,
            reveal,
        )
        .await?)
    }
}

#[derive(Default)]
pub struct ParticipantMutation;

#[Object]
impl ParticipantMutation {
    /// Records a participant for the caller's own provider organisation.
    async fn create_participant(
        &self,
        ctx: &Context<'_>,
        input: CreateParticipantInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = create(db, actor, input).await?;
        Ok(ParticipantPayload {
            participant: Participant::written(model),
        })
    }

    async fn update_participant(
        &self,
        ctx: &Context<'_>,
        input: UpdateParticipantInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(ParticipantPayload {
            participant: Participant::written(model),
        })
    }
}

/// The participant, if the actor may see it; NOT_FOUND otherwise.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<participant::Model> {
    participant::Entity::find_by_id(id)
        .filter(policy::visible_participants(actor))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "participant",
        })
}

const DUPLICATE_REFERENCE: UniqueField = UniqueField {
    field: "input.reference",
    message: "your organisation already has a participant with this reference",
};

/// Pseudonymous codes only: a space, an `@` or any other character that would let a name or
/// an e-mail address in is refused.
fn reference(value: &str) -> ApiResult<String> {
    let field = "input.reference";
    let value = validation::text(value, field, 64)?;
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        Ok(value)
    } else {
        Err(ApiError::bad_input(
            field,
            "reference must be your pseudonymous code (letters, digits and - _ . / only, no \
             spaces); never a name",
        ))
    }
}

/// Children and young people up to 25, as the services here work with.
fn birth_year(year: i32) -> ApiResult<i32> {
    let this_year = Utc::now().year();
    if (this_year - 25..=this_year).contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::bad_input(
            "input.birthYear",
            format!(
                "birthYear must be between {} and {this_year}",
                this_year - 25
            ),
        ))
    }
}

/// The information-sharing decision must be complete and consistent (§3.10): a reason unless
/// the basis is NONE, and who consented exactly when the basis is CONSENT.
fn sharing_decision(
    basis: SharingBasis,
    reason: Option<&str>,
    consent_given_by: Option<ConsentGivenBy>,
) -> ApiResult<Option<String>> {
    let reason = reason
        .map(|reason| validation::text(reason, "input.sharingReason", 2_000))
        .transpose()?;
    if basis != SharingBasis::None && reason.is_none() {
        return Err(ApiError::bad_input(
            "input.sharingReason",
            "sharingReason is required unless sharingBasis is NONE: say why sharing is needed and proportionate",
        ));
    }
    match (basis, consent_given_by) {
        (SharingBasis::Consent, None) => Err(ApiError::bad_input(
            "input.consentGivenBy",
            "consentGivenBy is required when sharingBasis is CONSENT",
        )),
        (SharingBasis::Consent, Some(_)) | (_, None) => Ok(reason),
        (_, Some(_)) => Err(ApiError::bad_input(
            "input.consentGivenBy",
            "consentGivenBy applies only when sharingBasis is CONSENT",
        )),
    }
}

async fn school(conn: &impl ConnectionTrait, id: &ID) -> ApiResult<Uuid> {
    let field = "input.schoolId";
    let school = validation::known_organisation(conn, parse_id(id, field)?, field).await?;
    if school.kind == OrganisationKind::School {
        Ok(school.id)
    } else {
        Err(ApiError::bad_input(
            field,
            "schoolId must be an organisation of kind SCHOOL",
        ))
    }
}

async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CreateParticipantInput,
) -> ApiResult<participant::Model> {
    policy::may_record_participants(actor)?;
    let reference = reference(&input.reference)?;
    let birth_year = birth_year(input.birth_year)?;
    let sharing_reason = sharing_decision(
        input.sharing_basis,
        input.sharing_reason.as_deref(),
        input.consent_given_by,
    )?;
    let txn = begin_write(db).await?;
    let area_code = validation::known_area(&txn, &input.area_code, "input.areaCode").await?;
    let school_id = match &input.school_id {
        Some(id) => Some(school(&txn, id).await?),
        None => None,
    };
    let now = Utc::now();
    let model = participant::Entity::insert(participant::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider_id: Set(actor.organisation_id),
        reference: Set(reference),
        birth_year: Set(birth_year),
        sex: Set(input.sex),
        looked_after: Set(input.looked_after),
        additional_support_needs: Set(input.additional_support_needs),
        area_code: Set(area_code),
        school_id: Set(school_id),
        sharing_basis: Set(input.sharing_basis),
        sharing_reason: Set(sharing_reason),
        consent_given_by: Set(input.consent_given_by),
        sharing_recorded_on: Set(now.date_naive()),
        sharing_recorded_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|err| ApiError::from_unique(err, &DUPLICATE_REFERENCE))?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("participant.create", "participant", model.id).details(sharing_details(&model)),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// What the audit trail keeps of a sharing decision: the decision, not the child.
fn sharing_details(model: &participant::Model) -> serde_json::Value {
    json!({
        "sharingBasis": model.sharing_basis,
        "sharingReason": model.sharing_reason,
        "consentGivenBy": model.consent_given_by,
        "sharingRecordedOn": model.sharing_recorded_on,
    })
}

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateParticipantInput,
) -> ApiResult<participant::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    policy::may_manage_participant(actor, current.provider_id)?;

    let mut changes = participant::ActiveModel::default();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(value) = &input.reference {
        changes.reference = Set(reference(value)?);
        changed.push("reference");
    }
    if let Some(year) = input.birth_year {
        changes.birth_year = Set(birth_year(year)?);
        changed.push("birthYear");
    }
    if !input.sex.is_undefined() {
        changes.sex = Set(input.sex.take());
        changed.push("sex");
    }
    if let Some(value) = input.looked_after {
        changes.looked_after = Set(value);
        changed.push("lookedAfter");
    }
    if let Some(value) = input.additional_support_needs {
        changes.additional_support_needs = Set(value);
        changed.push("additionalSupportNeeds");
    }
    if let Some(area_code) = &input.area_code {
        changes.area_code = Set(validation::known_area(&txn, area_code, "input.areaCode").await?);
        changed.push("areaCode");
    }
    match &input.school_id {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            changes.school_id = Set(None);
            changed.push("schoolId");
        }
        MaybeUndefined::Value(id) => {
            changes.school_id = Set(Some(school(&txn, id).await?));
            changed.push("schoolId");
        }
    }

    let sharing_changed = input.sharing_basis.is_some()
        || !input.sharing_reason.is_undefined()
        || !input.consent_given_by.is_undefined();
    if sharing_changed {
        let basis = input.sharing_basis.unwrap_or(current.sharing_basis);
        let reason = match &input.sharing_reason {
            MaybeUndefined::Undefined => current.sharing_reason.clone(),
            other => other.clone().take(),
        };
        let consent = match input.consent_given_by {
            MaybeUndefined::Undefined => current.consent_given_by,
            other => other.take(),
        };
        changes.sharing_basis = Set(basis);
        changes.sharing_reason = Set(sharing_decision(basis, reason.as_deref(), consent)?);
        changes.consent_given_by = Set(consent);
        changes.sharing_recorded_on = Set(Utc::now().date_naive());
        changes.sharing_recorded_by = Set(actor.user_id);
    }

    let model = save_versioned::<participant::Entity>(
        &txn,
        changes,
        id,
        input.expected_version,
        Some(&DUPLICATE_REFERENCE),
    )
    .await?;
    if !changed.is_empty() {
        // Field names only: the trail shows that the record changed, not the child's details.
        let details = json!({ "changed": changed });
        audit::record(
            &txn,
            Some(actor),
            Change::new("participant.update", "participant", id).details(details),
        )
        .await?;
    }
    if sharing_changed {
        let change = Change::new("participant.sharing_decision", "participant", id)
            .details(sharing_details(&model));
        audit::record(&txn, Some(actor), change).await?;
    }
    txn.commit().await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_pseudonymous_codes_not_names() {
        assert_eq!(reference(" CR-2026/014 ").unwrap(), "CR-2026/014");
        assert!(reference("Jamie Smith").is_err());
        assert!(reference("jamie@example.org").is_err());
        assert!(reference("").is_err());
    }

    #[test]
    fn the_sharing_decision_must_be_complete_and_consistent() {
        use ConsentGivenBy::Child;
        use SharingBasis::{Consent, None as NoSharing, PublicTask};
        assert_eq!(sharing_decision(NoSharing, None, None).unwrap(), None);
        assert!(
            sharing_decision(PublicTask, None, None).is_err(),
            "a reason is required"
        );
        assert!(sharing_decision(PublicTask, Some("GIRFEC plan"), None).is_ok());
        assert!(
            sharing_decision(Consent, Some("Agreed at review"), None).is_err(),
            "who consented"
        );
        assert!(sharing_decision(Consent, Some("Agreed at review"), Some(Child)).is_ok());
        assert!(sharing_decision(PublicTask, Some("GIRFEC plan"), Some(Child)).is_err());
    }
}
