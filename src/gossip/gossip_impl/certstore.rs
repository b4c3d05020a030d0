//! Identities pulled among peers (Fabric's `certStore`): each peer offers its signed
//! PeerIdentity message through an IDENTITY_MSG pull; identities pulled are checked (PKI-ID,
//! signature, MSP validation) before they reach the identity mapper. Peers of another
//! organization get only identities of their organization or ours, of peers with an
//! external endpoint.

use std::sync::{Arc, Weak};

use super::{Inner, LOG};
use crate::gossip::comm::{ReceivedMessage, RemotePeer, SignedGossipMessage};
use crate::gossip::common::{NetworkMember, PkiId};
use crate::gossip::protoext::{GossipMessageExt, ProtoextError};
use crate::gossip::pull::{EgressFilter, PullAdapter, PullConfig, PullMediator};
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    GossipMessage, PeerIdentity, PullMsgType,
};

struct CertPuller(Weak<Inner>);

fn identity_of(m: &SignedGossipMessage) -> Option<&PeerIdentity> {
    match &m.message.content {
        Some(Content::PeerIdentity(p)) => Some(p),
        _ => None,
    }
}

impl PullAdapter for CertPuller {
    fn send(&self, msg: SignedGossipMessage, peers: &[RemotePeer]) {
        if let Some(g) = self.0.upgrade() {
            g.deps.comm.send(&msg, peers);
        }
    }
    fn membership(&self) -> Vec<NetworkMember> {
        self.0
            .upgrade()
            .map(|g| g.disc().get_membership())
            .unwrap_or_default()
    }
    fn id_of(&self, msg: &SignedGossipMessage) -> Vec<u8> {
        identity_of(msg)
            .map(|p| p.pki_id.clone())
            .unwrap_or_default()
    }
    fn consume(&self, msg: SignedGossipMessage) {
        let Some(g) = self.0.upgrade() else {
            return;
        };
        let Some(p) = identity_of(&msg).filter(|p| !p.cert.is_empty() && !p.pki_id.is_empty())
        else {
            tracing::warn!(target: LOG, "Invalid PeerIdentity");
            return;
        };
        if let Err(e) = g
            .deps
            .id_mapper
            .put(PkiId(p.pki_id.clone()), p.cert.clone())
        {
            tracing::warn!(target: LOG, "Failed associating PKI-ID with certificate: {e}");
        }
    }
    /// Fabric's `sameOrgOrOurOrgPullFilter`.
    fn egress_filter(&self, msg: &dyn ReceivedMessage) -> EgressFilter {
        let Some(g) = self.0.upgrade() else {
            return Box::new(|_| false);
        };
        let Some(peer_org) = g
            .deps
            .sa
            .org_by_peer_identity(&msg.connection_info().identity)
        else {
            tracing::warn!(target: LOG, "Failed determining organization of {}", msg.connection_info().endpoint);
            return Box::new(|_| false);
        };
        if peer_org == g.self_org {
            return Box::new(|_| true);
        }
        let weak = self.0.clone();
        Box::new(move |item: &[u8]| {
            let Some(g) = weak.upgrade() else {
                return false;
            };
            let id = PkiId(item.to_vec());
            let Some(org) = g.org_of_peer(&id) else {
                return false;
            };
            g.has_external_endpoint(&id) && (org == g.self_org || org == peer_org)
        })
    }
}

/// Starts the identity pull, offering our own identity.
pub(super) fn start(g: &Arc<Inner>) {
    let c = &g.conf;
    let conf = PullConfig {
        msg_type: PullMsgType::IdentityMsg,
        channel: Vec::new(),
        tag: Tag::Empty,
        peer_count: c.pull_peer_num,
        pull_interval: c.pull_interval,
        digest_wait: c.digest_wait,
        request_wait: c.request_wait,
        response_wait: c.response_wait,
    };
    if let Err(e) = g
        .deps
        .id_mapper
        .put(g.pki_id.clone(), g.deps.self_identity.clone())
    {
        tracing::error!(target: LOG, "Failed associating self PKIID to cert: {e}");
    }
    let puller = PullMediator::start(conf, Arc::new(CertPuller(Arc::downgrade(g))));
    let msg = GossipMessage {
        channel: Vec::new(),
        nonce: 0,
        tag: Tag::Empty as i32,
        content: Some(Content::PeerIdentity(PeerIdentity {
            pki_id: g.pki_id.0.clone(),
            cert: g.deps.self_identity.clone(),
            metadata: Vec::new(),
        })),
    };
    match SignedGossipMessage::signed(msg, |b| g.deps.mcs.sign(b)) {
        Ok(m) => puller.add(m),
        Err(e) => tracing::error!(target: LOG, "Failed creating self identity message: {e}"),
    }
    let _ = g.cert_puller.set(puller);
}

fn validate_identity_msg(g: &Inner, m: &SignedGossipMessage) -> Result<(), ProtoextError> {
    let p = identity_of(m).ok_or(ProtoextError::WrongKind("an identity message"))?;
    let claimed = PkiId(p.pki_id.clone());
    if g.deps.mcs.pki_id_of_cert(&p.cert) != claimed {
        return Err(ProtoextError::UnknownIdentity(claimed));
    }
    m.verify(&p.cert, |idt, sig, msg| g.deps.mcs.verify(idt, sig, msg))?;
    g.deps
        .mcs
        .validate_identity(&p.cert)
        .map_err(|e| ProtoextError::Verify(e.into()))
}

/// An identity pull message: a data update is dropped whole if one identity is invalid.
pub(super) fn handle_message(g: &Inner, m: &dyn ReceivedMessage) {
    if let Some(Content::DataUpdate(u)) = &m.message().message.content {
        for env in &u.data {
            let valid = SignedGossipMessage::from_envelope(env.clone()).and_then(|im| {
                if !im.message.is_identity_msg() {
                    return Err(ProtoextError::WrongKind("an identity message"));
                }
                validate_identity_msg(g, &im)
            });
            if let Err(e) = valid {
                tracing::warn!(target: LOG, "Failed validating identity message: {e}");
                return;
            }
        }
    }
    if let Some(p) = g.cert_puller.get() {
        p.handle_message(&m.message().message, m);
    }
}
