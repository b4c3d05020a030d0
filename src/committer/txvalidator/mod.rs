//! Block validation (Fabric's `core/committer/txvalidator`): every transaction of a block is
//! validated in parallel over a pool of `peer.validatorPoolSize` workers, and the block's
//! TRANSACTIONS_FILTER (metadata slot 2, one validation code per transaction) is written.
//!
//! Per transaction, in Fabric's order: envelope decoding, the message checks of
//! [`msgvalidation`] (payload, headers, creator signature, tx id, proposal binding); then by
//! header type: an endorser transaction must not repeat a tx id already in the ledger and
//! goes through VSCC ([`vscc_validator`]); a config transaction must be the next valid config
//! of the channel (a config that does not validate stops the whole block, as in Fabric);
//! other types are UNKNOWN_TX_TYPE. After all transactions: duplicate tx ids within the block
//! (capability V1_1+), and chaincode upgrades invalidate other transactions of the same
//! block that upgrade or invoke the same chaincode (CHAINCODE_VERSION_CONFLICT).
//!
//! MVCC is the ledger's part of validation and happens at commit.

pub mod msgvalidation;
mod reads;
mod vscc_validator;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Instant;

use prost::Message;

use super::pool::{PoolTask, ValidationPool};
use crate::channelconfig::{ApplicationCapabilities, Bundle};
use crate::ledger::{LedgerError, PeerLedger, QueryExecutor};
use crate::msp::IdentityDeserializer;
use crate::protos::common::{Block, BlockMetadata, ConfigEnvelope, HeaderType, Payload};
use crate::protos::peer::{
    chaincode_spec, ChaincodeActionPayload, ChaincodeDeploymentSpec, ChaincodeHeaderExtension,
    ChaincodeInvocationSpec, ChaincodeProposalPayload, Transaction, TxValidationCode,
};
use crate::protoutil::BlockMetadataIndex;
use crate::scc::escc::{OwnEndorsements, TrustOwnEndorsements};
use crate::scc::vscc::{EndorsementPolicies, KeyLevelDependencies};
use msgvalidation::ValidatedPayload;
pub(crate) use reads::ReadLog;

