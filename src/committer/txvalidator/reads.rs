//! What a block's validation read from the ledger, so that a block validated while the
//! previous block was being committed can be checked against the state that commit left.
//!
//! Validation reads lscc definitions, key-level validation parameters and tx id existence.
//! When the block before is committed concurrently, each of those reads may have seen the
//! ledger before or after that commit. [`ReadLog::still_current`] reads everything again
//! after the commit: if every answer is the same, the validation saw the state it would
//! have seen validating after the commit, and its verdict stands.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::ledger::{LedgerResult, PeerLedger, QueryExecutor, ResultsIterator};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ReadKey {
    Value(String, String),
    Metadata(String, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Value(Option<Vec<u8>>),
    Metadata(BTreeMap<String, Vec<u8>>),
}

/// The reads of one block's validation (empty and inactive unless asked for).
#[derive(Default)]
pub(crate) struct ReadLog {
    active: bool,
    state: Mutex<HashMap<ReadKey, Seen>>,
    /// Tx ids found absent from the ledger.
    absent_tx_ids: Mutex<Vec<String>>,
    /// A range scan was done (its result cannot be checked key by key), or one key gave
    /// two answers.
    unverifiable: AtomicBool,
}

impl ReadLog {
    pub(crate) fn new(active: bool) -> Self {
        ReadLog {
            active,
            ..Default::default()
        }
    }

    /// Notes an answer; two different answers for one key (a read before and a read after
    /// the concurrent commit) make the log stale.
    fn seen(&self, key: ReadKey, value: Seen) {
        if !self.active {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.get(&key) {
            Some(earlier) if *earlier != value => self.unverifiable.store(true, Ordering::SeqCst),
            Some(_) => {}
            None => {
                state.insert(key, value);
            }
        }
    }

    pub(crate) fn tx_id_absent(&self, tx_id: &str) {
        if self.active {
            self.absent_tx_ids
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(tx_id.to_string());
        }
    }

    /// Whether every read gives the same answer on `ledger` now.
    pub(crate) fn still_current(&self, ledger: &dyn PeerLedger) -> LedgerResult<bool> {
        if self.unverifiable.load(Ordering::SeqCst) {
            return Ok(false);
        }
        for tx_id in self
            .absent_tx_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            if ledger.tx_id_exists(tx_id)? {
                return Ok(false);
            }
        }
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.is_empty() {
            return Ok(true);
        }
        let now = ledger.new_query_executor()?;
        for (key, seen) in state.iter() {
            let current = match key {
                ReadKey::Value(ns, k) => Seen::Value(now.get_state(ns, k)?),
                ReadKey::Metadata(ns, k) => Seen::Metadata(now.get_state_metadata(ns, k)?),
            };
            if current != *seen {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A query executor that notes what it answered in a [`ReadLog`].
pub(crate) struct LoggedState<'a> {
    pub(crate) inner: &'a dyn QueryExecutor,
    pub(crate) log: &'a ReadLog,
}

impl QueryExecutor for LoggedState<'_> {
    fn get_state(&self, namespace: &str, key: &str) -> LedgerResult<Option<Vec<u8>>> {
        let value = self.inner.get_state(namespace, key)?;
        self.log.seen(
            ReadKey::Value(namespace.to_string(), key.to_string()),
            Seen::Value(value.clone()),
        );
        Ok(value)
    }

    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[String],
    ) -> LedgerResult<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|k| self.get_state(namespace, k)).collect()
    }

    fn get_state_range_scan_iterator(
        &self,
        namespace: &str,
        start: &str,
        end: &str,
    ) -> LedgerResult<Box<dyn ResultsIterator>> {
        self.log.unverifiable.store(true, Ordering::SeqCst);
        self.inner
            .get_state_range_scan_iterator(namespace, start, end)
    }

    fn get_state_metadata(
        &self,
        namespace: &str,
        key: &str,
    ) -> LedgerResult<BTreeMap<String, Vec<u8>>> {
        let metadata = self.inner.get_state_metadata(namespace, key)?;
        self.log.seen(
            ReadKey::Metadata(namespace.to_string(), key.to_string()),
            Seen::Metadata(metadata.clone()),
        );
        Ok(metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::committer::testutil::FakeLedger;

    fn logged_read(ledger: &FakeLedger, log: &ReadLog) {
        let state = ledger.new_query_executor().unwrap();
        let logged = LoggedState {
            inner: state.as_ref(),
            log,
        };
        logged.get_state("lscc", "mycc").unwrap();
        logged.get_state_metadata("mycc", "k").unwrap();
        log.tx_id_absent("tx1");
    }

    #[test]
    fn a_read_answered_differently_after_the_commit_makes_the_log_stale() {
        let ledger = FakeLedger::default();
        ledger.put("lscc", "mycc", b"v1".to_vec());
        let log = ReadLog::new(true);
        logged_read(&ledger, &log);
        assert!(log.still_current(&ledger).unwrap());
        ledger.put("lscc", "other", b"x".to_vec());
        assert!(log.still_current(&ledger).unwrap(), "an unread key changed");
        ledger.put("lscc", "mycc", b"v2".to_vec());
        assert!(!log.still_current(&ledger).unwrap());
    }

    #[test]
    fn a_tx_id_committed_meanwhile_makes_the_log_stale() {
        let ledger = FakeLedger::default();
        let log = ReadLog::new(true);
        logged_read(&ledger, &log);
        ledger.tx_ids.lock().unwrap().insert("tx1".into());
        assert!(!log.still_current(&ledger).unwrap());
    }

    #[test]
    fn two_answers_for_one_key_or_a_range_scan_make_the_log_stale() {
        let ledger = FakeLedger::default();
        let log = ReadLog::new(true);
        logged_read(&ledger, &log);
        ledger.put("lscc", "mycc", b"v2".to_vec());
        logged_read(&ledger, &log); // a read after the commit: same as the ledger now
        assert!(!log.still_current(&ledger).unwrap());

        let log = ReadLog::new(true);
        let state = ledger.new_query_executor().unwrap();
        let logged = LoggedState {
            inner: state.as_ref(),
            log: &log,
        };
        let _ = logged.get_state_range_scan_iterator("mycc", "", "");
        assert!(!log.still_current(&ledger).unwrap());
    }

    #[test]
    fn an_inactive_log_keeps_nothing() {
        let ledger = FakeLedger::default();
        let log = ReadLog::new(false);
        logged_read(&ledger, &log);
        ledger.put("lscc", "mycc", b"v2".to_vec());
        ledger.tx_ids.lock().unwrap().insert("tx1".into());
        assert!(log.still_current(&ledger).unwrap());
    }
}
