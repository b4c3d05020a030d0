//! `test-network`, the one-command local network, as a user runs it: `up` a two-org network
//! with two peers per org on free loopback ports, look at it with `status` and `env`, use it
//! with the `peer` CLI, refuse a second `up`, then `down` — and no process is left behind.
//! Bad starts (a foreign folder, a busy port) fail with one line and leave nothing running.

use std::path::Path;
use std::process::{Command, Output};

const TEST_NETWORK: &str = env!("CARGO_BIN_EXE_test-network");

/// The cache folder the tests give test-network (XDG_CACHE_HOME), under target/.
static TEST_CACHE: std::sync::LazyLock<std::path::PathBuf> = std::sync::LazyLock::new(|| {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-network-cache")
});

/// Where test-network's peers build Rust chaincode under [`TEST_CACHE`].
pub(crate) static RUST_CHAINCODE_TARGET_IN_TESTS: std::sync::LazyLock<std::path::PathBuf> =
    std::sync::LazyLock::new(|| TEST_CACHE.join("fabric-test-network/rust-chaincode"));
const PEER: &str = env!("CARGO_BIN_EXE_peer");

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(TEST_NETWORK)
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The logs of the network's nodes and chaincodes, for a failure's message.
fn node_logs(dir: &Path) -> String {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("logs")) {
        files.extend(entries.flatten().map(|e| e.path()));
    }
    for peer in std::fs::read_dir(dir.join("data"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let logs = peer.path().join("chaincodes/logs");
        files.extend(
            std::fs::read_dir(logs)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        );
    }
    files
        .iter()
        .map(|f| {
            format!(
                "--- {}\n{}",
                f.display(),
                std::fs::read_to_string(f).unwrap_or_default()
            )
        })
        .collect()
}

/// The pids `network.json` records.
fn pids(dir: &Path) -> Vec<u32> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("network.json")).unwrap()).unwrap();
    let mut nodes = vec![state["orderer"].clone()];
    nodes.extend(state["peers"].as_array().unwrap().iter().cloned());
    nodes
        .iter()
        .filter_map(|n| n["pid"].as_u64().map(|p| p as u32))
        .collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'))
}

/// Stops whatever a failed test left running.
struct Down<'a>(&'a Path);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        if self.0.join("network.json").exists() {
            let _ = run(self.0, &["down"]);
        }
    }
}

#[test]
fn up_status_env_down_with_two_orgs_of_two_peers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let _down = Down(&dir);
    let up = run(
        &dir,
        &[
            "up",
            "--no-chaincode",
            "--orgs",
            "2",
            "--peers-per-org",
            "2",
            "--base-port",
            "0",
        ],
    );
    assert!(up.status.success(), "{}", text(&up.stderr));
    let table = text(&up.stdout);
    for name in [
        "orderer.example.com",
        "peer1.org1.example.com",
        "peer1.org2.example.com",
    ] {
        assert!(table.contains(name), "{table}");
    }
    // Genesis block and one anchor-peer update per org, on every peer.
    assert_eq!(table.matches("mychannel: 3").count(), 4, "{table}");
    let started = pids(&dir);
    assert_eq!(started.len(), 5);
    assert!(started.iter().all(|p| alive(*p)));

    let again = run(&dir, &["up", "--no-chaincode", "--base-port", "0"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("a network is already up in"),
        "{}",
        text(&again.stderr)
    );

    // Org2's admin, through `env`, with the peer CLI.
    let env = text(&run(&dir, &["env", "--org", "2"]).stdout);
    let mut peer = Command::new(PEER);
    for line in env.lines() {
        let (key, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        peer.env(key, value.trim_matches('\''));
    }
    let info = peer
        .args(["channel", "getinfo", "-c", "mychannel"])
        .output()
        .unwrap();
    assert!(
        text(&info.stdout).contains("\"height\":3"),
        "{}",
        text(&info.stderr)
    );

    let status = run(&dir, &["status"]);
    assert!(
        text(&status.stdout).contains("running (pid"),
        "{}",
        text(&status.stdout)
    );

    let down = run(&dir, &["down"]);
    assert!(down.status.success(), "{}", text(&down.stderr));
    assert!(started.iter().all(|p| !alive(*p)), "a node outlived down");
    assert!(!dir.exists());
    let status = run(&dir, &["status"]);
    assert_eq!(status.status.code(), Some(1));
    assert!(
        text(&status.stderr).contains("no network in"),
        "{}",
        text(&status.stderr)
    );
}

#[test]
fn a_foreign_folder_and_a_busy_port_fail_with_one_line_and_leave_nothing_running() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("precious.txt"), b"mine").unwrap();
    let foreign = run(tmp.path(), &["up", "--no-chaincode", "--base-port", "0"]);
    assert_eq!(foreign.status.code(), Some(1));
    let err = text(&foreign.stderr);
    assert!(err.contains("was not made by test-network"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("precious.txt")).unwrap(),
        b"mine"
    );

    // Something already listens where peer0.org1 would (base + 1).
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = busy.local_addr().unwrap().port() - 1;
    let dir = tmp.path().join("net");
    let _down = Down(&dir);
    let failed = run(
        &dir,
        &[
            "up",
            "--no-chaincode",
            "--orgs",
            "1",
            "--base-port",
            &base.to_string(),
        ],
    );
    assert_eq!(failed.status.code(), Some(1));
    let err = text(&failed.stderr);
    assert!(err.contains("is already in use"), "{err}");
    assert_eq!(
        err.trim()
            .lines()
            .last()
            .unwrap()
            .matches("test-network:")
            .count(),
        1
    );
    assert!(
        pids(&dir).is_empty(),
        "the orderer started before the failure was stopped"
    );
}

