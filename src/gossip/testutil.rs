//! Fakes for the gossip layers' unit tests: a message crypto service whose signatures are
//! hashes over the signer's identity, a security advisor reading the organization from the
//! identity ("Org1MSP|peer0"), and a join channel message.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::api::{
    AnchorPeer, CryptoError, JoinChannelMessage, MessageCryptoService, SecurityAdvisor,
};
use super::common::{OrgId, PeerIdentity, PkiId};

pub(crate) fn identity(org: &str, name: &str) -> PeerIdentity {
    format!("{org}|{name}").into_bytes()
}

pub(crate) fn pki_of(identity: &[u8]) -> PkiId {
    PkiId(Sha256::digest(identity).to_vec())
}

fn sig(identity: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(identity);
    h.update(msg);
    h.finalize().to_vec()
}

/// Signs as `me`; refuses blocks whose data is `b"bad"`.
pub(crate) struct FakeMcs {
    pub(crate) me: PeerIdentity,
}

impl MessageCryptoService for FakeMcs {
    fn pki_id_of_cert(&self, identity: &[u8]) -> PkiId {
        pki_of(identity)
    }
    fn verify_block(&self, _channel: &str, _seq: u64, block: &[u8]) -> Result<(), CryptoError> {
        if block == b"bad" {
            return Err(CryptoError::Invalid("bad block".into()));
        }
        Ok(())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(sig(&self.me, msg))
    }
    fn verify(&self, identity: &[u8], signature: &[u8], msg: &[u8]) -> Result<(), CryptoError> {
        self.validate_identity(identity)?;
        if sig(identity, msg) == signature {
            Ok(())
        } else {
            Err(CryptoError::Invalid("signature mismatch".into()))
        }
    }
    fn verify_by_channel(
        &self,
        _ch: &str,
        identity: &[u8],
        signature: &[u8],
        msg: &[u8],
    ) -> Result<(), CryptoError> {
        self.verify(identity, signature, msg)
    }
    fn validate_identity(&self, identity: &[u8]) -> Result<(), CryptoError> {
        if identity.starts_with(b"Org") && identity.contains(&b'|') {
            Ok(())
        } else {
            Err(CryptoError::Invalid("unknown MSP".into()))
        }
    }
    fn expiration(&self, _identity: &[u8]) -> Result<Option<SystemTime>, CryptoError> {
        Ok(None)
    }
}

pub(crate) struct FakeSa;

impl SecurityAdvisor for FakeSa {
    fn org_by_peer_identity(&self, identity: &PeerIdentity) -> Option<OrgId> {
        let i = identity.iter().position(|b| *b == b'|')?;
        Some(identity[..i].to_vec())
    }
}

/// A channel's organizations and anchor peers.
#[derive(Default, Clone)]
pub(crate) struct JoinMsg {
    pub(crate) seq: u64,
    pub(crate) orgs: Vec<OrgId>,
    pub(crate) anchors: HashMap<OrgId, Vec<AnchorPeer>>,
}

impl JoinChannelMessage for JoinMsg {
    fn sequence_number(&self) -> u64 {
        self.seq
    }
    fn members(&self) -> Vec<OrgId> {
        self.orgs.clone()
    }
    fn anchor_peers_of(&self, org: &[u8]) -> Vec<AnchorPeer> {
        self.anchors.get(org).cloned().unwrap_or_default()
    }
}

/// Polls `cond` every 10 ms until it holds or `limit` passes; returns whether it held.
pub(crate) async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let until = tokio::time::Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if tokio::time::Instant::now() > until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