/// What stops the validation of a whole block (the peer must not commit it).
#[derive(Debug, thiserror::Error)]
pub enum TxValidatorError {
    #[error("the block has no header or no data")]
    MalformedBlock,
    #[error("ledger failure while checking whether txid {tx_id} exists: {source}")]
    DuplicateCheck {
        tx_id: String,
        #[source]
        source: LedgerError,
    },
    #[error("could not retrieve state for chaincode {chaincode}: {source}")]
    InfoLookup {
        chaincode: String,
        #[source]
        source: LedgerError,
    },
    #[error("validation plugin failed: {0}")]
    VsccExecution(#[source] crate::scc::vscc::VsccError),
    #[error("plugin with name {0} couldn't be used: plugin with name {0} wasn't found")]
    UnknownPlugin(String),
    #[error("error validating config which passed initial validity checks: {0}")]
    Config(#[source] ConfigError),
    #[error("cannot read the channel state: {0}")]
    State(#[source] LedgerError),
}

/// Why a config transaction that passed the message checks is not the channel's next config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("error unmarshalling config envelope: {0}")]
    Decode(#[source] prost::DecodeError),
    #[error("the config envelope has no config")]
    Missing,
    #[error("{0}")]
    Invalid(#[source] crate::configtx::ConfigtxError),
    #[error("{0}")]
    Bundle(#[source] crate::channelconfig::ChannelConfigError),
}

/// A chaincode on a channel (Fabric's `sysccprovider.ChaincodeInstance`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ChaincodeInstance {
    channel_id: String,
    name: String,
}

/// The verdict on one transaction.
#[derive(Default)]
struct TxResult {
    code: Option<TxValidationCode>,
    tx_id: String,
    invoked: Option<ChaincodeInstance>,
    upgraded: Option<ChaincodeInstance>,
    config: Option<Bundle>,
}

impl TxResult {
    fn invalid(code: TxValidationCode) -> Self {
        TxResult {
            code: Some(code),
            ..Default::default()
        }
    }
}

/// The validation verdict of a block.
pub struct BlockValidation {
    /// One code per transaction, in block order (the filter written into the block).
    pub codes: Vec<TxValidationCode>,
    /// The channel config a valid config transaction of the block installs.
    pub new_config: Option<Bundle>,
}

impl std::fmt::Debug for BlockValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockValidation")
            .field("codes", &self.codes)
            .field(
                "new_config",
                &self.new_config.as_ref().map(|b| b.sequence()),
            )
            .finish()
    }
}

/// A channel's config bundle in force and the endorsement policies compiled under it.
type BundlePolicies = (Arc<Bundle>, Arc<EndorsementPolicies>);

/// The compiled endorsement policies of each channel, for the bundle in force.
#[derive(Default)]
struct PolicyCaches {
    by_channel: Mutex<HashMap<String, BundlePolicies>>,
    /// What this peer's escc signed: such endorsements are not verified again.
    own: Option<Arc<OwnEndorsements>>,
}

impl PolicyCaches {
    /// The cache of `bundle`'s channel; a new bundle (config update) starts an empty one.
    fn for_bundle(&self, bundle: &Arc<Bundle>) -> Arc<EndorsementPolicies> {
        let mut map = self.by_channel.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((b, policies)) = map.get(bundle.channel_id()) {
            if Arc::ptr_eq(b, bundle) {
                return policies.clone();
            }
        }
        let mut deserializer: Arc<dyn IdentityDeserializer> = bundle.msp_manager().clone();
        if let Some(own) = &self.own {
            deserializer = Arc::new(TrustOwnEndorsements {
                inner: deserializer,
                own: own.clone(),
            });
        }
        let policies = Arc::new(EndorsementPolicies::new(deserializer));
        map.insert(
            bundle.channel_id().to_string(),
            (bundle.clone(), policies.clone()),
        );
        policies
    }
}

/// Validates blocks on the peer's validation pool (Fabric's `TxValidator`). Clones share
/// the pool and the policy caches.
#[derive(Clone)]
pub struct TxValidator {
    pool: Arc<ValidationPool>,
    policies: Arc<PolicyCaches>,
}

impl std::fmt::Debug for TxValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxValidator")
            .field("pool_size", &self.pool.size())
            .finish()
    }
}

impl Default for TxValidator {
    fn default() -> Self {
        TxValidator::new(0)
    }
}

/// What every transaction of one block is validated against.
pub(crate) struct BlockContext {
    ledger: Arc<dyn PeerLedger>,
    state: Box<dyn QueryExecutor>,
    reads: Arc<ReadLog>,
    bundle: Arc<Bundle>,
    channel_id: String,
    block_num: u64,
    capabilities: ApplicationCapabilities,
    deserializer: Arc<dyn IdentityDeserializer>,
    policies: Arc<EndorsementPolicies>,
    application_msp_ids: Vec<String>,
    dependencies: KeyLevelDependencies,
}

/// One block's validation on the pool: workers take transactions in ascending order.
struct BlockJob {
    ctx: BlockContext,
    data: RwLock<Vec<Vec<u8>>>,
    next: AtomicUsize,
    slots: Vec<Mutex<Option<Result<TxResult, TxValidatorError>>>>,
    finished: Mutex<usize>,
    all_finished: Condvar,
}

impl PoolTask for BlockJob {
    fn run(&self) {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        let n = data.len();
        loop {
            let i = self.next.fetch_add(1, Ordering::SeqCst);
            if i >= n {
                return;
            }
            let result = self.ctx.validate_tx(i, &data[i]);
            self.ctx.dependencies.finish(i);
            *self.slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            let mut finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
            *finished += 1;
            if *finished == n {
                self.all_finished.notify_all();
            }
        }
    }
}

/// A block being validated on the pool; [`PendingValidation::wait`] gives it back with
/// its filter written.
pub struct PendingValidation {
    job: Arc<BlockJob>,
    block: Block,
    started: Instant,
}

