//! Endorsement throughput: a qscc GetChainInfo proposal on the vector `mychannel`, signed by
//! the vector Org1 admin, through the auth filters and `Endorser::process_proposal` (header
//! checks, creator validation and signature verification, ACL, qscc, escc signature).
//! Proposals are signed ahead of time, so the figure is the peer's side only.
//!
//! Reads the reference vectors (tests/vectors, or FABRIC_VECTORS).
//! Run: `cargo bench --bench endorse -- --warm-up-time 1 --measurement-time 5`

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fabric::aclmgmt::{PolicyChecker, ResourceProvider};
use fabric::crypto::SwOpts;
use fabric::endorser::{auth, Endorser, FilteredEndorser, ProposalProcessor};
use fabric::msp::load_local_msp;
use fabric::peer::Peer;
use fabric::protos::common::{Block, HeaderType};
use fabric::protoutil::{create_chaincode_proposal, decode, sign_proposal};
use fabric::scc::{cscc::Cscc, qscc::Qscc, Registry};

fn endorse(c: &mut Criterion) {
    let vectors = std::env::var_os("FABRIC_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    let crypto = vectors.join("network/crypto-config/peerOrganizations/org1.example.com");
    let local = load_local_msp(
        &crypto.join("peers/peer0.org1.example.com/msp"),
        "Org1MSP",
        &SwOpts::default(),
    )
    .expect("peer0.org1 MSP");
    let admin = load_local_msp(
        &crypto.join("users/Admin@org1.example.com/msp"),
        "Org1MSP",
        &SwOpts::default(),
    )
    .expect("Org1 admin MSP")
    .default_signing_identity()
    .expect("admin signer");
    let fs = tempfile::tempdir().expect("temp dir");
    let provider = fabric::ledger::kvledger::KvLedgerProvider::open_default(fs.path())
        .expect("ledger provider");
    let peer = Arc::new(Peer::new(Arc::new(provider)));
    let genesis_bytes =
        std::fs::read(vectors.join("ledger/mychannel/ordered/mychannel_0.block")).expect("block");
    let genesis: Block = decode("Block", &genesis_bytes).expect("genesis block");
    peer.create_channel_from_block(&genesis).expect("join");
    let checker = PolicyChecker::new(peer.clone(), local.clone());
    let acl = Arc::new(ResourceProvider::new(checker.clone()));
    let mut sccs = Registry::new();
    sccs.register(Arc::new(Cscc::new(
        peer.clone(),
        acl.clone(),
        checker,
        None,
    )));
    sccs.register(Arc::new(Qscc::new(peer.clone(), acl.clone())));
    let endorser = Endorser::new(peer, local, acl, Arc::new(sccs)).expect("endorser");
    let processor = FilteredEndorser::new(Arc::new(endorser), auth::default_filters());

    let cis = fabric::cli::scc::invocation("qscc", &[b"GetChainInfo", b"mychannel"]);
    let proposals: Vec<_> = (0..256)
        .map(|_| {
            let p = create_chaincode_proposal(
                HeaderType::EndorserTransaction,
                "mychannel",
                &cis,
                admin.serialize(),
                BTreeMap::new(),
            );
            sign_proposal(&p.proposal, admin.as_ref()).expect("sign")
        })
        .collect();
    let mut group = c.benchmark_group("endorse");
    group.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    group.bench_function("qscc GetChainInfo via process_proposal", |b| {
        b.iter(|| {
            i = (i + 1) % proposals.len();
            let r = processor.process_proposal(&proposals[i]).expect("endorsed");
            assert_eq!(r.response.map(|r| r.status), Some(200));
        })
    });
    group.finish();
}

criterion_group!(benches, endorse);
criterion_main!(benches);
