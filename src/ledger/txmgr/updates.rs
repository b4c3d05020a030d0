//! The public and hashed (private data) updates of a block's valid transactions (Fabric's
//! `PubAndHashUpdates`), and the deterministic bytes of them that feed the block's commit
//! hash (Fabric's `UpdatesBytesBuilder.DeterministicBytesForPubAndHashUpdates`).

use std::collections::BTreeMap;

use prost::Message;

use crate::ledger::statedb::{height_to_bytes, UpdateBatch, UpdateEntry};

/// Hashed updates: namespace → collection → key hash → entry. Each namespace's collections
/// are kept as an [`UpdateBatch`] whose "namespaces" are collection names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashedUpdateBatch {
    by_ns: BTreeMap<String, UpdateBatch>,
}

impl HashedUpdateBatch {
    pub fn update(&mut self, ns: &str, coll: &str, key_hash: &[u8], entry: UpdateEntry) {
        self.by_ns
            .entry(ns.to_string())
            .or_default()
            .update(coll, key_hash, entry);
    }

    pub fn get(&self, ns: &str, coll: &str, key_hash: &[u8]) -> Option<&UpdateEntry> {
        self.by_ns.get(ns)?.get(coll, key_hash)
    }

    pub fn contains(&self, ns: &str, coll: &str, key_hash: &[u8]) -> bool {
        self.get(ns, coll, key_hash).is_some()
    }

    /// (namespace, collections) in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &UpdateBatch)> {
        self.by_ns.iter().map(|(ns, b)| (ns.as_str(), b))
    }

    pub fn is_empty(&self) -> bool {
        self.by_ns.is_empty()
    }
}

/// The namespace under which the state database keeps a collection's hashed keys (Fabric's
/// `deriveHashedDataNs`).
pub fn hashed_data_ns(ns: &str, coll: &str) -> String {
    format!("{ns}$$h{coll}")
}

/// Public and hashed updates of one block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubAndHashUpdates {
    pub pub_updates: UpdateBatch,
    pub hash_updates: HashedUpdateBatch,
}

impl PubAndHashUpdates {
    /// Both kinds as one state [`UpdateBatch`] (hashed keys under their derived namespace).
    pub fn to_state_batch(&self) -> UpdateBatch {
        let mut out = self.pub_updates.clone();
        for (ns, colls) in self.hash_updates.iter() {
            for (coll, key_hash, entry) in colls.iter() {
                out.update(&hashed_data_ns(ns, coll), key_hash, entry.clone());
            }
        }
        out
    }

    /// Fabric's deterministic serialization: a `KVWritesBatchProto` of every write, namespaces
    /// sorted (the peer namespace `""` left out), each namespace's public keys sorted, then
    /// its collections sorted with their key hashes sorted; the namespace is set on the first
    /// write of each namespace only and the collection on the first write of each collection.
    pub fn deterministic_bytes(&self) -> Vec<u8> {
        let mut namespaces: Vec<&str> = self.pub_updates.namespaces().collect();
        namespaces.extend(self.hash_updates.iter().map(|(ns, _)| ns));
        namespaces.sort_unstable();
        namespaces.dedup();
        let mut kvwrites = Vec::new();
        for ns in namespaces {
            if ns.is_empty() {
                continue;
            }
            let mut writes = keys_proto(self.pub_updates.ns_updates(ns));
            if let Some((_, colls)) = self.hash_updates.iter().find(|(n, _)| *n == ns) {
                for coll in colls.namespaces() {
                    let mut cw = keys_proto(colls.ns_updates(coll));
                    if let Some(first) = cw.first_mut() {
                        first.collection = coll.to_string();
                    }
                    writes.extend(cw);
                }
            }
            if let Some(first) = writes.first_mut() {
                first.namespace = ns.to_string();
            }
            kvwrites.extend(writes);
        }
        KvWritesBatchProto { kvwrites }.encode_to_vec()
    }
}

fn keys_proto<'a>(updates: impl Iterator<Item = (&'a [u8], &'a UpdateEntry)>) -> Vec<KvWriteProto> {
    updates
        .map(|(key, e)| KvWriteProto {
            namespace: String::new(),
            collection: String::new(),
            key: key.to_vec(),
            is_delete: e.value.is_none(),
            value: e.value.clone().unwrap_or_default(),
            version_bytes: height_to_bytes(e.version),
        })
        .collect()
}

/// Fabric's `privacyenabledstate.KVWriteProto` (not part of the public protos).
#[derive(Clone, PartialEq, prost::Message)]
pub struct KvWriteProto {
    #[prost(string, tag = "1")]
    pub namespace: String,
    #[prost(string, tag = "2")]
    pub collection: String,
    #[prost(bytes = "vec", tag = "3")]
    pub key: Vec<u8>,
    #[prost(bool, tag = "4")]
    pub is_delete: bool,
    #[prost(bytes = "vec", tag = "5")]
    pub value: Vec<u8>,
    #[prost(bytes = "vec", tag = "6")]
    pub version_bytes: Vec<u8>,
}

/// Fabric's `privacyenabledstate.KVWritesBatchProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct KvWritesBatchProto {
    #[prost(message, repeated, tag = "1")]
    pub kvwrites: Vec<KvWriteProto>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Height;

    #[test]
    fn deterministic_bytes_layout() {
        let mut u = PubAndHashUpdates::default();
        let h = Height::new(4, 0);
        u.pub_updates.put("mycc", b"b", b"210".to_vec(), vec![], h);
        u.pub_updates
            .put("mycc", b"a", b"90".to_vec(), b"meta".to_vec(), h);
        u.pub_updates.put("", b"cfg", b"x".to_vec(), vec![], h);
        u.pub_updates.delete("lscc", b"gone", Height::new(4, 1));
        u.hash_updates.update(
            "mycc",
            "coll",
            b"\xff\x01",
            UpdateEntry {
                value: Some(b"vh".to_vec()),
                metadata: vec![],
                version: h,
            },
        );
        let got = KvWritesBatchProto::decode(u.deterministic_bytes().as_slice()).unwrap();
        let rows: Vec<_> = got
            .kvwrites
            .iter()
            .map(|w| {
                (
                    w.namespace.as_str(),
                    w.collection.as_str(),
                    w.key.clone(),
                    w.is_delete,
                    w.value.clone(),
                    w.version_bytes.clone(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("lscc", "", b"gone".to_vec(), true, vec![], vec![1, 4, 1, 1]),
                (
                    "mycc",
                    "",
                    b"a".to_vec(),
                    false,
                    b"90".to_vec(),
                    vec![1, 4, 0]
                ),
                ("", "", b"b".to_vec(), false, b"210".to_vec(), vec![1, 4, 0]),
                (
                    "",
                    "coll",
                    b"\xff\x01".to_vec(),
                    false,
                    b"vh".to_vec(),
                    vec![1, 4, 0]
                ),
            ]
        );
        assert!(PubAndHashUpdates::default()
            .deterministic_bytes()
            .is_empty());
        let state = u.to_state_batch();
        assert!(state.exists("mycc$$hcoll", b"\xff\x01"));
    }
}
