//! The config query (Fabric's `discovery/support/config`): the MSPs of the channel's orderer
//! and application organizations, and the orderer endpoints per orderer organization (the
//! organization's own `Endpoints` when any organization has some, else the channel-wide
//! `OrdererAddresses` for every orderer organization).

use std::collections::BTreeMap;

use prost::Message;

use crate::protos::common::{Config, ConfigGroup, OrdererAddresses};
use crate::protos::discovery::{ConfigResult, Endpoint, Endpoints};
use crate::protos::msp::{FabricMspConfig, MspConfig};

/// Fabric's MSP type for X.509 MSPs (`msp.FABRIC`).
const FABRIC_MSP_TYPE: i32 = 0;
const ORDERER: &str = "Orderer";
const APPLICATION: &str = "Application";
const MSP_KEY: &str = "MSP";
const ORDERER_ADDRESSES_KEY: &str = "OrdererAddresses";
const ENDPOINTS_KEY: &str = "Endpoints";

/// Why a config could not be turned into a config result (Fabric's texts).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigQueryError {
    #[error("config envelope is invalid: {0}")]
    Invalid(String),
    #[error("failed parsing MSPConfig: {0}")]
    Msp(String),
    #[error("failed unmarshaling orderer addresses: {0}")]
    Addresses(String),
    #[error("failed computing orderer addresses: {0}")]
    Endpoint(String),
}

/// Fabric's `ValidateConfigEnvelope` on the config itself.
fn groups_of(
    config: &Config,
) -> Result<(&ConfigGroup, &ConfigGroup, &ConfigGroup), ConfigQueryError> {
    let root = config
        .channel_group
        .as_ref()
        .ok_or_else(|| ConfigQueryError::Invalid("field Config.ChannelGroup is nil".into()))?;
    let get = |name: &str| {
        root.groups.get(name).ok_or_else(|| {
            ConfigQueryError::Invalid(format!("key Config.ChannelGroup.Groups[{name}] is missing"))
        })
    };
    Ok((root, get(ORDERER)?, get(APPLICATION)?))
}

/// The FabricMSPConfig of an organization group; `None` for other MSP types.
fn fabric_msp(
    name: &str,
    group: &ConfigGroup,
) -> Result<Option<FabricMspConfig>, ConfigQueryError> {
    let raw = group
        .values
        .get(MSP_KEY)
        .map(|v| v.value.as_slice())
        .unwrap_or_default();
    let msp = MspConfig::decode(raw).map_err(|e| ConfigQueryError::Msp(e.to_string()))?;
    if msp.r#type != FABRIC_MSP_TYPE {
        tracing::error!(target: "discovery.config", "Orderer group {name} is not a FABRIC MSP, but is of type {}", msp.r#type);
        return Ok(None);
    }
    FabricMspConfig::decode(msp.config.as_slice())
        .map(Some)
        .map_err(|e| ConfigQueryError::Msp(format!("failed marshaling FabricMSPConfig: {e}")))
}

fn addresses(group: &ConfigGroup, key: &str) -> Result<Option<Vec<String>>, ConfigQueryError> {
    match group.values.get(key) {
        None => Ok(None),
        Some(v) => OrdererAddresses::decode(v.value.as_slice())
            .map(|a| Some(a.addresses))
            .map_err(|e| ConfigQueryError::Addresses(e.to_string())),
    }
}

fn split_endpoint(endpoint: &str) -> Option<Endpoint> {
    let (host, port) = endpoint.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u32 = port.parse().ok().filter(|p| *p <= i32::MAX as u32)?;
    Some(Endpoint {
        host: host.to_string(),
        port,
    })
}

