//! The Deliver handler shared by the orderer and the peer (Fabric's `common/deliver`), free
//! of gRPC. A client sends signed SeekInfo envelopes; for each one the handler checks the
//! channel header (timestamp within the time window), finds the channel through a
//! [`ChainManager`], checks access with the caller's [`PolicyChecker`] (again whenever the
//! channel's config sequence changes mid-stream, Fabric's `SessionAccessControl`), sends the
//! blocks asked for (waiting for future ones under BLOCK_UNTIL_READY) and ends with a
//! status. A stream ends after the first status that is not SUCCESS, as in Fabric.
//!
//! Block reads and policy checks run on tokio's blocking pool, not on the async runtime.
//! Each stream's answers go through its own bounded queue (the caller's `out`), so a reader
//! that does not keep up holds only its own stream. A stream also ends when the handler's
//! shutdown signal ([`Handler::with_shutdown`]) fires.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio_stream::{Stream, StreamExt};

use crate::flogging::with_causes;
use crate::operations::fabric::{
    DELIVER_BLOCKS_SENT, DELIVER_REQUESTS_COMPLETED, DELIVER_REQUESTS_RECEIVED,
    DELIVER_STREAMS_CLOSED, DELIVER_STREAMS_OPENED,
};
use crate::operations::metrics::{Counter, Metrics};
use crate::policy::SignedData;
use crate::protos::common::{Block, ChannelHeader, Envelope, Status};
use crate::protos::orderer::seek_info::{SeekBehavior, SeekErrorResponse};
use crate::protos::orderer::seek_position::Type as Seek;
use crate::protos::orderer::{SeekInfo, SeekPosition};
use crate::protoutil::{channel_header, decode, payload};

const LOG: &str = "common.deliver";

/// Any error a ledger or policy implementation reports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A block could not be read from a channel's ledger.
#[derive(Debug, thiserror::Error)]
#[error("block {number} could not be read")]
pub struct ReadError {
    pub number: u64,
    #[source]
    pub source: BoxError,
}

/// Why a deliver request may not read a channel.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The channel is not (or no longer) on this node.
    #[error("channel {0} not found")]
    ChannelNotFound(String),
    /// The request's signature data cannot be read.
    #[error("the request's signed data cannot be read")]
    SignedData(#[source] BoxError),
    /// The requester's certificate has expired.
    #[error("client identity expired {0:?} before")]
    Expired(Duration),
    /// The channel's policy (or ACL) does not admit the requester.
    #[error("the requester is not admitted")]
    Denied(#[source] BoxError),
    /// The check did not finish (its worker panicked or the node is stopping).
    #[error("the access check did not finish")]
    Aborted(#[source] tokio::task::JoinError),
}

/// Read access to a channel's chain of blocks (Fabric's `blockledger.Reader`).
pub trait BlockReader: Send + Sync {
    /// The number of blocks (the next block's number).
    fn height(&self) -> u64;
    /// Block `number`, or `None` when the chain is not that high yet. May block (a disk
    /// read); the handler calls it on the blocking pool.
    fn block(&self, number: u64) -> Result<Option<Block>, ReadError>;
    /// A receiver of the height, updated after every new block.
    fn watch_height(&self) -> watch::Receiver<u64>;
}

/// One channel as the handler sees it (Fabric's `deliver.Chain`).
pub trait Chain: Send + Sync {
    /// The current config sequence; a change triggers a new access check.
    fn sequence(&self) -> u64;
    fn reader(&self) -> Arc<dyn BlockReader>;
    /// Turns `true` when the backing consenter failed; `None` when it never does (peer).
    fn errored(&self) -> Option<watch::Receiver<bool>>;
}

/// Finds channels by id (Fabric's `deliver.ChainManager`).
pub trait ChainManager: Send + Sync {
    fn get_chain(&self, channel_id: &str) -> Option<Arc<dyn Chain>>;
}

/// Decides whether the signer of a deliver request may read the channel: the orderer checks
/// `/Channel/Readers`, the peer the ACL of `event/Block` or `event/FilteredBlock`. May
/// block (signature checks); the handler calls it on the blocking pool.
pub trait PolicyChecker: Send + Sync {
    fn check_policy(&self, envelope: &Envelope, channel_id: &str) -> Result<(), AccessError>;
}

/// Turns handler output into the stream's message type (orderer or peer DeliverResponse,
/// full or filtered block).
pub trait ResponseSender: Send + Sync {
    type Response: Send + 'static;
    /// Whether blocks go out filtered: the `filtered` label of the deliver metrics.
    fn filtered(&self) -> bool {
        false
    }
    fn status_response(&self, status: Status) -> Self::Response;
    fn block_response(&self, block: Block) -> Self::Response;
}

/// When a serialized identity expires (Fabric's `crypto.ExpiresAt`); `None` never expires.
pub type ExpiresAt = fn(&[u8]) -> Option<SystemTime>;

/// The client went away while blocks were being sent.
#[derive(Debug, thiserror::Error)]
#[error("the deliver client closed the stream")]
pub struct ClientGone;

/// Fabric's `deliver.Metrics`: streams opened and closed, requests received and
/// completed and blocks sent, counted as Fabric's `Handle` and `deliverBlocks` do.
#[derive(Clone)]
pub struct DeliverMetrics {
    streams_opened: Counter,
    streams_closed: Counter,
    requests_received: Counter,
    requests_completed: Counter,
    blocks_sent: Counter,
}

impl DeliverMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        DeliverMetrics {
            streams_opened: metrics.counter(DELIVER_STREAMS_OPENED),
            streams_closed: metrics.counter(DELIVER_STREAMS_CLOSED),
            requests_received: metrics.counter(DELIVER_REQUESTS_RECEIVED),
            requests_completed: metrics.counter(DELIVER_REQUESTS_COMPLETED),
            blocks_sent: metrics.counter(DELIVER_BLOCKS_SENT),
        }
    }
}

