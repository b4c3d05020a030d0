//! The history database (Fabric's `historydb/historyleveldb`): for every write (including
//! deletes) of every valid endorser transaction, an empty-valued key
//! `0x02 ns 0x00 key 0x00 block tx` (numbers order-preserving encoded), so that the writes of
//! a key are found in (block, tx) order by one range scan. Values and timestamps are read
//! back from the transactions in the block store (through [`BlockTxSource`]).
//! The savepoint `0x02` holds (block number, number of transactions in it), as Fabric's.

use std::sync::Arc;

use crate::ledger::kvstore::{KvIter, KvStore, WriteBatch};
use crate::ledger::statedb::{
    decode_order_preserving_u64, encode_order_preserving_u64, height_from_bytes, height_to_bytes,
};
use crate::ledger::txmgr::block_txs::{chaincode_action, envelope_header, payload_header};
use crate::ledger::txmgr::rwset::{is_kv_write_delete, TxRwSet};
use crate::ledger::{Height, HistoryQueryExecutor, LedgerError, LedgerResult};
use crate::protos::common::{Block, Envelope, HeaderType};
use crate::protos::peer::TxValidationCode;
use crate::protos::queryresult::KeyModification;

/// First byte of every history key in a channel's store.
pub const HISTORY_PREFIX: u8 = 0x02;
const SEP: u8 = 0x00;

/// Where the history query executor reads a transaction back from (the block store).
pub trait BlockTxSource: Send + Sync {
    /// The envelope of transaction `tx_num` of block `block_num`; [`LedgerError::NotFound`]
    /// when there is none.
    fn tx_envelope(&self, block_num: u64, tx_num: u64) -> LedgerResult<Envelope>;
}

fn key_prefix(ns: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(3 + ns.len() + key.len());
    k.push(HISTORY_PREFIX);
    k.extend_from_slice(ns.as_bytes());
    k.push(SEP);
    k.extend_from_slice(key.as_bytes());
    k.push(SEP);
    k
}

/// The history key of one write.
pub fn history_key(ns: &str, key: &str, block_num: u64, tx_num: u64) -> Vec<u8> {
    let mut k = key_prefix(ns, key);
    k.extend(encode_order_preserving_u64(block_num));
    k.extend(encode_order_preserving_u64(tx_num));
    k
}

/// One channel's history database.
pub struct HistoryDb {
    store: Arc<dyn KvStore>,
}

impl HistoryDb {
    pub fn new(store: Arc<dyn KvStore>) -> Self {
        HistoryDb { store }
    }

    /// Puts the history keys of the block's valid endorser transactions and the history
    /// savepoint into `wb`. `codes` are the final validation codes (after MVCC).
    pub fn commit_ops(
        &self,
        block: &Block,
        codes: &[TxValidationCode],
        wb: &mut WriteBatch,
    ) -> LedgerResult<()> {
        let (block_num, data) = crate::ledger::txmgr::block_txs::numbered_data(block, codes)?;
        for (tx_num, env_bytes) in data.iter().enumerate() {
            if codes[tx_num] != TxValidationCode::Valid {
                continue;
            }
            let bad = |e: String| {
                LedgerError::InvalidBlock(format!(
                    "block [{block_num}] transaction [{tx_num}]: {e}"
                ))
            };
            let (payload, chdr) = envelope_header(env_bytes).map_err(|e| bad(e.to_string()))?;
            if chdr.r#type != HeaderType::EndorserTransaction as i32 {
                continue;
            }
            let action = chaincode_action(&payload).map_err(|e| bad(e.to_string()))?;
            let rwset =
                TxRwSet::from_proto_bytes(&action.results).map_err(|e| bad(e.to_string()))?;
            for ns in &rwset.ns_rw_sets {
                for w in &ns.kv_rw_set.writes {
                    wb.put(
                        history_key(&ns.namespace, &w.key, block_num, tx_num as u64),
                        Vec::new(),
                    );
                }
            }
        }
        wb.put(
            vec![HISTORY_PREFIX],
            height_to_bytes(Height::new(block_num, data.len() as u64)),
        );
        Ok(())
    }

    /// (last block number, number of its transactions), if any block was recorded.
    pub fn last_savepoint(&self) -> LedgerResult<Option<Height>> {
        match self.store.get(&[HISTORY_PREFIX])? {
            None => Ok(None),
            Some(b) => Ok(Some(height_from_bytes(&b)?.0)),
        }
    }

    pub fn new_query_executor(
        &self,
        blocks: Arc<dyn BlockTxSource>,
    ) -> Box<dyn HistoryQueryExecutor> {
        Box::new(HistoryQueryExecutorImpl {
            store: self.store.clone(),
            blocks,
        })
    }
}

