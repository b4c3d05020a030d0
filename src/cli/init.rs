//! InitCmd: the start-up every `peer` command except `version` and `help` shares, in
//! Fabric's order: read core.yaml, warn about the legacy logging level, set up logging from
//! FABRIC_LOGGING_SPEC / FABRIC_LOGGING_FORMAT, then set up the local MSP from
//! peer.mspConfigPath, peer.localMspId, peer.localMspType and peer.BCCSP.

use std::path::PathBuf;

use super::client::PeerClientSettings;
use super::core_yaml::CoreYaml;
use super::CliError;

/// The software BCCSP options of core.yaml (`peer.BCCSP.SW`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BccspSettings {
    /// `peer.BCCSP.Default` ("SW").
    pub default: String,
    /// `peer.BCCSP.SW.Hash` ("SHA2" or "SHA3").
    pub hash: String,
    /// `peer.BCCSP.SW.Security` (256 or 384).
    pub security: String,
    /// `peer.BCCSP.SW.FileKeyStore.KeyStore`, resolved against core.yaml; None means the
    /// MSP folder's `keystore`.
    pub keystore: Option<PathBuf>,
}

/// Where and how to load the local MSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMspSettings {
    /// `peer.mspConfigPath`, resolved against core.yaml.
    pub config_dir: PathBuf,
    /// `peer.localMspId`.
    pub id: String,
    /// `peer.localMspType` ("bccsp" when unset).
    pub msp_type: String,
    /// The BCCSP options.
    pub bccsp: BccspSettings,
}

/// Everything the CLI reads from core.yaml.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// The core.yaml that was read.
    pub config_file: PathBuf,
    /// `logging_level` (the hidden `--logging-level` flag) or `logging.level`, if set.
    pub legacy_logging_level: Option<String>,
    /// Local MSP settings.
    pub local_msp: LocalMspSettings,
    /// How to reach the peer (`peer.address`, `peer.tls.*`, `peer.client.connTimeout`).
    pub peer: PeerClientSettings,
}

/// What InitCmd hands to a command.
#[derive(Debug, Clone)]
pub struct PeerContext {
    /// The settings read from core.yaml.
    pub settings: CoreSettings,
}

fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Reads [`CoreSettings`] from core.yaml (found through FABRIC_CFG_PATH) and the environment.
pub fn read_core_settings(logging_level_flag: Option<&str>) -> Result<CoreSettings, CliError> {
    let cfg = CoreYaml::load(process_env())?;
    let legacy = match logging_level_flag.filter(|l| !l.is_empty()) {
        Some(l) => l.to_string(),
        None => {
            let flat = cfg.string("logging_level");
            if flat.is_empty() {
                cfg.string("logging.level")
            } else {
                flat
            }
        }
    };
    let msp_type = match cfg.string("peer.localMspType") {
        t if t.is_empty() => "bccsp".to_string(),
        t => t,
    };
    let local_msp = LocalMspSettings {
        config_dir: cfg.path("peer.mspConfigPath").unwrap_or_default(),
        id: cfg.string("peer.localMspId"),
        msp_type,
        bccsp: BccspSettings {
            default: cfg.string("peer.BCCSP.Default"),
            hash: cfg.string("peer.BCCSP.SW.Hash"),
            security: cfg.string("peer.BCCSP.SW.Security"),
            keystore: cfg.path("peer.BCCSP.SW.FileKeyStore.KeyStore"),
        },
    };
    Ok(CoreSettings {
        config_file: cfg.file().to_path_buf(),
        legacy_logging_level: Some(legacy).filter(|l| !l.is_empty()),
        local_msp,
        peer: PeerClientSettings::from_core(&cfg)?,
    })
}

/// Sets up logging from FABRIC_LOGGING_SPEC (Fabric's `logger=level:level` syntax); output
/// goes to stderr. FABRIC_LOGGING_FORMAT is honoured once the flogging module is wired in.
/// A second call keeps the first setup.
pub fn init_logging() {
    let spec = std::env::var("FABRIC_LOGGING_SPEC").unwrap_or_default();
    let filter = tracing_subscriber::EnvFilter::new(logspec_to_filter(&spec));
    // try_init fails only when a subscriber is already installed, which is fine.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(false)
        .try_init();
}

