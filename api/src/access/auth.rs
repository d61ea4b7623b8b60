//! Identity: bearer tokens in, an [`Actor`] out.
//!
//! A token only proves *who* is calling (`sub` = user id). The user record decides the role and
//! organisation, so deactivating a user or changing a role takes effect on the next request.
//! Tokens are HS256 ones this service mints with its secret, or RS256/ES256 ones an identity
//! provider signs, checked with its public keys chosen by `kid`. The algorithm comes from
//! configuration, never from the token (RFC 8725).
//!
//! Every token lives at most `JWT_MAX_TTL`, counted from its `iat` and from now, and none may be
//! issued in the future, so a leaked token stops working within that time.
//!
//! Every refusal is UNAUTHENTICATED. Most look the same to the client, the reason going to the
//! server log only, so a forger learns nothing. A token whose signature verified but whose
//! lifetime breaks the rules is told why: only the holder of the signing key can make one, and
//! the operator configuring an identity provider needs to know.

use std::time::Duration;

use chrono::NaiveDate;
use entity::{enums::UserRole, user};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::{
    config::{ConfigError, JwtConfig, TokenKeys, describe_duration, parse_duration},
    error::{ApiError, ApiResult},
};

/// Tokens longer than this are refused before any parsing: no identity provider issues them, and
/// parsing attacker-sized input is wasted work.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The authenticated caller, as the database says it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub role: UserRole,
    /// The application clock's day when the request began: a membership counts from its
    /// `joinedOn` (§4.2).
    pub today: NaiveDate,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == UserRole::Admin
    }
}

/// What the API reads from a verified token; the library has already checked the rest.
#[derive(Deserialize)]
struct VerifiedClaims {
    sub: String,
    exp: u64,
    iat: Option<u64>,
}

/// Why a token was refused, for the log; `disclosed` when the client may be told too (the
/// signature verified, so the caller holds a genuine token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRefusal {
    pub reason: String,
    pub disclosed: bool,
}

impl TokenRefusal {
    fn hidden(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            disclosed: false,
        }
    }

    fn disclosed(reason: String) -> Self {
        Self {
            reason,
            disclosed: true,
        }
    }
}

/// A token that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedToken {
    pub user_id: Uuid,
    /// Its `exp`, in seconds since the epoch.
    pub expires_at: u64,
}

