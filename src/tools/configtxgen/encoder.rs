//! Turns a configtx.yaml profile into config groups, genesis blocks and channel creation
//! transactions (Fabric's configtxgen `encoder` and `common/genesis`).

use std::collections::BTreeMap;
use std::path::Path;

use prost::Message;

use super::localconfig::{Application, Orderer, Organization, Policy as PolicyDef, Profile};
use super::ConfigtxgenError;
use crate::channelconfig::values::{self, StandardValue};
use crate::channelconfig::{
    ADMINS_POLICY_KEY, APPLICATION_GROUP_KEY, CONSORTIUMS_GROUP_KEY, ORDERER_GROUP_KEY,
    READERS_POLICY_KEY, WRITERS_POLICY_KEY,
};
use crate::msp::config::get_verifying_msp_config;
use crate::policy::cauthdsl;
use crate::policy::implicitmeta;
use crate::protos::common::{
    policy::PolicyType, Block, BlockData, Config, ConfigEnvelope, ConfigGroup, ConfigPolicy,
    ConfigUpdate, ConfigUpdateEnvelope, ConfigValue, Envelope, HeaderType, LastConfig, Metadata,
    Payload, Policy, SignatureHeader,
};
use crate::protos::etcdraft::{ConfigMetadata, Consenter, Options};
use crate::protos::protos::AnchorPeer;
use crate::protoutil;
use crate::tools::configtxlator::compute_update;

/// The mod_policy of orderer-governed elements.
pub const ORDERER_ADMINS_POLICY: &str = "/Channel/Orderer/Admins";
const BLOCK_VALIDATION_POLICY_KEY: &str = "BlockValidation";

fn add_value(group: &mut ConfigGroup, value: StandardValue, mod_policy: &str) {
    group.values.insert(
        value.key.to_string(),
        ConfigValue {
            version: 0,
            value: value.value,
            mod_policy: mod_policy.to_string(),
        },
    );
}

fn add_policy(group: &mut ConfigGroup, name: &str, policy: Policy, mod_policy: &str) {
    group.policies.insert(
        name.to_string(),
        ConfigPolicy {
            version: 0,
            policy: Some(policy),
            mod_policy: mod_policy.to_string(),
        },
    );
}

fn implicit_meta(rule: &str) -> Policy {
    let value = implicitmeta::from_string(rule)
        .expect("built-in implicit meta rule")
        .encode_to_vec();
    Policy {
        r#type: PolicyType::ImplicitMeta as i32,
        value,
    }
}

fn signature(envelope: &impl Message) -> Policy {
    Policy {
        r#type: PolicyType::Signature as i32,
        value: envelope.encode_to_vec(),
    }
}

fn add_policies(
    group: &mut ConfigGroup,
    policies: &BTreeMap<String, PolicyDef>,
    what: &str,
) -> Result<(), ConfigtxgenError> {
    for (name, def) in policies {
        let policy = match def.r#type.as_str() {
            "ImplicitMeta" => {
                let meta = implicitmeta::from_string(&def.rule).map_err(|e| {
                    ConfigtxgenError::Config(format!(
                        "error adding policies to {what}: invalid implicit meta policy rule '{}': {e}",
                        def.rule
                    ))
                })?;
                Policy {
                    r#type: PolicyType::ImplicitMeta as i32,
                    value: meta.encode_to_vec(),
                }
            }
            "Signature" => {
                let envelope = crate::policy::from_string(&def.rule).map_err(|e| {
                    ConfigtxgenError::Config(format!(
                        "error adding policies to {what}: invalid signature policy rule '{}': {e}",
                        def.rule
                    ))
                })?;
                signature(&envelope)
            }
            other => {
                return Err(ConfigtxgenError::Config(format!(
                    "error adding policies to {what}: unknown policy type: {other}"
                )))
            }
        };
        add_policy(group, name, policy, ADMINS_POLICY_KEY);
    }
    Ok(())
}

