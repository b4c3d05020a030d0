//! Fabric's policy manager (`policies.ManagerImpl`): the tree of policies of a config group
//! and its subgroups, looked up by relative name (`Application/Org1MSP/Admins`) or absolute
//! path (`/Channel/Application/Writers`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::cauthdsl::SignaturePolicyEvaluator;
use super::implicitmeta::ImplicitMetaPolicy;
use super::{Policy, PolicyError};
use crate::msp::IdentityDeserializer;
use crate::protos::common::policy::PolicyType;
use crate::protos::common::{ConfigGroup, ImplicitMetaPolicy as ImplicitMetaPolicyProto};

/// The path separator of policy paths.
pub const PATH_SEPARATOR: &str = "/";
/// The name of a channel's root group.
pub const CHANNEL_PREFIX: &str = "Channel";
/// `/Channel/Readers`.
pub const CHANNEL_READERS: &str = "/Channel/Readers";
/// `/Channel/Writers`.
pub const CHANNEL_WRITERS: &str = "/Channel/Writers";
/// `/Channel/Application/Readers`.
pub const CHANNEL_APPLICATION_READERS: &str = "/Channel/Application/Readers";
/// `/Channel/Application/Writers`.
pub const CHANNEL_APPLICATION_WRITERS: &str = "/Channel/Application/Writers";
/// `/Channel/Application/Admins`.
pub const CHANNEL_APPLICATION_ADMINS: &str = "/Channel/Application/Admins";
/// `/Channel/Orderer/BlockValidation`.
pub const BLOCK_VALIDATION: &str = "/Channel/Orderer/BlockValidation";
/// `/Channel/Orderer/Admins`.
pub const CHANNEL_ORDERER_ADMINS: &str = "/Channel/Orderer/Admins";
/// `/Channel/Orderer/Writers`.
pub const CHANNEL_ORDERER_WRITERS: &str = "/Channel/Orderer/Writers";
/// `/Channel/Orderer/Readers`.
pub const CHANNEL_ORDERER_READERS: &str = "/Channel/Orderer/Readers";

/// Compiles the value of a config policy of one policy type (Fabric's `policies.Provider`).
pub trait PolicyProvider: Send + Sync {
    fn new_policy(&self, data: &[u8]) -> Result<Arc<dyn Policy>, PolicyError>;
}

/// The provider for SIGNATURE policies: cauthdsl over an identity deserializer.
pub struct SignaturePolicyProvider {
    deserializer: Arc<dyn IdentityDeserializer>,
}

impl SignaturePolicyProvider {
    pub fn new(deserializer: Arc<dyn IdentityDeserializer>) -> Self {
        SignaturePolicyProvider { deserializer }
    }
}

impl PolicyProvider for SignaturePolicyProvider {
    fn new_policy(&self, data: &[u8]) -> Result<Arc<dyn Policy>, PolicyError> {
        Ok(Arc::new(SignaturePolicyEvaluator::from_bytes(
            data,
            self.deserializer.clone(),
        )?))
    }
}

/// The policies of one config group and the managers of its subgroups.
pub struct PolicyManager {
    path: String,
    policies: BTreeMap<String, Arc<dyn Policy>>,
    managers: BTreeMap<String, PolicyManager>,
}

impl PolicyManager {
    /// An empty manager for the group at `path` (`Channel`, `Channel/Application`).
    pub fn new(path: impl Into<String>) -> Self {
        PolicyManager {
            path: path.into(),
            policies: BTreeMap::new(),
            managers: BTreeMap::new(),
        }
    }

    /// Adds a subgroup manager; its path becomes `<this path>/<name>`. Add children before
    /// the implicit meta policies that refer to them.
    pub fn with_child(mut self, name: impl Into<String>, mut child: PolicyManager) -> Self {
        let name = name.into();
        child.reroot(&format!("{}{PATH_SEPARATOR}{name}", self.path));
        self.managers.insert(name, child);
        self
    }

    /// Adds a policy of this group.
    pub fn with_policy(mut self, name: impl Into<String>, policy: Arc<dyn Policy>) -> Self {
        self.policies.insert(name.into(), policy);
        self
    }

    /// Adds an implicit meta policy over the current children.
    pub fn with_implicit_meta(
        self,
        name: impl Into<String>,
        definition: &ImplicitMetaPolicyProto,
    ) -> Result<Self, PolicyError> {
        let policy = ImplicitMetaPolicy::new(definition, &self.managers)?;
        Ok(self.with_policy(name, Arc::new(policy)))
    }

    fn reroot(&mut self, path: &str) {
        self.path = path.to_string();
        for (name, child) in &mut self.managers {
            child.reroot(&format!("{path}{PATH_SEPARATOR}{name}"));
        }
    }

    /// Builds the manager of a channel config tree: root path `Channel`, SIGNATURE policies
    /// compiled with cauthdsl over `deserializer`, IMPLICIT_META policies over subgroups.
    pub fn for_channel(
        root: &ConfigGroup,
        deserializer: Arc<dyn IdentityDeserializer>,
    ) -> Result<Self, PolicyError> {
        let mut providers: HashMap<i32, Arc<dyn PolicyProvider>> = HashMap::new();
        providers.insert(
            PolicyType::Signature as i32,
            Arc::new(SignaturePolicyProvider::new(deserializer)),
        );
        Self::from_config_group(CHANNEL_PREFIX, root, &providers)
    }

