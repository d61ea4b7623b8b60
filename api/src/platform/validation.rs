//! Checks on input values that several domain modules share. Each failure is BAD_USER_INPUT
//! naming the field, so a client can point its user at the exact box to fix.

use chrono::NaiveDate;
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

/// The first day the API accepts or prints. Every date it deals in (births by year aside) is
/// about services for children alive now: 1900 leaves room for any historical record.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => panic!("1900-01-01 is a date"),
};

/// The last day the API accepts or prints: far beyond any plan, near enough that every date
/// the service computes from one (a review one interval later) is still a four-digit year.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(date) => date,
    None => panic!("2199-12-31 is a date"),
};

/// Whether `date` lies in the range the API accepts and prints.
pub fn date_in_range(date: NaiveDate) -> bool {
    (EARLIEST_DATE..=LATEST_DATE).contains(&date)
}

/// The range, as messages state it.
pub fn date_range() -> String {
    format!("{EARLIEST_DATE} to {LATEST_DATE}")
}

/// A day written `YYYY-MM-DD` within the range; the error says what is wrong with `text`, for
/// the caller to report against its field.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date in YYYY-MM-DD form"))?;
    if !date_in_range(date) {
        return Err(format!(
            "`{text}` is outside the dates this service accepts, {}",
            date_range()
        ));
    }
    Ok(date)
}

/// An id given as text; BAD_USER_INPUT naming `field` otherwise.
pub fn parse_id(text: &str, field: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(text)
        .map_err(|_| ApiError::bad_input(field, format!("{field} is not a valid id")))
}

/// What stored text may hold. Both kinds refuse control characters: NUL cannot be stored in
/// PostgreSQL at all (SQLite would keep it), and the others (BEL, ESC, …) corrupt the terminals,
/// logs, CSV files and reports text ends up in. Only free text keeps tab and line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One line shown in a list, a heading or a cell: also no tab or line break, and no
    /// bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which make a name
    /// display in another order than it is stored and so look like another name.
    Name,
    /// Paragraphs: tab, line feed and carriage return are allowed; bidirectional controls are
    /// too, since right-to-left writing may need them.
    LongText,
}

/// Where in `value` the first character lies that `kind` of text may not hold: its byte offset
/// and the character.
pub fn disallowed_char_at(value: &str, kind: TextKind) -> Option<(usize, char)> {
    value.char_indices().find(|(_, c)| is_disallowed(*c, kind))
}

fn is_disallowed(c: char, kind: TextKind) -> bool {
    let allowed_control = kind == TextKind::LongText && matches!(c, '\t' | '\n' | '\r');
    let bidirectional = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    (c.is_control() && !allowed_control) || (kind == TextKind::Name && bidirectional)
}

/// The first character `kind` of text may not hold, and why, as a message about `field`.
pub fn disallowed_char(value: &str, kind: TextKind, field: &str) -> Option<String> {
    let (_, c) = disallowed_char_at(value, kind)?;
    let code = u32::from(c);
    Some(if c.is_control() {
        let holder = match kind {
            TextKind::Name => "a name",
            TextKind::LongText => "text",
        };
        format!("{field} contains the control character U+{code:04X}, which {holder} may not hold")
    } else {
        format!(
            "{field} contains the bidirectional control character U+{code:04X}, which a name may \
             not hold: it makes a name display in another order than it is written"
        )
    })
}

/// A required name or title (see [`NAME_MAX_CHARS`] and [`TextKind::Name`]).
pub fn name(value: &str, field: &str) -> ApiResult<String> {
    checked_text(value, field, NAME_MAX_CHARS, TextKind::Name)
}

/// A required piece of free text (see [`TEXT_MAX_CHARS`]).
pub fn long_text(value: &str, field: &str) -> ApiResult<String> {
    text(value, field, TEXT_MAX_CHARS)
}

/// A required piece of text: trimmed, not empty, at most `max_chars` characters, and free of
/// the characters [`TextKind::LongText`] refuses.
pub fn text(value: &str, field: &str, max_chars: usize) -> ApiResult<String> {
    checked_text(value, field, max_chars, TextKind::LongText)
}

fn checked_text(value: &str, field: &str, max_chars: usize, kind: TextKind) -> ApiResult<String> {
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
    if let Some(message) = disallowed_char(value, kind, field) {
        return Err(ApiError::bad_input(field, message));
    }
    Ok(value.to_owned())
}

/// A code other records and files name a thing by (an area's GSS code, an indicator's code):
/// trimmed, stored in upper case (lower case is raised rather than refused, so the code one user
/// types finds the thing another created), at most `max_chars`, and each character one that
/// `allowed` accepts at its position; `rule` says which, for the message.
pub fn code(
    value: &str,
    field: &str,
    max_chars: usize,
    allowed: fn(usize, char) -> bool,
    rule: &str,
) -> ApiResult<String> {
    let value = text(value, field, max_chars)?.to_ascii_uppercase();
    if value.chars().enumerate().all(|(at, c)| allowed(at, c)) {
        Ok(value)
    } else {
        Err(ApiError::bad_input(field, format!("{field} must {rule}")))
    }
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
    fn names_hold_one_plain_line_and_long_text_its_paragraphs() {
        for bad in [
            "Nul\0",
            "Bell\u{7}",
            "Tab\there",
            "Two\nlines",
            "\u{202E}evil",
            "a\u{2066}b",
        ] {
            assert!(name(bad, "input.name").is_err(), "{bad:?}");
        }
        assert!(name("Zoë O'Neil – «Ceòl»", "input.name").is_ok());
        assert_eq!(
            long_text("Week 1:\tnervous\r\nWeek 6:\tsettled", "input.body").unwrap(),
            "Week 1:\tnervous\r\nWeek 6:\tsettled"
        );
        assert!(long_text("right-to-left \u{2067}text\u{2069}", "input.body").is_ok());
        for bad in ["Nul\0", "Esc\u{1b}[31m", "C1\u{85}x", "Del\u{7f}"] {
            let err = long_text(bad, "input.body").unwrap_err();
            assert!(
                err.to_string().contains("control character U+"),
                "{bad:?}: {err}"
            );
        }
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
