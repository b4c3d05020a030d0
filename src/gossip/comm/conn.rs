//! One connection to a remote peer and the store that keeps one per PKI-ID (Fabric's
//! `gossip/comm/conn.go`). A connection is a gRPC `GossipStream`, ours (dialed) or theirs
//! (accepted); either way it has a bounded send buffer drained by a writer task, and a
//! reader task that decodes what arrives into a bounded receive buffer drained by the
//! handler (acks, then the subscribers).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, watch, Semaphore};
use tonic::{Status, Streaming};

use super::comm_impl::CommConfig;
use super::comm_impl::Shared;
use super::{ConnectionInfo, SignedGossipMessage};
use crate::gossip::common::PkiId;
use crate::gossip::metrics::{count, CommMetrics};
use crate::protos::gossip::Envelope;

/// Where a connection's outgoing envelopes go: our request stream (dialed) or our
/// response stream (accepted).
pub(crate) enum Sink {
    Client(mpsc::Sender<Envelope>),
    Server(mpsc::Sender<Result<Envelope, Status>>),
}

impl Sink {
    async fn send(&self, env: Envelope) -> bool {
        match self {
            Sink::Client(tx) => tx.send(env).await.is_ok(),
            Sink::Server(tx) => tx.send(Ok(env)).await.is_ok(),
        }
    }
}

/// Whether a send waits for room in the buffer (acks, responses) or drops (gossip).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocking {
    Yes,
    No,
}

/// One live connection.
pub(crate) struct Conn {
    /// Tells a replaced connection from its successor under the same PKI-ID.
    pub(crate) id: u64,
    pub(crate) info: ConnectionInfo,
    out: mpsc::Sender<Envelope>,
    stop: watch::Sender<bool>,
    closed: AtomicBool,
    /// Responses waiting for room in a full send buffer, at most one buffer's worth.
    waiting_responses: Arc<Semaphore>,
    metrics: Option<CommMetrics>,
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection {} to {}", self.id, self.info)
    }
}

/// A connection authenticated but not yet running: its streams and buffers.
pub(crate) struct Pending {
    pub(crate) conn: Arc<Conn>,
    pub(crate) incoming: Streaming<Envelope>,
    pub(crate) sink: Sink,
    pub(crate) out_rx: mpsc::Receiver<Envelope>,
}

impl Conn {
    /// A connection over these streams, its send buffer holding the configured number of
    /// envelopes, counting on the configured metrics.
    pub(crate) fn pending(
        id: u64,
        info: ConnectionInfo,
        incoming: Streaming<Envelope>,
        sink: Sink,
        config: &CommConfig,
    ) -> Pending {
        let send_buff = config.send_buff_size;
        let (out, out_rx) = mpsc::channel(send_buff.max(1));
        let conn = Arc::new(Conn {
            id,
            info,
            out,
            stop: watch::channel(false).0,
            closed: AtomicBool::new(false),
            waiting_responses: Arc::new(Semaphore::new(send_buff.max(1))),
            metrics: config.metrics.clone(),
        });
        Pending {
            conn,
            incoming,
            sink,
            out_rx,
        }
    }

    pub(crate) fn pki_id(&self) -> &PkiId {
        &self.info.id
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Ends the connection: its tasks stop, its streams are dropped (Fabric's `close`).
    pub(crate) fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            self.stop.send_replace(true);
        }
    }

