//! One channel's resources: its current config [`Bundle`], ledger, block writer and chain.

use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use super::RegistrarError;
use crate::channelconfig::Bundle;
use crate::msp::SigningIdentity;
use crate::operations::metrics::Metrics;
use crate::orderer::blockcutter::{BlockCutterMetrics, Receiver};
use crate::orderer::blockwriter::{last_config_index, BlockWriter, LedgerMetrics};
use crate::orderer::consensus::{Chain, ChainError, ConsenterSupport, SupportError};
use crate::orderer::ledger::{last_block, LedgerRef};
use crate::orderer::msgprocessor::{self, ProcessError};
use crate::protos::common::{Block, ConfigEnvelope, Envelope, HeaderType};
use crate::protos::orderer::BatchSize;
use crate::protoutil::{channel_header, decode, envelope_from_block_data, payload};

/// A channel of this orderer.
pub struct ChainSupport {
    channel_id: String,
    bundle: RwLock<Arc<Bundle>>,
    ledger: LedgerRef,
    writer: Mutex<BlockWriter>,
    signer: Arc<dyn SigningIdentity>,
    chain: RwLock<Option<Arc<dyn Chain>>>,
    creator: RwLock<Option<Weak<dyn ChannelCreator>>>,
    cutter_metrics: Option<BlockCutterMetrics>,
}

/// The metrics each channel of the orderer counts in the node's registry: its ledger's
/// (`ledger_blockchain_height`, `ledger_blockstorage_commit_time`) and its block cutter's
/// (`blockcutter_block_fill_duration`).
#[derive(Clone)]
pub struct ChannelMetrics {
    pub ledger: LedgerMetrics,
    pub block_cutter: BlockCutterMetrics,
}

impl ChannelMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        ChannelMetrics {
            ledger: LedgerMetrics::new(metrics),
            block_cutter: BlockCutterMetrics::new(metrics),
        }
    }
}

/// What the system channel needs from the registrar (Fabric's `ChainCreator`).
pub trait ChannelCreator: Send + Sync {
    /// How many channels exist, the system channel included.
    fn channels_count(&self) -> usize;
    /// Creates a channel from its first CONFIG envelope.
    fn create_channel(&self, config: &Envelope) -> Result<(), RegistrarError>;
}

