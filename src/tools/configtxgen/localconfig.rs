//! configtx.yaml (Fabric's configtxgen `localconfig`): the file is found like Fabric finds
//! it (`-configPath`, else FABRIC_CFG_PATH, else `./` then `/etc/hyperledger/fabric`), YAML
//! anchors and merge keys (`<<: *X`) are resolved, CONFIGTX_* environment variables override
//! scalar keys, unknown keys are refused, and defaults and relative paths are completed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_yaml::Value;

use super::ConfigtxgenError;
use crate::config::{find_config_file, parse_go_duration, translate_path, Environment};

/// The environment prefix of configtx.yaml overrides.
pub const ENV_PREFIX: &str = "CONFIGTX";
/// The channel id used when none is given.
pub const TEST_CHAIN_ID: &str = "testchainid";
/// The default profile.
pub const DEFAULT_PROFILE: &str = "SampleInsecureSolo";

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopLevel {
    #[serde(rename = "Profiles", default)]
    pub profiles: Option<BTreeMap<String, Profile>>,
    #[serde(rename = "Organizations", default)]
    pub organizations: Option<Vec<Organization>>,
    #[serde(rename = "Channel", default)]
    pub channel: Option<Profile>,
    #[serde(rename = "Application", default)]
    pub application: Option<Application>,
    #[serde(rename = "Orderer", default)]
    pub orderer: Option<Orderer>,
    #[serde(rename = "Capabilities", default)]
    pub capabilities: Option<BTreeMap<String, Option<BTreeMap<String, bool>>>>,
    #[serde(rename = "Resources", default)]
    pub resources: Option<Resources>,
}

/// A profile: what one genesis block or channel creation transaction is made of.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(rename = "Consortium", default)]
    pub consortium: Option<String>,
    #[serde(rename = "Application", default)]
    pub application: Option<Application>,
    #[serde(rename = "Orderer", default)]
    pub orderer: Option<Orderer>,
    #[serde(rename = "Consortiums", default)]
    pub consortiums: Option<BTreeMap<String, Option<Consortium>>>,
    #[serde(rename = "Capabilities", default)]
    pub capabilities: Option<BTreeMap<String, bool>>,
    #[serde(rename = "Policies", default)]
    pub policies: Option<BTreeMap<String, Policy>>,
}

/// A policy definition: `Type` Signature or ImplicitMeta and its `Rule`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(rename = "Type", default)]
    pub r#type: String,
    #[serde(rename = "Rule", default)]
    pub rule: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consortium {
    #[serde(rename = "Organizations", default)]
    pub organizations: Option<Vec<Organization>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    #[serde(rename = "Organizations", default)]
    pub organizations: Option<Vec<Organization>>,
    #[serde(rename = "Capabilities", default)]
    pub capabilities: Option<BTreeMap<String, bool>>,
    #[serde(rename = "Resources", default)]
    pub resources: Option<Resources>,
    #[serde(rename = "Policies", default)]
    pub policies: Option<BTreeMap<String, Policy>>,
    #[serde(rename = "ACLs", default)]
    pub acls: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(rename = "DefaultModPolicy", default)]
    pub default_mod_policy: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "ID", default)]
    pub id: String,
    #[serde(rename = "MSPDir", default)]
    pub msp_dir: String,
    #[serde(rename = "MSPType", default)]
    pub msp_type: String,
    #[serde(rename = "Policies", default)]
    pub policies: Option<BTreeMap<String, Policy>>,
    #[serde(rename = "AnchorPeers", default)]
    pub anchor_peers: Option<Vec<AnchorPeer>>,
    #[serde(rename = "OrdererEndpoints", default)]
    pub orderer_endpoints: Option<Vec<String>>,
    #[serde(rename = "AdminPrincipal", default)]
    pub admin_principal: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorPeer {
    #[serde(rename = "Host", default)]
    pub host: String,
    #[serde(rename = "Port", default)]
    pub port: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Orderer {
    #[serde(rename = "OrdererType", default)]
    pub orderer_type: String,
    #[serde(rename = "Addresses", default)]
    pub addresses: Option<Vec<String>>,
    #[serde(rename = "BatchTimeout", default, deserialize_with = "de_duration")]
    pub batch_timeout: Duration,
    #[serde(rename = "BatchSize", default)]
    pub batch_size: BatchSize,
    #[serde(rename = "Kafka", default)]
    pub kafka: Kafka,
    #[serde(rename = "EtcdRaft", default)]
    pub etcd_raft: Option<EtcdRaft>,
    #[serde(rename = "Organizations", default)]
    pub organizations: Option<Vec<Organization>>,
    #[serde(rename = "MaxChannels", default)]
    pub max_channels: u64,
    #[serde(rename = "Capabilities", default)]
    pub capabilities: Option<BTreeMap<String, bool>>,
    #[serde(rename = "Policies", default)]
    pub policies: Option<BTreeMap<String, Policy>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSize {
    #[serde(rename = "MaxMessageCount", default)]
    pub max_message_count: u32,
    #[serde(
        rename = "AbsoluteMaxBytes",
        default,
        deserialize_with = "de_byte_size"
    )]
    pub absolute_max_bytes: u32,
    #[serde(
        rename = "PreferredMaxBytes",
        default,
        deserialize_with = "de_byte_size"
    )]
    pub preferred_max_bytes: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kafka {
    #[serde(rename = "Brokers", default)]
    pub brokers: Option<Vec<String>>,
}

