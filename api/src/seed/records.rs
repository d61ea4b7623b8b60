//! Outcome records, generated one enrolment at a time so that a million of them stream into the
//! database without being held in memory together.
//!
//! Each enrolment is reviewed on a schedule: a BASELINE soon after it starts, an INTERIM every
//! few months while it lasts, an EXIT when it ends and sometimes a FOLLOW_UP three months later.
//! Every indicator of the intervention is measured at each review. Values follow realistic
//! paths: soft scores start low and mostly improve, with noise; attendance starts patchy and
//! mostly rises; exclusions are rare and become rarer; reintegration and positive destinations
//! happen at the end, for some. Every value fits its indicator's unit and scale, and every record
//! falls in the period of the submission that carries it.

use chrono::{NaiveDate, TimeDelta};
use entity::{
    enums::{ExitReason, OutcomePhase, OutcomeSource},
    outcome_record,
};

use super::{
    rng::Rng,
    world::{Delivery, Journey, MeasureKind, at, days},
};

/// The reviews of one enrolment: phase and day, in date order per phase.
fn schedule(
    rng: &mut Rng,
    journey: &Journey,
    delivery: &Delivery,
) -> Vec<(OutcomePhase, NaiveDate)> {
    let last = journey
        .ended_on
        .unwrap_or(delivery.window_end)
        .min(delivery.window_end);
    let baseline = days(journey.started_on, rng.between(0, 10)).min(last);
    let mut reviews = vec![(OutcomePhase::Baseline, baseline)];
    let mut next = days(baseline, delivery.interval_days + rng.between(0, 7));
    while next < last {
        reviews.push((OutcomePhase::Interim, next));
        next = days(next, delivery.interval_days + rng.between(0, 7));
    }
    if let Some(ended) = journey
        .ended_on
        .filter(|ended| *ended <= delivery.window_end)
    {
        reviews.push((OutcomePhase::Exit, ended));
        let follow_up = days(ended, rng.between(84, 100));
        if follow_up <= delivery.window_end && rng.chance(0.45) {
            reviews.push((OutcomePhase::FollowUp, follow_up));
        }
    }
    reviews
}

/// Rounds to one decimal place, as a worker would write a percentage.
fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The values of one indicator at each review, on its scale.
fn path(
    rng: &mut Rng,
    kind: MeasureKind,
    journey: &Journey,
    reviews: &[(OutcomePhase, NaiveDate)],
    alternative_education: bool,
) -> Vec<f64> {
    let struggling = journey.exit_reason == Some(ExitReason::Disengaged);
    let steps = 0..reviews.len();
    match kind {
        MeasureKind::Score { min, max } => {
            let baseline = rng.normal(4.4, 1.6).round().clamp(min, max - 1.0);
            let gain = if struggling {
                rng.normal(0.0, 0.25)
            } else {
                rng.normal(0.45, 0.35)
            };
            steps
                .map(|step| match step {
                    0 => baseline,
                    _ => (baseline + gain * step as f64 + rng.normal(0.0, 0.7))
                        .round()
                        .clamp(min, max),
                })
                .collect()
        }
        MeasureKind::Percent => {
            let baseline = tenths(rng.normal(68.0, 16.0).clamp(5.0, 99.0));
            let gain = if struggling {
                rng.normal(-1.5, 2.5)
            } else {
                rng.normal(2.5, 2.5)
            };
            steps
                .map(|step| match step {
                    0 => baseline,
                    _ => tenths(
                        (baseline + gain * step as f64 + rng.normal(0.0, 4.0)).clamp(0.0, 100.0),
                    ),
                })
                .collect()
        }
        MeasureKind::Days => {
            let prone = rng.chance(if alternative_education { 0.45 } else { 0.2 });
            steps
                .map(|step| {
                    let fading = 0.5 * 0.8f64.powi(i32::try_from(step).unwrap_or(i32::MAX));
                    let days = match step {
                        0 if prone => rng.between(1, 10),
                        _ if prone && rng.chance(fading) => rng.between(1, 5),
                        _ if rng.chance(0.03) => rng.between(1, 3),
                        _ => 0,
                    };
                    days as f64
                })
                .collect()
        }
        MeasureKind::Reintegration => {
            let exit = reviews
                .iter()
                .position(|(phase, _)| *phase == OutcomePhase::Exit);
            let back_from = match journey.exit_reason {
                // Some are back part-time at their last interim review already.
                Some(ExitReason::ReintegratedMainstream) => exit.map(|exit| {
                    if exit > 1 && rng.chance(0.4) {
                        exit - 1
                    } else {
                        exit
                    }
                }),
                _ if rng.chance(0.05) => reviews.len().checked_sub(1).filter(|&last| last > 0),
                _ => None,
            };
            steps
                .map(|step| f64::from(back_from.is_some_and(|from| step >= from)))
                .collect()
        }
        MeasureKind::Destination => {
            let likely = match journey.exit_reason {
                Some(ExitReason::Completed | ExitReason::ReintegratedMainstream) => 0.72,
                _ => 0.3,
            };
            let achieved = rng.chance(likely);
            reviews
                .iter()
                .map(|(phase, _)| {
                    let ending = matches!(phase, OutcomePhase::Exit | OutcomePhase::FollowUp);
                    f64::from(ending && achieved)
                })
                .collect()
        }
    }
}

/// Appends the outcome records of one enrolment to `out`.
pub fn for_journey(
    rng: &mut Rng,
    journey: &Journey,
    delivery: &Delivery,
    out: &mut Vec<outcome_record::Model>,
) {
    let reviews = schedule(rng, journey, delivery);
    let alternative_education =
        delivery.category == entity::enums::InterventionCategory::AlternativeEducation;
    let family_support = delivery.category == entity::enums::InterventionCategory::FamilySupport;
    for measure in &delivery.measures {
        let values = path(rng, measure.kind, journey, &reviews, alternative_education);
        let source = if measure.from_school {
            OutcomeSource::School
        } else if matches!(measure.kind, MeasureKind::Score { .. }) {
            let parent_share = if family_support { 0.3 } else { 0.1 };
            [
                OutcomeSource::SelfReport,
                OutcomeSource::Provider,
                OutcomeSource::ParentCarer,
            ][rng.weighted(&[0.65, 0.25, parent_share])]
        } else {
            OutcomeSource::Provider
        };
        for (&(phase, observed_on), value) in reviews.iter().zip(values) {
            let Some(submission_id) = delivery.submission_on(observed_on) else {
                continue;
            };
            let entered = at(observed_on, 16) + TimeDelta::days(rng.between(1, 10));
            out.push(outcome_record::Model {
                id: rng.id_at(entered),
                submission_id,
                enrolment_id: journey.enrolment_id,
                indicator_id: measure.indicator_id,
                value,
                observed_on,
                phase,
                source,
                recorded_by: delivery.recorder,
                created_at: entered,
                updated_at: entered,
                version: 1,
            });
        }
    }
}
