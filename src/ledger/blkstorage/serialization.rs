//! Fabric's on-disk block encoding (fsblkstorage `block_serialization`): not the protobuf
//! message but a flat sequence — uvarint block number, length-prefixed data hash and
//! previous hash, uvarint count of envelopes each length-prefixed, uvarint count of metadata
//! entries each length-prefixed. Keeping the exact layout means block files written by a
//! Fabric peer read back here and the other way round.

use prost::Message;

use crate::protos::common::{Block, BlockData, BlockHeader, BlockMetadata, Envelope, Payload};
use crate::protoutil::compute_tx_id;

/// Where one transaction envelope sits inside the serialized block bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOffset {
    /// The envelope's tx id (computed from nonce and creator when the header has none);
    /// empty when the envelope cannot be parsed.
    pub tx_id: String,
    /// Offset of the envelope bytes (after their length prefix) in the block bytes.
    pub offset: usize,
    /// Length of the envelope bytes.
    pub len: usize,
}

/// A malformed serialized block; the text says which part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed serialized block: {0}")]
pub struct DecodeError(pub &'static str);

/// Appends `value` as a protobuf uvarint.
pub fn put_uvarint(value: u64, out: &mut Vec<u8>) {
    prost::encoding::encode_varint(value, out);
}

/// Reads a protobuf uvarint at the cursor.
pub fn get_uvarint(buf: &mut &[u8]) -> Result<u64, DecodeError> {
    prost::encoding::decode_varint(buf).map_err(|_| DecodeError("bad varint"))
}

fn put_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    put_uvarint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn get_bytes<'a>(buf: &mut &'a [u8], what: &'static str) -> Result<&'a [u8], DecodeError> {
    let len = get_uvarint(buf).map_err(|_| DecodeError(what))?;
    let len = usize::try_from(len).map_err(|_| DecodeError(what))?;
    if len > buf.len() {
        return Err(DecodeError(what));
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Ok(head)
}

/// Serializes a block as Fabric's block files hold it, with where each envelope landed.
pub fn serialize_block(block: &Block) -> (Vec<u8>, Vec<TxOffset>) {
    let header = block.header.clone().unwrap_or_default();
    let empty = Vec::new();
    let data = block.data.as_ref().map(|d| &d.data).unwrap_or(&empty);
    let metadata = block
        .metadata
        .as_ref()
        .map(|m| &m.metadata)
        .unwrap_or(&empty);
    let size = 64
        + data.iter().map(|d| d.len() + 5).sum::<usize>()
        + metadata.iter().map(|m| m.len() + 5).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    put_uvarint(header.number, &mut out);
    put_bytes(&header.data_hash, &mut out);
    put_bytes(&header.previous_hash, &mut out);
    put_uvarint(data.len() as u64, &mut out);
    let mut offsets = Vec::with_capacity(data.len());
    for env in data {
        put_uvarint(env.len() as u64, &mut out);
        offsets.push(TxOffset {
            tx_id: tx_id_of_envelope(env).unwrap_or_default(),
            offset: out.len(),
            len: env.len(),
        });
        out.extend_from_slice(env);
    }
    put_uvarint(metadata.len() as u64, &mut out);
    for m in metadata {
        put_bytes(m, &mut out);
    }
    (out, offsets)
}

/// Reads a block back from its serialized bytes.
pub fn deserialize_block(bytes: &[u8]) -> Result<Block, DecodeError> {
    let mut buf = bytes;
    let header = read_header(&mut buf)?;
    let count = get_uvarint(&mut buf).map_err(|_| DecodeError("transaction count"))?;
    let mut data = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        data.push(get_bytes(&mut buf, "transaction envelope")?.to_vec());
    }
    let count = get_uvarint(&mut buf).map_err(|_| DecodeError("metadata count"))?;
    let mut metadata = Vec::with_capacity(count.min(16) as usize);
    for _ in 0..count {
        metadata.push(get_bytes(&mut buf, "metadata entry")?.to_vec());
    }
    Ok(Block {
        header: Some(header),
        data: Some(BlockData { data }),
        metadata: Some(BlockMetadata { metadata }),
    })
}

/// The header and the envelope offsets of a serialized block, without copying envelopes.
pub fn block_info(bytes: &[u8]) -> Result<(BlockHeader, Vec<TxOffset>), DecodeError> {
    let mut buf = bytes;
    let header = read_header(&mut buf)?;
    let count = get_uvarint(&mut buf).map_err(|_| DecodeError("transaction count"))?;
    let mut offsets = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let env = get_bytes(&mut buf, "transaction envelope")?;
        offsets.push(TxOffset {
            tx_id: tx_id_of_envelope(env).unwrap_or_default(),
            offset: bytes.len() - buf.len() - env.len(),
            len: env.len(),
        });
    }
    Ok((header, offsets))
}

