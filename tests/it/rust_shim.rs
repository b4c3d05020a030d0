//! The Rust shim (`shim/`, crate `fabric-shim`) against our peer: its samples example02,
//! example05 (chaincode-to-chaincode) and marbles02, built as examples of the shim crate and
//! started by hand as in Fabric's dev mode (`peer node start --peer-chaincodedev`), endorse
//! `peer chaincode instantiate / invoke / query` through our orderer: state, error texts,
//! ranges with pagination, composite keys, history, cc2cc on one channel and the refusal
//! across channels. Every process is stopped by a kill-on-drop guard.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use prost::Message;

use crate::support;

use support::network::{Guard, Network};

/// The target directory this test binary was built in (`<target>/debug/deps/it-*`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Builds the shim's sample chaincodes (once per test run) and returns the folder of their
/// binaries. Cargo's build lock is free while tests run, so this shares the target dir.
fn samples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = target_dir();
        let out = Command::new(env!("CARGO"))
            .args(["build", "--offline", "-p", "fabric-shim", "--examples"])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "building the shim samples failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join("debug/examples")
    })
}

/// Starts sample `bin` registering as `id` with the peer.
fn start_sample(net: &Network, bin: &'static str, id: &str) -> Guard {
    net.spawn(
        bin,
        Command::new(samples().join(bin))
            .args(["--peer.address", &net.chaincode_address()])
            .env_clear()
            .env("CORE_CHAINCODE_ID_NAME", id)
            .env("CORE_PEER_TLS_ENABLED", "false")
            .env("CORE_CHAINCODE_LOGGING_LEVEL", "info"),
    )
}

