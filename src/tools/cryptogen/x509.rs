//! A small DER writer for the X.509 certificates and CRLs cryptogen issues, laid out
//! exactly as Go's `crypto/x509` writes them for Fabric 1.4 (name attribute order,
//! extension order and criticality, UTCTime validity, ECDSA-SHA256 signatures).

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::crypto::{HashFamily, PrivateKey, PublicKey};

const OID_ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// Name attribute types, in the order Go's `pkix.Name` writes them.
pub(crate) const OID_COUNTRY: &[u8] = &[0x55, 0x04, 0x06];
pub(crate) const OID_PROVINCE: &[u8] = &[0x55, 0x04, 0x08];
pub(crate) const OID_LOCALITY: &[u8] = &[0x55, 0x04, 0x07];
pub(crate) const OID_STREET: &[u8] = &[0x55, 0x04, 0x09];
pub(crate) const OID_POSTAL_CODE: &[u8] = &[0x55, 0x04, 0x11];
pub(crate) const OID_ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
pub(crate) const OID_ORG_UNIT: &[u8] = &[0x55, 0x04, 0x0b];
pub(crate) const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// X.509 key usage bits (RFC 5280 §4.2.1.3), combinable with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage(u16);

impl KeyUsage {
    pub const DIGITAL_SIGNATURE: KeyUsage = KeyUsage(1 << 0);
    pub const CONTENT_COMMITMENT: KeyUsage = KeyUsage(1 << 1);
    pub const KEY_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 2);
    pub const DATA_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 3);
    pub const KEY_AGREEMENT: KeyUsage = KeyUsage(1 << 4);
    pub const CERT_SIGN: KeyUsage = KeyUsage(1 << 5);
    pub const CRL_SIGN: KeyUsage = KeyUsage(1 << 6);

    pub fn contains(self, other: KeyUsage) -> bool {
        self.0 & other.0 == other.0
    }

    /// The BIT STRING body Go writes: bit i of the usage is bit i from the left, trailing
    /// zero bits dropped.
    fn bit_string(self) -> Vec<u8> {
        let mut bytes = [0u8; 2];
        for bit in 0..9 {
            if self.0 & (1 << bit) != 0 {
                bytes[bit / 8] |= 0x80 >> (bit % 8);
            }
        }
        let used = if bytes[1] != 0 { 2 } else { 1 };
        let last = bytes[used - 1];
        let unused = if last == 0 {
            0
        } else {
            last.trailing_zeros() as u8
        };
        let mut out = vec![unused];
        if self.0 != 0 {
            out.extend_from_slice(&bytes[..used]);
        }
        out
    }
}

impl std::ops::BitOr for KeyUsage {
    type Output = KeyUsage;
    fn bitor(self, rhs: KeyUsage) -> KeyUsage {
        KeyUsage(self.0 | rhs.0)
    }
}

/// Extended key usages cryptogen uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtKeyUsage {
    Any,
    ServerAuth,
    ClientAuth,
}

impl ExtKeyUsage {
    fn oid(self) -> &'static [u8] {
        match self {
            ExtKeyUsage::Any => &[0x55, 0x1d, 0x25, 0x00],
            ExtKeyUsage::ServerAuth => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01],
            ExtKeyUsage::ClientAuth => &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02],
        }
    }
}

pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub(crate) fn oid(body: &[u8]) -> Vec<u8> {
    tlv(0x06, body)
}

/// A non-negative INTEGER from a big-endian magnitude.
pub(crate) fn integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let digits = &magnitude[start..];
    let mut body = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|&b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(digits);
    tlv(0x02, &body)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut body = vec![0u8];
    body.extend_from_slice(bytes);
    tlv(0x03, &body)
}

/// Go writes PrintableString when every character allows it, UTF8String otherwise.
fn directory_string(value: &str) -> Vec<u8> {
    let printable = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b) || b == b'*');
    tlv(if printable { 0x13 } else { 0x0c }, value.as_bytes())
}

