//! The gossip facade over comm, membership, channels and the cert store
//! (Fabric's `gossipServiceImpl`).
//!
//! Build it with [`GossipImpl::start`] from a [`Comm`], the peer's message crypto service,
//! security advisor and identity mapper, its serialized identity and [`GossipSettings`];
//! then [`Gossip::join_chan`] for each channel with the join message of its config block.

mod adapters;
mod batcher;
mod certstore;
mod emit;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::api::{JoinChannelMessage, MessageCryptoService, SecurityAdvisor};
use super::channel::{ChannelConfig, GossipChannel};
use super::comm::{
    BoxFuture, Comm, MessageAcceptor, ReceivedMessage, RemotePeer, SignedGossipMessage,
};
use super::common::{NetworkMember, OrgId, PeerIdentity, PeerIdentityInfo, PkiId};
use super::discovery::{
    Discovery, DiscoveryConfig, DiscoveryInputs, IdentifyError, PeerIdentification,
};
use super::gossip::{Gossip, GossipError, GossipMessageAcceptor, IdentityMapper, SendCriteria};
use super::msgstore::MessageStore;
use super::protoext::GossipMessageExt;
use super::pull::PullMediator;
use super::{filter, ProtoextError};
use crate::config::GossipConfig;
use crate::protos::gossip::{gossip_message::Content, Chaincode, GossipMessage, PullMsgType};

use batcher::{Batcher, Emitted};

const LOG: &str = "gossip.gossip";
/// Fabric's `acceptChanSize`: the bound of each accept subscription.
const ACCEPT_CHAN_SIZE: usize = 100;
/// The bound of the queue from the message loop to membership.
const DISCOVERY_QUEUE: usize = 100;
const STOP_DEADLINE: Duration = Duration::from_secs(5);

/// What the facade needs from `peer.gossip.*` and the peer's endpoints
/// (Fabric's `gossip.Config`).
#[derive(Debug, Clone)]
pub struct GossipSettings {
    /// The endpoint announced inside the organization (`peer.gossip.endpoint` or
    /// `peer.address`).
    pub internal_endpoint: String,
    /// The endpoint announced to other organizations (empty: none).
    pub external_endpoint: String,
    pub bootstrap_peers: Vec<String>,
    pub propagate_iterations: u32,
    pub propagate_peer_num: usize,
    pub max_propagation_burst_size: usize,
    pub max_propagation_burst_latency: Duration,
    pub pull_interval: Duration,
    pub pull_peer_num: usize,
    pub publish_cert_period: Duration,
    pub publish_state_info_interval: Duration,
    pub digest_wait: Duration,
    pub request_wait: Duration,
    pub response_wait: Duration,
    pub discovery: DiscoveryConfig,
    pub channel: ChannelConfig,
}

impl GossipSettings {
    /// From `peer.gossip.*` and the internal endpoint the node computed.
    pub fn from_core(c: &GossipConfig, internal_endpoint: String) -> Self {
        GossipSettings {
            internal_endpoint,
            external_endpoint: c.external_endpoint.clone().unwrap_or_default(),
            bootstrap_peers: c.bootstrap.clone(),
            propagate_iterations: c.propagate_iterations.max(0) as u32,
            propagate_peer_num: c.propagate_peer_num.max(0) as usize,
            max_propagation_burst_size: c.max_propagation_burst_size.max(1) as usize,
            max_propagation_burst_latency: c.max_propagation_burst_latency,
            pull_interval: c.pull_interval,
            pull_peer_num: c.pull_peer_num.max(0) as usize,
            publish_cert_period: c.publish_cert_period,
            publish_state_info_interval: c.publish_state_info_interval,
            digest_wait: c.digest_wait_time,
            request_wait: c.request_wait_time,
            response_wait: c.response_wait_time,
            discovery: DiscoveryConfig::from_gossip(c),
            channel: ChannelConfig::from_gossip(c),
        }
    }
}

