//! [`KvLedger`]: commit and recovery of one channel.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use prost::Message;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::components::{HistoryManager, StateManager};
use crate::ledger::blkstorage::serialization::put_uvarint;
use crate::ledger::blkstorage::{transactions_filter, BlockStore, PendingBlock};
use crate::ledger::kvstore::{KvStore, WriteBatch};
use crate::ledger::{
    CommitResult, Height, HistoryQueryExecutor, LedgerError, LedgerResult, PeerLedger,
    QueryExecutor, TxSimulator,
};
use crate::protos::common::{Block, BlockchainInfo, Metadata};
use crate::protos::peer::{ProcessedTransaction, TxValidationCode};
use crate::protoutil::BlockMetadataIndex;

const FILTER: usize = BlockMetadataIndex::TransactionsFilter as usize;
const COMMIT_HASH: usize = BlockMetadataIndex::CommitHash as usize;

/// One channel's ledger.
pub struct KvLedger {
    ledger_id: String,
    store: Arc<dyn KvStore>,
    blocks: Arc<BlockStore>,
    state: Arc<dyn StateManager>,
    history: Arc<dyn HistoryManager>,
    /// Held for a whole commit (one at a time); holds the last commit hash.
    commit: Mutex<Option<Vec<u8>>>,
    height: watch::Sender<u64>,
}

/// Validation codes from a TRANSACTIONS_FILTER (unknown bytes read as INVALID_OTHER_REASON).
pub fn codes_from_filter(filter: &[u8]) -> Vec<TxValidationCode> {
    filter
        .iter()
        .map(|b| {
            TxValidationCode::try_from(i32::from(*b))
                .unwrap_or(TxValidationCode::InvalidOtherReason)
        })
        .collect()
}

/// Fabric v1.4.12 `addBlockCommitHash`: SHA-256 of uvarint(len(filter)) ‖ filter ‖
/// update batch bytes ‖ previous commit hash.
pub fn commit_hash(filter: &[u8], update_batch_bytes: &[u8], previous: Option<&[u8]>) -> Vec<u8> {
    let mut len = Vec::with_capacity(10);
    put_uvarint(filter.len() as u64, &mut len);
    let mut h = Sha256::new();
    h.update(&len);
    h.update(filter);
    h.update(update_batch_bytes);
    h.update(previous.unwrap_or_default());
    h.finalize().to_vec()
}

impl KvLedger {
    /// Composes a channel ledger and brings state and history up to the block store
    /// (Fabric's `recoverDBs`): blocks in the files beyond the index are re-indexed, and
    /// blocks beyond a database's savepoint are re-applied to it from their stored final
    /// filter.
    pub fn open(
        ledger_id: &str,
        store: Arc<dyn KvStore>,
        blocks: BlockStore,
        state: Arc<dyn StateManager>,
        history: Arc<dyn HistoryManager>,
    ) -> LedgerResult<Self> {
        let blocks = Arc::new(blocks);
        let ledger = KvLedger {
            ledger_id: ledger_id.to_string(),
            store,
            blocks,
            state,
            history,
            commit: Mutex::new(None),
            height: watch::channel(0).0,
        };
        ledger.recover()?;
        let height = ledger.blocks.height();
        let hash = ledger.last_persisted_commit_hash()?;
        *ledger.commit.lock().unwrap_or_else(|p| p.into_inner()) = hash;
        ledger.height.send_replace(height);
        Ok(ledger)
    }

    #[cfg(test)]
    pub(crate) fn store_for_tests(&self) -> Arc<dyn KvStore> {
        self.store.clone()
    }

    /// The channel's block store (for deliver, qscc and history queries).
    pub fn block_store(&self) -> &Arc<BlockStore> {
        &self.blocks
    }

    /// Commits the genesis block as `create` does: every transaction VALID, no commit hash.
    pub fn commit_genesis(&self, mut block: Block) -> LedgerResult<CommitResult> {
        let n = block.data.as_ref().map_or(0, |d| d.data.len());
        let metadata = block.metadata.get_or_insert_with(Default::default);
        if metadata.metadata.len() <= FILTER {
            metadata.metadata.resize(FILTER + 1, Vec::new());
        }
        metadata.metadata[FILTER] = vec![TxValidationCode::Valid as u8; n];
        self.commit_block(block)
    }

