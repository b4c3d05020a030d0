//! Fabric's X.509 MSP (`bccspmsp`): the trusted roots, intermediates, admins, CRLs and OU
//! rules of one organization, set up from an `msp.MSPConfig`, and the identities it issues.
//!
//! Behaviour follows the MSP version the channel capabilities select ([`MspVersion`]); the
//! local MSP of a peer or client is always [`MspVersion::V1_4_3`].

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use prost::Message;

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
    /// (the mspid is not checked: callers that have it use [`IdentityDeserializer`]).
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
        Ok(Arc::new(self.deserialize_identity_bytes(&sid.id_bytes)?))
    }
}
