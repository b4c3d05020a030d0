//! Deliver end to end.
//! (a) The peer's deliver client against the real `orderer` binary on loopback (vector
//!     genesis, channel `mychannel` created from the vector mychannel.tx): blocks arrive
//!     verified and in order; a block whose signature a proxy tampered with is refused and
//!     fetched again; after the orderer is killed and restarted the client reconnects and
//!     goes on without gaps or duplicates.
//! (b) The peer's Deliver service in-process over a peer holding the vector committed
//!     blocks: Deliver returns them byte-identical, DeliverFiltered gives Fabric's codes,
//!     unknown channel is NOT_FOUND, an identity the ACL refuses is FORBIDDEN, and the
//!     server keeps serving.

use crate::support;

use support::orderer::{
    at, broadcast, connect_port, deliver, free_port, msp_signer, mutual_tls_env, seek,
    signed_update, spawn_vector_orderer, tx, vector_user, OrdererProcess, VECTOR_ORDERER_ORG,
};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fabric::aclmgmt::{AclError, AclProvider, AclSubject};
use fabric::channelconfig::Bundle;
use fabric::deliver::client::{
    connect as tls_connect, orderer_tls_roots, verify_block, AddressOverride, BlockSink,
    ChannelState, ClientTls, Committed, DeliverClient, DeliverClientConfig, SinkFuture,
};
use fabric::deliver::peer::service::DeliverService;
use fabric::deliver::peer::DeliverServer;
use fabric::ledger::{
    CommitResult, HistoryQueryExecutor, LedgerError, LedgerProvider, LedgerResult, PeerLedger,
    QueryExecutor, TxSimulator,
};
use fabric::msp::SigningIdentity;
use fabric::peer::{config_bundle_of, Peer};
use fabric::protos::common::{Block, BlockchainInfo, Envelope, HeaderType, Metadata, Status};
use fabric::protos::msp::SerializedIdentity;
use fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabric::protos::orderer::atomic_broadcast_server::{AtomicBroadcast, AtomicBroadcastServer};
use fabric::protos::orderer::seek_info::SeekBehavior;
use fabric::protos::orderer::seek_position::Type as Seek;
use fabric::protos::orderer::{
    deliver_response, BroadcastResponse, DeliverResponse, SeekNewest, SeekOldest,
};
use fabric::protos::peer::deliver_client::DeliverClient as PeerDeliverClient;
use fabric::protos::peer::{
    deliver_response as peer_response, DeliverResponse as PeerResponse, ProcessedTransaction,
    TxValidationCode,
};
use fabric::protoutil::{decode, payload, signature_header};
use prost::Message;
use tokio_stream::{Stream, StreamExt};
use tonic::transport::Server;

const ORDERER_ORG: &str = VECTOR_ORDERER_ORG;
const ORG1: &str = "network/crypto-config/peerOrganizations/org1.example.com";
const ORG2: &str = "network/crypto-config/peerOrganizations/org2.example.com";
/// The orderer address the vector channel config names.
const CONFIG_ORDERER: &str = "127.0.0.1:7050";

// ---------------------------------------------------------------------------------------
// (a) the deliver client against the orderer binary

fn start_orderer(v: &Path, ledger: &Path, port: u16) -> OrdererProcess {
    spawn_vector_orderer(v, ledger, port, &[])
}

/// A signed seek for `start..=stop` that waits for blocks not yet there.
fn seek_envelope(signer: &dyn SigningIdentity, channel: &str, start: Seek, stop: Seek) -> Envelope {
    seek(signer, channel, start, stop, SeekBehavior::BlockUntilReady)
}

/// Blocks and final status of one orderer deliver request.
async fn orderer_deliver(port: u16, env: Envelope) -> (Vec<Block>, i32) {
    deliver(&mut connect_port(port).await, env).await
}

/// Broadcasts one envelope: its (status, info) answer.
async fn broadcast_one(port: u16, env: Envelope) -> (i32, String) {
    broadcast(&mut connect_port(port).await, vec![env])
        .await
        .remove(0)
}