    fn last_persisted_commit_hash(&self) -> LedgerResult<Option<Vec<u8>>> {
        if self.blocks.height() == 0 {
            return Ok(None);
        }
        let block = self.blocks.block_by_number(u64::MAX)?;
        let Some(bytes) = block
            .metadata
            .as_ref()
            .and_then(|m| m.metadata.get(COMMIT_HASH))
        else {
            return Ok(None);
        };
        let md = Metadata::decode(bytes.as_slice()).map_err(|e| {
            LedgerError::Corrupt(format!(
                "the last block's commit hash cannot be decoded: {e}"
            ))
        })?;
        Ok((!md.value.is_empty()).then_some(md.value))
    }

    fn commit_block(&self, mut block: Block) -> LedgerResult<CommitResult> {
        let started = Instant::now();
        let mut last_hash = self.commit.lock().unwrap_or_else(|p| p.into_inner());
        let number = block
            .header
            .as_ref()
            .ok_or_else(|| LedgerError::InvalidBlock("block has no header".into()))?
            .number;
        let height = self.blocks.height();
        if number != height {
            return Err(LedgerError::InvalidBlock(format!(
                "block number should have been {height} but was {number}"
            )));
        }
        let tx_count = block.data.as_ref().map_or(0, |d| d.data.len());
        let filter = transactions_filter(&block);
        if filter.len() != tx_count {
            return Err(LedgerError::InvalidBlock(format!(
                "block {number} has a TRANSACTIONS_FILTER of {} byte(s) for {tx_count} \
                 transaction(s); the committer must set one validation code per transaction",
                filter.len()
            )));
        }
        let mut codes = codes_from_filter(&filter);
        let prepared = self.state.validate_and_prepare(&block, &mut codes)?;
        let filter: Vec<u8> = codes.iter().map(|c| *c as i32 as u8).collect();
        let metadata = block.metadata.get_or_insert_with(Default::default);
        if metadata.metadata.len() <= FILTER {
            metadata.metadata.resize(FILTER + 1, Vec::new());
        }
        metadata.metadata[FILTER] = filter.clone();
        let new_hash = if number == 1 || last_hash.is_some() {
            let h = commit_hash(
                &filter,
                &prepared.update_batch_bytes(),
                last_hash.as_deref(),
            );
            if metadata.metadata.len() <= COMMIT_HASH {
                metadata.metadata.resize(COMMIT_HASH + 1, Vec::new());
            }
            metadata.metadata[COMMIT_HASH] = Metadata {
                value: h.clone(),
                signatures: Vec::new(),
            }
            .encode_to_vec();
            Some(h)
        } else {
            None
        };
        let appending = Instant::now();
        let pending = self.blocks.append(&block)?;
        let blockstorage = appending.elapsed();
        let mut wb = WriteBatch::new();
        let ops = self
            .blocks
            .index_ops(&pending, &mut wb)
            .and_then(|_| prepared.commit_ops(&mut wb))
            .and_then(|_| self.history.commit_ops(&block, &codes, &mut wb));
        let writing = Instant::now();
        if let Err(e) = ops.and_then(|_| self.store.write(wb, true).map_err(LedgerError::from)) {
            self.blocks.abandon(pending)?;
            return Err(e);
        }
        self.blocks.committed(pending);
        let statedb = writing.elapsed();
        if new_hash.is_some() {
            *last_hash = new_hash;
        }
        let shown = hex::encode(last_hash.as_deref().unwrap_or_default());
        drop(last_hash);
        self.height.send_replace(number + 1);
        tracing::info!(target: "kvledger",
            "[{}] Committed block [{number}] with {tx_count} transaction(s) in {}ms commitHash=[{shown}]",
            self.ledger_id, started.elapsed().as_millis());
        Ok(CommitResult {
            block_number: number,
            tx_validation_codes: codes,
            timings: crate::ledger::CommitTimings {
                block_processing: started.elapsed(),
                blockstorage,
                statedb,
            },
        })
    }

