//! A small metrics registry with Fabric's metric names (`<namespace>_<subsystem>_<name>`),
//! labels and histogram buckets, rendered in the Prometheus text format for `GET /metrics`.
//! Components get their [`Counter`]s, [`Gauge`]s and [`Histogram`]s from one [`Metrics`]
//! that the node shares with the operations endpoint (no process globals). As the Go
//! Prometheus client Fabric uses, a family shows samples only once a series was updated;
//! the process collector (`process_*`) is read from /proc at each render.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a metric is, as Fabric's `metrics.CounterOpts` / `GaugeOpts` describe it.
#[derive(Debug, Clone, Copy)]
pub struct MetricOpts {
    pub namespace: &'static str,
    pub subsystem: &'static str,
    pub name: &'static str,
    pub help: &'static str,
    pub label_names: &'static [&'static str],
}

/// Fabric's `metrics.HistogramOpts`: the options and the bucket bounds (empty means the
/// Prometheus defaults, as in Fabric).
#[derive(Debug, Clone, Copy)]
pub struct HistogramOpts {
    pub opts: MetricOpts,
    pub buckets: &'static [f64],
}

/// The Go Prometheus client's `DefBuckets`, used by a histogram that names none.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl MetricOpts {
    /// Options with no labels and no buckets; fill the rest with struct update syntax.
    pub const fn new(
        namespace: &'static str,
        subsystem: &'static str,
        name: &'static str,
        help: &'static str,
    ) -> Self {
        MetricOpts {
            namespace,
            subsystem,
            name,
            help,
            label_names: &[],
        }
    }

    /// `namespace_subsystem_name`, empty parts left out.
    pub fn full_name(&self) -> String {
        [self.namespace, self.subsystem, self.name]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("_")
    }
}

/// A metric family's type, as `# TYPE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One series' state.
#[derive(Debug, Clone)]
enum Value {
    Scalar(f64),
    /// Cumulative counts per bucket (same order as the family's buckets), sum and count.
    Histogram {
        buckets: Vec<u64>,
        sum: f64,
        count: u64,
    },
}

#[derive(Debug)]
struct Family {
    name: String,
    opts: MetricOpts,
    buckets: &'static [f64],
    kind: Kind,
    values: Mutex<BTreeMap<Vec<String>, Value>>,
}

impl Family {
    fn buckets(&self) -> &'static [f64] {
        if self.buckets.is_empty() {
            DEFAULT_BUCKETS
        } else {
            self.buckets
        }
    }

    fn fresh(&self) -> Value {
        match self.kind {
            Kind::Histogram => Value::Histogram {
                buckets: vec![0; self.buckets().len()],
                sum: 0.0,
                count: 0,
            },
            _ => Value::Scalar(0.0),
        }
    }

    fn update(&self, labels: &[&str], f: impl FnOnce(&mut Value)) {
        if labels.len() != self.opts.label_names.len() {
            tracing::warn!(
                target: "metrics",
                "metric {} takes {} label values, got {}; update dropped",
                self.name,
                self.opts.label_names.len(),
                labels.len()
            );
            return;
        }
        let key = labels.iter().map(|l| l.to_string()).collect();
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = self.fresh();
        f(values.entry(key).or_insert(fresh));
    }

    fn scalar(&self, labels: &[&str], f: impl FnOnce(&mut f64)) {
        self.update(labels, |v| {
            if let Value::Scalar(x) = v {
                f(x)
            }
        });
    }

    fn observe(&self, labels: &[&str], value: f64) {
        let bounds = self.buckets();
        self.update(labels, |v| {
            if let Value::Histogram {
                buckets,
                sum,
                count,
            } = v
            {
                for (n, bound) in buckets.iter_mut().zip(bounds) {
                    if value <= *bound {
                        *n += 1;
                    }
                }
                *sum += value;
                *count += 1;
            }
        });
    }

    fn get(&self, labels: &[&str]) -> Option<Value> {
        let key: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.get(&key).cloned()
    }

    fn render(&self, out: &mut String) {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        if values.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(self.opts.help));
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind.as_str());
        for (labels, value) in values.iter() {
            let pairs: Vec<String> = self
                .opts
                .label_names
                .iter()
                .zip(labels)
                .map(|(n, v)| format!("{n}=\"{}\"", escape_label(v)))
                .collect();
            match value {
                Value::Scalar(x) => sample(out, &self.name, &pairs, *x),
                Value::Histogram {
                    buckets,
                    sum,
                    count,
                } => {
                    let bucket = format!("{}_bucket", self.name);
                    for (n, bound) in buckets.iter().zip(self.buckets()) {
                        let mut with_le = pairs.clone();
                        with_le.push(format!("le=\"{bound}\""));
                        sample(out, &bucket, &with_le, *n as f64);
                    }
                    let mut inf = pairs.clone();
                    inf.push("le=\"+Inf\"".into());
                    sample(out, &bucket, &inf, *count as f64);
                    sample(out, &format!("{}_sum", self.name), &pairs, *sum);
                    sample(out, &format!("{}_count", self.name), &pairs, *count as f64);
                }
            }
        }
    }
}

