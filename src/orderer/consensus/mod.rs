//! Consenters (Fabric's `orderer/consensus`): a [`Consenter`] makes the [`Chain`] of a
//! channel; a chain takes messages already checked by broadcast ([`Chain::order`],
//! [`Chain::configure`]), puts them in order, cuts them into blocks and writes them through
//! its [`ConsenterSupport`]. [`solo`] is the single-node consenter; Raft fits behind the
//! same traits.
//!
//! A chain's work (cutting, signing, the ledger append and its fsync) runs on a thread of
//! its own; [`Chain::order`] and [`Chain::configure`] wait for room in its bounded queue,
//! so a client that broadcasts faster than the chain writes is slowed down.

pub mod solo;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::blockwriter::BlockWriterError;
use crate::protos::common::{Block, Envelope};
use crate::protos::orderer::BatchSize;

/// Why a chain refused a message or stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChainError {
    /// The chain was halted (the orderer is shutting down).
    #[error("chain {0} is not running (halted); retry on another orderer or after restart")]
    Halted(String),
    /// The chain stopped because a block could not be written.
    #[error("chain {channel} halted: a block could not be written")]
    Failed {
        channel: String,
        #[source]
        source: Arc<SupportError>,
    },
    /// The chain's thread could not be started.
    #[error("chain {channel} could not start its thread")]
    Spawn {
        channel: String,
        #[source]
        source: Arc<std::io::Error>,
    },
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
    /// A message no longer passes the channel's filters (its config changed meanwhile).
    #[error(transparent)]
    Process(#[from] crate::orderer::msgprocessor::ProcessError),
    /// A channel creation could not set up the new channel.
    #[error("the new channel could not be created")]
    CreateChannel(#[source] Box<crate::orderer::multichannel::RegistrarError>),
    /// A block could not be written.
    #[error(transparent)]
    Write(#[from] BlockWriterError),
}

pub use crate::flogging::with_causes;

/// What [`Chain::order`] and [`Chain::configure`] return: resolves once the message is in
/// the chain's queue (after waiting for room), or with why the chain refuses it.
pub type Enqueue<'a> = Pin<Box<dyn Future<Output = Result<(), ChainError>> + Send + 'a>>;

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
    /// The channel's block cutter (Fabric's `BlockCutter()`), counted in the node's
    /// metrics when the support has them.
    fn block_cutter(&self) -> crate::orderer::blockcutter::Receiver {
        crate::orderer::blockcutter::Receiver::new()
    }
}

/// One channel's ordering service.
pub trait Chain: Send + Sync {
    /// Accepts a normal message validated at config sequence `config_seq`, waiting for
    /// room in the chain's queue.
    fn order(&self, env: Envelope, config_seq: u64) -> Enqueue<'_>;
    /// Accepts a config message (its own block) validated at `config_seq`, waiting for room.
    fn configure(&self, config: Envelope, config_seq: u64) -> Enqueue<'_>;
    /// Turns `true` once the chain has stopped (halted or failed).
    fn errored(&self) -> watch::Receiver<bool>;
    /// Starts processing (on a thread of the chain's own).
    fn start(&self) -> Result<(), ChainError>;
    /// Stops processing: later messages are refused, the messages already queued are
    /// ordered, and the chain ends ([`Chain::errored`] turns `true`).
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
