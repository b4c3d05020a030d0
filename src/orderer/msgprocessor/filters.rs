//! The rules every broadcast message passes (Fabric's standard channel filters): not empty,
//! creator not expired (orderer capability V1_1 and later), at most AbsoluteMaxBytes, and
//! signed as the channel's Writers policy requires.

use std::time::SystemTime;

use super::{ProcessError, CHANNEL_WRITERS, ORDERER_WRITERS};
use crate::channelconfig::Bundle;
use crate::msp::cert::expires_at;
use crate::orderer::blockcutter::message_size_bytes;
use crate::policy::SignedData;
use crate::protos::common::Envelope;
use crate::protos::orderer::consensus_type::State;

/// Applies every filter of a channel to `env`.
pub fn apply_filters(env: &Envelope, bundle: &Bundle) -> Result<(), ProcessError> {
    if env.payload.is_empty() {
        return Err(ProcessError::BadRequest("Message was empty".into()));
    }
    let orderer = bundle
        .orderer_config()
        .ok_or_else(|| ProcessError::BadRequest("the channel has no orderer config".into()))?;
    let signed = SignedData::from_envelope(env).map_err(|e| {
        ProcessError::BadRequest(format!("could not convert message to signedData: {e}"))
    })?;
    if orderer.capabilities().expiration_check() {
        if let Some(expiry) = expires_at(&signed[0].identity) {
            if SystemTime::now() >= expiry {
                return Err(ProcessError::BadRequest("identity expired".into()));
            }
        }
    }
    let max = orderer.batch_size().absolute_max_bytes;
    let size = message_size_bytes(env);
    if size > max {
        return Err(ProcessError::BadRequest(format!(
            "message payload is {size} bytes and exceeds maximum allowed {max} bytes"
        )));
    }
    let policy_name = if orderer.consensus_state() == State::Maintenance as i32 {
        ORDERER_WRITERS
    } else {
        CHANNEL_WRITERS
    };
    check_policy(bundle, policy_name, &signed)
}

/// Evaluates a channel policy over signed data; a failure is a permission denial.
pub fn check_policy(
    bundle: &Bundle,
    policy_name: &str,
    signed: &[SignedData],
) -> Result<(), ProcessError> {
    let policy = bundle
        .policy_manager()
        .get_policy(policy_name)
        .map_err(|_| ProcessError::BadRequest(format!("could not find policy {policy_name}")))?;
    policy
        .evaluate(signed)
        .map_err(|e| ProcessError::PermissionDenied(e.to_string()))
}
