//! The `gossip.Gossip` gRPC service over [`super::comm_impl`]: `GossipStream` hands the
//! stream to comm (handshake, then a connection), `Ping` answers empty.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::comm_impl::Shared;
use super::handshake::cert_hash;
use crate::protos::gossip::gossip_server::Gossip;
use crate::protos::gossip::{Empty, Envelope};

/// The tonic service; get it from [`super::CommImpl::service`].
pub struct GossipService {
    shared: Arc<Shared>,
}

impl GossipService {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        GossipService { shared }
    }
}

#[tonic::async_trait]
impl Gossip for GossipService {
    type GossipStreamStream = ReceiverStream<Result<Envelope, Status>>;

    async fn gossip_stream(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::GossipStreamStream>, Status> {
        if self.shared.is_stopping() {
            return Err(Status::unknown("Shutting down"));
        }
        let address = request
            .remote_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let remote_cert_hash = request
            .peer_certs()
            .and_then(|certs| certs.first().map(|c| cert_hash(c)));
        let incoming = request.into_inner();
        // the answer stream carries our ConnEstablish, then what comm sends; one slot, the
        // connection's send buffer is the real one
        let (tx, rx) = mpsc::channel(1);
        tokio::spawn(
            self.shared
                .clone()
                .serve_stream(incoming, tx, remote_cert_hash, address),
        );
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn ping(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        Ok(Response::new(Empty {}))
    }
}
