//! One local network from the sample configuration: our `orderer` (provisional
//! SampleInsecureSolo genesis) and our `peer node start` on loopback ports, driven by our
//! `peer` CLI and `configtxgen` as a user would. Every process started here is stopped by a
//! kill-on-drop [`Guard`].

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

pub use super::orderer::free_port;

const PEER: &str = env!("CARGO_BIN_EXE_peer");
const ORDERER: &str = env!("CARGO_BIN_EXE_orderer");
const CONFIGTXGEN: &str = env!("CARGO_BIN_EXE_configtxgen");

/// The repository's sampleconfig folder.
pub fn repo_sampleconfig() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig")
}

/// Waits (up to 30 s) until something listens on the loopback `port`.
pub fn wait_for_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed (and reaped) when dropped; its stderr goes to `log`, which is
/// printed when the test panics.
pub struct Guard {
    pub name: &'static str,
    child: Option<Child>,
    log: PathBuf,
}

impl Guard {
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    /// Sends signal `sig` (a `kill` name such as `TERM` or `9`).
    pub fn signal(&mut self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end; returns its exit code (None when killed by a signal).
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
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

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (up to 60 s) until the log holds `needle`.
    pub fn wait_log(&self, needle: &str) {
        let start = Instant::now();
        while !self.log_text().contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{} never logged {needle:?}; log:\n{}",
                self.name,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
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
pub struct Network {
    pub dir: tempfile::TempDir,
    /// A copy of sampleconfig whose orderer address is this network's orderer.
    pub cfg: PathBuf,
    pub orderer_port: u16,
    pub peer_port: u16,
    pub chaincode_port: u16,
    pub peer_ops_port: u16,
}

impl Network {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        super::copy_dir(&repo_sampleconfig(), &cfg);
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
            chaincode_port: free_port(),
            peer_ops_port: free_port(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn orderer_address(&self) -> String {
        format!("127.0.0.1:{}", self.orderer_port)
    }

    pub fn peer_address(&self) -> String {
        format!("127.0.0.1:{}", self.peer_port)
    }

    pub fn chaincode_address(&self) -> String {
        format!("127.0.0.1:{}", self.chaincode_port)
    }

    /// Spawns `cmd` with its stdout to `<name>.out` and its stderr appended to `<name>.log`
    /// (appended, so a restarted process keeps its earlier log).
    pub fn spawn(&self, name: &'static str, cmd: &mut Command) -> Guard {
        let log = self.path(&format!("{name}.log"));
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = cmd
            .stdout(std::fs::File::create(self.path(&format!("{name}.out"))).unwrap())
            .stderr(stderr)
            .spawn()
            .unwrap();
        Guard {
            name,
            child: Some(child),
            log,
        }
    }

    /// Starts the orderer and waits until it listens.
    pub fn start_orderer(&self) -> Guard {
        let guard = self.spawn(
            "orderer",
            Command::new(ORDERER)
                .env_clear()
                .env("FABRIC_CFG_PATH", &self.cfg)
                .env("FABRIC_LOGGING_SPEC", "info")
                .env("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1")
                .env("ORDERER_GENERAL_LISTENPORT", self.orderer_port.to_string())
                .env(
                    "ORDERER_OPERATIONS_LISTENADDRESS",
                    format!("127.0.0.1:{}", free_port()),
                )
                .env("ORDERER_FILELEDGER_LOCATION", self.path("orderer-ledger")),
        );
        wait_for_port(self.orderer_port);
        guard
    }

    /// The environment of every `peer` process (server and CLI).
    pub fn peer_env(&self) -> Vec<(String, String)> {
        [
            ("FABRIC_CFG_PATH", self.cfg.display().to_string()),
            ("FABRIC_LOGGING_SPEC", "info".into()),
            ("CORE_PEER_LISTENADDRESS", self.peer_address()),
            ("CORE_PEER_ADDRESS", self.peer_address()),
            ("CORE_PEER_CHAINCODELISTENADDRESS", self.chaincode_address()),
            (
                "CORE_OPERATIONS_LISTENADDRESS",
                format!("127.0.0.1:{}", self.peer_ops_port),
            ),
            ("CORE_METRICS_PROVIDER", "prometheus".into()),
            // One peer per org: it is its org's static leader (no election to wait for),
            // and its own bootstrap peer (Fabric skips that) instead of the sample's
            // 127.0.0.1:7051.
            ("CORE_PEER_GOSSIP_USELEADERELECTION", "false".into()),
            ("CORE_PEER_GOSSIP_ORGLEADER", "true".into()),
            ("CORE_PEER_GOSSIP_BOOTSTRAP", self.peer_address()),
            // Announced to other orgs and to discovery clients (SDKs with discovery on).
            ("CORE_PEER_GOSSIP_EXTERNALENDPOINT", self.peer_address()),
            (
                "CORE_PEER_FILESYSTEMPATH",
                self.path("peer-production").display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// `peer node start`; waits until this start logged the peer's ID.
    pub fn start_peer(&self) -> Guard {
        self.start_peer_with(&[])
    }

    /// `peer node start <extra>` (say `--peer-chaincodedev`); waits until this start logged
    /// the peer's ID (a restarted peer appends to the same log).
    pub fn start_peer_with(&self, extra: &[&str]) -> Guard {
        let started = |text: &str| text.matches("Started peer with ID=").count();
        let before = started(&std::fs::read_to_string(self.path("peer.log")).unwrap_or_default());
        let guard = self.spawn(
            "peer",
            Command::new(PEER)
                .args(["node", "start"])
                .args(extra)
                .env_clear()
                .envs(self.peer_env()),
        );
        let start = Instant::now();
        while started(&guard.log_text()) == before {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "peer did not start; log:\n{}",
                guard.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        guard
    }

    /// Runs the `peer` CLI in the network's folder with the peer's environment.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(PEER)
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.peer_env())
            .output()
            .unwrap()
    }

    /// [`Network::cli`] that must succeed.
    pub fn cli_ok(&self, args: &[&str]) -> Output {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "peer {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `configtxgen` in the network's folder; it must succeed.
    pub fn configtxgen(&self, args: &[&str]) {
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
    pub fn create_channel(&self, channel: &str) -> PathBuf {
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

    /// Sends SampleOrg's anchor-peer update of `channel` (made by configtxgen) to the
    /// orderer with `peer channel update`: one config block more on the channel.
    pub fn update_anchor_peers(&self, channel: &str) {
        let anchors = self.path(&format!("{channel}-anchors.tx"));
        self.configtxgen(&[
            "-profile",
            "SampleSingleMSPChannel",
            "-channelID",
            channel,
            "-asOrg",
            "SampleOrg",
            "-outputAnchorPeersUpdate",
            anchors.to_str().unwrap(),
        ]);
        self.cli_ok(&[
            "channel",
            "update",
            "-o",
            &self.orderer_address(),
            "-c",
            channel,
            "-f",
            anchors.to_str().unwrap(),
        ]);
    }
}
