//! Per-channel gossip state (Fabric's `gossip/gossip/channel`): the organizations of the
//! channel (from its join message), the state info each peer publishes for it (ledger
//! height, chaincodes, left-channel), the peers of the channel (members of its organizations
//! that published state info), the store of recent blocks and their pull among the peers of
//! our organization, and leadership messages.

mod handle;
mod stateinfo;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::api::{JoinChannelMessage, MessageCryptoService};
use super::comm::{BoxFuture, ReceivedMessage, RemotePeer, SignedGossipMessage};
use super::common::{NetworkMember, OrgId, PeerIdentity, PkiId};
use super::msgstore::MessageStore;
use super::protoext::GossipMessageExt;
use super::pull::{PullAdapter, PullConfig, PullMediator};
use super::{filter, protoext, ProtoextError};
use crate::config::GossipConfig;
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    Chaincode, DataDigest, GossipMessage, PeerTime, Properties, PullMsgType, StateInfo,
    StateInfoPullRequest,
};

use stateinfo::StateInfoCache;

const LOG: &str = "gossip.channel";
const STOP_DEADLINE: Duration = Duration::from_secs(5);

/// A channel's gossip settings (Fabric's `channel.Config`).
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    pub publish_state_info_interval: Duration,
    pub request_state_info_interval: Duration,
    pub max_block_count_to_store: u64,
    pub pull_peer_num: usize,
    pub pull_interval: Duration,
    pub block_expiration_interval: Duration,
    pub state_info_cache_sweep_interval: Duration,
    pub digest_wait: Duration,
    pub request_wait: Duration,
    pub response_wait: Duration,
    pub msg_expiration_timeout: Duration,
    /// How often changes of the channel's peers are logged (`membershipTrackerInterval`).
    pub membership_tracker_interval: Duration,
}

impl ChannelConfig {
    /// From `peer.gossip.*`, with Fabric's derived intervals.
    pub fn from_gossip(c: &GossipConfig) -> Self {
        ChannelConfig {
            publish_state_info_interval: c.publish_state_info_interval,
            request_state_info_interval: c.request_state_info_interval,
            max_block_count_to_store: c.max_block_count_to_store.max(0) as u64,
            pull_peer_num: c.pull_peer_num.max(0) as usize,
            pull_interval: c.pull_interval,
            block_expiration_interval: c.pull_interval * 100,
            state_info_cache_sweep_interval: c.pull_interval * 5,
            digest_wait: c.digest_wait_time,
            request_wait: c.request_wait_time,
            response_wait: c.response_wait_time,
            msg_expiration_timeout: c.alive_expiration_timeout
                * c.msg_expiration_factor.max(1) as u32,
            membership_tracker_interval: c.membership_tracker_interval,
        }
    }
}

/// What a channel asks of the gossip facade (Fabric's `channel.Adapter`).
pub trait Adapter: Send + Sync {
    /// Signs a message with the peer's identity.
    fn sign(&self, msg: GossipMessage) -> Result<SignedGossipMessage, ProtoextError>;
    /// Gossips a message (push).
    fn gossip(&self, msg: SignedGossipMessage);
    /// Forwards a received message to peers other than its sender.
    fn forward(&self, msg: Arc<dyn ReceivedMessage>);
    /// Sends a message to peers.
    fn send(&self, msg: SignedGossipMessage, peers: &[RemotePeer]);
    /// Checks a state info message's signature.
    fn validate_state_info_message(&self, msg: &SignedGossipMessage) -> Result<(), ProtoextError>;
    /// The alive members.
    fn membership(&self) -> Vec<NetworkMember>;
    /// A member by PKI-ID.
    fn lookup(&self, pki_id: &PkiId) -> Option<NetworkMember>;
    /// Hands a message to the subscribers of gossip's accept.
    fn demultiplex(&self, msg: SignedGossipMessage);
    /// The organization of a peer (from its identity).
    fn org_of_peer(&self, pki_id: &PkiId) -> Option<OrgId>;
    /// The identity of a peer.
    fn identity_by_pki_id(&self, pki_id: &PkiId) -> Option<PeerIdentity>;
}

/// Fabric's `GenerateMAC`: SHA-256 of the PKI-ID followed by the channel name.
pub fn generate_mac(pki_id: &PkiId, channel: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(pki_id.as_bytes());
    h.update(channel);
    h.finalize().to_vec()
}

