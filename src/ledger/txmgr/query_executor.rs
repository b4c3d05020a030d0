//! Fabric's `lockBasedQueryExecutor` and `lockBasedTxSimulator`. Both read one consistent
//! snapshot of committed state taken when they were created (where Fabric holds a read lock
//! that blocks commits until `Done`). A simulator never sees its own writes (Fabric v1.4 has
//! no read-your-writes): every read returns the committed value and is recorded with the
//! committed version; writes only go into the write set.
//!
//! Range query infos are recorded for every iterator the simulator opened, in opening order,
//! when the results are taken (as Fabric's `addRangeQueryInfo` does): the end key is the last
//! key returned, or the requested end key with `itr_exhausted` once the iterator ran dry.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::ledger::statedb::{StateRangeIter, StateSnapshot, VersionedKv};
use crate::ledger::{
    LedgerError, LedgerResult, QueryExecutor, QueryResult, ResultsIterator, TxSimulator,
};
use crate::protos::kvrwset::{range_query_info::ReadsInfo, QueryReads, RangeQueryInfo};
use crate::protos::rwset::TxReadWriteSet;

use super::query_results_helper::RangeQueryResultsHelper;
use super::rwset_builder::{new_kv_read, RwSetBuilder};
use super::storage_metadata::deserialize_metadata;

/// What a range iterator of a simulator learned, shared with the simulator.
struct RangeTracker {
    info: RangeQueryInfo,
    requested_end: String,
    helper: RangeQueryResultsHelper,
}

struct SimState {
    builder: RwSetBuilder,
    trackers: Vec<(String, Arc<Mutex<RangeTracker>>)>,
    done: bool,
}

/// Reads for both the query executor (no recording) and the simulator (recording).
struct QueryHelper {
    snap: Arc<StateSnapshot>,
    sim: Option<Mutex<SimState>>,
    max_degree: u32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn key_string(kv: &VersionedKv) -> LedgerResult<String> {
    String::from_utf8(kv.key.clone())
        .map_err(|_| LedgerError::Corrupt(format!("state key {:x?} is not UTF-8", kv.key)))
}

impl QueryHelper {
    /// Fails once the simulator has produced its results.
    fn recording(&self) -> LedgerResult<Option<MutexGuard<'_, SimState>>> {
        match &self.sim {
            None => Ok(None),
            Some(m) => {
                let g = lock(m);
                if g.done {
                    return Err(LedgerError::SimulatorDone);
                }
                Ok(Some(g))
            }
        }
    }

    fn get_state_and_metadata(
        &self,
        ns: &str,
        key: &str,
    ) -> LedgerResult<Option<(Vec<u8>, Vec<u8>)>> {
        let rec = self.recording()?;
        let vv = self.snap.get_state(ns, key.as_bytes())?;
        if let Some(mut s) = rec {
            s.builder
                .add_to_read_set(ns, key, vv.as_ref().map(|v| v.version));
        }
        Ok(vv.map(|v| (v.value, v.metadata)))
    }

    fn range_scan(
        &self,
        ns: &str,
        start: &str,
        end: &str,
    ) -> LedgerResult<Box<dyn ResultsIterator>> {
        let rec = self.recording()?;
        let inner = self.snap.range(ns, start.as_bytes(), end.as_bytes())?;
        let tracker = match rec {
            None => None,
            Some(mut s) => {
                let t = Arc::new(Mutex::new(RangeTracker {
                    info: RangeQueryInfo {
                        start_key: start.to_string(),
                        ..Default::default()
                    },
                    requested_end: end.to_string(),
                    helper: RangeQueryResultsHelper::new(true, self.max_degree)?,
                }));
                s.trackers.push((ns.to_string(), t.clone()));
                Some(t)
            }
        };
        Ok(Box::new(StateResultsItr {
            ns: ns.to_string(),
            inner,
            tracker,
        }))
    }
}

impl QueryExecutor for QueryHelper {
    fn get_state(&self, ns: &str, key: &str) -> LedgerResult<Option<Vec<u8>>> {
        Ok(self.get_state_and_metadata(ns, key)?.map(|(v, _)| v))
    }

    fn get_state_multiple_keys(
        &self,
        ns: &str,
        keys: &[String],
    ) -> LedgerResult<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|k| self.get_state(ns, k)).collect()
    }

    fn get_state_range_scan_iterator(
        &self,
        ns: &str,
        start: &str,
        end: &str,
    ) -> LedgerResult<Box<dyn ResultsIterator>> {
        self.range_scan(ns, start, end)
    }

    fn get_state_metadata(&self, ns: &str, key: &str) -> LedgerResult<BTreeMap<String, Vec<u8>>> {
        let metadata = self
            .get_state_and_metadata(ns, key)?
            .map(|(_, m)| m)
            .unwrap_or_default();
        deserialize_metadata(&metadata)
    }
}

/// A range scan over the snapshot; for a simulator it also feeds the range query info.
struct StateResultsItr {
    ns: String,
    inner: StateRangeIter,
    tracker: Option<Arc<Mutex<RangeTracker>>>,
}