/// What the API writes into the tokens it mints.
#[derive(Serialize)]
struct MintedClaims {
    sub: String,
    exp: u64,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// Checks tokens against the configured algorithm, keys and claims.
pub struct TokenVerifier {
    algorithm: Algorithm,
    keys: VerificationKeys,
    validation: Validation,
    max_ttl: Duration,
}

enum VerificationKeys {
    /// The HS256 secret; a `kid` in the header means nothing to it and is ignored, as before
    /// identity providers were supported.
    Secret(DecodingKey),
    /// Identity provider keys by `kid`, in configuration order.
    ByKid(Vec<(String, DecodingKey)>),
}

impl TokenVerifier {
    pub fn new(config: &JwtConfig) -> Result<Self, ConfigError> {
        let keys = match &config.keys {
            TokenKeys::Secret(secret) => {
                VerificationKeys::Secret(DecodingKey::from_secret(secret).map_err(|err| {
                    ConfigError {
                        variable: "JWT_SECRET",
                        message: err.to_string(),
                    }
                })?)
            }
            TokenKeys::PublicKeys { keys, .. } => VerificationKeys::ByKid(
                keys.iter()
                    .map(|key| (key.kid.clone(), key.key.clone()))
                    .collect(),
            ),
        };
        let algorithm = config.keys.algorithm();
        // Exactly one algorithm: the header's `alg` only has to agree with it (RFC 8725 §3.1).
        let mut validation = Validation::new(algorithm);
        validation.leeway = config.leeway_seconds;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        // Without a configured audience the library still refuses a token that names one: it
        // was meant for another service (RFC 8725 §3.9).
        if let Some(audience) = &config.audience {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        Ok(Self {
            algorithm,
            keys,
            validation,
            max_ttl: config.max_ttl,
        })
    }

    /// Returns the user id the token speaks for, or why it was refused.
    pub fn verify(&self, token: &str) -> Result<Uuid, TokenRefusal> {
        self.verify_token(token).map(|verified| verified.user_id)
    }

    /// Like [`TokenVerifier::verify`], with when the token expires: a connection that outlives
    /// one request (a subscription's socket) must end then.
    pub fn verify_token(&self, token: &str) -> Result<VerifiedToken, TokenRefusal> {
        self.verify_at(token, jsonwebtoken::get_current_timestamp())
    }

    /// [`TokenVerifier::verify_token`] as if the time were `now` (seconds since the epoch) for
    /// the lifetime rules.
    fn verify_at(&self, token: &str, now: u64) -> Result<VerifiedToken, TokenRefusal> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenRefusal::hidden(format!(
                "token of {} bytes exceeds the limit",
                token.len()
            )));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|err| TokenRefusal::hidden(format!("token header unreadable: {err}")))?;
        // `decode` checks this too; checking first gives the log a precise reason.
        if header.alg != self.algorithm {
            return Err(TokenRefusal::hidden(format!(
                "token signed with {:?}, but only {:?} is accepted",
                header.alg, self.algorithm
            )));
        }
        let key = self.key_for(header.kid.as_deref())?;
        let data = jsonwebtoken::decode::<VerifiedClaims>(token, key, &self.validation)
            .map_err(|err| TokenRefusal::hidden(format!("token rejected: {err}")))?;
        self.check_lifetime(&data.claims, now)
            .map_err(TokenRefusal::disclosed)?;
        let user_id = Uuid::parse_str(&data.claims.sub)
            .map_err(|_| TokenRefusal::hidden("token `sub` is not a user id"))?;
        Ok(VerifiedToken {
            user_id,
            expires_at: data.claims.exp,
        })
    }

    /// The lifetime rules the library does not apply: issued no later than now (give or take
    /// the leeway), and living no longer than `JWT_MAX_TTL`, both from `iat` and from now.
    fn check_lifetime(&self, claims: &VerifiedClaims, now: u64) -> Result<(), String> {
        let leeway = self.validation.leeway;
        let max = self.max_ttl.as_secs();
        let max_text = describe_duration(self.max_ttl);
        if let Some(iat) = claims.iat {
            if iat > now.saturating_add(leeway) {
                return Err(format!(
                    "its `iat` lies {} s in the future, beyond the {leeway} s clock leeway \
                     (JWT_LEEWAY_SECONDS): check the issuer's clock",
                    iat - now
                ));
            }
            let lifetime = claims.exp.saturating_sub(iat);
            if lifetime > max {
                return Err(format!(
                    "it lives {} from `iat` to `exp`, longer than the {max_text} JWT_MAX_TTL \
                     allows: issue tokens that expire sooner",
                    describe_duration(Duration::from_secs(lifetime))
                ));
            }
        }
        let remaining = claims.exp.saturating_sub(now);
        if remaining > max.saturating_add(leeway) {
            return Err(format!(
                "it expires in {remaining} s, later than the {max_text} JWT_MAX_TTL allows: issue \
                 tokens that expire sooner"
            ));
        }
        Ok(())
    }

    /// The key a token's `kid` selects. While one provider key is configured a token may omit
    /// `kid`; once two are (a rotation), it must say which one signed it.
    fn key_for(&self, kid: Option<&str>) -> Result<&DecodingKey, TokenRefusal> {
        match (&self.keys, kid) {
            (VerificationKeys::Secret(key), _) => Ok(key),
            (VerificationKeys::ByKid(keys), Some(kid)) => keys
                .iter()
                .find(|(known, _)| known == kid)
                .map(|(_, key)| key)
                .ok_or_else(|| {
                    TokenRefusal::hidden(format!("token names unknown key id {:?}", loggable(kid)))
                }),
            (VerificationKeys::ByKid(keys), None) => match keys.as_slice() {
                [(_, key)] => Ok(key),
                _ => Err(TokenRefusal::hidden(
                    "token has no `kid`, and several keys are configured",
                )),
            },
        }
    }
}

