//! The Broadcast handler (Fabric's `orderer/common/broadcast`), free of gRPC: each envelope
//! is routed to its channel, checked, and handed to the channel's consenter; the answer is
//! Fabric's status and info text.

use std::sync::Arc;

use super::msgprocessor::ProcessError;
use super::multichannel::{Registrar, RouteError};
use crate::protos::common::{Envelope, Status};
use crate::protos::orderer::BroadcastResponse;

/// Handles the envelopes of Broadcast streams.
pub struct BroadcastHandler {
    registrar: Arc<Registrar>,
}

fn response(status: Status, info: impl Into<String>) -> BroadcastResponse {
    BroadcastResponse {
        status: status as i32,
        info: info.into(),
    }
}

fn refused(channel: &str, addr: &str, e: &ProcessError) -> BroadcastResponse {
    tracing::warn!(target: "orderer.common.broadcast",
        "[channel: {channel}] Rejecting broadcast of message from {addr} because of error: {e}");
    response(e.status(), e.to_string())
}

impl BroadcastHandler {
    pub fn new(registrar: Arc<Registrar>) -> Self {
        BroadcastHandler { registrar }
    }

    /// Validates and enqueues one message; `addr` names the client in logs.
    pub fn process_message(&self, env: &Envelope, addr: &str) -> BroadcastResponse {
        let routed = match self.registrar.broadcast_channel_support(env) {
            Ok(routed) => routed,
            Err(RouteError { channel_id, error }) => {
                let channel = channel_id.unwrap_or_else(|| "unknown".into());
                tracing::warn!(target: "orderer.common.broadcast",
                    "[channel: {channel}] Could not get message processor for serving {addr}: {error}");
                let status = match error {
                    ProcessError::ChannelDoesNotExist => Status::NotFound,
                    _ => Status::BadRequest,
                };
                return response(status, error.to_string());
            }
        };
        let (chdr, is_config, support) = (routed.header, routed.is_config, routed.support);
        let channel = chdr.channel_id.as_str();
        let foreign = support.channel_id() != channel;
        let Some(chain) = support.chain() else {
            return response(
                Status::ServiceUnavailable,
                "the channel's consenter is not running",
            );
        };
        let enqueued = if !is_config {
            if foreign {
                // Normal messages for a channel this orderer does not have reach the system
                // channel, which refuses them.
                return refused(channel, addr, &ProcessError::ChannelDoesNotExist);
            }
            let seq = match support.process_normal(env) {
                Ok(seq) => seq,
                Err(e) => return refused(channel, addr, &e),
            };
            chain.order(env.clone(), seq)
        } else {
            let (config, seq) = match support.process_config_update(env) {
                Ok(done) => done,
                Err(e) => return refused(channel, addr, &e),
            };
            chain.configure(config, seq)
        };
        match enqueued {
            Ok(()) => response(Status::Success, ""),
            Err(e) => {
                tracing::warn!(target: "orderer.common.broadcast",
                    "[channel: {channel}] Rejecting broadcast of message from {addr} with SERVICE_UNAVAILABLE: rejected by Consenter: {e}");
                response(Status::ServiceUnavailable, e.to_string())
            }
        }
    }
}
