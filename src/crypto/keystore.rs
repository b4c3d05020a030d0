//! Key stores of the SW BCCSP: Fabric's file key store (`<hex ski>_sk` PKCS#8 PEM files)
//! and an in-memory store.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use super::{CryptoError, PrivateKey};

/// Where the SW BCCSP keeps private keys, addressed by SKI.
pub trait KeyStore: Send + Sync {
    /// True when `store_key` is refused.
    fn read_only(&self) -> bool;
    /// The private key whose SKI is `ski`; `CryptoError::KeyNotFound` when there is none.
    fn get_key(&self, ski: &[u8]) -> Result<PrivateKey, CryptoError>;
    /// Stores `key` under its SKI.
    fn store_key(&self, key: &PrivateKey) -> Result<(), CryptoError>;
}

/// Files larger than this are not private keys and are skipped when scanning, as Fabric does.
const MAX_KEY_FILE_SIZE: u64 = 1 << 16;

/// A folder of `<hex ski>_sk` files, each an unencrypted PKCS#8 PEM private key (mode 0600).
#[derive(Debug, Clone)]
pub struct FileKeyStore {
    path: PathBuf,
    read_only: bool,
}

impl FileKeyStore {
    /// Opens the key store at `path`, creating the folder (mode 0755) when missing.
    pub fn new(path: impl Into<PathBuf>, read_only: bool) -> Result<Self, CryptoError> {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return Err(CryptoError::Io {
                path,
                reason: "the key store path cannot be empty".into(),
            });
        }
        if !path.is_dir() {
            fs::create_dir_all(&path).map_err(|e| io_error(&path, e))?;
            tracing::debug!(target: "bccsp_sw", "created key store at {}", path.display());
        }
        Ok(FileKeyStore { path, read_only })
    }

    /// The key store's folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file a key with this SKI is stored in.
    pub fn key_path(&self, ski: &[u8]) -> PathBuf {
        self.path.join(format!("{}_sk", hex::encode(ski)))
    }

    fn load_file(path: &Path) -> Result<PrivateKey, CryptoError> {
        let raw = fs::read(path).map_err(|e| CryptoError::KeyFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        PrivateKey::from_pem(&raw).map_err(|e| CryptoError::KeyFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// Looks at every small file of the folder for a private key with the wanted SKI, so
    /// that renamed key files (as some tools produce) still load.
    fn search_for_ski(&self, ski: &[u8]) -> Result<PrivateKey, CryptoError> {
        let not_found = || CryptoError::KeyNotFound {
            ski: hex::encode(ski),
            path: self.path.display().to_string(),
        };
        let entries = fs::read_dir(&self.path).map_err(|e| io_error(&self.path, e))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                e.metadata()
                    .map(|m| m.is_file() && m.len() <= MAX_KEY_FILE_SIZE)
                    .unwrap_or(false)
            })
            .map(|e| e.path())
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| Self::load_file(p).ok())
            .find(|key| key.ski() == ski)
            .ok_or_else(not_found)
    }
}

fn io_error(path: &Path, err: std::io::Error) -> CryptoError {
    CryptoError::Io {
        path: path.to_path_buf(),
        reason: err.to_string(),
    }
}

impl KeyStore for FileKeyStore {
    fn read_only(&self) -> bool {
        self.read_only
    }

    fn get_key(&self, ski: &[u8]) -> Result<PrivateKey, CryptoError> {
        if ski.is_empty() {
            return Err(CryptoError::EmptySki);
        }
        let path = self.key_path(ski);
        if path.is_file() {
            let key = Self::load_file(&path)?;
            tracing::debug!(target: "bccsp_sw", "loaded private key from {}", path.display());
            return Ok(key);
        }
        self.search_for_ski(ski)
    }

    fn store_key(&self, key: &PrivateKey) -> Result<(), CryptoError> {
        if self.read_only {
            return Err(CryptoError::ReadOnlyKeyStore(
                self.path.display().to_string(),
            ));
        }
        let path = self.key_path(&key.ski());
        write_private(&path, key.to_pkcs8_pem().as_bytes()).map_err(|e| io_error(&path, e))
    }
}

/// Writes a file readable only by its owner.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(data)?;
    file.sync_all()
}

/// Keys held in memory only, addressed by hex SKI.
#[derive(Debug, Default)]
pub struct InMemoryKeyStore {
    keys: RwLock<HashMap<String, PrivateKey>>,
}

impl InMemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyStore for InMemoryKeyStore {
    fn read_only(&self) -> bool {
        false
    }

    fn get_key(&self, ski: &[u8]) -> Result<PrivateKey, CryptoError> {
        if ski.is_empty() {
            return Err(CryptoError::EmptySki);
        }
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(&hex::encode(ski))
            .cloned()
            .ok_or_else(|| CryptoError::KeyNotFound {
                ski: hex::encode(ski),
                path: "the in-memory key store".into(),
            })
    }

    fn store_key(&self, key: &PrivateKey) -> Result<(), CryptoError> {
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.insert(hex::encode(key.ski()), key.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Curve;

    #[test]
    fn file_key_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path().join("keystore"), false).unwrap();
        let key = PrivateKey::generate(Curve::P256).unwrap();
        store.store_key(&key).unwrap();
        let path = store.key_path(&key.ski());
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("{}_sk", hex::encode(key.ski()))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = store.get_key(&key.ski()).unwrap();
        assert_eq!(back.public_key(), key.public_key());
    }

    #[test]
    fn renamed_key_files_are_found_by_scanning() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path(), false).unwrap();
        let key = PrivateKey::generate(Curve::P384).unwrap();
        fs::write(dir.path().join("priv_sk"), key.to_pkcs8_pem()).unwrap();
        fs::write(dir.path().join("notes.txt"), "not a key").unwrap();
        assert_eq!(store.get_key(&key.ski()).unwrap().ski(), key.ski());
    }

    #[test]
    fn missing_key_and_read_only_errors_name_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path(), true).unwrap();
        let err = store.get_key(&[1, 2, 3]).unwrap_err();
        assert!(matches!(err, CryptoError::KeyNotFound { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("010203") && msg.contains(&dir.path().display().to_string()),
            "{msg}"
        );
        assert!(matches!(store.get_key(&[]), Err(CryptoError::EmptySki)));
        let key = PrivateKey::generate(Curve::P256).unwrap();
        assert!(store.read_only());
        assert!(matches!(
            store.store_key(&key),
            Err(CryptoError::ReadOnlyKeyStore(_))
        ));
    }

    #[test]
    fn corrupt_key_file_error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path(), false).unwrap();
        let ski = [0xabu8; 32];
        fs::write(store.key_path(&ski), "garbage").unwrap();
        let msg = store.get_key(&ski).unwrap_err().to_string();
        assert!(
            msg.contains(&store.key_path(&ski).display().to_string()),
            "{msg}"
        );
    }

    #[test]
    fn in_memory_key_store() {
        let store = InMemoryKeyStore::new();
        let key = PrivateKey::generate(Curve::P256).unwrap();
        assert!(store.get_key(&key.ski()).is_err());
        store.store_key(&key).unwrap();
        assert_eq!(store.get_key(&key.ski()).unwrap().ski(), key.ski());
        assert!(!store.read_only());
    }
}
