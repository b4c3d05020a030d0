//! Consenters (Fabric's `orderer/consensus`): a [`Consenter`] makes the [`Chain`] of a
//! channel; a chain takes messages already checked by broadcast ([`Chain::order`],
//! [`Chain::configure`]), puts them in order, cuts them into blocks and writes them through
//! its [`ConsenterSupport`]. [`solo`] is the single-node consenter; Raft fits behind the
//! same traits.

pub mod solo;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::blockwriter::BlockWriterError;
use crate::protos::common::{Block, Envelope};
use crate::protos::orderer::BatchSize;

/// Why a chain refused a message or stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChainError {
    /// The chain was halted (the orderer is shutting down or the chain failed).
    #[error("chain {0} is not running (halted); retry on another orderer or after restart")]
    Halted(String),
    /// The consensus type is not one this orderer implements.
    #[error("consensus type {0:?} is not supported by this orderer (only \"solo\" is)")]
    Unsupported(String),
}

/// Why re-validating or writing inside a chain failed.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    /// A message no longer passes the channel's filters (its config changed meanwhile).
    #[error("{0}")]
    Rejected(String),
    /// A block could not be written.
    #[error(transparent)]
    Write(#[from] BlockWriterError),
}

/// What a chain needs from the rest of the orderer for its channel (Fabric's
/// `consensus.ConsenterSupport`): the current batch settings and config sequence,
/// re-validation of messages ordered under an older config, and the block writer.
pub trait ConsenterSupport: Send + Sync {
    /// The channel's id.
    fn channel_id(&self) -> String;
    /// `Orderer/BatchSize` of the current config.
    fn batch_size(&self) -> BatchSize;
    /// `Orderer/BatchTimeout` of the current config.
    fn batch_timeout(&self) -> Duration;
    /// The current config sequence.
    fn sequence(&self) -> u64;
    /// Re-checks a normal message validated under an older config.
    fn process_normal_msg(&self, env: &Envelope) -> Result<(), SupportError>;
    /// Re-checks a config message validated under an older config, giving the config
    /// envelope to order now.
    fn process_config_msg(&self, env: &Envelope) -> Result<Envelope, SupportError>;
    /// The next block holding `messages`.
    fn create_next_block(&self, messages: &[Envelope]) -> Block;
    /// Signs and appends a block of normal messages.
    fn write_block(&self, block: Block) -> Result<(), SupportError>;
    /// Applies the config a block carries, then signs and appends it.
    fn write_config_block(&self, block: Block) -> Result<(), SupportError>;
}

/// One channel's ordering service.
pub trait Chain: Send + Sync {
    /// Accepts a normal message validated at config sequence `config_seq`.
    fn order(&self, env: Envelope, config_seq: u64) -> Result<(), ChainError>;
    /// Accepts a config message (its own block) validated at `config_seq`.
    fn configure(&self, config: Envelope, config_seq: u64) -> Result<(), ChainError>;
    /// Turns `true` once the chain has stopped (halted or failed).
    fn errored(&self) -> watch::Receiver<bool>;
    /// Starts processing.
    fn start(&self);
    /// Stops processing; later messages are refused.
    fn halt(&self);
}

/// Makes the chain of a channel (Fabric's `consensus.Consenter`).
pub trait Consenter: Send + Sync {
    /// A chain over `support`; `metadata` is the ORDERER metadata of the channel's last block.
    fn handle_chain(
        &self,
        support: Arc<dyn ConsenterSupport>,
        metadata: &[u8],
    ) -> Result<Arc<dyn Chain>, ChainError>;
}