/// UTCTime for 1950..2049, GeneralizedTime otherwise, as Go does.
pub(crate) fn time(t: OffsetDateTime) -> Vec<u8> {
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    if (1950..2050).contains(&y) {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        tlv(0x17, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        tlv(0x18, text.as_bytes())
    }
}

/// A distinguished name: one attribute per RDN, in the given order.
pub(crate) fn name(attributes: &[(&[u8], &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attributes
        .iter()
        .map(|(ty, value)| tlv(0x31, &seq(&[&oid(ty), &directory_string(value)])))
        .collect();
    let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
    seq(&refs)
}

fn algorithm_ecdsa_sha256() -> Vec<u8> {
    seq(&[&oid(OID_ECDSA_WITH_SHA256)])
}

/// The DER SubjectPublicKeyInfo of an ECDSA key.
pub(crate) fn spki(key: &PublicKey) -> Vec<u8> {
    let curve = match key.curve() {
        crate::crypto::Curve::P256 => OID_P256,
        crate::crypto::Curve::P384 => OID_P384,
    };
    seq(&[
        &seq(&[&oid(OID_EC_PUBLIC_KEY), &oid(curve)]),
        &bit_string(key.sec1_uncompressed()),
    ])
}

fn extension(id: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let id = oid(id);
    let value = tlv(0x04, value);
    if critical {
        seq(&[&id, &tlv(0x01, &[0xff]), &value])
    } else {
        seq(&[&id, &value])
    }
}

/// What goes into one certificate.
pub(crate) struct CertificateTemplate<'a> {
    pub serial: &'a [u8],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub public_key: &'a PublicKey,
    pub key_usage: KeyUsage,
    pub ext_key_usage: &'a [ExtKeyUsage],
    pub is_ca: bool,
    pub subject_key_id: Option<&'a [u8]>,
    pub authority_key_id: Option<&'a [u8]>,
    pub sans: &'a [String],
}

/// Extensions in Go's order: key usage, ext key usage, basic constraints, SKI, AKI, SAN.
fn extensions(t: &CertificateTemplate<'_>) -> Vec<u8> {
    let mut exts: Vec<Vec<u8>> = Vec::new();
    if t.key_usage != KeyUsage::default() {
        exts.push(extension(
            OID_KEY_USAGE,
            true,
            &tlv(0x03, &t.key_usage.bit_string()),
        ));
    }
    if !t.ext_key_usage.is_empty() {
        let oids: Vec<Vec<u8>> = t.ext_key_usage.iter().map(|u| oid(u.oid())).collect();
        exts.push(extension(
            OID_EXT_KEY_USAGE,
            false,
            &tlv(0x30, &oids.concat()),
        ));
    }
    let constraints = if t.is_ca {
        tlv(0x30, &tlv(0x01, &[0xff]))
    } else {
        tlv(0x30, &[])
    };
    exts.push(extension(OID_BASIC_CONSTRAINTS, true, &constraints));
    if let Some(ski) = t.subject_key_id {
        exts.push(extension(OID_SUBJECT_KEY_ID, false, &tlv(0x04, ski)));
    }
    if let Some(aki) = t.authority_key_id {
        exts.push(extension(
            OID_AUTHORITY_KEY_ID,
            false,
            &tlv(0x30, &tlv(0x80, aki)),
        ));
    }
    if !t.sans.is_empty() {
        exts.push(extension(
            OID_SUBJECT_ALT_NAME,
            false,
            &subject_alt_names(t.sans),
        ));
    }
    tlv(0xa3, &tlv(0x30, &exts.concat()))
}

/// DNS names first, then IP addresses (IPv4 as 4 bytes), as Go writes them.
fn subject_alt_names(sans: &[String]) -> Vec<u8> {
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    for san in sans {
        match san.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => ips.extend(tlv(0x87, &ip.octets())),
            Ok(IpAddr::V6(ip)) => ips.extend(tlv(0x87, &ip.octets())),
            Err(_) => dns.extend(tlv(0x82, san.as_bytes())),
        }
    }
    tlv(0x30, &[dns, ips].concat())
}

/// Builds and signs a certificate; returns its DER.
pub(crate) fn certificate(
    t: &CertificateTemplate<'_>,
    signer: &PrivateKey,
) -> Result<Vec<u8>, crate::crypto::CryptoError> {
    let tbs = seq(&[
        &tlv(0xa0, &integer(&[2])),
        &integer(t.serial),
        &algorithm_ecdsa_sha256(),
        t.issuer,
        &seq(&[&time(t.not_before), &time(t.not_after)]),
        t.subject,
        &spki(t.public_key),
        &extensions(t),
    ]);
    sign_structure(&tbs, signer)
}

/// One revoked certificate: its serial (big-endian magnitude) and revocation time.
pub(crate) struct Revoked<'a> {
    pub serial: &'a [u8],
    pub revoked_at: OffsetDateTime,
}

