//! Prometheus metrics in the text exposition format (version 0.0.4), written by hand: three
//! counters and one histogram do not need a metrics library.
//!
//! Labels carry GraphQL operation names and error codes, nothing else; no metric may ever hold
//! anything about a child. Operation names are chosen by clients, so their number is capped (the
//! rest are counted as `other`) and a hostile client cannot grow this memory or a scrape without
//! bound.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Mutex, PoisonError},
    time::Duration,
};

/// Upper bounds (seconds) of the latency buckets: from a cached lookup to the default timeout.
const DURATION_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Distinct operation labels kept before new names count as `other`. Real clients use a few
/// dozen named operations.
const MAX_OPERATIONS: usize = 100;

/// Distinct error-code labels kept; the API has fewer than a dozen codes.
const MAX_ERROR_CODES: usize = 20;

/// The label that stands for every value past a cap.
const OTHER: &str = "other";

/// The label of an operation without a name.
pub const ANONYMOUS: &str = "anonymous";

/// The label of a request whose operation is not known: refused before its document was read,
/// or a document that does not parse or lacks the operation asked for.
pub const UNKNOWN: &str = "unknown";

/// Operation names longer than this are labelled `other`.
const MAX_LABEL_CHARS: usize = 100;

/// The counters of the running process; one per application, shared by all workers.
#[derive(Default)]
pub struct Metrics(Mutex<Families>);

#[derive(Default)]
struct Families {
    operations: BTreeMap<String, OperationStats>,
    errors: BTreeMap<String, u64>,
    panics: u64,
}

#[derive(Default)]
struct OperationStats {
    requests: u64,
    /// Cumulative: `buckets[i]` counts the requests that took at most `DURATION_BUCKETS[i]`.
    buckets: [u64; DURATION_BUCKETS.len()],
    seconds: f64,
}

/// How many database connections are open and how many of them are idle.
#[derive(Debug, Clone, Copy)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Metrics {
    /// Counts one `/graphql` request: its operation, how long it took and the codes of its errors.
    pub fn observe_graphql(&self, operation: &str, duration: Duration, error_codes: &[String]) {
        // A panic elsewhere while holding the lock leaves counters that are still valid numbers.
        let mut families = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let operation = bounded(
            &families.operations,
            operation_label(operation),
            MAX_OPERATIONS,
        );
        let stats = families.operations.entry(operation.to_owned()).or_default();
        let seconds = duration.as_secs_f64();
        stats.requests += 1;
        stats.seconds += seconds;
        for (count, bound) in stats.buckets.iter_mut().zip(DURATION_BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        for code in error_codes {
            let code = bounded(&families.errors, code, MAX_ERROR_CODES).to_owned();
            *families.errors.entry(code).or_default() += 1;
        }
    }

    /// Counts one request whose handling panicked (answered INTERNAL all the same).
    pub fn observe_panic(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).panics += 1;
    }

    /// The exposition text: the counters so far, the pool as it is now, and the build.
    pub fn render(&self, pool: Option<PoolUsage>) -> String {
        let families = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = write_families(&mut out, &families, pool);
        out
    }
}

/// How an operation name appears in logs and metrics: itself, or `other` when it is too long to
/// be a name anyone chose for readability.
pub fn operation_label(name: &str) -> &str {
    if name.chars().count() > MAX_LABEL_CHARS {
        OTHER
    } else {
        name
    }
}

/// `label` if it is already counted or there is room for it, else `other`.
fn bounded<'a, V>(counted: &BTreeMap<String, V>, label: &'a str, cap: usize) -> &'a str {
    if counted.contains_key(label) || counted.len() < cap {
        label
    } else {
        OTHER
    }
}

fn write_families(
    out: &mut String,
    families: &Families,
    pool: Option<PoolUsage>,
) -> std::fmt::Result {
    header(
        out,
        "outcomes_graphql_requests_total",
        "counter",
        "GraphQL requests by operation name (`anonymous`: no name; `unknown`: not read).",
    )?;
    for (operation, stats) in &families.operations {
        let operation = escape(operation);
        writeln!(
            out,
            "outcomes_graphql_requests_total{{operation=\"{operation}\"}} {}",
            stats.requests
        )?;
    }

    let duration = "outcomes_graphql_request_duration_seconds";
    header(
        out,
        duration,
        "histogram",
        "Time from request to response of GraphQL requests, by operation name.",
    )?;
    for (operation, stats) in &families.operations {
        let operation = escape(operation);
        for (bound, count) in DURATION_BUCKETS.iter().zip(stats.buckets) {
            writeln!(
                out,
                "{duration}_bucket{{operation=\"{operation}\",le=\"{bound}\"}} {count}"
            )?;
        }
        writeln!(
            out,
            "{duration}_bucket{{operation=\"{operation}\",le=\"+Inf\"}} {}",
            stats.requests
        )?;
        writeln!(
            out,
            "{duration}_sum{{operation=\"{operation}\"}} {}",
            stats.seconds
        )?;
        writeln!(
            out,
            "{duration}_count{{operation=\"{operation}\"}} {}",
            stats.requests
        )?;
    }

    header(
        out,
        "outcomes_graphql_errors_total",
        "counter",
        "Errors returned to GraphQL clients, by extensions.code.",
    )?;
    for (code, count) in &families.errors {
        writeln!(
            out,
            "outcomes_graphql_errors_total{{code=\"{}\"}} {count}",
            escape(code)
        )?;
    }

    header(
        out,
        "outcomes_panics_total",
        "counter",
        "Requests whose handling panicked: a bug. Each was answered INTERNAL with a \
         correlationId, under which the log holds the panic's message.",
    )?;
    writeln!(out, "outcomes_panics_total {}", families.panics)?;

    if let Some(pool) = pool {
        header(
            out,
            "outcomes_db_connections",
            "gauge",
            "Open database connections, by whether a request is using them.",
        )?;
        let in_use = pool.open.saturating_sub(pool.idle);
        writeln!(out, "outcomes_db_connections{{state=\"in_use\"}} {in_use}")?;
        writeln!(
            out,
            "outcomes_db_connections{{state=\"idle\"}} {}",
            pool.idle
        )?;
        header(
            out,
            "outcomes_db_connections_max",
            "gauge",
            "The most database connections the pool may open (DATABASE_MAX_CONNECTIONS).",
        )?;
        writeln!(out, "outcomes_db_connections_max {}", pool.max)?;
    }

    header(
        out,
        "outcomes_build_info",
        "gauge",
        "The running build; always 1.",
    )?;
    writeln!(
        out,
        "outcomes_build_info{{version=\"{}\"}} 1",
        escape(env!("CARGO_PKG_VERSION"))
    )
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} {kind}")
}

