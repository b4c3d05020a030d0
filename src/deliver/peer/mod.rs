//! The peer's Deliver service (Fabric's `core/peer/deliverevents.go`): committed blocks of
//! the peer's channels, whole ([`DeliverServer::deliver`]) or filtered
//! ([`DeliverServer::deliver_filtered`]), through the shared
//! [`Handler`](crate::deliver::handler::Handler). Who may read is the ACL of
//! `event/Block` or `event/FilteredBlock` checked with the request envelope.

mod filtered;
pub mod service;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_stream::Stream;

pub use filtered::{filtered_block, FilterError};

use crate::aclmgmt::resources::{EVENT_BLOCK, EVENT_FILTERED_BLOCK};
use crate::aclmgmt::{AclProvider, AclSubject};
use crate::deliver::handler::{
    AccessError, BlockReader, Chain, ChainManager, Handler, PolicyChecker, ReadError,
    ResponseSender, Server,
};
use crate::ledger::PeerLedger;
use crate::msp::cert::expires_at;
use crate::operations::metrics::Metrics;
use crate::peer::{Channel, Peer};
use crate::protos::common::{Block, Envelope, Status};
use crate::protos::peer::{deliver_response, DeliverResponse};

const LOG: &str = "common.deliverevents";

/// The default of `peer.authentication.timewindow` when it is unset or zero.
pub const DEFAULT_TIME_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Serves Deliver and DeliverFiltered over a peer's channels.
pub struct DeliverServer {
    handler: Handler,
    acl: Arc<dyn AclProvider>,
}

impl DeliverServer {
    /// `time_window` is `peer.authentication.timewindow`; zero means Fabric's 15 minutes.
    /// The deliver metrics are counted in `metrics`.
    pub fn new(
        peer: Arc<Peer>,
        acl: Arc<dyn AclProvider>,
        time_window: Duration,
        metrics: &Metrics,
    ) -> Self {
        Self::with_chains(Arc::new(PeerChains(peer)), acl, time_window, metrics)
    }

    /// A server over any set of channels (the peer's, or a test's).
    pub fn with_chains(
        chains: Arc<dyn ChainManager>,
        acl: Arc<dyn AclProvider>,
        time_window: Duration,
        metrics: &Metrics,
    ) -> Self {
        let time_window = if time_window.is_zero() {
            tracing::warn!(target: LOG,
                "`peer.authentication.timewindow` not set; defaulting to {DEFAULT_TIME_WINDOW:?}");
            DEFAULT_TIME_WINDOW
        } else {
            time_window
        };
        DeliverServer {
            handler: Handler::new(chains, time_window, expires_at, metrics),
            acl,
        }
    }

    /// Full blocks, for readers allowed `event/Block`.
    /// Ends every open Deliver stream once `shutdown` turns `true` (or its sender is
    /// dropped): the peer server's stop signal.
    pub fn with_shutdown(mut self, shutdown: watch::Receiver<bool>) -> Self {
        self.handler = self.handler.with_shutdown(shutdown);
        self
    }

    pub async fn deliver(
        &self,
        requests: impl Stream<Item = Envelope> + Unpin,
        out: &mpsc::Sender<DeliverResponse>,
    ) {
        tracing::debug!(target: LOG, "Starting new Deliver handler");
        self.serve(requests, EVENT_BLOCK, &BlockResponses, out)
            .await;
    }

    /// Filtered blocks, for readers allowed `event/FilteredBlock`.
    pub async fn deliver_filtered(
        &self,
        requests: impl Stream<Item = Envelope> + Unpin,
        out: &mpsc::Sender<DeliverResponse>,
    ) {
        tracing::debug!(target: LOG, "Starting new DeliverFiltered handler");
        self.serve(requests, EVENT_FILTERED_BLOCK, &FilteredResponses, out)
            .await;
    }

    async fn serve<R: ResponseSender<Response = DeliverResponse>>(
        &self,
        requests: impl Stream<Item = Envelope> + Unpin,
        resource: &'static str,
        sender: &R,
        out: &mpsc::Sender<DeliverResponse>,
    ) {
        let checker = AclChecker {
            acl: self.acl.clone(),
            resource,
        };
        let server = Server {
            policy_checker: Arc::new(checker),
            sender,
            out,
        };
        self.handler.handle(requests, &server).await;
        tracing::debug!(target: LOG, "Closing Deliver stream");
    }
}

/// The ACL of one event resource, checked with the request envelope.
struct AclChecker {
    acl: Arc<dyn AclProvider>,
    resource: &'static str,
}

impl PolicyChecker for AclChecker {
    fn check_policy(&self, envelope: &Envelope, channel_id: &str) -> Result<(), AccessError> {
        self.acl
            .check_acl(self.resource, channel_id, AclSubject::Envelope(envelope))
            .map_err(|e| AccessError::Denied(Box::new(e)))
    }
}

fn status_response(status: Status) -> DeliverResponse {
    DeliverResponse {
        r#type: Some(deliver_response::Type::Status(status as i32)),
    }
}

struct BlockResponses;

impl ResponseSender for BlockResponses {
    type Response = DeliverResponse;
    fn status_response(&self, status: Status) -> DeliverResponse {
        status_response(status)
    }
    fn block_response(&self, block: Block) -> DeliverResponse {
        DeliverResponse {
            r#type: Some(deliver_response::Type::Block(block)),
        }
    }
}

struct FilteredResponses;

impl ResponseSender for FilteredResponses {
    type Response = DeliverResponse;
    fn filtered(&self) -> bool {
        true
    }
    fn status_response(&self, status: Status) -> DeliverResponse {
        status_response(status)
    }
    /// A block that cannot be filtered becomes a BAD_REQUEST status and the stream goes on,
    /// as in Fabric.
    fn block_response(&self, block: Block) -> DeliverResponse {
        match filtered_block(&block) {
            Ok(fb) => DeliverResponse {
                r#type: Some(deliver_response::Type::FilteredBlock(fb)),
            },
            Err(e) => {
                tracing::warn!(target: LOG, "Failed to generate filtered block due to: {e}");
                status_response(Status::BadRequest)
            }
        }
    }
}

/// The peer's joined channels as deliver chains.
pub struct PeerChains(pub Arc<Peer>);

impl ChainManager for PeerChains {
    fn get_chain(&self, channel_id: &str) -> Option<Arc<dyn Chain>> {
        let channel = self.0.channel(channel_id)?;
        Some(Arc::new(PeerChain(channel)))
    }
}

struct PeerChain(Arc<Channel>);

impl Chain for PeerChain {
    fn sequence(&self) -> u64 {
        self.0.bundle().sequence()
    }
    fn reader(&self) -> Arc<dyn BlockReader> {
        Arc::new(LedgerReader(self.0.ledger().clone()))
    }
    fn errored(&self) -> Option<watch::Receiver<bool>> {
        None
    }
}

/// A peer ledger read block by block.
pub struct LedgerReader(pub Arc<dyn PeerLedger>);

impl BlockReader for LedgerReader {
    fn height(&self) -> u64 {
        *self.0.height_watch().borrow()
    }
    fn block(&self, number: u64) -> Result<Option<Block>, ReadError> {
        if number >= self.height() {
            return Ok(None);
        }
        self.0
            .get_block_by_number(number)
            .map(Some)
            .map_err(|e| ReadError {
                number,
                source: Box::new(e),
            })
    }
    fn watch_height(&self) -> watch::Receiver<u64> {
        self.0.height_watch()
    }
}