impl ChainSupport {
    /// Opens a channel whose ledger holds at least its genesis block: its config is the one
    /// in the last config block.
    pub fn open(
        channel_id: &str,
        ledger: LedgerRef,
        signer: Arc<dyn SigningIdentity>,
        metrics: Option<&ChannelMetrics>,
    ) -> Result<Self, RegistrarError> {
        let bundle = Arc::new(load_bundle(channel_id, &ledger)?);
        let mut writer = BlockWriter::new(channel_id, ledger.clone(), signer.clone())?;
        if let Some(m) = metrics {
            m.ledger.set_height(channel_id, ledger.height());
            writer = writer.with_metrics(m.ledger.clone());
        }
        Ok(ChainSupport {
            channel_id: channel_id.to_string(),
            bundle: RwLock::new(bundle),
            ledger,
            writer: Mutex::new(writer),
            signer,
            chain: RwLock::new(None),
            creator: RwLock::new(None),
            cutter_metrics: metrics.map(|m| m.block_cutter.clone()),
        })
    }

    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The channel's current config.
    pub fn bundle(&self) -> Arc<Bundle> {
        self.bundle
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn ledger(&self) -> &LedgerRef {
        &self.ledger
    }

    pub fn signer(&self) -> &Arc<dyn SigningIdentity> {
        &self.signer
    }

    /// The consenter chain, once attached.
    pub fn chain(&self) -> Option<Arc<dyn Chain>> {
        self.chain.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn attach(&self, chain: Arc<dyn Chain>) {
        *self.chain.write().unwrap_or_else(|p| p.into_inner()) = Some(chain);
    }

    pub(super) fn set_channel_creator(&self, creator: Weak<dyn ChannelCreator>) {
        *self.creator.write().unwrap_or_else(|p| p.into_inner()) = Some(creator);
    }

    fn creator(&self) -> Option<Arc<dyn ChannelCreator>> {
        self.creator
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(Weak::upgrade)
    }

    /// Whether this is the system channel (its config defines consortiums).
    pub fn is_system_channel(&self) -> bool {
        self.bundle().consortiums_config().is_some()
    }

    /// Checks a normal message; returns the config sequence it was checked at.
    pub fn process_normal(&self, env: &Envelope) -> Result<u64, ProcessError> {
        msgprocessor::process_normal_msg(env, &self.bundle())
    }

    /// Turns a config update for this channel into the CONFIG envelope to order.
    /// On the system channel, an update for another channel is a channel creation.
    pub fn process_config_update(&self, env: &Envelope) -> Result<(Envelope, u64), ProcessError> {
        let bundle = self.bundle();
        let target = payload(env)
            .and_then(|p| channel_header(&p))
            .map_err(|e| ProcessError::BadRequest(e.to_string()))?
            .channel_id;
        if target != self.channel_id && bundle.consortiums_config().is_some() {
            let max = bundle
                .orderer_config()
                .map_or(0, |o| o.max_channels_count());
            let count = self.creator().map_or(0, |c| c.channels_count()) as u64;
            if max > 0 && count > max {
                return Err(ProcessError::BadRequest(format!(
                    "channel creation would exceed maximimum number of channels: {max}"
                )));
            }
            return msgprocessor::process_channel_creation(
                env,
                &target,
                &bundle,
                self.signer.as_ref(),
            );
        }
        msgprocessor::process_config_update_msg(env, &bundle, self.signer.as_ref())
    }

    fn with_writer<T>(&self, f: impl FnOnce(&mut BlockWriter) -> T) -> T {
        f(&mut self.writer.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Applies a config block's transaction; `Ok(true)` when it changed this channel's config
    /// (CONFIG), `Ok(false)` when it created another channel (ORDERER_TRANSACTION).
    fn apply_config(&self, block: &Block) -> Result<bool, SupportError> {
        let reject = |e: String| SupportError::Rejected(e);
        let data = block.data.as_ref().and_then(|d| d.data.first());
        let env = envelope_from_block_data(data.map_or(&[][..], |d| d.as_slice()))
            .map_err(|e| reject(e.to_string()))?;
        let payload = payload(&env).map_err(|e| reject(e.to_string()))?;
        let chdr = channel_header(&payload).map_err(|e| reject(e.to_string()))?;
        if chdr.r#type == HeaderType::OrdererTransaction as i32 {
            let inner =
                envelope_from_block_data(&payload.data).map_err(|e| reject(e.to_string()))?;
            let creator = self
                .creator()
                .ok_or_else(|| reject("only the system channel creates channels".into()))?;
            creator
                .create_channel(&inner)
                .map_err(|e| SupportError::CreateChannel(Box::new(e)))?;
            return Ok(false);
        }
        if chdr.r#type != HeaderType::Config as i32 {
            return Err(reject(format!(
                "a config block must carry a CONFIG transaction, not type {}",
                chdr.r#type
            )));
        }
        let config_env: ConfigEnvelope =
            decode("ConfigEnvelope", &payload.data).map_err(|e| reject(e.to_string()))?;
        let current = self.bundle();
        current
            .validator()
            .validate(&config_env)
            .map_err(|e| reject(format!("could not apply the new config: {e}")))?;
        let config = config_env.config.unwrap_or_default();
        let next = Bundle::new(&self.channel_id, &config)
            .map_err(|e| reject(format!("the new config is not valid: {e}")))?;
        *self.bundle.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        Ok(true)
    }
}

impl ConsenterSupport for ChainSupport {
    fn channel_id(&self) -> String {
        self.channel_id.clone()
    }

    fn batch_size(&self) -> BatchSize {
        self.bundle()
            .orderer_config()
            .map(|o| *o.batch_size())
            .unwrap_or_default()
    }

    fn batch_timeout(&self) -> Duration {
        self.bundle()
            .orderer_config()
            .map_or(Duration::from_secs(2), |o| o.batch_timeout())
    }

    fn sequence(&self) -> u64 {
        self.bundle().sequence()
    }

    fn block_cutter(&self) -> Receiver {
        match &self.cutter_metrics {
            Some(m) => Receiver::with_metrics(&self.channel_id, m),
            None => Receiver::new(),
        }
    }

    fn process_normal_msg(&self, env: &Envelope) -> Result<(), SupportError> {
        self.process_normal(env)?;
        Ok(())
    }

    fn process_config_msg(&self, env: &Envelope) -> Result<Envelope, SupportError> {
        // A stale config message is re-validated from the update it was made from: a CONFIG
        // carries it as last_update; on the system channel an ORDERER_TRANSACTION (channel
        // creation) wraps the new channel's CONFIG, whose last_update is the creation
        // request, re-run through the channel creation path.
        let reject = |e: String| SupportError::Rejected(e);
        let abort = |e: String| reject(format!("Abort processing config msg because {e}"));
        let payload = payload(env).map_err(|e| reject(e.to_string()))?;
        let chdr = channel_header(&payload)
            .map_err(|e| abort(format!("channel header unmarshalling error: {e}")))?;
        let config_env = match HeaderType::try_from(chdr.r#type) {
            Ok(HeaderType::Config) => decode::<ConfigEnvelope>("ConfigEnvelope", &payload.data)
                .map_err(|e| reject(e.to_string()))?,
            Ok(HeaderType::OrdererTransaction) if self.is_system_channel() => {
                let inner = envelope_from_block_data(&payload.data)
                    .and_then(|inner| payload_of_type(&inner, HeaderType::Config))
                    .map_err(|e| abort(format!("payload data unmarshalling error: {e}")))?;
                decode::<ConfigEnvelope>("ConfigEnvelope", &inner.data)
                    .map_err(|e| abort(format!("payload data unmarshalling error: {e}")))?
            }
            _ => {
                return Err(reject(format!(
                    "Panic processing config msg due to unexpected envelope type {}",
                    header_type_name(chdr.r#type)
                )))
            }
        };
        let update = config_env
            .last_update
            .ok_or_else(|| reject("the config message carries no config update".into()))?;
        self.process_config_update(&update)
            .map(|(config, _)| config)
            .map_err(|e| reject(e.to_string()))
    }

    fn create_next_block(&self, messages: &[Envelope]) -> Block {
        self.with_writer(|w| w.create_next_block(messages))
    }

    fn write_block(&self, block: Block) -> Result<(), SupportError> {
        self.with_writer(|w| w.write_block(block, None))?;
        Ok(())
    }

    fn write_config_block(&self, block: Block) -> Result<(), SupportError> {
        if self.apply_config(&block)? {
            self.with_writer(|w| w.write_config_block(block, None))?;
        } else {
            self.with_writer(|w| w.write_block(block, None))?;
        }
        Ok(())
    }
}

/// The payload of `env`, which must be of header type `expected` (Fabric's
/// `UnmarshalEnvelopeOfType`).
fn payload_of_type(
    env: &Envelope,
    expected: HeaderType,
) -> Result<crate::protos::common::Payload, crate::protoutil::ProtoutilError> {
    let p = payload(env)?;
    let chdr = channel_header(&p)?;
    if chdr.r#type != expected as i32 {
        return Err(crate::protoutil::ProtoutilError::Invalid(format!(
            "invalid type {}, expected {}",
            header_type_name(chdr.r#type),
            expected.as_str_name()
        )));
    }
    Ok(p)
}

/// A header type's Fabric name, or its number when unknown.
fn header_type_name(t: i32) -> String {
    HeaderType::try_from(t).map_or_else(|_| t.to_string(), |h| h.as_str_name().to_string())
}

/// The config of a channel: the bundle of its last config block.
fn load_bundle(channel_id: &str, ledger: &LedgerRef) -> Result<Bundle, RegistrarError> {
    let bad = |reason: String| RegistrarError::Config {
        channel: channel_id.to_string(),
        reason,
    };
    let tip = last_block(ledger.as_ref())?.ok_or(RegistrarError::NoSystemChannel)?;
    let tip_number = tip.header.as_ref().map_or(0, |h| h.number);
    let index = if tip_number == 0 {
        0
    } else {
        last_config_index(&tip)?
    };
    let block = ledger
        .block(index)?
        .ok_or_else(|| bad(format!("last config block {index} is missing")))?;
    let data = block
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or_else(|| bad(format!("config block {index} has no transaction")))?;
    let env = envelope_from_block_data(data).map_err(|e| bad(e.to_string()))?;
    let bundle = Bundle::from_config_envelope(&env).map_err(|e| bad(e.to_string()))?;
    if bundle.channel_id() != channel_id {
        return Err(bad(format!(
            "its config block is for channel {}",
            bundle.channel_id()
        )));
    }
    Ok(bundle)
}

/// Attaches a consenter chain matching the channel's consensus type and starts it.
pub(super) fn start_chain(
    support: &Arc<ChainSupport>,
    consenter: &dyn crate::orderer::consensus::Consenter,
) -> Result<(), ChainError> {
    let bundle = support.bundle();
    let kind = bundle
        .orderer_config()
        .map(|o| o.consensus_type().to_string())
        .unwrap_or_default();
    if kind != "solo" {
        return Err(ChainError::Unsupported(kind));
    }
    let chain = consenter.handle_chain(support.clone(), &[])?;
    chain.start()?;
    support.attach(chain);
    Ok(())
}
