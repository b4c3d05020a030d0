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

pub use chaincode_data::{ChaincodeData, LSCC_NAMESPACE};
pub use statebased::{EndorsementPolicies, KeyLevelDependencies};

use crate::channelconfig::ApplicationCapabilities;
use crate::ledger::QueryExecutor;
use crate::msp::IdentityDeserializer;
use crate::protos::common::{ChannelHeader, Envelope, HeaderType, Payload};
use crate::protos::peer::{ChaincodeActionPayload, Endorsement};
use rwset::TxRwSet;

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

/// The pieces of an endorser transaction VSCC works on (Fabric's `validationArtifacts`),
/// decoded once by the committer and lent to every namespace's validation.
pub struct TxArtifacts<'a> {
    pub envelope: &'a Envelope,
    pub payload: &'a Payload,
    pub chdr: &'a ChannelHeader,
    pub action_payload: &'a ChaincodeActionPayload,
    /// The marshalled ProposalResponsePayload the endorsers signed.
    pub prp: &'a [u8],
    /// Whether the ProposalResponsePayload carries a chaincode action (its extension).
    pub has_extension: bool,
    pub rwset: &'a TxRwSet,
}

impl TxArtifacts<'_> {
    fn endorsements(&self) -> &[Endorsement] {
        self.action_payload
            .action
            .as_ref()
            .map_or(&[], |a| a.endorsements.as_slice())
    }

    /// Fabric's `extractValidationArtifacts` checks on the decoded pieces.
    fn check(&self) -> Result<(), VsccError> {
        if self.chdr.r#type != HeaderType::EndorserTransaction as i32 {
            return Err(VsccError::EndorsementPolicy(format!(
                "Only Endorser Transactions are supported, provided type {}",
                self.chdr.r#type
            )));
        }
        if self.action_payload.action.is_none() {
            return Err(VsccError::EndorsementPolicy(
                "the chaincode action payload has no endorsed action".into(),
            ));
        }
        if !self.has_extension {
            return Err(VsccError::EndorsementPolicy(
                "nil pRespPayload.Extension".into(),
            ));
        }
        Ok(())
    }
}

/// The built-in validation plugin bound to one channel's state for one block.
pub struct Vscc<'a> {
    pub capabilities: &'a ApplicationCapabilities,
    pub deserializer: Arc<dyn IdentityDeserializer>,
    /// The channel's compiled endorsement policies.
    pub policies: &'a EndorsementPolicies,
    pub state: &'a dyn QueryExecutor,
    pub dependencies: &'a KeyLevelDependencies,
}

impl Vscc<'_> {
    /// Validates transaction `tx_num` of block `block_num` (its decoded pieces) for
    /// `namespace` under the marshalled endorsement policy `policy`.
    pub fn validate(
        &self,
        block_num: u64,
        tx_num: usize,
        tx: &TxArtifacts<'_>,
        namespace: &str,
        policy: &[u8],
    ) -> Result<(), VsccError> {
        if self.capabilities.v1_3_validation() {
            let result = self.validate_v13(block_num, tx_num, tx, namespace, policy);
            self.dependencies.record(tx_num, namespace, result.is_ok());
            result
        } else {
            self.validate_v12(tx, namespace, policy)
        }
    }

    fn validate_v13(
        &self,
        block_num: u64,
        tx_num: usize,
        a: &TxArtifacts<'_>,
        namespace: &str,
        policy: &[u8],
    ) -> Result<(), VsccError> {
        a.check()?;
        let key_level = statebased::KeyLevelValidator {
            policies: self.policies,
            state: self.state,
            dependencies: self.dependencies,
        };
        key_level.validate(
            namespace,
            block_num,
            tx_num,
            a.rwset,
            a.prp,
            policy,
            a.endorsements(),
        )?;
        self.validate_lscc(namespace, a)
    }

    fn validate_v12(
        &self,
        a: &TxArtifacts<'_>,
        namespace: &str,
        policy: &[u8],
    ) -> Result<(), VsccError> {
        a.check()?;
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<Endorsement> = a
            .endorsements()
            .iter()
            .filter(|e| seen.insert(e.endorser.clone()))
            .cloned()
            .collect();
        let signed = statebased::endorsement_signed_data(a.prp, &unique);
        if let Err(e) = self.policies.evaluate(policy, &signed) {
            tracing::warn!(target: "vscc", "Endorsement policy failure for transaction txid={}, err: {e}", a.chdr.tx_id);
            if unique.len() < a.endorsements().len() {
                return Err(VsccError::EndorsementPolicy(
                    "Endorsement policy evaluation failure might be caused by duplicated identities".into(),
                ));
            }
            return Err(VsccError::EndorsementPolicy(format!(
                "VSCC error: endorsement policy failure, err: {e}"
            )));
        }
        self.validate_lscc(namespace, a)
    }

    fn validate_lscc(&self, namespace: &str, a: &TxArtifacts<'_>) -> Result<(), VsccError> {
        if namespace != LSCC_NAMESPACE {
            return Ok(());
        }
        lscc_validation::LsccInvocation {
            channel_id: &a.chdr.channel_id,
            envelope: a.envelope,
            payload: a.payload,
            action_payload: a.action_payload,
            capabilities: self.capabilities,
            state: self.state,
            deserializer: &self.deserializer,
        }
        .validate()
    }
}