/// One sample line: `name{pairs} value`.
pub(crate) fn sample(out: &mut String, name: &str, pairs: &[String], value: f64) {
    out.push_str(name);
    if !pairs.is_empty() {
        let _ = write!(out, "{{{}}}", pairs.join(","));
    }
    let _ = writeln!(out, " {}", format_value(value));
}

/// Prometheus' text form of a value (`+Inf`, `NaN`, else the shortest decimal).
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A monotonically increasing metric.
#[derive(Debug, Clone)]
pub struct Counter(Arc<Family>);

impl Counter {
    /// Adds `delta` to the series with these label values (in the order of `label_names`).
    pub fn add(&self, labels: &[&str], delta: f64) {
        self.0.scalar(labels, |v| *v += delta);
    }

    /// The current value of one series, if it was ever updated.
    pub fn value(&self, labels: &[&str]) -> Option<f64> {
        match self.0.get(labels)? {
            Value::Scalar(x) => Some(x),
            Value::Histogram { .. } => None,
        }
    }
}

/// A metric that goes up and down.
#[derive(Debug, Clone)]
pub struct Gauge(Arc<Family>);

impl Gauge {
    pub fn set(&self, labels: &[&str], value: f64) {
        self.0.scalar(labels, |v| *v = value);
    }

    pub fn add(&self, labels: &[&str], delta: f64) {
        self.0.scalar(labels, |v| *v += delta);
    }

    pub fn value(&self, labels: &[&str]) -> Option<f64> {
        match self.0.get(labels)? {
            Value::Scalar(x) => Some(x),
            Value::Histogram { .. } => None,
        }
    }
}

/// A distribution over the family's buckets (seconds, for Fabric's durations).
#[derive(Debug, Clone)]
pub struct Histogram(Arc<Family>);

impl Histogram {
    pub fn observe(&self, labels: &[&str], value: f64) {
        self.0.observe(labels, value);
    }

    /// Observes a duration in seconds, as Fabric's `Observe(time.Since(start).Seconds())`.
    pub fn observe_duration(&self, labels: &[&str], elapsed: Duration) {
        self.0.observe(labels, elapsed.as_secs_f64());
    }

    /// How many observations one series has, if it has any.
    pub fn count(&self, labels: &[&str]) -> Option<u64> {
        match self.0.get(labels)? {
            Value::Histogram { count, .. } => Some(count),
            Value::Scalar(_) => None,
        }
    }
}

/// The registry: every metric of the process, by full name.
#[derive(Debug, Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<String, Arc<Family>>>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        Arc::new(Metrics::default())
    }

    fn family(&self, opts: MetricOpts, buckets: &'static [f64], kind: Kind) -> Arc<Family> {
        let name = opts.full_name();
        let mut families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let family = families
            .entry(name.clone())
            .or_insert_with(|| {
                Arc::new(Family {
                    name,
                    opts,
                    buckets,
                    kind,
                    values: Mutex::new(BTreeMap::new()),
                })
            })
            .clone();
        if family.kind != kind {
            tracing::warn!(
                target: "metrics",
                "metric {} is a {}, asked for as a {}",
                family.name,
                family.kind.as_str(),
                kind.as_str()
            );
        }
        family
    }

    /// The counter with these options (the same one when asked twice).
    pub fn counter(&self, opts: MetricOpts) -> Counter {
        Counter(self.family(opts, &[], Kind::Counter))
    }

    /// The gauge with these options (the same one when asked twice).
    pub fn gauge(&self, opts: MetricOpts) -> Gauge {
        Gauge(self.family(opts, &[], Kind::Gauge))
    }

    /// The histogram with these options (the same one when asked twice).
    pub fn histogram(&self, opts: HistogramOpts) -> Histogram {
        Histogram(self.family(opts.opts, opts.buckets, Kind::Histogram))
    }

    /// Every metric in the Prometheus text exposition format, sorted by name, then the
    /// process collector's `process_*` families.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for family in families.values() {
            family.render(&mut out);
        }
        super::process::render(&mut out);
        out
    }
}

