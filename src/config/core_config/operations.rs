//! `operations.*` (the health/metrics/logspec HTTP server) and `metrics.*`.

use std::time::Duration;

use super::keys::Keys;
use crate::config::ConfigError;

/// `operations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsConfig {
    pub listen_address: String,
    pub tls: OperationsTlsConfig,
}

/// `operations.tls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsTlsConfig {
    pub enabled: bool,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub client_auth_required: bool,
    pub client_root_cas_files: Vec<String>,
}

/// `metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    /// "disabled", "statsd" or "prometheus".
    pub provider: String,
    pub statsd: StatsdConfig,
}

/// `metrics.statsd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsdConfig {
    pub network: String,
    pub address: String,
    pub write_interval: Duration,
    pub prefix: Option<String>,
}

impl OperationsConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        Ok(OperationsConfig {
            listen_address: k.string("operations.listenAddress", "127.0.0.1:9443")?,
            tls: OperationsTlsConfig {
                enabled: k.bool("operations.tls.enabled", false)?,
                cert_file: k.opt_string("operations.tls.cert.file")?,
                key_file: k.opt_string("operations.tls.key.file")?,
                client_auth_required: k.bool("operations.tls.clientAuthRequired", false)?,
                client_root_cas_files: k.strings("operations.tls.clientRootCAs.files", &[])?,
            },
        })
    }
}

impl MetricsConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        Ok(MetricsConfig {
            provider: k.string("metrics.provider", "disabled")?,
            statsd: StatsdConfig {
                network: k.string("metrics.statsd.network", "udp")?,
                address: k.string("metrics.statsd.address", "127.0.0.1:8125")?,
                write_interval: k
                    .duration("metrics.statsd.writeInterval", Duration::from_secs(10))?,
                prefix: k.opt_string("metrics.statsd.prefix")?,
            },
        })
    }
}
