//! InitCmd: the start-up every `peer` command except `version` and `help` shares, in
//! Fabric's order: read core.yaml (with CORE_* overrides and flag overrides on top), warn
//! about the legacy logging level, make sure logging from FABRIC_LOGGING_SPEC /
//! FABRIC_LOGGING_FORMAT is in place, then set up the local MSP from peer.mspConfigPath,
//! peer.localMspId, peer.localMspType and peer.BCCSP and take its default signer.

use std::path::Path;
use std::sync::Arc;

use serde_yaml::Value;

use super::client::PeerClientSettings;
use super::CliError;
use crate::config::{ConfigSource, CoreConfig, Environment};
use crate::flogging::{FloggingError, Logging};
use crate::msp::{load_local_msp, SigningIdentity};

/// The MSP type Fabric uses when `peer.localMspType` is unset.
pub const DEFAULT_MSP_TYPE: &str = "bccsp";

/// What InitCmd needs from the command line and the process: the hidden legacy
/// `--logging-level` flag and the logging system the binary set up from the environment.
pub struct InitCmd {
    logging_level_flag: Option<String>,
    logging: Result<Logging, FloggingError>,
}

/// What InitCmd hands to a command.
pub struct PeerContext {
    /// core.yaml with its environment and flag overrides (for keys [`CoreConfig`] lacks).
    pub source: ConfigSource,
    /// The typed core.yaml.
    pub config: CoreConfig,
    /// How to reach the peer (`peer.address`, `peer.tls.*`, `peer.client.connTimeout`).
    pub peer: PeerClientSettings,
    /// The local MSP's default signing identity.
    pub signer: Arc<dyn SigningIdentity>,
    /// The process's logging system.
    pub logging: Logging,
}

impl std::fmt::Debug for PeerContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerContext")
            .field("config_file", &self.source.config_file_used())
            .field("peer", &self.peer)
            .field("signer", &self.signer.identifier())
            .finish()
    }
}

impl InitCmd {
    /// `logging_level_flag` is the hidden `--logging-level` value; `logging` is the logging
    /// system built from FABRIC_LOGGING_SPEC / FABRIC_LOGGING_FORMAT (its error, if those
    /// are invalid, is reported by every command that runs InitCmd).
    pub fn new(
        logging_level_flag: Option<String>,
        logging: Result<Logging, FloggingError>,
    ) -> Self {
        InitCmd {
            logging_level_flag: logging_level_flag.filter(|l| !l.is_empty()),
            logging,
        }
    }

    /// Runs InitCmd with no command-specific overrides.
    pub fn run(&self) -> Result<PeerContext, CliError> {
        self.run_with(&[])
    }

    /// Runs InitCmd; `overrides` are set on the configuration like viper.Set (flags such
    /// as `peer node start --peer-chaincodedev` → `chaincode.mode=dev`).
    pub fn run_with(&self, overrides: &[(&str, Value)]) -> Result<PeerContext, CliError> {
        let mut source = ConfigSource::load("core", "CORE", Environment::from_process())
            .map_err(|e| CliError::Config(e.to_string()))?;
        if let Some(level) = &self.logging_level_flag {
            source.set("logging_level", level.as_str());
        }
        for (key, value) in overrides {
            source.set(key, value.clone());
        }
        let config =
            CoreConfig::from_source(&source).map_err(|e| CliError::Config(e.to_string()))?;
        if legacy_logging_level(&source).is_some() {
            tracing::warn!(
                target: "main",
                "CORE_LOGGING_LEVEL is no longer supported, please use the FABRIC_LOGGING_SPEC environment variable"
            );
        }
        let logging = match &self.logging {
            Ok(l) => l.clone(),
            Err(e) => {
                return Err(CliError::Config(format!(
                    "{e} (check FABRIC_LOGGING_SPEC and FABRIC_LOGGING_FORMAT)"
                )))
            }
        };
        let signer = init_crypto(&config)?;
        let peer = PeerClientSettings::from_config(&source, &config)?;
        Ok(PeerContext {
            source,
            config,
            peer,
            signer,
            logging,
        })
    }
}

/// `logging_level` (the legacy flag or CORE_LOGGING_LEVEL), else `logging.level`.
pub fn legacy_logging_level(source: &ConfigSource) -> Option<String> {
    ["logging_level", "logging.level"]
        .iter()
        .find_map(|key| source.get_string(key).ok().flatten())
        .filter(|l| !l.is_empty())
}

