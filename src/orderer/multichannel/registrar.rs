//! The registrar: every channel of this orderer, created from ledgers at start and from
//! the genesis block the first time.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use super::chainsupport::{start_chain, ChainSupport};
use super::RegistrarError;
use crate::msp::SigningIdentity;
use crate::orderer::consensus::Consenter;
use crate::orderer::ledger::FileLedgerFactory;
use crate::orderer::msgprocessor::{classify, Classification, ProcessError};
use crate::protos::common::{Block, ChannelHeader, Envelope};
use crate::protoutil::{channel_header, envelope_from_block_data, payload};

/// The orderer's channels.
pub struct Registrar {
    factory: FileLedgerFactory,
    signer: Arc<dyn SigningIdentity>,
    consenter: Arc<dyn Consenter>,
    chains: RwLock<BTreeMap<String, Arc<ChainSupport>>>,
    system_channel: RwLock<Option<String>>,
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
        }
    }

    /// Opens every channel in the ledger folder and starts its chain (on the current tokio
    /// runtime). When no channel exists yet, the system channel is created from `genesis`;
    /// when channels exist, `genesis` is ignored, as Fabric does.
    pub fn initialize(&self, genesis: Option<&Block>) -> Result<(), RegistrarError> {
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
            let ledger = self.factory.get_or_create(&id)?;
            let support = Arc::new(ChainSupport::open(&id, ledger, self.signer.clone())?);
            if support.is_system_channel() {
                tracing::info!(target: "orderer.commmon.multichannel",
                    "Starting system channel '{id}' with genesis block hash and orderer type solo");
                *self
                    .system_channel
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
            } else {
                tracing::info!(target: "orderer.commmon.multichannel", "Starting channel {id}");
            }
            start_chain(&support, self.consenter.as_ref())?;
            self.chains
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, support);
        }
        if self.system_channel_id().is_none() {
            return Err(RegistrarError::NoSystemChannel);
        }
        Ok(())
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

    /// Routes a broadcast message: its channel header, whether it is a config update, and
    /// the channel that processes it (the system channel for unknown channels, as Fabric).
    pub fn broadcast_channel_support(
        &self,
        env: &Envelope,
    ) -> Result<(ChannelHeader, bool, Arc<ChainSupport>), (Option<ChannelHeader>, ProcessError)>
    {
        let chdr = payload(env).and_then(|p| channel_header(&p)).map_err(|e| {
            (
                None,
                ProcessError::BadRequest(format!("could not determine channel ID: {e}")),
            )
        })?;
        let support = match self.get_chain(&chdr.channel_id) {
            Some(s) => s,
            None => self
                .system_channel_id()
                .and_then(|id| self.get_chain(&id))
                .ok_or_else(|| (Some(chdr.clone()), ProcessError::ChannelDoesNotExist))?,
        };
        match classify(&chdr) {
            Classification::ConfigUpdate => Ok((chdr, true, support)),
            Classification::Config => Err((
                Some(chdr),
                ProcessError::BadRequest(
                    "message is of type that cannot be processed directly".into(),
                ),
            )),
            Classification::Normal => Ok((chdr, false, support)),
        }
    }

    /// Stops every chain.
    pub fn halt(&self) {
        for support in self
            .chains
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            if let Some(chain) = support.chain() {
                chain.halt();
            }
        }
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
