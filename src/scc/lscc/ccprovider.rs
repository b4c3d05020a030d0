//! Installed chaincode packages on the peer's file system (Fabric's
//! `core/common/ccprovider`): `<peer.fileSystemPath>/chaincodes/<name>.<version>` holds the
//! package bytes; a ChaincodeDeploymentSpec package is identified by its code hash and
//! metadata hash (`CDSData`) and their fingerprint; a signed package (CHAINCODE_PACKAGE
//! envelope, [`super::ccprovider_signed`]) also by its instantiation policy and owners
//! (`SignedCDSData`), and it brings its own instantiation policy.

use std::path::{Path, PathBuf};

use prost::Message;
use sha2::{Digest, Sha256};

use super::ccprovider_signed::{SignedPackageError, SignedParts};
use super::chaincode_data::{CdsData, ChaincodeData};
use crate::protos::peer::{ChaincodeDeploymentSpec, ChaincodeInfo, ChaincodeQueryResponse};

/// Why a package cannot be read, stored or matched to its ledger definition (Fabric's
/// texts).
#[derive(Debug, thiserror::Error)]
pub enum CcProviderError {
    #[error("failed to unmarshal deployment spec from bytes")]
    Unmarshal(#[source] prost::DecodeError),
    #[error("could not unmarshal chaincode package to CDS or SignedCDS")]
    NotACds,
    #[error(transparent)]
    Signed(#[from] SignedPackageError),
    #[error("invalid chaincode data {ledger_name}:{ledger_version} ({name}:{version})")]
    WrongChaincode {
        ledger_name: String,
        ledger_version: String,
        name: String,
        version: String,
    },
    #[error("data mismatch")]
    DataMismatch,
    #[error("chaincode {} exists", .0.display())]
    Exists(PathBuf),
    #[error("cannot create {}: {source}", .path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Go's `open <path>: no such file or directory` for a missing file.
    #[error("open {}: {}", .path.display(), io_text(.source))]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An installable package (Fabric's `CDSPackage` or `SignedCDSPackage`): `spec` is the
/// deployment spec (inside the envelope for a signed package), `data` what lscc records.
#[derive(Debug, Clone)]
pub struct CdsPackage {
    pub bytes: Vec<u8>,
    pub spec: ChaincodeDeploymentSpec,
    pub data: ChaincodeData,
    /// The signed spec of a signed package (instantiation policy, owner endorsements).
    pub signed: Option<SignedParts>,
}

fn printable(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| !c.is_control())
}

impl CdsPackage {
    /// Reads package bytes as Fabric's `GetCCPackage`: a raw ChaincodeDeploymentSpec that
    /// names a chaincode, or a signed package (preferred when both readings succeed).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CcProviderError> {
        let raw = Self::from_raw_cds(bytes);
        match (raw, Self::from_signed(bytes)) {
            (_, Ok(signed)) => Ok(signed),
            (Ok(raw), Err(_)) => Ok(raw),
            (Err(CcProviderError::Unmarshal(_)), Err(CcProviderError::Signed(e)))
                if !matches!(
                    e,
                    SignedPackageError::Envelope(_) | SignedPackageError::Decode { .. }
                ) =>
            {
                Err(CcProviderError::Signed(e))
            }
            (Err(_), Err(_)) => Err(CcProviderError::NotACds),
        }
    }

    fn from_raw_cds(bytes: &[u8]) -> Result<Self, CcProviderError> {
        let spec = ChaincodeDeploymentSpec::decode(bytes).map_err(CcProviderError::Unmarshal)?;
        let id = spec
            .chaincode_spec
            .as_ref()
            .and_then(|s| s.chaincode_id.as_ref())
            .filter(|id| printable(&id.name))
            .ok_or(CcProviderError::NotACds)?;
        let code_hash = Sha256::digest(&spec.code_package).to_vec();
        let mut meta = Sha256::new();
        meta.update(id.name.as_bytes());
        meta.update(id.version.as_bytes());
        let cds_data = CdsData {
            code_hash,
            meta_data_hash: meta.finalize().to_vec(),
        };
        let mut fingerprint = Sha256::new();
        fingerprint.update(&cds_data.code_hash);
        fingerprint.update(&cds_data.meta_data_hash);
        let data = ChaincodeData {
            name: id.name.clone(),
            version: id.version.clone(),
            data: cds_data.encode_to_vec(),
            id: fingerprint.finalize().to_vec(),
            ..Default::default()
        };
        Ok(CdsPackage {
            bytes: bytes.to_vec(),
            spec,
            data,
            signed: None,
        })
    }

    fn from_signed(bytes: &[u8]) -> Result<Self, CcProviderError> {
        let parts = SignedParts::from_bytes(bytes)?;
        let id = parts
            .deployment
            .chaincode_spec
            .as_ref()
            .and_then(|s| s.chaincode_id.clone())
            .filter(|id| printable(&id.name))
            .ok_or(CcProviderError::NotACds)?;
        let (signed_data, fingerprint) = parts.cds_data(&id.name, &id.version)?;
        let data = ChaincodeData {
            name: id.name,
            version: id.version,
            data: signed_data.encode_to_vec(),
            id: fingerprint,
            instantiation_policy: parts.spec.instantiation_policy.clone(),
            ..Default::default()
        };
        Ok(CdsPackage {
            bytes: bytes.to_vec(),
            spec: parts.deployment.clone(),
            data,
            signed: Some(parts),
        })
    }

    /// The chaincode path the spec names.
    pub fn path(&self) -> String {
        self.spec
            .chaincode_spec
            .as_ref()
            .and_then(|s| s.chaincode_id.as_ref())
            .map(|id| id.path.clone())
            .unwrap_or_default()
    }

    /// Fabric's `ValidateCC`: the ledger's definition names this package (same name, version
    /// and hashes).
    pub fn validate_cc(&self, ledger: &ChaincodeData) -> Result<(), CcProviderError> {
        if ledger.name != self.data.name || ledger.version != self.data.version {
            return Err(CcProviderError::WrongChaincode {
                ledger_name: ledger.name.clone(),
                ledger_version: ledger.version.clone(),
                name: self.data.name.clone(),
                version: self.data.version.clone(),
            });
        }
        if ledger.data != self.data.data {
            return Err(CcProviderError::DataMismatch);
        }
        Ok(())
    }
}

/// The installed chaincodes folder.
#[derive(Debug, Clone)]
pub struct ChaincodeStore {
    dir: PathBuf,
}

impl ChaincodeStore {
    /// The store under `peer.fileSystemPath` (`<path>/chaincodes`).
    pub fn new(file_system_path: &Path) -> Self {
        ChaincodeStore {
            dir: file_system_path.join("chaincodes"),
        }
    }

