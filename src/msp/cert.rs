//! X.509 certificates as the MSP needs them: an owned, parsed view of the fields Fabric's
//! bccspmsp looks at, and the "sanitizing" that re-encodes ECDSA certificate signatures in
//! low-S form (Fabric's `sanitizeECDSASignedCert`), so ids and comparisons do not depend on
//! which of the two equivalent signatures the CA happened to produce.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::pem;

const OID_EC_P256: &str = "1.2.840.10045.3.1.7";
const OID_EC_P384: &str = "1.3.132.0.34";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ECDSA_SIGNATURE_OIDS: [&str; 4] = [
    "1.2.840.10045.4.1",
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
];

/// Why a certificate could not be read or re-encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("no PEM block found")]
    NoPem,
    #[error("not a valid X.509 certificate: {0}")]
    Parse(String),
    #[error("cannot re-encode the certificate signature in low-S form: {0}")]
    Sanitize(String),
}

/// The extended key usages a certificate declares, when it declares any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtKeyUsage {
    pub any: bool,
    pub server_auth: bool,
}

/// An owned, parsed X.509 certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
    /// Big-endian magnitude of the serial number, without leading zeros.
    pub serial: Vec<u8>,
    /// Validity window, in seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    pub basic_constraints_valid: bool,
    pub is_ca: bool,
    pub max_path_len: Option<u32>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    pub organizational_units: Vec<String>,
    pub ext_key_usage: Option<ExtKeyUsage>,
    /// The DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// Whether the certificate is signed with ECDSA (any hash).
    pub ecdsa_signed: bool,
    /// The signature BIT STRING contents.
    pub signature: Vec<u8>,
}

