//! Setting an X.509 MSP up from a `FabricMSPConfig` (Fabric's `mspimplsetup.go`): crypto
//! config, CAs (sanitized, then re-pooled), CRLs, CA checks, TLS CAs, OU identifiers,
//! NodeOUs and admins, then the version's post-setup checks on the admins.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use prost::Message;

use super::bccspmsp::{IdHash, MspCore, MspVersion};
use super::cache::MspCaches;
use super::cert::Certificate;
use super::chain::CertPool;
use super::config::{SHA2, SHA256};
use super::crl::Crl;
use super::x509identity::X509Identity;
use super::{Identity, MspError, OuIdentifier};
use crate::crypto::HashFamily;
use crate::protos::common::{msp_principal, msp_role, MspPrincipal, MspRole};
use crate::protos::msp::{FabricMspConfig, FabricOuIdentifier};

impl MspCore {
    fn empty(name: &str, version: MspVersion) -> Self {
        MspCore {
            version,
            name: name.to_string(),
            signature_hash_family: HashFamily::Sha2,
            id_hash: IdHash::Sha256,
            roots: Vec::new(),
            intermediates: Vec::new(),
            root_pool: CertPool::new(),
            intermediate_pool: CertPool::new(),
            internal_nodes: HashSet::new(),
            admins: Vec::new(),
            crls: Vec::new(),
            ou_identifiers: BTreeMap::new(),
            ou_enforcement: false,
            client_ou: None,
            peer_ou: None,
            admin_ou: None,
            orderer_ou: None,
            tls_root_certs: Vec::new(),
            tls_intermediate_certs: Vec::new(),
            caches: MspCaches::new(),
        }
    }

    /// Runs the setup steps of `version` in Fabric's order (admins last from v1.4.3 on).
    pub(crate) fn setup(conf: &FabricMspConfig, version: MspVersion) -> Result<Self, MspError> {
        tracing::debug!(target: "msp", "Setting up MSP instance {}", conf.name);
        let mut core = MspCore::empty(&conf.name, version);
        core.setup_crypto(conf)?;
        core.setup_cas(conf)?;
        if version < MspVersion::V1_4_3 {
            core.setup_admins(conf)?;
        }
        core.setup_crls(conf)?;
        core.finalize_setup_cas()?;
        core.setup_tls_cas(conf)?;
        core.setup_ous(conf)?;
        if version >= MspVersion::V1_4_3 {
            core.setup_node_ous_v143(conf)?;
            core.setup_admins(conf)?;
            if core.admins.is_empty() && (!core.ou_enforcement || core.admin_ou.is_none()) {
                return Err(core.config_error(
                    "administrators must be declared when no admin OU classification is set",
                ));
            }
        } else if version >= MspVersion::V1_1 {
            core.setup_node_ous_v11(conf)?;
        }
        Ok(core)
    }

    fn setup_crypto(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        let (family, id_hash) = match &conf.crypto_config {
            Some(c) => (
                c.signature_hash_family.as_str(),
                c.identity_identifier_hash_function.as_str(),
            ),
            None => ("", ""),
        };
        let family = if family.is_empty() { SHA2 } else { family };
        let id_hash = if id_hash.is_empty() { SHA256 } else { id_hash };
        self.signature_hash_family = HashFamily::parse(family)
            .map_err(|_| self.config_error(format!("hash family not recognized [{family}]")))?;
        self.id_hash = IdHash::parse(id_hash).ok_or_else(|| {
            self.config_error(format!(
                "identity identifier hash function not recognized [{id_hash}]"
            ))
        })?;
        Ok(())
    }

    fn parse_pem_cert(&self, what: &str, pem_bytes: &[u8]) -> Result<Certificate, MspError> {
        Certificate::from_pem(pem_bytes)
            .map_err(|e| self.config_error(format!("{what} certificate: {e}")))
    }

