//! The ledger side of `peer node reset` and `peer node rollback` (Fabric's
//! `kvledger/reset.go`, `kvledger/rollback.go`, `fsblkstorage/reset.go`, `rollback.go`).
//! Both run with the peer stopped: they take the ledger id store (which a running peer
//! holds open) as the lock, cut the block files, and drop the channel store (index, state,
//! history); the next start rebuilds all three by replaying the kept blocks.

use std::path::Path;

use super::{chain_dir, chains_dir, channel_store_path, id_store_path};
use crate::ledger::blkstorage::blockfile::{
    blockfile_path, last_file_num, scan_file, BlockfileWriter,
};
use crate::ledger::kvstore::RedbStore;
use crate::ledger::LedgerError;

/// Why a reset or rollback was refused.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("{0}; as another peer node command is executing, wait for that command to complete its execution or terminate it before retrying")]
    Locked(String),
    #[error("ledgerID [{0}] does not exist")]
    LedgerNotFound(String),
    #[error(
        "target block number [{target}] should be less than the biggest block number [{last}]"
    )]
    TargetTooHigh { target: u64, last: u64 },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

pub(crate) fn io(path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn lock(fs_path: &Path) -> Result<RedbStore, ResetError> {
    RedbStore::open(&id_store_path(fs_path)).map_err(|e| ResetError::Locked(e.to_string()))
}

/// Resets every channel to its genesis block: block files are cut after block 0 and the
/// channel stores dropped; the next peer start rebuilds index, state and history, and
/// commit hashes start again from block 1.
pub fn reset_all(fs_path: &Path) -> Result<(), ResetError> {
    let _lock = lock(fs_path)?;
    let chains = chains_dir(fs_path);
    let entries = match std::fs::read_dir(&chains) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::info!(target: "kvledger", "Dir [{}] missing... exiting", chains.display());
            return Ok(());
        }
        Err(e) => return Err(io(&chains, e).into()),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io(&chains, e))?;
        if entry.path().is_dir() {
            ids.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    ids.sort();
    for id in &ids {
        tracing::info!(target: "kvledger", "Resetting ledger [{id}] to genesis block");
        truncate_after(fs_path, id, 0, false)?;
    }
    Ok(())
}

/// Rolls channel `ledger_id` back to block `block_num`: later blocks are cut from the
/// files and the channel store dropped, to be rebuilt by replay on the next start.
pub fn rollback(fs_path: &Path, ledger_id: &str, block_num: u64) -> Result<(), ResetError> {
    let _lock = lock(fs_path)?;
    if !chain_dir(fs_path, ledger_id).is_dir() {
        return Err(ResetError::LedgerNotFound(ledger_id.to_string()));
    }
    truncate_after(fs_path, ledger_id, block_num, true)?;
    tracing::info!(target: "kvledger",
        "The channel [{ledger_id}] has been successfully rolled back to the block number [{block_num}]");
    Ok(())
}

/// Keeps blocks `0..=keep` of a channel, drops the rest and the channel store; with
/// `strict`, `keep` must be below the last block (as Fabric's rollback demands).
fn truncate_after(
    fs_path: &Path,
    ledger_id: &str,
    keep: u64,
    strict: bool,
) -> Result<(), ResetError> {
    let dir = chain_dir(fs_path, ledger_id);
    let last_file = last_file_num(&dir)?.unwrap_or(0);
    let mut cut: Option<(u32, u64)> = None;
    let mut last_block: Option<u64> = None;
    for num in 0..=last_file {
        if !blockfile_path(&dir, num).exists() {
            continue;
        }
        let (blocks, _) = scan_file(&dir, num, 0)?;
        for b in blocks {
            if b.header.number == keep {
                cut = Some((num, b.end()));
            }
            last_block = Some(b.header.number);
        }
    }
    let last = last_block.ok_or_else(|| {
        LedgerError::Corrupt(format!(
            "ledger [{ledger_id}] has no blocks in {}",
            dir.display()
        ))
    })?;
    if strict && last <= keep {
        return Err(ResetError::TargetTooHigh { target: keep, last });
    }
    let (file, end) = cut.ok_or_else(|| {
        LedgerError::Corrupt(format!(
            "block {keep} of ledger [{ledger_id}] is not in its files"
        ))
    })?;
    BlockfileWriter::open(&dir, file, end)?;
    for later in file + 1..=last_file {
        let path = blockfile_path(&dir, later);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    let store = channel_store_path(fs_path, ledger_id);
    if store.exists() {
        std::fs::remove_file(&store).map_err(|e| io(&store, e))?;
    }
    Ok(())
}
