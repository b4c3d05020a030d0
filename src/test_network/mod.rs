//! `test-network`: a local Fabric network in one command — what fabric-samples'
//! `test-network/network.sh` does with Docker, done with this toolchain's own binaries and
//! nothing else. `up` generates the crypto material (cryptogen) and the genesis block,
//! channel and anchor-peer transactions (configtxgen) for an orderer org and N peer orgs,
//! starts a solo orderer and the peers as background processes, creates the channel, joins
//! every peer and commits each org's anchor peer. The peers of an org gossip with each
//! other (bootstrapped from their org's other peers), with the orgs' anchor peers joining
//! the orgs, and only each org's leader (elected, or a static peer0: `--leader`) pulls
//! blocks from the orderer; gossip runs with second-scale intervals fit for one machine.
//! `status` shows what runs, each peer's height and whether it leads; `env` prints
//! the environment of an org's admin for the `peer` CLI; `down` stops everything and
//! removes the folder.
//!
//! Everything lives in one folder (`--dir`, `./test-network` by default): `config/`
//! (core.yaml, orderer.yaml, configtx.yaml, crypto-config.yaml), `crypto/`, `artifacts/`,
//! `data/` (ledgers), `logs/` and `network.json` (the layout and the pids).

pub mod cli;
pub mod deploy;
pub mod layout;
pub mod metrics;
pub mod process;
mod up;

use std::path::PathBuf;

pub use deploy::{deploy, Chaincode};
pub use layout::{Layout, Leader, Node, Options};
pub use process::Toolchain;
pub use up::up;

/// The embedded defaults the network's nodes run with.
const CORE_YAML: &str = include_str!("../../sampleconfig/core.yaml");
const ORDERER_YAML: &str = include_str!("../../sampleconfig/orderer.yaml");
/// The external builders sampleconfig ships, written beside core.yaml.
const BUILDERS: &[(&str, &str)] = &[
    (
        "ccaas/bin/detect",
        include_str!("../../sampleconfig/externalbuilders/ccaas/bin/detect"),
    ),
    (
        "ccaas/bin/build",
        include_str!("../../sampleconfig/externalbuilders/ccaas/bin/build"),
    ),
    (
        "ccaas/bin/release",
        include_str!("../../sampleconfig/externalbuilders/ccaas/bin/release"),
    ),
    (
        "rust/bin/detect",
        include_str!("../../sampleconfig/externalbuilders/rust/bin/detect"),
    ),
    (
        "rust/bin/build",
        include_str!("../../sampleconfig/externalbuilders/rust/bin/build"),
    ),
    (
        "rust/bin/release",
        include_str!("../../sampleconfig/externalbuilders/rust/bin/release"),
    ),
    (
        "rust/bin/run",
        include_str!("../../sampleconfig/externalbuilders/rust/bin/run"),
    ),
];

/// Why a test-network command failed; each is one line saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is missing: build the toolchain first (`cargo build --release`); test-network runs the peer, orderer, cryptogen and configtxgen found beside it", .0.display())]
    MissingBinary(PathBuf),
    #[error("a network is already up in {} ({running} running); run `test-network down` first", dir.display())]
    AlreadyUp { dir: PathBuf, running: String },
    #[error("no network in {}: run `test-network up` first", .0.display())]
    NotUp(PathBuf),
    #[error("{} exists and was not made by test-network; choose another --dir or move it away", .0.display())]
    ForeignDir(PathBuf),
    #[error("{0} is already in use; stop what listens there or choose another --base-port")]
    PortInUse(String),
    #[error("no free loopback port: {0}")]
    NoFreePort(#[source] std::io::Error),
    #[error("--base-port {0} leaves no room for the network's ports; choose a lower one")]
    PortRange(u16),
    #[error("--orgs and --peers-per-org must each be between 1 and 9")]
    Size,
    #[error("{command} failed: {line}")]
    Tool { command: String, line: String },
    #[error("{node} exited during start-up ({status}); see {}", log.display())]
    Exited {
        node: String,
        status: String,
        log: PathBuf,
    },
    #[error("{node} did not listen on {address} within 30s; see {}", log.display())]
    NotListening {
        node: String,
        address: String,
        log: PathBuf,
    },
    #[error("channel {channel} did not reach height {height} on {peer} within 30s; see {}", log.display())]
    Height {
        channel: String,
        height: u64,
        peer: String,
        log: PathBuf,
    },
    #[error("bad state file {}: {source}", path.display())]
    State {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("no organization {0} in this network (it has {1})")]
    NoSuchOrg(u32, u32),
    #[error("{} is not a folder: give the chaincode's source folder with --path", .0.display())]
    NoChaincodeSource(PathBuf),
}