impl ResultsIterator for StateResultsItr {
    fn next(&mut self) -> LedgerResult<Option<QueryResult>> {
        let kv = self.inner.next_kv()?;
        let Some(kv) = kv else {
            if let Some(t) = &self.tracker {
                let mut t = lock(t);
                t.info.itr_exhausted = true;
                t.info.end_key = t.requested_end.clone();
            }
            return Ok(None);
        };
        let key = key_string(&kv)?;
        if let Some(t) = &self.tracker {
            let mut t = lock(t);
            t.helper
                .add_result(new_kv_read(&key, Some(kv.value.version)));
            t.info.end_key = key.clone();
        }
        Ok(Some(QueryResult {
            namespace: self.ns.clone(),
            key,
            value: kv.value.value,
        }))
    }
}

/// Reads latest committed state without recording anything (Fabric's query executor).
pub struct LockBasedQueryExecutor {
    helper: QueryHelper,
}

impl LockBasedQueryExecutor {
    pub(crate) fn new(snap: Arc<StateSnapshot>) -> Self {
        LockBasedQueryExecutor {
            helper: QueryHelper {
                snap,
                sim: None,
                max_degree: super::query_results_helper::DEFAULT_MAX_DEGREE,
            },
        }
    }
}

/// Simulates one transaction: records reads, range queries and writes.
pub struct LockBasedTxSimulator {
    tx_id: String,
    helper: QueryHelper,
}

impl LockBasedTxSimulator {
    pub(crate) fn new(tx_id: &str, snap: Arc<StateSnapshot>, max_degree: u32) -> Self {
        LockBasedTxSimulator {
            tx_id: tx_id.to_string(),
            helper: QueryHelper {
                snap,
                sim: Some(Mutex::new(SimState {
                    builder: RwSetBuilder::new(),
                    trackers: Vec::new(),
                    done: false,
                })),
                max_degree,
            },
        }
    }

    /// The transaction id this simulator was created for.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    fn writer(&self) -> LedgerResult<MutexGuard<'_, SimState>> {
        self.helper.recording()?.ok_or(LedgerError::SimulatorDone)
    }
}

macro_rules! delegate_query_executor {
    ($t:ty) => {
        impl QueryExecutor for $t {
            fn get_state(&self, ns: &str, key: &str) -> LedgerResult<Option<Vec<u8>>> {
                self.helper.get_state(ns, key)
            }
            fn get_state_multiple_keys(
                &self,
                ns: &str,
                keys: &[String],
            ) -> LedgerResult<Vec<Option<Vec<u8>>>> {
                self.helper.get_state_multiple_keys(ns, keys)
            }
            fn get_state_range_scan_iterator(
                &self,
                ns: &str,
                start: &str,
                end: &str,
            ) -> LedgerResult<Box<dyn ResultsIterator>> {
                self.helper.get_state_range_scan_iterator(ns, start, end)
            }
            fn get_state_metadata(
                &self,
                ns: &str,
                key: &str,
            ) -> LedgerResult<BTreeMap<String, Vec<u8>>> {
                self.helper.get_state_metadata(ns, key)
            }
        }
    };
}

delegate_query_executor!(LockBasedQueryExecutor);
delegate_query_executor!(LockBasedTxSimulator);

impl TxSimulator for LockBasedTxSimulator {
    fn set_state(&self, ns: &str, key: &str, value: Vec<u8>) -> LedgerResult<()> {
        self.writer()?.builder.add_to_write_set(ns, key, value);
        Ok(())
    }

    fn delete_state(&self, ns: &str, key: &str) -> LedgerResult<()> {
        self.set_state(ns, key, Vec::new())
    }

    fn set_state_metadata(
        &self,
        ns: &str,
        key: &str,
        metadata: BTreeMap<String, Vec<u8>>,
    ) -> LedgerResult<()> {
        self.writer()?
            .builder
            .add_to_metadata_write_set(ns, key, &metadata);
        Ok(())
    }

    fn delete_state_metadata(&self, ns: &str, key: &str) -> LedgerResult<()> {
        self.set_state_metadata(ns, key, BTreeMap::new())
    }

    fn get_tx_simulation_results(&self) -> LedgerResult<TxReadWriteSet> {
        let mut s = self.writer()?;
        s.done = true;
        let trackers = std::mem::take(&mut s.trackers);
        for (ns, t) in trackers {
            let mut t = lock(&t);
            let (raw, summary) = t.helper.done();
            let mut info = t.info.clone();
            if !raw.is_empty() {
                info.reads_info = Some(ReadsInfo::RawReads(QueryReads { kv_reads: raw }));
            }
            if let Some(summary) = summary {
                info.reads_info = Some(ReadsInfo::ReadsMerkleHashes(summary));
            }
            s.builder.add_to_range_query_set(&ns, info);
        }
        Ok(std::mem::take(&mut s.builder).tx_read_write_set())
    }
}
