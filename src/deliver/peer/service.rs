//! The thin gRPC face of the peer's Deliver: `protos.Deliver/Deliver` and
//! `protos.Deliver/DeliverFiltered` streams in, [`DeliverServer`] calls, responses out.

use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::DeliverServer;
use crate::protos::common::Envelope;
use crate::protos::peer::deliver_server::{Deliver, DeliverServer as DeliverGrpcServer};
use crate::protos::peer::DeliverResponse;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// `protos.Deliver` over a [`DeliverServer`].
#[derive(Clone)]
pub struct DeliverService {
    server: Arc<DeliverServer>,
}

impl DeliverService {
    pub fn new(server: Arc<DeliverServer>) -> Self {
        DeliverService { server }
    }

    /// The tonic service, ready for `Server::add_service`, with Fabric's 100 MiB limits.
    pub fn into_grpc(self) -> DeliverGrpcServer<Self> {
        DeliverGrpcServer::new(self)
            .max_decoding_message_size(crate::comm::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(crate::comm::MAX_MESSAGE_SIZE)
    }
}

#[tonic::async_trait]
impl Deliver for DeliverService {
    type DeliverStream = BoxStream<DeliverResponse>;
    type DeliverFilteredStream = BoxStream<DeliverResponse>;

    async fn deliver(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::DeliverStream>, Status> {
        let inbound = request.into_inner();
        let server = self.server.clone();
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            server.deliver(inbound.map_while(Result::ok), &tx).await;
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx).map(Ok))))
    }

    async fn deliver_filtered(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::DeliverFilteredStream>, Status> {
        let inbound = request.into_inner();
        let server = self.server.clone();
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            server
                .deliver_filtered(inbound.map_while(Result::ok), &tx)
                .await;
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx).map(Ok))))
    }
}
