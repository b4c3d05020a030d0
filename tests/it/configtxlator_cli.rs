//! The `configtxlator` binary, spawned as a user runs it, on files in a temporary directory.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::support;

use support::vectors_dir as vectors;

fn configtxlator(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_configtxlator"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn configtxlator");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().expect("configtxlator runs")
}

fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success(), "expected failure");
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.starts_with("configtxlator: error: "), "{stderr}");
    stderr
}

#[test]
fn decode_then_encode_round_trips_through_files_and_pipes() {
    let root = vectors();
    let dir = tempfile::tempdir().unwrap();
    let block = root.join("ledger/mychannel/committed/mychannel_4.block");
    let json = dir.path().join("block.json");
    let out = configtxlator(
        &[
            "proto_decode",
            "--type=common.Block",
            "--input",
            block.to_str().unwrap(),
            "--output",
            json.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected =
        std::fs::read(root.join("ledger/mychannel/committed-json/mychannel_4.json")).unwrap();
    assert_eq!(
        std::fs::read(&json).unwrap(),
        expected,
        "text differs from Fabric's"
    );

    // JSON on stdin, protobuf on stdout
    let out = configtxlator(&["proto_encode", "--type", "common.Block"], &expected);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, std::fs::read(&block).unwrap());
}

#[test]
fn compute_update_writes_a_config_update() {
    let root = vectors();
    let dir = tempfile::tempdir().unwrap();
    let configs: Vec<PathBuf> = ["mychannel_0", "mychannel_1"]
        .iter()
        .map(|name| {
            let block = root.join(format!("ledger/mychannel/committed/{name}.block"));
            let decoded = configtxlator(
                &[
                    "proto_decode",
                    "--type",
                    "common.Block",
                    "--input",
                    block.to_str().unwrap(),
                ],
                b"",
            );
            assert!(decoded.status.success());
            let tree: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
            let config = &tree["data"]["data"][0]["payload"]["data"]["config"];
            let encoded = configtxlator(
                &["proto_encode", "--type", "common.Config"],
                config.to_string().as_bytes(),
            );
            assert!(
                encoded.status.success(),
                "{}",
                String::from_utf8_lossy(&encoded.stderr)
            );
            let path = dir.path().join(format!("{name}.pb"));
            std::fs::write(&path, encoded.stdout).unwrap();
            path
        })
        .collect();
    let update = dir.path().join("update.pb");
    let out = configtxlator(
        &[
            "compute_update",
            "--channel_id=mychannel",
            "--original",
            configs[0].to_str().unwrap(),
            "--updated",
            configs[1].to_str().unwrap(),
            "--output",
            update.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoded = configtxlator(
        &[
            "proto_decode",
            "--type",
            "common.ConfigUpdate",
            "--input",
            update.to_str().unwrap(),
        ],
        b"",
    );
    let tree: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
    assert_eq!(tree["channel_id"], "mychannel");
    let org = &tree["write_set"]["groups"]["Application"]["groups"]["Org1MSP"];
    assert_eq!(
        org["values"]["AnchorPeers"]["value"]["anchor_peers"][0]["port"],
        7051
    );

    let same = configtxlator(
        &[
            "compute_update",
            "--channel_id",
            "mychannel",
            "--original",
            configs[0].to_str().unwrap(),
            "--updated",
            configs[0].to_str().unwrap(),
        ],
        b"",
    );
    assert!(one_line_error(&same).contains("no differences detected"));
}

#[test]
fn malformed_inputs_fail_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.block");
    std::fs::write(&garbage, [0x0a, 0xff, 0xff, 0x01]).unwrap();
    let out = configtxlator(
        &[
            "proto_decode",
            "--type",
            "common.Block",
            "--input",
            garbage.to_str().unwrap(),
        ],
        b"",
    );
    assert!(one_line_error(&out).contains("error unmarshaling common.Block"));

    let out = configtxlator(&["proto_encode", "--type", "common.Block"], b"{not json");
    assert!(one_line_error(&out).contains("not valid JSON"));

    let out = configtxlator(&["proto_decode", "--type", "common.Nope"], b"");
    assert!(one_line_error(&out).contains("common.Nope unknown"));

    let missing = dir.path().join("missing.pb");
    let out = configtxlator(
        &[
            "proto_decode",
            "--type",
            "common.Block",
            "--input",
            missing.to_str().unwrap(),
        ],
        b"",
    );
    assert!(one_line_error(&out).contains("missing.pb"));

    // The REST server on a port already taken: one line naming the address.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = configtxlator(&["start", "--hostname=127.0.0.1", "--port", &port], b"");
    assert!(one_line_error(&out).contains("Could not bind to address '127.0.0.1:"));

    let out = configtxlator(&["proto_decode"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--type"));
}

#[test]
fn version_prints_fabric_layout() {
    let out = configtxlator(&["version"], b"");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("configtxlator:\n Version: 1.4.12\n Commit SHA:"),
        "{text}"
    );
}
