//! Fabric's X.509 MSP (`bccspmsp`): the trusted roots, intermediates, admins, CRLs and OU
//! rules of one organization, set up from an `msp.MSPConfig`, and the identities it issues.
//!
//! Behaviour follows the MSP version the channel capabilities select ([`MspVersion`]); the
//! local MSP of a peer or client is always [`MspVersion::V1_4_3`].

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use prost::Message;

use super::cache::MspCaches;
use super::cert::Certificate;
use super::chain::CertPool;
use super::crl::Crl;
use super::x509identity::{X509Identity, X509SigningIdentity};
use super::{pem, Identity, IdentityDeserializer, MspError, OuIdentifier, SigningIdentity};
use crate::crypto::{HashFamily, KeyStore};
use crate::protos::common::MspPrincipal;
use crate::protos::msp::{FabricMspConfig, MspConfig, SerializedIdentity};

/// The behaviour generations of the X.509 MSP (Fabric's `MSPv1_0` ... `MSPv1_4_3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MspVersion {
    /// OU identifiers only; admins are the admincerts.
    V1_0,
    /// Adds NodeOUs (client and peer classification).
    V1_1,
    /// Adds COMBINED and ANONYMITY principals.
    V1_3,
    /// Adds admin and orderer NodeOUs; an admin may be recognised by its OU.
    V1_4_3,
}

/// The hash used for identity ids and certifiers identifiers
/// (`FabricCryptoConfig.identity_identifier_hash_function`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdHash {
    Sha256,
    Sha384,
    Sha3_256,
    Sha3_384,
}

impl IdHash {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "SHA256" => Some(IdHash::Sha256),
            "SHA384" => Some(IdHash::Sha384),
            "SHA3_256" => Some(IdHash::Sha3_256),
            "SHA3_384" => Some(IdHash::Sha3_384),
            _ => None,
        }
    }

    pub(crate) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            IdHash::Sha256 => run::<sha2::Sha256>(parts),
            IdHash::Sha384 => run::<sha2::Sha384>(parts),
            IdHash::Sha3_256 => run::<sha3::Sha3_256>(parts),
            IdHash::Sha3_384 => run::<sha3::Sha3_384>(parts),
        }
    }
}

/// The set-up state of an X.509 MSP, shared by the MSP and every identity it issued.
#[derive(Debug)]
pub(crate) struct MspCore {
    pub(crate) version: MspVersion,
    pub(crate) name: String,
    pub(crate) signature_hash_family: HashFamily,
    pub(crate) id_hash: IdHash,
    /// Sanitized root and intermediate CA certificates.
    pub(crate) roots: Vec<Certificate>,
    pub(crate) intermediates: Vec<Certificate>,
    pub(crate) root_pool: CertPool,
    pub(crate) intermediate_pool: CertPool,
    /// DER of the certificates that issued an intermediate CA (internal tree nodes).
    pub(crate) internal_nodes: HashSet<Vec<u8>>,
    /// Sanitized admin certificates.
    pub(crate) admins: Vec<Certificate>,
    pub(crate) crls: Vec<Crl>,
    /// OU name -> certifiers identifiers accepted for it.
    pub(crate) ou_identifiers: BTreeMap<String, Vec<Vec<u8>>>,
    pub(crate) ou_enforcement: bool,
    pub(crate) client_ou: Option<OuIdentifier>,
    pub(crate) peer_ou: Option<OuIdentifier>,
    pub(crate) admin_ou: Option<OuIdentifier>,
    pub(crate) orderer_ou: Option<OuIdentifier>,
    pub(crate) tls_root_certs: Vec<Vec<u8>>,
    pub(crate) tls_intermediate_certs: Vec<Vec<u8>>,
    /// Deserialize, validate and principal caches; they live and die with this setup.
    pub(crate) caches: MspCaches,
}

