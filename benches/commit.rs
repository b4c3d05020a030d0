//! Commit throughput of the peer's committer: TxValidator (creator signature, tx id,
//! duplicate check, VSCC with an AND(Org1.peer, Org2.peer) policy over two endorsements)
//! followed by the ledger commit (MVCC, block store, state, history), on the real ledger.
//!
//! The chain: a channel genesis from the configtxgen encoder over cryptogen material
//! (Org1, Org2, NodeOUs), block 1 instantiates `mycc` through lscc, then 200 blocks of 100
//! transactions, each written to its own key. Every measured run starts from a fresh ledger.
//!
//! Run: `cargo bench --bench commit`. Each transaction costs three ECDSA P-256 verifies
//! (creator + two endorsers). The bench measures, in the same run, the machine's P-256
//! verify rate on all cores (the ceiling: one thread per core verifying 1 KiB messages with
//! `fabric::crypto`, as `cargo bench --bench crypto` does on one), then the commit
//! throughput, and prints the commit rate as a share of the ceiling divided by three.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use prost::Message;

use fabric::committer::actor::ChannelCommitter;
use fabric::committer::{LedgerCommitter, TxValidator};
use fabric::config::Environment;
use fabric::crypto::SwOpts;
use fabric::ledger::kvledger::KvLedgerProvider;
use fabric::msp::{load_local_msp, SigningIdentity};
use fabric::peer::Peer;
use fabric::policy::cauthdsl::signed_by_any_member;
use fabric::protos::common::{Block, Envelope, HeaderType};
use fabric::protos::kvrwset::{KvWrite, KvrwSet};
use fabric::protos::peer::{
    chaincode_spec, ChaincodeAction, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeInput,
    ChaincodeInvocationSpec, ChaincodeSpec, ProposalResponse, Response,
};
use fabric::protos::rwset::{NsReadWriteSet, TxReadWriteSet};
use fabric::protoutil::{
    block_data_hash, block_header_hash, create_chaincode_proposal, create_proposal_response,
    create_signed_tx, new_block,
};
use fabric::scc::vscc::ChaincodeData;
use fabric::tools::configtxgen::encoder::{genesis_block, new_channel_group};
use fabric::tools::configtxgen::localconfig::load_profile;

const BLOCKS: usize = 200;
const TXS_PER_BLOCK: usize = 100;

const CRYPTO_CONFIG: &str = "
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    Specs:
      - Hostname: orderer
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
";

