//! A whole local network from the sample configuration only (no vectors): our real `orderer`
//! (provisional SampleInsecureSolo genesis) and our real `peer node start` on loopback
//! ports, driven by our `peer` CLI and `configtxgen` as a user would: channel create,
//! fetch, join, getinfo, anchor-peer updates flowing as blocks, admin and logging
//! commands, the operations endpoints, restarts, SIGTERM and kill -9.
//!
//! Every process a test starts is stopped by a guard (kill on drop).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support;

use support::network::Network;

fn decode_block(path: &Path) -> fabric::protos::common::Block {
    let bytes = std::fs::read(path).unwrap();
    fabric::protoutil::decode("Block", &bytes).unwrap()
}

fn block_number(path: &Path) -> u64 {
    decode_block(path).header.unwrap().number
}

fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (code, body)
}

/// `peer channel create` against our orderer writes block 0; `fetch` gets oldest, newest,
/// config and a number from the orderer with Fabric's default file names; a mismatched
/// channel name is one clear line.
#[test]
fn channel_create_and_fetch_from_the_orderer() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    assert_eq!(block_number(&block), 0);
    for which in ["oldest", "newest", "config", "0"] {
        net.cli_ok(&[
            "channel",
            "fetch",
            which,
            "-c",
            "mychannel",
            "-o",
            &net.orderer_address(),
        ]);
        let file = net.path(&format!("mychannel_{which}.block"));
        assert_eq!(block_number(&file), 0, "{which}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            std::fs::read(&block).unwrap()
        );
    }
    let out = net.cli(&[
        "channel",
        "create",
        "-o",
        &net.orderer_address(),
        "-c",
        "otherchannel",
        "-f",
        net.path("mychannel.tx").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mismatched channel ID mychannel != otherchannel"),
        "{err}"
    );
}

/// Without `-f`, `peer channel create` builds the channel creation transaction itself from
/// configtx.yaml's SampleSingleMSPChannel profile, as Fabric's CLI does; the orderer accepts
/// it and block 0 holds the new channel's config. Without a configtx.yaml, one clear line.
#[test]
fn channel_create_without_a_file_uses_the_default_profile() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.path("defaultch.block");
    net.cli_ok(&[
        "channel",
        "create",
        "-o",
        &net.orderer_address(),
        "-c",
        "defaultch",
        "--outputBlock",
        block.to_str().unwrap(),
    ]);
    let genesis = decode_block(&block);
    assert_eq!(genesis.header.as_ref().unwrap().number, 0);
    let bundle = fabric::peer::config_bundle_of(&genesis).unwrap();
    assert_eq!(bundle.channel_id(), "defaultch");
    let orgs: Vec<String> = bundle
        .application_config()
        .unwrap()
        .organizations()
        .values()
        .map(|o| o.msp_id().to_string())
        .collect();
    assert_eq!(orgs, ["SampleOrg"]);
    std::fs::remove_file(net.cfg.join("configtx.yaml")).unwrap();
    let out = net.cli(&[
        "channel",
        "create",
        "-o",
        &net.orderer_address(),
        "-c",
        "otherch",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no -f/--file was given") && err.contains("SampleSingleMSPChannel"),
        "{err}"
    );
}

