//! The orderer's channels (Fabric's `multichannel`): the [`Registrar`] bootstraps the system
//! channel from the genesis block, reopens every channel found in the ledger folder, and
//! routes each broadcast message to its channel's [`ChainSupport`] (config, ledger, block
//! writer and consenter chain of one channel).

mod chainsupport;
mod registrar;

pub use chainsupport::{ChainSupport, ChannelCreator, ChannelMetrics};
pub use registrar::{genesis_block, genesis_channel_id, Registrar, RouteError, Routed};

use super::blockwriter::BlockWriterError;
use super::consensus::ChainError;
use super::ledger::LedgerError;

/// Why channels could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RegistrarError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Writer(#[from] BlockWriterError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A config block or its config is malformed.
    #[error("channel {channel}: {reason}")]
    Config { channel: String, reason: String },
    /// No system channel and no genesis block to create one from.
    #[error("no system channel ledger exists and no genesis block was given; set General.GenesisMethod to file and General.GenesisFile to the genesis block")]
    NoSystemChannel,
}
