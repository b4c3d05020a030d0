//! Fabric's configtx `ValidatorImpl`: holds a channel's current config as a config map and
//! authorizes CONFIG_UPDATEs against it. The rules: the update names this channel; every
//! read set element exists at the version read; every write set element that differs from
//! the read set (the delta set) is a valid new element (version 0) or the next version of an
//! existing one, and its existing mod_policy is satisfied by the update's signatures.

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message;

use super::configmap::{config_map_to_config, map_config, Comparable};
use super::ids::{validate_channel_id, validate_config_id};
use super::ConfigtxError;
use crate::policy::{Policy, PolicyManager, SignedData};
use crate::protos::common::{
    ChannelHeader, Config, ConfigEnvelope, ConfigUpdate, ConfigUpdateEnvelope, Envelope,
    HeaderType, Payload,
};

type ConfigMap = BTreeMap<String, Comparable>;

/// The validator of one channel's config transactions.
pub struct Validator {
    channel_id: String,
    sequence: u64,
    namespace: String,
    config_map: ConfigMap,
    config: Config,
    policy_manager: Arc<PolicyManager>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("channel_id", &self.channel_id)
            .field("sequence", &self.sequence)
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// A validator for `config` of `channel_id`; `namespace` is the root group's name
    /// (`Channel`), and `policy_manager` the policies of `config`.
    pub fn new(
        channel_id: &str,
        config: &Config,
        namespace: &str,
        policy_manager: Arc<PolicyManager>,
    ) -> Result<Self, ConfigtxError> {
        let root = config
            .channel_group
            .as_ref()
            .ok_or_else(|| ConfigtxError::Structure("nil channel group".into()))?;
        validate_channel_id(channel_id)
            .map_err(|e| ConfigtxError::BadId(format!("bad channel ID: {e}")))?;
        let config_map = map_config(root, namespace).map_err(|e| {
            ConfigtxError::Structure(format!("error converting config to map: {e}"))
        })?;
        Ok(Validator {
            channel_id: channel_id.to_string(),
            sequence: config.sequence,
            namespace: namespace.to_string(),
            config_map,
            config: config.clone(),
            policy_manager,
        })
    }

    /// The channel this validator serves.
    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The sequence number of the current config.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The current config.
    pub fn config_proto(&self) -> &Config {
        &self.config
    }

    /// Authorizes a CONFIG_UPDATE envelope and returns the config envelope it produces (the
    /// next sequence, with the update as `last_update`).
    pub fn propose_config_update(
        &self,
        envelope: &Envelope,
    ) -> Result<ConfigEnvelope, ConfigtxError> {
        let update_envelope = envelope_to_config_update(envelope)?;
        let map = self.authorize_update(&update_envelope)?;
        let channel_group = config_map_to_config(&map, &self.namespace).map_err(|e| {
            ConfigtxError::Structure(format!(
                "could not turn configMap back to channelGroup: {e}"
            ))
        })?;
        Ok(ConfigEnvelope {
            config: Some(Config {
                sequence: self.sequence + 1,
                channel_group: Some(channel_group),
            }),
            last_update: Some(envelope.clone()),
        })
    }

    /// Checks that a config envelope (a config block's content) is the next config: its
    /// sequence follows ours and its `last_update` authorizes and produces exactly its config.
    pub fn validate(&self, config_envelope: &ConfigEnvelope) -> Result<(), ConfigtxError> {
        let config = config_envelope
            .config
            .as_ref()
            .ok_or_else(|| ConfigtxError::Structure("config envelope has nil config".into()))?;
        if config.sequence != self.sequence + 1 {
            return Err(ConfigtxError::Mismatch(format!(
                "config currently at sequence {}, cannot validate config at sequence {}",
                self.sequence, config.sequence
            )));
        }
        let last_update = config_envelope.last_update.as_ref().ok_or_else(|| {
            ConfigtxError::Envelope("the config envelope has no last_update".into())
        })?;
        let proposed = self.propose_config_update(last_update)?;
        let produced = proposed.config.and_then(|c| c.channel_group);
        if produced != config.channel_group {
            return Err(ConfigtxError::Mismatch(
                "ConfigEnvelope LastUpdate did not produce the supplied config result".into(),
            ));
        }
        Ok(())
    }

    fn authorize_update(
        &self,
        update_envelope: &ConfigUpdateEnvelope,
    ) -> Result<ConfigMap, ConfigtxError> {
        let update = ConfigUpdate::decode(update_envelope.config_update.as_slice())
            .map_err(|e| ConfigtxError::Envelope(format!("malformed ConfigUpdate: {e}")))?;
        if update.channel_id != self.channel_id {
            return Err(ConfigtxError::WrongChannel {
                update: update.channel_id,
                channel: self.channel_id.clone(),
            });
        }
        let read_set = map_set(update.read_set.as_ref(), &self.namespace)
            .map_err(|e| ConfigtxError::ReadSet(format!("error mapping ReadSet: {e}")))?;
        self.verify_read_set(&read_set)?;
        let write_set = map_set(update.write_set.as_ref(), &self.namespace)
            .map_err(|e| ConfigtxError::DeltaSet(format!("error mapping WriteSet: {e}")))?;
        let delta = compute_delta_set(&read_set, &write_set);
        let signed = SignedData::from_config_update_envelope(update_envelope)
            .map_err(|e| ConfigtxError::Envelope(e.to_string()))?;
        self.verify_delta_set(&delta, &signed)?;
        let mut result = self.config_map.clone();
        result.extend(delta);
        if let Some(key) = write_set.keys().find(|k| !result.contains_key(*k)) {
            return Err(ConfigtxError::Structure(format!(
                "full config did not verify: writeset contained key {key} which did not \
                 appear in proposed config"
            )));
        }
        Ok(result)
    }

