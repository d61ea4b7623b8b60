//! Identity (DESIGN §4.1): a valid bearer token for an active user, or UNAUTHENTICATED. Tokens
//! are this service's own (HS256) or an identity provider's (RS256, ES256: signed here with the
//! committed test-only keys in `tests/keys/`).

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

// Identity provider tokens. The apps below have no JWT_SECRET (an empty value unsets the test
// default), so they can only check tokens, and require the provider's issuer and audience.

const ISSUER: &str = "https://idp.example.org";
const AUDIENCE: &str = "outcomes-api";

macro_rules! key_path {
    ($name:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/keys/", $name)
    };
}

const RS256_ONE_KEY: &[(&str, &str)] = &[
    ("JWT_ALGORITHM", "RS256"),
    ("JWT_SECRET", ""),
    ("JWT_PUBLIC_KEY_FILE", key_path!("rsa-current.pem")),
    ("JWT_ISSUER", ISSUER),
    ("JWT_AUDIENCE", AUDIENCE),
];
const RS256_ROTATION: &[(&str, &str)] = &[
    ("JWT_ALGORITHM", "RS256"),
    ("JWT_SECRET", ""),
    (
        "JWT_PUBLIC_KEY_FILE",
        concat!(key_path!("rsa-current.pem"), ",", key_path!("rsa-next.pem")),
    ),
    ("JWT_ISSUER", ISSUER),
    ("JWT_AUDIENCE", AUDIENCE),
];
const ES256_ONE_KEY: &[(&str, &str)] = &[
    ("JWT_ALGORITHM", "ES256"),
    ("JWT_SECRET", ""),
    ("JWT_PUBLIC_KEY_FILE", key_path!("ec-current.pem")),
    ("JWT_ISSUER", ISSUER),
    ("JWT_AUDIENCE", AUDIENCE),
];
const ES256_ROTATION: &[(&str, &str)] = &[
    ("JWT_ALGORITHM", "ES256"),
    ("JWT_SECRET", ""),
    (
        "JWT_PUBLIC_KEY_FILE",
        concat!(key_path!("ec-current.pem"), ",", key_path!("ec-next.pem")),
    ),
    ("JWT_ISSUER", ISSUER),
    ("JWT_AUDIENCE", AUDIENCE),
];

/// An identity provider's keys: `{prefix}-current`, `{prefix}-next` (configured as the kids of
/// those names) and `{prefix}-attacker` (never configured).
struct Provider {
    algorithm: Algorithm,
    prefix: &'static str,
}

const RSA: Provider = Provider {
    algorithm: Algorithm::RS256,
    prefix: "rsa",
};
const EC: Provider = Provider {
    algorithm: Algorithm::ES256,
    prefix: "ec",
};

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

impl Provider {
    /// The kid (and file stem) of one of this provider's keys.
    fn kid(&self, key: &str) -> String {
        format!("{}-{key}", self.prefix)
    }

    fn private_key(&self, key: &str) -> EncodingKey {
        let pem = key_file(&format!("{}.key", self.kid(key)));
        match self.algorithm {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
            _ => EncodingKey::from_ec_pem(&pem).unwrap(),
        }
    }

    /// Signs as the provider would, with `key`'s private key, naming `kid` in the header.
    fn sign(&self, claims: &Value, key: &str, kid: Option<&str>) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = kid.map(|kid| self.kid(kid));
        jsonwebtoken::encode(&header, claims, &self.private_key(key)).unwrap()
    }

    /// A token the provider issues for `sub` with its current key.
    fn token(&self, sub: &str) -> String {
        self.sign(&provider_claims(sub), "current", Some("current"))
    }

    /// A header naming another algorithm, with the kid of the current key.
    fn header(&self, algorithm: Algorithm) -> Header {
        let mut header = Header::new(algorithm);
        header.kid = Some(self.kid("current"));
        header
    }
}

