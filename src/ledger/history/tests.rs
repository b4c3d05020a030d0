use prost::Message;

use super::*;
use crate::ledger::kvstore::RedbStore;
use crate::ledger::txmgr::tests::{block, endorser_tx, envelope};
use crate::protos::rwset::TxReadWriteSet;

struct Blocks(Vec<Block>);

impl BlockTxSource for Blocks {
    fn tx_envelope(&self, block_num: u64, tx_num: u64) -> LedgerResult<Envelope> {
        let data = self
            .0
            .iter()
            .find(|b| b.header.as_ref().unwrap().number == block_num)
            .and_then(|b| b.data.as_ref().unwrap().data.get(tx_num as usize))
            .ok_or_else(|| LedgerError::NotFound(format!("{block_num}:{tx_num}")))?;
        Ok(Envelope::decode(data.as_slice()).unwrap())
    }
}

fn rwset(ns: &str, kvs: &[(&str, &str)]) -> TxReadWriteSet {
    let mut b = crate::ledger::txmgr::rwset_builder::RwSetBuilder::new();
    for (k, v) in kvs {
        b.add_to_write_set(ns, k, v.as_bytes().to_vec());
    }
    b.tx_read_write_set()
}

#[test]
fn records_valid_endorser_writes_in_block_order() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.path().join("db")).unwrap());
    let db = HistoryDb::new(store.clone());
    assert_eq!(db.last_savepoint().unwrap(), None);
    let blocks = vec![
        block(0, vec![envelope(HeaderType::Config, "", vec![])]),
        block(
            1,
            vec![
                endorser_tx("tx1", &rwset("cc", &[("k", "v1"), ("k\u{0}x", "other")])),
                endorser_tx("bad", &rwset("cc", &[("k", "never")])),
            ],
        ),
        block(2, vec![endorser_tx("tx2", &rwset("cc", &[("k", "")]))]),
        block(3, vec![endorser_tx("tx3", &rwset("cc", &[("k", "v3")]))]),
    ];
    let codes = [
        vec![TxValidationCode::Valid],
        vec![TxValidationCode::Valid, TxValidationCode::MvccReadConflict],
        vec![TxValidationCode::Valid],
        vec![TxValidationCode::Valid],
    ];
    for (b, c) in blocks.iter().zip(&codes) {
        let mut wb = WriteBatch::new();
        db.commit_ops(b, c, &mut wb).unwrap();
        store.write(wb, true).unwrap();
    }
    assert_eq!(db.last_savepoint().unwrap(), Some(Height::new(3, 1)));
    let qe = db.new_query_executor(Arc::new(Blocks(blocks.clone())));
    let mods: Vec<_> = qe
        .get_history_for_key("cc", "k")
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let got: Vec<_> = mods
        .iter()
        .map(|m| (m.tx_id.as_str(), m.value.clone(), m.is_delete))
        .collect();
    assert_eq!(
        got,
        [
            ("tx1", b"v1".to_vec(), false),
            ("tx2", vec![], true),
            ("tx3", b"v3".to_vec(), false)
        ]
    );
    assert_eq!(mods[0].timestamp.as_ref().unwrap().seconds, 1_700_000_000);
    let other: Vec<_> = qe
        .get_history_for_key("cc", "k\u{0}x")
        .unwrap()
        .map(|m| m.unwrap().tx_id)
        .collect();
    assert_eq!(other, ["tx1"]);
    assert_eq!(qe.get_history_for_key("cc2", "k").unwrap().count(), 0);

    // Entries whose transaction the block store no longer has are skipped.
    let qe = db.new_query_executor(Arc::new(Blocks(blocks[2..].to_vec())));
    assert_eq!(qe.get_history_for_key("cc", "k").unwrap().count(), 2);
}

#[test]
fn history_keys_sort_by_block_then_tx() {
    let a = history_key("ns", "k", 1, 9);
    let b = history_key("ns", "k", 2, 0);
    let c = history_key("ns", "k", 256, 0);
    assert!(a < b && b < c);
    assert_eq!(
        decode_block_tx(&c[key_prefix("ns", "k").len()..]),
        Some((256, 0))
    );
    assert_eq!(decode_block_tx(&[1, 2, 0, 7]), None);
}

#[test]
fn mismatched_codes_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.path().join("db")).unwrap());
    let db = HistoryDb::new(store);
    let b = block(1, vec![endorser_tx("t", &rwset("cc", &[("k", "v")]))]);
    let mut wb = WriteBatch::new();
    assert!(matches!(
        db.commit_ops(&b, &[], &mut wb),
        Err(LedgerError::InvalidBlock(_))
    ));
}
