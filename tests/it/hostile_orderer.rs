//! Hostile inputs against the real `orderer` binary on loopback (issue 13, part 3; the
//! catalog is HOSTILE_INPUTS.md): Deliver requests that are truncated, headerless, stale,
//! carry a garbage SeekInfo or an absurd range get Fabric's statuses (common/deliver's
//! `deliverBlocks`, the file ledger's iterator); the operations endpoint answers garbage
//! and oversized requests without falling over; hundreds of idle connections do not stop it
//! serving a well-behaved client. After every refusal the same orderer serves a good request.

use crate::support;

use support::orderer::{
    at, connect, deliver, free_port, msp_signer, seek, spawn_vector_orderer, OrdererProcess,
    VECTOR_ORDERER_ORG,
};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use fabric::msp::SigningIdentity;
use fabric::protos::common::{Envelope, Header, Payload, Status};
use fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabric::protos::orderer::seek_info::SeekBehavior;
use fabric::protos::orderer::seek_position::Type as Seek;
use fabric::protos::orderer::{SeekInfo, SeekOldest, SeekPosition};
use fabric::protoutil::{channel_header, payload};
use prost::Message;
use tonic::transport::Channel;

const CHANNEL: &str = "syschannel";

fn admin() -> std::sync::Arc<dyn SigningIdentity> {
    let msp = support::vectors_dir()
        .join(VECTOR_ORDERER_ORG)
        .join("users/Admin@example.com/msp");
    msp_signer(&msp, "OrdererMSP")
}

fn start(ledger: &std::path::Path) -> OrdererProcess {
    spawn_vector_orderer(&support::vectors_dir(), ledger, free_port(), &[])
}

/// The genesis block, asked for the ordinary way: the orderer still serves.
async fn still_serves(c: &mut AtomicBroadcastClient<Channel>, signer: &dyn SigningIdentity) {
    let request = seek(signer, CHANNEL, at(0), at(0), SeekBehavior::FailIfNotReady);
    let (blocks, status) = deliver(c, request).await;
    assert_eq!((blocks.len(), status), (1, Status::Success as i32));
}

