//! The peer's gossip service per channel (Fabric's `gossip/service`): initializing a channel
//! starts its state provider (blocks reach the committer through it) and decides who pulls
//! blocks from the ordering service: with `peer.gossip.useLeaderElection` the elected
//! leader of the organization, with `peer.gossip.orgLeader` this peer always, otherwise
//! never (blocks then come from the organization's leader by gossip and state transfer).
//!
//! The leader's deliver client does not commit directly: each block it verified goes into
//! this peer's own state provider and is gossiped as a DataMessage to the peers of the
//! channel ([`GossipSink`], Fabric's `blocksprovider` with `AddPayload` + `Gossip`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prost::Message;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::GossipConfig;
use crate::gossip::api::MessageCryptoService;
use crate::gossip::comm::BoxFuture;
use crate::gossip::common::PkiId;
use crate::gossip::election::{
    ElectionConfig, ElectionError, LeaderElectionAdapter, LeaderElectionService,
    LeadershipCallback, YieldHandle,
};
use crate::gossip::state::{
    CommitError, CommitReceipt, Configuration, GossipAdapter, GossipStateProvider, LedgerResources,
    StateError, StateMetrics,
};
use crate::operations::metrics::Metrics;
use crate::protos::common::Block;
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{DataMessage, GossipMessage, Payload};

const LOG: &str = "gossip.service";

/// What the gossip service needs of the gossip facade; the peer implements it.
pub trait GossipServiceAdapter: Send + Sync {
    /// Signs and disseminates a message to the peers of its channel (Fabric's `Gossip`).
    fn gossip(&self, msg: GossipMessage);
    /// The state providers' view of gossip.
    fn state_adapter(&self) -> Arc<dyn GossipAdapter>;
    /// A new election adapter for `channel` (Fabric's `election.NewAdapter`).
    fn election_adapter(&self, channel: &str) -> Arc<dyn LeaderElectionAdapter>;
}

/// A running deliver client of one channel.
pub trait RunningDeliver: Send + Sync {
    /// Whether it ended by itself (it gave up reaching the ordering service).
    fn is_finished(&self) -> bool;
    /// Stops it and waits for it.
    fn stop(self: Box<Self>) -> BoxFuture<()>;
}

/// Starts a channel's deliver client into gossip's sink (Fabric's `DeliverService`
/// `StartDeliverForChannel`); the peer implements it over its orderer deliver client.
pub trait BlockDeliverer: Send + Sync {
    fn start(&self, sink: Arc<GossipSink>) -> Box<dyn RunningDeliver>;
}

/// Why the gossip service or a channel of it could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("Setting both orgLeader and useLeaderElection to true isn't supported; set one of peer.gossip.useLeaderElection or peer.gossip.orgLeader to false")]
    ConflictingLeaderModes,
    #[error("cannot start the state provider of channel {channel}: {source}")]
    State {
        channel: String,
        #[source]
        source: StateError,
    },
    #[error("cannot start the leader election of channel {channel}: {source}")]
    Election {
        channel: String,
        #[source]
        source: ElectionError,
    },
}

/// Who pulls blocks from the ordering service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderMode {
    /// `useLeaderElection`: the elected leader.
    Election,
    /// `orgLeader`: this peer, always.
    Static,
    /// Neither: never this peer.
    None,
}

/// `peer.gossip.*` as the service uses it.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub leader_mode: LeaderMode,
    pub election: ElectionConfig,
    pub state: Configuration,
    /// How long stopping a channel's parts may take each.
    pub stop_deadline: Duration,
}

impl ServiceConfig {
    pub fn from_config(g: &GossipConfig) -> Result<Self, ServiceError> {
        let leader_mode = match (g.use_leader_election, g.org_leader) {
            (true, true) => return Err(ServiceError::ConflictingLeaderModes),
            (true, false) => LeaderMode::Election,
            (false, true) => LeaderMode::Static,
            (false, false) => LeaderMode::None,
        };
        Ok(ServiceConfig {
            leader_mode,
            election: election_config(&g.election),
            state: Configuration::from_config(&g.state),
            stop_deadline: Duration::from_secs(10),
        })
    }

    /// Reports the state providers' metrics (`gossip_state_*`, `gossip_payload_buffer_size`)
    /// to `metrics`.
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        self.state.metrics = Some(StateMetrics::new(metrics));
        self
    }
}

/// `peer.gossip.election` with Fabric's defaults for zero durations (its
/// `GetDurationOrDefault`).
fn election_config(e: &ElectionConfig) -> ElectionConfig {
    let or = |d: Duration, secs: u64| {
        if d.is_zero() {
            Duration::from_secs(secs)
        } else {
            d
        }
    };
    ElectionConfig {
        startup_grace_period: or(e.startup_grace_period, 15),
        membership_sample_interval: or(e.membership_sample_interval, 1),
        leader_alive_threshold: or(e.leader_alive_threshold, 10),
        leader_election_duration: or(e.leader_election_duration, 5),
    }
}

