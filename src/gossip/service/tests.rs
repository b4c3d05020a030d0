//! The gossip service's leader modes over fakes (timeouts only bound "it happened").

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;

use super::*;
use crate::config::{ConfigSource, CoreConfig, Environment};
use crate::gossip::election::{ElectionMessage, MessageFactory};
use crate::gossip::state::testutil::*;

const BOUND: Duration = Duration::from_secs(20);

/// A single peer's election: no other peer unless a test adds one.
struct FakeElection {
    factory: MessageFactory,
    peers: Mutex<Vec<PkiId>>,
    inbox_tx: mpsc::Sender<ElectionMessage>,
    inbox: Mutex<Option<mpsc::Receiver<ElectionMessage>>>,
}

impl LeaderElectionAdapter for FakeElection {
    fn gossip(&self, _msg: ElectionMessage) {}
    fn accept(&self) -> mpsc::Receiver<ElectionMessage> {
        self.inbox.lock().unwrap().take().unwrap()
    }
    fn create_message(&self, is_declaration: bool) -> ElectionMessage {
        self.factory.create(is_declaration)
    }
    fn peers(&self) -> Vec<PkiId> {
        self.peers.lock().unwrap().clone()
    }
    fn report_metrics(&self, _is_leader: bool) {}
}

struct FakeAdapter {
    state: Arc<FakeGossip>,
    gossiped: Mutex<Vec<GossipMessage>>,
    election: Arc<FakeElection>,
    election_calls: AtomicUsize,
}

impl FakeAdapter {
    fn new(hub: &Arc<Hub>, id: u8) -> Arc<Self> {
        let (inbox_tx, inbox) = mpsc::channel(8);
        Arc::new(FakeAdapter {
            state: FakeGossip::join(hub, id),
            gossiped: Mutex::new(Vec::new()),
            election: Arc::new(FakeElection {
                factory: MessageFactory::new(PkiId(vec![id]), CHANNEL),
                peers: Mutex::new(Vec::new()),
                inbox_tx,
                inbox: Mutex::new(Some(inbox)),
            }),
            election_calls: AtomicUsize::new(0),
        })
    }

    fn gossiped_numbers(&self) -> Vec<u64> {
        self.gossiped
            .lock()
            .unwrap()
            .iter()
            .filter_map(|m| match &m.content {
                Some(Content::DataMsg(d)) => d.payload.as_ref().map(|p| p.seq_num),
                _ => None,
            })
            .collect()
    }
}

impl GossipServiceAdapter for FakeAdapter {
    fn gossip(&self, msg: GossipMessage) {
        self.gossiped.lock().unwrap().push(msg);
    }
    fn state_adapter(&self) -> Arc<dyn GossipAdapter> {
        self.state.clone()
    }
    fn election_adapter(&self, _channel: &str) -> Arc<dyn LeaderElectionAdapter> {
        self.election_calls.fetch_add(1, Ordering::SeqCst);
        self.election.clone()
    }
}

/// A deliver client that hands blocks `from..` (numbered on) to its sink while it runs.
struct FakeDeliverer {
    starts: AtomicUsize,
    stops: Arc<watch::Sender<usize>>,
    blocks: Vec<Block>,
}

impl FakeDeliverer {
    fn new(numbers: std::ops::RangeInclusive<u64>) -> Arc<Self> {
        Arc::new(FakeDeliverer {
            starts: AtomicUsize::new(0),
            stops: Arc::new(watch::channel(0).0),
            blocks: numbers.map(|n| block(n, false)).collect(),
        })
    }
}

struct FakeRunning {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    stops: Arc<watch::Sender<usize>>,
}

impl RunningDeliver for FakeRunning {
    fn is_finished(&self) -> bool {
        false
    }
    fn stop(self: Box<Self>) -> BoxFuture<()> {
        Box::pin(async move {
            let _ = self.stop.send(true);
            let _ = self.task.await;
            self.stops.send_modify(|n| *n += 1);
        })
    }
}

impl BlockDeliverer for FakeDeliverer {
    fn start(&self, sink: Arc<GossipSink>) -> Box<dyn RunningDeliver> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        let (stop, mut stopped) = watch::channel(false);
        let blocks = self.blocks.clone();
        let task = tokio::spawn(async move {
            let mut receipts: Vec<CommitReceipt> = Vec::new();
            for b in blocks {
                match sink.deliver_block(b).await {
                    Ok(r) => receipts.push(r),
                    Err(_) => return,
                }
            }
            for r in receipts {
                let _ = r.wait().await;
            }
            let _ = stopped.wait_for(|s| *s).await;
        });
        Box::new(FakeRunning {
            stop,
            task,
            stops: self.stops.clone(),
        })
    }
}

fn config(mode: LeaderMode) -> ServiceConfig {
    ServiceConfig {
        leader_mode: mode,
        election: ElectionConfig {
            startup_grace_period: Duration::from_millis(100),
            membership_sample_interval: Duration::from_millis(20),
            leader_alive_threshold: Duration::from_millis(400),
            leader_election_duration: Duration::from_millis(100),
        },
        state: Configuration {
            anti_entropy_interval: Duration::from_millis(50),
            response_timeout: Duration::from_millis(500),
            batch_size: 10,
            max_block_distance: 100,
            max_retries: 3,
            channel_buffer_size: 100,
            enable_state_transfer: true,
            metrics: None,
            verify_gossiped_blocks: true,
        },
        stop_deadline: Duration::from_secs(5),
    }
}

