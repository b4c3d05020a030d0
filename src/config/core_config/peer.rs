//! `peer.*` outside gossip: identity, addresses, keepalive, TLS, BCCSP, MSP, clients,
//! handlers and discovery.

use std::collections::BTreeMap;
use std::time::Duration;

use super::gossip::GossipConfig;
use super::keys::{map_string, Keys};
use crate::config::ConfigError;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `peer`.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerConfig {
    pub id: String,
    pub network_id: String,
    pub listen_address: String,
    pub address: String,
    pub address_auto_detect: bool,
    pub gomaxprocs: i64,
    pub keepalive: KeepaliveConfig,
    pub gossip: GossipConfig,
    pub tls: PeerTlsConfig,
    /// `peer.authentication.timewindow`: allowed clock skew of client requests.
    pub authentication_timewindow: Duration,
    pub file_system_path: String,
    pub bccsp: BccspConfig,
    /// As written in the file; see [`super::CoreConfig::msp_config_path`] for the resolved path.
    pub msp_config_path: String,
    pub local_msp_id: String,
    /// `peer.client.connTimeout`.
    pub client_conn_timeout: Duration,
    pub deliveryclient: DeliveryClientConfig,
    pub local_msp_type: String,
    pub profile: ProfileConfig,
    pub admin_service: AdminServiceConfig,
    pub handlers: HandlersConfig,
    pub validator_pool_size: Option<i64>,
    pub discovery: DiscoveryConfig,
}

/// `peer.keepalive`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeepaliveConfig {
    pub min_interval: Duration,
    pub client: KeepaliveClientConfig,
    pub delivery_client: KeepaliveClientConfig,
}

/// `peer.keepalive.client` and `peer.keepalive.deliveryClient`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeepaliveClientConfig {
    pub interval: Duration,
    pub timeout: Duration,
}

/// `peer.tls` (file paths as written; relative ones are relative to the config folder).
#[derive(Debug, Clone, PartialEq)]
pub struct PeerTlsConfig {
    pub enabled: bool,
    pub client_auth_required: bool,
    pub cert_file: String,
    pub key_file: String,
    pub rootcert_file: String,
    pub client_root_cas_files: Vec<String>,
    pub client_key_file: Option<String>,
    pub client_cert_file: Option<String>,
}

/// `peer.BCCSP`.
#[derive(Debug, Clone, PartialEq)]
pub struct BccspConfig {
    pub default: String,
    pub sw: SwConfig,
    pub pkcs11: Pkcs11Config,
}

/// `peer.BCCSP.SW`.
#[derive(Debug, Clone, PartialEq)]
pub struct SwConfig {
    pub hash: String,
    pub security: i64,
    /// `FileKeyStore.KeyStore`; unset means `<mspConfigPath>/keystore`.
    pub file_key_store: Option<String>,
}

/// `peer.BCCSP.PKCS11` (read for completeness; this build has no PKCS#11 provider).
#[derive(Debug, Clone, PartialEq)]
pub struct Pkcs11Config {
    pub library: Option<String>,
    pub label: Option<String>,
    pub pin: Option<String>,
    pub hash: Option<String>,
    pub security: Option<i64>,
    pub file_key_store: Option<String>,
}

/// `peer.deliveryclient`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryClientConfig {
    pub reconnect_total_time_threshold: Duration,
    pub conn_timeout: Duration,
    pub re_connect_backoff_threshold: Duration,
    pub address_overrides: Option<Vec<AddressOverride>>,
}

/// One entry of `peer.deliveryclient.addressOverrides`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressOverride {
    pub from: String,
    pub to: String,
    pub ca_certs_file: String,
}

/// `peer.profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileConfig {
    pub enabled: bool,
    pub listen_address: String,
}

/// `peer.adminService`: unset or the peer's own port means the admin service shares the
/// peer's listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminServiceConfig {
    pub listen_address: Option<String>,
}

/// A pluggable handler: a built-in by `name`, or a plugin from `library`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerConfig {
    pub name: String,
    pub library: Option<String>,
}