/// The gossip service of the peer's channels.
pub struct GossipService {
    config: ServiceConfig,
    pki_id: PkiId,
    mcs: Arc<dyn MessageCryptoService>,
    adapter: Arc<dyn GossipServiceAdapter>,
    channels: Mutex<BTreeMap<String, ChannelGossip>>,
}

/// One channel's parts.
struct ChannelGossip {
    state: Arc<GossipStateProvider>,
    election: Option<LeaderElectionService>,
    /// Starts and stops the deliver client as leadership comes and goes.
    controller: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl GossipService {
    /// `pki_id` is this peer's (its election id).
    pub fn new(
        config: ServiceConfig,
        pki_id: PkiId,
        mcs: Arc<dyn MessageCryptoService>,
        adapter: Arc<dyn GossipServiceAdapter>,
    ) -> Self {
        GossipService {
            config,
            pki_id,
            mcs,
            adapter,
            channels: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, ChannelGossip>> {
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts gossip for `channel` (inside tokio; once, a second call does nothing): its
    /// state provider over `ledger`, and the deliver client by the leader mode.
    pub fn initialize_channel(
        &self,
        channel: &str,
        ledger: Arc<dyn LedgerResources>,
        deliverer: Arc<dyn BlockDeliverer>,
    ) -> Result<(), ServiceError> {
        let mut channels = self.lock();
        if channels.contains_key(channel) {
            return Ok(());
        }
        tracing::debug!(target: LOG, "Creating state provider for chainID {channel}");
        let state = GossipStateProvider::start(
            channel,
            self.adapter.state_adapter(),
            self.mcs.clone(),
            ledger,
            self.config.state.clone(),
        )
        .map_err(|source| ServiceError::State {
            channel: channel.to_string(),
            source,
        })?;
        let state = Arc::new(state);
        let sink = Arc::new(GossipSink {
            channel: channel.to_string(),
            adapter: self.adapter.clone(),
            state: state.clone(),
        });
        let (election, controller) = match self.config.leader_mode {
            LeaderMode::None => {
                tracing::debug!(target: LOG, "This peer is not configured to connect to ordering service for blocks delivery, channel {channel}");
                (None, None)
            }
            LeaderMode::Static => {
                tracing::debug!(target: LOG, "This peer is configured to connect to ordering service for blocks delivery, channel {channel}");
                let (held, leading) = watch::channel(true);
                let controller =
                    Controller::spawn(channel, (leading, Some(held)), deliverer, sink, None);
                (None, Some(controller))
            }
            LeaderMode::Election => {
                tracing::debug!(target: LOG, "Delivery uses dynamic leader election mechanism, channel {channel}");
                let (tx, leading) = watch::channel(false);
                let callback: LeadershipCallback = Arc::new(move |is_leader| {
                    tx.send_replace(is_leader);
                });
                let election = LeaderElectionService::start(
                    self.adapter.election_adapter(channel),
                    self.pki_id.clone(),
                    callback,
                    self.config.election.clone(),
                )
                .map_err(|source| ServiceError::Election {
                    channel: channel.to_string(),
                    source,
                })?;
                let yielder = Some(election.yield_handle());
                let controller =
                    Controller::spawn(channel, (leading, None), deliverer, sink, yielder);
                (Some(election), Some(controller))
            }
        };
        channels.insert(
            channel.to_string(),
            ChannelGossip {
                state,
                election,
                controller,
            },
        );
        Ok(())
    }

    /// Adds a trusted payload to a channel's state provider (Fabric's `AddPayload`).
    pub async fn add_payload(&self, channel: &str, payload: Payload) -> Result<(), StateError> {
        let state = self.lock().get(channel).map(|c| c.state.clone());
        match state {
            Some(state) => state.add_payload(payload).await,
            None => Err(StateError::Stopped(channel.to_string())),
        }
    }

    /// Whether this peer leads `channel` (`None`: no election runs for it).
    pub fn is_leader(&self, channel: &str) -> Option<bool> {
        self.lock()
            .get(channel)
            .and_then(|c| c.election.as_ref().map(|e| e.is_leader()))
    }

    /// Whether a deliver client may run for `channel` (a static leader, or an election).
    pub fn pulls_from_orderer(&self, channel: &str) -> bool {
        self.lock()
            .get(channel)
            .is_some_and(|c| c.controller.is_some())
    }

    /// Stops every channel: its deliver client, its election, its state provider.
    pub async fn stop(&self) {
        let channels = std::mem::take(&mut *self.lock());
        let deadline = self.config.stop_deadline;
        for (id, c) in channels {
            tracing::info!(target: LOG, "Stopping chain {id}");
            if let Some((stop, task)) = c.controller {
                let _ = stop.send(true);
                let abort = task.abort_handle();
                if tokio::time::timeout(deadline, task).await.is_err() {
                    tracing::warn!(target: LOG, "[{id}] the deliver client did not stop within {deadline:?}");
                    abort.abort();
                }
            }
            if let Some(election) = c.election {
                tracing::info!(target: LOG, "Stopping leader election for {id}");
                election.stop(deadline).await;
            }
            c.state.stop(deadline).await;
        }
    }
}

/// Starts the deliver client while this peer leads and stops it when it no longer does.
struct Controller {
    channel: String,
    leading: watch::Receiver<bool>,
    /// A static leader's own sender: it lives as long as the controller, so leadership
    /// lasts until stop (a dropped sender would read as leadership lost).
    _static_leader: Option<watch::Sender<bool>>,
    deliverer: Arc<dyn BlockDeliverer>,
    sink: Arc<GossipSink>,
    yielder: Option<YieldHandle>,
}

impl Controller {
    fn spawn(
        channel: &str,
        (leading, static_leader): (watch::Receiver<bool>, Option<watch::Sender<bool>>),
        deliverer: Arc<dyn BlockDeliverer>,
        sink: Arc<GossipSink>,
        yielder: Option<YieldHandle>,
    ) -> (watch::Sender<bool>, JoinHandle<()>) {
        let (stop, stopped) = watch::channel(false);
        let controller = Controller {
            channel: channel.to_string(),
            leading,
            _static_leader: static_leader,
            deliverer,
            sink,
            yielder,
        };
        (stop, tokio::spawn(controller.run(stopped)))
    }

    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let channel = self.channel.clone();
        loop {
            tokio::select! {
                r = self.leading.wait_for(|l| *l) => if r.is_err() { return },
                _ = stop.wait_for(|s| *s) => return,
            }
            tracing::info!(target: LOG, "Elected as a leader, starting delivery service for channel {channel}");
            let running = self.deliverer.start(self.sink.clone());
            let why = self.watch(running.as_ref(), &mut stop).await;
            running.stop().await;
            match why {
                Ended::Stop => return,
                Ended::Renounced => {
                    tracing::info!(target: LOG, "Renounced leadership, stopping delivery service for channel {channel}");
                }
                Ended::GaveUp => match &self.yielder {
                    Some(y) => {
                        tracing::warn!(target: LOG, "[{channel}] The deliver client gave up reaching the ordering service; yielding leadership");
                        y.yield_leadership();
                    }
                    None => {
                        tracing::error!(target: LOG, "[{channel}] The deliver client gave up reaching the ordering service; this static leader pulls no more blocks");
                        let _ = stop.wait_for(|s| *s).await;
                        return;
                    }
                },
            }
        }
    }

    /// Waits for stop, the end of leadership, or the client giving up.
    async fn watch(
        &mut self,
        running: &dyn RunningDeliver,
        stop: &mut watch::Receiver<bool>,
    ) -> Ended {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                r = self.leading.wait_for(|l| !*l) => {
                    return if r.is_err() { Ended::Stop } else { Ended::Renounced };
                }
                _ = stop.wait_for(|s| *s) => return Ended::Stop,
                _ = tick.tick() => {
                    if running.is_finished() {
                        return Ended::GaveUp;
                    }
                }
            }
        }
    }
}

enum Ended {
    Stop,
    Renounced,
    GaveUp,
}

/// The leader's deliver client's sink: each block goes into this peer's state provider and
/// is gossiped to the peers of the channel.
pub struct GossipSink {
    channel: String,
    adapter: Arc<dyn GossipServiceAdapter>,
    state: Arc<GossipStateProvider>,
}

/// The DataMessage a leader gossips for a block (Fabric's `createGossipMsg`).
pub fn data_message(channel: &str, payload: Payload) -> GossipMessage {
    GossipMessage {
        nonce: 0,
        channel: channel.as_bytes().to_vec(),
        tag: Tag::ChanAndOrg as i32,
        content: Some(Content::DataMsg(DataMessage {
            payload: Some(payload),
        })),
    }
}

impl GossipSink {
    /// Takes a block the deliver client verified: adds it to this peer's state provider
    /// (waiting while its buffer is full), then gossips it; the receipt resolves once it is
    /// committed here.
    pub async fn deliver_block(&self, block: Block) -> Result<CommitReceipt, CommitError> {
        let seq_num = block.header.as_ref().map_or(0, |h| h.number);
        let payload = Payload {
            seq_num,
            data: block.encode_to_vec(),
            private_data: Vec::new(),
        };
        tracing::debug!(target: LOG, "[{}] Adding payload to local buffer, blockNum = [{seq_num}]", self.channel);
        let receipt = self.state.add_block(block).await.map_err(|e| match e {
            StateError::Stopped(_) => CommitError::Stopped,
            e => CommitError::Rejected(Box::new(e)),
        })?;
        tracing::debug!(target: LOG, "[{}] Gossiping block [{seq_num}]", self.channel);
        self.adapter.gossip(data_message(&self.channel, payload));
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests;
