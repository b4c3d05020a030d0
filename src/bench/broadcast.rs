//! Pipelined Broadcast streams: envelopes go out without waiting for acks, and the
//! orderer's acks (which come in order) are matched to them in order.

use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use super::connect::status_line;
use crate::protos::common::{Envelope, Status};
use crate::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;

/// What became of one envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// The orderer answered SUCCESS.
    Success,
    /// The orderer answered another status (`BAD_REQUEST`, `SERVICE_UNAVAILABLE`...).
    Rejected(String),
    /// The stream broke before the answer.
    Failed(String),
}

type Submission = (Envelope, oneshot::Sender<Ack>);

/// One Broadcast stream, fed through a bounded queue.
#[derive(Debug, Clone)]
pub struct Broadcaster {
    submit: mpsc::Sender<Submission>,
}

impl Broadcaster {
    /// Opens a stream on `channel` with at most `depth` envelopes queued or unacknowledged.
    /// The stream is opened by a task, so a server that sends its headers only with its
    /// first answer (grpc-go) does not stall us.
    pub fn open(channel: Channel, depth: usize) -> Self {
        let (submit, mut inbox) = mpsc::channel::<Submission>(depth);
        let (requests, request_rx) = mpsc::channel::<Envelope>(depth);
        let (pending, mut pending_rx) = mpsc::channel::<oneshot::Sender<Ack>>(depth);
        tokio::spawn(async move {
            while let Some((env, ack)) = inbox.recv().await {
                if pending.send(ack).await.is_err() || requests.send(env).await.is_err() {
                    break;
                }
            }
        });
        tokio::spawn(async move {
            let mut client = AtomicBroadcastClient::new(channel)
                .max_decoding_message_size(crate::comm::MAX_MESSAGE_SIZE)
                .max_encoding_message_size(crate::comm::MAX_MESSAGE_SIZE);
            let reason = match client.broadcast(ReceiverStream::new(request_rx)).await {
                Err(s) => status_line(&s),
                Ok(response) => read_acks(response.into_inner(), &mut pending_rx).await,
            };
            pending_rx.close();
            while let Some(ack) = pending_rx.recv().await {
                let _ = ack.send(Ack::Failed(reason.clone()));
            }
        });
        Broadcaster { submit }
    }

    /// Sends `env` and waits for its ack.
    pub async fn submit(&self, env: Envelope) -> Ack {
        let (tx, rx) = oneshot::channel();
        if self.submit.send((env, tx)).await.is_err() {
            return Ack::Failed("the broadcast stream is closed".into());
        }
        rx.await
            .unwrap_or_else(|_| Ack::Failed("the broadcast stream is closed".into()))
    }
}

/// Matches acks to pending envelopes until the stream ends; returns why it ended.
async fn read_acks(
    mut responses: tonic::Streaming<crate::protos::orderer::BroadcastResponse>,
    pending: &mut mpsc::Receiver<oneshot::Sender<Ack>>,
) -> String {
    loop {
        let reply = match responses.message().await {
            Ok(Some(reply)) => reply,
            Ok(None) => return "the orderer closed the broadcast stream".into(),
            Err(s) => return status_line(&s),
        };
        let Some(waiter) = pending.recv().await else {
            return "an ack came for nothing sent".into();
        };
        let ack = if reply.status == Status::Success as i32 {
            Ack::Success
        } else {
            let name = Status::try_from(reply.status)
                .map(|s| s.as_str_name().to_string())
                .unwrap_or_else(|_| reply.status.to_string());
            Ack::Rejected(name)
        };
        let _ = waiter.send(ack);
    }
}
