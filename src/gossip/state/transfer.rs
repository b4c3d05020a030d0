//! State transfer (Fabric's anti-entropy): asking peers that are ahead for the blocks we
//! miss, and answering others' requests from our ledger.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use prost::Message;
use rand::seq::SliceRandom;
use tokio::sync::{mpsc, watch};

use super::{stopped, Shared, StateError, LOG};
use crate::gossip::comm::{ReceivedMessage, RemotePeer};
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{GossipMessage, Payload, RemoteStateRequest, RemoteStateResponse};

type Received = Arc<dyn ReceivedMessage>;

/// Why a state request is refused (Fabric's `stateRequestValidator`).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("Invalid sequence interval [{0}...{1}).")]
    Interval(u64, u64),
    #[error("Requesting blocks range [{0}-{1}) greater than configured allowed ({2}) batching size for anti-entropy.")]
    TooLarge(u64, u64, u64),
}

/// Checks a request's range against the batch size (its end is inclusive, as Fabric's).
pub fn validate_request(request: &RemoteStateRequest, batch_size: u64) -> Result<(), RequestError> {
    let (start, end) = (request.start_seq_num, request.end_seq_num);
    if start > end {
        return Err(RequestError::Interval(start, end));
    }
    if end > start.saturating_add(batch_size) {
        return Err(RequestError::TooLarge(start, end, batch_size));
    }
    Ok(())
}

/// A state request for blocks `start..=end` with a fresh nonce.
pub fn state_request(channel: &str, start: u64, end: u64) -> GossipMessage {
    GossipMessage {
        nonce: rand::random(),
        channel: channel.as_bytes().to_vec(),
        tag: Tag::ChanOrOrg as i32,
        content: Some(Content::StateRequest(RemoteStateRequest {
            start_seq_num: start,
            end_seq_num: end,
        })),
    }
}

