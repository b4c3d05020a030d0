//! The standard config values: their keys, their constructors (Fabric's
//! `channelconfig/util.go`, what configtxgen writes) and typed decoding with errors that
//! name the value's config path.

use std::collections::BTreeMap;

use prost::Message;

use super::ChannelConfigError;
use crate::protos::common::{
    BlockDataHashingStructure, Capabilities, Capability, ConfigGroup, Consortium,
    HashingAlgorithm as HashingAlgorithmProto, OrdererAddresses, Policy,
};
use crate::protos::msp::MspConfig;
use crate::protos::orderer::{
    BatchSize, BatchTimeout, ChannelRestrictions, ConsensusType, KafkaBrokers,
};
use crate::protos::protos::{AcLs, AnchorPeer, AnchorPeers, ApiResource};
use crate::protoutil::marshal;

pub const HASHING_ALGORITHM_KEY: &str = "HashingAlgorithm";
pub const BLOCK_DATA_HASHING_STRUCTURE_KEY: &str = "BlockDataHashingStructure";
pub const ORDERER_ADDRESSES_KEY: &str = "OrdererAddresses";
pub const CONSORTIUM_KEY: &str = "Consortium";
pub const CAPABILITIES_KEY: &str = "Capabilities";
pub const CONSENSUS_TYPE_KEY: &str = "ConsensusType";
pub const BATCH_SIZE_KEY: &str = "BatchSize";
pub const BATCH_TIMEOUT_KEY: &str = "BatchTimeout";
pub const CHANNEL_RESTRICTIONS_KEY: &str = "ChannelRestrictions";
pub const KAFKA_BROKERS_KEY: &str = "KafkaBrokers";
pub const MSP_KEY: &str = "MSP";
pub const ENDPOINTS_KEY: &str = "Endpoints";
pub const ANCHOR_PEERS_KEY: &str = "AnchorPeers";
pub const ACLS_KEY: &str = "ACLs";
pub const CHANNEL_CREATION_POLICY_KEY: &str = "ChannelCreationPolicy";

/// The only hashing algorithm configtxgen writes.
pub const DEFAULT_HASHING_ALGORITHM: &str = "SHA256";
/// The only block data hashing width Fabric v1.4 supports.
pub const DEFAULT_BLOCK_DATA_HASHING_WIDTH: u32 = u32::MAX;

/// A standard config value: its key and its encoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardValue {
    pub key: &'static str,
    pub value: Vec<u8>,
}

fn standard(key: &'static str, message: &impl Message) -> StandardValue {
    StandardValue {
        key,
        value: message.encode_to_vec(),
    }
}

pub fn hashing_algorithm_value() -> StandardValue {
    standard(
        HASHING_ALGORITHM_KEY,
        &HashingAlgorithmProto {
            name: DEFAULT_HASHING_ALGORITHM.into(),
        },
    )
}

pub fn block_data_hashing_structure_value() -> StandardValue {
    standard(
        BLOCK_DATA_HASHING_STRUCTURE_KEY,
        &BlockDataHashingStructure {
            width: DEFAULT_BLOCK_DATA_HASHING_WIDTH,
        },
    )
}

pub fn orderer_addresses_value(addresses: &[String]) -> StandardValue {
    standard(
        ORDERER_ADDRESSES_KEY,
        &OrdererAddresses {
            addresses: addresses.to_vec(),
        },
    )
}

pub fn consortium_value(name: &str) -> StandardValue {
    standard(CONSORTIUM_KEY, &Consortium { name: name.into() })
}

/// Only the capabilities set to `true` are written (presence means required). Marshaled as
/// Go does: each map entry carries its (empty) `Capability` value explicitly, so the bytes
/// equal what Fabric writes.
pub fn capabilities_value(capabilities: &BTreeMap<String, bool>) -> StandardValue {
    let message = Capabilities {
        capabilities: capabilities
            .iter()
            .filter(|(_, required)| **required)
            .map(|(name, _)| (name.clone(), Capability::default()))
            .collect(),
    };
    StandardValue {
        key: CAPABILITIES_KEY,
        value: marshal("common.Capabilities", &message),
    }
}

pub fn consensus_type_value(consensus_type: &str, metadata: Vec<u8>) -> StandardValue {
    standard(
        CONSENSUS_TYPE_KEY,
        &ConsensusType {
            r#type: consensus_type.into(),
            metadata,
            state: 0,
        },
    )
}

pub fn batch_size_value(
    max_message_count: u32,
    absolute_max_bytes: u32,
    preferred_max_bytes: u32,
) -> StandardValue {
    standard(
        BATCH_SIZE_KEY,
        &BatchSize {
            max_message_count,
            absolute_max_bytes,
            preferred_max_bytes,
        },
    )
}

/// `timeout` in Go's duration syntax ("2s").
pub fn batch_timeout_value(timeout: &str) -> StandardValue {
    standard(
        BATCH_TIMEOUT_KEY,
        &BatchTimeout {
            timeout: timeout.into(),
        },
    )
}

pub fn channel_restrictions_value(max_count: u64) -> StandardValue {
    standard(CHANNEL_RESTRICTIONS_KEY, &ChannelRestrictions { max_count })
}