/// `fabric_version{version}`: set to 1 for this build's version when the endpoint starts.
pub const FABRIC_VERSION: MetricOpts = MetricOpts {
    label_names: &["version"],
    ..MetricOpts::new("", "", "fabric_version", "The active version of Fabric.")
};

#[cfg(test)]
mod tests {
    use super::*;

    const HEIGHT: MetricOpts = MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "ledger",
            "",
            "blockchain_height",
            "Height of the chain in blocks.",
        )
    };

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        let g = m.gauge(HEIGHT);
        g.set(&["mychannel"], 3.0);
        g.set(&["other\"ch"], 1.0);
        let c = m.counter(MetricOpts::new(
            "endorser",
            "",
            "proposals_received",
            "The number of proposals received.",
        ));
        c.add(&[], 1.0);
        c.add(&[], 2.0);
        let text = m.render();
        assert!(
            text.contains("# TYPE ledger_blockchain_height gauge\n"),
            "{text}"
        );
        assert!(text.contains("ledger_blockchain_height{channel=\"mychannel\"} 3\n"));
        assert!(text.contains("ledger_blockchain_height{channel=\"other\\\"ch\"} 1\n"));
        assert!(text.contains("endorser_proposals_received 3\n"), "{text}");
        assert!(text.find("endorser_proposals").unwrap() < text.find("ledger_blockchain").unwrap());
    }

    #[test]
    fn same_opts_same_metric_and_wrong_arity_is_dropped() {
        let m = Metrics::new();
        m.gauge(HEIGHT).set(&["a"], 5.0);
        assert_eq!(m.gauge(HEIGHT).value(&["a"]), Some(5.0));
        m.gauge(HEIGHT).set(&["a", "b"], 7.0);
        assert_eq!(m.gauge(HEIGHT).value(&["a"]), Some(5.0));
        assert_eq!(m.gauge(HEIGHT).value(&["a", "b"]), None);
    }

    #[test]
    fn histograms_render_cumulative_buckets_sum_and_count() {
        let m = Metrics::new();
        let h = m.histogram(HistogramOpts {
            opts: MetricOpts {
                label_names: &["channel"],
                ..MetricOpts::new("ledger", "", "block_processing_time", "Time.")
            },
            buckets: &[0.005, 0.01, 0.015, 0.05, 0.1, 1.0, 10.0],
        });
        h.observe(&["ch"], 0.012);
        h.observe(&["ch"], 2.0);
        h.observe(&["ch"], 20.0);
        let text = m.render();
        assert!(text.contains("# TYPE ledger_block_processing_time histogram\n"));
        assert!(
            text.contains("ledger_block_processing_time_bucket{channel=\"ch\",le=\"0.01\"} 0\n")
        );
        assert!(
            text.contains("ledger_block_processing_time_bucket{channel=\"ch\",le=\"0.015\"} 1\n")
        );
        assert!(text.contains("ledger_block_processing_time_bucket{channel=\"ch\",le=\"10\"} 2\n"));
        assert!(
            text.contains("ledger_block_processing_time_bucket{channel=\"ch\",le=\"+Inf\"} 3\n")
        );
        assert!(text.contains("ledger_block_processing_time_sum{channel=\"ch\"} 22.012\n"));
        assert!(text.contains("ledger_block_processing_time_count{channel=\"ch\"} 3\n"));
        assert_eq!(h.count(&["ch"]), Some(3));
        let d = m.histogram(HistogramOpts {
            opts: MetricOpts::new("x", "", "default_buckets", "Time."),
            buckets: &[],
        });
        d.observe_duration(&[], Duration::from_millis(30));
        let text = m.render();
        assert!(
            text.contains("x_default_buckets_bucket{le=\"0.025\"} 0\n"),
            "{text}"
        );
        assert!(text.contains("x_default_buckets_bucket{le=\"0.05\"} 1\n"));
    }

    #[test]
    fn a_family_without_samples_is_not_shown() {
        let m = Metrics::new();
        let _ = m.counter(MetricOpts::new("endorser", "", "proposals_received", "n"));
        assert!(!m.render().contains("endorser_proposals_received"));
    }
}