/// `etcdraft.ConfigMetadata` as written in configtx.yaml (certificates as file paths).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtcdRaft {
    #[serde(rename = "Consenters", default)]
    pub consenters: Option<Vec<Consenter>>,
    #[serde(rename = "Options", default)]
    pub options: Option<RaftOptions>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consenter {
    #[serde(rename = "Host", default)]
    pub host: String,
    #[serde(rename = "Port", default)]
    pub port: u32,
    #[serde(rename = "ClientTLSCert", alias = "ClientTlsCert", default)]
    pub client_tls_cert: String,
    #[serde(rename = "ServerTLSCert", alias = "ServerTlsCert", default)]
    pub server_tls_cert: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaftOptions {
    #[serde(rename = "TickInterval", default)]
    pub tick_interval: String,
    #[serde(rename = "ElectionTick", default)]
    pub election_tick: u32,
    #[serde(rename = "HeartbeatTick", default)]
    pub heartbeat_tick: u32,
    #[serde(rename = "MaxInflightBlocks", default)]
    pub max_inflight_blocks: u32,
    #[serde(
        rename = "SnapshotIntervalSize",
        default,
        deserialize_with = "de_byte_size"
    )]
    pub snapshot_interval_size: u32,
}

/// A byte size: an integer, or text like `99 MB`, `512 KB`, `2g` (units of 1024).
pub fn parse_byte_size(text: &str) -> Option<u32> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number.parse().ok()?;
    let unit = unit.trim_start().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let shift = match unit {
        "" if digits == t.len() => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        _ => return None,
    };
    u32::try_from(number.checked_shl(shift)?)
        .ok()
        .filter(|_| number <= (u64::MAX >> shift))
}

fn de_byte_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                serde::de::Error::custom(format!("byte size {n} does not fit in 32 bits"))
            }),
        Value::String(s) => parse_byte_size(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid byte size '{s}' (use e.g. 99 MB, 512 KB)"))
        }),
        other => Err(serde::de::Error::custom(format!(
            "invalid byte size {other:?}"
        ))),
    }
}

fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Duration::ZERO),
        Value::Number(n) => n
            .as_u64()
            .map(Duration::from_nanos)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid duration {n}"))),
        Value::String(s) => parse_go_duration(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid duration '{s}' (use e.g. 2s, 500ms)"))
        }),
        other => Err(serde::de::Error::custom(format!(
            "invalid duration {other:?}"
        ))),
    }
}

