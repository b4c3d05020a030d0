//! The software BCCSP (Fabric's `bccsp/sw`): ECDSA on P-256 and P-384 over SHA-2/SHA-3
//! digests, low-S signature handling, subject key identifiers and key stores.
//!
//! Verification is the peer's hot path, so the SHA-2 family is verified with `ring`
//! (P-256/SHA-256 and P-384/SHA-256); the SHA-3 family and P-384 signing over a SHA-256
//! digest go through the RustCrypto `p256`/`p384` crates.

mod ecdsa;
mod hash;
mod keystore;
mod opts;
mod signature;

pub use self::ecdsa::{Curve, PrivateKey, PublicKey};
pub use self::hash::{hash, sha256, HashFamily};
pub use self::keystore::{FileKeyStore, InMemoryKeyStore, KeyStore};
pub use self::opts::SwOpts;
pub use self::signature::{is_low_s, to_low_s};

use std::path::PathBuf;

/// What went wrong in a cryptographic operation. Every message is one line that names
/// the problem and, where it helps, what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("hash family not supported [{0}]: use SHA2 or SHA3")]
    UnsupportedHashFamily(String),
    #[error("security level not supported [{0}]: use 256 or 384")]
    UnsupportedSecurityLevel(u32),
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    #[error("invalid public key: {0}")]
    InvalidPublicKey(String),
    #[error("invalid private key: {0}")]
    InvalidPrivateKey(String),
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    #[error("malformed ECDSA signature: {0}")]
    MalformedSignature(String),
    #[error("invalid S: must be smaller than half the order of the curve")]
    HighS,
    #[error("signature verification failed: the signature does not match the message and key")]
    VerificationFailed,
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("key with SKI {ski} not found in {path}")]
    KeyNotFound { ski: String, path: String },
    #[error("invalid SKI: it cannot be empty")]
    EmptySki,
    #[error("key store {0} is read only: cannot store keys in it")]
    ReadOnlyKeyStore(String),
    #[error("key store I/O on {path} failed: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("cannot load key file {path}: {reason}")]
    KeyFile { path: PathBuf, reason: String },
}

#[cfg(test)]
mod vector_tests;
