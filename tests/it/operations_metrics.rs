//! After the activity Fabric's own network shows its metrics for — a channel create, a
//! peer join and a config update (anchor peers), on our real `orderer` and `peer node
//! start` over loopback — GET /metrics on both and check that every family Fabric v1.4.12
//! documents for the subsystems this activity exercises is there, with Fabric's type, and
//! that histograms carry Fabric's buckets.
//!
//! The expected tables come from Fabric v1.4.12's docs/source/metrics_reference.rst (the
//! Prometheus tables of "Orderer Metrics" and "Peer Metrics"), restricted to the families
//! whose events this activity produces in Fabric, plus the process collector's families
//! every Prometheus client exports (client_golang's process collector).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support;

use support::network::{free_port, wait_for_port, Guard, Network};

const ORDERER: &str = env!("CARGO_BIN_EXE_orderer");

/// Families and types of both nodes (Fabric's table, "orderer and peer" rows).
const COMMON: &[(&str, &str)] = &[
    ("fabric_version", "gauge"),
    ("grpc_comm_conn_closed", "counter"),
    ("grpc_comm_conn_opened", "counter"),
    ("logging_entries_checked", "counter"),
    ("logging_entries_written", "counter"),
    ("process_cpu_seconds_total", "counter"),
    ("process_max_fds", "gauge"),
    ("process_open_fds", "gauge"),
    ("process_resident_memory_bytes", "gauge"),
    ("process_start_time_seconds", "gauge"),
    ("process_virtual_memory_bytes", "gauge"),
];

/// The peer's: a join is an endorser proposal (unary gRPC); the blocks it commits are the
/// ledger's.
const PEER: &[(&str, &str)] = &[
    ("endorser_proposal_duration", "histogram"),
    ("endorser_proposals_received", "counter"),
    ("endorser_successful_proposals", "counter"),
    ("grpc_server_unary_request_duration", "histogram"),
    ("grpc_server_unary_requests_completed", "counter"),
    ("grpc_server_unary_requests_received", "counter"),
    ("ledger_block_processing_time", "histogram"),
    ("ledger_blockchain_height", "gauge"),
    ("ledger_blockstorage_and_pvtdata_commit_time", "histogram"),
    ("ledger_blockstorage_commit_time", "histogram"),
    ("ledger_statedb_commit_time", "histogram"),
    ("ledger_transaction_count", "counter"),
];

/// The orderer's: create and update are Broadcast streams (counted by Fabric's broadcast
/// handler), the peer and the CLI read blocks over Deliver streams (counted by the deliver
/// handler).
const ORDERER_FAMILIES: &[(&str, &str)] = &[
    ("broadcast_enqueue_duration", "histogram"),
    ("broadcast_processed_count", "counter"),
    ("broadcast_validate_duration", "histogram"),
    ("deliver_blocks_sent", "counter"),
    ("deliver_requests_completed", "counter"),
    ("deliver_requests_received", "counter"),
    ("deliver_streams_closed", "counter"),
    ("deliver_streams_opened", "counter"),
    ("grpc_server_stream_messages_received", "counter"),
    ("grpc_server_stream_messages_sent", "counter"),
    ("grpc_server_stream_request_duration", "histogram"),
    ("grpc_server_stream_requests_completed", "counter"),
    ("grpc_server_stream_requests_received", "counter"),
    ("ledger_blockchain_height", "gauge"),
    ("ledger_blockstorage_commit_time", "histogram"),
];

/// Fabric's kvledger / blkstorage buckets.
const LEDGER_BUCKETS: &[&str] = &["0.005", "0.01", "0.015", "0.05", "0.1", "1", "10", "+Inf"];

pub(crate) fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let code = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1.to_string();
    (code, body)
}

/// `# TYPE` lines of a /metrics answer: family → type.
fn families(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .map(|(name, kind)| (name.to_string(), kind.to_string()))
        .collect()
}

fn check(node: &str, text: &str, expected: &[(&str, &str)]) {
    let got = families(text);
    let mut wrong = Vec::new();
    for (name, kind) in expected {
        match got.get(*name) {
            Some(k) if k == kind => {}
            Some(k) => wrong.push(format!("{name}: {k}, Fabric's is {kind}")),
            None => wrong.push(format!("{name}: missing")),
        }
    }
    assert!(wrong.is_empty(), "{node}: {wrong:#?}\n{text}");
}

