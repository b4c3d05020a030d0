//! VSCC, the built-in validation plugin (Fabric's `core/handlers/validation/builtin`, named
//! `vscc` in chaincode definitions): decides whether one transaction's writes to one
//! namespace are endorsed as the chaincode's policy requires.
//!
//! - With the application capability V1_3 (or later) the v1.3 logic runs: key-level
//!   endorsement ([`statebased`]) on every written key, the chaincode policy otherwise.
//! - Before that (V1_2 and earlier) the v1.2 logic runs: the endorsements, de-duplicated by
//!   endorser, must satisfy the chaincode policy.
//! - Either way, an lscc invocation gets the deploy/upgrade checks of [`lscc_validation`].
//!
//! [`ChaincodeData`] (what lscc stores per chaincode) lives here too: the committer reads the
//! chaincode's policy from it.

pub use crate::scc::lscc::chaincode_data;
pub mod lscc_validation;
pub mod rwset;
pub mod statebased;

use std::sync::Arc;

use prost::Message;

pub use chaincode_data::{ChaincodeData, LSCC_NAMESPACE};
pub use statebased::KeyLevelDependencies;

use crate::channelconfig::ApplicationCapabilities;
use crate::ledger::QueryExecutor;
use crate::msp::IdentityDeserializer;
use crate::protos::common::{ChannelHeader, Envelope, HeaderType, Payload};
use crate::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, Endorsement, ProposalResponsePayload, Transaction,
};

/// The name of the built-in validation plugin.
pub const VSCC_PLUGIN_NAME: &str = "vscc";

/// Why VSCC refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VsccError {
    /// The transaction is invalid (ENDORSEMENT_POLICY_FAILURE).
    #[error("{0}")]
    EndorsementPolicy(String),
    /// Validation could not run (a state read failed): the block cannot be validated.
    #[error("{0}")]
    ExecutionFailure(String),
}

/// The pieces of an endorser transaction VSCC works on (Fabric's `validationArtifacts`).
struct Artifacts {
    rwset: Vec<u8>,
    prp: Vec<u8>,
    endorsements: Vec<Endorsement>,
    chdr: ChannelHeader,
    envelope: Envelope,
    payload: Payload,
    action_payload: ChaincodeActionPayload,
}

fn extract_artifacts(envelope_bytes: &[u8]) -> Result<Artifacts, String> {
    let envelope = Envelope::decode(envelope_bytes).map_err(|e| e.to_string())?;
    let payload = Payload::decode(envelope.payload.as_slice()).map_err(|e| e.to_string())?;
    let header = payload.header.as_ref().ok_or("the payload has no header")?;
    let chdr =
        ChannelHeader::decode(header.channel_header.as_slice()).map_err(|e| e.to_string())?;
    if chdr.r#type != HeaderType::EndorserTransaction as i32 {
        return Err(format!(
            "Only Endorser Transactions are supported, provided type {}",
            chdr.r#type
        ));
    }
    let tx = Transaction::decode(payload.data.as_slice()).map_err(|e| e.to_string())?;
    let action = tx.actions.first().ok_or("the transaction has no action")?;
    let action_payload =
        ChaincodeActionPayload::decode(action.payload.as_slice()).map_err(|e| e.to_string())?;
    let endorsed = action_payload
        .action
        .as_ref()
        .ok_or("the chaincode action payload has no endorsed action")?;
    let prp_bytes = endorsed.proposal_response_payload.clone();
    let prp = ProposalResponsePayload::decode(prp_bytes.as_slice())
        .map_err(|e| format!("GetProposalResponsePayload error {e}"))?;
    if prp.extension.is_empty() {
        return Err("nil pRespPayload.Extension".into());
    }
    let cc_action = ChaincodeAction::decode(prp.extension.as_slice())
        .map_err(|e| format!("GetChaincodeAction error {e}"))?;
    Ok(Artifacts {
        rwset: cc_action.results,
        prp: prp_bytes,
        endorsements: endorsed.endorsements.clone(),
        chdr,
        envelope,
        payload,
        action_payload,
    })
}

/// The built-in validation plugin bound to one channel's state for one block.
pub struct Vscc<'a> {
    pub capabilities: &'a ApplicationCapabilities,
    pub deserializer: Arc<dyn IdentityDeserializer>,
    pub state: &'a dyn QueryExecutor,
    pub dependencies: &'a KeyLevelDependencies,
}

impl Vscc<'_> {
    /// Validates transaction `tx_num` of block `block_num` (its envelope bytes) for
    /// `namespace` under the marshalled endorsement policy `policy`.
    pub fn validate(
        &self,
        block_num: u64,
        tx_num: usize,
        envelope_bytes: &[u8],
        namespace: &str,
        policy: &[u8],
    ) -> Result<(), VsccError> {
        if self.capabilities.v1_3_validation() {
            let result = self.validate_v13(block_num, tx_num, envelope_bytes, namespace, policy);
            self.dependencies.record(tx_num, namespace, result.is_ok());
            result
        } else {
            self.validate_v12(envelope_bytes, namespace, policy)
        }
    }

    fn validate_v13(
        &self,
        block_num: u64,
        tx_num: usize,
        envelope_bytes: &[u8],
        namespace: &str,
        policy: &[u8],
    ) -> Result<(), VsccError> {
        let a = extract_artifacts(envelope_bytes).map_err(VsccError::EndorsementPolicy)?;
        let key_level = statebased::KeyLevelValidator {
            deserializer: &self.deserializer,
            state: self.state,
            dependencies: self.dependencies,
        };
        key_level.validate(
            namespace,
            block_num,
            tx_num,
            &a.rwset,
            &a.prp,
            policy,
            &a.endorsements,
        )?;
        self.validate_lscc(namespace, &a)
    }

    fn validate_v12(
        &self,
        envelope_bytes: &[u8],
        namespace: &str,
        policy: &[u8],
    ) -> Result<(), VsccError> {
        let a = extract_artifacts(envelope_bytes).map_err(VsccError::EndorsementPolicy)?;
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<Endorsement> = a
            .endorsements
            .iter()
            .filter(|e| seen.insert(e.endorser.clone()))
            .cloned()
            .collect();
        let signed = statebased::endorsement_signed_data(&a.prp, &unique);
        if let Err(e) = statebased::evaluate_policy(policy, &signed, &self.deserializer) {
            tracing::warn!(target: "vscc", "Endorsement policy failure for transaction txid={}, err: {e}", a.chdr.tx_id);
            if unique.len() < a.endorsements.len() {
                return Err(VsccError::EndorsementPolicy(
                    "Endorsement policy evaluation failure might be caused by duplicated identities".into(),
                ));
            }
            return Err(VsccError::EndorsementPolicy(format!(
                "VSCC error: endorsement policy failure, err: {e}"
            )));
        }
        self.validate_lscc(namespace, &a)
    }

    fn validate_lscc(&self, namespace: &str, a: &Artifacts) -> Result<(), VsccError> {
        if namespace != LSCC_NAMESPACE {
            return Ok(());
        }
        lscc_validation::LsccInvocation {
            channel_id: &a.chdr.channel_id,
            envelope: &a.envelope,
            payload: &a.payload,
            action_payload: &a.action_payload,
            capabilities: self.capabilities,
            state: self.state,
            deserializer: &self.deserializer,
        }
        .validate()
    }
}