    fn path_of(&self, name: &str, version: &str) -> PathBuf {
        self.dir.join(format!("{name}.{version}"))
    }

    /// Writes a package (atomically); an existing `<name>.<version>` is an error, as in
    /// Fabric.
    pub fn put(&self, package: &CdsPackage) -> Result<(), CcProviderError> {
        let path = self.path_of(&package.data.name, &package.data.version);
        if path.exists() {
            return Err(CcProviderError::Exists(path));
        }
        std::fs::create_dir_all(&self.dir).map_err(|source| CcProviderError::CreateDir {
            path: self.dir.clone(),
            source,
        })?;
        // Whole or not at all: a temporary file in the same folder, then renamed.
        let tmp = self.dir.join(format!(
            ".{}.{}.{}.tmp",
            package.data.name,
            package.data.version,
            std::process::id()
        ));
        let written =
            std::fs::write(&tmp, &package.bytes).and_then(|_| std::fs::rename(&tmp, &path));
        if let Err(source) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(CcProviderError::Write { path, source });
        }
        Ok(())
    }

    /// Whether a package of `name` at `version` is installed (without reading it).
    pub fn contains(&self, name: &str, version: &str) -> bool {
        self.path_of(name, version).is_file()
    }

    /// Reads the package of `name` at `version`.
    pub fn get(&self, name: &str, version: &str) -> Result<CdsPackage, CcProviderError> {
        let path = self.path_of(name, version);
        let bytes =
            std::fs::read(&path).map_err(|source| CcProviderError::Open { path, source })?;
        CdsPackage::from_bytes(&bytes)
    }

    /// Every readable package whose file name matches its content (Fabric's
    /// `GetInstalledChaincodes`).
    pub fn installed(&self) -> Result<ChaincodeQueryResponse, CcProviderError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| CcProviderError::Open {
            path: self.dir.clone(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.')) // a write under way (see `put`)
            .collect();
        names.sort();
        let mut chaincodes = Vec::new();
        for file in names {
            let Some((name, version)) = file.split_once('.') else {
                continue;
            };
            let Ok(package) = self.get(name, version) else {
                tracing::error!(target: "ccprovider", "Unreadable chaincode file found on filesystem: {file}");
                continue;
            };
            if package.data.name != name || package.data.version != version {
                tracing::error!(target: "ccprovider", "Chaincode file's name/version has been modified on the filesystem: {file}");
                continue;
            }
            chaincodes.push(ChaincodeInfo {
                name: name.to_string(),
                version: version.to_string(),
                path: package.path(),
                id: package.data.id.clone(),
                ..Default::default()
            });
        }
        Ok(ChaincodeQueryResponse { chaincodes })
    }
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}
