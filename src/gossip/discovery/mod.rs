//! Membership (Fabric's `gossip/discovery`): every peer gossips a signed alive message every
//! `aliveTimeInterval`; a peer not heard from for `aliveExpirationTimeout` is dead, is pinged
//! every `reconnectInterval` and asked for membership when it answers; membership requests
//! and responses exchange what each side knows, filtered by a disclosure policy (a peer
//! without an external endpoint is not disclosed to other organizations); a member unheard
//! for `aliveExpirationTimeout × msgExpirationFactor` is forgotten (bootstrap and anchor
//! peers excepted).
//!
//! The layer codes against [`CommService`] and [`CryptoService`], supplied by the gossip
//! facade (Fabric's discoveryAdapter and discoverySecurityAdapter).

mod state;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

use super::comm::{BoxFuture, ReceivedMessage, SignedGossipMessage};
use super::common::{NetworkMember, PkiId};
use super::protoext::{self, GossipMessageExt};
use crate::config::GossipConfig;
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    Envelope, GossipMessage, MembershipRequest, MembershipResponse,
};

use state::State;

const LOG: &str = "gossip.discovery";
/// How long a membership request waits for its response before it is sent again
/// (Fabric's `sendUntilAcked`).
const ACK_WAIT: Duration = Duration::from_secs(5);
/// How long [`Discovery::stop`] waits for its tasks before aborting them.
const STOP_DEADLINE: Duration = Duration::from_secs(5);

/// Membership timing and bootstrap (Fabric's `discovery.DiscoveryConfig`).
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryConfig {
    pub alive_time_interval: Duration,
    pub alive_expiration_timeout: Duration,
    pub alive_expiration_check_interval: Duration,
    pub reconnect_interval: Duration,
    pub max_connection_attempts: usize,
    pub msg_expiration_factor: u32,
    pub bootstrap_peers: Vec<String>,
}

impl DiscoveryConfig {
    /// From `peer.gossip.*` (the check interval is a tenth of the expiration, as Fabric).
    pub fn from_gossip(c: &GossipConfig) -> Self {
        DiscoveryConfig {
            alive_time_interval: c.alive_time_interval,
            alive_expiration_timeout: c.alive_expiration_timeout,
            alive_expiration_check_interval: c.alive_expiration_timeout / 10,
            reconnect_interval: c.reconnect_interval,
            max_connection_attempts: c.max_connection_attempts.max(1) as usize,
            msg_expiration_factor: c.msg_expiration_factor.max(1) as u32,
            bootstrap_peers: c.bootstrap.clone(),
        }
    }
}

/// What membership asks of comm (Fabric's `discovery.CommService`).
pub trait CommService: Send + Sync {
    /// Gossips a message to a random subset of peers.
    fn gossip(&self, msg: SignedGossipMessage);
    /// Forwards a received message to peers other than its sender.
    fn forward(&self, msg: Arc<dyn ReceivedMessage>);
    /// Sends a message to one peer.
    fn send_to_peer(&self, peer: &NetworkMember, msg: SignedGossipMessage);
    /// Whether the peer answers a ping.
    fn ping(&self, peer: &NetworkMember) -> BoxFuture<bool>;
    /// Closes the connection to the peer.
    fn close_conn(&self, peer: &NetworkMember);
}

/// What membership asks of crypto (Fabric's `discovery.CryptoService`).
pub trait CryptoService: Send + Sync {
    /// Whether an alive message is authentic.
    fn validate_alive_msg(&self, msg: &SignedGossipMessage) -> bool;
    /// Signs a message, adding the signed internal endpoint when not empty.
    fn sign_message(&self, msg: &GossipMessage, internal_endpoint: &str) -> Option<Envelope>;
}