    /// Builds the manager of `group` at `path`, subgroups first, compiling each policy with
    /// the provider registered for its type (implicit meta policies are built here).
    pub fn from_config_group(
        path: &str,
        group: &ConfigGroup,
        providers: &HashMap<i32, Arc<dyn PolicyProvider>>,
    ) -> Result<Self, PolicyError> {
        let mut manager = PolicyManager::new(path);
        for (name, subgroup) in &group.groups {
            let child_path = format!("{path}{PATH_SEPARATOR}{name}");
            let child = Self::from_config_group(&child_path, subgroup, providers)?;
            manager.managers.insert(name.clone(), child);
        }
        let mut names: Vec<&String> = group.policies.keys().collect();
        names.sort();
        for name in names {
            let compile_error = |reason: String| PolicyError::Compile {
                name: name.clone(),
                path: path.to_string(),
                reason,
            };
            let Some(policy) = &group.policies[name].policy else {
                return Err(compile_error("the policy is empty (nil)".into()));
            };
            let compiled: Arc<dyn Policy> = if policy.r#type == PolicyType::ImplicitMeta as i32 {
                let meta = ImplicitMetaPolicy::from_bytes(&policy.value, &manager.managers)
                    .map_err(|e| compile_error(e.to_string()))?;
                Arc::new(meta)
            } else {
                let provider = providers.get(&policy.r#type).ok_or_else(|| {
                    compile_error(format!("unknown policy type: {}", policy.r#type))
                })?;
                provider
                    .new_policy(&policy.value)
                    .map_err(|e| compile_error(e.to_string()))?
            };
            tracing::debug!(target: "policies", "Proposed new policy {name} for {path}");
            manager.policies.insert(name.clone(), compiled);
        }
        Ok(manager)
    }

    /// This group's path (`Channel/Application`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The names of this group's own policies.
    pub fn policy_names(&self) -> impl Iterator<Item = &str> {
        self.policies.keys().map(String::as_str)
    }

