//! The thin gRPC face of Broadcast and Deliver: streams in, handler calls, streams out.

use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::orderer::broadcast::BroadcastHandler;
use crate::orderer::deliver::DeliverHandler;
use crate::protos::common::Envelope;
use crate::protos::orderer::atomic_broadcast_server::AtomicBroadcast;
use crate::protos::orderer::{BroadcastResponse, DeliverResponse};

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// `orderer.AtomicBroadcast` over the domain handlers.
pub struct AtomicBroadcastService {
    broadcast: Arc<BroadcastHandler>,
    deliver: Arc<DeliverHandler>,
}

impl AtomicBroadcastService {
    pub fn new(broadcast: Arc<BroadcastHandler>, deliver: Arc<DeliverHandler>) -> Self {
        AtomicBroadcastService { broadcast, deliver }
    }
}

fn peer_addr<T>(req: &Request<T>) -> String {
    req.remote_addr()
        .map_or_else(|| "unknown".into(), |a| a.to_string())
}

#[tonic::async_trait]
impl AtomicBroadcast for AtomicBroadcastService {
    type BroadcastStream = BoxStream<BroadcastResponse>;
    type DeliverStream = BoxStream<DeliverResponse>;

    async fn broadcast(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::BroadcastStream>, Status> {
        let addr = peer_addr(&request);
        tracing::debug!(target: "orderer.common.broadcast", "Starting new broadcast loop for {addr}");
        let mut inbound = request.into_inner();
        let handler = self.broadcast.clone();
        let (tx, rx) = mpsc::channel(64);
        // One message in flight per stream: each is answered before the next is read, so
        // a client that floods is slowed down to the chain's pace.
        tokio::spawn(async move {
            while let Ok(Some(env)) = inbound.message().await {
                let response = handler.process_message(env, &addr).await;
                if tx.send(response).await.is_err() {
                    break;
                }
            }
            tracing::debug!(target: "orderer.common.broadcast", "Received EOF from {addr}, hangup");
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx).map(Ok))))
    }

    async fn deliver(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::DeliverStream>, Status> {
        let addr = peer_addr(&request);
        tracing::debug!(target: "common.deliver", "Starting new deliver loop for {addr}");
        let inbound = request.into_inner();
        let handler = self.deliver.clone();
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            // A receive error ends the stream like its end does (Fabric's Handle).
            handler.handle(inbound.map_while(Result::ok), &tx).await;
            tracing::debug!(target: "common.deliver", "Closing deliver stream for {addr}");
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx).map(Ok))))
    }
}
