//! What the kvledger needs from the state and history databases, as small traits: the
//! transaction manager (`txmgr`) and the history database (`history`) implement them, and
//! the ledger composes them without knowing their storage layout.

use std::sync::Arc;

use crate::ledger::blkstorage::BlockStore;
use crate::ledger::kvstore::WriteBatch;
use crate::ledger::{Height, HistoryQueryExecutor, LedgerResult, QueryExecutor, TxSimulator};
use crate::protos::common::Block;
use crate::protos::peer::TxValidationCode;

/// The state side of a channel (Fabric's `TxMgr`).
pub trait StateManager: Send + Sync {
    fn new_tx_simulator(&self, tx_id: &str) -> LedgerResult<Box<dyn TxSimulator>>;
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>>;
    /// MVCC-validates the block's still-valid transactions in order (updating `codes`)
    /// and prepares the state updates of the valid ones.
    fn validate_and_prepare(
        &self,
        block: &Block,
        codes: &mut [TxValidationCode],
    ) -> LedgerResult<Box<dyn PreparedState>>;
    /// The last block whose updates are in the state database.
    fn last_savepoint(&self) -> LedgerResult<Option<Height>>;
}

/// The prepared state updates of one block.
pub trait PreparedState: Send {
    /// Fabric's deterministic update-batch bytes (input of the commit hash).
    fn update_batch_bytes(&self) -> Vec<u8>;
    /// Puts the updates and the state savepoint into the block's batch.
    fn commit_ops(&self, wb: &mut WriteBatch) -> LedgerResult<()>;
}

/// The history side of a channel (Fabric's `HistoryDB`).
pub trait HistoryManager: Send + Sync {
    /// Puts the history entries of the block's valid transactions and the history
    /// savepoint into the block's batch.
    fn commit_ops(
        &self,
        block: &Block,
        codes: &[TxValidationCode],
        wb: &mut WriteBatch,
    ) -> LedgerResult<()>;
    fn last_savepoint(&self) -> LedgerResult<Option<Height>>;
    fn new_query_executor(&self, blocks: Arc<BlockStore>) -> Box<dyn HistoryQueryExecutor>;
}
