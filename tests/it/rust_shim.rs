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
pub(crate) fn samples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = target_dir();
        // Only what cargo needs of this environment: the variables cargo sets for a test
        // (OUT_DIR, CARGO_*) would change build scripts' fingerprints and make this build and
        // the next `cargo test` rebuild each other's dependencies.
        let mut cargo = Command::new(env!("CARGO"));
        cargo.env_clear();
        for key in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "TMPDIR",
        ] {
            if let Some(v) = std::env::var_os(key) {
                cargo.env(key, v);
            }
        }
        let out = cargo
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
const OTHER_CHANNEL: &str = "otherchannel";

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
    // Across channels: the same example02 process serves mycc on a second channel, where
    // example05 on the first one reads it (read-only: a fresh simulator there).
    let block = net.create_channel(OTHER_CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let orderer = net.orderer_address();
    net.cli_ok(&[
        "chaincode",
        "instantiate",
        "-o",
        &orderer,
        "-C",
        OTHER_CHANNEL,
        "-n",
        "mycc",
        "-v",
        "1.0",
        "-c",
        r#"{"Args":["init","a","1","b","2"]}"#,
    ]);
    query_until(
        &net,
        "sum",
        &format!(r#"{{"Args":["query","mycc","total","{OTHER_CHANNEL}"]}}"#),
        "3",
    );
    // A channel this peer is not on fails its ACL check first, as in Fabric.
    let err = query(
        &net,
        "sum",
        r#"{"Args":["query","mycc","total","nosuchchannel"]}"#,
    )
    .unwrap_err();
    assert!(
        err.contains("Failed to query chaincode. Got error:")
            && err.contains("Failed to get policy manager for channel [nosuchchannel]"),
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

/// The Rust external builder shipped in sampleconfig.
fn builder(program: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sampleconfig/externalbuilders/rust/bin")
        .join(program)
}

/// A command running the builder's `program` with only what a peer would propagate.
fn builder_command(program: &str) -> Command {
    let mut cmd = Command::new(builder(program));
    cmd.env_clear();
    let cargo_dir = Path::new(env!("CARGO")).parent().unwrap().to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let paths = std::iter::once(cargo_dir).chain(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).unwrap());
    for key in [
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "TMPDIR",
    ] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    cmd
}

/// A package's code as the peer extracts it: the sample's folder under `src/`.
fn package_source(into: &Path, sample: &str) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shim/samples")
        .join(sample);
    std::fs::create_dir_all(into.join("src/src")).unwrap();
    std::fs::copy(from.join("Cargo.toml"), into.join("src/Cargo.toml")).unwrap();
    std::fs::copy(from.join("src/main.rs"), into.join("src/src/main.rs")).unwrap();
}

#[test]
fn rust_builder_detects_builds_releases_and_runs_example02() {
    let net = Network::new();
    let source = net.path("source");
    let metadata = net.path("metadata");
    package_source(&source, "example02");
    std::fs::create_dir_all(&metadata).unwrap();
    std::fs::write(
        metadata.join("metadata.json"),
        r#"{"type":"car","path":"example02","label":"rustcc:1.0"}"#,
    )
    .unwrap();

    // detect: claims a cargo project under src/, nothing else.
    let status = builder_command("detect")
        .arg(&source)
        .arg(&metadata)
        .status()
        .unwrap();
    assert!(status.success());
    let status = builder_command("detect")
        .arg(&metadata)
        .arg(&metadata)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));

    // build: cargo build --release with the shim of this repository, offline, in a target
    // dir shared by every run of this test and test_network's (incremental); low
    // optimisation to keep it short.
    let output = net.path("build-output");
    let out = builder_command("build")
        .args([&source, &metadata, &output])
        .env(
            "CARGO_TARGET_DIR",
            crate::test_network::RUST_CHAINCODE_TARGET_IN_TESTS.as_path(),
        )
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "build failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(output.join("chaincode").is_file());
    // The package's own files are untouched (the build works on a copy).
    let manifest = std::fs::read_to_string(source.join("src/Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"fabric-shim = { path = "../.." }"#),
        "{manifest}"
    );

    let release = net.path("release");
    let status = builder_command("release")
        .args([&output, &release])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(!release.join("chaincode/server/connection.json").exists());

    // run: chaincode.json as the peer writes it; the chaincode registers and serves.
    let orderer = net.start_orderer();
    let peer = net.start_peer_with(&["--peer-chaincodedev"]);
    let block = net.create_channel(CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    install(&net, "rustcc");
    let run_metadata = net.path("run");
    std::fs::create_dir_all(&run_metadata).unwrap();
    std::fs::write(
        run_metadata.join("chaincode.json"),
        format!(
            r#"{{"chaincode_id":"rustcc:1.0","peer_address":"{}","client_cert":"","client_key":"","root_cert":"","mspid":"SampleOrg"}}"#,
            net.chaincode_address()
        ),
    )
    .unwrap();
    let chaincode = net.spawn(
        "rust-builder-run",
        builder_command("run").args([&output, &run_metadata]),
    );
    peer.wait_log("chaincode rustcc:1.0 registered and ready");
    instantiate(&net, "rustcc", r#"{"Args":["init","a","7","b","8"]}"#);
    query_until(&net, "rustcc", r#"{"Args":["query","b"]}"#, "8");
    drop((chaincode, peer, orderer));
}

#[test]
fn rust_builder_run_hands_tls_material_as_the_shim_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let build = dir.path().join("build");
    let run = dir.path().join("run");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    // A stand-in chaincode printing what it was started with.
    let fake = build.join("chaincode");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"args=$*\"\necho \"id=$CORE_CHAINCODE_ID_NAME tls=$CORE_PEER_TLS_ENABLED\"\ncat \"$CORE_TLS_CLIENT_CERT_PATH\" \"$CORE_TLS_CLIENT_KEY_PATH\" \"$CORE_PEER_TLS_ROOTCERT_FILE\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        run.join("chaincode.json"),
        r#"{"chaincode_id":"cc:2","peer_address":"127.0.0.1:7052","client_cert":"-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n","client_key":"-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n","root_cert":"-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n","mspid":"SampleOrg"}"#,
    )
    .unwrap();
    let out = builder_command("run")
        .args([&build, &run])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "args=--peer.address 127.0.0.1:7052\nid=cc:2 tls=true\n\
         -----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n\
         -----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n\
         -----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n"
    );
}

