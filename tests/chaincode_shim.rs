//! A real Node.js chaincode (fabric-shim 2.5.8, `tests/chaincode_support/cc.js`) started by
//! hand, as in Fabric's dev mode, registers with our `peer node start --peer-chaincodedev`;
//! `peer chaincode instantiate / invoke / query` endorse through it against our orderer:
//! Init, move, query after commit, a range query and a key's history over the shim's
//! iterator protocol, an error response, and a chaincode that is not running (one line).
//!
//! Needs node and `npm ci --prefix tests/chaincode_support` (CI does both); without them the
//! test says `skipped: ...` and passes. Every process is stopped by a kill-on-drop guard.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use prost::Message;

mod support;

const PEER: &str = env!("CARGO_BIN_EXE_peer");
const ORDERER: &str = env!("CARGO_BIN_EXE_orderer");
const CONFIGTXGEN: &str = env!("CARGO_BIN_EXE_configtxgen");

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
    child: Child,
    log: PathBuf,
}

impl Guard {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_log(&self, needle: &str) {
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Network {
    dir: tempfile::TempDir,
    cfg: PathBuf,
    orderer_port: u16,
    peer_port: u16,
    chaincode_port: u16,
    ops_port: u16,
}

impl Network {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        let sampleconfig = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig");
        support::copy_dir(&sampleconfig, &cfg);
        let orderer_port = free_port();
        let configtx = cfg.join("configtx.yaml");
        let text = std::fs::read_to_string(&configtx).unwrap();
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
            ops_port: free_port(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn orderer(&self) -> String {
        format!("127.0.0.1:{}", self.orderer_port)
    }

    fn chaincode_address(&self) -> String {
        format!("127.0.0.1:{}", self.chaincode_port)
    }

    fn spawn(&self, name: &'static str, cmd: &mut Command) -> Guard {
        let log = self.path(&format!("{name}.log"));
        let child = cmd
            .stdout(std::fs::File::create(self.path(&format!("{name}.out"))).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Guard { name, child, log }
    }

    fn start_orderer(&self) -> Guard {
        let g = self.spawn(
            "orderer",
            Command::new(ORDERER)
                .env_clear()
                .env("FABRIC_CFG_PATH", &self.cfg)
                .env("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1")
                .env("ORDERER_GENERAL_LISTENPORT", self.orderer_port.to_string())
                .env(
                    "ORDERER_OPERATIONS_LISTENADDRESS",
                    format!("127.0.0.1:{}", free_port()),
                )
                .env("ORDERER_FILELEDGER_LOCATION", self.path("orderer-ledger")),
        );
        wait_for_port(self.orderer_port);
        g
    }

    fn peer_env(&self) -> Vec<(String, String)> {
        let peer = format!("127.0.0.1:{}", self.peer_port);
        [
            ("FABRIC_CFG_PATH", self.cfg.display().to_string()),
            ("FABRIC_LOGGING_SPEC", "info".into()),
            ("CORE_PEER_LISTENADDRESS", peer.clone()),
            ("CORE_PEER_ADDRESS", peer),
            ("CORE_PEER_CHAINCODELISTENADDRESS", self.chaincode_address()),
            (
                "CORE_OPERATIONS_LISTENADDRESS",
                format!("127.0.0.1:{}", self.ops_port),
            ),
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
        let g = self.spawn(
            "peer",
            Command::new(PEER)
                .args(["node", "start", "--peer-chaincodedev"])
                .env_clear()
                .envs(self.peer_env()),
        );
        g.wait_log("Started peer with ID=");
        g
    }

    fn start_chaincode(&self, node: &Path, id: &str) -> Guard {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chaincode_support");
        self.spawn(
            "chaincode",
            Command::new(node)
                .arg(dir.join("cc.js"))
                .args(["--peer.address", &self.chaincode_address()])
                .env_clear()
                .env("CORE_CHAINCODE_ID_NAME", id)
                .env("CORE_PEER_TLS_ENABLED", "false")
                .env("CORE_CHAINCODE_LOGGING_LEVEL", "info"),
        )
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

    fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "peer {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn create_and_join(&self, channel: &str) {
        let tx = self.path(&format!("{channel}.tx"));
        let out = Command::new(CONFIGTXGEN)
            .args(["-profile", "SampleSingleMSPChannel", "-channelID", channel])
            .arg("-outputCreateChannelTx")
            .arg(&tx)
            .current_dir(self.dir.path())
            .env_clear()
            .env("FABRIC_CFG_PATH", &self.cfg)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let block = self.path(&format!("{channel}.block"));
        let (tx, block) = (tx.to_str().unwrap(), block.to_str().unwrap());
        let orderer = self.orderer();
        self.cli_ok(&[
            "channel",
            "create",
            "-o",
            &orderer,
            "-c",
            channel,
            "-f",
            tx,
            "--outputBlock",
            block,
        ]);
        self.cli_ok(&["channel", "join", "-b", block]);
    }

    /// `peer chaincode query` until it prints `want` (the commit is asynchronous).
    fn query_until(&self, channel: &str, ctor: &str, want: &str) {
        let start = Instant::now();
        loop {
            let out = self.cli(&[
                "chaincode",
                "query",
                "-C",
                channel,
                "-n",
                "mycc",
                "-c",
                ctor,
            ]);
            let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && text == want {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "query {ctor} never answered {want:?}; last: {text:?} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
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

/// node on PATH and the test chaincode's npm packages installed, or why not.
fn node_setup() -> Result<PathBuf, String> {
    let node = std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("node"))
                .find(|p| p.is_file())
        })
        .ok_or("node is not installed (CI installs it)")?;
    let shim = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/chaincode_support/node_modules/fabric-shim/package.json");
    if !shim.is_file() {
        return Err(
            "fabric-shim is not installed: run npm ci --prefix tests/chaincode_support".into(),
        );
    }
    Ok(node)
}

/// A ChaincodeDeploymentSpec for a node chaincode with an empty code package (what lscc
/// needs to install and instantiate; the process is started by hand).
fn write_package(path: &Path, name: &str, version: &str) {
    use fabric::protos::peer::{
        chaincode_spec, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeSpec,
    };
    let cds = ChaincodeDeploymentSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Node as i32,
            chaincode_id: Some(ChaincodeId {
                name: name.into(),
                version: version.into(),
                path: "tests/chaincode_support".into(),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    std::fs::write(path, cds.encode_to_vec()).unwrap();
}

#[test]
fn node_chaincode_instantiate_invoke_query_through_the_real_shim() {
    let node = match node_setup() {
        Ok(n) => n,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let net = Network::new();
    let _orderer = net.start_orderer();
    let peer = net.start_peer();
    assert!(peer
        .log_text()
        .contains("Running in chaincode development mode"));
    net.create_and_join("ccchannel");
    let package = net.path("mycc.cds");
    write_package(&package, "mycc", "1.0");
    net.cli_ok(&["chaincode", "install", package.to_str().unwrap()]);
    let orderer = net.orderer();
    let instantiate = [
        "chaincode",
        "instantiate",
        "-o",
        &orderer,
        "-C",
        "ccchannel",
        "-n",
        "mycc",
        "-v",
        "1.0",
        "-l",
        "node",
        "-c",
        r#"{"Args":["init","a","100","b","200"]}"#,
    ];

    // Not running yet: one clear line, nothing endorsed.
    let out = net.cli(&instantiate);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not launch chaincode mycc:1.0: it is not running and this build does not launch chaincodes"),
        "{err}"
    );

    let cc = net.start_chaincode(&node, "mycc:1.0");
    peer.wait_log("chaincode mycc:1.0 registered and ready");
    net.cli_ok(&instantiate);
    net.query_until("ccchannel", r#"{"Args":["query","a"]}"#, "100");

    net.cli_ok(&[
        "chaincode",
        "invoke",
        "-o",
        &orderer,
        "-C",
        "ccchannel",
        "-n",
        "mycc",
        "-c",
        r#"{"Args":["move","a","b","10"]}"#,
    ]);
    net.query_until("ccchannel", r#"{"Args":["query","a"]}"#, "90");
    net.query_until("ccchannel", r#"{"Args":["query","b"]}"#, "210");
    net.query_until("ccchannel", r#"{"Args":["range","a","z"]}"#, r#"["a","b"]"#);
    net.query_until(
        "ccchannel",
        r#"{"Args":["history","a"]}"#,
        r#"["100","90"]"#,
    );

    // A chaincode error response fails endorsement with its message and status.
    let out = net.cli(&[
        "chaincode",
        "query",
        "-C",
        "ccchannel",
        "-n",
        "mycc",
        "-c",
        r#"{"Args":["fail","boom"]}"#,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("boom") && err.contains("500"), "{err}");

    // The chaincode goes away: the next call says it is not running.
    drop(cc);
    peer.wait_log("chaincode mycc:1.0 disconnected");
    let out = net.cli(&[
        "chaincode",
        "query",
        "-C",
        "ccchannel",
        "-n",
        "mycc",
        "-c",
        r#"{"Args":["query","a"]}"#,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("it is not running"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
