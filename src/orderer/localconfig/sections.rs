//! The sections of orderer.yaml after `General`: ledgers, Kafka, debug tracing, the
//! operations server, metrics and the Raft consenter's folders.

use std::time::Duration;

use super::keys::Keys;
use crate::config::ConfigError;

type Result<T> = std::result::Result<T, ConfigError>;

/// `FileLedger`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLedger {
    /// The folder holding one sub-folder per channel.
    pub location: String,
    /// The temporary-folder prefix Fabric uses when Location is empty.
    pub prefix: String,
}

/// `RAMLedger`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RamLedger {
    pub history_size: i64,
}

/// `Kafka` (the Kafka consenter is not implemented; the keys are read for compatibility).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kafka {
    pub retry: KafkaRetry,
    pub topic_replication_factor: i64,
    pub verbose: bool,
    pub tls: KafkaTls,
    pub sasl_plain: KafkaSaslPlain,
    pub version: Option<String>,
}

/// `Kafka.Retry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRetry {
    pub short_interval: Duration,
    pub short_total: Duration,
    pub long_interval: Duration,
    pub long_total: Duration,
    pub dial_timeout: Duration,
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub metadata_retry_backoff: Duration,
    pub metadata_retry_max: i64,
    pub producer_retry_backoff: Duration,
    pub producer_retry_max: i64,
    pub consumer_retry_backoff: Duration,
}

/// `Kafka.TLS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaTls {
    pub enabled: bool,
    pub private_key: Option<String>,
    pub certificate: Option<String>,
    pub root_cas: Option<Vec<String>>,
}

/// `Kafka.SASLPlain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSaslPlain {
    pub enabled: bool,
    pub user: Option<String>,
    pub password: Option<String>,
}

/// `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debug {
    pub broadcast_trace_dir: Option<String>,
    pub deliver_trace_dir: Option<String>,
}

/// `Operations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operations {
    pub listen_address: String,
    pub tls: OperationsTls,
}

/// `Operations.TLS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsTls {
    pub enabled: bool,
    pub certificate: Option<String>,
    pub private_key: Option<String>,
    pub client_auth_required: bool,
    pub client_root_cas: Vec<String>,
}

/// `Metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    pub provider: String,
    pub statsd: Statsd,
}

/// `Metrics.Statsd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statsd {
    pub network: String,
    pub address: String,
    pub write_interval: Duration,
    pub prefix: Option<String>,
}

/// `Consensus` (the etcdraft consenter's write-ahead log and snapshot folders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consensus {
    pub wal_dir: String,
    pub snap_dir: String,
}

impl FileLedger {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(FileLedger {
            location: k.string("FileLedger.Location", "/var/hyperledger/production/orderer")?,
            prefix: k.string("FileLedger.Prefix", "hyperledger-fabric-ordererledger")?,
        })
    }
}

impl RamLedger {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(RamLedger {
            history_size: k.int("RAMLedger.HistorySize", 1000)?,
        })
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

impl Kafka {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        let r = "Kafka.Retry";
        let d = |name: &str, default| k.duration(&format!("{r}.{name}"), default);
        let retry = KafkaRetry {
            short_interval: d("ShortInterval", secs(5))?,
            short_total: d("ShortTotal", secs(600))?,
            long_interval: d("LongInterval", secs(300))?,
            long_total: d("LongTotal", secs(12 * 3600))?,
            dial_timeout: d("NetworkTimeouts.DialTimeout", secs(10))?,
            read_timeout: d("NetworkTimeouts.ReadTimeout", secs(10))?,
            write_timeout: d("NetworkTimeouts.WriteTimeout", secs(10))?,
            metadata_retry_backoff: d("Metadata.RetryBackoff", Duration::from_millis(250))?,
            metadata_retry_max: k.int("Kafka.Retry.Metadata.RetryMax", 3)?,
            producer_retry_backoff: d("Producer.RetryBackoff", Duration::from_millis(100))?,
            producer_retry_max: k.int("Kafka.Retry.Producer.RetryMax", 3)?,
            consumer_retry_backoff: d("Consumer.RetryBackoff", secs(2))?,
        };
        Ok(Kafka {
            retry,
            topic_replication_factor: k.int("Kafka.Topic.ReplicationFactor", 3)?,
            verbose: k.bool("Kafka.Verbose", false)?,
            tls: KafkaTls {
                enabled: k.bool("Kafka.TLS.Enabled", false)?,
                private_key: k.opt_string("Kafka.TLS.PrivateKey")?,
                certificate: k.opt_string("Kafka.TLS.Certificate")?,
                root_cas: k.opt_strings("Kafka.TLS.RootCAs")?,
            },
            sasl_plain: KafkaSaslPlain {
                enabled: k.bool("Kafka.SASLPlain.Enabled", false)?,
                user: k.opt_string("Kafka.SASLPlain.User")?,
                password: k.opt_string("Kafka.SASLPlain.Password")?,
            },
            version: k.opt_string("Kafka.Version")?,
        })
    }
}

impl Debug {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(Debug {
            broadcast_trace_dir: k.opt_string("Debug.BroadcastTraceDir")?,
            deliver_trace_dir: k.opt_string("Debug.DeliverTraceDir")?,
        })
    }
}

impl Operations {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(Operations {
            listen_address: k.string("Operations.ListenAddress", "127.0.0.1:8443")?,
            tls: OperationsTls {
                enabled: k.bool("Operations.TLS.Enabled", false)?,
                certificate: k.opt_string("Operations.TLS.Certificate")?,
                private_key: k.opt_string("Operations.TLS.PrivateKey")?,
                client_auth_required: k.bool("Operations.TLS.ClientAuthRequired", false)?,
                client_root_cas: k.strings("Operations.TLS.ClientRootCAs", &[])?,
            },
        })
    }
}

impl Metrics {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(Metrics {
            provider: k.string("Metrics.Provider", "disabled")?,
            statsd: Statsd {
                network: k.string("Metrics.Statsd.Network", "udp")?,
                address: k.string("Metrics.Statsd.Address", "127.0.0.1:8125")?,
                write_interval: k.duration("Metrics.Statsd.WriteInterval", secs(30))?,
                prefix: k.opt_string("Metrics.Statsd.Prefix")?,
            },
        })
    }
}

impl Consensus {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(Consensus {
            wal_dir: k.string(
                "Consensus.WALDir",
                "/var/hyperledger/production/orderer/etcdraft/wal",
            )?,
            snap_dir: k.string(
                "Consensus.SnapDir",
                "/var/hyperledger/production/orderer/etcdraft/snapshot",
            )?,
        })
    }
}
