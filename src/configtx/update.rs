//! The config update between two configs (Fabric's configtxlator `update.Compute`, which
//! configtxgen also uses for channel creation): a read set pinning the versions the change
//! depends on and a write set carrying the changed elements at their next versions.

use std::collections::BTreeMap;

use super::ConfigtxError;
use crate::protos::common::{Config, ConfigGroup, ConfigPolicy, ConfigUpdate, ConfigValue};

/// What one map of a group (its policies, values or groups) contributes to the update.
struct MapUpdate<T> {
    read: BTreeMap<String, T>,
    write: BTreeMap<String, T>,
    same: BTreeMap<String, T>,
    members_changed: bool,
}

impl<T> Default for MapUpdate<T> {
    fn default() -> Self {
        MapUpdate {
            read: BTreeMap::new(),
            write: BTreeMap::new(),
            same: BTreeMap::new(),
            members_changed: false,
        }
    }
}

/// A leaf element (value or policy) that can be compared and re-versioned.
trait Leaf: Clone {
    fn version(&self) -> u64;
    fn mod_policy(&self) -> &str;
    fn same_content(&self, other: &Self) -> bool;
    /// Only the version (what a read set or an unchanged write set entry holds).
    fn at_version(version: u64) -> Self;
    /// `self`'s content and mod_policy at `version`.
    fn with_version(&self, version: u64) -> Self;
}

impl Leaf for ConfigValue {
    fn version(&self) -> u64 {
        self.version
    }
    fn mod_policy(&self) -> &str {
        &self.mod_policy
    }
    fn same_content(&self, other: &Self) -> bool {
        self.value == other.value
    }
    fn at_version(version: u64) -> Self {
        ConfigValue {
            version,
            ..Default::default()
        }
    }
    fn with_version(&self, version: u64) -> Self {
        ConfigValue {
            version,
            ..self.clone()
        }
    }
}

impl Leaf for ConfigPolicy {
    fn version(&self) -> u64 {
        self.version
    }
    fn mod_policy(&self) -> &str {
        &self.mod_policy
    }
    fn same_content(&self, other: &Self) -> bool {
        self.policy == other.policy
    }
    fn at_version(version: u64) -> Self {
        ConfigPolicy {
            version,
            ..Default::default()
        }
    }
    fn with_version(&self, version: u64) -> Self {
        ConfigPolicy {
            version,
            ..self.clone()
        }
    }
}

fn leaf_map_update<T: Leaf>(
    original: &BTreeMap<String, T>,
    updated: &BTreeMap<String, T>,
) -> MapUpdate<T> {
    let mut out = MapUpdate::default();
    for (name, before) in original {
        let Some(after) = updated.get(name) else {
            out.members_changed = true;
            continue;
        };
        if before.mod_policy() == after.mod_policy() && before.same_content(after) {
            out.same
                .insert(name.clone(), T::at_version(before.version()));
        } else {
            out.write
                .insert(name.clone(), after.with_version(before.version() + 1));
        }
    }
    for (name, after) in updated {
        if !original.contains_key(name) {
            out.members_changed = true;
            out.write.insert(name.clone(), after.with_version(0));
        }
    }
    out
}

fn group_map_update(
    original: &BTreeMap<String, ConfigGroup>,
    updated: &BTreeMap<String, ConfigGroup>,
) -> MapUpdate<ConfigGroup> {
    let mut out = MapUpdate::default();
    for (name, before) in original {
        let Some(after) = updated.get(name) else {
            out.members_changed = true;
            continue;
        };
        let (read, write, changed) = group_update(before, after);
        if changed {
            out.read.insert(name.clone(), read);
            out.write.insert(name.clone(), write);
        } else {
            out.same.insert(name.clone(), read);
        }
    }
    for (name, after) in updated {
        if original.contains_key(name) {
            continue;
        }
        out.members_changed = true;
        let (_, write, _) = group_update(&ConfigGroup::default(), after);
        out.write.insert(
            name.clone(),
            ConfigGroup {
                version: 0,
                mod_policy: after.mod_policy.clone(),
                ..write
            },
        );
    }
    out
}

