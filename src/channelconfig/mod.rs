//! The channel configuration as a typed, immutable bundle (Fabric's `common/channelconfig`).
//!
//! [`Bundle::new`] reads a `common.Config`: the channel values ([`ChannelConfig`]), the
//! orderer section ([`OrdererConfig`]), the application section ([`ApplicationConfig`]), the
//! consortiums of a system channel ([`ConsortiumsConfig`]), the channel's MSP manager (MSP
//! version chosen by the channel capabilities), its policy manager and the configtx
//! [`Validator`](crate::configtx::Validator) for updates. [`values`] holds the constructors of
//! each standard config value (what configtxgen writes).

mod application;
mod bundle;
mod capabilities;
mod channel;
mod consortiums;
mod orderer;
mod organization;
pub mod values;

pub use application::{ApplicationConfig, ApplicationOrg};
pub use bundle::Bundle;
pub use capabilities::{ApplicationCapabilities, ChannelCapabilities, OrdererCapabilities};
pub use channel::{ChannelConfig, HashingAlgorithm};
pub use consortiums::{ConsortiumConfig, ConsortiumsConfig};
pub use orderer::{OrdererConfig, OrdererOrg};
pub use organization::Organization;

use crate::configtx::ConfigtxError;
use crate::msp::MspError;
use crate::policy::PolicyError;

/// The name of a channel config's root group.
pub const ROOT_GROUP_KEY: &str = "Channel";
/// The orderer section.
pub const ORDERER_GROUP_KEY: &str = "Orderer";
/// The application section.
pub const APPLICATION_GROUP_KEY: &str = "Application";
/// The consortiums section (system channel only).
pub const CONSORTIUMS_GROUP_KEY: &str = "Consortiums";

/// The policy every group's elements are modified under by default.
pub const ADMINS_POLICY_KEY: &str = "Admins";
/// The readers policy of a group.
pub const READERS_POLICY_KEY: &str = "Readers";
/// The writers policy of a group.
pub const WRITERS_POLICY_KEY: &str = "Writers";

/// What is wrong with a channel config. Each message is one line naming the config path.
#[derive(Debug, thiserror::Error)]
pub enum ChannelConfigError {
    /// The config or one of its elements is malformed or has a value Fabric refuses.
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
    /// A required capability this implementation does not support.
    #[error("{kind} capability {name} is required but not supported; upgrade this node to a release that supports it")]
    UnsupportedCapability { kind: &'static str, name: String },
    /// An organization's MSP could not be set up.
    #[error("{path}: MSP setup failed: {source}")]
    Msp {
        path: String,
        #[source]
        source: MspError,
    },
    /// A policy of the config did not compile.
    #[error("initializing policymanager failed: {0}")]
    Policy(#[from] PolicyError),
    /// The config tree cannot be validated against (bad channel id, bad element names).
    #[error("initializing configtx manager failed: {0}")]
    Configtx(#[from] ConfigtxError),
}

impl ChannelConfigError {
    pub(crate) fn invalid(path: &str, reason: impl Into<String>) -> Self {
        ChannelConfigError::Invalid {
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}