/// `peer.handlers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlersConfig {
    pub auth_filters: Vec<HandlerConfig>,
    pub decorators: Vec<HandlerConfig>,
    /// Endorsement plugins by name (`escc` by default).
    pub endorsers: BTreeMap<String, HandlerConfig>,
    /// Validation plugins by name (`vscc` by default).
    pub validators: BTreeMap<String, HandlerConfig>,
}

/// `peer.discovery`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryConfig {
    pub enabled: bool,
    pub auth_cache_enabled: bool,
    pub auth_cache_max_size: i64,
    pub auth_cache_purge_retention_ratio: f64,
    pub org_members_allowed_access: bool,
}

impl PeerConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        Ok(PeerConfig {
            id: k.string("peer.id", "jdoe")?,
            network_id: k.string("peer.networkId", "dev")?,
            listen_address: k.string("peer.listenAddress", "0.0.0.0:7051")?,
            address: k.string("peer.address", "0.0.0.0:7051")?,
            address_auto_detect: k.bool("peer.addressAutoDetect", false)?,
            gomaxprocs: k.int("peer.gomaxprocs", -1)?,
            keepalive: KeepaliveConfig::read(k)?,
            gossip: GossipConfig::read(k)?,
            tls: PeerTlsConfig::read(k)?,
            authentication_timewindow: k.duration("peer.authentication.timewindow", secs(900))?,
            file_system_path: k.string("peer.fileSystemPath", "/var/hyperledger/production")?,
            bccsp: BccspConfig::read(k)?,
            msp_config_path: k.string("peer.mspConfigPath", "msp")?,
            local_msp_id: k.string("peer.localMspId", "SampleOrg")?,
            client_conn_timeout: k.duration("peer.client.connTimeout", secs(3))?,
            deliveryclient: DeliveryClientConfig::read(k)?,
            local_msp_type: k.string("peer.localMspType", "bccsp")?,
            profile: ProfileConfig {
                enabled: k.bool("peer.profile.enabled", false)?,
                listen_address: k.string("peer.profile.listenAddress", "0.0.0.0:6060")?,
            },
            admin_service: AdminServiceConfig {
                listen_address: k.opt_string("peer.adminService.listenAddress")?,
            },
            handlers: HandlersConfig::read(k)?,
            validator_pool_size: k.opt_int("peer.validatorPoolSize")?,
            discovery: DiscoveryConfig::read(k)?,
        })
    }
}

impl KeepaliveConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        let client = |name: &str| -> Result<KeepaliveClientConfig, ConfigError> {
            Ok(KeepaliveClientConfig {
                interval: k.duration(&format!("peer.keepalive.{name}.interval"), secs(60))?,
                timeout: k.duration(&format!("peer.keepalive.{name}.timeout"), secs(20))?,
            })
        };
        Ok(KeepaliveConfig {
            min_interval: k.duration("peer.keepalive.minInterval", secs(60))?,
            client: client("client")?,
            delivery_client: client("deliveryClient")?,
        })
    }
}

impl PeerTlsConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        Ok(PeerTlsConfig {
            enabled: k.bool("peer.tls.enabled", false)?,
            client_auth_required: k.bool("peer.tls.clientAuthRequired", false)?,
            cert_file: k.string("peer.tls.cert.file", "tls/server.crt")?,
            key_file: k.string("peer.tls.key.file", "tls/server.key")?,
            rootcert_file: k.string("peer.tls.rootcert.file", "tls/ca.crt")?,
            client_root_cas_files: k.strings("peer.tls.clientRootCAs.files", &["tls/ca.crt"])?,
            client_key_file: k.opt_string("peer.tls.clientKey.file")?,
            client_cert_file: k.opt_string("peer.tls.clientCert.file")?,
        })
    }
}

impl BccspConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        let p11 = |name: &str| format!("peer.BCCSP.PKCS11.{name}");
        Ok(BccspConfig {
            default: k.string("peer.BCCSP.Default", "SW")?,
            sw: SwConfig {
                hash: k.string("peer.BCCSP.SW.Hash", "SHA2")?,
                security: k.int("peer.BCCSP.SW.Security", 256)?,
                file_key_store: k.opt_string("peer.BCCSP.SW.FileKeyStore.KeyStore")?,
            },
            pkcs11: Pkcs11Config {
                library: k.opt_string(&p11("Library"))?,
                label: k.opt_string(&p11("Label"))?,
                pin: k.opt_string(&p11("Pin"))?,
                hash: k.opt_string(&p11("Hash"))?,
                security: k.opt_int(&p11("Security"))?,
                file_key_store: k.opt_string(&p11("FileKeyStore.KeyStore"))?,
            },
        })
    }
}