fn channel_creation(v: &Path, signer: &dyn SigningIdentity) -> Envelope {
    let bytes = std::fs::read(v.join("network/artifacts/mychannel.tx")).unwrap();
    signed_update(&bytes, signer)
}

/// What the client hands blocks to: a ledger in memory that starts with the genesis block.
struct Collector {
    blocks: Mutex<Vec<Block>>,
    bundle: Arc<Bundle>,
}

impl Collector {
    fn numbers(&self) -> Vec<u64> {
        let blocks = self.blocks.lock().unwrap();
        blocks
            .iter()
            .map(|b| b.header.as_ref().unwrap().number)
            .collect()
    }

    async fn wait_for_height(&self, height: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.blocks.lock().unwrap().len() < height {
            assert!(
                Instant::now() < deadline,
                "the client did not deliver block {} (have {:?})",
                height - 1,
                self.numbers()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl BlockSink for Collector {
    fn deliver_block(&self, block: Block) -> SinkFuture<'_> {
        self.blocks.lock().unwrap().push(block);
        Box::pin(async { Ok(Committed::ready(Ok(()))) })
    }
}

impl ChannelState for Collector {
    fn ledger_height(&self) -> Result<u64, LedgerError> {
        Ok(self.blocks.lock().unwrap().len() as u64)
    }
    fn bundle(&self) -> Arc<Bundle> {
        self.bundle.clone()
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, tonic::Status>> + Send>>;

/// Sits between the client and the orderer and corrupts the orderer signature of block
/// `tamper` the first time it passes.
struct TamperingProxy {
    upstream: u16,
    tamper: u64,
    tampered: Arc<AtomicU64>,
}

fn tamper_signature(block: &mut Block) {
    let md = &mut block.metadata.as_mut().unwrap().metadata[0];
    let mut m: Metadata = decode("Metadata", md).unwrap();
    let sig = &mut m.signatures[0].signature;
    let i = sig.len() - 3;
    sig[i] ^= 0x01;
    *md = m.encode_to_vec();
}

#[tonic::async_trait]
impl AtomicBroadcast for TamperingProxy {
    type BroadcastStream = BoxStream<BroadcastResponse>;
    type DeliverStream = BoxStream<DeliverResponse>;

    async fn broadcast(
        &self,
        _: tonic::Request<tonic::Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::BroadcastStream>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the proxy only forwards Deliver",
        ))
    }

    async fn deliver(
        &self,
        request: tonic::Request<tonic::Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::DeliverStream>, tonic::Status> {
        let url = format!("http://127.0.0.1:{}", self.upstream);
        let mut upstream = AtomicBroadcastClient::connect(url)
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let inbound = request.into_inner().map_while(Result::ok);
        let answers = upstream.deliver(inbound).await?.into_inner();
        let (tamper, tampered) = (self.tamper, self.tampered.clone());
        let out = answers.map(move |r| {
            let mut r = r?;
            if let Some(deliver_response::Type::Block(b)) = r.r#type.as_mut() {
                let n = b.header.as_ref().unwrap().number;
                if n == tamper && tampered.fetch_add(1, Ordering::SeqCst) == 0 {
                    tamper_signature(b);
                }
            }
            Ok(r)
        });
        Ok(tonic::Response::new(Box::pin(out)))
    }
}

/// Broadcasts one transaction and waits until the client delivered block `number`.
async fn next_block(port: u16, signer: &dyn SigningIdentity, sink: &Collector, number: u64) {
    let (status, info) = broadcast_one(port, tx(signer, "mychannel", number)).await;
    assert_eq!(status, Status::Success as i32, "{info}");
    sink.wait_for_height(number as usize + 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_pulls_verifies_rejects_tampering_and_survives_an_orderer_restart() {
    let v = support::vectors_dir();
    let ledger = tempfile::tempdir().unwrap();
    let port = free_port();
    let orderer = start_orderer(&v, ledger.path(), port);
    let org1 = vector_user(&v, ORG1, "Admin@org1.example.com", "Org1MSP");
    let (status, info) = broadcast_one(port, channel_creation(&v, org1.as_ref())).await;
    assert_eq!(status, Status::Success as i32, "{info}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let genesis = loop {
        let env = seek_envelope(org1.as_ref(), "mychannel", at(0), at(0));
        let (blocks, status) = orderer_deliver(port, env).await;
        if status == Status::Success as i32 {
            break blocks.into_iter().next().unwrap();
        }
        assert!(Instant::now() < deadline, "mychannel was not created");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let sink = Arc::new(Collector {
        bundle: Arc::new(config_bundle_of(&genesis).unwrap()),
        blocks: Mutex::new(vec![genesis]),
    });

    // The proxy the client is sent to, in place of the config's orderer address.
    let tampered = Arc::new(AtomicU64::new(0));
    let proxy = TamperingProxy {
        upstream: port,
        tamper: 2,
        tampered: tampered.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = listener.local_addr().unwrap();
    let (stop_proxy, proxy_stopped) = tokio::sync::oneshot::channel::<()>();
    let proxy_task = tokio::spawn(
        Server::builder()
            .add_service(AtomicBroadcastServer::new(proxy))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = proxy_stopped.await;
                },
            ),
    );
    let config = DeliverClientConfig {
        conn_timeout: Duration::from_secs(2),
        reconnect_backoff_threshold: Duration::from_secs(1),
        address_overrides: vec![AddressOverride {
            from: CONFIG_ORDERER.into(),
            to: proxy_addr.to_string(),
            ca_certs: Vec::new(),
        }],
        ..DeliverClientConfig::default()
    };
    let peer0 = msp_signer(
        &v.join(ORG1).join("peers/peer0.org1.example.com/msp"),
        "Org1MSP",
    );
    let client = DeliverClient::start("mychannel", sink.clone(), sink.clone(), peer0, config);

    next_block(port, org1.as_ref(), &sink, 1).await;
    // Block 2 first arrives with a broken signature: refused, then fetched again intact.
    next_block(port, org1.as_ref(), &sink, 2).await;
    assert!(
        tampered.load(Ordering::SeqCst) >= 2,
        "block 2 passed the proxy twice"
    );
    next_block(port, org1.as_ref(), &sink, 3).await;

    // The orderer goes away and comes back on the same port and ledger.
    drop(orderer);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _orderer = start_orderer(&v, ledger.path(), port);
    next_block(port, org1.as_ref(), &sink, 4).await;
    next_block(port, org1.as_ref(), &sink, 5).await;
    assert!(!client.is_finished());
    client.stop().await;

    assert_eq!(sink.numbers(), (0..=5).collect::<Vec<u64>>());
    let env = seek_envelope(
        org1.as_ref(),
        "mychannel",
        Seek::Oldest(SeekOldest {}),
        at(5),
    );
    let (from_orderer, status) = orderer_deliver(port, env).await;
    assert_eq!(status, Status::Success as i32);
    let got = sink.blocks.lock().unwrap().clone();
    assert_eq!(
        got, from_orderer,
        "the client kept exactly the orderer's blocks"
    );
    for b in &got[1..] {
        let n = b.header.as_ref().unwrap().number;
        verify_block(&sink.bundle, "mychannel", n, b).unwrap();
    }
    let _ = stop_proxy.send(());
    let _ = proxy_task.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_uses_mutual_tls_with_the_orderer_orgs_tls_roots() {
    let v = support::vectors_dir();
    let ledger = tempfile::tempdir().unwrap();
    let port = free_port();
    let server_tls = v.join(ORDERER_ORG).join("orderers/orderer.example.com/tls");
    let client_tls = v.join(ORG1).join("peers/peer0.org1.example.com/tls");
    let extra = mutual_tls_env(&server_tls, &client_tls.join("ca.crt"));
    let _orderer = spawn_vector_orderer(&v, ledger.path(), port, &extra);
    let genesis: Block = decode(
        "Block",
        &std::fs::read(v.join("network/artifacts/genesis.block")).unwrap(),
    )
    .unwrap();
    let sink = Arc::new(Collector {
        bundle: Arc::new(config_bundle_of(&genesis).unwrap()),
        blocks: Mutex::new(vec![genesis]),
    });
    let read = |p: PathBuf| std::fs::read(p).unwrap();
    // No CA of our own: the orderer's TLS root comes from the channel config (OrdererMSP).
    let config = DeliverClientConfig {
        tls: Some(ClientTls {
            client_identity: Some((
                read(client_tls.join("server.crt")),
                read(client_tls.join("server.key")),
            )),
            root_cas: Vec::new(),
        }),
        address_overrides: vec![AddressOverride {
            from: CONFIG_ORDERER.into(),
            to: format!("127.0.0.1:{port}"),
            ca_certs: Vec::new(),
        }],
        ..DeliverClientConfig::default()
    };
    let admin = vector_user(&v, ORDERER_ORG, "Admin@example.com", "OrdererMSP");
    let client = DeliverClient::start(
        "syschannel",
        sink.clone(),
        sink.clone(),
        admin.clone(),
        config.clone(),
    );
    // Broadcast over the same TLS settings: one transaction, cut by the 2 s timeout.
    let roots = orderer_tls_roots(&sink.bundle);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut c = loop {
        match tls_connect(&format!("127.0.0.1:{port}"), &config, &roots).await {
            Ok(c) => break c,
            Err(e) => assert!(Instant::now() < deadline, "no TLS connection: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let answers = broadcast(&mut c, vec![tx(admin.as_ref(), "syschannel", 1)]).await;
    assert_eq!(answers[0].0, Status::Success as i32, "{}", answers[0].1);
    sink.wait_for_height(2).await;
    client.stop().await;
    assert_eq!(sink.numbers(), vec![0, 1]);
}

// ---------------------------------------------------------------------------------------
// (b) the peer's Deliver service over the vector committed blocks

/// A peer ledger in memory holding blocks as committed (what the deliver server reads).
struct MemLedger {
    id: String,
    blocks: Mutex<Vec<Block>>,
    height: tokio::sync::watch::Sender<u64>,
}

fn not_kept<T>() -> LedgerResult<T> {
    Err(LedgerError::InvalidRequest(
        "the test ledger keeps blocks only".into(),
    ))
}

impl PeerLedger for MemLedger {
    fn ledger_id(&self) -> &str {
        &self.id
    }
    fn get_blockchain_info(&self) -> LedgerResult<BlockchainInfo> {
        Ok(BlockchainInfo {
            height: self.blocks.lock().unwrap().len() as u64,
            ..BlockchainInfo::default()
        })
    }
    fn get_block_by_number(&self, number: u64) -> LedgerResult<Block> {
        let blocks = self.blocks.lock().unwrap();
        let found = if number == u64::MAX {
            blocks.last()
        } else {
            blocks.get(number as usize)
        };
        found
            .cloned()
            .ok_or_else(|| LedgerError::NotFound(format!("no block {number}")))
    }
    fn get_block_by_hash(&self, _: &[u8]) -> LedgerResult<Block> {
        not_kept()
    }
    fn get_transaction_by_id(&self, _: &str) -> LedgerResult<ProcessedTransaction> {
        not_kept()
    }
    fn get_block_by_tx_id(&self, _: &str) -> LedgerResult<Block> {
        not_kept()
    }
    fn get_tx_validation_code_by_tx_id(&self, _: &str) -> LedgerResult<TxValidationCode> {
        not_kept()
    }
    fn tx_id_exists(&self, _: &str) -> LedgerResult<bool> {
        not_kept()
    }
    fn new_tx_simulator(&self, _: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        not_kept()
    }
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        not_kept()
    }
    fn new_history_query_executor(&self) -> LedgerResult<Box<dyn HistoryQueryExecutor>> {
        not_kept()
    }
    fn commit(&self, block: Block) -> LedgerResult<CommitResult> {
        let mut blocks = self.blocks.lock().unwrap();
        let block_number = block.header.as_ref().unwrap().number;
        blocks.push(block);
        self.height.send_replace(blocks.len() as u64);
        Ok(CommitResult {
            block_number,
            tx_validation_codes: Vec::new(),
            timings: Default::default(),
        })
    }
    fn height_watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.height.subscribe()
    }
}

#[derive(Default)]
struct MemProvider {
    ledgers: Mutex<BTreeMap<String, Arc<MemLedger>>>,
}

impl LedgerProvider for MemProvider {
    fn create(&self, genesis: &Block) -> LedgerResult<Arc<dyn PeerLedger>> {
        let id = config_bundle_of(genesis)
            .map_err(|e| LedgerError::InvalidBlock(e.to_string()))?
            .channel_id()
            .to_string();
        let ledger = Arc::new(MemLedger {
            id: id.clone(),
            blocks: Mutex::new(vec![genesis.clone()]),
            height: tokio::sync::watch::channel(1).0,
        });
        self.ledgers.lock().unwrap().insert(id, ledger.clone());
        Ok(ledger)
    }
    fn open(&self, id: &str) -> LedgerResult<Arc<dyn PeerLedger>> {
        let ledgers = self.ledgers.lock().unwrap();
        let l = ledgers
            .get(id)
            .cloned()
            .ok_or_else(|| LedgerError::LedgerNotFound(id.into()))?;
        Ok(l)
    }
    fn exists(&self, id: &str) -> LedgerResult<bool> {
        Ok(self.ledgers.lock().unwrap().contains_key(id))
    }
    fn list(&self) -> LedgerResult<Vec<String>> {
        Ok(self.ledgers.lock().unwrap().keys().cloned().collect())
    }
}

/// Lets members of one MSP read, records what was asked.
struct OneOrgAcl {
    msp_id: &'static str,
    asked: Mutex<Vec<String>>,
}

impl AclProvider for OneOrgAcl {
    fn check_acl(
        &self,
        resource: &str,
        channel: &str,
        subject: AclSubject<'_>,
    ) -> Result<(), AclError> {
        self.asked.lock().unwrap().push(resource.to_string());
        let AclSubject::Envelope(env) = subject else {
            return Err(AclError::BadRequest("expected an envelope".into()));
        };
        let p = payload(env).map_err(|e| AclError::BadRequest(e.to_string()))?;
        let shdr = signature_header(&p).map_err(|e| AclError::BadRequest(e.to_string()))?;
        let id: SerializedIdentity = decode("SerializedIdentity", &shdr.creator)
            .map_err(|e| AclError::BadRequest(e.to_string()))?;
        if id.mspid == self.msp_id {
            Ok(())
        } else {
            Err(AclError::Denied {
                resource: resource.into(),
                reason: format!(
                    "{} is not a member of {} on {channel}",
                    id.mspid, self.msp_id
                ),
            })
        }
    }
}

/// Responses of one peer deliver request, until its status.
async fn peer_request(
    addr: std::net::SocketAddr,
    filtered: bool,
    env: Envelope,
) -> (Vec<PeerResponse>, i32) {
    let mut c = PeerDeliverClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .max_decoding_message_size(200 << 20);
    let request = tokio_stream::iter(vec![env]);
    let mut s = if filtered {
        c.deliver_filtered(request).await
    } else {
        c.deliver(request).await
    }
    .unwrap()
    .into_inner();
    let mut out = Vec::new();
    loop {
        let r = tokio::time::timeout(Duration::from_secs(20), s.message())
            .await
            .expect("answer in time")
            .unwrap()
            .expect("a status ends the reply");
        if let Some(peer_response::Type::Status(st)) = r.r#type {
            return (out, st);
        }
        out.push(r);
    }
}

/// Fabric's codes for the vector chain, per block (README table).
fn vector_codes() -> Vec<Vec<TxValidationCode>> {
    use TxValidationCode::*;
    let mut codes = vec![vec![Valid]; 14];
    codes[5] = vec![EndorsementPolicyFailure];
    codes[6] = vec![Valid, MvccReadConflict];
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_deliver_serves_vector_blocks_filtered_blocks_and_refusals() {
    let v = support::vectors_dir();
    let dir = "ledger/mychannel/committed";
    let peer = Arc::new(Peer::new(Arc::new(MemProvider::default())));
    let channel = peer
        .create_channel_from_block(&support::vector_block(&v, dir, "mychannel", 0))
        .unwrap();
    let raw: Vec<Vec<u8>> = (0..14)
        .map(|n| std::fs::read(v.join(dir).join(format!("mychannel_{n}.block"))).unwrap())
        .collect();
    for bytes in &raw[1..] {
        channel
            .ledger()
            .commit(decode("Block", bytes).unwrap())
            .unwrap();
    }
    let acl = Arc::new(OneOrgAcl {
        msp_id: "Org1MSP",
        asked: Mutex::new(Vec::new()),
    });
    let server = DeliverServer::new(
        peer,
        acl.clone(),
        Duration::from_secs(900),
        &fabric::operations::metrics::Metrics::new(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(
        Server::builder()
            .add_service(DeliverService::new(Arc::new(server)).into_grpc())
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            ),
    );
    let org1 = vector_user(&v, ORG1, "User1@org1.example.com", "Org1MSP");
    let org2 = vector_user(&v, ORG2, "User1@org2.example.com", "Org2MSP");
    let all = || {
        seek_envelope(
            org1.as_ref(),
            "mychannel",
            Seek::Oldest(SeekOldest {}),
            Seek::Newest(SeekNewest {}),
        )
    };

    // Deliver: the committed blocks, byte for byte.
    let (got, status) = peer_request(addr, false, all()).await;
    assert_eq!(status, Status::Success as i32);
    let bytes: Vec<Vec<u8>> = got
        .into_iter()
        .map(|r| match r.r#type {
            Some(peer_response::Type::Block(b)) => b.encode_to_vec(),
            other => panic!("expected a block, got {other:?}"),
        })
        .collect();
    assert_eq!(bytes, raw);

    // DeliverFiltered: Fabric's validation codes, tx ids and types.
    let (got, status) = peer_request(addr, true, all()).await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(got.len(), 14);
    for (n, (r, codes)) in got.into_iter().zip(vector_codes()).enumerate() {
        let Some(peer_response::Type::FilteredBlock(fb)) = r.r#type else {
            panic!("expected a filtered block");
        };
        assert_eq!((fb.channel_id.as_str(), fb.number), ("mychannel", n as u64));
        let got: Vec<i32> = fb
            .filtered_transactions
            .iter()
            .map(|t| t.tx_validation_code)
            .collect();
        let want: Vec<i32> = codes.iter().map(|c| *c as i32).collect();
        assert_eq!(got, want, "block {n}");
        let want_type = if n < 3 {
            HeaderType::Config
        } else {
            HeaderType::EndorserTransaction
        };
        assert_eq!(fb.filtered_transactions[0].r#type, want_type as i32);
    }
    let (got, _) = peer_request(addr, true, all()).await;
    let txid = |n: usize, t: usize| match &got[n].r#type {
        Some(peer_response::Type::FilteredBlock(fb)) => fb.filtered_transactions[t].txid.clone(),
        _ => unreachable!(),
    };
    assert!(txid(4, 0).starts_with("d2dbaebb2b22"));
    assert!(txid(6, 1).starts_with("66cce7646a6a"));

    // Refusals: unknown channel, an identity the ACL denies; the server keeps serving.
    let env = seek_envelope(org1.as_ref(), "nochannel", at(0), at(0));
    assert_eq!(
        peer_request(addr, false, env).await.1,
        Status::NotFound as i32
    );
    let env = seek_envelope(org2.as_ref(), "mychannel", at(0), at(0));
    assert_eq!(
        peer_request(addr, false, env).await,
        (vec![], Status::Forbidden as i32)
    );
    let env = seek_envelope(org2.as_ref(), "mychannel", at(0), at(0));
    assert_eq!(
        peer_request(addr, true, env).await.1,
        Status::Forbidden as i32
    );
    let env = seek_envelope(org1.as_ref(), "mychannel", at(13), at(13));
    let (got, status) = peer_request(addr, false, env).await;
    assert_eq!((got.len(), status), (1, Status::Success as i32));
    let asked = acl.asked.lock().unwrap().clone();
    assert!(asked.contains(&"event/Block".to_string()));
    assert!(asked.contains(&"event/FilteredBlock".to_string()));

    let _ = stop.send(());
    let _ = task.await;
}
