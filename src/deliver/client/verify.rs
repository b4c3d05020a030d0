//! Checking a block received from an orderer before it goes anywhere (Fabric's
//! `MSPMessageCryptoService.VerifyBlock`): it is the block expected, of this channel, its
//! header's data hash matches its data, and the orderers' signatures in its SIGNATURES
//! metadata satisfy the channel's `/Channel/Orderer/BlockValidation` policy.

use crate::channelconfig::Bundle;
use crate::policy::manager::BLOCK_VALIDATION;
use crate::policy::SignedData;
use crate::protos::common::{Block, BlockMetadataIndex, Metadata, SignatureHeader};
use crate::protoutil::{
    block_data_hash, block_header_bytes, channel_header, decode, envelope_from_block_data, payload,
};

/// Why a received block was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("invalid block on channel [{0}]: it has no header")]
    NoHeader(String),
    #[error("claimed seqNum is [{expected}] but actual seqNum inside block is [{got}]")]
    WrongNumber { expected: u64, got: u64 },
    #[error("failed getting channel id from block [{block}]: {reason}")]
    NoChannelId { block: u64, reason: String },
    #[error("invalid block's channel id: expected [{expected}], given [{got}]")]
    WrongChannel { expected: String, got: String },
    #[error("block [{block}] on channel [{channel}] has no valid SIGNATURES metadata: {reason}")]
    BadMetadata {
        block: u64,
        channel: String,
        reason: String,
    },
    #[error("Header.DataHash is different from Hash(block.Data) for block [{block}] on channel [{channel}]")]
    DataHash { block: u64, channel: String },
    #[error("block [{block}] on channel [{channel}] does not satisfy the BlockValidation policy: {reason}")]
    Policy {
        block: u64,
        channel: String,
        reason: String,
    },
}

/// Verifies block `expected` of `channel_id` against the channel config `bundle`.
pub fn verify_block(
    bundle: &Bundle,
    channel_id: &str,
    expected: u64,
    block: &Block,
) -> Result<(), VerifyError> {
    let header = block
        .header
        .as_ref()
        .ok_or_else(|| VerifyError::NoHeader(channel_id.to_string()))?;
    let number = header.number;
    if number != expected {
        return Err(VerifyError::WrongNumber {
            expected,
            got: number,
        });
    }
    let got = block_channel_id(block).map_err(|reason| VerifyError::NoChannelId {
        block: number,
        reason,
    })?;
    if got != channel_id {
        return Err(VerifyError::WrongChannel {
            expected: channel_id.to_string(),
            got,
        });
    }
    let bad_metadata = |reason: String| VerifyError::BadMetadata {
        block: number,
        channel: channel_id.to_string(),
        reason,
    };
    let raw = block
        .metadata
        .as_ref()
        .and_then(|m| m.metadata.get(BlockMetadataIndex::Signatures as usize))
        .ok_or_else(|| bad_metadata("the block has no metadata".into()))?;
    let metadata: Metadata = decode("Metadata", raw).map_err(|e| bad_metadata(e.to_string()))?;
    let data_hash = block.data.as_ref().map(block_data_hash).unwrap_or_default();
    if data_hash != header.data_hash {
        return Err(VerifyError::DataHash {
            block: number,
            channel: channel_id.to_string(),
        });
    }
    if i64::try_from(number).is_err() {
        return Err(bad_metadata(
            "block number beyond the encodable range".into(),
        ));
    }
    let header_bytes = block_header_bytes(header);
    let mut signed = Vec::with_capacity(metadata.signatures.len());
    for s in &metadata.signatures {
        let shdr: SignatureHeader = decode("SignatureHeader", &s.signature_header)
            .map_err(|e| bad_metadata(e.to_string()))?;
        let data = [
            metadata.value.as_slice(),
            s.signature_header.as_slice(),
            header_bytes.as_slice(),
        ]
        .concat();
        signed.push(SignedData {
            data,
            identity: shdr.creator,
            signature: s.signature.clone(),
        });
    }
    let policy_failed = |reason: String| VerifyError::Policy {
        block: number,
        channel: channel_id.to_string(),
        reason,
    };
    let policy = bundle
        .policy_manager()
        .get_policy(BLOCK_VALIDATION)
        .map_err(|e| policy_failed(e.to_string()))?;
    policy
        .evaluate(&signed)
        .map_err(|e| policy_failed(e.to_string()))
}

/// The channel id in the channel header of a block's first envelope.
fn block_channel_id(block: &Block) -> Result<String, String> {
    let first = block
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or("the block has no data")?;
    let env = envelope_from_block_data(first).map_err(|e| e.to_string())?;
    let p = payload(&env).map_err(|e| e.to_string())?;
    Ok(channel_header(&p).map_err(|e| e.to_string())?.channel_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer::config_bundle_of;

    fn block(dir: &std::path::Path, n: u64) -> Block {
        let path = dir.join(format!("ledger/mychannel/ordered/mychannel_{n}.block"));
        decode("Block", &std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn fabric_blocks_verify_and_tampering_is_caught() {
        let dir = crate::test_vectors::dir();
        let bundle = config_bundle_of(&block(&dir, 0)).unwrap();
        // Block 0 is the orderer-made genesis block, unsigned; a peer joins with it.
        assert!(verify_block(&bundle, "mychannel", 0, &block(&dir, 0)).is_err());
        for n in 1..14 {
            verify_block(&bundle, "mychannel", n, &block(&dir, n)).unwrap();
        }
        let b = block(&dir, 4);
        assert!(matches!(
            verify_block(&bundle, "mychannel", 5, &b),
            Err(VerifyError::WrongNumber { .. })
        ));
        assert!(matches!(
            verify_block(&bundle, "otherchannel", 4, &b),
            Err(VerifyError::WrongChannel { .. })
        ));
        let mut signature = b.clone();
        let md = &mut signature.metadata.as_mut().unwrap().metadata[0];
        let mut m: Metadata = decode("Metadata", md).unwrap();
        let sig = &mut m.signatures[0].signature;
        let last = sig.len() - 3;
        sig[last] ^= 1;
        *md = prost::Message::encode_to_vec(&m);
        assert!(matches!(
            verify_block(&bundle, "mychannel", 4, &signature),
            Err(VerifyError::Policy { .. })
        ));
        let mut data = b.clone();
        data.data.as_mut().unwrap().data.push(vec![1]);
        assert!(matches!(
            verify_block(&bundle, "mychannel", 4, &data),
            Err(VerifyError::DataHash { .. })
        ));
        let mut number = b;
        number.header.as_mut().unwrap().number = 5;
        assert!(verify_block(&bundle, "mychannel", 5, &number).is_err());
    }
}
