//! Fabric's default resource → policy map (`core/aclmgmt/defaultaclprovider.go`), used when
//! the channel config names no ACL for a resource. Peer-wide resources (`lscc/Install`,
//! `cscc/JoinChain`, ...) have no entry here: their system chaincodes check the local MSP
//! themselves.

use std::collections::HashMap;

use super::policy_checker::PolicyChecker;
use super::resources::*;
use super::{AclError, AclProvider, AclSubject};
use crate::policy::SignedData;

/// `/Channel/Application/Readers`.
pub const CHANNEL_READERS: &str = "/Channel/Application/Readers";
/// `/Channel/Application/Writers`.
pub const CHANNEL_WRITERS: &str = "/Channel/Application/Writers";

/// The channel resources and the policy Fabric applies to each by default.
pub fn default_channel_policies() -> HashMap<&'static str, &'static str> {
    [
        (LSCC_CHAINCODE_EXISTS, CHANNEL_READERS),
        (LSCC_GET_DEPLOYMENT_SPEC, CHANNEL_READERS),
        (LSCC_GET_CHAINCODE_DATA, CHANNEL_READERS),
        (LSCC_GET_INSTANTIATED_CHAINCODES, CHANNEL_READERS),
        (LSCC_GET_COLLECTIONS_CONFIG, CHANNEL_READERS),
        (QSCC_GET_CHAIN_INFO, CHANNEL_READERS),
        (QSCC_GET_BLOCK_BY_NUMBER, CHANNEL_READERS),
        (QSCC_GET_BLOCK_BY_HASH, CHANNEL_READERS),
        (QSCC_GET_TRANSACTION_BY_ID, CHANNEL_READERS),
        (QSCC_GET_BLOCK_BY_TX_ID, CHANNEL_READERS),
        (CSCC_GET_CONFIG_BLOCK, CHANNEL_READERS),
        (CSCC_GET_CONFIG_TREE, CHANNEL_READERS),
        (CSCC_SIMULATE_CONFIG_TREE_UPDATE, CHANNEL_WRITERS),
        (PEER_PROPOSE, CHANNEL_WRITERS),
        (PEER_CHAINCODE_TO_CHAINCODE, CHANNEL_WRITERS),
        (TOKEN_ISSUE, CHANNEL_WRITERS),
        (TOKEN_TRANSFER, CHANNEL_WRITERS),
        (TOKEN_LIST, CHANNEL_READERS),
        (EVENT_BLOCK, CHANNEL_READERS),
        (EVENT_FILTERED_BLOCK, CHANNEL_READERS),
    ]
    .into_iter()
    .collect()
}

/// Checks resources against Fabric's default policies.
#[derive(Clone)]
pub struct DefaultAclProvider {
    checker: PolicyChecker,
    channel_policies: HashMap<&'static str, &'static str>,
}

impl DefaultAclProvider {
    pub fn new(checker: PolicyChecker) -> Self {
        DefaultAclProvider {
            checker,
            channel_policies: default_channel_policies(),
        }
    }

    /// The default policy of a resource, if it has one.
    pub fn default_policy(&self, resource: &str) -> Option<&'static str> {
        self.channel_policies.get(resource).copied()
    }

    pub fn checker(&self) -> &PolicyChecker {
        &self.checker
    }
}

impl AclProvider for DefaultAclProvider {
    fn check_acl(
        &self,
        resource: &str,
        channel_id: &str,
        subject: AclSubject<'_>,
    ) -> Result<(), AclError> {
        let Some(policy) = self.default_policy(resource) else {
            tracing::error!(target: "aclmgmt", "Unmapped policy for {resource}");
            return Err(AclError::UnknownResource(resource.to_string()));
        };
        match subject {
            AclSubject::Proposal(signed) => self.checker.check_policy(channel_id, policy, signed),
            AclSubject::Envelope(envelope) => {
                let sd = SignedData::from_envelope(envelope)
                    .map_err(|e| AclError::BadRequest(e.to_string()))?;
                self.checker
                    .check_policy_by_signed_data(channel_id, policy, &sd)
            }
            AclSubject::SignedData(sd) => self
                .checker
                .check_policy_by_signed_data(channel_id, policy, sd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fabric_defaults_readers_writers_and_no_peer_wide_entries() {
        let map = default_channel_policies();
        assert_eq!(map[QSCC_GET_CHAIN_INFO], CHANNEL_READERS);
        assert_eq!(map[PEER_PROPOSE], CHANNEL_WRITERS);
        assert_eq!(map[CSCC_SIMULATE_CONFIG_TREE_UPDATE], CHANNEL_WRITERS);
        assert_eq!(map[EVENT_FILTERED_BLOCK], CHANNEL_READERS);
        for peer_wide in [
            LSCC_INSTALL,
            LSCC_GET_INSTALLED_CHAINCODES,
            CSCC_JOIN_CHAIN,
            CSCC_GET_CHANNELS,
            LSCC_DEPLOY,
        ] {
            assert!(!map.contains_key(peer_wide), "{peer_wide}");
        }
        assert_eq!(
            AclError::UnknownResource(LSCC_INSTALL.into()).to_string(),
            "Unmapped policy for lscc/Install"
        );
    }
}
