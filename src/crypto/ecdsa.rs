//! ECDSA keys of the SW BCCSP: parsing (SPKI, certificates, PKCS#8 and SEC1 PEM),
//! Fabric's SKI, signing (always low-S) and verification (low-S enforced).

use std::sync::Arc;

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use ring::signature as rsig;
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384};
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo};

use super::hash::{sha256, sha3_256};
use super::signature::{self as sig, ParsedSignature};
use super::{CryptoError, HashFamily};

/// The elliptic curves the SW BCCSP supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    /// Size in bytes of a field element / scalar.
    pub fn field_size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    /// The curve of a security level (core.yaml `peer.BCCSP.SW.Security`).
    pub fn for_security_level(level: u32) -> Result<Self, CryptoError> {
        match level {
            256 => Ok(Curve::P256),
            384 => Ok(Curve::P384),
            other => Err(CryptoError::UnsupportedSecurityLevel(other)),
        }
    }
}

/// A parsed, on-curve verifying key; kept beside the raw point so the SHA-3 path does
/// not decode the point on every verification.
#[derive(Clone)]
enum Verifier {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

/// An ECDSA public key: its curve and uncompressed SEC1 point (`04 || X || Y`).
#[derive(Clone)]
pub struct PublicKey {
    curve: Curve,
    point: Vec<u8>,
    verifier: Verifier,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.curve == other.curve && self.point == other.point
    }
}

impl Eq for PublicKey {}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("curve", &self.curve)
            .field("ski", &hex::encode(self.ski()))
            .finish()
    }
}

