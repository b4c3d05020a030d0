//! [`CommImpl`]: Fabric's `commImpl` over tonic. Sending dials on demand (one connection
//! per remote PKI-ID, reused whichever side opened it), received messages go to the
//! subscribers whose acceptor takes them, acks go to the `send_with_ack` waiting for them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use super::conn::{Blocking, Conn, ConnStore, Pending, Sink};
use super::dial::{dial, CommTls};
use super::handshake::{authenticate, connection_msg, read_first};
use super::service::GossipService;
use super::{
    BoxFuture, Comm, CommError, ConnectionInfo, MessageAcceptor, ReceivedMessage, RemotePeer,
    SignedGossipMessage,
};
use crate::comm::client::ClientKeepalive;
use crate::comm::MAX_MESSAGE_SIZE;
use crate::config::GossipConfig;
use crate::gossip::api::SecurityAdvisor;
use crate::gossip::common::{PeerIdentity, PkiId};
use crate::gossip::identity::IdentityMapper;
use crate::gossip::metrics::CommMetrics;
use crate::operations::metrics::Metrics;
use crate::protos::gossip::gossip_message::Content;
use crate::protos::gossip::gossip_server::GossipServer;
use crate::protos::gossip::{Acknowledgement, Empty, GossipMessage};

/// Fabric's `DefConnTimeout`: how long a Ping before a handshake may take.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Fabric's `handshakeTimeout` (the whole `Handshake` call's stream).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Subscribers' buffers (Fabric's `Accept` channel of 10).
const SUBSCRIBER_BUFFER: usize = 10;
/// Presumed-dead notices kept for the reader (Fabric's 100).
const DEAD_BUFFER: usize = 100;

/// How comm connects (Fabric's `CommConfig`, from `peer.gossip.*`, and the TLS material).
#[derive(Debug, Clone)]
pub struct CommConfig {
    pub dial_timeout: Duration,
    /// How long the remote peer's ConnEstablish may take.
    pub conn_timeout: Duration,
    pub recv_buff_size: usize,
    pub send_buff_size: usize,
    pub tls: Option<CommTls>,
    /// HTTP/2 keepalive of dialed connections (`peer.keepalive.client.*`).
    pub keepalive: Option<ClientKeepalive>,
    /// Where connections count messages sent, received and dropped on overflow.
    pub metrics: Option<CommMetrics>,
}

impl CommConfig {
    /// The settings of `peer.gossip` (dialTimeout, connTimeout, recvBuffSize, sendBuffSize).
    pub fn from_gossip(
        g: &GossipConfig,
        keepalive: Option<ClientKeepalive>,
        tls: Option<CommTls>,
    ) -> Self {
        CommConfig {
            keepalive,
            dial_timeout: g.dial_timeout,
            conn_timeout: g.conn_timeout,
            recv_buff_size: usize::try_from(g.recv_buff_size).unwrap_or(0).max(1),
            send_buff_size: usize::try_from(g.send_buff_size).unwrap_or(0).max(1),
            tls,
            metrics: None,
        }
    }

    /// These settings, counting on `metrics` (Fabric's `CommMetrics`) when given.
    pub fn with_metrics(mut self, metrics: Option<&Metrics>) -> Self {
        self.metrics = CommMetrics::new(metrics);
        self
    }
}

struct Subscriber {
    acceptor: MessageAcceptor,
    tx: mpsc::Sender<Arc<dyn ReceivedMessage>>,
}

