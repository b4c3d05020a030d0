//! A channel's gossip state provider (Fabric's `gossip/state`): blocks reach the channel's
//! committer through it, in order, whichever way they came: from this peer's own deliver
//! client (the leader's, [`GossipStateProvider::add_block`]), from gossip (DataMessages,
//! verified here with [`MessageCryptoService::verify_block`]) or by state transfer
//! (anti-entropy: every `state.checkInterval`, when a peer of the channel publishes a higher
//! ledger height, blocks are asked for in ranges of `state.batchSize` with
//! RemoteStateRequest, and other peers' requests are answered from the ledger).
//!
//! Every queue is bounded: blocks from gossip are dropped when they are
//! `state.blockBufferSize` or more ahead of the ledger; blocks from the deliver client and
//! from state transfer wait while the buffer holds more than twice that. Verification,
//! block encoding and ledger reads run on blocking threads.

mod metrics;
mod payloads_buffer;
mod transfer;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prost::Message;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use metrics::{
    StateMetrics, COMMIT_DURATION, HEIGHT, LEADER_ELECTION_LEADER, PAYLOAD_BUFFER_SIZE,
};
pub use payloads_buffer::PayloadsBuffer;

use crate::config::StateConfig;
use crate::gossip::api::{CryptoError, MessageCryptoService};
use crate::gossip::comm::{ReceivedMessage, RemotePeer};
use crate::gossip::common::NetworkMember;
use crate::ledger::LedgerError;
use crate::protos::common::Block;
use crate::protos::gossip::gossip_message::Content;
use crate::protos::gossip::{GossipMessage, Payload};

const LOG: &str = "gossip.state";

/// What the state provider needs of gossip (Fabric's `state.GossipAdapter`); the peer
/// implements it over the gossip facade.
pub trait GossipAdapter: Send + Sync {
    /// Sends `msg` to `peers` directly (Fabric's `Send`: not signed on its own, the
    /// connection is authenticated).
    fn send(&self, msg: GossipMessage, peers: &[RemotePeer]);
    /// The DataMessages of `channel` gossiped to us (bounded; called once per channel).
    fn accept_data(&self, channel: &str) -> mpsc::Receiver<GossipMessage>;
    /// RemoteStateRequest and RemoteStateResponse messages of `channel` sent to us directly,
    /// from peers whose connection authenticates as a member of the channel (Fabric's
    /// `VerifyByChannel` over the handshake's signature). Bounded; called once per channel.
    fn accept_state(&self, channel: &str) -> mpsc::Receiver<Arc<dyn ReceivedMessage>>;
    /// Publishes our ledger height of `channel` in our state info.
    fn update_ledger_height(&self, channel: &str, height: u64);
    /// The alive peers of `channel`, with their published properties (ledger height).
    fn peers_of_channel(&self, channel: &str) -> Vec<NetworkMember>;
}

/// Why a block handed to the committer was not committed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("the committer has stopped")]
    Stopped,
    #[error("{0}")]
    Rejected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The receipt of a block handed to the committer: resolves once it is committed (or
/// refused).
pub struct CommitReceipt(Pin<Box<dyn Future<Output = Result<(), CommitError>> + Send + Sync>>);

impl CommitReceipt {
    pub fn new(
        done: impl Future<Output = Result<(), CommitError>> + Send + Sync + 'static,
    ) -> Self {
        CommitReceipt(Box::pin(done))
    }

    /// A receipt whose outcome is known now.
    pub fn ready(result: Result<(), CommitError>) -> Self {
        CommitReceipt::new(std::future::ready(result))
    }

    pub async fn wait(self) -> Result<(), CommitError> {
        self.0.await
    }
}

/// What [`LedgerResources::store_block`] returns: waits for room, then gives the receipt.
pub type StoreFuture<'a> =
    Pin<Box<dyn Future<Output = Result<CommitReceipt, CommitError>> + Send + 'a>>;

/// The channel's ledger as the state provider uses it (Fabric's `ledgerResources`): commit a
/// block, the current height, read a block.
pub trait LedgerResources: Send + Sync {
    /// Queues a verified block for validation and commit, waiting for room; the receipt
    /// resolves once it is committed (or refused).
    fn store_block(&self, block: Block) -> StoreFuture<'_>;
    /// The height of the committed chain.
    fn ledger_height(&self) -> Result<u64, LedgerError>;
    /// A committed block (called on a blocking thread).
    fn block_by_number(&self, number: u64) -> Result<Block, LedgerError>;
}

/// Why a block was not taken or the provider could not start.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the ledger height of channel {channel}: {source}")]
    Height {
        channel: String,
        #[source]
        source: LedgerError,
    },
    #[error("the ledger of channel {0} is empty; it should hold at least its genesis block")]
    EmptyLedger(String),
    #[error("ledger height is at {height}, cannot enqueue block with sequence of {seq_num}")]
    TooFarAhead { height: u64, seq_num: u64 },
    #[error("block [{seq_num}] does not verify: {source}")]
    Verify {
        seq_num: u64,
        #[source]
        source: CryptoError,
    },
    #[error("payload [{seq_num}] is not a block: {reason}")]
    Malformed { seq_num: u64, reason: String },
    #[error("the state provider of channel {0} has stopped")]
    Stopped(String),
}

