//! The endorser end to end, in process: a tonic Endorser server on 127.0.0.1:0 over a peer
//! whose local MSP is the vector peer0.org1, clients signing as the vector Org1 admin (and
//! strangers). Until the ledger lands on main the channel ledgers are an in-memory test
//! double of `PeerLedger` kept in this file.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use prost::Message;

use fabric::aclmgmt::{PolicyChecker, ResourceProvider};
use fabric::crypto::SwOpts;
use fabric::endorser::metrics::EndorserMetrics;
use fabric::endorser::service::EndorserService;
use fabric::endorser::{auth, Endorser, FilteredEndorser, ProposalProcessor};
use fabric::msp::{load_local_msp, IdentityDeserializer, SigningIdentity, X509Msp};
use fabric::operations::fabric as fm;
use fabric::operations::metrics::Metrics;
use fabric::peer::Peer;
use fabric::protos::common::{
    Block, BlockchainInfo, ChannelHeader, Header, HeaderType, SignatureHeader,
};
use fabric::protos::msp::SerializedIdentity;
use fabric::protos::peer::endorser_client::EndorserClient;
use fabric::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeProposalPayload, ChannelQueryResponse,
    ProposalResponse, ProposalResponsePayload, SignedProposal, Transaction,
};
use fabric::protoutil::proposal_hash as proposal_hash_of;
use fabric::protoutil::{
    block_header_hash, create_chaincode_proposal, envelope_from_block_data, payload, sign_proposal,
};
use fabric::scc::cscc::Cscc;
use fabric::scc::lscc::{ChaincodeStore, Lscc};
use fabric::scc::qscc::Qscc;
use fabric::scc::Registry;

use fabric::ledger::kvledger::KvLedgerProvider;

// ---------------------------------------------------------------- the peer under test

const PEER0_ORG1: &str = "peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp";
const ADMIN_ORG1: &str = "peerOrganizations/org1.example.com/users/Admin@org1.example.com/msp";
const ADMIN_ORDERER: &str = "ordererOrganizations/example.com/users/Admin@example.com/msp";

fn local_msp(vectors: &Path, dir: &str, msp_id: &str) -> X509Msp {
    let dir = vectors.join("network/crypto-config").join(dir);
    load_local_msp(&dir, msp_id, &SwOpts::default()).unwrap()
}

fn signer(vectors: &Path, dir: &str, msp_id: &str) -> Arc<dyn SigningIdentity> {
    local_msp(vectors, dir, msp_id)
        .default_signing_identity()
        .unwrap()
}

struct TestPeer {
    peer: Arc<Peer>,
    processor: Arc<dyn ProposalProcessor>,
    local_msp: X509Msp,
    joined: Arc<Mutex<Vec<String>>>,
    metrics: Arc<Metrics>,
    _fs: tempfile::TempDir,
}

fn test_peer(vectors: &Path) -> TestPeer {
    let local_msp = local_msp(vectors, PEER0_ORG1, "Org1MSP");
    let fs = tempfile::tempdir().unwrap();
    let provider = KvLedgerProvider::open_default(fs.path()).expect("ledger provider");
    let peer = Arc::new(Peer::new(Arc::new(provider)));
    let checker = PolicyChecker::new(peer.clone(), local_msp.clone());
    let acl = Arc::new(ResourceProvider::new(checker.clone()));
    let joined = Arc::new(Mutex::new(Vec::new()));
    let seen = joined.clone();
    let hook: fabric::scc::cscc::JoinHook =
        Arc::new(move |c| seen.lock().unwrap().push(c.id().to_string()));
    let checker2 = checker.clone();
    let mut sccs = Registry::new();
    sccs.register(Arc::new(Cscc::new(
        peer.clone(),
        acl.clone(),
        checker,
        Some(hook),
    )));
    sccs.register(Arc::new(Qscc::new(peer.clone(), acl.clone())));
    let store = ChaincodeStore::new(fs.path());
    let names = vec!["cscc".into(), "lscc".into(), "qscc".into()];
    sccs.register(Arc::new(Lscc::new(
        peer.clone(),
        acl.clone(),
        checker2,
        store,
        names,
    )));
    let metrics = Metrics::new();
    let endorser = Endorser::new(peer.clone(), local_msp.clone(), acl, Arc::new(sccs))
        .unwrap()
        .with_metrics(EndorserMetrics::new(&metrics));
    let processor = Arc::new(FilteredEndorser::new(
        Arc::new(endorser),
        auth::default_filters(),
    ));
    TestPeer {
        peer,
        processor,
        local_msp,
        joined,
        metrics,
        _fs: fs,
    }
}

