//! The election among in-memory peers. The lowest PKI-ID wins when every candidate hears
//! the others' proposals within its election window, as in Fabric. Followers run their
//! elections up to one alive threshold apart (each restarts its follower sleep on its own
//! clock), so the window here is twice the threshold: a candidate that starts first still
//! hears a lower one that starts a threshold later, with a threshold to spare for a loaded
//! machine. The tests wait for the outcome they expect rather than take the first leader
//! they see (a peer may lead for a moment before it hears a lower one); timeouts only bound
//! "it happened".

use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;

use super::*;

/// Peers of one organization and channel, joined by in-memory channels.
#[derive(Default)]
struct Hub {
    inboxes: Mutex<BTreeMap<Vec<u8>, mpsc::Sender<ElectionMessage>>>,
}

impl Hub {
    fn leave(&self, id: &[u8]) {
        self.inboxes.lock().unwrap().remove(id);
    }
}

struct FakeAdapter {
    id: PkiId,
    hub: Arc<Hub>,
    factory: MessageFactory,
    inbox: Mutex<Option<mpsc::Receiver<ElectionMessage>>>,
}

impl FakeAdapter {
    fn join(hub: &Arc<Hub>, id: u8) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(64);
        hub.inboxes.lock().unwrap().insert(vec![id], tx);
        Arc::new(FakeAdapter {
            id: PkiId(vec![id]),
            hub: hub.clone(),
            factory: MessageFactory::new(PkiId(vec![id]), "ch"),
            inbox: Mutex::new(Some(rx)),
        })
    }
}

impl LeaderElectionAdapter for FakeAdapter {
    fn gossip(&self, msg: ElectionMessage) {
        for (id, inbox) in self.hub.inboxes.lock().unwrap().iter() {
            if id != &self.id.0 {
                let _ = inbox.try_send(msg.clone());
            }
        }
    }
    fn accept(&self) -> mpsc::Receiver<ElectionMessage> {
        self.inbox
            .lock()
            .unwrap()
            .take()
            .expect("accept is called once")
    }
    fn create_message(&self, is_declaration: bool) -> ElectionMessage {
        self.factory.create(is_declaration)
    }
    fn peers(&self) -> Vec<PkiId> {
        let inboxes = self.hub.inboxes.lock().unwrap();
        inboxes
            .keys()
            .filter(|id| **id != self.id.0)
            .map(|id| PkiId(id.clone()))
            .collect()
    }
    fn report_metrics(&self, _is_leader: bool) {}
}

fn config() -> ElectionConfig {
    ElectionConfig {
        startup_grace_period: Duration::from_millis(300),
        membership_sample_interval: Duration::from_millis(30),
        leader_alive_threshold: Duration::from_millis(1000),
        leader_election_duration: Duration::from_millis(2000),
    }
}

/// A peer's election and what its callback saw.
struct Member {
    id: u8,
    service: LeaderElectionService,
    leading: watch::Receiver<bool>,
    calls: Arc<AtomicUsize>,
}

fn start(hub: &Arc<Hub>, id: u8) -> Member {
    let adapter = FakeAdapter::join(hub, id);
    let (tx, leading) = watch::channel(false);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let callback: LeadershipCallback = Arc::new(move |is_leader| {
        counted.fetch_add(1, Ordering::SeqCst);
        let _ = tx.send(is_leader);
    });
    let service =
        LeaderElectionService::start(adapter, PkiId(vec![id]), callback, config()).unwrap();
    Member {
        id,
        service,
        leading,
        calls,
    }
}

/// How long an election may take at most, derived from the configuration: the startup
/// grace period, a leader's silence, an election, and generous room for a loaded machine.
fn upper_bound() -> Duration {
    let c = config();
    (c.startup_grace_period + c.leader_alive_threshold + c.leader_election_duration) * 10
}

/// The ids of the members that lead now.
fn leaders(members: &[Member]) -> Vec<u8> {
    members
        .iter()
        .filter(|m| m.service.is_leader())
        .map(|m| m.id)
        .collect()
}

/// Waits until `expected` is the only one of `members` that leads.
async fn sole_leader(members: &[Member], expected: u8) {
    let waited = tokio::time::timeout(upper_bound(), async {
        while leaders(members) != [expected] {
            tokio::time::sleep(config().membership_sample_interval).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "peer {expected} should be the only leader, leaders now: {:?}",
        leaders(members)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_peers_elect_the_lowest_pki_id_and_it_stays_leader() {
    let hub = Arc::new(Hub::default());
    let members: Vec<Member> = [3, 1, 2].into_iter().map(|id| start(&hub, id)).collect();
    sole_leader(&members, 1).await;
    // Declaration rounds later (a leader declares every half alive threshold) the callbacks
    // agree with the outcome, and the leader is still the lowest.
    tokio::time::sleep(config().leader_alive_threshold * 2).await;
    sole_leader(&members, 1).await;
    for m in &members {
        assert_eq!(*m.leading.borrow(), m.id == 1, "callback of peer {}", m.id);
    }
    let leader = members.iter().find(|m| m.id == 1).unwrap();
    assert!(leader.calls.load(Ordering::SeqCst) >= 1);
    for m in members {
        m.service.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_leader_stops_the_next_lowest_takes_over() {
    let hub = Arc::new(Hub::default());
    let mut members: Vec<Member> = [1, 2, 3].into_iter().map(|id| start(&hub, id)).collect();
    sole_leader(&members, 1).await;
    let leader = members.remove(0);
    hub.leave(&[1]);
    let mut leading = leader.leading.clone();
    leader.service.stop(Duration::from_secs(5)).await;
    // Stopping tells the callback that leadership is gone.
    assert!(!*leading.borrow_and_update());
    sole_leader(&members, 2).await;
    for m in members {
        m.service.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yielding_leader_steps_down_and_another_takes_over() {
    let hub = Arc::new(Hub::default());
    let members: Vec<Member> = [1, 2].into_iter().map(|id| start(&hub, id)).collect();
    sole_leader(&members, 1).await;
    members[0].service.yield_leadership();
    assert!(!members[0].service.is_leader());
    sole_leader(&members, 2).await;
    for m in members {
        m.service.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_steps_down_on_a_declaration_from_a_lower_id() {
    let hub = Arc::new(Hub::default());
    let high = start(&hub, 5);
    sole_leader(std::slice::from_ref(&high), 5).await;
    // A lower peer appears already declaring itself leader.
    let low = FakeAdapter::join(&hub, 1);
    low.gossip(low.create_message(true));
    let mut leading = high.leading.clone();
    tokio::time::timeout(upper_bound(), leading.wait_for(|l| !*l))
        .await
        .expect("the higher peer steps down")
        .unwrap();
    high.service.stop(Duration::from_secs(5)).await;
}

#[test]
fn an_empty_id_is_refused() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let hub = Arc::new(Hub::default());
    let adapter = FakeAdapter::join(&hub, 1);
    let result =
        LeaderElectionService::start(adapter, PkiId::default(), Arc::new(|_| {}), config());
    assert!(matches!(result, Err(ElectionError::EmptyId)));
}