/// `peer.gossip.state.*` as the provider uses it (Fabric's `state.Configuration`).
#[derive(Debug, Clone)]
pub struct Configuration {
    pub anti_entropy_interval: Duration,
    pub response_timeout: Duration,
    /// The most blocks one state request may ask for beyond its first.
    pub batch_size: u64,
    /// How far ahead of the ledger a gossiped block may be (`blockBufferSize`).
    pub max_block_distance: u64,
    pub max_retries: u32,
    /// State requests and responses queued at most (Fabric's `channelSize`, 100).
    pub channel_buffer_size: usize,
    /// Anti-entropy on (`state.enabled`).
    pub enable_state_transfer: bool,
    /// Where the height, commit durations and buffer size are reported (`None`: nowhere).
    pub metrics: Option<StateMetrics>,
    /// Checks gossiped blocks with [`MessageCryptoService::verify_block`] (`false` only when
    /// the gossip layer already verified every DataMessage it hands over, as Fabric's
    /// channel layer does).
    pub verify_gossiped_blocks: bool,
}

impl Configuration {
    /// Reads `peer.gossip.state` (non-positive numbers take Fabric's defaults).
    pub fn from_config(c: &StateConfig) -> Self {
        let positive = |v: i64, default: u64| if v > 0 { v as u64 } else { default };
        let nonzero = |d: Duration, default: u64| {
            if d.is_zero() {
                Duration::from_secs(default)
            } else {
                d
            }
        };
        Configuration {
            anti_entropy_interval: nonzero(c.check_interval, 10),
            response_timeout: nonzero(c.response_timeout, 3),
            batch_size: positive(c.batch_size, 10),
            max_block_distance: positive(c.block_buffer_size, 100),
            max_retries: positive(c.max_retries, 3).min(u32::MAX as u64) as u32,
            channel_buffer_size: 100,
            enable_state_transfer: c.enabled,
            metrics: None,
            verify_gossiped_blocks: true,
        }
    }
}

/// How far commits have got: the committed height, and how many commits failed so far
/// (a failure resets the buffer to the ledger height).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Progress {
    height: u64,
    failures: u64,
}

/// What the provider's tasks share.
struct Shared {
    channel: String,
    adapter: Arc<dyn GossipAdapter>,
    mcs: Arc<dyn MessageCryptoService>,
    ledger: Arc<dyn LedgerResources>,
    config: Configuration,
    payloads: PayloadsBuffer,
    progress: watch::Sender<Progress>,
    /// A state transfer waits for responses (others are dropped).
    transfer_active: AtomicBool,
    /// Becomes `true` when the provider stops.
    stopped: watch::Receiver<bool>,
}