struct Own {
    orgs: Vec<OrgId>,
    join_seq: Option<u64>,
    state_info: GossipMessage,
    signed: Option<SignedGossipMessage>,
    ledger_height: u64,
}

pub(crate) struct Inner {
    chain_id: Vec<u8>,
    pki_id: PkiId,
    self_org: OrgId,
    mcs: Arc<dyn MessageCryptoService>,
    adapter: Arc<dyn Adapter>,
    conf: ChannelConfig,
    inc_time: u64,
    own: Mutex<Own>,
    left: AtomicBool,
    should_gossip_state_info: AtomicBool,
    blocks: Mutex<MessageStore>,
    puller: PullMediator,
    state_info: Mutex<StateInfoCache>,
    leader_msgs: Mutex<MessageStore>,
    /// The peers of the channel at the membership tracker's last look.
    tracked: Mutex<Vec<NetworkMember>>,
    stop_rx: watch::Receiver<bool>,
}

/// One channel's gossip (Fabric's `gossipChannel`).
pub struct GossipChannel {
    inner: Arc<Inner>,
    stop_tx: watch::Sender<bool>,
    tasks: Mutex<JoinSet<()>>,
}

/// Pulls blocks among the peers of our organization in the channel.
struct BlockPuller(Weak<Inner>);

impl PullAdapter for BlockPuller {
    fn send(&self, msg: SignedGossipMessage, peers: &[RemotePeer]) {
        if let Some(ch) = self.0.upgrade() {
            ch.adapter.send(msg, peers);
        }
    }
    fn membership(&self) -> Vec<NetworkMember> {
        let Some(ch) = self.0.upgrade() else {
            return Vec::new();
        };
        if ch.has_left() {
            return Vec::new();
        }
        ch.adapter
            .membership()
            .into_iter()
            .filter(|m| ch.eligible_for_channel_and_same_org(m))
            .collect()
    }
    fn id_of(&self, msg: &SignedGossipMessage) -> Vec<u8> {
        match &msg.message.content {
            Some(Content::DataMsg(d)) => d
                .payload
                .as_ref()
                .map(|p| p.seq_num.to_string().into_bytes())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
    fn consume(&self, msg: SignedGossipMessage) {
        if let Some(ch) = self.0.upgrade() {
            ch.adapter.demultiplex(msg);
        }
    }
    fn ingress_filter(&self, mut digest: DataDigest) -> DataDigest {
        let Some(ch) = self.0.upgrade() else {
            return digest;
        };
        let height = ch.own.lock().unwrap().ledger_height;
        digest.digests.retain(|d| {
            std::str::from_utf8(d)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|seq| seq >= height)
        });
        digest
    }
}

impl GossipChannel {
    /// Joins `chain_id` as `pki_id` of `org`, configured from `join`.
    pub fn start(
        pki_id: PkiId,
        org: OrgId,
        mcs: Arc<dyn MessageCryptoService>,
        chain_id: Vec<u8>,
        adapter: Arc<dyn Adapter>,
        join: &dyn JoinChannelMessage,
        conf: ChannelConfig,
    ) -> GossipChannel {
        let (stop_tx, stop_rx) = watch::channel(false);
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| {
            let pull_conf = PullConfig {
                msg_type: PullMsgType::BlockMsg,
                channel: chain_id.clone(),
                tag: Tag::ChanAndOrg,
                peer_count: conf.pull_peer_num,
                pull_interval: conf.pull_interval,
                digest_wait: conf.digest_wait,
                request_wait: conf.request_wait,
                response_wait: conf.response_wait,
            };
            Inner {
                puller: PullMediator::start(pull_conf, Arc::new(BlockPuller(weak.clone()))),
                blocks: Mutex::new(MessageStore::new(
                    conf.max_block_count_to_store,
                    Some(conf.block_expiration_interval),
                )),
                state_info: Mutex::new(StateInfoCache::default()),
                leader_msgs: Mutex::new(MessageStore::new(0, Some(conf.msg_expiration_timeout))),
                tracked: Mutex::default(),
                own: Mutex::new(Own {
                    orgs: Vec::new(),
                    join_seq: None,
                    state_info: GossipMessage::default(),
                    signed: None,
                    ledger_height: 0,
                }),
                chain_id,
                pki_id,
                self_org: org,
                mcs,
                adapter,
                conf,
                inc_time: protoext::now_nanos(),
                left: AtomicBool::new(false),
                should_gossip_state_info: AtomicBool::new(false),
                stop_rx,
            }
        });
        inner.update_properties(1, Vec::new(), false);
        inner.setup_signed_state_info_message();
        inner.configure_channel(join);
        let mut tasks = JoinSet::new();
        tasks.spawn(inner.clone().periodically(
            inner.conf.publish_state_info_interval,
            Inner::publish_state_info,
        ));
        tasks.spawn(inner.clone().periodically(
            inner.conf.request_state_info_interval,
            Inner::request_state_info,
        ));
        tasks.spawn(inner.clone().periodically(
            inner.conf.state_info_cache_sweep_interval,
            Inner::sweep_state_info,
        ));
        tasks.spawn(inner.clone().periodically(
            inner.conf.membership_tracker_interval,
            Inner::track_membership,
        ));
        let expiry_tick =
            (inner.conf.block_expiration_interval / 100).max(Duration::from_millis(10));
        tasks.spawn(
            inner
                .clone()
                .periodically(expiry_tick, Inner::expire_messages),
        );
        GossipChannel {
            inner,
            stop_tx,
            tasks: Mutex::new(tasks),
        }
    }

