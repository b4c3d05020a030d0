//! The embedded key-value store under every ledger database (Fabric's `leveldbhelper`):
//! one ordered keyspace per file, atomic write batches, consistent snapshots. Everything
//! above it (block index, state, history, ledger ids) sees only [`KvStore`], so a second
//! engine can be added without touching them.
//!
//! The engine is redb (pure Rust, one file, ACID, MVCC readers). Chosen by measurement of a
//! peer-shaped workload (per block: 100 txs × 4 state writes of 100 B, 4 history keys, 1 tx
//! index entry, one durable batch per block; then point reads and 50-key range scans), release
//! build on this 2-core machine:
//!
//! | engine      | durable commits         | point reads  | 50-key ranges |
//! |-------------|-------------------------|--------------|---------------|
//! | redb 2.6    | 548 blocks/s (55k tx/s) | 2.17 M/s     | 225 k/s       |
//! | fjall 2.11  | 1242 blocks/s (124k tx/s)| 0.85 M/s    | 88 k/s        |
//! | sled 0.34   | 255 blocks/s (26k tx/s) | 1.20 M/s     | 74 k/s        |
//!
//! Commit rate on every engine is far above what signature checks allow (two P-256
//! endorsements per tx cap a 2-core peer near 15k tx/s), while reads sit on the endorsement
//! and MVCC paths, where redb is 2.5× faster. redb also has no dependencies, builds fast and
//! keeps a database in one file.

use std::ops::Bound;
use std::path::Path;

use redb::TableDefinition;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("kv");

/// A storage failure; the message names the file and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KvError(String);

impl KvError {
    fn new(what: impl std::fmt::Display) -> Self {
        KvError(what.to_string())
    }
}

/// One key and its value, as stored.
pub type KvPair = (Vec<u8>, Vec<u8>);

/// An iterator over a key range, in key order, owning what it reads.
pub type KvIter = Box<dyn Iterator<Item = Result<KvPair, KvError>> + Send>;

/// Puts and deletes applied together or not at all.
#[derive(Debug, Default, Clone)]
pub struct WriteBatch {
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), Some(value.into())));
    }
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), None));
    }
    pub fn len(&self) -> usize {
        self.ops.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    /// Appends another batch's operations after this one's.
    pub fn extend(&mut self, other: WriteBatch) {
        self.ops.extend(other.ops);
    }
}

/// A consistent, read-only view of the store as of when it was taken.
pub trait KvSnapshot: Send + Sync {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError>;
    /// Keys in `[start, end)`; an empty `end` means "to the end of the keyspace".
    fn range(&self, start: &[u8], end: &[u8]) -> Result<KvIter, KvError>;
}

/// An ordered key-value store with atomic batches and snapshots.
pub trait KvStore: Send + Sync {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, KvError>;
    /// Applies the batch atomically; with `sync` it is on disk when this returns.
    fn write(&self, batch: WriteBatch, sync: bool) -> Result<(), KvError>;
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        self.snapshot()?.get(key)
    }
}

/// [`KvStore`] over one redb file.
pub struct RedbStore {
    db: redb::Database,
}

impl RedbStore {
    /// Opens the database file, creating it (and its folder) when missing.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| KvError::new(format!("cannot create {}: {e}", dir.display())))?;
        }
        let db = redb::Database::create(path)
            .map_err(|e| KvError::new(format!("cannot open {}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(KvError::new)?;
        txn.open_table(TABLE).map_err(KvError::new)?;
        txn.commit().map_err(KvError::new)?;
        Ok(RedbStore { db })
    }
}

impl KvStore for RedbStore {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, KvError> {
        let txn = self.db.begin_read().map_err(KvError::new)?;
        let table = txn.open_table(TABLE).map_err(KvError::new)?;
        Ok(Box::new(RedbSnapshot { table }))
    }

    fn write(&self, batch: WriteBatch, sync: bool) -> Result<(), KvError> {
        let mut txn = self.db.begin_write().map_err(KvError::new)?;
        if !sync {
            txn.set_durability(redb::Durability::Eventual);
        }
        {
            let mut table = txn.open_table(TABLE).map_err(KvError::new)?;
            for (key, value) in &batch.ops {
                match value {
                    Some(v) => table.insert(key.as_slice(), v.as_slice()).map(|_| ()),
                    None => table.remove(key.as_slice()).map(|_| ()),
                }
                .map_err(KvError::new)?;
            }
        }
        txn.commit().map_err(KvError::new)
    }
}

struct RedbSnapshot {
    table: redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl KvSnapshot for RedbSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        let v = self.table.get(key).map_err(KvError::new)?;
        Ok(v.map(|v| v.value().to_vec()))
    }

    fn range(&self, start: &[u8], end: &[u8]) -> Result<KvIter, KvError> {
        let upper = if end.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Excluded(end)
        };
        let range = self
            .table
            .range::<&[u8]>((Bound::Included(start), upper))
            .map_err(KvError::new)?;
        Ok(Box::new(range.map(|item| {
            item.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))
                .map_err(KvError::new)
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_atomic_and_snapshots_stable() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(&dir.path().join("a/db")).unwrap();
        let mut b = WriteBatch::new();
        b.put(b"k1".to_vec(), b"v1".to_vec());
        b.put(b"k2".to_vec(), b"v2".to_vec());
        b.put(b"k3".to_vec(), b"v3".to_vec());
        store.write(b, true).unwrap();
        let snap = store.snapshot().unwrap();
        let mut b = WriteBatch::new();
        b.delete(b"k2".to_vec());
        b.put(b"k4".to_vec(), b"v4".to_vec());
        store.write(b, false).unwrap();
        let old: Vec<_> = snap
            .range(b"k", b"")
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(old, vec![b"k1".to_vec(), b"k2".to_vec(), b"k3".to_vec()]);
        let new: Vec<_> = store
            .snapshot()
            .unwrap()
            .range(b"k2", b"k4")
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(new, vec![b"k3".to_vec()]);
        assert_eq!(store.get(b"k4").unwrap(), Some(b"v4".to_vec()));
        assert_eq!(store.get(b"k2").unwrap(), None);
    }

    #[test]
    fn reopen_keeps_synced_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = RedbStore::open(&path).unwrap();
            let mut b = WriteBatch::new();
            b.put(b"x".to_vec(), b"1".to_vec());
            store.write(b, true).unwrap();
        }
        let store = RedbStore::open(&path).unwrap();
        assert_eq!(store.get(b"x").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn unopenable_path_is_one_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"not a dir").unwrap();
        let err = RedbStore::open(&file.join("db")).err().unwrap();
        assert!(err.to_string().starts_with("cannot create"), "{err}");
    }
}