/// Counts a closed stream when dropped, however the stream ended (Fabric's deferred
/// `StreamsClosed.Add(1)`).
struct StreamGuard<'a>(&'a Counter);

impl Drop for StreamGuard<'_> {
    fn drop(&mut self) {
        self.0.add(&[], 1.0);
    }
}

/// Serves deliver requests over the channels of a [`ChainManager`].
pub struct Handler {
    chains: Arc<dyn ChainManager>,
    time_window: Duration,
    expires_at: ExpiresAt,
    shutdown: Option<watch::Receiver<bool>>,
    metrics: DeliverMetrics,
}

/// Where one request's answers go, and who decides access. `out` is the stream's bounded
/// queue: the handler waits for room in it, holding only this stream.
pub struct Server<'a, R: ResponseSender> {
    pub policy_checker: Arc<dyn PolicyChecker>,
    pub sender: &'a R,
    pub out: &'a mpsc::Sender<R::Response>,
}

impl<R: ResponseSender> Server<'_, R> {
    async fn send(&self, response: R::Response) -> Result<(), ClientGone> {
        self.out.send(response).await.map_err(|_| ClientGone)
    }
}

impl Handler {
    /// `time_window` bounds how far a request's timestamp may be from now (zero disables
    /// the check); `expires_at` reads a requester's certificate expiry; `metrics` is the
    /// node's registry the deliver metrics are counted in.
    pub fn new(
        chains: Arc<dyn ChainManager>,
        time_window: Duration,
        expires_at: ExpiresAt,
        metrics: &Metrics,
    ) -> Self {
        Handler {
            chains,
            time_window,
            expires_at,
            shutdown: None,
            metrics: DeliverMetrics::new(metrics),
        }
    }

    /// Ends every stream (after the block being sent) once `shutdown` turns `true` or its
    /// sender is dropped: the hook a server's stop uses.
    pub fn with_shutdown(mut self, shutdown: watch::Receiver<bool>) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Answers every request of a stream until it ends, the client goes away or a request
    /// ends with a status other than SUCCESS (Fabric's `Handle`).
    pub async fn handle<R: ResponseSender>(
        &self,
        mut requests: impl Stream<Item = Envelope> + Unpin,
        server: &Server<'_, R>,
    ) {
        let mut shutdown = self.shutdown.clone();
        self.metrics.streams_opened.add(&[], 1.0);
        let _closed = StreamGuard(&self.metrics.streams_closed);
        let served = async {
            while let Some(env) = requests.next().await {
                match self.handle_request(&env, server).await {
                    Ok(Status::Success) => continue,
                    _ => return,
                }
            }
            tracing::debug!(target: LOG, "Received EOF, hangup");
        };
        tokio::select! {
            () = served => {}
            () = shutting_down(shutdown.as_mut()) => {
                tracing::debug!(target: LOG, "Ending the deliver stream: the server is stopping");
            }
        }
    }

