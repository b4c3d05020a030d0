//! One channel's ledger (Fabric's `core/ledger/kvledger`): the block store, the state
//! (through the transaction manager) and the history database of a channel, committed
//! together — per block, one durable [`KvStore`] batch holds the block index, the state
//! updates, the history entries and every savepoint, after the block itself was appended
//! and fsynced to its block file. Also the [`provider`] (ledger ids) and the offline
//! `peer node reset` / `peer node rollback` ([`reset_all`], [`rollback`]).
//!
//! The commit hash (block metadata slot COMMIT_HASH) is computed exactly as Fabric
//! v1.4.12's `addBlockCommitHash`: from block 1 on (or once a previous hash exists),
//! `sha256(uvarint(len(filter)) ‖ filter ‖ updateBatchBytes ‖ previousCommitHash)`,
//! stored as a marshalled `common.Metadata{value}`.

mod components;
mod ledger;
pub mod provider;
mod reset;

pub use components::{DefaultComponents, HistoryManager, PreparedState, StateManager, TxMgrState};
pub use ledger::{codes_from_filter, commit_hash, KvLedger};
pub use provider::{KvLedgerProvider, LedgerComponents};
pub use reset::{reset_all, rollback, ResetError};

use std::path::{Path, PathBuf};

/// `<peer.fileSystemPath>/ledgersData`, Fabric's ledger root.
pub fn ledgers_root(fs_path: &Path) -> PathBuf {
    fs_path.join("ledgersData")
}

/// The folder of one channel's block files:
/// `<fileSystemPath>/ledgersData/chains/chains/<channel>` (as Fabric).
pub fn chain_dir(fs_path: &Path, ledger_id: &str) -> PathBuf {
    ledgers_root(fs_path)
        .join("chains")
        .join("chains")
        .join(ledger_id)
}

/// The folder holding every channel's block folder.
pub fn chains_dir(fs_path: &Path) -> PathBuf {
    ledgers_root(fs_path).join("chains").join("chains")
}

/// The store file of one channel (block index, state, history, savepoints):
/// `<fileSystemPath>/ledgersData/channelStores/<channel>.redb`.
pub fn channel_store_path(fs_path: &Path, ledger_id: &str) -> PathBuf {
    ledgers_root(fs_path)
        .join("channelStores")
        .join(format!("{ledger_id}.redb"))
}

/// The ledger id store: `<fileSystemPath>/ledgersData/ledgerProvider/ledger_ids.redb`.
pub fn id_store_path(fs_path: &Path) -> PathBuf {
    ledgers_root(fs_path)
        .join("ledgerProvider")
        .join("ledger_ids.redb")
}

#[cfg(test)]
mod tests;
