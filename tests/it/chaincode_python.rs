//! fabric-chaincode-python 2.5.4 (PyPI), which runs only as a chaincode service, on a
//! two-org `test-network`: the chaincode listens, each org's admin installs a `-l ccaas`
//! package holding its connection.json with our `peer` CLI, the peers dial it through the
//! shipped ccaas external builder, and an instantiate under an AND policy, invokes endorsed
//! by both orgs and queries give the chaincode's answers (tests/chaincode_python/cc.py).
//! The shim lives in a virtualenv at target/pycc (`.ci/run` installs it from
//! tests/chaincode_python/requirements.txt).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use fabric::test_network::Layout;

use crate::support::network::{free_port, wait_for_port};

const TEST_NETWORK: &str = env!("CARGO_BIN_EXE_test-network");
const PEER: &str = env!("CARGO_BIN_EXE_peer");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The chaincode service's process, stopped when dropped, and the network after it.
struct Running {
    service: std::process::Child,
    dir: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.service.kill();
        let _ = self.service.wait();
        let _ = Command::new(TEST_NETWORK)
            .args(["down", "--dir"])
            .arg(&self.dir)
            .output();
    }
}

/// `peer` as `org`'s admin against `peer_address` (the org's first peer when `None`).
fn peer_cli(layout: &Layout, org: u32, target: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(PEER);
    cmd.envs(layout.admin_env(org, None)).args(args);
    if let Some(address) = target {
        cmd.env("CORE_PEER_ADDRESS", address);
    }
    cmd.output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

fn query(layout: &Layout, ctor: &str) -> Output {
    peer_cli(
        layout,
        2,
        None,
        &[
            "chaincode",
            "query",
            "-C",
            "mychannel",
            "-n",
            "pykv",
            "-c",
            ctor,
        ],
    )
}

fn invoke(layout: &Layout, ctor: &str) -> String {
    let mut args = vec![
        "chaincode",
        "invoke",
        "-o",
        &layout.orderer.address,
        "-C",
        "mychannel",
        "-n",
        "pykv",
        "-c",
        ctor,
        "--waitForEvent",
    ];
    for peer in &layout.peers {
        args.extend(["--peerAddresses", peer.address.as_str()]);
    }
    ok(peer_cli(layout, 1, None, &args))
}

/// Queries until the answer is `want` (the instantiation commits asynchronously).
fn query_until(layout: &Layout, ctor: &str, want: &str) {
    let started = Instant::now();
    loop {
        let out = query(layout, ctor);
        if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == want {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "needs fabric-chaincode-python in target/pycc (.ci/run installs it from tests/chaincode_python/requirements.txt)"]
fn fabric_chaincode_python_runs_as_a_service_endorsed_by_two_orgs() {
    let python = repo().join("target/pycc/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: see tests/chaincode_python",
        python.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let service = Command::new(&python)
        .arg(repo().join("tests/chaincode_python/cc.py"))
        .env("CHAINCODE_ID", "pykv:1.0")
        .env("CHAINCODE_SERVER_ADDRESS", &address)
        .stdout(std::fs::File::create(tmp.path().join("pykv.log")).unwrap())
        .stderr(std::fs::File::create(tmp.path().join("pykv.err")).unwrap())
        .spawn()
        .unwrap();
    let _running = Running {
        service,
        dir: dir.clone(),
    };
    wait_for_port(port);
    let up = Command::new(TEST_NETWORK)
        .args(["up", "--no-chaincode", "--base-port", "0", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(up.status.success(), "{}", text(&up));
    let layout = Layout::load(&dir).unwrap();

    let package = tmp.path().join("pykv");
    std::fs::create_dir_all(&package).unwrap();
    let connection =
        serde_json::json!({"address": address, "dial_timeout": "10s", "tls_required": false});
    std::fs::write(package.join("connection.json"), connection.to_string()).unwrap();
    let package = package.to_str().unwrap();
    for peer in &layout.peers {
        let install = [
            "chaincode",
            "install",
            "-n",
            "pykv",
            "-v",
            "1.0",
            "-l",
            "ccaas",
            "-p",
            package,
        ];
        ok(peer_cli(&layout, peer.org, Some(&peer.address), &install));
    }
    ok(peer_cli(
        &layout,
        1,
        None,
        &[
            "chaincode",
            "instantiate",
            "-o",
            &layout.orderer.address,
            "-C",
            "mychannel",
            "-n",
            "pykv",
            "-v",
            "1.0",
            "-l",
            "ccaas",
            "-c",
            r#"{"Args":["init","a","1"]}"#,
            "-P",
            "AND('Org1MSP.peer','Org2MSP.peer')",
        ],
    ));
    query_until(&layout, r#"{"Args":["get","a"]}"#, "1");

    let out = invoke(&layout, r#"{"Args":["put","b","2"]}"#);
    assert!(
        out.contains("Chaincode invoke successful. result: status:200"),
        "{out}"
    );
    let out = query(&layout, r#"{"Args":["range","a","z"]}"#);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["a", "b"]"#,
        "{}",
        text(&out)
    );
    invoke(&layout, r#"{"Args":["del","a"]}"#);
    let out = query(&layout, r#"{"Args":["get","a"]}"#);
    assert!(!out.status.success());
    assert!(text(&out).contains("no key a"), "{}", text(&out));
    // Both orgs' peers dialed the service.
    let log = std::fs::read_to_string(tmp.path().join("pykv.err")).unwrap_or_default();
    assert!(
        log.matches("Successfully registered with peer").count() >= 2,
        "{log}"
    );
    // And peer0.org1 (which endorsed the instantiation and every invoke) counted it as
    // Fabric's peer does.
    let ops = &layout.peers[0].operations;
    let port = ops.rsplit_once(':').unwrap().1.parse().unwrap();
    let (code, metrics) = crate::operations_metrics::get(port, "/metrics");
    assert_eq!(code, 200);
    for series in [
        "chaincode_launch_duration_count{chaincode=\"pykv:1.0\",success=\"true\"} 1\n",
        "chaincode_shim_requests_received{type=\"PUT_STATE\",channel=\"mychannel\",chaincode=\"pykv:1.0\"} ",
        "chaincode_shim_requests_completed{type=\"DEL_STATE\",channel=\"mychannel\",chaincode=\"pykv:1.0\",success=\"true\"} ",
    ] {
        assert!(metrics.contains(series), "{series}\n{metrics}");
    }
}
