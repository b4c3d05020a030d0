//! Fabric's `RangeQueryResultsHelper`: the reads of a range query are kept raw while there are
//! at most `max_degree` of them; beyond that, every `max_degree + 1` reads are serialized as a
//! `QueryReads` message and SHA-256 hashed into the leaf level of a Merkle tree whose nodes
//! have at most `max_degree` children. The summary (max degree, top level, top level hashes)
//! replaces the raw reads in the range query info and is recomputed the same way at
//! validation (phantom read detection).

use std::collections::BTreeMap;

use prost::Message;
use sha2::{Digest, Sha256};

use crate::ledger::{LedgerError, LedgerResult};
use crate::protos::kvrwset::{KvRead, QueryReads, QueryReadsMerkleSummary};

/// Fabric's default `maxDegreeQueryReadsHashing` (a constant in v1.4.12's ledgerconfig).
pub const DEFAULT_MAX_DEGREE: u32 = 50;

const LEAF_LEVEL: u32 = 1;

/// Collects a range query's reads, hashing them when they exceed `max_degree`.
pub struct RangeQueryResultsHelper {
    pending: Vec<KvRead>,
    tree: Option<MerkleTree>,
    max_degree: u32,
}

impl RangeQueryResultsHelper {
    /// With `enable_hashing`, `max_degree` must be at least 2.
    pub fn new(enable_hashing: bool, max_degree: u32) -> LedgerResult<Self> {
        let tree = if enable_hashing {
            Some(MerkleTree::new(max_degree)?)
        } else {
            None
        };
        Ok(RangeQueryResultsHelper {
            pending: Vec::new(),
            tree,
            max_degree,
        })
    }

    pub fn add_result(&mut self, read: KvRead) {
        self.pending.push(read);
        if self.tree.is_some() && self.pending.len() as u64 > u64::from(self.max_degree) {
            self.process_pending();
        }
    }

    /// The raw reads (when no hashing happened) or the Merkle summary of all reads.
    pub fn done(&mut self) -> (Vec<KvRead>, Option<QueryReadsMerkleSummary>) {
        let hashed = self.tree.as_ref().is_some_and(|t| !t.is_empty());
        if !hashed {
            return (std::mem::take(&mut self.pending), None);
        }
        if !self.pending.is_empty() {
            self.process_pending();
        }
        let tree = self.tree.as_mut().expect("hashed implies a tree");
        tree.done();
        (Vec::new(), Some(tree.summary()))
    }

    /// The summary of what has been hashed so far (none without hashing).
    pub fn merkle_summary(&self) -> Option<QueryReadsMerkleSummary> {
        self.tree.as_ref().map(MerkleTree::summary)
    }

    fn process_pending(&mut self) {
        let reads = std::mem::take(&mut self.pending);
        let bytes = QueryReads { kv_reads: reads }.encode_to_vec();
        let hash = Sha256::digest(&bytes).to_vec();
        if let Some(tree) = self.tree.as_mut() {
            tree.update(hash);
        }
    }
}

struct MerkleTree {
    tree: BTreeMap<u32, Vec<Vec<u8>>>,
    max_level: u32,
    max_degree: u32,
}

impl MerkleTree {
    fn new(max_degree: u32) -> LedgerResult<Self> {
        if max_degree < 2 {
            return Err(LedgerError::InvalidRequest(format!(
                "maxDegree [{max_degree}] should not be less than 2 in the merkle tree"
            )));
        }
        Ok(MerkleTree {
            tree: BTreeMap::new(),
            max_level: LEAF_LEVEL,
            max_degree,
        })
    }

    fn update(&mut self, leaf: Vec<u8>) {
        self.tree.entry(LEAF_LEVEL).or_default().push(leaf);
        let mut level = LEAF_LEVEL;
        loop {
            let hashes = self.tree.get(&level).map_or(0, Vec::len);
            if hashes as u64 <= u64::from(self.max_degree) {
                return;
            }
            let combined = combined_hash(&self.tree.remove(&level).unwrap_or_default());
            let next = level + 1;
            self.tree.entry(next).or_default().push(combined);
            self.max_level = self.max_level.max(next);
            level = next;
        }
    }

