//! Checks against the key material real Fabric v1.4.12 `cryptogen` produced
//! (`network/crypto-config` of the reference vectors, [`crate::test_vectors`]).

use std::fs;
use std::path::{Path, PathBuf};

use x509_parser::prelude::*;

use super::{is_low_s, to_low_s, FileKeyStore, HashFamily, KeyStore, PrivateKey, PublicKey};

fn crypto_config() -> PathBuf {
    crate::test_vectors::dir().join("network/crypto-config")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    files_under(root, &mut out);
    out.sort();
    out
}

fn cert_der(path: &Path) -> Vec<u8> {
    let raw = fs::read(path).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&raw).unwrap();
    pem.contents
}

#[test]
fn vector_key_files_are_named_by_ski_and_reencode_identically() {
    let root = crypto_config();
    let keys: Vec<PathBuf> = all_files(&root)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("_sk"))
        .collect();
    assert!(
        keys.len() >= 10,
        "expected cryptogen key files under {}",
        root.display()
    );
    for path in keys {
        let raw = fs::read(&path).unwrap();
        let key = PrivateKey::from_pem(&raw).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            format!("{}_sk", hex::encode(key.ski())),
            name,
            "{}",
            path.display()
        );
        assert_eq!(
            key.to_pkcs8_pem().as_bytes(),
            &raw[..],
            "{}",
            path.display()
        );
        let store = FileKeyStore::new(path.parent().unwrap(), true).unwrap();
        assert_eq!(
            store.get_key(&key.ski()).unwrap().public_key(),
            key.public_key()
        );
    }
}

/// Every MSP signing cert and TLS cert pairs with its private key: the key signs,
/// the public key taken from the certificate verifies.
#[test]
fn vector_certificates_verify_signatures_of_their_keys() {
    let root = crypto_config();
    let mut pairs = 0;
    for path in all_files(&root) {
        let is_signcert = path.parent().is_some_and(|p| p.ends_with("signcerts"));
        let key_path = if is_signcert {
            let keystore = path.parent().unwrap().with_file_name("keystore");
            fs::read_dir(keystore)
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path()
        } else if path.ends_with("tls/server.crt") || path.ends_with("tls/client.crt") {
            path.with_extension("key")
        } else {
            continue;
        };
        let public = PublicKey::from_certificate_der(&cert_der(&path)).unwrap();
        let key = PrivateKey::from_pem(&fs::read(&key_path).unwrap()).unwrap();
        assert_eq!(key.public_key(), public, "{}", path.display());
        for family in [HashFamily::Sha2, HashFamily::Sha3] {
            let sig = key.sign(family, b"proposal bytes").unwrap();
            public.verify(family, b"proposal bytes", &sig).unwrap();
        }
        pairs += 1;
    }
    assert!(pairs >= 10, "found only {pairs} cert/key pairs");
}

/// The certificate signatures Go wrote (ECDSA-SHA256, not necessarily low-S) verify
/// against the issuing CA's key once normalised.
#[test]
fn vector_certificate_signatures_verify_against_their_ca() {
    let root = crypto_config();
    let ders: Vec<Vec<u8>> = all_files(&root)
        .iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            s.ends_with(".pem") || s.ends_with(".crt")
        })
        .map(|p| cert_der(p))
        .collect();
    let certs: Vec<X509Certificate<'_>> = ders
        .iter()
        .map(|d| parse_x509_certificate(d).unwrap().1)
        .collect();
    let mut checked = 0;
    for cert in &certs {
        let issuer = certs
            .iter()
            .find(|c| c.subject().as_raw() == cert.issuer().as_raw() && c.is_ca())
            .expect("issuer present");
        let ca_key = PublicKey::from_spki(issuer.public_key()).unwrap();
        let sig = cert.signature_value.data.as_ref();
        let low = to_low_s(ca_key.curve(), sig).unwrap();
        ca_key
            .verify(HashFamily::Sha2, cert.tbs_certificate.as_ref(), &low)
            .unwrap();
        if !is_low_s(ca_key.curve(), sig).unwrap() {
            assert!(ca_key
                .verify(HashFamily::Sha2, cert.tbs_certificate.as_ref(), sig)
                .is_err());
        }
        checked += 1;
    }
    assert!(checked >= 30, "checked only {checked} certificates");
}