    /// Answers one request: the blocks asked for, then a status, which is returned.
    pub async fn handle_request<R: ResponseSender>(
        &self,
        env: &Envelope,
        server: &Server<'_, R>,
    ) -> Result<Status, ClientGone> {
        let status = self.deliver_blocks(env, server).await?;
        server
            .send(server.sender.status_response(status))
            .await
            .map(|()| status)
    }

    async fn deliver_blocks<R: ResponseSender>(
        &self,
        env: &Envelope,
        server: &Server<'_, R>,
    ) -> Result<Status, ClientGone> {
        let request = match self.parse_request(env) {
            Ok(r) => r,
            Err(status) => return Ok(status),
        };
        let channel = request.chdr.channel_id.clone();
        let Some(chain) = self.chains.get_chain(&channel) else {
            tracing::debug!(target: LOG, "Rejecting deliver because channel {channel} not found");
            return Ok(Status::NotFound);
        };
        let filtered = if server.sender.filtered() {
            "true"
        } else {
            "false"
        };
        let labels = [channel.as_str(), filtered];
        self.metrics.requests_received.add(&labels, 1.0);
        let status = self.serve_chain(env, request, chain.as_ref(), server).await;
        let success = matches!(status, Ok(Status::Success));
        let success = if success { "true" } else { "false" };
        self.metrics
            .requests_completed
            .add(&[channel.as_str(), filtered, success], 1.0);
        status
    }

    /// Serves an accepted request on its channel: the seek, the access check and the blocks.
    async fn serve_chain<R: ResponseSender>(
        &self,
        env: &Envelope,
        request: Request,
        chain: &dyn Chain,
        server: &Server<'_, R>,
    ) -> Result<Status, ClientGone> {
        let channel = request.chdr.channel_id.clone();
        let Ok(seek) = decode::<SeekInfo>("SeekInfo", &request.data) else {
            tracing::warn!(target: LOG,
                "[channel: {channel}] Received a signed deliver request with malformed seekInfo payload");
            return Ok(Status::BadRequest);
        };
        let mut errored = chain.errored();
        if seek.error_response == SeekErrorResponse::BestEffort as i32 {
            errored = None;
        }
        if errored.as_ref().is_some_and(|e| *e.borrow()) {
            tracing::warn!(target: LOG,
                "[channel: {channel}] Rejecting deliver request because of consenter error");
            return Ok(Status::ServiceUnavailable);
        }
        let Ok(mut access) = SessionAc::new(
            env,
            &channel,
            server.policy_checker.clone(),
            self.expires_at,
        ) else {
            return Ok(Status::BadRequest);
        };
        if let Err(e) = access.evaluate(chain.sequence()).await {
            tracing::warn!(target: LOG,
                "[channel: {channel}] Client authorization revoked for deliver request: {}",
                with_causes(&e));
            return Ok(Status::Forbidden);
        }
        let (Some(start), Some(stop)) = (&seek.start, &seek.stop) else {
            tracing::warn!(target: LOG,
                "[channel: {channel}] Received seekInfo message with missing start or stop");
            return Ok(Status::BadRequest);
        };
        let reader = chain.reader();
        let height = reader.height();
        // Fabric's file ledger iterator: a start past the height, or a position of no
        // known type, is NOT_FOUND at once (not a stream waiting for a block that will
        // never come).
        let Some(start_num) = start_number(start, height) else {
            tracing::warn!(target: LOG,
                "[channel: {channel}] Received seekInfo message with a start position past the ledger height {height}");
            return Ok(Status::NotFound);
        };
        let Some(stop_num) = stop_number(start, stop, start_num, height) else {
            tracing::warn!(target: LOG,
                "[channel: {channel}] Received invalid seekInfo message: start number {start_num} greater than stop number");
            return Ok(Status::BadRequest);
        };
        let stream = Session {
            channel: &channel,
            chain,
            cursor: Cursor::new(reader, start_num),
            stop: stop_num,
            fail_if_not_ready: seek.behavior == SeekBehavior::FailIfNotReady as i32,
            errored,
            access,
        };
        stream.run(server, &self.metrics.blocks_sent).await
    }