/// A validated block, ready for the ledger.
pub struct ValidatedBlock {
    /// The block with its TRANSACTIONS_FILTER set.
    pub block: Block,
    pub validation: BlockValidation,
    reads: Arc<ReadLog>,
}

impl ValidatedBlock {
    /// Whether what the validation read from `ledger` is still what the ledger holds (see
    /// [`ReadLog`]); always true when the reads were not logged.
    pub(crate) fn reads_still_current(&self, ledger: &dyn PeerLedger) -> Result<bool, LedgerError> {
        self.reads.still_current(ledger)
    }

    /// The block number.
    pub fn number(&self) -> u64 {
        self.block.header.as_ref().map_or(0, |h| h.number)
    }
}

impl PendingValidation {
    /// The block number.
    pub fn number(&self) -> u64 {
        self.job.ctx.block_num
    }

    /// Waits for every transaction's verdict and writes the block's filter. The first
    /// block-level error by position wins.
    pub fn wait(self) -> Result<ValidatedBlock, TxValidatorError> {
        let job = self.job;
        let n = job.slots.len();
        let mut finished = job.finished.lock().unwrap_or_else(|e| e.into_inner());
        while *finished < n {
            finished = job
                .all_finished
                .wait(finished)
                .unwrap_or_else(|e| e.into_inner());
        }
        drop(finished);
        let results = job
            .slots
            .iter()
            .map(|slot| {
                slot.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .unwrap_or_else(|| Ok(TxResult::invalid(TxValidationCode::NotValidated)))
            })
            .collect::<Result<Vec<_>, _>>();
        let mut block = self.block;
        if let Some(d) = block.data.as_mut() {
            d.data = std::mem::take(&mut *job.data.write().unwrap_or_else(|e| e.into_inner()));
        }
        let ctx = &job.ctx;
        let (codes, new_config) = finalize(results?, &ctx.capabilities);
        set_filter(&mut block, &codes);
        tracing::info!(target: "committer.txvalidator", "[{}] Validated block [{}] in {}ms", ctx.channel_id, ctx.block_num, self.started.elapsed().as_millis());
        Ok(ValidatedBlock {
            block,
            validation: BlockValidation { codes, new_config },
            reads: ctx.reads.clone(),
        })
    }
}

impl TxValidator {
    /// A validator with its own pool of `pool_size` workers (`peer.validatorPoolSize`); 0
    /// means one per CPU, Fabric's default.
    pub fn new(pool_size: usize) -> Self {
        TxValidator::with_pool(Arc::new(ValidationPool::new(pool_size)))
    }

    /// A validator on an existing pool.
    pub fn with_pool(pool: Arc<ValidationPool>) -> Self {
        TxValidator {
            pool,
            policies: Arc::default(),
        }
    }

    pub fn pool_size(&self) -> usize {
        self.pool.size()
    }

    /// What this peer's escc signed, when the validator trusts it.
    pub fn own_endorsements(&self) -> Option<Arc<OwnEndorsements>> {
        self.policies.own.clone()
    }

    /// Endorsements found in `own` (what this peer's escc signed) count as verified.
    pub fn trusting_own_endorsements(self, own: Arc<OwnEndorsements>) -> Self {
        TxValidator {
            pool: self.pool,
            policies: Arc::new(PolicyCaches {
                by_channel: Mutex::default(),
                own: Some(own),
            }),
        }
    }

