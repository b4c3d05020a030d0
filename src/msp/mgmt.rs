//! The local MSP of a peer, orderer or CLI (Fabric's `msp/mgmt`): read the MSP folder named
//! by `peer.mspConfigPath` with the id `peer.localMspId`, its keys from the BCCSP key store.

use std::path::Path;

use super::bccspmsp::{MspVersion, X509Msp};
use super::config::{get_local_msp_config, KEYSTORE};
use super::MspError;
use crate::crypto::{FileKeyStore, SwOpts};

/// Loads the local MSP from `dir` as Fabric's `LoadLocalMsp` does: a v1.4.3 X.509 MSP with
/// its default signing identity, the private key read from `bccsp.keystore_path` or, when
/// that is unset, from `<dir>/keystore`.
pub fn load_local_msp(dir: &Path, msp_id: &str, bccsp: &SwOpts) -> Result<X509Msp, MspError> {
    if msp_id.is_empty() {
        return Err(MspError::Config {
            msp_id: String::new(),
            reason: "the local MSP must have an ID; set peer.localMspId (CORE_PEER_LOCALMSPID)"
                .into(),
        });
    }
    let config = get_local_msp_config(dir, msp_id)?;
    let keystore_dir = bccsp
        .keystore_path
        .clone()
        .unwrap_or_else(|| dir.join(KEYSTORE));
    let key_store =
        FileKeyStore::new(keystore_dir.clone(), true).map_err(|e| MspError::Folder {
            path: keystore_dir.display().to_string(),
            reason: e.to_string(),
        })?;
    let msp = X509Msp::new(&config, MspVersion::V1_4_3, Some(&key_store))?;
    msp.default_signing_identity()?;
    Ok(msp)
}
