//! The discovery service of `peer node start` through our `discover` binary, on a one-org
//! network (SampleOrg, solo orderer): the config query (MSPs, orderer endpoint), the peers
//! query of the channel (this peer, its ledger height and chaincode) and the local one, the
//! endorsers query of an instantiated chaincode (the Rust shim's example02 in dev mode),
//! Fabric's error for a chaincode that is not instantiated, a client from an unknown CA
//! refused with "access denied", and `saveConfig` / `--configFile`. Every process is stopped
//! by a kill-on-drop guard.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use prost::Message;

use crate::support;

use support::network::{Guard, Network};

const DISCOVER: &str = env!("CARGO_BIN_EXE_discover");
const PEER: &str = env!("CARGO_BIN_EXE_peer");
const CHANNEL: &str = "discch";

/// The sample MSP's certificate and key (the peer's identity, also SampleOrg's admin).
fn sample_identity(net: &Network) -> (PathBuf, PathBuf) {
    let msp = net.cfg.join("msp");
    let key = std::fs::read_dir(msp.join("keystore"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    (msp.join("signcerts/peer0.sampleorg-cert.pem"), key)
}

/// `discover` with the given identity and arguments.
fn discover(cert: &PathBuf, key: &PathBuf, args: &[&str]) -> Output {
    Command::new(DISCOVER)
        .args(["--MSP", "SampleOrg", "--userCert"])
        .arg(cert)
        .arg("--userKey")
        .arg(key)
        .args(args)
        .env_clear()
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "discover failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// `peer node start --peer-chaincodedev` (the support's peer announces its address as its
/// external endpoint, so discovery lists it).
fn start_peer(net: &Network) -> Guard {
    net.start_peer_with(&["--peer-chaincodedev"])
}

/// Installs an empty package of `name` 1.0 (the process is started by hand, dev mode).
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

/// Retries `discover` until `check` holds on its JSON (commits are asynchronous).
fn discover_until(
    cert: &PathBuf,
    key: &PathBuf,
    args: &[&str],
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let out = discover(cert, key, args);
        if out.status.success() {
            let json = json_of(&out);
            if check(&json) {
                return json;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "discover {args:?} never answered as expected; last: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A self-signed certificate and key no MSP of the channel knows.
fn stranger(net: &Network) -> (PathBuf, PathBuf) {
    let made = rcgen::generate_simple_self_signed(vec!["stranger".to_string()]).unwrap();
    let cert = net.path("stranger-cert.pem");
    let key = net.path("stranger-key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

/// The one-org network with the channel joined and mycc (example02, dev mode) instantiated.
struct Setup {
    net: Network,
    guards: Vec<Guard>,
    cert: PathBuf,
    key: PathBuf,
}

fn setup() -> Setup {
    let net = Network::new();
    let orderer = net.start_orderer();
    let peer = start_peer(&net);
    assert!(peer.log_text().contains("Discovery service activated"));
    let block = net.create_channel(CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let (cert, key) = sample_identity(&net);
    let dir = crate::rust_shim::samples().to_path_buf();
    install(&net, "mycc");
    let cc = net.spawn(
        "example02",
        Command::new(dir.join("example02"))
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
        "-c",
        r#"{"Args":["init","a","100","b","200"]}"#,
    ]);
    let server = net.peer_address();
    // Committed: the peers query shows mycc on this peer.
    discover_until(
        &cert,
        &key,
        &["peers", "--server", &server, "--channel", CHANNEL],
        |j| j[0]["Chaincodes"][0] == "mycc",
    );
    Setup {
        guards: vec![cc, peer, orderer],
        net,
        cert,
        key,
    }
}

#[test]
fn config_peers_and_endorsers_through_the_discover_cli() {
    let Setup {
        net,
        guards: _guards,
        cert,
        key,
    } = setup();
    let server = net.peer_address();
    let on_channel = ["--server", server.as_str(), "--channel", CHANNEL];

    // Config: SampleOrg's MSP and the orderer of configtx.yaml.
    let config = json_of(&discover(
        &cert,
        &key,
        &[&["config"], &on_channel[..]].concat(),
    ));
    assert_eq!(config["msps"]["SampleOrg"]["name"], "SampleOrg");
    assert!(config["msps"]["SampleOrg"]["root_certs"][0].is_string());
    let orderers = &config["orderers"];
    let endpoint = &orderers.as_object().unwrap().values().next().unwrap()["endpoint"][0];
    assert_eq!(endpoint["host"], "127.0.0.1");
    assert_eq!(endpoint["port"], net.orderer_port);

    // Peers of the channel: this peer, its height past the instantiation, mycc.
    let peers = discover_until(&cert, &key, &[&["peers"], &on_channel[..]].concat(), |j| {
        j[0]["Chaincodes"][0] == "mycc"
    });
    let list = peers.as_array().unwrap();
    assert_eq!(list.len(), 1, "{peers}");
    assert_eq!(list[0]["MSPID"], "SampleOrg");
    assert_eq!(list[0]["Endpoint"], server.as_str());
    assert!(list[0]["LedgerHeight"].as_u64().unwrap() >= 2, "{peers}");
    let own_cert = std::fs::read_to_string(&cert).unwrap();
    assert_eq!(list[0]["Identity"], own_cert.as_str());

    // Local peers (the sample identity is SampleOrg's admin): no channel state.
    let local = json_of(&discover(&cert, &key, &["peers", "--server", &server]));
    assert_eq!(local[0]["Endpoint"], server.as_str());
    assert!(local[0].get("LedgerHeight").is_none(), "{local}");

    // Endorsers of mycc: one group of one peer (the default policy: any SampleOrg member).
    let endorsers = json_of(&discover(
        &cert,
        &key,
        &[&["endorsers", "--chaincode", "mycc"], &on_channel[..]].concat(),
    ));
    assert_eq!(endorsers[0]["Chaincode"], "mycc");
    assert_eq!(endorsers[0]["Layouts"][0]["quantities_by_group"]["G0"], 1);
    let g0 = &endorsers[0]["EndorsersByGroups"]["G0"];
    assert_eq!(g0[0]["Endpoint"], server.as_str());
    assert_eq!(g0[0]["MSPID"], "SampleOrg");

    // A chaincode that is not instantiated: Fabric's text.
    let out = discover(
        &cert,
        &key,
        &[&["endorsers", "--chaincode", "nope"], &on_channel[..]].concat(),
    );
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        r#"server returned: failed constructing descriptor for chaincodes:<name:"nope" > "#
            .trim_end()
    );

    // A client no MSP of the channel knows.
    let (scert, skey) = stranger(&net);
    for args in [&["config"][..], &["peers"][..]] {
        let out = discover(&scert, &skey, &[args, &on_channel[..]].concat());
        assert!(!out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "access denied");
    }

    // saveConfig, then the same query from the file.
    let conf = net.path("conf.yaml");
    let out = discover(
        &cert,
        &key,
        &["--configFile", conf.to_str().unwrap(), "saveConfig"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_file = Command::new(DISCOVER)
        .args(["--configFile", conf.to_str().unwrap(), "config"])
        .args(on_channel)
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(json_of(&from_file), config);
}

/// With TLS and client authentication on the peer, the request's claimed TLS certificate
/// hash must be the one of the certificate the connection presented: our `discover` claims
/// the SHA-256 of its client certificate's DER, as Fabric's server computes it.
#[test]
fn local_peers_over_mutual_tls_bind_the_client_certificate() {
    let net = Network::new();
    let ca = fabric::chaincode::accesscontrol::Ca::new().unwrap();
    let (client, _) = ca.client_cert("discover-client").unwrap();
    let client_ca = net.path("client-ca.pem");
    let client_cert = net.path("client.pem");
    let client_key = net.path("client.key");
    std::fs::write(&client_ca, ca.cert_pem()).unwrap();
    std::fs::write(&client_cert, &client.cert).unwrap();
    std::fs::write(&client_key, &client.key).unwrap();
    let peer = net.spawn(
        "peer",
        Command::new(PEER)
            .args(["node", "start"])
            .env_clear()
            .envs(net.peer_env())
            .env("CORE_PEER_GOSSIP_EXTERNALENDPOINT", net.peer_address())
            .env("CORE_PEER_TLS_ENABLED", "true")
            .env("CORE_PEER_TLS_CLIENTAUTHREQUIRED", "true")
            .env("CORE_PEER_TLS_CLIENTROOTCAS_FILES", &client_ca)
            .env("CORE_PEER_TLS_CLIENTCERT_FILE", &client_cert)
            .env("CORE_PEER_TLS_CLIENTKEY_FILE", &client_key),
    );
    let start = Instant::now();
    while !peer.log_text().contains("Started peer with ID=") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "peer did not start; log:\n{}",
            peer.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (cert, key) = sample_identity(&net);
    let server_ca = net.cfg.join("tls/ca.crt");
    let server = net.peer_address();
    let out = discover(
        &cert,
        &key,
        &[
            "--peerTLSCA",
            server_ca.to_str().unwrap(),
            "--tlsCert",
            client_cert.to_str().unwrap(),
            "--tlsKey",
            client_key.to_str().unwrap(),
            "peers",
            "--server",
            &server,
        ],
    );
    let local = json_of(&out);
    assert_eq!(local[0]["MSPID"], "SampleOrg");
    assert_eq!(local[0]["Endpoint"], server.as_str());
    // Plaintext against the TLS listener: one line naming the server.
    let out = discover(&cert, &key, &["peers", "--server", &server]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("failed connecting to {server}")),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// Fabric v1.4.12's own `discover` (from FABRIC_REFERENCE) against our peer prints the same
/// bytes as ours for the config, peers and endorsers queries, and the same errors.
#[test]
#[ignore = "needs FABRIC_REFERENCE (a Fabric v1.4.12 build with bin/discover, /work/shared/tools/build-fabric-reference.sh)"]
fn fabric_reference_discover_reads_our_peer_as_ours_does() {
    let reference = PathBuf::from(
        std::env::var_os("FABRIC_REFERENCE").expect("FABRIC_REFERENCE names the Fabric build"),
    );
    let fabric_discover = reference.join("bin/discover");
    assert!(
        fabric_discover.is_file(),
        "{} is missing",
        fabric_discover.display()
    );
    let Setup {
        net,
        guards: _guards,
        cert,
        key,
    } = setup();
    let server = net.peer_address();
    let identity = |program: &str| {
        let mut c = Command::new(program);
        c.args(["--MSP", "SampleOrg", "--userCert"])
            .arg(&cert)
            .arg("--userKey")
            .arg(&key)
            .env_clear();
        c
    };
    let on_channel = ["--server", server.as_str(), "--channel", CHANNEL];
    for args in [
        [&["config"][..], &on_channel[..]].concat(),
        [&["peers"][..], &on_channel[..]].concat(),
        vec!["peers", "--server", server.as_str()],
        [&["endorsers", "--chaincode", "mycc"][..], &on_channel[..]].concat(),
        [&["endorsers", "--chaincode", "nope"][..], &on_channel[..]].concat(),
    ] {
        let ours = identity(DISCOVER).args(&args).output().unwrap();
        let theirs = identity(fabric_discover.to_str().unwrap())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            (ours.status.success(), String::from_utf8_lossy(&ours.stdout)),
            (
                theirs.status.success(),
                String::from_utf8_lossy(&theirs.stdout)
            ),
            "{args:?}"
        );
        assert_eq!(
            String::from_utf8_lossy(&ours.stderr),
            String::from_utf8_lossy(&theirs.stderr),
            "{args:?}"
        );
    }
}

/// Our `discover` against a Fabric v1.4.12 peer (from FABRIC_REFERENCE, our orderer) prints
/// exactly what Fabric's own `discover` prints: config, channel and local peers, and the
/// errors for a chaincode not instantiated and a channel the peer is not in.
#[test]
#[ignore = "needs FABRIC_REFERENCE (a Fabric v1.4.12 build with bin/peer and bin/discover, /work/shared/tools/build-fabric-reference.sh)"]
fn fabric_reference_our_discover_reads_a_fabric_peer_as_fabrics_does() {
    let reference = PathBuf::from(
        std::env::var_os("FABRIC_REFERENCE").expect("FABRIC_REFERENCE names the Fabric build"),
    );
    let fabric_discover = reference.join("bin/discover");
    let net = Network::new();
    let _orderer = net.start_orderer();
    let fabric_peer = net.spawn(
        "fabric-peer",
        Command::new(reference.join("bin/peer"))
            .args(["node", "start"])
            .env_clear()
            .envs(net.peer_env())
            .env("CORE_PEER_GOSSIP_EXTERNALENDPOINT", net.peer_address())
            .env("CORE_PEER_GOSSIP_BOOTSTRAP", net.peer_address()),
    );
    support::network::wait_for_port(net.peer_port);
    let block = net.create_channel(CHANNEL);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let (cert, key) = sample_identity(&net);
    let server = net.peer_address();
    // The join is committed when the peer answers the channel's peers query.
    discover_until(
        &cert,
        &key,
        &["peers", "--server", &server, "--channel", CHANNEL],
        |j| j[0]["LedgerHeight"] == 1,
    );
    let on_channel = ["--server", server.as_str(), "--channel", CHANNEL];
    for args in [
        [&["config"][..], &on_channel[..]].concat(),
        [&["peers"][..], &on_channel[..]].concat(),
        vec!["peers", "--server", server.as_str()],
        [&["endorsers", "--chaincode", "nope"][..], &on_channel[..]].concat(),
        vec![
            "config",
            "--server",
            server.as_str(),
            "--channel",
            "nochannel",
        ],
    ] {
        let ours = discover(&cert, &key, &args);
        let theirs = Command::new(&fabric_discover)
            .args(["--MSP", "SampleOrg", "--userCert"])
            .arg(&cert)
            .arg("--userKey")
            .arg(&key)
            .args(&args)
            .env_clear()
            .output()
            .unwrap();
        assert_eq!(
            (ours.status.success(), String::from_utf8_lossy(&ours.stdout)),
            (
                theirs.status.success(),
                String::from_utf8_lossy(&theirs.stdout)
            ),
            "{args:?}"
        );
        assert_eq!(
            String::from_utf8_lossy(&ours.stderr),
            String::from_utf8_lossy(&theirs.stderr),
            "{args:?}"
        );
    }
    drop(fabric_peer);
}
