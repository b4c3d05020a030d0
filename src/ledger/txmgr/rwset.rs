//! The decoded form of a transaction's public read-write set (Fabric's `rwsetutil.TxRwSet`):
//! each namespace's `rwset` bytes unmarshalled into a [`KvrwSet`], each collection's hashed
//! bytes into a [`HashedRwSet`].

use prost::Message;

use crate::protos::kvrwset::{HashedRwSet, KvWrite, KvWriteHash, KvrwSet};
use crate::protos::rwset::TxReadWriteSet;

/// A transaction's read-write set with every namespace decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TxRwSet {
    pub ns_rw_sets: Vec<NsRwSet>,
}

/// One namespace's reads, range queries, writes and metadata writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NsRwSet {
    pub namespace: String,
    pub kv_rw_set: KvrwSet,
    pub coll_hashed_rw_sets: Vec<CollHashedRwSet>,
}

/// One collection's hashed reads and writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollHashedRwSet {
    pub collection_name: String,
    pub hashed_rw_set: HashedRwSet,
    pub pvt_rw_set_hash: Vec<u8>,
}

impl TxRwSet {
    /// Decodes the bytes of a `TxReadWriteSet` (a `ChaincodeAction.results`).
    pub fn from_proto_bytes(bytes: &[u8]) -> Result<Self, prost::DecodeError> {
        Self::from_proto(&TxReadWriteSet::decode(bytes)?)
    }

    pub fn from_proto(msg: &TxReadWriteSet) -> Result<Self, prost::DecodeError> {
        let mut ns_rw_sets = Vec::with_capacity(msg.ns_rwset.len());
        for ns in &msg.ns_rwset {
            let mut colls = Vec::with_capacity(ns.collection_hashed_rwset.len());
            for c in &ns.collection_hashed_rwset {
                colls.push(CollHashedRwSet {
                    collection_name: c.collection_name.clone(),
                    hashed_rw_set: HashedRwSet::decode(c.hashed_rwset.as_slice())?,
                    pvt_rw_set_hash: c.pvt_rwset_hash.clone(),
                });
            }
            ns_rw_sets.push(NsRwSet {
                namespace: ns.namespace.clone(),
                kv_rw_set: KvrwSet::decode(ns.rwset.as_slice())?,
                coll_hashed_rw_sets: colls,
            });
        }
        Ok(TxRwSet { ns_rw_sets })
    }
}

/// Fabric's `IsKVWriteDelete`: a write with the delete flag or an empty value deletes.
pub fn is_kv_write_delete(w: &KvWrite) -> bool {
    w.is_delete || w.value.is_empty()
}

/// Fabric's `IsKVWriteHashDelete`: the delete flag, no value hash, or the hash of nothing.
pub fn is_kv_write_hash_delete(w: &KvWriteHash) -> bool {
    use sha2::Digest;
    w.is_delete || w.value_hash.is_empty() || w.value_hash[..] == sha2::Sha256::digest([])[..]
}
