//! The extra checks VSCC makes on transactions that invoke lscc (Fabric's
//! `ValidateLSCCInvocation`): only `deploy` and `upgrade` may be committed, with well-formed
//! arguments, a write set that writes exactly the chaincode's `ChaincodeData` (and, with
//! private data, its collection config), to no other namespace, and a creator that satisfies
//! the instantiation policy. Every failure is an endorsement policy failure, except a state
//! read that fails (execution failure).

use std::sync::Arc;

use prost::Message;

use super::chaincode_data::{collection_key, ChaincodeData, LSCC_NAMESPACE};
use super::rwset::TxRwSet;
use super::statebased::evaluate_policy;
use super::VsccError;
use crate::channelconfig::ApplicationCapabilities;
use crate::ledger::QueryExecutor;
use crate::msp::IdentityDeserializer;
use crate::policy::SignedData;
use crate::protos::common::{
    collection_config, signature_policy, CollectionConfig, CollectionConfigPackage, Envelope,
    Payload, SignatureHeader, SignaturePolicy,
};
use crate::protos::kvrwset::KvrwSet;
use crate::protos::peer::{
    chaincode_spec, ChaincodeAction, ChaincodeActionPayload, ChaincodeDeploymentSpec,
    ChaincodeInvocationSpec, ChaincodeProposalPayload, ProposalResponsePayload,
};

/// lscc's function that instantiates a chaincode.
pub const DEPLOY: &str = "deploy";
/// lscc's function that upgrades a chaincode.
pub const UPGRADE: &str = "upgrade";

/// Names user chaincodes may not take.
const SYSTEM_CHAINCODE_NAMES: [&str; 5] = ["cscc", "escc", "lscc", "qscc", "vscc"];

fn policy_err(msg: impl Into<String>) -> VsccError {
    VsccError::EndorsementPolicy(msg.into())
}

/// Fabric's `ChaincodeNameRegExp`: `^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$`.
pub fn is_valid_chaincode_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split(['-', '_'])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Fabric's `ChaincodeVersionRegExp`: `^[A-Za-z0-9_.+-]+$`.
pub fn is_valid_chaincode_version(version: &str) -> bool {
    !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-'))
}

/// What lscc validation reads: the transaction, the channel's state and capabilities.
pub struct LsccInvocation<'a> {
    pub channel_id: &'a str,
    pub envelope: &'a Envelope,
    pub payload: &'a Payload,
    pub action_payload: &'a ChaincodeActionPayload,
    pub capabilities: &'a ApplicationCapabilities,
    pub state: &'a dyn QueryExecutor,
    pub deserializer: &'a Arc<dyn IdentityDeserializer>,
}

/// The parts of a deploy/upgrade the checks compare.
struct Deployment {
    function: String,
    args: Vec<Vec<u8>>,
    cc_name: String,
    cc_version: String,
    rwset: TxRwSet,
}