/// What the service, the connections and the handle share.
pub(crate) struct Shared {
    pub(crate) config: CommConfig,
    pub(crate) pki_id: PkiId,
    pub(crate) identity: PeerIdentity,
    pub(crate) id_mapper: Arc<IdentityMapper>,
    sa: Arc<dyn SecurityAdvisor>,
    pub(crate) store: ConnStore,
    subscribers: Mutex<Vec<Arc<Subscriber>>>,
    acks: Mutex<HashMap<(u64, PkiId), oneshot::Sender<Acknowledgement>>>,
    dead_tx: mpsc::Sender<PkiId>,
    dead_rx: Mutex<Option<mpsc::Receiver<PkiId>>>,
    switch_tx: mpsc::Sender<PkiId>,
    switch_rx: Mutex<Option<mpsc::Receiver<PkiId>>>,
    stopping: AtomicBool,
    next_conn_id: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Presumes `pki_id` dead and drops its connection (Fabric's `disconnect`).
    pub(crate) fn disconnect(&self, pki_id: &PkiId) {
        if self.is_stopping() {
            return;
        }
        if self.dead_tx.try_send(pki_id.clone()).is_err() {
            tracing::debug!(target: "gossip.comm", "presumed-dead queue full, dropping the notice for {pki_id}");
        }
        self.store.close_by_pki_id(pki_id);
    }

    /// A received message: an ack wakes its waiter, anything else goes to every subscriber
    /// whose acceptor takes it (waiting for room, as Fabric's demultiplexer).
    pub(crate) async fn handle(&self, conn: &Arc<Conn>, msg: SignedGossipMessage) {
        if let Some(Content::Ack(ack)) = &msg.message.content {
            let waiter = lock(&self.acks).remove(&(msg.message.nonce, conn.pki_id().clone()));
            if let Some(w) = waiter {
                let _ = w.send(ack.clone());
            }
            return;
        }
        tracing::trace!(target: "gossip.comm", "Got message from {}: {msg}", conn.info);
        let received: Arc<dyn ReceivedMessage> = Arc::new(ReceivedMessageImpl {
            msg,
            conn: conn.clone(),
        });
        let subscribers: Vec<_> = lock(&self.subscribers).clone();
        for sub in subscribers {
            if !(sub.acceptor)(received.as_ref()) {
                continue;
            }
            if sub.tx.send(received.clone()).await.is_err() {
                lock(&self.subscribers).retain(|s| !Arc::ptr_eq(s, &sub));
            }
        }
    }

    /// A connection to `peer`, dialed if there is none (Fabric's `getConnection`).
    async fn connection(self: &Arc<Self>, peer: &RemotePeer) -> Result<Arc<Conn>, CommError> {
        if self.store.is_closing() {
            return Err(CommError::Stopped);
        }
        let dial_lock = self.store.dial_lock(&peer.pki_id);
        let guard = dial_lock.lock().await;
        if let Some(conn) = self.store.get(&peer.pki_id) {
            return Ok(conn);
        }
        let created = self.create_connection(peer).await;
        drop(guard);
        if let Ok(p) = &created {
            tracing::debug!(target: "gossip.comm", "Created new connection to {}, {}", peer.endpoint, p.conn.pki_id());
        }
        self.store.keep_dialed(self, &peer.pki_id, created)
    }

    /// Dials, pings and authenticates (Fabric's `createConnection`).
    async fn create_connection(self: &Arc<Self>, peer: &RemotePeer) -> Result<Pending, CommError> {
        if self.is_stopping() {
            return Err(CommError::Stopped);
        }
        let (incoming, sink, info) = self.open_stream(&peer.endpoint).await?;
        if !peer.pki_id.is_empty() && info.id != peer.pki_id {
            self.pki_id_changed(peer, &info)?;
        }
        Ok(Conn::pending(
            self.next_conn_id(),
            info,
            incoming,
            Sink::Client(sink),
            &self.config,
        ))
    }

    /// A dialed peer answered with another PKI-ID: the same organization means it
    /// changed its identity, another one that it is someone else.
    fn pki_id_changed(&self, peer: &RemotePeer, info: &ConnectionInfo) -> Result<(), CommError> {
        let actual_org = self.sa.org_by_peer_identity(&info.identity);
        let old_org = self
            .id_mapper
            .get(&peer.pki_id)
            .ok()
            .and_then(|id| self.sa.org_by_peer_identity(&id));
        if actual_org != old_org {
            tracing::warn!(target: "gossip.comm", "Remote endpoint claims to be a different peer, expected {} but got {}", peer.pki_id, info.id);
            return Err(CommError::Handshake {
                endpoint: peer.endpoint.clone(),
                reason: "authentication failure".into(),
            });
        }
        tracing::info!(target: "gossip.comm", "Peer {} changed its PKI-ID from {} to {}", peer.endpoint, peer.pki_id, info.id);
        let _ = self.switch_tx.try_send(peer.pki_id.clone());
        Ok(())
    }

    /// Dials `endpoint`, pings it, opens a GossipStream and runs the handshake over it.
    async fn open_stream(
        &self,
        endpoint: &str,
    ) -> Result<
        (
            tonic::Streaming<crate::protos::gossip::Envelope>,
            mpsc::Sender<crate::protos::gossip::Envelope>,
            ConnectionInfo,
        ),
        CommError,
    > {
        let handshake_err = |reason: String| CommError::Handshake {
            endpoint: endpoint.to_string(),
            reason,
        };
        let mut dialed = dial(&self.config, endpoint).await?;
        ping(&mut dialed.client, endpoint).await?;
        let ours = connection_msg(self, true)
            .await
            .map_err(|e| handshake_err(e.to_string()))?;
        let (tx, rx) = mpsc::channel(1);
        tx.send(ours).await.map_err(|_| CommError::Stopped)?;
        if self.config.tls.is_some() && dialed.server_cert_hash.as_ref().is_none_or(Vec::is_empty) {
            tracing::warn!(target: "gossip.comm", "{endpoint} didn't send TLS certificate");
            return Err(handshake_err("No TLS certificate".into()));
        }
        let mut incoming = tokio::time::timeout(
            HANDSHAKE_TIMEOUT,
            dialed.client.gossip_stream(ReceiverStream::new(rx)),
        )
        .await
        .map_err(|_| CommError::Timeout {
            endpoint: endpoint.to_string(),
            timeout: HANDSHAKE_TIMEOUT,
        })?
        .map_err(|s| handshake_err(s.message().to_string()))?
        .into_inner();
        let first = read_first(&mut incoming, self.config.conn_timeout, endpoint)
            .await
            .map_err(|e| handshake_err(e.to_string()))?;
        let info = authenticate(self, first, dialed.server_cert_hash, endpoint)
            .await
            .map_err(|e| {
                tracing::warn!(target: "gossip.comm", "Authentication failed: {e}");
                handshake_err(e.to_string())
            })?;
        Ok((incoming, tx, info))
    }
}

/// Fabric's Ping before a handshake, within [`PING_TIMEOUT`].
async fn ping(
    client: &mut crate::protos::gossip::gossip_client::GossipClient<tonic::transport::Channel>,
    endpoint: &str,
) -> Result<(), CommError> {
    match tokio::time::timeout(PING_TIMEOUT, client.ping(Empty {})).await {
        Err(_) => Err(CommError::Timeout {
            endpoint: endpoint.to_string(),
            timeout: PING_TIMEOUT,
        }),
        Ok(Err(status)) => Err(CommError::Connect {
            endpoint: endpoint.to_string(),
            reason: format!("ping failed: {}", status.message()),
        }),
        Ok(Ok(_)) => Ok(()),
    }
}

impl Shared {
    /// Sends on the connection to `peer`, dialing it if needed; a failure presumes the
    /// peer dead (Fabric's `sendToEndpoint`).
    async fn send_to_endpoint(
        self: &Arc<Self>,
        peer: &RemotePeer,
        env: crate::protos::gossip::Envelope,
        blocking: Blocking,
    ) -> Result<(), CommError> {
        if self.is_stopping() {
            return Err(CommError::Stopped);
        }
        match self.connection(peer).await {
            Ok(conn) => {
                conn.send(env, blocking).await;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(target: "gossip.comm", "Failed obtaining connection for {}, {} reason: {e}", peer.endpoint, peer.pki_id);
                self.disconnect(&peer.pki_id);
                Err(e)
            }
        }
    }

