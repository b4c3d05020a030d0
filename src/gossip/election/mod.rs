//! Leader election among the peers of one organization in one channel (Fabric's
//! `gossip/election`): the leader is the only peer of its organization pulling blocks from
//! the ordering service.
//!
//! The algorithm is Fabric's: after a startup grace period in which membership settles
//! (`startupGracePeriod`, sampled every `membershipSampleInterval`), a peer that knows of no
//! leader gossips a proposal and waits `leaderElectionDuration` (cut short by a
//! declaration). If no leader declared itself meanwhile and no proposal came from a peer
//! with a lower PKI-ID, it becomes the leader. A leader declares itself every
//! `leaderAliveThreshold / 2`; a follower that hears no declaration for
//! `leaderAliveThreshold` starts a new election. A leader hearing a declaration from a
//! lower PKI-ID steps down. A leader that cannot reach the ordering service yields: it
//! steps down and does not run for `6 × leaderAliveThreshold`.

mod adapter;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use crate::config::ElectionConfig;
pub use adapter::{
    is_leadership_message_for, ElectionMessage, LeaderElectionAdapter, MessageFactory,
};

use crate::gossip::common::PkiId;

const LOG: &str = "gossip.election";

/// Called with `true` on becoming the leader and `false` on ceasing to be it (Fabric's
/// `leadershipCallback`). Runs on the election's task: it must not block.
pub type LeadershipCallback = Arc<dyn Fn(bool) + Send + Sync>;

/// Why the election service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ElectionError {
    #[error("the leader election needs this peer's PKI-ID, and it is empty")]
    EmptyId,
}

/// A running leader election (Fabric's `LeaderElectionService`).
pub struct LeaderElectionService {
    inner: Arc<Inner>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

struct Inner {
    id: PkiId,
    adapter: Arc<dyn LeaderElectionAdapter>,
    config: ElectionConfig,
    callback: LeadershipCallback,
    is_leader: AtomicBool,
    leader_exists: AtomicBool,
    state: Mutex<State>,
    interrupt: mpsc::Sender<()>,
}

#[derive(Default)]
struct State {
    /// PKI-IDs of the peers that proposed since the last follower round.
    proposals: HashSet<Vec<u8>>,
    /// The run loop waits for an interrupt (a declaration cuts the wait short).
    sleeping: bool,
    /// Until when this peer does not run for leadership after yielding.
    yield_until: Option<Instant>,
}

impl LeaderElectionService {
    /// Starts the election of one channel (inside tokio). `id` is this peer's PKI-ID.
    pub fn start(
        adapter: Arc<dyn LeaderElectionAdapter>,
        id: PkiId,
        callback: LeadershipCallback,
        config: ElectionConfig,
    ) -> Result<Self, ElectionError> {
        if id.is_empty() {
            return Err(ElectionError::EmptyId);
        }
        let (interrupt, interrupted) = mpsc::channel(1);
        let (stop, stopped) = watch::channel(false);
        let inner = Arc::new(Inner {
            id,
            adapter,
            config,
            callback,
            is_leader: AtomicBool::new(false),
            leader_exists: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            interrupt,
        });
        let messages = inner.adapter.accept();
        let tasks = vec![
            tokio::spawn(inner.clone().handle_messages(messages, stopped.clone())),
            tokio::spawn(inner.clone().run(interrupted, stopped)),
        ];
        Ok(LeaderElectionService { inner, stop, tasks })
    }

    /// Whether this peer is the leader now.
    pub fn is_leader(&self) -> bool {
        self.inner.is_leader()
    }

    /// Steps down (if leading) and does not run again for `6 × leaderAliveThreshold`, or
    /// until another leader shows up (Fabric's `Yield`, called when the ordering service
    /// cannot be reached).
    pub fn yield_leadership(&self) {
        self.inner.yield_leadership();
    }

    /// A handle that can make this peer yield later (the deliver client's, when it cannot
    /// reach the ordering service).
    pub fn yield_handle(&self) -> YieldHandle {
        YieldHandle(self.inner.clone())
    }

    /// Stops the election; waits at most `deadline` for its tasks, then abandons them.
    pub async fn stop(self, deadline: Duration) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(deadline, task).await.is_err() {
                tracing::warn!(target: LOG, "{}: the election did not stop within {deadline:?}; aborting it", self.inner.id);
                abort.abort();
            }
        }
    }
}

/// Makes the election's peer yield (see [`LeaderElectionService::yield_leadership`]).
#[derive(Clone)]
pub struct YieldHandle(Arc<Inner>);

impl YieldHandle {
    pub fn yield_leadership(&self) {
        self.0.yield_leadership();
    }
}

