//! KvLedger, provider, reset and rollback over small state and history databases that
//! keep real savepoints in the channel store (the real ones live in `txmgr`/`history`).

use std::path::Path;
use std::sync::Arc;

use prost::Message;

use super::provider::LedgerComponents;
use super::*;
use crate::ledger::blkstorage::serialization::tx_id_of_envelope;
use crate::ledger::blkstorage::{BlockStore, BlockStoreConfig};
use crate::ledger::kvstore::{KvStore, WriteBatch};
use crate::ledger::{
    Height, HistoryQueryExecutor, LedgerError, LedgerProvider, LedgerResult, PeerLedger,
    QueryExecutor, TxSimulator,
};
use crate::protos::common::{Block, ChannelHeader, Envelope, Header, Metadata, Payload};
use crate::protos::peer::TxValidationCode;
use crate::protoutil::BlockMetadataIndex;

/// State double: a valid tx writes `0x01 ‖ tx id` → block number; a tx whose id starts
/// with "conflict" fails MVCC; the update bytes are the valid tx ids joined.
pub(crate) struct TestState(pub Arc<dyn KvStore>);
struct TestPrepared(Vec<String>, u64);

impl PreparedState for TestPrepared {
    fn update_batch_bytes(&self) -> Vec<u8> {
        self.0.join(",").into_bytes()
    }
    fn commit_ops(&self, wb: &mut WriteBatch) -> LedgerResult<()> {
        for id in &self.0 {
            let mut k = vec![1u8];
            k.extend_from_slice(id.as_bytes());
            wb.put(k, self.1.to_be_bytes().to_vec());
        }
        wb.put(vec![1u8, 0], self.1.to_be_bytes().to_vec());
        Ok(())
    }
}

fn savepoint(store: &Arc<dyn KvStore>, key: &[u8]) -> LedgerResult<Option<Height>> {
    Ok(store.get(key)?.map(|v| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&v);
        Height::new(u64::from_be_bytes(b), 0)
    }))
}

impl StateManager for TestState {
    fn new_tx_simulator(&self, _: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        Err(LedgerError::InvalidRequest(
            "no simulator in this test".into(),
        ))
    }
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        Err(LedgerError::InvalidRequest(
            "no query executor in this test".into(),
        ))
    }
    fn validate_and_prepare(
        &self,
        block: &Block,
        codes: &mut [TxValidationCode],
    ) -> LedgerResult<Box<dyn PreparedState>> {
        let mut valid = Vec::new();
        for (i, env) in block.data.as_ref().unwrap().data.iter().enumerate() {
            let id = tx_id_of_envelope(env).unwrap_or_default();
            if codes[i] != TxValidationCode::Valid {
                continue;
            }
            if id.starts_with("conflict") {
                codes[i] = TxValidationCode::MvccReadConflict;
            } else {
                valid.push(id);
            }
        }
        Ok(Box::new(TestPrepared(
            valid,
            block.header.as_ref().unwrap().number,
        )))
    }
    fn last_savepoint(&self) -> LedgerResult<Option<Height>> {
        savepoint(&self.0, &[1, 0])
    }
}

pub(crate) struct TestHistory(pub Arc<dyn KvStore>);

impl HistoryManager for TestHistory {
    fn commit_ops(
        &self,
        block: &Block,
        _: &[TxValidationCode],
        wb: &mut WriteBatch,
    ) -> LedgerResult<()> {
        let n = block.header.as_ref().unwrap().number;
        wb.put(vec![2u8, 0], n.to_be_bytes().to_vec());
        Ok(())
    }
    fn last_savepoint(&self) -> LedgerResult<Option<Height>> {
        savepoint(&self.0, &[2, 0])
    }
    fn new_query_executor(&self, _: Arc<BlockStore>) -> Box<dyn HistoryQueryExecutor> {
        unimplemented!("not queried in these tests")
    }
}

pub(crate) struct TestComponents;

impl LedgerComponents for TestComponents {
    fn state(&self, _: &str, store: Arc<dyn KvStore>) -> LedgerResult<Arc<dyn StateManager>> {
        Ok(Arc::new(TestState(store)))
    }
    fn history(&self, _: &str, store: Arc<dyn KvStore>) -> LedgerResult<Arc<dyn HistoryManager>> {
        Ok(Arc::new(TestHistory(store)))
    }
}