/// A bounded prefix of attacker-chosen text, for the log.
fn loggable(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Mints HS256 tokens with the configured secret (the `token` and `admin create` commands).
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
    max_ttl: Duration,
}

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error(
        "a token may live at most {} (JWT_MAX_TTL), not {}: ask for a shorter --ttl, or raise \
         JWT_MAX_TTL if tokens really must live longer",
        describe_duration(*.max), describe_duration(*.asked)
    )]
    TooLong { asked: Duration, max: Duration },
    #[error("signing the token failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

impl TokenIssuer {
    /// Fails, rather than minting something the service would refuse, when tokens come from an
    /// identity provider: only the provider holds the private key.
    pub fn new(config: &JwtConfig) -> Result<Self, ConfigError> {
        let secret = match &config.keys {
            TokenKeys::Secret(secret) => secret,
            TokenKeys::PublicKeys { algorithm, .. } => {
                return Err(ConfigError {
                    variable: "JWT_ALGORITHM",
                    message: format!(
                        "is {algorithm:?}: tokens come from your identity provider, signed with \
                         its private key, so this service cannot mint them; sign in through the \
                         provider instead (minting needs JWT_ALGORITHM=HS256 and JWT_SECRET)"
                    ),
                });
            }
        };
        let key = EncodingKey::from_secret(secret).map_err(|err| ConfigError {
            variable: "JWT_SECRET",
            message: err.to_string(),
        })?;
        Ok(Self {
            key,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            max_ttl: config.max_ttl,
        })
    }

    /// The longest life a token minted here may have (`JWT_MAX_TTL`).
    pub fn max_ttl(&self) -> Duration {
        self.max_ttl
    }

    /// Whether a token may live `ttl`; commands check before they write anything.
    pub fn check_ttl(&self, ttl: Duration) -> Result<(), MintError> {
        if ttl > self.max_ttl {
            return Err(MintError::TooLong {
                asked: ttl,
                max: self.max_ttl,
            });
        }
        Ok(())
    }

    /// A token for `user_id` living `ttl`, which must not exceed `JWT_MAX_TTL`: the verifier
    /// would refuse a longer one.
    pub fn mint(&self, user_id: Uuid, ttl: Duration) -> Result<String, MintError> {
        self.check_ttl(ttl)?;
        let now = jsonwebtoken::get_current_timestamp();
        let claims = MintedClaims {
            sub: user_id.to_string(),
            iat: now,
            exp: now.saturating_add(ttl.as_secs()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.key,
        )?)
    }
}

/// Turns an `Authorization` header into the current [`Actor`].
pub async fn authenticate(
    db: &impl ConnectionTrait,
    verifier: &TokenVerifier,
    authorization: Option<&str>,
    today: NaiveDate,
) -> ApiResult<Actor> {
    let Some(header) = authorization else {
        tracing::info!("request without a bearer token");
        return Err(ApiError::Unauthenticated);
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        tracing::info!("authorization header is not a bearer token");
        return Err(ApiError::Unauthenticated);
    };
    authenticate_token(db, verifier, token.trim(), today)
        .await
        .map(|(actor, _)| actor)
}

/// The current [`Actor`] of a bare token (a subscription's `connection_init` carries one), and
/// the token as verified, whose expiry ends the connection.
pub async fn authenticate_token(
    db: &impl ConnectionTrait,
    verifier: &TokenVerifier,
    token: &str,
    today: NaiveDate,
) -> ApiResult<(Actor, VerifiedToken)> {
    let verified = verifier.verify_token(token).map_err(|refusal| {
        tracing::info!(reason = %refusal.reason, "token refused");
        if refusal.disclosed {
            ApiError::TokenRefused(refusal.reason)
        } else {
            ApiError::Unauthenticated
        }
    })?;
    let user_id = verified.user_id;
    match user::Entity::find_by_id(user_id).one(db).await? {
        Some(user) if user.active => Ok((
            Actor {
                user_id: user.id,
                organisation_id: user.organisation_id,
                role: user.role,
                today,
            },
            verified,
        )),
        Some(_) => {
            tracing::info!(%user_id, "token of an inactive user");
            Err(ApiError::Unauthenticated)
        }
        None => {
            tracing::info!(%user_id, "token of an unknown user");
            Err(ApiError::Unauthenticated)
        }
    }
}

