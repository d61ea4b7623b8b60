//! What the downloads read beyond the aggregates, under the same policy as GraphQL: a
//! partnership with its members, services and target progress (the IATI file), the services a
//! directory may list (the HSDS file), the names that label a table's groups, and the access
//! log entry of a download that carries children's aggregates. Never a child's row.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use entity::{
    area,
    enums::{InterventionStatus, MemberRole, TargetState},
    intervention, organisation, partnership, partnership_member,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    analytics::{
        aggregate::{Dimension, Key},
        progress::service::{TargetWithProgress, partnership_progress},
    },
    audit::{self, Change},
    delivery::interventions::service as interventions,
    partnership::partnerships::service as partnerships,
    platform::{
        config::Disclosure,
        error::{ApiError, ApiResult},
    },
};

/// The action of the access-log entry a download of children's aggregates writes.
pub const EXPORT_DOWNLOAD: &str = "export.download";

/// Records that `actor` downloaded `file` (its path under `/exports`) with `parameters`, as an
/// audit event tied to the partnership it is about, if one, so its commissioners see who took
/// its numbers away. Written before the file is sent: a download that cannot be logged is not
/// served.
pub async fn record_download(
    db: &impl ConnectionTrait,
    actor: &Actor,
    file: &str,
    partnership_id: Option<Uuid>,
    parameters: Value,
) -> ApiResult<()> {
    let mut change = Change::new(EXPORT_DOWNLOAD, "export", file).details(parameters);
    if let Some(id) = partnership_id {
        change = change.in_partnership(id);
    }
    audit::record(db, Some(actor), change).await?;
    Ok(())
}

/// The names that label a table's groups: interventions (those the caller can see),
/// organisations and areas (public to every signed-in user).
#[derive(Debug, Default)]
pub struct Names {
    pub interventions: HashMap<Uuid, String>,
    pub organisations: HashMap<Uuid, String>,
    pub areas: HashMap<String, String>,
}

impl Names {
    /// The names of the interventions, providers and areas that cells grouped by `dimensions`
    /// name in their `keys`.
    pub async fn of_keys<'k>(
        db: &impl ConnectionTrait,
        actor: &Actor,
        dimensions: &[Dimension],
        keys: impl IntoIterator<Item = &'k [Key]>,
    ) -> ApiResult<Self> {
        let (mut interventions, mut organisations, mut areas) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for keys in keys {
            for (dimension, key) in dimensions.iter().zip(keys) {
                match (dimension, key) {
                    (Dimension::Intervention, Key::Id(id)) => {
                        interventions.insert(*id);
                    }
                    (Dimension::Provider, Key::Id(id)) => {
                        organisations.insert(*id);
                    }
                    (Dimension::Area, Key::Text(code)) => {
                        areas.insert(code.clone());
                    }
                    _ => {}
                }
            }
        }
        Self::load(db, actor, interventions, organisations, areas).await
    }

    /// The names of these interventions, organisations and areas: three statements.
    async fn load(
        db: &impl ConnectionTrait,
        actor: &Actor,
        intervention_ids: BTreeSet<Uuid>,
        organisation_ids: BTreeSet<Uuid>,
        area_codes: BTreeSet<String>,
    ) -> ApiResult<Self> {
        let interventions = intervention::Entity::find()
            .filter(intervention::Column::Id.is_in(intervention_ids))
            .filter(policy::visible_interventions(actor))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.id, row.name))
            .collect();
        let organisations = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(organisation_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.id, row.name))
            .collect();
        let areas = area::Entity::find()
            .filter(area::Column::Code.is_in(area_codes))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.code, row.name))
            .collect();
        Ok(Self {
            interventions,
            organisations,
            areas,
        })
    }
}

/// One of a partnership's services, with the organisation that delivers it.
#[derive(Debug, Clone)]
pub struct Service {
    pub intervention: intervention::Model,
    pub provider: organisation::Model,
    /// Where it is delivered.
    pub area: area::Model,
    /// The partnership it belongs to: its purpose says whom the service is for.
    pub partnership: partnership::Model,
}

