//! The per-channel work of a running peer: a deliver client pulling blocks from the
//! channel's orderers into a [`CommitterSink`], the queue of the channel's committer actor
//! ([`ChannelCommitter`]: validate on the peer's validation pool, commit to the ledger,
//! update metrics, on its own thread). Started for every channel found at start and for
//! every channel joined later (cscc's after-join hook); stopped together at shutdown.
//!
//! Once a [`GossipService`] is given ([`ChannelServices::enable_gossip`]), a channel's
//! blocks reach the committer through its gossip state provider instead ([`ChannelLedger`]),
//! and the deliver client ([`OrdererDeliverer`]) runs only while the gossip service says
//! this peer leads, handing blocks to gossip rather than to the committer. Without one, the
//! deliver client always runs and commits directly.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use prost::Message;

use crate::committer::actor::{ChannelCommitter, CommitObserver};
use crate::committer::{CommitterError, LedgerCommitter};
use crate::deliver::client::{
    BlockSink, Committed, DeliverClient, DeliverClientConfig, SinkError, SinkFuture,
};
use crate::gossip::comm::BoxFuture;
use crate::gossip::service::{BlockDeliverer, GossipService, GossipSink, RunningDeliver};
use crate::gossip::state::{CommitError, CommitReceipt, LedgerResources, StoreFuture};
use crate::ledger::{CommitResult, LedgerError};
use crate::msp::SigningIdentity;
use crate::operations::metrics::{Counter, Gauge, MetricOpts, Metrics};
use crate::peer::Channel;
use crate::protos::common::{Block, HeaderType};
use crate::protos::protos::ChaincodeHeaderExtension;
use crate::protoutil::{channel_header, envelope_from_block_data, payload};

/// `ledger_transaction_count` (Fabric's kvledger metric).
pub const TRANSACTION_COUNT: MetricOpts = MetricOpts {
    namespace: "ledger",
    subsystem: "",
    name: "transaction_count",
    help: "Number of transactions processed.",
    label_names: &[
        "channel",
        "transaction_type",
        "chaincode",
        "validation_code",
    ],
};

/// `ledger_blockchain_height{channel}` (Fabric's kvledger metric).
pub const BLOCKCHAIN_HEIGHT: MetricOpts = MetricOpts {
    namespace: "ledger",
    subsystem: "",
    name: "blockchain_height",
    help: "Height of the chain in blocks.",
    label_names: &["channel"],
};

/// Where a channel's verified blocks go: the queue of the channel's committer actor.
pub struct CommitterSink {
    committer: ChannelCommitter,
}

/// Updates the ledger metrics of each committed block (on the committer's thread).
struct LedgerMetrics {
    channel_id: String,
    height: Gauge,
    transactions: Counter,
    timings: super::metrics::LedgerTimingMetrics,
}

impl CommitObserver for LedgerMetrics {
    fn committing(&self, block: &Block) -> Box<dyn FnOnce(&CommitResult) + Send> {
        let number = block.header.as_ref().map_or(0, |h| h.number);
        let labels: Vec<(String, String)> = block
            .data
            .as_ref()
            .map(|d| d.data.iter().map(|tx| tx_labels(tx)).collect())
            .unwrap_or_default();
        let id = self.channel_id.clone();
        let height = self.height.clone();
        let transactions = self.transactions.clone();
        let timings = self.timings.clone();
        Box::new(move |result: &CommitResult| {
            height.set(&[&id], (number + 1) as f64);
            timings.observe(&id, &result.timings);
            for ((kind, chaincode), code) in labels.iter().zip(&result.tx_validation_codes) {
                transactions.add(&[&id, kind, chaincode, code.as_str_name()], 1.0);
            }
        })
    }
}

impl CommitterSink {
    /// Starts the channel's committer actor.
    pub fn new(
        channel: Arc<Channel>,
        committer: &LedgerCommitter,
        metrics: &Metrics,
    ) -> Result<Self, CommitterError> {
        let observer = LedgerMetrics {
            channel_id: channel.id().to_string(),
            height: metrics.gauge(BLOCKCHAIN_HEIGHT),
            transactions: metrics.counter(TRANSACTION_COUNT),
            timings: super::metrics::LedgerTimingMetrics::new(metrics),
        };
        let committer = ChannelCommitter::start(
            channel,
            committer.validator().clone(),
            Some(Arc::new(observer)),
        )?;
        Ok(CommitterSink { committer })
    }

