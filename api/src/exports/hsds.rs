//! Services as Open Referral HSDS 3.0 (the Human Services Data Specification) describes them,
//! for service directories: each active intervention is a `service` with its `organization`
//! (the provider), a `service_area` (its council area, by GSS code) and an eligibility
//! description, in one page shaped as HSDS's API answers `/services`, or alone as it answers
//! `/services/{id}`.
//!
//! Why HSDS 3.0 itself and not the Open Referral UK profile of it: the profile
//! (`OpenReferralUK/uk-profile`, `profile/service.json`) requires a service `url`, which an
//! intervention does not have, and removes `eligibility_description`, which a directory of
//! children's services needs; so the file follows, and is tested against, the official HSDS
//! 3.0 schema.
//!
//! Interventions record no separate eligibility, so the eligibility description is the
//! partnership's purpose, which says whom its services are for. No child's data is in here.

use entity::enums::InterventionStatus;
use sea_orm::ActiveEnum;
use serde_json::{Value, json};
use uuid::Uuid;

use super::service::Service;

/// The ONS's linked-data address of a GSS code: where a directory can look the area up.
const GSS_URI: &str = "http://statistics.data.gov.uk/id/statistical-geography/";

/// The file, piece by piece: the page's fields, then each service, then the closing.
pub fn services_page(services: Vec<Service>) -> impl Iterator<Item = String> + 'static {
    let total = services.len();
    let opening = format!(
        "{{\"total_items\":{total},\"total_pages\":1,\"page_number\":1,\"size\":{total},\
         \"first_page\":true,\"last_page\":true,\"empty\":{},\"contents\":[",
        total == 0
    );
    let items = services.into_iter().enumerate().map(|(index, service)| {
        let separator = if index == 0 { "" } else { "," };
        format!("{separator}{}", service_json(&service))
    });
    std::iter::once(opening)
        .chain(items)
        .chain(std::iter::once("]}\n".to_owned()))
}

/// HSDS's status of a service.
fn status(status: InterventionStatus) -> &'static str {
    match status {
        InterventionStatus::Active => "active",
        InterventionStatus::Planned => "inactive",
        InterventionStatus::Closed => "defunct",
    }
}

/// Words for an enum's name: `COMMUNITY_EDUCATION` → `community education`.
fn words(name: &str) -> String {
    name.to_lowercase().replace('_', " ")
}

/// One service as an HSDS `service` object.
pub fn service_json(service: &Service) -> Value {
    let (intervention, provider, area) = (&service.intervention, &service.provider, &service.area);
    // HSDS wants every service area to have its own id; ours is derived from the service's and
    // the area's, so it is the same in every file.
    let area_id = Uuid::new_v5(&intervention.id, area.code.as_bytes());
    let mut kind = words(&provider.kind.to_value());
    if let Some(first) = kind.get(..1) {
        kind = format!("{}{}", first.to_uppercase(), &kind[1..]);
    }
    json!({
        "id": intervention.id,
        "organization_id": provider.id,
        "name": intervention.name,
        "description": intervention.description,
        "status": status(intervention.status),
        "eligibility_description": service.partnership.purpose,
        "last_modified": intervention.updated_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "organization": {
            "id": provider.id,
            "name": provider.name,
            "description": format!(
                "{kind} organisation, {} sector.",
                words(&provider.sector.to_value())
            ),
        },
        "service_areas": [{
            "id": area_id,
            "service_id": intervention.id,
            "name": area.name,
            "description": format!("Council area, GSS code {}", area.code),
            "extent": area.code,
            "extent_type": "text",
            "uri": format!("{GSS_URI}{}", area.code),
        }],
    })
}