/// (read set, write set, whether anything changed) for one group.
fn group_update(original: &ConfigGroup, updated: &ConfigGroup) -> (ConfigGroup, ConfigGroup, bool) {
    let mut policies = leaf_map_update(&original.policies, &updated.policies);
    let mut values = leaf_map_update(&original.values, &updated.values);
    let mut groups = group_map_update(&original.groups, &updated.groups);
    let members_changed = policies.members_changed
        || values.members_changed
        || groups.members_changed
        || original.mod_policy != updated.mod_policy;

    if !members_changed {
        let nothing = policies.read.is_empty()
            && policies.write.is_empty()
            && values.read.is_empty()
            && values.write.is_empty()
            && groups.read.is_empty()
            && groups.write.is_empty();
        let read = ConfigGroup {
            version: original.version,
            policies: policies.read,
            values: values.read,
            groups: groups.read,
            ..Default::default()
        };
        if nothing {
            return (read.clone(), read, false);
        }
        let write = ConfigGroup {
            version: original.version,
            policies: policies.write,
            values: values.write,
            groups: groups.write,
            ..Default::default()
        };
        return (read, write, true);
    }

    // Membership changed: the write set names every member, the unchanged ones as read.
    for (k, v) in policies.same {
        policies.read.insert(k.clone(), v.clone());
        policies.write.insert(k, v);
    }
    for (k, v) in values.same {
        values.read.insert(k.clone(), v.clone());
        values.write.insert(k, v);
    }
    for (k, v) in groups.same {
        groups.read.insert(k.clone(), v.clone());
        groups.write.insert(k, v);
    }
    let read = ConfigGroup {
        version: original.version,
        policies: policies.read,
        values: values.read,
        groups: groups.read,
        ..Default::default()
    };
    let write = ConfigGroup {
        version: original.version + 1,
        policies: policies.write,
        values: values.write,
        groups: groups.write,
        mod_policy: updated.mod_policy.clone(),
    };
    (read, write, true)
}

/// The update that turns `original` into `updated` (channel id left empty).
pub fn compute_update(original: &Config, updated: &Config) -> Result<ConfigUpdate, ConfigtxError> {
    let before = original.channel_group.as_ref().ok_or_else(|| {
        ConfigtxError::Structure("no channel group included for original config".into())
    })?;
    let after = updated.channel_group.as_ref().ok_or_else(|| {
        ConfigtxError::Structure("no channel group included for updated config".into())
    })?;
    let (read, write, changed) = group_update(before, after);
    if !changed {
        return Err(ConfigtxError::NoDifferences);
    }
    Ok(ConfigUpdate {
        read_set: Some(read),
        write_set: Some(write),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: &[u8]) -> ConfigValue {
        ConfigValue {
            version: 0,
            value: v.to_vec(),
            mod_policy: "Admins".into(),
        }
    }

    fn config(group: ConfigGroup) -> Config {
        Config {
            sequence: 0,
            channel_group: Some(group),
        }
    }

    #[test]
    fn changed_value_bumps_only_that_value() {
        let mut org = ConfigGroup::default();
        org.values.insert("MSP".into(), value(b"a"));
        let mut before = ConfigGroup::default();
        before.groups.insert("Org".into(), org.clone());
        let mut after = before.clone();
        after
            .groups
            .get_mut("Org")
            .unwrap()
            .values
            .insert("MSP".into(), value(b"b"));
        let update = compute_update(&config(before), &config(after)).unwrap();
        let write = update.write_set.unwrap();
        assert_eq!(write.groups["Org"].values["MSP"].version, 1);
        assert_eq!(write.groups["Org"].values["MSP"].value, b"b");
        assert_eq!(write.version, 0);
        let read = update.read_set.unwrap();
        assert!(read.groups["Org"].values.is_empty());
    }

    #[test]
    fn added_member_bumps_the_group_and_lists_the_rest() {
        let mut before = ConfigGroup::default();
        before.values.insert("A".into(), value(b"a"));
        let mut after = before.clone();
        after.values.insert("B".into(), value(b"b"));
        let update = compute_update(&config(before), &config(after)).unwrap();
        let write = update.write_set.unwrap();
        assert_eq!(write.version, 1);
        assert_eq!(write.values["A"], ConfigValue::default());
        assert_eq!(write.values["B"].value, b"b");
        assert_eq!(update.read_set.unwrap().values["A"], ConfigValue::default());
    }

    #[test]
    fn no_change_is_an_error() {
        let group = ConfigGroup::default();
        let err = compute_update(&config(group.clone()), &config(group)).unwrap_err();
        assert_eq!(err, ConfigtxError::NoDifferences);
        assert!(compute_update(&Config::default(), &config(ConfigGroup::default())).is_err());
    }
}
