//! The bundle: everything a node derives from one channel config, built at once and
//! immutable (Fabric's `channelconfig.Bundle`).

use std::sync::Arc;

use prost::Message;

use super::channel::ChannelConfig;
use super::values::CAPABILITIES_KEY;
use super::{
    ApplicationConfig, ChannelConfigError, ConsortiumsConfig, OrdererConfig, APPLICATION_GROUP_KEY,
    ORDERER_GROUP_KEY, ROOT_GROUP_KEY,
};
use crate::configtx::Validator;
use crate::msp::MspManager;
use crate::policy::PolicyManager;
use crate::protos::common::{ChannelHeader, Config, ConfigEnvelope, Envelope, Payload};

/// A channel's config with its typed views, MSP manager, policy manager and validator.
pub struct Bundle {
    channel_id: String,
    config: ChannelConfig,
    msp_manager: Arc<MspManager>,
    policy_manager: Arc<PolicyManager>,
    validator: Validator,
}

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bundle")
            .field("channel_id", &self.channel_id)
            .field("sequence", &self.sequence())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Bundle {
    /// Builds the bundle of `config` for `channel_id`, refusing malformed values and
    /// required capabilities this node does not support.
    pub fn new(channel_id: &str, config: &Config) -> Result<Self, ChannelConfigError> {
        let root = config.channel_group.as_ref().ok_or_else(|| {
            ChannelConfigError::invalid("/Channel", "config must contain a channel group")
        })?;
        pre_validate(root)?;
        let (channel, msp_manager) = ChannelConfig::new(root)?;
        check_capabilities(&channel)?;
        let msp_manager = Arc::new(msp_manager);
        let policy_manager = Arc::new(PolicyManager::for_channel(root, msp_manager.clone())?);
        let validator = Validator::new(channel_id, config, ROOT_GROUP_KEY, policy_manager.clone())?;
        Ok(Bundle {
            channel_id: channel_id.to_string(),
            config: channel,
            msp_manager,
            policy_manager,
            validator,
        })
    }

    /// The bundle of the config carried by a CONFIG envelope (a config block's transaction),
    /// for the channel its header names.
    pub fn from_config_envelope(envelope: &Envelope) -> Result<Self, ChannelConfigError> {
        let bad =
            |what: &str, e: String| ChannelConfigError::invalid("envelope", format!("{what}: {e}"));
        let payload = Payload::decode(envelope.payload.as_slice())
            .map_err(|e| bad("failed to unmarshal payload from envelope", e.to_string()))?;
        let config_envelope = ConfigEnvelope::decode(payload.data.as_slice()).map_err(|e| {
            bad(
                "failed to unmarshal config envelope from payload",
                e.to_string(),
            )
        })?;
        let header = payload.header.ok_or_else(|| {
            ChannelConfigError::invalid("envelope", "envelope header cannot be nil")
        })?;
        let channel_header = ChannelHeader::decode(header.channel_header.as_slice())
            .map_err(|e| bad("failed to unmarshal channel header", e.to_string()))?;
        let config = config_envelope.config.ok_or_else(|| {
            ChannelConfigError::invalid("envelope", "the config envelope has no config")
        })?;
        Bundle::new(&channel_header.channel_id, &config)
    }

    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The channel values and sections.
    pub fn channel_config(&self) -> &ChannelConfig {
        &self.config
    }

    pub fn orderer_config(&self) -> Option<&OrdererConfig> {
        self.config.orderer()
    }

    pub fn application_config(&self) -> Option<&ApplicationConfig> {
        self.config.application()
    }

    pub fn consortiums_config(&self) -> Option<&ConsortiumsConfig> {
        self.config.consortiums()
    }

    /// The channel's MSPs (also its identity deserializer).
    pub fn msp_manager(&self) -> &Arc<MspManager> {
        &self.msp_manager
    }

    /// The channel's policies (`/Channel/Application/Writers`, ...).
    pub fn policy_manager(&self) -> &Arc<PolicyManager> {
        &self.policy_manager
    }

    /// The validator of config updates against this config.
    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// The config this bundle was built from.
    pub fn config_proto(&self) -> &Config {
        self.validator.config_proto()
    }

    /// The sequence number of this config.
    pub fn sequence(&self) -> u64 {
        self.validator.sequence()
    }
}

