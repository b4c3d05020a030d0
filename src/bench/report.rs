//! The end-of-run summary: counts and rates per stage, latency percentiles per stage,
//! invalid commits by validation code, errors by kind, CPU per committed transaction; as
//! tables for people and JSON for scripts.

use std::collections::BTreeMap;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;

use super::config::Mode;
use super::pipeline::{Elapsed, Run};
use super::procstat::CpuUse;
use super::stats::{Second, Stats, STAGES};

/// Latency of one stage, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub stage: super::stats::Stage,
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// CPU one process spent during the run.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessCpu {
    pub name: String,
    pub pid: u32,
    pub cpu_seconds: f64,
    /// CPU milliseconds per committed (or, outside e2e, finished) transaction.
    pub cpu_ms_per_tx: Option<f64>,
}

/// Everything a run reports.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub mode: Mode,
    pub elapsed_s: f64,
    pub submitted: u64,
    pub endorsed: u64,
    pub ordered: u64,
    pub committed_valid: u64,
    pub committed_invalid: u64,
    pub errors: u64,
    pub invalid_by_code: BTreeMap<String, u64>,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Blocks and transactions the first committer reported during the run.
    pub blocks_observed: u64,
    pub transactions_observed: u64,
    pub latency: Vec<Latency>,
    pub processes: Vec<ProcessCpu>,
    pub series: Vec<Second>,
    /// With `--sink`: ECDSA P-256 verifications per second on all cores, measured right
    /// after the run in the same process (the yardstick of the tool's ceiling).
    pub p256_verify_per_s: Option<f64>,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

impl Summary {
    pub fn new(run: &Run, elapsed: Elapsed, cpu: &[CpuUse]) -> Self {
        let s = &run.stats;
        let latency = STAGES
            .iter()
            .map(|&stage| {
                let h = s.histogram(stage);
                Latency {
                    stage,
                    count: h.count(),
                    p50_ms: ms(h.quantile(0.5)),
                    p90_ms: ms(h.quantile(0.9)),
                    p99_ms: ms(h.quantile(0.99)),
                    max_ms: ms(h.max()),
                }
            })
            .filter(|l| l.count > 0)
            .collect();
        let mode = run.checked.config.mode;
        let committed = Stats::get(&s.committed_valid) + Stats::get(&s.committed_invalid);
        let per_tx = match mode {
            Mode::E2e | Mode::Observe => committed,
            Mode::Endorse => Stats::get(&s.endorsed),
            Mode::Order => Stats::get(&s.ordered),
        };
        let processes = cpu
            .iter()
            .map(|c| ProcessCpu {
                name: c.name.clone(),
                pid: c.pid,
                cpu_seconds: c.seconds,
                cpu_ms_per_tx: (per_tx > 0).then(|| c.seconds * 1000.0 / per_tx as f64),
            })
            .collect();
        Summary {
            mode,
            elapsed_s: elapsed.load.as_secs_f64(),
            submitted: Stats::get(&s.submitted),
            endorsed: Stats::get(&s.endorsed),
            ordered: Stats::get(&s.ordered),
            committed_valid: Stats::get(&s.committed_valid),
            committed_invalid: Stats::get(&s.committed_invalid),
            errors: s.error_count(),
            invalid_by_code: s.invalid_codes(),
            errors_by_kind: s.errors(),
            blocks_observed: run
                .waiters
                .blocks
                .load(std::sync::atomic::Ordering::Relaxed),
            transactions_observed: run
                .waiters
                .transactions
                .load(std::sync::atomic::Ordering::Relaxed),
            latency,
            processes,
            series: s.series(),
            p256_verify_per_s: None,
        }
    }

    fn rate(&self, n: u64) -> String {
        if self.elapsed_s > 0.0 {
            format!("{:.1}", n as f64 / self.elapsed_s)
        } else {
            "-".into()
        }
    }

    /// The tables, for a terminal.
    pub fn tables(&self) -> String {
        let mut out = String::new();
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_header(vec!["stage", "count", "tx/s"]);
        let mut rows = vec![
            ("submitted".to_string(), self.submitted),
            ("endorsed".into(), self.endorsed),
            ("ordered".into(), self.ordered),
            ("committed valid".into(), self.committed_valid),
        ];
        for (code, n) in &self.invalid_by_code {
            rows.push((format!("committed invalid: {code}"), *n));
        }
        for (kind, n) in &self.errors_by_kind {
            rows.push((format!("error: {kind}"), *n));
        }
        for (name, n) in rows {
            t.add_row(vec![name, n.to_string(), self.rate(n)]);
        }
        out.push_str(
            &format!(
                "mode {:?}, {:.2}s, {} blocks observed\n{t}\n",
                self.mode, self.elapsed_s, self.blocks_observed
            )
            .to_lowercase(),
        );
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "latency (ms)",
            "count",
            "p50",
            "p90",
            "p99",
            "max",
        ]);
        for l in &self.latency {
            t.add_row(vec![
                format!("{:?}", l.stage).to_lowercase(),
                l.count.to_string(),
                format!("{:.2}", l.p50_ms),
                format!("{:.2}", l.p90_ms),
                format!("{:.2}", l.p99_ms),
                format!("{:.2}", l.max_ms),
            ]);
        }
        out.push_str(&format!("{t}\n"));
        if let Some(verify) = self.p256_verify_per_s {
            let finished = self.series.iter().map(|s| s.finished).sum::<u64>();
            let rate = finished as f64 / self.elapsed_s.max(1e-9);
            out.push_str(&format!(
                "sink ceiling: {rate:.0} tx/s through every stage; P-256 verify on all cores: {verify:.0}/s; ratio {:.3}\n",
                rate / verify.max(1e-9)
            ));
        }
        if !self.processes.is_empty() {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
                "process",
                "pid",
                "cpu s",
                "cpu ms / tx",
            ]);
            for p in &self.processes {
                t.add_row(vec![
                    p.name.clone(),
                    p.pid.to_string(),
                    format!("{:.2}", p.cpu_seconds),
                    p.cpu_ms_per_tx.map_or("-".into(), |v| format!("{v:.3}")),
                ]);
            }
            out.push_str(&format!("{t}\n"));
        }
        out
    }
}
