//! `compute_update`: the `ConfigUpdate` that moves a channel from one config to another, by
//! Fabric's rules (v1.4 `common/tools/configtxlator/update`).
//!
//! Walking both config trees side by side: an element whose content is unchanged goes into
//! the read set at its current version; a changed value or policy goes into the write set at
//! version + 1; a group is bumped (version + 1, its mod policy carried) only when its own
//! membership or mod policy changed, and then every unchanged member is listed at its
//! current version in both sets so the update states the complete new membership. Groups
//! whose content changed deeper down appear in both sets at their current version.

use std::collections::BTreeMap;

use crate::protos::common::{Config, ConfigGroup, ConfigPolicy, ConfigUpdate, ConfigValue};

/// Why no update could be computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpdateError {
    #[error("no channel group included for original config")]
    NoOriginalChannelGroup,
    #[error("no channel group included for updated config")]
    NoUpdatedChannelGroup,
    #[error("no differences detected between original and updated config")]
    NoDifferences,
}

/// The config update for `channel_id` that turns `original` into `updated`.
pub fn compute_update(
    channel_id: &str,
    original: &Config,
    updated: &Config,
) -> Result<ConfigUpdate, UpdateError> {
    let original = original
        .channel_group
        .as_ref()
        .ok_or(UpdateError::NoOriginalChannelGroup)?;
    let updated = updated
        .channel_group
        .as_ref()
        .ok_or(UpdateError::NoUpdatedChannelGroup)?;
    let diff = group_update(original, updated);
    if !diff.changed {
        return Err(UpdateError::NoDifferences);
    }
    Ok(ConfigUpdate {
        channel_id: channel_id.to_string(),
        read_set: Some(diff.read),
        write_set: Some(diff.write),
        ..Default::default()
    })
}

/// The result of comparing one map of config elements.
struct MapDiff<T> {
    read: BTreeMap<String, T>,
    write: BTreeMap<String, T>,
    same: BTreeMap<String, T>,
    members_changed: bool,
}

impl<T> MapDiff<T> {
    fn new() -> Self {
        Self {
            read: BTreeMap::new(),
            write: BTreeMap::new(),
            same: BTreeMap::new(),
            members_changed: false,
        }
    }
}

/// The comparison of two groups.
struct GroupDiff {
    read: ConfigGroup,
    write: ConfigGroup,
    changed: bool,
}

/// Compares two maps of leaf elements (policies or values) with `same` deciding equality and
/// `bumped` building the written element from the original version and the updated one.
fn leaf_map_update<T: Clone>(
    original: &BTreeMap<String, T>,
    updated: &BTreeMap<String, T>,
    same: impl Fn(&T, &T) -> bool,
    at_version: impl Fn(&T, u64) -> T,
    version: impl Fn(&T) -> u64,
    unchanged: impl Fn(u64) -> T,
) -> MapDiff<T> {
    let mut diff = MapDiff::new();
    for (name, before) in original {
        match updated.get(name) {
            None => diff.members_changed = true,
            Some(after) if same(before, after) => {
                diff.same.insert(name.clone(), unchanged(version(before)));
            }
            Some(after) => {
                diff.write
                    .insert(name.clone(), at_version(after, version(before) + 1));
            }
        }
    }
    for (name, after) in updated {
        if !original.contains_key(name) {
            diff.members_changed = true;
            diff.write.insert(name.clone(), at_version(after, 0));
        }
    }
    diff
}

fn policies_update(
    original: &BTreeMap<String, ConfigPolicy>,
    updated: &BTreeMap<String, ConfigPolicy>,
) -> MapDiff<ConfigPolicy> {
    leaf_map_update(
        original,
        updated,
        |a, b| a.mod_policy == b.mod_policy && a.policy == b.policy,
        |p, version| ConfigPolicy {
            version,
            mod_policy: p.mod_policy.clone(),
            policy: p.policy.clone(),
        },
        |p| p.version,
        |version| ConfigPolicy {
            version,
            ..Default::default()
        },
    )
}

fn values_update(
    original: &BTreeMap<String, ConfigValue>,
    updated: &BTreeMap<String, ConfigValue>,
) -> MapDiff<ConfigValue> {
    leaf_map_update(
        original,
        updated,
        |a, b| a.mod_policy == b.mod_policy && a.value == b.value,
        |v, version| ConfigValue {
            version,
            mod_policy: v.mod_policy.clone(),
            value: v.value.clone(),
        },
        |v| v.version,
        |version| ConfigValue {
            version,
            ..Default::default()
        },
    )
}

fn groups_update(
    original: &BTreeMap<String, ConfigGroup>,
    updated: &BTreeMap<String, ConfigGroup>,
) -> MapDiff<ConfigGroup> {
    let mut diff = MapDiff::new();
    for (name, before) in original {
        let Some(after) = updated.get(name) else {
            diff.members_changed = true;
            continue;
        };
        let sub = group_update(before, after);
        if sub.changed {
            diff.read.insert(name.clone(), sub.read);
            diff.write.insert(name.clone(), sub.write);
        } else {
            diff.same.insert(name.clone(), sub.read);
        }
    }
    for (name, after) in updated {
        if original.contains_key(name) {
            continue;
        }
        diff.members_changed = true;
        let sub = group_update(&ConfigGroup::default(), after);
        diff.write.insert(
            name.clone(),
            ConfigGroup {
                version: 0,
                mod_policy: after.mod_policy.clone(),
                ..sub.write
            },
        );
    }
    diff
}

