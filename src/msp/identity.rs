//! The identity contracts of Fabric's `msp` package (`Identity`, `SigningIdentity`,
//! `IdentityDeserializer`), in Rust. Policies, the endorser and the committer depend on these
//! traits only, so they can be tested with any identity source.

use std::sync::Arc;
use std::time::SystemTime;

use crate::protos::common::MspPrincipal;

/// What went wrong while loading, deserializing, validating or using an identity.
/// Each message is one line a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MspError {
    #[error("cannot read MSP folder {path}: {reason}")]
    Folder { path: String, reason: String },
    #[error("invalid MSP configuration for {msp_id}: {reason}")]
    Config { msp_id: String, reason: String },
    #[error("malformed serialized identity: {0}")]
    MalformedIdentity(String),
    #[error("identity belongs to MSP {got}, but MSP {expected} was asked to deserialize it")]
    WrongMsp { expected: String, got: String },
    #[error("MSP {0} is unknown to this channel or peer")]
    UnknownMsp(String),
    #[error("identity is not valid for MSP {msp_id}: {reason}")]
    InvalidIdentity { msp_id: String, reason: String },
    #[error("signature verification failed: {0}")]
    BadSignature(String),
    #[error("identity does not satisfy principal: {0}")]
    PrincipalNotSatisfied(String),
    #[error("cannot sign: {0}")]
    Signing(String),
}

/// Names an identity inside its MSP: the MSP id and a per-MSP unique id
/// (for X.509 identities, the hex SHA-256 of the certificate's DER bytes, as Fabric does).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityIdentifier {
    pub msp_id: String,
    pub id: String,
}

/// An organizational unit an identity belongs to, qualified by the certifiers that
/// vouch for it (the hash of the issuing CA chain), as in Fabric's `OUIdentifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OuIdentifier {
    pub certifiers_identifier: Vec<u8>,
    pub organizational_unit_identifier: String,
}

/// A public identity: can be validated against its MSP, verify signatures, and be checked
/// against an MSP principal.
pub trait Identity: Send + Sync + std::fmt::Debug {
    /// The identity's id within its MSP.
    fn identifier(&self) -> IdentityIdentifier;
    /// The id of the MSP that issued this identity (`Org1MSP`).
    fn msp_identifier(&self) -> &str;
    /// When the identity stops being valid (`None` when it never expires).
    fn expires_at(&self) -> Option<SystemTime>;
    /// Checks the identity against its MSP: chain to a root, revocation, OUs, NodeOU role.
    fn validate(&self) -> Result<(), MspError>;
    /// The organizational units the identity carries.
    fn organizational_units(&self) -> Vec<OuIdentifier>;
    /// Verifies `signature` over `message` with this identity's public key, hashing with
    /// the MSP's hash family as Fabric does.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError>;
    /// The `msp.SerializedIdentity` protobuf bytes (MSP id and PEM certificate).
    fn serialize(&self) -> Vec<u8>;
    /// Checks that this identity satisfies `principal` (role, OU, identity, combined...).
    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError>;
}

/// An identity that holds a private key and can sign.
pub trait SigningIdentity: Identity {
    /// Signs `message` (hashing it with the MSP's hash family); signatures are low-S.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, MspError>;
    /// The public half of this identity.
    fn public(&self) -> Arc<dyn Identity>;
}

/// Turns `msp.SerializedIdentity` bytes into an identity of a known MSP.
pub trait IdentityDeserializer: Send + Sync {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Arc<dyn Identity>, MspError>;
}
