//! The benchmark's configuration: a YAML file (`--config bench.yaml`) with command-line
//! overrides, checked as a whole before anything is dialled.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::BenchError;

/// What a run exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Endorse, order and observe the commit of every transaction.
    E2e,
    /// Endorse only (nothing is sent to the orderer).
    Endorse,
    /// Broadcast envelopes made and signed before the clock starts.
    Order,
    /// Only watch the peers' DeliverFiltered streams and count what commits.
    Observe,
}

/// A gRPC endpoint: a peer or the orderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// The name used in messages and in `endorsers` / `committers` (`peer0.org1`).
    #[serde(default)]
    pub name: String,
    /// `host:port`.
    pub address: String,
    /// The MSP id of the node's organization (peers only).
    #[serde(default)]
    pub msp_id: String,
    /// The CA certificate(s) (PEM) the node's TLS certificate must chain to; set it to use
    /// TLS with this node.
    #[serde(default)]
    pub tls_ca: Option<PathBuf>,
    /// The name the node's TLS certificate is checked against instead of the host.
    #[serde(default)]
    pub server_name: Option<String>,
}

/// The identity transactions are signed with, and the client TLS certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub msp_id: String,
    /// An MSP folder (`keystore/`, `signcerts/`, `cacerts/`).
    pub msp_dir: PathBuf,
    /// Client certificate and key for mutual TLS.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub channel: String,
    pub chaincode: String,
    /// The chaincode function; the first argument of every invocation.
    pub function: String,
    /// The other arguments; `{{key}}` (a unique key per tx, or a reused one on
    /// `conflict_rate`), `{{rand}}` (a random number) and `{{seq}}` (the tx's sequence
    /// number) are replaced.
    #[serde(default)]
    pub args: Vec<String>,
    /// The fraction of transactions whose `{{key}}` repeats an earlier one.
    #[serde(default)]
    pub conflict_rate: f64,
    pub client: Client,
    #[serde(default)]
    pub peers: Vec<Endpoint>,
    pub orderer: Option<Endpoint>,
    /// The peers that endorse every transaction, one per org the policy names (default:
    /// the first peer of each org).
    #[serde(default)]
    pub endorsers: Vec<String>,
    /// The peers whose DeliverFiltered streams report commits (default: the first
    /// endorser).
    #[serde(default)]
    pub committers: Vec<String>,
    #[serde(default = "default_mode")]
    pub mode: Mode,
    /// Open loop: transactions started per second (0: closed loop).
    #[serde(default)]
    pub rate: u64,
    /// Closed loop: transactions in flight (also the bound on in-flight work in open loop).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Number of transactions (0: run for `duration`).
    #[serde(default)]
    pub count: u64,
    /// How long to send, as `30s`, `2m`, `500ms` (when `count` is 0).
    #[serde(default)]
    pub duration: Option<String>,
    /// gRPC connections per endpoint.
    #[serde(default = "default_connections")]
    pub connections: usize,
    /// Broadcast streams to the orderer.
    #[serde(default = "default_streams")]
    pub broadcast_streams: usize,
    /// How long to wait for the last commits after the last submission.
    #[serde(default = "default_commit_timeout")]
    pub commit_timeout: String,
}

fn default_mode() -> Mode {
    Mode::E2e
}
fn default_concurrency() -> usize {
    20
}
fn default_connections() -> usize {
    2
}
fn default_streams() -> usize {
    4
}
fn default_commit_timeout() -> String {
    "60s".into()
}

/// How long the run lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Count(u64),
    Duration(Duration),
}

/// A configuration checked as a whole: the names resolved to endpoints.
#[derive(Debug, Clone)]
pub struct Checked {
    pub config: Config,
    pub length: Length,
    pub commit_timeout: Duration,
    /// Indexes into `config.peers`.
    pub endorsers: Vec<usize>,
    pub committers: Vec<usize>,
}

impl Config {
    /// Reads a YAML config; relative paths in it are taken from the file's folder.
    pub fn load(path: &Path) -> Result<Self, BenchError> {
        let text = std::fs::read_to_string(path).map_err(|source| BenchError::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config: Config =
            serde_yaml::from_str(&text).map_err(|source| BenchError::ParseConfig {
                path: path.to_path_buf(),
                source,
            })?;
        if let Some(base) = path.parent() {
            config.resolve_paths(base);
        }
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.client.msp_dir);
        self.client.tls_cert.iter_mut().for_each(fix);
        self.client.tls_key.iter_mut().for_each(fix);
        for ep in self.peers.iter_mut().chain(self.orderer.iter_mut()) {
            ep.tls_ca.iter_mut().for_each(fix);
        }
    }