    /// Lets the actor commit what is queued and waits for it.
    pub async fn stop(self) {
        self.committer.stop().await;
    }
}

/// (transaction type, chaincode) of one transaction in a block, for the metric labels.
fn tx_labels(data: &[u8]) -> (String, String) {
    let Ok(chdr) = envelope_from_block_data(data)
        .and_then(|e| payload(&e))
        .and_then(|p| channel_header(&p))
    else {
        return ("UNKNOWN".into(), String::new());
    };
    let kind = HeaderType::try_from(chdr.r#type)
        .map(|t| t.as_str_name().to_string())
        .unwrap_or_else(|_| chdr.r#type.to_string());
    let chaincode = if chdr.r#type == HeaderType::EndorserTransaction as i32 {
        ChaincodeHeaderExtension::decode(chdr.extension.as_slice())
            .ok()
            .and_then(|x| x.chaincode_id)
            .map(|id| id.name)
            .unwrap_or_default()
    } else {
        String::new()
    };
    (kind, chaincode)
}

impl BlockSink for CommitterSink {
    fn deliver_block(&self, block: Block) -> SinkFuture<'_> {
        Box::pin(async move {
            let reply = self
                .committer
                .submit(block)
                .await
                .map_err(|_| SinkError::Stopped)?;
            Ok(Committed::new(async move {
                match reply.await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(SinkError::Rejected(Box::new(e))),
                    Err(_) => Err(SinkError::Stopped),
                }
            }))
        })
    }
}

/// Joins a channel to gossip when the channel starts (the node's binding of gossip's
/// facade, see `node::gossip_adapters`).
pub trait ChannelJoiner: Send + Sync {
    fn join(self: Arc<Self>, channel: &Arc<Channel>);
}

/// A channel's ledger as its gossip state provider sees it: blocks go to the committer
/// actor's queue, reads go to the ledger.
pub struct ChannelLedger {
    channel: Arc<Channel>,
    sink: Arc<CommitterSink>,
}

impl ChannelLedger {
    pub fn new(channel: Arc<Channel>, sink: Arc<CommitterSink>) -> Self {
        ChannelLedger { channel, sink }
    }
}

/// A deliver client's sink error as gossip's.
fn commit_error(e: SinkError) -> CommitError {
    match e {
        SinkError::Stopped => CommitError::Stopped,
        SinkError::Rejected(e) => CommitError::Rejected(e),
    }
}

impl LedgerResources for ChannelLedger {
    fn store_block(&self, block: Block) -> StoreFuture<'_> {
        Box::pin(async move {
            let committed = self.sink.deliver_block(block).await.map_err(commit_error)?;
            Ok(CommitReceipt::new(async move {
                committed.wait().await.map_err(commit_error)
            }))
        })
    }
    fn ledger_height(&self) -> Result<u64, LedgerError> {
        Ok(*self.channel.ledger().height_watch().borrow())
    }
    fn block_by_number(&self, number: u64) -> Result<Block, LedgerError> {
        self.channel.ledger().get_block_by_number(number)
    }
}

/// Starts a channel's orderer deliver client into the sink gossip gives (the leader's).
pub struct OrdererDeliverer {
    channel: Arc<Channel>,
    signer: Arc<dyn SigningIdentity>,
    config: DeliverClientConfig,
    runtime: tokio::runtime::Handle,
}

/// The leader's deliver client's sink: gossip's (this peer's state provider + gossip).
struct LeaderSink(Arc<GossipSink>);

impl BlockSink for LeaderSink {
    fn deliver_block(&self, block: Block) -> SinkFuture<'_> {
        Box::pin(async move {
            let receipt = self.0.deliver_block(block).await.map_err(sink_error)?;
            Ok(Committed::new(async move {
                receipt.wait().await.map_err(sink_error)
            }))
        })
    }
}

/// Gossip's commit error as the deliver client's.
fn sink_error(e: CommitError) -> SinkError {
    match e {
        CommitError::Stopped => SinkError::Stopped,
        CommitError::Rejected(e) => SinkError::Rejected(e),
    }
}

impl BlockDeliverer for OrdererDeliverer {
    fn start(&self, sink: Arc<GossipSink>) -> Box<dyn RunningDeliver> {
        let _guard = self.runtime.enter();
        let client = DeliverClient::start(
            self.channel.id(),
            self.channel.clone(),
            Arc::new(LeaderSink(sink)),
            self.signer.clone(),
            self.config.clone(),
        );
        Box::new(client)
    }
}

