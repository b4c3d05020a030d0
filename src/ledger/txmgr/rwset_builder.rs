//! Builds a simulated transaction's read-write set the way Fabric's `rwsetutil.RWSetBuilder`
//! does: per namespace the last read and the last write of each key win, reads, writes and
//! metadata writes come out sorted by key, range query infos in the order the queries were
//! made (the first of identical (start, end, exhausted) kept), namespaces sorted.

use std::collections::BTreeMap;

use prost::Message;

use crate::ledger::Height;
use crate::protos::kvrwset::{
    KvMetadataEntry, KvMetadataWrite, KvRead, KvWrite, KvrwSet, RangeQueryInfo, Version,
};
use crate::protos::rwset::{tx_read_write_set::DataModel, NsReadWriteSet, TxReadWriteSet};

/// Fabric's `NewKVRead`: a missing key is read at no version.
pub fn new_kv_read(key: &str, version: Option<Height>) -> KvRead {
    KvRead {
        key: key.to_string(),
        version: version.map(|h| Version {
            block_num: h.block_num,
            tx_num: h.tx_num,
        }),
    }
}

/// The height a read recorded, if any.
pub fn read_version(read: &KvRead) -> Option<Height> {
    read.version
        .as_ref()
        .map(|v| Height::new(v.block_num, v.tx_num))
}

#[derive(Default)]
struct NsBuilder {
    reads: BTreeMap<String, KvRead>,
    writes: BTreeMap<String, KvWrite>,
    metadata_writes: BTreeMap<String, KvMetadataWrite>,
    range_queries: Vec<RangeQueryInfo>,
}

impl NsBuilder {
    fn build(self) -> KvrwSet {
        KvrwSet {
            reads: self.reads.into_values().collect(),
            range_queries_info: self.range_queries,
            writes: self.writes.into_values().collect(),
            metadata_writes: self.metadata_writes.into_values().collect(),
        }
    }
}

/// Accumulates reads and writes during simulation.
#[derive(Default)]
pub struct RwSetBuilder {
    namespaces: BTreeMap<String, NsBuilder>,
}

