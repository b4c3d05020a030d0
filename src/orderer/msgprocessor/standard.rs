//! Processing on an existing channel (Fabric's `StandardChannel` and `SystemChannel`
//! processors): normal messages pass the filters; a config update is authorized by the
//! channel's config validator and becomes a CONFIG envelope signed by the orderer.

use super::filters::apply_filters;
use super::ProcessError;
use crate::channelconfig::Bundle;
use crate::msp::SigningIdentity;
use crate::protos::common::{Envelope, HeaderType};
use crate::protos::orderer::consensus_type::State;
use crate::protoutil::create_signed_envelope;

fn not_in_maintenance(bundle: &Bundle) -> Result<(), ProcessError> {
    match bundle.orderer_config() {
        Some(o) if o.consensus_state() == State::Maintenance as i32 => {
            Err(ProcessError::MaintenanceMode)
        }
        _ => Ok(()),
    }
}

/// Checks a normal message against the channel's current config; returns the config
/// sequence it was checked at.
pub fn process_normal_msg(env: &Envelope, bundle: &Bundle) -> Result<u64, ProcessError> {
    not_in_maintenance(bundle)?;
    let seq = bundle.sequence();
    apply_filters(env, bundle)?;
    Ok(seq)
}

/// Authorizes a CONFIG_UPDATE for the channel itself and returns the CONFIG envelope to
/// order (signed by the orderer) with the sequence it was computed at.
pub fn process_config_update_msg(
    env: &Envelope,
    bundle: &Bundle,
    signer: &dyn SigningIdentity,
) -> Result<(Envelope, u64), ProcessError> {
    not_in_maintenance(bundle)?;
    let seq = bundle.sequence();
    apply_filters(env, bundle)
        .map_err(|e| e.context("config update for existing channel did not pass initial checks"))?;
    let config_envelope = bundle.validator().propose_config_update(env).map_err(|e| {
        ProcessError::BadRequest(format!(
            "error applying config update to existing channel '{}': {e}",
            bundle.channel_id()
        ))
    })?;
    let config = create_signed_envelope(
        HeaderType::Config,
        bundle.channel_id(),
        Some(signer),
        &config_envelope,
        0,
        0,
        Vec::new(),
    )
    .map_err(|e| ProcessError::BadRequest(format!("could not sign the config: {e}")))?;
    apply_filters(&config, bundle)
        .map_err(|e| e.context("config update for existing channel did not pass final checks"))?;
    Ok((config, seq))
}
