//! The `process_*` families every Prometheus client exports (the Go client's process
//! collector, which Fabric's /metrics shows), read from /proc at each scrape. On a system
//! without /proc nothing is rendered.

use std::path::Path;

use super::metrics::sample;

/// Linux reports CPU times and start times in clock ticks of `USER_HZ`, fixed at 100 in
/// the user ABI.
const USER_HZ: f64 = 100.0;

/// What the process collector reports.
#[derive(Debug, Default, PartialEq)]
pub struct ProcessStats {
    pub cpu_seconds: f64,
    pub open_fds: Option<f64>,
    pub max_fds: Option<f64>,
    pub virtual_memory_bytes: f64,
    pub virtual_memory_max_bytes: Option<f64>,
    pub resident_memory_bytes: f64,
    pub start_time_seconds: f64,
}

impl ProcessStats {
    /// This process' figures, or `None` when /proc cannot be read.
    pub fn read() -> Option<Self> {
        let proc_dir = Path::new("/proc/self");
        let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
        let boot_time = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| parse_boot_time(&s))?;
        let limits = std::fs::read_to_string(proc_dir.join("limits")).unwrap_or_default();
        let open_fds = std::fs::read_dir(proc_dir.join("fd"))
            .ok()
            .map(|d| d.count() as f64);
        let mut stats = parse_stat(&stat, boot_time)?;
        stats.open_fds = open_fds;
        stats.max_fds = parse_limit(&limits, "Max open files");
        stats.virtual_memory_max_bytes = parse_limit(&limits, "Max address space");
        // The stat file counts resident pages; /proc/self/status states it in kB, free of
        // any assumption about the page size.
        if let Some(rss) = std::fs::read_to_string(proc_dir.join("status"))
            .ok()
            .and_then(|s| parse_status_kb(&s, "VmRSS:"))
        {
            stats.resident_memory_bytes = rss;
        }
        Some(stats)
    }

    /// The families in Prometheus text, with the Go client's help texts.
    pub fn render(&self, out: &mut String) {
        let mut family = |name: &str, kind: &str, help: &str, value: Option<f64>| {
            if let Some(value) = value {
                out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
                sample(out, name, &[], value);
            }
        };
        family(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            Some(self.cpu_seconds),
        );
        family(
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            self.max_fds,
        );
        family(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            self.open_fds,
        );
        family(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            Some(self.resident_memory_bytes),
        );
        family(
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            Some(self.start_time_seconds),
        );
        family(
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            Some(self.virtual_memory_bytes),
        );
        family(
            "process_virtual_memory_max_bytes",
            "gauge",
            "Maximum amount of virtual memory available in bytes.",
            self.virtual_memory_max_bytes,
        );
    }
}

/// Renders this process' `process_*` families, if /proc is there.
pub fn render(out: &mut String) {
    if let Some(stats) = ProcessStats::read() {
        stats.render(out);
    }
}

/// `btime` of /proc/stat: boot time in seconds since the epoch.
fn parse_boot_time(proc_stat: &str) -> Option<f64> {
    proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// /proc/self/stat: the fields after the command name (which may hold spaces and parens).
fn parse_stat(stat: &str, boot_time: f64) -> Option<ProcessStats> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); proc(5) numbers fields from 1.
    let field = |n: usize| -> Option<f64> { fields.get(n - 3)?.parse().ok() };
    let page_size = 4096.0;
    Some(ProcessStats {
        cpu_seconds: (field(14)? + field(15)?) / USER_HZ,
        virtual_memory_bytes: field(23)?,
        resident_memory_bytes: field(24)? * page_size,
        start_time_seconds: boot_time + field(22)? / USER_HZ,
        ..ProcessStats::default()
    })
}

/// A `kB` row of /proc/self/status, in bytes.
fn parse_status_kb(status: &str, row: &str) -> Option<f64> {
    let line = status.lines().find_map(|l| l.strip_prefix(row))?;
    let kb: f64 = line.split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024.0)
}

/// The soft limit of one row of /proc/self/limits (`None` when unlimited).
fn parse_limit(limits: &str, row: &str) -> Option<f64> {
    let line = limits.lines().find(|l| l.starts_with(row))?;
    line[row.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_limits_and_boot_time() {
        let stat = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 \
                    8 0 123400 10485760 300 18446744073709551615";
        let s = parse_stat(stat, 1_700_000_000.0).unwrap();
        assert_eq!(s.cpu_seconds, 3.0);
        assert_eq!(s.virtual_memory_bytes, 10485760.0);
        assert_eq!(s.resident_memory_bytes, 300.0 * 4096.0);
        assert_eq!(s.start_time_seconds, 1_700_000_000.0 + 1234.0);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max address space         unlimited            unlimited            bytes\n\
                      Max open files            1024                 1048576              files\n";
        assert_eq!(parse_limit(limits, "Max open files"), Some(1024.0));
        assert_eq!(parse_limit(limits, "Max address space"), None);
        assert_eq!(
            parse_status_kb("Name:\tx\nVmRSS:\t    1200 kB\n", "VmRSS:"),
            Some(1200.0 * 1024.0)
        );
        assert_eq!(
            parse_boot_time("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"),
            Some(1_700_000_000.0)
        );
    }

    #[test]
    fn this_process_renders_the_go_client_families() {
        let mut out = String::new();
        render(&mut out);
        for family in [
            "process_cpu_seconds_total counter",
            "process_open_fds gauge",
            "process_max_fds gauge",
            "process_resident_memory_bytes gauge",
            "process_virtual_memory_bytes gauge",
            "process_start_time_seconds gauge",
        ] {
            assert!(
                out.contains(&format!("# TYPE {family}\n")),
                "{family}: {out}"
            );
        }
        let start = ProcessStats::read().unwrap().start_time_seconds;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(start <= now + 1.0 && start > now - 86400.0 * 365.0);
    }
}