/// A running state provider of one channel (Fabric's `GossipStateProvider`).
pub struct GossipStateProvider {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl GossipStateProvider {
    /// Starts the provider of `channel` (inside tokio): publishes the ledger height and
    /// starts taking blocks.
    pub fn start(
        channel: &str,
        adapter: Arc<dyn GossipAdapter>,
        mcs: Arc<dyn MessageCryptoService>,
        ledger: Arc<dyn LedgerResources>,
        config: Configuration,
    ) -> Result<Self, StateError> {
        let height = ledger
            .ledger_height()
            .map_err(|source| StateError::Height {
                channel: channel.to_string(),
                source,
            })?;
        if height == 0 {
            return Err(StateError::EmptyLedger(channel.to_string()));
        }
        tracing::info!(target: LOG, "Updating metadata information for channel {channel}, current ledger sequence is at = {}, next expected block is = {height}", height - 1);
        adapter.update_ledger_height(channel, height);
        let data = adapter.accept_data(channel);
        let state = adapter.accept_state(channel);
        let (requests_tx, requests) = mpsc::channel(config.channel_buffer_size);
        let (responses_tx, responses) = mpsc::channel(config.channel_buffer_size);
        let (receipts_tx, receipts) = mpsc::channel(config.channel_buffer_size);
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared {
            channel: channel.to_string(),
            adapter,
            mcs,
            ledger,
            payloads: match &config.metrics {
                Some(m) => {
                    PayloadsBuffer::new(height).with_gauge(m.payload_buffer_size.clone(), channel)
                }
                None => PayloadsBuffer::new(height),
            },
            progress: watch::channel(Progress {
                height,
                failures: 0,
            })
            .0,
            transfer_active: AtomicBool::new(false),
            stopped: stopped.clone(),
            config,
        });
        let s = &shared;
        let mut tasks = vec![
            tokio::spawn(s.clone().listen_data(data, stopped.clone())),
            tokio::spawn(
                s.clone()
                    .dispatch(state, requests_tx, responses_tx, stopped.clone()),
            ),
            tokio::spawn(s.clone().process_state_requests(requests, stopped.clone())),
            tokio::spawn(s.clone().deliver_payloads(receipts_tx, stopped.clone())),
            tokio::spawn(s.clone().follow_receipts(receipts)),
        ];
        if s.config.enable_state_transfer {
            tasks.push(tokio::spawn(s.clone().anti_entropy(responses, stopped)));
        }
        Ok(GossipStateProvider {
            shared,
            stop,
            tasks: std::sync::Mutex::new(tasks),
        })
    }

    /// The channel this provider serves.
    pub fn channel(&self) -> &str {
        &self.shared.channel
    }

    /// Adds a block this peer already verified (its deliver client's, Fabric's
    /// `AddPayload` in blocking mode): waits while the buffer is full; the receipt resolves
    /// once the block is committed.
    pub async fn add_block(&self, block: Block) -> Result<CommitReceipt, StateError> {
        let seq_num = block.header.as_ref().map_or(0, |h| h.number);
        let failures = self.shared.progress.borrow().failures;
        self.shared.add(seq_num, block, true).await?;
        let mut progress = self.shared.progress.subscribe();
        let mut stop = self.shared.stopped.clone();
        Ok(CommitReceipt::new(async move {
            let reached = tokio::select! {
                r = progress.wait_for(|p| p.height > seq_num || p.failures > failures) => {
                    r.map(|p| p.height > seq_num)
                }
                _ = stopped(&mut stop) => return Err(CommitError::Stopped),
            };
            match reached {
                Ok(true) => Ok(()),
                Ok(false) => Err(CommitError::Rejected(
                    format!("block [{seq_num}] or one before it was not committed").into(),
                )),
                Err(_) => Err(CommitError::Stopped),
            }
        }))
    }

    /// Adds a payload this peer trusts (Fabric's `AddPayload`): decoded, not verified.
    pub async fn add_payload(&self, payload: Payload) -> Result<(), StateError> {
        let seq_num = payload.seq_num;
        let block = decode_block(&payload)?;
        self.shared.add(seq_num, block, true).await
    }

    /// The committed height as this provider last saw it.
    pub fn height(&self) -> u64 {
        self.shared.progress.borrow().height
    }

    /// Stops taking blocks; waits at most `deadline` for the tasks (blocks already queued
    /// to the committer are its business). Blocks added later are never committed.
    pub async fn stop(&self, deadline: Duration) {
        let _ = self.stop.send(true);
        let channel = self.shared.channel.clone();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(deadline, task).await.is_err() {
                tracing::warn!(target: LOG, "[{channel}] the state provider did not stop within {deadline:?}; aborting it");
                abort.abort();
            }
        }
    }
}

