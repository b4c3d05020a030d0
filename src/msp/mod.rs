//! Membership service providers: identities from X.509 MSP folders, their validation
//! (chains, CRLs, OUs, NodeOUs), principals, deserializers and the per-channel MSP manager.
//!
//! [`identity`] holds the contracts the rest of the house codes against (policies, the
//! endorser, the committer); the Fabric X.509 MSP ([`X509Msp`], Fabric's `bccspmsp`)
//! implements them. [`config`] turns an MSP folder into the `msp.MSPConfig` Fabric builds,
//! [`mgmt`] loads a node's local MSP and [`manager`] holds a channel's MSPs.

mod bccspmsp;
mod cache;
pub mod cert;
pub mod chain;
pub mod config;
pub mod crl;
pub mod identity;
pub mod manager;
pub mod mgmt;
pub mod pem;
mod principal;
mod setup;
mod validate;
mod x509identity;

pub use bccspmsp::{MspVersion, X509Msp};
pub use identity::{
    Identity, IdentityDeserializer, IdentityIdentifier, MspError, OuIdentifier, SigningIdentity,
};
pub use manager::MspManager;
pub use mgmt::load_local_msp;
pub use x509identity::{X509Identity, X509SigningIdentity};