/// Which alive messages a remote peer may see (Fabric's `discovery.Sieve`).
pub type Sieve = Box<dyn Fn(&SignedGossipMessage) -> bool + Send>;
/// What of an envelope a remote peer may see (Fabric's `discovery.EnvelopeFilter`).
pub type EnvelopeFilter = Box<dyn Fn(&SignedGossipMessage) -> Envelope + Send>;
/// The disclosure policy towards one remote peer (Fabric's `discovery.DisclosurePolicy`).
pub type DisclosurePolicy = Arc<dyn Fn(&NetworkMember) -> (Sieve, EnvelopeFilter) + Send + Sync>;
/// Whether an endpoint is an anchor peer of some channel (never forgotten).
pub type AnchorPeerTracker = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Who a peer reached by endpoint turned out to be (Fabric's `discovery.PeerIdentification`).
#[derive(Debug, Clone, PartialEq)]
pub struct PeerIdentification {
    pub id: PkiId,
    pub self_org: bool,
}

/// Why a peer could not be identified (handshake failed, or it is not who it should be).
#[derive(Debug, thiserror::Error)]
pub enum IdentifyError {
    #[error(transparent)]
    Comm(#[from] super::comm::CommError),
    #[error("{0}")]
    Refused(String),
}

/// Identifies a peer reached by endpoint (a handshake), for [`Discovery::connect`].
pub type Identifier =
    Arc<dyn Fn() -> BoxFuture<Result<PeerIdentification, IdentifyError>> + Send + Sync>;

/// Why membership could not start.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("internal endpoint {0:?} is not host:port with a 16-bit port; set peer.gossip.endpoint or peer.address")]
    BadEndpoint(String),
}

pub(crate) struct Inner {
    state: Mutex<State>,
    comm: Arc<dyn CommService>,
    crypt: Arc<dyn CryptoService>,
    policy: DisclosurePolicy,
    anchors: AnchorPeerTracker,
    conf: DiscoveryConfig,
    port: u16,
    acks: Mutex<std::collections::HashMap<u64, oneshot::Sender<()>>>,
    stop_rx: watch::Receiver<bool>,
}

/// The membership service of one peer (Fabric's `gossipDiscoveryImpl`).
pub struct Discovery {
    inner: Arc<Inner>,
    stop_tx: watch::Sender<bool>,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

/// The receivers membership reads: messages routed to it, and presumed-dead peers.
pub struct DiscoveryInputs {
    pub messages: mpsc::Receiver<Arc<dyn ReceivedMessage>>,
    pub presumed_dead: mpsc::Receiver<PkiId>,
}

impl Discovery {
    /// Starts membership for `self_member` (its internal endpoint must be host:port).
    pub fn start(
        self_member: NetworkMember,
        comm: Arc<dyn CommService>,
        crypt: Arc<dyn CryptoService>,
        policy: DisclosurePolicy,
        anchors: AnchorPeerTracker,
        conf: DiscoveryConfig,
        inputs: DiscoveryInputs,
    ) -> Result<Discovery, DiscoveryError> {
        let port = self_port(&self_member.internal_endpoint)?;
        let ttl = conf.alive_expiration_timeout * conf.msg_expiration_factor;
        let (stop_tx, stop_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new(self_member, ttl)),
            comm,
            crypt,
            policy,
            anchors,
            conf,
            port,
            acks: Mutex::default(),
            stop_rx,
        });
        let mut tasks = JoinSet::new();
        tasks.spawn(inner.clone().periodical_send_alive());
        tasks.spawn(inner.clone().periodical_check_alive());
        tasks.spawn(inner.clone().periodical_reconnect_to_dead());
        tasks.spawn(inner.clone().handle_messages(inputs.messages));
        tasks.spawn(inner.clone().handle_presumed_dead(inputs.presumed_dead));
        Ok(Discovery {
            inner,
            stop_tx,
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }

    /// A member by PKI-ID (ourselves included).
    pub fn lookup(&self, pki_id: &PkiId) -> Option<NetworkMember> {
        if *pki_id == self.inner.state.lock().unwrap().self_member.pki_id {
            return Some(self.self_member());
        }
        self.inner
            .state
            .lock()
            .unwrap()
            .id2member
            .get(pki_id)
            .cloned()
    }

    /// This peer as others see it (Fabric's `Self`).
    pub fn self_member(&self) -> NetworkMember {
        let (msg, _) = self.inner.alive_msg_and_internal_endpoint();
        let signed = SignedGossipMessage::noop_sign(msg);
        let mut me = self.inner.state.lock().unwrap().self_member.clone();
        me.internal_endpoint = String::new();
        me.envelope = signed.envelope;
        me
    }

    /// The alive members.
    pub fn get_membership(&self) -> Vec<NetworkMember> {
        if *self.inner.stop_rx.borrow() {
            return Vec::new();
        }
        self.inner.state.lock().unwrap().membership()
    }

    pub fn update_metadata(&self, md: Vec<u8>) {
        self.inner.state.lock().unwrap().self_member.metadata = md;
    }

    pub fn update_endpoint(&self, endpoint: String) {
        self.inner.state.lock().unwrap().self_member.endpoint = endpoint;
    }

    /// Asks `peer_num` random alive members for their membership (Fabric's `InitiateSync`).
    pub fn initiate_sync(&self, peer_num: usize) {
        self.inner.initiate_sync(peer_num);
    }

    /// Connects to a peer known only by endpoint (bootstrap or anchor peer): identifies it,
    /// then sends it membership requests until one is answered.
    pub fn connect(&self, member: NetworkMember, identifier: Identifier) {
        let inner = &self.inner;
        for ep in [&member.internal_endpoint, &member.endpoint] {
            if inner.is_my_own_endpoint(ep) {
                tracing::debug!(target: LOG, "Skipping connecting to myself");
                return;
            }
        }
        let task = inner
            .clone()
            .connect(member, identifier, self.tasks.clone());
        self.tasks.lock().unwrap().spawn(task);
    }

    /// Stops every task (waiting up to a deadline, then aborting).
    pub fn stop(&self) -> BoxFuture<()> {
        tracing::info!(target: LOG, "Stopping");
        let _ = self.stop_tx.send(true);
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap());
        Box::pin(async move {
            let drained = tokio::time::timeout(STOP_DEADLINE, async {
                while tasks.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                tasks.abort_all();
            }
            tracing::info!(target: LOG, "Stopped");
        })
    }
}

fn self_port(endpoint: &str) -> Result<u16, DiscoveryError> {
    let bad = || DiscoveryError::BadEndpoint(endpoint.to_string());
    let (host, port) = endpoint.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() {
        return Err(bad());
    }
    port.parse::<u16>().map_err(|_| bad())
}

/// Sleeps `d`, or returns false at once when stopping.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    if *stop.borrow() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => !*stop.borrow(),
        _ = stop.changed() => false,
    }
}