fn filter_level(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "debug" => "debug",
        "warn" | "warning" => "warn",
        "error" | "panic" | "dpanic" | "fatal" => "error",
        _ => "info",
    }
}

/// Translates a Fabric logspec (`gossip,msp=debug:info`) into a tracing filter
/// (`info,gossip=debug,msp=debug`); the default level is info.
pub fn logspec_to_filter(spec: &str) -> String {
    let mut default = "info";
    let mut directives = Vec::new();
    for term in spec.split(':').map(str::trim).filter(|t| !t.is_empty()) {
        match term.split_once('=') {
            Some((loggers, level)) => {
                for logger in loggers.split(',').filter(|l| !l.is_empty()) {
                    directives.push(format!("{logger}={}", filter_level(level)));
                }
            }
            None => default = filter_level(term),
        }
    }
    std::iter::once(default.to_string())
        .chain(directives)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks the local MSP settings the way Fabric's InitCrypto does before loading.
pub fn check_local_msp(msp: &LocalMspSettings) -> Result<(), CliError> {
    if !msp.config_dir.is_dir() {
        return Err(CliError::Crypto(format!(
            "cannot init crypto, folder \"{}\" does not exist (set peer.mspConfigPath or \
             CORE_PEER_MSPCONFIGPATH to the MSP folder)",
            msp.config_dir.display()
        )));
    }
    if msp.id.is_empty() {
        return Err(CliError::Crypto(
            "the local MSP must have an ID (set peer.localMspId or CORE_PEER_LOCALMSPID)".into(),
        ));
    }
    if msp.msp_type != "bccsp" {
        return Err(CliError::Crypto(format!(
            "MSP type \"{}\" is not supported (peer.localMspType must be bccsp)",
            msp.msp_type
        )));
    }
    Ok(())
}

/// Runs InitCmd. `logging_level_flag` is the hidden legacy `--logging-level` value.
pub fn init_cmd(logging_level_flag: Option<&str>) -> Result<PeerContext, CliError> {
    let settings = read_core_settings(logging_level_flag)?;
    init_logging();
    if settings.legacy_logging_level.is_some() {
        tracing::warn!(
            target: "main",
            "CORE_LOGGING_LEVEL is no longer supported, please use the FABRIC_LOGGING_SPEC environment variable"
        );
    }
    check_local_msp(&settings.local_msp)?;
    tracing::debug!(
        target: "main",
        "local MSP {} ({}) at {}",
        settings.local_msp.id,
        settings.local_msp.msp_type,
        settings.local_msp.config_dir.display()
    );
    Ok(PeerContext { settings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logspec_translation() {
        assert_eq!(logspec_to_filter(""), "info");
        assert_eq!(logspec_to_filter("debug"), "debug");
        assert_eq!(
            logspec_to_filter("gossip,msp=debug:warning"),
            "warn,gossip=debug,msp=debug"
        );
    }

    fn msp(dir: PathBuf, id: &str) -> LocalMspSettings {
        LocalMspSettings {
            config_dir: dir,
            id: id.into(),
            msp_type: "bccsp".into(),
            bccsp: BccspSettings {
                default: "SW".into(),
                hash: "SHA2".into(),
                security: "256".into(),
                keystore: None,
            },
        }
    }

    #[test]
    fn msp_checks_follow_fabric() {
        let err = check_local_msp(&msp("/no/such/msp".into(), "Org1MSP")).unwrap_err();
        assert!(err
            .to_string()
            .contains("cannot init crypto, folder \"/no/such/msp\" does not exist"));
        let dir = tempfile::tempdir().unwrap();
        let err = check_local_msp(&msp(dir.path().into(), "")).unwrap_err();
        assert!(err.to_string().contains("the local MSP must have an ID"));
        check_local_msp(&msp(dir.path().into(), "Org1MSP")).unwrap();
    }
}