/// The services gossip is built on.
#[derive(Clone)]
pub struct GossipDeps {
    pub comm: Arc<dyn Comm>,
    pub mcs: Arc<dyn MessageCryptoService>,
    pub sa: Arc<dyn SecurityAdvisor>,
    pub id_mapper: Arc<dyn IdentityMapper>,
    /// This peer's serialized identity.
    pub self_identity: PeerIdentity,
}

type Subscriber = (GossipMessageAcceptor, mpsc::Sender<GossipMessage>);

pub(crate) struct Inner {
    conf: GossipSettings,
    deps: GossipDeps,
    self_org: OrgId,
    pki_id: PkiId,
    disc: OnceLock<Discovery>,
    cert_puller: OnceLock<PullMediator>,
    disc_tx: mpsc::Sender<Arc<dyn ReceivedMessage>>,
    channels: RwLock<HashMap<Vec<u8>, Arc<GossipChannel>>>,
    emitter: OnceLock<Batcher>,
    subscribers: Mutex<Vec<Subscriber>>,
    state_info_store: Mutex<MessageStore>,
    anchor_endpoints: Mutex<HashSet<String>>,
    include_identity_until: Instant,
    stop_tx: watch::Sender<bool>,
    tasks: Mutex<JoinSet<()>>,
}

/// A running gossip instance.
pub struct GossipImpl {
    inner: Arc<Inner>,
}

impl GossipImpl {
    /// Starts gossip: membership, the cert store, the message loop, bootstrap connections.
    pub fn start(conf: GossipSettings, deps: GossipDeps) -> Result<GossipImpl, GossipError> {
        let self_org = deps
            .sa
            .org_by_peer_identity(&deps.self_identity)
            .unwrap_or_default();
        let pki_id = deps.comm.pki_id();
        let (disc_tx, disc_rx) = mpsc::channel(DISCOVERY_QUEUE);
        let (stop_tx, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            state_info_store: Mutex::new(MessageStore::new(
                0,
                Some(conf.publish_state_info_interval * 100),
            )),
            include_identity_until: Instant::now() + conf.publish_cert_period,
            conf,
            deps,
            self_org,
            pki_id,
            disc: OnceLock::new(),
            cert_puller: OnceLock::new(),
            disc_tx,
            channels: RwLock::default(),
            emitter: OnceLock::new(),
            subscribers: Mutex::default(),
            anchor_endpoints: Mutex::default(),
            stop_tx,
            tasks: Mutex::default(),
        });
        let weak = Arc::downgrade(&inner);
        let emit = Box::new(move |batch: Vec<Emitted>| {
            if let Some(g) = weak.upgrade() {
                g.gossip_batch(batch);
            }
        });
        let c = &inner.conf;
        let _ = inner.emitter.set(Batcher::new(
            c.propagate_iterations,
            c.max_propagation_burst_size,
            emit,
        ));
        inner.start_discovery(disc_rx)?;
        if inner.conf.external_endpoint.is_empty() {
            tracing::warn!(target: LOG, "External endpoint is empty, peer will not be accessible outside of its organization");
        }
        certstore::start(&inner);
        inner.clone().start_tasks();
        inner.connect_to_bootstrap_peers();
        tracing::info!(target: LOG, "Gossip instance {} started", inner.conf.internal_endpoint);
        Ok(GossipImpl { inner })
    }
}

impl Inner {
    pub(crate) fn disc(&self) -> &Discovery {
        self.disc
            .get()
            .expect("membership is set when gossip starts")
    }

    fn emitter(&self) -> &Batcher {
        self.emitter
            .get()
            .expect("the emitter is set when gossip starts")
    }

    fn stopped(&self) -> bool {
        *self.stop_tx.borrow()
    }

    fn self_network_member(&self) -> NetworkMember {
        NetworkMember {
            endpoint: self.conf.external_endpoint.clone(),
            pki_id: self.pki_id.clone(),
            internal_endpoint: self.conf.internal_endpoint.clone(),
            ..Default::default()
        }
    }

