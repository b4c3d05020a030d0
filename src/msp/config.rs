//! Reading an MSP folder into the `msp.MSPConfig` Fabric builds from it (Fabric's
//! `msp/configbuilder.go`: `GetLocalMspConfig`, `GetVerifyingMspConfig`).
//!
//! The folder layout is Fabric's: `cacerts/`, `intermediatecerts/`, `admincerts/`,
//! `signcerts/`, `keystore/`, `tlscacerts/`, `tlsintermediatecerts/`, `crls/` and an optional
//! `config.yaml` with `OrganizationalUnitIdentifiers` and `NodeOUs`. Files are read in name
//! order; a file that is not PEM is skipped with a warning, as Fabric does, and a folder that
//! must not end up empty (cacerts, signcerts) names the skipped files in its error.

use std::path::{Path, PathBuf};

use prost::Message;
use serde::Deserialize;

use super::pem;
use super::MspError;
use crate::protos::msp::{
    FabricCryptoConfig, FabricMspConfig, FabricNodeOUs, FabricOuIdentifier, MspConfig,
    SigningIdentityInfo,
};

pub const CACERTS: &str = "cacerts";
pub const ADMINCERTS: &str = "admincerts";
pub const SIGNCERTS: &str = "signcerts";
pub const KEYSTORE: &str = "keystore";
pub const INTERMEDIATECERTS: &str = "intermediatecerts";
pub const CRLS: &str = "crls";
pub const CONFIG_FILE: &str = "config.yaml";
pub const TLSCACERTS: &str = "tlscacerts";
pub const TLSINTERMEDIATECERTS: &str = "tlsintermediatecerts";

/// The MSP provider type of an X.509 MSP (`msp.FABRIC`), the `type` of its `MSPConfig`.
pub const FABRIC_PROVIDER_TYPE: i32 = 0;
/// Fabric's default signature hash family and identity hash function names.
pub const SHA2: &str = "SHA2";
pub const SHA3: &str = "SHA3";
pub const SHA256: &str = "SHA256";

/// One OU identifier entry of `config.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OuIdentifierConfiguration {
    /// Path of a root or intermediate certificate, relative to the MSP folder.
    #[serde(rename = "Certificate", default)]
    pub certificate: String,
    #[serde(rename = "OrganizationalUnitIdentifier", default)]
    pub organizational_unit_identifier: String,
}

/// The `NodeOUs` section of `config.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeOUsConfiguration {
    #[serde(rename = "Enable", default)]
    pub enable: bool,
    #[serde(rename = "ClientOUIdentifier", default)]
    pub client_ou_identifier: Option<OuIdentifierConfiguration>,
    #[serde(rename = "PeerOUIdentifier", default)]
    pub peer_ou_identifier: Option<OuIdentifierConfiguration>,
    #[serde(rename = "AdminOUIdentifier", default)]
    pub admin_ou_identifier: Option<OuIdentifierConfiguration>,
    #[serde(rename = "OrdererOUIdentifier", default)]
    pub orderer_ou_identifier: Option<OuIdentifierConfiguration>,
}

/// The MSP folder's `config.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Configuration {
    #[serde(rename = "OrganizationalUnitIdentifiers", default)]
    pub organizational_unit_identifiers: Option<Vec<OuIdentifierConfiguration>>,
    #[serde(rename = "NodeOUs", default)]
    pub node_ous: Option<NodeOUsConfiguration>,
}

/// The PEM files read from one folder.
#[derive(Debug, Default)]
struct PemDir {
    items: Vec<Vec<u8>>,
    skipped: Vec<String>,
}

impl PemDir {
    fn skipped_note(&self) -> String {
        if self.skipped.is_empty() {
            "the folder holds no PEM files".to_string()
        } else {
            format!("no usable PEM file ({})", self.skipped.join("; "))
        }
    }
}

fn folder_error(path: &Path, reason: impl Into<String>) -> MspError {
    MspError::Folder {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Reads every PEM file of `dir` in name order. `Ok(None)` when the folder does not exist.
fn read_pem_dir(dir: &Path) -> Result<Option<PemDir>, MspError> {
    if !dir.exists() {
        return Ok(None);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| folder_error(dir, e.to_string()))?;
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    let mut out = PemDir::default();
    for path in names {
        // Follows symlinks, like Go's os.Stat.
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(target: "msp", "Failed to stat {}: {}", path.display(), e);
                continue;
            }
        };
        if meta.is_dir() {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) if pem::decode(&bytes).is_some() => out.items.push(bytes),
            Ok(_) => {
                tracing::warn!(target: "msp", "Failed reading file {}: no pem content", path.display());
                out.skipped.push(format!("{}: not PEM", path.display()));
            }
            Err(e) => {
                tracing::warn!(target: "msp", "Failed reading file {}: {}", path.display(), e);
                out.skipped.push(format!("{}: {}", path.display(), e));
            }
        }
    }
    Ok(Some(out))
}

