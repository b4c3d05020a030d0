//! CommImpl against CommImpl on loopback, with the fake MCS of the identity mapper's tests
//! (identities are names, signatures are reversible), plaintext.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};

use super::*;
use crate::gossip::identity::tests::{fake_sig, FakeMcs, FakeSa};
use crate::gossip::identity::IdentityMapper;
use crate::gossip::metrics::{RECEIVED_MESSAGES, SENT_MESSAGES};
use crate::operations::metrics::{MetricOpts, Metrics};
use crate::protos::gossip::gossip_client::GossipClient;
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{ConnEstablish, DataMessage, Empty, Envelope, Payload};

const WAIT: Duration = Duration::from_secs(10);

struct Node {
    comm: CommImpl,
    metrics: Arc<Metrics>,
    endpoint: String,
    pki_id: PkiId,
    _server: tokio::sync::oneshot::Sender<()>,
}

fn config() -> CommConfig {
    CommConfig {
        dial_timeout: Duration::from_secs(3),
        conn_timeout: Duration::from_secs(2),
        recv_buff_size: 20,
        send_buff_size: 20,
        tls: None,
        keepalive: None,
        metrics: None,
    }
}

async fn node(name: &str) -> Node {
    let identity = name.as_bytes().to_vec();
    let mcs = Arc::new(FakeMcs {
        me: identity.clone(),
        ..FakeMcs::default()
    });
    let mapper =
        IdentityMapper::new(mcs, Arc::new(FakeSa), identity.clone(), Box::new(|_, _| {})).unwrap();
    let metrics = Metrics::new();
    let comm = CommImpl::new(
        config().with_metrics(Some(&metrics)),
        identity,
        Arc::new(mapper),
        Arc::new(FakeSa),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = listener.local_addr().unwrap().to_string();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let service = comm.service();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                let _ = stop_rx.await;
            })
            .await
    });
    Node {
        pki_id: comm.pki_id(),
        comm,
        metrics,
        endpoint,
        _server: stop_tx,
    }
}

impl Node {
    fn remote(&self) -> RemotePeer {
        RemotePeer {
            endpoint: self.endpoint.clone(),
            pki_id: self.pki_id.clone(),
        }
    }
}

fn data_msg(seq: u64) -> GossipMessage {
    GossipMessage {
        tag: Tag::ChanAndOrg as i32,
        channel: b"mychannel".to_vec(),
        content: Some(Content::DataMsg(DataMessage {
            payload: Some(Payload {
                seq_num: seq,
                data: vec![1, 2, 3],
                ..Payload::default()
            }),
        })),
        ..GossipMessage::default()
    }
}

fn signed(name: &str, msg: GossipMessage) -> SignedGossipMessage {
    let mut m = SignedGossipMessage::unsigned(msg);
    m.sign(|p| Ok::<_, String>(fake_sig(name.as_bytes(), p)))
        .unwrap();
    m
}

fn all() -> MessageAcceptor {
    Box::new(|_| true)
}

async fn recv(rx: &mut mpsc::Receiver<Arc<dyn ReceivedMessage>>) -> Arc<dyn ReceivedMessage> {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("a message within the wait")
        .expect("the subscription is open")
}