fn add_implicit_meta_defaults(group: &mut ConfigGroup) {
    add_policy(
        group,
        ADMINS_POLICY_KEY,
        implicit_meta("MAJORITY Admins"),
        ADMINS_POLICY_KEY,
    );
    add_policy(
        group,
        READERS_POLICY_KEY,
        implicit_meta("ANY Readers"),
        ADMINS_POLICY_KEY,
    );
    add_policy(
        group,
        WRITERS_POLICY_KEY,
        implicit_meta("ANY Writers"),
        ADMINS_POLICY_KEY,
    );
}

fn group_policies(
    group: &mut ConfigGroup,
    policies: &Option<BTreeMap<String, PolicyDef>>,
    what: &str,
) -> Result<bool, ConfigtxgenError> {
    match policies.as_ref().filter(|p| !p.is_empty()) {
        Some(p) => add_policies(group, p, what).map(|_| true),
        None => {
            tracing::warn!(target: "common.tools.configtxgen.encoder", "Default policy emission is deprecated, please include policy specifications for the {what} in configtx.yaml");
            Ok(false)
        }
    }
}

fn capabilities(group: &mut ConfigGroup, caps: &Option<BTreeMap<String, bool>>) {
    if let Some(caps) = caps.as_ref().filter(|c| !c.is_empty()) {
        add_value(group, values::capabilities_value(caps), ADMINS_POLICY_KEY);
    }
}

/// The channel group of a profile.
pub fn new_channel_group(profile: &Profile) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = ConfigGroup::default();
    if !group_policies(&mut group, &profile.policies, "channel group")? {
        add_implicit_meta_defaults(&mut group);
    }
    add_value(
        &mut group,
        values::hashing_algorithm_value(),
        ADMINS_POLICY_KEY,
    );
    add_value(
        &mut group,
        values::block_data_hashing_structure_value(),
        ADMINS_POLICY_KEY,
    );
    if let Some(addresses) = profile.orderer.as_ref().and_then(|o| o.addresses.as_ref()) {
        if !addresses.is_empty() {
            add_value(
                &mut group,
                values::orderer_addresses_value(addresses),
                ORDERER_ADMINS_POLICY,
            );
        }
    }
    if let Some(consortium) = profile.consortium.as_ref().filter(|c| !c.is_empty()) {
        add_value(
            &mut group,
            values::consortium_value(consortium),
            ADMINS_POLICY_KEY,
        );
    }
    capabilities(&mut group, &profile.capabilities);
    if let Some(orderer) = &profile.orderer {
        group
            .groups
            .insert(ORDERER_GROUP_KEY.into(), new_orderer_group(orderer)?);
    }
    if let Some(application) = &profile.application {
        group.groups.insert(
            APPLICATION_GROUP_KEY.into(),
            new_application_group(application)?,
        );
    }
    if let Some(consortiums) = &profile.consortiums {
        group.groups.insert(
            CONSORTIUMS_GROUP_KEY.into(),
            new_consortiums_group(consortiums)?,
        );
    }
    group.mod_policy = ADMINS_POLICY_KEY.into();
    Ok(group)
}

/// Go's `time.Duration.String()` for whole and fractional durations ("2s", "1m30s",
/// "500ms", "1h0m0s").
pub fn go_duration_string(d: std::time::Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, div) = if nanos < 1_000 {
            ("ns", 1)
        } else if nanos < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", trim_fraction(nanos, div));
    }
    let secs = d.as_secs();
    let frac = trim_fraction(
        u128::from(secs % 60) * 1_000_000_000 + u128::from(d.subsec_nanos()),
        1_000_000_000,
    );
    let (h, m) = (secs / 3600, (secs / 60) % 60);
    match (h, m) {
        (0, 0) => format!("{frac}s"),
        (0, m) => format!("{m}m{frac}s"),
        (h, m) => format!("{h}h{m}m{frac}s"),
    }
}