fn proposal(
    channel: &str,
    cc: &str,
    args: &[&[u8]],
    who: &dyn SigningIdentity,
) -> (SignedProposal, String) {
    let cis = fabric::cli::scc::invocation(cc, args);
    let p = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        channel,
        &cis,
        who.serialize(),
        BTreeMap::new(),
    );
    (sign_proposal(&p.proposal, who).unwrap(), p.tx_id)
}

struct Server {
    addr: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn serve(processor: Arc<dyn ProposalProcessor>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let svc = EndorserService::new(processor).into_server();
    let task = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = rx.await;
                },
            )
            .await
            .unwrap();
    });
    Server {
        addr,
        shutdown: Some(tx),
        task,
    }
}

impl Server {
    async fn client(&self) -> EndorserClient<tonic::transport::Channel> {
        EndorserClient::connect(format!("http://{}", self.addr))
            .await
            .unwrap()
    }
    async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.await.unwrap();
    }
}

async fn call(
    client: &mut EndorserClient<tonic::transport::Channel>,
    sp: SignedProposal,
) -> Result<ProposalResponse, tonic::Status> {
    client.process_proposal(sp).await.map(|r| r.into_inner())
}

fn status(r: &ProposalResponse) -> (i32, String) {
    let resp = r.response.clone().unwrap();
    (resp.status, resp.message)
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn join_then_query_chain_info_over_grpc() {
    let vectors = support::vectors_dir();
    let tp = test_peer(&vectors);
    let admin = signer(&vectors, ADMIN_ORG1, "Org1MSP");
    let genesis =
        std::fs::read(vectors.join("ledger/mychannel/ordered/mychannel_0.block")).unwrap();
    let server = serve(tp.processor.clone()).await;
    let mut client = server.client().await;

    let (sp, _) = proposal("", "cscc", &[b"JoinChain", &genesis], admin.as_ref());
    let r = call(&mut client, sp).await.unwrap();
    assert_eq!(status(&r), (200, String::new()));
    assert!(
        r.payload.is_empty() && r.endorsement.is_none(),
        "channel-less answers are not endorsed"
    );
    assert_eq!(*tp.joined.lock().unwrap(), vec!["mychannel".to_string()]);
    assert_eq!(tp.peer.channel_ids(), vec!["mychannel".to_string()]);

    let (sp, _) = proposal("", "cscc", &[b"JoinChain", &genesis], admin.as_ref());
    let r = call(&mut client, sp).await.unwrap();
    assert_eq!(
        status(&r),
        (
            500,
            "cannot create ledger from genesis block: LedgerID already exists".into()
        )
    );

    let (sp, _) = proposal("", "cscc", &[b"GetChannels"], admin.as_ref());
    let r = call(&mut client, sp).await.unwrap();
    let channels = ChannelQueryResponse::decode(r.response.unwrap().payload.as_slice()).unwrap();
    assert_eq!(channels.channels[0].channel_id, "mychannel");

    // As `peer channel getinfo` asks: channel-less, the channel in args[1].
    let (sp, _) = proposal("", "qscc", &[b"GetChainInfo", b"mychannel"], admin.as_ref());
    let r = call(&mut client, sp).await.unwrap();
    let info = BlockchainInfo::decode(r.response.unwrap().payload.as_slice()).unwrap();
    let block0 = support::vector_block(&vectors, "ledger/mychannel/ordered", "mychannel", 0);
    assert_eq!(info.height, 1);
    assert_eq!(
        info.current_block_hash,
        block_header_hash(block0.header.as_ref().unwrap())
    );

    let (sp, _) = proposal("", "qscc", &[b"GetChainInfo", b"nochannel"], admin.as_ref());
    let r = call(&mut client, sp).await.unwrap();
    assert_eq!(status(&r), (500, "Invalid chain ID, nochannel".into()));

    let (sp, _) = proposal(
        "",
        "qscc",
        &[b"GetBlockByNumber", b"mychannel", b"7"],
        admin.as_ref(),
    );
    let r = call(&mut client, sp).await.unwrap();
    let (code, msg) = status(&r);
    assert_eq!(code, 500);
    assert!(
        msg.starts_with("Failed to get block number 7, error "),
        "{msg}"
    );
    server.stop().await;
}

/// Decodes our endorsed qscc answer into the structure Fabric builds and checks every part:
/// the proposal hash, the ChaincodeAction, and the peer's signature over prp ‖ endorser.
#[tokio::test]
async fn endorsed_qscc_response_has_fabrics_structure() {
    let vectors = support::vectors_dir();
    let tp = test_peer(&vectors);
    let admin = signer(&vectors, ADMIN_ORG1, "Org1MSP");
    let genesis = support::vector_block(&vectors, "ledger/mychannel/ordered", "mychannel", 0);
    tp.peer.create_channel_from_block(&genesis).unwrap();

    let (sp, _) = proposal(
        "mychannel",
        "qscc",
        &[b"GetChainInfo", b"mychannel"],
        admin.as_ref(),
    );
    let r = tp.processor.process_proposal(&sp).unwrap();
    assert_eq!(r.version, 1);
    assert_eq!(status(&r), (200, String::new()));
    let prp = ProposalResponsePayload::decode(r.payload.as_slice()).unwrap();
    let prop = fabric::protos::peer::Proposal::decode(sp.proposal_bytes.as_slice()).unwrap();
    let header = Header::decode(prop.header.as_slice()).unwrap();
    let cpp = ChaincodeProposalPayload::decode(prop.payload.as_slice()).unwrap();
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut hasher, &header.channel_header);
    sha2::Digest::update(&mut hasher, &header.signature_header);
    sha2::Digest::update(&mut hasher, cpp.encode_to_vec());
    assert_eq!(prp.proposal_hash, sha2::Digest::finalize(hasher).to_vec());
    let action = ChaincodeAction::decode(prp.extension.as_slice()).unwrap();
    let id = action.chaincode_id.unwrap();
    assert_eq!((id.name.as_str(), id.version.as_str()), ("qscc", "1.4.12"));
    assert!(action.results.is_empty() && action.events.is_empty());
    let resp = action.response.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(Some(&resp), r.response.as_ref());
    assert_eq!(
        BlockchainInfo::decode(resp.payload.as_slice())
            .unwrap()
            .height,
        1
    );
    let endorsement = r.endorsement.unwrap();
    let endorser = tp
        .local_msp
        .deserialize_identity(&endorsement.endorser)
        .unwrap();
    let sid = SerializedIdentity::decode(endorsement.endorser.as_slice()).unwrap();
    assert_eq!(sid.mspid, "Org1MSP");
    let mut signed = r.payload.clone();
    signed.extend_from_slice(&endorsement.endorser);
    endorser.verify(&signed, &endorsement.signature).unwrap();
}