    /// A stream a remote peer opened: handshake, then a connection like any other
    /// (Fabric's `GossipStream`). Errors end the stream with their text.
    pub(crate) async fn serve_stream(
        self: Arc<Self>,
        mut incoming: tonic::Streaming<crate::protos::gossip::Envelope>,
        tx: mpsc::Sender<Result<crate::protos::gossip::Envelope, tonic::Status>>,
        remote_cert_hash: Option<Vec<u8>>,
        address: String,
    ) {
        let result = async {
            if self.config.tls.is_some() && remote_cert_hash.as_ref().is_none_or(Vec::is_empty) {
                tracing::warn!(target: "gossip.comm", "{address} didn't send TLS certificate");
                return Err(super::handshake::HandshakeError::NoTlsCertificate);
            }
            let ours = connection_msg(&self, false).await?;
            if tx.send(Ok(ours)).await.is_err() {
                return Err(super::handshake::HandshakeError::Closed(address.clone()));
            }
            let first = read_first(&mut incoming, self.config.conn_timeout, &address).await?;
            authenticate(&self, first, remote_cert_hash, &address).await
        }
        .await;
        let info = match result {
            Ok(info) => info,
            Err(e) => {
                tracing::error!(target: "gossip.comm", "Authentication failed: {e}");
                let _ = tx.send(Err(tonic::Status::unknown(e.to_string()))).await;
                return;
            }
        };
        tracing::debug!(target: "gossip.comm", "Servicing {address}");
        let pending = Conn::pending(
            self.next_conn_id(),
            info,
            incoming,
            Sink::Server(tx),
            &self.config,
        );
        self.store.on_connected(&self, pending);
    }
}

/// A received message (Fabric's `ReceivedMessageImpl`).
pub(crate) struct ReceivedMessageImpl {
    msg: SignedGossipMessage,
    conn: Arc<Conn>,
}

impl std::fmt::Debug for ReceivedMessageImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} from {}", self.msg, self.conn.info)
    }
}