/// Capabilities must be enabled in the orderer section before the channel or application.
fn pre_validate(root: &crate::protos::common::ConfigGroup) -> Result<(), ChannelConfigError> {
    let Some(orderer) = root.groups.get(ORDERER_GROUP_KEY) else {
        return Ok(());
    };
    if orderer.values.contains_key(CAPABILITIES_KEY) {
        return Ok(());
    }
    if root.values.contains_key(CAPABILITIES_KEY) {
        return Err(ChannelConfigError::invalid(
            "/Channel/Capabilities",
            "cannot enable channel capabilities without orderer support first",
        ));
    }
    let app_caps = root
        .groups
        .get(APPLICATION_GROUP_KEY)
        .is_some_and(|a| a.values.contains_key(CAPABILITIES_KEY));
    if app_caps {
        return Err(ChannelConfigError::invalid(
            "/Channel/Application/Capabilities",
            "cannot enable application capabilities without orderer support first",
        ));
    }
    Ok(())
}

fn check_capabilities(channel: &ChannelConfig) -> Result<(), ChannelConfigError> {
    channel.capabilities().supported()?;
    if let Some(orderer) = channel.orderer() {
        orderer.capabilities().supported()?;
    }
    if let Some(application) = channel.application() {
        application.capabilities().supported()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channelconfig::values::{
        block_data_hashing_structure_value, hashing_algorithm_value, orderer_addresses_value,
        StandardValue,
    };
    use crate::protos::common::{ConfigGroup, ConfigValue, HashingAlgorithm};

    fn put(group: &mut ConfigGroup, v: StandardValue) {
        group.values.insert(
            v.key.to_string(),
            ConfigValue {
                value: v.value,
                mod_policy: "Admins".into(),
                version: 0,
            },
        );
    }

    fn root() -> ConfigGroup {
        let mut root = ConfigGroup::default();
        put(&mut root, hashing_algorithm_value());
        put(&mut root, block_data_hashing_structure_value());
        put(
            &mut root,
            orderer_addresses_value(&["127.0.0.1:7050".into()]),
        );
        root
    }

    fn bundle(root: ConfigGroup) -> Result<Bundle, ChannelConfigError> {
        Bundle::new(
            "mychannel",
            &Config {
                sequence: 4,
                channel_group: Some(root),
            },
        )
    }

    #[test]
    fn minimal_channel_loads() {
        let b = bundle(root()).unwrap();
        assert_eq!(b.sequence(), 4);
        assert_eq!(b.channel_config().orderer_addresses(), ["127.0.0.1:7050"]);
        assert!(b.orderer_config().is_none());
        assert_eq!(b.validator().channel_id(), "mychannel");
    }

    #[test]
    fn errors_name_the_config_path() {
        let mut bad = root();
        bad.groups.insert("Bogus".into(), ConfigGroup::default());
        assert_eq!(
            bundle(bad).unwrap_err().to_string(),
            "/Channel/Bogus: Disallowed channel group: Bogus"
        );

        let mut bad = root();
        put(
            &mut bad,
            StandardValue {
                key: "HashingAlgorithm",
                value: HashingAlgorithm { name: "MD5".into() }.encode_to_vec(),
            },
        );
        assert_eq!(
            bundle(bad).unwrap_err().to_string(),
            "/Channel/HashingAlgorithm: Unknown hashing algorithm type: MD5"
        );

        let mut bad = root();
        bad.values.remove("OrdererAddresses");
        assert!(bundle(bad)
            .unwrap_err()
            .to_string()
            .contains("Must set some OrdererAddresses"));

        assert!(Bundle::new(
            "Bad_Channel",
            &Config {
                sequence: 0,
                channel_group: Some(root())
            }
        )
        .unwrap_err()
        .to_string()
        .contains("bad channel ID"));
    }

    #[test]
    fn capabilities_need_orderer_support_first() {
        let mut with_caps = root();
        with_caps
            .groups
            .insert("Orderer".into(), ConfigGroup::default());
        put(
            &mut with_caps,
            crate::channelconfig::values::capabilities_value(
                &[("V1_4_3".to_string(), true)].into_iter().collect(),
            ),
        );
        assert_eq!(
            bundle(with_caps).unwrap_err().to_string(),
            "/Channel/Capabilities: cannot enable channel capabilities without orderer support first"
        );
    }

    #[test]
    fn unknown_channel_capability_is_refused() {
        let mut r = root();
        put(
            &mut r,
            crate::channelconfig::values::capabilities_value(
                &[("V2_0".to_string(), true)].into_iter().collect(),
            ),
        );
        let err = bundle(r).unwrap_err();
        assert!(
            matches!(err, ChannelConfigError::UnsupportedCapability { .. }),
            "{err}"
        );
    }
}