    fn done(&mut self) {
        let mut level = LEAF_LEVEL;
        while level < self.max_level {
            let hashes = self.tree.remove(&level).unwrap_or_default();
            let h = match hashes.len() {
                0 => {
                    level += 1;
                    continue;
                }
                1 => hashes.into_iter().next().expect("one hash"),
                _ => combined_hash(&hashes),
            };
            level += 1;
            self.tree.entry(level).or_default().push(h);
        }
        let top = self.tree.get(&self.max_level).map_or(0, Vec::len);
        if top as u64 > u64::from(self.max_degree) {
            let hashes = self.tree.remove(&self.max_level).unwrap_or_default();
            self.max_level += 1;
            self.tree
                .insert(self.max_level, vec![combined_hash(&hashes)]);
        }
    }

    fn summary(&self) -> QueryReadsMerkleSummary {
        QueryReadsMerkleSummary {
            max_degree: self.max_degree,
            max_level: self.max_level,
            max_level_hashes: self.tree.get(&self.max_level).cloned().unwrap_or_default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.max_level == LEAF_LEVEL && self.tree.get(&LEAF_LEVEL).is_none_or(Vec::is_empty)
    }
}

fn combined_hash(hashes: &[Vec<u8>]) -> Vec<u8> {
    let mut h = Sha256::new();
    for x in hashes {
        h.update(x);
    }
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::txmgr::rwset_builder::new_kv_read;
    use crate::ledger::Height;

    fn read(i: usize) -> KvRead {
        new_kv_read(&format!("key{i:04}"), Some(Height::new(1, i as u64)))
    }

    fn sha(b: &[u8]) -> Vec<u8> {
        Sha256::digest(b).to_vec()
    }

    fn leaf(range: std::ops::Range<usize>) -> Vec<u8> {
        sha(&QueryReads {
            kv_reads: range.map(read).collect(),
        }
        .encode_to_vec())
    }

    fn run(n: usize, degree: u32) -> (Vec<KvRead>, Option<QueryReadsMerkleSummary>) {
        let mut h = RangeQueryResultsHelper::new(true, degree).unwrap();
        for i in 0..n {
            h.add_result(read(i));
        }
        h.done()
    }

    #[test]
    fn up_to_max_degree_stays_raw() {
        let (raw, sum) = run(2, 2);
        assert_eq!(raw, vec![read(0), read(1)]);
        assert!(sum.is_none());
        let (raw, sum) = run(0, 2);
        assert!(raw.is_empty() && sum.is_none());
    }

    #[test]
    fn hashing_follows_fabric_tree_rules() {
        // degree 2: every 3 reads make a leaf; 3 leaves combine into level 2.
        let (raw, sum) = run(3, 2);
        assert!(raw.is_empty());
        let sum = sum.unwrap();
        assert_eq!((sum.max_degree, sum.max_level), (2, 1));
        assert_eq!(sum.max_level_hashes, vec![leaf(0..3)]);

        // 10 reads: leaves [0..3), [3..6), [6..9) -> level 2 = H(l1|l2|l3); pending [9] -> l4.
        // done(): level 1 holds one hash (l4), moves up: level 2 = [H123, l4].
        let sum = run(10, 2).1.unwrap();
        let h123 = sha(&[leaf(0..3), leaf(3..6), leaf(6..9)].concat());
        assert_eq!(sum.max_level, 2);
        assert_eq!(sum.max_level_hashes, vec![h123, leaf(9..10)]);

        // 5 reads: l1=[0..3), pending [3,4] -> l2; two leaves stay at level 1.
        let sum = run(5, 2).1.unwrap();
        assert_eq!((sum.max_level, sum.max_level_hashes.len()), (1, 2));
    }

    #[test]
    fn large_range_with_default_degree() {
        let (raw, sum) = run(51, DEFAULT_MAX_DEGREE);
        assert!(raw.is_empty());
        let sum = sum.unwrap();
        assert_eq!(sum.max_level, 1);
        assert_eq!(sum.max_level_hashes, vec![leaf(0..51)]);
        let sum = run(51 * 51 + 3, DEFAULT_MAX_DEGREE).1.unwrap();
        assert_eq!(sum.max_level, 2);
        assert_eq!(sum.max_level_hashes.len(), 2);
    }

    #[test]
    fn degree_below_two_is_rejected() {
        assert!(RangeQueryResultsHelper::new(true, 1).is_err());
        assert!(RangeQueryResultsHelper::new(false, 1).is_ok());
    }
}
