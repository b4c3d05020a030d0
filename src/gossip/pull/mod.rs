//! Pull (Fabric's `gossip/gossip/algo` pull engine and `gossip/gossip/pull` mediator): every
//! `pullInterval` a peer sends a hello to `pullPeerNum` peers, collects the digests they
//! answer within `digestWaitTime`, requests each item it lacks from one peer that has it, and
//! takes the responses arriving within `responseWaitTime`. As responder it answers a hello
//! with the digest of its items and, for `requestWaitTime` after it, requests with the items.
//! Blocks (per channel) and identities (the cert store) are pulled this way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::comm::{BoxFuture, ReceivedMessage, RemotePeer, SignedGossipMessage};
use super::common::NetworkMember;
use super::filter;
use super::protoext::{self, GossipMessageExt};
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    DataDigest, DataRequest, DataUpdate, GossipHello, GossipMessage, PullMsgType,
};

const LOG: &str = "gossip.pull";
const STOP_DEADLINE: Duration = Duration::from_secs(5);

/// One pull instance's settings (Fabric's `pull.Config` with its `PullEngineConfig`).
#[derive(Debug, Clone)]
pub struct PullConfig {
    pub msg_type: PullMsgType,
    pub channel: Vec<u8>,
    pub tag: Tag,
    pub peer_count: usize,
    pub pull_interval: Duration,
    pub digest_wait: Duration,
    pub request_wait: Duration,
    pub response_wait: Duration,
}

/// Which item ids may be sent to the peer a message came from.
pub type EgressFilter = Box<dyn Fn(&[u8]) -> bool + Send>;

/// What pull asks of the layer that owns it (Fabric's `pull.PullAdapter`).
pub trait PullAdapter: Send + Sync {
    /// Sends a (noop-signed) pull message to peers.
    fn send(&self, msg: SignedGossipMessage, peers: &[RemotePeer]);
    /// The peers to pull from.
    fn membership(&self) -> Vec<NetworkMember>;
    /// The item id (digest) of a message (empty when it has none), raw bytes on the wire.
    fn id_of(&self, msg: &SignedGossipMessage) -> Vec<u8>;
    /// Takes a pulled message.
    fn consume(&self, msg: SignedGossipMessage);
    /// Which of our items the sender of `msg` may get (default: all).
    fn egress_filter(&self, _msg: &dyn ReceivedMessage) -> EgressFilter {
        Box::new(|_| true)
    }
    /// Filters a digest received (default: keeps it).
    fn ingress_filter(&self, digest: DataDigest) -> DataDigest {
        digest
    }
}

#[derive(Default)]
struct PullState {
    items: HashMap<Vec<u8>, SignedGossipMessage>,
    incoming_nonces: HashMap<u64, Instant>,
    outgoing: HashMap<u64, RemotePeer>,
    digests: HashMap<Vec<u8>, Vec<(RemotePeer, u64)>>,
    accepting_digests: bool,
    accepting_responses: bool,
}

struct Inner {
    conf: PullConfig,
    adapter: Arc<dyn PullAdapter>,
    st: Mutex<PullState>,
    stop_rx: watch::Receiver<bool>,
}

/// A running pull instance (Fabric's `pull.Mediator`).
pub struct PullMediator {
    inner: Arc<Inner>,
    stop_tx: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl PullMediator {
    /// Starts pulling every `conf.pull_interval`.
    pub fn start(conf: PullConfig, adapter: Arc<dyn PullAdapter>) -> PullMediator {
        let (stop_tx, stop_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            conf,
            adapter,
            st: Mutex::default(),
            stop_rx,
        });
        let task = tokio::spawn(inner.clone().run());
        PullMediator {
            inner,
            stop_tx,
            task: Mutex::new(Some(task)),
        }
    }

    /// Adds an item we have.
    pub fn add(&self, msg: SignedGossipMessage) {
        let id = self.inner.adapter.id_of(&msg);
        if !id.is_empty() {
            self.inner.st.lock().unwrap().items.insert(id, msg);
        }
    }

    /// Forgets an item.
    pub fn remove(&self, id: &[u8]) {
        self.inner.st.lock().unwrap().items.remove(id);
    }

    /// The ids of the items we have.
    pub fn item_ids(&self) -> Vec<Vec<u8>> {
        self.inner
            .st
            .lock()
            .unwrap()
            .items
            .keys()
            .cloned()
            .collect()
    }

    /// Handles a pull message of our type; `msg` is the message as the caller filtered it
    /// (a data update may have lost items), `from` the message as received (to respond).
    pub fn handle_message(&self, msg: &GossipMessage, from: &dyn ReceivedMessage) {
        if msg.pull_msg_type() != self.inner.conf.msg_type {
            return;
        }
        match &msg.content {
            Some(Content::Hello(h)) => self.inner.on_hello(h.nonce, from),
            Some(Content::DataDig(d)) => {
                let d = self.inner.adapter.ingress_filter(d.clone());
                self.inner.on_digest(&d);
            }
            Some(Content::DataReq(r)) => self.inner.on_request(r, from),
            Some(Content::DataUpdate(u)) => self.inner.on_response(u),
            _ => {}
        }
    }

    /// Stops the pull loop (waiting up to a deadline).
    pub fn stop(&self) -> BoxFuture<()> {
        let _ = self.stop_tx.send(true);
        let task = self.task.lock().unwrap().take();
        Box::pin(async move {
            if let Some(mut t) = task {
                if tokio::time::timeout(STOP_DEADLINE, &mut t).await.is_err() {
                    t.abort();
                }
            }
        })
    }
}

