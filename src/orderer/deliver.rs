//! The Deliver handler (Fabric's `common/deliver`), free of gRPC: a signed SeekInfo asks for
//! a range of a channel's blocks; the handler checks the request and the channel's Readers
//! policy, sends the blocks (waiting for future ones under BLOCK_UNTIL_READY) and ends with
//! a status.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use super::ledger::BlockIterator;
use super::msgprocessor::{expires_at, CHANNEL_READERS};
use super::multichannel::{ChainSupport, Registrar};
use crate::policy::SignedData;
use crate::protos::common::{ChannelHeader, Envelope, Status};
use crate::protos::orderer::seek_info::{SeekBehavior, SeekErrorResponse};
use crate::protos::orderer::seek_position::Type as Seek;
use crate::protos::orderer::{deliver_response, DeliverResponse, SeekInfo, SeekPosition};
use crate::protoutil::{channel_header, decode, payload};

/// Serves Deliver requests from the registrar's channels.
pub struct DeliverHandler {
    registrar: Arc<Registrar>,
    time_window: Duration,
}

/// The client went away while blocks were being sent.
#[derive(Debug, thiserror::Error)]
#[error("the deliver client closed the stream")]
pub struct ClientGone;

type Out = mpsc::Sender<DeliverResponse>;

async fn send(out: &Out, r: deliver_response::Type) -> Result<(), ClientGone> {
    out.send(DeliverResponse { r#type: Some(r) })
        .await
        .map_err(|_| ClientGone)
}

impl DeliverHandler {
    /// `time_window` is General.Authentication.TimeWindow (zero disables the check).
    pub fn new(registrar: Arc<Registrar>, time_window: Duration) -> Self {
        DeliverHandler {
            registrar,
            time_window,
        }
    }

    /// Answers one request: the blocks asked for, then a status.
    pub async fn handle(&self, env: &Envelope, out: &Out) -> Result<(), ClientGone> {
        let status = self.deliver_blocks(env, out).await?;
        send(out, deliver_response::Type::Status(status as i32)).await
    }

    async fn deliver_blocks(&self, env: &Envelope, out: &Out) -> Result<Status, ClientGone> {
        let Ok(p) = payload(env) else {
            return Ok(Status::BadRequest);
        };
        let Ok(chdr) = channel_header(&p) else {
            return Ok(Status::BadRequest);
        };
        if let Err(e) = self.validate_channel_header(&chdr) {
            tracing::warn!(target: "common.deliver", "Rejecting deliver due to envelope validation error: {e}");
            return Ok(Status::BadRequest);
        }
        let Some(support) = self.registrar.get_chain(&chdr.channel_id) else {
            tracing::debug!(target: "common.deliver",
                "Rejecting deliver because channel {} not found", chdr.channel_id);
            return Ok(Status::NotFound);
        };
        let Ok(seek) = decode::<SeekInfo>("SeekInfo", &p.data) else {
            return Ok(Status::BadRequest);
        };
        let chain = support.chain();
        let mut errored = chain.as_ref().map(|c| c.errored());
        if seek.error_response == SeekErrorResponse::BestEffort as i32 {
            errored = None;
        }
        if errored.as_ref().is_some_and(|e| *e.borrow()) {
            return Ok(Status::ServiceUnavailable);
        }
        let mut checked_seq = support.bundle().sequence();
        if let Err(e) = access_control(&support, env) {
            tracing::warn!(target: "common.deliver",
                "[channel: {}] Client authorization revoked for deliver request: {e}", chdr.channel_id);
            return Ok(Status::Forbidden);
        }
        let (Some(start), Some(stop)) = (&seek.start, &seek.stop) else {
            return Ok(Status::BadRequest);
        };
        let height = support.ledger().height();
        let start_num = match &start.r#type {
            Some(Seek::Oldest(_)) => 0,
            Some(Seek::Newest(_)) => height.saturating_sub(1),
            Some(Seek::Specified(s)) => s.number,
            None => return Ok(Status::BadRequest),
        };
        let Some(stop_num) = stop_number(start, stop, start_num, height) else {
            tracing::warn!(target: "common.deliver",
                "[channel: {}] Received invalid seekInfo message: start number {start_num} greater than stop number", chdr.channel_id);
            return Ok(Status::BadRequest);
        };
        let fail_if_not_ready = seek.behavior == SeekBehavior::FailIfNotReady as i32;
        let mut cursor = BlockIterator::new(support.ledger().clone(), start_num);
        loop {
            if fail_if_not_ready && !cursor.ready() {
                return Ok(Status::NotFound);
            }
            let next = async {
                match errored.as_mut() {
                    Some(e) => tokio::select! {
                        b = cursor.next() => Some(b),
                        _ = e.wait_for(|v| *v) => None,
                    },
                    None => Some(cursor.next().await),
                }
            };
            let block = tokio::select! {
                b = next => b,
                _ = out.closed() => return Err(ClientGone),
            };
            let block = match block {
                None => return Ok(Status::ServiceUnavailable),
                Some(Ok(Some(b))) => b,
                Some(Ok(None)) => return Ok(Status::ServiceUnavailable),
                Some(Err(e)) => {
                    tracing::error!(target: "common.deliver",
                        "[channel: {}] Error reading from channel: {e}", chdr.channel_id);
                    return Ok(Status::InternalServerError);
                }
            };
            // A config change may revoke the client's access mid-stream (Fabric's SessionAC).
            let seq = support.bundle().sequence();
            if seq != checked_seq {
                if let Err(e) = access_control(&support, env) {
                    tracing::warn!(target: "common.deliver",
                        "[channel: {}] Client authorization revoked for deliver request: {e}", chdr.channel_id);
                    return Ok(Status::Forbidden);
                }
                checked_seq = seq;
            }
            let number = block.header.as_ref().map_or(0, |h| h.number);
            send(out, deliver_response::Type::Block(block)).await?;
            if number >= stop_num {
                return Ok(Status::Success);
            }
        }
    }

    fn validate_channel_header(&self, chdr: &ChannelHeader) -> Result<(), String> {
        if self.time_window.is_zero() {
            return Ok(());
        }
        let Some(ts) = &chdr.timestamp else {
            return Err("channel header in envelope must contain timestamp".into());
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
            return Err(format!(
                "envelope timestamp is more than {:?} apart from current server time",
                self.time_window
            ));
        }
        Ok(())
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
        Some(Seek::Newest(_)) if start == stop => Some(start_num),
        Some(Seek::Newest(_)) => Some(height.saturating_sub(1)),
        Some(Seek::Specified(s)) if s.number < start_num => None,
        Some(Seek::Specified(s)) => Some(s.number),
        None => None,
    }
}

/// The channel's Readers policy over the request's signature, and the requester's
/// certificate must not have expired.
fn access_control(support: &ChainSupport, env: &Envelope) -> Result<(), String> {
    let signed = SignedData::from_envelope(env).map_err(|e| e.to_string())?;
    if let Some(expiry) = expires_at(&signed[0].identity) {
        if SystemTime::now() >= expiry {
            return Err("client identity expired".into());
        }
    }
    let bundle = support.bundle();
    let policy = bundle
        .policy_manager()
        .get_policy(CHANNEL_READERS)
        .map_err(|e| e.to_string())?;
    policy.evaluate(&signed).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::orderer::{SeekNewest, SeekOldest, SeekSpecified};

    fn p(t: Seek) -> SeekPosition {
        SeekPosition { r#type: Some(t) }
    }

    fn n(number: u64) -> SeekPosition {
        p(Seek::Specified(SeekSpecified { number }))
    }

    #[test]
    fn stop_positions_follow_fabric() {
        let newest = p(Seek::Newest(SeekNewest {}));
        let oldest = p(Seek::Oldest(SeekOldest {}));
        // Oldest as a stop means "only the start block".
        assert_eq!(stop_number(&n(3), &oldest, 3, 10), Some(3));
        // Newest stops at the height when asked, or at the start when both are newest.
        assert_eq!(stop_number(&n(3), &newest, 3, 10), Some(9));
        assert_eq!(stop_number(&newest, &newest, 9, 10), Some(9));
        assert_eq!(stop_number(&n(3), &n(5), 3, 10), Some(5));
        assert_eq!(stop_number(&n(3), &n(2), 3, 10), None);
        assert_eq!(stop_number(&n(3), &SeekPosition::default(), 3, 10), None);
    }
}
