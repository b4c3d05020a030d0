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
use crate::policy::{Policy, PolicyError, SignaturePolicyEvaluator, SignedData};
use crate::protos::common::{Envelope, Payload};
use crate::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, Endorsement, MetaDataKeys, ProposalResponsePayload,
    Transaction,
};

/// A ledger key whose metadata can be written: namespace, collection ("" for public), key
/// (the key hash for a collection).
pub type LedgerKey = (String, String, Vec<u8>);

#[derive(Default)]
struct TxVerdicts {
    /// VSCC result per namespace (true = valid).
    by_namespace: HashMap<String, bool>,
    /// The keys whose metadata the transaction writes are known.
    registered: bool,
    /// The transaction's validation is over; missing namespaces will never come.
    finished: bool,
}

#[derive(Default)]
struct Verdicts {
    txs: Vec<TxVerdicts>,
    /// Transactions `0..registered_below` have all registered their metadata writes.
    registered_below: usize,
    metadata_writers: HashMap<LedgerKey, Vec<usize>>,
}

/// The in-block dependencies of key-level validation parameters (Fabric's
/// `KeyLevelValidationParameterManagerImpl` validation context), one per block. Each
/// transaction registers the keys whose metadata it writes as soon as its read-write set is
/// decoded (during the parallel validation, so the block is decoded once).
pub struct KeyLevelDependencies {
    verdicts: Mutex<Verdicts>,
    changed: Condvar,
}

impl KeyLevelDependencies {
    /// The dependencies of a block of `transactions` transactions, none registered yet.
    pub fn new(transactions: usize) -> Self {
        let txs = (0..transactions).map(|_| TxVerdicts::default()).collect();
        KeyLevelDependencies {
            verdicts: Mutex::new(Verdicts {
                txs,
                ..Default::default()
            }),
            changed: Condvar::new(),
        }
    }

    /// Builds the dependencies of a whole block at once from its envelopes (transactions
    /// that do not decode carry no dependency, as in Fabric).
    pub fn for_block(block_data: &[Vec<u8>]) -> Self {
        let deps = Self::new(block_data.len());
        for (tx, bytes) in block_data.iter().enumerate() {
            deps.register(tx, metadata_writes(bytes).unwrap_or_default());
        }
        deps
    }

    /// Registers the keys whose metadata transaction `tx` writes. Only the first call for a
    /// transaction counts; every transaction must register (with no keys if it has no valid
    /// read-write set) before it finishes.
    pub fn register(&self, tx: usize, keys: Vec<LedgerKey>) {
        let mut guard = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        let v = &mut *guard;
        let Some(t) = v.txs.get_mut(tx) else {
            return;
        };
        if t.registered {
            return;
        }
        t.registered = true;
        for key in keys {
            v.metadata_writers.entry(key).or_default().push(tx);
        }
        while v.txs.get(v.registered_below).is_some_and(|t| t.registered) {
            v.registered_below += 1;
        }
        self.changed.notify_all();
    }

    /// Records the VSCC result of transaction `tx` for `namespace` (Fabric's PostValidate).
    pub fn record(&self, tx: usize, namespace: &str, valid: bool) {
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = verdicts.txs.get_mut(tx) {
            v.by_namespace.insert(namespace.to_string(), valid);
        }
        self.changed.notify_all();
    }

    /// Marks transaction `tx` as fully validated: namespaces it never recorded count as not
    /// valid for those waiting on it.
    pub fn finish(&self, tx: usize) {
        self.register(tx, Vec::new());
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = verdicts.txs.get_mut(tx) {
            v.finished = true;
        }
        self.changed.notify_all();
    }

    /// Whether a transaction before `tx` in this block validly changed the metadata of the
    /// key; waits for the earlier transactions to register and for the verdicts of those
    /// that write the key's metadata. Callers validate transactions in ascending order, so
    /// waiting on earlier ones cannot deadlock.
    fn updated_before(&self, tx: usize, key: &LedgerKey) -> bool {
        let namespace = &key.0;
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        while verdicts.registered_below < tx {
            verdicts = self
                .changed
                .wait(verdicts)
                .unwrap_or_else(|e| e.into_inner());
        }
        let Some(writers) = verdicts.metadata_writers.get(key).cloned() else {
            return false;
        };
        for writer in writers.into_iter().filter(|&w| w < tx) {
            loop {
                let v = &verdicts.txs[writer];
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
    Some(metadata_written_keys(&rwset))
}

/// The keys whose metadata a decoded read-write set writes.
pub fn metadata_written_keys(rwset: &super::rwset::TxRwSet) -> Vec<LedgerKey> {
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
    keys
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
) -> Result<(), PolicyError> {
    SignaturePolicyEvaluator::from_bytes(policy, deserializer.clone())?.evaluate(signed)
}

/// Endorsement policies compiled once per policy (Fabric compiles them per transaction):
/// keyed by the marshalled policy bytes, so a new chaincode definition with another policy
/// gets its own entry. One cache per channel config bundle (the compiled policies hold its
/// MSPs); at most [`EndorsementPolicies::CAPACITY`] policies are kept.
pub struct EndorsementPolicies {
    deserializer: Arc<dyn IdentityDeserializer>,
    compiled: std::sync::RwLock<HashMap<Vec<u8>, Arc<SignaturePolicyEvaluator>>>,
}

impl EndorsementPolicies {
    pub const CAPACITY: usize = 1024;

    pub fn new(deserializer: Arc<dyn IdentityDeserializer>) -> Self {
        EndorsementPolicies {
            deserializer,
            compiled: Default::default(),
        }
    }

    /// The deserializer policies are compiled with.
    pub fn deserializer(&self) -> &Arc<dyn IdentityDeserializer> {
        &self.deserializer
    }

    /// The compiled policy of `policy` (compiled now if it is not cached; a policy that
    /// does not compile is not remembered).
    pub fn compiled(&self, policy: &[u8]) -> Result<Arc<SignaturePolicyEvaluator>, PolicyError> {
        if let Some(p) = self
            .compiled
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(policy)
        {
            return Ok(p.clone());
        }
        let compiled = Arc::new(SignaturePolicyEvaluator::from_bytes(
            policy,
            self.deserializer.clone(),
        )?);
        let mut map = self.compiled.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert(policy.to_vec(), compiled.clone());
        Ok(compiled)
    }

    /// Evaluates the signed data against the policy (as [`evaluate_policy`]).
    pub fn evaluate(&self, policy: &[u8], signed: &[SignedData]) -> Result<(), PolicyError> {
        self.compiled(policy)?.evaluate(signed)
    }

    /// How many compiled policies are cached.
    pub fn len(&self) -> usize {
        self.compiled
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks one transaction's writes to `namespace` against key-level validation parameters
/// and the chaincode endorsement policy (Fabric's `KeyLevelValidator.Validate`).
pub struct KeyLevelValidator<'a> {
    pub policies: &'a EndorsementPolicies,
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
        self.validator
            .policies
            .evaluate(self.cc_policy, &self.signed)
            .map_err(|e| {
                VsccError::EndorsementPolicy(format!(
                    "validation of endorsement policy for chaincode {} in tx {}:{} failed: {e}",
                    self.namespace, self.block_num, self.tx_num
                ))
            })?;
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
        self.validator
            .policies
            .evaluate(&parameter, &self.signed)
            .map_err(|e| {
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
        rwset: &super::rwset::TxRwSet,
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