impl LsccInvocation<'_> {
    /// Validates the invocation as Fabric's v1.2/v1.3 VSCC does.
    pub fn validate(&self) -> Result<(), VsccError> {
        let Some(deployment) = self.deployment()? else {
            return Ok(());
        };
        let lscc_rwset = deployment
            .rwset
            .ns
            .iter()
            .find(|ns| ns.namespace == LSCC_NAMESPACE)
            .map(|ns| &ns.kv);
        let on_ledger = self.instantiated(&deployment.cc_name)?;
        let lscc_rwset =
            lscc_rwset.ok_or_else(|| policy_err("No read write set for lscc was found"))?;
        let written = self.written_chaincode_data(&deployment, lscc_rwset)?;
        match deployment.function.as_str() {
            DEPLOY => self.check_deploy(&deployment, lscc_rwset, &written, on_ledger.as_ref()),
            _ => self.check_upgrade(&deployment, lscc_rwset, &written, on_ledger.as_ref()),
        }
    }

    /// Decodes the invocation; `None` never happens for a committed lscc call: every other
    /// function is refused.
    fn deployment(&self) -> Result<Option<Deployment>, VsccError> {
        let cpp = ChaincodeProposalPayload::decode(
            self.action_payload.chaincode_proposal_payload.as_slice(),
        )
        .map_err(|e| policy_err(e.to_string()))?;
        let cis = ChaincodeInvocationSpec::decode(cpp.input.as_slice())
            .map_err(|e| policy_err(e.to_string()))?;
        let args = cis
            .chaincode_spec
            .and_then(|s| s.input)
            .map(|i| i.args)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| policy_err("malformed chaincode invocation spec"))?;
        let function = String::from_utf8_lossy(&args[0]).into_owned();
        let args = args[1..].to_vec();
        if function != DEPLOY && function != UPGRADE {
            return Err(policy_err(format!(
                "VSCC error: committing an invocation of function {function} of lscc is invalid"
            )));
        }
        if args.len() < 2 {
            return Err(policy_err(format!("Wrong number of arguments for invocation lscc({function}): expected at least 2, received {}", args.len())));
        }
        let max_args = if self.capabilities.private_channel_data() {
            6
        } else {
            5
        };
        if args.len() > max_args {
            return Err(policy_err(format!(
                "Wrong number of arguments for invocation lscc({function}): received {}",
                args.len()
            )));
        }
        let cds = deployment_spec(&args[1])?;
        let cc_id = cds
            .chaincode_spec
            .as_ref()
            .and_then(|s| s.chaincode_id.as_ref());
        let proposal_response = self
            .action_payload
            .action
            .as_ref()
            .map(|a| a.proposal_response_payload.as_slice())
            .filter(|p| !p.is_empty());
        let (Some(cc_id), Some(prp)) = (cc_id, proposal_response) else {
            return Err(policy_err(format!(
                "VSCC error: invocation of lscc({function}) does not have appropriate arguments"
            )));
        };
        check_name_and_version(&cc_id.name, &cc_id.version)?;
        let rwset = results_of(prp)?;
        Ok(Some(Deployment {
            function,
            args,
            cc_name: cc_id.name.clone(),
            cc_version: cc_id.version.clone(),
            rwset,
        }))
    }

    /// The chaincode as the ledger has it now, if instantiated.
    fn instantiated(&self, name: &str) -> Result<Option<ChaincodeData>, VsccError> {
        let bytes = self.state.get_state(LSCC_NAMESPACE, name).map_err(|e| {
            VsccError::ExecutionFailure(format!(
                "could not retrieve state for chaincode {name} on channel {}, error {e}",
                self.channel_id
            ))
        })?;
        match bytes {
            None => Ok(None),
            Some(bytes) => ChaincodeData::decode(bytes.as_slice())
                .map(Some)
                .map_err(|e| {
                    VsccError::ExecutionFailure(format!(
                        "unmarshalling ChaincodeQueryResponse failed, error {e}"
                    ))
                }),
        }
    }

    /// Security check 0: the first lscc write is the ChaincodeData of the deployed
    /// chaincode, and nothing but lscc and that chaincode is written.
    fn written_chaincode_data(
        &self,
        d: &Deployment,
        lscc_rwset: &KvrwSet,
    ) -> Result<ChaincodeData, VsccError> {
        let first = lscc_rwset.writes.first().ok_or_else(|| {
            policy_err("LSCC must issue at least one single putState upon deploy/upgrade")
        })?;
        if first.key != d.cc_name {
            return Err(policy_err(format!(
                "expected key {}, found {}",
                d.cc_name, first.key
            )));
        }
        let cd = ChaincodeData::decode(first.value.as_slice())
            .map_err(|e| policy_err(format!("unmarhsalling of ChaincodeData failed, error {e}")))?;
        if cd.name != d.cc_name {
            return Err(policy_err(format!(
                "expected cc name {}, found {}",
                d.cc_name, cd.name
            )));
        }
        if cd.version != d.cc_version {
            return Err(policy_err(format!(
                "expected cc version {}, found {}",
                d.cc_version, cd.version
            )));
        }
        for ns in &d.rwset.ns {
            if ns.namespace != LSCC_NAMESPACE && ns.namespace != cd.name && !ns.kv.writes.is_empty()
            {
                return Err(policy_err(format!(
                    "LSCC invocation is attempting to write to namespace {}",
                    ns.namespace
                )));
            }
        }
        Ok(cd)
    }

    fn check_deploy(
        &self,
        d: &Deployment,
        lscc_rwset: &KvrwSet,
        written: &ChaincodeData,
        on_ledger: Option<&ChaincodeData>,
    ) -> Result<(), VsccError> {
        if on_ledger.is_some() {
            return Err(policy_err(format!(
                "Chaincode {} is already instantiated",
                d.cc_name
            )));
        }
        if self.capabilities.private_channel_data() {
            self.check_rwset_and_collections(d, lscc_rwset, written)?;
        } else if lscc_rwset.writes.len() != 1 {
            return Err(policy_err(
                "LSCC can only issue a single putState upon deploy",
            ));
        }
        if written.instantiation_policy.is_empty() {
            return Err(policy_err("no instantiation policy was specified"));
        }
        self.check_instantiation_policy(&written.instantiation_policy)
    }

    fn check_upgrade(
        &self,
        d: &Deployment,
        lscc_rwset: &KvrwSet,
        written: &ChaincodeData,
        on_ledger: Option<&ChaincodeData>,
    ) -> Result<(), VsccError> {
        let on_ledger = on_ledger
            .ok_or_else(|| policy_err(format!("Upgrading non-existent chaincode {}", d.cc_name)))?;
        if on_ledger.version == d.cc_version {
            return Err(policy_err(format!("Existing version of the cc on the ledger ({}) should be different from the upgraded one", d.cc_version)));
        }
        if self.capabilities.v1_2_validation() {
            self.check_rwset_and_collections(d, lscc_rwset, written)?;
        } else if lscc_rwset.writes.len() != 1 {
            return Err(policy_err(
                "LSCC can only issue a single putState upon upgrade",
            ));
        }
        if on_ledger.instantiation_policy.is_empty() {
            return Err(policy_err("No instantiation policy was specified"));
        }
        self.check_instantiation_policy(&on_ledger.instantiation_policy)?;
        if self.capabilities.v1_1_validation() {
            if written.instantiation_policy.is_empty() {
                return Err(policy_err("No instantiation policy was specified"));
            }
            if written.instantiation_policy != on_ledger.instantiation_policy {
                self.check_instantiation_policy(&written.instantiation_policy)?;
            }
        }
        Ok(())
    }

    /// The transaction creator must satisfy the instantiation policy.
    fn check_instantiation_policy(&self, policy: &[u8]) -> Result<(), VsccError> {
        let header = self
            .payload
            .header
            .as_ref()
            .ok_or_else(|| policy_err("the payload has no header"))?;
        let shdr = SignatureHeader::decode(header.signature_header.as_slice())
            .map_err(|e| policy_err(e.to_string()))?;
        let signed = [SignedData {
            data: self.envelope.payload.clone(),
            identity: shdr.creator,
            signature: self.envelope.signature.clone(),
        }];
        evaluate_policy(policy, &signed, self.deserializer).map_err(|e| {
            policy_err(format!(
                "chaincode instantiation policy violated, error {e}"
            ))
        })
    }

    /// Security check 0.a/0.b with private data: one or two lscc writes, the second being
    /// the collection config that the sixth argument carries.
    fn check_rwset_and_collections(
        &self,
        d: &Deployment,
        lscc_rwset: &KvrwSet,
        written: &ChaincodeData,
    ) -> Result<(), VsccError> {
        if lscc_rwset.writes.len() > 2 {
            return Err(policy_err(
                "LSCC can only issue one or two putState upon deploy",
            ));
        }
        let config_arg = d.args.get(5).map(Vec::as_slice).unwrap_or_default();
        let mut config_ledger: &[u8] = &[];
        if let Some(second) = lscc_rwset.writes.get(1) {
            let key = collection_key(&written.name);
            if second.key != key {
                return Err(policy_err(format!("invalid key for the collection of chaincode {}:{}; expected '{key}', received '{}'", written.name, written.version, second.key)));
            }
            config_ledger = &second.value;
        }
        if config_arg != config_ledger {
            return Err(policy_err(format!("collection configuration arguments supplied for chaincode {}:{} do not match the configuration in the lscc writeset", written.name, written.version)));
        }
        if d.function == DEPLOY && self.collections_on_ledger(written)?.is_some() {
            return Err(policy_err(format!(
                "collection data should not exist for chaincode {}:{}",
                written.name, written.version
            )));
        }
        if d.args.len() <= 5 {
            return Ok(());
        }
        let package = CollectionConfigPackage::decode(config_arg).map_err(|_| {
            policy_err(format!(
                "invalid collection configuration supplied for chaincode {}:{}",
                written.name, written.version
            ))
        })?;
        if !self.capabilities.v1_2_validation() {
            return Ok(());
        }
        validate_new_collection_configs(&package.config).map_err(policy_err)?;
        if d.function == UPGRADE {
            if let Some(old) = self.collections_on_ledger(written)? {
                validate_against_old(&package.config, &old.config).map_err(policy_err)?;
            }
        }
        Ok(())
    }

    fn collections_on_ledger(
        &self,
        cd: &ChaincodeData,
    ) -> Result<Option<CollectionConfigPackage>, VsccError> {
        let failure = |e: String| {
            VsccError::ExecutionFailure(format!(
                "unable to check whether collection existed earlier for chaincode {}:{}: {e}",
                cd.name, cd.version
            ))
        };
        let bytes = self
            .state
            .get_state(LSCC_NAMESPACE, &collection_key(&cd.name))
            .map_err(|e| failure(e.to_string()))?;
        match bytes {
            None => Ok(None),
            Some(b) => CollectionConfigPackage::decode(b.as_slice())
                .map(Some)
                .map_err(|e| failure(e.to_string())),
        }
    }
}

