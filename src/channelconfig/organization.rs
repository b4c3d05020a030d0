//! Organizations (application, orderer and consortium orgs share this part) and the MSP
//! config handler that collects every org's MSP into the channel's MSP manager.

use std::collections::BTreeMap;

use super::values::{GroupValues, MSP_KEY};
use super::ChannelConfigError;
use crate::msp::{MspManager, MspVersion, X509Msp};
use crate::protos::common::ConfigGroup;
use crate::protos::msp::MspConfig;

/// An organization of the channel: its group name and its MSP.
#[derive(Debug, Clone)]
pub struct Organization {
    name: String,
    msp_id: String,
    msp_config: MspConfig,
}

impl Organization {
    /// The org's group name (`Org1MSP`; not necessarily its MSP id).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The MSP id of the org's MSP.
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The org's MSP definition as configured.
    pub fn msp_config(&self) -> &MspConfig {
        &self.msp_config
    }

    /// Reads an org group at `path`, checking that it has no sub-groups and only the
    /// `allowed` values, and proposes its MSP to `handler`.
    pub(crate) fn from_group<'g>(
        name: &str,
        group: &'g ConfigGroup,
        path: &str,
        allowed: &[&str],
        handler: &mut MspConfigHandler,
    ) -> Result<(Self, GroupValues<'g>), ChannelConfigError> {
        if !group.groups.is_empty() {
            return Err(ChannelConfigError::invalid(
                path,
                "organizations do not support sub-groups",
            ));
        }
        let values = GroupValues::new(group, path, allowed)?;
        let msp_config: MspConfig = values.get(MSP_KEY, "msp.MSPConfig")?.unwrap_or_default();
        let msp_id = handler.propose(&values.path_of(MSP_KEY), &msp_config)?;
        if msp_id.is_empty() {
            return Err(ChannelConfigError::invalid(
                path,
                format!("MSP for org {name} has empty MSP ID"),
            ));
        }
        let org = Organization {
            name: name.to_string(),
            msp_id,
            msp_config,
        };
        Ok((org, values))
    }
}

/// Collects the MSPs of every org of a config, set up at the channel's MSP version; the same
/// MSP id may appear in several sections only with the same definition.
#[derive(Debug)]
pub(crate) struct MspConfigHandler {
    version: MspVersion,
    msps: BTreeMap<String, (MspConfig, X509Msp)>,
}

impl MspConfigHandler {
    pub(crate) fn new(version: MspVersion) -> Self {
        MspConfigHandler {
            version,
            msps: BTreeMap::new(),
        }
    }

    /// Sets the MSP up and records it; returns its MSP id.
    fn propose(&mut self, path: &str, config: &MspConfig) -> Result<String, ChannelConfigError> {
        let msp =
            X509Msp::new(config, self.version, None).map_err(|source| ChannelConfigError::Msp {
                path: path.to_string(),
                source,
            })?;
        let id = msp.identifier().to_string();
        if let Some((existing, _)) = self.msps.get(&id) {
            if existing != config {
                return Err(ChannelConfigError::invalid(
                    path,
                    format!("Attempted to define two different versions of MSP: {id}"),
                ));
            }
            return Ok(id);
        }
        self.msps.insert(id.clone(), (config.clone(), msp));
        Ok(id)
    }

    /// The channel's MSP manager.
    pub(crate) fn into_manager(self) -> MspManager {
        MspManager::new(self.msps.into_values().map(|(_, msp)| msp))
    }
}