impl MspCore {
    pub(crate) fn config_error(&self, reason: impl Into<String>) -> MspError {
        MspError::Config {
            msp_id: self.name.clone(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid(&self, reason: impl Into<String>) -> MspError {
        MspError::InvalidIdentity {
            msp_id: self.name.clone(),
            reason: reason.into(),
        }
    }
}

/// An X.509 MSP (Fabric's `bccspmsp`), cheap to clone.
#[derive(Debug, Clone)]
pub struct X509Msp {
    pub(crate) core: Arc<MspCore>,
    signer: Option<Arc<X509SigningIdentity>>,
}

impl X509Msp {
    /// Sets the MSP up from its configuration. The signing identity named in the config (if
    /// any) gets its private key from `key_store`, by the SKI of the certificate's key, or
    /// else from the config's key material.
    pub fn new(
        config: &MspConfig,
        version: MspVersion,
        key_store: Option<&dyn KeyStore>,
    ) -> Result<Self, MspError> {
        if config.r#type != super::config::FABRIC_PROVIDER_TYPE {
            return Err(MspError::Config {
                msp_id: String::new(),
                reason: format!(
                    "MSP type {} is not supported; only X.509 (FABRIC, 0) MSPs are",
                    config.r#type
                ),
            });
        }
        let conf =
            FabricMspConfig::decode(config.config.as_slice()).map_err(|e| MspError::Config {
                msp_id: String::new(),
                reason: format!("cannot decode the FabricMSPConfig: {e}"),
            })?;
        let core = Arc::new(MspCore::setup(&conf, version)?);
        core.post_setup()?;
        let signer = match &conf.signing_identity {
            Some(info) => Some(Arc::new(X509SigningIdentity::from_config(
                &core, info, key_store,
            )?)),
            None => None,
        };
        Ok(X509Msp { core, signer })
    }

    /// The MSP id (`Org1MSP`).
    pub fn identifier(&self) -> &str {
        &self.core.name
    }

    pub fn version(&self) -> MspVersion {
        self.core.version
    }

    /// The TLS root certificates (PEM), as configured.
    pub fn tls_root_certs(&self) -> &[Vec<u8>] {
        &self.core.tls_root_certs
    }

    /// The TLS intermediate certificates (PEM), as configured.
    pub fn tls_intermediate_certs(&self) -> &[Vec<u8>] {
        &self.core.tls_intermediate_certs
    }

    /// The MSP's default signing identity (the local MSP's signcert and key).
    pub fn default_signing_identity(&self) -> Result<Arc<dyn SigningIdentity>, MspError> {
        match &self.signer {
            Some(s) => Ok(s.clone() as Arc<dyn SigningIdentity>),
            None => Err(MspError::Signing(format!(
                "MSP {} does not possess a valid default signing identity",
                self.core.name
            ))),
        }
    }

    /// Turns the PEM certificate of a serialized identity into an identity of this MSP
    /// (the mspid is not checked: callers that have it use [`IdentityDeserializer`]),
    /// reusing the identity when the same bytes were deserialized recently. Failures are
    /// not remembered.
    pub fn deserialize_identity_shared(
        &self,
        id_bytes: &[u8],
    ) -> Result<Arc<X509Identity>, MspError> {
        if let Some(id) = self.core.caches.deserialized.get(id_bytes) {
            return Ok(id);
        }
        let id = Arc::new(self.deserialize_identity_bytes(id_bytes)?);
        self.core
            .caches
            .deserialized
            .insert(id_bytes.to_vec(), id.clone());
        Ok(id)
    }

    /// Turns the PEM certificate of a serialized identity into an identity of this MSP,
    /// always parsing and sanitizing the certificate (no cache).
    pub fn deserialize_identity_bytes(&self, id_bytes: &[u8]) -> Result<X509Identity, MspError> {
        let (block, _) = pem::decode(id_bytes).ok_or_else(|| {
            MspError::MalformedIdentity("could not decode the PEM structure of the identity".into())
        })?;
        let cert = Certificate::from_der(&block.contents)
            .map_err(|e| MspError::MalformedIdentity(format!("the identity's {e}")))?;
        X509Identity::new(&self.core, cert)
    }

    /// Checks that an identity is valid for this MSP (chain, revocation, OUs, NodeOUs).
    pub fn validate(&self, identity: &dyn Identity) -> Result<(), MspError> {
        if identity.msp_identifier() != self.core.name {
            return Err(self.core.invalid(format!(
                "the identity belongs to MSP {}",
                identity.msp_identifier()
            )));
        }
        identity.validate()
    }

    /// Checks that `identity` satisfies `principal` under this MSP.
    pub fn satisfies_principal(
        &self,
        identity: &dyn Identity,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        identity.satisfies_principal(principal)
    }

    /// Fabric's `IsWellFormed`: one PEM block of type `CERTIFICATE` (or no type), no trailing
    /// bytes, a parseable certificate whose ECDSA signature is canonically DER encoded.
    pub fn is_well_formed(&self, identity: &SerializedIdentity) -> Result<(), MspError> {
        super::x509identity::is_well_formed(identity)
    }
}

impl IdentityDeserializer for X509Msp {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Arc<dyn Identity>, MspError> {
        let sid = SerializedIdentity::decode(serialized).map_err(|e| {
            MspError::MalformedIdentity(format!("could not decode a SerializedIdentity: {e}"))
        })?;
        if sid.mspid != self.core.name {
            return Err(MspError::WrongMsp {
                expected: self.core.name.clone(),
                got: sid.mspid,
            });
        }
        Ok(self.deserialize_identity_shared(&sid.id_bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msp::chain::tests::{ca, issue, Ca};
    use crate::protos::common::{
        msp_identity_anonymity::MspIdentityAnonymityType, msp_principal::Classification,
        msp_role::MspRoleType, CombinedPrincipal, MspIdentityAnonymity, MspRole, OrganizationUnit,
    };
    use crate::protos::msp::{FabricNodeOUs, FabricOuIdentifier};

    fn ou(name: &str, cert: &Ca) -> Option<FabricOuIdentifier> {
        Some(FabricOuIdentifier {
            certificate: cert.cert.to_pem(),
            organizational_unit_identifier: name.into(),
        })
    }

    fn msp(conf: FabricMspConfig, version: MspVersion) -> Result<X509Msp, MspError> {
        let config = MspConfig {
            r#type: 0,
            config: conf.encode_to_vec(),
        };
        X509Msp::new(&config, version, None)
    }

    fn base(root: &Ca, inter: &Ca, admins: &[&Ca]) -> FabricMspConfig {
        FabricMspConfig {
            name: "SampleOrg".into(),
            root_certs: vec![root.cert.to_pem()],
            intermediate_certs: vec![inter.cert.to_pem()],
            admins: admins.iter().map(|a| a.cert.to_pem()).collect(),
            ..Default::default()
        }
    }

    fn node_ous(inter: &Ca) -> Option<FabricNodeOUs> {
        Some(FabricNodeOUs {
            enable: true,
            client_ou_identifier: ou("client", inter),
            peer_ou_identifier: ou("peer", inter),
            admin_ou_identifier: ou("admin", inter),
            orderer_ou_identifier: ou("orderer", inter),
        })
    }

    fn ident(m: &X509Msp, who: &Ca) -> Arc<dyn Identity> {
        let sid = SerializedIdentity {
            mspid: m.identifier().into(),
            id_bytes: who.cert.to_pem(),
        };
        m.deserialize_identity(&sid.encode_to_vec()).unwrap()
    }

    fn principal(class: Classification, body: Vec<u8>) -> MspPrincipal {
        MspPrincipal {
            principal_classification: class as i32,
            principal: body,
        }
    }

    fn role(r: MspRoleType) -> MspPrincipal {
        let body = MspRole {
            msp_identifier: "SampleOrg".into(),
            role: r as i32,
        };
        principal(Classification::Role, body.encode_to_vec())
    }

    #[test]
    fn identities_through_an_intermediate_and_node_ous() {
        let root = ca("root");
        let inter = issue(&root, "inter", true, &[]);
        let peer = issue(&inter, "peer0", false, &["peer"]);
        let admin = issue(&inter, "admin", false, &["admin"]);
        let both = issue(&inter, "nobody", false, &["accounting"]);
        let mut conf = base(&root, &inter, &[]);
        conf.fabric_node_ous = node_ous(&inter);
        let m = msp(conf, MspVersion::V1_4_3).unwrap();
        let p = ident(&m, &peer);
        p.validate().unwrap();
        assert!(p.satisfies_principal(&role(MspRoleType::Peer)).is_ok());
        assert!(p.satisfies_principal(&role(MspRoleType::Admin)).is_err());
        assert!(ident(&m, &admin)
            .satisfies_principal(&role(MspRoleType::Admin))
            .is_ok());
        let err = ident(&m, &both).validate().unwrap_err();
        assert!(err.to_string().contains("not a combination"), "{err}");
        // The certifiers identifier is the hash of the chain above the identity.
        let ous = p.organizational_units();
        // (the sanitized certificates: ring may have produced high-S signatures)
        let expected =
            IdHash::Sha256.digest(&[m.core.intermediates[0].der(), m.core.roots[0].der()]);
        assert_eq!(ous[0].certifiers_identifier, expected);
        let ou_principal = OrganizationUnit {
            msp_identifier: "SampleOrg".into(),
            organizational_unit_identifier: "peer".into(),
            certifiers_identifier: expected,
        };
        let ou_principal = principal(
            Classification::OrganizationUnit,
            ou_principal.encode_to_vec(),
        );
        assert!(p.satisfies_principal(&ou_principal).is_ok());
        // CA certificates cannot be identities.
        let err = ident(&m, &inter).validate().unwrap_err();
        assert!(err.to_string().contains("Certificate Authority"), "{err}");
    }

    #[test]
    fn admins_without_admin_ou_must_be_declared_from_v143() {
        let root = ca("root");
        let inter = issue(&root, "inter", true, &[]);
        let err = msp(base(&root, &inter, &[]), MspVersion::V1_4_3).unwrap_err();
        assert!(
            err.to_string().contains("administrators must be declared"),
            "{err}"
        );
        let admin = issue(&inter, "admin", false, &[]);
        let m = msp(base(&root, &inter, &[&admin]), MspVersion::V1_4_3).unwrap();
        assert!(ident(&m, &admin)
            .satisfies_principal(&role(MspRoleType::Admin))
            .is_ok());
        // Pre-1.4.3 MSPs accept no admins at all.
        assert!(msp(base(&root, &inter, &[]), MspVersion::V1_1).is_ok());
    }

    #[test]
    fn combined_anonymity_and_identity_principals() {
        let root = ca("root");
        let inter = issue(&root, "inter", true, &[]);
        let admin = issue(&inter, "admin", false, &[]);
        let other = issue(&inter, "other", false, &[]);
        let m13 = msp(base(&root, &inter, &[&admin]), MspVersion::V1_3).unwrap();
        let m11 = msp(base(&root, &inter, &[&admin]), MspVersion::V1_1).unwrap();
        let nominal = MspIdentityAnonymity {
            anonymity_type: MspIdentityAnonymityType::Nominal as i32,
        };
        let anonymous = MspIdentityAnonymity {
            anonymity_type: MspIdentityAnonymityType::Anonymous as i32,
        };
        let nominal = principal(Classification::Anonymity, nominal.encode_to_vec());
        let anonymous = principal(Classification::Anonymity, anonymous.encode_to_vec());
        let combined = |ps: Vec<MspPrincipal>| {
            principal(
                Classification::Combined,
                CombinedPrincipal { principals: ps }.encode_to_vec(),
            )
        };
        let a = ident(&m13, &admin);
        assert!(a.satisfies_principal(&nominal).is_ok());
        assert!(a.satisfies_principal(&anonymous).is_err());
        assert!(a
            .satisfies_principal(&combined(vec![role(MspRoleType::Admin), nominal.clone()]))
            .is_ok());
        assert!(a
            .satisfies_principal(&combined(vec![role(MspRoleType::Admin), anonymous]))
            .is_err());
        assert!(a.satisfies_principal(&combined(vec![])).is_err());
        assert!(ident(&m11, &admin)
            .satisfies_principal(&combined(vec![nominal]))
            .is_err());
        let id_principal = principal(Classification::Identity, a.serialize());
        assert!(a.satisfies_principal(&id_principal).is_ok());
        assert!(ident(&m13, &other)
            .satisfies_principal(&id_principal)
            .is_err());
    }

    #[test]
    fn bad_configs_are_refused() {
        let root = ca("root");
        let inter = issue(&root, "inter", true, &[]);
        let admin = issue(&inter, "admin", false, &[]);
        let mut conf = base(&root, &inter, &[&admin]);
        conf.root_certs.clear();
        assert!(msp(conf, MspVersion::V1_4_3).is_err());
        let mut conf = base(&root, &inter, &[&admin]);
        conf.root_certs = vec![admin.cert.to_pem()];
        let err = msp(conf, MspVersion::V1_4_3).unwrap_err();
        assert!(err.to_string().contains("CA"), "{err}");
        let mut conf = base(&root, &inter, &[&admin]);
        conf.crypto_config = Some(crate::protos::msp::FabricCryptoConfig {
            signature_hash_family: "MD5".into(),
            identity_identifier_hash_function: String::new(),
        });
        assert!(msp(conf, MspVersion::V1_4_3).is_err());
        let idemix = MspConfig {
            r#type: 1,
            config: Vec::new(),
        };
        assert!(X509Msp::new(&idemix, MspVersion::V1_4_3, None).is_err());
        let m = msp(base(&root, &inter, &[&admin]), MspVersion::V1_4_3).unwrap();
        assert!(m.default_signing_identity().is_err());
    }
}