    /// Brings index, state and history up to the blocks in the files.
    fn recover(&self) -> LedgerResult<()> {
        let indexed = self.blocks.height();
        let total = indexed + self.blocks.unindexed_blocks().len() as u64;
        let next_of = |sp: Option<Height>| sp.map_or(0, |h| h.block_num + 1);
        let state_next = next_of(self.state.last_savepoint()?);
        let history_next = next_of(self.history.last_savepoint()?);
        for (name, next) in [("state", state_next), ("history", history_next)] {
            if next > total {
                return Err(LedgerError::Corrupt(format!(
                    "the {name} database [height={next}] is ahead of the block store \
                     [height={total}]. This is possible when the {name} database is not \
                     dropped after a ledger reset/rollback. The {name} database can safely be \
                     dropped and will be rebuilt up to block store height upon the next peer \
                     start"
                )));
            }
        }
        let first = state_next.min(history_next).min(indexed);
        if first < total {
            tracing::info!(target: "kvledger",
                "[{}] Recommitting lost blocks - firstBlockNum={first}, lastBlockNum={}",
                self.ledger_id, total - 1);
        }
        for number in first..total {
            let (block, pending) = if number < indexed {
                (self.blocks.block_by_number(number)?, None)
            } else {
                let (b, p) = self.blocks.next_unindexed()?.ok_or_else(|| {
                    LedgerError::Corrupt(format!("block {number} vanished during recovery"))
                })?;
                (b, Some(p))
            };
            self.recommit(
                &block,
                pending,
                number >= state_next,
                number >= history_next,
            )?;
        }
        Ok(())
    }

    fn recommit(
        &self,
        block: &Block,
        pending: Option<PendingBlock>,
        to_state: bool,
        to_history: bool,
    ) -> LedgerResult<()> {
        let number = block.header.as_ref().map_or(0, |h| h.number);
        let stored = codes_from_filter(&transactions_filter(block));
        let tx_count = block.data.as_ref().map_or(0, |d| d.data.len());
        if stored.len() != tx_count {
            return Err(LedgerError::Corrupt(format!(
                "stored block {number} has {} validation code(s) for {tx_count} transaction(s)",
                stored.len()
            )));
        }
        let mut wb = WriteBatch::new();
        if let Some(p) = &pending {
            self.blocks.index_ops(p, &mut wb)?;
        }
        if to_state {
            let prepared = self.state.prepare_committed(block, &stored)?;
            prepared.commit_ops(&mut wb)?;
        }
        if to_history {
            self.history.commit_ops(block, &stored, &mut wb)?;
        }
        self.store.write(wb, true)?;
        if let Some(p) = pending {
            self.blocks.reindexed(p);
        }
        Ok(())
    }
}

impl PeerLedger for KvLedger {
    fn ledger_id(&self) -> &str {
        &self.ledger_id
    }
    fn get_blockchain_info(&self) -> LedgerResult<BlockchainInfo> {
        Ok(self.blocks.blockchain_info())
    }
    fn get_block_by_number(&self, number: u64) -> LedgerResult<Block> {
        self.blocks.block_by_number(number)
    }
    fn get_block_by_hash(&self, hash: &[u8]) -> LedgerResult<Block> {
        self.blocks.block_by_hash(hash)
    }
    fn get_transaction_by_id(&self, tx_id: &str) -> LedgerResult<ProcessedTransaction> {
        self.blocks.processed_tx_by_id(tx_id)
    }
    fn get_block_by_tx_id(&self, tx_id: &str) -> LedgerResult<Block> {
        self.blocks.block_by_tx_id(tx_id)
    }
    fn get_tx_validation_code_by_tx_id(&self, tx_id: &str) -> LedgerResult<TxValidationCode> {
        self.blocks.tx_validation_code_by_id(tx_id)
    }
    fn tx_id_exists(&self, tx_id: &str) -> LedgerResult<bool> {
        self.blocks.tx_id_exists(tx_id)
    }
    fn new_tx_simulator(&self, tx_id: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        self.state.new_tx_simulator(tx_id)
    }
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        self.state.new_query_executor()
    }
    fn new_history_query_executor(&self) -> LedgerResult<Box<dyn HistoryQueryExecutor>> {
        Ok(self.history.new_query_executor(self.blocks.clone()))
    }
    fn commit(&self, block: Block) -> LedgerResult<CommitResult> {
        self.commit_block(block)
    }
    fn height_watch(&self) -> watch::Receiver<u64> {
        self.height.subscribe()
    }
}
