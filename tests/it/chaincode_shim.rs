//! A real Node.js chaincode (fabric-shim 2.5.8, `tests/chaincode_support/cc.js`) started by
//! hand, as in Fabric's dev mode, registers with our `peer node start --peer-chaincodedev`;
//! `peer chaincode instantiate / invoke / query` endorse through it against our orderer:
//! Init, move, query after commit, a range query and a key's history over the shim's
//! iterator protocol, an error response, and a chaincode that is not running (one line).
//!
//! Needs node and `npm ci --prefix tests/chaincode_support`, which cannot ship with the
//! repository: the test is `#[ignore]`d, and `cargo test -- --include-ignored` (what CI runs,
//! after installing both) runs it and fails with the reason when either is missing. Every
//! process is stopped by a kill-on-drop guard.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use prost::Message;

use crate::support;

use support::network::{Guard, Network};

/// Starts the test chaincode (`cc.js`) by hand with the ID `id`, dialling the peer.
fn start_chaincode(net: &Network, node: &Path, id: &str) -> Guard {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chaincode_support");
    net.spawn(
        "chaincode",
        Command::new(node)
            .arg(dir.join("cc.js"))
            .args(["--peer.address", &net.chaincode_address()])
            .env_clear()
            .env("CORE_CHAINCODE_ID_NAME", id)
            .env("CORE_PEER_TLS_ENABLED", "false")
            .env("CORE_CHAINCODE_LOGGING_LEVEL", "info"),
    )
}

/// Creates `channel` on the orderer and joins the peer to it.
fn create_and_join(net: &Network, channel: &str) {
    let block = net.create_channel(channel);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
}

/// `peer chaincode query -C <channel> -n mycc -c <ctor>`.
fn query(net: &Network, channel: &str, ctor: &str) -> std::process::Output {
    net.cli(&[
        "chaincode",
        "query",
        "-C",
        channel,
        "-n",
        "mycc",
        "-c",
        ctor,
    ])
}

/// `peer chaincode query` until it prints `want` (the commit is asynchronous).
fn query_until(net: &Network, channel: &str, ctor: &str, want: &str) {
    let start = Instant::now();
    loop {
        let out = query(net, channel, ctor);
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
#[ignore = "needs node and `npm ci --prefix tests/chaincode_support`; run with --include-ignored"]
fn node_chaincode_instantiate_invoke_query_through_the_real_shim() {
    let node = node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let peer = net.start_peer_with(&["--peer-chaincodedev"]);
    assert!(peer
        .log_text()
        .contains("Running in chaincode development mode"));
    create_and_join(&net, "ccchannel");
    let package = net.path("mycc.cds");
    write_package(&package, "mycc", "1.0");
    net.cli_ok(&["chaincode", "install", package.to_str().unwrap()]);
    let orderer = net.orderer_address();
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
        err.contains("could not launch chaincode mycc:1.0: it is not running and the peer is in development mode"),
        "{err}"
    );

    let cc = start_chaincode(&net, &node, "mycc:1.0");
    peer.wait_log("chaincode mycc:1.0 registered and ready");
    net.cli_ok(&instantiate);
    query_until(&net, "ccchannel", r#"{"Args":["query","a"]}"#, "100");

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
    query_until(&net, "ccchannel", r#"{"Args":["query","a"]}"#, "90");
    query_until(&net, "ccchannel", r#"{"Args":["query","b"]}"#, "210");
    query_until(
        &net,
        "ccchannel",
        r#"{"Args":["range","a","z"]}"#,
        r#"["a","b"]"#,
    );
    query_until(
        &net,
        "ccchannel",
        r#"{"Args":["history","a"]}"#,
        r#"["100","90"]"#,
    );

    // A chaincode error response fails endorsement with its message and status.
    let out = query(&net, "ccchannel", r#"{"Args":["fail","boom"]}"#);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("boom") && err.contains("500"), "{err}");

    // The chaincode goes away: the next call says it is not running.
    drop(cc);
    peer.wait_log("chaincode mycc:1.0 disconnected");
    let out = query(&net, "ccchannel", r#"{"Args":["query","a"]}"#);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("it is not running"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