fn provider_claims(sub: &str) -> Value {
    json!({ "sub": sub, "exp": now() + 300, "iss": ISSUER, "aud": AUDIENCE })
}

/// `claims` with `changes` applied; a null removes the claim.
fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

async fn refuses_every_kind_of_bad_provider_token(app: TestApp, provider: &Provider) {
    let admin = app.admin().await;
    let sub = admin.id.to_string();
    let valid = provider_claims(&sub);

    // A single configured key accepts its tokens with or without `kid`.
    let data = app.gql_ok(&provider.token(&sub), ME, json!({})).await;
    assert_eq!(data["me"]["role"], "ADMIN");
    let without_kid = provider.sign(&valid, "current", None);
    assert_eq!(
        app.gql_ok(&without_kid, ME, json!({})).await["me"]["id"],
        sub
    );

    assert_unauthenticated(&app, None, "no token").await;
    assert_unauthenticated(&app, Some(&admin.token), "empty token").await;
    let forged = provider.sign(&valid, "attacker", Some("current"));
    assert_unauthenticated(&app, Some(&forged), "forged: another key, the current kid").await;
    let forged = provider.sign(&valid, "attacker", None);
    assert_unauthenticated(&app, Some(&forged), "forged: another key, no kid").await;
    let unconfigured = provider.sign(&valid, "next", Some("next"));
    assert_unauthenticated(&app, Some(&unconfigured), "a key not configured yet").await;
    let unknown_kid = provider.sign(&valid, "current", Some("retired"));
    assert_unauthenticated(&app, Some(&unknown_kid), "unknown kid").await;

    // A viewer's genuine token with its payload swapped for the admin's claims.
    let viewer = app.user(admin.organisation_id, UserRole::Viewer).await;
    let viewer_token = provider.token(&viewer.id.to_string());
    let parts: Vec<&str> = viewer_token.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64_url(valid.to_string().as_bytes()),
        parts[2]
    );
    assert_unauthenticated(&app, Some(&tampered), "tampered payload").await;

    let refused_claims = [
        (json!({ "exp": now() - 3600 }), "expired"),
        (json!({ "exp": null }), "no exp"),
        (json!({ "nbf": now() + 3600 }), "not yet valid"),
        (json!({ "iss": "https://evil.example.org" }), "wrong issuer"),
        (json!({ "iss": null }), "no issuer"),
        (json!({ "aud": "another-service" }), "wrong audience"),
        (json!({ "aud": null }), "no audience"),
        (json!({ "sub": null }), "no sub"),
        (
            json!({ "sub": "admin@example.org" }),
            "sub is not a user id",
        ),
        (json!({ "sub": uuid::Uuid::now_v7() }), "unknown user"),
    ];
    for (changes, why) in refused_claims {
        let token = provider.sign(&with(valid.clone(), changes), "current", Some("current"));
        assert_unauthenticated(&app, Some(&token), why).await;
    }

    // RFC 8725 §2.1: the algorithm is configured, never taken from the token.
    let unsigned = format!(
        "{}.{}.",
        base64_url(
            format!(
                r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#,
                provider.kid("current")
            )
            .as_bytes()
        ),
        base64_url(valid.to_string().as_bytes())
    );
    assert_unauthenticated(&app, Some(&unsigned), "alg none").await;
    // Key confusion: HS256 with the public key file's bytes as the HMAC secret.
    let public_pem = key_file(&format!("{}.pem", provider.kid("current")));
    let confused = jsonwebtoken::encode(
        &provider.header(Algorithm::HS256),
        &valid,
        &EncodingKey::from_secret(&public_pem).unwrap(),
    )
    .unwrap();
    assert_unauthenticated(&app, Some(&confused), "HS256 signed with the public key").await;
    // Other algorithms, each correctly signed with a key of its own family.
    let rsa_key = RSA.private_key("current");
    for algorithm in [Algorithm::RS256, Algorithm::RS512, Algorithm::PS256] {
        if algorithm == provider.algorithm {
            continue;
        }
        let token = jsonwebtoken::encode(&provider.header(algorithm), &valid, &rsa_key).unwrap();
        assert_unauthenticated(&app, Some(&token), &format!("{algorithm:?} token")).await;
    }
    if provider.algorithm != Algorithm::ES256 {
        let token = EC.sign(&valid, "current", Some("current"));
        assert_unauthenticated(&app, Some(&token), "ES256 token").await;
    }

    for garbage in [
        "abc.def.ghi",
        "%%%.e30.sig",
        "e30.e30.e30",
        "not-a-jwt",
        "a.b.c.d",
        "..",
    ] {
        assert_unauthenticated(&app, Some(garbage), garbage).await;
    }
    let oversized = provider.sign(
        &with(valid.clone(), json!({ "pad": "x".repeat(9000) })),
        "current",
        Some("current"),
    );
    assert_unauthenticated(&app, Some(&oversized), "oversized, though validly signed").await;

    // The well-formed token still works, so the refusals above were about the tokens.
    let data = app.gql_ok(&provider.token(&sub), ME, json!({})).await;
    assert_eq!(data["me"]["role"], "ADMIN");
}

