//! The orderer's Deliver (Fabric's `orderer/common/server` wiring of `common/deliver`): the
//! shared [`crate::deliver::handler::Handler`] over the registrar's channels, with the
//! channel's `/Channel/Readers` policy deciding who may read.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_stream::Stream;

use super::ledger::LedgerRef;
use super::msgprocessor::CHANNEL_READERS;
use super::multichannel::{ChainSupport, Registrar};
use crate::deliver::handler::{
    AccessError, BlockReader, Chain, ChainManager, Handler, PolicyChecker, ReadError,
    ResponseSender, Server,
};
use crate::msp::cert::expires_at;
use crate::operations::metrics::Metrics;
use crate::policy::SignedData;
use crate::protos::common::{Block, Envelope, Status};
use crate::protos::orderer::{deliver_response, DeliverResponse};

/// Serves Deliver requests from the registrar's channels.
pub struct DeliverHandler {
    handler: Handler,
    readers: Arc<ReadersPolicy>,
}

impl DeliverHandler {
    /// `time_window` is General.Authentication.TimeWindow (zero disables the check); the
    /// deliver metrics are counted in `metrics`.
    pub fn new(registrar: Arc<Registrar>, time_window: Duration, metrics: &Metrics) -> Self {
        let chains = Arc::new(RegistrarChains(registrar.clone()));
        DeliverHandler {
            handler: Handler::new(chains, time_window, expires_at, metrics),
            readers: Arc::new(ReadersPolicy(registrar)),
        }
    }

    /// Ends every open Deliver stream once `shutdown` turns `true` (or its sender is
    /// dropped): the server's stop signal.
    pub fn with_shutdown(mut self, shutdown: watch::Receiver<bool>) -> Self {
        self.handler = self.handler.with_shutdown(shutdown);
        self
    }

    /// Answers the requests of one Deliver stream until it ends or a request fails.
    pub async fn handle(
        &self,
        requests: impl Stream<Item = Envelope> + Unpin,
        out: &mpsc::Sender<DeliverResponse>,
    ) {
        let server = Server {
            policy_checker: self.readers.clone(),
            sender: &OrdererResponses,
            out,
        };
        self.handler.handle(requests, &server).await;
    }
}

struct OrdererResponses;

impl ResponseSender for OrdererResponses {
    type Response = DeliverResponse;
    fn status_response(&self, status: Status) -> DeliverResponse {
        DeliverResponse {
            r#type: Some(deliver_response::Type::Status(status as i32)),
        }
    }
    fn block_response(&self, block: Block) -> DeliverResponse {
        DeliverResponse {
            r#type: Some(deliver_response::Type::Block(block)),
        }
    }
}

struct RegistrarChains(Arc<Registrar>);

impl ChainManager for RegistrarChains {
    fn get_chain(&self, channel_id: &str) -> Option<Arc<dyn Chain>> {
        let support = self.0.get_chain(channel_id)?;
        Some(Arc::new(OrdererChain(support)))
    }
}

struct OrdererChain(Arc<ChainSupport>);

impl Chain for OrdererChain {
    fn sequence(&self) -> u64 {
        self.0.bundle().sequence()
    }
    fn reader(&self) -> Arc<dyn BlockReader> {
        Arc::new(LedgerReader(self.0.ledger().clone()))
    }
    fn errored(&self) -> Option<watch::Receiver<bool>> {
        self.0.chain().map(|c| c.errored())
    }
}

struct LedgerReader(LedgerRef);

impl BlockReader for LedgerReader {
    fn height(&self) -> u64 {
        self.0.height()
    }
    fn block(&self, number: u64) -> Result<Option<Block>, ReadError> {
        self.0.block(number).map_err(|e| ReadError {
            number,
            source: Box::new(e),
        })
    }
    fn watch_height(&self) -> watch::Receiver<u64> {
        self.0.watch_height()
    }
}

/// The channel's Readers policy over the request's signature.
struct ReadersPolicy(Arc<Registrar>);

impl PolicyChecker for ReadersPolicy {
    fn check_policy(&self, envelope: &Envelope, channel_id: &str) -> Result<(), AccessError> {
        let support = self
            .0
            .get_chain(channel_id)
            .ok_or_else(|| AccessError::ChannelNotFound(channel_id.to_string()))?;
        let signed = SignedData::from_envelope(envelope)
            .map_err(|e| AccessError::SignedData(Box::new(e)))?;
        let bundle = support.bundle();
        let policy = bundle
            .policy_manager()
            .get_policy(CHANNEL_READERS)
            .map_err(|e| AccessError::Denied(Box::new(e)))?;
        policy
            .evaluate(&signed)
            .map_err(|e| AccessError::Denied(Box::new(e)))
    }
}