/// Where configtx.yaml is: `configtx.yaml`/`.yml` in `config_path` when given, else by
/// Fabric's search rules.
pub fn find_configtx(
    config_path: Option<&Path>,
    env: &Environment,
) -> Result<PathBuf, ConfigtxgenError> {
    match config_path {
        Some(dir) => {
            let dir = if dir.is_absolute() {
                dir.to_path_buf()
            } else {
                env.cwd().join(dir)
            };
            ["yaml", "yml"]
                .iter()
                .map(|ext| dir.join(format!("configtx.{ext}")))
                .find(|p| p.is_file())
                .ok_or_else(|| ConfigtxgenError::ConfigNotFound(dir.display().to_string()))
        }
        None => find_config_file(env, "configtx")
            .map_err(|e| ConfigtxgenError::ConfigNotFound(e.to_string())),
    }
}

/// The parsed file with merge keys resolved and environment overrides applied. `profile`
/// (when loading one profile) lets `CONFIGTX_ORDERER_BATCHTIMEOUT` reach
/// `Profiles.<profile>.Orderer.BatchTimeout`, as Fabric's key replacer does.
pub fn read_tree(
    path: &Path,
    env: &Environment,
    profile: Option<&str>,
) -> Result<Value, ConfigtxgenError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigtxgenError::Config(format!("cannot read {}: {e}", path.display())))?;
    let mut tree: Value = serde_yaml::from_str(&text).map_err(|e| {
        ConfigtxgenError::Config(format!("{} is not valid YAML: {e}", path.display()))
    })?;
    tree.apply_merge()
        .map_err(|e| ConfigtxgenError::Config(format!("{}: bad merge key: {e}", path.display())))?;
    let strip = profile.map(|p| format!("PROFILES.{}.", p.to_ascii_uppercase()));
    apply_env(&mut tree, &mut Vec::new(), env, strip.as_deref());
    Ok(tree)
}

fn apply_env(node: &mut Value, path: &mut Vec<String>, env: &Environment, strip: Option<&str>) {
    match node {
        Value::Mapping(map) => {
            for (key, child) in map.iter_mut() {
                let Some(key) = key.as_str() else { continue };
                path.push(key.to_string());
                apply_env(child, path, env, strip);
                path.pop();
            }
        }
        Value::Sequence(_) | Value::Tagged(_) => {}
        scalar => {
            let mut name = path.join(".").to_ascii_uppercase();
            if let Some(strip) = strip {
                name = name.replace(strip, "");
            }
            let name = format!("{ENV_PREFIX}_{}", name.replace('.', "_"));
            if let Some(value) = env.var(&name).filter(|v| !v.is_empty()) {
                tracing::debug!(target: "common.tools.configtxgen.localconfig", "{name} overrides {}", path.join("."));
                *scalar = serde_yaml::from_str(value)
                    .unwrap_or_else(|_| Value::String(value.to_string()));
            }
        }
    }
}

/// Loads the whole file (for `-printOrg`), with org paths completed.
pub fn load_top_level(
    config_path: Option<&Path>,
    env: &Environment,
) -> Result<TopLevel, ConfigtxgenError> {
    let file = find_configtx(config_path, env)?;
    let tree = read_tree(&file, env, None)?;
    let mut top: TopLevel = serde_yaml::from_value(tree).map_err(|e| {
        ConfigtxgenError::Config(format!("error unmarshaling config into struct: {e}"))
    })?;
    let dir = config_dir(&file);
    for org in top.organizations.iter_mut().flatten() {
        org.complete(&dir);
    }
    if let Some(orderer) = top.orderer.as_mut() {
        orderer.complete(&dir)?;
    }
    tracing::info!(target: "common.tools.configtxgen.localconfig", "Loaded configuration: {}", file.display());
    Ok(top)
}

/// Loads one profile, with defaults and paths completed.
pub fn load_profile(
    name: &str,
    config_path: Option<&Path>,
    env: &Environment,
) -> Result<Profile, ConfigtxgenError> {
    let file = find_configtx(config_path, env)?;
    let tree = read_tree(&file, env, Some(name))?;
    let top: TopLevel = serde_yaml::from_value(tree).map_err(|e| {
        ConfigtxgenError::Config(format!("error unmarshaling config into struct: {e}"))
    })?;
    let mut profile = top
        .profiles
        .and_then(|mut p| p.remove(name))
        .ok_or_else(|| ConfigtxgenError::ProfileNotFound(name.to_string()))?;
    profile.complete(&config_dir(&file))?;
    tracing::info!(target: "common.tools.configtxgen.localconfig", "Loaded configuration: {}", file.display());
    Ok(profile)
}

