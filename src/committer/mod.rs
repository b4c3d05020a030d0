//! The committer (Fabric's `core/committer`): validates a block's transactions and commits it
//! to the channel ledger.
//!
//! [`LedgerCommitter::store_block`] is the pipeline a block delivered by the orderer goes
//! through: [`txvalidator::TxValidator`] writes the TRANSACTIONS_FILTER, the ledger commits
//! (running MVCC, which may invalidate more transactions, and writing the final filter and
//! the commit hash), and a committed config block replaces the channel's config bundle.

pub mod txvalidator;

#[cfg(test)]
pub(crate) mod testutil;

use crate::ledger::{CommitResult, LedgerError};
use crate::peer::Channel;
use crate::protos::common::Block;

pub use txvalidator::{BlockValidation, TxValidator, TxValidatorError};

/// Why a block could not be stored. The channel's ledger and config are unchanged.
#[derive(Debug, thiserror::Error)]
pub enum CommitterError {
    #[error("block {block_number} of channel {channel_id} failed validation: {source}")]
    Validation {
        channel_id: String,
        block_number: u64,
        #[source]
        source: TxValidatorError,
    },
    #[error("block {block_number} of channel {channel_id} could not be committed: {source}")]
    Commit {
        channel_id: String,
        block_number: u64,
        #[source]
        source: LedgerError,
    },
}

/// Validates and commits blocks (Fabric's `LedgerCommitter` with the gossip coordinator's
/// validate-then-commit step).
#[derive(Debug, Clone, Default)]
pub struct LedgerCommitter {
    validator: TxValidator,
}

impl LedgerCommitter {
    pub fn new(validator: TxValidator) -> Self {
        LedgerCommitter { validator }
    }

    pub fn validator(&self) -> &TxValidator {
        &self.validator
    }

    /// Validates `block` against the channel's current config and ledger, commits it, and
    /// installs the new config a valid config transaction carried. Returns the final
    /// validation codes (after MVCC).
    pub fn store_block(
        &self,
        channel: &Channel,
        mut block: Block,
    ) -> Result<CommitResult, CommitterError> {
        let block_number = block.header.as_ref().map_or(0, |h| h.number);
        let bundle = channel.bundle();
        let validation = self
            .validator
            .validate(channel.ledger().as_ref(), &bundle, &mut block)
            .map_err(|source| CommitterError::Validation {
                channel_id: channel.id().to_string(),
                block_number,
                source,
            })?;
        let result = channel
            .ledger()
            .commit(block)
            .map_err(|source| CommitterError::Commit {
                channel_id: channel.id().to_string(),
                block_number,
                source,
            })?;
        if let Some(config) = validation.new_config {
            tracing::info!(target: "committer", "[{}] config block {block_number} committed, channel config now at sequence {}", channel.id(), config.sequence());
            channel.set_bundle(config);
        }
        Ok(result)
    }
}
