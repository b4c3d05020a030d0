//! Replays the Fabric v1.4.12 vector channel `mychannel` through the transaction manager and
//! the history database: validation codes, commit hashes (which pin the deterministic update
//! bytes), re-simulated read-write sets, final world state and key history.

use crate::support;

use std::sync::Arc;

use prost::Message;
use sha2::{Digest, Sha256};

use fabric::ledger::history::{BlockTxSource, HistoryDb};
use fabric::ledger::kvstore::{KvStore, RedbStore, WriteBatch};
use fabric::ledger::txmgr::block_txs::{chaincode_action, envelope_header, CHANNEL_CONFIG_KEY};
use fabric::ledger::txmgr::rwset::TxRwSet;
use fabric::ledger::txmgr::LockBasedTxMgr;
use fabric::ledger::{Height, LedgerError, LedgerResult};
use fabric::protos::common::{Block, BlockMetadataIndex, Envelope, HeaderType, Metadata};
use fabric::protos::peer::TxValidationCode;

const BLOCKS: u64 = 14;

struct Blocks(Vec<Block>);

impl BlockTxSource for Blocks {
    fn tx_envelope(&self, block_num: u64, tx_num: u64) -> LedgerResult<Envelope> {
        let data = self
            .0
            .get(block_num as usize)
            .and_then(|b| b.data.as_ref())
            .and_then(|d| d.data.get(tx_num as usize))
            .ok_or_else(|| LedgerError::NotFound(format!("no tx {block_num}:{tx_num}")))?;
        Ok(Envelope::decode(data.as_slice()).unwrap())
    }
}

/// Codes as VSCC left them (README table): only block 5's tx failed the policy.
fn vscc_codes(block: &Block) -> Vec<TxValidationCode> {
    let n = block.data.as_ref().unwrap().data.len();
    let mut codes = vec![TxValidationCode::Valid; n];
    if block.header.as_ref().unwrap().number == 5 {
        codes[0] = TxValidationCode::EndorsementPolicyFailure;
    }
    codes
}

/// Re-executes the recorded reads, range queries and writes of an endorser transaction on
/// a fresh simulator and returns the results' bytes.
fn resimulate(mgr: &LockBasedTxMgr, rwset: &TxRwSet) -> Vec<u8> {
    let sim = mgr.new_tx_simulator("replay").unwrap();
    for ns in &rwset.ns_rw_sets {
        let n = &ns.namespace;
        for r in &ns.kv_rw_set.reads {
            sim.get_state(n, &r.key).unwrap();
        }
        for q in &ns.kv_rw_set.range_queries_info {
            let end = if q.itr_exhausted {
                q.end_key.as_str()
            } else {
                ""
            };
            let mut it = sim
                .get_state_range_scan_iterator(n, &q.start_key, end)
                .unwrap();
            while let Some(kv) = it.next().unwrap() {
                if !q.itr_exhausted && kv.key == q.end_key {
                    break;
                }
            }
        }
        for w in &ns.kv_rw_set.writes {
            sim.set_state(n, &w.key, w.value.clone()).unwrap();
        }
    }
    sim.get_tx_simulation_results().unwrap().encode_to_vec()
}

fn endorser_results(block: &Block) -> Vec<Option<Vec<u8>>> {
    block
        .data
        .as_ref()
        .unwrap()
        .data
        .iter()
        .map(|env| {
            let (payload, chdr) = envelope_header(env).unwrap();
            (chdr.r#type == HeaderType::EndorserTransaction as i32)
                .then(|| chaincode_action(&payload).unwrap().results)
        })
        .collect()
}

fn commit_hash(prev: &[u8], filter: &[u8], update_bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    prost::encoding::encode_varint(filter.len() as u64, &mut v);
    v.extend_from_slice(filter);
    v.extend_from_slice(update_bytes);
    v.extend_from_slice(prev);
    Sha256::digest(&v).to_vec()
}

#[test]
fn mychannel_replay_matches_fabric() {
    let vectors = support::vectors_dir();
    let ordered: Vec<Block> = (0..BLOCKS)
        .map(|n| support::vector_block(&vectors, "ledger/mychannel/ordered", "mychannel", n))
        .collect();
    let committed: Vec<Block> = (0..BLOCKS)
        .map(|n| support::vector_block(&vectors, "ledger/mychannel/committed", "mychannel", n))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.path().join("ch.db")).unwrap());
    let mgr = LockBasedTxMgr::new("mychannel", store.clone()).unwrap();
    let history = HistoryDb::new(store.clone());

    let mut prev_hash: Vec<u8> = Vec::new();
    let mut resimulated = 0;
    for (block, done) in ordered.iter().zip(&committed) {
        let number = block.header.as_ref().unwrap().number;
        for results in endorser_results(block).into_iter().flatten() {
            let rwset = TxRwSet::from_proto_bytes(&results).unwrap();
            assert_eq!(
                resimulate(&mgr, &rwset),
                results,
                "block {number} rwset bytes"
            );
            resimulated += 1;
        }

        let mut codes = vscc_codes(block);
        let prepared = mgr.validate_and_prepare(block, &mut codes).unwrap();
        let filter: Vec<u8> = codes.iter().map(|c| *c as u8).collect();
        let want_filter = &done.metadata.as_ref().unwrap().metadata
            [BlockMetadataIndex::TransactionsFilter as usize];
        assert_eq!(&filter, want_filter, "block {number} validation codes");

        if number >= 1 {
            let meta =
                &done.metadata.as_ref().unwrap().metadata[BlockMetadataIndex::CommitHash as usize];
            let want = Metadata::decode(meta.as_slice()).unwrap().value;
            let got = commit_hash(&prev_hash, &filter, &prepared.update_batch_bytes());
            assert_eq!(
                hex::encode(&got),
                hex::encode(&want),
                "block {number} commit hash"
            );
            prev_hash = got;
        }

        let mut wb = WriteBatch::new();
        mgr.commit_ops(&prepared, &mut wb).unwrap();
        history.commit_ops(block, &codes, &mut wb).unwrap();
        store.write(wb, true).unwrap();
    }
    assert_eq!(resimulated, 12, "every endorser transaction re-simulated");
    assert_eq!(mgr.last_savepoint().unwrap(), Some(Height::new(13, 0)));
    assert_eq!(history.last_savepoint().unwrap(), Some(Height::new(13, 1)));

    check_world_state(&mgr);
    check_history(&history, ordered);
}

