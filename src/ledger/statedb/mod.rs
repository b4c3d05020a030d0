//! The versioned state database (Fabric's `statedb` with its leveldb flavour): values by
//! (namespace, key) with the [`Height`] of the transaction that wrote them, kept in one
//! channel's [`KvStore`] under the state prefix byte `0x01`.
//!
//! Layout inside the store:
//! - `0x01 ns 0x00 key` → [`encode_value`] (version, metadata, value);
//! - `0x01` alone → the savepoint: the height of the last committed block's last tx.
//!
//! Keys within a namespace are ordered by their bytes, as Fabric's leveldb orders them, so a
//! range scan yields keys (including composite keys with U+0000 separators) in Fabric's order.
//! Keys are bytes here because hashed private-data keys are not UTF-8; the string API of the
//! simulator sits on top.

mod update_batch;

pub use update_batch::{UpdateBatch, UpdateEntry};

use std::sync::Arc;

use crate::ledger::kvstore::{KvIter, KvSnapshot, KvStore, WriteBatch};
use crate::ledger::{Height, LedgerError, LedgerResult, VersionedValue};

/// First byte of every state key in a channel's store.
pub const STATE_PREFIX: u8 = 0x01;
const NS_KEY_SEP: u8 = 0x00;
const NS_END: u8 = 0x01;

/// Fabric's order-preserving variable-length encoding of a `u64`: one length byte (0..=8),
/// then the big-endian bytes without leading zeros.
pub fn encode_order_preserving_u64(n: u64) -> Vec<u8> {
    let be = n.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count();
    let mut out = Vec::with_capacity(9 - skip);
    out.push((8 - skip) as u8);
    out.extend_from_slice(&be[skip..]);
    out
}

/// Decodes [`encode_order_preserving_u64`]; returns the number and the bytes consumed.
pub fn decode_order_preserving_u64(b: &[u8]) -> LedgerResult<(u64, usize)> {
    let size = *b
        .first()
        .ok_or_else(|| LedgerError::Corrupt("empty order-preserving number".into()))?
        as usize;
    if size > 8 || b.len() < size + 1 {
        return Err(LedgerError::Corrupt(format!(
            "bad order-preserving number (size byte {size}, {} bytes available)",
            b.len().saturating_sub(1)
        )));
    }
    let mut be = [0u8; 8];
    be[8 - size..].copy_from_slice(&b[1..=size]);
    Ok((u64::from_be_bytes(be), size + 1))
}

/// Fabric's `version.Height.ToBytes`: block number then tx number, each order-preserving.
pub fn height_to_bytes(h: Height) -> Vec<u8> {
    let mut out = encode_order_preserving_u64(h.block_num);
    out.extend(encode_order_preserving_u64(h.tx_num));
    out
}

/// Decodes [`height_to_bytes`]; returns the height and the bytes consumed.
pub fn height_from_bytes(b: &[u8]) -> LedgerResult<(Height, usize)> {
    let (block_num, n1) = decode_order_preserving_u64(b)?;
    let (tx_num, n2) = decode_order_preserving_u64(&b[n1..])?;
    Ok((Height::new(block_num, tx_num), n1 + n2))
}

/// The store key of (namespace, key).
pub fn state_key(ns: &str, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + ns.len() + key.len());
    out.push(STATE_PREFIX);
    out.extend_from_slice(ns.as_bytes());
    out.push(NS_KEY_SEP);
    out.extend_from_slice(key);
    out
}

fn savepoint_key() -> Vec<u8> {
    vec![STATE_PREFIX]
}

/// Stored form of a value: version, metadata length (varint), metadata, value.
pub fn encode_value(version: Height, metadata: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = height_to_bytes(version);
    prost::encoding::encode_varint(metadata.len() as u64, &mut out);
    out.extend_from_slice(metadata);
    out.extend_from_slice(value);
    out
}

