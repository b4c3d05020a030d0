//! Types every gossip layer shares (Fabric's `gossip/common` and `discovery.NetworkMember`).

use std::fmt;

use crate::protos::gossip::{Envelope, Properties};

/// A peer's PKI-ID: the SHA-256 of its MSP ID followed by its certificate bytes (Fabric's
/// `GetPKIidOfCert`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PkiId(pub Vec<u8>);

impl PkiId {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for PkiId {
    /// Hex, as Fabric logs a PKI-ID.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PkiId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<Vec<u8>> for PkiId {
    fn from(v: Vec<u8>) -> Self {
        PkiId(v)
    }
}

/// A serialized identity (`msp.SerializedIdentity` bytes), Fabric's `api.PeerIdentityType`.
pub type PeerIdentity = Vec<u8>;

/// An MSP ID as bytes, Fabric's `api.OrgIdentityType`.
pub type OrgId = Vec<u8>;

/// A channel name as bytes, Fabric's `common.ChainID`.
pub type ChainId = Vec<u8>;

/// A peer known to membership (Fabric's `discovery.NetworkMember`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkMember {
    /// The external endpoint (empty: not announced outside its organization).
    pub endpoint: String,
    pub metadata: Vec<u8>,
    pub pki_id: PkiId,
    /// The endpoint announced inside its organization (from the alive message's secret).
    pub internal_endpoint: String,
    /// Per-channel properties (ledger height, chaincodes) when taken from a state info.
    pub properties: Option<Properties>,
    /// The alive message this member was learned from.
    pub envelope: Option<Envelope>,
}

impl NetworkMember {
    /// The internal endpoint when known, else the external one.
    pub fn preferred_endpoint(&self) -> &str {
        if self.internal_endpoint.is_empty() {
            &self.endpoint
        } else {
            &self.internal_endpoint
        }
    }
}

/// A peer's identity and organization (Fabric's `api.PeerIdentityInfo`).
#[derive(Clone, Debug, PartialEq)]
pub struct PeerIdentityInfo {
    pub pki_id: PkiId,
    pub identity: PeerIdentity,
    pub organization: OrgId,
}