fn height(net: &Network, channel: &str) -> u64 {
    let out = net.cli_ok(&["channel", "getinfo", "-c", channel]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = text
        .strip_prefix("Blockchain info: ")
        .unwrap_or_else(|| panic!("unexpected getinfo output {text:?}"));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    v["height"].as_u64().unwrap_or(0)
}

fn wait_height(net: &Network, channel: &str, at_least: u64) -> u64 {
    let start = Instant::now();
    loop {
        let h = height(net, channel);
        if h >= at_least {
            return h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "height stayed at {h}, wanted {at_least}; peer log:\n{}",
            std::fs::read_to_string(net.path("peer.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A transaction that reaches a block: a qscc invocation endorsed by the peer and sent to
/// the orderer (no user chaincode runtime is needed for it to be ordered and committed).
fn send_tx(net: &Network, channel: &str) {
    net.cli_ok(&[
        "chaincode",
        "invoke",
        "-o",
        &net.orderer_address(),
        "-C",
        channel,
        "-n",
        "qscc",
        "-c",
        &format!(r#"{{"Args":["GetChainInfo","{channel}"]}}"#),
    ]);
}

/// The whole life of a peer: start, join, blocks flow (anchor-peer config update and
/// transactions), admin and logging live, operations endpoints, restart with the channel
/// back, SIGTERM exits 0, reset and rollback refused while running.
#[test]
fn peer_joins_commits_restarts_and_stops_cleanly() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    let mut peer = net.start_peer();
    let out = net.cli_ok(&["node", "status"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "status:STARTED \n");
    let out = net.cli_ok(&["chaincode", "list", "--installed"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Get installed chaincodes on peer:\n"
    );
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let out = net.cli_ok(&["channel", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\nmychannel\n"));
    assert_eq!(wait_height(&net, "mychannel", 1), 1);

    net.update_anchor_peers("mychannel");
    assert_eq!(wait_height(&net, "mychannel", 2), 2);
    send_tx(&net, "mychannel");
    assert_eq!(wait_height(&net, "mychannel", 3), 3);
    net.cli_ok(&["channel", "fetch", "config", "-c", "mychannel"]);
    assert_eq!(block_number(&net.path("mychannel_config.block")), 1);

    // Logging changes are live and visible through both the CLI and /logspec.
    let out = net.cli_ok(&["logging", "setlevel", "gossip", "debug"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("'gossip': DEBUG"));
    let out = net.cli_ok(&["logging", "getlevel", "gossip.comm"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEBUG"));
    let (code, body) = http(net.peer_ops_port, "GET", "/logspec", "");
    assert_eq!(code, 200);
    assert!(body.contains("gossip=debug"), "{body}");
    net.cli_ok(&["logging", "revertlevels"]);
    let (_, body) = http(net.peer_ops_port, "GET", "/logspec", "");
    assert!(!body.contains("gossip=debug"), "{body}");

    let (code, body) = http(net.peer_ops_port, "GET", "/healthz", "");
    assert_eq!((code, body.contains("\"OK\"")), (200, true), "{body}");
    let (_, body) = http(net.peer_ops_port, "GET", "/version", "");
    assert!(body.contains("\"Version\":\"1.4.12\""), "{body}");
    let (_, body) = http(net.peer_ops_port, "GET", "/metrics", "");
    assert!(
        body.contains("ledger_blockchain_height{channel=\"mychannel\"} 3"),
        "{body}"
    );
    assert!(body.contains("endorser_proposals_received "), "{body}");

    let out = net.cli(&["node", "reset", "--yes"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by a running peer"));

    peer.signal("TERM");
    assert_eq!(peer.wait(Duration::from_secs(20)), Some(0));
    assert!(peer.log_text().contains("Received signal: 15 (terminated)"));

    // Offline: without --yes and without a terminal, reset is refused.
    let out = net.cli(&["node", "rollback", "-c", "mychannel", "-b", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --yes"));

    let _peer = net.start_peer();
    assert_eq!(height(&net, "mychannel"), 3);
    send_tx(&net, "mychannel");
    assert_eq!(wait_height(&net, "mychannel", 4), 4);
}

/// kill -9 while transactions commit, several times: after each restart the channel comes
/// back consistent (height from getinfo equals the newest block the peer delivers plus one)
/// and catches up with the orderer's height.
#[test]
fn kill_nine_during_commits_then_restart_is_consistent() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    let mut peer = net.start_peer();
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    wait_height(&net, "mychannel", 1);
    let mut previous = 1;
    for round in 0..3 {
        for _ in 0..3 {
            send_tx(&net, "mychannel");
        }
        std::thread::sleep(Duration::from_millis(2100 + 300 * round));
        peer.signal("KILL");
        assert_eq!(peer.wait(Duration::from_secs(10)), None, "round {round}");
        net.cli_ok(&[
            "channel",
            "fetch",
            "newest",
            "-c",
            "mychannel",
            "-o",
            &net.orderer_address(),
            net.path("orderer_newest.block").to_str().unwrap(),
        ]);
        let ordered = block_number(&net.path("orderer_newest.block")) + 1;
        assert!(
            ordered > previous,
            "round {round}: no new blocks were ordered"
        );
        previous = ordered;
        peer = net.start_peer();
        let h = wait_height(&net, "mychannel", ordered);
        assert_eq!(h, ordered, "round {round}");
        net.cli_ok(&["channel", "fetch", "newest", "-c", "mychannel"]);
        let ours = net.path("mychannel_newest.block");
        assert_eq!(block_number(&ours), h - 1, "round {round}");
        assert_eq!(
            decode_block(&ours).header,
            decode_block(&net.path("orderer_newest.block")).header,
            "round {round}: the peer's newest block is not the orderer's"
        );
    }
    drop(peer);
}

/// `--connectionProfile`: the channel's endorsing peers in the profile replace
/// `--peerAddresses` (here a dead address), as Fabric's CLI; a channel the profile does not
/// list keeps the flags; a peer named without its config is one clear line.
#[test]
fn chaincode_commands_take_peers_from_a_connection_profile() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let block = net.create_channel("mychannel");
    let _peer = net.start_peer();
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    wait_height(&net, "mychannel", 1);
    let profile = net.path("connection.json");
    let peer_url = format!("grpc://127.0.0.1:{}", net.peer_port);
    std::fs::write(
        &profile,
        serde_json::json!({
            "name": "test",
            "channels": {"mychannel": {"peers": {"peer0": {"endorsingPeer": true}}}},
            "peers": {"peer0": {"url": peer_url}},
        })
        .to_string(),
    )
    .unwrap();
    let dead = format!("127.0.0.1:{}", support::orderer::free_port());
    let query = |channel: &str| {
        net.cli(&[
            "chaincode",
            "query",
            "-C",
            channel,
            "-n",
            "qscc",
            "-c",
            r#"{"Args":["GetChainInfo","mychannel"]}"#,
            "--peerAddresses",
            &dead,
            "--connectionProfile",
            profile.to_str().unwrap(),
        ])
    };
    let out = query("mychannel");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = query("otherchannel");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&dead),
        "the flags stand for a channel the profile does not list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        &profile,
        r#"{"channels": {"mychannel": {"peers": {"ghost": {"endorsingPeer": true}}}}}"#,
    )
    .unwrap();
    let out = query("mychannel");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("peer 'ghost' is defined in the channel config"),
        "{err}"
    );
}