/// Fabric's own endorsements in the vector chain hash and sign exactly as we do.
#[test]
fn vector_endorsements_match_our_hash_and_signature_layout() {
    let vectors = support::vectors_dir();
    let block0 = support::vector_block(&vectors, "ledger/mychannel/committed", "mychannel", 0);
    let msps = support::channel_msps(&support::config_group(&block0));
    for number in [3u64, 4, 8] {
        let block =
            support::vector_block(&vectors, "ledger/mychannel/committed", "mychannel", number);
        let env = envelope_from_block_data(&block.data.unwrap().data[0]).unwrap();
        let pl = payload(&env).unwrap();
        let header = pl.header.unwrap();
        let tx = Transaction::decode(pl.data.as_slice()).unwrap();
        let cap = ChaincodeActionPayload::decode(tx.actions[0].payload.as_slice()).unwrap();
        let action = cap.action.unwrap();
        let prp =
            ProposalResponsePayload::decode(action.proposal_response_payload.as_slice()).unwrap();
        let ours = proposal_hash_of(
            &header.channel_header,
            &header.signature_header,
            &cap.chaincode_proposal_payload,
        );
        assert_eq!(prp.proposal_hash, ours, "block {number}");
        for e in &action.endorsements {
            let id = msps.deserialize_identity(&e.endorser).unwrap();
            let mut msg = action.proposal_response_payload.clone();
            msg.extend_from_slice(&e.endorser);
            id.verify(&msg, &e.signature).unwrap();
        }
        let _ = ChannelHeader::decode(header.channel_header.as_slice()).unwrap();
        let _ = SignatureHeader::decode(header.signature_header.as_slice()).unwrap();
    }
}

