//! Gossip on a real network of our binaries, brought up by `test-network`: two orgs of two
//! peers, leader election in Org1 and a static leader (peer0) in Org2. Only the leaders pull
//! from the orderer and every peer commits every block; a follower stopped while blocks
//! flow catches up after its restart with no new block to carry it; the elected leader
//! killed hands leadership to the other Org1 peer and blocks keep flowing; both orgs'
//! peers are visible through the anchor peers from every peer (`discover peers`).
//!
//! Blocks are made by broadcasting small signed transactions to the orderer, one block at a
//! time (the peers commit them as invalid transactions: the height is what counts here).
//! Heights and leadership come from each node's operations `/metrics`; who ran a deliver
//! client from each peer's log (the `deliveryClient` logger's "Starting deliver").

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use fabric::test_network::metrics::{channel_value, scrape, ChannelMetrics};
use fabric::test_network::{Layout, Node, Toolchain};

use crate::support::orderer::{broadcast, connect_port, msp_signer, tx};

const TEST_NETWORK: &str = env!("CARGO_BIN_EXE_test-network");
const DISCOVER: &str = env!("CARGO_BIN_EXE_discover");
const PEER: &str = env!("CARGO_BIN_EXE_peer");
/// The upper bound for anything gossip should do within seconds on this network.
const LIMIT: Duration = Duration::from_secs(90);
/// What a peer's log says when its deliver client starts pulling from the orderer.
const DELIVER_STARTED: &str = "Starting deliver with";

/// A two-org network of two peers each, Org1 electing its leader, Org2's peer0 a static
/// leader; `down` when dropped.
struct Net {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Net {
    fn up() -> Net {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("net");
        let net = Net { _tmp: tmp, dir };
        let up = Command::new(TEST_NETWORK)
            .args([
                "up",
                "--no-chaincode",
                "--orgs",
                "2",
                "--peers-per-org",
                "2",
            ])
            .args(["--leader", "election,static", "--base-port", "0", "--dir"])
            .arg(&net.dir)
            .output()
            .unwrap();
        assert!(
            up.status.success(),
            "test-network up: {}\n{}",
            text(&up.stderr),
            net.logs()
        );
        net
    }

    fn layout(&self) -> Layout {
        Layout::load(&self.dir).unwrap()
    }

    fn peer(&self, name: &str) -> Node {
        let layout = self.layout();
        let found = layout.peers.iter().find(|p| p.name.starts_with(name));
        found.unwrap_or_else(|| panic!("no peer {name}")).clone()
    }

    fn metrics(&self, node: &Node) -> ChannelMetrics {
        ChannelMetrics::of(&node.operations, &self.layout().channel).unwrap_or_default()
    }

    fn orderer_height(&self) -> u64 {
        let layout = self.layout();
        scrape(&layout.orderer.operations)
            .and_then(|t| channel_value(&t, "ledger_blockchain_height", &layout.channel))
            .map_or(0, |h| h as u64)
    }

    /// `node`'s log, and its log after a restart if it had one.
    fn log(&self, node: &Node) -> String {
        let first = self.layout().log_path(node);
        let restarted = self
            .dir
            .join("logs")
            .join(format!("{}.restarted.log", node.name));
        [first, restarted]
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default())
            .collect()
    }

