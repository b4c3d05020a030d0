//! Counts, latency histograms and a per-second series, shared by every task of a run.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Sub-buckets per power of two (2^5 = 32: values within ~3%).
const SUB_BITS: u32 = 5;
const LINEAR: u64 = 1 << (SUB_BITS + 1);
const BUCKETS: usize = (LINEAR as usize) + (64 - SUB_BITS as usize - 1) * (1 << SUB_BITS);

/// An HDR-like histogram of microseconds: exact below 64, then 32 log-linear buckets per
/// power of two, so any percentile is within ~3% of the true value; fixed size.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            max: 0,
        }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Histogram({} values, max {})", self.total, self.max)
    }
}

fn index(v: u64) -> usize {
    if v < LINEAR {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    let m = v >> (e - SUB_BITS);
    LINEAR as usize + (e - SUB_BITS - 1) as usize * (1 << SUB_BITS) + (m as usize - (1 << SUB_BITS))
}

/// The largest value bucket `i` holds.
fn upper(i: usize) -> u64 {
    if (i as u64) < LINEAR {
        return i as u64;
    }
    let j = i - LINEAR as usize;
    let e = (j >> SUB_BITS) as u32 + SUB_BITS + 1;
    let m = (j & ((1 << SUB_BITS) - 1)) as u64 + (1 << SUB_BITS);
    ((m + 1) << (e - SUB_BITS)).saturating_sub(1)
}

impl Histogram {
    pub fn record(&mut self, micros: u64) {
        self.counts[index(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0..=1), never above the largest recorded; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper(i).min(self.max);
            }
        }
        self.max
    }
}

/// The stages a transaction goes through; each has a latency histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Proposal sent to all endorsers until the last response.
    Endorse,
    /// Envelope sent to the orderer until its ack.
    Order,
    /// Envelope sent to the orderer until a peer reports the commit.
    Commit,
    /// The whole transaction, from its start to its final stage.
    Total,
}

pub const STAGES: [Stage; 4] = [Stage::Endorse, Stage::Order, Stage::Commit, Stage::Total];

/// One second of the run: transactions finished and their summed latency.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Second {
    pub finished: u64,
    pub latency_sum_us: u64,
}

/// Everything a run counts.
#[derive(Debug)]
pub struct Stats {
    pub start: Instant,
    pub submitted: AtomicU64,
    pub endorsed: AtomicU64,
    pub ordered: AtomicU64,
    pub committed_valid: AtomicU64,
    pub committed_invalid: AtomicU64,
    invalid: Mutex<BTreeMap<String, u64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    latency: [Mutex<Histogram>; 4],
    series: Mutex<Vec<Second>>,
}

impl Stats {
    pub fn new(start: Instant) -> Self {
        Stats {
            start,
            submitted: AtomicU64::new(0),
            endorsed: AtomicU64::new(0),
            ordered: AtomicU64::new(0),
            committed_valid: AtomicU64::new(0),
            committed_invalid: AtomicU64::new(0),
            invalid: Mutex::default(),
            errors: Mutex::default(),
            latency: Default::default(),
            series: Mutex::default(),
        }
    }

    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn latency(&self, stage: Stage, took: Duration) {
        let i = STAGES.iter().position(|s| *s == stage).unwrap_or(0);
        lock(&self.latency[i]).record(took.as_micros() as u64);
    }

    pub fn histogram(&self, stage: Stage) -> Histogram {
        let i = STAGES.iter().position(|s| *s == stage).unwrap_or(0);
        lock(&self.latency[i]).clone()
    }

    /// A transaction whose whole path took `took` finished now.
    pub fn finished(&self, took: Duration) {
        self.latency(Stage::Total, took);
        let second = self.start.elapsed().as_secs() as usize;
        let mut series = lock(&self.series);
        if series.len() <= second {
            series.resize(second + 1, Second::default());
        }
        series[second].finished += 1;
        series[second].latency_sum_us += took.as_micros() as u64;
    }

    /// An error of kind `kind` (a short stable name: `endorse: chaincode error`).
    pub fn error(&self, kind: impl Into<String>) {
        *lock(&self.errors).entry(kind.into()).or_default() += 1;
    }

    /// A commit with a validation code other than VALID.
    pub fn invalid(&self, code: &str) {
        Stats::add(&self.committed_invalid);
        *lock(&self.invalid).entry(code.to_string()).or_default() += 1;
    }

    pub fn errors(&self) -> BTreeMap<String, u64> {
        lock(&self.errors).clone()
    }

    pub fn error_count(&self) -> u64 {
        lock(&self.errors).values().sum()
    }

    pub fn invalid_codes(&self) -> BTreeMap<String, u64> {
        lock(&self.invalid).clone()
    }

    pub fn series(&self) -> Vec<Second> {
        lock(&self.series).clone()
    }
}

/// Locks a mutex, taking the data of a poisoned one (counts stay meaningful).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_their_values() {
        for v in [0, 1, 63, 64, 65, 100, 1000, 12_345, 1 << 40, u64::MAX / 2] {
            let i = index(v);
            assert!(upper(i) >= v, "{v}");
            if i > 0 {
                assert!(upper(i - 1) < v, "{v}");
            }
        }
        assert!(index(u64::MAX) < BUCKETS);
    }

    #[test]
    fn quantiles_are_within_three_percent() {
        let mut h = Histogram::default();
        for v in 1..=10_000 {
            h.record(v);
        }
        for (q, want) in [(0.5, 5000.0), (0.9, 9000.0), (0.99, 9900.0)] {
            let got = h.quantile(q) as f64;
            assert!((got - want).abs() / want < 0.035, "q{q}: {got}");
        }
        assert_eq!(h.quantile(1.0), 10_000);
        assert_eq!(h.max(), 10_000);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }
}
