//! CPU time of local processes from /proc: given by pid (`--pids orderer=123,peer0=456`)
//! or found by the TCP port they listen on (`--ports orderer=7050,peer0=7051`).

use std::path::Path;

use super::BenchError;

/// A process to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub name: String,
    pub pid: u32,
}

/// CPU seconds a process spent between two samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuUse {
    pub name: String,
    pub pid: u32,
    pub seconds: f64,
}

/// `name=value,name=value`.
fn pairs(text: &str, what: &str) -> Result<Vec<(String, u64)>, BenchError> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').ok_or_else(|| {
                BenchError::Config(format!("{what} takes name=number pairs, not {p:?}"))
            })?;
            let value = value
                .trim()
                .parse()
                .map_err(|_| BenchError::Config(format!("{what}: {value:?} is not a number")))?;
            Ok((name.trim().to_string(), value))
        })
        .collect()
}

/// Parses `--pids`; every pid must exist.
pub fn by_pid(text: &str) -> Result<Vec<Process>, BenchError> {
    pairs(text, "--pids")?
        .into_iter()
        .map(|(name, pid)| {
            let pid = pid as u32;
            if Path::new(&format!("/proc/{pid}/stat")).exists() {
                Ok(Process { name, pid })
            } else {
                Err(BenchError::Config(format!(
                    "--pids: no process {pid} ({name})"
                )))
            }
        })
        .collect()
}

/// Parses `--ports` and finds the process listening on each port.
pub fn by_port(text: &str) -> Result<Vec<Process>, BenchError> {
    pairs(text, "--ports")?
        .into_iter()
        .map(|(name, port)| {
            let pid = listener(port as u16).ok_or_else(|| {
                BenchError::Config(format!(
                    "--ports: no process of this user listens on port {port} ({name})"
                ))
            })?;
            Ok(Process { name, pid })
        })
        .collect()
}

/// The pid of the process with a listening TCP socket on `port`.
pub fn listener(port: u16) -> Option<u32> {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|text| listening_inodes(&text, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let t = target.to_string_lossy();
                if inodes.iter().any(|i| t == format!("socket:[{i}]")) {
                    return Some(pid);
                }
            }
        }
    }
    None
}

/// Inodes of the sockets in a /proc/net/tcp table listening (state 0A) on `port`.
fn listening_inodes(table: &str, port: u16) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = f.get(1)?.rsplit(':').next()?;
            let matches = u16::from_str_radix(local_port, 16).ok()? == port && *f.get(3)? == "0A";
            matches.then(|| f.get(9).map(|s| s.to_string()))?
        })
        .collect()
}

/// User + system CPU seconds of `pid` so far.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces) start at field 3 (state).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Some((utime + stime) as f64 / ticks.max(1) as f64)
}

/// Samples every process now; [`Sample::since`] gives the CPU used after it.
#[derive(Debug, Clone)]
pub struct Sample(Vec<(Process, f64)>);

impl Sample {
    pub fn take(processes: &[Process]) -> Self {
        Sample(
            processes
                .iter()
                .map(|p| (p.clone(), cpu_seconds(p.pid).unwrap_or(0.0)))
                .collect(),
        )
    }

    pub fn since(&self) -> Vec<CpuUse> {
        self.0
            .iter()
            .map(|(p, before)| CpuUse {
                name: p.name.clone(),
                pid: p.pid,
                seconds: (cpu_seconds(p.pid).unwrap_or(*before) - before).max(0.0),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_our_own_listener_and_cpu() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert_eq!(listener(port), Some(std::process::id()));
        assert!(cpu_seconds(std::process::id()).is_some());
        let found = by_port(&format!("me={port}")).unwrap();
        assert_eq!(found[0].name, "me");
        assert!(by_pid("x=notanumber").is_err());
        assert!(by_pid("x").is_err());
    }
}