/// Builds and signs a v2 CRL (with the issuer's AKI extension, as Go adds it).
pub(crate) fn crl(
    issuer: &[u8],
    authority_key_id: &[u8],
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    revoked: &[Revoked<'_>],
    signer: &PrivateKey,
) -> Result<Vec<u8>, crate::crypto::CryptoError> {
    let entries: Vec<Vec<u8>> = revoked
        .iter()
        .map(|r| seq(&[&integer(r.serial), &time(r.revoked_at)]))
        .collect();
    let aki = extension(
        OID_AUTHORITY_KEY_ID,
        false,
        &tlv(0x30, &tlv(0x80, authority_key_id)),
    );
    let mut parts: Vec<Vec<u8>> = vec![
        integer(&[1]),
        algorithm_ecdsa_sha256(),
        issuer.to_vec(),
        time(this_update),
        time(next_update),
    ];
    if !entries.is_empty() {
        parts.push(tlv(0x30, &entries.concat()));
    }
    parts.push(tlv(0xa0, &tlv(0x30, &aki)));
    let tbs = tlv(0x30, &parts.concat());
    sign_structure(&tbs, signer)
}

/// `SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING signature }`.
fn sign_structure(tbs: &[u8], signer: &PrivateKey) -> Result<Vec<u8>, crate::crypto::CryptoError> {
    let signature = signer.sign(HashFamily::Sha2, tbs)?;
    Ok(seq(&[
        tbs,
        &algorithm_ecdsa_sha256(),
        &bit_string(&signature),
    ]))
}

/// PEM with 64-character lines, as Go's `pem.Encode` writes it.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    p256::pkcs8::der::pem::encode_string(label, p256::pkcs8::LineEnding::LF, der)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_bits_match_go() {
        let ca = KeyUsage::DIGITAL_SIGNATURE
            | KeyUsage::KEY_ENCIPHERMENT
            | KeyUsage::CERT_SIGN
            | KeyUsage::CRL_SIGN;
        assert_eq!(ca.bit_string(), vec![0x01, 0xa6]);
        assert_eq!(KeyUsage::DIGITAL_SIGNATURE.bit_string(), vec![0x07, 0x80]);
        let tls = KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_ENCIPHERMENT;
        assert_eq!(tls.bit_string(), vec![0x05, 0xa0]);
    }

    #[test]
    fn der_primitives() {
        assert_eq!(integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0, 0, 5]), vec![0x02, 0x01, 0x05]);
        assert_eq!(integer(&[]), vec![0x02, 0x01, 0x00]);
        let long = tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(directory_string("US")[0], 0x13);
        assert_eq!(directory_string("Admin@org1")[0], 0x0c);
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(time(t), tlv(0x17, b"231114221320Z"));
        let far = OffsetDateTime::from_unix_timestamp(2_600_000_000).unwrap();
        assert_eq!(time(far)[0], 0x18);
    }
}
