//! What a test network is made of: its folder, its organizations and nodes, the ports each
//! node listens on, the environment each binary runs with, and the configuration files
//! (crypto-config.yaml, configtx.yaml) the tools generate the network from. The layout is
//! kept in `network.json` in the network's folder, with the pid of each running node, so
//! `down` and `status` find what `up` started.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::NetworkError;

/// The file a network's layout and pids are kept in.
pub const STATE_FILE: &str = "network.json";
/// Marks a folder this tool made, so that `up` may replace it and `down` may remove it.
pub const MARKER: &str = ".test-network";
/// The system channel's id.
pub const SYSTEM_CHANNEL: &str = "system-channel";
/// The configtx.yaml profiles this tool writes.
pub const GENESIS_PROFILE: &str = "TestNetworkOrdererGenesis";
pub const CHANNEL_PROFILE: &str = "TestNetworkChannel";

/// How large a network `up` builds, and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    pub orgs: u32,
    pub peers_per_org: u32,
    pub channel: String,
    /// The orderer's port; the others follow from it (0: any free ports).
    pub base_port: u16,
    /// How each org picks the peer that pulls blocks from the orderer, by org (org 1
    /// first; the last one also for the orgs after it; empty: election everywhere).
    pub leaders: Vec<Leader>,
}

/// How an org's peers pick their leader, the one peer that pulls blocks from the orderer
/// and gossips them to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Leader {
    /// `peer.gossip.useLeaderElection: true` on every peer of the org (Fabric's default).
    #[default]
    Election,
    /// `peer.gossip.orgLeader: true` on the org's peer0 only, election off everywhere.
    Static,
}

impl Leader {
    /// The `(useLeaderElection, orgLeader)` a peer of index `index` in its org runs with.
    pub fn gossip_flags(self, index: u32) -> (bool, bool) {
        match self {
            Leader::Election => (true, false),
            Leader::Static => (false, index == 0),
        }
    }
}

/// Gossip timings for a network on one machine: membership, pulls, state info and the
/// anti-entropy check about every second, so blocks spread and a restarted or new leader
/// takes over in seconds, not Fabric's production tens of seconds.
const LOCAL_GOSSIP: &[(&str, &str)] = &[
    ("CORE_PEER_GOSSIP_ALIVETIMEINTERVAL", "1s"),
    ("CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT", "5s"),
    ("CORE_PEER_GOSSIP_RECONNECTINTERVAL", "2s"),
    ("CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL", "1s"),
    ("CORE_PEER_GOSSIP_PULLINTERVAL", "1s"),
    ("CORE_PEER_GOSSIP_REQUESTSTATEINFOINTERVAL", "1s"),
    ("CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL", "1s"),
    ("CORE_PEER_GOSSIP_PUBLISHCERTPERIOD", "5s"),
    ("CORE_PEER_GOSSIP_STATE_CHECKINTERVAL", "1s"),
    ("CORE_PEER_GOSSIP_ELECTION_STARTUPGRACEPERIOD", "3s"),
    (
        "CORE_PEER_GOSSIP_ELECTION_MEMBERSHIPSAMPLEINTERVAL",
        "500ms",
    ),
    ("CORE_PEER_GOSSIP_ELECTION_LEADERALIVETHRESHOLD", "4s"),
    ("CORE_PEER_GOSSIP_ELECTION_LEADERELECTIONDURATION", "1s"),
];

/// One node (the orderer or a peer) of the network.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    /// Its host name in the crypto material: `orderer.example.com`, `peer0.org1.example.com`.
    pub name: String,
    /// 0 for the orderer, 1.. for the peer organizations.
    pub org: u32,
    pub msp_id: String,
    /// Its gRPC endpoint (127.0.0.1:port).
    pub address: String,
    /// A peer's chaincode listener.
    pub chaincode_address: Option<String>,
    /// Its operations endpoint (health, metrics, log spec).
    pub operations: String,
    /// The process, while it runs.
    pub pid: Option<u32>,
    /// A peer's index in its org (0 for peer0).
    #[serde(default)]
    pub index: u32,
}

impl Node {
    /// The binary it runs.
    pub fn program(&self) -> &'static str {
        if self.org == 0 {
            "orderer"
        } else {
            "peer"
        }
    }

    /// Whether its recorded process still runs.
    pub fn is_running(&self) -> bool {
        self.pid
            .is_some_and(|pid| super::process::is_running(pid, self.program()))
    }
}

