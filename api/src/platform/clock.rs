//! What time the service thinks it is. Rules that depend on "today" (a review falling due, a
//! departure not in the future, an analytics `asOf` default) read it here, never from the wall
//! clock, so tests and the demo can set the date and get the same answers on any calendar day.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// The system clock, or the system clock moved to a chosen day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    /// Added to the system time. Time still passes, so timestamps keep their order.
    offset: Duration,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that starts at noon (UTC) on `today`, so a run of under twelve hours stays on
    /// that day wherever in the real day it started.
    pub fn starting_on(today: NaiveDate) -> Self {
        let noon = today.and_time(NaiveTime::MIN) + Duration::hours(12);
        Self {
            offset: noon.and_utc() - Utc::now(),
        }
    }

    /// Whether this clock was moved away from the system clock.
    pub fn is_set(&self) -> bool {
        !self.offset.is_zero()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reports_its_day_and_keeps_time_moving() {
        let day = NaiveDate::from_ymd_opt(2030, 2, 28).unwrap();
        let clock = Clock::starting_on(day);
        assert_eq!(clock.today(), day);
        assert!(clock.is_set());
        let earlier = clock.now();
        assert!(clock.now() >= earlier);
        assert!(!Clock::system().is_set());
    }
}