fn env(channel: &str, tx_id: &str) -> Vec<u8> {
    let chdr = ChannelHeader {
        r#type: 3,
        channel_id: channel.into(),
        tx_id: tx_id.into(),
        ..Default::default()
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: chdr.encode_to_vec(),
            signature_header: vec![],
        }),
        data: vec![],
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: vec![],
    }
    .encode_to_vec()
}

fn make_block(number: u64, prev: Vec<u8>, tx_ids: &[String], filter: Option<Vec<u8>>) -> Block {
    let mut b = crate::protoutil::new_block(number, prev);
    b.data.as_mut().unwrap().data = tx_ids.iter().map(|t| env("ch1", t)).collect();
    b.header.as_mut().unwrap().data_hash =
        crate::protoutil::block_data_hash(b.data.as_ref().unwrap());
    b.metadata.as_mut().unwrap().metadata[BlockMetadataIndex::TransactionsFilter as usize] =
        filter.unwrap_or_else(|| vec![0; tx_ids.len()]);
    b
}

fn provider(fs: &Path) -> KvLedgerProvider {
    KvLedgerProvider::new(fs, Arc::new(TestComponents), BlockStoreConfig::default()).unwrap()
}

/// Genesis + blocks 1..n (two txs each; block 2's second tx conflicts).
fn next_block(l: &KvLedger) -> Block {
    let info = l.get_blockchain_info().unwrap();
    let n = info.height;
    let second = if n == 2 {
        format!("conflict{n}")
    } else {
        format!("t{n}b")
    };
    make_block(
        n,
        info.current_block_hash,
        &[format!("t{n}a"), second],
        None,
    )
}

fn commit_hash_of(b: &Block) -> Vec<u8> {
    let md = &b.metadata.as_ref().unwrap().metadata[BlockMetadataIndex::CommitHash as usize];
    Metadata::decode(md.as_slice()).unwrap().value
}

#[test]
fn commit_sets_filter_commit_hash_and_height() {
    let dir = tempfile::tempdir().unwrap();
    let p = provider(dir.path());
    let genesis = make_block(0, vec![], &["g".into()], Some(vec![]));
    let l = p.create_kv_ledger(&genesis).unwrap();
    assert_eq!(l.ledger_id(), "ch1");
    let mut watch = l.height_watch();
    assert_eq!(*watch.borrow_and_update(), 1);
    let g = l.get_block_by_number(0).unwrap();
    assert_eq!(transactions_filter_of(&g), vec![0]);
    assert!(g.metadata.as_ref().unwrap().metadata[3].is_empty());
    let mut prev_hash: Option<Vec<u8>> = None;
    for n in 1..=3u64 {
        let r = l.commit(next_block(&l)).unwrap();
        assert_eq!(r.block_number, n);
        let stored = l.get_block_by_number(n).unwrap();
        let filter = transactions_filter_of(&stored);
        let expected_codes: Vec<u8> = if n == 2 { vec![0, 11] } else { vec![0, 0] };
        assert_eq!(filter, expected_codes);
        let valid: Vec<String> = [format!("t{n}a"), format!("t{n}b")]
            .into_iter()
            .take(if n == 2 { 1 } else { 2 })
            .collect();
        let want = commit_hash(&filter, valid.join(",").as_bytes(), prev_hash.as_deref());
        assert_eq!(commit_hash_of(&stored), want);
        prev_hash = Some(want);
        assert!(watch.has_changed().unwrap());
        assert_eq!(*watch.borrow_and_update(), n + 1);
    }
    assert_eq!(
        l.get_tx_validation_code_by_tx_id("conflict2").unwrap(),
        TxValidationCode::MvccReadConflict
    );
    assert_eq!(
        l.get_transaction_by_id("t3b").unwrap().validation_code,
        TxValidationCode::Valid as i32
    );
}

fn transactions_filter_of(b: &Block) -> Vec<u8> {
    crate::ledger::blkstorage::transactions_filter(b)
}

