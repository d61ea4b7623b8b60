//! The young people's outcome values: a fixed pseudo-random sequence, so every load is the same.
//! Values follow each indicator's scale in the migration's default library.

use entity::enums::{OutcomeSource, Sex};

use crate::seed::rng::Rng;

/// The demo's stream of the seed generator's sequence (the year of the practitioners' event).
const DEMO_STREAM: u64 = 2006;

/// A number in [0, 1) fixed by `parts`: each part forks its own sub-stream, so one young
/// person's draws never depend on another's.
fn unit(parts: &[u64]) -> f64 {
    let mut rng = parts
        .iter()
        .fold(Rng::new(DEMO_STREAM), |rng, part| rng.fork(*part));
    rng.unit()
}

/// A stable number for a name (FNV-1a), to fork a stream per indicator.
fn stream(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One young person of one service: where they start and how far they travel.
#[derive(Clone, Copy)]
pub(super) struct YoungPerson {
    service: u64,
    index: usize,
    /// Their eventual change as a share of a typical full change: mostly forward, a few back.
    trajectory: f64,
}

impl YoungPerson {
    pub(super) fn new(service: u64, index: usize, lift: f64) -> Self {
        let trajectory = lift * (1.25 * unit(&[service, index as u64]) - 0.15);
        Self {
            service,
            index,
            trajectory,
        }
    }

    pub(super) fn draw(&self, indicator: &str, salt: u64) -> f64 {
        unit(&[self.service, self.index as u64, stream(indicator), salt])
    }

    /// Their value on `indicator` once `progress` of their change has happened (0 = baseline),
    /// on the indicator's scale (see the migration's default indicators).
    pub(super) fn value(&self, indicator: &str, progress: f64) -> f64 {
        let start = self.draw(indicator, 0);
        // Measurements wobble around the trend, except the baseline that defines it.
        let noise = if progress > 0.0 {
            self.draw(indicator, (progress * 100.0) as u64 + 1) - 0.5
        } else {
            0.0
        };
        let travelled = self.trajectory * progress;
        match indicator {
            "ATTENDANCE_PCT" => {
                let value = 55.0 + 25.0 * start + 22.0 * travelled + 6.0 * noise;
                (value.clamp(0.0, 100.0) * 10.0).round() / 10.0
            }
            "EXCLUSION_DAYS" => {
                let baseline = (2.0 + 10.0 * start).round();
                (baseline * (1.0 - 0.85 * travelled).max(0.0) + 2.0 * noise)
                    .round()
                    .max(0.0)
            }
            "REINTEGRATED_MAINSTREAM" => f64::from(u8::from(travelled >= 0.5)),
            "POSITIVE_DESTINATION" => f64::from(u8::from(travelled >= 0.4)),
            // The soft outcomes: 1–10 scales.
            _ => (2.0 + 3.0 * start + 4.5 * travelled + 1.5 * noise)
                .round()
                .clamp(1.0, 10.0),
        }
    }

    pub(super) fn sex(&self) -> Option<Sex> {
        match self.draw("sex", 0) {
            u if u < 0.46 => Some(Sex::Female),
            u if u < 0.92 => Some(Sex::Male),
            u if u < 0.94 => Some(Sex::Other),
            u if u < 0.97 => Some(Sex::NotRecorded),
            _ => None,
        }
    }
}

/// Who reports each indicator.
pub(super) fn source(indicator: &str) -> OutcomeSource {
    match indicator {
        "ATTENDANCE_PCT" | "EXCLUSION_DAYS" | "REINTEGRATED_MAINSTREAM" => OutcomeSource::School,
        "POSITIVE_DESTINATION" => OutcomeSource::Provider,
        _ => OutcomeSource::SelfReport,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_fixed_and_in_range() {
        assert_eq!(unit(&[1, 2, 3]), unit(&[1, 2, 3]));
        assert_ne!(unit(&[1, 2, 3]), unit(&[1, 2, 4]));
        for service in 0..5 {
            for index in 0..60 {
                let young = YoungPerson::new(service, index, 1.15);
                for progress in [0.0, 0.35, 0.7, 1.0, 1.05] {
                    let attendance = young.value("ATTENDANCE_PCT", progress);
                    assert!((0.0..=100.0).contains(&attendance));
                    let score = young.value("CONFIDENCE", progress);
                    assert!((1.0..=10.0).contains(&score) && score.fract() == 0.0);
                    let days = young.value("EXCLUSION_DAYS", progress);
                    assert!(days >= 0.0 && days.fract() == 0.0);
                    assert!([0.0, 1.0].contains(&young.value("POSITIVE_DESTINATION", progress)));
                }
                assert_eq!(young.value("REINTEGRATED_MAINSTREAM", 0.0), 0.0);
            }
        }
    }
}
