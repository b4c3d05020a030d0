//! MVCC and phantom-read validation of a block (Fabric's `statebasedval`). Transactions are
//! checked in block order against the committed snapshot plus the updates of the valid
//! transactions before them in the same block: a read key that an earlier transaction of
//! the block wrote, or whose committed version differs from the read version, is an
//! `MVCC_READ_CONFLICT`; a range query whose re-execution (over committed state merged with
//! those updates) yields other keys or versions is a `PHANTOM_READ_CONFLICT`; a hashed
//! (private data) read is checked like a public read.

use crate::ledger::statedb::{StateRangeIter, StateSnapshot, UpdateBatch, UpdateEntry};
use crate::ledger::{Height, LedgerResult};
use crate::protos::kvrwset::{range_query_info::ReadsInfo, KvRead, RangeQueryInfo};
use crate::protos::peer::TxValidationCode;

use super::query_results_helper::RangeQueryResultsHelper;
use super::rwset::{NsRwSet, TxRwSet};
use super::rwset_builder::{new_kv_read, read_version};
use super::updates::{hashed_data_ns, PubAndHashUpdates};

/// The code Fabric's state validator gives the transaction.
pub fn validate_tx(
    rwset: &TxRwSet,
    snap: &StateSnapshot,
    updates: &PubAndHashUpdates,
) -> LedgerResult<TxValidationCode> {
    for ns in &rwset.ns_rw_sets {
        if !reads_valid(ns, snap, &updates.pub_updates)? {
            return Ok(TxValidationCode::MvccReadConflict);
        }
        for rqi in &ns.kv_rw_set.range_queries_info {
            if !range_query_valid(&ns.namespace, rqi, snap, &updates.pub_updates)? {
                return Ok(TxValidationCode::PhantomReadConflict);
            }
        }
        if !hashed_reads_valid(ns, snap, updates)? {
            return Ok(TxValidationCode::MvccReadConflict);
        }
    }
    Ok(TxValidationCode::Valid)
}

fn reads_valid(ns: &NsRwSet, snap: &StateSnapshot, updates: &UpdateBatch) -> LedgerResult<bool> {
    for read in &ns.kv_rw_set.reads {
        if updates.exists(&ns.namespace, read.key.as_bytes()) {
            return Ok(false);
        }
        let committed = snap.get_version(&ns.namespace, read.key.as_bytes())?;
        if committed != read_version(read) {
            tracing::debug!(target: "statebasedval", "Version mismatch for key [{}:{}]", ns.namespace, read.key);
            return Ok(false);
        }
    }
    Ok(true)
}

