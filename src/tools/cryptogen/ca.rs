//! cryptogen's certificate authority (Fabric's `common/tools/cryptogen/ca`): a self-signed
//! ECDSA P-256 root that signs MSP and TLS certificates and, for tests, CRLs.

use std::path::{Path, PathBuf};

use rand::RngCore as _;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::x509::{self, CertificateTemplate, ExtKeyUsage, KeyUsage, Revoked};
use super::{create_dir, io_error, write_file, CryptogenError};
use crate::crypto::{Curve, FileKeyStore, KeyStore, PrivateKey, PublicKey};

/// Certificates are valid for ten years.
const VALIDITY: Duration = Duration::days(3650);

/// A certificate authority: its signing key, its self-signed certificate and the subject
/// fields it copies into every certificate it signs.
#[derive(Debug, Clone)]
pub struct CA {
    pub name: String,
    pub country: String,
    pub province: String,
    pub locality: String,
    pub organizational_unit: String,
    pub street_address: String,
    pub postal_code: String,
    signer: PrivateKey,
    cert_der: Vec<u8>,
}

/// Optional subject fields, defaulted to cryptogen's US / California / San Francisco.
struct Subject<'a> {
    country: &'a str,
    province: &'a str,
    locality: &'a str,
    street_address: &'a str,
    postal_code: &'a str,
    organization: Option<&'a str>,
    organizational_units: Vec<&'a str>,
    common_name: &'a str,
}

impl Subject<'_> {
    /// The DER name, attributes in Go's order (C, ST, L, street, postal code, O, OU, CN).
    fn to_der(&self) -> Vec<u8> {
        let or = |value: &'static str, given: &str| {
            if given.is_empty() { value } else { given }.to_string()
        };
        let country = or("US", self.country);
        let province = or("California", self.province);
        let locality = or("San Francisco", self.locality);
        let mut attrs: Vec<(&[u8], &str)> = vec![
            (x509::OID_COUNTRY, &country),
            (x509::OID_PROVINCE, &province),
            (x509::OID_LOCALITY, &locality),
        ];
        if !self.street_address.is_empty() {
            attrs.push((x509::OID_STREET, self.street_address));
        }
        if !self.postal_code.is_empty() {
            attrs.push((x509::OID_POSTAL_CODE, self.postal_code));
        }
        if let Some(org) = self.organization {
            attrs.push((x509::OID_ORGANIZATION, org));
        }
        for ou in &self.organizational_units {
            attrs.push((x509::OID_ORG_UNIT, ou));
        }
        if !self.common_name.is_empty() {
            attrs.push((x509::OID_COMMON_NAME, self.common_name));
        }
        x509::name(&attrs)
    }
}

/// Serial (random, below 2^128) and validity (from five minutes ago, rounded to the
/// minute, for ten years), as cryptogen's template sets them.
fn serial_and_validity() -> ([u8; 16], OffsetDateTime, OffsetDateTime) {
    let mut serial = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut serial);
    let now = OffsetDateTime::now_utc();
    let rounded = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .replace_second(0)
        .unwrap_or(now)
        + if now.second() >= 30 {
            Duration::minutes(1)
        } else {
            Duration::ZERO
        };
    let not_before = rounded - Duration::minutes(5);
    (serial, not_before, not_before + VALIDITY)
}

