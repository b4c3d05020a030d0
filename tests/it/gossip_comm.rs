//! Gossip's connection layer between peers on loopback: two `CommImpl` with cryptogen
//! material, the peer's MCS over their local MSP, served by the peer's own server setup
//! (plaintext, TLS that requests a client certificate, mutual TLS); the handshake binds
//! to the TLS certificates, refuses bad connection messages, and a server keeps serving
//! after each refusal. And `peer node start` serves the `Gossip` service on its listener.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};

use fabric::comm::{ClientConfig, ClientTls, ServerConfig, ServerTls};
use fabric::crypto::SwOpts;
use fabric::gossip::comm::{
    Comm, CommConfig, CommError, CommImpl, CommTls, MessageAcceptor, ReceivedMessage, RemotePeer,
    SignedGossipMessage,
};
use fabric::gossip::common::PkiId;
use fabric::gossip::identity::IdentityMapper;
use fabric::msp::{load_local_msp, SigningIdentity, X509Msp};
use fabric::node::mcs::{pki_id_of, ChannelBundles, PeerMcs, PeerSecurityAdvisor};
use fabric::protos::gossip::gossip_client::GossipClient;
use fabric::protos::gossip::gossip_message::{Content, Tag};
use fabric::protos::gossip::{ConnEstablish, DataMessage, Envelope, GossipMessage, Payload};

use crate::support;

const WAIT: Duration = Duration::from_secs(20);

const CRYPTO: &str = "
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 3, SANS: [127.0.0.1]}
    Users: {Count: 0}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [127.0.0.1]}
    Users: {Count: 0}
";

fn material() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = fabric::tools::cryptogen::config::Config::from_yaml(CRYPTO).unwrap();
    fabric::tools::cryptogen::generate::generate(&config, &dir.path().join("crypto"), &mut |_| {})
        .unwrap();
    dir
}

