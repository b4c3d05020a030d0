//! Commit throughput of a channel ledger: generated blocks of 100 endorser transactions,
//! each writing 2 keys, committed through `KvLedger::commit` (MVCC validation, block file
//! append + fsync, one durable batch with index, state and history) with a pre-set
//! all-valid TRANSACTIONS_FILTER.
//!
//! Run: `cargo bench --bench ledger -- --warm-up-time 1 --measurement-time 10`

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fabric::ledger::blkstorage::{BlockStore, BlockStoreConfig};
use fabric::ledger::history::HistoryDb;
use fabric::ledger::kvledger::{KvLedger, TxMgrState};
use fabric::ledger::kvstore::{KvStore, RedbStore};
use fabric::ledger::txmgr::LockBasedTxMgr;
use fabric::ledger::PeerLedger;
use fabric::protos::common::{Block, ChannelHeader, Envelope, Header, HeaderType, Payload};
use fabric::protos::kvrwset::{KvWrite, KvrwSet};
use fabric::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, ProposalResponsePayload,
    Transaction, TransactionAction,
};
use fabric::protos::rwset::{NsReadWriteSet, TxReadWriteSet};
use fabric::protoutil::{block_data_hash, block_header_hash, new_block};
use prost::Message;

const BLOCKS: u64 = 200;
const TXS: usize = 100;

fn endorser_tx(tx_id: &str, keys: &[String]) -> Vec<u8> {
    let kv = KvrwSet {
        writes: keys
            .iter()
            .map(|k| KvWrite {
                key: k.clone(),
                is_delete: false,
                value: vec![0x42; 100],
            })
            .collect(),
        ..Default::default()
    };
    let rwset = TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![NsReadWriteSet {
            namespace: "benchcc".into(),
            rwset: kv.encode_to_vec(),
            collection_hashed_rwset: vec![],
        }],
    };
    let action = ChaincodeAction {
        results: rwset.encode_to_vec(),
        ..Default::default()
    };
    let prp = ProposalResponsePayload {
        proposal_hash: vec![1; 32],
        extension: action.encode_to_vec(),
    };
    let cap = ChaincodeActionPayload {
        chaincode_proposal_payload: vec![],
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: prp.encode_to_vec(),
            endorsements: vec![],
        }),
    };
    let tx = Transaction {
        actions: vec![TransactionAction {
            header: vec![],
            payload: cap.encode_to_vec(),
        }],
    };
    let chdr = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        channel_id: "benchchannel".into(),
        tx_id: tx_id.into(),
        ..Default::default()
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: chdr.encode_to_vec(),
            signature_header: vec![],
        }),
        data: tx.encode_to_vec(),
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: vec![0; 70],
    }
    .encode_to_vec()
}

/// Genesis and BLOCKS chained blocks with all-valid filters.
fn chain() -> Vec<Block> {
    let mut out = Vec::new();
    let mut prev = Vec::new();
    for n in 0..=BLOCKS {
        let mut b = new_block(n, prev.clone());
        let txs = if n == 0 { 1 } else { TXS };
        b.data.as_mut().unwrap().data = (0..txs)
            .map(|t| {
                endorser_tx(
                    &format!("tx-{n}-{t}"),
                    &[format!("k{n}_{t}a"), format!("k{n}_{t}b")],
                )
            })
            .collect();
        b.header.as_mut().unwrap().data_hash = block_data_hash(b.data.as_ref().unwrap());
        b.metadata.as_mut().unwrap().metadata[2] = vec![0; txs];
        prev = block_header_hash(b.header.as_ref().unwrap());
        out.push(b);
    }
    out
}

fn open_ledger(dir: &std::path::Path) -> KvLedger {
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.join("store.redb")).unwrap());
    let blocks = BlockStore::open(
        &dir.join("chain"),
        store.clone(),
        BlockStoreConfig::default(),
    )
    .unwrap();
    let txmgr = Arc::new(LockBasedTxMgr::new("benchchannel", store.clone()).unwrap());
    KvLedger::open(
        "benchchannel",
        store.clone(),
        blocks,
        Arc::new(TxMgrState(txmgr)),
        Arc::new(HistoryDb::new(store)),
    )
    .unwrap()
}

fn commit_throughput(c: &mut Criterion) {
    let blocks = chain();
    let mut group = c.benchmark_group("kvledger_commit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BLOCKS * TXS as u64));
    group.bench_function("200 blocks x 100 txs x 2 writes", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let ledger = open_ledger(dir.path());
                ledger.commit_genesis(blocks[0].clone()).unwrap();
                let start = Instant::now();
                for block in &blocks[1..] {
                    ledger.commit(block.clone()).unwrap();
                }
                total += start.elapsed();
                assert_eq!(ledger.get_blockchain_info().unwrap().height, BLOCKS + 1);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, commit_throughput);
criterion_main!(benches);
