//! Disclosure control (DESIGN §6.4; README "How the numbers protect children"): what an
//! aggregate may show, so that no child can be picked out of it, alone or by combining it with
//! other answers. One policy for every aggregate the API serves.
//!
//! - **Per organisation.** What a caller could combine is what its organisation can read: its
//!   users pool what they know. Young people none of the organisation's users may read are
//!   *withheld* from it.
//! - **Never blank for lack of sharing.** Where 1 to threshold − 1 young people of a statistic
//!   are withheld, the statistic is computed without them (and flagged), rather than suppressed:
//!   a commissioner always gets a usable number that reveals nothing beyond the rows it reads.
//! - **Cell-key perturbation** (ONS, Census 2021; ABS TableBuilder). Every young person has a
//!   random record key; a set's key is derived from theirs, and a published table maps (cell key,
//!   count) to a small bounded noise. Means and percentages are computed from sums perturbed in
//!   proportion to the largest single contribution (ABS magnitude perturbation). The same young
//!   people with the same values always get the same noise, whatever query reached them, so
//!   asking again or differently averages nothing away, and differences of two answers do not
//!   cancel the noise.
//! - **Small cells:** a cell about fewer than `SUPPRESSION_THRESHOLD` young people is
//!   suppressed, and a statistic over fewer than that many (its own base: those with a
//!   baseline and a latest value for a change) is null. Within a group of cells that add up to
//!   a total, a lone suppressed cell takes the next smallest with it (secondary suppression),
//!   counted in young people withheld from the caller, since rows it reads hide nothing.
//! - **Exact:** admins, and a provider whose result is only about young people its organisation
//!   knows (its own), see every number unperturbed.

use std::collections::HashMap;

use super::aggregate::{Key, Tally};
use crate::{
    access::{auth::Actor, policy},
    platform::{
        config::Disclosure,
        error::{ApiError, ApiResult},
    },
};

/// The size of the count perturbation table: cell keys are taken modulo this.
pub const CELL_KEYS: i64 = 256;

/// How a response is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every number exact: admins, and a provider looking only at its own young people.
    Exact,
    /// Small cells suppressed, numbers otherwise exact (perturbation switched off).
    SuppressedOnly,
    /// Small cells suppressed, and every number perturbed by the cell-key method.
    CellKey,
}

/// Which statistic a magnitude belongs to: each draws its own noise from the same key, so that
/// two statistics of one cell do not move together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Baseline = 1,
    Latest = 2,
    Change = 3,
    Improved = 4,
    Achieved = 5,
    TrendValue = 6,
    Records = 7,
}

/// A new participant's record key: uniformly random, 31 bits, never exposed.
pub fn new_record_key() -> ApiResult<i32> {
    let bits = getrandom::u32().map_err(|err| {
        tracing::error!(error = %err, "no randomness for a record key");
        ApiError::internal("no randomness for a record key")
    })?;
    Ok((bits >> 1) as i32)
}

/// How one response is protected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    method: Method,
    threshold: i64,
    max_noise: i64,
    /// The magnitude noise's bound, as a share of the largest single contribution.
    magnitude: f64,
}

/// The enrolments a statistic is published over, and whether some withheld ones were left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Base {
    pub tally: Tally,
    pub excludes_unshared: bool,
    /// How many enrolments the statistic has before any are left out.
    pub all: i64,
}

impl Rule {
    pub fn new(settings: Disclosure, exempt: bool) -> Self {
        let perturbs = settings.cell_key_max_noise > 0 || settings.magnitude_noise_percent > 0;
        Self {
            method: match (exempt, perturbs) {
                (true, _) => Method::Exact,
                (false, false) => Method::SuppressedOnly,
                (false, true) => Method::CellKey,
            },
            threshold: i64::from(settings.suppression_threshold),
            max_noise: i64::from(settings.cell_key_max_noise),
            magnitude: f64::from(settings.magnitude_noise_percent) / 100.0,
        }
    }

    pub fn method(&self) -> Method {
        self.method
    }

    pub fn threshold(&self) -> i64 {
        self.threshold
    }

    /// The largest change perturbation makes to a count (0 unless `CellKey`).
    pub fn max_noise(&self) -> i64 {
        if self.method == Method::CellKey {
            self.max_noise
        } else {
            0
        }
    }

