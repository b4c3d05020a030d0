//! The transaction manager (Fabric's `txmgmt/txmgr/lockbasedtxmgr`): per channel, hands out
//! transaction simulators and query executors over the state database, and at commit
//! validates a block's read sets (MVCC, phantom reads) and prepares its state updates.
//!
//! Commit is split so that the ledger can write block, state and history in one atomic
//! batch: [`LockBasedTxMgr::validate_and_prepare`] marks conflicts and returns the
//! [`PreparedUpdates`]; [`LockBasedTxMgr::commit_ops`] puts them (and the state savepoint)
//! into the caller's [`WriteBatch`]. Simulators read a store snapshot, so a commit never
//! shows half-applied to them (Fabric gets this from its commit read-write lock).

pub mod block_txs;
mod query_executor;
pub mod query_results_helper;
pub mod rwset;
pub mod rwset_builder;
pub mod storage_metadata;
mod tx_ops;
pub mod updates;
mod validator;

pub use query_executor::{LockBasedQueryExecutor, LockBasedTxSimulator};
pub use updates::{HashedUpdateBatch, PubAndHashUpdates};

use std::sync::Arc;

use crate::ledger::kvstore::{KvStore, WriteBatch};
use crate::ledger::statedb::VersionedDb;
use crate::ledger::{Height, LedgerResult, QueryExecutor, TxSimulator};
use crate::protos::common::Block;
use crate::protos::peer::TxValidationCode;

use query_results_helper::DEFAULT_MAX_DEGREE;

/// The state updates of one validated block, ready to be committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedUpdates {
    block_num: u64,
    savepoint: Height,
    updates: PubAndHashUpdates,
}

impl PreparedUpdates {
    /// Fabric's deterministic bytes of the public and hashed updates, which feed the block's
    /// COMMIT_HASH.
    pub fn update_batch_bytes(&self) -> Vec<u8> {
        self.updates.deterministic_bytes()
    }

    pub fn block_num(&self) -> u64 {
        self.block_num
    }

    /// The height the state savepoint gets: (block number, index of its last transaction).
    pub fn savepoint(&self) -> Height {
        self.savepoint
    }

    pub fn updates(&self) -> &PubAndHashUpdates {
        &self.updates
    }
}

/// One channel's transaction manager over its [`KvStore`].
pub struct LockBasedTxMgr {
    ledger_id: String,
    db: VersionedDb,
    max_degree: u32,
}

impl LockBasedTxMgr {
    pub fn new(ledger_id: &str, store: Arc<dyn KvStore>) -> LedgerResult<Self> {
        Ok(LockBasedTxMgr {
            ledger_id: ledger_id.to_string(),
            db: VersionedDb::new(store),
            max_degree: DEFAULT_MAX_DEGREE,
        })
    }

    /// Sets the Merkle tree degree used to hash the reads of large range queries (at least 2;
    /// Fabric v1.4 always uses 50).
    pub fn with_max_degree_query_reads_hashing(mut self, max_degree: u32) -> Self {
        self.max_degree = max_degree;
        self
    }

    pub fn ledger_id(&self) -> &str {
        &self.ledger_id
    }

    /// The state database this manager reads and prepares writes for.
    pub fn state_db(&self) -> &VersionedDb {
        &self.db
    }

    pub fn new_tx_simulator(&self, tx_id: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        tracing::debug!(target: "lockbasedtxmgr", "constructing new tx simulator txid = [{tx_id}]");
        let snap = Arc::new(self.db.snapshot()?);
        Ok(Box::new(LockBasedTxSimulator::new(
            tx_id,
            snap,
            self.max_degree,
        )))
    }

    pub fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        let snap = Arc::new(self.db.snapshot()?);
        Ok(Box::new(LockBasedQueryExecutor::new(snap)))
    }

    /// MVCC + phantom validation of the block's still-valid transactions, in order; sets
    /// `codes[i]` to `MvccReadConflict` / `PhantomReadConflict` (or `NilTxaction` /
    /// `InvalidOtherReason` for an unreadable action or rwset) where Fabric would.
    pub fn validate_and_prepare(
        &self,
        block: &Block,
        codes: &mut [TxValidationCode],
    ) -> LedgerResult<PreparedUpdates> {
        let block_num = block.header.as_ref().map_or(0, |h| h.number);
        let txs = block_txs::preprocess(block, codes)?;
        let snap = self.db.snapshot()?;
        let mut updates = PubAndHashUpdates::default();
        for tx in txs {
            let code = validator::validate_tx(&tx.rwset, &snap, &updates)?;
            if code == TxValidationCode::Valid {
                let height = Height::new(block_num, tx.index as u64);
                tx_ops::apply_write_set(&tx.rwset, height, &mut updates, &snap)?;
            } else {
                tracing::warn!(target: "statebasedval", "Block [{block_num}] Transaction index [{}] TxId [{}] marked as invalid by state validator. Reason code [{}]", tx.index, tx.tx_id, code.as_str_name());
                codes[tx.index] = code;
            }
        }
        Ok(PreparedUpdates {
            block_num,
            savepoint: Height::new(block_num, (codes.len() as u64).saturating_sub(1)),
            updates,
        })
    }

    /// Prepares the updates of a block whose final codes are already known, without MVCC
    /// validation (Fabric's `ValidateAndPrepare(block, false)`, used when recommitting
    /// blocks the state database lost in a crash). Every transaction valid in `codes` is
    /// applied.
    pub fn prepare_without_validation(
        &self,
        block: &Block,
        codes: &[TxValidationCode],
    ) -> LedgerResult<PreparedUpdates> {
        let block_num = block.header.as_ref().map_or(0, |h| h.number);
        let mut codes = codes.to_vec();
        let txs = block_txs::preprocess(block, &mut codes)?;
        let snap = self.db.snapshot()?;
        let mut updates = PubAndHashUpdates::default();
        for tx in txs {
            let height = Height::new(block_num, tx.index as u64);
            tx_ops::apply_write_set(&tx.rwset, height, &mut updates, &snap)?;
        }
        Ok(PreparedUpdates {
            block_num,
            savepoint: Height::new(block_num, (codes.len() as u64).saturating_sub(1)),
            updates,
        })
    }

    /// Puts the state updates and the state savepoint into `wb`.
    pub fn commit_ops(&self, prepared: &PreparedUpdates, wb: &mut WriteBatch) -> LedgerResult<()> {
        self.db
            .commit_ops(&prepared.updates.to_state_batch(), prepared.savepoint, wb);
        Ok(())
    }

    /// The savepoint of the last committed block: (block number, index of its last tx).
    pub fn last_savepoint(&self) -> LedgerResult<Option<Height>> {
        self.db.savepoint()
    }
}

#[cfg(test)]
pub(crate) mod tests;
