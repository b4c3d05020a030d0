//! Block storage against what Fabric v1.4.12 committed: the vector blocks of mychannel
//! appended through blkstorage read back byte for byte by number, hash and tx id, with the
//! validation codes Fabric recorded; a torn tail and a lost index are recovered on open.
//! Through the whole ledger (real txmgr and history), the ordered blocks committed with the
//! committer's filter come out equal to Fabric's committed blocks byte for byte (MVCC codes
//! and COMMIT_HASH included), also after a crash, a rollback and a reset.

use crate::support;

use std::path::Path;
use std::sync::Arc;

use fabric::ledger::blkstorage::blockfile::blockfile_path;
use fabric::ledger::blkstorage::serialization::tx_id_of_envelope;
use fabric::ledger::blkstorage::{BlockStore, BlockStoreConfig};
use fabric::ledger::kvledger::{reset_all, rollback, KvLedgerProvider};
use fabric::ledger::kvstore::{KvStore, RedbStore};
use fabric::ledger::{LedgerProvider, PeerLedger};
use fabric::protos::common::Block;
use fabric::protoutil::block_header_hash;
use prost::Message;

const BLOCKS: u64 = 14;

fn committed(vectors: &Path) -> Vec<(Vec<u8>, Block)> {
    (0..BLOCKS)
        .map(|n| {
            let path = vectors.join(format!("ledger/mychannel/committed/mychannel_{n}.block"));
            let bytes = std::fs::read(&path).unwrap();
            let block = Block::decode(bytes.as_slice()).unwrap();
            (bytes, block)
        })
        .collect()
}

fn open_with_store(dir: &Path, max: u64) -> (BlockStore, Arc<dyn KvStore>) {
    let kv: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.join("store.redb")).unwrap());
    let bs = BlockStore::open(
        &dir.join("chains/mychannel"),
        kv.clone(),
        BlockStoreConfig {
            max_blockfile_size: max,
        },
    )
    .unwrap();
    (bs, kv)
}

fn open(dir: &Path, max: u64) -> BlockStore {
    open_with_store(dir, max).0
}

fn check_all(bs: &BlockStore, blocks: &[(Vec<u8>, Block)]) {
    assert_eq!(bs.height(), BLOCKS);
    for (n, (bytes, block)) in blocks.iter().enumerate() {
        let n = n as u64;
        assert_eq!(
            &bs.block_by_number(n).unwrap().encode_to_vec(),
            bytes,
            "block {n}"
        );
        let hash = block_header_hash(block.header.as_ref().unwrap());
        assert_eq!(&bs.block_by_hash(&hash).unwrap().encode_to_vec(), bytes);
        let filter = &block.metadata.as_ref().unwrap().metadata[2];
        for (i, env) in block.data.as_ref().unwrap().data.iter().enumerate() {
            let tx_id = tx_id_of_envelope(env).unwrap();
            let ptx = bs.processed_tx_by_id(&tx_id).unwrap();
            assert_eq!(&ptx.transaction_envelope.unwrap().encode_to_vec(), env);
            assert_eq!(
                ptx.validation_code,
                i32::from(filter[i]),
                "block {n} tx {i}"
            );
            assert_eq!(&bs.block_by_tx_id(&tx_id).unwrap().encode_to_vec(), bytes);
            assert!(bs.tx_id_exists(&tx_id).unwrap());
            assert_eq!(&bs.tx_envelope(n, i as u64).unwrap().encode_to_vec(), env);
        }
    }
    let info = bs.blockchain_info();
    let last = blocks[BLOCKS as usize - 1].1.header.as_ref().unwrap();
    assert_eq!(info.current_block_hash, block_header_hash(last));
    assert_eq!(info.previous_block_hash, last.previous_hash);
}

