//! An in-memory network of [`Comm`]s for the unit tests of the layers above comm: messages
//! travel as their envelopes (decoded on arrival, as over gRPC), every queue is bounded and a
//! full queue drops the message (as the real comm does), and a stopped node is unreachable.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prost::Message;
use tokio::sync::mpsc;

use super::{
    BoxFuture, Comm, CommError, ConnectionInfo, MessageAcceptor, ReceivedMessage, RemotePeer,
    SignedGossipMessage,
};
use crate::gossip::common::{PeerIdentity, PkiId};
use crate::protos::gossip::{Envelope, GossipMessage};

const QUEUE: usize = 1000;

struct Node {
    pki_id: PkiId,
    identity: PeerIdentity,
    subscribers: Vec<(MessageAcceptor, mpsc::Sender<Arc<dyn ReceivedMessage>>)>,
    presumed_dead: Vec<mpsc::Sender<PkiId>>,
}

/// The network: nodes by endpoint.
#[derive(Default, Clone)]
pub struct InMemNetwork {
    nodes: Arc<Mutex<HashMap<String, Node>>>,
}

impl InMemNetwork {
    pub fn new() -> Self {
        Self::default()
    }

    /// Joins a node at `endpoint` (replacing a stopped one, as a restart).
    pub fn join(&self, endpoint: &str, pki_id: PkiId, identity: PeerIdentity) -> Arc<InMemComm> {
        self.nodes.lock().unwrap().insert(
            endpoint.to_string(),
            Node {
                pki_id: pki_id.clone(),
                identity: identity.clone(),
                subscribers: Vec::new(),
                presumed_dead: Vec::new(),
            },
        );
        Arc::new(InMemComm {
            net: self.clone(),
            endpoint: endpoint.to_string(),
            pki_id,
            identity,
        })
    }

    fn deliver(&self, from: &InMemComm, env: &Envelope, to: &RemotePeer) -> Result<(), CommError> {
        let mut nodes = self.nodes.lock().unwrap();
        let node = nodes
            .get_mut(&to.endpoint)
            .ok_or_else(|| CommError::Connect {
                endpoint: to.endpoint.clone(),
                reason: "no such node".into(),
            })?;
        if !to.pki_id.is_empty() && to.pki_id != node.pki_id {
            return Err(CommError::Handshake {
                endpoint: to.endpoint.clone(),
                reason: "PKI-ID mismatch".into(),
            });
        }
        let message = GossipMessage::decode(env.payload.as_slice())
            .map_err(|e| CommError::Other(e.to_string()))?;
        let rm: Arc<dyn ReceivedMessage> = Arc::new(InMemReceived {
            msg: SignedGossipMessage {
                message,
                envelope: Some(env.clone()),
            },
            info: ConnectionInfo {
                id: from.pki_id.clone(),
                identity: from.identity.clone(),
                endpoint: from.endpoint.clone(),
                tls_cert_hash: Vec::new(),
            },
            net: self.clone(),
            responder: RemotePeer {
                endpoint: to.endpoint.clone(),
                pki_id: node.pki_id.clone(),
            },
            responder_identity: node.identity.clone(),
            reply_to: RemotePeer {
                endpoint: from.endpoint.clone(),
                pki_id: from.pki_id.clone(),
            },
        });
        node.subscribers.retain(|(_, tx)| !tx.is_closed());
        for (accept, tx) in &node.subscribers {
            if accept(rm.as_ref()) {
                let _ = tx.try_send(rm.clone());
            }
        }
        Ok(())
    }
}

/// One node's comm on the in-memory network.
pub struct InMemComm {
    net: InMemNetwork,
    endpoint: String,
    pki_id: PkiId,
    identity: PeerIdentity,
}

impl InMemComm {
    fn envelope_of(msg: &SignedGossipMessage) -> Envelope {
        msg.envelope.clone().unwrap_or_else(|| Envelope {
            payload: msg.message.encode_to_vec(),
            ..Default::default()
        })
    }
}