#[tokio::test]
async fn handshake_probe_and_messages_both_ways_over_one_connection() {
    let a = node("org1.a").await;
    let b = node("org1.b").await;
    a.comm.probe(&b.remote()).await.unwrap();
    let identity = a.comm.handshake(&b.remote()).await.unwrap();
    assert_eq!(identity, b"org1.b".to_vec());
    let wrong = RemotePeer {
        pki_id: PkiId(vec![9; 32]),
        ..b.remote()
    };
    assert!(matches!(
        a.comm.handshake(&wrong).await,
        Err(CommError::Handshake { .. })
    ));

    let mut at_b = b.comm.accept(all());
    let mut at_a = a.comm.accept(all());
    a.comm.send(&signed("org1.a", data_msg(1)), &[b.remote()]);
    let got = recv(&mut at_b).await;
    assert_eq!(got.message().message, data_msg(1));
    assert_eq!(got.connection_info().id, a.pki_id);
    assert_eq!(got.connection_info().identity, b"org1.a".to_vec());
    // the answer goes back on the same connection
    got.respond(data_msg(2));
    let back = recv(&mut at_a).await;
    assert_eq!(back.message().message, data_msg(2));
    assert_eq!(back.connection_info().id, b.pki_id);
    // b sends to a over the connection a opened
    b.comm.send(&signed("org1.b", data_msg(3)), &[a.remote()]);
    assert_eq!(recv(&mut at_a).await.message().message, data_msg(3));
    // Fabric's comm metrics: counted before a message is handed on, after it is written.
    let value = |n: &Node, opts: MetricOpts| n.metrics.counter(opts).value(&[]).unwrap_or(0.0);
    assert!(value(&b, RECEIVED_MESSAGES) >= 1.0);
    assert!(value(&a, RECEIVED_MESSAGES) >= 2.0);
    assert!(value(&b, SENT_MESSAGES) >= 1.0);
    assert_eq!(b.comm.connection_count(), 1);
}

#[tokio::test]
async fn acceptors_choose_and_acks_reach_send_with_ack() {
    let a = node("org1.a").await;
    let b = node("org1.b").await;
    let c = node("org1.c").await;
    let mut only_seq_5 = b.comm.accept(Box::new(|m| {
        matches!(&m.message().message.content, Some(Content::DataMsg(d)) if d.payload.as_ref().is_some_and(|p| p.seq_num == 5))
    }));
    let mut at_c = c.comm.accept(all());
    tokio::spawn(async move {
        while let Some(m) = only_seq_5.recv().await {
            m.ack(None);
        }
    });
    tokio::spawn(async move {
        while let Some(m) = at_c.recv().await {
            m.ack(Some("no room".into()));
        }
    });
    let results = a
        .comm
        .send_with_ack(
            &signed("org1.a", data_msg(5)),
            WAIT,
            2,
            &[b.remote(), c.remote()],
        )
        .await;
    assert_eq!(results.len(), 2);
    for (peer, result) in results {
        if peer.pki_id == b.pki_id {
            result.unwrap();
        } else {
            assert_eq!(result.unwrap_err().to_string(), "no room");
        }
    }
    // b's acceptor does not take seq 6: no ack, the send times out
    let results = a
        .comm
        .send_with_ack(
            &signed("org1.a", data_msg(6)),
            Duration::from_millis(300),
            1,
            &[b.remote()],
        )
        .await;
    assert!(matches!(results[0].1, Err(CommError::Timeout { .. })));
}

/// A raw GossipStream to `node` sending `first`; returns the stream's error text.
async fn refused(node: &Node, first: Envelope) -> String {
    let mut client = GossipClient::connect(format!("http://{}", node.endpoint))
        .await
        .unwrap();
    let (tx, rx) = mpsc::channel(4);
    tx.send(first).await.unwrap();
    let mut incoming = client
        .gossip_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    // the server's own ConnEstablish comes first
    let theirs = incoming.message().await.unwrap().unwrap();
    let theirs = SignedGossipMessage::from_envelope(theirs).unwrap();
    assert!(matches!(theirs.message.content, Some(Content::Conn(_))));
    let end = tokio::time::timeout(WAIT, incoming.message())
        .await
        .expect("the stream ends");
    match end {
        Err(status) => status.message().to_string(),
        Ok(m) => panic!("expected an error, got {m:?}"),
    }
}

fn conn_msg(pki: &[u8], identity: &[u8], signer: &[u8]) -> Envelope {
    let msg = GossipMessage {
        tag: Tag::Empty as i32,
        content: Some(Content::Conn(ConnEstablish {
            pki_id: pki.to_vec(),
            identity: identity.to_vec(),
            tls_cert_hash: Vec::new(),
        })),
        ..GossipMessage::default()
    };
    let mut m = SignedGossipMessage::unsigned(msg);
    m.sign(|p| Ok::<_, String>(fake_sig(signer, p))).unwrap();
    m.envelope.unwrap()
}