fn trim_fraction(value: u128, div: u128) -> String {
    let whole = value / div;
    let rest = value % div;
    if rest == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{rest:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

fn new_orderer_group(conf: &Orderer) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = ConfigGroup::default();
    if !group_policies(&mut group, &conf.policies, "orderer group")? {
        add_policy(
            &mut group,
            BLOCK_VALIDATION_POLICY_KEY,
            implicit_meta("ANY Writers"),
            ADMINS_POLICY_KEY,
        );
        add_implicit_meta_defaults(&mut group);
    }
    let size = &conf.batch_size;
    add_value(
        &mut group,
        values::batch_size_value(
            size.max_message_count,
            size.absolute_max_bytes,
            size.preferred_max_bytes,
        ),
        ADMINS_POLICY_KEY,
    );
    add_value(
        &mut group,
        values::batch_timeout_value(&go_duration_string(conf.batch_timeout)),
        ADMINS_POLICY_KEY,
    );
    add_value(
        &mut group,
        values::channel_restrictions_value(conf.max_channels),
        ADMINS_POLICY_KEY,
    );
    capabilities(&mut group, &conf.capabilities);
    let metadata = match conf.orderer_type.as_str() {
        "solo" => Vec::new(),
        "kafka" => {
            let brokers = conf.kafka.brokers.clone().unwrap_or_default();
            add_value(
                &mut group,
                values::kafka_brokers_value(&brokers),
                ADMINS_POLICY_KEY,
            );
            Vec::new()
        }
        "etcdraft" => etcdraft_metadata(conf)?,
        other => {
            return Err(ConfigtxgenError::Config(format!(
                "unknown orderer type: {other}"
            )))
        }
    };
    add_value(
        &mut group,
        values::consensus_type_value(&conf.orderer_type, metadata),
        ADMINS_POLICY_KEY,
    );
    for org in conf.organizations.iter().flatten() {
        group
            .groups
            .insert(org.name.clone(), new_orderer_org_group(org)?);
    }
    group.mod_policy = ADMINS_POLICY_KEY.into();
    Ok(group)
}

/// The etcdraft metadata with each consenter's certificate files read in.
fn etcdraft_metadata(conf: &Orderer) -> Result<Vec<u8>, ConfigtxgenError> {
    let raft = conf
        .etcd_raft
        .as_ref()
        .ok_or_else(|| ConfigtxgenError::Config("etcdraft raft configuration missing".into()))?;
    let read = |path: &str, which: &str, host: &str, port: u32| {
        std::fs::read(path).map_err(|e| {
            ConfigtxgenError::Config(format!(
                "cannot marshal metadata for orderer type etcdraft: cannot load {which} cert for consenter {host}:{port}: {path}: {e}"
            ))
        })
    };
    let mut consenters = Vec::new();
    for c in raft.consenters.iter().flatten() {
        consenters.push(Consenter {
            host: c.host.clone(),
            port: c.port,
            client_tls_cert: read(&c.client_tls_cert, "client", &c.host, c.port)?,
            server_tls_cert: read(&c.server_tls_cert, "server", &c.host, c.port)?,
        });
    }
    let options = raft.options.as_ref().map(|o| Options {
        tick_interval: o.tick_interval.clone(),
        election_tick: o.election_tick,
        heartbeat_tick: o.heartbeat_tick,
        max_inflight_blocks: o.max_inflight_blocks,
        snapshot_interval_size: o.snapshot_interval_size,
    });
    Ok(ConfigMetadata {
        consenters,
        options,
    }
    .encode_to_vec())
}

/// An org group: its policies (or the signature defaults) and its MSP value.
fn org_group(conf: &Organization, what: &str) -> Result<ConfigGroup, ConfigtxgenError> {
    if conf.msp_type != "bccsp" {
        return Err(ConfigtxgenError::Config(format!(
            "org {}: MSPType {} is not supported; only bccsp (X.509) MSPs are",
            conf.name, conf.msp_type
        )));
    }
    let msp = get_verifying_msp_config(Path::new(&conf.msp_dir), &conf.id).map_err(|e| {
        ConfigtxgenError::Config(format!(
            "Error loading MSP configuration for org {}: {e}",
            conf.name
        ))
    })?;
    let mut group = ConfigGroup::default();
    if !group_policies(&mut group, &conf.policies, &format!("{what} {}", conf.name))? {
        let admins = if conf.admin_principal == "Role.ADMIN" {
            cauthdsl::signed_by_msp_admin(&conf.id)
        } else {
            cauthdsl::signed_by_msp_member(&conf.id)
        };
        add_policy(
            &mut group,
            ADMINS_POLICY_KEY,
            signature(&admins),
            ADMINS_POLICY_KEY,
        );
        let member = signature(&cauthdsl::signed_by_msp_member(&conf.id));
        add_policy(
            &mut group,
            READERS_POLICY_KEY,
            member.clone(),
            ADMINS_POLICY_KEY,
        );
        add_policy(&mut group, WRITERS_POLICY_KEY, member, ADMINS_POLICY_KEY);
    }
    add_value(&mut group, values::msp_value(&msp), ADMINS_POLICY_KEY);
    group.mod_policy = ADMINS_POLICY_KEY.into();
    Ok(group)
}

fn new_orderer_org_group(conf: &Organization) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = org_group(conf, "orderer org group")?;
    if let Some(endpoints) = conf.orderer_endpoints.as_ref().filter(|e| !e.is_empty()) {
        add_value(
            &mut group,
            values::endpoints_value(endpoints),
            ADMINS_POLICY_KEY,
        );
    }
    Ok(group)
}

