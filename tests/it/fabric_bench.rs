//! `fabric-bench` as a user runs it: an end-to-end run against a peer (dev mode, with the
//! Node.js test chaincode started by hand as in tests/it/chaincode_shim.rs) and an orderer,
//! whose counts must add up and match the channel's growth; an `order` run against the
//! orderer alone; and each bad configuration failing with one line before any load.
//!
//! The end-to-end test needs node and `npm ci --prefix tests/chaincode_support`, which
//! cannot ship with the repository: it is `#[ignore]`d and CI runs it with
//! `--include-ignored`. Every process is stopped by a kill-on-drop guard.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prost::Message;

use crate::support::network::{Guard, Network};

const BENCH: &str = env!("CARGO_BIN_EXE_fabric-bench");

/// A bench config for `net`: SampleOrg's peer (unless `peer` is false) and orderer,
/// `put(key, seq)` on `mycc`, the network's admin MSP as the client.
fn config(net: &Network, channel: &str, peer: bool, extra: &str) -> PathBuf {
    let peers = if peer {
        format!(
            "peers:\n  - {{ name: peer0, address: \"{}\", msp_id: SampleOrg }}\n",
            net.peer_address()
        )
    } else {
        String::new()
    };
    let text = format!(
        "channel: {channel}\nchaincode: mycc\nfunction: put\nargs: [\"{{{{key}}}}\", \"{{{{seq}}}}\"]\n\
         client: {{ msp_id: SampleOrg, msp_dir: \"{}\" }}\n{peers}\
         orderer: {{ name: orderer, address: \"{}\" }}\ncount: 200\nconcurrency: 20\n{extra}",
        net.cfg.join("msp").display(),
        net.orderer_address()
    );
    let path = net.path(&format!("bench-{}.yaml", rand_suffix()));
    std::fs::write(&path, text).unwrap();
    path
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn bench(config: &Path, args: &[&str]) -> Output {
    Command::new(BENCH)
        .arg("--config")
        .arg(config)
        .args(["--no-progress"])
        .args(args)
        .output()
        .unwrap()
}

fn summary(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "fabric-bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn n(v: &serde_json::Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

/// The channel's height on the peer (`peer channel getinfo`).
fn height(net: &Network, channel: &str) -> u64 {
    let out = net.cli_ok(&["channel", "getinfo", "-c", channel]);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text.split_once('{').map(|(_, j)| format!("{{{j}")).unwrap();
    let info: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    info["height"].as_u64().unwrap()
}

/// node on PATH and the test chaincode's npm packages installed, or why not.
fn node() -> Result<PathBuf, String> {
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

fn start_chaincode(net: &Network, node: &Path) -> Guard {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chaincode_support");
    net.spawn(
        "chaincode",
        Command::new(node)
            .arg(dir.join("cc.js"))
            .args(["--peer.address", &net.chaincode_address()])
            .env_clear()
            .env("CORE_CHAINCODE_ID_NAME", "mycc:1.0")
            .env("CORE_PEER_TLS_ENABLED", "false")
            .env("CORE_CHAINCODE_LOGGING_LEVEL", "warning"),
    )
}

/// Creates `channel` and joins the peer.
fn channel_with_peer(net: &Network, channel: &str) {
    let block = net.create_channel(channel);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
}

/// Installs and instantiates `mycc` (node, empty package: the process runs by hand).
fn instantiate(net: &Network, channel: &str) {
    use fabric::protos::peer::{
        chaincode_spec, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeSpec,
    };
    let package = net.path("mycc.cds");
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
    std::fs::write(&package, cds.encode_to_vec()).unwrap();
    net.cli_ok(&["chaincode", "install", package.to_str().unwrap()]);
    net.cli_ok(&[
        "chaincode",
        "instantiate",
        "-o",
        &net.orderer_address(),
        "-C",
        channel,
        "-n",
        "mycc",
        "-v",
        "1.0",
        "-l",
        "node",
        "-c",
        r#"{"Args":["init","a","100","b","200"]}"#,
    ]);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/chaincode_support`; run with --include-ignored"]
fn e2e_counts_add_up_and_match_the_channel_growth() {
    let node = node().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let peer = net.start_peer_with(&["--peer-chaincodedev"]);
    channel_with_peer(&net, "benchchannel");
    let _cc = start_chaincode(&net, &node);
    peer.wait_log("chaincode mycc:1.0 registered and ready");
    instantiate(&net, "benchchannel");
    // The instantiation commits before the run starts.
    let start = std::time::Instant::now();
    while height(&net, "benchchannel") < 2 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let before = height(&net, "benchchannel");
    let cfg = config(&net, "benchchannel", true, "");
    let plot = net.path("bench.svg");
    let ports = format!("orderer={},peer={}", net.orderer_port, net.peer_port);
    let out = bench(
        &cfg,
        &[
            "--json",
            "--ports",
            &ports,
            "--plot",
            plot.to_str().unwrap(),
        ],
    );
    let s = summary(&out);
    let after = height(&net, "benchchannel");
    assert_eq!(n(&s, "submitted"), 200, "{s}");
    assert_eq!(
        n(&s, "submitted"),
        n(&s, "committed_valid") + n(&s, "committed_invalid") + n(&s, "errors"),
        "{s}"
    );
    assert_eq!(n(&s, "committed_valid"), 200, "{s}");
    assert_eq!(n(&s, "blocks_observed"), after - before, "{s}");
    assert_eq!(n(&s, "transactions_observed"), 200, "{s}");
    let processes = s["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 2, "{s}");
    assert!(
        processes
            .iter()
            .all(|p| p["cpu_seconds"].as_f64().unwrap() > 0.0),
        "{s}"
    );
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2);

    // The same run with tables: every stage is there.
    let out = bench(&cfg, &["--count", "20"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables = String::from_utf8_lossy(&out.stdout);
    for row in ["submitted", "endorsed", "ordered", "committed valid", "p99"] {
        assert!(tables.contains(row), "{tables}");
    }
}

#[test]
fn order_mode_against_the_orderer_alone() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    net.create_channel("orderonly");
    let cfg = config(
        &net,
        "orderonly",
        false,
        "mode: order\nbroadcast_streams: 2\n",
    );
    let s = summary(&bench(&cfg, &["--json"]));
    assert_eq!(n(&s, "submitted"), 200, "{s}");
    assert_eq!(n(&s, "ordered"), 200, "{s}");
    assert_eq!(n(&s, "errors"), 0, "{s}");
    assert_eq!(n(&s, "endorsed"), 0, "{s}");
}

/// A bad configuration: exit 1, one line naming the problem, nothing on stdout.
fn fails_with(config: &Path, args: &[&str], want: &str) {
    let out = bench(config, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(want), "want {want:?} in {err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_configurations_fail_before_any_load() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let _peer = net.start_peer();
    channel_with_peer(&net, "badchannel");
    let before = height(&net, "badchannel");

    let cfg = config(&net, "badchannel", true, "endorsers: [peer9]\n");
    fails_with(&cfg, &[], "endorsers names the unknown peer \"peer9\"");

    let text = std::fs::read_to_string(config(&net, "badchannel", true, "")).unwrap();
    let wrong_msp = net.path("wrong-msp.yaml");
    std::fs::write(
        &wrong_msp,
        text.replace(net.cfg.join("msp").to_str().unwrap(), "/no/such/msp"),
    )
    .unwrap();
    fails_with(
        &wrong_msp,
        &[],
        "cannot load the client MSP SampleOrg from /no/such/msp",
    );

    let cfg = config(&net, "badchannel", true, "");
    fails_with(
        &cfg,
        &["--chaincode", "nosuchcc"],
        "endorsing nosuchcc(put) on channel badchannel answered status 500",
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = net.path("unreachable.yaml");
    std::fs::write(
        &unreachable,
        text.replace(&net.peer_address(), &format!("127.0.0.1:{port}")),
    )
    .unwrap();
    fails_with(
        &unreachable,
        &[],
        &format!("cannot reach peer0 at 127.0.0.1:{port}"),
    );

    // TLS towards a plaintext peer.
    let ca = net.cfg.join("msp/tlscacerts");
    let ca = std::fs::read_dir(&ca)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let tls = net.path("tls.yaml");
    std::fs::write(
        &tls,
        text.replace(
            "msp_id: SampleOrg }",
            &format!("msp_id: SampleOrg, tls_ca: \"{}\" }}", ca.display()),
        ),
    )
    .unwrap();
    assert!(std::fs::read_to_string(&tls).unwrap().contains("tls_ca"));
    fails_with(&tls, &[], "TLS mismatch with peer0 at 127.0.0.1:");

    let cfg = config(&net, "badchannel", true, "");
    fails_with(&cfg, &["--channel", "nosuchchannel"], "peer0 (127.0.0.1:");
    fails_with(
        &cfg,
        &["--channel", "nosuchchannel"],
        "access denied: channel [nosuchchannel]",
    );

    // Nothing reached the ledger.
    assert_eq!(height(&net, "badchannel"), before);
}

/// A config with only the client (the sink replaces peers and orderer).
fn sink_config(dir: &Path) -> PathBuf {
    let msp = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig/msp");
    let path = dir.join("sink.yaml");
    std::fs::write(
        &path,
        format!(
            "channel: mychannel\nchaincode: mycc\nfunction: put\nargs: [\"{{{{key}}}}\"]\n\
             client: {{ msp_id: SampleOrg, msp_dir: \"{}\" }}\ncount: 300\nconcurrency: 50\n",
            msp.display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_sink_takes_every_mode_and_the_counts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sink_config(dir.path());
    for (mode, last) in [
        ("e2e", "committed_valid"),
        ("endorse", "endorsed"),
        ("order", "ordered"),
    ] {
        let s = summary(&bench(&cfg, &["--sink", "--json", "--mode", mode]));
        assert_eq!(n(&s, "submitted"), 300, "{mode}: {s}");
        assert_eq!(n(&s, last), 300, "{mode}: {s}");
        assert_eq!(n(&s, "errors"), 0, "{mode}: {s}");
        assert!(s["p256_verify_per_s"].as_f64().unwrap() > 0.0, "{s}");
        let finished: u64 = s["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["finished"].as_u64().unwrap())
            .sum();
        assert_eq!(finished, 300, "{mode}: {s}");
    }
}

#[test]
fn open_loop_never_starts_more_than_its_rate() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sink_config(dir.path());
    let s = summary(&bench(
        &cfg,
        &["--sink", "--json", "--rate", "100", "--duration", "2s"],
    ));
    let submitted = n(&s, "submitted");
    assert!((1..=201).contains(&submitted), "{s}");
    assert_eq!(
        submitted,
        n(&s, "committed_valid") + n(&s, "committed_invalid") + n(&s, "errors"),
        "{s}"
    );
}

/// A short run against the one-command network: `test-network` with two orgs, the Rust
/// marbles02 sample built and launched by the peers through the Rust builder, an AND policy
/// of both orgs' peers, one endorser per org. The counts add up and every transaction
/// commits valid. Rust builds share the cargo target of tests/it/test_network.
#[test]
fn a_short_run_against_the_two_org_test_network_with_the_rust_sample() {
    let test_network = env!("CARGO_BIN_EXE_test-network");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-network-cache");
    let tn = |args: &[&str]| {
        Command::new(test_network)
            .args(args)
            .arg("--dir")
            .arg(&dir)
            .env("XDG_CACHE_HOME", &cache)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .output()
            .unwrap()
    };
    struct Down<'a>(&'a dyn Fn(&[&str]) -> Output);
    impl Drop for Down<'_> {
        fn drop(&mut self) {
            let _ = (self.0)(&["down"]);
        }
    }
    let _down = Down(&tn);
    let up = tn(&["up", "--no-chaincode", "--base-port", "0"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let marbles = Path::new(env!("CARGO_MANIFEST_DIR")).join("shim/samples/marbles02");
    let deploy = tn(&[
        "deploy",
        "-n",
        "marbles",
        "-l",
        "rust",
        "--ctor",
        r#"{"Args":["init"]}"#,
        "-p",
        marbles.to_str().unwrap(),
    ]);
    assert!(
        deploy.status.success(),
        "{}",
        String::from_utf8_lossy(&deploy.stderr)
    );

    let layout = fabric::test_network::Layout::load(&dir).unwrap();
    let user =
        dir.join("crypto/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp");
    let mut cfg = format!(
        "channel: mychannel\nchaincode: marbles\nfunction: initMarble\nargs: [\"m{{{{key}}}}\", \"blue\", \"35\", \"tom\"]\nclient:\n  msp_id: Org1MSP\n  msp_dir: {}\npeers:\n",
        user.display()
    );
    for peer in &layout.peers {
        cfg.push_str(&format!(
            "  - {{ name: {}, address: \"{}\", msp_id: {} }}\n",
            peer.name, peer.address, peer.msp_id
        ));
    }
    cfg.push_str(&format!(
        "orderer: {{ name: orderer, address: \"{}\" }}\ncount: 200\nconcurrency: 20\n",
        layout.orderer.address
    ));
    let path = tmp.path().join("bench.yaml");
    std::fs::write(&path, cfg).unwrap();
    let s = summary(&bench(&path, &["--json"]));
    assert_eq!(n(&s, "submitted"), 200, "{s}");
    assert_eq!(
        n(&s, "submitted"),
        n(&s, "committed_valid") + n(&s, "committed_invalid") + n(&s, "errors"),
        "{s}"
    );
    assert_eq!(n(&s, "committed_valid"), 200, "{s}");
}
