//! Creating, signing and writing a channel's next block (Fabric's `multichannel.BlockWriter`).
//!
//! A block's header carries the next number, the header hash of the previous block and the
//! hash of its data. Before it is appended the orderer fills two metadata slots:
//! - SIGNATURES: `Metadata{value: OrdererBlockMetadata{last_config, consenter_metadata},
//!   signatures: [one by the orderer]}`, the signature over value ‖ signature header ‖ the
//!   ASN.1 block header;
//! - LAST_CONFIG: `Metadata{value: LastConfig{index}}`, unsigned (v1.4.12 signs only the
//!   SIGNATURES slot).
//!
//! A block that carries a new channel config (a CONFIG transaction) becomes the last config
//! block; a system channel block that creates a channel (ORDERER_TRANSACTION) does not.

use std::sync::Arc;
use std::time::Instant;

use prost::Message;

use super::ledger::{last_block, LedgerError, LedgerRef};
use crate::msp::{MspError, SigningIdentity};
use crate::operations::fabric::{LEDGER_BLOCKCHAIN_HEIGHT, LEDGER_BLOCKSTORAGE_COMMIT_TIME};
use crate::operations::metrics::{Gauge, Histogram, Metrics};
use crate::protos::common::{
    Block, BlockData, BlockHeader, BlockMetadataIndex, Envelope, LastConfig, Metadata,
    MetadataSignature, OrdererBlockMetadata, SignatureHeader,
};
use crate::protoutil::{
    block_data_hash, block_header_bytes, block_header_hash, create_nonce, new_block,
};

/// Metadata slots of a v1.4.12 block: one per `BlockMetadataIndex` value (SIGNATURES,
/// LAST_CONFIG, TRANSACTIONS_FILTER, ORDERER, COMMIT_HASH), as Fabric's `NewBlock` allocates.
pub const BLOCK_METADATA_SLOTS: usize = 5;

/// Why a block could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BlockWriterError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("could not sign block {number}: {source}")]
    Sign {
        number: u64,
        #[source]
        source: MspError,
    },
    #[error("the ledger of channel {0} is empty; it must start with a genesis block")]
    EmptyLedger(String),
    #[error("block {number} has malformed {slot} metadata: {reason}")]
    Metadata {
        number: u64,
        slot: &'static str,
        reason: String,
    },
}

/// Writes the blocks of one channel on top of its ledger.
pub struct BlockWriter {
    channel_id: String,
    ledger: LedgerRef,
    signer: Arc<dyn SigningIdentity>,
    tip: BlockHeader,
    last_config_block: u64,
    metrics: Option<LedgerMetrics>,
}

/// The orderer's block storage metrics, as Fabric's blkstorage stats count them for its
/// file ledger: the height of each channel's chain and the time a block append took.
#[derive(Clone)]
pub struct LedgerMetrics {
    height: Gauge,
    commit_time: Histogram,
}

impl LedgerMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        LedgerMetrics {
            height: metrics.gauge(LEDGER_BLOCKCHAIN_HEIGHT),
            commit_time: metrics.histogram(LEDGER_BLOCKSTORAGE_COMMIT_TIME),
        }
    }

    /// Sets a channel's `ledger_blockchain_height`.
    pub fn set_height(&self, channel: &str, height: u64) {
        self.height.set(&[channel], height as f64);
    }
}