#[test]
fn commit_hash_is_fabric_formula() {
    // uvarint(1) ‖ 0x00 ‖ "" ‖ no previous: sha256 of [1, 0].
    use sha2::{Digest, Sha256};
    assert_eq!(
        commit_hash(&[0], b"", None),
        Sha256::digest([1u8, 0]).to_vec()
    );
    assert_eq!(
        commit_hash(&[0, 11], b"ab", Some(b"p")),
        Sha256::digest([2u8, 0, 11, b'a', b'b', b'p']).to_vec()
    );
}

#[test]
fn missing_or_short_filter_is_an_invalid_block() {
    let dir = tempfile::tempdir().unwrap();
    let p = provider(dir.path());
    let l = p
        .create_kv_ledger(&make_block(0, vec![], &["g".into()], None))
        .unwrap();
    let mut b = next_block(&l);
    b.metadata.as_mut().unwrap().metadata[2] = vec![0];
    let err = l.commit(b.clone()).unwrap_err();
    assert!(matches!(err, LedgerError::InvalidBlock(_)), "{err}");
    b.metadata.as_mut().unwrap().metadata.truncate(2);
    assert!(matches!(
        l.commit(b).unwrap_err(),
        LedgerError::InvalidBlock(_)
    ));
    let wrong = make_block(5, vec![], &["x".into()], None);
    assert_eq!(
        l.commit(wrong).unwrap_err().to_string(),
        "invalid block: block number should have been 1 but was 5"
    );
    assert_eq!(l.get_blockchain_info().unwrap().height, 1);
}

#[test]
fn crash_between_block_append_and_batch_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let expected;
    {
        let p = provider(dir.path());
        let l = p
            .create_kv_ledger(&make_block(0, vec![], &["g".into()], None))
            .unwrap();
        l.commit(next_block(&l)).unwrap();
        // What commit would store for block 2, appended to the file only (no batch).
        let mut b = next_block(&l);
        b.metadata.as_mut().unwrap().metadata[2] = vec![0, 11];
        expected = b.clone();
        l.block_store().append(&b).unwrap();
        assert_eq!(l.get_blockchain_info().unwrap().height, 2);
    }
    let p = provider(dir.path());
    let l = p.open_kv_ledger("ch1").unwrap();
    assert_eq!(l.get_blockchain_info().unwrap().height, 3);
    assert_eq!(l.get_block_by_number(2).unwrap(), expected);
    assert_eq!(
        l.get_tx_validation_code_by_tx_id("conflict2").unwrap(),
        TxValidationCode::MvccReadConflict
    );
    let store = l.store_for_tests();
    assert_eq!(
        TestState(store.clone()).last_savepoint().unwrap(),
        Some(Height::new(2, 0))
    );
    assert_eq!(
        TestHistory(store.clone()).last_savepoint().unwrap(),
        Some(Height::new(2, 0))
    );
    assert!(store.get(b"\x01t2a").unwrap().is_some());
    assert!(store.get(b"\x01conflict2").unwrap().is_none());
    l.commit(next_block(&l)).unwrap();
}

#[test]
fn provider_create_open_list_and_under_construction() {
    let dir = tempfile::tempdir().unwrap();
    {
        let p = provider(dir.path());
        assert!(p.list().unwrap().is_empty());
        let g = make_block(0, vec![], &["g".into()], None);
        p.create(&g).unwrap();
        assert!(matches!(
            p.create(&g).err().unwrap(),
            LedgerError::LedgerExists(_)
        ));
        assert!(p.exists("ch1").unwrap());
        assert!(!p.exists("ch2").unwrap());
        assert_eq!(
            p.open("ch2").err().unwrap().to_string(),
            "ledger [ch2] does not exist"
        );
        let a = p.open("ch1").unwrap();
        let b = p.open("ch1").unwrap();
        assert_eq!(
            a.get_blockchain_info().unwrap(),
            b.get_blockchain_info().unwrap()
        );
        assert_eq!(p.list().unwrap(), vec!["ch1".to_string()]);
        let empty = Block::default();
        assert!(matches!(
            p.create(&empty).err().unwrap(),
            LedgerError::InvalidBlock(_)
        ));
    }
    // A crash while creating "zz" before its genesis block was committed.
    {
        let ids = crate::ledger::kvstore::RedbStore::open(&id_store_path(dir.path())).unwrap();
        let mut wb = WriteBatch::new();
        wb.put(b"underConstructionLedgerKey".to_vec(), b"zz".to_vec());
        ids.write(wb, true).unwrap();
    }
    let p = provider(dir.path());
    assert_eq!(p.list().unwrap(), vec!["ch1".to_string()]);
    assert!(!chain_dir(dir.path(), "zz").exists());
}

