use super::*;
use crate::ledger::kvstore::RedbStore;
use crate::protos::common::{ChannelHeader, Header, Payload};

pub(crate) fn envelope(tx_id: &str) -> Vec<u8> {
    let chdr = ChannelHeader {
        r#type: 3,
        tx_id: tx_id.to_string(),
        ..Default::default()
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: chdr.encode_to_vec(),
            signature_header: Vec::new(),
        }),
        data: tx_id.as_bytes().to_vec(),
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: vec![1, 2, 3],
    }
    .encode_to_vec()
}

pub(crate) fn block(number: u64, previous_hash: Vec<u8>, tx_ids: &[&str], codes: &[u8]) -> Block {
    let mut b = crate::protoutil::new_block(number, previous_hash);
    b.data.as_mut().unwrap().data = tx_ids.iter().map(|t| envelope(t)).collect();
    b.header.as_mut().unwrap().data_hash =
        crate::protoutil::block_data_hash(b.data.as_ref().unwrap());
    b.metadata.as_mut().unwrap().metadata[BlockMetadataIndex::TransactionsFilter as usize] =
        codes.to_vec();
    b
}

fn open(dir: &Path, max: u64) -> BlockStore {
    let kv: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.join("index.redb")).unwrap());
    BlockStore::open(
        &dir.join("chain"),
        kv,
        BlockStoreConfig {
            max_blockfile_size: max,
        },
    )
    .unwrap()
}

/// Blocks 0..n, block i holding txs "tx<i>a", "tx<i>b".
fn chain(n: u64) -> Vec<Block> {
    let mut prev = Vec::new();
    let mut out = Vec::new();
    for i in 0..n {
        let a = format!("tx{i}a");
        let b = format!("tx{i}b");
        let blk = block(i, prev.clone(), &[&a, &b], &[0, 11]);
        prev = block_header_hash(blk.header.as_ref().unwrap());
        out.push(blk);
    }
    out
}

#[test]
fn blocks_read_back_by_number_hash_and_tx_id() {
    let dir = tempfile::tempdir().unwrap();
    let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
    let blocks = chain(5);
    for b in &blocks {
        bs.add_block(b).unwrap();
    }
    let info = bs.blockchain_info();
    assert_eq!(info.height, 5);
    assert_eq!(
        info.current_block_hash,
        block_header_hash(blocks[4].header.as_ref().unwrap())
    );
    assert_eq!(
        info.previous_block_hash,
        blocks[4].header.as_ref().unwrap().previous_hash
    );
    for b in &blocks {
        let n = b.header.as_ref().unwrap().number;
        assert_eq!(&bs.block_by_number(n).unwrap(), b);
        let hash = block_header_hash(b.header.as_ref().unwrap());
        assert_eq!(&bs.block_by_hash(&hash).unwrap(), b);
        assert_eq!(&bs.block_by_tx_id(&format!("tx{n}b")).unwrap(), b);
    }
    assert_eq!(bs.block_by_number(u64::MAX).unwrap(), blocks[4]);
    let err = bs.block_by_number(5).unwrap_err();
    assert_eq!(err.to_string(), NOT_FOUND_IN_INDEX);
    assert!(bs.block_by_hash(&[0; 32]).is_err());
    let ptx = bs.processed_tx_by_id("tx3b").unwrap();
    assert_eq!(ptx.validation_code, 11);
    assert_eq!(
        ptx.transaction_envelope.unwrap().encode_to_vec(),
        envelope("tx3b")
    );
    assert_eq!(
        bs.tx_validation_code_by_id("tx2a").unwrap(),
        TxValidationCode::Valid
    );
    assert!(bs.tx_id_exists("tx0a").unwrap());
    assert!(!bs.tx_id_exists("nope").unwrap());
    assert_eq!(
        bs.tx_envelope(1, 1).unwrap().encode_to_vec(),
        envelope("tx1b")
    );
    assert!(bs.tx_envelope(1, 2).is_err());
}

#[test]
fn wrong_number_or_previous_hash_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
    let blocks = chain(2);
    let err = bs.add_block(&blocks[1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid block: block number should have been 0 but was 1"
    );
    bs.add_block(&blocks[0]).unwrap();
    let bad = block(1, vec![9; 32], &["x"], &[0]);
    let err = bs.add_block(&bad).unwrap_err().to_string();
    assert!(err.contains("unexpected Previous block hash"), "{err}");
    bs.add_block(&blocks[1]).unwrap();
}

