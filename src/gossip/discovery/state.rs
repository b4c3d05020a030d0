//! The membership tables (Fabric's gossipDiscoveryImpl fields under its lock): last-seen
//! timestamps of alive and dead peers, the members, their latest alive messages, and the
//! alive message store.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;

use super::LOG;
use crate::gossip::comm::SignedGossipMessage;
use crate::gossip::common::{NetworkMember, PkiId};
use crate::gossip::msgstore::MessageStore;
use crate::gossip::protoext::{self, GossipMessageExt};
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    AliveMessage, GossipMessage, Member, PeerTime,
};

/// When a peer was last heard of, and the timestamp it claimed.
#[derive(Debug, Clone)]
pub(super) struct Ts {
    inc_num: u64,
    seq_num: u64,
    last_seen: Instant,
}

impl Ts {
    fn of(t: &PeerTime) -> Ts {
        Ts {
            inc_num: t.inc_num,
            seq_num: t.seq_num,
            last_seen: Instant::now(),
        }
    }

    /// Whether `t` is newer than this (Fabric's `before`).
    fn before(&self, t: &PeerTime) -> bool {
        (self.inc_num == t.inc_num && self.seq_num < t.seq_num) || self.inc_num < t.inc_num
    }
}

pub(super) struct State {
    inc_time: u64,
    seq_num: u64,
    pub(super) self_member: NetworkMember,
    pub(super) dead_last_ts: HashMap<PkiId, Ts>,
    pub(super) alive_last_ts: HashMap<PkiId, Ts>,
    pub(super) id2member: HashMap<PkiId, NetworkMember>,
    pub(super) alive_membership: HashMap<PkiId, SignedGossipMessage>,
    pub(super) dead_membership: HashMap<PkiId, SignedGossipMessage>,
    pub(super) self_alive: Option<SignedGossipMessage>,
    pub(super) msg_store: MessageStore,
}

fn alive_of(m: &SignedGossipMessage) -> Option<&AliveMessage> {
    match &m.message.content {
        Some(Content::AliveMsg(a)) => Some(a),
        _ => None,
    }
}

impl State {
    pub(super) fn new(self_member: NetworkMember, ttl: Duration) -> State {
        State {
            inc_time: protoext::now_nanos(),
            seq_num: 0,
            self_member,
            dead_last_ts: HashMap::new(),
            alive_last_ts: HashMap::new(),
            id2member: HashMap::new(),
            alive_membership: HashMap::new(),
            dead_membership: HashMap::new(),
            self_alive: None,
            msg_store: MessageStore::new(0, Some(ttl)),
        }
    }

    /// The next alive message about ourselves, and our internal endpoint.
    pub(super) fn next_alive_message(&mut self) -> (GossipMessage, String) {
        self.seq_num += 1;
        let me = &self.self_member;
        let msg = GossipMessage {
            tag: Tag::Empty as i32,
            content: Some(Content::AliveMsg(AliveMessage {
                membership: Some(Member {
                    endpoint: me.endpoint.clone(),
                    metadata: me.metadata.clone(),
                    pki_id: me.pki_id.0.clone(),
                }),
                timestamp: Some(PeerTime {
                    inc_num: self.inc_time,
                    seq_num: self.seq_num,
                }),
                identity: Vec::new(),
            })),
            ..Default::default()
        };
        (msg, me.internal_endpoint.clone())
    }

    pub(super) fn membership(&self) -> Vec<NetworkMember> {
        self.alive_membership
            .iter()
            .filter_map(|(id, m)| {
                let member = alive_of(m)?.membership.clone().unwrap_or_default();
                Some(NetworkMember {
                    pki_id: PkiId(member.pki_id),
                    endpoint: member.endpoint,
                    metadata: member.metadata,
                    internal_endpoint: self
                        .id2member
                        .get(id)
                        .map(|x| x.internal_endpoint.clone())
                        .unwrap_or_default(),
                    properties: None,
                    envelope: m.envelope.clone(),
                })
            })
            .collect()
    }

    pub(super) fn random_alive_members(&self, k: usize) -> Vec<NetworkMember> {
        let mut all: Vec<&SignedGossipMessage> = self.alive_membership.values().collect();
        all.shuffle(&mut rand::thread_rng());
        all.into_iter()
            .take(k)
            .filter_map(|m| {
                let member = alive_of(m)?.membership.clone().unwrap_or_default();
                Some(NetworkMember {
                    endpoint: member.endpoint,
                    metadata: member.metadata,
                    pki_id: PkiId(member.pki_id),
                    internal_endpoint: protoext::internal_endpoint(
                        m.envelope.as_ref().and_then(|e| e.secret_envelope.as_ref()),
                    ),
                    ..Default::default()
                })
            })
            .collect()
    }

    pub(super) fn dead_members(&self) -> Vec<NetworkMember> {
        self.dead_last_ts
            .keys()
            .filter_map(|id| self.id2member.get(id).cloned())
            .collect()
    }

    /// Alive peers not heard of for longer than `timeout`.
    pub(super) fn expired_alive(&self, timeout: Duration) -> Vec<PkiId> {
        self.alive_last_ts
            .iter()
            .filter(|(_, ts)| ts.last_seen.elapsed() > timeout)
            .map(|(id, ts)| {
                tracing::warn!(target: LOG, "Haven't heard from {id} for {:?}", ts.last_seen.elapsed());
                id.clone()
            })
            .collect()
    }

