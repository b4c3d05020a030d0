//! The application section (`/Channel/Application`): its orgs with their anchor peers, the
//! channel ACLs and the application capabilities.

use std::collections::BTreeMap;

use super::capabilities::ApplicationCapabilities;
use super::organization::{MspConfigHandler, Organization};
use super::values::{GroupValues, ACLS_KEY, ANCHOR_PEERS_KEY, CAPABILITIES_KEY, MSP_KEY};
use super::ChannelConfigError;
use crate::protos::common::{Capabilities, ConfigGroup};
use crate::protos::protos::{AcLs, AnchorPeer, AnchorPeers};

/// An application org: the organization and its anchor peers.
#[derive(Debug, Clone)]
pub struct ApplicationOrg {
    org: Organization,
    anchor_peers: Vec<AnchorPeer>,
}

impl ApplicationOrg {
    pub fn organization(&self) -> &Organization {
        &self.org
    }

    pub fn name(&self) -> &str {
        self.org.name()
    }

    pub fn msp_id(&self) -> &str {
        self.org.msp_id()
    }

    /// The org's anchor peers (host and port).
    pub fn anchor_peers(&self) -> &[AnchorPeer] {
        &self.anchor_peers
    }
}

/// The application section of a channel config.
#[derive(Debug, Clone)]
pub struct ApplicationConfig {
    orgs: BTreeMap<String, ApplicationOrg>,
    acls: BTreeMap<String, String>,
    capabilities: ApplicationCapabilities,
}

impl ApplicationConfig {
    pub(crate) fn new(
        group: &ConfigGroup,
        path: &str,
        handler: &mut MspConfigHandler,
    ) -> Result<Self, ChannelConfigError> {
        let values = GroupValues::new(group, path, &[ACLS_KEY, CAPABILITIES_KEY])?;
        let capabilities = ApplicationCapabilities::new(
            values
                .get::<Capabilities>(CAPABILITIES_KEY, "common.Capabilities")?
                .as_ref(),
        );
        let acls: Option<AcLs> = values.get(ACLS_KEY, "protos.ACLs")?;
        if acls.is_some() && !capabilities.acls() {
            return Err(ChannelConfigError::invalid(
                &values.path_of(ACLS_KEY),
                "ACLs may not be specified without the required capability",
            ));
        }
        let acls = acls
            .map(|a| a.acls.into_iter().map(|(k, v)| (k, v.policy_ref)).collect())
            .unwrap_or_default();
        let mut orgs = BTreeMap::new();
        for (name, org_group) in &group.groups {
            let org_path = format!("{path}/{name}");
            let (org, org_values) = Organization::from_group(
                name,
                org_group,
                &org_path,
                &[MSP_KEY, ANCHOR_PEERS_KEY],
                handler,
            )?;
            let anchor_peers = org_values
                .get::<AnchorPeers>(ANCHOR_PEERS_KEY, "protos.AnchorPeers")?
                .map(|a| a.anchor_peers)
                .unwrap_or_default();
            orgs.insert(name.clone(), ApplicationOrg { org, anchor_peers });
        }
        Ok(ApplicationConfig {
            orgs,
            acls,
            capabilities,
        })
    }

    /// The application orgs by group name.
    pub fn organizations(&self) -> &BTreeMap<String, ApplicationOrg> {
        &self.orgs
    }

    /// The channel ACLs: resource name to policy reference.
    pub fn acls(&self) -> &BTreeMap<String, String> {
        &self.acls
    }

    pub fn capabilities(&self) -> &ApplicationCapabilities {
        &self.capabilities
    }
}
