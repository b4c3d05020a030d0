//! [`CoreConfig`]: every key of Fabric v1.4's core.yaml with Fabric's type and default,
//! read from a [`ConfigSource`] so that `CORE_*` environment variables and explicit
//! overrides apply to each key, even one the file leaves out.

mod chaincode;
mod gossip;
mod keys;
mod ledger;
mod operations;
mod peer;
mod vm;

use std::path::{Path, PathBuf};

pub use chaincode::{
    ChaincodeConfig, ChaincodeLoggingConfig, SystemPluginConfig, DEFAULT_LOG_FORMAT,
};
pub use gossip::{ElectionConfig, GossipConfig, PvtDataConfig, StateConfig};
pub use ledger::{CouchDbConfig, LedgerConfig, LedgerStateConfig};
pub use operations::{MetricsConfig, OperationsConfig, OperationsTlsConfig, StatsdConfig};
pub use peer::{
    AddressOverride, AdminServiceConfig, BccspConfig, DeliveryClientConfig, DiscoveryConfig,
    HandlerConfig, HandlersConfig, KeepaliveClientConfig, KeepaliveConfig, PeerConfig,
    PeerTlsConfig, Pkcs11Config, ProfileConfig, SwConfig,
};
pub use vm::{DockerConfig, DockerTlsConfig, HostConfig, LogConfig, VmConfig};

use super::env::Environment;
use super::error::ConfigError;
use super::search::translate_path;
use super::source::ConfigSource;
use crate::crypto::SwOpts;
use keys::Keys;

/// The name of the peer's configuration file (without extension).
pub const CORE_CONFIG_NAME: &str = "core";
/// The prefix of the peer's environment overrides.
pub const CORE_ENV_PREFIX: &str = "CORE";

/// The typed peer configuration (core.yaml).
#[derive(Debug, Clone, PartialEq)]
pub struct CoreConfig {
    /// The folder of the core.yaml this came from; relative paths are relative to it.
    pub config_dir: PathBuf,
    pub peer: PeerConfig,
    pub vm: VmConfig,
    pub chaincode: ChaincodeConfig,
    pub ledger: LedgerConfig,
    pub operations: OperationsConfig,
    pub metrics: MetricsConfig,
}

impl CoreConfig {
    /// Finds core.yaml with Fabric's search rules and reads it with CORE_* overrides.
    pub fn load(env: Environment) -> Result<(ConfigSource, CoreConfig), ConfigError> {
        let source = ConfigSource::load(CORE_CONFIG_NAME, CORE_ENV_PREFIX, env)?;
        let config = CoreConfig::from_source(&source)?;
        Ok((source, config))
    }