fn config_dir(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Profile {
    fn complete(&mut self, dir: &Path) -> Result<(), ConfigtxgenError> {
        if let Some(app) = self.application.as_mut() {
            app.organizations
                .iter_mut()
                .flatten()
                .for_each(|o| o.complete(dir));
            if let Some(resources) = app.resources.as_mut() {
                if resources.default_mod_policy.is_empty() {
                    resources.default_mod_policy = "/Channel/Application/Admins".into();
                }
            }
        }
        for consortium in self
            .consortiums
            .iter_mut()
            .flat_map(|c| c.values_mut())
            .flatten()
        {
            consortium
                .organizations
                .iter_mut()
                .flatten()
                .for_each(|o| o.complete(dir));
        }
        if let Some(orderer) = self.orderer.as_mut() {
            orderer
                .organizations
                .iter_mut()
                .flatten()
                .for_each(|o| o.complete(dir));
            orderer.complete(dir)?;
        }
        Ok(())
    }
}

impl Organization {
    fn complete(&mut self, dir: &Path) {
        if self.msp_type.is_empty() {
            self.msp_type = "bccsp".into();
        }
        if self.admin_principal.is_empty() {
            self.admin_principal = "Role.ADMIN".into();
        }
        if !self.msp_dir.is_empty() {
            self.msp_dir = translate_path(dir, &self.msp_dir).display().to_string();
        }
    }
}

impl Orderer {
    fn complete(&mut self, dir: &Path) -> Result<(), ConfigtxgenError> {
        let log = |what: &str, value: &dyn std::fmt::Display| {
            tracing::info!(target: "common.tools.configtxgen.localconfig", "Orderer.{what} unset, setting to {value}");
        };
        if self.orderer_type.is_empty() {
            log("OrdererType", &"solo");
            self.orderer_type = "solo".into();
        }
        if self.addresses.is_none() {
            log("Addresses", &"[127.0.0.1:7050]");
            self.addresses = Some(vec!["127.0.0.1:7050".into()]);
        }
        if self.batch_timeout.is_zero() {
            log("BatchTimeout", &"2s");
            self.batch_timeout = Duration::from_secs(2);
        }
        let size = &mut self.batch_size;
        if size.max_message_count == 0 {
            size.max_message_count = 500;
        }
        if size.absolute_max_bytes == 0 {
            size.absolute_max_bytes = 10 * 1024 * 1024;
        }
        if size.preferred_max_bytes == 0 {
            size.preferred_max_bytes = 2 * 1024 * 1024;
        }
        tracing::info!(target: "common.tools.configtxgen.localconfig", "orderer type: {}", self.orderer_type);
        match self.orderer_type.as_str() {
            "solo" => Ok(()),
            "kafka" => {
                if self.kafka.brokers.is_none() {
                    self.kafka.brokers = Some(vec!["127.0.0.1:9092".into()]);
                }
                Ok(())
            }
            "etcdraft" => complete_raft(self.etcd_raft.as_mut(), dir),
            other => Err(ConfigtxgenError::Config(format!(
                "unknown orderer type: {other}"
            ))),
        }
    }
}

fn complete_raft(raft: Option<&mut EtcdRaft>, dir: &Path) -> Result<(), ConfigtxgenError> {
    let raft =
        raft.ok_or_else(|| ConfigtxgenError::Config("etcdraft raft configuration missing".into()))?;
    let options = raft.options.get_or_insert_with(RaftOptions::default);
    if options.tick_interval.is_empty() {
        options.tick_interval = "500ms".into();
    }
    if options.election_tick == 0 {
        options.election_tick = 10;
    }
    if options.heartbeat_tick == 0 {
        options.heartbeat_tick = 1;
    }
    if options.max_inflight_blocks == 0 {
        options.max_inflight_blocks = 5;
    }
    if options.snapshot_interval_size == 0 {
        options.snapshot_interval_size = 20 * 1024 * 1024;
    }
    let bad = |m: &str| Err(ConfigtxgenError::Config(m.to_string()));
    if parse_go_duration(&options.tick_interval).is_none() {
        return bad(&format!(
            "Etcdraft TickInterval ({}) must be in time duration format",
            options.tick_interval
        ));
    }
    if options.election_tick <= options.heartbeat_tick {
        return bad("election tick must be greater than heartbeat tick");
    }
    let consenters = raft.consenters.get_or_insert_with(Vec::new);
    if consenters.is_empty() {
        return bad("etcdraft configuration did not specify any consenter");
    }
    for c in consenters.iter_mut() {
        if c.host.is_empty() {
            return bad("consenter info in etcdraft configuration did not specify host");
        }
        if c.port == 0 {
            return bad("consenter info in etcdraft configuration did not specify port");
        }
        if c.client_tls_cert.is_empty() {
            return bad("consenter info in etcdraft configuration did not specify client TLS cert");
        }
        if c.server_tls_cert.is_empty() {
            return bad("consenter info in etcdraft configuration did not specify server TLS cert");
        }
        c.client_tls_cert = translate_path(dir, &c.client_tls_cert)
            .display()
            .to_string();
        c.server_tls_cert = translate_path(dir, &c.server_tls_cert)
            .display()
            .to_string();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("99 MB"), Some(99 * 1024 * 1024));
        assert_eq!(parse_byte_size("512 KB"), Some(512 * 1024));
        assert_eq!(parse_byte_size("512k"), Some(512 * 1024));
        assert_eq!(parse_byte_size("1g"), Some(1 << 30));
        assert_eq!(parse_byte_size("1024"), Some(1024));
        assert_eq!(parse_byte_size("4 GB"), None);
        assert_eq!(parse_byte_size("12 TB"), None);
        assert_eq!(parse_byte_size("MB"), None);
    }

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::new(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            "/",
        )
    }

    const YAML: &str = "
