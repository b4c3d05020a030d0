//! Certificate revocation lists as Fabric's MSP uses them: a CRL applies to the certificates
//! issued by the CA whose subject key id equals the CRL's authority key id, and a revoked
//! serial only counts when that CA really signed the CRL.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::cert::Certificate;
use super::pem;

/// A parsed, owned CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    /// The authority key identifier, when the CRL carries one.
    pub authority_key_id: Option<Vec<u8>>,
    /// Big-endian magnitudes of the revoked serial numbers.
    pub revoked_serials: Vec<Vec<u8>>,
}

/// A CRL that does not parse (the DER parser's text).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CrlError(#[source] x509_parser::nom::Err<x509_parser::error::X509Error>);

const PEM_CRL_PREFIX: &[u8] = b"-----BEGIN X509 CRL";

impl Crl {
    /// Parses a CRL given as an `X509 CRL` PEM block or as DER (Go's `x509.ParseCRL`).
    pub fn parse(bytes: &[u8]) -> Result<Self, CrlError> {
        let mut der = bytes.to_vec();
        if bytes.starts_with(PEM_CRL_PREFIX) {
            if let Some((block, _)) = pem::decode(bytes) {
                if block.label == "X509 CRL" {
                    der = block.contents;
                }
            }
        }
        let (_, crl) = CertificateRevocationList::from_der(&der).map_err(CrlError)?;
        let mut authority_key_id = None;
        for ext in crl.extensions() {
            if let ParsedExtension::AuthorityKeyIdentifier(aki) = ext.parsed_extension() {
                authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
        }
        let revoked_serials = crl
            .iter_revoked_certificates()
            .map(|rc| {
                let bytes = rc.serial().to_bytes_be();
                let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
                bytes[first..].to_vec()
            })
            .collect();
        Ok(Crl {
            der: der.clone(),
            authority_key_id,
            revoked_serials,
        })
    }

    /// Whether `issuer`'s key signed this CRL.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        let Ok((_, crl)) = CertificateRevocationList::from_der(&self.der) else {
            return false;
        };
        let Ok((_, ca)) = X509Certificate::from_der(issuer.der()) else {
            return false;
        };
        crl.verify_signature(ca.public_key()).is_ok()
    }

    /// Whether `serial` (big-endian magnitude) is listed as revoked.
    pub fn revokes(&self, serial: &[u8]) -> bool {
        self.revoked_serials.iter().any(|s| s == serial)
    }
}