#[tokio::test]
async fn bad_requests_get_fabrics_answers_and_the_server_keeps_serving() {
    let vectors = support::vectors_dir();
    let tp = test_peer(&vectors);
    let admin = signer(&vectors, ADMIN_ORG1, "Org1MSP");
    let orderer_admin = signer(&vectors, ADMIN_ORDERER, "OrdererMSP");
    let genesis = support::vector_block(&vectors, "ledger/mychannel/ordered", "mychannel", 0);
    let channel = tp.peer.create_channel_from_block(&genesis).unwrap();
    let server = serve(tp.processor.clone()).await;
    let mut client = server.client().await;

    // Malformed SignedProposal bytes: the proposal inside does not decode.
    let garbage = SignedProposal {
        proposal_bytes: vec![0x0a, 0xff, 0x01],
        signature: vec![1],
    };
    let e = call(&mut client, garbage).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unknown);
    assert!(
        e.message().starts_with("failed parsing proposal: "),
        "{}",
        e.message()
    );

    // Bad signature.
    let (mut sp, _) = proposal("", "qscc", &[b"GetChainInfo", b"mychannel"], admin.as_ref());
    let last = sp.signature.len() - 2;
    sp.signature[last] ^= 0xff;
    let e = call(&mut client, sp).await.unwrap_err();
    assert_eq!(
        e.message(),
        "access denied: channel [] creator org [Org1MSP]"
    );

    // Unknown channel.
    let (sp, _) = proposal(
        "nochannel",
        "qscc",
        &[b"GetChainInfo", b"nochannel"],
        admin.as_ref(),
    );
    let e = call(&mut client, sp).await.unwrap_err();
    assert_eq!(
        e.message(),
        "access denied: channel [nochannel] creator org [Org1MSP]"
    );

    // A foreign MSP against the peer's local MSP (channel-less).
    let (sp, _) = proposal(
        "",
        "qscc",
        &[b"GetChainInfo", b"mychannel"],
        orderer_admin.as_ref(),
    );
    let e = call(&mut client, sp).await.unwrap_err();
    assert_eq!(
        e.message(),
        "access denied: channel [] creator org [OrdererMSP]"
    );

    // The orderer org is in mychannel's config, but not among its application Readers.
    let (sp, _) = proposal(
        "mychannel",
        "qscc",
        &[b"GetChainInfo", b"mychannel"],
        orderer_admin.as_ref(),
    );
    let r = call(&mut client, sp).await.unwrap();
    let (code, msg) = status(&r);
    assert_eq!(code, 500);
    assert!(
        msg.starts_with("access denied for [GetChainInfo][mychannel]: [Failed evaluating policy on signed data during check policy on channel [mychannel] with policy [/Channel/Application/Readers]: ["),
        "{msg}"
    );

    // A certificate no MSP of the channel issued, claiming Org1MSP.
    let stranger = rcgen::generate_simple_self_signed(vec!["stranger".into()]).unwrap();
    let creator = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: stranger.cert.pem().into_bytes(),
    }
    .encode_to_vec();
    let cis = fabric::cli::scc::invocation("qscc", &[b"GetChainInfo", b"mychannel"]);
    let p = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        "mychannel",
        &cis,
        creator,
        BTreeMap::new(),
    );
    let sp = SignedProposal {
        proposal_bytes: p.proposal.encode_to_vec(),
        signature: vec![0x30, 0x02, 0x01, 0x01],
    };
    let e = call(&mut client, sp).await.unwrap_err();
    assert_eq!(
        e.message(),
        "access denied: channel [mychannel] creator org [Org1MSP]"
    );

    // Replayed tx id: once the tx is in the ledger, the same proposal is refused.
    let (sp, tx_id) = proposal(
        "mychannel",
        "qscc",
        &[b"GetChainInfo", b"mychannel"],
        admin.as_ref(),
    );
    assert_eq!(status(&call(&mut client, sp.clone()).await.unwrap()).0, 200);
    channel
        .ledger()
        .commit(block_with_tx(&sp, &genesis))
        .unwrap();
    let e = call(&mut client, sp).await.unwrap_err();
    let creator = hex::encode(admin.serialize());
    assert_eq!(
        e.message(),
        format!("duplicate transaction found [{tx_id}]. Creator [{creator}]")
    );

    // A user chaincode that was never instantiated: Fabric's line.
    let (sp, _) = proposal("mychannel", "mycc", &[b"query", b"a"], admin.as_ref());
    let r = call(&mut client, sp).await.unwrap();
    assert_eq!(
        status(&r),
        (
            500,
            "make sure the chaincode mycc has been successfully instantiated and try again: could not find chaincode with name 'mycc'".into()
        )
    );

    // A user chaincode proposed by an org that is not among the channel's writers.
    let (sp, _) = proposal(
        "mychannel",
        "mycc",
        &[b"query", b"a"],
        orderer_admin.as_ref(),
    );
    let e = call(&mut client, sp).await.unwrap_err();
    assert!(
        e.message().contains("[/Channel/Application/Writers]"),
        "{}",
        e.message()
    );

    // Still serving.
    let (sp, _) = proposal("", "qscc", &[b"GetChainInfo", b"mychannel"], admin.as_ref());
    let info = call(&mut client, sp).await.unwrap();
    assert_eq!(
        BlockchainInfo::decode(info.response.unwrap().payload.as_slice())
            .unwrap()
            .height,
        2
    );
    server.stop().await;
    expect_fabric_endorser_counts(&tp.metrics);
}

