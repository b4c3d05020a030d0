//! Chaincode access control (Fabric's `core/chaincode/accesscontrol`): with TLS on, the
//! chaincode listener is served with a certificate of an in-memory CA the peer creates at
//! start and accepts only clients with a certificate that CA issued. Each launch gets a
//! fresh client certificate issued for its chaincode name; the [`Authenticator`] remembers
//! the certificate's hash (Fabric's `certMapper`) and REGISTER is accepted only when the
//! stream's client certificate was issued for the chaincode it registers as.

use std::collections::HashMap;
use std::sync::Mutex;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use sha2::{Digest, Sha256};

/// Why a certificate could not be issued.
#[derive(Debug, thiserror::Error)]
#[error("chaincode CA: {0}")]
pub struct CaError(#[from] rcgen::Error);

/// Why a REGISTER is refused (Fabric's texts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("TLS is active but chaincode {0} didn't send certificate")]
    NoCertificate(String),
    #[error("TLS is active but chaincode {0} has a certificate not issued for it (certificate registered for {1:?})")]
    WrongChaincode(String, Option<String>),
}

/// A certificate and its private key, PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct CertAndKey {
    pub cert: String,
    pub key: String,
}

impl std::fmt::Debug for CertAndKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertAndKey")
            .field("cert", &self.cert)
            .finish_non_exhaustive()
    }
}

/// The in-memory chaincode CA (Fabric's `tlsgen.CA`).
pub struct Ca {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A fresh self-signed ECDSA P-256 CA.
    pub fn new() -> Result<Self, CaError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "chaincode-ca");
        dn.push(DnType::OrganizationName, "Hyperledger Fabric peer");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate (PEM): chaincodes' root, the listener's client root.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    fn issue(
        &self,
        common_name: &str,
        hosts: &[String],
        usage: ExtendedKeyUsagePurpose,
    ) -> Result<(CertAndKey, Vec<u8>), CaError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(hosts.to_vec())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((
            CertAndKey {
                cert: cert.pem(),
                key: key.serialize_pem(),
            },
            cert.der().to_vec(),
        ))
    }

    /// A server certificate for the chaincode listener, valid for `hosts`.
    pub fn server_cert(&self, hosts: &[String]) -> Result<CertAndKey, CaError> {
        let cn = hosts.first().cloned().unwrap_or_else(|| "peer".into());
        Ok(self
            .issue(&cn, hosts, ExtendedKeyUsagePurpose::ServerAuth)?
            .0)
    }

    /// A client certificate (PEM) and its DER.
    pub fn client_cert(&self, common_name: &str) -> Result<(CertAndKey, Vec<u8>), CaError> {
        self.issue(common_name, &[], ExtendedKeyUsagePurpose::ClientAuth)
    }
}

/// Issues chaincode client certificates and checks REGISTER against them (Fabric's
/// `Authenticator` with its `certMapper`).
pub struct Authenticator {
    ca: Ca,
    /// SHA-256 of a client certificate's DER → the chaincode name it was issued for.
    issued: Mutex<HashMap<Vec<u8>, String>>,
}

impl Authenticator {
    pub fn new(ca: Ca) -> Self {
        Authenticator {
            ca,
            issued: Mutex::new(HashMap::new()),
        }
    }

    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    /// A fresh client certificate for chaincode `name` (Fabric's `Generate`).
    pub fn generate(&self, name: &str) -> Result<CertAndKey, CaError> {
        let (pair, der) = self.ca.client_cert(name)?;
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(Sha256::digest(&der).to_vec(), name.to_string());
        Ok(pair)
    }

    /// Accepts the REGISTER of chaincode `name` over a stream whose client certificate is
    /// `cert_der` only if that certificate was issued for `name`.
    pub fn authenticate(&self, name: &str, cert_der: Option<&[u8]>) -> Result<(), AuthError> {
        let Some(der) = cert_der else {
            return Err(AuthError::NoCertificate(name.to_string()));
        };
        let issued_for = self
            .issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&Sha256::digest(der).to_vec())
            .cloned();
        match issued_for {
            Some(n) if n == name => Ok(()),
            other => Err(AuthError::WrongChaincode(name.to_string(), other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der_of(pem: &str) -> Vec<u8> {
        let mut reader = pem.as_bytes();
        let der = rustls_pemfile::certs(&mut reader).next().unwrap().unwrap();
        der.to_vec()
    }

    #[test]
    fn issued_certificates_chain_to_the_ca_and_bind_the_chaincode_name() {
        let auth = Authenticator::new(Ca::new().unwrap());
        let pair = auth.generate("mycc").unwrap();
        assert!(pair.key.contains("PRIVATE KEY"));
        let der = der_of(&pair.cert);
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        let ca_der = der_of(auth.ca().cert_pem());
        let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
        cert.verify_signature(Some(ca.public_key())).unwrap();
        assert_eq!(cert.issuer(), ca.subject());

        auth.authenticate("mycc", Some(&der)).unwrap();
        assert_eq!(
            auth.authenticate("other", Some(&der)).unwrap_err(),
            AuthError::WrongChaincode("other".into(), Some("mycc".into()))
        );
        assert_eq!(
            auth.authenticate("mycc", None).unwrap_err().to_string(),
            "TLS is active but chaincode mycc didn't send certificate"
        );
        // A certificate of the same CA but not issued through generate is refused.
        let (_, stray) = auth.ca().client_cert("mycc").unwrap();
        assert!(auth.authenticate("mycc", Some(&stray)).is_err());
    }
}
