//! Which namespaces of an endorser transaction need validating and under which policy
//! (Fabric's `VsccValidatorImpl.VSCCValidateTx`): the namespaces the transaction writes,
//! refusals of illegal writes (lscc or non-invokable system chaincodes from an application
//! chaincode), the chaincode's definition from lscc's state (version, validation plugin,
//! endorsement policy), then the validation plugin per namespace.

use prost::Message;

use super::msgvalidation::ValidatedPayload;
use super::{BlockContext, TxValidatorError};
use crate::ledger::QueryExecutor;
use crate::policy::cauthdsl::signed_by_any_member;
use crate::protos::common::Envelope;
use crate::protos::peer::{
    ChaincodeAction, ChaincodeEvent, ChaincodeHeaderExtension, TxValidationCode,
};
use crate::scc::vscc::rwset::{NsRwSet, TxRwSet};
use crate::scc::vscc::statebased::{metadata_written_keys, LedgerKey};
use crate::scc::vscc::{
    ChaincodeData, TxArtifacts, Vscc, VsccError, LSCC_NAMESPACE, VSCC_PLUGIN_NAME,
};

/// A system chaincode of a v1.4 peer and whether it can be invoked by a proposal
/// (externally) and by another chaincode (Fabric's `sysccprovider`). escc and vscc are
/// deprecated names: system chaincodes that can be invoked neither way.
struct SystemChaincode {
    invokable_external: bool,
    invokable_cc2cc: bool,
}

fn system_chaincode(name: &str) -> Option<SystemChaincode> {
    let (invokable_external, invokable_cc2cc) = match name {
        "cscc" => (true, false),
        "lscc" | "qscc" => (true, true),
        "escc" | "vscc" => (false, false),
        _ => return None,
    };
    Some(SystemChaincode {
        invokable_external,
        invokable_cc2cc,
    })
}

fn is_system_chaincode(name: &str) -> bool {
    system_chaincode(name).is_some()
}

/// Outcome of VSCC for one transaction: a code, or an error that stops the block.
pub(super) type VsccOutcome = Result<TxValidationCode, TxValidatorError>;

/// The parts of an endorser transaction's action VSCC needs, decoded once from what the
/// message checks decoded.
pub(super) struct DecodedAction {
    hdr_ext: Option<ChaincodeHeaderExtension>,
    action: Option<ChaincodeAction>,
    rwset: Option<TxRwSet>,
}

impl DecodedAction {
    pub(super) fn new(validated: &ValidatedPayload) -> Self {
        let hdr_ext =
            ChaincodeHeaderExtension::decode(validated.channel_header.extension.as_slice()).ok();
        let action = validated
            .endorser
            .as_ref()
            .and_then(|e| ChaincodeAction::decode(e.prp.extension.as_slice()).ok());
        let rwset = action
            .as_ref()
            .and_then(|a| TxRwSet::from_bytes(&a.results).ok());
        DecodedAction {
            hdr_ext,
            action,
            rwset,
        }
    }

    /// The keys whose metadata the transaction writes (none if its rwset does not decode).
    pub(super) fn metadata_writes(&self) -> Vec<LedgerKey> {
        self.rwset
            .as_ref()
            .map(metadata_written_keys)
            .unwrap_or_default()
    }
}

impl BlockContext {
    /// Whether the namespace's part of the read-write set writes anything.
    fn writes_to_namespace(&self, ns: &NsRwSet) -> bool {
        if !ns.kv.writes.is_empty() {
            return true;
        }
        let key_level = self.capabilities.key_level_endorsement();
        if self.capabilities.private_channel_data() {
            let collection_writes = ns.collections.iter().any(|c| {
                !c.hashed.hashed_writes.is_empty()
                    || (key_level && !c.hashed.metadata_writes.is_empty())
            });
            if collection_writes {
                return true;
            }
        }
        key_level && !ns.kv.metadata_writes.is_empty()
    }