/// Decodes the deployment spec and checks its platform is one Fabric knows.
fn deployment_spec(bytes: &[u8]) -> Result<ChaincodeDeploymentSpec, VsccError> {
    let cds = ChaincodeDeploymentSpec::decode(bytes).map_err(|e| {
        policy_err(format!(
            "GetChaincodeDeploymentSpec error error unmarshaling ChaincodeDeploymentSpec: {e}"
        ))
    })?;
    let cc_type = cds.chaincode_spec.as_ref().map_or(0, |s| s.r#type);
    let known = [
        chaincode_spec::Type::Golang,
        chaincode_spec::Type::Node,
        chaincode_spec::Type::Car,
        chaincode_spec::Type::Java,
    ];
    if !known.iter().any(|t| *t as i32 == cc_type) {
        let name = chaincode_spec::Type::try_from(cc_type)
            .map(|t| t.as_str_name().to_string())
            .unwrap_or_else(|_| cc_type.to_string());
        return Err(policy_err(format!(
            "GetChaincodeDeploymentSpec error Unknown chaincodeType: {name}"
        )));
    }
    Ok(cds)
}

fn check_name_and_version(name: &str, version: &str) -> Result<(), VsccError> {
    if !is_valid_chaincode_name(name) {
        return Err(policy_err(format!("invalid chaincode name '{name}'")));
    }
    if SYSTEM_CHAINCODE_NAMES.contains(&name) {
        return Err(policy_err(format!(
            "chaincode name '{name}' is reserved for system chaincodes"
        )));
    }
    if !is_valid_chaincode_version(version) {
        return Err(policy_err(format!("invalid chaincode version '{version}'")));
    }
    Ok(())
}

/// The read-write set a proposal response payload carries.
fn results_of(prp: &[u8]) -> Result<TxRwSet, VsccError> {
    let prp = ProposalResponsePayload::decode(prp)
        .map_err(|e| policy_err(format!("GetProposalResponsePayload error {e}")))?;
    if prp.extension.is_empty() {
        return Err(policy_err("nil pRespPayload.Extension"));
    }
    let action = ChaincodeAction::decode(prp.extension.as_slice())
        .map_err(|e| policy_err(format!("GetChaincodeAction error {e}")))?;
    TxRwSet::from_bytes(&action.results)
        .map_err(|e| policy_err(format!("txRWSet.FromProtoBytes error {e}")))
}

fn static_config(c: &CollectionConfig) -> Option<&crate::protos::common::StaticCollectionConfig> {
    match &c.payload {
        Some(collection_config::Payload::StaticCollectionConfig(s)) => Some(s),
        None => None,
    }
}

fn validate_new_collection_configs(configs: &[CollectionConfig]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for config in configs {
        let c = static_config(config).ok_or("unknown collection configuration type")?;
        let name = &c.name;
        if name.is_empty() {
            return Err("empty collection-name is not allowed".into());
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!("collection-name: {name} not allowed. A valid collection name follows the pattern: [A-Za-z0-9_-]+"));
        }
        if !seen.insert(name.clone()) {
            return Err(format!(
                "collection-name: {name} -- found duplicate collection configuration"
            ));
        }
        if c.maximum_peer_count < c.required_peer_count {
            return Err(format!("collection-name: {name} -- maximum peer count ({}) cannot be greater than the required peer count ({})", c.maximum_peer_count, c.required_peer_count));
        }
        if c.required_peer_count < 0 {
            return Err(format!(
                "collection-name: {name} -- requiredPeerCount ({}) cannot be less than zero ({})",
                c.maximum_peer_count, c.required_peer_count
            ));
        }
        let rule = c
            .member_orgs_policy
            .as_ref()
            .and_then(|p| match &p.payload {
                Some(
                    crate::protos::common::collection_policy_config::Payload::SignaturePolicy(e),
                ) => e.rule.as_ref(),
                None => None,
            });
        if let Some(rule) = rule {
            only_or_concatenation(rule).map_err(|e| {
                format!("collection-name: {name} -- error in member org policy: {e}")
            })?;
        }
    }
    Ok(())
}