/// Whether a gossiped message is one [`GossipAdapter::accept_data`] hands over for
/// `channel` (Fabric's acceptor: a DataMsg of the channel).
pub fn is_data_message_for(channel: &str, msg: &GossipMessage) -> bool {
    matches!(msg.content, Some(Content::DataMsg(_))) && msg.channel == channel.as_bytes()
}

/// Whether a received message is one [`GossipAdapter::accept_state`] hands over for
/// `channel` (a RemoteStateRequest or RemoteStateResponse of the channel; the adapter also
/// checks the sender is a member of the channel).
pub fn is_remote_state_message_for(channel: &str, msg: &GossipMessage) -> bool {
    matches!(
        msg.content,
        Some(Content::StateRequest(_)) | Some(Content::StateResponse(_))
    ) && msg.channel == channel.as_bytes()
}

/// The block a payload carries, with a header and data (Fabric drops others).
fn decode_block(payload: &Payload) -> Result<Block, StateError> {
    let seq_num = payload.seq_num;
    let block = Block::decode(payload.data.as_slice()).map_err(|e| StateError::Malformed {
        seq_num,
        reason: e.to_string(),
    })?;
    match &block.header {
        None => Err(StateError::Malformed {
            seq_num,
            reason: "no header".into(),
        }),
        Some(_) if block.data.is_none() => Err(StateError::Malformed {
            seq_num,
            reason: "no data".into(),
        }),
        Some(h) if h.number != seq_num => Err(StateError::Malformed {
            seq_num,
            reason: format!("the block is numbered {}", h.number),
        }),
        Some(_) => Ok(block),
    }
}

