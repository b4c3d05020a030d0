//! The peer's channels (Fabric's `core/peer`): every joined channel with its ledger and its
//! current config [`Bundle`]. Services (endorser, committer, deliver, system chaincodes) find
//! a channel here by id; joining creates the ledger from the genesis block, and at start every
//! ledger on disk comes back with the config of its last config block.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::channelconfig::{Bundle, ChannelConfigError};
use crate::ledger::{LedgerError, LedgerProvider, PeerLedger};
use crate::protos::common::{Block, BlockMetadataIndex, LastConfig, Metadata};
use crate::protoutil::{channel_header, decode, envelope_from_block_data, payload};

/// Errors of channel management.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("invalid channel config: {0}")]
    Config(#[from] ChannelConfigError),
    #[error("{0}")]
    InvalidBlock(String),
    #[error("channel {0} not found")]
    ChannelNotFound(String),
}

/// One joined channel: its ledger and the config bundle in force.
pub struct Channel {
    id: String,
    ledger: Arc<dyn PeerLedger>,
    bundle: RwLock<Arc<Bundle>>,
}

impl Channel {
    pub fn new(id: String, ledger: Arc<dyn PeerLedger>, bundle: Bundle) -> Self {
        Channel {
            id,
            ledger,
            bundle: RwLock::new(Arc::new(bundle)),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn ledger(&self) -> &Arc<dyn PeerLedger> {
        &self.ledger
    }

    /// The config in force now; hold the returned Arc for one consistent view.
    pub fn bundle(&self) -> Arc<Bundle> {
        self.bundle
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the config after a config block was committed.
    pub fn set_bundle(&self, bundle: Bundle) {
        *self.bundle.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(bundle);
    }
}

/// All channels of this peer.
pub struct Peer {
    provider: Arc<dyn LedgerProvider>,
    channels: RwLock<BTreeMap<String, Arc<Channel>>>,
}

impl Peer {
    pub fn new(provider: Arc<dyn LedgerProvider>) -> Self {
        Peer {
            provider,
            channels: RwLock::new(BTreeMap::new()),
        }
    }

    pub fn ledger_provider(&self) -> &Arc<dyn LedgerProvider> {
        &self.provider
    }

    pub fn channel(&self, channel_id: &str) -> Option<Arc<Channel>> {
        self.read().get(channel_id).cloned()
    }

    /// Joined channel ids, sorted.
    pub fn channel_ids(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    /// Opens every ledger on disk with the config of its last config block (peer start).
    pub fn initialize(&self) -> Result<Vec<Arc<Channel>>, PeerError> {
        let mut opened = Vec::new();
        for id in self.provider.list()? {
            let ledger = self.provider.open(&id)?;
            let bundle = current_config_bundle(ledger.as_ref())?;
            opened.push(self.insert(Channel::new(id, ledger, bundle)));
        }
        Ok(opened)
    }

    /// Joins a channel: checks the genesis block carries a channel config, creates the
    /// ledger (which commits the block) and registers the channel.
    pub fn create_channel_from_block(&self, genesis: &Block) -> Result<Arc<Channel>, PeerError> {
        let bundle = config_bundle_of(genesis)?;
        let id = bundle.channel_id().to_string();
        let ledger = self.provider.create(genesis)?;
        Ok(self.insert(Channel::new(id, ledger, bundle)))
    }

    fn insert(&self, channel: Channel) -> Arc<Channel> {
        let channel = Arc::new(channel);
        let mut map = self.channels.write().unwrap_or_else(|e| e.into_inner());
        map.insert(channel.id.clone(), channel.clone());
        channel
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Channel>>> {
        self.channels.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The config bundle a config block carries (its first and only envelope).
pub fn config_bundle_of(block: &Block) -> Result<Bundle, PeerError> {
    let data = block
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or_else(|| PeerError::InvalidBlock("the block carries no transaction".into()))?;
    let env = envelope_from_block_data(data).map_err(|e| PeerError::InvalidBlock(e.to_string()))?;
    let chdr = payload(&env)
        .and_then(|p| channel_header(&p))
        .map_err(|e| PeerError::InvalidBlock(e.to_string()))?;
    if chdr.r#type != crate::protos::common::HeaderType::Config as i32 {
        return Err(PeerError::InvalidBlock(format!(
            "block {} is not a config block (header type {})",
            block.header.as_ref().map_or(0, |h| h.number),
            chdr.r#type
        )));
    }
    Ok(Bundle::from_config_envelope(&env)?)
}

/// The number of the last config block, from a block's LAST_CONFIG metadata.
pub fn last_config_index(block: &Block) -> Result<u64, PeerError> {
    let bad = |what: String| PeerError::InvalidBlock(format!("LAST_CONFIG metadata: {what}"));
    let raw = block
        .metadata
        .as_ref()
        .and_then(|m| m.metadata.get(BlockMetadataIndex::LastConfig as usize))
        .ok_or_else(|| bad("missing".into()))?;
    let md: Metadata = decode("Metadata", raw).map_err(|e| bad(e.to_string()))?;
    let lc: LastConfig = decode("LastConfig", &md.value).map_err(|e| bad(e.to_string()))?;
    Ok(lc.index)
}

/// The config bundle in force at the ledger's tip.
pub fn current_config_bundle(ledger: &dyn PeerLedger) -> Result<Bundle, PeerError> {
    let last = ledger.get_block_by_number(u64::MAX)?;
    let index = last_config_index(&last)?;
    let config_block = ledger.get_block_by_number(index)?;
    config_bundle_of(&config_block)
}
