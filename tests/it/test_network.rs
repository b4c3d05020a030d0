//! `test-network`, the one-command local network, as a user runs it: `up` a two-org network
//! with two peers per org on free loopback ports, look at it with `status` and `env`, use it
//! with the `peer` CLI, refuse a second `up`, then `down` — and no process is left behind.
//! Bad starts (a foreign folder, a busy port) fail with one line and leave nothing running.

use std::path::Path;
use std::process::{Command, Output};

const TEST_NETWORK: &str = env!("CARGO_BIN_EXE_test-network");
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

    let again = run(&dir, &["up", "--base-port", "0"]);
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
    let foreign = run(tmp.path(), &["up", "--base-port", "0"]);
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
        &["up", "--orgs", "1", "--base-port", &base.to_string()],
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