/// Resolves once stop was asked for.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl Shared {
    fn ledger_height(&self) -> Result<u64, StateError> {
        self.ledger
            .ledger_height()
            .map_err(|source| StateError::Height {
                channel: self.channel.clone(),
                source,
            })
    }

    /// Fabric's `addPayload`: non-blocking (gossip) refuses blocks too far ahead of the
    /// ledger; blocking (deliver client, state transfer) waits for room.
    async fn add(&self, seq_num: u64, block: Block, blocking: bool) -> Result<(), StateError> {
        let height = self.ledger_height()?;
        let distance = self.config.max_block_distance;
        if !blocking && seq_num >= height && seq_num - height >= distance {
            return Err(StateError::TooFarAhead { height, seq_num });
        }
        let stop = || StateError::Stopped(self.channel.clone());
        if *self.stopped.borrow() {
            return Err(stop());
        }
        if blocking {
            let max = usize::try_from(distance.saturating_mul(2)).unwrap_or(usize::MAX);
            let mut stopping = self.stopped.clone();
            tokio::select! {
                _ = self.payloads.wait_for_room(max) => {}
                _ = stopped(&mut stopping) => return Err(stop()),
            }
        }
        tracing::debug!(target: LOG, "[{}] Adding payload to local buffer, blockNum = [{seq_num}]", self.channel);
        self.payloads.push(seq_num, block);
        Ok(())
    }

    /// Verifies payloads (on a blocking thread) and decodes their blocks.
    async fn verify(&self, payloads: Vec<Payload>) -> Vec<(u64, Result<Block, StateError>)> {
        let mcs = self.mcs.clone();
        let channel = self.channel.clone();
        let numbers: Vec<u64> = payloads.iter().map(|p| p.seq_num).collect();
        let verified = tokio::task::spawn_blocking(move || {
            payloads
                .into_iter()
                .map(|p| {
                    let checked = mcs
                        .verify_block(&channel, p.seq_num, &p.data)
                        .map_err(|source| StateError::Verify {
                            seq_num: p.seq_num,
                            source,
                        })
                        .and_then(|()| decode_block(&p));
                    (p.seq_num, checked)
                })
                .collect()
        })
        .await;
        verified.unwrap_or_else(|e| {
            let stopped = || StateError::Stopped(format!("{} (verification: {e})", self.channel));
            numbers.into_iter().map(|n| (n, Err(stopped()))).collect()
        })
    }

    /// Takes gossiped DataMessages: those the buffer can use are verified and added.
    async fn listen_data(
        self: Arc<Self>,
        mut data: mpsc::Receiver<GossipMessage>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            let msg = tokio::select! {
                m = data.recv() => m,
                _ = stopped(&mut stop) => return,
            };
            let Some(msg) = msg else {
                stopped(&mut stop).await;
                return;
            };
            if msg.channel != self.channel.as_bytes() {
                tracing::warn!(target: LOG, "Received enqueue for channel {} while expecting channel {}, ignoring enqueue", String::from_utf8_lossy(&msg.channel), self.channel);
                continue;
            }
            let Some(Content::DataMsg(data_msg)) = msg.content else {
                tracing::debug!(target: LOG, "Gossip message received is not of data message type, usually this should not happen.");
                continue;
            };
            let Some(payload) = data_msg.payload else {
                tracing::warn!(target: LOG, "[{}] Received a data message without payload", self.channel);
                continue;
            };
            self.take_gossiped(payload).await;
        }
    }

    async fn take_gossiped(&self, payload: Payload) {
        let seq_num = payload.seq_num;
        // Spare the signature check for a block already taken or out of reach.
        let height = self.ledger_height().unwrap_or(0);
        if seq_num < self.payloads.next()
            || (seq_num >= height && seq_num - height >= self.config.max_block_distance)
        {
            tracing::debug!(target: LOG, "[{}] Block [{seq_num}] received from gossip is already processed or too far ahead (height {height}); dropped", self.channel);
            return;
        }
        let checked = if self.config.verify_gossiped_blocks {
            self.verify(vec![payload]).await
        } else {
            vec![(seq_num, decode_block(&payload))]
        };
        for (n, checked) in checked {
            let added = match checked {
                Ok(block) => self.add(n, block, false).await,
                Err(e) => Err(e),
            };
            if let Err(e) = added {
                tracing::warn!(target: LOG, "[{}] Block [{n}] received from gossip wasn't added to payload buffer: {e}", self.channel);
            }
        }
    }

    /// Hands buffered blocks to the committer in order.
    async fn deliver_payloads(
        self: Arc<Self>,
        receipts: mpsc::Sender<(u64, Instant, CommitReceipt)>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = self.payloads.ready() => {}
                _ = stopped(&mut stop) => return,
            }
            while let Some(block) = self.payloads.pop() {
                let number = block.header.as_ref().map_or(0, |h| h.number);
                let txs = block.data.as_ref().map_or(0, |d| d.data.len());
                tracing::debug!(target: LOG, "[{}] Transferring block [{number}] with {txs} transaction(s) to the ledger", self.channel);
                let submitted = Instant::now();
                let stored = tokio::select! {
                    s = self.ledger.store_block(block) => s,
                    _ = stopped(&mut stop) => return,
                };
                match stored {
                    Ok(receipt) => {
                        if receipts.send((number, submitted, receipt)).await.is_err() {
                            return;
                        }
                    }
                    Err(CommitError::Stopped) => {
                        tracing::warn!(target: LOG, "[{}] The committer has stopped; block [{number}] is not committed", self.channel);
                        return;
                    }
                    Err(e) => self.commit_failed(number, &e),
                }
            }
        }
    }

    /// Waits for each commit in turn and publishes the new height.
    async fn follow_receipts(
        self: Arc<Self>,
        mut receipts: mpsc::Receiver<(u64, Instant, CommitReceipt)>,
    ) {
        while let Some((number, submitted, receipt)) = receipts.recv().await {
            match receipt.wait().await {
                Ok(()) => {
                    let height = number + 1;
                    if let Some(m) = &self.config.metrics {
                        let labels = [self.channel.as_str()];
                        m.commit_duration
                            .observe_duration(&labels, submitted.elapsed());
                        m.height.set(&labels, height as f64);
                    }
                    self.progress
                        .send_modify(|p| p.height = p.height.max(height));
                    self.adapter.update_ledger_height(&self.channel, height);
                    tracing::debug!(target: LOG, "[{}] Committed block [{number}]", self.channel);
                }
                Err(e) => self.commit_failed(number, &e),
            }
        }
    }

    /// A block was refused: start again from the ledger height (the blocks from there on
    /// come again by gossip or state transfer).
    fn commit_failed(&self, number: u64, e: &CommitError) {
        let height = self.ledger_height().unwrap_or(number);
        tracing::error!(target: LOG, "[{}] Cannot commit block [{number}]: {e}; taking blocks again from [{height}]", self.channel);
        self.payloads.reset(height);
        self.progress.send_modify(|p| p.failures += 1);
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;