/// Parses `30m`, `1h`, `7d` or plain seconds, for the CLI's `--ttl`. Whether the token may live
/// that long is [`TokenIssuer::mint`]'s to say, since it depends on `JWT_MAX_TTL`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> JwtConfig {
        JwtConfig {
            keys: TokenKeys::Secret(b"0123456789abcdef0123456789abcdef".to_vec()),
            issuer: None,
            audience: None,
            leeway_seconds: 0,
            max_ttl: crate::platform::config::DEFAULT_MAX_TTL,
        }
    }

    /// A test key pair committed under `tests/keys/` (test-only keys).
    fn key_file(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../tests/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// RS256 with the test keys named, each under its own name as `kid`.
    fn rs256(kids: &[&str]) -> JwtConfig {
        let keys = kids
            .iter()
            .map(|kid| crate::platform::config::PublicKey {
                kid: (*kid).to_owned(),
                key: DecodingKey::from_rsa_pem(&key_file(&format!("{kid}.pem"))).unwrap(),
            })
            .collect();
        JwtConfig {
            keys: TokenKeys::PublicKeys {
                algorithm: Algorithm::RS256,
                keys,
            },
            ..config()
        }
    }

    fn rs256_token(signer: &str, kid: Option<&str>, sub: Uuid) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let claims =
            serde_json::json!({ "sub": sub, "exp": jsonwebtoken::get_current_timestamp() + 60 });
        let key = EncodingKey::from_rsa_pem(&key_file(&format!("{signer}.key"))).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    #[test]
    fn a_minted_token_verifies_to_its_user() {
        let user = Uuid::now_v7();
        let token = TokenIssuer::new(&config())
            .unwrap()
            .mint(user, Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            TokenVerifier::new(&config()).unwrap().verify(&token),
            Ok(user)
        );
    }

    #[test]
    fn issuer_and_audience_are_required_once_configured() {
        let token = TokenIssuer::new(&config())
            .unwrap()
            .mint(Uuid::now_v7(), Duration::from_secs(60))
            .unwrap();
        let strict = JwtConfig {
            issuer: Some("https://idp.example".into()),
            audience: Some("outcomes".into()),
            ..config()
        };
        assert!(TokenVerifier::new(&strict).unwrap().verify(&token).is_err());
    }

    #[test]
    fn oversized_tokens_are_refused_before_parsing() {
        let verifier = TokenVerifier::new(&config()).unwrap();
        let reason = verifier
            .verify(&"a".repeat(MAX_TOKEN_BYTES + 1))
            .unwrap_err()
            .reason;
        assert!(reason.contains("exceeds"));
    }

    #[test]
    fn one_provider_key_accepts_tokens_with_its_kid_or_none() {
        let verifier = TokenVerifier::new(&rs256(&["rsa-current"])).unwrap();
        let user = Uuid::now_v7();
        assert_eq!(
            verifier.verify(&rs256_token("rsa-current", None, user)),
            Ok(user)
        );
        assert_eq!(
            verifier.verify(&rs256_token("rsa-current", Some("rsa-current"), user)),
            Ok(user)
        );
        let reason = verifier
            .verify(&rs256_token("rsa-current", Some("rsa-old"), user))
            .unwrap_err()
            .reason;
        assert!(reason.contains("unknown key id \"rsa-old\""), "{reason}");
    }

    #[test]
    fn during_a_rotation_kid_is_required_and_selects_the_key() {
        let verifier = TokenVerifier::new(&rs256(&["rsa-current", "rsa-next"])).unwrap();
        let user = Uuid::now_v7();
        for kid in ["rsa-current", "rsa-next"] {
            assert_eq!(
                verifier.verify(&rs256_token(kid, Some(kid), user)),
                Ok(user)
            );
        }
        let reason = verifier
            .verify(&rs256_token("rsa-current", None, user))
            .unwrap_err()
            .reason;
        assert!(reason.contains("no `kid`"), "{reason}");
        let reason = verifier
            .verify(&rs256_token("rsa-next", Some("rsa-current"), user))
            .unwrap_err()
            .reason;
        assert!(reason.contains("InvalidSignature"), "{reason}");
    }

    #[test]
    fn the_configured_algorithm_is_the_only_one_accepted() {
        let verifier = TokenVerifier::new(&rs256(&["rsa-current"])).unwrap();
        // Key confusion: the public key's PEM bytes used as an HMAC secret.
        let confused = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({ "sub": Uuid::now_v7(), "exp": jsonwebtoken::get_current_timestamp() + 60 }),
            &EncodingKey::from_secret(&key_file("rsa-current.pem")).unwrap(),
        )
        .unwrap();
        let reason = verifier.verify(&confused).unwrap_err().reason;
        assert!(
            reason.contains("signed with HS256, but only RS256 is accepted"),
            "{reason}"
        );
    }

    #[test]
    fn tokens_cannot_be_minted_without_the_secret() {
        let Err(err) = TokenIssuer::new(&rs256(&["rsa-current"])) else {
            panic!("an RS256 configuration cannot mint");
        };
        assert_eq!(err.variable, "JWT_ALGORITHM");
        assert!(
            err.message
                .contains("tokens come from your identity provider")
        );
    }

    /// An HS256 token with these claims, signed with the test secret.
    fn hs256_token(claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_token_lives_at_most_the_maximum_and_is_not_issued_in_the_future() {
        let verifier = TokenVerifier::new(&config()).unwrap();
        let now = jsonwebtoken::get_current_timestamp();
        let user = Uuid::now_v7();
        let day = 86_400;
        let ok = hs256_token(serde_json::json!({ "sub": user, "iat": now, "exp": now + day }));
        assert_eq!(verifier.verify(&ok), Ok(user));
        let cases = [
            (
                serde_json::json!({ "sub": user, "iat": now, "exp": now + day + 1 }),
                "longer than the 24h JWT_MAX_TTL",
            ),
            (
                serde_json::json!({ "sub": user, "iat": now, "exp": now + 3650 * day }),
                "lives 3650d from `iat` to `exp`",
            ),
            (
                serde_json::json!({ "sub": user, "exp": now + 36_500 * day }),
                "later than the 24h JWT_MAX_TTL allows",
            ),
            (
                serde_json::json!({ "sub": user, "iat": now, "exp": u64::MAX }),
                "JWT_MAX_TTL",
            ),
            (
                serde_json::json!({ "sub": user, "exp": u64::MAX }),
                "JWT_MAX_TTL",
            ),
            (
                serde_json::json!({ "sub": user, "iat": now + 3600, "exp": now + 7200 }),
                "s in the future",
            ),
        ];
        for (claims, why) in cases {
            let refusal = verifier.verify(&hs256_token(claims.clone())).unwrap_err();
            assert!(refusal.disclosed, "{claims}");
            assert!(refusal.reason.contains(why), "{claims}: {}", refusal.reason);
        }
        // Minted tokens obey the same maximum.
        let issuer = TokenIssuer::new(&config()).unwrap();
        let err = issuer
            .mint(user, Duration::from_secs(36_500 * day))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a token may live at most 24h (JWT_MAX_TTL), not 36500d: ask for a shorter --ttl, \
             or raise JWT_MAX_TTL if tokens really must live longer"
        );
        let token = issuer.mint(user, Duration::from_secs(day)).unwrap();
        assert_eq!(verifier.verify(&token), Ok(user));
    }

    #[test]
    fn ttl_parsing_accepts_units_and_refuses_nonsense() {
        assert_eq!(parse_ttl("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_ttl("soon").is_err());
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("5y").is_err());
        assert!(parse_ttl("99999999999999999999d").is_err());
        assert!(
            parse_ttl("213503982334602d").is_err(),
            "overflows u64 seconds"
        );
    }
}