fn check_world_state(mgr: &LockBasedTxMgr) {
    let qe = mgr.new_query_executor().unwrap();
    assert_eq!(qe.get_state("mycc", "a").unwrap().unwrap(), b"89");
    assert_eq!(qe.get_state("mycc", "b").unwrap().unwrap(), b"211");

    // The shim replaces an empty start key by "\x01", which skips composite keys.
    let mut it = qe
        .get_state_range_scan_iterator("marbles", "\u{1}", "")
        .unwrap();
    let mut got = Vec::new();
    while let Some(kv) = it.next().unwrap() {
        got.push((kv.key, String::from_utf8(kv.value).unwrap()));
    }
    let marble = |n: &str, color: &str, size: u32| {
        format!(
            r#"{{"docType":"marble","name":"{n}","color":"{color}","size":{size},"owner":"jerry"}}"#
        )
    };
    assert_eq!(
        got,
        vec![
            ("marble2".to_string(), marble("marble2", "red", 50)),
            ("marble3".to_string(), marble("marble3", "blue", 70)),
        ]
    );
    assert_eq!(qe.get_state("marbles", "marble1").unwrap(), None);

    for cc in ["mycc", "marbles"] {
        let data = qe.get_state("lscc", cc).unwrap().expect("lscc entry");
        let text = String::from_utf8_lossy(&data);
        assert!(
            text.contains(cc) && text.contains("escc") && text.contains("vscc"),
            "{text}"
        );
    }
    let config = qe
        .get_state("", CHANNEL_CONFIG_KEY)
        .unwrap()
        .expect("channel config");
    fabric::protos::common::Config::decode(config.as_slice()).unwrap();
}

fn check_history(history: &HistoryDb, blocks: Vec<Block>) {
    let qe = history.new_query_executor(Arc::new(Blocks(blocks)));
    let mods: Vec<_> = qe
        .get_history_for_key("marbles", "marble1")
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ids: Vec<_> = mods.iter().map(|m| &m.tx_id[..12]).collect();
    assert_eq!(ids, ["2aec1b160e9e", "e7036c0f780b", "241c1b5c278f"]);
    assert!(!mods[0].is_delete && !mods[1].is_delete && mods[2].is_delete);
    assert!(String::from_utf8_lossy(&mods[1].value).contains(r#""owner":"jerry""#));
    assert!(mods[2].value.is_empty());
    assert!(mods.iter().all(|m| m.timestamp.is_some()));
    // a, written by blocks 3 (init), 4 and 6 tx 0; block 5 and block 6 tx 1 were invalid
    let a: Vec<_> = qe
        .get_history_for_key("mycc", "a")
        .unwrap()
        .map(|m| m.unwrap().value)
        .collect();
    assert_eq!(a, [b"100".to_vec(), b"90".to_vec(), b"89".to_vec()]);
    assert_eq!(qe.get_history_for_key("mycc", "zz").unwrap().count(), 0);
}

#[test]
fn tampered_read_version_is_an_mvcc_conflict() {
    let vectors = support::vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.path().join("ch.db")).unwrap());
    let mgr = LockBasedTxMgr::new("mychannel", store.clone()).unwrap();
    for n in 0..4 {
        let b = support::vector_block(&vectors, "ledger/mychannel/ordered", "mychannel", n);
        let mut codes = vscc_codes(&b);
        let p = mgr.validate_and_prepare(&b, &mut codes).unwrap();
        let mut wb = WriteBatch::new();
        mgr.commit_ops(&p, &mut wb).unwrap();
        store.write(wb, true).unwrap();
    }
    // Block 6 reads a and b at the versions block 4 wrote; before block 4, they conflict.
    let b6 = support::vector_block(&vectors, "ledger/mychannel/ordered", "mychannel", 6);
    let mut codes = vscc_codes(&b6);
    let p = mgr.validate_and_prepare(&b6, &mut codes).unwrap();
    assert_eq!(codes, [TxValidationCode::MvccReadConflict; 2]);
    assert!(p.updates().pub_updates.is_empty());
}