#[test]
fn under_construction_with_genesis_committed_is_completed() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store: Arc<dyn KvStore> = Arc::new(
            crate::ledger::kvstore::RedbStore::open(&channel_store_path(dir.path(), "ch1"))
                .unwrap(),
        );
        let blocks = BlockStore::open(
            &chain_dir(dir.path(), "ch1"),
            store.clone(),
            Default::default(),
        )
        .unwrap();
        let l = KvLedger::open(
            "ch1",
            store.clone(),
            blocks,
            Arc::new(TestState(store.clone())),
            Arc::new(TestHistory(store)),
        )
        .unwrap();
        l.commit_genesis(make_block(0, vec![], &["g".into()], None))
            .unwrap();
        let ids = crate::ledger::kvstore::RedbStore::open(&id_store_path(dir.path())).unwrap();
        let mut wb = WriteBatch::new();
        wb.put(b"underConstructionLedgerKey".to_vec(), b"ch1".to_vec());
        ids.write(wb, true).unwrap();
    }
    let p = provider(dir.path());
    assert_eq!(p.list().unwrap(), vec!["ch1".to_string()]);
    assert_eq!(
        p.open("ch1").unwrap().get_blockchain_info().unwrap().height,
        1
    );
}

fn build(dir: &Path, blocks: u64) -> Vec<Block> {
    let p = provider(dir);
    let l = p
        .create_kv_ledger(&make_block(0, vec![], &["g".into()], None))
        .unwrap();
    for _ in 1..blocks {
        l.commit(next_block(&l)).unwrap();
    }
    (0..blocks)
        .map(|n| l.get_block_by_number(n).unwrap())
        .collect()
}

#[test]
fn reset_goes_back_to_genesis_and_commit_hashes_restart() {
    let dir = tempfile::tempdir().unwrap();
    let before = build(dir.path(), 4);
    {
        let _p = provider(dir.path());
        let err = reset_all(dir.path()).unwrap_err();
        assert!(matches!(err, ResetError::Locked(_)), "{err}");
    }
    reset_all(dir.path()).unwrap();
    let p = provider(dir.path());
    let l = p.open_kv_ledger("ch1").unwrap();
    assert_eq!(l.get_blockchain_info().unwrap().height, 1);
    assert_eq!(l.get_block_by_number(0).unwrap(), before[0]);
    assert!(!l.tx_id_exists("t1a").unwrap());
    let store = l.store_for_tests();
    assert_eq!(
        TestState(store).last_savepoint().unwrap(),
        Some(Height::new(0, 0))
    );
    for n in 1..4 {
        l.commit(next_block(&l)).unwrap();
        assert_eq!(l.get_block_by_number(n).unwrap(), before[n as usize]);
    }
}

#[test]
fn rollback_keeps_blocks_up_to_target_and_replays_state() {
    let dir = tempfile::tempdir().unwrap();
    let before = build(dir.path(), 5);
    let err = rollback(dir.path(), "ch1", 4).unwrap_err();
    assert_eq!(
        err.to_string(),
        "target block number [4] should be less than the biggest block number [4]"
    );
    assert_eq!(
        rollback(dir.path(), "nope", 1).unwrap_err().to_string(),
        "ledgerID [nope] does not exist"
    );
    rollback(dir.path(), "ch1", 2).unwrap();
    let p = provider(dir.path());
    let l = p.open_kv_ledger("ch1").unwrap();
    assert_eq!(l.get_blockchain_info().unwrap().height, 3);
    assert_eq!(l.get_block_by_number(2).unwrap(), before[2]);
    assert!(!l.tx_id_exists("t3a").unwrap());
    let store = l.store_for_tests();
    assert_eq!(
        TestState(store.clone()).last_savepoint().unwrap(),
        Some(Height::new(2, 0))
    );
    assert!(store.get(b"\x01t1b").unwrap().is_some());
    assert!(store.get(b"\x01t3a").unwrap().is_none());
    l.commit(next_block(&l)).unwrap();
    assert_eq!(l.get_block_by_number(3).unwrap(), before[3]);
}
