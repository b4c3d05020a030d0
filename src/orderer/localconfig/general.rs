//! The `General` section of orderer.yaml: listener, TLS, keepalive, cluster, genesis, local
//! MSP, profiling, BCCSP and authentication.

use std::time::Duration;

use super::keys::Keys;
use crate::config::ConfigError;

type Result<T> = std::result::Result<T, ConfigError>;

/// `General`.
#[derive(Debug, Clone, PartialEq)]
pub struct General {
    pub ledger_type: String,
    pub listen_address: String,
    pub listen_port: u16,
    pub tls: Tls,
    pub keepalive: Keepalive,
    pub cluster: Cluster,
    /// "provisional" or "file".
    pub genesis_method: String,
    pub genesis_profile: String,
    pub genesis_file: String,
    /// The system channel's name when the genesis block is made provisionally.
    pub system_channel: String,
    pub local_msp_dir: String,
    pub local_msp_id: String,
    pub profile: Profile,
    pub bccsp: Bccsp,
    pub authentication: Authentication,
}

/// `General.TLS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub enabled: bool,
    pub private_key: String,
    pub certificate: String,
    pub root_cas: Vec<String>,
    pub client_auth_required: bool,
    pub client_root_cas: Option<Vec<String>>,
}

/// `General.Keepalive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keepalive {
    pub server_min_interval: Duration,
    pub server_interval: Duration,
    pub server_timeout: Duration,
}

/// `General.Cluster` (used by the Raft consenter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub send_buffer_size: i64,
    pub client_certificate: Option<String>,
    pub client_private_key: Option<String>,
    pub listen_port: Option<i64>,
    pub listen_address: Option<String>,
    pub server_certificate: Option<String>,
    pub server_private_key: Option<String>,
}

/// `General.Profile` (the Go pprof server; kept for compatibility).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub enabled: bool,
    pub address: String,
}

/// `General.BCCSP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bccsp {
    pub default: String,
    pub sw: SwBccsp,
    pub pkcs11: Pkcs11,
}

/// `General.BCCSP.SW`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwBccsp {
    pub hash: String,
    pub security: i64,
    pub file_key_store: Option<String>,
}

/// `General.BCCSP.PKCS11` (not supported by this implementation; read for compatibility).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11 {
    pub library: Option<String>,
    pub label: Option<String>,
    pub pin: Option<String>,
    pub hash: Option<String>,
    pub security: Option<i64>,
    pub file_key_store: Option<String>,
}

/// `General.Authentication`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// How far a client's timestamp may be from the orderer's clock.
    pub time_window: Duration,
}

impl General {
    pub(super) fn read(k: &Keys) -> Result<Self> {
        Ok(General {
            ledger_type: k.string("General.LedgerType", "file")?,
            listen_address: k.string("General.ListenAddress", "127.0.0.1")?,
            listen_port: k.port("General.ListenPort", 7050)?,
            tls: Tls::read(k)?,
            keepalive: Keepalive {
                server_min_interval: k.duration(
                    "General.Keepalive.ServerMinInterval",
                    Duration::from_secs(60),
                )?,
                server_interval: k.duration(
                    "General.Keepalive.ServerInterval",
                    Duration::from_secs(7200),
                )?,
                server_timeout: k
                    .duration("General.Keepalive.ServerTimeout", Duration::from_secs(20))?,
            },
            cluster: Cluster::read(k)?,
            genesis_method: k.string("General.GenesisMethod", "provisional")?,
            genesis_profile: k.string("General.GenesisProfile", "SampleInsecureSolo")?,
            genesis_file: k.string("General.GenesisFile", "genesisblock")?,
            system_channel: k.string("General.SystemChannel", "testchainid")?,
            local_msp_dir: k.string("General.LocalMSPDir", "msp")?,
            local_msp_id: k.string("General.LocalMSPID", "SampleOrg")?,
            profile: Profile {
                enabled: k.bool("General.Profile.Enabled", false)?,
                address: k.string("General.Profile.Address", "0.0.0.0:6060")?,
            },
            bccsp: Bccsp::read(k)?,
            authentication: Authentication {
                time_window: k.duration(
                    "General.Authentication.TimeWindow",
                    Duration::from_secs(900),
                )?,
            },
        })
    }
}

impl Tls {
    fn read(k: &Keys) -> Result<Self> {
        Ok(Tls {
            enabled: k.bool("General.TLS.Enabled", false)?,
            private_key: k.string("General.TLS.PrivateKey", "tls/server.key")?,
            certificate: k.string("General.TLS.Certificate", "tls/server.crt")?,
            root_cas: k.strings("General.TLS.RootCAs", &["tls/ca.crt"])?,
            client_auth_required: k.bool("General.TLS.ClientAuthRequired", false)?,
            client_root_cas: k.opt_strings("General.TLS.ClientRootCAs")?,
        })
    }
}

impl Cluster {
    fn read(k: &Keys) -> Result<Self> {
        Ok(Cluster {
            send_buffer_size: k.int("General.Cluster.SendBufferSize", 10)?,
            client_certificate: k.opt_string("General.Cluster.ClientCertificate")?,
            client_private_key: k.opt_string("General.Cluster.ClientPrivateKey")?,
            listen_port: k.opt_int("General.Cluster.ListenPort")?,
            listen_address: k.opt_string("General.Cluster.ListenAddress")?,
            server_certificate: k.opt_string("General.Cluster.ServerCertificate")?,
            server_private_key: k.opt_string("General.Cluster.ServerPrivateKey")?,
        })
    }
}

impl Bccsp {
    fn read(k: &Keys) -> Result<Self> {
        Ok(Bccsp {
            default: k.string("General.BCCSP.Default", "SW")?,
            sw: SwBccsp {
                hash: k.string("General.BCCSP.SW.Hash", "SHA2")?,
                security: k.int("General.BCCSP.SW.Security", 256)?,
                file_key_store: k.opt_string("General.BCCSP.SW.FileKeyStore.KeyStore")?,
            },
            pkcs11: Pkcs11 {
                library: k.opt_string("General.BCCSP.PKCS11.Library")?,
                label: k.opt_string("General.BCCSP.PKCS11.Label")?,
                pin: k.opt_string("General.BCCSP.PKCS11.Pin")?,
                hash: k.opt_string("General.BCCSP.PKCS11.Hash")?,
                security: k.opt_int("General.BCCSP.PKCS11.Security")?,
                file_key_store: k.opt_string("General.BCCSP.PKCS11.FileKeyStore.KeyStore")?,
            },
        })
    }
}
