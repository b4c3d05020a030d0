//! An in-process network that accepts everything, to measure the tool's own ceiling: an
//! Endorser that answers with a signed endorsement of what it got, a Broadcast that acks
//! every envelope, a Deliver that serves an empty newest block, and a DeliverFiltered that
//! reports every broadcast transaction VALID, in blocks of up to 500.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use prost::Message;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::BenchError;
use crate::msp::SigningIdentity;
use crate::protos::common::{self, Block, Envelope};
use crate::protos::orderer::atomic_broadcast_server::{AtomicBroadcast, AtomicBroadcastServer};
use crate::protos::orderer::{self as ord, BroadcastResponse};
use crate::protos::peer::deliver_server::{Deliver, DeliverServer};
use crate::protos::peer::endorser_server::{Endorser, EndorserServer};
use crate::protos::peer::{
    deliver_response, ChaincodeAction, DeliverResponse, FilteredBlock, FilteredTransaction,
    ProposalResponse, Response as CcResponse, SignedProposal, TxValidationCode,
};
use crate::protoutil::{channel_header, create_proposal_response, payload};

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Transactions per filtered block.
const BLOCK_SIZE: usize = 500;

#[derive(Clone)]
struct Sink {
    signer: Arc<dyn SigningIdentity>,
    /// Tx ids of broadcast envelopes, for the DeliverFiltered streams.
    committed: broadcast::Sender<String>,
}

/// Serves the sink on a free loopback port until the runtime stops; returns its address
/// (peer and orderer alike).
pub async fn serve(signer: Arc<dyn SigningIdentity>) -> Result<SocketAddr, BenchError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(BenchError::SinkListen)?;
    let addr = listener.local_addr().map_err(BenchError::SinkListen)?;
    let (committed, _) = broadcast::channel(1 << 16);
    let sink = Sink { signer, committed };
    let router = tonic::transport::Server::builder()
        .add_service(EndorserServer::new(sink.clone()))
        .add_service(AtomicBroadcastServer::new(sink.clone()))
        .add_service(DeliverServer::new(sink));
    tokio::spawn(router.serve_with_incoming(TcpListenerStream::new(listener)));
    Ok(addr)
}

#[tonic::async_trait]
impl Endorser for Sink {
    async fn process_proposal(
        &self,
        request: Request<SignedProposal>,
    ) -> Result<Response<ProposalResponse>, Status> {
        let signed = request.into_inner();
        let signer = self.signer.clone();
        let response = tokio::task::spawn_blocking(move || {
            let proposal = crate::protos::peer::Proposal::decode(signed.proposal_bytes.as_slice())
                .map_err(|e| Status::invalid_argument(e.to_string()))?;
            let action = ChaincodeAction {
                response: Some(CcResponse {
                    status: 200,
                    ..Default::default()
                }),
                ..Default::default()
            };
            create_proposal_response(&proposal, &action, signer.as_ref())
                .map_err(|e| Status::internal(e.to_string()))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))??;
        Ok(Response::new(response))
    }
}

#[tonic::async_trait]
impl AtomicBroadcast for Sink {
    type BroadcastStream = BoxStream<BroadcastResponse>;
    type DeliverStream = BoxStream<ord::DeliverResponse>;

    async fn broadcast(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::BroadcastStream>, Status> {
        let mut inbound = request.into_inner();
        let (acks, rx) = mpsc::channel(1024);
        let committed = self.committed.clone();
        tokio::spawn(async move {
            while let Some(Ok(env)) = inbound.next().await {
                let tx_id = payload(&env)
                    .and_then(|p| channel_header(&p))
                    .map(|h| h.tx_id)
                    .unwrap_or_default();
                let _ = committed.send(tx_id);
                let ack = BroadcastResponse {
                    status: common::Status::Success as i32,
                    info: String::new(),
                };
                if acks.send(Ok(ack)).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn deliver(
        &self,
        _request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::DeliverStream>, Status> {
        let block = ord::DeliverResponse {
            r#type: Some(ord::deliver_response::Type::Block(Block::default())),
        };
        Ok(Response::new(Box::pin(tokio_stream::iter(vec![Ok(block)]))))
    }
}

#[tonic::async_trait]
impl Deliver for Sink {
    type DeliverStream = BoxStream<DeliverResponse>;
    type DeliverFilteredStream = BoxStream<DeliverResponse>;

    async fn deliver(
        &self,
        _request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::DeliverStream>, Status> {
        Err(Status::unimplemented(
            "the sink serves DeliverFiltered only",
        ))
    }

    async fn deliver_filtered(
        &self,
        _request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Self::DeliverFilteredStream>, Status> {
        let mut committed = self.committed.subscribe();
        let (blocks, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            let mut number = 0;
            let mut block = filtered(number, Vec::new());
            while blocks.send(Ok(block)).await.is_ok() {
                let first = loop {
                    match committed.recv().await {
                        Ok(id) => break Some(id),
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => break None,
                    }
                };
                let Some(first) = first else {
                    break;
                };
                let mut txs = vec![first];
                while txs.len() < BLOCK_SIZE {
                    match committed.try_recv() {
                        Ok(id) => txs.push(id),
                        Err(_) => break,
                    }
                }
                number += 1;
                block = filtered(number, txs);
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

fn filtered(number: u64, tx_ids: Vec<String>) -> DeliverResponse {
    DeliverResponse {
        r#type: Some(deliver_response::Type::FilteredBlock(FilteredBlock {
            channel_id: String::new(),
            number,
            filtered_transactions: tx_ids
                .into_iter()
                .map(|txid| FilteredTransaction {
                    txid,
                    r#type: common::HeaderType::EndorserTransaction as i32,
                    tx_validation_code: TxValidationCode::Valid as i32,
                    data: None,
                })
                .collect(),
        })),
    }
}

/// ECDSA P-256 verifications per second on all cores through `fabric::crypto` (ring),
/// measured for `period` on one thread per core: the yardstick the sink's figure is stated
/// against (the network's peers spend their CPU mostly verifying).
pub fn p256_verify_rate(period: std::time::Duration) -> Result<f64, BenchError> {
    use crate::crypto::{Curve, HashFamily, PrivateKey};
    let message = [0x5a_u8; 1024];
    let key = PrivateKey::generate(Curve::P256).map_err(BenchError::Crypto)?;
    let public = key.public_key();
    let sig = key
        .sign(HashFamily::Sha2, &message)
        .map_err(BenchError::Crypto)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = std::time::Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < period {
                        if public.verify(HashFamily::Sha2, &message, &sig).is_ok() {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    Ok(total as f64 / start.elapsed().as_secs_f64())
}
