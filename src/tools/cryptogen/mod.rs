//! `cryptogen`: generates the MSP and TLS material of a test network, laid out as Fabric
//! v1.4's cryptogen writes it. [`ca`] is the signing/TLS certificate authority, [`msp`]
//! writes local and verifying MSP folders.

pub mod ca;
pub mod cli;
pub mod config;
pub mod generate;
pub mod msp;
pub mod template;
mod x509;

pub use self::x509::{ExtKeyUsage, KeyUsage};

use std::path::{Path, PathBuf};

use crate::crypto::CryptoError;

/// What went wrong while generating crypto material; one line each.
#[derive(Debug, thiserror::Error)]
pub enum CryptogenError {
    #[error("cannot write or read {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("invalid certificate {path}: {reason}")]
    Certificate { path: PathBuf, reason: String },
    #[error("no CA found in {path}: {reason}")]
    MissingCa { path: PathBuf, reason: String },
}

pub(crate) fn io_error(path: &Path, err: std::io::Error) -> CryptogenError {
    CryptogenError::Io {
        path: path.to_path_buf(),
        reason: err.to_string(),
    }
}

/// Creates `dir` and its parents (mode 0755 via the umask).
pub(crate) fn create_dir(dir: &Path) -> Result<(), CryptogenError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))
}

/// Writes `contents` to `path`.
pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), CryptogenError> {
    std::fs::write(path, contents).map_err(|e| io_error(path, e))
}
