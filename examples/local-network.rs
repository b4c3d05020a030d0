//! A full local network in one command, from `sampleconfig` alone: a solo orderer, one peer,
//! channel `mychannel` created, the peer joined and the anchor-peer update committed.
//!
//! ```sh
//! cargo build --release && cargo run --release --example local-network
//! ```
//!
//! It runs the real binaries built beside it (`target/release/{orderer,peer,configtxgen}`),
//! keeps every file under `target/local-network/` (logs, ledgers, artifacts), shows each step
//! live, prints a table of what runs where, and stops both nodes on Ctrl-C. Ports are
//! sampleconfig's: orderer 127.0.0.1:7050, peer 127.0.0.1:7051 (chaincode 7052), operations
//! 127.0.0.1:8443 (orderer) and 127.0.0.1:9443 (peer).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use comfy_table::{presets::UTF8_FULL, Table};
use indicatif::{ProgressBar, ProgressStyle};

const CHANNEL: &str = "mychannel";
const ORDERER: &str = "127.0.0.1:7050";
const PEER: &str = "127.0.0.1:7051";
/// Marks a folder this example made, so a rerun may replace it without touching anything else.
const MARKER: &str = ".local-network";

/// A node process, stopped (SIGTERM, then kill) when dropped.
struct Node {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Network {
    bin: PathBuf,
    dir: PathBuf,
    cfg: PathBuf,
}

type Step = Result<(), String>;

impl Network {
    fn env(&self) -> Vec<(&'static str, String)> {
        let path = |p: &str| self.dir.join(p).display().to_string();
        vec![
            ("FABRIC_CFG_PATH", self.cfg.display().to_string()),
            ("FABRIC_LOGGING_SPEC", "info".into()),
            ("ORDERER_FILELEDGER_LOCATION", path("orderer-ledger")),
            ("CORE_PEER_FILESYSTEMPATH", path("peer-production")),
            ("CORE_PEER_LISTENADDRESS", PEER.into()),
            ("CORE_PEER_ADDRESS", PEER.into()),
            ("CORE_PEER_CHAINCODELISTENADDRESS", "127.0.0.1:7052".into()),
            ("CORE_METRICS_PROVIDER", "prometheus".into()),
        ]
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.current_dir(&self.dir).envs(self.env());
        cmd
    }

    /// Runs a tool to completion; its stderr becomes the error when it fails.
    fn run(&self, program: &str, args: &[&str]) -> Step {
        let out = self
            .command(program)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Err(format!("{program} {} failed: {line}", args.join(" ")))
    }