/// A ChaincodeDeploymentSpec with an empty code package (what lscc needs to install and
/// instantiate; the process is started by hand).
fn install(net: &Network, name: &str) {
    use fabric::protos::peer::{
        chaincode_spec, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeSpec,
    };
    let cds = ChaincodeDeploymentSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(ChaincodeId {
                name: name.into(),
                version: "1.0".into(),
                path: format!("shim/samples/{name}"),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let path = net.path(&format!("{name}.cds"));
    std::fs::write(&path, cds.encode_to_vec()).unwrap();
    net.cli_ok(&["chaincode", "install", path.to_str().unwrap()]);
}

const CHANNEL: &str = "rustchannel";

fn instantiate(net: &Network, name: &str, ctor: &str) {
    let orderer = net.orderer_address();
    net.cli_ok(&[
        "chaincode",
        "instantiate",
        "-o",
        &orderer,
        "-C",
        CHANNEL,
        "-n",
        name,
        "-v",
        "1.0",
        "-c",
        ctor,
    ]);
}

fn invoke(net: &Network, name: &str, ctor: &str) {
    let orderer = net.orderer_address();
    net.cli_ok(&[
        "chaincode",
        "invoke",
        "-o",
        &orderer,
        "-C",
        CHANNEL,
        "-n",
        name,
        "-c",
        ctor,
    ]);
}

/// `peer chaincode query`: Ok(stdout) or Err(stderr).
fn query(net: &Network, name: &str, ctor: &str) -> Result<String, String> {
    let out = net.cli(&["chaincode", "query", "-C", CHANNEL, "-n", name, "-c", ctor]);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `peer chaincode query` until it prints `want` (commits are asynchronous).
fn query_until(net: &Network, name: &str, ctor: &str, want: &str) {
    let start = Instant::now();
    loop {
        let got = query(net, name, ctor);
        if got.as_deref() == Ok(want) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "query {ctor} never answered {want:?}; last: {got:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `peer chaincode query` until it succeeds and its output satisfies `check`.
fn query_until_matches(
    net: &Network,
    name: &str,
    ctor: &str,
    check: impl Fn(&str) -> bool,
) -> String {
    let start = Instant::now();
    loop {
        let got = query(net, name, ctor);
        if let Ok(text) = &got {
            if check(text) {
                return text.clone();
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "query {ctor} never answered as expected; last: {got:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The network with a channel joined and the three samples registered.
struct Setup {
    net: Network,
    _processes: Vec<Guard>,
}

fn setup() -> Setup {
    let dir = samples().to_path_buf();
    let net = Network::new();
    let orderer = net.start_orderer();
    let peer = net.start_peer_with(&["--peer-chaincodedev"]);
    let block = net.create_channel(CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let mut processes = vec![orderer];
    for (bin, name) in [
        ("example02", "mycc"),
        ("example05", "sum"),
        ("marbles02", "marbles"),
    ] {
        assert!(dir.join(bin).is_file(), "{bin} was not built");
        install(&net, name);
        processes.push(start_sample(&net, bin, &format!("{name}:1.0")));
        peer.wait_log(&format!("chaincode {name}:1.0 registered and ready"));
    }
    processes.push(peer);
    Setup {
        net,
        _processes: processes,
    }
}

#[test]
fn rust_samples_example02_example05_and_marbles02_through_the_peer() {
    let Setup { net, _processes } = setup();

    // example02: Init, invoke, query, the Go sample's error texts, delete.
    instantiate(&net, "mycc", r#"{"Args":["init","a","100","b","200"]}"#);
    query_until(&net, "mycc", r#"{"Args":["query","a"]}"#, "100");
    invoke(&net, "mycc", r#"{"Args":["invoke","a","b","10"]}"#);
    query_until(&net, "mycc", r#"{"Args":["query","a"]}"#, "90");
    query_until(&net, "mycc", r#"{"Args":["query","b"]}"#, "210");
    let err = query(&net, "mycc", r#"{"Args":["query","c"]}"#).unwrap_err();
    assert!(
        err.contains(r#"{\"Error\":\"Nil amount for c\"}"#)
            || err.contains(r#"{"Error":"Nil amount for c"}"#),
        "{err}"
    );
    let err = query(&net, "mycc", r#"{"Args":["nope"]}"#).unwrap_err();
    assert!(
        err.contains(r#"Invalid invoke function name. Expecting"#),
        "{err}"
    );

    // example05: chaincode-to-chaincode on the same channel; the callee's reads join the
    // caller's simulation and the caller's write commits.
    instantiate(&net, "sum", r#"{"Args":["init","total","0"]}"#);
    query_until(&net, "sum", r#"{"Args":["query","mycc","total"]}"#, "300");
    invoke(&net, "sum", r#"{"Args":["invoke","mycc","total"]}"#);
    invoke(&net, "mycc", r#"{"Args":["invoke","a","b","1"]}"#);
    query_until(&net, "mycc", r#"{"Args":["query","a"]}"#, "89");
    let err = query(
        &net,
        "sum",
        r#"{"Args":["query","mycc","total","otherchannel"]}"#,
    )
    .unwrap_err();
    assert!(
        err.contains("Failed to query chaincode. Got error:"),
        "{err}"
    );

    // example02's delete.
    invoke(&net, "mycc", r#"{"Args":["delete","b"]}"#);
    let start = Instant::now();
    while query(&net, "mycc", r#"{"Args":["query","b"]}"#).is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "b was never deleted"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    marbles(&net);
}

fn marbles(net: &Network) {
    instantiate(net, "marbles", r#"{"Args":["init"]}"#);
    for (name, color, size) in [
        ("marble1", "blue", "35"),
        ("marble2", "red", "50"),
        ("marble3", "blue", "70"),
    ] {
        let ctor = format!(r#"{{"Args":["initMarble","{name}","{color}","{size}","tom"]}}"#);
        // The first invoke may race the instantiate's commit: retry until it endorses.
        let start = Instant::now();
        loop {
            let orderer = net.orderer_address();
            let out = net.cli(&[
                "chaincode",
                "invoke",
                "-o",
                &orderer,
                "-C",
                CHANNEL,
                "-n",
                "marbles",
                "-c",
                &ctor,
            ]);
            if out.status.success() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    query_until(
        net,
        "marbles",
        r#"{"Args":["readMarble","marble3"]}"#,
        r#"{"docType":"marble","name":"marble3","color":"blue","size":70,"owner":"tom"}"#,
    );
    let range = query(
        net,
        "marbles",
        r#"{"Args":["getMarblesByRange","marble1","marble3"]}"#,
    )
    .unwrap();
    assert_eq!(
        range,
        r#"[{"Key":"marble1", "Record":{"docType":"marble","name":"marble1","color":"blue","size":35,"owner":"tom"}},{"Key":"marble2", "Record":{"docType":"marble","name":"marble2","color":"red","size":50,"owner":"tom"}}]"#
    );
    // Pagination: two per page, the bookmark is where the next page starts.
    let page = query(
        net,
        "marbles",
        r#"{"Args":["getMarblesByRangeWithPagination","marble1","marble9","2",""]}"#,
    )
    .unwrap();
    assert!(
        page.ends_with(r#"[{"ResponseMetadata":{"RecordsCount":"2", "Bookmark":"marble3"}}]"#),
        "{page}"
    );
    let page = query(
        net,
        "marbles",
        r#"{"Args":["getMarblesByRangeWithPagination","marble1","marble9","2","marble3"]}"#,
    )
    .unwrap();
    assert!(page.starts_with(r#"[{"Key":"marble3""#), "{page}");
    assert!(
        page.ends_with(r#"[{"ResponseMetadata":{"RecordsCount":"1", "Bookmark":""}}]"#),
        "{page}"
    );

    // Composite keys: the color~name index drives the transfer.
    invoke(
        net,
        "marbles",
        r#"{"Args":["transferMarblesBasedOnColor","blue","jerry"]}"#,
    );
    query_until(
        net,
        "marbles",
        r#"{"Args":["readMarble","marble1"]}"#,
        r#"{"docType":"marble","name":"marble1","color":"blue","size":35,"owner":"jerry"}"#,
    );
    query_until(
        net,
        "marbles",
        r#"{"Args":["readMarble","marble2"]}"#,
        r#"{"docType":"marble","name":"marble2","color":"red","size":50,"owner":"tom"}"#,
    );

    // History: both versions of marble1, oldest first.
    let history = query_until_matches(
        net,
        "marbles",
        r#"{"Args":["getHistoryForMarble","marble1"]}"#,
        |h| h.matches("\"TxId\"").count() == 2,
    );
    assert!(
        history.find(r#""owner":"tom""#) < history.find(r#""owner":"jerry""#),
        "{history}"
    );
    assert!(
        history.contains(r#" +0000 UTC", "IsDelete":"false"}"#),
        "{history}"
    );

    // Rich queries: a LevelDB state database answers with its error.
    let err = query(net, "marbles", r#"{"Args":["queryMarblesByOwner","tom"]}"#).unwrap_err();
    assert!(
        err.contains("ExecuteQuery not supported for leveldb"),
        "{err}"
    );

    // delete, and the index entry goes with it.
    invoke(net, "marbles", r#"{"Args":["delete","marble1"]}"#);
    let start = Instant::now();
    loop {
        let err = query(net, "marbles", r#"{"Args":["readMarble","marble1"]}"#);
        if let Err(e) = &err {
            assert!(e.contains("Marble does not exist: marble1"), "{e}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "marble1 was never deleted"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let transferred = query(
        net,
        "marbles",
        r#"{"Args":["transferMarblesBasedOnColor","blue","bob"]}"#,
    )
    .unwrap();
    assert_eq!(transferred, "Transferred 1 blue marbles to bob");
}
