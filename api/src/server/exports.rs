//! HTTP routes of the downloads (`GET /exports/…`; README "Reporting and publishing").
//!
//! Each takes the same bearer token as `/graphql`, and the same inputs as the GraphQL field it
//! mirrors, as query parameters with the same names (lists comma-separated: `groupBy=AREA,SEX`),
//! plus `bom=true` on CSV files for spreadsheets that want a byte-order mark. The work runs
//! within `REQUEST_TIMEOUT_MS` and the file is streamed as it is written. A download that
//! carries children's aggregates is access-logged (`export.download`) before anything is sent:
//! if the entry cannot be written, nothing is. Errors are JSON in the shape of GraphQL errors
//! (`errors[0].extensions.code`), with the status a plain HTTP resource gives them: 401, 403,
//! 404, 400, 409, 503, 500.

use std::{convert::Infallible, future::Future};

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use chrono::{NaiveDate, Utc};
use entity::enums::InterventionStatus;
use futures_util::stream;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{
    access::auth::Actor,
    analytics::{
        aggregate::{Bucket, Dimension, Key},
        coverage::service::{self as coverage, CoverageScope},
        outcomes::service::{self as outcomes, CheckedScope, ScopeRequest},
        progress::service::partnership_progress,
    },
    exports::{
        hsds, iati,
        service::{self as exports, Names, Services},
        table,
    },
    platform::{error::ApiError, validation},
    server::{
        http::{actor_of, client_errors, failure_status},
        state::AppState,
    },
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/exports/outcome-summary.csv",
        web::get().to(outcome_summary),
    )
    .route("/exports/outcome-trend.csv", web::get().to(outcome_trend))
    .route(
        "/exports/target-progress.csv",
        web::get().to(target_progress),
    )
    .route(
        "/exports/service-coverage.csv",
        web::get().to(service_coverage),
    )
    .route(
        "/exports/partnerships/{id}/iati-activities.xml",
        web::get().to(iati_activities),
    )
    .route("/exports/hsds/services.json", web::get().to(hsds_services))
    .route("/exports/hsds/services/{id}", web::get().to(hsds_service))
    .route(
        "/exports/partnerships/{id}/hsds/services.json",
        web::get().to(hsds_partnership_services),
    );
}

/// A file on its way out.
struct Download {
    media_type: &'static str,
    file_name: &'static str,
    pieces: Box<dyn Iterator<Item = String>>,
}

impl Download {
    fn csv(file_name: &'static str, table: table::Table, bom: bool) -> Self {
        Self {
            media_type: "text/csv; charset=utf-8",
            file_name,
            pieces: Box::new(table.lines(bom)),
        }
    }
}

/// Authenticates the caller, runs `work` within the request timeout, and streams the file it
/// makes, or answers the error.
async fn serve<'a, F, Fut>(state: &'a AppState, req: &'a HttpRequest, work: F) -> HttpResponse
where
    F: FnOnce(Actor) -> Fut,
    Fut: Future<Output = Result<Download, ApiError>> + 'a,
{
    let limit = state.limits.request_timeout;
    let made = async {
        let actor = actor_of(state, req).await?;
        // On expiry the work is dropped: its queries are abandoned, nothing was sent.
        tokio::time::timeout(limit, work(actor))
            .await
            .map_err(|_| ApiError::Timeout(limit))?
    }
    .await;
    match made {
        Ok(download) => HttpResponse::Ok()
            .content_type(download.media_type)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", download.file_name),
            ))
            // Files hold children's aggregates: no browser or proxy may keep a copy.
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .streaming(stream::iter(
                download
                    .pieces
                    .map(|piece| Ok::<_, Infallible>(web::Bytes::from(piece))),
            )),
        Err(err) => refusal(err, req),
    }
}