impl ReceivedMessage for ReceivedMessageImpl {
    fn message(&self) -> &SignedGossipMessage {
        &self.msg
    }

    /// Sends `msg` back unsigned (Fabric's `Respond` NoopSigns); see [`Conn::respond`].
    fn respond(&self, msg: GossipMessage) {
        let env = SignedGossipMessage::noop_sign(msg)
            .envelope
            .unwrap_or_default();
        self.conn.respond(env);
    }

    fn connection_info(&self) -> &ConnectionInfo {
        &self.conn.info
    }

    fn ack(&self, err: Option<String>) {
        self.respond(GossipMessage {
            nonce: self.msg.message.nonce,
            content: Some(Content::Ack(Acknowledgement {
                error: err.unwrap_or_default(),
            })),
            ..GossipMessage::default()
        });
    }
}

/// The gossip connection layer of a peer (Fabric's `commImpl`); see [`Comm`].
#[derive(Clone)]
pub struct CommImpl {
    shared: Arc<Shared>,
}

impl CommImpl {
    /// A comm for the peer whose identity is `identity` (its PKI-ID from the mapper's MCS),
    /// authenticating remote peers through `id_mapper`; serve [`CommImpl::service`] on the
    /// peer's listener for remote peers to reach it.
    pub fn new(
        config: CommConfig,
        identity: PeerIdentity,
        id_mapper: Arc<IdentityMapper>,
        sa: Arc<dyn SecurityAdvisor>,
    ) -> Self {
        let (dead_tx, dead_rx) = mpsc::channel(DEAD_BUFFER);
        let (switch_tx, switch_rx) = mpsc::channel(1);
        CommImpl {
            shared: Arc::new(Shared {
                config,
                pki_id: id_mapper.pki_id_of_cert(&identity),
                identity,
                id_mapper,
                sa,
                store: ConnStore::default(),
                subscribers: Mutex::default(),
                acks: Mutex::default(),
                dead_tx,
                dead_rx: Mutex::new(Some(dead_rx)),
                switch_tx,
                switch_rx: Mutex::new(Some(switch_rx)),
                stopping: AtomicBool::new(false),
                next_conn_id: AtomicU64::new(1),
            }),
        }
    }

    /// The `gossip.Gossip` gRPC service (GossipStream, Ping) with Fabric's message limits.
    pub fn service(&self) -> GossipServer<GossipService> {
        GossipServer::new(GossipService::new(self.shared.clone()))
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    /// PKI-IDs of peers that answered a dial with a new PKI-ID of the same organization
    /// (Fabric's `IdentitySwitch`); the receiver can be taken once.
    pub fn identity_switch(&self) -> mpsc::Receiver<PkiId> {
        take_receiver(&self.shared.switch_rx, "identity_switch")
    }

    /// How many connections are open.
    pub fn connection_count(&self) -> usize {
        self.shared.store.len()
    }

    /// The identity mapper comm authenticates with.
    pub fn id_mapper(&self) -> &Arc<IdentityMapper> {
        &self.shared.id_mapper
    }
}

fn take_receiver(slot: &Mutex<Option<mpsc::Receiver<PkiId>>>, what: &str) -> mpsc::Receiver<PkiId> {
    lock(slot).take().unwrap_or_else(|| {
        tracing::warn!(target: "gossip.comm", "{what}() called twice; the second receiver never yields");
        mpsc::channel(1).1
    })
}

impl Comm for CommImpl {
    fn pki_id(&self) -> PkiId {
        self.shared.pki_id.clone()
    }

    fn send(&self, msg: &SignedGossipMessage, peers: &[RemotePeer]) {
        if self.shared.is_stopping() || peers.is_empty() {
            return;
        }
        let Some(env) = msg.envelope.clone() else {
            tracing::warn!(target: "gossip.comm", "Not sending an unsigned message: {msg}");
            return;
        };
        for peer in peers {
            let shared = self.shared.clone();
            let (peer, env) = (peer.clone(), env.clone());
            tokio::spawn(async move {
                let _ = shared.send_to_endpoint(&peer, env, Blocking::No).await;
            });
        }
    }

