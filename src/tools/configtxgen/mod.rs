//! `configtxgen`: builds genesis blocks, channel creation transactions and anchor peer
//! updates from configtx.yaml, exactly as Fabric v1.4's configtxgen does.
//!
//! [`localconfig`] is the configtx.yaml model and loader, [`encoder`] turns a profile into
//! config groups and envelopes, [`cmd`] is the command line (Go `flag` syntax).

pub mod cmd;
pub mod encoder;
pub mod localconfig;

/// What went wrong in configtxgen. Each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigtxgenError {
    /// configtx.yaml was not found.
    #[error("could not find configtx.yaml ({0}); make sure that FABRIC_CFG_PATH or -configPath is set to a path which contains configtx.yaml")]
    ConfigNotFound(String),
    /// The named profile is not in configtx.yaml.
    #[error("could not find profile: {0}; make sure that FABRIC_CFG_PATH or -configPath is set to a path which contains configtx.yaml with the specified profile")]
    ProfileNotFound(String),
    /// configtx.yaml (or what it points to) is wrong.
    #[error("{0}")]
    Config(String),
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// An operation failed (`Error on outputBlock: ...`).
    #[error("Error on {operation}: {reason}")]
    Operation {
        operation: &'static str,
        reason: String,
    },
}