fn pki(identity: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(identity).to_vec()
}

#[tokio::test]
async fn bad_connection_messages_are_refused_and_the_server_keeps_serving() {
    let b = node("org1.b").await;
    let me = b"org1.x".as_slice();
    let bad_sig = refused(&b, conn_msg(&pki(me), me, b"org1.other")).await;
    assert!(bad_sig.contains("bad signature"), "{bad_sig}");
    let spoofed = refused(&b, conn_msg(&pki(b"org1.b"), me, me)).await;
    assert_eq!(spoofed, "identity doesn't match the computed pkiID");
    let foreign = b"foreign.x".as_slice();
    let foreign_msg = refused(&b, conn_msg(&pki(foreign), foreign, foreign)).await;
    assert!(foreign_msg.contains("unknown or revoked"), "{foreign_msg}");
    let no_pki = refused(&b, conn_msg(b"", me, me)).await;
    assert_eq!(no_pki, "No PKI-ID");
    let wrong_type = SignedGossipMessage::noop_sign(data_msg(1))
        .envelope
        .unwrap();
    assert_eq!(refused(&b, wrong_type).await, "Wrong type");
    let garbage = Envelope {
        payload: vec![0xff; 8],
        ..Envelope::default()
    };
    assert!(refused(&b, garbage)
        .await
        .starts_with("Failed unmarshaling GossipMessage"));

    // after all that, a real peer still gets in
    let a = node("org1.a").await;
    let mut at_b = b.comm.accept(all());
    a.comm.send(&signed("org1.a", data_msg(1)), &[b.remote()]);
    assert_eq!(recv(&mut at_b).await.message().message, data_msg(1));
}

#[tokio::test]
async fn malformed_messages_after_the_handshake_close_the_connection() {
    let b = node("org1.b").await;
    let me = b"org1.x".as_slice();
    let mut client = GossipClient::connect(format!("http://{}", b.endpoint))
        .await
        .unwrap();
    let (tx, rx) = mpsc::channel(4);
    tx.send(conn_msg(&pki(me), me, me)).await.unwrap();
    let mut incoming = client
        .gossip_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    incoming.message().await.unwrap().unwrap();
    tokio::time::timeout(WAIT, async {
        while b.comm.connection_count() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the connection is registered");
    tx.send(Envelope {
        payload: vec![0xff; 8],
        ..Envelope::default()
    })
    .await
    .unwrap();
    let end = tokio::time::timeout(WAIT, incoming.message())
        .await
        .expect("the stream ends");
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
    assert_eq!(b.comm.connection_count(), 0);
    // and Ping still answers
    client.ping(Empty {}).await.unwrap();
}

#[tokio::test]
async fn unreachable_peers_are_presumed_dead_and_stop_ends_subscriptions() {
    let a = node("org1.a").await;
    let mut dead = a.comm.presumed_dead();
    let gone = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().to_string()
    };
    let peer = RemotePeer {
        endpoint: gone,
        pki_id: PkiId(pki(b"org1.gone")),
    };
    a.comm
        .send(&signed("org1.a", data_msg(1)), std::slice::from_ref(&peer));
    let id = tokio::time::timeout(WAIT, dead.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, peer.pki_id);
    assert!(a.comm.probe(&peer).await.is_err());

    let b = node("org1.b").await;
    let mut at_b = b.comm.accept(all());
    a.comm.send(&signed("org1.a", data_msg(1)), &[b.remote()]);
    recv(&mut at_b).await;
    b.comm.stop();
    assert!(tokio::time::timeout(WAIT, at_b.recv())
        .await
        .unwrap()
        .is_none());
    assert_eq!(b.comm.connection_count(), 0);
    assert!(matches!(
        a.comm.handshake(&b.remote()).await,
        Err(CommError::Handshake { .. })
    ));
}
