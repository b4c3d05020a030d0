//! Fabric's `statedb.UpdateBatch`: the writes of a block's valid transactions, per
//! namespace, kept sorted by key so that range queries over it and the deterministic bytes
//! come out in Fabric's order.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::ledger::Height;

/// One pending write: `value` is `None` for a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateEntry {
    pub value: Option<Vec<u8>>,
    pub metadata: Vec<u8>,
    pub version: Height,
}

/// Pending writes by namespace and key (both in byte order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateBatch {
    updates: BTreeMap<String, BTreeMap<Vec<u8>, UpdateEntry>>,
}

impl UpdateBatch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(
        &mut self,
        ns: &str,
        key: &[u8],
        value: Vec<u8>,
        metadata: Vec<u8>,
        version: Height,
    ) {
        self.update(
            ns,
            key,
            UpdateEntry {
                value: Some(value),
                metadata,
                version,
            },
        );
    }

    pub fn delete(&mut self, ns: &str, key: &[u8], version: Height) {
        self.update(
            ns,
            key,
            UpdateEntry {
                value: None,
                metadata: Vec::new(),
                version,
            },
        );
    }

    pub fn update(&mut self, ns: &str, key: &[u8], entry: UpdateEntry) {
        self.updates
            .entry(ns.to_string())
            .or_default()
            .insert(key.to_vec(), entry);
    }

    pub fn get(&self, ns: &str, key: &[u8]) -> Option<&UpdateEntry> {
        self.updates.get(ns)?.get(key)
    }

    /// Whether the batch writes (or deletes) the key.
    pub fn exists(&self, ns: &str, key: &[u8]) -> bool {
        self.get(ns, key).is_some()
    }

    /// Updated namespaces in sorted order.
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.updates.keys().map(String::as_str)
    }

    /// The namespace's updates in key order.
    pub fn ns_updates(&self, ns: &str) -> impl Iterator<Item = (&[u8], &UpdateEntry)> {
        self.updates
            .get(ns)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_slice(), v)))
    }

    /// The namespace's updates with keys in `[start, end)`; empty `end` means no bound.
    pub fn range(&self, ns: &str, start: &[u8], end: &[u8]) -> Vec<(Vec<u8>, UpdateEntry)> {
        let Some(m) = self.updates.get(ns) else {
            return Vec::new();
        };
        let upper = if end.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Excluded(end)
        };
        if !end.is_empty() && start >= end {
            return Vec::new();
        }
        m.range::<[u8], _>((Bound::Included(start), upper))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Every update as (namespace, key, entry), namespaces then keys in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8], &UpdateEntry)> {
        self.updates
            .iter()
            .flat_map(|(ns, m)| m.iter().map(move |(k, v)| (ns.as_str(), k.as_slice(), v)))
    }

    pub fn is_empty(&self) -> bool {
        self.updates.is_empty()
    }
}
