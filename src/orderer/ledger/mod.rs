//! The orderer's block ledger (Fabric's `blockledger`): one append-only chain of blocks per
//! channel behind the [`BlockLedger`] trait, a file implementation ([`FileLedger`]) under
//! `FileLedger.Location`, and [`BlockIterator`], which waits for blocks not yet written (what
//! Deliver's BLOCK_UNTIL_READY needs).

mod file;
mod iterator;

use std::sync::Arc;

pub use file::{FileLedger, FileLedgerFactory};
pub use iterator::BlockIterator;

use crate::protos::common::Block;

/// Why a ledger could not be opened, read or appended to.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A file operation failed (disk full, permissions, missing folder).
    #[error("ledger file {path}: {source}; check the disk and FileLedger.Location")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The block's number is not the ledger's height.
    #[error("block number should have been {expected} but was {got}")]
    OutOfOrder { expected: u64, got: u64 },
    /// The block does not chain to the last block.
    #[error("block {number} has previous hash {got} but the hash of block {} is {expected}", number - 1)]
    PreviousHash {
        number: u64,
        expected: String,
        got: String,
    },
    /// The block has no header.
    #[error("block has no header")]
    NoHeader,
    /// A stored record does not decode as a block.
    #[error("ledger file {path} holds a record that is not a block: {reason}")]
    Corrupt { path: String, reason: String },
    /// A channel name that cannot be a folder name.
    #[error("channel name {0:?} is not valid for a ledger folder")]
    BadChannelName(String),
}

/// A channel's chain of blocks: append-only, numbered from 0, each block chained to the
/// previous one by header hash.
pub trait BlockLedger: Send + Sync {
    /// The number of blocks (the next block's number).
    fn height(&self) -> u64;
    /// Appends the next block: its number must equal the height and its previous hash the
    /// header hash of the last block. Durable when this returns.
    fn append(&self, block: &Block) -> Result<(), LedgerError>;
    /// Block `number`, or `None` when the ledger is not that high yet.
    fn block(&self, number: u64) -> Result<Option<Block>, LedgerError>;
    /// A receiver of the height, updated after every append.
    fn watch_height(&self) -> tokio::sync::watch::Receiver<u64>;
}

/// Shared handle to a channel's ledger.
pub type LedgerRef = Arc<dyn BlockLedger>;

/// The last block of a ledger, if it has any.
pub fn last_block(ledger: &dyn BlockLedger) -> Result<Option<Block>, LedgerError> {
    match ledger.height() {
        0 => Ok(None),
        h => ledger.block(h - 1),
    }
}