const CONFIGTX: &str = r#"
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: crypto/ordererOrganizations/example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins:  {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
  - &Org1
    Name: Org1MSP
    ID: Org1MSP
    MSPDir: crypto/peerOrganizations/org1.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org1MSP.member')"}
      Writers: {Type: Signature, Rule: "OR('Org1MSP.member')"}
      Admins:  {Type: Signature, Rule: "OR('Org1MSP.admin')"}
  - &Org2
    Name: Org2MSP
    ID: Org2MSP
    MSPDir: crypto/peerOrganizations/org2.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org2MSP.member')"}
      Writers: {Type: Signature, Rule: "OR('Org2MSP.member')"}
      Admins:  {Type: Signature, Rule: "OR('Org2MSP.admin')"}
Profiles:
  Bench:
    Policies:
      Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
      Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
      Admins:  {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    Capabilities: {V1_4_3: true}
    Orderer:
      OrdererType: solo
      Addresses: [127.0.0.1:7050]
      BatchTimeout: 2s
      BatchSize: {MaxMessageCount: 100, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 512 KB}
      Organizations: [*OrdererOrg]
      Policies:
        Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
        Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
        Admins:  {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
        BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
      Capabilities: {V1_4_2: true}
    Application:
      Organizations: [*Org1, *Org2]
      Policies:
        Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
        Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
        Admins:  {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
      Capabilities: {V1_4_2: true}
"#;

fn signer(crypto: &Path, org: u8, who: &str) -> Arc<dyn SigningIdentity> {
    let domain = format!("org{org}.example.com");
    let base = crypto.join("peerOrganizations").join(&domain);
    let dir = match who {
        "peer" => base.join(format!("peers/peer0.{domain}/msp")),
        _ => base.join(format!("users/{who}@{domain}/msp")),
    };
    load_local_msp(&dir, &format!("Org{org}MSP"), &SwOpts::default())
        .expect("load MSP")
        .default_signing_identity()
        .expect("signing identity")
}

fn one_namespace_rwset(namespace: &str, key: &str, value: Vec<u8>) -> Vec<u8> {
    let kv = KvrwSet {
        writes: vec![KvWrite {
            key: key.into(),
            is_delete: false,
            value,
        }],
        ..Default::default()
    };
    TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![NsReadWriteSet {
            namespace: namespace.into(),
            rwset: kv.encode_to_vec(),
            collection_hashed_rwset: vec![],
        }],
    }
    .encode_to_vec()
}

/// An endorsed transaction as a client assembles it from the endorsers' responses.
fn endorsed_tx(
    creator: &dyn SigningIdentity,
    endorsers: &[&dyn SigningIdentity],
    cis: &ChaincodeInvocationSpec,
    cc_version: &str,
    results: Vec<u8>,
) -> Envelope {
    let cc_name = cis
        .chaincode_spec
        .as_ref()
        .unwrap()
        .chaincode_id
        .as_ref()
        .unwrap()
        .name
        .clone();
    let proposal = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        "mychannel",
        cis,
        creator.serialize(),
        BTreeMap::new(),
    )
    .proposal;
    let action = ChaincodeAction {
        results,
        response: Some(Response {
            status: 200,
            ..Default::default()
        }),
        chaincode_id: Some(ChaincodeId {
            name: cc_name,
            version: cc_version.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let responses: Vec<ProposalResponse> = endorsers
        .iter()
        .map(|e| create_proposal_response(&proposal, &action, *e).unwrap())
        .collect();
    create_signed_tx(&proposal, creator, &responses).unwrap()
}

fn invocation(cc: &str, args: Vec<Vec<u8>>) -> ChaincodeInvocationSpec {
    ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(ChaincodeId {
                name: cc.into(),
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args,
                ..Default::default()
            }),
            timeout: 0,
        }),
    }
}

/// The lscc deploy of `mycc` with policy AND(Org1.peer, Org2.peer), by Org1's admin.
fn deploy_tx(crypto: &Path) -> Envelope {
    let policy = fabric::policy::from_string("AND('Org1MSP.peer','Org2MSP.peer')")
        .unwrap()
        .encode_to_vec();
    let cds = ChaincodeDeploymentSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(ChaincodeId {
                name: "mycc".into(),
                version: "1.0".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let cd = ChaincodeData {
        name: "mycc".into(),
        version: "1.0".into(),
        escc: "escc".into(),
        vscc: "vscc".into(),
        policy: policy.clone(),
        instantiation_policy: signed_by_any_member(&["Org1MSP", "Org2MSP"]).encode_to_vec(),
        ..Default::default()
    };
    let args = vec![
        b"deploy".to_vec(),
        b"mychannel".to_vec(),
        cds.encode_to_vec(),
        policy,
        b"escc".to_vec(),
        b"vscc".to_vec(),
    ];
    let admin = signer(crypto, 1, "Admin");
    let peer = signer(crypto, 1, "peer");
    endorsed_tx(
        admin.as_ref(),
        &[peer.as_ref()],
        &invocation("lscc", args),
        "1.4.12",
        one_namespace_rwset("lscc", "mycc", cd.encode_to_vec()),
    )
}

/// Chains `envelopes` as block `number` after `previous`.
fn chain_block(previous: &Block, envelopes: Vec<Envelope>) -> Block {
    let header = previous.header.as_ref().unwrap();
    let mut block = new_block(header.number + 1, block_header_hash(header));
    let data = block.data.as_mut().unwrap();
    data.data = envelopes.iter().map(|e| e.encode_to_vec()).collect();
    let data_hash = block_data_hash(data);
    block.header.as_mut().unwrap().data_hash = data_hash;
    block
}

struct Chain {
    genesis: Block,
    blocks: Vec<Block>,
}

fn generate_chain(dir: &Path) -> Chain {
    let crypto = dir.join("crypto");
    let config = fabric::tools::cryptogen::config::Config::from_yaml(CRYPTO_CONFIG).unwrap();
    fabric::tools::cryptogen::generate::generate(&config, &crypto, &mut |_| {}).unwrap();
    std::fs::write(dir.join("configtx.yaml"), CONFIGTX).unwrap();
    let env = Environment::new(Vec::<(String, String)>::new(), dir);
    let profile = load_profile("Bench", Some(dir), &env).unwrap();
    let genesis = genesis_block("mychannel", new_channel_group(&profile).unwrap());

    let mut blocks = vec![chain_block(&genesis, vec![deploy_tx(&crypto)])];
    let user = signer(&crypto, 1, "User1");
    let peers = [signer(&crypto, 1, "peer"), signer(&crypto, 2, "peer")];
    let endorsers: Vec<&dyn SigningIdentity> = peers.iter().map(|p| p.as_ref()).collect();
    for b in 0..BLOCKS {
        let txs = (0..TXS_PER_BLOCK)
            .map(|t| {
                let key = format!("key_{b}_{t}");
                endorsed_tx(
                    user.as_ref(),
                    &endorsers,
                    &invocation("mycc", vec![b"put".to_vec(), key.clone().into_bytes()]),
                    "1.0",
                    one_namespace_rwset("mycc", &key, b"value".to_vec()),
                )
            })
            .collect();
        let block = chain_block(blocks.last().unwrap(), txs);
        blocks.push(block);
    }
    Chain { genesis, blocks }
}

/// Commits the whole chain on a fresh ledger through the channel's committer actor (as a
/// peer does: blocks queued as fast as the queue takes them, validation of a block
/// overlapping the commit of the one before); returns the time spent on the 200 measured
/// blocks (after the deploy block).
fn run_once(chain: &Chain, committer: &LedgerCommitter) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let provider = KvLedgerProvider::open_default(dir.path()).unwrap();
    let peer = Peer::new(Arc::new(provider));
    let channel = peer.create_channel_from_block(&chain.genesis).unwrap();
    let deploy = committer
        .store_block(&channel, chain.blocks[0].clone())
        .unwrap();
    assert!(
        deploy.tx_validation_codes.iter().all(|c| *c as i32 == 0),
        "deploy is valid"
    );
    let blocks: Vec<Block> = chain.blocks[1..].to_vec();
    let actor = ChannelCommitter::start(channel, committer.validator().clone(), None).unwrap();
    let started = Instant::now();
    let replies: Vec<_> = blocks
        .into_iter()
        .map(|block| actor.submit_blocking(block).unwrap())
        .collect();
    for reply in replies {
        let result = reply.blocking_recv().unwrap().unwrap();
        debug_assert!(result.tx_validation_codes.iter().all(|c| *c as i32 == 0));
    }
    let elapsed = started.elapsed();
    actor.stop_blocking();
    elapsed
}

/// P-256 verifies per second with one thread per core for `window` (the ceiling).
fn verify_ceiling(threads: usize, window: Duration) -> f64 {
    use fabric::crypto::{Curve, HashFamily, PrivateKey};
    let message = [0x5au8; 1024];
    let key = PrivateKey::generate(Curve::P256).expect("generate P-256 key");
    let public = key.public_key();
    let sig = key.sign(HashFamily::Sha2, &message).expect("sign");
    let started = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while started.elapsed() < window {
                        for _ in 0..16 {
                            public
                                .verify(HashFamily::Sha2, &message, &sig)
                                .expect("verify");
                        }
                        n += 16;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    total as f64 / started.elapsed().as_secs_f64()
}

/// Commit throughput in tx/s over `runs` fresh runs of the whole chain (the best run).
fn commit_rate(chain: &Chain, committer: &LedgerCommitter, runs: usize) -> f64 {
    let best = (0..runs).map(|_| run_once(chain, committer)).min().unwrap();
    (BLOCKS * TXS_PER_BLOCK) as f64 / best.as_secs_f64()
}

/// Prints the commit rate against the verify ceiling, both measured now.
fn report_ceiling(chain: &Chain, committer: &LedgerCommitter) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let before = verify_ceiling(threads, Duration::from_secs(3));
    let commit = commit_rate(chain, committer, 3);
    let after = verify_ceiling(threads, Duration::from_secs(3));
    let ceiling = before.max(after);
    println!(
        "commit: {commit:.0} tx/s = {:.1}% of the verify ceiling (3 verifies per tx, {ceiling:.0} verifies/s on {threads} cores; {before:.0} before, {after:.0} after)",
        100.0 * commit * 3.0 / ceiling
    );
}

fn commit_throughput(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let chain = generate_chain(dir.path());
    let committer = LedgerCommitter::new(TxValidator::new(0));
    // every transaction of the chain must be valid, or the figure means nothing
    {
        let check = tempfile::tempdir().unwrap();
        let provider = KvLedgerProvider::open_default(check.path()).unwrap();
        let channel = Peer::new(Arc::new(provider))
            .create_channel_from_block(&chain.genesis)
            .unwrap();
        for block in chain.blocks.iter().take(3) {
            let r = committer.store_block(&channel, block.clone()).unwrap();
            assert!(
                r.tx_validation_codes.iter().all(|c| *c as i32 == 0),
                "{r:?}"
            );
        }
    }
    report_ceiling(&chain, &committer);
    let mut group = c.benchmark_group("commit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements((BLOCKS * TXS_PER_BLOCK) as u64));
    group.bench_function(
        format!(
            "{BLOCKS} blocks x {TXS_PER_BLOCK} txs, 2 endorsements, pool {}",
            committer.validator().pool_size()
        ),
        |b| b.iter_custom(|iters| (0..iters).map(|_| run_once(&chain, &committer)).sum()),
    );
    group.finish();
}

criterion_group!(benches, commit_throughput);
criterion_main!(benches);
