//! State-based (key-level) endorsement, Fabric's `core/common/validation/statebased`: a write
//! to a key that carries a `VALIDATION_PARAMETER` in its state metadata must satisfy that
//! policy instead of the chaincode's; at least one policy is always checked.
//!
//! Transactions of a block are validated in parallel, so a transaction that writes a key
//! whose validation parameter an earlier transaction of the same block changes must wait
//! for that transaction's verdict: if the earlier one was valid, the parameter it read from
//! state is stale and the later transaction fails (Fabric's `ValidationParameterUpdatedError`).
//! [`KeyLevelDependencies`] records, per block, which transactions write which keys'
//! metadata and the validation results as they come in.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};

use prost::Message;

use super::VsccError;
use crate::ledger::QueryExecutor;
use crate::msp::IdentityDeserializer;
use crate::policy::{Policy, SignaturePolicyEvaluator, SignedData};
use crate::protos::common::{Envelope, Payload};
use crate::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, Endorsement, MetaDataKeys, ProposalResponsePayload,
    Transaction,
};

/// A ledger key whose metadata can be written: namespace, collection ("" for public), key
/// (the key hash for a collection).
type LedgerKey = (String, String, Vec<u8>);

#[derive(Default)]
struct TxVerdicts {
    /// VSCC result per namespace (true = valid).
    by_namespace: HashMap<String, bool>,
    /// The transaction's validation is over; missing namespaces will never come.
    finished: bool,
}

/// The in-block dependencies of key-level validation parameters (Fabric's
/// `KeyLevelValidationParameterManagerImpl` validation context), built once per block.
pub struct KeyLevelDependencies {
    metadata_writers: HashMap<LedgerKey, Vec<usize>>,
    verdicts: Mutex<Vec<TxVerdicts>>,
    changed: Condvar,
}

impl KeyLevelDependencies {
    /// Reads every transaction of the block for the keys whose metadata it writes.
    /// Transactions that do not decode carry no dependency (as in Fabric).
    pub fn for_block(block_data: &[Vec<u8>]) -> Self {
        let mut metadata_writers: HashMap<LedgerKey, Vec<usize>> = HashMap::new();
        for (tx, bytes) in block_data.iter().enumerate() {
            for key in metadata_writes(bytes).unwrap_or_default() {
                metadata_writers.entry(key).or_default().push(tx);
            }
        }
        let verdicts = (0..block_data.len())
            .map(|_| TxVerdicts::default())
            .collect();
        KeyLevelDependencies {
            metadata_writers,
            verdicts: Mutex::new(verdicts),
            changed: Condvar::new(),
        }
    }

    /// Records the VSCC result of transaction `tx` for `namespace` (Fabric's PostValidate).
    pub fn record(&self, tx: usize, namespace: &str, valid: bool) {
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = verdicts.get_mut(tx) {
            v.by_namespace.insert(namespace.to_string(), valid);
        }
        self.changed.notify_all();
    }

    /// Marks transaction `tx` as fully validated: namespaces it never recorded count as not
    /// valid for those waiting on it.
    pub fn finish(&self, tx: usize) {
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = verdicts.get_mut(tx) {
            v.finished = true;
        }
        self.changed.notify_all();
    }

    /// Whether a transaction before `tx` in this block validly changed the metadata of the
    /// key; waits for the verdicts of those transactions. Callers validate transactions in
    /// ascending order, so waiting on earlier ones cannot deadlock.
    fn updated_before(&self, tx: usize, key: &LedgerKey) -> bool {
        let Some(writers) = self.metadata_writers.get(key) else {
            return false;
        };
        let namespace = &key.0;
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        for &writer in writers.iter().filter(|&&w| w < tx) {
            loop {
                let v = &verdicts[writer];
                if let Some(&valid) = v.by_namespace.get(namespace) {
                    if valid {
                        return true;
                    }
                    break;
                }
                if v.finished {
                    break;
                }
                verdicts = self
                    .changed
                    .wait(verdicts)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
        false
    }
}

/// The keys whose metadata the transaction's first action writes.
fn metadata_writes(envelope_bytes: &[u8]) -> Option<Vec<LedgerKey>> {
    let env = Envelope::decode(envelope_bytes).ok()?;
    let payload = Payload::decode(env.payload.as_slice()).ok()?;
    let tx = Transaction::decode(payload.data.as_slice()).ok()?;
    let cap = ChaincodeActionPayload::decode(tx.actions.first()?.payload.as_slice()).ok()?;
    let prp =
        ProposalResponsePayload::decode(cap.action?.proposal_response_payload.as_slice()).ok()?;
    let action = ChaincodeAction::decode(prp.extension.as_slice()).ok()?;
    let rwset = super::rwset::TxRwSet::from_bytes(&action.results).ok()?;
    let mut keys = Vec::new();
    for ns in &rwset.ns {
        for w in &ns.kv.metadata_writes {
            keys.push((
                ns.namespace.clone(),
                String::new(),
                w.key.clone().into_bytes(),
            ));
        }
        for coll in &ns.collections {
            for w in &coll.hashed.metadata_writes {
                keys.push((ns.namespace.clone(), coll.name.clone(), w.key_hash.clone()));
            }
        }
    }
    Some(keys)
}

/// A key for messages: public keys as text, collection key hashes in hex.
fn printable(coll: &str, key: &[u8]) -> String {
    if coll.is_empty() {
        String::from_utf8_lossy(key).into_owned()
    } else {
        hex::encode(key)
    }
}

/// The endorsements as signed data: each endorser signed the proposal response payload
/// followed by its own serialized identity.
pub fn endorsement_signed_data(prp: &[u8], endorsements: &[Endorsement]) -> Vec<SignedData> {
    endorsements
        .iter()
        .map(|e| SignedData {
            data: [prp, e.endorser.as_slice()].concat(),
            identity: e.endorser.clone(),
            signature: e.signature.clone(),
        })
        .collect()
}

/// Compiles a marshalled signature policy and evaluates the signed data against it
/// (Fabric's validation `PolicyEvaluator`).
pub fn evaluate_policy(
    policy: &[u8],
    signed: &[SignedData],
    deserializer: &Arc<dyn IdentityDeserializer>,
) -> Result<(), String> {
    let policy = SignaturePolicyEvaluator::from_bytes(policy, deserializer.clone())
        .map_err(|e| e.to_string())?;
    policy.evaluate(signed).map_err(|e| e.to_string())
}

/// Checks one transaction's writes to `namespace` against key-level validation parameters
/// and the chaincode endorsement policy (Fabric's `KeyLevelValidator.Validate`).
pub struct KeyLevelValidator<'a> {
    pub deserializer: &'a Arc<dyn IdentityDeserializer>,
    pub state: &'a dyn QueryExecutor,
    pub dependencies: &'a KeyLevelDependencies,
}

struct PolicyChecker<'a> {
    validator: &'a KeyLevelValidator<'a>,
    cc_policy: &'a [u8],
    signed: Vec<SignedData>,
    cc_policy_checked: bool,
    some_policy_checked: bool,
    namespace: &'a str,
    block_num: u64,
    tx_num: usize,
}