    fn verify_read_set(&self, read_set: &ConfigMap) -> Result<(), ConfigtxError> {
        for (key, value) in read_set {
            let existing = self.config_map.get(key).ok_or_else(|| {
                ConfigtxError::ReadSet(format!(
                    "existing config does not contain element for {key} but was in the read set"
                ))
            })?;
            if existing.version() != value.version() {
                return Err(ConfigtxError::ReadSet(format!(
                    "proposed update requires that key {key} be at version {}, but it is \
                     currently at version {}",
                    value.version(),
                    existing.version()
                )));
            }
        }
        Ok(())
    }

    fn verify_delta_set(
        &self,
        delta: &ConfigMap,
        signed: &[SignedData],
    ) -> Result<(), ConfigtxError> {
        if delta.is_empty() {
            return Err(ConfigtxError::DeltaSet(
                "delta set was empty -- update would have no effect".into(),
            ));
        }
        for (key, value) in delta {
            tracing::debug!(target: "common.configtx", "Processing change to key: {key}");
            validate_mod_policy(value.mod_policy()).map_err(|e| {
                ConfigtxError::DeltaSet(format!("invalid mod_policy for element {key}: {e}"))
            })?;
            let Some(existing) = self.config_map.get(key) else {
                if value.version() != 0 {
                    return Err(ConfigtxError::DeltaSet(format!(
                        "attempted to set key {key} to version {}, but key does not exist",
                        value.version()
                    )));
                }
                continue;
            };
            if value.version() != existing.version() + 1 {
                return Err(ConfigtxError::DeltaSet(format!(
                    "attempt to set key {key} to version {}, but key is at version {}",
                    value.version(),
                    existing.version()
                )));
            }
            let policy = self.policy_for_item(existing).ok_or_else(|| {
                ConfigtxError::DeltaSet(format!(
                    "unexpected missing policy {} for item {key}",
                    existing.mod_policy()
                ))
            })?;
            policy.evaluate(signed).map_err(|e| {
                ConfigtxError::DeltaSet(format!("policy for {key} not satisfied: {e}"))
            })?;
        }
        Ok(())
    }

    /// The mod_policy of an existing element: absolute paths from the channel's root,
    /// relative names from the group holding the element (or the group itself).
    fn policy_for_item(&self, item: &Comparable) -> Option<Arc<dyn Policy>> {
        let mod_policy = item.mod_policy();
        let mut manager: &PolicyManager = &self.policy_manager;
        if !mod_policy.starts_with('/') && !item.path.is_empty() {
            let mut path: Vec<&str> = item.path[1..].iter().map(String::as_str).collect();
            if item.is_group() {
                path.push(&item.key);
            }
            manager = manager.manager(&path)?;
        }
        manager.get_policy(mod_policy).ok()
    }
}

fn map_set(
    group: Option<&crate::protos::common::ConfigGroup>,
    namespace: &str,
) -> Result<ConfigMap, ConfigtxError> {
    match group {
        Some(group) => map_config(group, namespace),
        None => Ok(ConfigMap::new()),
    }
}

/// The write set elements that are not merely read (a different version than read).
fn compute_delta_set(read_set: &ConfigMap, write_set: &ConfigMap) -> ConfigMap {
    write_set
        .iter()
        .filter(|(key, value)| {
            read_set
                .get(*key)
                .is_none_or(|read| read.version() != value.version())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn validate_mod_policy(mod_policy: &str) -> Result<(), ConfigtxError> {
    if mod_policy.is_empty() {
        return Err(ConfigtxError::Structure("mod_policy not set".into()));
    }
    let trimmed = mod_policy.strip_prefix('/').unwrap_or(mod_policy);
    for (index, element) in trimmed.split('/').enumerate() {
        validate_config_id(element).map_err(|e| {
            ConfigtxError::Structure(format!("path element at {index} is invalid: {e}"))
        })?;
    }
    Ok(())
}

/// Extracts the config update envelope of a CONFIG_UPDATE envelope.
pub(crate) fn envelope_to_config_update(
    envelope: &Envelope,
) -> Result<ConfigUpdateEnvelope, ConfigtxError> {
    let payload = Payload::decode(envelope.payload.as_slice())
        .map_err(|e| ConfigtxError::Envelope(format!("malformed Payload: {e}")))?;
    let header = payload
        .header
        .ok_or_else(|| ConfigtxError::Envelope("the payload has no header".into()))?;
    let channel_header = ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|e| ConfigtxError::Envelope(format!("malformed ChannelHeader: {e}")))?;
    if channel_header.r#type != HeaderType::ConfigUpdate as i32 {
        return Err(ConfigtxError::Envelope(format!(
            "invalid type {}, expected CONFIG_UPDATE",
            HeaderType::try_from(channel_header.r#type)
                .map(|t| t.as_str_name().to_string())
                .unwrap_or_else(|_| channel_header.r#type.to_string())
        )));
    }
    ConfigUpdateEnvelope::decode(payload.data.as_slice())
        .map_err(|e| ConfigtxError::Envelope(format!("malformed ConfigUpdateEnvelope: {e}")))
}