    fn parse_request(&self, env: &Envelope) -> Result<Request, Status> {
        let Ok(p) = payload(env) else {
            tracing::warn!(target: LOG, "Received an envelope with no payload");
            return Err(Status::BadRequest);
        };
        let Ok(chdr) = channel_header(&p) else {
            tracing::warn!(target: LOG, "Malformed envelope received with bad header");
            return Err(Status::BadRequest);
        };
        if let Err(e) = self.validate_channel_header(&chdr) {
            tracing::warn!(target: LOG, "Rejecting deliver due to envelope validation error: {e}");
            return Err(Status::BadRequest);
        }
        Ok(Request { chdr, data: p.data })
    }

    fn validate_channel_header(&self, chdr: &ChannelHeader) -> Result<(), HeaderError> {
        if self.time_window.is_zero() {
            return Ok(());
        }
        let Some(ts) = &chdr.timestamp else {
            return Err(HeaderError::NoTimestamp);
        };
        let when = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(ts.seconds).unwrap_or(0))
            + Duration::from_nanos(u64::try_from(ts.nanos).unwrap_or(0));
        let now = SystemTime::now();
        let apart = now
            .duration_since(when)
            .or_else(|_| when.duration_since(now))
            .unwrap_or_default();
        if apart > self.time_window {
            return Err(HeaderError::OutsideWindow(self.time_window));
        }
        Ok(())
    }
}

/// Why a request's channel header is refused.
#[derive(Debug, thiserror::Error)]
enum HeaderError {
    #[error("channel header in envelope must contain timestamp")]
    NoTimestamp,
    #[error("envelope timestamp is more than {0:?} apart from current server time")]
    OutsideWindow(Duration),
}

/// Resolves when the shutdown signal fires (or its sender is gone); never without one.
async fn shutting_down(shutdown: Option<&mut watch::Receiver<bool>>) {
    match shutdown {
        Some(rx) => {
            let _ = rx.wait_for(|stop| *stop).await;
        }
        None => std::future::pending().await,
    }
}

struct Request {
    chdr: ChannelHeader,
    data: Vec<u8>,
}

/// One accepted request being served block by block.
struct Session<'a> {
    channel: &'a str,
    chain: &'a dyn Chain,
    cursor: Cursor,
    stop: u64,
    fail_if_not_ready: bool,
    errored: Option<watch::Receiver<bool>>,
    access: SessionAc,
}

impl Session<'_> {
    async fn run<R: ResponseSender>(
        mut self,
        server: &Server<'_, R>,
        blocks_sent: &Counter,
    ) -> Result<Status, ClientGone> {
        let channel = self.channel;
        let filtered = if server.sender.filtered() {
            "true"
        } else {
            "false"
        };
        loop {
            if self.fail_if_not_ready && !self.cursor.ready() {
                return Ok(Status::NotFound);
            }
            let block = tokio::select! {
                b = next_or_error(&mut self.cursor, self.errored.as_mut()) => b,
                _ = server.out.closed() => return Err(ClientGone),
            };
            let block = match block {
                Next::Block(b) => b,
                Next::Errored => {
                    tracing::warn!(target: LOG,
                        "Aborting deliver for request because the backing consensus implementation indicates an error");
                    return Ok(Status::ServiceUnavailable);
                }
                Next::ReadFailed(e) => {
                    tracing::error!(target: LOG,
                        "[channel: {channel}] Error reading from channel, cause was: {}",
                        with_causes(&e));
                    return Ok(Status::ServiceUnavailable);
                }
            };
            if let Err(e) = self.access.evaluate(self.chain.sequence()).await {
                tracing::warn!(target: LOG,
                    "[channel: {channel}] Client authorization revoked for deliver request: {}",
                with_causes(&e));
                return Ok(Status::Forbidden);
            }
            let number = block.header.as_ref().map_or(0, |h| h.number);
            tracing::debug!(target: LOG, "[channel: {channel}] Delivering block [{number}]");
            server.send(server.sender.block_response(block)).await?;
            blocks_sent.add(&[channel, filtered], 1.0);
            if number >= self.stop {
                return Ok(Status::Success);
            }
        }
    }
}

enum Next {
    Block(Block),
    Errored,
    ReadFailed(ReadError),
}

async fn next_or_error(cursor: &mut Cursor, errored: Option<&mut watch::Receiver<bool>>) -> Next {
    let read = async {
        match cursor.next().await {
            Ok(b) => Next::Block(b),
            Err(e) => Next::ReadFailed(e),
        }
    };
    match errored {
        Some(e) => tokio::select! {
            n = read => n,
            _ = e.wait_for(|v| *v) => Next::Errored,
        },
        None => read.await,
    }
}

