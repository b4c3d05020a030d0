//! Policy checks on signed requests (Fabric's `core/policy` PolicyChecker): against a
//! channel's policies by name (`/Channel/Application/Writers`), or, for requests that name no
//! channel, against the peer's local MSP with the `Admins` / `Members` principals (Fabric's
//! `mgmt.Admins`, `mgmt.Members`).

use std::sync::Arc;

use prost::Message;

use super::AclError;
use crate::channelconfig::Bundle;
use crate::msp::{IdentityDeserializer, X509Msp};
use crate::policy::cauthdsl::role_principal;
use crate::policy::SignedData;
use crate::protos::common::msp_role::MspRoleType;
use crate::protos::common::{Header, MspPrincipal, SignatureHeader};
use crate::protos::peer::{Proposal, SignedProposal};

/// Finds the config bundle in force on a channel (Fabric's channel policy manager getter).
pub trait BundleSource: Send + Sync {
    fn bundle(&self, channel_id: &str) -> Option<Arc<Bundle>>;
}

impl BundleSource for crate::peer::Peer {
    fn bundle(&self, channel_id: &str) -> Option<Arc<Bundle>> {
        self.channel(channel_id).map(|c| c.bundle())
    }
}

/// The local MSP policy names a channel-less check understands (Fabric's `mgmt.Admins`
/// and `mgmt.Members`).
pub const LOCAL_ADMINS: &str = "Admins";
pub const LOCAL_MEMBERS: &str = "Members";

/// Checks signed proposals and signed data against channel or local MSP policies.
#[derive(Clone)]
pub struct PolicyChecker {
    bundles: Arc<dyn BundleSource>,
    local_msp: X509Msp,
}

/// The single signed datum of a signed proposal: the proposal bytes signed by the creator
/// of its signature header. `context` names the check in the error text, as Fabric does.
pub(crate) fn proposal_signed_data(
    signed: &SignedProposal,
    context: &str,
) -> Result<SignedData, AclError> {
    let proposal = Proposal::decode(signed.proposal_bytes.as_slice()).map_err(|e| {
        AclError::BadRequest(format!(
            "Failing extracting proposal during {context}: [error unmarshaling Proposal: {e}]"
        ))
    })?;
    let header = Header::decode(proposal.header.as_slice()).map_err(|e| {
        AclError::BadRequest(format!(
            "Failing extracting header during {context}: [error unmarshaling Header: {e}]"
        ))
    })?;
    let shdr = SignatureHeader::decode(header.signature_header.as_slice()).map_err(|e| {
        AclError::BadRequest(format!(
            "Invalid Proposal's SignatureHeader during {context}: [error unmarshaling SignatureHeader: {e}]"
        ))
    })?;
    Ok(SignedData {
        data: signed.proposal_bytes.clone(),
        identity: shdr.creator,
        signature: signed.signature.clone(),
    })
}

impl PolicyChecker {
    /// A checker over the channels `bundles` knows and the peer's `local_msp`.
    pub fn new(bundles: Arc<dyn BundleSource>, local_msp: X509Msp) -> Self {
        PolicyChecker { bundles, local_msp }
    }

    /// The peer's local MSP.
    pub fn local_msp(&self) -> &X509Msp {
        &self.local_msp
    }

    /// The channel config source.
    pub fn bundles(&self) -> &Arc<dyn BundleSource> {
        &self.bundles
    }

    /// The local MSP principal of a channel-less policy name.
    fn local_principal(&self, policy_name: &str) -> Result<MspPrincipal, String> {
        let role = match policy_name {
            LOCAL_ADMINS => MspRoleType::Admin,
            LOCAL_MEMBERS => MspRoleType::Member,
            other => return Err(format!("MSP Principal for role [{other}] not found.")),
        };
        Ok(role_principal(self.local_msp.identifier(), role))
    }

    /// Checks a signed proposal against `policy_name` on `channel_id`; an empty channel id
    /// means the local MSP (see [`Self::check_policy_no_channel`]).
    pub fn check_policy(
        &self,
        channel_id: &str,
        policy_name: &str,
        signed: &SignedProposal,
    ) -> Result<(), AclError> {
        if channel_id.is_empty() {
            return self.check_policy_no_channel(policy_name, signed);
        }
        if policy_name.is_empty() {
            return Err(AclError::BadRequest(format!(
                "Invalid policy name during check policy on channel [{channel_id}]. Name must be different from nil."
            )));
        }
        if self.bundles.bundle(channel_id).is_none() {
            return Err(AclError::BadRequest(format!(
                "Failed to get policy manager for channel [{channel_id}]"
            )));
        }
        let context = format!("check policy on channel [{channel_id}] with policy [{policy_name}]");
        let sd = proposal_signed_data(signed, &context)?;
        self.check_policy_by_signed_data(channel_id, policy_name, &[sd])
    }

    /// Checks that the creator of a signed proposal satisfies the local MSP principal
    /// `policy_name` (`Admins` or `Members`) and signed the proposal.
    pub fn check_policy_no_channel(
        &self,
        policy_name: &str,
        signed: &SignedProposal,
    ) -> Result<(), AclError> {
        if policy_name.is_empty() {
            return Err(AclError::BadRequest(
                "Invalid policy name during channelless check policy. Name must be different from nil."
                    .into(),
            ));
        }
        let context = format!("channelless check policy with policy [{policy_name}]");
        let sd = proposal_signed_data(signed, &context)?;
        let denied =
            |what: &str, e: String| AclError::Evaluation(format!("{what} during {context}: [{e}]"));
        let id = self
            .local_msp
            .deserialize_identity(&sd.identity)
            .map_err(|e| denied("Failed deserializing proposal creator", e.to_string()))?;
        let principal = self
            .local_principal(policy_name)
            .map_err(|e| denied("Failed getting local MSP principal", e))?;
        id.satisfies_principal(&principal).map_err(|e| {
            denied(
                "Failed verifying that proposal's creator satisfies local MSP principal",
                e.to_string(),
            )
        })?;
        id.verify(&sd.data, &sd.signature)
            .map_err(|e| AclError::Evaluation(e.to_string()))
    }

    /// Evaluates the channel policy `policy_name` over `signed`.
    pub fn check_policy_by_signed_data(
        &self,
        channel_id: &str,
        policy_name: &str,
        signed: &[SignedData],
    ) -> Result<(), AclError> {
        if channel_id.is_empty() {
            return Err(AclError::BadRequest(
                "Invalid channel ID name during check policy on signed data. Name must be different from nil."
                    .into(),
            ));
        }
        if policy_name.is_empty() {
            return Err(AclError::BadRequest(format!(
                "Invalid policy name during check policy on signed data on channel [{channel_id}]. Name must be different from nil."
            )));
        }
        let bundle = self.bundles.bundle(channel_id).ok_or_else(|| {
            AclError::BadRequest(format!(
                "Failed to get policy manager for channel [{channel_id}]"
            ))
        })?;
        let outcome = bundle
            .policy_manager()
            .get_policy(policy_name)
            .and_then(|policy| policy.evaluate(signed));
        outcome.map_err(|e| {
            AclError::Evaluation(format!(
                "Failed evaluating policy on signed data during check policy on channel [{channel_id}] with policy [{policy_name}]: [{e}]"
            ))
        })
    }
}
