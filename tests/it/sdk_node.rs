//! Fabric's Node SDK (fabric-network 2.2.20 and fabric-common 2.2.20, pinned in
//! tests/sdk_node/package-lock.json) against our network: a one-org network (SampleOrg, solo
//! orderer) whose peer runs the Node test chaincode (tests/chaincode_support/cc.js, started
//! by hand as in dev mode); tests/sdk_node/scenario.js connects a Gateway, evaluates, submits
//! (endorse, order, commit event) and evaluates again — once with discovery off (the
//! connection profile's peer and orderer) and once with discovery on (`asLocalhost`, the
//! peer and orderer found through our discovery service).
//!
//! Needs node and `npm ci --prefix tests/sdk_node` and `npm ci --prefix
//! tests/chaincode_support`, which cannot ship with the repository: the tests are
//! `#[ignore]`d, and CI (tests/prerequisites.sh, then `--include-ignored`) runs them. Every
//! process is stopped by a kill-on-drop guard.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use prost::Message;

use crate::support;

use support::network::{Guard, Network};

const CHANNEL: &str = "sdkch";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// node on PATH and both npm trees installed, or why not.
fn node_setup() -> Result<PathBuf, String> {
    let node = std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("node"))
                .find(|p| p.is_file())
        })
        .ok_or("node is not installed (CI installs it)")?;
    for (dir, package) in [
        ("tests/sdk_node", "fabric-network"),
        ("tests/chaincode_support", "fabric-shim"),
    ] {
        let manifest = repo()
            .join(dir)
            .join("node_modules")
            .join(package)
            .join("package.json");
        if !manifest.is_file() {
            return Err(format!(
                "{package} is not installed: run npm ci --prefix {dir}"
            ));
        }
    }
    Ok(node)
}

/// `peer node start --peer-chaincodedev` (the support's peer announces its address as its
/// external endpoint, so discovery lists it).
fn start_peer(net: &Network) -> Guard {
    net.start_peer_with(&["--peer-chaincodedev"])
}

/// Installs an empty Node package of mycc 1.0 (the process is started by hand).
fn install(net: &Network) {
    use fabric::protos::peer::{
        chaincode_spec, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeSpec,
    };
    let cds = ChaincodeDeploymentSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Node as i32,
            chaincode_id: Some(ChaincodeId {
                name: "mycc".into(),
                version: "1.0".into(),
                path: "tests/chaincode_support".into(),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let path = net.path("mycc.cds");
    std::fs::write(&path, cds.encode_to_vec()).unwrap();
    net.cli_ok(&["chaincode", "install", path.to_str().unwrap()]);
}

/// The network with the channel joined and mycc instantiated (a=100, b=200) and committed.
fn network(node: &Path) -> (Network, Vec<Guard>) {
    let net = Network::new();
    let orderer = net.start_orderer();
    let peer = start_peer(&net);
    let block = net.create_channel(CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    install(&net);
    let cc = net.spawn(
        "chaincode",
        Command::new(node)
            .arg(repo().join("tests/chaincode_support/cc.js"))
            .args(["--peer.address", &net.chaincode_address()])
            .env_clear()
            .env("CORE_CHAINCODE_ID_NAME", "mycc:1.0")
            .env("CORE_PEER_TLS_ENABLED", "false"),
    );
    peer.wait_log("chaincode mycc:1.0 registered and ready");
    net.cli_ok(&[
        "chaincode",
        "instantiate",
        "-o",
        &net.orderer_address(),
        "-C",
        CHANNEL,
        "-n",
        "mycc",
        "-v",
        "1.0",
        "-l",
        "node",
        "-c",
        r#"{"Args":["init","a","100","b","200"]}"#,
    ]);
    let start = Instant::now();
    loop {
        let out = net.cli(&[
            "chaincode",
            "query",
            "-C",
            CHANNEL,
            "-n",
            "mycc",
            "-c",
            r#"{"Args":["query","a"]}"#,
        ]);
        if out.status.success() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "mycc was never instantiated: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (net, vec![cc, peer, orderer])
}

/// Runs tests/sdk_node/scenario.js with discovery on or off; returns its output.
fn scenario(node: &Path, net: &Network, discovery: bool) -> String {
    let msp = net.cfg.join("msp");
    let key = std::fs::read_dir(msp.join("keystore"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let settings = serde_json::json!({
        "channel": CHANNEL,
        "chaincode": "mycc",
        "mspId": "SampleOrg",
        "certPath": msp.join("signcerts/peer0.sampleorg-cert.pem"),
        "keyPath": key,
        "peerUrl": format!("grpc://{}", net.peer_address()),
        "ordererUrl": format!("grpc://{}", net.orderer_address()),
        "discovery": discovery,
    });
    let path = net.path(&format!("sdk-{discovery}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&settings).unwrap()).unwrap();
    let out = Command::new(node)
        .arg(repo().join("tests/sdk_node/scenario.js"))
        .arg(&path)
        .current_dir(repo().join("tests/sdk_node"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "scenario (discovery {discovery}) failed:\n{text}"
    );
    text
}

#[test]
#[ignore = "needs node, `npm ci --prefix tests/sdk_node` and `npm ci --prefix tests/chaincode_support`; run with --include-ignored"]
fn fabric_network_submits_and_evaluates_with_discovery_off_and_on() {
    let node = node_setup().unwrap_or_else(|reason| panic!("{reason}"));
    let (net, _guards) = network(&node);
    let off = scenario(&node, &net, false);
    for step in [
        "ok: getNetwork sdkch (discovery off)",
        "ok: evaluate query a = 100 (discovery off)",
        "ok: submit move a b 10 (discovery off)",
        "ok: evaluate query a = 90 (discovery off)",
    ] {
        assert!(off.contains(step), "{step}\n{off}");
    }
    let on = scenario(&node, &net, true);
    let discovered = format!("ok: endorsers {} peer0 (discovery on)", net.peer_address());
    for step in [
        "ok: getNetwork sdkch (discovery on)",
        discovered.as_str(),
        "ok: evaluate query a = 90 (discovery on)",
        "ok: submit move a b 10 (discovery on)",
        "ok: evaluate query a = 80 (discovery on)",
    ] {
        assert!(on.contains(step), "{step}\n{on}");
    }
}