async fn rotation_selects_the_key_by_kid(app: TestApp, provider: &Provider) {
    let admin = app.admin().await;
    let sub = admin.id.to_string();
    let valid = provider_claims(&sub);

    // Both keys of the rotation work at once, each selected by its own kid.
    for key in ["current", "next"] {
        let token = provider.sign(&valid, key, Some(key));
        let data = app.gql_ok(&token, ME, json!({})).await;
        assert_eq!(data["me"]["id"], sub, "{key}");
    }

    let no_kid = provider.sign(&valid, "current", None);
    assert_unauthenticated(&app, Some(&no_kid), "no kid with two keys configured").await;
    let unknown_kid = provider.sign(&valid, "current", Some("retired"));
    assert_unauthenticated(&app, Some(&unknown_kid), "unknown kid").await;
    let wrong_key = provider.sign(&valid, "next", Some("current"));
    assert_unauthenticated(
        &app,
        Some(&wrong_key),
        "kid of one key, signed by the other",
    )
    .await;
    let forged = provider.sign(&valid, "attacker", Some("next"));
    assert_unauthenticated(&app, Some(&forged), "forged with the next kid").await;
}

/// A token refused for its lifetime: UNAUTHENTICATED, saying why (the signature verified).
async fn assert_lifetime_refused(app: &TestApp, token: &str, why: &str, case: &str) {
    let (status, body) = app.gql_as(Some(token), ME, json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "UNAUTHENTICATED"),
        "{case}: {body:#}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the bearer token was refused: ") && message.contains(why),
        "{case}: {body:#}"
    );
    assert!(body.get("data").is_none_or(Value::is_null), "{case}");
}

const DAY: u64 = 86_400;

/// Lifetimes past the 24-hour default of `JWT_MAX_TTL`, and an `iat` in the future, each with
/// the words of its refusal; `claims` adds `sub` and any `iss`/`aud` the app requires.
fn overlong_lifetimes(now: u64) -> Vec<(Value, &'static str)> {
    vec![
        (
            json!({ "iat": now, "exp": now + 3650 * DAY }),
            "lives 3650d from `iat` to `exp`",
        ),
        (
            json!({ "iat": now, "exp": now + 36_500 * DAY }),
            "longer than the 24h JWT_MAX_TTL",
        ),
        (json!({ "iat": now, "exp": u64::MAX }), "JWT_MAX_TTL"),
        (
            json!({ "exp": now + 3650 * DAY }),
            "later than the 24h JWT_MAX_TTL allows",
        ),
        (
            json!({ "exp": u64::MAX }),
            "later than the 24h JWT_MAX_TTL allows",
        ),
        (
            json!({ "iat": now + 2 * DAY, "exp": now + 2 * DAY + 60 }),
            "s in the future, beyond the 30 s clock leeway",
        ),
    ]
}