/// A partnership as its IATI file describes it.
#[derive(Debug)]
pub struct PartnershipReport {
    pub partnership: partnership::Model,
    pub area: area::Model,
    /// Active members who fund (commissioners) and deliver (providers), with their
    /// organisations, in the order they joined.
    pub members: Vec<(MemberRole, organisation::Model)>,
    /// The partnership's services the caller can see, in the order they were created.
    pub services: Vec<Service>,
    /// The agreed targets, with their progress as the caller may see it.
    pub targets: Vec<TargetWithProgress>,
}

/// The partnership `id` (NOT_FOUND unless the caller sees it) with what its IATI file reports,
/// target progress computed on `as_of` under `settings`, exactly as `targetProgress` answers.
pub async fn partnership_report(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: Disclosure,
    id: Uuid,
    as_of: NaiveDate,
) -> ApiResult<PartnershipReport> {
    let partnership = partnerships::find_visible(db, actor, id).await?;
    let targets = partnership_progress(db, actor, settings, id, as_of)
        .await?
        .into_iter()
        .filter(|row| row.target.state == TargetState::Agreed)
        .collect();
    let members = partnership_member::Entity::find()
        .find_also_related(organisation::Entity)
        .filter(partnership_member::Column::PartnershipId.eq(id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .filter(
            partnership_member::Column::Role
                .is_in([MemberRole::Commissioner, MemberRole::Provider]),
        )
        .order_by_asc(partnership_member::Column::JoinedOn)
        .order_by_asc(partnership_member::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(member, organisation)| Some((member.role, organisation?)))
        .collect();
    let which = Services {
        partnership_id: Some(id),
        ..Services::default()
    };
    let mut services = services(db, actor, which).await?;
    services.sort_by_key(|service| service.intervention.id);
    let area = area_of(db, &partnership.area_code).await?;
    Ok(PartnershipReport {
        partnership,
        area,
        members,
        services,
        targets,
    })
}

/// The area with this code (every partnership and intervention names one that exists).
async fn area_of(db: &impl ConnectionTrait, code: &str) -> ApiResult<area::Model> {
    area::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal("an area code without its area"))
}

/// Which services to read; `None` leaves a criterion out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Services {
    /// Of this partnership only: NOT_FOUND unless the caller sees it.
    pub partnership_id: Option<Uuid>,
    /// This service only: NOT_FOUND unless the caller sees it.
    pub id: Option<Uuid>,
    pub status: Option<InterventionStatus>,
}

/// The services the caller can see that `which` names, ordered by name: four statements
/// whatever their number.
pub async fn services(
    db: &impl ConnectionTrait,
    actor: &Actor,
    which: Services,
) -> ApiResult<Vec<Service>> {
    if let Some(id) = which.partnership_id {
        policy::role_in_partnership(db, actor, id).await?;
    }
    let mut query = intervention::Entity::find()
        .filter(policy::visible_interventions(actor))
        .order_by_asc(intervention::Column::Name)
        .order_by_asc(intervention::Column::Id);
    if let Some(id) = which.partnership_id {
        query = query.filter(intervention::Column::PartnershipId.eq(id));
    }
    if let Some(id) = which.id {
        interventions::find_visible(db, actor, id).await?;
        query = query.filter(intervention::Column::Id.eq(id));
    }
    if let Some(status) = which.status {
        query = query.filter(intervention::Column::Status.eq(status));
    }
    let interventions = query.all(db).await?;
    let providers: HashMap<Uuid, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(interventions.iter().map(|row| row.provider_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let areas: HashMap<String, area::Model> = area::Entity::find()
        .filter(area::Column::Code.is_in(interventions.iter().map(|row| row.area_code.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.code.clone(), row))
        .collect();
    let partnerships: HashMap<Uuid, partnership::Model> = partnership::Entity::find()
        .filter(partnership::Column::Id.is_in(interventions.iter().map(|row| row.partnership_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    Ok(interventions
        .into_iter()
        .filter_map(|intervention| {
            Some(Service {
                provider: providers.get(&intervention.provider_id)?.clone(),
                area: areas.get(&intervention.area_code)?.clone(),
                partnership: partnerships.get(&intervention.partnership_id)?.clone(),
                intervention,
            })
        })
        .collect())
}