/// A network: its folder, channel, orderer and peers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Layout {
    pub dir: PathBuf,
    pub channel: String,
    pub orgs: u32,
    pub orderer: Node,
    pub peers: Vec<Node>,
    /// Each org's leader mode, org 1 first (see [`Options::leaders`]).
    #[serde(default)]
    pub leaders: Vec<Leader>,
}

/// Hands out the ports of a network: consecutive from a base (Fabric's familiar 7050,
/// 7051...), or any free ones.
struct Ports {
    base: u16,
    /// The free ports handed out so far (the system may offer one twice).
    given: std::cell::RefCell<std::collections::BTreeSet<u16>>,
}

impl Ports {
    fn port(&self, offset: u16) -> Result<u16, NetworkError> {
        if self.base == 0 {
            loop {
                let listener =
                    TcpListener::bind("127.0.0.1:0").map_err(NetworkError::NoFreePort)?;
                let port = listener
                    .local_addr()
                    .map_err(NetworkError::NoFreePort)?
                    .port();
                if self.given.borrow_mut().insert(port) {
                    return Ok(port);
                }
            }
        }
        self.base
            .checked_add(offset)
            .ok_or(NetworkError::PortRange(self.base))
    }
}

fn loopback(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

impl Layout {
    /// The nodes of a network of `options.orgs` organizations with `peers_per_org` peers
    /// each. With the default base 7050: the orderer on 7050 (operations 8443), peer j of
    /// org i on 7051 + 2000·(i−1) + 100·j (chaincode on the next port, operations on
    /// 9443 + 10·(i−1) + j) — peer0.org1 on 7051 and peer0.org2 on 9051, as in Fabric's
    /// samples.
    pub fn plan(options: &Options) -> Result<Layout, NetworkError> {
        if !(1..=9).contains(&options.orgs) || !(1..=9).contains(&options.peers_per_org) {
            return Err(NetworkError::Size);
        }
        let ports = Ports {
            base: options.base_port,
            given: Default::default(),
        };
        let orderer = Node {
            name: "orderer.example.com".into(),
            org: 0,
            msp_id: "OrdererMSP".into(),
            address: loopback(ports.port(0)?),
            chaincode_address: None,
            operations: loopback(ports.port(1393)?),
            pid: None,
            index: 0,
        };
        let mut peers = Vec::new();
        for org in 1..=options.orgs {
            for index in 0..options.peers_per_org {
                let offset = 1 + 2000 * (org as u16 - 1) + 100 * index as u16;
                peers.push(Node {
                    name: format!("peer{index}.org{org}.example.com"),
                    org,
                    msp_id: format!("Org{org}MSP"),
                    address: loopback(ports.port(offset)?),
                    chaincode_address: Some(loopback(ports.port(offset + 1)?)),
                    operations: loopback(ports.port(2393 + 10 * (org as u16 - 1) + index as u16)?),
                    pid: None,
                    index,
                });
            }
        }
        Ok(Layout {
            dir: options.dir.clone(),
            channel: options.channel.clone(),
            orgs: options.orgs,
            orderer,
            peers,
            leaders: options.leaders.clone(),
        })
    }

    /// How `org` picks its leader.
    pub fn leader_mode(&self, org: u32) -> Leader {
        let i = (org as usize).saturating_sub(1);
        self.leaders
            .get(i)
            .or(self.leaders.last())
            .copied()
            .unwrap_or_default()
    }

    /// The gossip bootstrap of `peer`: the other peers of its org, or itself when it is
    /// alone (as Fabric's samples point a lone peer0 at itself).
    fn bootstrap(&self, peer: &Node) -> String {
        let others: Vec<&str> = self
            .peers
            .iter()
            .filter(|p| p.org == peer.org && p.name != peer.name)
            .map(|p| p.address.as_str())
            .collect();
        if others.is_empty() {
            peer.address.clone()
        } else {
            others.join(" ")
        }
    }

    /// Every node, the orderer first.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        std::iter::once(&self.orderer).chain(self.peers.iter())
    }

    /// Stops every node (peers first) and forgets its pid; returns the names of those that
    /// had to be killed.
    pub fn stop_all(&mut self) -> Vec<String> {
        let mut killed = Vec::new();
        for node in self
            .peers
            .iter_mut()
            .chain(std::iter::once(&mut self.orderer))
        {
            if let Some(pid) = node.pid.take() {
                if super::process::stop(pid, node.program()) {
                    killed.push(node.name.clone());
                }
            }
        }
        killed
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.join("config")
    }

    pub fn crypto_dir(&self) -> PathBuf {
        self.dir.join("crypto")
    }

    pub fn artifacts_dir(&self) -> PathBuf {
        self.dir.join("artifacts")
    }

    pub fn log_path(&self, node: &Node) -> PathBuf {
        self.dir.join("logs").join(format!("{}.log", node.name))
    }

    fn data_dir(&self, node: &Node) -> PathBuf {
        self.dir.join("data").join(&node.name)
    }

    /// The first peer of `org`, which the org's admin talks to by default.
    pub fn anchor_peer(&self, org: u32) -> Option<&Node> {
        self.peers.iter().find(|p| p.org == org)
    }

    fn org_dir(&self, org: u32) -> PathBuf {
        self.crypto_dir()
            .join("peerOrganizations")
            .join(format!("org{org}.example.com"))
    }

    /// The MSP folder of `org`'s admin.
    pub fn admin_msp(&self, org: u32) -> PathBuf {
        self.org_dir(org)
            .join("users")
            .join(format!("Admin@org{org}.example.com"))
            .join("msp")
    }

    /// The orderer's environment on top of orderer.yaml.
    pub fn orderer_env(&self) -> Vec<(String, String)> {
        let o = &self.orderer;
        let (host, port) = o.address.rsplit_once(':').unwrap_or((&o.address, "7050"));
        let msp = self
            .crypto_dir()
            .join("ordererOrganizations/example.com/orderers/orderer.example.com/msp");
        let mut env = self.common_env();
        env.extend(pairs(&[
            ("ORDERER_GENERAL_LISTENADDRESS", host.into()),
            ("ORDERER_GENERAL_LISTENPORT", port.into()),
            ("ORDERER_GENERAL_GENESISMETHOD", "file".into()),
            (
                "ORDERER_GENERAL_GENESISFILE",
                path(&self.artifacts_dir().join("genesis.block")),
            ),
            ("ORDERER_GENERAL_LOCALMSPID", o.msp_id.clone()),
            ("ORDERER_GENERAL_LOCALMSPDIR", path(&msp)),
            ("ORDERER_FILELEDGER_LOCATION", path(&self.data_dir(o))),
            ("ORDERER_OPERATIONS_LISTENADDRESS", o.operations.clone()),
            ("ORDERER_METRICS_PROVIDER", "prometheus".into()),
        ]));
        env
    }

    /// A peer's environment on top of core.yaml.
    pub fn peer_env(&self, peer: &Node) -> Vec<(String, String)> {
        let msp = self
            .org_dir(peer.org)
            .join("peers")
            .join(&peer.name)
            .join("msp");
        let chaincode = peer.chaincode_address.clone().unwrap_or_default();
        let (election, org_leader) = self.leader_mode(peer.org).gossip_flags(peer.index);
        let mut env = self.common_env();
        env.extend(pairs(&[
            ("CORE_PEER_ID", peer.name.clone()),
            ("CORE_PEER_ADDRESS", peer.address.clone()),
            ("CORE_PEER_LISTENADDRESS", peer.address.clone()),
            ("CORE_PEER_CHAINCODEADDRESS", chaincode.clone()),
            ("CORE_PEER_CHAINCODELISTENADDRESS", chaincode),
            ("CORE_PEER_GOSSIP_ENDPOINT", peer.address.clone()),
            ("CORE_PEER_GOSSIP_EXTERNALENDPOINT", peer.address.clone()),
            ("CORE_PEER_GOSSIP_BOOTSTRAP", self.bootstrap(peer)),
            ("CORE_PEER_GOSSIP_USELEADERELECTION", election.to_string()),
            ("CORE_PEER_GOSSIP_ORGLEADER", org_leader.to_string()),
            ("CORE_PEER_LOCALMSPID", peer.msp_id.clone()),
            ("CORE_PEER_MSPCONFIGPATH", path(&msp)),
            ("CORE_PEER_FILESYSTEMPATH", path(&self.data_dir(peer))),
            ("CORE_OPERATIONS_LISTENADDRESS", peer.operations.clone()),
            ("CORE_METRICS_PROVIDER", "prometheus".into()),
            // The Rust external builder's shim and a cargo target folder that outlives the
            // network, so a chaincode is compiled once, not at every `up`.
            (
                "FABRIC_SHIM_PATH",
                path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("shim")),
            ),
            ("CARGO_TARGET_DIR", path(&rust_chaincode_target())),
            // A first `cargo build --release` of a Rust chaincode (its dependencies included)
            // can take longer than core.yaml's 300 s on a small machine.
            ("CORE_CHAINCODE_STARTUPTIMEOUT", "900s".into()),
        ]));
        env.extend(
            LOCAL_GOSSIP
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        env
    }

    /// The environment of `org`'s admin using the `peer` CLI against `peer` (its org's first
    /// peer by default).
    pub fn admin_env(&self, org: u32, peer: Option<&Node>) -> Vec<(String, String)> {
        let target = peer.or_else(|| self.anchor_peer(org));
        let mut env = self.common_env();
        env.extend(pairs(&[
            ("CORE_PEER_LOCALMSPID", format!("Org{org}MSP")),
            ("CORE_PEER_MSPCONFIGPATH", path(&self.admin_msp(org))),
            (
                "CORE_PEER_ADDRESS",
                target.map(|p| p.address.clone()).unwrap_or_default(),
            ),
        ]));
        env
    }

    fn common_env(&self) -> Vec<(String, String)> {
        pairs(&[
            ("FABRIC_CFG_PATH", path(&self.config_dir())),
            ("FABRIC_LOGGING_SPEC", "info".into()),
        ])
    }

    /// cryptogen's input: the orderer org and `orgs` peer orgs of `peers` peers, each
    /// with one user besides its admin, node OUs on, certificates valid for the loopback.
    pub fn crypto_config_yaml(&self, peers_per_org: u32) -> String {
        let mut text = String::from(
            "OrdererOrgs:\n  - Name: Orderer\n    Domain: example.com\n    Specs:\n      - Hostname: orderer\n        SANS: [localhost, 127.0.0.1]\nPeerOrgs:\n",
        );
        for org in 1..=self.orgs {
            text.push_str(&format!(
                "  - Name: Org{org}\n    Domain: org{org}.example.com\n    EnableNodeOUs: true\n    Template:\n      Count: {peers_per_org}\n      SANS: [localhost, 127.0.0.1]\n    Users:\n      Count: 1\n"
            ));
        }
        text
    }

    /// configtxgen's input: the orgs (MSP folders from cryptogen's output, each org's first
    /// peer its anchor), a solo orderer at this network's address, the genesis profile with
    /// every org in the consortium and the channel profile with every org in the channel.
    pub fn configtx_yaml(&self) -> String {
        let mut text = String::from("Organizations:\n");
        text.push_str(&format!(
            "  - &OrdererOrg\n    Name: OrdererOrg\n    ID: OrdererMSP\n    MSPDir: {}\n{}",
            path(
                &self
                    .crypto_dir()
                    .join("ordererOrganizations/example.com/msp")
            ),
            org_policies("OrdererMSP", "'OrdererMSP.member'", "'OrdererMSP.member'")
        ));
        for org in 1..=self.orgs {
            let id = format!("Org{org}MSP");
            let readers = format!("'{id}.admin', '{id}.peer', '{id}.client'");
            let writers = format!("'{id}.admin', '{id}.client'");
            let anchor = self
                .anchor_peer(org)
                .map_or("127.0.0.1:7051", |p| p.address.as_str());
            let (host, port) = anchor.rsplit_once(':').unwrap_or((anchor, "7051"));
            text.push_str(&format!(
                "  - &Org{org}\n    Name: {id}\n    ID: {id}\n    MSPDir: {}\n{}    AnchorPeers:\n      - {{Host: {host}, Port: {port}}}\n",
                path(&self.org_dir(org).join("msp")),
                org_policies(&id, &readers, &writers)
            ));
        }
        text.push_str(&self.configtx_defaults());
        text.push_str(&self.configtx_profiles());
        text
    }

    fn configtx_defaults(&self) -> String {
        let meta = "    Readers: {Type: ImplicitMeta, Rule: \"ANY Readers\"}\n    Writers: {Type: ImplicitMeta, Rule: \"ANY Writers\"}\n    Admins: {Type: ImplicitMeta, Rule: \"MAJORITY Admins\"}\n";
        format!(
            "Capabilities:\n  Channel: &ChannelCapabilities {{V1_4_3: true}}\n  Orderer: &OrdererCapabilities {{V1_4_2: true}}\n  Application: &ApplicationCapabilities {{V1_4_2: true}}\n\
Application: &ApplicationDefaults\n  Organizations:\n  Policies:\n{meta}  Capabilities:\n    <<: *ApplicationCapabilities\n\
Orderer: &OrdererDefaults\n  OrdererType: solo\n  Addresses:\n    - {}\n  BatchTimeout: 250ms\n  BatchSize:\n    MaxMessageCount: 100\n    AbsoluteMaxBytes: 99 MB\n    PreferredMaxBytes: 512 KB\n  Organizations:\n  Policies:\n{meta}    BlockValidation: {{Type: ImplicitMeta, Rule: \"ANY Writers\"}}\n\
Channel: &ChannelDefaults\n  Policies:\n{meta}  Capabilities:\n    <<: *ChannelCapabilities\n",
            self.orderer.address
        )
    }

    fn configtx_profiles(&self) -> String {
        let orgs: String = (1..=self.orgs)
            .map(|org| format!("          - *Org{org}\n"))
            .collect();
        let genesis = format!(
            "Profiles:\n  {GENESIS_PROFILE}:\n    <<: *ChannelDefaults\n    Orderer:\n      <<: *OrdererDefaults\n      Organizations:\n        - *OrdererOrg\n      Capabilities:\n        <<: *OrdererCapabilities\n    Consortiums:\n      SampleConsortium:\n        Organizations:\n{orgs}"
        );
        let channel = format!(
            "  {CHANNEL_PROFILE}:\n    Consortium: SampleConsortium\n    <<: *ChannelDefaults\n    Application:\n      <<: *ApplicationDefaults\n      Organizations:\n{}      Capabilities:\n        <<: *ApplicationCapabilities\n",
            orgs.replace("          - ", "        - ")
        );
        genesis + &channel
    }

    /// Reads the layout `up` saved in `dir`.
    pub fn load(dir: &Path) -> Result<Layout, NetworkError> {
        let file = dir.join(STATE_FILE);
        let text = match std::fs::read(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(NetworkError::NotUp(dir.to_path_buf()))
            }
            Err(source) => return Err(NetworkError::Io { path: file, source }),
        };
        serde_json::from_slice(&text).map_err(|source| NetworkError::State { path: file, source })
    }

    /// Saves the layout (and pids) in its folder, atomically.
    pub fn save(&self) -> Result<(), NetworkError> {
        let file = self.dir.join(STATE_FILE);
        let text = serde_json::to_vec_pretty(self).map_err(|source| NetworkError::State {
            path: file.clone(),
            source,
        })?;
        let tmp = self.dir.join(format!("{STATE_FILE}.tmp"));
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &file))
            .map_err(|source| NetworkError::Io { path: file, source })
    }
}