    /// Handles a message of this channel (Fabric's `HandleMessage`).
    pub fn handle_message(&self, msg: Arc<dyn ReceivedMessage>) {
        self.inner.handle_message(msg);
    }

    /// The peers of the channel with their published properties (Fabric's `GetPeers`).
    pub fn get_peers(&self) -> Vec<NetworkMember> {
        self.inner.get_peers()
    }

    /// Whether a member's organization is in the channel.
    pub fn is_member_in_chan(&self, m: &NetworkMember) -> bool {
        self.inner.is_member_in_chan(m)
    }

    /// Whether a member published state info for the channel.
    pub fn eligible_for_channel(&self, m: &NetworkMember) -> bool {
        self.inner.eligible_for_channel(m)
    }

    /// Whether an organization is in the channel.
    pub fn is_org_in_channel(&self, org: &[u8]) -> bool {
        self.inner.is_org_in_channel(org)
    }

    /// Our latest signed state info.
    pub fn self_state_info(&self) -> Option<SignedGossipMessage> {
        self.inner.own.lock().unwrap().signed.clone()
    }

    /// Updates the channel's organizations from a newer config (Fabric's `ConfigureChannel`).
    pub fn configure_channel(&self, join: &dyn JoinChannelMessage) {
        self.inner.configure_channel(join);
    }

    /// Adds a message we created (a block we gossip, our state info) to the stores.
    pub fn add_to_msg_store(&self, msg: &SignedGossipMessage) {
        self.inner.add_to_msg_store(msg);
    }

    /// Publishes a new ledger height at the next tick.
    pub fn update_ledger_height(&self, height: u64) {
        let (ccs, left) = self.inner.own_properties();
        self.inner.update_properties(height, ccs, left);
    }

    /// Publishes new chaincodes at once.
    pub fn update_chaincodes(&self, chaincodes: Vec<Chaincode>) {
        let height = self.inner.own.lock().unwrap().ledger_height;
        let (_, left) = self.inner.own_properties();
        self.inner.update_properties(height, chaincodes, left);
        self.inner.publish_signed_state_info_message();
    }

    /// Leaves the channel: publishes left_channel and stops taking part.
    pub fn leave_channel(&self) {
        self.inner.left.store(true, Ordering::SeqCst);
        let height = self.inner.own.lock().unwrap().ledger_height;
        let (ccs, _) = self.inner.own_properties();
        self.inner.update_properties(height, ccs, true);
    }

    /// Stops the channel's tasks and its block pull.
    pub fn stop(&self) -> BoxFuture<()> {
        let _ = self.stop_tx.send(true);
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap());
        let pull = self.inner.puller.stop();
        Box::pin(async move {
            pull.await;
            if tokio::time::timeout(STOP_DEADLINE, async {
                while tasks.join_next().await.is_some() {}
            })
            .await
            .is_err()
            {
                tasks.abort_all();
            }
        })
    }
}

impl Inner {
    fn has_left(&self) -> bool {
        self.left.load(Ordering::SeqCst)
    }

