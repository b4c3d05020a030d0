//! Capabilities (Fabric's `common/capabilities`): the feature levels a channel, its orderer
//! and its application section require. A node refuses a config that requires a capability
//! it does not know.

use std::collections::BTreeSet;

use super::ChannelConfigError;
use crate::msp::MspVersion;
use crate::protos::common::Capabilities;

/// The capability names set in a `common.Capabilities` value, with the kind they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CapabilitySet {
    names: BTreeSet<String>,
}

impl CapabilitySet {
    fn new(value: Option<&Capabilities>) -> Self {
        CapabilitySet {
            names: value
                .map(|c| c.capabilities.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    fn supported(&self, kind: &'static str, known: &[&str]) -> Result<(), ChannelConfigError> {
        match self.names.iter().find(|n| !known.contains(&n.as_str())) {
            Some(name) => Err(ChannelConfigError::UnsupportedCapability {
                kind,
                name: name.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// Channel-wide capabilities (`/Channel/Capabilities`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelCapabilities(CapabilitySet);

impl ChannelCapabilities {
    pub const KNOWN: [&'static str; 4] = ["V1_1", "V1_3", "V1_4_2", "V1_4_3"];

    pub fn new(value: Option<&Capabilities>) -> Self {
        ChannelCapabilities(CapabilitySet::new(value))
    }

    /// The required capability names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.names.iter().map(String::as_str)
    }

    /// An error when a required capability is unknown here.
    pub fn supported(&self) -> Result<(), ChannelConfigError> {
        self.0.supported("Channel", &Self::KNOWN)
    }

    /// The MSP version the channel's MSPs run at.
    pub fn msp_version(&self) -> MspVersion {
        if self.0.has("V1_4_3") {
            MspVersion::V1_4_3
        } else if self.0.has("V1_4_2") || self.0.has("V1_3") {
            MspVersion::V1_3
        } else if self.0.has("V1_1") {
            MspVersion::V1_1
        } else {
            MspVersion::V1_0
        }
    }

    /// Whether the consensus type may be migrated (kafka to etcdraft).
    pub fn consensus_type_migration(&self) -> bool {
        self.0.has("V1_4_2") || self.0.has("V1_4_3")
    }

    /// Whether orderer orgs may carry their own `Endpoints`.
    pub fn org_specific_orderer_endpoints(&self) -> bool {
        self.0.has("V1_4_2") || self.0.has("V1_4_3")
    }
}

/// Orderer capabilities (`/Channel/Orderer/Capabilities`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrdererCapabilities(CapabilitySet);

impl OrdererCapabilities {
    pub const KNOWN: [&'static str; 2] = ["V1_1", "V1_4_2"];

    pub fn new(value: Option<&Capabilities>) -> Self {
        OrdererCapabilities(CapabilitySet::new(value))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.names.iter().map(String::as_str)
    }

    pub fn supported(&self) -> Result<(), ChannelConfigError> {
        self.0.supported("Orderer", &Self::KNOWN)
    }

    fn v1_1_or_later(&self) -> bool {
        self.0.has("V1_1") || self.0.has("V1_4_2")
    }

    /// New channels are created from a predictable template.
    pub fn predictable_channel_template(&self) -> bool {
        self.v1_1_or_later()
    }

    /// Messages are re-validated and resubmitted after a config change.
    pub fn resubmission(&self) -> bool {
        self.v1_1_or_later()
    }

    /// Expired identities are rejected.
    pub fn expiration_check(&self) -> bool {
        self.v1_1_or_later()
    }

    pub fn consensus_type_migration(&self) -> bool {
        self.0.has("V1_4_2")
    }
}

/// Application capabilities (`/Channel/Application/Capabilities`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationCapabilities(CapabilitySet);

impl ApplicationCapabilities {
    pub const KNOWN: [&'static str; 6] = [
        "V1_1",
        "V1_2",
        "V1_3",
        "V1_4_2",
        "V1_1_PVTDATA_EXPERIMENTAL",
        "V1_1_RESOURCETREE_EXPERIMENTAL",
    ];

    pub fn new(value: Option<&Capabilities>) -> Self {
        ApplicationCapabilities(CapabilitySet::new(value))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.names.iter().map(String::as_str)
    }

    pub fn supported(&self) -> Result<(), ChannelConfigError> {
        self.0.supported("Application", &Self::KNOWN)
    }

    fn any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.0.has(n))
    }

    /// Channel ACLs may be defined.
    pub fn acls(&self) -> bool {
        self.any(&["V1_2", "V1_3", "V1_4_2"])
    }

    pub fn forbid_duplicate_txid_in_block(&self) -> bool {
        self.any(&["V1_1", "V1_2", "V1_3", "V1_4_2"])
    }

    pub fn private_channel_data(&self) -> bool {
        self.any(&["V1_1_PVTDATA_EXPERIMENTAL", "V1_2", "V1_3", "V1_4_2"])
    }

    pub fn collection_upgrade(&self) -> bool {
        self.any(&["V1_2", "V1_3", "V1_4_2"])
    }

    pub fn v1_1_validation(&self) -> bool {
        self.any(&["V1_1", "V1_2", "V1_3", "V1_4_2"])
    }

    pub fn v1_2_validation(&self) -> bool {
        self.any(&["V1_2", "V1_3", "V1_4_2"])
    }

    pub fn v1_3_validation(&self) -> bool {
        self.any(&["V1_3", "V1_4_2"])
    }

    pub fn key_level_endorsement(&self) -> bool {
        self.any(&["V1_3", "V1_4_2"])
    }

    pub fn store_pvt_data_of_invalid_tx(&self) -> bool {
        self.0.has("V1_4_2")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::Capability;

    fn caps(names: &[&str]) -> Capabilities {
        Capabilities {
            capabilities: names
                .iter()
                .map(|n| (n.to_string(), Capability::default()))
                .collect(),
        }
    }

    #[test]
    fn msp_version_follows_channel_capabilities() {
        let version = |n: &[&str]| ChannelCapabilities::new(Some(&caps(n))).msp_version();
        assert_eq!(version(&["V1_4_3"]), MspVersion::V1_4_3);
        assert_eq!(version(&["V1_4_2"]), MspVersion::V1_3);
        assert_eq!(version(&["V1_3"]), MspVersion::V1_3);
        assert_eq!(version(&["V1_1"]), MspVersion::V1_1);
        assert_eq!(version(&[]), MspVersion::V1_0);
        assert_eq!(
            ChannelCapabilities::new(None).msp_version(),
            MspVersion::V1_0
        );
    }

    #[test]
    fn unknown_capabilities_are_refused() {
        let channel = ChannelCapabilities::new(Some(&caps(&["V1_4_3", "V9_9"])));
        assert_eq!(
            channel.supported().unwrap_err().to_string(),
            "Channel capability V9_9 is required but not supported; upgrade this node to a \
             release that supports it"
        );
        assert!(OrdererCapabilities::new(Some(&caps(&["V1_4_3"])))
            .supported()
            .is_err());
        assert!(OrdererCapabilities::new(Some(&caps(&["V1_4_2"])))
            .supported()
            .is_ok());
        assert!(ApplicationCapabilities::new(Some(&caps(&["V1_4_2"])))
            .supported()
            .is_ok());
    }

    #[test]
    fn application_features() {
        let app = ApplicationCapabilities::new(Some(&caps(&["V1_4_2"])));
        assert!(app.acls() && app.v1_3_validation() && app.key_level_endorsement());
        let old = ApplicationCapabilities::new(Some(&caps(&["V1_1"])));
        assert!(!old.acls() && old.v1_1_validation() && !old.v1_2_validation());
    }
}