    fn send_with_ack(
        &self,
        msg: &SignedGossipMessage,
        timeout: Duration,
        min_ack: usize,
        peers: &[RemotePeer],
    ) -> BoxFuture<Vec<(RemotePeer, Result<(), CommError>)>> {
        let shared = self.shared.clone();
        let mut message = msg.message.clone();
        let peers = peers.to_vec();
        Box::pin(async move {
            if peers.is_empty() {
                return Vec::new();
            }
            if shared.is_stopping() {
                return peers
                    .into_iter()
                    .map(|p| (p, Err(CommError::Stopped)))
                    .collect();
            }
            // a random nonce tells this send's acks from others'; as Fabric, the message
            // goes out unsigned (NoopSign)
            message.nonce = rand::random();
            let env = SignedGossipMessage::noop_sign(message.clone())
                .envelope
                .unwrap_or_default();
            let (tx, mut rx) = mpsc::channel(peers.len());
            for peer in &peers {
                let (ack_tx, ack_rx) = oneshot::channel();
                let key = (message.nonce, peer.pki_id.clone());
                lock(&shared.acks).insert(key.clone(), ack_tx);
                let (shared, peer, env, tx) =
                    (shared.clone(), peer.clone(), env.clone(), tx.clone());
                tokio::spawn(async move {
                    let result = send_and_wait(&shared, &peer, env, ack_rx, timeout).await;
                    lock(&shared.acks).remove(&key);
                    let _ = tx.send((peer, result)).await;
                });
            }
            drop(tx);
            let mut results = Vec::with_capacity(peers.len());
            let mut acked = 0;
            while let Some((peer, result)) = rx.recv().await {
                acked += usize::from(result.is_ok());
                results.push((peer, result));
                if acked == min_ack || results.len() == peers.len() {
                    break;
                }
            }
            results
        })
    }

    fn probe(&self, peer: &RemotePeer) -> BoxFuture<Result<(), CommError>> {
        let shared = self.shared.clone();
        let endpoint = peer.endpoint.clone();
        Box::pin(async move {
            if shared.is_stopping() {
                return Err(CommError::Stopped);
            }
            let mut dialed = dial(&shared.config, &endpoint).await?;
            ping(&mut dialed.client, &endpoint).await
        })
    }

    fn handshake(&self, peer: &RemotePeer) -> BoxFuture<Result<PeerIdentity, CommError>> {
        let shared = self.shared.clone();
        let peer = peer.clone();
        Box::pin(async move {
            if shared.is_stopping() {
                return Err(CommError::Stopped);
            }
            let (_incoming, _tx, info) = shared.open_stream(&peer.endpoint).await?;
            if !peer.pki_id.is_empty() && info.id != peer.pki_id {
                return Err(CommError::Handshake {
                    endpoint: peer.endpoint.clone(),
                    reason: "PKI-ID of remote peer doesn't match expected PKI-ID".into(),
                });
            }
            Ok(info.identity)
        })
    }

    fn accept(&self, acceptor: MessageAcceptor) -> mpsc::Receiver<Arc<dyn ReceivedMessage>> {
        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        if self.shared.is_stopping() {
            tracing::warn!(target: "gossip.comm", "Accept() called but comm module is stopping, returning empty channel");
            return rx;
        }
        lock(&self.shared.subscribers).push(Arc::new(Subscriber { acceptor, tx }));
        rx
    }

    fn presumed_dead(&self) -> mpsc::Receiver<PkiId> {
        take_receiver(&self.shared.dead_rx, "presumed_dead")
    }

    fn close_conn(&self, peer: &RemotePeer) {
        tracing::debug!(target: "gossip.comm", "Closing connection for {}, {}", peer.endpoint, peer.pki_id);
        self.shared.store.close_by_pki_id(&peer.pki_id);
    }

    /// Closes every connection (their tasks end at once) and the subscriptions; new
    /// streams are refused.
    fn stop(&self) {
        if self.shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::info!(target: "gossip.comm", "Stopping");
        self.shared.store.shutdown();
        lock(&self.shared.subscribers).clear();
        lock(&self.shared.acks).clear();
        tracing::info!(target: "gossip.comm", "Stopped");
    }
}

/// Sends blocking, then waits for the ack (Fabric's ack send operation for one peer).
async fn send_and_wait(
    shared: &Arc<Shared>,
    peer: &RemotePeer,
    env: crate::protos::gossip::Envelope,
    ack: oneshot::Receiver<Acknowledgement>,
    timeout: Duration,
) -> Result<(), CommError> {
    let wait = async {
        shared.send_to_endpoint(peer, env, Blocking::Yes).await?;
        match ack.await {
            Ok(a) if a.error.is_empty() => Ok(()),
            Ok(a) => Err(CommError::Other(a.error)),
            Err(_) => Err(CommError::Stopped),
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .unwrap_or_else(|_| {
            Err(CommError::Timeout {
                endpoint: peer.endpoint.clone(),
                timeout,
            })
        })
}
