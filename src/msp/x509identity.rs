//! Identities of the X.509 MSP (Fabric's `identities.go`): a sanitized certificate, its id
//! (hex hash of the certificate DER), its public key and the MSP that issued it; the signing
//! identity adds the private key found in the key store.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prost::Message;

use super::bccspmsp::MspCore;
use super::cert::Certificate;
use super::{pem, Identity, IdentityIdentifier, MspError, OuIdentifier, SigningIdentity};
use crate::crypto::{KeyStore, PrivateKey, PublicKey};
use crate::protos::common::MspPrincipal;
use crate::protos::msp::{SerializedIdentity, SigningIdentityInfo};

/// A public X.509 identity of an MSP.
#[derive(Clone)]
pub struct X509Identity {
    core: Arc<MspCore>,
    cert: Certificate,
    id: IdentityIdentifier,
    public_key: PublicKey,
    ous: OnceLock<Vec<OuIdentifier>>,
}

impl std::fmt::Debug for X509Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X509Identity")
            .field("msp_id", &self.id.msp_id)
            .field("id", &self.id.id)
            .finish()
    }
}

impl X509Identity {
    /// Builds the identity: sanitizes the certificate against the MSP's CAs (which needs a
    /// chain to them) and hashes it into the id.
    pub(crate) fn new(core: &Arc<MspCore>, cert: Certificate) -> Result<Self, MspError> {
        let cert = core
            .sanitize_cert(&cert)
            .map_err(|e| core.invalid(e.to_string()))?;
        let public_key = PublicKey::from_spki_der(&cert.spki_der)
            .map_err(|e| core.invalid(format!("unusable public key in certificate: {e}")))?;
        let id = IdentityIdentifier {
            msp_id: core.name.clone(),
            id: hex::encode(core.id_hash.digest(&[cert.der()])),
        };
        Ok(X509Identity {
            core: core.clone(),
            cert,
            id,
            public_key,
            ous: OnceLock::new(),
        })
    }

    /// The (sanitized) certificate.
    pub fn cert(&self) -> &Certificate {
        &self.cert
    }

    /// The identity's id, without a copy.
    pub(crate) fn id(&self) -> &IdentityIdentifier {
        &self.id
    }

    pub(crate) fn ous(&self) -> Vec<OuIdentifier> {
        self.ous
            .get_or_init(|| self.core.identity_ous(&self.cert))
            .clone()
    }
}

impl Identity for X509Identity {
    fn identifier(&self) -> IdentityIdentifier {
        self.id.clone()
    }

    fn msp_identifier(&self) -> &str {
        &self.id.msp_id
    }

    fn expires_at(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.cert.not_after).ok()?;
        Some(UNIX_EPOCH + Duration::from_secs(secs))
    }

    fn validate(&self) -> Result<(), MspError> {
        self.core.validate_identity_cached(self)
    }

    fn organizational_units(&self) -> Vec<OuIdentifier> {
        self.ous()
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError> {
        self.public_key
            .verify(self.core.signature_hash_family, message, signature)
            .map_err(|e| MspError::BadSignature(e.to_string()))
    }

    fn serialize(&self) -> Vec<u8> {
        SerializedIdentity {
            mspid: self.id.msp_id.clone(),
            id_bytes: self.cert.to_pem(),
        }
        .encode_to_vec()
    }

    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError> {
        self.core.satisfies_principal_cached(self, principal)
    }
}

/// An identity with its private key.
#[derive(Clone)]
pub struct X509SigningIdentity {
    identity: X509Identity,
    key: PrivateKey,
}

impl std::fmt::Debug for X509SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X509SigningIdentity")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl X509SigningIdentity {
    /// The signing identity of an MSP config: the public signer certificate and the private
    /// key with the certificate key's SKI from `key_store`, else the config's key material.
    pub(crate) fn from_config(
        core: &Arc<MspCore>,
        info: &SigningIdentityInfo,
        key_store: Option<&dyn KeyStore>,
    ) -> Result<Self, MspError> {
        let signing_err =
            |reason: String| MspError::Signing(format!("MSP {}: {reason}", core.name));
        let cert = Certificate::from_pem(&info.public_signer)
            .map_err(|e| signing_err(format!("signing certificate: {e}")))?;
        let identity = X509Identity::new(core, cert)?;
        let ski = identity.public_key.ski();
        let from_store = match key_store {
            Some(store) => store.get_key(&ski).map_err(|e| e.to_string()),
            None => Err("no key store configured".to_string()),
        };
        let key = match from_store {
            Ok(key) => key,
            Err(store_err) => {
                let material = info
                    .private_signer
                    .as_ref()
                    .map(|k| k.key_material.as_slice())
                    .filter(|m| !m.is_empty())
                    .ok_or_else(|| {
                        signing_err(format!(
                            "no private key for the signing certificate (SKI {}): {store_err}",
                            hex::encode(&ski)
                        ))
                    })?;
                PrivateKey::from_pem(material)
                    .map_err(|e| signing_err(format!("failed to import the EC private key: {e}")))?
            }
        };
        if key.public_key() != identity.public_key {
            return Err(signing_err(
                "the private key does not match the signing certificate".into(),
            ));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        if identity.cert.not_after < now {
            return Err(signing_err(format!(
                "signing identity expired {}s ago; renew the signing certificate",
                now - identity.cert.not_after
            )));
        }
        Ok(X509SigningIdentity { identity, key })
    }

    /// The public identity.
    pub fn identity(&self) -> &X509Identity {
        &self.identity
    }
}