impl BlockWriter {
    /// Counts each written block in `metrics` (block storage commit time and height).
    pub fn with_metrics(mut self, metrics: LedgerMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// A writer continuing the chain in `ledger` (which holds at least the genesis block),
    /// signing with the orderer's local signing identity.
    pub fn new(
        channel_id: &str,
        ledger: LedgerRef,
        signer: Arc<dyn SigningIdentity>,
    ) -> Result<Self, BlockWriterError> {
        let tip = last_block(ledger.as_ref())?
            .ok_or_else(|| BlockWriterError::EmptyLedger(channel_id.to_string()))?;
        let header = tip.header.clone().unwrap_or_default();
        let last_config_block = if header.number == 0 {
            0
        } else {
            last_config_index(&tip)?
        };
        tracing::debug!(target: "orderer.commmon.multichannel",
            "[channel: {channel_id}] Creating block writer for tip of chain (blockNumber={}, lastConfigBlockNum={last_config_block})",
            header.number);
        Ok(BlockWriter {
            channel_id: channel_id.to_string(),
            ledger,
            signer,
            tip: header,
            metrics: None,
            last_config_block,
        })
    }

    /// The channel this writer writes.
    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The number of the last block that carried a config.
    pub fn last_config_block(&self) -> u64 {
        self.last_config_block
    }

    /// The number the next block will get.
    pub fn next_number(&self) -> u64 {
        self.tip.number + 1
    }

    /// The next block holding `messages`, chained to the tip, not yet signed or written.
    pub fn create_next_block(&self, messages: &[Envelope]) -> Block {
        let data = BlockData {
            data: messages.iter().map(Message::encode_to_vec).collect(),
        };
        let mut block = new_block(self.tip.number + 1, block_header_hash(&self.tip));
        if let Some(h) = block.header.as_mut() {
            h.data_hash = block_data_hash(&data);
        }
        block.data = Some(data);
        if let Some(m) = block.metadata.as_mut() {
            m.metadata.resize(BLOCK_METADATA_SLOTS, Vec::new());
        }
        block
    }

    /// Fills the metadata, signs and appends a block of normal transactions (or a channel
    /// creation on the system channel). `consenter_metadata` goes to the ORDERER slot
    /// (solo passes none). Returns the block as written.
    pub fn write_block(
        &mut self,
        block: Block,
        consenter_metadata: Option<Vec<u8>>,
    ) -> Result<Block, BlockWriterError> {
        self.commit(block, consenter_metadata, false)
    }

    /// Like [`BlockWriter::write_block`] for a block carrying a new config of this channel:
    /// it becomes the last config block.
    pub fn write_config_block(
        &mut self,
        block: Block,
        consenter_metadata: Option<Vec<u8>>,
    ) -> Result<Block, BlockWriterError> {
        self.commit(block, consenter_metadata, true)
    }

    fn commit(
        &mut self,
        mut block: Block,
        consenter_metadata: Option<Vec<u8>>,
        is_config: bool,
    ) -> Result<Block, BlockWriterError> {
        let header = block.header.clone().unwrap_or_default();
        let mut slots = block.metadata.take().unwrap_or_default();
        slots.metadata.resize(BLOCK_METADATA_SLOTS, Vec::new());
        if let Some(value) = consenter_metadata {
            slots.metadata[BlockMetadataIndex::Orderer as usize] = Metadata {
                value,
                signatures: Vec::new(),
            }
            .encode_to_vec();
        }
        let last_config = if is_config {
            header.number
        } else {
            self.last_config_block
        };
        slots.metadata[BlockMetadataIndex::LastConfig as usize] = Metadata {
            value: LastConfig { index: last_config }.encode_to_vec(),
            signatures: Vec::new(),
        }
        .encode_to_vec();
        let value = OrdererBlockMetadata {
            last_config: Some(LastConfig { index: last_config }),
            consenter_metadata: slots.metadata[BlockMetadataIndex::Orderer as usize].clone(),
        }
        .encode_to_vec();
        let signature_header = SignatureHeader {
            creator: self.signer.serialize(),
            nonce: create_nonce(),
        }
        .encode_to_vec();
        let signed = [
            value.as_slice(),
            &signature_header,
            &block_header_bytes(&header),
        ]
        .concat();
        let signature = self
            .signer
            .sign(&signed)
            .map_err(|source| BlockWriterError::Sign {
                number: header.number,
                source,
            })?;
        slots.metadata[BlockMetadataIndex::Signatures as usize] = Metadata {
            value,
            signatures: vec![MetadataSignature {
                signature_header,
                signature,
            }],
        }
        .encode_to_vec();
        block.metadata = Some(slots);
        let started = Instant::now();
        self.ledger.append(&block)?;
        if let Some(m) = &self.metrics {
            m.commit_time
                .observe_duration(&[&self.channel_id], started.elapsed());
            m.set_height(&self.channel_id, header.number + 1);
        }
        self.tip = header;
        self.last_config_block = last_config;
        tracing::debug!(target: "orderer.commmon.multichannel",
            "[channel: {}] Wrote block [{}]", self.channel_id, self.tip.number);
        Ok(block)
    }
}

/// The last config block index recorded in a block's LAST_CONFIG metadata.
pub fn last_config_index(block: &Block) -> Result<u64, BlockWriterError> {
    let number = block.header.as_ref().map_or(0, |h| h.number);
    let bad = |reason: String| BlockWriterError::Metadata {
        number,
        slot: "LAST_CONFIG",
        reason,
    };
    let raw = block
        .metadata
        .as_ref()
        .and_then(|m| m.metadata.get(BlockMetadataIndex::LastConfig as usize))
        .ok_or_else(|| bad("the slot is missing".into()))?;
    let md = Metadata::decode(raw.as_slice()).map_err(|e| bad(e.to_string()))?;
    let lc = LastConfig::decode(md.value.as_slice()).map_err(|e| bad(e.to_string()))?;
    Ok(lc.index)
}