fn hashed_reads_valid(
    ns: &NsRwSet,
    snap: &StateSnapshot,
    updates: &PubAndHashUpdates,
) -> LedgerResult<bool> {
    for coll in &ns.coll_hashed_rw_sets {
        let hashed_ns = hashed_data_ns(&ns.namespace, &coll.collection_name);
        for read in &coll.hashed_rw_set.hashed_reads {
            if updates
                .hash_updates
                .contains(&ns.namespace, &coll.collection_name, &read.key_hash)
            {
                return Ok(false);
            }
            let committed = snap.get_version(&hashed_ns, &read.key_hash)?;
            let read_at = read
                .version
                .as_ref()
                .map(|v| Height::new(v.block_num, v.tx_num));
            if committed != read_at {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn range_query_valid(
    ns: &str,
    rqi: &RangeQueryInfo,
    snap: &StateSnapshot,
    updates: &UpdateBatch,
) -> LedgerResult<bool> {
    let mut itr = CombinedIterator::new(snap, updates, ns, rqi, !rqi.itr_exhausted)?;
    match &rqi.reads_info {
        Some(ReadsInfo::ReadsMerkleHashes(summary)) => {
            let mut helper = RangeQueryResultsHelper::new(true, summary.max_degree)?;
            let mut last_matched: isize = -1;
            loop {
                let Some((key, version)) = itr.next()? else {
                    let (_, merkle) = helper.done();
                    return Ok(merkle.as_ref() == Some(summary));
                };
                helper.add_result(read_of(&key, version));
                let merkle = helper.merkle_summary().unwrap_or_default();
                if merkle.max_level < summary.max_level {
                    continue;
                }
                if last_matched == merkle.max_level_hashes.len() as isize - 1 {
                    continue;
                }
                if merkle.max_level_hashes.len() > summary.max_level_hashes.len() {
                    return Ok(false);
                }
                last_matched += 1;
                let i = last_matched as usize;
                if merkle.max_level_hashes[i] != summary.max_level_hashes[i] {
                    return Ok(false);
                }
            }
        }
        raw => {
            let expected: &[KvRead] = match raw {
                Some(ReadsInfo::RawReads(r)) => &r.kv_reads,
                _ => &[],
            };
            for read in expected {
                match itr.next()? {
                    Some((key, version))
                        if key == read.key.as_bytes() && Some(version) == read_version(read) => {}
                    _ => return Ok(false),
                }
            }
            Ok(itr.next()?.is_none())
        }
    }
}

fn read_of(key: &[u8], version: Height) -> KvRead {
    new_kv_read(&String::from_utf8_lossy(key), Some(version))
}

/// Committed state merged with the block's earlier updates over a key range (Fabric's
/// `combinedIterator`): an update shadows the committed key, deletes are skipped, and when
/// the original query stopped early its last key is served at the end.
struct CombinedIterator<'a> {
    ns: &'a str,
    snap: &'a StateSnapshot,
    updates: &'a UpdateBatch,
    end_key: &'a str,
    include_end_key: bool,
    end_key_served: bool,
    db_itr: StateRangeIter,
    db_item: Option<(Vec<u8>, Option<Vec<u8>>, Height)>,
    upd_items: std::vec::IntoIter<(Vec<u8>, UpdateEntry)>,
    upd_item: Option<(Vec<u8>, Option<Vec<u8>>, Height)>,
}

type Item = (Vec<u8>, Option<Vec<u8>>, Height);

impl<'a> CombinedIterator<'a> {
    fn new(
        snap: &'a StateSnapshot,
        updates: &'a UpdateBatch,
        ns: &'a str,
        rqi: &'a RangeQueryInfo,
        include_end_key: bool,
    ) -> LedgerResult<Self> {
        let start = rqi.start_key.as_bytes();
        let end = rqi.end_key.as_bytes();
        let mut db_itr = snap.range(ns, start, end)?;
        let db_item = db_itr
            .next_kv()?
            .map(|kv| (kv.key, Some(kv.value.value), kv.value.version));
        let mut upd_items = updates.range(ns, start, end).into_iter();
        let upd_item = upd_items.next().map(|(k, e)| (k, e.value, e.version));
        Ok(CombinedIterator {
            ns,
            snap,
            updates,
            end_key: &rqi.end_key,
            include_end_key,
            end_key_served: false,
            db_itr,
            db_item,
            upd_items,
            upd_item,
        })
    }

    fn advance_db(&mut self) -> LedgerResult<()> {
        self.db_item = self
            .db_itr
            .next_kv()?
            .map(|kv| (kv.key, Some(kv.value.value), kv.value.version));
        Ok(())
    }

    fn advance_updates(&mut self) {
        self.upd_item = self.upd_items.next().map(|(k, e)| (k, e.value, e.version));
    }

    /// The next live (key, version).
    fn next(&mut self) -> LedgerResult<Option<(Vec<u8>, Height)>> {
        loop {
            let selected: Item = match (&self.db_item, &self.upd_item) {
                (None, None) => return self.serve_end_key(),
                (Some(d), None) => {
                    let d = d.clone();
                    self.advance_db()?;
                    d
                }
                (None, Some(u)) => {
                    let u = u.clone();
                    self.advance_updates();
                    u
                }
                (Some(d), Some(u)) => match d.0.cmp(&u.0) {
                    std::cmp::Ordering::Less => {
                        let d = d.clone();
                        self.advance_db()?;
                        d
                    }
                    std::cmp::Ordering::Equal => {
                        let u = u.clone();
                        self.advance_db()?;
                        self.advance_updates();
                        u
                    }
                    std::cmp::Ordering::Greater => {
                        let u = u.clone();
                        self.advance_updates();
                        u
                    }
                },
            };
            if selected.1.is_some() {
                return Ok(Some((selected.0, selected.2)));
            }
        }
    }

    fn serve_end_key(&mut self) -> LedgerResult<Option<(Vec<u8>, Height)>> {
        if !self.include_end_key || self.end_key_served {
            return Ok(None);
        }
        self.end_key_served = true;
        let key = self.end_key.as_bytes();
        let current = match self.updates.get(self.ns, key) {
            Some(e) => e.value.as_ref().map(|_| e.version),
            None => self.snap.get_version(self.ns, key)?,
        };
        Ok(current.map(|v| (key.to_vec(), v)))
    }
}
