//! Channel creation on the system channel (Fabric's `SystemChannel` processor and
//! `DefaultTemplator`): a CONFIG_UPDATE for a channel that does not exist is checked against
//! a template built from the system channel's config (its orderer section, channel values
//! and policies, and the consortium's member orgs the update names); the resulting CONFIG
//! is wrapped in an ORDERER_TRANSACTION for the system channel, both signed by the orderer.

use prost::Message;

use super::filters::apply_filters;
use super::ProcessError;
use crate::channelconfig::values::{CHANNEL_CREATION_POLICY_KEY, CONSORTIUM_KEY};
use crate::channelconfig::{
    Bundle, ADMINS_POLICY_KEY, APPLICATION_GROUP_KEY, CONSORTIUMS_GROUP_KEY, ORDERER_GROUP_KEY,
};
use crate::msp::SigningIdentity;
use crate::protos::common::{
    Config, ConfigGroup, ConfigPolicy, ConfigUpdate, ConfigUpdateEnvelope, ConfigValue, Consortium,
    Envelope, HeaderType,
};
use crate::protoutil::{channel_header, create_signed_envelope, decode, payload};

fn bad(reason: impl Into<String>) -> ProcessError {
    ProcessError::BadRequest(reason.into())
}

/// Builds the config a new channel starts from, for the update `env` (Fabric's
/// `NewChannelConfig`).
pub fn new_channel_config(env: &Envelope, system: &Bundle) -> Result<Bundle, ProcessError> {
    let p = payload(env).map_err(|e| {
        bad(format!(
            "Failing initial channel config creation because of payload unmarshaling error: {e}"
        ))
    })?;
    let update_env: ConfigUpdateEnvelope = decode("ConfigUpdateEnvelope", &p.data).map_err(|e| {
        bad(format!("Failing initial channel config creation because of config update envelope unmarshaling error: {e}"))
    })?;
    let chdr = channel_header(&p).map_err(|e| {
        bad(format!(
            "Failed initial channel config creation because channel header was malformed: {e}"
        ))
    })?;
    let update: ConfigUpdate = decode("ConfigUpdate", &update_env.config_update).map_err(|e| {
        bad(format!("Failing initial channel config creation because of config update unmarshaling error: {e}"))
    })?;
    if update.channel_id != chdr.channel_id {
        return Err(bad(format!(
            "Failing initial channel config creation: mismatched channel IDs: '{}' != '{}'",
            update.channel_id, chdr.channel_id
        )));
    }
    let write_set = update
        .write_set
        .as_ref()
        .ok_or_else(|| bad("Config update has an empty writeset"))?;
    let app_update = write_set
        .groups
        .get(APPLICATION_GROUP_KEY)
        .ok_or_else(|| bad("Config update has missing application group"))?;
    if app_update.version != 1 {
        return Err(bad(format!(
            "Config update for channel creation does not set application group version to 1, was {}",
            app_update.version
        )));
    }
    let consortium_value = write_set
        .values
        .get(CONSORTIUM_KEY)
        .ok_or_else(|| bad("Consortium config value missing"))?;
    let consortium: Consortium = decode("Consortium", &consortium_value.value)
        .map_err(|e| bad(format!("Error reading unmarshaling consortium name: {e}")))?;
    let channel_group = template(system, &consortium.name, app_update)?;
    Bundle::new(
        &chdr.channel_id,
        &Config {
            sequence: 0,
            channel_group: Some(channel_group),
        },
    )
    .map_err(|e| bad(e.to_string()))
}