    /// Reads every key from a loaded source.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let k = Keys::new(source);
        Ok(CoreConfig {
            config_dir: source.config_dir().to_path_buf(),
            peer: PeerConfig::read(&k)?,
            vm: VmConfig::read(&k)?,
            chaincode: ChaincodeConfig::read(&k)?,
            ledger: LedgerConfig::read(&k)?,
            operations: OperationsConfig::read(&k)?,
            metrics: MetricsConfig::read(&k)?,
        })
    }

    /// Fabric's `TranslatePath` against this configuration's folder.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        translate_path(&self.config_dir, path)
    }

    /// `peer.mspConfigPath`, resolved against the config folder.
    pub fn msp_config_path(&self) -> PathBuf {
        self.resolve_path(&self.peer.msp_config_path)
    }

    /// The software BCCSP options of the local MSP. An unset or empty
    /// `peer.BCCSP.SW.FileKeyStore.KeyStore` means `<mspConfigPath>/keystore`, as Fabric
    /// does; a set one is resolved against the config folder.
    pub fn peer_bccsp(&self) -> Result<SwOpts, ConfigError> {
        let bccsp = &self.peer.bccsp;
        if !bccsp.default.eq_ignore_ascii_case("SW") {
            return Err(ConfigError::value(
                "peer.BCCSP.Default",
                format!(
                    "{:?} is not supported; only the SW provider is available, set it to SW",
                    bccsp.default
                ),
            ));
        }
        let key_store_path = match bccsp.sw.file_key_store.as_deref() {
            Some(p) if !p.is_empty() => self.resolve_path(p),
            _ => self.msp_config_path().join("keystore"),
        };
        let security = u16::try_from(bccsp.sw.security).map_err(|_| {
            ConfigError::value(
                "peer.BCCSP.SW.Security",
                format!(
                    "{} is not a supported level; use 256 or 384",
                    bccsp.sw.security
                ),
            )
        })?;
        SwOpts::new(&bccsp.sw.hash, security, Some(key_store_path)).map_err(|e| {
            ConfigError::value(
                "peer.BCCSP.SW",
                format!("{e}; use Hash SHA2 or SHA3 and Security 256 or 384"),
            )
        })
    }

    /// The folder this configuration was read from.
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashFamily;
    use std::time::Duration;

    fn load(yaml: &str, vars: &[(&str, &str)]) -> Result<CoreConfig, ConfigError> {
        let env = Environment::new(vars.iter().copied(), "/work");
        let src = ConfigSource::from_yaml(yaml, Path::new("/etc/fab/core.yaml"), "CORE", env)?;
        CoreConfig::from_source(&src)
    }

    #[test]
    fn empty_file_gives_fabric_defaults() {
        let cfg = load("", &[]).unwrap();
        assert_eq!(cfg.peer.id, "jdoe");
        assert_eq!(
            cfg.peer.gossip.request_wait_time,
            Duration::from_millis(1500)
        );
        assert_eq!(cfg.peer.gossip.endpoint, None);
        assert_eq!(cfg.peer.handlers.auth_filters.len(), 2);
        assert_eq!(
            cfg.peer.handlers.endorsers["escc"].name,
            "DefaultEndorsement"
        );
        assert_eq!(
            cfg.vm.docker.host_config.log_config.config["max-size"],
            "50m"
        );
        assert_eq!(cfg.chaincode.system["qscc"], "enable");
    }

    #[test]
    fn env_applies_to_keys_absent_from_the_file() {
        let cfg = load(
            "peer:\n  id: file\n",
            &[
                ("CORE_PEER_ID", "env"),
                ("CORE_PEER_GOSSIP_ENDPOINT", "p0:7051"),
                ("CORE_PEER_HANDLERS_ENDORSERS_ESCC_LIBRARY", "/lib/escc.so"),
                ("CORE_CHAINCODE_SYSTEM_LSCC", "disable"),
                ("CORE_PEER_GOSSIP_BOOTSTRAP", "a:1 b:2"),
            ],
        )
        .unwrap();
        assert_eq!(cfg.peer.id, "env");
        assert_eq!(cfg.peer.gossip.endpoint.as_deref(), Some("p0:7051"));
        assert_eq!(
            cfg.peer.handlers.endorsers["escc"].library.as_deref(),
            Some("/lib/escc.so")
        );
        assert_eq!(cfg.chaincode.system["lscc"], "disable");
        assert_eq!(cfg.peer.gossip.bootstrap, vec!["a:1", "b:2"]);
    }

    #[test]
    fn bad_duration_names_key_and_value() {
        let err = load("peer:\n  keepalive:\n    minInterval: abc\n", &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "peer.keepalive.minInterval: invalid duration \"abc\""
        );
    }

    #[test]
    fn handler_lists_from_the_file_replace_defaults() {
        let yaml =
            "peer:\n  handlers:\n    authFilters:\n      - name: Mine\n        library: /x.so\n";
        let cfg = load(yaml, &[]).unwrap();
        assert_eq!(
            cfg.peer.handlers.auth_filters,
            vec![HandlerConfig {
                name: "Mine".into(),
                library: Some("/x.so".into())
            }]
        );
    }

    #[test]
    fn address_overrides_are_read() {
        let yaml = "peer:\n  deliveryclient:\n    addressOverrides:\n      - from: a:1\n        to: b:2\n        caCertsFile: ca.pem\n";
        let cfg = load(yaml, &[]).unwrap();
        let overrides = cfg.peer.deliveryclient.address_overrides.unwrap();
        assert_eq!(overrides[0].ca_certs_file, "ca.pem");
        assert_eq!(overrides[0].to, "b:2");
    }

    #[test]
    fn bccsp_keystore_defaults_under_the_msp_folder() {
        let cfg = load("", &[]).unwrap();
        let sw = cfg.peer_bccsp().unwrap();
        assert_eq!(
            sw.keystore_path,
            Some(PathBuf::from("/etc/fab/msp/keystore"))
        );
        assert_eq!(sw.hash_family, HashFamily::Sha2);
        assert_eq!(sw.security_level, 256);

        let cfg = load(
            "",
            &[
                ("CORE_PEER_BCCSP_SW_FILEKEYSTORE_KEYSTORE", "ks"),
                ("CORE_PEER_BCCSP_SW_HASH", "SHA3"),
            ],
        )
        .unwrap();
        let sw = cfg.peer_bccsp().unwrap();
        assert_eq!(sw.keystore_path, Some(PathBuf::from("/etc/fab/ks")));
        assert_eq!(sw.hash_family, HashFamily::Sha3);
        let bad = load("", &[("CORE_PEER_BCCSP_SW_SECURITY", "512")]).unwrap();
        let err = bad.peer_bccsp().unwrap_err().to_string();
        assert!(err.starts_with("peer.BCCSP.SW:"), "{err}");
    }

    #[test]
    fn pkcs11_is_refused_with_a_clear_error() {
        let cfg = load("", &[("CORE_PEER_BCCSP_DEFAULT", "PKCS11")]).unwrap();
        let err = cfg.peer_bccsp().unwrap_err().to_string();
        assert!(
            err.starts_with("peer.BCCSP.Default: \"PKCS11\" is not supported"),
            "{err}"
        );
    }
}