    /// Moves alive peers to the dead tables; returns the members moved.
    pub(super) fn move_to_dead(&mut self, dead: &[PkiId]) -> Vec<NetworkMember> {
        let mut moved = Vec::new();
        for id in dead {
            let Some(ts) = self.alive_last_ts.remove(id) else {
                continue;
            };
            if let Some(m) = self.id2member.get(id) {
                moved.push(m.clone());
            }
            self.dead_last_ts.insert(id.clone(), ts);
            if let Some(am) = self.alive_membership.remove(id) {
                self.dead_membership.insert(id.clone(), am);
            }
        }
        moved
    }

    /// Forgets the members whose alive messages expired, except those `keep` protects
    /// (bootstrap and anchor peers).
    pub(super) fn expire_messages(&mut self, keep: impl Fn(&str) -> bool) {
        for m in self.msg_store.expire() {
            let Some(am) = alive_of(&m) else {
                continue;
            };
            let member = am.membership.clone().unwrap_or_default();
            let internal = protoext::internal_endpoint(
                m.envelope.as_ref().and_then(|e| e.secret_envelope.as_ref()),
            );
            if keep(&member.endpoint) || keep(&internal) {
                tracing::debug!(target: LOG, "Do not remove bootstrap or anchor peer endpoint {} from membership", member.endpoint);
                continue;
            }
            tracing::info!(
                target: LOG,
                "Removing member: Endpoint: {}, InternalEndpoint: {internal}, PKIID: {}",
                member.endpoint,
                hex::encode(&member.pki_id)
            );
            self.purge(&PkiId(member.pki_id));
        }
    }

    pub(super) fn purge(&mut self, id: &PkiId) {
        self.alive_membership.remove(id);
        self.dead_membership.remove(id);
        self.id2member.remove(id);
        self.dead_last_ts.remove(id);
        self.alive_last_ts.remove(id);
    }

    /// Fabric's `handleAliveMessage` (the message is valid and not ours).
    pub(super) fn handle_alive_message(&mut self, m: &SignedGossipMessage) {
        let Some(am) = alive_of(m) else {
            return;
        };
        let id = m.message.alive_pki_id();
        let ts = am.timestamp.unwrap_or_default();
        if !self.id2member.contains_key(&id) {
            self.learn_new_members(std::slice::from_ref(m), &[]);
            return;
        }
        if let Some(dead) = self.dead_last_ts.get(&id) {
            if dead.before(&ts) {
                self.resurrect_member(m, &ts);
            }
            return;
        }
        if let Some(alive) = self.alive_last_ts.get(&id) {
            if alive.before(&ts) {
                self.learn_existing_member(m);
            }
        }
    }

    fn resurrect_member(&mut self, m: &SignedGossipMessage, ts: &PeerTime) {
        let id = m.message.alive_pki_id();
        tracing::info!(target: LOG, "Peer {id} is alive again");
        self.alive_last_ts.insert(id.clone(), Ts::of(ts));
        self.update_member(m, true);
        self.dead_last_ts.remove(&id);
        self.dead_membership.remove(&id);
        self.alive_membership.insert(id, m.clone());
    }

    fn learn_existing_member(&mut self, m: &SignedGossipMessage) {
        let id = m.message.alive_pki_id();
        self.update_member(m, true);
        if self.dead_last_ts.contains_key(&id) {
            return;
        }
        let ts = alive_of(m).and_then(|a| a.timestamp).unwrap_or_default();
        if let Some(alive) = self.alive_last_ts.get_mut(&id) {
            *alive = Ts::of(&ts);
            if let Some(stored) = self.alive_membership.get_mut(&id) {
                *stored = m.clone();
            }
        }
    }

    /// Sets a member's endpoint and metadata from its alive message; its internal endpoint
    /// from the message's secret when `secret_first` (else the one already known wins, as
    /// Fabric's learnNewMembers).
    fn update_member(&mut self, m: &SignedGossipMessage, secret_first: bool) {
        let Some(am) = alive_of(m) else {
            return;
        };
        let member = am.membership.clone().unwrap_or_default();
        let id = PkiId(member.pki_id.clone());
        let secret = protoext::internal_endpoint(
            m.envelope.as_ref().and_then(|e| e.secret_envelope.as_ref()),
        );
        let prev = self
            .id2member
            .get(&id)
            .map(|p| p.internal_endpoint.clone())
            .filter(|p| !p.is_empty());
        let internal = match (secret_first, prev) {
            (true, prev) if secret.is_empty() => prev.unwrap_or_default(),
            (true, _) => secret,
            (false, Some(prev)) => prev,
            (false, None) => secret,
        };
        self.id2member.insert(
            id.clone(),
            NetworkMember {
                endpoint: member.endpoint,
                metadata: member.metadata,
                pki_id: id,
                internal_endpoint: internal,
                ..Default::default()
            },
        );
    }

    /// Fabric's `learnNewMembers`.
    pub(super) fn learn_new_members(
        &mut self,
        alive: &[SignedGossipMessage],
        dead: &[SignedGossipMessage],
    ) {
        for (msgs, is_alive) in [(alive, true), (dead, false)] {
            for m in msgs {
                let id = m.message.alive_pki_id();
                if id == self.self_member.pki_id {
                    continue;
                }
                let ts = alive_of(m).and_then(|a| a.timestamp).unwrap_or_default();
                if is_alive {
                    tracing::info!(target: LOG, "Learned about a new alive member: {id}");
                    self.alive_last_ts.insert(id.clone(), Ts::of(&ts));
                    self.alive_membership.insert(id, m.clone());
                } else {
                    self.dead_last_ts.insert(id.clone(), Ts::of(&ts));
                    self.dead_membership.insert(id, m.clone());
                }
                self.update_member(m, false);
            }
        }
    }
}
