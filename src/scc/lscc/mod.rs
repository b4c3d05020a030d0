//! The lifecycle system chaincode (Fabric's `core/scc/lscc`): `install` (local MSP admins;
//! the package goes to `<peer.fileSystemPath>/chaincodes`), `getinstalledchaincodes`,
//! `deploy`/`upgrade` (validate and write the [`ChaincodeData`] to lscc's namespace through
//! the simulator), and the channel queries `getid`, `getdepspec`, `getccdata`,
//! `getchaincodes` and `getcollectionsconfig` behind their ACLs. Only raw
//! ChaincodeDeploymentSpec packages are read (SignedCDS packages are refused).

pub mod ccprovider;
pub mod ccprovider_signed;
pub mod chaincode_data;
pub mod collections;

use std::sync::Arc;

use prost::Message;

use super::{error, success, InvocationContext, SystemChaincode};
use crate::aclmgmt::policy_checker::LOCAL_ADMINS;
use crate::aclmgmt::resources::*;
use crate::aclmgmt::{AclProvider, AclSubject, PolicyChecker};
use crate::ledger::TxSimulator;
use crate::peer::Peer;
use crate::policy::cauthdsl::{signed_by_any_admin, signed_by_any_member};
use crate::policy::{Policy, SignaturePolicyEvaluator, SignedData};
use crate::protos::peer::{
    ChaincodeDeploymentSpec, ChaincodeInfo, ChaincodeQueryResponse, Response,
};
pub use ccprovider::{CdsPackage, ChaincodeStore};
pub use chaincode_data::{collection_key, ChaincodeData};

/// lscc's namespace in the state database.
pub const NAMESPACE: &str = "lscc";

/// The chaincode name inside ChaincodeDeploymentSpec bytes (empty if unreadable).
pub fn deployment_spec_name(cds: &[u8]) -> String {
    ChaincodeDeploymentSpec::decode(cds)
        .ok()
        .and_then(|c| c.chaincode_spec)
        .and_then(|s| s.chaincode_id)
        .map(|id| id.name)
        .unwrap_or_default()
}

/// Fabric's chaincode name rule `^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$`.
pub fn is_valid_chaincode_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split(['-', '_'])
            .all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Fabric's chaincode version rule `^[A-Za-z0-9_.+-]+$`.
pub fn is_valid_chaincode_version(version: &str) -> bool {
    !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
}

fn name_error(name: &str) -> String {
    format!("invalid chaincode name '{name}'. Names must start with an alphanumeric character and can only consist of alphanumerics, '_', and '-'")
}

fn version_error(version: &str) -> String {
    format!("invalid chaincode version '{version}'. Versions must not be empty and can only consist of alphanumerics, '_',  '-', '+', and '.'")
}

fn args_len_error(n: usize) -> Response {
    error(format!("invalid number of arguments to lscc: {n}"))
}

/// Fabric's `LifeCycleSysCC`.
pub struct Lscc {
    peer: Arc<Peer>,
    acl: Arc<dyn AclProvider>,
    checker: PolicyChecker,
    store: ChaincodeStore,
    system_names: Vec<String>,
}

/// The arguments of a deploy or upgrade, defaults filled in as Fabric does.
struct DeployArgs {
    channel: String,
    spec: ChaincodeDeploymentSpec,
    policy: Vec<u8>,
    escc: String,
    vscc: String,
    collections: Vec<u8>,
}

impl Lscc {
    /// lscc storing packages in `store`; `system_names` are the system chaincode names that
    /// cannot be installed over.
    pub fn new(
        peer: Arc<Peer>,
        acl: Arc<dyn AclProvider>,
        checker: PolicyChecker,
        store: ChaincodeStore,
        system_names: Vec<String>,
    ) -> Self {
        Lscc {
            peer,
            acl,
            checker,
            store,
            system_names,
        }
    }

    fn install(&self, package: &[u8]) -> Result<(), String> {
        let package = CdsPackage::from_bytes(package).map_err(|e| e.to_string())?;
        let (name, version) = (&package.data.name, &package.data.version);
        if !is_valid_chaincode_name(name) {
            return Err(name_error(name));
        }
        if !is_valid_chaincode_version(version) {
            return Err(version_error(version));
        }
        if self.system_names.iter().any(|s| s == name) {
            return Err(format!(
                "cannot install: {name} is the name of a system chaincode"
            ));
        }
        self.store.put(&package).map_err(|e| e.to_string())?;
        tracing::info!(target: "lscc", "Installed Chaincode [{name}] Version [{version}] to peer");
        Ok(())
    }