/// An error as a download answers it.
fn refusal(err: ApiError, req: &HttpRequest) -> HttpResponse {
    let (status, explanation) = match &err {
        ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, None),
        ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, None),
        ApiError::Conflict { .. } | ApiError::InvalidState(_) => (StatusCode::CONFLICT, None),
        _ => failure_status(&err),
    };
    let mut response = HttpResponse::build(status);
    if let Some(explanation) = explanation {
        response.insert_header(explanation);
    }
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "errors": client_errors(err, req) }))
}

/// A download's query parameters, each named at most once and each one the file takes.
struct Params(Vec<(String, String)>);

impl Params {
    fn of(req: &HttpRequest, allowed: &[&str]) -> Result<Self, ApiError> {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|err| {
                ApiError::bad_input("query", format!("the query string cannot be read: {err}"))
            })?
            .into_inner();
        for (index, (name, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&name.as_str()) {
                let takes = if allowed.is_empty() {
                    "no parameters".to_owned()
                } else {
                    allowed.join(", ")
                };
                return Err(ApiError::bad_input(
                    name.clone(),
                    format!("unknown parameter `{name}`: this file takes {takes}"),
                ));
            }
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ApiError::bad_input(
                    name.clone(),
                    format!("`{name}` is given twice: separate list values with commas"),
                ));
            }
        }
        Ok(Self(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// A comma-separated list (empty when the parameter is missing).
    fn list(&self, name: &str) -> Vec<&str> {
        self.get(name)
            .map_or_else(Vec::new, |value| value.split(',').map(str::trim).collect())
    }

    fn id(&self, name: &str) -> Result<Option<Uuid>, ApiError> {
        self.get(name)
            .map(|value| validation::parse_id(value, name))
            .transpose()
    }

    fn ids(&self, name: &str) -> Result<Vec<Uuid>, ApiError> {
        self.list(name)
            .into_iter()
            .map(|value| validation::parse_id(value, name))
            .collect()
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.get(name)
            .map(|value| {
                validation::parse_date(value).map_err(|message| ApiError::bad_input(name, message))
            })
            .transpose()
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::bad_input(
                name,
                format!("{name} is `true` or `false`, not `{other}`"),
            )),
        }
    }

    fn required<T>(&self, name: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| ApiError::bad_input(name, format!("{name} is required")))
    }

    /// The parameters as the access log records them.
    fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
                .collect::<Map<_, _>>(),
        )
    }
}

/// The parameters of `outcomeSummary` and `outcomeTrend`, as in `OutcomeScopeInput`.
const SCOPE_PARAMS: [&str; 11] = [
    "indicatorId",
    "partnershipId",
    "interventionIds",
    "providerIds",
    "areaCodes",
    "observedFrom",
    "observedTo",
    "asOf",
    "includeUnreviewed",
    "groupBy",
    "bom",
];

/// The dimension a `groupBy` value names (the GraphQL `OutcomeDimension`).
fn dimension(name: &str) -> Result<Dimension, ApiError> {
    Ok(match name {
        "INTERVENTION" => Dimension::Intervention,
        "PROVIDER" => Dimension::Provider,
        "AREA" => Dimension::Area,
        "CATEGORY" => Dimension::Category,
        "LOOKED_AFTER" => Dimension::LookedAfter,
        "AGE_BAND" => Dimension::AgeBand,
        "SEX" => Dimension::Sex,
        other => {
            return Err(ApiError::bad_input(
                "groupBy",
                format!(
                    "`{other}` is not a dimension: INTERVENTION, PROVIDER, AREA, CATEGORY, \
                     LOOKED_AFTER, AGE_BAND or SEX"
                ),
            ));
        }
    })
}

/// The scope an outcome table asks for, parsed as `OutcomeScopeInput` is.
fn scope_request(params: &Params, today: NaiveDate) -> Result<ScopeRequest, ApiError> {
    Ok(ScopeRequest {
        indicator_id: params.required("indicatorId", params.id("indicatorId")?)?,
        partnership_id: params.id("partnershipId")?,
        intervention_ids: params.ids("interventionIds")?,
        provider_ids: params.ids("providerIds")?,
        area_codes: params
            .list("areaCodes")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        observed_from: params.date("observedFrom")?,
        observed_to: params.date("observedTo")?,
        as_of: params.date("asOf")?.unwrap_or(today),
        include_unreviewed: params.flag("includeUnreviewed")?,
        dimensions: params
            .list("groupBy")
            .into_iter()
            .map(dimension)
            .collect::<Result<_, _>>()?,
    })
}