pub fn kafka_brokers_value(brokers: &[String]) -> StandardValue {
    standard(
        KAFKA_BROKERS_KEY,
        &KafkaBrokers {
            brokers: brokers.to_vec(),
        },
    )
}

pub fn msp_value(config: &MspConfig) -> StandardValue {
    standard(MSP_KEY, config)
}

pub fn endpoints_value(addresses: &[String]) -> StandardValue {
    standard(
        ENDPOINTS_KEY,
        &OrdererAddresses {
            addresses: addresses.to_vec(),
        },
    )
}

pub fn anchor_peers_value(anchor_peers: &[AnchorPeer]) -> StandardValue {
    standard(
        ANCHOR_PEERS_KEY,
        &AnchorPeers {
            anchor_peers: anchor_peers.to_vec(),
        },
    )
}

/// Resource name to policy reference (map entries marshaled as Go does, see
/// [`capabilities_value`]).
pub fn acls_value(acls: &BTreeMap<String, String>) -> StandardValue {
    let message = AcLs {
        acls: acls
            .iter()
            .map(|(name, policy_ref)| {
                let resource = ApiResource {
                    policy_ref: policy_ref.clone(),
                };
                (name.clone(), resource)
            })
            .collect(),
    };
    StandardValue {
        key: ACLS_KEY,
        value: marshal("protos.ACLs", &message),
    }
}

pub fn channel_creation_policy_value(policy: &Policy) -> StandardValue {
    standard(CHANNEL_CREATION_POLICY_KEY, policy)
}

/// The typed values of one config group, decoded by key with errors naming the path.
pub(crate) struct GroupValues<'a> {
    group: &'a ConfigGroup,
    path: String,
}

impl<'a> GroupValues<'a> {
    /// Checks that `group` at `path` holds only the `allowed` value keys.
    pub(crate) fn new(
        group: &'a ConfigGroup,
        path: &str,
        allowed: &[&str],
    ) -> Result<Self, ChannelConfigError> {
        if let Some(key) = group.values.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ChannelConfigError::invalid(
                &format!("{path}/{key}"),
                format!(
                    "unexpected value key {key} (allowed here: {})",
                    allowed.join(", ")
                ),
            ));
        }
        Ok(GroupValues {
            group,
            path: path.to_string(),
        })
    }

    /// The config path of a member of this group.
    pub(crate) fn path_of(&self, key: &str) -> String {
        format!("{}/{key}", self.path)
    }

    /// Decodes the value `key` as `T`; `None` when absent.
    pub(crate) fn get<T: Message + Default>(
        &self,
        key: &str,
        type_name: &str,
    ) -> Result<Option<T>, ChannelConfigError> {
        match self.group.values.get(key) {
            None => Ok(None),
            Some(value) => T::decode(value.value.as_slice()).map(Some).map_err(|e| {
                ChannelConfigError::invalid(
                    &self.path_of(key),
                    format!("the value is not a valid {type_name}: {e}"),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::ConfigValue;

    #[test]
    fn capabilities_keep_only_required_ones() {
        let mut caps = BTreeMap::new();
        caps.insert("V1_4_3".to_string(), true);
        caps.insert("V1_1".to_string(), false);
        let value = capabilities_value(&caps);
        let decoded = Capabilities::decode(value.value.as_slice()).unwrap();
        assert_eq!(decoded.capabilities.keys().collect::<Vec<_>>(), ["V1_4_3"]);
        // Go writes the empty Capability value of each entry (`12 00`).
        assert_eq!(value.value, b"\x0a\x0a\x0a\x06V1_4_3\x12\x00");
        assert_eq!(value.key, "Capabilities");
    }

    #[test]
    fn acls_round_trip() {
        let acls: BTreeMap<String, String> = [(
            "peer/Propose".to_string(),
            "/Channel/Application/Writers".to_string(),
        )]
        .into();
        let value = acls_value(&acls).value;
        let decoded = AcLs::decode(value.as_slice()).unwrap();
        // A default ApiResource would be written as an explicit empty value too.
        let empty: BTreeMap<String, String> = [("a".to_string(), String::new())].into();
        assert_eq!(acls_value(&empty).value, b"\x0a\x05\x0a\x01a\x12\x00");
        assert_eq!(
            decoded.acls["peer/Propose"].policy_ref,
            "/Channel/Application/Writers"
        );
    }

    #[test]
    fn group_values_name_the_path() {
        let mut group = ConfigGroup::default();
        group.values.insert(
            "BatchSize".into(),
            ConfigValue {
                value: vec![0xff],
                ..Default::default()
            },
        );
        let values = GroupValues::new(&group, "/Channel/Orderer", &["BatchSize"]).unwrap();
        let err = values
            .get::<BatchSize>("BatchSize", "orderer.BatchSize")
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "/Channel/Orderer/BatchSize: the value is not a valid orderer.BatchSize"
            ),
            "{err}"
        );
        let err = GroupValues::new(&group, "/Channel/Orderer", &["BatchTimeout"])
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("unexpected value key BatchSize"),
            "{err}"
        );
    }
}
