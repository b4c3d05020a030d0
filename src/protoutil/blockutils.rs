//! Block hashing exactly as Fabric computes it, and new blocks.

use sha2::{Digest, Sha256};

use crate::protos::common::{Block, BlockData, BlockHeader, BlockMetadata};

pub use crate::protos::common::BlockMetadataIndex;

/// The bytes Fabric hashes for a block header: the ASN.1 DER encoding of
/// SEQUENCE { number INTEGER, previous_hash OCTET STRING, data_hash OCTET STRING }.
/// Like Fabric, block numbers above i64::MAX are not encodable (they never occur).
pub fn block_header_bytes(header: &BlockHeader) -> Vec<u8> {
    let number = i64::try_from(header.number).expect("block number exceeds i64::MAX");
    let mut body = Vec::with_capacity(header.previous_hash.len() + header.data_hash.len() + 16);
    der_tlv(0x02, &der_integer(number), &mut body);
    der_tlv(0x04, &header.previous_hash, &mut body);
    der_tlv(0x04, &header.data_hash, &mut body);
    let mut out = Vec::with_capacity(body.len() + 4);
    der_tlv(0x30, &body, &mut out);
    out
}

/// SHA-256 of [`block_header_bytes`]: what the next block carries as previous_hash.
pub fn block_header_hash(header: &BlockHeader) -> Vec<u8> {
    Sha256::digest(block_header_bytes(header)).to_vec()
}

/// SHA-256 over the concatenation of every data entry (Fabric v1.4's BlockData.Hash).
pub fn block_data_hash(data: &BlockData) -> Vec<u8> {
    let mut h = Sha256::new();
    for entry in &data.data {
        h.update(entry);
    }
    h.finalize().to_vec()
}

/// An empty block `number` chained to `previous_hash`, with one metadata slot per
/// `BlockMetadataIndex` as Fabric v1.4.12 allocates them (signatures, last config,
/// transactions filter, orderer, commit hash).
pub fn new_block(number: u64, previous_hash: Vec<u8>) -> Block {
    Block {
        header: Some(BlockHeader {
            number,
            previous_hash,
            data_hash: Vec::new(),
        }),
        data: Some(BlockData::default()),
        metadata: Some(BlockMetadata {
            metadata: vec![Vec::new(); BlockMetadataIndex::CommitHash as usize + 1],
        }),
    }
}

/// Minimal two's-complement big-endian encoding, as DER requires for INTEGER.
fn der_integer(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes[start..].to_vec()
}

fn der_tlv(tag: u8, value: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let len_bytes = (len as u64).to_be_bytes();
        let skip = len_bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&len_bytes[skip..]);
    }
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_twos_complement() {
        assert_eq!(der_integer(0), vec![0x00]);
        assert_eq!(der_integer(127), vec![0x7f]);
        assert_eq!(der_integer(128), vec![0x00, 0x80]);
        assert_eq!(der_integer(256), vec![0x01, 0x00]);
        assert_eq!(der_integer(-1), vec![0xff]);
        assert_eq!(der_integer(i64::MAX)[0], 0x7f);
    }

    #[test]
    fn header_encoding_matches_go_asn1() {
        // Go: asn1.Marshal(struct{Number int64; PreviousHash, DataHash []byte}{1, nil, {0xab}})
        let h = BlockHeader {
            number: 1,
            previous_hash: vec![],
            data_hash: vec![0xab],
        };
        assert_eq!(
            block_header_bytes(&h),
            vec![0x30, 0x08, 0x02, 0x01, 0x01, 0x04, 0x00, 0x04, 0x01, 0xab]
        );
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        let h = BlockHeader {
            number: 5,
            previous_hash: vec![7; 200],
            data_hash: vec![9; 32],
        };
        let bytes = block_header_bytes(&h);
        assert_eq!(&bytes[..3], &[0x30, 0x81, 3 + 3 + 200 + 2 + 32]);
        assert_eq!(&bytes[3..9], &[0x02, 0x01, 0x05, 0x04, 0x81, 200]);
    }

    #[test]
    fn data_hash_is_over_the_concatenated_entries() {
        let d = BlockData {
            data: vec![b"ab".to_vec(), b"c".to_vec()],
        };
        assert_eq!(block_data_hash(&d), Sha256::digest(b"abc").to_vec());
        let b = new_block(3, vec![1]);
        assert_eq!(b.metadata.unwrap().metadata.len(), 5);
    }
}