    async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Queues `env`; when the buffer is full a non-blocking send drops it (Fabric's
    /// `BufferOverflow`), a blocking one waits for room or the close.
    pub(crate) async fn send(&self, env: Envelope, blocking: Blocking) {
        if self.is_closed() {
            tracing::debug!(target: "gossip.comm", "Aborting send() to {} because connection is closing", self.info.endpoint);
            return;
        }
        match self.out.try_send(env) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(env)) if blocking == Blocking::Yes => {
                tokio::select! {
                    _ = self.out.send(env) => {}
                    _ = self.stopped() => {}
                }
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                count(self.metrics.as_ref().map(|m| &m.buffer_overflow));
                tracing::debug!(target: "gossip.comm", "Buffer to {} overflowed, dropping message", self.info.endpoint);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

impl Conn {
    /// Queues a response (Fabric's blocking `Respond`) from code that cannot wait: with
    /// the buffer full it waits in a task, as long as fewer than a buffer's worth of
    /// responses already do; beyond that the response is dropped.
    pub(crate) fn respond(self: &Arc<Self>, env: Envelope) {
        let env = match self.out.try_send(env) {
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => return,
            Err(mpsc::error::TrySendError::Full(env)) => env,
        };
        match self.waiting_responses.clone().try_acquire_owned() {
            Ok(permit) => {
                let conn = self.clone();
                tokio::spawn(async move {
                    conn.send(env, Blocking::Yes).await;
                    drop(permit);
                });
            }
            Err(_) => {
                count(self.metrics.as_ref().map(|m| &m.buffer_overflow));
                tracing::debug!(target: "gossip.comm", "Buffer to {} overflowed, dropping a response", self.info.endpoint);
            }
        }
    }
}

impl Pending {
    /// Starts the writer, reader and handler tasks of the connection.
    pub(crate) fn start(self, shared: &Arc<Shared>) {
        let Pending {
            conn,
            incoming,
            sink,
            out_rx,
        } = self;
        let (msg_tx, msg_rx) = mpsc::channel(shared.config.recv_buff_size.max(1));
        tokio::spawn(write_loop(shared.clone(), conn.clone(), sink, out_rx));
        tokio::spawn(read_loop(shared.clone(), conn.clone(), incoming, msg_tx));
        tokio::spawn(handle_loop(shared.clone(), conn, msg_rx));
    }
}

/// Fabric's `writeToStream`: a failed write presumes the peer dead.
async fn write_loop(
    shared: Arc<Shared>,
    conn: Arc<Conn>,
    sink: Sink,
    mut out_rx: mpsc::Receiver<Envelope>,
) {
    loop {
        let env = tokio::select! {
            _ = conn.stopped() => return,
            env = out_rx.recv() => match env {
                Some(env) => env,
                None => return,
            },
        };
        if !sink.send(env).await {
            tracing::warn!(target: "gossip.comm", "{} isn't responsive: the stream is closed", conn.info);
            shared.disconnect(conn.pki_id());
            conn.close();
            return;
        }
        count(conn.metrics.as_ref().map(|m| &m.sent_messages));
    }
}

/// Fabric's `readFromStream`: an error, an end of stream, an oversized or malformed
/// message ends the connection.
async fn read_loop(
    shared: Arc<Shared>,
    conn: Arc<Conn>,
    mut incoming: Streaming<Envelope>,
    msg_tx: mpsc::Sender<SignedGossipMessage>,
) {
    loop {
        let next = tokio::select! {
            _ = conn.stopped() => return,
            next = incoming.message() => next,
        };
        let env = match next {
            Ok(Some(env)) => env,
            Ok(None) => {
                tracing::debug!(target: "gossip.comm", "{} closed the stream", conn.info);
                break;
            }
            Err(status) => {
                tracing::warn!(target: "gossip.comm", "Got error from {}, closing the connection: {}", conn.info, status.message());
                break;
            }
        };
        count(conn.metrics.as_ref().map(|m| &m.received_messages));
        match SignedGossipMessage::from_envelope(env) {
            Ok(msg) => {
                tokio::select! {
                    _ = conn.stopped() => return,
                    _ = msg_tx.send(msg) => {}
                }
            }
            Err(e) => {
                tracing::warn!(target: "gossip.comm", "Got error from {}, closing the connection: {e}", conn.info);
                break;
            }
        }
    }
    shared.store.remove(&conn);
    conn.close();
}

/// Fabric's handler chain: acks go to their waiters, the rest to the subscribers.
async fn handle_loop(
    shared: Arc<Shared>,
    conn: Arc<Conn>,
    mut msg_rx: mpsc::Receiver<SignedGossipMessage>,
) {
    loop {
        let msg = tokio::select! {
            _ = conn.stopped() => return,
            msg = msg_rx.recv() => match msg {
                Some(msg) => msg,
                None => return,
            },
        };
        shared.handle(&conn, msg).await;
    }
}

/// The connections by remote PKI-ID (Fabric's `connectionStore`).
#[derive(Default)]
pub(crate) struct ConnStore {
    state: Mutex<StoreState>,
}

#[derive(Default)]
struct StoreState {
    closing: bool,
    conns: HashMap<PkiId, Arc<Conn>>,
    /// One dial at a time per destination.
    dialing: HashMap<PkiId, Arc<tokio::sync::Mutex<()>>>,
}

impl ConnStore {
    fn lock(&self) -> MutexGuard<'_, StoreState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.lock().closing
    }

    pub(crate) fn get(&self, pki_id: &PkiId) -> Option<Arc<Conn>> {
        self.lock().conns.get(pki_id).cloned()
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().conns.len()
    }

    /// The lock serializing dials to `pki_id`.
    pub(crate) fn dial_lock(&self, pki_id: &PkiId) -> Arc<tokio::sync::Mutex<()>> {
        self.lock()
            .dialing
            .entry(pki_id.clone())
            .or_default()
            .clone()
    }

    /// Keeps a dialed connection unless one to the same peer appeared meanwhile (that one
    /// is returned and `pending` dropped); a connection under the peer's new PKI-ID is
    /// replaced (Fabric's `getConnection`, after the dial).
    pub(crate) fn keep_dialed(
        &self,
        shared: &Arc<Shared>,
        expected: &PkiId,
        pending: Result<Pending, super::CommError>,
    ) -> Result<Arc<Conn>, super::CommError> {
        let mut state = self.lock();
        state.dialing.remove(expected);
        if state.closing {
            return Err(super::CommError::Stopped);
        }
        if let Some(existing) = state.conns.get(expected) {
            return Ok(existing.clone());
        }
        let pending = pending?;
        let conn = pending.conn.clone();
        if let Some(old) = state.conns.insert(conn.pki_id().clone(), conn.clone()) {
            old.close();
        }
        drop(state);
        pending.start(shared);
        Ok(conn)
    }

    /// Registers an accepted connection, closing the one it replaces (Fabric's
    /// `onConnected`).
    pub(crate) fn on_connected(&self, shared: &Arc<Shared>, pending: Pending) -> Option<Arc<Conn>> {
        let mut state = self.lock();
        if state.closing {
            return None;
        }
        let conn = pending.conn.clone();
        if let Some(old) = state.conns.insert(conn.pki_id().clone(), conn.clone()) {
            old.close();
        }
        drop(state);
        pending.start(shared);
        Some(conn)
    }

    /// Forgets `conn` if it is still the connection of its PKI-ID.
    pub(crate) fn remove(&self, conn: &Conn) {
        let mut state = self.lock();
        if state
            .conns
            .get(conn.pki_id())
            .is_some_and(|c| c.id == conn.id)
        {
            state.conns.remove(conn.pki_id());
        }
    }

    /// Closes and forgets the connection of `pki_id`, if any.
    pub(crate) fn close_by_pki_id(&self, pki_id: &PkiId) {
        if let Some(conn) = self.lock().conns.remove(pki_id) {
            conn.close();
        }
    }

    /// Closes every connection and refuses new ones.
    pub(crate) fn shutdown(&self) {
        let conns: Vec<_> = {
            let mut state = self.lock();
            state.closing = true;
            state.conns.drain().map(|(_, c)| c).collect()
        };
        for conn in conns {
            conn.close();
        }
    }
}