/// A consortium member org group (also what `-printOrg` prints).
pub fn new_consortium_org_group(conf: &Organization) -> Result<ConfigGroup, ConfigtxgenError> {
    org_group(conf, "consortium org group")
}

fn new_application_group(conf: &Application) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = ConfigGroup::default();
    if !group_policies(&mut group, &conf.policies, "application group")? {
        add_implicit_meta_defaults(&mut group);
    }
    if let Some(acls) = conf.acls.as_ref().filter(|a| !a.is_empty()) {
        add_value(&mut group, values::acls_value(acls), ADMINS_POLICY_KEY);
    }
    capabilities(&mut group, &conf.capabilities);
    for org in conf.organizations.iter().flatten() {
        group
            .groups
            .insert(org.name.clone(), new_application_org_group(org)?);
    }
    group.mod_policy = ADMINS_POLICY_KEY.into();
    Ok(group)
}

fn anchor_peers(conf: &Organization) -> Vec<AnchorPeer> {
    conf.anchor_peers
        .iter()
        .flatten()
        .map(|a| AnchorPeer {
            host: a.host.clone(),
            port: a.port,
        })
        .collect()
}

fn new_application_org_group(conf: &Organization) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = org_group(conf, "application org group")?;
    let peers = anchor_peers(conf);
    if !peers.is_empty() {
        add_value(
            &mut group,
            values::anchor_peers_value(&peers),
            ADMINS_POLICY_KEY,
        );
    }
    Ok(group)
}

fn new_consortiums_group(
    conf: &BTreeMap<String, Option<super::localconfig::Consortium>>,
) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = ConfigGroup::default();
    add_policy(
        &mut group,
        ADMINS_POLICY_KEY,
        signature(&cauthdsl::accept_all_policy()),
        ORDERER_ADMINS_POLICY,
    );
    for (name, consortium) in conf {
        let mut member = ConfigGroup::default();
        let orgs = consortium.as_ref().and_then(|c| c.organizations.as_ref());
        for org in orgs.into_iter().flatten() {
            member
                .groups
                .insert(org.name.clone(), new_consortium_org_group(org)?);
        }
        add_value(
            &mut member,
            values::channel_creation_policy_value(&implicit_meta("ANY Admins")),
            ORDERER_ADMINS_POLICY,
        );
        member.mod_policy = ORDERER_ADMINS_POLICY.into();
        group.groups.insert(name.clone(), member);
    }
    group.mod_policy = ORDERER_ADMINS_POLICY.into();
    Ok(group)
}