    fn start_discovery(
        self: &Arc<Self>,
        disc_rx: mpsc::Receiver<Arc<dyn ReceivedMessage>>,
    ) -> Result<(), GossipError> {
        let weak = Arc::downgrade(self);
        let anchors = {
            let w = weak.clone();
            Arc::new(move |ep: &str| {
                w.upgrade()
                    .is_some_and(|g| g.anchor_endpoints.lock().unwrap().contains(ep))
            })
        };
        let policy = {
            let w = weak.clone();
            Arc::new(move |m: &NetworkMember| adapters::disclosure_policy(&w, m))
        };
        let disc = Discovery::start(
            self.self_network_member(),
            Arc::new(adapters::DiscoveryAdapter(weak.clone())),
            Arc::new(adapters::DiscoverySecurityAdapter(weak)),
            policy,
            anchors,
            self.conf.discovery.clone(),
            DiscoveryInputs {
                messages: disc_rx,
                presumed_dead: self.deps.comm.presumed_dead(),
            },
        )?;
        let _ = self.disc.set(disc);
        Ok(())
    }

    fn start_tasks(self: Arc<Self>) {
        let accept: MessageAcceptor = Box::new(|m: &dyn ReceivedMessage| {
            !matches!(
                m.message().message.content,
                Some(Content::Conn(_) | Content::Empty(_) | Content::PrivateData(_)) | None
            )
        });
        let mut incoming = self.deps.comm.accept(accept);
        let mut tasks = self.tasks.lock().unwrap();
        let (g, mut stop) = (self.clone(), self.stop_tx.subscribe());
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    m = incoming.recv() => match m {
                        // Messages are verified (signatures, blocks): on the blocking
                        // pool, one at a time, in the order they came.
                        Some(m) => {
                            let g = g.clone();
                            let _ = tokio::task::spawn_blocking(move || g.handle_message(m)).await;
                        }
                        None => return,
                    },
                    _ = stop.changed() => return,
                }
            }
        });
        let (g, mut stop) = (self.clone(), self.stop_tx.subscribe());
        tasks.spawn(async move {
            loop {
                g.disc().initiate_sync(g.conf.pull_peer_num);
                tokio::select! {
                    _ = tokio::time::sleep(g.conf.pull_interval) => {}
                    _ = stop.changed() => return,
                }
            }
        });
        let (g, mut stop) = (self.clone(), self.stop_tx.subscribe());
        tasks.spawn(async move {
            let latency = g
                .conf
                .max_propagation_burst_latency
                .max(Duration::from_millis(1));
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(latency) => {
                        g.emitter().flush();
                        g.state_info_store.lock().unwrap().expire();
                    }
                    _ = stop.changed() => return,
                }
            }
        });
    }

    fn handshake_identifier(
        self: &Arc<Self>,
        endpoint: String,
        must_be_own_org: bool,
        channel: Option<String>,
    ) -> super::discovery::Identifier {
        let weak = Arc::downgrade(self);
        Arc::new(move || {
            let (weak, endpoint, channel) = (weak.clone(), endpoint.clone(), channel.clone());
            Box::pin(async move {
                let g = weak
                    .upgrade()
                    .ok_or(IdentifyError::Comm(super::comm::CommError::Stopped))?;
                let peer = RemotePeer {
                    endpoint: endpoint.clone(),
                    pki_id: PkiId::default(),
                };
                let identity = g.deps.comm.handshake(&peer).await?;
                let same_org = g.deps.sa.org_by_peer_identity(&identity).as_deref()
                    == Some(g.self_org.as_slice());
                if must_be_own_org && !same_org {
                    let why = match channel {
                        Some(ch) => format!("Anchor peer {endpoint} for channel {ch} isn't in our org, but is claimed to be"),
                        None => format!("{endpoint} isn't in our organization, cannot be a bootstrap peer"),
                    };
                    return Err(IdentifyError::Refused(why));
                }
                let id = g.deps.mcs.pki_id_of_cert(&identity);
                if id.is_empty() {
                    return Err(IdentifyError::Refused(format!(
                        "Wasn't able to extract PKI-ID of remote peer at {endpoint}"
                    )));
                }
                Ok(PeerIdentification {
                    id,
                    self_org: same_org,
                })
            })
        })
    }

    fn connect_to_bootstrap_peers(self: &Arc<Self>) {
        for ep in &self.conf.bootstrap_peers {
            let member = NetworkMember {
                endpoint: ep.clone(),
                internal_endpoint: ep.clone(),
                ..Default::default()
            };
            self.disc()
                .connect(member, self.handshake_identifier(ep.clone(), true, None));
        }
    }

    fn learn_anchor_peers(
        self: &Arc<Self>,
        channel: &str,
        org: &[u8],
        join: &dyn JoinChannelMessage,
    ) {
        let anchors = join.anchor_peers_of(org);
        let org_name = String::from_utf8_lossy(org);
        if anchors.is_empty() {
            tracing::info!(target: LOG, "No configured anchor peers of {org_name} for channel {channel} to learn about");
            return;
        }
        tracing::info!(target: LOG, "Learning about the configured anchor peers of {org_name} for channel {channel}: {anchors:?}");
        for ap in anchors {
            if ap.host.is_empty() || ap.port == 0 {
                tracing::warn!(target: LOG, "Got an invalid anchor peer {ap:?} for channel {channel}, skipping it");
                continue;
            }
            let endpoint = if ap.host.contains(':') {
                format!("[{}]:{}", ap.host, ap.port)
            } else {
                format!("{}:{}", ap.host, ap.port)
            };
            self.anchor_endpoints
                .lock()
                .unwrap()
                .insert(endpoint.clone());
            if endpoint == self.conf.external_endpoint || endpoint == self.conf.internal_endpoint {
                tracing::info!(target: LOG, "Anchor peer for channel {channel} with same endpoint, skipping connecting to myself");
                continue;
            }
            let in_our_org = org == self.self_org.as_slice();
            if !in_our_org && self.conf.external_endpoint.is_empty() {
                tracing::info!(target: LOG, "Anchor peer {endpoint} isn't in our org({org_name}) and we have no external endpoint, skipping");
                continue;
            }
            let member = NetworkMember {
                endpoint: endpoint.clone(),
                internal_endpoint: endpoint.clone(),
                ..Default::default()
            };
            let id = self.handshake_identifier(endpoint, in_our_org, Some(channel.to_string()));
            self.disc().connect(member, id);
        }
    }

    fn channel(&self, chain_id: &[u8]) -> Option<Arc<GossipChannel>> {
        self.channels.read().unwrap().get(chain_id).cloned()
    }

    /// The channel a message belongs to: by name, or by MAC for state info and its requests.
    fn channel_for_msg(&self, m: &GossipMessage, sender: &PkiId) -> Option<Arc<GossipChannel>> {
        let by_mac = |mac: &[u8], id: &PkiId| {
            self.channels
                .read()
                .unwrap()
                .iter()
                .find(|(name, _)| super::channel::generate_mac(id, name) == mac)
                .map(|(_, ch)| ch.clone())
        };
        match &m.content {
            Some(Content::StateInfo(si)) => by_mac(&si.channel_mac, &PkiId(si.pki_id.clone())),
            Some(Content::StateInfoPullReq(r)) => by_mac(&r.channel_mac, sender),
            _ => self.channel(&m.channel),
        }
    }

    pub(crate) fn org_of_peer(&self, id: &PkiId) -> Option<OrgId> {
        let identity = self.deps.id_mapper.get(id)?;
        self.deps
            .sa
            .org_by_peer_identity(&identity)
            .filter(|o| !o.is_empty())
    }

    pub(crate) fn is_in_my_org(&self, id: &PkiId) -> bool {
        !id.is_empty() && self.org_of_peer(id).as_deref() == Some(self.self_org.as_slice())
    }

    pub(crate) fn has_external_endpoint(&self, id: &PkiId) -> bool {
        self.disc()
            .lookup(id)
            .is_some_and(|m| !m.endpoint.is_empty())
    }

    /// Hands a processed message to the `accept` subscribers (dropping it for a subscriber
    /// whose queue is full).
    pub(crate) fn demultiplex(&self, msg: &SignedGossipMessage) {
        let mut subs = self.subscribers.lock().unwrap();
        subs.retain(|(_, tx)| !tx.is_closed());
        for (accept, tx) in subs.iter() {
            if accept(&msg.message) && tx.try_send(msg.message.clone()).is_err() {
                tracing::warn!(target: LOG, "A gossip subscriber is not keeping up, dropping a message for it");
            }
        }
    }

    pub(crate) fn emit(&self, msg: SignedGossipMessage, exclude: Option<PkiId>) {
        if self.stopped() {
            return;
        }
        self.emitter().add(Emitted { msg, exclude });
    }

    /// Fabric's `validateStateInfoMsg`: the signature under the identity of its PKI-ID.
    pub(crate) fn validate_state_info_msg(
        &self,
        m: &SignedGossipMessage,
    ) -> Result<(), ProtoextError> {
        match &m.message.content {
            Some(Content::StateInfo(si)) => self.verify_signed_by(m, &si.pki_id),
            _ => Ok(()),
        }
    }

    /// Fabric's `validateLeadershipMessage`: the signature under the identity of its PKI-ID.
    fn validate_leadership_msg(&self, m: &SignedGossipMessage) -> Result<(), ProtoextError> {
        match &m.message.content {
            Some(Content::LeadershipMsg(l)) => self.verify_signed_by(m, &l.pki_id),
            _ => Ok(()),
        }
    }

    /// Verifies `m`'s signature under the identity the mapper holds for `pki_id`.
    fn verify_signed_by(
        &self,
        m: &SignedGossipMessage,
        pki_id: &[u8],
    ) -> Result<(), ProtoextError> {
        let id = PkiId(pki_id.to_vec());
        let identity = self
            .deps
            .id_mapper
            .get(&id)
            .ok_or(ProtoextError::UnknownIdentity(id))?;
        m.verify(&identity, |idt, sig, msg| {
            self.deps.mcs.verify(idt, sig, msg)
        })
    }

    fn handle_message(self: &Arc<Self>, m: Arc<dyn ReceivedMessage>) {
        if self.stopped() {
            return;
        }
        let msg = m.message();
        if let Err(e) = msg.message.is_tag_legal() {
            tracing::warn!(target: LOG, "Tag of a message from {} isn't legal: {e}", m.connection_info().endpoint);
            return;
        }
        if let Err(e) = self.validate_state_info_msg(msg) {
            tracing::warn!(target: LOG, "StateInfo message from {} is found invalid: {e}", m.connection_info().endpoint);
            return;
        }
        if msg.message.is_channel_restricted() {
            self.handle_channel_message(m);
            return;
        }
        if msg.message.is_discovery_msg() {
            self.forward_discovery_msg(m.clone());
        }
        if msg.message.pull_msg_type() == PullMsgType::IdentityMsg {
            certstore::handle_message(self, m.as_ref());
        }
    }

    fn handle_channel_message(self: &Arc<Self>, m: Arc<dyn ReceivedMessage>) {
        let msg = m.message();
        let sender = m.connection_info().id.clone();
        match self.channel_for_msg(&msg.message, &sender) {
            None => {
                // Not in the channel: still relay state info of our org's peers inside it.
                if self.is_in_my_org(&sender) && msg.message.is_state_info_msg() {
                    let (added, _) = self.state_info_store.lock().unwrap().add(msg.clone());
                    if added {
                        self.emit(msg.clone(), Some(sender));
                    }
                }
            }
            Some(gc) => {
                if msg.message.is_leadership_msg() {
                    if let Err(e) = self.validate_leadership_msg(msg) {
                        tracing::warn!(target: LOG, "Failed validating LeaderElection message: {e}");
                        return;
                    }
                }
                gc.handle_message(m);
            }
        }
    }

    fn forward_discovery_msg(&self, m: Arc<dyn ReceivedMessage>) {
        if let Some(Content::MemReq(req)) = &m.message().message.content {
            let Some(self_info) = req
                .self_information
                .as_ref()
                .and_then(|e| SignedGossipMessage::from_envelope(e.clone()).ok())
            else {
                tracing::warn!(target: LOG, "Got membership request with invalid selfInfo");
                return;
            };
            if !self_info.message.is_alive_msg() {
                tracing::warn!(target: LOG, "Got membership request with selfInfo that isn't an AliveMessage");
                return;
            }
            if self_info.message.alive_pki_id() != m.connection_info().id {
                tracing::warn!(target: LOG, "Got membership request with selfInfo that doesn't match the handshake");
                return;
            }
        }
        if self.disc_tx.try_send(m).is_err() {
            tracing::warn!(target: LOG, "Membership is not keeping up, dropping a membership message");
        }
    }

    fn join_chan(self: &Arc<Self>, join: &dyn JoinChannelMessage, chain_id: &[u8]) {
        let existing = self.channel(chain_id);
        match existing {
            Some(gc) => gc.configure_channel(join),
            None => {
                let gc = GossipChannel::start(
                    self.pki_id.clone(),
                    self.self_org.clone(),
                    self.deps.mcs.clone(),
                    chain_id.to_vec(),
                    Arc::new(adapters::ChannelAdapter(Arc::downgrade(self))),
                    join,
                    self.conf.channel.clone(),
                );
                self.channels
                    .write()
                    .unwrap()
                    .insert(chain_id.to_vec(), Arc::new(gc));
            }
        }
        let channel = String::from_utf8_lossy(chain_id).into_owned();
        let orgs = join.members();
        tracing::info!(target: LOG, "Joining gossip network of channel {channel} with {} organizations", orgs.len());
        for org in orgs {
            self.learn_anchor_peers(&channel, &org, join);
        }
    }

    fn gossip(&self, msg: GossipMessage) {
        if let Err(e) = msg.is_tag_legal() {
            tracing::error!(target: LOG, "Refusing to gossip a message with an illegal tag: {e}");
            return;
        }
        let signed = if msg.is_data_msg() {
            SignedGossipMessage::noop_sign(msg)
        } else {
            match SignedGossipMessage::signed(msg, |b| self.deps.mcs.sign(b)) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(target: LOG, "Failed signing message: {e}");
                    return;
                }
            }
        };
        if signed.message.is_channel_restricted() {
            let Some(gc) = self.channel(&signed.message.channel) else {
                tracing::warn!(
                    target: LOG,
                    "Failed obtaining gossipChannel of {} aborting",
                    String::from_utf8_lossy(&signed.message.channel)
                );
                return;
            };
            if signed.message.is_data_msg() {
                gc.add_to_msg_store(&signed);
            }
        }
        self.emit(signed, None);
    }

    fn send_by_criteria(
        &self,
        msg: SignedGossipMessage,
        c: SendCriteria,
    ) -> BoxFuture<Result<(), GossipError>> {
        let prepared = (|| {
            if c.max_peers == 0 {
                return Ok(None);
            }
            if c.timeout.is_zero() {
                return Err(GossipError::NoTimeout);
            }
            let members = if c.channel.is_empty() {
                self.disc().get_membership()
            } else {
                let gc = self.channel(&c.channel).ok_or_else(|| {
                    GossipError::NoChannel(String::from_utf8_lossy(&c.channel).into_owned())
                })?;
                gc.get_peers()
            };
            let peers = filter::select_peers(c.max_peers, &members, |m| {
                c.is_eligible.as_ref().is_none_or(|f| f(m))
            });
            if peers.len() < c.min_ack {
                return Err(GossipError::NotEnoughPeers {
                    want: c.min_ack,
                    have: peers.len(),
                });
            }
            Ok(Some(
                self.deps
                    .comm
                    .send_with_ack(&msg, c.timeout, c.min_ack, &peers),
            ))
        })();
        let want = c.min_ack;
        Box::pin(async move {
            let Some(pending) = prepared? else {
                return Ok(());
            };
            let results = pending.await;
            let errors: Vec<String> = results
                .iter()
                .filter_map(|(p, r)| r.as_ref().err().map(|e| format!("{}: {e}", p.endpoint)))
                .collect();
            let acked = results.len() - errors.len();
            if acked < want {
                return Err(GossipError::NotAcked {
                    want,
                    acked,
                    errors: errors.join(", "),
                });
            }
            Ok(())
        })
    }

    fn stop(&self) -> BoxFuture<()> {
        if self.stop_tx.send_replace(true) {
            return Box::pin(async {});
        }
        tracing::info!(target: LOG, "Stopping gossip");
        let channels: Vec<_> = self.channels.read().unwrap().values().cloned().collect();
        let mut stops: Vec<BoxFuture<()>> = channels.iter().map(|c| c.stop()).collect();
        stops.push(self.disc().stop());
        if let Some(p) = self.cert_puller.get() {
            stops.push(p.stop());
        }
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap());
        let comm = self.deps.comm.clone();
        Box::pin(async move {
            for s in stops {
                s.await;
            }
            if tokio::time::timeout(STOP_DEADLINE, async {
                while tasks.join_next().await.is_some() {}
            })
            .await
            .is_err()
            {
                tasks.abort_all();
            }
            comm.stop();
        })
    }
}