/// The config result of a channel config.
pub fn config_result(config: &Config) -> Result<ConfigResult, ConfigQueryError> {
    let (root, orderer, application) = groups_of(config)?;
    let global = addresses(root, ORDERER_ADDRESSES_KEY)?.unwrap_or_default();
    let mut per_org: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, group) in &orderer.groups {
        let Some(msp) = fabric_msp(name, group)? else {
            continue;
        };
        per_org.insert(
            msp.name,
            addresses(group, ENDPOINTS_KEY)?.unwrap_or_default(),
        );
    }
    let any_per_org = per_org.values().any(|e| !e.is_empty());
    let mut orderers = BTreeMap::new();
    for (msp_id, own) in &per_org {
        let mut endpoints = Endpoints::default();
        if any_per_org {
            for e in own {
                match split_endpoint(e) {
                    Some(ep) => endpoints.endpoint.push(ep),
                    None => {
                        tracing::warn!(target: "discovery.config", "Failed parsing endpoint {e} for {msp_id}")
                    }
                }
            }
        } else {
            for e in &global {
                let ep = split_endpoint(e).ok_or_else(|| {
                    ConfigQueryError::Endpoint(format!("failed parsing orderer endpoint {e}"))
                })?;
                endpoints.endpoint.push(ep);
            }
        }
        orderers.insert(msp_id.clone(), endpoints);
    }
    let mut msps = BTreeMap::new();
    for groups in [&orderer.groups, &application.groups] {
        for (name, group) in groups {
            if let Some(msp) = fabric_msp(name, group)? {
                msps.entry(msp.name.clone()).or_insert(msp);
            }
        }
    }
    Ok(ConfigResult { msps, orderers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::ConfigValue;

    fn org(name: &str, endpoints: Option<&[&str]>) -> ConfigGroup {
        let fabric = FabricMspConfig {
            name: name.into(),
            ..Default::default()
        };
        let msp = MspConfig {
            r#type: 0,
            config: fabric.encode_to_vec(),
        };
        let mut g = ConfigGroup::default();
        g.values.insert(
            MSP_KEY.into(),
            ConfigValue {
                value: msp.encode_to_vec(),
                ..Default::default()
            },
        );
        if let Some(e) = endpoints {
            g.values.insert(
                ENDPOINTS_KEY.into(),
                ConfigValue {
                    value: OrdererAddresses {
                        addresses: e.iter().map(|s| s.to_string()).collect(),
                    }
                    .encode_to_vec(),
                    ..Default::default()
                },
            );
        }
        g
    }

    fn config(orderer_orgs: Vec<(&str, ConfigGroup)>, global: &[&str]) -> Config {
        let mut orderer = ConfigGroup::default();
        for (n, g) in orderer_orgs {
            orderer.groups.insert(n.into(), g);
        }
        let mut app = ConfigGroup::default();
        app.groups.insert("Org1".into(), org("Org1MSP", None));
        let mut root = ConfigGroup::default();
        root.groups.insert(ORDERER.into(), orderer);
        root.groups.insert(APPLICATION.into(), app);
        root.values.insert(
            ORDERER_ADDRESSES_KEY.into(),
            ConfigValue {
                value: OrdererAddresses {
                    addresses: global.iter().map(|s| s.to_string()).collect(),
                }
                .encode_to_vec(),
                ..Default::default()
            },
        );
        Config {
            sequence: 0,
            channel_group: Some(root),
        }
    }

    #[test]
    fn global_addresses_apply_to_every_orderer_org() {
        let c = config(
            vec![("OrdererOrg", org("OrdererMSP", None))],
            &["orderer.example.com:7050"],
        );
        let r = config_result(&c).unwrap();
        assert_eq!(r.msps.keys().collect::<Vec<_>>(), ["OrdererMSP", "Org1MSP"]);
        let e = &r.orderers["OrdererMSP"].endpoint;
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].host.as_str(), e[0].port),
            ("orderer.example.com", 7050)
        );
    }

    #[test]
    fn per_org_endpoints_win() {
        let c = config(
            vec![
                ("A", org("AMSP", Some(&["a:1", "bad"]))),
                ("B", org("BMSP", None)),
            ],
            &["global:7050"],
        );
        let r = config_result(&c).unwrap();
        assert_eq!(r.orderers["AMSP"].endpoint.len(), 1);
        assert!(r.orderers["BMSP"].endpoint.is_empty());
    }

    #[test]
    fn missing_application_group_is_fabrics_error() {
        let mut c = config(vec![], &[]);
        c.channel_group.as_mut().unwrap().groups.remove(APPLICATION);
        assert_eq!(
            config_result(&c).unwrap_err().to_string(),
            "config envelope is invalid: key Config.ChannelGroup.Groups[Application] is missing"
        );
    }
}