fn service(adapter: &Arc<FakeAdapter>, id: u8, mode: LeaderMode) -> GossipService {
    GossipService::new(
        config(mode),
        PkiId(vec![id]),
        Arc::new(FakeMcs),
        adapter.clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_leader_pulls_and_gossips_without_running_an_election() {
    let hub = Arc::new(Hub::default());
    let adapter = FakeAdapter::new(&hub, 1);
    let ledger = FakeLedger::with_height(1);
    let deliverer = FakeDeliverer::new(1..=3);
    let svc = service(&adapter, 1, LeaderMode::Static);
    svc.initialize_channel(CHANNEL, ledger.clone(), deliverer.clone())
        .unwrap();
    ledger.wait_for_height(4, BOUND).await;
    assert_eq!(adapter.gossiped_numbers(), vec![1, 2, 3]);
    assert_eq!(deliverer.starts.load(Ordering::SeqCst), 1);
    assert_eq!(adapter.election_calls.load(Ordering::SeqCst), 0);
    assert_eq!(svc.is_leader(CHANNEL), None);
    assert!(svc.pulls_from_orderer(CHANNEL));
    assert_eq!(
        *deliverer.stops.borrow(),
        0,
        "a static leader keeps its deliver client until the service stops"
    );
    svc.stop().await;
    assert_eq!(*deliverer.stops.borrow(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_mode_never_pulls_and_commits_what_gossip_brings() {
    let hub = Arc::new(Hub::default());
    let adapter = FakeAdapter::new(&hub, 2);
    let ledger = FakeLedger::with_height(1);
    let deliverer = FakeDeliverer::new(1..=3);
    let svc = service(&adapter, 2, LeaderMode::None);
    svc.initialize_channel(CHANNEL, ledger.clone(), deliverer.clone())
        .unwrap();
    assert!(!svc.pulls_from_orderer(CHANNEL));
    for n in 1..=2 {
        hub.gossip(
            1,
            &crate::gossip::state::testutil::data_message(&block(n, false)),
        );
    }
    ledger.wait_for_height(3, BOUND).await;
    assert_eq!(deliverer.starts.load(Ordering::SeqCst), 0);
    assert_eq!(adapter.election_calls.load(Ordering::SeqCst), 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_elected_leader_pulls_and_stops_pulling_when_it_steps_down() {
    let hub = Arc::new(Hub::default());
    let adapter = FakeAdapter::new(&hub, 5);
    let ledger = FakeLedger::with_height(1);
    let deliverer = FakeDeliverer::new(1..=2);
    let svc = service(&adapter, 5, LeaderMode::Election);
    svc.initialize_channel(CHANNEL, ledger.clone(), deliverer.clone())
        .unwrap();
    // Alone in its organization, the peer elects itself and starts pulling.
    ledger.wait_for_height(3, BOUND).await;
    assert_eq!(svc.is_leader(CHANNEL), Some(true));
    assert_eq!(adapter.gossiped_numbers(), vec![1, 2]);
    // A peer with a lower PKI-ID declares itself leader: this one steps down and stops.
    adapter.election.peers.lock().unwrap().push(PkiId(vec![1]));
    let lower = MessageFactory::new(PkiId(vec![1]), CHANNEL);
    adapter
        .election
        .inbox_tx
        .send(lower.create(true))
        .await
        .unwrap();
    let mut stops = deliverer.stops.subscribe();
    tokio::time::timeout(BOUND, stops.wait_for(|n| *n == 1))
        .await
        .expect("the deliver client is stopped")
        .unwrap();
    svc.stop().await;
}

#[test]
fn both_leader_modes_at_once_are_refused_and_the_defaults_elect() {
    let load = |yaml: &str| {
        let env = Environment::new(std::iter::empty::<(&str, &str)>(), "/work");
        let src = ConfigSource::from_yaml(yaml, Path::new("/etc/core.yaml"), "CORE", env).unwrap();
        CoreConfig::from_source(&src).unwrap()
    };
    let both = load("peer:\n  gossip:\n    useLeaderElection: true\n    orgLeader: true\n");
    assert!(matches!(
        ServiceConfig::from_config(&both.peer.gossip),
        Err(ServiceError::ConflictingLeaderModes)
    ));
    let defaults = ServiceConfig::from_config(&load("").peer.gossip).unwrap();
    assert_eq!(defaults.leader_mode, LeaderMode::Election);
    assert_eq!(defaults.state.batch_size, 10);
    assert_eq!(defaults.state.max_block_distance, 100);
    let fixed = load("peer:\n  gossip:\n    useLeaderElection: false\n    orgLeader: true\n");
    let fixed = ServiceConfig::from_config(&fixed.peer.gossip).unwrap();
    assert_eq!(fixed.leader_mode, LeaderMode::Static);
    let zero = load("peer:\n  gossip:\n    election:\n      leaderAliveThreshold: 0s\n");
    let zero = ServiceConfig::from_config(&zero.peer.gossip).unwrap();
    assert_eq!(
        zero.election.leader_alive_threshold,
        Duration::from_secs(10)
    );
}