impl PublicKey {
    /// Builds a key from an uncompressed SEC1 point, checking that it lies on the curve.
    pub fn from_sec1(curve: Curve, point: &[u8]) -> Result<Self, CryptoError> {
        if point.len() != 1 + 2 * curve.field_size() || point[0] != 0x04 {
            return Err(CryptoError::InvalidPublicKey(
                "the EC point must be an uncompressed SEC1 point of the key's curve".to_string(),
            ));
        }
        let off_curve =
            |_| CryptoError::InvalidPublicKey("the EC point is not on the curve".into());
        let verifier = match curve {
            Curve::P256 => Verifier::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(off_curve)?,
            ),
            Curve::P384 => Verifier::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(off_curve)?,
            ),
        };
        Ok(PublicKey {
            curve,
            point: point.to_vec(),
            verifier,
        })
    }

    /// Parses a DER `SubjectPublicKeyInfo` holding an ECDSA P-256 or P-384 key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        let (rest, spki) = SubjectPublicKeyInfo::from_der(der).map_err(|e| {
            CryptoError::InvalidPublicKey(format!("not a DER SubjectPublicKeyInfo ({e})"))
        })?;
        if !rest.is_empty() {
            return Err(CryptoError::InvalidPublicKey(
                "trailing data after the SubjectPublicKeyInfo".to_string(),
            ));
        }
        Self::from_spki(&spki)
    }

    /// Extracts the public key of a DER X.509 certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, CryptoError> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| {
            CryptoError::InvalidCertificate(format!("cannot parse DER certificate ({e})"))
        })?;
        Self::from_spki(cert.public_key())
    }

    /// Converts an already parsed `SubjectPublicKeyInfo`.
    pub fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Result<Self, CryptoError> {
        if spki.algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY {
            return Err(CryptoError::UnsupportedKey(format!(
                "public key algorithm {} is not ECDSA (only ECDSA P-256 and P-384 are supported)",
                spki.algorithm.algorithm
            )));
        }
        let curve_oid = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .ok_or_else(|| CryptoError::InvalidPublicKey("the EC key names no curve".into()))?;
        let curve = if curve_oid == OID_EC_P256 {
            Curve::P256
        } else if curve_oid == OID_NIST_EC_P384 {
            Curve::P384
        } else {
            return Err(CryptoError::UnsupportedKey(format!(
                "elliptic curve {curve_oid} is not supported (use P-256 or P-384)"
            )));
        };
        Self::from_sec1(curve, &spki.subject_public_key.data)
    }

    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// The uncompressed SEC1 point.
    pub fn sec1_uncompressed(&self) -> &[u8] {
        &self.point
    }

    /// Fabric's subject key identifier: SHA-256 of the uncompressed point.
    pub fn ski(&self) -> Vec<u8> {
        sha256(&self.point).to_vec()
    }

    /// Verifies a DER ECDSA signature over `msg` hashed with `family`, rejecting high-S
    /// signatures like Fabric does.
    pub fn verify(
        &self,
        family: HashFamily,
        msg: &[u8],
        sig_der: &[u8],
    ) -> Result<(), CryptoError> {
        let parsed = sig::parse(sig_der)?;
        if !sig::s_is_low(self.curve, parsed.s) {
            return Err(CryptoError::HighS);
        }
        match family {
            HashFamily::Sha2 => self.verify_sha256_ring(msg, sig_der, &parsed),
            HashFamily::Sha3 => self.verify_digest(&sha3_256(msg), &parsed),
        }
    }

    /// Verifies a signature over a message that has already been hashed (any digest
    /// length the curve accepts), with the same low-S rule.
    pub fn verify_prehashed(&self, digest: &[u8], sig_der: &[u8]) -> Result<(), CryptoError> {
        let parsed = sig::parse(sig_der)?;
        if !sig::s_is_low(self.curve, parsed.s) {
            return Err(CryptoError::HighS);
        }
        self.verify_digest(digest, &parsed)
    }

    fn verify_sha256_ring(
        &self,
        msg: &[u8],
        sig_der: &[u8],
        parsed: &ParsedSignature<'_>,
    ) -> Result<(), CryptoError> {
        let alg: &'static rsig::EcdsaVerificationAlgorithm = match self.curve {
            Curve::P256 => &rsig::ECDSA_P256_SHA256_ASN1,
            Curve::P384 => &rsig::ECDSA_P384_SHA256_ASN1,
        };
        let key = rsig::UnparsedPublicKey::new(alg, &self.point);
        let result = if parsed.canonical {
            key.verify(msg, sig_der)
        } else {
            key.verify(msg, &sig::encode(parsed.r, parsed.s))
        };
        result.map_err(|_| CryptoError::VerificationFailed)
    }

    fn verify_digest(
        &self,
        digest: &[u8],
        parsed: &ParsedSignature<'_>,
    ) -> Result<(), CryptoError> {
        let width = self.curve.field_size();
        let mut fixed = vec![0u8; 2 * width];
        match (
            sig::left_pad(parsed.r, width),
            sig::left_pad(parsed.s, width),
        ) {
            (Some(r), Some(s)) => {
                fixed[..width].copy_from_slice(&r);
                fixed[width..].copy_from_slice(&s);
            }
            _ => return Err(CryptoError::VerificationFailed),
        }
        let ok = match &self.verifier {
            Verifier::P256(vk) => p256::ecdsa::Signature::from_slice(&fixed)
                .is_ok_and(|signature| vk.verify_prehash(digest, &signature).is_ok()),
            Verifier::P384(vk) => p384::ecdsa::Signature::from_slice(&fixed)
                .is_ok_and(|signature| vk.verify_prehash(digest, &signature).is_ok()),
        };
        if ok {
            Ok(())
        } else {
            Err(CryptoError::VerificationFailed)
        }
    }
}

/// The secret half of a key, per curve. P-256 keeps a ready `ring` key pair for the
/// SHA-256 signing path.
#[derive(Clone)]
enum Secret {
    P256 {
        key: p256::SecretKey,
        ring: Arc<rsig::EcdsaKeyPair>,
    },
    P384 {
        key: p384::SecretKey,
    },
}

/// An ECDSA private key (P-256 or P-384) with its public key.
#[derive(Clone)]
pub struct PrivateKey {
    secret: Secret,
    public: PublicKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("curve", &self.public.curve)
            .field("ski", &hex::encode(self.ski()))
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a fresh key on `curve` from the operating system's random source.
    pub fn generate(curve: Curve) -> Result<Self, CryptoError> {
        let mut rng = rand::rngs::OsRng;
        match curve {
            Curve::P256 => Self::from_p256(p256::SecretKey::random(&mut rng)),
            Curve::P384 => Self::from_p384(p384::SecretKey::random(&mut rng)),
        }
    }

    fn from_p256(key: p256::SecretKey) -> Result<Self, CryptoError> {
        let point = key.public_key().to_encoded_point(false).as_bytes().to_vec();
        let ring = rsig::EcdsaKeyPair::from_private_key_and_public_key(
            &rsig::ECDSA_P256_SHA256_ASN1_SIGNING,
            &key.to_bytes(),
            &point,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| CryptoError::InvalidPrivateKey(format!("P-256 key rejected ({e})")))?;
        Ok(PrivateKey {
            public: PublicKey::from_sec1(Curve::P256, &point)?,
            secret: Secret::P256 {
                key,
                ring: Arc::new(ring),
            },
        })
    }