impl RunningDeliver for DeliverClient {
    fn is_finished(&self) -> bool {
        DeliverClient::is_finished(self)
    }
    fn stop(self: Box<Self>) -> BoxFuture<()> {
        Box::pin(async move { DeliverClient::stop(*self).await })
    }
}

/// How a channel's blocks arrive.
enum Feed {
    /// Its own deliver client commits directly.
    Direct(DeliverClient),
    /// Gossip's state provider commits (the deliver client runs while this peer leads).
    Gossip,
}

/// The deliver clients of all channels.
pub struct ChannelServices {
    committer: LedgerCommitter,
    signer: Arc<dyn SigningIdentity>,
    deliver_config: DeliverClientConfig,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
    gossip: OnceLock<(Arc<GossipService>, Arc<dyn ChannelJoiner>)>,
    clients: Mutex<BTreeMap<String, (Feed, Arc<CommitterSink>)>>,
}

impl ChannelServices {
    /// Must be created inside the tokio runtime the deliver clients will run on.
    pub fn new(
        committer: LedgerCommitter,
        signer: Arc<dyn SigningIdentity>,
        deliver_config: DeliverClientConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        ChannelServices {
            committer,
            signer,
            deliver_config,
            metrics,
            runtime: tokio::runtime::Handle::current(),
            gossip: OnceLock::new(),
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    /// Channels started from now on take their blocks through `gossip` (once; a second
    /// call is refused and returns `false`).
    /// `joiner` joins each channel's gossip (its orgs and anchor peers) before the
    /// channel's state provider and election start.
    pub fn enable_gossip(
        &self,
        gossip: Arc<GossipService>,
        joiner: Arc<dyn ChannelJoiner>,
    ) -> bool {
        self.gossip.set((gossip, joiner)).is_ok()
    }

    /// The committer every channel's actor validates with.
    pub fn committer(&self) -> &LedgerCommitter {
        &self.committer
    }

    /// Starts pulling blocks for `channel` (once; a second call for it does nothing).
    pub fn start_channel(&self, channel: &Arc<Channel>) {
        let id = channel.id().to_string();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.contains_key(&id) {
            return;
        }
        let height = *channel.ledger().height_watch().borrow();
        self.metrics
            .gauge(BLOCKCHAIN_HEIGHT)
            .set(&[&id], height as f64);
        let sink = match CommitterSink::new(channel.clone(), &self.committer, &self.metrics) {
            Ok(sink) => Arc::new(sink),
            Err(e) => {
                tracing::error!(target: "peer", "Cannot start the committer of channel [{id}]: {e}");
                return;
            }
        };
        let _guard = self.runtime.enter();
        let feed = match self.gossip.get() {
            Some((gossip, joiner)) => {
                joiner.clone().join(channel);
                let ledger = Arc::new(ChannelLedger::new(channel.clone(), sink.clone()));
                let deliverer = Arc::new(OrdererDeliverer {
                    channel: channel.clone(),
                    signer: self.signer.clone(),
                    config: self.deliver_config.clone(),
                    runtime: self.runtime.clone(),
                });
                if let Err(e) = gossip.initialize_channel(&id, ledger, deliverer) {
                    tracing::error!(target: "peer", "Cannot start gossip for channel [{id}]: {e}");
                    return;
                }
                tracing::info!(target: "peer", "Gossip started for channel [{id}] at height {height}");
                Feed::Gossip
            }
            None => {
                let client = DeliverClient::start(
                    &id,
                    channel.clone(),
                    sink.clone(),
                    self.signer.clone(),
                    self.deliver_config.clone(),
                );
                tracing::info!(target: "peer", "Deliver client started for channel [{id}] at height {height}");
                Feed::Direct(client)
            }
        };
        clients.insert(id, (feed, sink));
    }

    /// Stops every deliver client (and gossip's channels), then lets each committer
    /// finish the blocks it holds.
    pub async fn stop_all(&self) {
        let clients = std::mem::take(&mut *self.clients.lock().unwrap_or_else(|e| e.into_inner()));
        if let Some((gossip, _)) = self.gossip.get() {
            gossip.stop().await;
        }
        for (id, (feed, sink)) in clients {
            if let Feed::Direct(client) = feed {
                client.stop().await;
                tracing::debug!(target: "peer", "Deliver client for channel [{id}] stopped");
            }
            // The deliver client's task (or gossip's state provider) held the only other
            // reference; otherwise the actor ends when that one goes.
            if let Ok(sink) = Arc::try_unwrap(sink) {
                sink.stop().await;
                tracing::debug!(target: "peer", "Committer for channel [{id}] stopped");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::committer::testutil::{endorser_tx, rwset, Network};
    use crate::committer::TxValidator;
    use crate::gossip::common::PkiId;
    use crate::gossip::election::LeaderElectionAdapter;
    use crate::gossip::service::{GossipServiceAdapter, LeaderMode, ServiceConfig};
    use crate::gossip::state::testutil::{data_message, FakeGossip, FakeMcs, Hub};
    use crate::gossip::state::{Configuration, GossipAdapter};
    use crate::ledger::kvledger::KvLedgerProvider;
    use crate::ledger::LedgerProvider;
    use crate::protos::gossip::GossipMessage;
    use crate::protoutil::{block_header_hash, new_block};

    /// Gossip for a peer that never leads: blocks come from the hub.
    struct Adapter(Arc<FakeGossip>);

    impl GossipServiceAdapter for Adapter {
        fn gossip(&self, _msg: GossipMessage) {}
        fn state_adapter(&self) -> Arc<dyn GossipAdapter> {
            self.0.clone()
        }
        fn election_adapter(&self, _channel: &str) -> Arc<dyn LeaderElectionAdapter> {
            unreachable!("no election without useLeaderElection")
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_gossip_a_gossiped_block_is_validated_and_committed_to_the_ledger() {
        let net = Network::new("V1_4_2");
        let dir = tempfile::tempdir().unwrap();
        let provider = KvLedgerProvider::open_default(dir.path()).unwrap();
        let ledger = provider.create(&net.genesis).unwrap();
        let channel = Arc::new(Channel::new(
            "mychannel".into(),
            ledger.clone(),
            net.bundle(),
        ));
        let metrics = Metrics::new();
        let services = ChannelServices::new(
            LedgerCommitter::new(TxValidator::new(1)),
            net.peer(1),
            DeliverClientConfig::default(),
            metrics,
        );
        let hub = Arc::new(Hub::default());
        let config = ServiceConfig {
            leader_mode: LeaderMode::None,
            election: crate::config::ElectionConfig {
                startup_grace_period: Duration::from_secs(1),
                membership_sample_interval: Duration::from_secs(1),
                leader_alive_threshold: Duration::from_secs(1),
                leader_election_duration: Duration::from_secs(1),
            },
            state: Configuration {
                anti_entropy_interval: Duration::from_secs(3600),
                response_timeout: Duration::from_secs(1),
                batch_size: 10,
                max_block_distance: 100,
                max_retries: 1,
                channel_buffer_size: 10,
                enable_state_transfer: false,
                metrics: None,
                verify_gossiped_blocks: true,
            },
            stop_deadline: Duration::from_secs(10),
        };
        let gossip = Arc::new(GossipService::new(
            config,
            PkiId(vec![2]),
            Arc::new(FakeMcs),
            Arc::new(Adapter(FakeGossip::join(&hub, 2))),
        ));
        struct NoJoin;
        impl ChannelJoiner for NoJoin {
            fn join(self: Arc<Self>, _: &Arc<Channel>) {}
        }
        assert!(services.enable_gossip(gossip.clone(), Arc::new(NoJoin)));
        services.start_channel(&channel);
        assert!(!gossip.pulls_from_orderer("mychannel"));
        assert_eq!(hub.published_height(2), Some(1));

        let tx = endorser_tx(
            net.user(1).as_ref(),
            &[net.peer(1).as_ref()],
            "mycc",
            "1.0",
            &[b"put"],
            rwset("mycc", &[("k", b"v")]),
        );
        let mut block = new_block(1, block_header_hash(net.genesis.header.as_ref().unwrap()));
        block.data.as_mut().unwrap().data = vec![tx.encode_to_vec()];
        let mut msg = data_message(&block);
        msg.channel = b"mychannel".to_vec();
        hub.gossip(1, &msg);

        let mut height = ledger.height_watch();
        tokio::time::timeout(Duration::from_secs(30), height.wait_for(|h| *h >= 2))
            .await
            .expect("block 1 is committed")
            .unwrap();
        let committed = ledger.get_block_by_number(1).unwrap();
        assert_eq!(committed.data, block.data);
        // The published height follows the commit.
        tokio::time::timeout(Duration::from_secs(30), async {
            while hub.published_height(2) != Some(2) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("height 2 published");
        services.stop_all().await;
    }
}