    fn setup_cas(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        if conf.root_certs.is_empty() {
            return Err(self.config_error("expected at least one CA certificate"));
        }
        let roots = conf
            .root_certs
            .iter()
            .map(|c| self.parse_pem_cert("root CA", c))
            .collect::<Result<Vec<_>, _>>()?;
        let inters = conf
            .intermediate_certs
            .iter()
            .map(|c| self.parse_pem_cert("intermediate CA", c))
            .collect::<Result<Vec<_>, _>>()?;
        // Sanitizing needs chains, so pool the certificates as given first ...
        for c in &roots {
            self.root_pool.add(c.clone());
        }
        for c in &inters {
            self.intermediate_pool.add(c.clone());
        }
        let sanitize = |c: &Certificate| {
            self.sanitize_cert(c)
                .map_err(|e| self.config_error(format!("CA certificate: {e}")))
        };
        let roots = roots.iter().map(sanitize).collect::<Result<Vec<_>, _>>()?;
        let inters = inters.iter().map(sanitize).collect::<Result<Vec<_>, _>>()?;
        // ... then re-pool the sanitized ones.
        self.root_pool = CertPool::new();
        self.intermediate_pool = CertPool::new();
        for c in &roots {
            self.root_pool.add(c.clone());
        }
        for c in &inters {
            self.intermediate_pool.add(c.clone());
        }
        self.roots = roots;
        self.intermediates = inters;
        Ok(())
    }

    fn setup_admins(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        let mut admins = Vec::with_capacity(conf.admins.len());
        for pem_bytes in &conf.admins {
            let cert = self.parse_pem_cert("admin", pem_bytes)?;
            let cert = self
                .sanitize_cert(&cert)
                .map_err(|e| self.config_error(format!("admin certificate: {e}")))?;
            admins.push(cert);
        }
        self.admins = admins;
        Ok(())
    }