    fn start(&self, name: &'static str, args: &[&str], port_of: &str) -> Result<Node, String> {
        if TcpStream::connect(port_of).is_ok() {
            return Err(format!(
                "{port_of} is already in use; stop what listens there and run again"
            ));
        }
        let log = self.dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = self
            .command(name)
            .args(args)
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let node = Node { name, child, log };
        let start = Instant::now();
        while TcpStream::connect(port_of).is_err() {
            if start.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "{name} did not listen on {port_of} within 30s; see {}",
                    node.log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(node)
    }

    /// The channel height as `peer channel getinfo` reports it.
    fn height(&self) -> Option<u64> {
        let out = self
            .command("peer")
            .args(["channel", "getinfo", "-c", CHANNEL])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let json = text.split_once("Blockchain info: ")?.1;
        let value: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
        value["height"].as_u64()
    }

    fn wait_height(&self, want: u64) -> Step {
        let start = Instant::now();
        while self.height().unwrap_or(0) < want {
            if start.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "channel {CHANNEL} did not reach height {want} within 30s"
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }
}

/// The release binaries live one folder above this example's executable.
fn binaries() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target folder")?
        .to_path_buf();
    for name in ["orderer", "peer", "configtxgen"] {
        if !bin.join(name).is_file() {
            return Err(format!(
                "{} is missing: run `cargo build --release` first",
                bin.join(name).display()
            ));
        }
    }
    Ok(bin)
}

/// A fresh working folder with a copy of sampleconfig.
fn prepare(bin: &Path) -> Result<Network, String> {
    let root = bin.parent().ok_or("cannot locate the target folder")?;
    let dir = root.join("local-network");
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            return Err(format!(
                "{} exists and was not made by this example; move it away",
                dir.display()
            ));
        }
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let cfg = dir.join("config");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig");
    copy_dir(&source, &cfg).map_err(|e| format!("copying {}: {e}", source.display()))?;
    std::fs::write(dir.join(MARKER), b"").map_err(|e| e.to_string())?;
    Ok(Network {
        bin: bin.to_path_buf(),
        dir,
        cfg,
    })
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn step<T>(
    bar: &ProgressBar,
    what: &str,
    f: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    bar.set_message(what.to_string());
    let started = Instant::now();
    let out = f()?;
    let secs = started.elapsed().as_secs_f64();
    // suspend, not println: the line must show when the bar is hidden (no terminal) too.
    bar.suspend(|| println!("  ✔ {what} ({secs:.1}s)"));
    Ok(out)
}

fn bring_up(net: &Network, bar: &ProgressBar) -> Result<Vec<Node>, String> {
    let tx = format!("{CHANNEL}.tx");
    let anchors = "anchors.tx";
    let orderer = step(bar, "start the orderer", || {
        net.start("orderer", &[], ORDERER)
    })?;
    let peer = step(bar, "start the peer", || {
        net.start("peer", &["node", "start"], PEER)
    })?;
    step(bar, "configtxgen: channel creation tx", || {
        net.run(
            "configtxgen",
            &[
                "-profile",
                "SampleSingleMSPChannel",
                "-channelID",
                CHANNEL,
                "-outputCreateChannelTx",
                &tx,
            ],
        )
    })?;
    step(bar, "peer channel create", || {
        net.run(
            "peer",
            &["channel", "create", "-o", ORDERER, "-c", CHANNEL, "-f", &tx],
        )
    })?;
    step(bar, "peer channel join", || {
        net.run(
            "peer",
            &["channel", "join", "-b", &format!("{CHANNEL}.block")],
        )
    })?;
    step(bar, "configtxgen: anchor peer update", || {
        net.run(
            "configtxgen",
            &[
                "-profile",
                "SampleSingleMSPChannel",
                "-channelID",
                CHANNEL,
                "-asOrg",
                "SampleOrg",
                "-outputAnchorPeersUpdate",
                anchors,
            ],
        )
    })?;
    step(bar, "peer channel update", || {
        net.run(
            "peer",
            &[
                "channel", "update", "-o", ORDERER, "-c", CHANNEL, "-f", anchors,
            ],
        )
    })?;
    step(bar, "the update is committed (height 2)", || {
        net.wait_height(2)
    })?;
    Ok(vec![orderer, peer])
}

fn summary(net: &Network, nodes: &[Node]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL);
    table.set_header(["node", "pid", "endpoint", "operations", "log"]);
    for node in nodes {
        let (endpoint, ops) = match node.name {
            "orderer" => (ORDERER, "127.0.0.1:8443"),
            _ => (PEER, "127.0.0.1:9443"),
        };
        table.add_row([
            node.name.to_string(),
            node.child.id().to_string(),
            endpoint.to_string(),
            ops.to_string(),
            node.log.display().to_string(),
        ]);
    }
    let height = net.height().map_or("?".into(), |h| h.to_string());
    table.add_row([
        "channel".into(),
        "".into(),
        CHANNEL.into(),
        format!("height {height}"),
        net.dir.display().to_string(),
    ]);
    table
}

fn main() -> ExitCode {
    let net = match binaries().and_then(|bin| prepare(&bin)) {
        Ok(net) => net,
        Err(e) => {
            eprintln!("local-network: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
    bar.enable_steady_tick(Duration::from_millis(100));
    let nodes = match bring_up(&net, &bar) {
        Ok(nodes) => nodes,
        Err(e) => {
            bar.finish_and_clear();
            eprintln!("local-network: {e}");
            eprintln!("logs and artifacts are in {}", net.dir.display());
            return ExitCode::FAILURE;
        }
    };
    bar.finish_and_clear();
    println!("{}", summary(&net, &nodes));
    println!("Use it from another terminal:");
    println!(
        "  export FABRIC_CFG_PATH={} CORE_PEER_ADDRESS={PEER}",
        net.cfg.display()
    );
    println!("  target/release/peer channel getinfo -c {CHANNEL}");
    println!(
        "Ctrl-C stops both nodes (their data stays in {}).",
        net.dir.display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let _ = runtime.block_on(tokio::signal::ctrl_c());
    println!("stopping…");
    // The peer first, so it does not spend its last moments reconnecting to the orderer.
    for node in nodes.into_iter().rev() {
        drop(node);
    }
    ExitCode::SUCCESS
}