/// `chaincode.keepalive: 1`: the peer sends KEEPALIVE on the chaincode stream every second
/// (Fabric's handler ticker); the shim answers it and the chaincode keeps serving.
#[test]
fn the_peer_sends_keepalives_when_chaincode_keepalive_is_set() {
    let net = Network::new();
    let core = net.cfg.join("core.yaml");
    let text = std::fs::read_to_string(&core).unwrap();
    assert_eq!(text.matches("    keepalive: 0\n").count(), 1);
    std::fs::write(
        &core,
        text.replace("    keepalive: 0\n", "    keepalive: 1\n"),
    )
    .unwrap();
    let _orderer = net.start_orderer();
    let peer = net.start_peer_with(&["--peer-chaincodedev"]);
    let block = net.create_channel(CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    install(&net, "mycc");
    let cc = net.spawn(
        "example02",
        Command::new(samples().join("example02"))
            .args(["--peer.address", &net.chaincode_address()])
            .env_clear()
            .env("CORE_CHAINCODE_ID_NAME", "mycc:1.0")
            .env("CORE_PEER_TLS_ENABLED", "false")
            .env("CORE_CHAINCODE_LOGGING_SHIM", "debug")
            .env("CORE_CHAINCODE_LOGGING_LEVEL", "debug"),
    );
    peer.wait_log("chaincode mycc:1.0 registered and ready");
    cc.wait_log("Received message KEEPALIVE from peer");
    instantiate(&net, "mycc", r#"{"Args":["init","a","100","b","200"]}"#);
    query_until(&net, "mycc", r#"{"Args":["query","a"]}"#, "100");
}
