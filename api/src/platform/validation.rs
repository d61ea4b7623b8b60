//! Checks on input values that several domain modules share. Each failure is BAD_USER_INPUT
//! naming the field, so a client can point its user at the exact box to fix.

use entity::{area, organisation};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::platform::error::{ApiError, ApiResult};

/// The most characters of a name or title: enough for any real one, short enough for a list row,
/// a table cell and a page heading.
pub const NAME_MAX_CHARS: usize = 200;

/// The most characters of free text (aims, responsibilities, notes, narratives, stories): about
/// four pages, more than any of them needs, and a bound on what one field can make us store.
pub const TEXT_MAX_CHARS: usize = 10_000;

/// A required name or title (see [`NAME_MAX_CHARS`]).
pub fn name(value: &str, field: &str) -> ApiResult<String> {
    text(value, field, NAME_MAX_CHARS)
}

/// A required piece of free text (see [`TEXT_MAX_CHARS`]).
pub fn long_text(value: &str, field: &str) -> ApiResult<String> {
    text(value, field, TEXT_MAX_CHARS)
}

/// A required piece of text: trimmed, not empty, at most `max_chars` characters.
pub fn text(value: &str, field: &str, max_chars: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > max_chars {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must be at most {max_chars} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An e-mail address, lower-cased so look-ups do not depend on how it was typed.
pub fn email(value: &str, field: &str) -> ApiResult<String> {
    let value = text(value, field, 254)?.to_lowercase();
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !value.contains(char::is_whitespace) =>
        {
            Ok(value)
        }
        _ => Err(ApiError::bad_input(
            field,
            format!("{field} is not an e-mail address"),
        )),
    }
}

/// The area code must name a known area.
pub async fn known_area(conn: &impl ConnectionTrait, code: &str, field: &str) -> ApiResult<String> {
    let code = code.trim();
    match area::Entity::find_by_id(code.to_owned()).one(conn).await? {
        Some(area) => Ok(area.code),
        None => Err(ApiError::bad_input(
            field,
            format!("{field} `{code}` is not a known area code (see the `areas` query)"),
        )),
    }
}

/// The id must name an existing organisation.
pub async fn known_organisation(
    conn: &impl ConnectionTrait,
    id: Uuid,
    field: &str,
) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, format!("{field} is not a known organisation")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("  Aberlour  ", "input.name", 10).unwrap(), "Aberlour");
        assert!(text("   ", "input.name", 10).is_err());
        assert!(text("x".repeat(11).as_str(), "input.name", 10).is_err());
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            email(" Ann@Council.GOV.uk ", "input.email").unwrap(),
            "ann@council.gov.uk"
        );
        assert!(email("ann", "input.email").is_err());
        assert!(email("ann@localhost", "input.email").is_err());
        assert!(email("a nn@x.org", "input.email").is_err());
    }
}