/// The new channel's config tree: the system channel's values, policies and orderer group,
/// plus an application group of the consortium's orgs the update names.
fn template(
    system: &Bundle,
    consortium: &str,
    app_update: &ConfigGroup,
) -> Result<ConfigGroup, ProcessError> {
    let consortiums = system.consortiums_config().ok_or_else(|| {
        bad("The ordering system channel does not appear to support creating channels")
    })?;
    let conf = consortiums
        .consortiums()
        .get(consortium)
        .ok_or_else(|| bad(format!("Unknown consortium name: {consortium}")))?;
    let sys_group = system
        .config_proto()
        .channel_group
        .clone()
        .unwrap_or_default();
    let members = sys_group
        .groups
        .get(CONSORTIUMS_GROUP_KEY)
        .and_then(|g| g.groups.get(consortium))
        .map(|g| g.groups.clone())
        .unwrap_or_default();
    let mut application = ConfigGroup {
        mod_policy: CHANNEL_CREATION_POLICY_KEY.to_string(),
        ..Default::default()
    };
    application.policies.insert(
        CHANNEL_CREATION_POLICY_KEY.to_string(),
        ConfigPolicy {
            policy: conf.channel_creation_policy().cloned(),
            ..Default::default()
        },
    );
    if !members.is_empty() && app_update.groups.is_empty() {
        return Err(bad(
            "Proposed configuration has no application group members, but consortium contains members",
        ));
    }
    if !members.is_empty() {
        for org in app_update.groups.keys() {
            let group = members.get(org).ok_or_else(|| {
                bad("Attempted to include a member which is not in the consortium")
            })?;
            application.groups.insert(org.clone(), group.clone());
        }
    }
    let mut channel = ConfigGroup {
        values: sys_group.values.clone(),
        policies: sys_group.policies.clone(),
        ..Default::default()
    };
    if let Some(orderer) = sys_group.groups.get(ORDERER_GROUP_KEY) {
        channel
            .groups
            .insert(ORDERER_GROUP_KEY.to_string(), orderer.clone());
    }
    channel
        .groups
        .insert(APPLICATION_GROUP_KEY.to_string(), application);
    channel.values.insert(
        CONSORTIUM_KEY.to_string(),
        ConfigValue {
            value: Consortium {
                name: consortium.to_string(),
            }
            .encode_to_vec(),
            mod_policy: ADMINS_POLICY_KEY.to_string(),
            version: 0,
        },
    );
    let predictable = system
        .orderer_config()
        .is_some_and(|o| o.capabilities().predictable_channel_template());
    if predictable {
        channel.mod_policy = sys_group.mod_policy.clone();
        zero_versions(&mut channel);
    }
    Ok(channel)
}

fn zero_versions(group: &mut ConfigGroup) {
    group.version = 0;
    for v in group.values.values_mut() {
        v.version = 0;
    }
    for p in group.policies.values_mut() {
        p.version = 0;
    }
    for g in group.groups.values_mut() {
        zero_versions(g);
    }
}

/// Turns a channel creation request into the ORDERER_TRANSACTION the system channel orders,
/// with the system channel's sequence it was checked at.
pub fn process_channel_creation(
    env: &Envelope,
    channel_id: &str,
    system: &Bundle,
    signer: &dyn SigningIdentity,
) -> Result<(Envelope, u64), ProcessError> {
    tracing::debug!(target: "orderer.common.msgprocessor",
        "Processing channel create tx for channel {channel_id} on system channel {}", system.channel_id());
    let template = new_channel_config(env, system)?;
    let config_env = template.validator().propose_config_update(env).map_err(|e| {
        bad(format!("error validating channel creation transaction for new channel '{channel_id}', could not succesfully apply update to template configuration: {e}"))
    })?;
    let sign_error = |e: crate::protoutil::ProtoutilError| bad(format!("could not sign: {e}"));
    let config = create_signed_envelope(
        HeaderType::Config,
        channel_id,
        Some(signer),
        &config_env,
        0,
        0,
        Vec::new(),
    )
    .map_err(sign_error)?;
    let wrapped = create_signed_envelope(
        HeaderType::OrdererTransaction,
        system.channel_id(),
        Some(signer),
        &config,
        0,
        0,
        Vec::new(),
    )
    .map_err(sign_error)?;
    apply_filters(&wrapped, system)?;
    Ok((wrapped, system.sequence()))
}
