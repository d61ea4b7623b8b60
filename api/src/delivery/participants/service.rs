//! Participant rules (DESIGN §3.10, §4.3): a participant is a pseudonymous record (the
//! provider's own code, birth year, area and a few flags; never a name, date of birth or
//! address) owned by the provider organisation of the user who records it, with a complete and
//! consistent information-sharing decision, dated with the application clock's today whenever
//! it is recorded. Who else may read it is the policy's `visible_participants`. Plain domain
//! commands in, models out; no GraphQL here.

use chrono::{Datelike, NaiveDate, Utc};
use entity::{
    audit_event,
    enums::{ConsentGivenBy, OrganisationKind, Sex, SharingBasis},
    participant,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    analytics::{disclosure, read_model},
    audit::{self, Change, PARTICIPANT_READ},
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// Which of the visible participants to list; `None` matches any.
#[derive(Default)]
pub struct ParticipantCriteria {
    /// The provider's exact reference code (surrounding spaces ignored).
    pub reference: Option<String>,
    pub area_code: Option<String>,
    pub looked_after: Option<bool>,
    pub sharing_basis: Option<SharingBasis>,
}

/// A participant to record for the actor's own provider organisation.
pub struct NewParticipant {
    /// The provider's own pseudonymous code: letters, digits and `- _ . /`; never a name.
    pub reference: String,
    pub birth_year: i32,
    pub sex: Option<Sex>,
    pub looked_after: bool,
    pub additional_support_needs: bool,
    pub area_code: String,
    /// The young person's school (an organisation of kind SCHOOL).
    pub school_id: Option<Uuid>,
    pub sharing_basis: SharingBasis,
    /// Required unless the basis is NONE.
    pub sharing_reason: Option<String>,
    /// Required exactly when the basis is CONSENT.
    pub consent_given_by: Option<ConsentGivenBy>,
    /// The application clock's today: the sharing decision is recorded on it, and birth years
    /// are checked against its year.
    pub today: NaiveDate,
}

/// Changes to participant `id`, expected at `expected_version`. `None` leaves a field as it
/// is; `Some(None)` clears an optional one. Any part of the sharing decision given records the
/// whole decision afresh (on `today`, by the actor).
pub struct ParticipantChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub reference: Option<String>,
    pub birth_year: Option<i32>,
    pub sex: Option<Option<Sex>>,
    pub looked_after: Option<bool>,
    pub additional_support_needs: Option<bool>,
    pub area_code: Option<String>,
    pub school_id: Option<Option<Uuid>>,
    pub sharing_basis: Option<SharingBasis>,
    pub sharing_reason: Option<Option<String>>,
    pub consent_given_by: Option<Option<ConsentGivenBy>>,
    /// The application clock's today (see [`NewParticipant::today`]).
    pub today: NaiveDate,
}

/// The participant, if the actor may see it; NOT_FOUND otherwise.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<participant::Model> {
    crate::platform::db::find_visible::<participant::Entity>(
        db,
        id,
        policy::visible_participants(actor),
    )
    .await
}

/// The participants the actor may see that match `criteria`, for the caller to page.
pub fn visible(actor: &Actor, criteria: &ParticipantCriteria) -> Select<participant::Entity> {
    let mut select = participant::Entity::find().filter(policy::visible_participants(actor));
    if let Some(reference) = &criteria.reference {
        select = select.filter(participant::Column::Reference.eq(reference.trim()));
    }
    if let Some(area_code) = &criteria.area_code {
        select = select.filter(participant::Column::AreaCode.eq(area_code.as_str()));
    }
    if let Some(looked_after) = criteria.looked_after {
        select = select.filter(participant::Column::LookedAfter.eq(looked_after));
    }
    if let Some(basis) = criteria.sharing_basis {
        select = select.filter(participant::Column::SharingBasis.eq(basis));
    }
    select
}