/// Where the peers' Rust builds go: `$XDG_CACHE_HOME` or `~/.cache`, under
/// `fabric-test-network/rust-chaincode`.
fn rust_chaincode_target() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("fabric-test-network/rust-chaincode")
}

fn org_policies(id: &str, readers: &str, writers: &str) -> String {
    format!(
        "    Policies:\n      Readers: {{Type: Signature, Rule: \"OR({readers})\"}}\n      Writers: {{Type: Signature, Rule: \"OR({writers})\"}}\n      Admins: {{Type: Signature, Rule: \"OR('{id}.admin')\"}}\n"
    )
}

fn pairs(items: &[(&str, String)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(orgs: u32, peers: u32, base: u16) -> Options {
        Options {
            dir: PathBuf::from("/tmp/net"),
            orgs,
            peers_per_org: peers,
            channel: "mychannel".into(),
            base_port: base,
            leaders: vec![Leader::Election, Leader::Static],
        }
    }

    fn env_of<'a>(env: &'a [(String, String)], key: &str) -> &'a str {
        env.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    #[test]
    fn every_peer_gossips_with_its_org_and_its_org_picks_its_leader() {
        let l = Layout::plan(&options(3, 2, 7050)).unwrap();
        let env = |i: usize| l.peer_env(&l.peers[i]);
        let e = env(0);
        assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_BOOTSTRAP"), "127.0.0.1:7151");
        assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_ENDPOINT"), "127.0.0.1:7051");
        assert_eq!(
            env_of(&e, "CORE_PEER_GOSSIP_EXTERNALENDPOINT"),
            "127.0.0.1:7051"
        );
        assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_USELEADERELECTION"), "true");
        assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_ORGLEADER"), "false");
        assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_PULLINTERVAL"), "1s");
        assert_eq!(
            env_of(&env(1), "CORE_PEER_GOSSIP_BOOTSTRAP"),
            "127.0.0.1:7051"
        );
        // Org 2 and, by the last mode given, org 3: a static leader, peer0.
        for (i, election, leader) in [
            (2, "false", "true"),
            (3, "false", "false"),
            (4, "false", "true"),
        ] {
            let e = env(i);
            assert_eq!(
                env_of(&e, "CORE_PEER_GOSSIP_USELEADERELECTION"),
                election,
                "{i}"
            );
            assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_ORGLEADER"), leader, "{i}");
        }
        let alone = Layout::plan(&options(1, 1, 7050)).unwrap();
        let e = alone.peer_env(&alone.peers[0]);
        assert_eq!(env_of(&e, "CORE_PEER_GOSSIP_BOOTSTRAP"), "127.0.0.1:7051");
    }

    #[test]
    fn default_ports_are_fabrics_familiar_ones() {
        let l = Layout::plan(&options(2, 2, 7050)).unwrap();
        assert_eq!(l.orderer.address, "127.0.0.1:7050");
        assert_eq!(l.orderer.operations, "127.0.0.1:8443");
        let addrs: Vec<_> = l.peers.iter().map(|p| p.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "127.0.0.1:7051",
                "127.0.0.1:7151",
                "127.0.0.1:9051",
                "127.0.0.1:9151"
            ]
        );
        assert_eq!(
            l.peers[0].chaincode_address.as_deref(),
            Some("127.0.0.1:7052")
        );
        assert_eq!(l.peers[0].operations, "127.0.0.1:9443");
        assert_eq!(l.peers[3].operations, "127.0.0.1:9454");
        assert_eq!(l.peers[3].name, "peer1.org2.example.com");
        assert_eq!(l.anchor_peer(2).unwrap().name, "peer0.org2.example.com");
    }

    #[test]
    fn sizes_out_of_range_are_refused() {
        assert!(matches!(
            Layout::plan(&options(0, 1, 7050)),
            Err(NetworkError::Size)
        ));
        assert!(matches!(
            Layout::plan(&options(2, 10, 7050)),
            Err(NetworkError::Size)
        ));
        assert!(matches!(
            Layout::plan(&options(2, 1, 65000)),
            Err(NetworkError::PortRange(65000))
        ));
    }

    #[test]
    fn generated_configs_are_yaml_with_every_org() {
        let l = Layout::plan(&options(3, 1, 7050)).unwrap();
        let configtx: serde_yaml::Value = serde_yaml::from_str(&l.configtx_yaml()).unwrap();
        let orgs = &configtx["Profiles"][CHANNEL_PROFILE]["Application"]["Organizations"];
        assert_eq!(orgs.as_sequence().unwrap().len(), 3);
        assert_eq!(
            configtx["Organizations"][3]["AnchorPeers"][0]["Port"].as_u64(),
            Some(11051)
        );
        let crypto: serde_yaml::Value = serde_yaml::from_str(&l.crypto_config_yaml(1)).unwrap();
        assert_eq!(crypto["PeerOrgs"].as_sequence().unwrap().len(), 3);
    }

    #[test]
    fn any_free_ports_when_the_base_is_zero() {
        let l = Layout::plan(&options(2, 1, 0)).unwrap();
        let mut ports: Vec<_> = l.nodes().map(|n| n.address.clone()).collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), 3);
    }
}