/// Decodes [`encode_value`].
pub fn decode_value(b: &[u8]) -> LedgerResult<VersionedValue> {
    let (version, n) = height_from_bytes(b)?;
    let mut rest = &b[n..];
    let mlen = prost::encoding::decode_varint(&mut rest)
        .map_err(|e| LedgerError::Corrupt(format!("state value metadata length: {e}")))?
        as usize;
    if rest.len() < mlen {
        return Err(LedgerError::Corrupt(
            "state value is shorter than its metadata length".into(),
        ));
    }
    Ok(VersionedValue {
        metadata: rest[..mlen].to_vec(),
        value: rest[mlen..].to_vec(),
        version,
    })
}

/// One key of a namespace with its versioned value, as a range scan yields it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedKv {
    pub key: Vec<u8>,
    pub value: VersionedValue,
}

/// The state database of one channel (Fabric's `VersionedDB`).
#[derive(Clone)]
pub struct VersionedDb {
    store: Arc<dyn KvStore>,
}

impl VersionedDb {
    pub fn new(store: Arc<dyn KvStore>) -> Self {
        VersionedDb { store }
    }

    /// A consistent view of the committed state as of now.
    pub fn snapshot(&self) -> LedgerResult<StateSnapshot> {
        Ok(StateSnapshot {
            snap: self.store.snapshot()?,
        })
    }

    /// The height recorded by the last [`VersionedDb::commit_ops`], if any.
    pub fn savepoint(&self) -> LedgerResult<Option<Height>> {
        match self.store.get(&savepoint_key())? {
            None => Ok(None),
            Some(b) => Ok(Some(height_from_bytes(&b)?.0)),
        }
    }

    /// Puts the batch's puts and deletes and the savepoint into `wb` (Fabric's
    /// `ApplyUpdates`, minus the write itself: the caller commits `wb` atomically with the
    /// block and history).
    pub fn commit_ops(&self, batch: &UpdateBatch, savepoint: Height, wb: &mut WriteBatch) {
        for (ns, key, entry) in batch.iter() {
            let k = state_key(ns, key);
            match &entry.value {
                Some(v) => wb.put(k, encode_value(entry.version, &entry.metadata, v)),
                None => wb.delete(k),
            }
        }
        wb.put(savepoint_key(), height_to_bytes(savepoint));
    }
}

/// A read-only, consistent view of the state.
pub struct StateSnapshot {
    snap: Box<dyn KvSnapshot>,
}

impl StateSnapshot {
    /// The value of a key, or `None` when it does not exist (or was deleted).
    pub fn get_state(&self, ns: &str, key: &[u8]) -> LedgerResult<Option<VersionedValue>> {
        match self.snap.get(&state_key(ns, key))? {
            None => Ok(None),
            Some(b) => Ok(Some(decode_value(&b)?)),
        }
    }

    /// The committed version of a key.
    pub fn get_version(&self, ns: &str, key: &[u8]) -> LedgerResult<Option<Height>> {
        Ok(self.get_state(ns, key)?.map(|v| v.version))
    }

    /// The namespace's keys in `[start, end)` in byte order; an empty `end` means "to the
    /// end of the namespace".
    pub fn range(&self, ns: &str, start: &[u8], end: &[u8]) -> LedgerResult<StateRangeIter> {
        let from = state_key(ns, start);
        if !end.is_empty() && start >= end {
            return Ok(StateRangeIter {
                prefix_len: 0,
                inner: Box::new(std::iter::empty()),
            });
        }
        let to = if end.is_empty() {
            let mut k = vec![STATE_PREFIX];
            k.extend_from_slice(ns.as_bytes());
            k.push(NS_END);
            k
        } else {
            state_key(ns, end)
        };
        Ok(StateRangeIter {
            prefix_len: ns.len() + 2,
            inner: self.snap.range(&from, &to)?,
        })
    }
}

/// Keys of one namespace in order, from [`StateSnapshot::range`].
pub struct StateRangeIter {
    prefix_len: usize,
    inner: KvIter,
}

impl StateRangeIter {
    pub fn next_kv(&mut self) -> LedgerResult<Option<VersionedKv>> {
        match self.inner.next() {
            None => Ok(None),
            Some(r) => {
                let (k, v) = r?;
                Ok(Some(VersionedKv {
                    key: k[self.prefix_len..].to_vec(),
                    value: decode_value(&v)?,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests;
