//! `vm.*`: the Docker endpoint chaincode containers are built and run on.

use std::collections::BTreeMap;

use super::keys::Keys;
use crate::config::ConfigError;

/// `vm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    pub endpoint: String,
    pub docker: DockerConfig,
}

/// `vm.docker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerConfig {
    pub tls: DockerTlsConfig,
    pub attach_stdout: bool,
    pub host_config: HostConfig,
}

/// `vm.docker.tls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerTlsConfig {
    pub enabled: bool,
    pub ca_file: String,
    pub cert_file: String,
    pub key_file: String,
}

/// `vm.docker.hostConfig` (Docker's HostConfig fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    pub network_mode: String,
    pub dns: Option<Vec<String>>,
    pub log_config: LogConfig,
    pub memory: i64,
}

/// `vm.docker.hostConfig.LogConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// `Type`, the Docker log driver.
    pub log_type: String,
    /// `Config`, driver options (keys lower-cased, as viper does).
    pub config: BTreeMap<String, String>,
}

impl VmConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        let hc = |name: &str| format!("vm.docker.hostConfig.{name}");
        Ok(VmConfig {
            endpoint: k.string("vm.endpoint", "unix:///var/run/docker.sock")?,
            docker: DockerConfig {
                tls: DockerTlsConfig {
                    enabled: k.bool("vm.docker.tls.enabled", false)?,
                    ca_file: k.string("vm.docker.tls.ca.file", "docker/ca.crt")?,
                    cert_file: k.string("vm.docker.tls.cert.file", "docker/tls.crt")?,
                    key_file: k.string("vm.docker.tls.key.file", "docker/tls.key")?,
                },
                attach_stdout: k.bool("vm.docker.attachStdout", false)?,
                host_config: HostConfig {
                    network_mode: k.string(&hc("NetworkMode"), "host")?,
                    dns: k.opt_strings(&hc("Dns"))?,
                    log_config: LogConfig {
                        log_type: k.string(&hc("LogConfig.Type"), "json-file")?,
                        config: k.string_map(
                            &hc("LogConfig.Config"),
                            &[("max-size", "50m"), ("max-file", "5")],
                        )?,
                    },
                    memory: k.int(&hc("Memory"), 2_147_483_648)?,
                },
            },
        })
    }
}