impl RwSetBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn ns(&mut self, ns: &str) -> &mut NsBuilder {
        self.namespaces.entry(ns.to_string()).or_default()
    }

    pub fn add_to_read_set(&mut self, ns: &str, key: &str, version: Option<Height>) {
        self.ns(ns)
            .reads
            .insert(key.to_string(), new_kv_read(key, version));
    }

    /// An empty value is a delete, as in Fabric.
    pub fn add_to_write_set(&mut self, ns: &str, key: &str, value: Vec<u8>) {
        let w = KvWrite {
            key: key.to_string(),
            is_delete: value.is_empty(),
            value,
        };
        self.ns(ns).writes.insert(key.to_string(), w);
    }

    /// Entries sorted by name; no entries means "delete the metadata".
    pub fn add_to_metadata_write_set(
        &mut self,
        ns: &str,
        key: &str,
        metadata: &BTreeMap<String, Vec<u8>>,
    ) {
        let w = KvMetadataWrite {
            key: key.to_string(),
            entries: metadata
                .iter()
                .map(|(name, value)| KvMetadataEntry {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
        };
        self.ns(ns).metadata_writes.insert(key.to_string(), w);
    }

    pub fn add_to_range_query_set(&mut self, ns: &str, rqi: RangeQueryInfo) {
        let b = self.ns(ns);
        let seen = b.range_queries.iter().any(|q| {
            q.start_key == rqi.start_key
                && q.end_key == rqi.end_key
                && q.itr_exhausted == rqi.itr_exhausted
        });
        if !seen {
            b.range_queries.push(rqi);
        }
    }

    /// The public read-write set (data model KV, namespaces in sorted order).
    pub fn tx_read_write_set(self) -> TxReadWriteSet {
        TxReadWriteSet {
            data_model: DataModel::Kv as i32,
            ns_rwset: self
                .namespaces
                .into_iter()
                .map(|(namespace, b)| NsReadWriteSet {
                    namespace,
                    rwset: b.build().encode_to_vec(),
                    collection_hashed_rwset: Vec::new(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::kvrwset::{range_query_info::ReadsInfo, QueryReads};

    #[test]
    fn sorted_last_wins_and_deletes() {
        let mut b = RwSetBuilder::new();
        b.add_to_read_set("ns2", "k2", Some(Height::new(1, 2)));
        b.add_to_read_set("ns1", "b", None);
        b.add_to_read_set("ns1", "a", Some(Height::new(0, 0)));
        b.add_to_write_set("ns1", "z", b"1".to_vec());
        b.add_to_write_set("ns1", "y", b"2".to_vec());
        b.add_to_write_set("ns1", "z", b"3".to_vec());
        b.add_to_write_set("ns1", "x", Vec::new());
        let rw = b.tx_read_write_set();
        assert_eq!(rw.data_model, 0);
        let names: Vec<_> = rw.ns_rwset.iter().map(|n| n.namespace.as_str()).collect();
        assert_eq!(names, ["ns1", "ns2"]);
        let kv = KvrwSet::decode(rw.ns_rwset[0].rwset.as_slice()).unwrap();
        let reads: Vec<_> = kv
            .reads
            .iter()
            .map(|r| (r.key.as_str(), read_version(r)))
            .collect();
        assert_eq!(reads, [("a", Some(Height::new(0, 0))), ("b", None)]);
        let writes: Vec<_> = kv
            .writes
            .iter()
            .map(|w| (w.key.as_str(), w.is_delete, w.value.clone()))
            .collect();
        assert_eq!(
            writes,
            [
                ("x", true, vec![]),
                ("y", false, b"2".to_vec()),
                ("z", false, b"3".to_vec())
            ]
        );
    }

    #[test]
    fn range_queries_keep_first_of_same_shape_in_call_order() {
        let mut b = RwSetBuilder::new();
        let q = |s: &str, e: &str, x: bool, n: usize| RangeQueryInfo {
            start_key: s.into(),
            end_key: e.into(),
            itr_exhausted: x,
            reads_info: Some(ReadsInfo::RawReads(QueryReads {
                kv_reads: (0..n).map(|i| new_kv_read(&i.to_string(), None)).collect(),
            })),
        };
        b.add_to_range_query_set("ns", q("b", "c", true, 1));
        b.add_to_range_query_set("ns", q("a", "c", true, 1));
        b.add_to_range_query_set("ns", q("b", "c", true, 2));
        b.add_to_range_query_set("ns", q("b", "c", false, 3));
        let rw = b.tx_read_write_set();
        let kv = KvrwSet::decode(rw.ns_rwset[0].rwset.as_slice()).unwrap();
        let got: Vec<_> = kv
            .range_queries_info
            .iter()
            .map(|q| (q.start_key.as_str(), q.itr_exhausted))
            .collect();
        assert_eq!(got, [("b", true), ("a", true), ("b", false)]);
        assert_eq!(kv.range_queries_info[0], q("b", "c", true, 1));
    }

    #[test]
    fn metadata_entries_sorted_and_empty_means_delete() {
        let mut b = RwSetBuilder::new();
        let mut m = BTreeMap::new();
        m.insert("VALIDATION_PARAMETER".to_string(), b"p".to_vec());
        m.insert("A".to_string(), b"a".to_vec());
        b.add_to_metadata_write_set("ns", "k", &m);
        b.add_to_metadata_write_set("ns", "j", &BTreeMap::new());
        let rw = b.tx_read_write_set();
        let kv = KvrwSet::decode(rw.ns_rwset[0].rwset.as_slice()).unwrap();
        assert_eq!(kv.metadata_writes[0].key, "j");
        assert!(kv.metadata_writes[0].entries.is_empty());
        let names: Vec<_> = kv.metadata_writes[1]
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, ["A", "VALIDATION_PARAMETER"]);
    }
}