impl Comm for InMemComm {
    fn pki_id(&self) -> PkiId {
        self.pki_id.clone()
    }

    fn send(&self, msg: &SignedGossipMessage, peers: &[RemotePeer]) {
        let env = Self::envelope_of(msg);
        for p in peers {
            let _ = self.net.deliver(self, &env, p);
        }
    }

    fn send_with_ack(
        &self,
        msg: &SignedGossipMessage,
        _timeout: Duration,
        _min_ack: usize,
        peers: &[RemotePeer],
    ) -> BoxFuture<Vec<(RemotePeer, Result<(), CommError>)>> {
        let env = Self::envelope_of(msg);
        let res = peers
            .iter()
            .map(|p| (p.clone(), self.net.deliver(self, &env, p)))
            .collect();
        Box::pin(async move { res })
    }

    fn probe(&self, peer: &RemotePeer) -> BoxFuture<Result<(), CommError>> {
        let ok = self.net.nodes.lock().unwrap().contains_key(&peer.endpoint);
        let ep = peer.endpoint.clone();
        Box::pin(async move {
            if ok {
                Ok(())
            } else {
                Err(CommError::Connect {
                    endpoint: ep,
                    reason: "no such node".into(),
                })
            }
        })
    }

    fn handshake(&self, peer: &RemotePeer) -> BoxFuture<Result<PeerIdentity, CommError>> {
        let id = self
            .net
            .nodes
            .lock()
            .unwrap()
            .get(&peer.endpoint)
            .map(|n| n.identity.clone());
        let ep = peer.endpoint.clone();
        Box::pin(async move {
            id.ok_or(CommError::Connect {
                endpoint: ep,
                reason: "no such node".into(),
            })
        })
    }

    fn accept(&self, acceptor: MessageAcceptor) -> mpsc::Receiver<Arc<dyn ReceivedMessage>> {
        let (tx, rx) = mpsc::channel(QUEUE);
        if let Some(n) = self.net.nodes.lock().unwrap().get_mut(&self.endpoint) {
            n.subscribers.push((acceptor, tx));
        }
        rx
    }

    fn presumed_dead(&self) -> mpsc::Receiver<PkiId> {
        let (tx, rx) = mpsc::channel(QUEUE);
        if let Some(n) = self.net.nodes.lock().unwrap().get_mut(&self.endpoint) {
            n.presumed_dead.push(tx);
        }
        rx
    }

    fn close_conn(&self, _peer: &RemotePeer) {}

    fn stop(&self) {
        let mut nodes = self.net.nodes.lock().unwrap();
        if nodes
            .get(&self.endpoint)
            .is_some_and(|n| n.pki_id == self.pki_id)
        {
            nodes.remove(&self.endpoint);
        }
    }
}

#[derive(Debug)]
struct InMemReceived {
    msg: SignedGossipMessage,
    info: ConnectionInfo,
    net: InMemNetwork,
    responder: RemotePeer,
    responder_identity: PeerIdentity,
    reply_to: RemotePeer,
}

impl std::fmt::Debug for InMemNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InMemNetwork")
    }
}

impl ReceivedMessage for InMemReceived {
    fn message(&self) -> &SignedGossipMessage {
        &self.msg
    }
    fn respond(&self, msg: GossipMessage) {
        let me = InMemComm {
            net: self.net.clone(),
            endpoint: self.responder.endpoint.clone(),
            pki_id: self.responder.pki_id.clone(),
            identity: self.responder_identity.clone(),
        };
        let env = Envelope {
            payload: msg.encode_to_vec(),
            ..Default::default()
        };
        let _ = self.net.deliver(&me, &env, &self.reply_to);
    }
    fn connection_info(&self) -> &ConnectionInfo {
        &self.info
    }
    fn ack(&self, _err: Option<String>) {}
}