    /// Queues the validation of every transaction of `block` against the channel's
    /// `ledger` and config `bundle`. With `log_reads`, what validation reads from the ledger
    /// is kept, to check it after a concurrent commit ([`ValidatedBlock`]).
    pub fn start(
        &self,
        ledger: Arc<dyn PeerLedger>,
        bundle: Arc<Bundle>,
        mut block: Block,
        log_reads: bool,
    ) -> Result<PendingValidation, TxValidatorError> {
        let started = Instant::now();
        let block_num = block
            .header
            .as_ref()
            .ok_or(TxValidatorError::MalformedBlock)?
            .number;
        let data = std::mem::take(
            &mut block
                .data
                .as_mut()
                .ok_or(TxValidatorError::MalformedBlock)?
                .data,
        );
        let policies = self.policies.for_bundle(&bundle);
        let ctx =
            match BlockContext::new(ledger, bundle, policies, block_num, data.len(), log_reads) {
                Ok(ctx) => ctx,
                Err(e) => {
                    if let Some(d) = block.data.as_mut() {
                        d.data = data;
                    }
                    return Err(e);
                }
            };
        let n = data.len();
        let job = Arc::new(BlockJob {
            ctx,
            data: RwLock::new(data),
            next: AtomicUsize::new(0),
            slots: (0..n).map(|_| Mutex::new(None)).collect(),
            finished: Mutex::new(0),
            all_finished: Condvar::new(),
        });
        if n > 0 {
            self.pool.submit(job.clone(), n);
        }
        Ok(PendingValidation {
            job,
            block,
            started,
        })
    }

    /// Validates `block` and writes its TRANSACTIONS_FILTER (start, then wait).
    pub fn validate(
        &self,
        ledger: Arc<dyn PeerLedger>,
        bundle: Arc<Bundle>,
        block: &mut Block,
    ) -> Result<BlockValidation, TxValidatorError> {
        let pending = self.start(ledger, bundle, std::mem::take(block), false)?;
        let validated = pending.wait();
        match validated {
            Ok(v) => {
                *block = v.block;
                Ok(v.validation)
            }
            Err(e) => Err(e),
        }
    }
}

impl BlockContext {
    fn new(
        ledger: Arc<dyn PeerLedger>,
        bundle: Arc<Bundle>,
        policies: Arc<EndorsementPolicies>,
        block_num: u64,
        transactions: usize,
        log_reads: bool,
    ) -> Result<Self, TxValidatorError> {
        let capabilities = bundle
            .application_config()
            .map(|a| a.capabilities().clone())
            .unwrap_or_default();
        let mut application_msp_ids: Vec<String> = bundle
            .application_config()
            .map(|a| {
                a.organizations()
                    .values()
                    .map(|o| o.msp_id().to_string())
                    .collect()
            })
            .unwrap_or_default();
        application_msp_ids.sort();
        let state = ledger
            .new_query_executor()
            .map_err(TxValidatorError::State)?;
        Ok(BlockContext {
            state,
            reads: Arc::new(ReadLog::new(log_reads)),
            channel_id: bundle.channel_id().to_string(),
            block_num,
            capabilities,
            deserializer: bundle.msp_manager().clone(),
            policies,
            application_msp_ids,
            dependencies: KeyLevelDependencies::new(transactions),
            ledger,
            bundle,
        })
    }

    /// Fabric's `validateTx` for transaction `index` (its envelope bytes).
    fn validate_tx(&self, index: usize, bytes: &[u8]) -> Result<TxResult, TxValidatorError> {
        let Ok(env) = crate::protoutil::envelope_from_block_data(bytes) else {
            tracing::warn!(target: "committer.txvalidator", "Error getting tx {index} from block {}", self.block_num);
            return Ok(TxResult::invalid(TxValidationCode::InvalidOtherReason));
        };
        let validated = match msgvalidation::validate_transaction(
            &env,
            &self.channel_id,
            self.deserializer.as_ref(),
        ) {
            Ok(v) => v,
            Err(code) => {
                tracing::error!(target: "committer.txvalidator", "Invalid transaction with index {index}");
                return Ok(TxResult::invalid(code));
            }
        };
        let t = validated.channel_header.r#type;
        if t == HeaderType::EndorserTransaction as i32 {
            self.validate_endorser_tx(index, &env, &validated)
        } else if t == HeaderType::Config as i32 {
            let config = self.apply_config(&validated.payload)?;
            Ok(TxResult {
                code: Some(TxValidationCode::Valid),
                config: Some(config),
                ..Default::default()
            })
        } else {
            tracing::warn!(target: "committer.txvalidator", "Unknown transaction type [{t}] in block number [{}] transaction index [{index}]", self.block_num);
            Ok(TxResult::invalid(TxValidationCode::UnknownTxType))
        }
    }