fn node_dir(base: &Path, org: u8, i: u8) -> PathBuf {
    let domain = format!("org{org}.example.com");
    base.join("crypto/peerOrganizations")
        .join(&domain)
        .join(format!("peers/peer{i}.{domain}"))
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn der_hash(pem: &[u8]) -> Vec<u8> {
    let der = rustls_pemfile::certs(&mut &pem[..])
        .next()
        .unwrap()
        .unwrap();
    Sha256::digest(der.as_ref()).to_vec()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Plain,
    Tls,
    MutualTls,
}

/// No channel joined: identities are validated by the local MSP alone.
struct NoChannels;
impl ChannelBundles for NoChannels {
    fn bundles(&self) -> Vec<(String, Arc<fabric::channelconfig::Bundle>)> {
        Vec::new()
    }
    fn bundle(&self, _: &str) -> Option<Arc<fabric::channelconfig::Bundle>> {
        None
    }
}

/// One peer's material: signer, local MSP, TLS files, and every org's TLS CA.
struct Material {
    signer: Arc<dyn SigningIdentity>,
    msp: X509Msp,
    tls_cert: Vec<u8>,
    tls_key: Vec<u8>,
    roots: Vec<u8>,
}

fn peer_material(base: &Path, org: u8, i: u8) -> Material {
    let dir = node_dir(base, org, i);
    let msp = load_local_msp(
        &dir.join("msp"),
        &format!("Org{org}MSP"),
        &SwOpts::default(),
    )
    .unwrap();
    let roots = [
        read(node_dir(base, 1, 0).join("tls/ca.crt")),
        read(node_dir(base, 2, 0).join("tls/ca.crt")),
    ]
    .concat();
    Material {
        signer: msp.default_signing_identity().unwrap(),
        msp,
        tls_cert: read(dir.join("tls/server.crt")),
        tls_key: read(dir.join("tls/server.key")),
        roots,
    }
}

struct Node {
    comm: CommImpl,
    endpoint: String,
    pki_id: PkiId,
    material: Material,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Node {
    fn remote(&self) -> RemotePeer {
        RemotePeer {
            endpoint: self.endpoint.clone(),
            pki_id: self.pki_id.clone(),
        }
    }
}

async fn start(base: &Path, org: u8, i: u8, mode: Mode) -> Node {
    let m = peer_material(base, org, i);
    let tls = (mode != Mode::Plain).then(|| {
        CommTls::new(
            &m.tls_cert,
            m.tls_cert.clone(),
            m.tls_key.clone(),
            m.roots.clone(),
        )
        .unwrap()
    });
    let channels: Arc<dyn ChannelBundles> = Arc::new(NoChannels);
    let mcs = Arc::new(PeerMcs::new(
        m.signer.clone(),
        m.msp.clone(),
        channels.clone(),
    ));
    let sa = Arc::new(PeerSecurityAdvisor::new(m.msp.clone(), channels));
    let identity = m.signer.serialize();
    let mapper =
        IdentityMapper::new(mcs, sa.clone(), identity.clone(), Box::new(|_, _| {})).unwrap();
    let config = CommConfig {
        dial_timeout: Duration::from_secs(3),
        conn_timeout: Duration::from_secs(2),
        recv_buff_size: 20,
        send_buff_size: 200,
        tls,
        keepalive: None,
        metrics: None,
    };
    let comm = CommImpl::new(config, identity, Arc::new(mapper), sa);
    let server = ServerConfig {
        tls: (mode != Mode::Plain).then(|| ServerTls {
            cert: m.tls_cert.clone(),
            key: m.tls_key.clone(),
            client_roots: (mode == Mode::MutualTls).then(|| m.roots.clone()),
        }),
        ..ServerConfig::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = server.builder_without_tls().add_service(comm.service());
    let shutdown = async {
        let _ = stopped.await;
    };
    match server.rustls_config().unwrap() {
        Some(tls) => {
            let incoming = server.tls_incoming(listener, tls);
            tokio::spawn(router.serve_with_incoming_shutdown(incoming, shutdown));
        }
        None => {
            let incoming = TcpListenerStream::new(listener);
            tokio::spawn(router.serve_with_incoming_shutdown(incoming, shutdown));
        }
    }
    Node {
        pki_id: comm.pki_id(),
        comm,
        endpoint,
        material: m,
        _stop: stop,
    }
}

fn data(seq: u64) -> GossipMessage {
    GossipMessage {
        tag: Tag::ChanAndOrg as i32,
        channel: b"mychannel".to_vec(),
        content: Some(Content::DataMsg(DataMessage {
            payload: Some(Payload {
                seq_num: seq,
                data: vec![7; 64],
                ..Payload::default()
            }),
        })),
        ..GossipMessage::default()
    }
}

fn signed_by(signer: &Arc<dyn SigningIdentity>, msg: GossipMessage) -> SignedGossipMessage {
    let mut m = SignedGossipMessage::unsigned(msg);
    m.sign(|p| signer.sign(p)).unwrap();
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

async fn both_ways(mode: Mode) {
    let dir = material();
    let a = start(dir.path(), 1, 0, mode).await;
    let b = start(dir.path(), 1, 1, mode).await;
    a.comm.probe(&b.remote()).await.unwrap();
    let identity = a.comm.handshake(&b.remote()).await.unwrap();
    assert_eq!(identity, b.material.signer.serialize());
    assert_eq!(b.pki_id, pki_id_of(&identity));

    let mut at_a = a.comm.accept(all());
    let mut at_b = b.comm.accept(all());
    a.comm
        .send(&signed_by(&a.material.signer, data(1)), &[b.remote()]);
    let got = recv(&mut at_b).await;
    assert_eq!(got.message().message, data(1));
    let info = got.connection_info();
    assert_eq!(info.id, a.pki_id);
    match mode {
        Mode::Plain => assert!(info.tls_cert_hash.is_empty()),
        _ => assert_eq!(info.tls_cert_hash, der_hash(&a.material.tls_cert)),
    }
    got.respond(data(2));
    assert_eq!(recv(&mut at_a).await.message().message, data(2));
    b.comm
        .send(&signed_by(&b.material.signer, data(3)), &[a.remote()]);
    let got = recv(&mut at_a).await;
    assert_eq!(got.message().message, data(3));
    if mode != Mode::Plain {
        assert_eq!(
            got.connection_info().tls_cert_hash,
            der_hash(&b.material.tls_cert)
        );
    }
    assert_eq!(
        (a.comm.connection_count(), b.comm.connection_count()),
        (1, 1)
    );
    a.comm.stop();
    b.comm.stop();
}

#[tokio::test]
async fn plaintext_peers_handshake_ping_and_gossip_both_ways() {
    both_ways(Mode::Plain).await;
}

#[tokio::test]
async fn tls_peers_bind_the_handshake_to_their_certificates() {
    both_ways(Mode::Tls).await;
}

#[tokio::test]
async fn mutual_tls_peers_handshake_and_gossip_both_ways() {
    both_ways(Mode::MutualTls).await;
}

/// A GossipStream to `node` with TLS as `who`, its first message `first`.
async fn open(
    node: &Node,
    who: &Material,
    first: Envelope,
) -> (mpsc::Sender<Envelope>, tonic::Streaming<Envelope>) {
    let client = ClientConfig {
        tls: Some(ClientTls {
            roots: who.roots.clone(),
            identity: Some((who.tls_cert.clone(), who.tls_key.clone())),
            server_name_override: None,
        }),
        ..ClientConfig::plaintext(Duration::from_secs(3))
    };
    let channel = client
        .endpoint(&node.endpoint)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = GossipClient::new(channel).max_encoding_message_size(usize::MAX);
    let (tx, rx) = mpsc::channel(2);
    tx.send(first).await.unwrap();
    let mut incoming = client
        .gossip_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let theirs = incoming
        .message()
        .await
        .unwrap()
        .expect("the server's ConnEstablish");
    let theirs = SignedGossipMessage::from_envelope(theirs).unwrap();
    assert!(matches!(theirs.message.content, Some(Content::Conn(_))));
    (tx, incoming)
}

/// The error the stream ends with after `first`.
async fn refused(node: &Node, who: &Material, first: Envelope) -> String {
    let (_tx, mut incoming) = open(node, who, first).await;
    match tokio::time::timeout(WAIT, incoming.message())
        .await
        .expect("the stream ends")
    {
        Err(status) => status.message().to_string(),
        Ok(m) => panic!("expected a refusal, got {m:?}"),
    }
}

/// A ConnEstablish claiming `pki_id`, `identity` and `hash`, signed by `signer`.
fn conn(
    pki_id: Vec<u8>,
    identity: Vec<u8>,
    hash: Vec<u8>,
    signer: &Arc<dyn SigningIdentity>,
) -> Envelope {
    let msg = GossipMessage {
        tag: Tag::Empty as i32,
        content: Some(Content::Conn(ConnEstablish {
            pki_id,
            identity,
            tls_cert_hash: hash,
        })),
        ..GossipMessage::default()
    };
    signed_by(signer, msg).envelope.unwrap()
}

#[tokio::test]
async fn bad_connection_messages_are_refused_and_the_server_keeps_serving() {
    let dir = material();
    let b = start(dir.path(), 1, 1, Mode::Tls).await;
    let x = peer_material(dir.path(), 1, 2);
    let x_id = x.signer.serialize();
    let x_hash = der_hash(&x.tls_cert);
    let other = peer_material(dir.path(), 1, 0);

    let bad_signature = refused(
        &b,
        &x,
        conn(
            pki_id_of(&x_id).0,
            x_id.clone(),
            x_hash.clone(),
            &other.signer,
        ),
    )
    .await;
    assert!(!bad_signature.is_empty());
    let spoofed = refused(
        &b,
        &x,
        conn(b.pki_id.0.clone(), x_id.clone(), x_hash.clone(), &x.signer),
    )
    .await;
    assert_eq!(spoofed, "identity doesn't match the computed pkiID");
    let foreign = peer_material(dir.path(), 2, 0);
    let foreign_id = foreign.signer.serialize();
    let refused_foreign = refused(
        &b,
        &foreign,
        conn(
            pki_id_of(&foreign_id).0,
            foreign_id,
            der_hash(&foreign.tls_cert),
            &foreign.signer,
        ),
    )
    .await;
    assert!(
        refused_foreign.contains("cannot be validated"),
        "{refused_foreign}"
    );
    let wrong_hash = refused(
        &b,
        &x,
        conn(pki_id_of(&x_id).0, x_id.clone(), vec![0; 32], &x.signer),
    )
    .await;
    assert!(wrong_hash.starts_with("Expected"), "{wrong_hash}");
    assert!(
        wrong_hash.contains("in remote hash of TLS cert"),
        "{wrong_hash}"
    );
    let garbage = Envelope {
        payload: vec![0xff; 16],
        ..Envelope::default()
    };
    assert!(refused(&b, &x, garbage)
        .await
        .starts_with("Failed unmarshaling GossipMessage"));

    // a good handshake, then an oversized message: the connection is closed
    let (tx, mut incoming) = open(
        &b,
        &x,
        conn(pki_id_of(&x_id).0, x_id.clone(), x_hash.clone(), &x.signer),
    )
    .await;
    tokio::time::timeout(WAIT, async {
        while b.comm.connection_count() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the connection is registered");
    let huge = Envelope {
        payload: vec![0; fabric::comm::MAX_MESSAGE_SIZE + 1024],
        ..Envelope::default()
    };
    tx.send(huge).await.unwrap();
    let end = tokio::time::timeout(WAIT, incoming.message())
        .await
        .expect("the stream ends");
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
    tokio::time::timeout(WAIT, async {
        while b.comm.connection_count() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the connection is dropped");
    drop(tx);

    // the server still serves a real peer
    let a = start(dir.path(), 1, 0, Mode::Tls).await;
    let mut at_b = b.comm.accept(all());
    a.comm
        .send(&signed_by(&a.material.signer, data(9)), &[b.remote()]);
    assert_eq!(recv(&mut at_b).await.message().message, data(9));
}

#[tokio::test]
async fn a_peer_of_another_organization_is_not_accepted_without_a_shared_channel() {
    let dir = material();
    let a = start(dir.path(), 1, 0, Mode::MutualTls).await;
    let c = start(dir.path(), 2, 0, Mode::MutualTls).await;
    let err = a.comm.handshake(&c.remote()).await.unwrap_err();
    assert!(matches!(err, CommError::Handshake { .. }), "{err}");
    assert!(err.to_string().contains("cannot be validated"), "{err}");
}

#[test]
fn the_peer_serves_gossip_on_its_listener() {
    let net = support::network::Network::new();
    let _peer = net.start_peer();
    let msp_dir = net.cfg.join("msp");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let msp = load_local_msp(&msp_dir, "SampleOrg", &SwOpts::default()).unwrap();
        let m = Material {
            signer: msp.default_signing_identity().unwrap(),
            msp,
            tls_cert: Vec::new(),
            tls_key: Vec::new(),
            roots: Vec::new(),
        };
        let channels: Arc<dyn ChannelBundles> = Arc::new(NoChannels);
        let mcs = Arc::new(PeerMcs::new(
            m.signer.clone(),
            m.msp.clone(),
            channels.clone(),
        ));
        let sa = Arc::new(PeerSecurityAdvisor::new(m.msp.clone(), channels));
        let identity = m.signer.serialize();
        let mapper =
            IdentityMapper::new(mcs, sa.clone(), identity.clone(), Box::new(|_, _| {})).unwrap();
        let config = CommConfig {
            dial_timeout: Duration::from_secs(3),
            conn_timeout: Duration::from_secs(2),
            recv_buff_size: 20,
            send_buff_size: 20,
            tls: None,
            keepalive: None,
            metrics: None,
        };
        let comm = CommImpl::new(config, identity.clone(), Arc::new(mapper), sa);
        let peer = RemotePeer {
            endpoint: net.peer_address(),
            pki_id: PkiId::default(),
        };
        comm.probe(&peer).await.unwrap();
        // the sample peer's identity is ours: it answers with it
        assert_eq!(comm.handshake(&peer).await.unwrap(), identity);
        comm.stop();
    });
}

/// Fabric's peer (FABRIC_REFERENCE) bootstraps from ours: it probes us, handshakes over
/// TLS and sends its membership request, whose alive message we verify; and we handshake
/// with it.
#[test]
#[ignore = "needs FABRIC_REFERENCE (a Fabric v1.4.12 build, /work/shared/tools/build-fabric-reference.sh)"]
fn fabric_reference_gossip_handshake() {
    use fabric::gossip::api::MessageCryptoService;
    use prost::Message;
    let reference = PathBuf::from(
        std::env::var_os("FABRIC_REFERENCE").expect("FABRIC_REFERENCE names the Fabric build"),
    );
    let dir = material();
    let net = support::network::Network::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ours = rt.block_on(start(dir.path(), 1, 1, Mode::Tls));
    let mut at_ours = rt.block_on(async { ours.comm.accept(all()) });
    let fabric_dir = node_dir(dir.path(), 1, 0);
    let port = support::orderer::free_port();
    let address = format!("127.0.0.1:{port}");
    let tls = fabric_dir.join("tls");
    let mut cmd = std::process::Command::new(reference.join("bin/peer"));
    cmd.args(["node", "start"])
        .env_clear()
        .env("FABRIC_CFG_PATH", &net.cfg)
        .env("FABRIC_LOGGING_SPEC", "gossip.comm=debug:info")
        .env("CORE_PEER_ID", "peer0.org1.example.com")
        .env("CORE_PEER_LOCALMSPID", "Org1MSP")
        .env("CORE_PEER_MSPCONFIGPATH", fabric_dir.join("msp"))
        .env("CORE_PEER_LISTENADDRESS", &address)
        .env("CORE_PEER_ADDRESS", &address)
        .env("CORE_PEER_GOSSIP_ENDPOINT", &address)
        .env("CORE_PEER_GOSSIP_BOOTSTRAP", &ours.endpoint)
        .env(
            "CORE_PEER_CHAINCODELISTENADDRESS",
            format!("127.0.0.1:{}", support::orderer::free_port()),
        )
        .env(
            "CORE_OPERATIONS_LISTENADDRESS",
            format!("127.0.0.1:{}", support::orderer::free_port()),
        )
        .env("CORE_PEER_FILESYSTEMPATH", net.path("fabric-peer"))
        .env("CORE_PEER_TLS_ENABLED", "true")
        .env("CORE_PEER_TLS_CERT_FILE", tls.join("server.crt"))
        .env("CORE_PEER_TLS_KEY_FILE", tls.join("server.key"))
        .env("CORE_PEER_TLS_ROOTCERT_FILE", tls.join("ca.crt"));
    let guard = net.spawn("fabric-peer", &mut cmd);
    rt.block_on(async {
        let fabric_identity = peer_material(dir.path(), 1, 0).signer.serialize();
        let fabric_pki = pki_id_of(&fabric_identity);
        // its membership request reaches us over the connection it opened
        let got = tokio::time::timeout(Duration::from_secs(90), async {
            loop {
                let m = at_ours.recv().await.expect("subscription open");
                if matches!(m.message().message.content, Some(Content::MemReq(_))) {
                    return m;
                }
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no membership request from Fabric's peer; its log:\n{}",
                guard.log_text()
            )
        });
        let info = got.connection_info();
        assert_eq!(info.id, fabric_pki);
        assert_eq!(info.tls_cert_hash, der_hash(&read(tls.join("server.crt"))));
        let Some(Content::MemReq(req)) = &got.message().message.content else {
            unreachable!()
        };
        let alive =
            SignedGossipMessage::from_envelope(req.self_information.clone().unwrap()).unwrap();
        let mcs = PeerMcs::new(
            ours.material.signer.clone(),
            ours.material.msp.clone(),
            Arc::new(NoChannels),
        );
        alive
            .verify(&info.identity, |id, sig, msg| mcs.verify(id, sig, msg))
            .expect("Fabric's alive message verifies");
        assert!(matches!(alive.message.content, Some(Content::AliveMsg(_))));
        let sid =
            fabric::protos::msp::SerializedIdentity::decode(info.identity.as_slice()).unwrap();
        assert_eq!(sid.mspid, "Org1MSP");

        // and Fabric's peer accepts our handshake
        let peer = RemotePeer {
            endpoint: address.clone(),
            pki_id: PkiId::default(),
        };
        let identity = ours.comm.handshake(&peer).await.unwrap();
        assert_eq!(pki_id_of(&identity), fabric_pki);
    });
    let log = guard.log_text();
    if std::env::var_os("GOSSIP_SHOW_FABRIC_LOG").is_some() {
        eprintln!("{log}");
    }
    assert!(log.contains("Authenticated"), "Fabric's log:\n{log}");
    assert!(
        !log.contains("Authentication failed"),
        "Fabric's log:\n{log}"
    );
    drop(guard);
}