struct HistoryQueryExecutorImpl {
    store: Arc<dyn KvStore>,
    blocks: Arc<dyn BlockTxSource>,
}

impl HistoryQueryExecutor for HistoryQueryExecutorImpl {
    fn get_history_for_key(
        &self,
        namespace: &str,
        key: &str,
    ) -> LedgerResult<Box<dyn Iterator<Item = LedgerResult<KeyModification>> + Send>> {
        let start = key_prefix(namespace, key);
        let mut end = start.clone();
        end.push(0xff);
        let itr = self.store.snapshot()?.range(&start, &end)?;
        Ok(Box::new(HistoryScanner {
            prefix_len: start.len(),
            namespace: namespace.to_string(),
            key: key.to_string(),
            itr,
            blocks: self.blocks.clone(),
        }))
    }
}

/// Walks a key's history entries in (block, tx) order, reading each write back from its
/// transaction; entries of other keys sharing the prefix are skipped, as in Fabric.
struct HistoryScanner {
    prefix_len: usize,
    namespace: String,
    key: String,
    itr: KvIter,
    blocks: Arc<dyn BlockTxSource>,
}

impl HistoryScanner {
    fn next_modification(&mut self) -> LedgerResult<Option<KeyModification>> {
        loop {
            let Some(item) = self.itr.next() else {
                return Ok(None);
            };
            let (k, _) = item?;
            let Some((block_num, tx_num)) = decode_block_tx(&k[self.prefix_len..]) else {
                continue;
            };
            let env = match self.blocks.tx_envelope(block_num, tx_num) {
                Ok(env) => env,
                Err(LedgerError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            if let Some(m) = key_modification(&env, &self.namespace, &self.key)? {
                return Ok(Some(m));
            }
        }
    }
}

impl Iterator for HistoryScanner {
    type Item = LedgerResult<KeyModification>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_modification().transpose()
    }
}

fn decode_block_tx(b: &[u8]) -> Option<(u64, u64)> {
    let (block_num, n1) = decode_order_preserving_u64(b).ok()?;
    let (tx_num, n2) = decode_order_preserving_u64(&b[n1..]).ok()?;
    (n1 + n2 == b.len()).then_some((block_num, tx_num))
}

/// The write of `ns`/`key` in the transaction, with its tx id and timestamp.
fn key_modification(env: &Envelope, ns: &str, key: &str) -> LedgerResult<Option<KeyModification>> {
    let corrupt = |e: String| LedgerError::Corrupt(format!("history transaction: {e}"));
    let (payload, chdr) = payload_header(env).map_err(|e| corrupt(e.to_string()))?;
    let action = chaincode_action(&payload).map_err(|e| corrupt(e.to_string()))?;
    let rwset = TxRwSet::from_proto_bytes(&action.results).map_err(|e| corrupt(e.to_string()))?;
    let Some(nsrw) = rwset.ns_rw_sets.iter().find(|n| n.namespace == ns) else {
        return Ok(None);
    };
    Ok(nsrw
        .kv_rw_set
        .writes
        .iter()
        .find(|w| w.key == key)
        .map(|w| KeyModification {
            tx_id: chdr.tx_id.clone(),
            value: w.value.clone(),
            timestamp: chdr.timestamp,
            is_delete: is_kv_write_delete(w),
        }))
}

#[cfg(test)]
mod tests;
