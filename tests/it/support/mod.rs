//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod network;
pub mod orderer;
pub mod typed;

use std::path::PathBuf;

/// The Fabric v1.4.12 reference vectors: tests/vectors in this repository (see its
/// PROVENANCE.md), or the folder FABRIC_VECTORS names. A missing or incomplete folder fails
/// the calling test; no test passes without its vectors.
pub fn vectors_dir() -> PathBuf {
    let dir = std::env::var_os("FABRIC_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    assert!(
        dir.join("descriptors/fabric-v1.4.12.pb").is_file(),
        "{} does not hold the Fabric reference vectors (no descriptors/fabric-v1.4.12.pb)",
        dir.display()
    );
    dir
}

use std::sync::Arc;

use fabric::msp::{MspManager, MspVersion, X509Msp};
use fabric::protos::common::{Block, ConfigEnvelope, ConfigGroup};
use fabric::protos::msp::MspConfig;
use fabric::protoutil::{self, decode};

/// Reads block `number` of a vector chain, e.g. `("ledger/mychannel/committed", "mychannel", 3)`.
pub fn vector_block(vectors: &std::path::Path, dir: &str, channel: &str, number: u64) -> Block {
    let path = vectors.join(dir).join(format!("{channel}_{number}.block"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    decode("Block", &bytes).unwrap()
}

/// The channel config group carried by a config block.
pub fn config_group(block: &Block) -> ConfigGroup {
    let data = &block.data.as_ref().unwrap().data[0];
    let envelope = protoutil::envelope_from_block_data(data).unwrap();
    let payload = protoutil::payload(&envelope).unwrap();
    let config: ConfigEnvelope = decode("ConfigEnvelope", &payload.data).unwrap();
    config.config.unwrap().channel_group.unwrap()
}

/// Every MSP defined anywhere in a channel config (application and orderer orgs, and the
/// consortium orgs of a system channel), set up the way a v1.4.3 channel does.
pub fn channel_msps(root: &ConfigGroup) -> Arc<MspManager> {
    let mut msps = Vec::new();
    collect_msps(root, &mut msps);
    assert!(!msps.is_empty(), "the config defines no MSP");
    Arc::new(MspManager::new(msps))
}

fn collect_msps(group: &ConfigGroup, out: &mut Vec<X509Msp>) {
    if let Some(value) = group.values.get("MSP") {
        let config: MspConfig = decode("MSPConfig", &value.value).unwrap();
        out.push(X509Msp::new(&config, MspVersion::V1_4_3, None).unwrap());
    }
    for child in group.groups.values() {
        collect_msps(child, out);
    }
}

use fabric::protos::common::msp_principal::Classification;
use fabric::protos::common::msp_role::MspRoleType;
use fabric::protos::common::{MspPrincipal, MspRole};
use prost::Message;

/// The principal `'<msp_id>.<role>'`.
pub fn role_principal(msp_id: &str, role: MspRoleType) -> MspPrincipal {
    MspPrincipal {
        principal_classification: Classification::Role as i32,
        principal: MspRole {
            msp_identifier: msp_id.to_string(),
            role: role as i32,
        }
        .encode_to_vec(),
    }
}

/// The keys of a Fabric config-key table (`config-keys/core-keys.tsv`,
/// `config-keys/orderer-keys.tsv`): each flattened key with its JSON-encoded default.
pub fn config_keys(vectors: &std::path::Path, table: &str) -> Vec<(String, serde_json::Value)> {
    let path = vectors.join("config-keys").join(table);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (key, json) = line.split_once('\t').expect("key<TAB>default");
            let value = serde_json::from_str(json).expect("JSON default");
            (key.to_string(), value)
        })
        .collect()
}

/// Copies a folder tree (an MSP, say) so a test can change its copy.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