impl Inner {
    fn stopped(&self) -> bool {
        *self.stop_rx.borrow()
    }

    fn is_my_own_endpoint(&self, ep: &str) -> bool {
        let st = self.state.lock().unwrap();
        ep == format!("127.0.0.1:{}", self.port)
            || ep == format!("localhost:{}", self.port)
            || ep == st.self_member.internal_endpoint
            || ep == st.self_member.endpoint
    }

    async fn connect(
        self: Arc<Self>,
        member: NetworkMember,
        identifier: Identifier,
        tasks: Arc<Mutex<JoinSet<()>>>,
    ) {
        let mut stop = self.stop_rx.clone();
        for _ in 0..self.conf.max_connection_attempts {
            if self.stopped() {
                return;
            }
            let id = match identifier().await {
                Ok(id) => id,
                Err(e) => {
                    tracing::warn!(target: LOG, "Could not connect to {} : {e}", member.preferred_endpoint());
                    if !sleep_or_stop(&mut stop, self.conf.reconnect_interval).await {
                        return;
                    }
                    continue;
                }
            };
            let peer = NetworkMember {
                internal_endpoint: member.internal_endpoint.clone(),
                endpoint: member.endpoint.clone(),
                pki_id: id.id,
                ..Default::default()
            };
            let Some(mut req) = self.create_membership_request(id.self_org) else {
                continue;
            };
            req.nonce = protoext::random_nonce();
            let req = SignedGossipMessage::noop_sign(req);
            let task = self.clone().send_until_acked(peer, req);
            tasks.lock().unwrap().spawn(task);
            return;
        }
    }

