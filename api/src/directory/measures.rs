//! What a number means on an indicator's scale (DESIGN §3.7): the range checks that targets now
//! and outcome records later share, so a value one module accepts another never refuses.
//!
//! Pure functions only: no database, no access rules. Each failure is BAD_USER_INPUT naming the
//! input field, and its message names the indicator and the range the value must lie in.

use entity::{enums::IndicatorUnit, indicator};

use crate::platform::error::{ApiError, ApiResult};

/// The closed range a value on this indicator's own scale may take; `None` bounds are open.
/// PERCENT is 0–100, BOOLEAN 0–1, SCORE its `scale_min..scale_max`, COUNT and DAYS from 0 up.
fn range(indicator: &indicator::Model) -> (Option<f64>, Option<f64>) {
    match indicator.unit {
        IndicatorUnit::Percent => (Some(0.0), Some(100.0)),
        IndicatorUnit::Boolean => (Some(0.0), Some(1.0)),
        IndicatorUnit::Score => (indicator.scale_min, indicator.scale_max),
        IndicatorUnit::Count | IndicatorUnit::Days => (Some(0.0), None),
    }
}

fn finite(value: f64, field: &str) -> ApiResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ApiError::bad_input(
            field,
            format!("{field} must be a finite number"),
        ))
    }
}

fn describe(lower: Option<f64>, upper: Option<f64>) -> String {
    match (lower, upper) {
        (Some(lower), Some(upper)) => format!("between {lower} and {upper}"),
        (Some(lower), None) => format!("at least {lower}"),
        (None, Some(upper)) => format!("at most {upper}"),
        (None, None) => "a number".to_owned(),
    }
}

fn within(
    value: f64,
    (lower, upper): (Option<f64>, Option<f64>),
    field: &str,
    what: &str,
) -> ApiResult<f64> {
    let value = finite(value, field)?;
    let below = lower.is_some_and(|lower| value < lower);
    let above = upper.is_some_and(|upper| value > upper);
    if below || above {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must be {} {what}", describe(lower, upper)),
        ));
    }
    Ok(value)
}

/// A value on the indicator's own scale: one observation, or a mean of observations. BOOLEAN
/// values must be exactly 0 or 1 (a mean of yes/no answers is a percentage, not a BOOLEAN value).
pub fn value_fits_indicator(
    indicator: &indicator::Model,
    value: f64,
    field: &str,
) -> ApiResult<f64> {
    let what = format!(
        "for {} ({} indicator)",
        indicator.code,
        unit_name(indicator.unit)
    );
    let value = within(value, range(indicator), field, &what)?;
    if indicator.unit == IndicatorUnit::Boolean && value != 0.0 && value != 1.0 {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must be 0 (no) or 1 (yes) {what}"),
        ));
    }
    Ok(value)
}

/// A change between two values on the indicator's scale (latest − baseline): at most the width
/// of a bounded scale either way, any size for COUNT and DAYS (a fall is often the aim there).
pub fn change_fits_indicator(
    indicator: &indicator::Model,
    change: f64,
    field: &str,
) -> ApiResult<f64> {
    let span = match range(indicator) {
        (Some(lower), Some(upper)) => Some(upper - lower),
        _ => None,
    };
    let what = format!(
        "(a change on the scale of {}, {} indicator)",
        indicator.code,
        unit_name(indicator.unit)
    );
    within(change, (span.map(|span| -span), span), field, &what)
}

/// A percentage of participants (for example those who improved): 0 to 100.
pub fn percentage(value: f64, field: &str) -> ApiResult<f64> {
    within(
        value,
        (Some(0.0), Some(100.0)),
        field,
        "(a percentage of participants)",
    )
}

fn unit_name(unit: IndicatorUnit) -> &'static str {
    match unit {
        IndicatorUnit::Percent => "a PERCENT",
        IndicatorUnit::Count => "a COUNT",
        IndicatorUnit::Score => "a SCORE",
        IndicatorUnit::Days => "a DAYS",
        IndicatorUnit::Boolean => "a BOOLEAN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use entity::enums::IndicatorKind;
    use uuid::Uuid;

    fn indicator(unit: IndicatorUnit, scale: Option<(f64, f64)>) -> indicator::Model {
        indicator::Model {
            id: Uuid::now_v7(),
            code: "TEST".into(),
            name: "Test".into(),
            description: String::new(),
            kind: IndicatorKind::Hard,
            unit,
            scale_min: scale.map(|(min, _)| min),
            scale_max: scale.map(|(_, max)| max),
            higher_is_better: true,
            wellbeing: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn fits(indicator: &indicator::Model, value: f64) -> bool {
        value_fits_indicator(indicator, value, "input.value").is_ok()
    }

    #[test]
    fn percentages_lie_between_0_and_100() {
        let percent = indicator(IndicatorUnit::Percent, None);
        assert!(fits(&percent, 0.0) && fits(&percent, 92.5) && fits(&percent, 100.0));
        assert!(!fits(&percent, -0.1) && !fits(&percent, 100.1));
    }

    #[test]
    fn booleans_are_exactly_0_or_1() {
        let boolean = indicator(IndicatorUnit::Boolean, None);
        assert!(fits(&boolean, 0.0) && fits(&boolean, 1.0));
        assert!(!fits(&boolean, 0.5) && !fits(&boolean, 2.0) && !fits(&boolean, -1.0));
    }

    #[test]
    fn scores_lie_on_their_scale() {
        let score = indicator(IndicatorUnit::Score, Some((1.0, 10.0)));
        assert!(fits(&score, 1.0) && fits(&score, 5.5) && fits(&score, 10.0));
        assert!(!fits(&score, 0.0) && !fits(&score, 11.0));
    }

    #[test]
    fn counts_and_days_are_not_negative() {
        for unit in [IndicatorUnit::Count, IndicatorUnit::Days] {
            let measure = indicator(unit, None);
            assert!(fits(&measure, 0.0) && fits(&measure, 365.0));
            assert!(!fits(&measure, -1.0));
        }
    }

    #[test]
    fn changes_are_bounded_by_the_width_of_the_scale() {
        let score = indicator(IndicatorUnit::Score, Some((1.0, 10.0)));
        assert!(change_fits_indicator(&score, -9.0, "input.targetValue").is_ok());
        assert!(change_fits_indicator(&score, 9.5, "input.targetValue").is_err());
        let days = indicator(IndicatorUnit::Days, None);
        assert!(change_fits_indicator(&days, -40.0, "input.targetValue").is_ok());
    }

    #[test]
    fn errors_name_the_field_and_the_range() {
        let percent = indicator(IndicatorUnit::Percent, None);
        match value_fits_indicator(&percent, 120.0, "input.targetValue") {
            Err(ApiError::BadUserInput { field, message }) => {
                assert_eq!(field, "input.targetValue");
                assert!(message.contains("between 0 and 100"), "{message}");
                assert!(message.contains("TEST"), "{message}");
            }
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
        assert!(percentage(f64::NAN, "input.targetValue").is_err());
    }
}