/// Escapes a label value as the exposition format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
    }

    #[test]
    fn requests_fill_the_cumulative_histogram_of_their_operation() {
        let metrics = Metrics::default();
        metrics.observe_graphql("Areas", Duration::from_millis(3), &[]);
        metrics.observe_graphql("Areas", Duration::from_millis(300), &["FORBIDDEN".into()]);
        metrics.observe_graphql("Areas", Duration::from_secs(60), &[]);
        let text = metrics.render(None);
        let series = |suffix: &str| {
            line(
                &text,
                &format!("outcomes_graphql_request_duration_seconds{suffix}"),
            )
        };
        assert_eq!(
            line(
                &text,
                "outcomes_graphql_requests_total{operation=\"Areas\"}"
            ),
            Some("3")
        );
        assert_eq!(
            series("_bucket{operation=\"Areas\",le=\"0.005\"}"),
            Some("1")
        );
        assert_eq!(
            series("_bucket{operation=\"Areas\",le=\"0.25\"}"),
            Some("1")
        );
        assert_eq!(series("_bucket{operation=\"Areas\",le=\"0.5\"}"), Some("2"));
        assert_eq!(series("_bucket{operation=\"Areas\",le=\"10\"}"), Some("2"));
        assert_eq!(
            series("_bucket{operation=\"Areas\",le=\"+Inf\"}"),
            Some("3")
        );
        assert_eq!(series("_count{operation=\"Areas\"}"), Some("3"));
        assert_eq!(
            line(&text, "outcomes_graphql_errors_total{code=\"FORBIDDEN\"}"),
            Some("1")
        );
        assert!(line(&text, "outcomes_build_info{version=\"0.1.0\"}").is_some());
        assert!(
            !text.contains("outcomes_db_connections"),
            "no pool, no gauge"
        );
    }

    #[test]
    fn client_chosen_operation_names_cannot_grow_the_labels_without_bound() {
        let metrics = Metrics::default();
        for n in 0..MAX_OPERATIONS + 50 {
            metrics.observe_graphql(&format!("Op{n}"), Duration::ZERO, &[]);
        }
        metrics.observe_graphql("Op0", Duration::ZERO, &[]);
        metrics.observe_graphql(&"Long".repeat(30), Duration::ZERO, &[]);
        let text = metrics.render(None);
        let labels = text
            .lines()
            .filter(|line| line.starts_with("outcomes_graphql_requests_total{"))
            .count();
        assert_eq!(labels, MAX_OPERATIONS + 1, "the cap, plus `other`");
        assert_eq!(
            line(&text, "outcomes_graphql_requests_total{operation=\"Op0\"}"),
            Some("2"),
            "names counted before the cap keep counting"
        );
        assert_eq!(
            line(
                &text,
                "outcomes_graphql_requests_total{operation=\"other\"}"
            ),
            Some("51")
        );
    }

    #[test]
    fn label_values_are_escaped_and_pool_usage_is_split() {
        let metrics = Metrics::default();
        metrics.observe_graphql("a\"b\\c\nd", Duration::ZERO, &[]);
        let text = metrics.render(Some(PoolUsage {
            open: 4,
            idle: 1,
            max: 10,
        }));
        assert!(text.contains("{operation=\"a\\\"b\\\\c\\nd\"} 1"), "{text}");
        assert_eq!(
            line(&text, "outcomes_db_connections{state=\"in_use\"}"),
            Some("3")
        );
        assert_eq!(
            line(&text, "outcomes_db_connections{state=\"idle\"}"),
            Some("1")
        );
        assert_eq!(line(&text, "outcomes_db_connections_max"), Some("10"));
    }

    #[test]
    fn panics_are_counted_from_zero() {
        let metrics = Metrics::default();
        assert_eq!(
            line(&metrics.render(None), "outcomes_panics_total"),
            Some("0")
        );
        metrics.observe_panic();
        metrics.observe_panic();
        assert_eq!(
            line(&metrics.render(None), "outcomes_panics_total"),
            Some("2")
        );
    }
}