    /// The largest change perturbation makes to a sum, as a share of its largest contribution.
    pub fn max_magnitude_noise(&self) -> f64 {
        if self.method == Method::CellKey {
            self.magnitude
        } else {
            0.0
        }
    }

    fn exempt(&self) -> bool {
        self.method == Method::Exact
    }

    /// The enrolments a statistic is published over: all of them, unless 1 to threshold − 1
    /// are withheld from the caller's organisation; then only those it knows, flagged.
    pub fn base(&self, known: &Tally, withheld: &Tally) -> Base {
        let all = known.units + withheld.units;
        let few_withheld = withheld.units > 0 && withheld.units < self.threshold;
        if few_withheld && !self.exempt() {
            Base {
                tally: *known,
                excludes_unshared: true,
                all,
            }
        } else {
            Base {
                tally: known.plus(withheld),
                excludes_unshared: false,
                all,
            }
        }
    }

    /// Primary suppression of a cell whose young people are `base`: when fewer than the
    /// threshold are left to publish. A cell with no young people at all is shown: a zero picks
    /// nobody out, and on a map of services a zero is the finding.
    pub fn suppresses(&self, base: &Base) -> bool {
        !self.exempt() && base.all > 0 && base.tally.units < self.threshold
    }

    /// A count of the `tally`'s enrolments as it may be shown: under `CellKey`, plus the noise
    /// the perturbation table gives its key, never below 1 (a zero stays a zero).
    pub fn count(&self, tally: &Tally) -> i32 {
        self.count_with_key(tally.units, tally.key)
    }

    /// The records of the published `participants` (those of the young people the caller's
    /// organisation knows, `known`, and of the others, `withheld`), counted as they may be shown:
    /// over the same young people as `participants`.
    pub fn records(&self, participants: &Base, known: i64, withheld: i64) -> i32 {
        let records = if participants.excludes_unshared {
            known
        } else {
            known + withheld
        };
        // A key of its own, so that the records' noise is not the participants' noise.
        let key = participants
            .tally
            .key
            .wrapping_add(Statistic::Records as i64 * records);
        self.count_with_key(records, key)
    }

    fn count_with_key(&self, n: i64, key: i64) -> i32 {
        let shown = if n > 0 && self.method == Method::CellKey {
            (n + count_noise(self.max_noise, key)).max(1)
        } else {
            n
        };
        i32::try_from(shown).unwrap_or(i32::MAX)
    }

    /// The mean value of a statistic's base, as it may be shown: null when the base is empty or
    /// smaller than the threshold; under `CellKey`, the sum perturbed by up to `magnitude` of
    /// the largest single contribution, the direction and size drawn from the base's key.
    pub fn mean(&self, base: &Tally, statistic: Statistic) -> Option<f64> {
        if base.units == 0 || (!self.exempt() && base.units < self.threshold) {
            return None;
        }
        let noise = if self.method == Method::CellKey {
            unit_noise(base.key, statistic) * self.magnitude * base.largest
        } else {
            0.0
        };
        Some((base.sum + noise) / base.units as f64)
    }

    /// The percentage of a 0/1 statistic's base that is 1, as it may be shown (see [`Self::mean`]),
    /// within 0–100.
    pub fn percent(&self, base: &Tally, statistic: Statistic) -> Option<f64> {
        self.mean(base, statistic)
            .map(|share| (100.0 * share).clamp(0.0, 100.0))
    }
}

/// The count perturbation table for noise up to `max_noise` = D: cell keys 0–255 are laid out
/// over the noises −D..=D in order, each with a share of the keys proportional to D + 1 − |noise|
/// (for D = 2: −2 for keys 0–28, −1 for 29–85, 0 for 86–170, +1 for 171–227, +2 for 228–255).
pub fn count_noise(max_noise: i64, cell_key: i64) -> i64 {
    let key = cell_key.rem_euclid(CELL_KEYS);
    let total = (max_noise + 1) * (max_noise + 1);
    let mut cumulative = 0;
    for noise in -max_noise..=max_noise {
        cumulative += max_noise + 1 - noise.abs();
        if key * total < cumulative * CELL_KEYS {
            return noise;
        }
    }
    max_noise
}