impl Gossip for GossipImpl {
    fn self_membership_info(&self) -> NetworkMember {
        self.inner.disc().self_member()
    }

    fn self_channel_info(&self, channel: &[u8]) -> Option<SignedGossipMessage> {
        self.inner.channel(channel)?.self_state_info()
    }

    fn send(&self, msg: GossipMessage, peers: &[RemotePeer]) {
        self.inner
            .deps
            .comm
            .send(&SignedGossipMessage::noop_sign(msg), peers);
    }

    fn send_by_criteria(
        &self,
        msg: SignedGossipMessage,
        criteria: SendCriteria,
    ) -> BoxFuture<Result<(), GossipError>> {
        self.inner.send_by_criteria(msg, criteria)
    }

    fn peers(&self) -> Vec<NetworkMember> {
        self.inner.disc().get_membership()
    }

    fn peers_of_channel(&self, channel: &[u8]) -> Vec<NetworkMember> {
        self.inner
            .channel(channel)
            .map(|gc| gc.get_peers())
            .unwrap_or_default()
    }

    fn update_metadata(&self, md: Vec<u8>) {
        self.inner.disc().update_metadata(md);
    }

    fn update_ledger_height(&self, height: u64, channel: &[u8]) {
        match self.inner.channel(channel) {
            Some(gc) => gc.update_ledger_height(height),
            None => {
                tracing::warn!(target: LOG, "No such channel {}", String::from_utf8_lossy(channel))
            }
        }
    }

