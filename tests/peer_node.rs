//! A whole local network from the sample configuration only (no vectors): our real `orderer`
//! (provisional SampleInsecureSolo genesis) and our real `peer node start` on loopback
//! ports, driven by our `peer` CLI and `configtxgen` as a user would: channel create,
//! fetch, join, getinfo, anchor-peer updates flowing as blocks, admin and logging
//! commands, the operations endpoints, restarts, SIGTERM and kill -9.
//!
//! Every process a test starts is stopped by a guard (kill on drop).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;

const PEER: &str = env!("CARGO_BIN_EXE_peer");
const ORDERER: &str = env!("CARGO_BIN_EXE_orderer");
const CONFIGTXGEN: &str = env!("CARGO_BIN_EXE_configtxgen");

fn repo_sampleconfig() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (and reaped) when dropped.
struct Guard {
    name: &'static str,
    child: Option<Child>,
    log: PathBuf,
}

impl Guard {
    fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    fn signal(&mut self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end; returns its exit code (None when killed by a signal).
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let mut child = self.child.take().expect("running");
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code();
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} did not exit within {limit:?}; log:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- {} log ---\n{}", self.name, self.log_text());
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One local network: folders, ports and the environment each binary runs with.
struct Network {
    dir: tempfile::TempDir,
    /// A copy of sampleconfig whose orderer address is this network's orderer.
    cfg: PathBuf,
    orderer_port: u16,
    peer_port: u16,
    peer_ops_port: u16,
}

impl Network {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        support::copy_dir(&repo_sampleconfig(), &cfg);
        let orderer_port = free_port();
        let configtx = cfg.join("configtx.yaml");
        let text = std::fs::read_to_string(&configtx).unwrap();
        assert!(text.contains("127.0.0.1:7050"));
        std::fs::write(
            &configtx,
            text.replace("127.0.0.1:7050", &format!("127.0.0.1:{orderer_port}")),
        )
        .unwrap();
        Network {
            dir,
            cfg,
            orderer_port,
            peer_port: free_port(),
            peer_ops_port: free_port(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn orderer_address(&self) -> String {
        format!("127.0.0.1:{}", self.orderer_port)
    }

    fn peer_address(&self) -> String {
        format!("127.0.0.1:{}", self.peer_port)
    }

    fn start_orderer(&self) -> Guard {
        let log = self.path("orderer.log");
        let child = Command::new(ORDERER)
            .env_clear()
            .env("FABRIC_CFG_PATH", &self.cfg)
            .env("FABRIC_LOGGING_SPEC", "info")
            .env("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1")
            .env("ORDERER_GENERAL_LISTENPORT", self.orderer_port.to_string())
            .env(
                "ORDERER_OPERATIONS_LISTENADDRESS",
                format!("127.0.0.1:{}", free_port()),
            )
            .env("ORDERER_FILELEDGER_LOCATION", self.path("orderer-ledger"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        wait_for_port(self.orderer_port);
        Guard {
            name: "orderer",
            child: Some(child),
            log,
        }
    }

    /// The environment of every `peer` process (server and CLI).
    fn peer_env(&self) -> Vec<(String, String)> {
        [
            ("FABRIC_CFG_PATH", self.cfg.display().to_string()),
            ("FABRIC_LOGGING_SPEC", "info".into()),
            ("CORE_PEER_LISTENADDRESS", self.peer_address()),
            ("CORE_PEER_ADDRESS", self.peer_address()),
            (
                "CORE_PEER_CHAINCODELISTENADDRESS",
                format!("127.0.0.1:{}", free_port()),
            ),
            (
                "CORE_OPERATIONS_LISTENADDRESS",
                format!("127.0.0.1:{}", self.peer_ops_port),
            ),
            ("CORE_METRICS_PROVIDER", "prometheus".into()),
            (
                "CORE_PEER_FILESYSTEMPATH",
                self.path("peer-production").display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn start_peer(&self) -> Guard {
        let log = self.path("peer.log");
        let started = |text: &str| text.matches("Started peer with ID=").count();
        let before = started(&std::fs::read_to_string(&log).unwrap_or_default());
        let child = Command::new(PEER)
            .args(["node", "start"])
            .env_clear()
            .envs(self.peer_env())
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .unwrap(),
            )
            .spawn()
            .unwrap();
        let guard = Guard {
            name: "peer",
            child: Some(child),
            log,
        };
        let start = Instant::now();
        while started(&guard.log_text()) == before {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "peer did not start; log:\n{}",
                guard.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        guard
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(PEER)
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.peer_env())
            .output()
            .unwrap()
    }

    fn cli_ok(&self, args: &[&str]) -> Output {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "peer {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn configtxgen(&self, args: &[&str]) {
        let out = Command::new(CONFIGTXGEN)
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("FABRIC_CFG_PATH", &self.cfg)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "configtxgen {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `configtxgen` channel creation tx + `peer channel create`; returns the block path.
    fn create_channel(&self, channel: &str) -> PathBuf {
        let tx = self.path(&format!("{channel}.tx"));
        self.configtxgen(&[
            "-profile",
            "SampleSingleMSPChannel",
            "-channelID",
            channel,
            "-outputCreateChannelTx",
            tx.to_str().unwrap(),
        ]);
        let block = self.path(&format!("{channel}.block"));
        self.cli_ok(&[
            "channel",
            "create",
            "-o",
            &self.orderer_address(),
            "-c",
            channel,
            "-f",
            tx.to_str().unwrap(),
            "--outputBlock",
            block.to_str().unwrap(),
        ]);
        block
    }
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn decode_block(path: &Path) -> fabric::protos::common::Block {
    let bytes = std::fs::read(path).unwrap();
    fabric::protoutil::decode("Block", &bytes).unwrap()
}

fn block_number(path: &Path) -> u64 {
    decode_block(path).header.unwrap().number
}

fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (code, body)
}

/// `peer channel create` against our orderer writes block 0; `fetch` gets oldest, newest,
/// config and a number from the orderer with Fabric's default file names; a mismatched
/// channel name is one clear line.
#[test]
fn channel_create_and_fetch_from_the_orderer() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    assert_eq!(block_number(&block), 0);
    for which in ["oldest", "newest", "config", "0"] {
        net.cli_ok(&[
            "channel",
            "fetch",
            which,
            "-c",
            "mychannel",
            "-o",
            &net.orderer_address(),
        ]);
        let file = net.path(&format!("mychannel_{which}.block"));
        assert_eq!(block_number(&file), 0, "{which}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            std::fs::read(&block).unwrap()
        );
    }
    let out = net.cli(&[
        "channel",
        "create",
        "-o",
        &net.orderer_address(),
        "-c",
        "otherchannel",
        "-f",
        net.path("mychannel.tx").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mismatched channel ID mychannel != otherchannel"),
        "{err}"
    );
}

fn height(net: &Network, channel: &str) -> u64 {
    let out = net.cli_ok(&["channel", "getinfo", "-c", channel]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = text
        .strip_prefix("Blockchain info: ")
        .unwrap_or_else(|| panic!("unexpected getinfo output {text:?}"));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    v["height"].as_u64().unwrap_or(0)
}

fn wait_height(net: &Network, channel: &str, at_least: u64) -> u64 {
    let start = Instant::now();
    loop {
        let h = height(net, channel);
        if h >= at_least {
            return h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "height stayed at {h}, wanted {at_least}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A transaction that reaches a block: a qscc invocation endorsed by the peer and sent to
/// the orderer (no user chaincode runtime is needed for it to be ordered and committed).
fn send_tx(net: &Network, channel: &str) {
    net.cli_ok(&[
        "chaincode",
        "invoke",
        "-o",
        &net.orderer_address(),
        "-C",
        channel,
        "-n",
        "qscc",
        "-c",
        &format!(r#"{{"Args":["GetChainInfo","{channel}"]}}"#),
    ]);
}

/// The whole life of a peer: start, join, blocks flow (anchor-peer config update and
/// transactions), admin and logging live, operations endpoints, restart with the channel
/// back, SIGTERM exits 0, reset and rollback refused while running.
#[test]
fn peer_joins_commits_restarts_and_stops_cleanly() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    let mut peer = net.start_peer();
    let out = net.cli_ok(&["node", "status"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "status:STARTED \n");
    let out = net.cli_ok(&["chaincode", "list", "--installed"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Get installed chaincodes on peer:\n"
    );
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let out = net.cli_ok(&["channel", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\nmychannel\n"));
    assert_eq!(wait_height(&net, "mychannel", 1), 1);

    let anchors = net.path("anchors.tx");
    net.configtxgen(&[
        "-profile",
        "SampleSingleMSPChannel",
        "-channelID",
        "mychannel",
        "-asOrg",
        "SampleOrg",
        "-outputAnchorPeersUpdate",
        anchors.to_str().unwrap(),
    ]);
    net.cli_ok(&[
        "channel",
        "update",
        "-o",
        &net.orderer_address(),
        "-c",
        "mychannel",
        "-f",
        anchors.to_str().unwrap(),
    ]);
    assert_eq!(wait_height(&net, "mychannel", 2), 2);
    send_tx(&net, "mychannel");
    assert_eq!(wait_height(&net, "mychannel", 3), 3);
    net.cli_ok(&["channel", "fetch", "config", "-c", "mychannel"]);
    assert_eq!(block_number(&net.path("mychannel_config.block")), 1);

    // Logging changes are live and visible through both the CLI and /logspec.
    let out = net.cli_ok(&["logging", "setlevel", "gossip", "debug"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("'gossip': DEBUG"));
    let out = net.cli_ok(&["logging", "getlevel", "gossip.comm"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEBUG"));
    let (code, body) = http(net.peer_ops_port, "GET", "/logspec", "");
    assert_eq!(code, 200);
    assert!(body.contains("gossip=debug"), "{body}");
    net.cli_ok(&["logging", "revertlevels"]);
    let (_, body) = http(net.peer_ops_port, "GET", "/logspec", "");
    assert!(!body.contains("gossip=debug"), "{body}");

    let (code, body) = http(net.peer_ops_port, "GET", "/healthz", "");
    assert_eq!((code, body.contains("\"OK\"")), (200, true), "{body}");
    let (_, body) = http(net.peer_ops_port, "GET", "/version", "");
    assert!(body.contains("\"Version\":\"1.4.12\""), "{body}");
    let (_, body) = http(net.peer_ops_port, "GET", "/metrics", "");
    assert!(
        body.contains("ledger_blockchain_height{channel=\"mychannel\"} 3"),
        "{body}"
    );
    assert!(body.contains("endorser_proposals_received "), "{body}");

    let out = net.cli(&["node", "reset", "--yes"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by a running peer"));

    peer.signal("TERM");
    assert_eq!(peer.wait(Duration::from_secs(20)), Some(0));
    assert!(peer.log_text().contains("Received signal: 15 (terminated)"));

    // Offline: without --yes and without a terminal, reset is refused.
    let out = net.cli(&["node", "rollback", "-c", "mychannel", "-b", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --yes"));

    let _peer = net.start_peer();
    assert_eq!(height(&net, "mychannel"), 3);
    send_tx(&net, "mychannel");
    assert_eq!(wait_height(&net, "mychannel", 4), 4);
}

/// kill -9 while transactions commit, several times: after each restart the channel comes
/// back consistent (height from getinfo equals the newest block the peer delivers plus one)
/// and catches up with the orderer's height.
#[test]
fn kill_nine_during_commits_then_restart_is_consistent() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    let mut peer = net.start_peer();
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    wait_height(&net, "mychannel", 1);
    let mut previous = 1;
    for round in 0..3 {
        for _ in 0..3 {
            send_tx(&net, "mychannel");
        }
        std::thread::sleep(Duration::from_millis(2100 + 300 * round));
        peer.signal("KILL");
        assert_eq!(peer.wait(Duration::from_secs(10)), None, "round {round}");
        net.cli_ok(&[
            "channel",
            "fetch",
            "newest",
            "-c",
            "mychannel",
            "-o",
            &net.orderer_address(),
            net.path("orderer_newest.block").to_str().unwrap(),
        ]);
        let ordered = block_number(&net.path("orderer_newest.block")) + 1;
        assert!(
            ordered > previous,
            "round {round}: no new blocks were ordered"
        );
        previous = ordered;
        peer = net.start_peer();
        let h = wait_height(&net, "mychannel", ordered);
        assert_eq!(h, ordered, "round {round}");
        net.cli_ok(&["channel", "fetch", "newest", "-c", "mychannel"]);
        let ours = net.path("mychannel_newest.block");
        assert_eq!(block_number(&ours), h - 1, "round {round}");
        assert_eq!(
            decode_block(&ours).header,
            decode_block(&net.path("orderer_newest.block")).header,
            "round {round}: the peer's newest block is not the orderer's"
        );
    }
    drop(peer);
}
