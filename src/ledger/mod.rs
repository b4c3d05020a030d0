//! The peer ledger (Fabric's `core/ledger`): per channel, an append-only block store with
//! indexes, a versioned state database, a history database, the transaction manager that
//! simulates proposals and validates read sets (MVCC) at commit, and the provider that
//! creates, opens and lists ledgers by channel id.
//!
//! Map of the rooms (Fabric names):
//! - [`kvstore`]: the embedded store under every database (why redb: see there).
//! - `blkstorage`: block files + index by number, hash and tx id (with validation code).
//! - `statedb`: [`VersionedValue`]s by (namespace, key) with their [`Height`].
//! - `txmgr`: transaction simulator / query executor, read-write set building (including
//!   range query info with Merkle summaries), MVCC and phantom-read validation.
//! - `history`: key → (block, tx) list, queried through [`HistoryQueryExecutor`].
//! - `kvledger`: one channel's [`PeerLedger`]; commits block, state and history per block with
//!   savepoints and recovers after a crash; `provider` ([`LedgerProvider`]) holds the ledger
//!   id store.
//!
//! Everything here is synchronous (disk work); async callers use `spawn_blocking`. Waiting
//! for new blocks goes through [`PeerLedger::height_watch`].

pub mod blkstorage;
pub mod history;
pub mod kvledger;
pub mod kvstore;
pub mod statedb;
pub mod txmgr;

use crate::protos::common::{Block, BlockchainInfo};
use crate::protos::peer::{ProcessedTransaction, TxValidationCode};
use crate::protos::queryresult::KeyModification;
use crate::protos::rwset::TxReadWriteSet;

/// A version in the state database: the block and the transaction in it that wrote the
/// value (Fabric's `version.Height`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Height {
    pub block_num: u64,
    pub tx_num: u64,
}

impl Height {
    pub fn new(block_num: u64, tx_num: u64) -> Self {
        Height { block_num, tx_num }
    }
}

/// A value in the state database with its version and (v1.4 key-level endorsement)
/// metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedValue {
    pub value: Vec<u8>,
    pub metadata: Vec<u8>,
    pub version: Height,
}

/// One result of a state range query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryResult {
    pub namespace: String,
    pub key: String,
    pub value: Vec<u8>,
}

/// Errors of the ledger layer; each message is one line saying what failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger storage: {0}")]
    Storage(#[from] kvstore::KvError),
    #[error("ledger I/O on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("ledger [{0}] already exists")]
    LedgerExists(String),
    #[error("ledger [{0}] does not exist")]
    LedgerNotFound(String),
    #[error("{0}")]
    NotFound(String),
    #[error("invalid block: {0}")]
    InvalidBlock(String),
    #[error("ledger data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the transaction simulator has already produced its results")]
    SimulatorDone,
}

pub type LedgerResult<T> = Result<T, LedgerError>;

/// An iterator over state range-query results. A simulator records the range query info
/// of every iterator it opened (in opening order, whether dropped or not) when its results
/// are taken, as Fabric does.
pub trait ResultsIterator: Send {
    fn next(&mut self) -> LedgerResult<Option<QueryResult>>;
}

/// Reads of the latest committed state (Fabric's `QueryExecutor`). Reads through a
/// [`TxSimulator`] are recorded in its read set.
pub trait QueryExecutor: Send + Sync {
    fn get_state(&self, namespace: &str, key: &str) -> LedgerResult<Option<Vec<u8>>>;
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[String],
    ) -> LedgerResult<Vec<Option<Vec<u8>>>>;
    /// Keys in `[start, end)` of the namespace; empty `end` means "to the end".
    fn get_state_range_scan_iterator(
        &self,
        namespace: &str,
        start: &str,
        end: &str,
    ) -> LedgerResult<Box<dyn ResultsIterator>>;
    /// The key-level metadata (e.g. `VALIDATION_PARAMETER`) stored with a key.
    fn get_state_metadata(
        &self,
        namespace: &str,
        key: &str,
    ) -> LedgerResult<std::collections::BTreeMap<String, Vec<u8>>>;
}

