//! What the kvledger needs from the state and history databases, as small traits: the
//! transaction manager (`txmgr`) and the history database (`history`) implement them, and
//! the ledger composes them without knowing their storage layout.

use std::sync::Arc;

use super::provider::LedgerComponents;
use crate::ledger::blkstorage::BlockStore;
use crate::ledger::history::{BlockTxSource, HistoryDb};
use crate::ledger::kvstore::{KvStore, WriteBatch};
use crate::ledger::txmgr::{LockBasedTxMgr, PreparedUpdates};
use crate::ledger::{Height, HistoryQueryExecutor, LedgerResult, QueryExecutor, TxSimulator};
use crate::protos::common::{Block, Envelope};
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

/// The transaction manager as the ledger's state side.
pub struct TxMgrState(pub Arc<LockBasedTxMgr>);

struct TxMgrPrepared {
    txmgr: Arc<LockBasedTxMgr>,
    updates: PreparedUpdates,
}

impl PreparedState for TxMgrPrepared {
    fn update_batch_bytes(&self) -> Vec<u8> {
        self.updates.update_batch_bytes()
    }
    fn commit_ops(&self, wb: &mut WriteBatch) -> LedgerResult<()> {
        self.txmgr.commit_ops(&self.updates, wb)
    }
}

impl StateManager for TxMgrState {
    fn new_tx_simulator(&self, tx_id: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        self.0.new_tx_simulator(tx_id)
    }
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        self.0.new_query_executor()
    }
    fn validate_and_prepare(
        &self,
        block: &Block,
        codes: &mut [TxValidationCode],
    ) -> LedgerResult<Box<dyn PreparedState>> {
        let updates = self.0.validate_and_prepare(block, codes)?;
        Ok(Box::new(TxMgrPrepared {
            txmgr: self.0.clone(),
            updates,
        }))
    }
    fn last_savepoint(&self) -> LedgerResult<Option<Height>> {
        self.0.last_savepoint()
    }
}

/// Lets the history database read transactions from the block store.
struct BlockSource(Arc<BlockStore>);

impl BlockTxSource for BlockSource {
    fn tx_envelope(&self, block_num: u64, tx_num: u64) -> LedgerResult<Envelope> {
        self.0.tx_envelope(block_num, tx_num)
    }
}

impl HistoryManager for HistoryDb {
    fn commit_ops(
        &self,
        block: &Block,
        codes: &[TxValidationCode],
        wb: &mut WriteBatch,
    ) -> LedgerResult<()> {
        HistoryDb::commit_ops(self, block, codes, wb)
    }
    fn last_savepoint(&self) -> LedgerResult<Option<Height>> {
        HistoryDb::last_savepoint(self)
    }
    fn new_query_executor(&self, blocks: Arc<BlockStore>) -> Box<dyn HistoryQueryExecutor> {
        HistoryDb::new_query_executor(self, Arc::new(BlockSource(blocks)))
    }
}

/// The peer's components: [`LockBasedTxMgr`] for state and [`HistoryDb`] for history.
pub struct DefaultComponents;

impl LedgerComponents for DefaultComponents {
    fn state(
        &self,
        ledger_id: &str,
        store: Arc<dyn KvStore>,
    ) -> LedgerResult<Arc<dyn StateManager>> {
        Ok(Arc::new(TxMgrState(Arc::new(LockBasedTxMgr::new(
            ledger_id, store,
        )?))))
    }
    fn history(
        &self,
        _ledger_id: &str,
        store: Arc<dyn KvStore>,
    ) -> LedgerResult<Arc<dyn HistoryManager>> {
        Ok(Arc::new(HistoryDb::new(store)))
    }
}