/// `up` as the README runs it: the Rust example02 installed from its source folder, built by
/// each peer through the shipped Rust external builder, instantiated with both orgs' peers in
/// its policy, invoked with both endorsing and queried. Builds go to a cargo target folder
/// under target/ that outlives the test, as a user's cache outlives a network.
#[test]
fn up_deploys_the_rust_sample_through_the_rust_builder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let _down = Down(&dir);
    let up = Command::new(TEST_NETWORK)
        .args(["up", "--base-port", "0", "--dir"])
        .arg(&dir)
        .env("XDG_CACHE_HOME", TEST_CACHE.as_path())
        // As tests/it/rust_shim's builder test builds, so both share one cargo build.
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .output()
        .unwrap();
    assert!(
        up.status.success(),
        "{}\n{}",
        text(&up.stderr),
        node_logs(&dir)
    );
    let out = text(&up.stdout);
    assert!(out.contains("mycc answered query a: 90"), "{out}");
    // Three blocks after the anchors: the instantiation and the invoke.
    assert_eq!(out.matches("mychannel: 5").count(), 2, "{out}");
    for peer in ["peer0.org1.example.com", "peer0.org2.example.com"] {
        let builds = dir.join("data").join(peer).join("chaincodes/builds");
        let build = std::fs::read_dir(&builds)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(
            std::fs::read_to_string(build.join("build-info.json")).unwrap(),
            r#"{"builder_name":"rust"}"#
        );
    }
}

/// The Rust shim in server mode (example02 with CHAINCODE_SERVER_ADDRESS set) as a chaincode
/// service of a two-org network, installed with `-l ccaas`.
#[test]
fn the_rust_shim_serves_a_chaincode_service_both_orgs_dial() {
    let example02 = crate::rust_shim::samples().join("example02");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let _down = Down(&dir);
    let port = crate::support::network::free_port();
    let address = format!("127.0.0.1:{port}");
    let mut service = Command::new(example02)
        .env_clear()
        .env("CHAINCODE_SERVER_ADDRESS", &address)
        .env("CHAINCODE_ID", "rsvc:1.0")
        .stderr(std::fs::File::create(tmp.path().join("rsvc.log")).unwrap())
        .spawn()
        .unwrap();
    crate::support::network::wait_for_port(port);
    let result = std::panic::catch_unwind(|| {
        let up = run(&dir, &["up", "--no-chaincode", "--base-port", "0"]);
        assert!(up.status.success(), "{}", text(&up.stderr));
        let package = tmp.path().join("rsvc");
        std::fs::create_dir_all(&package).unwrap();
        let connection =
            format!(r#"{{"address":"{address}","dial_timeout":"10s","tls_required":false}}"#);
        std::fs::write(package.join("connection.json"), connection).unwrap();
        let deploy = Command::new(TEST_NETWORK)
            .args(["deploy", "-n", "rsvc", "-l", "ccaas", "--invoke"])
            .arg(r#"{"Args":["invoke","a","b","10"]}"#)
            .args(["--query", r#"{"Args":["query","b"]}"#, "-p"])
            .arg(&package)
            .arg("--dir")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(deploy.status.success(), "{}", text(&deploy.stderr));
        assert_eq!(text(&deploy.stdout).trim(), "210");
    });
    let _ = service.kill();
    let _ = service.wait();
    if let Err(panic) = result {
        eprintln!(
            "{}",
            std::fs::read_to_string(tmp.path().join("rsvc.log")).unwrap_or_default()
        );
        std::panic::resume_unwind(panic);
    }
}
