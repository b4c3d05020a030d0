//! What the facade gives membership and the channels (Fabric's discoveryAdapter,
//! discoverySecurityAdapter, gossipAdapterImpl and disclosurePolicy). Each holds a weak
//! reference: after the facade is gone they do nothing.

use std::sync::{Arc, Weak};
use std::time::Instant;

use super::{Inner, LOG};
use crate::gossip::channel::Adapter;
use crate::gossip::comm::{BoxFuture, ReceivedMessage, RemotePeer, SignedGossipMessage};
use crate::gossip::common::{NetworkMember, OrgId, PeerIdentity, PkiId};
use crate::gossip::discovery::{CommService, CryptoService, EnvelopeFilter, Sieve};
use crate::gossip::protoext::{self, GossipMessageExt};
use crate::gossip::{filter, ProtoextError};
use crate::protos::gossip::{
    gossip_message::Content, secret, Envelope, GossipMessage, MembershipRequest, Secret,
};

pub(super) struct DiscoveryAdapter(pub(super) Weak<Inner>);

impl CommService for DiscoveryAdapter {
    fn gossip(&self, msg: SignedGossipMessage) {
        if let Some(g) = self.0.upgrade() {
            g.emit(msg, None);
        }
    }

    fn forward(&self, msg: Arc<dyn ReceivedMessage>) {
        if let Some(g) = self.0.upgrade() {
            g.emit(
                msg.message().clone(),
                Some(msg.connection_info().id.clone()),
            );
        }
    }

    fn send_to_peer(&self, peer: &NetworkMember, mut msg: SignedGossipMessage) {
        let Some(g) = self.0.upgrade() else {
            return;
        };
        // A membership request to a peer whose PKI-ID we know: show it only what the
        // disclosure policy lets it see of our alive message.
        if let Some(Content::MemReq(req)) = &msg.message.content {
            if !peer.pki_id.is_empty() {
                let self_info = req
                    .self_information
                    .as_ref()
                    .and_then(|e| SignedGossipMessage::from_envelope(e.clone()).ok());
                if let Some(self_info) = self_info {
                    let (_, filter) = disclosure_policy(&self.0, peer);
                    let mut m = msg.message.clone();
                    m.content = Some(Content::MemReq(MembershipRequest {
                        self_information: Some(filter(&self_info)),
                        known: req.known.clone(),
                    }));
                    msg = SignedGossipMessage::noop_sign(m);
                }
            }
        }
        g.deps.comm.send(&msg, &[filter::to_remote_peer(peer)]);
    }

    fn ping(&self, peer: &NetworkMember) -> BoxFuture<bool> {
        let Some(g) = self.0.upgrade() else {
            return Box::pin(async { false });
        };
        let probe = g.deps.comm.probe(&filter::to_remote_peer(peer));
        Box::pin(async move { probe.await.is_ok() })
    }

    fn close_conn(&self, peer: &NetworkMember) {
        if let Some(g) = self.0.upgrade() {
            g.deps.comm.close_conn(&RemotePeer {
                endpoint: String::new(),
                pki_id: peer.pki_id.clone(),
            });
        }
    }
}

pub(super) struct DiscoverySecurityAdapter(pub(super) Weak<Inner>);

impl CryptoService for DiscoverySecurityAdapter {
    /// Fabric's `ValidateAliveMsg`: the identity it carries (learned into the mapper) or the
    /// one known for its PKI-ID must verify its signature.
    fn validate_alive_msg(&self, m: &SignedGossipMessage) -> bool {
        let Some(g) = self.0.upgrade() else {
            return false;
        };
        let Some(Content::AliveMsg(am)) = &m.message.content else {
            return false;
        };
        let Some(member) = &am.membership else {
            return false;
        };
        if member.pki_id.is_empty() || !m.is_signed() {
            tracing::warn!(target: "gossip.discovery", "Invalid alive message");
            return false;
        }
        let id = PkiId(member.pki_id.clone());
        let identity = if !am.identity.is_empty() {
            if let Err(e) = g.deps.id_mapper.put(id.clone(), am.identity.clone()) {
                tracing::debug!(target: "gossip.discovery", "Failed validating identity of {id} reason: {e}");
                return false;
            }
            am.identity.clone()
        } else {
            match g.deps.id_mapper.get(&id) {
                Some(i) => i,
                None => {
                    tracing::debug!(target: "gossip.discovery", "Don't have certificate for {id}");
                    return false;
                }
            }
        };
        match m.verify(&identity, |idt, sig, msg| g.deps.mcs.verify(idt, sig, msg)) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(target: "gossip.discovery", "Failed verifying alive message of {id}: {e}");
                false
            }
        }
    }

    /// Signs an alive message (with our identity during `publishCertPeriod`) and its secret.
    fn sign_message(&self, msg: &GossipMessage, internal_endpoint: &str) -> Option<Envelope> {
        let g = self.0.upgrade()?;
        let mut msg = msg.clone();
        if let Some(Content::AliveMsg(am)) = &mut msg.content {
            if Instant::now() < g.include_identity_until {
                am.identity = g.deps.self_identity.clone();
            }
        }
        let signer = |b: &[u8]| g.deps.mcs.sign(b);
        let mut signed = match SignedGossipMessage::signed(msg, signer) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(target: LOG, "Failed signing message: {e}");
                return None;
            }
        };
        let mut env = signed.envelope.take()?;
        if !internal_endpoint.is_empty() {
            let secret = Secret {
                content: Some(secret::Content::InternalEndpoint(
                    internal_endpoint.to_string(),
                )),
            };
            if let Err(e) = protoext::sign_secret(&mut env, signer, &secret) {
                tracing::warn!(target: LOG, "Failed signing the internal endpoint: {e}");
                return None;
            }
        }
        Some(env)
    }
}