/// The genesis block of `channel_id` holding `channel_group` (Fabric's genesis factory).
pub fn genesis_block(channel_id: &str, channel_group: ConfigGroup) -> Block {
    let mut channel_header = protoutil::make_channel_header(HeaderType::Config, 1, channel_id, 0);
    let signature_header = SignatureHeader {
        creator: Vec::new(),
        nonce: protoutil::create_nonce(),
    };
    channel_header.tx_id =
        protoutil::compute_tx_id(&signature_header.nonce, &signature_header.creator);
    let config = ConfigEnvelope {
        config: Some(Config {
            sequence: 0,
            channel_group: Some(channel_group),
        }),
        last_update: None,
    };
    let payload = Payload {
        header: Some(protoutil::make_payload_header(
            &channel_header,
            &signature_header,
        )),
        data: protoutil::marshal("common.ConfigEnvelope", &config),
    };
    let envelope = Envelope {
        payload: payload.encode_to_vec(),
        signature: Vec::new(),
    };
    let mut block = protoutil::new_block(0, Vec::new());
    let data = BlockData {
        data: vec![envelope.encode_to_vec()],
    };
    if let Some(header) = block.header.as_mut() {
        header.data_hash = protoutil::block_data_hash(&data);
    }
    block.data = Some(data);
    let last_config = Metadata {
        value: LastConfig { index: 0 }.encode_to_vec(),
        signatures: Vec::new(),
    };
    if let Some(metadata) = block.metadata.as_mut() {
        metadata.metadata[protoutil::BlockMetadataIndex::LastConfig as usize] =
            last_config.encode_to_vec();
    }
    block
}

/// The template a new channel is created from: the profile's channel group with the
/// application section's own values and policies left out (they come from the consortium).
pub fn default_config_template(profile: &Profile) -> Result<ConfigGroup, ConfigtxgenError> {
    let mut group = new_channel_group(profile)?;
    let application = group.groups.get_mut(APPLICATION_GROUP_KEY).ok_or_else(|| {
        ConfigtxgenError::Config(
            "channel template configs must contain an application section".into(),
        )
    })?;
    application.values.clear();
    application.policies.clear();
    Ok(group)
}

/// The CONFIG_UPDATE that creates `channel_id` from `template` as the profile describes it.
pub fn new_channel_create_config_update(
    channel_id: &str,
    profile: &Profile,
    template: &ConfigGroup,
) -> Result<ConfigUpdate, ConfigtxgenError> {
    if profile.application.is_none() {
        return Err(ConfigtxgenError::Config(
            "cannot define a new channel with no Application section".into(),
        ));
    }
    let consortium = profile
        .consortium
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            ConfigtxgenError::Config("cannot define a new channel with no Consortium value".into())
        })?;
    let new_group = new_channel_group(profile)?;
    let original = Config {
        sequence: 0,
        channel_group: Some(template.clone()),
    };
    let updated = Config {
        sequence: 0,
        channel_group: Some(new_group),
    };
    let mut update = compute_update(channel_id, &original, &updated)
        .map_err(|e| ConfigtxgenError::Config(format!("could not compute update: {e}")))?;
    let consortium_value = values::consortium_value(consortium);
    if let Some(read) = update.read_set.as_mut() {
        read.values
            .insert(consortium_value.key.into(), ConfigValue::default());
    }
    if let Some(write) = update.write_set.as_mut() {
        write.values.insert(
            consortium_value.key.into(),
            ConfigValue {
                version: 0,
                value: consortium_value.value,
                mod_policy: String::new(),
            },
        );
    }
    Ok(update)
}

/// The unsigned channel creation transaction for `channel_id` from the profile.
pub fn make_channel_creation_transaction(
    channel_id: &str,
    profile: &Profile,
) -> Result<Envelope, ConfigtxgenError> {
    let template = default_config_template(profile)?;
    let update = new_channel_create_config_update(channel_id, profile, &template)?;
    let envelope = ConfigUpdateEnvelope {
        config_update: protoutil::marshal("common.ConfigUpdate", &update),
        signatures: Vec::new(),
    };
    protoutil::create_signed_envelope(
        HeaderType::ConfigUpdate,
        channel_id,
        None,
        &envelope,
        0,
        0,
        Vec::new(),
    )
    .map_err(|e| {
        ConfigtxgenError::Config(format!("cannot build the channel creation envelope: {e}"))
    })
}