/// What Fabric's endorser counts for the requests of
/// `bad_requests_get_fabrics_answers_and_the_server_keeps_serving`: every proposal that passed
/// the auth filters (the garbage one stops at the expiration filter, as in Fabric) is
/// received; four refused by validation, one replayed tx id, one refused by `peer/Propose`; timed by
/// channel, `name:version` as the proposal names it, and success when pre-processing passed.
fn expect_fabric_endorser_counts(metrics: &Metrics) {
    let counter = |opts| metrics.counter(opts);
    assert_eq!(
        counter(fm::ENDORSER_PROPOSALS_RECEIVED).value(&[]),
        Some(10.0)
    );
    assert_eq!(
        counter(fm::ENDORSER_SUCCESSFUL_PROPOSALS).value(&[]),
        Some(2.0)
    );
    assert_eq!(
        counter(fm::ENDORSER_PROPOSAL_VALIDATION_FAILURES).value(&[]),
        Some(4.0)
    );
    assert_eq!(
        counter(fm::ENDORSER_DUPLICATE_TRANSACTION_FAILURES).value(&["mychannel", "qscc:"]),
        Some(1.0)
    );
    assert_eq!(
        counter(fm::ENDORSER_PROPOSAL_ACL_FAILURES).value(&["mychannel", "mycc:"]),
        Some(1.0)
    );
    let duration = metrics.histogram(fm::ENDORSER_PROPOSAL_DURATION);
    assert_eq!(duration.count(&["mychannel", "qscc:", "true"]), Some(1));
    assert_eq!(duration.count(&["mychannel", "qscc:", "false"]), Some(1));
    assert_eq!(duration.count(&["mychannel", "mycc:", "false"]), Some(1));
    assert_eq!(duration.count(&["", "qscc:", "true"]), Some(1));
}

