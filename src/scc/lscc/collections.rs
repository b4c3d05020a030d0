//! Private data collection configs at deploy and upgrade (Fabric's lscc
//! `putChaincodeCollectionData` and `checkCollectionMemberPolicy`): the package must decode,
//! each collection's member policy must be a well-formed signature policy over principals of
//! a supported type, and the package is written under `<chaincode>~collection`.

use std::sync::Arc;

use prost::Message;

use crate::msp::manager::MspManager;
use crate::msp::IdentityDeserializer;
use crate::policy::SignaturePolicyEvaluator;
use crate::protos::common::msp_principal::Classification;
use crate::protos::common::{
    collection_config, collection_policy_config, CollectionConfig, CollectionConfigPackage,
    MspRole, OrganizationUnit,
};

/// Why lscc refused a collection config (Fabric's texts).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CollectionConfigError {
    #[error("invalid collection configuration supplied for chaincode {name}:{version}")]
    Malformed { name: String, version: String },
    #[error("collection member policy check failed: {0}")]
    MemberPolicy(String),
}

/// Checks every collection of a marshalled `CollectionConfigPackage` against the channel's
/// MSPs.
pub fn check_collections(
    bytes: &[u8],
    name: &str,
    version: &str,
    msps: &Arc<MspManager>,
) -> Result<(), CollectionConfigError> {
    let package =
        CollectionConfigPackage::decode(bytes).map_err(|_| CollectionConfigError::Malformed {
            name: name.to_string(),
            version: version.to_string(),
        })?;
    for config in &package.config {
        check_collection_member_policy(config, msps)
            .map_err(CollectionConfigError::MemberPolicy)?;
    }
    Ok(())
}

/// Fabric's `checkCollectionMemberPolicy`: orgs outside the channel are only warned about
/// (the channel config may change later); malformed policies are refused.
fn check_collection_member_policy(
    config: &CollectionConfig,
    msps: &Arc<MspManager>,
) -> Result<(), String> {
    let Some(collection_config::Payload::StaticCollectionConfig(coll)) = &config.payload else {
        return Err("collection configuration is empty".into());
    };
    let policy = coll
        .member_orgs_policy
        .as_ref()
        .ok_or("collection member policy is not set")?;
    let Some(collection_policy_config::Payload::SignaturePolicy(envelope)) = &policy.payload else {
        return Err("collection member org policy is empty".into());
    };
    for principal in &envelope.identities {
        let org = member_org(&coll.name, principal, msps)?;
        if let Some(org) = org {
            tracing::warn!(target: "lscc", "collection-name: {} collection member {org} is not part of the channel", coll.name);
        }
    }
    SignaturePolicyEvaluator::new(envelope, msps.clone()).map_err(|e| {
        tracing::error!(target: "lscc", "Invalid member org policy for collection '{}', error: {e}", coll.name);
        format!("invalid member org policy for collection '{}': {e}", coll.name)
    })?;
    Ok(())
}

/// `None` when the principal belongs to the channel, else the org to warn about.
fn member_org(
    collection: &str,
    principal: &crate::protos::common::MspPrincipal,
    msps: &MspManager,
) -> Result<Option<String>, String> {
    let unmarshal = |e: prost::DecodeError| {
        format!("collection-name: {collection} -- cannot unmarshal identities: {e}")
    };
    let known = |id: &str| msps.msps().contains_key(id);
    match Classification::try_from(principal.principal_classification) {
        Ok(Classification::Role) => {
            let role = MspRole::decode(principal.principal.as_slice()).map_err(unmarshal)?;
            Ok((!known(&role.msp_identifier)).then_some(role.msp_identifier))
        }
        Ok(Classification::OrganizationUnit) => {
            let ou = OrganizationUnit::decode(principal.principal.as_slice()).map_err(unmarshal)?;
            Ok((!known(&ou.msp_identifier)).then_some(ou.msp_identifier))
        }
        Ok(Classification::Identity) => {
            let found = msps
                .msps()
                .values()
                .any(|m| m.deserialize_identity(&principal.principal).is_ok());
            Ok((!found).then(|| "identity principal".to_string()))
        }
        _ => Err(format!(
            "collection-name: {collection} -- principal type {} is not supported",
            principal.principal_classification
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::{
        CollectionPolicyConfig, MspPrincipal, SignaturePolicyEnvelope, StaticCollectionConfig,
    };

    fn package(policy: Option<SignaturePolicyEnvelope>) -> Vec<u8> {
        CollectionConfigPackage {
            config: vec![CollectionConfig {
                payload: Some(collection_config::Payload::StaticCollectionConfig(
                    StaticCollectionConfig {
                        name: "secret".into(),
                        member_orgs_policy: policy.map(|p| CollectionPolicyConfig {
                            payload: Some(collection_policy_config::Payload::SignaturePolicy(p)),
                        }),
                        required_peer_count: 0,
                        maximum_peer_count: 3,
                        block_to_live: 0,
                        member_only_read: true,
                    },
                )),
            }],
        }
        .encode_to_vec()
    }

    fn no_msps() -> Arc<MspManager> {
        Arc::new(MspManager::new(Vec::new()))
    }

    #[test]
    fn a_well_formed_policy_passes_even_for_orgs_outside_the_channel() {
        let policy = crate::policy::from_string("OR('Org1MSP.member','Org2MSP.member')").unwrap();
        check_collections(&package(Some(policy)), "cc", "1", &no_msps()).unwrap();
    }

    #[test]
    fn refusals_carry_fabrics_text() {
        let err = check_collections(b"\xff\xff", "cc", "1", &no_msps()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid collection configuration supplied for chaincode cc:1"
        );
        let err = check_collections(&package(None), "cc", "1", &no_msps()).unwrap_err();
        assert_eq!(
            err,
            CollectionConfigError::MemberPolicy("collection member policy is not set".into())
        );
        let mut policy = crate::policy::from_string("OR('Org1MSP.member')").unwrap();
        policy.identities.push(MspPrincipal {
            principal_classification: 7,
            principal: vec![],
        });
        let err = check_collections(&package(Some(policy)), "cc", "1", &no_msps())
            .unwrap_err()
            .to_string();
        assert!(err.contains("principal type 7 is not supported"), "{err}");
        let mut policy = crate::policy::from_string("OR('Org1MSP.member')").unwrap();
        policy.identities.clear();
        let err = check_collections(&package(Some(policy)), "cc", "1", &no_msps())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid member org policy for collection 'secret'"),
            "{err}"
        );
    }
}
