//! The id of one request: the caller's `X-Request-Id` when that is a short plain token (a proxy
//! or client that already tracks requests keeps its id), otherwise a new UUID v7. It is the
//! `correlationId` of INTERNAL errors, so one value finds a failure in the logs.

use std::fmt;

use actix_web::{
    HttpMessage,
    http::header::{HeaderName, HeaderValue},
};
use uuid::Uuid;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming request id kept; longer ones are replaced.
const MAX_REQUEST_ID_CHARS: usize = 64;

/// The id of one request, as logged and as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The caller's id if it is sane (1 to 64 letters, digits, `-`, `_`, `.` or `:`, which keeps
    /// logs and headers free of injected text), otherwise a new one.
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        let sane = |id: &&str| {
            (1..=MAX_REQUEST_ID_CHARS).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        };
        match value.and_then(|value| value.to_str().ok()).filter(sane) {
            Some(id) => Self(id.to_owned()),
            None => Self(Uuid::now_v7().to_string()),
        }
    }

    /// The id the middleware gave this request (a new one if it did not run).
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        req.extensions()
            .get::<Self>()
            .cloned()
            .unwrap_or_else(|| Self::from_header(None))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_incoming_ids_are_kept_and_others_replaced() {
        let kept = |id: &str| RequestId::from_header(Some(&HeaderValue::from_str(id).unwrap()));
        assert_eq!(kept("abc-123_x.y:z").as_str(), "abc-123_x.y:z");
        for insane in ["", "has space", "quote\"", &"x".repeat(65), "ümlaut"] {
            let replaced = RequestId::from_header(HeaderValue::from_str(insane).ok().as_ref());
            assert_ne!(replaced.as_str(), insane);
            assert_eq!(
                Uuid::parse_str(replaced.as_str())
                    .unwrap()
                    .get_version_num(),
                7
            );
        }
        assert_ne!(
            RequestId::from_header(None),
            RequestId::from_header(None),
            "each request gets its own id"
        );
    }
}