/// The checked scope an outcome table asks for.
async fn checked_scope(
    state: &AppState,
    actor: &Actor,
    params: &Params,
) -> Result<CheckedScope, ApiError> {
    let request = scope_request(params, state.clock.today())?;
    outcomes::check(&state.read_db, actor, request).await
}

/// The names that label an outcome table's groups, once its download is access-logged.
async fn log_outcome_table<'k>(
    state: &AppState,
    actor: &Actor,
    (file, params): (&str, &Params),
    checked: &CheckedScope,
    keys: impl IntoIterator<Item = &'k [Key]>,
) -> Result<Names, ApiError> {
    let names = Names::of_keys(&state.read_db, actor, &checked.dimensions, keys).await?;
    let partnership_id = checked.scope.partnership_ids.first().copied();
    exports::record_download(&state.db, actor, file, partnership_id, params.to_json()).await?;
    Ok(names)
}

async fn outcome_summary(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    const FILE: &str = "outcome-summary.csv";
    let (state, req) = (state.get_ref(), &req);
    serve(state, req, |actor| async move {
        let params = Params::of(req, &SCOPE_PARAMS)?;
        let checked = checked_scope(state, &actor, &params).await?;
        let (rule, cells) =
            outcomes::summary(&state.read_db, &actor, state.disclosure, &checked).await?;
        let keys = cells.iter().map(|cell| cell.keys.as_slice());
        let names = log_outcome_table(state, &actor, (FILE, &params), &checked, keys).await?;
        let table = table::outcome_summary(&checked, &rule, cells, &names);
        Ok(Download::csv(FILE, table, params.flag("bom")?))
    })
    .await
}

async fn outcome_trend(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    const FILE: &str = "outcome-trend.csv";
    let (state, req) = (state.get_ref(), &req);
    serve(state, req, |actor| async move {
        let mut allowed = SCOPE_PARAMS.to_vec();
        allowed.push("bucket");
        let params = Params::of(req, &allowed)?;
        let bucket = match params.required("bucket", params.get("bucket"))? {
            "MONTH" => Bucket::Month,
            "QUARTER" => Bucket::Quarter,
            "YEAR" => Bucket::Year,
            other => {
                return Err(ApiError::bad_input(
                    "bucket",
                    format!("`{other}` is not a bucket: MONTH, QUARTER or YEAR"),
                ));
            }
        };
        let checked = checked_scope(state, &actor, &params).await?;
        let (rule, cells) =
            outcomes::trend(&state.read_db, &actor, state.disclosure, &checked, bucket).await?;
        let keys = cells.iter().map(|cell| cell.keys.as_slice());
        let names = log_outcome_table(state, &actor, (FILE, &params), &checked, keys).await?;
        let table = table::outcome_trend(&checked, &rule, cells, &names);
        Ok(Download::csv(FILE, table, params.flag("bom")?))
    })
    .await
}

async fn target_progress(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    const FILE: &str = "target-progress.csv";
    let (state, req) = (state.get_ref(), &req);
    serve(state, req, |actor| async move {
        let params = Params::of(req, &["partnershipId", "asOf", "bom"])?;
        let partnership_id = params.required("partnershipId", params.id("partnershipId")?)?;
        let as_of = params.date("asOf")?.unwrap_or(state.clock.today());
        let targets = partnership_progress(
            &state.read_db,
            &actor,
            state.disclosure,
            partnership_id,
            as_of,
        )
        .await?;
        exports::record_download(
            &state.read_db,
            &actor,
            FILE,
            Some(partnership_id),
            params.to_json(),
        )
        .await?;
        let table = table::target_progress(&targets, as_of);
        Ok(Download::csv(FILE, table, params.flag("bom")?))
    })
    .await
}