/// Clears a flag when dropped (the transfer ends however it ends).
struct Active<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Shared {
    /// Routes state requests and responses to their queues (full queue: dropped).
    pub(super) async fn dispatch(
        self: Arc<Self>,
        mut state: mpsc::Receiver<Received>,
        requests: mpsc::Sender<Received>,
        responses: mpsc::Sender<Received>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            let msg = tokio::select! {
                m = state.recv() => m,
                _ = stopped(&mut stop) => return,
            };
            let Some(msg) = msg else {
                stopped(&mut stop).await;
                return;
            };
            let gossip = &msg.message().message;
            if gossip.channel != self.channel.as_bytes() {
                tracing::warn!(target: LOG, "Received state transfer request for channel {} while expecting channel {}, skipping request...", String::from_utf8_lossy(&gossip.channel), self.channel);
                continue;
            }
            let request = matches!(gossip.content, Some(Content::StateRequest(_)));
            let response = matches!(gossip.content, Some(Content::StateResponse(_)));
            if request {
                if requests.try_send(msg).is_err() {
                    tracing::debug!(target: LOG, "[{}] State request queue full; request dropped", self.channel);
                }
            } else if response && self.transfer_active.load(Ordering::SeqCst) {
                let _ = responses.try_send(msg);
            }
        }
    }

    /// Answers state requests one at a time.
    pub(super) async fn process_state_requests(
        self: Arc<Self>,
        mut requests: mpsc::Receiver<Received>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            let msg = tokio::select! {
                m = requests.recv() => m,
                _ = stopped(&mut stop) => return,
            };
            match msg {
                Some(msg) => self.handle_state_request(msg).await,
                None => return,
            }
        }
    }

    /// Reads the requested blocks (at most batch size + 1, those the ledger has) on a
    /// blocking thread and responds with them.
    async fn handle_state_request(&self, msg: Received) {
        let gossip = &msg.message().message;
        let Some(Content::StateRequest(request)) = &gossip.content else {
            return;
        };
        if let Err(e) = validate_request(request, self.config.batch_size) {
            tracing::error!(target: LOG, "State request validation failed, {e} Ignoring request...");
            return;
        }
        let height = match self.ledger_height() {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(target: LOG, "Cannot access to current ledger height, due to {e}");
                return;
            }
        };
        let (start, end) = (request.start_seq_num, request.end_seq_num);
        if height < end {
            tracing::warn!(target: LOG, "Received state request to transfer blocks with sequence numbers higher [{start}...{end}] than available in ledger ({height})");
        }
        let last = end.min(height.saturating_sub(1));
        let ledger = self.ledger.clone();
        let read = tokio::task::spawn_blocking(move || {
            let mut payloads = Vec::new();
            for seq_num in start..=last {
                match ledger.block_by_number(seq_num) {
                    Ok(block) => payloads.push(Payload {
                        seq_num,
                        data: block.encode_to_vec(),
                        private_data: Vec::new(),
                    }),
                    Err(e) => tracing::error!(target: LOG, "cannot read block number {seq_num} from ledger, because {e}, skipping..."),
                }
            }
            payloads
        })
        .await;
        let payloads = match read {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(target: LOG, "[{}] Reading blocks for a state request failed: {e}", self.channel);
                return;
            }
        };
        msg.respond(GossipMessage {
            nonce: gossip.nonce,
            channel: self.channel.as_bytes().to_vec(),
            tag: Tag::ChanOrOrg as i32,
            content: Some(Content::StateResponse(RemoteStateResponse { payloads })),
        });
    }

    /// Every `checkInterval`: when a peer of the channel is ahead, fetch what we miss.
    pub(super) async fn anti_entropy(
        self: Arc<Self>,
        mut responses: mpsc::Receiver<Received>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.config.anti_entropy_interval) => {}
                _ = stopped(&mut stop) => return,
            }
            let ours = match self.ledger_height() {
                Ok(h) => h,
                Err(e) => {
                    tracing::error!(target: LOG, "Cannot obtain ledger height, due to {e}");
                    continue;
                }
            };
            let max = self.max_available_ledger_height();
            if ours == 0 || ours >= max {
                continue;
            }
            self.request_blocks_in_range(ours, max - 1, &mut responses, &mut stop)
                .await;
        }
    }

    fn max_available_ledger_height(&self) -> u64 {
        self.adapter
            .peers_of_channel(&self.channel)
            .iter()
            .filter_map(|p| p.properties.as_ref().map(|p| p.ledger_height))
            .max()
            .unwrap_or(0)
    }

    /// A random peer of the channel whose published height is at least `height`.
    fn select_peer_to_request_from(&self, height: u64) -> Option<RemotePeer> {
        let peers: Vec<RemotePeer> = self
            .adapter
            .peers_of_channel(&self.channel)
            .into_iter()
            .filter(|p| {
                p.properties
                    .as_ref()
                    .is_some_and(|x| x.ledger_height >= height)
            })
            .map(|p| RemotePeer {
                endpoint: p.preferred_endpoint().to_string(),
                pki_id: p.pki_id,
            })
            .collect();
        peers.choose(&mut rand::thread_rng()).cloned()
    }

    /// Fetches blocks `start..=end` in batches, each asked at most `maxRetries + 1` times.
    async fn request_blocks_in_range(
        &self,
        start: u64,
        end: u64,
        responses: &mut mpsc::Receiver<Received>,
        stop: &mut watch::Receiver<bool>,
    ) {
        self.transfer_active.store(true, Ordering::SeqCst);
        let _active = Active(&self.transfer_active);
        while responses.try_recv().is_ok() {}
        let mut prev = start;
        while prev <= end {
            let next = end.min(prev.saturating_add(self.config.batch_size));
            let request = state_request(&self.channel, prev, next);
            let mut tries = 0u32;
            loop {
                if tries > self.config.max_retries {
                    tracing::warn!(target: LOG, "Wasn't able to get blocks in range [{prev}...{next}), after {tries} retries");
                    return;
                }
                let Some(peer) = self.select_peer_to_request_from(next) else {
                    tracing::warn!(target: LOG, "Cannot send state request for blocks in range [{prev}...{next}), due to there are no peers to ask for missing blocks from");
                    return;
                };
                tracing::debug!(target: LOG, "State transfer, with peer {}, requesting blocks in range [{prev}...{next}), for chainID {}", peer.endpoint, self.channel);
                self.adapter.send(request.clone(), &[peer]);
                tries += 1;
                let msg = tokio::select! {
                    m = responses.recv() => m,
                    _ = tokio::time::sleep(self.config.response_timeout) => continue,
                    _ = stopped(stop) => return,
                };
                let Some(msg) = msg else { return };
                if msg.message().message.nonce != request.nonce {
                    continue;
                }
                match self.handle_state_response(&msg, prev).await {
                    Ok(max) => {
                        prev = max + 1;
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(target: LOG, "Wasn't able to process state response for blocks [{prev}...{next}], due to {e}");
                    }
                }
            }
        }
    }

    /// Verifies a response's blocks and buffers them in order up to the first bad one;
    /// returns the highest sequence number taken.
    pub(super) async fn handle_state_response(
        &self,
        msg: &Received,
        prev: u64,
    ) -> Result<u64, StateError> {
        let Some(Content::StateResponse(response)) = &msg.message().message.content else {
            return Err(malformed(prev, "not a state response"));
        };
        if response.payloads.is_empty() {
            return Err(malformed(
                prev,
                "Received state transfer response without payload",
            ));
        }
        let mut max = None;
        for (seq_num, checked) in self.verify(response.payloads.clone()).await {
            let block = checked?;
            tracing::debug!(target: LOG, "Received payload with sequence number {seq_num}.");
            if let Err(e) = self.add(seq_num, block, true).await {
                tracing::warn!(target: LOG, "Block [{seq_num}] received from block transfer wasn't added to payload buffer: {e}");
            }
            max = max.max(Some(seq_num));
        }
        match max {
            Some(max) if max >= prev => Ok(max),
            _ => Err(malformed(
                prev,
                "the response holds no block from the requested start",
            )),
        }
    }
}

fn malformed(seq_num: u64, reason: &str) -> StateError {
    StateError::Malformed {
        seq_num,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_against_the_batch_size() {
        let req = |s, e| RemoteStateRequest {
            start_seq_num: s,
            end_seq_num: e,
        };
        assert_eq!(validate_request(&req(5, 15), 10), Ok(()));
        assert_eq!(validate_request(&req(5, 5), 10), Ok(()));
        assert_eq!(
            validate_request(&req(5, 16), 10),
            Err(RequestError::TooLarge(5, 16, 10))
        );
        assert_eq!(
            validate_request(&req(6, 5), 10),
            Err(RequestError::Interval(6, 5))
        );
    }
}
