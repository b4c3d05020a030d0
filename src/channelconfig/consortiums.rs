//! The consortiums section of a system channel (`/Channel/Consortiums`): each consortium's
//! member orgs and the policy that governs creating channels in it.

use std::collections::BTreeMap;

use super::organization::{MspConfigHandler, Organization};
use super::values::{GroupValues, CHANNEL_CREATION_POLICY_KEY, MSP_KEY};
use super::ChannelConfigError;
use crate::protos::common::{ConfigGroup, Policy};

/// One consortium.
#[derive(Debug, Clone)]
pub struct ConsortiumConfig {
    orgs: BTreeMap<String, Organization>,
    channel_creation_policy: Option<Policy>,
}

impl ConsortiumConfig {
    /// The member orgs by group name.
    pub fn organizations(&self) -> &BTreeMap<String, Organization> {
        &self.orgs
    }

    /// The policy a channel creation request in this consortium must satisfy.
    pub fn channel_creation_policy(&self) -> Option<&Policy> {
        self.channel_creation_policy.as_ref()
    }
}

/// Every consortium of the system channel.
#[derive(Debug, Clone)]
pub struct ConsortiumsConfig {
    consortiums: BTreeMap<String, ConsortiumConfig>,
}

impl ConsortiumsConfig {
    pub(crate) fn new(
        group: &ConfigGroup,
        path: &str,
        handler: &mut MspConfigHandler,
    ) -> Result<Self, ChannelConfigError> {
        GroupValues::new(group, path, &[])?;
        let mut consortiums = BTreeMap::new();
        for (name, consortium) in &group.groups {
            let consortium_path = format!("{path}/{name}");
            let values =
                GroupValues::new(consortium, &consortium_path, &[CHANNEL_CREATION_POLICY_KEY])?;
            let channel_creation_policy =
                values.get::<Policy>(CHANNEL_CREATION_POLICY_KEY, "common.Policy")?;
            let mut orgs = BTreeMap::new();
            for (org_name, org_group) in &consortium.groups {
                let org_path = format!("{consortium_path}/{org_name}");
                let (org, _) =
                    Organization::from_group(org_name, org_group, &org_path, &[MSP_KEY], handler)?;
                orgs.insert(org_name.clone(), org);
            }
            consortiums.insert(
                name.clone(),
                ConsortiumConfig {
                    orgs,
                    channel_creation_policy,
                },
            );
        }
        Ok(ConsortiumsConfig { consortiums })
    }

    /// The consortiums by name.
    pub fn consortiums(&self) -> &BTreeMap<String, ConsortiumConfig> {
        &self.consortiums
    }
}
