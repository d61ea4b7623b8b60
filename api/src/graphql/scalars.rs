//! Scalars with the names the contract uses (DESIGN §3): `Date` is a calendar day, YYYY-MM-DD,
//! from 1900-01-01 to 2199-12-31 ([`validation::EARLIEST_DATE`], [`validation::LATEST_DATE`]):
//! a date outside that range is refused, never stored, so every date the API prints it also
//! accepts.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

use crate::platform::validation;

/// A calendar date, `YYYY-MM-DD`, from 1900-01-01 to 2199-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        validation::parse_date(text)
            .map(Date)
            .map_err(InputValueError::custom)
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}