/// Runs one step of `up` or `deploy`, reporting its start and how long it took.
fn step(
    report: &mut dyn FnMut(Event),
    what: &str,
    work: impl FnOnce() -> Result<(), NetworkError>,
) -> Result<(), NetworkError> {
    report(Event::Begin(what));
    let started = std::time::Instant::now();
    work()?;
    report(Event::Done(what, started.elapsed()));
    Ok(())
}

/// What `up` reports as it goes.
pub enum Event<'a> {
    /// A step starts.
    Begin(&'a str),
    /// The step finished, after this long.
    Done(&'a str, std::time::Duration),
}

/// One node as `status` shows it.
pub struct NodeStatus {
    pub node: Node,
    pub running: bool,
    /// The channel's height on a peer, when it answers.
    pub height: Option<u64>,
    /// Whether a running peer leads its org on the channel (pulls from the orderer): its
    /// `gossip_leader_election_leader` metric under election, its `orgLeader` setting
    /// when the org has a static leader; `None` when unknown.
    pub leads: Option<bool>,
    pub log: PathBuf,
}

/// The state of every node of the network in `dir`.
pub fn status(
    tools: &Toolchain,
    dir: &std::path::Path,
) -> Result<(Layout, Vec<NodeStatus>), NetworkError> {
    let layout = Layout::load(dir)?;
    let mut out = Vec::new();
    for node in layout.nodes() {
        let running = node.is_running();
        let peer = running && node.org > 0;
        let metrics = peer
            .then(|| metrics::ChannelMetrics::of(&node.operations, &layout.channel))
            .flatten()
            .unwrap_or_default();
        let height = metrics
            .height
            .or_else(|| peer.then(|| up::height(tools, &layout, node)).flatten());
        let leads = match layout.leader_mode(node.org) {
            _ if !peer => None,
            Leader::Election => metrics.leader,
            Leader::Static => Some(node.index == 0),
        };
        out.push(NodeStatus {
            node: node.clone(),
            running,
            height,
            leads,
            log: layout.log_path(node),
        });
    }
    Ok((layout, out))
}

/// Stops every node of the network in `dir` (peers first) and, unless `keep`, removes the
/// folder. Returns the names of the nodes that had to be killed.
pub fn down(dir: &std::path::Path, keep: bool) -> Result<Vec<String>, NetworkError> {
    let mut layout = Layout::load(dir)?;
    let killed = layout.stop_all();
    if keep {
        layout.save()?;
    } else {
        std::fs::remove_dir_all(dir).map_err(|source| NetworkError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(killed)
}

/// `export` lines for `org`'s admin using the `peer` CLI against the org's first peer.
pub fn admin_exports(dir: &std::path::Path, org: u32) -> Result<String, NetworkError> {
    let layout = Layout::load(dir)?;
    if org == 0 || org > layout.orgs {
        return Err(NetworkError::NoSuchOrg(org, layout.orgs));
    }
    let mut text = String::new();
    for (key, value) in layout.admin_env(org, None) {
        text.push_str(&format!("export {key}={}\n", shell_quote(&value)));
    }
    Ok(text)
}

fn shell_quote(value: &str) -> String {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:@=".contains(c))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}