    fn update_chaincodes(&self, chaincodes: Vec<Chaincode>, channel: &[u8]) {
        match self.inner.channel(channel) {
            Some(gc) => gc.update_chaincodes(chaincodes),
            None => {
                tracing::warn!(target: LOG, "No such channel {}", String::from_utf8_lossy(channel))
            }
        }
    }

    fn gossip(&self, msg: GossipMessage) {
        self.inner.gossip(msg);
    }

    fn accept(&self, acceptor: GossipMessageAcceptor) -> mpsc::Receiver<GossipMessage> {
        let (tx, rx) = mpsc::channel(ACCEPT_CHAN_SIZE);
        self.inner.subscribers.lock().unwrap().push((acceptor, tx));
        rx
    }

    fn accept_pass_through(
        &self,
        acceptor: MessageAcceptor,
    ) -> mpsc::Receiver<Arc<dyn ReceivedMessage>> {
        self.inner.deps.comm.accept(acceptor)
    }

    fn join_chan(&self, join: &dyn JoinChannelMessage, channel: &[u8]) {
        self.inner.join_chan(join, channel);
    }

    fn leave_chan(&self, channel: &[u8]) {
        match self.inner.channel(channel) {
            Some(gc) => gc.leave_channel(),
            None => {
                tracing::debug!(target: LOG, "No such channel {}", String::from_utf8_lossy(channel))
            }
        }
    }

    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        self.inner.deps.id_mapper.identity_info()
    }

    fn is_in_my_org(&self, member: &NetworkMember) -> bool {
        self.inner.is_in_my_org(&member.pki_id)
    }

    fn stop(&self) -> BoxFuture<()> {
        self.inner.stop()
    }
}

#[cfg(test)]
mod tests;