/// Simulates one transaction against a snapshot of state, building its read-write set
/// (Fabric's `TxSimulator`).
pub trait TxSimulator: QueryExecutor {
    fn set_state(&self, namespace: &str, key: &str, value: Vec<u8>) -> LedgerResult<()>;
    fn delete_state(&self, namespace: &str, key: &str) -> LedgerResult<()>;
    fn set_state_metadata(
        &self,
        namespace: &str,
        key: &str,
        metadata: std::collections::BTreeMap<String, Vec<u8>>,
    ) -> LedgerResult<()>;
    fn delete_state_metadata(&self, namespace: &str, key: &str) -> LedgerResult<()>;
    /// The public read-write set, namespaces and keys in Fabric's (sorted) order. After
    /// this, further reads or writes fail with [`LedgerError::SimulatorDone`].
    fn get_tx_simulation_results(&self) -> LedgerResult<TxReadWriteSet>;
}

/// History of a key across committed, valid transactions, oldest first: in (block, tx)
/// order, as Fabric v1.4's leveldb history returns them.
pub trait HistoryQueryExecutor: Send + Sync {
    fn get_history_for_key(
        &self,
        namespace: &str,
        key: &str,
    ) -> LedgerResult<Box<dyn Iterator<Item = LedgerResult<KeyModification>> + Send>>;
}

/// What a commit did, for events and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitResult {
    pub block_number: u64,
    /// Final validation code of every transaction (after MVCC), in block order.
    pub tx_validation_codes: Vec<TxValidationCode>,
    /// How long the commit's parts took (for Fabric's ledger_* histograms).
    pub timings: CommitTimings,
}

/// How long a commit's parts took: the whole of it (MVCC validation and commit), the
/// append to the block files, and the one durable write of index, state and history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitTimings {
    pub block_processing: std::time::Duration,
    pub blockstorage: std::time::Duration,
    pub statedb: std::time::Duration,
}

/// One channel's ledger (Fabric's `PeerLedger`).
pub trait PeerLedger: Send + Sync {
    fn ledger_id(&self) -> &str;
    fn get_blockchain_info(&self) -> LedgerResult<BlockchainInfo>;
    /// `u64::MAX` asks for the last block, as in Fabric.
    fn get_block_by_number(&self, number: u64) -> LedgerResult<Block>;
    fn get_block_by_hash(&self, hash: &[u8]) -> LedgerResult<Block>;
    fn get_transaction_by_id(&self, tx_id: &str) -> LedgerResult<ProcessedTransaction>;
    fn get_block_by_tx_id(&self, tx_id: &str) -> LedgerResult<Block>;
    fn get_tx_validation_code_by_tx_id(&self, tx_id: &str) -> LedgerResult<TxValidationCode>;
    /// Whether a transaction with this id is already in the block store (any code).
    fn tx_id_exists(&self, tx_id: &str) -> LedgerResult<bool>;
    fn new_tx_simulator(&self, tx_id: &str) -> LedgerResult<Box<dyn TxSimulator>>;
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>>;
    fn new_history_query_executor(&self) -> LedgerResult<Box<dyn HistoryQueryExecutor>>;
    /// Commits a block whose TRANSACTIONS_FILTER the committer's validator has set: MVCC
    /// validation marks further invalid transactions, then block (with final filter and
    /// commit hash), state and history are committed as one unit.
    fn commit(&self, block: Block) -> LedgerResult<CommitResult>;
    /// The current height (last block number + 1); changes after every commit.
    fn height_watch(&self) -> tokio::sync::watch::Receiver<u64>;
}

/// Creates, opens and lists the channel ledgers under `peer.fileSystemPath` (Fabric's
/// `PeerLedgerProvider`, with its ledger id store).
pub trait LedgerProvider: Send + Sync {
    /// Creates a ledger from a channel's genesis block and commits that block.
    fn create(&self, genesis_block: &Block) -> LedgerResult<std::sync::Arc<dyn PeerLedger>>;
    fn open(&self, ledger_id: &str) -> LedgerResult<std::sync::Arc<dyn PeerLedger>>;
    fn exists(&self, ledger_id: &str) -> LedgerResult<bool>;
    /// Ledger ids in sorted order.
    fn list(&self) -> LedgerResult<Vec<String>>;
}