impl CA {
    /// Creates a CA in `base_dir`: a new P-256 key stored as `<ski>_sk` and a self-signed
    /// certificate `<name>-cert.pem` with the fields Fabric's cryptogen gives its roots.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        base_dir: &Path,
        org: &str,
        name: &str,
        country: &str,
        province: &str,
        locality: &str,
        organizational_unit: &str,
        street_address: &str,
        postal_code: &str,
    ) -> Result<CA, CryptogenError> {
        create_dir(base_dir)?;
        let signer = PrivateKey::generate(Curve::P256)?;
        FileKeyStore::new(base_dir, false)?.store_key(&signer)?;
        let subject = Subject {
            country,
            province,
            locality,
            street_address,
            postal_code,
            organization: Some(org),
            organizational_units: opt(organizational_unit).into_iter().collect(),
            common_name: name,
        }
        .to_der();
        let (serial, not_before, not_after) = serial_and_validity();
        let public = signer.public_key();
        let ski = signer.ski();
        let cert_der = x509::certificate(
            &CertificateTemplate {
                serial: &serial,
                not_before,
                not_after,
                issuer: &subject,
                subject: &subject,
                public_key: &public,
                key_usage: KeyUsage::DIGITAL_SIGNATURE
                    | KeyUsage::KEY_ENCIPHERMENT
                    | KeyUsage::CERT_SIGN
                    | KeyUsage::CRL_SIGN,
                ext_key_usage: &[ExtKeyUsage::ClientAuth, ExtKeyUsage::ServerAuth],
                is_ca: true,
                subject_key_id: Some(&ski),
                authority_key_id: None,
                sans: &[],
            },
            &signer,
        )?;
        write_file(
            &cert_path(base_dir, name),
            x509::pem("CERTIFICATE", &cert_der).as_bytes(),
        )?;
        Ok(CA {
            name: name.to_string(),
            country: country.to_string(),
            province: province.to_string(),
            locality: locality.to_string(),
            organizational_unit: organizational_unit.to_string(),
            street_address: street_address.to_string(),
            postal_code: postal_code.to_string(),
            signer,
            cert_der,
        })
    }

    /// Loads a CA that `new` wrote into `dir`: the `*-cert.pem` certificate and the key
    /// with that certificate's SKI. Subject fields are read back from the certificate.
    pub fn load(dir: &Path) -> Result<CA, CryptogenError> {
        let missing = |reason: String| CryptogenError::MissingCa {
            path: dir.to_path_buf(),
            reason,
        };
        let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
        let cert_file = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-cert.pem"))
            .ok_or_else(|| missing("no *-cert.pem file".into()))?;
        let raw = std::fs::read(&cert_file).map_err(|e| io_error(&cert_file, e))?;
        let bad = |reason: String| CryptogenError::Certificate {
            path: cert_file.clone(),
            reason,
        };
        let (_, pem) = x509_parser::pem::parse_x509_pem(&raw).map_err(|e| bad(e.to_string()))?;
        let cert_der = pem.contents;
        let (_, cert) = X509Certificate::from_der(&cert_der).map_err(|e| bad(e.to_string()))?;
        let public = PublicKey::from_spki(cert.public_key()).map_err(|e| bad(e.to_string()))?;
        let signer = FileKeyStore::new(dir, true)?.get_key(&public.ski())?;
        let subject = cert.subject();
        let attr = |oid: &[u64]| first_attribute(subject, oid);
        let fields = [
            attr(&[2, 5, 4, 3]),
            attr(&[2, 5, 4, 6]),
            attr(&[2, 5, 4, 8]),
            attr(&[2, 5, 4, 7]),
            attr(&[2, 5, 4, 11]),
            attr(&[2, 5, 4, 9]),
            attr(&[2, 5, 4, 17]),
        ];
        drop(cert);
        let [name, country, province, locality, organizational_unit, street_address, postal_code] =
            fields;
        Ok(CA {
            name,
            country,
            province,
            locality,
            organizational_unit,
            street_address,
            postal_code,
            signer,
            cert_der,
        })
    }

    /// Signs a certificate for `public_key` named `name` (the CN), with the CA's subject
    /// fields plus `ous`, `sans` split into DNS names and IP addresses, and AKI = the CA's
    /// SKI; writes it to `<base_dir>/<name>-cert.pem` and returns its DER.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_certificate(
        &self,
        base_dir: &Path,
        name: &str,
        ous: &[String],
        sans: &[String],
        public_key: &PublicKey,
        key_usage: KeyUsage,
        ext_key_usage: &[ExtKeyUsage],
    ) -> Result<Vec<u8>, CryptogenError> {
        let mut organizational_units: Vec<&str> =
            opt(&self.organizational_unit).into_iter().collect();
        organizational_units.extend(ous.iter().map(String::as_str));
        let subject = Subject {
            country: &self.country,
            province: &self.province,
            locality: &self.locality,
            street_address: &self.street_address,
            postal_code: &self.postal_code,
            organization: None,
            organizational_units,
            common_name: name,
        }
        .to_der();
        let (serial, not_before, not_after) = serial_and_validity();
        let ca_ski = self.signer.ski();
        let cert_der = x509::certificate(
            &CertificateTemplate {
                serial: &serial,
                not_before,
                not_after,
                issuer: &self.subject_der()?,
                subject: &subject,
                public_key,
                key_usage,
                ext_key_usage,
                is_ca: false,
                subject_key_id: None,
                authority_key_id: Some(&ca_ski),
                sans,
            },
            &self.signer,
        )?;
        create_dir(base_dir)?;
        write_file(
            &cert_path(base_dir, name),
            x509::pem("CERTIFICATE", &cert_der).as_bytes(),
        )?;
        Ok(cert_der)
    }

    /// A PEM CRL signed by this CA revoking the certificates with the given serials
    /// (big-endian bytes), valid from now for ten years.
    pub fn generate_crl(&self, revoked_serials: &[Vec<u8>]) -> Result<String, CryptogenError> {
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        let revoked: Vec<Revoked<'_>> = revoked_serials
            .iter()
            .map(|serial| Revoked {
                serial,
                revoked_at: now,
            })
            .collect();
        let der = x509::crl(
            &self.subject_der()?,
            &self.signer.ski(),
            now,
            now + VALIDITY,
            &revoked,
            &self.signer,
        )?;
        Ok(x509::pem("X509 CRL", &der))
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> String {
        x509::pem("CERTIFICATE", &self.cert_der)
    }

    /// The CA's signing key.
    pub fn signer(&self) -> &PrivateKey {
        &self.signer
    }

    /// The file name cryptogen gives this CA's certificate (`<name>-cert.pem`).
    pub fn cert_file_name(&self) -> String {
        format!("{}-cert.pem", self.name)
    }

    /// The raw DER subject of the CA certificate (the issuer of what it signs).
    fn subject_der(&self) -> Result<Vec<u8>, CryptogenError> {
        let (_, cert) =
            X509Certificate::from_der(&self.cert_der).map_err(|e| CryptogenError::Certificate {
                path: PathBuf::from(self.cert_file_name()),
                reason: e.to_string(),
            })?;
        Ok(cert.subject().as_raw().to_vec())
    }
}

