//! The lock a running peer holds on its `peer.fileSystemPath`, so that the offline ledger
//! commands (`peer node reset`, `peer node rollback`) refuse to touch ledgers in use.
//! Fabric v1.4 checks nothing here; this is our addition. The lock is an advisory OS file
//! lock on `<fileSystemPath>/peer.lock`, released by the OS when the process ends (even on
//! kill -9), so a stale file never blocks anything.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside `peer.fileSystemPath`.
pub const LOCK_FILE: &str = "peer.lock";

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the ledgers under {0} are in use by a running peer; stop it (`peer node start` process) first")]
    InUse(PathBuf),
    #[error("cannot lock {path}: {source}; check peer.fileSystemPath and its permissions")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An exclusive hold on a peer's file system path; dropping it releases the lock.
#[derive(Debug)]
pub struct FileSystemLock {
    _file: File,
    path: PathBuf,
}

impl FileSystemLock {
    /// Takes the lock, creating the folder and the lock file when missing.
    #[allow(clippy::incompatible_msrv)] // File::try_lock: std since 1.89, our toolchain
    pub fn acquire(file_system_path: &Path) -> Result<Self, LockError> {
        let path = file_system_path.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(file_system_path).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(FileSystemLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse(file_system_path.to_path_buf())),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let fs = dir.path().join("production");
        let first = FileSystemLock::acquire(&fs).unwrap();
        assert!(first.path().ends_with(LOCK_FILE));
        let err = FileSystemLock::acquire(&fs).unwrap_err().to_string();
        assert!(err.contains("in use by a running peer"), "{err}");
        drop(first);
        FileSystemLock::acquire(&fs).unwrap();
    }
}