#[test]
fn duplicate_tx_ids_keep_the_first_occurrence() {
    let dir = tempfile::tempdir().unwrap();
    let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
    let b0 = block(0, vec![], &["dup", "dup"], &[0, 0]);
    bs.add_block(&b0).unwrap();
    let b1 = block(
        1,
        block_header_hash(b0.header.as_ref().unwrap()),
        &["dup"],
        &[30],
    );
    bs.add_block(&b1).unwrap();
    assert_eq!(bs.block_by_tx_id("dup").unwrap(), b0);
    assert_eq!(
        bs.tx_validation_code_by_id("dup").unwrap(),
        TxValidationCode::Valid
    );
}

#[test]
fn files_roll_over_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = chain(12);
    {
        let bs = open(dir.path(), 300);
        for b in &blocks[..8] {
            bs.add_block(b).unwrap();
        }
    }
    let chain_dir = dir.path().join("chain");
    assert!(last_file_num(&chain_dir).unwrap().unwrap() >= 2);
    let bs = open(dir.path(), 300);
    assert_eq!(bs.height(), 8);
    for b in &blocks[8..] {
        bs.add_block(b).unwrap();
    }
    for (n, b) in blocks.iter().enumerate() {
        assert_eq!(&bs.block_by_number(n as u64).unwrap(), b);
    }
    for f in 0..=last_file_num(&chain_dir).unwrap().unwrap() {
        let len = std::fs::metadata(blockfile_path(&chain_dir, f))
            .unwrap()
            .len();
        assert!(len <= 300, "file {f} is {len} bytes");
    }
}

#[test]
fn torn_tail_is_cut_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = chain(3);
    {
        let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
        for b in &blocks[..2] {
            bs.add_block(b).unwrap();
        }
    }
    let file = blockfile_path(&dir.path().join("chain"), 0);
    let good = std::fs::metadata(&file).unwrap().len();
    let (bytes, _) = serialize_block(&blocks[2]);
    let mut torn = Vec::new();
    put_uvarint(bytes.len() as u64, &mut torn);
    torn.extend_from_slice(&bytes[..bytes.len() / 2]);
    let mut all = std::fs::read(&file).unwrap();
    all.extend_from_slice(&torn);
    std::fs::write(&file, all).unwrap();
    let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), good);
    assert_eq!(bs.height(), 2);
    assert!(bs.unindexed_blocks().is_empty());
    bs.add_block(&blocks[2]).unwrap();
    assert_eq!(bs.block_by_number(2).unwrap(), blocks[2]);
}

#[test]
fn blocks_appended_but_not_indexed_are_found_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = chain(4);
    {
        let bs = open(dir.path(), 700);
        bs.add_block(&blocks[0]).unwrap();
        // A crash after the file append, before the index batch.
        bs.append(&blocks[1]).unwrap();
        bs.append(&blocks[2]).unwrap();
    }
    let bs = open(dir.path(), 700);
    assert_eq!(bs.height(), 1);
    assert_eq!(bs.unindexed_blocks(), vec![1, 2]);
    assert!(bs.append(&blocks[3]).is_err());
    while let Some((blk, pending)) = bs.next_unindexed().unwrap() {
        assert_eq!(blk, blocks[pending.number() as usize]);
        let mut wb = WriteBatch::new();
        bs.index_ops(&pending, &mut wb).unwrap();
        bs.store.write(wb, true).unwrap();
        bs.reindexed(pending);
    }
    assert_eq!(bs.height(), 3);
    assert_eq!(bs.block_by_tx_id("tx2a").unwrap(), blocks[2]);
    bs.add_block(&blocks[3]).unwrap();
    drop(bs);
    let bs = open(dir.path(), 700);
    assert_eq!(bs.height(), 4);
    assert!(bs.unindexed_blocks().is_empty());
}

#[test]
fn abandoned_block_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = chain(2);
    let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
    bs.add_block(&blocks[0]).unwrap();
    let pending = bs.append(&blocks[1]).unwrap();
    bs.abandon(pending).unwrap();
    assert_eq!(bs.height(), 1);
    bs.add_block(&blocks[1]).unwrap();
    drop(bs);
    let bs = open(dir.path(), DEFAULT_MAX_BLOCKFILE_SIZE);
    assert_eq!(bs.height(), 2);
    assert_eq!(bs.block_by_number(1).unwrap(), blocks[1]);
}

#[test]
fn lost_index_is_rebuilt_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = chain(6);
    {
        let bs = open(dir.path(), 500);
        for b in &blocks {
            bs.add_block(b).unwrap();
        }
    }
    std::fs::remove_file(dir.path().join("index.redb")).unwrap();
    let bs = open(dir.path(), 500);
    assert_eq!(bs.height(), 0);
    assert_eq!(bs.unindexed_blocks(), (0..6).collect::<Vec<_>>());
}
