//! Applies a valid transaction's writes to the block's updates (Fabric's
//! `PubAndHashUpdates.ApplyWriteSet` with `prepareTxOps`): per key, a delete wins; a value
//! write with a metadata write (or metadata delete) takes both; a value write alone keeps the
//! key's latest metadata; a metadata write alone keeps the key's latest value (and is dropped
//! when the key does not exist). "Latest" means the block's earlier updates, else committed
//! state.

use std::collections::BTreeMap;

use crate::ledger::statedb::{StateSnapshot, UpdateEntry};
use crate::ledger::{Height, LedgerResult};
use crate::protos::kvrwset::KvMetadataWrite;

use super::rwset::{is_kv_write_delete, is_kv_write_hash_delete, TxRwSet};
use super::storage_metadata::serialize_metadata;
use super::updates::{hashed_data_ns, PubAndHashUpdates};

const UPSERT: u8 = 1;
const METADATA_UPDATE: u8 = 2;
const METADATA_DELETE: u8 = 4;
const KEY_DELETE: u8 = 8;

/// (namespace, collection, key); the collection is empty for public keys, and the key is
/// then the key's bytes, else the key hash.
type OpKey = (String, String, Vec<u8>);

#[derive(Default)]
struct KeyOps {
    flag: u8,
    value: Vec<u8>,
    metadata: Vec<u8>,
}

fn collect_ops(rwset: &TxRwSet) -> BTreeMap<OpKey, KeyOps> {
    let mut ops: BTreeMap<OpKey, KeyOps> = BTreeMap::new();
    for ns in &rwset.ns_rw_sets {
        let n = ns.namespace.as_str();
        for w in &ns.kv_rw_set.writes {
            let e = ops
                .entry((n.to_string(), String::new(), w.key.as_bytes().to_vec()))
                .or_default();
            if is_kv_write_delete(w) {
                e.flag |= KEY_DELETE;
            } else {
                e.flag |= UPSERT;
                e.value = w.value.clone();
            }
        }
        for m in &ns.kv_rw_set.metadata_writes {
            apply_metadata(
                ops.entry((n.to_string(), String::new(), m.key.as_bytes().to_vec()))
                    .or_default(),
                m,
            );
        }
        for c in &ns.coll_hashed_rw_sets {
            let coll = c.collection_name.as_str();
            for w in &c.hashed_rw_set.hashed_writes {
                let e = ops
                    .entry((n.to_string(), coll.to_string(), w.key_hash.clone()))
                    .or_default();
                if is_kv_write_hash_delete(w) {
                    e.flag |= KEY_DELETE;
                } else {
                    e.flag |= UPSERT;
                    e.value = w.value_hash.clone();
                }
            }
            for m in &c.hashed_rw_set.metadata_writes {
                let as_write = KvMetadataWrite {
                    key: String::new(),
                    entries: m.entries.clone(),
                };
                apply_metadata(
                    ops.entry((n.to_string(), coll.to_string(), m.key_hash.clone()))
                        .or_default(),
                    &as_write,
                );
            }
        }
    }
    ops
}

fn apply_metadata(e: &mut KeyOps, m: &KvMetadataWrite) {
    if m.entries.is_empty() {
        e.flag |= METADATA_DELETE;
    } else {
        e.flag |= METADATA_UPDATE;
        e.metadata = serialize_metadata(&m.entries);
    }
}

/// A key's latest value (`None` when a pending update deletes it) and metadata.
type Latest = (Option<Vec<u8>>, Vec<u8>);

/// The latest (value, metadata) of a key: the block's earlier updates first (a pending
/// delete means "no value"), else committed state.
fn latest(
    key: &OpKey,
    updates: &PubAndHashUpdates,
    snap: &StateSnapshot,
) -> LedgerResult<Option<Latest>> {
    let (ns, coll, k) = key;
    let pending = if coll.is_empty() {
        updates.pub_updates.get(ns, k)
    } else {
        updates.hash_updates.get(ns, coll, k)
    };
    if let Some(e) = pending {
        return Ok(Some((e.value.clone(), e.metadata.clone())));
    }
    let state_ns = if coll.is_empty() {
        ns.clone()
    } else {
        hashed_data_ns(ns, coll)
    };
    Ok(snap
        .get_state(&state_ns, k)?
        .map(|v| (Some(v.value), v.metadata)))
}

/// Adds the transaction's writes, at `height`, to `updates`.
pub fn apply_write_set(
    rwset: &TxRwSet,
    height: Height,
    updates: &mut PubAndHashUpdates,
    snap: &StateSnapshot,
) -> LedgerResult<()> {
    let mut entries = Vec::new();
    for (key, ops) in collect_ops(rwset) {
        let entry = if ops.flag & KEY_DELETE != 0 {
            Some(UpdateEntry {
                value: None,
                metadata: Vec::new(),
                version: height,
            })
        } else if ops.flag & UPSERT != 0 {
            let metadata = if ops.flag & (METADATA_UPDATE | METADATA_DELETE) != 0 {
                ops.metadata
            } else {
                latest(&key, updates, snap)?
                    .map(|(_, m)| m)
                    .unwrap_or_default()
            };
            Some(UpdateEntry {
                value: Some(ops.value),
                metadata,
                version: height,
            })
        } else {
            match latest(&key, updates, snap)? {
                Some((Some(value), _)) => Some(UpdateEntry {
                    value: Some(value),
                    metadata: ops.metadata,
                    version: height,
                }),
                _ => None,
            }
        };
        if let Some(e) = entry {
            entries.push((key, e));
        }
    }
    for ((ns, coll, k), e) in entries {
        if coll.is_empty() {
            updates.pub_updates.update(&ns, &k, e);
        } else {
            updates.hash_updates.update(&ns, &coll, &k, e);
        }
    }
    Ok(())
}