async fn tokens_live_at_most_the_maximum(app: TestApp) {
    let admin = app.admin().await;
    let sub = admin.id.to_string();
    for (lifetime, why) in overlong_lifetimes(now()) {
        let token = sign(
            with(json!({ "sub": sub }), lifetime.clone()),
            Algorithm::HS256,
            SECRET,
        );
        assert_lifetime_refused(&app, &token, why, &lifetime.to_string()).await;
    }
    // A day is allowed, from `iat` and from now, with the clock leeway.
    let day = sign(
        json!({ "sub": sub, "iat": now() + 20, "exp": now() + 20 + DAY }),
        Algorithm::HS256,
        SECRET,
    );
    app.gql_ok(&day, ME, json!({})).await;
    // Still refused the same way once the signature is wrong: nothing is disclosed to a forger.
    let forged = sign(
        json!({ "sub": sub, "exp": u64::MAX }),
        Algorithm::HS256,
        b"another-secret-also-32-bytes-long!!",
    );
    assert_unauthenticated(&app, Some(&forged), "forged, overlong").await;
    let (_, body) = app.gql_as(Some(&forged), ME, json!({})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "authentication required: send a valid bearer token"
    );
}

async fn provider_tokens_live_at_most_the_maximum(app: TestApp) {
    let admin = app.admin().await;
    let sub = admin.id.to_string();
    for (lifetime, why) in overlong_lifetimes(now()) {
        let claims = with(provider_claims(&sub), lifetime.clone());
        let token = RSA.sign(&claims, "current", Some("current"));
        assert_lifetime_refused(&app, &token, why, &lifetime.to_string()).await;
    }
    let hour = with(
        provider_claims(&sub),
        json!({ "iat": now(), "exp": now() + 3600 }),
    );
    let (status, body) = app
        .gql_as(
            Some(&RSA.sign(&hour, "current", Some("current"))),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["data"]["me"]["id"], sub);
}

/// `JWT_MAX_TTL` shortened to an hour.
async fn the_maximum_is_configurable(app: TestApp) {
    let admin = app.admin().await;
    let sub = admin.id.to_string();
    let two_hours = sign(
        json!({ "sub": sub, "iat": now(), "exp": now() + 7200 }),
        Algorithm::HS256,
        SECRET,
    );
    assert_lifetime_refused(&app, &two_hours, "longer than the 1h JWT_MAX_TTL", "2h").await;
    // The harness mints ten-minute tokens, well within it.
    app.gql_ok(&admin.token, ME, json!({})).await;
}

const ONE_HOUR_TOKENS: &[(&str, &str)] = &[("JWT_MAX_TTL", "1h")];

async fn rs256_refuses_every_kind_of_bad_token(app: TestApp) {
    refuses_every_kind_of_bad_provider_token(app, &RSA).await;
}

async fn es256_refuses_every_kind_of_bad_token(app: TestApp) {
    refuses_every_kind_of_bad_provider_token(app, &EC).await;
}

async fn rs256_rotation_selects_the_key_by_kid(app: TestApp) {
    rotation_selects_the_key_by_kid(app, &RSA).await;
}

async fn es256_rotation_selects_the_key_by_kid(app: TestApp) {
    rotation_selects_the_key_by_kid(app, &EC).await;
}

on_both_databases!(with super::RS256_ONE_KEY; rs256_refuses_every_kind_of_bad_token);
on_both_databases!(with super::RS256_ONE_KEY; provider_tokens_live_at_most_the_maximum);
on_both_databases!(tokens_live_at_most_the_maximum);
on_both_databases!(with super::ONE_HOUR_TOKENS; the_maximum_is_configurable);
on_both_databases!(with super::RS256_ROTATION; rs256_rotation_selects_the_key_by_kid);
on_both_databases!(with super::ES256_ONE_KEY; es256_refuses_every_kind_of_bad_token);
on_both_databases!(with super::ES256_ROTATION; es256_rotation_selects_the_key_by_kid);