/// Builds the `MSPConfig` of a local MSP (one with a signing identity): as
/// [`get_verifying_msp_config`] plus the first certificate of `signcerts/` as public signer.
/// The private key is not part of the config; it is found in the key store by SKI.
pub fn get_local_msp_config(dir: &Path, msp_id: &str) -> Result<MspConfig, MspError> {
    let signcert_dir = dir.join(SIGNCERTS);
    let signcerts = match read_pem_dir(&signcert_dir)? {
        None => {
            return Err(folder_error(
                &signcert_dir,
                "could not load a valid signer certificate: the folder does not exist",
            ))
        }
        Some(d) if d.items.is_empty() => {
            return Err(folder_error(
                &signcert_dir,
                format!(
                    "could not load a valid signer certificate: {}",
                    d.skipped_note()
                ),
            ))
        }
        Some(d) => d.items,
    };
    let signing_identity = SigningIdentityInfo {
        public_signer: signcerts[0].clone(),
        private_signer: None,
    };
    build_msp_config(dir, msp_id, Some(signing_identity))
}

/// Builds the `MSPConfig` of a verifying MSP (no signing identity), as configtxgen does for
/// the organizations of a channel.
pub fn get_verifying_msp_config(dir: &Path, msp_id: &str) -> Result<MspConfig, MspError> {
    build_msp_config(dir, msp_id, None)
}

fn optional_dir(dir: &Path) -> Result<Vec<Vec<u8>>, MspError> {
    Ok(read_pem_dir(dir)?.map(|d| d.items).unwrap_or_default())
}

fn build_msp_config(
    dir: &Path,
    msp_id: &str,
    signing_identity: Option<SigningIdentityInfo>,
) -> Result<MspConfig, MspError> {
    if !dir.is_dir() {
        return Err(folder_error(
            dir,
            "the MSP folder does not exist; check the mspConfigPath setting",
        ));
    }
    let cacert_dir = dir.join(CACERTS);
    let root_certs = match read_pem_dir(&cacert_dir)? {
        None => {
            return Err(folder_error(
                &cacert_dir,
                "could not load a valid ca certificate: the folder does not exist",
            ))
        }
        Some(d) if d.items.is_empty() => {
            return Err(folder_error(
                &cacert_dir,
                format!(
                    "could not load a valid ca certificate: {}",
                    d.skipped_note()
                ),
            ))
        }
        Some(d) => d.items,
    };
    let admins = optional_dir(&dir.join(ADMINCERTS))?;
    let intermediate_certs = optional_dir(&dir.join(INTERMEDIATECERTS))?;
    let tls_root_certs = optional_dir(&dir.join(TLSCACERTS))?;
    let tls_intermediate_certs = if tls_root_certs.is_empty() {
        Vec::new()
    } else {
        optional_dir(&dir.join(TLSINTERMEDIATECERTS))?
    };
    let revocation_list = optional_dir(&dir.join(CRLS))?;

    let (organizational_unit_identifiers, fabric_node_ous) = read_configuration(dir)?;

    let fabric = FabricMspConfig {
        name: msp_id.to_string(),
        root_certs,
        intermediate_certs,
        admins,
        revocation_list,
        signing_identity,
        organizational_unit_identifiers,
        crypto_config: Some(FabricCryptoConfig {
            signature_hash_family: SHA2.to_string(),
            identity_identifier_hash_function: SHA256.to_string(),
        }),
        tls_root_certs,
        tls_intermediate_certs,
        fabric_node_ous,
    };
    Ok(MspConfig {
        r#type: FABRIC_PROVIDER_TYPE,
        config: fabric.encode_to_vec(),
    })
}

type ConfigParts = (Vec<FabricOuIdentifier>, Option<FabricNodeOUs>);

/// Reads `config.yaml` when present: the OU identifiers and the NodeOUs classification.
fn read_configuration(dir: &Path) -> Result<ConfigParts, MspError> {
    let file = dir.join(CONFIG_FILE);
    if !file.exists() {
        tracing::debug!(target: "msp", "MSP configuration file not found at [{}]", file.display());
        return Ok((Vec::new(), None));
    }
    let raw = std::fs::read(&file).map_err(|e| folder_error(&file, e.to_string()))?;
    let configuration: Configuration = if raw.iter().all(|b| b.is_ascii_whitespace()) {
        Configuration::default()
    } else {
        serde_yaml::from_slice(&raw)
            .map_err(|e| folder_error(&file, format!("not a valid MSP config.yaml: {e}")))?
    };

    let mut ous = Vec::new();
    for ou in configuration
        .organizational_unit_identifiers
        .unwrap_or_default()
    {
        let cert_path = dir.join(&ou.certificate);
        let certificate = std::fs::read(&cert_path).map_err(|e| {
            folder_error(
                &cert_path,
                format!("failed loading OrganizationalUnit certificate: {e}"),
            )
        })?;
        ous.push(FabricOuIdentifier {
            certificate,
            organizational_unit_identifier: ou.organizational_unit_identifier,
        });
    }

    let node_ous = match configuration.node_ous {
        Some(n) if n.enable => Some(FabricNodeOUs {
            enable: true,
            client_ou_identifier: node_ou(dir, n.client_ou_identifier, "ClientOU"),
            peer_ou_identifier: node_ou(dir, n.peer_ou_identifier, "PeerOU"),
            admin_ou_identifier: node_ou(dir, n.admin_ou_identifier, "AdminOU"),
            orderer_ou_identifier: node_ou(dir, n.orderer_ou_identifier, "OrdererOU"),
        }),
        _ => None,
    };
    Ok((ous, node_ous))
}