    async fn send_until_acked(self: Arc<Self>, peer: NetworkMember, msg: SignedGossipMessage) {
        let nonce = msg.message.nonce;
        let mut stop = self.stop_rx.clone();
        for _ in 0..self.conf.max_connection_attempts {
            if self.stopped() {
                return;
            }
            let (tx, rx) = oneshot::channel();
            self.acks.lock().unwrap().insert(nonce, tx);
            self.comm.send_to_peer(&peer, msg.clone());
            let acked = tokio::select! {
                r = tokio::time::timeout(ACK_WAIT, rx) => matches!(r, Ok(Ok(()))),
                _ = stop.changed() => return,
            };
            self.acks.lock().unwrap().remove(&nonce);
            if acked {
                return;
            }
            if !sleep_or_stop(&mut stop, self.conf.reconnect_interval).await {
                return;
            }
        }
    }

    fn initiate_sync(&self, peer_num: usize) {
        if self.stopped() {
            return;
        }
        let peers = self.state.lock().unwrap().random_alive_members(peer_num);
        if peers.is_empty() {
            tracing::debug!(target: LOG, "No peers to send to, aborting membership sync");
            return;
        }
        let Some(req) = self.create_membership_request(true) else {
            return;
        };
        let req = SignedGossipMessage::noop_sign(req);
        for p in &peers {
            self.comm.send_to_peer(p, req.clone());
        }
    }

    async fn handle_messages(self: Arc<Self>, mut rx: mpsc::Receiver<Arc<dyn ReceivedMessage>>) {
        let mut stop = self.stop_rx.clone();
        loop {
            tokio::select! {
                m = rx.recv() => match m {
                    // Alive messages are verified: on the blocking pool, one at a time.
                    Some(m) => {
                        let inner = self.clone();
                        let _ = tokio::task::spawn_blocking(move || inner.handle_msg_from_comm(m)).await;
                    }
                    None => return,
                },
                _ = stop.changed() => return,
            }
        }
    }

    async fn handle_presumed_dead(self: Arc<Self>, mut rx: mpsc::Receiver<PkiId>) {
        let mut stop = self.stop_rx.clone();
        loop {
            tokio::select! {
                m = rx.recv() => match m {
                    Some(id) => {
                        let alive = self.state.lock().unwrap().alive_last_ts.contains_key(&id);
                        if alive {
                            self.expire_dead_members(&[id]);
                        }
                    }
                    None => return,
                },
                _ = stop.changed() => return,
            }
        }
    }

    fn handle_msg_from_comm(&self, msg: Arc<dyn ReceivedMessage>) {
        let m = &msg.message().message;
        match &m.content {
            Some(Content::MemReq(req)) => self.handle_mem_req(req, m.nonce),
            Some(Content::AliveMsg(_)) => {
                let sm = msg.message();
                let valid = self.state.lock().unwrap().msg_store.check_valid(sm);
                if !valid || !self.crypt.validate_alive_msg(sm) || self.is_sent_by_me(sm) {
                    return;
                }
                self.state.lock().unwrap().msg_store.add(sm.clone());
                self.handle_alive_message(sm);
                self.comm.forward(msg.clone());
            }
            Some(Content::MemRes(res)) => self.handle_mem_res(res, m.nonce),
            _ => {
                tracing::warn!(target: LOG, "Got message with wrong type (expected Alive or MembershipResponse or MembershipRequest message)")
            }
        }
    }

    fn handle_mem_req(&self, req: &MembershipRequest, nonce: u64) {
        let Some(env) = &req.self_information else {
            return;
        };
        let Ok(self_info) = SignedGossipMessage::from_envelope(env.clone()) else {
            tracing::warn!(target: LOG, "Failed deserializing GossipMessage from envelope");
            return;
        };
        if !self_info.message.is_alive_msg() || !self.crypt.validate_alive_msg(&self_info) {
            return;
        }
        if self.state.lock().unwrap().msg_store.check_valid(&self_info) {
            self.handle_alive_message(&self_info);
        }
        let Some(Content::AliveMsg(am)) = &self_info.message.content else {
            return;
        };
        let member = am.membership.clone().unwrap_or_default();
        let target = NetworkMember {
            endpoint: member.endpoint,
            metadata: member.metadata,
            pki_id: PkiId(member.pki_id),
            internal_endpoint: protoext::internal_endpoint(env.secret_envelope.as_ref()),
            ..Default::default()
        };
        self.send_mem_response(&target, nonce);
    }