    fn validate_endorser_tx(
        &self,
        index: usize,
        env: &crate::protos::common::Envelope,
        validated: &ValidatedPayload,
    ) -> Result<TxResult, TxValidatorError> {
        let chdr = &validated.channel_header;
        let decoded = vscc_validator::DecodedAction::new(validated);
        self.dependencies.register(index, decoded.metadata_writes());
        let tx_id = chdr.tx_id.clone();
        let exists = self.ledger.tx_id_exists(&tx_id).map_err(|source| {
            TxValidatorError::DuplicateCheck {
                tx_id: tx_id.clone(),
                source,
            }
        })?;
        if exists {
            tracing::error!(target: "committer.txvalidator", "Duplicate transaction found, {tx_id}, skipping");
            return Ok(TxResult::invalid(TxValidationCode::DuplicateTxid));
        }
        self.reads.tx_id_absent(&tx_id);
        let state = reads::LoggedState {
            inner: self.state.as_ref(),
            log: &self.reads,
        };
        let code = self.vscc_validate_tx(index, env, validated, &decoded, &state)?;
        if code != TxValidationCode::Valid {
            return Ok(TxResult::invalid(code));
        }
        let Some((invoked, upgraded)) = self.tx_chaincode_instances(&validated.payload, chdr)
        else {
            return Ok(TxResult::invalid(TxValidationCode::InvalidOtherReason));
        };
        Ok(TxResult {
            code: Some(TxValidationCode::Valid),
            tx_id,
            invoked: Some(invoked),
            upgraded,
            config: None,
        })
    }

    /// A config transaction must be the channel's next config (Fabric's `Support.Apply`).
    fn apply_config(&self, payload: &Payload) -> Result<Bundle, TxValidatorError> {
        let envelope = ConfigEnvelope::decode(payload.data.as_slice())
            .map_err(|e| TxValidatorError::Config(ConfigError::Decode(e)))?;
        self.bundle
            .validator()
            .validate(&envelope)
            .map_err(|e| TxValidatorError::Config(ConfigError::Invalid(e)))?;
        let config = envelope
            .config
            .as_ref()
            .ok_or(TxValidatorError::Config(ConfigError::Missing))?;
        Bundle::new(&self.channel_id, config)
            .map_err(|e| TxValidatorError::Config(ConfigError::Bundle(e)))
    }

    /// The chaincode a valid transaction invoked and, for an lscc upgrade of a Go
    /// chaincode, the chaincode it upgrades (Fabric's `getTxCCInstance`). `None` when the
    /// header extension does not decode.
    fn tx_chaincode_instances(
        &self,
        payload: &Payload,
        chdr: &crate::protos::common::ChannelHeader,
    ) -> Option<(ChaincodeInstance, Option<ChaincodeInstance>)> {
        let ext = ChaincodeHeaderExtension::decode(chdr.extension.as_slice()).ok()?;
        let name = ext.chaincode_id.map(|c| c.name).unwrap_or_default();
        let instance = |name: String| ChaincodeInstance {
            channel_id: chdr.channel_id.clone(),
            name,
        };
        let upgraded = if name == crate::scc::vscc::LSCC_NAMESPACE {
            upgraded_chaincode(payload).map(instance)
        } else {
            None
        };
        Some((instance(name), upgraded))
    }
}

