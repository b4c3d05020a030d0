//! Identity validation of the X.509 MSP (Fabric's `mspimplvalidate.go` and the chain helpers
//! of `mspimpl.go`): a unique certification chain to a trusted root (evaluated at the
//! certificate's own `notBefore` + 1s, as Fabric does), no CA certificate as identity, the
//! issuer must be a leaf of the certification tree, revocation by the issuer's CRLs, OU
//! identifiers and NodeOU classification.

use super::bccspmsp::{MspCore, MspVersion};
use super::cert::{CertError, Certificate};
use super::chain::{self, CertPool, ChainError};
use super::x509identity::X509Identity;
use super::{MspError, OuIdentifier};
use crate::protos::common::msp_role::MspRoleType;

/// Formats OUs as Fabric logs them: `name(first 8 bytes of the certifiers id in hex)`.
pub(crate) fn ou_list(ous: &[OuIdentifier]) -> String {
    let items: Vec<String> = ous
        .iter()
        .map(|o| {
            let n = o.certifiers_identifier.len().min(8);
            format!(
                "{}({})",
                o.organizational_unit_identifier,
                hex::encode_upper(&o.certifiers_identifier[..n])
            )
        })
        .collect();
    format!("[{}]", items.join(" "))
}

/// Why a certificate has no acceptable chain in this MSP, or is revoked (Fabric's texts).
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error("the supplied identity is not valid: {0}")]
    NotValid(#[source] ChainError),
    #[error("this MSP only supports a single validation chain, got {0}")]
    ManyChains(usize),
    /// The certificate's signature could not be re-encoded in low-S form.
    #[error("{0}")]
    Sanitize(#[source] CertError),
    #[error("failed getting validation chain: {0}")]
    GettingChain(#[source] Box<ValidationError>),
    #[error("expected a chain of length at least 2, got {0}")]
    ShortChain(usize),
    #[error("invalid validation chain: the parent certificate should be a leaf of the certification tree")]
    ParentNotLeaf,
    #[error("an X509 certificate with Basic Constraint: Certificate Authority equals true cannot be used as an identity")]
    CaAsIdentity,
    #[error("OU certificate: {0}")]
    OuCertParse(#[source] CertError),
    #[error("OU certificate: {0}")]
    OuCert(#[source] Box<ValidationError>),
    #[error("the OU certificate is not among the MSP's root or intermediate certificates")]
    OuCertNotInMsp,
    #[error("could not obtain the Subject Key Identifier of the issuing CA")]
    NoIssuerSki,
    #[error("a CRL of this MSP has no Authority Key Identifier")]
    CrlWithoutAki,
    #[error("the certificate has been revoked")]
    Revoked,
}

impl MspCore {
    /// The one chain from `cert` to a root at `cert.notBefore + 1s`, through the given pools.
    fn unique_chain_in(
        cert: &Certificate,
        roots: &CertPool,
        inters: &CertPool,
    ) -> Result<Vec<Certificate>, ValidationError> {
        let chains = chain::verify(cert, roots, inters, cert.not_before + 1)
            .map_err(ValidationError::NotValid)?;
        if chains.len() != 1 {
            return Err(ValidationError::ManyChains(chains.len()));
        }
        Ok(chains.into_iter().next().expect("one chain"))
    }

    pub(crate) fn unique_validation_chain(
        &self,
        cert: &Certificate,
    ) -> Result<Vec<Certificate>, ValidationError> {
        Self::unique_chain_in(cert, &self.root_pool, &self.intermediate_pool)
    }

    /// Re-encodes an ECDSA-signed certificate's signature in low-S form, judged against the
    /// key of its issuer in this MSP (itself for a root).
    pub(crate) fn sanitize_cert(&self, cert: &Certificate) -> Result<Certificate, ValidationError> {
        if !cert.ecdsa_signed {
            return Ok(cert.clone());
        }
        let chain = self.unique_validation_chain(cert)?;
        // A root is its own parent; a lone non-CA certificate in the roots (refused later,
        // when the CAs are checked) is treated the same way instead of failing here.
        let parent = if chain.len() == 1 { cert } else { &chain[1] };
        cert.sanitized(parent).map_err(ValidationError::Sanitize)
    }

    /// The chain of a certificate whose parent must be a leaf of the certification tree.
    /// For an intermediate chain (OU certificates) the first element plays the parent.
    pub(crate) fn validation_chain(
        &self,
        cert: &Certificate,
        intermediate_chain: bool,
    ) -> Result<Vec<Certificate>, ValidationError> {
        let chain = self
            .unique_validation_chain(cert)
            .map_err(|e| ValidationError::GettingChain(Box::new(e)))?;
        if chain.len() < 2 {
            return Err(ValidationError::ShortChain(chain.len()));
        }
        let parent = if intermediate_chain { 0 } else { 1 };
        if self.internal_nodes.contains(chain[parent].der()) {
            return Err(ValidationError::ParentNotLeaf);
        }
        Ok(chain)
    }

    /// The chain of an identity's certificate; CA certificates cannot be identities.
    pub(crate) fn certification_chain(
        &self,
        cert: &Certificate,
    ) -> Result<Vec<Certificate>, ValidationError> {
        if cert.is_ca {
            return Err(ValidationError::CaAsIdentity);
        }
        self.validation_chain(cert, false)
    }

    fn chain_identifier(&self, chain: &[Certificate]) -> Vec<u8> {
        let parts: Vec<&[u8]> = chain.iter().map(|c| c.der()).collect();
        self.id_hash.digest(&parts)
    }

    /// The hash of an identity's chain without the identity itself.
    pub(crate) fn certification_chain_identifier(
        &self,
        cert: &Certificate,
    ) -> Result<Vec<u8>, ValidationError> {
        let chain = self.certification_chain(cert)?;
        Ok(self.chain_identifier(&chain[1..]))
    }

    /// The certifiers identifier of a root or intermediate CA named by an OU rule.
    pub(crate) fn certifiers_identifier(
        &self,
        pem_bytes: &[u8],
    ) -> Result<Vec<u8>, ValidationError> {
        let cert = Certificate::from_pem(pem_bytes).map_err(ValidationError::OuCertParse)?;
        let cert = self
            .sanitize_cert(&cert)
            .map_err(|e| ValidationError::OuCert(Box::new(e)))?;
        let is_root = self.roots.iter().any(|r| r.der() == cert.der());
        if !is_root && !self.intermediates.iter().any(|r| r.der() == cert.der()) {
            return Err(ValidationError::OuCertNotInMsp);
        }
        let chain = if is_root {
            vec![cert]
        } else {
            self.validation_chain(&cert, true)?
        };
        Ok(self.chain_identifier(&chain))
    }

    pub(crate) fn validate_ca_cert(&self, cert: &Certificate) -> Result<(), ValidationError> {
        let chain = self.unique_validation_chain(cert)?;
        if chain.len() == 1 {
            return Ok(());
        }
        self.validate_cert_against_chain(cert, &chain)
    }

    pub(crate) fn validate_tls_ca_cert(
        &self,
        cert: &Certificate,
        roots: &CertPool,
        inters: &CertPool,
    ) -> Result<(), ValidationError> {
        let chain = Self::unique_chain_in(cert, roots, inters)?;
        if chain.len() == 1 {
            return Ok(());
        }
        self.validate_cert_against_chain(cert, &chain)
    }

    /// Revocation: a CRL whose authority key id is the issuer's subject key id, signed by
    /// that issuer, that lists the certificate's serial number.
    pub(crate) fn validate_cert_against_chain(
        &self,
        cert: &Certificate,
        chain: &[Certificate],
    ) -> Result<(), ValidationError> {
        let issuer = &chain[1];
        let ski = issuer
            .subject_key_id
            .as_ref()
            .ok_or(ValidationError::NoIssuerSki)?;
        for crl in &self.crls {
            let aki = crl
                .authority_key_id
                .as_ref()
                .ok_or(ValidationError::CrlWithoutAki)?;
            if aki != ski || !crl.revokes(&cert.serial) {
                continue;
            }
            if !crl.is_signed_by(issuer) {
                tracing::warn!(target: "msp", "Invalid signature over the identified CRL, skipping it");
                continue;
            }
            return Err(ValidationError::Revoked);
        }
        Ok(())
    }

    /// Full validation of an identity of this MSP.
    pub(crate) fn validate_identity(&self, id: &X509Identity) -> Result<(), MspError> {
        let chain = self
            .certification_chain(id.cert())
            .map_err(|e| self.invalid(format!("could not obtain certification chain: {e}")))?;
        self.validate_cert_against_chain(id.cert(), &chain)
            .map_err(|e| {
                self.invalid(format!(
                    "could not validate identity against certification chain: {e}"
                ))
            })?;
        self.validate_identity_ous(id)
            .map_err(|e| self.invalid(format!("could not validate identity's OUs: {e}")))
    }

    /// The identity's OUs, each qualified by the hash of its chain; empty when the chain
    /// cannot be built (as Fabric, which logs and returns none).
    pub(crate) fn identity_ous(&self, cert: &Certificate) -> Vec<OuIdentifier> {
        match self.certification_chain_identifier(cert) {
            Ok(cid) => cert
                .organizational_units
                .iter()
                .map(|ou| OuIdentifier {
                    certifiers_identifier: cid.clone(),
                    organizational_unit_identifier: ou.clone(),
                })
                .collect(),
            Err(e) => {
                tracing::error!(target: "msp.identity", "Failed getting certification chain identifier: {}", e);
                Vec::new()
            }
        }
    }

    fn validate_identity_ous(&self, id: &X509Identity) -> Result<(), String> {
        let ous = id.ous();
        if !self.ou_identifiers.is_empty() {
            let found = ous.iter().any(|ou| {
                self.ou_identifiers
                    .get(&ou.organizational_unit_identifier)
                    .is_some_and(|ids| ids.contains(&ou.certifiers_identifier))
            });
            if !found {
                if ous.is_empty() {
                    return Err(
                        "the identity certificate does not contain an Organizational Unit (OU)"
                            .into(),
                    );
                }
                return Err(format!(
                    "none of the identity's organizational units {} are in MSP {}",
                    ou_list(&ous),
                    self.name
                ));
            }
        }
        if self.version == MspVersion::V1_0 || !self.ou_enforcement {
            return Ok(());
        }
        let node_ous: Vec<&OuIdentifier> = if self.version >= MspVersion::V1_4_3 {
            [
                &self.client_ou,
                &self.peer_ou,
                &self.admin_ou,
                &self.orderer_ou,
            ]
            .into_iter()
            .flatten()
            .collect()
        } else {
            [&self.client_ou, &self.peer_ou]
                .into_iter()
                .flatten()
                .collect()
        };
        let mut counter = 0;
        for ou in &ous {
            let Some(node_ou) = node_ous
                .iter()
                .find(|n| n.organizational_unit_identifier == ou.organizational_unit_identifier)
            else {
                continue;
            };
            if !node_ou.certifiers_identifier.is_empty()
                && node_ou.certifiers_identifier != ou.certifiers_identifier
            {
                return Err(format!(
                    "certifiersIdentifier does not match: {}, MSP: [{}]",
                    ou_list(&ous),
                    self.name
                ));
            }
            counter += 1;
            if counter > 1 {
                break;
            }
        }
        if counter != 1 {
            let kinds = if self.version >= MspVersion::V1_4_3 {
                "a client, a peer, an orderer or an admin"
            } else {
                "a client or a peer"
            };
            return Err(format!(
                "the identity must be {kinds} identity to be valid, not a combination of them. OUs: {}, MSP: [{}]",
                ou_list(&ous),
                self.name
            ));
        }
        Ok(())
    }

    /// Whether the identity carries the NodeOU of `role` (certifiers are not checked here;
    /// validation does that).
    pub(crate) fn has_ou_role(&self, id: &X509Identity, role: MspRoleType) -> Result<(), MspError> {
        if !self.ou_enforcement {
            return Err(self.invalid("NodeOUs not activated: cannot tell apart identities"));
        }
        let node_ou = match role {
            MspRoleType::Client => &self.client_ou,
            MspRoleType::Peer => &self.peer_ou,
            MspRoleType::Admin => &self.admin_ou,
            MspRoleType::Orderer => &self.orderer_ou,
            MspRoleType::Member => {
                return Err(self
                    .invalid("invalid MSP role type: it must be CLIENT, PEER, ADMIN or ORDERER"))
            }
        };
        let Some(node_ou) = node_ou else {
            return Err(self.invalid(format!(
                "cannot test for classification: the NodeOU for {} is not defined",
                role.as_str_name()
            )));
        };
        if id
            .cert()
            .organizational_units
            .contains(&node_ou.organizational_unit_identifier)
        {
            return Ok(());
        }
        Err(MspError::PrincipalNotSatisfied(format!(
            "the identity does not contain OU [{}], MSP: [{}]",
            role.as_str_name(),
            self.name
        )))
    }
}