/// A block holding an envelope whose header is the proposal's (so its tx id is on the ledger).
fn block_with_tx(sp: &SignedProposal, previous: &Block) -> Block {
    let prop = fabric::protos::peer::Proposal::decode(sp.proposal_bytes.as_slice()).unwrap();
    let header = Header::decode(prop.header.as_slice()).unwrap();
    let env = fabric::protos::common::Envelope {
        payload: fabric::protos::common::Payload {
            header: Some(header),
            data: vec![],
        }
        .encode_to_vec(),
        signature: vec![],
    };
    let mut block =
        fabric::protoutil::new_block(1, block_header_hash(previous.header.as_ref().unwrap()));
    block.data.as_mut().unwrap().data.push(env.encode_to_vec());
    // The committer's verdict; any code makes the tx id known to the ledger.
    let code = fabric::protos::peer::TxValidationCode::InvalidOtherReason as u8;
    block.metadata.as_mut().unwrap().metadata
        [fabric::protos::common::BlockMetadataIndex::TransactionsFilter as usize] = vec![code];
    block
}

#[tokio::test]
async fn lscc_installs_for_local_admins_and_lists_installed() {
    let vectors = support::vectors_dir();
    let tp = test_peer(&vectors);
    let admin = signer(&vectors, ADMIN_ORG1, "Org1MSP");
    let user = signer(
        &vectors,
        "peerOrganizations/org1.example.com/users/User1@org1.example.com/msp",
        "Org1MSP",
    );
    let package = std::fs::read(vectors.join("packages/nodecc-node.cds")).unwrap();
    let (sp, _) = proposal("", "lscc", &[b"install", &package], user.as_ref());
    let r = tp.processor.process_proposal(&sp).unwrap();
    let (code, msg) = status(&r);
    assert_eq!(code, 500);
    assert!(msg.starts_with("access denied for [install]: Failed verifying that proposal's creator satisfies local MSP principal during channelless check policy with policy [Admins]: ["), "{msg}");

    let (sp, _) = proposal("", "lscc", &[b"install", &package], admin.as_ref());
    let r = tp.processor.process_proposal(&sp).unwrap();
    assert_eq!(status(&r), (200, String::new()));
    assert_eq!(r.response.unwrap().payload, b"OK");
    let (sp, _) = proposal("", "lscc", &[b"install", &package], admin.as_ref());
    let (code, msg) = status(&tp.processor.process_proposal(&sp).unwrap());
    assert_eq!(code, 500);
    assert!(
        msg.starts_with("chaincode ") && msg.ends_with("nodecc.1.0 exists"),
        "{msg}"
    );

    let (sp, _) = proposal("", "lscc", &[b"getinstalledchaincodes"], admin.as_ref());
    let r = tp.processor.process_proposal(&sp).unwrap();
    let answer = fabric::protos::peer::ChaincodeQueryResponse::decode(
        r.response.unwrap().payload.as_slice(),
    )
    .unwrap();
    assert_eq!(answer.chaincodes.len(), 1);
    let cc = &answer.chaincodes[0];
    assert_eq!(
        (cc.name.as_str(), cc.version.as_str(), cc.path.as_str()),
        ("nodecc", "1.0", "nodecc")
    );
    assert_eq!(cc.id.len(), 32);
}
