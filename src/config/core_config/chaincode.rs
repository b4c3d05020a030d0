//! `chaincode.*`: how chaincode is built, launched, timed and logged.

use std::collections::BTreeMap;
use std::time::Duration;

use super::keys::{map_bool, map_string, Keys};
use crate::config::ConfigError;

/// Fabric's default log format, also the default of `chaincode.logging.format`.
pub const DEFAULT_LOG_FORMAT: &str = "%{color}%{time:2006-01-02 15:04:05.000 MST} [%{module}] %{shortfunc} -> %{level:.4s} %{id:03x}%{color:reset} %{message}";

/// `chaincode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeConfig {
    /// `chaincode.id.path` (development mode only).
    pub id_path: Option<String>,
    /// `chaincode.id.name` (development mode only).
    pub id_name: Option<String>,
    pub builder: String,
    pub pull: bool,
    pub golang_runtime: String,
    pub golang_dynamic_link: bool,
    pub car_runtime: String,
    pub java_runtime: String,
    pub node_runtime: String,
    pub startuptimeout: Duration,
    pub executetimeout: Duration,
    /// "net" or "dev".
    pub mode: String,
    /// Seconds between keepalives to chaincode; 0 disables them.
    pub keepalive: i64,
    /// The system chaincode whitelist: name to "enable"/"disable".
    pub system: BTreeMap<String, String>,
    pub system_plugins: Option<Vec<SystemPluginConfig>>,
    pub logging: ChaincodeLoggingConfig,
}

/// One entry of `chaincode.systemPlugins`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemPluginConfig {
    pub enabled: bool,
    pub name: String,
    pub path: String,
    pub invokable_external: bool,
    pub invokable_cc2cc: bool,
}

/// `chaincode.logging`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeLoggingConfig {
    pub level: String,
    pub shim: String,
    pub format: String,
}

impl ChaincodeConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        let baseos = "$(BASE_DOCKER_NS)/fabric-baseos:$(ARCH)-$(BASE_VERSION)";
        Ok(ChaincodeConfig {
            id_path: k.opt_string("chaincode.id.path")?,
            id_name: k.opt_string("chaincode.id.name")?,
            builder: k.string(
                "chaincode.builder",
                "$(DOCKER_NS)/fabric-ccenv:$(TWO_DIGIT_VERSION)",
            )?,
            pull: k.bool("chaincode.pull", false)?,
            golang_runtime: k.string("chaincode.golang.runtime", baseos)?,
            golang_dynamic_link: k.bool("chaincode.golang.dynamicLink", false)?,
            car_runtime: k.string("chaincode.car.runtime", baseos)?,
            java_runtime: k.string(
                "chaincode.java.runtime",
                "$(DOCKER_NS)/fabric-javaenv:$(TWO_DIGIT_VERSION)",
            )?,
            node_runtime: k.string(
                "chaincode.node.runtime",
                "$(BASE_DOCKER_NS)/fabric-baseimage:$(ARCH)-$(BASE_VERSION)",
            )?,
            startuptimeout: k.duration("chaincode.startuptimeout", Duration::from_secs(300))?,
            executetimeout: k.duration("chaincode.executetimeout", Duration::from_secs(30))?,
            mode: k.string("chaincode.mode", "net")?,
            keepalive: k.int("chaincode.keepalive", 0)?,
            system: k.string_map(
                "chaincode.system",
                &[("cscc", "enable"), ("lscc", "enable"), ("qscc", "enable")],
            )?,
            system_plugins: read_plugins(k)?,
            logging: ChaincodeLoggingConfig {
                level: k.string("chaincode.logging.level", "info")?,
                shim: k.string("chaincode.logging.shim", "warning")?,
                format: k.string("chaincode.logging.format", DEFAULT_LOG_FORMAT)?,
            },
        })
    }
}

fn read_plugins(k: &Keys) -> Result<Option<Vec<SystemPluginConfig>>, ConfigError> {
    let key = "chaincode.systemPlugins";
    let Some(maps) = k.list_of_maps(key)? else {
        return Ok(None);
    };
    maps.iter()
        .map(|m| {
            Ok(SystemPluginConfig {
                enabled: map_bool(m, key, "enabled")?,
                name: map_string(m, key, "name")?.unwrap_or_default(),
                path: map_string(m, key, "path")?.unwrap_or_default(),
                invokable_external: map_bool(m, key, "invokableExternal")?,
                invokable_cc2cc: map_bool(m, key, "invokableCC2CC")?,
            })
        })
        .collect::<Result<Vec<_>, ConfigError>>()
        .map(Some)
}
