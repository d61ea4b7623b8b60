//! The browser pages the binary serves: the reference dashboard at `/dashboard` and the GraphiQL
//! IDE's assets at `/graphiql/…` (its page is `GET /graphql`, see [`super::http`]).
//!
//! Every file is embedded at compile time, so the pages work with no internet at all and no step
//! besides `cargo build`; the third-party code among them is vendored at pinned versions
//! (README, Dashboard). Each page answers with a Content-Security-Policy that lets it load only
//! from this service's own origin, so neither a CDN nor an injected script can run on the page
//! where a user pastes a bearer token. The pages read data only through `/graphql`, with the
//! user's token; nothing here reads the database.

use std::{
    hash::{DefaultHasher, Hasher},
    sync::LazyLock,
    time::Duration,
};

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderValue},
    middleware::Compress,
    web,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{access::auth::TokenIssuer, server::state::AppState};

/// The dashboard's policy: scripts, styles, images, fonts and requests of this origin only; no
/// inline script or style, no plugins, no framing, no `<base>` tricks.
pub const DASHBOARD_CSP: &str = "default-src 'self'; base-uri 'none'; object-src 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// GraphiQL's policy: the dashboard's, plus the `data:` fonts and icons its own stylesheet
/// embeds (they come from the vendored file, never from another origin).
pub const GRAPHIQL_CSP: &str = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; \
     base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

/// One embedded file: where it is served and what it holds.
struct Asset {
    path: &'static str,
    bytes: &'static [u8],
}

/// A page's files, their entity tags (hashes of their bytes, computed once) and its policy.
struct Page {
    files: &'static [Asset],
    etags: LazyLock<Vec<String>>,
    csp: &'static str,
}

fn etags(files: &[Asset]) -> Vec<String> {
    files
        .iter()
        .map(|asset| {
            let mut hasher = DefaultHasher::new();
            hasher.write(asset.bytes);
            format!("\"{:016x}\"", hasher.finish())
        })
        .collect()
}

/// Embeds `api/<dir>/<path>`, served at `/<dir>/<path>`.
macro_rules! assets {
    ($dir:literal: $($path:literal),* $(,)?) => {
        &[$(Asset {
            path: $path,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $path)),
        }),*]
    };
}

const DASHBOARD_FILES: &[Asset] = assets!("dashboard":
    "index.html",
    "style.css",
    "app.js",
    "dom.js",
    "graphql.js",
    "charts.js",
    "screens.js",
    "tiles.js",
    "queries/session.graphql",
    "queries/partnership.graphql",
    "queries/distance-travelled.graphql",
    "queries/attendance-over-time.graphql",
    "queries/coverage.graphql",
    "queries/review-queue.graphql",
    "queries/review-submission.graphql",
    "queries/my-submissions.graphql",
    "queries/young-people.graphql",
    "vendor/uplot/uPlot.esm.js",
    "vendor/uplot/uPlot.min.css",
    "vendor/uplot/LICENSE",
);

const GRAPHIQL_FILES: &[Asset] = assets!("graphiql":
    "index.html",
    "start.js",
    "start.css",
    "vendor/graphiql.min.js",
    "vendor/graphiql.min.css",
    "vendor/react.production.min.js",
    "vendor/react-dom.production.min.js",
    "vendor/LICENSE.graphiql",
    "vendor/LICENSE.react",
    "vendor/LICENSE.react-dom",
);

static DASHBOARD: Page = Page {
    files: DASHBOARD_FILES,
    etags: LazyLock::new(|| etags(DASHBOARD_FILES)),
    csp: DASHBOARD_CSP,
};

static GRAPHIQL: Page = Page {
    files: GRAPHIQL_FILES,
    etags: LazyLock::new(|| etags(GRAPHIQL_FILES)),
    csp: GRAPHIQL_CSP,
};

/// The demo's users, offered on the dashboard's sign-in screen: present only under
/// `serve --demo`, whose dataset is invented, so no real account's token is ever handed out.
pub struct DemoSignIn {
    pub issuer: TokenIssuer,
    pub users: Vec<DemoUser>,
}

/// One user the demo prints a token for.
pub struct DemoUser {
    /// What the sign-in screen calls them, e.g. "commissioner".
    pub label: String,
    pub role: String,
    pub email: String,
    pub organisation: String,
    pub user_id: Uuid,
}

/// How long a token picked on the demo's sign-in screen lives (at most `JWT_MAX_TTL`).
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(8 * 60 * 60);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/dashboard",
        web::get().to(|req: HttpRequest| async move { dashboard_file(&req, "index.html") }),
    )
    .service(
        web::scope("/dashboard")
            .wrap(Compress::default())
            .route("/demo-users", web::get().to(demo_users))
            .route(
                "/{path:.*}",
                web::get().to(|req: HttpRequest, path: web::Path<String>| async move {
                    dashboard_file(&req, &path)
                }),
            ),
    )
    .service(
        web::scope("/graphiql")
            .wrap(Compress::default())
            .route("/{path:.*}", web::get().to(graphiql_asset)),
    );
}

fn dashboard_file(req: &HttpRequest, path: &str) -> HttpResponse {
    let path = if path.is_empty() { "index.html" } else { path };
    serve(req, &DASHBOARD, path)
}

async fn graphiql_asset(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    if !state.graphiql || path.as_str() == "index.html" {
        return not_found();
    }
    serve(&req, &GRAPHIQL, &path)
}

/// The GraphiQL page, for `GET /graphql` from a browser.
pub fn graphiql_page(req: &HttpRequest) -> HttpResponse {
    serve(req, &GRAPHIQL, "index.html")
}

/// An embedded file with its media type, validator and policy; `304` when the browser's copy
/// is current. Browsers revalidate every time (`no-cache`): the files are small, and a new
/// version of the binary must never run next to an old page's scripts.
fn serve(req: &HttpRequest, page: &Page, path: &str) -> HttpResponse {
    let Some(index) = page.files.iter().position(|asset| asset.path == path) else {
        return not_found();
    };
    let (asset, etag) = (&page.files[index], page.etags[index].as_str());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CONTENT_SECURITY_POLICY, page.csp));
    if fresh {
        return response.finish();
    }
    response
        .insert_header((header::CONTENT_TYPE, media_type(path)))
        .body(asset.bytes)
}

fn media_type(path: &str) -> HeaderValue {
    let media = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("graphql") => "application/graphql; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    HeaderValue::from_static(media)
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("no such page\n")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OfferedUser<'a> {
    label: &'a str,
    role: &'a str,
    email: &'a str,
    organisation: &'a str,
    token: String,
}

/// The demo's users with a fresh token each, for the sign-in screen; 404 outside demo mode.
async fn demo_users(state: web::Data<AppState>) -> HttpResponse {
    let Some(demo) = &state.demo_sign_in else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("demo users exist only under `api serve --demo`\n");
    };
    let ttl = DEMO_TOKEN_TTL.min(demo.issuer.max_ttl());
    let offered: Result<Vec<_>, _> = demo
        .users
        .iter()
        .map(|user| {
            Ok::<_, crate::access::auth::MintError>(OfferedUser {
                label: &user.label,
                role: &user.role,
                email: &user.email,
                organisation: &user.organisation,
                token: demo.issuer.mint(user.user_id, ttl)?,
            })
        })
        .collect();
    match offered {
        Ok(offered) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(offered),
        Err(err) => {
            tracing::error!(error = %err, "minting a demo user's token failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("the demo users' tokens could not be minted; see the server log\n")
        }
    }
}
