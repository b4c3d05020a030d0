//! `cryptogen generate` and `cryptogen extend`: turn a rendered crypto-config into the
//! folder tree Fabric v1.4's cryptogen writes:
//!
//! ```text
//! <output>/peerOrganizations/<domain>/{ca,tlsca,msp,peers/<cn>,users/<cn>}
//! <output>/ordererOrganizations/<domain>/{ca,tlsca,msp,orderers/<cn>,users/Admin@<domain>}
//! ```
//!
//! A run either completes or leaves nothing behind: every organization (and, when
//! extending, every new node or user) is built in a hidden staging folder beside its final
//! place and renamed into place when complete; when a later step fails, what this run put
//! in place is removed again.

use std::path::{Path, PathBuf};

use super::ca::CA;
use super::config::{CaSpec, Config, ConfigError, Node, Org, OrgKind};
use super::msp::{generate_local_msp, generate_verifying_msp, NodeType};
use super::{io_error, CryptogenError};

/// Why generating or extending failed; one line each.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Cryptogen(#[from] CryptogenError),
    #[error("{path} already exists; remove it to generate new material, or run `cryptogen extend` to add only what is missing")]
    Exists { path: PathBuf },
    #[error("organization {org}: cannot copy the admin certificate {from} into {to}: {reason}")]
    AdminCert {
        org: String,
        from: PathBuf,
        to: PathBuf,
        reason: String,
    },
}

