//! The peer's ledger commit timings (`ledger_block_processing_time`,
//! `ledger_blockstorage_commit_time`, `ledger_blockstorage_and_pvtdata_commit_time`,
//! `ledger_statedb_commit_time`). The endorser counts its own metrics
//! ([`crate::endorser::metrics`]).

use crate::ledger::CommitTimings;
use crate::operations::fabric::{
    LEDGER_BLOCKSTORAGE_AND_PVTDATA_COMMIT_TIME, LEDGER_BLOCKSTORAGE_COMMIT_TIME,
    LEDGER_BLOCK_PROCESSING_TIME, LEDGER_STATEDB_COMMIT_TIME,
};
use crate::operations::metrics::{Histogram, Metrics};

/// The kvledger's and the block store's commit histograms for the peer's channels.
/// Blocks, index, state and history are committed here as one durable write after the
/// block is appended to its file: `blockstorage_commit_time` (and, with no private data
/// store, `blockstorage_and_pvtdata_commit_time`) times the append, `statedb_commit_time`
/// the durable write, `block_processing_time` the whole commit with MVCC validation.
#[derive(Clone)]
pub struct LedgerTimingMetrics {
    block_processing: Histogram,
    blockstorage: Histogram,
    blockstorage_and_pvtdata: Histogram,
    statedb: Histogram,
}

impl LedgerTimingMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        LedgerTimingMetrics {
            block_processing: metrics.histogram(LEDGER_BLOCK_PROCESSING_TIME),
            blockstorage: metrics.histogram(LEDGER_BLOCKSTORAGE_COMMIT_TIME),
            blockstorage_and_pvtdata: metrics
                .histogram(LEDGER_BLOCKSTORAGE_AND_PVTDATA_COMMIT_TIME),
            statedb: metrics.histogram(LEDGER_STATEDB_COMMIT_TIME),
        }
    }

    /// Records one commit of `channel`.
    pub fn observe(&self, channel: &str, timings: &CommitTimings) {
        let labels = [channel];
        self.block_processing
            .observe_duration(&labels, timings.block_processing);
        self.blockstorage
            .observe_duration(&labels, timings.blockstorage);
        self.blockstorage_and_pvtdata
            .observe_duration(&labels, timings.blockstorage);
        self.statedb.observe_duration(&labels, timings.statedb);
    }
}