/// Fabric's `disclosurePolicy`: to a peer of another organization, only alive messages of
/// our organization or of its own, and of ours only when both sides have an external
/// endpoint; secrets (internal endpoints) only to our own organization.
pub(super) fn disclosure_policy(
    g: &Weak<Inner>,
    remote: &NetworkMember,
) -> (Sieve, EnvelopeFilter) {
    let remote_org = g.upgrade().and_then(|g| g.org_of_peer(&remote.pki_id));
    let Some(remote_org) = remote_org else {
        tracing::warn!(target: LOG, "Cannot determine organization of {}", remote.preferred_endpoint());
        return (
            Box::new(|_| false),
            Box::new(|m: &SignedGossipMessage| m.envelope.clone().unwrap_or_default()),
        );
    };
    let (gs, self_org) = (
        g.clone(),
        g.upgrade().map(|g| g.self_org.clone()).unwrap_or_default(),
    );
    let remote_has_endpoint = !remote.endpoint.is_empty();
    let ro = remote_org.clone();
    let sieve: Sieve = Box::new(move |m: &SignedGossipMessage| {
        let Some(Content::AliveMsg(am)) = &m.message.content else {
            return false;
        };
        let Some(org) = gs
            .upgrade()
            .and_then(|g| g.org_of_peer(&m.message.alive_pki_id()))
        else {
            return false;
        };
        let from_same_foreign_org = org == ro;
        let from_my_org = org == self_org;
        if !(from_same_foreign_org || from_my_org) {
            return false;
        }
        let has_endpoint = am
            .membership
            .as_ref()
            .is_some_and(|x| !x.endpoint.is_empty());
        org == ro || (has_endpoint && remote_has_endpoint)
    });
    let self_org = g.upgrade().map(|g| g.self_org.clone()).unwrap_or_default();
    let filter: EnvelopeFilter = Box::new(move |m: &SignedGossipMessage| {
        let mut env = m.envelope.clone().unwrap_or_default();
        if self_org != remote_org {
            env.secret_envelope = None;
        }
        env
    });
    (sieve, filter)
}

/// What a channel asks of the facade (Fabric's `gossipAdapterImpl`).
pub(super) struct ChannelAdapter(pub(super) Weak<Inner>);

impl Adapter for ChannelAdapter {
    fn sign(&self, msg: GossipMessage) -> Result<SignedGossipMessage, ProtoextError> {
        let g = self.0.upgrade().ok_or(ProtoextError::GossipStopped)?;
        SignedGossipMessage::signed(msg, |b| g.deps.mcs.sign(b))
    }
    fn gossip(&self, msg: SignedGossipMessage) {
        if let Some(g) = self.0.upgrade() {
            g.emit(msg, None);
        }
    }
    fn forward(&self, msg: Arc<dyn ReceivedMessage>) {
        if let Some(g) = self.0.upgrade() {
            g.emit(
                msg.message().clone(),
                Some(msg.connection_info().id.clone()),
            );
        }
    }
    fn send(&self, msg: SignedGossipMessage, peers: &[RemotePeer]) {
        if let Some(g) = self.0.upgrade() {
            g.deps.comm.send(&msg, peers);
        }
    }
    fn validate_state_info_message(&self, msg: &SignedGossipMessage) -> Result<(), ProtoextError> {
        match self.0.upgrade() {
            Some(g) => g.validate_state_info_msg(msg),
            None => Err(ProtoextError::GossipStopped),
        }
    }
    fn membership(&self) -> Vec<NetworkMember> {
        self.0
            .upgrade()
            .map(|g| g.disc().get_membership())
            .unwrap_or_default()
    }
    fn lookup(&self, pki_id: &PkiId) -> Option<NetworkMember> {
        self.0.upgrade()?.disc().lookup(pki_id)
    }
    fn demultiplex(&self, msg: SignedGossipMessage) {
        if let Some(g) = self.0.upgrade() {
            g.demultiplex(&msg);
        }
    }
    fn org_of_peer(&self, pki_id: &PkiId) -> Option<OrgId> {
        self.0.upgrade()?.org_of_peer(pki_id)
    }
    fn identity_by_pki_id(&self, pki_id: &PkiId) -> Option<PeerIdentity> {
        self.0.upgrade()?.deps.id_mapper.get(pki_id)
    }
}
