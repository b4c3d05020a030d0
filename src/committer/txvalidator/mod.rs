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
mod vscc_validator;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use prost::Message;

use crate::channelconfig::{ApplicationCapabilities, Bundle};
use crate::ledger::{LedgerError, PeerLedger};
use crate::msp::IdentityDeserializer;
use crate::protos::common::{Block, BlockMetadata, ConfigEnvelope, HeaderType, Payload};
use crate::protos::peer::{
    chaincode_spec, ChaincodeActionPayload, ChaincodeDeploymentSpec, ChaincodeHeaderExtension,
    ChaincodeInvocationSpec, ChaincodeProposalPayload, Transaction, TxValidationCode,
};
use crate::protoutil::BlockMetadataIndex;
use crate::scc::vscc::KeyLevelDependencies;

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
    #[error("could not retrieve state for chaincode {chaincode}: {reason}")]
    InfoLookup { chaincode: String, reason: String },
    #[error("validation plugin failed: {0}")]
    VsccExecution(String),
    #[error("error validating config which passed initial validity checks: {0}")]
    Config(String),
    #[error("cannot read the channel state: {0}")]
    State(#[source] LedgerError),
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

/// Validates blocks over a pool of worker threads (Fabric's `TxValidator`).
#[derive(Debug, Clone)]
pub struct TxValidator {
    pool_size: usize,
}

impl Default for TxValidator {
    fn default() -> Self {
        TxValidator::new(0)
    }
}

/// What every transaction of one block is validated against.
pub(crate) struct BlockContext<'a> {
    ledger: &'a dyn PeerLedger,
    bundle: &'a Bundle,
    channel_id: String,
    block_num: u64,
    data: &'a [Vec<u8>],
    capabilities: ApplicationCapabilities,
    deserializer: Arc<dyn IdentityDeserializer>,
    application_msp_ids: Vec<String>,
    dependencies: KeyLevelDependencies,
}

impl TxValidator {
    /// A validator with `pool_size` workers (`peer.validatorPoolSize`); 0 means one per CPU,
    /// Fabric's default.
    pub fn new(pool_size: usize) -> Self {
        let pool_size = if pool_size == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            pool_size
        };
        TxValidator { pool_size }
    }

    pub fn pool_size(&self) -> usize {
        self.pool_size
    }

    /// Validates every transaction of `block` against the channel's `ledger` and config
    /// `bundle`, and writes the TRANSACTIONS_FILTER into the block's metadata.
    pub fn validate(
        &self,
        ledger: &dyn PeerLedger,
        bundle: &Bundle,
        block: &mut Block,
    ) -> Result<BlockValidation, TxValidatorError> {
        let started = Instant::now();
        let block_num = block
            .header
            .as_ref()
            .ok_or(TxValidatorError::MalformedBlock)?
            .number;
        let data = &block
            .data
            .as_ref()
            .ok_or(TxValidatorError::MalformedBlock)?
            .data;
        let (codes, new_config) = {
            let ctx = BlockContext::new(ledger, bundle, block_num, data);
            let results = self.validate_all(&ctx)?;
            finalize(results, &ctx.capabilities)
        };
        set_filter(block, &codes);
        tracing::info!(target: "committer.txvalidator", "[{}] Validated block [{block_num}] in {}ms", bundle.channel_id(), started.elapsed().as_millis());
        Ok(BlockValidation { codes, new_config })
    }

    /// Runs the per-transaction validation over the worker pool; transactions are taken in
    /// ascending order (key-level dependencies rely on it). The first error by position wins.
    fn validate_all(&self, ctx: &BlockContext<'_>) -> Result<Vec<TxResult>, TxValidatorError> {
        let n = ctx.data.len();
        let slots: Vec<Mutex<Option<Result<TxResult, TxValidatorError>>>> =
            (0..n).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let work = || loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= n {
                break;
            }
            let result = ctx.validate_tx(i);
            ctx.dependencies.finish(i);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        };
        let workers = self.pool_size.min(n);
        if workers <= 1 {
            work();
        } else {
            std::thread::scope(|s| {
                for _ in 0..workers {
                    s.spawn(work);
                }
            });
        }
        slots
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or_else(|| Ok(TxResult::invalid(TxValidationCode::NotValidated)))
            })
            .collect()
    }
}

impl<'a> BlockContext<'a> {
    fn new(
        ledger: &'a dyn PeerLedger,
        bundle: &'a Bundle,
        block_num: u64,
        data: &'a [Vec<u8>],
    ) -> Self {
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
        let dependencies = KeyLevelDependencies::for_block(data);
        BlockContext {
            ledger,
            bundle,
            channel_id: bundle.channel_id().to_string(),
            block_num,
            data,
            capabilities,
            deserializer: bundle.msp_manager().clone(),
            application_msp_ids,
            dependencies,
        }
    }

    /// Fabric's `validateTx` for transaction `index`.
    fn validate_tx(&self, index: usize) -> Result<TxResult, TxValidatorError> {
        let Ok(env) = crate::protoutil::envelope_from_block_data(&self.data[index]) else {
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
        let chdr = &validated.channel_header;
        let t = chdr.r#type;
        if t == HeaderType::EndorserTransaction as i32 {
            self.validate_endorser_tx(index, &validated.payload, chdr)
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
        payload: &Payload,
        chdr: &crate::protos::common::ChannelHeader,
    ) -> Result<TxResult, TxValidatorError> {
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
        let state = self
            .ledger
            .new_query_executor()
            .map_err(TxValidatorError::State)?;
        let code = self.vscc_validate_tx(index, payload, chdr, state.as_ref())?;
        if code != TxValidationCode::Valid {
            return Ok(TxResult::invalid(code));
        }
        let Some((invoked, upgraded)) = self.tx_chaincode_instances(payload, chdr) else {
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
        let envelope = ConfigEnvelope::decode(payload.data.as_slice()).map_err(|e| {
            TxValidatorError::Config(format!("error unmarshalling config envelope: {e}"))
        })?;
        self.bundle
            .validator()
            .validate(&envelope)
            .map_err(|e| TxValidatorError::Config(e.to_string()))?;
        let config = envelope
            .config
            .as_ref()
            .ok_or_else(|| TxValidatorError::Config("the config envelope has no config".into()))?;
        Bundle::new(&self.channel_id, config).map_err(|e| TxValidatorError::Config(e.to_string()))
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