impl Certificate {
    /// Parses a DER certificate; trailing bytes are rejected, as Go's `x509.ParseCertificate` does.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| CertError::Parse(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::Parse(
                "trailing data after the certificate".into(),
            ));
        }
        let mut out = Certificate {
            der: der.to_vec(),
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            serial: strip_zeros(&cert.serial.to_bytes_be()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            basic_constraints_valid: false,
            is_ca: false,
            max_path_len: None,
            subject_key_id: None,
            authority_key_id: None,
            organizational_units: Vec::new(),
            ext_key_usage: None,
            spki_der: cert.public_key().raw.to_vec(),
            ecdsa_signed: ECDSA_SIGNATURE_OIDS
                .contains(&cert.signature_algorithm.algorithm.to_id_string().as_str()),
            signature: cert.signature_value.data.to_vec(),
        };
        for ou in cert.subject().iter_organizational_unit() {
            let value = ou
                .as_str()
                .map_err(|e| CertError::Parse(format!("unreadable OU in subject: {e}")))?;
            out.organizational_units.push(value.to_string());
        }
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    out.basic_constraints_valid = true;
                    out.is_ca = bc.ca;
                    out.max_path_len = bc.path_len_constraint;
                }
                ParsedExtension::SubjectKeyIdentifier(ki) => {
                    out.subject_key_id = Some(ki.0.to_vec());
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    out.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    out.ext_key_usage = Some(ExtKeyUsage {
                        any: eku.any,
                        server_auth: eku.server_auth,
                    });
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Parses the first PEM block of `pem_bytes` as a certificate (any PEM label, as Fabric).
    pub fn from_pem(pem_bytes: &[u8]) -> Result<Self, CertError> {
        let (block, _) = pem::decode(pem_bytes).ok_or(CertError::NoPem)?;
        Self::from_der(&block.contents)
    }

    /// The certificate's DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as a `CERTIFICATE` PEM block.
    pub fn to_pem(&self) -> Vec<u8> {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// Checks that `parent`'s key signed this certificate.
    pub fn is_signed_by(&self, parent: &Certificate) -> bool {
        let Ok((_, child)) = X509Certificate::from_der(&self.der) else {
            return false;
        };
        let Ok((_, parent)) = X509Certificate::from_der(&parent.der) else {
            return false;
        };
        child.verify_signature(Some(parent.public_key())).is_ok()
    }

    /// The named curve of this certificate's EC public key, as an OID string.
    fn ec_curve(&self) -> Option<String> {
        let (_, cert) = X509Certificate::from_der(&self.der).ok()?;
        let alg = &cert.public_key().algorithm;
        if alg.algorithm.to_id_string() != OID_EC_PUBLIC_KEY {
            return None;
        }
        let params = alg.parameters.as_ref()?;
        params.as_oid().ok().map(|oid| oid.to_id_string())
    }

    /// Returns this certificate with its ECDSA signature in low-S form, judged against the
    /// curve of `parent`'s key (the certificate itself for a root). A certificate already in
    /// canonical low-S form, or not ECDSA-signed, is returned unchanged.
    pub fn sanitized(&self, parent: &Certificate) -> Result<Certificate, CertError> {
        if !self.ecdsa_signed {
            return Ok(self.clone());
        }
        let low_s = match parent.ec_curve().as_deref() {
            Some(OID_EC_P256) => low_s_p256(&self.signature)?,
            Some(OID_EC_P384) => low_s_p384(&self.signature)?,
            other => {
                return Err(CertError::Sanitize(format!(
                    "the issuer's key is not on a supported curve ({})",
                    other.unwrap_or("not an EC key")
                )))
            }
        };
        if low_s == self.signature {
            return Ok(self.clone());
        }
        let der = replace_signature(&self.der, &low_s)?;
        Certificate::from_der(&der)
    }
}

fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

fn low_s_p256(sig: &[u8]) -> Result<Vec<u8>, CertError> {
    let parsed = p256::ecdsa::Signature::from_der(sig)
        .map_err(|e| CertError::Sanitize(format!("malformed ECDSA signature: {e}")))?;
    let normalized = parsed.normalize_s().unwrap_or(parsed);
    Ok(normalized.to_der().as_bytes().to_vec())
}

fn low_s_p384(sig: &[u8]) -> Result<Vec<u8>, CertError> {
    let parsed = p384::ecdsa::Signature::from_der(sig)
        .map_err(|e| CertError::Sanitize(format!("malformed ECDSA signature: {e}")))?;
    let normalized = parsed.normalize_s().unwrap_or(parsed);
    Ok(normalized.to_der().as_bytes().to_vec())
}

/// Reads one DER TLV header: returns (header length, content length).
fn tlv(input: &[u8]) -> Option<(usize, usize)> {
    let first_len = *input.get(1)?;
    if first_len < 0x80 {
        return Some((2, first_len as usize));
    }
    let n = (first_len & 0x7f) as usize;
    if n == 0 || n > 4 || input.len() < 2 + n {
        return None;
    }
    let len = input[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    Some((2 + n, len))
}

fn der_len(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len
        .to_be_bytes()
        .iter()
        .copied()
        .skip_while(|&b| b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// Rebuilds `Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signatureValue }` with a new
/// signature, keeping the TBS and algorithm bytes exactly as they were.
fn replace_signature(der: &[u8], signature: &[u8]) -> Result<Vec<u8>, CertError> {
    let bad = || CertError::Sanitize("unexpected certificate DER layout".into());
    let (outer_header, outer_len) = tlv(der).ok_or_else(bad)?;
    let body = der
        .get(outer_header..outer_header + outer_len)
        .ok_or_else(bad)?;
    let (tbs_h, tbs_l) = tlv(body).ok_or_else(bad)?;
    let tbs_end = tbs_h + tbs_l;
    let alg = body.get(tbs_end..).ok_or_else(bad)?;
    let (alg_h, alg_l) = tlv(alg).ok_or_else(bad)?;
    let alg_end = tbs_end + alg_h + alg_l;
    let prefix = body.get(..alg_end).ok_or_else(bad)?;

    let mut bit_string = vec![0x03];
    bit_string.extend(der_len(signature.len() + 1));
    bit_string.push(0);
    bit_string.extend_from_slice(signature);

    let mut out = vec![0x30];
    out.extend(der_len(prefix.len() + bit_string.len()));
    out.extend_from_slice(prefix);
    out.extend(bit_string);
    Ok(out)
}

/// When the certificate in a serialized identity stops being valid (Fabric's
/// `crypto.ExpiresAt`): `None` when the identity does not decode or holds no readable X.509
/// certificate — such identities have no expiry to enforce.
pub fn expires_at(serialized_identity: &[u8]) -> Option<std::time::SystemTime> {
    use prost::Message;
    let sid = crate::protos::msp::SerializedIdentity::decode(serialized_identity).ok()?;
    let cert = Certificate::from_pem(&sid.id_bytes).ok()?;
    let secs = u64::try_from(cert.not_after).ok()?;
    Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed(ca: bool, ou: Option<&str>) -> rcgen::CertifiedKey<rcgen::KeyPair> {
        let mut params = rcgen::CertificateParams::new(vec!["x.example.com".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "x.example.com");
        if let Some(ou) = ou {
            params
                .distinguished_name
                .push(rcgen::DnType::OrganizationalUnitName, ou);
        }
        if ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        rcgen::CertifiedKey {
            cert,
            signing_key: key,
        }
    }

    #[test]
    fn parses_fields() {
        let ck = self_signed(true, Some("peer"));
        let cert = Certificate::from_pem(ck.cert.pem().as_bytes()).unwrap();
        assert!(cert.is_ca && cert.basic_constraints_valid);
        assert_eq!(cert.organizational_units, vec!["peer".to_string()]);
        assert!(cert.ecdsa_signed);
        assert!(cert.is_signed_by(&cert));
        assert_eq!(cert.subject_raw, cert.issuer_raw);
        assert_eq!(
            Certificate::from_pem(&cert.to_pem()).unwrap().der(),
            cert.der()
        );
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(
            Certificate::from_pem(b"hello").unwrap_err(),
            CertError::NoPem
        );
        let bad = pem::encode("CERTIFICATE", b"\x30\x03\x02\x01\x01");
        assert!(matches!(
            Certificate::from_pem(&bad),
            Err(CertError::Parse(_))
        ));
    }

    #[test]
    fn sanitizing_turns_high_s_into_low_s_and_keeps_validity() {
        let ck = self_signed(true, None);
        let cert = Certificate::from_der(ck.cert.der()).unwrap();
        let sig = p256::ecdsa::Signature::from_der(&cert.signature).unwrap();
        let low = sig.normalize_s().unwrap_or(sig);
        let (r, s) = low.split_scalars();
        let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        let low_cert =
            Certificate::from_der(&replace_signature(cert.der(), low.to_der().as_bytes()).unwrap())
                .unwrap();
        let high_der = replace_signature(cert.der(), high.to_der().as_bytes()).unwrap();
        let high_cert = Certificate::from_der(&high_der).unwrap();
        assert_ne!(high_cert.der(), low_cert.der());
        assert!(high_cert.is_signed_by(&high_cert));
        let sanitized = high_cert.sanitized(&high_cert).unwrap();
        assert_eq!(sanitized.der(), low_cert.der());
        assert!(sanitized.is_signed_by(&sanitized));
        assert_eq!(low_cert.sanitized(&low_cert).unwrap().der(), low_cert.der());
    }
}
