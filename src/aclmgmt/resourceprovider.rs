//! The peer's ACL provider (Fabric's `core/aclmgmt/resourceprovider.go`): the channel
//! config's `ACLs` value (allowed only with the V1_2+ application ACLs capability) names the
//! policy of a resource; resources it does not name fall back to [`DefaultAclProvider`].

use super::defaultaclprovider::DefaultAclProvider;
use super::policy_checker::{proposal_signed_data, PolicyChecker};
use super::{AclError, AclProvider, AclSubject};
use crate::channelconfig::Bundle;
use crate::policy::SignedData;

/// Channel-config ACLs first, Fabric's defaults second.
#[derive(Clone)]
pub struct ResourceProvider {
    default: DefaultAclProvider,
}

/// The policy a channel config names for a resource, made absolute as Fabric does
/// (`MyPolicy` → `/Channel/Application/MyPolicy`); empty references fall back.
pub fn policy_ref_for_api(bundle: &Bundle, resource: &str) -> Option<String> {
    let reference = bundle.application_config()?.acls().get(resource)?;
    if reference.is_empty() {
        tracing::warn!(target: "aclmgmt", "Policy reference for resource '{resource}' is specified, but empty, falling back to default");
        return None;
    }
    if reference.starts_with('/') {
        Some(reference.clone())
    } else {
        Some(format!("/Channel/Application/{reference}"))
    }
}

impl ResourceProvider {
    pub fn new(checker: PolicyChecker) -> Self {
        ResourceProvider {
            default: DefaultAclProvider::new(checker),
        }
    }

    /// The policy checker underneath (for the local MSP checks of system chaincodes).
    pub fn checker(&self) -> &PolicyChecker {
        self.default.checker()
    }

    fn check_config_policy(
        bundle: &Bundle,
        policy_name: &str,
        subject: AclSubject<'_>,
    ) -> Result<(), AclError> {
        let signed = match subject {
            AclSubject::Proposal(sp) => {
                let context = format!("check policy [{policy_name}]");
                vec![proposal_signed_data(sp, &context)?]
            }
            AclSubject::Envelope(envelope) => SignedData::from_envelope(envelope)
                .map_err(|e| AclError::BadRequest(e.to_string()))?,
            AclSubject::SignedData(sd) => sd.to_vec(),
        };
        let outcome = match bundle.policy_manager().get_policy(policy_name) {
            Ok(policy) => policy.evaluate(&signed).map_err(|e| e.to_string()),
            Err(_) => Err(format!("policy {policy_name} not found")),
        };
        outcome.map_err(|e| {
            AclError::Evaluation(format!(
                "failed evaluating policy on signed data during check policy [{policy_name}]: [{e}]"
            ))
        })
    }
}

impl AclProvider for ResourceProvider {
    fn check_acl(
        &self,
        resource: &str,
        channel_id: &str,
        subject: AclSubject<'_>,
    ) -> Result<(), AclError> {
        if let Some(bundle) = self.checker().bundles().bundle(channel_id) {
            if let Some(policy) = policy_ref_for_api(&bundle, resource) {
                tracing::debug!(target: "aclmgmt", "acl policy {policy} found in config for resource {resource}");
                return Self::check_config_policy(&bundle, &policy, subject);
            }
        }
        self.default.check_acl(resource, channel_id, subject)
    }
}
