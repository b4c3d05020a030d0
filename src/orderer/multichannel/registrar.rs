//! The registrar: every channel of this orderer, created from ledgers at start and from
//! the genesis block the first time.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, Weak};

use super::chainsupport::{start_chain, ChainSupport, ChannelCreator, ChannelMetrics};
use super::RegistrarError;
use crate::msp::SigningIdentity;
use crate::operations::metrics::Metrics;
use crate::orderer::consensus::Consenter;
use crate::orderer::ledger::FileLedgerFactory;
use crate::orderer::msgprocessor::{classify, Classification, ProcessError};
use crate::protos::common::{Block, ChannelHeader, Envelope};
use crate::protoutil::{channel_header, envelope_from_block_data, payload};

/// Where a broadcast message goes.
pub struct Routed {
    /// The message's channel header.
    pub header: ChannelHeader,
    /// Whether it is a config update (else a normal message).
    pub is_config: bool,
    /// The channel that processes it.
    pub support: Arc<ChainSupport>,
}

/// A message that cannot be routed, with its channel when the header could be read.
#[derive(Debug)]
pub struct RouteError {
    pub channel_id: Option<String>,
    pub error: ProcessError,
}

/// The orderer's channels.
pub struct Registrar {
    factory: FileLedgerFactory,
    signer: Arc<dyn SigningIdentity>,
    consenter: Arc<dyn Consenter>,
    chains: RwLock<BTreeMap<String, Arc<ChainSupport>>>,
    system_channel: RwLock<Option<String>>,
    channel_metrics: Option<ChannelMetrics>,
}

impl Registrar {
    pub fn new(
        factory: FileLedgerFactory,
        signer: Arc<dyn SigningIdentity>,
        consenter: Arc<dyn Consenter>,
    ) -> Self {
        Registrar {
            factory,
            signer,
            consenter,
            chains: RwLock::new(BTreeMap::new()),
            system_channel: RwLock::new(None),
            channel_metrics: None,
        }
    }

