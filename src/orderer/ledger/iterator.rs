//! Reading a ledger block by block, waiting for blocks that are not written yet.

use tokio::sync::watch;

use super::{LedgerError, LedgerRef};
use crate::protos::common::Block;

/// Walks a ledger from a starting block; [`BlockIterator::next`] waits until the block it
/// needs is appended (Fabric's blocking `Iterator.Next`).
pub struct BlockIterator {
    ledger: LedgerRef,
    next: u64,
    height: watch::Receiver<u64>,
}

impl BlockIterator {
    /// An iterator whose first block is `start`.
    pub fn new(ledger: LedgerRef, start: u64) -> Self {
        let height = ledger.watch_height();
        BlockIterator {
            ledger,
            next: start,
            height,
        }
    }

    /// The number of the block the next call returns.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// Whether the next block is already in the ledger (no waiting needed).
    pub fn ready(&self) -> bool {
        self.ledger.height() > self.next
    }

    /// The next block, waiting for it to be appended if need be. Returns `Ok(None)` only if
    /// the ledger was dropped while waiting.
    pub async fn next(&mut self) -> Result<Option<Block>, LedgerError> {
        loop {
            if self.ledger.height() > self.next {
                let block = self.ledger.block(self.next)?;
                if block.is_some() {
                    self.next += 1;
                }
                return Ok(block);
            }
            if self.height.changed().await.is_err() {
                return Ok(None);
            }
        }
    }
}
