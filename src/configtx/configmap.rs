//! The flat view of a config tree that config updates are checked against: every group,
//! value and policy under its full path, e.g. `[Group]  /Channel/Application`,
//! `[Value]  /Channel/Orderer/BatchSize`, `[Policy] /Channel/Application/Org1MSP/Admins`.

use std::collections::BTreeMap;

use super::ids::validate_config_id;
use super::ConfigtxError;
use crate::protos::common::{ConfigGroup, ConfigPolicy, ConfigValue};

const GROUP_PREFIX: &str = "[Group]  ";
const VALUE_PREFIX: &str = "[Value]  ";
const POLICY_PREFIX: &str = "[Policy] ";
const PATH_SEPARATOR: &str = "/";
/// When the orderer capabilities value exists, empty mod_policies are upgraded to Admins (a
/// v1.0 to v1.1 migration Fabric still applies).
const ORDERER_CAPABILITIES_PATH: &str = "[Value]  /Channel/Orderer/Capabilities";
const UPGRADED_MOD_POLICY: &str = "Admins";

/// One element of the config tree. A group is held shallowly: its own version and
/// mod_policy plus the names (only) of its members.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigElement {
    Group(ConfigGroup),
    Value(ConfigValue),
    Policy(ConfigPolicy),
}

/// A config element with its key and the path of the group holding it
/// (`["Channel", "Application"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparable {
    pub element: ConfigElement,
    pub key: String,
    pub path: Vec<String>,
}

impl Comparable {
    pub fn version(&self) -> u64 {
        match &self.element {
            ConfigElement::Group(g) => g.version,
            ConfigElement::Value(v) => v.version,
            ConfigElement::Policy(p) => p.version,
        }
    }

    pub fn mod_policy(&self) -> &str {
        match &self.element {
            ConfigElement::Group(g) => &g.mod_policy,
            ConfigElement::Value(v) => &v.mod_policy,
            ConfigElement::Policy(p) => &p.mod_policy,
        }
    }

    pub fn is_group(&self) -> bool {
        matches!(self.element, ConfigElement::Group(_))
    }

    fn prefix(&self) -> &'static str {
        match self.element {
            ConfigElement::Group(_) => GROUP_PREFIX,
            ConfigElement::Value(_) => VALUE_PREFIX,
            ConfigElement::Policy(_) => POLICY_PREFIX,
        }
    }

    /// The element's full path in the config map.
    pub fn fq_path(&self) -> String {
        let mut out = self.prefix().to_string();
        for part in &self.path {
            out.push_str(PATH_SEPARATOR);
            out.push_str(part);
        }
        out.push_str(PATH_SEPARATOR);
        out.push_str(&self.key);
        out
    }
}

/// Flattens a config tree rooted at `root_key` (`Channel`) into its config map.
pub fn map_config(
    group: &ConfigGroup,
    root_key: &str,
) -> Result<BTreeMap<String, Comparable>, ConfigtxError> {
    let mut result = BTreeMap::new();
    recurse(&mut result, vec![root_key.to_string()], group)?;
    Ok(result)
}

fn shallow(group: &ConfigGroup) -> ConfigGroup {
    ConfigGroup {
        version: group.version,
        mod_policy: group.mod_policy.clone(),
        groups: group
            .groups
            .keys()
            .map(|k| (k.clone(), ConfigGroup::default()))
            .collect(),
        values: group
            .values
            .keys()
            .map(|k| (k.clone(), ConfigValue::default()))
            .collect(),
        policies: group
            .policies
            .keys()
            .map(|k| (k.clone(), ConfigPolicy::default()))
            .collect(),
    }
}

fn add(result: &mut BTreeMap<String, Comparable>, item: Comparable) -> Result<(), ConfigtxError> {
    if validate_config_id(&item.key).is_err() {
        return Err(ConfigtxError::Structure(format!(
            "Illegal characters in key: {}",
            item.fq_path()
        )));
    }
    tracing::debug!(target: "common.configtx", "Adding to config map: {}", item.fq_path());
    result.insert(item.fq_path(), item);
    Ok(())
}

fn recurse(
    result: &mut BTreeMap<String, Comparable>,
    path: Vec<String>,
    group: &ConfigGroup,
) -> Result<(), ConfigtxError> {
    let (key, parent) = path.split_last().expect("a config path is never empty");
    add(
        result,
        Comparable {
            element: ConfigElement::Group(shallow(group)),
            key: key.clone(),
            path: parent.to_vec(),
        },
    )?;
    for (name, child) in &group.groups {
        let mut next = path.clone();
        next.push(name.clone());
        recurse(result, next, child)?;
    }
    for (name, value) in &group.values {
        let element = ConfigElement::Value(value.clone());
        add(
            result,
            Comparable {
                element,
                key: name.clone(),
                path: path.clone(),
            },
        )?;
    }
    for (name, policy) in &group.policies {
        let element = ConfigElement::Policy(policy.clone());
        add(
            result,
            Comparable {
                element,
                key: name.clone(),
                path: path.clone(),
            },
        )?;
    }
    Ok(())
}

/// Rebuilds the config tree rooted at `root_key` from a config map.
pub fn config_map_to_config(
    map: &BTreeMap<String, Comparable>,
    root_key: &str,
) -> Result<ConfigGroup, ConfigtxError> {
    let upgrade = map.contains_key(ORDERER_CAPABILITIES_PATH);
    rebuild(&format!("{PATH_SEPARATOR}{root_key}"), map, upgrade)
}

