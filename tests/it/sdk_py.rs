//! Fabric's Python SDK (fabric-sdk-py 1.0.0, from PyPI) against our network: `test-network`
//! brings up two orgs on free loopback ports, the SDK creates a second channel from a
//! configtxgen transaction, joins both peers and queries the channel's info and the peers'
//! channels (tests/sdk_py/scenario.py). The SDK lives in a virtualenv at target/sdk-py
//! (tests/sdk_py/README.md; `.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const TEST_NETWORK: &str = env!("CARGO_BIN_EXE_test-network");
const CONFIGTXGEN: &str = env!("CARGO_BIN_EXE_configtxgen");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The SDK's Python: FABRIC_SDK_PY names a virtualenv, target/sdk-py by default.
fn sdk_python() -> PathBuf {
    let venv = std::env::var_os("FABRIC_SDK_PY")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/sdk-py"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing: install fabric-sdk-py as tests/sdk_py/README.md says",
        python.display()
    );
    python
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The one file in `dir` (an MSP's signcerts or keystore).
fn only_file(dir: PathBuf) -> String {
    let entry = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap();
    entry.path().display().to_string()
}

fn admin(org_dir: &Path, user: &str) -> Value {
    let msp = org_dir.join("users").join(user).join("msp");
    json!({
        "cert": only_file(msp.join("signcerts")),
        "private_key": only_file(msp.join("keystore")),
    })
}

fn endpoint(node: &Value) -> Value {
    json!({
        "url": node["address"],
        "grpcOptions": {"grpc.ssl_target_name_override": node["name"]},
        "tlsCACerts": {"path": null},
    })
}

/// fabric-sdk-py's connection profile for the network `test-network` keeps in `dir`.
fn profile(dir: &Path) -> Value {
    let state: Value =
        serde_json::from_slice(&std::fs::read(dir.join("network.json")).unwrap()).unwrap();
    let crypto = dir.join("crypto");
    let orderer = &state["orderer"];
    let mut orgs = serde_json::Map::new();
    orgs.insert(
        "orderer.example.com".into(),
        json!({
            "mspid": "OrdererMSP",
            "orderers": [orderer["name"]],
            "users": {"Admin": admin(&crypto.join("ordererOrganizations/example.com"), "Admin@example.com")},
        }),
    );
    let mut peers = serde_json::Map::new();
    for peer in state["peers"].as_array().unwrap() {
        let org = format!("org{}.example.com", peer["org"]);
        let org_dir = crypto.join("peerOrganizations").join(&org);
        let entry = orgs.entry(org.clone()).or_insert_with(|| {
            json!({
                "mspid": peer["msp_id"],
                "peers": [],
                "users": {"Admin": admin(&org_dir, &format!("Admin@{org}"))},
            })
        });
        entry["peers"]
            .as_array_mut()
            .unwrap()
            .push(peer["name"].clone());
        peers.insert(peer["name"].as_str().unwrap().into(), endpoint(peer));
    }
    json!({
        "name": "test-network",
        "version": "1.0.0",
        "client": {
            "organization": "org1.example.com",
            "credentialStore": {"path": dir.join("sdk-py-store").display().to_string()},
        },
        "organizations": orgs,
        "orderers": {orderer["name"].as_str().unwrap(): endpoint(orderer)},
        "peers": peers,
        "certificateAuthorities": {},
    })
}

/// Stops the network whatever happens to the test.
struct Down<'a>(&'a Path);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = Command::new(TEST_NETWORK)
            .args(["down", "--dir"])
            .arg(self.0)
            .output();
    }
}

#[test]
#[ignore = "needs fabric-sdk-py in target/sdk-py (tests/sdk_py/README.md; .ci/run installs it)"]
fn fabric_sdk_py_creates_joins_and_queries_a_channel() {
    let python = sdk_python();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let _down = Down(&dir);
    let up = Command::new(TEST_NETWORK)
        .args(["up", "--no-chaincode", "--base-port", "0", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(up.status.success(), "{}", text(&up));

    let tx = dir.join("sdkchannel.tx");
    let gen = Command::new(CONFIGTXGEN)
        .env("FABRIC_CFG_PATH", dir.join("config"))
        .args(["-profile", "TestNetworkChannel", "-channelID", "sdkchannel"])
        .arg("-outputCreateChannelTx")
        .arg(&tx)
        .output()
        .unwrap();
    assert!(gen.status.success(), "{}", text(&gen));
    let profile_path = dir.join("sdk-py-profile.json");
    std::fs::write(
        &profile_path,
        serde_json::to_vec_pretty(&profile(&dir)).unwrap(),
    )
    .unwrap();

    let run = Command::new(python)
        .arg(repo().join("tests/sdk_py/scenario.py"))
        .arg(&profile_path)
        .arg("sdkchannel")
        .arg(&tx)
        .output()
        .unwrap();
    let out = text(&run);
    assert!(run.status.success(), "{out}");
    for step in [
        "ok: channel_create sdkchannel",
        "ok: channel_join sdkchannel by org1.example.com",
        "ok: channel_join sdkchannel by org2.example.com",
        "ok: query_info height",
        "ok: query_channels lists sdkchannel",
    ] {
        assert!(out.contains(step), "{step}\n{out}");
    }
}
