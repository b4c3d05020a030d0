//! The channel-wide values (`/Channel`): hashing algorithm, block data hashing structure,
//! orderer addresses, consortium and channel capabilities; and the sections below them.

use super::application::ApplicationConfig;
use super::capabilities::ChannelCapabilities;
use super::consortiums::ConsortiumsConfig;
use super::orderer::OrdererConfig;
use super::organization::MspConfigHandler;
use super::values::{
    GroupValues, BLOCK_DATA_HASHING_STRUCTURE_KEY, CAPABILITIES_KEY, CONSORTIUM_KEY,
    HASHING_ALGORITHM_KEY, ORDERER_ADDRESSES_KEY,
};
use super::{
    ChannelConfigError, APPLICATION_GROUP_KEY, CONSORTIUMS_GROUP_KEY, ORDERER_GROUP_KEY,
    ROOT_GROUP_KEY,
};
use crate::msp::MspManager;
use crate::protos::common::{
    BlockDataHashingStructure, Capabilities, ConfigGroup, Consortium,
    HashingAlgorithm as HashingAlgorithmProto, OrdererAddresses,
};

/// The hash function of a channel's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashingAlgorithm {
    Sha256,
    Sha3_256,
}

impl HashingAlgorithm {
    /// Hashes `input`.
    pub fn hash(self, input: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            HashingAlgorithm::Sha256 => sha2::Sha256::digest(input).to_vec(),
            HashingAlgorithm::Sha3_256 => sha3::Sha3_256::digest(input).to_vec(),
        }
    }
}

/// The channel config: root values plus the orderer, application and consortiums sections.
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    hashing_algorithm: HashingAlgorithm,
    block_data_hashing_width: u32,
    orderer_addresses: Vec<String>,
    consortium: String,
    capabilities: ChannelCapabilities,
    orderer: Option<OrdererConfig>,
    application: Option<ApplicationConfig>,
    consortiums: Option<ConsortiumsConfig>,
}

impl ChannelConfig {
    /// Reads the channel group and its sections; returns the config and the channel's MSP
    /// manager (every org's MSP at the version the channel capabilities select).
    pub fn new(root: &ConfigGroup) -> Result<(Self, MspManager), ChannelConfigError> {
        let path = format!("/{ROOT_GROUP_KEY}");
        let values = GroupValues::new(
            root,
            &path,
            &[
                HASHING_ALGORITHM_KEY,
                BLOCK_DATA_HASHING_STRUCTURE_KEY,
                ORDERER_ADDRESSES_KEY,
                CONSORTIUM_KEY,
                CAPABILITIES_KEY,
            ],
        )?;
        let capabilities = ChannelCapabilities::new(
            values
                .get::<Capabilities>(CAPABILITIES_KEY, "common.Capabilities")?
                .as_ref(),
        );
        let algorithm: HashingAlgorithmProto = values
            .get(HASHING_ALGORITHM_KEY, "common.HashingAlgorithm")?
            .unwrap_or_default();
        let hashing_algorithm = match algorithm.name.as_str() {
            "SHA256" => HashingAlgorithm::Sha256,
            "SHA3_256" => HashingAlgorithm::Sha3_256,
            other => {
                return Err(ChannelConfigError::invalid(
                    &values.path_of(HASHING_ALGORITHM_KEY),
                    format!("Unknown hashing algorithm type: {other}"),
                ))
            }
        };
        let width = values
            .get::<BlockDataHashingStructure>(
                BLOCK_DATA_HASHING_STRUCTURE_KEY,
                "common.BlockDataHashingStructure",
            )?
            .unwrap_or_default()
            .width;
        if width != u32::MAX {
            return Err(ChannelConfigError::invalid(
                &values.path_of(BLOCK_DATA_HASHING_STRUCTURE_KEY),
                "BlockDataHashStructure width only supported at MaxUint32 in this version",
            ));
        }
        let orderer_addresses = values
            .get::<OrdererAddresses>(ORDERER_ADDRESSES_KEY, "common.OrdererAddresses")?
            .map(|a| a.addresses)
            .unwrap_or_default();
        if orderer_addresses.is_empty() && !capabilities.org_specific_orderer_endpoints() {
            return Err(ChannelConfigError::invalid(
                &values.path_of(ORDERER_ADDRESSES_KEY),
                "Must set some OrdererAddresses",
            ));
        }
        let consortium = values
            .get::<Consortium>(CONSORTIUM_KEY, "common.Consortium")?
            .map(|c| c.name)
            .unwrap_or_default();
        let mut config = ChannelConfig {
            hashing_algorithm,
            block_data_hashing_width: width,
            orderer_addresses,
            consortium,
            capabilities,
            orderer: None,
            application: None,
            consortiums: None,
        };
        let handler = config.read_sections(root, &path)?;
        Ok((config, handler.into_manager()))
    }

    fn read_sections(
        &mut self,
        root: &ConfigGroup,
        path: &str,
    ) -> Result<MspConfigHandler, ChannelConfigError> {
        let mut handler = MspConfigHandler::new(self.capabilities.msp_version());
        for (name, group) in &root.groups {
            let group_path = format!("{path}/{name}");
            match name.as_str() {
                APPLICATION_GROUP_KEY => {
                    self.application =
                        Some(ApplicationConfig::new(group, &group_path, &mut handler)?)
                }
                ORDERER_GROUP_KEY => {
                    self.orderer = Some(OrdererConfig::new(
                        group,
                        &group_path,
                        &mut handler,
                        &self.capabilities,
                    )?)
                }
                CONSORTIUMS_GROUP_KEY => {
                    self.consortiums =
                        Some(ConsortiumsConfig::new(group, &group_path, &mut handler)?)
                }
                _ => {
                    return Err(ChannelConfigError::invalid(
                        &group_path,
                        format!("Disallowed channel group: {name}"),
                    ))
                }
            }
        }
        Ok(handler)
    }

    pub fn hashing_algorithm(&self) -> HashingAlgorithm {
        self.hashing_algorithm
    }

    pub fn block_data_hashing_structure_width(&self) -> u32 {
        self.block_data_hashing_width
    }

    /// The channel-wide orderer addresses (`host:port`).
    pub fn orderer_addresses(&self) -> &[String] {
        &self.orderer_addresses
    }

    /// The consortium the channel was created in (empty for a system channel).
    pub fn consortium_name(&self) -> &str {
        &self.consortium
    }

    pub fn capabilities(&self) -> &ChannelCapabilities {
        &self.capabilities
    }

    pub fn orderer(&self) -> Option<&OrdererConfig> {
        self.orderer.as_ref()
    }

    pub fn application(&self) -> Option<&ApplicationConfig> {
        self.application.as_ref()
    }

    pub fn consortiums(&self) -> Option<&ConsortiumsConfig> {
        self.consortiums.as_ref()
    }
}