/// The first value of the attribute `oid` in `name`, or an empty string.
fn first_attribute(name: &x509_parser::x509::X509Name<'_>, oid: &[u64]) -> String {
    let Ok(oid) = x509_parser::der_parser::Oid::from(oid) else {
        return String::new();
    };
    name.iter_by_oid(&oid)
        .next()
        .and_then(|a| a.as_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn opt(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

fn cert_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}-cert.pem"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::crypto::HashFamily;
    use x509_parser::prelude::{oid_registry, parse_x509_crl, ParsedExtension};

    pub(crate) fn parse_pem_file(path: &Path) -> Vec<u8> {
        let raw = std::fs::read(path).unwrap();
        x509_parser::pem::parse_x509_pem(&raw).unwrap().1.contents
    }

    /// Checks `cert` was signed by `issuer_key`.
    pub(crate) fn assert_signed_by(cert_der: &[u8], issuer_key: &PublicKey) {
        let (_, cert) = X509Certificate::from_der(cert_der).unwrap();
        issuer_key
            .verify(
                HashFamily::Sha2,
                cert.tbs_certificate.as_ref(),
                &cert.signature_value.data,
            )
            .unwrap();
    }

    fn new_ca(dir: &Path) -> CA {
        CA::new(
            dir,
            "org1.example.com",
            "ca.org1.example.com",
            "",
            "",
            "",
            "",
            "",
            "",
        )
        .unwrap()
    }

    #[test]
    fn new_ca_writes_a_self_signed_root_with_fabric_fields() {
        let dir = tempfile::tempdir().unwrap();
        let ca = new_ca(dir.path());
        let ski = ca.signer().ski();
        assert!(dir
            .path()
            .join(format!("{}_sk", hex::encode(&ski)))
            .is_file());
        let der = parse_pem_file(&dir.path().join("ca.org1.example.com-cert.pem"));
        assert_eq!(der, ca.cert_der());
        assert_signed_by(&der, &ca.signer().public_key());
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(
            cert.subject().to_string(),
            "C=US, ST=California, L=San Francisco, O=org1.example.com, CN=ca.org1.example.com"
        );
        assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw());
        assert!(cert.is_ca());
        let ku = cert.key_usage().unwrap().unwrap();
        assert!(ku.critical);
        assert!(ku.value.digital_signature() && ku.value.key_encipherment());
        assert!(ku.value.key_cert_sign() && ku.value.crl_sign());
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && eku.server_auth);
        match cert
            .get_extension_unique(&oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            ParsedExtension::SubjectKeyIdentifier(id) => assert_eq!(id.0, &ski[..]),
            other => panic!("unexpected {other:?}"),
        }
        assert!(cert.tbs_certificate.serial.bits() <= 128);
        let validity = cert.validity();
        let span = validity.not_after.timestamp() - validity.not_before.timestamp();
        assert_eq!(span, 3650 * 24 * 3600);
        let age = OffsetDateTime::now_utc().unix_timestamp() - validity.not_before.timestamp();
        assert!((240..=360).contains(&age), "not before is {age}s ago");
    }

    #[test]
    fn load_reads_back_what_new_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let ca = CA::new(
            dir.path(),
            "org",
            "tlsca.org",
            "FR",
            "IDF",
            "Paris",
            "unit",
            "1 rue",
            "75001",
        )
        .unwrap();
        let loaded = CA::load(dir.path()).unwrap();
        assert_eq!(loaded.cert_der(), ca.cert_der());
        assert_eq!(loaded.signer().ski(), ca.signer().ski());
        assert_eq!(
            (
                loaded.name.as_str(),
                loaded.country.as_str(),
                loaded.province.as_str(),
                loaded.locality.as_str()
            ),
            ("tlsca.org", "FR", "IDF", "Paris")
        );
        assert_eq!(loaded.organizational_unit, "unit");
        assert_eq!(loaded.street_address, "1 rue");
        assert_eq!(loaded.postal_code, "75001");
        let empty = tempfile::tempdir().unwrap();
        let err = CA::load(empty.path()).unwrap_err().to_string();
        assert!(err.contains("no *-cert.pem"), "{err}");
    }

    #[test]
    fn signed_certificates_chain_to_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let ca = new_ca(&dir.path().join("ca"));
        let leaf = PrivateKey::generate(Curve::P256).unwrap();
        let sans = vec![
            "peer0.org1.example.com".to_string(),
            "127.0.0.1".into(),
            "localhost".into(),
        ];
        let der = ca
            .sign_certificate(
                &dir.path().join("out"),
                "peer0.org1.example.com",
                &["peer".to_string()],
                &sans,
                &leaf.public_key(),
                KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_ENCIPHERMENT,
                &[ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth],
            )
            .unwrap();
        assert_eq!(
            parse_pem_file(&dir.path().join("out/peer0.org1.example.com-cert.pem")),
            der
        );
        assert_signed_by(&der, &ca.signer().public_key());
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let (_, ca_cert) = X509Certificate::from_der(ca.cert_der()).unwrap();
        assert_eq!(cert.issuer().as_raw(), ca_cert.subject().as_raw());
        assert_eq!(
            cert.subject().to_string(),
            "C=US, ST=California, L=San Francisco, OU=peer, CN=peer0.org1.example.com"
        );
        assert!(!cert.is_ca());
        assert_eq!(
            PublicKey::from_spki(cert.public_key()).unwrap(),
            leaf.public_key()
        );
        let san = cert.subject_alternative_name().unwrap().unwrap().value;
        let names: Vec<String> = san.general_names.iter().map(|n| n.to_string()).collect();
        assert_eq!(
            names,
            [
                "DNSName(peer0.org1.example.com)",
                "DNSName(localhost)",
                "IPAddress(7f:00:00:01)"
            ]
        );
        match cert
            .get_extension_unique(&oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                assert_eq!(
                    aki.key_identifier.as_ref().unwrap().0,
                    &ca.signer().ski()[..]
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn crl_lists_revoked_serials_and_is_signed_by_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let ca = new_ca(dir.path());
        let pem = ca
            .generate_crl(&[vec![0x01, 0x02], vec![0xff; 16]])
            .unwrap();
        assert!(pem.starts_with("-----BEGIN X509 CRL-----\n"));
        let der = x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .unwrap()
            .1
            .contents;
        let (_, crl) = parse_x509_crl(&der).unwrap();
        let (_, ca_cert) = X509Certificate::from_der(ca.cert_der()).unwrap();
        assert_eq!(crl.issuer().as_raw(), ca_cert.subject().as_raw());
        let serials: Vec<Vec<u8>> = crl
            .iter_revoked_certificates()
            .map(|r| r.raw_serial().to_vec())
            .collect();
        assert_eq!(
            serials,
            vec![vec![0x01, 0x02], [vec![0u8], vec![0xff; 16]].concat()]
        );
        ca.signer()
            .public_key()
            .verify(
                HashFamily::Sha2,
                crl.tbs_cert_list.as_ref(),
                &crl.signature_value.data,
            )
            .unwrap();
        let empty = ca.generate_crl(&[]).unwrap();
        let der = x509_parser::pem::parse_x509_pem(empty.as_bytes())
            .unwrap()
            .1
            .contents;
        assert_eq!(
            parse_x509_crl(&der)
                .unwrap()
                .1
                .iter_revoked_certificates()
                .count(),
            0
        );
    }
}