    fn handle_mem_res(&self, res: &MembershipResponse, nonce: u64) {
        if let Some(tx) = self.acks.lock().unwrap().remove(&nonce) {
            let _ = tx.send(());
        }
        for env in &res.alive {
            let Ok(am) = SignedGossipMessage::from_envelope(env.clone()) else {
                tracing::warn!(target: LOG, "Membership response contains an invalid message from an online peer");
                return;
            };
            if !am.message.is_alive_msg() {
                tracing::warn!(target: LOG, "Expected alive message in a membership response");
                return;
            }
            let valid = self.state.lock().unwrap().msg_store.check_valid(&am);
            if valid && self.crypt.validate_alive_msg(&am) {
                self.handle_alive_message(&am);
            }
        }
        for env in &res.dead {
            let Ok(dm) = SignedGossipMessage::from_envelope(env.clone()) else {
                tracing::warn!(target: LOG, "Membership response contains an invalid message from an offline peer");
                return;
            };
            if !dm.message.is_alive_msg() {
                continue;
            }
            let valid = self.state.lock().unwrap().msg_store.check_valid(&dm);
            if !valid || !self.crypt.validate_alive_msg(&dm) {
                continue;
            }
            let mut st = self.state.lock().unwrap();
            if !st.id2member.contains_key(&dm.message.alive_pki_id()) {
                st.learn_new_members(&[], &[dm]);
            }
        }
    }

    fn send_mem_response(&self, target: &NetworkMember, nonce: u64) {
        let self_alive = self.state.lock().unwrap().self_alive.clone();
        let alive = match self_alive {
            Some(a) => a,
            None => match self.create_signed_alive_message(true) {
                Some(a) => a,
                None => return,
            },
        };
        let Some(res) = self.create_membership_response(&alive, target) else {
            tracing::warn!(
                target: LOG,
                "Got a membership request from a peer that shouldn't have sent one: {}, closing connection to the peer as a result.",
                target.preferred_endpoint()
            );
            self.comm.close_conn(target);
            return;
        };
        let msg = GossipMessage {
            tag: Tag::Empty as i32,
            nonce,
            content: Some(Content::MemRes(res)),
            ..Default::default()
        };
        self.comm
            .send_to_peer(target, SignedGossipMessage::noop_sign(msg));
    }

    fn create_membership_response(
        &self,
        alive: &SignedGossipMessage,
        target: &NetworkMember,
    ) -> Option<MembershipResponse> {
        let (sieve, filter) = (self.policy)(target);
        if !sieve(alive) {
            return None;
        }
        let (alive_msgs, dead_msgs) = {
            let st = self.state.lock().unwrap();
            (
                st.alive_membership.values().cloned().collect::<Vec<_>>(),
                st.dead_membership.values().cloned().collect::<Vec<_>>(),
            )
        };
        let pick = |v: Vec<SignedGossipMessage>| {
            v.into_iter()
                .filter(|m| sieve(m))
                .map(|m| filter(&m))
                .collect::<Vec<_>>()
        };
        let mut alive_envs = pick(alive_msgs);
        alive_envs.push(filter(alive));
        Some(MembershipResponse {
            alive: alive_envs,
            dead: pick(dead_msgs),
        })
    }

    fn is_sent_by_me(&self, m: &SignedGossipMessage) -> bool {
        let st = self.state.lock().unwrap();
        if m.message.alive_pki_id() != st.self_member.pki_id {
            return false;
        }
        if let Some(Content::AliveMsg(am)) = &m.message.content {
            let ep = am
                .membership
                .as_ref()
                .map(|x| x.endpoint.as_str())
                .unwrap_or("");
            let internal = protoext::internal_endpoint(
                m.envelope.as_ref().and_then(|e| e.secret_envelope.as_ref()),
            );
            if ep != st.self_member.endpoint
                || (!internal.is_empty() && internal != st.self_member.internal_endpoint)
            {
                tracing::error!(target: LOG, "Bad configuration detected: Received AliveMessage from a peer with the same PKI-ID as myself");
            }
        }
        true
    }

    fn handle_alive_message(&self, m: &SignedGossipMessage) {
        if self.is_sent_by_me(m) {
            return;
        }
        self.state.lock().unwrap().handle_alive_message(m);
    }