impl PolicyChecker<'_> {
    fn check_cc_policy(&mut self) -> Result<(), VsccError> {
        evaluate_policy(self.cc_policy, &self.signed, self.validator.deserializer).map_err(
            |e| {
                VsccError::EndorsementPolicy(format!(
                    "validation of endorsement policy for chaincode {} in tx {}:{} failed: {e}",
                    self.namespace, self.block_num, self.tx_num
                ))
            },
        )?;
        self.cc_policy_checked = true;
        self.some_policy_checked = true;
        Ok(())
    }

    /// A write to `key` (in collection `coll`, "" for public state).
    fn check_key(&mut self, coll: &str, key: &[u8]) -> Result<(), VsccError> {
        let ledger_key = (self.namespace.to_string(), coll.to_string(), key.to_vec());
        if self
            .validator
            .dependencies
            .updated_before(self.tx_num, &ledger_key)
        {
            return Err(VsccError::EndorsementPolicy(format!(
                "validation parameters for key [{}] in namespace [{}:{coll}] have been changed in transaction ({}, {})",
                printable(coll, key), self.namespace, self.block_num, self.tx_num
            )));
        }
        let parameter = self.validation_parameter(coll, key)?;
        if parameter.is_empty() {
            if self.cc_policy_checked {
                return Ok(());
            }
            return self.check_cc_policy();
        }
        evaluate_policy(&parameter, &self.signed, self.validator.deserializer).map_err(|e| {
            VsccError::EndorsementPolicy(format!(
                "validation of key {} (coll'{coll}':ns'{}') in tx {}:{} failed: {e}",
                printable(coll, key),
                self.namespace,
                self.block_num,
                self.tx_num
            ))
        })?;
        self.some_policy_checked = true;
        Ok(())
    }

    /// The committed `VALIDATION_PARAMETER` of a key. Private data metadata is not kept by
    /// this peer's state database yet, so collection keys have none.
    fn validation_parameter(&self, coll: &str, key: &[u8]) -> Result<Vec<u8>, VsccError> {
        if !coll.is_empty() {
            return Ok(Vec::new());
        }
        let key = String::from_utf8_lossy(key);
        let metadata = self
            .validator
            .state
            .get_state_metadata(self.namespace, &key)
            .map_err(|e| {
                VsccError::ExecutionFailure(format!(
                    "could not retrieve metadata for {}:{key}: {e}",
                    self.namespace
                ))
            })?;
        Ok(metadata
            .get(MetaDataKeys::ValidationParameter.as_str_name())
            .cloned()
            .unwrap_or_default())
    }
}

impl KeyLevelValidator<'_> {
    /// Validates the writes of transaction (`block_num`, `tx_num`) to `namespace`.
    #[allow(clippy::too_many_arguments)]
    pub fn validate(
        &self,
        namespace: &str,
        block_num: u64,
        tx_num: usize,
        rwset: &[u8],
        prp: &[u8],
        cc_policy: &[u8],
        endorsements: &[Endorsement],
    ) -> Result<(), VsccError> {
        let mut checker = PolicyChecker {
            validator: self,
            cc_policy,
            signed: endorsement_signed_data(prp, endorsements),
            cc_policy_checked: false,
            some_policy_checked: false,
            namespace,
            block_num,
            tx_num,
        };
        let rwset = super::rwset::TxRwSet::from_bytes(rwset).map_err(|e| {
            VsccError::EndorsementPolicy(format!(
                "txRWSet.FromProtoBytes failed on tx ({block_num},{tx_num}): {e}"
            ))
        })?;
        for ns in rwset.ns.iter().filter(|ns| ns.namespace == namespace) {
            for w in &ns.kv.writes {
                checker.check_key("", w.key.as_bytes())?;
            }
            for w in &ns.kv.metadata_writes {
                checker.check_key("", w.key.as_bytes())?;
            }
            for coll in &ns.collections {
                for w in &coll.hashed.hashed_writes {
                    checker.check_key(&coll.name, &w.key_hash)?;
                }
            }
            for coll in &ns.collections {
                for w in &coll.hashed.metadata_writes {
                    checker.check_key(&coll.name, &w.key_hash)?;
                }
            }
        }
        if checker.some_policy_checked {
            return Ok(());
        }
        checker.check_cc_policy()
    }
}