    async fn periodically(self: Arc<Self>, every: Duration, f: fn(&Inner)) {
        let mut stop = self.stop_rx.clone();
        let every = every.max(Duration::from_millis(1));
        loop {
            tokio::select! {
                // Signing and verifying: on the blocking pool.
                _ = tokio::time::sleep(every) => {
                    let me = self.clone();
                    let _ = tokio::task::spawn_blocking(move || f(&me)).await;
                }
                _ = stop.changed() => return,
            }
        }
    }

    fn own_properties(&self) -> (Vec<Chaincode>, bool) {
        let own = self.own.lock().unwrap();
        match &own.state_info.content {
            Some(Content::StateInfo(si)) => si
                .properties
                .as_ref()
                .map(|p| (p.chaincodes.clone(), p.left_channel))
                .unwrap_or_default(),
            _ => (Vec::new(), false),
        }
    }

    fn update_properties(
        &self,
        ledger_height: u64,
        chaincodes: Vec<Chaincode>,
        left_channel: bool,
    ) {
        let msg = GossipMessage {
            nonce: 0,
            tag: Tag::ChanOrOrg as i32,
            channel: Vec::new(),
            content: Some(Content::StateInfo(StateInfo {
                channel_mac: generate_mac(&self.pki_id, &self.chain_id),
                pki_id: self.pki_id.0.clone(),
                timestamp: Some(PeerTime {
                    inc_num: self.inc_time,
                    seq_num: protoext::now_nanos(),
                }),
                properties: Some(Properties {
                    ledger_height,
                    left_channel,
                    chaincodes,
                }),
            })),
        };
        let mut own = self.own.lock().unwrap();
        own.state_info = msg;
        own.ledger_height = ledger_height;
        self.should_gossip_state_info.store(true, Ordering::SeqCst);
    }

    fn setup_signed_state_info_message(&self) -> Option<SignedGossipMessage> {
        let msg = self.own.lock().unwrap().state_info.clone();
        match self.adapter.sign(msg) {
            Ok(signed) => {
                self.own.lock().unwrap().signed = Some(signed.clone());
                Some(signed)
            }
            Err(e) => {
                tracing::error!(target: LOG, "Failed signing message: {e}");
                None
            }
        }
    }

    fn publish_state_info(&self) {
        if !self.should_gossip_state_info.load(Ordering::SeqCst) {
            return;
        }
        if self.adapter.membership().is_empty() {
            return;
        }
        self.publish_signed_state_info_message();
        self.should_gossip_state_info.store(false, Ordering::SeqCst);
    }

    fn publish_signed_state_info_message(&self) {
        let Some(msg) = self.setup_signed_state_info_message() else {
            return;
        };
        self.state_info_add(&msg);
        self.adapter.gossip(msg);
    }

    fn request_state_info(&self) {
        let req = SignedGossipMessage::noop_sign(GossipMessage {
            tag: Tag::ChanOrOrg as i32,
            nonce: 0,
            channel: Vec::new(),
            content: Some(Content::StateInfoPullReq(StateInfoPullRequest {
                channel_mac: generate_mac(&self.pki_id, &self.chain_id),
            })),
        });
        let members = self.adapter.membership();
        let peers = filter::select_peers(self.conf.pull_peer_num, &members, |m| {
            self.is_member_in_chan(m)
        });
        self.adapter.send(req, &peers);
    }

    fn sweep_state_info(&self) {
        let gone = self
            .state_info
            .lock()
            .unwrap()
            .purge(|id| self.adapter.lookup(id).is_none());
        if !gone.is_empty() {
            tracing::debug!(target: LOG, "Purged state info of {} peers no longer in membership", gone.len());
        }
    }

    /// Adds a block to the store and to the puller (and drops from the puller the blocks it
    /// pushed out of the store's window); returns whether it was added.
    fn add_block(&self, msg: SignedGossipMessage) -> bool {
        let (added, removed) = self.blocks.lock().unwrap().add(msg.clone());
        for old in removed {
            if let Some(Content::DataMsg(d)) = &old.message.content {
                self.puller.remove(
                    d.payload
                        .as_ref()
                        .map_or(0, |p| p.seq_num)
                        .to_string()
                        .as_bytes(),
                );
            }
        }
        if added {
            self.puller.add(msg);
        }
        added
    }