/// A member-orgs policy may only be an OR of identities.
fn only_or_concatenation(rule: &SignaturePolicy) -> Result<(), String> {
    let Some(signature_policy::Type::NOutOf(n_out_of)) = &rule.r#type else {
        return Ok(());
    };
    if n_out_of.n != 1 {
        return Err(format!(
            "signature policy is not an OR concatenation, NOutOf {}",
            n_out_of.n
        ));
    }
    n_out_of.rules.iter().try_for_each(only_or_concatenation)
}

/// On upgrade every existing collection stays, with its block-to-live unchanged.
fn validate_against_old(new: &[CollectionConfig], old: &[CollectionConfig]) -> Result<(), String> {
    let by_name: std::collections::HashMap<&str, _> = new
        .iter()
        .filter_map(static_config)
        .map(|c| (c.name.as_str(), c))
        .collect();
    let mut missing = Vec::new();
    let mut modified = Vec::new();
    for o in old {
        let o = static_config(o).ok_or("unknown collection configuration type")?;
        match by_name.get(o.name.as_str()) {
            None => missing.push(o.name.clone()),
            Some(n) if n.block_to_live != o.block_to_live => modified.push(o.name.clone()),
            Some(_) => {}
        }
    }
    if !missing.is_empty() {
        return Err(format!("the following existing collections are missing in the new collection configuration package: [{}]", missing.join(" ")));
    }
    if !modified.is_empty() {
        return Err(format!(
            "the BlockToLive in the following existing collections must not be modified: [{}]",
            modified.join(" ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chaincode_names_and_versions_follow_fabric_patterns() {
        for ok in ["mycc", "my-cc", "my_cc_2", "A1-b2_c3"] {
            assert!(is_valid_chaincode_name(ok), "{ok}");
        }
        for bad in ["", "-cc", "cc-", "my--cc", "my.cc", "my cc", "cc_"] {
            assert!(!is_valid_chaincode_name(bad), "{bad}");
        }
        for ok in ["1.0", "v1.0+build-2_x"] {
            assert!(is_valid_chaincode_version(ok), "{ok}");
        }
        for bad in ["", "1.0 beta", "1/0"] {
            assert!(!is_valid_chaincode_version(bad), "{bad}");
        }
    }

    #[test]
    fn member_policies_must_be_ors() {
        use crate::policy::cauthdsl::{and, or, signed_by};
        assert!(only_or_concatenation(&or(signed_by(0), signed_by(1))).is_ok());
        assert_eq!(
            only_or_concatenation(&or(signed_by(0), and(signed_by(1), signed_by(2)))).unwrap_err(),
            "signature policy is not an OR concatenation, NOutOf 2"
        );
    }
}
