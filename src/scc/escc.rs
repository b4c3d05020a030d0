//! The default endorsement (Fabric's builtin `escc`, `core/handlers/endorsement/builtin`):
//! the peer signs the proposal response payload followed by its own serialized identity.

use std::sync::Arc;

use crate::msp::{MspError, SigningIdentity};
use crate::protos::peer::Endorsement;

/// Fabric's `DefaultEndorsement`, signing with the peer's local identity.
#[derive(Clone)]
pub struct DefaultEndorsement {
    signer: Arc<dyn SigningIdentity>,
    own: Option<Arc<OwnEndorsements>>,
}

impl DefaultEndorsement {
    pub fn new(signer: Arc<dyn SigningIdentity>) -> Self {
        DefaultEndorsement { signer, own: None }
    }

    /// Also notes every signature in `own`, for this peer's committer.
    pub fn remembering(mut self, own: Arc<OwnEndorsements>) -> Self {
        self.own = Some(own);
        self
    }

    /// The endorsement of `prp_bytes` (a marshalled ProposalResponsePayload): the signature
    /// over `prp_bytes ‖ endorser` and the endorser's serialized identity.
    pub fn endorse(&self, prp_bytes: &[u8]) -> Result<Endorsement, MspError> {
        let endorser = self.signer.serialize();
        let mut message = Vec::with_capacity(prp_bytes.len() + endorser.len());
        message.extend_from_slice(prp_bytes);
        message.extend_from_slice(&endorser);
        let signature = self.signer.sign(&message)?;
        if let Some(own) = &self.own {
            own.record(&message, &signature);
        }
        Ok(Endorsement {
            endorser,
            signature,
        })
    }
}

/// What this peer's escc signed lately: the SHA-256 of each signed message (proposal
/// response payload ‖ endorser) with its signature, at most `capacity` of them (oldest
/// forgotten first). The committer trusts an endorsement found here without verifying it
/// again: this peer made that signature over exactly those bytes.
pub struct OwnEndorsements {
    capacity: usize,
    /// The serialized identity escc signs as; only endorsements by it are looked up.
    endorser: Vec<u8>,
    signed: std::sync::Mutex<OwnSigned>,
}

#[derive(Default)]
struct OwnSigned {
    by_hash: std::collections::HashMap<[u8; 32], Vec<u8>>,
    order: std::collections::VecDeque<[u8; 32]>,
}

fn digest(message: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(message).into()
}

impl OwnEndorsements {
    /// Fabric keeps no such cache; 10 000 endorsements cover many blocks' worth.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    pub fn new(endorser: Vec<u8>, capacity: usize) -> Self {
        OwnEndorsements {
            capacity: capacity.max(1),
            endorser,
            signed: Default::default(),
        }
    }

    /// Notes that `signature` is this peer's over `message`.
    pub fn record(&self, message: &[u8], signature: &[u8]) {
        let hash = digest(message);
        let mut signed = self.signed.lock().unwrap_or_else(|e| e.into_inner());
        if signed.by_hash.insert(hash, signature.to_vec()).is_none() {
            signed.order.push_back(hash);
        }
        while signed.order.len() > self.capacity {
            if let Some(old) = signed.order.pop_front() {
                signed.by_hash.remove(&old);
            }
        }
    }

    /// Whether this peer signed `message` with exactly `signature`.
    pub fn signed(&self, message: &[u8], signature: &[u8]) -> bool {
        if !message.ends_with(&self.endorser) {
            return false;
        }
        let hash = digest(message);
        let signed = self.signed.lock().unwrap_or_else(|e| e.into_inner());
        signed
            .by_hash
            .get(&hash)
            .is_some_and(|s| s.as_slice() == signature)
    }

    pub fn len(&self) -> usize {
        self.signed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .order
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Deserializes identities whose signatures are first looked up in [`OwnEndorsements`].
pub struct TrustOwnEndorsements {
    pub inner: Arc<dyn crate::msp::IdentityDeserializer>,
    pub own: Arc<OwnEndorsements>,
}

impl crate::msp::IdentityDeserializer for TrustOwnEndorsements {
    fn deserialize_identity(
        &self,
        serialized: &[u8],
    ) -> Result<Arc<dyn crate::msp::Identity>, MspError> {
        let identity = self.inner.deserialize_identity(serialized)?;
        if serialized != self.own.endorser.as_slice() {
            return Ok(identity);
        }
        Ok(Arc::new(OwnIdentity {
            inner: identity,
            own: self.own.clone(),
        }))
    }
}

/// This peer's identity as the committer sees it: signatures escc made are known good.
#[derive(Debug)]
struct OwnIdentity {
    inner: Arc<dyn crate::msp::Identity>,
    own: Arc<OwnEndorsements>,
}

impl std::fmt::Debug for OwnEndorsements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnEndorsements")
            .field("len", &self.len())
            .finish()
    }
}

impl crate::msp::Identity for OwnIdentity {
    fn identifier(&self) -> crate::msp::IdentityIdentifier {
        self.inner.identifier()
    }
    fn msp_identifier(&self) -> &str {
        self.inner.msp_identifier()
    }
    fn expires_at(&self) -> Option<std::time::SystemTime> {
        self.inner.expires_at()
    }
    fn validate(&self) -> Result<(), MspError> {
        self.inner.validate()
    }
    fn organizational_units(&self) -> Vec<crate::msp::OuIdentifier> {
        self.inner.organizational_units()
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError> {
        if self.own.signed(message, signature) {
            return Ok(());
        }
        self.inner.verify(message, signature)
    }
    fn serialize(&self) -> Vec<u8> {
        self.inner.serialize()
    }
    fn satisfies_principal(
        &self,
        principal: &crate::protos::common::MspPrincipal,
    ) -> Result<(), MspError> {
        self.inner.satisfies_principal(principal)
    }
}