fn group_update(original: &ConfigGroup, updated: &ConfigGroup) -> GroupDiff {
    let mut policies = policies_update(&original.policies, &updated.policies);
    let mut values = values_update(&original.values, &updated.values);
    let mut groups = groups_update(&original.groups, &updated.groups);

    let membership_changed = policies.members_changed
        || values.members_changed
        || groups.members_changed
        || original.mod_policy != updated.mod_policy;

    if !membership_changed {
        let nothing = policies.read.is_empty()
            && policies.write.is_empty()
            && values.read.is_empty()
            && values.write.is_empty()
            && groups.read.is_empty()
            && groups.write.is_empty();
        if nothing {
            let at_version = ConfigGroup {
                version: original.version,
                ..Default::default()
            };
            return GroupDiff {
                read: at_version.clone(),
                write: at_version,
                changed: false,
            };
        }
        return GroupDiff {
            read: ConfigGroup {
                version: original.version,
                policies: policies.read,
                values: values.read,
                groups: groups.read,
                ..Default::default()
            },
            write: ConfigGroup {
                version: original.version,
                policies: policies.write,
                values: values.write,
                groups: groups.write,
                ..Default::default()
            },
            changed: true,
        };
    }

    for (name, same) in std::mem::take(&mut policies.same) {
        policies.read.insert(name.clone(), same.clone());
        policies.write.insert(name, same);
    }
    for (name, same) in std::mem::take(&mut values.same) {
        values.read.insert(name.clone(), same.clone());
        values.write.insert(name, same);
    }
    for (name, same) in std::mem::take(&mut groups.same) {
        groups.read.insert(name.clone(), same.clone());
        groups.write.insert(name, same);
    }
    GroupDiff {
        read: ConfigGroup {
            version: original.version,
            policies: policies.read,
            values: values.read,
            groups: groups.read,
            ..Default::default()
        },
        write: ConfigGroup {
            version: original.version + 1,
            policies: policies.write,
            values: values.write,
            groups: groups.write,
            mod_policy: updated.mod_policy.clone(),
        },
        changed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(bytes: &[u8], version: u64) -> ConfigValue {
        ConfigValue {
            version,
            value: bytes.to_vec(),
            mod_policy: "Admins".into(),
        }
    }

    fn channel() -> Config {
        let mut org = ConfigGroup {
            version: 1,
            mod_policy: "Admins".into(),
            ..Default::default()
        };
        org.values.insert("MSP".into(), value(b"msp", 0));
        org.values.insert("AnchorPeers".into(), value(b"peer0", 2));
        let mut app = ConfigGroup {
            version: 1,
            mod_policy: "Admins".into(),
            ..Default::default()
        };
        app.groups.insert("Org1MSP".into(), org);
        let mut root = ConfigGroup {
            mod_policy: "Admins".into(),
            ..Default::default()
        };
        root.groups.insert("Application".into(), app);
        root.values
            .insert("HashingAlgorithm".into(), value(b"SHA256", 0));
        Config {
            sequence: 3,
            channel_group: Some(root),
        }
    }

    fn org1(group: &mut ConfigGroup) -> &mut ConfigGroup {
        group
            .groups
            .get_mut("Application")
            .unwrap()
            .groups
            .get_mut("Org1MSP")
            .unwrap()
    }

    #[test]
    fn changed_value_bumps_only_that_value() {
        let original = channel();
        let mut updated = channel();
        let root = updated.channel_group.as_mut().unwrap();
        org1(root).values.get_mut("AnchorPeers").unwrap().value = b"peer1".to_vec();
        let update = compute_update("mychannel", &original, &updated).unwrap();
        assert_eq!(update.channel_id, "mychannel");
        let mut write = update.write_set.unwrap();
        let mut read = update.read_set.unwrap();
        assert_eq!(write.version, 0);
        assert!(write.values.is_empty() && read.values.is_empty());
        let org_write = org1(&mut write).clone();
        let org_read = org1(&mut read).clone();
        assert_eq!(org_write.version, 1);
        assert_eq!(org_write.mod_policy, "");
        assert_eq!(org_write.values.len(), 1);
        assert_eq!(org_write.values["AnchorPeers"], value(b"peer1", 3));
        assert_eq!(org_read.version, 1);
        assert!(org_read.values.is_empty());
    }

    #[test]
    fn new_member_bumps_the_group_and_lists_unchanged_members() {
        let original = channel();
        let mut updated = channel();
        let root = updated.channel_group.as_mut().unwrap();
        org1(root).values.insert("Extra".into(), value(b"x", 9));
        let update = compute_update("c", &original, &updated).unwrap();
        let mut write = update.write_set.unwrap();
        let mut read = update.read_set.unwrap();
        let org_write = org1(&mut write).clone();
        assert_eq!(org_write.version, 2);
        assert_eq!(org_write.mod_policy, "Admins");
        assert_eq!(org_write.values["Extra"], value(b"x", 0));
        assert_eq!(
            org_write.values["MSP"],
            ConfigValue {
                version: 0,
                ..Default::default()
            }
        );
        assert_eq!(org_write.values["AnchorPeers"].version, 2);
        assert_eq!(org1(&mut read).values.len(), 2);
    }

    #[test]
    fn identical_configs_and_missing_groups_are_errors() {
        let config = channel();
        assert_eq!(
            compute_update("c", &config, &config),
            Err(UpdateError::NoDifferences)
        );
        assert_eq!(
            compute_update("c", &Config::default(), &config),
            Err(UpdateError::NoOriginalChannelGroup)
        );
        assert_eq!(
            compute_update("c", &config, &Config::default()),
            Err(UpdateError::NoUpdatedChannelGroup)
        );
    }
}