    /// Checks everything that can be checked without the network.
    pub fn check(mut self) -> Result<Checked, BenchError> {
        let bad = |m: String| Err(BenchError::Config(m));
        if self.channel.is_empty() {
            return bad("channel is empty".into());
        }
        if !(0.0..=1.0).contains(&self.conflict_rate) {
            return bad(format!(
                "conflict_rate is {}, it must be between 0 and 1",
                self.conflict_rate
            ));
        }
        if self.concurrency == 0 || self.connections == 0 || self.broadcast_streams == 0 {
            return bad("concurrency, connections and broadcast_streams must be at least 1".into());
        }
        for (i, p) in self.peers.iter_mut().enumerate() {
            if p.name.is_empty() {
                p.name = format!("peer{i}");
            }
        }
        let names: BTreeSet<&str> = self.peers.iter().map(|p| p.name.as_str()).collect();
        if names.len() != self.peers.len() {
            return bad("two peers have the same name".into());
        }
        let needs_peers = self.mode != Mode::Order;
        if needs_peers && self.peers.is_empty() {
            return bad(format!("mode {:?} needs at least one peer", self.mode).to_lowercase());
        }
        if needs_peers && self.chaincode.is_empty() && self.mode != Mode::Observe {
            return bad("chaincode is empty".into());
        }
        if matches!(self.mode, Mode::E2e | Mode::Order) && self.orderer.is_none() {
            return bad("mode e2e and order need an orderer".into());
        }
        if self.client.tls_cert.is_some() != self.client.tls_key.is_some() {
            return bad("client.tls_cert and client.tls_key go together (mutual TLS)".into());
        }
        let endorsers = self.resolve(&self.endorsers, "endorsers", || self.first_per_org())?;
        let committers = self.resolve(&self.committers, "committers", || {
            endorsers.iter().take(1).copied().collect()
        })?;
        let length = match (self.count, &self.duration) {
            (0, None) => return bad("set count or duration".into()),
            (0, Some(d)) => Length::Duration(parse_duration(d)?),
            (n, None) => Length::Count(n),
            (_, Some(_)) => return bad("set count or duration, not both".into()),
        };
        let commit_timeout = parse_duration(&self.commit_timeout)?;
        Ok(Checked {
            config: self,
            length,
            commit_timeout,
            endorsers,
            committers,
        })
    }

    /// Indexes of the named peers, or `default()` when none is named.
    fn resolve(
        &self,
        names: &[String],
        field: &str,
        default: impl FnOnce() -> Vec<usize>,
    ) -> Result<Vec<usize>, BenchError> {
        if names.is_empty() {
            return Ok(default());
        }
        names
            .iter()
            .map(|n| {
                self.peers.iter().position(|p| &p.name == n).ok_or_else(|| {
                    let known: Vec<&str> = self.peers.iter().map(|p| p.name.as_str()).collect();
                    BenchError::Config(format!(
                        "{field} names the unknown peer {n:?} (the peers are: {})",
                        known.join(", ")
                    ))
                })
            })
            .collect()
    }

    fn first_per_org(&self) -> Vec<usize> {
        let mut seen = BTreeSet::new();
        (0..self.peers.len())
            .filter(|&i| seen.insert(self.peers[i].msp_id.as_str()))
            .collect()
    }
}

/// `500ms`, `30s`, `2m`, `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, BenchError> {
    let bad = || {
        BenchError::Config(format!(
            "{text:?} is not a duration (write 500ms, 30s, 2m or 1h)"
        ))
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Config {
        serde_yaml::from_str(
            r#"
channel: mychannel
chaincode: mycc
function: put
args: ["{{key}}", "{{seq}}"]
client: { msp_id: Org1MSP, msp_dir: msp }
peers:
  - { name: p1, address: "127.0.0.1:7051", msp_id: Org1MSP }
  - { name: p2, address: "127.0.0.1:7052", msp_id: Org1MSP }
  - { name: q1, address: "127.0.0.1:9051", msp_id: Org2MSP }
orderer: { address: "127.0.0.1:7050" }
count: 10
"#,
        )
        .unwrap()
    }

    #[test]
    fn endorsers_default_to_one_peer_per_org() {
        let c = base().check().unwrap();
        assert_eq!(c.endorsers, vec![0, 2]);
        assert_eq!(c.committers, vec![0]);
        assert_eq!(c.length, Length::Count(10));
    }

    #[test]
    fn unknown_names_and_lengths_are_one_line_errors() {
        let mut c = base();
        c.endorsers = vec!["nope".into()];
        let e = c.check().unwrap_err().to_string();
        assert!(
            e.contains("unknown peer \"nope\"") && e.contains("p1, p2, q1"),
            "{e}"
        );
        let mut c = base();
        c.duration = Some("3s".into());
        assert!(c.check().unwrap_err().to_string().contains("not both"));
        let mut c = base();
        c.count = 0;
        c.duration = Some("3 s".into());
        assert!(c
            .check()
            .unwrap_err()
            .to_string()
            .contains("not a duration"));
        let mut c = base();
        c.orderer = None;
        assert!(c
            .check()
            .unwrap_err()
            .to_string()
            .contains("need an orderer"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("5").is_err());
    }
}