/// The anchor peer update of `org` on `channel_id`: it reads the org's MSP and policies at
/// version 0 and writes its AnchorPeers (valid for the first update after channel creation).
pub fn make_anchor_peers_update(channel_id: &str, org: &Organization) -> Envelope {
    let org_set = |version: u64, mod_policy: &str| {
        let mut g = ConfigGroup {
            version,
            mod_policy: mod_policy.into(),
            ..Default::default()
        };
        g.values
            .insert(values::MSP_KEY.into(), ConfigValue::default());
        for p in [READERS_POLICY_KEY, WRITERS_POLICY_KEY, ADMINS_POLICY_KEY] {
            g.policies.insert(p.into(), ConfigPolicy::default());
        }
        g
    };
    let application = |org_group: ConfigGroup| {
        let mut g = ConfigGroup {
            version: 1,
            mod_policy: ADMINS_POLICY_KEY.into(),
            ..Default::default()
        };
        g.groups.insert(org.name.clone(), org_group);
        let mut root = ConfigGroup::default();
        root.groups.insert(APPLICATION_GROUP_KEY.into(), g);
        root
    };
    let mut write_org = org_set(1, ADMINS_POLICY_KEY);
    let anchors = values::anchor_peers_value(&anchor_peers(org));
    add_value(&mut write_org, anchors, ADMINS_POLICY_KEY);
    let update = ConfigUpdate {
        channel_id: channel_id.to_string(),
        read_set: Some(application(org_set(0, ""))),
        write_set: Some(application(write_org)),
        ..Default::default()
    };
    let envelope = ConfigUpdateEnvelope {
        config_update: protoutil::marshal("common.ConfigUpdate", &update),
        signatures: Vec::new(),
    };
    let channel_header = crate::protos::common::ChannelHeader {
        channel_id: channel_id.to_string(),
        r#type: HeaderType::ConfigUpdate as i32,
        ..Default::default()
    };
    let payload = Payload {
        header: Some(crate::protos::common::Header {
            channel_header: channel_header.encode_to_vec(),
            signature_header: Vec::new(),
        }),
        data: envelope.encode_to_vec(),
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration_string(Duration::from_secs(2)), "2s");
        assert_eq!(go_duration_string(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration_string(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration_string(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration_string(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration_string(Duration::ZERO), "0s");
        assert_eq!(go_duration_string(Duration::from_nanos(1500)), "1.5µs");
    }

    #[test]
    fn policies_are_checked() {
        let mut group = ConfigGroup::default();
        let defs: BTreeMap<String, PolicyDef> = [(
            "Admins".to_string(),
            PolicyDef {
                r#type: "Bogus".into(),
                rule: "x".into(),
            },
        )]
        .into_iter()
        .collect();
        let err = add_policies(&mut group, &defs, "channel group").unwrap_err();
        assert_eq!(
            err.to_string(),
            "error adding policies to channel group: unknown policy type: Bogus"
        );
        let defs: BTreeMap<String, PolicyDef> = [(
            "Admins".to_string(),
            PolicyDef {
                r#type: "ImplicitMeta".into(),
                rule: "SOME Admins".into(),
            },
        )]
        .into_iter()
        .collect();
        assert!(add_policies(&mut group, &defs, "channel group").is_err());
    }

    #[test]
    fn genesis_block_shape() {
        let block = genesis_block("mychannel", ConfigGroup::default());
        let header = block.header.as_ref().unwrap();
        assert_eq!(header.number, 0);
        assert_eq!(
            header.data_hash,
            protoutil::block_data_hash(block.data.as_ref().unwrap())
        );
        let envelope =
            protoutil::envelope_from_block_data(&block.data.as_ref().unwrap().data[0]).unwrap();
        let payload = protoutil::payload(&envelope).unwrap();
        let ch = protoutil::channel_header(&payload).unwrap();
        assert_eq!(
            (ch.r#type, ch.version, ch.channel_id.as_str()),
            (HeaderType::Config as i32, 1, "mychannel")
        );
        let sh = protoutil::signature_header(&payload).unwrap();
        protoutil::check_tx_id(&ch.tx_id, &sh.nonce, &sh.creator).unwrap();
    }
}