/// Resolves once stop was asked for.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_leader(&self) -> bool {
        self.is_leader.load(Ordering::SeqCst)
    }

    fn leader_exists(&self) -> bool {
        self.leader_exists.load(Ordering::SeqCst)
    }

    fn is_yielding(&self) -> bool {
        let mut state = self.lock();
        match state.yield_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                state.yield_until = None;
                false
            }
            None => false,
        }
    }

    async fn handle_messages(
        self: Arc<Self>,
        mut messages: mpsc::Receiver<ElectionMessage>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            let msg = tokio::select! {
                m = messages.recv() => m,
                _ = stopped(&mut stop) => return,
            };
            let Some(msg) = msg else {
                tracing::debug!(target: LOG, "{}: the leadership message stream ended", self.id);
                let _ = stop.wait_for(|s| *s).await;
                return;
            };
            let sender = msg.sender_id();
            if !self.adapter.peers().iter().any(|p| p.0 == sender) {
                tracing::debug!(target: LOG, "{}: got a message from {} but it is not in the view", self.id, PkiId(sender.to_vec()));
                continue;
            }
            self.handle_message(&msg);
        }
    }

    fn handle_message(&self, msg: &ElectionMessage) {
        let sender = msg.sender_id();
        let step_down = {
            let mut state = self.lock();
            if msg.is_proposal() {
                tracing::debug!(target: LOG, "{}: {} sent us a proposal", self.id, PkiId(sender.to_vec()));
                state.proposals.insert(sender.to_vec());
                false
            } else if msg.is_declaration() {
                tracing::debug!(target: LOG, "{}: {} sent us a declaration", self.id, PkiId(sender.to_vec()));
                self.leader_exists.store(true, Ordering::SeqCst);
                if state.sleeping {
                    let _ = self.interrupt.try_send(());
                }
                sender < self.id.as_bytes() && self.is_leader()
            } else {
                tracing::error!(target: LOG, "Got a message that's not a proposal and not a declaration");
                false
            }
        };
        if step_down {
            self.stop_being_leader();
        }
    }

    /// Sleeps up to `timeout`; a declaration (or stop) wakes it early.
    async fn wait_for_interrupt(
        &self,
        timeout: Duration,
        interrupted: &mut mpsc::Receiver<()>,
        stop: &mut watch::Receiver<bool>,
    ) {
        self.lock().sleeping = true;
        tokio::select! {
            _ = interrupted.recv() => {}
            _ = stopped(stop) => {}
            _ = tokio::time::sleep(timeout) => {}
        }
        self.lock().sleeping = false;
        while interrupted.try_recv().is_ok() {}
    }

    async fn run(
        self: Arc<Self>,
        mut interrupted: mpsc::Receiver<()>,
        mut stop: watch::Receiver<bool>,
    ) {
        self.wait_for_membership_stabilization(&mut stop).await;
        while !*stop.borrow() {
            if !self.leader_exists() {
                self.leader_election(&mut interrupted, &mut stop).await;
            }
            if self.leader_exists() && self.is_yielding() {
                tracing::debug!(target: LOG, "{}: stopped yielding", self.id);
                self.lock().yield_until = None;
            }
            if *stop.borrow() {
                break;
            }
            if self.is_leader() {
                self.leader(&mut interrupted, &mut stop).await;
            } else {
                self.follower(&mut stop).await;
            }
        }
        if self.is_leader.swap(false, Ordering::SeqCst) {
            tracing::info!(target: LOG, "{}: stopped being a leader (election stopped)", self.id);
            (self.callback)(false);
        }
    }

    async fn leader_election(
        &self,
        interrupted: &mut mpsc::Receiver<()>,
        stop: &mut watch::Receiver<bool>,
    ) {
        if self.is_yielding() {
            return;
        }
        self.adapter.gossip(self.adapter.create_message(false));
        self.wait_for_interrupt(self.config.leader_election_duration, interrupted, stop)
            .await;
        if self.leader_exists() {
            tracing::info!(target: LOG, "{}: Some peer is already a leader", self.id);
            return;
        }
        if self.is_yielding() {
            tracing::debug!(target: LOG, "{}: Aborting leader election because yielding", self.id);
            return;
        }
        if *stop.borrow() {
            return;
        }
        let lower = self
            .lock()
            .proposals
            .iter()
            .any(|p| p.as_slice() < self.id.as_bytes());
        if lower {
            return;
        }
        self.be_leader();
        self.leader_exists.store(true, Ordering::SeqCst);
    }

    async fn follower(&self, stop: &mut watch::Receiver<bool>) {
        self.lock().proposals.clear();
        self.leader_exists.store(false, Ordering::SeqCst);
        self.adapter.report_metrics(false);
        tokio::select! {
            _ = tokio::time::sleep(self.config.leader_alive_threshold) => {}
            _ = stopped(stop) => {}
        }
    }

    async fn leader(&self, interrupted: &mut mpsc::Receiver<()>, stop: &mut watch::Receiver<bool>) {
        self.adapter.gossip(self.adapter.create_message(true));
        self.adapter.report_metrics(true);
        self.wait_for_interrupt(self.config.leader_alive_threshold / 2, interrupted, stop)
            .await;
    }

    /// Waits while the view of the organization's peers still changes, at most the grace
    /// period (or until a leader is known).
    async fn wait_for_membership_stabilization(&self, stop: &mut watch::Receiver<bool>) {
        let end = Instant::now() + self.config.startup_grace_period;
        let mut view = self.adapter.peers().len();
        while !*stop.borrow() {
            tokio::select! {
                _ = tokio::time::sleep(self.config.membership_sample_interval) => {}
                _ = stopped(stop) => return,
            }
            let size = self.adapter.peers().len();
            if size == view || Instant::now() >= end || self.leader_exists() {
                break;
            }
            view = size;
        }
        tracing::debug!(target: LOG, "{}: membership settled, peers found {view}", self.id);
    }

    fn be_leader(&self) {
        tracing::info!(target: LOG, "{}: Becoming a leader", self.id);
        self.is_leader.store(true, Ordering::SeqCst);
        (self.callback)(true);
    }

    fn stop_being_leader(&self) {
        tracing::info!(target: LOG, "{} Stopped being a leader", self.id);
        self.is_leader.store(false, Ordering::SeqCst);
        (self.callback)(false);
    }

    fn yield_leadership(&self) {
        {
            let mut state = self.lock();
            let yielding = state.yield_until.is_some_and(|t| Instant::now() < t);
            if !self.is_leader() || yielding {
                return;
            }
            state.yield_until = Some(Instant::now() + self.config.leader_alive_threshold * 6);
        }
        self.stop_being_leader();
        self.leader_exists.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests;
