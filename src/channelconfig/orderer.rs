//! The orderer section (`/Channel/Orderer`): consensus type and metadata, batch size and
//! timeout, Kafka brokers, channel restrictions, orderer capabilities and orderer orgs.

use std::collections::BTreeMap;
use std::time::Duration;

use prost::Message;

use super::capabilities::{ChannelCapabilities, OrdererCapabilities};
use super::organization::{MspConfigHandler, Organization};
use super::values::{
    GroupValues, BATCH_SIZE_KEY, BATCH_TIMEOUT_KEY, CAPABILITIES_KEY, CHANNEL_RESTRICTIONS_KEY,
    CONSENSUS_TYPE_KEY, ENDPOINTS_KEY, KAFKA_BROKERS_KEY, MSP_KEY,
};
use super::ChannelConfigError;
use crate::config::parse_go_duration;
use crate::protos::common::{Capabilities, ConfigGroup, OrdererAddresses};
use crate::protos::etcdraft::ConfigMetadata;
use crate::protos::orderer::{
    BatchSize, BatchTimeout, ChannelRestrictions, ConsensusType, KafkaBrokers,
};

/// The consensus type name of Raft.
pub const ETCDRAFT_TYPE: &str = "etcdraft";

/// An orderer org: the organization and, from V1_4_2, its own orderer endpoints.
#[derive(Debug, Clone)]
pub struct OrdererOrg {
    org: Organization,
    endpoints: Vec<String>,
}

impl OrdererOrg {
    pub fn organization(&self) -> &Organization {
        &self.org
    }

    pub fn name(&self) -> &str {
        self.org.name()
    }

    pub fn msp_id(&self) -> &str {
        self.org.msp_id()
    }

    /// The org's orderer endpoints (`host:port`).
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }
}

/// The orderer section of a channel config.
#[derive(Debug, Clone)]
pub struct OrdererConfig {
    consensus_type: ConsensusType,
    etcdraft: Option<ConfigMetadata>,
    batch_size: BatchSize,
    batch_timeout: Duration,
    kafka_brokers: Vec<String>,
    max_channels: u64,
    capabilities: OrdererCapabilities,
    orgs: BTreeMap<String, OrdererOrg>,
}

impl OrdererConfig {
    pub(crate) fn new(
        group: &ConfigGroup,
        path: &str,
        handler: &mut MspConfigHandler,
        channel_capabilities: &ChannelCapabilities,
    ) -> Result<Self, ChannelConfigError> {
        let values = GroupValues::new(
            group,
            path,
            &[
                CONSENSUS_TYPE_KEY,
                BATCH_SIZE_KEY,
                BATCH_TIMEOUT_KEY,
                KAFKA_BROKERS_KEY,
                CHANNEL_RESTRICTIONS_KEY,
                CAPABILITIES_KEY,
            ],
        )?;
        let consensus_type: ConsensusType = values
            .get(CONSENSUS_TYPE_KEY, "orderer.ConsensusType")?
            .unwrap_or_default();
        let etcdraft = if consensus_type.r#type == ETCDRAFT_TYPE {
            let metadata =
                ConfigMetadata::decode(consensus_type.metadata.as_slice()).map_err(|e| {
                    ChannelConfigError::invalid(
                        &values.path_of(CONSENSUS_TYPE_KEY),
                        format!(
                            "the etcdraft metadata is not a valid etcdraft.ConfigMetadata: {e}"
                        ),
                    )
                })?;
            Some(metadata)
        } else {
            None
        };
        let batch_size: BatchSize = values
            .get(BATCH_SIZE_KEY, "orderer.BatchSize")?
            .unwrap_or_default();
        validate_batch_size(&batch_size)
            .map_err(|r| ChannelConfigError::invalid(&values.path_of(BATCH_SIZE_KEY), r))?;
        let timeout: BatchTimeout = values
            .get(BATCH_TIMEOUT_KEY, "orderer.BatchTimeout")?
            .unwrap_or_default();
        let batch_timeout = parse_batch_timeout(&timeout.timeout)
            .map_err(|r| ChannelConfigError::invalid(&values.path_of(BATCH_TIMEOUT_KEY), r))?;
        let kafka_brokers = values
            .get::<KafkaBrokers>(KAFKA_BROKERS_KEY, "orderer.KafkaBrokers")?
            .map(|k| k.brokers)
            .unwrap_or_default();
        if let Some(bad) = kafka_brokers.iter().find(|b| !broker_seems_valid(b)) {
            return Err(ChannelConfigError::invalid(
                &values.path_of(KAFKA_BROKERS_KEY),
                format!("Invalid broker entry: {bad}"),
            ));
        }
        let max_channels = values
            .get::<ChannelRestrictions>(CHANNEL_RESTRICTIONS_KEY, "orderer.ChannelRestrictions")?
            .map_or(0, |r| r.max_count);
        let capabilities = OrdererCapabilities::new(
            values
                .get::<Capabilities>(CAPABILITIES_KEY, "common.Capabilities")?
                .as_ref(),
        );
        let mut orgs = BTreeMap::new();
        for (name, org_group) in &group.groups {
            let org = orderer_org(
                name,
                org_group,
                &format!("{path}/{name}"),
                handler,
                channel_capabilities,
            )?;
            orgs.insert(name.clone(), org);
        }
        Ok(OrdererConfig {
            consensus_type,
            etcdraft,
            batch_size,
            batch_timeout,
            kafka_brokers,
            max_channels,
            capabilities,
            orgs,
        })
    }

    /// The consensus type (`solo`, `kafka`, `etcdraft`).
    pub fn consensus_type(&self) -> &str {
        &self.consensus_type.r#type
    }

    /// The consensus type's raw metadata.
    pub fn consensus_metadata(&self) -> &[u8] {
        &self.consensus_type.metadata
    }

    /// The consensus migration state (`orderer.ConsensusType.State`).
    pub fn consensus_state(&self) -> i32 {
        self.consensus_type.state
    }

    /// The Raft metadata (consenters and options) when the type is etcdraft.
    pub fn etcdraft(&self) -> Option<&ConfigMetadata> {
        self.etcdraft.as_ref()
    }

    pub fn batch_size(&self) -> &BatchSize {
        &self.batch_size
    }

    pub fn batch_timeout(&self) -> Duration {
        self.batch_timeout
    }

    pub fn kafka_brokers(&self) -> &[String] {
        &self.kafka_brokers
    }

    /// The most channels the ordering service accepts (0: no limit).
    pub fn max_channels_count(&self) -> u64 {
        self.max_channels
    }

    pub fn capabilities(&self) -> &OrdererCapabilities {
        &self.capabilities
    }

    /// The orderer orgs by group name.
    pub fn organizations(&self) -> &BTreeMap<String, OrdererOrg> {
        &self.orgs
    }
}