/// Every participant's access log: the `participant.read` events, keyed by `entity_id` (the
/// participant id). Only for a caller who has passed `policy::may_read_access_log`.
pub fn access_log() -> Select<audit_event::Entity> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(PARTICIPANT_READ))
        .filter(audit_event::Column::EntityType.eq("participant"))
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
fn birth_year(year: i32, today: NaiveDate) -> ApiResult<i32> {
    let this_year = today.year();
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

async fn school(conn: &impl ConnectionTrait, id: Uuid) -> ApiResult<Uuid> {
    let field = "input.schoolId";
    let school = validation::known_organisation(conn, id, field).await?;
    if school.kind == OrganisationKind::School {
        Ok(school.id)
    } else {
        Err(ApiError::bad_input(
            field,
            "schoolId must be an organisation of kind SCHOOL",
        ))
    }
}

/// Records a participant for the actor's own provider organisation.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewParticipant,
) -> ApiResult<participant::Model> {
    policy::may_record_participants(actor)?;
    let reference = reference(&new.reference)?;
    let birth_year = birth_year(new.birth_year, new.today)?;
    let sharing_reason = sharing_decision(
        new.sharing_basis,
        new.sharing_reason.as_deref(),
        new.consent_given_by,
    )?;
    let txn = begin_write(db).await?;
    let area_code = validation::known_area(&txn, &new.area_code, "input.areaCode").await?;
    let school_id = match new.school_id {
        Some(id) => Some(school(&txn, id).await?),
        None => None,
    };
    let now = Utc::now();
    let model = participant::Entity::insert(participant::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider_id: Set(actor.organisation_id),
        reference: Set(reference),
        birth_year: Set(birth_year),
        sex: Set(new.sex),
        looked_after: Set(new.looked_after),
        additional_support_needs: Set(new.additional_support_needs),
        area_code: Set(area_code),
        school_id: Set(school_id),
        sharing_basis: Set(new.sharing_basis),
        sharing_reason: Set(sharing_reason),
        consent_given_by: Set(new.consent_given_by),
        sharing_recorded_on: Set(new.today),
        sharing_recorded_by: Set(actor.user_id),
        record_key: Set(disclosure::new_record_key()?),
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

/// Applies `requested` to a participant the actor's provider owns. The record and its sharing
/// decision are audited as separate events (the first naming fields only), so this tail stays
/// explicit.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    requested: ParticipantChanges,
) -> ApiResult<participant::Model> {
    let id = requested.id;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    policy::may_manage_participant(actor, current.provider_id)?;

    let mut changes = participant::ActiveModel::default();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(value) = &requested.reference {
        changes.reference = Set(reference(value)?);
        changed.push("reference");
    }
    if let Some(year) = requested.birth_year {
        changes.birth_year = Set(birth_year(year, requested.today)?);
        changed.push("birthYear");
    }
    if let Some(sex) = requested.sex {
        changes.sex = Set(sex);
        changed.push("sex");
    }
    if let Some(value) = requested.looked_after {
        changes.looked_after = Set(value);
        changed.push("lookedAfter");
    }
    if let Some(value) = requested.additional_support_needs {
        changes.additional_support_needs = Set(value);
        changed.push("additionalSupportNeeds");
    }
    if let Some(area_code) = &requested.area_code {
        changes.area_code = Set(validation::known_area(&txn, area_code, "input.areaCode").await?);
        changed.push("areaCode");
    }
    match requested.school_id {
        None => {}
        Some(None) => {
            changes.school_id = Set(None);
            changed.push("schoolId");
        }
        Some(Some(school_id)) => {
            changes.school_id = Set(Some(school(&txn, school_id).await?));
            changed.push("schoolId");
        }
    }

    let sharing_changed = requested.sharing_basis.is_some()
        || requested.sharing_reason.is_some()
        || requested.consent_given_by.is_some();
    if sharing_changed {
        let basis = requested.sharing_basis.unwrap_or(current.sharing_basis);
        let reason = requested
            .sharing_reason
            .unwrap_or_else(|| current.sharing_reason.clone());
        let consent = requested
            .consent_given_by
            .unwrap_or(current.consent_given_by);
        changes.sharing_basis = Set(basis);
        changes.sharing_reason = Set(sharing_decision(basis, reason.as_deref(), consent)?);
        changes.consent_given_by = Set(consent);
        changes.sharing_recorded_on = Set(requested.today);
        changes.sharing_recorded_by = Set(actor.user_id);
    }

    let model = save_versioned::<participant::Entity>(
        &txn,
        changes,
        id,
        requested.expected_version,
        Some(&DUPLICATE_REFERENCE),
    )
    .await?;
    if !changed.is_empty() {
        read_model::follow_participant(&txn, &model).await?;
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

    #[test]
    fn birth_years_reach_back_25_years_from_the_clocks_today() {
        let today = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        assert_eq!(birth_year(2005, today).unwrap(), 2005);
        assert_eq!(birth_year(2030, today).unwrap(), 2030);
        assert!(birth_year(2004, today).is_err());
        assert!(birth_year(2031, today).is_err());
    }
}