/// The Go chaincode an lscc `upgrade` transaction upgrades.
fn upgraded_chaincode(payload: &Payload) -> Option<String> {
    let tx = Transaction::decode(payload.data.as_slice()).ok()?;
    let cap = ChaincodeActionPayload::decode(tx.actions.first()?.payload.as_slice()).ok()?;
    let cpp = ChaincodeProposalPayload::decode(cap.chaincode_proposal_payload.as_slice()).ok()?;
    let cis = ChaincodeInvocationSpec::decode(cpp.input.as_slice()).ok()?;
    let args = cis.chaincode_spec?.input?.args;
    if args.first().map(Vec::as_slice) != Some(b"upgrade".as_slice()) {
        return None;
    }
    let cds = ChaincodeDeploymentSpec::decode(args.get(2)?.as_slice()).ok()?;
    let spec = cds.chaincode_spec?;
    // Fabric reads the spec through a registry that only knows the Go platform.
    if spec.r#type != chaincode_spec::Type::Golang as i32 {
        return None;
    }
    Some(spec.chaincode_id?.name)
}

/// Turns the per-transaction results into the final codes: duplicate tx ids within the
/// block, then chaincode upgrade conflicts.
fn finalize(
    results: Vec<TxResult>,
    capabilities: &ApplicationCapabilities,
) -> (Vec<TxValidationCode>, Option<Bundle>) {
    let mut codes: Vec<TxValidationCode> = results
        .iter()
        .map(|r| r.code.unwrap_or(TxValidationCode::NotValidated))
        .collect();
    if capabilities.forbid_duplicate_txid_in_block() {
        let mut seen = HashSet::new();
        for (i, r) in results.iter().enumerate() {
            if r.code == Some(TxValidationCode::Valid)
                && !r.tx_id.is_empty()
                && !seen.insert(r.tx_id.as_str())
            {
                tracing::error!(target: "committer.txvalidator", "Duplicate txid {} found, skipping", r.tx_id);
                codes[i] = TxValidationCode::DuplicateTxid;
            }
        }
    }
    invalidate_for_upgrades(&results, &mut codes);
    let new_config = results
        .into_iter()
        .zip(&codes)
        .filter(|(_, c)| **c == TxValidationCode::Valid)
        .filter_map(|(r, _)| r.config)
        .next_back();
    (codes, new_config)
}

/// Fabric's `invalidTXsForUpgradeCC`: only the last upgrade of a chaincode in a block
/// stands, and valid transactions invoking an upgraded chaincode are invalidated.
fn invalidate_for_upgrades(results: &[TxResult], codes: &mut [TxValidationCode]) {
    let mut last_upgrade: BTreeMap<&ChaincodeInstance, usize> = BTreeMap::new();
    for (i, r) in results.iter().enumerate() {
        if r.code != Some(TxValidationCode::Valid) {
            continue;
        }
        if let Some(cc) = &r.upgraded {
            if let Some(previous) = last_upgrade.insert(cc, i) {
                tracing::info!(target: "committer.txvalidator", "Invalid transaction with index {previous}: chaincode was upgraded by latter tx");
                codes[previous] = TxValidationCode::ChaincodeVersionConflict;
            }
        }
    }
    if last_upgrade.is_empty() {
        return;
    }
    let upgraded: HashMap<&ChaincodeInstance, usize> = last_upgrade.into_iter().collect();
    for (i, r) in results.iter().enumerate() {
        if r.code != Some(TxValidationCode::Valid) {
            continue;
        }
        if let Some(cc) = &r.invoked {
            if upgraded.contains_key(cc) && codes[i] == TxValidationCode::Valid {
                tracing::info!(target: "committer.txvalidator", "Invalid transaction with index {i}: chaincode was upgraded in the same block");
                codes[i] = TxValidationCode::ChaincodeVersionConflict;
            }
        }
    }
}

/// Writes the filter into metadata slot TRANSACTIONS_FILTER, allocating the slots Fabric's
/// `InitBlockMetadata` allocates.
fn set_filter(block: &mut Block, codes: &[TxValidationCode]) {
    let metadata = block.metadata.get_or_insert_with(BlockMetadata::default);
    let slots = BlockMetadataIndex::CommitHash as usize + 1;
    if metadata.metadata.len() < slots {
        metadata.metadata.resize(slots, Vec::new());
    }
    metadata.metadata[BlockMetadataIndex::TransactionsFilter as usize] =
        codes.iter().map(|c| *c as i32 as u8).collect();
}

#[cfg(test)]
mod tests;