/// Fabric's checks before loading the local MSP: the folder must exist, the MSP must have an
/// id, and the type must be one this build has.
pub fn check_local_msp(dir: &Path, msp_id: &str, msp_type: &str) -> Result<(), CliError> {
    if !dir.is_dir() {
        return Err(CliError::Crypto(format!(
            "cannot init crypto, folder \"{}\" does not exist (set peer.mspConfigPath or \
             CORE_PEER_MSPCONFIGPATH to the MSP folder)",
            dir.display()
        )));
    }
    if msp_id.is_empty() {
        return Err(CliError::Crypto(
            "the local MSP must have an ID (set peer.localMspId or CORE_PEER_LOCALMSPID)".into(),
        ));
    }
    if msp_type != DEFAULT_MSP_TYPE {
        return Err(CliError::Crypto(format!(
            "MSP type \"{msp_type}\" is not supported (peer.localMspType must be bccsp)"
        )));
    }
    Ok(())
}

/// Loads the local MSP (Fabric's InitCrypto) and returns its default signing identity.
pub fn init_crypto(config: &CoreConfig) -> Result<Arc<dyn SigningIdentity>, CliError> {
    let dir = config.msp_config_path();
    let msp_id = config.peer.local_msp_id.as_str();
    let msp_type = match config.peer.local_msp_type.as_str() {
        "" => DEFAULT_MSP_TYPE,
        t => t,
    };
    check_local_msp(&dir, msp_id, msp_type)?;
    let setting_up = |reason: String| {
        CliError::Crypto(format!(
            "error when setting up MSP of type {msp_type} from directory {}: {reason}",
            dir.display()
        ))
    };
    let opts = config
        .peer_bccsp()
        .map_err(|e| setting_up(format!("could not parse the BCCSP options: {e}")))?;
    let msp = load_local_msp(&dir, msp_id, &opts).map_err(|e| setting_up(e.to_string()))?;
    let signer = msp
        .default_signing_identity()
        .map_err(|e| setting_up(e.to_string()))?;
    tracing::debug!(
        target: "main",
        "local MSP {msp_id} ({msp_type}) loaded from {}",
        dir.display()
    );
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msp_checks_follow_fabric() {
        let err = check_local_msp(Path::new("/no/such/msp"), "Org1MSP", "bccsp").unwrap_err();
        assert!(err
            .to_string()
            .contains("cannot init crypto, folder \"/no/such/msp\" does not exist"));
        let dir = tempfile::tempdir().unwrap();
        let err = check_local_msp(dir.path(), "", "bccsp").unwrap_err();
        assert!(err.to_string().contains("the local MSP must have an ID"));
        let err = check_local_msp(dir.path(), "Org1MSP", "idemix").unwrap_err();
        assert!(err.to_string().contains("\"idemix\" is not supported"));
        check_local_msp(dir.path(), "Org1MSP", "bccsp").unwrap();
    }

    #[test]
    fn legacy_level_comes_from_either_key() {
        let env = Environment::new(Vec::<(String, String)>::new(), "/");
        let src = ConfigSource::from_yaml(
            "logging:\n  level: debug\n",
            Path::new("/c/core.yaml"),
            "CORE",
            env.clone(),
        )
        .unwrap();
        assert_eq!(legacy_logging_level(&src).as_deref(), Some("debug"));
        let mut src =
            ConfigSource::from_yaml("peer: {}\n", Path::new("/c/core.yaml"), "CORE", env).unwrap();
        assert_eq!(legacy_logging_level(&src), None);
        src.set("logging_level", "warning");
        assert_eq!(legacy_logging_level(&src).as_deref(), Some("warning"));
    }

    #[test]
    fn garbage_signcert_is_the_setting_up_line() {
        let dir = tempfile::tempdir().unwrap();
        let msp = dir.path().join("msp");
        for sub in ["signcerts", "cacerts", "keystore"] {
            std::fs::create_dir_all(msp.join(sub)).unwrap();
        }
        std::fs::write(msp.join("signcerts/cert.pem"), "not a certificate").unwrap();
        std::fs::write(
            dir.path().join("core.yaml"),
            "peer:\n  mspConfigPath: msp\n  localMspId: Org1MSP\n",
        )
        .unwrap();
        let env = Environment::new(Vec::<(String, String)>::new(), dir.path());
        let src = ConfigSource::from_file(&dir.path().join("core.yaml"), "CORE", env).unwrap();
        let config = CoreConfig::from_source(&src).unwrap();
        let err = init_crypto(&config)
            .expect_err("garbage must fail")
            .to_string();
        assert!(
            err.starts_with(&format!(
                "cannot run peer because error when setting up MSP of type bccsp from directory {}: ",
                msp.display()
            )),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