impl Inner {
    fn wrap(&self, content: Content) -> GossipMessage {
        GossipMessage {
            channel: self.conf.channel.clone(),
            tag: self.conf.tag as i32,
            nonce: 0,
            content: Some(content),
        }
    }

    async fn sleep(&self, d: Duration) -> bool {
        let mut stop = self.stop_rx.clone();
        if *stop.borrow() {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => !*stop.borrow(),
            _ = stop.changed() => false,
        }
    }

    async fn run(self: Arc<Self>) {
        while self.sleep(self.conf.pull_interval).await {
            self.round().await;
        }
    }

    /// One pull: hello, digests, requests, responses.
    async fn round(&self) {
        let peers =
            filter::select_peers(self.conf.peer_count, &self.adapter.membership(), |_| true);
        if peers.is_empty() {
            return;
        }
        let mut hellos = Vec::new();
        {
            let mut st = self.st.lock().unwrap();
            st.outgoing.clear();
            st.digests.clear();
            st.accepting_digests = true;
            st.accepting_responses = false;
            for p in peers {
                let nonce = protoext::random_nonce();
                st.outgoing.insert(nonce, p.clone());
                hellos.push((p, nonce));
            }
        }
        let msg_type = self.conf.msg_type as i32;
        for (p, nonce) in hellos {
            let hello = GossipHello {
                nonce,
                metadata: Vec::new(),
                msg_type,
            };
            self.adapter.send(
                SignedGossipMessage::noop_sign(self.wrap(Content::Hello(hello))),
                &[p],
            );
        }
        if !self.sleep(self.conf.digest_wait).await {
            return;
        }
        for (peer, nonce, digests) in self.choose_requests() {
            let req = DataRequest {
                nonce,
                digests,
                msg_type,
            };
            self.adapter.send(
                SignedGossipMessage::noop_sign(self.wrap(Content::DataReq(req))),
                &[peer],
            );
        }
        self.sleep(self.conf.response_wait).await;
        let mut st = self.st.lock().unwrap();
        st.accepting_responses = false;
        st.outgoing.clear();
    }

    /// After the digests: each missing item from one random peer that has it.
    fn choose_requests(&self) -> Vec<(RemotePeer, u64, Vec<Vec<u8>>)> {
        let mut st = self.st.lock().unwrap();
        st.accepting_digests = false;
        st.accepting_responses = true;
        let mut by_peer: HashMap<(RemotePeer, u64), Vec<Vec<u8>>> = HashMap::new();
        let digests = std::mem::take(&mut st.digests);
        for (item, senders) in digests {
            if st.items.contains_key(&item) {
                continue;
            }
            if let Some((p, n)) = senders.choose(&mut rand::thread_rng()) {
                by_peer.entry((p.clone(), *n)).or_default().push(item);
            }
        }
        by_peer.into_iter().map(|((p, n), d)| (p, n, d)).collect()
    }

    fn on_hello(&self, nonce: u64, from: &dyn ReceivedMessage) {
        let allowed = self.adapter.egress_filter(from);
        let digests: Vec<Vec<u8>> = {
            let mut st = self.st.lock().unwrap();
            let wait = self.conf.request_wait;
            st.incoming_nonces.retain(|_, at| at.elapsed() <= wait);
            st.incoming_nonces.insert(nonce, Instant::now());
            st.items.keys().filter(|k| allowed(k)).cloned().collect()
        };
        let digest = DataDigest {
            nonce,
            digests,
            msg_type: self.conf.msg_type as i32,
        };
        from.respond(self.wrap(Content::DataDig(digest)));
    }

    fn on_digest(&self, d: &DataDigest) {
        let mut st = self.st.lock().unwrap();
        if !st.accepting_digests {
            return;
        }
        let Some(sender) = st.outgoing.get(&d.nonce).cloned() else {
            return;
        };
        for item in &d.digests {
            st.digests
                .entry(item.clone())
                .or_default()
                .push((sender.clone(), d.nonce));
        }
    }

    fn on_request(&self, r: &DataRequest, from: &dyn ReceivedMessage) {
        let allowed = self.adapter.egress_filter(from);
        let data = {
            let st = self.st.lock().unwrap();
            let fresh = st
                .incoming_nonces
                .get(&r.nonce)
                .is_some_and(|at| at.elapsed() <= self.conf.request_wait);
            if !fresh {
                tracing::debug!(target: LOG, "Ignoring a request with an unknown nonce {}", r.nonce);
                return;
            }
            r.digests
                .iter()
                .filter(|id| allowed(id))
                .filter_map(|id| st.items.get(id).and_then(|m| m.envelope.clone()))
                .collect::<Vec<_>>()
        };
        let update = DataUpdate {
            nonce: r.nonce,
            data,
            msg_type: self.conf.msg_type as i32,
        };
        from.respond(self.wrap(Content::DataUpdate(update)));
    }

    fn on_response(&self, u: &DataUpdate) {
        for env in &u.data {
            let Ok(msg) = SignedGossipMessage::from_envelope(env.clone()) else {
                tracing::warn!(target: LOG, "Data update contains an invalid message");
                return;
            };
            let id = self.adapter.id_of(&msg);
            self.adapter.consume(msg.clone());
            if !id.is_empty() {
                self.st.lock().unwrap().items.insert(id, msg);
            }
        }
    }
}

#[cfg(test)]
mod tests;
