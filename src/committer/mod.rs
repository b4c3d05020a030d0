//! The committer (Fabric's `core/committer`): validates a block's transactions and commits it
//! to the channel ledger.
//!
//! [`LedgerCommitter::store_block`] is the pipeline a block delivered by the orderer goes
//! through: [`txvalidator::TxValidator`] writes the TRANSACTIONS_FILTER, the ledger commits
//! (running MVCC, which may invalidate more transactions, and writing the final filter and
//! the commit hash), and a committed config block replaces the channel's config bundle.
//! In a running peer each channel's blocks go through a [`actor::ChannelCommitter`], which
//! does the same on its own thread and overlaps a block's commit with the next block's
//! validation; transactions are validated on one [`ValidationPool`] per peer.

pub mod actor;
mod pool;
pub mod txvalidator;

#[cfg(test)]
pub(crate) mod testutil;

use crate::ledger::{CommitResult, LedgerError};
use crate::peer::Channel;
use crate::protos::common::Block;

pub use pool::ValidationPool;
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
    #[error("the channel's committer has stopped")]
    Stopped,
    #[error("cannot start the channel's committer thread: {0}")]
    Thread(#[source] std::io::Error),
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
            .validate(channel.ledger().clone(), bundle, &mut block)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::committer::testutil::{block_of, FakeLedger, Network};
    use crate::protos::peer::TxValidationCode;

    #[test]
    fn a_config_block_replaces_the_bundle_after_commit_and_a_stale_one_stops() {
        let net = Network::new("V1_4_2");
        let ledger = Arc::new(FakeLedger::default());
        let channel = Channel::new("mychannel".into(), ledger.clone(), net.bundle());
        let committer = LedgerCommitter::new(TxValidator::new(2));
        let config_tx = net.anchor_peer_config_tx(&channel.bundle());

        let result = committer
            .store_block(&channel, block_of(1, std::slice::from_ref(&config_tx)))
            .unwrap();
        assert_eq!(result.block_number, 1);
        assert_eq!(result.tx_validation_codes, [TxValidationCode::Valid]);
        assert_eq!(channel.bundle().sequence(), 1);
        let bundle = channel.bundle();
        let org1 = &bundle.application_config().unwrap().organizations()["Org1MSP"];
        assert_eq!(org1.anchor_peers().len(), 1);
        assert_eq!(ledger.committed.lock().unwrap().len(), 1);

        // the same update again is not the next config: the block is refused whole
        let err = committer
            .store_block(&channel, block_of(2, &[config_tx]))
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "block 2 of channel mychannel failed validation: error validating config"
            ),
            "{err}"
        );
        assert_eq!(channel.bundle().sequence(), 1);
        assert_eq!(ledger.committed.lock().unwrap().len(), 1);
    }
}