    /// Counts the channels' metrics ([`ChannelMetrics`]) in `metrics`, the node's registry.
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        self.channel_metrics = Some(ChannelMetrics::new(metrics));
        self
    }

    /// Opens every channel in the ledger folder and starts its chain (each on a thread of
    /// its own). When no channel exists yet, the system channel is created from `genesis`;
    /// when channels exist, `genesis` is ignored, as Fabric does.
    pub fn initialize(self: &Arc<Self>, genesis: Option<&Block>) -> Result<(), RegistrarError> {
        let mut ids = self.factory.channel_ids()?;
        if ids.is_empty() {
            let genesis = genesis.ok_or(RegistrarError::NoSystemChannel)?;
            let id = genesis_channel_id(genesis)?;
            tracing::info!(target: "orderer.commmon.multichannel",
                "Bootstrapping the system channel {id} from the genesis block");
            self.factory.get_or_create(&id)?.append(genesis)?;
            ids.push(id);
        }
        for id in ids {
            let support = self.open_channel(&id)?;
            if support.is_system_channel() {
                let genesis_hash = support
                    .ledger()
                    .block(0)?
                    .and_then(|b| b.header)
                    .map(|h| hex::encode(crate::protoutil::block_header_hash(&h)))
                    .unwrap_or_default();
                let bundle = support.bundle();
                let consensus = bundle
                    .orderer_config()
                    .map(|o| o.consensus_type().to_string())
                    .unwrap_or_default();
                tracing::info!(target: "orderer.commmon.multichannel",
                    "Starting system channel '{id}' with genesis block hash {genesis_hash} and orderer type {consensus}");
                *self
                    .system_channel
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
                let creator: Weak<dyn ChannelCreator> = Arc::downgrade(self) as Weak<Registrar>;
                support.set_channel_creator(creator);
            } else {
                tracing::info!(target: "orderer.commmon.multichannel", "Starting channel {id}");
            }
            self.start(support)?;
        }
        if self.system_channel_id().is_none() {
            return Err(RegistrarError::NoSystemChannel);
        }
        Ok(())
    }

    fn open_channel(&self, id: &str) -> Result<Arc<ChainSupport>, RegistrarError> {
        let ledger = self.factory.get_or_create(id)?;
        Ok(Arc::new(ChainSupport::open(
            id,
            ledger,
            self.signer.clone(),
            self.channel_metrics.as_ref(),
        )?))
    }

    fn start(&self, support: Arc<ChainSupport>) -> Result<(), RegistrarError> {
        start_chain(&support, self.consenter.as_ref())?;
        self.chains
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(support.channel_id().to_string(), support);
        Ok(())
    }

    /// Creates a channel from the CONFIG envelope a channel creation produced: its genesis
    /// block (unsigned, like Fabric's) holds that envelope.
    pub fn new_chain(&self, config: &Envelope) -> Result<(), RegistrarError> {
        let id = payload(config)
            .and_then(|p| channel_header(&p))
            .map_err(|e| RegistrarError::Config {
                channel: "(new)".into(),
                reason: e.to_string(),
            })?
            .channel_id;
        if self.get_chain(&id).is_some() {
            tracing::warn!(target: "orderer.commmon.multichannel",
                "Channel {id} already exists; ignoring a second creation");
            return Ok(());
        }
        let ledger = self.factory.get_or_create(&id)?;
        if ledger.height() == 0 {
            ledger.append(&genesis_block(config))?;
        }
        tracing::info!(target: "orderer.commmon.multichannel", "Created and starting new channel {id}");
        self.start(self.open_channel(&id)?)
    }

    /// The system channel's name.
    pub fn system_channel_id(&self) -> Option<String> {
        self.system_channel
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A channel by name.
    pub fn get_chain(&self, channel_id: &str) -> Option<Arc<ChainSupport>> {
        self.chains
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(channel_id)
            .cloned()
    }

    /// The channels, sorted by name.
    pub fn channel_ids(&self) -> Vec<String> {
        self.chains
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Routes a broadcast message to the channel that processes it (the system channel for
    /// unknown channels, as Fabric does).
    pub fn broadcast_channel_support(&self, env: &Envelope) -> Result<Routed, RouteError> {
        let header = payload(env)
            .and_then(|p| channel_header(&p))
            .map_err(|e| RouteError {
                channel_id: None,
                error: ProcessError::BadRequest(format!("could not determine channel ID: {e}")),
            })?;
        let fail = |error| RouteError {
            channel_id: Some(header.channel_id.clone()),
            error,
        };
        let support = match self.get_chain(&header.channel_id) {
            Some(s) => s,
            None => self
                .system_channel_id()
                .and_then(|id| self.get_chain(&id))
                .ok_or_else(|| fail(ProcessError::ChannelDoesNotExist))?,
        };
        let is_config = match classify(&header) {
            Classification::ConfigUpdate => true,
            Classification::Normal => false,
            Classification::Config => {
                return Err(fail(ProcessError::BadRequest(
                    "message is of type that cannot be processed directly".into(),
                )))
            }
        };
        Ok(Routed {
            header,
            is_config,
            support,
        })
    }

    /// Tells every chain to stop: each refuses new messages, writes the block in flight
    /// and what it had already accepted, then ends (see [`Registrar::halted`]).
    pub fn halt(&self) {
        for chain in self.running_chains() {
            chain.halt();
        }
    }

    /// Waits until every chain has ended after [`Registrar::halt`], at most `deadline`;
    /// `false` when some chain was still running then.
    pub async fn halted(&self, deadline: std::time::Duration) -> bool {
        let chains = self.running_chains();
        let all = async {
            for chain in chains {
                let mut errored = chain.errored();
                let _ = errored.wait_for(|e| *e).await;
            }
        };
        tokio::time::timeout(deadline, all).await.is_ok()
    }

    fn running_chains(&self) -> Vec<Arc<dyn crate::orderer::consensus::Chain>> {
        self.chains
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter_map(|support| support.chain())
            .collect()
    }
}

/// Block 0 of a new channel: the CONFIG envelope, no previous hash, empty metadata.
pub fn genesis_block(config: &Envelope) -> Block {
    let data = crate::protos::common::BlockData {
        data: vec![prost::Message::encode_to_vec(config)],
    };
    let mut block = crate::protoutil::new_block(0, Vec::new());
    if let Some(h) = block.header.as_mut() {
        h.data_hash = crate::protoutil::block_data_hash(&data);
    }
    block.data = Some(data);
    if let Some(m) = block.metadata.as_mut() {
        m.metadata.resize(
            crate::orderer::blockwriter::BLOCK_METADATA_SLOTS,
            Vec::new(),
        );
    }
    block
}

impl ChannelCreator for Registrar {
    fn channels_count(&self) -> usize {
        self.chains.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn create_channel(&self, config: &Envelope) -> Result<(), RegistrarError> {
        self.new_chain(config)
    }
}

/// The channel a genesis block is for (from its config transaction's header).
pub fn genesis_channel_id(genesis: &Block) -> Result<String, RegistrarError> {
    let bad = |reason: String| RegistrarError::Config {
        channel: "(genesis)".into(),
        reason,
    };
    let data = genesis
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or_else(|| bad("the genesis block has no transaction".into()))?;
    let env = envelope_from_block_data(data).map_err(|e| bad(e.to_string()))?;
    let p = payload(&env).map_err(|e| bad(e.to_string()))?;
    let chdr = channel_header(&p).map_err(|e| bad(e.to_string()))?;
    Ok(chdr.channel_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::HeaderType;
    use crate::protoutil::{block_data_hash, create_signed_envelope};

    #[test]
    fn a_new_channel_genesis_block_holds_its_config_unsigned() {
        let config = create_signed_envelope(
            HeaderType::Config,
            "newchannel",
            None,
            &crate::protos::common::ConfigEnvelope::default(),
            0,
            0,
            Vec::new(),
        )
        .unwrap();
        let block = genesis_block(&config);
        let header = block.header.as_ref().unwrap();
        assert_eq!(header.number, 0);
        assert!(header.previous_hash.is_empty());
        assert_eq!(
            header.data_hash,
            block_data_hash(block.data.as_ref().unwrap())
        );
        assert!(block
            .metadata
            .as_ref()
            .unwrap()
            .metadata
            .iter()
            .all(Vec::is_empty));
        assert_eq!(genesis_channel_id(&block).unwrap(), "newchannel");
        let empty = Block::default();
        assert!(genesis_channel_id(&empty)
            .unwrap_err()
            .to_string()
            .contains("no transaction"));
    }
}