    /// Fabric's `VSCCValidateTx` for transaction `tx_num`.
    pub(super) fn vscc_validate_tx(
        &self,
        tx_num: usize,
        envelope: &Envelope,
        validated: &ValidatedPayload,
        decoded: &DecodedAction,
        state: &dyn QueryExecutor,
    ) -> VsccOutcome {
        let chdr = &validated.channel_header;
        let Some(hdr_ext) = &decoded.hdr_ext else {
            return Ok(TxValidationCode::BadHeaderExtension);
        };
        let (Some(action), Some(endorser)) = (&decoded.action, &validated.endorser) else {
            return Ok(TxValidationCode::BadResponsePayload);
        };
        let Some(rwset) = &decoded.rwset else {
            return Ok(TxValidationCode::BadRwset);
        };
        let artifacts = TxArtifacts {
            envelope,
            payload: &validated.payload,
            chdr,
            action_payload: &endorser.action_payload,
            prp: endorser
                .action_payload
                .action
                .as_ref()
                .map_or(&[], |a| a.proposal_response_payload.as_slice()),
            has_extension: !endorser.prp.extension.is_empty(),
            rwset,
        };
        let (Some(hdr_cc), Some(resp_cc)) = (&hdr_ext.chaincode_id, &action.chaincode_id) else {
            return Ok(TxValidationCode::InvalidOtherReason);
        };
        let cc_id = hdr_cc.name.clone();
        let cc_version = resp_cc.version.clone();
        if cc_id.is_empty() || cc_id != resp_cc.name || cc_version.is_empty() {
            tracing::error!(target: "committer.txvalidator", "invalid chaincode id {cc_id}/{}:{cc_version}", resp_cc.name);
            return Ok(TxValidationCode::InvalidOtherReason);
        }
        let enforce_original = self.capabilities.v1_2_validation();
        let mut written = Vec::new();
        if enforce_original {
            written.push(cc_id.clone());
            if !action.events.is_empty() {
                match ChaincodeEvent::decode(action.events.as_slice()) {
                    Ok(ev) if ev.chaincode_id == cc_id => {}
                    _ => return Ok(TxValidationCode::InvalidOtherReason),
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        let (mut writes_lscc, mut writes_non_invokable) = (false, false);
        for ns in &rwset.ns {
            if !seen.insert(ns.namespace.as_str()) {
                return Ok(TxValidationCode::IllegalWriteset);
            }
            if !self.writes_to_namespace(ns) {
                continue;
            }
            if ns.namespace != cc_id || !enforce_original {
                written.push(ns.namespace.clone());
            }
            writes_lscc |= ns.namespace == LSCC_NAMESPACE;
            if let Some(scc) = system_chaincode(&ns.namespace) {
                writes_non_invokable |= !scc.invokable_cc2cc || !scc.invokable_external;
            }
        }
        let vscc_for = |namespace: &str, policy: &[u8], plugin: &str| {
            self.run_plugin(tx_num, &artifacts, namespace, policy, plugin, state)
        };
        if !is_system_chaincode(&cc_id) {
            if writes_lscc || writes_non_invokable {
                tracing::error!(target: "committer.txvalidator", "chaincode {cc_id} attempted to write to the namespace of a system chaincode");
                return Ok(TxValidationCode::IllegalWriteset);
            }
            for ns in &written {
                let info = match self.info_for_validate(ns, state)? {
                    Ok(info) => info,
                    Err(code) => return Ok(code),
                };
                if *ns == cc_id && info.version != cc_version {
                    tracing::error!(target: "committer.txvalidator", "chaincode {cc_id}:{cc_version}/{} didn't match {}:{}/{} in lscc", chdr.channel_id, info.name, info.version, chdr.channel_id);
                    return Ok(TxValidationCode::ExpiredChaincode);
                }
                let code = vscc_for(ns, &info.policy, &info.plugin)?;
                if code != TxValidationCode::Valid {
                    return Ok(code);
                }
            }
            Ok(TxValidationCode::Valid)
        } else {
            if system_chaincode(&cc_id).is_some_and(|s| !s.invokable_external) {
                tracing::error!(target: "committer.txvalidator", "committing an invocation of cc {cc_id} is illegal");
                return Ok(TxValidationCode::IllegalWriteset);
            }
            let info = match self.info_for_validate(&cc_id, state)? {
                Ok(info) => info,
                Err(code) => return Ok(code),
            };
            vscc_for(&cc_id, &info.policy, &info.plugin)
        }
    }

    /// Fabric's `GetInfoForValidate`: for an application chaincode its lscc definition, for
    /// a system chaincode the plugin `vscc` and one signature of any channel member.
    /// `Ok(Err(code))` is a transaction-level failure, `Err` a block-level one.
    fn info_for_validate(
        &self,
        namespace: &str,
        state: &dyn QueryExecutor,
    ) -> Result<Result<ValidationInfo, TxValidationCode>, TxValidatorError> {
        if is_system_chaincode(namespace) {
            return Ok(Ok(ValidationInfo {
                name: namespace.to_string(),
                version: String::new(),
                plugin: VSCC_PLUGIN_NAME.to_string(),
                policy: signed_by_any_member(&self.application_msp_ids).encode_to_vec(),
            }));
        }
        let bytes = state
            .get_state(LSCC_NAMESPACE, namespace)
            .map_err(|source| TxValidatorError::InfoLookup {
                chaincode: namespace.to_string(),
                source,
            })?;
        let problem = match bytes {
            None => format!("lscc's state for [{namespace}] not found."),
            Some(bytes) => match ChaincodeData::decode(bytes.as_slice()) {
                Err(e) => format!("unmarshalling ChaincodeQueryResponse failed: {e}"),
                Ok(cd) if cd.vscc.is_empty() => {
                    format!("lscc's state for [{namespace}] is invalid, vscc field must be set")
                }
                Ok(cd) if cd.policy.is_empty() => {
                    format!("lscc's state for [{namespace}] is invalid, policy field must be set")
                }
                Ok(cd) => {
                    return Ok(Ok(ValidationInfo {
                        name: cd.name,
                        version: cd.version,
                        plugin: cd.vscc,
                        policy: cd.policy,
                    }))
                }
            },
        };
        tracing::error!(target: "committer.txvalidator", "Unable to get chaincode data from ledger: {problem}");
        Ok(Err(TxValidationCode::InvalidOtherReason))
    }

    /// Runs the validation plugin named in the chaincode definition.
    fn run_plugin(
        &self,
        tx_num: usize,
        artifacts: &TxArtifacts<'_>,
        namespace: &str,
        policy: &[u8],
        plugin: &str,
        state: &dyn QueryExecutor,
    ) -> VsccOutcome {
        if plugin != VSCC_PLUGIN_NAME {
            return Err(TxValidatorError::UnknownPlugin(plugin.to_string()));
        }
        let vscc = Vscc {
            capabilities: &self.capabilities,
            deserializer: self.deserializer.clone(),
            policies: &self.policies,
            state,
            dependencies: &self.dependencies,
        };
        match vscc.validate(self.block_num, tx_num, artifacts, namespace, policy) {
            Ok(()) => Ok(TxValidationCode::Valid),
            Err(VsccError::EndorsementPolicy(e)) => {
                tracing::error!(target: "committer.txvalidator", "VSCCValidateTx for transaction {tx_num} in block {} failed: {e}", self.block_num);
                Ok(TxValidationCode::EndorsementPolicyFailure)
            }
            Err(e @ VsccError::ExecutionFailure(_)) => Err(TxValidatorError::VsccExecution(e)),
        }
    }
}

/// What validating a namespace needs from its definition.
struct ValidationInfo {
    name: String,
    version: String,
    plugin: String,
    policy: Vec<u8>,
}