    fn setup_crls(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        self.crls = conf
            .revocation_list
            .iter()
            .map(|bytes| {
                Crl::parse(bytes)
                    .map_err(|e| self.config_error(format!("could not parse RevocationList: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(())
    }

    fn finalize_setup_cas(&mut self) -> Result<(), MspError> {
        for cert in self.roots.iter().chain(self.intermediates.iter()) {
            let sn = hex::encode(&cert.serial);
            if !cert.is_ca {
                return Err(self.config_error(format!(
                    "CA Certificate did not have the CA attribute, (SN: {sn})"
                )));
            }
            if cert.subject_key_id.is_none() {
                return Err(self.config_error(format!(
                    "CA Certificate problem with Subject Key Identifier extension, (SN: {sn}): subjectKeyIdentifier not found in certificate"
                )));
            }
            self.validate_ca_cert(cert).map_err(|e| {
                self.config_error(format!("CA Certificate is not valid, (SN: {sn}): {e}"))
            })?;
        }
        let mut internal = HashSet::new();
        for cert in &self.intermediates {
            let chain = self.unique_validation_chain(cert).map_err(|e| {
                self.config_error(format!(
                    "failed getting validation chain for an intermediate CA: {e}"
                ))
            })?;
            for parent in &chain[1..] {
                internal.insert(parent.der().to_vec());
            }
        }
        self.internal_nodes = internal;
        Ok(())
    }

    fn setup_tls_cas(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        let mut roots = CertPool::new();
        let mut inters = CertPool::new();
        let mut all = Vec::new();
        for pem_bytes in &conf.tls_root_certs {
            let c = self.parse_pem_cert("TLS root CA", pem_bytes)?;
            roots.add(c.clone());
            all.push(c);
        }
        for pem_bytes in &conf.tls_intermediate_certs {
            let c = self.parse_pem_cert("TLS intermediate CA", pem_bytes)?;
            inters.add(c.clone());
            all.push(c);
        }
        for cert in &all {
            let sn = hex::encode(&cert.serial);
            if !cert.is_ca {
                return Err(self.config_error(format!(
                    "TLS CA Certificate did not have the CA attribute, (SN: {sn})"
                )));
            }
            if cert.subject_key_id.is_none() {
                return Err(self.config_error(format!(
                    "TLS CA Certificate has no Subject Key Identifier extension, (SN: {sn})"
                )));
            }
            self.validate_tls_ca_cert(cert, &roots, &inters)
                .map_err(|e| {
                    self.config_error(format!("TLS CA Certificate is not valid, (SN: {sn}): {e}"))
                })?;
        }
        self.tls_root_certs = conf.tls_root_certs.clone();
        self.tls_intermediate_certs = conf.tls_intermediate_certs.clone();
        Ok(())
    }

    fn setup_ous(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        for ou in &conf.organizational_unit_identifiers {
            let certifiers = self.certifiers_identifier(&ou.certificate).map_err(|e| {
                self.config_error(format!(
                    "failed getting certificate for OU [{}]: {e}",
                    ou.organizational_unit_identifier
                ))
            })?;
            let ids = self
                .ou_identifiers
                .entry(ou.organizational_unit_identifier.clone())
                .or_default();
            if ids.contains(&certifiers) {
                tracing::warn!(target: "msp", "Duplicate found in ou identifiers [{}]", ou.organizational_unit_identifier);
            } else {
                ids.push(certifiers);
            }
        }
        Ok(())
    }

    /// A NodeOU identifier with its certifiers identifier when a certificate is given.
    fn node_ou(&self, conf: &FabricOuIdentifier) -> Result<OuIdentifier, MspError> {
        let certifiers_identifier = if conf.certificate.is_empty() {
            Vec::new()
        } else {
            self.certifiers_identifier(&conf.certificate)
                .map_err(|e| self.config_error(format!("NodeOUs: {e}")))?
        };
        Ok(OuIdentifier {
            certifiers_identifier,
            organizational_unit_identifier: conf.organizational_unit_identifier.clone(),
        })
    }

    fn setup_node_ous_v11(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        let Some(node_ous) = &conf.fabric_node_ous else {
            self.ou_enforcement = false;
            return Ok(());
        };
        self.ou_enforcement = node_ous.enable;
        let required = |o: &Option<FabricOuIdentifier>, which: &str| match o {
            Some(o) if !o.organizational_unit_identifier.is_empty() => Ok(o.clone()),
            _ => Err(self.config_error(format!(
                "failed setting up NodeOUs: {which} must be different from nil"
            ))),
        };
        let client = required(&node_ous.client_ou_identifier, "ClientOU")?;
        let peer = required(&node_ous.peer_ou_identifier, "PeerOU")?;
        let client = self.node_ou(&client)?;
        let peer = self.node_ou(&peer)?;
        self.client_ou = Some(client);
        self.peer_ou = Some(peer);
        Ok(())
    }

    fn setup_node_ous_v143(&mut self, conf: &FabricMspConfig) -> Result<(), MspError> {
        let Some(node_ous) = &conf.fabric_node_ous else {
            self.ou_enforcement = false;
            return Ok(());
        };
        self.ou_enforcement = node_ous.enable;
        let load = |o: &Option<FabricOuIdentifier>| o.as_ref().map(|o| self.node_ou(o)).transpose();
        let client = load(&node_ous.client_ou_identifier)?;
        let peer = load(&node_ous.peer_ou_identifier)?;
        let admin = load(&node_ous.admin_ou_identifier)?;
        let orderer = load(&node_ous.orderer_ou_identifier)?;
        self.client_ou = client;
        self.peer_ou = peer;
        self.admin_ou = admin;
        self.orderer_ou = orderer;
        let declared = [
            &self.client_ou,
            &self.peer_ou,
            &self.admin_ou,
            &self.orderer_ou,
        ];
        if declared.iter().all(|o| o.is_none()) {
            self.ou_enforcement = false;
        }
        Ok(())
    }

    /// The checks on admins that need identities: valid members (no NodeOUs), clients
    /// (v1.1/v1.3 with NodeOUs), or carrying the client or admin OU (v1.4.3 with NodeOUs).
    pub(crate) fn post_setup(self: &Arc<Self>) -> Result<(), MspError> {
        for (i, admin) in self.admins.iter().enumerate() {
            let id = X509Identity::new(self, admin.clone())?;
            let outcome = if !self.ou_enforcement {
                id.validate()
            } else if self.version >= MspVersion::V1_4_3 {
                let client = self.has_ou_role(&id, msp_role::MspRoleType::Client);
                let admin_ou = self.has_ou_role(&id, msp_role::MspRoleType::Admin);
                match (client, admin_ou) {
                    (Err(a), Err(b)) => Err(self.invalid(format!("{a}; {b}"))),
                    _ => Ok(()),
                }
            } else {
                let role = MspRole {
                    msp_identifier: self.name.clone(),
                    role: msp_role::MspRoleType::Client as i32,
                };
                id.satisfies_principal(&MspPrincipal {
                    principal_classification: msp_principal::Classification::Role as i32,
                    principal: role.encode_to_vec(),
                })
            };
            outcome.map_err(|e| self.config_error(format!("admin {i} is invalid: {e}")))?;
        }
        Ok(())
    }
}