/// The envelope bytes of transaction `tx_num` in a serialized block.
pub fn envelope_at(bytes: &[u8], tx_num: u64) -> Result<Option<&[u8]>, DecodeError> {
    let mut buf = bytes;
    read_header(&mut buf)?;
    let count = get_uvarint(&mut buf).map_err(|_| DecodeError("transaction count"))?;
    if tx_num >= count {
        return Ok(None);
    }
    for _ in 0..tx_num {
        get_bytes(&mut buf, "transaction envelope")?;
    }
    get_bytes(&mut buf, "transaction envelope").map(Some)
}

fn read_header(buf: &mut &[u8]) -> Result<BlockHeader, DecodeError> {
    let number = get_uvarint(buf).map_err(|_| DecodeError("block number"))?;
    let data_hash = get_bytes(buf, "data hash")?.to_vec();
    let previous_hash = get_bytes(buf, "previous hash")?.to_vec();
    Ok(BlockHeader {
        number,
        previous_hash,
        data_hash,
    })
}

/// Fabric's `GetOrComputeTxIDFromEnvelope`: the channel header's tx id, or when that is
/// empty the id computed from the signature header's nonce and creator.
pub fn tx_id_of_envelope(envelope: &[u8]) -> Option<String> {
    let env = Envelope::decode(envelope).ok()?;
    let payload = Payload::decode(env.payload.as_slice()).ok()?;
    let header = payload.header?;
    let chdr =
        crate::protos::common::ChannelHeader::decode(header.channel_header.as_slice()).ok()?;
    if !chdr.tx_id.is_empty() {
        return Some(chdr.tx_id);
    }
    let shdr =
        crate::protos::common::SignatureHeader::decode(header.signature_header.as_slice()).ok()?;
    Some(compute_tx_id(&shdr.nonce, &shdr.creator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_block() -> Block {
        Block {
            header: Some(BlockHeader {
                number: 300,
                previous_hash: vec![1; 32],
                data_hash: vec![2; 32],
            }),
            data: Some(BlockData {
                data: vec![vec![7; 200], vec![], vec![9; 3]],
            }),
            metadata: Some(BlockMetadata {
                metadata: vec![vec![1], vec![], vec![0, 0, 0], vec![], vec![]],
            }),
        }
    }

    #[test]
    fn round_trip_and_layout() {
        let block = sample_block();
        let (bytes, offsets) = serialize_block(&block);
        // number 300 = 0xac 0x02, then 32-byte hashes with a one-byte length.
        assert_eq!(&bytes[..3], &[0xac, 0x02, 32]);
        assert_eq!(deserialize_block(&bytes).unwrap(), block);
        assert_eq!(offsets.len(), 3);
        assert_eq!((offsets[0].offset, offsets[0].len), (71, 200));
        assert_eq!(&bytes[71..271], &[7u8; 200][..]);
        assert_eq!(offsets[1].offset, 71 + 200 + 1);
        let (header, info) = block_info(&bytes).unwrap();
        assert_eq!(Some(header), block.header);
        assert_eq!(info, offsets);
        assert_eq!(envelope_at(&bytes, 2).unwrap(), Some(&[9u8, 9, 9][..]));
        assert_eq!(envelope_at(&bytes, 3).unwrap(), None);
    }

    #[test]
    fn truncated_bytes_are_an_error_not_a_panic() {
        let (bytes, _) = serialize_block(&sample_block());
        for cut in 0..bytes.len() {
            assert!(deserialize_block(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn unparseable_envelope_has_no_tx_id() {
        assert_eq!(tx_id_of_envelope(&[0xff, 0xff]), None);
    }
}
