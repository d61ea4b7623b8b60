//! Identity (DESIGN §4.1): a valid bearer token for an active user, or UNAUTHENTICATED.

use std::time::{SystemTime, UNIX_EPOCH};

use entity::enums::UserRole;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, error_code},
};

const ME: &str = "{ me { id role } }";
const SECRET: &[u8] = b"test-secret-that-is-at-least-32-bytes-long";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(claims: Value, algorithm: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        &claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

async fn assert_unauthenticated(app: &TestApp, token: Option<&str>, why: &str) {
    let (status, body) = app.gql_as(token, ME, json!({})).await;
    assert_eq!(status, 401, "{why}: {body:#}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{why}");
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{why}: no data may leak"
    );
}

async fn refuses_every_kind_of_bad_token(app: TestApp) {
    let admin = app.admin().await;
    let sub = admin.id.to_string();
    let valid = json!({ "sub": sub, "exp": now() + 300 });

    assert_unauthenticated(&app, None, "no token").await;
    assert_unauthenticated(&app, Some("not-a-jwt"), "garbage").await;
    let forged = sign(
        valid.clone(),
        Algorithm::HS256,
        b"another-secret-also-32-bytes-long!!",
    );
    assert_unauthenticated(&app, Some(&forged), "wrong signing key").await;
    // A viewer's genuine token with its payload swapped for the admin's claims.
    let viewer = app.user(admin.organisation_id, UserRole::Viewer).await;
    let parts: Vec<&str> = viewer.token.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64_url(valid.to_string().as_bytes()),
        parts[2]
    );
    assert_unauthenticated(&app, Some(&tampered), "tampered payload").await;
    let expired = sign(
        json!({ "sub": sub, "exp": now() - 3600 }),
        Algorithm::HS256,
        SECRET,
    );
    assert_unauthenticated(&app, Some(&expired), "expired").await;
    let no_exp = sign(json!({ "sub": sub }), Algorithm::HS256, SECRET);
    assert_unauthenticated(&app, Some(&no_exp), "no exp").await;
    let no_sub = sign(json!({ "exp": now() + 300 }), Algorithm::HS256, SECRET);
    assert_unauthenticated(&app, Some(&no_sub), "no sub").await;
    let not_yet = sign(
        json!({ "sub": sub, "exp": now() + 7200, "nbf": now() + 3600 }),
        Algorithm::HS256,
        SECRET,
    );
    assert_unauthenticated(&app, Some(&not_yet), "not yet valid").await;
    let wrong_alg = sign(valid.clone(), Algorithm::HS512, SECRET);
    assert_unauthenticated(&app, Some(&wrong_alg), "algorithm not configured").await;
    let foreign_audience = sign(
        json!({ "sub": sub, "exp": now() + 300, "aud": "another-service" }),
        Algorithm::HS256,
        SECRET,
    );
    assert_unauthenticated(
        &app,
        Some(&foreign_audience),
        "token meant for another service",
    )
    .await;
    let unsigned = format!(
        "{}.{}.",
        base64_url(br#"{"alg":"none","typ":"JWT"}"#),
        base64_url(valid.to_string().as_bytes())
    );
    assert_unauthenticated(&app, Some(&unsigned), "alg none").await;
    let unknown_user = sign(
        json!({ "sub": uuid::Uuid::now_v7(), "exp": now() + 300 }),
        Algorithm::HS256,
        SECRET,
    );
    assert_unauthenticated(&app, Some(&unknown_user), "unknown user").await;

    // The well-formed token still works, so the refusals above were about the tokens.
    let data = app.gql_ok(&admin.token, ME, json!({})).await;
    assert_eq!(data["me"]["role"], "ADMIN");
}

fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

async fn deactivation_and_role_changes_take_effect_on_the_next_request(app: TestApp) {
    let admin = app.admin().await;
    let commissioner = app.commissioner("Dumfries Council").await;
    let data = app.gql_ok(&commissioner.token, ME, json!({})).await;
    assert_eq!(data["me"]["role"], "COMMISSIONER");

    let change = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { role active version } } }";
    app.gql_ok(
        &admin.token,
        change,
        json!({ "input": { "id": commissioner.id, "expectedVersion": 1, "role": "VIEWER" } }),
    )
    .await;
    let data = app.gql_ok(&commissioner.token, ME, json!({})).await;
    assert_eq!(
        data["me"]["role"], "VIEWER",
        "the user record, not the token, decides the role"
    );

    app.gql_ok(
        &admin.token,
        change,
        json!({ "input": { "id": commissioner.id, "expectedVersion": 2, "active": false } }),
    )
    .await;
    assert_unauthenticated(&app, Some(&commissioner.token), "deactivated user").await;
}

async fn me_returns_the_signed_in_user_and_their_organisation(app: TestApp) {
    let organisation = app
        .organisation(
            "Crannog Alternative Education",
            entity::enums::OrganisationKind::Voluntary,
        )
        .await;
    let provider = app.user(organisation, UserRole::Provider).await;
    let data = app
        .gql_ok(
            &provider.token,
            "{ me { id role active organisation { id name kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["me"]["id"], provider.id.to_string());
    assert_eq!(data["me"]["role"], "PROVIDER");
    assert_eq!(
        data["me"]["organisation"]["name"],
        "Crannog Alternative Education"
    );
    assert_eq!(data["me"]["organisation"]["kind"], "VOLUNTARY");
}

on_both_databases!(
    refuses_every_kind_of_bad_token,
    deactivation_and_role_changes_take_effect_on_the_next_request,
    me_returns_the_signed_in_user_and_their_organisation,
);