impl DeliveryClientConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        let key = "peer.deliveryclient.addressOverrides";
        let address_overrides = match k.list_of_maps(key)? {
            None => None,
            Some(maps) => Some(
                maps.iter()
                    .map(|m| {
                        Ok(AddressOverride {
                            from: map_string(m, key, "from")?.unwrap_or_default(),
                            to: map_string(m, key, "to")?.unwrap_or_default(),
                            ca_certs_file: map_string(m, key, "caCertsFile")?.unwrap_or_default(),
                        })
                    })
                    .collect::<Result<Vec<_>, ConfigError>>()?,
            ),
        };
        Ok(DeliveryClientConfig {
            reconnect_total_time_threshold: k.duration(
                "peer.deliveryclient.reconnectTotalTimeThreshold",
                secs(3600),
            )?,
            conn_timeout: k.duration("peer.deliveryclient.connTimeout", secs(3))?,
            re_connect_backoff_threshold: k
                .duration("peer.deliveryclient.reConnectBackoffThreshold", secs(3600))?,
            address_overrides,
        })
    }
}

impl HandlersConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        Ok(HandlersConfig {
            auth_filters: handler_list(
                k,
                "peer.handlers.authFilters",
                &["DefaultAuth", "ExpirationCheck"],
            )?,
            decorators: handler_list(k, "peer.handlers.decorators", &["DefaultDecorator"])?,
            endorsers: handler_map(k, "peer.handlers.endorsers", "escc", "DefaultEndorsement")?,
            validators: handler_map(k, "peer.handlers.validators", "vscc", "DefaultValidation")?,
        })
    }
}

fn handler_list(k: &Keys, key: &str, defaults: &[&str]) -> Result<Vec<HandlerConfig>, ConfigError> {
    match k.list_of_maps(key)? {
        None => Ok(defaults
            .iter()
            .map(|name| HandlerConfig {
                name: name.to_string(),
                library: None,
            })
            .collect()),
        Some(maps) => maps
            .iter()
            .map(|m| {
                Ok(HandlerConfig {
                    name: map_string(m, key, "name")?.unwrap_or_default(),
                    library: map_string(m, key, "library")?.filter(|l| !l.is_empty()),
                })
            })
            .collect(),
    }
}

/// A map of named handlers; every entry's `name` and `library` are individual keys, so the
/// environment can override them (`CORE_PEER_HANDLERS_ENDORSERS_ESCC_LIBRARY`).
fn handler_map(
    k: &Keys,
    key: &str,
    default_entry: &str,
    default_name: &str,
) -> Result<BTreeMap<String, HandlerConfig>, ConfigError> {
    let mut out = BTreeMap::new();
    for entry in k.section_names(key, &[default_entry]) {
        let fallback = if entry == default_entry {
            default_name
        } else {
            ""
        };
        let handler = HandlerConfig {
            name: k.string(&format!("{key}.{entry}.name"), fallback)?,
            library: k
                .opt_string(&format!("{key}.{entry}.library"))?
                .filter(|l| !l.is_empty()),
        };
        out.insert(entry, handler);
    }
    Ok(out)
}

impl DiscoveryConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        Ok(DiscoveryConfig {
            enabled: k.bool("peer.discovery.enabled", true)?,
            auth_cache_enabled: k.bool("peer.discovery.authCacheEnabled", true)?,
            auth_cache_max_size: k.int("peer.discovery.authCacheMaxSize", 1000)?,
            auth_cache_purge_retention_ratio: k
                .float("peer.discovery.authCachePurgeRetentionRatio", 0.75)?,
            org_members_allowed_access: k.bool("peer.discovery.orgMembersAllowedAccess", false)?,
        })
    }
}