    /// The manager of a subgroup (`["Application", "Org1MSP"]`); the empty path is this one.
    pub fn manager(&self, path: &[&str]) -> Option<&PolicyManager> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.managers.get(*first)?.manager(rest),
        }
    }

    /// Looks a policy up by name relative to this group (`Writers`,
    /// `Application/Org1MSP/Admins`) or by absolute path under this group
    /// (`/Channel/Application/Writers`).
    pub fn get_policy(&self, id: &str) -> Result<Arc<dyn Policy>, PolicyError> {
        let relative = match id.strip_prefix(PATH_SEPARATOR) {
            None => id,
            Some(absolute) => absolute
                .strip_prefix(self.path.as_str())
                .and_then(|rest| rest.strip_prefix(PATH_SEPARATOR))
                .ok_or_else(|| PolicyError::NoSuchPolicy(id.to_string()))?,
        };
        self.lookup(relative).ok_or_else(|| {
            tracing::debug!(target: "policies", "policy {id} could not be found in {}", self.path);
            PolicyError::NoSuchPolicy(relative.to_string())
        })
    }

    fn lookup(&self, relative: &str) -> Option<Arc<dyn Policy>> {
        if let Some(policy) = self.policies.get(relative) {
            return Some(policy.clone());
        }
        let (group, rest) = relative.split_once(PATH_SEPARATOR)?;
        self.managers.get(group)?.lookup(rest)
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::policy::cauthdsl::{signed_by_msp_admin, signed_by_msp_member};
    use crate::policy::implicitmeta::from_string as meta;
    use crate::policy::testutil::{deserializer, signed};
    use crate::protos::common::{ConfigPolicy, Policy as PolicyProto};

    fn config_policy(r#type: PolicyType, value: Vec<u8>) -> ConfigPolicy {
        ConfigPolicy {
            version: 0,
            policy: Some(PolicyProto {
                r#type: r#type as i32,
                value,
            }),
            mod_policy: "Admins".into(),
        }
    }

    fn org_group(msp_id: &str) -> ConfigGroup {
        let mut group = ConfigGroup::default();
        for (name, envelope) in [
            ("Readers", signed_by_msp_member(msp_id)),
            ("Writers", signed_by_msp_member(msp_id)),
            ("Admins", signed_by_msp_admin(msp_id)),
        ] {
            group.policies.insert(
                name.into(),
                config_policy(PolicyType::Signature, envelope.encode_to_vec()),
            );
        }
        group
    }

    fn meta_policies(group: &mut ConfigGroup) {
        for (name, rule) in [
            ("Readers", "ANY Readers"),
            ("Writers", "ANY Writers"),
            ("Admins", "MAJORITY Admins"),
        ] {
            let value = meta(rule).unwrap().encode_to_vec();
            group
                .policies
                .insert(name.into(), config_policy(PolicyType::ImplicitMeta, value));
        }
    }

    /// Channel { Application { Org1MSP, Org2MSP, Org3MSP } } with Fabric's default policies.
    fn channel() -> PolicyManager {
        let mut application = ConfigGroup::default();
        for org in ["Org1MSP", "Org2MSP", "Org3MSP"] {
            application.groups.insert(org.into(), org_group(org));
        }
        meta_policies(&mut application);
        let mut root = ConfigGroup::default();
        root.groups.insert("Application".into(), application);
        meta_policies(&mut root);
        PolicyManager::for_channel(&root, deserializer()).unwrap()
    }

    #[test]
    fn looks_up_relative_and_absolute_paths() {
        let channel = channel();
        for id in [
            "Writers",
            "/Channel/Writers",
            "Application/Writers",
            CHANNEL_APPLICATION_WRITERS,
            CHANNEL_APPLICATION_ADMINS,
            "Application/Org2MSP/Admins",
            "/Channel/Application/Org2MSP/Admins",
        ] {
            assert!(channel.get_policy(id).is_ok(), "{id}");
        }
        for id in [
            "",
            "Nope",
            "/Other/Writers",
            "/Channel",
            "/ChannelX/Writers",
            CHANNEL_ORDERER_ADMINS,
        ] {
            assert!(
                matches!(channel.get_policy(id), Err(PolicyError::NoSuchPolicy(_))),
                "{id}"
            );
        }
        let application = channel.manager(&["Application"]).unwrap();
        assert_eq!(application.path(), "Channel/Application");
        assert!(application
            .get_policy("/Channel/Application/Readers")
            .is_ok());
        assert!(application.get_policy("/Channel/Readers").is_err());
        assert_eq!(
            channel.manager(&["Application", "Org1MSP"]).unwrap().path(),
            "Channel/Application/Org1MSP"
        );
        assert!(channel.manager(&["Orderer"]).is_none());
        assert_eq!(
            channel.policy_names().collect::<Vec<_>>(),
            ["Admins", "Readers", "Writers"]
        );
    }

    #[test]
    fn evaluates_implicit_meta_through_the_tree() {
        let channel = channel();
        let writers = channel.get_policy(CHANNEL_APPLICATION_WRITERS).unwrap();
        assert!(writers
            .evaluate(&[signed("Org2MSP", "u", "CLIENT")])
            .is_ok());
        assert!(writers
            .evaluate(&[signed("Org9MSP", "u", "CLIENT")])
            .is_err());
        // /Channel/Writers = ANY Application/Writers.
        let channel_writers = channel.get_policy(CHANNEL_WRITERS).unwrap();
        assert!(channel_writers
            .evaluate(&[signed("Org3MSP", "u", "CLIENT")])
            .is_ok());

        let admins = channel.get_policy(CHANNEL_APPLICATION_ADMINS).unwrap();
        let org1_admin = signed("Org1MSP", "a1", "ADMIN");
        let org2_admin = signed("Org2MSP", "a2", "ADMIN");
        assert!(admins.evaluate(std::slice::from_ref(&org1_admin)).is_err());
        assert!(admins.evaluate(&[org1_admin, org2_admin]).is_ok());
    }

    #[test]
    fn built_by_hand() {
        let org = PolicyManager::new("Org1MSP").with_policy(
            "Writers",
            Arc::new(
                SignaturePolicyEvaluator::new(&signed_by_msp_member("Org1MSP"), deserializer())
                    .unwrap(),
            ),
        );
        let application = PolicyManager::new("Application")
            .with_child("Org1MSP", org)
            .with_implicit_meta("Writers", &meta("ALL Writers").unwrap())
            .unwrap();
        let channel = PolicyManager::new("Channel").with_child("Application", application);
        assert_eq!(
            channel.manager(&["Application", "Org1MSP"]).unwrap().path(),
            "Channel/Application/Org1MSP"
        );
        let writers = channel.get_policy("/Channel/Application/Writers").unwrap();
        assert!(writers
            .evaluate(&[signed("Org1MSP", "u", "CLIENT")])
            .is_ok());
        assert!(channel.get_policy("Application/Org1MSP/Writers").is_ok());
    }

    #[test]
    fn config_errors_name_the_policy() {
        let mut root = ConfigGroup::default();
        root.policies
            .insert("Bad".into(), config_policy(PolicyType::Msp, vec![]));
        let err = PolicyManager::for_channel(&root, deserializer())
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "policy Bad at path Channel did not compile: unknown policy type: 2"
        );

        let mut root = ConfigGroup::default();
        root.policies.insert(
            "Broken".into(),
            config_policy(PolicyType::Signature, vec![0xff]),
        );
        let err = PolicyManager::for_channel(&root, deserializer())
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .starts_with("policy Broken at path Channel did not compile: malformed policy"),
            "{err}"
        );

        let mut root = ConfigGroup::default();
        root.policies.insert("Nil".into(), ConfigPolicy::default());
        assert!(PolicyManager::for_channel(&root, deserializer()).is_err());
    }
}