/// A NodeOU identifier: kept only when it names an OU; its certificate is optional and a
/// missing one is a warning (the OU then applies to any certification path), as in Fabric.
fn node_ou(
    dir: &Path,
    conf: Option<OuIdentifierConfiguration>,
    kind: &str,
) -> Option<FabricOuIdentifier> {
    let conf = conf.filter(|c| !c.organizational_unit_identifier.is_empty())?;
    let path = dir.join(&conf.certificate);
    let certificate = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(target: "msp", "Failed loading {} certificate at [{}]: [{}]", kind, path.display(), e);
            Vec::new()
        }
    };
    Some(FabricOuIdentifier {
        certificate,
        organizational_unit_identifier: conf.organizational_unit_identifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, bytes: &[u8]) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    fn decode(conf: &MspConfig) -> FabricMspConfig {
        FabricMspConfig::decode(conf.config.as_slice()).unwrap()
    }

    #[test]
    fn reads_folder_in_name_order_with_config_yaml() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "cacerts/b.pem", &pem::encode("CERTIFICATE", b"B"));
        write(d, "cacerts/a.pem", &pem::encode("CERTIFICATE", b"A"));
        write(d, "cacerts/notes.txt", b"not pem");
        write(
            d,
            "admincerts/admin.pem",
            &pem::encode("CERTIFICATE", b"ADM"),
        );
        write(d, "signcerts/me.pem", &pem::encode("CERTIFICATE", b"ME"));
        write(
            d,
            "config.yaml",
            b"OrganizationalUnitIdentifiers:\n  - Certificate: cacerts/a.pem\n    OrganizationalUnitIdentifier: COP\nNodeOUs:\n  Enable: true\n  ClientOUIdentifier:\n    Certificate: cacerts/a.pem\n    OrganizationalUnitIdentifier: client\n  PeerOUIdentifier:\n    OrganizationalUnitIdentifier: peer\n",
        );
        let conf = get_local_msp_config(d, "SampleOrg").unwrap();
        assert_eq!(conf.r#type, 0);
        let f = decode(&conf);
        assert_eq!(f.name, "SampleOrg");
        assert_eq!(f.root_certs.len(), 2);
        assert!(f.root_certs[0].starts_with(b"-----BEGIN CERTIFICATE-----"));
        assert_eq!(pem::decode(&f.root_certs[0]).unwrap().0.contents, b"A");
        assert_eq!(f.admins.len(), 1);
        assert_eq!(
            f.signing_identity.unwrap().public_signer,
            pem::encode("CERTIFICATE", b"ME")
        );
        assert_eq!(
            f.organizational_unit_identifiers[0].organizational_unit_identifier,
            "COP"
        );
        let n = f.fabric_node_ous.unwrap();
        assert!(n.enable);
        assert_eq!(
            n.client_ou_identifier.unwrap().certificate,
            pem::encode("CERTIFICATE", b"A")
        );
        let peer = n.peer_ou_identifier.unwrap();
        assert_eq!(peer.organizational_unit_identifier, "peer");
        assert!(peer.certificate.is_empty());
        assert!(n.admin_ou_identifier.is_none());
        let cc = f.crypto_config.unwrap();
        assert_eq!(
            (
                cc.signature_hash_family.as_str(),
                cc.identity_identifier_hash_function.as_str()
            ),
            ("SHA2", "SHA256")
        );
    }

    #[test]
    fn missing_pieces_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let err = get_verifying_msp_config(&d.join("nope"), "X").unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        let err = get_verifying_msp_config(d, "X").unwrap_err();
        assert!(err.to_string().contains("cacerts"), "{err}");
        write(d, "cacerts/garbage.pem", b"garbage");
        let err = get_verifying_msp_config(d, "X").unwrap_err();
        assert!(err.to_string().contains("garbage.pem"), "{err}");
        write(d, "cacerts/ok.pem", &pem::encode("CERTIFICATE", b"A"));
        assert!(get_verifying_msp_config(d, "X").is_ok());
        write(d, "signcerts/bad.pem", b"garbage");
        let err = get_local_msp_config(d, "X").unwrap_err();
        assert!(err.to_string().contains("bad.pem"), "{err}");
        write(d, "config.yaml", b"NodeOUs: [unclosed");
        let err = get_verifying_msp_config(d, "X").unwrap_err();
        assert!(err.to_string().contains("config.yaml"), "{err}");
        write(d, "config.yaml", b"OrganizationalUnitIdentifiers:\n  - Certificate: cacerts/missing.pem\n    OrganizationalUnitIdentifier: X\n");
        let err = get_verifying_msp_config(d, "X").unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");
    }
}