/// Generates every organization of `config` below `output` (peer organizations first).
/// Refuses, before writing anything, when an organization's folder already exists.
/// `progress` receives the domain of each peer organization as its generation starts.
pub fn generate(
    config: &Config,
    output: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(), GenerateError> {
    let orgs = config.render()?;
    for org in &orgs {
        let dir = org_dir(output, org);
        if dir.symlink_metadata().is_ok() {
            return Err(GenerateError::Exists { path: dir });
        }
    }
    let mut changes = Changes::default();
    for org in &orgs {
        add_org(&mut changes, output, org, progress)?;
    }
    changes.keep();
    Ok(())
}

/// Adds what `config` describes but `input` lacks: whole organizations, and in existing
/// organizations the missing nodes and users, signed by the CAs already there (which are
/// left untouched). Existing nodes without NodeOUs get the Admin certificate in their
/// `admincerts` when it is missing, as Fabric does.
pub fn extend(
    config: &Config,
    input: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(), GenerateError> {
    let orgs = config.render()?;
    let mut existing = Vec::with_capacity(orgs.len());
    for org in &orgs {
        let dir = org_dir(input, org);
        existing.push(if dir.is_dir() {
            Some(load_cas(&dir, &org.ca)?)
        } else {
            None
        });
    }
    let mut changes = Changes::default();
    for (org, cas) in orgs.iter().zip(existing) {
        match cas {
            None => add_org(&mut changes, input, org, progress)?,
            Some((sign_ca, tls_ca)) => {
                extend_org(&mut changes, &org_dir(input, org), org, &sign_ca, &tls_ca)?
            }
        }
    }
    changes.keep();
    Ok(())
}

/// `<base>/peerOrganizations/<domain>` (or `ordererOrganizations`).
pub fn org_dir(base: &Path, org: &Org) -> PathBuf {
    base.join(org.kind.organizations_dir()).join(&org.domain)
}

fn add_org(
    changes: &mut Changes,
    base: &Path,
    org: &Org,
    progress: &mut dyn FnMut(&str),
) -> Result<(), GenerateError> {
    changes.ensure_dir(base.join(org.kind.organizations_dir()).as_path())?;
    if org.kind == OrgKind::Peer {
        progress(&org.domain);
    }
    let dir = org_dir(base, org);
    changes.place(&dir, |staging| generate_org(staging, org))
}

/// Writes one whole organization into `dir`: both CAs, the verifying MSP, the nodes, the
/// users and Admin, and (without NodeOUs) the Admin certificate in every `admincerts`.
fn generate_org(dir: &Path, org: &Org) -> Result<(), GenerateError> {
    tracing::debug!(target: "cryptogen", org = %org.domain, "generating organization");
    let new_ca = |sub: &str, name: &str| {
        let ca = &org.ca;
        CA::new(
            &dir.join(sub),
            &org.domain,
            name,
            &ca.country,
            &ca.province,
            &ca.locality,
            &ca.organizational_unit,
            &ca.street_address,
            &ca.postal_code,
        )
    };
    let sign_ca = new_ca("ca", &org.ca.common_name)?;
    let tls_ca = new_ca("tlsca", &format!("tls{}", org.ca.common_name))?;
    let msp_dir = dir.join("msp");
    generate_verifying_msp(&msp_dir, &sign_ca, &tls_ca, org.node_ous)?;
    let cas = (&sign_ca, &tls_ca);
    let nodes_dir = dir.join(org.kind.nodes_dir());
    for node in &org.nodes {
        let node_dir = nodes_dir.join(&node.common_name);
        if !node_dir.exists() {
            local_msp(&node_dir, node, cas, org.kind.node_type(), org.node_ous)?;
        }
    }
    let users_dir = dir.join("users");
    for user in &org.users {
        local_msp(
            &users_dir.join(&user.common_name),
            user,
            cas,
            NodeType::Client,
            org.node_ous,
        )?;
    }
    let admin_type = if org.node_ous {
        NodeType::Admin
    } else {
        NodeType::Client
    };
    let admin_dir = users_dir.join(&org.admin.common_name);
    local_msp(&admin_dir, &org.admin, cas, admin_type, org.node_ous)?;
    if !org.node_ous {
        copy_admin_cert(org, &users_dir, &msp_dir.join("admincerts"))?;
        copy_admin_cert_to_nodes(org, dir)?;
    }
    Ok(())
}

/// Adds the missing nodes and users of an existing organization.
fn extend_org(
    changes: &mut Changes,
    dir: &Path,
    org: &Org,
    sign_ca: &CA,
    tls_ca: &CA,
) -> Result<(), GenerateError> {
    let cas = (sign_ca, tls_ca);
    let nodes_dir = dir.join(org.kind.nodes_dir());
    changes.ensure_dir(&nodes_dir)?;
    for node in &org.nodes {
        let node_dir = nodes_dir.join(&node.common_name);
        if !node_dir.exists() {
            tracing::debug!(target: "cryptogen", node = %node.common_name, "adding node");
            changes.place(&node_dir, |staging| {
                local_msp(staging, node, cas, org.kind.node_type(), org.node_ous)
            })?;
        }
    }
    if !org.node_ous {
        copy_admin_cert_to_nodes(org, dir)?;
    }
    let users_dir = dir.join("users");
    changes.ensure_dir(&users_dir)?;
    for user in &org.users {
        let user_dir = users_dir.join(&user.common_name);
        if !user_dir.exists() {
            tracing::debug!(target: "cryptogen", user = %user.common_name, "adding user");
            changes.place(&user_dir, |staging| {
                local_msp(staging, user, cas, NodeType::Client, org.node_ous)
            })?;
        }
    }
    Ok(())
}

fn local_msp(
    dir: &Path,
    node: &Node,
    (sign_ca, tls_ca): (&CA, &CA),
    node_type: NodeType,
    node_ous: bool,
) -> Result<(), GenerateError> {
    generate_local_msp(
        dir,
        &node.common_name,
        &node.sans,
        sign_ca,
        tls_ca,
        node_type,
        node_ous,
    )?;
    Ok(())
}

/// Loads the two CAs of an existing organization. As Fabric does, the names and subject
/// fields of what they sign next come from the configuration, not from the stored
/// certificates (which only give the issuer name).
fn load_cas(dir: &Path, spec: &CaSpec) -> Result<(CA, CA), GenerateError> {
    let load = |sub: &str, name: String| -> Result<CA, GenerateError> {
        let mut ca = CA::load(&dir.join(sub))?;
        ca.name = name;
        ca.country = spec.country.clone();
        ca.province = spec.province.clone();
        ca.locality = spec.locality.clone();
        ca.organizational_unit = spec.organizational_unit.clone();
        ca.street_address = spec.street_address.clone();
        ca.postal_code = spec.postal_code.clone();
        Ok(ca)
    };
    Ok((
        load("ca", spec.common_name.clone())?,
        load("tlsca", format!("tls{}", spec.common_name))?,
    ))
}

fn copy_admin_cert_to_nodes(org: &Org, org_dir: &Path) -> Result<(), GenerateError> {
    let users_dir = org_dir.join("users");
    let nodes_dir = org_dir.join(org.kind.nodes_dir());
    for node in &org.nodes {
        let admincerts = nodes_dir
            .join(&node.common_name)
            .join("msp")
            .join("admincerts");
        copy_admin_cert(org, &users_dir, &admincerts)?;
    }
    Ok(())
}

/// Makes `admincerts` hold exactly the Admin user's certificate, unless it already has it.
fn copy_admin_cert(org: &Org, users_dir: &Path, admincerts: &Path) -> Result<(), GenerateError> {
    let file_name = format!("{}-cert.pem", org.admin.common_name);
    let target = admincerts.join(&file_name);
    if target.exists() {
        return Ok(());
    }
    let source = users_dir
        .join(&org.admin.common_name)
        .join("msp")
        .join("signcerts")
        .join(&file_name);
    let fail = |e: std::io::Error| GenerateError::AdminCert {
        org: org.domain.clone(),
        from: source.clone(),
        to: admincerts.to_path_buf(),
        reason: e.to_string(),
    };
    let pem = std::fs::read(&source).map_err(fail)?;
    if admincerts.exists() {
        std::fs::remove_dir_all(admincerts).map_err(fail)?;
    }
    std::fs::create_dir_all(admincerts).map_err(fail)?;
    std::fs::write(&target, pem).map_err(fail)
}

/// What a run has put in place so far, taken back on drop unless [`Changes::keep`] ran.
#[derive(Debug, Default)]
struct Changes {
    /// Folders renamed into place, in order.
    placed: Vec<PathBuf>,
    /// Folders created on the way (parents), outermost first.
    created_dirs: Vec<PathBuf>,
    kept: bool,
}

impl Changes {
    /// Creates `dir` and its missing parents, remembering which ones it created.
    fn ensure_dir(&mut self, dir: &Path) -> Result<(), CryptogenError> {
        let mut missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && a.symlink_metadata().is_err())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        missing.reverse();
        self.created_dirs.extend(missing);
        Ok(())
    }

    /// Builds `target` with `build` in a staging folder beside it, then renames it into
    /// place. A failed build leaves nothing behind.
    fn place(
        &mut self,
        target: &Path,
        build: impl FnOnce(&Path) -> Result<(), GenerateError>,
    ) -> Result<(), GenerateError> {
        let staging = staging_path(target);
        if staging.symlink_metadata().is_ok() {
            std::fs::remove_dir_all(&staging).map_err(|e| io_error(&staging, e))?;
        }
        if let Err(e) = build(&staging) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        if let Err(e) = std::fs::rename(&staging, target) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(io_error(target, e).into());
        }
        self.placed.push(target.to_path_buf());
        Ok(())
    }

    /// The run succeeded: keep everything.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Changes {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        for path in self.placed.iter().rev() {
            if let Err(e) = std::fs::remove_dir_all(path) {
                tracing::warn!(target: "cryptogen", path = %path.display(), error = %e, "cannot remove partial output");
            }
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// `<parent>/.<name>.partial-<pid>`: hidden, beside the target, so the final rename stays
/// on one file system.
fn staging_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Config {
        Config::from_yaml(yaml).unwrap()
    }

    const ONE_ORG: &str = "
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    Template:
      Count: 1
    Users:
      Count: 1
";

    fn files(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push(rel);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn without_node_ous_every_admincerts_holds_the_admin_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = Vec::new();
        generate(&config(ONE_ORG), dir.path(), &mut |d| {
            seen.push(d.to_string())
        })
        .unwrap();
        assert_eq!(seen, ["org1.example.com"]);
        let org = dir.path().join("peerOrganizations/org1.example.com");
        let admin_cert = std::fs::read(
            org.join("users/Admin@org1.example.com/msp/signcerts/Admin@org1.example.com-cert.pem"),
        )
        .unwrap();
        for admincerts in [
            org.join("msp/admincerts"),
            org.join("peers/peer0.org1.example.com/msp/admincerts"),
            org.join("users/Admin@org1.example.com/msp/admincerts"),
        ] {
            let listed = files(&admincerts);
            assert_eq!(
                listed,
                ["Admin@org1.example.com-cert.pem"],
                "{}",
                admincerts.display()
            );
            assert_eq!(
                std::fs::read(admincerts.join(&listed[0])).unwrap(),
                admin_cert
            );
        }
        assert_eq!(
            files(&org.join("users/User1@org1.example.com/msp/admincerts")),
            ["User1@org1.example.com-cert.pem"]
        );
        assert!(!org.join("msp/config.yaml").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("peerOrganizations"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["org1.example.com"]);
    }

    #[test]
    fn generate_refuses_an_existing_organization_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let two = format!("{ONE_ORG}  - Name: Org2\n    Domain: org2.example.com\n");
        std::fs::create_dir_all(dir.path().join("peerOrganizations/org2.example.com")).unwrap();
        let err = generate(&config(&two), dir.path(), &mut |_| {}).unwrap_err();
        assert!(matches!(err, GenerateError::Exists { .. }), "{err}");
        assert!(!dir
            .path()
            .join("peerOrganizations/org1.example.com")
            .exists());
    }

    #[test]
    fn a_failure_takes_back_what_the_run_added() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut changes = Changes::default();
        changes.ensure_dir(&out.join("peerOrganizations")).unwrap();
        changes
            .place(&out.join("peerOrganizations/a"), |staging| {
                std::fs::create_dir_all(staging).map_err(|e| io_error(staging, e).into())
            })
            .unwrap();
        let err = changes
            .place(&out.join("peerOrganizations/b"), |staging| {
                std::fs::create_dir_all(staging.join("x")).unwrap();
                Err(GenerateError::Exists {
                    path: staging.to_path_buf(),
                })
            })
            .unwrap_err();
        assert!(matches!(err, GenerateError::Exists { .. }));
        let entries: Vec<_> = std::fs::read_dir(out.join("peerOrganizations"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["a"]);
        drop(changes);
        assert!(!out.exists());
        assert!(dir.path().exists());
    }

    #[test]
    fn extend_adds_users_and_the_admin_cert_to_new_peers_only() {
        let dir = tempfile::tempdir().unwrap();
        generate(&config(ONE_ORG), dir.path(), &mut |_| {}).unwrap();
        let org = dir.path().join("peerOrganizations/org1.example.com");
        let peer0_key = files(&org.join("peers/peer0.org1.example.com/msp/keystore"));
        let more = ONE_ORG.replace("Count: 1", "Count: 2");
        let mut seen = Vec::new();
        extend(&config(&more), dir.path(), &mut |d| {
            seen.push(d.to_string())
        })
        .unwrap();
        assert!(seen.is_empty());
        assert!(org
            .join("users/User2@org1.example.com/msp/signcerts")
            .is_dir());
        assert_eq!(
            files(&org.join("peers/peer1.org1.example.com/msp/admincerts")),
            ["Admin@org1.example.com-cert.pem"]
        );
        assert_eq!(
            files(&org.join("peers/peer0.org1.example.com/msp/keystore")),
            peer0_key
        );
    }

    #[test]
    fn extend_without_a_ca_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let org = dir.path().join("peerOrganizations/org1.example.com");
        std::fs::create_dir_all(org.join("ca")).unwrap();
        let err = extend(&config(ONE_ORG), dir.path(), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("no CA found"), "{err}");
        assert_eq!(files(dir.path()).len(), 0);
        assert!(!org.join("peers").exists());
    }
}
