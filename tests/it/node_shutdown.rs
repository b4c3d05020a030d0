//! A stop with a deadline: our `peer node start` with a dev-mode chaincode's Register
//! stream and a Deliver stream held open, and our `orderer` with a Broadcast and a Deliver
//! stream held open, exit on SIGTERM within the drain deadline (10 s) whatever the
//! clients do. The clients here never close their side: they only see their streams
//! ended by the node (status UNAVAILABLE) and keep holding them.
//!
//! Every process is stopped by a kill-on-drop guard.

use std::time::{Duration, Instant};

use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::support;

use fabric::protos::common::Envelope;
use fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabric::protos::peer::chaincode_message::Type;
use fabric::protos::peer::chaincode_support_client::ChaincodeSupportClient;
use fabric::protos::peer::deliver_client::DeliverClient as PeerDeliverClient;
use fabric::protos::peer::{ChaincodeId, ChaincodeMessage};
use support::network::Network;

/// The node's drain deadline plus room for process start-up and the ledger's close.
const EXIT_LIMIT: Duration = Duration::from_secs(20);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn channel(address: &str) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// A chaincode that registers as `id` and then holds its stream: returns the sender that
/// keeps our side open and the peer's side of the stream.
async fn register_and_hold(
    address: &str,
    id: &str,
) -> (
    mpsc::Sender<ChaincodeMessage>,
    tonic::Streaming<ChaincodeMessage>,
) {
    let (tx, rx) = mpsc::channel(4);
    tx.send(ChaincodeMessage {
        r#type: Type::Register as i32,
        payload: ChaincodeId {
            name: id.into(),
            ..Default::default()
        }
        .encode_to_vec(),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut client = ChaincodeSupportClient::new(channel(address).await);
    let mut inbound = client
        .register(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    for want in [Type::Registered, Type::Ready] {
        let msg = inbound.message().await.unwrap().expect("an answer");
        assert_eq!(msg.r#type, want as i32);
    }
    (tx, inbound)
}

/// The next answer on a held stream once the node stops: its end, as a status.
async fn end_of(stream: &mut tonic::Streaming<impl Message + Default>) -> tonic::Code {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), stream.message()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) => return tonic::Code::Ok,
            Ok(Err(status)) => return status.code(),
            Err(_) => panic!("the stream was not ended by the stopping node"),
        }
    }
}

#[test]
fn peer_with_a_chaincode_and_a_deliver_stream_open_exits_on_sigterm_within_the_deadline() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let mut peer = net.start_peer_with(&["--peer-chaincodedev"]);
    let rt = runtime();
    let (_cc_side, mut cc_stream) =
        rt.block_on(register_and_hold(&net.chaincode_address(), "holdcc:1.0"));
    peer.wait_log("chaincode holdcc:1.0 registered and ready");
    // A Deliver stream the client opens and never sends on: the peer waits for its
    // request for as long as the client likes.
    let (deliver_side, rx) = mpsc::channel::<Envelope>(1);
    let mut deliver = rt.block_on(async {
        PeerDeliverClient::new(channel(&net.peer_address()).await)
            .deliver(ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner()
    });

    let stopped = Instant::now();
    peer.signal("TERM");
    let (cc_end, deliver_end) =
        rt.block_on(async { tokio::join!(end_of(&mut cc_stream), end_of(&mut deliver)) });
    assert_eq!(cc_end, tonic::Code::Unavailable, "chaincode stream");
    assert_eq!(deliver_end, tonic::Code::Unavailable, "deliver stream");
    let code = peer.wait(EXIT_LIMIT);
    let took = stopped.elapsed();
    assert_eq!(code, Some(0), "log:\n{}", peer.log_text());
    assert!(peer.log_text().contains("Received signal: 15 (terminated)"));
    eprintln!("peer exited {took:?} after SIGTERM");
    drop(deliver_side);
}

#[test]
fn orderer_with_broadcast_and_deliver_streams_open_exits_on_sigterm_within_the_deadline() {
    let net = Network::new();
    let mut orderer = net.start_orderer();
    let rt = runtime();
    let (broadcast_side, rx) = mpsc::channel::<Envelope>(1);
    let (deliver_side, drx) = mpsc::channel::<Envelope>(1);
    let (mut broadcast, mut deliver) = rt.block_on(async {
        let mut client = AtomicBroadcastClient::new(channel(&net.orderer_address()).await);
        let b = client
            .broadcast(ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner();
        let d = client
            .deliver(ReceiverStream::new(drx))
            .await
            .unwrap()
            .into_inner();
        (b, d)
    });

    let stopped = Instant::now();
    orderer.signal("TERM");
    let (b_end, d_end) =
        rt.block_on(async { tokio::join!(end_of(&mut broadcast), end_of(&mut deliver)) });
    assert_eq!(b_end, tonic::Code::Unavailable, "broadcast stream");
    assert_eq!(d_end, tonic::Code::Unavailable, "deliver stream");
    let code = orderer.wait(EXIT_LIMIT);
    let took = stopped.elapsed();
    assert_eq!(code, Some(0), "log:\n{}", orderer.log_text());
    eprintln!("orderer exited {took:?} after SIGTERM");
    drop((broadcast_side, deliver_side));
}

/// An HTTP/2 frame: length, type, flags, stream id, payload.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A client that never finishes its request: over a raw connection it sends the HTTP/2
/// preface and the headers of a ProcessProposal call, and never the body. The node's
/// graceful drain would wait for it forever; only the deadline ends it.
fn stalled_request(address: &str) -> std::net::TcpStream {
    use std::io::Write;
    let mut headers = Vec::new();
    for (name, value) in [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/protos.Endorser/ProcessProposal"),
        (":authority", address),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ] {
        // Literal header field without indexing, new name, no Huffman coding.
        headers.push(0x00);
        headers.push(name.len() as u8);
        headers.extend_from_slice(name.as_bytes());
        headers.push(value.len() as u8);
        headers.extend_from_slice(value.as_bytes());
    }
    let mut conn = std::net::TcpStream::connect(address).unwrap();
    conn.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    conn.write_all(&frame(0x4, 0, 0, &[])).unwrap(); // SETTINGS
    conn.write_all(&frame(0x1, 0x4, 1, &headers)).unwrap(); // HEADERS, END_HEADERS only
    conn
}

#[test]
fn a_request_that_never_ends_holds_the_peer_no_longer_than_the_deadline() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let mut peer = net.start_peer();
    let _stalled = stalled_request(&net.peer_address());
    std::thread::sleep(Duration::from_millis(300));
    let stopped = Instant::now();
    peer.signal("TERM");
    let code = peer.wait(EXIT_LIMIT);
    let took = stopped.elapsed();
    assert_eq!(code, Some(0), "log:\n{}", peer.log_text());
    assert!(
        peer.log_text()
            .contains("peer: connections still open 10s after the stop; closing them"),
        "the drain should have hit its deadline; log:\n{}",
        peer.log_text()
    );
    eprintln!("peer exited {took:?} after SIGTERM with a stalled request");
}

#[test]
fn a_second_signal_ends_a_draining_peer_at_once() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let mut peer = net.start_peer();
    let _stalled = stalled_request(&net.peer_address());
    std::thread::sleep(Duration::from_millis(300));
    peer.signal("TERM");
    peer.wait_log("Stopping: no new connections");
    let second = Instant::now();
    peer.signal("INT");
    let code = peer.wait(Duration::from_secs(5));
    assert_eq!(code, Some(1), "log:\n{}", peer.log_text());
    assert!(second.elapsed() < Duration::from_secs(3));
    assert!(peer.log_text().contains("while stopping; exiting now"));
}
