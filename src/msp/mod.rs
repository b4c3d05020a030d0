//! Membership service providers: identities from X.509 MSP folders, their validation
//! (chains, CRLs, OUs, NodeOUs), principals, deserializers and the per-channel MSP manager.
//!
//! [`identity`] holds the contracts the rest of the house codes against (policies, the
//! endorser, the committer); the Fabric X.509 MSP implements them.

pub mod cert;
pub mod chain;
pub mod config;
pub mod crl;
pub mod identity;
pub mod pem;

pub use identity::{
    Identity, IdentityDeserializer, IdentityIdentifier, MspError, OuIdentifier, SigningIdentity,
};
