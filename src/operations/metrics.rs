//! A small metrics registry with Fabric's metric names (`<namespace>_<subsystem>_<name>`)
//! and labels, rendered in the Prometheus text format for `GET /metrics`. Components get
//! their [`Counter`]s and [`Gauge`]s from one [`Metrics`] that the node shares with the
//! operations endpoint (no process globals).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// What a metric is, as Fabric's `metrics.CounterOpts` / `GaugeOpts` describe it.
#[derive(Debug, Clone, Copy)]
pub struct MetricOpts {
    pub namespace: &'static str,
    pub subsystem: &'static str,
    pub name: &'static str,
    pub help: &'static str,
    pub label_names: &'static [&'static str],
}

impl MetricOpts {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

#[derive(Debug)]
struct Family {
    name: String,
    opts: MetricOpts,
    kind: Kind,
    values: Mutex<BTreeMap<Vec<String>, f64>>,
}

impl Family {
    fn update(&self, labels: &[&str], f: impl FnOnce(&mut f64)) {
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
        f(values.entry(key).or_insert(0.0));
    }

    fn get(&self, labels: &[&str]) -> Option<f64> {
        let key: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.get(&key).copied()
    }

    fn render(&self, out: &mut String) {
        let kind = match self.kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        };
        let _ = writeln!(out, "# HELP {} {}", self.name, self.opts.help);
        let _ = writeln!(out, "# TYPE {} {kind}", self.name);
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        for (labels, value) in values.iter() {
            out.push_str(&self.name);
            if !labels.is_empty() {
                let pairs: Vec<String> = self
                    .opts
                    .label_names
                    .iter()
                    .zip(labels)
                    .map(|(n, v)| format!("{n}=\"{}\"", escape_label(v)))
                    .collect();
                let _ = write!(out, "{{{}}}", pairs.join(","));
            }
            let _ = writeln!(out, " {value}");
        }
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A monotonically increasing metric.
#[derive(Debug, Clone)]
pub struct Counter(Arc<Family>);

impl Counter {
    /// Adds `delta` to the series with these label values (in the order of `label_names`).
    pub fn add(&self, labels: &[&str], delta: f64) {
        self.0.update(labels, |v| *v += delta);
    }

    /// The current value of one series, if it was ever updated.
    pub fn value(&self, labels: &[&str]) -> Option<f64> {
        self.0.get(labels)
    }
}

/// A metric that goes up and down.
#[derive(Debug, Clone)]
pub struct Gauge(Arc<Family>);

impl Gauge {
    pub fn set(&self, labels: &[&str], value: f64) {
        self.0.update(labels, |v| *v = value);
    }

    pub fn add(&self, labels: &[&str], delta: f64) {
        self.0.update(labels, |v| *v += delta);
    }

    pub fn value(&self, labels: &[&str]) -> Option<f64> {
        self.0.get(labels)
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

    fn family(&self, opts: MetricOpts, kind: Kind) -> Arc<Family> {
        let name = opts.full_name();
        let mut families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        families
            .entry(name.clone())
            .or_insert_with(|| {
                Arc::new(Family {
                    name,
                    opts,
                    kind,
                    values: Mutex::new(BTreeMap::new()),
                })
            })
            .clone()
    }

    /// The counter with these options (the same one when asked twice).
    pub fn counter(&self, opts: MetricOpts) -> Counter {
        Counter(self.family(opts, Kind::Counter))
    }

    /// The gauge with these options (the same one when asked twice).
    pub fn gauge(&self, opts: MetricOpts) -> Gauge {
        Gauge(self.family(opts, Kind::Gauge))
    }

    /// Every metric in the Prometheus text exposition format, sorted by name.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for family in families.values() {
            family.render(&mut out);
        }
        out
    }
}

/// `fabric_version{version}`: set to 1 for this build's version when the endpoint starts.
pub const FABRIC_VERSION: MetricOpts = MetricOpts {
    namespace: "",
    subsystem: "",
    name: "fabric_version",
    help: "The active version of Fabric.",
    label_names: &["version"],
};

#[cfg(test)]
mod tests {
    use super::*;

    const HEIGHT: MetricOpts = MetricOpts {
        namespace: "ledger",
        subsystem: "",
        name: "blockchain_height",
        help: "Height of the chain in blocks.",
        label_names: &["channel"],
    };

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        let g = m.gauge(HEIGHT);
        g.set(&["mychannel"], 3.0);
        g.set(&["other\"ch"], 1.0);
        let c = m.counter(MetricOpts {
            namespace: "endorser",
            subsystem: "",
            name: "proposals_received",
            help: "The number of proposals received.",
            label_names: &[],
        });
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
}