/// Walks a chain from a starting block, waiting for blocks not yet written.
struct Cursor {
    reader: Arc<dyn BlockReader>,
    next: u64,
    height: watch::Receiver<u64>,
}

impl Cursor {
    fn new(reader: Arc<dyn BlockReader>, start: u64) -> Self {
        let height = reader.watch_height();
        Cursor {
            reader,
            next: start,
            height,
        }
    }

    fn ready(&self) -> bool {
        self.reader.height() > self.next
    }

    async fn next(&mut self) -> Result<Block, ReadError> {
        loop {
            if self.reader.height() > self.next {
                if let Some(block) = self.read(self.next).await? {
                    self.next += 1;
                    return Ok(block);
                }
            }
            if self.height.changed().await.is_err() {
                return Err(ReadError {
                    number: self.next,
                    source: "the ledger was closed".into(),
                });
            }
        }
    }

    /// Reads a block on the blocking pool (a disk read).
    async fn read(&self, number: u64) -> Result<Option<Block>, ReadError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || reader.block(number))
            .await
            .map_err(|e| ReadError {
                number,
                source: Box::new(e),
            })?
    }
}

/// Access of one deliver session: the policy is checked first, then again whenever the
/// channel's config sequence moves; an expired certificate ends the session (Fabric's
/// `SessionAccessControl`). Checks run on the blocking pool.
struct SessionAc {
    envelope: Arc<Envelope>,
    channel_id: Arc<str>,
    checker: Arc<dyn PolicyChecker>,
    session_end: Option<SystemTime>,
    checked_sequence: Option<u64>,
}

impl SessionAc {
    fn new(
        envelope: &Envelope,
        channel_id: &str,
        checker: Arc<dyn PolicyChecker>,
        expires_at: ExpiresAt,
    ) -> Result<Self, AccessError> {
        let signed = SignedData::from_envelope(envelope)
            .map_err(|e| AccessError::SignedData(Box::new(e)))?;
        let session_end = signed.first().and_then(|s| expires_at(&s.identity));
        Ok(SessionAc {
            envelope: Arc::new(envelope.clone()),
            channel_id: channel_id.into(),
            checker,
            session_end,
            checked_sequence: None,
        })
    }

    async fn evaluate(&mut self, sequence: u64) -> Result<(), AccessError> {
        if let Some(end) = self.session_end {
            if let Ok(ago) = SystemTime::now().duration_since(end) {
                return Err(AccessError::Expired(ago));
            }
        }
        if self.checked_sequence == Some(sequence) {
            return Ok(());
        }
        let (checker, envelope, channel) = (
            self.checker.clone(),
            self.envelope.clone(),
            self.channel_id.clone(),
        );
        tokio::task::spawn_blocking(move || checker.check_policy(&envelope, &channel))
            .await
            .map_err(AccessError::Aborted)??;
        self.checked_sequence = Some(sequence);
        Ok(())
    }
}

/// The first block to send, from the start position and the chain height; `None` (Fabric's
/// `NotFoundErrorIterator`) for a specified block past the height or a position of no type.
fn start_number(start: &SeekPosition, height: u64) -> Option<u64> {
    match &start.r#type {
        Some(Seek::Oldest(_)) => Some(0),
        Some(Seek::Newest(_)) => Some(height.saturating_sub(1)),
        Some(Seek::Specified(s)) if s.number > height => None,
        Some(Seek::Specified(s)) => Some(s.number),
        None => None,
    }
}

/// The last block number to send, or `None` when the range is empty (stop before start).
fn stop_number(
    start: &SeekPosition,
    stop: &SeekPosition,
    start_num: u64,
    height: u64,
) -> Option<u64> {
    match &stop.r#type {
        Some(Seek::Oldest(_)) => Some(start_num),
        // Newest..newest is the one block that is newest now, even if more arrive.
        Some(Seek::Newest(_)) if start == stop => Some(start_num),
        Some(Seek::Newest(_)) => Some(height.saturating_sub(1)),
        Some(Seek::Specified(s)) if s.number < start_num => None,
        Some(Seek::Specified(s)) => Some(s.number),
        None => None,
    }
}

#[cfg(test)]
mod tests;