    /// Logs the peers of the channel that went online or offline (Fabric's
    /// membershipTracker).
    fn track_membership(&self) {
        let current = self.get_peers();
        let previous = std::mem::replace(&mut *self.tracked.lock().unwrap(), current.clone());
        let has =
            |set: &[NetworkMember], m: &NetworkMember| set.iter().any(|x| x.pki_id == m.pki_id);
        let offline: Vec<&NetworkMember> = previous.iter().filter(|m| !has(&current, m)).collect();
        let online: Vec<&NetworkMember> = current.iter().filter(|m| !has(&previous, m)).collect();
        if offline.is_empty() && online.is_empty() {
            return;
        }
        let view = endpoints(&current.iter().collect::<Vec<_>>());
        let (off, on) = (endpoints(&offline), endpoints(&online));
        let chan = String::from_utf8_lossy(&self.chain_id);
        match (off.is_empty(), on.is_empty()) {
            (true, _) => {
                tracing::info!(target: LOG, "[{chan}] Membership view has changed. peers went online: {on:?}, current view: {view:?}")
            }
            (_, true) => {
                tracing::info!(target: LOG, "[{chan}] Membership view has changed. peers went offline: {off:?}, current view: {view:?}")
            }
            _ => tracing::info!(
                target: LOG,
                "[{chan}] Membership view has changed. peers went offline: {off:?}, peers went online: {on:?}, current view: {view:?}"
            ),
        }
    }

    fn expire_messages(&self) {
        let expired = self.blocks.lock().unwrap().expire();
        for m in expired {
            if let Some(Content::DataMsg(d)) = &m.message.content {
                let seq = d.payload.as_ref().map_or(0, |p| p.seq_num);
                self.puller.remove(seq.to_string().as_bytes());
            }
        }
        self.leader_msgs.lock().unwrap().expire();
    }

    fn configure_channel(&self, join: &dyn JoinChannelMessage) {
        let members = join.members();
        if members.is_empty() {
            tracing::warn!(target: LOG, "Received join channel message with empty set of members");
            return;
        }
        {
            let mut own = self.own.lock().unwrap();
            if own.join_seq.is_some_and(|s| s > join.sequence_number()) {
                tracing::warn!(
                    target: LOG,
                    "Already have a more updated JoinChannel message({:?}) than {}",
                    own.join_seq,
                    join.sequence_number()
                );
                return;
            }
            own.orgs = members.clone();
            own.join_seq = Some(join.sequence_number());
        }
        self.state_info_revalidate(&members);
    }

    fn is_org_in_channel(&self, org: &[u8]) -> bool {
        self.own.lock().unwrap().orgs.iter().any(|o| o == org)
    }

    fn is_member_in_chan(&self, m: &NetworkMember) -> bool {
        self.adapter
            .org_of_peer(&m.pki_id)
            .is_some_and(|org| self.is_org_in_channel(&org))
    }

    fn eligible_for_channel(&self, m: &NetworkMember) -> bool {
        if self.adapter.identity_by_pki_id(&m.pki_id).is_none() {
            return false;
        }
        self.state_info
            .lock()
            .unwrap()
            .msg_by_id(&m.pki_id)
            .is_some()
    }

    fn eligible_for_channel_and_same_org(&self, m: &NetworkMember) -> bool {
        self.eligible_for_channel(m)
            && self.adapter.org_of_peer(&m.pki_id).as_deref() == Some(self.self_org.as_slice())
    }

    fn get_peers(&self) -> Vec<NetworkMember> {
        if self.has_left() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for mut m in self.adapter.membership() {
            if !self.eligible_for_channel(&m) {
                continue;
            }
            let Some(si) = self.state_info.lock().unwrap().msg_by_id(&m.pki_id) else {
                continue;
            };
            let Some(Content::StateInfo(info)) = &si.message.content else {
                continue;
            };
            if info.properties.as_ref().is_some_and(|p| p.left_channel) {
                continue;
            }
            m.properties = info.properties.clone();
            m.envelope = si.envelope.clone();
            out.push(m);
        }
        out
    }

    fn add_to_msg_store(&self, msg: &SignedGossipMessage) {
        if msg.message.is_data_msg() {
            self.add_block(msg.clone());
        }
        if msg.message.is_state_info_msg() {
            self.state_info_add(msg);
        }
    }
}

/// The endpoints of members as Fabric's membership tracker logs them.
fn endpoints(ms: &[&NetworkMember]) -> Vec<Vec<String>> {
    ms.iter()
        .map(|m| {
            if m.endpoint == m.internal_endpoint || m.internal_endpoint.is_empty() {
                vec![m.endpoint.clone()]
            } else {
                vec![m.endpoint.clone(), m.internal_endpoint.clone()]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