/// A magnitude's noise for a key: uniform in [−1, 1], and independent between statistics.
pub fn unit_noise(key: i64, statistic: Statistic) -> f64 {
    let bits = mix((key as u64) ^ mix(statistic as u64));
    // The top 53 bits as a fraction of 1, stretched to [−1, 1].
    (bits >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// SplitMix64's finaliser: every bit of the output depends on every bit of the input.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The rule for a response about young people `withheld` of whom the caller's organisation
/// cannot read: exact for admins, and for a provider when it knows every one (§6.4).
pub fn rule_for(settings: Disclosure, actor: &Actor, withheld: i64) -> Rule {
    Rule::new(settings, policy::sees_every_aggregate(actor, withheld == 0))
}

/// A table's protection: the rule for the response, each cell's published participants, and
/// which cells are suppressed. Every table of cells the API serves passes through here.
pub struct Protected {
    pub rule: Rule,
    pub bases: Vec<Base>,
    pub suppressed: Vec<bool>,
}

/// Protects a table whose cells have `keys` and participants `known` and `withheld` from the
/// caller's organisation (see [`Facts`] for `dimensions_from`).
pub fn protect(
    settings: Disclosure,
    actor: &Actor,
    cells: &[(&[Key], Tally, Tally)],
    dimensions_from: usize,
) -> Protected {
    let withheld = cells.iter().map(|(_, _, withheld)| withheld.units).sum();
    let rule = rule_for(settings, actor, withheld);
    let facts: Vec<Facts<'_>> = cells
        .iter()
        .map(|(keys, known, withheld)| Facts::of(&rule, keys, known, withheld))
        .collect();
    Protected {
        suppressed: suppressed(&rule, &facts, dimensions_from),
        bases: facts.into_iter().map(|facts| facts.base).collect(),
        rule,
    }
}

/// What disclosure control needs to know of a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    /// The cell's keys. Those before `dimensions_from` partition the result into independent
    /// tables (a trend's bucket and phase); the rest are dimensions whose cells add up to totals.
    pub keys: &'a [Key],
    /// The young people (enrolments) of the cell, and those its numbers are about.
    pub base: Base,
    /// Of those its numbers are about, the ones withheld from the caller's organisation.
    pub withheld: i64,
}

impl<'a> Facts<'a> {
    /// A cell whose participants are `known` and `withheld` under `rule`.
    pub fn of(rule: &Rule, keys: &'a [Key], known: &Tally, withheld: &Tally) -> Self {
        let base = rule.base(known, withheld);
        Self {
            keys,
            base,
            withheld: if base.excludes_unshared {
                0
            } else {
                withheld.units
            },
        }
    }
}

/// Which cells are suppressed, in the order given.
pub fn suppressed(rule: &Rule, cells: &[Facts<'_>], dimensions_from: usize) -> Vec<bool> {
    let mut suppressed: Vec<bool> = cells
        .iter()
        .map(|cell| rule.suppresses(&cell.base))
        .collect();
    if rule.exempt() {
        return suppressed;
    }
    let width = cells.first().map_or(0, |cell| cell.keys.len());
    // Each pass can only add suppressions, so this stops; with two dimensions a suppression in
    // one direction can leave a lone suppressed cell in the other, hence the loop.
    loop {
        let mut changed = false;
        for varying in dimensions_from..width {
            let mut groups: HashMap<Vec<&Key>, Vec<usize>> = HashMap::new();
            for (index, cell) in cells.iter().enumerate() {
                let fixed = cell
                    .keys
                    .iter()
                    .enumerate()
                    .filter(|(position, _)| *position != varying)
                    .map(|(_, key)| key)
                    .collect();
                groups.entry(fixed).or_default().push(index);
            }
            for members in groups.values() {
                let hidden_so_far = members.iter().filter(|&&i| suppressed[i]).count();
                if hidden_so_far != 1 {
                    continue;
                }
                let next_smallest = members
                    .iter()
                    .copied()
                    // Suppressing an empty cell would protect nothing.
                    .filter(|&i| !suppressed[i] && cells[i].base.tally.units > 0)
                    .min_by_key(|&i| {
                        (
                            cells[i].withheld == 0,
                            cells[i].withheld,
                            cells[i].base.tally.units,
                            i,
                        )
                    });
                if let Some(i) = next_smallest {
                    suppressed[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return suppressed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Disclosure {
        Disclosure {
            suppression_threshold: 5,
            cell_key_max_noise: 2,
            magnitude_noise_percent: 100,
        }
    }

    fn rule(exempt: bool) -> Rule {
        Rule::new(settings(), exempt)
    }

    fn count(units: i64) -> Tally {
        Tally {
            units,
            ..Tally::default()
        }
    }

    /// A cell of young people all withheld from the caller.
    fn cell(keys: &[Key], participants: i64) -> Facts<'_> {
        Facts::of(&rule(false), keys, &Tally::default(), &count(participants))
    }

    /// A cell of young people the caller knows.
    fn known(keys: &[Key], participants: i64) -> Facts<'_> {
        Facts::of(&rule(false), keys, &count(participants), &Tally::default())
    }

    fn text(value: &str) -> Key {
        Key::Text(value.to_owned())
    }

    fn tally(units: i64, sum: f64, key: i64, largest: f64) -> Tally {
        Tally {
            units,
            sum,
            key,
            largest,
        }
    }

    #[test]
    fn a_cell_of_exactly_the_threshold_is_shown_and_one_fewer_is_not() {
        let base = |units: i64| Base {
            tally: count(units),
            excludes_unshared: false,
            all: units,
        };
        assert!(
            !rule(false).suppresses(&base(5)),
            "5 young people, threshold 5"
        );
        assert!(rule(false).suppresses(&base(4)));
        assert!(!rule(false).suppresses(&base(0)), "a zero picks nobody out");
        assert!(!rule(true).suppresses(&base(1)), "exact for admins");
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        let keys = [[text("a")], [text("b")], [text("c")], [text("d")]];
        let cells = [
            cell(&keys[0], 3),
            cell(&keys[1], 40),
            cell(&keys[2], 9),
            cell(&keys[3], 12),
        ];
        assert_eq!(
            suppressed(&rule(false), &cells, 0),
            [true, false, true, false]
        );
        assert_eq!(
            suppressed(&rule(true), &cells, 0),
            [false; 4],
            "exempt callers see everything"
        );
        // Young people the caller knows, so that only size decides which cell goes with it.
        let with_an_empty_cell = [known(&keys[0], 3), known(&keys[1], 0), known(&keys[2], 9)];
        assert_eq!(
            suppressed(&rule(false), &with_an_empty_cell, 0),
            [true, false, true],
            "hiding an empty cell would protect nothing"
        );
    }

    #[test]
    fn two_small_cells_need_no_secondary_suppression() {
        let keys = [[text("a")], [text("b")], [text("c")]];
        let cells = [cell(&keys[0], 3), cell(&keys[1], 2), cell(&keys[2], 30)];
        assert_eq!(suppressed(&rule(false), &cells, 0), [true, true, false]);
    }

    #[test]
    fn in_two_dimensions_rows_and_columns_are_both_protected() {
        // 2×2 table: one small cell forces one more in its row and one in its column, and
        // then the fourth so that no row or column has a lone suppressed cell.
        let keys = [
            [text("x1"), text("y1")],
            [text("x1"), text("y2")],
            [text("x2"), text("y1")],
            [text("x2"), text("y2")],
        ];
        let cells = [
            cell(&keys[0], 2),
            cell(&keys[1], 20),
            cell(&keys[2], 30),
            cell(&keys[3], 40),
        ];
        let result = suppressed(&rule(false), &cells, 0);
        assert_eq!(result, [true; 4]);
    }

    #[test]
    fn the_next_smallest_is_counted_in_young_people_withheld_from_the_caller() {
        let keys = [[text("a")], [text("b")], [text("c")]];
        let cells = [
            cell(&keys[0], 3),
            // Every young person known to the caller: suppressing it would protect nothing.
            Facts::of(&rule(false), &keys[1], &count(6), &Tally::default()),
            cell(&keys[2], 50),
        ];
        assert_eq!(suppressed(&rule(false), &cells, 0), [true, false, true]);
    }

    #[test]
    fn partitions_are_independent_tables() {
        // Keys: (bucket, dimension). Each bucket is its own table.
        let keys = [
            [text("2026-01"), text("a")],
            [text("2026-01"), text("b")],
            [text("2026-02"), text("a")],
            [text("2026-02"), text("b")],
        ];
        let cells = [
            cell(&keys[0], 2),
            cell(&keys[1], 20),
            cell(&keys[2], 30),
            cell(&keys[3], 40),
        ];
        assert_eq!(
            suppressed(&rule(false), &cells, 1),
            [true, true, false, false]
        );
    }

    #[test]
    fn a_few_withheld_young_people_are_left_out_and_many_are_counted() {
        let known = tally(6, 480.0, 11, 95.0);
        let few = tally(4, 200.0, 13, 90.0);
        let base = rule(false).base(&known, &few);
        assert_eq!((base.tally, base.excludes_unshared), (known, true));
        let many = tally(5, 250.0, 13, 90.0);
        let base = rule(false).base(&known, &many);
        assert_eq!(base.tally.units, 11);
        assert!(!base.excludes_unshared);
        let none = Tally::default();
        assert!(!rule(false).base(&known, &none).excludes_unshared);
    }

    #[test]
    fn a_cell_of_a_few_young_people_all_withheld_is_suppressed_not_shown_as_empty() {
        let keys = [text("a")];
        let few = Facts::of(&rule(false), &keys, &Tally::default(), &count(2));
        assert_eq!(few.base.tally.units, 0);
        assert!(rule(false).suppresses(&few.base));
        let left_too_few = Facts::of(&rule(false), &keys, &count(3), &count(2));
        assert!(rule(false).suppresses(&left_too_few.base), "3 left of 5");
        let empty = Facts::of(&rule(false), &keys, &Tally::default(), &Tally::default());
        assert!(!rule(false).suppresses(&empty.base), "a zero is shown");
    }

    #[test]
    fn the_count_table_is_bounded_triangular_and_covers_every_key() {
        let noises: Vec<i64> = (0..CELL_KEYS).map(|key| count_noise(2, key)).collect();
        let share = |noise: i64| noises.iter().filter(|&&n| n == noise).count();
        assert_eq!(
            [share(-2), share(-1), share(0), share(1), share(2)],
            [29, 57, 85, 57, 28]
        );
        assert_eq!(count_noise(2, -1), count_noise(2, 255), "keys wrap");
        assert!((0..CELL_KEYS).all(|key| count_noise(0, key) == 0));
    }

    #[test]
    fn counts_are_perturbed_for_callers_who_are_not_exempt_and_never_below_one() {
        let low_key = tally(1, 0.0, 0, 0.0);
        assert_eq!(rule(false).count(&low_key), 1, "1 − 2 is held at 1");
        assert_eq!(rule(true).count(&low_key), 1);
        let forty = tally(40, 0.0, 240, 0.0);
        assert_eq!(rule(false).count(&forty), 42);
        assert_eq!(rule(true).count(&forty), 40, "exact for exempt callers");
        assert_eq!(
            rule(false).count(&Tally::default()),
            0,
            "a zero stays a zero"
        );
    }

    #[test]
    fn magnitudes_move_by_at_most_their_share_of_the_largest_contribution() {
        for key in 0..2000 {
            let base = tally(10, 700.0, key, 90.0);
            let Some(mean) = rule(false).mean(&base, Statistic::Latest) else {
                panic!("a base of 10 shows");
            };
            assert!((mean * 10.0 - 700.0).abs() <= 90.0 + 1e-9, "{mean}");
            assert_eq!(
                rule(false).mean(&base, Statistic::Latest),
                Some(mean),
                "the same key gives the same noise"
            );
        }
        let base = tally(10, 700.0, 5, 90.0);
        assert_eq!(rule(true).mean(&base, Statistic::Latest), Some(70.0));
        assert_ne!(
            rule(false).mean(&base, Statistic::Latest),
            rule(false).mean(&base, Statistic::Change),
            "statistics draw their own noise"
        );
        assert_eq!(
            rule(false).mean(&tally(4, 10.0, 5, 3.0), Statistic::Latest),
            None
        );
    }

    #[test]
    fn unit_noise_spreads_over_the_whole_interval() {
        let noises: Vec<f64> = (0..10_000)
            .map(|key| unit_noise(key, Statistic::Change))
            .collect();
        assert!(noises.iter().all(|noise| (-1.0..=1.0).contains(noise)));
        let mean = noises.iter().sum::<f64>() / noises.len() as f64;
        assert!(mean.abs() < 0.05, "centred: {mean}");
        assert!(noises.iter().any(|&noise| noise > 0.95));
        assert!(noises.iter().any(|&noise| noise < -0.95));
    }

    /// The same cell must draw the same noise in every release: figures republished with new
    /// noise could be averaged until the noise cancels out. These values pin the hash, the
    /// tables and the arithmetic that turn a key into what a council sees.
    #[test]
    fn published_noise_is_the_same_in_every_release() {
        let pinned = [
            (0, Statistic::Latest, -0.215_567_075_152_936_38),
            (1, Statistic::Change, 0.846_080_294_989_292_7),
            (12_345, Statistic::Achieved, -0.508_185_097_979_803_9),
            (-7, Statistic::Latest, 0.689_050_087_979_804_5),
            (
                i64::from(i32::MAX),
                Statistic::Change,
                -0.907_697_124_730_100_9,
            ),
        ];
        for (key, statistic, noise) in pinned {
            assert!(
                (unit_noise(key, statistic) - noise).abs() < 1e-15,
                "key {key}: {}",
                unit_noise(key, statistic)
            );
        }

        // Where a share of the keys ends exactly on a key, that key starts the next noise.
        let noises = |max_noise| (0..CELL_KEYS).map(move |key| count_noise(max_noise, key));
        let first_of = |max_noise, noise| noises(max_noise).position(|n| n == noise);
        assert_eq!(
            [first_of(1, -1), first_of(1, 0), first_of(1, 1)],
            [Some(0), Some(64), Some(192)]
        );
        assert_eq!(
            first_of(3, 0),
            Some(96),
            "keys 96–159 of 256 draw 0 when D = 3"
        );

        let participants = |key| Base {
            tally: tally(30, 0.0, key, 0.0),
            excludes_unshared: false,
            all: 30,
        };
        assert_eq!(rule(false).records(&participants(100), 30, 0), 29);
        assert_eq!(rule(false).records(&participants(3), 10, 2), 12);

        let forty_percent = Rule::new(
            Disclosure {
                magnitude_noise_percent: 40,
                ..settings()
            },
            false,
        );
        let mean = forty_percent.mean(&tally(10, 700.0, 6, 90.0), Statistic::Latest);
        assert!(
            (mean.unwrap() - 72.685_836_589_137_52).abs() < 1e-12,
            "{mean:?}"
        );
    }

    #[test]
    fn record_keys_are_random_and_never_negative() {
        let keys: Vec<i32> = (0..64).map(|_| new_record_key().unwrap()).collect();
        assert!(keys.iter().all(|key| *key >= 0), "{keys:?}");
        let distinct: std::collections::BTreeSet<&i32> = keys.iter().collect();
        assert!(distinct.len() > 60, "{keys:?}");
    }

    #[test]
    fn the_published_bounds_are_the_configured_ones() {
        let configured = Disclosure {
            cell_key_max_noise: 3,
            magnitude_noise_percent: 40,
            ..settings()
        };
        let published = Rule::new(configured, false);
        assert_eq!(published.max_noise(), 3);
        assert!((published.max_magnitude_noise() - 0.4).abs() < 1e-12);
        let exact = Rule::new(configured, true);
        assert_eq!((exact.max_noise(), exact.max_magnitude_noise()), (0, 0.0));
    }

    #[test]
    fn switching_perturbation_off_leaves_suppression_only() {
        let off = Disclosure {
            cell_key_max_noise: 0,
            magnitude_noise_percent: 0,
            ..settings()
        };
        let rule = Rule::new(off, false);
        assert_eq!(rule.method(), Method::SuppressedOnly);
        assert_eq!(rule.count(&tally(40, 0.0, 240, 0.0)), 40);
        assert!(rule.suppresses(&rule.base(&count(3), &Tally::default())));
    }
}
