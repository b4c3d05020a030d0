//! orderer.yaml as a typed configuration (Fabric's `localconfig.TopLevel`): every key of the
//! v1.4.12 sample with Fabric's default, read through [`ConfigSource`] so that an
//! `ORDERER_<KEY>` environment variable overrides any key, even one the file leaves out.
//! Paths Fabric translates (TLS files, genesis file, local MSP folder) are resolved against
//! the folder of the orderer.yaml they came from.

mod general;
mod keys;
mod sections;

use std::path::{Path, PathBuf};

pub use general::{
    Authentication, Bccsp, Cluster, General, Keepalive, Pkcs11, Profile, SwBccsp, Tls,
};
pub use sections::{
    Consensus, Debug, FileLedger, Kafka, KafkaRetry, KafkaSaslPlain, KafkaTls, Metrics, Operations,
    OperationsTls, RamLedger, Statsd,
};

use crate::config::{translate_path, ConfigError, ConfigSource, Environment};
use keys::Keys;

/// The name of the orderer's configuration file (without extension).
pub const ORDERER_CONFIG_NAME: &str = "orderer";
/// The prefix of the orderer's environment overrides.
pub const ORDERER_ENV_PREFIX: &str = "ORDERER";

/// The typed orderer configuration (orderer.yaml).
#[derive(Debug, Clone, PartialEq)]
pub struct TopLevel {
    /// The folder of the orderer.yaml this came from; relative paths are relative to it.
    pub config_dir: PathBuf,
    pub general: General,
    pub file_ledger: FileLedger,
    pub ram_ledger: RamLedger,
    pub kafka: Kafka,
    pub debug: Debug,
    pub operations: Operations,
    pub metrics: Metrics,
    pub consensus: Consensus,
}

impl TopLevel {
    /// Finds orderer.yaml with Fabric's search rules (FABRIC_CFG_PATH, else `./`, else
    /// `/etc/hyperledger/fabric`) and reads it with ORDERER_* overrides.
    pub fn load(env: Environment) -> Result<(ConfigSource, TopLevel), ConfigError> {
        let source = ConfigSource::load(ORDERER_CONFIG_NAME, ORDERER_ENV_PREFIX, env)?;
        let config = TopLevel::from_source(&source)?;
        Ok((source, config))
    }

    /// Reads every key from a loaded source, defaults for the missing ones.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let k = Keys::new(source);
        Ok(TopLevel {
            config_dir: source.config_dir().to_path_buf(),
            general: General::read(&k)?,
            file_ledger: FileLedger::read(&k)?,
            ram_ledger: RamLedger::read(&k)?,
            kafka: Kafka::read(&k)?,
            debug: Debug::read(&k)?,
            operations: Operations::read(&k)?,
            metrics: Metrics::read(&k)?,
            consensus: Consensus::read(&k)?,
        })
    }

    /// A path from the file resolved as Fabric's `TranslatePath` does: absolute paths are
    /// kept, relative ones are taken relative to the config file's folder.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        translate_path(&self.config_dir, path)
    }

    /// `General.LocalMSPDir`, resolved.
    pub fn local_msp_dir(&self) -> PathBuf {
        self.resolve_path(&self.general.local_msp_dir)
    }

    /// `General.GenesisFile`, resolved.
    pub fn genesis_file(&self) -> PathBuf {
        self.resolve_path(&self.general.genesis_file)
    }

    /// `FileLedger.Location` (Fabric does not translate it; relative means relative to the
    /// working directory).
    pub fn ledger_location(&self) -> &Path {
        Path::new(&self.file_ledger.location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn load(yaml: &str, vars: &[(&str, &str)]) -> Result<TopLevel, ConfigError> {
        let env = Environment::new(vars.iter().map(|(a, b)| (*a, *b)), "/work");
        let src = ConfigSource::from_yaml(yaml, Path::new("/cfg/orderer.yaml"), "ORDERER", env)?;
        TopLevel::from_source(&src)
    }

    #[test]
    fn empty_file_gives_the_sample_defaults() {
        let c = load("", &[]).unwrap();
        assert_eq!(c.general.listen_address, "127.0.0.1");
        assert_eq!(c.general.listen_port, 7050);
        assert_eq!(c.general.genesis_method, "provisional");
        assert_eq!(c.general.system_channel, "testchainid");
        assert_eq!(
            c.general.keepalive.server_interval,
            Duration::from_secs(7200)
        );
        assert_eq!(
            c.file_ledger.location,
            "/var/hyperledger/production/orderer"
        );
        assert_eq!(c.general.tls.root_cas, vec!["tls/ca.crt".to_string()]);
        assert_eq!(c.local_msp_dir(), PathBuf::from("/cfg/msp"));
    }

    #[test]
    fn env_overrides_file_and_paths_resolve_against_the_file() {
        let yaml = "General:\n  ListenPort: 7000\n  GenesisFile: gen/genesis.block\n";
        let c = load(yaml, &[("ORDERER_GENERAL_LISTENPORT", "7777")]).unwrap();
        assert_eq!(c.general.listen_port, 7777);
        assert_eq!(c.genesis_file(), PathBuf::from("/cfg/gen/genesis.block"));
        let c = load(yaml, &[("ORDERER_GENERAL_GENESISFILE", "/abs/g.block")]).unwrap();
        assert_eq!(c.genesis_file(), PathBuf::from("/abs/g.block"));
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = load("General:\n  ListenPort: seventy\n", &[]).unwrap_err();
        assert!(err.to_string().starts_with("General.ListenPort:"), "{err}");
        let err = load("", &[("ORDERER_GENERAL_LISTENPORT", "99999")]).unwrap_err();
        assert!(err.to_string().contains("port"), "{err}");
        let err = load("", &[("ORDERER_KAFKA_RETRY_SHORTTOTAL", "ten")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Kafka.Retry.ShortTotal: invalid duration \"ten\""
        );
    }
}