fn lookup<'a>(
    map: &'a BTreeMap<String, Comparable>,
    prefix: &str,
    path: &str,
) -> Result<&'a ConfigElement, ConfigtxError> {
    let full = format!("{prefix}{path}");
    map.get(&full)
        .map(|c| &c.element)
        .ok_or_else(|| ConfigtxError::Structure(format!("Missing element at path: {full}")))
}

fn rebuild(
    path: &str,
    map: &BTreeMap<String, Comparable>,
    upgrade: bool,
) -> Result<ConfigGroup, ConfigtxError> {
    let ConfigElement::Group(shape) = lookup(map, GROUP_PREFIX, path)? else {
        return Err(ConfigtxError::Structure(format!(
            "ConfigGroup not found at group path: {GROUP_PREFIX}{path}"
        )));
    };
    let mut group = ConfigGroup {
        version: shape.version,
        mod_policy: shape.mod_policy.clone(),
        ..Default::default()
    };
    for key in shape.groups.keys() {
        let child = rebuild(&format!("{path}{PATH_SEPARATOR}{key}"), map, upgrade)?;
        group.groups.insert(key.clone(), child);
    }
    for key in shape.values.keys() {
        let child_path = format!("{path}{PATH_SEPARATOR}{key}");
        let ConfigElement::Value(value) = lookup(map, VALUE_PREFIX, &child_path)? else {
            return Err(ConfigtxError::Structure(format!(
                "ConfigValue not found at value path: {VALUE_PREFIX}{child_path}"
            )));
        };
        group.values.insert(key.clone(), value.clone());
    }
    for key in shape.policies.keys() {
        let child_path = format!("{path}{PATH_SEPARATOR}{key}");
        let ConfigElement::Policy(policy) = lookup(map, POLICY_PREFIX, &child_path)? else {
            return Err(ConfigtxError::Structure(format!(
                "ConfigPolicy not found at policy path: {POLICY_PREFIX}{child_path}"
            )));
        };
        group.policies.insert(key.clone(), policy.clone());
    }
    if upgrade {
        upgrade_empty_mod_policies(&mut group);
    }
    Ok(group)
}

fn upgrade_empty_mod_policies(group: &mut ConfigGroup) {
    let fix = |p: &mut String| {
        if p.is_empty() {
            *p = UPGRADED_MOD_POLICY.to_string();
        }
    };
    fix(&mut group.mod_policy);
    group
        .values
        .values_mut()
        .for_each(|v| fix(&mut v.mod_policy));
    group
        .policies
        .values_mut()
        .for_each(|p| fix(&mut p.mod_policy));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ConfigGroup {
        let mut org = ConfigGroup {
            version: 1,
            mod_policy: "Admins".into(),
            ..Default::default()
        };
        org.values.insert(
            "MSP".into(),
            ConfigValue {
                version: 0,
                value: b"msp".to_vec(),
                mod_policy: "Admins".into(),
            },
        );
        org.policies
            .insert("Admins".into(), ConfigPolicy::default());
        let mut app = ConfigGroup::default();
        app.groups.insert("Org1MSP".into(), org);
        let mut root = ConfigGroup::default();
        root.groups.insert("Application".into(), app);
        root
    }

    #[test]
    fn maps_every_element_under_its_path() {
        let map = map_config(&sample(), "Channel").unwrap();
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "[Group]  /Channel",
                "[Group]  /Channel/Application",
                "[Group]  /Channel/Application/Org1MSP",
                "[Policy] /Channel/Application/Org1MSP/Admins",
                "[Value]  /Channel/Application/Org1MSP/MSP",
            ]
        );
        let org = &map["[Group]  /Channel/Application/Org1MSP"];
        assert_eq!(org.path, ["Channel", "Application"]);
        assert_eq!(org.version(), 1);
        assert_eq!(org.mod_policy(), "Admins");
    }

    #[test]
    fn round_trips() {
        let root = sample();
        let map = map_config(&root, "Channel").unwrap();
        assert_eq!(config_map_to_config(&map, "Channel").unwrap(), root);
    }

    #[test]
    fn rejects_illegal_keys_and_missing_members() {
        let mut root = sample();
        root.values.insert("bad key".into(), ConfigValue::default());
        let err = map_config(&root, "Channel").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Illegal characters in key: [Value]  /Channel/bad key"
        );
        let mut map = map_config(&sample(), "Channel").unwrap();
        map.remove("[Value]  /Channel/Application/Org1MSP/MSP");
        let err = config_map_to_config(&map, "Channel").unwrap_err();
        assert!(
            err.to_string().contains("/Channel/Application/Org1MSP/MSP"),
            "{err}"
        );
    }

    #[test]
    fn orderer_capabilities_upgrade_empty_mod_policies() {
        let mut root = sample();
        let mut orderer = ConfigGroup::default();
        orderer
            .values
            .insert("Capabilities".into(), ConfigValue::default());
        root.groups.insert("Orderer".into(), orderer);
        let map = map_config(&root, "Channel").unwrap();
        let rebuilt = config_map_to_config(&map, "Channel").unwrap();
        assert_eq!(rebuilt.mod_policy, "Admins");
        assert_eq!(
            rebuilt.groups["Orderer"].values["Capabilities"].mod_policy,
            "Admins"
        );
    }
}