    /// Every node's log, for a failure's message.
    fn logs(&self) -> String {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join("logs"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(60).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                format!("--- {} (last 60 lines)\n{}\n", f.display(), tail.join("\n"))
            })
            .collect()
    }

    /// Waits (up to [`LIMIT`]) until `check` holds; fails with `what` and the logs.
    fn wait(&self, what: &str, check: impl FnMut() -> bool) {
        if !held_within_limit(check) {
            panic!("{what}: not within {LIMIT:?}\n{}", self.logs());
        }
    }

    /// Cuts `n` blocks: one transaction at a time, each awaited in the orderer's ledger.
    fn blocks(&self, n: u64) {
        let layout = self.layout();
        let port: u16 = layout
            .orderer
            .address
            .rsplit_once(':')
            .unwrap()
            .1
            .parse()
            .unwrap();
        let signer = msp_signer(&layout.admin_msp(1), "Org1MSP");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut client = runtime.block_on(connect_port(port));
        for _ in 0..n {
            let before = self.orderer_height();
            let nonce = before * 1000 + u64::from(std::process::id() % 1000);
            let answers = runtime.block_on(broadcast(
                &mut client,
                vec![tx(signer.as_ref(), &layout.channel, nonce)],
            ));
            assert_eq!(answers[0].0, 200, "broadcast: {answers:?}");
            self.wait("the orderer cuts the block", || {
                self.orderer_height() > before
            });
        }
    }

    /// Waits until each of `peers` has every block the orderer has.
    fn all_commit(&self, peers: &[&Node]) {
        let want = self.orderer_height();
        for peer in peers {
            self.wait(&format!("{} reaches height {want}", peer.name), || {
                self.metrics(peer).height.is_some_and(|h| h >= want)
            });
        }
    }

    /// The Org1 peer whose election metric says it leads, once exactly one does.
    fn org1_leader(&self) -> Node {
        let org1 = [self.peer("peer0.org1"), self.peer("peer1.org1")];
        let mut leader = None;
        self.wait("exactly one Org1 peer is elected leader", || {
            let leads: Vec<&Node> = org1
                .iter()
                .filter(|p| self.metrics(p).leader == Some(true))
                .collect();
            leader = (leads.len() == 1).then(|| leads[0].clone());
            leader.is_some()
        });
        leader.unwrap()
    }

    fn pulled_from_orderer(&self, node: &Node) -> bool {
        self.log(node).contains(DELIVER_STARTED)
    }

    /// Starts `node` again with the environment `up` gave it, its output in a new log, and
    /// records its pid so `down` stops it.
    fn restart(&self, name: &str) {
        let mut layout = self.layout();
        let tools = Toolchain::at(Path::new(PEER).parent().unwrap().to_path_buf()).unwrap();
        let i = layout
            .peers
            .iter()
            .position(|p| p.name.starts_with(name))
            .unwrap();
        let node = layout.peers[i].clone();
        let log = self
            .dir
            .join("logs")
            .join(format!("{}.restarted.log", node.name));
        let env = layout.peer_env(&node);
        let pid = tools
            .start_node("peer", &["node", "start"], &env, &node.address, &log)
            .unwrap_or_else(|e| panic!("restart {}: {e}\n{}", node.name, self.logs()));
        layout.peers[i].pid = Some(pid);
        layout.save().unwrap();
    }

    fn signal(&self, node: &Node, signal: libc::c_int) {
        let pid = node.pid.expect("a running node");
        // SAFETY: kill(2) on the pid of a node this test's network started.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, signal) }, 0);
        self.wait(&format!("{} exits", node.name), || !node.is_running());
    }

    /// `discover peers` on the channel from `peer`, as Org1's admin.
    fn discover_peers(&self, peer: &Node) -> Output {
        let layout = self.layout();
        let msp = layout.admin_msp(1);
        let key = std::fs::read_dir(msp.join("keystore"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        Command::new(DISCOVER)
            .args(["--MSP", "Org1MSP", "--userCert"])
            .arg(msp.join("signcerts/Admin@org1.example.com-cert.pem"))
            .arg("--userKey")
            .arg(key)
            .args([
                "peers",
                "--server",
                &peer.address,
                "--channel",
                &layout.channel,
            ])
            .env_clear()
            .output()
            .unwrap()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        if self.dir.join("network.json").exists() {
            let _ = Command::new(TEST_NETWORK)
                .args(["down", "--dir"])
                .arg(&self.dir)
                .output();
        }
    }
}

/// Whether `check` holds within [`LIMIT`], polling.
fn held_within_limit(mut check: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while !check() {
        if started.elapsed() > LIMIT {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    true
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn only_the_leaders_pull_from_the_orderer_and_every_peer_commits_every_block() {
    let net = Net::up();
    let leader1 = net.org1_leader();
    let follower1 = [net.peer("peer0.org1"), net.peer("peer1.org1")]
        .into_iter()
        .find(|p| p.name != leader1.name)
        .unwrap();
    let (leader2, follower2) = (net.peer("peer0.org2"), net.peer("peer1.org2"));
    net.blocks(3);
    net.all_commit(&[&leader1, &follower1, &leader2, &follower2]);
    let heights: Vec<Option<u64>> = [&leader1, &follower1, &leader2, &follower2]
        .iter()
        .map(|p| net.metrics(p).height)
        .collect();
    assert!(heights.iter().all(|h| *h == heights[0]), "{heights:?}");

    for leader in [&leader1, &leader2] {
        assert!(
            net.pulled_from_orderer(leader),
            "{} never pulled\n{}",
            leader.name,
            net.logs()
        );
    }
    for follower in [&follower1, &follower2] {
        assert!(
            !net.pulled_from_orderer(follower),
            "follower {} pulled from the orderer\n{}",
            follower.name,
            net.log(follower)
        );
    }
    assert_eq!(net.metrics(&follower1).leader, Some(false));

    let status = Command::new(TEST_NETWORK)
        .args(["status", "--dir"])
        .arg(&net.dir)
        .output()
        .unwrap();
    let table = text(&status.stdout);
    assert_eq!(table.matches("yes (elected)").count(), 1, "{table}");
    assert_eq!(table.matches("yes (static)").count(), 1, "{table}");
    let height = format!("mychannel: {}", heights[0].unwrap());
    assert_eq!(table.matches(&height).count(), 4, "{table}");
}

#[test]
fn both_orgs_are_visible_through_the_anchor_peers_from_every_peer() {
    let net = Net::up();
    for peer in net.layout().peers {
        let mut last = String::new();
        let mut seen = Vec::new();
        let listed = held_within_limit(|| {
            let out = net.discover_peers(&peer);
            last = format!("{}{}", text(&out.stdout), text(&out.stderr));
            let Ok(json) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
                return false;
            };
            seen = json
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["MSPID"].as_str().unwrap_or("").to_string(),
                        p["Endpoint"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            seen.len() == 4
        });
        assert!(
            listed,
            "discover peers from {} did not list 4 peers within {LIMIT:?}; last answer: {last}\n{}",
            peer.name,
            net.logs()
        );
        seen.sort();
        let mut want: Vec<(String, String)> = net
            .layout()
            .peers
            .iter()
            .map(|p| (p.msp_id.clone(), p.address.clone()))
            .collect();
        want.sort();
        assert_eq!(seen, want, "from {}: {last}", peer.name);
    }
}

#[test]
fn a_follower_stopped_while_blocks_flow_catches_up_after_its_restart() {
    let net = Net::up();
    let follower = net.peer("peer1.org2");
    let others = [
        net.peer("peer0.org1"),
        net.peer("peer1.org1"),
        net.peer("peer0.org2"),
    ];
    net.blocks(1);
    net.all_commit(&[&follower]);
    net.signal(&follower, libc::SIGTERM);
    net.blocks(3);
    net.all_commit(&others.iter().collect::<Vec<_>>());
    let want = net.orderer_height();

    // No block flows now: the restarted peer gets the ones it missed from its peers.
    net.restart("peer1.org2");
    let follower = net.peer("peer1.org2");
    net.wait(
        &format!("the restarted follower reaches height {want}"),
        || net.metrics(&follower).height.is_some_and(|h| h >= want),
    );
    assert!(
        !net.pulled_from_orderer(&follower),
        "{}",
        net.log(&follower)
    );

    net.blocks(1);
    let everyone: Vec<&Node> = others.iter().chain([&follower]).collect();
    net.all_commit(&everyone);
}

#[test]
fn the_elected_leader_killed_hands_over_and_blocks_keep_flowing() {
    let net = Net::up();
    let leader = net.org1_leader();
    net.blocks(1);
    net.signal(&leader, libc::SIGKILL);

    let heir = [net.peer("peer0.org1"), net.peer("peer1.org1")]
        .into_iter()
        .find(|p| p.name != leader.name)
        .unwrap();
    net.wait(&format!("{} takes over leadership", heir.name), || {
        net.metrics(&heir).leader == Some(true)
    });
    net.blocks(3);
    net.all_commit(&[&heir, &net.peer("peer0.org2"), &net.peer("peer1.org2")]);
    assert!(net.pulled_from_orderer(&heir), "{}", net.log(&heir));
}
