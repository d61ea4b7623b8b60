//! Identity: bearer tokens in, an [`Actor`] out.
//!
//! A token only proves *who* is calling (`sub` = user id). The user record decides the role and
//! organisation, so deactivating a user or changing a role takes effect on the next request.
//! Tokens are HS256 ones this service mints with its secret, or RS256/ES256 ones an identity
//! provider signs, checked with its public keys chosen by `kid`. The algorithm comes from
//! configuration, never from the token (RFC 8725). Every refusal looks the same to the client
//! (UNAUTHENTICATED); the reason goes to the server log only.

use std::time::Duration;

use entity::{enums::UserRole, user};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::{
    config::{ConfigError, JwtConfig, TokenKeys},
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
        })
    }

    /// Returns the user id the token speaks for, or why it was refused (for the log only).
    pub fn verify(&self, token: &str) -> Result<Uuid, String> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(format!("token of {} bytes exceeds the limit", token.len()));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|err| format!("token header unreadable: {err}"))?;
        // `decode` checks this too; checking first gives the log a precise reason.
        if header.alg != self.algorithm {
            return Err(format!(
                "token signed with {:?}, but only {:?} is accepted",
                header.alg, self.algorithm
            ));
        }
        let key = self.key_for(header.kid.as_deref())?;
        let data = jsonwebtoken::decode::<VerifiedClaims>(token, key, &self.validation)
            .map_err(|err| format!("token rejected: {err}"))?;
        Uuid::parse_str(&data.claims.sub).map_err(|_| "token `sub` is not a user id".to_owned())
    }

    /// The key a token's `kid` selects. While one provider key is configured a token may omit
    /// `kid`; once two are (a rotation), it must say which one signed it.
    fn key_for(&self, kid: Option<&str>) -> Result<&DecodingKey, String> {
        match (&self.keys, kid) {
            (VerificationKeys::Secret(key), _) => Ok(key),
            (VerificationKeys::ByKid(keys), Some(kid)) => keys
                .iter()
                .find(|(known, _)| known == kid)
                .map(|(_, key)| key)
                .ok_or_else(|| format!("token names unknown key id {:?}", loggable(kid))),
            (VerificationKeys::ByKid(keys), None) => match keys.as_slice() {
                [(_, key)] => Ok(key),
                _ => Err("token has no `kid`, and several keys are configured".to_owned()),
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
        })
    }
    pub fn mint(
        &self,
        user_id: Uuid,
        ttl: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = MintedClaims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + ttl.as_secs(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)
    }
}

/// Turns an `Authorization` header into the current [`Actor`].
pub async fn authenticate(
    db: &impl ConnectionTrait,
    verifier: &TokenVerifier,
    authorization: Option<&str>,
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
    let user_id = verifier.verify(token.trim()).map_err(|reason| {
        tracing::info!(%reason, "token refused");
        ApiError::Unauthenticated
    })?;
    match user::Entity::find_by_id(user_id).one(db).await? {
        Some(user) if user.active => Ok(Actor {
            user_id: user.id,
            organisation_id: user.organisation_id,
            role: user.role,
        }),
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

/// Parses `30m`, `1h`, `7d` or plain seconds, for the CLI's `--ttl`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 7d"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => return Err(format!("`{text}` is not a duration like 30m, 1h or 7d")),
    };
    if seconds == 0 {
        return Err("a token must live longer than zero seconds".into());
    }
    Ok(Duration::from_secs(seconds))
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
            .unwrap_err();
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
            .unwrap_err();
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
            .unwrap_err();
        assert!(reason.contains("no `kid`"), "{reason}");
        let reason = verifier
            .verify(&rs256_token("rsa-next", Some("rsa-current"), user))
            .unwrap_err();
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
        let reason = verifier.verify(&confused).unwrap_err();
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

    #[test]
    fn ttl_parsing_accepts_units_and_refuses_nonsense() {
        assert_eq!(parse_ttl("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_ttl("soon").is_err());
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("5y").is_err());
    }
}