#[test]
fn vector_blocks_read_back_byte_identical_with_fabric_codes() {
    let vectors = support::vectors_dir();
    let blocks = committed(&vectors);
    let dir = tempfile::tempdir().unwrap();
    {
        let bs = open(dir.path(), 20_000);
        for (_, b) in &blocks {
            bs.add_block(b).unwrap();
        }
        check_all(&bs, &blocks);
        // Codes Fabric decided (README table): block 5 endorsement failure, 6/1 MVCC.
        let tx5 = tx_id_of_envelope(&blocks[5].1.data.as_ref().unwrap().data[0]).unwrap();
        assert_eq!(bs.processed_tx_by_id(&tx5).unwrap().validation_code, 10);
        let tx61 = tx_id_of_envelope(&blocks[6].1.data.as_ref().unwrap().data[1]).unwrap();
        assert_eq!(bs.processed_tx_by_id(&tx61).unwrap().validation_code, 11);
    }
    // Small files roll over; everything survives a reopen.
    assert!(blockfile_path(&dir.path().join("chains/mychannel"), 3).exists());
    let bs = open(dir.path(), 20_000);
    check_all(&bs, &blocks);
}

#[test]
fn torn_tail_and_lost_index_are_recovered_from_the_files() {
    let vectors = support::vectors_dir();
    let blocks = committed(&vectors);
    let dir = tempfile::tempdir().unwrap();
    {
        let bs = open(dir.path(), 64 * 1024 * 1024);
        for (_, b) in &blocks {
            bs.add_block(b).unwrap();
        }
    }
    let file = blockfile_path(&dir.path().join("chains/mychannel"), 0);
    let good = std::fs::metadata(&file).unwrap().len();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(&[0xa0, 0x9c, 0x01, 0x01, 0x02]); // a record cut short
    std::fs::write(&file, &bytes).unwrap();
    std::fs::remove_file(dir.path().join("store.redb")).unwrap();
    let (bs, kv) = open_with_store(dir.path(), 64 * 1024 * 1024);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), good);
    assert_eq!(bs.unindexed_blocks(), (0..BLOCKS).collect::<Vec<_>>());
    while let Some((_, pending)) = bs.next_unindexed().unwrap() {
        let mut wb = fabric::ledger::kvstore::WriteBatch::new();
        bs.index_ops(&pending, &mut wb).unwrap();
        kv.write(wb, true).unwrap();
        bs.reindexed(pending);
    }
    check_all(&bs, &blocks);
}

fn ordered(vectors: &Path, n: u64) -> Block {
    let path = vectors.join(format!("ledger/mychannel/ordered/mychannel_{n}.block"));
    Block::decode(std::fs::read(path).unwrap().as_slice()).unwrap()
}

/// Commits the vector's ordered blocks through the real ledger with the committer's
/// filter (the vector's codes with MVCC conflicts put back to VALID).
fn commit_vector_chain(
    vectors: &Path,
    fs: &Path,
    upto: u64,
) -> (KvLedgerProvider, Arc<fabric::ledger::kvledger::KvLedger>) {
    let provider = KvLedgerProvider::open_default(fs).unwrap();
    let ledger = provider.create_kv_ledger(&ordered(vectors, 0)).unwrap();
    let blocks = committed(vectors);
    for n in 1..upto {
        ledger
            .commit(ordered_with_filter(vectors, &blocks, n))
            .unwrap();
    }
    (provider, ledger)
}

#[test]
fn committed_blocks_equal_fabric_byte_for_byte() {
    let vectors = support::vectors_dir();
    let blocks = committed(&vectors);
    let dir = tempfile::tempdir().unwrap();
    let (_p, ledger) = commit_vector_chain(&vectors, dir.path(), BLOCKS);
    for (n, (bytes, _)) in blocks.iter().enumerate() {
        let ours = ledger
            .get_block_by_number(n as u64)
            .unwrap()
            .encode_to_vec();
        assert!(
            ours == *bytes,
            "block {n} differs from what Fabric committed"
        );
    }
    check_world_state(ledger.as_ref());
}