    async fn periodical_reconnect_to_dead(self: Arc<Self>) {
        let mut stop = self.stop_rx.clone();
        loop {
            // Ping every dead peer at once (each ping is bounded by comm's dial timeout).
            let dead = self.state.lock().unwrap().dead_members();
            let mut pings = JoinSet::new();
            for member in dead {
                let ping = self.comm.ping(&member);
                pings.spawn(async move { (ping.await, member) });
            }
            while let Some(done) = pings.join_next().await {
                let Ok((true, member)) = done else {
                    continue;
                };
                tracing::debug!(target: LOG, "{} is responding, sending membership request", member.preferred_endpoint());
                let inner = self.clone();
                let req =
                    tokio::task::spawn_blocking(move || inner.create_membership_request(true))
                        .await;
                if let Ok(Some(req)) = req {
                    self.comm
                        .send_to_peer(&member, SignedGossipMessage::noop_sign(req));
                }
            }
            if !sleep_or_stop(&mut stop, self.conf.reconnect_interval).await {
                return;
            }
        }
    }

    async fn periodical_check_alive(self: Arc<Self>) {
        let mut stop = self.stop_rx.clone();
        let interval = self
            .conf
            .alive_expiration_check_interval
            .max(Duration::from_millis(1));
        while sleep_or_stop(&mut stop, interval).await {
            let dead = self
                .state
                .lock()
                .unwrap()
                .expired_alive(self.conf.alive_expiration_timeout);
            if !dead.is_empty() {
                self.expire_dead_members(&dead);
            }
            let bootstrap = &self.conf.bootstrap_peers;
            let keep = |ep: &str| {
                !ep.is_empty() && (bootstrap.iter().any(|b| b == ep) || (self.anchors)(ep))
            };
            self.state.lock().unwrap().expire_messages(keep);
        }
    }

    fn expire_dead_members(&self, dead: &[PkiId]) {
        tracing::warn!(target: LOG, "Entering {dead:?}");
        let expired = self.state.lock().unwrap().move_to_dead(dead);
        for m in expired {
            tracing::warn!(target: LOG, "Closing connection to {}", m.preferred_endpoint());
            self.comm.close_conn(&m);
        }
    }

    async fn periodical_send_alive(self: Arc<Self>) {
        let mut stop = self.stop_rx.clone();
        while sleep_or_stop(&mut stop, self.conf.alive_time_interval).await {
            if self.state.lock().unwrap().alive_membership.is_empty() {
                tracing::debug!(target: LOG, "Empty membership, no one to send a heartbeat to");
                continue;
            }
            let inner = self.clone();
            let signed =
                tokio::task::spawn_blocking(move || inner.create_signed_alive_message(true)).await;
            let Ok(Some(msg)) = signed else {
                return;
            };
            self.state.lock().unwrap().self_alive = Some(msg.clone());
            self.comm.gossip(msg);
        }
    }

    fn alive_msg_and_internal_endpoint(&self) -> (GossipMessage, String) {
        self.state.lock().unwrap().next_alive_message()
    }

    fn create_signed_alive_message(&self, include_internal: bool) -> Option<SignedGossipMessage> {
        let (msg, internal) = self.alive_msg_and_internal_endpoint();
        let Some(mut env) = self.crypt.sign_message(&msg, &internal) else {
            tracing::warn!(target: LOG, "Failed signing alive message");
            return None;
        };
        if !include_internal {
            env.secret_envelope = None;
        }
        // The signer may have added our identity: take the message as signed.
        let message = SignedGossipMessage::from_envelope(env.clone())
            .map(|m| m.message)
            .unwrap_or(msg);
        Some(SignedGossipMessage {
            message,
            envelope: Some(env),
        })
    }

    fn create_membership_request(&self, include_internal: bool) -> Option<GossipMessage> {
        let am = self.create_signed_alive_message(include_internal)?;
        Some(GossipMessage {
            tag: Tag::Empty as i32,
            nonce: 0,
            content: Some(Content::MemReq(MembershipRequest {
                self_information: am.envelope,
                known: Vec::new(),
            })),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests;