/// `env` with its payload re-signed by `signer` after `edit` (so only the edit is wrong).
fn edited(
    env: &Envelope,
    signer: &dyn SigningIdentity,
    edit: impl FnOnce(&mut Payload),
) -> Envelope {
    let mut p = payload(env).unwrap();
    edit(&mut p);
    let payload = p.encode_to_vec();
    let signature = signer.sign(&payload).unwrap();
    Envelope { payload, signature }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_deliver_requests_get_fabrics_statuses() {
    let ledger = tempfile::tempdir().unwrap();
    let mut o = start(ledger.path());
    let mut c = connect(&mut o).await;
    let admin = admin();
    let admin = admin.as_ref();
    let good = seek(admin, CHANNEL, at(0), at(0), SeekBehavior::FailIfNotReady);
    still_serves(&mut c, admin).await;

    let cases: Vec<(&str, Envelope, Status)> = vec![
        (
            "truncated payload",
            Envelope {
                payload: good.payload[..good.payload.len() / 2].to_vec(),
                signature: good.signature.clone(),
            },
            Status::BadRequest,
        ),
        (
            "garbage payload",
            Envelope {
                payload: vec![0xff; 64],
                signature: vec![],
            },
            Status::BadRequest,
        ),
        (
            "no header",
            edited(&good, admin, |p| p.header = None),
            Status::BadRequest,
        ),
        (
            "garbage channel header",
            edited(&good, admin, |p| {
                p.header = Some(Header {
                    channel_header: vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
                    signature_header: vec![],
                })
            }),
            Status::BadRequest,
        ),
        (
            "timestamp an hour old",
            edited(&good, admin, |p| {
                let h = p.header.as_mut().unwrap();
                let mut chdr = channel_header(&Payload {
                    header: Some(h.clone()),
                    data: vec![],
                })
                .unwrap();
                chdr.timestamp.as_mut().unwrap().seconds -= 3600;
                h.channel_header = chdr.encode_to_vec();
            }),
            Status::BadRequest,
        ),
        (
            "garbage SeekInfo",
            edited(&good, admin, |p| {
                p.data = vec![0x0a, 0x80, 0x80, 0x80, 0x80, 0x10]
            }),
            Status::BadRequest,
        ),
        (
            "SeekInfo without start or stop",
            edited(&good, admin, |p| {
                p.data = SeekInfo::default().encode_to_vec()
            }),
            Status::BadRequest,
        ),
        (
            "stop before start",
            seek(admin, CHANNEL, at(1), at(0), SeekBehavior::FailIfNotReady),
            Status::BadRequest,
        ),
        (
            "start at block 2^64-1, block until ready",
            seek(
                admin,
                CHANNEL,
                at(u64::MAX),
                at(u64::MAX),
                SeekBehavior::BlockUntilReady,
            ),
            Status::NotFound,
        ),
        (
            "start position of no type",
            edited(&good, admin, |p| {
                p.data = SeekInfo {
                    start: Some(SeekPosition { r#type: None }),
                    stop: Some(SeekPosition {
                        r#type: Some(at(0)),
                    }),
                    ..Default::default()
                }
                .encode_to_vec()
            }),
            Status::NotFound,
        ),
        (
            "unsigned request",
            Envelope {
                payload: good.payload.clone(),
                signature: vec![],
            },
            Status::Forbidden,
        ),
    ];
    for (what, env, want) in cases {
        let (blocks, status) = deliver(&mut c, env).await;
        assert_eq!((blocks.len(), status), (0, want as i32), "{what}");
        still_serves(&mut c, admin).await;
    }

    // Oldest to block 2^64-1, fail if not ready: the one block there is, then NOT_FOUND.
    let request = seek(
        admin,
        CHANNEL,
        Seek::Oldest(SeekOldest {}),
        at(u64::MAX),
        SeekBehavior::FailIfNotReady,
    );
    let (blocks, status) = deliver(&mut c, request).await;
    assert_eq!((blocks.len(), status), (1, Status::NotFound as i32));
    assert!(o.child.try_wait().unwrap().is_none(), "the orderer is up");
}

/// Sends `request` raw to the operations endpoint and returns the status line (empty when
/// the endpoint closed the connection without answering).
fn raw_http(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(request);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or_default().to_string()
}

fn healthz(addr: &str) -> String {
    raw_http(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_operations_requests_and_idle_connections_leave_the_orderer_serving() {
    let ledger = tempfile::tempdir().unwrap();
    let mut o = start(ledger.path());
    let mut c = connect(&mut o).await;
    let ops = o.operations.clone();
    assert_eq!(healthz(&ops), "HTTP/1.1 200 OK");

    // Not HTTP at all, an absurd header, an absurd declared body, a bad logspec body.
    let garbage = raw_http(&ops, &[0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x00, 0x00]);
    assert!(garbage.is_empty() || garbage.contains(" 400 "), "{garbage}");
    let mut huge_header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: ".to_vec();
    huge_header.extend(std::iter::repeat_n(b'a', 1 << 20));
    huge_header.extend(b"\r\nConnection: close\r\n\r\n");
    let answer = raw_http(&ops, &huge_header);
    assert!(
        answer.is_empty() || answer.contains(" 431 ") || answer.contains(" 400 "),
        "{answer}"
    );
    let answer = raw_http(
        &ops,
        b"PUT /logspec HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\nConnection: close\r\n\r\n{",
    );
    // Go's net/http answers 400 (bad Content-Length); hyper refuses the header with 431.
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    let answer = raw_http(
        &ops,
        b"PUT /logspec HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"spec\"",
    );
    assert!(answer.contains(" 400 "), "{answer}");
    assert_eq!(healthz(&ops), "HTTP/1.1 200 OK");

    // Hundreds of connections opened and left idle, on both listeners.
    let grpc_port = o.addr.rsplit(':').next().unwrap().to_string();
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(format!("127.0.0.1:{grpc_port}")).unwrap());
        idle.push(TcpStream::connect(&ops).unwrap());
    }
    let admin = admin();
    still_serves(&mut c, admin.as_ref()).await;
    let mut fresh = connect(&mut o).await;
    still_serves(&mut fresh, admin.as_ref()).await;
    assert_eq!(healthz(&ops), "HTTP/1.1 200 OK");
    drop(idle);
    assert!(o.child.try_wait().unwrap().is_none(), "the orderer is up");
}