fn orderer_org(
    name: &str,
    group: &ConfigGroup,
    path: &str,
    handler: &mut MspConfigHandler,
    channel_capabilities: &ChannelCapabilities,
) -> Result<OrdererOrg, ChannelConfigError> {
    if group.values.contains_key(ENDPOINTS_KEY)
        && !channel_capabilities.org_specific_orderer_endpoints()
    {
        return Err(ChannelConfigError::invalid(
            path,
            format!("Orderer Org {name} cannot contain endpoints value until V1_4_2+ capabilities have been enabled"),
        ));
    }
    let (org, values) =
        Organization::from_group(name, group, path, &[MSP_KEY, ENDPOINTS_KEY], handler)?;
    let endpoints = values
        .get::<OrdererAddresses>(ENDPOINTS_KEY, "common.OrdererAddresses")?
        .map(|a| a.addresses)
        .unwrap_or_default();
    Ok(OrdererOrg { org, endpoints })
}

fn validate_batch_size(size: &BatchSize) -> Result<(), String> {
    if size.max_message_count == 0 {
        return Err(
            "Attempted to set the batch size max message count to an invalid value: 0".into(),
        );
    }
    if size.absolute_max_bytes == 0 {
        return Err(
            "Attempted to set the batch size absolute max bytes to an invalid value: 0".into(),
        );
    }
    if size.preferred_max_bytes == 0 {
        return Err(
            "Attempted to set the batch size preferred max bytes to an invalid value: 0".into(),
        );
    }
    if size.preferred_max_bytes > size.absolute_max_bytes {
        return Err(format!(
            "Attempted to set the batch size preferred max bytes ({}) greater than the absolute max bytes ({}).",
            size.preferred_max_bytes, size.absolute_max_bytes
        ));
    }
    Ok(())
}

fn parse_batch_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_go_duration(text).ok_or_else(|| {
        format!("Attempted to set the batch timeout to a invalid value: time: invalid duration \"{text}\"")
    })?;
    if timeout.is_zero() {
        return Err(format!(
            "Attempted to set the batch timeout to a non-positive value: {text}"
        ));
    }
    Ok(timeout)
}

/// A bare sanity check of a Kafka broker address (`host:port`).
fn broker_seems_valid(broker: &str) -> bool {
    let Some((host, port)) = broker.split_once(':') else {
        return false;
    };
    if port.contains(':') || port.parse::<u16>().is_err() {
        return false;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_size_rules() {
        let ok = BatchSize {
            max_message_count: 10,
            absolute_max_bytes: 100,
            preferred_max_bytes: 50,
        };
        assert!(validate_batch_size(&ok).is_ok());
        assert!(validate_batch_size(&BatchSize {
            max_message_count: 0,
            ..ok
        })
        .is_err());
        assert!(validate_batch_size(&BatchSize {
            absolute_max_bytes: 0,
            ..ok
        })
        .is_err());
        assert!(validate_batch_size(&BatchSize {
            preferred_max_bytes: 0,
            ..ok
        })
        .is_err());
        let err = validate_batch_size(&BatchSize {
            preferred_max_bytes: 101,
            ..ok
        })
        .unwrap_err();
        assert!(
            err.contains("(101) greater than the absolute max bytes (100)"),
            "{err}"
        );
    }

    #[test]
    fn batch_timeouts() {
        assert_eq!(parse_batch_timeout("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(
            parse_batch_timeout("1m30s").unwrap(),
            Duration::from_secs(90)
        );
        assert!(parse_batch_timeout("0s")
            .unwrap_err()
            .contains("non-positive"));
        assert!(parse_batch_timeout("")
            .unwrap_err()
            .contains("invalid value"));
        assert!(parse_batch_timeout("2 seconds").is_err());
    }

    #[test]
    fn brokers() {
        for ok in ["127.0.0.1:9092", "kafka0:9092", "k-1.example.com:1"] {
            assert!(broker_seems_valid(ok), "{ok}");
        }
        for bad in [
            "kafka0",
            ":9092",
            "kafka0:",
            "kafka0:99999",
            "a:b:c",
            "-a:1",
            "a_b:1",
        ] {
            assert!(!broker_seems_valid(bad), "{bad}");
        }
    }
}