async fn service_coverage(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    const FILE: &str = "service-coverage.csv";
    let (state, req) = (state.get_ref(), &req);
    serve(state, req, |actor| async move {
        let params = Params::of(req, &["areaCodes", "asOf", "bom"])?;
        let codes = params.list("areaCodes");
        let scope = CoverageScope {
            area_codes: (!codes.is_empty()).then(|| codes.into_iter().map(str::to_owned).collect()),
            as_of: params.date("asOf")?.unwrap_or(state.clock.today()),
        };
        let (rule, areas) =
            coverage::coverage(&state.read_db, &actor, state.disclosure, &scope).await?;
        exports::record_download(&state.db, &actor, FILE, None, params.to_json()).await?;
        let table = table::service_coverage(&rule, areas, scope.as_of);
        Ok(Download::csv(FILE, table, params.flag("bom")?))
    })
    .await
}

/// The id in a `/exports/…/{id}…` path.
fn id_in_path(req: &HttpRequest) -> Result<Uuid, ApiError> {
    validation::parse_id(req.match_info().get("id").unwrap_or_default(), "id")
}

async fn iati_activities(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    const FILE: &str = "iati-activities.xml";
    let (state, req) = (state.get_ref(), &req);
    serve(state, req, |actor| async move {
        let params = Params::of(req, &["asOf"])?;
        let id = id_in_path(req)?;
        let publisher = state.iati.clone().ok_or_else(|| {
            ApiError::InvalidState(
                "IATI files are off: the operator sets IATI_REPORTING_ORG_REF and \
                 IATI_REPORTING_ORG_NAME to the publisher's IATI organisation identifier and name"
                    .into(),
            )
        })?;
        let as_of = params.date("asOf")?.unwrap_or(state.clock.today());
        let report =
            exports::partnership_report(&state.read_db, &actor, state.disclosure, id, as_of)
                .await?;
        let mut logged = params.to_json();
        if let Value::Object(fields) = &mut logged {
            fields.insert("partnershipId".into(), Value::from(id.to_string()));
        }
        exports::record_download(&state.db, &actor, FILE, Some(id), logged).await?;
        Ok(Download {
            media_type: "application/xml; charset=utf-8",
            file_name: FILE,
            pieces: Box::new(iati::activities(report, publisher, Utc::now(), as_of)),
        })
    })
    .await
}

/// Services as HSDS, of the partnership in the path or of all the caller can see: no
/// children's data, so not access-logged.
async fn hsds_file(state: &AppState, req: &HttpRequest, per_partnership: bool) -> HttpResponse {
    serve(state, req, |actor| async move {
        Params::of(req, &[])?;
        let which = Services {
            partnership_id: per_partnership.then(|| id_in_path(req)).transpose()?,
            status: Some(InterventionStatus::Active),
            ..Services::default()
        };
        let services = exports::services(&state.read_db, &actor, which).await?;
        Ok(Download {
            media_type: "application/json",
            file_name: "services.json",
            pieces: Box::new(hsds::services_page(services)),
        })
    })
    .await
}

async fn hsds_services(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    hsds_file(state.get_ref(), &req, false).await
}

async fn hsds_partnership_services(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    hsds_file(state.get_ref(), &req, true).await
}

/// One service as HSDS's `/services/{id}` answers it, whatever its status.
async fn hsds_service(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let (state, req) = (state.get_ref(), &req);
    serve(state, req, |actor| async move {
        Params::of(req, &[])?;
        let which = Services {
            id: Some(id_in_path(req)?),
            ..Services::default()
        };
        let service = exports::services(&state.read_db, &actor, which)
            .await?
            .pop()
            .ok_or(ApiError::NotFound { entity: "service" })?;
        Ok(Download {
            media_type: "application/json",
            file_name: "service.json",
            pieces: Box::new(std::iter::once(hsds::service_json(&service).to_string())),
        })
    })
    .await
}
