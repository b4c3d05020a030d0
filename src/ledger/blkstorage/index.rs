//! The block index inside a channel's [`KvStore`](crate::ledger::kvstore::KvStore), under
//! the key byte 0x03, and the block store's checkpoint under 0x00 (Fabric's `blkMgrInfo`):
//! - `0x03 'n' ‖ be64(number)` → block location (file, offset, len)
//! - `0x03 'h' ‖ header hash` → uvarint(number)
//! - `0x03 't' ‖ tx id` → block number, tx number, validation code, envelope location
//!   (first occurrence of a tx id wins, as Fabric's FAB-8557 rule).

use super::serialization::{get_uvarint, put_uvarint};
use crate::ledger::{LedgerError, LedgerResult};

/// First key byte of everything the block index stores.
pub const INDEX_PREFIX: u8 = 0x03;
/// First key byte of ledger bookkeeping (the block store checkpoint lives there).
pub const BOOKKEEPING_PREFIX: u8 = 0x00;

/// The key of the block store checkpoint.
pub fn checkpoint_key() -> Vec<u8> {
    let mut k = vec![BOOKKEEPING_PREFIX];
    k.extend_from_slice(b"blkMgrInfo");
    k
}

pub fn block_num_key(number: u64) -> Vec<u8> {
    let mut k = vec![INDEX_PREFIX, b'n'];
    k.extend_from_slice(&number.to_be_bytes());
    k
}

pub fn block_hash_key(hash: &[u8]) -> Vec<u8> {
    let mut k = vec![INDEX_PREFIX, b'h'];
    k.extend_from_slice(hash);
    k
}

pub fn tx_id_key(tx_id: &str) -> Vec<u8> {
    let mut k = vec![INDEX_PREFIX, b't'];
    k.extend_from_slice(tx_id.as_bytes());
    k
}

/// Where some bytes sit in the block files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLoc {
    pub file_num: u32,
    pub offset: u64,
    pub len: u64,
}

impl FileLoc {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_uvarint(u64::from(self.file_num), out);
        put_uvarint(self.offset, out);
        put_uvarint(self.len, out);
    }

    pub fn decode(buf: &mut &[u8]) -> LedgerResult<Self> {
        let file_num = u32::try_from(varint(buf)?).map_err(|_| corrupt("file number"))?;
        Ok(FileLoc {
            file_num,
            offset: varint(buf)?,
            len: varint(buf)?,
        })
    }

    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12);
        self.encode(&mut out);
        out
    }
}

/// What the tx id index holds for one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxEntry {
    pub block_num: u64,
    pub tx_num: u64,
    pub code: u8,
    pub envelope: FileLoc,
}

impl TxEntry {
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24);
        put_uvarint(self.block_num, &mut out);
        put_uvarint(self.tx_num, &mut out);
        out.push(self.code);
        self.envelope.encode(&mut out);
        out
    }

    pub fn from_bytes(mut buf: &[u8]) -> LedgerResult<Self> {
        let block_num = varint(&mut buf)?;
        let tx_num = varint(&mut buf)?;
        let (&code, mut rest) = buf.split_first().ok_or_else(|| corrupt("tx entry"))?;
        let envelope = FileLoc::decode(&mut rest)?;
        Ok(TxEntry {
            block_num,
            tx_num,
            code,
            envelope,
        })
    }
}

/// The durable end of the block store (Fabric's `checkpointInfo`): the file being
/// appended, its size up to the last indexed block, and that block's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckpointInfo {
    pub file_num: u32,
    pub file_size: u64,
    /// `None` while the chain is empty.
    pub last_block: Option<u64>,
}

impl CheckpointInfo {
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        put_uvarint(u64::from(self.file_num), &mut out);
        put_uvarint(self.file_size, &mut out);
        match self.last_block {
            None => out.push(1),
            Some(n) => {
                out.push(0);
                put_uvarint(n, &mut out);
            }
        }
        out
    }

    pub fn from_bytes(mut buf: &[u8]) -> LedgerResult<Self> {
        let file_num = u32::try_from(varint(&mut buf)?).map_err(|_| corrupt("checkpoint"))?;
        let file_size = varint(&mut buf)?;
        let (&empty, mut rest) = buf.split_first().ok_or_else(|| corrupt("checkpoint"))?;
        let last_block = match empty {
            1 => None,
            0 => Some(varint(&mut rest)?),
            _ => return Err(corrupt("checkpoint")),
        };
        Ok(CheckpointInfo {
            file_num,
            file_size,
            last_block,
        })
    }

    /// Height of the chain this checkpoint describes.
    pub fn height(&self) -> u64 {
        self.last_block.map_or(0, |n| n + 1)
    }
}

fn varint(buf: &mut &[u8]) -> LedgerResult<u64> {
    get_uvarint(buf).map_err(|_| corrupt("varint"))
}

fn corrupt(what: &str) -> LedgerError {
    LedgerError::Corrupt(format!(
        "block index entry ({what}) cannot be decoded; reset the ledger to rebuild the index"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let loc = FileLoc {
            file_num: 3,
            offset: 1 << 40,
            len: 500,
        };
        let tx = TxEntry {
            block_num: 9,
            tx_num: 130,
            code: 11,
            envelope: loc,
        };
        assert_eq!(TxEntry::from_bytes(&tx.to_bytes()).unwrap(), tx);
        assert_eq!(FileLoc::decode(&mut &loc.to_bytes()[..]).unwrap(), loc);
        for cp in [
            CheckpointInfo::default(),
            CheckpointInfo {
                file_num: 1,
                file_size: 77,
                last_block: Some(0),
            },
        ] {
            assert_eq!(CheckpointInfo::from_bytes(&cp.to_bytes()).unwrap(), cp);
        }
        assert!(TxEntry::from_bytes(&[1]).is_err());
        assert!(CheckpointInfo::from_bytes(&[0, 0, 7]).is_err());
    }

    #[test]
    fn number_keys_sort_by_number() {
        assert!(block_num_key(255) < block_num_key(256));
        assert_eq!(block_num_key(1)[0], INDEX_PREFIX);
        assert_eq!(checkpoint_key()[0], BOOKKEEPING_PREFIX);
    }
}