/// The orderer of `net` with the prometheus provider on `ops_port`.
fn start_orderer(net: &Network, ops_port: u16) -> Guard {
    let guard = net.spawn(
        "orderer",
        Command::new(ORDERER)
            .env_clear()
            .env("FABRIC_CFG_PATH", &net.cfg)
            .env("FABRIC_LOGGING_SPEC", "info")
            .env("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1")
            .env("ORDERER_GENERAL_LISTENPORT", net.orderer_port.to_string())
            .env(
                "ORDERER_OPERATIONS_LISTENADDRESS",
                format!("127.0.0.1:{ops_port}"),
            )
            .env("ORDERER_METRICS_PROVIDER", "prometheus")
            .env("ORDERER_FILELEDGER_LOCATION", net.path("orderer-ledger")),
    );
    wait_for_port(net.orderer_port);
    wait_for_port(ops_port);
    guard
}

#[test]
fn peer_and_orderer_show_fabrics_metric_families_after_create_join_and_update() {
    let net = Network::new();
    let orderer_ops = free_port();
    let _orderer = start_orderer(&net, orderer_ops);
    let block = net.create_channel("mychannel");
    let _peer = net.start_peer();
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    net.update_anchor_peers("mychannel");
    // The update is committed on the peer: height 2.
    let start = Instant::now();
    let peer_text = loop {
        let (code, text) = get(net.peer_ops_port, "/metrics");
        assert_eq!(code, 200);
        if text.contains("ledger_blockchain_height{channel=\"mychannel\"} 2\n") {
            break text;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (code, orderer_text) = get(orderer_ops, "/metrics");
    assert_eq!(code, 200);

    check("peer", &peer_text, COMMON);
    check("peer", &peer_text, PEER);
    check("orderer", &orderer_text, COMMON);
    check("orderer", &orderer_text, ORDERER_FAMILIES);

    // Labels and buckets as Fabric's.
    for le in LEDGER_BUCKETS {
        let series =
            format!("ledger_block_processing_time_bucket{{channel=\"mychannel\",le=\"{le}\"}} ");
        assert!(peer_text.contains(&series), "{series}\n{peer_text}");
    }
    assert!(peer_text.contains("fabric_version{version=\"1.4.12\"} 1\n"));
    assert!(peer_text.contains(
        "grpc_server_unary_requests_completed{service=\"protos.Endorser\",method=\"ProcessProposal\",code=\"OK\"} "
    ));
    assert!(peer_text.contains("endorser_proposal_duration_count{channel=\"\",chaincode=\"cscc:\",success=\"true\"} 1\n"),
        "{peer_text}");
    assert!(peer_text.contains("logging_entries_written{level=\"info\"} "));
    assert!(orderer_text.contains(
        "grpc_server_stream_requests_completed{service=\"orderer.AtomicBroadcast\",method=\"Broadcast\",code=\"OK\"} "
    ), "{orderer_text}");
    assert!(orderer_text.contains(
        "grpc_server_stream_messages_received{service=\"orderer.AtomicBroadcast\",method=\"Broadcast\"} 2\n"
    ), "{orderer_text}");
    // The create and the anchor update: two config updates for mychannel, both ordered.
    assert!(orderer_text.contains(
        "broadcast_processed_count{channel=\"mychannel\",type=\"CONFIG_UPDATE\",status=\"SUCCESS\"} 2\n"
    ), "{orderer_text}");
    assert!(orderer_text.contains(
        "broadcast_enqueue_duration_count{channel=\"mychannel\",type=\"CONFIG_UPDATE\",status=\"SUCCESS\"} 2\n"
    ), "{orderer_text}");
    // The orderer wrote mychannel's genesis block and the anchor update's config block.
    assert!(
        orderer_text.contains("ledger_blockchain_height{channel=\"mychannel\"} 2\n"),
        "{orderer_text}"
    );
    assert!(
        orderer_text.contains("ledger_blockstorage_commit_time_count{channel=\"mychannel\"} 1\n"),
        "{orderer_text}"
    );
    // The CLI fetched mychannel's genesis block over Deliver after the create.
    assert!(orderer_text.contains(
        "deliver_requests_completed{channel=\"mychannel\",filtered=\"false\",success=\"true\"} "
    ), "{orderer_text}");
    assert!(
        orderer_text.contains("deliver_blocks_sent{channel=\"mychannel\",filtered=\"false\"} "),
        "{orderer_text}"
    );
}