    fn msp_ids(&self, channel: &str) -> Vec<String> {
        self.peer
            .channel(channel)
            .and_then(|c| {
                c.bundle().application_config().map(|a| {
                    a.organizations()
                        .values()
                        .map(|o| o.msp_id().to_string())
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    fn deploy_args(&self, args: &[Vec<u8>]) -> Result<DeployArgs, Response> {
        let channel = String::from_utf8_lossy(&args[1]).into_owned();
        if channel.is_empty() {
            return Err(error(format!("invalid channel name: {channel}")));
        }
        let Some(ch) = self.peer.channel(&channel) else {
            return Err(error(format!("channel {channel} not found")));
        };
        let private_data = ch
            .bundle()
            .application_config()
            .is_some_and(|a| a.capabilities().private_channel_data());
        if !private_data && args.len() > 6 {
            return Err(error("as V1_2 or later capability is not enabled, private channel collections and data are not available"));
        }
        if private_data && args.len() > 7 {
            return Err(args_len_error(args.len()));
        }
        let spec = ChaincodeDeploymentSpec::decode(args[2].as_slice())
            .map_err(|e| error(format!("error unmarshaling ChaincodeDeploymentSpec: {e}")))?;
        let nonempty = |i: usize| args.get(i).filter(|a| !a.is_empty());
        let policy = match nonempty(3) {
            Some(p) => p.clone(),
            None => signed_by_any_member(&self.msp_ids(&channel)).encode_to_vec(),
        };
        let text = |i: usize, default: &str| {
            nonempty(i).map_or(default.to_string(), |a| {
                String::from_utf8_lossy(a).into_owned()
            })
        };
        Ok(DeployArgs {
            escc: text(4, "escc"),
            vscc: text(5, "vscc"),
            collections: if private_data {
                nonempty(6).cloned().unwrap_or_default()
            } else {
                Vec::new()
            },
            channel,
            spec,
            policy,
        })
    }

    /// Evaluates an instantiation policy over the signed proposal with the channel's MSPs.
    fn check_instantiation_policy(
        &self,
        ctx: &InvocationContext<'_>,
        channel: &str,
        policy: &[u8],
    ) -> Result<(), String> {
        let Some(ch) = self.peer.channel(channel) else {
            return Err(format!("error checking chaincode instantiation policy: MSP manager for channel {channel} not found"));
        };
        let evaluator =
            SignaturePolicyEvaluator::from_bytes(policy, ch.bundle().msp_manager().clone())
                .map_err(|e| e.to_string())?;
        let sd = signed_data(ctx)?;
        evaluator
            .evaluate(&[sd])
            .map_err(|e| format!("instantiation policy violation: {e}"))
    }

    fn deploy_or_upgrade(
        &self,
        ctx: &mut InvocationContext<'_>,
        upgrade: bool,
    ) -> Result<ChaincodeData, String> {
        let a = self.deploy_args(ctx.args).map_err(|r| r.message)?;
        let id = a
            .spec
            .chaincode_spec
            .as_ref()
            .and_then(|s| s.chaincode_id.clone())
            .unwrap_or_default();
        if !is_valid_chaincode_name(&id.name) {
            return Err(name_error(&id.name));
        }
        if !is_valid_chaincode_version(&id.version) {
            return Err(version_error(&id.version));
        }
        let package = self.store.get(&id.name, &id.version).map_err(|e| {
            tracing::error!(target: "lscc", "cannot get package for chaincode ({}:{})-err:{e}", id.name, id.version);
            format!("cannot get package for chaincode ({}:{})", id.name, id.version)
        })?;
        let sim = ctx
            .simulator
            .ok_or("lscc deploy and upgrade need a channel's transaction simulator")?;
        let existing = sim
            .get_state(NAMESPACE, &id.name)
            .map_err(|e| format!("transaction not found: {e}"))?;
        if upgrade {
            let existing =
                existing.ok_or(format!("could not find chaincode with name '{}'", id.name))?;
            let ledger = chaincode_data(&id.name, &existing)?;
            if ledger.version == id.version {
                return Err(format!(
                    "version already exists for chaincode with name '{}'",
                    id.name
                ));
            }
            if ledger.instantiation_policy.is_empty() {
                return Err("instantiation policy missing".into());
            }
            self.check_instantiation_policy(ctx, &a.channel, &ledger.instantiation_policy)?;
        } else if existing.is_some() {
            return Err(format!("chaincode with name '{}' already exists", id.name));
        }
        let mut data = package.data.clone();
        data.escc = a.escc.clone();
        data.vscc = a.vscc.clone();
        data.policy = a.policy.clone();
        // Fabric's GetInstantiationPolicy: a signed package brings its own.
        if data.instantiation_policy.is_empty() {
            data.instantiation_policy =
                signed_by_any_admin(&self.msp_ids(&a.channel)).encode_to_vec();
        }
        self.check_instantiation_policy(ctx, &a.channel, &data.instantiation_policy)?;
        put(sim, &data.name, data.encode_to_vec())?;
        self.put_collections(sim, &a, &id.name, &id.version, upgrade)?;
        if upgrade {
            let event = crate::protos::peer::LifecycleEvent {
                chaincode_name: id.name.clone(),
            };
            ctx.set_event("lscc", "upgrade", event.encode_to_vec());
        }
        Ok(data)
    }

    /// Fabric's putChaincodeCollectionData: the checked collection config goes under
    /// `<name>~collection`; an upgrade carries one only with the V1_2 capability
    /// (CollectionUpgrade).
    fn put_collections(
        &self,
        sim: &dyn TxSimulator,
        a: &DeployArgs,
        name: &str,
        version: &str,
        upgrade: bool,
    ) -> Result<(), String> {
        let Some(channel) = self.peer.channel(&a.channel) else {
            return Err(format!(
                "could not get MSP manager for channel {}",
                a.channel
            ));
        };
        let bundle = channel.bundle();
        if upgrade
            && !bundle
                .application_config()
                .is_some_and(|app| app.capabilities().collection_upgrade())
        {
            if a.collections.is_empty() {
                return Ok(());
            }
            return Err(
                "as V1_2 capability is not enabled, collection upgrades are not allowed".into(),
            );
        }
        if a.collections.is_empty() {
            return Ok(());
        }
        collections::check_collections(&a.collections, name, version, bundle.msp_manager())
            .map_err(|e| e.to_string())?;
        put(sim, &collection_key(name), a.collections.clone())
            .map_err(|e| format!("error putting collection for chaincode {name}:{version}: {e}"))
    }

    fn check(
        &self,
        resource: &str,
        channel: &str,
        ctx: &InvocationContext<'_>,
    ) -> Result<(), String> {
        self.acl
            .check_acl(resource, channel, AclSubject::Proposal(ctx.signed_proposal))
            .map_err(|e| e.to_string())
    }

    fn query(&self, ctx: &InvocationContext<'_>, function: &str) -> Response {
        if ctx.args.len() != 3 {
            return args_len_error(ctx.args.len());
        }
        let (channel, name) = (ctx.arg_str(1), ctx.arg_str(2));
        let resource = match function {
            "getid" | "ChaincodeExists" => LSCC_CHAINCODE_EXISTS,
            "getdepspec" | "GetDeploymentSpec" => LSCC_GET_DEPLOYMENT_SPEC,
            _ => LSCC_GET_CHAINCODE_DATA,
        };
        if let Err(e) = self.check(resource, &channel, ctx) {
            return error(format!("access denied for [{function}][{channel}]: {e}"));
        }
        let bytes = match instance(ctx, &name) {
            Ok(b) => b,
            Err(e) => return error(e),
        };
        match resource {
            LSCC_CHAINCODE_EXISTS => match chaincode_data(&name, &bytes) {
                Ok(cd) => success(cd.name.into_bytes()),
                Err(e) => error(e),
            },
            LSCC_GET_CHAINCODE_DATA => success(bytes),
            _ => {
                let code = chaincode_data(&name, &bytes).and_then(|cd| {
                    let pkg = self
                        .store
                        .get(&name, &cd.version)
                        .map_err(|e| format!("invalid deployment spec: {e}"))?;
                    pkg.validate_cc(&cd)
                        .map_err(|e| format!("chaincode fingerprint mismatch: {e}"))?;
                    Ok(pkg.bytes)
                });
                code.map(success).unwrap_or_else(error)
            }
        }
    }

    fn instantiated(&self, ctx: &InvocationContext<'_>) -> Response {
        let Some(qe) = ctx.simulator else {
            return error("lscc getchaincodes needs a channel");
        };
        let mut it = match qe.get_state_range_scan_iterator(NAMESPACE, "", "") {
            Ok(it) => it,
            Err(e) => return error(e.to_string()),
        };
        let mut chaincodes = Vec::new();
        loop {
            let item = match it.next() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => return error(e.to_string()),
            };
            if item.key.contains('~') {
                continue;
            }
            let cd = match ChaincodeData::decode(item.value.as_slice()) {
                Ok(cd) => cd,
                Err(e) => return error(e.to_string()),
            };
            let (path, input) = match self.store.get(&cd.name, &cd.version) {
                Ok(p) => (p.path(), String::new()),
                Err(_) => (String::new(), String::new()),
            };
            chaincodes.push(ChaincodeInfo {
                name: cd.name,
                version: cd.version,
                path,
                input,
                escc: cd.escc,
                vscc: cd.vscc,
                id: Vec::new(),
            });
        }
        success(ChaincodeQueryResponse { chaincodes }.encode_to_vec())
    }
}

fn put(sim: &dyn TxSimulator, key: &str, value: Vec<u8>) -> Result<(), String> {
    sim.set_state(NAMESPACE, key, value)
        .map_err(|e| e.to_string())
}

fn signed_data(ctx: &InvocationContext<'_>) -> Result<SignedData, String> {
    crate::aclmgmt::policy_checker::proposal_signed_data(
        ctx.signed_proposal,
        "instantiation policy check",
    )
    .map_err(|e| e.to_string())
}

fn instance(ctx: &InvocationContext<'_>, name: &str) -> Result<Vec<u8>, String> {
    let qe = ctx.simulator.ok_or("lscc queries need a channel")?;
    qe.get_state(NAMESPACE, name)
        .map_err(|e| format!("transaction not found: {e}"))?
        .ok_or(format!("could not find chaincode with name '{name}'"))
}

fn chaincode_data(name: &str, bytes: &[u8]) -> Result<ChaincodeData, String> {
    let cd =
        ChaincodeData::decode(bytes).map_err(|_| format!("error while marshalling: {name}"))?;
    if cd.name != name {
        return Err(format!("chaincode name mismatch: {name}!={}", cd.name));
    }
    Ok(cd)
}

impl SystemChaincode for Lscc {
    fn name(&self) -> &'static str {
        "lscc"
    }
    fn invokable_external(&self) -> bool {
        true
    }
    fn invokable_cc2cc(&self) -> bool {
        true
    }

    fn invoke(&self, ctx: &mut InvocationContext<'_>) -> Response {
        let n = ctx.args.len();
        if n < 1 {
            return args_len_error(n);
        }
        let function = ctx.arg_str(0);
        match function.as_str() {
            "install" => {
                if n < 2 {
                    return args_len_error(n);
                }
                if let Err(e) = self
                    .checker
                    .check_policy_no_channel(LOCAL_ADMINS, ctx.signed_proposal)
                {
                    return error(format!("access denied for [{function}]: {e}"));
                }
                match self.install(&ctx.args[1]) {
                    Ok(()) => success(b"OK".to_vec()),
                    Err(e) => error(e),
                }
            }
            "deploy" | "upgrade" => {
                if n < 3 {
                    return args_len_error(n);
                }
                match self.deploy_or_upgrade(ctx, function == "upgrade") {
                    Ok(cd) => success(cd.encode_to_vec()),
                    Err(e) => error(e),
                }
            }
            "getid" | "ChaincodeExists" | "getdepspec" | "GetDeploymentSpec" | "getccdata"
            | "GetChaincodeData" => self.query(ctx, &function),
            "getchaincodes" | "GetChaincodes" => {
                if n != 1 {
                    return args_len_error(n);
                }
                if let Err(e) = self.check(LSCC_GET_INSTANTIATED_CHAINCODES, ctx.channel_id, ctx) {
                    return error(format!(
                        "access denied for [{function}][{}]: {e}",
                        ctx.channel_id
                    ));
                }
                self.instantiated(ctx)
            }
            "getinstalledchaincodes" | "GetInstalledChaincodes" => {
                if n != 1 {
                    return args_len_error(n);
                }
                if let Err(e) = self
                    .checker
                    .check_policy_no_channel(LOCAL_ADMINS, ctx.signed_proposal)
                {
                    return error(format!("access denied for [{function}]: {e}"));
                }
                match self.store.installed() {
                    Ok(answer) => success(answer.encode_to_vec()),
                    Err(e) => error(e.to_string()),
                }
            }
            "GetCollectionsConfig" | "getcollectionsconfig" => {
                if n != 2 {
                    return args_len_error(n);
                }
                if let Err(e) = self.check(LSCC_GET_COLLECTIONS_CONFIG, ctx.channel_id, ctx) {
                    return error(format!("access denied for [{function}]: {e}"));
                }
                let name = ctx.arg_str(1);
                let key = format!("{name}~collection");
                match ctx.simulator.map(|q| q.get_state(NAMESPACE, &key)) {
                    Some(Ok(Some(bytes))) if !bytes.is_empty() => success(bytes),
                    Some(Err(e)) => error(e.to_string()),
                    _ => error(format!(
                        "collections config not defined for chaincode {name}"
                    )),
                }
            }
            other => error(format!("invalid function to lscc: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::peer::{ChaincodeId, ChaincodeSpec};

    #[test]
    fn names_and_versions_follow_fabrics_rules() {
        for ok in ["mycc", "my-cc", "my_cc_2", "A1"] {
            assert!(is_valid_chaincode_name(ok), "{ok}");
        }
        for bad in ["", "-mycc", "mycc-", "my--cc", "my.cc", "my cc"] {
            assert!(!is_valid_chaincode_name(bad), "{bad}");
        }
        assert!(is_valid_chaincode_version("1.0+build_2-rc"));
        assert!(!is_valid_chaincode_version(""));
        assert!(!is_valid_chaincode_version("1.0/2"));
        assert_eq!(name_error("-x"), "invalid chaincode name '-x'. Names must start with an alphanumeric character and can only consist of alphanumerics, '_', and '-'");
    }

    fn cds(name: &str, version: &str) -> Vec<u8> {
        ChaincodeDeploymentSpec {
            chaincode_spec: Some(ChaincodeSpec {
                chaincode_id: Some(ChaincodeId {
                    name: name.into(),
                    version: version.into(),
                    path: "p".into(),
                }),
                ..Default::default()
            }),
            code_package: b"code".to_vec(),
            exec_env: 0,
        }
        .encode_to_vec()
    }

    #[test]
    fn package_fingerprint_is_hash_of_code_and_metadata_hashes() {
        use sha2::{Digest, Sha256};
        let pkg = CdsPackage::from_bytes(&cds("mycc", "1.0")).unwrap();
        let code = Sha256::digest(b"code");
        let meta = Sha256::digest(b"mycc1.0");
        let mut id = Sha256::new();
        id.update(code);
        id.update(meta);
        assert_eq!(pkg.data.id, id.finalize().to_vec());
        assert_eq!(deployment_spec_name(&pkg.bytes), "mycc");
    }

    #[test]
    fn store_installs_once_and_lists_what_matches_its_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = ChaincodeStore::new(dir.path());
        let pkg = CdsPackage::from_bytes(&cds("mycc", "1.0")).unwrap();
        store.put(&pkg).unwrap();
        assert!(store
            .put(&pkg)
            .unwrap_err()
            .to_string()
            .ends_with("mycc.1.0 exists"));
        std::fs::write(dir.path().join("chaincodes/other.2.0"), cds("mycc", "1.0")).unwrap();
        let listed = store.installed().unwrap().chaincodes;
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (
                listed[0].name.as_str(),
                listed[0].version.as_str(),
                listed[0].path.as_str()
            ),
            ("mycc", "1.0", "p")
        );
        let back = store.get("mycc", "1.0").unwrap();
        back.validate_cc(&pkg.data).unwrap();
    }

    #[test]
    fn chaincode_data_uses_fabrics_field_numbers() {
        let cd = ChaincodeData {
            name: "a".into(),
            version: "1".into(),
            escc: "escc".into(),
            vscc: "vscc".into(),
            policy: vec![1],
            data: vec![2],
            id: vec![3],
            instantiation_policy: vec![4],
        };
        let bytes = cd.encode_to_vec();
        let expected: Vec<u8> = [
            &[0x0a, 1, b'a'][..],
            &[0x12, 1, b'1'],
            &[0x1a, 4],
            b"escc",
            &[0x22, 4],
            b"vscc",
            &[0x2a, 1, 1],
            &[0x32, 1, 2],
            &[0x3a, 1, 3],
            &[0x42, 1, 4],
        ]
        .concat();
        assert_eq!(bytes, expected);
        assert_eq!(
            chaincode_data("b", &bytes).unwrap_err(),
            "chaincode name mismatch: b!=a"
        );
    }
}
