//! Config transactions (Fabric's `common/configtx`): the flat map view of a config tree,
//! the [`Validator`] that authorizes a CONFIG_UPDATE against the current config and yields
//! the next config. The read/write set between two configs is computed where Fabric puts it,
//! in configtxlator: [`crate::tools::configtxlator::compute_update`].

mod configmap;
mod ids;
mod validator;

pub use configmap::{config_map_to_config, map_config, Comparable, ConfigElement};
pub use ids::{validate_channel_id, validate_config_id};
pub use validator::Validator;

/// What went wrong with a config transaction. Each message is one line naming the element
/// (by its config map path, e.g. `[Group]  /Channel/Application/Org1MSP`) that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigtxError {
    /// A channel or config id breaks Fabric's naming rules.
    #[error("{0}")]
    BadId(String),
    /// The envelope is not a well-formed CONFIG_UPDATE.
    #[error("error converting envelope to config update: {0}")]
    Envelope(String),
    /// The update names another channel.
    #[error("ConfigUpdate for channel '{update}' but envelope for channel '{channel}'")]
    WrongChannel { update: String, channel: String },
    /// A read set element does not match the current config.
    #[error("error validating ReadSet: {0}")]
    ReadSet(String),
    /// A write set element is not a valid change, or its mod_policy is not satisfied.
    #[error("error validating DeltaSet: {0}")]
    DeltaSet(String),
    /// The config tree (or its flat map) is inconsistent.
    #[error("{0}")]
    Structure(String),
    /// The resulting config does not match the one supplied.
    #[error("{0}")]
    Mismatch(String),
}
