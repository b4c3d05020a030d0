//! Options of the SW BCCSP, as core.yaml's `peer.BCCSP.SW` section sets them.

use std::path::PathBuf;

use super::{CryptoError, Curve, FileKeyStore, HashFamily, InMemoryKeyStore, KeyStore};

/// `peer.BCCSP.SW`: `Hash`, `Security` and `FileKeyStore.KeyStore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwOpts {
    pub hash_family: HashFamily,
    /// 256 or 384.
    pub security_level: u16,
    /// `None` keeps keys in memory only.
    pub keystore_path: Option<PathBuf>,
}

impl Default for SwOpts {
    /// Fabric's defaults: SHA2, level 256, no file key store.
    fn default() -> Self {
        SwOpts {
            hash_family: HashFamily::Sha2,
            security_level: 256,
            keystore_path: None,
        }
    }
}

impl SwOpts {
    /// Builds options from core.yaml's strings, validating them as Fabric's SW factory does.
    pub fn new(
        hash: &str,
        security_level: u16,
        keystore_path: Option<PathBuf>,
    ) -> Result<Self, CryptoError> {
        let opts = SwOpts {
            hash_family: HashFamily::parse(hash)?,
            security_level,
            keystore_path,
        };
        opts.curve()?;
        Ok(opts)
    }

    /// The curve keys are generated on at this security level.
    pub fn curve(&self) -> Result<Curve, CryptoError> {
        Curve::for_security_level(u32::from(self.security_level))
    }

    /// The key store these options describe (a file key store when a path is set).
    pub fn key_store(&self) -> Result<Box<dyn KeyStore>, CryptoError> {
        match &self.keystore_path {
            Some(path) => Ok(Box::new(FileKeyStore::new(path.clone(), false)?)),
            None => Ok(Box::new(InMemoryKeyStore::new())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_the_sw_factory() {
        let opts = SwOpts::new("SHA3", 384, None).unwrap();
        assert_eq!(opts.hash_family, HashFamily::Sha3);
        assert_eq!(opts.curve().unwrap(), Curve::P384);
        assert!(SwOpts::new("MD5", 256, None).is_err());
        let err = SwOpts::new("SHA2", 512, None).unwrap_err().to_string();
        assert!(err.contains("512"), "{err}");
        assert_eq!(SwOpts::default().curve().unwrap(), Curve::P256);
    }
}