fn check_world_state(ledger: &dyn PeerLedger) {
    assert_eq!(ledger.get_blockchain_info().unwrap().height, BLOCKS);
    let qe = ledger.new_query_executor().unwrap();
    assert_eq!(qe.get_state("mycc", "a").unwrap(), Some(b"89".to_vec()));
    assert_eq!(qe.get_state("mycc", "b").unwrap(), Some(b"211".to_vec()));
    assert_eq!(qe.get_state("marbles", "marble1").unwrap(), None);
    let hqe = ledger.new_history_query_executor().unwrap();
    let history: Vec<_> = hqe
        .get_history_for_key("marbles", "marble1")
        .unwrap()
        .map(|m| m.unwrap())
        .collect();
    assert_eq!(history.len(), 3);
    let mut ids: Vec<_> = history.iter().map(|m| &m.tx_id[..8]).collect();
    ids.sort();
    assert_eq!(ids, vec!["241c1b5c", "2aec1b16", "e7036c0f"]);
    assert!(history.iter().any(|m| m.is_delete));
}

#[test]
fn recovery_after_crash_and_rollback_reset_on_vector_chain() {
    let vectors = support::vectors_dir();
    let blocks = committed(&vectors);
    let dir = tempfile::tempdir().unwrap();
    {
        let (_p, ledger) = commit_vector_chain(&vectors, dir.path(), 12);
        // Crash after block 12 and 13 reached the file, before their batches.
        ledger.block_store().append(&blocks[12].1).unwrap();
        ledger.block_store().append(&blocks[13].1).unwrap();
    }
    {
        let provider = KvLedgerProvider::open_default(dir.path()).unwrap();
        assert_eq!(provider.list().unwrap(), vec!["mychannel".to_string()]);
        let ledger = provider.open("mychannel").unwrap();
        check_world_state(ledger.as_ref());
        let tx13 = "241c1b5c278f";
        let block = ledger.get_block_by_number(13).unwrap();
        assert_eq!(block.encode_to_vec(), blocks[13].0);
        let full = fabric::ledger::blkstorage::serialization::tx_id_of_envelope(
            &block.data.as_ref().unwrap().data[0],
        )
        .unwrap();
        assert!(full.starts_with(tx13));
        assert!(ledger.tx_id_exists(&full).unwrap());
    }
    // Roll back to block 6, reopen: replayed state; commit 7..13 again, same bytes.
    rollback(dir.path(), "mychannel", 6).unwrap();
    {
        let provider = KvLedgerProvider::open_default(dir.path()).unwrap();
        let ledger = provider.open_kv_ledger("mychannel").unwrap();
        assert_eq!(ledger.get_blockchain_info().unwrap().height, 7);
        let qe = ledger.new_query_executor().unwrap();
        assert_eq!(qe.get_state("mycc", "a").unwrap(), Some(b"89".to_vec()));
        assert_eq!(qe.get_state("marbles", "marble1").unwrap(), None);
        drop(qe);
        for n in 7..BLOCKS {
            ledger
                .commit(ordered_with_filter(&vectors, &blocks, n))
                .unwrap();
            let ours = ledger.get_block_by_number(n).unwrap().encode_to_vec();
            assert!(ours == blocks[n as usize].0, "block {n} after rollback");
        }
    }
    // Reset: back to genesis; block 1 recommitted gets Fabric's commit hash again.
    reset_all(dir.path()).unwrap();
    let provider = KvLedgerProvider::open_default(dir.path()).unwrap();
    let ledger = provider.open_kv_ledger("mychannel").unwrap();
    assert_eq!(ledger.get_blockchain_info().unwrap().height, 1);
    ledger
        .commit(ordered_with_filter(&vectors, &blocks, 1))
        .unwrap();
    assert!(ledger.get_block_by_number(1).unwrap().encode_to_vec() == blocks[1].0);
}

fn ordered_with_filter(vectors: &Path, blocks: &[(Vec<u8>, Block)], n: u64) -> Block {
    let mut block = ordered(vectors, n);
    let filter: Vec<u8> = blocks[n as usize].1.metadata.as_ref().unwrap().metadata[2]
        .iter()
        .map(|&c| if c == 11 || c == 12 { 0 } else { c })
        .collect();
    block.metadata.as_mut().unwrap().metadata[2] = filter;
    block
}
