//! Disclosure control (DESIGN §6.4): which cells of a result may show their numbers, so that no
//! child can be picked out of an aggregate, alone or by differencing it against the other cells
//! and totals of the same response.
//!
//! - **Primary:** a cell about fewer than `SUPPRESSION_THRESHOLD` young people is suppressed, and
//!   so is one in which a few (but not none) are young people whose rows the caller cannot read:
//!   a commissioner who reads the shared rows would otherwise subtract them from the cell and
//!   be left with the few others' values.
//! - **Secondary:** within each group (the cells that differ in one dimension only, so together
//!   they make up the total over that dimension), a lone suppressed cell takes the next smallest
//!   cell with it. Then the total minus the shown cells is the sum of two or more cells, never
//!   one. The next smallest is counted in young people the caller cannot read, since rows the
//!   caller reads hide nothing.
//! - **Exempt:** admins, and a provider whose result is only about its own young people.
//! - **Rounding:** optionally (`ROUND_COUNTS_TO`), counts shown to non-exempt callers are rounded
//!   to the nearest multiple.

use std::collections::HashMap;

use super::aggregate::Key;
use crate::{
    access::{auth::Actor, policy},
    platform::config::Disclosure,
};

/// How one response is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    threshold: i64,
    round_counts_to: Option<i64>,
    exempt: bool,
}

impl Rule {
    pub fn new(settings: Disclosure, exempt: bool) -> Self {
        Self {
            threshold: i64::from(settings.suppression_threshold),
            round_counts_to: settings.round_counts_to.map(i64::from),
            exempt,
        }
    }

    /// Whether a mean or percentage over `base` enrolments may be shown.
    pub fn shows_mean_of(&self, base: i64) -> bool {
        self.exempt || base >= self.threshold
    }

    /// A count as it may be shown.
    pub fn count(&self, n: i64) -> i32 {
        let shown = match self.round_counts_to {
            Some(step) if !self.exempt && step > 1 => (n + step / 2) / step * step,
            _ => n,
        };
        i32::try_from(shown).unwrap_or(i32::MAX)
    }

    /// Primary suppression of a cell about `participants` young people, `hidden` of whom the
    /// caller cannot read. A cell with no young people at all is shown: a zero picks nobody out, and on a map of
    /// services a zero is the finding.
    pub fn suppresses(&self, participants: i64, hidden: i64) -> bool {
        !self.exempt
            && participants > 0
            && (participants < self.threshold || (hidden > 0 && hidden < self.threshold))
    }
}

/// The rule for a response about young people `hidden` of whom the caller cannot read: exact
/// for admins, and for a provider when every one of them is its own (§6.4).
pub fn rule_for(settings: Disclosure, actor: &Actor, hidden: i64) -> Rule {
    Rule::new(settings, policy::sees_every_aggregate(actor, hidden == 0))
}

/// The rule for one response and which of its cells are suppressed: every aggregate the API
/// serves passes through here.
pub fn protect(
    settings: Disclosure,
    actor: &Actor,
    cells: &[Facts<'_>],
    dimensions_from: usize,
) -> (Rule, Vec<bool>) {
    let hidden = cells.iter().map(|cell| cell.hidden).sum();
    let rule = rule_for(settings, actor, hidden);
    let suppressed = suppressed(&rule, cells, dimensions_from);
    (rule, suppressed)
}

/// What disclosure control needs to know of a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    /// The cell's keys. Those before `dimensions_from` partition the result into independent
    /// tables (a trend's bucket and phase); the rest are dimensions whose cells add up to totals.
    pub keys: &'a [Key],
    pub participants: i64,
    pub hidden: i64,
}

/// Which cells are suppressed, in the order given.
pub fn suppressed(rule: &Rule, cells: &[Facts<'_>], dimensions_from: usize) -> Vec<bool> {
    let mut suppressed: Vec<bool> = cells
        .iter()
        .map(|cell| rule.suppresses(cell.participants, cell.hidden))
        .collect();
    if rule.exempt {
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
                    .filter(|&i| !suppressed[i] && cells[i].participants > 0)
                    .min_by_key(|&i| {
                        (
                            cells[i].hidden == 0,
                            cells[i].hidden,
                            cells[i].participants,
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

    fn rule(exempt: bool) -> Rule {
        Rule::new(
            Disclosure {
                suppression_threshold: 5,
                round_counts_to: None,
            },
            exempt,
        )
    }

    fn cell(keys: &[Key], participants: i64) -> Facts<'_> {
        Facts {
            keys,
            participants,
            hidden: participants,
        }
    }

    fn text(value: &str) -> Key {
        Key::Text(value.to_owned())
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
    fn a_few_unreadable_young_people_suppress_a_large_cell() {
        let keys = [text("a")];
        let few_hidden = Facts {
            keys: &keys,
            participants: 30,
            hidden: 2,
        };
        assert_eq!(
            suppressed(&rule(false), std::slice::from_ref(&few_hidden), 0),
            [true]
        );
        let all_readable = Facts {
            hidden: 0,
            ..few_hidden
        };
        assert_eq!(suppressed(&rule(false), &[all_readable], 0), [false]);
    }

    #[test]
    fn the_next_smallest_is_counted_in_young_people_the_caller_cannot_read() {
        let keys = [[text("a")], [text("b")], [text("c")]];
        let cells = [
            cell(&keys[0], 3),
            // Every row readable by the caller: suppressing it would protect nothing.
            Facts {
                keys: &keys[1],
                participants: 6,
                hidden: 0,
            },
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
    fn counts_are_rounded_only_for_callers_who_are_not_exempt() {
        let settings = Disclosure {
            suppression_threshold: 5,
            round_counts_to: Some(5),
        };
        assert_eq!(Rule::new(settings, false).count(17), 15);
        assert_eq!(Rule::new(settings, false).count(18), 20);
        assert_eq!(Rule::new(settings, true).count(17), 17);
    }
}