impl Identity for X509SigningIdentity {
    fn identifier(&self) -> IdentityIdentifier {
        self.identity.identifier()
    }
    fn msp_identifier(&self) -> &str {
        self.identity.msp_identifier()
    }
    fn expires_at(&self) -> Option<SystemTime> {
        self.identity.expires_at()
    }
    fn validate(&self) -> Result<(), MspError> {
        self.identity.validate()
    }
    fn organizational_units(&self) -> Vec<OuIdentifier> {
        self.identity.organizational_units()
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError> {
        self.identity.verify(message, signature)
    }
    fn serialize(&self) -> Vec<u8> {
        self.identity.serialize()
    }
    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError> {
        self.identity.satisfies_principal(principal)
    }
}

impl SigningIdentity for X509SigningIdentity {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, MspError> {
        self.key
            .sign(self.identity.core.signature_hash_family, message)
            .map_err(|e| MspError::Signing(e.to_string()))
    }

    fn public(&self) -> Arc<dyn Identity> {
        Arc::new(self.identity.clone())
    }
}

/// Fabric's `IsWellFormed` for X.509 identities.
pub(crate) fn is_well_formed(sid: &SerializedIdentity) -> Result<(), MspError> {
    let malformed =
        |r: String| MspError::MalformedIdentity(format!("identity for MSP {}: {r}", sid.mspid));
    let (block, rest) = pem::decode(&sid.id_bytes)
        .ok_or_else(|| malformed("PEM decoding resulted in an empty block".into()))?;
    if !rest.is_empty() {
        return Err(malformed("trailing bytes after the PEM block".into()));
    }
    if block.label != "CERTIFICATE" && !block.label.is_empty() {
        return Err(malformed(format!(
            "pem type is {}, should be 'CERTIFICATE' or missing",
            block.label
        )));
    }
    let cert = Certificate::from_der(&block.contents).map_err(|e| malformed(e.to_string()))?;
    if cert.ecdsa_signed && !is_canonical_ecdsa_der(&cert.signature) {
        return Err(malformed(
            "the certificate has a non canonical signature".into(),
        ));
    }
    Ok(())
}

/// Whether `sig` is `SEQUENCE { INTEGER r, INTEGER s }` in minimal DER with r, s > 0.
fn is_canonical_ecdsa_der(sig: &[u8]) -> bool {
    fn header(b: &[u8]) -> Option<(usize, usize)> {
        let l = *b.get(1)? as usize;
        if l < 0x80 {
            return Some((2, l));
        }
        if l == 0x81 {
            let n = *b.get(2)? as usize;
            return (n >= 0x80).then_some((3, n));
        }
        None
    }
    fn positive_int(b: &[u8]) -> Option<usize> {
        if *b.first()? != 0x02 {
            return None;
        }
        let (h, l) = header(b)?;
        let v = b.get(h..h + l)?;
        let minimal = match v {
            [] => false,
            [0, next, ..] => *next >= 0x80,
            [first, ..] => *first < 0x80,
        };
        let nonzero = v.iter().any(|&x| x != 0);
        (minimal && nonzero).then_some(h + l)
    }
    let Some((h, l)) = (sig.first() == Some(&0x30)).then(|| header(sig)).flatten() else {
        return false;
    };
    if h + l != sig.len() {
        return false;
    }
    let body = &sig[h..];
    let Some(r_len) = positive_int(body) else {
        return false;
    };
    let Some(s_len) = positive_int(&body[r_len..]) else {
        return false;
    };
    r_len + s_len == body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_der_rules() {
        assert!(is_canonical_ecdsa_der(&[0x30, 6, 2, 1, 1, 2, 1, 1]));
        assert!(is_canonical_ecdsa_der(&[0x30, 7, 2, 2, 0, 0x80, 2, 1, 1]));
        assert!(!is_canonical_ecdsa_der(&[0x30, 7, 2, 2, 0, 0x01, 2, 1, 1]));
        assert!(!is_canonical_ecdsa_der(&[0x30, 6, 2, 1, 0x80, 2, 1, 1]));
        assert!(!is_canonical_ecdsa_der(&[0x30, 7, 2, 1, 1, 2, 1, 1, 0]));
        assert!(!is_canonical_ecdsa_der(&[0x30, 6, 2, 1, 0, 2, 1, 1]));
    }
}