Orderer: &OrdererDefaults
  OrdererType: solo
  BatchTimeout: 2s
  BatchSize: {MaxMessageCount: 10, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 512 KB}
Profiles:
  P:
    Orderer:
      <<: *OrdererDefaults
      BatchTimeout: 5s
";

    fn load(vars: &[(&str, &str)], yaml: &str) -> Result<Profile, ConfigtxgenError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("configtx.yaml"), yaml).unwrap();
        load_profile("P", Some(dir.path()), &env(vars))
    }

    #[test]
    fn merge_keys_defaults_and_env_overrides() {
        let p = load(&[], YAML).unwrap();
        let o = p.orderer.unwrap();
        assert_eq!(o.batch_timeout, Duration::from_secs(5));
        assert_eq!(o.batch_size.absolute_max_bytes, 99 * 1024 * 1024);
        assert_eq!(o.addresses.unwrap(), ["127.0.0.1:7050"]);

        let p = load(
            &[("CONFIGTX_ORDERER_BATCHSIZE_MAXMESSAGECOUNT", "42")],
            YAML,
        )
        .unwrap();
        assert_eq!(p.orderer.unwrap().batch_size.max_message_count, 42);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = load(&[], "Profiles:\n  P:\n    Ordrer: {}\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `Ordrer`"), "{err}");
        let err = load(&[], "Profiles:\n  Q: {}\n").unwrap_err();
        assert!(matches!(err, ConfigtxgenError::ProfileNotFound(_)), "{err}");
        let err = load(
            &[],
            "Profiles:\n  P:\n    Orderer: {OrdererType: etcdraft}\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("raft configuration missing"),
            "{err}"
        );
        let err = load(&[], "Profiles:\n  P:\n    Orderer: {BatchTimeout: soon}\n").unwrap_err();
        assert!(err.to_string().contains("invalid duration 'soon'"), "{err}");
        let err = find_configtx(Some(Path::new("/nonexistent")), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("configtx.yaml"), "{err}");
    }
}