    fn from_p384(key: p384::SecretKey) -> Result<Self, CryptoError> {
        let point = key.public_key().to_encoded_point(false).as_bytes().to_vec();
        Ok(PrivateKey {
            public: PublicKey::from_sec1(Curve::P384, &point)?,
            secret: Secret::P384 { key },
        })
    }

    /// Parses the first PEM block of `pem`: PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`.
    /// Like Fabric, the block's DER is tried as PKCS#8 and then as SEC1 whatever its label.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CryptoError> {
        let text = String::from_utf8_lossy(pem);
        if text.contains("ENCRYPTED") {
            return Err(CryptoError::InvalidPrivateKey(
                "encrypted PEM private keys are not supported; store the key unencrypted".into(),
            ));
        }
        let item = rustls_pemfile::read_one_from_slice(pem)
            .map_err(|e| CryptoError::InvalidPrivateKey(format!("bad PEM encoding ({e:?})")))?
            .map(|(item, _)| item)
            .ok_or_else(|| {
                CryptoError::InvalidPrivateKey(
                    "no PEM block found; expected a PEM private key".into(),
                )
            })?;
        match item {
            rustls_pemfile::Item::Pkcs8Key(der) => Self::from_der_any(der.secret_pkcs8_der()),
            rustls_pemfile::Item::Sec1Key(der) => Self::from_der_any(der.secret_sec1_der()),
            rustls_pemfile::Item::Pkcs1Key(_) => Err(CryptoError::UnsupportedKey(
                "RSA private keys are not supported; use an ECDSA P-256 or P-384 key".into(),
            )),
            _ => Err(CryptoError::InvalidPrivateKey(
                "the PEM block is not a private key".into(),
            )),
        }
    }

    fn from_der_any(der: &[u8]) -> Result<Self, CryptoError> {
        Self::from_pkcs8_der(der)
            .or_else(|pkcs8_err| Self::from_sec1_der(der).map_err(|_| pkcs8_err))
    }

    /// Parses a DER PKCS#8 `PrivateKeyInfo` holding an EC P-256 or P-384 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let info = p256::pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|e| CryptoError::InvalidPrivateKey(format!("not a DER PKCS#8 key ({e})")))?;
        let invalid =
            |e: p256::pkcs8::Error| CryptoError::InvalidPrivateKey(format!("bad EC key ({e})"));
        let curve = info.algorithm.parameters_oid().map_err(|_| {
            CryptoError::UnsupportedKey("the PKCS#8 key is not an EC key with a named curve".into())
        })?;
        match curve.to_string().as_str() {
            "1.2.840.10045.3.1.7" => {
                Self::from_p256(p256::SecretKey::from_pkcs8_der(der).map_err(invalid)?)
            }
            "1.3.132.0.34" => {
                Self::from_p384(p384::SecretKey::from_pkcs8_der(der).map_err(invalid)?)
            }
            other => Err(CryptoError::UnsupportedKey(format!(
                "elliptic curve {other} is not supported (use P-256 or P-384)"
            ))),
        }
    }

    /// Parses a DER SEC1 `ECPrivateKey` (P-256 or P-384).
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, CryptoError> {
        if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
            return Self::from_p256(key);
        }
        p384::SecretKey::from_sec1_der(der)
            .map_err(|_| {
                CryptoError::InvalidPrivateKey("not a DER SEC1 EC P-256 or P-384 key".into())
            })
            .and_then(Self::from_p384)
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as Fabric's key store writes it.
    pub fn to_pkcs8_pem(&self) -> String {
        let pem = match &self.secret {
            Secret::P256 { key, .. } => key.to_pkcs8_pem(LineEnding::LF),
            Secret::P384 { key } => key.to_pkcs8_pem(LineEnding::LF),
        };
        // Encoding a valid in-memory key cannot fail.
        pem.map(|p| p.to_string()).unwrap_or_default()
    }

    /// PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        let der = match &self.secret {
            Secret::P256 { key, .. } => key.to_pkcs8_der(),
            Secret::P384 { key } => key.to_pkcs8_der(),
        };
        der.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    pub fn curve(&self) -> Curve {
        self.public.curve
    }

    /// Fabric's SKI of the key pair (SHA-256 of the uncompressed public point).
    pub fn ski(&self) -> Vec<u8> {
        self.public.ski()
    }

    /// Signs `msg` hashed with `family`. The DER signature is always low-S.
    pub fn sign(&self, family: HashFamily, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match (&self.secret, family) {
            (Secret::P256 { ring, .. }, HashFamily::Sha2) => {
                let signature = ring
                    .sign(&ring::rand::SystemRandom::new(), msg)
                    .map_err(|_| CryptoError::Signing("ring could not sign".into()))?;
                sig::to_low_s(Curve::P256, signature.as_ref())
            }
            (_, HashFamily::Sha2) => self.sign_prehashed(&sha256(msg)),
            (_, HashFamily::Sha3) => self.sign_prehashed(&sha3_256(msg)),
        }
    }

    /// Signs an already computed digest; the DER signature is always low-S.
    pub fn sign_prehashed(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed =
            |e: p256::ecdsa::Error| CryptoError::Signing(format!("cannot sign the digest ({e})"));
        match &self.secret {
            Secret::P256 { key, .. } => {
                let signer = p256::ecdsa::SigningKey::from(key);
                let signature: p256::ecdsa::Signature =
                    signer.sign_prehash(digest).map_err(failed)?;
                let signature = signature.normalize_s().unwrap_or(signature);
                Ok(signature.to_der().as_bytes().to_vec())
            }
            Secret::P384 { key } => {
                let signer = p384::ecdsa::SigningKey::from(key);
                let signature: p384::ecdsa::Signature =
                    signer.sign_prehash(digest).map_err(failed)?;
                let signature = signature.normalize_s().unwrap_or(signature);
                Ok(signature.to_der().as_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{is_low_s, to_low_s};

    const CURVES: [Curve; 2] = [Curve::P256, Curve::P384];
    const FAMILIES: [HashFamily; 2] = [HashFamily::Sha2, HashFamily::Sha3];

    /// Re-encodes a signature with S replaced by n - S (a valid but high-S signature).
    fn flip_s(curve: Curve, sig_der: &[u8]) -> Vec<u8> {
        let parsed = sig::parse(sig_der).unwrap();
        let order = curve.order();
        let s = sig::left_pad(parsed.s, order.len()).unwrap();
        let mut flipped = vec![0u8; order.len()];
        let mut borrow = 0i16;
        for i in (0..order.len()).rev() {
            let mut d = i16::from(order[i]) - i16::from(s[i]) - borrow;
            borrow = i16::from(d < 0);
            if d < 0 {
                d += 256;
            }
            flipped[i] = d as u8;
        }
        sig::encode(parsed.r, &flipped)
    }

    #[test]
    fn sign_verify_round_trips_on_both_curves_and_families() {
        for curve in CURVES {
            let key = PrivateKey::generate(curve).unwrap();
            let public = key.public_key();
            assert_eq!(public.curve(), curve);
            assert_eq!(public.sec1_uncompressed().len(), 1 + 2 * curve.field_size());
            for family in FAMILIES {
                for _ in 0..8 {
                    let sig_der = key.sign(family, b"hello fabric").unwrap();
                    assert!(is_low_s(curve, &sig_der).unwrap(), "{curve:?}/{family:?}");
                    public.verify(family, b"hello fabric", &sig_der).unwrap();
                }
            }
        }
    }

    #[test]
    fn wrong_family_message_signature_or_key_fails() {
        for curve in CURVES {
            let key = PrivateKey::generate(curve).unwrap();
            let other = PrivateKey::generate(curve).unwrap();
            for family in FAMILIES {
                let sig_der = key.sign(family, b"msg").unwrap();
                let public = key.public_key();
                assert!(matches!(
                    public.verify(family, b"msh", &sig_der),
                    Err(CryptoError::VerificationFailed)
                ));
                let mut tampered = sig_der.clone();
                let last = tampered.len() - 1;
                tampered[last] ^= 0x01;
                assert!(public.verify(family, b"msg", &tampered).is_err());
                assert!(other.public_key().verify(family, b"msg", &sig_der).is_err());
                let wrong_family = if family == HashFamily::Sha2 {
                    HashFamily::Sha3
                } else {
                    HashFamily::Sha2
                };
                assert!(public.verify(wrong_family, b"msg", &sig_der).is_err());
                assert!(matches!(
                    public.verify(family, b"msg", b"\x30\x00"),
                    Err(CryptoError::MalformedSignature(_))
                ));
            }
        }
    }

    #[test]
    fn high_s_is_rejected_and_to_low_s_repairs_it() {
        for curve in CURVES {
            let key = PrivateKey::generate(curve).unwrap();
            for family in FAMILIES {
                let low = key.sign(family, b"payload").unwrap();
                let high = flip_s(curve, &low);
                assert!(!is_low_s(curve, &high).unwrap());
                let err = key
                    .public_key()
                    .verify(family, b"payload", &high)
                    .unwrap_err();
                assert!(matches!(err, CryptoError::HighS));
                assert!(err
                    .to_string()
                    .contains("must be smaller than half the order"));
                let repaired = to_low_s(curve, &high).unwrap();
                assert_eq!(repaired, low);
                key.public_key()
                    .verify(family, b"payload", &repaired)
                    .unwrap();
            }
        }
    }

    #[test]
    fn go_style_trailing_data_is_accepted() {
        let key = PrivateKey::generate(Curve::P256).unwrap();
        let mut sig_der = key.sign(HashFamily::Sha2, b"m").unwrap();
        sig_der.extend_from_slice(b"\x00\x01");
        key.public_key()
            .verify(HashFamily::Sha2, b"m", &sig_der)
            .unwrap();
    }

    #[test]
    fn prehashed_sign_and_verify_agree_with_message_api() {
        for curve in CURVES {
            let key = PrivateKey::generate(curve).unwrap();
            let digest = sha256(b"abc");
            let sig_der = key.sign_prehashed(&digest).unwrap();
            key.public_key()
                .verify(HashFamily::Sha2, b"abc", &sig_der)
                .unwrap();
            let sig_der = key.sign(HashFamily::Sha2, b"abc").unwrap();
            key.public_key()
                .verify_prehashed(&digest, &sig_der)
                .unwrap();
        }
    }

    #[test]
    fn pkcs8_and_sec1_round_trips() {
        for curve in CURVES {
            let key = PrivateKey::generate(curve).unwrap();
            let pem = key.to_pkcs8_pem();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let back = PrivateKey::from_pem(pem.as_bytes()).unwrap();
            assert_eq!(back.public_key(), key.public_key());
            let back = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
            assert_eq!(back.ski(), key.ski());
        }
        let sec1 = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let sec1_pem = sec1.to_sec1_pem(LineEnding::LF).unwrap();
        assert!(sec1_pem.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        let key = PrivateKey::from_pem(sec1_pem.as_bytes()).unwrap();
        assert_eq!(key.curve(), Curve::P256);
        let sec1 = p384::SecretKey::random(&mut rand::rngs::OsRng);
        let key =
            PrivateKey::from_pem(sec1.to_sec1_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
        assert_eq!(key.curve(), Curve::P384);
    }

    #[test]
    fn pem_errors_are_clear() {
        let err = PrivateKey::from_pem(b"not pem at all")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no PEM block found"), "{err}");
        let cert = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let err = PrivateKey::from_pem(cert).unwrap_err().to_string();
        assert!(err.contains("not a private key"), "{err}");
        let garbage = b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
        let err = PrivateKey::from_pem(garbage).unwrap_err().to_string();
        assert!(err.contains("PKCS#8"), "{err}");
        let enc =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = PrivateKey::from_pem(enc).unwrap_err().to_string();
        assert!(err.contains("encrypted"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn public_key_parsing_rejects_bad_points() {
        let key = PrivateKey::generate(Curve::P256).unwrap();
        let mut point = key.public_key().sec1_uncompressed().to_vec();
        point[10] ^= 0xff;
        assert!(PublicKey::from_sec1(Curve::P256, &point).is_err());
        assert!(PublicKey::from_sec1(Curve::P384, key.public_key().sec1_uncompressed()).is_err());
        assert!(PublicKey::from_spki_der(b"\x30\x00").is_err());
    }

    #[test]
    fn spki_round_trip() {
        use p256::pkcs8::EncodePublicKey;
        let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let spki = key.public_key().to_public_key_der().unwrap();
        let public = PublicKey::from_spki_der(spki.as_bytes()).unwrap();
        assert_eq!(
            public.sec1_uncompressed(),
            key.public_key().to_encoded_point(false).as_bytes()
        );
        assert_eq!(public.ski(), sha256(public.sec1_uncompressed()).to_vec());
    }
}
